/*
 * stagecheck_quiz.c - stages 2 and 3, the quiz (port 10001).
 *
 * What the contract asks: on connect the server sends "A+B\n" (A and B
 * from 0 to 9), reads one answer line, replies "yes\n" or "no\n" and
 * closes.  Spaces and '\r' around the answer are ignored; anything but
 * the right number gets "no".  Stage 3 serves many clients at once.
 */
#include "stagecheck.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define CROWD 20             /* clients that connect at the same moment */
#define CROWD_WAIT_MS 10000  /* for all of them to get their verdict */

/* Whether the server has asked a question yet: if it has, a later
 * silence means it stopped serving after a client. */
static bool asked_before;

/* Why a server that holds other clients does not answer ours. */
static const char *why_busy = "stage 2 serves one client at a time";

#define FLUSH_HOW "(Python: print(..., file=f, flush=True) or f.flush(); " \
		  "C: fflush() after fprintf(), and two FILE*s, one to read " \
		  "and one to write: one FILE* for both may not write after " \
		  "it has read)"

/* ---- One client's quiz --------------------------------------------------- */

/* The sum that question `q` asks for, or -1 if it is no "A+B". */
static int parse_question(const char *q)
{
	if (isdigit((unsigned char)q[0]) && q[1] == '+' &&
	    isdigit((unsigned char)q[2]) && q[3] == '\0')
		return q[0] - '0' + q[2] - '0';
	return -1;
}

/* Read the question on `p`.  Returns the sum it asks for, or -1 and what
 * to fix in *problem; -2 if the server is busy with someone else (then
 * check `name` is reported BUSY already). */
static int read_question(struct peer *p, const char *name,
			 const char **problem)
{
	static char hint[256];
	char *q, text[SHOWN_MAX];

	switch (peer_read_line(p, &q, CHECK_WAIT_MS)) {
	case PEER_LINE:
		if (parse_question(q) >= 0 && p->line_ended) {
			asked_before = true;
			return parse_question(q);
		}
		if (parse_question(q) >= 0)
			*problem = "the question came without its \\n before "
				   "the server closed: end every message "
				   "with \\n";
		else {
			snprintf(hint, sizeof hint, "'%s' is not a question "
				 "like \"3+5\": send two digits from 0 to 9 "
				 "joined by '+', then \\n", shown(q, text));
			*problem = hint;
		}
		break;
	case PEER_TIMEOUT:
		if (report_if_busy(p, name, why_busy))
			return -2;
		*problem = peer_has_partial_line(p)
			? "the question came without a newline: end each "
			  "message with \\n and flush " FLUSH_HOW
			: asked_before
			? "the server stopped answering after a client "
			  "disconnected: after each client, close its socket "
			  "and loop back to accept()"
			: "no question within 3 s of connecting: send "
			  "\"A+B\\n\" (like \"3+5\\n\") as soon as a client "
			  "connects, and flush " FLUSH_HOW;
		break;
	case PEER_CLOSED:
		*problem = asked_before && server_has_exited()
			? "your server is not running any more (a new "
			  "connection is refused): it ended after an earlier "
			  "client; did it crash? look at its terminal"
			: asked_before
			? "the server closed the connection without a question, "
			  "after it had asked earlier clients (did it crash? "
			  "look at its terminal)"
			: "the server closed the connection without a question: "
			  "send \"A+B\\n\" first";
		break;
	case PEER_TOO_LONG:
		*problem = "the server sent 2 KiB without a newline instead of "
			   "a question like \"3+5\\n\"";
		break;
	}
	return -1;
}

/* Connect and read the question: read_question() on a new peer. */
static int ask(struct peer *p, const char *name, const char **problem)
{
	if (!peer_open(p)) {
		*problem = p->error == ECONNREFUSED
			? "your server is not running any more (connection "
			  "refused): it ended after an earlier client; did it "
			  "crash? look at its terminal"
			: "cannot connect any more: the server is stuck after "
			  "an earlier client";
		return -1;
	}
	return read_question(p, name, problem);
}

/* Send `answer` and wait for the verdict.  Returns the verdict line, or
 * NULL and what to fix in *problem (`hung_up` if the server closed). */
