/*
 * spawn.h - start a server binary on a free port and stop it again, for
 * the tests and the benchmark alike (no Check here).
 */
#ifndef SPAWN_H
#define SPAWN_H

#include "compat.h"

#include <sys/types.h>

struct server {
	pid_t pid;
	int port;
	char port_text[12]; /* the port, for a client's command line */
	char log_path[64]; /* the server's stderr */
};

/* Milliseconds on a monotonic clock. */
long long now_ms(void);

/* Start argv[0] with argv (NULL-terminated), its stderr going to a new log
 * file, and wait up to timeout_ms for its "listening on" line.  max_fds > 0
 * limits the descriptors it may open (RLIMIT_NOFILE).  Returns 0, or -1
 * after printing why. */
int spawn_server(struct server *s, char **argv, int timeout_ms, int max_fds);

/* Everything the server has written to its log, NUL-terminated (free it),
 * or NULL. */
char *server_log(const struct server *s);

/* waitpid() with a time limit; past it, SIGKILL.  Returns the status, or
 * -1 if the process had to be killed. */
int reap_or_kill(pid_t pid, int timeout_ms);

/* SIGTERM, then reap_or_kill().  Returns the exit status, or -1 if the
 * server died by a signal or had to be killed.  The log stays. */
int stop_server(struct server *s, int timeout_ms);

/* The pids of pid's live children (of all its threads), at most max of
 * them, from /proc.  Returns how many. */
int children_of(pid_t pid, pid_t *out, int max);

/* What a process and its live descendants use, from /proc. */
struct usage {
	long long ticks; /* user + system CPU, in clock ticks (sysconf
			  * _SC_CLK_TCK a second), ended children included */
	long rss_pages;  /* resident memory */
};

struct usage tree_usage(pid_t pid);

/* Open descriptors and threads of a process and its live descendants. */
int tree_fds(pid_t pid);
int tree_threads(pid_t pid);

#endif
