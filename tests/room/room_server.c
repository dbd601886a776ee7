/*
 * room_server - the instructor's view of the room: every learner's
 * progress, live, and a help queue nobody has to raise a hand for.
 *
 *   tests/room_server [-p PORT] [-c LEARNERS] [-f FILE]
 *
 * Learners' tools (tests/stagecheck --room, tests/ask, make doctor ROOM=)
 * POST small reports (tests/room_client.h); the instructor's browser
 * reads the state as JSON and is told of every change by a stream of
 * server-sent events.  It is built like stage 4's chat server: a thread
 * per connection, one mutex-guarded state (state.c), bounded buffers;
 * HTTP is in http.c, the page in page.html, the file in store.c.
 */
#include "compat.h"
#include "net.h"
#include "http.h"
#include "json.h"
#include "page.h"
#include "report.h"
#include "state.h"
#include "store.h"

#include <err.h>
#include <errno.h>
#include <ifaddrs.h>
#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_PORT 10010
#define CONNECTIONS_MAX 1024  /* served at once, event streams included */
#define STREAMS_MAX 64        /* browsers watching at once */
#define STREAM_PING_MS 15000  /* an event stream's keep-alive */
#define SEND_TIMEOUT_S 5      /* a browser that takes nothing is dropped */
#define KEY_LEN 32            /* hex digits */
#define THREAD_STACK (256 * 1024)

struct options {
	int port;
	int max_learners;
	const char *file; /* NULL: keep nothing */
};

/* What every connection's thread reads; only the counts change, under
 * counts_lock.  The room has its own lock (state.h). */
static struct room room;
static struct options options;
static char key[KEY_LEN + 1];
static pthread_mutex_t counts_lock = PTHREAD_MUTEX_INITIALIZER;
static int connection_count, stream_count;

/* Add `change` to *count unless that passes max (as in stage 4). */
static bool count(int *counter, int change, int max)
{
	pthread_mutex_lock(&counts_lock);
	bool ok = *counter + change <= max;
	if (ok)
		*counter += change;
	pthread_mutex_unlock(&counts_lock);
	return ok;
}

