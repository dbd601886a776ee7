/*
 * test_bench.c - a smoke run of the benchmark (a second per case), so that
 * `make bench` cannot rot: every case runs, every server serves, and the
 * tables come out whole.  The numbers themselves are not judged here.
 */
#include "harness.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The table rows of results.md whose first cell is `first` (a quiz server
 * name or a number of users), each checked to have a positive rate in
 * `rate_column`.  (Failures are not judged: in a one-second run under a
 * sanitizer, a client queued behind 99 others may time out.) */
static int count_good_rows(const char *results, const char *first,
			   int rate_column)
{
	char pattern[32];
	int rows = 0;

	snprintf(pattern, sizeof pattern, "\n| %s |", first);
	for (const char *p = strstr(results, pattern); p;
	     p = strstr(p + 1, pattern)) {
		char row[256];
		sscanf(p + 1, "%255[^\n]", row);
		char *cells[16], *save = NULL;
		int n = 0;
		for (char *cell = strtok_r(row, "|", &save); cell && n < 16;
		     cell = strtok_r(NULL, "|", &save))
			cells[n++] = cell;
		ck_assert_msg(n > rate_column, "row: %s", p);
		ck_assert_msg(atof(cells[rate_column]) > 0, "no rate: %.200s", p);
		rows++;
	}
	return rows;
}

START_TEST(smoke_run_measures_every_case)
{
	char dir[] = "/tmp/bench-smoke-XXXXXX", out[32768], path[64];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *argv[] = { "tests/bench", "-s", "-o", dir, NULL };
	ck_assert_int_eq(run_program(argv, "", out, sizeof out, 100000), 0);

	snprintf(path, sizeof path, "%s/results.md", dir);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	char *results = calloc(1, 65536);
	ck_assert(results && fread(results, 1, 65535, f) > 0);
	fclose(f);
	ck_assert_str_eq(out, strstr(results, "## Quiz")); /* same tables */

	/* Quiz: 2 tables of 3 client counts per server; sessions/s in cell 2. */
	const char *const servers[] = { "iterative", "fork", "prefork",
					"thread" };
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(count_good_rows(results, servers[i], 2), 6);
	/* Chat: the fan-out, one row per room size, and the delay at 100
	 * users talking at 20 lines a second (a second "100" row);
	 * deliveries/s in cell 1, and the delay's p99 in cell 4. */
	ck_assert_int_eq(count_good_rows(results, "10", 1) +
			 count_good_rows(results, "100", 1) +
			 count_good_rows(results, "500", 1), 4);
	ck_assert_int_eq(count_good_rows(results, "100 | 20", 3), 1);
	ck_assert_ptr_nonnull(strstr(results, "flood limit off (`-f 0`)"));
	/* Game: one row per number of bots; POS relay p50 in cell 7; and
	 * the verdict on the goal, whichever it is. */
	ck_assert_int_eq(count_good_rows(results, "16", 7) +
			 count_good_rows(results, "64", 7) +
			 count_good_rows(results, "256", 7), 3);
	ck_assert_ptr_nonnull(strstr(results, "\nGoal: 256 players, tick p99 "
					      "under 2 ms on one core: "));
	/* Room: the smoke run's 32 learners; reports/s in cell 1. */
	ck_assert_int_eq(count_good_rows(results, "32", 1), 1);
	free(results);
	char command[128];
	snprintf(command, sizeof command, "rm -rf %s", dir);
	ck_assert_int_eq(system(command), 0);
}
END_TEST

/* The README's figures are those of tests/results/results.md (make bench
 * fills them in), and the check notices one that is not. */
START_TEST(readme_figures_match_the_results)
{
	char out[8192], copy[] = "/tmp/readme-numbers-XXXXXX";
	char *check[] = { "/usr/bin/env", "python3", "tests/readme_numbers.py",
			  "--check", NULL };

	ck_assert_msg(run_program(check, "", out, sizeof out, WAIT_MS) == 0,
		      "%s", out);
	ck_assert_msg(strstr(out, "agree"), "%s", out);

	/* A README with one figure changed must fail the check. */
	int fd = mkstemp(copy);
	ck_assert(fd >= 0);
	FILE *in = fopen("README.md", "r"), *to = fdopen(fd, "w");
	ck_assert(in && to);
	char line[4096];
	bool changed = false;
	while (fgets(line, sizeof line, in)) {
		char *figure = strstr(line, "--><!--/n-->");
		char *end = changed ? NULL : strstr(line, "<!--/n-->");
		if (!figure && end && end > line && end[-1] >= '0' &&
		    end[-1] <= '9') {
			end[-1] = end[-1] == '9' ? '8' : end[-1] + 1;
			changed = true;
		}
		fputs(line, to);
	}
	fclose(in);
	fclose(to);
	ck_assert_msg(changed, "the README has no figure to change");
	char *recheck[] = { "/usr/bin/env", "python3",
			    "tests/readme_numbers.py", "--check", "--readme",
			    copy, NULL };
	int rc = run_program(recheck, "", out, sizeof out, WAIT_MS);
	unlink(copy);
	ck_assert_msg(rc == 1, "exit %d: %s", rc, out);
	ck_assert_msg(strstr(out, "disagrees"), "%s", out);
}
END_TEST

Suite *bench_suite(void)
{
	Suite *s = suite_create("bench");
	TCase *tc = tcase_create("smoke");

	tcase_add_test(tc, smoke_run_measures_every_case);
	tcase_add_test(tc, readme_figures_match_the_results);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}
