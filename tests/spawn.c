/*
 * spawn.c - start a server binary on a free port and stop it again.
 * See spawn.h.
 */
#include "spawn.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

char *server_log(const struct server *s)
{
	FILE *f = fopen(s->log_path, "r");
	char *text = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	FILE *mem = open_memstream(&text, &len);
	char buf[4096];
	size_t n;
	while (mem && (n = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, n, mem);
	fclose(f);
	if (mem)
		fclose(mem);
	return text;
}

static int port_from_log(const struct server *s)
{
	char *log = server_log(s);
	char *line = log ? strstr(log, "listening on") : NULL;
	char *end = line ? strchr(line, '\n') : NULL;
	int port = -1;

	if (end) {
		*end = '\0';
		port = atoi(strrchr(line, ':') + 1);
	}
	free(log);
	return port;
}

static void exec_server(const char *log_path, char **argv, int max_fds)
{
	int log = open(log_path, O_WRONLY | O_APPEND);
	struct rlimit fds = { .rlim_cur = (rlim_t)max_fds,
			      .rlim_max = (rlim_t)max_fds };

	/* If the test dies, take the server with it. */
	die_with_parent(SIGKILL);
	if (log < 0 || dup2(log, STDERR_FILENO) < 0)
		_exit(127);
	if (max_fds > 0 && setrlimit(RLIMIT_NOFILE, &fds) < 0)
		_exit(127);
	close(log);
	execv(argv[0], argv);
	_exit(127);
}

int spawn_server(struct server *s, char **argv, int timeout_ms, int max_fds)
{
	strcpy(s->log_path, "/tmp/socket-workshop-XXXXXX");
	int log = mkstemp(s->log_path);
	if (log < 0) {
		perror("mkstemp");
		return -1;
	}
	close(log);
	s->pid = fork();
	if (s->pid < 0) {
		perror("fork");
		return -1;
	}
	if (s->pid == 0)
		exec_server(s->log_path, argv, max_fds);

	long long deadline = now_ms() + timeout_ms;
	while ((s->port = port_from_log(s)) < 0 && now_ms() < deadline) {
		if (waitpid(s->pid, NULL, WNOHANG) != 0) {
			fprintf(stderr, "%s exited before listening\n", argv[0]);
			return -1;
		}
		sleep_us(5000);
	}
	if (s->port <= 0) {
		fprintf(stderr, "%s never said 'listening on'\n", argv[0]);
		reap_or_kill(s->pid, 0);
		return -1;
	}
	snprintf(s->port_text, sizeof s->port_text, "%d", s->port);
	return 0;
}

/* waitpid() for up to timeout_ms; then SIGKILL it unless `patient`.
 * Returns the status, or -1. */
static int reap_or_kill_after(pid_t pid, int timeout_ms, bool patient)
{
	long long deadline = now_ms() + timeout_ms;
	int status;

	do {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		sleep_us(5000);
	} while (now_ms() < deadline);
	if (!patient) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return -1;
}

int reap_or_kill(pid_t pid, int timeout_ms)
{
	return reap_or_kill_after(pid, timeout_ms, false);
}

int stop_server(struct server *s, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	int status = -1;

	/* One SIGTERM is enough for our servers, but ThreadSanitizer can hold
	 * a signal that lands just as a thread enters a blocking call until
	 * that call returns: so repeat it every half second. */
	while (status == -1 && now_ms() < deadline) {
		kill(s->pid, SIGTERM);
		status = reap_or_kill_after(s->pid, 500, now_ms() + 500 < deadline);
	}
	if (status == -1)
		status = reap_or_kill(s->pid, 0);
	if (status == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int children_of(pid_t pid, pid_t *out, int max)
{
	char path[96];
	int count = 0;

	/* /proc/PID/task/TID/children lists each thread's children. */
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	DIR *tasks = opendir(path);
	struct dirent *t;
	while (tasks && (t = readdir(tasks))) {
		if (t->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/%d/task/%.20s/children",
			 (int)pid, t->d_name);
		FILE *f = fopen(path, "r");
		int child;
		while (f && count < max && fscanf(f, "%d", &child) == 1)
			out[count++] = child;
		if (f)
			fclose(f);
	}
	if (tasks)
		closedir(tasks);
	return count;
}

/* Add pid's usage and its live descendants'.  A child that has ended and
 * been waited for is in its parent's cutime and cstime. */
static void add_tree_usage(pid_t pid, struct usage *u)
{
	char path[96], text[1024];
	long long utime, stime, cutime, cstime;
	long rss;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return; /* it has just ended */
	size_t len = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[len] = '\0';
	char *after_name = strrchr(text, ')');
	if (!after_name || sscanf(after_name + 2,
				  "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
				  "%lld %lld %lld %lld %*d %*d %*d %*d %*u %*u %ld",
				  &utime, &stime, &cutime, &cstime, &rss) != 5)
		return;
	u->ticks += utime + stime + cutime + cstime;
	u->rss_pages += rss;

	pid_t children[1024];
	int n = children_of(pid, children, 1024);
	for (int i = 0; i < n; i++)
		add_tree_usage(children[i], u);
}

struct usage tree_usage(pid_t pid)
{
	struct usage u = { 0 };

	add_tree_usage(pid, &u);
	return u;
}

/* How many entries /proc/PID/`what` has (fd, task), for pid and its live
 * descendants. */
static int count_tree_entries(pid_t pid, const char *what)
{
	char path[64];
	pid_t children[1024];
	int count = 0;

	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, what);
	DIR *dir = opendir(path);
	struct dirent *e;
	while (dir && (e = readdir(dir)))
		count += e->d_name[0] != '.';
	if (dir)
		closedir(dir);
	int n = children_of(pid, children, 1024);
	for (int i = 0; i < n; i++)
		count += count_tree_entries(children[i], what);
	return count;
}

int tree_fds(pid_t pid)
{
	return count_tree_entries(pid, "fd");
}

int tree_threads(pid_t pid)
{
	return count_tree_entries(pid, "task");
}
