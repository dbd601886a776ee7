/*
 * dial.h - connect to a server with a time limit, for the test tools.
 *
 * common's connect_to() blocks in connect(): when a server is busy and its
 * listen() backlog is full, the kernel keeps retrying for about two
 * minutes.  A checker or a reporter must never wait that long, so these
 * tools connect on a non-blocking socket and poll() for the time left.
 */
#ifndef DIAL_H
#define DIAL_H

#include <stdbool.h>

/* Connect to host:port (every address getaddrinfo gives, in turn) within
 * timeout_ms in all.  Returns a connected, non-blocking socket, or -1 with
 * errno set (ETIMEDOUT when time ran out; a lookup failure is EHOSTUNREACH
 * and its text is in *why, if why is not NULL). */
int dial(const char *host, const char *port, int timeout_ms,
	 const char **why);

/* Wait until fd is ready for `events` (POLLIN, POLLOUT), at most until the
 * monotonic-clock deadline deadline_ms.  False when time is up. */
bool dial_wait(int fd, short events, long long deadline_ms);

/* Milliseconds on a monotonic clock. */
long long dial_clock_ms(void);

#endif
