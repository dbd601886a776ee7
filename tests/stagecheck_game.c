/*
 * stagecheck_game.c - stage 5, the game server (port 10005).
 *
 * Scripted players go through the workshop's protocol steps:
 *   (0) the server accepts players;
 *   (1) SPAWN: the others hear it, a newcomer hears who is there;
 *   (2) POS and FIRE are relayed;
 *   (3) the server moves bullets: a shooter fires the GUN (r 5, dmg 10,
 *       400 px/s, a shot every 0.25 s) at a victim close by until HIT and
 *       KILL;
 *   (4) items: PUTITEM comes, a player walks onto an item, GETITEM.
 *
 * Other players may be there (the slides start bots before the check), so
 * every check brings players of its own, with ids of its own, to a spot
 * away from everyone, skips whatever lines it did not cause, and starts
 * again with new players when someone else spoils it (a bot kills its
 * victim, takes its item).  A new player may be protected for its first
 * 2 s or until it fires: the victim fires once, away from everyone,
 * before it is shot at.  Lines are parsed word by word as the workshop
 * defines them, so any server can be checked, not only ours.
 */
#include "stagecheck.h"
#include "compat.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WORDS_MAX 10
#define PLAYERS_MAX 24       /* ours, over the whole run */
#define IDS_MAX PLAYERS_MAX  /* ids of ours a player heard of, per kind */
#define HITS_MAX 32
#define ITEMS_MAX 32
#define OTHERS_MAX 512       /* players not ours: as many as a server takes */
#define KEEP_ALIVE_MS 500    /* a POS this often: servers drop silent ones */
#define SLICE_MS 50          /* the wait between two looks at the clock */
#define SHOT_GAP_MS 300      /* the GUN fires every 0.25 s at most */
#define SHOTS_MAX 14         /* 10 GUN bullets take 100 hp, and a margin */
#define ITEM_WAIT_MS 12000   /* for a PUTITEM (one comes every few s) */
#define ATTEMPTS 3           /* a check spoiled by others starts again */
#define ITEM_ATTEMPTS 5      /* items are quick to go with many bots about */
#define WALK_SPEED 150.0     /* px/s, under the top speed of 200 */
#define DUEL_GAP 40.0        /* px between a shooter and its victim */
#define BESIDE_ITEM 30.0     /* px from an item, where a walker spawns */

#define ARENA_WIDTH 800.0
#define ARENA_HEIGHT 600.0
#define PLAYER_HP 100.0

/* The GUN, which a player holds at spawn. */
#define GUN_R 5.0
#define GUN_DMG 10.0
#define GUN_SPEED 400.0

/* One line of the protocol, cut into words: "HIT 1 2 7 90". */
struct game_line {
	char copy[PEER_LINE_MAX];
	char *word[WORDS_MAX];
	int count;
};

struct id_set {
	int id[IDS_MAX];
	int count;
};

struct hit {
	int atk, bullet;
	double hp, hp_before;
	char line[96];
};

struct player {
	struct peer peer;
	int id;
	double x, y, hp;
	bool spawned, dead, took_item, watcher_saw_take;
	int killed_by;
	long long last_pos_ms;
	/* What this player heard of ours, each by the id of the player
	 * concerned. */
	struct id_set spawns, positions, fires, leaves;
	struct hit hits[HITS_MAX]; /* HITs on this player, in order */
	int hit_count;
};

struct spot {
	int id;
	double x, y;
	bool alive;
};

struct game {
	struct player players[PLAYERS_MAX];
	int player_count;
	struct player *watcher;       /* hears everything for the others */
	struct spot items[ITEMS_MAX]; /* on the ground, from PUTITEM/GETITEM */
	int item_count;
	bool item_seen;
	struct spot others[OTHERS_MAX]; /* players that are not ours */
	int other_count;
	int next_id, next_bullet;
};

/* ---- Lines --------------------------------------------------------------- */

