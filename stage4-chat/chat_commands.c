/*
 * chat_commands.c - what the chat server does with a user's line: say it
 * to the room, or carry out a command (/nick, /dice, /msg, the votes,
 * /join, /who, /help).  chat.c reads the command; chat_users.c keeps the
 * list of users and puts lines in their outboxes.
 */
#include "chat_commands.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define VOTE_CLOCK_MS 200 /* how often expired votes are ended */

/* The votes running in the rooms, at most CHAT_VOTES_MAX: the users' lock
 * guards them too.  The vote clock only walks them once the first of
 * them is due. */
static struct chat_vote *votes;
static int vote_count;
static int last_vote_id;
static long long first_end_ms = -1; /* -1: no vote */

static void end_vote_if_room_empty_locked(const char *room);

/* ---- Commands: each takes the lock once and only puts into outboxes ----- */

static void say(struct client *c, const char *text)
{
	if (!*text)
		return; /* an empty line says nothing */
	users_lock();
	printf_locked(NULL, c->room, "%s: %s\n", c->nick, text);
	users_unlock();
}

static void change_nick(struct client *c, const char *nick)
{
	users_lock();
	if (users_find_locked(nick)) {
		printf_locked(c, NULL, "error: the nickname %s is taken\n", nick);
	} else {
		printf_locked(NULL, c->room, "* %s is now known as %s\n",
			      c->nick, nick);
		snprintf(c->nick, sizeof c->nick, "%s", nick);
	}
	users_unlock();
}

static void roll_dice(struct client *c, int sides)
{
	unsigned int r;

	/* exercise 4-2: roll 1..sides and tell the room who rolled what */
	if (random_bytes(&r, sizeof r) < 0)
		r = (unsigned int)time(NULL);
	users_lock();
	printf_locked(NULL, c->room, "* %s rolled %u (1-%d)\n", c->nick,
		      r % (unsigned int)sides + 1, sides);
	users_unlock();
	/* end of exercise */
}

/* Only the two of them see it, wherever they are. */
static void send_private(struct client *c, const char *nick, const char *text)
{
	users_lock();
	struct client *to = users_find_locked(nick);
	if (!to) {
		printf_locked(c, NULL, "error: nobody is called %s\n", nick);
	} else {
		printf_locked(to, NULL, "(private) %s -> %s: %s\n", c->nick,
			      to->nick, text);
		if (to != c)
			printf_locked(c, NULL, "(private) %s -> %s: %s\n",
				      c->nick, to->nick, text);
	}
	users_unlock();
}

static void move_to_room(struct client *c, const char *room)
{
	users_lock();
	if (strcmp(c->room, room) == 0) {
		printf_locked(c, NULL, "error: you are in %s already\n", room);
	} else {
		char old[sizeof c->room];
		snprintf(old, sizeof old, "%s", c->room);
		snprintf(c->room, sizeof c->room, "%s", room);
		printf_locked(NULL, old, "* %s left for %s\n", c->nick, room);
		printf_locked(NULL, room, "* %s joined %s\n", c->nick, room);
		end_vote_if_room_empty_locked(old);
	}
	users_unlock();
}

/* Everyone in c's room, on one line. */
static void list_room(struct client *c)
{
	users_lock();
	char *line = users_names_locked(c->room);
	tell_locked(c, line ? line : "error: out of memory\n");
	free(line);
	users_unlock();
}

static void show_help(struct client *c)
{
	users_lock();
	for (int i = 0; chat_help_lines[i]; i++)
		printf_locked(c, NULL, "%s\n", chat_help_lines[i]);
	users_unlock();
}

/* ---- Votes: one at a time per room, kept on the `votes` list ------------ */

static struct chat_vote *find_vote_locked(const char *room)
{
	for (struct chat_vote *v = votes; v; v = v->next)
		if (strcmp(v->room, room) == 0)
			return v;
	return NULL;
}

/* When the vote clock has something to do: the earliest end. */
static void find_first_end_locked(void)
{
	first_end_ms = -1;
	for (struct chat_vote *v = votes; v; v = v->next)
		if (first_end_ms < 0 || v->ends_ms < first_end_ms)
			first_end_ms = v->ends_ms;
}

/* Forget v; tell its room the result if anyone is there to hear it. */
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
	vote_count--;
	find_first_end_locked();
}

/* A vote ends with its room: when the last user has left it. */
static void end_vote_if_room_empty_locked(const char *room)
{
	struct chat_vote *v = find_vote_locked(room);

	if (v && !users_in_room_locked(room))
		finish_vote_locked(v);
}

static void start_vote(struct client *c, int seconds, const char *question)
{
	users_lock();
	struct chat_vote *v = find_vote_locked(c->room);
	if (v) {
		printf_locked(c, NULL, "error: %s is voting already: %s\n",
			      c->room, v->question);
	} else if (vote_count >= CHAT_VOTES_MAX) {
		tell_locked(c, "error: " CHAT_TEXT_OF(CHAT_VOTES_MAX) " votes are "
			    "running already: try again later\n");
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
		vote_count++;
		if (first_end_ms < 0 || v->ends_ms < first_end_ms)
			first_end_ms = v->ends_ms;
		printf_locked(NULL, c->room, "* %s started a vote: %s (answer "
			      "/vote yes|no or /투표 찬성|반대 within %d s)\n",
			      c->nick, question, seconds);
	}
	users_unlock();
}

static void cast_vote(struct client *c, bool yes)
{
	users_lock();
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
	users_unlock();
}

static void end_vote(struct client *c)
{
	users_lock();
	struct chat_vote *v = find_vote_locked(c->room);
	if (!v)
		printf_locked(c, NULL, "error: no vote in %s\n", c->room);
	else if (v->starter_id != c->id)
		tell_locked(c, "error: only who started the vote can end it\n");
	else
		finish_vote_locked(v);
	users_unlock();
}

/* A thread of its own ends the votes whose time is up: every other thread
 * sleeps in recv() or accept().  It looks at the votes only once the
 * first of them is due. */
static void *vote_clock(void *arg)
{
	(void)arg;
	for (;;) {
		sleep_us(VOTE_CLOCK_MS * 1000);
		users_lock();
		long long now = chat_now_ms();
		for (struct chat_vote *v = votes, *next;
		     v && first_end_ms >= 0 && first_end_ms <= now; v = next) {
			next = v->next;
			if (v->ends_ms <= now)
				finish_vote_locked(v);
		}
		users_unlock();
	}
	return NULL;
}

int commands_start(void)
{
	pthread_t clock;
	int rc = pthread_create(&clock, NULL, vote_clock, NULL);

	if (rc == 0)
		pthread_detach(clock);
	return rc;
}

void commands_user_left(const struct client *c)
{
	users_lock();
	end_vote_if_room_empty_locked(c->room);
	users_unlock();
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
	case CHAT_POLL: start_vote(c, cmd.number, cmd.text); break;
	case CHAT_VOTE: cast_vote(c, cmd.yes); break;
	case CHAT_ENDPOLL: end_vote(c); break;
	case CHAT_JOIN: move_to_room(c, cmd.name); break;
	case CHAT_WHO: list_room(c); break;
	case CHAT_HELP: show_help(c); break;
	case CHAT_QUIT:
		tell(c, "* bye\n");
		return false;
	case CHAT_ERROR:
		users_lock();
		printf_locked(c, NULL, "error: %s: %s\n", cmd.name, cmd.error);
		users_unlock();
		break;
	}
	return true;
}

