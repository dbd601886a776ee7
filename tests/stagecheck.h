/*
 * stagecheck.h - what the stage checks share: printing one line per check,
 * and talking to the server under test with a time limit on every wait,
 * keeping a transcript of the bytes that went each way.
 *
 * Each stage's checks live in their own file (stagecheck_echo.c, _quiz.c,
 * _chat.c, _game.c) and read like a script: connect, send, expect, and on
 * a surprise say what to fix.  They assume nothing about the server but
 * what the contract and the workshop say, so a learner's Python server is
 * checked the same way as ours.
 */
#ifndef STAGECHECK_H
#define STAGECHECK_H

#include <stdbool.h>
#include <stddef.h>

/* How long a check waits for an answer that should come at once.  Long
 * enough for a slow machine or a sanitizer build, short enough that a
 * learner does not wonder whether the checker hangs. */
#define CHECK_WAIT_MS 3000

/* How long to watch for something optional that may never come. */
#define EXTRA_WAIT_MS 500

/* The longest line the checker reads; a longer one counts as garbage. */
#define PEER_LINE_MAX 2048

/* ---- Reporting ----------------------------------------------------------- */

/* Which practice (as the slides number them: "2", "5-3") the checks from
 * now on belong to; every FAIL names it and its goal slide's file. */
void check_practice(const char *practice);

/* "PASS name" */
void check_pass(const char *name);

/* "FAIL name: hint", the hint printf-style, then the practice and the
 * last exchange with the server.  The hint tells a beginner what to
 * change, not what went wrong inside the checker. */
__attribute__((format(printf, 2, 3)))
void check_fail(const char *name, const char *hint, ...);

/* check_fail() for a reply that is not the one expected: also shows both,
 * escaped, with a caret under the first byte that differs.  `got` is the
 * raw reply, `got_len` bytes. */
__attribute__((format(printf, 5, 6)))
void check_fail_reply(const char *name, const char *expected,
		      const char *got, size_t got_len, const char *hint, ...);

/* "BUSY name: hint": the server did not answer because it serves someone
 * else.  Not the learner's code: the run stops, without a FAIL. */
void check_busy(const char *name, const char *hint);

/* "EXTRA name: supported" or "EXTRA name: not found (optional)".  Extras
 * never fail the run. */
void check_extra(const char *name, bool supported);

/* check_extra() with what was seen instead: "...: not found (optional):
 * why". */
void check_extra_because(const char *name, bool supported, const char *why);

/* After a failure that leaves nothing else to check (no server, no
 * question): say that the remaining checks are skipped. */
void check_stop(void);

/* Whether the run has stopped (a SKIP or a BUSY): nothing more to check. */
bool check_stopped(void);

/* A short, printable copy of what a server sent, for a hint: control
 * bytes become '?', and a long text is cut. */
#define SHOWN_MAX 48
const char *shown(const char *text, char out[SHOWN_MAX]);

/* ---- Talking to the server ----------------------------------------------- */

/* Where the server under test is, from the command line. */
extern const char *target_host;
extern const char *target_port;

#define PEER_BUF_MAX 4096

/* One connection to the server.  Its socket is non-blocking, so no read
 * can wait longer than the caller allows. */
struct peer {
	int fd;              /* -1 when not connected */
	char label[16];      /* who it is in the transcript: "a", "client 3" */
	long long opened_ms; /* the transcript's times count from here */
	int error;           /* errno of a failed connect, or 0 */
	int local_port;      /* ours, to find the server's side in /proc */
	char in[PEER_BUF_MAX]; /* received, not yet read */
	size_t start, end;
	bool skipping;       /* dropping the rest of a line that was too long */
	bool closed;         /* the server closed the connection or reset it */
	char line[PEER_LINE_MAX]; /* the last line read */
	size_t line_len;
	bool line_ended;     /* it came with its '\n' */
	bool line_had_cr;    /* it ended in "\r\n" */
};

enum peer_result {
	PEER_LINE,     /* a whole line arrived */
	PEER_TIMEOUT,  /* nothing (more) within the time */
	PEER_CLOSED,   /* the server closed the connection or reset it */
	PEER_TOO_LONG, /* a line longer than PEER_LINE_MAX: dropped */
};

/* The first check of every stage: open `p`.  On failure it says why, in
 * the words the raw error usually means, and stops the run. */
