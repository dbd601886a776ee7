/*
 * client_state.c - what the graphical client knows about the game, and the
 * rules of its own player.  See client_state.h.
 */
#include "client_state.h"
#include "play.h"
#include "compat.h" /* M_PI */

#include <limits.h>
#include <stdio.h>
#include <math.h>
#include <string.h>

#define SPAWN_MARGIN 50.0 /* px from the walls where we may appear */

/* ---- Small helpers ------------------------------------------------------ */

/* A repeatable pseudo-random number in [0, 1): the state is ours, so two
 * clients (or two tests) never share hidden state. */
static double random_unit(struct client_state *s)
{
	s->rng = s->rng * 1103515245u + 12345u;
	return (double)((s->rng >> 8) & 0xffffff) / 0x1000000;
}

/* random_unit() in the shape play.c wants. */
static double play_random(void *state)
{
	return random_unit(state);
}

static double clamp(double value, double low, double high)
{
	return fmin(high, fmax(low, value));
}

static void send_msg(struct client_state *s, const struct game_msg *msg)
{
	char line[GAME_LINE_MAX + 2];
	int len = game_format_message(line, sizeof line, msg);

	if (len > 0)
		s->send(s->ctx, line, (size_t)len);
}

/* ---- Players ------------------------------------------------------------ */

/* Where player `id` is in s->players, or -1. */
static int index_of(const struct client_state *s, int id)
{
	for (int i = 0; i < s->player_count; i++)
		if (s->players[i].id == id)
			return i;
	return -1;
}

struct client_player *client_state_find(struct client_state *s, int id)
{
	int i = index_of(s, id);

	return i >= 0 ? &s->players[i] : NULL;
}

struct client_player *client_state_me(struct client_state *s)
{
	return client_state_find(s, s->my_id);
}

/* The player with this id, added (dead, unseen) if it is new.  NULL when
 * the table is full: a server with more players than we can draw. */
static struct client_player *find_or_add(struct client_state *s, int id)
{
	struct client_player *p = client_state_find(s, id);

	if (p || s->player_count == CLIENT_MAX_PLAYERS)
		return p;
	p = &s->players[s->player_count++];
	*p = (struct client_player){ .id = id, .x = GAME_WIDTH / 2,
				     .y = GAME_HEIGHT / 2 };
	return p;
}

static void remove_player(struct client_state *s, int id)
{
	struct client_player *p = client_state_find(s, id);

	if (!p)
		return;
	/* Keep the order: the scoreboard is sorted anyway, but the drawing
	 * order (who is on top) should not jump around. */
	size_t after = (size_t)(s->player_count - 1 - (p - s->players));
	memmove(p, p + 1, after * sizeof *p);
	s->player_count--;
}

/* Put player p at (x, y) as of `now`, standing still. */
static void place(struct client_player *p, double x, double y, double now)
{
	p->x = clamp(x, 0, GAME_WIDTH);
	p->y = clamp(y, 0, GAME_HEIGHT);
	p->vx = p->vy = 0;
	p->seen_at = now;
}

void client_state_position(const struct client_player *p, double now,
			   double *x, double *y)
{
	/* Between two POS a player keeps moving as it last did, so others
	 * glide instead of jumping ten times a second.  Not forever: a
	 * player whose POS stopped coming stops too. */
	double t = clamp(now - p->seen_at, 0, CLIENT_EXTRAPOLATE_MAX);

	*x = clamp(p->x + p->vx * t, 0, GAME_WIDTH);
	*y = clamp(p->y + p->vy * t, 0, GAME_HEIGHT);
}

/* ---- Bullets and items -------------------------------------------------- */

static struct client_bullet *find_bullet(struct client_state *s,
					 int shooter_id, int bullet_id)
{
	for (int i = 0; i < s->bullet_count; i++)
		if (s->bullets[i].shooter_id == shooter_id &&
		    s->bullets[i].bullet_id == bullet_id)
			return &s->bullets[i];
	return NULL;
}

static void add_bullet(struct client_state *s, const struct game_fire *f,
		       double now)
{
	struct client_bullet *b = find_bullet(s, f->id, f->bullet_id);

	if (!b && s->bullet_count == CLIENT_MAX_BULLETS)
		return;
	if (!b)
		b = &s->bullets[s->bullet_count++];
	/* r decides how much we draw: a server saying r = 1000000 must not
	 * make us fill the screen a million lines at a time. */
	*b = (struct client_bullet){ f->id, f->bullet_id, f->x, f->y, f->vx,
				     f->vy, clamp(f->r, 1, CLIENT_MAX_BULLET_R),
				     now };
}

