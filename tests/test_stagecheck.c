/*
 * test_stagecheck.c - tests/stagecheck, run for real: it passes against
 * our own servers, bots playing or not, and against learners' servers
 * that are right (tests/corpus/), and fails with the hint that names the
 * real cause against those that make the mistakes learners make
 * (tests/corpus/, tests/broken/broken_server.py).
 */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define STAGECHECK "tests/stagecheck"
#define BROKEN "tests/broken/broken_server.py"
#define CORPUS "tests/corpus/"
#define CHECK_MS 40000 /* the longest stage takes some 10 s; sanitizers */
#define OUT_MAX 65536

static char out[OUT_MAX];

/* Run `stagecheck [FLAG VALUE] STAGE 127.0.0.1 PORT` against s; returns
 * its exit status and leaves its report in `out`. */
static int stagecheck_with(const char *flag, const char *value,
			   const char *stage, const struct server *s)
{
	char *argv[] = { STAGECHECK, (char *)stage, "127.0.0.1",
			 (char *)s->port_text, (char *)flag, (char *)value,
			 NULL };

	return run_program(argv, "", out, sizeof out, CHECK_MS);
}

static int stagecheck(const char *stage, const struct server *s)
{
	return stagecheck_with(NULL, NULL, stage, s);
}

/* The report has this line (or the start of it). */
static void assert_reported(const char *line)
{
	ck_assert_msg(strstr(out, line), "expected \"%s\" in:\n%s", line, out);
}

/* The report has a line that starts with `start` and contains `text`. */
static void assert_line_has(const char *start, const char *text)
{
	const char *line = strstr(out, start);
	const char *end = line ? strchr(line, '\n') : NULL;
	const char *found = line ? strstr(line, text) : NULL;

	ck_assert_msg(found && (!end || found < end),
		      "expected \"%s...%s\" in:\n%s", start, text, out);
}

/* Run stagecheck STAGE against `program` started with `args`, and expect
 * it to pass.  */
static void assert_passes(const char *stage, const char *program,
			  const char *flag, const char *value)
{
	struct server s;

	server_start(&s, program, flag, value, NULL);
	ck_assert_msg(stagecheck(stage, &s) == 0, "%s failed:\n%s", program,
		      out);
	ck_assert_msg(!strstr(out, "FAIL"), "%s", out);
	server_stop(&s);
}

/* Start a broken server in `mode`, run stagecheck STAGE against it, and
 * expect a failure. */
static void assert_fails(const char *stage, const char *mode)
{
	struct server s;

	server_start(&s, BROKEN, mode, NULL);
	int status = stagecheck(stage, &s);
	server_stop(&s);
	ck_assert_msg(status == 1, "exit %d, expected 1:\n%s", status, out);
	/* It ran to its end (a sanitizer's abort would exit 1 too). */
	assert_reported("fix the first FAIL, then run the checker again");
}

/* ---- Against our servers ------------------------------------------------- */

START_TEST(passes_echo_server)
{
	assert_passes("1", "stage1-echo/echo_server", NULL, NULL);
	assert_reported("PASS echo utf-8");
	assert_reported("stage 1 (echo): all 5 checks passed");
}
END_TEST

START_TEST(passes_quiz_server)
{
	assert_passes("2", "stage2-quiz/quiz_server", "-t", "2");
	assert_reported("PASS not a number");
	assert_reported("stage 2 (quiz): all 9 checks passed");
}
END_TEST

static const char *const stage3_servers[] = {
	"stage3-concurrent/quiz_fork",
	"stage3-concurrent/quiz_prefork",
	"stage3-concurrent/quiz_thread",
};

START_TEST(passes_stage3_servers)
{
	assert_passes("3", stage3_servers[_i], "-t", "2");
	assert_reported("PASS second client while the first is silent");
	assert_reported("PASS 20 clients at once");
}
END_TEST

START_TEST(passes_chat_server_with_every_extra)
{
	/* The checks take a few seconds, in which a listener says nothing:
	 * an idle timeout of 2 s would drop it. */
	assert_passes("4", "stage4-chat/chat_server", "-t", "60");
	assert_reported("stage 4 (chat): all 5 checks passed; optional "
			"extras: 18 of 18 found");
}
END_TEST

