/*
 * outbox.c - what is on its way to one user, bounded.  See outbox.h.
 *
 * Two buffers: users' threads append to `queued` while the writer sends
 * `sending`; when the writer is done it swaps them.  The writer holds no
 * lock while its send() waits, so putting bytes never waits for it.
 */
#include "outbox.h"
#include "compat.h" /* MSG_NOSIGNAL */

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define OUTBOX_FIRST_CAP 4096
#define OUTBOX_KEEP_CAP (16 * 1024) /* a bigger idle buffer is freed */

int chat_outbox_init(struct chat_outbox *o, int fd, size_t limit)
{
	int rc;

	*o = (struct chat_outbox){ .fd = fd, .limit = limit };
	if ((rc = pthread_mutex_init(&o->lock, NULL)) != 0)
		return rc;
	if ((rc = pthread_cond_init(&o->ready, NULL)) != 0)
		pthread_mutex_destroy(&o->lock);
	return rc;
}

void chat_outbox_destroy(struct chat_outbox *o)
{
	free(o->queued);
	free(o->sending);
	pthread_cond_destroy(&o->ready);
	pthread_mutex_destroy(&o->lock);
}

/* Make room for `more` bytes after the queued ones (lock held). */
static bool make_room(struct chat_outbox *o, size_t more)
{
	size_t cap = o->queued_cap ? o->queued_cap : OUTBOX_FIRST_CAP;

	while (cap < o->queued_len + more)
		cap *= 2;
	if (cap == o->queued_cap)
		return true;
	char *bigger = realloc(o->queued, cap);
	if (!bigger)
		return false;
	o->queued = bigger;
	o->queued_cap = cap;
	return true;
}

/* Hand the kernel what it takes without waiting (lock held).  Only when
 * nothing is queued or being sent: the bytes must go out in order. */
static size_t send_at_once(struct chat_outbox *o, const char *data, size_t len)
{
	if (o->queued_len > 0 || o->sending_len > 0)
		return 0;
	ssize_t n = send(o->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	/* EAGAIN: the socket buffer is full.  Another error: the writer
	 * meets it too when it sends the queue, and ends the chat. */
	return n > 0 ? (size_t)n : 0;
}

bool chat_outbox_put(struct chat_outbox *o, const char *data, size_t len)
{
	pthread_mutex_lock(&o->lock);
	bool ok = !o->closed;
	if (ok) {
		size_t sent = send_at_once(o, data, len);
		data += sent;
		len -= sent;
	}
	/* The bytes being sent count too: they are still in our memory. */
	ok = ok && (len == 0 ||
		    (o->queued_len + o->sending_len + len <= o->limit &&
		     make_room(o, len)));
	if (ok && len > 0) {
		memcpy(o->queued + o->queued_len, data, len);
		/* Wake the writer only if it sleeps (on an empty queue): a
		 * busy writer takes everything queued when it is done. */
		if (o->writer_waiting)
			pthread_cond_signal(&o->ready);
		o->queued_len += len;
	}
	pthread_mutex_unlock(&o->lock);
	return ok;
}

size_t chat_outbox_take(struct chat_outbox *o, const char **data)
{
	pthread_mutex_lock(&o->lock);
	while (o->queued_len == 0 && !o->closed) {
		o->writer_waiting = true;
		pthread_cond_wait(&o->ready, &o->lock);
		o->writer_waiting = false;
	}
	/* Swap the buffers: the queued bytes become the ones being sent and
	 * the emptied buffer takes the next puts. */
	char *buf = o->sending;
	size_t cap = o->sending_cap;
	o->sending = o->queued;
	o->sending_cap = o->queued_cap;
	o->sending_len = o->queued_len;
	o->queued = buf;
	o->queued_cap = cap;
	o->queued_len = 0;
	size_t len = o->sending_len;
	*data = o->sending;
	pthread_mutex_unlock(&o->lock);
	return len;
}

void chat_outbox_sent(struct chat_outbox *o)
{
	pthread_mutex_lock(&o->lock);
	o->sending_len = 0;
	/* After a burst, give the memory back instead of keeping the
	 * biggest buffer this user ever needed. */
	if (o->sending_cap > OUTBOX_KEEP_CAP) {
		free(o->sending);
		o->sending = NULL;
		o->sending_cap = 0;
	}
	pthread_mutex_unlock(&o->lock);
}

void chat_outbox_close(struct chat_outbox *o)
{
	pthread_mutex_lock(&o->lock);
	o->closed = true;
	pthread_cond_signal(&o->ready);
	pthread_mutex_unlock(&o->lock);
}

void chat_outbox_writer_gone(struct chat_outbox *o)
{
	pthread_mutex_lock(&o->lock);
	o->writer_gone = true;
	pthread_cond_signal(&o->ready);
	pthread_mutex_unlock(&o->lock);
}

void chat_outbox_wait_writer(struct chat_outbox *o)
{
	pthread_mutex_lock(&o->lock);
	while (!o->writer_gone)
		pthread_cond_wait(&o->ready, &o->lock);
	pthread_mutex_unlock(&o->lock);
}
