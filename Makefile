# socket-workshop - build, test and run every stage.
#
#   make                 build every program, in place, in its stage folder
#   make test            install what the tests need, then run them all
#   make run [STAGE=N]   start the game server (or stage N's server)
#   make diff FROM=2 TO=3    what a stage adds to the one before
#   make doctor          is this machine ready for the workshop?
#   make asan / tsan     the whole test suite under the sanitizers
#   make portable        strict POSIX, musl and compat.c's fallbacks (CI)
#   make test-slides / test-room   the pages in a headless browser (CI)
#   make install / uninstall [PREFIX=/usr/local] [DESTDIR=...]
#   make clean
#
# CC, CFLAGS, CPPFLAGS, LDFLAGS, LDLIBS, PKG_CONFIG, PREFIX and DESTDIR are
# respected: a user's flags are added to the project's, which live in
# INCLUDES and LIBS (write `foo.o: INCLUDES += -Idir`, never CPPFLAGS +=,
# so that `make CPPFLAGS=-DX` still finds the headers).

CC      ?= cc
CFLAGS  ?= -O2 -g
PREFIX  ?= /usr/local
bindir  ?= $(PREFIX)/bin
PKG_CONFIG ?= pkg-config
# -Werror is for make test and CI (they set WERROR=-Werror): a newer
# compiler's new warning must not stop a learner's plain `make`.
WERROR  ?=
STD     ?= -std=gnu11
WARN     = $(STD) -Wall -Wextra $(WERROR)
ALL_CFLAGS = $(WARN) -pthread $(CFLAGS)
INCLUDES = -Icommon
LIBS     = -pthread

.DEFAULT_GOAL := all

COMMON = common/net.o common/compat.o

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
STAGE4 = stage4-chat/chat_server stage4-chat/chat_client
stage4-chat/chat_server: stage4-chat/chat_server.o \
			 stage4-chat/chat_users.o stage4-chat/chat_commands.o \
			 stage4-chat/chat.o \
			 stage4-chat/outbox.o $(COMMON)
stage4-chat/chat_client: stage4-chat/chat_client.o $(COMMON)
TEST_SUITES += tests/test_stage4.o
TEST_UNITS  += stage4-chat/chat.o stage4-chat/outbox.o
tests/test_stage4.o: INCLUDES += -Istage4-chat

# ---- stage 5: game ---------------------------------------------------------
# The lesson (what learners build): the server, its world, the protocol, in
# stage5-game/.  The bots and the graphical client are handed out: their
# rules follow in sections of their own.  Every program is built in
# stage5-game/ itself.
STAGE5 = stage5-game/game_server
stage5-game/game_server: stage5-game/game_server.o stage5-game/game_world.o \
			 stage5-game/game.o $(COMMON)
# game.c uses the maths library (fmin, hypot...).
stage5-game/game_server tests/run_tests: LIBS += -lm
TEST_SUITES += tests/test_stage5.o
TEST_UNITS  += stage5-game/game.o stage5-game/game_world.o
tests/test_stage5.o: INCLUDES += -Istage5-game

# ---- handed out with stage 5: the bots ----------------------------------------
# play.c: how a computer aims, fires and spawns, for the bots and the
# client's shots and autopilot.
STAGE5 += stage5-game/game_bot
stage5-game/game_bot: stage5-game/bots/game_bot.o stage5-game/bots/play.o \
		      stage5-game/game.o $(COMMON)
stage5-game/game_bot: LIBS += -lm
stage5-game/bots/%.o stage5-game/client/%.o: INCLUDES += -Istage5-game \
	-Istage5-game/bots

# ---- handed out with stage 5: the graphical client ---------------------------
# Only where SDL2 and SDL2_ttf are installed (`make test` installs them);
# elsewhere one line says what to install and the rest still builds.
CLIENT_UNITS = stage5-game/client/client_state.o \
	       stage5-game/client/client_net.o stage5-game/bots/play.o \
	       stage5-game/game.o
ifeq ($(shell $(PKG_CONFIG) --exists sdl2 SDL2_ttf 2>/dev/null && echo yes),yes)
STAGE5 += stage5-game/game_client
stage5-game/game_client: stage5-game/client/game_client.o \
			 stage5-game/client/client_draw.o $(CLIENT_UNITS) $(COMMON)