START_TEST(passes_game_server)
{
	assert_passes("5", "stage5-game/game_server", "-t", "2");
	assert_reported("PASS KILL when hp reaches 0");
	assert_reported("PASS GETITEM: walking onto an item");
}
END_TEST

/* The workshop's minimal chat (tests/corpus/chat_ok.py) relays lines and
 * nothing more: that passes, with the commands reported as missing extras. */
START_TEST(passes_workshop_chat_without_extras)
{
	struct server s;

	server_start(&s, CORPUS "chat_ok.py", NULL);
	int status = stagecheck("4", &s);
	server_stop(&s);
	ck_assert_msg(status == 0, "exit %d:\n%s", status, out);
	assert_reported("EXTRA the sender sees its own line: supported");
	assert_reported("EXTRA lines are labelled with the sender: not found");
	assert_reported("EXTRA /nick NAME: not found (optional)");
	assert_reported("EXTRA /dice N: not found (optional)");
	assert_reported("all 5 checks passed; optional extras: 1 of 18 found "
			"(they never fail the run)");
}
END_TEST

/* ---- Against broken servers ---------------------------------------------- */

START_TEST(catches_quiz_that_says_yes)
{
	assert_fails("2", "quiz-says-yes");
	assert_reported("PASS right answer");
	assert_reported("FAIL wrong answer: a wrong sum got 'yes': say yes "
			"only when the answer equals A+B");
	assert_reported("FAIL not a number: 'banana' got 'yes'");
	assert_reported("stage 2 (quiz): 7 of 9 checks passed, 2 failed");
}
END_TEST

START_TEST(catches_int_crash)
{
	assert_fails("2", "quiz-int-crash");
	assert_reported("PASS wrong answer");
	assert_reported("FAIL not a number: the server hung up on 'banana' "
			"without a verdict: int('banana') raises ValueError; "
			"catch it (try/except ValueError) and say no");
	/* It has ended, so the next check finds it gone (refused, or
	 * closed while it was still on its way out). */
	assert_line_has("FAIL answer ending in \\r\\n: ",
			"did it crash? look at its terminal");
}
END_TEST

START_TEST(catches_missing_newline)
{
	assert_fails("2", "quiz-no-newline");
	assert_reported("FAIL question: the question came without a newline: "
			"end each message with \\n and flush");
	assert_reported("SKIP the remaining checks");
}
END_TEST

START_TEST(catches_stage2_server_as_stage3)
{
	struct server s;

	/* Without -t the first client would keep it busy for 30 s. */
	server_start(&s, "stage2-quiz/quiz_server", NULL);
	ck_assert_int_eq(stagecheck("3", &s), 1);
	server_stop(&s);
	assert_reported("PASS answer with spaces");
	assert_reported("FAIL second client while the first is silent: only "
			"one client is served at a time: that is stage 2; "
			"stage 3 serves several");
}
END_TEST

START_TEST(catches_server_that_never_answers)
{
	assert_fails("2", "silent");
	assert_reported("PASS connect");
	assert_reported("FAIL question: no question within 3 s of connecting");
	assert_reported("SKIP the remaining checks");
}
END_TEST

START_TEST(catches_server_that_closes_at_once)
{
	assert_fails("2", "closes-at-once");
	assert_reported("FAIL question: the server closed the connection "
			"without a question");
	assert_fails("1", "closes-at-once");
	assert_reported("FAIL echo ascii: the server closed the connection "
			"instead of echoing");
}
END_TEST

/* Nothing a server sends may crash the checker: each stage against a
 * stream of junk ends in an orderly FAIL. */
START_TEST(survives_garbage)
{
	char stage[2] = { (char)('1' + _i), '\0' };

	assert_fails(stage, "garbage");
	assert_reported("FAIL ");
}
END_TEST

START_TEST(reports_nothing_listening)
{
	struct server s;

	/* A port that was free a moment ago. */
	server_start(&s, "stage1-echo/echo_server", NULL);
	server_stop(&s);
	ck_assert_int_eq(stagecheck("2", &s), 1);
	assert_reported("FAIL connect: connection refused at 127.0.0.1 port");
	assert_reported("that usually means your server is not running");
	assert_reported("SKIP the remaining checks");
}
END_TEST

