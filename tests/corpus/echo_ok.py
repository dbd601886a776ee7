#!/usr/bin/env python3
# Stage 1, correct: the workshop's echo server, bytes in, bytes out, one
# client after another.  stagecheck 1: all checks pass.
import socket
import sys

port = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', port))
s.listen(5)
print('listening on 0.0.0.0:%d' % s.getsockname()[1], file=sys.stderr, flush=True)
while True:
    cs, addr = s.accept()
    print('connect from', addr, file=sys.stderr, flush=True)
    while True:
        data = cs.recv(100)
        if not data:
            break
        cs.sendall(data)
    cs.close()
