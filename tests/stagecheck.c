/*
 * stagecheck - tells a learner whether their server does what a stage of
 * the workshop asks, and if not, what to fix.
 *
 *   tests/stagecheck [-v] [--step N] [--room HOST[:PORT]] [--name NAME]
 *                    STAGE [HOST] [PORT]
 *
 * Start your server, then run the checker against it.  It prints one
 * line per check, "PASS name" or "FAIL name: what to fix" with the bytes
 * of the last exchange, optional features as "EXTRA name: ...", and a
 * summary.  It exits 0 only when every check passed.  See
 * tests/STAGECHECK.md.
 *
 * This file: the command line, the report, and where the report goes
 * besides the terminal (the room, and the file tests/ask attaches).  The
 * connections are in stagecheck_peer.c, each stage's checks in
 * stagecheck_echo.c, _quiz.c, _chat.c and _game.c.
 */
#include "stagecheck.h"
#include "room_client.h"
#include "printable.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- The stages ---------------------------------------------------------- */

struct stage {
	const char *name;
	const char *port;     /* the contract's default */
	const char *practice; /* as its goal slide names it */
	const char *slide;    /* the deck with that goal slide */
};

static const struct stage stages[] = {
	{ "echo", "10000", "1-3", "slides/01-echo.md" },
	{ "quiz", "10001", "2", "slides/02-quiz.md" },
	{ "concurrent quiz", "10001", "3", "slides/03-concurrent.md" },
	{ "chat", "10004", "4", "slides/04-chat.md" },
	{ "game", "10005", "5", "slides/05-game.md" },
};

#define STAGE_COUNT (int)(sizeof stages / sizeof stages[0])
#define GAME_STEPS 4 /* the workshop's protocol steps 1..4 */

const char *target_host = "localhost";
const char *target_port;

/* The command line, once parsed. */
static int stage_number, last_step = GAME_STEPS;
static const char *room, *learner;

/* ---- Reporting ----------------------------------------------------------- */

#define RESULTS_MAX 64
#define HINT_MAX 1024
#define EXCHANGE_MAX 4096

static struct {
	char name[96];
	bool passed;
} results[RESULTS_MAX];
static int result_count;

static int passed, failed, extras_found, extras_missing;
static bool stopped, busy;
static char practice[16];     /* the practice the checks belong to now */
static char failed_practice[16]; /* the one of the first FAIL */
static char first_hint[HINT_MAX];
static char first_exchange[EXCHANGE_MAX];

void check_practice(const char *name)
{
	snprintf(practice, sizeof practice, "%s", name);
}

static void record(const char *name, bool ok)
{
	if (result_count == RESULTS_MAX)
		return;
	snprintf(results[result_count].name, sizeof results[0].name, "%s",
		 name);
	results[result_count++].passed = ok;
}

void check_pass(const char *name)
{
	passed++;
	record(name, true);
	printf("PASS %s\n", name);
}

/* What every FAIL prints after its hint: where it belongs, the bytes. */
static void fail_footer(void)
{
	char exchange[EXCHANGE_MAX];

	printf("  practice %s; its goal slide is in %s\n", practice,
	       stages[stage_number - 1].slide);
	transcript_last("    ", exchange, sizeof exchange);
	if (exchange[0])
		printf("  the last exchange (> sent, < received, * what "
		       "happened):\n%s", exchange);
	if (!first_exchange[0])
		snprintf(first_exchange, sizeof first_exchange, "%s",
			 exchange);
}

static void vfail(const char *name, const char *hint, va_list ap)
{
	char text[HINT_MAX];

	failed++;
	record(name, false);
	vsnprintf(text, sizeof text, hint, ap);
	printf("FAIL %s: %s\n", name, text);
	if (!first_hint[0]) {
		snprintf(first_hint, sizeof first_hint, "%s", text);
		snprintf(failed_practice, sizeof failed_practice, "%s",
			 practice);
	}
}

void check_fail(const char *name, const char *hint, ...)
{
	va_list ap;

	va_start(ap, hint);
	vfail(name, hint, ap);
	va_end(ap);
	fail_footer();
}

/* The first byte where `got` is not what was expected. */
static size_t first_difference(const char *expected, const char *got,
			       size_t got_len)
{
	size_t i = 0;

	while (i < got_len && expected[i] && expected[i] == got[i])
		i++;
	return i;
}

void check_fail_reply(const char *name, const char *expected,
		      const char *got, size_t got_len, const char *hint, ...)
{
	char a[512], b[512];
	va_list ap;

	va_start(ap, hint);
	vfail(name, hint, ap);
	va_end(ap);
	size_t at = first_difference(expected, got, got_len);
	printf("  expected %s\n  received %s\n",
	       escaped(expected, strlen(expected), a, sizeof a),
	       escaped(got, got_len, b, sizeof b));
	printf("  %*s^ the first byte that differs\n",
	       (int)(strlen("received ") + escaped_width(got, at)), "");
	fail_footer();
}

