/*
 * json.h - the room as JSON, for the pages: the instructor's whole view
 * (/state.json) and the projector's anonymous one (/room.json).
 */
#ifndef ROOM_JSON_H
#define ROOM_JSON_H

#include "state.h"

#include <stddef.h>
#include <stdio.h>

/* The whole state at wall-clock `now`, as a new string (free it) of *len
 * bytes; NULL when out of memory.  Takes the room's lock. */
char *room_state_json(struct room *r, long long now, size_t *len);

/* How many learners passed, fail and have reported each practice, and
 * nothing else: no names, no checks, no questions. */
char *room_public_json(struct room *r, size_t *len);

/* Write `text` as a JSON string.  Besides '"', '\\' and control bytes,
 * '<', '>' and '&' are escaped too, so no learner's text can ever read as
 * markup, even if a browser were made to show this as HTML. */
void json_string(FILE *out, const char *text);

#endif
