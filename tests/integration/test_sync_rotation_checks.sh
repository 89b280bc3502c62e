#!/usr/bin/env bash
# sync's later duties, end to end with the built program (offline, no network):
#  - the roots of a coming step are added add_ahead_days early, so 'rotation' sees the bundle ready;
#  - ROOTWARDEN_EVENT=rotation-upcoming reaches the hooks once per coming change, not twice;
#  - a configured check that does not pass makes the run degraded and shows in the metrics;
#  - --metrics-file holds the run's metrics (parsed back here).
set -u
bin=${RW_BINARY:?}
src=${RW_SOURCE_DIR:?}
. "${RW_SOURCE_DIR:?}/tests/integration/safe_tmpdir.sh" # hooks must not live under a writable parent
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
chmod 755 "$t"
fail() { echo "FAIL: $*"; exit 1; }

mkdir -p "$t/out" "$t/state" "$t/hooks.d"
chmod 755 "$t/hooks.d"
cat > "$t/hooks.d/record" <<'H'
#!/bin/sh
# appends one line per event: EVENT BUNDLE DATE ADDED
printf '%s %s %s %s\n' "$ROOTWARDEN_EVENT" "$ROOTWARDEN_BUNDLE" "${ROOTWARDEN_CHANGE_DATE:--}" \
  "$ROOTWARDEN_ADDED" >> "$(dirname "$0")/../events.log"
cat > /dev/null
H
chmod 755 "$t/hooks.d/record"
printf 'not really a key\n' > "$t/server.key"
chmod 644 "$t/server.key"
cat > "$t/rw.conf" <<C
state_dir = "$t/state";
hooks_dir = "$t/hooks.d";
roots_dir = "$src/roots";
fetch = { catalog_roots = false; };
bundles = (
  { name = "mysql"; path = "$t/out/mysql.pem"; profiles = [ "azure-mysql-single" ]; }
);
checks = (
  { kind = "key"; name = "pg-key"; paths = [ "$t/server.key" ]; policy = "strict"; }
);
C
g2=CB3CCBB76031E5E0138F8DD39A23F9DE47FFC35E43C1144CEA27D46A5AB1CB5F

# 2020-07-01: Baltimore only; the 2020-10-26 step is 117 days away, its roots arrive 90 days
# before it (2020-07-28), and that change is announced now (27 days ahead).
ROOTWARDEN_NOW=2020-07-01 "$bin" sync --config "$t/rw.conf" --metrics-file "$t/m.prom" -q \
  > "$t/o1" 2>&1
rc=$?
[ $rc -eq 6 ] || { cat "$t/o1"; fail "first sync: exit $rc, want 6 (degraded by the key check)"; }
grep -q "check pg-key (key):" "$t/o1" || fail "the check is not reported: $(cat "$t/o1")"
# -q: only problems (the failing check, the degraded summary), no line per bundle
! grep -q "^bundle " "$t/o1" || fail "-q printed more than problems: $(cat "$t/o1")"
[ "$(grep -c 'BEGIN CERTIFICATE' "$t/out/mysql.pem")" -eq 1 ] || fail "want Baltimore alone"
grep -q "^bundle-updated mysql - " "$t/events.log" || fail "no bundle-updated event"
grep -q "^rotation-upcoming mysql 2020-07-28 $g2\$" "$t/events.log" ||
  fail "no rotation-upcoming for 2020-07-28: $(cat "$t/events.log")"
grep -q '^rootwarden_check_status{check="key",target="pg-key"} [12]$' "$t/m.prom" ||
  fail "check status missing from metrics: $(cat "$t/m.prom")"
grep -q '^rootwarden_bundle_roots{bundle="mysql"} 1$' "$t/m.prom" || fail "bundle_roots"
grep -q '^rootwarden_sync_last_success_timestamp_seconds [0-9]' "$t/m.prom" || fail "last success"
grep -q '^# TYPE rootwarden_fetch_failures_total counter$' "$t/m.prom" || fail "fetch failures"

# The same day again: nothing new is announced (the check still fails: still degraded).
ROOTWARDEN_NOW=2020-07-01 "$bin" sync --config "$t/rw.conf" -q > "$t/o2" 2>&1
rc=$?
[ $rc -eq 6 ] || { cat "$t/o2"; fail "second sync: exit $rc, want 6"; }
[ "$(grep -c '^rotation-upcoming' "$t/events.log")" -eq 1 ] || fail "rotation-upcoming twice"

# 2020-07-28, before that day's sync: the step is 90 days away and the file lacks G2: WARNING.
ROOTWARDEN_NOW=2020-07-28 "$bin" rotation --config "$t/rw.conf" > "$t/r1" 2>&1
[ $? -eq 1 ] || { cat "$t/r1"; fail "rotation before the sync: want WARNING (1)"; }
# The sync adds G2 ahead of the step; the bundle is ready, so 'rotation' says OK.
ROOTWARDEN_NOW=2020-07-28 "$bin" sync --config "$t/rw.conf" > "$t/o3" 2>&1
rc=$?
[ $rc -eq 6 ] || { cat "$t/o3"; fail "sync on 2020-07-28: exit $rc, want 6 (changed, check degraded)"; }
grep -q "updated +1 -0" "$t/o3" || fail "no update reported: $(cat "$t/o3")"
grep -q "BEGIN CERTIFICATE" "$t/out/mysql.pem" && grep -q "DigiCert Global Root G2" "$t/out/mysql.pem" ||
  fail "G2 not added ahead"
[ "$(grep -c "^bundle-updated mysql - $g2\$" "$t/events.log")" -eq 1 ] || fail "no bundle-updated +G2"
ROOTWARDEN_NOW=2020-07-28 "$bin" rotation --config "$t/rw.conf" > "$t/r2" 2>&1
[ $? -eq 0 ] || { cat "$t/r2"; fail "rotation after: want OK (0)"; }
# A metrics file that cannot be written: the bundles are still right, so the run is degraded (6),
# not failed; the message names the file once, and --json lists it among the problems.
(cd "$t" && ROOTWARDEN_NOW=2020-07-28 "$bin" sync --config "$t/rw.conf" -q \
	--metrics-file nodir/m.prom > "$t/o4" 2>&1)
rc=$?
[ $rc -eq 6 ] || { cat "$t/o4"; fail "unwritable metrics file: exit $rc, want 6 (degraded)"; }
grep -q "rootwarden sync: nodir/m.prom: cannot create a temporary file.*(metrics not written)" "$t/o4" ||
	fail "metrics error does not name the file: $(cat "$t/o4")"
grep -q "nodir/m.prom: nodir/m.prom" "$t/o4" && fail "the file is named twice"
(cd "$t" && ROOTWARDEN_NOW=2020-07-28 "$bin" sync --config "$t/rw.conf" --json \
	--metrics-file nodir/m.prom > "$t/o5" 2>/dev/null)
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert any("nodir/m.prom" in p for p in j["problems"]), j' "$t/o5" ||
	fail "--json does not report the unwritten metrics file: $(cat "$t/o5")"
echo "1 passed, 0 failed"
