#!/bin/bash
# test_sync.sh - "rootwarden sync" against a real HTTPS server on 127.0.0.1 (python3 http.server
# with ssl, tests/integration/https_server.py), with certificates made here by certtool.
# Every scenario asserts the exit status, the bundle's bytes and mtime, and the hook runs.
# The catalog's roots are never fetched (fetch.catalog_roots = false): only the test's own roots,
# served on loopback, are.
set -u
umask 022
. "${RW_SOURCE_DIR:?}/tests/integration/sync_fixture.sh"
fx_need
RW=${RW_BINARY:?}
. "${RW_SOURCE_DIR:?}/tests/integration/safe_tmpdir.sh" # hooks must not live under a writable parent
T=$(mktemp -d "$TMPDIR/rw-sync.XXXXXX")
chmod 755 "$T"
BG=
cleanup() {
	fx_server_stop
	[ -n "$BG" ] && kill "$BG" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	[ -f "$T/err" ] && sed 's/^/  stderr: /' "$T/err"
	exit 1
}
ok() { echo "ok - $*"; }

# run STATUS [args]: sync with the test configuration, expecting STATUS.
run() {
	local want=$1
	shift
	"$RW" sync --config "$T/rw.conf" "$@" >"$T/stdout" 2>"$T/err"
	RC=$?
	[ "$RC" = "$want" ] || fail "expected exit $want, got $RC (sync $*)"
}
mtime() { stat -c %y "$1"; }
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
expect_err() { grep -q -- "$1" "$T/err" || fail "stderr lacks '$1'"; }
bundle_intact() {
	cmp -s "$T/out/app.pem" "$T/app.good" || fail "$1: the bundle changed"
	[ "$(mtime "$T/out/app.pem")" = "$GOOD_MTIME" ] || fail "$1: the bundle was rewritten"
}

# ---- fixtures --------------------------------------------------------------------------------
fx_certs "$T" 4
fx_ca "$T" evil "rootwarden test root 1" # same name as root 1, another key: fails the pin
EVIL=$(fx_pin "$T/evil.pem")
mkdir -p "$T/www" "$T/out" "$T/hooks.d"
cp "$T/root1.pem" "$T/www/root1.pem"
cp "$T/root2.der" "$T/www/root2.der"
fx_server_start "$T" "$T/www"

