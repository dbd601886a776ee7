/*
 * game_client - stage 5: the graphical client people play with.
 *
 * The servers so far waited for their clients; a game client cannot wait
 * for anything.  Sixty times a second it reads the keyboard and the mouse,
 * applies what the server sent since the last frame, sends its own moves
 * and shots, and draws.  The network lives in a thread of its own
 * (client_net.c) and the frame loop only ever looks at a queue, so a slow
 * or silent server never freezes the window.  What the lines mean is in
 * client_state.c, the pictures in client_draw.c.
 *
 *   game_client [--name NAME] [--autopilot] [--skill easy|normal|hard]
 *               [--frames N] [--screenshot FILE] [HOST] [PORT]
 *
 * WASD or the arrows move, the mouse aims, a click fires (hold it to keep
 * firing), Tab shows the scores, F12 saves a screenshot, Esc quits.
 */
#include "net.h"
#include "game.h"
#include "client_state.h"
#include "client_net.h"
#include "client_draw.h"

#include <SDL.h>
#include <SDL_ttf.h>
#include <err.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FRAME_SECONDS (1.0 / 60)
#define TAKE_AT_ONCE 128 /* lines taken from the queue in one go */

struct options {
	const char *name; /* --name, or asked for on the terminal */
	bool autopilot;   /* move and fire by itself */
	int skill;        /* the autopilot's, enum play_level */
	long frames;      /* stop after this many frames (0: never) */
	const char *screenshot; /* save the last frame there */
};

/* Everything one run of the client owns. */
struct client_app {
	struct client_config cfg;
	struct options opt;
	SDL_Window *window;
	SDL_Renderer *renderer;
	struct client_fonts fonts;
	struct client_net net;
	struct client_state state;
	char name[GAME_NAME_MAX + 1]; /* ours, "" for none */
	enum client_link shown_link; /* the link state already reported */
	bool spawned;                /* on this connection */
	bool shot_wanted;            /* F12 was pressed */
	long frames, malformed;
	char lines[TAKE_AT_ONCE][CLIENT_LINE_CAP];
};

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- Command line -------------------------------------------------------- */

static void usage(FILE *to)
{
	fprintf(to, "usage: game_client [-h] [--name NAME] [--autopilot] "
		    "[--skill LEVEL] "
		    "[--frames N] [--screenshot FILE.bmp] [HOST] [PORT]\n"
		    "  HOST defaults to localhost, PORT to %s\n"
		    "  --name NAME    your name on everyone's screen (else the "
		    "client asks)\n"
		    "  --autopilot    move, aim and fire by itself\n"
		    "  --skill LEVEL  the autopilot's: easy (default), normal, "
		    "hard\n"
		    "  --frames N     quit after N frames (60 a second)\n"
		    "  --screenshot F save the last frame as a BMP file\n",
		GAME_PORT);
}

/* Take our --options out of argv; common/'s parser does HOST and PORT. */
static void parse_args(int argc, char **argv, struct client_app *app)
{
	char **rest = argv;
	int count = 1;

	for (int i = 1; i < argc; i++) {
		bool has_value = i + 1 < argc;
		if (strcmp(argv[i], "--name") == 0 && has_value) {
			app->opt.name = argv[++i];
		} else if (strcmp(argv[i], "--autopilot") == 0) {
			app->opt.autopilot = true;
		} else if (strcmp(argv[i], "--frames") == 0 && has_value) {
			char *end;
			app->opt.frames = strtol(argv[++i], &end, 10);
			if (*end || app->opt.frames <= 0) {
				usage(stderr);
				exit(2);
			}
		} else if (strcmp(argv[i], "--skill") == 0 && has_value) {
			app->opt.skill = play_level_by_name(argv[++i]);
			if (app->opt.skill < 0) {
				usage(stderr);
				exit(2);
			}
		} else if (strcmp(argv[i], "--screenshot") == 0 && has_value) {
			app->opt.screenshot = argv[++i];
		} else if (strcmp(argv[i], "--help") == 0 ||
			   strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			exit(0);
		} else {
			rest[count++] = argv[i]; /* only ever moves down */
		}
	}
	app->cfg = (struct client_config){ .host = "localhost",
					   .port = GAME_PORT };
	parse_client_args(count, rest, NULL, &app->cfg);
}

/* The player's name: --name, else asked for on the terminal (if there is
 * one: a test or a script has none, and plays without a name).  The same
 * rules as the server's, so the server does not refuse it. */
static void choose_name(struct client_app *app)
{
	char line[128];
	const char *name = app->opt.name, *problem;

	while (!name && isatty(STDIN_FILENO)) {
		printf("your name (Enter for none): ");
		fflush(stdout);
		if (!fgets(line, sizeof line, stdin) || line[0] == '\n')
			return;
		line[strcspn(line, "\r\n")] = '\0';
		if (!(problem = game_name_problem(line)))
			name = line;
		else
			printf("%s\n", problem);
	}
	if (!name)
		return;
	if ((problem = game_name_problem(name)))
		errx(2, "--name %s: %s", name, problem);
	memcpy(app->name, name, strlen(name) + 1); /* checked: it fits */
}

