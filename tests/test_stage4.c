/*
 * test_stage4.c - the chat server: command parsing on its own, then the
 * real binary: every command under both names, rooms, private messages,
 * votes, the limits (long lines, full server, floods, idle users, users
 * who stop reading), 200 users at once, and our chat_client.
 */
#include "harness.h"
#include "chat.h"
#include "outbox.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHAT_SERVER "stage4-chat/chat_server"
#define CHAT_CLIENT "stage4-chat/chat_client"
#define LINE_CAP 4096

/* ---- Parsing, on its own ------------------------------------------------ */

static enum chat_command_kind parse(const char *text, struct chat_command *cmd)
{
	static char line[LINE_CAP]; /* the command points into it */

	snprintf(line, sizeof line, "%s", text);
	return chat_parse_command(line, cmd);
}

START_TEST(every_command_has_an_english_and_a_korean_name)
{
	static const struct {
		const char *english, *korean;
		enum chat_command_kind kind;
	} names[] = {
		{ "/nick ipkn", "/대화명 입큰", CHAT_NICK },
		{ "/dice", "/주사위", CHAT_DICE },
		{ "/msg ipkn hi", "/메시지 입큰 저녁 같이 드실래요?", CHAT_MSG },
		{ "/poll lunch?", "/투표시작 점심?", CHAT_POLL },
		{ "/vote yes", "/투표 찬성", CHAT_VOTE },
		{ "/endpoll", "/투표종료", CHAT_ENDPOLL },
		{ "/join games", "/참가 게임방", CHAT_JOIN },
		{ "/who", "/누구", CHAT_WHO },
		{ "/help", "/도움말", CHAT_HELP },
		{ "/quit", "/나가기", CHAT_QUIT },
	};
	struct chat_command cmd;

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		ck_assert_int_eq(parse(names[i].english, &cmd), names[i].kind);
		ck_assert_int_eq(parse(names[i].korean, &cmd), names[i].kind);
	}
}
END_TEST

START_TEST(arguments_are_read_and_checked)
{
	struct chat_command cmd;

	ck_assert_int_eq(parse("/대화명 입큰  ", &cmd), CHAT_NICK);
	ck_assert_str_eq(cmd.name, "입큰");
	ck_assert_int_eq(parse("/dice", &cmd), CHAT_DICE);
	ck_assert_int_eq(cmd.number, 100);
	ck_assert_int_eq(parse("/주사위 6", &cmd), CHAT_DICE);
	ck_assert_int_eq(cmd.number, 6);
	ck_assert_int_eq(parse("/메시지 누구 저녁 같이 드실래요?", &cmd), CHAT_MSG);
	ck_assert_str_eq(cmd.name, "누구");
	ck_assert_str_eq(cmd.text, "저녁 같이 드실래요?");
	ck_assert_int_eq(parse("/poll pizza or sushi?", &cmd), CHAT_POLL);
	ck_assert_str_eq(cmd.text, "pizza or sushi?");
	ck_assert_int_eq(cmd.number, CHAT_VOTE_SECONDS);
	ck_assert_int_eq(parse("/투표시작 30s 3 more days?", &cmd), CHAT_POLL);
	ck_assert_str_eq(cmd.text, "3 more days?");
	ck_assert_int_eq(cmd.number, 30);
	ck_assert_int_eq(parse("/vote NO", &cmd), CHAT_VOTE);
	ck_assert(!cmd.yes);
	ck_assert_int_eq(parse("/투표 반대", &cmd), CHAT_VOTE);
	ck_assert(!cmd.yes);
	ck_assert_int_eq(parse("/투표 yes", &cmd), CHAT_VOTE);
	ck_assert(cmd.yes);
	ck_assert_int_eq(parse("/참가 게임방", &cmd), CHAT_JOIN);
	ck_assert_str_eq(cmd.name, "게임방");
}
END_TEST

START_TEST(bad_commands_are_one_error)
{
	static const char *const bad[] = {
		"/nick", "/nick two words", "/dice 0", "/dice 1000001",
		"/dice six", "/dice 6 7", "/msg", "/msg alone", "/poll",
		"/vote", "/vote maybe", "/투표 yes no", "/ballot yes",
		"/endvote", "/join", "/who me",
		"/quit now", "/frobnicate", "/", "/nick guest7",
		"/nick /slash", "/join *star",
		"/nick 123456789012345678901234567890123",
	};
	struct chat_command cmd;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(parse(bad[i], &cmd) == CHAT_ERROR, "%s", bad[i]);
		ck_assert(cmd.error && *cmd.error);
		ck_assert(cmd.name && cmd.name[0] == '/');
	}
}
END_TEST

START_TEST(plain_lines_are_said)
{
	struct chat_command cmd;

	ck_assert_int_eq(parse("안녕 세계!", &cmd), CHAT_SAY);
	ck_assert_str_eq(cmd.text, "안녕 세계!");
	ck_assert_int_eq(parse("//nick is a command", &cmd), CHAT_SAY);
	ck_assert_str_eq(cmd.text, "/nick is a command");
	ck_assert_int_eq(parse("   ", &cmd), CHAT_SAY);
	ck_assert_str_eq(cmd.text, "");
}
END_TEST

START_TEST(names_and_text_rules)
{
	char text[] = "a\x1b[2Jb\x7f\xc2\x9b" "1m안";

	ck_assert_ptr_null(chat_name_problem("입큰"));
	ck_assert_ptr_null(chat_name_problem("열글자짜리대화명이다")); /* 30 bytes */
	ck_assert_ptr_nonnull(chat_name_problem("열한글자짜리대화명이다"));
	ck_assert_ptr_nonnull(chat_name_problem(""));
	ck_assert_ptr_nonnull(chat_name_problem("a b"));
	ck_assert_ptr_nonnull(chat_name_problem("\xed\x95"));
	/* Invisible and direction-changing characters could make a name
	 * pass for another: a zero-width space, a right-to-left override, a
	 * Hangul filler, a no-break space, a byte-order mark. */
	ck_assert_ptr_nonnull(chat_name_problem("alice\u200b"));
	ck_assert_ptr_nonnull(chat_name_problem("\u202eecila"));
	ck_assert_ptr_nonnull(chat_name_problem("\u3164"));
	ck_assert_ptr_nonnull(chat_name_problem("a\u00a0b"));
	ck_assert_ptr_nonnull(chat_name_problem("\ufeffbob"));
	ck_assert_ptr_null(chat_name_problem("éclair"));
	ck_assert(chat_is_guest_name("guest12"));
	ck_assert(!chat_is_guest_name("guest"));
	ck_assert(!chat_is_guest_name("guestbook"));

	ck_assert(chat_is_utf8("안녕 세계!", strlen("안녕 세계!")));
	ck_assert(chat_is_utf8("\xf0\x9f\x98\x80", 4));  /* an emoji */
	ck_assert(!chat_is_utf8("\xc0\x80", 2));         /* overlong NUL */
	ck_assert(!chat_is_utf8("\xed\xa0\x80", 3));     /* a surrogate */
	ck_assert(!chat_is_utf8("\xec\x95", 2));         /* cut short */
	ck_assert(!chat_is_utf8("\xf5\x80\x80\x80", 4)); /* past U+10FFFF */
	ck_assert(!chat_is_utf8("a\0b", 3));
	ck_assert(!chat_is_utf8("\xff", 1));
	chat_blank_controls(text);
	ck_assert_str_eq(text, "a?[2Jb???1m안");
}
END_TEST