cat >"$T/hook.sh" <<'EOS'
#!/bin/sh
echo "event=$ROOTWARDEN_EVENT bundle=$ROOTWARDEN_BUNDLE path=$ROOTWARDEN_BUNDLE_PATH format=$ROOTWARDEN_FORMAT added=$ROOTWARDEN_ADDED removed=$ROOTWARDEN_REMOVED secret=${RW_SECRET:-unset} path_env=$PATH" >>"$1"
cat >"$1.stdin"
EOS
cat >"$T/failhook.sh" <<'EOS'
#!/bin/sh
echo run >>"$1"
if [ -e "$2" ]; then echo "failing on purpose" >&2; exit 3; fi
exit 0
EOS
cat >"$T/sleeper.sh" <<'EOS'
#!/bin/sh
echo $$ >>"$1"
sleep 1000 &
echo $! >>"$1"
wait
EOS
cat >"$T/slow.sh" <<'EOS'
#!/bin/sh
touch "$1"
sleep 3
EOS
chmod 755 "$T"/*.sh

conf() {
	cat >"$T/rw.conf" <<EOC
state_dir = "$T/state";
hooks_dir = "$T/hooks.d";
hook_timeout = ${HT:-5};
fetch = {
  connect_timeout = 1; timeout = 2; retries = 0; backoff_ms = 0; max_bytes = 4096;
  ca_file = "${CA_FILE:-$T/tls-ca.pem}";
  catalog_roots = false;
};
roots = (
  { id = "r1"; urls = [ "https://127.0.0.1:$PORT/root1.pem" ]; sha256 = "${PIN[1]}"; },
  { id = "r2"; urls = [ "https://127.0.0.1:$PORT/root2.der" ]; sha256 = "${PIN[2]}"; },
  { id = "r3"; file = "$T/root3.pem"; },
  { id = "r4"; urls = [ "file://$T/root4.der" ]; sha256 = "${PIN[4]}"; }
);
bundles = (
  { name = "app"; path = "${APP:-$T/out/app.pem}"; roots = [ ${ROOTS:-\"r1\", \"r2\"} ];
    hooks = ( ${HOOKS:-[ \"$T/hook.sh\", \"$T/hook.log\" ]} ); }
  ${EXTRA:-}
);
EOC
}
conf

# ---- configuration ---------------------------------------------------------------------------
"$RW" config check --config "$T/rw.conf" >"$T/cfg" 2>"$T/err" || fail "config check refused a valid file"
grep -q 'catalog_roots = false' "$T/cfg" || fail "config check does not print the effective configuration"
printf 'state_dir = "/x";\nbogus = 1;\n' >"$T/bad.conf"
"$RW" config check --config "$T/bad.conf" >/dev/null 2>"$T/err"
[ $? = 3 ] || fail "config check: an unknown key must exit 3"
expect_err "bad.conf:2: unknown key 'bogus'"
"$RW" sync --config "$T/bad.conf" --metrics-file "$T/bad.prom" >/dev/null 2>"$T/err"
[ $? = 3 ] || fail "sync with a bad configuration must exit 3"
# Monitoring sees a sync that could not start: its status, and no gauge of an earlier run.
grep -qx 'rootwarden_sync_exit_status 3' "$T/bad.prom" || fail "metrics: no exit status 3 for a bad configuration"
[ "$(grep -vc '^#' "$T/bad.prom")" = 1 ] || fail "metrics of a run that could not start hold more than its status"
ok "config check validates and prints; bad keys exit 3 with file:line (sync: metrics say 3)"

# ---- first sync: writes the bundle and runs the hook once -----------------------------------
export RW_SECRET=must-not-leak
run 5
[ "$(grep -c 'BEGIN CERTIFICATE' "$T/out/app.pem")" = 2 ] || fail "the bundle should hold 2 roots"
[ "$(lines "$T/hook.log")" = 1 ] || fail "the hook should have run once"
grep -q "event=bundle-updated bundle=app path=$T/out/app.pem format=pem" "$T/hook.log" || fail "hook environment"
grep -q "${PIN[1]}" "$T/hook.log" && grep -q "${PIN[2]}" "$T/hook.log" || fail "ROOTWARDEN_ADDED lacks the pins"
grep -q "secret=unset" "$T/hook.log" || fail "the hook environment is not clean"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["bundle"]=="app" and len(d["added"])==2 and d["added"][0]["not_after"]' "$T/hook.log.stdin" || fail "hook stdin JSON"
[ -f "$T/state/roots/${PIN[1]}.der" ] && [ -f "$T/state/fetch/r1.json" ] || fail "verified root not stored"
[ -f "$T/state/roots/${PIN[4]}.der" ] || fail "a file:// mirror root was not fetched and stored"
expect_err "bundle app: $T/out/app.pem updated +2 -0"
grep -Eq "rootwarden sync: changed: [0-9]+ roots fetched, [0-9]+ verified; 1 bundle," "$T/err" || fail "summary: what happened to the roots, no empty counts"
cp "$T/out/app.pem" "$T/app.good"
GOOD_MTIME=$(mtime "$T/out/app.pem")
ok "first sync writes the bundle (exit 5) and runs the hook once with a clean environment"

# ---- a sync that cannot start keeps the last run's metrics, with its own status -------------
run 0 --offline --metrics-file "$T/m.prom"
grep -q '^rootwarden_sync_last_success_timestamp_seconds ' "$T/m.prom" || fail "metrics: no last success"
"$RW" sync --config "$T/bad.conf" --metrics-file "$T/m.prom" >/dev/null 2>"$T/err"
[ $? = 3 ] || fail "sync with a bad configuration must exit 3"
[ "$(grep -c '^rootwarden_sync_exit_status ' "$T/m.prom")" = 1 ] || fail "metrics: not one exit status"
grep -qx 'rootwarden_sync_exit_status 3' "$T/m.prom" || fail "metrics: the status is not 3"
grep -q '^rootwarden_sync_last_success_timestamp_seconds ' "$T/m.prom" || fail "metrics: the last success was dropped"
grep -q '^rootwarden_root_not_after_timestamp_seconds{' "$T/m.prom" || fail "metrics: root expiry dropped"
[ "$(grep -c '^# TYPE rootwarden_sync_exit_status ' "$T/m.prom")" = 1 ] || fail "metrics: the family twice"
ok "a sync that cannot start: metrics keep the last run's series, status 3 replaces the last"

# ---- a metrics file where a bundle or the state is: refused (3), nothing written there -------
run 3 --offline --metrics-file "$T/out/app.pem"
expect_err "metrics_file '$T/out/app.pem' is bundle 'app''s file"
bundle_intact "--metrics-file naming the bundle's file"
run 3 --offline --metrics-file "$T/state/m.prom"
expect_err "is inside state_dir"
[ -e "$T/state/m.prom" ] && fail "a refused metrics file inside state_dir was written"
sed "s|^state_dir = .*|&\nmetrics_file = \"$T/out/app.pem\";|" "$T/rw.conf" >"$T/mbad.conf"
"$RW" sync --config "$T/mbad.conf" --offline >/dev/null 2>"$T/err"
[ $? = 3 ] || fail "metrics_file naming a bundle's file must exit 3"
bundle_intact "metrics_file naming the bundle's file (a sync that could not start)"
ok "a metrics file that is a bundle's file or inside state_dir: exit 3, the bundle and the state untouched"

# ---- second sync: conditional requests, 304, nothing written, no hook ------------------------
sleep 0.05
: >"$T/server.log"
touch "$T/before-second"
sleep 0.05
run 0
bundle_intact "second sync"
# nothing in the state directory is written either (the lock file's pid aside)
changed=$(find "$T/state" -type f -newer "$T/before-second" ! -name lock)
[ -z "$changed" ] || fail "a no-change sync wrote state files: $changed"
[ "$(lines "$T/hook.log")" = 1 ] || fail "no hook may run when nothing changed"
[ "$(grep -c ' 304 0 ' "$T/server.log")" = 2 ] || { cat "$T/server.log"; fail "expected two 304 answers"; }
grep -q 'INM="' "$T/server.log" || fail "no If-None-Match sent"
[ "$(lines "$T/err")" -le 1 ] || fail "a no-change sync prints at most one line"
run 0 --quiet
[ -s "$T/err" ] && fail "--quiet with nothing changed prints nothing"
ok "second sync: conditional GET, 304, nothing written, no hook, one summary line"

# ---- dry run and JSON -------------------------------------------------------------------------
ROOTS='"r1", "r2", "r3"' conf
run 5 --dry-run --json
bundle_intact "dry run"
[ "$(lines "$T/hook.log")" = 1 ] || fail "a dry run runs no hook"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); b=d["bundles"][0]; assert d["status"]=={"code":5,"text":"changed"} and d["dry_run"] and b["state"]=="updated" and len(b["added"])==1, d' "$T/stdout" || fail "--json report"
conf
ok "--dry-run plans (exit 5) but writes nothing and runs no hook; --json reports it"

# ---- a root that fails its pin is quarantined ----------------------------------------------
cp "$T/evil.pem" "$T/www/root1.pem"
run 6
bundle_intact "pin mismatch"
expect_err "root r1: quarantined"
expect_err "verified, 1 quarantined; 1 bundle,"
expect_err "$EVIL"
expect_err "subject 'CN=rootwarden test root 1"
expect_err "not after"
[ -f "$T/state/quarantine/$EVIL.json" ] && [ -f "$T/state/quarantine/$EVIL.der" ] || fail "not quarantined in the state dir"
[ -f "$T/state/roots/$EVIL.der" ] && fail "a quarantined root was stored as verified"
[ "$(lines "$T/hook.log")" = 1 ] || fail "no hook on a quarantine"
ok "pin mismatch: quarantined and reported (subject, issuer, SHA-256, not after), bundle untouched, exit 6"

# ---- an HTML error page with status 200 is rejected ---------------------------------------
printf '<html><body>Service unavailable</body></html>\n' >"$T/www/root1.pem"
run 6
bundle_intact "HTML page"
expect_err "root r1: failed: content rejected"
ok "HTML page with 200: rejected, degraded"

# ---- a body over max_bytes is rejected ------------------------------------------------------
head -c 8192 /dev/zero | tr '\0' 'A' >"$T/www/root1.pem"
run 6
bundle_intact "big body"
expect_err "larger than max_bytes (4096)"
cp "$T/root1.pem" "$T/www/root1.pem"
ok "body over max_bytes: rejected, degraded"

# ---- a server that never answers: timeout --------------------------------------------------
touch "$T/www/root1.pem.hang"
start=$(date +%s)
run 6
[ $(($(date +%s) - start)) -lt 10 ] || fail "the timeout did not apply"
expect_err "root r1: failed: .*timed out"
bundle_intact "timeout"
rm "$T/www/root1.pem.hang"
ok "a server that never answers: timed out (2 s), degraded"

# ---- a redirect to http:// is refused ------------------------------------------------------
echo "http://127.0.0.1:$PORT/root1.pem" >"$T/www/root1.pem.redirect"
run 6
expect_err "redirect to 'http://127.0.0.1:$PORT/root1.pem' refused"
bundle_intact "redirect"
cp "$T/root1.pem" "$T/www/root1-copy.pem"
echo "https://127.0.0.1:$PORT/root1-copy.pem" >"$T/www/root1.pem.redirect"
run 0
bundle_intact "https redirect"
rm "$T/www/root1.pem.redirect"
ok "redirect to http:// refused, degraded; a redirect to https:// is followed"

# ---- an untrusted server certificate is refused -------------------------------------------
CA_FILE=$T/other-ca.pem conf
run 6
expect_err "certificate is not trusted"
bundle_intact "untrusted server"
conf
run 0
ok "untrusted server certificate refused, degraded; trusted again: nothing changed"

# ---- server down: degraded, bundle intact; journal priorities ------------------------------
fx_server_stop
JOURNAL_STREAM=8:1234 run 6
bundle_intact "server down"
expect_err "keeping the last verified copy"
grep -q '^<4>root r1: failed' "$T/err" || fail "JOURNAL_STREAM: no <4> prefix"
grep -vq '^<[346]>' "$T/err" && fail "JOURNAL_STREAM: a line without a priority"
ok "server down: degraded (exit 6), bundle intact; journal lines carry <4>/<6>"

# From here on the network is not needed: --offline builds from the stored and local roots.
# ---- a failing hook is retried on the next sync until it succeeds once ----------------------
touch "$T/fail"
ROOTS='"r1", "r2", "r3"' HOOKS="[ \"$T/hook.sh\", \"$T/hook.log\" ], [ \"$T/failhook.sh\", \"$T/fail.log\", \"$T/fail\" ]" conf
run 1 --offline
[ "$(grep -c 'BEGIN CERTIFICATE' "$T/out/app.pem")" = 3 ] || fail "the bundle should now hold 3 roots"
expect_err "failing on purpose"
[ "$(lines "$T/fail.log")" = 1 ] && [ "$(lines "$T/hook.log")" = 2 ] || fail "hooks should have run once each"
[ -f "$T/state/hooks/app.json" ] || fail "the failed hook is not recorded"
rm "$T/fail"
run 0 --offline
[ "$(lines "$T/fail.log")" = 2 ] || fail "the failed hook was not retried"
[ "$(lines "$T/hook.log")" = 2 ] || fail "a hook that succeeded was run again"
expect_err "retry"
[ -f "$T/state/hooks/app.json" ] && fail "the retry record stayed after success"
run 0 --offline
[ "$(lines "$T/fail.log")" = 2 ] || fail "the hook ran a third time"
ok "failing hook: exit 1, retried on the next sync (succeeds), not run a third time"

# ---- a hook that sleeps forever is killed at its timeout ----------------------------------
HT=1 HOOKS="[ \"$T/sleeper.sh\", \"$T/sleeper.pids\" ]" conf
start=$(date +%s)
run 1 --offline
[ $(($(date +%s) - start)) -lt 10 ] || fail "the hook timeout did not apply"
expect_err "timed out after 1s; process group killed"
sleep 0.2
for p in $(cat "$T/sleeper.pids"); do
	# Gone, or a zombie waiting for its new parent to reap it (dead either way).
	st=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ] && fail "process $p of the hook's group survived ($st)"
done
ok "hook sleeping forever: killed with its whole process group at 1 s, exit 1"

# ---- a world-writable hook is refused -------------------------------------------------------
printf '#!/bin/sh\ntouch "%s/ww.ran"\n' "$T" >"$T/hooks.d/50-ww"
chmod 0777 "$T/hooks.d/50-ww"
ROOTS='"r1", "r2", "r3"' conf
run 1 --offline
expect_err "50-ww: world-writable"
[ -e "$T/ww.ran" ] && fail "a world-writable hook ran"
[ "$(lines "$T/hook.log")" = 3 ] || fail "the bundle's own hook should still run"
rm "$T/hooks.d/50-ww"
printf '#!/bin/sh\necho "$ROOTWARDEN_BUNDLE" >>"%s/dir.log"\n' "$T" >"$T/hooks.d/10-dir"
chmod 0755 "$T/hooks.d/10-dir"
# The refused hook is still due for the earlier change; it no longer exists under that name (it
# may have been fixed under another), so every current hook runs for that change once.
run 0 --offline
[ "$(cat "$T/dir.log")" = app ] || fail "a pending hook that no longer exists: every hook runs once"
: >"$T/dir.log"
ROOTS='"r1", "r2"' conf
run 5 --offline
[ "$(cat "$T/dir.log")" = app ] || fail "the hooks_dir hook did not run after the bundle's own"
rm "$T/hooks.d/10-dir"
ok "world-writable hook refused with the reason (exit 1); hooks_dir hooks run after the bundle's"

# ---- two syncs at once ---------------------------------------------------------------------
HT=10 ROOTS='"r1", "r2", "r3"' HOOKS="[ \"$T/slow.sh\", \"$T/slow.started\" ]" conf
("$RW" sync --config "$T/rw.conf" --offline >/dev/null 2>"$T/errA"; echo $? >"$T/rcA") &
BG=$!
for ((i = 0; i < 200; i++)); do [ -e "$T/slow.started" ] && break; sleep 0.05; done
[ -e "$T/slow.started" ] || fail "the first sync did not start its hook"
HOLDER=$(tr -d '\n' <"$T/state/lock")
echo "# the holder's metrics" >"$T/lock.prom"
run 4 --offline --metrics-file "$T/lock.prom"
expect_err "another sync (pid $HOLDER) holds the lock"
[ "$(cat "$T/lock.prom")" = "# the holder's metrics" ] || fail "a sync refused by the lock wrote the metrics file"
run 0 --offline --lock-timeout 20
wait "$BG"
BG=
[ "$(cat "$T/rcA")" = 5 ] || fail "the first sync should have exited 5"
ok "two syncs at once: the second is refused (exit 4, names pid $HOLDER) or waits (--lock-timeout)"

# ---- a bundle that cannot be written: old bundle intact, failed ----------------------------
conf
run 5 --offline
cp "$T/out/app.pem" "$T/app.good"
GOOD_MTIME=$(mtime "$T/out/app.pem")
touch "$T/afile"
EXTRA=", { name = \"bad\"; path = \"$T/afile/bad.pem\"; roots = [ \"r1\" ]; }" conf
run 1 --offline
expect_err "bundle bad: $T/afile/bad.pem failed"
bundle_intact "unwritable sibling"
ok "bundle path under a regular file: that bundle failed (exit 1), the other intact"

mkdir "$T/ro"
APP=$T/ro/app.pem conf
run 5 --offline
cp "$T/ro/app.pem" "$T/ro.good"
ROMTIME=$(mtime "$T/ro/app.pem")
APP=$T/ro/app.pem ROOTS='"r1", "r2", "r3"' conf
if [ "$(id -u)" = 0 ]; then
	if command -v setpriv >/dev/null 2>&1; then
		chown -R 65534:65534 "$T/state"
		chmod 755 "$T/ro"
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$RW" sync --config "$T/rw.conf" --offline >/dev/null 2>"$T/err"
		RC=$?
		HOW="as uid 65534 through setpriv (the directory belongs to root, mode 0755)"
	else
		echo "setpriv is missing: skipping the read-only directory case"
		RC=1
		HOW=skipped
	fi
else
	chmod 555 "$T/ro"
	"$RW" sync --config "$T/rw.conf" --offline >/dev/null 2>"$T/err"
	RC=$?
	HOW="directory mode 0555"
fi
[ "$RC" = 1 ] || fail "an unwritable bundle directory must exit 1, got $RC"
if [ "$HOW" != skipped ]; then
	expect_err "bundle app: $T/ro/app.pem failed"
	cmp -s "$T/ro/app.pem" "$T/ro.good" && [ "$(mtime "$T/ro/app.pem")" = "$ROMTIME" ] ||
		fail "the old bundle changed"
fi
chmod 755 "$T/ro"
ok "bundle directory not writable ($HOW): old bundle intact, exit 1"

# ---- a hook in hooks_dir that is a symlink into a world-writable directory is refused -------
mkdir "$T/drop" "$T/safe"
chmod 1777 "$T/drop" # sticky, like /tmp: its files' owners may still swap them
printf '#!/bin/sh\ntouch "%s/drop.ran"\n' "$T" >"$T/drop/hook"
printf '#!/bin/sh\ntouch "%s/safe.ran"\n' "$T" >"$T/safe/hook"
chmod 755 "$T/drop/hook" "$T/safe/hook"
ln -s "$T/drop/hook" "$T/hooks.d/60-drop"
ln -s "$T/safe/hook" "$T/hooks.d/70-safe"
ROOTS='"r1", "r2", "r3"' conf
run 1 --offline
expect_err "60-drop -> $T/drop/hook: directory $T/drop is world-writable (mode 1777)"
[ -e "$T/drop.ran" ] && fail "a hook reached through a world-writable directory ran"
[ -e "$T/safe.ran" ] || fail "the symlink to a safe hook did not run"
rm "$T/hooks.d/60-drop" "$T/hooks.d/70-safe"
ok "symlinked hook living in a sticky world-writable directory refused, naming it (exit 1); a safe symlink runs"

echo "all sync scenarios passed"
