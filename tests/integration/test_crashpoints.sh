#!/bin/bash
# test_crashpoints.sh - the process is killed (SIGKILL) at every named step of the write path,
# for a file and for a directory output
# (src/crashpoint.h; honoured only in builds with -DRW_CRASHPOINTS=ON, else this test skips).
# For each step: the output is the complete old or the complete new version, never anything
# else; the next run succeeds and writes the new version; a temp the kill left behind is ours
# and is swept by a later run once it is stale. Add a step by adding a row to POINTS.
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

# The same for a directory output (openssl-directory: the directory transaction of save.h).
DPOINTS=(
	"save-dir-after-temp-written|old"
	"save-dir-after-fsync|old"
	"save-dir-after-rename|new"
	"save-dir-after-dir-fsync|new"
)
dbundle() { # AT OUTPUT
	"$RW" bundle --roots-dir "$ROOTS" --profile azure-government --format openssl-directory \
		--at "$1" --output "$2" --quiet
}
dbundle "$OLD_AT" "$T/old.dir" && dbundle "$NEW_AT" "$T/new.dir" || exit 1
dsame() { [ -d "$1" ] && diff -r "$1" "$2" >/dev/null; }
for row in "${DPOINTS[@]}"; do
	name=${row%%|*}
	want=${row#*|}
	d="$T/$name"
	mkdir "$d"
	cp -a "$T/old.dir" "$d/certs"
	ROOTWARDEN_CRASH_AT=$name dbundle "$NEW_AT" "$d/certs" 2>"$T/err"
	rc=$?
	check "$name: the process was killed there (exit 137, got $rc)" [ "$rc" = 137 ]
	state=other
	dsame "$d/certs" "$T/old.dir" && state=old
	dsame "$d/certs" "$T/new.dir" && state=new
	check "$name: the directory is the complete $want set (it is: $state)" \
		state_ok "$state" "$want"
	left=$(temps "$d")
	check "$name: at most one hidden directory left, ours ($left)" [ "$left" -le 1 ]
	find "$d" -maxdepth 1 -name '.*.rw-*' -exec touch -d '-1 hour' {} +
	dbundle "$NEW_AT" "$d/certs" 2>"$T/err"
	rc=$?
	check "$name: the next run succeeds (exit $rc)" [ "$rc" = 0 ]
	check "$name: the next run leaves the new set" dsame "$d/certs" "$T/new.dir"
	check "$name: the stale hidden directory is swept" [ "$(temps "$d")" = 0 ]
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
