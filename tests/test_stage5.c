/*
 * test_stage5.c - the game: the protocol (parser, formatters, hit rule),
 * the world's rules driven tick by tick without a server, and the real
 * game_server and game_bot over loopback.
 */
#include "harness.h"
#include "game.h"
#include "game_world.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#define GAME_SERVER "stage5-game/game_server"
#define GAME_BOT "stage5-game/game_bot"

/* ---- The protocol ------------------------------------------------------- */

static struct game_msg parsed(const char *line)
{
	struct game_msg m;

	ck_assert_msg(game_parse_message(line, &m) == GAME_OK, "%s", line);
	return m;
}

static void assert_refused(const char *line, enum game_parse_result want)
{
	struct game_msg m;
	enum game_parse_result got = game_parse_message(line, &m);

	ck_assert_msg(got == want, "\"%s\": got %s, wanted %s", line,
		      game_parse_result_text(got), game_parse_result_text(want));
}

START_TEST(parses_every_message_type)
{
	struct game_msg m = parsed("SPAWN 7 100.5 200 100");
	ck_assert_int_eq(m.type, GAME_SPAWN);
	ck_assert_int_eq(m.spawn.id, 7);
	ck_assert_double_eq(m.spawn.x, 100.5);
	ck_assert_double_eq(m.spawn.hp, 100);

	m = parsed("POS 7 1 2 -3 4 5 6");
	ck_assert_int_eq(m.type, GAME_POS);
	ck_assert_double_eq(m.pos.vx, -3);
	ck_assert_double_eq(m.pos.aimy, 6);

	m = parsed("FIRE 7 0 1 2 400 0 5 10");
	ck_assert_int_eq(m.type, GAME_FIRE);
	ck_assert_int_eq(m.fire.bullet_id, 0);
	ck_assert_double_eq(m.fire.vx, 400);
	ck_assert_double_eq(m.fire.dmg, 10);

	m = parsed("HIT 1 2 3 -5");
	ck_assert_int_eq(m.type, GAME_HIT);
	ck_assert_int_eq(m.hit.def_id, 2);
	ck_assert_double_eq(m.hit.hp, -5);

	m = parsed("KILL 1 2");
	ck_assert(m.type == GAME_KILL && m.kill.atk_id == 1 && m.kill.def_id == 2);
	m = parsed("PUTITEM 4 10 20 SHOTGUN");
	ck_assert(m.type == GAME_PUTITEM && m.putitem.kind == GAME_SHOTGUN);
	m = parsed("GETITEM 1 4 MINIGUN");
	ck_assert(m.type == GAME_GETITEM && m.getitem.kind == GAME_MINIGUN);
	m = parsed("LEAVE 9");
	ck_assert(m.type == GAME_LEAVE && m.leave.id == 9);
	/* Tabs and runs of spaces separate fields too. */
	m = parsed("  KILL\t1   2 ");
	ck_assert_int_eq(m.kill.def_id, 2);
}
END_TEST

START_TEST(refuses_malformed_lines)
{
	char overlong[GAME_LINE_MAX + 16];

	assert_refused("", GAME_ERR_EMPTY);
	assert_refused("   ", GAME_ERR_EMPTY);
	assert_refused("JUMP 1 2", GAME_ERR_UNKNOWN_TYPE);
	assert_refused("spawn 1 2 3 4", GAME_ERR_UNKNOWN_TYPE);
	assert_refused("SPAWN 1 2 3", GAME_ERR_FIELD_COUNT);
	assert_refused("SPAWN 1 2 3 4 5", GAME_ERR_FIELD_COUNT);
	assert_refused("KILL", GAME_ERR_FIELD_COUNT);
	assert_refused("FIRE 1 2 3 4 5 6 7 8 9", GAME_ERR_FIELD_COUNT);
	assert_refused("SPAWN 1 nan 3 4", GAME_ERR_BAD_NUMBER);
	assert_refused("SPAWN 1 NaN 3 4", GAME_ERR_BAD_NUMBER);
	assert_refused("SPAWN 1 inf 3 4", GAME_ERR_BAD_NUMBER);
	assert_refused("SPAWN 1 -infinity 3 4", GAME_ERR_BAD_NUMBER);
	assert_refused("SPAWN 1 0x10 3 4", GAME_ERR_BAD_NUMBER);
	assert_refused("SPAWN 1 1.2.3 3 4", GAME_ERR_BAD_NUMBER);
	assert_refused("SPAWN 1 - 3 4", GAME_ERR_BAD_NUMBER);
	assert_refused("SPAWN 1.5 2 3 4", GAME_ERR_BAD_NUMBER);
	assert_refused("SPAWN x 2 3 4", GAME_ERR_BAD_NUMBER);
	assert_refused("SPAWN 1 1e999 3 4", GAME_ERR_OUT_OF_RANGE);
	assert_refused("SPAWN 1 2000000 3 4", GAME_ERR_OUT_OF_RANGE);
	assert_refused("SPAWN 0 2 3 4", GAME_ERR_OUT_OF_RANGE);
	assert_refused("SPAWN -4 2 3 4", GAME_ERR_OUT_OF_RANGE);
	assert_refused("SPAWN 2147483648 2 3 4", GAME_ERR_OUT_OF_RANGE);
	assert_refused("SPAWN 99999999999999999999 2 3 4", GAME_ERR_OUT_OF_RANGE);
	assert_refused("FIRE 1 -1 0 0 400 0 5 10", GAME_ERR_OUT_OF_RANGE);
	assert_refused("PUTITEM 1 2 3 KNIFE", GAME_ERR_BAD_KIND);
	assert_refused("PUTITEM 1 2 3 gun", GAME_ERR_BAD_KIND);
	memset(overlong, ' ', sizeof overlong - 1);
	memcpy(overlong, "LEAVE 1", 7);
	overlong[sizeof overlong - 1] = '\0';
	assert_refused(overlong, GAME_ERR_TOO_LONG);
	/* The largest id there is still passes. */
	ck_assert_int_eq(parsed("LEAVE 2147483647").leave.id, INT_MAX);
}
END_TEST

START_TEST(formats_what_it_parses)
{
	const char *lines[] = {
		"SPAWN 1 100 200.5 100\n", "POS 2 1.25 2 -3 0 799.99 600\n",
		"FIRE 3 17 1 2 400 -0.5 5 10\n", "HIT 1 2 7 90\n",
		"KILL 1 2\n", "PUTITEM 4 10 20 BIGGUN\n", "GETITEM 1 4 GUN\n",
		"LEAVE 9\n", "NAME 5 ann\n",
	};
	char buf[GAME_LINE_MAX + 2], line[GAME_LINE_MAX + 2];

	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		snprintf(line, sizeof line, "%.*s", (int)strlen(lines[i]) - 1,
			 lines[i]);
		struct game_msg m = parsed(line);
		int len = game_format_message(buf, sizeof buf, &m);
		ck_assert_int_eq(len, (int)strlen(lines[i]));
		ck_assert_str_eq(buf, lines[i]);
	}
}
END_TEST

START_TEST(formats_numbers_briefly_and_safely)
{
	char buf[GAME_LINE_MAX + 2], tiny[8];
	struct game_msg hit = { .type = GAME_HIT, .hit = { 1, 2, 3, 12.5 } };
	struct game_msg spawn = { .type = GAME_SPAWN,
				  .spawn = { 1, -0.001, 1.0 / 3, 100 } };

	game_format_message(buf, sizeof buf, &hit);
	ck_assert_str_eq(buf, "HIT 1 2 3 12.5\n");
	game_format_message(buf, sizeof buf, &spawn);
	ck_assert_str_eq(buf, "SPAWN 1 0 0.33 100\n");
	/* Too small a buffer, or a number the parser would refuse: -1. */
	ck_assert_int_eq(game_format_message(tiny, sizeof tiny, &hit), -1);
	spawn.spawn.x = NAN;
	ck_assert_int_eq(game_format_message(buf, sizeof buf, &spawn), -1);
	spawn.spawn.x = INFINITY;
	ck_assert_int_eq(game_format_message(buf, sizeof buf, &spawn), -1);
	struct game_msg item = { .type = GAME_PUTITEM,
				 .putitem = { 1, 2, 3, GAME_WEAPON_COUNT } };
	ck_assert_int_eq(game_format_message(buf, sizeof buf, &item), -1);
	struct game_msg name = { .type = GAME_NAME, .name = { 1, "a b" } };
	ck_assert_int_eq(game_format_message(buf, sizeof buf, &name), -1);
}
END_TEST