static const char *verdict_for(struct peer *p, const char *answer,
			       const char *hung_up, const char **problem)
{
	char *line;

	if (!peer_send(p, answer)) {
		*problem = hung_up;
		return NULL;
	}
	switch (peer_read_line(p, &line, CHECK_WAIT_MS)) {
	case PEER_LINE:
		return line;
	case PEER_TIMEOUT:
		*problem = peer_has_partial_line(p)
			? "the verdict came without a newline: end it with \\n "
			  "and flush " FLUSH_HOW
			: "no verdict within 3 s of the answer: read one line, "
			  "reply \"yes\\n\" or \"no\\n\" and flush " FLUSH_HOW;
		break;
	case PEER_CLOSED:
		*problem = hung_up;
		break;
	case PEER_TOO_LONG:
		*problem = "the server sent 2 KiB without a newline instead of "
			   "a verdict: reply \"yes\\n\" or \"no\\n\"";
		break;
	}
	return NULL;
}

/* ---- Stage 2 ------------------------------------------------------------- */

/* What a case checks after its verdict, on top of the verdict. */
enum follow_up {
	NOTHING_MORE,
	SERVER_CLOSES,    /* the connection ends after the verdict */
	NEXT_CLIENT_ASKED /* the server is still there for the next client */
};

/* One answer to try and the verdict it must get. */
struct quiz_case {
	const char *name;
	const char *answer;     /* printf format, given a number */
	int off_by;             /* 0: the right sum; 1: a wrong one */
	const char *expected;   /* "yes" or "no" */
	const char *wrong_hint; /* when the other verdict comes */
	const char *hung_up;    /* when the server closes without a verdict */
	enum follow_up then;
};

#define HUNG_UP "the server closed the connection without a verdict: " \
		"reply \"yes\\n\" or \"no\\n\" before closing (did it crash? " \
		"look at its terminal)"

static const struct quiz_case cases[] = {
	{ "right answer", "%d\n", 0, "yes",
	  "the right sum got 'no': turn the answer line into a number "
	  "(int() ignores the \\n) and compare it with A+B", HUNG_UP,
	  SERVER_CLOSES },
	{ "wrong answer", "%d\n", 1, "no",
	  "a wrong sum got 'yes': say yes only when the answer equals A+B",
	  HUNG_UP, NOTHING_MORE },
	{ "not a number", "banana\n", 0, "no",
	  "'banana' got 'yes': say yes only to the right number",
	  "the server hung up on 'banana' without a verdict: int('banana') "
	  "raises ValueError; catch it (try/except ValueError) and say no",
	  NEXT_CLIENT_ASKED },
	{ "answer ending in \\r\\n", "%d\r\n", 0, "yes",
	  "the right sum ending in \\r\\n (what telnet and Windows send) got "
	  "'no': strip the \\r and spaces before comparing", HUNG_UP,
	  NOTHING_MORE },
	{ "answer with spaces", "  %d \n", 0, "yes",
	  "the right sum with spaces around it got 'no': strip() the answer "
	  "before comparing", HUNG_UP, NOTHING_MORE },
};

/* The verdict came on p: is it the one expected, ending in '\n'?
 * Reports check c->name. */
static bool judge(const struct quiz_case *c, const struct peer *p,
		  const char *verdict)
{
	char expected[8], got[PEER_LINE_MAX + 2];

	snprintf(expected, sizeof expected, "%s\n", c->expected);
	snprintf(got, sizeof got, "%s%s%s", verdict,
		 p->line_had_cr ? "\r" : "", p->line_ended ? "\n" : "");
	if (strcmp(verdict, c->expected) == 0 && p->line_ended)
		return true;
	if (strcmp(verdict, c->expected) == 0)
		check_fail_reply(c->name, expected, got, strlen(got),
				 "the verdict came without its \\n before the "
				 "server closed: every message ends in \\n "
				 "(print() adds it; f.write(), send() and "
				 "fputs() do not)");
	else if (strcmp(verdict, "yes") == 0 || strcmp(verdict, "no") == 0)
		check_fail_reply(c->name, expected, got, strlen(got), "%s",
				 c->wrong_hint);
	else
		check_fail_reply(c->name, expected, got, strlen(got),
				 "that is neither yes nor no: reply exactly "
				 "\"yes\\n\" or \"no\\n\"");
	return false;
}

