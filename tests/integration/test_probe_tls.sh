#!/bin/bash
# rootwarden probe tls:// against openssl s_server and gnutls-serv limited to single versions;
# chain order and SHA-1 intermediates; PostgreSQL 17 direct TLS and https against s_server; a
# refused port, a silent one and one whose connect goes unanswered (UNKNOWN, with the reason).
# More endpoints, the concurrency bound, --config, sync and metrics: test_probe_many.sh.
set -u
BIN=${RW_BINARY:?}
SRC=${RW_SOURCE_DIR:?}
for t in openssl gnutls-serv certtool python3; do
	command -v $t >/dev/null || { echo "skip: $t missing"; exit 77; }
done
source "$SRC/tests/integration/safe_tmpdir.sh"
source "$SRC/tests/integration/checklib.sh"
source "$SRC/tests/integration/probe_fixture.sh"

probe_test_setup
g_server() { # CERT PRIORITY
	PORT=$(free_port)
	gnutls-serv --port "$PORT" --x509certfile "$T/pki/$1" --x509keyfile "$T/pki/leaf-key.pem" \
		--priority "$2" </dev/null >/dev/null 2>&1 &
	PIDS+=($!)
	wait_port "$PORT"
}
probe() { "$BIN" probe --json "$@" >"$T/out.json"; echo $? >"$T/rc"; }
versions() { probe_versions <"$T/out.json"; }
rule() { probe_rule "$@" <"$T/out.json"; }

declare -A WANT=(
	[-tls1]="TLS1.0=accepted TLS1.1=refused TLS1.2=refused TLS1.3=refused"
	[-tls1_1]="TLS1.0=refused TLS1.1=accepted TLS1.2=refused TLS1.3=refused"
	[-tls1_2]="TLS1.0=refused TLS1.1=refused TLS1.2=accepted TLS1.3=refused"
	[-tls1_3]="TLS1.0=refused TLS1.1=refused TLS1.2=refused TLS1.3=accepted"
)
for v in -tls1 -tls1_1 -tls1_2 -tls1_3; do
	s_server leaf.pem "$v" int.pem
	probe "tls://localhost:$PORT"
	check "openssl s_server $v: versions exactly" [ "$(versions)" = "${WANT[$v]}" ]
done
declare -A GWANT=([1.0]=-tls1 [1.1]=-tls1_1 [1.2]=-tls1_2 [1.3]=-tls1_3)
for v in 1.0 1.1 1.2 1.3; do
	# 1.0 and 1.1 sign with SHA-1 handshake hashes, which NORMAL no longer allows
	g_server full.pem "NORMAL:-VERS-ALL:+VERS-TLS$v:+SHA1:+SIGN-ALL"
	probe "tls://localhost:$PORT"
	check "gnutls-serv TLS $v only: versions exactly" [ "$(versions)" = "${WANT[${GWANT[$v]}]}" ]
	[ $v = 1.1 ] && check "gnutls-serv TLS 1.1 only: Azure TLS1_1" grep -q '"azure_minimal_tls": "TLS1_1"' "$T/out.json"
done
check "gnutls-serv TLS 1.3 only: Azure TLS1_3 (only 1.3)" grep -q '"azure_minimal_tls": "TLS1_3"' "$T/out.json"

cat "$T/pki/root-a.pem" "$T/pki/int.pem" >"$T/pki/badorder-chain.pem"
s_server leaf.pem -tls1_2 badorder-chain.pem
probe "tls://localhost:$PORT"
check "wrong order: chain FAIL" [ "$(rule chain)" = FAIL ]
check "wrong order: chain FAIL (2)" grep -q "out of order" "$T/out.json"
s_server sha1-leaf.pem -tls1_2 int-sha1.pem
probe "tls://localhost:$PORT"
check "SHA-1 intermediate: chain FAIL" [ "$(rule chain)" = FAIL ]
check "SHA-1 intermediate: chain FAIL (2)" grep -q "SHA1" "$T/out.json"

# PostgreSQL 17's direct TLS (sslnegotiation=direct): TLS first with ALPN "postgresql". The
# PostgreSQL here is 15, so openssl s_server stands in for a server that negotiates it.
PORT=$(free_port)
openssl s_server -accept "127.0.0.1:$PORT" -cert "$T/pki/leaf.pem" -key "$T/pki/leaf-key.pem" \
	-cert_chain "$T/pki/int.pem" -alpn postgresql -quiet </dev/null >/dev/null 2>&1 &
PIDS+=($!)
wait_port "$PORT"
probe "postgres://localhost:$PORT?sslnegotiation=direct" --bundle "$T/pki/bundle-a.pem"
check "direct TLS: ALPN postgresql negotiated" grep -q '"alpn": "postgresql"' "$T/out.json"
check "direct TLS: reported as TLS first" grep -q '"tls": "tls-first"' "$T/out.json"
check "direct TLS: libpq setting has sslnegotiation=direct" grep -q "sslnegotiation=direct" "$T/out.json"
probe "https://localhost:$PORT" --bundle "$T/pki/bundle-a.pem"
check "https: bundle verifies, curl setting" grep -q "curl --cacert $T/pki/bundle-a.pem" "$T/out.json"

# refused and silent ports: UNKNOWN with the reason, within the timeouts
CLOSED=$(free_port)
probe "postgres://127.0.0.1:$CLOSED"
check "refused port: UNKNOWN, connection refused" [ "$(cat "$T/rc")" = 3 ]
check "refused port: UNKNOWN, connection refused (2)" grep -q "Connection refused" "$T/out.json"
SILENT=$(free_port)
python3 -c "
import socket,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1',$SILENT)); s.listen(64)
conns=[]
while True: conns.append(s.accept()[0])" &
PIDS+=($!)
wait_port "$SILENT"
probe "mysql://127.0.0.1:$SILENT" --timeout 300
check "silent port: UNKNOWN, timed out" [ "$(cat "$T/rc")" = 3 ]
check "silent port: UNKNOWN, timed out (2)" grep -q "timed out" "$T/out.json"
# a port whose accept queue is full: the SYN goes unanswered, connect() hangs until
# --connect-timeout
cat >"$T/full.py" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
s = socket.socket()
s.bind(("127.0.0.1", port))
s.listen(0)
held = []
for _ in range(4):  # fill the accept queue: later SYNs are dropped
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    held.append(c)
open(sys.argv[2], "w").write("ready\n")
time.sleep(120)
PY
FULL=$(free_port)
python3 "$T/full.py" "$FULL" "$T/full.ready" &
PIDS+=($!)
for _ in $(seq 1 100); do [ -f "$T/full.ready" ] && break; sleep 0.05; done
probe "tls://127.0.0.1:$FULL" --connect-timeout 300
check "unanswered connect: UNKNOWN after --connect-timeout" [ "$(cat "$T/rc")" = 3 ]
check "unanswered connect: UNKNOWN after --connect-timeout (2)" grep -q "cannot connect to 127.0.0.1 port $FULL: timed out" "$T/out.json"

[ "$fails" -eq 0 ]
