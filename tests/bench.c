/*
 * bench - the workshop's server designs measured side by side, on loopback,
 * the way Stevens measured his (Unix Network Programming, chapter 30).
 *
 *   tests/bench [-s] [-o DIR] [quiz] [chat] [game] [room]
 *
 * -s is the smoke run (a second per case) that `make test` uses so that
 * the benchmark cannot rot.  The tables go to stdout and to DIR/results.md
 * (default tests/results), the chart data to DIR/NAME.dat and, when gnuplot
 * is installed, the charts to DIR/NAME.png.  Every server runs on a free port
 * of 127.0.0.1 and is stopped again after its case.
 */
#include "bench.h"

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- Samples ------------------------------------------------------------ */

void samples_add(struct samples *s, double ms)
{
	if (s->count == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;
		double *grown = realloc(s->ms, cap * sizeof *grown);
		if (!grown)
			err(1, "realloc");
		s->ms = grown;
		s->cap = cap;
	}
	s->ms[s->count++] = ms;
}

void samples_merge(struct samples *into, const struct samples *from)
{
	for (size_t i = 0; i < from->count; i++)
		samples_add(into, from->ms[i]);
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double samples_percentile(struct samples *s, double p)
{
	if (s->count == 0)
		return 0;
	qsort(s->ms, s->count, sizeof *s->ms, by_value);
	size_t i = (size_t)(p / 100.0 * (double)(s->count - 1) + 0.5);
	return s->ms[i];
}

void samples_free(struct samples *s)
{
	free(s->ms);
	*s = (struct samples){ 0 };
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- A server's memory, sampled ----------------------------------------- */

static void *sample_memory(void *arg)
{
	struct measured *m = arg;
	long page_kib = sysconf(_SC_PAGESIZE) / 1024;

	while (!atomic_load(&m->stop)) {
		long kib = tree_usage(m->srv.pid).rss_pages * page_kib;
		if (kib > atomic_load(&m->peak_kib))
			atomic_store(&m->peak_kib, kib);
		sleep_us(20000);
	}
	return NULL;
}

/* ---- A server's CPU time, all of its processes ---------------------------- */

/* CPU seconds one process has used, all its threads together, ended ones
 * too: its CPU-time clock, to the nanosecond.  0 if it has just ended. */
static double process_cpu_s(pid_t pid)
{
	clockid_t clock;
	struct timespec ts;

	if (clock_getcpuclockid(pid, &clock) != 0 ||
	    clock_gettime(clock, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What pid and its live descendants have used so far. */
static double live_tree_cpu_s(pid_t pid)
{
	pid_t children[1024];
	double cpu = process_cpu_s(pid);
	int n = children_of(pid, children, 1024);

	for (int i = 0; i < n; i++)
		cpu += live_tree_cpu_s(children[i]);
	return cpu;
}

/* What our ended and collected children have used: the server, and the
 * processes of its that were collected by it or by us. */
static double children_cpu_s(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_CHILDREN, &ru) < 0)
		err(1, "getrusage");
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Collect the server's processes that it left behind when it stopped
 * (pre-forked workers, the children of quiz_fork): they end on their
 * own (PR_SET_PDEATHSIG), and as the subreaper we are their parent now. */
static void collect_orphans(void)
{
	double deadline = now_s() + 5;

	while (now_s() < deadline) {
		pid_t pid = waitpid(-1, NULL, WNOHANG);
		if (pid < 0 && errno == ECHILD)
			return;
		if (pid == 0)
			sleep_us(10000);
	}
	warnx("a server's process did not end: its CPU is not counted");
}

double live_cpu_s(const struct measured *m)
{
	return live_tree_cpu_s(m->srv.pid);
}

int measure_start(struct measured *m, const char *const *argv)
{
	char *args[32] = { (char *)argv[0], "-p", "0" };
	int n = 3;

	for (int i = 1; argv[i] && n < 31; i++)
		args[n++] = (char *)argv[i];
	m->cpu_at_start = children_cpu_s();
	if (spawn_server(&m->srv, args, 5000, 0) < 0)
		return -1;
	atomic_init(&m->stop, false);
	atomic_init(&m->peak_kib, 0);
	/* Starting up is not part of the measurement. */
	m->cpu_at_start += live_tree_cpu_s(m->srv.pid);
	if (pthread_create(&m->sampler, NULL, sample_memory, m) != 0)
		errx(1, "pthread_create");
	return 0;
}

void measure_stop(struct measured *m, double *cpu_s, double *peak_mib)
{
	atomic_store(&m->stop, true);
	pthread_join(m->sampler, NULL);
	*peak_mib = (double)atomic_load(&m->peak_kib) / 1024.0;
	if (stop_server(&m->srv, 5000) != 0)
		warnx("%d did not stop cleanly", (int)m->srv.pid);
	collect_orphans();
	*cpu_s = children_cpu_s() - m->cpu_at_start;
	unlink(m->srv.log_path);
}

/* ---- Charts ------------------------------------------------------------- */

void write_chart(const struct bench_options *opt, const char *name,
		 const char *title, const char *ylabel, const char *xlabel,
		 const char *const *series, int nseries, const int *xs, int nx,
		 const double *values)
{
	char path[512];

	snprintf(path, sizeof path, "%s/%s.dat", opt->dir, name);
	FILE *dat = fopen(path, "w");
	if (!dat)
		err(1, "%s", path);
	for (int i = 0; i < nx; i++) {
		fprintf(dat, "%d", xs[i]);
		for (int j = 0; j < nseries; j++)
			fprintf(dat, " %.6g", values[i * nseries + j]);
		fputc('\n', dat);
	}
	fclose(dat);
	if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
		warnx("gnuplot is not installed: no %s/%s.png", opt->dir, name);
		return;
	}
	FILE *plot = popen("gnuplot", "w");
	if (!plot)
		err(1, "gnuplot");
	fprintf(plot,
		"set terminal pngcairo size 800,450 font 'sans,11'\n"
		"set output '%s/%s.png'\n"
		"set title '%s'\nset ylabel '%s'\nset xlabel '%s'\n"
		"set style data histograms\nset style histogram clustered\n"
		"set style fill solid 0.8 border -1\nset key top left\n"
		"set grid ytics\nset yrange [0:*]\nplot ",
		opt->dir, name, title, ylabel, xlabel);
	for (int j = 0; j < nseries; j++)
		fprintf(plot, "%s'%s' using %d%s title '%s'", j ? ", " : "",
			path, j + 2, j ? "" : ":xtic(1)", series[j]);
	fputc('\n', plot);
	if (pclose(plot) != 0)
		warnx("gnuplot failed on %s", path);
}

void emit(FILE *report, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	vfprintf(stdout, format, ap);
	va_end(ap);
	va_start(ap, format);
	vfprintf(report, format, ap);
	va_end(ap);
	fflush(stdout);
}

/* ---- Main --------------------------------------------------------------- */

static void describe_machine(FILE *out)
{
	struct utsname u;
	char line[256], model[256] = "unknown CPU";
	FILE *cpu = fopen("/proc/cpuinfo", "r");

	while (cpu && fgets(line, sizeof line, cpu))
		if (sscanf(line, "model name : %255[^\n]", model) == 1)
			break;
	if (cpu)
		fclose(cpu);
	if (uname(&u) < 0)
		strcpy(u.release, "?");
	fprintf(out, "Machine: %ld cores, %s, Linux %s.\n\n",
		sysconf(_SC_NPROCESSORS_ONLN), model, u.release);
}

/* Whether the command line asks for `part` (no parts named: all of them). */
static bool wanted(int argc, char **argv, const char *part)
{
	for (int i = optind; i < argc; i++)
		if (strcmp(argv[i], part) == 0)
			return true;
	return optind == argc;
}

int main(int argc, char **argv)
{
	struct bench_options opt = { .seconds = 4.0, .dir = "tests/results" };
	char path[512];
	int c;

	while ((c = getopt(argc, argv, "so:h")) != -1) {
		if (c == 's') {
			opt.seconds = 1.0;
			opt.smoke = true;
		} else if (c == 'o') {
			opt.dir = optarg;
		} else {
			fprintf(c == 'h' ? stdout : stderr,
				"usage: bench [-s] [-o DIR] [quiz] [chat] [game] [room]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	signal(SIGPIPE, SIG_IGN); /* a server that drops us must not kill us */
	/* A server's processes that outlive it become ours, so that we can
	 * collect them and count their CPU time (Linux). */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		err(1, "prctl");
	if (mkdir(opt.dir, 0755) < 0 && errno != EEXIST)
		err(1, "%s", opt.dir);
	snprintf(path, sizeof path, "%s/results.md", opt.dir);
	FILE *report = fopen(path, "w");
	if (!report)
		err(1, "%s", path);
	describe_machine(report);
	if (wanted(argc, argv, "quiz"))
		bench_quiz(&opt, report);
	if (wanted(argc, argv, "chat"))
		bench_chat(&opt, report);
	if (wanted(argc, argv, "game"))
		bench_game(&opt, report);
	if (wanted(argc, argv, "room"))
		bench_room(&opt, report);
	fclose(report);
	return 0;
}