/* Run one case on a new connection.  Returns whether it passed; `p` is
 * left open, for the checks that look at what happens next. */
static bool run_case(struct peer *p, const struct quiz_case *c)
{
	const char *problem = NULL;
	char answer[32];

	int sum = ask(p, c->name, &problem);
	if (sum == -1)
		check_fail(c->name, "%s", problem);
	if (sum < 0)
		return false;
	snprintf(answer, sizeof answer, c->answer, sum + c->off_by);
	const char *verdict = verdict_for(p, answer, c->hung_up, &problem);
	if (!verdict) {
		check_fail(c->name, "%s", problem);
		return false;
	}
	return judge(c, p, verdict);
}

/* After the verdict the server closes: that is how a client knows the
 * quiz is over. */
static void check_closes(struct peer *p)
{
	if (peer_closes(p, CHECK_WAIT_MS))
		check_pass("closes after the verdict");
	else
		check_fail("closes after the verdict", "the connection stayed "
			   "open after the verdict: close the client's socket "
			   "once you have replied. In Python, close the "
			   "makefile() file too (f.close(), or a with block): "
			   "it holds the connection open even after "
			   "conn.close()");
}

/* The workshop's int() crashed the whole server: the next client must
 * still get a question. */
static void check_serves_after_banana(const struct quiz_case *c)
{
	struct peer next;
	const char *problem;

	int sum = ask(&next, c->name, &problem);
	if (sum >= 0)
		check_pass(c->name);
	else if (sum == -1)
		check_fail(c->name, "after 'banana' the server stopped "
			   "answering: int() raised ValueError and ended it; "
			   "catch the error and say no (%s)", problem);
	peer_close(&next);
}

/* A client that reads the question and goes: where the server waits for
 * the answer it reads the end of the connection, an empty line. */
static void check_client_leaves(void)
{
	const char *name = "client leaves without answering";
	struct peer p, next;
	const char *problem;

	int sum = ask(&p, name, &problem);
	if (sum == -1)
		check_fail(name, "%s", problem);
	peer_close(&p);
	if (sum < 0)
		return;
	sum = ask(&next, name, &problem);
	if (sum >= 0)
		check_pass(name);
	else if (sum == -1)
		check_fail(name, "after a client left without answering, the "
			   "server stopped: readline() returned '' and int('') "
			   "raised ValueError; take an empty answer as wrong, "
			   "or just close that client (%s)", problem);
	peer_close(&next);
}

/* The first question is a check of its own: without it nothing else can
 * work, so the run stops there. */
static bool check_question(void)
{
	struct peer p;
	const char *problem;

	if (!check_connect(&p))
		return false;
	int sum = read_question(&p, "question", &problem);
	if (sum < 0) {
		if (sum == -1)
			check_fail("question", "%s", problem);
		check_stop();
		peer_close(&p);
		return false;
	}
	check_pass("question");
	/* Answer it, as a client would, so that the server does not meet a
	 * client that leaves without answering before that is checked. */
	char answer[16];
	snprintf(answer, sizeof answer, "%d\n", sum);
	verdict_for(&p, answer, HUNG_UP, &problem);
	peer_close(&p);
	return true;
}

void check_quiz(void)
{
	struct peer p;

	if (!check_question())
		return;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0] &&
			   !check_stopped(); i++) {
		const struct quiz_case *c = &cases[i];
		bool passed = run_case(&p, c);
		if (passed && c->then == NEXT_CLIENT_ASKED) {
			peer_close(&p);
			check_serves_after_banana(c);
		} else if (passed) {
			check_pass(c->name);
		}
		if (passed && c->then == SERVER_CLOSES)
			check_closes(&p);
		peer_close(&p);
	}
	if (!check_stopped())
		check_client_leaves();
}

/* ---- Stage 3 ------------------------------------------------------------- */

/* Answer p's question right and expect "yes"; false after reporting. */
static bool answer_right(struct peer *p, int sum, const char *name)
{
	const char *problem = NULL;
	char answer[16];

	snprintf(answer, sizeof answer, "%d\n", sum);
	const char *verdict = verdict_for(p, answer, HUNG_UP, &problem);
	if (verdict && strcmp(verdict, "yes") == 0)
		return true;
	if (verdict)
		check_fail(name, "the right sum got '%s' while another client "
			   "was connected: do the clients share a variable "
			   "they should not?", verdict);
	else
		check_fail(name, "%s", problem);
	return false;
}

