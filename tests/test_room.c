/*
 * test_room.c - the room: the report parser and the state on their own,
 * then the real tests/room_server over loopback: reports, questions (by
 * the real tests/ask), the key, the bounds, malformed requests, the event
 * stream, a restart that keeps everything, and learners' text served as
 * data, never as markup.  The page itself is tested in a real browser by
 * `make test-room` (tests/room/browser_test.mjs).
 */
#include "harness.h"
#include "json.h"
#include "printable.h"
#include "report.h"
#include "state.h"
#include "store.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROOM_SERVER "tests/room_server"
#define ASK "tests/ask"
#define REPLY_CAP (256 * 1024)

/* ---- The parser ---------------------------------------------------------- */

static int parse(const char *text, struct report *r, const char **error)
{
	static char body[32 * 1024];
	size_t len = strlen(text);

	memcpy(body, text, len + 1);
	return report_parse(body, len, r, error);
}

static struct report rep; /* large: not on the stack */

START_TEST(parser_reads_a_check_run)
{
	const char *error;

	ck_assert_int_eq(parse("kind check\r\nname  ann@lab \r\npractice 2\n"
			       "result FAIL\ncheck PASS connect\n"
			       "check FAIL flush after the question\n"
			       "hint send \"A+B\\n\" then flush\n"
			       "exchange > 3+5\\n\nexchange < (nothing)\n"
			       "colour blue\n", &rep, &error), 0);
	ck_assert_int_eq(rep.kind, REPORT_CHECK);
	ck_assert_str_eq(rep.name, "ann@lab");
	ck_assert_str_eq(rep.run.practice, "2");
	ck_assert(!rep.run.passed);
	ck_assert_int_eq(rep.run.check_count, 2);
	ck_assert(rep.run.checks[0].passed);
	ck_assert_str_eq(rep.run.checks[1].name, "flush after the question");
	ck_assert_str_eq(check_run_first_failure(&rep.run),
			 "flush after the question");
	ck_assert_str_eq(rep.run.hint, "send \"A+B\\n\" then flush");
	ck_assert_int_eq(rep.run.exchange_count, 2);
	ck_assert_str_eq(rep.run.exchange[1], "< (nothing)");
}
END_TEST

START_TEST(parser_reads_doctor_and_ask)
{
	const char *error;

	ck_assert_int_eq(parse("kind doctor\nname bo\nresult FAIL\n"
			       "missing SDL2 and SDL2_ttf\nmissing Check\n",
			       &rep, &error), 0);
	ck_assert_int_eq(rep.kind, REPORT_DOCTOR);
	ck_assert_int_eq(rep.missing_count, 2);
	ck_assert_str_eq(rep.missing[0], "SDL2 and SDL2_ttf");

	ck_assert_int_eq(parse("kind ask\nname bo\ntext why does it hang?\n"
			       "last kind check\nlast practice 4\n"
			       "last result FAIL\nlast check FAIL two users\n",
			       &rep, &error), 0);
	ck_assert_int_eq(rep.kind, REPORT_ASK);
	ck_assert_str_eq(rep.text, "why does it hang?");
	ck_assert(rep.has_last);
	ck_assert_str_eq(rep.last.practice, "4");
	ck_assert_str_eq(check_run_first_failure(&rep.last), "two users");
	/* A broken attachment is dropped; the question stays. */
	ck_assert_int_eq(parse("kind ask\nname bo\ntext hm\nlast practice <b>\n",
			       &rep, &error), 0);
	ck_assert(!rep.has_last);
}
END_TEST

START_TEST(parser_refuses_what_is_wrong)
{
	static const struct {
		const char *body, *error;
	} bad[] = {
		{ "name a\npractice 2\nresult PASS\n", "no kind line" },
		{ "kind check\npractice 2\nresult PASS\n", "no name line" },
		{ "kind check\nname   \npractice 2\nresult PASS\n", "no name line" },
		{ "kind quiz\nname a\n", "bad kind" },
		{ "kind check\nname a\nresult PASS\n", "bad or missing practice" },
		{ "kind check\nname a\npractice 2;rm\nresult PASS\n", "bad or missing practice" },
		{ "kind check\nname a\npractice 2\n", "no result line" },
		{ "kind check\nname a\npractice 2\nresult maybe\n", "bad result" },
		{ "kind check\nname a\npractice 2\nresult PASS\ncheck OK x\n", "bad check line" },
		{ "kind ask\nname a\n", "no text line" },
		{ "kind ask\nname a\ntext hi\nid x\n", "bad number" },
	};
	const char *error;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(parse(bad[i].body, &rep, &error) == -1, "%s", bad[i].body);
		ck_assert_msg(strstr(error, bad[i].error), "%s: %s", bad[i].body, error);
	}
}
END_TEST

/* What the room and the checker show of others' text: whole characters,
 * no control bytes, always a NUL. */
