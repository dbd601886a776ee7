#!/bin/sh
# render-png.sh - every slide of every deck to a PNG in slides/png/, with
# headless Chromium, to look at: does the text fit, is the code readable?
# Not part of `make test` (it needs a browser); run it after editing a deck.
#
#   sh slides/render-png.sh [DECK.md...]     (default: every deck)
#
# Needs Chromium (Debian: apt-get install chromium) and `make slides` run
# once (it installs Marp CLI).  CHROME_PATH picks another browser.
set -eu

cd "$(dirname "$0")"
marp=node_modules/.bin/marp
if [ ! -x "$marp" ]; then
	echo "render-png: run 'make slides' first (it installs Marp CLI)" >&2
	exit 1
fi
if [ -z "${CHROME_PATH:-}" ]; then
	for browser in chromium chromium-browser google-chrome; do
		if command -v "$browser" >/dev/null 2>&1; then
			CHROME_PATH=$(command -v "$browser")
			break
		fi
	done
fi
if [ -z "${CHROME_PATH:-}" ]; then
	echo "render-png: no Chromium: apt-get install chromium," \
	     "or set CHROME_PATH" >&2
	exit 1
fi
export CHROME_PATH
# As root, Chromium refuses to start without --no-sandbox.
[ "$(id -u)" -eq 0 ] && export CHROME_NO_SANDBOX=1

[ $# -gt 0 ] || set -- [0-9]*.md
mkdir -p png
for deck in "$@"; do
	name=$(basename "$deck" .md)
	"$marp" --no-stdin --config-file marp.config.yml \
		--browser-timeout 60 --allow-local-files --images png "$deck" -o "png/$name.png"
done
echo "render-png: the slides are in $(pwd)/png/"