START_TEST(command_line)
{
	char *help[] = { STAGECHECK, "-h", NULL };
	char *no_stage[] = { STAGECHECK, NULL };
	char *bad_stage[] = { STAGECHECK, "6", NULL };
	char *bad_port[] = { STAGECHECK, "1", "localhost", "http", NULL };
	char *step_not_game[] = { STAGECHECK, "--step", "2", "4", NULL };
	char *step_too_far[] = { STAGECHECK, "--step", "5", "5", NULL };

	ck_assert_int_eq(run_program(help, "", out, sizeof out, WAIT_MS), 0);
	assert_reported("usage: stagecheck");
	ck_assert_int_eq(run_program(no_stage, "", out, sizeof out, WAIT_MS),
			 2);
	ck_assert_int_eq(run_program(bad_stage, "", out, sizeof out, WAIT_MS),
			 2);
	ck_assert_int_eq(run_program(bad_port, "", out, sizeof out, WAIT_MS),
			 2);
	ck_assert_int_eq(run_program(step_not_game, "", out, sizeof out,
				     WAIT_MS), 2);
	ck_assert_int_eq(run_program(step_too_far, "", out, sizeof out,
				     WAIT_MS), 2);
}
END_TEST

/* ---- A busy server is not a broken one ----------------------------------- */

/* The slides' own Run blocks leave a client connected (nc, quiz_client):
 * a server that serves one at a time is busy, and the check says so. */
static void assert_busy(const char *stage, const char *program,
			const char *flag, const char *value, int held)
{
	struct server s;
	int fds[2];

	server_start(&s, program, flag, value, NULL);
	for (int i = 0; i < held; i++)
		fds[i] = server_connect(&s);
	/* The server has accepted them all before the check connects. */
	ck_assert(server_log_reaches(&s, "connect", held, WAIT_MS));
	int status = stagecheck(stage, &s);
	for (int i = 0; i < held; i++)
		close(fds[i]);
	server_stop(&s);
	ck_assert_msg(status == 1, "exit %d:\n%s", status, out);
	assert_reported("your server seems busy with another client");
	assert_reported("close the other client and run the check again");
	ck_assert_msg(!strstr(out, "FAIL"), "%s", out);
}

START_TEST(busy_echo_server_is_not_blamed)
{
	assert_busy("1", "stage1-echo/echo_server", NULL, NULL, 1);
	assert_reported("BUSY echo ascii: ");
	assert_reported("stage 1 serves one client at a time");
}
END_TEST

START_TEST(busy_quiz_server_is_not_blamed)
{
	assert_busy("2", "stage2-quiz/quiz_server", NULL, NULL, 1);
	assert_reported("BUSY question: ");
	assert_reported("stage 2 serves one client at a time");
}
END_TEST

START_TEST(full_prefork_pool_is_not_blamed)
{
	assert_busy("3", "stage3-concurrent/quiz_prefork", "-w", "2", 2);
	assert_reported("it holds 2 other connections");
	assert_reported("as it has workers (-w)");
}
END_TEST

/* ---- Stage 5 with bots playing ------------------------------------------- */

/* make run's 3 bots, 8, and as many as a room of forty: every run passes.
 * STAGECHECK_RUNS=20 for the long form (make stagecheck-long, in CI); 3
 * runs each in make test. */
static const char *const bot_counts[] = { "3", "8", "40" };

START_TEST(passes_game_server_with_bots_playing)
{
	const char *runs_text = getenv("STAGECHECK_RUNS");
	int runs = runs_text ? atoi(runs_text) : 3;
	struct server s;

	server_start(&s, "stage5-game/game_server", "-b", bot_counts[_i],
		     NULL);
	/* The bots are in before the first run. */
	ck_assert(server_log_reaches(&s, "connect", atoi(bot_counts[_i]),
				     WAIT_MS));
	for (int run = 1; run <= runs; run++) {
		int status = stagecheck("5", &s);
		ck_assert_msg(status == 0, "run %d of %d with %s bots, exit "
			      "%d:\n%s", run, runs, bot_counts[_i], status,
			      out);
		assert_reported("PASS GETITEM: walking onto an item");
	}
	server_stop(&s);
}
END_TEST

