/*
 * room_client.h - how a learner's tools talk to the room (tests/room_server).
 *
 * tests/stagecheck --room, tests/ask and `make doctor ROOM=...` each send
 * one small HTTP/1.1 request to the instructor's room server and read its
 * short reply.  Reporting must never slow or break the learner's own work,
 * so every step has a time limit and a room that cannot be reached costs
 * one warning line, nothing more.
 *
 * The wire format (the room server parses exactly this):
 *
 *   POST /report HTTP/1.1                  (tests/ask posts to /ask)
 *   Host: HOST:PORT
 *   Content-Type: text/plain; charset=utf-8
 *   Content-Length: N
 *   Connection: close
 *
 *   kind check                 check | doctor | ask
 *   name alice@laptop          the learner (--name; default user@host)
 *   practice 2                 1, 2, 3, 4, 5-1 .. 5-4, or "doctor"
 *   result FAIL                PASS | FAIL
 *   check PASS connect         one line per check, in order (kind check)
 *   check FAIL question
 *   hint send "A+B\n" ...      the first FAIL's hint (kind check)
 *   exchange > 3+5\n           the last exchange, escaped as -v prints it
 *   missing SDL2 and SDL2_ttf  one line per missing tool (kind doctor)
 *   text why does ...          the question (kind ask); the learner's last
 *                              check follows as "last ..." lines
 *
 * Each line is "KEY VALUE" with no '\n' or '\r' inside VALUE; unknown keys
 * are ignored.  The reply's body is one line: "ok" for a report, "queued N"
 * for a question (its place in the help queue), or an error ("too many
 * reports: wait a second", "the room is full").
 */
#ifndef ROOM_CLIENT_H
#define ROOM_CLIENT_H

#include <stddef.h>

#define ROOM_DEFAULT_PORT "10010"

/* The whole request, connect to reply, takes at most this long. */
#define ROOM_TIMEOUT_MS 1500

/* POST `body` to http://ROOM`path`, where room is "HOST" or "HOST:PORT"
 * (IPv6: "[::1]:PORT").  Returns the reply's HTTP status and copies the
 * first line of its body into `reply` (may be NULL); on any failure prints
 * one line "PROGRAM: warning: the room at ROOM ...: WHY" to stderr and
 * returns -1. */
int room_post(const char *room, const char *path, const char *body,
	      char *reply, size_t reply_size);

/* "user@host", from $USER (or the login name) and the host name. */
void room_default_name(char *out, size_t size);

#endif
