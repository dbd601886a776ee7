/*
 * quiz_server - stage 2: the arithmetic quiz, one client at a time.
 *
 * The same blocking accept loop as stage 1's echo_server.  Stage 1 wrote
 * socket(), bind(), listen() and accept() by hand; from now on they are
 * common/net.c's helpers, listen_on() and accept_client().  What changed
 * is the handler (quiz.c), which talks through the "file" interface.
 * Start two quiz_clients: the second waits until the first has answered.
 */
#include "net.h"
#include "quiz.h"

#include <err.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct server_config cfg = { .port = 10001, .idle_timeout = TIMEOUT_S };
	char peer[PEER_NAME_LEN];
	int listen_fd, client_fd;

	parse_server_args(argc, argv, "p:t:", &cfg);
	stop_on_signals();
	listen_fd = listen_on(cfg.port);
	if (listen_fd < 0)
		return 1;

	while ((client_fd = accept_client(listen_fd, peer)) >= 0) {
		log_line("connect from %s", peer);
		set_timeout(client_fd, cfg.idle_timeout);
		serve_quiz(client_fd, cfg.idle_timeout);
		log_line("disconnect from %s", peer);
	}

	close(listen_fd); /* accept() failed for good; signals exit elsewhere */
	return 1;
}
