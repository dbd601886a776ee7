/*
 * echo_client - stage 1: the first client.
 *
 * Connect (getaddrinfo, socket, connect: by hand here, common/net.c's
 * connect_to() from stage 2 on), send each MESSAGE as a line (by default
 * the workshop's two), say "I am done sending", and print everything the
 * server sends back.
 */
#include "net.h"

#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static char *workshop_messages[] = { "Hello socket", "안녕 세계!" };

/* Connect to host:port.  Returns the socket, or -1 after saying why. */
static int connect_to_server(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, /* IPv4 or IPv6 */
				  .ai_socktype = SOCK_STREAM }; /* TCP */
	struct addrinfo *addresses;
	int fd = -1;

	/* exercise 1-1: getaddrinfo() the host, then socket() and connect() */
	/* getaddrinfo() turns a name ("localhost") and a port into
	 * addresses: a name may have several (IPv6 and IPv4). */
	int rc = getaddrinfo(host, port, &hints, &addresses);
	if (rc != 0) {
		warnx("%s: %s", host, gai_strerror(rc));
		return -1;
	}
	for (struct addrinfo *a = addresses; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
		if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) < 0) {
			close(fd); /* try the next address */
			fd = -1;
		}
	}
	if (fd < 0)
		warn("cannot connect to %s port %s", host, port);
	freeaddrinfo(addresses);
	/* end of exercise */
	return fd;
}

static int send_messages(int fd, char **messages, int count)
{
	/* exercise 1-1: send_text() each message and a "\n" after it */
	for (int i = 0; i < count; i++)
		if (send_text(fd, messages[i]) < 0 || send_text(fd, "\n") < 0)
			return -1;
	/* end of exercise */
	/* Half-close: the server reads EOF after our last byte, while we
	 * can still read its answer. */
	return shutdown(fd, SHUT_WR);
}

static int print_replies(int fd)
{
	char buf[4096];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof buf, 0)) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	if (n < 0 && errno == EAGAIN)
		warnx("no answer for 30 s: is the server busy with another client?");
	else if (n < 0)
		warn("recv");
	return n == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct client_config cfg = { .host = "localhost", .port = "10000" };

	parse_client_args(argc, argv, "[MESSAGE...]", &cfg);
	if (cfg.more_count == 0) {
		cfg.more = workshop_messages;
		cfg.more_count = 2;
	}
	int fd = connect_to_server(cfg.host, cfg.port);
	if (fd < 0)
		return 1;
	set_timeout(fd, 30);
	if (send_messages(fd, cfg.more, cfg.more_count) < 0) {
		warn("send");
		close(fd);
		return 1;
	}
	int rc = print_replies(fd);
	close(fd);
	return rc == 0 ? 0 : 1;
}
