#!/usr/bin/env python3
"""run_snippets.py - run every Python snippet a learner may copy from the
READMEs and the slides, against our own servers, each with a time limit.

What runs:
- a ```python block, unless its first line is a comment that starts with
  "# a fragment" (on the page, so a reader sees it too, followed by why
  it does not run alone: "# a fragment: the handler, without its server");
- a `python3 -c "..."` line in any other block (a shell one-liner).

A snippet that names a stage's port (10000, 10001, 10004, 10005) runs
against that stage's real server, started for it with -p 0 from the top
of the tree; the port in the snippet becomes the server's.  A snippet must
exit 0, without a traceback, within TIME_LIMIT seconds; its stdin is
"5\\n" (an answer, for the quiz's terminal version).

    tests/run_snippets.py [FILE.md...]    (default: every README and deck)

Exit 0 when every snippet ran, 1 when one failed (or none was found).
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

TIME_LIMIT = 10
TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVERS = {
    "10000": ["stage1-echo/echo_server"],
    "10001": ["stage2-quiz/quiz_server"],
    "10004": ["stage4-chat/chat_server"],
    # As `make run` starts it: with players, so there is something to see.
    "10005": ["stage5-game/game_server", "-b", "3"],
}
PORT = re.compile(r"\b(1000[0-5])\b")
FENCE = re.compile(r"^```(\S*)")
ONE_LINER = re.compile(r'^python3 -c "(.*)"\s*(#.*)?$')


def snippets(path):
    """Yield (line number, code) for every snippet of a Markdown file."""
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        if not fence:
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines))
                    if lines[j].startswith("```")), len(lines))
        body = lines[i + 1:end]
        if fence.group(1) == "python":
            if not (body and body[0].startswith("# a fragment")):
                yield i + 2, "\n".join(body) + "\n"
        else:
            for k, line in enumerate(body):
                one = ONE_LINER.match(line.strip())
                if one:
                    yield i + 2 + k, one.group(1).replace('\\"', '"')
        i = end + 1


def start_server(argv, log):
    """Start one of our servers on a free port.  Returns (process, port)."""
    proc = subprocess.Popen([os.path.join(TOP, argv[0]), "-p", "0"] + argv[1:],
                            cwd=TOP, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=log)
    for _ in range(TIME_LIMIT * 20):
        log.seek(0)
        found = re.search(r"listening on \S+:(\d+)", log.read())
        if found:
            return proc, found.group(1)
        if proc.poll() is not None:
            break
        try:
            proc.wait(timeout=0.05)
        except subprocess.TimeoutExpired:
            pass
    proc.kill()
    proc.wait()
    raise RuntimeError("%s did not start" % argv[0])


def run(code):
    """Run one snippet, with its server if it names a port.  Returns None,
    or why it failed."""
    ports = set(PORT.findall(code))
    if len(ports) > 1:
        return "it names several ports: %s" % ", ".join(sorted(ports))
    server = None
    with tempfile.TemporaryFile("w+") as log:
        try:
            if ports:
                server, port = start_server(SERVERS[ports.pop()], log)
                code = PORT.sub(port, code)
            done = subprocess.run([sys.executable, "-c", code], cwd=TOP,
                                  input="5\n", capture_output=True,
                                  text=True, timeout=TIME_LIMIT)
        except subprocess.TimeoutExpired as e:
            return "no end within %d s (it hangs); it printed:\n%s" % (
                TIME_LIMIT, e.stdout.decode() if e.stdout else "")
        except RuntimeError as e:
            return str(e)
        finally:
            if server:
                server.terminate()
                server.wait()
    if done.returncode != 0 or "Traceback" in done.stderr:
        return "exit %d:\n%s%s" % (done.returncode, done.stdout, done.stderr)
    return None


def main():
    files = sys.argv[1:] or sorted(
        glob.glob(os.path.join(TOP, "*", "README.md"))
        + [os.path.join(TOP, "README.md")]
        + glob.glob(os.path.join(TOP, "slides", "[0-9]*.md")))
    ran = failed = 0
    for path in files:
        name = os.path.relpath(path, TOP)
        for line, code in snippets(path):
            problem = run(code)
            ran += 1
            if problem:
                failed += 1
                print("FAIL %s:%d: %s" % (name, line, problem))
            else:
                print("ok   %s:%d" % (name, line))
    print("snippets: %d run, %d failed" % (ran, failed))
    sys.exit(1 if failed or not ran else 0)


if __name__ == "__main__":
    main()
