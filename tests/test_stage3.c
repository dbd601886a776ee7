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

/* Whether this is the ThreadSanitizer build (GCC says so one way, clang
 * another). */
#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifndef UNDER_TSAN
#define UNDER_TSAN 0
#endif

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

static void wait_for_workers(const struct server *s, int count)
{
	pid_t pids[16];
	long long deadline = now_ms() + WAIT_MS;

	while (children_of(s->pid, pids, 16) != count && now_ms() < deadline)
		sleep_us(10000);
	ck_assert_int_eq(children_of(s->pid, pids, 16), count);
}

START_TEST(prefork_replaces_a_killed_worker)
{
	struct server s;
	pid_t before[8], after[8];

	server_start(&s, "stage3-concurrent/quiz_prefork", "-w", "3", NULL);
	wait_for_workers(&s, 3);
	ck_assert_int_eq(children_of(s.pid, before, 8), 3);
	ck_assert(kill(before[0], SIGKILL) == 0);
	long long deadline = now_ms() + WAIT_MS;
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

	server_start(&s, "stage3-concurrent/quiz_prefork", "-w", "7", NULL);
	wait_for_workers(&s, 7);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* The master stops its workers and waits for each before it exits, so
 * that a restart finds the port free at once.  The test is the workers'
 * subreaper: one that outlived the master would be left here to collect. */
START_TEST(prefork_ends_after_its_workers)
{
	struct server s;

	ck_assert(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
	server_start(&s, "stage3-concurrent/quiz_prefork", "-w", "3", NULL);
	wait_for_workers(&s, 3);
	ck_assert_int_eq(server_stop(&s), 0);
	errno = 0;
	ck_assert_msg(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD,
		      "a worker outlived the master");
}
END_TEST

/* The models that cap how many clients they serve at once (-c). */
static const char *const capped[] = {
	"stage3-concurrent/quiz_fork",
	"stage3-concurrent/quiz_thread",
};

START_TEST(refuses_past_its_cap)
{
	struct server s;
	char line[64];
	int first, second, third;

	server_start(&s, capped[_i], "-c", "2", NULL);
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
	/* ...and is used again (quiz_fork counts it once it has reaped the
	 * child, a moment after the child logged its disconnect). */
	long long deadline = now_ms() + WAIT_MS;
	do {
		third = server_connect(&s);
		ck_assert_ptr_nonnull(recv_line(third, line, sizeof line, WAIT_MS));
		close(third);
	} while (strstr(line, "full") && now_ms() < deadline &&
		 sleep_us(20 * 1000) == 0);
	ck_assert_msg(!strstr(line, "full"), "no slot came free: %s", line);
	close(second);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* Every server of the quiz, stage 2's one-at-a-time server too: they all
 * share quiz.c, and with it its deadline. */
static const char *const quiz_servers[] = {
	"stage2-quiz/quiz_server",
	"stage3-concurrent/quiz_fork",
	"stage3-concurrent/quiz_prefork",
	"stage3-concurrent/quiz_thread",
};

/* A client that sends one byte every 300 ms against -t 1 must not hold
 * the server: the whole answer has a second, however it trickles in.
 * (An idle timer, restarted by every byte, would wait for ever.)  And the
 * one worker, or stage 2's only loop, is free for the next client. */
START_TEST(a_trickling_answer_meets_the_deadline)
{
	struct server s;
	char line[64];

	if (strstr(quiz_servers[_i], "prefork"))
		server_start(&s, quiz_servers[_i], "-t", "1", "-w", "1", NULL);
	else
		server_start(&s, quiz_servers[_i], "-t", "1", NULL);
	int slow = server_connect(&s);
	ck_assert_ptr_nonnull(recv_line(slow, line, sizeof line, WAIT_MS));
	long long start = now_ms();
	bool closed = false;
	while (!closed && now_ms() - start < 6000) {
		closed = !send_bytes(slow, " ", 1) || recv_closed(slow, 300);
	}
	long long took = now_ms() - start;
	ck_assert_msg(closed, "a byte every 300 ms held the server 6 s");
	ck_assert_msg(took < 4000, "closed only after %lld ms", took);
	close(slow);
	ck_assert_int_eq(run_sessions(&s, 1), 1);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* A uid of no other process on the machine, so that its process limit
 * (RLIMIT_NPROC) counts only the server and the test's placeholders. */
static uid_t lonely_uid(void)
{
	return (uid_t)(200000 + getpid() % 100000);
}

/* A process of user `uid` that only takes up a place under its process
 * limit, until it is killed (or the test ends, or 30 s pass). */
static pid_t start_placeholder(uid_t uid)
{
	int ready[2];
	char byte;

	ck_assert(pipe(ready) == 0);
	pid_t pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		die_with_parent(SIGKILL);
		alarm(30);
		if (setuid(uid) == 0 && /* as root: real, effective and saved */
		    write(ready[1], "!", 1) == 1)
			pause();
		_exit(1);
	}
	close(ready[1]);
	/* Its place counts once it runs as the user: wait for that. */
	ck_assert_int_eq(read(ready[0], &byte, 1), 1);
	close(ready[0]);
	return pid;
}

/* Both workers die while fork() fails (their user is at its process
 * limit): the master must stay, say so, and fill its pool again once
 * fork() works again. */
START_TEST(prefork_refills_its_pool_when_fork_works_again)
{
	struct server s;
	pid_t workers[16], placeholders[2];
	char uid[32], gid[32];
	uid_t user = lonely_uid();

	/* Only root may start the server as another user; root itself is not
	 * held to RLIMIT_NPROC. */
	if (geteuid() != 0) {
		fprintf(stderr, "%s: skipped: needs root\n", __func__);
		return;
	}
	/* RLIMIT_NPROC counts threads, and ThreadSanitizer starts threads of
	 * its own in a forked worker now and then: no limit then stands for
	 * exactly the master and two workers. */
	if (UNDER_TSAN) {
		fprintf(stderr, "%s: skipped under ThreadSanitizer\n", __func__);
		return;
	}
	snprintf(uid, sizeof uid, "--reuid=%d", (int)user);
	snprintf(gid, sizeof gid, "--regid=%d", (int)user);
	/* Three processes for the user: the master and its two workers. */
	char *argv[] = { "/usr/bin/prlimit", "--nproc=3", "setpriv", uid, gid,
			 "--clear-groups", "stage3-concurrent/quiz_prefork",
			 "-p", "0", "-w", "2", NULL };
	ck_assert_int_eq(spawn_server(&s, argv, WAIT_MS, 0), 0);
	wait_for_workers(&s, 2);
	for (int i = 0; i < 2; i++)
		placeholders[i] = start_placeholder(user);
	ck_assert_int_eq(children_of(s.pid, workers, 16), 2);
	for (int i = 0; i < 2; i++)
		ck_assert(kill(workers[i], SIGKILL) == 0);
	/* The placeholders hold the workers' places: fork() fails. */
	ck_assert(server_log_reaches(&s, "fork: ", 2, WAIT_MS));
	ck_assert(server_log_reaches(&s, "of 2 workers missing", 2, WAIT_MS));
	ck_assert_msg(waitpid(s.pid, NULL, WNOHANG) == 0,
		      "the master gave up without workers");
	for (int i = 0; i < 2; i++) {
		kill(placeholders[i], SIGKILL);
		ck_assert(reap_or_kill(placeholders[i], WAIT_MS) != -1);
	}
	wait_for_workers(&s, 2);
	ck_assert_int_eq(run_sessions(&s, 4), 4);
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
	tcase_add_test(models, prefork_ends_after_its_workers);
	tcase_add_loop_test(models, refuses_past_its_cap, 0,
			    sizeof capped / sizeof capped[0]);
	tcase_add_loop_test(models, a_trickling_answer_meets_the_deadline, 0,
			    sizeof quiz_servers / sizeof quiz_servers[0]);
	tcase_add_test(models, prefork_refills_its_pool_when_fork_works_again);
	tcase_set_timeout(each, 90);
	tcase_set_timeout(models, 60);
	suite_add_tcase(s, each);
	suite_add_tcase(s, models);
	return s;
}
