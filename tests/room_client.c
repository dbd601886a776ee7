/*
 * room_client.c - one bounded HTTP/1.1 POST to the room.  See room_client.h.
 *
 * The caller ignores SIGPIPE (stop_on_signals() does, and the test tools
 * do), so a room that hangs up mid-request is an error return, not death.
 */
#include "room_client.h"
#include "dial.h"

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HOST_MAX 256
#define REPLY_MAX 4096 /* status line, headers and a one-line body */

/* "HOST", "HOST:PORT" or "[V6ADDR]:PORT" into host and port. */
static bool split_room(const char *room, char host[HOST_MAX],
		       const char **port)
{
	const char *colon;
	size_t len;

	if (room[0] == '[') {
		const char *close = strchr(room, ']');
		if (!close)
			return false;
		len = (size_t)(close - room - 1);
		memcpy(host, room + 1, len < HOST_MAX ? len : 0);
		colon = close[1] == ':' ? close + 1 : NULL;
		if (close[1] != '\0' && !colon)
			return false;
	} else {
		colon = strrchr(room, ':');
		len = colon ? (size_t)(colon - room) : strlen(room);
		memcpy(host, room, len < HOST_MAX ? len : 0);
	}
	if (len == 0 || len >= HOST_MAX)
		return false;
	host[len] = '\0';
	*port = colon && colon[1] ? colon + 1 : ROOM_DEFAULT_PORT;
	return true;
}

/* Write all of buf to the non-blocking fd before the deadline. */
static bool send_by(int fd, const char *buf, size_t len, long long deadline)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			return false;
		} else if (!dial_wait(fd, POLLOUT, deadline)) {
			errno = ETIMEDOUT;
			return false;
		}
	}
	return true;
}

/* Read until the room closes the connection (it answers with
 * "Connection: close"), the reply buffer is full, or time is up. */
static size_t read_by(int fd, char *buf, size_t cap, long long deadline)
{
	size_t got = 0;

	while (got < cap - 1 && dial_wait(fd, POLLIN, deadline)) {
		ssize_t n = read(fd, buf + got, cap - 1 - got);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			break;
		if (n > 0)
			got += (size_t)n;
	}
	buf[got] = '\0';
	return got;
}

/* The status of "HTTP/1.1 200 OK\r\n...", and the first line of the body. */
static int parse_reply(const char *reply, char *body_line, size_t size)
{
	int status;

	if (sscanf(reply, "HTTP/1.%*1[01] %3d", &status) != 1)
		return -1;
	const char *body = strstr(reply, "\r\n\r\n");
	if (body_line && size > 0) {
		body = body ? body + 4 : "";
		size_t len = strcspn(body, "\r\n");
		if (len >= size)
			len = size - 1;
		memcpy(body_line, body, len);
		body_line[len] = '\0';
	}
	return status;
}

static int post_to(const char *host, const char *port, const char *path,
		   const char *body, char *reply, size_t reply_size,
		   const char **why)
{
	long long deadline = dial_clock_ms() + ROOM_TIMEOUT_MS;
	char head[HOST_MAX + 256];
	char answer[REPLY_MAX];

	int fd = dial(host, port, ROOM_TIMEOUT_MS, why);
	if (fd < 0)
		return -1;
	int head_len = snprintf(head, sizeof head,
		"POST %s HTTP/1.1\r\nHost: %s:%s\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Length: %zu\r\nConnection: close\r\n\r\n",
		path, host, port, strlen(body));
	bool sent = head_len > 0 && (size_t)head_len < sizeof head &&
		    send_by(fd, head, (size_t)head_len, deadline) &&
		    send_by(fd, body, strlen(body), deadline);
	int saved = errno;
	size_t got = sent ? read_by(fd, answer, sizeof answer, deadline) : 0;
	close(fd);
	if (!sent) {
		errno = saved;
		return -1;
	}
	int status = got > 0 ? parse_reply(answer, reply, reply_size) : -1;
	if (status < 0)
		*why = got > 0 ? "it answered something that is not HTTP"
			       : "no answer in time";
	return status;
}

int room_post(const char *room, const char *path, const char *body,
	      char *reply, size_t reply_size)
{
	char host[HOST_MAX];
	const char *port;
	const char *why = NULL;

	if (!split_room(room, host, &port)) {
		warnx("warning: the room \"%s\" is not HOST or HOST:PORT: "
		      "nothing reported", room);
		return -1;
	}
	int status = post_to(host, port, path, body, reply, reply_size, &why);
	if (status < 0)
		warnx("warning: the room at %s:%s could not be reached (%s): "
		      "nothing reported", host, port, why ? why : strerror(errno));
	return status;
}

/* Names go into "name VALUE" lines: no control bytes, no spaces. */
static void make_printable(char *text)
{
	for (; *text; text++)
		if ((unsigned char)*text < 0x21 || *text == 0x7f)
			*text = '_';
}

void room_default_name(char *out, size_t size)
{
	const char *user = getenv("USER");
	char host[HOST_MAX];

	if (!user || !*user)
		user = getlogin();
	if (gethostname(host, sizeof host) < 0)
		strcpy(host, "localhost");
	host[sizeof host - 1] = '\0';
	snprintf(out, size, "%s@%s", user && *user ? user : "learner", host);
	make_printable(out);
}
