/*
 * client_state.h - what the graphical client knows about the game, and the
 * rules of its own player.  Pure: no SDL, no sockets, no threads, no clock.
 * The caller passes the time (`now`, in seconds) and the player's input;
 * every line the client has to send goes to a callback.  So the tests can
 * drive it message by message and frame by frame without a window.
 *
 * The server is not trusted: whatever it sends is kept inside the arena
 * and inside fixed-size tables, and a message about something unknown is
 * simply ignored.
 */
#ifndef CLIENT_STATE_H
#define CLIENT_STATE_H

#include "game.h"
#include "play.h"

#include <stdbool.h>
#include <stddef.h>

#define CLIENT_MAX_PLAYERS 256   /* more SPAWNs than this are ignored */
#define CLIENT_MAX_BULLETS 2048  /* in flight; more FIREs are ignored */
#define CLIENT_BULLET_LIFE 5.0   /* s; the slowest bullet crosses in 3.4 */
#define CLIENT_MAX_BULLET_R 20.0 /* px; a bigger r is drawn this big */
#define CLIENT_MAX_ITEMS 64      /* on the ground; more PUTITEMs ignored */
#define CLIENT_FEED_LINES 5      /* kills shown at once */
#define CLIENT_FEED_SECONDS 6.0  /* how long a kill stays in the feed */
#define CLIENT_POS_INTERVAL 0.1  /* s: POS at least this often (10 a second) */
#define CLIENT_POS_MIN_GAP 0.03  /* s: aiming alone sends POS no faster */
#define CLIENT_KEEPALIVE 1.0     /* s: POS while dead, or the server drops us */
#define CLIENT_EXTRAPOLATE_MAX 1.0 /* s a silent player keeps moving */
#define CLIENT_SPAWN_RETRIES 3   /* SPAWNs sent again if none comes back */
#define CLIENT_SPAWN_WAIT 2.0    /* s to wait for our SPAWN to come back */
/* The window: the arena, and under it a strip for the status line, so
 * that no text covers a player: GAME_WIDTH x (GAME_HEIGHT + this). */
#define CLIENT_HUD_HEIGHT 26

struct client_player {
	int id;
	bool alive;
	double x, y, vx, vy, aimx, aimy, hp;
	double seen_at;   /* when x, y were true: extrapolate from there */
	int kills, deaths;
	double shielded_until; /* spawn protection: SPAWN + 2 s, or its FIRE */
	double hit_at;    /* its last HIT, for the flash */
	double died_at;   /* its last KILL, for the burst */
	double died_x, died_y; /* where it was then */
	char name[GAME_NAME_MAX + 1]; /* from NAME; "" until one comes */
};

struct client_bullet {
	int shooter_id, bullet_id; /* bullet ids of two players may collide */
	double x, y, vx, vy, r;
	double born;       /* when it was fired */
};

struct client_item {
	int item_id;
	double x, y;
	int kind;          /* enum game_weapon_kind */
};

struct client_kill {
	int atk_id, def_id;
	double at;
};

/* What the player (or the autopilot) does during a frame. */
struct client_input {
	bool up, down, left, right;
	bool firing;       /* the mouse button is held */
	double aimx, aimy; /* where the mouse points, in arena pixels */
};

/* Called for every line the client sends; the line ends in '\n'. */
typedef void client_send_fn(void *ctx, const char *line, size_t len);

struct client_state {
	int my_id;
	int weapon;            /* enum game_weapon_kind, GUN at spawn */
	bool spawn_confirmed;  /* the server sent our SPAWN back */
	int spawn_retries;
	double spawn_sent_at;
	double respawn_at;     /* while dead: when to SPAWN again */
	double ready_at;       /* the weapon may fire again from then on */
	double pos_sent_at;
	double sent_vx, sent_vy, sent_aimx, sent_aimy;
	int next_bullet_id;
	double now;            /* the time of the last step */
	unsigned int rng;      /* spawn points and minigun spread */
	int autopilot_level;   /* enum play_level, PLAY_EASY by default */
	struct play_mind autopilot_mind;

	struct client_player players[CLIENT_MAX_PLAYERS];
	int player_count;
	struct client_bullet bullets[CLIENT_MAX_BULLETS];
	int bullet_count;
	struct client_item items[CLIENT_MAX_ITEMS];
	int item_count;
	struct client_kill feed[CLIENT_FEED_LINES]; /* the newest last */
	int feed_count;

	char my_name[GAME_NAME_MAX + 1]; /* "" for none; NAME once spawned */
	bool name_sent;        /* on this connection */
	long shots_fired;      /* FIRE lines sent, for the summary */
	int most_players;      /* the most players seen alive at once */

	client_send_fn *send;
	void *ctx;
};

/* A client with id `my_id` that has not spawned yet. */
void client_state_init(struct client_state *s, int my_id, unsigned int seed,
		       double now, client_send_fn *send, void *ctx);

/* Appear at a random place: add our player and send SPAWN. */
void client_state_spawn(struct client_state *s, double now);

/* Parse one line from the server and apply it.  Anything but GAME_OK
 * means the line was skipped and nothing changed. */
enum game_parse_result client_state_apply_line(struct client_state *s,
					       const char *line, double now);

/* Apply one parsed message from the server. */
void client_state_apply(struct client_state *s, const struct game_msg *msg,
			double now);

/* One frame: move our player by the input, fire, send POS when it is due,
 * respawn when the time has come, move the bullets, age the kill feed. */
void client_state_step(struct client_state *s, const struct client_input *in,
		       double now);

/* Our player, or NULL before the first SPAWN. */
struct client_player *client_state_me(struct client_state *s);

/* The player with this id, or NULL. */
struct client_player *client_state_find(struct client_state *s, int id);

/* Where player p is at `now`: its last known position moved on by its
 * velocity (for at most CLIENT_EXTRAPOLATE_MAX s), inside the arena. */
void client_state_position(const struct client_player *p, double now,
			   double *x, double *y);

/* Seconds until we respawn, or -1 while alive. */
double client_state_respawn_in(const struct client_state *s, double now);

/* Indices into s->players, best first (most kills, then fewest deaths,
 * then lowest id).  Returns how many were written (at most max). */
int client_state_ranking(const struct client_state *s, int *order, int max);

/* Whether p is spawn-protected at `now` (bullets pass through it). */
bool client_state_shielded(const struct client_player *p, double now);

/* The autopilot for tests and demos: walk, aim and fire as a game_bot
 * of s->autopilot_level does (play.c), steering with the keys. */
void client_state_autopilot(struct client_state *s, double now,
			    struct client_input *in);

#endif
