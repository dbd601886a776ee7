#!/bin/sh
# Install what `make test` needs, if it is missing: a compiler toolchain is
# assumed (gcc, make); Check and pkg-config come from the distribution.
# As root this runs apt-get; otherwise it prints the command to run.
set -u

missing=""
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
pkg-config --exists check 2>/dev/null || missing="$missing check"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
pkg-config --exists sdl2 SDL2_ttf 2>/dev/null || missing="$missing libsdl2-dev libsdl2-ttf-dev"
# Same ordering as the package names above, for a single apt-get line.
[ -z "$missing" ] && exit 0

command="apt-get install -y$missing"
if ! command -v apt-get >/dev/null 2>&1; then
	echo "The tests need:$missing. Install them with your package manager." >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "The tests need:$missing. Install them with:" >&2
	echo "    sudo apt-get update && sudo $command" >&2
	exit 1
fi
echo "make test: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && $command -qq >/dev/null