/* NAME's text: one word of UTF-8, bounded, nothing that hides or turns
 * the text around. */
START_TEST(names_are_bounded_and_sanitized)
{
	const char *good[] = { "ann", "\xed\x95\x9c\xea\xb8\x80", "x_1-2.3",
			       "sixteen-bytes-ok" };
	const char *bad[] = {
		"", "seventeen-bytes-x", "a\tb", "a\x1b[2J", "a\x7f",
		"a\xc2\x85",       /* C1 control NEL */
		"a\xc2\xa0" "b",  /* no-break space */
		"a\xe2\x80\x8b",  /* zero-width space */
		"a\xe2\x80\x8f",  /* right-to-left mark */
		"\xe2\x80\xae" "abc", /* right-to-left override */
		"a\xe2\x81\xa6",  /* left-to-right isolate */
		"\xef\xbb\xbf" "a", /* byte order mark */
		"\xe3\x85\xa4",   /* hangul filler */
		"\xc0\xaf",        /* overlong */
		"\xed\xa0\x80",   /* surrogate */
		"\xff",
	};
	char line[64];
	struct game_msg m;

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		ck_assert_msg(!game_name_problem(good[i]), "%s", good[i]);
		snprintf(line, sizeof line, "NAME 7 %s", good[i]);
		ck_assert_int_eq(game_parse_message(line, &m), GAME_OK);
		ck_assert_str_eq(m.name.text, good[i]);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(game_name_problem(bad[i]) != NULL, "bad %zu", i);
		snprintf(line, sizeof line, "NAME 7 %s", bad[i]);
		ck_assert_int_ne(game_parse_message(line, &m), GAME_OK);
	}
	ck_assert_int_eq(game_parse_message("NAME 7 a b", &m),
			 GAME_ERR_FIELD_COUNT);
}
END_TEST

START_TEST(weapon_table_is_the_contracts)
{
	const struct game_weapon *w = game_weapons;

	ck_assert_str_eq(w[GAME_GUN].name, "GUN");
	ck_assert(w[GAME_GUN].r == 5 && w[GAME_GUN].dmg == 10 &&
		  w[GAME_GUN].speed == 400 && w[GAME_GUN].interval == 0.25 &&
		  w[GAME_GUN].pellets == 1 && w[GAME_GUN].spread == 0);
	ck_assert(w[GAME_BIGGUN].r == 12 && w[GAME_BIGGUN].dmg == 35 &&
		  w[GAME_BIGGUN].speed == 300 && w[GAME_BIGGUN].interval == 0.8);
	ck_assert(w[GAME_SHOTGUN].r == 4 && w[GAME_SHOTGUN].dmg == 8 &&
		  w[GAME_SHOTGUN].speed == 450 &&
		  w[GAME_SHOTGUN].interval == 0.7 &&
		  w[GAME_SHOTGUN].pellets == 6 && w[GAME_SHOTGUN].spread == 30);
	ck_assert(w[GAME_MINIGUN].r == 3 && w[GAME_MINIGUN].dmg == 4 &&
		  w[GAME_MINIGUN].speed == 600 &&
		  w[GAME_MINIGUN].interval == 0.07 &&
		  w[GAME_MINIGUN].spread == 6);
	ck_assert_int_eq(game_weapon_by_name("MINIGUN"), GAME_MINIGUN);
	ck_assert_int_eq(game_weapon_by_name("LASER"), -1);
}
END_TEST

START_TEST(hit_rule_is_overlapping_circles)
{
	/* A GUN bullet (r 5) hits below 15 + 5 = 20 px, not at 20. */
	ck_assert(game_bullet_hits(100, 100, 119.99, 100, 5));
	ck_assert(!game_bullet_hits(100, 100, 120, 100, 5));
	ck_assert(game_bullet_hits(100, 100, 100 + 14, 100 + 14, 5));
	ck_assert(!game_bullet_hits(100, 100, 100 + 15, 100 + 15, 5));
	/* The workshop's looser 20 + r would have counted this one. */
	ck_assert(!game_bullet_hits(0, 0, 24, 0, 5));
	/* Along a path: a fast bullet passing through the player hits, one
	 * passing by misses, one stopping short misses. */
	ck_assert(game_bullet_path_hits(100, 100, 50, 100, 150, 100, 3));
	ck_assert(!game_bullet_path_hits(100, 100, 50, 130, 150, 130, 3));
	ck_assert(!game_bullet_path_hits(100, 100, 0, 100, 70, 100, 3));
	ck_assert(game_bullet_path_hits(100, 100, 90, 100, 90, 100, 3));
	/* Round the ends of the path, either way along it (reach 15 + 3). */
	ck_assert(game_bullet_path_hits(60, 10, 0, 0, 50, 0, 3));
	ck_assert(game_bullet_path_hits(67, 0, 0, 0, 50, 0, 3));
	ck_assert(game_bullet_path_hits(-17, 0, 50, 0, 0, 0, 3));
	ck_assert(game_bullet_path_hits(0, -17.9, 50, 0, 0, 0, 3));
	ck_assert(!game_bullet_path_hits(69, 0, 0, 0, 50, 0, 3));
	ck_assert(!game_bullet_path_hits(62, 14, 0, 0, 50, 0, 3));
	ck_assert(!game_bullet_path_hits(-10, -18, 50, 0, 0, 0, 3));
	/* Items: touching is below 15 + 10. */
	ck_assert(game_touches_item(0, 0, 24.9, 0));
	ck_assert(!game_touches_item(0, 0, 25, 0));
	ck_assert(game_in_arena(0, 600) && !game_in_arena(-0.1, 0) &&
		  !game_in_arena(800.1, 10) && !game_in_arena(10, 600.1));
}
END_TEST

/* ---- The world, without a server ---------------------------------------- */

#define SLOTS 4
#define LOG_CAP 65536

/* What the world sent to each slot, as one string per slot. */
static char sent[SLOTS][LOG_CAP];

static void collect(void *ctx, int slot, const char *line, size_t len)
{
	size_t used = strlen(sent[slot]);

	(void)ctx;
	ck_assert_int_lt(slot, SLOTS);
	ck_assert_uint_lt(used + len, LOG_CAP);
	memcpy(sent[slot] + used, line, len + 1);
}

static void forget_sent(void)
{
	memset(sent, 0, sizeof sent);
}

static int count_in(const char *text, const char *what)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, what)); p++)
		n++;
	return n;
}

/* A world at t = 0 with `players` slots joined, and no item yet. */
static struct game_world *new_world(int players)
{
	struct game_world *w = malloc(sizeof *w);

	ck_assert(w);
	game_world_init(w, 0, 42, collect, NULL);
	w->next_item_at = 1e9; /* items only in the tests about items */
	for (int i = 0; i < players; i++)
		ck_assert_int_eq(game_world_join(w), i);
	forget_sent();
	return w;
}

static enum game_verdict handle(struct game_world *w, int slot,
				const char *line, double now)
{
	struct game_msg m = parsed(line);

	return game_world_handle(w, slot, &m, now);
}

static void accept_line(struct game_world *w, int slot, const char *line,
			double now)
{
	enum game_verdict v = handle(w, slot, line, now);

	ck_assert_msg(v == GAME_ACCEPTED, "%s: %s", line, game_verdict_text(v));
}

