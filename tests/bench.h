/*
 * bench.h - what the benchmark's parts share: options, latency samples,
 * and measuring a server's CPU time and memory from /proc.
 */
#ifndef BENCH_H
#define BENCH_H

#include "spawn.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

struct bench_options {
	double seconds;  /* how long each case runs */
	bool smoke;      /* a quick run that only proves it all works */
	const char *dir; /* where results.md and the chart data go */
};

/* Latencies, in milliseconds. */
struct samples {
	double *ms;
	size_t count, cap;
};

void samples_add(struct samples *s, double ms);
void samples_merge(struct samples *into, const struct samples *from);
/* The p-th percentile (0..100); sorts the samples.  0 when empty. */
double samples_percentile(struct samples *s, double p);
void samples_free(struct samples *s);

/* Seconds on a monotonic clock, with microseconds. */
double now_s(void);

/* A server running under measurement: the CPU time of all its processes
 * (workers and children included, while they live and after they end)
 * from the moment it listens to the moment it has stopped, and its peak
 * resident memory, sampled every 20 ms.  At the start, the CPU clock of
 * each live process (clock_getcpuclockid); at the end, once the server
 * and every process it left behind have ended and been collected (the
 * bench is their subreaper), getrusage(RUSAGE_CHILDREN). */
struct measured {
	struct server srv;
	double cpu_at_start;
	pthread_t sampler;
	atomic_bool stop;
	atomic_long peak_kib;
};

/* Start argv (NULL-terminated; "-p 0" is added) and begin measuring. */
int measure_start(struct measured *m, const char *const *argv);
/* The CPU seconds the server's live processes have used so far (exact,
 * but without the processes that have ended): for a window within a
 * case, with a server of one process. */
double live_cpu_s(const struct measured *m);
/* Stop the server; report its CPU seconds and peak memory in MiB. */
void measure_stop(struct measured *m, double *cpu_s, double *peak_mib);

/* Write DIR/name.dat and, when gnuplot is installed, draw DIR/name.png
 * from it: one line per x value, one column per series. */
void write_chart(const struct bench_options *opt, const char *name,
		 const char *title, const char *ylabel, const char *xlabel,
		 const char *const *series, int nseries, const int *xs, int nx,
		 const double *values /* [nx][nseries] */);

/* printf() to stdout and to the report file alike. */
void emit(FILE *report, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

void bench_quiz(const struct bench_options *opt, FILE *report);
void bench_chat(const struct bench_options *opt, FILE *report);
void bench_game(const struct bench_options *opt, FILE *report);
void bench_room(const struct bench_options *opt, FILE *report);

#endif
