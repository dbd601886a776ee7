#!/usr/bin/env python3
# Stage 2, broken: print() to the socket's file without flush, so the
# question waits in Python's buffer while the server waits for the answer.
# stagecheck 2: FAIL question, "flush=True".
import random
import socket
import sys

port = int(sys.argv[2]) if len(sys.argv) > 2 else 10001
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', port))
s.listen(5)
print('listening on 0.0.0.0:%d' % s.getsockname()[1], file=sys.stderr, flush=True)
while True:
    cs, addr = s.accept()
    cs.settimeout(5)
    f = cs.makefile('rw')
    a, b = random.randint(0, 9), random.randint(0, 9)
    try:
        print(f'{a}+{b}', file=f)
        answer = f.readline().strip()
        print('yes' if answer == str(a + b) else 'no', file=f)
        f.close()
    except OSError:
        pass
    cs.close()
