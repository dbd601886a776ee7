#!/usr/bin/env python3
# Stage 1, broken: no SO_REUSEADDR, so right after a restart bind() fails
# with "Address already in use" and the server is not there.  stagecheck 1:
# FAIL connect, "set SO_REUSEADDR before bind()".
import socket
import sys

port = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
s = socket.socket()
s.bind(('0.0.0.0', port))
s.listen(5)
print('listening on 0.0.0.0:%d' % s.getsockname()[1], file=sys.stderr, flush=True)
while True:
    cs, addr = s.accept()
    while True:
        data = cs.recv(100)
        if not data:
            break
        cs.sendall(data)
    cs.close()