START_TEST(flood_bucket_allows_a_burst_then_a_rate)
{
	struct chat_flood f;
	int allowed = 0;
	const int rate = CHAT_FLOOD_RATE;

	chat_flood_init(&f, rate, 1000);
	while (chat_flood_wait_ms(&f, 1000) == 0)
		allowed++;
	ck_assert_int_eq(allowed, CHAT_FLOOD_BURST);
	/* Empty: the wait is the time until the next token, and after it
	 * there is one, and only one. */
	long long wait = chat_flood_wait_ms(&f, 1000);
	ck_assert(wait > 0 && wait <= 1000 / rate + 1);
	ck_assert_int_eq(chat_flood_wait_ms(&f, 1000 + wait), 0);
	ck_assert(chat_flood_wait_ms(&f, 1000 + wait) > 0);
	/* A quiet hour gives back a burst, not more. */
	allowed = 0;
	while (chat_flood_wait_ms(&f, 3600 * 1000) == 0)
		allowed++;
	ck_assert_int_eq(allowed, CHAT_FLOOD_BURST);
	/* A rate of 0 is no limit. */
	chat_flood_init(&f, 0, 1000);
	for (int i = 0; i < 10 * CHAT_FLOOD_BURST; i++)
		ck_assert_int_eq(chat_flood_wait_ms(&f, 1000), 0);
}
END_TEST

/* A socket pair whose first end cannot take another byte. */
static void full_socket_pair(int fds[2])
{
	char chunk[4096] = { 0 };

	ck_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
	while (send(fds[0], chunk, sizeof chunk, MSG_DONTWAIT) > 0)
		;
	ck_assert(errno == EAGAIN);
}

