/*
 * chat_users.c - the list of users, and the one lock that guards it.
 * See chat_users.h.
 *
 * This is the lesson of stage 4: threads that share something.  Each
 * user's thread adds its user to the list, walks the list to send a line
 * to the room, and takes its user off the list when it goes; one mutex
 * makes sure no thread sees the list half changed.
 */
#include "chat_users.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* What the users' threads share: the list of users (with their nicknames,
 * rooms and votes cast) and how many are being served.  One lock guards
 * all of it. */
static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct client *clients;
static int client_count;
static int last_client_id;

void users_lock(void)
{
	pthread_mutex_lock(&list_lock);
}

void users_unlock(void)
{
	pthread_mutex_unlock(&list_lock);
}

bool users_count_up(int max)
{
	users_lock();
	bool ok = client_count < max;
	if (ok)
		client_count++;
	users_unlock();
	return ok;
}

void users_count_down(void)
{
	users_lock();
	client_count--;
	users_unlock();
}

/* ---- Sending: with the lock held, so only into outboxes, which never
 * wait for the network ------------------------------------------------- */

void drop_locked(struct client *u, const char *reason)
{
	if (!u->drop_reason)
		u->drop_reason = reason;
	shutdown(u->fd, SHUT_RDWR);
}

void tell_locked(struct client *u, const char *text)
{
	if (!chat_outbox_put(&u->outbox, text, strlen(text)))
		drop_locked(u, "too far behind: more than "
			       CHAT_TEXT_OF(CHAT_OUTBOX_KIB) " KiB unread");
}

void tell_room_locked(const char *room, const char *text)
{
	/* exercise 4: tell_locked() every user in the room */
	for (struct client *u = clients; u; u = u->next)
		if (strcmp(u->room, room) == 0)
			tell_locked(u, text);
	/* end of exercise */
}

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

void tell(struct client *u, const char *text)
{
	users_lock();
	tell_locked(u, text);
	users_unlock();
}

/* ---- The list ------------------------------------------------------------ */

void users_join(struct client *c)
{
	/* exercise 4: put c on the list, under the lock, and greet it */
	users_lock();
	c->id = ++last_client_id;
	/* Users cannot take guest names, so this one is free. */
	snprintf(c->nick, sizeof c->nick, "guest%d", c->id);
	snprintf(c->room, sizeof c->room, "%s", CHAT_LOBBY);
	c->next = clients;
	clients = c;
	printf_locked(c, NULL, "* welcome, %s! you are in %s; "
		      "type /help for the commands\n", c->nick, c->room);
	printf_locked(NULL, c->room, "* %s joined %s\n", c->nick, c->room);
	users_unlock();
	/* end of exercise */
}

void users_leave(struct client *c)
{
	/* exercise 4: take c off the list, under the lock, and tell its room */
	users_lock();
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
	users_unlock();
	/* end of exercise */
}

struct client *users_find_locked(const char *nick)
{
	for (struct client *u = clients; u; u = u->next)
		if (strcmp(u->nick, nick) == 0)
			return u;
	return NULL;
}

bool users_in_room_locked(const char *room)
{
	for (struct client *u = clients; u; u = u->next)
		if (strcmp(u->room, room) == 0)
			return true;
	return false;
}

char *users_names_locked(const char *room)
{
	size_t size = (size_t)client_count * (CHAT_NAME_MAX + 2) + 64;
	char *line = malloc(size);

	if (!line)
		return NULL;
	int len = snprintf(line, size, "* in %s:", room);
	for (struct client *u = clients; u; u = u->next)
		if (strcmp(u->room, room) == 0)
			len += snprintf(line + len, size - (size_t)len, " %s",
					u->nick);
	snprintf(line + len, size - (size_t)len, "\n");
	return line;
}
