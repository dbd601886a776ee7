/*
 * report.h - what a learner's tool tells the room, read from its request.
 *
 * The wire format is in tests/room_client.h: a body of "KEY VALUE" lines.
 * report_parse() turns such a body into a struct report, checking every
 * value and every bound, and nothing else: it knows no state, no socket,
 * no HTTP.  The room's state file (store.c) is written in the same format,
 * with a few keys of its own, so one parser reads both.
 */
#ifndef ROOM_REPORT_H
#define ROOM_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#define ROOM_NAME_MAX 64       /* a learner's name, in bytes */
#define ROOM_PRACTICE_MAX 8    /* "5-4", "doctor" */
#define ROOM_CHECKS_MAX 24     /* checks per run */
#define ROOM_CHECK_NAME_MAX 80 /* "flush after the question" */
#define ROOM_TEXT_MAX 400      /* a hint, a question */
#define ROOM_EXCHANGE_MAX 6    /* lines of the last exchange kept */
#define ROOM_EXCHANGE_LEN 160  /* bytes per exchange line */
#define ROOM_MISSING_MAX 12    /* tools a doctor report may name */

enum report_kind { REPORT_CHECK, REPORT_DOCTOR, REPORT_ASK };

struct check_line {
	bool passed;
	char name[ROOM_CHECK_NAME_MAX + 1];
};

/* One run of tests/stagecheck: what a grid cell shows, and its transcript. */
struct check_run {
	char practice[ROOM_PRACTICE_MAX + 1];
	bool passed;
	int check_count;
	struct check_line checks[ROOM_CHECKS_MAX];
	char hint[ROOM_TEXT_MAX + 1];
	int exchange_count;
	char exchange[ROOM_EXCHANGE_MAX][ROOM_EXCHANGE_LEN + 1];
};

struct report {
	enum report_kind kind;
	char name[ROOM_NAME_MAX + 1];
	struct check_run run;    /* kind check; for doctor only .passed */
	int missing_count;       /* kind doctor */
	char missing[ROOM_MISSING_MAX][ROOM_CHECK_NAME_MAX + 1];
	char text[ROOM_TEXT_MAX + 1]; /* kind ask */
	bool has_last;           /* kind ask: the "last ..." lines */
	struct check_run last;
	/* Only in the state file, where the server wrote them. */
	long long since, at;     /* wall-clock seconds */
	int id;                  /* a question's number */
	bool claimed;
};

/* Parse body (len bytes; changed in place).  Returns 0, or -1 with *error
 * pointing at a one-line reason for the learner ("no name", ...). */
int report_parse(char *body, size_t len, struct report *r, const char **error);

/* The first check that failed, or NULL when none did. */
const char *check_run_first_failure(const struct check_run *run);

/* Whether `practice` is a practice's name: 1..ROOM_PRACTICE_MAX of [0-9a-z-]. */
bool practice_name_ok(const char *practice);

#endif
