/*
 * quiz_fork - stage 3: the quiz server, a process per client.
 *
 * Stage 2's accept loop, except that each client is handed to a child
 * process made by fork(), so the loop is back in accept() at once.  The
 * handler (quiz.c) is the very same file as stage 2's.
 */
#include "net.h"
#include "quiz.h"

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* How many children are serving now.  The SIGCHLD handler counts the
 * ended ones down, so main() blocks that signal while it counts up. */
static volatile sig_atomic_t children;

/* A child that has ended stays a "zombie" until its parent collects its
 * exit status: collect every one that has ended. */
static void reap_children(int signo)
{
	int saved_errno = errno; /* the code we interrupted may read it */

	(void)signo;
	/* exercise 3: collect every ended child, and count it down */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		children--;
	/* end of exercise */
	errno = saved_errno;
}

static void reap_children_as_they_end(void)
{
	struct sigaction sa = { .sa_handler = reap_children,
				.sa_flags = SA_RESTART | SA_NOCLDSTOP };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL) < 0)
		err(1, "sigaction");
}

/* Block SIGCHLD (true) or let it in again (false). */
static void hold_reaping(bool hold)
{
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(hold ? SIG_BLOCK : SIG_UNBLOCK, &chld, NULL);
}

static void child_process(int fd, const char *peer, int listen_fd,
			  pid_t parent, int seconds)
{
	close(listen_fd); /* only the parent accepts */
	/* Have the kernel send us SIGTERM when the parent ends, so a stopped
	 * server leaves no child behind (see compat.h). */
	if (die_with_parent(SIGTERM) < 0)
		log_errno("die_with_parent");
	if (getppid() != parent) /* it ended before that call */
		exit(0);
	serve_quiz(fd, seconds);
	log_line("disconnect from %s", peer);
	exit(0);
}

static void serve_in_process(int fd, const char *peer, int listen_fd,
			     const struct server_config *cfg)
{
	/* exercise 3: fork(): the child serves, the parent closes its copy */
	pid_t parent = getpid();

	hold_reaping(true); /* children-- must not land inside children++ */
	bool full = children >= cfg->max_clients;
	pid_t pid = full ? -1 : fork();
	if (pid > 0)
		children++;
	hold_reaping(false);
	if (pid == 0)
		child_process(fd, peer, listen_fd, parent, cfg->idle_timeout);
	if (full)
		log_line("refusing %s: server full", peer);
	else if (pid < 0)
		log_errno("refusing %s: fork", peer);
	if (pid < 0)
		send_text(fd, SERVER_FULL_LINE);
	close(fd); /* the child has its own copy */
	/* end of exercise */
}

int main(int argc, char **argv)
{
	struct server_config cfg = { .port = 10001, .idle_timeout = TIMEOUT_S,
				     .max_clients = MAX_CLIENTS };
	char peer[PEER_NAME_LEN];
	int listen_fd, client_fd;

	parse_server_args(argc, argv, "p:t:c:", &cfg);
	stop_on_signals();
	reap_children_as_they_end();
	listen_fd = listen_on(cfg.port);
	if (listen_fd < 0)
		return 1;

	while ((client_fd = accept_client(listen_fd, peer)) >= 0) {
		log_line("connect from %s", peer);
		set_timeout(client_fd, cfg.idle_timeout);
		serve_in_process(client_fd, peer, listen_fd, &cfg);
	}

	close(listen_fd); /* accept() failed for good; signals exit elsewhere */
	return 1;
}