START_TEST(steps_of_the_game)
{
	struct server s;

	server_start(&s, "stage5-game/game_server", NULL);
	ck_assert_int_eq(stagecheck_with("--step", "0", "5", &s), 0);
	assert_reported("PASS connect");
	assert_reported("stage 5 (game, step 0): all 1 checks passed");
	ck_assert_msg(!strstr(out, "SPAWN"), "%s", out);
	ck_assert_int_eq(stagecheck_with("--step", "2", "5", &s), 0);
	assert_reported("PASS FIRE reaches the others");
	assert_reported("stage 5 (game, steps 0-2): all 5 checks passed");
	ck_assert_msg(!strstr(out, "HIT"), "%s", out);
	server_stop(&s);
}
END_TEST

/* ---- The bytes on every failure ------------------------------------------ */

START_TEST(verbose_shows_every_exchange)
{
	struct server s;

	server_start(&s, "stage2-quiz/quiz_server", "-t", "2", NULL);
	ck_assert_int_eq(stagecheck_with("-v", NULL, "2", &s), 0);
	server_stop(&s);
	assert_reported("client 1 +0.");
	assert_reported("> \"banana\\n\"");
	assert_reported("< \"no\\n\"");
	assert_reported("< \"yes\\n\"");
	assert_reported("* the server closed the connection");
}
END_TEST

START_TEST(fail_shows_the_bytes_and_a_caret)
{
	struct server s;

	server_start(&s, CORPUS "quiz_verdict_no_newline.py", NULL);
	ck_assert_int_eq(stagecheck("2", &s), 1);
	server_stop(&s);
	/* Without -v: the last exchange, the bytes expected and received,
	 * and a caret under the missing '\n'. */
	assert_reported("FAIL right answer: the verdict came without its \\n");
	assert_reported("  expected \"yes\\n\"\n"
			"  received \"yes\"\n"
			"               ^ the first byte that differs\n");
	assert_reported("  practice 2; its goal slide is in slides/02-quiz.md");
	assert_reported("  the last exchange (> sent, < received");
	assert_reported("< \"yes\"\n");
}
END_TEST

/* ---- The report, saved and sent to the room ------------------------------ */

static char cache_home[64];

static void make_cache_home(void)
{
	snprintf(cache_home, sizeof cache_home, "/tmp/stagecheck-cache-XXXXXX");
	ck_assert(mkdtemp(cache_home));
	setenv("XDG_CACHE_HOME", cache_home, 1);
}

