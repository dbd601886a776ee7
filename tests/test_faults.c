/*
 * test_faults.c - every server against the same hostile clients: resets
 * mid-line, a half line left hanging (slowloris), a 1 MiB line, binary and
 * NUL bytes, a flood of connects, and too few file descriptors.  After each
 * fault the server must still serve a correct client, and stop with 0.
 */
#include "harness.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- A correct client of each server ------------------------------------ */

static bool echo_healthy(const struct server *s)
{
	char line[16];
	int fd = server_connect(s);
	bool ok = send_str(fd, "ping\n") &&
		  recv_line(fd, line, sizeof line, 2 * WAIT_MS) &&
		  strcmp(line, "ping") == 0;
	close(fd);
	return ok;
}

static bool quiz_healthy(const struct server *s)
{
	char line[64], answer[16];
	int a, b;
	int fd = server_connect(s);
	bool ok = recv_line(fd, line, sizeof line, 2 * WAIT_MS) &&
		  sscanf(line, "%d+%d", &a, &b) == 2;
	if (ok) {
		snprintf(answer, sizeof answer, "%d\n", a + b);
		ok = send_str(fd, answer) &&
		     recv_line(fd, line, sizeof line, WAIT_MS) &&
		     strcmp(line, "yes") == 0;
	}
	close(fd);
	return ok;
}

/* Read lines until one ends with `suffix` (or starts with it, for the
 * game), skipping the others. */
static bool wait_for_line(int fd, const char *text, bool at_start)
{
	char line[2048];
	long long deadline = now_ms() + 2 * WAIT_MS;

	while (now_ms() < deadline &&
	       recv_line(fd, line, sizeof line, (int)(deadline - now_ms()))) {
		size_t n = strlen(line), t = strlen(text);
		if (at_start ? strncmp(line, text, t) == 0
			     : n >= t && strcmp(line + n - t, text) == 0)
			return true;
	}
	return false;
}

static bool chat_healthy(const struct server *s)
{
	int fd = server_connect(s);
	bool ok = send_str(fd, "ping\n") && wait_for_line(fd, ": ping", false);
	close(fd);
	return ok;
}

static bool game_healthy(const struct server *s)
{
	/* A new id each time: the server may not have seen the previous
	 * connection end yet, and refuses an id another connection holds. */
	static int id = 1000;
	char spawn[64], echo[32];

	id++;
	snprintf(spawn, sizeof spawn, "SPAWN %d 100 100 100\n", id);
	snprintf(echo, sizeof echo, "SPAWN %d ", id);
	int fd = server_connect(s);
	bool ok = send_str(fd, spawn) && wait_for_line(fd, echo, true);
	close(fd);
	return ok;
}

struct target {
	const char *program;
	bool (*healthy)(const struct server *s);
	bool one_process; /* holds every client's socket itself */
};

static const struct target targets[] = {
	{ "stage1-echo/echo_server", echo_healthy, false },
	{ "stage2-quiz/quiz_server", quiz_healthy, false },
	{ "stage3-concurrent/quiz_fork", quiz_healthy, false },
	{ "stage3-concurrent/quiz_prefork", quiz_healthy, false },
	{ "stage3-concurrent/quiz_thread", quiz_healthy, true },
	{ "stage4-chat/chat_server", chat_healthy, true },
	{ "stage5-game/game_server", game_healthy, true },
};
#define NTARGETS (int)(sizeof targets / sizeof targets[0])

/* -t 2: the one-at-a-time servers drop a stalled client in 2 s, so the
 * correct client behind it gets its turn within the test's wait. */
static void start(struct server *s, int i)
{
	server_start(s, targets[i].program, "-t", "2", NULL);
}

static void finish(struct server *s, int i)
{
	ck_assert_msg(targets[i].healthy(s), "%s stopped serving",
		      targets[i].program);
	ck_assert_int_eq(server_stop(s), 0);
}

/* ---- The faults ----------------------------------------------------------- */

START_TEST(resets_mid_line)
{
	struct server s;

	start(&s, _i);
	for (int k = 0; k < 20; k++) {
		int fd = server_connect(&s);
		send_str(fd, k % 2 ? "half a li" : "SPAWN 5 1");
		close_with_reset(fd);
	}
	finish(&s, _i);
}
END_TEST

START_TEST(half_a_line_then_silence)
{
	struct server s;

	start(&s, _i);
	int slow = server_connect(&s);
	send_str(slow, "this line never ends");
	ck_assert_msg(targets[_i].healthy(&s), "a slow client stalled %s",
		      targets[_i].program);
	close(slow);
	finish(&s, _i);
}
END_TEST

START_TEST(a_megabyte_without_newline)
{
	struct server s;
	size_t big = 1 << 20;

	start(&s, _i);
	int fd = server_connect(&s);
	/* From a child: the server may stop reading, and send() would wait. */
	pid_t sender = fork();
	if (sender == 0) {
		char *junk = malloc(big);
		if (!junk)
			_exit(1);
		memset(junk, 'x', big);
		send_bytes(fd, junk, big);
		_exit(0);
	}
	ck_assert(sender > 0);
	ck_assert_int_ge(reap_or_kill(sender, 4 * WAIT_MS), 0);
	close(fd);
	finish(&s, _i);
}
END_TEST