static void refuse_line(struct game_world *w, int slot, const char *line,
			double now, enum game_verdict want)
{
	enum game_verdict v = handle(w, slot, line, now);

	ck_assert_msg(v == want, "%s: %s, wanted %s", line,
		      game_verdict_text(v), game_verdict_text(want));
}

START_TEST(spawn_gives_full_hp_and_the_world_state)
{
	struct game_world *w = new_world(3);

	accept_line(w, 0, "SPAWN 1 100 200 5", 0);
	/* Everyone spawned hears it, the spawner too, with 100 hp; slot 1
	 * has not spawned and hears nothing yet. */
	ck_assert_str_eq(sent[0], "SPAWN 1 100 200 100\n");
	ck_assert_str_eq(sent[1], "");
	accept_line(w, 0, "POS 1 110 200 100 0 300 300", 0.1);
	w->next_item_at = 0;
	game_world_step(w, 0.2);
	ck_assert_int_eq(w->item_count, 1);
	forget_sent();

	accept_line(w, 1, "SPAWN 2 5000 -7 100", 0.3);
	ck_assert_str_eq(sent[0], "SPAWN 2 800 0 100\n");
	ck_assert(strncmp(sent[1], "SPAWN 2 800 0 100\n", 18) == 0);
	ck_assert(strstr(sent[1], "SPAWN 1 110 200 100\n"));
	ck_assert(strstr(sent[1], "POS 1 110 200 100 0 300 300\n"));
	ck_assert(strstr(sent[1], "PUTITEM 1 "));
	free(w);
}
END_TEST

START_TEST(ids_are_bound_to_connections)
{
	struct game_world *w = new_world(2);

	refuse_line(w, 0, "POS 1 0 0 0 0 0 0", 0, GAME_REFUSED_NO_SPAWN);
	accept_line(w, 0, "SPAWN 1 100 100 100", 0);
	refuse_line(w, 1, "SPAWN 1 300 300 100", 0, GAME_REFUSED_ID_TAKEN);
	accept_line(w, 1, "SPAWN 2 300 300 100", 0);
	forget_sent();
	refuse_line(w, 1, "POS 1 100 100 0 0 0 0", 1, GAME_REFUSED_SPOOFED);
	refuse_line(w, 1, "FIRE 1 0 100 100 400 0 5 10", 1,
		    GAME_REFUSED_SPOOFED);
	refuse_line(w, 1, "SPAWN 3 100 100 100", 1, GAME_REFUSED_SPOOFED);
	refuse_line(w, 1, "SPAWN 2 100 100 100", 1, GAME_REFUSED_ALIVE);
	refuse_line(w, 1, "HIT 2 1 0 -100", 1, GAME_REFUSED_SERVER_ONLY);
	refuse_line(w, 1, "KILL 2 1", 1, GAME_REFUSED_SERVER_ONLY);
	ck_assert_str_eq(sent[0], "");
	/* Once slot 0 leaves, its id is free again. */
	game_world_leave(w, 0, 5.0);
	ck_assert_str_eq(sent[1], "LEAVE 1\n");
	ck_assert_int_eq(game_world_join(w), 0);
	accept_line(w, 0, "SPAWN 1 100 100 100", 2);
	free(w);
}
END_TEST

START_TEST(positions_stay_in_the_arena_and_under_top_speed)
{
	struct game_world *w = new_world(2);
	const struct game_player *p = &w->players[0];

	accept_line(w, 0, "SPAWN 1 400 300 100", 0);
	accept_line(w, 1, "SPAWN 2 100 100 100", 0);
	/* At once: the fixed slack of 10 px, however soon after SPAWN. */
	accept_line(w, 0, "POS 1 401 300 0 0 0 0", 0);
	ck_assert_double_eq_tol(p->x, 401, 1e-6);
	/* 0.1 s after: at most 200 * 1.25 * 0.1 = 25 px more (9 px of the
	 * slack are left). */
	accept_line(w, 0, "POS 1 700 300 5000 0 0 0", 0.1);
	ck_assert_double_eq_tol(p->x, 401 + 9 + 25, 1e-6);
	ck_assert_double_eq_tol(p->vx, GAME_TOP_SPEED, 1e-6);
	ck_assert(strstr(sent[1], "POS 1 435 300 200 0 0 0\n"));
	/* An honest move passes unchanged: 20 px in 0.1 s. */
	accept_line(w, 0, "POS 1 455 300 200 0 0 0", 0.2);
	ck_assert_double_eq_tol(p->x, 455, 1e-6);
	/* A long silence buys no teleport: one second's worth at most,
	 * 200 * 1.25 + 10 = 260 px. */
	accept_line(w, 0, "POS 1 455 -900 0 0 0 0", 100);
	ck_assert_double_eq_tol(p->y, 300 - 260, 1e-6);
	accept_line(w, 0, "POS 1 -900 40 0 0 0 0", 200);
	ck_assert_double_eq_tol(p->x, 455 - 260, 1e-6);
	free(w);
}
END_TEST

/* The speed hack: many POS lines at once, or far more than a client
 * needs, each asking to go a little further.  The path is budgeted over
 * time: at most 250 px/s times the time, plus one fixed slack. */
START_TEST(movement_is_budgeted_over_time_not_per_line)
{
	struct game_world *w = new_world(2);
	const struct game_player *p = &w->players[0];
	const double rate = GAME_TOP_SPEED * GAME_SPEED_TOLERANCE;
	const double slack = rate * GAME_MOVE_WINDOW + GAME_MOVE_SLACK;
	char line[64];

	accept_line(w, 0, "SPAWN 1 20 300 100", 0);
	accept_line(w, 1, "SPAWN 2 400 20 100", 0);
	/* 78 lines in one read, 10 px each: no further than the budget. */
	for (int i = 1; i <= 78; i++) {
		snprintf(line, sizeof line, "POS 1 %.0f 300 0 0 0 0", p->x + 10);
		accept_line(w, 0, line, 5);
	}
	ck_assert_msg(p->x - 20 <= slack + 1e-6, "moved %.0f px", p->x - 20);
	/* 720 lines in 3 s, back and forth across the arena. */
	double path = 0, last = p->x;
	for (int i = 1; i <= 720; i++) {
		snprintf(line, sizeof line, "POS 1 %d 300 0 0 0 0",
			 i % 2 ? 800 : 0);
		accept_line(w, 0, line, 5 + i * 3.0 / 720);
		path += fabs(p->x - last);
		last = p->x;
	}
	ck_assert_msg(path <= rate * 3 + slack + 1e-6, "a path of %.0f px",
		      path);
	free(w);
}
END_TEST

/* Spawn protection: bullets pass through a newcomer for 2 s, or until it
 * fires. */
START_TEST(newcomers_are_protected_until_they_fire)
{
	struct game_world *w = new_world(3);
	double t = 10;

	accept_line(w, 0, "SPAWN 1 10 300 100", t);
	accept_line(w, 1, "SPAWN 2 200 300 100", t);
	accept_line(w, 2, "SPAWN 3 10 345 100", t);
	forget_sent();
	accept_line(w, 0, "FIRE 1 0 31 300 400 0 5 10", t);
	for (int tick = 0; tick < 30; tick++)
		game_world_step(w, t += 1.0 / 60);
	ck_assert_int_eq(count_in(sent[2], "HIT"), 0);
	/* Player 2 fires (away, at nobody): its protection is over. */
	accept_line(w, 1, "FIRE 2 0 221 300 400 0 5 10", t);
	accept_line(w, 0, "FIRE 1 1 31 300 400 0 5 10", t);
	for (int tick = 0; tick < 30; tick++)
		game_world_step(w, t += 1.0 / 60);
	ck_assert_msg(strstr(sent[2], "HIT 1 2 1 90\n"), "%s", sent[2]);
	/* Player 3 never fires: protected for 2 s after its SPAWN only. */
	accept_line(w, 0, "FIRE 1 2 10 321 0 400 5 10", 11.5);
	for (t = 11.5; t < 11.95; t += 1.0 / 60) /* it passes through */
		game_world_step(w, t);
	ck_assert_int_eq(count_in(sent[2], "HIT 1 3"), 0);
	accept_line(w, 0, "FIRE 1 3 10 321 0 400 5 10", 12.2);
	for (t = 12.2; t < 13; t += 1.0 / 60)
		game_world_step(w, t);
	ck_assert_msg(strstr(sent[2], "HIT 1 3 3 90\n"), "%s", sent[2]);
	free(w);
}
END_TEST