/* ---- The window ---------------------------------------------------------- */

static bool open_window(struct client_app *app)
{
	if (SDL_Init(SDL_INIT_VIDEO) < 0 || TTF_Init() < 0) {
		warnx("SDL: %s", SDL_GetError());
		return false;
	}
	app->window = SDL_CreateWindow("game_client", SDL_WINDOWPOS_CENTERED,
				       SDL_WINDOWPOS_CENTERED, (int)GAME_WIDTH,
				       (int)GAME_HEIGHT + CLIENT_HUD_HEIGHT, 0);
	if (!app->window) {
		warnx("window: %s", SDL_GetError());
		return false;
	}
	/* The graphics card if there is one; else (SDL_VIDEODRIVER=dummy in
	 * the tests) the software renderer, which draws into memory. */
	app->renderer = SDL_CreateRenderer(app->window, -1,
					   SDL_RENDERER_PRESENTVSYNC);
	if (!app->renderer)
		app->renderer = SDL_CreateRenderer(app->window, -1,
						   SDL_RENDERER_SOFTWARE);
	if (!app->renderer) {
		warnx("renderer: %s", SDL_GetError());
		return false;
	}
	app->fonts = client_open_fonts();
	return true;
}

static void close_window(struct client_app *app)
{
	client_close_fonts(&app->fonts);
	if (app->renderer)
		SDL_DestroyRenderer(app->renderer);
	if (app->window)
		SDL_DestroyWindow(app->window);
	TTF_Quit();
	SDL_Quit();
}

/* Save what the renderer has drawn (before SDL_RenderPresent: after it,
 * the picture is undefined). */
