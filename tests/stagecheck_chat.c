/*
 * stagecheck_chat.c - stage 4, the chat server (port 10004).
 *
 * The checks are the workshop's core: every line a user sends reaches the
 * other users, a user who leaves is forgotten, a newcomer is heard.  The
 * rest is optional, so each command is tried and reported as an EXTRA:
 * the sender hearing its own line, the sender's name on each line (our
 * contract asks for both, the workshop's minimal server may do neither), and
 * /nick /dice /msg /who /help /poll /vote /join /quit with their Korean
 * names.
 *
 * The server may send any other lines (greetings, "X joined"): the
 * checker looks for its own markers, a word no one else would send.
 */
#include "stagecheck.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SETTLE_MS 150 /* to let the lines of a step arrive before the next */
#define DICE_SIDES 6
#define NICK_MAX 32

/* The users the checks talk through: a says things, b and c listen; c
 * leaves and d comes in. */
struct room {
	struct peer a, b, c, d;
	char nick_a[NICK_MAX], nick_b[NICK_MAX]; /* once /nick worked */
};

/* A word no server would make up: our process id and a counter. */
static const char *new_marker(void)
{
	static char marker[32];
	static int count;

	snprintf(marker, sizeof marker, "sc%dm%d", (int)getpid(), ++count);
	return marker;
}

/* Send one line, printf-style; the '\n' is added. */
__attribute__((format(printf, 2, 3)))
static bool say(struct peer *p, const char *format, ...)
{
	char line[PEER_LINE_MAX];
	va_list ap;

	va_start(ap, format);
	int len = vsnprintf(line, sizeof line - 1, format, ap);
	va_end(ap);
	if (len < 0 || len >= (int)sizeof line - 1)
		return false;
	strcat(line, "\n");
	return peer_send(p, line);
}

/* Let what the last step caused arrive, and skip it. */
static void settle(struct room *r)
{
	struct peer *all[] = { &r->a, &r->b, &r->c, &r->d };

	sleep_ms(SETTLE_MS);
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		peer_drain(all[i], 0);
}

static bool hears(struct peer *p, const char *marker)
{
	return peer_wait_for(p, marker, CHECK_WAIT_MS, NULL);
}

/* Whether `to` hears `marker` and `not_to` does not: a private line, or
 * a line in another room. */
static bool only_heard_by(struct peer *to, struct peer *not_to,
			  const char *marker)
{
	return peer_wait_for(to, marker, EXTRA_WAIT_MS, NULL) &&
	       !peer_wait_for(not_to, marker, SETTLE_MS, NULL);
}

/* ---- The core ------------------------------------------------------------ */

/* b and c join a; false (after reporting) if they cannot. */
static bool open_room(struct room *r)
{
	if (!check_connect(&r->a))
		return false;
	if (!peer_open(&r->b) || !peer_open(&r->c)) {
		check_fail("three users", "only one user can connect: keep "
			   "accepting new clients while others are connected");
		check_stop();
		return false;
	}
	check_pass("three users");
	return true;
}

/* Every other user hears a's line: the heart of a chat server. */
static bool check_broadcast(struct room *r)
{
	const char *name = "a line reaches every other user";
	char text[64], heard[PEER_LINE_MAX];

	snprintf(text, sizeof text, "hello from a %s", new_marker());
	say(&r->a, "%s", text);
	/* One time limit for both: what has arrived is read at once. */
	long long deadline = clock_ms() + CHECK_WAIT_MS;
	bool b_heard = peer_wait_for(&r->b, text, ms_left(deadline), heard);
	bool c_heard = peer_wait_for(&r->c, text, ms_left(deadline), NULL);
	if (!b_heard && !c_heard) {
		check_fail(name, "the other users did not get a's line: keep "
			   "a list of every connected user and send each line "
			   "you read to all of them");
		check_stop();
		return false;
	}
	if (!b_heard || !c_heard) {
		check_fail(name, "only one of the other two users got a's "
			   "line: send it to every user in the list");
		check_stop();
		return false;
	}
	check_pass(name);
	check_extra("the sender sees its own line",
		    peer_wait_for(&r->a, text, EXTRA_WAIT_MS, NULL));
	check_extra("lines are labelled with the sender",
		    strcmp(heard, text) != 0);
	return true;
}

