/*
 * game_bot - stage 5: computer-controlled players, so that one person
 * alone has someone to play with, and so that tests can load the server.
 *
 *   game_bot [-n N] [-d SECONDS] [-s easy|normal|hard] [HOST] [PORT]
 *
 * N players in one process and one thread: poll() waits on all N sockets
 * and wakes up BOT_HZ times a second to move, aim and fire.  Each bot
 * spawns, walks (away from everyone while its own spawn protection lasts,
 * then to the nearest item nobody is nearer to, or else anywhere), aims at
 * the nearest enemy that is not spawn-protected and fires as well as its
 * skill lets it (all of that is play.c, which the client's autopilot uses
 * too), and respawns 10 s after a KILL.
 * Once a second it prints what all of them saw: messages in and out, hits,
 * kills, and the relay latency (from one bot's POS leaving to another bot
 * of ours receiving it).
 */
#include "net.h"
#include "game.h"
#include "play.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BOTS_MAX 999       /* ids are BOTS_MAX + 1 apart per process */
#define BOT_HZ 30          /* decisions per second */
/* A POS at every decision, as our client sends one at every change of
 * its keys: the server tests hits against the last POS it has, so a
 * player who reports seldom is hit where it was, an easier target. */
#define POS_INTERVAL (1.0 / BOT_HZ)
#define OTHERS_MAX 64      /* players of other processes we keep track of */
#define ITEMS_MAX 32

struct bot {
	int fd;              /* -1 once disconnected */
	int id;
	struct line_reader reader;
	char buf[GAME_LINE_MAX + 2];
	bool alive;          /* as the server said: our SPAWN came back */
	double x, y, vx, vy, hp;
	int weapon;
	double killed_at;    /* when our KILL came (or -infinity) */
	double shielded_until; /* spawn protection, as every client sees it */
	bool named;          /* our NAME went out (after our first SPAWN) */
	struct play_mind mind;
	double spawn_sent_at;
	double next_pos;
	int next_bullet_id;
	double pos_sent_at;  /* for the relay latency */
	double pos_sent_x, pos_sent_y;
	bool pos_timed;      /* its latency is measured already */
};

/* Players of other processes (people, other bot processes). */
struct other {
	int id;
	bool alive;
	double x, y;
	double vx, vy, seen_at; /* its last POS: where it is heading */
	double shielded_until;
};

/* Everything one process knows, and its statistics for this second. */
static struct bot *bots;
static int bot_count;
static int first_id;
static struct other others[OTHERS_MAX];
static int other_count;
static struct game_putitem items[ITEMS_MAX];
static int item_count;
static const struct play_skill *skill = &play_skills[PLAY_NORMAL];
static struct play_target targets[BOTS_MAX + OTHERS_MAX];
static long lines_in, lines_out, hits, kills, latency_samples;
static double latency_sum, latency_max;
static struct game_histogram run_latency; /* over the whole run */

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A number in [0, 1), in the shape play.c wants; one thread, so rand()
 * will do. */
static double random_unit(void *unused)
{
	(void)unused;
	return rand() / (RAND_MAX + 1.0);
}

/* Our own bot with this id, or NULL. */
static struct bot *bot_by_id(int id)
{
	int i = id - first_id;

	return i >= 0 && i < bot_count ? &bots[i] : NULL;
}

static struct other *other_by_id(int id, bool add)
{
	for (int i = 0; i < other_count; i++)
		if (others[i].id == id)
			return &others[i];
	if (!add || other_count == OTHERS_MAX)
		return NULL;
	others[other_count] = (struct other){ .id = id };
	return &others[other_count++];
}

/* ---- Sending ------------------------------------------------------------ */

static void hang_up(struct bot *b, const char *why)
{
	warnx("bot %d: %s", b->id, why);
	close(b->fd);
	b->fd = -1;
	b->alive = false;
}

static void send_msg(struct bot *b, const struct game_msg *msg)
{
	char line[GAME_LINE_MAX + 2];
	int len = game_format_message(line, sizeof line, msg);

	if (b->fd < 0 || len < 0)
		return;
	/* Our lines are few and short: a socket that cannot take one now
	 * belongs to a server that stopped reading us. */
	if (send_all(b->fd, line, (size_t)len) < 0)
		hang_up(b, errno == EAGAIN ? "server not reading"
					   : strerror(errno));
	else
		lines_out++;
}

static void send_pos(struct bot *b, double aimx, double aimy, double now)
{
	struct game_msg m = { .type = GAME_POS,
			      .pos = { b->id, b->x, b->y, b->vx, b->vy,
				       aimx, aimy } };
	send_msg(b, &m);
	b->next_pos = now + POS_INTERVAL;
	b->pos_sent_at = now;
	b->pos_sent_x = b->x;
	b->pos_sent_y = b->y;
	b->pos_timed = false;
}

