/*
 * game_world.h - the game server's world: players, bullets and items, and
 * the rules that change them.  Pure: no sockets, no threads, no clock.
 * The caller passes the time (`now`, in seconds) and holds whatever lock
 * protects the world; the world hands every outgoing line to a callback.
 * So the tests can drive it tick by tick without a server.
 */
#ifndef GAME_WORLD_H
#define GAME_WORLD_H

#include "game.h"

#include <stdbool.h>
#include <stddef.h>

#define GAME_MAX_PLAYERS 512   /* connections the world has room for */
#define GAME_MAX_BULLETS 8192  /* in flight at once; more FIREs are refused */
#define GAME_MAX_ITEMS 5       /* on the ground at once */
#define GAME_ITEM_INTERVAL 5.0 /* s between two new items */

/* What the server tolerates, because clients and networks are not exact. */
#define GAME_SPEED_TOLERANCE 1.25 /* moves up to 25% above top speed pass */
#define GAME_MOVE_SLACK 10.0      /* px more, for rounding and jitter */
#define GAME_MOVE_WINDOW 1.0      /* s: a silence earns no more than this */
#define GAME_SHOT_WINDOW 0.05     /* s: a shot's pellets come together */
#define GAME_SPREAD_SLACK 1.0     /* degrees, on top of a weapon's spread */
#define GAME_BULLET_SPEED_SLACK 2.0 /* px/s, for rounding on the wire */
#define GAME_DEPARTED_MAX 256     /* ids that left dead, remembered */
#define GAME_FIRE_SLACK 0.05      /* s a shot may come early (jitter) */
#define GAME_WEAPON_SLACK 0.01    /* r and dmg as rounded on the wire */
#define GAME_NAME_INTERVAL 1.0    /* s between two NAMEs of one player */

struct game_player {
	bool connected;   /* the slot belongs to a connection */
	int id;           /* 0 until the first SPAWN binds one */
	bool alive;
	double x, y, vx, vy, aimx, aimy, hp;
	int weapon;       /* enum game_weapon_kind */
	double moved_at;  /* when the last POS (or SPAWN) was accepted */
	double move_budget; /* px it may still move as of moved_at */
	double killed_at;
	double ready_at;  /* the next shot may come from then on */
	int pellets_left; /* FIRE lines the current shot may still send */
	double shot_at;   /* when the current shot's first pellet came */
	double shot_angle; /* its direction, radians */
	double shot_low, shot_high; /* the others', relative to it */
	double shielded_until; /* spawn protection, see GAME_SPAWN_PROTECTION */
	char name[GAME_NAME_MAX + 1]; /* from NAME; "" until one comes */
	double named_at;  /* when the last NAME was accepted */
};

struct game_bullet {
	int shooter_id;
	int bullet_id;
	double x, y, vx, vy, r, dmg;
	double t;         /* the time at which it was at (x, y) */
};

/* An id whose connection ended while it waited to respawn. */
struct game_departed {
	int id;
	double killed_at;
};

struct game_item {
	int item_id;
	double x, y;
	int kind;
};

/* Called for every line the world sends, once per recipient slot.  The
 * line ends in '\n'. */
typedef void game_send_fn(void *ctx, int slot, const char *line, size_t len);

struct game_world {
	struct game_player players[GAME_MAX_PLAYERS];
	int slot_limit;   /* slots at or past this one are all free */
	struct game_bullet bullets[GAME_MAX_BULLETS];
	int bullet_count;
	struct game_item items[GAME_MAX_ITEMS];
	int item_count;
	int next_item_id;
	double next_item_at;
	struct game_departed departed[GAME_DEPARTED_MAX]; /* a ring */
	int departed_next;
	double now;       /* the time of the last step */
	unsigned int rng; /* where items land: a seeded, repeatable sequence */
	game_send_fn *send;
	void *ctx;
};

/* What game_world_handle() did with a client's message. */
enum game_verdict {
	GAME_ACCEPTED,
	GAME_REFUSED_SERVER_ONLY, /* HIT, KILL...: only the server sends them */
	GAME_REFUSED_NO_SPAWN,    /* POS or FIRE before the first SPAWN */
	GAME_REFUSED_SPOOFED,     /* the line claims another player's id */
	GAME_REFUSED_ID_TAKEN,    /* SPAWN with an id another connection holds */
	GAME_REFUSED_ALIVE,       /* SPAWN while alive */
	GAME_REFUSED_TOO_EARLY,   /* SPAWN sooner than 10 s after the KILL */
	GAME_REFUSED_DEAD,        /* POS or FIRE of a dead player */
	GAME_REFUSED_WEAPON,      /* r, dmg or speed unlike the weapon held */
	GAME_REFUSED_RATE,        /* faster than the weapon fires */
	GAME_REFUSED_REACH,       /* the bullet starts too far from its shooter */
	GAME_REFUSED_FULL,        /* GAME_MAX_BULLETS in flight already */
	GAME_REFUSED_SPREAD,      /* a pellet outside its shot's spread */
	GAME_VERDICT_COUNT
};

const char *game_verdict_text(enum game_verdict verdict);

/* An empty world at time `now`; the first item appears at once. */
void game_world_init(struct game_world *w, double now, unsigned int seed,
		     game_send_fn *send, void *ctx);

/* A connection arrives: its slot, or -1 if the world is full. */
int game_world_join(struct game_world *w);

/* A connection ends: everyone else gets LEAVE if it had spawned.  A dead
 * id keeps its respawn time: the same id on a new connection waits too. */
void game_world_leave(struct game_world *w, int slot, double now);

/* Apply one message from the connection in `slot`, checked against the
 * rules; an accepted one is relayed as the protocol says. */
enum game_verdict game_world_handle(struct game_world *w, int slot,
				    const struct game_msg *msg, double now);

/* One tick: move the bullets to where they are at `now`, hit, kill, drop
 * those that left the arena, hand out and place items. */
void game_world_step(struct game_world *w, double now);

#endif
