#!/bin/sh
# doctor_report.sh - `make doctor ROOM=HOST[:PORT] [ROOM_NAME=NAME]`: run the
# doctor (slides/doctor.sh), then tell the instructor's room what it found,
# so they know before the day who is not ready.
#
# This runs where the C compiler may be missing (that is what the doctor
# finds out), so it reports from the shell: with curl if there is one,
# else with bash's /dev/tcp; each try is cut off after ROOM_TIMEOUT
# seconds.  A room it cannot reach costs one warning line: the doctor's
# own verdict and exit status stay what they are.
# ROOM_VIA=curl or ROOM_VIA=bash picks one (the tests try both).
set -u

room=${1:?usage: doctor_report.sh HOST[:PORT] [NAME]}
name=${2:-}
timeout=${ROOM_TIMEOUT:-2}
here=$(dirname "$0")

case $room in
	*\]:*|[!\[]*:*) ;;           # a port is given
	*) room="$room:10010" ;;     # the room's default port
esac
host=${room%:*}
port=${room##*:}
host=${host#\[}
host=${host%\]}
if [ -z "$name" ]; then
	name="${USER:-$(id -un 2>/dev/null || echo learner)}@$(uname -n)"
fi
name=$(printf '%s' "$name" | tr -d '\r\n' | tr ' ' '-')

output=$(sh "$here/../../slides/doctor.sh")
status=$?
printf '%s\n' "$output"

# The report: one "missing" line per tool the doctor says is missing
# (its lines "  MISSING  WHAT: WHY").
result=PASS
[ "$status" -eq 0 ] || result=FAIL
body=$(printf 'kind doctor\nname %s\npractice doctor\nresult %s\n' "$name" "$result"
	printf '%s\n' "$output" | sed -n 's/^ *MISSING  *\([^:]*\):.*/missing \1/p')

warn() {
	echo "make doctor: warning: the room at $room $1: not reported" >&2
}

post_with_curl() {
	curl -sS --max-time "$timeout" -H 'Content-Type: text/plain; charset=utf-8' \
		--data-binary "$body
" -w '\nstatus %{http_code}\n' "http://$room/report" 2>&1
}

# HTTP by hand: the request's lines, then whatever comes back, in a
# background bash (only builtins, so one process) that a watchdog kills
# when the time is up.  SIGKILL, because a signal the caller ignores,
# TERM say, is ignored here too.
post_with_bash() {
	length=$(printf '%s\n' "$body" | LC_ALL=C wc -c | tr -d ' ')
	reply=$(mktemp) || return 1
	bash -c 'exec 3<>"/dev/tcp/$1/$2" || exit 1
		printf "POST /report HTTP/1.1\r\nHost: %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %s\r\nConnection: close\r\n\r\n%s\n" \
			"$1:$2" "$3" "$4" >&3
		while IFS= read -r line <&3; do printf "%s\n" "$line"; done' \
		_ "$host" "$port" "$length" "$body" >"$reply" 2>/dev/null &
	pid=$!
	# Its own output away from ours, or $(...) would wait for the sleep.
	( sleep "$timeout"; kill -KILL "$pid" ) >/dev/null 2>&1 &
	watchdog=$!
	wait "$pid" 2>/dev/null
	kill -KILL "$watchdog" 2>/dev/null
	# "HTTP/1.1 200 OK" ... body last: the same two facts curl gives.
	tr -d '\r' <"$reply" | tail -n 1
	printf 'status %s\n' "$(head -n 1 "$reply" | cut -d' ' -f2)"
	rm -f "$reply"
}

via=${ROOM_VIA:-}
if [ -z "$via" ]; then
	if command -v curl >/dev/null 2>&1; then via=curl
	elif command -v bash >/dev/null 2>&1; then via=bash
	fi
fi
case $via in
	curl) answer=$(post_with_curl) ;;
	bash) answer=$(post_with_bash) ;;
	*) warn "cannot be told: no curl and no bash here"; exit "$status" ;;
esac
code=$(printf '%s\n' "$answer" | sed -n 's/^status //p' | tail -n 1)
line=$(printf '%s\n' "$answer" | grep -v '^status ' | tail -n 1)
if [ "$code" = 200 ]; then
	echo "Reported to the room at $room as $name."
elif [ -n "$code" ] && [ "$code" != 000 ]; then
	warn "said: ${line:-error $code}"
else
	warn "could not be reached"
fi
exit "$status"
