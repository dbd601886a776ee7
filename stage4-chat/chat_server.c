/*
 * chat_server - stage 4: the chat server, a thread per client and one
 * shared list of users.
 *
 * Stage 3's quiz_thread, except that the threads now share something:
 * the list of connected users.  Every line a user sends goes to every
 * user in the same room, so a thread walks the whole list, and one mutex
 * guards it.  A user who stops reading must not stall the room, so nobody
 * waits for a socket while holding that mutex: a message goes into each
 * user's outbox (outbox.c), which passes it to the kernel if that takes
 * no waiting and otherwise keeps it for the user's own writer thread.
 * The commands are read by chat.c and carried out by chat_commands.c.
 */
#include "net.h"
#include "chat.h"
#include "outbox.h"
#include "chat_server.h"

#include <err.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define SEND_TIMEOUT 10           /* seconds a user may take no bytes */
#define KERNEL_SNDBUF (64 * 1024) /* what the kernel queues per user */

/* struct client, in chat_server.h: chat_commands.c reads it too. */

/* What the threads share: how many clients are being served, and now
 * the list of them (the users), with their nicknames, rooms and votes.
 * One lock guards all of it. */
pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
int client_count;
struct client *clients;
static int last_client_id;

/* Add `change` to the count, unless the count would pass `max`. */
static bool count_clients(int change, int max)
{
	pthread_mutex_lock(&list_lock);
	bool ok = client_count + change <= max;
	if (ok)
		client_count += change;
	pthread_mutex_unlock(&list_lock);
	return ok;
}

/* ---- Sending: called with list_lock held, so every one of them only
 * puts into outboxes, which never wait for the network ------------------ */

/* End u's chat: its reader sees EOF and its writer's send() fails, at
 * once, so both of its threads wind up.  The first reason given wins. */
static void drop_locked(struct client *u, const char *reason)
{
	if (!u->drop_reason)
		u->drop_reason = reason;
	shutdown(u->fd, SHUT_RDWR);
}

void tell_locked(struct client *u, const char *text)
{
	if (!chat_outbox_put(&u->outbox, text, strlen(text)))
		drop_locked(u, "too far behind: more than 256 KiB unread");
}

void tell_room_locked(const char *room, const char *text)
{
	/* exercise: tell_locked() every user in the room */
	for (struct client *u = clients; u; u = u->next)
		if (strcmp(u->room, room) == 0)
			tell_locked(u, text);
	/* end of exercise */
}

/* printf() into one line for a user (to == NULL: for room). */
__attribute__((format(printf, 3, 4)))
void printf_locked(struct client *to, const char *room,
		   const char *format, ...)
{
	char line[SAY_MAX];
	va_list ap;

	va_start(ap, format);
	int len = vsnprintf(line, sizeof line, format, ap);
	va_end(ap);
	if (len >= (int)sizeof line)
		line[sizeof line - 2] = '\n'; /* cut short, but still a line */
	if (to)
		tell_locked(to, line);
	else
		tell_room_locked(room, line);
}

/* The same, taking the lock: for a thread that holds nothing. */
void tell(struct client *u, const char *text)
{
	pthread_mutex_lock(&list_lock);
	tell_locked(u, text);
	pthread_mutex_unlock(&list_lock);
}

/* ---- The list ------------------------------------------------------------ */

/* Put c on the list, in the lobby, and greet it. */
static void join_list(struct client *c)
{
	pthread_mutex_lock(&list_lock);
	c->id = ++last_client_id;
	/* Users cannot take guest names, so this one is free. */
	snprintf(c->nick, sizeof c->nick, "guest%d", c->id);
	snprintf(c->room, sizeof c->room, "%s", CHAT_LOBBY);
	c->next = clients;
	clients = c;
	printf_locked(c, NULL, "* welcome, %s! you are in %s; "
		      "type /help for the commands\n", c->nick, c->room);
	printf_locked(NULL, c->room, "* %s joined %s\n", c->nick, c->room);
	pthread_mutex_unlock(&list_lock);
}

