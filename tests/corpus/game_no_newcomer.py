#!/usr/bin/env python3
# Stage 5, broken at step 1: relays every line to the others, but tells a
# newcomer nothing about the players already there.  stagecheck 5: FAIL a
# newcomer learns who is there, "send it a SPAWN for every player already
# there".
import socket
import sys
import threading

players = {}  # file -> its last SPAWN and POS lines
lock = threading.Lock()


def send_others(sender, line):
    with lock:
        for user in players:
            if user is not sender:
                try:
                    print(line, end='', file=user, flush=True)
                except OSError:
                    pass


def serve(cs):
    fin, fout = cs.makefile('r', errors='replace'), cs.makefile('w')
    with lock:
        players[fout] = {}
    try:
        for line in fin:
            kind = line.split(' ', 1)[0]
            if kind in ('SPAWN', 'POS'):
                with lock:
                    players[fout][kind] = line
            send_others(fout, line)
    finally:
        with lock:
            del players[fout]
        cs.close()


port = int(sys.argv[2]) if len(sys.argv) > 2 else 10005
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', port))
s.listen(5)
print('listening on 0.0.0.0:%d' % s.getsockname()[1], file=sys.stderr, flush=True)
while True:
    cs, addr = s.accept()
    threading.Thread(target=serve, args=(cs,), daemon=True).start()
