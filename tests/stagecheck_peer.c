/*
 * stagecheck_peer.c - the checker's connections to the server under test:
 * every wait with a time limit, every byte in the transcript, and a look
 * at the kernel's table of connections to tell a busy server from a
 * broken one.
 */
#include "stagecheck.h"
#include "compat.h"
#include "dial.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- The transcript ------------------------------------------------------ */

#define TRANSCRIPT_MAX 256  /* entries kept (a ring) */
#define ENTRY_TEXT_MAX 160  /* an escaped entry is cut past this */
#define EXCHANGE_SHOWN 8    /* entries a FAIL shows at most */
#define QUIET_WAIT_MS 1000  /* shorter waits that time out go unlogged */

struct entry {
	char who[16];
	long long ms;       /* since that peer's connect */
	char direction;     /* '>' sent, '<' received, '*' an event */
	bool background;    /* a keep-alive: not what a FAIL is about */
	char text[ENTRY_TEXT_MAX];
};

static struct entry transcript[TRANSCRIPT_MAX];
static long entries; /* how many were ever added */
static bool sending_background;

bool verbose;

/* The display width of UTF-8 text: a Korean character takes two
 * columns, so the caret under a reply lines up in a terminal. */
static size_t display_width(const char *text)
{
	size_t width = 0;

	for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
		if ((*s & 0xC0) == 0x80)
			continue;
		width += *s >= 0xE1 ? 2 : 1; /* U+1100 and up: wide */
	}
	return width;
}

