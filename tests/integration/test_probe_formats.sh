#!/bin/bash
# rootwarden probe --bundle in every format 'bundle' writes (pem, pem-directory,
# openssl-directory, der-directory, pkcs7, java-pkcs12, jks) and a single DER certificate: the
# verdict of each bundle now and at the coming step of the test catalog's timeline (test-svc:
# root A now, root B from 2090-01-01) against one openssl s_server sending the chain to root A.
# For each format: root A alone verifies now but lacks the step's root (WARN), A + B is ready for
# the step (PASS), B alone fails verify-full now and at the step (FAIL). Also a JKS store with
# its own password (--password-file; a wrong one is UNKNOWN for that bundle) and a --config
# bundle in jks with its password_file, judged as sync will write it.
set -u
BIN=${RW_BINARY:?}
SRC=${RW_SOURCE_DIR:?}
for t in openssl certtool python3; do
	command -v $t >/dev/null || { echo "skip: $t missing"; exit 77; }
done
source "$SRC/tests/integration/safe_tmpdir.sh"
source "$SRC/tests/integration/checklib.sh"
source "$SRC/tests/integration/probe_fixture.sh"

T=$(mktemp -d)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
probe_fixture "$T/pki"
export ROOTWARDEN_ROOTS_DIR=$T/pki/roots
PORT=$(free_port)
openssl s_server -accept "127.0.0.1:$PORT" -cert "$T/pki/leaf.pem" -key "$T/pki/leaf-key.pem" \
	-cert_chain "$T/pki/int.pem" -tls1_3 -quiet </dev/null >/dev/null 2>&1 &
PID=$!
for _ in $(seq 1 100); do
	python3 -c "import socket; socket.create_connection(('127.0.0.1',$PORT),0.2).close()" 2>/dev/null && break
	sleep 0.05
done
URL=tls://localhost:$PORT

# The three contents, from the test catalog: today (A), 2090-01-01 (B + A in its grace days),
# 2090-03-01 (B alone, A's grace over).
declare -A AT=([a]="" [ab]=2090-01-01 [b]=2090-03-01)
FORMATS="pem pem-directory openssl-directory der-directory pkcs7 java-pkcs12 jks"
args=()
for f in $FORMATS; do
	for c in a ab b; do
		out=$T/$c.$f
		"$BIN" bundle --profile test-svc --format "$f" ${AT[$c]:+--at "${AT[$c]}"} --output "$out" -q ||
			fail "bundle --format $f ($c) could not be written"
		args+=(--bundle "$out")
	done
done
openssl x509 -in "$T/pki/root-a.pem" -outform DER -out "$T/a.der"
args+=(--bundle "$T/a.der")
"$BIN" probe --json --profile test-svc "${args[@]}" "$URL" >"$T/out.json"
# verdicts: one "rule<TAB>subject<TAB>verdict" line per finding (one python run per probe)
verdicts() {
	python3 -c '
import json,sys
for f in json.load(sys.stdin)["endpoints"][0]["findings"]:
    print("%s\t%s\t%s" % (f["rule"], f["subject"], f["verdict"]))' <"$T/out.json" >"$T/verdicts"
}
rule() { awk -F'\t' -v r="$1" -v s="$2" '$1 == r && $2 == s { print $3; exit }' "$T/verdicts"; }
verdicts
for f in $FORMATS; do
	check "$f: root A: verifies now" [ "$(rule bundle "$T/a.$f")" = PASS ]
	check "$f: root A: lacks the 2090 step's root B (WARN)" [ "$(rule bundle-step "$T/a.$f")" = WARN ]
	check "$f: roots A + B: verifies now" [ "$(rule bundle "$T/ab.$f")" = PASS ]
	check "$f: roots A + B: ready for the 2090 step" [ "$(rule bundle-step "$T/ab.$f")" = PASS ]
	check "$f: root B: fails verify-full now" [ "$(rule bundle "$T/b.$f")" = FAIL ]
	check "$f: root B: fails at the 2090 step" [ "$(rule bundle-step "$T/b.$f")" = FAIL ]
