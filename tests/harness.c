/*
 * harness.c - start real servers, talk to them over loopback, with a time
 * limit on every wait.  See harness.h.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 32

/* Time left until `deadline`, never below 0, for poll(). */
static int ms_until(long long deadline)
{
	long long left = deadline - now_ms();
	return left > 0 ? (int)left : 0;
}

double timeout_multiplier(void)
{
	const char *text = getenv("CK_TIMEOUT_MULTIPLIER");
	char *end;
	double factor = text ? strtod(text, &end) : 1;

	return text && *end == '\0' && factor >= 1 ? factor : 1;
}

int server_log_count(const struct server *s, const char *text)
{
	char *log = server_log(s);
	int n = 0;

	for (char *p = log; p && (p = strstr(p, text)); p++)
		n++;
	free(log);
	return n;
}

bool server_log_reaches(const struct server *s, const char *text, int count,
			int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	for (;;) {
		bool reached = server_log_count(s, text) >= count;
		if (reached || now_ms() >= deadline)
			return reached;
		sleep_us(10000);
	}
}

bool server_log_has(const struct server *s, const char *text, int timeout_ms)
{
	return server_log_reaches(s, text, 1, timeout_ms);
}

char *server_log_torn_line(const struct server *s, const char *program)
{
	char *log = server_log(s), prefix[64];
	const char *name = strrchr(program, '/') ? strrchr(program, '/') + 1
						 : program;
	char *torn = NULL;

	snprintf(prefix, sizeof prefix, "%s: ", name);
	for (char *line = log, *end; !torn && line && *line; line = end + 1) {
		if (!(end = strchr(line, '\n')))
			end = line + strlen(line) - 1; /* a last, unended line */
		*end = '\0';
		if (strncmp(line, prefix, strlen(prefix)) != 0 ||
		    strstr(line + strlen(prefix), prefix))
			torn = strdup(line);
	}
	free(log);
	return torn;
}

static void start_limited(struct server *s, char **argv, int max_fds)
{
	ck_assert_msg(spawn_server(s, argv, WAIT_MS, max_fds) == 0,
		      "%s did not start", argv[0]);
}

static void start_with_args(struct server *s, char **argv)
{
	start_limited(s, argv, 0);
}

/* argv for `program` -p 0 and the arguments in ap, up to a NULL. */
static void build_args(char **argv, const char *program, va_list ap)
{
	int argc = 3;

	argv[0] = (char *)program;
	argv[1] = "-p";
	argv[2] = "0";
	for (char *arg; argc < MAX_ARGS - 1 && (arg = va_arg(ap, char *));)
		argv[argc++] = arg;
	argv[argc] = NULL;
}

void server_start(struct server *s, const char *program, ...)
{
	char *argv[MAX_ARGS];
	va_list ap;

	va_start(ap, program);
	build_args(argv, program, ap);
	va_end(ap);
	start_with_args(s, argv);
}

void server_start_with_fd_limit(struct server *s, int max_fds,
				const char *program, ...)
{
	char *argv[MAX_ARGS];
	va_list ap;

	va_start(ap, program);
	build_args(argv, program, ap);
	va_end(ap);
	start_limited(s, argv, max_fds);
}

/* A sanitizer's report in the server's log fails the test, even when the
 * server went on running (ThreadSanitizer does). */
static void check_no_sanitizer_report(const struct server *s)
{
	static const char *const markers[] = { "Sanitizer", "runtime error:" };
	char *log = server_log(s);

	for (size_t i = 0; log && i < sizeof markers / sizeof markers[0]; i++)
		ck_assert_msg(!strstr(log, markers[i]),
			      "sanitizer report from the server:\n%.3000s",
			      strstr(log, markers[i]));
	free(log);
}

int server_stop(struct server *s)
{
	int status = stop_server(s, WAIT_MS);

	check_no_sanitizer_report(s);
	unlink(s->log_path);
	return status;
}

int server_connect(const struct server *s)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_port = htons((unsigned short)s->port),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_msg(fd >= 0, "socket: %s", strerror(errno));
	ck_assert_msg(connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0,
		      "connect to port %d: %s", s->port, strerror(errno));
	return fd;
}

void close_with_reset(int fd)
{
	struct linger now = { .l_onoff = 1, .l_linger = 0 };

	ck_assert(setsockopt(fd, SOL_SOCKET, SO_LINGER, &now, sizeof now) == 0);
	close(fd);
}

bool send_bytes(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

bool send_str(int fd, const char *text)
{
	return send_bytes(fd, text, strlen(text));
}

/* Wait until fd is readable; false on timeout. */
static bool readable(int fd, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms_until(deadline)) > 0;
}

