/*
 * chat_client - stage 4: chat from a terminal.
 *
 * A chat client waits for two things at once: the keyboard (you type a
 * line) and the server (someone else said something).  Reading one of
 * them with a blocking call would stall the other, so poll() waits for
 * both and says which one has bytes ready.
 *
 *   chat_client [HOST] [PORT]      then type; /help lists the commands
 */
#include "net.h"

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#define CLOSE_WAIT_MS 5000 /* after Ctrl-D, how long the server may take */

enum { KEYBOARD, SERVER };

/* Show what the server sent.  False when it has closed the connection. */
static bool show_from_server(int fd)
{
	char buf[4096];
	ssize_t n = recv(fd, buf, sizeof buf, 0);

	if (n <= 0)
		return false;
	fwrite(buf, 1, (size_t)n, stdout);
	/* stdout may be a pipe, which stdio buffers: show lines now. */
	fflush(stdout);
	return true;
}

/* Send what was typed.  False at the end of the input, or on error. */
static bool send_typed(int fd)
{
	char buf[4096];
	ssize_t n = read(STDIN_FILENO, buf, sizeof buf);

	return n > 0 && send_all(fd, buf, (size_t)n) == 0;
}

int main(int argc, char **argv)
{
	struct client_config cfg = { .host = "localhost", .port = "10004" };
	struct pollfd watch[2];
	int timeout = -1;

	parse_client_args(argc, argv, NULL, &cfg);
	int fd = connect_to(cfg.host, cfg.port);
	if (fd < 0)
		return 1;
	watch[KEYBOARD] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
	watch[SERVER] = (struct pollfd){ .fd = fd, .events = POLLIN };

	for (;;) {
		int ready = poll(watch, 2, timeout);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0) {
			log_line(ready == 0 ? "the server did not hang up"
					 : "poll failed");
			break;
		}
		if (watch[SERVER].revents && !show_from_server(fd)) {
			log_line("the server closed the connection");
			break;
		}
		if (watch[KEYBOARD].revents && !send_typed(fd)) {
			/* End of input (Ctrl-D): say so, then keep showing
			 * what the server sends until it hangs up. */
			shutdown(fd, SHUT_WR);
			watch[KEYBOARD].fd = -1;
			timeout = CLOSE_WAIT_MS;
		}
	}
	close(fd);
	return 0;
}
