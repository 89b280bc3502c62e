#!/usr/bin/env bash
# sync killed at every named step of the write and hook path (src/crashpoint.h; test builds only,
# -DRW_CRASHPOINTS=ON): after each kill, every bundle is the complete old or the complete new
# file, the next sync succeeds, every due hook has run (once, or twice when the kill came while it
# ran or before its success was recorded), and a third sync has nothing left to do.
set -u
umask 022
bin=${RW_BINARY:?}
src=${RW_SOURCE_DIR:?}
. "$src/tests/integration/checklib.sh"
. "$src/tests/integration/safe_tmpdir.sh"
POINTS="save-after-temp-written save-after-fsync save-after-rename save-after-dir-fsync
sync-after-record sync-after-state sync-after-strike sync-before-counters
hook-before hook-during hook-after"
T=$(mktemp -d "$TMPDIR/rw-cp.XXXXXX")
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
cat >"$T/hook.sh" <<'EOS'
#!/bin/sh
echo "$ROOTWARDEN_BUNDLE" >>"$1/hooks.log"
EOS
chmod 755 "$T/hook.sh"
conf() {
	cat >"$T/rw.conf" <<EOC
state_dir = "$T/state";
hooks_dir = "$T/hooks.d";
bundles = (
  { name = "a"; path = "$T/out/a.pem"; profiles = [ "$1" ]; hooks = ( [ "$T/hook.sh", "$T" ] ); },
  { name = "b"; path = "$T/out/b.pem"; profiles = [ "$1" ]; hooks = ( [ "$T/hook.sh", "$T" ] ); }
);
EOC
}
sync() { "$bin" sync --offline --config "$T/rw.conf" --roots-dir "$src/roots" >"$T/out.txt" 2>&1; }
count() { grep -c "^$1\$" "$T/hooks.log" 2>/dev/null || echo 0; }
"$bin" bundle --profile azure-china --output "$T/old.pem" --roots-dir "$src/roots" -q
"$bin" bundle --profile azure-mysql-flexible --output "$T/new.pem" --roots-dir "$src/roots" -q --ahead-days 90
# A build without crash points ignores the variable: nothing here can be tested then.
conf azure-china
rm -rf "$T/state" "$T/out"; mkdir -p "$T/out"
ROOTWARDEN_CRASH_AT=save-after-rename sync
if [ $? -ne 137 ]; then
	echo "skip: this build has no crash points (configure with -DRW_CRASHPOINTS=ON)"
	exit 77
fi
for p in $POINTS; do
	rm -rf "$T/state" "$T/out" "$T/hooks.log"
	mkdir -p "$T/out"
	conf azure-china
	sync || [ $? -eq 5 ] || { fail "$p: setup sync failed"; cat "$T/out.txt"; continue; }
	: >"$T/hooks.log"
	conf azure-mysql-flexible
	ROOTWARDEN_CRASH_AT=$p sync
	rc=$?
	[ "$rc" -eq 137 ] || { fail "$p: sync was not killed there (exit $rc)"; continue; }
	whole=1
	for f in a b; do
		cmp -s "$T/out/$f.pem" "$T/old.pem" || cmp -s "$T/out/$f.pem" "$T/new.pem" || whole=0
	done
	[ "$whole" = 1 ] || { fail "$p: a bundle is neither the old nor the new file"; continue; }
	sync
	rc=$?
	[ "$rc" -eq 0 ] || [ "$rc" -eq 5 ] || { fail "$p: the next sync failed (exit $rc)"; cat "$T/out.txt"; continue; }
	cmp -s "$T/out/a.pem" "$T/new.pem" && cmp -s "$T/out/b.pem" "$T/new.pem" ||
		{ fail "$p: the next sync did not finish the change"; continue; }
	ca=$(count a) cb=$(count b)
	if [ "$ca" -lt 1 ] || [ "$cb" -lt 1 ] || [ "$ca" -gt 2 ] || [ "$cb" -gt 2 ]; then
		fail "$p: due hooks ran a=$ca b=$cb times (want 1 or 2 each)"
		continue
	fi
	sync
	rc=$?
	if [ "$rc" -ne 0 ] || [ "$(count a)" != "$ca" ] || [ "$(count b)" != "$cb" ]; then
		fail "$p: a third sync still had work (exit $rc, hooks a=$(count a) b=$(count b))"
		continue
	fi
	pass "$p: whole files, the next sync finished it, hooks a=$ca b=$cb"
done
[ "$fails" -eq 0 ]
