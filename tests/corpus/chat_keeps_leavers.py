#!/usr/bin/env python3
# Stage 4, broken: never takes a user who left off the list, so a send to
# a closed connection fails and ends the loop before the users after it.
# stagecheck 4: FAIL a newcomer hears the others, "a user who left is
# still in the list".
import socket
import sys
import threading

users = []
lock = threading.Lock()


def serve(cs):
    fin, fout = cs.makefile('r', encoding='utf-8', errors='replace'), cs.makefile('w', encoding='utf-8')
    with lock:
        users.append(fout)
    try:
        for line in fin:
            with lock:
                for user in users:
                    print(line, end='', file=user, flush=True)
    except OSError:
        pass


port = int(sys.argv[2]) if len(sys.argv) > 2 else 10004
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', port))
s.listen(5)
print('listening on 0.0.0.0:%d' % s.getsockname()[1], file=sys.stderr, flush=True)
while True:
    cs, addr = s.accept()
    threading.Thread(target=serve, args=(cs,), daemon=True).start()
