#!/bin/sh
# Install what `make test` (or, with the argument "bench" or "fuzz",
# `make bench` or `make fuzz`) needs, if it is missing: a compiler
# toolchain is assumed (gcc, make);
# the rest comes from the distribution.
# As root this runs apt-get; otherwise it prints the command to run.
set -u

missing=""
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
pkg-config --exists check 2>/dev/null || missing="$missing check"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
pkg-config --exists sdl2 SDL2_ttf 2>/dev/null || missing="$missing libsdl2-dev libsdl2-ttf-dev"
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$missing fonts-dejavu-core"
# The slides are rendered by Marp CLI, which runs on node (make slides).
command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
# Their pictures are Graphviz sources, drawn by dot (make slides).
command -v dot >/dev/null 2>&1 || missing="$missing graphviz"
# `make bench` (tests/install-deps.sh bench) also draws charts with gnuplot.
if [ "${1:-}" = bench ] && ! command -v gnuplot >/dev/null 2>&1; then
	missing="$missing gnuplot-nox"
fi
# `make fuzz` (tests/install-deps.sh fuzz) needs clang with libFuzzer.
if [ "${1:-}" = fuzz ] && ! echo 'int LLVMFuzzerTestOneInput(void){return 0;}' |
	clang -fsanitize=fuzzer -x c - -o /dev/null >/dev/null 2>&1; then
	missing="$missing clang libclang-rt-dev"
fi
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
echo "installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && $command -qq >/dev/null
