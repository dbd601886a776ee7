/*
 * stagecheck_game.c - stage 5, the game server (port 10005).
 *
 * Two scripted players, a and b, go through the workshop's steps:
 *   (1) SPAWN: the others hear it, a newcomer hears who is there;
 *   (2) POS and FIRE are relayed;
 *   (3) the server moves bullets: a shoots b from close by with the GUN
 *       (r 5, dmg 10, 400 px/s, a shot every 0.25 s) until HIT and KILL;
 *   (4) items: a PUTITEM comes, a walks onto it and gets GETITEM.
 * The lines are parsed here, word by word, as the workshop defines them,
 * so any server can be checked, not only ours.
 */
#include "stagecheck.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WORDS_MAX 10
#define ITEMS_MAX 32
#define KEEP_ALIVE_MS 500   /* a POS this often: servers drop silent ones */
#define SLICE_MS 100        /* a wait is cut into slices for the POS */
#define SHOT_GAP_MS 300     /* the GUN fires every 0.25 s at most */
#define SHOTS_MAX 14        /* 10 GUN bullets take 100 hp, and a margin */
#define ITEM_WAIT_MS 12000  /* for the first PUTITEM */
#define WALK_SPEED 150.0    /* px/s, under the top speed of 200 */

#define ARENA_WIDTH 800.0
#define ARENA_HEIGHT 600.0

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

struct player {
	struct peer peer;
	int id;
	double x, y;
	long long last_pos_ms;
};

struct item {
	int item_id;
	double x, y;
};

struct game {
	struct player a, b;
	struct item items[ITEMS_MAX]; /* on the ground, from PUTITEM/GETITEM */
	int item_count;
	int next_bullet;
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
	return *end == '\0' && end != l->word[i] ? n : NAN;
}

/* Word i as an id (a whole number from 0 up), or -1. */
static int id_number(const struct game_line *l, int i)
{
	double n = number(l, i);

	return n >= 0 && n <= 1e9 && n == floor(n) ? (int)n : -1;
}

/* Whether the line is `type` with `first` as its first number. */
static bool is_message(const struct game_line *l, const char *type, int first)
{
	return l->count >= 2 && strcmp(l->word[0], type) == 0 &&
	       number(l, 1) == first;
}

/* Keep track of the items on the ground, whatever we are waiting for. */
static void note_items(struct game *g, const struct game_line *l)
{
	if (l->count < 2)
		return;
	int item_id = id_number(l, 1);
	/* An item outside the arena could not be walked to: skip it. */
	if (strcmp(l->word[0], "PUTITEM") == 0 && item_id >= 0 &&
	    g->item_count < ITEMS_MAX && number(l, 2) >= 0 &&
	    number(l, 2) <= ARENA_WIDTH && number(l, 3) >= 0 &&
	    number(l, 3) <= ARENA_HEIGHT)
		g->items[g->item_count++] = (struct item){
			item_id, number(l, 2), number(l, 3) };
	if (strcmp(l->word[0], "GETITEM") != 0)
		return;
	item_id = id_number(l, 2);
	for (int i = 0; i < g->item_count; i++)
		if (g->items[i].item_id == item_id)
			g->items[i--] = g->items[--g->item_count];
}

/* ---- Players ------------------------------------------------------------- */

static void send_pos(struct player *p, double vx, double vy)
{
	char line[128];

	snprintf(line, sizeof line, "POS %d %.1f %.1f %.1f %.1f %.1f %.1f\n",
		 p->id, p->x, p->y, vx, vy, p->x + 10, p->y);
	peer_send(&p->peer, line);
	p->last_pos_ms = clock_ms();
}

/* A server may drop a client that says nothing (ours does, after its -t
 * seconds), so both players send a POS now and then while we wait. */
static void keep_alive(struct game *g)
{
	struct player *both[] = { &g->a, &g->b };

	for (int i = 0; i < 2; i++)
		if (both[i]->peer.fd >= 0 &&
		    clock_ms() - both[i]->last_pos_ms >= KEEP_ALIVE_MS)
			send_pos(both[i], 0, 0);
}

enum wait_result { FOUND, NOT_FOUND, GONE };

/* Read p's lines until one is `type` with `first` as its first number,
 * within timeout_ms; it is left in *l. */
static enum wait_result wait_message(struct game *g, struct player *p,
				     const char *type, int first,
				     struct game_line *l, int timeout_ms)
{
	long long deadline = clock_ms() + timeout_ms;
	char *line;