START_TEST(outbox_sends_at_once_when_the_socket_takes_it)
{
	struct chat_outbox o;
	int fds[2];
	char buf[16];

	ck_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
	ck_assert_int_eq(chat_outbox_init(&o, fds[0], 250), 0);
	ck_assert(chat_outbox_put(&o, "hello\n", 6));
	ck_assert_uint_eq(o.queued_len, 0);
	ck_assert(recv_exactly(fds[1], buf, 6, WAIT_MS));
	ck_assert(memcmp(buf, "hello\n", 6) == 0);
	chat_outbox_close(&o);
	const char *data;
	ck_assert_uint_eq(chat_outbox_take(&o, &data), 0);
	chat_outbox_destroy(&o);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(outbox_is_bounded_until_sent)
{
	struct chat_outbox o;
	const char *data;
	char chunk[100];
	int fds[2];

	full_socket_pair(fds);
	memset(chunk, 'x', sizeof chunk);
	ck_assert_int_eq(chat_outbox_init(&o, fds[0], 250), 0);
	ck_assert(chat_outbox_put(&o, chunk, 100));
	ck_assert(chat_outbox_put(&o, chunk, 100));
	ck_assert(!chat_outbox_put(&o, chunk, 100)); /* 300 > 250 */
	ck_assert(chat_outbox_put(&o, "12345", 5));
	ck_assert_uint_eq(chat_outbox_take(&o, &data), 205);
	ck_assert(memcmp(data + 200, "12345", 5) == 0);
	/* Taken but not yet sent still counts. */
	ck_assert(!chat_outbox_put(&o, chunk, 100));
	chat_outbox_sent(&o);
	ck_assert(chat_outbox_put(&o, chunk, 100));
	chat_outbox_close(&o);
	ck_assert(!chat_outbox_put(&o, "late", 4));
	ck_assert_uint_eq(chat_outbox_take(&o, &data), 100);
	chat_outbox_sent(&o);
	ck_assert_uint_eq(chat_outbox_take(&o, &data), 0);
	chat_outbox_writer_gone(&o);
	chat_outbox_wait_writer(&o); /* at once */
	chat_outbox_destroy(&o);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(vote_results_name_the_winner)
{
	struct chat_vote v = { .question = "pizza?", .yes = 2, .no = 1 };
	char line[256];

	chat_vote_result(&v, line, sizeof line);
	ck_assert_str_eq(line, "* vote ended: pizza?: yes 2, no 1: yes wins\n");
	v.no = 2;
	chat_vote_result(&v, line, sizeof line);
	ck_assert_str_eq(line, "* vote ended: pizza?: yes 2, no 2: a tie\n");
}
END_TEST

/* ---- Talking to the real server ---------------------------------------- */

struct user {
	int fd;
	char nick[CHAT_NAME_MAX + 1];
};

static void start_chat(struct server *s)
{
	server_start(s, CHAT_SERVER, "-t", "30", NULL);
}

/* The next line for u, which must come within WAIT_MS. */
static char *next_line(struct user *u, char buf[LINE_CAP])
{
	char *line = recv_line(u->fd, buf, LINE_CAP, WAIT_MS);

	ck_assert_msg(line, "%s: no line within %d ms", u->nick, WAIT_MS);
	return line;
}

/* Skip u's lines until one holds `text`; fail the test after WAIT_MS. */
static char *wait_for(struct user *u, const char *text, char buf[LINE_CAP])
{
	long long deadline = now_ms() + WAIT_MS;
	char *line;

	while ((line = recv_line(u->fd, buf, LINE_CAP,
				 (int)(deadline - now_ms()))))
		if (strstr(line, text))
			return line;
	ck_abort_msg("%s never got a line with \"%s\"", u->nick, text);
	return NULL;
}

/* The next line for u must be exactly the printf()ed text. */
__attribute__((format(printf, 2, 3)))
static void expect(struct user *u, const char *format, ...)
{
	char want[LINE_CAP], buf[LINE_CAP];
	va_list ap;

	va_start(ap, format);
	vsnprintf(want, sizeof want, format, ap);
	va_end(ap);
	ck_assert_str_eq(next_line(u, buf), want);
}

static void say(struct user *u, const char *line)
{
	ck_assert(send_str(u->fd, line));
	ck_assert(send_str(u->fd, "\n"));
}

/* Read the greeting on a new connection, learn the nickname. */
static void greeted(struct user *u)
{
	char buf[LINE_CAP];

	snprintf(u->nick, sizeof u->nick, "(new user)");
	char *greeting = next_line(u, buf);
	ck_assert_msg(sscanf(greeting, "* welcome, %32[^!]!", u->nick) == 1,
		      "greeting: %s", greeting);
	ck_assert_msg(strstr(greeting, "/help"), "greeting: %s", greeting);
	expect(u, "* %s joined lobby", u->nick);
}

static void enter(struct server *s, struct user *u)
{
	u->fd = server_connect(s);
	greeted(u);
}

/* n users in the lobby, each with nothing left to read. */
static void enter_all(struct server *s, struct user *users, int n)
{
	char text[LINE_CAP], buf[LINE_CAP];

	for (int i = 0; i < n; i++) {
		enter(s, &users[i]);
		snprintf(text, sizeof text, "* %s joined lobby", users[i].nick);
		for (int j = 0; j < i; j++)
			ck_assert_str_eq(next_line(&users[j], buf), text);
	}
}

/* Stop the server once every user who hung up is gone (both of its
 * threads ended), so that nothing is cut short by the exit; it must stop
 * cleanly. */
static void stop_chat(struct server *s)
{
	long long deadline = now_ms() + WAIT_MS;
	bool gone;

	while (!(gone = server_log_count(s, "disconnect from") >=
			server_log_count(s, ": connect from") - server_log_count(s, "refusing")) &&
	       now_ms() < deadline)
		sleep_us(20 * 1000);
	ck_assert_msg(gone, "users still connected after they hung up");
	ck_assert_int_eq(server_stop(s), 0);
}

/* A server with n users in its lobby, and nothing left to read. */
static void open_room(struct server *s, struct user *users, int n)
{
	start_chat(s);
	enter_all(s, users, n);
}

/* Hang up, and the server must stop cleanly. */
static void close_room(struct server *s, struct user *users, int n)
{
	for (int i = 0; i < n; i++)
		close(users[i].fd);
	stop_chat(s);
}

/* Whether u got a line holding `text` before the one holding `mark`. */
static bool seen_before(struct user *u, const char *text, const char *mark)
{
	char buf[LINE_CAP];
	bool seen = false;
	char *line;

	while (!strstr(line = next_line(u, buf), mark))
		seen = seen || strstr(line, text);
	return seen;
}

START_TEST(lines_reach_the_whole_room_labelled)
{
	struct server s;
	struct user u[3];

	open_room(&s, u, 3);
	say(&u[0], "안녕 세계!");
	for (int i = 0; i < 3; i++)
		expect(&u[i], "%s: 안녕 세계!", u[0].nick);
	/* telnet ends lines with \r\n: nobody sees the \r. */
	ck_assert(send_str(u[1].fd, "from telnet\r\n"));
	for (int i = 0; i < 3; i++)
		expect(&u[i], "%s: from telnet", u[1].nick);
	/* An empty line says nothing; // escapes a slash. */
	say(&u[2], "");
	say(&u[2], "//nick is a command");
	for (int i = 0; i < 3; i++)
		expect(&u[i], "%s: /nick is a command", u[2].nick);
	close_room(&s, u, 3);
}
END_TEST

static void check_nick(const char *command)
{
	struct server s;
	struct user u[2];
	char line[LINE_CAP];

	open_room(&s, u, 2);
	snprintf(line, sizeof line, "%s 입큰", command);
	say(&u[0], line);
	for (int i = 0; i < 2; i++)
		expect(&u[i], "* %s is now known as 입큰", u[0].nick);
	say(&u[0], "hi");
	expect(&u[1], "입큰: hi");
	/* Taken: an error for the asker only. */
	say(&u[1], line);
	ck_assert(strstr(next_line(&u[1], line), "error:"));
	say(&u[1], "mark");
	ck_assert(!seen_before(&u[0], "error", "mark"));
	close_room(&s, u, 2);
}

START_TEST(nick_in_english) { check_nick("/nick"); }
END_TEST
START_TEST(nick_in_korean) { check_nick("/대화명"); }
END_TEST

static void check_dice(const char *command)
{
	struct server s;
	struct user u[2];
	char line[LINE_CAP], text[LINE_CAP];
	unsigned int roll, sides;

	open_room(&s, u, 2);
	snprintf(text, sizeof text, "%s 6", command);
	say(&u[0], text);
	snprintf(text, sizeof text, "* %s rolled %%u (1-%%u)", u[0].nick);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(sscanf(next_line(&u[i], line), text, &roll,
					&sides), 2);
		ck_assert(roll >= 1 && roll <= 6 && sides == 6);
	}
	say(&u[1], command); /* the default: 1 to 100 */
	snprintf(text, sizeof text, "* %s rolled %%u (1-%%u)", u[1].nick);
	ck_assert_int_eq(sscanf(next_line(&u[1], line), text, &roll, &sides), 2);
	ck_assert(roll >= 1 && roll <= 100 && sides == 100);
	close_room(&s, u, 2);
}

START_TEST(dice_in_english) { check_dice("/dice"); }
END_TEST
START_TEST(dice_in_korean) { check_dice("/주사위"); }
END_TEST

static void check_private(const char *command)
{
	struct server s;
	struct user u[3];
	char line[LINE_CAP];

	open_room(&s, u, 3);
	snprintf(line, sizeof line, "%s %s 저녁 같이 드실래요?", command,
		 u[1].nick);
	say(&u[0], line);
	say(&u[0], "mark");
	for (int i = 0; i < 2; i++)
		expect(&u[i], "(private) %s -> %s: 저녁 같이 드실래요?",
		       u[0].nick, u[1].nick);
	ck_assert(!seen_before(&u[2], "저녁", "mark"));
	snprintf(line, sizeof line, "%s nobody hello", command);
	say(&u[0], line);
	wait_for(&u[0], "mark", line);
	expect(&u[0], "error: nobody is called nobody");
	close_room(&s, u, 3);
}

START_TEST(private_message_in_english) { check_private("/msg"); }
END_TEST
START_TEST(private_message_in_korean) { check_private("/메시지"); }
END_TEST

/* Three users vote (start, yes, no, yes); the starter ends it. */
static void check_vote(const char *start, const char *yes, const char *no,
		       const char *end)
{
	struct server s;
	struct user u[3];
	char line[LINE_CAP];

	open_room(&s, u, 3);
	snprintf(line, sizeof line, "%s pizza tonight?", start);
	say(&u[0], line);
	for (int i = 0; i < 3; i++)
		ck_assert(strstr(next_line(&u[i], line), "started a vote: pizza"));
	say(&u[0], yes);
	expect(&u[0], "* you voted yes");
	say(&u[0], no); /* once only */
	ck_assert(strstr(next_line(&u[0], line), "error:"));
	say(&u[1], no);
	expect(&u[1], "* you voted no");
	say(&u[2], yes);
	expect(&u[2], "* you voted yes");
	say(&u[1], end); /* only the starter may end it */
	ck_assert(strstr(next_line(&u[1], line), "error:"));
	say(&u[0], end);
	for (int i = 0; i < 3; i++)
		expect(&u[i], "* vote ended: pizza tonight?: yes 2, no 1: yes wins");
	say(&u[0], yes); /* nothing to vote on now */
	ck_assert(strstr(next_line(&u[0], line), "error:"));
	close_room(&s, u, 3);
}

START_TEST(vote_in_english)
{
	check_vote("/poll", "/vote yes", "/vote no", "/endpoll");
}
END_TEST

START_TEST(vote_in_korean)
{
	check_vote("/투표시작", "/투표 찬성", "/투표 반대", "/투표종료");
}
END_TEST

START_TEST(vote_ends_by_itself_when_time_is_up)
{
	struct server s;
	struct user u[2];
	char line[LINE_CAP];

	open_room(&s, u, 2);
	long long start = now_ms();
	say(&u[0], "/poll 1s lunch?");
	for (int i = 0; i < 2; i++)
		ck_assert(strstr(next_line(&u[i], line), "within 1 s"));
	say(&u[1], "/투표 반대");
	expect(&u[1], "* you voted no");
	for (int i = 0; i < 2; i++)
		expect(&u[i], "* vote ended: lunch?: yes 0, no 1: no wins");
	ck_assert_int_ge(now_ms() - start, 990); /* not before its time */
	close_room(&s, u, 2);
}
END_TEST

/* A vote ends with its room: when its last user goes, by /join or by
 * hanging up, nothing of it is left to walk or to vote on. */
START_TEST(a_vote_ends_with_its_room)
{
	struct server s;
	struct user u[2];
	char line[LINE_CAP];

	open_room(&s, u, 2);
	say(&u[0], "/join r1");
	wait_for(&u[0], "* ", line);
	say(&u[0], "/poll 600s forgotten?");
	wait_for(&u[0], "started a vote", line);
	say(&u[0], "/join r2"); /* r1 is empty now */
	wait_for(&u[0], "joined r2", line);
	say(&u[1], "/join r1");
	wait_for(&u[1], "joined r1", line);
	say(&u[1], "/vote yes");
	expect(&u[1], "error: no vote in r1");
	/* And by hanging up: u[1] alone in r1 starts one and goes. */
	say(&u[1], "/poll 600s also forgotten?");
	wait_for(&u[1], "started a vote", line);
	close(u[1].fd);
	ck_assert(server_log_has(&s, "disconnect from", WAIT_MS));
	say(&u[0], "/join r1");
	wait_for(&u[0], "joined r1", line);
	say(&u[0], "/vote no");
	expect(&u[0], "error: no vote in r1");
	close(u[0].fd);
	stop_chat(&s);
}
END_TEST

/* At most CHAT_VOTES_MAX votes run at once, in all rooms together. */
START_TEST(votes_are_capped_per_server)
{
	enum { USERS = CHAT_VOTES_MAX + 1 };
	struct server s;
	static struct user u[USERS];
	char line[LINE_CAP];

	start_chat(&s);
	for (int i = 0; i < USERS; i++) {
		enter(&s, &u[i]);
		snprintf(line, sizeof line, "/join room%d", i);
		say(&u[i], line);
		wait_for(&u[i], "joined room", line);
		say(&u[i], "/poll 600s how many?");
		if (i < USERS - 1)
			wait_for(&u[i], "started a vote", line);
	}
	ck_assert_str_eq(next_line(&u[USERS - 1], line),
			 "error: " CHAT_TEXT_OF(CHAT_VOTES_MAX) " votes are "
			 "running already: try again later");
	/* One ends: a place is free again. */
	say(&u[0], "/endpoll");
	wait_for(&u[0], "vote ended", line);
	say(&u[USERS - 1], "/poll 600s now?");
	wait_for(&u[USERS - 1], "started a vote", line);
	for (int i = 0; i < USERS; i++)
		close(u[i].fd);
	stop_chat(&s);
}
END_TEST

/* A name with an invisible or direction-changing character would pass
 * for the real one on everyone's screen. */
START_TEST(a_name_cannot_pass_for_another)
{
	static const char *const lookalikes[] = {
		"/nick alice\u200b",   /* zero-width space */
		"/nick \u202eecila",   /* right-to-left override */
		"/nick ali\u200dce",   /* zero-width joiner */
		"/nick alice\u3164",   /* Hangul filler */
		"/join lobby\u200b",   /* rooms too */
	};
	struct server s;
	struct user u[2];
	char line[LINE_CAP];

	open_room(&s, u, 2);
	say(&u[0], "/nick alice");
	for (int i = 0; i < 2; i++)
		wait_for(&u[i], "is now known as alice", line);
	for (size_t i = 0; i < sizeof lookalikes / sizeof lookalikes[0]; i++) {
		say(&u[1], lookalikes[i]);
		ck_assert_msg(strstr(next_line(&u[1], line), "error:"),
			      "%s: %s", lookalikes[i], line);
	}
	say(&u[1], "mark");
	ck_assert(!seen_before(&u[0], "known as", "mark"));
	close_room(&s, u, 2);
}
END_TEST

static void check_rooms(const char *command)
{
	struct server s;
	struct user u[3];
	char line[LINE_CAP];

	open_room(&s, u, 3);
	snprintf(line, sizeof line, "%s 게임방", command);
	say(&u[0], line);
	expect(&u[0], "* %s joined 게임방", u[0].nick);
	expect(&u[1], "* %s left for 게임방", u[0].nick);
	expect(&u[2], "* %s left for 게임방", u[0].nick);
	say(&u[1], line);
	expect(&u[0], "* %s joined 게임방", u[1].nick);
	expect(&u[1], "* %s joined 게임방", u[1].nick);
	expect(&u[2], "* %s left for 게임방", u[1].nick);
	/* The rooms do not hear each other. */
	say(&u[0], "in the game room");
	say(&u[2], "in the lobby");
	expect(&u[1], "%s: in the game room", u[0].nick);
	expect(&u[0], "%s: in the game room", u[0].nick);
	expect(&u[2], "%s: in the lobby", u[2].nick);
	say(&u[2], "/who");
	expect(&u[2], "* in lobby: %s", u[2].nick);
	snprintf(line, sizeof line, "%s lobby", command);
	say(&u[0], line);
	expect(&u[1], "* %s left for lobby", u[0].nick);
	expect(&u[2], "* %s joined lobby", u[0].nick);
	say(&u[1], "alone");
	expect(&u[1], "%s: alone", u[1].nick);
	ck_assert(recv_nothing(u[2].fd, 200));
	close_room(&s, u, 3);
}

START_TEST(rooms_in_english) { check_rooms("/join"); }
END_TEST
START_TEST(rooms_in_korean) { check_rooms("/참가"); }
END_TEST

/* /who, /help and /quit, by the given names. */
static void check_who_help_quit(const char *who, const char *help,
				const char *quit)
{
	struct server s;
	struct user u[2];
	char line[LINE_CAP];

	open_room(&s, u, 2);
	say(&u[0], who);
	char *names = next_line(&u[0], line);
	ck_assert_msg(strncmp(names, "* in lobby:", 11) == 0 &&
		      strstr(names, u[0].nick) && strstr(names, u[1].nick),
		      "%s", names);
	say(&u[0], help);
	ck_assert(strstr(next_line(&u[0], line), "commands"));
	wait_for(&u[0], "/대화명", line);
	wait_for(&u[0], "/quit", line);
	say(&u[0], "mark");
	ck_assert(!seen_before(&u[1], "commands", "mark"));
	say(&u[1], quit);
	wait_for(&u[1], "* bye", line);
	ck_assert(recv_closed(u[1].fd, WAIT_MS));
	wait_for(&u[0], "left", line);
	close_room(&s, u, 2);
}

START_TEST(who_help_quit_in_english)
{
	check_who_help_quit("/who", "/help", "/quit");
}
END_TEST

START_TEST(who_help_quit_in_korean)
{
	check_who_help_quit("/누구", "/도움말", "/나가기");
}
END_TEST

START_TEST(errors_go_to_the_sender_only)
{
	static const char *const bad[] = {
		"/frobnicate", "/dice zero", "/msg", "/vote maybe",
		"/nick guest99", "/endpoll", "\xff\xfe not UTF-8",
	};
	struct server s;
	struct user u[2];
	char line[LINE_CAP];

	open_room(&s, u, 2);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		say(&u[0], bad[i]);
		ck_assert_msg(strncmp(next_line(&u[0], line), "error: ", 7) == 0,
			      "%s: %s", bad[i], line);
	}
	/* A NUL byte is not text either. */
	ck_assert(send_bytes(u[0].fd, "a\0b\n", 4));
	ck_assert(strncmp(next_line(&u[0], line), "error: ", 7) == 0);
	say(&u[0], "mark");
	expect(&u[0], "%s: mark", u[0].nick);
	expect(&u[1], "%s: mark", u[0].nick);
	/* Escape sequences cannot repaint the others' terminals. */
	say(&u[0], "\x1b[2Jboo");
	expect(&u[1], "%s: ?[2Jboo", u[0].nick);
	close_room(&s, u, 2);
}
END_TEST

