/*
 * store.h - the room on disk: saved after every change, read back at start.
 *
 * The file is the reports themselves, in the wire format of
 * tests/room_client.h, one record per learner's practice, doctor report
 * and open question, with a blank line after each; a few keys only the
 * file has (since, at, id, claimed) keep the times and the queue.  So
 * the file is readable with `less`, and report_parse() reads it back.
 */
#ifndef ROOM_STORE_H
#define ROOM_STORE_H

#include "state.h"

/* Write the room to `path` unless that version is saved already: to a
 * temporary file first, then rename() it over the old one, so the file is
 * always a whole state, old or new, even if we die halfway.  0, or -1
 * after printing why. */
int room_save(struct room *r, const char *path);

/* Read `path` into an empty room.  A missing file is an empty room (0);
 * a record that does not parse is skipped with a warning.  -1 if the file
 * cannot be read. */
int room_load(struct room *r, const char *path);

#endif
