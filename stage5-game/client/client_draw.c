/*
 * client_draw.c - one frame of the game, drawn with SDL2.  See client_draw.h.
 *
 * SDL2 draws points, lines and rectangles; a filled circle is a stack of
 * horizontal lines, one per row of pixels.
 */
#include "client_draw.h"
#include "compat.h" /* M_PI */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define SMALL_POINTS 14
#define LARGE_POINTS 28
#define AIM_LINE 28     /* px from a player's centre */
#define HP_BAR_WIDTH 32
#define SCOREBOARD_ROWS 16
#define FLASH_SECONDS 0.15  /* a hit player flashes white this long */
#define BURST_SECONDS 0.6   /* a killed player's burst lasts this long */
#define LABEL_MAX 24        /* a name, or an id, as text */

enum align { LEFT, CENTRE, RIGHT };

static const SDL_Color background = { 18, 22, 30, 255 };
static const SDL_Color grid = { 30, 36, 48, 255 };
static const SDL_Color white = { 235, 235, 235, 255 };
static const SDL_Color grey = { 150, 155, 165, 255 };
static const SDL_Color me_colour = { 90, 220, 120, 255 };
static const SDL_Color warning = { 255, 120, 100, 255 };
static const SDL_Color shield = { 150, 210, 255, 255 };
static const SDL_Color hud_strip = { 10, 12, 18, 255 };
/* Others get one of these, by id, so a player keeps its colour, on its
 * body and on its bullets. */
static const SDL_Color palette[] = {
	{ 230, 90, 80, 255 },  { 90, 150, 240, 255 }, { 240, 160, 60, 255 },
	{ 190, 110, 230, 255 }, { 80, 210, 220, 255 }, { 240, 110, 180, 255 },
	{ 250, 230, 90, 255 }, { 160, 120, 80, 255 }, { 120, 130, 255, 255 },
	{ 255, 150, 130, 255 }, { 0, 160, 140, 255 }, { 200, 200, 200, 255 },
};
static const SDL_Color item_colours[GAME_WEAPON_COUNT] = {
	[GAME_GUN] = { 200, 200, 200, 255 },
	[GAME_BIGGUN] = { 240, 90, 60, 255 },
	[GAME_SHOTGUN] = { 250, 200, 60, 255 },
	[GAME_MINIGUN] = { 120, 200, 255, 255 },
};

/* ---- Fonts -------------------------------------------------------------- */

/* Where Debian/Ubuntu (fonts-dejavu-core), Fedora and Arch put DejaVu. */
static const char *const font_paths[] = {
	"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
	"/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
	"/usr/share/fonts/TTF/DejaVuSans.ttf",
	"/usr/share/fonts/dejavu/DejaVuSans.ttf",
};

struct client_fonts client_open_fonts(void)
{
	struct client_fonts fonts = { NULL, NULL };
	const char *chosen = getenv("GAME_CLIENT_FONT");

	for (size_t i = 0; !fonts.small && i < sizeof font_paths / sizeof
	     font_paths[0] + 1; i++) {
		const char *path = i == 0 ? chosen : font_paths[i - 1];
		if (path && *path)
			fonts.small = TTF_OpenFont(path, SMALL_POINTS);
		if (fonts.small)
			fonts.large = TTF_OpenFont(path, LARGE_POINTS);
	}
	if (!fonts.large) {
		client_close_fonts(&fonts);
		fprintf(stderr, "game_client: no font found (install "
			"fonts-dejavu-core or set GAME_CLIENT_FONT=FILE.ttf): "
			"drawing without text\n");
	}
	return fonts;
}

void client_close_fonts(struct client_fonts *fonts)
{
	if (fonts->small)
		TTF_CloseFont(fonts->small);
	if (fonts->large)
		TTF_CloseFont(fonts->large);
	*fonts = (struct client_fonts){ NULL, NULL };
}

/* ---- Shapes and text ---------------------------------------------------- */

static void set_colour(SDL_Renderer *r, SDL_Color c)
{
	SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a);
}

