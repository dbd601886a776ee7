/*
 * fuzz_chat.c - libFuzzer target for stage 4's command parser and text
 * rules: any line a user can send (up to the server's line limit).
 *
 * What must hold for every input: the parser returns a known kind, every
 * string it returns lies inside the line, an error comes with a reason,
 * and the names it accepts pass the server's own name rule.
 */
#include "chat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Whether s is a NUL-terminated string inside line[0..size]. */
static int inside(const char *s, const char *line, size_t size)
{
	return s >= line && s <= line + size && memchr(s, '\0', (size_t)(line + size + 1 - s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chat_command cmd;
	char *line;

	if (size > CHAT_LINE_MAX)
		return 0;
	line = malloc(size + 1);
	if (!line)
		abort();
	memcpy(line, data, size);
	line[size] = '\0';
	/* The server only parses UTF-8 lines, with controls blanked. */
	if (!chat_is_utf8(line, size)) {
		free(line);
		return 0;
	}
	chat_blank_controls(line);
	enum chat_command_kind kind = chat_parse_command(line, &cmd);
	if (kind != cmd.kind || kind < CHAT_SAY || kind > CHAT_ERROR)
		abort();
	if (kind == CHAT_ERROR && !cmd.error)
		abort();
	if ((cmd.name && !inside(cmd.name, line, size)) ||
	    (cmd.text && !inside(cmd.text, line, size)))
		abort();
	if ((kind == CHAT_NICK || kind == CHAT_JOIN) &&
	    (!cmd.name || chat_name_problem(cmd.name)))
		abort();
	if (kind == CHAT_DICE && (cmd.number < 1 || cmd.number > CHAT_DICE_MAX))
		abort();
	free(line);
	return 0;
}
