/*
 * test_setup.c - the set-up a learner meets first: make doctor names each
 * missing thing with a line that installs it, tests/install-deps.sh says
 * (or does) the same, and the Makefile keeps the GNU conventions.
 *
 * A missing program is simulated by a PATH of links to every program but
 * that one; a missing library by a pkg-config search path without its .pc
 * file; a missing font by FONT_DIRS.  apt-get, sudo, su and id are stubs
 * that write down what they were asked: nothing is installed for real.
 */
#include "harness.h"

#include <dirent.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUT_MAX (64 * 1024)
#define BUILD_WAIT_MS (300 * 1000)

static char out[OUT_MAX];
static char report[OUT_MAX]; /* out of the command under test, kept */

static int sh(const char *command, int timeout_ms)
{
	return run_shell(command, out, sizeof out, timeout_ms);
}

static bool is_one_of(const char *name, const char *hidden)
{
	size_t len = strlen(name);

	for (const char *p = strstr(hidden, name); p; p = strstr(p + 1, name))
		if ((p == hidden || p[-1] == ' ') &&
		    (p[len] == ' ' || p[len] == '\0'))
			return true;
	return false;
}

/* Link every entry of `from` into `dir`, but those named in `hidden`
 * (space-separated) and those already there. */
static void link_all(const char *dir, const char *from, const char *hidden)
{
	DIR *d = opendir(from);
	struct dirent *e;
	char target[512], link[512];

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || is_one_of(e->d_name, hidden))
			continue;
		snprintf(target, sizeof target, "%s/%s", from, e->d_name);
		snprintf(link, sizeof link, "%s/%s", dir, e->d_name);
		if (access(link, F_OK) != 0)
			ck_assert_msg(symlink(target, link) == 0, "%s", link);
	}
	closedir(d);
}

/* A new folder in `dir` (a mkdtemp template) that holds every program on
 * this machine's usual PATH but those in `hidden`. */
static void path_without(char *dir, const char *hidden)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	link_all(dir, "/usr/local/bin", hidden);
	link_all(dir, "/usr/bin", hidden);
	link_all(dir, "/bin", hidden);
}

/* A stub program `name` in `dir`: a shell script with `body`. */
static void stub(const char *dir, const char *name, const char *body)
{
	char path[512];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	unlink(path);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0755), 0);
}

/* A pkg-config search path in `dir` (a mkdtemp template) with every .pc
 * file of this machine but those of `hidden`. */
static void pc_path_without(char *dir, const char *hidden)
{
	glob_t pcs;
	char link[512];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	if (glob("/usr/lib/*/pkgconfig/*.pc", 0, NULL, &pcs) != 0)
		return;
	glob("/usr/lib/pkgconfig/*.pc", GLOB_APPEND, NULL, &pcs);
	glob("/usr/share/pkgconfig/*.pc", GLOB_APPEND, NULL, &pcs);
	for (size_t i = 0; i < pcs.gl_pathc; i++) {
		char name[256];
		const char *base = strrchr(pcs.gl_pathv[i], '/') + 1;
		snprintf(name, sizeof name, "%.*s", (int)(strlen(base) - 3), base);
		snprintf(link, sizeof link, "%s/%s", dir, base);
		if (!is_one_of(name, hidden) && access(link, F_OK) != 0)
			ck_assert(symlink(pcs.gl_pathv[i], link) == 0);
	}
	globfree(&pcs);
}

static void remove_tree(const char *dir)
{
	char command[600];

	snprintf(command, sizeof command, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(command), 0);
}

/* The line of `text` that starts (after spaces) with `start`, in `line`. */
static bool line_starting(const char *text, const char *start, char *line,
			  size_t cap)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n')) {
		p += *p == '\n';
		while (*p == ' ')
			p++;
		if (strncmp(p, start, strlen(start)) == 0) {
			snprintf(line, cap, "%.*s", (int)strcspn(p, "\n"), p);
			return true;
		}
	}
	return false;
}

/* Run an install line as a user would, with sudo, su and apt-get stubs
 * that write down what they are asked; returns what apt-get was asked. */
