# checklib.sh - sourced by the integration tests that report many small checks:
#   check DESCRIPTION COMMAND...   runs COMMAND, prints "ok   DESCRIPTION" or "FAIL DESCRIPTION"
#   pass / fail DESCRIPTION        the same, by hand
#   check DESCRIPTION both A... -- B...   one check for two commands (A, then B)
#   check DESCRIPTION not COMMAND...      passes when COMMAND fails
# $fails counts the failures; a test ends with: [ "$fails" -eq 0 ] (or its own summary).
fails=0
pass() { echo "ok   $*"; }
fail() {
	echo "FAIL $*"
	fails=$((fails + 1))
}
not() { ! "$@"; }
check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}
both() {
	local a=()

	while [ "$1" != -- ]; do
		a+=("$1")
		shift
	done
	shift
	"${a[@]}" && "$@"
}