/* Take c off the list and tell its room why it went. */
static void leave_list(struct client *c)
{
	pthread_mutex_lock(&list_lock);
	for (struct client **p = &clients; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	if (c->drop_reason)
		printf_locked(NULL, c->room, "* %s was dropped: %s\n", c->nick,
			      c->drop_reason);
	else
		printf_locked(NULL, c->room, "* %s left\n", c->nick);
	pthread_mutex_unlock(&list_lock);
}

/* ---- One user ------------------------------------------------------------ */

/* End c's chat for a reason of its own (not another thread's). */
static void give_up(struct client *c, const char *why, const char *reason)
{
	pthread_mutex_lock(&list_lock);
	tell_locked(c, why);
	if (!c->drop_reason)
		c->drop_reason = reason;
	pthread_mutex_unlock(&list_lock);
}

/* Read c's lines until it goes, stays silent too long, or floods. */
static void read_lines(struct client *c)
{
	char buf[CHAT_LINE_MAX + 2]; /* room for a "\r\n" after the line */
	struct line_reader reader;
	struct chat_flood flood;
	char *line;
	ssize_t len;

	line_reader_init(&reader, c->fd, buf, sizeof buf);
	chat_flood_init(&flood, chat_now_ms());
	while ((len = read_line(&reader, &line)) != LINE_EOF) {
		if (len == LINE_ERROR) {
			if (errno == EAGAIN)
				give_up(c, "* you were idle too long: bye\n",
					"idle too long");
			return;
		}
		if (!chat_flood_allow(&flood, chat_now_ms())) {
			give_up(c, "error: more than 20 lines a second: bye\n",
				"flooding");
			return;
		}
		if (len == LINE_TOO_LONG || len > CHAT_LINE_MAX)
			tell(c, "error: line too long (over 1024 bytes): "
				"not sent\n");
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
			/* Gone, or took nothing for SEND_TIMEOUT seconds.
			 * Later sends fail at once, so the loop goes on
			 * emptying the outbox until the reader closes it. */
			const char *why = errno == EAGAIN ? "not reading"
							  : "connection lost";
			pthread_mutex_lock(&list_lock);
			drop_locked(c, why);
			pthread_mutex_unlock(&list_lock);
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
	int rc = pthread_create(&writer, NULL, writer_thread, c);

	if (rc != 0) {
		log_line("%s: no writer thread: %s", c->peer, strerror(rc));
		close(c->fd);
		return;
	}
	/* Detached too: the outbox tells when the writer is done with c. */
	pthread_detach(writer);
	join_list(c);
	read_lines(c);
	leave_list(c);
	/* Off the list, nobody else puts into the outbox: let the writer
	 * send what is left (a goodbye), then wait for it. */
	chat_outbox_close(&c->outbox);
	chat_outbox_wait_writer(&c->outbox);
	close(c->fd);
}

static struct client *new_client(int fd, const char *peer)
{
	struct client *c = calloc(1, sizeof *c);
	int size = KERNEL_SNDBUF;
	struct timeval tv = { .tv_sec = SEND_TIMEOUT };

	if (!c || chat_outbox_init(&c->outbox, fd, CHAT_OUTBOX_MAX) != 0) {
		free(c);
		return NULL;
	}
	c->fd = fd;
	snprintf(c->peer, sizeof c->peer, "%s", peer);
	/* The kernel keeps a send buffer per socket too: cap it, so that a
	 * slow reader costs at most the outbox plus this.  And a send that
	 * moves nothing for SEND_TIMEOUT seconds fails. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0)
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
	count_clients(-1, INT_MAX);
	return NULL;
}

static void refuse(int fd, const char *peer)
{
	log_line("refusing %s: server full", peer);
	send_text(fd, SERVER_FULL_LINE);
	close(fd);
}

static void serve_in_thread(int fd, const char *peer, int max_clients)
{
	/* On the heap, one per thread: a local variable would be reused by
	 * the next accept() while the thread still reads it. */
	struct client *c = new_client(fd, peer);
	pthread_t thread;
	int rc = EAGAIN;

	if (c && count_clients(+1, max_clients)) {
		rc = pthread_create(&thread, NULL, client_thread, c);
		if (rc != 0)
			count_clients(-1, INT_MAX);
	}
	if (rc != 0) {
		refuse(fd, peer);
		free_client(c);
		return;
	}
	/* Nobody waits for it to end: detached, it frees itself. */
	pthread_detach(thread);
}

int main(int argc, char **argv)
{
	struct server_config cfg = { .port = 10004, .idle_timeout = 600,
				     .max_clients = 500 };
	char peer[PEER_NAME_LEN];
	int listen_fd, client_fd;
	pthread_t clock;
	int rc;

	parse_server_args(argc, argv, "p:t:c:", &cfg);
	stop_on_signals();
	listen_fd = listen_on(cfg.port);
	if (listen_fd < 0)
		return 1;
	if ((rc = pthread_create(&clock, NULL, vote_clock, NULL)) != 0)
		errx(1, "vote clock: %s", strerror(rc));
	pthread_detach(clock);

	while ((client_fd = accept_client(listen_fd, peer)) >= 0) {
		log_line("connect from %s", peer);
		set_timeout(client_fd, cfg.idle_timeout);
		serve_in_thread(client_fd, peer, cfg.max_clients);
	}

	close(listen_fd); /* accept() failed for good; signals exit elsewhere */
	return 1;
}