static void cut_into_words(const char *line, struct game_line *l)
{
	char *rest;

	snprintf(l->copy, sizeof l->copy, "%s", line);
	l->count = 0;
	for (char *w = strtok_r(l->copy, " \t", &rest);
	     w && l->count < WORDS_MAX; w = strtok_r(NULL, " \t", &rest))
		l->word[l->count++] = w;
}

/* Word i as a number, or NAN if it is missing or not a number. */
static double number(const struct game_line *l, int i)
{
	char *end;

	if (i >= l->count)
		return NAN;
	double n = strtod(l->word[i], &end);
	return *end == '\0' && end != l->word[i] && isfinite(n) ? n : NAN;
}

/* Word i as an id (a whole number from 0 up), or -1. */
static int id_number(const struct game_line *l, int i)
{
	double n = number(l, i);

	return n >= 0 && n <= 1e9 && n == floor(n) ? (int)n : -1;
}

static bool is_type(const struct game_line *l, const char *type, int words)
{
	return l->count >= words && strcmp(l->word[0], type) == 0;
}

static void add_id(struct id_set *s, int id)
{
	for (int i = 0; i < s->count; i++)
		if (s->id[i] == id)
			return;
	if (s->count < IDS_MAX)
		s->id[s->count++] = id;
}

static bool has_id(const struct id_set *s, int id)
{
	for (int i = 0; i < s->count; i++)
		if (s->id[i] == id)
			return true;
	return false;
}

/* ---- What the lines tell ------------------------------------------------- */

static struct player *ours(struct game *g, int id)
{
	for (int i = 0; i < g->player_count; i++)
		if (g->players[i].id == id)
			return &g->players[i];
	return NULL;
}

/* The spot of id in `list`, added if it is new and there is room. */
static struct spot *spot_of(struct spot *list, int *count, int max, int id)
{
	for (int i = 0; i < *count; i++)
		if (list[i].id == id)
			return &list[i];
	if (*count == max)
		return NULL;
	list[*count] = (struct spot){ .id = id };
	return &list[(*count)++];
}

static bool inside_arena(double x, double y)
{
	return x >= 0 && x <= ARENA_WIDTH && y >= 0 && y <= ARENA_HEIGHT;
}

/* The watcher's lines: where the other players and the items are. */
static void note_world(struct game *g, const struct game_line *l)
{
	int id = id_number(l, 1);

	if (id < 0)
		return;
	if (is_type(l, "PUTITEM", 5) && inside_arena(number(l, 2),
						      number(l, 3))) {
		struct spot *item = spot_of(g->items, &g->item_count,
					    ITEMS_MAX, id);
		if (item)
			*item = (struct spot){ id, number(l, 2), number(l, 3),
					       true };
	}
	if (is_type(l, "GETITEM", 3)) {
		for (int i = 0; i < g->item_count; i++)
			if (g->items[i].id == id_number(l, 2))
				g->items[i--] = g->items[--g->item_count];
		struct player *taker = ours(g, id);
		if (taker)
			taker->watcher_saw_take = true;
	}
	if (ours(g, id))
		return;
	bool moves = is_type(l, "SPAWN", 4) || is_type(l, "POS", 4);
	if (moves && inside_arena(number(l, 2), number(l, 3))) {
		struct spot *other = spot_of(g->others, &g->other_count,
					     OTHERS_MAX, id);
		if (other)
			*other = (struct spot){ id, number(l, 2), number(l, 3),
						true };
	}
	bool gone = is_type(l, "LEAVE", 2);
	int victim = is_type(l, "KILL", 3) ? id_number(l, 2) : -1;
	for (int i = 0; i < g->other_count; i++)
		if ((gone && g->others[i].id == id) ||
		    g->others[i].id == victim)
			g->others[i].alive = false;
}

/* A HIT or KILL on p, as p itself heard it (each of our players hears the
 * broadcast; only p's own copy counts, so it counts once). */