static char *run_install_line(const char *line)
{
	static char asked[4096];
	char bin[] = "/tmp/setup-stubs-XXXXXX", command[8192], log[600];

	path_without(bin, "apt-get sudo su");
	snprintf(log, sizeof log, "%s/apt.log", bin);
	char body[1024];
	snprintf(body, sizeof body, "echo \"apt-get $*\" >> '%s'", log);
	stub(bin, "apt-get", body);
	stub(bin, "sudo", "exec \"$@\"");
	stub(bin, "su", "[ \"$1\" = -c ] && exec sh -c \"$2\"; exit 1");
	snprintf(command, sizeof command, "PATH='%s'; %s 2>&1", bin, line);
	ck_assert_msg(sh(command, WAIT_MS) == 0, "%s:\n%s", line, out);
	FILE *f = fopen(log, "r");
	size_t n = f ? fread(asked, 1, sizeof asked - 1, f) : 0;
	asked[n] = '\0';
	if (f)
		fclose(f);
	remove_tree(bin);
	return asked;
}

/* ---- make doctor ----------------------------------------------------------- */

/* One thing the doctor looks for (a line of tests/deps.list in the group
 * doctor), how to take it away, and what the doctor must then say. */
struct absence {
	const char *hide_programs; /* left out of PATH */
	const char *hide_pc;       /* left out of pkg-config's path */
	bool no_fonts;             /* FONT_DIRS: no folder at all */
	bool only_dejavu;          /* FONT_DIRS: DejaVu and nothing else */
	const char *says;          /* "MISSING  ..." */
	const char *packages;      /* on the Debian line */
};

static const struct absence absences[] = {
	{ "cc", NULL, false, false, "MISSING  C compiler", "gcc" },
	{ "make", NULL, false, false, "MISSING  make", "make" },
	{ "pkg-config", NULL, false, false, "MISSING  pkg-config", "pkg-config" },
	{ NULL, "check", false, false, "MISSING  check", " check" },
	{ "python3", NULL, false, false, "MISSING  python3", "python3" },
	{ NULL, "SDL2_ttf", false, false, "MISSING  sdl2 SDL2_ttf",
	  "libsdl2-dev libsdl2-ttf-dev" },
	{ "fc-list", NULL, true, false, "MISSING  the font DejaVuSans.ttf",
	  "fonts-dejavu-core" },
	{ "nc", NULL, false, false, "MISSING  nc", "netcat-openbsd" },
	{ "fc-list", NULL, false, true, "MISSING  a Korean font",
	  "fonts-noto-cjk" },
};
#define NABSENCES (int)(sizeof absences / sizeof absences[0])

/* The doctor's report with absences[_i] taken away. */
START_TEST(doctor_names_each_missing_thing_with_a_working_line)
{
	const struct absence *a = &absences[_i];
	char bin[] = "/tmp/setup-path-XXXXXX", pc[] = "/tmp/setup-pc-XXXXXX";
	char fonts[] = "/tmp/setup-fonts-XXXXXX", command[2048], line[1024];

	path_without(bin, a->hide_programs ? a->hide_programs : "");
	pc_path_without(pc, a->hide_pc ? a->hide_pc : "");
	ck_assert_ptr_nonnull(mkdtemp(fonts));
	char font_dirs[600] = "";
	if (a->no_fonts || a->only_dejavu) {
		snprintf(font_dirs, sizeof font_dirs, "FONT_DIRS='%s'", fonts);
		if (a->only_dejavu) {
			char link[600];
			snprintf(link, sizeof link, "%s/DejaVuSans.ttf", fonts);
			ck_assert(symlink("/usr/share/fonts/truetype/dejavu/"
					  "DejaVuSans.ttf", link) == 0);
		}
	}
	snprintf(command, sizeof command,
		 "env -u CC PATH='%s' PKG_CONFIG_LIBDIR='%s' %s "
		 "sh slides/doctor.sh 2>&1", bin, pc, font_dirs);
	int rc = sh(command, WAIT_MS);
	remove_tree(bin);
	remove_tree(pc);
	remove_tree(fonts);
	memcpy(report, out, sizeof report);

	ck_assert_msg(rc == 1, "exit %d:\n%s", rc, report);
	ck_assert_msg(strstr(report, a->says), "no '%s':\n%s", a->says, report);
	ck_assert_msg(!strstr(report, "All set"), "%s", report);
	ck_assert(line_starting(report, "Debian/Ubuntu:", line, sizeof line));
	ck_assert_msg(strstr(line, a->packages), "%s", line);
	char *cmd = strstr(line, "sudo ");
	char *asked = run_install_line(cmd);
	ck_assert_msg(strstr(asked, "apt-get update") &&
		      strstr(asked, a->packages), "asked: %s", asked);
	ck_assert(line_starting(report, "(no sudo:", line, sizeof line));
	cmd = strstr(line, "su -c");
	line[strlen(line) - 1] = '\0'; /* the closing parenthesis */
	asked = run_install_line(cmd);
	ck_assert_msg(strstr(asked, a->packages), "asked: %s", asked);
}
END_TEST

