/*
 * client_net.c - the graphical client's connection: a network thread and a
 * bounded queue in, an outbox out.  See client_net.h.
 */
#include "client_net.h"
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define POLL_SLICE_MS 100 /* how often a waiting thread checks `stopping` */

/* ---- The link state ----------------------------------------------------- */

static bool stopping(struct client_net *n)
{
	pthread_mutex_lock(&n->lock);
	bool stop = n->stopping;
	pthread_mutex_unlock(&n->lock);
	return stop;
}

/* Move from `from` to `to`, saying why.  Only the first reason counts: a
 * reader that sees EOF after a failed send must not overwrite it. */
static void change_link(struct client_net *n, enum client_link from,
			enum client_link to, const char *why)
{
	pthread_mutex_lock(&n->lock);
	if (n->link == from) {
		n->link = to;
		snprintf(n->why, sizeof n->why, "%s", why);
	}
	pthread_mutex_unlock(&n->lock);
}

enum client_link client_net_link(struct client_net *n, char *why, size_t cap)
{
	pthread_mutex_lock(&n->lock);
	enum client_link link = n->link;
	if (why)
		snprintf(why, cap, "%s", n->why);
	pthread_mutex_unlock(&n->lock);
	return link;
}

void client_net_counts(struct client_net *n, long *received, long *skipped)
{
	pthread_mutex_lock(&n->lock);
	*received = n->received;
	*skipped = n->skipped;
	pthread_mutex_unlock(&n->lock);
}

/* ---- Connecting, with a time limit -------------------------------------- */

/* Wait for a non-blocking connect() to finish.  Returns 0 or an errno. */
static int wait_connected(struct client_net *n, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int error = ETIMEDOUT;
	socklen_t len = sizeof error;

	/* In slices, so that closing the window does not wait for a host
	 * that never answers. */
	for (int waited = 0; waited < CLIENT_CONNECT_TIMEOUT * 1000;
	     waited += POLL_SLICE_MS) {
		int ready = poll(&p, 1, POLL_SLICE_MS);
		if (ready < 0 && errno != EINTR)
			return errno;
		if (stopping(n))
			return ECANCELED;
		if (ready > 0) {
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error,
				       &len) < 0)
				return errno;
			return error;
		}
	}
	return ETIMEDOUT;
}

