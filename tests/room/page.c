/*
 * page.c - page.html inside the binary.  The assembler's .incbin copies
 * the file's bytes in as they are, so the page stays an ordinary HTML file
 * to read and edit (the Makefile rebuilds this when it changes).  A NUL
 * after it makes it one C string.
 */
#include "page.h"

__asm__(".section .rodata\n"
	".global room_page\n"
	".type room_page, @object\n"
	"room_page:\n"
	".incbin \"tests/room/page.html\"\n"
	".byte 0\n"
	".previous\n");