static void note_harm(struct player *p, const struct game_line *l)
{
	if (is_type(l, "HIT", 5) && id_number(l, 2) == p->id &&
	    !isnan(number(l, 4)) && p->hit_count < HITS_MAX) {
		struct hit *h = &p->hits[p->hit_count++];
		*h = (struct hit){ id_number(l, 1), id_number(l, 3),
				   number(l, 4), p->hp, "" };
		snprintf(h->line, sizeof h->line, "%.95s", p->peer.line);
		p->hp = number(l, 4);
	}
	if (is_type(l, "KILL", 3) && id_number(l, 2) == p->id) {
		p->dead = true;
		p->killed_by = id_number(l, 1);
	}
	if (is_type(l, "GETITEM", 3) && id_number(l, 1) == p->id)
		p->took_item = true;
}

/* What p heard of a player of ours: only those, as a full game has more
 * players than p could remember. */
static void note_ours(struct player *p, const struct game_line *l, int id)
{
	if (is_type(l, "SPAWN", 2))
		add_id(&p->spawns, id);
	if (is_type(l, "POS", 2))
		add_id(&p->positions, id);
	if (is_type(l, "FIRE", 2))
		add_id(&p->fires, id);
	if (is_type(l, "LEAVE", 2))
		add_id(&p->leaves, id);
}

static void note_line(struct game *g, struct player *p, const char *line)
{
	struct game_line l;

	cut_into_words(line, &l);
	int id = id_number(&l, 1);
	if (id < 0)
		return; /* not ours to understand: a type we do not know */
	if (ours(g, id))
		note_ours(p, &l, id);
	if (is_type(&l, "PUTITEM", 2))
		g->item_seen = true;
	note_harm(p, &l);
	if (p == g->watcher)
		note_world(g, &l);
}

/* ---- Time passing -------------------------------------------------------- */

static void send_pos(struct player *p, double vx, double vy,
		     bool keep_alive)
{
	char line[128];

	snprintf(line, sizeof line, "POS %d %.1f %.1f %.1f %.1f %.1f %.1f\n",
		 p->id, p->x, p->y, vx, vy, p->x + 10, p->y);
	if (keep_alive)
		peer_send_background(&p->peer, line);
	else
		peer_send(&p->peer, line);
	p->last_pos_ms = clock_ms();
}

/* Read what every player of ours has heard, for up to `ms`, while each
 * sends a POS now and then (a server may drop a silent client). */
static void pass_time(struct game *g, int ms)
{
	long long deadline = clock_ms() + ms;
	char *line;

	do {
		for (int i = 0; i < g->player_count; i++) {
			struct player *p = &g->players[i];
			if (p->peer.fd < 0)
				continue;
			if (p->spawned && !p->peer.closed &&
			    clock_ms() - p->last_pos_ms >= KEEP_ALIVE_MS)
				send_pos(p, 0, 0, true);
			enum peer_result r;
			while ((r = peer_read_line(&p->peer, &line, 0)) ==
				       PEER_LINE || r == PEER_TOO_LONG)
				if (r == PEER_LINE)
					note_line(g, p, line);
		}
		sleep_ms(ms_left(deadline) < 5 ? ms_left(deadline) : 5);
	} while (ms_left(deadline) > 0);
}

/* Wait in slices until `done` is true (a condition on g's state) or the
 * deadline passes; a macro, so that the condition reads as it is. */
#define WAIT_UNTIL(g, done, deadline) \
	while (!(done) && ms_left(deadline) > 0) \
		pass_time((g), SLICE_MS)

/* ---- Our players --------------------------------------------------------- */

/* How far (x, y) is from the nearest living player that is not ours. */
static double nearest_other(const struct game *g, double x, double y)
{
	double nearest = 1e9;

	for (int i = 0; i < g->other_count; i++)
		if (g->others[i].alive)
			nearest = fmin(nearest, hypot(g->others[i].x - x,
						      g->others[i].y - y));
	return nearest;
}

