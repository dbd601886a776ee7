/*
 * printable.h - text that came from the network, made safe to show on one
 * line of a terminal or a page: the room's reports and the checker's
 * transcripts both show what somebody else sent.
 */
#ifndef PRINTABLE_H
#define PRINTABLE_H

#include <stddef.h>

/* Copy text[0..len) into out[cap] (cap >= 1), cut at cap - 1 bytes without
 * splitting a UTF-8 character (a Korean one), control bytes as '?', and
 * end it with a NUL.  Returns the number of bytes copied. */
size_t printable_copy(char *out, size_t cap, const char *text, size_t len);

#endif