/* ---- Limits ----------------------------------------------------------- */

START_TEST(an_overlong_line_gets_one_error)
{
	struct server s;
	struct user u[2];
	size_t big = 1024 * 1024;
	char *line = malloc(big + 1);

	ck_assert_ptr_nonnull(line);
	open_room(&s, u, 2);
	memset(line, 'x', big);
	line[big] = '\n';
	ck_assert(send_bytes(u[0].fd, line, big + 1));
	memset(line, 'y', CHAT_LINE_MAX + 1); /* one byte too many */
	line[CHAT_LINE_MAX + 1] = '\n';
	ck_assert(send_bytes(u[0].fd, line, CHAT_LINE_MAX + 2));
	memset(line, 'z', CHAT_LINE_MAX); /* just right */
	line[CHAT_LINE_MAX] = '\0';
	say(&u[0], line);
	/* One error for each long line, then the last line goes round. */
	expect(&u[0], "error: line too long (over 1024 bytes): not sent");
	expect(&u[0], "error: line too long (over 1024 bytes): not sent");
	for (int i = 0; i < 2; i++)
		expect(&u[i], "%s: %s", u[0].nick, line);
	free(line);
	close_room(&s, u, 2);
}
END_TEST

START_TEST(a_full_server_refuses_with_one_line)
{
	struct server s;
	struct user u[2];
	char line[LINE_CAP];

	server_start(&s, CHAT_SERVER, "-t", "30", "-c", "2", NULL);
	enter_all(&s, u, 2);
	int third = server_connect(&s);
	ck_assert_str_eq(recv_line(third, line, sizeof line, WAIT_MS),
			 "sorry, the server is full: try again later");
	ck_assert(recv_closed(third, WAIT_MS));
	close(third);
	/* A place frees up when someone leaves (a moment after the room
	 * hears of it). */
	close(u[1].fd);
	wait_for(&u[0], "left", line);
	long long deadline = now_ms() + WAIT_MS;
	do {
		close(third);
		third = server_connect(&s);
		ck_assert_ptr_nonnull(recv_line(third, line, sizeof line, WAIT_MS));
	} while (strncmp(line, "sorry", 5) == 0 && now_ms() < deadline &&
		 sleep_us(20 * 1000) == 0);
	ck_assert_msg(strstr(line, "* welcome"), "%s", line);
	close(third);
	close(u[0].fd);
	stop_chat(&s);
}
END_TEST

