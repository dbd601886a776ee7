/*
 * chat_commands.c - what the chat server does with a user's line: say it
 * to the room, or carry out a command (/nick, /dice, /msg, the votes,
 * /join, /who, /help).  chat.c reads the command; chat_server.c keeps the
 * list of users and does the sending.
 */
#include "chat_server.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define VOTE_CLOCK_MS 200 /* how often expired votes are ended */

/* The votes running in the rooms: list_lock guards them too. */
static struct chat_vote *votes;
static int last_vote_id;

/* ---- Commands: each takes the lock once and only puts into outboxes ----- */

static struct client *find_user_locked(const char *nick)
{
	for (struct client *u = clients; u; u = u->next)
		if (strcmp(u->nick, nick) == 0)
			return u;
	return NULL;
}

static void say(struct client *c, const char *text)
{
	if (!*text)
		return; /* an empty line says nothing */
	pthread_mutex_lock(&list_lock);
	printf_locked(NULL, c->room, "%s: %s\n", c->nick, text);
	pthread_mutex_unlock(&list_lock);
}

static void change_nick(struct client *c, const char *nick)
{
	pthread_mutex_lock(&list_lock);
	if (find_user_locked(nick)) {
		printf_locked(c, NULL, "error: the nickname %s is taken\n", nick);
	} else {
		printf_locked(NULL, c->room, "* %s is now known as %s\n",
			      c->nick, nick);
		snprintf(c->nick, sizeof c->nick, "%s", nick);
	}
	pthread_mutex_unlock(&list_lock);
}

static void roll_dice(struct client *c, int sides)
{
	unsigned int r;

	/* exercise: roll 1..sides and tell the room who rolled what */
	if (random_bytes(&r, sizeof r) < 0)
		r = (unsigned int)time(NULL);
	pthread_mutex_lock(&list_lock);
	printf_locked(NULL, c->room, "* %s rolled %u (1-%d)\n", c->nick,
		      r % (unsigned int)sides + 1, sides);
	pthread_mutex_unlock(&list_lock);
	/* end of exercise */
}

/* Only the two of them see it, wherever they are. */
static void send_private(struct client *c, const char *nick, const char *text)
{
	pthread_mutex_lock(&list_lock);
	struct client *to = find_user_locked(nick);
	if (!to) {
		printf_locked(c, NULL, "error: nobody is called %s\n", nick);
	} else {
		printf_locked(to, NULL, "(private) %s -> %s: %s\n", c->nick,
			      to->nick, text);
		if (to != c)
			printf_locked(c, NULL, "(private) %s -> %s: %s\n",
				      c->nick, to->nick, text);
	}
	pthread_mutex_unlock(&list_lock);
}

static void move_to_room(struct client *c, const char *room)
{
	pthread_mutex_lock(&list_lock);
	if (strcmp(c->room, room) == 0) {
		printf_locked(c, NULL, "error: you are in %s already\n", room);
	} else {
		char old[sizeof c->room];
		snprintf(old, sizeof old, "%s", c->room);
		snprintf(c->room, sizeof c->room, "%s", room);
		printf_locked(NULL, old, "* %s left for %s\n", c->nick, room);
		printf_locked(NULL, room, "* %s joined %s\n", c->nick, room);
	}
	pthread_mutex_unlock(&list_lock);
}

/* Everyone in c's room, on one line. */
static void list_room(struct client *c)
{
	pthread_mutex_lock(&list_lock);
	size_t size = (size_t)client_count * (CHAT_NAME_MAX + 2) + 64;
	char *line = malloc(size);
	if (line) {
		int len = snprintf(line, size, "* in %s:", c->room);
		for (struct client *u = clients; u; u = u->next)
			if (strcmp(u->room, c->room) == 0)
				len += snprintf(line + len, size - (size_t)len,
						" %s", u->nick);
		snprintf(line + len, size - (size_t)len, "\n");
		tell_locked(c, line);
	} else {
		tell_locked(c, "error: out of memory\n");
	}
	free(line);
	pthread_mutex_unlock(&list_lock);
}

static void show_help(struct client *c)
{
	pthread_mutex_lock(&list_lock);
	for (int i = 0; chat_help_lines[i]; i++)
		printf_locked(c, NULL, "%s\n", chat_help_lines[i]);
	pthread_mutex_unlock(&list_lock);
}

/* ---- Votes: one at a time per room, kept on the `votes` list ------------ */

static struct chat_vote *find_vote_locked(const char *room)
{
	for (struct chat_vote *v = votes; v; v = v->next)
		if (strcmp(v->room, room) == 0)
			return v;
	return NULL;
}

