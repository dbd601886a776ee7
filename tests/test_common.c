/*
 * test_common.c - unit tests of common/net.c: the line reader on a socket
 * pair, send_all, and listening and connecting on loopback.
 */
#include "harness.h"
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* A connected pair of sockets: what one end sends, the other reads. */
static void socket_pair(int fds[2])
{
	ck_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
}

START_TEST(lines_split_and_merged)
{
	int fds[2];
	char buf[64], *line;
	struct line_reader r;

	socket_pair(fds);
	line_reader_init(&r, fds[0], buf, sizeof buf);
	/* Two lines in one send, then one line in two sends. */
	send_str(fds[1], "one\ntwo\nthr");
	ck_assert_int_eq(read_line(&r, &line), 3);
	ck_assert_str_eq(line, "one");
	ck_assert_int_eq(read_line(&r, &line), 3);
	ck_assert_str_eq(line, "two");
	send_str(fds[1], "ee\n");
	ck_assert_int_eq(read_line(&r, &line), 5);
	ck_assert_str_eq(line, "three");
	close(fds[1]);
	ck_assert_int_eq(read_line(&r, &line), LINE_EOF);
	close(fds[0]);
}
END_TEST

START_TEST(crlf_empty_and_nul)
{
	int fds[2];
	char buf[64], *line;
	struct line_reader r;

	socket_pair(fds);
	line_reader_init(&r, fds[0], buf, sizeof buf);
	send_bytes(fds[1], "telnet\r\n\na\0b\n", 14);
	ck_assert_int_eq(read_line(&r, &line), 6);
	ck_assert_str_eq(line, "telnet");
	ck_assert_int_eq(read_line(&r, &line), 0);
	ck_assert_int_eq(read_line(&r, &line), 3);
	ck_assert(memcmp(line, "a\0b", 4) == 0);
	close(fds[1]);
	close(fds[0]);
}
END_TEST

START_TEST(last_line_without_newline)
{
	int fds[2];
	char buf[8], *line;
	struct line_reader r;

	socket_pair(fds);
	line_reader_init(&r, fds[0], buf, sizeof buf);
	send_str(fds[1], "1234567"); /* cap - 1 bytes: the longest it takes */
	close(fds[1]);
	ck_assert_int_eq(read_line(&r, &line), 7);
	ck_assert_str_eq(line, "1234567");
	ck_assert_int_eq(read_line(&r, &line), LINE_EOF);
	close(fds[0]);
}
END_TEST

/* Found by tests/fuzz/fuzz_lines.c: a last line "8\r" without '\n'
 * loses its '\r' like any other line. */
START_TEST(last_line_loses_its_cr_too)
{
	int fds[2];
	char buf[8], *line;
	struct line_reader r;

	socket_pair(fds);
	line_reader_init(&r, fds[0], buf, sizeof buf);
	send_str(fds[1], "\n8\r");
	close(fds[1]);
	ck_assert_int_eq(read_line(&r, &line), 0);
	ck_assert_int_eq(read_line(&r, &line), 1);
	ck_assert_str_eq(line, "8");
	ck_assert_int_eq(read_line(&r, &line), LINE_EOF);
	close(fds[0]);
}
END_TEST

START_TEST(too_long_line_is_dropped_and_reading_goes_on)
{
	int fds[2];
	char buf[8], *line;
	struct line_reader r;

	socket_pair(fds);
	line_reader_init(&r, fds[0], buf, sizeof buf);
	send_str(fds[1], "1234567\n");     /* fits exactly */
	send_str(fds[1], "far too long for eight bytes\nok\n");
	ck_assert_int_eq(read_line(&r, &line), 7);
	ck_assert_int_eq(read_line(&r, &line), LINE_TOO_LONG);
	ck_assert_int_eq(read_line(&r, &line), 2);
	ck_assert_str_eq(line, "ok");
	send_str(fds[1], "12345678"); /* too long, then the peer closes */
	close(fds[1]);
	ck_assert_int_eq(read_line(&r, &line), LINE_TOO_LONG);
	ck_assert_int_eq(read_line(&r, &line), LINE_EOF);
	close(fds[0]);
}
END_TEST

START_TEST(a_megabyte_without_newline_stays_in_the_buffer)
{
	int fds[2];
	char buf[128], *line;
	struct line_reader r;
	size_t big = 1 << 20;
	char *junk = malloc(big);

	ck_assert(junk);
	memset(junk, 'x', big);
	socket_pair(fds);
	line_reader_init(&r, fds[0], buf, sizeof buf);
	if (fork() == 0) {
		send_bytes(fds[1], junk, big);
		send_str(fds[1], "\nafter\n");
		_exit(0);
	}
	close(fds[1]);
	ck_assert_int_eq(read_line(&r, &line), LINE_TOO_LONG);
	ck_assert_int_eq(read_line(&r, &line), 5);
	ck_assert_str_eq(line, "after");
	ck_assert_int_eq(read_line(&r, &line), LINE_EOF);
	close(fds[0]);
	free(junk);
	wait(NULL);
}
END_TEST