/* Another user who talks while someone pastes: a line every 200 ms, each
 * with its number, and when it was sent. */
struct talker {
	struct user *user;
	atomic_bool stop;
	atomic_int sent;
	long long sent_ms[1024];
};

static void *talk(void *arg)
{
	struct talker *t = arg;
	char line[32];

	for (int i = 0; i < 1024 && !atomic_load(&t->stop); i++) {
		t->sent_ms[i] = now_ms();
		atomic_store(&t->sent, i + 1);
		snprintf(line, sizeof line, "t %d\n", i);
		if (!send_bytes(t->user->fd, line, strlen(line)))
			break;
		sleep_us(200 * 1000);
	}
	return NULL;
}

/* A user pastes 500 lines at once, far past the burst: the server reads
 * them at the flood limit (here -f 100 a second), so the paste takes at
 * least 4 s, but every line arrives, in order, and the others' lines are
 * not held up behind it. */
START_TEST(a_paste_is_slowed_down_never_dropped)
{
	enum { LINES = 500, RATE = 100 };
	struct server s;
	struct user u[3]; /* the paster, a talker, an observer */
	struct talker t = { .user = &u[1] };
	char buf[LINE_CAP], want[64];
	static char paste[LINES * 16];
	size_t len = 0;
	pthread_t talker;

	server_start(&s, CHAT_SERVER, "-t", "60", "-f", "100", NULL);
	enter_all(&s, u, 3);
	for (int i = 0; i < LINES; i++)
		len += (size_t)snprintf(paste + len, sizeof paste - len,
					"p %d\n", i);
	long long start = now_ms();
	ck_assert_int_eq(pthread_create(&talker, NULL, talk, &t), 0);
	ck_assert(send_bytes(u[0].fd, paste, len));
	int pasted = 0;
	long long worst_ms = 0, deadline = start + 30 * 1000;
	while (pasted < LINES && now_ms() < deadline) {
		char *line = recv_line(u[2].fd, buf, sizeof buf,
				       (int)(deadline - now_ms()));
		int seq;
		if (!line)
			break;
		snprintf(want, sizeof want, "%s: p %%d", u[0].nick);
		if (sscanf(line, want, &seq) == 1) {
			ck_assert_msg(seq == pasted, "line %d came as %d",
				      pasted, seq);
			pasted++;
		}
		snprintf(want, sizeof want, "%s: t %%d", u[1].nick);
		if (sscanf(line, want, &seq) == 1 && seq < atomic_load(&t.sent) &&
		    now_ms() - t.sent_ms[seq] > worst_ms)
			worst_ms = now_ms() - t.sent_ms[seq];
	}
	long long took = now_ms() - start;
	atomic_store(&t.stop, true);
	pthread_join(talker, NULL);
	ck_assert_msg(pasted == LINES, "%d of %d pasted lines arrived", pasted,
		      LINES);
	ck_assert_msg(took >= (LINES - CHAT_FLOOD_BURST) * 1000 / RATE - 500,
		      "the paste took %lld ms: no limit was applied", took);
	ck_assert_msg(worst_ms < 1000, "another user's line took %lld ms",
		      worst_ms);
	ck_assert_int_ge(atomic_load(&t.sent), 10);
	close_room(&s, u, 3);
}
END_TEST