START_TEST(bullets_hit_until_kill_then_the_dead_wait)
{
	struct game_world *w = new_world(3);
	char line[64];
	double t = 0;

	accept_line(w, 0, "SPAWN 1 100 300 100", t);
	accept_line(w, 1, "SPAWN 2 200 300 100", t);
	accept_line(w, 2, "SPAWN 3 700 100 100", t);
	forget_sent();
	t = GAME_SPAWN_PROTECTION; /* over for everyone */
	for (int shot = 0; shot < 10; shot++) {
		snprintf(line, sizeof line, "FIRE 1 %d 121 300 400 0 5 10", shot);
		accept_line(w, 0, line, t);
		for (int tick = 0; tick < 15; tick++)
			game_world_step(w, t += 1.0 / 60);
		snprintf(line, sizeof line, "HIT 1 2 %d %d\n", shot,
			 90 - 10 * shot);
		ck_assert_msg(strstr(sent[2], line), "no %s in %s", line, sent[2]);
	}
	ck_assert(strstr(sent[2], "KILL 1 2\n"));
	ck_assert(strstr(sent[1], "KILL 1 2\n"));
	ck_assert_int_eq(w->bullet_count, 0);
	ck_assert(!w->players[1].alive);
	double killed = w->players[1].killed_at;

	refuse_line(w, 1, "POS 2 210 300 0 0 0 0", t, GAME_REFUSED_DEAD);
	refuse_line(w, 1, "FIRE 2 0 180 300 -400 0 5 10", t, GAME_REFUSED_DEAD);
	refuse_line(w, 1, "SPAWN 2 200 300 100", killed + 9.9,
		    GAME_REFUSED_TOO_EARLY);
	/* A dead player is no target: a bullet flies through. */
	accept_line(w, 0, "FIRE 1 99 121 300 400 0 5 10", killed + 9.9);
	game_world_step(w, killed + 10);
	ck_assert_int_eq(w->bullet_count, 1);
	forget_sent();
	accept_line(w, 1, "SPAWN 2 200 300 100", killed + 10);
	ck_assert_str_eq(sent[2], "SPAWN 2 200 300 100\n");
	free(w);
}
END_TEST

/* NAME: only for one's own, spawned id, one a second; relayed to all,
 * and a newcomer gets the names of those already there. */
START_TEST(names_are_relayed_and_sent_to_newcomers)
{
	struct game_world *w = new_world(3);

	refuse_line(w, 0, "NAME 1 ann", 0, GAME_REFUSED_NO_SPAWN);
	accept_line(w, 0, "SPAWN 1 100 100 100", 0);
	accept_line(w, 1, "SPAWN 2 700 500 100", 0);
	forget_sent();
	accept_line(w, 0, "NAME 1 ann", 1);
	ck_assert_str_eq(sent[0], "NAME 1 ann\n");
	ck_assert_str_eq(sent[1], "NAME 1 ann\n");
	refuse_line(w, 1, "NAME 1 eve", 1, GAME_REFUSED_SPOOFED);
	refuse_line(w, 0, "NAME 1 anna", 1.5, GAME_REFUSED_RATE);
	accept_line(w, 0, "NAME 1 anna", 2.1);
	/* The newcomer: the world, then the names. */
	accept_line(w, 2, "SPAWN 3 400 300 100", 3);
	ck_assert_msg(strstr(sent[2], "NAME 1 anna\n"), "%s", sent[2]);
	free(w);
}
END_TEST

/* Reconnecting with the same id right after a KILL does not skip the
 * wait; a new id is a new player and may spawn at once. */
START_TEST(an_id_that_left_keeps_its_respawn_time)
{
	struct game_world *w = new_world(3);

	accept_line(w, 0, "SPAWN 1 100 300 100", 0);
	accept_line(w, 1, "SPAWN 2 200 300 100", 0);
	w->players[1].hp = 10;
	accept_line(w, 0, "FIRE 1 0 121 300 400 0 5 10", 3);
	for (double t = 3; t < 3.5; t += 1.0 / 60)
		game_world_step(w, t);
	ck_assert(!w->players[1].alive);
	double killed = w->players[1].killed_at;
	game_world_leave(w, 1, killed + 1);
	ck_assert_int_eq(game_world_join(w), 1);
	refuse_line(w, 1, "SPAWN 2 200 300 100", killed + 1,
		    GAME_REFUSED_TOO_EARLY);
	refuse_line(w, 1, "SPAWN 2 200 300 100", killed + 9.9,
		    GAME_REFUSED_TOO_EARLY);
	accept_line(w, 2, "SPAWN 7 500 300 100", killed + 1);
	accept_line(w, 1, "SPAWN 2 200 300 100", killed + 10);
	free(w);
}
END_TEST

START_TEST(bullets_leave_the_arena)
{
	struct game_world *w = new_world(2);

	accept_line(w, 0, "SPAWN 1 780 300 100", 0);
	accept_line(w, 1, "SPAWN 2 100 100 100", 0);
	accept_line(w, 0, "FIRE 1 0 800 300 400 0 5 10", 0);
	ck_assert_int_eq(w->bullet_count, 1);
	game_world_step(w, 1.0 / 60);
	ck_assert_int_eq(w->bullet_count, 0);
	/* One flying across the whole arena is gone in about 2 s. */
	accept_line(w, 0, "FIRE 1 1 760 300 -400 0 5 10", 1);
	for (int tick = 1; tick <= 60 * 2; tick++)
		game_world_step(w, 1 + tick / 60.0);
	ck_assert_int_eq(w->bullet_count, 0);
	ck_assert_int_eq(count_in(sent[1], "HIT"), 0);
	free(w);
}
END_TEST

START_TEST(fire_must_match_the_weapon_held)
{
	struct game_world *w = new_world(2);

	accept_line(w, 0, "SPAWN 1 100 100 100", 0);
	accept_line(w, 1, "SPAWN 2 700 500 100", 0);
	refuse_line(w, 0, "FIRE 1 0 100 100 400 0 5 50", 1, GAME_REFUSED_WEAPON);
	refuse_line(w, 0, "FIRE 1 0 100 100 400 0 12 10", 1, GAME_REFUSED_WEAPON);
	refuse_line(w, 0, "FIRE 1 0 100 100 5000 0 5 10", 1,
		    GAME_REFUSED_WEAPON);
	/* Standing still, a GUN bullet flies at 400 px/s, not 600. */
	refuse_line(w, 0, "FIRE 1 0 100 100 600 0 5 10", 1, GAME_REFUSED_WEAPON);
	refuse_line(w, 0, "FIRE 1 0 100 100 0 390 5 10", 1, GAME_REFUSED_WEAPON);
	refuse_line(w, 0, "FIRE 1 0 300 100 400 0 5 10", 1, GAME_REFUSED_REACH);
	/* The rate: a GUN fires every 0.25 s, 0.05 s early at most. */
	accept_line(w, 0, "FIRE 1 1 100 100 0 400 5 10", 1);
	refuse_line(w, 0, "FIRE 1 2 100 100 0 400 5 10", 1.1, GAME_REFUSED_RATE);
	accept_line(w, 0, "FIRE 1 3 100 100 0 400 5 10", 1.21);
	/* Early shots do not add up: the next is due at 1.75 still. */
	refuse_line(w, 0, "FIRE 1 4 100 100 0 400 5 10", 1.42,
		    GAME_REFUSED_RATE);
	accept_line(w, 0, "FIRE 1 5 100 100 0 400 5 10", 1.70);
	/* A SHOTGUN shot is 6 FIRE lines at once, not 7. */
	w->players[0].weapon = GAME_SHOTGUN;
	for (int i = 0; i < 6; i++)
		accept_line(w, 0, "FIRE 1 6 100 100 450 0 4 8", 5);
	refuse_line(w, 0, "FIRE 1 7 100 100 450 0 4 8", 5, GAME_REFUSED_RATE);
	accept_line(w, 0, "FIRE 1 8 100 100 450 0 4 8", 5.7);
	/* The old weapon's bullets are refused once the new one is held. */
	refuse_line(w, 0, "FIRE 1 9 100 100 400 0 5 10", 9, GAME_REFUSED_WEAPON);
	/* Moving at 200 px/s, a bullet may take the shooter's speed too. */
	w->players[0].weapon = GAME_GUN;
	accept_line(w, 0, "POS 1 120 100 200 0 0 0", 9.1);
	accept_line(w, 0, "FIRE 1 10 120 100 590 0 5 10", 9.1);
	refuse_line(w, 0, "FIRE 1 11 120 100 610 0 5 10", 9.5,
		    GAME_REFUSED_WEAPON);
	free(w);
}
END_TEST

