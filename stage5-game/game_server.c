/*
 * game_server - stage 5: the multiplayer game.
 *
 * The thread per client of stages 3 and 4 again, each one reading its
 * player's lines, plus one more thread that owns time: the simulation
 * thread moves the bullets at a fixed tick.  After each tick a sender
 * thread sends every client what was queued for it.  The rules of the game
 * live in game_world.c; this file is about the threads, the one lock they
 * share, and the sockets.
 */
#include "net.h"
#include "game.h"
#include "game_world.h"

#include <err.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define OUTBOX_MAX (64 * 1024) /* bytes queued for a client before we drop it */
#define KERNEL_SNDBUF (64 * 1024) /* what the kernel queues per client */
#define LINES_PER_SECOND 240   /* read from one client at most, see throttle() */

struct client {
	int fd;
	char peer[PEER_NAME_LEN];
	int slot;        /* its player in the world */
	/* Only its own thread touches these. */
	long lines, malformed, refused;
	bool spawned;    /* a SPAWN of it was accepted */
	double window_start;
	int window_lines;
	/* Guarded by world_lock. */
	bool lagging;    /* stopped reading: being dropped */
	bool in_flight;  /* the sender thread is sending it, see below */
	char *queued;    /* lines for this client, appended by whoever holds
			  * the lock */
	size_t queued_len;
	/* The sender thread's alone while in_flight; otherwise guarded by
	 * world_lock like the rest. */
	char *sending;   /* taken from queued, being sent */
	size_t sending_len;
	int send_error;
	char buffers[2][OUTBOX_MAX]; /* where queued and sending point */
};

/* One lock guards all the shared state: the world, the clients by slot
 * with their outboxes, the count and the tick count.  Nobody waits while
 * holding it: no send() is made under it. */
static pthread_mutex_t world_lock = PTHREAD_MUTEX_INITIALIZER;
static struct game_world world;
static struct client *clients[GAME_MAX_PLAYERS];
static int client_count;
static long ticks_done;
static pthread_cond_t tick_done = PTHREAD_COND_INITIALIZER;
static pthread_cond_t sends_done = PTHREAD_COND_INITIALIZER;

/* Set once by main() before any thread starts, only read afterwards. */
static int idle_timeout;

/* The flags only this server has, beside common/'s -p -t -c. */
struct game_options {
	int tick_hz;     /* -r HZ: simulation ticks per second */
	int bots;        /* -b N: computer-controlled players to start */
	int stats_every; /* -s SECONDS: log tick and send times this often */
};

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- Sending: called with world_lock held, so every one of them only
 * puts into outboxes, which never wait for the network ------------------ */

/* Stop serving a client that cannot keep up, without waiting for it:
 * shutdown() wakes its thread's recv(), and that thread cleans up. */
static void drop_locked(struct client *c, const char *why)
{
	if (c->lagging)
		return;
	c->lagging = true;
	log_line("dropping %s: %s", c->peer, why);
	shutdown(c->fd, SHUT_RDWR);
}

/* The world's send callback; world_lock is held. */
static void queue_line(void *ctx, int slot, const char *line, size_t len)
{
	struct client *c = clients[slot];

	(void)ctx;
	if (!c || c->lagging)
		return;
	/* A full outbox means the client has not read for a long while: a
	 * bounded queue and a dropped laggard, rather than memory without
	 * end or a sender that waits for one slow reader. */
	if (c->queued_len + len > OUTBOX_MAX) {
		drop_locked(c, "not reading");
		return;
	}
	memcpy(c->queued + c->queued_len, line, len);
	c->queued_len += len;
}

/* ---- The world ---------------------------------------------------------- */

/* Give the client a player slot, unless there are `max` clients already. */
static bool join_world(struct client *c, int max)
{
	pthread_mutex_lock(&world_lock);
	c->slot = client_count < max ? game_world_join(&world) : -1;
	if (c->slot >= 0) {
		clients[c->slot] = c;
		client_count++;
	}
	pthread_mutex_unlock(&world_lock);
	return c->slot >= 0;
}

/* Take c out of the world (LEAVE to the others) and out of the table. */
static void leave_world(struct client *c)
{
	pthread_mutex_lock(&world_lock);
	game_world_leave(&world, c->slot, now_seconds());
	clients[c->slot] = NULL;
	client_count--;
	/* Out of the table, the sender will not take c again; but it may be
	 * sending c's bytes right now, without the lock.  Wait for that
	 * round to end before the socket is closed and c freed. */
	while (c->in_flight)
		pthread_cond_wait(&sends_done, &world_lock);
	pthread_mutex_unlock(&world_lock);
}

/* ---- Timing: how long the ticks and the sends take ----------------------- */

/* Logged and emptied every -s seconds.  Each thread has its own. */
struct timing {
	const char *what;
	struct game_histogram times;
	double since;
};