START_TEST(an_idle_user_is_dropped)
{
	struct server s;
	struct user u[2];
	char line[LINE_CAP];

	server_start(&s, CHAT_SERVER, "-t", "1", NULL);
	enter_all(&s, u, 2);
	/* u[1] keeps talking; u[0] says nothing and goes. */
	for (int i = 0; i < 6; i++) {
		sleep_us(250 * 1000);
		say(&u[1], "still here");
	}
	wait_for(&u[0], "* you were idle too long: bye", line);
	ck_assert(recv_closed(u[0].fd, WAIT_MS));
	char want[LINE_CAP];
	snprintf(want, sizeof want, "* %s was dropped: idle too long", u[0].nick);
	wait_for(&u[1], want, line);
	close_room(&s, u, 2);
}
END_TEST

/* ---- Many users at once ------------------------------------------------- */

/* Lines arriving on one connection, read as they come. */
struct feed {
	struct user user;
	char buf[8192];
	size_t len;
	bool closed;
};

typedef void line_handler(int who, const char *line, void *ctx);

/* Read what fd has and hand each whole line to handle(). */
static void feed_read(struct feed *f, int who, line_handler *handle, void *ctx)
{
	ssize_t n = recv(f->user.fd, f->buf + f->len, sizeof f->buf - 1 - f->len,
			 MSG_DONTWAIT);
	char *start = f->buf, *end;

	if (n <= 0) {
		f->closed = n == 0 || (errno != EAGAIN && errno != EINTR);
		return;
	}
	f->len += (size_t)n;
	f->buf[f->len] = '\0';
	while ((end = memchr(start, '\n', f->len - (size_t)(start - f->buf)))) {
		*end = '\0';
		handle(who, start, ctx);
		start = end + 1;
	}
	f->len -= (size_t)(start - f->buf);
	memmove(f->buf, start, f->len);
	ck_assert_msg(f->len < sizeof f->buf - 1, "a line too long for a feed");
}

/* Read every open feed until done(ctx) or the deadline.  False on time. */
static bool pump(struct feed *feeds, int n, line_handler *handle,
		 bool (*done)(void *ctx), void *ctx, long long deadline)
{
	struct pollfd *p = calloc((size_t)n, sizeof *p);

	ck_assert_ptr_nonnull(p);
	while (!done(ctx) && now_ms() < deadline) {
		for (int i = 0; i < n; i++)
			p[i] = (struct pollfd){ .fd = feeds[i].closed ? -1
						: feeds[i].user.fd, .events = POLLIN };
		if (poll(p, (nfds_t)n, 100) < 0)
			break;
		for (int i = 0; i < n; i++)
			if (p[i].revents)
				feed_read(&feeds[i], i, handle, ctx);
	}
	free(p);
	return done(ctx);
}

/* Lines "NICK: m SENDER SEQ" arriving at every user. */
struct tally {
	int users;
	struct feed *feeds;
	int *next;        /* next[receiver * users + sender]: the SEQ expected */
	long long got, want;
	char error[256];
};

static void count_line(int who, const char *line, void *ctx)
{
	struct tally *t = ctx;
	char nick[CHAT_NAME_MAX + 1];
	int sender, seq;

	if (sscanf(line, "%32[^:]: m %d %d", nick, &sender, &seq) != 3)
		return; /* somebody joining: not counted */
	int *next = &t->next[who * t->users + sender];
	if (!t->error[0] && (sender < 0 || sender >= t->users ||
			     strcmp(nick, t->feeds[sender].user.nick) != 0 ||
			     seq != *next))
		snprintf(t->error, sizeof t->error,
			 "%s got \"%s\", wanted seq %d", t->feeds[who].user.nick,
			 line, *next);
	(*next)++;
	t->got++;
}

static bool tally_done(void *ctx)
{
	struct tally *t = ctx;
	return t->got >= t->want || t->error[0];
}

struct sending {
	struct feed *feeds;
	int first, users, lines_each;
	size_t line_len;
};

/* Send each user's lines, all of them in one go: in a thread of the test
 * while the main thread reads, or between two reads. */
static void *send_lines(void *arg)
{
	struct sending *s = arg;
	size_t cap = (size_t)s->lines_each * (s->line_len + 32);
	char *lines = malloc(cap);

	for (int i = s->first; lines && i < s->first + s->users; i++) {
		size_t len = 0;
		for (int seq = 0; seq < s->lines_each; seq++) {
			size_t start = len;
			len += (size_t)snprintf(lines + len, cap - len,
						"m %d %d ", i, seq);
			while (len - start < s->line_len)
				lines[len++] = 'x';
			lines[len++] = '\n';
		}
		if (!send_bytes(s->feeds[i].user.fd, lines, len))
			break;
	}
	free(lines);
	return NULL;
}

static void enter_feeds(struct server *s, struct feed *feeds, int n)
{
	for (int i = 0; i < n; i++) {
		memset(&feeds[i], 0, sizeof feeds[i]);
		enter(s, &feeds[i].user);
	}
}

static void leave_feeds(struct feed *feeds, int n)
{
	for (int i = 0; i < n; i++)
		close(feeds[i].user.fd);
}

