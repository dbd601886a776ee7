/*
 * bench_game.c - stage 5's game server with 16, 64 and 256 bots (game_bot,
 * all in one process) fighting for a few seconds.  The server logs its tick
 * and send times over the run (-s as long as the run); the bots time the
 * relay of their own POS lines to each other.  The goal is about one core,
 * so the server gets one CPU to itself and the bots the others (when there
 * are others).
 */
#include "bench.h"

#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NCOUNTS 3
#define TICK_HZ 60
#define GOAL_TICK_P99 2.0 /* ms, at the most bots */

static const int game_bots[NCOUNTS] = { 16, 64, 256 };

struct run_times {
	double p50, p99, max;
};

struct game_result {
	struct run_times ticks, sends;
	double cpu_ms_per_tick, relay_p50, relay_p99;
	double peak_mib;
	long samples;
};

/* Run game_bot -n bots for `seconds` against port; its stdout goes to out
 * (one line a second: a few KiB). */
static void run_bots(int bots, double seconds, const char *port, char *out,
		     size_t cap)
{
	char count[16], duration[16];
	size_t len = 0;
	ssize_t n;
	int pipe_fds[2];

	snprintf(count, sizeof count, "%d", bots);
	snprintf(duration, sizeof duration, "%.1f", seconds);
	if (pipe(pipe_fds) < 0)
		err(1, "pipe");
	pid_t pid = fork();
	if (pid < 0)
		err(1, "fork");
	if (pid == 0) {
		die_with_parent(SIGKILL);
		dup2(pipe_fds[1], STDOUT_FILENO);
		close(pipe_fds[0]);
		execl("stage5-game/game_bot", "game_bot", "-n", count, "-d",
		      duration, "127.0.0.1", port, (char *)NULL);
		_exit(127);
	}
	close(pipe_fds[1]);
	while (len + 1 < cap &&
	       (n = read(pipe_fds[0], out + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(pipe_fds[0]);
	reap_or_kill(pid, 5000);
}

/* Times over the whole run, from the server's "ticks: ..." (or
 * "sends: ...") line: the server is started with -s as long as the run, so
 * the first such line covers it. */
static struct run_times read_times(const char *log, const char *what)
{
	struct run_times t = { 0 };
	char format[80];
	const char *line = strstr(log, what);
	long count;
	double secs;

	snprintf(format, sizeof format, "%s: %%ld in %%lf s, p50 %%lf ms, "
		 "p99 %%lf ms, max %%lf ms", what);
	if (!line || sscanf(line, format, &count, &secs, &t.p50, &t.p99,
			    &t.max) != 5)
		warnx("no \"%s:\" line in the server's log", what);
	return t;
}

/* Where this thread, and what it starts from now on, may run (see
 * compat.h: only Linux pins). */
static void run_on(pthread_t thread, enum cpu_choice which)
{
	if (run_thread_on(thread, which) < 0)
		warn("cannot pin the benchmark to CPUs");
}

static struct game_result run_case(int bots, double seconds)
{
	char report_every[16];
	const char *argv[] = { "stage5-game/game_server", "-s", report_every,
			       "-c", "256", "-t", "30", NULL };
	struct game_result r = { 0 };
	struct measured m;
	double cpu_s;

	snprintf(report_every, sizeof report_every, "%.0f", seconds);

	/* The server inherits our CPUs when started: give it its own, then
	 * move ourselves, the memory sampler and the bots to come away. */
	run_on(pthread_self(), CPUS_FIRST);
	if (measure_start(&m, argv) < 0)
		errx(1, "cannot start the game server");
	run_on(pthread_self(), CPUS_OTHERS);
	run_on(m.sampler, CPUS_OTHERS);
	static char bot_output[65536];
	double start = now_s();
	run_bots(bots, seconds, m.srv.port_text, bot_output, sizeof bot_output);
	double elapsed = now_s() - start;
	char *log = server_log(&m.srv);
	if (log) {
		r.ticks = read_times(log, "ticks");
		r.sends = read_times(log, "sends");
	}
	const char *summary = strstr(bot_output, "relay latency over");
	if (!summary ||
	    sscanf(summary, "relay latency over the run: p50 %lf ms p99 %lf ms, %ld",
		   &r.relay_p50, &r.relay_p99, &r.samples) != 3)
		warnx("%d bots: no relay latency from game_bot", bots);
	measure_stop(&m, &cpu_s, &r.peak_mib);
	run_on(pthread_self(), CPUS_AT_START);
	r.cpu_ms_per_tick = cpu_s * 1000.0 / (elapsed * TICK_HZ);
	free(log);
	return r;
}

void bench_game(const struct bench_options *opt, FILE *report)
{
	double p99s[NCOUNTS][2];
	const char *const series[] = { "tick p99 (ms)", "send round p99 (ms)" };
	struct game_result r = { 0 };

	emit(report, "## Game: stage 5 at %d Hz, bots fighting\n\n"
		     "%.0f s per case; the server on CPU 0 alone, the bots on "
		     "the other CPUs. Tick and send-round times over the run, "
		     "from the server's own log: a tick from the simulation "
		     "thread waking to it letting go of the lock, a round from "
		     "the sender taking the outboxes to its last send(). Relay "
		     "latency from a bot's POS leaving to another bot reading "
		     "it.\n\n"
		     "| bots | tick p50 ms | tick p99 ms | tick max ms | "
		     "send round p50 ms | send round p99 ms | "
		     "server CPU ms per tick | POS relay p50 ms | "
		     "POS relay p99 ms | peak memory MiB |\n"
		     "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
	     TICK_HZ, opt->seconds);
	for (int c = 0; c < NCOUNTS; c++) {
		r = run_case(game_bots[c], opt->seconds);
		p99s[c][0] = r.ticks.p99;
		p99s[c][1] = r.sends.p99;
		emit(report, "| %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.3f | "
			     "%.2f | %.2f | %.1f |\n",
		     game_bots[c], r.ticks.p50, r.ticks.p99, r.ticks.max,
		     r.sends.p50, r.sends.p99, r.cpu_ms_per_tick, r.relay_p50,
		     r.relay_p99, r.peak_mib);
	}
	/* r is the last case: the most bots. */
	emit(report, "\nGoal: %d players, tick p99 under %.0f ms on one core: "
		     "%s (%.2f ms).\n\n", game_bots[NCOUNTS - 1], GOAL_TICK_P99,
	     r.ticks.p99 < GOAL_TICK_P99 ? "met" : "not met", r.ticks.p99);
	write_chart(opt, "game", "Game server over the run (p99)", "ms",
		    "bots", series, 2, game_bots, NCOUNTS, &p99s[0][0]);
}