/* The place farthest from every other player and item: a check's own
 * spot, with room for two players DUEL_GAP apart. */
static void free_spot(const struct game *g, double *x, double *y)
{
	double best = -1;

	for (double cx = 100; cx <= ARENA_WIDTH - 100; cx += 50)
		for (double cy = 100; cy <= ARENA_HEIGHT - 100; cy += 50) {
			double nearest = nearest_other(g, cx, cy);
			for (int i = 0; i < g->item_count; i++)
				nearest = fmin(nearest,
					       hypot(g->items[i].x - cx,
						     g->items[i].y - cy) - 40);
			if (nearest > best) {
				best = nearest;
				*x = cx;
				*y = cy;
			}
		}
}

/* A new player of ours, connected (not spawned yet); NULL if it cannot
 * connect, after reporting check `name`. */
static struct player *join(struct game *g, const char *name, double x,
			   double y)
{
	if (g->player_count == PLAYERS_MAX)
		return NULL;
	struct player *p = &g->players[g->player_count];
	char label[2] = { (char)('a' + g->player_count), '\0' };

	*p = (struct player){ .id = g->next_id++, .x = x, .y = y,
			      .hp = PLAYER_HP };
	if (!peer_open(&p->peer)) {
		check_fail(name, "a new player cannot connect while others "
			   "play: keep accepting new clients (did the server "
			   "crash? look at its terminal)");
		return NULL;
	}
	peer_name(&p->peer, label);
	g->player_count++;
	return p;
}

static void spawn(struct player *p)
{
	char line[64];

	snprintf(line, sizeof line, "SPAWN %d %.0f %.0f 100\n", p->id, p->x,
		 p->y);
	peer_send(&p->peer, line);
	p->spawned = true;
	p->last_pos_ms = clock_ms();
}

static void leave(struct player *p)
{
	peer_close(&p->peer);
	p->spawned = false;
}

/* One GUN bullet from p towards (x, y), starting 20 px out. */
static void fire_towards(struct game *g, struct player *p, double x, double y)
{
	char line[128];
	double dx = x - p->x, dy = y - p->y;
	double length = hypot(dx, dy);

	snprintf(line, sizeof line, "FIRE %d %d %.1f %.1f %.1f %.1f %g %g\n",
		 p->id, ++g->next_bullet, p->x + dx / length * 20,
		 p->y + dy / length * 20, dx / length * GUN_SPEED,
		 dy / length * GUN_SPEED, GUN_R, GUN_DMG);
	peer_send(&p->peer, line);
}

/* How close the ray from p in direction (dx, dy) passes to (x, y). */
static double ray_miss(const struct player *p, double dx, double dy, double x,
		       double y)
{
	double along = (x - p->x) * dx + (y - p->y) * dy;

	if (along < 0)
		return hypot(x - p->x, y - p->y);
	return fabs((x - p->x) * dy - (y - p->y) * dx);
}

/* p fires once where no one is: that ends a spawn protection without
 * hurting anyone (the other players of ours included). */
static void fire_away(struct game *g, struct player *p)
{
	double best = -1, best_dx = 1, best_dy = 0;

	for (int k = 0; k < 8; k++) {
		double dx = cos(k * M_PI / 4), dy = sin(k * M_PI / 4);
		double nearest = 1e9;
		for (int i = 0; i < g->other_count; i++)
			if (g->others[i].alive)
				nearest = fmin(nearest, ray_miss(p, dx, dy,
					g->others[i].x, g->others[i].y));
		for (int i = 0; i < g->player_count; i++)
			if (&g->players[i] != p && g->players[i].spawned)
				nearest = fmin(nearest, ray_miss(p, dx, dy,
					g->players[i].x, g->players[i].y));
		if (nearest > best) {
			best = nearest;
			best_dx = dx;
			best_dy = dy;
		}
	}
	fire_towards(g, p, p->x + best_dx * 100, p->y + best_dy * 100);
}

