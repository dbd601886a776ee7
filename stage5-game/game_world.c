/*
 * game_world.c - the rules of the game, as the server enforces them.
 * See game_world.h.  Every function expects the caller to hold the lock
 * that protects the world, and sends only through w->send.
 */
#include "game_world.h"
#include "compat.h" /* M_PI */

#include <math.h>
#include <string.h>

static const char *const verdict_texts[GAME_VERDICT_COUNT] = {
	[GAME_ACCEPTED] = "accepted",
	[GAME_REFUSED_SERVER_ONLY] = "only the server sends that",
	[GAME_REFUSED_NO_SPAWN] = "no SPAWN yet",
	[GAME_REFUSED_SPOOFED] = "another player's id",
	[GAME_REFUSED_ID_TAKEN] = "id taken",
	[GAME_REFUSED_ALIVE] = "already alive",
	[GAME_REFUSED_TOO_EARLY] = "respawn too early",
	[GAME_REFUSED_DEAD] = "dead",
	[GAME_REFUSED_WEAPON] = "not the weapon held",
	[GAME_REFUSED_RATE] = "firing too fast",
	[GAME_REFUSED_REACH] = "bullet too far from its shooter",
	[GAME_REFUSED_FULL] = "too many bullets",
	[GAME_REFUSED_SPREAD] = "pellet outside its shot's spread",
};

const char *game_verdict_text(enum game_verdict verdict)
{
	return verdict < GAME_VERDICT_COUNT ? verdict_texts[verdict] : "?";
}

/* ---- Sending ------------------------------------------------------------ */

enum audience { TO_ALL, TO_OTHERS, TO_ONE };

/* Format msg once and hand it to every spawned player `to` names, relative
 * to `slot`.  Players that have not spawned yet hear nothing: what they
 * missed comes with their first SPAWN (send_world_state). */
static void send_msg(struct game_world *w, enum audience to, int slot,
		     const struct game_msg *msg)
{
	char line[GAME_LINE_MAX + 2];
	int len = game_format_message(line, sizeof line, msg);

	if (len < 0)
		return;
	if (to == TO_ONE) {
		w->send(w->ctx, slot, line, (size_t)len);
		return;
	}
	for (int i = 0; i < w->slot_limit; i++)
		if (w->players[i].id != 0 && (to == TO_ALL || i != slot))
			w->send(w->ctx, i, line, (size_t)len);
}

static void send_spawn(struct game_world *w, enum audience to, int slot,
		       const struct game_player *p)
{
	struct game_msg m = { .type = GAME_SPAWN,
			      .spawn = { p->id, p->x, p->y, p->hp } };
	send_msg(w, to, slot, &m);
}

static void send_pos(struct game_world *w, enum audience to, int slot,
		     const struct game_player *p)
{
	struct game_msg m = { .type = GAME_POS,
			      .pos = { p->id, p->x, p->y, p->vx, p->vy,
				       p->aimx, p->aimy } };
	send_msg(w, to, slot, &m);
}

static void send_name(struct game_world *w, enum audience to, int slot,
		      const struct game_player *p)
{
	struct game_msg m = { .type = GAME_NAME, .name = { .id = p->id } };

	memcpy(m.name.text, p->name, sizeof m.name.text);
	send_msg(w, to, slot, &m);
}

static void send_putitem(struct game_world *w, enum audience to, int slot,
			 const struct game_item *item)
{
	struct game_msg m = { .type = GAME_PUTITEM,
			      .putitem = { item->item_id, item->x, item->y,
					   item->kind } };
	send_msg(w, to, slot, &m);
}

/* ---- Joining and leaving ----------------------------------------------- */

void game_world_init(struct game_world *w, double now, unsigned int seed,
		     game_send_fn *send, void *ctx)
{
	memset(w, 0, sizeof *w);
	w->now = now;
	w->next_item_at = now;
	w->next_item_id = 1;
	w->rng = seed ? seed : 1; /* xorshift never leaves 0 */
	w->send = send;
	w->ctx = ctx;
}

int game_world_join(struct game_world *w)
{
	for (int slot = 0; slot < GAME_MAX_PLAYERS; slot++) {
		if (w->players[slot].connected)
			continue;
		w->players[slot] = (struct game_player){ .connected = true };
		if (slot >= w->slot_limit)
			w->slot_limit = slot + 1;
		return slot;
	}
	return -1;
}