	do {
		keep_alive(g);
		int slice = ms_left(deadline) < SLICE_MS ? ms_left(deadline)
							 : SLICE_MS;
		enum peer_result result = peer_read_line(&p->peer, &line,
							 slice);
		if (result == PEER_CLOSED)
			return GONE;
		if (result != PEER_LINE)
			continue;
		cut_into_words(line, l);
		note_items(g, l);
		if (is_message(l, type, first))
			return FOUND;
	} while (ms_left(deadline) > 0);
	return NOT_FOUND;
}

/* Report check `name`: passed if FOUND, else `hint`. */
static bool report(const char *name, enum wait_result result,
		   const char *hint)
{
	if (result == FOUND)
		check_pass(name);
	else if (result == GONE)
		check_fail(name, "the server closed the connection (did it "
			   "crash? look at its terminal); %s", hint);
	else
		check_fail(name, "%s", hint);
	return result == FOUND;
}

static bool spawn(struct player *p)
{
	char line[64];

	snprintf(line, sizeof line, "SPAWN %d %.0f %.0f 100\n", p->id, p->x,
		 p->y);
	p->last_pos_ms = clock_ms();
	return peer_send(&p->peer, line);
}

/* ---- Steps 1 and 2: SPAWN, POS, FIRE relayed ----------------------------- */

/* a comes first and spawns; then b, the newcomer. */
static bool check_spawns(struct game *g)
{
	struct game_line l;

	if (!check_connect(&g->a.peer) || !spawn(&g->a))
		return false;
	check_extra("the spawner gets its SPAWN back (hp from the server)",
		    wait_message(g, &g->a, "SPAWN", g->a.id, &l,
				 EXTRA_WAIT_MS) == FOUND);
	if (!peer_open(&g->b.peer) || !spawn(&g->b)) {
		check_fail("second player", "a second client cannot connect: "
			   "keep accepting while others play");
		check_stop();
		return false;
	}
	return report("SPAWN reaches the others",
		      wait_message(g, &g->a, "SPAWN", g->b.id, &l,
				   CHECK_WAIT_MS),
		      "a did not get b's SPAWN: send every SPAWN you receive "
		      "to every other client") &&
	       report("a newcomer learns who is there",
		      wait_message(g, &g->b, "SPAWN", g->a.id, &l,
				   CHECK_WAIT_MS),
		      "b, coming after a, did not get a SPAWN for a: when a "
		      "client spawns for the first time, send it a SPAWN for "
		      "every player already there");
}

static bool check_pos_relayed(struct game *g)
{
	struct game_line l;

	send_pos(&g->a, 0, 0);
	return report("POS reaches the others",
		      wait_message(g, &g->b, "POS", g->a.id, &l,
				   CHECK_WAIT_MS),
		      "b did not get a's POS: send every POS line to every "
		      "other client");
}

/* a fires one GUN bullet from its side at b, who stands close by. */
static void fire_at_b(struct game *g)
{
	char line[128];
	double dx = g->b.x - g->a.x, dy = g->b.y - g->a.y;
	double length = hypot(dx, dy);

	snprintf(line, sizeof line, "FIRE %d %d %.1f %.1f %.1f %.1f %g %g\n",
		 g->a.id, ++g->next_bullet, g->a.x + dx / length * 20,
		 g->a.y + dy / length * 20, dx / length * GUN_SPEED,
		 dy / length * GUN_SPEED, GUN_R, GUN_DMG);
	peer_send(&g->a.peer, line);
}

static bool check_fire_relayed(struct game *g)
{
	struct game_line l;

	fire_at_b(g);
	return report("FIRE reaches the others",
		      wait_message(g, &g->b, "FIRE", g->a.id, &l,
				   CHECK_WAIT_MS),
		      "b did not get a's FIRE: send every FIRE line to every "
		      "other client");
}

/* ---- Step 3: the server moves the bullets -------------------------------- */

static bool check_hit(struct game *g)
{
	const char *name = "HIT when a bullet meets a player";
	struct game_line l;

	/* The bullet of check_fire_relayed() is on its way already. */
	enum wait_result result = wait_message(g, &g->b, "HIT", g->a.id, &l,
					       CHECK_WAIT_MS);
	if (result == FOUND && (number(&l, 2) != g->b.id ||
				fabs(number(&l, 4) - 90) > 0.5)) {
		check_fail(name, "expected \"HIT %d %d %d 90\" (atk def bullet "
			   "hp: b had 100 hp and the GUN does 10), got \"%s\"",
			   g->a.id, g->b.id, g->next_bullet, l.copy);
		return false;
	}
	return report(name, result,
		      "no HIT for a bullet fired at a standing player from "
		      "20 px: every tick move each bullet (x += vx * dt) and "
		      "when (px-bx)^2 + (py-by)^2 < (15 + r)^2 send \"HIT atk "
		      "def bullet hp\" to everyone and drop the bullet");
}

