/*
 * chat_commands.h - what a user's line does (chat_commands.c), for the
 * server's threads (chat_server.c).  The commands reach the users only
 * through chat_users.h.
 */
#ifndef CHAT_COMMANDS_H
#define CHAT_COMMANDS_H

#include "chat_users.h"

#include <stdbool.h>
#include <stddef.h>

/* Start the thread that ends the votes whose time is up.  0, or an error
 * number. */
int commands_start(void);

/* Act on one line from c.  Returns false when the user wants to go. */
bool run_line(struct client *c, char *line, size_t len);

/* c has left the chat (it is off the list): a vote in a room it left
 * empty ends with the room. */
void commands_user_left(const struct client *c);

#endif
