/*
 * test_client.c - the graphical game client: its message handling and its
 * own player's rules driven frame by frame without a window (client_state),
 * its connection thread against a listening socket in the test
 * (client_net), and the real game_client binary under SDL's dummy video
 * driver, against a scripted server and against game_server with bots.
 */
#include "harness.h"
#include "game.h"
#include "client_state.h"
#include "client_net.h"
#include "compat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define GAME_CLIENT "stage5-game/game_client"
#define GAME_SERVER "stage5-game/game_server"
#define ME 42
#define FRAME (1.0 / 60)

/* ---- client_state: what the client sends, captured ---------------------- */

struct sent {
	char text[64 * 1024];
	size_t len;
	int lines;
};

static void capture(void *ctx, const char *line, size_t len)
{
	struct sent *out = ctx;

	ck_assert_msg(len > 0 && line[len - 1] == '\n', "no newline: %s", line);
	ck_assert(out->len + len < sizeof out->text);
	memcpy(out->text + out->len, line, len);
	out->len += len;
	out->text[out->len] = '\0';
	out->lines++;
}

static struct sent sent;

static void forget_sent(void)
{
	sent.len = 0;
	sent.lines = 0;
	sent.text[0] = '\0';
}

/* The sent lines of one type, parsed; returns how many (at most max). */
static int sent_of(enum game_msg_type type, struct game_msg *out, int max)
{
	char copy[sizeof sent.text], *save, *line;
	int count = 0;

	memcpy(copy, sent.text, sent.len + 1);
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct game_msg m;
		ck_assert_msg(game_parse_message(line, &m) == GAME_OK,
			      "the client sent a bad line: %s", line);
		if (m.type == type && count < max)
			out[count++] = m;
	}
	return count;
}

static struct client_state *state;

/* A repeatable random number in [0, 1) for play.c. */
static double unit_random(void *seed)
{
	return (double)(rand_r(seed) % 10000) / 10000;
}

static void new_state(void)
{
	forget_sent();
	state = calloc(1, sizeof *state);
	ck_assert(state);
	client_state_init(state, ME, 1, 100.0, capture, &sent);
}

static void apply(const char *line, double now)
{
	ck_assert_msg(client_state_apply_line(state, line, now) == GAME_OK,
		      "%s", line);
}

/* Step from state->now to `until` at 60 frames a second. */
static void run_frames(const struct client_input *in, double until)
{
	while (state->now + FRAME <= until + 1e-9)
		client_state_step(state, in, state->now + FRAME);
}

static const struct client_input still = { .aimx = 400, .aimy = 0 };

/* ---- client_state: messages from the server ----------------------------- */

/* What a newcomer sees of the others: names, spawn protection (until the
 * player fires, or 2 s), a flash when hit, where a player died; and our
 * own name goes out once the server has our SPAWN. */
START_TEST(names_shields_hits_and_deaths_are_shown)
{
	struct game_msg names[2];

	new_state();
	snprintf(state->my_name, sizeof state->my_name, "ann");
	client_state_spawn(state, 100.0);
	ck_assert_int_eq(sent_of(GAME_NAME, names, 2), 0);
	char line[64];
	snprintf(line, sizeof line, "SPAWN %d 400 300 100", ME);
	apply(line, 100.1);
	ck_assert_int_eq(sent_of(GAME_NAME, names, 2), 1);
	ck_assert_int_eq(names[0].name.id, ME);
	ck_assert_str_eq(names[0].name.text, "ann");
	apply(line, 100.2); /* no second NAME on this connection */
	ck_assert_int_eq(sent_of(GAME_NAME, names, 2), 1);

	apply("SPAWN 7 100 100 100", 100.0);
	apply("NAME 7 bob", 100.0);
	struct client_player *bob = client_state_find(state, 7);
	ck_assert_str_eq(bob->name, "bob");
	ck_assert(client_state_shielded(bob, 101.9));
	ck_assert(!client_state_shielded(bob, 102.1));
	apply("SPAWN 8 600 100 100", 100.0);
	struct client_player *eve = client_state_find(state, 8);
	ck_assert(client_state_shielded(eve, 100.5));
	apply("FIRE 8 1 620 100 400 0 5 10", 100.5);
	ck_assert(!client_state_shielded(eve, 100.5));
	/* A bad name is no NAME at all: the parser refuses it. */
	ck_assert_int_ne(client_state_apply_line(state, "NAME 8 \xe2\x80\xae"
						 "evil", 100.6), GAME_OK);
	ck_assert_str_eq(eve->name, "");
	apply("HIT 7 8 1 90", 101.0);
	ck_assert_double_eq(eve->hit_at, 101.0);
	apply("KILL 7 8", 102.0);
	ck_assert_double_eq(eve->died_at, 102.0);
	ck_assert_double_eq(eve->died_x, 600);
	ck_assert_double_eq(eve->died_y, 100);
	free(state);
}
END_TEST

START_TEST(spawn_sends_spawn_and_shows_us)
{
	struct game_msg m[4];

	new_state();
	ck_assert_ptr_null(client_state_me(state));
	client_state_spawn(state, 100.0);
	ck_assert_int_eq(sent_of(GAME_SPAWN, m, 4), 1);
	ck_assert_int_eq(m[0].spawn.id, ME);
	ck_assert_double_eq(m[0].spawn.hp, GAME_START_HP);
	ck_assert(game_in_arena(m[0].spawn.x, m[0].spawn.y));
	struct client_player *me = client_state_me(state);
	ck_assert(me && me->alive);
	ck_assert_double_eq(me->x, m[0].spawn.x);

	/* The server's SPAWN is the truth: its hp, its place. */
	apply("SPAWN 42 300 200 100", 100.1);
	ck_assert(state->spawn_confirmed);
	ck_assert_double_eq(me->x, 300);
	free(state);
}
END_TEST

START_TEST(others_move_smoothly_between_pos)
{
	double x, y;

	new_state();
	client_state_spawn(state, 100.0);
	apply("SPAWN 7 100 100 100", 100.0);
	apply("POS 7 100 100 100 -50 400 300", 100.0);
	struct client_player *p = client_state_find(state, 7);
	ck_assert(p && p->alive);
	ck_assert_double_eq(p->aimx, 400);
	/* Half a second later it has moved on by its velocity... */
	client_state_position(p, 100.5, &x, &y);
	ck_assert_double_eq_tol(x, 150, 1e-6);
	ck_assert_double_eq_tol(y, 75, 1e-6);
	/* ...for a second at most, if no POS comes, and never off the map. */
	client_state_position(p, 110.0, &x, &y);
	ck_assert_double_eq_tol(x, 200, 1e-6);
	ck_assert_double_eq_tol(y, 50, 1e-6);
	apply("POS 7 790 5 400 -400 0 0", 111.0);
	client_state_position(p, 111.9, &x, &y);
	ck_assert(game_in_arena(x, y));
	/* A POS for a player never spawned: a learner's server; show it. */
	apply("POS 9 10 10 0 0 0 0", 111.0);
	struct client_player *unspawned = client_state_find(state, 9);
	ck_assert(unspawned && unspawned->alive);
	/* Our own POS echoed back must not pull us back. */
	struct client_player *me = client_state_me(state);
	double my_x = me->x;
	apply("POS 42 1 1 0 0 0 0", 111.0);
	ck_assert_double_eq(me->x, my_x);
	free(state);
}
END_TEST