/* "easy-3": the skill and which of our bots, for the scoreboards. */
static void send_name(struct bot *b)
{
	struct game_msg m = { .type = GAME_NAME, .name = { .id = b->id } };

	snprintf(m.name.text, sizeof m.name.text, "%s-%d", skill->name,
		 b->id - first_id + 1);
	send_msg(b, &m);
	b->named = true;
}

/* One shot: a FIRE line per pellet.  Firing ends our spawn protection. */
static void fire_at(struct bot *b, double tx, double ty)
{
	struct game_fire fires[GAME_MAX_PELLETS];
	int n = play_shot(b->id, &b->next_bullet_id, b->weapon, b->x, b->y,
			  atan2(ty - b->y, tx - b->x), random_unit, NULL,
			  fires);

	for (int i = 0; i < n; i++) {
		struct game_msg m = { .type = GAME_FIRE, .fire = fires[i] };
		send_msg(b, &m);
	}
	b->shielded_until = 0;
}

/* ---- Deciding ------------------------------------------------------------ */

/* Everyone b may shoot at: our other bots and the players we know. */
static int collect_targets(const struct bot *b, double now)
{
	int n = 0;

	for (int i = 0; i < bot_count; i++) {
		const struct bot *e = &bots[i];
		if (e != b && e->alive)
			targets[n++] = (struct play_target){
				e->id, e->x, e->y, now < e->shielded_until };
	}
	for (int i = 0; i < other_count; i++) {
		const struct other *e = &others[i];
		/* Where its last POS has taken it since (1 s at most), as the
		 * client draws it: aim at where it is, not where it was. */
		double t = fmin(fmax(now - e->seen_at, 0), 1);
		double x = e->x + e->vx * t, y = e->y + e->vy * t;
		game_clamp_to_arena(&x, &y);
		if (e->alive)
			targets[n++] = (struct play_target){
				e->id, x, y, now < e->shielded_until };
	}
	return n;
}

/* Appear away from everyone, and tell the server. */
static void send_spawn(struct bot *b, double now)
{
	double x, y;

	play_spawn_point(targets, collect_targets(b, now), 50, random_unit,
			 NULL, &x, &y);
	struct game_msg m = { .type = GAME_SPAWN,
			      .spawn = { b->id, x, y, GAME_START_HP } };
	send_msg(b, &m);
	b->spawn_sent_at = now;
}

/* What b knows now, as play.c wants it. */
static struct play_view view_of(const struct bot *b, double now)
{
	static struct play_item known[ITEMS_MAX];

	for (int i = 0; i < item_count; i++)
		known[i] = (struct play_item){ items[i].x, items[i].y,
					       items[i].kind };
	return (struct play_view){
		.now = now, .id = b->id, .x = b->x, .y = b->y,
		.weapon = b->weapon, .shielded = now < b->shielded_until,
		.hp = b->hp,
		.targets = targets, .target_count = collect_targets(b, now),
		.items = known, .item_count = item_count,
		.random = random_unit, .rng = NULL,
	};
}

static void walk(struct bot *b, const struct play_view *view, double dt)
{
	double heading;

	if (!play_heading(&b->mind, view, &heading)) {
		b->vx = b->vy = 0;
		return;
	}
	b->vx = cos(heading) * skill->speed;
	b->vy = sin(heading) * skill->speed;
	b->x += b->vx * dt;
	b->y += b->vy * dt;
	game_clamp_to_arena(&b->x, &b->y);
}

static void play(struct bot *b, double now, double dt)
{
	if (b->fd < 0)
		return;
	if (!b->alive) {
		/* Respawn 10 s after our KILL; resend if no SPAWN came back. */
		if (now >= b->killed_at + GAME_RESPAWN_DELAY + 0.1 &&
		    now >= b->spawn_sent_at + 2)
			send_spawn(b, now);
		return;
	}
	struct play_view view = view_of(b, now);
	play_choose_goal(&b->mind, &view);
	walk(b, &view, dt);
	view.x = b->x;
	view.y = b->y;
	double tx = b->mind.goal_x, ty = b->mind.goal_y;
	bool shoot = play_think(skill, &b->mind, &view, &tx, &ty);
	if (now >= b->next_pos)
		send_pos(b, tx, ty, now);
	if (shoot)
		fire_at(b, tx, ty);
}

/* ---- Listening ----------------------------------------------------------- */

static void remove_item(int item_id)
{
	for (int i = 0; i < item_count; i++)
		if (items[i].item_id == item_id)
			items[i] = items[--item_count];
}