void game_world_leave(struct game_world *w, int slot, double now)
{
	struct game_player *p = &w->players[slot];

	/* Leaving must not be a way around the wait: remember the id.  A
	 * ring: the oldest entry goes, and it had been waiting longest. */
	if (p->id != 0 && !p->alive &&
	    now < p->killed_at + GAME_RESPAWN_DELAY) {
		w->departed[w->departed_next] =
			(struct game_departed){ p->id, p->killed_at };
		w->departed_next = (w->departed_next + 1) % GAME_DEPARTED_MAX;
	}
	if (p->id != 0) {
		struct game_msg m = { .type = GAME_LEAVE, .leave = { p->id } };
		send_msg(w, TO_OTHERS, slot, &m);
	}
	*p = (struct game_player){ 0 };
	while (w->slot_limit > 0 && !w->players[w->slot_limit - 1].connected)
		w->slot_limit--;
}

/* ---- SPAWN ---------------------------------------------------------------- */

static bool id_taken(const struct game_world *w, int id)
{
	for (int i = 0; i < w->slot_limit; i++)
		if (w->players[i].id == id)
			return true;
	return false;
}

/* What a newcomer missed: everyone alive, and the items on the ground. */
static void send_world_state(struct game_world *w, int slot)
{
	/* exercise 5-1: SPAWN and POS of everyone alive */
	for (int i = 0; i < w->slot_limit; i++) {
		const struct game_player *p = &w->players[i];
		if (i == slot || !p->alive)
			continue;
		send_spawn(w, TO_ONE, slot, p);
		send_pos(w, TO_ONE, slot, p);
	}
	/* end of exercise */
	/* exercise 5-4: a PUTITEM for every item on the ground */
	for (int i = 0; i < w->item_count; i++)
		send_putitem(w, TO_ONE, slot, &w->items[i]);
	/* end of exercise */
	/* Our extension: the names, of the dead too (the scoreboard). */
	for (int i = 0; i < w->slot_limit; i++)
		if (i != slot && w->players[i].name[0])
			send_name(w, TO_ONE, slot, &w->players[i]);
}

/* Whether `id` left while dead, less than GAME_RESPAWN_DELAY ago. */
static bool still_waiting(const struct game_world *w, int id, double now)
{
	for (int i = 0; i < GAME_DEPARTED_MAX; i++)
		if (w->departed[i].id == id &&
		    now < w->departed[i].killed_at + GAME_RESPAWN_DELAY)
			return true;
	return false;
}

static enum game_verdict check_spawn(const struct game_world *w,
				     const struct game_player *p, int id,
				     double now)
{
	if (p->id == 0 && id_taken(w, id))
		return GAME_REFUSED_ID_TAKEN;
	if (p->id == 0)
		return still_waiting(w, id, now) ? GAME_REFUSED_TOO_EARLY
						 : GAME_ACCEPTED;
	if (id != p->id)
		return GAME_REFUSED_SPOOFED;
	if (p->alive)
		return GAME_REFUSED_ALIVE;
	if (now < p->killed_at + GAME_RESPAWN_DELAY)
		return GAME_REFUSED_TOO_EARLY;
	return GAME_ACCEPTED;
}

static enum game_verdict handle_spawn(struct game_world *w, int slot,
				      const struct game_spawn *m, double now)
{
	struct game_player *p = &w->players[slot];
	enum game_verdict verdict = check_spawn(w, p, m->id, now);
	bool newcomer = p->id == 0;

	if (verdict != GAME_ACCEPTED)
		return verdict;
	/* exercise 5-1: bind the id, 100 hp, GUN; SPAWN to all */
	/* Whatever hp the client claimed, it starts with GAME_START_HP and
	 * the GUN; everyone (the spawner too) learns it from our SPAWN. */
	struct game_player fresh = { .connected = true, .id = m->id,
				     .alive = true, .x = m->x, .y = m->y,
				     .hp = GAME_START_HP, .weapon = GAME_GUN,
				     .moved_at = now, .ready_at = now,
				     /* the one fixed slack, from the start */
				     .move_budget = GAME_MOVE_SLACK,
				     .named_at = p->named_at,
				     .shielded_until =
					     now + GAME_SPAWN_PROTECTION };
	memcpy(fresh.name, p->name, sizeof fresh.name); /* names stay */
	*p = fresh;
	game_clamp_to_arena(&p->x, &p->y);
	p->aimx = p->x;
	p->aimy = p->y;
	send_spawn(w, TO_ALL, slot, p);
	if (newcomer)
		send_world_state(w, slot);
	/* end of exercise */
	return GAME_ACCEPTED;
}

