/*
 * quiz.c - the quiz handler, through the "file" interface.
 *
 * fdopen() wraps the socket in a FILE, so the conversation reads like any
 * program that talks to a terminal: fprintf() a question, fgets() a line.
 * stdio does the buffering, and reading whole lines copes with TCP
 * splitting or merging what the client sent.
 */
#include "quiz.h"
#include "net.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ANSWER_MAX 128 /* a longer answer cannot be right anyway */

static int random_digit(void)
{
	unsigned int r;

	if (random_bytes(&r, sizeof r) < 0)
		r = (unsigned int)time(NULL);
	return (int)(r % 10);
}

bool answer_is_correct(const char *line, int sum)
{
	char *end;

	errno = 0;
	long n = strtol(line, &end, 10); /* skips leading spaces itself */
	if (end == line || errno != 0)
		return false;
	while (isspace((unsigned char)*end)) /* trailing spaces, \r, \n */
		end++;
	return *end == '\0' && n == sum;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Wait until a whole line has come on fd (or the client has closed, or
 * sent more than an answer holds), but no longer than `seconds` in all.
 * The socket's own timeout starts again with every byte, so a client that
 * sends one byte now and then could hold us for ever; a deadline cannot
 * be stretched.  The bytes stay in the socket, for fgets() to read. */
static bool line_arrives(int fd, int seconds)
{
	long long deadline = now_ms() + seconds * 1000LL;
	char peek[ANSWER_MAX];
	struct pollfd ready = { .fd = fd, .events = POLLIN };
	ssize_t n, had = -1;
	int want, woke = 0;

	while ((n = recv(fd, peek, sizeof peek, MSG_PEEK | MSG_DONTWAIT)) != 0) {
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			break; /* fgets() meets the error too */
		if (n > 0 && ((size_t)n == sizeof peek || memchr(peek, '\n', n)))
			break;
		if (woke > 0 && n == had)
			break; /* woken with nothing new: the client has closed */
		long long left = deadline - now_ms();
		if (seconds > 0 && left <= 0)
			return false;
		/* Sleep until more bytes than the n already here have come. */
		want = n > 0 ? (int)n + 1 : 1;
		setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &want, sizeof want);
		woke = poll(&ready, 1, seconds > 0 ? (int)left : -1);
		had = n;
	}
	want = 1;
	setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &want, sizeof want);
	return true;
}

/* Read one line into buf, all of it within `seconds`.  Returns 1 for a
 * whole line; 0 for a line that is too long or holds a NUL byte; -1 when
 * nothing came in time: EOF, an error, or the deadline. */
static int read_answer(FILE *in, char *buf, size_t size, int seconds)
{
	if (!line_arrives(fileno(in), seconds) || !fgets(buf, (int)size, in))
		return -1;
	size_t len = strlen(buf);
	/* fgets() stops early at a full buffer, and a NUL byte makes strlen()
	 * stop early: either way the line does not end where strlen() says. */
	return (len > 0 && buf[len - 1] == '\n') || feof(in);
}

static void ask_one_question(FILE *in, FILE *out, int seconds)
{
	int a = random_digit(), b = random_digit();
	char answer[ANSWER_MAX];

	/* exercise 2: send the question, read the answer, send the verdict */
	fprintf(out, "%d+%d\n", a, b);
	/* stdio keeps what we print in a buffer: push it onto the network
	 * now, or the client waits for a question that never comes. */
	if (fflush(out) == EOF)
		return;
	int got = read_answer(in, answer, sizeof answer, seconds);
	if (got < 0)
		return; /* the client is gone or stayed silent: no verdict */
	bool right = got > 0 && answer_is_correct(answer, a + b);
	fprintf(out, "%s\n", right ? "yes" : "no");
	fflush(out);
	/* end of exercise */
}

void serve_quiz(int fd, int seconds)
{
	/* Two streams on one socket: stdio may not switch one FILE from
	 * writing to reading without a seek, and a socket cannot seek. */
	int write_fd = dup(fd);
	FILE *in = fdopen(fd, "r");
	FILE *out = write_fd < 0 ? NULL : fdopen(write_fd, "w");

	if (in && out) {
		ask_one_question(in, out, seconds);
	} else { /* no descriptor for a stream: say so, on the socket */
		log_errno("fdopen");
		send_text(fd, SERVER_FULL_LINE);
	}
	if (out)
		fclose(out);
	else if (write_fd >= 0)
		close(write_fd);
	if (in)
		fclose(in);
	else
		close(fd);
}