/* Every line of the doctor group in deps.list is one of the absences
 * above: a new line needs a new case. */
START_TEST(every_doctor_line_is_tried)
{
	ck_assert_int_eq(sh("grep -c '^[a-z ]*doctor[a-z ]*|' tests/deps.list",
			    WAIT_MS), 0);
	ck_assert_int_eq(atoi(out), NABSENCES);
}
END_TEST

/* "All set" only where the code builds: a compiler that fails. */
START_TEST(doctor_says_all_set_only_where_the_code_builds)
{
	int rc = sh("sh slides/doctor.sh 2>&1", WAIT_MS);

	if (rc == 0)
		ck_assert_ptr_nonnull(strstr(out, "All set"));
	rc = sh("CC=false sh slides/doctor.sh 2>&1", WAIT_MS);
	ck_assert_msg(rc == 1 && !strstr(out, "All set") &&
		      strstr(out, "does not build here"), "exit %d:\n%s", rc,
		      out);
}
END_TEST

/* make doctor: a report, not a failed build, whatever it finds. */
START_TEST(make_doctor_reports_without_a_make_error)
{
	char bin[] = "/tmp/setup-path-XXXXXX", command[600];

	path_without(bin, "nc");
	snprintf(command, sizeof command,
		 "PATH='%s' make --no-print-directory doctor 2>&1", bin);
	int rc = sh(command, BUILD_WAIT_MS);
	remove_tree(bin);
	ck_assert_msg(rc == 0, "exit %d:\n%s", rc, out);
	ck_assert_msg(strstr(out, "MISSING  nc") && !strstr(out, "Error"),
		      "%s", out);
}
END_TEST

/* ---- tests/install-deps.sh --------------------------------------------------- */

/* As a plain user: the two lines it prints install what is missing. */
START_TEST(install_deps_prints_lines_that_install)
{
	char bin[] = "/tmp/setup-path-XXXXXX", command[600], line[1024];

	path_without(bin, "id");
	stub(bin, "id", "echo 1000");
	snprintf(command, sizeof command, "PATH='%s' PKG_CONFIG_LIBDIR=/nonexistent "
		 "sh tests/install-deps.sh 2>&1", bin);
	int rc = sh(command, WAIT_MS);
	remove_tree(bin);
	memcpy(report, out, sizeof report);
	ck_assert_msg(rc == 1, "exit %d:\n%s", rc, report);
	ck_assert(line_starting(report, "sudo sh -c", line, sizeof line));
	char *asked = run_install_line(line);
	ck_assert_msg(strstr(asked, "apt-get update") &&
		      strstr(asked, "install -y check libsdl2-dev libsdl2-ttf-dev"),
		      "asked: %s", asked);
	ck_assert(line_starting(report, "su -c", line, sizeof line));
	asked = run_install_line(line);
	ck_assert_msg(strstr(asked, "install -y check libsdl2-dev"), "asked: %s",
		      asked);
}
END_TEST

/* As root: a line per step with its time, and a check afterwards (the
 * stub installs nothing, so it must say so). */
START_TEST(install_deps_as_root_shows_each_step)
{
	char bin[] = "/tmp/setup-path-XXXXXX", command[600];

	path_without(bin, "id apt-get");
	stub(bin, "id", "echo 0");
	stub(bin, "apt-get", "echo \"$*\"; echo '0 upgraded, 2 newly installed'");
	snprintf(command, sizeof command, "PATH='%s' PKG_CONFIG_LIBDIR=/nonexistent "
		 "sh tests/install-deps.sh 2>&1", bin);
	int rc = sh(command, WAIT_MS);
	remove_tree(bin);
	ck_assert_msg(rc == 1, "exit %d:\n%s", rc, out);
	ck_assert_msg(strstr(out, "install-deps: apt-get update: done in ") &&
		      strstr(out, "install-deps: apt-get install check "
			     "libsdl2-dev libsdl2-ttf-dev: done in ") &&
		      strstr(out, "still missing after apt-get: check"),
		      "%s", out);
}
END_TEST

/* What make test installs is what the tests need: no node, no browser. */
START_TEST(make_test_needs_no_node_and_no_browser)
{
	ck_assert_int_eq(sh("grep '^[a-z ]*test[a-z ]*|' tests/deps.list", WAIT_MS), 0);
	ck_assert_msg(!strstr(out, "npm") && !strstr(out, "chromium") &&
		      !strstr(out, "noto-cjk"), "%s", out);
}
END_TEST