START_TEST(fire_then_hit_removes_that_bullet_and_sets_hp)
{
	new_state();
	client_state_spawn(state, 100.0);
	apply("SPAWN 7 100 100 100", 100.0);
	apply("SPAWN 8 700 500 100", 100.0);
	/* Two players' bullets may share an id: they are two bullets. */
	apply("FIRE 7 3 120 100 400 0 5 10", 100.0);
	apply("FIRE 8 3 680 500 -400 0 5 10", 100.0);
	ck_assert_int_eq(state->bullet_count, 2);
	client_state_step(state, &still, 100.25);
	ck_assert_double_eq_tol(state->bullets[0].x, 220, 1e-6);
	apply("HIT 7 8 3 90", 100.3);
	ck_assert_int_eq(state->bullet_count, 1);
	ck_assert_int_eq(state->bullets[0].shooter_id, 8);
	ck_assert_double_eq(client_state_find(state, 8)->hp, 90);
	/* A HIT for a bullet we never saw still sets the hp. */
	apply("HIT 7 8 99 70", 100.3);
	ck_assert_double_eq(client_state_find(state, 8)->hp, 70);
	/* The other bullet leaves the arena on its own. */
	run_frames(&still, 102.5);
	ck_assert_int_eq(state->bullet_count, 0);
	free(state);
}
END_TEST

START_TEST(kills_count_feed_and_we_respawn_after_ten_seconds)
{
	struct game_msg m[64];
	struct client_input trigger = still;

	new_state();
	client_state_spawn(state, 100.0);
	apply("SPAWN 42 400 300 100", 100.0);
	apply("SPAWN 7 100 100 100", 100.0);
	apply("KILL 42 7", 101.0);
	apply("KILL 7 42", 102.0);
	ck_assert_int_eq(client_state_me(state)->kills, 1);
	ck_assert_int_eq(client_state_me(state)->deaths, 1);
	ck_assert_int_eq(client_state_find(state, 7)->kills, 1);
	ck_assert(!client_state_me(state)->alive);
	ck_assert_int_eq(state->feed_count, 2);
	ck_assert_int_eq(state->feed[1].atk_id, 7);
	ck_assert_double_eq_tol(client_state_respawn_in(state, 102.0), 10,
				1e-9);

	/* Dead: the trigger does nothing, POS only as a keep-alive. */
	state->now = 102.0;
	forget_sent();
	trigger.firing = true;
	run_frames(&trigger, 111.9);
	ck_assert_int_eq(sent_of(GAME_FIRE, m, 64), 0);
	ck_assert_int_eq(sent_of(GAME_SPAWN, m, 64), 0);
	int keepalives = sent_of(GAME_POS, m, 64);
	ck_assert_msg(keepalives >= 8 && keepalives <= 11, "%d", keepalives);
	ck_assert_int_eq(state->feed_count, 0); /* the feed forgets */
	run_frames(&trigger, 112.1);
	ck_assert_int_eq(sent_of(GAME_SPAWN, m, 64), 1);
	ck_assert_int_eq(m[0].spawn.id, ME);
	ck_assert(client_state_me(state)->alive);
	ck_assert_double_eq(client_state_respawn_in(state, 112.1), -1);
	free(state);
}
END_TEST

START_TEST(items_come_and_go_and_change_our_weapon)
{
	struct game_msg m[16];
	struct client_input trigger = { .firing = true, .aimx = 800,
					.aimy = 300 };

	new_state();
	client_state_spawn(state, 100.0);
	apply("SPAWN 42 400 300 100", 100.0);
	apply("PUTITEM 1 50 50 BIGGUN", 100.0);
	apply("PUTITEM 2 60 60 SHOTGUN", 100.0);
	ck_assert_int_eq(state->item_count, 2);
	apply("GETITEM 7 1 BIGGUN", 100.0);
	ck_assert_int_eq(state->item_count, 1);
	ck_assert_int_eq(state->weapon, GAME_GUN);
	apply("GETITEM 42 2 SHOTGUN", 100.0);
	ck_assert_int_eq(state->item_count, 0);
	ck_assert_int_eq(state->weapon, GAME_SHOTGUN);

	/* One shotgun shot: six FIRE lines, the weapon's r and dmg, its
	 * speed, fanned over 30 degrees, starting near us. */
	forget_sent();
	client_state_step(state, &trigger, 100.0 + FRAME);
	ck_assert_int_eq(sent_of(GAME_FIRE, m, 16), 6);
	double low = INFINITY, high = -INFINITY;
	for (int i = 0; i < 6; i++) {
		ck_assert_double_eq(m[i].fire.r, 4);
		ck_assert_double_eq(m[i].fire.dmg, 8);
		ck_assert_double_eq_tol(hypot(m[i].fire.vx, m[i].fire.vy),
					450, 0.05);
		ck_assert(hypot(m[i].fire.x - 400, m[i].fire.y - 300) <
			  GAME_FIRE_REACH);
		double a = atan2(m[i].fire.vy, m[i].fire.vx) * 180 / M_PI;
		low = fmin(low, a);
		high = fmax(high, a);
	}
	ck_assert_double_eq_tol(high - low, 30, 0.1);
	ck_assert_int_ne(m[0].fire.bullet_id, m[1].fire.bullet_id);
	free(state);
}
END_TEST

START_TEST(holding_fire_keeps_the_weapons_rate)
{
	struct game_msg m[64];
	struct client_input trigger = { .firing = true, .aimx = 0, .aimy = 0 };

	new_state();
	client_state_spawn(state, 100.0);
	forget_sent();
	run_frames(&trigger, 101.0);
	/* GUN: 0.25 s between shots, so 4 in a second (at 0, .25, .5, .75
	 * give or take a frame). */
	int shots = sent_of(GAME_FIRE, m, 64);
	ck_assert_msg(shots == 4, "%d shots", shots);
	ck_assert_double_eq(m[0].fire.r, 5);
	ck_assert_double_eq(m[0].fire.dmg, 10);
	ck_assert_int_eq(state->shots_fired, 4);
	free(state);
}
END_TEST

START_TEST(pos_goes_at_a_steady_rate_and_on_change)
{
	struct game_msg m[64];
	struct client_input walk = still;

	new_state();
	client_state_spawn(state, 100.0);
	forget_sent();
	run_frames(&still, 101.0);
	int steady = sent_of(GAME_POS, m, 64);
	ck_assert_msg(steady >= 9 && steady <= 11, "%d POS", steady);

	/* Pressing a key sends a POS in the very same frame. */
	forget_sent();
	walk.right = walk.down = true;
	client_state_step(state, &walk, 101.0 + FRAME);
	ck_assert_int_eq(sent_of(GAME_POS, m, 64), 1);
	/* Diagonally no faster than the top speed. */
	ck_assert_double_eq_tol(hypot(m[0].pos.vx, m[0].pos.vy),
				GAME_TOP_SPEED, 0.05);
	/* Walking into a wall for five seconds stops at the wall. */
	run_frames(&walk, 106.0);
	ck_assert_double_eq(client_state_me(state)->x, GAME_WIDTH);
	ck_assert_double_eq(client_state_me(state)->y, GAME_HEIGHT);
	free(state);
}
END_TEST

