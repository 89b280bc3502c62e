#!/bin/bash
# test_write_faults.sh - writes that cannot succeed: full filesystem (a small tmpfs), read-only
# mount, unwritable state directory, RLIMIT_FSIZE, parent is a file, target is a directory.
# Each must give an error that names the path and the cause, exit 1 (RW_EXIT_FAILURE: an output
# could not be written), leave the old output byte-identical, and leave no temp file behind. The
# full filesystem is tried with every output format (files and directories).
# The mount cases need root (CI runs as root); without it they are skipped, the rest still run.
set -u
umask 022
RW=${RW_BINARY:?}
ROOTS="${RW_SOURCE_DIR:?}/roots"
. "$RW_SOURCE_DIR/tests/integration/checklib.sh"
T=$(mktemp -d)
MOUNTS=()
cleanup() {
	local m
	for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

OLD_AT=2019-06-01 # azure-government: Baltimore alone (1.4 KB)
NEW_AT=2025-05-11 # Baltimore and G2 (2.8 KB): a different, larger file
bundle() { # AT OUTPUT [extra args]: writes the azure-government bundle
	local at=$1 out=$2
	shift 2
	"$RW" bundle --roots-dir "$ROOTS" --profile azure-government --at "$at" --output "$out" \
		--quiet "$@"
}
bundle "$OLD_AT" "$T/old.ref" || { echo "cannot build the reference bundle"; exit 1; }
bundle "$NEW_AT" "$T/new.ref" || exit 1
cmp -s "$T/old.ref" "$T/new.ref" && { echo "the two dates must give different bundles"; exit 1; }

no_temp() { [ -z "$(find "$1" -name '.*.rw-*' 2>/dev/null)" ]; }
# fault NAME DIR TARGET EXPECT-IN-STDERR COMMAND...: the command must fail with exit 1 and the
# message, the target must be what it was, and DIR must hold no temp.
fault() {
	local name=$1 dir=$2 target=$3 want=$4 rc before=
	shift 4
	[ -e "$target" ] && before=$(sha256sum <"$target" 2>/dev/null)
	"$@" >"$T/stdout" 2>"$T/err"
	rc=$?
	check "$name: exit 1 (got $rc)" [ "$rc" = 1 ]
	check "$name: the error names the file and '$want'" grep -q -- "$want" "$T/err"
	if [ -n "$before" ]; then
		check "$name: the old output is byte-identical" \
			[ "$(sha256sum <"$target")" = "$before" ]
	fi
	check "$name: no temp file left" no_temp "$dir"
	[ "$rc" = 1 ] && grep -q -- "$want" "$T/err" || sed 's/^/    stderr: /' "$T/err"
}

# ---- RLIMIT_FSIZE: the write fails with EFBIG instead of the process dying of SIGXFSZ ----------
mkdir "$T/fsize"
cp "$T/old.ref" "$T/fsize/app.pem"
# ulimit -f counts 1024-byte blocks: 2 KiB lets the old file be, not the new one.
fault "RLIMIT_FSIZE" "$T/fsize" "$T/fsize/app.pem" "$T/fsize/app.pem: write failed: File too large" \
	bash -c 'ulimit -f 2; exec "$@"' _ "$RW" bundle --roots-dir "$ROOTS" \
	--profile azure-government --at "$NEW_AT" --output "$T/fsize/app.pem" --quiet

# ---- the parent of the target is a file ------------------------------------------------------
: >"$T/afile"
fault "parent is a file" "$T" "$T/afile" "$T/afile/app.pem: cannot create a temporary file in $T/afile: Not a directory" \
	bundle "$NEW_AT" "$T/afile/app.pem"

# ---- the target is a directory ---------------------------------------------------------------
mkdir -p "$T/isdir/app.pem"
cp "$T/old.ref" "$T/isdir/app.pem/keep"
fault "target is a directory" "$T/isdir" "$T/isdir/app.pem/keep" "$T/isdir/app.pem: is a directory" \
	bundle "$NEW_AT" "$T/isdir/app.pem"
check "target is a directory: it is still a directory" [ -d "$T/isdir/app.pem" ]

# ---- the mount cases (root) ------------------------------------------------------------------
mkdir "$T/full" "$T/rw" "$T/ro"
if ! mount -t tmpfs -o size=64k,mode=0755 rw-test "$T/full" 2>/dev/null; then
	echo "skip mount cases: mount is not permitted here"
	[ "$fails" -eq 0 ] || exit 1
	exit 77
fi
MOUNTS+=("$T/full")

# A full filesystem: the old bundle is there, then the rest is filled.
cp "$T/old.ref" "$T/full/app.pem"
dd if=/dev/zero of="$T/full/fill" bs=4k 2>/dev/null
fault "full filesystem" "$T/full" "$T/full/app.pem" "$T/full/app.pem: write failed: No space left on device" \
	bundle "$NEW_AT" "$T/full/app.pem"
rm -f "$T/full/fill"
bundle "$NEW_AT" "$T/full/app.pem"
check "full filesystem: with room again, the new bundle is written" cmp -s "$T/full/app.pem" "$T/new.ref"
rm -f "$T/full/app.pem"

# Every other output format on the full filesystem: the old file or the old directory (every
# file, no file added) stays, no temp file or temporary directory is left.
same() { if [ -d "$1" ]; then diff -r "$1" "$2" >/dev/null 2>&1; else cmp -s "$1" "$2"; fi; }
for f in pem-directory openssl-directory der-directory pkcs7 java-pkcs12 jks; do
	bundle "$OLD_AT" "$T/$f.old" --format "$f" && bundle "$NEW_AT" "$T/$f.new" --format "$f" || exit 1
	cp -a "$T/$f.old" "$T/full/out"
	dd if=/dev/zero of="$T/full/fill" bs=4k 2>/dev/null
	bundle "$NEW_AT" "$T/full/out" --format "$f" >"$T/stdout" 2>"$T/err"
	rc=$?
	check "full filesystem, $f: exit 1 (got $rc)" [ "$rc" = 1 ]
	check "full filesystem, $f: the error names the output and the cause" \
		grep -q "$T/full/out.*No space left on device" "$T/err"
	check "full filesystem, $f: the old output is whole" same "$T/full/out" "$T/$f.old"
	check "full filesystem, $f: no temp file or directory left" no_temp "$T/full"
	rm -f "$T/full/fill"
	bundle "$NEW_AT" "$T/full/out" --format "$f"
	check "full filesystem, $f: with room again, the new output is written" \
		same "$T/full/out" "$T/$f.new"
	rm -rf "$T/full/out"
done

# A read-only mount (a bind mount of a writable directory, remounted read-only).
cp "$T/old.ref" "$T/rw/app.pem"
if mount --bind "$T/rw" "$T/ro" 2>/dev/null && MOUNTS=("$T/ro" "${MOUNTS[@]}") &&
	mount -o remount,bind,ro "$T/ro" 2>/dev/null; then
	fault "read-only mount" "$T/rw" "$T/ro/app.pem" "$T/ro/app.pem: cannot create a temporary file in $T/ro: Read-only file system" \
		bundle "$NEW_AT" "$T/ro/app.pem"

	# sync whose state directory is on the read-only mount: a named error, the bundle kept.
	mkdir -p "$T/rw/state" "$T/out"
	cp "$T/old.ref" "$T/out/app.pem"
	cat >"$T/rw.conf" <<EOC
state_dir = "$T/ro/state";
fetch = { catalog_roots = false; };
bundles = ( { name = "app"; path = "$T/out/app.pem"; profiles = [ "azure-mysql-flexible" ]; } );
EOC
	fault "sync: state dir unwritable" "$T/out" "$T/out/app.pem" "$T/ro/state" \
		"$RW" sync --config "$T/rw.conf"
	check "sync: state dir unwritable: the message says why" grep -q "Read-only file system" "$T/err"
	check "sync: state dir unwritable: no temp in the state dir" no_temp "$T/rw/state"
else
	echo "skip read-only cases: bind mounts are not permitted here"
fi

[ "$fails" -eq 0 ]
