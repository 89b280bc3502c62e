# checklib.sh - sourced by the integration tests that report many small checks:
#   check DESCRIPTION COMMAND...   runs COMMAND, prints "ok   DESCRIPTION" or "FAIL DESCRIPTION"
#   pass / fail DESCRIPTION        the same, by hand
# $fails counts the failures; a test ends with: [ "$fails" -eq 0 ] (or its own summary).
fails=0
pass() { echo "ok   $*"; }
fail() {
	echo "FAIL $*"
	fails=$((fails + 1))
}
check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}
