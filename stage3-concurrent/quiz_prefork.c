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
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_WORKERS 256

static void worker_process(int listen_fd, const struct server_config *cfg,
			   pid_t master)
{
	char peer[PEER_NAME_LEN];
	int client_fd;

	/* Have the kernel send us SIGTERM when the master ends, so stopping
	 * the master stops every worker (see compat.h). */
	if (die_with_parent(SIGTERM) < 0)
		log_errno("die_with_parent");
	if (getppid() != master) /* it ended before that call */
		exit(0);

	/* exercise: stage 2's accept loop, in every worker */
	while ((client_fd = accept_client(listen_fd, peer)) >= 0) {
		log_line("connect from %s", peer);
		set_timeout(client_fd, cfg->idle_timeout);
		serve_quiz(client_fd);
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

/* Wait for workers to end, and start one in the place of each. */
static void replace_dead_workers(pid_t *workers, int listen_fd,
				 const struct server_config *cfg)
{
	int status;
	pid_t dead;

	while ((dead = wait(&status)) > 0 || errno == EINTR) {
		for (int i = 0; dead > 0 && i < cfg->workers; i++) {
			if (workers[i] != dead)
				continue;
			log_line("worker %d ended; starting another", (int)dead);
			/* It failed by itself: pause, so that a broken setup
			 * does not make us fork in a tight loop. */
			if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
				sleep(1);
			workers[i] = start_worker(listen_fd, cfg);
		}
	}
	log_errno("wait"); /* no worker is left to wait for */
}

int main(int argc, char **argv)
{
	struct server_config cfg = { .port = 10001, .idle_timeout = 30,
				     .workers = 4 };
	pid_t workers[MAX_WORKERS];
	int listen_fd;

	parse_server_args(argc, argv, "p:t:w:", &cfg);
	if (cfg.workers > MAX_WORKERS)
		errx(2, "at most %d workers", MAX_WORKERS);
	stop_on_signals();
	listen_fd = listen_on(cfg.port);
	if (listen_fd < 0)
		return 1;

	for (int i = 0; i < cfg.workers; i++)
		if ((workers[i] = start_worker(listen_fd, &cfg)) < 0)
			return 1; /* the workers started so far end with us */
	replace_dead_workers(workers, listen_fd, &cfg);

	close(listen_fd);
	return 1;
}
