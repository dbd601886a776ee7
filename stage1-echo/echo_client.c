/*
 * echo_client - stage 1: the first client.
 *
 * Connect, send each MESSAGE as a line (by default the workshop's two),
 * say "I am done sending", and print everything the server sends back.
 */
#include "net.h"

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static char *workshop_messages[] = { "Hello socket", "안녕 세계!" };

static int send_messages(int fd, char **messages, int count)
{
	/* exercise: send_text() each message and a "\n" after it */
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
	int fd = connect_to(cfg.host, cfg.port);
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
