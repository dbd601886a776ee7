/*
 * play.h - how a computer plays: whom it aims at, how well, when it fires,
 * and the FIRE lines of one shot.  One code for game_bot's players and for
 * game_client (its shots, and its --autopilot).  Pure: no sockets, no
 * clock, no hidden random state (the caller passes random numbers).
 *
 *   struct play_mind mind = { 0 };
 *   ...each decision, with a play_view of the moment:
 *   play_choose_goal(&mind, &view);
 *   if (play_heading(&mind, &view, &heading))
 *           ...walk that way...
 *   if (play_think(&play_skills[PLAY_EASY], &mind, &view, &aimx, &aimy))
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

/* An item on the ground, as the caller knows it. */
struct play_item {
	double x, y;
	int kind;          /* enum game_weapon_kind */
};

/* What one computer player knows at one moment: itself, the others, the
 * items, and where its random numbers come from (numbers in [0, 1)). */
struct play_view {
	double now;
	int id;
	double x, y;
	int weapon;        /* enum game_weapon_kind */
	bool shielded;     /* our own spawn protection is on */
	double hp;
	const struct play_target *targets;
	int target_count;
	const struct play_item *items;
	int item_count;
	double (*random)(void *);
	void *rng;
};

/* What one computer player remembers between two decisions. */
struct play_mind {
	int target_id;      /* 0: none */
	double aiming_since;
	double next_shot;
	double goal_x, goal_y; /* where it walks */
	double next_goal;   /* when to pick a new spot to walk to */
};

#define PLAY_WANDER_TIME 3.0 /* s before a wandering player picks anew */
#define PLAY_FLEE_TIME 0.5   /* s: a fleeing player's new look around */
#define PLAY_FLEE_HP 40      /* hp: below it, a player gets away */

/* Where to walk.  While shielded, or hurt (under PLAY_FLEE_HP): the spot
 * furthest from everyone, looked for anew every PLAY_FLEE_TIME s (the
 * shield lasts 2 s, time enough to get away from whoever is near; a hurt
 * player lives longer out of range than in a fight it is losing).  Then
 * the nearest item worth a walk (a shotgun is not: its fan misses at our
 * range) that no other player is nearer to (a walk into a fight is no
 * walk to an item), or else a random spot, a new one every
 * PLAY_WANDER_TIME s and whenever it is reached. */
void play_choose_goal(struct play_mind *mind, const struct play_view *view);

/* Which way to walk to the goal, in radians, weaving from side to side
 * as a person dodging does (our id sets the rhythm apart from others').
 * False when the goal is reached: stand there. */
bool play_heading(const struct play_mind *mind, const struct play_view *view,
		  double *heading);

/* Where to aim and whether to fire now.  Picks the nearest target that is
 * not shielded (the one already aimed at while it stays the nearest),
 * waits the skill's reaction after a change of target, and keeps the
 * weapon's interval times the skill's slowdown between shots.  Holds its
 * fire while shielded: the first shot would end the shield.  Without a
 * target: false, and *aimx, *aimy unchanged. */
bool play_think(const struct play_skill *skill, struct play_mind *mind,
		const struct play_view *view, double *aimx, double *aimy);

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