static void fill_circle(SDL_Renderer *r, double cx, double cy, double radius)
{
	for (int dy = (int)-radius; dy <= (int)radius; dy++) {
		int half = (int)sqrt(radius * radius - dy * dy);
		SDL_RenderDrawLine(r, (int)cx - half, (int)cy + dy,
				   (int)cx + half, (int)cy + dy);
	}
}

static void draw_ring(SDL_Renderer *r, double cx, double cy, double radius)
{
	SDL_Point points[33];

	for (int i = 0; i < 33; i++) {
		double a = i * 2 * M_PI / 32;
		points[i] = (SDL_Point){ (int)(cx + cos(a) * radius),
					 (int)(cy + sin(a) * radius) };
	}
	SDL_RenderDrawLines(r, points, 33);
}

static void fill_rect(SDL_Renderer *r, int x, int y, int w, int h)
{
	SDL_Rect rect = { x, y, w, h };

	SDL_RenderFillRect(r, &rect);
}

/* Text needs a font: without one, nothing is drawn. */
static void draw_text(SDL_Renderer *r, TTF_Font *font, const char *text,
		      int x, int y, enum align align, SDL_Color c)
{
	if (!font || !text || !*text)
		return;
	SDL_Surface *surface = TTF_RenderUTF8_Blended(font, text, c);
	if (!surface)
		return;
	SDL_Texture *texture = SDL_CreateTextureFromSurface(r, surface);
	SDL_Rect where = { x, y, surface->w, surface->h };
	if (align == CENTRE)
		where.x -= surface->w / 2;
	else if (align == RIGHT)
		where.x -= surface->w;
	if (texture) {
		SDL_RenderCopy(r, texture, NULL, &where);
		SDL_DestroyTexture(texture);
	}
	SDL_FreeSurface(surface);
}

/* ---- The arena ---------------------------------------------------------- */

static void draw_arena(SDL_Renderer *r)
{
	set_colour(r, background);
	SDL_RenderClear(r);
	set_colour(r, grid);
	for (int x = 50; x < GAME_WIDTH; x += 50)
		SDL_RenderDrawLine(r, x, 0, x, (int)GAME_HEIGHT);
	for (int y = 50; y < GAME_HEIGHT; y += 50)
		SDL_RenderDrawLine(r, 0, y, (int)GAME_WIDTH, y);
}

static void draw_items(SDL_Renderer *r, const struct client_fonts *fonts,
		       const struct client_state *s)
{
	for (int i = 0; i < s->item_count; i++) {
		const struct client_item *it = &s->items[i];
		int size = (int)(2 * GAME_ITEM_RADIUS);
		set_colour(r, item_colours[it->kind]);
		fill_rect(r, (int)(it->x - GAME_ITEM_RADIUS),
			  (int)(it->y - GAME_ITEM_RADIUS), size, size);
		draw_text(r, fonts->small, game_weapons[it->kind].name,
			  (int)it->x, (int)(it->y + GAME_ITEM_RADIUS + 2),
			  CENTRE, item_colours[it->kind]);
	}
}

static SDL_Color player_colour(const struct client_state *s, int id)
{
	if (id == s->my_id)
		return me_colour;
	/* A multiplicative hash: bots' ids are consecutive, and should not
	 * all get neighbouring colours. */
	unsigned int h = (unsigned int)id * 2654435761u;
	return palette[(h >> 16) % (sizeof palette / sizeof palette[0])];
}

/* A player's name, or its id while it has none. */
static const char *label_of(const struct client_state *s, int id,
			    char buf[LABEL_MAX])
{
	const struct client_player *p =
		client_state_find((struct client_state *)s, id);

	if (p && p->name[0])
		return p->name;
	snprintf(buf, LABEL_MAX, "%d", id);
	return buf;
}

/* Each bullet in its shooter's colour. */
static void draw_bullets(SDL_Renderer *r, const struct client_state *s)
{
	for (int i = 0; i < s->bullet_count; i++) {
		set_colour(r, player_colour(s, s->bullets[i].shooter_id));
		fill_circle(r, s->bullets[i].x, s->bullets[i].y,
			    s->bullets[i].r);
	}
}

