/*
 * game.h - the stage 5 protocol, shared by game_server, game_bot and
 * game_client.  How to use it (from a client):
 *   - game_weapons[kind] gives a weapon's bullet r, dmg, speed (px/s), the
 *     least interval between shots (s), pellets per shot and spread (deg).
 *     A player holds GAME_GUN at spawn; GETITEM for your id changes it.
 *   - game_parse_message(line, &msg) turns one received line (without its
 *     '\n') into a struct game_msg; anything but GAME_OK means "skip the
 *     line" (GAME_ERR_UNKNOWN_TYPE: a newer message type, ignore it).
 *   - game_format_message(buf, sizeof buf, &msg) writes one line, '\n'
 *     included, and returns its length (never more than GAME_LINE_MAX).
 *   - Send POS when your velocity or aim changes and at least once a
 *     second: the server drops a client that stays silent (its -t flag).
 *     A bullet must start within GAME_FIRE_REACH of your centre.
 *   - game_bullet_hits() is the hit rule.  Link with -lm.
 */
#ifndef GAME_H
#define GAME_H

#include <stdbool.h>
#include <stddef.h>

/* ---- The arena ---------------------------------------------------------- */

#define GAME_PORT "10005"
#define GAME_WIDTH 800.0            /* px; x grows to the right */
#define GAME_HEIGHT 600.0           /* px; y grows downwards */
#define GAME_PLAYER_RADIUS 15.0     /* px */
#define GAME_ITEM_RADIUS 10.0       /* px; touching an item picks it up */
#define GAME_START_HP 100.0         /* every SPAWN gives this much */
#define GAME_TOP_SPEED 200.0        /* px/s, the fastest a player moves */
#define GAME_RESPAWN_DELAY 10.0     /* s between KILL and the next SPAWN */
#define GAME_FIRE_REACH 60.0        /* px from the shooter's centre */
#define GAME_SPAWN_PROTECTION 2.0   /* s without damage after a SPAWN, or
				     * until the player fires */
#define GAME_NAME_MAX 16            /* bytes in a NAME's text */

/* The longest line of the protocol, without its '\n'.  Longer lines are
 * refused: no message needs more. */
#define GAME_LINE_MAX 200

/* Numbers on the wire stay within +-GAME_NUMBER_MAX; ids are positive. */
#define GAME_NUMBER_MAX 1000000.0

/* ---- The weapons -------------------------------------------------------- */

enum game_weapon_kind {
	GAME_GUN,
	GAME_BIGGUN,
	GAME_SHOTGUN,
	GAME_MINIGUN,
	GAME_WEAPON_COUNT
};

struct game_weapon {
	const char *name; /* as on the wire: "GUN", "BIGGUN", ... */
	double r;         /* bullet radius, px */
	double dmg;       /* damage per bullet */
	double speed;     /* bullet speed, px/s */
	double interval;  /* least time between two shots, s */
	int pellets;      /* bullets (FIRE lines) per shot */
	double spread;    /* the pellets fan out over this angle, degrees */
};

extern const struct game_weapon game_weapons[GAME_WEAPON_COUNT];

/* The kind named `name`, or -1. */
int game_weapon_by_name(const char *name);

/* ---- Messages ----------------------------------------------------------- */

enum game_msg_type {
	GAME_SPAWN,   /* c->s, broadcast */
	GAME_POS,     /* c->s, broadcast */
	GAME_FIRE,    /* c->s, broadcast */
	GAME_HIT,     /* s->c */
	GAME_KILL,    /* s->c */
	GAME_PUTITEM, /* s->c */
	GAME_GETITEM, /* s->c */
	GAME_LEAVE,   /* s->c, our extension: the player's connection ended */
	GAME_NAME,    /* c->s, broadcast, our extension: a display name */
	GAME_MSG_TYPE_COUNT
};

struct game_spawn { int id; double x, y, hp; };
struct game_pos { int id; double x, y, vx, vy, aimx, aimy; };
struct game_fire { int id, bullet_id; double x, y, vx, vy, r, dmg; };
struct game_hit { int atk_id, def_id, bullet_id; double hp; };
struct game_kill { int atk_id, def_id; };
struct game_putitem { int item_id; double x, y; int kind; };
struct game_getitem { int id, item_id, kind; };
struct game_leave { int id; };
struct game_name { int id; char text[GAME_NAME_MAX + 1]; };

struct game_msg {
	enum game_msg_type type; /* says which member of the union is set */
	union {
		struct game_spawn spawn;
		struct game_pos pos;
		struct game_fire fire;
		struct game_hit hit;
		struct game_kill kill;
		struct game_putitem putitem;
		struct game_getitem getitem;
		struct game_leave leave;
		struct game_name name;
	};
};