static long long wall_s(void)
{
	return (long long)time(NULL);
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* ---- The key ---------------------------------------------------------- */

/* Compare every byte whatever the first difference: a comparison that
 * stops early answers sooner the more of a guess is right, and a patient
 * guesser could find the key by timing it. */
static bool key_matches(const char *given)
{
	unsigned char diff = strlen(given) != KEY_LEN;

	for (size_t i = 0; i < KEY_LEN && given[i]; i++)
		diff |= (unsigned char)(given[i] ^ key[i]);
	return diff == 0;
}

static bool has_key(const struct http_request *req)
{
	char given[KEY_LEN + 2];

	return http_query_value(req, "key", given, sizeof given) &&
	       key_matches(given);
}

static void new_key(void)
{
	unsigned char bytes[KEY_LEN / 2];

	if (random_bytes(bytes, sizeof bytes) < 0)
		err(1, "random bytes for the key");
	for (size_t i = 0; i < sizeof bytes; i++)
		snprintf(key + 2 * i, 3, "%02x", bytes[i]);
}

/* With -f FILE the key is kept in FILE.key, so that after a restart the
 * instructor's open page goes on working. */
static void load_or_make_key(void)
{
	char path[PATH_MAX];
	FILE *f;

	new_key();
	if (!options.file)
		return;
	snprintf(path, sizeof path, "%s.key", options.file);
	if ((f = fopen(path, "r"))) {
		char saved[KEY_LEN + 2] = "";
		bool ok = fgets(saved, sizeof saved, f) &&
			  strspn(saved, "0123456789abcdef") == KEY_LEN;
		fclose(f);
		if (ok) {
			memcpy(key, saved, KEY_LEN);
			return;
		}
	}
	umask(077); /* the key file, and the state, are the instructor's only */
	if (!(f = fopen(path, "w")) || fprintf(f, "%s\n", key) < 0 || fclose(f) != 0)
		log_errno("%s: the key is not kept", path);
}

/* ---- Answers ---------------------------------------------------------------- */

/* Send and free `json`, made by the caller first: as an argument of this
 * call, its length would not be known yet (C does not say in what order
 * a call's arguments are worked out). */
static void send_json(int fd, char *json, size_t len)
{
	if (!json)
		http_send_line(fd, 503, "out of memory");
	else
		http_send(fd, 200, "application/json", json, len);
	free(json);
}

/* POST /report or /ask: a learner's report, into the room. */
static void take_report(int fd, struct http_request *req, bool is_ask)
{
	struct report *rep = malloc(sizeof *rep);
	const char *error;
	char reply[ROOM_REPLY_MAX];

	if (!rep) {
		http_send_line(fd, 503, "out of memory");
		return;
	}
	int status = 400;
	if (report_parse(req->body, req->body_len, rep, &error) < 0)
		snprintf(reply, sizeof reply, "%s", error);
	else if (is_ask != (rep->kind == REPORT_ASK))
		snprintf(reply, sizeof reply, is_ask ? "kind ask only, here"
						     : "questions go to /ask");
	else
		status = room_take_report(&room, rep, wall_s(), mono_ms(), reply);
	/* Which version of the room holds the report, at least: the number
	 * the event stream will send (the benchmark times it). */
	char version[64];
	snprintf(version, sizeof version, "X-Room-Version: %lu\r\n",
		 room_version(&room));
	/* Saved before the learner hears "ok": what was acknowledged is on
	 * disk. */
	if (status == 200 && options.file && room_save(&room, options.file) < 0)
		log_line("the state is not saved");
	http_send_line_with(fd, status, reply, version);
	free(rep);
}

/* POST /claim or /done?id=N&key=KEY: the instructor's buttons. */
static void queue_button(int fd, struct http_request *req, bool done)
{
	char id_text[12];
	int id = http_query_value(req, "id", id_text, sizeof id_text)
			 ? atoi(id_text) : 0;
	int status = done ? room_done(&room, id) : room_claim(&room, id);

	if (status == 200 && options.file && room_save(&room, options.file) < 0)
		log_line("the state is not saved");
	http_send_line(fd, status, status == 200 ? "ok" : "no such question");
}

/* GET /events: "data: VERSION" whenever the room changes.  The event
 * says only that something changed; the page then reads /state.json
 * (with the key) or /room.json.  So the stream needs no key: it tells
 * nobody anything but that the room is busy. */
static void stream_events(int fd)
{
	char event[64];
	unsigned long seen = ULONG_MAX; /* so the first event goes at once */

	if (!count(&stream_count, +1, STREAMS_MAX)) {
		http_send_line(fd, 503, "too many pages open: close one");
		return;
	}
	/* retry: how soon the browser reconnects if we go (a restart). */
	int failed = http_send_head(fd, 200, "text/event-stream") ||
		     send_text(fd, "retry: 1000\n\n");
	unsigned long version = room_version(&room);
	while (!failed) {
		if (version != seen)
			snprintf(event, sizeof event, "data: %lu\n\n", version);
		else
			snprintf(event, sizeof event, ": still here\n\n");
		/* A closed page is noticed here, at the latest a ping later. */
		failed = send_text(fd, event) < 0;
		seen = version;
		version = room_wait_change(&room, seen, STREAM_PING_MS);
	}
	count(&stream_count, -1, INT_MAX);
}

static void send_page(int fd)
{
	http_send(fd, 200, "text/html; charset=utf-8", room_page,
		  strlen(room_page));
}

static void answer(int fd, struct http_request *req)
{
	bool get = strcmp(req->method, "GET") == 0;
	bool post = strcmp(req->method, "POST") == 0;
	const char *path = req->path;
	char *json;
	size_t len;

	if (post && strcmp(path, "/report") == 0)
		take_report(fd, req, false);
	else if (post && strcmp(path, "/ask") == 0)
		take_report(fd, req, true);
	else if (get && strcmp(path, "/room") == 0)
		send_page(fd);
	else if (get && strcmp(path, "/room.json") == 0) {
		json = room_public_json(&room, &len);
		send_json(fd, json, len);
	} else if (get && strcmp(path, "/events") == 0)
		stream_events(fd);
	else if (strcmp(path, "/") != 0 && strcmp(path, "/state.json") != 0 &&
		 strcmp(path, "/claim") != 0 && strcmp(path, "/done") != 0)
		http_send_line(fd, 404, "no such page");
	else if (!has_key(req))
		http_send_line(fd, 403, "this needs the key: open the address "
					"room_server printed (/?key=...)");
	else if (get && strcmp(path, "/") == 0)
		send_page(fd);
	else if (get && strcmp(path, "/state.json") == 0) {
		json = room_state_json(&room, wall_s(), &len);
		send_json(fd, json, len);
	} else if (post && (strcmp(path, "/claim") == 0 || strcmp(path, "/done") == 0))
		queue_button(fd, req, strcmp(path, "/done") == 0);
	else
		http_send_line(fd, 405, "method not allowed");
}

/* ---- Connections ------------------------------------------------------------ */

struct connection {
	int fd;
	char peer[PEER_NAME_LEN];
};

static void *connection_thread(void *arg)
{
	struct connection *c = arg;
	struct http_request *req = malloc(sizeof *req);
	const char *error;

	int status = req ? http_read_request(c->fd, req, &error) : 503;
	if (status == 0)
		answer(c->fd, req);
	else if (status > 0)
		http_send_line(c->fd, status, req ? error : "out of memory");
	http_close(c->fd);
	log_line("disconnect from %s", c->peer);
	free(req);
	free(c);
	count(&connection_count, -1, INT_MAX);
	return NULL;
}

static void turn_away(int fd, const char *peer)
{
	log_line("refusing %s: too many connections", peer);
	http_send_line(fd, 503, "the room server is busy: try again");
	http_close(fd);
}

static void serve_in_thread(int fd, const char *peer, pthread_attr_t *attr)
{
	struct connection *c = malloc(sizeof *c);
	struct timeval send_limit = { .tv_sec = SEND_TIMEOUT_S };
	pthread_t thread;
	int rc = EAGAIN;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_limit,
		       sizeof send_limit) < 0)
		log_errno("setsockopt");
	if (c && count(&connection_count, +1, CONNECTIONS_MAX)) {
		c->fd = fd;
		snprintf(c->peer, sizeof c->peer, "%s", peer);
		rc = pthread_create(&thread, attr, connection_thread, c);
		if (rc != 0)
			count(&connection_count, -1, INT_MAX);
	}
	if (rc != 0) {
		free(c);
		turn_away(fd, peer);
	}
}