START_TEST(two_hundred_users_fifty_lines_each)
{
	enum { USERS = 200, LINES = 50 };
	struct server s;
	struct feed *feeds = calloc(USERS, sizeof *feeds);
	struct tally t = { .users = USERS, .feeds = feeds,
			   .next = calloc(USERS * USERS, sizeof(int)),
			   .want = (long long)USERS * USERS * LINES };
	struct sending sending = { feeds, 0, USERS, LINES, 0 };
	pthread_t sender;

	ck_assert(feeds && t.next);
	server_start(&s, CHAT_SERVER, "-t", "120", NULL);
	enter_feeds(&s, feeds, USERS);
	ck_assert_int_eq(pthread_create(&sender, NULL, send_lines, &sending), 0);
	bool done = pump(feeds, USERS, count_line, tally_done, &t,
			 now_ms() + 100 * 1000);
	pthread_join(sender, NULL);
	ck_assert_msg(!t.error[0], "%s", t.error);
	ck_assert_msg(done, "only %lld of %lld lines arrived", t.got, t.want);
	/* Exactly once: nothing more comes. */
	for (int i = 0; i < USERS; i++)
		for (int j = 0; j < USERS; j++)
			ck_assert_int_eq(t.next[i * USERS + j], LINES);
	leave_feeds(feeds, USERS);
	free(t.next);
	free(feeds);
	/* 200 users' threads logged their connects and disconnects at once:
	 * every line of the log is whole. */
	ck_assert(server_log_reaches(&s, "disconnect from", USERS, WAIT_MS));
	char *torn = server_log_torn_line(&s, CHAT_SERVER);
	ck_assert_msg(!torn, "a torn log line: \"%s\"", torn);
	stop_chat(&s);
}
END_TEST

/* The observer's view of a room with a user who never reads. */
struct watch {
	struct tally tally;
	char dropped[128];  /* the line telling the room the laggard went */
	bool saw_dropped;
	long long last_ms;  /* when the observer last got a line */
	long long worst_gap_ms;
};

static void watch_line(int who, const char *line, void *ctx)
{
	struct watch *w = ctx;

	count_line(who, line, &w->tally);
	if (who != 0)
		return;
	if (strcmp(line, w->dropped) == 0)
		w->saw_dropped = true;
	long long now = now_ms();
	if (now - w->last_ms > w->worst_gap_ms)
		w->worst_gap_ms = now - w->last_ms;
	w->last_ms = now;
}

static bool watch_tally_done(void *ctx)
{
	struct watch *w = ctx;
	return tally_done(&w->tally);
}

static bool watch_done(void *ctx)
{
	struct watch *w = ctx;
	return tally_done(&w->tally) && w->saw_dropped;
}

/* /proc/PID/DIR's entries: a server's open fds or its threads. */
static int count_entries(pid_t pid, const char *dir)
{
	char path[64];
	int n = 0;

	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, dir);
	DIR *d = opendir(path);
	ck_assert_ptr_nonnull(d);
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

START_TEST(a_user_who_never_reads_is_dropped_and_stalls_nobody)
{
	enum { USERS = 11, LINES = 60, LINE_LEN = 1000 };
	struct server s;
	struct feed feeds[USERS]; /* feeds[0] only watches */
	struct watch w = { .tally = { .users = USERS,
				      .feeds = feeds,
				      .next = calloc(USERS * USERS, sizeof(int)) } };
	struct user laggard;
	char line[LINE_CAP], want[LINE_CAP];
	int small = 4096;

	ck_assert_ptr_nonnull(w.tally.next);
	server_start(&s, CHAT_SERVER, "-t", "60", NULL);
	/* The laggard's own buffer is small, so the server's queue for it
	 * fills after a few hundred KiB, not megabytes. */
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_port = htons((unsigned short)s.port),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	laggard.fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert(laggard.fd >= 0);
	ck_assert(setsockopt(laggard.fd, SOL_SOCKET, SO_RCVBUF, &small,
			     sizeof small) == 0);
	ck_assert(connect(laggard.fd, (struct sockaddr *)&addr, sizeof addr) == 0);
	greeted(&laggard); /* it reads its greeting, then never again */
	enter_feeds(&s, feeds, USERS);
	snprintf(w.dropped, sizeof w.dropped,
		 "* %s was dropped: too far behind: more than 256 KiB unread",
		 laggard.nick);
	w.last_ms = now_ms();
	/* 10 users x 60 lines x 1000 bytes: 600 KB to each of 12 users.  One
	 * sender at a time, read by everyone before the next: the listeners
	 * stay within 60 KB, however slow this machine is (one that falls
	 * 256 KiB behind is dropped too), while the laggard's share piles up
	 * until the server drops it. */
	long long deadline = now_ms() + 60 * 1000;
	bool done = true;
	for (int i = 1; done && i < USERS; i++) {
		struct sending one = { feeds, i, 1, LINES, LINE_LEN };
		send_lines(&one);
		w.tally.want = (long long)USERS * i * LINES;
		done = pump(feeds, USERS, watch_line, watch_tally_done, &w,
			    deadline);
	}
	done = done && pump(feeds, USERS, watch_line, watch_done, &w, deadline);
	ck_assert_msg(!w.tally.error[0], "%s", w.tally.error);
	ck_assert_msg(done, "%lld of %lld lines, dropped line seen: %d",
		      w.tally.got, w.tally.want, w.saw_dropped);
	ck_assert_msg(w.worst_gap_ms < 1000, "the room stalled for %lld ms",
		      w.worst_gap_ms);
	/* After the flood, a line still goes round at once. */
	say(&feeds[0].user, "still quick?");
	long long asked = now_ms();
	snprintf(want, sizeof want, "%s: still quick?", feeds[0].user.nick);
	wait_for(&feeds[0].user, want, line);
	ck_assert_int_lt(now_ms() - asked, 1000);
	ck_assert(recv_closed(laggard.fd, WAIT_MS));
	close(laggard.fd);
	leave_feeds(feeds, USERS);
	free(w.tally.next);
	stop_chat(&s);
}
END_TEST

