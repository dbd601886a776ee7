# The workshop's own quiz client (practice 2), as the learners wrote it in
# Python: the socket wrapped in a file with makefile('rw'), readline(), and
# print(..., flush=True).  Instead of input() it answers by itself:
#     python3 workshop_quiz_client.py PORT right|wrong
import socket
import sys

port, mode = int(sys.argv[1]), sys.argv[2]
s = socket.socket()
s.settimeout(5)
s.connect(('127.0.0.1', port))
f = s.makefile('rw')
question = f.readline()
print(question, end='')
a, b = question.strip().split('+')
answer = int(a) + int(b) + (0 if mode == 'right' else 1)
print(answer, file=f, flush=True)
print(f.readline(), end='')
