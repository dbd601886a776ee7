/*
 * run_tests - every suite in one Check runner.
 *
 *   tests/run_tests            run them all
 *   CK_RUN_SUITE=stage2 tests/run_tests    run one suite
 */
#include "harness.h"

#include <signal.h>
#include <stdlib.h>

int main(void)
{
	/* A test that writes to a server that has gone must see EPIPE. */
	signal(SIGPIPE, SIG_IGN);

	SRunner *runner = srunner_create(common_suite());
	srunner_add_suite(runner, stage1_suite());
	srunner_add_suite(runner, stage2_suite());
	srunner_add_suite(runner, stage3_suite());
	srunner_add_suite(runner, stage4_suite());
	srunner_add_suite(runner, stage5_suite());
	srunner_add_suite(runner, client_suite());
	srunner_add_suite(runner, faults_suite());
	if (getenv("SOAK_SECONDS")) /* make soak */
		srunner_add_suite(runner, soak_suite());
	if (getenv("VALGRIND")) /* make valgrind */
		srunner_add_suite(runner, valgrind_suite());
	srunner_add_suite(runner, bench_suite());
	srunner_add_suite(runner, stagecheck_suite());
	srunner_add_suite(runner, room_client_suite());
	srunner_add_suite(runner, room_suite());
	srunner_add_suite(runner, slides_suite());
	srunner_add_suite(runner, exercises_suite());
	srunner_add_suite(runner, setup_suite());
	srunner_run_all(runner, CK_NORMAL);
	int failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
