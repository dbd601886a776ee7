/* echo.h - what the stage 1 server does for one client. */
#ifndef ECHO_H
#define ECHO_H

/* Send back every byte received until the client closes; then close fd. */
void serve_echo(int fd);

#endif
