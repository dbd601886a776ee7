#!/usr/bin/env python3
# Stage 4, correct: the workshop's chat, a thread per user and a list of
# users; every line goes to everyone, the sender included.  stagecheck 4:
# all checks pass (the commands are extras it does not have).
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
                    try:
                        print(line, end='', file=user, flush=True)
                    except OSError:
                        pass
    finally:
        with lock:
            users.remove(fout)
        cs.close()


port = int(sys.argv[2]) if len(sys.argv) > 2 else 10004
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', port))
s.listen(5)
print('listening on 0.0.0.0:%d' % s.getsockname()[1], file=sys.stderr, flush=True)
while True:
    cs, addr = s.accept()
    threading.Thread(target=serve, args=(cs,), daemon=True).start()