/* Report check `name` as failed: `hint`, or that the server is gone. */
static void fail(struct game *g, const char *name, const char *hint)
{
	bool gone = false;

	for (int i = 0; i < g->player_count; i++)
		gone = gone || g->players[i].peer.closed;
	if (gone && server_has_exited())
		check_fail(name, "your server is not running any more (a new "
			   "connection is refused): did it crash? look at its "
			   "terminal; then %s", hint);
	else if (gone)
		check_fail(name, "the server closed a player's connection (did "
			   "it crash on a line? look at its terminal); %s",
			   hint);
	else
		check_fail(name, "%s", hint);
}

/* ---- Step 1: SPAWN ------------------------------------------------------- */

static bool check_spawns(struct game *g)
{
	const char *first = "SPAWN reaches the others";
	const char *second = "a newcomer learns who is there";

	check_practice("5-1");
	struct player *a = g->watcher;
	spawn(a);
	long long deadline = clock_ms() + EXTRA_WAIT_MS;
	WAIT_UNTIL(g, has_id(&a->spawns, a->id), deadline);
	check_extra("the spawner gets its SPAWN back (hp from the server)",
		    has_id(&a->spawns, a->id));
	struct player *b = join(g, first, a->x + DUEL_GAP, a->y);
	if (!b)
		return false;
	spawn(b);
	deadline = clock_ms() + CHECK_WAIT_MS;
	WAIT_UNTIL(g, has_id(&a->spawns, b->id) && has_id(&b->spawns, a->id),
		   deadline);
	if (!has_id(&a->spawns, b->id)) {
		fail(g, first, "a did not get b's SPAWN: send every SPAWN you "
		     "receive to every other client");
		return false;
	}
	check_pass(first);
	if (!has_id(&b->spawns, a->id)) {
		fail(g, second, "b, coming after a, did not get a SPAWN for "
		     "a: when a client spawns for the first time, send it a "
		     "SPAWN for every player already there");
		return false;
	}
	check_pass(second);
	leave(b);
	return true;
}

/* ---- Step 2: POS and FIRE relayed ---------------------------------------- */

static bool check_relays(struct game *g)
{
	const char *pos = "POS reaches the others";
	const char *fire = "FIRE reaches the others";
	double x, y;

	check_practice("5-2");
	struct player *a = g->watcher;
	free_spot(g, &x, &y);
	struct player *c = join(g, pos, x, y);
	if (!c)
		return false;
	spawn(c);
	pass_time(g, SLICE_MS);
	send_pos(c, 0, 0, false);
	long long deadline = clock_ms() + CHECK_WAIT_MS;
	WAIT_UNTIL(g, has_id(&a->positions, c->id), deadline);
	if (!has_id(&a->positions, c->id)) {
		fail(g, pos, "a did not get the POS of a player that joined "
		     "after it: send every POS line to every other client");
		return false;
	}
	check_pass(pos);
	fire_away(g, c);
	deadline = clock_ms() + CHECK_WAIT_MS;
	WAIT_UNTIL(g, has_id(&a->fires, c->id), deadline);
	if (!has_id(&a->fires, c->id)) {
		fail(g, fire, "a did not get another player's FIRE: send every "
		     "FIRE line to every other client");
		return false;
	}
	check_pass(fire);
	leave(c);
	return true;
}

/* ---- Step 3: the server moves the bullets -------------------------------- */

enum duel_result { DUEL_DONE, DUEL_FAILED, DUEL_SPOILED };

/* The first HIT of s's bullets on v, or NULL. */
static const struct hit *hit_by(const struct player *v, const struct player *s)
{
	for (int i = 0; i < v->hit_count; i++)
		if (v->hits[i].atk == s->id)
			return &v->hits[i];
	return NULL;
}

/* Someone else than s killed v, or killed s: start again elsewhere. */
static bool spoiled(const struct player *s, const struct player *v)
{
	return s->dead || s->took_item || v->took_item ||
	       (v->dead && v->killed_by != s->id);
}