static void time_relay(const struct game_pos *m, double now)
{
	struct bot *sender = bot_by_id(m->id);

	/* Only the first copy of the POS it sent last (the server may have
	 * moved it: then it is not that one). */
	if (!sender || sender->pos_timed ||
	    fabs(m->x - sender->pos_sent_x) > 0.01 ||
	    fabs(m->y - sender->pos_sent_y) > 0.01)
		return;
	double latency = now - sender->pos_sent_at;
	sender->pos_timed = true;
	latency_sum += latency;
	latency_max = fmax(latency_max, latency);
	latency_samples++;
	game_histogram_add(&run_latency, latency * 1000);
}

static void on_spawn(struct bot *b, const struct game_spawn *m, double now)
{
	struct other *o;

	if (m->id == b->id) {
		if (!b->named)
			send_name(b);
		b->alive = true;
		b->shielded_until = now + GAME_SPAWN_PROTECTION;
		b->hp = m->hp;
		b->x = m->x;
		b->y = m->y;
		b->weapon = GAME_GUN;
		b->mind.next_goal = 0;
	} else if (!bot_by_id(m->id) && (o = other_by_id(m->id, true))) {
		*o = (struct other){ .id = m->id, .alive = true,
				     .x = m->x, .y = m->y, .seen_at = now,
				     .shielded_until =
					     now + GAME_SPAWN_PROTECTION };
	}
}

static void on_pos(const struct game_pos *m, double now)
{
	struct other *o = other_by_id(m->id, false);

	if (o) {
		o->x = m->x;
		o->y = m->y;
		o->vx = m->vx;
		o->vy = m->vy;
		o->seen_at = now;
	}
	time_relay(m, now);
}

static void on_kill(struct bot *b, const struct game_kill *m, double now)
{
	struct other *o = other_by_id(m->def_id, false);

	if (o)
		o->alive = false;
	if (m->def_id == b->id) {
		b->alive = false;
		b->killed_at = now;
	}
	if (m->atk_id == b->id)
		kills++;
}

static void on_message(struct bot *b, const struct game_msg *m, double now)
{
	switch (m->type) {
	case GAME_SPAWN: on_spawn(b, &m->spawn, now); break;
	case GAME_POS: on_pos(&m->pos, now); break;
	case GAME_KILL: on_kill(b, &m->kill, now); break;
	case GAME_HIT:
		if (m->hit.def_id == b->id)
			b->hp = m->hit.hp;
		if (m->hit.atk_id == b->id)
			hits++;
		break;
	case GAME_PUTITEM:
		remove_item(m->putitem.item_id); /* no doubles */
		if (item_count < ITEMS_MAX)
			items[item_count++] = m->putitem;
		break;
	case GAME_GETITEM:
		remove_item(m->getitem.item_id);
		if (m->getitem.id == b->id)
			b->weapon = m->getitem.kind;
		break;
	case GAME_LEAVE:
		for (int i = 0; i < other_count; i++)
			if (others[i].id == m->leave.id)
				others[i] = others[--other_count];
		break;
	case GAME_FIRE: { /* bots do not dodge; a shot ends protection */
		struct other *o = other_by_id(m->fire.id, false);
		if (o)
			o->shielded_until = 0;
		break;
	}
	default:
		break;
	}
}

/* Read every whole line b's socket holds now (it does not block). */
static void read_messages(struct bot *b, double now)
{
	struct game_msg msg;
	char *line;
	ssize_t len;

	while ((len = read_line(&b->reader, &line)) >= 0 ||
	       len == LINE_TOO_LONG) {
		lines_in++;
		if (len >= 0 && game_parse_message(line, &msg) == GAME_OK)
			on_message(b, &msg, now);
	}
	if (len == LINE_EOF)
		hang_up(b, "the server closed the connection");
	else if (errno != EAGAIN && errno != EWOULDBLOCK)
		hang_up(b, strerror(errno));
}

/* ---- Main ------------------------------------------------------------------ */

static void print_stats(void)
{
	int alive = 0, connected = 0;

	for (int i = 0; i < bot_count; i++) {
		alive += bots[i].alive;
		connected += bots[i].fd >= 0;
	}
	printf("bots %d connected %d alive %d | in %ld/s out %ld/s | "
	       "hits %ld kills %ld | relay latency avg %.1f ms max %.1f ms\n",
	       bot_count, connected, alive, lines_in, lines_out, hits, kills,
	       latency_samples ? latency_sum / latency_samples * 1000 : 0.0,
	       latency_max * 1000);
	/* stdout may be a pipe, which stdio buffers: show the line now. */
	fflush(stdout);
	lines_in = lines_out = hits = kills = latency_samples = 0;
	latency_sum = latency_max = 0;
}

