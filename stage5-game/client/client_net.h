/*
 * client_net.h - the graphical client's connection, without SDL.
 *
 * A window must be redrawn 60 times a second whatever the network does, so
 * the frame loop never waits on a socket:
 *   - a network thread connects (with a time limit), then reads lines and
 *     puts them in a bounded queue that the frame loop empties each frame;
 *   - what the frame loop sends goes to an outbox, flushed once a frame
 *     with non-blocking sends.
 * Only the queue, the link state and the socket number are shared between
 * the two threads, all behind one mutex.
 */
#ifndef CLIENT_NET_H
#define CLIENT_NET_H

#include "game.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define CLIENT_LINE_CAP (GAME_LINE_MAX + 2) /* a line, its '\r' and NUL */
#define CLIENT_QUEUE_LINES 1024   /* lines received and not yet applied */
#define CLIENT_OUTBOX_MAX 16384   /* bytes not yet taken by the server */
#define CLIENT_CONNECT_TIMEOUT 5  /* s before a silent host counts as down */
#define CLIENT_WHY_LEN 160

enum client_link {
	CLIENT_CONNECTING,
	CLIENT_CONNECTED,
	CLIENT_FAILED,  /* could not connect */
	CLIENT_LOST,    /* was connected; the server went away */
	CLIENT_STOPPED, /* client_net_stop() was called */
};

struct client_net {
	char host[256], port[16];
	pthread_t thread;
	bool started;          /* the thread exists and is not joined */

	/* Guarded by lock: shared with the network thread. */
	pthread_mutex_t lock;
	pthread_cond_t space;  /* the queue has room again, or stopping */
	enum client_link link;
	char why[CLIENT_WHY_LEN]; /* what went wrong, for the window */
	int fd;                /* -1 until connected */
	bool stopping;
	char queue[CLIENT_QUEUE_LINES][CLIENT_LINE_CAP];
	int head, count;       /* a ring: count lines from queue[head] on */
	long received, skipped;

	/* Only the frame loop's thread touches these. */
	char out[CLIENT_OUTBOX_MAX];
	size_t out_len;
};

/* Start connecting to host:port in a new thread.  0, or an errno value. */
int client_net_start(struct client_net *n, const char *host, const char *port);

/* Copy up to `max` received lines (oldest first, NUL-terminated) into
 * `lines` and remove them from the queue.  Returns how many. */
int client_net_take(struct client_net *n, char lines[][CLIENT_LINE_CAP],
		    int max);

/* The state of the link; if `why` is given, what went wrong is copied
 * there (empty while all is well). */
enum client_link client_net_link(struct client_net *n, char *why, size_t cap);

/* Lines received so far, and those skipped (too long, NUL bytes). */
void client_net_counts(struct client_net *n, long *received, long *skipped);

/* Queue a line for the server (dropped unless connected).  A server that
 * lets CLIENT_OUTBOX_MAX bytes pile up is not reading: the link is lost. */
void client_net_send(struct client_net *n, const char *line, size_t len);

/* Send what the outbox holds, as much as the socket takes now. */
void client_net_flush(struct client_net *n);

/* Stop the thread (within a fraction of a second), close the socket. */
void client_net_stop(struct client_net *n);

#endif
