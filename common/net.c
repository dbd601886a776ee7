/*
 * net.c - the one helper every stage shares.  See net.h.
 */
#include "net.h"

#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* ---- Command line --------------------------------------------------- */

/* The program's name for messages, from argv[0] without its folder (the
 * parsers below set it; C has no portable way to ask for it later). */
static const char *program_name = "socket-workshop";

void set_program_name(const char *argv0)
{
	const char *slash = argv0 ? strrchr(argv0, '/') : NULL;

	if (argv0 && *argv0)
		program_name = slash ? slash + 1 : argv0;
}

/* The flags of struct server_config; find_flag() fills in `value`. */
static const struct server_flag shared_flags[] = {
	{ 'p', "-p PORT     port to listen on (0 picks a free one)",
	  NULL, 0, 65535 },
	{ 't', "-t SECONDS  how long a client may keep us waiting (0: no limit)",
	  NULL, 0, 100000 },
	{ 'w', "-w N        worker processes forked up front", NULL, 1, 100000 },
	{ 'c', "-c N        clients served at once", NULL, 1, 100000 },
};
#define SHARED_COUNT (sizeof shared_flags / sizeof shared_flags[0])

/* The shared flag `flag` with its place in cfg, or one of the server's
 * own; NULL if it is neither. */
static const struct server_flag *find_flag(int flag, struct server_config *cfg,
					   const struct server_flag *more,
					   size_t count, struct server_flag *out)
{
	int *targets[SHARED_COUNT] = { &cfg->port, &cfg->idle_timeout,
				       &cfg->workers, &cfg->max_clients };

	for (size_t i = 0; i < SHARED_COUNT; i++) {
		if (shared_flags[i].flag == flag) {
			*out = shared_flags[i];
			out->value = targets[i];
			return out;
		}
	}
	for (size_t i = 0; i < count; i++)
		if (more[i].flag == flag)
			return &more[i];
	return NULL;
}

static void usage(FILE *to, const char *flags, struct server_config *cfg,
		  const struct server_flag *more, size_t count)
{
	struct server_flag f;

	fprintf(to, "usage: %s [-h]", program_name);
	for (const char *c = flags; *c; c++)
		if (*c != ':')
			fprintf(to, " [-%c N]", *c);
	fprintf(to, "\n  -h          print this help\n");
	for (const char *c = flags; *c; c++) {
		const struct server_flag *found =
			*c == ':' ? NULL : find_flag(*c, cfg, more, count, &f);
		if (found)
			fprintf(to, "  %s (default %d)\n", found->help,
				*found->value);
	}
}

/* A whole decimal number in [min, max], or -1. */
static long parse_number(const char *text, long min, long max)
{
	char *end;

	errno = 0;
	long n = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || n < min || n > max)
		return -1;
	return n;
}

void parse_server_args(int argc, char **argv, const char *flags,
		       struct server_config *cfg)
{
	parse_server_args_more(argc, argv, flags, cfg, NULL, 0);
}

void parse_server_args_more(int argc, char **argv, const char *flags,
			    struct server_config *cfg,
			    const struct server_flag *more, size_t count)
{
	char optstring[32];
	struct server_flag f;
	int opt;

	set_program_name(argv[0]);
	snprintf(optstring, sizeof optstring, ":h%s", flags);
	while ((opt = getopt(argc, argv, optstring)) != -1) {
		if (opt == 'h') {
			usage(stdout, flags, cfg, more, count);
			exit(0);
		}
		const struct server_flag *found =
			find_flag(opt, cfg, more, count, &f);
		long value = found ? parse_number(optarg, found->min,
						  found->max) : -1;
		if (value < 0) {
			if (found)
				fprintf(stderr, "%s: bad value for -%c: %s\n",
					program_name, opt,
					optarg);
			usage(stderr, flags, cfg, more, count);
			exit(2);
		}
		*found->value = (int)value;
	}
	if (optind < argc) {
		usage(stderr, flags, cfg, more, count);
		exit(2);
	}
}

static void client_usage(FILE *to, const char *more,
			 const struct client_config *cfg)
{
	fprintf(to, "usage: %s [-h] [HOST] [PORT]%s%s\n"
		    "  HOST defaults to %s, PORT to %s\n",
		program_name, more ? " " : "", more ? more : "",
		cfg->host, cfg->port);
}

void parse_client_args(int argc, char **argv, const char *more,
		       struct client_config *cfg)
{
	const struct client_config defaults = *cfg;
	int opt;

