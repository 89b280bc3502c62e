#!/bin/bash
# rootwarden probe with many endpoints and in its surroundings: 40 tls:// endpoints at once, each
# judged on its own; the --concurrency bound as a server counts it; bundles from --config judged
# as sync will write them at the coming step; probe as a sync check kind (reported, degraded run,
# exported); the metrics file; usage errors. Servers: openssl s_server and small python3 ones.
set -u
BIN=${RW_BINARY:?}
SRC=${RW_SOURCE_DIR:?}
for t in openssl certtool python3; do
	command -v $t >/dev/null || { echo "skip: $t missing"; exit 77; }
done
source "$SRC/tests/integration/safe_tmpdir.sh"
source "$SRC/tests/integration/checklib.sh"
source "$SRC/tests/integration/probe_fixture.sh"

probe_test_setup
probe() { "$BIN" probe --json "$@" >"$T/out.json"; echo $? >"$T/rc"; }
rule() { probe_rule "$@" <"$T/out.json"; }
CLOSED=$(free_port)

# many endpoints at once, each judged on its own
s_server leaf.pem -tls1_2 int.pem
P12=$PORT
s_server leaf.pem -tls1_3 int.pem
P13=$PORT
urls=()
for i in $(seq 1 20); do urls+=("tls://localhost:$P12" "tls://localhost:$P13"); done
"$BIN" probe --json --concurrency 16 "${urls[@]}" >"$T/many.json"
check "40 endpoints: every one probed with its own versions" python3 -c "
import json,sys
d=json.load(open('$T/many.json'))['endpoints']
assert len(d)==40, len(d)
for i,e in enumerate(d):
    want='TLS1.2' if i%2==0 else 'TLS1.3'
    acc=[k for k,v in e['versions'].items() if v=='accepted']
    assert acc==[want], (i,acc)
"

# the concurrency bound: a server that answers SSLRequest with 'N' after a pause and records the
# most SSLRequests waiting for its answer at once (a probe thread opens its next connection only
# after the answer): 6 endpoints (30 connections) with --concurrency 3, then 8 as the control
cat >"$T/bound.py" <<'PY'
import socket, sys, threading, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)
lock, cur, top = threading.Lock(), [0], [0]
def serve(c):
    try:
        if len(c.recv(8)) != 8:  # not a probe (wait_port)
            c.close()
            return
        with lock:
            cur[0] += 1
            top[0] = max(top[0], cur[0])
            open(sys.argv[2], "w").write("%d\n" % top[0])
        time.sleep(0.2)
        with lock:
            cur[0] -= 1
        c.sendall(b"N")
        while c.recv(64):
            pass
    except OSError:
        pass
    c.close()
while True:
    threading.Thread(target=serve, args=(s.accept()[0],), daemon=True).start()
PY
BOUND=$(free_port)
python3 "$T/bound.py" "$BOUND" "$T/bound" &
PIDS+=($!)
wait_port "$BOUND"
urls=()
for i in $(seq 1 6); do urls+=("postgres://127.0.0.1:$BOUND"); done
"$BIN" probe --json --concurrency 3 "${urls[@]}" >"$T/bound.json"
check "--concurrency 3: never more than 3 connections at once" [ "$(cat "$T/bound")" -le 3 ]
check "--concurrency 3: every endpoint judged (cleartext only)" [ "$(grep -c '"tls": "not-offered"' "$T/bound.json")" = 6 ]
"$BIN" probe --concurrency 8 "${urls[@]}" >/dev/null
check "--concurrency 8 (control): more than 3 at once" [ "$(cat "$T/bound")" -gt 3 ]

# --config: a bundle that sync manages is judged as sync will write it at the coming step.
cat >"$T/rw.conf" <<CONF
state_dir = "$T/state";
bundles = ( { name = "app"; path = "$T/app.pem"; profiles = [ "test-svc" ]; } );
CONF
cp "$T/pki/bundle-a.pem" "$T/app.pem"
probe "tls://localhost:$P13" --config "$T/rw.conf" --bundle "$T/pki/bundle-b.pem"
check "config bundle verifies now" [ "$(rule bundle "$T/app.pem")" = PASS ]
check "config bundle at the 2090 step: sync writes root B + retiring A: PASS" [ "$(rule bundle-step "$T/app.pem")" = PASS ]
check "--bundle B: fails verify-full now" [ "$(rule bundle "$T/pki/bundle-b.pem")" = FAIL ]
check "root named by catalog id" grep -q '"id": "test-root-a"' "$T/out.json"

# probe as a sync check kind: run on every sync, reported and exported like the other checks
mkdir -p "$T/syncstate"
cat >"$T/sync.conf" <<CONF
state_dir = "$T/syncstate";
roots_dir = "$T/pki/roots";
fetch = { catalog_roots = false; };
bundles = ( { name = "app"; path = "$T/sync-app.pem"; profiles = [ "test-svc" ]; } );
checks = (
  { kind = "probe"; name = "db"; url = "tls://localhost:$P12"; profile = "test-svc"; bundle = "$T/pki/bundle-a.pem"; },
  { kind = "probe"; name = "gone"; url = "tls://127.0.0.1:$CLOSED"; }
);
CONF
"$BIN" sync --config "$T/sync.conf" --metrics-file "$T/sync.prom" >"$T/sync.out" 2>&1
check "sync: a probe check that does not pass makes the run degraded (exit 6)" [ $? = 6 ]
check "sync: probe check reported with its findings" grep -q "check db (probe): WARNING: 1 WARN (bundle-step)" "$T/sync.out"
check "sync: unreachable probe check is UNKNOWN (connect)" grep -q "check gone (probe): UNKNOWN: 1 UNKNOWN (connect)" "$T/sync.out"
check "sync: probe check exported (WARNING)" grep -q '^rootwarden_check_status{check="probe",target="db"} 1$' "$T/sync.prom"
check "sync: probe check exported (UNKNOWN)" grep -q '^rootwarden_check_status{check="probe",target="gone"} 3$' "$T/sync.prom"
# metrics file
"$BIN" probe "tls://localhost:$P12" --metrics-file "$T/m.prom" >/dev/null
check "metrics: check status" grep -q "rootwarden_check_status{check=\"probe\",target=\"tls://localhost:$P12\"} 0" "$T/m.prom"
check "metrics: TLS 1.2 accepted, 1.3 refused" grep -q "version=\"TLS1.2\"} 1" "$T/m.prom"
check "metrics: TLS 1.2 accepted, 1.3 refused (2)" grep -q "version=\"TLS1.3\"} 0" "$T/m.prom"

# usage errors: exit 3 with the URL in the message
"$BIN" probe "ftp://x" 2>"$T/err"
check "unknown scheme: exit 3, message names the URL" [ $? = 3 ]
check "unknown scheme: exit 3, message names the URL (2)" grep -q "ftp://x: unknown scheme" "$T/err"
"$BIN" probe "postgres://user:secret@localhost" 2>"$T/err"
check "password in the URL refused (and not echoed)" [ $? = 3 ]
check "password in the URL refused (and not echoed) (2)" not grep -q secret "$T/err"
"$BIN" probe "tls://localhost" 2>"$T/err"
check "tls:// without a port: exit 3" [ $? = 3 ]
[ "$fails" -eq 0 ]
