/*
 * game.c - the stage 5 protocol: the weapon table, a strict parser, the
 * formatters and the geometry of hits.  See game.h.
 *
 * Nothing here touches a socket or a lock: the server, the bots and the
 * client all call it, and the tests call it directly.
 */
#include "game.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- The weapons -------------------------------------------------------- */

const struct game_weapon game_weapons[GAME_WEAPON_COUNT] = {
	/*              name       r    dmg  speed interval pellets spread */
	[GAME_GUN]     = { "GUN",     5, 10, 400, 0.25, 1, 0 },
	[GAME_BIGGUN]  = { "BIGGUN", 12, 35, 300, 0.8,  1, 0 },
	[GAME_SHOTGUN] = { "SHOTGUN", 4,  8, 450, 0.7,  6, 30 },
	[GAME_MINIGUN] = { "MINIGUN", 3,  4, 600, 0.07, 1, 6 },
};

int game_weapon_by_name(const char *name)
{
	for (int kind = 0; kind < GAME_WEAPON_COUNT; kind++)
		if (strcmp(name, game_weapons[kind].name) == 0)
			return kind;
	return -1;
}

/* ---- Messages ----------------------------------------------------------- */

/* For each type: its name, and one letter per field after the name:
 * i = a player id (>= 1), n = a bullet or item id (>= 0), f = a number,
 * k = an item kind, t = a name.  The parser and the formatter both walk
 * these letters. */
static const struct {
	const char *name;
	const char *fields;
} msg_types[GAME_MSG_TYPE_COUNT] = {
	[GAME_SPAWN]   = { "SPAWN",   "ifff" },
	[GAME_POS]     = { "POS",     "iffffff" },
	[GAME_FIRE]    = { "FIRE",    "inffffff" },
	[GAME_HIT]     = { "HIT",     "iinf" },
	[GAME_KILL]    = { "KILL",    "ii" },
	[GAME_PUTITEM] = { "PUTITEM", "nffk" },
	[GAME_GETITEM] = { "GETITEM", "ink" },
	[GAME_LEAVE]   = { "LEAVE",   "i" },
	[GAME_NAME]    = { "NAME",    "it" },
};

#define MAX_FIELDS 8 /* FIRE has the most */

const char *game_msg_type_name(enum game_msg_type type)
{
	return type < GAME_MSG_TYPE_COUNT ? msg_types[type].name : "?";
}

/* ---- Parsing ------------------------------------------------------------ */

static const char *const result_texts[GAME_PARSE_RESULT_COUNT] = {
	[GAME_OK] = "ok",
	[GAME_ERR_EMPTY] = "empty line",
	[GAME_ERR_TOO_LONG] = "line too long",
	[GAME_ERR_UNKNOWN_TYPE] = "unknown message type",
	[GAME_ERR_FIELD_COUNT] = "wrong number of fields",
	[GAME_ERR_BAD_NUMBER] = "not a number",
	[GAME_ERR_OUT_OF_RANGE] = "number out of range",
	[GAME_ERR_BAD_KIND] = "unknown item kind",
	[GAME_ERR_BAD_NAME] = "not a name",
};

const char *game_parse_result_text(enum game_parse_result result)
{
	return result < GAME_PARSE_RESULT_COUNT ? result_texts[result] : "?";
}

/* Whether every character of `token` is one of `allowed`.  strtod() alone
 * would also take "nan", "inf" and hexadecimal, which the protocol has not. */
static bool made_of(const char *token, const char *allowed)
{
	return token[strspn(token, allowed)] == '\0';
}

static enum game_parse_result parse_id(const char *token, long min,
				       double *value)
{
	char *end;

	if (!made_of(token, "+-0123456789"))
		return GAME_ERR_BAD_NUMBER;
	errno = 0;
	long n = strtol(token, &end, 10);
	if (*end != '\0' || end == token)
		return GAME_ERR_BAD_NUMBER;
	if (errno == ERANGE || n < min || n > INT_MAX)
		return GAME_ERR_OUT_OF_RANGE;
	*value = (double)n;
	return GAME_OK;
}

static enum game_parse_result parse_number(const char *token, double *value)
{
	char *end;

	if (!made_of(token, "+-.0123456789eE"))
		return GAME_ERR_BAD_NUMBER;
	double x = strtod(token, &end);
	if (*end != '\0' || end == token)
		return GAME_ERR_BAD_NUMBER;
	/* "1e999" overflows to infinity: out of range, like "2e6". */
	if (!isfinite(x) || fabs(x) > GAME_NUMBER_MAX)
		return GAME_ERR_OUT_OF_RANGE;
	*value = x;
	return GAME_OK;
}

