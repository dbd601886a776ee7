/* Stage 2, broken, in C: two FILE*s, but no fflush() after the question,
 * so it waits in the write buffer while fgets() waits for the answer.
 * stagecheck 2: FAIL question, "fflush() after fprintf()". */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void quiz(int c)
{
	FILE *in = fdopen(c, "r"), *out = fdopen(dup(c), "w");
	int a = rand() % 10, b = rand() % 10;
	char line[100], *end;

	fprintf(out, "%d+%d\n", a, b);
	if (fgets(line, sizeof line, in)) {
		long answer = strtol(line, &end, 10);
		while (*end == ' ' || *end == '\r' || *end == '\n')
			end++;
		fprintf(out, "%s\n",
			end != line && *end == '\0' && answer == a + b ? "yes"
								    : "no");
	}
	fclose(out);
	fclose(in);
}

int main(int argc, char **argv)
{
	int port = argc > 2 ? atoi(argv[2]) : 10001;
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_port = htons(port) };
	socklen_t len = sizeof addr;

	srand((unsigned)time(NULL));
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(s, (struct sockaddr *)&addr, sizeof addr) < 0 ||
	    listen(s, 5) < 0)
		return 1;
	getsockname(s, (struct sockaddr *)&addr, &len);
	fprintf(stderr, "listening on 0.0.0.0:%d\n", ntohs(addr.sin_port));
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c >= 0)
			quiz(c);
	}
}
