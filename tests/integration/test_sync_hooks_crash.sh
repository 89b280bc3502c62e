#!/usr/bin/env bash
# Due hooks are never lost when sync dies: two bundles with a hook each; the configuration
# changes so that both bundles change; the first hook SIGKILLs sync (standing in for OOM, a reboot
# or a stopped timer) after both bundles were renamed into place but before the second hook ran.
# The next sync must run what was due: the second bundle's hook, and the first one again (it was
# killed before its success was recorded) - each exactly once more. Before the write-ahead record
# (STATE/hooks/NAME.json written before the rename) the next run said "nothing changed".
set -u
umask 022
bin=${RW_BINARY:?}
src=${RW_SOURCE_DIR:?}
. "$src/tests/integration/checklib.sh"
. "$src/tests/integration/safe_tmpdir.sh"
T=$(mktemp -d "$TMPDIR/rw-crash.XXXXXX")
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/out"
# A hook that logs its run; the first time the marker exists, it kills its parent (sync).
cat >"$T/hook.sh" <<'EOS'
#!/bin/sh
echo "$ROOTWARDEN_BUNDLE" >>"$1/hooks.log"
if [ -e "$1/kill-once" ]; then
	rm -f "$1/kill-once"
	kill -9 "$PPID"
fi
exit 0
EOS
chmod 755 "$T/hook.sh"
conf() { # PROFILE: both bundles built for it
	cat >"$T/rw.conf" <<EOC
state_dir = "$T/state";
hooks_dir = "$T/hooks.d";
bundles = (
  { name = "a"; path = "$T/out/a.pem"; profiles = [ "$1" ]; hooks = ( [ "$T/hook.sh", "$T" ] ); },
  { name = "b"; path = "$T/out/b.pem"; profiles = [ "$1" ]; hooks = ( [ "$T/hook.sh", "$T" ] ); }
);
EOC
}
run() { "$bin" sync --offline --config "$T/rw.conf" --roots-dir "$src/roots" >"$T/out.txt" 2>&1; }
# grep -c prints 0 itself when nothing matches (and exits 1); nothing only when the log is missing
count() { local n; n=$(grep -c "^$1\$" "$T/hooks.log" 2>/dev/null); echo "${n:-0}"; }

conf azure-china
run
check "first sync writes both bundles and runs both hooks (exit 5)" [ $? -eq 5 ]
check "each hook ran once" both [ "$(count a)" = 1 ] -- [ "$(count b)" = 1 ]
: >"$T/hooks.log"
conf azure-mysql-flexible
touch "$T/kill-once"
run
rc=$?
check "sync was killed by the first hook (exit 137)" [ "$rc" -eq 137 ]
check "both bundles were replaced before it died" grep -q "DigiCert Global Root G2" "$T/out/a.pem"
check "both bundles were replaced before it died (b)" grep -q "DigiCert Global Root G2" "$T/out/b.pem"
check "the hook of a ran, the hook of b did not" both [ "$(count a)" = 1 ] -- [ "$(count b)" = 0 ]
check "b's hook is recorded as pending" grep -q hook.sh "$T/state/hooks/b.json"
run
rc=$?
check "the next sync runs what was due (exit 0: no bundle changed)" [ "$rc" -eq 0 ]
check "b's hook ran exactly once" [ "$(count b)" = 1 ]
check "a's hook ran once more (it died before its success was recorded)" [ "$(count a)" = 2 ]
check "the output says they are retries" grep -q "retry" "$T/out.txt"
check "nothing is pending any more" both [ ! -e "$T/state/hooks/a.json" ] -- [ ! -e "$T/state/hooks/b.json" ]
run
check "a third sync changes nothing and runs no hook" both [ $? -eq 0 ] -- both [ "$(count b)" = 1 ] -- [ "$(count a)" = 2 ]
[ "$fails" -eq 0 ]
