/*
 * state.c - the room's state and its rules.  See state.h.
 */
#include "state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const room_practices[] = { "1",   "1-4", "2",   "3",   "4",
				       "4-2", "5-1", "5-2", "5-3", "5-4" };
const int room_practice_count =
	(int)(sizeof room_practices / sizeof room_practices[0]);

int room_init(struct room *r, int max_learners)
{
	memset(r, 0, sizeof *r);
	r->max_learners = max_learners;
	r->next_id = 1;
	/* Allocated whole up front: the room can never grow past its bound,
	 * and calloc's pages cost nothing until a learner uses them. */
	r->learners = calloc((size_t)max_learners, sizeof *r->learners);
	r->questions = calloc((size_t)max_learners, sizeof *r->questions);
	if (!r->learners || !r->questions) {
		room_destroy(r);
		return -1;
	}
	pthread_condattr_t monotonic;
	/* Waits are timed on the monotonic clock: setting the wall clock
	 * (NTP at the start of the day) must not stretch or cut them. */
	if (pthread_condattr_init(&monotonic) != 0 ||
	    pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&r->changed, &monotonic) != 0) {
		room_destroy(r);
		return -1;
	}
	pthread_condattr_destroy(&monotonic);
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutex_init(&r->save_lock, NULL);
	return 0;
}

void room_destroy(struct room *r)
{
	free(r->learners);
	free(r->questions);
	r->learners = NULL;
	r->questions = NULL;
}

/* Every change ends here: the event streams wake and send the news. */
static void changed_locked(struct room *r)
{
	r->version++;
	pthread_cond_broadcast(&r->changed);
}

unsigned long room_version(struct room *r)
{
	pthread_mutex_lock(&r->lock);
	unsigned long version = r->version;
	pthread_mutex_unlock(&r->lock);
	return version;
}

unsigned long room_wait_change(struct room *r, unsigned long seen,
			       int timeout_ms)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&r->lock);
	/* A loop, because a wait may end early for no reason (a spurious
	 * wake-up); ETIMEDOUT is the bound. */
	while (r->version == seen &&
	       pthread_cond_timedwait(&r->changed, &r->lock, &until) != ETIMEDOUT)
		;
	unsigned long version = r->version;
	pthread_mutex_unlock(&r->lock);
	return version;
}

/* ---- Learners ------------------------------------------------------------ */

static struct learner *find_learner_locked(struct room *r, const char *name)
{
	for (int i = 0; i < r->learner_count; i++)
		if (strcmp(r->learners[i].name, name) == 0)
			return &r->learners[i];
	return NULL;
}

/* The learner called `name`, new if need be; NULL when the room is full. */
static struct learner *learner_locked(struct room *r, const char *name)
{
	struct learner *l = find_learner_locked(r, name);

	if (l || r->learner_count == r->max_learners)
		return l;
	l = &r->learners[r->learner_count++];
	memset(l, 0, sizeof *l);
	snprintf(l->name, sizeof l->name, "%s", name);
	l->current = -1;
	return l;
}

/* Whether l may send one more report in this second. */
static bool within_rate(struct learner *l, long long now_ms)
{
	if (now_ms - l->window_ms >= 1000) {
		l->window_ms = now_ms;
		l->in_window = 0;
	}
	return l->in_window++ < ROOM_REPORTS_PER_S;
}

/* l's cell for `practice`, new if need be; NULL when l has too many. */
static struct cell *cell_locked(struct learner *l, const char *practice,
				int *index)
{
	for (int i = 0; i < l->cell_count; i++) {
		if (strcmp(l->cells[i].run.practice, practice) == 0) {
			*index = i;
			return &l->cells[i];
		}
	}
	if (l->cell_count == ROOM_CELLS_MAX)
		return NULL;
	*index = l->cell_count++;
	memset(&l->cells[*index], 0, sizeof l->cells[*index]);
	return &l->cells[*index];
}