	set_program_name(argv[0]);
	while ((opt = getopt(argc, argv, "+h")) != -1) {
		client_usage(opt == 'h' ? stdout : stderr, more, &defaults);
		exit(opt == 'h' ? 0 : 2);
	}
	if (optind < argc)
		cfg->host = argv[optind++];
	if (optind < argc)
		cfg->port = argv[optind++];
	if (parse_number(cfg->port, 1, 65535) < 0 || (!more && optind < argc)) {
		client_usage(stderr, more, &defaults);
		exit(2);
	}
	cfg->more = argv + optind;
	cfg->more_count = argc - optind;
}

/* ---- Logging ----------------------------------------------------------- */

/* Format the line in memory, then hand it to the kernel in one piece. */
static void write_log_line(const char *format, va_list ap, int errnum)
{
	char line[LOG_LINE_MAX];
	size_t room = sizeof line - 1; /* the '\n' always fits */
	int n = snprintf(line, room, "%s: ", program_name);
	size_t len = n < 0 ? 0 : (size_t)n < room ? (size_t)n : room - 1;

	n = vsnprintf(line + len, room - len, format, ap);
	len += n < 0 ? 0 : (size_t)n < room - len ? (size_t)n : room - len - 1;
	if (errnum) {
		n = snprintf(line + len, room - len, ": %s", strerror(errnum));
		len += n < 0 ? 0 : (size_t)n < room - len ? (size_t)n
							  : room - len - 1;
	}
	line[len++] = '\n';
	ssize_t ignored = write(STDERR_FILENO, line, len);
	(void)ignored; /* nowhere left to say that the log failed */
}

void log_line(const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	write_log_line(format, ap, 0);
	va_end(ap);
}

void log_errno(const char *format, ...)
{
	int errnum = errno; /* before anything else can change it */
	va_list ap;

	va_start(ap, format);
	write_log_line(format, ap, errnum);
	va_end(ap);
	errno = errnum;
}

/* ---- Stopping --------------------------------------------------------- */

static void (*run_before_exit)(void);

/* Runs inside the signal handler, so only async-signal-safe calls:
 * write() and _exit(), not printf() or exit(). */
static void stop_now(int signo)
{
	const char *name = program_name;

	(void)signo;
	if (run_before_exit)
		run_before_exit();
	ssize_t ignored = write(STDERR_FILENO, name, strlen(name));
	ignored = write(STDERR_FILENO, ": stopping\n", 11);
	(void)ignored; /* stopping all the same */
	_exit(0);
}

void stop_on_signals(void)
{
	stop_on_signals_after(NULL);
}

void stop_on_signals_after(void (*before_exit)(void))
{
	struct sigaction sa = { .sa_handler = stop_now };

	run_before_exit = before_exit;
	/* Exiting from the handler, rather than setting a flag for the main
	 * loop, also stops a thread that is blocked in accept() or recv():
	 * a flag set just before such a call would not be seen until a
	 * client came or the idle timeout ran out. */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0)
		err(1, "sigaction");
	/* A client that vanishes makes send() fail with EPIPE; without this
	 * the default action of SIGPIPE would kill the whole server. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		err(1, "signal");
}

/* ---- Sockets ---------------------------------------------------------- */

static void describe_address(const struct sockaddr *sa, char out[PEER_NAME_LEN])
{
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
		port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
		port = ntohs(in6->sin6_port);
	}
	snprintf(out, PEER_NAME_LEN, "%s:%d", host, port);
}

int listen_on(int port)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_ANY),
		.sin_port = htons((unsigned short)port),
	};
	socklen_t len = sizeof addr;
	int one = 1;
	char name[PEER_NAME_LEN];

	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		log_errno("socket");
		return -1;
	}
	/* Without SO_REUSEADDR a restarted server fails with "Address already
	 * in use" while the old connections sit in TIME_WAIT for a minute. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
	    /* The workshop used a backlog of 5; a room of learners
	     * connecting at the same moment needs more. */
	    listen(fd, SOMAXCONN) < 0 ||
	    getsockname(fd, (struct sockaddr *)&addr, &len) < 0) {
		log_errno("port %d", port);
		close(fd);
		return -1;
	}
	describe_address((struct sockaddr *)&addr, name);
	log_line("listening on %s", name);
	return fd;
}

/* One descriptor kept in reserve for the moment the process runs out of
 * them: given up just long enough to accept a waiting client and tell it
 * why it is turned away, instead of leaving it hanging in the backlog.
 * Descriptors belong to the whole process, and so does the reserve; only
 * the thread that accepts touches it. */
static int reserve_fd = -1;

