/*
 * json.c - the room as JSON.  See json.h.
 */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_string(FILE *out, const char *text)
{
	putc('"', out);
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&')
			fprintf(out, "\\u%04x", *p);
		else
			putc(*p, out);
	}
	putc('"', out);
}

static void json_key(FILE *out, const char *key)
{
	json_string(out, key);
	putc(':', out);
}

static void json_bool(FILE *out, const char *key, bool value)
{
	json_key(out, key);
	fputs(value ? "true" : "false", out);
}

static void json_number(FILE *out, const char *key, long long value)
{
	json_key(out, key);
	fprintf(out, "%lld", value);
}

static void json_text(FILE *out, const char *key, const char *value)
{
	json_key(out, key);
	json_string(out, value);
}

/* A check run: its practice, result, every check, hint and exchange. */
static void json_run(FILE *out, const struct check_run *run)
{
	const char *failed = check_run_first_failure(run);

	putc('{', out);
	json_text(out, "practice", run->practice);
	putc(',', out);
	json_bool(out, "passed", run->passed);
	putc(',', out);
	json_text(out, "fail", failed ? failed : "");
	putc(',', out);
	json_text(out, "hint", run->hint);
	fputs(",\"checks\":[", out);
	for (int i = 0; i < run->check_count; i++) {
		fputs(i ? ",{" : "{", out);
		json_bool(out, "passed", run->checks[i].passed);
		putc(',', out);
		json_text(out, "name", run->checks[i].name);
		putc('}', out);
	}
	fputs("],\"exchange\":[", out);
	for (int i = 0; i < run->exchange_count; i++) {
		if (i)
			putc(',', out);
		json_string(out, run->exchange[i]);
	}
	fputs("]}", out);
}

static void json_doctor(FILE *out, const struct doctor *d)
{
	json_key(out, "doctor");
	if (!d->reported) {
		fputs("null", out);
		return;
	}
	putc('{', out);
	json_bool(out, "ready", d->ready);
	putc(',', out);
	json_number(out, "at", d->at);
	fputs(",\"missing\":[", out);
	for (int i = 0; i < d->missing_count; i++) {
		if (i)
			putc(',', out);
		json_string(out, d->missing[i]);
	}
	fputs("]}", out);
}

static void json_learner(FILE *out, const struct learner *l)
{
	const struct cell *now = learner_current_locked(l);

	putc('{', out);
	json_text(out, "name", l->name);
	putc(',', out);
	json_text(out, "current", now ? now->run.practice : "");
	putc(',', out);
	json_number(out, "stuck_since", now && !now->run.passed ? now->since : 0);
	putc(',', out);
	json_doctor(out, &l->doctor);
	fputs(",\"cells\":{", out);
	for (int i = 0; i < l->cell_count; i++) {
		const struct cell *c = &l->cells[i];
		if (i)
			putc(',', out);
		json_key(out, c->run.practice);
		putc('{', out);
		json_number(out, "at", c->at);
		putc(',', out);
		json_number(out, "since", c->since);
		fputs(",\"run\":", out);
		json_run(out, &c->run);
		putc('}', out);
	}
	fputs("}}", out);
}

static void json_question(FILE *out, const struct question *q, int place)
{
	putc('{', out);
	json_number(out, "id", q->id);
	putc(',', out);
	json_number(out, "place", place);
	putc(',', out);
	json_text(out, "name", q->name);
	putc(',', out);
	json_text(out, "text", q->text);
	putc(',', out);
	json_bool(out, "claimed", q->claimed);
	putc(',', out);
	json_number(out, "asked", q->asked);
	fputs(",\"last\":", out);
	if (q->has_last)
		json_run(out, &q->last);
	else
		fputs("null", out);
	putc('}', out);
}

static void json_top_failure(FILE *out, const struct room *r)
{
	struct top_failure top;

	room_top_failure_locked(r, &top);
	json_key(out, "top_failure");
	if (top.count == 0) {
		fputs("null", out);
		return;
	}
	putc('{', out);
	json_number(out, "count", top.count);
	putc(',', out);
	json_text(out, "practice", top.practice);
	putc(',', out);
	json_text(out, "check", top.check);
	putc(',', out);
	json_text(out, "hint", top.hint);
	putc('}', out);
}

/* The grid's columns: the day's practices, then any others reported. */
static void json_practices(FILE *out)
{
	fputs("\"practices\":[", out);
	for (int i = 0; i < room_practice_count; i++) {
		if (i)
			putc(',', out);
		json_string(out, room_practices[i]);
	}
	fputs("]", out); /* the page adds others it finds in the cells */
}

/* Finish a memstream: the text, or NULL if writing failed (out of
 * memory) or `ok` says the text is incomplete. */
static char *finish(FILE *out, char **text, bool ok)
{
	bool failed = ferror(out) || !ok;

	/* The memstream sets *text only now, at fclose(). */
	if (fclose(out) != 0 || failed) {
		free(*text);
		return NULL;
	}
	return *text;
}

static void json_room_locked(FILE *out, const struct room *r, long long now,
			     const int *order)
{
	fprintf(out, "{\"version\":%lu,\"now\":%lld,\"max_learners\":%d,",
		r->version, now, r->max_learners);
	json_practices(out);
	putc(',', out);
	json_top_failure(out, r);
	fputs(",\"learners\":[", out);
	for (int i = 0; i < r->learner_count; i++) {
		if (i)
			putc(',', out);
		json_learner(out, &r->learners[order[i]]);
	}
	fputs("],\"queue\":[", out);
	for (int i = 0; i < r->question_count; i++) {
		if (i)
			putc(',', out);
		json_question(out, &r->questions[i], i + 1);
	}
	fputs("]}", out);
}

char *room_state_json(struct room *r, long long now, size_t *len)
{
	char *text = NULL;
	FILE *out = open_memstream(&text, len);

	if (!out)
		return NULL;
	pthread_mutex_lock(&r->lock);
	int *order = malloc(sizeof *order * (size_t)(r->learner_count + 1));
	if (order) {
		room_order_locked(r, order);
		json_room_locked(out, r, now, order);
	}
	pthread_mutex_unlock(&r->lock);
	free(order);
	return finish(out, &text, order != NULL);
}

/* Counts of one practice over the room. */
static void json_practice_counts(FILE *out, const struct room *r,
				 const char *practice)
{
	int passed = 0, failing = 0;

	for (int i = 0; i < r->learner_count; i++) {
		const struct learner *l = &r->learners[i];
		for (int j = 0; j < l->cell_count; j++) {
			if (strcmp(l->cells[j].run.practice, practice) != 0)
				continue;
			passed += l->cells[j].run.passed;
			failing += !l->cells[j].run.passed;
		}
	}
	putc('{', out);
	json_text(out, "practice", practice);
	fprintf(out, ",\"passed\":%d,\"failing\":%d}", passed, failing);
}

char *room_public_json(struct room *r, size_t *len)
{
	char *text = NULL;
	FILE *out = open_memstream(&text, len);

	if (!out)
		return NULL;
	pthread_mutex_lock(&r->lock);
	fprintf(out, "{\"version\":%lu,\"learners\":%d,\"practices\":[",
		r->version, r->learner_count);
	/* Only the day's practices: a name a learner made up could say
	 * something, and this page is for everyone to see. */
	for (int i = 0; i < room_practice_count; i++) {
		if (i)
			putc(',', out);
		json_practice_counts(out, r, room_practices[i]);
	}
	fputs("]}", out);
	pthread_mutex_unlock(&r->lock);
	return finish(out, &text, true);
}