START_TEST(binary_and_nul_bytes)
{
	struct server s;
	unsigned char junk[4096];

	for (size_t k = 0; k < sizeof junk; k++)
		junk[k] = (unsigned char)(k * 131 + k / 7);
	start(&s, _i);
	int fd = server_connect(&s);
	send_bytes(fd, junk, sizeof junk);
	close(fd);
	finish(&s, _i);
}
END_TEST

START_TEST(a_flood_of_connects)
{
	struct server s;

	start(&s, _i);
	for (int k = 0; k < 300; k++) {
		int fd = server_connect(&s);
		if (k % 3 == 0)
			close_with_reset(fd);
		else
			close(fd);
	}
	finish(&s, _i);
}
END_TEST

/* True when the peer closed fd before sending a single byte (peeked, so a
 * line that comes with the close still counts as a line). */
static bool closed_without_a_byte(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	return poll(&p, 1, timeout_ms) == 1 &&
	       recv(fd, &c, 1, MSG_PEEK) == 0;
}

/* With 24 descriptors a server that holds every client's socket runs out
 * while 40 clients hold on: it must turn the extra ones away with a line,
 * not spin, and serve again once they are gone.  (The others serve one
 * client per process, so they never run out.) */
START_TEST(too_few_descriptors)
{
	struct server s;
	int fds[40];

	server_start_with_fd_limit(&s, 24, targets[_i].program, "-t", "2",
				   NULL);
	for (int k = 0; k < 40; k++)
		fds[k] = server_connect(&s); /* the backlog takes them */
	long long before = tree_usage(s.pid).ticks;
	sleep_us(1500 * 1000);
	long long spent = tree_usage(s.pid).ticks - before;
	long hz = sysconf(_SC_CLK_TCK);
	ck_assert_msg(spent < hz / 2, "%s used %.2f s of CPU in 1.5 s: spinning",
		      targets[_i].program, (double)spent / (double)hz);
	int turned_away = 0, closed_silently = 0;
	char line[256];
	for (int k = 0; k < 40; k++) {
		if (recv_line(fds[k], line, sizeof line, 50))
			turned_away += strncmp(line, "sorry", 5) == 0;
		else /* not served yet, or dropped without a word */
			closed_silently += closed_without_a_byte(fds[k], 50);
	}
	/* The quiz and chat servers greet every client they serve, so one
	 * closed without a line was turned away without being told (as
	 * quiz_thread did when fdopen() found no descriptor for its second
	 * stream).  Echo and game clients may be dropped idle in silence. */
	bool greets = strstr(targets[_i].program, "quiz") ||
		      strstr(targets[_i].program, "chat");
	ck_assert_msg(!greets || closed_silently == 0, "%s closed %d of 40 clients without"
		      " a line", targets[_i].program, closed_silently);
	if (targets[_i].one_process) {
		ck_assert(server_log_has(&s, "Too many open files", WAIT_MS));
		ck_assert_msg(turned_away > 0, "nobody was told the server is full");
	}
	for (int k = 0; k < 40; k++)
		close(fds[k]);
	/* The 40 users' threads need a moment (longer under a sanitizer) to
	 * see their clients go and give the descriptors back: until then a
	 * newcomer may still be told the server is full. */
	for (int tries = 0; tries < 5 && !targets[_i].healthy(&s); tries++)
		sleep(1);
	finish(&s, _i);
}
END_TEST

/* ---- The soak: make soak -------------------------------------------------- */

/* One fault, by turn: what a hostile or clumsy client does. */
static void some_fault(const struct server *s, int turn, int *slow)
{
	unsigned char junk[512];
	int fd;

	switch (turn % 4) {
	case 0: /* a reset mid-line */
		fd = server_connect(s);
		send_str(fd, "half a li");
		close_with_reset(fd);
		break;
	case 1: /* a half line left hanging; the previous one goes */
		if (*slow >= 0)
			close(*slow);
		*slow = server_connect(s);
		send_str(*slow, "never ends");
		break;
	case 2: /* binary junk */
		for (size_t k = 0; k < sizeof junk; k++)
			junk[k] = (unsigned char)(k * 37 + (size_t)turn);
		fd = server_connect(s);
		send_bytes(fd, junk, sizeof junk);
		close(fd);
		break;
	default: /* a burst of connects */
		for (int k = 0; k < 10; k++) {
			fd = server_connect(s);
			close_with_reset(fd);
		}
	}
}

struct footprint {
	int fds, threads;
	long rss_kib;
};

static struct footprint footprint_of(pid_t pid)
{
	return (struct footprint){
		.fds = tree_fds(pid),
		.threads = tree_threads(pid),
		.rss_kib = tree_usage(pid).rss_pages * (sysconf(_SC_PAGESIZE) / 1024),
	};
}

