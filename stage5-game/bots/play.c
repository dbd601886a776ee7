/*
 * play.c - how a computer plays, shared by game_bot and game_client.
 * See play.h.
 */
#include "play.h"
#include "compat.h" /* M_PI */

#include <math.h>
#include <string.h>

const struct play_skill play_skills[PLAY_LEVEL_COUNT] = {
	/*               name     aim_error reaction slowdown range speed */
	[PLAY_EASY]   = { "easy",   14,      0.6,    3,       300,  180 },
	[PLAY_NORMAL] = { "normal",  6,      0.3,    1.2,     450,  185 },
	[PLAY_HARD]   = { "hard",    1.5,    0.1,    1,      1000,  190 },
};

int play_level_by_name(const char *name)
{
	for (int level = 0; level < PLAY_LEVEL_COUNT; level++)
		if (strcmp(name, play_skills[level].name) == 0)
			return level;
	return -1;
}

/* The nearest target that is not shielded, or NULL. */
static const struct play_target *nearest(const struct play_target *targets,
					 int count, double x, double y)
{
	const struct play_target *best = NULL;
	double best_distance = INFINITY;

	for (int i = 0; i < count; i++) {
		double d = hypot(targets[i].x - x, targets[i].y - y);
		if (!targets[i].shielded && d < best_distance) {
			best_distance = d;
			best = &targets[i];
		}
	}
	return best;
}

/* The target aimed at already, while it is not shielded and not much
 * further than the nearest one: a player does not turn to every other
 * target that comes a little closer (each turn costs a reaction). */
static const struct play_target *keep_or_switch(
	const struct play_mind *mind, const struct play_target *targets,
	int count, const struct play_target *nearest_one, double x, double y)
{
	for (int i = 0; i < count && nearest_one; i++) {
		const struct play_target *t = &targets[i];
		if (t->id == mind->target_id && !t->shielded &&
		    hypot(t->x - x, t->y - y) <
			    1.5 * hypot(nearest_one->x - x, nearest_one->y - y))
			return t;
	}
	return nearest_one;
}

bool play_think(const struct play_skill *skill, struct play_mind *mind,
		const struct play_view *view, double *aimx, double *aimy)
{
	double x = view->x, y = view->y, now = view->now;
	const struct play_target *t = keep_or_switch(
		mind, view->targets, view->target_count,
		nearest(view->targets, view->target_count, x, y), x, y);

	if (!t) {
		mind->target_id = 0;
		return false;
	}
	/* A new target takes a moment to find in the crowd. */
	if (t->id != mind->target_id) {
		mind->target_id = t->id;
		mind->aiming_since = now;
	}
	double distance = hypot(t->x - x, t->y - y);
	double aim = atan2(t->y - y, t->x - x);
	/* The hand is not steady: off by up to aim_error either way. */
	aim += (view->random(view->rng) - 0.5) * 2 * skill->aim_error * M_PI /
	       180;
	*aimx = x + cos(aim) * distance;
	*aimy = y + sin(aim) * distance;
	/* A fan of pellets hits only from near by. */
	double range = game_weapons[view->weapon].pellets > 1
			       ? fmin(skill->range, 200)
			       : skill->range;
	if (view->shielded || distance > range || now < mind->next_shot ||
	    now < mind->aiming_since + skill->reaction)
		return false;
	/* Slower than the weapon allows: by the skill's factor, and always a
	 * little, so that jitter on the way never makes a shot too early for
	 * the server. */
	mind->next_shot = now + game_weapons[view->weapon].interval *
					skill->fire_slowdown * 1.05 +
			  0.01;
	return true;
}

/* A random spot, in whole pixels, at least `margin` px from the walls. */
static void random_spot(double margin, double (*random)(void *), void *rng,
			double *x, double *y)
{
	*x = floor(margin + random(rng) * (GAME_WIDTH - 2 * margin));
	*y = floor(margin + random(rng) * (GAME_HEIGHT - 2 * margin));
}

#define GOAL_REACHED 5 /* px */
#define WALL_MARGIN 50 /* px: goals keep this far from the walls */

/* Whether another player is nearer to the item than `distance`. */
static bool someone_nearer(const struct play_item *item,
			   const struct play_view *view, double distance)
{
	for (int i = 0; i < view->target_count; i++)
		if (hypot(item->x - view->targets[i].x,
			  item->y - view->targets[i].y) < distance)
			return true;
	return false;
}