/* ---- POS ------------------------------------------------------------------ */

/* The checks POS and FIRE share: the line speaks for this connection's
 * own, living player. */
static enum game_verdict check_player(const struct game_player *p, int id)
{
	if (p->id == 0)
		return GAME_REFUSED_NO_SPAWN;
	if (id != p->id)
		return GAME_REFUSED_SPOOFED;
	if (!p->alive)
		return GAME_REFUSED_DEAD;
	return GAME_ACCEPTED;
}

/* Shorten the vector (*dx, *dy) to at most `limit`. */
static void limit_length(double *dx, double *dy, double limit)
{
	double length = hypot(*dx, *dy);

	if (length > limit) {
		*dx *= limit / length;
		*dy *= limit / length;
	}
}

static enum game_verdict handle_pos(struct game_world *w, int slot,
				    const struct game_pos *m, double now)
{
	struct game_player *p = &w->players[slot];
	enum game_verdict verdict = check_player(p, m->id);

	if (verdict != GAME_ACCEPTED)
		return verdict;
	double x = m->x, y = m->y;
	game_clamp_to_arena(&x, &y);
	/* A budget of distance, refilled at top speed (with the tolerance)
	 * as time passes, and spent by every POS: however many lines carry
	 * the moves, the path stays within that speed times the time, plus
	 * one fixed slack.  A long silence earns at most GAME_MOVE_WINDOW of
	 * travel, or a quiet client could teleport. */
	double rate = GAME_TOP_SPEED * GAME_SPEED_TOLERANCE;
	double budget = fmin(p->move_budget + rate * (now - p->moved_at),
			     rate * GAME_MOVE_WINDOW + GAME_MOVE_SLACK);
	double dx = x - p->x, dy = y - p->y;
	limit_length(&dx, &dy, budget);
	p->x += dx;
	p->y += dy;
	p->move_budget = budget - hypot(dx, dy);
	p->vx = m->vx;
	p->vy = m->vy;
	limit_length(&p->vx, &p->vy, GAME_TOP_SPEED);
	p->aimx = m->aimx;
	p->aimy = m->aimy;
	p->moved_at = now;
	/* exercise 5-2: relay the POS to the others */
	send_pos(w, TO_OTHERS, slot, p);
	/* end of exercise */
	return GAME_ACCEPTED;
}

/* ---- FIRE ----------------------------------------------------------------- */

/* The bullet must be the weapon's: its r and dmg, and its speed, give or
 * take the shooter's own (a client may add its velocity to the bullet's):
 * standing still, exactly the weapon's. */
static bool fired_by(const struct game_fire *m, const struct game_weapon *gun,
		     const struct game_player *shooter)
{
	double speed = hypot(m->vx, m->vy);
	double own = hypot(shooter->vx, shooter->vy);

	return fabs(m->r - gun->r) <= GAME_WEAPON_SLACK &&
	       fabs(m->dmg - gun->dmg) <= GAME_WEAPON_SLACK &&
	       fabs(speed - gun->speed) <= own + GAME_BULLET_SPEED_SLACK;
}

/* The angle from `from` to `to`, in -pi..pi. */
static double turn(double from, double to)
{
	return remainder(to - from, 2 * M_PI);
}

/* Whether this FIRE is one more pellet of the shot under way: it comes
 * within GAME_SHOT_WINDOW of the first, the shot has pellets left, and
 * all of its pellets stay within the weapon's spread. */
static enum game_verdict next_pellet(struct game_player *p,
				     const struct game_weapon *gun,
				     double angle, double now)
{
	double d = turn(p->shot_angle, angle);
	double low = fmin(p->shot_low, d), high = fmax(p->shot_high, d);

	if (p->pellets_left == 0 || now > p->shot_at + GAME_SHOT_WINDOW)
		return GAME_REFUSED_RATE;
	if (high - low > (gun->spread + GAME_SPREAD_SLACK) * M_PI / 180)
		return GAME_REFUSED_SPREAD;
	p->pellets_left--;
	p->shot_low = low;
	p->shot_high = high;
	return GAME_ACCEPTED;
}

