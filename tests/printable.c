/*
 * printable.c - see printable.h.
 */
#include "printable.h"

size_t printable_copy(char *out, size_t cap, const char *text, size_t len)
{
	if (len > cap - 1) {
		len = cap - 1;
		/* Back off over continuation bytes (10xxxxxx) to the start of
		 * the character that did not fit, and drop it whole. */
		while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
			len--;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		out[i] = c < 0x20 || c == 0x7F ? '?' : (char)c;
	}
	out[len] = '\0';
	return len;
}
