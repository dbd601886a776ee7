/* Stage 1, broken: serves its first client, then returns from main (no
 * loop around accept()).  stagecheck 1: FAIL clients one after another,
 * "loop back to accept() instead of exiting". */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int port = argc > 2 ? atoi(argv[2]) : 10000;
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_port = htons(port) };
	socklen_t len = sizeof addr;
	char buf[100];
	ssize_t n;

	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(s, (struct sockaddr *)&addr, sizeof addr) < 0 ||
	    listen(s, 5) < 0)
		return 1;
	getsockname(s, (struct sockaddr *)&addr, &len);
	fprintf(stderr, "listening on 0.0.0.0:%d\n", ntohs(addr.sin_port));
	int c = accept(s, NULL, NULL);
	while ((n = recv(c, buf, sizeof buf, 0)) > 0)
		send(c, buf, (size_t)n, 0);
	close(c);
	return 0;
}
