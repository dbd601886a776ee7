# deps.sh - read tests/deps.list: sourced by tests/install-deps.sh and
# slides/doctor.sh, so both read the list and check each line alike.
# Needs DEPS_LIST (the list's path) set before it is sourced.

# $1 without the spaces around it.  Shell built-ins only, here and in
# deps_of_group: the doctor must run where nothing else is found.
deps_trim() {
	v=$1
	v=${v#"${v%%[![:space:]]*}"}
	printf '%s' "${v%"${v##*[![:space:]]}"}"
}

# Every line of the list whose GROUPS has $1, as tab-separated fields:
# check, debian, fedora, brew, why.
deps_of_group() {
	while IFS='|' read -r groups check debian fedora brew why; do
		case $groups in
		'#'* | '') continue ;;
		esac
		case " $(deps_trim "$groups") " in
		*" $1 "*) printf '%s\t%s\t%s\t%s\t%s\n' \
			"$(deps_trim "$check")" "$(deps_trim "$debian")" \
			"$(deps_trim "$fedora")" "$(deps_trim "$brew")" \
			"$(deps_trim "$why")" ;;
		esac
	done <"$DEPS_LIST"
}

# The folders fonts live in; FONT_DIRS replaces them (the tests use it).
deps_font_dirs() {
	echo "${FONT_DIRS:-/usr/share/fonts /usr/local/share/fonts \
${HOME:-/nonexistent}/.local/share/fonts ${HOME:-/nonexistent}/.fonts /Library/Fonts ${HOME:-/nonexistent}/Library/Fonts \
/System/Library/Fonts}"
}

deps_has_font() {
	for dir in $(deps_font_dirs); do
		[ -d "$dir" ] && find "$dir" -name "$1" 2>/dev/null |
			grep -q . && return 0
	done
	return 1
}

# True when what CHECK (a line's second field) describes is there.
deps_present() {
	set -- $1
	kind=$1
	shift
	case $kind in
	command)
		name=$1
		[ "$name" = cc ] && name=${CC:-cc}
		set -- $name # CC may be "ccache gcc": the first word
		command -v "$1" >/dev/null 2>&1 ;;
	pkg)
		command -v "${PKG_CONFIG:-pkg-config}" >/dev/null 2>&1 &&
			"${PKG_CONFIG:-pkg-config}" --exists "$@" 2>/dev/null ;;
	font)
		deps_has_font "$1" ;;
	cjk-font)
		# Without one, Korean shows as boxes.  Where there is
		# fontconfig, it knows; macOS ships one (Apple SD Gothic Neo).
		if command -v fc-list >/dev/null 2>&1; then
			fc-list :lang=ko family 2>/dev/null | grep -q .
		else
			[ "$(uname -s 2>/dev/null)" = Darwin ] ||
				deps_has_font 'NotoSansCJK*'
		fi ;;
	fuzzer)
		echo 'int LLVMFuzzerTestOneInput(void){return 0;}' |
			clang -fsanitize=fuzzer -x c - -o /dev/null \
			>/dev/null 2>&1 ;;
	*)
		echo "deps.list: unknown check '$kind'" >&2
		return 1 ;;
	esac
}