/* A SHOTGUN shot is its pellets together: not held back for later, not
 * more of them, not wider than 30 degrees. */
START_TEST(shotgun_pellets_are_one_shot)
{
	struct game_world *w = new_world(2);
	char line[64];

	accept_line(w, 0, "SPAWN 1 100 100 100", 0);
	accept_line(w, 1, "SPAWN 2 700 500 100", 0);
	w->players[0].weapon = GAME_SHOTGUN;
	/* A fair shot: 6 pellets fanned over 30 degrees. */
	for (int i = 0; i < 6; i++) {
		double a = (i / 5.0 - 0.5) * 30 * M_PI / 180;
		snprintf(line, sizeof line, "FIRE 1 %d 100 100 %.2f %.2f 4 8", i,
			 450 * cos(a), 450 * sin(a));
		accept_line(w, 0, line, 1);
	}
	/* One pellet now, the rest held back: refused 0.3 s later. */
	accept_line(w, 0, "FIRE 1 10 100 100 450 0 4 8", 2);
	refuse_line(w, 0, "FIRE 1 11 100 100 450 0 4 8", 2.3,
		    GAME_REFUSED_RATE);
	/* Parallel pellets are fine, but not one 40 degrees off. */
	accept_line(w, 0, "FIRE 1 20 100 100 450 0 4 8", 3);
	accept_line(w, 0, "FIRE 1 21 100 100 450 0 4 8", 3);
	snprintf(line, sizeof line, "FIRE 1 22 100 100 %.2f %.2f 4 8",
		 450 * cos(0.7), 450 * sin(0.7));
	refuse_line(w, 0, line, 3, GAME_REFUSED_SPREAD);
	free(w);
}
END_TEST

START_TEST(items_appear_on_schedule_and_are_picked_up)
{
	struct game_world *w = new_world(2);

	w->next_item_at = 0;
	accept_line(w, 0, "SPAWN 1 20 20 100", 0);
	accept_line(w, 1, "SPAWN 2 780 580 100", 0);
	forget_sent();
	/* One at once, then one every GAME_ITEM_INTERVAL up to the most. */
	for (double t = 0; t < 56; t += 0.5)
		game_world_step(w, t);
	ck_assert_int_eq(w->item_count, GAME_MAX_ITEMS);
	ck_assert_int_eq(count_in(sent[1], "PUTITEM"), GAME_MAX_ITEMS);
	for (int i = 0; i < w->item_count; i++)
		ck_assert(w->items[i].x >= 40 && w->items[i].x <= 760 &&
			  w->items[i].y >= 40 && w->items[i].y <= 560);

	/* Walk player 1 onto the first item: everyone hears GETITEM. */
	struct game_item item = w->items[0];
	struct game_player *p = &w->players[0];
	p->x = item.x + 20;
	p->y = item.y;
	forget_sent();
	game_world_step(w, 57);
	char want[64];
	snprintf(want, sizeof want, "GETITEM 1 %d %s\n", item.item_id,
		 game_weapons[item.kind].name);
	ck_assert_str_eq(sent[1], want);
	ck_assert(strstr(sent[0], want));
	ck_assert_int_eq(p->weapon, item.kind);
	ck_assert_int_eq(w->item_count, GAME_MAX_ITEMS - 1);
	/* The dead pick nothing up. */
	p->alive = false;
	p->x = w->items[0].x;
	p->y = w->items[0].y;
	game_world_step(w, 58);
	ck_assert_int_eq(w->item_count, GAME_MAX_ITEMS - 1);
	free(w);
}
END_TEST

/* ---- The real server ----------------------------------------------------- */

/* Receive lines until one starts with `prefix`; false on timeout. */
static bool expect(int fd, const char *prefix, char *line, size_t cap,
		   int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	while (now_ms() < deadline) {
		if (!recv_line(fd, line, cap, (int)(deadline - now_ms())))
			return false;
		if (strncmp(line, prefix, strlen(prefix)) == 0)
			return true;
	}
	return false;
}

static void must_see(int fd, const char *prefix)
{
	char line[256] = "";

	ck_assert_msg(expect(fd, prefix, line, sizeof line, WAIT_MS),
		      "never saw \"%s\" (last: \"%s\")", prefix, line);
}

/* Connect and spawn `id` at (x, y); returns the socket once the server's
 * SPAWN came back. */
static int join(const struct server *s, int id, int x, int y)
{
	char line[64];
	int fd = server_connect(s);

	snprintf(line, sizeof line, "SPAWN %d %d %d 100\n", id, x, y);
	ck_assert(send_str(fd, line));
	line[strlen(line) - 1] = '\0';
	must_see(fd, line);
	return fd;
}

/* End the spawn protection of player `id` at (x, y): it fires once, to
 * the right, and `watcher` sees the shot. */
static void fire_once(int fd, int id, int x, int y, int watcher)
{
	char line[80];

	snprintf(line, sizeof line, "FIRE %d 999 %d %d 400 0 5 10\n", id,
		 x + 21, y);
	ck_assert(send_str(fd, line));
	snprintf(line, sizeof line, "FIRE %d 999 ", id);
	must_see(watcher, line);
}

/* Receive lines for `ms` and check none starts with `prefix`. */
static void never_see(int fd, const char *prefix, int ms)
{
	char line[256];

	ck_assert_msg(!expect(fd, prefix, line, sizeof line, ms),
		      "saw \"%s\"", line);
}

