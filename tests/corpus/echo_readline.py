#!/usr/bin/env python3
# Stage 1, broken: reads whole lines, so "Hello socket" (no newline) never
# comes back.  stagecheck 1: FAIL echo ascii, "your server reads whole lines".
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
    f = cs.makefile('rwb')
    for line in f:
        f.write(line)
        f.flush()
    f.close()
    cs.close()