static bool check_hit_hp(const struct player *s, const struct player *v,
			 const struct hit *h)
{
	const char *name = "HIT when a bullet meets a player";
	char expected[96];

	if (fabs(h->hp - (h->hp_before - GUN_DMG)) <= 0.5)
		return true;
	snprintf(expected, sizeof expected, "HIT %d %d %d %g", s->id, v->id,
		 h->bullet, h->hp_before - GUN_DMG);
	check_fail_reply(name, expected, h->line, strlen(h->line),
			 "the hp after the hit is wrong: the victim had %g hp "
			 "(SPAWN gives %g) and the GUN does %g: send the hp "
			 "left after taking the bullet's dmg away",
			 h->hp_before, PLAYER_HP, GUN_DMG);
	return false;
}

/* s shoots at v at the GUN's rate until the condition holds. */
static void shoot_until(struct game *g, struct player *s, struct player *v,
			int shots, bool (*done)(const struct player *,
						const struct player *))
{
	for (int shot = 0; shot < shots && !done(s, v) && !spoiled(s, v);
	     shot++) {
		fire_towards(g, s, v->x, v->y);
		long long deadline = clock_ms() + SHOT_GAP_MS;
		WAIT_UNTIL(g, done(s, v) || spoiled(s, v), deadline);
	}
	long long deadline = clock_ms() + CHECK_WAIT_MS;
	WAIT_UNTIL(g, done(s, v) || spoiled(s, v), deadline);
}

static bool was_hit(const struct player *s, const struct player *v)
{
	return hit_by(v, s) != NULL;
}

static bool was_killed(const struct player *s, const struct player *v)
{
	return v->dead && v->killed_by == s->id;
}

/* One try: a shooter and a victim of our own, at a spot of their own. */
static enum duel_result duel(struct game *g, bool *hit_passed)
{
	const char *hit = "HIT when a bullet meets a player";
	const char *kill = "KILL when hp reaches 0";
	double x, y;

	free_spot(g, &x, &y);
	struct player *s = join(g, hit, x - DUEL_GAP / 2, y);
	struct player *v = s ? join(g, hit, x + DUEL_GAP / 2, y) : NULL;
	if (!v)
		return DUEL_FAILED;
	spawn(s);
	spawn(v);
	/* The victim ends its spawn protection; its FIRE reaching the
	 * shooter means the server has taken it before any shot at it. */
	fire_away(g, v);
	long long deadline = clock_ms() + CHECK_WAIT_MS;
	WAIT_UNTIL(g, has_id(&s->fires, v->id), deadline);
	if (!*hit_passed) {
		shoot_until(g, s, v, SHOTS_MAX, was_hit);
		if (spoiled(s, v) && !was_hit(s, v))
			return DUEL_SPOILED;
		if (!was_hit(s, v)) {
			fail(g, hit, "no HIT for bullets fired at a standing "
			     "player from 20 px: the server is the authority "
			     "(clients never send HIT): every tick move each "
			     "bullet (x += vx * dt) and when (px-bx)^2 + "
			     "(py-by)^2 < (15 + r)^2 send \"HIT atk def bullet "
			     "hp\" to everyone and drop the bullet");
			return DUEL_FAILED;
		}
		if (!check_hit_hp(s, v, hit_by(v, s)))
			return DUEL_FAILED;
		check_pass(hit);
		*hit_passed = true;
	}
	shoot_until(g, s, v, SHOTS_MAX, was_killed);
	if (was_killed(s, v)) {
		check_pass(kill);
		return DUEL_DONE;
	}
	if (spoiled(s, v))
		return DUEL_SPOILED;
	fail(g, kill, "no KILL after enough hits to take the victim's 100 hp: "
	     "when a HIT leaves hp at 0 or below, send \"KILL atk def\" to "
	     "everyone");
	return DUEL_FAILED;
}

