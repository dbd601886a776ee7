/*
 * test_stage3.c - the three concurrent quiz servers, run for real: each
 * serves a second client while the first is silent, and 200 at once.
 */
#include "harness.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const servers[] = {
	"stage3-concurrent/quiz_fork",
	"stage3-concurrent/quiz_prefork",
	"stage3-concurrent/quiz_thread",
};

/* One client's progress through a quiz session. */
struct session {
	int fd;
	char line[64];
	size_t len;
	bool answered;
	bool done;
};

/* Read what has arrived; true once a whole line is in s->line. */
static bool read_some(struct session *s)
{
	ssize_t n = recv(s->fd, s->line + s->len, 1, 0);

	ck_assert_msg(n == 1, "connection closed early");
	if (s->line[s->len] != '\n') {
		ck_assert(++s->len < sizeof s->line - 1);
		return false;
	}
	s->line[s->len] = '\0';
	s->len = 0;
	return true;
}

/* Answer the question, or check the verdict, in a line just received. */
static void advance(struct session *s)
{
	int a, b;
	char answer[16];

	if (!s->answered) {
		ck_assert_msg(sscanf(s->line, "%d+%d", &a, &b) == 2, "%s", s->line);
		snprintf(answer, sizeof answer, "%d\n", a + b);
		ck_assert(send_str(s->fd, answer));
		s->answered = true;
	} else {
		ck_assert_str_eq(s->line, "yes");
		s->done = true;
	}
}

/* Run `count` quiz sessions at the same time, each answering right, and
 * return how many got "yes".  Each proceeds as soon as the server gets to
 * it, so a server with few workers still finishes them all. */
static int run_sessions(const struct server *srv, int count)
{
	struct session *s = calloc((size_t)count, sizeof *s);
	struct pollfd *p = calloc((size_t)count, sizeof *p);
	int done = 0;
	long long deadline = now_ms() + 6 * WAIT_MS;

	ck_assert(s && p);
	for (int i = 0; i < count; i++) {
		s[i].fd = server_connect(srv);
		p[i] = (struct pollfd){ .fd = s[i].fd, .events = POLLIN };
	}
	while (done < count && now_ms() < deadline) {
		ck_assert(poll(p, (nfds_t)count, 1000) >= 0);
		for (int i = 0; i < count; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (read_some(&s[i]))
				advance(&s[i]);
			if (s[i].done) {
				done++;
				p[i].fd = -1; /* poll() skips it from now on */
			}
		}
	}
	for (int i = 0; i < count; i++)
		close(s[i].fd);
	free(s);
	free(p);
	return done;
}

START_TEST(server_keeps_the_contract)
{
	check_server_contract(servers[_i]);
}
END_TEST

