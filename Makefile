# socket-workshop - build, test and run every stage.
#
#   make                 build every program, in place, in its stage folder
#   make test            install what the tests need, then run them all
#   make run [STAGE=N]   start the game server (or stage N's server)
#   make diff FROM=2 TO=3    what a stage adds to the one before
#   make asan / tsan     the whole test suite under the sanitizers
#   make clean
#
# CC, CFLAGS, CPPFLAGS, LDFLAGS, LDLIBS and PREFIX are respected.

CC      ?= cc
CFLAGS  ?= -O2 -g
PREFIX  ?= /usr/local
WARN     = -std=gnu11 -Wall -Wextra -Werror
ALL_CFLAGS = $(WARN) -pthread $(CFLAGS)
CPPFLAGS += -Icommon
LDLIBS  += -pthread

.DEFAULT_GOAL := all

COMMON = common/net.o

# ---- stage 1: echo ------------------------------------------------------
STAGE1 = stage1-echo/echo_server stage1-echo/echo_client
stage1-echo/echo_server: stage1-echo/echo_server.o stage1-echo/echo.o $(COMMON)
stage1-echo/echo_client: stage1-echo/echo_client.o $(COMMON)

# ---- stage 2: quiz, one client at a time ---------------------------------
STAGE2 = stage2-quiz/quiz_server stage2-quiz/quiz_client
stage2-quiz/quiz_server: stage2-quiz/quiz_server.o stage2-quiz/quiz.o $(COMMON)
stage2-quiz/quiz_client: stage2-quiz/quiz_client.o $(COMMON)

# ---- stage 3: quiz, many clients at once ---------------------------------
STAGE3 = stage3-concurrent/quiz_fork stage3-concurrent/quiz_prefork \
	 stage3-concurrent/quiz_thread
$(STAGE3): %: %.o stage3-concurrent/quiz.o $(COMMON)

# ---- stage 4: chat ---------------------------------------------------------
STAGE4 =

# ---- stage 5: game ---------------------------------------------------------
STAGE5 =


PROGRAMS = $(STAGE1) $(STAGE2) $(STAGE3) $(STAGE4) $(STAGE5)

# ---- tests -------------------------------------------------------------
# One Check runner with a suite per file.  The Check flags are looked up
# when the runner is built, after `make test` has installed Check.
TEST_SUITES += tests/test_common.o tests/test_stage1.o tests/test_stage2.o \
	       tests/test_stage3.o
TEST_UNITS  += stage2-quiz/quiz.o
TEST_RUNNER = tests/run_tests

.PHONY: all test check-deps run-tests run diff asan tsan sanitize clean install

all: $(PROGRAMS)

$(PROGRAMS):
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

%.o: %.c
	$(CC) $(ALL_CFLAGS) $(CPPFLAGS) -MMD -MP -c -o $@ $<

tests/%.o: CPPFLAGS += -Itests $(shell pkg-config --cflags check 2>/dev/null)
tests/test_stage2.o: CPPFLAGS += -Istage2-quiz

$(TEST_RUNNER): tests/run_tests.o tests/harness.o tests/spawn.o $(TEST_SUITES) $(TEST_UNITS) $(COMMON)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $$(pkg-config --libs check) $(LDLIBS)

# `make test` = make sure Check is there, then build and run in a new make,
# which sees the freshly installed Check.
test: check-deps
	@$(MAKE) --no-print-directory run-tests

check-deps:
	@sh tests/install-deps.sh

run-tests: all $(TEST_RUNNER)
	./$(TEST_RUNNER)

# ---- sanitizers --------------------------------------------------------
# Each sanitizer build happens in a copy of the sources under build/, so the
# programs built in place stay as they are.
SAN_asan = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
SAN_tsan = -O1 -g -fsanitize=thread

asan tsan: check-deps
	@$(MAKE) --no-print-directory sanitize SAN=$@

sanitize:
	rm -rf build/$(SAN)
	mkdir -p build/$(SAN)
	cp -r Makefile common stage*-* tests build/$(SAN)/
	$(MAKE) -C build/$(SAN) --no-print-directory clean
	CK_TIMEOUT_MULTIPLIER=4 $(MAKE) -C build/$(SAN) --no-print-directory \
		run-tests CC="$(CC)" CFLAGS="$(SAN_$(SAN))" LDFLAGS="$(SAN_$(SAN))"

# ---- running -----------------------------------------------------------
STAGE ?= 3
SERVER_1 = stage1-echo/echo_server
SERVER_2 = stage2-quiz/quiz_server
SERVER_3 = stage3-concurrent/quiz_thread

run: $(SERVER_$(STAGE))
	@test -n "$(SERVER_$(STAGE))" || { echo "no stage $(STAGE) yet: try STAGE=1..3"; exit 2; }
	@echo "make run: starting stage $(STAGE) ($(SERVER_$(STAGE))); Ctrl-C stops it"
	./$(SERVER_$(STAGE))

# ---- the teaching diffs ------------------------------------------------
# make diff FROM=2 TO=3 shows what stage 3 adds to stage 2; FROM and TO may
# also name the stage 3 models: fork, prefork, thread.
MAIN_1 = stage1-echo/echo_server.c
MAIN_2 = stage2-quiz/quiz_server.c
MAIN_3 = stage3-concurrent/quiz_thread.c
MAIN_fork = stage3-concurrent/quiz_fork.c
MAIN_prefork = stage3-concurrent/quiz_prefork.c
MAIN_thread = stage3-concurrent/quiz_thread.c
HANDLER_1 = stage1-echo/echo.c
HANDLER_2 = stage2-quiz/quiz.c
HANDLER_3 = stage3-concurrent/quiz.c
FROM ?= 2
TO ?= 3

diff:
	@test -n "$(MAIN_$(FROM))" -a -n "$(MAIN_$(TO))" || \
		{ echo "usage: make diff FROM=N TO=M (1..3, fork, prefork, thread)"; exit 2; }
	@diff -u $(MAIN_$(FROM)) $(MAIN_$(TO)); true
	@if [ -n "$(HANDLER_$(FROM))" ] && [ -n "$(HANDLER_$(TO))" ]; then \
		diff -u $(HANDLER_$(FROM)) $(HANDLER_$(TO)) && \
		echo "($(HANDLER_$(FROM)) and $(HANDLER_$(TO)) are the same)"; \
	fi; true

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin

clean:
	rm -f $(PROGRAMS) $(TEST_RUNNER) */*.o */*.d
	rm -rf build

-include $(wildcard */*.d)
