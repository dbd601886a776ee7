/* quiz.h - what the quiz server does for one client. */
#ifndef QUIZ_H
#define QUIZ_H

#include <stdbool.h>

/* Ask one "A+B" question, read the answer line, reply "yes" or "no",
 * then close fd.  The whole answer must come within `seconds` (0: no
 * limit), however slowly it trickles in. */
void serve_quiz(int fd, int seconds);

/* Whether `line` is `sum`, give or take spaces and the line end. */
bool answer_is_correct(const char *line, int sum);

#endif
