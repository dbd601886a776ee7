#!/usr/bin/env python3
# Stage 5, broken at step 4: game_ok.py, except that GETITEM goes to the
# other players only, the way POS and FIRE are relayed, and not to the
# player who took the item.  stagecheck 5: FAIL GETITEM, "send GETITEM to
# everyone, the player who took the item too".
import game_ok


def announce_to_the_others(pid, iid, kind):
    taker = game_ok.players[pid]['f']
    for f in game_ok.files:
        if f is not taker:
            try:
                print(f'GETITEM {pid} {iid} {kind}', file=f, flush=True)
            except OSError:
                pass


game_ok.announce_pickup = announce_to_the_others
game_ok.main()