static bool check_hit_and_kill(struct game *g)
{
	bool hit_passed = false;

	check_practice("5-3");
	for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
		enum duel_result result = duel(g, &hit_passed);
		if (result != DUEL_SPOILED)
			return result == DUEL_DONE;
	}
	check_fail(hit_passed ? "KILL when hp reaches 0"
			      : "HIT when a bullet meets a player",
		   "other players spoiled %d tries in a row (they killed our "
		   "players or took their items): run the check again, with "
		   "fewer bots", ATTEMPTS);
	return false;
}

/* ---- Step 4: items ------------------------------------------------------- */

static bool check_putitem(struct game *g)
{
	long long deadline = clock_ms() + ITEM_WAIT_MS;

	WAIT_UNTIL(g, g->item_seen, deadline);
	if (g->item_seen) {
		check_pass("PUTITEM: items appear");
		return true;
	}
	fail(g, "PUTITEM: items appear", "no PUTITEM within 12 s: every few "
	     "seconds put an item at a random spot and send \"PUTITEM item_id "
	     "x y kind\" to everyone, and tell a newcomer about the items "
	     "already on the ground");
	return false;
}

/* One step of p's walk towards (x, y), paced by the clock so that the
 * server never sees a walk faster than allowed. */
static void step_towards(struct player *p, double x, double y)
{
	double dx = x - p->x, dy = y - p->y;
	double length = hypot(dx, dy);
	double step = WALK_SPEED * (clock_ms() - p->last_pos_ms) / 1000;

	if (length <= step) {
		p->x = x;
		p->y = y;
		send_pos(p, 0, 0, false);
		return;
	}
	p->x += dx / length * step;
	p->y += dy / length * step;
	send_pos(p, dx / length * WALK_SPEED, dy / length * WALK_SPEED, false);
}

static bool item_there(const struct game *g, int item_id)
{
	for (int i = 0; i < g->item_count; i++)
		if (g->items[i].id == item_id)
			return true;
	return false;
}

/* The item on the ground farthest from the other players, the one our
 * walker is likeliest to reach first; NULL if there is none. */
static const struct spot *loneliest_item(const struct game *g)
{
	const struct spot *best = NULL;
	double best_room = -1;

	for (int i = 0; i < g->item_count; i++) {
		double room = nearest_other(g, g->items[i].x, g->items[i].y);
		if (room > best_room) {
			best_room = room;
			best = &g->items[i];
		}
	}
	return best;
}

/* Where a walker spawns: BESIDE_ITEM from the item, on the side away
 * from the other players. */
static void beside(const struct game *g, const struct spot *item, double *x,
		   double *y)
{
	double best = -1;

	*x = item->x;
	*y = item->y;
	for (int k = 0; k < 4; k++) {
		double cx = item->x + BESIDE_ITEM * cos(k * M_PI / 2);
		double cy = item->y + BESIDE_ITEM * sin(k * M_PI / 2);
		double room = nearest_other(g, cx, cy);
		if (inside_arena(cx, cy) && room > best) {
			best = room;
			*x = cx;
			*y = cy;
		}
	}
}

enum walk_result {
	WALK_TOOK, WALK_NOTHING, WALK_NOT_TOLD, WALK_SPOILED, WALK_NO_PLAYER
};

/* A walker of our own spawns beside the item and walks onto it. */
static enum walk_result walk_onto(struct game *g, const char *name,
				  struct spot item)
{
	double x, y;