/* Bullets are few and short-lived: swap the last one into the hole. */
static void remove_bullet_at(struct client_state *s, int i)
{
	s->bullets[i] = s->bullets[--s->bullet_count];
}

static int find_item(const struct client_state *s, int item_id)
{
	for (int i = 0; i < s->item_count; i++)
		if (s->items[i].item_id == item_id)
			return i;
	return -1;
}

static void put_item(struct client_state *s, const struct game_putitem *m)
{
	int i = find_item(s, m->item_id);

	if (i < 0 && s->item_count == CLIENT_MAX_ITEMS)
		return;
	if (i < 0)
		i = s->item_count++;
	s->items[i] = (struct client_item){ m->item_id,
					    clamp(m->x, 0, GAME_WIDTH),
					    clamp(m->y, 0, GAME_HEIGHT),
					    m->kind };
}

static void remove_item(struct client_state *s, int item_id)
{
	int i = find_item(s, item_id);

	if (i >= 0)
		s->items[i] = s->items[--s->item_count];
}

/* ---- Messages from the server ------------------------------------------- */

/* Our name, once: the server takes NAME only after our SPAWN. */
static void send_name(struct client_state *s)
{
	struct game_msg msg = { .type = GAME_NAME, .name = { .id = s->my_id } };

	if (s->name_sent || !s->my_name[0])
		return;
	memcpy(msg.name.text, s->my_name, sizeof msg.name.text);
	send_msg(s, &msg);
	s->name_sent = true;
}

static void on_spawn(struct client_state *s, const struct game_spawn *m,
		     double now)
{
	bool mine = m->id == s->my_id;

	/* Our id in someone else's SPAWN before we spawned: the server will
	 * refuse ours; drawing them as us would only confuse. */
	if (mine && !client_state_me(s))
		return;
	struct client_player *p = find_or_add(s, m->id);
	if (!p)
		return;
	p->alive = true;
	p->hp = m->hp; /* the server's word: it gives 100, whatever we said */
	p->shielded_until = now + GAME_SPAWN_PROTECTION;
	place(p, m->x, m->y, now);
	if (mine) {
		s->spawn_confirmed = true;
		s->respawn_at = 0;
		send_name(s);
	}
}

static void on_pos(struct client_state *s, const struct game_pos *m,
		   double now)
{
	/* We move our own player; an echo of an older POS would pull it
	 * back. */
	if (m->id == s->my_id)
		return;
	struct client_player *p = client_state_find(s, m->id);
	if (!p) {
		/* A server that never sent its SPAWN (a learner's, perhaps):
		 * it is alive, so show it. */
		p = find_or_add(s, m->id);
		if (!p)
			return;
		p->alive = true;
		p->hp = GAME_START_HP;
	}
	if (!p->alive)
		return;
	place(p, m->x, m->y, now);
	p->vx = clamp(m->vx, -2 * GAME_TOP_SPEED, 2 * GAME_TOP_SPEED);
	p->vy = clamp(m->vy, -2 * GAME_TOP_SPEED, 2 * GAME_TOP_SPEED);
	p->aimx = m->aimx;
	p->aimy = m->aimy;
}

static void on_hit(struct client_state *s, const struct game_hit *m,
		   double now)
{
	struct client_bullet *b = find_bullet(s, m->atk_id, m->bullet_id);
	struct client_player *p = client_state_find(s, m->def_id);

	if (b)
		remove_bullet_at(s, (int)(b - s->bullets));
	if (p) {
		p->hp = m->hp;
		p->hit_at = now;
	}
}

/* A shot ends the shooter's spawn protection, on every client alike. */
static void on_fire(struct client_state *s, const struct game_fire *m,
		    double now)
{
	struct client_player *p = client_state_find(s, m->id);

	if (p)
		p->shielded_until = 0;
	add_bullet(s, m, now);
}

static void on_name(struct client_state *s, const struct game_name *m)
{
	struct client_player *p = find_or_add(s, m->id);

	/* The parser has checked the text already: game_name_problem(). */
	if (p)
		snprintf(p->name, sizeof p->name, "%s", m->text);
}

