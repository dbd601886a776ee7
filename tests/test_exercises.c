/*
 * test_exercises.c - every practice's skeleton, from `make exercises`
 * (slides/exercises.py), tested the way a learner uses it: it builds, and
 * its check fails with the hint that fits; with the cut-out code put back
 * (the original sources copied over it) it builds and the check passes.
 * Real binaries on free ports, the real tests/stagecheck.
 *
 * The skeletons are written to a folder of their own, never over the
 * learner's exercises/.  The sanitizer builds copy no slides/: there the
 * suite has nothing to test and says so.
 */
#include "harness.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define OUT_MAX (64 * 1024)
#define BUILD_WAIT_MS (120 * 1000)
#define CHECK_WAIT_MS (90 * 1000)

struct exercise {
	const char *tag;
	const char *program; /* what the skeleton builds and the test runs */
	const char *edit;    /* the files with TODOs, space-separated */
	/* A server's check: stagecheck's arguments before HOST PORT, what its
	 * output says for the skeleton, and whether that is a failure (a
	 * missing EXTRA, 4-2's /dice, is not). */
	const char *check;
	const char *skeleton_says;
	bool skeleton_fails;
	const char *finished_says;
	/* A client's check instead: its input, for stage 1's echo_server. */
	const char *input;
};

static const struct exercise exercises[] = {
	{ "1-1", "stage1-echo/echo_client", "stage1-echo/echo_client.c",
	  NULL, NULL, true, NULL, "" },
	{ "1-3", "stage1-echo/echo_server",
	  "stage1-echo/echo_server.c stage1-echo/echo.c", "1",
	  "bind, listen, then accept", true, "checks passed", NULL },
	{ "1-4", "slides/practice/line_client",
	  "slides/practice/line_client.c", NULL, NULL, true, NULL,
	  "Hello socket\n안녕 세계!\n" },
	{ "2", "stage2-quiz/quiz_server",
	  "stage2-quiz/quiz.c stage2-quiz/quiz_client.c", "2",
	  "FAIL question", true, "checks passed", NULL },
	{ "3", "stage3-concurrent/quiz_thread",
	  "stage3-concurrent/quiz_thread.c stage3-concurrent/quiz_fork.c "
	  "stage3-concurrent/quiz_prefork.c", "3",
	  "FAIL question", true, "checks passed", NULL },
	{ "4", "stage4-chat/chat_server", "stage4-chat/chat_users.c", "4",
	  "FAIL a line reaches every other user", true, "checks passed",
	  NULL },
	{ "4-2", "stage4-chat/chat_server", "stage4-chat/chat_commands.c",
	  "4", "EXTRA /dice N: not found", false, "EXTRA /dice N: supported",
	  NULL },
	/* The game, a step at a time: 5-1 is step 0, which accepts players
	 * and does nothing else. */
	{ "5-1", "stage5-game/game_server", "stage5-game/game_world.c",
	  "5 --step 1", "FAIL SPAWN reaches the others", true,
	  "checks passed", NULL },
	{ "5-2", "stage5-game/game_server", "stage5-game/game_world.c",
	  "5 --step 2", "FAIL POS reaches the others", true, "checks passed",
	  NULL },
	{ "5-3", "stage5-game/game_server", "stage5-game/game_world.c",
	  "5 --step 3", "FAIL HIT when a bullet meets a player", true,
	  "checks passed", NULL },
	{ "5-4", "stage5-game/game_server", "stage5-game/game_world.c",
	  "5 --step 4", "FAIL PUTITEM", true, "checks passed", NULL },
};

static char out[OUT_MAX];

static int sh(const char *command, int timeout_ms)
{
	return run_shell(command, out, sizeof out, timeout_ms);
}

/* A socket bound to a port on 127.0.0.1 but not listening: a connect
 * there is refused, and nobody else can take the port meanwhile. */
static int port_that_refuses(char port[16])
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof addr;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert(fd >= 0 &&
		  bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
		  getsockname(fd, (struct sockaddr *)&addr, &len) == 0);
	snprintf(port, 16, "%d", ntohs(addr.sin_port));
	return fd;
}

/* Start the server the skeleton built and run its check.  A skeleton
 * whose socket calls are cut out exits instead of listening: then the
 * check goes to a port where nothing answers.  Returns the check's exit
 * status, its report in `out`. */
static int check_server(const struct exercise *e, const char *dir)
{
	char path[512], port[16], command[1024];
	char *argv[] = { path, "-p", "0", NULL };
	struct server s;

	snprintf(path, sizeof path, "%s/%s", dir, e->program);
	bool listening = spawn_server(&s, argv, WAIT_MS, 0) == 0;
	int refusing = -1;
	if (listening)
		snprintf(port, sizeof port, "%d", s.port);
	else
		refusing = port_that_refuses(port);
	snprintf(command, sizeof command, "tests/stagecheck %s 127.0.0.1 %s",
		 e->check, port);
	int rc = sh(command, CHECK_WAIT_MS);
	if (refusing >= 0)
		close(refusing);
	if (listening)
		ck_assert_msg(server_stop(&s) == 0, "%s did not stop cleanly",
			      path);
	return rc;
}

/* Run the client the skeleton built against stage 1's echo_server.
 * Returns its exit status, what it printed in `out`. */
static int check_client(const struct exercise *e, const char *dir)
{
	char path[512];
	struct server s;

	snprintf(path, sizeof path, "%s/%s", dir, e->program);
	server_start(&s, "stage1-echo/echo_server", NULL);
	char *argv[] = { path, "127.0.0.1", s.port_text, NULL };
	int rc = run_program(argv, e->input, out, sizeof out, WAIT_MS);
	ck_assert_int_eq(server_stop(&s), 0);
	return rc;
}

