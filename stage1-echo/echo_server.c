/*
 * echo_server - stage 1: the first server.
 *
 * A blocking accept loop: take one client, echo its bytes until it closes,
 * then take the next.  While one client is served the others wait in the
 * listen backlog; stage 3 is about fixing that.
 */
#include "echo.h"
#include "net.h"

#include <err.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct server_config cfg = { .port = 10000, .idle_timeout = 30 };
	char peer[PEER_NAME_LEN];
	int listen_fd, client_fd;

	parse_server_args(argc, argv, "p:t:", &cfg);
	stop_on_signals();
	listen_fd = listen_on(cfg.port);
	if (listen_fd < 0)
		return 1;

	while ((client_fd = accept_client(listen_fd, peer)) >= 0) {
		warnx("connect from %s", peer);
		set_timeout(client_fd, cfg.idle_timeout);
		serve_echo(client_fd);
		warnx("disconnect from %s", peer);
	}

	close(listen_fd); /* accept() failed for good; signals exit elsewhere */
	return 1;
}