/* Tell v's room the result, and forget v. */
static void finish_vote_locked(struct chat_vote *v)
{
	char line[SAY_MAX];

	chat_vote_result(v, line, sizeof line);
	tell_room_locked(v->room, line);
	for (struct chat_vote **p = &votes; *p; p = &(*p)->next) {
		if (*p == v) {
			*p = v->next;
			break;
		}
	}
	free(v);
}

static void start_vote(struct client *c, int seconds, const char *question)
{
	pthread_mutex_lock(&list_lock);
	struct chat_vote *v = find_vote_locked(c->room);
	if (v) {
		printf_locked(c, NULL, "error: %s is voting already: %s\n",
			      c->room, v->question);
	} else if (!(v = calloc(1, sizeof *v))) {
		tell_locked(c, "error: out of memory\n");
	} else {
		snprintf(v->room, sizeof v->room, "%s", c->room);
		snprintf(v->question, sizeof v->question, "%s", question);
		v->id = ++last_vote_id;
		v->starter_id = c->id;
		v->ends_ms = chat_now_ms() + seconds * 1000LL;
		v->next = votes;
		votes = v;
		printf_locked(NULL, c->room, "* %s started a vote: %s (answer "
			      "/ballot yes|no or /투표 찬성|반대 within %d s)\n",
			      c->nick, question, seconds);
	}
	pthread_mutex_unlock(&list_lock);
}

static void cast_ballot(struct client *c, bool yes)
{
	pthread_mutex_lock(&list_lock);
	struct chat_vote *v = find_vote_locked(c->room);
	if (!v) {
		printf_locked(c, NULL, "error: no vote in %s\n", c->room);
	} else if (c->voted_in == v->id) {
		tell_locked(c, "error: you have voted already\n");
	} else {
		c->voted_in = v->id;
		if (yes)
			v->yes++;
		else
			v->no++;
		printf_locked(c, NULL, "* you voted %s\n", yes ? "yes" : "no");
	}
	pthread_mutex_unlock(&list_lock);
}

static void end_vote(struct client *c)
{
	pthread_mutex_lock(&list_lock);
	struct chat_vote *v = find_vote_locked(c->room);
	if (!v)
		printf_locked(c, NULL, "error: no vote in %s\n", c->room);
	else if (v->starter_id != c->id)
		tell_locked(c, "error: only who started the vote can end it\n");
	else
		finish_vote_locked(v);
	pthread_mutex_unlock(&list_lock);
}

/* A thread of its own ends the votes whose time is up: every other thread
 * sleeps in recv() or accept(). */
void *vote_clock(void *arg)
{
	(void)arg;
	for (;;) {
		sleep_us(VOTE_CLOCK_MS * 1000);
		pthread_mutex_lock(&list_lock);
		long long now = chat_now_ms();
		for (struct chat_vote *v = votes, *next; v; v = next) {
			next = v->next;
			if (v->ends_ms <= now)
				finish_vote_locked(v);
		}
		pthread_mutex_unlock(&list_lock);
	}
	return NULL;
}

/* ---- One line ------------------------------------------------------------ */

/* Act on one line.  Returns false when the user wants to go. */
bool run_line(struct client *c, char *line, size_t len)
{
	struct chat_command cmd;

	if (!chat_is_utf8(line, len)) {
		tell(c, "error: that line is not UTF-8 text: not sent\n");
		return true;
	}
	chat_blank_controls(line);
	switch (chat_parse_command(line, &cmd)) {
	case CHAT_SAY: say(c, cmd.text); break;
	case CHAT_NICK: change_nick(c, cmd.name); break;
	case CHAT_DICE: roll_dice(c, cmd.number); break;
	case CHAT_MSG: send_private(c, cmd.name, cmd.text); break;
	case CHAT_VOTE_START: start_vote(c, cmd.number, cmd.text); break;
	case CHAT_BALLOT: cast_ballot(c, cmd.yes); break;
	case CHAT_VOTE_END: end_vote(c); break;
	case CHAT_JOIN: move_to_room(c, cmd.name); break;
	case CHAT_WHO: list_room(c); break;
	case CHAT_HELP: show_help(c); break;
	case CHAT_QUIT:
		tell(c, "* bye\n");
		return false;
	case CHAT_ERROR:
		pthread_mutex_lock(&list_lock);
		printf_locked(c, NULL, "error: %s: %s\n", cmd.name, cmd.error);
		pthread_mutex_unlock(&list_lock);
		break;
	}
	return true;
}

