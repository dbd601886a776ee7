/*
 * stagecheck_echo.c - stage 1, the echo server (port 10000).
 *
 * What the contract asks: every byte a client sends comes back unchanged
 * until the client closes; then the next client is served.
 */
#include "stagecheck.h"

#include <stdio.h>
#include <string.h>

#define ECHO_MAX 128        /* the longest message we send */
#define CLIENTS_IN_A_ROW 3

#define CLOSED_INSTEAD "the server closed the connection instead of " \
		       "echoing: send back what recv() returned, and keep " \
		       "doing it in a loop until recv() returns 0 bytes " \
		       "(b'' in Python)"

/* Nothing came back for `sent`: is the server busy with another client,
 * or waiting for a whole line?  Reports check `name` either way. */
static void report_no_echo(struct peer *p, const char *name,
			   const char *sent)
{
	char line[ECHO_MAX + 2];
	bool closed;

	if (report_if_busy(p, name, "stage 1 serves one client at a time"))
		return;
	snprintf(line, sizeof line, "%s\n", sent);
	if (!strchr(sent, '\n') && peer_send(p, "\n") &&
	    peer_read_bytes(p, line, strlen(sent) + 1, EXTRA_WAIT_MS,
			    &closed) > 0) {
		check_fail(name, "it came back only once a \\n followed: your "
			   "server reads whole lines (readline(), fgets()); "
			   "stage 1 echoes bytes as they come: send back what "
			   "each recv() returns");
		return;
	}
	check_fail(name, "nothing came back within 3 s: send back the bytes "
		   "recv() returned (conn.sendall(data); in C, send() them "
		   "all) in a loop until recv() returns 0 bytes");
}

/* Wait for `sent` to come back, as check `name`.  True if it did, else
 * the FAIL is reported. */
static bool echoed(struct peer *p, const char *name, const char *sent)
{
	char got[ECHO_MAX + 1];
	size_t len = strlen(sent);
	bool closed;

	size_t n = peer_read_bytes(p, got, len, CHECK_WAIT_MS, &closed);
	got[n] = '\0';
	if (n == len && memcmp(got, sent, len) == 0)
		return true;
	if (n == 0 && closed)
		check_fail(name, "%s", CLOSED_INSTEAD);
	else if (n == 0)
		report_no_echo(p, name, sent);
	else if (memcmp(got, sent, n) == 0)
		check_fail_reply(name, sent, got, n, "only part came back: TCP "
				 "may deliver a message in pieces, so call "
				 "recv() again in a loop and send back every "
				 "piece");
	else
		check_fail_reply(name, sent, got, n, "send back exactly the "
				 "bytes you received; if you decode them, "
				 "encode them again as UTF-8");
	return false;
}

/* Send `text` and check that it comes back, as check `name`. */
static bool check_echoes(struct peer *p, const char *name, const char *text)
{
	if (!peer_send(p, text)) {
		check_fail(name, "%s", CLOSED_INSTEAD);
		return false;
	}
	if (!echoed(p, name, text))
		return false;
	check_pass(name);
	return true;
}

/* A message in two parts, a moment apart: TCP may cut any message so. */
static void check_split_message(struct peer *p)
{
	const char *name = "echo split message";
	const char *first = "a line split ", *second = "across two sends\n";
	char whole[ECHO_MAX];

	snprintf(whole, sizeof whole, "%s%s", first, second);
	bool sent = peer_send(p, first);
	sleep_ms(200);
	sent = sent && peer_send(p, second);
	if (!sent)
		check_fail(name, "%s", CLOSED_INSTEAD);
	else if (echoed(p, name, whole))
		check_pass(name);
}

/* After a client leaves, the next one is served, and the next. */
static void check_clients_in_a_row(void)
{
	const char *name = "clients one after another";
	struct peer p;
	char text[ECHO_MAX];

	for (int i = 1; i <= CLIENTS_IN_A_ROW; i++) {
		if (!peer_open(&p)) {
			check_fail(name, "cannot connect any more (%s): the "
				   "server ended after a client left; loop back "
				   "to accept() instead of exiting",
				   strerror(p.error));
			return;
		}
		snprintf(text, sizeof text, "client %d says hi\n", i);
		char got[ECHO_MAX];
		bool closed;
		bool came_back = peer_send(&p, text) &&
				 peer_read_bytes(&p, got, strlen(text),
						 CHECK_WAIT_MS, &closed) ==
					 strlen(text);
		peer_close(&p);
		/* A server that ends after its client may still have taken
		 * our connection into its queue: it is reset as it exits. */
		if (!came_back && p.closed && server_has_exited()) {
			check_fail(name, "the server ended after a client "
				   "left (our connection was reset, and a new "
				   "one is refused): loop back to accept() "
				   "instead of exiting");
			return;
		}
		if (!came_back) {
			check_fail(name, "the server stopped answering after a "
				   "client disconnected: when recv() returns 0 "
				   "bytes, close that client's socket and go "
				   "back to accept() for the next one");
			return;
		}
	}
	check_pass(name);
}

void check_echo(void)
{
	struct peer p;

	if (!check_connect(&p))
		return;
	/* The workshop's first message has no newline: bytes, not lines.
	 * If not even that comes back, nothing else will. */
	if (check_echoes(&p, "echo ascii", "Hello socket")) {
		check_echoes(&p, "echo utf-8", "안녕 세계!\n");
		check_split_message(&p);
		peer_close(&p);
		check_clients_in_a_row();
	} else {
		check_stop();
	}
	peer_close(&p);
}