void check_busy(const char *name, const char *hint)
{
	busy = stopped = true;
	/* Not passed, so the room shows it as not passed, with why. */
	record(name, false);
	if (!first_hint[0])
		snprintf(first_hint, sizeof first_hint, "%s", hint);
	printf("BUSY %s: %s\n", name, hint);
}

void check_extra_because(const char *name, bool supported, const char *why)
{
	if (supported)
		extras_found++;
	else
		extras_missing++;
	printf("EXTRA %s: %s%s%s\n", name,
	       supported ? "supported" : "not found (optional)",
	       why ? ": " : "", why ? why : "");
}

void check_extra(const char *name, bool supported)
{
	check_extra_because(name, supported, NULL);
}

void check_stop(void)
{
	if (stopped)
		return;
	stopped = true;
	printf("SKIP the remaining checks: they need the one above to pass\n");
}

bool check_stopped(void)
{
	return stopped;
}

const char *shown(const char *text, char out[SHOWN_MAX])
{
	/* Room for "..." after what fits. */
	size_t len = printable_copy(out, SHOWN_MAX - 3, text,
				    strnlen(text, SHOWN_MAX));

	strcpy(out + len, text[len] ? "..." : "");
	return out;
}

/* What a failed connect usually means, in a beginner's words. */
static void connect_hint(const struct peer *p, char *hint, size_t size)
{
	if (p->error == ECONNREFUSED)
		snprintf(hint, size, "connection refused at %s port %s: that "
			 "usually means your server is not running, or "
			 "listens on another port; start it first (socket, "
			 "bind, listen, then accept). If it stopped with "
			 "\"Address already in use\", set SO_REUSEADDR before "
			 "bind() (Python: s.setsockopt(socket.SOL_SOCKET, "
			 "socket.SO_REUSEADDR, 1)) so that it can restart at "
			 "once", target_host, target_port);
	else if (p->error == ETIMEDOUT)
		snprintf(hint, size, "no answer from %s port %s within 3 s: "
			 "its listen queue is full, so the kernel does not "
			 "even finish the connection; is your server stuck "
			 "somewhere other than accept()?", target_host,
			 target_port);
	else if (p->error == EHOSTUNREACH)
		snprintf(hint, size, "cannot reach or find the host %s: check "
			 "the name or address", target_host);
	else
		snprintf(hint, size, "cannot connect to %s port %s: %s",
			 target_host, target_port, strerror(p->error));
}

bool check_connect(struct peer *p)
{
	char hint[HINT_MAX];

	if (peer_open(p)) {
		check_pass("connect");
		return true;
	}
	connect_hint(p, hint, sizeof hint);
	check_fail("connect", "%s", hint);
	check_stop();
	return false;
}

static void print_summary(void)
{
	const struct stage *stage = &stages[stage_number - 1];
	int total = passed + failed;
	char steps[32] = "";

	if (stage_number == 5 && last_step == 0)
		snprintf(steps, sizeof steps, ", step 0");
	else if (stage_number == 5 && last_step < GAME_STEPS)
		snprintf(steps, sizeof steps, ", steps 0-%d", last_step);
	printf("stage %d (%s%s): ", stage_number, stage->name, steps);
	if (busy)
		printf("not checked: your server was busy with another "
		       "client; close it and run the check again");
	else if (failed == 0 && !stopped)
		printf("all %d checks passed", total);
	else
		printf("%d of %d checks passed, %d failed%s: fix the first "
		       "FAIL, then run the checker again", passed, total,
		       failed, stopped ? ", the rest skipped" : "");
	if (extras_found + extras_missing > 0)
		printf("; optional extras: %d of %d found (they never fail "
		       "the run)", extras_found, extras_found + extras_missing);
	printf("\n");
}

/* ---- Where the report goes besides the terminal -------------------------- */

#define BODY_MAX 16384

/* Append "KEY VALUE\n" to body, with no line break inside VALUE. */
static void add_field(char *body, const char *key, const char *value)
{
	size_t used = strlen(body);

	if (used + strlen(key) + strlen(value) + 3 > BODY_MAX)
		return;
	char *at = body + used;
	at += sprintf(at, "%s ", key);
	for (const char *v = value; *v; v++)
		*at++ = *v == '\n' || *v == '\r' ? ' ' : *v;
	strcpy(at, "\n");
}

/* The practice the room files the run under: the stage for 1 to 4, the
 * step for the game (the failing one, or the last checked). */
static void room_practice(char *out, size_t size)
{
	const char *step = failed_practice[0] ? failed_practice : practice;

	if (stage_number == 5)
		snprintf(out, size, "%s", step);
	else
		snprintf(out, size, "%d", stage_number);
}

/* The run as the room's wire format has it (tests/room_client.h). */
static void build_body(char *body)
{
	char name[256], where[16], line[sizeof results[0].name + 8];

	body[0] = '\0';
	if (learner)
		snprintf(name, sizeof name, "%s", learner);
	else
		room_default_name(name, sizeof name);
	room_practice(where, sizeof where);
	add_field(body, "kind", "check");
	add_field(body, "name", name);
	add_field(body, "practice", where);
	add_field(body, "result", failed == 0 && !stopped ? "PASS" : "FAIL");
	for (int i = 0; i < result_count; i++) {
		snprintf(line, sizeof line, "%s %.95s",
			 results[i].passed ? "PASS" : "FAIL", results[i].name);
		add_field(body, "check", line);
	}
	if (first_hint[0])
		add_field(body, "hint", first_hint);
	for (char *s = first_exchange, *end; *s; s = end + 1) {
		end = strchr(s, '\n');
		if (!end)
			break;
		*end = '\0';
		add_field(body, "exchange", s + strspn(s, " "));
	}
}

