#!/bin/sh
# screenshot.sh - deck 05's picture of the game, slides/pictures/game.png:
# the real game_client, in its screenshot mode under SDL's dummy video
# driver (no screen needed), against game_server -p 0 -b 3 on loopback.
# `make screenshots` runs it; the PNG is committed, so `make slides` needs
# no SDL.
#
#   sh slides/pictures/screenshot.sh [FRAMES [OUT.png]]
#       FRAMES: 60 a second (default 300); OUT: slides/pictures/game.png
set -eu

cd "$(dirname "$0")/../.."
frames=${1:-300}
out=${2:-slides/pictures/game.png}
work=$(mktemp -d)
server_pid=
cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || :
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

for program in stage5-game/game_server stage5-game/game_client; do
	if [ ! -x "$program" ]; then
		echo "screenshot: no $program: run make (game_client needs" \
		     "libsdl2-dev libsdl2-ttf-dev)" >&2
		exit 1
	fi
done

stage5-game/game_server -p 0 -b 3 2>"$work/server.log" &
server_pid=$!
# The server prints the port it got; wait for that line, 10 s at most.
port=
tries=0
while [ -z "$port" ] && [ $tries -lt 100 ]; do
	port=$(sed -n 's/.*listening on [^ ]*:\([0-9][0-9]*\)$/\1/p' \
		"$work/server.log")
	[ -n "$port" ] || sleep 0.1
	tries=$((tries + 1))
done
if [ -z "$port" ]; then
	echo "screenshot: game_server did not start:" >&2
	cat "$work/server.log" >&2
	exit 1
fi

SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy timeout 60 \
	stage5-game/game_client --autopilot --name ann --frames "$frames" \
	--screenshot "$work/game.bmp" 127.0.0.1 "$port" >"$work/client.out"
python3 slides/pictures/bmp2png.py "$work/game.bmp" "$out"
echo "screenshot: $out ($(cat "$work/client.out"))"
