/*
 * http.c - one HTTP/1.1 request, one response.  See http.h.
 */
#include "http.h"
#include "net.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CLOSE_DRAIN_MS 500

static long long clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* recv() what arrives before the deadline.  Returns what recv() returned,
 * or -1 with errno ETIMEDOUT when time is up. */
static ssize_t recv_before(int fd, char *buf, size_t cap, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (;;) {
		long long left = deadline - clock_ms();
		int ready = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (ready < 0)
			return -1;
		ssize_t n = recv(fd, buf, cap, 0);
		if (n < 0 && errno == EINTR)
			continue;
		return n;
	}
}

/* Fill req->buf until the blank line that ends the head.  Returns the
 * head's length (up to and with "\r\n\r\n") and *have, the bytes read. */
static int read_head(int fd, struct http_request *req, size_t *have,
		     long long deadline, const char **error)
{
	*have = 0;
	for (;;) {
		char *end = find_bytes(req->buf, *have, "\r\n\r\n", 4);
		if (end)
			return (int)(end - req->buf) + 4;
		if (*have >= HTTP_HEAD_MAX) {
			*error = "request head too large";
			return -431;
		}
		ssize_t n = recv_before(fd, req->buf + *have,
					HTTP_HEAD_MAX - *have, deadline);
		if (n == 0 && *have == 0)
			return -1;
		if (n <= 0) {
			*error = n < 0 && errno == ETIMEDOUT
					 ? "request not complete in time"
					 : "connection closed mid-request";
			return -408;
		}
		*have += (size_t)n;
	}
}

/* "POST /report?x=1 HTTP/1.1" into method, path and query. */
static int parse_request_line(char *line, struct http_request *req,
			      const char **error)
{
	char *target = strchr(line, ' ');
	char *version = target ? strchr(target + 1, ' ') : NULL;

	if (!version || (size_t)(target - line) >= sizeof req->method ||
	    target[1] != '/') {
		*error = "bad request line";
		return 400;
	}
	if (strcmp(version + 1, "HTTP/1.1") != 0 &&
	    strcmp(version + 1, "HTTP/1.0") != 0) {
		*error = "HTTP/1.0 or 1.1 only";
		return 505;
	}
	*target++ = '\0';
	*version = '\0';
	memcpy(req->method, line, (size_t)(target - 1 - line) + 1);
	char *query = strchr(target, '?');
	if (query)
		*query++ = '\0';
	if (strlen(target) >= sizeof req->path ||
	    (query && strlen(query) >= sizeof req->query)) {
		*error = "address too long";
		return 414;
	}
	memcpy(req->path, target, strlen(target) + 1);
	memcpy(req->query, query ? query : "", query ? strlen(query) + 1 : 1);
	return 0;
}

/* The headers we act on: Content-Length, Transfer-Encoding, Expect. */
struct head_facts {
	long long content_length; /* -1: none */
	bool expect_continue;
};

static int parse_header(char *line, struct head_facts *facts,
			const char **error)
{
	char *colon = strchr(line, ':');

	if (!colon || colon == line) {
		*error = "bad header line";
		return 400;
	}
	*colon = '\0';
	char *value = colon + 1 + strspn(colon + 1, " \t");
	if (strcasecmp(line, "Transfer-Encoding") == 0) {
		*error = "chunked bodies are not supported: send Content-Length";
		return 501;
	}
	if (strcasecmp(line, "Expect") == 0)
		facts->expect_continue = strcasecmp(value, "100-continue") == 0;
	if (strcasecmp(line, "Content-Length") == 0) {
		size_t digits = strspn(value, "0123456789");
		long long n = digits > 0 && digits < 10 && value[digits] == '\0'
				      ? atoll(value) : -1;
		/* Two different lengths is how request smuggling starts. */
		if (n < 0 || (facts->content_length >= 0 &&
			      facts->content_length != n)) {
			*error = "bad Content-Length";
			return 400;
		}
		facts->content_length = n;
	}
	return 0;
}

/* The head's lines, each ending in "\r\n"; NUL-terminates each. */
static int parse_head(char *head, size_t len, struct http_request *req,
		      struct head_facts *facts, const char **error)
{
	char *p = head, *end = head + len - 2; /* the last "\r\n" */
	bool first = true;

	facts->content_length = -1;
	facts->expect_continue = false;
	while (p < end) {
		char *eol = find_bytes(p, (size_t)(end - p), "\r\n", 2);
		size_t line_len = (size_t)(eol - p);
		if (line_len >= HTTP_LINE_MAX) {
			*error = "header line too long";
			return 431;
		}
		if (memchr(p, '\0', line_len)) {
			*error = "NUL in the request head";
			return 400;
		}
		*eol = '\0';
		int status = first ? parse_request_line(p, req, error)
				   : parse_header(p, facts, error);
		if (status)
			return status;
		first = false;
		p = eol + 2;
	}
	return 0;
}