static void draw_hp_bar(SDL_Renderer *r, double x, double y, double hp)
{
	/* A server may say anything: the bar stays between empty and full. */
	double part = fmin(1, fmax(0, hp / GAME_START_HP));
	int left = (int)x - HP_BAR_WIDTH / 2;
	int top = (int)(y - GAME_PLAYER_RADIUS) - 10;

	SDL_SetRenderDrawColor(r, 90, 20, 20, 255);
	fill_rect(r, left, top, HP_BAR_WIDTH, 5);
	SDL_SetRenderDrawColor(r, (Uint8)(230 * (1 - part)),
			       (Uint8)(200 * part + 30), 60, 255);
	fill_rect(r, left, top, (int)(HP_BAR_WIDTH * part), 5);
}

static void draw_player(SDL_Renderer *r, const struct client_fonts *fonts,
			const struct client_state *s,
			const struct client_player *p, double now)
{
	double x, y;
	char label[LABEL_MAX + 8], id[LABEL_MAX];

	client_state_position(p, now, &x, &y);
	SDL_Color colour = player_colour(s, p->id);
	/* Just hit: a white flash. */
	set_colour(r, now - p->hit_at < FLASH_SECONDS ? white : colour);
	fill_circle(r, x, y, GAME_PLAYER_RADIUS);
	double aim = atan2(p->aimy - y, p->aimx - x);
	set_colour(r, white);
	SDL_RenderDrawLine(r, (int)x, (int)y, (int)(x + cos(aim) * AIM_LINE),
			   (int)(y + sin(aim) * AIM_LINE));
	if (p->id == s->my_id) /* set apart: a white ring around us */
		draw_ring(r, x, y, GAME_PLAYER_RADIUS + 3);
	/* Spawn protection: a pulsing shield, on every client alike. */
	if (client_state_shielded(p, now)) {
		set_colour(r, shield);
		draw_ring(r, x, y, GAME_PLAYER_RADIUS + 6 + 2 * sin(now * 12));
	}
	draw_hp_bar(r, x, y, p->hp);
	snprintf(label, sizeof label, p->id == s->my_id ? "%s (you)" : "%s",
		 label_of(s, p->id, id));
	/* Above the hp bar, but never above the top of the window. */
	int top = (int)(y - GAME_PLAYER_RADIUS) - 10 - SMALL_POINTS - 6;
	draw_text(r, fonts->small, label, (int)x, top < 0 ? 0 : top, CENTRE,
		  colour);
}

/* A killed player bursts: a ring that grows and fades, and sparks. */
static void draw_burst(SDL_Renderer *r, const struct client_state *s,
		       const struct client_player *p, double now)
{
	double age = now - p->died_at;

	if (p->died_at <= 0 || age < 0 || age > BURST_SECONDS)
		return;
	SDL_Color c = player_colour(s, p->id);
	double grown = age / BURST_SECONDS;
	SDL_SetRenderDrawColor(r, c.r, c.g, c.b, (Uint8)(255 * (1 - grown)));
	draw_ring(r, p->died_x, p->died_y, GAME_PLAYER_RADIUS * (1 + 2 * grown));
	for (int i = 0; i < 8; i++) {
		double a = i * M_PI / 4, near = 10 + 30 * grown;
		SDL_RenderDrawLine(r, (int)(p->died_x + cos(a) * near),
				   (int)(p->died_y + sin(a) * near),
				   (int)(p->died_x + cos(a) * (near + 6)),
				   (int)(p->died_y + sin(a) * (near + 6)));
	}
}

static void draw_players(SDL_Renderer *r, const struct client_fonts *fonts,
			 const struct client_state *s, double now)
{
	const struct client_player *me = NULL;

	for (int i = 0; i < s->player_count; i++) {
		const struct client_player *p = &s->players[i];
		if (p->id == s->my_id)
			me = p;
		else if (p->alive)
			draw_player(r, fonts, s, p, now);
		else
			draw_burst(r, s, p, now);
	}
	/* Ourselves last, so no one hides us. */
	if (me && me->alive)
		draw_player(r, fonts, s, me, now);
	else if (me)
		draw_burst(r, s, me, now);
}