/* c leaves: the others go on talking. */
static void check_leaving(struct room *r)
{
	const char *name = "the others go on after a user leaves";
	const char *marker = new_marker();

	peer_close(&r->c);
	settle(r);
	if (say(&r->b, "c has gone %s", marker) && hears(&r->a, marker))
		check_pass(name);
	else
		check_fail(name, "after a user left, the others stopped "
			   "getting lines: when a connection ends (recv() "
			   "returns 0 bytes, readline() returns ''), remove "
			   "that user from the list and go on serving the "
			   "rest");
}

/* d comes in: it hears the others. */
static void check_newcomer(struct room *r)
{
	const char *name = "a newcomer hears the others";
	const char *marker = new_marker();

	if (!peer_open(&r->d)) {
		check_fail(name, "cannot connect any more: the server ended "
			   "after a user left (did it crash? look at its "
			   "terminal)");
		return;
	}
	settle(r);
	if (say(&r->a, "welcome d %s", marker) && hears(&r->d, marker)) {
		check_pass(name);
		return;
	}
	/* If d's own line reaches a, d is in the list: the loop that sends
	 * a's line stopped before it got to d. */
	marker = new_marker();
	if (say(&r->d, "d speaks %s", marker) && hears(&r->a, marker))
		check_fail(name, "the newcomer's own lines reach the others, "
			   "but it hears nothing: the loop that sends to every "
			   "user stops before it: a user who left is still in "
			   "the list, and sending to a closed connection fails "
			   "(BrokenPipeError, EPIPE); remove a user when its "
			   "connection ends, and go on to the next user when one "
			   "send fails");
	else
		check_fail(name, "a user who came later got nothing, nor do "
			   "the others hear it: add every new connection to "
			   "the list of users");
}

/* ---- The optional commands ----------------------------------------------- */

/* A line with a whole number from 1 to max in it, like "a rolled 4". */
static bool has_number_up_to(const char *line, long max)
{
	for (const char *s = line; *s; s++) {
		bool starts = isdigit((unsigned char)*s) &&
			      (s == line || !isalnum((unsigned char)s[-1]));
		if (!starts)
			continue;
		char *end;
		long n = strtol(s, &end, 10);
		if (!isalnum((unsigned char)*end) && n >= 1 && n <= max)
			return true;
		s = end - 1;
	}
	return false;
}

/* Whether `p` gets a line from the server that is not `command` relayed
 * back, and that has `marker` in it ("" for any line), or with a NULL
 * marker, a dice roll. */
static bool answered(struct peer *p, const char *command, const char *marker)
{
	long long deadline = clock_ms() + EXTRA_WAIT_MS;
	char *line;

	while (ms_left(deadline) > 0 &&
	       peer_read_line(p, &line, ms_left(deadline)) == PEER_LINE) {
		if (strstr(line, command))
			continue; /* a relay of the command, not an answer */
		if (marker ? strstr(line, marker) != NULL
			   : has_number_up_to(line, DICE_SIDES))
			return true;
	}
	return false;
}

/* /nick NAME: the others see a's lines under the new name. */
static void probe_nick(struct room *r, const char *command, const char *nick)
{
	const char *marker;
	char heard[PEER_LINE_MAX];
	char name[64];

	settle(r);
	say(&r->a, "%s %s%d", command, nick, (int)getpid());
	settle(r);
	marker = new_marker();
	say(&r->a, "my new name %s", marker);
	bool renamed = peer_wait_for(&r->b, marker, EXTRA_WAIT_MS, heard);
	char wanted[NICK_MAX];
	snprintf(wanted, sizeof wanted, "%s%d", nick, (int)getpid());
	renamed = renamed && strstr(heard, wanted);
	if (renamed)
		snprintf(r->nick_a, sizeof r->nick_a, "%s", wanted);
	snprintf(name, sizeof name, "%s NAME", command);
	check_extra(name, renamed);
}

/* /dice N: the room sees a number from 1 to N. */
static void probe_dice(struct room *r, const char *command)
{
	char name[64];

	settle(r);
	say(&r->a, "%s %d", command, DICE_SIDES);
	snprintf(name, sizeof name, "%s N", command);
	check_extra(name, answered(&r->b, command, NULL));
}