/* The lesson of stage 3: a silent client no longer blocks the others. */
START_TEST(second_client_served_while_first_is_silent)
{
	struct server s;
	char line[16];

	server_start(&s, servers[_i], NULL);
	int silent = server_connect(&s);
	ck_assert_ptr_nonnull(recv_line(silent, line, sizeof line, WAIT_MS));
	ck_assert_int_eq(run_sessions(&s, 1), 1);
	close(silent);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(two_hundred_sessions_at_once)
{
	struct server s;

	server_start(&s, servers[_i], NULL);
	ck_assert_int_eq(run_sessions(&s, 200), 200);
	/* 200 clients logged at once by many processes or threads: every
	 * line of the log is still a whole line. */
	ck_assert(server_log_reaches(&s, "disconnect from", 200, WAIT_MS));
	char *torn = server_log_torn_line(&s, servers[_i]);
	ck_assert_msg(!torn, "a torn log line: \"%s\"", torn);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* Wait (bounded) until every process the test has adopted has ended. */
static bool no_process_left(void)
{
	long long deadline = now_ms() + WAIT_MS;

	while (now_ms() < deadline) {
		pid_t r = waitpid(-1, NULL, WNOHANG);
		if (r < 0 && errno == ECHILD)
			return true;
		if (r == 0)
			sleep_us(10000);
	}
	return false;
}

/* Only quiz_prefork takes -w, so this test starts each with its flags. */
static void start_for_stop_test(struct server *s, const char *program)
{
	if (strstr(program, "prefork"))
		server_start(s, program, "-w", "3", NULL);
	else
		server_start(s, program, NULL);
}

START_TEST(stop_with_clients_connected)
{
	struct server s;
	int clients[3];
	char line[16];

	ck_assert(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
	start_for_stop_test(&s, servers[_i]);
	for (int i = 0; i < 3; i++) {
		clients[i] = server_connect(&s);
		ck_assert_ptr_nonnull(recv_line(clients[i], line, sizeof line,
						WAIT_MS));
	}
	ck_assert_int_eq(server_stop(&s), 0);
	for (int i = 0; i < 3; i++) {
		ck_assert(recv_closed(clients[i], WAIT_MS));
		close(clients[i]);
	}
	ck_assert(no_process_left());
}
END_TEST

START_TEST(prefork_replaces_a_killed_worker)
{
	struct server s;
	pid_t before[8], after[8];

	server_start(&s, "stage3-concurrent/quiz_prefork", "-w", "3", NULL);
	long long deadline = now_ms() + WAIT_MS;
	while (children_of(s.pid, before, 8) != 3 && now_ms() < deadline)
		sleep_us(10000);
	ck_assert_int_eq(children_of(s.pid, before, 8), 3);
	ck_assert(kill(before[0], SIGKILL) == 0);
	deadline = now_ms() + WAIT_MS;
	int n;
	while ((n = children_of(s.pid, after, 8)) != 3 ||
	       after[0] == before[0] || after[1] == before[0] ||
	       after[2] == before[0]) {
		ck_assert_msg(now_ms() < deadline, "worker not replaced");
		sleep_us(10000);
	}
	ck_assert(server_log_has(&s, "starting another", WAIT_MS));
	ck_assert_int_eq(run_sessions(&s, 10), 10);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(prefork_takes_the_worker_count)
{
	struct server s;
	pid_t pids[16];

	server_start(&s, "stage3-concurrent/quiz_prefork", "-w", "7", NULL);
	long long deadline = now_ms() + WAIT_MS;
	while (children_of(s.pid, pids, 16) != 7 && now_ms() < deadline)
		sleep_us(10000);
	ck_assert_int_eq(children_of(s.pid, pids, 16), 7);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(thread_server_refuses_past_its_cap)
{
	struct server s;
	char line[64];
	int first, second, third;

	server_start(&s, "stage3-concurrent/quiz_thread", "-c", "2", NULL);
	first = server_connect(&s);
	second = server_connect(&s);
	ck_assert_ptr_nonnull(recv_line(first, line, sizeof line, WAIT_MS));
	ck_assert_ptr_nonnull(recv_line(second, line, sizeof line, WAIT_MS));
	third = server_connect(&s);
	ck_assert_ptr_nonnull(recv_line(third, line, sizeof line, WAIT_MS));
	ck_assert_msg(strstr(line, "full"), "got: %s", line);
	ck_assert(recv_closed(third, WAIT_MS));
	close(third);
	close(first); /* a slot frees up... */
	ck_assert(server_log_has(&s, "disconnect", WAIT_MS));
	ck_assert_int_eq(run_sessions(&s, 1), 1); /* ...and is used again */
	close(second);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

Suite *stage3_suite(void)
{
	Suite *s = suite_create("stage3");
	TCase *each = tcase_create("every model");
	TCase *models = tcase_create("each model");
	int n = sizeof servers / sizeof servers[0];

	tcase_add_loop_test(each, server_keeps_the_contract, 0, n);
	tcase_add_loop_test(each, second_client_served_while_first_is_silent, 0, n);
	tcase_add_loop_test(each, two_hundred_sessions_at_once, 0, n);
	tcase_add_loop_test(each, stop_with_clients_connected, 0, n);
	tcase_add_test(models, prefork_replaces_a_killed_worker);
	tcase_add_test(models, prefork_takes_the_worker_count);
	tcase_add_test(models, thread_server_refuses_past_its_cap);
	tcase_set_timeout(each, 90);
	tcase_set_timeout(models, 60);
	suite_add_tcase(s, each);
	suite_add_tcase(s, models);
	return s;
}
