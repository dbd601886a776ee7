#!/usr/bin/env python3
# Stage 1, broken: one recv() and one send() per client, as in practice
# 1-3, then it closes.  stagecheck 1: FAIL echo utf-8, "keep doing it in a
# loop until recv() returns 0 bytes".
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
    cs.send(cs.recv(100))
    cs.close()
