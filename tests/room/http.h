/*
 * http.h - just enough HTTP/1.1 for the room: read one request with
 * bounded sizes and a deadline, send one response, close politely.
 *
 * One request per connection: every response says "Connection: close",
 * which HTTP/1.1 allows, and so a connection's thread never waits for a
 * second request.  No chunked bodies: our clients send Content-Length.
 */
#ifndef ROOM_HTTP_H
#define ROOM_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_HEAD_MAX 8192      /* request line and headers */
#define HTTP_LINE_MAX 2048      /* one of those lines */
#define HTTP_BODY_MAX 16384     /* a report is a few KiB at most */
#define HTTP_DEADLINE_MS 5000   /* for the whole request to arrive */

struct http_request {
	char method[8];
	char path[256];   /* without the query */
	char query[512];  /* after '?', or "" */
	char *body;       /* NUL-terminated, body_len bytes (may hold NULs) */
	size_t body_len;
	char buf[HTTP_HEAD_MAX + HTTP_BODY_MAX + 1];
};

/* Read one request from fd.  Returns 0, or the HTTP status to answer
 * with (400, 408, 413, 431, 501, 505) and *error saying why; -1 when the
 * peer closed before sending anything. */
int http_read_request(int fd, struct http_request *req, const char **error);

/* The value of `name` in the query ("key=abc&id=3"), copied into out;
 * false if it is not there or does not fit. */
bool http_query_value(const struct http_request *req, const char *name,
		      char *out, size_t cap);

/* Send a whole response.  0, or -1 if the peer is gone. */
int http_send(int fd, int status, const char *type, const char *body,
	      size_t len);

/* A text/plain response of one line (the '\n' is added). */
int http_send_line(int fd, int status, const char *line);

/* The same with more header lines ("Name: value\r\n" each), or NULL. */
int http_send_line_with(int fd, int status, const char *line,
			const char *headers);

/* The head of a response whose body follows until the connection ends
 * (the event stream). */
int http_send_head(int fd, int status, const char *type);

/* Close after a response: stop sending, then read and drop what the peer
 * still sends for a moment, so that closing with unread bytes does not
 * reset the connection and destroy the response on its way. */
void http_close(int fd);

#endif
