# safe_tmpdir.sh - sourced by tests and benchmarks that run hooks. rootwarden refuses a hook when
# any directory above it is group- or world-writable (a sticky /tmp included), so their temporary
# files must live in a tree where every directory from / down is owned by root or by us and not
# group/other-writable. This exports TMPDIR as such a directory: under the build tree when the
# clone sits in a safe place, else under /run (root; traversable by the unprivileged user some
# tests switch to), else under $HOME. Fails if none qualifies.

rw_dir_is_safe() {
	local d=$1 uid me
	me=$(id -u)
	while :; do
		[ -d "$d" ] || return 1
		uid=$(stat -c %u "$d") || return 1
		[ "$uid" = 0 ] || [ "$uid" = "$me" ] || return 1
		[ $((0$(stat -c %a "$d") & 022)) -eq 0 ] || return 1
		[ "$d" = / ] && return 0
		d=$(dirname "$d")
	done
}

rw_safe_tmpdir() {
	local base
	for base in "${RW_BUILD_DIR:-}" /run "${HOME:-}"; do
		[ -n "$base" ] && [ -d "$base" ] || continue
		base=$(cd "$base" && pwd -P) || continue
		rw_dir_is_safe "$base" || continue
		mkdir -p "$base/rw-test-tmp" 2>/dev/null && chmod 755 "$base/rw-test-tmp" || continue
		TMPDIR="$base/rw-test-tmp"
		export TMPDIR
		return 0
	done
	echo "no directory tree here lets hooks run (every candidate has a writable parent)" >&2
	return 1
}

rw_safe_tmpdir || exit 1
