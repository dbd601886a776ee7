/*
 * test_stage2.c - the quiz: its answer check, and quiz_server run for real.
 */
#include "harness.h"
#include "quiz.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define QUIZ_SERVER "stage2-quiz/quiz_server"
#define QUIZ_CLIENT "stage2-quiz/quiz_client"

START_TEST(right_answers)
{
	ck_assert(answer_is_correct("8\n", 8));
	ck_assert(answer_is_correct("8", 8));
	ck_assert(answer_is_correct("  8 \r\n", 8));
	ck_assert(answer_is_correct("0\n", 0));
	ck_assert(answer_is_correct("18\n", 18));
}
END_TEST

START_TEST(wrong_answers)
{
	ck_assert(!answer_is_correct("7\n", 8));
	ck_assert(!answer_is_correct("\n", 0));
	ck_assert(!answer_is_correct("", 0));
	ck_assert(!answer_is_correct("eight\n", 8));
	ck_assert(!answer_is_correct("8 8\n", 8));
	ck_assert(!answer_is_correct("8.0\n", 8));
	ck_assert(!answer_is_correct("0x8\n", 8));
	ck_assert(!answer_is_correct("99999999999999999999999\n", 8));
}
END_TEST

/* Connect, read the question and return the sum it asks for. */
static int read_question(int fd)
{
	char line[64];
	int a, b;
	char end;

	ck_assert_ptr_nonnull(recv_line(fd, line, sizeof line, WAIT_MS));
	ck_assert_msg(sscanf(line, "%d+%d%c", &a, &b, &end) == 2,
		      "not a question: '%s'", line);
	ck_assert(a >= 0 && a <= 9 && b >= 0 && b <= 9);
	return a + b;
}

/* Send `answer` (a printf format given the right sum) and return the
 * verdict line, checking that the server then closes. */
static const char *verdict_for(const struct server *s, const char *format)
{
	static char verdict[64];
	char answer[64];
	int fd = server_connect(s);

	snprintf(answer, sizeof answer, format, read_question(fd));
	ck_assert(send_str(fd, answer));
	ck_assert_ptr_nonnull(recv_line(fd, verdict, sizeof verdict, WAIT_MS));
	ck_assert(recv_closed(fd, WAIT_MS));
	close(fd);
	return verdict;
}

START_TEST(server_keeps_the_contract)
{
	check_server_contract(QUIZ_SERVER);
}
END_TEST