static void record_timing(struct timing *t, double started, double done,
			  int report_every)
{
	game_histogram_add(&t->times, (done - started) * 1000);
	if (report_every <= 0 || done - t->since < report_every)
		return;
	log_line("%s: %ld in %.1f s, p50 %.2f ms, p99 %.2f ms, max %.2f ms",
		 t->what, t->times.total, done - t->since,
		 game_histogram_percentile(&t->times, 50),
		 game_histogram_percentile(&t->times, 99), t->times.worst_ms);
	memset(&t->times, 0, sizeof t->times);
	t->since = done;
}

/* ---- One player ----------------------------------------------------------- */

/* Read at most LINES_PER_SECOND lines a second from one client.  Past
 * that we stop reading for the rest of the second: TCP then slows the
 * sender down, and its flood of lines never reaches the others. */
static void throttle(struct client *c)
{
	double now = now_seconds();

	if (now - c->window_start >= 1.0) {
		c->window_start = now;
		c->window_lines = 0;
	}
	if (++c->window_lines <= LINES_PER_SECOND)
		return;
	double rest = 1.0 - (now - c->window_start);
	struct timespec pause = { 0, (long)(rest * 1e9) };
	nanosleep(&pause, NULL);
	c->window_start = now_seconds();
	c->window_lines = 0;
}

/* Parse and apply one line.  Returns whether it was a valid message;
 * sets c->spawned once a SPAWN of it is accepted. */
static bool handle_line(struct client *c, const char *line, ssize_t len)
{
	struct game_msg msg;

	c->lines++;
	/* A NUL inside the line would hide the rest of it from the parser. */
	if (memchr(line, '\0', (size_t)len) ||
	    game_parse_message(line, &msg) != GAME_OK) {
		c->malformed++;
		return false;
	}
	pthread_mutex_lock(&world_lock);
	enum game_verdict verdict = game_world_handle(&world, c->slot, &msg,
						      now_seconds());
	pthread_mutex_unlock(&world_lock);
	if (verdict != GAME_ACCEPTED)
		c->refused++;
	else if (msg.type == GAME_SPAWN)
		c->spawned = true;
	return true;
}

/* The reader thread: read c's lines until it goes, stays silent too
 * long, or holds its slot without playing. */
static void read_lines(struct client *c)
{
	char buf[GAME_LINE_MAX + 2], *line;
	struct line_reader reader;
	double connected = now_seconds(), last_valid = connected;
	ssize_t len;

	line_reader_init(&reader, c->fd, buf, sizeof buf);
	while ((len = read_line(&reader, &line)) != LINE_EOF &&
	       len != LINE_ERROR) {
		throttle(c);
		if (len == LINE_TOO_LONG)
			c->malformed++;
		else if (handle_line(c, line, len))
			last_valid = now_seconds();
		if (idle_timeout <= 0)
			continue;
		/* Lines keep coming, but none we understand: as good as
		 * silent, and silence is dropped after idle_timeout. */
		if (now_seconds() - last_valid > idle_timeout)
			break;
		/* Well-formed lines, all refused, and never a SPAWN: a slot
		 * held away from a real player. */
		if (!c->spawned && now_seconds() - connected > idle_timeout)
			break;
	}
}

/* ---- The simulation thread ----------------------------------------------- */

static void sleep_until(double when)
{
	struct timespec t = { .tv_sec = (time_t)when,
			      .tv_nsec = (long)((when - (time_t)when) * 1e9) };

	while (monotonic_sleep_until(&t) == EINTR)
		;
}

static void *simulation_thread(void *arg)
{
	const struct game_options *opt = arg;
	double period = 1.0 / opt->tick_hz;
	double next = now_seconds();
	struct timing ticks = { .what = "ticks", .since = next };

	for (;;) {
		/* Sleep until an absolute time, not for a period: the time
		 * a tick takes does not add up into a slower clock. */
		next += period;
		sleep_until(next);
		double started = now_seconds();
		pthread_mutex_lock(&world_lock);
		game_world_step(&world, now_seconds());
		ticks_done++;
		pthread_cond_signal(&tick_done); /* wake the sender */
		/* The tick's work is done once the lock is free: waiting for
		 * the processor after that delays nothing. */
		double done = now_seconds();
		pthread_mutex_unlock(&world_lock);
		record_timing(&ticks, started, done, opt->stats_every);
		/* More than a tick late (a busy machine)?  Carry on from
		 * now rather than run a burst of ticks to catch up. */
		if (started - next > period)
			next = started;
	}
	return NULL;
}

/* ---- The sender thread ---------------------------------------------------- */

/* Sending to every client takes longer than the whole simulation (each
 * send() is a system call, and on loopback it also does the receiver's
 * part), so the simulation thread does not do it: after each tick, this
 * thread takes the outboxes under the lock, and sends without it. */

