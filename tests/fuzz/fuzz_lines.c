/*
 * fuzz_lines.c - libFuzzer target for common/'s line reader.
 *
 * The first byte picks the reader's buffer size, the rest is what a peer
 * sends before closing.  The reader's answers are compared with the rule
 * it promises, worked out here the slow, obvious way: every '\n'-ended
 * piece of up to cap - 1 bytes comes back as a line, a longer one as
 * LINE_TOO_LONG, and a last piece without '\n' as a line if it is shorter
 * than cap; a line loses one '\r' at its end.
 */
#include "net.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* What the reader must return for the piece data[0..len), ended by '\n'
 * or not; compared with one read_line() call. */
static void expect_piece(struct line_reader *r, const uint8_t *piece,
			 size_t len, int ended, size_t cap)
{
	char *line;
	ssize_t n = read_line(r, &line);
	int fits = ended ? len + 1 <= cap : len < cap;

	if (!fits) {
		if (n != LINE_TOO_LONG)
			abort();
		return;
	}
	size_t want = len > 0 && piece[len - 1] == '\r' ? len - 1 : len;
	if (n != (ssize_t)want || memcmp(line, piece, want) != 0 ||
	    line[want] != '\0')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fds[2];

	if (size < 1 || size > 100000)
		return 0;
	size_t cap = 2 + data[0] % 63;
	char *buf = malloc(cap);
	if (!buf || socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0)
		abort();
	/* A socket pair holds far more than 100 KB, so this cannot block. */
	if (send_all(fds[1], data + 1, size - 1) < 0 ||
	    shutdown(fds[1], SHUT_WR) < 0)
		abort();

	struct line_reader r;
	line_reader_init(&r, fds[0], buf, cap);
	const uint8_t *rest = data + 1, *end = data + size;
	while (rest < end) {
		const uint8_t *newline = memchr(rest, '\n', (size_t)(end - rest));
		const uint8_t *stop = newline ? newline : end;
		expect_piece(&r, rest, (size_t)(stop - rest), newline != NULL,
			     cap);
		rest = newline ? newline + 1 : end;
	}
	char *line;
	if (read_line(&r, &line) != LINE_EOF)
		abort();
	close(fds[0]);
	close(fds[1]);
	free(buf);
	return 0;
}
