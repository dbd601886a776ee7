#!/bin/sh
# doctor.sh - `make doctor`: is this machine ready for the workshop?
#
# Checks every line of tests/deps.list in the group "doctor" (the list
# tests/install-deps.sh installs from), then builds the shared code and
# stage 1 with the C compiler, and says in plain words what is missing and
# the command that installs it.  Changes nothing.
# Exits 0 when everything is there and the code builds, 1 otherwise;
# `make doctor` prints the same report and always exits 0 (a report of
# what is missing is not a failed build).
set -u

here=${0%/*} # not dirname: the doctor runs where nothing is found
top=$here/..
DEPS_LIST=${DEPS_LIST:-$top/tests/deps.list}
. "$top/tests/deps.sh"

missing_apt=""
missing_dnf=""
missing_brew=""
notes=""
problems=0

ok() {
	printf '  ok       %s\n' "$1"
}

# missing WHAT WHY DEBIAN FEDORA BREW
missing() {
	printf '  MISSING  %s: %s\n' "$1" "$2"
	problems=$((problems + 1))
	missing_apt="$missing_apt $3"
	missing_dnf="$missing_dnf $4"
	case $5 in
	-) ;; # nothing to install on macOS
	"- "*) notes="$notes
    macOS:          ${5#- }" ;; # "- (how)": not a brew package
	*) missing_brew="$missing_brew $5" ;;
	esac
}

# What a line checks, in words, e.g. "nc" or "SDL2 SDL2_ttf".
what_of() {
	set -- $1
	case $1 in
	command) [ "$2" = cc ] && echo "C compiler" || echo "$2" ;;
	pkg) shift; echo "$*" ;;
	font) echo "the font $2" ;;
	cjk-font) echo "a Korean font" ;;
	*) echo "$*" ;;
	esac
}

# The shared code and stage 1, compiled and linked as make would: what
# fails here fails for every stage.
builds() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/doctor.XXXXXX") || return 1
	if ${CC:-cc} -std=gnu11 -pthread \
		-I"$top/common" -o "$tmp/echo_server" \
		"$top/stage1-echo/echo_server.c" "$top/stage1-echo/echo.c" \
		"$top/common/net.c" "$top/common/compat.c" >"$tmp/log" 2>&1; then
		rm -rf "$tmp"
		return 0
	fi
	head -n 5 "$tmp/log" | sed 's/^/           /'
	rm -rf "$tmp"
	return 1
}

echo "Checking what the workshop needs on this machine:"
tab=$(printf '\t')
while IFS=$tab read -r check debian fedora brew why; do
	[ -n "$check" ] || continue
	what=$(what_of "$check")
	if deps_present "$check" 2>/dev/null; then
		ok "$what"
	else
		missing "$what" "$why" "$debian" "$fedora" "$brew"
	fi
done <<EOF
$(deps_of_group doctor)
EOF
if ! deps_present "command cc" 2>/dev/null; then
	: # no compiler: already said
elif builds; then
	ok "the workshop's C code builds here"
else
	printf '  FAILS    the workshop'"'"'s C code does not build here (above)\n'
	problems=$((problems + 1))
fi

echo
if [ "$problems" -eq 0 ]; then
	echo "All set: every practice will build and run on this machine."
	exit 0
fi
echo "$problems thing(s) to fix.  Install what is missing, as root:"
if [ -n "$missing_apt" ]; then
	echo "    Debian/Ubuntu:  sudo sh -c 'apt-get update && apt-get install -y$missing_apt'"
	echo "      (no sudo:     su -c 'apt-get update && apt-get install -y$missing_apt')"
	echo "    Fedora:         sudo dnf install -y$missing_dnf"
	[ -z "$missing_brew" ] || echo "    macOS:          brew install$missing_brew"
	[ -z "$notes" ] || echo "${notes#?}"
fi
echo "Windows: work inside WSL2 (Ubuntu), then use the Debian/Ubuntu line."
echo "Then run 'make doctor' again."
exit 1