START_TEST(server_judges_answers)
{
	struct server s;

	server_start(&s, QUIZ_SERVER, NULL);
	ck_assert_str_eq(verdict_for(&s, "%d\n"), "yes");
	ck_assert_str_eq(verdict_for(&s, "%d\r\n"), "yes");    /* telnet */
	ck_assert_str_eq(verdict_for(&s, "  %d  \n"), "yes");
	ck_assert_str_eq(verdict_for(&s, "1%d\n"), "no");
	ck_assert_str_eq(verdict_for(&s, "garbage %d\n"), "no");
	ck_assert_str_eq(verdict_for(&s, "\n"), "no");
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(server_survives_binary_and_nul)
{
	struct server s;
	char verdict[16];

	server_start(&s, QUIZ_SERVER, NULL);
	int fd = server_connect(&s);
	int sum = read_question(fd);
	char answer[8];
	int len = snprintf(answer, sizeof answer, "%d", sum);
	/* The right number, then a NUL and more: not a clean answer. */
	ck_assert(send_bytes(fd, answer, (size_t)len));
	ck_assert(send_bytes(fd, "\0\xff\xfe\n", 4));
	ck_assert_ptr_nonnull(recv_line(fd, verdict, sizeof verdict, WAIT_MS));
	ck_assert_str_eq(verdict, "no");
	close(fd);
	ck_assert_str_eq(verdict_for(&s, "%d\n"), "yes");
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(a_megabyte_without_newline_gets_no)
{
	struct server s;
	size_t big = 1 << 20;
	char *junk = malloc(big);
	char verdict[16];

	ck_assert(junk);
	memset(junk, '7', big);
	server_start(&s, QUIZ_SERVER, NULL);
	int fd = server_connect(&s);
	read_question(fd);
	/* The server stops reading early, so send from a child process and
	 * let the send fail when the server closes. */
	pid_t sender = fork();
	if (sender == 0)
		_exit(send_bytes(fd, junk, big) ? 0 : 1);
	ck_assert_ptr_nonnull(recv_line(fd, verdict, sizeof verdict, WAIT_MS));
	ck_assert_str_eq(verdict, "no");
	close(fd);
	ck_assert(waitpid(sender, NULL, 0) == sender);
	ck_assert_str_eq(verdict_for(&s, "%d\n"), "yes");
	free(junk);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(a_silent_client_is_dropped_after_the_timeout)
{
	struct server s;

	server_start(&s, QUIZ_SERVER, "-t", "1", NULL);
	int fd = server_connect(&s);
	read_question(fd);
	long long start = now_ms();
	ck_assert(recv_closed(fd, WAIT_MS)); /* no verdict, just closed */
	ck_assert_int_ge(now_ms() - start, 900);
	close(fd);
	ck_assert_str_eq(verdict_for(&s, "%d\n"), "yes");
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* The lesson of stage 2: still one client at a time. */
START_TEST(second_client_waits_for_the_first)
{
	struct server s;
	char verdict[16];

	server_start(&s, QUIZ_SERVER, NULL);
	int first = server_connect(&s);
	int sum = read_question(first);
	int second = server_connect(&s);
	ck_assert(recv_nothing(second, 500)); /* no question while busy */
	char answer[8];
	snprintf(answer, sizeof answer, "%d\n", sum);
	send_str(first, answer);
	ck_assert_ptr_nonnull(recv_line(first, verdict, sizeof verdict, WAIT_MS));
	ck_assert_str_eq(verdict, "yes");
	read_question(second); /* now it is its turn */
	close(first);
	close(second);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(quiz_client_shows_question_and_verdict)
{
	struct server s;
	char out[256];
	regex_t expected;

	server_start(&s, QUIZ_SERVER, NULL);
	char *argv[] = { QUIZ_CLIENT, "127.0.0.1", s.port_text, NULL };
	ck_assert_int_eq(run_program(argv, "not a number\n", out, sizeof out,
				     WAIT_MS), 0);
	ck_assert(regcomp(&expected, "^[0-9]\\+[0-9]\nyour answer: no\n$",
			  REG_EXTENDED) == 0);
	ck_assert_msg(regexec(&expected, out, 0, NULL, 0) == 0, "got: %s", out);
	regfree(&expected);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* The workshop's own Python client, unchanged in spirit. */
START_TEST(workshop_python_client)
{
	struct server s;
	char out[256];

	server_start(&s, QUIZ_SERVER, NULL);
	char *right[] = { "python3", "tests/workshop_quiz_client.py",
			  s.port_text, "right", NULL };
	char *wrong[] = { "python3", "tests/workshop_quiz_client.py",
			  s.port_text, "wrong", NULL };
	ck_assert_int_eq(run_program(right, "", out, sizeof out, WAIT_MS), 0);
	ck_assert_msg(strstr(out, "+") && strstr(out, "\nyes\n"), "got: %s", out);
	ck_assert_int_eq(run_program(wrong, "", out, sizeof out, WAIT_MS), 0);
	ck_assert_msg(strstr(out, "\nno\n"), "got: %s", out);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

Suite *stage2_suite(void)
{
	Suite *s = suite_create("stage2");
	TCase *units = tcase_create("answers");
	TCase *server = tcase_create("quiz_server");

	tcase_add_test(units, right_answers);
	tcase_add_test(units, wrong_answers);
	tcase_add_test(server, server_keeps_the_contract);
	tcase_add_test(server, server_judges_answers);
	tcase_add_test(server, server_survives_binary_and_nul);
	tcase_add_test(server, a_megabyte_without_newline_gets_no);
	tcase_add_test(server, a_silent_client_is_dropped_after_the_timeout);
	tcase_add_test(server, second_client_waits_for_the_first);
	tcase_add_test(server, quiz_client_shows_question_and_verdict);
	tcase_add_test(server, workshop_python_client);
	tcase_set_timeout(server, 60);
	suite_add_tcase(s, units);
	suite_add_tcase(s, server);
	return s;
}
