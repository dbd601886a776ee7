/*
 * harness.h - what every integration test needs: start a real server
 * binary on a free port, talk to it over loopback with time limits, stop
 * it, and run our own clients.  Nothing here mocks the network.
 */
#ifndef HARNESS_H
#define HARNESS_H

#include "spawn.h"

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Every wait in the tests is bounded; this is the usual bound: 5 s, times
 * CK_TIMEOUT_MULTIPLIER as Check's own time limits are (make asan and make
 * tsan set it to 4, as their programs run several times slower). */
#define WAIT_MS (int)(5000 * timeout_multiplier())

/* CK_TIMEOUT_MULTIPLIER, or 1 when it is unset or not a number >= 1. */
double timeout_multiplier(void);


/* Start `program` with "-p 0" and the extra arguments (NULL-terminated),
 * and wait until it prints "listening on".  Fails the test otherwise. */
void server_start(struct server *s, const char *program, ...);

/* server_start() with at most max_fds descriptors for the server. */
void server_start_with_fd_limit(struct server *s, int max_fds,
				const char *program, ...);

/* SIGTERM, then wait (bounded) for the exit.  Returns the exit status,
 * or -1 if it died by a signal or had to be killed. */
int server_stop(struct server *s);

/* What the contract promises of every server: -h prints usage and exits
 * 0, an unknown flag exits 2, connects and disconnects are logged with the
 * peer address, SIGTERM exits 0, and a restart on the same port works at
 * once (SO_REUSEADDR). */
void check_server_contract(const char *program);

/* How many times `text` is in the server's log now. */
int server_log_count(const struct server *s, const char *text);

/* Whether the server's log contains `text` at least `count` times,
 * waiting up to timeout_ms; server_log_has() is the count of 1. */
bool server_log_reaches(const struct server *s, const char *text, int count,
			int timeout_ms);
bool server_log_has(const struct server *s, const char *text, int timeout_ms);

/* The first line of the server's log that is not one whole line of its
 * own ("PROGRAM: ..." with no second "PROGRAM: " in it), or NULL if every
 * line is whole.  Free it. */
char *server_log_torn_line(const struct server *s, const char *program);

/* A TCP connection to the server on 127.0.0.1.  Fails the test if it
 * cannot connect. */
int server_connect(const struct server *s);

/* Send all of buf.  False if the connection failed. */
bool send_bytes(int fd, const void *buf, size_t len);
/* close() that sends a reset instead of a polite FIN. */
void close_with_reset(int fd);
bool send_str(int fd, const char *text);

/* Receive one line (without '\n') into buf within timeout_ms.  Returns buf,
 * or NULL on timeout, EOF or error. */
char *recv_line(int fd, char *buf, size_t cap, int timeout_ms);

/* Receive exactly len bytes within timeout_ms.  False otherwise. */
bool recv_exactly(int fd, void *buf, size_t len, int timeout_ms);

/* Whether the peer closes (EOF or reset) within timeout_ms, discarding
 * whatever else arrives. */
bool recv_closed(int fd, int timeout_ms);

/* Whether nothing at all arrives within timeout_ms (the connection stays
 * open and silent). */
bool recv_nothing(int fd, int timeout_ms);

/* Run argv with `input` on its stdin; its stdout goes to out (NUL-
 * terminated, truncated to cap).  Returns the exit status, or -1 if it
 * died by a signal or ran past timeout_ms. */
int run_program(char *const argv[], const char *input, char *out, size_t cap,
		int timeout_ms);

/* run_program() of `sh -c command`, its stderr in `out` with its stdout,
 * outside of any make that runs the tests. */
int run_shell(const char *command, char *out, size_t cap, int timeout_ms);

/* The suites, one per file. */
Suite *common_suite(void);
Suite *stage1_suite(void);
Suite *stage2_suite(void);
Suite *stage3_suite(void);
Suite *bench_suite(void);
Suite *faults_suite(void);
Suite *soak_suite(void);
Suite *valgrind_suite(void);
Suite *stage4_suite(void);
Suite *stage5_suite(void);
Suite *client_suite(void);
Suite *slides_suite(void);
Suite *exercises_suite(void);
Suite *setup_suite(void);
Suite *stagecheck_suite(void);
Suite *room_client_suite(void);
Suite *room_suite(void);

#endif
