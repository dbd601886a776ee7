/*
 * chat.c - reading chat commands and checking names.  See chat.h.
 *
 * Everything here is plain string work on one line; chat_server.c decides
 * who gets what.
 */
#include "chat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- Commands ----------------------------------------------------------- */

struct command_name {
	const char *english;
	const char *korean;
	enum chat_command_kind kind;
	const char *usage;
};

static const struct command_name commands[] = {
	{ "/nick", "/대화명", CHAT_NICK, "usage: /nick (/대화명) NAME" },
	{ "/dice", "/주사위", CHAT_DICE,
	  "usage: /dice (/주사위) [N], N from 1 to " CHAT_TEXT_OF(CHAT_DICE_MAX) },
	{ "/msg", "/메시지", CHAT_MSG, "usage: /msg (/메시지) NAME TEXT" },
	{ "/poll", "/투표시작", CHAT_POLL,
	  "usage: /poll (/투표시작) [SECONDSs] QUESTION, SECONDS up to "
	  CHAT_TEXT_OF(CHAT_VOTE_SECONDS_MAX) ", e.g. /poll 30s pizza?" },
	{ "/vote", "/투표", CHAT_VOTE,
	  "usage: /vote (/투표) yes|no (or 찬성|반대)" },
	{ "/endpoll", "/투표종료", CHAT_ENDPOLL, "usage: /endpoll (/투표종료)" },
	{ "/join", "/참가", CHAT_JOIN, "usage: /join (/참가) ROOM" },
	{ "/who", "/누구", CHAT_WHO, "usage: /who (/누구)" },
	{ "/help", "/도움말", CHAT_HELP, "usage: /help (/도움말)" },
	{ "/quit", "/나가기", CHAT_QUIT, "usage: /quit (/나가기)" },
};

const char *const chat_help_lines[] = {
	"* commands, by their English or Korean name:",
	"*   /nick /대화명 NAME          take another nickname",
	"*   /dice /주사위 [N]           roll 1..N (default 100) for the room",
	"*   /msg /메시지 NAME TEXT      say TEXT to NAME only",
	"*   /poll /투표시작 [Ns] QUESTION   start a vote (N seconds, default "
	CHAT_TEXT_OF(CHAT_VOTE_SECONDS) ")",
	"*   /vote /투표 yes|no          vote (찬성|반대 work too), once",
	"*   /endpoll /투표종료          end the vote you started",
	"*   /join /참가 ROOM            leave this room for ROOM (lobby is the first)",
	"*   /who /누구   /help /도움말   /quit /나가기",
	"* anything else goes to the room; start a line with // to say /...",
	NULL,
};

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Cut the next space-separated word out of *rest and step past it. */
static char *next_word(char **rest)
{
	char *word = *rest;
	char *end = word;

	while (*end && !is_space(*end))
		end++;
	*rest = end;
	if (*end) {
		*end = '\0';
		*rest = end + 1;
	}
	while (is_space(**rest))
		(*rest)++;
	return word;
}

/* A whole decimal number in [min, max], or -1. */
static int parse_count(const char *text, int min, int max)
{
	char *end;
	long n;

	if (*text < '0' || *text > '9')
		return -1;
	n = strtol(text, &end, 10);
	if (*end != '\0' || n < min || n > max)
		return -1;
	return (int)n;
}

/* A vote may start with its duration, "30s", before the question. */
static bool parse_duration(const char *rest, int *seconds)
{
	char *end;
	long n;

	if (*rest < '0' || *rest > '9')
		return false;
	n = strtol(rest, &end, 10);
	if (end[0] != 's' || !is_space(end[1]) || n < 1 ||
	    n > CHAT_VOTE_SECONDS_MAX)
		return false;
	*seconds = (int)n;
	return true;
}

static bool parse_yes_no(const char *word, bool *yes)
{
	if (strcasecmp(word, "yes") == 0 || strcmp(word, "찬성") == 0)
		*yes = true;
	else if (strcasecmp(word, "no") == 0 || strcmp(word, "반대") == 0)
		*yes = false;
	else
		return false;
	return true;
}

