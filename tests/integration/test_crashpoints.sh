#!/bin/bash
# test_crashpoints.sh - the process is killed (SIGKILL) at every named step of the write path,
# for a file and for a directory output
# (src/crashpoint.h; honoured only in builds with -DRW_CRASHPOINTS=ON, else this test skips).
# For each step: the output is the complete old or the complete new version, never anything
# else; the next run succeeds and writes the new version; a temp the kill left behind is ours
# and is swept by a later run once it is stale. Add a step by adding a row to POINTS (files) or
# DIR_POINTS (directory formats). Every output format is killed at each of its steps.
set -u
umask 022
RW=${RW_BINARY:?}
ROOTS="${RW_SOURCE_DIR:?}/roots"
. "$RW_SOURCE_DIR/tests/integration/checklib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# name of the crash point | what the output must be after the kill (old, new, or either)
POINTS=(
	"save-after-temp-written|old"
	"save-after-fsync|old"
	"save-after-rename|new"
	"save-after-dir-fsync|new"
)

OLD_AT=2019-06-01
NEW_AT=2025-05-11
bundle() { # AT OUTPUT
	"$RW" bundle --roots-dir "$ROOTS" --profile azure-government --at "$1" --output "$2" --quiet
}
bundle "$OLD_AT" "$T/old.ref" && bundle "$NEW_AT" "$T/new.ref" || exit 1

# Does this build honour crash points? (A normal build ignores the variable.)
ROOTWARDEN_CRASH_AT=save-after-temp-written bundle "$NEW_AT" "$T/probe.pem" 2>/dev/null
if [ $? != 137 ]; then
	echo "skipped: this build has no crash points (configure with -DRW_CRASHPOINTS=ON)"
	exit 77
fi

state_ok() { [ "$1" = "$2" ] || { [ "$2" = either ] && [ "$1" != other ]; }; }
temps() { find "$1" -maxdepth 1 -name '.*.rw-*' | wc -l; }
for row in "${POINTS[@]}"; do
	name=${row%%|*}
	want=${row#*|}
	d="$T/$name"
	mkdir "$d"
	cp "$T/old.ref" "$d/app.pem"
	ROOTWARDEN_CRASH_AT=$name bundle "$NEW_AT" "$d/app.pem" 2>"$T/err"
	rc=$?
	check "$name: the process was killed there (exit 137, got $rc)" [ "$rc" = 137 ]
	state=other
	cmp -s "$d/app.pem" "$T/old.ref" && state=old
	cmp -s "$d/app.pem" "$T/new.ref" && state=new
	check "$name: the output is the complete $want version (it is: $state)" \
		state_ok "$state" "$want"
	left=$(temps "$d")
	check "$name: at most one temp left, ours ($left)" [ "$left" -le 1 ]
	# A later run: succeeds, writes the new version, and (once the leftover is stale) sweeps it.
	find "$d" -maxdepth 1 -name '.*.rw-*' -exec touch -d '-1 hour' {} +
	bundle "$NEW_AT" "$d/app.pem" 2>"$T/err"
	rc=$?
	check "$name: the next run succeeds (exit $rc)" [ "$rc" = 0 ]
	check "$name: the next run leaves the new version" cmp -s "$d/app.pem" "$T/new.ref"
	check "$name: the stale temp is swept" [ "$(temps "$d")" = 0 ]
done

# Every other format (src/emit.c): a file format through the same four steps, a directory format
# (save_dir) killed after one file of the new set, with the set complete (written, then synced)
# but not swapped in, after the swap and after the parent's fsync. The old set (Baltimore) and
# the new (Baltimore and G2) share a file, so a directory's new set hard-links one file and
# writes one.
FILE_POINTS=("${POINTS[@]}")
DIR_POINTS=(
	"save-dir-after-file|old"
	"save-dir-after-temp-written|old"
	"save-dir-after-fsync|old"
	"save-dir-after-rename|new"
	"save-dir-after-dir-fsync|new"
)
fbundle() { # FORMAT AT OUTPUT
	"$RW" bundle --roots-dir "$ROOTS" --profile azure-government --format "$1" --at "$2" \
		--output "$3" --quiet
}
same() { if [ -d "$1" ]; then diff -r "$1" "$2" >/dev/null 2>&1; else cmp -s "$1" "$2"; fi; }
for f in pem-directory openssl-directory der-directory pkcs7 java-pkcs12 jks; do
	fbundle "$f" "$OLD_AT" "$T/$f.old" && fbundle "$f" "$NEW_AT" "$T/$f.new" || exit 1
	if [ -d "$T/$f.old" ]; then rows=("${DIR_POINTS[@]}"); else rows=("${FILE_POINTS[@]}"); fi
	for row in "${rows[@]}"; do
		name=${row%%|*}
		want=${row#*|}
		d="$T/$f-$name"
		mkdir "$d"
		cp -a "$T/$f.old" "$d/out"
		ROOTWARDEN_CRASH_AT=$name fbundle "$f" "$NEW_AT" "$d/out" 2>"$T/err"
		rc=$?
		check "$f, $name: killed there (exit 137, got $rc)" [ "$rc" = 137 ]
		state=other
		same "$d/out" "$T/$f.old" && state=old
		same "$d/out" "$T/$f.new" && state=new
		check "$f, $name: the output is the complete $want version (it is: $state)" \
			[ "$state" = "$want" ]
		left=$(temps "$d")
		check "$f, $name: at most one temp left, ours ($left)" [ "$left" -le 1 ]
		find "$d" -maxdepth 1 -name '.*.rw-*' -exec touch -d '-1 hour' {} +
		fbundle "$f" "$NEW_AT" "$d/out" 2>"$T/err"
		rc=$?
		check "$f, $name: the next run succeeds (exit $rc)" [ "$rc" = 0 ]
		check "$f, $name: the next run leaves the new version" same "$d/out" "$T/$f.new"
		check "$f, $name: the stale temp is swept" [ "$(temps "$d")" = 0 ]
	done
done

# ":N" arms the Nth pass: bundle --all writes many files; die at the third.
mkdir "$T/all"
ROOTWARDEN_CRASH_AT=save-after-rename:3 "$RW" bundle --roots-dir "$ROOTS" --all --at "$NEW_AT" \
	--output-dir "$T/all" --quiet 2>/dev/null
rc=$?
check "name:N kills at the Nth pass (exit 137, got $rc)" [ "$rc" = 137 ]
check "name:N: exactly three files were renamed into place" \
	[ "$(find "$T/all" -maxdepth 1 -name '*.pem' | wc -l)" = 3 ]

[ "$fails" -eq 0 ]
