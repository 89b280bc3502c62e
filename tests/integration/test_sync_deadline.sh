#!/bin/bash
# test_sync_deadline.sh - roots whose server never answers (a listener on 127.0.0.1 that accepts
# and says nothing) cannot hold sync past the fetch phase's one deadline (fetch.deadline), however
# long each attempt's timeout and however many retries: the fetches run in parallel and all end at
# the deadline. In the journal, each root gets one line as it finishes ("fetch N/M after S s: root
# ID from URL: failed"), so a slow run is never silent; the run is degraded (exit 6), the roots
# keep their last copy and the bundle stays as it was.
# (No timing is asserted: "timeout" only stops a run that would otherwise hang the suite.)
set -u
umask 022
. "${RW_SOURCE_DIR:?}/tests/integration/sync_fixture.sh"
fx_need
command -v timeout >/dev/null || { echo "skipped: timeout is not installed"; exit 77; }
RW=${RW_BINARY:?}
. "$RW_SOURCE_DIR/tests/integration/checklib.sh"
. "$RW_SOURCE_DIR/tests/integration/safe_tmpdir.sh"
T=$(mktemp -d "$TMPDIR/rw-deadline.XXXXXX")
chmod 755 "$T"
LPID=
cleanup() {
	[ -n "$LPID" ] && kill "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

fx_certs "$T" 4
# The silent server: accepts every connection and holds it open, never sending a byte.
python3 - "$T/port" <<'EOP' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
held = []
while True:
    c, _ = s.accept()
    held.append(c)
EOP
LPID=$!
for ((i = 0; i < 100; i++)); do
	[ -s "$T/port" ] && break
	sleep 0.05
done
[ -s "$T/port" ] || { echo "the silent listener did not start"; exit 1; }
PORT=$(cat "$T/port")

mkdir -p "$T/out"
cat >"$T/rw.conf" <<EOC
state_dir = "$T/state";
fetch = {
  connect_timeout = 60; timeout = 120; retries = 5; backoff_ms = 1000;
  ca_file = "$T/tls-ca.pem"; catalog_roots = false; deadline = 6;
};
roots = (
  { id = "r1"; urls = [ "https://127.0.0.1:$PORT/root1.pem" ]; sha256 = "${PIN[1]}"; },
  { id = "r2"; urls = [ "https://127.0.0.1:$PORT/root2.pem" ]; sha256 = "${PIN[2]}"; },
  { id = "r3"; urls = [ "https://127.0.0.1:$PORT/root3.pem" ]; sha256 = "${PIN[3]}"; },
  { id = "r4"; file = "$T/root4.pem"; }
);
bundles = ( { name = "app"; path = "$T/out/app.pem"; roots = [ "r4" ]; } );
EOC
"$RW" sync --offline --config "$T/rw.conf" >/dev/null 2>&1
cp "$T/out/app.pem" "$T/app.good"

JOURNAL_STREAM=8:1234 timeout 100 "$RW" sync --config "$T/rw.conf" >"$T/stdout" 2>"$T/err"
rc=$?
check "the run ended by itself (not stopped by the guard; exit $rc)" [ "$rc" != 124 ]
check "degraded: exit 6 (got $rc)" [ "$rc" = 6 ]
for r in r1 r2 r3; do
	check "root $r: one progress line as it finished" \
		[ "$(grep -c "^<6>fetch [1-3]/3 after [0-9.]* s: root $r from https://127.0.0.1:$PORT/${r/r/root}.pem: failed\$" "$T/err")" = 1 ]
done
check "the failures name the deadline" grep -q "not finished within the fetch deadline" "$T/err"
check "the bundle is as it was" cmp -s "$T/out/app.pem" "$T/app.good"
[ "$fails" -eq 0 ] || sed 's/^/    stderr: /' "$T/err"
[ "$fails" -eq 0 ]
