/*
 * bench_room.c - the room server with a whole room reporting: 256 learners
 * (the default -c), each sending a check run once a second, and one
 * instructor's page listening to the event stream.  Measures the delay
 * from a report's POST to the event that tells the page of it, at the
 * listening client, and the server's CPU time and memory.  The server
 * runs as `make room` runs it, saving its state file after every change.
 */
#include "bench.h"

#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define LEARNERS 256
#define SENDERS 8          /* threads, each posting for LEARNERS / SENDERS */
#define EVENTS_MAX 200000

/* One POST: when it was sent, and the room's version that holds it. */
struct post {
	double sent;
	unsigned long version;
};

struct room_run {
	int port;
	int learners;
	double start, until;
	/* The event stream: event i said version[i] at time at[i]. */
	unsigned long *version;
	double *at;
	atomic_int events;
	atomic_bool stop;
	atomic_int failures;
};

struct sender {
	struct room_run *run;
	int first, count; /* its learners */
	struct post *posts;
	int post_count, post_cap;
};

static int connect_room(int port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_port = htons((unsigned short)port),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval limit = { .tv_sec = 5 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit) < 0 ||
	    connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read what the server sends until it closes (or `cap` is full). */
static size_t read_reply(int fd, char *buf, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	while (got + 1 < cap && (n = recv(fd, buf + got, cap - 1 - got, 0)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	return got;
}

/* One learner's check run, in the wire format; returns the room's
 * version that holds it (the reply's X-Room-Version), or 0. */
static unsigned long post_report(int port, int learner, int round)
{
	char body[512], request[1024], reply[1024];
	int len = snprintf(body, sizeof body,
			   "kind check\nname bench%03d@room\npractice 2\n"
			   "result %s\ncheck PASS connect\ncheck %s flush after the question\n"
			   "hint fflush(stdout) after printf\nexchange > 3+5\\n\n"
			   "exchange < (round %d)\n",
			   learner, round % 2 ? "PASS" : "FAIL",
			   round % 2 ? "PASS" : "FAIL", round);
	int total = snprintf(request, sizeof request,
			     "POST /report HTTP/1.1\r\nHost: bench\r\n"
			     "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
			     len, body);
	int fd = connect_room(port);
	unsigned long version = 0;

	if (fd < 0)
		return 0;
	if (send(fd, request, (size_t)total, MSG_NOSIGNAL) == total &&
	    read_reply(fd, reply, sizeof reply) > 0 &&
	    strncmp(reply, "HTTP/1.1 200", 12) == 0) {
		const char *v = strstr(reply, "X-Room-Version: ");
		version = v ? strtoul(v + 16, NULL, 10) : 0;
	}
	close(fd);
	return version;
}

static void add_post(struct sender *s, double sent, unsigned long version)
{
	if (s->post_count == s->post_cap) {
		s->post_cap = s->post_cap ? 2 * s->post_cap : 1024;
		s->posts = realloc(s->posts, sizeof *s->posts * (size_t)s->post_cap);
		if (!s->posts)
			err(1, "realloc");
	}
	s->posts[s->post_count++] = (struct post){ sent, version };
}

/* Each of this sender's learners posts once a second, spread evenly over
 * the second so that the room sees a steady stream, not bursts. */
static void *send_reports(void *arg)
{
	struct sender *s = arg;
	struct room_run *run = s->run;
	double gap = 1.0 / s->count;

	for (int round = 0; now_s() < run->until; round++) {
		for (int i = 0; i < s->count && now_s() < run->until; i++) {
			double due = run->start + round + i * gap;
			double wait = due - now_s();
			if (wait > 0)
				sleep_us((long)(wait * 1e6));
			double sent = now_s();
			unsigned long version = post_report(run->port, s->first + i, round);
			if (version == 0)
				atomic_fetch_add(&run->failures, 1);
			else
				add_post(s, sent, version);
		}
	}
	return NULL;
}

/* The instructor's page, as far as the events go: note when each
 * "data: VERSION" arrives. */
static void *listen_events(void *arg)
{
	struct room_run *run = arg;
	char buf[4096];
	size_t have = 0;
	int fd = connect_room(run->port);

	if (fd < 0 || send(fd, "GET /events HTTP/1.1\r\n\r\n", 24, MSG_NOSIGNAL) != 24)
		errx(1, "bench room: no event stream");
	while (!atomic_load(&run->stop)) {
		ssize_t n = recv(fd, buf + have, sizeof buf - 1 - have, 0);
		if (n <= 0)
			break;
		double at = now_s();
		have += (size_t)n;
		buf[have] = '\0';
		char *line = buf, *end;
		while ((end = strchr(line, '\n'))) {
			int i = atomic_load(&run->events);
			if (strncmp(line, "data: ", 6) == 0 && i < EVENTS_MAX) {
				run->version[i] = strtoul(line + 6, NULL, 10);
				run->at[i] = at;
				atomic_store(&run->events, i + 1);
			}
			line = end + 1;
		}
		have = (size_t)(buf + have - line);
		memmove(buf, line, have);
		if (have == sizeof buf - 1)
			have = 0; /* a line that long is not an event of ours */
	}
	close(fd);
	return NULL;
}

/* The first event whose version holds `version`: its arrival, or -1. */
static double event_for(const struct room_run *run, int events,
		       unsigned long version)
{
	int lo = 0, hi = events;

	/* The versions arrive in order, so halve the range. */
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (run->version[mid] < version)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < events ? run->at[lo] : -1;
}

void bench_room(const struct bench_options *opt, FILE *report)
{
	char dir[] = "/tmp/bench-room-XXXXXX", file[64];
	struct measured m;
	struct room_run run = { .learners = opt->smoke ? 32 : LEARNERS };
	struct sender senders[SENDERS] = { 0 };
	pthread_t threads[SENDERS], listener;
	struct samples latency = { 0 };
	double cpu_s, peak_mib;
	int lost = 0;

	if (!mkdtemp(dir))
		err(1, "mkdtemp");
	snprintf(file, sizeof file, "%s/room.state", dir);
	const char *argv[] = { "tests/room_server", "-f", file, NULL };
	if (measure_start(&m, argv) < 0)
		errx(1, "tests/room_server did not start");
	run.port = m.srv.port;
	run.version = calloc(EVENTS_MAX, sizeof *run.version);
	run.at = calloc(EVENTS_MAX, sizeof *run.at);
	if (!run.version || !run.at)
		err(1, "calloc");
	atomic_init(&run.events, 0);
	atomic_init(&run.stop, false);
	atomic_init(&run.failures, 0);
	if (pthread_create(&listener, NULL, listen_events, &run) != 0)
		errx(1, "pthread_create");
	sleep_us(200000); /* the stream is open before the first report */

	run.start = now_s();
	run.until = run.start + opt->seconds;
	for (int i = 0; i < SENDERS; i++) {
		senders[i] = (struct sender){ .run = &run,
					      .first = i * run.learners / SENDERS,
					      .count = run.learners / SENDERS };
		if (pthread_create(&threads[i], NULL, send_reports, &senders[i]) != 0)
			errx(1, "pthread_create");
	}
	for (int i = 0; i < SENDERS; i++)
		pthread_join(threads[i], NULL);
	sleep_us(500000); /* the last events on their way */
	atomic_store(&run.stop, true);
	measure_stop(&m, &cpu_s, &peak_mib);
	pthread_join(listener, NULL); /* its stream ended with the server */

	int events = atomic_load(&run.events);
	int posts = 0;
	for (int i = 0; i < SENDERS; i++) {
		for (int j = 0; j < senders[i].post_count; j++) {
			double at = event_for(&run, events, senders[i].posts[j].version);
			if (at < 0)
				lost++;
			else
				samples_add(&latency, (at - senders[i].posts[j].sent) * 1000.0);
		}
		posts += senders[i].post_count;
		free(senders[i].posts);
	}
	emit(report, "\n## The room: %d learners reporting once a second\n\n"
	     "tests/room_server with -f (saving after every change), one "
	     "listener on /events; latency from a report's POST to the event "
	     "that carries its version, at the listener.\n\n"
	     "| learners | reports/s | p50 ms | p99 ms | max ms | events | "
	     "failed or unseen | server CPU s | peak MiB |\n"
	     "|---|---|---|---|---|---|---|---|---|\n", run.learners);
	emit(report, "| %d | %.0f | %.2f | %.2f | %.2f | %d | %d | %.2f | %.1f |\n",
	     run.learners, posts / opt->seconds, samples_percentile(&latency, 50),
	     samples_percentile(&latency, 99), samples_percentile(&latency, 100),
	     events, atomic_load(&run.failures) + lost, cpu_s, peak_mib);
	samples_free(&latency);
	free(run.version);
	free(run.at);
	unlink(file);
	snprintf(file, sizeof file, "%s/room.state.key", dir);
	unlink(file);
	rmdir(dir);
}
