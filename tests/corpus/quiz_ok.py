#!/usr/bin/env python3
# Stage 2, correct: the quiz over makefile(), one client at a time, that
# says no to what is not a number.  stagecheck 2: all checks pass.
# stagecheck 3 fails it: "only one client is served at a time".
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
    cs.settimeout(10)
    with cs, cs.makefile('r') as fin, cs.makefile('w') as fout:
        a, b = random.randint(0, 9), random.randint(0, 9)
        try:
            print(f'{a}+{b}', file=fout, flush=True)
            try:
                right = int(fin.readline().strip()) == a + b
            except ValueError:
                right = False
            print('yes' if right else 'no', file=fout, flush=True)
        except OSError:
            pass
