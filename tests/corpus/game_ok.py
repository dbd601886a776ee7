#!/usr/bin/env python3
# Stage 5, correct: all four steps as a learner writes them in Python, a
# thread per client and a simulation thread that moves the bullets, sends
# HIT and KILL, and places and hands out items.  A new player takes no
# damage for 2 s after its SPAWN or until it fires, as our contract says;
# no checks of speed or weapons (the workshop asks for none).
# stagecheck 5: all checks pass.
import random
import socket
import sys
import threading
import time

TICK = 1 / 60
PROTECTION = 2.0
players = {}  # id -> {'f': file, 'x', 'y', 'hp', 'alive', 'safe_until'}
files = []    # every client's file, spawned or not
bullets = []  # [atk, bullet_id, x, y, vx, vy, r, dmg]
items = {}    # item_id -> (x, y, kind)
lock = threading.Lock()


def send_all(line):
    for f in files:
        try:
            print(line, file=f, flush=True)
        except OSError:
            pass


def serve(cs):
    fin, fout = cs.makefile('r', errors='replace'), cs.makefile('w')
    my_id = None
    with lock:
        files.append(fout)
    try:
        for line in fin:
            w = line.split()
            try:
                if w[0] == 'SPAWN' and len(w) == 5:
                    new = my_id is None
                    my_id = int(w[1])
                    with lock:
                        if new:
                            for pid, p in players.items():
                                if p['alive']:
                                    print(f"SPAWN {pid} {p['x']} {p['y']} {p['hp']}", file=fout, flush=True)
                            for iid, (x, y, kind) in items.items():
                                print(f'PUTITEM {iid} {x} {y} {kind}', file=fout, flush=True)
                        players[my_id] = {'f': fout, 'x': float(w[2]), 'y': float(w[3]),
                                          'hp': 100.0, 'alive': True,
                                          'safe_until': time.time() + PROTECTION}
                        send_all(f'SPAWN {my_id} {w[2]} {w[3]} 100')
                elif w[0] == 'POS' and len(w) == 8 and int(w[1]) == my_id:
                    with lock:
                        players[my_id]['x'], players[my_id]['y'] = float(w[2]), float(w[3])
                        send_all(line.rstrip())
                elif w[0] == 'FIRE' and len(w) == 9 and int(w[1]) == my_id:
                    with lock:
                        players[my_id]['safe_until'] = 0
                        bullets.append([my_id, int(w[2])] + [float(n) for n in w[3:9]])
                        send_all(line.rstrip())
            except (ValueError, KeyError):
                pass
    except OSError:
        pass
    finally:
        with lock:
            files.remove(fout)
            players.pop(my_id, None)
        cs.close()


def hit_players(b):
    for pid, p in players.items():
        if time.time() < p['safe_until']:
            continue
        if pid != b[0] and p['alive'] and (p['x'] - b[2]) ** 2 + (p['y'] - b[3]) ** 2 < (15 + b[6]) ** 2:
            p['hp'] -= b[7]
            send_all(f"HIT {b[0]} {pid} {b[1]} {p['hp']}")
            if p['hp'] <= 0:
                p['alive'] = False
                send_all(f'KILL {b[0]} {pid}')
            return True
    return False


def announce_pickup(pid, iid, kind):
    send_all(f'GETITEM {pid} {iid} {kind}')


def simulate():
    next_item, item_id = 0, 0
    while True:
        time.sleep(TICK)
        with lock:
            for b in bullets[:]:
                b[2] += b[4] * TICK
                b[3] += b[5] * TICK
                if hit_players(b) or not (0 <= b[2] <= 800 and 0 <= b[3] <= 600):
                    bullets.remove(b)
            for iid, (x, y, kind) in list(items.items()):
                for pid, p in players.items():
                    if p['alive'] and (p['x'] - x) ** 2 + (p['y'] - y) ** 2 < 25 ** 2:
                        del items[iid]
                        announce_pickup(pid, iid, kind)
                        break
            if time.time() > next_item and len(items) < 5:
                next_item, item_id = time.time() + 5, item_id + 1
                x, y = random.uniform(50, 750), random.uniform(50, 550)
                items[item_id] = (x, y, random.choice(['BIGGUN', 'SHOTGUN', 'MINIGUN']))
                send_all(f'PUTITEM {item_id} {x} {y} {items[item_id][2]}')


def main():
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 10005
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('0.0.0.0', port))
    s.listen(5)
    print('listening on 0.0.0.0:%d' % s.getsockname()[1], file=sys.stderr, flush=True)
    threading.Thread(target=simulate, daemon=True).start()
    while True:
        cs, addr = s.accept()
        threading.Thread(target=serve, args=(cs,), daemon=True).start()


if __name__ == '__main__':
    main()