START_TEST(a_kill_is_seen_by_a_third_player)
{
	struct server s;
	char line[64];

	server_start(&s, GAME_SERVER, "-t", "30", NULL);
	/* x 10: items lie 40 px or more from the walls and are touched
	 * within 25 px, so this shooter never picks one up: it keeps the GUN
	 * whose shots the test sends. */
	int a = join(&s, 1, 10, 300);
	int b = join(&s, 2, 200, 300);
	int c = join(&s, 3, 600, 100);
	must_see(c, "SPAWN 1 ");
	fire_once(b, 2, 200, 300, c);
	for (int shot = 0; shot < 10; shot++) {
		snprintf(line, sizeof line, "FIRE 1 %d 31 300 400 0 5 10\n",
			 shot);
		ck_assert(send_str(a, line));
		snprintf(line, sizeof line, "HIT 1 2 %d %d", shot, 90 - 10 * shot);
		must_see(c, line);
		sleep_us(260 * 1000); /* the GUN's rate, and a little */
	}
	must_see(c, "KILL 1 2");
	must_see(b, "KILL 1 2");
	close(a);
	close(b);
	close(c);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(a_newcomer_gets_the_world)
{
	struct server s;
	char line[256];

	server_start(&s, GAME_SERVER, "-t", "30", NULL);
	int a = join(&s, 1, 100, 300);
	int watcher = join(&s, 3, 700, 500);
	ck_assert(send_str(a, "POS 1 105 300 50 0 400 300\n"));
	must_see(watcher, "POS 1 105 300"); /* so the server has it */
	int b = join(&s, 2, 400, 400);
	/* After its own SPAWN: everyone alive, then the items on the ground
	 * (the first one is placed at once). */
	ck_assert(expect(b, "SPAWN 1 105 300 100", line, sizeof line, WAIT_MS));
	ck_assert(expect(b, "POS 1 105 300 50 0 400 300", line, sizeof line,
			 WAIT_MS));
	ck_assert(expect(b, "SPAWN 3 700 500 100", line, sizeof line, WAIT_MS));
	ck_assert(expect(b, "PUTITEM ", line, sizeof line, WAIT_MS));
	close(a);
	close(b);
	close(watcher);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* Discard what arrives until the line stays quiet for `ms`. */
static void drain(int fd, int ms)
{
	char line[256];

	while (recv_line(fd, line, sizeof line, ms))
		;
}

/* The next line other than the item news that may come at any time. */
static char *next_line(int fd, char *line, size_t cap)
{
	/* Items appear at random places, and a player standing on one
	 * picks it up: both kinds of news may come between any two lines. */
	do
		ck_assert_msg(recv_line(fd, line, cap, WAIT_MS), "no line");
	while (strncmp(line, "PUTITEM ", 8) == 0 ||
	       strncmp(line, "GETITEM ", 8) == 0);
	return line;
}

START_TEST(cheats_are_refused)
{
	struct server s;
	char line[256];

	server_start(&s, GAME_SERVER, "-t", "30", NULL);
	int a = join(&s, 1, 10, 300); /* out of items' reach */
	int b = join(&s, 2, 400, 300);
	drain(b, 200);
	/* Each refused line is followed by a good one from the same client:
	 * a client's lines are handled in order, so the next line B sees
	 * must be the good one.  Spoofed ids: */
	ck_assert(send_str(a, "POS 2 100 300 0 0 0 0\n"
			      "FIRE 2 0 100 300 400 0 5 10\n"
			      "SPAWN 2 100 300 100\n"
			      "POS 1 11 300 0 0 0 0\n"));
	ck_assert_str_eq(next_line(b, line, sizeof line), "POS 1 11 300 0 0 0 0");
	/* Over-damage, the wrong radius, a bullet from afar: */
	ck_assert(send_str(a, "FIRE 1 1 11 300 400 0 5 100\n"
			      "FIRE 1 2 11 300 400 0 50 10\n"
			      "FIRE 1 3 300 300 400 0 5 10\n"
			      "POS 1 12 300 0 0 0 0\n"));
	ck_assert_str_eq(next_line(b, line, sizeof line), "POS 1 12 300 0 0 0 0");
	/* Over-rate: the second shot right after the first. */
	ck_assert(send_str(a, "FIRE 1 4 11 300 0 400 5 10\n"
			      "FIRE 1 5 11 300 0 400 5 10\n"
			      "POS 1 13 300 0 0 0 0\n"));
	ck_assert_str_eq(next_line(b, line, sizeof line),
			 "FIRE 1 4 11 300 0 400 5 10");
	ck_assert_str_eq(next_line(b, line, sizeof line), "POS 1 13 300 0 0 0 0");
	/* Another connection can take neither a live id nor one it lacks. */
	int c = server_connect(&s);
	ck_assert(send_str(c, "SPAWN 1 500 500 100\nPOS 4 1 1 0 0 0 0\n"
			      "SPAWN 4 500 500 100\n"));
	ck_assert_str_eq(next_line(b, line, sizeof line), "SPAWN 4 500 500 100");
	close(a);
	close(b);
	close(c);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(the_dead_wait_ten_seconds)
{
	struct server s;
	char line[64];

	server_start(&s, GAME_SERVER, "-t", "30", NULL);
	int a = join(&s, 1, 10, 300); /* out of items' reach */
	int b = join(&s, 2, 200, 300);
	int c = join(&s, 3, 600, 100);
	fire_once(b, 2, 200, 300, c);
	for (int shot = 0; shot < 10; shot++) {
		snprintf(line, sizeof line, "FIRE 1 %d 31 300 400 0 5 10\n",
			 shot);
		ck_assert(send_str(a, line));
		sleep_us(260 * 1000);
	}
	must_see(c, "KILL 1 2");
	long long killed = now_ms();
	/* Dead: B's moves, shots and early respawn go nowhere. */
	ck_assert(send_str(b, "POS 2 210 300 0 0 0 0\n"
			      "FIRE 2 0 179 300 -400 0 5 10\n"
			      "SPAWN 2 200 300 100\n"));
	never_see(c, "POS 2", 300);
	ck_assert(send_str(b, "FIRE 2 1 179 300 -400 0 5 10\n"));
	never_see(c, "FIRE 2", 300);
	ck_assert(send_str(b, "SPAWN 2 200 300 100\n"));
	never_see(c, "SPAWN 2", 300);
	/* After 10 s it counts, with 100 hp. */
	sleep_us((long)(10100 - (now_ms() - killed)) * 1000);
	ck_assert(send_str(b, "SPAWN 2 200 300 100\n"));
	must_see(c, "SPAWN 2 200 300 100");
	must_see(b, "SPAWN 2 200 300 100");
	close(a);
	close(b);
	close(c);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(leave_when_a_connection_ends)
{
	struct server s;

	server_start(&s, GAME_SERVER, "-t", "30", NULL);
	int a = join(&s, 1, 100, 300);
	int b = join(&s, 2, 200, 300);
	close(b);
	must_see(a, "LEAVE 2");
	/* Its id is free again. */
	b = join(&s, 2, 200, 300);
	must_see(a, "SPAWN 2 ");
	ck_assert(server_log_has(&s, "disconnect from", WAIT_MS));
	close(a);
	close(b);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(garbage_and_nan_are_survived)
{
	struct server s;
	static char huge[1 << 20];

	server_start(&s, GAME_SERVER, "-t", "30", NULL);
	int a = join(&s, 1, 100, 300);
	int g = server_connect(&s);
	memset(huge, 'x', sizeof huge);
	ck_assert(send_str(g, "SPAWN 5 nan 300 100\nSPAWN 5 inf 300 100\n"
			      "POS 5 1e999 0 0 0 0 0\nHELLO\n\n\r\n"));
	ck_assert(send_bytes(g, "\0\xff\xfe garbage\n", 12));
	ck_assert(send_bytes(g, huge, sizeof huge));
	ck_assert(send_str(g, "\nSPAWN 5 300 300 100\r\n"));
	must_see(g, "SPAWN 5 300 300 100");
	must_see(a, "SPAWN 5 300 300 100");
	ck_assert(send_str(g, "POS 5 nan 300 0 0 0 0\nPOS 5 301 300 0 0 0 0\n"));
	char line[256];
	ck_assert_str_eq(next_line(a, line, sizeof line), "POS 5 301 300 0 0 0 0");
	close(g);
	must_see(a, "LEAVE 5");
	close(a);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(nothing_valid_for_a_while_is_dropped)
{
	struct server s;

	server_start(&s, GAME_SERVER, "-t", "1", NULL);
	int silent = server_connect(&s);
	int noisy = server_connect(&s);
	long long start = now_ms();
	bool closed = false;
	/* Lines keep coming, none of them valid. */
	while (!closed && now_ms() - start < WAIT_MS) {
		send_str(noisy, "SPAWN 1 nan 0 0\n");
		closed = recv_closed(noisy, 100);
	}
	ck_assert(closed);
	ck_assert(recv_closed(silent, WAIT_MS));
	close(silent);
	close(noisy);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* Slot holders: connections that never SPAWN but send a well-formed
 * (refused) line every half second, to keep real players out. */
START_TEST(a_connection_that_never_spawns_is_closed)
{
	struct server s;
	int holders[5], open_count = 5;

	server_start(&s, GAME_SERVER, "-t", "2", "-c", "5", NULL);
	for (int i = 0; i < 5; i++)
		holders[i] = server_connect(&s);
	long long deadline = now_ms() + 2000 + 2 * WAIT_MS;
	while (open_count > 0 && now_ms() < deadline) {
		for (int i = 0; i < 5; i++) {
			if (holders[i] < 0)
				continue;
			send_str(holders[i], "POS 1 1 1 0 0 0 0\n");
			if (recv_closed(holders[i], 100)) {
				close(holders[i]);
				holders[i] = -1;
				open_count--;
			}
		}
	}
	ck_assert_msg(open_count == 0, "%d of 5 holders still in", open_count);
	/* A real player gets in. */
	int player = join(&s, 7, 300, 300);
	close(player);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(a_hundred_bots)
{
	struct server s;
	static char out[64 * 1024];

	server_start(&s, GAME_SERVER, "-t", "10", NULL);
	char *argv[] = { GAME_BOT, "-n", "100", "-d", "10", "127.0.0.1",
			 s.port_text, NULL };
	ck_assert_int_eq(run_program(argv, "", out, sizeof out, 6 * WAIT_MS), 0);
	/* A statistics line a second, all 100 connected. */
	ck_assert_msg(strstr(out, "bots 100 connected 100 "), "%s", out);
	ck_assert_msg(count_in(out, "\n") >= 4, "%s", out);
	/* They found each other: some hit. */
	long hits = 0, n;
	for (const char *p = out; (p = strstr(p, " hits ")); p++)
		if (sscanf(p, " hits %ld", &n) == 1)
			hits += n;
	ck_assert_msg(hits > 0, "%s", out);
	/* And the server still answers. */
	int a = join(&s, 1, 100, 100);
	close(a);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

#define FLOODERS 20

/* Receive and forget whatever fd has now; false once it is closed. */
static bool discard(int fd)
{
	char buf[65536];
	ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);

	return n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
}

#define MOVERS 4
#define COMERS 200

/* The sender thread sends to a client without the lock; the client's own
 * thread must not free it meanwhile.  So: players who join and leave at
 * once (half of them with a reset), each while lines for it are queued,
 * because movers keep moving.  The sanitizers watch the server; the test
 * checks it still serves everyone. */
START_TEST(players_come_and_go_while_lines_fly)
{
	struct server s;
	int movers[MOVERS];
	char line[64];

	server_start(&s, GAME_SERVER, "-t", "30", NULL);
	for (int i = 0; i < MOVERS; i++)
		movers[i] = join(&s, 1 + i, 100 + 50 * i, 100);
	for (int round = 0; round < COMERS; round++) {
		int comer = join(&s, 100 + round, 400, 300);
		for (int i = 0; i < MOVERS; i++) {
			snprintf(line, sizeof line, "POS %d %d 100 0 0 0 0\n",
				 1 + i, 100 + 50 * i + round % 2);
			ck_assert(send_str(movers[i], line));
			ck_assert(discard(movers[i]));
		}
		if (round % 2)
			close_with_reset(comer);
		else
			close(comer);
	}
	/* Every comer's thread ended, and the movers are still served. */
	ck_assert(server_log_reaches(&s, "disconnect from", COMERS, WAIT_MS));
	ck_assert_int_eq(server_log_count(&s, "disconnect from"), COMERS);
	drain(movers[1], 200);
	ck_assert(send_str(movers[0], "POS 1 120 100 0 0 0 0\n"));
	must_see(movers[1], "POS 1 120 100 0 0 0 0");
	for (int i = 0; i < MOVERS; i++)
		close(movers[i]);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(a_player_who_stops_reading_is_dropped)
{
	struct server s;
	static char burst[40 * 1000];
	int flooders[FLOODERS];
	char line[64];

	server_start(&s, GAME_SERVER, "-t", "30", NULL);
	/* The laggard asks for a small receive buffer and never reads. */
	int laggard = socket(AF_INET, SOCK_STREAM, 0), small = 4096;
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_port = htons((unsigned short)s.port),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	ck_assert(laggard >= 0);
	ck_assert(setsockopt(laggard, SOL_SOCKET, SO_RCVBUF, &small,
			     sizeof small) == 0);
	ck_assert(connect(laggard, (struct sockaddr *)&addr, sizeof addr) == 0);
	ck_assert(send_str(laggard, "SPAWN 7 400 300 100\n"));
	int reader = join(&s, 8, 500, 300);
	/* Players who send POS as fast as the server reads them. */
	for (int i = 0; i < FLOODERS; i++) {
		flooders[i] = join(&s, 10 + i, 100, 100);
		size_t len = 0;
		while (len + 40 < sizeof burst)
			len += (size_t)snprintf(burst + len, sizeof burst - len,
						"POS %d 100 100 0 0 0 0\n", 10 + i);
		ck_assert(send_bytes(flooders[i], burst, len));
	}
	/* Everyone else reads on, and stays. */
	long long deadline = now_ms() + 2 * WAIT_MS;
	bool dropped = false;
	while (!dropped && now_ms() < deadline) {
		ck_assert(discard(reader));
		for (int i = 0; i < FLOODERS; i++)
			ck_assert(discard(flooders[i]));
		dropped = server_log_has(&s, "dropping", 0);
		sleep_us(10000);
	}
	ck_assert_msg(dropped, "nobody was dropped");
	/* It was the laggard, and only the laggard. */
	socklen_t len = sizeof addr;
	ck_assert(getsockname(laggard, (struct sockaddr *)&addr, &len) == 0);
	snprintf(line, sizeof line, "dropping 127.0.0.1:%d: not reading",
		 ntohs(addr.sin_port));
	ck_assert(server_log_has(&s, line, WAIT_MS));
	ck_assert(recv_closed(laggard, WAIT_MS));
	ck_assert(discard(reader));
	for (int i = 0; i < FLOODERS; i++)
		ck_assert(discard(flooders[i]));
	for (int i = 0; i < FLOODERS; i++)
		close(flooders[i]);
	close(reader);
	close(laggard);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(a_flood_is_read_at_240_lines_a_second)
{
	struct server s;
	static char burst[1000 * 32];
	char line[256];
	size_t len = 0;

	server_start(&s, GAME_SERVER, "-t", "30", NULL);
	int flooder = join(&s, 1, 100, 100);
	int watcher = join(&s, 2, 500, 500);
	drain(watcher, 200);
	for (int i = 0; i < 1000; i++)
		len += (size_t)snprintf(burst + len, sizeof burst - len,
					"POS 1 100 100 0 0 %d 0\n", i);
	ck_assert(send_bytes(flooder, burst, len));
	/* The relays trickle in: within one second of the first, at most
	 * two windows' worth (the first may have begun a moment before). */
	ck_assert(recv_line(watcher, line, sizeof line, WAIT_MS));
	long long start = now_ms();
	int relayed = 1;
	while (now_ms() - start < 1000 &&
	       recv_line(watcher, line, sizeof line, 1000))
		relayed++;
	ck_assert_int_le(relayed, 2 * 240 + 10);
	ck_assert_int_ge(relayed, 100);
	close(flooder);
	close(watcher);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(a_full_server_says_so)
{
	struct server s;
	char line[256];

	server_start(&s, GAME_SERVER, "-t", "30", "-c", "2", NULL);
	int a = join(&s, 1, 100, 100);
	int b = join(&s, 2, 200, 200);
	int c = server_connect(&s);
	ck_assert(recv_line(c, line, sizeof line, WAIT_MS));
	ck_assert(strstr(line, "full"));
	ck_assert(recv_closed(c, WAIT_MS));
	close(b);
	must_see(a, "LEAVE 2");
	/* A place is free again. */
	c = join(&s, 3, 300, 300);
	close(a);
	close(c);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(programs_keep_the_contract)
{
	char out[1024];
	char *help[] = { GAME_SERVER, "-h", NULL };
	char *bad[] = { GAME_SERVER, "-x", NULL };
	char *bot_help[] = { GAME_BOT, "-h", NULL };
	char *bot_bad[] = { GAME_BOT, "-n", "0", NULL };
	char *bot_nobody[] = { GAME_BOT, "127.0.0.1", "1", NULL };
	char *bot_skill[] = { GAME_BOT, "-s", "expert", NULL };

	ck_assert_int_eq(run_program(help, "", out, sizeof out, WAIT_MS), 0);
	ck_assert(strstr(out, "-r HZ") && strstr(out, "-b N"));
	ck_assert_int_eq(run_program(bad, "", out, sizeof out, WAIT_MS), 2);
	ck_assert_int_eq(run_program(bot_help, "", out, sizeof out, WAIT_MS), 0);
	ck_assert(strstr(out, "-n N") && strstr(out, "easy, normal or hard"));
	ck_assert_int_eq(run_program(bot_bad, "", out, sizeof out, WAIT_MS), 2);
	ck_assert_int_eq(run_program(bot_skill, "", out, sizeof out, WAIT_MS),
			 2);
	ck_assert_int_eq(run_program(bot_nobody, "", out, sizeof out, WAIT_MS),
			 1);
}
END_TEST

START_TEST(the_server_starts_its_bots)
{
	struct server s;

	server_start(&s, GAME_SERVER, "-t", "30", "-b", "2", NULL);
	int a = join(&s, 1, 400, 300);
	/* Two bots: their SPAWNs reach us one way or another. */
	must_see(a, "SPAWN ");
	must_see(a, "SPAWN ");
	must_see(a, "POS ");
	close(a);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* What `make run` shows: bots fighting, and a watcher that sees every
 * message type of the protocol, each parsed by the strict parser. */
START_TEST(bots_fight_while_a_watcher_sees_every_message_type)
{
	struct server s;
	bool seen[GAME_MSG_TYPE_COUNT] = { false };
	int missing = GAME_MSG_TYPE_COUNT;
	char line[256];
	struct game_msg msg;

	server_start(&s, GAME_SERVER, "-b", "6", NULL);
	int watcher = join(&s, 900, 400, 580);
	int leaver = join(&s, 901, 20, 20);
	close(leaver); /* LEAVE 901, for everyone */
	long long deadline = now_ms() + 12 * WAIT_MS;
	while (missing > 0 && now_ms() < deadline &&
	       recv_line(watcher, line, sizeof line, WAIT_MS)) {
		ck_assert_msg(game_parse_message(line, &msg) == GAME_OK,
			      "the server sent a bad line: %s", line);
		if (!seen[msg.type]) {
			seen[msg.type] = true;
			missing--;
		}
	}
	for (int t = 0; t < GAME_MSG_TYPE_COUNT; t++)
		ck_assert_msg(seen[t], "never saw %s",
			      game_msg_type_name((enum game_msg_type)t));
	close(watcher);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(histogram_percentiles)
{
	static struct game_histogram h; /* 400 KB: not on the stack */

	memset(&h, 0, sizeof h);
	ck_assert(game_histogram_percentile(&h, 50) == 0);
	for (int i = 1; i <= 100; i++)
		game_histogram_add(&h, i * 0.1); /* 0.1 .. 10 ms */
	game_histogram_add(&h, 5000);         /* past the end: counts as 1 s */
	ck_assert_int_eq(h.total, 101);
	ck_assert_double_eq_tol(game_histogram_percentile(&h, 50), 5.1, 0.011);
	ck_assert_double_eq_tol(game_histogram_percentile(&h, 99), 10.0, 0.011);
	ck_assert_double_eq_tol(game_histogram_percentile(&h, 100), 1000, 0.011);
	ck_assert_double_eq(h.worst_ms, 5000);
}
END_TEST

/* The server's "what: N in T s, p50 ... ms, p99 ... ms" line, after -s 1:
 * one a tick, so more than 30 in a second. */
static void check_timing_line(const struct server *s, const char *what)
{
	char prefix[16], format[80];
	long count;
	double secs, p50, p99;

	snprintf(prefix, sizeof prefix, "%s: ", what);
	snprintf(format, sizeof format,
		 "%s%%ld in %%lf s, p50 %%lf ms, p99 %%lf ms", prefix);
	ck_assert_msg(server_log_has(s, prefix, 3 * WAIT_MS), "no %s line",
		      what);
	char *log = server_log(s);
	ck_assert_int_eq(sscanf(strstr(log, prefix), format, &count, &secs,
				&p50, &p99), 4);
	free(log);
	ck_assert(count > 30 && secs >= 1 && p50 <= p99);
}

START_TEST(server_logs_its_tick_and_send_times)
{
	struct server s;

	server_start(&s, "stage5-game/game_server", "-s", "1", NULL);
	check_timing_line(&s, "ticks");
	/* The sender thread's rounds, one a tick, are timed the same way. */
	check_timing_line(&s, "sends");
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

Suite *stage5_suite(void)
{
	Suite *s = suite_create("stage5");
	TCase *protocol = tcase_create("protocol");
	TCase *world = tcase_create("world");
	TCase *server = tcase_create("server");

	tcase_add_test(protocol, parses_every_message_type);
	tcase_add_test(protocol, refuses_malformed_lines);
	tcase_add_test(protocol, formats_what_it_parses);
	tcase_add_test(protocol, formats_numbers_briefly_and_safely);
	tcase_add_test(protocol, names_are_bounded_and_sanitized);
	tcase_add_test(protocol, weapon_table_is_the_contracts);
	tcase_add_test(protocol, hit_rule_is_overlapping_circles);
	tcase_add_test(protocol, histogram_percentiles);
	tcase_add_test(world, spawn_gives_full_hp_and_the_world_state);
	tcase_add_test(world, ids_are_bound_to_connections);
	tcase_add_test(world, positions_stay_in_the_arena_and_under_top_speed);
	tcase_add_test(world, movement_is_budgeted_over_time_not_per_line);
	tcase_add_test(world, newcomers_are_protected_until_they_fire);
	tcase_add_test(world, an_id_that_left_keeps_its_respawn_time);
	tcase_add_test(world, names_are_relayed_and_sent_to_newcomers);
	tcase_add_test(world, shotgun_pellets_are_one_shot);
	tcase_add_test(world, bullets_hit_until_kill_then_the_dead_wait);
	tcase_add_test(world, bullets_leave_the_arena);
	tcase_add_test(world, fire_must_match_the_weapon_held);
	tcase_add_test(world, items_appear_on_schedule_and_are_picked_up);
	tcase_add_test(server, a_kill_is_seen_by_a_third_player);
	tcase_add_test(server, a_newcomer_gets_the_world);
	tcase_add_test(server, cheats_are_refused);
	tcase_add_test(server, the_dead_wait_ten_seconds);
	tcase_add_test(server, leave_when_a_connection_ends);
	tcase_add_test(server, garbage_and_nan_are_survived);
	tcase_add_test(server, nothing_valid_for_a_while_is_dropped);
	tcase_add_test(server, a_connection_that_never_spawns_is_closed);
	tcase_add_test(server, a_flood_is_read_at_240_lines_a_second);
	tcase_add_test(server, a_full_server_says_so);
	tcase_add_test(server, a_hundred_bots);
	tcase_add_test(server, a_player_who_stops_reading_is_dropped);
	tcase_add_test(server, players_come_and_go_while_lines_fly);
	tcase_add_test(server, programs_keep_the_contract);
	tcase_add_test(server, the_server_starts_its_bots);
	tcase_add_test(server, server_logs_its_tick_and_send_times);
	tcase_add_test(server, bots_fight_while_a_watcher_sees_every_message_type);
	tcase_set_timeout(protocol, 60);
	tcase_set_timeout(world, 60);
	tcase_set_timeout(server, 60);
	suite_add_tcase(s, protocol);
	suite_add_tcase(s, world);
	suite_add_tcase(s, server);
	return s;
}
