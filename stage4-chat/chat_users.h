/*
 * chat_users.h - the list of users, and the one lock that guards it.
 *
 * Every user is on one list, in one room.  A thread that reads or changes
 * the list, or a user's nickname or room, holds the lock: users_lock() ...
 * users_unlock().  The functions named _locked want it held; the others
 * take it themselves.  Nothing here waits for the network while holding
 * the lock: a line for a user goes into its outbox (outbox.h).
 */
#ifndef CHAT_USERS_H
#define CHAT_USERS_H

#include "net.h"
#include "chat.h"
#include "outbox.h"

#include <stdbool.h>

#define SAY_MAX (CHAT_LINE_MAX + 256) /* any line the server makes */

struct client {
	int fd;
	char peer[PEER_NAME_LEN];
	/* The chat: the users' lock guards these fields of every client. */
	struct client *next;
	int id;
	char nick[CHAT_NAME_MAX + 1];
	char room[CHAT_NAME_MAX + 1];
	int voted_in;            /* the id of the last vote this user cast */
	const char *drop_reason; /* set when the server ends the chat */
	/* What the server has to send to this user; it has its own lock. */
	struct chat_outbox outbox;
};

void users_lock(void);
void users_unlock(void);

/* Count one more user being served, unless there are `max` already.
 * users_count_down() gives the place back. */
bool users_count_up(int max);
void users_count_down(void);

/* Put c on the list, in the lobby, greet it and tell the lobby. */
void users_join(struct client *c);
/* Take c off the list and tell its room why it went. */
void users_leave(struct client *c);

/* The user called `nick`, or NULL. */
struct client *users_find_locked(const char *nick);
/* Whether anyone is in `room`. */
bool users_in_room_locked(const char *room);
/* "* in ROOM: nick nick ...\n", for /who (free it), or NULL. */
char *users_names_locked(const char *room);

/* Put a line in one user's outbox, or in those of everyone in a room;
 * printf_locked() does either (to == NULL: for room).  A user whose outbox
 * is full is dropped.  tell() takes the lock. */
void tell_locked(struct client *u, const char *text);
void tell_room_locked(const char *room, const char *text);
__attribute__((format(printf, 3, 4)))
void printf_locked(struct client *to, const char *room,
		   const char *format, ...);
void tell(struct client *u, const char *text);

/* End u's chat: its reader sees EOF and its writer's send() fails, so both
 * of its threads wind up.  The first reason given is the one the room
 * hears. */
void drop_locked(struct client *u, const char *reason);

#endif