static void add_to_feed(struct client_state *s, int atk_id, int def_id,
			double now)
{
	if (s->feed_count == CLIENT_FEED_LINES) {
		memmove(s->feed, s->feed + 1,
			sizeof s->feed - sizeof s->feed[0]);
		s->feed_count--;
	}
	s->feed[s->feed_count++] = (struct client_kill){ atk_id, def_id, now };
}

/* Add one, but a server sending KILL forever cannot overflow it. */
static void count_up(int *counter)
{
	if (*counter < INT_MAX)
		(*counter)++;
}

static void on_kill(struct client_state *s, const struct game_kill *m,
		    double now)
{
	struct client_player *atk = find_or_add(s, m->atk_id);
	struct client_player *def = find_or_add(s, m->def_id);

	if (atk)
		count_up(&atk->kills);
	if (def) {
		count_up(&def->deaths);
		if (def->id == s->my_id && def->alive)
			s->respawn_at = now + GAME_RESPAWN_DELAY;
		client_state_position(def, now, &def->died_x, &def->died_y);
		def->alive = false;
		def->hp = 0;
		def->died_at = now;
	}
	add_to_feed(s, m->atk_id, m->def_id, now);
}

static void on_getitem(struct client_state *s, const struct game_getitem *m)
{
	remove_item(s, m->item_id);
	if (m->id == s->my_id)
		s->weapon = m->kind;
}

static void on_leave(struct client_state *s, const struct game_leave *m)
{
	/* We leave by closing the connection, not because a server says so:
	 * without our own player we could not even respawn. */
	if (m->id != s->my_id)
		remove_player(s, m->id);
}

void client_state_apply(struct client_state *s, const struct game_msg *msg,
			double now)
{
	switch (msg->type) {
	case GAME_SPAWN: on_spawn(s, &msg->spawn, now); break;
	case GAME_POS: on_pos(s, &msg->pos, now); break;
	case GAME_FIRE: on_fire(s, &msg->fire, now); break;
	case GAME_HIT: on_hit(s, &msg->hit, now); break;
	case GAME_KILL: on_kill(s, &msg->kill, now); break;
	case GAME_PUTITEM: put_item(s, &msg->putitem); break;
	case GAME_GETITEM: on_getitem(s, &msg->getitem); break;
	case GAME_LEAVE: on_leave(s, &msg->leave); break;
	case GAME_NAME: on_name(s, &msg->name); break;
	default: break; /* a type newer than this client: ignore it */
	}
}

enum game_parse_result client_state_apply_line(struct client_state *s,
					       const char *line, double now)
{
	struct game_msg msg;
	enum game_parse_result result = game_parse_message(line, &msg);

	if (result == GAME_OK)
		client_state_apply(s, &msg, now);
	return result;
}

/* ---- Our own player ----------------------------------------------------- */

void client_state_init(struct client_state *s, int my_id, unsigned int seed,
		       double now, client_send_fn *send, void *ctx)
{
	memset(s, 0, sizeof *s);
	s->my_id = my_id;
	s->rng = seed;
	s->now = now;
	s->weapon = GAME_GUN;
	s->send = send;
	s->ctx = ctx;
}

static void send_spawn(struct client_state *s, const struct client_player *me,
		       double now)
{
	struct game_msg msg = { .type = GAME_SPAWN,
				.spawn = { me->id, me->x, me->y, me->hp } };

	send_msg(s, &msg);
	s->spawn_sent_at = now;
}

/* Everyone alive but us, where they are now, for play.c. */
static int collect_targets(struct client_state *s, double now,
			   struct play_target *targets)
{
	int count = 0;

	for (int i = 0; i < s->player_count; i++) {
		const struct client_player *p = &s->players[i];
		if (p->id == s->my_id || !p->alive)
			continue;
		struct play_target *t = &targets[count++];
		t->id = p->id;
		t->shielded = client_state_shielded(p, now);
		client_state_position(p, now, &t->x, &t->y);
	}
	return count;
}

void client_state_spawn(struct client_state *s, double now)
{
	struct play_target targets[CLIENT_MAX_PLAYERS];
	struct client_player *me = find_or_add(s, s->my_id);
	double x, y;

	if (!me)
		return;
	/* Away from everyone we know of (nobody yet, on a first spawn). */
	play_spawn_point(targets, collect_targets(s, now, targets),
			 SPAWN_MARGIN, play_random, s, &x, &y);
	me->alive = true;
	me->hp = GAME_START_HP;
	me->shielded_until = now + GAME_SPAWN_PROTECTION;
	memcpy(me->name, s->my_name, sizeof me->name);
	place(me, x, y, now);
	me->aimx = me->x + 1;
	me->aimy = me->y;
	s->weapon = GAME_GUN;
	s->spawn_confirmed = false;
	s->spawn_retries = 0;
	s->respawn_at = 0;
	s->ready_at = now;
	send_spawn(s, me, now);
}

