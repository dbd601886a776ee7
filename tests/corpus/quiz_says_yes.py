#!/usr/bin/env python3
# Stage 2, broken: never compares the answer.  stagecheck 2: FAIL wrong
# answer, "a wrong sum got 'yes'".
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
    with cs, cs.makefile('r') as fin, cs.makefile('w') as fout:
        print(f'{random.randint(0, 9)}+{random.randint(0, 9)}', file=fout, flush=True)
        fin.readline()
        print('yes', file=fout, flush=True)
