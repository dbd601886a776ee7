/*
 * test_stage1.c - the echo server and client, run for real on loopback.
 */
#include "harness.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define ECHO_SERVER "stage1-echo/echo_server"
#define ECHO_CLIENT "stage1-echo/echo_client"

START_TEST(server_keeps_the_contract)
{
	check_server_contract(ECHO_SERVER);
}
END_TEST

START_TEST(client_sends_the_workshop_messages)
{
	struct server s;
	char out[256];

	server_start(&s, ECHO_SERVER, NULL);
	char *argv[] = { ECHO_CLIENT, "127.0.0.1", s.port_text, NULL };
	ck_assert_int_eq(run_program(argv, "", out, sizeof out, WAIT_MS), 0);
	ck_assert_str_eq(out, "Hello socket\n안녕 세계!\n");
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(client_sends_its_arguments)
{
	struct server s;
	char out[256];

	server_start(&s, ECHO_SERVER, NULL);
	char *argv[] = { ECHO_CLIENT, "localhost", s.port_text, "하나", "two",
			 NULL };
	ck_assert_int_eq(run_program(argv, "", out, sizeof out, WAIT_MS), 0);
	ck_assert_str_eq(out, "하나\ntwo\n");
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(utf8_and_binary_bytes_come_back_unchanged)
{
	struct server s;
	const char bytes[] = "안녕 세계!\0\xff\x80\r\n";
	char back[sizeof bytes];

	server_start(&s, ECHO_SERVER, NULL);
	int fd = server_connect(&s);
	ck_assert(send_bytes(fd, bytes, sizeof bytes));
	ck_assert(recv_exactly(fd, back, sizeof back, WAIT_MS));
	ck_assert(memcmp(bytes, back, sizeof bytes) == 0);
	close(fd);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(a_megabyte_comes_back_whole)
{
	struct server s;
	size_t big = 1 << 20;
	char *data = malloc(big), *back = malloc(big);

	ck_assert(data && back);
	for (size_t i = 0; i < big; i++)
		data[i] = (char)(i % 251);
	server_start(&s, ECHO_SERVER, NULL);
	int fd = server_connect(&s);
	/* Send from a child while we read: the server echoes as it reads,
	 * so one side alone would fill both socket buffers and stall. */
	pid_t sender = fork();
	if (sender == 0)
		_exit(send_bytes(fd, data, big) ? 0 : 1);
	ck_assert(recv_exactly(fd, back, big, 4 * WAIT_MS));
	ck_assert(memcmp(data, back, big) == 0);
	ck_assert(waitpid(sender, NULL, 0) == sender);
	shutdown(fd, SHUT_WR);
	ck_assert(recv_closed(fd, WAIT_MS));
	close(fd);
	free(data);
	free(back);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* The lesson of stage 1: one client at a time. */
START_TEST(second_client_waits_for_the_first)
{
	struct server s;
	char line[64];

	server_start(&s, ECHO_SERVER, NULL);
	int first = server_connect(&s);
	send_str(first, "first\n");
	ck_assert_ptr_nonnull(recv_line(first, line, sizeof line, WAIT_MS));
	int second = server_connect(&s); /* the kernel accepts it... */
	send_str(second, "second\n");
	/* ...but the server is busy with the first and does not answer. */
	ck_assert(recv_nothing(second, 500));
	close(first);
	ck_assert_ptr_nonnull(recv_line(second, line, sizeof line, WAIT_MS));
	ck_assert_str_eq(line, "second");
	close(second);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(a_silent_client_is_dropped_after_the_timeout)
{
	struct server s;

	server_start(&s, ECHO_SERVER, "-t", "1", NULL);
	int fd = server_connect(&s);
	long long start = now_ms();
	ck_assert(recv_closed(fd, WAIT_MS));
	ck_assert_int_ge(now_ms() - start, 900);
	close(fd);
	/* ...and the next client is served. */
	fd = server_connect(&s);
	char line[16];
	send_str(fd, "next\n");
	ck_assert_ptr_nonnull(recv_line(fd, line, sizeof line, WAIT_MS));
	close(fd);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(a_reset_does_not_stop_the_server)
{
	struct server s;
	char line[16];

	server_start(&s, ECHO_SERVER, NULL);
	int fd = server_connect(&s);
	send_str(fd, "half a li");
	/* SO_LINGER with a zero timeout makes close() send a reset. */
	struct linger reset = { .l_onoff = 1, .l_linger = 0 };
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
	close(fd);
	fd = server_connect(&s);
	send_str(fd, "still here\n");
	ck_assert_ptr_nonnull(recv_line(fd, line, sizeof line, WAIT_MS));
	ck_assert_str_eq(line, "still here");
	close(fd);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* The highest descriptor of `pid` that is a socket: a server that has
 * only started, its listening socket. */
static int highest_socket_fd(pid_t pid)
{
	char dir_path[64], link_path[320], target[64];
	int highest = -1;

	snprintf(dir_path, sizeof dir_path, "/proc/%d/fd", (int)pid);
	DIR *dir = opendir(dir_path);
	ck_assert_ptr_nonnull(dir);
	for (struct dirent *e; (e = readdir(dir));) {
		snprintf(link_path, sizeof link_path, "%s/%s", dir_path,
			 e->d_name);
		ssize_t n = readlink(link_path, target, sizeof target - 1);
		if (n > 0 && strncmp(target, "socket:", 7) == 0 &&
		    atoi(e->d_name) > highest)
			highest = atoi(e->d_name);
	}
	closedir(dir);
	return highest;
}

/* Stage 1 holds one client's socket at a time, so it can only run out of
 * descriptors when the limit leaves none for a client: here, just enough
 * for what it inherits and its listening socket.  Its own accept loop must
 * say so and wait, not spin, and still stop cleanly. */
START_TEST(out_of_descriptors_waits_without_spinning)
{
	struct server s;

	/* socket() takes the lowest free number, so below the listening
	 * socket every descriptor is in use. */
	server_start(&s, ECHO_SERVER, NULL);
	int listening = highest_socket_fd(s.pid);
	ck_assert_int_ge(listening, 3);
	ck_assert_int_eq(server_stop(&s), 0);

	server_start_with_fd_limit(&s, listening + 1, ECHO_SERVER, NULL);
	int fd = server_connect(&s); /* the backlog takes it */
	ck_assert(server_log_has(&s, "accept: Too many open files", WAIT_MS));
	long long before = tree_usage(s.pid).ticks;
	sleep_us(1500 * 1000);
	long long spent = tree_usage(s.pid).ticks - before;
	long hz = sysconf(_SC_CLK_TCK);
	ck_assert_msg(spent < hz / 2, "used %.2f s of CPU in 1.5 s: spinning",
		      (double)spent / (double)hz);
	close(fd);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(client_reports_a_refused_connection)
{
	char out[64];
	char *argv[] = { ECHO_CLIENT, "127.0.0.1", "1", NULL };
	char *bad_port[] = { ECHO_CLIENT, "127.0.0.1", "port", NULL };

	ck_assert_int_eq(run_program(argv, "", out, sizeof out, WAIT_MS), 1);
	ck_assert_int_eq(run_program(bad_port, "", out, sizeof out, WAIT_MS), 2);
}
END_TEST

Suite *stage1_suite(void)
{
	Suite *s = suite_create("stage1");
	TCase *tc = tcase_create("echo");

	tcase_add_test(tc, server_keeps_the_contract);
	tcase_add_test(tc, client_sends_the_workshop_messages);
	tcase_add_test(tc, client_sends_its_arguments);
	tcase_add_test(tc, utf8_and_binary_bytes_come_back_unchanged);
	tcase_add_test(tc, a_megabyte_comes_back_whole);
	tcase_add_test(tc, second_client_waits_for_the_first);
	tcase_add_test(tc, a_silent_client_is_dropped_after_the_timeout);
	tcase_add_test(tc, a_reset_does_not_stop_the_server);
	tcase_add_test(tc, out_of_descriptors_waits_without_spinning);
	tcase_add_test(tc, client_reports_a_refused_connection);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
