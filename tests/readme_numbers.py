#!/usr/bin/env python3
"""readme_numbers.py - the figures the README quotes, from make bench's
tests/results/results.md, so that the two cannot drift apart.

Every figure in the README that comes from a run is written between two
markers that say where it comes from:

    <!--n [answer after 0 ms] fork,100 "CPU s per 1000 sessions" .2f-->0.33<!--/n-->

that is: the table under the heading that contains "answer after 0 ms",
the row whose first cells are "fork" and "100", the column headed "CPU s
per 1000 sessions", printed with the Python format ".2f".  A ratio of two
such figures is written  REF / REF FORMAT , e.g.

    <!--n [answer after 0 ms] fork,100 "CPU s per 1000 sessions" /
          [answer after 0 ms] prefork,100 "CPU s per 1000 sessions" .1f-->

and a whole table (its header and the rows whose cell in COLUMN is one of
the values) as

    <!--table [answer after 0 ms] cols=8 where="clients" in 10,100-->
    ...
    <!--/table-->

A line of results.md that starts with a word and a colon (e.g. "Goal:")
is quoted whole with  <!--line Goal-->...<!--/line--> .

    tests/readme_numbers.py --check     exit 1 if a figure differs (make test)
    tests/readme_numbers.py --update    rewrite the figures (make bench does)
"""
import argparse
import re
import sys

FIGURE = re.compile(r'<!--n (.*?)-->(.*?)<!--/n-->', re.S)
TABLE = re.compile(r'<!--table (.*?)-->\n(.*?)<!--/table-->', re.S)
LINE = re.compile(r'<!--line (\w+)-->(.*?)<!--/line-->', re.S)
REF = re.compile(r'\s*\[([^\]]+)\]\s+(\S+)\s+"([^"]+)"\s*')


class NumbersError(Exception):
    pass


def read_tables(text):
    """{heading: (header cells, [row cells])} for each table of results.md,
    named by the last heading above it."""
    tables, heading, lines = {}, None, text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif line.startswith("|") and (i == 0 or not lines[i - 1].startswith("|")):
            rows = []
            for row in lines[i:]:
                if not row.startswith("|"):
                    break
                rows.append([c.strip() for c in row.strip("|").split("|")])
            tables[heading] = (rows[0], rows[2:])
    return tables


def find_table(tables, name):
    found = [h for h in tables if name in h]
    if len(found) != 1:
        raise NumbersError("%d tables under a heading with %r" % (len(found), name))
    return tables[found[0]]


def cell(tables, table, row, column):
    header, rows = find_table(tables, table)
    if column not in header:
        raise NumbersError("no column %r under %r" % (column, table))
    keys = row.split(",")
    for r in rows:
        if r[:len(keys)] == keys:
            return float(r[header.index(column)])
    raise NumbersError("no row %r under %r" % (row, table))


def figure(tables, spec):
    """The text a figure's marker asks for."""
    parts = spec.rsplit(None, 1)
    if len(parts) != 2:
        raise NumbersError("no format in %r" % spec)
    refs, fmt = parts
    values = []
    for ref in refs.split(" / "):
        m = REF.fullmatch(ref)
        if not m:
            raise NumbersError("cannot read %r" % ref)
        values.append(cell(tables, *m.groups()))
    value = values[0] / values[1] if len(values) == 2 else values[0]
    return format(value, fmt)


def table(tables, spec):
    m = re.fullmatch(r'\[([^\]]+)\]\s+cols=(\d+)\s+where="([^"]+)" in (\S+)', spec)
    if not m:
        raise NumbersError("cannot read table %r" % spec)
    name, cols, column, values = m.group(1), int(m.group(2)), m.group(3), m.group(4)
    header, rows = find_table(tables, name)
    at = header.index(column)
    keep = [r for v in values.split(",") for r in rows if r[at] == v]
    out = ["| " + " | ".join(header[:cols]) + " |",
           "|" + "|".join(["---"] + ["---:"] * (cols - 1)) + "|"]
    out += ["| " + " | ".join(r[:cols]) + " |" for r in keep]
    return "\n".join(out) + "\n"


def result_line(results, word):
    for line in results.split("\n"):
        if line.startswith(word + ":"):
            return line
    raise NumbersError("no line %r in the results" % word)


def fill(readme, results):
    tables = read_tables(results)
    readme = FIGURE.sub(lambda m: "<!--n %s-->%s<!--/n-->"
                        % (m.group(1), figure(tables, m.group(1))), readme)
    readme = TABLE.sub(lambda m: "<!--table %s-->\n%s<!--/table-->"
                       % (m.group(1), table(tables, m.group(1))), readme)
    return LINE.sub(lambda m: "<!--line %s-->%s<!--/line-->"
                    % (m.group(1), result_line(results, m.group(1))), readme)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--update", action="store_true")
    parser.add_argument("--readme", default="README.md")
    parser.add_argument("--results", default="tests/results/results.md")
    opts = parser.parse_args()
    with open(opts.readme, encoding="utf-8") as f:
        readme = f.read()
    with open(opts.results, encoding="utf-8") as f:
        results = f.read()
    try:
        want = fill(readme, results)
    except NumbersError as e:
        sys.exit("readme_numbers: %s" % e)
    count = len(FIGURE.findall(readme)) + len(TABLE.findall(readme))
    if opts.update:
        with open(opts.readme, "w", encoding="utf-8") as f:
            f.write(want)
        print("readme_numbers: %d figure(s) and table(s) filled in" % count)
    elif want != readme:
        for old, new in zip(readme.split("\n"), want.split("\n")):
            if old != new:
                print("README:  %s\nresults: %s" % (old, new))
        print("readme_numbers: %s disagrees with %s: run make bench, or "
              "tests/readme_numbers.py --update" % (opts.readme, opts.results))
        sys.exit(1)
    else:
        print("readme_numbers: %d figure(s) and table(s) agree" % count)


if __name__ == "__main__":
    main()
