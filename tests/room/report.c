/*
 * report.c - read a learner's report.  See report.h.
 */
#include "report.h"
#include "printable.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One "KEY VALUE" line, as pointers into the body (not NUL-terminated:
 * a body may hold NUL bytes, and they must not end a value early). */
struct field {
	const char *key, *value;
	size_t key_len, value_len;
};

static bool key_is(const struct field *f, const char *key)
{
	return f->key_len == strlen(key) && memcmp(f->key, key, f->key_len) == 0;
}

static bool value_is(const struct field *f, const char *value)
{
	return f->value_len == strlen(value) &&
	       memcmp(f->value, value, f->value_len) == 0;
}

/* A number macro as a string, for the error lines. */
#define STR(n) STR_(n)
#define STR_(n) #n

#define COPY(out, f) \
	printable_copy(out, sizeof out, (f)->value, (f)->value_len)

/* "PASS" or "FAIL" into *passed; false for anything else. */
static bool read_result(const struct field *f, bool *passed)
{
	*passed = value_is(f, "PASS");
	return *passed || value_is(f, "FAIL");
}

/* "PASS name" or "FAIL name": one more check of the run. */
static const char *add_check(struct check_run *run, const struct field *f)
{
	struct field result = { .value = f->value, .value_len = 4 };
	bool passed;

	if (f->value_len < 6 || f->value[4] != ' ' || !read_result(&result, &passed))
		return "bad check line: want 'check PASS|FAIL NAME'";
	if (run->check_count == ROOM_CHECKS_MAX)
		return "too many check lines (over " STR(ROOM_CHECKS_MAX) ")";
	struct check_line *line = &run->checks[run->check_count++];
	line->passed = passed;
	printable_copy(line->name, sizeof line->name, f->value + 5, f->value_len - 5);
	return NULL;
}

/* One line of the last exchange; only the last ROOM_EXCHANGE_MAX stay. */
static void add_exchange(struct check_run *run, const struct field *f)
{
	if (run->exchange_count == ROOM_EXCHANGE_MAX) {
		memmove(run->exchange[0], run->exchange[1],
			sizeof run->exchange[0] * (ROOM_EXCHANGE_MAX - 1));
		run->exchange_count--;
	}
	COPY(run->exchange[run->exchange_count++], f);
}

/* The keys of a check run, whether the report's own or after "last". */
static const char *read_run_field(struct check_run *run, const struct field *f,
				  bool *known)
{
	*known = true;
	if (key_is(f, "practice"))
		COPY(run->practice, f);
	else if (key_is(f, "result"))
		return read_result(f, &run->passed) ? NULL
						    : "bad result: want PASS or FAIL";
	else if (key_is(f, "check"))
		return add_check(run, f);
	else if (key_is(f, "hint"))
		COPY(run->hint, f);
	else if (key_is(f, "exchange"))
		add_exchange(run, f);
	else
		*known = false;
	return NULL;
}

static const char *read_number(const struct field *f, long long *out)
{
	char text[24];
	char *end;

	COPY(text, f);
	errno = 0;
	*out = strtoll(text, &end, 10);
	if (errno || end == text || *end || *out < 0)
		return "bad number";
	return NULL;
}

static const char *read_kind(const struct field *f, enum report_kind *kind)
{
	if (value_is(f, "check"))
		*kind = REPORT_CHECK;
	else if (value_is(f, "doctor"))
		*kind = REPORT_DOCTOR;
	else if (value_is(f, "ask"))
		*kind = REPORT_ASK;
	else
		return "bad kind: want check, doctor or ask";
	return NULL;
}

/* The keys only the state file has (store.c writes them). */
static const char *read_saved_field(struct report *r, const struct field *f)
{
	long long n = 0;
	const char *error = NULL;

	if (key_is(f, "since"))
		error = read_number(f, &r->since);
	else if (key_is(f, "at"))
		error = read_number(f, &r->at);
	else if (key_is(f, "id") && !(error = read_number(f, &n)))
		r->id = n > 1000000000 ? 0 : (int)n;
	else if (key_is(f, "claimed"))
		r->claimed = value_is(f, "yes");
	return error;
}

