/*
 * quiz_thread - stage 3: the quiz server, a thread per client.
 *
 * Stage 2's accept loop, except that each client is handed to a new
 * thread, so the loop is back in accept() at once.  The handler (quiz.c)
 * is the very same file as stage 2's.
 */
#include "net.h"
#include "quiz.h"

#include <err.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct client {
	int fd;
	int seconds; /* for the answer */
	char peer[PEER_NAME_LEN];
};

/* Every client's thread is created detached: nobody waits for it to end,
 * it frees itself.  (pthread_detach() after pthread_create() would leave
 * a moment in which the thread is neither joined nor detached.)  Set once
 * by main() before any thread starts. */
static pthread_attr_t detached;

/* The only state the threads share: how many clients are being served. */
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static int client_count;

/* Add `change` to the count, unless the count would pass `max`. */
static bool count_clients(int change, int max)
{
	pthread_mutex_lock(&count_lock);
	bool ok = client_count + change <= max;
	if (ok)
		client_count += change;
	pthread_mutex_unlock(&count_lock);
	return ok;
}

static void *client_thread(void *arg)
{
	struct client *c = arg;

	serve_quiz(c->fd, c->seconds);
	log_line("disconnect from %s", c->peer);
	free(c);
	count_clients(-1, INT_MAX);
	return NULL;
}

static void refuse(int fd, const char *peer)
{
	log_line("refusing %s: server full", peer);
	send_text(fd, SERVER_FULL_LINE);
	close(fd);
}

static void serve_in_thread(int fd, const char *peer,
			    const struct server_config *cfg)
{
	/* exercise 3: a detached thread per client, its socket on the heap */
	/* On the heap, one per thread: a local variable would be reused by
	 * the next accept() while the thread still reads it. */
	struct client *c = malloc(sizeof *c);
	pthread_t thread;
	int rc = EAGAIN;

	if (c && count_clients(+1, cfg->max_clients)) {
		c->fd = fd;
		c->seconds = cfg->idle_timeout;
		snprintf(c->peer, sizeof c->peer, "%s", peer);
		rc = pthread_create(&thread, &detached, client_thread, c);
		if (rc != 0)
			count_clients(-1, INT_MAX);
	}
	if (rc != 0) {
		refuse(fd, peer);
		free(c);
	}
	/* end of exercise */
}

int main(int argc, char **argv)
{
	struct server_config cfg = { .port = 10001, .idle_timeout = TIMEOUT_S,
				     .max_clients = MAX_CLIENTS };
	char peer[PEER_NAME_LEN];
	int listen_fd, client_fd;

	parse_server_args(argc, argv, "p:t:c:", &cfg);
	if (pthread_attr_init(&detached) != 0 ||
	    pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED) != 0)
		errx(1, "pthread_attr");
	stop_on_signals();
	listen_fd = listen_on(cfg.port);
	if (listen_fd < 0)
		return 1;

	while ((client_fd = accept_client(listen_fd, peer)) >= 0) {
		log_line("connect from %s", peer);
		set_timeout(client_fd, cfg.idle_timeout);
		serve_in_thread(client_fd, peer, &cfg);
	}

	close(listen_fd); /* accept() failed for good; signals exit elsewhere */
	return 1;
}
