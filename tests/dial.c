/*
 * dial.c - connect with a time limit.  See dial.h.
 */
#include "dial.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

long long dial_clock_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

bool dial_wait(int fd, short events, long long deadline_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		long long left = deadline_ms - dial_clock_ms();
		int n = poll(&pfd, 1, left > 0 ? (int)left : 0);
		if (n >= 0 || errno != EINTR)
			return n > 0;
	}
}

static int nonblocking_socket(const struct addrinfo *ai)
{
	int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	int flags = fd < 0 ? -1 : fcntl(fd, F_GETFL);

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* connect() that gives up at the deadline; errno tells why it failed. */
static bool connect_by(int fd, const struct addrinfo *ai, long long deadline)
{
	int error = 0;
	socklen_t len = sizeof error;

	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return true;
	if (errno != EINPROGRESS)
		return false;
	if (!dial_wait(fd, POLLOUT, deadline)) {
		errno = ETIMEDOUT;
		return false;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0)
		return false;
	errno = error;
	return error == 0;
}

int dial(const char *host, const char *port, int timeout_ms, const char **why)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *list;
	long long deadline = dial_clock_ms() + timeout_ms;
	int fd = -1;

	int rc = getaddrinfo(host, port, &hints, &list);
	if (rc != 0) {
		if (why)
			*why = gai_strerror(rc);
		errno = EHOSTUNREACH;
		return -1;
	}
	/* A name may have several addresses (IPv6 and IPv4): try each. */
	for (struct addrinfo *ai = list; ai && fd < 0; ai = ai->ai_next) {
		fd = nonblocking_socket(ai);
		if (fd >= 0 && !connect_by(fd, ai, deadline)) {
			int saved = errno;
			close(fd);
			fd = -1;
			errno = saved;
		}
	}
	freeaddrinfo(list);
	return fd;
}