static enum game_parse_result parse_field(char letter, const char *token,
					  double *value)
{
	int kind;

	switch (letter) {
	case 'i':
		return parse_id(token, 1, value);
	case 'n':
		return parse_id(token, 0, value);
	case 'k':
		kind = game_weapon_by_name(token);
		*value = kind;
		return kind < 0 ? GAME_ERR_BAD_KIND : GAME_OK;
	case 't': /* the caller keeps the token itself */
		*value = 0;
		return game_name_problem(token) ? GAME_ERR_BAD_NAME : GAME_OK;
	default:
		return parse_number(token, value);
	}
}

/* Copy the parsed values (and a name's text) into the member of the
 * union `type` names. */
static void fill_message(struct game_msg *out, enum game_msg_type type,
			 const double *v, const char *text)
{
	out->type = type;
	switch (type) {
	case GAME_SPAWN:
		out->spawn = (struct game_spawn){ (int)v[0], v[1], v[2], v[3] };
		break;
	case GAME_POS:
		out->pos = (struct game_pos){ (int)v[0], v[1], v[2], v[3],
					      v[4], v[5], v[6] };
		break;
	case GAME_FIRE:
		out->fire = (struct game_fire){ (int)v[0], (int)v[1], v[2],
						v[3], v[4], v[5], v[6], v[7] };
		break;
	case GAME_HIT:
		out->hit = (struct game_hit){ (int)v[0], (int)v[1], (int)v[2],
					      v[3] };
		break;
	case GAME_KILL:
		out->kill = (struct game_kill){ (int)v[0], (int)v[1] };
		break;
	case GAME_PUTITEM:
		out->putitem = (struct game_putitem){ (int)v[0], v[1], v[2],
						      (int)v[3] };
		break;
	case GAME_GETITEM:
		out->getitem = (struct game_getitem){ (int)v[0], (int)v[1],
						      (int)v[2] };
		break;
	case GAME_NAME:
		out->name.id = (int)v[0];
		snprintf(out->name.text, sizeof out->name.text, "%s", text);
		break;
	case GAME_LEAVE:
	default:
		out->leave = (struct game_leave){ (int)v[0] };
		break;
	}
}

/* The other way round, for the formatter: the fields of msg as numbers
 * (ids and kinds too, exactly: they are small integers), and its text. */
static const char *message_fields(const struct game_msg *m, double *v)
{
	switch (m->type) {
	case GAME_SPAWN:
		memcpy(v, (double[]){ m->spawn.id, m->spawn.x, m->spawn.y,
				      m->spawn.hp }, 4 * sizeof *v);
		break;
	case GAME_POS:
		memcpy(v, (double[]){ m->pos.id, m->pos.x, m->pos.y, m->pos.vx,
				      m->pos.vy, m->pos.aimx, m->pos.aimy },
		       7 * sizeof *v);
		break;
	case GAME_FIRE:
		memcpy(v, (double[]){ m->fire.id, m->fire.bullet_id, m->fire.x,
				      m->fire.y, m->fire.vx, m->fire.vy,
				      m->fire.r, m->fire.dmg }, 8 * sizeof *v);
		break;
	case GAME_HIT:
		memcpy(v, (double[]){ m->hit.atk_id, m->hit.def_id,
				      m->hit.bullet_id, m->hit.hp },
		       4 * sizeof *v);
		break;
	case GAME_KILL:
		memcpy(v, (double[]){ m->kill.atk_id, m->kill.def_id },
		       2 * sizeof *v);
		break;
	case GAME_PUTITEM:
		memcpy(v, (double[]){ m->putitem.item_id, m->putitem.x,
				      m->putitem.y, m->putitem.kind },
		       4 * sizeof *v);
		break;
	case GAME_GETITEM:
		memcpy(v, (double[]){ m->getitem.id, m->getitem.item_id,
				      m->getitem.kind }, 3 * sizeof *v);
		break;
	case GAME_NAME:
		v[0] = m->name.id;
		return m->name.text;
	case GAME_LEAVE:
	default:
		v[0] = m->leave.id;
		break;
	}
	return NULL;
}

static int type_by_name(const char *name)
{
	for (int type = 0; type < GAME_MSG_TYPE_COUNT; type++)
		if (strcmp(name, msg_types[type].name) == 0)
			return type;
	return -1;
}

enum game_parse_result game_parse_message(const char *line,
					  struct game_msg *out)
{
	char copy[GAME_LINE_MAX + 1], *save, *token;
	const char *text = NULL;
	double values[MAX_FIELDS];
	size_t len = strnlen(line, GAME_LINE_MAX + 1);

