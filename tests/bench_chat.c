/*
 * bench_chat.c - stage 4's chat server, N users in the lobby, each line
 * delivered to all N.  Twice:
 *
 * - the fan-out itself: the flood limit off (-f 0), lines sent as fast as
 *   the room takes them (at most WINDOW lines on their way at once, so
 *   that no reader falls behind and is dropped): deliveries per second
 *   and the server's CPU per delivery;
 * - the delay: 100 users each talking at the flood limit, 20 lines a
 *   second (2000 lines, 200 000 deliveries a second): p50 and p99 from a
 *   line's send to its receipt.
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

#define NCOUNTS 3
#define WINDOW 32           /* fan-out: lines sent but not yet delivered */
#define DELAY_USERS 100
#define DELAY_LINES_EACH 20 /* a second: the server's flood limit */

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
	double lines_per_s;  /* 0: as fast as the window allows */
	atomic_long sent;
	atomic_long delivered;
	atomic_int send_failures;
};

/* Wait until fewer than WINDOW lines are on their way to everyone. */
static void wait_for_window(struct chat_run *run, long sent)
{
	while ((sent - WINDOW) * run->count >= atomic_load(&run->delivered) &&
	       now_s() < run->until)
		sleep_us(50);
}

/* Send the lines, round robin over the users, each carrying its send
 * time in microseconds since the start. */
static void *send_lines(void *arg)
{
	struct chat_run *run = arg;
	char line[64];

	for (long i = 0; now_s() < run->until; i++) {
		if (run->lines_per_s > 0) {
			double wait = run->start + (double)i / run->lines_per_s -
				      now_s();
			if (wait > 0)
				sleep_us((long)(wait * 1e6));
		} else {
			wait_for_window(run, i);
		}
		snprintf(line, sizeof line, "b %.0f\n",
			 (now_s() - run->start) * 1e6);
		if (send_text(run->users[i % run->count].fd, line) < 0)
			atomic_fetch_add(&run->send_failures, 1);
		atomic_store(&run->sent, i + 1);
	}
	return NULL;
}

/* Read every line that has arrived for u; count and time ours. */
static int receive(struct chat_run *run, struct user *u, struct samples *lat)
{
	char *line, *mark;
	ssize_t n;

	while ((n = read_line(&u->reader, &line)) >= 0 || n == LINE_TOO_LONG) {
		if (n >= 0 && (mark = strstr(line, ": b ")) != NULL) {
			double sent_us = strtod(mark + 4, NULL);
			atomic_fetch_add(&run->delivered, 1);
			if (lat)
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
	double per_second, cpu_us_per_delivery, p50, p99, peak_mib;
	int lost;
};

/* count users, lines_per_s in all (0: the fan-out's window), for `seconds`.
 * flood: the server's -f. */
static struct chat_result run_case(int count, double lines_per_s,
				   const char *flood, double seconds)
{
	const char *argv[] = { "stage4-chat/chat_server", "-c", "1000", "-f",
			       flood, NULL };
	struct chat_run run = { .count = count, .lines_per_s = lines_per_s };
	struct pollfd *polls = calloc((size_t)count, sizeof *polls);
	struct chat_result res = { 0 };
	struct samples lat = { 0 };
	struct measured m;
	pthread_t sender;
	double cpu;

	run.users = calloc((size_t)count, sizeof *run.users);
	if (!polls || !run.users || measure_start(&m, argv) < 0 ||
	    connect_users(&run, m.srv.port_text) < 0)
		errx(1, "cannot set up %d chat users", count);
	for (int i = 0; i < count; i++)
		polls[i] = (struct pollfd){ .fd = run.users[i].fd,
					    .events = POLLIN };
	/* Let every greeting arrive: the joins are not measured. */
	sleep_us(200000);
	for (int i = 0; i < count; i++)
		receive(&run, &run.users[i], NULL);
	atomic_store(&run.delivered, 0);
	double cpu_before = live_cpu_s(&m);
	run.start = now_s();
	run.until = run.start + seconds;
	if (pthread_create(&sender, NULL, send_lines, &run) != 0)
		errx(1, "pthread_create");
	/* Keep reading until every line has come, or half a second past the
	 * end, for stragglers. */
	while (now_s() < run.until + 0.5 &&
	       (now_s() < run.until ||
		atomic_load(&run.delivered) < atomic_load(&run.sent) * count) &&
	       poll(polls, (nfds_t)count, 100) >= 0)
		for (int i = 0; i < count; i++)
			if (polls[i].revents &&
			    receive(&run, &run.users[i],
				    lines_per_s > 0 ? &lat : NULL) < 0) {
				res.lost++;
				polls[i].fd = -1;
			}
	double elapsed = now_s() - run.start;
	pthread_join(sender, NULL);
	cpu = live_cpu_s(&m) - cpu_before;
	double spent_s;
	measure_stop(&m, &spent_s, &res.peak_mib);
	long delivered = atomic_load(&run.delivered);
	res.per_second = (double)delivered / elapsed;
	res.cpu_us_per_delivery = delivered ? cpu * 1e6 / (double)delivered : 0;
	res.p50 = samples_percentile(&lat, 50);
	res.p99 = samples_percentile(&lat, 99);
	res.lost += atomic_load(&run.send_failures);
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
		     "### The fan-out, flood limit off (`-f 0`)\n\n"
		     "%.0f s per case; lines sent as fast as the room takes "
		     "them (at most %d on their way), each delivered to every "
		     "user.  Server CPU from the first line to the last "
		     "delivery.\n\n"
		     "| users | deliveries/s | server CPU µs per delivery | "
		     "peak memory MiB | users lost |\n"
		     "|---:|---:|---:|---:|---:|\n",
	     opt->seconds, WINDOW);
	for (int c = 0; c < NCOUNTS; c++) {
		struct chat_result r = run_case(chat_users[c], 0, "0",
						opt->seconds);
		rate[c] = r.per_second;
		emit(report, "| %d | %.0f | %.2f | %.1f | %d |\n",
		     chat_users[c], r.per_second, r.cpu_us_per_delivery,
		     r.peak_mib, r.lost);
	}
	emit(report, "\n### The delay, everyone talking at the flood limit\n\n"
		     "%.0f s; %d users, each sending %d lines a second (the "
		     "default limit), %d deliveries a second offered.\n\n"
		     "| users | lines/s each | deliveries/s | p50 ms | p99 ms | "
		     "server CPU µs per delivery | users lost |\n"
		     "|---:|---:|---:|---:|---:|---:|---:|\n",
	     opt->seconds, DELAY_USERS, DELAY_LINES_EACH,
	     DELAY_USERS * DELAY_USERS * DELAY_LINES_EACH);
	struct chat_result r = run_case(DELAY_USERS,
					DELAY_USERS * DELAY_LINES_EACH, "20",
					opt->seconds);
	emit(report, "| %d | %d | %.0f | %.2f | %.2f | %.2f | %d |\n\n",
	     DELAY_USERS, DELAY_LINES_EACH, r.per_second, r.p50, r.p99,
	     r.cpu_us_per_delivery, r.lost);
	write_chart(opt, "chat", "Chat deliveries per second, flood limit off",
		    "deliveries/s", "users in the room", series, 1, chat_users,
		    NCOUNTS, rate);
}