START_TEST(idle_timeout_is_an_error)
{
	int fds[2];
	char buf[16], *line;
	struct line_reader r;

	socket_pair(fds);
	ck_assert_int_eq(set_timeout(fds[0], 1), 0);
	line_reader_init(&r, fds[0], buf, sizeof buf);
	long long start = now_ms();
	ck_assert_int_eq(read_line(&r, &line), LINE_ERROR);
	ck_assert(errno == EAGAIN || errno == EWOULDBLOCK);
	ck_assert(now_ms() - start >= 900);
	close(fds[1]);
	close(fds[0]);
}
END_TEST

START_TEST(send_all_sends_more_than_a_socket_buffer)
{
	int fds[2];
	size_t big = 4 << 20;
	char *data = malloc(big), *back = malloc(big);

	ck_assert(data && back);
	for (size_t i = 0; i < big; i++)
		data[i] = (char)(i * 7);
	socket_pair(fds);
	if (fork() == 0) {
		_exit(send_all(fds[1], data, big) == 0 ? 0 : 1);
	}
	close(fds[1]);
	ck_assert(recv_exactly(fds[0], back, big, WAIT_MS));
	ck_assert(memcmp(data, back, big) == 0);
	int status;
	ck_assert(wait(&status) > 0 && WIFEXITED(status) &&
		  WEXITSTATUS(status) == 0);
	close(fds[0]);
	free(data);
	free(back);
}
END_TEST

START_TEST(listen_on_port_zero_and_connect)
{
	int listener = listen_on(0);
	struct sockaddr_in addr;
	socklen_t len = sizeof addr;
	char port[8], peer[PEER_NAME_LEN];

	ck_assert_int_ge(listener, 0);
	ck_assert(getsockname(listener, (struct sockaddr *)&addr, &len) == 0);
	snprintf(port, sizeof port, "%d", ntohs(addr.sin_port));
	int client = connect_to("localhost", port);
	ck_assert_int_ge(client, 0);
	int served = accept_client(listener, peer);
	ck_assert_int_ge(served, 0);
	ck_assert_msg(strncmp(peer, "127.0.0.1:", 10) == 0, "peer %s", peer);
	send_str(client, "hi\n");
	char line[8];
	ck_assert_ptr_nonnull(recv_line(served, line, sizeof line, WAIT_MS));
	ck_assert_str_eq(line, "hi");
	close(client);
	close(served);
	close(listener);
}
END_TEST

START_TEST(connect_to_a_closed_port_fails)
{
	int listener = listen_on(0);
	struct sockaddr_in addr;
	socklen_t len = sizeof addr;
	char port[8];

	ck_assert(getsockname(listener, (struct sockaddr *)&addr, &len) == 0);
	snprintf(port, sizeof port, "%d", ntohs(addr.sin_port));
	close(listener); /* nobody listens there now */
	ck_assert_int_eq(connect_to("127.0.0.1", port), -1);
	/* A lookup that fails without leaving the machine: a numeric host
	 * and a service name that no services file lists. */
	ck_assert_int_eq(connect_to("127.0.0.1", "no-such-service"), -1);
}
END_TEST

START_TEST(listen_on_a_port_in_use_fails)
{
	int first = listen_on(0);
	struct sockaddr_in addr;
	socklen_t len = sizeof addr;

	ck_assert(getsockname(first, (struct sockaddr *)&addr, &len) == 0);
	ck_assert_int_eq(listen_on(ntohs(addr.sin_port)), -1);
	close(first);
}
END_TEST

Suite *common_suite(void)
{
	Suite *s = suite_create("common");
	TCase *lines = tcase_create("lines");
	TCase *sockets = tcase_create("sockets");

	tcase_add_test(lines, lines_split_and_merged);
	tcase_add_test(lines, crlf_empty_and_nul);
	tcase_add_test(lines, last_line_without_newline);
	tcase_add_test(lines, last_line_loses_its_cr_too);
	tcase_add_test(lines, too_long_line_is_dropped_and_reading_goes_on);
	tcase_add_test(lines, a_megabyte_without_newline_stays_in_the_buffer);
	tcase_add_test(lines, idle_timeout_is_an_error);
	tcase_add_test(sockets, send_all_sends_more_than_a_socket_buffer);
	tcase_add_test(sockets, listen_on_port_zero_and_connect);
	tcase_add_test(sockets, connect_to_a_closed_port_fails);
	tcase_add_test(sockets, listen_on_a_port_in_use_fails);
	tcase_set_timeout(lines, 30);
	tcase_set_timeout(sockets, 30);
	suite_add_tcase(s, lines);
	suite_add_tcase(s, sockets);
	return s;
}
