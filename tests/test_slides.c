/*
 * test_slides.c - the workshop materials: the slides build, every code
 * block on them is the code in the repository, every catch-up skeleton
 * builds, practice 1-4's client works, and `make doctor` gives a verdict.
 *
 * These run the real tools (make, Marp CLI, python3) from the top of the
 * tree.  The sanitizer builds copy only the C sources into build/, without
 * slides/: there the suite has nothing to test and says so.
 */
#include "harness.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OUT_MAX (64 * 1024)
/* The first `make slides` on a machine fetches Marp CLI with npm. */
#define SLIDES_WAIT_MS (240 * 1000)
#define BUILD_WAIT_MS (120 * 1000)

static char out[OUT_MAX];

/* Run a shell command line, its stderr with its stdout into `out`.
 * Returns its exit status.  Our make must not think it runs inside the
 * make that runs the tests (make test). */
static int sh(const char *command, int timeout_ms)
{
	char *argv[] = { "sh", "-c", (char *)command, NULL };

	unsetenv("MAKEFLAGS");
	unsetenv("MFLAGS");
	unsetenv("MAKELEVEL");
	return run_program(argv, "", out, sizeof out, timeout_ms);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t size = 0;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	FILE *copy = open_memstream(&text, &size);
	ck_assert(copy != NULL);
	int ch;
	while ((ch = getc(f)) != EOF)
		putc(ch, copy);
	fclose(f);
	fclose(copy);
	return text;
}

static bool file_has(const char *path, const char *text)
{
	char *content = read_file(path);
	bool found = strstr(content, text) != NULL;

	free(content);
	return found;
}

/* ---- The slides -------------------------------------------------------- */

START_TEST(make_slides_renders_every_deck_for_offline_use)
{
	glob_t decks;

	ck_assert_msg(sh("make --no-print-directory slides 2>&1",
			 SLIDES_WAIT_MS) == 0, "make slides failed:\n%s", out);
	ck_assert_int_eq(glob("slides/*.md", 0, NULL, &decks), 0);
	ck_assert_int_ge(decks.gl_pathc, 8); /* opening, 1, 1b, 2-5, closing */
	for (size_t i = 0; i < decks.gl_pathc; i++) {
		char html[256];
		const char *name = strrchr(decks.gl_pathv[i], '/') + 1;

		snprintf(html, sizeof html, "slides/html/%.*s.html",
			 (int)(strlen(name) - 3), name);
		char *text = read_file(html);
		ck_assert_msg(strstr(text, "<section") != NULL,
			      "%s has no slides", html);
		/* Self-contained: nothing is fetched when it is shown. */
		ck_assert_msg(!strstr(text, "src=\"http") &&
			      !strstr(text, "href=\"http") &&
			      !strstr(text, "url(http") &&
			      !strstr(text, "@import url"),
			      "%s loads something from the network", html);
		free(text);
	}
	globfree(&decks);
	/* The Korean terms survive the trip: the chat deck has them. */
	ck_assert(file_has("slides/html/04-chat.html", "/주사위"));
}
END_TEST

START_TEST(every_code_block_is_its_source)
{
	ck_assert_msg(sh("python3 slides/snippets.py --check 2>&1",
			 BUILD_WAIT_MS) == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "checked"));
}
END_TEST

/* The check must notice a change: edit a copy of the tree, one line that
 * a code block shows and one that a `make diff` block shows. */