START_TEST(spawn_is_sent_again_if_it_does_not_come_back)
{
	struct game_msg m[8];

	new_state();
	client_state_spawn(state, 100.0);
	run_frames(&still, 110.0);
	/* The first and CLIENT_SPAWN_RETRIES more, then no more. */
	ck_assert_int_eq(sent_of(GAME_SPAWN, m, 8), 1 + CLIENT_SPAWN_RETRIES);
	free(state);
}
END_TEST

START_TEST(leave_removes_the_player)
{
	new_state();
	apply("SPAWN 7 100 100 100", 100.0);
	apply("SPAWN 8 100 100 100", 100.0);
	apply("LEAVE 7", 100.0);
	ck_assert_ptr_null(client_state_find(state, 7));
	ck_assert_ptr_nonnull(client_state_find(state, 8));
	apply("LEAVE 12345", 100.0); /* never seen: nothing happens */
	ck_assert_int_eq(state->player_count, 1);
	/* A server cannot remove us: we would never respawn. */
	client_state_spawn(state, 100.0);
	apply("LEAVE 42", 100.0);
	ck_assert_ptr_nonnull(client_state_me(state));
	free(state);
}
END_TEST

START_TEST(bad_lines_change_nothing)
{
	static const char *const bad[] = {
		"", "   ", "CHAT hello", "spawn 1 2 3 4", "SPAWN 1 2 3",
		"SPAWN 1 2 3 4 5", "SPAWN 0 1 1 100", "SPAWN -3 1 1 100",
		"SPAWN 1 nan 1 100", "SPAWN 1 inf 1 100", "SPAWN 1 1e999 1 1",
		"SPAWN 1 0x10 1 1", "SPAWN 99999999999 1 1 1", "POS 1 2",
		"FIRE 1 x 1 1 1 1 1 1", "HIT 1 2 3", "KILL 1", "KILL 1 2 3",
		"PUTITEM 1 2 3 LASER", "GETITEM 1 2 gun", "LEAVE", "LEAVE 1 2",
		"\xff\xfe\x80 1 2", "SPAWN\x01 1 1 1 1",
	};
	char too_long[400];

	new_state();
	client_state_spawn(state, 100.0);
	apply("SPAWN 7 100 100 100", 100.0);
	struct client_state *before = malloc(sizeof *before);
	ck_assert(before);
	memcpy(before, state, sizeof *state);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(client_state_apply_line(state, bad[i], 100.0) !=
			      GAME_OK, "accepted \"%s\"", bad[i]);
	memset(too_long, '1', sizeof too_long - 1);
	memcpy(too_long, "POS ", 4);
	too_long[sizeof too_long - 1] = '\0';
	ck_assert_int_eq(client_state_apply_line(state, too_long, 100.0),
			 GAME_ERR_TOO_LONG);
	/* A type from a newer protocol is reported as such, and ignored. */
	ck_assert_int_eq(client_state_apply_line(state, "TEAM 1 red", 100.0),
			 GAME_ERR_UNKNOWN_TYPE);
	ck_assert(memcmp(before, state, sizeof *state) == 0);
	free(before);
	free(state);
}
END_TEST

START_TEST(a_flooding_server_fills_tables_not_memory)
{
	char line[128];

	new_state();
	for (int id = 1; id <= 3 * CLIENT_MAX_PLAYERS; id++) {
		snprintf(line, sizeof line, "SPAWN %d 10 10 100", id);
		apply(line, 100.0);
	}
	ck_assert_int_eq(state->player_count, CLIENT_MAX_PLAYERS);
	for (int b = 0; b < 2 * CLIENT_MAX_BULLETS; b++) {
		snprintf(line, sizeof line, "FIRE 1 %d 400 300 0 0 1000000 1",
			 b);
		apply(line, 100.0);
	}
	ck_assert_int_eq(state->bullet_count, CLIENT_MAX_BULLETS);
	/* A huge radius is drawn no bigger than CLIENT_MAX_BULLET_R. */
	ck_assert_double_eq(state->bullets[0].r, CLIENT_MAX_BULLET_R);
	/* Bullets that never move still go after CLIENT_BULLET_LIFE. */
	run_frames(&still, 100.0 + CLIENT_BULLET_LIFE + 0.1);
	ck_assert_int_eq(state->bullet_count, 0);
	for (int i = 0; i < 2 * CLIENT_MAX_ITEMS; i++) {
		snprintf(line, sizeof line, "PUTITEM %d -5 9999 GUN", i);
		apply(line, 100.0);
	}
	ck_assert_int_eq(state->item_count, CLIENT_MAX_ITEMS);
	ck_assert(game_in_arena(state->items[0].x, state->items[0].y));
	for (int i = 0; i < 100; i++)
		apply("KILL 1 2", 100.0);
	ck_assert_int_eq(state->feed_count, CLIENT_FEED_LINES);
	free(state);
}
END_TEST

START_TEST(ranking_is_kills_then_fewest_deaths)
{
	int order[CLIENT_MAX_PLAYERS];

	new_state();
	apply("SPAWN 1 10 10 100", 100.0);
	apply("SPAWN 2 10 10 100", 100.0);
	apply("SPAWN 3 10 10 100", 100.0);
	apply("KILL 2 1", 100.0);
	apply("KILL 3 1", 100.0);
	apply("KILL 3 2", 100.0);
	apply("KILL 1 3", 100.0);
	/* kills: 3 has 2; 2 and 1 have 1, with 1 and 2 deaths. */
	ck_assert_int_eq(client_state_ranking(state, order, 10), 3);
	ck_assert_int_eq(state->players[order[0]].id, 3);
	ck_assert_int_eq(state->players[order[1]].id, 2);
	ck_assert_int_eq(state->players[order[2]].id, 1);
	ck_assert_int_eq(client_state_ranking(state, order, 2), 2);
	ck_assert_int_eq(state->players[order[1]].id, 2);
	free(state);
}
END_TEST

START_TEST(autopilot_aims_at_the_nearest_and_fires)
{
	struct client_input in;
	bool fired = false;

	new_state();
	/* We came first: our own protection (2 s) is over at 100, when the
	 * other two come. */
	client_state_spawn(state, 98.0);
	apply("SPAWN 42 400 300 100", 98.0);
	apply("SPAWN 7 380 290 100", 100.0);
	apply("SPAWN 8 450 320 100", 100.0);
	/* Both are spawn-protected: no shot at them. */
	for (double t = 100.0; t < 101.0; t += FRAME) {
		client_state_autopilot(state, t, &in);
		ck_assert(!in.firing);
	}
	/* 8 fires, which ends its protection; 7, nearer, is still shielded
	 * (until 102). */
	apply("FIRE 8 1 440 320 -400 0 5 10", 101.0);
	for (double t = 101.0; t < 101.95 && !fired; t += FRAME) {
		client_state_autopilot(state, t, &in);
		fired = in.firing;
	}
	ck_assert(fired);
	/* At 8 (up to the easy level's 14 degrees off), not at 7. */
	double off = atan2(in.aimy - 300, in.aimx - 400) - atan2(20, 50);
	ck_assert_msg(fabs(off) <= play_skills[PLAY_EASY].aim_error * M_PI /
		      180 + 1e-9, "aimed %.1f degrees off", off * 180 / M_PI);
	/* Over a few seconds it moves. */
	for (double t = 100.0; t < 103.0; t += FRAME) {
		client_state_autopilot(state, t, &in);
		client_state_step(state, &in, t);
	}
	ck_assert(hypot(client_state_me(state)->x - 400,
			client_state_me(state)->y - 300) > 50);
	free(state);
}
END_TEST

