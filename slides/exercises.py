#!/usr/bin/env python3
"""exercises.py - make the catch-up skeletons: `make exercises`.

For each stage, exercises/stageN/ gets common/, a copy of the stage's
folder and a small Makefile, with the lesson's part cut out of the stage's
sources.  The part is marked in the sources by two comment lines:

	/* exercise: <what to write> */
	...the lesson's code...
	/* end of exercise */

In the copy, the region becomes one line, "/* TODO: <what to write> */",
so the skeleton still builds (a function that does nothing yet) and shows
where to start.  Everything else is the finished, working code of the
stages before: a learner stuck on stage N starts stage N+1 from here.

    slides/exercises.py [--root DIR] [--out DIR] [STAGE...]
"""
import argparse
import os
import re
import shutil
import sys

# The stages, and the files whose exercise regions make that stage's
# lesson.  Stage 3's quiz.c is stage 2's, byte for byte, markers and all:
# stage 3 keeps it whole, as the working code it builds on.
STAGES = {
    1: ("stage1-echo", ["echo.c", "echo_client.c"], "10000"),
    2: ("stage2-quiz", ["quiz.c", "quiz_client.c"], "10001"),
    3: ("stage3-concurrent", ["quiz_fork.c", "quiz_prefork.c",
                              "quiz_thread.c"], "10001"),
    4: ("stage4-chat", ["chat_server.c", "chat_commands.c"], "10004"),
    5: ("stage5-game", ["game_world.c"], "10005"),
}

START = re.compile(r"^(\s*)/\* exercise: (.*) \*/$")
END = re.compile(r"^\s*/\* end of exercise \*/$")
SOURCE = re.compile(r"\.(c|h|md)$")

MAKEFILE_HEAD = """\
# A skeleton of {folder}: its sources with the lesson cut out, made by
# `make exercises` (slides/exercises.py).  Each TODO marks what to write.
#
#   make            build it (warnings about unused variables and
#                   functions point at the TODOs: fill them in)
#   make clean
#
# The rules are the stage's own, from the top Makefile.

CC      ?= cc
CFLAGS  ?= -O0 -g
WARN     = -std=gnu11 -Wall -Wextra
ALL_CFLAGS = $(WARN) -pthread $(CFLAGS)
CPPFLAGS += -Icommon
LDLIBS  += -pthread
COMMON = common/net.o

.DEFAULT_GOAL := all

"""

MAKEFILE_TAIL = """
all: $(STAGE{n})

$(STAGE{n}):
\t$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

%.o: %.c
\t$(CC) $(ALL_CFLAGS) $(CPPFLAGS) -c -o $@ $<

clean:
\trm -f $(STAGE{n}) */*.o

.PHONY: all clean
"""


class ExerciseError(Exception):
    pass


def cut_regions(text, path):
    """The text with every exercise region replaced by a TODO line, and
    the list of TODOs as (line number in the result, what to write)."""
    out, todos, region = [], [], None
    for number, line in enumerate(text.split("\n"), 1):
        start = START.match(line)
        if start:
            if region:
                raise ExerciseError("%s:%d: exercise inside an exercise"
                                    % (path, number))
            region = number
            out.append("%s/* TODO: %s */" % start.groups())
            todos.append((len(out), start.group(2)))
        elif END.match(line):
            if not region:
                raise ExerciseError("%s:%d: end of exercise without a start"
                                    % (path, number))
            region = None
        elif not region:
            out.append(line)
    if region:
        raise ExerciseError("%s:%d: exercise not ended" % (path, region))
    return "\n".join(out), todos


def drop_markers(text):
    """The finished code, without the marker lines."""
    return "\n".join(line for line in text.split("\n")
                     if not START.match(line) and not END.match(line))


def stage_rules(makefile, n):
    """The sections of the top Makefile about stage n ("# ---- stage n")."""
    sections, keep = [], False
    for line in makefile.split("\n"):
        if line.startswith("# ----"):
            keep = line.startswith("# ---- stage %d" % n)
        if keep:
            sections.append(line)
    if not sections:
        raise ExerciseError("no '# ---- stage %d' section in the Makefile" % n)
    return "\n".join(sections) + "\n"


def copy_sources(src_dir, dst_dir, transform):
    os.makedirs(dst_dir, exist_ok=True)
    for name in sorted(os.listdir(src_dir)):
        if SOURCE.search(name):
            with open(os.path.join(src_dir, name), encoding="utf-8") as f:
                text = transform(name, f.read())
            with open(os.path.join(dst_dir, name), "w", encoding="utf-8") as f:
                f.write(text)


def make_skeleton(root, out, n):
    folder, lesson_files, port = STAGES[n]
    dst = os.path.join(out, "stage%d" % n)
    shutil.rmtree(dst, ignore_errors=True)
    todos = []

    def transform(name, text):
        if name not in lesson_files:
            return drop_markers(text)
        text, found = cut_regions(text, os.path.join(folder, name))
        todos.extend((os.path.join(folder, name), line, what)
                     for line, what in found)
        return text

    copy_sources(os.path.join(root, "common"), os.path.join(dst, "common"),
                 lambda name, text: text)
    copy_sources(os.path.join(root, folder), os.path.join(dst, folder),
                 transform)
    if not todos:
        raise ExerciseError("%s: no exercise region in %s"
                            % (folder, ", ".join(lesson_files)))
    with open(os.path.join(root, "Makefile"), encoding="utf-8") as f:
        rules = stage_rules(f.read(), n)
    with open(os.path.join(dst, "Makefile"), "w", encoding="utf-8") as f:
        f.write(MAKEFILE_HEAD.format(folder=folder) + rules
                + MAKEFILE_TAIL.format(n=n))
    with open(os.path.join(dst, "TODO.md"), "w", encoding="utf-8") as f:
        f.write("# Stage %d: what to write\n\n" % n)
        f.write("Build with `make` here; the finished code is in the\n"
                "repository's `%s/`.\n\n" % folder)
        for path, line, what in todos:
            f.write("- `%s:%d`: %s\n" % (path, line, what))
        f.write("\nWhen your server runs, check it from the top of the "
                "repository:\n\n    tests/stagecheck %d localhost %s\n"
                % (n, port))
    return dst, todos


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--root", default=top,
                        help="the top of the repository")
    parser.add_argument("--out", help="where to write (default ROOT/exercises)")
    parser.add_argument("stages", nargs="*", type=int,
                        help="stages to make (default: all)")
    opts = parser.parse_args()
    out = opts.out or os.path.join(opts.root, "exercises")
    try:
        for n in opts.stages or sorted(STAGES):
            if n not in STAGES:
                raise ExerciseError("no exercise for stage %d" % n)
            dst, todos = make_skeleton(opts.root, out, n)
            print("%s: %d TODO(s), see its TODO.md" % (dst, len(todos)))
    except (ExerciseError, OSError) as e:
        sys.exit("exercises: %s" % e)


if __name__ == "__main__":
    main()
