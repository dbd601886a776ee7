/*
 * stagecheck - tells a learner whether their server does what a stage of
 * the workshop asks, and if not, what to fix.
 *
 *   tests/stagecheck STAGE [HOST] [PORT]
 *
 * Start your server, then run the checker against it.  It prints one
 * line per check, "PASS name" or "FAIL name: what to fix", optional
 * features as "EXTRA name: ...", and a summary.  It exits 0 only when
 * every check passed.  See tests/STAGECHECK.md.
 *
 * This file: the command line, the report, and the connections with a
 * time limit.  The checks of each stage are in stagecheck_*.c.
 */
#include "stagecheck.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- The stages ---------------------------------------------------------- */

struct stage {
	const char *name;
	const char *port; /* the contract's default */
	void (*run)(void);
};

static const struct stage stages[] = {
	{ "echo", "10000", check_echo },
	{ "quiz", "10001", check_quiz },
	{ "concurrent quiz", "10001", check_concurrent_quiz },
	{ "chat", "10004", check_chat },
	{ "game", "10005", check_game },
};

#define STAGE_COUNT (int)(sizeof stages / sizeof stages[0])

const char *target_host = "localhost";
const char *target_port;

/* ---- Reporting ----------------------------------------------------------- */

static int passed, failed, extras_found, extras_missing;
static bool stopped;

void check_pass(const char *name)
{
	passed++;
	printf("PASS %s\n", name);
}

void check_fail(const char *name, const char *hint, ...)
{
	va_list ap;

	failed++;
	printf("FAIL %s: ", name);
	va_start(ap, hint);
	vprintf(hint, ap);
	va_end(ap);
	printf("\n");
}

void check_extra(const char *name, bool supported)
{
	if (supported)
		extras_found++;
	else
		extras_missing++;
	printf("EXTRA %s: %s\n", name,
	       supported ? "supported" : "not found (optional)");
}

void check_stop(void)
{
	if (stopped)
		return;
	stopped = true;
	printf("SKIP the remaining checks: they need the one above to pass\n");
}

const char *shown(const char *text, char out[SHOWN_MAX])
{
	size_t len = strnlen(text, SHOWN_MAX);

	if (len > SHOWN_MAX - 4) {
		len = SHOWN_MAX - 4;
		/* Do not cut a UTF-8 character (a Korean one) in half. */
		while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
			len--;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		out[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	strcpy(out + len, text[len] ? "..." : "");
	return out;
}

bool check_connect(struct peer *p)
{
	if (peer_open(p)) {
		check_pass("connect");
		return true;
	}
	check_fail("connect", "nothing answers at %s port %s: start your "
		   "server first, on that port (bind, listen, then accept)",
		   target_host, target_port);
	check_stop();
	return false;
}

static void print_summary(int stage_number)
{
	const struct stage *stage = &stages[stage_number - 1];
	int total = passed + failed;

	if (failed == 0 && !stopped)
		printf("stage %d (%s): all %d checks passed", stage_number,
		       stage->name, total);
	else
		printf("stage %d (%s): %d of %d checks passed, %d failed%s: "
		       "fix the first FAIL, then run the checker again",
		       stage_number, stage->name, passed, total, failed,
		       stopped ? ", the rest skipped" : "");
	if (extras_found + extras_missing > 0)
		printf("; optional extras: %d of %d found (they never fail "
		       "the run)", extras_found, extras_found + extras_missing);
	printf("\n");
}

/* ---- Talking to the server ----------------------------------------------- */

/* Wait until fd is ready for `events`; false when time is up. */
static bool wait_ready(int fd, short events, long long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		int n = poll(&pfd, 1, ms_left(deadline));
		if (n >= 0 || errno != EINTR)
			return n > 0;
	}
}

/* connect() on a non-blocking socket, waiting at most until deadline.
 * common's connect_to() would block instead: when a server is busy and
 * its listen() backlog is full, the kernel retries for two minutes. */
static bool connect_within(int fd, const struct addrinfo *ai,
			   long long deadline)
{
	int error = 0;
	socklen_t len = sizeof error;

	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return true;
	if (errno != EINPROGRESS || !wait_ready(fd, POLLOUT, deadline))
		return false;
	return getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 &&
	       error == 0;
}

bool peer_open(struct peer *p)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *list;
	long long deadline = clock_ms() + CHECK_WAIT_MS;

	p->fd = -1;
	int rc = getaddrinfo(target_host, target_port, &hints, &list);
	if (rc != 0) {
		fprintf(stderr, "stagecheck: %s: %s\n", target_host,
			gai_strerror(rc));
		return false;
	}
	/* A name may have several addresses (IPv6 and IPv4): try each.
	 * Non-blocking from the start, so that no connect() and no read
	 * waits longer than we allow: we poll() for the time left. */
	for (struct addrinfo *ai = list; ai && p->fd < 0; ai = ai->ai_next) {
		p->fd = nonblocking_socket(ai->ai_family, ai->ai_socktype,
			       ai->ai_protocol);
		if (p->fd >= 0 && !connect_within(p->fd, ai, deadline))
			peer_close(p);
	}
	freeaddrinfo(list);
	if (p->fd < 0)
		return false;
	line_reader_init(&p->reader, p->fd, p->buf, sizeof p->buf);
	return true;
}