/* ---- client_net: against a listening socket in the test ------------------ */

/* A socket listening on 127.0.0.1 at a free port, written to port. */
static int listen_loopback(char port[8])
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof addr;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert(fd >= 0);
	ck_assert(bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0);
	ck_assert(listen(fd, 8) == 0);
	ck_assert(getsockname(fd, (struct sockaddr *)&addr, &len) == 0);
	snprintf(port, 8, "%d", ntohs(addr.sin_port));
	return fd;
}

static int accept_within(int listen_fd, int timeout_ms)
{
	struct pollfd p = { .fd = listen_fd, .events = POLLIN };

	ck_assert_msg(poll(&p, 1, timeout_ms) == 1, "nobody connected");
	int fd = accept(listen_fd, NULL, NULL);
	ck_assert(fd >= 0);
	return fd;
}

static enum client_link wait_link(struct client_net *n, enum client_link want,
				  char *why, size_t cap)
{
	long long deadline = now_ms() + WAIT_MS;
	enum client_link link;

	while ((link = client_net_link(n, why, cap)) != want &&
	       now_ms() < deadline)
		sleep_us(5000);
	return link;
}

/* Take `count` lines from n within WAIT_MS into lines. */
static int take_lines(struct client_net *n, char lines[][CLIENT_LINE_CAP],
		      int count)
{
	long long deadline = now_ms() + WAIT_MS;
	int got = 0;

	while (got < count && now_ms() < deadline) {
		int taken = client_net_take(n, lines + got, count - got);
		got += taken;
		if (taken == 0)
			sleep_us(2000);
	}
	return got;
}

static struct client_net *net;
static char (*lines)[CLIENT_LINE_CAP];

static void new_net(void)
{
	net = calloc(1, sizeof *net);
	lines = calloc(8 * CLIENT_QUEUE_LINES, CLIENT_LINE_CAP);
	ck_assert(net && lines);
}

static void free_net(void)
{
	client_net_stop(net);
	free(net);
	free(lines);
}

START_TEST(net_delivers_lines_split_or_merged)
{
	char port[8];
	int listener = listen_loopback(port);

	new_net();
	ck_assert_int_eq(client_net_start(net, "127.0.0.1", port), 0);
	int fd = accept_within(listener, WAIT_MS);
	ck_assert_int_eq(wait_link(net, CLIENT_CONNECTED, NULL, 0),
			 CLIENT_CONNECTED);
	ck_assert(send_str(fd, "SPAWN 1 2 3 100\nPOS 1 "));
	sleep_us(50000);
	ck_assert(send_str(fd, "2 3 4 5 6 7\r\nLEAVE 1\n"));
	ck_assert_int_eq(take_lines(net, lines, 3), 3);
	ck_assert_str_eq(lines[0], "SPAWN 1 2 3 100");
	ck_assert_str_eq(lines[1], "POS 1 2 3 4 5 6 7");
	ck_assert_str_eq(lines[2], "LEAVE 1");

	/* And what we send arrives. */
	char back[64];
	client_net_send(net, "POS 2 1 1 0 0 0 0\n", 18);
	client_net_flush(net);
	ck_assert_ptr_nonnull(recv_line(fd, back, sizeof back, WAIT_MS));
	ck_assert_str_eq(back, "POS 2 1 1 0 0 0 0");
	close(fd);
	close(listener);
	free_net();
}
END_TEST

START_TEST(net_skips_long_lines_and_nul_bytes)
{
	char port[8], big[5000];
	int listener = listen_loopback(port);
	long received, skipped;

	new_net();
	client_net_start(net, "127.0.0.1", port);
	int fd = accept_within(listener, WAIT_MS);
	memset(big, 'x', sizeof big - 2);
	big[sizeof big - 2] = '\n';
	big[sizeof big - 1] = '\0';
	ck_assert(send_str(fd, "LEAVE 1\n"));
	ck_assert(send_str(fd, big));
	ck_assert(send_bytes(fd, "KILL 1\0 2\n", 10));
	ck_assert(send_str(fd, "LEAVE 2\n"));
	ck_assert_int_eq(take_lines(net, lines, 2), 2);
	ck_assert_str_eq(lines[0], "LEAVE 1");
	ck_assert_str_eq(lines[1], "LEAVE 2");
	client_net_counts(net, &received, &skipped);
	ck_assert_int_eq(received, 2);
	ck_assert_int_eq(skipped, 2);
	close(fd);
	close(listener);
	free_net();
}
END_TEST

START_TEST(net_a_full_queue_loses_nothing)
{
	enum { LINES = 3 * CLIENT_QUEUE_LINES };
	char port[8], line[32];
	int listener = listen_loopback(port);

	new_net();
	client_net_start(net, "127.0.0.1", port);
	int fd = accept_within(listener, WAIT_MS);
	/* Three queues' worth before the test takes any: the thread waits
	 * for room and TCP holds the rest. */
	for (int i = 0; i < LINES; i++) {
		snprintf(line, sizeof line, "LEAVE %d\n", i + 1);
		ck_assert(send_str(fd, line));
	}
	sleep_us(100000);
	ck_assert_int_eq(take_lines(net, lines, LINES), LINES);
	for (int i = 0; i < LINES; i++) {
		snprintf(line, sizeof line, "LEAVE %d", i + 1);
		ck_assert_str_eq(lines[i], line);
	}
	close(fd);
	close(listener);
	free_net();
}
END_TEST

START_TEST(net_reports_a_refused_connection)
{
	char port[8], why[CLIENT_WHY_LEN];
	int listener = listen_loopback(port);

	close(listener); /* now nobody listens there */
	new_net();
	client_net_start(net, "127.0.0.1", port);
	ck_assert_int_eq(wait_link(net, CLIENT_FAILED, why, sizeof why),
			 CLIENT_FAILED);
	ck_assert_msg(strstr(why, "cannot connect") && strstr(why, "refused"),
		      "%s", why);
	/* Nothing to send to: it is dropped, nothing breaks. */
	client_net_send(net, "LEAVE 1\n", 8);
	client_net_flush(net);
	free_net();
}
END_TEST

START_TEST(net_reports_a_server_that_goes_away)
{
	char port[8], why[CLIENT_WHY_LEN];
	int listener = listen_loopback(port);

	new_net();
	client_net_start(net, "127.0.0.1", port);
	int fd = accept_within(listener, WAIT_MS);
	ck_assert(send_str(fd, "LEAVE 1\nLEAVE 2"));
	close(fd);
	ck_assert_int_eq(wait_link(net, CLIENT_LOST, why, sizeof why),
			 CLIENT_LOST);
	ck_assert_msg(strstr(why, "closed"), "%s", why);
	/* What came before the end is still there. */
	ck_assert_int_eq(take_lines(net, lines, 2), 2);
	ck_assert_str_eq(lines[1], "LEAVE 2");
	close(listener);
	free_net();
}
END_TEST