bool client_state_shielded(const struct client_player *p, double now)
{
	return p->alive && now < p->shielded_until;
}

double client_state_respawn_in(const struct client_state *s, double now)
{
	return s->respawn_at > 0 ? fmax(0, s->respawn_at - now) : -1;
}

/* Our SPAWN comes back from the server.  If it does not, the line may
 * have been refused (sent a moment too early, say): send it again, a few
 * times only, since a learner's server may not send it back at all. */
static void retry_spawn(struct client_state *s, struct client_player *me,
			double now)
{
	if (s->spawn_confirmed || s->spawn_retries >= CLIENT_SPAWN_RETRIES ||
	    now - s->spawn_sent_at < CLIENT_SPAWN_WAIT)
		return;
	s->spawn_retries++;
	send_spawn(s, me, now);
}

static void move_me(struct client_player *me, const struct client_input *in,
		    double dt, double now)
{
	double dx = (in->right ? 1 : 0) - (in->left ? 1 : 0);
	double dy = (in->down ? 1 : 0) - (in->up ? 1 : 0);
	double length = hypot(dx, dy);

	/* Diagonals as fast as straight lines, not 41% faster: the server
	 * checks our top speed. */
	me->vx = length > 0 ? dx / length * GAME_TOP_SPEED : 0;
	me->vy = length > 0 ? dy / length * GAME_TOP_SPEED : 0;
	me->x = clamp(me->x + me->vx * dt, 0, GAME_WIDTH);
	me->y = clamp(me->y + me->vy * dt, 0, GAME_HEIGHT);
	me->aimx = in->aimx;
	me->aimy = in->aimy;
	me->seen_at = now;
}

static void fire(struct client_state *s, struct client_player *me, double now)
{
	const struct game_weapon *w = &game_weapons[s->weapon];
	struct game_fire fires[GAME_MAX_PELLETS];
	int n = play_shot(me->id, &s->next_bullet_id, s->weapon, me->x, me->y,
			  atan2(me->aimy - me->y, me->aimx - me->x),
			  play_random, s, fires);

	for (int i = 0; i < n; i++) {
		struct game_msg msg = { .type = GAME_FIRE, .fire = fires[i] };
		send_msg(s, &msg);
		add_bullet(s, &msg.fire, now);
		s->shots_fired++;
	}
	me->shielded_until = 0;
	/* From now, not from when the last shot was due: at a low frame
	 * rate a catching-up cadence would fire faster than the server
	 * allows. */
	s->ready_at = now + w->interval;
}

static bool pos_due(const struct client_state *s,
		    const struct client_player *me, double now)
{
	double since = now - s->pos_sent_at;

	if (!me->alive)
		return since >= CLIENT_KEEPALIVE;
	if (me->vx != s->sent_vx || me->vy != s->sent_vy)
		return true;
	if (me->aimx != s->sent_aimx || me->aimy != s->sent_aimy)
		return since >= CLIENT_POS_MIN_GAP;
	return since >= CLIENT_POS_INTERVAL;
}

static void send_pos(struct client_state *s, const struct client_player *me,
		     double now)
{
	struct game_msg msg = { .type = GAME_POS, .pos = {
		me->id, me->x, me->y, me->vx, me->vy,
		clamp(me->aimx, -GAME_WIDTH, 2 * GAME_WIDTH),
		clamp(me->aimy, -GAME_HEIGHT, 2 * GAME_HEIGHT) } };

	send_msg(s, &msg);
	s->pos_sent_at = now;
	s->sent_vx = me->vx;
	s->sent_vy = me->vy;
	s->sent_aimx = me->aimx;
	s->sent_aimy = me->aimy;
}

static void control_me(struct client_state *s, const struct client_input *in,
		       double dt, double now)
{
	struct client_player *me = client_state_me(s);

	if (!me)
		return;
	if (!me->alive && s->respawn_at > 0 && now >= s->respawn_at)
		client_state_spawn(s, now);
	if (me->alive) {
		retry_spawn(s, me, now);
		move_me(me, in, dt, now);
		if (in->firing && now >= s->ready_at)
			fire(s, me, now);
	} else {
		me->vx = me->vy = 0;
	}
	if (pos_due(s, me, now))
		send_pos(s, me, now);
}