static void keep_a_reserve(void)
{
	if (reserve_fd < 0)
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* accept() failed with EMFILE: take the next client with the reserve.
 * Returns it if descriptors have come free meanwhile, else turns it away
 * and returns -1. */
static int accept_with_reserve(int listen_fd, struct sockaddr_storage *addr,
			       socklen_t *len)
{
	log_errno("accept");
	close(reserve_fd);
	reserve_fd = -1;
	int fd = accept(listen_fd, (struct sockaddr *)addr, len);
	keep_a_reserve();
	if (fd >= 0 && reserve_fd < 0) {
		send_text(fd, SERVER_FULL_LINE);
		close(fd);
		return -1;
	}
	return fd;
}

int accept_client(int listen_fd, char peer[PEER_NAME_LEN])
{
	struct sockaddr_storage addr;

	for (;;) {
		socklen_t len = sizeof addr;
		keep_a_reserve();
		int fd = accept(listen_fd, (struct sockaddr *)&addr, &len);
		if (fd < 0 && (errno == EMFILE || errno == ENFILE) &&
		    reserve_fd >= 0) {
			len = sizeof addr;
			fd = accept_with_reserve(listen_fd, &addr, &len);
			if (fd < 0)
				continue;
		}
		if (fd >= 0) {
			describe_address((struct sockaddr *)&addr, peer);
			no_sigpipe(fd);
			return fd;
		}
		/* A client that gave up while waiting in the backlog, or a
		 * signal: neither is a reason to stop serving. */
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		/* Out of memory, or of descriptors with no reserve: others
		 * will free some, so wait and retry rather than spin or die. */
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			log_errno("accept");
			sleep(1);
			continue;
		}
		log_errno("accept");
		return -1;
	}
}

int connect_to(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *list;
	int fd = -1;

	int rc = getaddrinfo(host, port, &hints, &list);
	if (rc != 0) {
		log_line("%s: %s", host, gai_strerror(rc));
		return -1;
	}
	/* A name may have several addresses (IPv6 and IPv4): try each. */
	for (struct addrinfo *ai = list; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0)
		log_errno("cannot connect to %s port %s", host, port);
	else
		no_sigpipe(fd);
	freeaddrinfo(list);
	return fd;
}

int set_timeout(int fd, int seconds)
{
	struct timeval tv = { .tv_sec = seconds };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0) {
		log_errno("setsockopt");
		return -1;
	}
	return 0;
}

int send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	/* send() may take fewer bytes than asked when the socket buffer is
	 * full, so loop until all of them are gone. */
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int send_text(int fd, const char *text)
{
	return send_all(fd, text, strlen(text));
}

/* ---- Lines ------------------------------------------------------------- */

void line_reader_init(struct line_reader *r, int fd, char *buf, size_t cap)
{
	*r = (struct line_reader){ .fd = fd, .buf = buf, .cap = cap };
}

/* Cut the line that ends at `newline` out of the buffer. */
static ssize_t take_line(struct line_reader *r, char *newline, char **line)
{
	char *first = r->buf + r->start;
	size_t len = (size_t)(newline - first);

	r->start += len + 1;
	if (len > 0 && first[len - 1] == '\r')
		len--;
	first[len] = '\0';
	*line = first;
	return (ssize_t)len;
}

/* Receive more bytes after the ones kept.  Returns what recv() returned. */
static ssize_t fill(struct line_reader *r)
{
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	for (;;) {
		ssize_t n = recv(r->fd, r->buf + r->end, r->cap - r->end, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0)
			r->end += (size_t)n;
		return n;
	}
}

ssize_t read_line(struct line_reader *r, char **line)
{
	for (;;) {
		char *first = r->buf + r->start;
		char *newline = memchr(first, '\n', r->end - r->start);

		if (newline && r->skipping) {
			/* The tail of a line that was too long: drop it. */
			r->start += (size_t)(newline - first) + 1;
			r->skipping = false;
			continue;
		}
		if (newline)
			return take_line(r, newline, line);
		if (r->skipping)
			r->start = r->end = 0;
		if (r->end - r->start == r->cap) {
			/* A full buffer and no newline: refuse the line
			 * instead of growing without bound. */
			r->start = r->end = 0;
			r->skipping = true;
			return LINE_TOO_LONG;
		}
		ssize_t n = fill(r);
		if (n < 0)
			return LINE_ERROR;
		if (n == 0 && r->end > r->start && !r->skipping) {
			/* The peer closed after a last line without '\n'.  The
			 * buffer is not full, so there is room for the NUL. */
			r->buf[r->end++] = '\n';
			return take_line(r, r->buf + r->end - 1, line);
		}
		if (n == 0)
			return LINE_EOF;
	}
}