/* The word that starts a message of this type on the wire, e.g. "SPAWN". */
const char *game_msg_type_name(enum game_msg_type type);

/* ---- Parsing ------------------------------------------------------------ */

enum game_parse_result {
	GAME_OK = 0,
	GAME_ERR_EMPTY,        /* nothing but spaces */
	GAME_ERR_TOO_LONG,     /* more than GAME_LINE_MAX bytes */
	GAME_ERR_UNKNOWN_TYPE, /* the first word is no message type */
	GAME_ERR_FIELD_COUNT,  /* too few or too many fields for the type */
	GAME_ERR_BAD_NUMBER,   /* not a decimal number: "abc", "nan", "inf" */
	GAME_ERR_OUT_OF_RANGE, /* a number past GAME_NUMBER_MAX, an id <= 0 */
	GAME_ERR_BAD_KIND,     /* an item kind that is no weapon */
	GAME_ERR_BAD_NAME,     /* a NAME's text breaks game_name_problem() */
	GAME_PARSE_RESULT_COUNT
};

/* Parse one line (without '\n'; fields separated by spaces or tabs).
 * Ids are decimal integers (id, atk_id, def_id >= 1; bullet_id,
 * item_id >= 0), every other number a finite decimal within
 * +-GAME_NUMBER_MAX, a NAME's text one word game_name_problem() accepts.
 * Fills *out only when it returns GAME_OK. */
enum game_parse_result game_parse_message(const char *line,
					  struct game_msg *out);

/* A short English description of a parse result, for logs. */
const char *game_parse_result_text(enum game_parse_result result);

/* ---- Formatting --------------------------------------------------------- */

/* Write msg as one line ending in '\n' into buf (NUL-terminated) and
 * return its length, or -1 if cap is too small (GAME_LINE_MAX + 2 is
 * enough) or a field cannot go on the wire (a number past
 * GAME_NUMBER_MAX, NaN, a kind that is no weapon, a bad name).  Numbers
 * get at most two decimals and no trailing zeros: "HIT 1 2 7 90". */
int game_format_message(char *buf, size_t cap, const struct game_msg *msg);

/* ---- Names -------------------------------------------------------------- */

/* A display name: 1..GAME_NAME_MAX bytes of UTF-8 without spaces, control
 * characters, invisible characters (zero-width ones, fillers, variation
 * selectors) or characters that change the text's direction, so a name
 * can neither hide, nor pretend to be someone else's, nor reorder the
 * text drawn after it.  Returns NULL if `name` is fine, else why not. */
const char *game_name_problem(const char *name);

/* ---- Geometry ----------------------------------------------------------- */

/* The hit rule: a bullet of radius r at (bx, by) hits the player at
 * (px, py) when the circles overlap, i.e. when the distance between the
 * centres is below GAME_PLAYER_RADIUS + r. */
bool game_bullet_hits(double px, double py, double bx, double by, double r);

/* The same rule along the bullet's path in one tick, from (x0, y0) to
 * (x1, y1): true when the circles overlap at any point of the way, so a
 * fast bullet cannot jump over a player between two ticks. */
bool game_bullet_path_hits(double px, double py, double x0, double y0,
			   double x1, double y1, double r);

/* Whether a player at (px, py) touches the item at (ix, iy): distance
 * below GAME_PLAYER_RADIUS + GAME_ITEM_RADIUS. */
bool game_touches_item(double px, double py, double ix, double iy);

/* Whether (x, y) lies in the arena, 0 <= x <= 800 and 0 <= y <= 600. */
bool game_in_arena(double x, double y);

/* Move (x, y) to the nearest point of the arena. */
void game_clamp_to_arena(double *x, double *y);

/* ---- Statistics --------------------------------------------------------- */

/* Durations in 0.01 ms steps up to 1 s (longer ones count as 1 s): a fixed
 * size, so it takes the same memory however long the server runs.  The
 * server times its ticks with it, the bots the relay of their POS lines. */
#define GAME_HISTOGRAM_STEP_MS 0.01
#define GAME_HISTOGRAM_STEPS 100000

struct game_histogram {
	int count[GAME_HISTOGRAM_STEPS];
	long total;
	double worst_ms;
};

void game_histogram_add(struct game_histogram *h, double ms);

/* The p-th percentile (0..100) in ms, rounded up to a step (but never
 * past the longest); 0 if empty. */
double game_histogram_percentile(const struct game_histogram *h, double p);

#endif