/* ---- What is written on top --------------------------------------------- */

static void draw_feed(SDL_Renderer *r, const struct client_fonts *fonts,
		      const struct client_state *s)
{
	char line[2 * LABEL_MAX + 16], atk[LABEL_MAX], def[LABEL_MAX];

	for (int i = 0; i < s->feed_count; i++) {
		const struct client_kill *k = &s->feed[i];
		snprintf(line, sizeof line, "%s killed %s",
			 label_of(s, k->atk_id, atk),
			 label_of(s, k->def_id, def));
		bool mine = k->atk_id == s->my_id || k->def_id == s->my_id;
		draw_text(r, fonts->small, line, (int)GAME_WIDTH - 10,
			  10 + 18 * i, RIGHT, mine ? me_colour : white);
	}
}

static void draw_scoreboard(SDL_Renderer *r, const struct client_fonts *fonts,
			    const struct client_state *s)
{
	int order[SCOREBOARD_ROWS];
	int rows = client_state_ranking(s, order, SCOREBOARD_ROWS);
	int top = 120, left = 220, width = 360;
	char text[LABEL_MAX + 16], id[LABEL_MAX];

	SDL_SetRenderDrawColor(r, 0, 0, 0, 200);
	fill_rect(r, left, top, width, 40 + 20 * rows);
	draw_text(r, fonts->small, "player", left + 20, top + 10, LEFT, grey);
	draw_text(r, fonts->small, "kills", left + 240, top + 10, RIGHT, grey);
	draw_text(r, fonts->small, "deaths", left + 330, top + 10, RIGHT, grey);
	for (int i = 0; i < rows; i++) {
		const struct client_player *p = &s->players[order[i]];
		SDL_Color c = player_colour(s, p->id);
		int y = top + 32 + 20 * i;
		snprintf(text, sizeof text, "%s%s", label_of(s, p->id, id),
			 p->id == s->my_id ? " (you)" : "");
		draw_text(r, fonts->small, text, left + 20, y, LEFT, c);
		snprintf(text, sizeof text, "%d", p->kills);
		draw_text(r, fonts->small, text, left + 240, y, RIGHT, c);
		snprintf(text, sizeof text, "%d", p->deaths);
		draw_text(r, fonts->small, text, left + 330, y, RIGHT, c);
	}
}

static void draw_banner(SDL_Renderer *r, const struct client_fonts *fonts,
			const struct client_view *view)
{
	int top = (int)GAME_HEIGHT / 2 - 40;
	TTF_Font *font = fonts->large;
	int width = 0;

	/* A long message (a long host name...) in the small font. */
	if (font && (TTF_SizeUTF8(font, view->banner, &width, NULL) < 0 ||
		     width > GAME_WIDTH - 20))
		font = fonts->small;
	SDL_SetRenderDrawColor(r, 0, 0, 0, 150);
	fill_rect(r, 0, top, (int)GAME_WIDTH, 80);
	draw_text(r, font, view->banner, (int)GAME_WIDTH / 2, top + 8,
		  CENTRE, warning);
	draw_text(r, fonts->small, view->hint, (int)GAME_WIDTH / 2, top + 52,
		  CENTRE, white);
}

void client_draw_frame(SDL_Renderer *r, const struct client_fonts *fonts,
		       const struct client_state *s,
		       const struct client_view *view)
{
	SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
	draw_arena(r);
	/* The kill feed goes under everything else: a player passing by is
	 * drawn over it, never hidden by it. */
	draw_feed(r, fonts, s);
	draw_items(r, fonts, s);
	draw_bullets(r, s);
	draw_players(r, fonts, s, view->now);
	/* The status line lives in its own strip, under the arena. */
	set_colour(r, hud_strip);
	fill_rect(r, 0, (int)GAME_HEIGHT, (int)GAME_WIDTH, CLIENT_HUD_HEIGHT);
	draw_text(r, fonts->small, view->status, 10, (int)GAME_HEIGHT + 4,
		  LEFT, grey);
	if (view->scoreboard)
		draw_scoreboard(r, fonts, s);
	if (view->banner)
		draw_banner(r, fonts, view);
}