/* Whether the weapon is ready, and if so, count the bullet.  A shot is
 * up to `pellets` FIRE lines that come together, fanned within the
 * spread; the next shot may come `interval` after the one before,
 * GAME_FIRE_SLACK early at most.  ready_at moves on by a whole interval
 * per shot, so early shots cannot add up to a faster rate, and pellets
 * held back for later are no shot at all. */
static enum game_verdict take_shot(struct game_player *p,
				   const struct game_weapon *gun,
				   const struct game_fire *m, double now)
{
	double angle = atan2(m->vy, m->vx);

	if (now < p->ready_at - GAME_FIRE_SLACK)
		return next_pellet(p, gun, angle, now);
	p->ready_at = fmax(now, p->ready_at) + gun->interval;
	p->pellets_left = gun->pellets - 1;
	p->shot_at = now;
	p->shot_angle = angle;
	p->shot_low = p->shot_high = 0;
	return GAME_ACCEPTED;
}

static enum game_verdict check_fire(const struct game_world *w,
				    const struct game_player *p,
				    const struct game_fire *m)
{
	enum game_verdict verdict = check_player(p, m->id);

	if (verdict != GAME_ACCEPTED)
		return verdict;
	if (!fired_by(m, &game_weapons[p->weapon], p))
		return GAME_REFUSED_WEAPON;
	if (hypot(m->x - p->x, m->y - p->y) > GAME_FIRE_REACH)
		return GAME_REFUSED_REACH;
	if (w->bullet_count == GAME_MAX_BULLETS)
		return GAME_REFUSED_FULL;
	return GAME_ACCEPTED;
}

static enum game_verdict handle_fire(struct game_world *w, int slot,
				     const struct game_fire *m, double now)
{
	struct game_player *p = &w->players[slot];
	const struct game_weapon *gun = &game_weapons[p->weapon];
	enum game_verdict verdict = check_fire(w, p, m);

	if (verdict != GAME_ACCEPTED)
		return verdict;
	if ((verdict = take_shot(p, gun, m, now)) != GAME_ACCEPTED)
		return verdict;
	p->shielded_until = 0; /* who fires may be fired at */
	/* exercise 5-3: the bullet flies: add it to w->bullets */
	w->bullets[w->bullet_count++] = (struct game_bullet){
		.shooter_id = p->id, .bullet_id = m->bullet_id,
		.x = m->x, .y = m->y, .vx = m->vx, .vy = m->vy,
		.r = gun->r, .dmg = gun->dmg, .t = now };
	/* end of exercise */
	/* exercise 5-2: relay the FIRE to the others */
	struct game_msg relay = { .type = GAME_FIRE, .fire = *m };
	send_msg(w, TO_OTHERS, slot, &relay);
	/* end of exercise */
	return GAME_ACCEPTED;
}

/* ---- NAME, our extension ------------------------------------------------ */

static enum game_verdict handle_name(struct game_world *w, int slot,
				     const struct game_name *m, double now)
{
	struct game_player *p = &w->players[slot];

	/* The parser has refused a bad text already (game_name_problem). */
	if (p->id == 0)
		return GAME_REFUSED_NO_SPAWN;
	if (m->id != p->id)
		return GAME_REFUSED_SPOOFED;
	/* Each NAME goes to everyone: not a way to flood them. */
	if (p->name[0] && now < p->named_at + GAME_NAME_INTERVAL)
		return GAME_REFUSED_RATE;
	memcpy(p->name, m->text, sizeof p->name);
	p->named_at = now;
	send_name(w, TO_ALL, slot, p);
	return GAME_ACCEPTED;
}

enum game_verdict game_world_handle(struct game_world *w, int slot,
				    const struct game_msg *msg, double now)
{
	switch (msg->type) {
	case GAME_SPAWN: return handle_spawn(w, slot, &msg->spawn, now);
	case GAME_POS: return handle_pos(w, slot, &msg->pos, now);
	case GAME_FIRE: return handle_fire(w, slot, &msg->fire, now);
	case GAME_NAME: return handle_name(w, slot, &msg->name, now);
	default: return GAME_REFUSED_SERVER_ONLY;
	}
}

/* ---- The simulation step ------------------------------------------------ */

/* The first living player other than the shooter that the bullet meets on
 * its way from (x0, y0) to where it is now, or NULL. */