/* ---- Starting ---------------------------------------------------------------- */

static void usage(FILE *to)
{
	fprintf(to, "usage: room_server [-h] [-p N] [-c N] [-f FILE]\n"
		    "  -h          print this help\n"
		    "  -p PORT     port to listen on (0 picks a free one) (default %d)\n"
		    "  -c N        learners in the room (default %d)\n"
		    "  -f FILE     keep the state in FILE (and the key in FILE.key)\n",
		DEFAULT_PORT, ROOM_LEARNERS_DEFAULT);
}

static int number(const char *text, int min, int max)
{
	char *end;
	long n = strtol(text, &end, 10);

	if (end == text || *end || n < min || n > max) {
		fprintf(stderr, "room_server: bad number: %s\n", text);
		usage(stderr);
		exit(2);
	}
	return (int)n;
}

static void parse_args(int argc, char **argv)
{
	int opt;

	options = (struct options){ DEFAULT_PORT, ROOM_LEARNERS_DEFAULT, NULL };
	while ((opt = getopt(argc, argv, ":hp:c:f:")) != -1) {
		if (opt == 'h') {
			usage(stdout);
			exit(0);
		} else if (opt == 'p') {
			options.port = number(optarg, 0, 65535);
		} else if (opt == 'c') {
			options.max_learners = number(optarg, 1, 10000);
		} else if (opt == 'f') {
			options.file = optarg;
		} else {
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc) {
		usage(stderr);
		exit(2);
	}
}

/* This machine's first IPv4 address that is not loopback: what the
 * learners on the room's network type.  The host name if there is none. */
static void room_address(char *out, size_t cap)
{
	struct ifaddrs *list;

	if (gethostname(out, cap) < 0)
		snprintf(out, cap, "localhost");
	if (getifaddrs(&list) < 0)
		return;
	for (struct ifaddrs *i = list; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
			continue;
		struct in_addr a = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
		if ((ntohl(a.s_addr) >> 24) != 127) {
			inet_ntop(AF_INET, &a, out, (socklen_t)cap);
			break;
		}
	}
	freeifaddrs(list);
}

static int actual_port(int fd)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof addr;

	if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0)
		return options.port;
	return ntohs(addr.sin_port);
}

static void announce(int listen_fd)
{
	char host[256];
	int port = actual_port(listen_fd);

	room_address(host, sizeof host);
	log_line("learners: tests/stagecheck N --room %s:%d (and tests/ask "
	      "--room %s:%d TEXT, make doctor ROOM=%s:%d)",
	      host, port, host, port, host, port);
	log_line("instructor: http://%s:%d/?key=%s", host, port, key);
	log_line("projector: http://%s:%d/room", host, port);
}

int main(int argc, char **argv)
{
	char peer[PEER_NAME_LEN];
	pthread_attr_t attr;
	int listen_fd, client_fd;

	set_program_name(argv[0]);
	parse_args(argc, argv);
	stop_on_signals();
	if (room_init(&room, options.max_learners) < 0)
		errx(1, "out of memory");
	if (options.file && room_load(&room, options.file) < 0)
		return 1;
	load_or_make_key();
	/* Small stacks: a connection's thread keeps its buffers on the
	 * heap, and a thousand 8 MiB stacks would be a lot of address space. */
	if (pthread_attr_init(&attr) != 0 ||
	    pthread_attr_setstacksize(&attr, THREAD_STACK) != 0 ||
	    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) != 0)
		errx(1, "pthread_attr");
	listen_fd = listen_on(options.port);
	if (listen_fd < 0)
		return 1;
	announce(listen_fd);

	while ((client_fd = accept_client(listen_fd, peer)) >= 0) {
		log_line("connect from %s", peer);
		serve_in_thread(client_fd, peer, &attr);
	}
	close(listen_fd);
	return 1;
}
