#!/usr/bin/env python3
"""snippets.py - keep the code on the slides equal to the code in the repo.

A code block on a slide is an HTML comment line naming its source, then a
fenced block:

    <!-- code: stage2-quiz/quiz.c -->                        the whole file
    <!-- code: stage2-quiz/quiz.c function=serve_quiz -->    one function
    <!-- code: stage2-quiz/quiz.c lines=/^int main/,/^}/ --> from the first
        line matching the first regex to the next line matching the second,
        widened to whole expressions: a range that would end inside one
        (an open bracket, a line ending in "||" or ",", an open comment)
        goes on to its end, and to the "}" of a block it opens
    <!-- exercise: stage1-echo/echo.c function=serve_echo -->  the same
        selectors, on the file as `make exercises` cuts it (a TODO in the
        place of each exercise region)
    <!-- diff: FROM=2 TO=3 -->         what `make -s diff FROM=2 TO=3` prints
    <!-- diff: FROM=2 TO=3 hunk=3 -->  only its third hunk (@@ ... @@),
        under the header lines of its file
    <!-- diff: FROM=3 TO=4 hunk=2 lines=/^ int main/,/^ \tparse/ -->
        the same, cut to a range of the hunk's lines

Paths are relative to the top of the repository; `make diff` runs there.
The date and time that diff prints after each file name are left out, so
the slides do not change when a file is only touched.

    slides/snippets.py --check    exit 1 and show the difference for every
                                  block that is not its source (make test)
    slides/snippets.py --update   rewrite every block from its source
"""
import argparse
import difflib
import glob
import os
import re
import subprocess
import sys

import exercises

SLIDES = os.path.dirname(os.path.abspath(__file__))
MARKER = re.compile(r"^<!-- (code|exercise|diff): (.*?) -->$")
FENCE = re.compile(r"^```")


class SnippetError(Exception):
    pass


# ---- What a marker points at ------------------------------------------------

def function_lines(lines, name):
    """A function definition: from its first line (in column 0, not a
    prototype) to the "}" that closes it, also in column 0."""
    head = re.compile(r"^[A-Za-z_].*\b" + re.escape(name) + r"\(")
    for start, line in enumerate(lines):
        if not head.search(line):
            continue
        # A prototype, maybe over several lines, ends with ";" before
        # any "{" in column 0: go on to the definition.
        body = next((i for i in range(start, len(lines))
                     if lines[i] == "{" or lines[i].rstrip().endswith(";")),
                    None)
        if body is None or lines[body] != "{":
            continue
        for end in range(body, len(lines)):
            if lines[end] == "}":
                return lines[start:end + 1]
    raise SnippetError("no function %s()" % name)


def range_bounds(lines, spec):
    """lines=/START/,/END/: regular expressions, searched in each line.
    Returns the indexes of the first and the last line."""
    m = re.fullmatch(r"/(.*)/,/(.*)/", spec)
    if not m:
        raise SnippetError("lines= wants /START/,/END/, not %s" % spec)
    start_re, end_re = re.compile(m.group(1)), re.compile(m.group(2))
    for start, line in enumerate(lines):
        if start_re.search(line):
            for end in range(start + 1, len(lines)):
                if end_re.search(lines[end]):
                    return start, end
            raise SnippetError("nothing matches /%s/ after /%s/"
                               % (m.group(2), m.group(1)))
    raise SnippetError("nothing matches /%s/" % m.group(1))


def code_text_of_lines(lines, spec):
    """lines=/START/,/END/ on C: the range, widened to whole expressions."""
    start, end = whole_expressions(lines, *range_bounds(lines, spec))
    return lines[start:end + 1]


def range_lines(lines, spec):
    start, end = range_bounds(lines, spec)
    return lines[start:end + 1]


# ---- Whole expressions: an excerpt of C never stops in the middle of one --

# What a line ends with when its expression goes on in the next one.
CONTINUED = re.compile(r"(\|\||&&|[-+*/%=<>!&|^?,(\[])\s*$")
# A condition whose statement is on the next line: `if (fd < 0)`.
CONTROL = re.compile(r"^\s*(\}\s*)?(if|while|for|switch|else)\b[^;{}]*$")
LITERAL = re.compile(r'"(?:\\.|[^"\\])*"|' + r"'(?:\\.|[^'\\])*'")