const struct cell *learner_current_locked(const struct learner *l)
{
	return l->current >= 0 ? &l->cells[l->current] : NULL;
}

/* ---- Reports --------------------------------------------------------------- */

/* A check run: its practice's cell now shows it.  A practice that keeps
 * failing keeps the time it began failing: that is how long it is stuck. */
static int take_check_locked(struct learner *l, const struct check_run *run,
			     long long now, long long since,
			     char reply[ROOM_REPLY_MAX])
{
	int index;
	struct cell *c = cell_locked(l, run->practice, &index);

	if (!c) {
		snprintf(reply, ROOM_REPLY_MAX, "too many practices (over %d)",
			 ROOM_CELLS_MAX);
		return 400;
	}
	bool was_failing = c->at > 0 && !c->run.passed;
	if (run->passed)
		c->since = 0;
	else if (since > 0)
		c->since = since; /* from the state file */
	else if (!was_failing)
		c->since = now;
	c->run = *run;
	c->at = now;
	l->current = index;
	snprintf(reply, ROOM_REPLY_MAX, "ok");
	return 200;
}

static void take_doctor_locked(struct learner *l, const struct report *rep,
			       long long now)
{
	struct doctor *d = &l->doctor;

	d->reported = true;
	d->ready = rep->run.passed;
	d->missing_count = rep->missing_count;
	memcpy(d->missing, rep->missing, sizeof d->missing);
	d->at = now;
}

static struct question *question_of_locked(struct room *r, const char *name,
					   int *place)
{
	for (int i = 0; i < r->question_count; i++) {
		if (strcmp(r->questions[i].name, name) == 0) {
			*place = i + 1;
			return &r->questions[i];
		}
	}
	return NULL;
}

/* A question joins the end of the queue.  A learner has one place in
 * it: asking again while waiting replaces the text and keeps the place. */
static struct question *take_question_locked(struct room *r,
					     const struct report *rep,
					     long long now, int *place)
{
	struct question *q = question_of_locked(r, rep->name, place);

	if (!q) {
		/* One per learner, and the learner is in the room: so the
		 * queue, as long as the room, always has a free place. */
		q = &r->questions[r->question_count++];
		*place = r->question_count;
		memset(q, 0, sizeof *q);
		q->id = r->next_id++;
		q->asked = now;
		snprintf(q->name, sizeof q->name, "%s", rep->name);
	}
	snprintf(q->text, sizeof q->text, "%s", rep->text);
	q->has_last = rep->has_last;
	q->last = rep->last;
	return q;
}

int room_take_report(struct room *r, const struct report *rep, long long now,
		     long long now_ms, char reply[ROOM_REPLY_MAX])
{
	int status = 200, place;

	pthread_mutex_lock(&r->lock);
	struct learner *l = learner_locked(r, rep->name);
	if (!l) {
		snprintf(reply, ROOM_REPLY_MAX, "the room is full (%d learners)",
			 r->max_learners);
		status = 503;
	} else if (!within_rate(l, now_ms)) {
		snprintf(reply, ROOM_REPLY_MAX,
			 "too many reports: wait a second (at most %d a second)",
			 ROOM_REPORTS_PER_S);
		status = 429;
	} else if (rep->kind == REPORT_CHECK) {
		status = take_check_locked(l, &rep->run, now, 0, reply);
	} else if (rep->kind == REPORT_DOCTOR) {
		take_doctor_locked(l, rep, now);
		snprintf(reply, ROOM_REPLY_MAX, "ok");
	} else {
		take_question_locked(r, rep, now, &place);
		snprintf(reply, ROOM_REPLY_MAX, "queued %d", place);
	}
	if (status == 200)
		changed_locked(r);
	pthread_mutex_unlock(&r->lock);
	return status;
}

