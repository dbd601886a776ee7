/*
 * echo.c - stage 1's handler: raw recv() and send() on one client.
 */
#include "echo.h"
#include "net.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

void serve_echo(int fd)
{
	/* exercise 1-3: recv() what came and send_all() it back, until EOF */
	char buf[4096];
	ssize_t n;

	/* recv() returns whatever has arrived: part of what the client sent,
	 * or several of its sends at once.  TCP keeps no message borders.
	 * 0 means the client closed; -1 an error or the idle timeout. */
	while ((n = recv(fd, buf, sizeof buf, 0)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || send_all(fd, buf, (size_t)n) < 0)
			break;
	}
	/* end of exercise */
	close(fd);
}
