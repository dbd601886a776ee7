#!/usr/bin/env python3
# Stage 2, broken: writes the verdict with f.write(), which adds no '\n'.
# stagecheck 2: FAIL right answer, "the verdict came without its \n".
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
        a, b = random.randint(0, 9), random.randint(0, 9)
        print(f'{a}+{b}', file=fout, flush=True)
        try:
            right = int(fin.readline()) == a + b
        except ValueError:
            right = False
        fout.write('yes' if right else 'no')
        fout.flush()
