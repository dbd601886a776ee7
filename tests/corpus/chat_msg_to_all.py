#!/usr/bin/env python3
# Stage 4-2, broken: /nick works, but /msg NAME TEXT goes to everyone.
# stagecheck 4: the checks pass; EXTRA /msg NAME TEXT: not found, "not
# private".
import socket
import sys
import threading

users = {}  # file -> nickname
lock = threading.Lock()


def send_all(text):
    with lock:
        for user in users:
            try:
                print(text, file=user, flush=True)
            except OSError:
                pass


def serve(cs, number):
    fin, fout = cs.makefile('r', encoding='utf-8', errors='replace'), cs.makefile('w', encoding='utf-8')
    with lock:
        users[fout] = f'user{number}'
    try:
        for line in fin:
            words = line.split()
            if words[:1] == ['/nick'] and len(words) == 2:
                users[fout] = words[1]
            elif words[:1] == ['/msg'] and len(words) >= 3:
                send_all(f'{users[fout]} to {words[1]}: {" ".join(words[2:])}')
            else:
                send_all(f'{users[fout]}: {line.rstrip()}')
    finally:
        with lock:
            del users[fout]
        cs.close()


port = int(sys.argv[2]) if len(sys.argv) > 2 else 10004
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', port))
s.listen(5)
print('listening on 0.0.0.0:%d' % s.getsockname()[1], file=sys.stderr, flush=True)
number = 0
while True:
    cs, addr = s.accept()
    number += 1
    threading.Thread(target=serve, args=(cs, number), daemon=True).start()