/* stagecheck makes socket-workshop/ and writes last-check in it. */
static void remove_cache_home(void)
{
	char path[128];

	snprintf(path, sizeof path, "%s/socket-workshop/last-check",
		 cache_home);
	unlink(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	rmdir(cache_home);
}

/* What tests/ask attaches to a question. */
static char *last_check(void)
{
	static char text[OUT_MAX];
	char path[128];

	snprintf(path, sizeof path, "%s/socket-workshop/last-check",
		 cache_home);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	size_t n = fread(text, 1, sizeof text - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

/* A room that takes one report: what it was sent, for the test. */
struct fake_room {
	int listen_fd;
	char port[8];
	char request[OUT_MAX];
	pthread_t thread;
};

static void *take_one_report(void *arg)
{
	struct fake_room *room = arg;
	size_t len = 0;
	const char *reply = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
			    "Connection: close\r\n\r\nok\n";

	int fd = accept(room->listen_fd, NULL, NULL);
	if (fd < 0)
		return NULL;
	/* The learner's side closes nothing before the reply: read until
	 * the body is in (Content-Length), bounded by the buffer. */
	for (;;) {
		ssize_t n = recv(fd, room->request + len,
				 sizeof room->request - 1 - len, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
		room->request[len] = '\0';
		const char *body = strstr(room->request, "\r\n\r\n");
		const char *length = strstr(room->request, "Content-Length: ");
		if (body && length && strlen(body + 4) >=
					      (size_t)atol(length + 16))
			break;
	}
	if (send(fd, reply, strlen(reply), MSG_NOSIGNAL) < 0)
		perror("fake room");
	close(fd);
	return NULL;
}

static void fake_room_open(struct fake_room *room)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof addr;

	room->request[0] = '\0';
	room->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert(room->listen_fd >= 0);
	ck_assert(bind(room->listen_fd, (struct sockaddr *)&addr,
		       sizeof addr) == 0);
	ck_assert(listen(room->listen_fd, 1) == 0);
	ck_assert(getsockname(room->listen_fd, (struct sockaddr *)&addr,
			      &len) == 0);
	snprintf(room->port, sizeof room->port, "%d", ntohs(addr.sin_port));
	ck_assert(pthread_create(&room->thread, NULL, take_one_report,
				 room) == 0);
}

START_TEST(reports_to_the_room_and_saves_the_last_check)
{
	struct server s;
	struct fake_room room;
	char where[32];

	fake_room_open(&room);
	snprintf(where, sizeof where, "127.0.0.1:%s", room.port);
	server_start(&s, CORPUS "quiz_says_yes.py", NULL);
	char *argv[] = { STAGECHECK, "--room", where, "--name", "tester",
			 "2", "127.0.0.1", s.port_text, NULL };
	ck_assert_int_eq(run_program(argv, "", out, sizeof out, CHECK_MS), 1);
	server_stop(&s);
	pthread_join(room.thread, NULL);
	close(room.listen_fd);
	const char *body = strstr(room.request, "\r\n\r\n");
	ck_assert_msg(strstr(room.request, "POST /report HTTP/1.1\r\n") &&
		      body, "%s", room.request);
	const char *lines[] = { "kind check\n", "name tester\n",
				"practice 2\n", "result FAIL\n",
				"check PASS connect\n",
				"check FAIL wrong answer\n",
				"hint a wrong sum got 'yes'",
				"exchange client 3 +0.", "s > \"",
				"< \"yes\\n\"\n" };
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		ck_assert_msg(strstr(body, lines[i]), "no \"%s\" in:\n%s",
			      lines[i], body);
	/* The same report waits for tests/ask. */
	ck_assert_msg(strstr(last_check(), "check FAIL wrong answer\n"),
		      "%s", last_check());
}
END_TEST

START_TEST(unreachable_room_is_one_warning)
{
	struct server s;
	char command[256];

	server_start(&s, "stage1-echo/echo_server", NULL);
	/* Port 9 on loopback: nothing listens there. */
	snprintf(command, sizeof command, "%s --room 127.0.0.1:9 1 127.0.0.1 "
		 "%s 2>&1; echo exit $?", STAGECHECK, s.port_text);
	char *argv[] = { "/bin/sh", "-c", command, NULL };
	ck_assert_int_eq(run_program(argv, "", out, sizeof out, CHECK_MS), 0);
	server_stop(&s);
	assert_reported("all 5 checks passed\n");
	assert_reported("stagecheck: warning: the room at 127.0.0.1:9");
	assert_reported("exit 0\n");
	ck_assert_msg(!strstr(strstr(out, "warning") + 1, "warning"), "%s",
		      out);
	ck_assert_msg(strstr(last_check(), "result PASS\n"), "%s",
		      last_check());
}
END_TEST

/* ---- Learners' servers --------------------------------------------------- */

/* One learner's server in tests/corpus/ and what the check must say. */
struct learner {
	const char *file;      /* a .py runs as it is, a .c is compiled */
	const char *stage, *step;
	int status;            /* stagecheck's exit */
	const char *line;      /* a report line starting so... */
	const char *cause;     /* ...that names the real cause */
	const char *practice;  /* a FAIL's practice */
};

static const struct learner learners[] = {
	{ "echo_ok.py", "1", NULL, 0, "stage 1 (echo): ",
	  "all 5 checks passed", NULL },
	{ "echo_ok.c", "1", NULL, 0, "stage 1 (echo): ",
	  "all 5 checks passed", NULL },
	{ "echo_readline.py", "1", NULL, 1, "FAIL echo ascii: ",
	  "your server reads whole lines", "1-3" },
	{ "echo_once.py", "1", NULL, 1, "FAIL echo utf-8: ",
	  "in a loop until recv() returns 0 bytes", "1-3" },
	{ "echo_exits.c", "1", NULL, 1, "FAIL clients one after another: ",
	  "loop back to accept() instead of exiting", "1-3" },
	{ "quiz_ok.py", "2", NULL, 0, "stage 2 (quiz): ",
	  "all 9 checks passed", NULL },
	{ "quiz_ok.py", "3", NULL, 1,
	  "FAIL second client while the first is silent: ",
	  "only one client is served at a time: that is stage 2", "3" },
	{ "quiz_ok.c", "2", NULL, 0, "stage 2 (quiz): ",
	  "all 9 checks passed", NULL },
	{ "quiz_says_yes.py", "2", NULL, 1, "FAIL wrong answer: ",
	  "a wrong sum got 'yes'", "2" },
	{ "quiz_int_crash.py", "2", NULL, 1, "FAIL not a number: ",
	  "int('banana') raises ValueError", "2" },
	{ "quiz_no_flush.py", "2", NULL, 1, "FAIL question: ",
	  "print(..., file=f, flush=True)", "2" },
	{ "quiz_verdict_no_newline.py", "2", NULL, 1, "FAIL right answer: ",
	  "the verdict came without its \\n", "2" },
	{ "quiz_makefile_open.py", "2", NULL, 1,
	  "FAIL closes after the verdict: ",
	  "close the makefile() file too", "2" },
	{ "quiz_no_fflush.c", "2", NULL, 1, "FAIL question: ",
	  "C: fflush() after fprintf()", "2" },
	{ "quiz_question_no_newline.c", "2", NULL, 1, "FAIL question: ",
	  "the question came without a newline", "2" },
	{ "quiz_thread.py", "3", NULL, 0, "stage 3 (concurrent quiz): ",
	  "all 11 checks passed", NULL },
	{ "quiz_fork.c", "3", NULL, 0, "stage 3 (concurrent quiz): ",
	  "all 11 checks passed", NULL },
	{ "chat_ok.py", "4", NULL, 0, "stage 4 (chat): ",
	  "all 5 checks passed", NULL },
	{ "chat_no_broadcast.py", "4", NULL, 1,
	  "FAIL a line reaches every other user: ",
	  "send each line you read to all of them", "4" },
	{ "chat_without_sender.py", "4", NULL, 0,
	  "EXTRA the sender sees its own line: ", "not found", NULL },
	{ "chat_keeps_leavers.py", "4", NULL, 1,
	  "FAIL a newcomer hears the others: ",
	  "a user who left is still in the list", "4" },
	{ "chat_msg_to_all.py", "4", NULL, 0, "EXTRA /msg NAME TEXT: ",
	  "not found (optional): not private", NULL },
	{ "game_ok.py", "5", NULL, 0, "stage 5 (game): ",
	  "all 9 checks passed", NULL },
	{ "game_relay.py", "5", "2", 0, "stage 5 (game, steps 0-2): ",
	  "all 5 checks passed", NULL },
	{ "game_relay.py", "5", NULL, 1,
	  "FAIL HIT when a bullet meets a player: ",
	  "the server is the authority (clients never send HIT)", "5-3" },
	{ "game_getitem_to_others.py", "5", NULL, 1,
	  "FAIL GETITEM: walking onto an item: ",
	  "send GETITEM to everyone, the player who took the item too",
	  "5-4" },
	{ "game_no_newcomer.py", "5", NULL, 1,
	  "FAIL a newcomer learns who is there: ",
	  "send it a SPAWN for every player already there", "5-1" },
};

/* A C learner's server, compiled into a scratch folder. */
static void compile(const char *file, char *program, size_t size)
{
	char source[128], scratch[] = "/tmp/stagecheck-corpus-XXXXXX";

	ck_assert(mkdtemp(scratch));
	snprintf(source, sizeof source, CORPUS "%s", file);
	snprintf(program, size, "%s/%.*s", scratch,
		 (int)(strlen(file) - 2), file);
	char *argv[] = { "cc", "-o", program, source, NULL };
	ck_assert_msg(run_program(argv, "", out, sizeof out, 60000) == 0,
		      "cc %s failed", source);
}

static void remove_compiled(const char *program)
{
	char folder[128];

	snprintf(folder, sizeof folder, "%s", program);
	*strrchr(folder, '/') = '\0';
	unlink(program);
	rmdir(folder);
}

START_TEST(learners_servers)
{
	const struct learner *l = &learners[_i];
	bool in_c = strcmp(strrchr(l->file, '.'), ".c") == 0;
	char program[128], practice[64];
	struct server s;

	if (in_c)
		compile(l->file, program, sizeof program);
	else
		snprintf(program, sizeof program, CORPUS "%s", l->file);
	server_start(&s, program, NULL);
	int status = stagecheck_with(l->step ? "--step" : NULL, l->step,
				     l->stage, &s);
	server_stop(&s);
	if (in_c)
		remove_compiled(program);
	ck_assert_msg(status == l->status, "%s as stage %s: exit %d, not "
		      "%d:\n%s", l->file, l->stage, status, l->status, out);
	assert_line_has(l->line, l->cause);
	if (l->practice) {
		snprintf(practice, sizeof practice, "  practice %s; its goal "
			 "slide is in slides/0", l->practice);
		assert_reported(practice);
	}
}
END_TEST

/* A server without SO_REUSEADDR cannot start again while its last
 * client's connection lingers: the check points at the missing option. */
START_TEST(learner_without_reuseaddr)
{
	struct server s;

	server_start(&s, CORPUS "echo_no_reuseaddr.py", NULL);
	int client = server_connect(&s);
	server_stop(&s);
	char *again[] = { CORPUS "echo_no_reuseaddr.py", "-p", s.port_text,
			  NULL };
	ck_assert_int_ne(run_program(again, "", out, sizeof out, WAIT_MS), 0);
	ck_assert_int_eq(stagecheck("1", &s), 1);
	close(client);
	assert_line_has("FAIL connect: connection refused",
			"set SO_REUSEADDR before bind()");
}
END_TEST

Suite *stagecheck_suite(void)
{
	Suite *suite = suite_create("stagecheck");
	TCase *ours = tcase_create("our servers pass");
	TCase *broken = tcase_create("broken servers fail");

	tcase_add_unchecked_fixture(ours, make_cache_home, remove_cache_home);
	tcase_set_timeout(ours, 60);
	tcase_add_test(ours, passes_echo_server);
	tcase_add_test(ours, passes_quiz_server);
	tcase_add_loop_test(ours, passes_stage3_servers, 0,
			    sizeof stage3_servers / sizeof stage3_servers[0]);
	tcase_add_test(ours, passes_chat_server_with_every_extra);
	tcase_add_test(ours, passes_game_server);
	tcase_add_test(ours, passes_workshop_chat_without_extras);
	suite_add_tcase(suite, ours);

	TCase *busy = tcase_create("a busy server is not blamed");
	tcase_set_timeout(busy, 60);
	tcase_add_test(busy, busy_echo_server_is_not_blamed);
	tcase_add_test(busy, busy_quiz_server_is_not_blamed);
	tcase_add_test(busy, full_prefork_pool_is_not_blamed);
	suite_add_tcase(suite, busy);

	/* 3 runs of some 5 s each, or STAGECHECK_RUNS (20 in CI). */
	TCase *bots = tcase_create("bots playing");
	tcase_set_timeout(bots, 600);
	tcase_add_loop_test(bots, passes_game_server_with_bots_playing, 0,
			    sizeof bot_counts / sizeof bot_counts[0]);
	suite_add_tcase(suite, bots);

	TCase *report = tcase_create("the report");
	tcase_add_unchecked_fixture(report, make_cache_home,
				    remove_cache_home);
	tcase_set_timeout(report, 60);
	tcase_add_test(report, steps_of_the_game);
	tcase_add_test(report, verbose_shows_every_exchange);
	tcase_add_test(report, fail_shows_the_bytes_and_a_caret);
	tcase_add_test(report, reports_to_the_room_and_saves_the_last_check);
	tcase_add_test(report, unreachable_room_is_one_warning);
	suite_add_tcase(suite, report);

	TCase *corpus = tcase_create("learners' servers");
	tcase_add_unchecked_fixture(corpus, make_cache_home,
				    remove_cache_home);
	tcase_set_timeout(corpus, 60);
	tcase_add_loop_test(corpus, learners_servers, 0,
			    sizeof learners / sizeof learners[0]);
	tcase_add_test(corpus, learner_without_reuseaddr);
	suite_add_tcase(suite, corpus);

	tcase_add_unchecked_fixture(broken, make_cache_home,
				    remove_cache_home);
	tcase_set_timeout(broken, 60);
	tcase_add_test(broken, catches_quiz_that_says_yes);
	tcase_add_test(broken, catches_int_crash);
	tcase_add_test(broken, catches_missing_newline);
	tcase_add_test(broken, catches_stage2_server_as_stage3);
	tcase_add_test(broken, catches_server_that_never_answers);
	tcase_add_test(broken, catches_server_that_closes_at_once);
	tcase_add_loop_test(broken, survives_garbage, 0, 5);
	tcase_add_test(broken, reports_nothing_listening);
	tcase_add_test(broken, command_line);
	suite_add_tcase(suite, broken);
	return suite;
}