done
# the client settings name each bundle only for clients that read its layout
S=$(python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["endpoints"][0]["client_settings"]))' <"$T/out.json")
check "pem: openssl -CAfile, curl --cacert" bash -c "grep -q -- '-CAfile $T/a.pem\$' <<<\"\$1\" && grep -q -- '--cacert $T/a.pem ' <<<\"\$1\"" _ "$S"
check "openssl-directory: -CApath, curl --capath" bash -c "grep -q -- '-CApath $T/a.openssl-directory\$' <<<\"\$1\" && grep -q -- '--capath $T/a.openssl-directory ' <<<\"\$1\"" _ "$S"
check "jks: Java trustStore of type JKS" grep -q -- "trustStore=$T/a.jks -Djavax.net.ssl.trustStoreType=JKS" <<<"$S"
check "java-pkcs12: Java trustStore of type PKCS12" grep -q -- "trustStore=$T/a.java-pkcs12 -Djavax.net.ssl.trustStoreType=PKCS12" <<<"$S"
check "pkcs7, pem-directory: no -CAfile/-CApath naming them" bash -c "! grep -q -e '-CAfile $T/a.pkcs7' -e '-CApath $T/a.pem-directory' -e '--cacert $T/a.pem-directory' <<<\"\$1\"" _ "$S"
check "pkcs7: says to write a format the clients read" grep -q "$T/a.pkcs7: no client here reads this format" <<<"$S"
check "no store password in the settings" bash -c "! grep -q changeit <<<\"\$1\"" _ "$S"
check "DER certificate: verifies now" [ "$(rule bundle "$T/a.der")" = PASS ]
check "DER certificate: lacks the step's root (WARN)" [ "$(rule bundle-step "$T/a.der")" = WARN ]

# A JKS store with its own password: --password-file opens it; a wrong password is that
# bundle's UNKNOWN, and the password appears nowhere in the output.
printf 'S3cretStore\n' >"$T/pw"
printf 'wrongpass\n' >"$T/badpw"
chmod 600 "$T/pw" "$T/badpw"
"$BIN" bundle --profile test-svc --format jks --password-file "$T/pw" --output "$T/own.jks" -q
"$BIN" probe --json --profile test-svc --password-file "$T/pw" --bundle "$T/own.jks" "$URL" >"$T/out.json"
verdicts
check "jks with its own password: verifies now" [ "$(rule bundle "$T/own.jks")" = PASS ]
check "jks with its own password: WARN at the step" [ "$(rule bundle-step "$T/own.jks")" = WARN ]
check "jks with its own password: the password appears nowhere in the output" \
	bash -c "! grep -q S3cretStore \"\$1\"" _ "$T/out.json"
"$BIN" probe --json --password-file "$T/badpw" --bundle "$T/own.jks" "$URL" >"$T/out.json"
verdicts
check "jks with a wrong password: UNKNOWN for that bundle" [ "$(rule bundle "$T/own.jks")" = UNKNOWN ]
check "no password in the output" bash -c "! grep -q -e S3cretStore -e wrongpass '$T/out.json'"

# --config: a jks bundle with its password_file, as sync writes it now and at the step.
cat >"$T/rw.conf" <<CONF
state_dir = "$T/state";
bundles = ( { name = "java"; path = "$T/app.jks"; format = "jks"; password_file = "$T/pw";
              profiles = [ "test-svc" ]; } );
CONF
cp "$T/own.jks" "$T/app.jks"
"$BIN" probe --json --config "$T/rw.conf" "$URL" >"$T/out.json"
verdicts
check "--config jks bundle (password_file): verifies now" [ "$(rule bundle "$T/app.jks")" = PASS ]
check "--config jks bundle: named as a JKS trustStore" grep -q "trustStore=$T/app.jks -Djavax.net.ssl.trustStoreType=JKS" "$T/out.json"
check "--config jks bundle: as sync writes it at the step (B + retiring A): PASS" [ "$(rule bundle-step "$T/app.jks")" = PASS ]
check "--config jks bundle: its password_file's password appears nowhere in the output" \
	bash -c "! grep -q S3cretStore \"\$1\"" _ "$T/out.json"

# A sync probe check with a password-protected store: password_file opens it (before, the check
# could only try changeit and the bundle was UNKNOWN); the password appears in no output.
cat >"$T/sync.conf" <<CONF
state_dir = "$T/syncstate";
roots_dir = "$T/pki/roots";
fetch = { catalog_roots = false; };
bundles = ( { name = "app"; path = "$T/sync-app.pem"; profiles = [ "test-svc" ]; } );
checks = (
  { kind = "probe"; name = "own"; url = "$URL"; profile = "test-svc"; bundle = "$T/own.jks"; password_file = "$T/pw"; },
  { kind = "probe"; name = "nopw"; url = "$URL"; profile = "test-svc"; bundle = "$T/own.jks"; }
);
CONF
"$BIN" sync --config "$T/sync.conf" --metrics-file "$T/sync.prom" >"$T/sync.out" 2>&1
check "sync probe check with password_file: the store opens (WARN at the step, as --password-file)" \
	grep -q "check own (probe): WARNING: 1 WARN (bundle-step)" "$T/sync.out"
check "sync probe check without it: the store does not open (UNKNOWN)" \
	grep -q "check nopw (probe): UNKNOWN" "$T/sync.out"
check "sync probe check: exported" grep -q '^rootwarden_check_status{check="probe",target="own"} 1$' "$T/sync.prom"
check "sync probe check: the store's password appears nowhere" \
	bash -c "! grep -rq S3cretStore \"\$1\" \"\$2\" \"\$3\"" _ "$T/sync.out" "$T/sync.prom" "$T/syncstate"

[ "$fails" -eq 0 ]