stage5-game/game_client: LIBS += $(shell $(PKG_CONFIG) --libs sdl2 SDL2_ttf) -lm
stage5-game/client/game_client.o stage5-game/client/client_draw.o: \
	INCLUDES += $(shell $(PKG_CONFIG) --cflags sdl2 SDL2_ttf)
else
$(info game_client skipped: $(PKG_CONFIG) finds no sdl2 SDL2_ttf: install libsdl2-dev libsdl2-ttf-dev (sh tests/install-deps.sh installs them, or says how))
endif
TEST_SUITES += tests/test_client.o
TEST_UNITS  += $(CLIENT_UNITS)
tests/test_client.o: INCLUDES += -Istage5-game -Istage5-game/client \
	-Istage5-game/bots


PROGRAMS = $(STAGE1) $(STAGE2) $(STAGE3) $(STAGE4) $(STAGE5)

# printable_copy(): a text from the network, made safe to show on one
# line; the room's reports and the checker's transcripts both need it.
PRINTABLE = tests/printable.o
TEST_UNITS += $(PRINTABLE)

# ---- reporting to the room --------------------------------------------------
# room_post(): the learner's tools (stagecheck --room, ask) talk to the
# instructor's tests/room_server with it; dial() connects with a time limit.
ROOM_CLIENT = tests/room_client.o tests/dial.o
TEST_SUITES += tests/test_room_client.o
TEST_UNITS  += $(ROOM_CLIENT)

# ---- the room ------------------------------------------------------------
# make room: the instructor's tests/room_server on port 10010 (ROOM_FLAGS,
# e.g. "-f room.state"); tests/ask puts a learner's question in its queue.
# The parser and the state (tests/room/) are tested on their own too.
ROOM_UNITS = tests/room/report.o tests/room/state.o tests/room/json.o \
	     tests/room/store.o
PROGRAMS += tests/room_server tests/ask
tests/room_server: tests/room/room_server.o tests/room/http.o \
		   tests/room/page.o $(ROOM_UNITS) $(PRINTABLE) $(COMMON)
tests/room/page.o: tests/room/page.html
tests/room/%.o: INCLUDES += -Itests/room
tests/ask: tests/ask.o $(ROOM_CLIENT) $(COMMON)
TEST_SUITES += tests/test_room.o
TEST_UNITS  += $(ROOM_UNITS)
tests/test_room.o: INCLUDES += -Itests/room
ROOM_FLAGS ?= -f room.state

room: tests/room_server
	./tests/room_server $(ROOM_FLAGS)

# make test-room: the room's page in a real headless browser (Debian's
# chromium, driven by playwright-core, pinned in tests/room/package.json:
# npm ci fetches it once), and a screenshot of the page in
# build/room-page.png (ROOM_SCREENSHOT=tests/room/room-page.png renews the
# README's).  Like test-slides, it runs in CI (.ci/run).
ROOM_DRIVER = tests/room/node_modules/playwright-core/package.json
ROOM_SCREENSHOT ?= build/room-page.png

test-room: room-deps
	@$(MAKE) --no-print-directory run-test-room

room-deps:
	@sh tests/install-deps.sh room

run-test-room: tests/room_server tests/stagecheck stage1-echo/echo_server $(ROOM_DRIVER)
	@command -v chromium >/dev/null 2>&1 || { echo "make test-room needs" \
		"chromium: apt-get install -y chromium"; exit 1; }
	@mkdir -p build
	node tests/room/browser_test.mjs $(ROOM_SCREENSHOT)

$(ROOM_DRIVER):
	@command -v npm >/dev/null 2>&1 || { echo "make test-room needs node" \
		"and npm: apt-get install -y nodejs npm"; exit 1; }
	npm ci --prefix tests/room --no-audit --no-fund

# ---- the stage checker -------------------------------------------------------
# tests/stagecheck STAGE [HOST] [PORT] checks any running server (a
# learner's too) against a stage's protocol; see tests/STAGECHECK.md.
# It needs no Check.  Its corpus test compiles the C learner servers of
# tests/corpus/ itself, into a scratch folder.
PROGRAMS += tests/stagecheck
tests/stagecheck: tests/stagecheck.o tests/stagecheck_peer.o \
		  tests/stagecheck_echo.o tests/stagecheck_quiz.o \
		  tests/stagecheck_chat.o tests/stagecheck_game.o \
		  $(ROOM_CLIENT) $(PRINTABLE) $(COMMON)