START_TEST(a_changed_source_line_fails_the_check)
{
	char tmp[] = "/tmp/slides-test-XXXXXX";
	char command[1024];

	ck_assert_ptr_nonnull(mkdtemp(tmp));
	snprintf(command, sizeof command,
		 "cp -r Makefile common stage1-echo stage2-quiz %s/ && "
		 "cp -r stage3-concurrent stage4-chat stage5-game %s/ && "
		 "mkdir %s/slides && cp -r slides/*.md slides/*.py "
		 "slides/practice %s/slides/ && "
		 "python3 %s/slides/snippets.py --check >/dev/null && "
		 "sed -i 's/ssize_t n;/ssize_t n; /' %s/stage1-echo/echo.c && "
		 "sed -i 's/serve_quiz(client_fd);/serve_quiz(client_fd); /' "
		 "%s/stage2-quiz/quiz_server.c && "
		 "python3 %s/slides/snippets.py --check 2>&1",
		 tmp, tmp, tmp, tmp, tmp, tmp, tmp, tmp);
	int rc = sh(command, BUILD_WAIT_MS);
	snprintf(command, sizeof command, "rm -rf %s", tmp);
	char saved[OUT_MAX];
	memcpy(saved, out, sizeof saved);
	sh(command, WAIT_MS);

	ck_assert_msg(rc == 1, "exit %d:\n%s", rc, saved);
	ck_assert_msg(strstr(saved, "function=serve_echo"), "%s", saved);
	ck_assert_msg(strstr(saved, "diff FROM=1 TO=2"), "%s", saved);
	ck_assert_msg(strstr(saved, "differ from the sources"), "%s", saved);
}
END_TEST

/* Every practice has a goal slide: what you build, how you run it, and
 * when you are done.  Each deck of a stage has at least one. */
START_TEST(every_practice_has_a_complete_goal_slide)
{
	glob_t decks;
	int stage_decks = 0;

	ck_assert_int_eq(glob("slides/0[1-5]*.md", 0, NULL, &decks), 0);
	for (size_t i = 0; i < decks.gl_pathc; i++) {
		char *text = read_file(decks.gl_pathv[i]);
		int goals = 0;

		for (char *slide = strstr(text, "<!-- _class: goal -->"); slide;
		     slide = strstr(slide + 1, "<!-- _class: goal -->")) {
			char *end = strstr(slide, "\n---\n");
			if (end)
				*end = '\0';
			ck_assert_msg(strstr(slide, "**Build:**") &&
				      strstr(slide, "**Run:**") &&
				      strstr(slide, "**You are done when**"),
				      "%s: a goal slide lacks Build, Run or "
				      "You are done when", decks.gl_pathv[i]);
			goals++;
			if (!end)
				break;
			*end = '\n';
		}
		ck_assert_msg(goals > 0, "%s has no goal slide",
			      decks.gl_pathv[i]);
		stage_decks++;
		free(text);
	}
	globfree(&decks);
	ck_assert_int_ge(stage_decks, 6); /* 1, 1b, 2, 3, 4, 5 */
}
END_TEST

/* ---- The catch-up skeletons ------------------------------------------- */

struct skeleton {
	const char *dir;
	const char *lesson_file; /* where a TODO replaced the lesson */
	const char *solution;    /* a line of the lesson, gone from it */
	const char *server;      /* a program the skeleton builds */
};

static const struct skeleton skeletons[] = {
	{ "exercises/stage1", "stage1-echo/echo.c", "send_all(fd, buf",
	  "stage1-echo/echo_server" },
	{ "exercises/stage2", "stage2-quiz/quiz.c", "fprintf(out, \"%d+%d\\n\"",
	  "stage2-quiz/quiz_server" },
	{ "exercises/stage3", "stage3-concurrent/quiz_thread.c",
	  "pthread_create(", "stage3-concurrent/quiz_thread" },
	{ "exercises/stage4", "stage4-chat/chat_server.c",
	  "strcmp(u->room, room) == 0", "stage4-chat/chat_server" },
	{ "exercises/stage5", "stage5-game/game_world.c",
	  "victim->hp -= b->dmg", "stage5-game/game_server" },
};

