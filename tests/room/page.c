/*
 * page.c - page.html inside the binary.  The assembler's .incbin copies
 * the file's bytes in as they are, so the page stays an ordinary HTML file
 * to read and edit (the Makefile rebuilds this when it changes).  A NUL
 * after it makes it one C string.
 */
#include "page.h"

/* Where read-only data goes, and how C names look to the assembler, differ
 * between Linux (ELF) and macOS (Mach-O, where C's names begin with '_'). */
#if defined(__APPLE__)
#define READ_ONLY ".const\n"
#define PAGE_SYMBOL "_room_page"
#else
#define READ_ONLY ".section .rodata\n"
#define PAGE_SYMBOL "room_page"
#endif

__asm__(READ_ONLY
	".globl " PAGE_SYMBOL "\n"
	PAGE_SYMBOL ":\n"
	".incbin \"tests/room/page.html\"\n"
	".byte 0\n"
	".text\n");
