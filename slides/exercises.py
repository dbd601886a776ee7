#!/usr/bin/env python3
"""exercises.py - a skeleton for every practice: `make exercises`.

For each practice P (1-1, 1-3, 1-4, 2, 3, 4, 4-2, 5-1 ... 5-4),
exercises/P/ gets common/, a copy of the folder the practice works in and
a small Makefile, with the practice's code cut out.  That code is marked
in the sources by two comment lines:

	/* exercise P: <what to write> */
	...the code the practice writes...
	/* end of exercise */

In the skeleton of practice P, each region tagged P becomes one line,
"/* TODO: <what to write> */", so the skeleton still builds and shows where
to start; every other region keeps its code (only the marker lines go).
The game is built in steps: the skeleton of 5-k cuts every region tagged
5-j with j >= k, so 5-1 is step 0 (it accepts players and does nothing
else) and 5-k has steps 1 .. k-1 done.  An untagged region
("/* exercise: ... */", the old form) belongs to the practice whose
files list names its file.

A skeleton that exists already is kept, with the learner's work in it:
delete its folder to start it over.

    slides/exercises.py [--root DIR] [--out DIR] [PRACTICE...]
    slides/exercises.py --list     one line per practice: tag, files to
                                   edit, how to build, run and check it
"""
import argparse
import os
import re
import shutil
import sys
from collections import namedtuple

# What a learner reads on the goal slide and in TODO.md.  `edit`: the
# files where the TODOs are; `run`: how to try it; `check`: the command
# that says it is done (None for a client: its output says it).
Practice = namedtuple("Practice", "tag title folder sections programs edit "
                      "run check done legacy")


def game_step(k):
    return Practice(
        "5-%d" % k, "the game server, step %d" % k, "stage5-game", [5],
        ["$(STAGE5)"], ["stage5-game/game_world.c"],
        "exercises/5-%d/stage5-game/game_server" % k,
        "tests/stagecheck 5 --step %d" % k,
        "steps 1 to %d pass" % k, [])


PRACTICES = [
    Practice("1-1", "your first client", "stage1-echo", [1], ["$(STAGE1)"],
             ["stage1-echo/echo_client.c"],
             "exercises/1-1/stage1-echo/echo_client localhost 10000",
             None, "it prints back Hello socket and 안녕 세계!", []),
    Practice("1-3", "the echo server", "stage1-echo", [1], ["$(STAGE1)"],
             ["stage1-echo/echo_server.c", "stage1-echo/echo.c"],
             "exercises/1-3/stage1-echo/echo_server",
             "tests/stagecheck 1", "every check passes", []),
    Practice("1-4", "the socket as a file", "slides/practice", [],
             ["slides/practice/line_client"],
             ["slides/practice/line_client.c"],
             "printf 'Hello socket\\n안녕 세계!\\n' | "
             "exercises/1-4/slides/practice/line_client",
             None, "it prints the two lines back and stops", []),
    Practice("2", "the quiz", "stage2-quiz", [2], ["$(STAGE2)"],
             ["stage2-quiz/quiz.c", "stage2-quiz/quiz_client.c"],
             "exercises/2/stage2-quiz/quiz_server",
             "tests/stagecheck 2", "every check passes", []),
    Practice("3", "many clients at once", "stage3-concurrent", [3],
             ["$(STAGE3)"],
             ["stage3-concurrent/quiz_thread.c",
              "stage3-concurrent/quiz_fork.c",
              "stage3-concurrent/quiz_prefork.c"],
             "exercises/3/stage3-concurrent/quiz_thread",
             "tests/stagecheck 3", "every check passes", []),
    Practice("4", "every line to everyone", "stage4-chat", [4],
             ["$(STAGE4)"], ["stage4-chat/chat_users.c"],
             "exercises/4/stage4-chat/chat_server",
             "tests/stagecheck 4", "every check passes", []),
    Practice("4-2", "/dice", "stage4-chat", [4], ["$(STAGE4)"],
             ["stage4-chat/chat_commands.c"],
             "exercises/4-2/stage4-chat/chat_server",
             "tests/stagecheck 4", "it prints EXTRA /dice N: supported",
             []),
] + [game_step(k) for k in range(1, 5)]