/* ---- Each frame --------------------------------------------------------- */

static void move_bullets(struct client_state *s, double dt, double now)
{
	for (int i = 0; i < s->bullet_count;) {
		struct client_bullet *b = &s->bullets[i];
		b->x += b->vx * dt;
		b->y += b->vy * dt;
		bool inside = b->x > -b->r && b->x < GAME_WIDTH + b->r &&
			      b->y > -b->r && b->y < GAME_HEIGHT + b->r;
		if (inside && now - b->born < CLIENT_BULLET_LIFE)
			i++;
		else
			remove_bullet_at(s, i); /* i now holds another one */
	}
}

static void age_feed(struct client_state *s, double now)
{
	int old = 0;

	while (old < s->feed_count &&
	       now - s->feed[old].at > CLIENT_FEED_SECONDS)
		old++;
	memmove(s->feed, s->feed + old,
		(size_t)(s->feed_count - old) * sizeof s->feed[0]);
	s->feed_count -= old;
}

static void count_players(struct client_state *s)
{
	int alive = 0;

	for (int i = 0; i < s->player_count; i++)
		alive += s->players[i].alive;
	if (alive > s->most_players)
		s->most_players = alive;
}

void client_state_step(struct client_state *s, const struct client_input *in,
		       double now)
{
	/* A window dragged for two seconds must not teleport everything:
	 * a long pause counts as a short one. */
	double dt = clamp(now - s->now, 0, 0.25);

	s->now = now;
	control_me(s, in, dt, now);
	move_bullets(s, dt, now);
	age_feed(s, now);
	count_players(s);
}

/* ---- The scoreboard and the autopilot ----------------------------------- */

static bool ranks_before(const struct client_player *a,
			 const struct client_player *b)
{
	if (a->kills != b->kills)
		return a->kills > b->kills;
	if (a->deaths != b->deaths)
		return a->deaths < b->deaths;
	return a->id < b->id;
}

int client_state_ranking(const struct client_state *s, int *order, int max)
{
	int all[CLIENT_MAX_PLAYERS];

	/* Insertion sort: a few dozen players, once a frame at most. */
	for (int i = 0; i < s->player_count; i++) {
		int j = i;
		for (; j > 0 && ranks_before(&s->players[i],
					     &s->players[all[j - 1]]); j--)
			all[j] = all[j - 1];
		all[j] = i;
	}
	int count = s->player_count < max ? s->player_count : max;
	memcpy(order, all, (size_t)(count > 0 ? count : 0) * sizeof *order);
	return count;
}

/* Walk as a game_bot does (play.c), with keys, the way a person steers. */
static void autopilot_walk(struct client_state *s, const struct play_view *view,
			   struct client_input *in)
{
	double heading;

	play_choose_goal(&s->autopilot_mind, view);
	if (!play_heading(&s->autopilot_mind, view, &heading))
		return;
	double hx = cos(heading), hy = sin(heading);
	in->right = hx > 0.4;
	in->left = hx < -0.4;
	in->down = hy > 0.4;
	in->up = hy < -0.4;
}

void client_state_autopilot(struct client_state *s, double now,
			    struct client_input *in)
{
	struct play_target targets[CLIENT_MAX_PLAYERS];
	struct play_item items[CLIENT_MAX_ITEMS];
	const struct client_player *me = client_state_me(s);

	for (int i = 0; i < s->item_count; i++)
		items[i] = (struct play_item){ s->items[i].x, s->items[i].y,
					       s->items[i].kind };
	struct play_view view = {
		.now = now, .id = s->my_id,
		.x = me ? me->x : GAME_WIDTH / 2,
		.y = me ? me->y : GAME_HEIGHT / 2,
		.weapon = s->weapon,
		.shielded = me && client_state_shielded(me, now),
		.hp = me ? me->hp : GAME_START_HP,
		.targets = targets,
		.target_count = collect_targets(s, now, targets),
		.items = items, .item_count = s->item_count,
		.random = play_random, .rng = s,
	};
	*in = (struct client_input){ .aimx = GAME_WIDTH / 2,
				     .aimy = GAME_HEIGHT / 2 };
	autopilot_walk(s, &view, in);
	/* Aim and fire as a game_bot of the autopilot's level does. */
	in->firing = play_think(&play_skills[s->autopilot_level],
				&s->autopilot_mind, &view, &in->aimx,
				&in->aimy);
}
