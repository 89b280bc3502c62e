#!/bin/bash
# rootwarden probe sqlserver:// against a STAND-IN for SQL Server: SQL Server is not packaged by
# Debian, so tests/integration/tds_standin.py (python3's ssl module, OpenSSL) answers PRELOGIN per
# MS-TDS and runs the TLS handshake inside TDS PRELOGIN packets, or TLS first with ALPN tds/8.0
# in strict mode. Checked: the ENCRYPTION answer (REQ / ON / OFF / NOT_SUP), the versions each
# configuration accepts, strict mode, SQL Server's certificate rules and the client settings.
set -u
BIN=${RW_BINARY:?}
SRC=${RW_SOURCE_DIR:?}
command -v python3 >/dev/null && command -v certtool >/dev/null || { echo "skip: python3 or certtool missing"; exit 77; }
source "$SRC/tests/integration/safe_tmpdir.sh"
source "$SRC/tests/integration/checklib.sh"
source "$SRC/tests/integration/probe_fixture.sh"
echo "note: the server here is a stand-in for SQL Server (tds_standin.py), not SQL Server itself"

probe_test_setup
# standin CERT [options] -> prints the port
standin() {
	local port cert=$1
	shift
	port=$(free_port)
	python3 "$SRC/tests/integration/tds_standin.py" --port "$port" --cert "$T/pki/$cert" \
		--key "$T/pki/leaf-key.pem" "$@" &
	PIDS+=($!)
	for _ in $(seq 1 100); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),0.2).close()" 2>/dev/null && break
		sleep 0.05
	done
	PORT=$port
}
probe() { "$BIN" probe --json "$@" >"$T/out.json"; echo $? >"$T/rc"; }
versions() { probe_versions <"$T/out.json"; }
rule() { probe_rule "$@" <"$T/out.json"; }