/* The nearest item worth a walk, into mind's goal; false if none is. */
static bool choose_item(struct play_mind *mind, const struct play_view *view)
{
	double best = INFINITY;

	for (int i = 0; i < view->item_count; i++) {
		const struct play_item *it = &view->items[i];
		double d = hypot(it->x - view->x, it->y - view->y);
		if (d < best && it->kind != GAME_SHOTGUN &&
		    !someone_nearer(it, view, d)) {
			best = d;
			mind->goal_x = it->x;
			mind->goal_y = it->y;
		}
	}
	return best < INFINITY;
}

void play_choose_goal(struct play_mind *mind, const struct play_view *view)
{
	double now = view->now;

	if (view->shielded || view->hp < PLAY_FLEE_HP) {
		if (now >= mind->next_goal) {
			play_spawn_point(view->targets, view->target_count,
					 WALL_MARGIN, view->random, view->rng,
					 &mind->goal_x, &mind->goal_y);
			mind->next_goal = now + PLAY_FLEE_TIME;
		}
		return;
	}
	if (choose_item(mind, view)) {
		mind->next_goal = 0; /* a wander after it starts at once */
		return;
	}
	/* A goal reached is no reason to stand still: a standing player is
	 * the easiest to hit. */
	bool arrived = hypot(mind->goal_x - view->x, mind->goal_y - view->y) <
		       GOAL_REACHED;
	if (now < mind->next_goal && !arrived)
		return;
	random_spot(WALL_MARGIN, view->random, view->rng, &mind->goal_x,
		    &mind->goal_y);
	mind->next_goal = now + PLAY_WANDER_TIME;
}

bool play_heading(const struct play_mind *mind, const struct play_view *view,
		  double *heading)
{
	double dx = mind->goal_x - view->x, dy = mind->goal_y - view->y;

	if (hypot(dx, dy) < GOAL_REACHED)
		return false;
	/* A player walking a straight line is too easy to hit. */
	*heading = atan2(dy, dx) + 0.8 * sin(view->now * 2.5 + view->id);
	return true;
}

#define SPAWN_CANDIDATES 12

void play_spawn_point(const struct play_target *targets, int count,
		      double margin, double (*random)(void *), void *rng,
		      double *x, double *y)
{
	double best = -1;

	for (int i = 0; i < SPAWN_CANDIDATES; i++) {
		double cx, cy;
		random_spot(margin, random, rng, &cx, &cy);
		double nearest_one = INFINITY;
		for (int t = 0; t < count; t++)
			nearest_one = fmin(nearest_one, hypot(targets[t].x - cx,
							      targets[t].y - cy));
		if (nearest_one > best) {
			best = nearest_one;
			*x = cx;
			*y = cy;
		}
	}
}

/* The direction of pellet i of a shot aimed at `aim` (radians). */
static double pellet_angle(const struct game_weapon *gun, int i, double aim,
			   double unit)
{
	double spread = gun->spread * M_PI / 180;

	if (gun->pellets == 1) /* a shaky hand */
		return aim + (unit - 0.5) * spread;
	return aim + spread * ((double)i / (gun->pellets - 1) - 0.5);
}

int play_shot(int id, int *next_bullet_id, int weapon, double x, double y,
	      double aim, double (*random)(void *), void *rng,
	      struct game_fire out[GAME_MAX_PELLETS])
{
	const struct game_weapon *gun = &game_weapons[weapon];
	/* Just outside our own circle, well within GAME_FIRE_REACH. */
	double start = GAME_PLAYER_RADIUS + gun->r + 1;
	int count = gun->pellets < GAME_MAX_PELLETS ? gun->pellets
						    : GAME_MAX_PELLETS;

	for (int i = 0; i < count; i++) {
		double angle = pellet_angle(gun, i, aim, random(rng));
		double dx = cos(angle), dy = sin(angle);
		out[i] = (struct game_fire){ id, (*next_bullet_id)++,
					     x + dx * start, y + dy * start,
					     dx * gun->speed, dy * gun->speed,
					     gun->r, gun->dmg };
		if (*next_bullet_id < 0) /* wrapped after 2^31 bullets */
			*next_bullet_id = 0;
	}
	return count;
}
