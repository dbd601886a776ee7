/*
 * quiz_client - stage 2: answer the server's question from the keyboard.
 *
 * The workshop's client, with the socket wrapped in two FILEs: fgets() the
 * question, print it, read your answer, fprintf() it, fgets() the verdict.
 */
#include "net.h"

#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LINE_MAX_LEN 256

/* Read a line from the server and print it.  False if none came. */
static int relay_line(FILE *from_server, char *line)
{
	if (!fgets(line, LINE_MAX_LEN, from_server)) {
		warnx("the server closed the connection or stayed silent");
		return 0;
	}
	fputs(line, stdout);
	return 1;
}

static int play(FILE *in, FILE *out)
{
	char line[LINE_MAX_LEN];

	if (!relay_line(in, line))
		return 1;
	fputs("your answer: ", stdout);
	fflush(stdout);
	if (!fgets(line, sizeof line, stdin))
		return 1;
	/* exercise 2: send your answer as one line, and fflush() it */
	fputs(line, out);
	if (!strchr(line, '\n'))
		fputs("\n", out); /* the server reads whole lines */
	if (fflush(out) == EOF) {
		warn("send");
		return 1;
	}
	/* end of exercise */
	return relay_line(in, line) ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct client_config cfg = { .host = "localhost", .port = "10001" };

	parse_client_args(argc, argv, NULL, &cfg);
	/* If the server is gone, let fflush() fail instead of SIGPIPE
	 * killing us before we can say so. */
	signal(SIGPIPE, SIG_IGN);
	int fd = connect_to(cfg.host, cfg.port);
	if (fd < 0)
		return 1;
	set_timeout(fd, 30);
	/* One stream to read, one to write: see quiz.c on the server side. */
	int write_fd = dup(fd);
	FILE *in = fdopen(fd, "r");
	FILE *out = write_fd < 0 ? NULL : fdopen(write_fd, "w");
	if (!in || !out)
		err(1, "fdopen");
	int rc = play(in, out);
	fclose(out);
	fclose(in);
	return rc;
}