/* a goes on shooting at the GUN's rate until the server says KILL. */
static bool check_kill(struct game *g)
{
	struct game_line l;
	enum wait_result result = NOT_FOUND;

	for (int shot = 0; shot < SHOTS_MAX && result == NOT_FOUND; shot++) {
		fire_at_b(g);
		result = wait_message(g, &g->a, "KILL", g->a.id, &l,
				      SHOT_GAP_MS);
	}
	if (result == NOT_FOUND)
		result = wait_message(g, &g->a, "KILL", g->a.id, &l,
				      CHECK_WAIT_MS);
	return report("KILL when hp reaches 0", result,
		      "no KILL after enough hits to take b's 100 hp: when a "
		      "HIT leaves hp at 0 or below, send \"KILL atk def\" to "
		      "everyone");
}

/* ---- Step 4: items ------------------------------------------------------- */

static bool check_putitem(struct game *g)
{
	struct game_line l;
	enum wait_result result = NOT_FOUND;
	long long deadline = clock_ms() + ITEM_WAIT_MS;

	/* Item ids are never negative: this only watches the lines go by,
	 * and note_items() keeps the PUTITEMs (a may have seen one already,
	 * while it waited for other lines). */
	while (g->item_count == 0 && result != GONE && ms_left(deadline) > 0)
		result = wait_message(g, &g->a, "PUTITEM", -1, &l, SLICE_MS);
	if (result != GONE)
		result = g->item_count > 0 ? FOUND : NOT_FOUND;
	return report("PUTITEM: items appear", result,
		      "no PUTITEM within 12 s: every few seconds put an item "
		      "at a random spot and send \"PUTITEM item_id x y kind\" "
		      "to everyone, and tell a newcomer about the items "
		      "already on the ground");
}

/* One step of p's walk towards (x, y), SLICE_MS after the last POS. */
static void step_towards(struct player *p, double x, double y)
{
	double dx = x - p->x, dy = y - p->y;
	double length = hypot(dx, dy);
	double step = WALK_SPEED * SLICE_MS / 1000;

	if (length <= step) {
		p->x = x;
		p->y = y;
		send_pos(p, 0, 0);
		return;
	}
	p->x += dx / length * step;
	p->y += dy / length * step;
	send_pos(p, dx / length * WALK_SPEED, dy / length * WALK_SPEED);
}

/* a walks onto the first item it knows of (another if someone takes it
 * first, or waits for a new one) and waits there for its GETITEM. */
static bool check_getitem(struct game *g)
{
	struct game_line l;
	enum wait_result result = NOT_FOUND;
	long long deadline = clock_ms() + ITEM_WAIT_MS;

	while (result == NOT_FOUND && ms_left(deadline) > 0) {
		/* Lines may end a wait early: step at the pace of the
		 * clock, or the server would see a faster walk than allowed. */
		if (g->item_count > 0 &&
		    clock_ms() - g->a.last_pos_ms >= SLICE_MS)
			step_towards(&g->a, g->items[0].x, g->items[0].y);
		result = wait_message(g, &g->a, "GETITEM", g->a.id, &l,
				      SLICE_MS);
	}
	return report("GETITEM: walking onto an item", result,
		      "a walked onto an item and got no GETITEM: every tick "
		      "check whether a player touches an item, and if so send "
		      "\"GETITEM id item_id kind\" to everyone and take the "
		      "item away");
}

void check_game(void)
{
	/* Ids of our own, unlikely to be taken by anyone else playing. */
	int id = 1000 + (int)(getpid() % 90000) * 10;
	struct game g = {
		.a = { .peer.fd = -1, .id = id + 1, .x = 200, .y = 300 },
		.b = { .peer.fd = -1, .id = id + 2, .x = 240, .y = 300 },
	};
	struct game_line l;

	/* The workshop's steps, in order: each needs the one before. */
	bool all_passed = check_spawns(&g) && check_pos_relayed(&g) &&
			  check_fire_relayed(&g) && check_hit(&g) &&
			  check_kill(&g) && check_putitem(&g) &&
			  check_getitem(&g);
	if (all_passed) {
		peer_close(&g.b.peer);
		check_extra("LEAVE when a player's connection ends",
			    wait_message(&g, &g.a, "LEAVE", g.b.id, &l,
					 EXTRA_WAIT_MS) == FOUND);
	} else if (g.a.peer.fd >= 0) {
		check_stop();
	}
	peer_close(&g.a.peer);
	peer_close(&g.b.peer);
}