/* How long the valid UTF-8 character at s is (2 to 4), or 0. */
static size_t utf8_length(const unsigned char *s, size_t left)
{
	size_t n = *s >= 0xF0 && *s <= 0xF4   ? 4
		   : *s >= 0xE0               ? 3
		   : *s >= 0xC2 && *s <= 0xDF ? 2
					      : 0;
	if (n == 0 || n > left)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

char *escaped(const char *text, size_t len, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t used = 0;
	char piece[8];

	out[used++] = '"';
	for (size_t i = 0; i < len; i++) {
		size_t n = s[i] >= 0x80 ? utf8_length(s + i, len - i) : 1;
		if (s[i] >= 0x80 && n > 0)
			snprintf(piece, sizeof piece, "%.*s", (int)n,
				 (const char *)s + i);
		else if (s[i] == '\n' || s[i] == '\r' || s[i] == '\t' ||
			 s[i] == '\0')
			snprintf(piece, sizeof piece, "\\%c",
				 s[i] == '\n' ? 'n' : s[i] == '\r' ? 'r'
				 : s[i] == '\t' ? 't' : '0');
		else if (s[i] == '"' || s[i] == '\\')
			snprintf(piece, sizeof piece, "\\%c", s[i]);
		else if (s[i] < 0x20 || s[i] >= 0x7f)
			snprintf(piece, sizeof piece, "\\x%02x", s[i]);
		else
			snprintf(piece, sizeof piece, "%c", s[i]);
		if (used + strlen(piece) + 5 > cap) {
			strcpy(out + used, "\"...");
			return out;
		}
		strcpy(out + used, piece);
		used += strlen(piece);
		i += n > 1 ? n - 1 : 0;
	}
	strcpy(out + used, "\"");
	return out;
}

static void print_entry(FILE *to, const char *indent, const struct entry *e)
{
	fprintf(to, "%s%s +%lld.%03llds %c %s\n", indent, e->who, e->ms / 1000,
		e->ms % 1000, e->direction, e->text);
}

/* Add one entry; an event's text is shown as it is, bytes escaped. */
static void note(const struct peer *p, char direction, const char *text,
		 size_t len)
{
	struct entry *e = &transcript[entries++ % TRANSCRIPT_MAX];

	snprintf(e->who, sizeof e->who, "%s", p->label);
	e->ms = clock_ms() - p->opened_ms;
	e->direction = direction;
	e->background = sending_background && direction == '>';
	if (direction == '*')
		snprintf(e->text, sizeof e->text, "%.*s", (int)len, text);
	else
		escaped(text, len, e->text, sizeof e->text);
	if (verbose)
		print_entry(stdout, "  ", e);
}

/* Received bytes go in one entry a line, so each line's end shows. */
static void note_received(const struct peer *p, const char *bytes, size_t n)
{
	while (n > 0) {
		const char *newline = memchr(bytes, '\n', n);
		size_t len = newline ? (size_t)(newline - bytes) + 1 : n;
		note(p, '<', bytes, len);
		bytes += len;
		n -= len;
	}
}

__attribute__((format(printf, 2, 3)))
static void note_event(const struct peer *p, const char *format, ...)
{
	char text[ENTRY_TEXT_MAX];
	va_list ap;

	va_start(ap, format);
	vsnprintf(text, sizeof text, format, ap);
	va_end(ap);
	note(p, '*', text, strlen(text));
}

static void append(char *out, size_t cap, const char *indent,
		   const struct entry *e)
{
	size_t used = strlen(out);
	FILE *f = fmemopen(out + used, cap - used, "w");

	if (!f)
		return;
	print_entry(f, indent, e);
	fclose(f);
}

void transcript_last(const char *indent, char *out, size_t cap)
{
	long first = entries > TRANSCRIPT_MAX ? entries - TRANSCRIPT_MAX : 0;
	long sent = entries - 1, shown = 0, skipped = 0;

	out[0] = '\0';
	while (sent > first && (transcript[sent % TRANSCRIPT_MAX].direction !=
				'>' || transcript[sent % TRANSCRIPT_MAX].background))
		sent--;
	if (sent < first)
		return;
	/* The send, then as much of what followed as fits the screen. */
	append(out, cap, indent, &transcript[sent % TRANSCRIPT_MAX]);
	long from = sent + 1;
	for (long i = entries - 1; i > sent && shown < EXCHANGE_SHOWN - 2; i--)
		if (!transcript[i % TRANSCRIPT_MAX].background) {
			shown++;
			from = i;
		}
	for (long i = sent + 1; i < from; i++)
		skipped += !transcript[i % TRANSCRIPT_MAX].background;
	if (skipped > 0) {
		size_t used = strlen(out);
		snprintf(out + used, cap - used, "%s(%ld more lines)\n",
			 indent, skipped);
	}
	for (long i = from; i < entries; i++)
		if (!transcript[i % TRANSCRIPT_MAX].background)
			append(out, cap, indent, &transcript[i % TRANSCRIPT_MAX]);
}

/* ---- Connecting ---------------------------------------------------------- */

/* The local ports of our open connections, so that the look at the
 * server's clients can tell ours from the others. */
#define OURS_MAX 64
static int our_ports[OURS_MAX];

static void remember_port(int port, bool open)
{
	for (int i = 0; i < OURS_MAX; i++)
		if (open ? our_ports[i] == 0 : our_ports[i] == port) {
			our_ports[i] = open ? port : 0;
			return;
		}
}

static bool is_ours(int port)
{
	for (int i = 0; i < OURS_MAX; i++)
		if (our_ports[i] == port)
			return true;
	return false;
}

static int local_port_of(int fd)
{
	struct sockaddr_storage addr;
	socklen_t len = sizeof addr;

	if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0)
		return 0;
	if (addr.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&addr)->sin6_port);
	return ntohs(((struct sockaddr_in *)&addr)->sin_port);
}

bool peer_open(struct peer *p)
{
	static unsigned short count;
	const char *why = NULL;

	memset(p, 0, sizeof *p);
	snprintf(p->label, sizeof p->label, "client %u", ++count);
	p->opened_ms = clock_ms();
	p->fd = dial(target_host, target_port, CHECK_WAIT_MS, &why);
	if (p->fd < 0) {
		p->error = errno;
		note_event(p, "cannot connect: %s", why ? why
							 : strerror(p->error));
		return false;
	}
	p->local_port = local_port_of(p->fd);
	remember_port(p->local_port, true);
	note_event(p, "connected to %s port %s", target_host, target_port);
	return true;
}

void peer_name(struct peer *p, const char *label)
{
	snprintf(p->label, sizeof p->label, "%s", label);
}

void peer_close(struct peer *p)
{
	if (p->fd >= 0) {
		close(p->fd);
		remember_port(p->local_port, false);
	}
	p->fd = -1;
}

bool server_has_exited(void)
{
	int fd = dial(target_host, target_port, CHECK_WAIT_MS, NULL);

	if (fd >= 0)
		close(fd);
	return fd < 0 && errno == ECONNREFUSED;
}

/* ---- Sending and receiving ----------------------------------------------- */

