/*
 * test_stagecheck.c - tests/stagecheck, run for real: it passes against
 * our own servers, and fails with the right hint against servers that
 * make the mistakes learners make (tests/broken/broken_server.py).
 */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#define STAGECHECK "tests/stagecheck"
#define BROKEN "tests/broken/broken_server.py"
#define CHECK_MS 40000 /* the longest stage takes some 10 s; sanitizers */
#define OUT_MAX 16384

static char out[OUT_MAX];

/* Run `stagecheck STAGE 127.0.0.1 PORT` against s; returns its exit
 * status and leaves its report in `out`. */
static int stagecheck(const char *stage, const struct server *s)
{
	char *argv[] = { STAGECHECK, (char *)stage, "127.0.0.1",
			 (char *)s->port_text, NULL };

	return run_program(argv, "", out, sizeof out, CHECK_MS);
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

/* The workshop's minimal chat relays lines and nothing more: that passes,
 * with the commands reported as missing extras. */
START_TEST(passes_workshop_chat_without_extras)
{
	struct server s;

	server_start(&s, BROKEN, "workshop-chat", NULL);
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

START_TEST(catches_chat_without_broadcast)
{
	assert_fails("4", "chat-no-broadcast");
	assert_reported("PASS three users");
	assert_reported("FAIL a line reaches every other user: the other users "
			"did not get a's line: keep a list of every connected "
			"user and send each line you read to all of them");
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

	ck_assert_int_eq(run_program(help, "", out, sizeof out, WAIT_MS), 0);
	assert_reported("usage: stagecheck");
	ck_assert_int_eq(run_program(no_stage, "", out, sizeof out, WAIT_MS),
			 2);
	ck_assert_int_eq(run_program(bad_stage, "", out, sizeof out, WAIT_MS),
			 2);
	ck_assert_int_eq(run_program(bad_port, "", out, sizeof out, WAIT_MS),
			 2);
}
END_TEST

Suite *stagecheck_suite(void)
{
	Suite *suite = suite_create("stagecheck");
	TCase *ours = tcase_create("our servers pass");
	TCase *broken = tcase_create("broken servers fail");

	tcase_set_timeout(ours, 60);
	tcase_add_test(ours, passes_echo_server);
	tcase_add_test(ours, passes_quiz_server);
	tcase_add_loop_test(ours, passes_stage3_servers, 0,
			    sizeof stage3_servers / sizeof stage3_servers[0]);
	tcase_add_test(ours, passes_chat_server_with_every_extra);
	tcase_add_test(ours, passes_game_server);
	tcase_add_test(ours, passes_workshop_chat_without_extras);
	suite_add_tcase(suite, ours);

	tcase_set_timeout(broken, 60);
	tcase_add_test(broken, catches_quiz_that_says_yes);
	tcase_add_test(broken, catches_int_crash);
	tcase_add_test(broken, catches_missing_newline);
	tcase_add_test(broken, catches_chat_without_broadcast);
	tcase_add_test(broken, catches_stage2_server_as_stage3);
	tcase_add_test(broken, catches_server_that_never_answers);
	tcase_add_test(broken, catches_server_that_closes_at_once);
	tcase_add_loop_test(broken, survives_garbage, 0, 5);
	tcase_add_test(broken, reports_nothing_listening);
	tcase_add_test(broken, command_line);
	suite_add_tcase(suite, broken);
	return suite;
}
