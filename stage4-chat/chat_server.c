/*
 * chat_server - stage 4: the chat server, a thread per client and one
 * shared list of users.
 *
 * Stage 3's quiz_thread, except that the threads now share something:
 * the list of connected users (chat_users.c).  Every line a user sends
 * goes to every user in the same room, so a thread walks the whole list,
 * and one mutex guards it.  A user who stops reading must not stall the
 * room, so nobody waits for a socket while holding that mutex: a message
 * goes into each user's outbox (outbox.c), which passes it to the kernel
 * if that takes no waiting and otherwise keeps it for the user's own
 * writer thread.  The commands are read by chat.c and carried out by
 * chat_commands.c.
 */
#include "net.h"
#include "chat.h"
#include "chat_commands.h"
#include "chat_users.h"

#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define KERNEL_SNDBUF (64 * 1024) /* what the kernel queues per user */

/* Set once by main() before any thread starts, only read afterwards. */
static int lines_per_s = CHAT_FLOOD_RATE;

/* Every client's thread is created detached: nobody waits for it to end,
 * it frees itself.  (pthread_detach() after pthread_create() would leave
 * a moment in which the thread is neither joined nor detached.)  Set once
 * by main() before any thread starts. */
static pthread_attr_t detached;

/* ---- One user ------------------------------------------------------------ */

/* End c's chat for a reason of its own (not another thread's). */
static void give_up(struct client *c, const char *why, const char *reason)
{
	users_lock();
	tell_locked(c, why);
	if (!c->drop_reason)
		c->drop_reason = reason;
	users_unlock();
}

/* Read c's lines until it goes or stays silent too long.  A user who
 * talks faster than the flood limit is read more slowly: the lines wait
 * in the kernel (TCP slows the sender down), none is lost. */
static void read_lines(struct client *c)
{
	char buf[CHAT_LINE_MAX + 2]; /* room for a "\r\n" after the line */
	struct line_reader reader;
	struct chat_flood flood;
	long long wait_ms;
	char *line;
	ssize_t len;

	line_reader_init(&reader, c->fd, buf, sizeof buf);
	chat_flood_init(&flood, lines_per_s, chat_now_ms());
	while ((len = read_line(&reader, &line)) != LINE_EOF) {
		if (len == LINE_ERROR) {
			if (errno == EAGAIN)
				give_up(c, "* you were idle too long: bye\n",
					"idle too long");
			return;
		}
		while ((wait_ms = chat_flood_wait_ms(&flood, chat_now_ms())) > 0)
			sleep_us(wait_ms * 1000);
		if (len == LINE_TOO_LONG || len > CHAT_LINE_MAX)
			tell(c, "error: line too long (over "
				CHAT_TEXT_OF(CHAT_LINE_MAX) " bytes): not sent\n");
		else if (!run_line(c, line, (size_t)len))
			return;
	}
}

/* The other half of a user: send what its outbox holds. */
static void *writer_thread(void *arg)
{
	struct client *c = arg;
	const char *data;
	size_t len;

	while ((len = chat_outbox_take(&c->outbox, &data)) > 0) {
		if (send_all(c->fd, data, len) < 0) {
			/* Gone, or took nothing for CLIENT_SEND_TIMEOUT_S seconds.
			 * Later sends fail at once, so the loop goes on
			 * emptying the outbox until the reader closes it. */
			const char *why = errno == EAGAIN ? "not reading"
							  : "connection lost";
			users_lock();
			drop_locked(c, why);
			users_unlock();
		}
		chat_outbox_sent(&c->outbox);
	}
	chat_outbox_writer_gone(&c->outbox);
	return NULL;
}

/* The whole chat of one user.  Closes its socket at the end. */
static void serve_chat(struct client *c)
{
	pthread_t writer;
	/* Detached too: the outbox tells when the writer is done with c. */
	int rc = pthread_create(&writer, &detached, writer_thread, c);

	if (rc != 0) {
		log_line("%s: no writer thread: %s", c->peer, strerror(rc));
		close(c->fd);
		return;
	}
	users_join(c);
	read_lines(c);
	users_leave(c);
	commands_user_left(c);
	/* Off the list, nobody else puts into the outbox: let the writer
	 * send what is left (a goodbye), then wait for it. */
	chat_outbox_close(&c->outbox);
	chat_outbox_wait_writer(&c->outbox);
	close(c->fd);
}

static struct client *new_client(int fd, const char *peer, int idle_seconds)
{
	struct client *c = calloc(1, sizeof *c);
	int size = KERNEL_SNDBUF;
	struct timeval idle = { .tv_sec = idle_seconds };
	struct timeval stuck = { .tv_sec = CLIENT_SEND_TIMEOUT_S };

	if (!c || chat_outbox_init(&c->outbox, fd, CHAT_OUTBOX_MAX) != 0) {
		free(c);
		return NULL;
	}
	c->fd = fd;
	snprintf(c->peer, sizeof c->peer, "%s", peer);
	/* The kernel keeps a send buffer per socket too: cap it, so that a
	 * slow reader costs at most the outbox plus this.  A user silent for
	 * idle_seconds is dropped; a send that moves nothing for
	 * CLIENT_SEND_TIMEOUT_S seconds fails. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof idle) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &stuck, sizeof stuck) < 0)
		log_errno("setsockopt");
	return c;
}

static void free_client(struct client *c)
{
	if (c)
		chat_outbox_destroy(&c->outbox);
	free(c);
}

static void *client_thread(void *arg)
{
	struct client *c = arg;

	serve_chat(c);
	log_line("disconnect from %s", c->peer);
	free_client(c);
	users_count_down();
	return NULL;
}

static void refuse(int fd, const char *peer)
{
	log_line("refusing %s: server full", peer);
	send_text(fd, SERVER_FULL_LINE);
	close(fd);
}

static void serve_in_thread(int fd, const char *peer,
			    const struct server_config *cfg)
{
	/* On the heap, one per thread: a local variable would be reused by
	 * the next accept() while the thread still reads it. */
	struct client *c = new_client(fd, peer, cfg->idle_timeout);
	pthread_t thread;
	int rc = EAGAIN;

	if (c && users_count_up(cfg->max_clients)) {
		rc = pthread_create(&thread, &detached, client_thread, c);
		if (rc != 0)
			users_count_down();
	}
	if (rc != 0) {
		refuse(fd, peer);
		free_client(c);
	}
}

int main(int argc, char **argv)
{
	struct server_config cfg = { .port = 10004, .idle_timeout = CHAT_IDLE_S,
				     .max_clients = MAX_CLIENTS };
	const struct server_flag flood = {
		'f', "-f LINES    lines a user may send a second (0: no limit)",
		&lines_per_s, 0, 100000 };
	char peer[PEER_NAME_LEN];
	int listen_fd, client_fd;
	int rc;

	parse_server_args_more(argc, argv, "p:t:c:f:", &cfg, &flood, 1);
	if (pthread_attr_init(&detached) != 0 ||
	    pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED) != 0)
		errx(1, "pthread_attr");
	stop_on_signals();
	listen_fd = listen_on(cfg.port);
	if (listen_fd < 0)
		return 1;
	if ((rc = commands_start()) != 0)
		errx(1, "vote clock: %s", strerror(rc));

	while ((client_fd = accept_client(listen_fd, peer)) >= 0) {
		log_line("connect from %s", peer);
		serve_in_thread(client_fd, peer, &cfg);
	}

	close(listen_fd); /* accept() failed for good; signals exit elsewhere */
	return 1;
}
