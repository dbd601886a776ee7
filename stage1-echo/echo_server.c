/*
 * echo_server - stage 1: the first server.
 *
 * The socket API by hand: socket(), bind() and listen() make the
 * listening socket, and a blocking accept() loop takes one client, echoes
 * its bytes until it closes, then takes the next.  While one client is
 * served the others wait in the listen backlog; stage 3 is about fixing
 * that.  From stage 2 on, these calls are common/net.c's listen_on() and
 * accept_client(): we write them once, here.
 */
#include "echo.h"
#include "net.h"

#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

/* A TCP socket listening on every IPv4 address at `port` (0: the kernel
 * picks a free one).  Returns it, or -1 after saying why. */
static int open_listening_socket(int port)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_ANY), /* 0.0.0.0 */
		.sin_port = htons((unsigned short)port),
	};
	socklen_t len = sizeof addr;
	int fd = -1;

	/* exercise 1-3: socket(), SO_REUSEADDR, bind() to addr, listen() */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		log_errno("socket");
		return -1;
	}
	/* Without SO_REUSEADDR a restarted server fails with "Address already
	 * in use" while the old connections sit in TIME_WAIT for a minute. */
	int one = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) {
		log_errno("setsockopt SO_REUSEADDR");
		close(fd);
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		log_errno("bind port %d", port);
		close(fd);
		return -1;
	}
	/* The backlog: clients the kernel accepts for us while we are busy.
	 * The workshop used 5; a room connecting at once needs more. */
	if (listen(fd, SOMAXCONN) < 0) {
		log_errno("listen");
		close(fd);
		return -1;
	}
	/* end of exercise */
	/* Which port did bind() take?  It matters with -p 0. */
	if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0) {
		log_errno("getsockname");
		close(fd);
		return -1;
	}
	log_line("listening on 0.0.0.0:%d", ntohs(addr.sin_port));
	return fd;
}

/* Wait for the next client.  Returns its socket and writes its address
 * and port to `peer`, or returns -1 on an error that retrying cannot fix. */
static int accept_next_client(int listen_fd, char peer[PEER_NAME_LEN])
{
	struct sockaddr_in addr;
	char host[INET_ADDRSTRLEN];
	int fd = -1;

	/* exercise 1-3: accept() a client; retry on EINTR and ECONNABORTED */
	for (;;) {
		socklen_t len = sizeof addr;
		fd = accept(listen_fd, (struct sockaddr *)&addr, &len);
		if (fd >= 0)
			break;
		/* A signal, or a client that gave up while waiting in the
		 * backlog: neither is a reason to stop serving. */
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		log_errno("accept");
		/* Out of memory, or the system out of descriptors (we hold
		 * only one client's): wait for some to come free, not spin. */
		if (errno != EMFILE && errno != ENFILE && errno != ENOBUFS &&
		    errno != ENOMEM)
			return -1;
		sleep(1);
	}
	inet_ntop(AF_INET, &addr.sin_addr, host, sizeof host);
	snprintf(peer, PEER_NAME_LEN, "%s:%d", host, ntohs(addr.sin_port));
	/* end of exercise */
	return fd;
}

int main(int argc, char **argv)
{
	struct server_config cfg = { .port = 10000, .idle_timeout = 30 };
	char peer[PEER_NAME_LEN];
	int listen_fd, client_fd;

	parse_server_args(argc, argv, "p:t:", &cfg);
	stop_on_signals();
	listen_fd = open_listening_socket(cfg.port);
	if (listen_fd < 0)
		return 1;

	while ((client_fd = accept_next_client(listen_fd, peer)) >= 0) {
		log_line("connect from %s", peer);
		set_timeout(client_fd, cfg.idle_timeout);
		serve_echo(client_fd);
		log_line("disconnect from %s", peer);
	}

	close(listen_fd); /* accept() failed for good; signals exit elsewhere */
	return 1;
}