static bool connect_bot(struct bot *b, const struct client_config *cfg, int id)
{
	int one = 1;

	*b = (struct bot){ .id = id, .killed_at = -INFINITY,
			   .spawn_sent_at = -INFINITY };
	b->fd = connect_to(cfg->host, cfg->port);
	if (b->fd < 0)
		return false;
	/* Small messages that should leave at once: see game_server.c.
	 * Non-blocking, so that reading one bot's socket never stalls the
	 * other bots: read_line() then stops with EAGAIN. */
	if (setsockopt(b->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0 ||
	    fcntl(b->fd, F_SETFL, O_NONBLOCK) < 0)
		warn("bot %d: socket options", id);
	line_reader_init(&b->reader, b->fd, b->buf, sizeof b->buf);
	return true;
}

/* A number in [min, max], or false. */
static bool parse_value(const char *text, double min, double max, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(text, &end);
	return errno == 0 && end != text && *end == '\0' && *out >= min &&
	       *out <= max;
}

static const char usage[] =
	"usage: game_bot [-h] [-n N] [-d SECONDS] [-s SKILL] [HOST] [PORT]\n"
	"  -n N        players to run, 1..%d (default 3)\n"
	"  -d SECONDS  stop after this long (default: never)\n"
	"  -s SKILL    easy, normal or hard (default normal)\n"
	"  HOST defaults to localhost, PORT to %s\n";

static void parse_bot_args(int argc, char **argv, int *n, double *duration,
			   struct client_config *cfg)
{
	double value = 0;
	bool ok = true;
	int opt;

	while ((opt = getopt(argc, argv, "+hn:d:s:")) != -1) {
		if (opt == 'n') {
			ok = parse_value(optarg, 1, BOTS_MAX, &value) &&
			     value == floor(value);
			*n = (int)value;
		} else if (opt == 'd') {
			ok = parse_value(optarg, 0, 1e6, &value);
			*duration = value;
		} else if (opt == 's') {
			int level = play_level_by_name(optarg);
			ok = level >= 0;
			skill = &play_skills[ok ? level : 0];
		}
		if (opt == 'h' || opt == '?' || !ok) {
			fprintf(opt == 'h' ? stdout : stderr, usage, BOTS_MAX,
				GAME_PORT);
			exit(opt == 'h' ? 0 : 2);
		}
	}
	parse_client_args(argc, argv, NULL, cfg);
}

/* Wait for the sockets for up to `ms`, then read what they hold. */
static void listen_all(struct pollfd *watch, int ms)
{
	for (int i = 0; i < bot_count; i++)
		watch[i] = (struct pollfd){ .fd = bots[i].fd, .events = POLLIN };
	if (poll(watch, (nfds_t)bot_count, ms) < 0 && errno != EINTR)
		err(1, "poll");
	double now = now_seconds();
	for (int i = 0; i < bot_count; i++)
		if (bots[i].fd >= 0 && watch[i].revents)
			read_messages(&bots[i], now);
}

int main(int argc, char **argv)
{
	struct client_config cfg = { .host = "localhost", .port = GAME_PORT };
	int n = 3, connected = 0;
	double duration = 0;

	parse_bot_args(argc, argv, &n, &duration, &cfg);
	stop_on_signals();
	srand((unsigned int)getpid());
	/* Ids of different processes stay apart: each gets its own range. */
	first_id = (getpid() % 1000000) * (BOTS_MAX + 1) + 1;
	bots = calloc((size_t)n, sizeof *bots);
	struct pollfd *watch = calloc((size_t)n, sizeof *watch);
	if (!bots || !watch)
		err(1, "calloc");
	bot_count = n;
	for (int i = 0; i < n; i++)
		connected += connect_bot(&bots[i], &cfg, first_id + i);

	double start = now_seconds(), last = start, next_stats = start + 1;
	while (connected > 0 && (duration == 0 || last - start < duration)) {
		listen_all(watch, 1000 / BOT_HZ);
		double now = now_seconds();
		if (now - last >= 1.0 / BOT_HZ) {
			connected = 0;
			for (int i = 0; i < n; i++) {
				play(&bots[i], now, now - last);
				connected += bots[i].fd >= 0;
			}
			last = now;
		}
		if (now >= next_stats) {
			print_stats();
			next_stats += 1;
		}
	}
	printf("relay latency over the run: p50 %.2f ms p99 %.2f ms, %ld samples\n",
	       game_histogram_percentile(&run_latency, 50),
	       game_histogram_percentile(&run_latency, 99), run_latency.total);
	for (int i = 0; i < n; i++)
		if (bots[i].fd >= 0)
			close(bots[i].fd);
	free(bots);
	free(watch);
	return connected > 0 ? 0 : 1;
}