bool peer_send_background(struct peer *p, const char *text)
{
	sending_background = true;
	bool sent = peer_send(p, text);
	sending_background = false;
	return sent;
}

bool peer_send(struct peer *p, const char *text)
{
	long long deadline = clock_ms() + CHECK_WAIT_MS;
	size_t len = strlen(text), sent = 0;

	if (p->fd < 0)
		return false;
	note(p, '>', text, len);
	while (sent < len) {
		ssize_t n = send(p->fd, text + sent, len - sent, MSG_NOSIGNAL);
		if (n > 0)
			sent += (size_t)n;
		else if (n < 0 && errno == EINTR)
			continue;
		else if (n < 0 && errno == EAGAIN &&
			 dial_wait(p->fd, POLLOUT, deadline))
			continue;
		else {
			note_event(p, "cannot send: %s",
				   n < 0 ? strerror(errno) : "no progress");
			return false;
		}
	}
	return true;
}

/* Receive what has come, waiting until deadline at most.  False when
 * nothing came (time up, or the end of the connection: p->closed). */
static bool fill(struct peer *p, long long deadline, int timeout_ms)
{
	if (p->fd < 0 || p->closed)
		return false;
	if (p->start > 0) {
		memmove(p->in, p->in + p->start, p->end - p->start);
		p->end -= p->start;
		p->start = 0;
	}
	if (p->end == sizeof p->in)
		return false;
	for (;;) {
		if (!dial_wait(p->fd, POLLIN, deadline)) {
			if (timeout_ms >= QUIET_WAIT_MS)
				note_event(p, "nothing within %.1f s",
					   timeout_ms / 1000.0);
			return false;
		}
		ssize_t n = recv(p->fd, p->in + p->end, sizeof p->in - p->end,
				 0);
		if (n > 0) {
			note_received(p, p->in + p->end, (size_t)n);
			p->end += (size_t)n;
			return true;
		}
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		p->closed = true;
		if (n == 0)
			note_event(p, "the server closed the connection");
		else
			note_event(p, "the connection broke: %s%s",
				   strerror(errno), errno == ECONNRESET ?
				   " (the server ended, or closed it with "
				   "bytes unread)" : "");
		return false;
	}
}

/* Hand out the line that ends at `newline` (or, at the end of the
 * connection, the rest without one). */
static enum peer_result take_line(struct peer *p, const char *newline,
				  char **line)
{
	const char *first = p->in + p->start;
	size_t len = newline ? (size_t)(newline - first) : p->end - p->start;

	p->start += len + (newline != NULL);
	if (len >= sizeof p->line)
		return PEER_TOO_LONG;
	memcpy(p->line, first, len);
	p->line_ended = newline != NULL;
	p->line_had_cr = len > 0 && p->line[len - 1] == '\r';
	len -= p->line_had_cr && p->line_ended;
	p->line[len] = '\0';
	p->line_len = len;
	*line = p->line;
	return PEER_LINE;
}

enum peer_result peer_read_line(struct peer *p, char **line, int timeout_ms)
{
	long long deadline = clock_ms() + timeout_ms;

	if (p->fd < 0)
		return PEER_CLOSED;
	for (;;) {
		char *first = p->in + p->start;
		char *newline = memchr(first, '\n', p->end - p->start);
		if (p->skipping && newline) {
			/* The tail of a line that was too long: drop it. */
			p->start += (size_t)(newline - first) + 1;
			p->skipping = false;
			continue;
		}
		if (p->skipping)
			p->start = p->end = 0;
		else if (newline)
			return take_line(p, newline, line);
		else if (p->end - p->start >= PEER_LINE_MAX) {
			p->start = p->end = 0;
			p->skipping = true;
			return PEER_TOO_LONG;
		}
		if (fill(p, deadline, timeout_ms))
			continue;
		if (!p->closed)
			return PEER_TIMEOUT;
		if (p->end > p->start && !p->skipping)
			return take_line(p, NULL, line);
		return PEER_CLOSED;
	}
}

size_t peer_read_bytes(struct peer *p, char *buf, size_t len, int timeout_ms,
		       bool *closed)
{
	long long deadline = clock_ms() + timeout_ms;
	size_t got = 0;

	for (;;) {
		size_t n = p->end - p->start < len - got ? p->end - p->start
							 : len - got;
		memcpy(buf + got, p->in + p->start, n);
		p->start += n;
		got += n;
		if (got == len || !fill(p, deadline, timeout_ms))
			break;
	}
	*closed = p->fd < 0 || p->closed;
	return got;
}