static void build(const char *dir)
{
	char command[512];

	snprintf(command, sizeof command, "make -s -C %s 2>&1", dir);
	ck_assert_msg(sh(command, BUILD_WAIT_MS) == 0, "%s does not build:\n%s",
		      dir, out);
}

/* Whether the checker takes --step (it checks the game a step at a time). */
static bool checker_has_steps(void)
{
	return sh("tests/stagecheck -h 2>&1", WAIT_MS) == 0 &&
	       strstr(out, "--step") != NULL;
}

START_TEST(skeleton_fails_its_check_and_the_answer_passes_it)
{
	const struct exercise *e = &exercises[_i];
	char tmp[] = "/tmp/exercises-test-XXXXXX";
	char dir[256], command[2048];

	if (e->check && strstr(e->check, "--step") && !checker_has_steps()) {
		fprintf(stderr, "exercises: practice %s not checked: "
			"tests/stagecheck has no --step yet\n", e->tag);
		return;
	}
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	snprintf(dir, sizeof dir, "%s/%s", tmp, e->tag);
	snprintf(command, sizeof command,
		 "python3 slides/exercises.py --out %s %s 2>&1", tmp, e->tag);
	ck_assert_msg(sh(command, BUILD_WAIT_MS) == 0, "%s", out);

	/* The skeleton: a TODO where the practice's code was, no marker. */
	snprintf(command, sizeof command,
		 "cd %s && for f in %s; do grep -q 'TODO: ' $f || "
		 "{ echo \"$f: no TODO\"; exit 1; }; done && "
		 "! grep -rnE '/[*] (end of )?exercise' --include='*.[ch]' .",
		 dir, e->edit);
	ck_assert_msg(sh(command, WAIT_MS) == 0, "%s: no TODO, or markers "
		      "left:\n%s", dir, out);
	build(dir);
	if (e->check) {
		int rc = check_server(e, dir);
		ck_assert_msg(rc == (e->skeleton_fails ? 1 : 0) &&
			      strstr(out, e->skeleton_says),
			      "practice %s's skeleton: exit %d, and no '%s' in:\n"
			      "%s", e->tag, rc, e->skeleton_says, out);
	} else {
		int rc = check_client(e, dir);
		ck_assert_msg(rc != 0 && strcmp(out, "Hello socket\n안녕 세계!\n"),
			      "practice %s's skeleton works already: exit %d:\n%s",
			      e->tag, rc, out);
	}

	/* The answer put back: the original sources over the skeleton's. */
	snprintf(command, sizeof command,
		 "for f in %s; do cp \"$f\" %s/\"$f\" || exit 1; done", e->edit,
		 dir);
	ck_assert_msg(sh(command, WAIT_MS) == 0, "%s", out);
	build(dir);
	if (e->check) {
		int rc = check_server(e, dir);
		ck_assert_msg(rc == 0 && strstr(out, e->finished_says),
			      "practice %s's answer: exit %d:\n%s", e->tag, rc,
			      out);
	} else {
		ck_assert_int_eq(check_client(e, dir), 0);
		ck_assert_str_eq(out, "Hello socket\n안녕 세계!\n");
	}

	snprintf(command, sizeof command, "rm -rf %s", tmp);
	sh(command, WAIT_MS);
}
END_TEST

/* make exercises writes every practice, and keeps what a learner wrote
 * in a skeleton that exists already. */
START_TEST(make_exercises_keeps_a_learners_work)
{
	char tmp[] = "/tmp/exercises-test-XXXXXX";
	char command[1024];

	ck_assert_ptr_nonnull(mkdtemp(tmp));
	snprintf(command, sizeof command,
		 "python3 slides/exercises.py --out %s 2>&1 && "
		 "echo '/* mine */' >> %s/2/stage2-quiz/quiz.c && "
		 "python3 slides/exercises.py --out %s 2>&1 && "
		 "grep -q 'mine' %s/2/stage2-quiz/quiz.c && "
		 "ls %s", tmp, tmp, tmp, tmp, tmp);
	int rc = sh(command, BUILD_WAIT_MS);
	char saved[OUT_MAX];
	memcpy(saved, out, sizeof saved);
	snprintf(command, sizeof command, "rm -rf %s", tmp);
	sh(command, WAIT_MS);

	ck_assert_msg(rc == 0, "%s", saved);
	ck_assert_msg(strstr(saved, "/2: kept, with your work in it"), "%s",
		      saved);
	for (size_t i = 0; i < sizeof exercises / sizeof exercises[0]; i++) {
		char line[64];
		snprintf(line, sizeof line, "\n%s\n", exercises[i].tag);
		ck_assert_msg(strstr(saved, line), "no exercises/%s:\n%s",
			      exercises[i].tag, saved);
	}
}
END_TEST

Suite *exercises_suite(void)
{
	Suite *s = suite_create("exercises");

	if (access("slides/exercises.py", R_OK) != 0) {
		fprintf(stderr, "exercises: no slides/ in this copy of the tree "
			"(a sanitizer build): nothing to test\n");
		return s;
	}
	TCase *tc = tcase_create("skeletons");
	tcase_add_loop_test(tc, skeleton_fails_its_check_and_the_answer_passes_it,
			    0, sizeof exercises / sizeof exercises[0]);
	tcase_add_test(tc, make_exercises_keeps_a_learners_work);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return s;
}