/* $XDG_CACHE_HOME/socket-workshop (or ~/.cache/...), made if need be. */
static bool cache_folder(char *out, size_t size)
{
	const char *cache = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	char parent[2048];

	if (cache && cache[0])
		snprintf(parent, sizeof parent, "%s", cache);
	else if (home && home[0])
		snprintf(parent, sizeof parent, "%s/.cache", home);
	else
		return false;
	snprintf(out, size, "%s/socket-workshop", parent);
	if (mkdir(parent, 0700) < 0 && errno != EEXIST)
		return false;
	return mkdir(out, 0700) == 0 || errno == EEXIST;
}

/* tests/ask attaches the learner's last check to a question. */
static void save_last_check(const char *body)
{
	char folder[4096], path[4128];

	if (!cache_folder(folder, sizeof folder)) {
		fprintf(stderr, "stagecheck: warning: no folder to save the "
			"report in (set HOME or XDG_CACHE_HOME): %s\n",
			strerror(errno));
		return;
	}
	snprintf(path, sizeof path, "%s/last-check", folder);
	FILE *f = fopen(path, "w");
	bool saved = f && fputs(body, f) >= 0;
	if ((f && fclose(f) != 0) || !saved)
		fprintf(stderr, "stagecheck: warning: cannot save the report "
			"to %s: %s\n", path, strerror(errno));
}

static void report_elsewhere(void)
{
	static char body[BODY_MAX];
	char reply[128];

	build_body(body);
	save_last_check(body);
	if (!room)
		return;
	int status = room_post(room, "/report", body, reply, sizeof reply);
	if (status >= 0 && status != 200)
		fprintf(stderr, "stagecheck: warning: the room at %s did not "
			"take the report (HTTP %d): %s\n", room, status, reply);
}

/* ---- The command line ---------------------------------------------------- */

static void usage(FILE *to)
{
	fprintf(to,
		"usage: stagecheck [-h] [-v] [--step N] [--room HOST[:PORT]] "
		"[--name NAME] STAGE [HOST] [PORT]\n"
		"  checks the server of workshop stage STAGE (1-5) running "
		"at HOST (default localhost)\n"
		"  and PORT (default the stage's: 1 echo 10000, 2 and 3 "
		"quiz 10001, 4 chat 10004, 5 game 10005)\n"
		"  -v           print every exchange as it happens\n"
		"  --step N     stage 5: check the protocol's steps 1..N "
		"only (0: accepts players; 4: all)\n"
		"  --room HOST[:PORT]  send the result to the instructor's "
		"room (default port %s)\n"
		"  --name NAME  your name in the room (default user@host)\n",
		ROOM_DEFAULT_PORT);
}

static void bad_usage(void)
{
	usage(stderr);
	exit(2);
}

static int number_in(const char *text, long low, long high)
{
	char *end;
	long n = strtol(text, &end, 10);

	if (end == text || *end != '\0' || n < low || n > high)
		bad_usage();
	return (int)n;
}

static void parse_args(int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "step", required_argument, NULL, 's' },
		{ "room", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	bool step_given = false;
	int c;

	while ((c = getopt_long(argc, argv, "hv", options, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c == 'v')
			verbose = true;
		else if (c == 's') {
			last_step = number_in(optarg, 0, GAME_STEPS);
			step_given = true;
		} else if (c == 'r')
			room = optarg;
		else if (c == 'n')
			learner = optarg;
		else
			bad_usage();
	}
	int left = argc - optind;
	if (left < 1 || left > 3)
		bad_usage();
	stage_number = number_in(argv[optind], 1, STAGE_COUNT);
	if (step_given && stage_number != 5)
		bad_usage();
	target_port = stages[stage_number - 1].port;
	if (left >= 2)
		target_host = argv[optind + 1];
	if (left >= 3)
		target_port = argv[optind + 2];
	number_in(target_port, 1, 65535);
}

static void run_stage(void)
{
	switch (stage_number) {
	case 1: check_echo(); break;
	case 2: check_quiz(); break;
	case 3: check_concurrent_quiz(); break;
	case 4: check_chat(); break;
	default: check_game(last_step); break;
	}
}

int main(int argc, char **argv)
{
	parse_args(argc, argv);
	/* One line at a time, so a learner watches the checks go by. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* A server that hangs up makes send() fail, not kill us. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		perror("signal");
	check_practice(stages[stage_number - 1].practice);
	printf("checking stage %d (%s) at %s port %s\n", stage_number,
	       stages[stage_number - 1].name, target_host, target_port);
	run_stage();
	print_summary();
	report_elsewhere();
	return failed == 0 && !stopped ? 0 : 1;
}
