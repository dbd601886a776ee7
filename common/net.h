/*
 * net.h - the one helper every stage shares.
 *
 * What every server and client of the workshop needs and no stage teaches:
 * reading the command line, stopping on Ctrl-C, opening a listening or a
 * connected socket, writing all of a buffer, and reading lines of bounded
 * length.  Each stage's own lesson stays in the stage's folder.
 */
#ifndef NET_H
#define NET_H

#include "compat.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* ---- Policies: the defaults the stages share, set here only ----------- */

#define TIMEOUT_S 30      /* -t: a session that waits on the client (an echo
			   * client's silence, a quiz answer) */
#define CHAT_IDLE_S 600   /* -t of the chat: people read without typing */
#define MAX_CLIENTS 500   /* -c: clients served at once */
/* A client whose socket takes no byte for this long is gone. */
#define CLIENT_SEND_TIMEOUT_S 10

/* ---- Command line --------------------------------------------------- */

/* Settings a server takes from its command line.  Each server names the
 * flags it accepts (see parse_server_args); the others keep their default. */
struct server_config {
	int port;         /* -p PORT: 0 lets the kernel pick a free port */
	int idle_timeout; /* -t SECONDS: drop a client that stays silent */
	int workers;      /* -w N: pre-forked worker processes */
	int max_clients;  /* -c N: clients served at once */
};

/* Parse argv for the flags listed in `flags` (getopt style, e.g. "p:t:").
 * -h prints usage and exits 0; an unknown flag or a bad number prints usage
 * to stderr and exits 2. */
void parse_server_args(int argc, char **argv, const char *flags,
		       struct server_config *cfg);

/* A numeric flag of one server's own, beyond those of server_config
 * (stage 5's tick rate, say): its letter, its line in the usage text, and
 * where its value goes (holding the default beforehand). */
struct server_flag {
	char flag;
	const char *help; /* e.g. "-r HZ       simulation ticks per second" */
	int *value;
	int min, max;
};

/* parse_server_args(), plus `count` flags of the server's own. */
void parse_server_args_more(int argc, char **argv, const char *flags,
			    struct server_config *cfg,
			    const struct server_flag *more, size_t count);

/* Name the program in its log lines after argv0, without its folder.  The
 * parsers here do it; a program with a parser of its own calls this. */
void set_program_name(const char *argv0);

/* What a client takes from its command line: "[HOST] [PORT] [MORE...]". */
struct client_config {
	const char *host; /* default "localhost" */
	const char *port; /* default: the stage's port */
	char **more;      /* the arguments after PORT */
	int more_count;
};

/* Parse "[HOST] [PORT]" and, when `more` names them (e.g. "[MESSAGE...]"),
 * further arguments.  -h prints usage and exits 0; a bad port or an unknown
 * flag prints usage to stderr and exits 2. */
void parse_client_args(int argc, char **argv, const char *more,
		       struct client_config *cfg);

/* ---- Logging ----------------------------------------------------------- */

/* Print "PROGRAM: message\n" to stderr with a single write(), so that
 * lines from many threads or processes sharing one log never tear into
 * each other (warnx() writes a line in three pieces).  A line is cut at
 * LOG_LINE_MAX bytes.  log_errno() adds ": " and errno's text, as warn()
 * does. */
#define LOG_LINE_MAX 512
__attribute__((format(printf, 1, 2)))
void log_line(const char *format, ...);
__attribute__((format(printf, 1, 2)))
void log_errno(const char *format, ...);

/* ---- Stopping --------------------------------------------------------- */

/* On SIGINT or SIGTERM, print "stopping" and exit 0 at once: the kernel
 * closes every socket, so each client sees its connection end.  Also
 * ignore SIGPIPE, so a vanished client cannot kill the server. */
void stop_on_signals(void);

/* The same, but first call `before_exit` from the signal handler: it may
 * use only async-signal-safe calls (kill(), waitpid(), write(), ...). */
void stop_on_signals_after(void (*before_exit)(void));

/* ---- Sockets ---------------------------------------------------------- */

#define PEER_NAME_LEN 64 /* "255.255.255.255:65535" or an IPv6 one */

/* Open a TCP socket listening on every IPv4 address at `port` and print
 * "listening on 0.0.0.0:PORT" with the real port.  Returns -1 on error. */
int listen_on(int port);

/* What every server tells a client it cannot take, before closing. */
#define SERVER_FULL_LINE "sorry, the server is full: try again later\n"

/* Wait for the next client.  Returns its socket and writes its address to
 * `peer`, or returns -1 on an error that retrying cannot fix.  When the
 * process is out of descriptors, waiting clients get SERVER_FULL_LINE and
 * are closed. */
int accept_client(int listen_fd, char peer[PEER_NAME_LEN]);

/* Connect to host:port (IPv4 or IPv6, whatever getaddrinfo finds).
 * Returns the socket, or -1 after printing why. */
int connect_to(const char *host, const char *port);

/* Make recv/send on `fd` give up after `seconds` (0 means never). */
int set_timeout(int fd, int seconds);

/* Send all `len` bytes, however many calls it takes.  0 on success. */
int send_all(int fd, const void *buf, size_t len);

/* send_all() of a NUL-terminated string. */
int send_text(int fd, const char *text);

/* ---- Lines ------------------------------------------------------------- */

/* A per-connection line reader: the caller owns the buffer, so there is no
 * hidden state and one reader per thread is safe.  A line may hold up to
 * cap - 1 bytes before its '\n'. */
struct line_reader {
	int fd;
	char *buf;
	size_t cap;
	size_t start; /* first byte not yet returned */
	size_t end;   /* one past the last byte received */
	bool skipping; /* dropping the rest of a line that was too long */
};

enum {
	LINE_EOF = -1,      /* the peer closed the connection */
	LINE_TOO_LONG = -2, /* the line is dropped; the next call reads on */
	LINE_ERROR = -3,    /* errno tells why (EAGAIN: idle timeout) */
};

void line_reader_init(struct line_reader *r, int fd, char *buf, size_t cap);

/* Read the next line.  Returns its length and points *line at it, without
 * the '\n' and without one '\r' at its end (telnet ends lines with "\r\n"),
 * NUL-terminated.  A last line without '\n' before EOF counts as a line.  Otherwise returns LINE_EOF,
 * LINE_TOO_LONG or LINE_ERROR.  *line stays valid until the next call. */
ssize_t read_line(struct line_reader *r, char **line);

#endif
