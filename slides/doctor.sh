#!/bin/sh
# doctor.sh - `make doctor`: is this machine ready for the workshop?
#
# Looks for every tool the practices use, says in plain words what is
# missing and the command that installs it.  Changes nothing.
# Exits 0 when everything is there, 1 otherwise.
set -u

missing_apt=""
missing_dnf=""
missing_brew=""
problems=0

ok() {
	printf '  ok       %s\n' "$1"
}

# missing WHAT WHY APT DNF BREW
missing() {
	printf '  MISSING  %s: %s\n' "$1" "$2"
	problems=$((problems + 1))
	missing_apt="$missing_apt $3"
	missing_dnf="$missing_dnf $4"
	missing_brew="$missing_brew $5"
}

has() {
	command -v "$1" >/dev/null 2>&1
}

has_lib() {
	has pkg-config && pkg-config --exists "$@" 2>/dev/null
}

echo "Checking what the workshop needs on this machine:"

if has "${CC:-cc}"; then
	ok "C compiler (${CC:-cc}): $("${CC:-cc}" --version 2>/dev/null | head -n 1)"
else
	# On macOS the compiler comes with Apple's tools, not with brew.
	missing "C compiler" "no 'cc' to build the programs (macOS:" \
		gcc gcc ""
	printf '           run xcode-select --install)\n'
fi
if has make; then
	ok "make"
else
	missing "make" "builds every stage" make make make
fi
if has pkg-config; then
	ok "pkg-config"
else
	missing "pkg-config" "finds the libraries below" \
		pkg-config pkgconf-pkg-config pkg-config
fi
if has_lib check; then
	ok "Check (the test library)"
else
	missing "Check" "the tests (make test) are written with it" \
		check check-devel check
fi
if has_lib sdl2 SDL2_ttf; then
	ok "SDL2 and SDL2_ttf (the game's window)"
else
	missing "SDL2 and SDL2_ttf" "the graphical game client of stage 5" \
		"libsdl2-dev libsdl2-ttf-dev" "SDL2-devel SDL2_ttf-devel" \
		"sdl2 sdl2_ttf"
fi
if has python3; then
	ok "python3 (the workshop's Python snippets, and the tests)"
else
	missing "python3" "runs the Python snippets and some tests" \
		python3 python3 python3
fi
if has nc; then
	ok "nc (netcat: talk to any server by hand)"
else
	missing "nc" "lets you type to a server by hand" \
		netcat-openbsd nmap-ncat netcat
fi
# Korean text (the slides, the chat) needs a font with Hangul, or it shows
# as boxes.  fontconfig knows on Linux; macOS and Windows come with one.
if has fc-list; then
	if fc-list :lang=ko family 2>/dev/null | grep -q .; then
		ok "a Korean font ($(fc-list :lang=ko family | head -n 1))"
	else
		missing "a Korean font" "without one, Korean text shows as boxes" \
			fonts-noto-cjk google-noto-sans-cjk-ttc-fonts ""
	fi
fi

echo
if [ "$problems" -eq 0 ]; then
	echo "All set: every practice will build and run on this machine."
	exit 0
fi
echo "$problems thing(s) missing. Install them with:"
echo "    Debian/Ubuntu:  sudo apt-get install -y$missing_apt"
echo "    Fedora:         sudo dnf install -y$missing_dnf"
echo "    macOS:          brew install$missing_brew"
echo "Then run 'make doctor' again."
exit 1