/* Take the queued lines of every client that has some (lock held). */
static int take_outboxes_locked(struct client **batch)
{
	int n = 0;

	for (int slot = 0; slot < world.slot_limit; slot++) {
		struct client *c = clients[slot];
		if (!c || c->lagging)
			continue;
		/* Swap the buffers, unless the socket did not take all of
		 * the last ones: those go first, the queue waits. */
		if (c->sending_len == 0) {
			char *empty = c->sending;
			c->sending = c->queued;
			c->sending_len = c->queued_len;
			c->queued = empty;
			c->queued_len = 0;
		}
		if (c->sending_len > 0) {
			c->in_flight = true;
			batch[n++] = c;
		}
	}
	return n;
}

/* Without the lock; never waits (MSG_DONTWAIT). */
static void send_outbox(struct client *c)
{
	ssize_t n = send(c->fd, c->sending, c->sending_len,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		c->send_error = errno;
	if (n <= 0)
		return;
	/* What the socket did not take waits for the next round. */
	c->sending_len -= (size_t)n;
	memmove(c->sending, c->sending + n, c->sending_len);
}

/* Hand the clients back (lock held), and wake the readers that wait to
 * free theirs. */
static void finish_outboxes_locked(struct client **batch, int n)
{
	for (int i = 0; i < n; i++) {
		batch[i]->in_flight = false;
		if (batch[i]->send_error)
			drop_locked(batch[i], strerror(batch[i]->send_error));
	}
	pthread_cond_broadcast(&sends_done);
}

static void *sender_thread(void *arg)
{
	const struct game_options *opt = arg;
	struct client *batch[GAME_MAX_PLAYERS];
	struct timing sends = { .what = "sends", .since = now_seconds() };
	long ticks_sent = 0;

	pthread_mutex_lock(&world_lock);
	for (;;) {
		/* Late?  Then one round sends what several ticks queued. */
		while (ticks_sent == ticks_done)
			pthread_cond_wait(&tick_done, &world_lock);
		ticks_sent = ticks_done;
		int n = take_outboxes_locked(batch);
		pthread_mutex_unlock(&world_lock);
		double started = now_seconds();
		for (int i = 0; i < n; i++)
			send_outbox(batch[i]);
		record_timing(&sends, started, now_seconds(), opt->stats_every);
		pthread_mutex_lock(&world_lock);
		finish_outboxes_locked(batch, n);
	}
	return NULL;
}

static void *client_thread(void *arg)
{
	struct client *c = arg;

	read_lines(c);
	log_line("disconnect from %s (%ld lines, %ld malformed, %ld refused)",
		 c->peer, c->lines, c->malformed, c->refused);
	leave_world(c);
	close(c->fd);
	free(c);
	return NULL;
}

/* Start run(arg) in a new thread: detached if `joinable` is NULL, else
 * stored there for pthread_join(). */
static int spawn_thread(void *(*run)(void *), void *arg, pthread_t *joinable)
{
	pthread_attr_t attr;
	pthread_t thread;
	sigset_t all, old;
	int rc;

	/* Detached: nobody joins it; it frees its resources when it ends. */
	if ((rc = pthread_attr_init(&attr)) != 0 ||
	    (!joinable && (rc = pthread_attr_setdetachstate(&attr,
					      PTHREAD_CREATE_DETACHED)) != 0))
		return rc;
	/* Block signals in the new thread so that SIGINT/SIGTERM land on the
	 * main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(joinable ? joinable : &thread, &attr, run, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return rc;
}

static void refuse(int fd, const char *peer, const char *why)
{
	log_line("refusing %s: %s", peer, why);
	send_text(fd, SERVER_FULL_LINE);
	close(fd);
}

/* Big allocations come fresh from the kernel, which maps a page only when
 * it is first written, at the cost of a page fault (tens of microseconds
 * on a virtual machine).  Write every page now, without the lock, rather
 * than fault later while holding it and make the simulation wait.
 * volatile: the compiler knows calloc() memory is zero, and would drop a
 * plain memset() of it. */
static void touch_pages(char *start, size_t len)
{
	long page = sysconf(_SC_PAGESIZE);

	for (size_t i = 0; i < len; i += (size_t)(page > 0 ? page : 4096))
		((volatile char *)start)[i] = 0;
}

static void tune_socket(int fd)
{
	int one = 1, size = KERNEL_SNDBUF;

	/* Nagle's algorithm makes the kernel hold a small send back while an
	 * earlier one is not yet acknowledged, to merge them into one packet.
	 * Good for bulk transfers; for a game it can add 40 ms or more to
	 * every POS.  We merge ourselves (one send per client per tick), so
	 * turn it off. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0)
		log_errno("TCP_NODELAY");
	/* The kernel queues unsent bytes too, by default up to megabytes:
	 * cap that, so a client that stops reading fills its outbox soon and
	 * costs at most OUTBOX_MAX plus this. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size) < 0)
		log_errno("SO_SNDBUF");
}

static struct client *new_client(int fd, const char *peer)
{
	struct client *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	touch_pages((char *)c->buffers, sizeof c->buffers);
	c->fd = fd;
	c->queued = c->buffers[0];
	c->sending = c->buffers[1];
	snprintf(c->peer, sizeof c->peer, "%s", peer);
	tune_socket(fd);
	return c;
}

static void serve_in_thread(int fd, const char *peer, int max_clients)
{
	/* On the heap, one per thread: a local variable would be reused by
	 * the next accept() while the thread still reads it. */
	struct client *c = new_client(fd, peer);
	int rc = EAGAIN;

	if (c && join_world(c, max_clients)) {
		rc = spawn_thread(client_thread, c, NULL);
		if (rc != 0)
			leave_world(c);
	}
	if (rc != 0) {
		refuse(fd, peer, c ? strerror(rc) : "out of memory");
		free(c);
	}
}

/* `make run` wants someone to play with: start `bots` players in one
 * game_bot process, found next to this program.  Easy ones: whoever joins
 * is likely new to the game (game_bot -s hard, started by hand, is not). */
static void start_bots(int bots, int listen_fd, const char *argv0)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof addr;
	char path[4096], count[16], port[16];

	if (bots == 0 || getsockname(listen_fd, (struct sockaddr *)&addr,
				     &len) < 0)
		return;
	const char *slash = strrchr(argv0, '/');
	snprintf(path, sizeof path, "%.*sgame_bot",
		 slash ? (int)(slash - argv0 + 1) : 0, argv0);
	snprintf(count, sizeof count, "%d", bots);
	snprintf(port, sizeof port, "%d", ntohs(addr.sin_port));
	/* Nobody waits for the bots: let the kernel clear them away. */
	signal(SIGCHLD, SIG_IGN);
	pid_t pid = fork();
	if (pid < 0)
		log_errno("fork");
	if (pid == 0) {
		/* Bots outliving their server would only confuse. */
		die_with_parent(SIGTERM);
		/* Our terminal shows the server's log; the bots' statistics
		 * are for when you run game_bot yourself. */
		if (!freopen("/dev/null", "w", stdout))
			log_errno("/dev/null");
		execlp(path, "game_bot", "-n", count, "-s", "easy", "127.0.0.1",
		       port, (char *)NULL);
		log_errno("%s", path);
		_exit(127);
	}
}

int main(int argc, char **argv)
{
	struct server_config cfg = { .port = 10005, .idle_timeout = 60,
				     .max_clients = 256 };
	struct game_options opt = { .tick_hz = 60, .bots = 0,
				    .stats_every = 60 };
	const struct server_flag game_flags[] = {
		{ 'r', "-r HZ       simulation ticks per second",
		  &opt.tick_hz, 1, 100000 },
		{ 'b', "-b N        easy computer-controlled players to start",
		  &opt.bots, 0, 100000 },
		{ 's', "-s SECONDS  log statistics this often (0: never)",
		  &opt.stats_every, 0, 100000 },
	};
	char peer[PEER_NAME_LEN];
	int listen_fd, client_fd;
	pthread_t simulation, sender;
	int rc;

	parse_server_args_more(argc, argv, "p:t:c:r:b:s:", &cfg, game_flags,
			       sizeof game_flags / sizeof game_flags[0]);
	if (cfg.max_clients > GAME_MAX_PLAYERS) {
		log_line("-c %d: the world has room for %d", cfg.max_clients,
		      GAME_MAX_PLAYERS);
		cfg.max_clients = GAME_MAX_PLAYERS;
	}
	idle_timeout = cfg.idle_timeout;
	stop_on_signals();
	game_world_init(&world, now_seconds(), (unsigned int)time(NULL),
			queue_line, NULL);
	listen_fd = listen_on(cfg.port);
	if (listen_fd < 0)
		return 1;
	start_bots(opt.bots, listen_fd, argv[0]);
	if ((rc = spawn_thread(simulation_thread, &opt,
			       &simulation)) != 0 ||
	    (rc = spawn_thread(sender_thread, &opt, &sender)) != 0)
		errx(1, "simulation or sender thread: %s", strerror(rc));

	while ((client_fd = accept_client(listen_fd, peer)) >= 0) {
		log_line("connect from %s", peer);
		set_timeout(client_fd, cfg.idle_timeout);
		serve_in_thread(client_fd, peer, cfg.max_clients);
	}

	close(listen_fd); /* accept() failed for good; signals exit elsewhere */
	return 1;
}
