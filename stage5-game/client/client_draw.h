/*
 * client_draw.h - the graphical client's pictures: one frame of the game
 * drawn with SDL2, text with SDL2_ttf.  Drawing only reads the state.
 */
#ifndef CLIENT_DRAW_H
#define CLIENT_DRAW_H

#include "client_state.h"

#include <SDL.h>
#include <SDL_ttf.h>
#include <stdbool.h>

/* Two sizes of one font; both NULL when no font was found: the game is
 * then drawn without any text. */
struct client_fonts {
	TTF_Font *small;
	TTF_Font *large;
};

/* What the frame shows besides the game itself. */
struct client_view {
	const char *status;     /* the strip under the arena: connection, weapon */
	const char *banner;     /* a message across the middle, or NULL */
	const char *hint;       /* a smaller line under the banner, or NULL */
	bool scoreboard;        /* Tab is held */
	double now;
};

/* Open the font named by $GAME_CLIENT_FONT or the first of a few usual
 * paths.  Says once on stderr if there is none. */
struct client_fonts client_open_fonts(void);
void client_close_fonts(struct client_fonts *fonts);

void client_draw_frame(SDL_Renderer *r, const struct client_fonts *fonts,
		       const struct client_state *s,
		       const struct client_view *view);

#endif
