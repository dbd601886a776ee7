/*
 * play.h - how a computer plays: whom it aims at, how well, when it fires,
 * and the FIRE lines of one shot.  One code for game_bot's players and for
 * game_client (its shots, and its --autopilot).  Pure: no sockets, no
 * clock, no hidden random state (the caller passes random numbers).
 *
 *   struct play_mind mind = { 0 };
 *   ...each decision:
 *   if (play_think(&play_skills[PLAY_EASY], &mind, targets, n, x, y,
 *                  weapon, now, random_unit, &aimx, &aimy))
 *           n = play_shot(id, &next_bullet_id, weapon, x, y,
 *                         atan2(aimy - y, aimx - x), random_unit, fires);
 */
#ifndef PLAY_H
#define PLAY_H

#include "game.h"

#include <stdbool.h>

enum play_level { PLAY_EASY, PLAY_NORMAL, PLAY_HARD, PLAY_LEVEL_COUNT };

/* What sets a good player apart from a newcomer. */
struct play_skill {
	const char *name;  /* "easy", "normal", "hard": game_bot -s */
	double aim_error;  /* degrees: each shot misses its aim by up to this */
	double reaction;   /* s from picking a target to the first shot */
	double fire_slowdown; /* times the weapon's interval between shots */
	double range;      /* px: no shot at an enemy further away */
	double speed;      /* px/s when walking, under GAME_TOP_SPEED */
};

extern const struct play_skill play_skills[PLAY_LEVEL_COUNT];

/* The level named `name`, or -1. */
int play_level_by_name(const char *name);

/* A player one may shoot at, as the caller knows it. */
struct play_target {
	int id;
	double x, y;
	bool shielded;     /* spawn protection: bullets pass through it */
};

/* What one computer player remembers between two decisions. */
struct play_mind {
	int target_id;      /* 0: none */
	double aiming_since;
	double next_shot;
};

/* Where to aim and whether to fire now.  Picks the nearest target that is
 * not shielded (the one already aimed at while it stays the nearest),
 * waits the skill's reaction after a change of target, and keeps the
 * weapon's interval times the skill's slowdown between shots.  random() gives
 * numbers in [0, 1).  Without a target: false, and *aimx, *aimy unchanged. */
bool play_think(const struct play_skill *skill, struct play_mind *mind,
		const struct play_target *targets, int count, double x,
		double y, int weapon, double now,
		double (*random)(void *), void *rng, double *aimx,
		double *aimy);

/* Where to (re)spawn: of a few random spots at least `margin` px from
 * the walls, the one furthest from its nearest target, so a newcomer does
 * not appear in front of a gun.  Whole pixels. */
void play_spawn_point(const struct play_target *targets, int count,
		      double margin, double (*random)(void *), void *rng,
		      double *x, double *y);

/* The FIRE lines of one shot of `weapon` from (x, y) aimed at `aim`
 * radians: one per pellet (at most GAME_MAX_PELLETS), each bullet
 * starting just outside the shooter's circle.  A SHOTGUN fans its pellets
 * evenly over its spread; a single bullet wobbles at random within it.
 * Returns the number of lines written to out. */
#define GAME_MAX_PELLETS 8
int play_shot(int id, int *next_bullet_id, int weapon, double x, double y,
	      double aim, double (*random)(void *), void *rng,
	      struct game_fire out[GAME_MAX_PELLETS]);

#endif