static const char *read_field(struct report *r, struct field *f)
{
	bool known;
	const char *error;

	if (key_is(f, "last")) {
		/* "last KEY VALUE": a field of the learner's last check. */
		const char *space = memchr(f->value, ' ', f->value_len);
		size_t key_len = space ? (size_t)(space - f->value) : f->value_len;
		struct field inner = { .key = f->value, .key_len = key_len,
				       .value = f->value + key_len + (space != NULL),
				       .value_len = f->value_len - key_len - (space != NULL) };
		r->has_last = true;
		error = read_run_field(&r->last, &inner, &known);
		return error;
	}
	if ((error = read_run_field(&r->run, f, &known)) || known)
		return error;
	if (key_is(f, "kind"))
		return read_kind(f, &r->kind);
	if (key_is(f, "name"))
		COPY(r->name, f);
	else if (key_is(f, "text"))
		COPY(r->text, f);
	else if (key_is(f, "missing")) {
		if (r->missing_count == ROOM_MISSING_MAX)
			return "too many missing lines (over " STR(ROOM_MISSING_MAX) ")";
		COPY(r->missing[r->missing_count++], f);
	} else
		return read_saved_field(r, f);
	return NULL; /* unknown keys fall through read_saved_field: ignored */
}

/* Cut the next line off the body: *line and its length, without '\n'
 * or a '\r' before it.  Returns false at the end of the body. */
static bool next_line(const char **p, const char *end, struct field *f)
{
	if (*p >= end)
		return false;
	const char *newline = memchr(*p, '\n', (size_t)(end - *p));
	const char *stop = newline ? newline : end;
	size_t len = (size_t)(stop - *p);

	if (len > 0 && (*p)[len - 1] == '\r')
		len--;
	const char *space = memchr(*p, ' ', len);
	f->key = *p;
	f->key_len = space ? (size_t)(space - *p) : len;
	f->value = space ? space + 1 : *p + len;
	f->value_len = space ? len - f->key_len - 1 : 0;
	*p = newline ? newline + 1 : end;
	return true;
}

/* Drop spaces around a name: "  ann " and "ann" are one learner. */
static void trim(char *text)
{
	size_t start = strspn(text, " "), len = strlen(text);

	while (len > start && text[len - 1] == ' ')
		len--;
	memmove(text, text + start, len - start);
	text[len - start] = '\0';
}

bool practice_name_ok(const char *practice)
{
	size_t len = strlen(practice);

	return len > 0 && len <= ROOM_PRACTICE_MAX &&
	       strspn(practice, "0123456789abcdefghijklmnopqrstuvwxyz-") == len;
}

/* What each kind must have. */
static const char *check_complete(struct report *r, bool saw_kind,
				  bool saw_result)
{
	trim(r->name);
	if (!saw_kind)
		return "no kind line";
	if (r->name[0] == '\0')
		return "no name line";
	if (r->kind == REPORT_CHECK && !practice_name_ok(r->run.practice))
		return "bad or missing practice: want e.g. 'practice 2' or '5-1'";
	if (r->kind != REPORT_ASK && !saw_result)
		return "no result line";
	if (r->kind == REPORT_ASK && r->text[0] == '\0')
		return "no text line: what is the question?";
	/* The attachment is a courtesy: a broken one is dropped, not refused. */
	if (r->has_last && !practice_name_ok(r->last.practice))
		r->has_last = false;
	return NULL;
}

int report_parse(char *body, size_t len, struct report *r, const char **error)
{
	const char *p = body, *end = body + len;
	struct field f;
	bool saw_kind = false, saw_result = false;

	memset(r, 0, sizeof *r);
	*error = NULL;
	while (!*error && next_line(&p, end, &f)) {
		if (f.key_len == 0)
			continue; /* a blank line */
		saw_kind |= key_is(&f, "kind");
		saw_result |= key_is(&f, "result");
		*error = read_field(r, &f);
	}
	if (!*error)
		*error = check_complete(r, saw_kind, saw_result);
	return *error ? -1 : 0;
}

const char *check_run_first_failure(const struct check_run *run)
{
	for (int i = 0; i < run->check_count; i++)
		if (!run->checks[i].passed)
			return run->checks[i].name;
	return NULL;
}
