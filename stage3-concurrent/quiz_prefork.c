/*
 * quiz_prefork - stage 3: the quiz server with workers forked up front.
 *
 * The master opens the listening socket and forks N workers before any
 * client comes.  Each worker runs stage 2's accept loop on that same
 * socket, and the kernel hands every new client to one of the workers
 * blocked in accept().  The master only watches over them: it replaces a
 * worker that dies.  The handler (quiz.c) is the very same file as
 * stage 2's.
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

#define MAX_WORKERS 256

/* Hold back SIGINT and SIGTERM (they wait, pending) or let them in. */
static void hold_stop_signals(bool hold)
{
	sigset_t stop;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	if (sigprocmask(hold ? SIG_BLOCK : SIG_UNBLOCK, &stop, NULL) < 0)
		err(1, "sigprocmask");
}

static void worker_process(int listen_fd, const struct server_config *cfg,
			   pid_t master)
{
	char peer[PEER_NAME_LEN];
	int client_fd;

	stop_on_signals(); /* a worker just stops: not the master's handler */
	hold_stop_signals(false);
	/* Have the kernel send us SIGTERM when the master ends, so a master
	 * that dies stops every worker too (see compat.h). */
	if (die_with_parent(SIGTERM) < 0)
		log_errno("die_with_parent");
	if (getppid() != master) /* it ended before that call */
		exit(0);

	/* exercise 3: stage 2's accept loop, in every worker */
	while ((client_fd = accept_client(listen_fd, peer)) >= 0) {
		log_line("connect from %s", peer);
		set_timeout(client_fd, cfg->idle_timeout);
		serve_quiz(client_fd, cfg->idle_timeout);
		log_line("disconnect from %s", peer);
	}
	/* end of exercise */
	exit(1); /* accept() failed for good */
}

static pid_t start_worker(int listen_fd, const struct server_config *cfg)
{
	pid_t master = getpid();
	pid_t pid = fork();

	if (pid == 0)
		worker_process(listen_fd, cfg, master);
	if (pid < 0)
		log_errno("fork");
	return pid;
}

/* Start a worker in every empty place (0, or -1 after a failed fork).
 * Returns how many places are still empty. */
static int start_missing_workers(pid_t *workers, int listen_fd,
				 const struct server_config *cfg)
{
	int missing = 0;

	for (int i = 0; i < cfg->workers; i++) {
		if (workers[i] > 0)
			continue;
		/* The master's stop handler stops the workers it knows of: a
		 * signal between fork() and noting the new pid here would let
		 * this one outlive the master.  The worker lets them in again
		 * once it has its own handler. */
		hold_stop_signals(true);
		workers[i] = start_worker(listen_fd, cfg);
		hold_stop_signals(false);
		if (workers[i] < 0)
			missing++;
	}
	return missing;
}

static void forget_worker(pid_t *workers, int count, pid_t dead, int status)
{
	for (int i = 0; i < count; i++) {
		if (workers[i] != dead)
			continue;
		log_line("worker %d ended; starting another", (int)dead);
		workers[i] = 0;
		/* It failed by itself: pause, so that a broken setup does not
		 * make us fork in a tight loop. */
		if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
			sleep(1);
	}
}

/* The workers, for the master's signal handler: a pid_t is written whole,
 * so the handler sees either the old pid or the new one. */
static pid_t *workers_to_stop;
static int workers_count;

/* SIGINT or SIGTERM in the master, before it exits: stop every worker and
 * wait until each has ended, so that when the master is gone the port is
 * free again and a restart can listen on it at once.  kill() and
 * waitpid() are async-signal-safe. */
static void stop_workers(void)
{
	for (int i = 0; i < workers_count; i++)
		if (workers_to_stop[i] > 0)
			kill(workers_to_stop[i], SIGTERM);
	for (int i = 0; i < workers_count; i++)
		while (workers_to_stop[i] > 0 &&
		       waitpid(workers_to_stop[i], NULL, 0) < 0 && errno == EINTR)
			;
}

/* Keep the workers running for ever: start one in the place of each that
 * ends, and while fork() fails, try again every second. */
static void keep_workers_running(pid_t *workers, int listen_fd,
				 const struct server_config *cfg)
{
	int status;
	pid_t dead;

	for (;;) {
		int missing = start_missing_workers(workers, listen_fd, cfg);
		if (missing > 0) {
			log_line("%d of %d workers missing: trying again in 1 s",
				 missing, cfg->workers);
			sleep(1);
		}
		/* All there: sleep until one ends.  Some missing: collect
		 * only those that have ended, and go back to fork again. */
		do {
			dead = waitpid(-1, &status, missing ? WNOHANG : 0);
			if (dead > 0)
				forget_worker(workers, cfg->workers, dead, status);
		} while (dead > 0 && missing);
		if (dead < 0 && errno != EINTR && errno != ECHILD)
			log_errno("wait");
	}
}

int main(int argc, char **argv)
{
	struct server_config cfg = { .port = 10001, .idle_timeout = TIMEOUT_S,
				     .workers = 4 };
	pid_t workers[MAX_WORKERS] = { 0 };
	int listen_fd;

	parse_server_args(argc, argv, "p:t:w:", &cfg);
	if (cfg.workers > MAX_WORKERS)
		errx(2, "at most %d workers", MAX_WORKERS);
	workers_to_stop = workers;
	workers_count = cfg.workers;
	stop_on_signals_after(stop_workers);
	listen_fd = listen_on(cfg.port);
	if (listen_fd < 0)
		return 1;

	keep_workers_running(workers, listen_fd, &cfg);

	close(listen_fd); /* not reached: signals exit elsewhere */
	return 1;
}
