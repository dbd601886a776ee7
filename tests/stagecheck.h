/*
 * stagecheck.h - what the stage checks share: printing one line per check,
 * and talking to the server under test with a time limit on every wait.
 *
 * Each stage's checks live in their own file (stagecheck_echo.c, _quiz.c,
 * _chat.c, _game.c) and read like a script: connect, send, expect, and on
 * a surprise say what to fix.  They assume nothing about the server but
 * what the contract and the workshop say, so a learner's Python server is
 * checked the same way as ours.
 */
#ifndef STAGECHECK_H
#define STAGECHECK_H

#include "net.h"

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

/* "PASS name" */
void check_pass(const char *name);

/* "FAIL name: hint", the hint printf-style.  The hint tells a beginner
 * what to change, not what went wrong inside the checker. */
__attribute__((format(printf, 2, 3)))
void check_fail(const char *name, const char *hint, ...);

/* "EXTRA name: supported" or "EXTRA name: not found (optional)".  Extras
 * never fail the run. */
void check_extra(const char *name, bool supported);

/* After a failure that leaves nothing else to check (no server, no
 * question): say that the remaining checks are skipped. */
void check_stop(void);

/* A short, printable copy of what a server sent, for a hint: control
 * bytes become '?', and a long text is cut. */
#define SHOWN_MAX 48
const char *shown(const char *text, char out[SHOWN_MAX]);

/* ---- Talking to the server ----------------------------------------------- */

/* Where the server under test is, from the command line. */
extern const char *target_host;
extern const char *target_port;

/* One connection to the server.  Its socket is non-blocking, so no read
 * can wait longer than the caller allows. */
struct peer {
	int fd;              /* -1 when not connected */
	struct line_reader reader;
	char buf[PEER_LINE_MAX];
};

enum peer_result {
	PEER_LINE,     /* a whole line arrived */
	PEER_TIMEOUT,  /* nothing (more) within the time */
	PEER_CLOSED,   /* the server closed the connection or reset it */
	PEER_TOO_LONG, /* a line longer than PEER_LINE_MAX: dropped */
};

/* The first check of every stage: open `p`.  On failure it says so and
 * stops the run. */
bool check_connect(struct peer *p);

/* Connect to the server, waiting CHECK_WAIT_MS at most (a busy server's
 * full backlog would otherwise hold connect() for minutes).  False if it
 * cannot be reached. */
bool peer_open(struct peer *p);

void peer_close(struct peer *p);

/* Send all of `text`.  False if the connection is gone. */
bool peer_send(struct peer *p, const char *text);

/* Wait up to timeout_ms for the next line; *line points at it (without
 * '\n' or "\r\n") until the next read. */
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
void check_game(void);            /* stage 5 */

#endif