BY_TAG = {p.tag: p for p in PRACTICES}

# Practice 1-4's program is not a stage's: its rule, as in the top Makefile.
PRACTICE_RULES = """\
slides/practice/line_client: slides/practice/line_client.o $(COMMON)
"""

START = re.compile(r"^(\s*)/\* exercise(?: ([0-9]+(?:-[0-9]+)?))?: "
                   r"(.*) \*/$")
END = re.compile(r"^\s*/\* end of exercise \*/$")
SOURCE = re.compile(r"\.(c|h|md)$")

MAKEFILE_HEAD = """\
# The skeleton of practice {tag}, {title}: the sources of {folder} with
# the practice's code cut out, made by `make exercises`
# (slides/exercises.py).  Each TODO marks what to write; see TODO.md.
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
INCLUDES = -Icommon
LIBS     = -pthread
PKG_CONFIG ?= pkg-config
COMMON = common/net.o common/compat.o

.DEFAULT_GOAL := all

"""

MAKEFILE_TAIL = """
PROGRAMS = {programs}

all: $(PROGRAMS)

$(PROGRAMS):
\t$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) $(LDLIBS)

%.o: %.c
\t$(CC) $(ALL_CFLAGS) $(INCLUDES) $(CPPFLAGS) -c -o $@ $<

clean:
\trm -f $(PROGRAMS) */*.o */*/*.o

.PHONY: all clean
"""


class ExerciseError(Exception):
    pass


def cuts_for(tag):
    """Whether a region tagged `region_tag` is cut in practice `tag`'s
    skeleton: its own tag, and for a game step k every step from k on."""
    game = re.fullmatch(r"5-(\d)", tag)

    def cut(region_tag):
        if game:
            later = re.fullmatch(r"5-(\d)", region_tag or "")
            return bool(later) and int(later.group(1)) >= int(game.group(1))
        return region_tag == tag
    return cut


def cut_regions(text, path, cut=lambda region_tag: True, legacy=True):
    """The text with every exercise region that `cut` chooses replaced by
    a TODO line, the other regions without their markers, and the list of
    TODOs as (line number in the result, what to write).  An untagged
    region is cut when `legacy` is true."""
    out, todos, region = [], [], None
    for number, line in enumerate(text.split("\n"), 1):
        start = START.match(line)
        if start:
            if region:
                raise ExerciseError("%s:%d: exercise inside an exercise"
                                    % (path, number))
            indent, tag, what = start.groups()
            region = (number, legacy if tag is None else cut(tag))
            if region[1]:
                out.append("%s/* TODO: %s */" % (indent, what))
                todos.append((len(out), what))
        elif END.match(line):
            if not region:
                raise ExerciseError("%s:%d: end of exercise without a start"
                                    % (path, number))
            region = None
        elif not region or not region[1]:
            out.append(line)
    if region:
        raise ExerciseError("%s:%d: exercise not ended" % (path, region[0]))
    return "\n".join(out), todos


def makefile_sections(makefile, stages):
    """The sections of the top Makefile about the stages ("# ---- stage n")."""
    sections = []
    for n in stages:
        keep, found = False, False
        for line in makefile.split("\n"):
            if line.startswith("# ----"):
                keep = line.startswith("# ---- stage %d" % n)
                found = found or keep
            if keep:
                sections.append(line)
        if not found:
            raise ExerciseError("no '# ---- stage %d' section in the "
                                "Makefile" % n)
    return "\n".join(sections) + "\n"


def copy_tree(src_dir, dst_dir, transform):
    """Copy the sources of src_dir and its subfolders, through
    transform(path relative to src_dir, text)."""
    for here, folders, names in os.walk(src_dir):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        relative = os.path.relpath(here, src_dir)
        os.makedirs(os.path.join(dst_dir, relative), exist_ok=True)
        for name in sorted(names):
            if not SOURCE.search(name):
                continue
            path = os.path.normpath(os.path.join(relative, name))
            with open(os.path.join(src_dir, path), encoding="utf-8") as f:
                text = transform(path, f.read())
            with open(os.path.join(dst_dir, path), "w",
                      encoding="utf-8") as f:
                f.write(text)