# lines LINES FILE: waits (up to 5 s) until FILE has LINES lines (the stand-in writes each when
# the client has closed)
lines() {
	for _ in $(seq 1 100); do
		[ -f "$2" ] && [ "$(wc -l <"$2")" -ge "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

standin full.pem --encrypt req --min TLSv1_2 --max TLSv1_2 --record "$T/after-req"
probe "sqlserver://localhost:$PORT" --bundle "$T/pki/bundle-a.pem"
lines 2 "$T/after-req"
check "REQ: nothing sent after either completed handshake (default, TLS 1.2)" [ "$(sort -u "$T/after-req" | tr '\n' ' ')" = "0 " ]
check "REQ: nothing sent after either completed handshake (2)" [ "$(wc -l <"$T/after-req")" = 2 ]
check "REQ: encryption required" [ "$(rule tls)" = PASS ]
check "REQ: encryption required (2)" grep -q '"tls": "required"' "$T/out.json"
check "REQ: PRELOGIN VERSION read" grep -q '"server": "SQL Server 16.0.1000"' "$T/out.json"
check "REQ: TLS in TDS, versions exactly (1.2 only)" [ "$(versions)" = "TLS1.0=refused TLS1.1=refused TLS1.2=accepted TLS1.3=refused" ]
check "REQ: chain of 2 to test-root-a" grep -q '"id": "test-root-a"' "$T/out.json"
check "REQ: chain of 2 to test-root-a (2)" [ "$(probe_chain_len <"$T/out.json")" = 2 ]
check "REQ: SQL Server rules on the leaf (eku, key-usage)" [ "$(rule eku)" = PASS ]
check "REQ: SQL Server rules on the leaf (eku, key-usage) (2)" [ "$(rule key-usage)" = PASS ]
check "REQ: bundle verifies, ADO.NET setting" [ "$(rule bundle "$T/pki/bundle-a.pem")" = PASS ]
check "REQ: bundle verifies, ADO.NET setting (2)" grep -q 'Encrypt=True;TrustServerCertificate=False' "$T/out.json"
check "REQ: exit 0" [ "$(cat "$T/rc")" = 0 ]
"$BIN" bundle --profile test-svc --format jks --output "$T/a.jks" -q
probe "sqlserver://localhost:$PORT" --bundle "$T/a.jks"
check "REQ: a JKS bundle verifies, JDBC trustStore setting" grep -q "trustStore=$T/a.jks;trustStoreType=JKS" "$T/out.json"

standin full.pem --encrypt off --min TLSv1 --max TLSv1_1 --seclevel0
probe "sqlserver://localhost:$PORT"
check "OFF: login-only encryption is a WARN" [ "$(rule tls)" = WARN ]
check "OFF: versions exactly (1.0, 1.1)" [ "$(versions)" = "TLS1.0=accepted TLS1.1=accepted TLS1.2=refused TLS1.3=refused" ]
check "OFF: Azure TLS1_0" grep -q '"azure_minimal_tls": "TLS1_0"' "$T/out.json"

standin full.pem --encrypt notsup
probe "sqlserver://localhost:$PORT"
check "NOT_SUP: cleartext only, exit 2" [ "$(rule tls)" = FAIL ]
check "NOT_SUP: cleartext only, exit 2 (2)" [ "$(cat "$T/rc")" = 2 ]

standin full.pem --encrypt on
probe "sqlserver://localhost:$PORT"
check "ON: encryption enforced, read as required" [ "$(rule tls)" = PASS ]
check "ON: encryption enforced, read as required (2)" grep -q '"tls_detail": "PRELOGIN ENCRYPTION=ENCRYPT_ON"' "$T/out.json"

standin full.pem --strict --min TLSv1_3 --max TLSv1_3 --record "$T/after-strict"
probe "sqlserver://localhost:$PORT?encrypt=strict" --bundle "$T/pki/bundle-a.pem"
lines 2 "$T/after-strict"
check "strict: nothing sent after either completed handshake (default, TLS 1.3)" [ "$(sort -u "$T/after-strict" | tr '\n' ' ')" = "0 " ]
# the counter itself: a client that does send after the handshake is counted
printf 'login\n' | timeout 5 openssl s_client -connect "127.0.0.1:$PORT" -alpn tds/8.0 -quiet >/dev/null 2>&1
lines 3 "$T/after-strict"
check "strict: the stand-in counts what a client sends after the handshake" [ "$(sed -n 3p "$T/after-strict")" -gt 0 ]
check "strict: TLS first, ALPN tds/8.0 negotiated" grep -q '"alpn": "tds/8.0"' "$T/out.json"
check "strict: versions exactly (1.3 only)" [ "$(versions)" = "TLS1.0=refused TLS1.1=refused TLS1.2=refused TLS1.3=accepted" ]
check "strict: Encrypt=Strict setting" grep -q 'Encrypt=Strict' "$T/out.json"

# A certificate SQL Server refuses: no serverAuth EKU, no keyEncipherment.
printf 'cn = "localhost"\ndns_name = "localhost"\nsigning_key\nexpiration_days = 30\n' >"$T/bad.tmpl"
certtool --generate-certificate --load-privkey "$T/pki/leaf-key.pem" --load-ca-certificate "$T/pki/int.pem" \
	--load-ca-privkey "$T/pki/int-key.pem" --template "$T/bad.tmpl" --outfile "$T/pki/bad-leaf.pem" >/dev/null 2>&1
cat "$T/pki/bad-leaf.pem" "$T/pki/int.pem" >"$T/pki/bad.pem"
standin bad.pem --encrypt req
probe "sqlserver://localhost:$PORT"
check "SQL Server rules: eku FAIL, key-usage FAIL" [ "$(rule eku)" = FAIL ]
check "SQL Server rules: eku FAIL, key-usage FAIL (2)" [ "$(rule key-usage)" = FAIL ]
check "SQL Server rules: SQL Server named in the reason" grep -q 'SQL Server needs Server Authentication' "$T/out.json"
[ "$fails" -eq 0 ]
