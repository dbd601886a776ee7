/*
 * line_client - practice 1-4: the socket as a file.
 *
 * Talk to stage 1's echo_server through the "file" interface: wrap the
 * socket in two FILEs with fdopen(), then send a line with fputs() and
 * fflush(), and read the echo with fgets(), as a program talks to a
 * terminal.  Every line you type comes back.
 *
 *   slides/practice/line_client [HOST] [PORT]    (localhost 10000)
 */
#include "net.h"

#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LINE_MAX_LEN 1024 /* a longer line is sent in pieces */

/* Send each line typed on stdin and print the line that comes back. */
static int echo_lines(FILE *in, FILE *out)
{
	char line[LINE_MAX_LEN];

	while (fgets(line, sizeof line, stdin)) {
		/* exercise 1-4: send it (flush!), fgets() the echo, print it */
		fputs(line, out);
		if (!strchr(line, '\n'))
			fputs("\n", out); /* the echo comes back line by line */
		/* stdio keeps what we write in a buffer until it is full:
		 * flush, or the line never leaves. */
		if (fflush(out) == EOF) {
			warn("send");
			return 1;
		}
		if (!fgets(line, sizeof line, in)) {
			warnx("the server closed the connection or stayed silent");
			return 1;
		}
		fputs(line, stdout);
		/* end of exercise */
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct client_config cfg = { .host = "localhost", .port = "10000" };

	parse_client_args(argc, argv, NULL, &cfg);
	/* If the server is gone, let fflush() fail instead of SIGPIPE
	 * killing us before we can say so. */
	signal(SIGPIPE, SIG_IGN);
	int fd = connect_to(cfg.host, cfg.port);
	if (fd < 0)
		return 1;
	set_timeout(fd, 30);
	FILE *in = NULL, *out = NULL;
	/* exercise 1-4: two FILEs on the socket, one to read, one to write */
	/* One stream to read, one to write: stdio may not switch one FILE
	 * from writing to reading without a seek, and a socket cannot seek. */
	int write_fd = dup(fd);
	in = fdopen(fd, "r");
	out = write_fd < 0 ? NULL : fdopen(write_fd, "w");
	/* end of exercise */
	if (!in || !out)
		err(1, "fdopen");
	int rc = echo_lines(in, out);
	fclose(out);
	fclose(in);
	return rc;
}
