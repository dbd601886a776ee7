/*
 * chat_server.h - what the two halves of the chat server share:
 * chat_server.c (the threads, the list of users, the sending) and
 * chat_commands.c (what a user's line does).
 */
#ifndef CHAT_SERVER_H
#define CHAT_SERVER_H

#include "net.h"
#include "chat.h"
#include "outbox.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define SAY_MAX (CHAT_LINE_MAX + 256) /* any line the server makes */

struct client {
	int fd;
	char peer[PEER_NAME_LEN];
	/* The chat: list_lock guards these fields of every client. */
	struct client *next;
	int id;
	char nick[CHAT_NAME_MAX + 1];
	char room[CHAT_NAME_MAX + 1];
	int voted_in;            /* the id of the last vote this user cast */
	const char *drop_reason; /* set when the server ends the chat */
	/* What the server has to send to this user; it has its own lock. */
	struct chat_outbox outbox;
};

/* ---- chat_server.c ------------------------------------------------------- */

/* The users, how many are being served, and the lock guarding them. */
extern pthread_mutex_t list_lock;
extern int client_count;
extern struct client *clients;

/* Put a line in one user's outbox, or in those of everyone in a room;
 * printf_locked() does either (to == NULL: for room).  The _locked ones
 * want list_lock held, tell() takes it. */
void tell_locked(struct client *u, const char *text);
void tell_room_locked(const char *room, const char *text);
__attribute__((format(printf, 3, 4)))
void printf_locked(struct client *to, const char *room,
		   const char *format, ...);
void tell(struct client *u, const char *text);

/* ---- chat_commands.c ----------------------------------------------------- */

/* Act on one line from c.  Returns false when the user wants to go. */
bool run_line(struct client *c, char *line, size_t len);

/* The thread that ends the votes whose time is up (main() starts it). */
void *vote_clock(void *arg);

#endif