static void save_screenshot(SDL_Renderer *renderer, const char *path)
{
	int w, h;

	if (SDL_GetRendererOutputSize(renderer, &w, &h) < 0) {
		warnx("screenshot: %s", SDL_GetError());
		return;
	}
	SDL_Surface *shot = SDL_CreateRGBSurfaceWithFormat(
		0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
	if (!shot || SDL_RenderReadPixels(renderer, NULL,
					  SDL_PIXELFORMAT_ARGB8888,
					  shot->pixels, shot->pitch) < 0 ||
	    SDL_SaveBMP(shot, path) < 0)
		warnx("screenshot %s: %s", path, SDL_GetError());
	else
		fprintf(stderr, "game_client: saved %s\n", path);
	SDL_FreeSurface(shot);
}

/* ---- The connection ------------------------------------------------------ */

/* The state's send callback: lines go to the outbox. */
static void send_to_server(void *ctx, const char *line, size_t len)
{
	client_net_send(ctx, line, len);
}

static void connect_game(struct client_app *app, int my_id)
{
	client_state_init(&app->state, my_id, (unsigned int)my_id,
			  now_seconds(), send_to_server, &app->net);
	app->state.autopilot_level = app->opt.skill;
	memcpy(app->state.my_name, app->name, sizeof app->name);
	app->spawned = false;
	app->shown_link = CLIENT_CONNECTING;
	client_net_start(&app->net, app->cfg.host, app->cfg.port);
}

/* A new game on a new connection, as the same player. */
static void retry(struct client_app *app)
{
	client_net_stop(&app->net);
	connect_game(app, app->state.my_id);
}

/* Apply whatever arrived since the last frame. */
static void apply_received(struct client_app *app, double now)
{
	int taken;

	/* At most a queue's worth per frame: a flood cannot keep us from
	 * drawing. */
	for (int total = 0; total < CLIENT_QUEUE_LINES; total += taken) {
		taken = client_net_take(&app->net, app->lines, TAKE_AT_ONCE);
		for (int i = 0; i < taken; i++)
			if (client_state_apply_line(&app->state, app->lines[i],
						    now) != GAME_OK)
				app->malformed++;
		if (taken < TAKE_AT_ONCE)
			break;
	}
}

/* Spawn once connected; say on stderr when the link fails. */
static enum client_link follow_link(struct client_app *app, char *why,
				    size_t cap, double now)
{
	enum client_link link = client_net_link(&app->net, why, cap);

	if (link == CLIENT_CONNECTED && !app->spawned) {
		client_state_spawn(&app->state, now);
		app->spawned = true;
	}
	if (link != app->shown_link && (link == CLIENT_FAILED ||
					 link == CLIENT_LOST))
		fprintf(stderr, "game_client: %s\n", why);
	app->shown_link = link;
	return link;
}

/* ---- One frame ----------------------------------------------------------- */

/* Handle the window's events.  False when the player wants to quit. */
static bool handle_events(struct client_app *app, enum client_link link)
{
	SDL_Event e;

	while (SDL_PollEvent(&e)) {
		if (e.type == SDL_QUIT)
			return false;
		if (e.type != SDL_KEYDOWN)
			continue;
		SDL_Keycode key = e.key.keysym.sym;
		if (key == SDLK_ESCAPE)
			return false;
		bool down = link == CLIENT_FAILED || link == CLIENT_LOST;
		if (key == SDLK_r && down)
			retry(app);
		if (key == SDLK_F12)
			app->shot_wanted = true;
	}
	return true;
}

static void read_input(struct client_app *app, double now,
		       struct client_input *in)
{
	const Uint8 *key = SDL_GetKeyboardState(NULL);
	int x, y;

	if (app->opt.autopilot) {
		client_state_autopilot(&app->state, now, in);
		return;
	}
	Uint32 buttons = SDL_GetMouseState(&x, &y);
	*in = (struct client_input){
		.up = key[SDL_SCANCODE_W] || key[SDL_SCANCODE_UP],
		.down = key[SDL_SCANCODE_S] || key[SDL_SCANCODE_DOWN],
		.left = key[SDL_SCANCODE_A] || key[SDL_SCANCODE_LEFT],
		.right = key[SDL_SCANCODE_D] || key[SDL_SCANCODE_RIGHT],
		.firing = buttons & SDL_BUTTON_LMASK,
		.aimx = x, .aimy = y,
	};
}

static void draw(struct client_app *app, enum client_link link,
		 const char *why, double now)
{
	const Uint8 *key = SDL_GetKeyboardState(NULL);
	char status[160], banner[64];
	struct client_view view = { .status = status, .now = now,
				    .scoreboard = key[SDL_SCANCODE_TAB] };
	double respawn = client_state_respawn_in(&app->state, now);

	if (link == CLIENT_CONNECTING)
		snprintf(status, sizeof status, "connecting to %s port %s...",
			 app->cfg.host, app->cfg.port);
	else if (link == CLIENT_CONNECTED)
		snprintf(status, sizeof status, "%s:%s  you are %s (%d)  %s  "
			 "Tab: scores", app->cfg.host, app->cfg.port,
			 app->name[0] ? app->name : "nameless",
			 app->state.my_id,
			 game_weapons[app->state.weapon].name);
	else
		snprintf(status, sizeof status, "%s:%s  not connected",
			 app->cfg.host, app->cfg.port);
	if (link == CLIENT_FAILED || link == CLIENT_LOST) {
		view.banner = why;
		view.hint = "R: try again    Esc: quit";
	} else if (respawn >= 0) {
		snprintf(banner, sizeof banner, "respawn in %.1f s", respawn);
		view.banner = banner;
	}
	client_draw_frame(app->renderer, &app->fonts, &app->state, &view);
}

/* Wait for the rest of the frame's time, unless vsync already did. */
static void pace(double frame_start)
{
	double left = FRAME_SECONDS - (now_seconds() - frame_start);

	if (left > 0.001)
		SDL_Delay((Uint32)(left * 1000));
}

/* One frame.  False when it is time to stop. */
static bool run_frame(struct client_app *app)
{
	double now = now_seconds();
	char why[CLIENT_WHY_LEN];
	struct client_input in;

	enum client_link link = follow_link(app, why, sizeof why, now);
	if (!handle_events(app, link))
		return false;
	apply_received(app, now);
	if (link == CLIENT_CONNECTED) {
		read_input(app, now, &in);
		client_state_step(&app->state, &in, now);
	}
	client_net_flush(&app->net);
	draw(app, link, why, now);
	app->frames++;
	bool last = app->opt.frames > 0 && app->frames >= app->opt.frames;
	if (app->shot_wanted)
		save_screenshot(app->renderer, "game_client.bmp");
	app->shot_wanted = false;
	if (last && app->opt.screenshot)
		save_screenshot(app->renderer, app->opt.screenshot);
	SDL_RenderPresent(app->renderer);
	pace(now);
	return !last;
}

/* What happened, on stdout: the tests read it, and so may you. */
static void print_summary(struct client_app *app)
{
	long received, skipped;

	client_net_counts(&app->net, &received, &skipped);
	printf("game_client: id %d, %ld frames, %ld lines received, "
	       "%ld skipped, %ld not understood, %d players at most, "
	       "%ld shots fired\n", app->state.my_id, app->frames, received,
	       skipped, app->malformed, app->state.most_players,
	       app->state.shots_fired);
}

int main(int argc, char **argv)
{
	struct client_app *app = calloc(1, sizeof *app);

	if (!app)
		err(1, "out of memory");
	parse_args(argc, argv, app);
	choose_name(app);
	if (!open_window(app)) {
		close_window(app);
		free(app);
		return 1;
	}
	/* Our own id, chosen at random: the server takes it from our first
	 * SPAWN.  Two players picking the same one out of 999999 is rare;
	 * the server refuses the second. */
	srand((unsigned int)(time(NULL) ^ getpid()));
	connect_game(app, 1 + rand() % 999999);

	while (run_frame(app))
		;

	print_summary(app);
	enum client_link link = client_net_link(&app->net, NULL, 0);
	client_net_stop(&app->net);
	close_window(app);
	free(app);
	return link == CLIENT_FAILED || link == CLIENT_LOST ? 1 : 0;
}
