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

/* Wait for `sent` to come back.  NULL if it did, else what to fix. */
static const char *echo_problem(struct peer *p, const char *sent)
{
	static char hint[256];
	char got[ECHO_MAX + 1], a[SHOWN_MAX], b[SHOWN_MAX];
	size_t len = strlen(sent);
	bool closed;

	size_t n = peer_read_bytes(p, got, len, CHECK_WAIT_MS, &closed);
	got[n] = '\0';
	if (n == len && memcmp(got, sent, len) == 0)
		return NULL;
	if (n == 0 && closed)
		return CLOSED_INSTEAD;
	if (n == 0)
		return "nothing came back within 3 s: send back the bytes "
		       "recv() returned (conn.send(data)); a server that "
		       "reads whole lines waits for a \\n that the workshop's "
		       "first message does not have";
	if (memcmp(got, sent, n) == 0)
		snprintf(hint, sizeof hint, "only '%s' came back: TCP may "
			 "deliver a message in pieces, so call recv() again "
			 "in a loop and send back every piece",
			 shown(got, a));
	else
		snprintf(hint, sizeof hint, "'%s' came back instead of '%s': "
			 "send back exactly the bytes you received; if you "
			 "decode them, encode them again as UTF-8",
			 shown(got, a), shown(sent, b));
	return hint;
}

/* Send `text` and check that it comes back, as check `name`. */
static bool check_echoes(struct peer *p, const char *name, const char *text)
{
	const char *problem = peer_send(p, text) ? echo_problem(p, text)
						 : CLOSED_INSTEAD;

	if (problem)
		check_fail(name, "%s", problem);
	else
		check_pass(name);
	return problem == NULL;
}

/* A message in two parts, a moment apart: TCP may cut any message so. */
static void check_split_message(struct peer *p)
{
	const char *first = "a line split ", *second = "across two sends\n";
	char whole[ECHO_MAX];

	snprintf(whole, sizeof whole, "%s%s", first, second);
	bool sent = peer_send(p, first);
	sleep_ms(200);
	sent = sent && peer_send(p, second);
	const char *problem = sent ? echo_problem(p, whole) : CLOSED_INSTEAD;
	if (problem)
		check_fail("echo split message", "%s", problem);
	else
		check_pass("echo split message");
}

/* After a client leaves, the next one is served, and the next. */
static void check_clients_in_a_row(void)
{
	const char *name = "clients one after another";
	struct peer p;
	char text[ECHO_MAX];

	for (int i = 1; i <= CLIENTS_IN_A_ROW; i++) {
		if (!peer_open(&p)) {
			check_fail(name, "cannot connect any more: the server "
				   "ended after a client left; loop back to "
				   "accept() instead of exiting");
			return;
		}
		snprintf(text, sizeof text, "client %d says hi\n", i);
		bool echoed = peer_send(&p, text) && !echo_problem(&p, text);
		peer_close(&p);
		if (!echoed) {
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