START_TEST(users_killed_mid_broadcast_leave_no_trace)
{
	enum { VICTIMS = 20, LINES = 60, LINE_LEN = 1000 };
	struct server s;
	struct feed feeds[2]; /* an observer and a sender */
	struct user victims[VICTIMS];
	struct tally t = { .users = 2, .feeds = feeds,
			   .next = calloc(4, sizeof(int)), .want = 2 * LINES };
	struct sending sending = { feeds, 1, 1, LINES, LINE_LEN };
	struct linger reset = { .l_onoff = 1, .l_linger = 0 };
	pthread_t sender;
	char line[LINE_CAP];

	ck_assert_ptr_nonnull(t.next);
	server_start(&s, CHAT_SERVER, "-t", "60", NULL);
	enter_feeds(&s, feeds, 2);
	int fds = count_entries(s.pid, "fd");
	int threads = count_entries(s.pid, "task");
	for (int i = 0; i < VICTIMS; i++)
		enter(&s, &victims[i]);
	ck_assert_int_eq(pthread_create(&sender, NULL, send_lines, &sending), 0);
	/* Half of them say something first; all vanish with a reset. */
	for (int i = 0; i < VICTIMS; i++) {
		if (i % 2)
			say(&victims[i], "going");
		setsockopt(victims[i].fd, SOL_SOCKET, SO_LINGER, &reset,
			   sizeof reset);
		close(victims[i].fd);
	}
	bool done = pump(feeds, 2, count_line, tally_done, &t,
			 now_ms() + 30 * 1000);
	pthread_join(sender, NULL);
	ck_assert_msg(!t.error[0], "%s", t.error);
	ck_assert_msg(done, "only %lld of %lld lines arrived", t.got, t.want);
	/* Every victim is gone from the server: its fd and two threads. */
	long long deadline = now_ms() + WAIT_MS;
	while ((count_entries(s.pid, "fd") > fds ||
		count_entries(s.pid, "task") > threads) && now_ms() < deadline)
		sleep_us(20 * 1000);
	ck_assert_int_eq(count_entries(s.pid, "fd"), fds);
	ck_assert_int_eq(count_entries(s.pid, "task"), threads);
	/* And from the list: /who names the two who stayed, no one else. */
	say(&feeds[0].user, "/who");
	char *names = wait_for(&feeds[0].user, "* in lobby:", line);
	int count = 0;
	for (char *p = names + strlen("* in lobby:"); (p = strchr(p, ' ')); p++)
		count++;
	ck_assert_msg(count == 2 && strstr(names, feeds[0].user.nick) &&
		      strstr(names, feeds[1].user.nick), "%s", names);
	leave_feeds(feeds, 2);
	free(t.next);
	stop_chat(&s);
}
END_TEST

/* ---- The contract and our client ---------------------------------------- */

START_TEST(chat_server_keeps_the_contract)
{
	check_server_contract(CHAT_SERVER);
}
END_TEST

START_TEST(chat_client_talks_and_quits)
{
	struct server s;
	struct user watcher;
	char out[LINE_CAP], line[LINE_CAP];

	start_chat(&s);
	enter(&s, &watcher);
	char *argv[] = { CHAT_CLIENT, "127.0.0.1", s.port_text, NULL };
	ck_assert_int_eq(run_program(argv, "안녕 from the client\n/quit\n",
				     out, sizeof out, WAIT_MS), 0);
	ck_assert_msg(strstr(out, "* welcome, ") && strstr(out, "/help"), "%s", out);
	ck_assert_msg(strstr(out, ": 안녕 from the client\n"), "%s", out);
	ck_assert_msg(strstr(out, "* bye\n"), "%s", out);
	wait_for(&watcher, ": 안녕 from the client", line);
	wait_for(&watcher, "left", line);
	/* Without /quit: the end of input hangs up, the server closes, and
	 * the client exits cleanly. */
	ck_assert_int_eq(run_program(argv, "/dice 6\n", out, sizeof out,
				     WAIT_MS), 0);
	ck_assert_msg(strstr(out, "rolled"), "%s", out);
	close(watcher.fd);
	stop_chat(&s);
}
END_TEST

START_TEST(chat_client_without_a_server_fails)
{
	struct server s;
	char out[LINE_CAP];

	start_chat(&s);
	char *argv[] = { CHAT_CLIENT, "127.0.0.1", s.port_text, NULL };
	stop_chat(&s);
	ck_assert_int_eq(run_program(argv, "hello\n", out, sizeof out,
				     WAIT_MS), 1);
}
END_TEST

Suite *stage4_suite(void)
{
	Suite *s = suite_create("stage4");
	TCase *units = tcase_create("commands");
	TCase *chat = tcase_create("chat");
	TCase *limits = tcase_create("limits");
	TCase *load = tcase_create("load");

	tcase_add_test(units, every_command_has_an_english_and_a_korean_name);
	tcase_add_test(units, arguments_are_read_and_checked);
	tcase_add_test(units, bad_commands_are_one_error);
	tcase_add_test(units, plain_lines_are_said);
	tcase_add_test(units, names_and_text_rules);
	tcase_add_test(units, flood_bucket_allows_a_burst_then_a_rate);
	tcase_add_test(units, outbox_sends_at_once_when_the_socket_takes_it);
	tcase_add_test(units, outbox_is_bounded_until_sent);
	tcase_add_test(units, vote_results_name_the_winner);

	tcase_add_test(chat, chat_server_keeps_the_contract);
	tcase_add_test(chat, lines_reach_the_whole_room_labelled);
	tcase_add_test(chat, nick_in_english);
	tcase_add_test(chat, nick_in_korean);
	tcase_add_test(chat, dice_in_english);
	tcase_add_test(chat, dice_in_korean);
	tcase_add_test(chat, private_message_in_english);
	tcase_add_test(chat, private_message_in_korean);
	tcase_add_test(chat, vote_in_english);
	tcase_add_test(chat, vote_in_korean);
	tcase_add_test(chat, vote_ends_by_itself_when_time_is_up);
	tcase_add_test(chat, a_vote_ends_with_its_room);
	tcase_add_test(chat, votes_are_capped_per_server);
	tcase_add_test(chat, a_name_cannot_pass_for_another);
	tcase_add_test(chat, rooms_in_english);
	tcase_add_test(chat, rooms_in_korean);
	tcase_add_test(chat, who_help_quit_in_english);
	tcase_add_test(chat, who_help_quit_in_korean);
	tcase_add_test(chat, errors_go_to_the_sender_only);
	tcase_add_test(chat, chat_client_talks_and_quits);
	tcase_add_test(chat, chat_client_without_a_server_fails);

	tcase_add_test(limits, an_overlong_line_gets_one_error);
	tcase_add_test(limits, a_full_server_refuses_with_one_line);
	tcase_add_test(load, a_paste_is_slowed_down_never_dropped);
	tcase_add_test(limits, an_idle_user_is_dropped);

	tcase_add_test(load, two_hundred_users_fifty_lines_each);
	tcase_add_test(load, a_user_who_never_reads_is_dropped_and_stalls_nobody);
	tcase_add_test(load, users_killed_mid_broadcast_leave_no_trace);

	tcase_set_timeout(units, 10);
	tcase_set_timeout(chat, 30);
	tcase_set_timeout(limits, 30);
	tcase_set_timeout(load, 120);
	suite_add_tcase(s, units);
	suite_add_tcase(s, chat);
	suite_add_tcase(s, limits);
	suite_add_tcase(s, load);
	return s;
}