#define ONE_AT_A_TIME "only one client is served at a time: that is " \
		      "stage 2; stage 3 serves several (a thread or a " \
		      "process per client)"

/* Connect a second client while the first one is still connected. */
static int ask_second(struct peer *p, const char **problem)
{
	char *q;

	if (!peer_open(p)) {
		*problem = "a second client cannot connect while the first is "
			   "connected: give listen() a backlog";
		return -1;
	}
	enum peer_result result = peer_read_line(p, &q, CHECK_WAIT_MS);
	if (result == PEER_LINE && parse_question(q) >= 0)
		return parse_question(q);
	*problem = result == PEER_TIMEOUT
		? ONE_AT_A_TIME
		: "the second client got no question while the first was "
		  "connected";
	return -1;
}

/* The lesson of stage 3: a client that takes its time does not keep the
 * next one waiting. */
static void check_second_client(void)
{
	const char *name = "second client while the first is silent";
	struct peer first, second = { .fd = -1 };
	const char *problem;

	int first_sum = ask(&first, name, &problem);
	int second_sum = first_sum < 0 ? -1 : ask_second(&second, &problem);
	if (first_sum == -1 || second_sum == -1)
		check_fail(name, "%s", problem);
	else if (first_sum < 0)
		; /* busy: reported */
	else if (peer_closes(&first, 0))
		/* The second got its question only once the server gave up
		 * on the first (an idle timeout): still one at a time. */
		check_fail(name, "%s", ONE_AT_A_TIME);
	else if (answer_right(&second, second_sum, name) &&
		 answer_right(&first, first_sum, name))
		check_pass(name);
	peer_close(&second);
	peer_close(&first);
}

/* Where each client of the crowd is. */
enum crowd_state { WANTS_QUESTION, WANTS_VERDICT, SERVED, FAILED };

/* Move one client of the crowd on if the server sent it something; it
 * answers right as soon as it is asked. */
static enum crowd_state crowd_step(struct peer *p, enum crowd_state state)
{
	char answer[16], *line;

	if (state == SERVED || state == FAILED)
		return state;
	enum peer_result result = peer_read_line(p, &line, 0);
	if (result == PEER_TIMEOUT)
		return state;
	if (result != PEER_LINE)
		return FAILED;
	if (state == WANTS_VERDICT)
		return strcmp(line, "yes") == 0 ? SERVED : FAILED;
	int sum = parse_question(line);
	snprintf(answer, sizeof answer, "%d\n", sum);
	return sum >= 0 && peer_send(p, answer) ? WANTS_VERDICT : FAILED;
}

/* Many clients connect at the same moment, as a room of learners does. */
static void check_crowd(void)
{
	const char *name = "20 clients at once";
	struct peer crowd[CROWD];
	enum crowd_state state[CROWD];
	int opened = 0, served = 0, failed = 0;

	while (opened < CROWD && peer_open(&crowd[opened]))
		state[opened++] = WANTS_QUESTION;
	long long deadline = clock_ms() + CROWD_WAIT_MS;
	while (served + failed < opened && ms_left(deadline) > 0) {
		served = failed = 0;
		for (int i = 0; i < opened; i++) {
			state[i] = crowd_step(&crowd[i], state[i]);
			served += state[i] == SERVED;
			failed += state[i] == FAILED;
		}
		sleep_ms(10);
	}
	for (int i = 0; i < opened; i++)
		peer_close(&crowd[i]);
	if (served == CROWD)
		check_pass(name);
	else if (opened < CROWD)
		check_fail(name, "only %d of %d clients could connect at once: "
			   "give listen() a bigger backlog", opened, CROWD);
	else
		check_fail(name, "only %d of %d clients that connected at once "
			   "got a question and 'yes' for the right sum within "
			   "10 s (%d got something else or were cut off)",
			   served, CROWD, failed);
}

void check_concurrent_quiz(void)
{
	why_busy = "a pre-forked server serves as many clients at once as it "
		   "has workers (-w), a capped one as its cap (-c), and all of "
		   "them are taken";
	check_quiz();
	if (!asked_before || check_stopped())
		return;
	check_second_client();
	check_crowd();
}