	if (len > GAME_LINE_MAX)
		return GAME_ERR_TOO_LONG;
	memcpy(copy, line, len + 1);
	token = strtok_r(copy, " \t", &save);
	if (!token)
		return GAME_ERR_EMPTY;
	int type = type_by_name(token);
	if (type < 0)
		return GAME_ERR_UNKNOWN_TYPE;

	const char *fields = msg_types[type].fields;
	size_t count = 0;
	while ((token = strtok_r(NULL, " \t", &save))) {
		if (count == strlen(fields))
			return GAME_ERR_FIELD_COUNT;
		enum game_parse_result r = parse_field(fields[count], token,
						       &values[count]);
		if (r != GAME_OK)
			return r;
		if (fields[count] == 't')
			text = token;
		count++;
	}
	if (count != strlen(fields))
		return GAME_ERR_FIELD_COUNT;
	fill_message(out, (enum game_msg_type)type, values, text);
	return GAME_OK;
}

/* ---- Formatting --------------------------------------------------------- */

/* A line being written into a caller's buffer. */
struct line {
	char *buf;
	size_t cap;
	size_t len;
	bool overflow;
};

static void put_text(struct line *l, const char *text)
{
	size_t n = strlen(text);

	if (l->overflow || l->len + n + 1 > l->cap) {
		l->overflow = true;
		return;
	}
	memcpy(l->buf + l->len, text, n + 1);
	l->len += n;
}

static void put_int(struct line *l, double value)
{
	char text[16];

	snprintf(text, sizeof text, " %d", (int)value);
	put_text(l, text);
}

/* Two decimals are plenty for pixels and hit points; trailing zeros only
 * make lines longer and harder to read ("90" rather than "90.000000"). */
static void put_number(struct line *l, double value)
{
	char text[32];

	/* The parser at the other end would refuse it. */
	if (!isfinite(value) || fabs(value) > GAME_NUMBER_MAX) {
		l->overflow = true;
		return;
	}
	int n = snprintf(text, sizeof text, " %.2f", value);
	while (text[n - 1] == '0')
		text[--n] = '\0';
	if (text[n - 1] == '.')
		text[--n] = '\0';
	put_text(l, strcmp(text, " -0") == 0 ? " 0" : text);
}

static void put_kind(struct line *l, double kind)
{
	if (kind < 0 || kind >= GAME_WEAPON_COUNT) {
		l->overflow = true;
		return;
	}
	put_text(l, " ");
	put_text(l, game_weapons[(int)kind].name);
}

static void put_name(struct line *l, const char *name)
{
	if (!name || game_name_problem(name)) {
		l->overflow = true;
		return;
	}
	put_text(l, " ");
	put_text(l, name);
}

/* The type's name, then each field as its letter in msg_types says. */
int game_format_message(char *buf, size_t cap, const struct game_msg *msg)
{
	struct line l = { .buf = buf, .cap = cap };
	double values[MAX_FIELDS];

	if (msg->type >= GAME_MSG_TYPE_COUNT)
		return -1;
	const char *text = message_fields(msg, values);
	const char *fields = msg_types[msg->type].fields;
	put_text(&l, msg_types[msg->type].name);
	for (size_t i = 0; fields[i]; i++) {
		switch (fields[i]) {
		case 'i': case 'n': put_int(&l, values[i]); break;
		case 'k': put_kind(&l, values[i]); break;
		case 't': put_name(&l, text); break;
		default: put_number(&l, values[i]); break;
		}
	}
	put_text(&l, "\n");
	return l.overflow ? -1 : (int)l.len;
}

/* ---- Names -------------------------------------------------------------- */

/* The code point that starts at *p (valid UTF-8 of `left` bytes at most),
 * and how many bytes it takes; 0 when the bytes are no UTF-8 (a stray or
 * missing continuation byte, an overlong form, a surrogate, past
 * U+10FFFF). */
