#!/usr/bin/env python3
# broken_server.py - servers with the mistakes learners make, for the tests
# of tests/stagecheck: each must be caught with the right hint.
#
#     broken_server.py -p PORT MODE
#
# MODE is one of:
#   quiz-says-yes      stage 2 quiz that answers yes to everything
#   quiz-int-crash     the workshop's own quiz: int() of a non-number
#                      raises ValueError and ends the server
#   quiz-no-newline    sends the question without its '\n'
#   silent             accepts and never says a word
#   closes-at-once     accepts and closes at once
#   garbage            sends binary junk, NULs and a long line, then closes
#
# The learners' servers, right and wrong, are in tests/corpus/.
#
# Like every server of the contract, it prints "listening on HOST:PORT" to
# stderr and exits 0 on SIGTERM.
import argparse
import random
import signal
import socket
import sys
import time


def quiz(f, judge):
    a, b = random.randint(0, 9), random.randint(0, 9)
    print(f'{a}+{b}', file=f, flush=True)
    answer = f.readline()
    print('yes' if judge(answer, a + b) else 'no', file=f, flush=True)


def quiz_says_yes(conn):
    quiz(conn.makefile('rw'), lambda answer, right: True)


def quiz_int_crash(conn):
    # The workshop's server: int() of 'banana' raises ValueError, and
    # nothing catches it, so the whole server ends.
    quiz(conn.makefile('rw'), lambda answer, right: int(answer.strip()) == right)


def quiz_no_newline(conn):
    conn.sendall(b'3+5')
    time.sleep(5)


def silent(conn):
    time.sleep(30)


def closes_at_once(conn):
    pass


def garbage(conn):
    junk = bytes(random.getrandbits(8) for _ in range(20000))
    conn.sendall(junk + b'\0\n\r\nSPAWN x\nHIT\nPUTITEM 1 nan inf GUN\n' + b'7' * 100000)


# Stage 1 and 2 servers serve one client at a time.
ONE_AT_A_TIME = {
    'quiz-says-yes': quiz_says_yes,
    'quiz-int-crash': quiz_int_crash,
    'quiz-no-newline': quiz_no_newline,
    'silent': silent,
    'closes-at-once': closes_at_once,
    'garbage': garbage,
}


def serve_one_at_a_time(listener, handle):
    while True:
        conn, addr = listener.accept()
        print(f'connect from {addr[0]}:{addr[1]}', file=sys.stderr, flush=True)
        try:
            handle(conn)
        except (BrokenPipeError, ConnectionResetError):
            pass
        conn.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('-p', type=int, default=10001)
    parser.add_argument('mode')
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda signo, frame: sys.exit(0))
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(('0.0.0.0', args.p))
    listener.listen(5)
    print(f'listening on 0.0.0.0:{listener.getsockname()[1]}', file=sys.stderr, flush=True)
    serve_one_at_a_time(listener, ONE_AT_A_TIME[args.mode])


main()
