#!/usr/bin/env python3
# Stage 2, broken: closes the socket but not its makefile() file, which
# holds the connection open until the next client replaces f.
# stagecheck 2: FAIL closes after the verdict, "close the makefile() file".
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
    f = cs.makefile('rw')
    a, b = random.randint(0, 9), random.randint(0, 9)
    print(f'{a}+{b}', file=f, flush=True)
    try:
        right = int(f.readline()) == a + b
    except ValueError:
        right = False
    print('yes' if right else 'no', file=f, flush=True)
    cs.close()