tests/stagecheck: LIBS += -lm
TEST_SUITES += tests/test_stagecheck.o

# make stagecheck-long: 20 runs of `tests/stagecheck 5` against a game
# server with 3 bots, 20 with 8 and 20 with 40, all passing (make test does
# 3 of each).  For CI.
.PHONY: stagecheck-long test-room room-deps run-test-room
stagecheck-long: all $(TEST_RUNNER)
	STAGECHECK_RUNS=20 CK_RUN_SUITE=stagecheck CK_RUN_CASE="bots playing" \
		./$(TEST_RUNNER)

# ---- tests -------------------------------------------------------------
# One Check runner with a suite per file.  The Check flags are looked up
# when the runner is built, after `make test` has installed Check.
TEST_SUITES += tests/test_common.o tests/test_stage1.o tests/test_stage2.o \
	       tests/test_stage3.o tests/test_faults.o tests/test_bench.o
TEST_SUITES += tests/test_slides.o tests/test_exercises.o tests/test_setup.o
TEST_UNITS  += stage2-quiz/quiz.o
TEST_RUNNER = tests/run_tests

.PHONY: all test check-deps run-tests run newcomer diff asan tsan sanitize clean install uninstall portable bench fuzz soak valgrind \
	slides test-slides screenshots exercises doctor clean-slides room test-room

all: $(PROGRAMS)

$(PROGRAMS):
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) $(LDLIBS)

%.o: %.c
	$(CC) $(ALL_CFLAGS) $(INCLUDES) $(CPPFLAGS) -MMD -MP -c -o $@ $<

tests/%.o: INCLUDES += -Itests $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
tests/test_stage2.o: INCLUDES += -Istage2-quiz

$(TEST_RUNNER): tests/run_tests.o tests/harness.o tests/spawn.o $(TEST_SUITES) $(TEST_UNITS) $(COMMON)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $$($(PKG_CONFIG) --libs check) $(LIBS) $(LDLIBS)

# `make test` = make sure Check is there, then build and run in a new make,
# which sees the freshly installed Check.
test: check-deps
	@$(MAKE) --no-print-directory run-tests WERROR=-Werror

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

sanitize: build-copy-$(SAN)
	CK_TIMEOUT_MULTIPLIER=4 $(MAKE) -C build/$(SAN) --no-print-directory \
		run-tests CC="$(CC)" CFLAGS="$(SAN_$(SAN))" \
		LDFLAGS="$(SAN_$(SAN))" WERROR=-Werror

# build/NAME: a clean copy of the C sources, to build in another way.
build-copy-%:
	rm -rf build/$*
	mkdir -p build/$*
	cp -r Makefile README.md common stage*-* tests build/$*/
	$(MAKE) -C build/$* --no-print-directory clean

# ---- portability ---------------------------------------------------------
# make portable: what CI can prove here of macOS and the BSDs (see
# common/compat.h), each build warning-free with -Werror:
#  - every C file as strict C11 and POSIX.1-2008, no _GNU_SOURCE (only
#    common/compat.c asks for more);
#  - every program that needs neither SDL2 nor Check with musl libc;
#  - compat.c's portable fallbacks (-DCOMPAT_FALLBACK), with the tests of
#    the stages that use them (fork, prefork, the game's clock).
STRICT = -std=c11 -D_POSIX_C_SOURCE=200809L
MUSL_PROGRAMS = $(filter-out stage5-game/game_client,$(PROGRAMS)) $(BENCH) \
		$(PRACTICE)

portable: build-copy-posix build-copy-musl build-copy-fallback
	@sh tests/install-deps.sh test portable
	@! grep -rln _GNU_SOURCE --include='*.[ch]' --exclude-dir=node_modules \
		common stage*-* tests \
		slides | grep -v '^common/compat\.c$$' || \
		{ echo "portable: _GNU_SOURCE outside common/compat.c"; exit 1; }
	for b in posix musl; do mkdir -p build/$$b/slides && \
		cp -r slides/practice build/$$b/slides/ || exit 1; done
	$(MAKE) -C build/posix --no-print-directory STD="$(STRICT)" \
		WERROR=-Werror all $(BENCH) $(TEST_RUNNER) $(PRACTICE)
	$(MAKE) -C build/musl --no-print-directory CC=musl-gcc PKG_CONFIG=false \
		STD="$(STRICT)" WERROR=-Werror $(MUSL_PROGRAMS)
	$(MAKE) -C build/fallback --no-print-directory WERROR=-Werror \
		CPPFLAGS=-DCOMPAT_FALLBACK all $(TEST_RUNNER)
	cd build/fallback && CK_RUN_SUITE=stage3 ./$(TEST_RUNNER)
	cd build/fallback && CK_RUN_SUITE=stage5 ./$(TEST_RUNNER)

