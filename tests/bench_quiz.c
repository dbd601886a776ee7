/*
 * bench_quiz.c - the quiz servers of stages 2 and 3 under the same load:
 * C clients, each running quiz sessions back to back (connect, read the
 * question, answer, read the verdict), for a fixed time.  Twice: with
 * clients that answer at once, and with clients that think for 10 ms
 * first, the way a person (or a slow network) makes a server wait.
 */
#include "bench.h"
#include "net.h"

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const quiz_servers[] = {
	"stage2-quiz/quiz_server",
	"stage3-concurrent/quiz_fork",
	"stage3-concurrent/quiz_prefork",
	"stage3-concurrent/quiz_thread",
};
static const char *const quiz_names[] = { "iterative", "fork", "prefork",
					  "thread" };
static const int quiz_clients[] = { 1, 10, 100 };

#define NSERVERS 4
#define NCOUNTS 3

struct quiz_client {
	pthread_t thread;
	const char *port;
	int think_ms;
	double until;
	struct samples latency;
	int failures;
};

/* One session; its latency in ms, or -1 if anything went wrong. */
static double quiz_session(const char *port, int think_ms)
{
	double start = now_s();
	char buf[128], answer[16], *line;
	struct line_reader r;
	int a, b, ok = 0;

	int fd = connect_to("127.0.0.1", port);
	if (fd < 0)
		return -1;
	set_timeout(fd, 10);
	line_reader_init(&r, fd, buf, sizeof buf);
	if (read_line(&r, &line) > 0 && sscanf(line, "%d+%d", &a, &b) == 2) {
		snprintf(answer, sizeof answer, "%d\n", a + b);
		sleep_us((long)think_ms * 1000);
		ok = send_text(fd, answer) == 0 && read_line(&r, &line) > 0 &&
		     strcmp(line, "yes") == 0;
	}
	close(fd);
	return ok ? (now_s() - start) * 1000.0 : -1;
}

static void *quiz_client_thread(void *arg)
{
	struct quiz_client *c = arg;

	while (now_s() < c->until) {
		double ms = quiz_session(c->port, c->think_ms);
		if (ms < 0)
			c->failures++;
		else
			samples_add(&c->latency, ms);
	}
	return NULL;
}

struct quiz_result {
	double per_second, p50, p99, cpu_per_1000, peak_mib;
	int failures;
};

static struct quiz_result run_case(const char *program, int nclients,
				   int think_ms, double seconds)
{
	const char *argv[] = { program, "-t", "10", NULL };
	struct quiz_client *clients = calloc((size_t)nclients, sizeof *clients);
	struct quiz_result res = { 0 };
	struct samples all = { 0 };
	struct measured m;
	double cpu;

	if (!clients || measure_start(&m, argv) < 0)
		errx(1, "cannot start %s", program);
	double start = now_s();
	for (int i = 0; i < nclients; i++) {
		clients[i].port = m.srv.port_text;
		clients[i].think_ms = think_ms;
		clients[i].until = start + seconds;
		if (pthread_create(&clients[i].thread, NULL, quiz_client_thread,
				   &clients[i]) != 0)
			errx(1, "pthread_create");
	}
	for (int i = 0; i < nclients; i++) {
		pthread_join(clients[i].thread, NULL);
		samples_merge(&all, &clients[i].latency);
		samples_free(&clients[i].latency);
		res.failures += clients[i].failures;
	}
	double elapsed = now_s() - start;
	measure_stop(&m, &cpu, &res.peak_mib);
	res.per_second = (double)all.count / elapsed;
	res.p50 = samples_percentile(&all, 50);
	res.p99 = samples_percentile(&all, 99);
	res.cpu_per_1000 = all.count ? cpu * 1000.0 / (double)all.count : 0;
	samples_free(&all);
	free(clients);
	return res;
}

/* "x / base" as text, or "n/a" when base is too small to divide by (CPU
 * time is counted in 10 ms ticks). */
static void ratio(char out[16], double x, double base)
{
	if (base > 0)
		snprintf(out, 16, "%.2f", x / base);
	else
		snprintf(out, 16, "n/a");
}

static void quiz_table(const struct bench_options *opt, FILE *report,
		       int think_ms, const char *chart)
{
	struct quiz_result r[NCOUNTS][NSERVERS];
	double rate[NCOUNTS][NSERVERS], cpu[NCOUNTS][NSERVERS];
	char title[128];

	emit(report, "### Clients that answer after %d ms\n\n"
		     "| server | clients | sessions/s | × iterative | p50 ms | "
		     "p99 ms | CPU s per 1000 sessions | × iterative | "
		     "peak memory MiB | failed |\n"
		     "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
	     think_ms);
	for (int c = 0; c < NCOUNTS; c++) {
		for (int s = 0; s < NSERVERS; s++) {
			r[c][s] = run_case(quiz_servers[s], quiz_clients[c],
					   think_ms, opt->seconds);
			const struct quiz_result *x = &r[c][s], *base = &r[c][0];
			rate[c][s] = x->per_second;
			cpu[c][s] = x->cpu_per_1000;
			char rate_ratio[16], cpu_ratio[16];
			ratio(rate_ratio, x->per_second, base->per_second);
			ratio(cpu_ratio, x->cpu_per_1000, base->cpu_per_1000);
			emit(report,
			     "| %s | %d | %.0f | %s | %.2f | %.2f | %.3f | "
			     "%s | %.1f | %d |\n",
			     quiz_names[s], quiz_clients[c], x->per_second,
			     rate_ratio, x->p50, x->p99, x->cpu_per_1000,
			     cpu_ratio, x->peak_mib, x->failures);
		}
	}
	emit(report, "\n");
	snprintf(title, sizeof title,
		 "Quiz sessions per second, clients answering after %d ms",
		 think_ms);
	write_chart(opt, chart, title, "sessions/s", "concurrent clients",
		    quiz_names, NSERVERS, quiz_clients, NCOUNTS, &rate[0][0]);
	if (think_ms == 0)
		write_chart(opt, "quiz-cpu", "Server CPU per 1000 quiz sessions",
			    "CPU seconds", "concurrent clients", quiz_names,
			    NSERVERS, quiz_clients, NCOUNTS, &cpu[0][0]);
}

void bench_quiz(const struct bench_options *opt, FILE *report)
{
	emit(report, "## Quiz: stage 2 (iterative) and the stage 3 models\n\n"
		     "%.0f s per case; ratios against the iterative server with "
		     "the same clients.\n\n",
	     opt->seconds);
	quiz_table(opt, report, 0, "quiz");
	quiz_table(opt, report, 10, "quiz-think");
}
