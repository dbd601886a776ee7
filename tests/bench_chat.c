/*
 * bench_chat.c - stage 4's chat server under a steady stream of lines: N
 * users in the lobby, 100 lines a second among them, each line delivered
 * to all N.  Measures deliveries per second and the delay from send to
 * receipt.
 */
#include "bench.h"
#include "net.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OFFERED_LINES 100 /* per second, all users together */
#define NCOUNTS 3

static const int chat_users[NCOUNTS] = { 10, 100, 500 };

struct user {
	int fd;
	struct line_reader reader;
	char buf[2048];
};

struct chat_run {
	struct user *users;
	int count;
	double start, until;
	atomic_int send_failures;
};

/* Send the lines, round robin over the users, at OFFERED_LINES a second.
 * Each carries its send time, in microseconds since the start. */
static void *send_lines(void *arg)
{
	struct chat_run *run = arg;
	char line[64];

	for (long i = 0;; i++) {
		double at = run->start + (double)i / OFFERED_LINES;
		if (at >= run->until)
			break;
		double wait = at - now_s();
		if (wait > 0)
			sleep_us((long)(wait * 1e6));
		snprintf(line, sizeof line, "bench %.0f\n",
			 (now_s() - run->start) * 1e6);
		if (send_text(run->users[i % run->count].fd, line) < 0)
			atomic_fetch_add(&run->send_failures, 1);
	}
	return NULL;
}

/* Read every line that has arrived for u; count and time ours. */
static int receive(struct chat_run *run, struct user *u, struct samples *lat)
{
	char *line, *mark;
	ssize_t n;

	while ((n = read_line(&u->reader, &line)) >= 0 || n == LINE_TOO_LONG) {
		if (n >= 0 && (mark = strstr(line, ": bench ")) != NULL) {
			double sent_us = strtod(mark + 8, NULL);
			samples_add(lat, (now_s() - run->start) * 1e3 -
						 sent_us / 1e3);
		}
	}
	return n == LINE_EOF || errno != EAGAIN ? -1 : 0;
}

static int connect_users(struct chat_run *run, const char *port)
{
	for (int i = 0; i < run->count; i++) {
		struct user *u = &run->users[i];
		u->fd = connect_to("127.0.0.1", port);
		if (u->fd < 0)
			return -1;
		/* poll() says when to read; a read that would block returns
		 * EAGAIN instead of stalling the other users. */
		if (fcntl(u->fd, F_SETFL, O_NONBLOCK) < 0)
			return -1;
		line_reader_init(&u->reader, u->fd, u->buf, sizeof u->buf);
	}
	return 0;
}

struct chat_result {
	double per_second, p50, p99, cpu_s, peak_mib;
	int dropped;
};

static struct chat_result run_case(int count, double seconds)
{
	const char *argv[] = { "stage4-chat/chat_server", "-c", "1000", NULL };
	struct chat_run run = { .count = count };
	struct pollfd *polls = calloc((size_t)count, sizeof *polls);
	struct chat_result res = { 0 };
	struct samples lat = { 0 };
	struct measured m;
	pthread_t sender;

	run.users = calloc((size_t)count, sizeof *run.users);
	if (!polls || !run.users || measure_start(&m, argv) < 0 ||
	    connect_users(&run, m.srv.port_text) < 0)
		errx(1, "cannot set up %d chat users", count);
	for (int i = 0; i < count; i++)
		polls[i] = (struct pollfd){ .fd = run.users[i].fd,
					    .events = POLLIN };
	sleep_us(200000); /* let every greeting arrive before timing */
	run.start = now_s();
	run.until = run.start + seconds;
	if (pthread_create(&sender, NULL, send_lines, &run) != 0)
		errx(1, "pthread_create");
	/* Keep reading half a second past the last line, for stragglers. */
	while (now_s() < run.until + 0.5 && poll(polls, (nfds_t)count, 100) >= 0)
		for (int i = 0; i < count; i++)
			if (polls[i].revents && receive(&run, &run.users[i], &lat) < 0) {
				res.dropped++;
				polls[i].fd = -1;
			}
	pthread_join(sender, NULL);
	measure_stop(&m, &res.cpu_s, &res.peak_mib);
	res.per_second = (double)lat.count / seconds;
	res.p50 = samples_percentile(&lat, 50);
	res.p99 = samples_percentile(&lat, 99);
	res.dropped += atomic_load(&run.send_failures);
	for (int i = 0; i < count; i++)
		close(run.users[i].fd);
	samples_free(&lat);
	free(run.users);
	free(polls);
	return res;
}

void bench_chat(const struct bench_options *opt, FILE *report)
{
	double rate[NCOUNTS];
	const char *const series[] = { "deliveries/s" };

	emit(report, "## Chat: stage 4, one room\n\n"
		     "%.0f s per case, %d lines a second in all, each delivered "
		     "to every user.\n\n"
		     "| users | deliveries/s | p50 ms | p99 ms | server CPU s | "
		     "peak memory MiB | users lost |\n"
		     "|---:|---:|---:|---:|---:|---:|---:|\n",
	     opt->seconds, OFFERED_LINES);
	for (int c = 0; c < NCOUNTS; c++) {
		struct chat_result r = run_case(chat_users[c], opt->seconds);
		rate[c] = r.per_second;
		emit(report, "| %d | %.0f | %.2f | %.2f | %.2f | %.1f | %d |\n",
		     chat_users[c], r.per_second, r.p50, r.p99, r.cpu_s,
		     r.peak_mib, r.dropped);
	}
	emit(report, "\n");
	write_chart(opt, "chat", "Chat deliveries per second", "deliveries/s",
		    "users in the room", series, 1, chat_users, NCOUNTS, rate);
}
