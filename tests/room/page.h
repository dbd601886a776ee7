/*
 * page.h - the room's one web page (page.html), built into the binary so
 * the room needs no files and no web server beside it.
 */
#ifndef ROOM_PAGE_H
#define ROOM_PAGE_H

#include <stddef.h>

/* NUL-terminated. */
extern const char room_page[];

#endif