char *recv_line(int fd, char *buf, size_t cap, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	size_t len = 0;

	/* One byte at a time: slow, but never reads past the line, so the
	 * next call finds the next line on the socket. */
	while (len + 1 < cap && readable(fd, deadline)) {
		ssize_t n = recv(fd, buf + len, 1, 0);
		if (n <= 0)
			return NULL;
		if (buf[len] == '\n') {
			buf[len] = '\0';
			return buf;
		}
		len++;
	}
	return NULL;
}

bool recv_exactly(int fd, void *buf, size_t len, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	char *p = buf;

	while (len > 0 && readable(fd, deadline)) {
		ssize_t n = recv(fd, p, len, 0);
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return len == 0;
}

bool recv_closed(int fd, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	char buf[4096];

	while (readable(fd, deadline)) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n <= 0)
			return true;
	}
	return false;
}

bool recv_nothing(int fd, int timeout_ms)
{
	return !readable(fd, now_ms() + timeout_ms);
}

static void exec_program(char *const argv[], int in_fd, int out_fd)
{
	/* Its error messages would only clutter the test report. */
	int null = open("/dev/null", O_WRONLY);

	die_with_parent(SIGKILL);
	if (null < 0 || dup2(in_fd, STDIN_FILENO) < 0 ||
	    dup2(out_fd, STDOUT_FILENO) < 0 || dup2(null, STDERR_FILENO) < 0)
		_exit(127);
	execv(argv[0], argv);
	execvp(argv[0], argv);
	_exit(127);
}

/* Collect what the child prints until it closes stdout or time runs out. */
static void collect_output(int fd, char *out, size_t cap, long long deadline)
{
	size_t len = 0;

	while (len + 1 < cap && readable(fd, deadline)) {
		ssize_t n = read(fd, out + len, cap - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	out[len] = '\0';
}

int run_program(char *const argv[], const char *input, char *out, size_t cap,
		int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	int in[2], outp[2];

	ck_assert(pipe(in) == 0 && pipe(outp) == 0);
	pid_t pid = fork();
	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(in[1]);
		close(outp[0]);
		exec_program(argv, in[0], outp[1]);
	}
	close(in[0]);
	close(outp[1]);
	/* Small inputs only: they fit in the pipe, so this cannot block. */
	ck_assert(write(in[1], input, strlen(input)) == (ssize_t)strlen(input));
	close(in[1]);
	collect_output(outp[0], out, cap, deadline);
	close(outp[0]);
	int status = reap_or_kill(pid, ms_until(deadline) + 100);
	if (status == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int run_shell(const char *command, char *out, size_t cap, int timeout_ms)
{
	char *argv[] = { "sh", "-c", (char *)command, NULL };

	/* A make it runs must not think it runs inside the make that runs
	 * the tests (make test). */
	unsetenv("MAKEFLAGS");
	unsetenv("MFLAGS");
	unsetenv("MAKELEVEL");
	return run_program(argv, "", out, cap, timeout_ms);
}

void check_server_contract(const char *program)
{
	char out[4096];
	char *help[] = { (char *)program, "-h", NULL };
	char *bad[] = { (char *)program, "-Z", NULL };
	struct server s;

	ck_assert_int_eq(run_program(help, "", out, sizeof out, WAIT_MS), 0);
	ck_assert_msg(strstr(out, "usage") && strstr(out, "-p"), "-h: %s", out);
	ck_assert_int_eq(run_program(bad, "", out, sizeof out, WAIT_MS), 2);

	server_start(&s, program, NULL);
	int fd = server_connect(&s);
	ck_assert(server_log_has(&s, "connect from 127.0.0.1:", WAIT_MS));
	close(fd);
	ck_assert(server_log_has(&s, "disconnect from 127.0.0.1:", WAIT_MS));

	/* Stopping closes the clients: the server closes first, so its end
	 * sits in TIME_WAIT, and without SO_REUSEADDR the restart below would
	 * fail with "Address already in use" for a minute. */
	fd = server_connect(&s);
	ck_assert(server_log_has(&s, "connect from", WAIT_MS));
	ck_assert_int_eq(server_stop(&s), 0);
	ck_assert(recv_closed(fd, WAIT_MS));
	close(fd);
	char port[8];
	snprintf(port, sizeof port, "%d", s.port);
	char *again[] = { (char *)program, "-p", port, NULL };
	start_with_args(&s, again);
	ck_assert_int_eq(s.port, atoi(port));
	ck_assert_int_eq(server_stop(&s), 0);
}