# ---- the benchmark -----------------------------------------------------
# make bench: every server design under the same load, tables in
# tests/results/results.md and charts drawn with gnuplot.  A smoke run of it
# (tests/test_bench.c) is part of make test.
BENCH = tests/bench
$(BENCH): tests/bench.o tests/bench_quiz.o tests/bench_chat.o \
	  tests/bench_game.o tests/bench_room.o tests/spawn.o $(COMMON)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) $(LDLIBS)
run-tests: $(BENCH)

bench: all $(BENCH)
	@sh tests/install-deps.sh bench
	./$(BENCH) $(BENCH_FLAGS)
	@case "$(BENCH_FLAGS)" in *-o*) ;; *) python3 tests/readme_numbers.py --update ;; esac

# ---- slides, exercises, doctor -----------------------------------------
# make slides     every deck, slides/*.md, to one HTML file in slides/html/,
#                 with its pictures beside it (works offline), with Marp
#                 CLI, pinned in slides/package.json: npm ci fetches it once.
# make exercises  a skeleton per practice, exercises/P/ (1-1 ... 5-4): its
#                 stage's sources with that practice's code cut out
#                 (slides/exercises.py); one that exists is kept.
# make doctor     what this machine lacks for the workshop, in plain words.
#                 ROOM=HOST[:PORT] [ROOM_NAME=NAME] also tells the room.
MARP = slides/node_modules/.bin/marp
# npm ci has run for the current package-lock.json (a new pin reinstalls).
SLIDES_NPM = slides/node_modules/.installed
PRACTICE = slides/practice/line_client