static int next_code_point(const unsigned char *p, size_t left,
			   unsigned long *code)
{
	static const unsigned long smallest[] = { 0, 0x80, 0x800, 0x10000 };
	int more = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1
		 : (*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 ? 3 : -1;

	if (more < 0 || (size_t)more >= left)
		return 0;
	*code = more ? *p & (0x3fu >> more) : *p;
	for (int i = 1; i <= more; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		*code = *code << 6 | (p[i] & 0x3f);
	}
	if (*code < smallest[more] || *code > 0x10ffff ||
	    (*code >= 0xd800 && *code <= 0xdfff))
		return 0;
	return more + 1;
}

/* Code points a name may not hold: spaces and controls (C0, DEL, C1);
 * invisible ones (no-break and other spaces, soft hyphen, joiners,
 * fillers, variation selectors, tags); and the marks, embeddings,
 * overrides and isolates that change the direction of what follows. */
static const unsigned long refused[][2] = {
	{ 0x0000, 0x0020 }, { 0x007f, 0x00a0 }, { 0x00ad, 0x00ad },
	{ 0x034f, 0x034f }, { 0x061c, 0x061c }, { 0x115f, 0x1160 },
	{ 0x17b4, 0x17b5 }, { 0x180b, 0x180f }, { 0x2000, 0x200f },
	{ 0x2028, 0x202f }, { 0x205f, 0x206f }, { 0x3000, 0x3000 },
	{ 0x3164, 0x3164 }, { 0xfe00, 0xfe0f }, { 0xfeff, 0xfeff },
	{ 0xffa0, 0xffa0 }, { 0xfff9, 0xfffb }, { 0x1d173, 0x1d17a },
	{ 0xe0000, 0xe0fff },
};

static bool refused_in_a_name(unsigned long code)
{
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
		if (code >= refused[i][0] && code <= refused[i][1])
			return true;
	return false;
}

const char *game_name_problem(const char *name)
{
	size_t len = strlen(name);
	unsigned long code;

	if (len == 0)
		return "a name cannot be empty";
	if (len > GAME_NAME_MAX)
		return "a name has at most 16 bytes";
	for (size_t i = 0; i < len;) {
		int n = next_code_point((const unsigned char *)name + i,
					len - i, &code);
		if (n == 0)
			return "a name must be UTF-8 text";
		if (refused_in_a_name(code))
			return "a name cannot hold spaces, control, invisible "
			       "or direction-changing characters";
		i += (size_t)n;
	}
	return NULL;
}

/* ---- Geometry ----------------------------------------------------------- */

/* Squares instead of sqrt(): the same comparison, and exact. */
static bool closer_than(double dx, double dy, double distance)
{
	return dx * dx + dy * dy < distance * distance;
}

bool game_bullet_hits(double px, double py, double bx, double by, double r)
{
	return closer_than(px - bx, py - by, GAME_PLAYER_RADIUS + r);
}

bool game_bullet_path_hits(double px, double py, double x0, double y0,
			   double x1, double y1, double r)
{
	double dx = x1 - x0, dy = y1 - y0;
	double length2 = dx * dx + dy * dy;
	double t = 0, reach = GAME_PLAYER_RADIUS + r;

	/* Most players are far from most bullets: a player outside the box
	 * around the path, widened by the reach, cannot be hit.  Four
	 * comparisons instead of the division below. */
	if (px < fmin(x0, x1) - reach || px > fmax(x0, x1) + reach ||
	    py < fmin(y0, y1) - reach || py > fmax(y0, y1) + reach)
		return false;

	/* The point of the path nearest the player: project the player's
	 * centre on the segment, then keep the projection on the segment. */
	if (length2 > 0)
		t = fmin(1, fmax(0, ((px - x0) * dx + (py - y0) * dy) / length2));
	return game_bullet_hits(px, py, x0 + t * dx, y0 + t * dy, r);
}

bool game_touches_item(double px, double py, double ix, double iy)
{
	return closer_than(px - ix, py - iy,
			   GAME_PLAYER_RADIUS + GAME_ITEM_RADIUS);
}

bool game_in_arena(double x, double y)
{
	return x >= 0 && x <= GAME_WIDTH && y >= 0 && y <= GAME_HEIGHT;
}

void game_clamp_to_arena(double *x, double *y)
{
	*x = fmin(GAME_WIDTH, fmax(0, *x));
	*y = fmin(GAME_HEIGHT, fmax(0, *y));
}

void game_histogram_add(struct game_histogram *h, double ms)
{
	long step = ms > 0 ? (long)(ms / GAME_HISTOGRAM_STEP_MS) : 0;

	h->count[step < GAME_HISTOGRAM_STEPS ? step : GAME_HISTOGRAM_STEPS - 1]++;
	h->total++;
	h->worst_ms = fmax(h->worst_ms, ms);
}

double game_histogram_percentile(const struct game_histogram *h, double p)
{
	long wanted = (long)ceil(p / 100.0 * (double)h->total), seen = 0;

	for (int i = 0; i < GAME_HISTOGRAM_STEPS && h->total > 0; i++)
		if ((seen += h->count[i]) >= wanted && seen > 0)
			return fmin((i + 1) * GAME_HISTOGRAM_STEP_MS, h->worst_ms);
	return 0;
}