static int read_body(int fd, struct http_request *req, size_t head_len,
		     size_t have, size_t length, long long deadline,
		     const char **error)
{
	req->body = req->buf + head_len;
	while (have < head_len + length) {
		ssize_t n = recv_before(fd, req->buf + have,
					head_len + length - have, deadline);
		if (n <= 0) {
			*error = n < 0 && errno == ETIMEDOUT
					 ? "request body not complete in time"
					 : "connection closed mid-body";
			return 408;
		}
		have += (size_t)n;
	}
	req->body_len = length;
	req->body[length] = '\0';
	return 0;
}

int http_read_request(int fd, struct http_request *req, const char **error)
{
	long long deadline = clock_ms() + HTTP_DEADLINE_MS;
	struct head_facts facts;
	size_t have;

	*error = NULL;
	int head_len = read_head(fd, req, &have, deadline, error);
	if (head_len < 0)
		return head_len == -1 ? -1 : -head_len;
	int status = parse_head(req->buf, (size_t)head_len, req, &facts, error);
	if (status)
		return status;
	size_t length = facts.content_length > 0 ? (size_t)facts.content_length : 0;
	if (length > HTTP_BODY_MAX) {
		*error = "body too large (over 16 KiB)";
		return 413;
	}
	/* A client that asks waits for our go-ahead before sending a body. */
	if (facts.expect_continue && length > 0 &&
	    send_text(fd, "HTTP/1.1 100 Continue\r\n\r\n") < 0)
		return -1;
	/* Bytes past the body (a second request) are ignored: one request
	 * per connection. */
	if (have > (size_t)head_len + length)
		have = (size_t)head_len + length;
	return read_body(fd, req, (size_t)head_len, have, length, deadline, error);
}

bool http_query_value(const struct http_request *req, const char *name,
		      char *out, size_t cap)
{
	size_t name_len = strlen(name);

	for (const char *p = req->query; *p;) {
		size_t len = strcspn(p, "&");
		if (len > name_len && strncmp(p, name, name_len) == 0 &&
		    p[name_len] == '=') {
			size_t value_len = len - name_len - 1;
			if (value_len >= cap)
				return false;
			memcpy(out, p + name_len + 1, value_len);
			out[value_len] = '\0';
			return true;
		}
		p += len + (p[len] == '&');
	}
	return false;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

static int send_head(int fd, int status, const char *type, long long length,
		     const char *headers)
{
	char head[1024];
	char length_line[48] = "";

	if (length >= 0)
		snprintf(length_line, sizeof length_line,
			 "Content-Length: %lld\r\n", length);
	/* no-store: a page or state must never come from a stale cache.
	 * nosniff: a browser must take text/plain and JSON for what they
	 * are, never guess that a learner's text is HTML.  The policy
	 * forbids loading anything from elsewhere: the room works offline. */
	int len = snprintf(head, sizeof head,
			   "HTTP/1.1 %d %s\r\n"
			   "Content-Type: %s\r\n%s"
			   "Cache-Control: no-store\r\n"
			   "X-Content-Type-Options: nosniff\r\n"
			   "Content-Security-Policy: default-src 'self'; "
			   "script-src 'self' 'unsafe-inline'; "
			   "style-src 'self' 'unsafe-inline'\r\n"
			   "%sConnection: close\r\n\r\n",
			   status, reason(status), type, length_line,
			   headers ? headers : "");
	if (len >= (int)sizeof head)
		return -1; /* our own headers: cannot happen */
	return send_all(fd, head, (size_t)len);
}

static int http_send_with(int fd, int status, const char *type,
			  const char *body, size_t len, const char *headers)
{
	if (send_head(fd, status, type, (long long)len, headers) < 0)
		return -1;
	return send_all(fd, body, len);
}

int http_send(int fd, int status, const char *type, const char *body,
	      size_t len)
{
	return http_send_with(fd, status, type, body, len, NULL);
}

int http_send_line(int fd, int status, const char *line)
{
	return http_send_line_with(fd, status, line, NULL);
}

int http_send_line_with(int fd, int status, const char *line,
			const char *headers)
{
	char body[512];
	int len = snprintf(body, sizeof body, "%s\n", line);

	if (len >= (int)sizeof body)
		len = sizeof body - 1;
	return http_send_with(fd, status, "text/plain; charset=utf-8", body,
			      (size_t)len, headers);
}

int http_send_head(int fd, int status, const char *type)
{
	return send_head(fd, status, type, -1, NULL);
}

void http_close(int fd)
{
	char drain[4096];
	long long deadline = clock_ms() + CLOSE_DRAIN_MS;

	if (shutdown(fd, SHUT_WR) == 0)
		while (recv_before(fd, drain, sizeof drain, deadline) > 0)
			;
	close(fd);
}