def code_of(line, in_comment):
    """The C code of a line without its comments and literals, and
    whether a /* comment is still open at its end."""
    code = ""
    while line:
        if in_comment:
            close = line.find("*/")
            if close < 0:
                return code, True
            line, in_comment = line[close + 2:], False
            continue
        line = LITERAL.sub('""', line)
        opened = [i for i in (line.find("/*"), line.find("//")) if i >= 0]
        if not opened:
            return code + line, False
        at = min(opened)
        code += line[:at]
        if line.startswith("//", at):
            return code, False
        line, in_comment = line[at + 2:], True
    return code, in_comment


def line_codes(lines):
    """Each line's C code (see code_of), read from the top of the file so
    a line inside a comment is known to be one, and whether a comment is
    still open at its end."""
    codes, in_comment = [], False
    for line in lines:
        code, in_comment = code_of(line, in_comment)
        if line.lstrip().startswith("#"):
            code = ";"  # a preprocessor line is complete
        codes.append((code.rstrip(), in_comment))
    return codes


def open_after(codes):
    """Brackets still open after these lines, the last line's code, and
    whether a comment is still open."""
    depth, last = 0, ""
    for code, _ in codes:
        depth += sum(code.count(c) for c in "([") - sum(code.count(c)
                                                        for c in ")]")
        if code.strip():
            last = code
    return depth, last, bool(codes) and codes[-1][1]


def whole_expressions(lines, start, end):
    """Widen lines[start:end + 1] until it holds whole expressions: back
    over lines that the first one continues, and on until every bracket is
    closed, no line ends in an operator and no comment is open.  Carried
    on to a "{", it goes on to the "}" that closes it."""
    codes = line_codes(lines)
    while start > 0 and CONTINUED.search(codes[start - 1][0]):
        start -= 1
    while start > 0 and open_after(codes[start:end + 1])[0] < 0:
        start -= 1
    widened = False
    while end + 1 < len(lines):
        depth, last, in_comment = open_after(codes[start:end + 1])
        if depth <= 0 and not in_comment and not CONTINUED.search(last) \
                and not CONTROL.search(last):
            break
        end += 1
        widened = True
    if widened and open_after(codes[start:end + 1])[1].endswith("{"):
        braces = 0
        for i in range(start, len(lines)):
            braces += codes[i][0].count("{") - codes[i][0].count("}")
            if i >= end and braces <= 0:
                end = i
                break
    return start, end


def parse_selectors(text):
    """key=value pairs; a lines= value may hold spaces: /a b/,/c d/."""
    pairs = re.findall(r"(\w+)=(/.*?/,/.*?/(?=\s|$)|\S+)", text)
    rest = re.sub(r"(\w+)=(/.*?/,/.*?/(?=\s|$)|\S+)", "", text)
    if rest.strip():
        raise SnippetError("cannot read %r" % rest.strip())
    return pairs


