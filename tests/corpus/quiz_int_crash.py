#!/usr/bin/env python3
# Stage 2, broken: the workshop's own int(f.readline()), with no try, so
# 'banana' raises ValueError and ends the server.  stagecheck 2: FAIL not
# a number, "int('banana') raises ValueError".
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
    answer = int(f.readline().strip())
    print('yes' if answer == a + b else 'no', file=f, flush=True)
    f.close()
    cs.close()
