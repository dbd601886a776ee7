/*
 * store.c - the room on disk.  See store.h.
 */
#include "store.h"
#include "net.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STORE_MAX (64 * 1024 * 1024) /* far above any room's state */

static void write_run(FILE *out, const char *prefix, const struct check_run *run)
{
	fprintf(out, "%spractice %s\n%sresult %s\n", prefix, run->practice,
		prefix, run->passed ? "PASS" : "FAIL");
	for (int i = 0; i < run->check_count; i++)
		fprintf(out, "%scheck %s %s\n", prefix,
			run->checks[i].passed ? "PASS" : "FAIL",
			run->checks[i].name);
	if (run->hint[0])
		fprintf(out, "%shint %s\n", prefix, run->hint);
	for (int i = 0; i < run->exchange_count; i++)
		fprintf(out, "%sexchange %s\n", prefix, run->exchange[i]);
}

static void write_cell(FILE *out, const char *name, const struct cell *c)
{
	fprintf(out, "kind check\nname %s\n", name);
	write_run(out, "", &c->run);
	fprintf(out, "since %lld\nat %lld\n\n", c->since, c->at);
}

static void write_learner(FILE *out, const struct learner *l)
{
	for (int i = 0; i < l->cell_count; i++)
		if (i != l->current)
			write_cell(out, l->name, &l->cells[i]);
	/* The practice reported last goes last, so it is current again. */
	if (l->current >= 0)
		write_cell(out, l->name, &l->cells[l->current]);
	if (l->doctor.reported) {
		fprintf(out, "kind doctor\nname %s\nresult %s\n", l->name,
			l->doctor.ready ? "PASS" : "FAIL");
		for (int i = 0; i < l->doctor.missing_count; i++)
			fprintf(out, "missing %s\n", l->doctor.missing[i]);
		fprintf(out, "at %lld\n\n", l->doctor.at);
	}
}

static void write_question(FILE *out, const struct question *q)
{
	fprintf(out, "kind ask\nname %s\ntext %s\nid %d\nclaimed %s\nat %lld\n",
		q->name, q->text, q->id, q->claimed ? "yes" : "no", q->asked);
	if (q->has_last)
		write_run(out, "last ", &q->last);
	putc('\n', out);
}

/* The whole room as text (free it), and the version it shows. */
static char *snapshot(struct room *r, size_t *len, unsigned long *version)
{
	char *text = NULL;
	FILE *out = open_memstream(&text, len);

	if (!out)
		return NULL;
	pthread_mutex_lock(&r->lock);
	*version = r->version;
	for (int i = 0; i < r->learner_count; i++)
		write_learner(out, &r->learners[i]);
	for (int i = 0; i < r->question_count; i++)
		write_question(out, &r->questions[i]);
	pthread_mutex_unlock(&r->lock);
	bool failed = ferror(out);
	if (fclose(out) != 0 || failed) {
		free(text);
		return NULL;
	}
	return text;
}

static int write_file(const char *path, const char *text, size_t len)
{
	char temp[4096];

	snprintf(temp, sizeof temp, "%s.tmp", path);
	FILE *f = fopen(temp, "w");
	if (!f) {
		log_errno("%s", temp);
		return -1;
	}
	bool ok = fwrite(text, 1, len, f) == len;
	ok = fclose(f) == 0 && ok;
	/* rename() replaces the old file in one step: a reader (or the next
	 * start) sees the old state or the new, never half of one. */
	if (!ok || rename(temp, path) < 0) {
		log_errno("%s", path);
		unlink(temp);
		return -1;
	}
	return 0;
}

int room_save(struct room *r, const char *path)
{
	size_t len;
	unsigned long version;
	int rc = 0;

	/* One save at a time.  A thread that finds its change saved already
	 * by another (a later snapshot holds every earlier change) is done:
	 * so a burst of reports costs a few saves, not one each. */
	pthread_mutex_lock(&r->save_lock);
	pthread_mutex_lock(&r->lock);
	bool saved = r->saved_version == r->version;
	pthread_mutex_unlock(&r->lock);
	if (!saved) {
		char *text = snapshot(r, &len, &version);
		rc = text ? write_file(path, text, len) : -1;
		if (rc == 0)
			r->saved_version = version;
		free(text);
	}
	pthread_mutex_unlock(&r->save_lock);
	return rc;
}

/* The file's whole text (free it), or NULL with errno set. */
static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;

	if (!f)
		return NULL;
	FILE *copy = open_memstream(&text, len);
	char buf[65536];
	size_t n, total = 0;
	while (copy && (n = fread(buf, 1, sizeof buf, f)) > 0 &&
	       (total += n) <= STORE_MAX)
		fwrite(buf, 1, n, copy);
	bool failed = ferror(f) || total > STORE_MAX;
	fclose(f);
	if (!copy || fclose(copy) != 0 || failed) {
		free(text);
		errno = failed && total > STORE_MAX ? EFBIG : errno;
		return NULL;
	}
	return text;
}

int room_load(struct room *r, const char *path)
{
	size_t len;
	char *text = read_all(path, &len);
	struct report *rep = malloc(sizeof *rep);
	const char *error;
	int records = 0;

	if (!text || !rep) {
		int why = errno;
		free(text);
		free(rep);
		if (why == ENOENT)
			return 0;
		log_line("%s: %s", path, strerror(why));
		return -1;
	}
	pthread_mutex_lock(&r->lock);
	/* Records end at a blank line. */
	for (char *p = text, *end = text + len; p < end;) {
		char *stop = find_bytes(p, (size_t)(end - p), "\n\n", 2);
		size_t record_len = stop ? (size_t)(stop - p) + 1 : (size_t)(end - p);
		if (report_parse(p, record_len, rep, &error) == 0) {
			room_restore_locked(r, rep);
			records++;
		} else if (strspn(p, "\n") < record_len) {
			log_line("%s: a record skipped: %s", path, error);
		}
		p += record_len + (stop != NULL);
	}
	pthread_mutex_unlock(&r->lock);
	log_line("%s: %d records of %d learners and %d questions read", path,
	      records, r->learner_count, r->question_count);
	free(text);
	free(rep);
	return 0;
}