def code_text(root, args, cut_exercises=False):
    path, _, rest = args.partition(" ")
    selectors = parse_selectors(rest)
    try:
        with open(os.path.join(root, path), encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise SnippetError("cannot read %s: %s" % (path, e.strerror))
    if cut_exercises:
        text = exercises.cut_regions(text, path)[0]
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for key, value in selectors:
        if key == "function":
            lines = function_lines(lines, value)
        elif key == "lines":
            lines = code_text_of_lines(lines, value)
        else:
            raise SnippetError("unknown selector %s=" % key)
    return lines


def make_diff(root, stage_from, stage_to):
    env = dict(os.environ)
    env.pop("MAKEFLAGS", None)  # we may run inside make test
    env.pop("MAKELEVEL", None)
    run = subprocess.run(["make", "-s", "--no-print-directory", "-C", root,
                          "diff", "FROM=" + stage_from, "TO=" + stage_to],
                         capture_output=True, text=True, env=env, timeout=60)
    if run.returncode != 0:
        raise SnippetError("make diff FROM=%s TO=%s failed: %s"
                           % (stage_from, stage_to, run.stderr.strip()))
    # "--- path<TAB>2026-11-26 05:38:20.905 +0000" -> "--- path"
    return [re.sub(r"^(---|\+\+\+) (\S+)\t.*$", r"\1 \2", line)
            for line in run.stdout.rstrip("\n").split("\n")]


def select_hunk(lines, number):
    """The number-th hunk (from 1) with the ---/+++ lines of its file."""
    hunks, header, left = [], [], 0
    for line in lines:
        if left > 0:  # inside a hunk: its header says how many lines
            hunks[-1].append(line)
            left -= {" ": 2, "-": 1, "+": 1}.get(line[:1], 0)
        elif line.startswith("--- "):
            header = [line]
        elif line.startswith("+++ "):
            header.append(line)
        elif line.startswith("@@"):
            m = re.match(r"@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@", line)
            old, new = (int(n) if n is not None else 1 for n in m.groups())
            hunks.append(header + [line])
            left = old + new  # a context line counts on both sides
    if not 1 <= number <= len(hunks):
        raise SnippetError("no hunk %d: the diff has %d" % (number, len(hunks)))
    return hunks[number - 1]


def diff_text(root, args):
    """FROM=a TO=b [hunk=N [lines=/START/,/END/]]: with lines=, the
    file's ---/+++ lines and then only that range of the hunk (not its @@
    line, whose numbers change with every edit above it)."""
    fields = dict(parse_selectors(args))
    if "FROM" not in fields or "TO" not in fields:
        raise SnippetError("a diff wants FROM= and TO=")
    lines = make_diff(root, fields["FROM"], fields["TO"])
    if "hunk" in fields:
        lines = select_hunk(lines, int(fields["hunk"]))
        if "lines" in fields:
            lines = lines[:2] + range_lines(lines[3:], fields["lines"])
    return lines


def source_text(root, kind, args):
    if kind == "diff":
        return diff_text(root, args)
    return code_text(root, args, cut_exercises=(kind == "exercise"))


# ---- Decks --------------------------------------------------------------------

def blocks(deck_lines):
    """Yield (marker line index, kind, args, first code line, end fence)."""
    for i, line in enumerate(deck_lines):
        m = MARKER.match(line)
        if not m:
            continue
        if i + 1 >= len(deck_lines) or not FENCE.match(deck_lines[i + 1]):
            raise SnippetError("line %d: a fenced block must follow %s"
                               % (i + 1, line))
        for end in range(i + 2, len(deck_lines)):
            if FENCE.match(deck_lines[end]):
                yield i, m.group(1), m.group(2), i + 2, end
                break
        else:
            raise SnippetError("line %d: the block is not closed" % (i + 2))


def process(root, deck, update):
    """Check (or rewrite) one deck.  Returns the number of stale blocks."""
    with open(deck, encoding="utf-8") as f:
        lines = f.read().split("\n")
    stale = 0
    out, copied = [], 0
    for marker, kind, args, first, end in list(blocks(lines)):
        want = source_text(root, kind, args)
        have = lines[first:end]
        out += lines[copied:first] + want
        copied = end
        if have == want:
            continue
        stale += 1
        name = "%s:%d" % (os.path.relpath(deck, root), marker + 1)
        if not update:
            print("%s: the slide differs from %s %s" % (name, kind, args))
            sys.stdout.writelines(difflib.unified_diff(
                [l + "\n" for l in have], [l + "\n" for l in want],
                "slide", "source", n=1))
    out += lines[copied:]
    if update and stale:
        with open(deck, "w", encoding="utf-8") as f:
            f.write("\n".join(out))
        print("updated %d block(s) in %s" % (stale, os.path.relpath(deck, root)))
    return stale


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--check", action="store_true",
                      help="fail if a block differs from its source")
    what.add_argument("--update", action="store_true",
                      help="rewrite every block from its source")
    parser.add_argument("--root", default=os.path.dirname(SLIDES),
                        help="the top of the repository (default: ..)")
    parser.add_argument("decks", nargs="*",
                        help="decks to process (default: slides/*.md)")
    opts = parser.parse_args()
    decks = opts.decks or sorted(glob.glob(os.path.join(opts.root, "slides",
                                                        "[0-9]*.md")))
    stale = count = 0
    try:
        for deck in decks:
            count += sum(1 for _ in blocks(open(deck, encoding="utf-8")
                                           .read().split("\n")))
            stale += process(opts.root, deck, opts.update)
    except SnippetError as e:
        sys.exit("snippets: %s: %s" % (deck, e))
    if opts.check and stale:
        sys.exit("snippets: %d of %d block(s) differ from the sources: run "
                 "slides/snippets.py --update" % (stale, count))
    print("snippets: %d block(s) in %d deck(s) %s" % (
        count, len(decks), "checked" if opts.check else "up to date"))


if __name__ == "__main__":
    main()
