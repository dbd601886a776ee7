/* Stage 1, correct, in C: socket, bind, listen, then an accept loop that
 * echoes with recv()/send().  stagecheck 1: all checks pass. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int port = argc > 2 ? atoi(argv[2]) : 10000;
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_port = htons(port) };
	socklen_t len = sizeof addr;

	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(s, (struct sockaddr *)&addr, sizeof addr) < 0 ||
	    listen(s, 5) < 0) {
		perror("bind");
		return 1;
	}
	getsockname(s, (struct sockaddr *)&addr, &len);
	fprintf(stderr, "listening on 0.0.0.0:%d\n", ntohs(addr.sin_port));
	for (;;) {
		int c = accept(s, NULL, NULL);
		char buf[100];
		ssize_t n;
		if (c < 0)
			continue;
		while ((n = recv(c, buf, sizeof buf, 0)) > 0)
			send(c, buf, (size_t)n, 0);
		close(c);
	}
}