/* A connected socket to one address, or -1 with *error set. */
static int connect_one(struct client_net *n, const struct addrinfo *ai,
		       int *error)
{
	int fd = nonblocking_socket(ai->ai_family, ai->ai_socktype,
				    ai->ai_protocol);

	if (fd < 0) {
		*error = errno;
		return -1;
	}
	/* A blocking connect() to a host that drops our packets waits
	 * minutes; a non-blocking one lets us give up when we choose. */
	*error = connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
	if (*error == EINPROGRESS)
		*error = wait_connected(n, fd);
	/* Blocking again for the reader: it waits in recv() on purpose. */
	if (*error == 0 && fcntl(fd, F_SETFL, 0) < 0)
		*error = errno;
	if (*error != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Like common/'s connect_to(), but bounded in time and stoppable. */
static int connect_bounded(struct client_net *n)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *list;
	char why[CLIENT_WHY_LEN];
	int fd = -1, error = 0;

	int rc = getaddrinfo(n->host, n->port, &hints, &list);
	if (rc != 0) {
		snprintf(why, sizeof why, "%.64s: %s", n->host,
			 gai_strerror(rc));
		change_link(n, CLIENT_CONNECTING, CLIENT_FAILED, why);
		return -1;
	}
	for (struct addrinfo *ai = list; ai && fd < 0 && !stopping(n);
	     ai = ai->ai_next)
		fd = connect_one(n, ai, &error);
	freeaddrinfo(list);
	if (fd < 0) {
		snprintf(why, sizeof why, "cannot connect to %.64s port %s: %s",
			 n->host, n->port, strerror(error));
		change_link(n, CLIENT_CONNECTING, CLIENT_FAILED, why);
	}
	return fd;
}

/* Make the socket ready for the game, then share it with the frame loop. */
static bool publish_socket(struct client_net *n, int fd)
{
	int one = 1;

	/* A POS is 40 bytes: Nagle's algorithm would hold it back until the
	 * last one is acknowledged, and others would see us stutter. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0)
		perror("game_client: TCP_NODELAY");
	/* recv() wakes up once a second even if the server is silent. */
	set_timeout(fd, 1);
	pthread_mutex_lock(&n->lock);
	bool ok = !n->stopping;
	if (ok) {
		n->fd = fd;
		n->link = CLIENT_CONNECTED;
	}
	pthread_mutex_unlock(&n->lock);
	if (!ok)
		close(fd);
	return ok;
}

/* ---- Receiving ---------------------------------------------------------- */

/* Add a line to the queue, waiting while it is full.  False if stopping. */
static bool enqueue(struct client_net *n, const char *line, size_t len)
{
	pthread_mutex_lock(&n->lock);
	/* Full: the frame loop is behind.  Waiting here stops our recv(),
	 * so TCP slows the server down instead of lines being lost or
	 * memory growing. */
	while (n->count == CLIENT_QUEUE_LINES && !n->stopping)
		pthread_cond_wait(&n->space, &n->lock);
	bool ok = !n->stopping;
	if (ok) {
		int tail = (n->head + n->count) % CLIENT_QUEUE_LINES;
		memcpy(n->queue[tail], line, len + 1);
		n->count++;
		n->received++;
	}
	pthread_mutex_unlock(&n->lock);
	return ok;
}

int client_net_take(struct client_net *n, char lines[][CLIENT_LINE_CAP],
		    int max)
{
	int taken = 0;

	pthread_mutex_lock(&n->lock);
	while (taken < max && n->count > 0) {
		memcpy(lines[taken++], n->queue[n->head], CLIENT_LINE_CAP);
		n->head = (n->head + 1) % CLIENT_QUEUE_LINES;
		n->count--;
	}
	pthread_cond_signal(&n->space);
	pthread_mutex_unlock(&n->lock);
	return taken;
}

static void count_skipped(struct client_net *n)
{
	pthread_mutex_lock(&n->lock);
	n->skipped++;
	pthread_mutex_unlock(&n->lock);
}

/* Read lines until the server goes away or we stop.  Returns why it ended. */
static const char *read_lines(struct client_net *n, int fd)
{
	char buf[CLIENT_LINE_CAP], *line;
	struct line_reader reader;

	line_reader_init(&reader, fd, buf, sizeof buf);
	for (;;) {
		ssize_t len = read_line(&reader, &line);
		if (len == LINE_EOF)
			return "the server closed the connection";
		if (len == LINE_ERROR && errno != EAGAIN &&
		    errno != EWOULDBLOCK)
			return strerror(errno);
		if (stopping(n))
			return "stopped";
		if (len == LINE_ERROR) /* a quiet second: keep waiting */
			continue;
		/* Too long for any message, or a NUL byte that would hide
		 * the rest of the line from the parser: skip it. */
		if (len == LINE_TOO_LONG || strlen(line) != (size_t)len) {
			count_skipped(n);
			continue;
		}
		if (!enqueue(n, line, (size_t)len))
			return "stopped";
	}
}

static void *network_thread(void *arg)
{
	struct client_net *n = arg;
	int fd = connect_bounded(n);

	if (fd < 0 || !publish_socket(n, fd))
		return NULL;
	const char *why = read_lines(n, fd);
	char text[CLIENT_WHY_LEN];
	snprintf(text, sizeof text, "connection lost: %s", why);
	change_link(n, CLIENT_CONNECTED, CLIENT_LOST, text);
	/* The frame loop closes fd, after joining us: closing it here could
	 * let a new socket take its number while the frame loop still sends
	 * to it. */
	return NULL;
}

/* ---- Starting and stopping ---------------------------------------------- */

int client_net_start(struct client_net *n, const char *host, const char *port)
{
	sigset_t all, old;

	snprintf(n->host, sizeof n->host, "%s", host);
	snprintf(n->port, sizeof n->port, "%s", port);
	n->link = CLIENT_CONNECTING;
	n->why[0] = '\0';
	n->fd = -1;
	n->stopping = false;
	n->head = n->count = 0;
	n->received = n->skipped = 0;
	n->out_len = 0;
	pthread_mutex_init(&n->lock, NULL);
	pthread_cond_init(&n->space, NULL);
	/* Signals (Ctrl-C) go to the frame loop's thread, which SDL turns
	 * into a "quit" event: the network thread blocks them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(&n->thread, NULL, network_thread, n);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	n->started = rc == 0;
	if (rc != 0) {
		n->link = CLIENT_FAILED;
		snprintf(n->why, sizeof n->why, "thread: %s", strerror(rc));
	}
	return rc;
}

void client_net_stop(struct client_net *n)
{
	if (!n->started)
		return;
	pthread_mutex_lock(&n->lock);
	n->stopping = true;
	int fd = n->fd;
	if (n->link == CLIENT_CONNECTING || n->link == CLIENT_CONNECTED) {
		n->link = CLIENT_STOPPED;
		snprintf(n->why, sizeof n->why, "stopped");
	}
	pthread_cond_broadcast(&n->space);
	pthread_mutex_unlock(&n->lock);
	/* Wakes the thread's recv() at once. */
	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
	pthread_join(n->thread, NULL);
	n->started = false;
	if (fd >= 0)
		close(fd);
	pthread_cond_destroy(&n->space);
	pthread_mutex_destroy(&n->lock);
}

/* ---- Sending ------------------------------------------------------------ */

/* The socket, while the link is up; else -1. */
static int connected_fd(struct client_net *n)
{
	pthread_mutex_lock(&n->lock);
	int fd = n->link == CLIENT_CONNECTED ? n->fd : -1;
	pthread_mutex_unlock(&n->lock);
	return fd;
}

void client_net_send(struct client_net *n, const char *line, size_t len)
{
	if (connected_fd(n) < 0)
		return;
	if (n->out_len + len > CLIENT_OUTBOX_MAX) {
		change_link(n, CLIENT_CONNECTED, CLIENT_LOST,
			    "connection lost: the server stopped reading");
		return;
	}
	memcpy(n->out + n->out_len, line, len);
	n->out_len += len;
}

void client_net_flush(struct client_net *n)
{
	int fd = connected_fd(n);

	if (fd < 0) {
		n->out_len = 0;
		return;
	}
	if (n->out_len == 0)
		return;
	/* MSG_DONTWAIT: a full socket buffer must not freeze the window;
	 * what does not fit now goes next frame. */
	ssize_t sent = send(fd, n->out, n->out_len,
			    MSG_DONTWAIT | MSG_NOSIGNAL);
	if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR) {
		char why[CLIENT_WHY_LEN];
		snprintf(why, sizeof why, "connection lost: %s",
			 strerror(errno));
		change_link(n, CLIENT_CONNECTED, CLIENT_LOST, why);
		return;
	}
	if (sent <= 0)
		return;
	n->out_len -= (size_t)sent;
	memmove(n->out, n->out + sent, n->out_len);
}
