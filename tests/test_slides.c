/*
 * test_slides.c - the workshop materials: every code block on the slides
 * is the code in the repository, every goal slide names its exercise,
 * every Python snippet runs, and practice 1-4's client works.  The
 * skeletons themselves: test_exercises.c; the doctor: test_setup.c.
 * Rendering the decks needs node and a browser, so it is not here but in
 * make test-slides (slides/test-offline.sh, slides/test-render.mjs).
 *
 * These run the real tools (make, python3) from the top of the
 * tree.  The sanitizer builds copy only the C sources into build/, without
 * slides/: there the suite has nothing to test and says so.
 */
#include "harness.h"

#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OUT_MAX (64 * 1024)
#define BUILD_WAIT_MS (120 * 1000)

static char out[OUT_MAX];

static int sh(const char *command, int timeout_ms)
{
	return run_shell(command, out, sizeof out, timeout_ms);
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

/* ---- The slides -------------------------------------------------------- */

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
		 "sed -i 's/serve_quiz(client_fd, /serve_quiz(client_fd,  /' "
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

/* An excerpt (lines=/START/,/END/) is widened to whole expressions:
 * slides/test_snippets.py tries the cuts on a function of its own. */
START_TEST(an_excerpt_never_ends_inside_an_expression)
{
	ck_assert_msg(sh("python3 slides/test_snippets.py 2>&1",
			 BUILD_WAIT_MS) == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "OK"));
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

/* A copy of the goal slide of practice `tag` ("# Practice TAG: ..." on
 * a goal slide) in `decks` (all of them, one text), or NULL. */
static char *goal_slide(const char *decks, const char *tag)
{
	char title[32];

	snprintf(title, sizeof title, "\n# Practice %s: ", tag);
	for (const char *at = strstr(decks, title); at;
	     at = strstr(at + 1, title)) {
		const char *slide = at;
		while (slide > decks && strncmp(slide, "\n---\n", 5) != 0)
			slide--;
		const char *end = strstr(at, "\n---\n");
		char *copy = strndup(slide, end ? (size_t)(end - slide)
						: strlen(slide));
		if (strstr(copy, "<!-- _class: goal -->"))
			return copy;
		free(copy);
	}
	return NULL;
}

/* Every practice with a skeleton (slides/exercises.py --list: tag, files
 * to edit, build, run, check) has a goal slide that names the file to
 * edit, how to build and run it, and its check with --room. */
START_TEST(every_goal_slide_names_its_exercise_and_check)
{
	glob_t paths;
	char *decks = NULL;
	size_t size = 0;

	ck_assert_int_eq(glob("slides/0*.md", 0, NULL, &paths), 0);
	FILE *all = open_memstream(&decks, &size);
	for (size_t i = 0; i < paths.gl_pathc; i++) {
		char *text = read_file(paths.gl_pathv[i]);
		fprintf(all, "\n---\n%s", text);
		free(text);
	}
	fclose(all);
	globfree(&paths);

	ck_assert_msg(sh("python3 slides/exercises.py --list", WAIT_MS) == 0,
		      "%s", out);
	int practices = 0;
	for (char *row = strtok(out, "\n"); row; row = strtok(NULL, "\n")) {
		char *fields[5], *save;
		int n = 0;
		for (char *f = strtok_r(row, "\t", &save); f && n < 5;
		     f = strtok_r(NULL, "\t", &save))
			fields[n++] = f;
		ck_assert_int_eq(n, 5);
		char *first_edit = strtok_r(fields[1], " ", &save);
		char *slide = goal_slide(decks, fields[0]);
		ck_assert_msg(slide, "practice %s has no goal slide", fields[0]);
		char check[128];
		snprintf(check, sizeof check, "%s --room HOST", fields[4]);
		ck_assert_msg(strstr(slide, first_edit) &&
			      strstr(slide, fields[2]) &&
			      (!strcmp(fields[4], "-") || strstr(slide, check)),
			      "practice %s's goal slide lacks '%s', '%s' or "
			      "'%s':\n%s", fields[0], first_edit, fields[2],
			      check, slide);
		free(slide);
		practices++;
	}
	ck_assert_int_ge(practices, 7); /* 1-1, 1-3, 1-4, 2, 3, 4, 4-2 */
	free(decks);
}
END_TEST

/* ---- The Python snippets ----------------------------------------------- */

#define SNIPPETS_WAIT_MS (180 * 1000)

/* Every Python snippet of the READMEs and the slides runs against our
 * servers (tests/run_snippets.py), each within its time limit. */
START_TEST(every_python_snippet_runs)
{
	int rc = sh("python3 tests/run_snippets.py 2>&1", SNIPPETS_WAIT_MS);
	int ran = -1, failed = -1;
	char *summary = strstr(out, "snippets: ");

	ck_assert_msg(rc == 0, "exit %d:\n%s", rc, out);
	ck_assert_ptr_nonnull(summary);
	ck_assert_int_eq(sscanf(summary, "snippets: %d run, %d failed", &ran,
				&failed), 2);
	ck_assert_int_eq(failed, 0);
	/* The chat client of stage 4's README, the echo one-liner of stage
	 * 1's, the game's, and the slides' own. */
	ck_assert_int_ge(ran, 6);
	ck_assert_ptr_nonnull(strstr(out, "ok   stage4-chat/README.md"));
}
END_TEST

/* The runner must catch the snippet this test was written for: the chat
 * client with one makefile("rw") loses the line it read ahead, and waits
 * forever for it.  It reads ahead only what has arrived: the pause makes
 * sure both of the server's first lines have. */
START_TEST(a_snippet_that_hangs_fails)
{
	char dir[] = "/tmp/snippet-test-XXXXXX", path[64];
	ck_assert_ptr_nonnull(mkdtemp(dir)); /* mkstemps() is not POSIX */
	snprintf(path, sizeof path, "%s/page.md", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	const char *page =
		"```python\n"
		"import socket\n"
		"import time\n"
		"s = socket.create_connection((\"localhost\", 10004))\n"
		"time.sleep(0.5)\n"
		"f = s.makefile(\"rw\", encoding=\"utf-8\")\n"
		"print(f.readline(), end=\"\")\n"
		"print(\"/nick ipkn\", file=f, flush=True)\n"
		"print(\"hello\", file=f, flush=True)\n"
		"for _ in range(3):\n"
		"    print(f.readline(), end=\"\")\n"
		"```\n"
		"```python\n"
		"# a fragment: not run\n"
		"this is not Python\n"
		"```\n";
	char command[256];

	ck_assert(fd >= 0);
	ck_assert(write(fd, page, strlen(page)) == (ssize_t)strlen(page));
	close(fd);
	snprintf(command, sizeof command, "python3 tests/run_snippets.py %s 2>&1",
		 path);
	int rc = sh(command, SNIPPETS_WAIT_MS);
	unlink(path);
	rmdir(dir);
	ck_assert_msg(rc == 1 && strstr(out, "(it hangs)") &&
		      strstr(out, "snippets: 1 run, 1 failed"),
		      "exit %d:\n%s", rc, out);
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

/* `make screenshots` (deck 05's picture): the real client against the real
 * server, into a PNG of the whole window, the right way up (the status
 * line is at the top).  Here into a scratch file, not the committed one. */
START_TEST(the_screenshot_shows_the_game)
{
	if (access("stage5-game/game_client", X_OK) != 0) {
		fprintf(stderr, "slides: no game_client (no SDL2): no screenshot\n");
		return;
	}
	int rc = sh("d=$(mktemp -d) && sh slides/pictures/screenshot.sh 60 "
		    "$d/game.png && python3 -c '\n"
		    "import struct, sys, zlib\n"
		    "png = open(sys.argv[1], \"rb\").read()\n"
		    "assert png[:8] == b\"\\x89PNG\\r\\n\\x1a\\n\"\n"
		    "w, h = struct.unpack(\">II\", png[16:24])\n"
		    "data, i = b\"\", 8\n"
		    "while i < len(png):\n"
		    "    n, = struct.unpack(\">I\", png[i:i + 4])\n"
		    "    if png[i + 4:i + 8] == b\"IDAT\": data += png[i + 8:i + 8 + n]\n"
		    "    i += 12 + n\n"
		    "raw = zlib.decompress(data)\n"
		    "rows = [raw[y * (3 * w + 1) + 1:(y + 1) * (3 * w + 1)] for y in range(h)]\n"
		    "colours = lambda rs: len({r[x:x + 3] for r in rs for x in range(0, 3 * w, 3)})\n"
		    "print(\"picture %d %d %d %d\" % (w, h, colours(rows), colours(rows[-24:])))\n"
		    "' $d/game.png; rc=$?; rm -rf $d; exit $rc", BUILD_WAIT_MS);
	/* "picture WIDTH HEIGHT COLOURS COLOURS-IN-THE-BOTTOM-24-ROWS": the
	 * client's status line has a strip of its own under the arena. */
	int width = 0, height = 0, colours = 0, strip = 0;
	const char *summary = strstr(out, "\npicture ");

	ck_assert_msg(rc == 0 && summary, "%s", out);
	ck_assert_int_eq(sscanf(summary, "\npicture %d %d %d %d", &width,
				&height, &colours, &strip), 4);
	ck_assert_msg(width == 800 && height == 626, "%s", out);
	ck_assert_msg(colours > 10, "a blank picture:\n%s", out);
	ck_assert_msg(strip > 2, "no status line at the bottom:\n%s", out);
}
END_TEST

/* A fontconfig that knows only DejaVu: no font has Hangul. */
START_TEST(doctor_names_a_missing_korean_font)
{
	if (sh("command -v fc-list", WAIT_MS) != 0)
		return; /* no fontconfig: the doctor does not look (macOS) */
	int rc = sh("d=$(mktemp -d) && printf '<fontconfig><dir>"
		    "/usr/share/fonts/truetype/dejavu</dir><cachedir>'$d'"
		    "</cachedir></fontconfig>' >$d/fonts.conf && "
		    "FONTCONFIG_FILE=$d/fonts.conf sh slides/doctor.sh; "
		    "rc=$?; rm -rf $d; exit $rc", WAIT_MS);

	ck_assert_int_eq(rc, 1);
	ck_assert_ptr_nonnull(strstr(out, "MISSING  a Korean font"));
	ck_assert_ptr_nonnull(strstr(out, "apt-get install -y fonts-noto-cjk"));
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
	tcase_add_test(build, every_code_block_is_its_source);
	tcase_add_test(build, a_changed_source_line_fails_the_check);
	tcase_add_test(build, every_practice_has_a_complete_goal_slide);
	tcase_add_test(build, every_goal_slide_names_its_exercise_and_check);
	tcase_add_test(build, an_excerpt_never_ends_inside_an_expression);
	tcase_set_timeout(build, 300);
	suite_add_tcase(s, build);

	TCase *python = tcase_create("python snippets");
	tcase_add_test(python, every_python_snippet_runs);
	tcase_add_test(python, a_snippet_that_hangs_fails);
	tcase_set_timeout(python, 240);
	suite_add_tcase(s, python);

	TCase *exercises = tcase_create("practice and doctor");
	tcase_add_test(exercises, line_client_echoes_lines_through_files);
	tcase_add_test(exercises, doctor_names_a_missing_korean_font);
	tcase_add_test(exercises, the_screenshot_shows_the_game);
	tcase_set_timeout(exercises, 150);
	suite_add_tcase(s, exercises);
	return s;
}
