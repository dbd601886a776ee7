/*
 * outbox.h - what is on its way to one user, bounded.
 *
 * Whoever has something for a user puts it in the user's outbox, which
 * never waits for the network: if nothing is queued it hands the bytes
 * to the kernel with a send() that does not block (MSG_DONTWAIT), and
 * queues only what the kernel would not take.  The user's own writer
 * thread sends the queue, and that send() may wait as long as it likes.
 * So one user who stops reading only fills its own outbox: when that
 * would pass the limit, chat_outbox_put() says no and the server drops
 * the user, the way Redis bounds a client's output buffer.
 */
#ifndef OUTBOX_H
#define OUTBOX_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define CHAT_OUTBOX_KIB 256 /* KiB queued or being sent, at most */
#define CHAT_OUTBOX_MAX (CHAT_OUTBOX_KIB * 1024)

struct chat_outbox {
	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t ready; /* signalled on new bytes, close, writer gone */
	char *queued;         /* waiting for the writer */
	size_t queued_len, queued_cap;
	char *sending;        /* taken by the writer, being sent */
	size_t sending_len, sending_cap;
	int fd;               /* the user's socket */
	size_t limit;
	bool closed;
	bool writer_waiting;  /* the writer sleeps for bytes: wake it */
	bool writer_gone;
};

/* An outbox for socket fd.  0 on success, else an error number. */
int chat_outbox_init(struct chat_outbox *o, int fd, size_t limit);
void chat_outbox_destroy(struct chat_outbox *o);

/* Send len bytes, or as many as the socket takes at once, and queue the
 * rest.  False, queueing nothing, if the outbox would then hold more than
 * its limit, is closed, or memory ran out. */
bool chat_outbox_put(struct chat_outbox *o, const char *data, size_t len);

/* The writer's side: wait for bytes, take all of them and point *data at
 * them.  Returns how many, or 0 once the outbox is closed and empty.  The
 * bytes stay valid, and count towards the limit, until chat_outbox_sent(). */
size_t chat_outbox_take(struct chat_outbox *o, const char **data);
void chat_outbox_sent(struct chat_outbox *o);

/* No more puts; the writer takes what is left, then gets 0. */
void chat_outbox_close(struct chat_outbox *o);

/* The writer's last call: it touches neither the outbox nor the socket
 * after it.  chat_outbox_wait_writer() waits for that call, after which
 * the socket may be closed and the outbox destroyed. */
void chat_outbox_writer_gone(struct chat_outbox *o);
void chat_outbox_wait_writer(struct chat_outbox *o);

#endif