void peer_close(struct peer *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

bool peer_send(struct peer *p, const char *text)
{
	return p->fd >= 0 && send_text(p->fd, text) == 0;
}

enum peer_result peer_read_line(struct peer *p, char **line, int timeout_ms)
{
	long long deadline = clock_ms() + timeout_ms;

	if (p->fd < 0)
		return PEER_CLOSED;
	for (;;) {
		ssize_t n = read_line(&p->reader, line);
		if (n >= 0)
			return PEER_LINE;
		if (n == LINE_TOO_LONG)
			return PEER_TOO_LONG;
		if (n == LINE_EOF ||
		    (errno != EAGAIN && errno != EWOULDBLOCK))
			return PEER_CLOSED; /* an end or a reset */
		if (!wait_ready(p->fd, POLLIN, deadline))
			return PEER_TIMEOUT;
	}
}

size_t peer_read_bytes(struct peer *p, char *buf, size_t len, int timeout_ms,
		       bool *closed)
{
	long long deadline = clock_ms() + timeout_ms;
	size_t got = 0;

	*closed = p->fd < 0;
	while (got < len && !*closed && wait_ready(p->fd, POLLIN, deadline)) {
		ssize_t n = recv(p->fd, buf + got, len - got, 0);
		if (n > 0)
			got += (size_t)n;
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			*closed = true;
	}
	return got;
}

bool peer_wait_for(struct peer *p, const char *needle, int timeout_ms,
		   char found[PEER_LINE_MAX])
{
	long long deadline = clock_ms() + timeout_ms;
	enum peer_result result;
	char *line;

	do {
		result = peer_read_line(p, &line, ms_left(deadline));
		if (result == PEER_LINE && strstr(line, needle)) {
			if (found)
				snprintf(found, PEER_LINE_MAX, "%s", line);
			return true;
		}
		/* A server that floods lines is still held to the time. */
	} while ((result == PEER_LINE || result == PEER_TOO_LONG) &&
		 clock_ms() <= deadline);
	return false;
}

bool peer_has_partial_line(const struct peer *p)
{
	return p->fd >= 0 && p->reader.end > p->reader.start;
}

bool peer_closes(struct peer *p, int timeout_ms)
{
	long long deadline = clock_ms() + timeout_ms;
	enum peer_result result;
	char *line;

	do
		result = peer_read_line(p, &line, ms_left(deadline));
	while ((result == PEER_LINE || result == PEER_TOO_LONG) &&
	       clock_ms() <= deadline);
	return result == PEER_CLOSED;
}

void peer_drain(struct peer *p, int timeout_ms)
{
	peer_closes(p, timeout_ms);
}

/* ---- Time ---------------------------------------------------------------- */

long long clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int ms_left(long long deadline)
{
	long long left = deadline - clock_ms();
	return left > 0 ? (int)left : 0;
}

void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- The command line ---------------------------------------------------- */

static void usage(FILE *to)
{
	fprintf(to, "usage: stagecheck [-h] STAGE [HOST] [PORT]\n"
		    "  checks the server of workshop stage STAGE (1-5) running "
		    "at HOST (default localhost)\n"
		    "  and PORT (default the stage's: 1 echo 10000, 2 and 3 "
		    "quiz 10001, 4 chat 10004, 5 game 10005)\n");
}

/* The stage number in argv[1], or exit with the usage. */
static int parse_args(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		exit(0);
	}
	int stage = argc >= 2 && argc <= 4 && strlen(argv[1]) == 1
		    ? argv[1][0] - '0' : 0;
	if (stage < 1 || stage > STAGE_COUNT) {
		usage(stderr);
		exit(2);
	}
	target_port = stages[stage - 1].port;
	if (argc >= 3)
		target_host = argv[2];
	if (argc >= 4)
		target_port = argv[3];
	char *end;
	long port = strtol(target_port, &end, 10);
	if (*end != '\0' || port < 1 || port > 65535) {
		usage(stderr);
		exit(2);
	}
	return stage;
}

int main(int argc, char **argv)
{
	int stage = parse_args(argc, argv);

	/* One line at a time, so a learner watches the checks go by. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* A server that hangs up makes send() fail, not kill us. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		perror("signal");
	printf("checking stage %d (%s) at %s port %s\n", stage,
	       stages[stage - 1].name, target_host, target_port);
	stages[stage - 1].run();
	print_summary(stage);
	return failed == 0 && !stopped ? 0 : 1;
}