START_TEST(make_exercises_writes_skeletons_that_build)
{
	const struct skeleton *k = &skeletons[_i];
	char command[512], path[512];

	ck_assert_msg(sh("make --no-print-directory exercises 2>&1",
			 BUILD_WAIT_MS) == 0, "make exercises:\n%s", out);
	snprintf(command, sizeof command, "make -s -C %s 2>&1", k->dir);
	ck_assert_msg(sh(command, BUILD_WAIT_MS) == 0, "%s:\n%s", k->dir, out);

	snprintf(path, sizeof path, "%s/%s", k->dir, k->lesson_file);
	ck_assert_msg(file_has(path, "/* TODO: "), "%s has no TODO", path);
	ck_assert_msg(!file_has(path, k->solution),
		      "%s still has the answer", path);
	ck_assert_msg(!file_has(path, "exercise"), "%s has markers", path);
	snprintf(path, sizeof path, "%s/TODO.md", k->dir);
	ck_assert(file_has(path, k->lesson_file));

	/* The skeleton's server runs: it listens, and the stub handlers of
	 * stages 1 and 2 just close the connection. */
	struct server s;
	snprintf(path, sizeof path, "%s/%s", k->dir, k->server);
	server_start(&s, path, NULL);
	int fd = server_connect(&s);
	if (_i < 2)
		ck_assert(recv_closed(fd, WAIT_MS));
	close(fd);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* ---- Practice 1-4 and the doctor --------------------------------------- */

START_TEST(line_client_echoes_lines_through_files)
{
	struct server s;
	char *argv[] = { "slides/practice/line_client", "127.0.0.1", NULL,
			 NULL };

	ck_assert_msg(sh("make --no-print-directory slides/practice/line_client"
			 " 2>&1", BUILD_WAIT_MS) == 0, "%s", out);
	server_start(&s, "stage1-echo/echo_server", NULL);
	argv[2] = s.port_text;
	ck_assert_int_eq(run_program(argv, "Hello socket\n안녕 세계!\nlast",
				     out, sizeof out, WAIT_MS), 0);
	ck_assert_str_eq(out, "Hello socket\n안녕 세계!\nlast\n");
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(make_doctor_gives_a_verdict)
{
	int rc = sh("make --no-print-directory doctor 2>&1", BUILD_WAIT_MS);

	ck_assert_ptr_nonnull(strstr(out, "ok       make"));
	if (rc == 0)
		ck_assert_ptr_nonnull(strstr(out, "All set"));
	else
		ck_assert_msg(rc == 1 && strstr(out, "sudo apt-get install"),
			      "exit %d:\n%s", rc, out);
}
END_TEST

START_TEST(doctor_names_what_is_missing_and_how_to_install_it)
{
	/* An empty PATH: nothing can be found. */
	int rc = sh("env PATH=/nonexistent /bin/sh slides/doctor.sh",
		    WAIT_MS);

	ck_assert_int_eq(rc, 1);
	ck_assert_ptr_nonnull(strstr(out, "MISSING  C compiler"));
	ck_assert_ptr_nonnull(strstr(out, "MISSING  Check"));
	ck_assert_ptr_nonnull(strstr(out, "sudo apt-get install -y gcc make"));
	ck_assert_ptr_nonnull(strstr(out, "libsdl2-dev libsdl2-ttf-dev"));
	ck_assert_ptr_nonnull(strstr(out, "brew install"));
}
END_TEST

Suite *slides_suite(void)
{
	Suite *s = suite_create("slides");

	if (access("slides/snippets.py", R_OK) != 0) {
		fprintf(stderr, "slides: no slides/ in this copy of the tree "
			"(a sanitizer build): nothing to test\n");
		return s;
	}
	TCase *build = tcase_create("slides");
	tcase_add_test(build, make_slides_renders_every_deck_for_offline_use);
	tcase_add_test(build, every_code_block_is_its_source);
	tcase_add_test(build, a_changed_source_line_fails_the_check);
	tcase_add_test(build, every_practice_has_a_complete_goal_slide);
	tcase_set_timeout(build, 300);
	suite_add_tcase(s, build);

	TCase *exercises = tcase_create("exercises");
	tcase_add_loop_test(exercises,
			    make_exercises_writes_skeletons_that_build, 0,
			    sizeof skeletons / sizeof skeletons[0]);
	tcase_add_test(exercises, line_client_echoes_lines_through_files);
	tcase_add_test(exercises, make_doctor_gives_a_verdict);
	tcase_add_test(exercises,
		       doctor_names_what_is_missing_and_how_to_install_it);
	tcase_set_timeout(exercises, 150);
	suite_add_tcase(s, exercises);
	return s;
}