/* /msg NAME TEXT: only NAME gets it. */
static void probe_msg(struct room *r, const char *command)
{
	const char *marker = new_marker();
	char name[64];

	settle(r);
	snprintf(name, sizeof name, "%s NAME TEXT", command);
	/* Without /nick we do not know b's name. */
	if (!r->nick_b[0]) {
		check_extra(name, false);
		return;
	}
	say(&r->a, "%s %s secret %s", command, r->nick_b, marker);
	bool to_b = peer_wait_for(&r->b, marker, EXTRA_WAIT_MS, NULL);
	bool to_d = peer_wait_for(&r->d, marker, SETTLE_MS, NULL);
	if (to_b && to_d)
		check_extra_because(name, false, "not private: d, whom it was "
				    "not for, saw it too; send it to NAME and "
				    "the sender only");
	else
		check_extra(name, to_b);
}

/* /who: a learns who is there, b by name. */
static void probe_who(struct room *r)
{
	settle(r);
	say(&r->a, "/who");
	check_extra("/who", r->nick_b[0] && answered(&r->a, "/who", r->nick_b));
}

/* /help: a gets a list of the commands. */
static void probe_help(struct room *r)
{
	settle(r);
	say(&r->a, "/help");
	check_extra("/help", answered(&r->a, "/help", "/nick"));
}

/* /poll QUESTION: the room hears the question from the server. */
static void probe_poll(struct room *r, const char *command)
{
	const char *marker = new_marker();
	char name[64];

	settle(r);
	say(&r->a, "%s pizza %s?", command, marker);
	snprintf(name, sizeof name, "%s QUESTION", command);
	check_extra(name, answered(&r->b, command, marker));
}

/* /vote yes: b's vote gets an answer, and is not relayed like a line. */
static void probe_vote(struct room *r, const char *command, const char *yes)
{
	char name[64];

	settle(r);
	say(&r->b, "%s %s", command, yes);
	bool answer = answered(&r->b, command, "");
	snprintf(name, sizeof name, "%s %s (cast a vote)", command, yes);
	check_extra(name,
		    answer && !peer_wait_for(&r->d, command, SETTLE_MS, NULL));
}

/* /join ROOM: a and b move to a room of their own, d stays behind. */
static void probe_join(struct room *r, const char *command, const char *room)
{
	const char *marker;
	char name[64];

	settle(r);
	say(&r->a, "%s %s%d", command, room, (int)getpid());
	say(&r->b, "%s %s%d", command, room, (int)getpid());
	settle(r);
	marker = new_marker();
	say(&r->a, "just us %s", marker);
	snprintf(name, sizeof name, "%s ROOM", command);
	check_extra(name, only_heard_by(&r->b, &r->d, marker));
}

/* /quit: the server says goodbye by closing. */
static void probe_quit(struct room *r)
{
	settle(r);
	say(&r->a, "/quit");
	check_extra("/quit", peer_closes(&r->a, EXTRA_WAIT_MS));
}

/* b takes a name too, for /msg and /who.  Quietly: probe_nick reported. */
static void name_b(struct room *r)
{
	if (!r->nick_a[0])
		return;
	snprintf(r->nick_b, sizeof r->nick_b, "scB%d", (int)getpid());
	say(&r->b, "/nick %s", r->nick_b);
}

static void probe_commands(struct room *r)
{
	probe_nick(r, "/nick", "scA");
	probe_nick(r, "/대화명", "입큰");
	name_b(r);
	probe_dice(r, "/dice");
	probe_dice(r, "/주사위");
	probe_msg(r, "/msg");
	probe_msg(r, "/메시지");
	probe_who(r);
	probe_help(r);
	probe_poll(r, "/poll");
	probe_vote(r, "/vote", "yes");
	probe_join(r, "/join", "room");
	/* A new room has no vote running yet, so a vote can start there. */
	probe_join(r, "/참가", "방");
	probe_poll(r, "/투표시작");
	probe_vote(r, "/투표", "찬성");
	probe_quit(r);
}

void check_chat(void)
{
	struct room r = { .a.fd = -1, .b.fd = -1, .c.fd = -1, .d.fd = -1 };

	if (open_room(&r)) {
		/* Our contract: the greeting points the user to /help. */
		check_extra("the greeting mentions /help",
			    peer_wait_for(&r.a, "/help", EXTRA_WAIT_MS, NULL));
		settle(&r);
		if (check_broadcast(&r)) {
			check_leaving(&r);
			check_newcomer(&r);
			probe_commands(&r);
		}
	}
	peer_close(&r.a);
	peer_close(&r.b);
	peer_close(&r.c);
	peer_close(&r.d);
}
