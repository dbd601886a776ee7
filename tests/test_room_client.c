/*
 * test_room_client.c - room_post() and dial() against a peer on loopback:
 * the request it sends, the reply it reads, and its time limits when the
 * room is not there or does not answer.
 */
#include "harness.h"
#include "dial.h"
#include "room_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A one-connection peer: reads the request until its body is complete,
 * keeps it, and answers with `reply` (or stays silent when it is NULL). */
struct fake_room {
	int listen_fd;
	char port[8];
	const char *reply;
	char request[4096];
	pthread_t thread;
};

static size_t body_expected(const char *request)
{
	const char *length = strstr(request, "Content-Length: ");
	const char *end = strstr(request, "\r\n\r\n");

	if (!length || !end)
		return (size_t)-1;
	return (size_t)(end + 4 - request) + strtoul(length + 16, NULL, 10);
}

static void *serve_one(void *arg)
{
	struct fake_room *room = arg;
	size_t got = 0;
	int fd = accept(room->listen_fd, NULL, NULL);

	if (fd < 0)
		return NULL;
	while (got < sizeof room->request - 1 &&
	       got < body_expected(room->request)) {
		ssize_t n = read(fd, room->request + got,
				 sizeof room->request - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		room->request[got] = '\0';
	}
	if (room->reply)
		send_str(fd, room->reply);
	else
		sleep(3); /* longer than ROOM_TIMEOUT_MS */
	close(fd);
	return NULL;
}

static void fake_room_start(struct fake_room *room, const char *reply)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof addr;

	memset(room->request, 0, sizeof room->request);
	room->reply = reply;
	room->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(room->listen_fd, 0);
	ck_assert_int_eq(bind(room->listen_fd, (struct sockaddr *)&addr,
			      sizeof addr), 0);
	ck_assert_int_eq(listen(room->listen_fd, 4), 0);
	ck_assert_int_eq(getsockname(room->listen_fd, (struct sockaddr *)&addr,
				     &len), 0);
	snprintf(room->port, sizeof room->port, "%d", ntohs(addr.sin_port));
	ck_assert_int_eq(pthread_create(&room->thread, NULL, serve_one, room), 0);
}

static void fake_room_stop(struct fake_room *room)
{
	shutdown(room->listen_fd, SHUT_RDWR);
	pthread_join(room->thread, NULL);
	close(room->listen_fd);
}

static char room_address[32];

static const char *address_of(const struct fake_room *room)
{
	snprintf(room_address, sizeof room_address, "127.0.0.1:%s", room->port);
	return room_address;
}

START_TEST(post_sends_the_body_and_reads_the_reply)
{
	struct fake_room room;
	char reply[64];
	const char *body = "kind ask\nname alice@laptop\ntext 안녕?\n";

	fake_room_start(&room, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n"
			       "Connection: close\r\n\r\nqueued 3\n");
	int status = room_post(address_of(&room), "/ask", body, reply,
			       sizeof reply);
	fake_room_stop(&room);

	ck_assert_int_eq(status, 200);
	ck_assert_str_eq(reply, "queued 3");
	ck_assert_msg(strncmp(room.request, "POST /ask HTTP/1.1\r\n", 20) == 0,
		      "request line: %.40s", room.request);
	ck_assert_ptr_nonnull(strstr(room.request, "\r\nHost: 127.0.0.1:"));
	char length[40];
	snprintf(length, sizeof length, "Content-Length: %zu\r\n", strlen(body));
	ck_assert_ptr_nonnull(strstr(room.request, length));
	ck_assert_str_eq(strstr(room.request, "\r\n\r\n") + 4, body);
}
END_TEST

START_TEST(post_returns_the_rooms_error_status)
{
	struct fake_room room;
	char reply[64];

	fake_room_start(&room, "HTTP/1.1 429 Too Many Requests\r\n"
			       "Connection: close\r\n\r\n"
			       "too many reports: wait a second\n");
	int status = room_post(address_of(&room), "/report", "kind check\n",
			       reply, sizeof reply);
	fake_room_stop(&room);
	ck_assert_int_eq(status, 429);
	ck_assert_str_eq(reply, "too many reports: wait a second");
}
END_TEST

/* A port nobody listens on: a closed listener's. */
START_TEST(an_absent_room_is_an_error_not_a_wait)
{
	struct fake_room room;

	fake_room_start(&room, "unused");
	fake_room_stop(&room);
	long long start = dial_clock_ms();
	ck_assert_int_eq(room_post(address_of(&room), "/report", "kind check\n",
				   NULL, 0), -1);
	ck_assert_int_lt(dial_clock_ms() - start, ROOM_TIMEOUT_MS);
}
END_TEST

START_TEST(a_silent_room_costs_at_most_the_time_limit)
{
	struct fake_room room;

	fake_room_start(&room, NULL);
	long long start = dial_clock_ms();
	int status = room_post(address_of(&room), "/report", "kind check\n",
			       NULL, 0);
	long long took = dial_clock_ms() - start;
	fake_room_stop(&room);
	ck_assert_int_eq(status, -1);
	ck_assert_int_ge(took, ROOM_TIMEOUT_MS - 50);
	ck_assert_int_lt(took, ROOM_TIMEOUT_MS + 1000);
}
END_TEST

START_TEST(a_bad_room_address_is_refused)
{
	ck_assert_int_eq(room_post("[::1", "/report", "x\n", NULL, 0), -1);
	ck_assert_int_eq(room_post(":10010", "/report", "x\n", NULL, 0), -1);
	ck_assert_int_eq(room_post("", "/report", "x\n", NULL, 0), -1);
}
END_TEST

START_TEST(the_default_name_is_user_at_host_without_spaces)
{
	char name[128];

	setenv("USER", "kim min\tji", 1);
	room_default_name(name, sizeof name);
	ck_assert_msg(strncmp(name, "kim_min_ji@", 11) == 0, "name: %s", name);
	ck_assert_ptr_null(strpbrk(name, " \t\r\n"));
}
END_TEST

Suite *room_client_suite(void)
{
	Suite *s = suite_create("room_client");
	TCase *tc = tcase_create("post");

	tcase_add_test(tc, post_sends_the_body_and_reads_the_reply);
	tcase_add_test(tc, post_returns_the_rooms_error_status);
	tcase_add_test(tc, an_absent_room_is_an_error_not_a_wait);
	tcase_add_test(tc, a_silent_room_costs_at_most_the_time_limit);
	tcase_add_test(tc, a_bad_room_address_is_refused);
	tcase_add_test(tc, the_default_name_is_user_at_host_without_spaces);
	suite_add_tcase(s, tc);
	return s;
}