void room_restore_locked(struct room *r, const struct report *rep)
{
	char reply[ROOM_REPLY_MAX];
	int place;
	struct learner *l = learner_locked(r, rep->name);

	if (!l)
		return; /* a file from a room started with a larger -c */
	if (rep->kind == REPORT_CHECK) {
		take_check_locked(l, &rep->run, rep->at, rep->since, reply);
	} else if (rep->kind == REPORT_DOCTOR) {
		take_doctor_locked(l, rep, rep->at);
	} else {
		struct question *q = take_question_locked(r, rep, rep->at, &place);
		if (rep->id > 0)
			q->id = rep->id;
		q->claimed = rep->claimed;
		if (q->id >= r->next_id)
			r->next_id = q->id + 1;
	}
	changed_locked(r);
}

/* ---- The help queue ---------------------------------------------------------- */

static int question_index_locked(const struct room *r, int id)
{
	for (int i = 0; i < r->question_count; i++)
		if (r->questions[i].id == id)
			return i;
	return -1;
}

int room_claim(struct room *r, int id)
{
	pthread_mutex_lock(&r->lock);
	int i = question_index_locked(r, id);
	if (i >= 0) {
		r->questions[i].claimed = true;
		changed_locked(r);
	}
	pthread_mutex_unlock(&r->lock);
	return i >= 0 ? 200 : 404;
}

int room_done(struct room *r, int id)
{
	pthread_mutex_lock(&r->lock);
	int i = question_index_locked(r, id);
	if (i >= 0) {
		/* Keep the order: everyone behind moves up one place. */
		memmove(&r->questions[i], &r->questions[i + 1],
			sizeof r->questions[0] * (size_t)(r->question_count - i - 1));
		r->question_count--;
		changed_locked(r);
	}
	pthread_mutex_unlock(&r->lock);
	return i >= 0 ? 200 : 404;
}

/* ---- Views ---------------------------------------------------------------- */

void room_top_failure_locked(const struct room *r, struct top_failure *top)
{
	*top = (struct top_failure){ 0 };
	/* Learners are few (hundreds): counting every pair is quick enough
	 * and needs no table. */
	for (int i = 0; i < r->learner_count; i++) {
		const struct cell *c = learner_current_locked(&r->learners[i]);
		const char *check = c && !c->run.passed
					    ? check_run_first_failure(&c->run) : NULL;
		if (!check)
			continue;
		int count = 0;
		for (int j = 0; j < r->learner_count; j++) {
			const struct cell *d = learner_current_locked(&r->learners[j]);
			const char *other = d && !d->run.passed
						    ? check_run_first_failure(&d->run) : NULL;
			count += other && strcmp(other, check) == 0 &&
				 strcmp(d->run.practice, c->run.practice) == 0;
		}
		if (count > top->count)
			*top = (struct top_failure){ count, c->run.practice, check,
						     c->run.hint };
	}
}

/* qsort() has no argument for the room, so the order is computed on a
 * copy of each learner's sort key. */
struct sort_key {
	int index;
	long long since; /* 0: not stuck */
	const char *name;
};

static int by_stuck_then_name(const void *a, const void *b)
{
	const struct sort_key *x = a, *y = b;

	if ((x->since > 0) != (y->since > 0))
		return x->since > 0 ? -1 : 1;
	if (x->since != y->since)
		return x->since < y->since ? -1 : 1;
	return strcmp(x->name, y->name);
}

void room_order_locked(const struct room *r, int *order)
{
	struct sort_key *keys = malloc(sizeof *keys * (size_t)(r->learner_count + 1));

	for (int i = 0; i < r->learner_count; i++) {
		const struct cell *c = learner_current_locked(&r->learners[i]);
		order[i] = i;
		if (keys)
			keys[i] = (struct sort_key){ i, c && !c->run.passed ? c->since : 0,
						     r->learners[i].name };
	}
	if (!keys)
		return; /* out of memory: in arrival order, still all there */
	qsort(keys, (size_t)r->learner_count, sizeof *keys, by_stuck_then_name);
	for (int i = 0; i < r->learner_count; i++)
		order[i] = keys[i].index;
	free(keys);
}
