/*
 * ask - put a question in the room's help queue, quietly.
 *
 *   tests/ask --room HOST[:PORT] [--name NAME] TEXT...
 *
 * The instructor sees the question with the learner's last check attached
 * (what tests/stagecheck saved in ~/.cache/socket-workshop/last-check), so
 * they know what fails before they walk over.  Prints the question's
 * place in the queue.  Exit 0 when queued, 1 when not, 2 for a bad
 * command line.
 */
#include "room_client.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_MAX 400       /* the room keeps this much of a question */
#define LAST_MAX (8 * 1024) /* of the last check, attached */
#define BODY_MAX (TEXT_MAX + LAST_MAX + 1024)

static void usage(FILE *to)
{
	fprintf(to, "usage: ask --room HOST[:PORT] [--name NAME] TEXT...\n"
		    "  puts TEXT in the instructor's help queue, with your "
		    "last check attached\n");
}

/* The words of the question as one line: a '\n' in an argument would
 * start a line of the report of its own. */
static void join_words(char **words, int count, char *out, size_t cap)
{
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < count && len + 1 < cap; i++) {
		int n = snprintf(out + len, cap - len, "%s%s", i ? " " : "", words[i]);
		len = n < 0 || (size_t)n >= cap - len ? cap - 1 : len + (size_t)n;
	}
	for (char *p = out; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

static void last_check_path(char *out, size_t cap)
{
	const char *cache = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");

	if (cache && *cache)
		snprintf(out, cap, "%s/socket-workshop/last-check", cache);
	else
		snprintf(out, cap, "%s/.cache/socket-workshop/last-check",
			 home ? home : ".");
}

/* Append the last check's lines, each as "last KEY VALUE".  Nothing if
 * there is no last check yet: the question goes all the same. */
static void attach_last_check(FILE *body)
{
	char path[4096], line[1024];
	size_t total = 0;

	last_check_path(path, sizeof path);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof line, f) && (total += strlen(line)) <= LAST_MAX) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0])
			fprintf(body, "last %s\n", line);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	const char *room = NULL;
	char name[128], text[TEXT_MAX + 1], body[BODY_MAX], reply[256];
	int i = 1;

	signal(SIGPIPE, SIG_IGN); /* a room that hangs up is an error, not death */
	room_default_name(name, sizeof name);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--room") == 0 && i + 1 < argc) {
			room = argv[++i];
		} else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) {
			snprintf(name, sizeof name, "%s", argv[++i]);
		} else {
			usage(stderr);
			return 2;
		}
	}
	join_words(argv + i, argc - i, text, sizeof text);
	if (!room || text[0] == '\0' || strchr(name, '\n')) {
		usage(stderr);
		return 2;
	}
	FILE *out = fmemopen(body, sizeof body, "w");
	if (!out) {
		perror("ask");
		return 1;
	}
	fprintf(out, "kind ask\nname %s\ntext %s\n", name, text);
	attach_last_check(out);
	fclose(out); /* fmemopen NUL-terminates what fits */

	int status = room_post(room, "/ask", body, reply, sizeof reply);
	unsigned place;
	if (status == 200 && sscanf(reply, "queued %u", &place) == 1) {
		printf("ask: your question is number %u in the queue; "
		       "the instructor will come to you\n", place);
		return 0;
	}
	if (status > 0)
		fprintf(stderr, "ask: the room did not take it: %s\n", reply);
	return 1;
}
