/*
 * state.h - the room: every learner's progress, the help queue and the
 * toolchain roll call, in memory, guarded by one mutex.
 *
 * As in stage 4's chat server, many threads (one per connection) share
 * one state, and one lock guards all of it.  Every change bumps
 * `version` and wakes the threads waiting in room_wait_change(): those
 * are the browsers' event streams.  Functions whose name ends in _locked
 * want room->lock held; the others take it themselves.
 */
#ifndef ROOM_STATE_H
#define ROOM_STATE_H

#include "report.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define ROOM_LEARNERS_DEFAULT 256
#define ROOM_CELLS_MAX 12     /* practices one learner may report */
#define ROOM_REPORTS_PER_S 4  /* per learner; past it: 429 */
#define ROOM_REPLY_MAX 128    /* the one line a learner gets back */

/* The practices in the order of the day; others that are reported (a
 * valid name) come after them. */
extern const char *const room_practices[];
extern const int room_practice_count;

/* A learner's latest run of one practice. */
struct cell {
	struct check_run run;
	long long since; /* failing since (wall-clock seconds); 0 if passed */
	long long at;    /* reported at */
};

struct doctor {
	bool reported, ready;
	int missing_count;
	char missing[ROOM_MISSING_MAX][ROOM_CHECK_NAME_MAX + 1];
	long long at;
};

struct learner {
	char name[ROOM_NAME_MAX + 1];
	int cell_count;
	struct cell cells[ROOM_CELLS_MAX];
	int current; /* the cell reported last, or -1 */
	struct doctor doctor;
	/* Reports in the current one-second window (monotonic ms). */
	long long window_ms;
	int in_window;
};

struct question {
	int id;
	char name[ROOM_NAME_MAX + 1];
	char text[ROOM_TEXT_MAX + 1];
	bool has_last; /* the learner's last check, attached */
	struct check_run last;
	bool claimed;
	long long asked; /* wall-clock seconds */
};

struct room {
	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t changed;
	unsigned long version;
	int max_learners;
	int learner_count;
	struct learner *learners;   /* [max_learners] */
	int question_count;         /* at most one open per learner */
	struct question *questions; /* [max_learners], oldest first */
	int next_id;
	/* Saving (store.c): one save at a time, and which version it holds. */
	pthread_mutex_t save_lock;
	unsigned long saved_version;
};

/* An empty room for up to max_learners.  0, or -1 out of memory. */
int room_init(struct room *r, int max_learners);
void room_destroy(struct room *r);

/* Take in one learner's report (any kind) at wall-clock `now` seconds and
 * monotonic `now_ms`.  Returns the HTTP status (200, 429, 503) and writes
 * the reply's one line: "ok", "queued N", or why not. */
int room_take_report(struct room *r, const struct report *rep, long long now,
		     long long now_ms, char reply[ROOM_REPLY_MAX]);

/* The instructor's buttons on a question: 200, or 404 if there is no
 * question `id` (already done, or never asked). */
int room_claim(struct room *r, int id);
int room_done(struct room *r, int id);

/* Put back one record of the state file (store.c), as it was. */
void room_restore_locked(struct room *r, const struct report *rep);

unsigned long room_version(struct room *r);

/* Wait until the version passes `seen` or timeout_ms pass; returns the
 * version then. */
unsigned long room_wait_change(struct room *r, unsigned long seen,
			       int timeout_ms);

/* The room's most common first failure, among learners failing now. */
struct top_failure {
	int count; /* 0: nobody is failing */
	const char *practice, *check, *hint; /* point into the room */
};
void room_top_failure_locked(const struct room *r, struct top_failure *top);

/* Learner indexes, longest stuck first: learners failing their latest
 * practice by how long, then the others by name.  Fills order[learner_count]. */
void room_order_locked(const struct room *r, int *order);

/* Whether learner l is failing its latest practice (and since when). */
const struct cell *learner_current_locked(const struct learner *l);

#endif