static int soak_seconds(void)
{
	const char *text = getenv("SOAK_SECONDS");
	return text ? atoi(text) : 90;
}

/* Correct clients and faults in turn for SOAK_SECONDS; the footprint after
 * the first fifth of the time (warmed up) must match the one at the end. */
START_TEST(soak)
{
	struct server s;
	int seconds = soak_seconds(), slow = -1, sessions = 0, lost = 0;
	struct footprint warm = { 0 }, end;
	bool warmed = false;

	start(&s, _i);
	long long start_ms = now_ms(), stop_ms = start_ms + seconds * 1000LL;
	for (int turn = 0; now_ms() < stop_ms; turn++) {
		some_fault(&s, turn, &slow);
		sessions++;
		lost += !targets[_i].healthy(&s);
		if (!warmed && now_ms() - start_ms > seconds * 200LL) {
			sleep_us(200 * 1000); /* let the last ones close */
			warm = footprint_of(s.pid);
			warmed = true;
		}
	}
	if (slow >= 0)
		close(slow);
	sleep_us(200 * 1000);
	end = footprint_of(s.pid);
	printf("soak %-30s %5d sessions, %d lost | fds %d -> %d | threads %d -> %d"
	       " | RSS %ld -> %ld KiB\n",
	       targets[_i].program, sessions, lost, warm.fds, end.fds,
	       warm.threads, end.threads, warm.rss_kib, end.rss_kib);
	fflush(stdout);
	ck_assert_int_eq(lost, 0);
	ck_assert_msg(end.fds <= warm.fds + 4, "descriptors grew");
	ck_assert_msg(end.threads <= warm.threads + 4, "threads grew");
	ck_assert_msg(end.rss_kib <= warm.rss_kib + warm.rss_kib / 4 + 2048,
		      "memory grew");
	finish(&s, _i);
}
END_TEST

/* Only with SOAK_SECONDS set (make soak): not part of make test. */
Suite *soak_suite(void)
{
	Suite *s = suite_create("soak");
	TCase *tc = tcase_create("every server");

	tcase_add_loop_test(tc, soak, 0, NTARGETS);
	tcase_set_timeout(tc, 3 * soak_seconds() + 60);
	suite_add_tcase(s, tc);
	return s;
}

/* ---- Valgrind: make valgrind ------------------------------------------- */

/* Each server under memcheck, through a few correct clients and faults;
 * memcheck's verdict comes in the server's log and its exit status. */
START_TEST(memcheck)
{
	char *argv[] = { "/usr/bin/valgrind", "--leak-check=full",
			 "--errors-for-leak-kinds=definite,indirect",
			 "--error-exitcode=99", "--trace-children=yes",
			 (char *)targets[_i].program, "-p", "0", "-t", "2", NULL };
	struct server s;
	int slow = -1;

	ck_assert_msg(spawn_server(&s, argv, 10 * WAIT_MS, 0) == 0,
		      "%s did not start under valgrind", targets[_i].program);
	for (int turn = 0; turn < 8; turn++) {
		some_fault(&s, turn, &slow);
		ck_assert(targets[_i].healthy(&s));
	}
	if (slow >= 0)
		close(slow);
	ck_assert_int_eq(stop_server(&s, 10 * WAIT_MS), 0);
	char *log = server_log(&s);
	ck_assert_msg(log && strstr(log, "ERROR SUMMARY: "), "no memcheck log");
	/* Every process's verdict (quiz_fork's children have their own). */
	for (char *p = strstr(log, "ERROR SUMMARY: "); p;
	     p = strstr(p + 1, "ERROR SUMMARY: "))
		ck_assert_msg(strncmp(p, "ERROR SUMMARY: 0 errors", 23) == 0,
			      "memcheck: %.2000s", log);
	for (char *p = strstr(log, "definitely lost: "); p;
	     p = strstr(p + 1, "definitely lost: "))
		ck_assert_msg(strncmp(p, "definitely lost: 0 bytes", 24) == 0,
			      "memcheck: %.2000s", log);
	free(log);
	unlink(s.log_path);
}
END_TEST

/* Only with VALGRIND set (make valgrind): not part of make test. */
Suite *valgrind_suite(void)
{
	Suite *s = suite_create("valgrind");
	TCase *tc = tcase_create("every server");

	tcase_add_loop_test(tc, memcheck, 0, NTARGETS);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return s;
}

Suite *faults_suite(void)
{
	Suite *s = suite_create("faults");
	TCase *tc = tcase_create("every server");

	tcase_add_loop_test(tc, resets_mid_line, 0, NTARGETS);
	tcase_add_loop_test(tc, half_a_line_then_silence, 0, NTARGETS);
	tcase_add_loop_test(tc, a_megabyte_without_newline, 0, NTARGETS);
	tcase_add_loop_test(tc, binary_and_nul_bytes, 0, NTARGETS);
	tcase_add_loop_test(tc, a_flood_of_connects, 0, NTARGETS);
	tcase_add_loop_test(tc, too_few_descriptors, 0, NTARGETS);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