bool check_connect(struct peer *p);

/* Connect to the server, waiting CHECK_WAIT_MS at most (a busy server's
 * full backlog would otherwise hold connect() for minutes).  False if it
 * cannot be reached; p->error says why. */
bool peer_open(struct peer *p);

/* Give p a name of our own in the transcript ("a", "b"...). */
void peer_name(struct peer *p, const char *label);

void peer_close(struct peer *p);

/* Send all of `text`.  False if the connection is gone. */
bool peer_send(struct peer *p, const char *text);

/* peer_send() of a line that only keeps the connection alive: -v shows
 * it, a FAIL's last exchange leaves it out. */
bool peer_send_background(struct peer *p, const char *text);

/* Wait up to timeout_ms for the next line; *line points at it (without
 * '\n' or "\r\n") until the next read.  A last piece without '\n' before
 * the server closes is a line too, with p->line_ended false. */
enum peer_result peer_read_line(struct peer *p, char **line, int timeout_ms);

/* Wait up to timeout_ms for exactly len raw bytes (stage 1 echoes bytes,
 * not lines).  Returns how many came; *closed tells whether the server
 * closed the connection before the rest. */
size_t peer_read_bytes(struct peer *p, char *buf, size_t len, int timeout_ms,
		       bool *closed);

/* Read lines until one contains `needle`, within timeout_ms.  Copies it
 * into `found` (if not NULL).  Lines before it are skipped. */
bool peer_wait_for(struct peer *p, const char *needle, int timeout_ms,
		   char found[PEER_LINE_MAX]);

/* Whether bytes came that do not end in '\n' yet: the usual beginner's
 * bug of forgetting the newline or the flush. */
bool peer_has_partial_line(const struct peer *p);

/* Whether the server closes the connection within timeout_ms, skipping
 * whatever it sends before. */
bool peer_closes(struct peer *p, int timeout_ms);

/* Skip every line that arrives within timeout_ms. */
void peer_drain(struct peer *p, int timeout_ms);

/* ---- What the server is doing, seen from outside -------------------------- */

enum server_view {
	VIEW_UNKNOWN,    /* not on this machine, or not found */
	VIEW_ACCEPTED,   /* the server has accept()ed p */
	VIEW_WAITING,    /* p waits in the listen queue: nobody accept()ed it */
};

/* Whether the server has accepted p, from the kernel's table of TCP
 * connections (/proc/net/tcp): works for a server on this machine in any
 * language.  *others gets how many other clients it has accepted and
 * still holds (not our peers). */
enum server_view peer_server_view(const struct peer *p, int *others);

/* When p got no answer: if the server has not even accepted p because it
 * is holding other clients, say so as BUSY (stage `one_at_a_time` text
 * names why) and return true. */
bool report_if_busy(const struct peer *p, const char *name,
		    const char *why_busy);

/* Whether the server is still running: a new connection is refused. */
bool server_has_exited(void);

/* ---- The transcript ------------------------------------------------------ */

/* Every byte sent and received goes into the transcript: -v prints each
 * entry as it happens, a FAIL prints the last exchange. */
extern bool verbose;

/* `text` escaped so that every byte is visible: "\r", "\n", "\0", "\x9f"
 * for a byte that is no UTF-8, quotes around; cut with "..." past cap.
 * Returns out. */
char *escaped(const char *text, size_t len, char *out, size_t cap);

/* The last exchange: the last thing sent and what came after it, one
 * entry a line, each starting with `indent`, into out (NUL-terminated). */
void transcript_last(const char *indent, char *out, size_t cap);

/* How many columns escaped(text) takes in a terminal, without its closing
 * quote: where a caret under the byte after `text` goes. */
size_t escaped_width(const char *text, size_t len);

/* ---- Time ---------------------------------------------------------------- */

/* Milliseconds on a monotonic clock, and the time left until `deadline`. */
long long clock_ms(void);
int ms_left(long long deadline);
void sleep_ms(int ms);

/* ---- The stages ---------------------------------------------------------- */

void check_echo(void);            /* stage 1 */
void check_quiz(void);            /* stage 2 */
void check_concurrent_quiz(void); /* stage 3: stage 2's checks, and more */
void check_chat(void);            /* stage 4 */
void check_game(int last_step);   /* stage 5, protocol steps 1..last_step */

#endif