/* ---- The Makefile's conventions ------------------------------------------------ */

/* In a copy of the tree: a user's CPPFLAGS, CFLAGS, LDFLAGS and LDLIBS
 * build everything; plain make has no -Werror, make test does; install,
 * uninstall; make exercises without python3 says what to install. */
START_TEST(make_keeps_the_conventions)
{
	char tmp[] = "/tmp/setup-make-XXXXXX", command[2048];
	char bin[] = "/tmp/setup-path-XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(tmp));
	/* As a user types it, not as make test (WERROR=-Werror) passes it on. */
	snprintf(command, sizeof command,
		 "unset MAKEFLAGS MFLAGS MAKELEVEL WERROR; "
		 "cp -r Makefile common stage*-* tests slides %s/ && cd %s && "
		 "make clean >/dev/null && "
		 "nice make -j2 CPPFLAGS=-DUSER_MARK CFLAGS='-O1 -g' "
		 "LDFLAGS=-L/nonexistent LDLIBS=-lc all 2>&1", tmp, tmp);
	int rc = sh(command, BUILD_WAIT_MS);
	ck_assert_msg(rc == 0, "make with a user's flags failed:\n%s", out);
	ck_assert_ptr_nonnull(strstr(out, "-DUSER_MARK"));
	ck_assert_ptr_nonnull(strstr(out, "-L/nonexistent"));
	ck_assert_msg(!strstr(out, "-Werror"), "plain make uses -Werror");

	snprintf(command, sizeof command, "unset MAKEFLAGS MFLAGS MAKELEVEL WERROR; "
		 "cd %s && make clean >/dev/null && make -n test 2>&1", tmp);
	ck_assert_int_eq(sh(command, BUILD_WAIT_MS), 0);
	ck_assert_msg(strstr(out, "-Werror"), "make test lacks -Werror");

	snprintf(command, sizeof command, "unset MAKEFLAGS MFLAGS MAKELEVEL WERROR; "
		 "cd %s && make -j2 all >/dev/null 2>&1 && "
		 "make install DESTDIR=%s/root PREFIX=/usr >/dev/null && "
		 "test -x root/usr/bin/echo_server && "
		 "test -x root/usr/bin/game_server && "
		 "make uninstall DESTDIR=%s/root PREFIX=/usr >/dev/null && "
		 "ls root/usr/bin | wc -l", tmp, tmp, tmp);
	ck_assert_msg(sh(command, BUILD_WAIT_MS) == 0, "%s", out);
	ck_assert_msg(atoi(out) == 0, "left after uninstall: %s", out);

	path_without(bin, "python3");
	snprintf(command, sizeof command, "unset MAKEFLAGS MFLAGS MAKELEVEL WERROR; "
		 "cd %s && PATH='%s' make exercises 2>&1", tmp, bin);
	rc = sh(command, WAIT_MS);
	ck_assert_msg(rc != 0 && strstr(out, "needs python3") &&
		      strstr(out, "apt-get install -y python3"), "%s", out);
	remove_tree(bin);
	remove_tree(tmp);
}
END_TEST

Suite *setup_suite(void)
{
	Suite *s = suite_create("setup");

	if (access("tests/deps.list", R_OK) != 0 ||
	    access("slides/doctor.sh", R_OK) != 0) {
		fprintf(stderr, "setup: no tests/deps.list or slides/ in this "
			"copy of the tree (a sanitizer build): nothing to test\n");
		return s;
	}
	TCase *doctor = tcase_create("doctor");
	tcase_add_loop_test(doctor,
			    doctor_names_each_missing_thing_with_a_working_line,
			    0, NABSENCES);
	tcase_add_test(doctor, every_doctor_line_is_tried);
	tcase_add_test(doctor, doctor_says_all_set_only_where_the_code_builds);
	tcase_add_test(doctor, make_doctor_reports_without_a_make_error);
	tcase_set_timeout(doctor, 60);
	suite_add_tcase(s, doctor);

	TCase *install = tcase_create("install-deps");
	tcase_add_test(install, install_deps_prints_lines_that_install);
	tcase_add_test(install, install_deps_as_root_shows_each_step);
	tcase_add_test(install, make_test_needs_no_node_and_no_browser);
	tcase_set_timeout(install, 60);
	suite_add_tcase(s, install);

	TCase *make = tcase_create("make");
	tcase_add_test(make, make_keeps_the_conventions);
	tcase_set_timeout(make, 600);
	suite_add_tcase(s, make);
	return s;
}