/* The arguments of a known command; false if they do not fit. */
static bool parse_arguments(char *rest, struct chat_command *cmd)
{
	switch (cmd->kind) {
	case CHAT_NICK:
	case CHAT_JOIN:
		cmd->name = next_word(&rest);
		return *cmd->name && !*rest;
	case CHAT_DICE:
		cmd->number = CHAT_DICE_DEFAULT;
		if (*rest)
			cmd->number = parse_count(next_word(&rest), 1,
						  CHAT_DICE_MAX);
		return cmd->number > 0 && !*rest;
	case CHAT_MSG:
		cmd->name = next_word(&rest);
		cmd->text = rest;
		return *cmd->name && *cmd->text;
	case CHAT_POLL:
		cmd->number = CHAT_VOTE_SECONDS;
		if (parse_duration(rest, &cmd->number))
			next_word(&rest);
		cmd->text = rest;
		return *cmd->text;
	case CHAT_VOTE:
		return parse_yes_no(next_word(&rest), &cmd->yes) && !*rest;
	default:
		return !*rest;
	}
}

static const struct command_name *find_command(const char *word)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(word, commands[i].english) == 0 ||
		    strcmp(word, commands[i].korean) == 0)
			return &commands[i];
	return NULL;
}

/* Drop the spaces at the end of the line. */
static void trim_end(char *line)
{
	size_t len = strlen(line);

	while (len > 0 && is_space(line[len - 1]))
		line[--len] = '\0';
}

/* What is wrong with the NAME of /nick or /join, or NULL. */
static const char *name_argument_problem(const struct chat_command *cmd)
{
	const char *problem = chat_name_problem(cmd->name);

	if (!problem && cmd->kind == CHAT_NICK && chat_is_guest_name(cmd->name))
		problem = "guest names are given out by the server";
	return problem;
}

/* Make cmd an error line about the command `word`. */
static enum chat_command_kind refuse(struct chat_command *cmd,
				     const char *word, const char *error)
{
	cmd->name = word;
	cmd->text = NULL;
	cmd->error = error;
	return cmd->kind = CHAT_ERROR;
}

enum chat_command_kind chat_parse_command(char *line, struct chat_command *cmd)
{
	const char *problem;

	*cmd = (struct chat_command){ .kind = CHAT_SAY, .text = line };
	trim_end(line);
	if (line[0] != '/')
		return CHAT_SAY;
	if (line[1] == '/') {
		cmd->text = line + 1; /* "//etc" says "/etc" */
		return CHAT_SAY;
	}

	char *rest = line;
	const char *word = next_word(&rest);
	const struct command_name *known = find_command(word);
	if (!known)
		return refuse(cmd, word, "unknown command, try /help");
	cmd->kind = known->kind;
	cmd->text = NULL;
	if (!parse_arguments(rest, cmd))
		return refuse(cmd, word, known->usage);
	if ((cmd->kind == CHAT_NICK || cmd->kind == CHAT_JOIN) &&
	    (problem = name_argument_problem(cmd)))
		return refuse(cmd, word, problem);
	return cmd->kind;
}

/* ---- Text rules --------------------------------------------------------- */

/* How many continuation bytes follow a lead byte, and the smallest code
 * point that may use that length (a smaller one is an overlong encoding). */
static int utf8_length(unsigned char lead, unsigned long *min)
{
	if (lead < 0x80) {
		*min = 0;
		return 0;
	}
	if ((lead & 0xe0) == 0xc0) {
		*min = 0x80;
		return 1;
	}
	if ((lead & 0xf0) == 0xe0) {
		*min = 0x800;
		return 2;
	}
	if ((lead & 0xf8) == 0xf0) {
		*min = 0x10000;
		return 3;
	}
	return -1;
}

/* Decode the code point at p (before end) into *code.  Returns its length
 * in bytes, or 0 if it is not valid UTF-8 (or is a NUL byte). */
static int next_code_point(const unsigned char *p, const unsigned char *end,
			   unsigned long *code)
{
	unsigned long min;
	int more = utf8_length(*p, &min);

	if (more < 0 || *p == 0 || end - p <= more)
		return 0;
	*code = more ? *p & (0x3f >> more) : *p;
	for (int i = 1; i <= more; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		*code = *code << 6 | (p[i] & 0x3f);
	}
	if (*code < min || *code > 0x10ffff ||
	    (*code >= 0xd800 && *code <= 0xdfff))
		return 0;
	return more + 1;
}

bool chat_is_utf8(const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	const unsigned char *end = p + len;
	unsigned long code;
	int n;

	for (; p < end; p += n)
		if (!(n = next_code_point(p, end, &code)))
			return false;
	return true;
}

/* Characters that show nothing, or change the direction of the text
 * after them: in a name they would let "alice" plus one of them pass for
 * "alice".  (Spaces of every width are here too.) */