START_TEST(printable_copy_cuts_whole_characters_and_hides_controls)
{
	char out[8];

	ck_assert_uint_eq(printable_copy(out, sizeof out, "a\tb\x7f\n", 5), 5);
	ck_assert_str_eq(out, "a?b??");
	/* "한글" is 6 bytes: 7 fit, but the second character only whole. */
	ck_assert_uint_eq(printable_copy(out, sizeof out, "x한글", 7), 7);
	ck_assert_str_eq(out, "x한글");
	ck_assert_uint_eq(printable_copy(out, sizeof out, "xy한글", 8), 5);
	ck_assert_str_eq(out, "xy한");
	ck_assert_uint_eq(printable_copy(out, 1, "abc", 3), 0);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(parser_keeps_its_bounds)
{
	char body[16 * 1024];
	const char *error;
	int len = snprintf(body, sizeof body, "kind check\nname a\npractice 2\nresult FAIL\n");

	for (int i = 0; i <= ROOM_CHECKS_MAX; i++)
		len += snprintf(body + len, sizeof body - (size_t)len, "check PASS c%d\n", i);
	ck_assert_int_eq(parse(body, &rep, &error), -1);
	ck_assert_str_eq(error, "too many check lines (over 24)");

	/* A long value is cut, not refused, and never in a character's middle. */
	len = snprintf(body, sizeof body, "kind ask\nname ");
	for (int i = 0; i < 40; i++)
		len += snprintf(body + len, sizeof body - (size_t)len, "한글");
	len += snprintf(body + len, sizeof body - (size_t)len, "\ntext ");
	for (int i = 0; i < 600; i++)
		body[len++] = 'x';
	body[len] = '\0';
	ck_assert_int_eq(parse(body, &rep, &error), 0);
	ck_assert_uint_eq(strlen(rep.name), 63); /* 21 characters of 3 bytes */
	ck_assert_uint_eq(strlen(rep.text), ROOM_TEXT_MAX);

	/* The exchange keeps its last lines. */
	len = snprintf(body, sizeof body, "kind check\nname a\npractice 2\nresult FAIL\n");
	for (int i = 0; i < 10; i++)
		len += snprintf(body + len, sizeof body - (size_t)len, "exchange line %d\n", i);
	ck_assert_int_eq(parse(body, &rep, &error), 0);
	ck_assert_int_eq(rep.run.exchange_count, ROOM_EXCHANGE_MAX);
	ck_assert_str_eq(rep.run.exchange[ROOM_EXCHANGE_MAX - 1], "line 9");
}
END_TEST

START_TEST(parser_turns_control_bytes_into_text)
{
	char body[] = "kind ask\nname a\x1b[31m\ntext x\0y\ttab";
	const char *error;

	ck_assert_int_eq(report_parse(body, sizeof body - 1, &rep, &error), 0);
	ck_assert_str_eq(rep.name, "a?[31m");
	ck_assert_str_eq(rep.text, "x?y?tab");
}
END_TEST

/* ---- The state ------------------------------------------------------------- */

static struct room room;

static struct report *check_report(const char *name, const char *practice,
				   const char *failing, const char *hint)
{
	char body[1024];
	const char *error;

	snprintf(body, sizeof body,
		 "kind check\nname %s\npractice %s\nresult %s\ncheck PASS connect\n"
		 "%s%s%shint %s\n", name, practice, failing ? "FAIL" : "PASS",
		 failing ? "check FAIL " : "", failing ? failing : "",
		 failing ? "\n" : "", hint ? hint : "");
	ck_assert_msg(parse(body, &rep, &error) == 0, "%s", error);
	return &rep;
}

static struct report *ask_report(const char *name, const char *text)
{
	char body[1024];
	const char *error;

	snprintf(body, sizeof body, "kind ask\nname %s\ntext %s\n", name, text);
	ck_assert_msg(parse(body, &rep, &error) == 0, "%s", error);
	return &rep;
}

/* Each report a second apart, so the rate limit stays out of the way. */
static long long clock_ms_now = 1000000;

static int take(struct report *r, long long now, char reply[ROOM_REPLY_MAX])
{
	clock_ms_now += 1000;
	return room_take_report(&room, r, now, clock_ms_now, reply);
}

static void room_setup(void)
{
	ck_assert_int_eq(room_init(&room, 4), 0);
}

static void room_teardown(void)
{
	room_destroy(&room);
}

START_TEST(a_failing_practice_keeps_the_time_it_began_failing)
{
	char reply[ROOM_REPLY_MAX];

	ck_assert_int_eq(take(check_report("ann", "2", "flush", NULL), 100, reply), 200);
	ck_assert_str_eq(reply, "ok");
	ck_assert_int_eq(take(check_report("ann", "2", "other", NULL), 200, reply), 200);
	const struct cell *c = learner_current_locked(&room.learners[0]);
	ck_assert_int_eq(c->since, 100);
	ck_assert_int_eq(c->at, 200);
	ck_assert_int_eq(take(check_report("ann", "2", NULL, NULL), 300, reply), 200);
	ck_assert_int_eq(c->since, 0);
	ck_assert_int_eq(take(check_report("ann", "2", "flush", NULL), 400, reply), 200);
	ck_assert_int_eq(c->since, 400);
	ck_assert_int_eq(room.learners[0].cell_count, 1);
}
END_TEST

START_TEST(the_most_common_first_failure_counts_learners_failing_now)
{
	char reply[ROOM_REPLY_MAX];
	struct top_failure top;

	take(check_report("a", "2", "flush after the question", "use fflush"), 1, reply);
	take(check_report("b", "2", "flush after the question", "use fflush"), 2, reply);
	take(check_report("c", "2", "answer is yes", NULL), 3, reply);
	take(check_report("d", "3", "flush after the question", NULL), 4, reply);
	room_top_failure_locked(&room, &top);
	ck_assert_int_eq(top.count, 2);
	ck_assert_str_eq(top.practice, "2");
	ck_assert_str_eq(top.check, "flush after the question");
	ck_assert_str_eq(top.hint, "use fflush");
	/* b moves on: it now fails practice 3's check, with d. */
	take(check_report("b", "3", "flush after the question", NULL), 5, reply);
	room_top_failure_locked(&room, &top);
	ck_assert_int_eq(top.count, 2);
	ck_assert_str_eq(top.practice, "3");
}
END_TEST

START_TEST(the_longest_stuck_come_first)
{
	char reply[ROOM_REPLY_MAX];
	int order[4];

	take(check_report("passes", "1", NULL, NULL), 10, reply);
	take(check_report("late", "2", "x", NULL), 30, reply);
	take(check_report("early", "2", "x", NULL), 20, reply);
	take(check_report("asks", "1", NULL, NULL), 5, reply);
	room_order_locked(&room, order);
	ck_assert_str_eq(room.learners[order[0]].name, "early");
	ck_assert_str_eq(room.learners[order[1]].name, "late");
	ck_assert_str_eq(room.learners[order[2]].name, "asks");
	ck_assert_str_eq(room.learners[order[3]].name, "passes");
}
END_TEST

START_TEST(reports_are_bounded_per_learner_and_per_room)
{
	char reply[ROOM_REPLY_MAX];

	for (int i = 0; i < ROOM_REPORTS_PER_S; i++)
		ck_assert_int_eq(room_take_report(&room, check_report("fast", "2", NULL, NULL),
						  1, 5000 + i, reply), 200);
	ck_assert_int_eq(room_take_report(&room, check_report("fast", "2", NULL, NULL),
					  1, 5500, reply), 429);
	ck_assert(strstr(reply, "too many reports: wait a second"));
	/* Others are not slowed by it, and a second later neither is it. */
	ck_assert_int_eq(room_take_report(&room, check_report("calm", "2", NULL, NULL),
					  1, 5500, reply), 200);
	ck_assert_int_eq(room_take_report(&room, check_report("fast", "2", NULL, NULL),
					  1, 6000, reply), 200);

	take(check_report("c", "1", NULL, NULL), 1, reply);
	take(check_report("d", "1", NULL, NULL), 1, reply);
	ck_assert_int_eq(take(check_report("e", "1", NULL, NULL), 1, reply), 503);
	ck_assert_str_eq(reply, "the room is full (4 learners)");
	ck_assert_int_eq(take(check_report("d", "2", NULL, NULL), 1, reply), 200);

	char practice[16];
	for (int i = 0; i < ROOM_CELLS_MAX; i++) {
		snprintf(practice, sizeof practice, "p%d", i);
		take(check_report("c", practice, NULL, NULL), 1, reply);
	}
	ck_assert_int_eq(take(check_report("c", "one-more", NULL, NULL), 1, reply), 400);
	ck_assert_str_eq(reply, "too many practices (over 12)");
}
END_TEST

START_TEST(the_queue_keeps_one_place_per_learner)
{
	char reply[ROOM_REPLY_MAX];

	ck_assert_int_eq(take(ask_report("a", "first"), 1, reply), 200);
	ck_assert_str_eq(reply, "queued 1");
	take(ask_report("b", "second"), 2, reply);
	ck_assert_str_eq(reply, "queued 2");
	take(ask_report("a", "first, again"), 3, reply);
	ck_assert_str_eq(reply, "queued 1");
	ck_assert_int_eq(room.question_count, 2);
	ck_assert_str_eq(room.questions[0].text, "first, again");
	int a = room.questions[0].id;
	ck_assert_int_eq(room_claim(&room, a), 200);
	ck_assert(room.questions[0].claimed);
	ck_assert_int_eq(room_done(&room, a), 200);
	ck_assert_int_eq(room_done(&room, a), 404);
	ck_assert_int_eq(room_claim(&room, 999), 404);
	take(ask_report("c", "third"), 4, reply);
	ck_assert_str_eq(reply, "queued 2");
	ck_assert_str_eq(room.questions[0].name, "b");
}
END_TEST

START_TEST(json_text_cannot_read_as_markup)
{
	char *text = NULL;
	size_t len;
	FILE *out = open_memstream(&text, &len);

	json_string(out, "<img src=x onerror=\"alert(1)\">&\\\n");
	fclose(out);
	ck_assert_str_eq(text, "\"\\u003cimg src=x onerror=\\\"alert(1)\\\"\\u003e"
			       "\\u0026\\\\\\u000a\"");
	free(text);
}
END_TEST

START_TEST(the_saved_room_reads_back_the_same)
{
	char reply[ROOM_REPLY_MAX], dir[] = "/tmp/room-test-XXXXXX", a[64], b[64];
	struct room again;
	const char *error;

	ck_assert(mkdtemp(dir));
	snprintf(a, sizeof a, "%s/a", dir);
	snprintf(b, sizeof b, "%s/b", dir);
	take(check_report("ann", "2", "flush", "use fflush"), 100, reply);
	take(check_report("ann", "1", NULL, NULL), 150, reply);
	take(check_report("ann", "2", "flush", "use fflush"), 200, reply);
	take(check_report("bo", "3", NULL, NULL), 300, reply);
	take(ask_report("bo", "is it <b>me</b>?"), 310, reply);
	take(ask_report("ann", "help"), 320, reply);
	room_claim(&room, room.questions[0].id);
	room_done(&room, room.questions[1].id);
	parse("kind doctor\nname cy\nresult FAIL\nmissing Check\n", &rep, &error);
	take(&rep, 400, reply);
	ck_assert_int_eq(room_save(&room, a), 0);

	ck_assert_int_eq(room_init(&again, 4), 0);
	ck_assert_int_eq(room_load(&again, a), 0);
	ck_assert_int_eq(room_save(&again, b), 0);
	char compare[160];
	snprintf(compare, sizeof compare, "cmp -s %s %s", a, b);
	ck_assert_msg(system(compare) == 0, "%s and %s differ", a, b);
	ck_assert_int_eq(again.learner_count, 3);
	const struct cell *ann = learner_current_locked(&again.learners[0]);
	ck_assert_str_eq(ann->run.practice, "2");
	ck_assert_int_eq(ann->since, 100);
	ck_assert_int_eq(again.question_count, 1);
	ck_assert(again.questions[0].claimed);
	ck_assert_str_eq(again.questions[0].text, "is it <b>me</b>?");
	ck_assert_int_gt(again.next_id, again.questions[0].id);
	ck_assert(again.learners[2].doctor.reported);
	/* A missing file is an empty room. */
	ck_assert_int_eq(room_load(&again, "/nonexistent/room"), 0);
	room_destroy(&again);
	unlink(a);
	unlink(b);
	rmdir(dir);
}
END_TEST

/* ---- The real server --------------------------------------------------------- */

static char reply_buf[REPLY_CAP];

/* Send raw bytes, read the whole response (the server closes after one);
 * returns its status, or 0 if the connection just closed. */
static int raw(const struct server *s, const char *request, size_t len)
{
	int fd = server_connect(s);
	size_t got = 0;
	long long deadline = now_ms() + WAIT_MS;

	ck_assert(send_bytes(fd, request, len));
	struct pollfd p = { .fd = fd, .events = POLLIN };
	while (got < sizeof reply_buf - 1 && now_ms() < deadline &&
	       poll(&p, 1, (int)(deadline - now_ms())) > 0) {
		ssize_t n = recv(fd, reply_buf + got, sizeof reply_buf - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	reply_buf[got] = '\0';
	close(fd);
	int status = 0;
	sscanf(reply_buf, "HTTP/1.1 %d", &status);
	return status;
}

static int request(const struct server *s, const char *method, const char *path,
		   const char *body)
{
	char head[1024];
	char *all;

	snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: x\r\n"
		 "Content-Length: %zu\r\n\r\n", method, path, body ? strlen(body) : 0);
	size_t len = strlen(head) + (body ? strlen(body) : 0) + 1;
	ck_assert_ptr_nonnull(all = malloc(len));
	snprintf(all, len, "%s%s", head, body ? body : "");
	int status = raw(s, all, strlen(all));
	free(all);
	return status;
}

/* The body of the last response. */
static const char *body(void)
{
	const char *start = strstr(reply_buf, "\r\n\r\n");
	return start ? start + 4 : "";
}

static char room_key[64];

static void room_start(struct server *s, ...)
{
	char *args[8] = { 0 };
	va_list ap;
	int n = 0;

	va_start(ap, s);
	for (char *a; n < 7 && (a = va_arg(ap, char *));)
		args[n++] = a;
	va_end(ap);
	server_start(s, ROOM_SERVER, args[0], args[1], args[2], args[3], NULL);
	ck_assert(server_log_has(s, "?key=", WAIT_MS));
	char *log = server_log(s);
	ck_assert(sscanf(strstr(log, "?key=") + 5, "%63[0-9a-f]", room_key) == 1);
	free(log);
}

static int get_state(const struct server *s)
{
	char path[128];

	snprintf(path, sizeof path, "/state.json?key=%s", room_key);
	return request(s, "GET", path, NULL);
}

START_TEST(room_server_keeps_the_server_contract)
{
	check_server_contract(ROOM_SERVER);
}
END_TEST

START_TEST(room_server_prints_the_learners_line_and_the_key)
{
	struct server s;

	room_start(&s, NULL);
	ck_assert(server_log_has(&s, "learners: tests/stagecheck N --room ", WAIT_MS));
	ck_assert(server_log_has(&s, "instructor: http://", WAIT_MS));
	ck_assert_uint_eq(strlen(room_key), 32);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(a_report_shows_in_the_state_with_the_key_only)
{
	struct server s;
	char path[128];

	room_start(&s, NULL);
	ck_assert_int_eq(request(&s, "POST", "/report", "kind check\nname ann\n"
				 "practice 2\nresult FAIL\ncheck FAIL flush\n"
				 "hint use fflush\n"), 200);
	ck_assert_str_eq(body(), "ok\n");
	ck_assert_int_eq(get_state(&s), 200);
	ck_assert(strstr(reply_buf, "Content-Type: application/json"));
	ck_assert(strstr(body(), "\"name\":\"ann\""));
	ck_assert(strstr(body(), "\"top_failure\":{\"count\":1,\"practice\":\"2\","
			 "\"check\":\"flush\",\"hint\":\"use fflush\"}"));
	/* Without the key, or with a wrong one: nothing of it. */
	ck_assert_int_eq(request(&s, "GET", "/state.json", NULL), 403);
	ck_assert(!strstr(reply_buf, "ann"));
	snprintf(path, sizeof path, "/state.json?key=%.31s0", room_key);
	if (strcmp(path + 16, room_key) == 0)
		path[strlen(path) - 1] = '1';
	ck_assert_int_eq(request(&s, "GET", path, NULL), 403);
	ck_assert_int_eq(request(&s, "GET", "/?key=", NULL), 403);
	ck_assert_int_eq(request(&s, "POST", "/done?id=1", NULL), 403);
	/* The projector sees counts, no names and no checks. */
	ck_assert_int_eq(request(&s, "GET", "/room.json", NULL), 200);
	ck_assert(strstr(body(), "{\"practice\":\"2\",\"passed\":0,\"failing\":1}"));
	ck_assert(!strstr(body(), "ann") && !strstr(body(), "flush"));
	ck_assert_int_eq(request(&s, "GET", "/room", NULL), 200);
	ck_assert(strstr(body(), "<html"));
	ck_assert_int_eq(request(&s, "GET", "/nothing", NULL), 404);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(ask_queues_a_question_with_the_last_check)
{
	struct server s;
	char room[32], out[1024], cache[] = "/tmp/room-cache-XXXXXX", path[128];

	room_start(&s, NULL);
	ck_assert(mkdtemp(cache));
	snprintf(path, sizeof path, "%s/socket-workshop", cache);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/socket-workshop/last-check", cache);
	FILE *f = fopen(path, "w");
	ck_assert(f);
	fputs("kind check\nname ann\npractice 4\nresult FAIL\n"
	      "check FAIL two users see each other\nexchange > hi\\n\n", f);
	fclose(f);
	setenv("XDG_CACHE_HOME", cache, 1);
	snprintf(room, sizeof room, "127.0.0.1:%d", s.port);
	char *first[] = { ASK, "--room", room, "--name", "ann", "why", "no echo?", NULL };
	char *second[] = { ASK, "--room", room, "--name", "bo", "me too", NULL };
	ck_assert_int_eq(run_program(first, "", out, sizeof out, WAIT_MS), 0);
	ck_assert_msg(strstr(out, "number 1 in the queue"), "%s", out);
	ck_assert_int_eq(run_program(second, "", out, sizeof out, WAIT_MS), 0);
	ck_assert_msg(strstr(out, "number 2 in the queue"), "%s", out);
	unsetenv("XDG_CACHE_HOME");

	ck_assert_int_eq(get_state(&s), 200);
	ck_assert(strstr(body(), "\"text\":\"why no echo?\""));
	ck_assert(strstr(body(), "\"fail\":\"two users see each other\""));
	ck_assert(strstr(body(), "\"exchange\":[\"\\u003e hi\\\\n\"]"));
	snprintf(path, sizeof path, "/claim?id=1&key=%s", room_key);
	ck_assert_int_eq(request(&s, "POST", path, NULL), 200);
	get_state(&s);
	ck_assert(strstr(body(), "\"id\":1,\"place\":1,\"name\":\"ann\","
			 "\"text\":\"why no echo?\",\"claimed\":true"));
	snprintf(path, sizeof path, "/done?id=1&key=%s", room_key);
	ck_assert_int_eq(request(&s, "POST", path, NULL), 200);
	ck_assert_int_eq(request(&s, "POST", path, NULL), 404);
	get_state(&s);
	ck_assert(!strstr(body(), "why no echo?"));
	ck_assert(strstr(body(), "\"id\":2,\"place\":1,\"name\":\"bo\""));
	/* A question goes to /ask, and only a question. */
	ck_assert_int_eq(request(&s, "POST", "/report", "kind ask\nname a\ntext x\n"), 400);
	ck_assert_int_eq(request(&s, "POST", "/ask", "kind doctor\nname a\nresult PASS\n"), 400);
	ck_assert_int_eq(server_stop(&s), 0);
	unlink(strcat(strcpy(out, cache), "/socket-workshop/last-check"));
	rmdir(strcat(strcpy(out, cache), "/socket-workshop"));
	rmdir(cache);
}
END_TEST

/* The real checker's report and last-check file, and ask after it: the
 * question carries the check that failed. */
START_TEST(ask_attaches_what_the_real_checker_saved)
{
	struct server room_srv, echo;
	char room[32], out[4096], cache[] = "/tmp/room-real-XXXXXX", path[160];

	room_start(&room_srv, NULL);
	server_start(&echo, "stage1-echo/echo_server", NULL);
	ck_assert(mkdtemp(cache));
	setenv("XDG_CACHE_HOME", cache, 1);
	snprintf(room, sizeof room, "127.0.0.1:%d", room_srv.port);
	/* An echo server asks no question: practice 2 fails. */
	char *check[] = { "tests/stagecheck", "--room", room, "--name", "ann",
			  "2", "127.0.0.1", echo.port_text, NULL };
	char *ask[] = { ASK, "--room", room, "--name", "ann", "it says nothing", NULL };
	ck_assert_int_eq(run_program(check, "", out, sizeof out, 15000), 1);
	ck_assert_int_eq(run_program(ask, "", out, sizeof out, WAIT_MS), 0);
	ck_assert_msg(strstr(out, "number 1 in the queue"), "%s", out);
	unsetenv("XDG_CACHE_HOME");
	ck_assert_int_eq(get_state(&room_srv), 200);
	const char *learner = strstr(body(), "\"learners\":[{\"name\":\"ann\"");
	ck_assert_msg(learner && strstr(learner, "\"current\":\"2\""), "%.600s", body());
	const char *queue = strstr(body(), "\"queue\":[");
	ck_assert(queue && strstr(queue, "\"text\":\"it says nothing\""));
	ck_assert_msg(strstr(queue, "\"last\":{\"practice\":\"2\",\"passed\":false,"
			  "\"fail\":\""), "%s", queue);
	ck_assert_int_eq(server_stop(&echo), 0);
	ck_assert_int_eq(server_stop(&room_srv), 0);
	snprintf(path, sizeof path, "rm -rf '%s'", cache);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

START_TEST(an_unreachable_room_is_one_warning_for_ask)
{
	char out[1024];
	char *argv[] = { ASK, "--room", "127.0.0.1:1", "hello", NULL };
	char *bad[] = { ASK, "hello", NULL };
	long long start = now_ms();

	ck_assert_int_eq(run_program(argv, "", out, sizeof out, WAIT_MS), 1);
	ck_assert_int_lt(now_ms() - start, 3000);
	ck_assert_int_eq(run_program(bad, "", out, sizeof out, WAIT_MS), 2);
}
END_TEST

START_TEST(past_a_bound_a_clear_error_and_the_room_goes_on)
{
	struct server s;
	static char big[40 * 1024];

	room_start(&s, "-c", "2", NULL);
	for (int i = 0; i < ROOM_REPORTS_PER_S; i++)
		ck_assert_int_eq(request(&s, "POST", "/report", "kind check\nname a\n"
					 "practice 1\nresult PASS\n"), 200);
	ck_assert_int_eq(request(&s, "POST", "/report", "kind check\nname a\n"
				 "practice 1\nresult PASS\n"), 429);
	ck_assert(strstr(body(), "too many reports: wait a second"));
	ck_assert_int_eq(request(&s, "POST", "/report", "kind doctor\nname b\nresult PASS\n"), 200);
	ck_assert_int_eq(request(&s, "POST", "/report", "kind doctor\nname c\nresult PASS\n"), 503);
	ck_assert_str_eq(body(), "the room is full (2 learners)\n");

	memset(big, 'x', sizeof big - 1);
	ck_assert_int_eq(request(&s, "POST", "/report", big), 413);
	ck_assert(strstr(body(), "body too large"));
	/* A head that never ends. */
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	ck_assert_int_eq(raw(&s, big, 20 * 1024), 431);
	ck_assert_int_eq(request(&s, "POST", "/report", "kind check\nname b\n"
				 "practice 1\nresult PASS\n"), 200);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(malformed_requests_get_an_error_or_a_clean_close)
{
	static const struct {
		const char *request;
		int status;
	} bad[] = {
		{ "hello\r\n\r\n", 400 },
		{ "GET /\r\n\r\n", 400 },
		{ "GET / HTTP/2\r\n\r\n", 505 },
		{ "GET nothing HTTP/1.1\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nno colon\r\n\r\n", 400 },
		{ "POST /report HTTP/1.1\r\nContent-Length: -5\r\n\r\n", 400 },
		{ "POST /report HTTP/1.1\r\nContent-Length: 5\r\n"
		  "Content-Length: 6\r\n\r\n", 400 },
		{ "POST /report HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501 },
		{ "POST /report HTTP/1.1\r\nContent-Length: 3\r\n\r\n\0\xff\n", 400 },
		{ "DELETE /state.json HTTP/1.1\r\n\r\n", 403 },
		{ "PUT /report HTTP/1.1\r\n\r\n", 404 },
	};
	struct server s;

	room_start(&s, NULL);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t len = strlen(bad[i].request);
		if (i == 8)
			len += 3; /* the body with a NUL in it */
		ck_assert_msg(raw(&s, bad[i].request, len) == bad[i].status,
			      "%s: %.60s", bad[i].request, reply_buf);
	}
	/* A megabyte of random bytes: refused (or the connection reset
	 * while we still send), and the room serves on. */
	static char junk[1024 * 1024];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (char)(rand() & 0xff);
	int fd = server_connect(&s);
	send_bytes(fd, junk, sizeof junk); /* may fail: the server hung up */
	ck_assert(recv_closed(fd, WAIT_MS));
	close(fd);
	/* Half a request, then the peer goes: closed, and nothing else. */
	fd = server_connect(&s);
	send_str(fd, "POST /report HTTP/1.1\r\nContent-Length: 100\r\n\r\nkind");
	close_with_reset(fd);
	ck_assert_int_eq(request(&s, "POST", "/report", "kind check\nname a\n"
				 "practice 1\nresult PASS\n"), 200);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(a_silent_request_is_closed_after_the_deadline)
{
	struct server s;
	char line[256];

	room_start(&s, NULL);
	int fd = server_connect(&s);
	send_str(fd, "GET /room HTTP/1.1\r\n");
	long long start = now_ms();
	ck_assert(recv_line(fd, line, sizeof line, 8000));
	ck_assert_str_eq(line, "HTTP/1.1 408 Request Timeout\r");
	ck_assert_int_ge(now_ms() - start, 4000);
	close(fd);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(learners_text_is_served_as_data)
{
	struct server s;
	const char *evil = "<img src=x onerror=alert(1)>";
	char report[512];

	room_start(&s, NULL);
	snprintf(report, sizeof report, "kind check\nname %s\npractice 2\nresult FAIL\n"
		 "check FAIL <script>alert(2)</script>\nhint </script><b>\n", evil);
	ck_assert_int_eq(request(&s, "POST", "/report", report), 200);
	ck_assert_int_eq(get_state(&s), 200);
	ck_assert(strstr(reply_buf, "X-Content-Type-Options: nosniff"));
	ck_assert(strstr(body(), "\"name\":\"\\u003cimg src=x onerror=alert(1)\\u003e\""));
	ck_assert(!strchr(body(), '<') && !strchr(body(), '>'));
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(the_event_stream_tells_of_every_change)
{
	struct server s;
	char line[256];
	unsigned long first, next;

	room_start(&s, NULL);
	int fd = server_connect(&s);
	send_str(fd, "GET /events HTTP/1.1\r\n\r\n");
	ck_assert(recv_line(fd, line, sizeof line, WAIT_MS));
	ck_assert_str_eq(line, "HTTP/1.1 200 OK\r");
	while (recv_line(fd, line, sizeof line, WAIT_MS) && strncmp(line, "data: ", 6))
		;
	ck_assert(sscanf(line, "data: %lu", &first) == 1);
	ck_assert_int_eq(request(&s, "POST", "/report", "kind doctor\nname a\n"
				 "result PASS\n"), 200);
	long long posted = now_ms();
	while (recv_line(fd, line, sizeof line, WAIT_MS) && strncmp(line, "data: ", 6))
		;
	ck_assert(sscanf(line, "data: %lu", &next) == 1);
	ck_assert_int_eq(next, first + 1);
	ck_assert_int_lt(now_ms() - posted, 1000);
	close(fd);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(a_restart_loses_nothing)
{
	struct server s;
	char dir[] = "/tmp/room-state-XXXXXX", file[64], path[128], key[64];
	char *before;

	ck_assert(mkdtemp(dir));
	snprintf(file, sizeof file, "%s/room.state", dir);
	room_start(&s, "-f", file, NULL);
	request(&s, "POST", "/report", "kind check\nname ann\npractice 2\n"
		"result FAIL\ncheck FAIL flush\n");
	request(&s, "POST", "/report", "kind doctor\nname bo\nresult FAIL\n"
		"missing Check\n");
	request(&s, "POST", "/ask", "kind ask\nname bo\ntext help\n");
	request(&s, "POST", "/ask", "kind ask\nname ann\ntext me too\n");
	snprintf(path, sizeof path, "/claim?id=2&key=%s", room_key);
	ck_assert_int_eq(request(&s, "POST", path, NULL), 200);
	ck_assert_int_eq(get_state(&s), 200);
	before = strdup(strstr(body(), "\"top_failure\""));
	snprintf(key, sizeof key, "%s", room_key);
	/* SIGKILL: no chance to save at the end, so it was saved already. */
	kill(s.pid, SIGKILL);
	reap_or_kill(s.pid, WAIT_MS);
	unlink(s.log_path);

	room_start(&s, "-f", file, NULL);
	ck_assert_str_eq(room_key, key); /* the instructor's page goes on */
	ck_assert_int_eq(get_state(&s), 200);
	ck_assert_str_eq(strstr(body(), "\"top_failure\""), before);
	ck_assert(strstr(body(), "\"claimed\":true"));
	ck_assert_int_eq(request(&s, "POST", "/ask", "kind ask\nname cy\ntext new\n"), 200);
	ck_assert_str_eq(body(), "queued 3\n");
	get_state(&s);
	ck_assert(strstr(body(), "\"id\":3,\"place\":3,\"name\":\"cy\""));
	ck_assert_int_eq(server_stop(&s), 0);
	free(before);
	unlink(file);
	strcat(file, ".key");
	unlink(file);
	rmdir(dir);
}
END_TEST

/* 40 learners at once, each with its own connection per report, while a
 * page streams events and reads the state: all of them counted, nobody
 * turned away (and, under ThreadSanitizer, no race). */
struct crowd_member {
	const struct server *s;
	int number;
	int ok;
};

static void *report_three_times(void *arg)
{
	struct crowd_member *m = arg;
	char request[512], body[256], reply[512];

	for (int round = 0; round < 3; round++) {
		int len = snprintf(body, sizeof body, "kind check\nname crowd%02d\n"
				   "practice %d\nresult FAIL\ncheck FAIL c%d\n",
				   m->number, round + 1, m->number % 3);
		snprintf(request, sizeof request, "POST /report HTTP/1.1\r\n"
			 "Content-Length: %d\r\n\r\n%s", len, body);
		int fd = server_connect(m->s);
		if (send_str(fd, request) &&
		    recv_exactly(fd, reply, 12, WAIT_MS) &&
		    memcmp(reply, "HTTP/1.1 200", 12) == 0)
			m->ok++;
		close(fd);
	}
	return NULL;
}

START_TEST(a_crowd_reporting_at_once_is_all_counted)
{
	struct server s;
	struct crowd_member crowd[40];
	pthread_t threads[40];
	char line[256];

	room_start(&s, NULL);
	int events = server_connect(&s);
	send_str(events, "GET /events HTTP/1.1\r\n\r\n");
	for (int i = 0; i < 40; i++) {
		crowd[i] = (struct crowd_member){ &s, i, 0 };
		ck_assert(pthread_create(&threads[i], NULL, report_three_times, &crowd[i]) == 0);
	}
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(get_state(&s), 200);
	for (int i = 0; i < 40; i++) {
		pthread_join(threads[i], NULL);
		ck_assert_int_eq(crowd[i].ok, 3);
	}
	/* The stream reaches the last version: 120 changes. */
	bool seen = false;
	while (!seen && recv_line(events, line, sizeof line, WAIT_MS))
		seen = strcmp(line, "data: 120") == 0;
	ck_assert(seen);
	close(events);
	ck_assert_int_eq(get_state(&s), 200);
	ck_assert(strstr(body(), "\"top_failure\":{\"count\":14,\"practice\":\"3\","
			 "\"check\":\"c0\""));
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* ---- make doctor ROOM=... ------------------------------------------------------ */

#define DOCTOR_REPORT "tests/room/doctor_report.sh"

/* A directory whose links give the shell tools the script uses and
 * nothing the doctor looks for, so the doctor finds cc, make and the
 * rest missing, as on a machine that is not ready. */
static void bare_path(char *dir)
{
	static const char *const tools[] = {
		"sh", "bash", "curl", "sed", "tr", "grep", "head", "tail", "cut",
		"wc", "mktemp", "rm", "cat", "dirname", "uname", "id", "sleep",
	};
	char link[256], target[256];

	ck_assert(mkdtemp(dir));
	for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++) {
		snprintf(target, sizeof target, "/usr/bin/%s", tools[i]);
		if (access(target, X_OK) != 0)
			snprintf(target, sizeof target, "/bin/%s", tools[i]);
		snprintf(link, sizeof link, "%s/%s", dir, tools[i]);
		ck_assert_msg(symlink(target, link) == 0, "%s", link);
	}
}

static void remove_bare_path(const char *dir)
{
	char command[300];

	snprintf(command, sizeof command, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(command), 0);
}

static int run_doctor_report(const char *via, const char *room, const char *name,
			     char *out, size_t cap, const char *path)
{
	char *argv[] = { "sh", DOCTOR_REPORT, (char *)room, (char *)name, NULL };
	char *saved_path = strdup(getenv("PATH"));

	setenv("ROOM_VIA", via, 1);
	setenv("ROOM_TIMEOUT", "1", 1);
	if (path)
		setenv("PATH", path, 1);
	int status = run_program(argv, "", out, cap, WAIT_MS);
	setenv("PATH", saved_path, 1);
	unsetenv("ROOM_VIA");
	unsetenv("ROOM_TIMEOUT");
	free(saved_path);
	return status;
}

/* This machine's own verdict (0: ready): a fresh one that ran only make
 * test may lack what only the doctor asks for (nc, a Korean font). */
static int doctor_verdict(void)
{
	return WEXITSTATUS(system("sh slides/doctor.sh >/dev/null 2>&1"));
}

START_TEST(doctor_reports_the_roll_call_with_curl_or_bash)
{
	static const char *const vias[] = { "curl", "bash" };
	struct server s;
	char room[32], out[8192], bare[] = "/tmp/room-bare-XXXXXX", name[32];

	if (access("slides/doctor.sh", R_OK) != 0) {
		puts("room: no slides/doctor.sh here (a sanitizer build): skipped");
		return;
	}
	room_start(&s, NULL);
	snprintf(room, sizeof room, "127.0.0.1:%d", s.port);
	bare_path(bare);
	int verdict = doctor_verdict();
	const char *ready = verdict == 0 ? "\"ready\":true" : "\"ready\":false";
	for (size_t i = 0; i < 2; i++) {
		snprintf(name, sizeof name, "ready-%s", vias[i]);
		ck_assert_int_eq(run_doctor_report(vias[i], room, name, out,
						   sizeof out, NULL), verdict);
		ck_assert_msg(strstr(out, "Reported to the room at"), "%s", out);
		snprintf(name, sizeof name, "bare-%s", vias[i]);
		/* The doctor's verdict (1: things missing) is the exit status. */
		ck_assert_int_eq(run_doctor_report(vias[i], room, name, out,
						   sizeof out, bare), 1);
		ck_assert_msg(strstr(out, "Reported to the room at"), "%s", out);
	}
	ck_assert_int_eq(get_state(&s), 200);
	for (size_t i = 0; i < 2; i++) {
		char expected[128];
		snprintf(expected, sizeof expected, "\"name\":\"ready-%s\","
			 "\"current\":\"\",\"stuck_since\":0,\"doctor\":{%s",
			 vias[i], ready);
		ck_assert_msg(strstr(body(), expected), "no %s", expected);
	}
	const char *bash = strstr(body(), "\"name\":\"bare-bash\"");
	ck_assert(bash && strstr(bash, "\"ready\":false"));
	ck_assert(strstr(bash, "\"missing\":[\"C compiler\",\"make\""));
	ck_assert(strstr(strstr(body(), "\"name\":\"bare-curl\""),
			 "\"missing\":[\"C compiler\",\"make\""));
	remove_bare_path(bare);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(doctor_gives_up_on_a_silent_room_in_time)
{
	static const char *const vias[] = { "curl", "bash" };
	char out[8192], room[32];
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof addr;

	if (access("slides/doctor.sh", R_OK) != 0)
		return;
	/* Listening, never answering: connect() succeeds, no reply comes. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert(bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
		  listen(fd, 8) == 0 &&
		  getsockname(fd, (struct sockaddr *)&addr, &len) == 0);
	snprintf(room, sizeof room, "127.0.0.1:%d", ntohs(addr.sin_port));
	int verdict = doctor_verdict();
	for (size_t i = 0; i < 2; i++) {
		long long start = now_ms();
		ck_assert_int_eq(run_doctor_report(vias[i], room, "x", out,
						   sizeof out, NULL), verdict);
		ck_assert_msg(!strstr(out, "Reported"), "%s", out);
		ck_assert_msg(now_ms() - start < 3500, "%s: %lld ms", vias[i], now_ms() - start);
	}
	close(fd);
}
END_TEST

Suite *room_suite(void)
{
	Suite *s = suite_create("room");
	TCase *units = tcase_create("parser and state");
	TCase *server = tcase_create("server");

	tcase_add_checked_fixture(units, room_setup, room_teardown);
	tcase_add_test(units, parser_reads_a_check_run);
	tcase_add_test(units, parser_reads_doctor_and_ask);
	tcase_add_test(units, parser_refuses_what_is_wrong);
	tcase_add_test(units, parser_keeps_its_bounds);
	tcase_add_test(units, printable_copy_cuts_whole_characters_and_hides_controls);
	tcase_add_test(units, parser_turns_control_bytes_into_text);
	tcase_add_test(units, a_failing_practice_keeps_the_time_it_began_failing);
	tcase_add_test(units, the_most_common_first_failure_counts_learners_failing_now);
	tcase_add_test(units, the_longest_stuck_come_first);
	tcase_add_test(units, reports_are_bounded_per_learner_and_per_room);
	tcase_add_test(units, the_queue_keeps_one_place_per_learner);
	tcase_add_test(units, json_text_cannot_read_as_markup);
	tcase_add_test(units, the_saved_room_reads_back_the_same);
	suite_add_tcase(s, units);

	tcase_set_timeout(server, 30);
	tcase_add_test(server, room_server_keeps_the_server_contract);
	tcase_add_test(server, room_server_prints_the_learners_line_and_the_key);
	tcase_add_test(server, a_report_shows_in_the_state_with_the_key_only);
	tcase_add_test(server, ask_queues_a_question_with_the_last_check);
	tcase_add_test(server, ask_attaches_what_the_real_checker_saved);
	tcase_add_test(server, an_unreachable_room_is_one_warning_for_ask);
	tcase_add_test(server, past_a_bound_a_clear_error_and_the_room_goes_on);
	tcase_add_test(server, malformed_requests_get_an_error_or_a_clean_close);
	tcase_add_test(server, a_silent_request_is_closed_after_the_deadline);
	tcase_add_test(server, learners_text_is_served_as_data);
	tcase_add_test(server, the_event_stream_tells_of_every_change);
	tcase_add_test(server, a_restart_loses_nothing);
	tcase_add_test(server, a_crowd_reporting_at_once_is_all_counted);
	tcase_add_test(server, doctor_reports_the_roll_call_with_curl_or_bash);
	tcase_add_test(server, doctor_gives_up_on_a_silent_room_in_time);
	suite_add_tcase(s, server);
	return s;
}
