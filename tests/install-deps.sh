#!/bin/sh
# install-deps.sh [GROUP...] - install what a make target needs, if it is
# missing: the lines of tests/deps.list in GROUP (default: test, what
# `make test` needs; also slides, room, bench, fuzz, portable).  A C
# compiler and make are assumed.
#
# As root on Debian/Ubuntu this runs apt-get, a line per step with the
# time it took.  Otherwise it prints the command to run as root (with sudo
# or su) and exits 1.  Exits 0 when everything is there.
set -u

here=${0%/*}
DEPS_LIST=${DEPS_LIST:-$here/deps.list}
. "$here/deps.sh"

[ $# -gt 0 ] || set -- test
groups="$*"
say() {
	echo "install-deps: $*"
}

# Sets missing_debian, missing_fedora and missing_brew: the packages of
# every line of the groups whose check fails.
find_missing() {
	missing_debian=""
	missing_fedora=""
	missing_brew=""
	tab=$(printf '\t')
	for group in $groups; do
		while IFS=$tab read -r check debian fedora brew why; do
			[ -n "$check" ] || continue
			deps_present "$check" 2>/dev/null && continue
			case " $missing_debian " in
			*" $debian "*) continue ;; # two groups want it
			esac
			missing_debian="$missing_debian $debian"
			missing_fedora="$missing_fedora $fedora"
			[ "$brew" = - ] || missing_brew="$missing_brew $brew"
		done <<EOF
$(deps_of_group "$group")
EOF
	done
}

find_missing
[ -z "$missing_debian" ] && exit 0

say "$groups needs:$missing_debian"
install="apt-get install -y$missing_debian"
if ! command -v apt-get >/dev/null 2>&1; then
	say "no apt-get here: install them with your package manager, e.g."
	echo "    Fedora:  sudo dnf install -y$missing_fedora"
	echo "    macOS:   brew install$missing_brew"
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	say "run this as root (it asks for your password or root's), then" \
	    "make again:"
	echo "    sudo sh -c 'apt-get update && $install'"
	say "or, where there is no sudo:"
	echo "    su -c 'apt-get update && $install'"
	exit 1
fi

# Each step: what it does, then how long it took.  apt's own output goes
# to a log, shown only when the step fails.
log=$(mktemp "${TMPDIR:-/tmp}/install-deps.XXXXXX") || exit 1
step() {
	what=$1
	shift
	say "$what ..."
	start=$(date +%s)
	if ! "$@" >"$log" 2>&1; then
		say "$what failed; its last lines:"
		tail -n 20 "$log" >&2
		rm -f "$log"
		exit 1
	fi
	say "$what: done in $(($(date +%s) - start)) s"
}
export DEBIAN_FRONTEND=noninteractive
step "apt-get update" apt-get update -q
say "(installing takes a few minutes the first time)"
step "apt-get install$missing_debian" \
	apt-get install -y -q --no-install-recommends $missing_debian
count=$(grep -o '[0-9]* newly installed' "$log" | cut -d' ' -f1)
rm -f "$log"
find_missing
if [ -n "$missing_debian" ]; then
	say "still missing after apt-get:$missing_debian"
	exit 1
fi
say "installed ${count:-the} package(s): $groups has what it needs"