bool peer_wait_for(struct peer *p, const char *needle, int timeout_ms,
		   char found[PEER_LINE_MAX])
{
	long long deadline = clock_ms() + timeout_ms;
	enum peer_result result;
	char *line;

	do {
		result = peer_read_line(p, &line, ms_left(deadline));
		if (result == PEER_LINE && strstr(line, needle)) {
			if (found)
				snprintf(found, PEER_LINE_MAX, "%s", line);
			return true;
		}
		/* A server that floods lines is still held to the time. */
	} while ((result == PEER_LINE || result == PEER_TOO_LONG) &&
		 clock_ms() <= deadline);
	return false;
}

bool peer_has_partial_line(const struct peer *p)
{
	return p->fd >= 0 && p->end > p->start && !p->skipping;
}

bool peer_closes(struct peer *p, int timeout_ms)
{
	long long deadline = clock_ms() + timeout_ms;
	enum peer_result result;
	char *line;

	do
		result = peer_read_line(p, &line, ms_left(deadline));
	while ((result == PEER_LINE || result == PEER_TOO_LONG) &&
	       clock_ms() <= deadline);
	return result == PEER_CLOSED;
}

void peer_drain(struct peer *p, int timeout_ms)
{
	peer_closes(p, timeout_ms);
}

/* ---- What the server is doing -------------------------------------------- */

/* One row of /proc/net/tcp: "sl local rem st queues tr retr uid timeout
 * inode", addresses as HEX:PORT.  An accepted connection has a socket
 * file, so an inode; one still in the listen queue has inode 0. */
struct tcp_row {
	int local_port, remote_port, state;
	unsigned long inode;
};

#define TCP_ESTABLISHED_STATE 1

static bool parse_row(const char *text, struct tcp_row *row)
{
	char local[64], remote[64];
	unsigned state;

	if (sscanf(text, "%*s %63s %63s %x %*s %*s %*s %*s %*s %lu", local,
		   remote, &state, &row->inode) != 4)
		return false;
	const char *lp = strrchr(local, ':'), *rp = strrchr(remote, ':');
	if (!lp || !rp)
		return false;
	row->local_port = (int)strtol(lp + 1, NULL, 16);
	row->remote_port = (int)strtol(rp + 1, NULL, 16);
	row->state = (int)state;
	return true;
}

enum server_view peer_server_view(const struct peer *p, int *others)
{
	const char *tables[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	int server_port = atoi(target_port);
	enum server_view view = VIEW_UNKNOWN;
	char text[512];
	struct tcp_row row;

	*others = 0;
	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
		FILE *f = fopen(tables[t], "r");
		if (!f)
			continue;
		while (fgets(text, sizeof text, f)) {
			if (!parse_row(text, &row) ||
			    row.local_port != server_port ||
			    row.state != TCP_ESTABLISHED_STATE)
				continue;
			if (row.remote_port == p->local_port)
				view = row.inode ? VIEW_ACCEPTED : VIEW_WAITING;
			else if (row.inode && !is_ours(row.remote_port))
				++*others;
		}
		fclose(f);
	}
	return view;
}

bool report_if_busy(const struct peer *p, const char *name,
		    const char *why_busy)
{
	int others;
	char hint[512];

	if (peer_server_view(p, &others) != VIEW_WAITING || others == 0)
		return false;
	snprintf(hint, sizeof hint, "your server seems busy with another "
		 "client (it holds %d other connection%s, and ours waits in "
		 "its listen queue, not yet accepted): %s; close the other "
		 "client and run the check again", others,
		 others == 1 ? "" : "s", why_busy);
	check_busy(name, hint);
	return true;
}

/* ---- Time ---------------------------------------------------------------- */

long long clock_ms(void)
{
	return dial_clock_ms();
}

int ms_left(long long deadline)
{
	long long left = deadline - clock_ms();
	return left > 0 ? (int)left : 0;
}

void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* For the caret under a reply (stagecheck.c). */
size_t escaped_width(const char *text, size_t len)
{
	char out[ENTRY_TEXT_MAX * 4];

	escaped(text, len, out, sizeof out);
	return display_width(out) - 1; /* without the closing quote */
}