def write_todo(dst, p, todos):
    with open(os.path.join(dst, "TODO.md"), "w", encoding="utf-8") as f:
        f.write("# Practice %s: %s\n\n" % (p.tag, p.title))
        f.write("Edit, where each TODO is (the finished code is the\n"
                "repository's `%s/`):\n\n" % p.folder)
        for path, line, what in todos:
            f.write("- `exercises/%s/%s:%d`: %s\n" % (p.tag, path, line, what))
        f.write("\nFrom the top of the repository:\n\n"
                "    make -C exercises/%s     # build\n"
                "    %s\n" % (p.tag, p.run))
        if p.check:
            f.write("    %s       # done when %s\n" % (p.check, p.done))
            f.write("\nIn the room, add `--room HOST` to the check: the "
                    "teacher sees how you are doing.\n")
        else:
            f.write("\nYou are done when %s.\n" % p.done)


def make_skeleton(root, out, p):
    """Write exercises/P.  Returns (folder, TODOs, made): a folder that
    exists is kept as it is (made is False)."""
    dst = os.path.join(out, p.tag)
    todos = []

    def transform(name, text):
        path = os.path.join(p.folder, name)
        text, found = cut_regions(text, path, cuts_for(p.tag),
                                  legacy=path in p.legacy)
        todos.extend((path, line, what) for line, what in found)
        return text

    # Cut into a new folder first: a broken marker leaves nothing behind.
    work = dst + ".new"
    shutil.rmtree(work, ignore_errors=True)
    copy_tree(os.path.join(root, "common"), os.path.join(work, "common"),
              lambda name, text: text)
    copy_tree(os.path.join(root, p.folder), os.path.join(work, p.folder),
              transform)
    if not todos:
        shutil.rmtree(work)
        raise ExerciseError("practice %s: no region tagged %s in %s/"
                            % (p.tag, p.tag, p.folder))
    with open(os.path.join(root, "Makefile"), encoding="utf-8") as f:
        rules = makefile_sections(f.read(), p.sections)
    if not p.sections:
        rules = PRACTICE_RULES
    with open(os.path.join(work, "Makefile"), "w", encoding="utf-8") as f:
        f.write(MAKEFILE_HEAD.format(tag=p.tag, title=p.title,
                                     folder=p.folder) + rules
                + MAKEFILE_TAIL.format(programs=" ".join(p.programs)))
    write_todo(work, p, todos)
    if os.path.exists(dst):
        shutil.rmtree(work)
        return dst, todos, False
    os.rename(work, dst)
    return dst, todos, True


def list_practices():
    for p in PRACTICES:
        print("%s\t%s\tmake -C exercises/%s\t%s\t%s"
              % (p.tag, " ".join("exercises/%s/%s" % (p.tag, e)
                                 for e in p.edit),
                 p.tag, p.run, p.check or "-"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--root", default=top,
                        help="the top of the repository")
    parser.add_argument("--out", help="where to write (default ROOT/exercises)")
    parser.add_argument("--list", action="store_true",
                        help="list the practices and stop")
    parser.add_argument("practices", nargs="*",
                        help="practices to make (default: all)")
    opts = parser.parse_args()
    if opts.list:
        list_practices()
        return
    out = opts.out or os.path.join(opts.root, "exercises")
    try:
        for tag in opts.practices or [p.tag for p in PRACTICES]:
            if tag not in BY_TAG:
                raise ExerciseError("no practice %s (there are %s)"
                                    % (tag, ", ".join(BY_TAG)))
            dst, todos, made = make_skeleton(opts.root, out, BY_TAG[tag])
            if made:
                print("%s: %d TODO(s), see its TODO.md" % (dst, len(todos)))
            else:
                print("%s: kept, with your work in it (delete it to start "
                      "over)" % dst)
    except (ExerciseError, OSError) as e:
        sys.exit("exercises: %s" % e)


if __name__ == "__main__":
    main()