	beside(g, &item, &x, &y);
	struct player *w = join(g, name, x, y);
	if (!w)
		return WALK_NO_PLAYER;
	spawn(w);
	long long walk_end = clock_ms() + CHECK_WAIT_MS;
	while (!w->took_item && !w->dead && item_there(g, item.id) &&
	       ms_left(walk_end) > 0) {
		if (clock_ms() - w->last_pos_ms >= SLICE_MS)
			step_towards(w, item.x, item.y);
		pass_time(g, SLICE_MS);
	}
	/* The watcher, read first, may hear that the item went before the
	 * walker hears that it took it. */
	long long deadline = clock_ms() + EXTRA_WAIT_MS;
	if (!item_there(g, item.id))
		WAIT_UNTIL(g, w->took_item, deadline);
	if (w->took_item)
		return WALK_TOOK;
	leave(w);
	if (w->watcher_saw_take)
		return WALK_NOT_TOLD;
	/* Someone else took the item first, or killed the walker. */
	if (w->dead || !item_there(g, item.id))
		return WALK_SPOILED;
	return WALK_NOTHING;
}

/* Each try waits for an item of its own: with many bots about, an item
 * seldom stays on the ground for long. */
static bool check_getitem(struct game *g)
{
	const char *name = "GETITEM: walking onto an item";

	for (int attempt = 1; attempt <= ITEM_ATTEMPTS; attempt++) {
		long long deadline = clock_ms() + ITEM_WAIT_MS;
		WAIT_UNTIL(g, g->item_count > 0, deadline);
		const struct spot *item = loneliest_item(g);
		if (!item) {
			fail(g, name, "no item on the ground for 12 s: other "
			     "players took each one at once, or no new one "
			     "came: put an item every few seconds; with many "
			     "bots, run the check again with fewer");
			return false;
		}
		switch (walk_onto(g, name, *item)) {
		case WALK_TOOK:
			check_pass(name);
			return true;
		case WALK_NO_PLAYER:
			return false;
		case WALK_NOTHING:
			fail(g, name, "a player walked onto an item and got no "
			     "GETITEM: every tick check whether a player "
			     "touches an item (distance below 15 + 10 px), and "
			     "if so send \"GETITEM id item_id kind\" to "
			     "everyone and take the item away");
			return false;
		case WALK_NOT_TOLD:
			fail(g, name, "the others got a GETITEM for our walker, "
			     "but the walker itself did not: send GETITEM to "
			     "everyone, the player who took the item too");
			return false;
		case WALK_SPOILED:
			break;
		}
	}
	check_fail(name, "other players spoiled %d tries in a row (they took "
		   "the item first or killed our walker): run the check again, "
		   "with fewer bots", ITEM_ATTEMPTS);
	return false;
}

/* ---- The run ------------------------------------------------------------- */

void check_game(int last_step)
{
	static struct game g;

	/* Ids of our own, unlikely to be taken by anyone else playing. */
	g.next_id = 1050 + (int)(getpid() % 9000) * 100;
	check_practice("5-0");
	struct player *a = &g.players[g.player_count++];
	*a = (struct player){ .id = g.next_id++, .x = 200, .y = 300,
			      .hp = PLAYER_HP };
	g.watcher = a;
	if (!check_connect(&a->peer))
		return;
	peer_name(&a->peer, "a");
	/* The workshop's steps, in order: each needs the one before. */
	bool passed = (last_step < 1 || check_spawns(&g)) &&
		      (last_step < 2 || check_relays(&g)) &&
		      (last_step < 3 || check_hit_and_kill(&g)) &&
		      (last_step < 4 || (check_practice("5-4"),
					 check_putitem(&g) &&
					 check_getitem(&g)));
	if (passed && last_step >= 1) {
		struct player *b = join(&g, "LEAVE", a->x, a->y + DUEL_GAP);
		if (b) {
			spawn(b);
			pass_time(&g, SLICE_MS);
			leave(b);
			long long deadline = clock_ms() + EXTRA_WAIT_MS;
			WAIT_UNTIL(&g, has_id(&a->leaves, b->id), deadline);
			check_extra("LEAVE when a player's connection ends",
				    has_id(&a->leaves, b->id));
		}
	} else if (!passed) {
		check_stop();
	}
	for (int i = 0; i < g.player_count; i++)
		peer_close(&g.players[i].peer);
}