START_TEST(net_stops_at_once_even_while_connecting)
{
	char port[8];
	int listener = listen_loopback(port);

	/* Connected, and the server silent: stop wakes the reader. */
	new_net();
	client_net_start(net, "127.0.0.1", port);
	int fd = accept_within(listener, WAIT_MS);
	wait_link(net, CLIENT_CONNECTED, NULL, 0);
	long long start = now_ms();
	free_net();
	ck_assert_msg(now_ms() - start < 1000, "stop took %lld ms",
		      now_ms() - start);
	close(fd);
	close(listener);

	/* Connecting to an address that never answers (TEST-NET-1): stop
	 * does not wait for the connect time-out. */
	new_net();
	client_net_start(net, "192.0.2.1", "10005");
	sleep_us(50000);
	start = now_ms();
	free_net();
	ck_assert_msg(now_ms() - start < 1000, "stop took %lld ms",
		      now_ms() - start);
}
END_TEST

/* ---- The game_client program -------------------------------------------- */

struct client_run {
	pid_t pid;
	char out_path[64], err_path[64];
	char out[4096], err[16384];
};

static int temp_file(char path[64])
{
	strcpy(path, "/tmp/socket-workshop-client-XXXXXX");
	int fd = mkstemp(path);
	ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
	return fd;
}

/* Start game_client with argv under SDL's dummy video driver: no window
 * on screen, the software renderer draws in memory. */
