/*
 * fuzz_game.c - libFuzzer target for stage 5's message parser and
 * formatters: any line a client (or a server, for the graphical client)
 * can send.
 *
 * What must hold for every input: the parser never reads past the line,
 * and whatever it accepts formats back into a line that parses again to
 * the same line: format(parse(format(m))) == format(m).
 */
#include "game.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[GAME_LINE_MAX * 4 + 1], again[GAME_LINE_MAX + 2],
		third[GAME_LINE_MAX + 2];
	struct game_msg msg, reparsed;

	if (size >= sizeof line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (game_parse_message(line, &msg) != GAME_OK)
		return 0;
	int len = game_format_message(again, sizeof again, &msg);
	if (len <= 0 || again[len - 1] != '\n')
		abort();
	again[len - 1] = '\0';
	if (game_parse_message(again, &reparsed) != GAME_OK ||
	    reparsed.type != msg.type)
		abort();
	int len2 = game_format_message(third, sizeof third, &reparsed);
	if (len2 != len || memcmp(third, again, (size_t)len - 1) != 0)
		abort();
	return 0;
}
