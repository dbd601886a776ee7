/*
 * chat.h - what the chat server does with a line, apart from sending it:
 * reading commands (in English and Korean), the rules for nicknames and
 * room names, and the small pieces of state behind the flood limit and
 * the votes.  Nothing here touches a socket or a lock, so all of it can be
 * tested on its own; chat_server.c does the sending.
 */
#ifndef CHAT_H
#define CHAT_H

#include <stdbool.h>
#include <stddef.h>

/* ---- Limits (the README's table repeats them) ------------------------- */

/* A limit as text, for a message: CHAT_TEXT_OF(CHAT_NAME_MAX) is "32". */
#define CHAT_TEXT_OF(n) CHAT_TEXT_OF_NUMBER(n)
#define CHAT_TEXT_OF_NUMBER(n) #n

#define CHAT_LINE_MAX 1024  /* bytes a user may send in one line */
#define CHAT_NAME_MAX 32    /* bytes in a nickname or a room name */
#define CHAT_DICE_DEFAULT 100
#define CHAT_DICE_MAX 1000000
#define CHAT_FLOOD_BURST 100 /* lines a user may send in a row ... */
#define CHAT_FLOOD_RATE 20   /* ... and per second after that (-f) */
#define CHAT_VOTE_SECONDS 60 /* how long a vote lasts unless told */
#define CHAT_VOTE_SECONDS_MAX 600
#define CHAT_VOTES_MAX 50    /* votes running at once, in all rooms */
#define CHAT_LOBBY "lobby"

/* ---- Commands ----------------------------------------------------------- */

enum chat_command_kind {
	CHAT_SAY,        /* not a command: a line for the room */
	CHAT_NICK,       /* /nick /대화명 NAME */
	CHAT_DICE,       /* /dice /주사위 [N] */
	CHAT_MSG,        /* /msg /메시지 NAME TEXT */
	CHAT_POLL,       /* /poll /투표시작 [SECONDSs] QUESTION */
	CHAT_VOTE,       /* /vote /투표 yes|no (찬성|반대) */
	CHAT_ENDPOLL,    /* /endpoll /투표종료 */
	CHAT_JOIN,       /* /join /참가 ROOM */
	CHAT_WHO,        /* /who /누구 */
	CHAT_HELP,       /* /help /도움말 */
	CHAT_QUIT,       /* /quit /나가기 */
	CHAT_ERROR,      /* unknown command or bad arguments: see .error */
};

/* A parsed line.  The strings point into the line, which the parser cuts
 * up with NULs, so they live as long as the line does. */
struct chat_command {
	enum chat_command_kind kind;
	const char *name;  /* NAME or ROOM */
	const char *text;  /* what to say, /msg's TEXT or the poll's QUESTION */
	int number;        /* /dice's N or the poll's seconds */
	bool yes;          /* the vote cast */
	const char *error; /* for CHAT_ERROR: one line telling why */
};

/* Read one line (without its '\n') into *cmd.  Returns cmd->kind.  An
 * empty line is CHAT_SAY with empty text: the caller ignores it. */
enum chat_command_kind chat_parse_command(char *line, struct chat_command *cmd);

/* The lines /help prints, ending with NULL. */
extern const char *const chat_help_lines[];

/* ---- Text rules --------------------------------------------------------- */

/* Whether len bytes are valid UTF-8 (which also rules out NUL bytes and
 * overlong or surrogate encodings). */
bool chat_is_utf8(const char *text, size_t len);

/* Replace control characters (escape sequences could repaint another
 * user's terminal) with '?', in UTF-8 text. */
void chat_blank_controls(char *text);

/* A nickname or a room name: 1..CHAT_NAME_MAX bytes of UTF-8, no spaces,
 * no control, invisible or direction-changing characters (so that
 * "alice" and a zero-width space cannot pass for "alice"), not starting
 * with '/' or '*'.  Returns NULL if `name` is fine, else why not. */
const char *chat_name_problem(const char *name);

/* Whether `nick` has the shape of a nickname the server hands out
 * ("guest" and digits), which only the server may give. */
bool chat_is_guest_name(const char *nick);

/* ---- Flood limit: a token bucket ---------------------------------------- */

/* A user starts with CHAT_FLOOD_BURST tokens; each line costs one; tokens
 * come back at `rate` per second (0: no limit), up to the burst. */
struct chat_flood {
	double tokens;
	long long last_ms;
	int rate;
};

void chat_flood_init(struct chat_flood *f, int rate, long long now_ms);

/* Take a token for one line at time now_ms and return 0; or, when there
 * is none, return how many milliseconds until there is one (taking
 * nothing).  The server waits that long before it reads the line. */
long long chat_flood_wait_ms(struct chat_flood *f, long long now_ms);

/* Milliseconds on a monotonic clock. */
long long chat_now_ms(void);

/* ---- Votes -------------------------------------------------------------- */

/* One vote running in a room.  chat_commands.c keeps them in a list,
 * guarded by the users' lock (chat_users.h). */
struct chat_vote {
	char room[CHAT_NAME_MAX + 1];
	char question[CHAT_LINE_MAX + 1];
	int id;          /* a user who voted remembers this id */
	int starter_id;  /* only the user who started it may end it early */
	int yes, no;
	long long ends_ms;
	struct chat_vote *next;
};

/* Write the line announcing the result, e.g.
 * "* vote ended: pizza? yes 2, no 1: yes wins" (with its '\n'). */
void chat_vote_result(const struct chat_vote *v, char *out, size_t size);

#endif