static struct game_player *victim_of(struct game_world *w,
				     const struct game_bullet *b,
				     double x0, double y0, double now)
{
	for (int i = 0; i < w->slot_limit; i++) {
		struct game_player *p = &w->players[i];
		/* Bullets pass through a player under spawn protection. */
		if (p->alive && p->id != b->shooter_id &&
		    now >= p->shielded_until &&
		    game_bullet_path_hits(p->x, p->y, x0, y0, b->x, b->y, b->r))
			return p;
	}
	return NULL;
}

static void hurt(struct game_world *w, const struct game_bullet *b,
		 struct game_player *victim, double now)
{
	/* exercise 5-3: take the damage, send HIT, and KILL at 0 hp */
	victim->hp -= b->dmg;
	struct game_msg hit = { .type = GAME_HIT,
				.hit = { b->shooter_id, victim->id,
					 b->bullet_id, victim->hp } };
	send_msg(w, TO_ALL, 0, &hit);
	if (victim->hp > 0)
		return;
	victim->alive = false;
	victim->killed_at = now;
	struct game_msg kill = { .type = GAME_KILL,
				 .kill = { b->shooter_id, victim->id } };
	send_msg(w, TO_ALL, 0, &kill);
	/* end of exercise */
}

/* Move bullet i; returns false when it is gone (it hit or left). */
static bool move_bullet(struct game_world *w, int i, double now)
{
	struct game_bullet *b = &w->bullets[i];
	double x0 = b->x, y0 = b->y;

	b->x += b->vx * (now - b->t);
	b->y += b->vy * (now - b->t);
	b->t = now;
	struct game_player *victim = victim_of(w, b, x0, y0, now);
	if (victim) {
		hurt(w, b, victim, now);
		return false;
	}
	return game_in_arena(b->x, b->y);
}

static void move_bullets(struct game_world *w, double now)
{
	/* exercise 5-3: move_bullet() each one; drop those that are gone */
	for (int i = 0; i < w->bullet_count;) {
		if (move_bullet(w, i, now))
			i++;
		else /* the last one takes its place: order does not matter */
			w->bullets[i] = w->bullets[--w->bullet_count];
	}
	/* end of exercise */
}

/* The first living player touching the item, or NULL. */
static struct game_player *picker_of(struct game_world *w,
				     const struct game_item *item)
{
	for (int i = 0; i < w->slot_limit; i++) {
		struct game_player *p = &w->players[i];
		if (p->alive && game_touches_item(p->x, p->y, item->x, item->y))
			return p;
	}
	return NULL;
}

static void hand_out_items(struct game_world *w)
{
	/* exercise 5-4: a player touching an item takes it: GETITEM */
	for (int i = 0; i < w->item_count;) {
		struct game_item *item = &w->items[i];
		struct game_player *p = picker_of(w, item);
		if (!p) {
			i++;
			continue;
		}
		p->weapon = item->kind;
		p->pellets_left = 0;
		struct game_msg m = { .type = GAME_GETITEM,
				      .getitem = { p->id, item->item_id,
						   item->kind } };
		send_msg(w, TO_ALL, 0, &m);
		*item = w->items[--w->item_count];
	}
	/* end of exercise */
}

/* xorshift32: a tiny generator, plenty for where an item lands. */
static unsigned int next_random(struct game_world *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 17;
	w->rng ^= w->rng << 5;
	return w->rng;
}

/* A number in [min, max), from the world's generator. */
static double random_between(struct game_world *w, double min, double max)
{
	return min + (max - min) * (next_random(w) % 10000) / 10000.0;
}

#define ITEM_MARGIN 40.0 /* px: items keep clear of the walls */

static void place_items(struct game_world *w, double now)
{
	/* exercise 5-4: a new item every GAME_ITEM_INTERVAL: PUTITEM */
	if (now < w->next_item_at)
		return;
	w->next_item_at = now + GAME_ITEM_INTERVAL;
	if (w->item_count == GAME_MAX_ITEMS)
		return;
	struct game_item *item = &w->items[w->item_count++];
	*item = (struct game_item){
		.item_id = w->next_item_id++,
		.x = random_between(w, ITEM_MARGIN, GAME_WIDTH - ITEM_MARGIN),
		.y = random_between(w, ITEM_MARGIN, GAME_HEIGHT - ITEM_MARGIN),
		.kind = (int)(next_random(w) % GAME_WEAPON_COUNT) };
	send_putitem(w, TO_ALL, 0, item);
	/* end of exercise */
}

void game_world_step(struct game_world *w, double now)
{
	move_bullets(w, now);
	hand_out_items(w);
	place_items(w, now);
	w->now = now;
}