# The pictures: Graphviz sources, slides/pictures/*.dot, drawn as SVG
# beside them and copied next to the HTML; game.png comes from
# `make screenshots` and is committed, so no SDL is needed here.
PICTURES = $(patsubst %.dot,%.svg,$(wildcard slides/pictures/*.dot))

slides: $(SLIDES_NPM) $(PICTURES)
	@python3 slides/snippets.py --check >/dev/null || echo "make slides:" \
		"warning: some code blocks are stale: slides/snippets.py --update"
	@! command -v fc-list >/dev/null || fc-list :lang=ko family | \
		grep -q . || echo "make slides: warning: no Korean font, the" \
		"Korean text will show as boxes: apt-get install fonts-noto-cjk"
	rm -rf slides/html
	$(MARP) --no-stdin --config-file slides/marp.config.yml \
		--input-dir slides --output slides/html
	mkdir -p slides/html/pictures
	cp $(PICTURES) slides/pictures/*.png slides/html/pictures/

slides/pictures/%.svg: slides/pictures/%.dot
	@command -v dot >/dev/null 2>&1 || { echo "make slides needs" \
		"Graphviz's dot: apt-get install graphviz"; exit 1; }
	dot -Tsvg -o $@.tmp $<
	@# dot names the fonts it measured; a browser without them falls back
	@# to the generic family, not to a serif.
	sed -e 's/"DejaVu Sans Mono"/"DejaVu Sans Mono,monospace"/g' \
	    -e 's/"DejaVu Sans"/"DejaVu Sans,sans-serif"/g' $@.tmp >$@
	rm -f $@.tmp

# make screenshots  deck 05's picture of the game, slides/pictures/game.png,
#                   from game_client's screenshot mode (needs SDL2).
screenshots: all
	sh slides/pictures/screenshot.sh

# make test-slides  every deck in headless Chromium (slides/test-render.mjs):
#                   fails when a slide's content leaves its frame or a
#                   Korean character is drawn as a box.
# Each of SLIDE_TESTS runs after make slides (.mjs with node, .sh with sh).
SLIDE_TESTS = slides/test-offline.sh slides/test-render.mjs

test-slides:
	@sh tests/install-deps.sh slides
	@$(MAKE) --no-print-directory slides
	@for t in $(SLIDE_TESTS); do \
		case $$t in *.mjs) run=node ;; *) run=sh ;; esac; \
		echo "$$run $$t"; $$run $$t || exit 1; \
	done

$(SLIDES_NPM): slides/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "make slides needs node" \
		"and npm: sh tests/install-deps.sh slides installs them"; exit 1; }
	npm ci --prefix slides --no-audit --no-fund
	touch $@

exercises:
	@command -v python3 >/dev/null 2>&1 || { echo "make exercises needs" \
		"python3: apt-get install -y python3 (macOS: brew install" \
		"python3; make doctor lists the rest)"; exit 1; }
	python3 slides/exercises.py

# The report is the result: make doctor exits 0 whatever it finds (the
# scripts themselves exit 1 when something is missing).
doctor:
	@if [ -n "$(ROOM)" ]; then sh tests/room/doctor_report.sh "$(ROOM)" "$(ROOM_NAME)"; else sh slides/doctor.sh; fi || true

# Practice 1-4's answer: stage 1's echo through the "file" interface.
$(PRACTICE): $(PRACTICE).o $(COMMON)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) $(LDLIBS)

clean: clean-slides
# exercises/ is left alone: it holds what the learners wrote.
clean-slides:
	rm -rf slides/html slides/png
	rm -f $(PICTURES)
	rm -f $(PRACTICE) $(PRACTICE).o $(PRACTICE).d

# ---- the soak ------------------------------------------------------------
# make soak [SOAK_SECONDS=N]: every server in turn, N seconds each (default
# 90, so about 10 minutes), under correct clients mixed with faults; its
# descriptors, threads and memory must stay flat and no client lose a
# message.  Prints each server's figures.
SOAK_SECONDS ?= 90

soak: all $(TEST_RUNNER)
	SOAK_SECONDS=$(SOAK_SECONDS) CK_RUN_SUITE=soak ./$(TEST_RUNNER)

# make valgrind: every server under memcheck with a few clients and faults:
# no memory error and no leak, or it fails.
valgrind: all $(TEST_RUNNER)
	VALGRIND=1 CK_RUN_SUITE=valgrind ./$(TEST_RUNNER)

# ---- fuzzing -----------------------------------------------------------
# make fuzz [FUZZ_SECONDS=N]: libFuzzer (clang) on the line reader, the chat
# command parser and the game message parser, each for N seconds, starting
# from the seeds in tests/fuzz/seeds/NAME.  What it finds new goes to
# build/fuzz/NAME; a crash stops it with the input saved in build/fuzz.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -Icommon \
	     -Istage4-chat -Istage5-game
FUZZ_lines = common/net.c common/compat.c
FUZZ_chat = stage4-chat/chat.c
FUZZ_game = stage5-game/game.c

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_lines) $(FUZZ_chat) $(FUZZ_game)
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_$*) -lm

fuzz:
	@sh tests/install-deps.sh fuzz
	@$(MAKE) --no-print-directory build/fuzz/fuzz_lines \
		build/fuzz/fuzz_chat build/fuzz/fuzz_game
	for t in lines chat game; do \
		mkdir -p build/fuzz/$$t && \
		build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
			-artifact_prefix=build/fuzz/ build/fuzz/$$t \
			tests/fuzz/seeds/$$t || exit 1; \
	done

# ---- running -----------------------------------------------------------
STAGE ?= 5
SERVER_1 = stage1-echo/echo_server
SERVER_2 = stage2-quiz/quiz_server
SERVER_3 = stage3-concurrent/quiz_thread
SERVER_4 = stage4-chat/chat_server
SERVER_5 = stage5-game/game_server
# Stage 5 starts 3 easy bots (game_bot -s easy, next to the server) so one
# person can play, and a newcomer has a fair first minute.
RUN_NEEDS_5 = stage5-game/game_bot
RUN_FLAGS_5 = -b 3

run: $(SERVER_$(STAGE)) $(RUN_NEEDS_$(STAGE))
	@test -n "$(SERVER_$(STAGE))" || { echo "no stage $(STAGE) yet: try STAGE=1..5"; exit 2; }
	@echo "make run: starting stage $(STAGE) ($(SERVER_$(STAGE))); Ctrl-C stops it"
	./$(SERVER_$(STAGE)) $(RUN_FLAGS_$(STAGE))

# make newcomer: the newcomer test of the client suite for a whole minute
# instead of 10 s (five rounds of 20 games at once): the easy bots' K/D
# against a newcomer that stage5-game/README.md quotes.
newcomer: all $(TEST_RUNNER)
	NEWCOMER_SECONDS=60 CK_RUN_SUITE=client CK_RUN_CASE=newcomer ./$(TEST_RUNNER)

# ---- the teaching diffs ------------------------------------------------
# make diff FROM=2 TO=3 shows what stage 3 adds to stage 2; FROM and TO may
# also name the stage 3 models: fork, prefork, thread.
MAIN_1 = stage1-echo/echo_server.c
MAIN_2 = stage2-quiz/quiz_server.c
MAIN_3 = stage3-concurrent/quiz_thread.c
MAIN_4 = stage4-chat/chat_server.c
MAIN_5 = stage5-game/game_server.c
MAIN_fork = stage3-concurrent/quiz_fork.c
MAIN_prefork = stage3-concurrent/quiz_prefork.c
MAIN_thread = stage3-concurrent/quiz_thread.c
HANDLER_1 = stage1-echo/echo.c
HANDLER_2 = stage2-quiz/quiz.c
HANDLER_3 = stage3-concurrent/quiz.c
# What a stage adds in a file of its own (stage 4: the list of users).
ADDED_4 = stage4-chat/chat_users.c
FROM ?= 2
TO ?= 3

# Stage 5's server shares little text with stage 4's, so a line-by-line
# diff would be one long hunk.  FROM=4 TO=5 compares their skeletons (the
# sections, the functions, where threads start), then the reader thread
# (read_lines) of both, then the new simulation thread in full; FULL=1
# gives the line-by-line diff anyway.
SKELETON = grep -E '^(static |int |void |bool )|^/\* ---- |pthread_create\(|spawn_thread\(' $(1) | \
	grep -v ';$$' | sed -e 's/[ -]*\*\/$$//' -e 's/[ -]*$$//' -e 's/ *{$$//'
FUNCTION = awk '/^static [a-z *]*[ *]$(2)\(/,/^}/' $(1)

diff:
	@test -n "$(MAIN_$(FROM))" -a -n "$(MAIN_$(TO))" || \
		{ echo "usage: make diff FROM=N TO=M (1..5, fork, prefork, thread)"; exit 2; }
ifeq ($(FROM)$(TO)$(FULL),45)
	@mkdir -p build/diff
	@$(call SKELETON,$(MAIN_4)) > build/diff/4.txt
	@$(call SKELETON,$(MAIN_5)) > build/diff/5.txt
	@echo "# The skeletons: sections, functions, threads started"
	@diff -u --label $(MAIN_4) --label $(MAIN_5) build/diff/4.txt build/diff/5.txt; true
	@$(call FUNCTION,$(MAIN_4),read_lines) > build/diff/4.txt
	@$(call FUNCTION,$(MAIN_5),read_lines) > build/diff/5.txt
	@echo; echo "# The reader thread, one per client: read_lines()"
	@diff -u --label $(MAIN_4) --label $(MAIN_5) build/diff/4.txt build/diff/5.txt; true
	@echo; echo "# New: the simulation thread, which owns time"
	@$(call FUNCTION,$(MAIN_5),sleep_until)
	@echo; $(call FUNCTION,$(MAIN_5),simulation_thread)
	@echo; echo "# Every line: make diff FROM=4 TO=5 FULL=1"
else
	@diff -u $(MAIN_$(FROM)) $(MAIN_$(TO)); true
endif
	@if [ -n "$(HANDLER_$(FROM))" ] && [ -n "$(HANDLER_$(TO))" ]; then \
		diff -u $(HANDLER_$(FROM)) $(HANDLER_$(TO)) && \
		echo "($(HANDLER_$(FROM)) and $(HANDLER_$(TO)) are the same)"; \
	fi; true
	@for f in $(ADDED_$(TO)); do diff -u /dev/null $$f; done; true

install: all
	install -d $(DESTDIR)$(bindir)
	install -m 755 $(PROGRAMS) $(DESTDIR)$(bindir)

uninstall:
	rm -f $(addprefix $(DESTDIR)$(bindir)/,$(notdir $(PROGRAMS)))

clean:
	rm -f $(PROGRAMS) $(TEST_RUNNER) $(BENCH) */*.o */*.d */*/*.o */*/*.d
	rm -rf build

-include $(wildcard */*.d */*/*.d)
