/*
 * bench_game.c - stage 5's game server with 16, 64 and 256 bots (game_bot,
 * all in one process) fighting for a few seconds.  The server logs its tick
 * times every second (-s 1); the bots time the relay of their own POS lines
 * to each other.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define NCOUNTS 3
#define TICK_HZ 60

static const int game_bots[NCOUNTS] = { 16, 64, 256 };

struct game_result {
	double tick_p50, tick_p99, cpu_ms_per_tick, relay_p50, relay_p99;
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
		prctl(PR_SET_PDEATHSIG, SIGKILL);
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

/* From the server's "ticks: ..." lines: the median of the per-second p50s
 * and the worst per-second p99. */
static void read_tick_times(const char *log, struct game_result *r)
{
	struct samples p50s = { 0 };

	for (const char *p = strstr(log, "ticks: "); p;
	     p = strstr(p + 1, "ticks: ")) {
		long ticks;
		double secs, p50, p99;
		if (sscanf(p, "ticks: %ld in %lf s, p50 %lf ms, p99 %lf ms",
			   &ticks, &secs, &p50, &p99) != 4)
			continue;
		samples_add(&p50s, p50);
		if (p99 > r->tick_p99)
			r->tick_p99 = p99;
	}
	r->tick_p50 = samples_percentile(&p50s, 50);
	samples_free(&p50s);
}

static struct game_result run_case(int bots, double seconds)
{
	const char *argv[] = { "stage5-game/game_server", "-s", "1", "-c",
			       "256", "-t", "30", NULL };
	struct game_result r = { 0 };
	struct measured m;
	double cpu_s;

	if (measure_start(&m, argv) < 0)
		errx(1, "cannot start the game server");
	static char bot_output[65536];
	double start = now_s();
	run_bots(bots, seconds, m.srv.port_text, bot_output, sizeof bot_output);
	double elapsed = now_s() - start;
	char *log = server_log(&m.srv);
	if (log)
		read_tick_times(log, &r);
	const char *summary = strstr(bot_output, "relay latency over");
	if (!summary ||
	    sscanf(summary, "relay latency over the run: p50 %lf ms p99 %lf ms, %ld",
		   &r.relay_p50, &r.relay_p99, &r.samples) != 3)
		warnx("%d bots: no relay latency from game_bot", bots);
	measure_stop(&m, &cpu_s, &r.peak_mib);
	r.cpu_ms_per_tick = cpu_s * 1000.0 / (elapsed * TICK_HZ);
	free(log);
	return r;
}

void bench_game(const struct bench_options *opt, FILE *report)
{
	double p99[NCOUNTS];
	const char *const series[] = { "tick p99 (ms)" };

	emit(report, "## Game: stage 5 at %d Hz, bots fighting\n\n"
		     "%.0f s per case. Tick times from the server's own log "
		     "(median of the per-second p50s, worst per-second p99); "
		     "relay latency from a bot's POS leaving to another bot "
		     "reading it.\n\n"
		     "| bots | tick p50 ms | tick p99 ms | server CPU ms per tick | "
		     "POS relay p50 ms | POS relay p99 ms | peak memory MiB |\n"
		     "|---:|---:|---:|---:|---:|---:|---:|\n",
	     TICK_HZ, opt->seconds);
	for (int c = 0; c < NCOUNTS; c++) {
		struct game_result r = run_case(game_bots[c], opt->seconds);
		p99[c] = r.tick_p99;
		emit(report, "| %d | %.2f | %.2f | %.3f | %.2f | %.2f | %.1f |\n",
		     game_bots[c], r.tick_p50, r.tick_p99, r.cpu_ms_per_tick,
		     r.relay_p50, r.relay_p99, r.peak_mib);
	}
	emit(report, "\n");
	write_chart(opt, "game", "Game server tick time, worst second (p99)",
		    "ms", "bots", series, 1, game_bots, NCOUNTS, p99);
}