static void client_start(struct client_run *run, char **argv)
{
	int out = temp_file(run->out_path), err = temp_file(run->err_path);

	run->pid = fork();
	ck_assert(run->pid >= 0);
	if (run->pid == 0) {
		die_with_parent(SIGKILL);
		setenv("SDL_VIDEODRIVER", "dummy", 1);
		if (dup2(out, STDOUT_FILENO) < 0 ||
		    dup2(err, STDERR_FILENO) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	close(out);
	close(err);
}

static void read_file(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, cap - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
	unlink(path);
}

/* Wait (bounded) for the client to end; its exit status, or -1. */
static int client_finish(struct client_run *run, int timeout_ms)
{
	int status = reap_or_kill(run->pid, timeout_ms);

	read_file(run->out_path, run->out, sizeof run->out);
	read_file(run->err_path, run->err, sizeof run->err);
	ck_assert_msg(!strstr(run->err, "Sanitizer") &&
		      !strstr(run->err, "runtime error:"),
		      "sanitizer report from game_client:\n%.3000s", run->err);
	if (status == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void require_client(void)
{
	ck_assert_msg(access(GAME_CLIENT, X_OK) == 0, GAME_CLIENT " is not "
		      "built: install libsdl2-dev libsdl2-ttf-dev (make test "
		      "does) and run make");
}

/* The numbers of the client's summary line. */
struct summary {
	int id;
	long frames, received, skipped, malformed, shots;
	int players;
};

static struct summary read_summary(const char *out)
{
	struct summary s;
	const char *line = strstr(out, "game_client: id");

	ck_assert_msg(line, "no summary in: %s", out);
	ck_assert_msg(sscanf(line, "game_client: id %d, %ld frames, %ld lines "
			     "received, %ld skipped, %ld not understood, %d "
			     "players at most, %ld shots fired", &s.id,
			     &s.frames, &s.received, &s.skipped, &s.malformed,
			     &s.players, &s.shots) == 7, "summary: %s", line);
	return s;
}

/* ---- A screenshot that is not blank ------------------------------------- */

static uint32_t little_endian(const unsigned char *p, int bytes)
{
	uint32_t v = 0;

	for (int i = bytes - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* How many pixels of the 32-bit BMP at `path` have one of the player
 * colours of client_draw.c (ourselves and the palette of the others). */
static long player_pixels(const char *path, int *width, int *height)
{
	static const uint32_t colours[] = {
		0x5adc78, 0xe65a50, 0x5a96f0, 0xf0a03c, 0xbe6ee6, 0x50d2dc,
		0xf06eb4, 0xfae65a, 0xa07850, 0x7882ff, 0xff9682, 0x00a08c,
		0xc8c8c8,
	};
	unsigned char *bmp = malloc(4 << 20);
	FILE *f = fopen(path, "rb");
	long count = 0;

	ck_assert_msg(f, "no screenshot at %s", path);
	ck_assert(bmp);
	size_t size = fread(bmp, 1, 4 << 20, f);
	fclose(f);
	ck_assert_msg(size > 54 && bmp[0] == 'B' && bmp[1] == 'M', "not a BMP");
	uint32_t offset = little_endian(bmp + 10, 4);
	*width = (int)little_endian(bmp + 18, 4);
	*height = abs((int32_t)little_endian(bmp + 22, 4));
	ck_assert_int_eq(little_endian(bmp + 28, 2), 32);
	ck_assert(offset + (size_t)*width * *height * 4 <= size);
	for (long i = 0; i < (long)*width * *height; i++) {
		uint32_t rgb = little_endian(bmp + offset + 4 * i, 4) &
			       0xffffff;
		for (size_t c = 0; c < sizeof colours / sizeof colours[0]; c++)
			count += rgb == colours[c];
	}
	free(bmp);
	return count;
}

/* Whether the server's "disconnect from ... (N lines, M malformed, ...)"
 * line says N > 0 and M == 0. */
static bool our_lines_were_understood(const struct server *s)
{
	char *log = server_log(s);
	char *line = log ? strstr(log, "disconnect from") : NULL;
	char *counts = line ? strchr(line, '(') : NULL;
	long lines = 0, malformed = -1;

	if (counts)
		sscanf(counts, "(%ld lines, %ld malformed", &lines, &malformed);
	if (lines <= 0 || malformed != 0)
		fprintf(stderr, "server log:\n%s\n", log ? log : "(none)");
	free(log);
	return lines > 0 && malformed == 0;
}

START_TEST(client_plays_against_the_server_and_its_bots)
{
	struct server s;
	struct client_run run;
	char shot[64];
	int width, height;

	require_client();
	close(temp_file(shot));
	server_start(&s, GAME_SERVER, "-t", "2", "-b", "3", NULL);
	/* The bots are in when the server has logged their three connects. */
	ck_assert_msg(server_log_reaches(&s, ": connect from", 3, WAIT_MS), "the bots did not connect");
	/* A hard autopilot: it fires at any range, soon after the bots' spawn
	 * protection ends. */
	char *argv[] = { GAME_CLIENT, "--autopilot", "--skill", "hard",
			 "--frames", "240", "--screenshot", shot, "127.0.0.1",
			 s.port_text, NULL };
	client_start(&run, argv);
	int status = client_finish(&run, 12 * WAIT_MS);
	ck_assert_msg(status == 0, "exit %d: %s", status, run.err);
	struct summary sum = read_summary(run.out);
	ck_assert_int_eq(sum.frames, 240);
	ck_assert_msg(sum.received > 0 && sum.malformed == 0 &&
		      sum.skipped == 0, "%s", run.out);
	/* Ourselves and at least one bot alive at the same time. */
	ck_assert_msg(sum.players >= 2, "saw %d players: %s", sum.players,
		      run.out);
	ck_assert_msg(sum.shots > 0, "%s", run.out);
	/* The server understood every line we sent (the bots are still
	 * connected: the one disconnect is ours). */
	ck_assert(server_log_has(&s, "disconnect from", WAIT_MS));
	ck_assert_msg(our_lines_were_understood(&s), "see the server log");
	ck_assert_int_eq(server_stop(&s), 0);
	long pixels = player_pixels(shot, &width, &height);
	unlink(shot);
	ck_assert_int_eq(width, (int)GAME_WIDTH);
	/* The arena, and the status strip under it. */
	ck_assert_int_eq(height, (int)GAME_HEIGHT + CLIENT_HUD_HEIGHT);
	/* A player is ~700 pixels of its colour: at least one is drawn. */
	ck_assert_msg(pixels > 500, "only %ld player pixels", pixels);
}
END_TEST

/* The next line from the client, parsed, or false when none came before
 * `deadline`. */
static bool next_from_client(int fd, long long deadline, struct game_msg *m)
{
	char line[256];

	if (now_ms() >= deadline || !recv_line(fd, line, sizeof line, WAIT_MS))
		return false;
	ck_assert_msg(game_parse_message(line, m) == GAME_OK,
		      "the client sent a bad line: %s", line);
	return true;
}

/* Twice the usual wait: under a sanitizer on a loaded machine the client's
 * frames come slowly. */
#define CLIENT_WAIT_MS (2 * WAIT_MS)

/* Read lines from the client until one of type `type` comes; its parse. */
static struct game_msg expect_from_client(int fd, enum game_msg_type type)
{
	struct game_msg m;
	long long deadline = now_ms() + CLIENT_WAIT_MS;

	while (next_from_client(fd, deadline, &m))
		if (m.type == type)
			return m;
	ck_abort_msg("no %s from the client", game_msg_type_name(type));
	return m;
}

/* Keep player `enemy` 60 px beside the client, moved at each POS it sends,
 * until it fires the shotgun at it. The autopilot walks where it likes
 * and holds its fire while its spawn shield lasts: an enemy that stayed
 * put would be in the shotgun's short reach only by luck. */
static struct game_msg expect_shotgun_fire_at(int fd, int enemy)
{
	char line[128];
	struct game_msg m;
	long long deadline = now_ms() + CLIENT_WAIT_MS;

	while (next_from_client(fd, deadline, &m)) {
		if (m.type == GAME_FIRE && m.fire.r == 4)
			return m;
		if (m.type != GAME_POS)
			continue;
		double beside = m.pos.x > GAME_WIDTH / 2 ? -60 : 60;
		snprintf(line, sizeof line, "POS %d %.0f %.0f 0 0 0 0\n", enemy,
			 m.pos.x + beside, m.pos.y);
		ck_assert(send_str(fd, line));
	}
	ck_abort_msg("no shotgun FIRE from the client");
	return m;
}

START_TEST(client_survives_a_hostile_server_that_then_leaves)
{
	static const char *const junk[] = {
		"CHAT hello\n", "SPAWN\n", "SPAWN 1 2 3 nan\n", "POS 1e999\n",
		"FIRE 5 1 1 1 1 1 1 1 1 1\n", "KILL -1 -2\n",
		"GETITEM 1 2 LASER\n", "\xff\xfe garbage\n", "\n", "   \r\n",
	};
	char port[8], line[256], big[100000];
	struct client_run run;
	int listener = listen_loopback(port);

	require_client();
	/* Frames enough to outlast the exchange even on a slow machine: the
	 * client must still be there when the server hangs up. */
	char *argv[] = { GAME_CLIENT, "--autopilot", "--frames", "1200",
			 "127.0.0.1", port, NULL };
	client_start(&run, argv);
	int fd = accept_within(listener, 2 * WAIT_MS);
	struct game_msg spawn = expect_from_client(fd, GAME_SPAWN);
	int me = spawn.spawn.id;
	ck_assert_int_gt(me, 0);
	ck_assert_double_eq(spawn.spawn.hp, GAME_START_HP);

	for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++)
		ck_assert(send_str(fd, junk[i]));
	memset(big, 'A', sizeof big - 2);
	big[sizeof big - 2] = '\n';
	big[sizeof big - 1] = '\0';
	ck_assert(send_str(fd, big));
	ck_assert(send_bytes(fd, "LEAVE 3\0\n", 9));
	/* Player 5 appears 100 px from us, within the autopilot's range, and
	 * fires: its spawn protection is over. */
	double x5 = spawn.spawn.x > 400 ? spawn.spawn.x - 100
					 : spawn.spawn.x + 100;
	snprintf(line, sizeof line, "SPAWN %d %.0f %.0f 100\nSPAWN 5 %.0f %.0f "
		 "100\nPOS 5 %.0f %.0f 10 0 0 0\nFIRE 5 1 120 100 400 0 5 10\n"
		 "HIT 5 %d 1 90\nPUTITEM 1 20 20 SHOTGUN\nGETITEM %d 1 "
		 "SHOTGUN\n", me, spawn.spawn.x, spawn.spawn.y, x5,
		 spawn.spawn.y, x5, spawn.spawn.y, me, me);
	ck_assert(send_str(fd, line));
	/* The autopilot fires at player 5 with the shotgun now: r 4. */
	struct game_msg fire = expect_shotgun_fire_at(fd, 5);
	ck_assert_int_eq(fire.fire.id, me);
	ck_assert_int_eq(expect_from_client(fd, GAME_POS).pos.id, me);
	ck_assert(send_str(fd, "KILL 5 7\nLEAVE 5\nTEAM 1 red\n"));
	/* Then the server goes away; the client says so and ends with 1. */
	close(fd);
	close(listener);
	int status = client_finish(&run, 12 * WAIT_MS);
	ck_assert_msg(status == 1, "exit %d: %s", status, run.err);
	ck_assert_msg(strstr(run.err, "connection lost"), "%s", run.err);
	struct summary sum = read_summary(run.out);
	/* The junk lines, and TEAM; the long one and the NUL were skipped. */
	ck_assert_msg(sum.malformed == 11 && sum.skipped == 2, "%s", run.out);
}
END_TEST

START_TEST(client_reports_a_refused_connection)
{
	char port[8];
	struct client_run run;
	int listener = listen_loopback(port);

	require_client();
	close(listener);
	char *argv[] = { GAME_CLIENT, "--frames", "20", "127.0.0.1", port,
			 NULL };
	client_start(&run, argv);
	int status = client_finish(&run, 6 * WAIT_MS);
	ck_assert_msg(status == 1, "exit %d: %s", status, run.err);
	ck_assert_msg(strstr(run.err, "cannot connect"), "%s", run.err);
}
END_TEST

START_TEST(client_takes_its_options)
{
	char out[4096];
	char *help[] = { GAME_CLIENT, "-h", NULL };
	char *bad_frames[] = { GAME_CLIENT, "--frames", "x", NULL };
	char *bad_flag[] = { GAME_CLIENT, "-Z", NULL };
	char *bad_port[] = { GAME_CLIENT, "localhost", "99999", NULL };
	char *bad_name[] = { GAME_CLIENT, "--name", "a\xe2\x80\xae" "b", NULL };
	char *bad_skill[] = { GAME_CLIENT, "--skill", "expert", NULL };

	require_client();
	ck_assert_int_eq(run_program(help, "", out, sizeof out, WAIT_MS), 0);
	ck_assert_msg(strstr(out, "usage") && strstr(out, "--autopilot"), "%s",
		      out);
	ck_assert_int_eq(run_program(bad_frames, "", out, sizeof out,
				     WAIT_MS), 2);
	ck_assert_int_eq(run_program(bad_flag, "", out, sizeof out,
				     WAIT_MS), 2);
	ck_assert_int_eq(run_program(bad_port, "", out, sizeof out,
				     WAIT_MS), 2);
	ck_assert_int_eq(run_program(bad_name, "", out, sizeof out,
				     WAIT_MS), 2);
	ck_assert_int_eq(run_program(bad_skill, "", out, sizeof out,
				     WAIT_MS), 2);
}
END_TEST

/* A spawn point is away from the others: of the candidates, the one
 * furthest from its nearest player. */
START_TEST(spawn_points_keep_away_from_the_others)
{
	const struct play_target crowd[] = {
		{ 1, 100, 100, false }, { 2, 150, 120, false },
		{ 3, 120, 500, false }, { 4, 700, 100, false },
	};
	unsigned int seed = 7;

	for (int run = 0; run < 50; run++) {
		double x, y, nearest = INFINITY;
		play_spawn_point(crowd, 4, 50, unit_random, &seed, &x, &y);
		ck_assert(x >= 50 && x <= GAME_WIDTH - 50 && y >= 50 &&
			  y <= GAME_HEIGHT - 50);
		for (int i = 0; i < 4; i++)
			nearest = fmin(nearest, hypot(crowd[i].x - x,
						      crowd[i].y - y));
		/* Half the arena is 200 px or more from everyone. */
		ck_assert_msg(nearest > 150, "spawned %.0f px from a player",
			      nearest);
	}
}
END_TEST

/* A view of one moment for play.c: us at (x, y) with a GUN. */
static struct play_view view_at(double x, double y, double now,
				const struct play_target *targets, int count,
				unsigned int *seed)
{
	return (struct play_view){ .now = now, .id = 1, .x = x, .y = y,
				   .weapon = GAME_GUN, .hp = GAME_START_HP,
				   .targets = targets,
				   .target_count = count,
				   .random = unit_random, .rng = seed };
}

/* Spawn protection ends with the first shot: a computer player spends it
 * getting away from whoever is near, and fires once it is over. */
START_TEST(a_shielded_player_holds_its_fire_and_gets_away)
{
	const struct play_target enemy = { 2, 100, 100, false };
	unsigned int seed = 3;
	struct play_mind mind = { 0 };
	struct play_view view = view_at(150, 100, 10, &enemy, 1, &seed);
	double aimx, aimy;

	view.shielded = true;
	for (double now = 10; now < 12; now += 0.1) {
		view.now = now;
		ck_assert_msg(!play_think(&play_skills[PLAY_EASY], &mind, &view,
					  &aimx, &aimy),
			      "fired at %.1f s while shielded", now);
	}
	view.shielded = false;
	ck_assert(play_think(&play_skills[PLAY_EASY], &mind, &view, &aimx,
			     &aimy));
	/* Where it walks meanwhile: away (a random spot would be within
	 * 300 px of the enemy one time in five). */
	view.shielded = true;
	for (unsigned int run = 0; run < 30; run++) {
		seed = run;
		mind = (struct play_mind){ 0 };
		play_choose_goal(&mind, &view);
		ck_assert_msg(hypot(mind.goal_x - enemy.x,
				    mind.goal_y - enemy.y) > 300,
			      "run %u: walks to (%.0f, %.0f), near the enemy",
			      run, mind.goal_x, mind.goal_y);
	}
}
END_TEST

/* Items are worth a walk, but not one into a fight (another player is
 * nearer to it) and not a shotgun (its fan misses at a bot's range). */
START_TEST(players_walk_to_items_nobody_else_is_nearer_to)
{
	const struct play_target other = { 2, 210, 200, false };
	const struct play_item items[] = {
		{ 200, 200, GAME_BIGGUN },  /* the other is on it */
		{ 450, 300, GAME_SHOTGUN }, /* the nearest */
		{ 700, 500, GAME_MINIGUN }, /* the one to walk to */
	};
	unsigned int seed = 5;
	struct play_mind mind = { 0 };
	struct play_view view = view_at(400, 300, 10, &other, 1, &seed);
	double heading;

	view.items = items;
	view.item_count = 3;
	play_choose_goal(&mind, &view);
	ck_assert(mind.goal_x == 700 && mind.goal_y == 500);
	ck_assert(play_heading(&mind, &view, &heading));
	/* Weaving, but towards it: within 0.8 rad of its bearing. */
	ck_assert(fabs(heading - atan2(200, 300)) <= 0.8 + 1e-9);
	/* With no item left, a random spot away from the walls. */
	view.item_count = 0;
	view.x = 700;
	view.y = 500;
	play_choose_goal(&mind, &view);
	ck_assert(mind.goal_x >= 50 && mind.goal_x <= GAME_WIDTH - 50 &&
		  mind.goal_y >= 50 && mind.goal_y <= GAME_HEIGHT - 50);
	ck_assert(!(mind.goal_x == 700 && mind.goal_y == 500));
}
END_TEST

/* ---- A newcomer's first minute ------------------------------------------ */

/* One game of `make run` (game_server -b 3: three easy bots) and a
 * scripted newcomer in it: the client's own code (client_state, its
 * autopilot at the easy level), without a window.  Each newcomer plays in
 * a thread of its own, as each person has a laptop of their own: one loop
 * for all of them would, on a busy machine, make them all report late at
 * once, and a player who reports late is hit where it was. */
struct newcomer_game {
	struct server server;
	int fd;
	struct client_state *state;
	char in[8192];
	size_t in_len;
	double joined_at;  /* when the server's SPAWN for us came back */
	double died_at;    /* our first KILL, or 0 */
	double until;      /* when to stop playing */
	const char *error; /* why the game ended early, or NULL */
	pthread_t thread;
};

static void send_to_game(void *ctx, const char *line, size_t len)
{
	struct newcomer_game *g = ctx;

	if (!send_bytes(g->fd, line, len))
		g->error = "a send to the server failed";
}

static void join_game(struct newcomer_game *g, int id)
{
	ck_assert_msg(server_log_reaches(&g->server, ": connect from", 3,
					 WAIT_MS), "the bots did not connect");
	g->fd = server_connect(&g->server);
	g->state = calloc(1, sizeof *g->state);
	ck_assert(g->state);
	client_state_init(g->state, id, (unsigned int)id, now_ms() / 1000.0,
			  send_to_game, g);
	g->state->autopilot_level = PLAY_EASY;
	client_state_spawn(g->state, now_ms() / 1000.0);
}

/* Apply every whole line that has come. */
static void read_game(struct newcomer_game *g, double now)
{
	ssize_t n = recv(g->fd, g->in + g->in_len, sizeof g->in - g->in_len - 1,
			 MSG_DONTWAIT);
	char *line = g->in, *end;

	if (n == 0)
		g->error = "the server closed the connection";
	if (n <= 0)
		return;
	g->in_len += (size_t)n;
	g->in[g->in_len] = '\0';
	while ((end = strchr(line, '\n'))) {
		*end = '\0';
		client_state_apply_line(g->state, line, now);
		line = end + 1;
	}
	g->in_len -= (size_t)(line - g->in);
	memmove(g->in, line, g->in_len);
}

static void play_frame(struct newcomer_game *g, double now)
{
	struct client_input in;
	struct client_player *me = client_state_me(g->state);

	read_game(g, now);
	if (g->state->spawn_confirmed && g->joined_at == 0)
		g->joined_at = now;
	if (me && me->deaths > 0 && g->died_at == 0)
		g->died_at = now;
	client_state_autopilot(g->state, now, &in);
	client_state_step(g->state, &in, now);
}

/* A thread: one newcomer's frames, 60 a second, until g->until. */
static void *play_game(void *arg)
{
	struct newcomer_game *g = arg;

	for (double now = now_ms() / 1000.0; now < g->until && !g->error;
	     now = now_ms() / 1000.0) {
		play_frame(g, now);
		sleep_us(1000000 / 60);
	}
	return NULL;
}

#define NEWCOMER_GAMES 20 /* at once */
#define NEWCOMER_ROUNDS 5

/* NEWCOMER_SECONDS (default 10) long: `make newcomer` plays a minute. */
static double newcomer_seconds(void)
{
	const char *text = getenv("NEWCOMER_SECONDS");
	double seconds = text ? atof(text) : 10;

	return seconds >= 10 ? seconds : 10;
}

#define NEWCOMERS (NEWCOMER_ROUNDS * NEWCOMER_GAMES)

struct newcomer_tally {
	int survived;      /* alive 10 s after joining */
	int kills, deaths; /* the newcomers' */
};

/* NEWCOMER_GAMES games at once, `seconds` (+2) long: start each server,
 * and once its bots are in, its newcomer, in a thread of its own. */
static void start_round(struct newcomer_game *games, int first_id,
			double seconds)
{
	memset(games, 0, NEWCOMER_GAMES * sizeof *games);
	/* Every server first: their bots connect while the others start. */
	for (int i = 0; i < NEWCOMER_GAMES; i++)
		server_start(&games[i].server, GAME_SERVER, "-b", "3", NULL);
	for (int i = 0; i < NEWCOMER_GAMES; i++)
		join_game(&games[i], first_id + i);
	for (int i = 0; i < NEWCOMER_GAMES; i++) {
		games[i].until = now_ms() / 1000.0 + seconds + 2;
		ck_assert_int_eq(pthread_create(&games[i].thread, NULL,
						play_game, &games[i]), 0);
	}
}

/* Wait for the round's newcomers, stop its servers, count into t. */
static void end_round(struct newcomer_game *games, struct newcomer_tally *t)
{
	for (int i = 0; i < NEWCOMER_GAMES; i++)
		ck_assert_int_eq(pthread_join(games[i].thread, NULL), 0);
	/* All at once: under ThreadSanitizer a server takes up to a second
	 * to see its SIGTERM (server_stop() below repeats it). */
	for (int i = 0; i < NEWCOMER_GAMES; i++)
		ck_assert_int_eq(kill(games[i].server.pid, SIGTERM), 0);
	for (int i = 0; i < NEWCOMER_GAMES; i++) {
		struct newcomer_game *g = &games[i];
		struct client_player *me = client_state_me(g->state);
		ck_assert_msg(!g->error, "game %d: %s", i, g->error);
		ck_assert_msg(g->joined_at > 0, "game %d: never spawned", i);
		t->survived += g->died_at == 0 || g->died_at - g->joined_at > 10;
		t->kills += me->kills;
		t->deaths += me->deaths;
		close(g->fd);
		free(g->state);
		ck_assert_int_eq(server_stop(&g->server), 0);
	}
}

/* 100 newcomers, in 5 rounds of 20 games at once (each game on a free
 * port): at least 90% of them, 18 in 20, live through their first 10 s.
 * Why 100 and not 20: a newcomer who dies that early is rare but not
 * that rare (see stage5-game/README.md), and with 20 a run of bad luck
 * would fail the test now and then.  Over the whole run it prints the
 * bots' kills of the newcomers and the newcomers' kills of bots: their
 * ratio is the easy bots' K/D against a newcomer. */
START_TEST(a_newcomer_survives_its_first_ten_seconds)
{
	static struct newcomer_game games[NEWCOMER_GAMES];
	double seconds = newcomer_seconds();
	struct newcomer_tally t = { 0 };

	for (int round = 0; round < NEWCOMER_ROUNDS; round++) {
		start_round(games, 500001 + round * NEWCOMER_GAMES, seconds);
		end_round(games, &t);
	}
	printf("newcomer among 3 easy bots: %d of %d lived through their "
	       "first 10 s; over %d x %.0f s, %d kills and %d deaths: the "
	       "bots' K/D against it %.2f\n", t.survived, NEWCOMERS,
	       NEWCOMER_ROUNDS, seconds, t.kills, t.deaths,
	       t.kills ? (double)t.deaths / t.kills : INFINITY);
	ck_assert_msg(t.survived * 10 >= NEWCOMERS * 9,
		      "only %d of %d survived 10 s", t.survived, NEWCOMERS);
}
END_TEST

Suite *client_suite(void)
{
	Suite *suite = suite_create("client");
	TCase *messages = tcase_create("messages");
	TCase *player = tcase_create("player");
	TCase *network = tcase_create("network");
	TCase *program = tcase_create("program");
	TCase *newcomer = tcase_create("newcomer");

	tcase_add_test(messages, spawn_sends_spawn_and_shows_us);
	tcase_add_test(messages, others_move_smoothly_between_pos);
	tcase_add_test(messages, fire_then_hit_removes_that_bullet_and_sets_hp);
	tcase_add_test(messages, kills_count_feed_and_we_respawn_after_ten_seconds);
	tcase_add_test(messages, items_come_and_go_and_change_our_weapon);
	tcase_add_test(messages, leave_removes_the_player);
	tcase_add_test(messages, bad_lines_change_nothing);
	tcase_add_test(messages, a_flooding_server_fills_tables_not_memory);
	tcase_add_test(player, holding_fire_keeps_the_weapons_rate);
	tcase_add_test(player, names_shields_hits_and_deaths_are_shown);
	tcase_add_test(player, pos_goes_at_a_steady_rate_and_on_change);
	tcase_add_test(player, spawn_is_sent_again_if_it_does_not_come_back);
	tcase_add_test(player, ranking_is_kills_then_fewest_deaths);
	tcase_add_test(player, autopilot_aims_at_the_nearest_and_fires);
	tcase_add_test(player, spawn_points_keep_away_from_the_others);
	tcase_add_test(player, a_shielded_player_holds_its_fire_and_gets_away);
	tcase_add_test(player, players_walk_to_items_nobody_else_is_nearer_to);
	tcase_add_test(network, net_delivers_lines_split_or_merged);
	tcase_add_test(network, net_skips_long_lines_and_nul_bytes);
	tcase_add_test(network, net_a_full_queue_loses_nothing);
	tcase_add_test(network, net_reports_a_refused_connection);
	tcase_add_test(network, net_reports_a_server_that_goes_away);
	tcase_add_test(network, net_stops_at_once_even_while_connecting);
	tcase_add_test(program, client_plays_against_the_server_and_its_bots);
	tcase_add_test(program, client_survives_a_hostile_server_that_then_leaves);
	tcase_add_test(program, client_reports_a_refused_connection);
	tcase_add_test(program, client_takes_its_options);
	tcase_set_timeout(messages, 60);
	tcase_set_timeout(player, 60);
	tcase_set_timeout(network, 60);
	tcase_set_timeout(program, 120);
	tcase_add_test(newcomer, a_newcomer_survives_its_first_ten_seconds);
	tcase_set_timeout(newcomer,
			  NEWCOMER_ROUNDS * (30 + 2 * newcomer_seconds()));
	suite_add_tcase(suite, newcomer);
	suite_add_tcase(suite, messages);
	suite_add_tcase(suite, player);
	suite_add_tcase(suite, network);
	suite_add_tcase(suite, program);
	return suite;
}