static bool is_invisible(unsigned long code)
{
	static const unsigned long ranges[][2] = {
		{ 0x0000, 0x0020 }, /* C0 controls and the space */
		{ 0x007f, 0x00a0 }, /* DEL, C1 controls, no-break space */
		{ 0x00ad, 0x00ad }, /* soft hyphen */
		{ 0x034f, 0x034f }, /* combining grapheme joiner */
		{ 0x061c, 0x061c }, /* Arabic letter mark */
		{ 0x115f, 0x1160 }, /* Hangul choseong and jungseong fillers */
		{ 0x1680, 0x1680 }, /* Ogham space */
		{ 0x17b4, 0x17b5 }, /* Khmer inherent vowels */
		{ 0x180b, 0x180f }, /* Mongolian selectors, vowel separator */
		{ 0x2000, 0x200f }, /* spaces, zero-width space and joiners,
				     * left-to-right and right-to-left marks */
		{ 0x2028, 0x202f }, /* line and paragraph separators, bidi
				     * embeddings and overrides, narrow space */
		{ 0x205f, 0x206f }, /* word joiner, invisible operators, bidi
				     * isolates */
		{ 0x3000, 0x3000 }, /* ideographic space */
		{ 0x3164, 0x3164 }, /* Hangul filler */
		{ 0xfe00, 0xfe0f }, /* variation selectors */
		{ 0xfeff, 0xfeff }, /* zero-width no-break space (BOM) */
		{ 0xffa0, 0xffa0 }, /* halfwidth Hangul filler */
		{ 0xfff0, 0xfffb }, /* interlinear annotation, specials */
		{ 0x1d173, 0x1d17a }, /* musical formatting */
		{ 0xe0000, 0xe0fff }, /* tags, variation selectors supplement */
	};

	for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
		if (code >= ranges[i][0] && code <= ranges[i][1])
			return true;
	return false;
}

void chat_blank_controls(char *text)
{
	for (unsigned char *p = (unsigned char *)text; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
		/* U+0080..U+009F, the C1 controls, are escapes too. */
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			p[0] = p[1] = '?';
			p++;
		}
	}
}

const char *chat_name_problem(const char *name)
{
	size_t len = strlen(name);

	if (len == 0)
		return "a name cannot be empty";
	if (len > CHAT_NAME_MAX)
		return "a name has at most " CHAT_TEXT_OF(CHAT_NAME_MAX) " bytes";
	if (!chat_is_utf8(name, len))
		return "a name must be UTF-8 text";
	if (name[0] == '/' || name[0] == '*')
		return "a name cannot start with / or *";
	const unsigned char *p = (const unsigned char *)name, *end = p + len;
	unsigned long code;
	for (int n; p < end; p += n)
		if ((n = next_code_point(p, end, &code)) && is_invisible(code))
			return "a name cannot hold spaces, control characters "
			       "or invisible ones";
	return NULL;
}

bool chat_is_guest_name(const char *nick)
{
	if (strncmp(nick, "guest", 5) != 0 || nick[5] == '\0')
		return false;
	return strspn(nick + 5, "0123456789") == strlen(nick + 5);
}

/* ---- Flood limit -------------------------------------------------------- */

void chat_flood_init(struct chat_flood *f, int rate, long long now_ms)
{
	f->tokens = CHAT_FLOOD_BURST;
	f->last_ms = now_ms;
	f->rate = rate;
}

long long chat_flood_wait_ms(struct chat_flood *f, long long now_ms)
{
	if (f->rate == 0)
		return 0;
	f->tokens += (double)(now_ms - f->last_ms) * f->rate / 1000;
	if (f->tokens > CHAT_FLOOD_BURST)
		f->tokens = CHAT_FLOOD_BURST;
	f->last_ms = now_ms;
	if (f->tokens < 1) /* round up: after the wait, a token is there */
		return (long long)((1 - f->tokens) * 1000 / f->rate) + 1;
	f->tokens -= 1;
	return 0;
}

long long chat_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* ---- Votes -------------------------------------------------------------- */

void chat_vote_result(const struct chat_vote *v, char *out, size_t size)
{
	const char *verdict = v->yes > v->no ? "yes wins"
			    : v->no > v->yes ? "no wins" : "a tie";

	snprintf(out, size, "* vote ended: %s: yes %d, no %d: %s\n",
		 v->question, v->yes, v->no, verdict);
}
