#!/bin/sh
# test-offline.sh - `make test-slides` runs it after `make slides`: every
# deck (slides/*.md) has its HTML file in slides/html/, with slides in it
# and nothing fetched from the network when it is shown, and the Korean
# terms survive the trip.  Exits 1 at the first deck that fails.
set -u
cd "${0%/*}" || exit 1

fail() {
	echo "test-offline: $*" >&2
	exit 1
}

decks=0
for md in *.md; do
	html=html/${md%.md}.html
	[ -f "$html" ] || fail "$md has no $html: run make slides"
	grep -q '<section' "$html" || fail "$html has no slides"
	if grep -q -e 'src="http' -e 'href="http' -e 'url(http' \
		-e '@import url' "$html"; then
		fail "$html loads something from the network"
	fi
	decks=$((decks + 1))
done
# opening, 1, 1b, 2-5, closing
[ "$decks" -ge 8 ] || fail "only $decks decks"
grep -q '/주사위' html/04-chat.html || fail "04-chat.html lost its Korean"
echo "test-offline: $decks decks, each self-contained"
