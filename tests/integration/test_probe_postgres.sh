#!/bin/bash
# rootwarden probe postgres:// against a real PostgreSQL 15 (Debian's package) on 127.0.0.1: the
# server is started once (as the postgres user when run as root) and restarted with each
# configuration: TLS 1.2-1.3, TLS 1.0-1.1 only (OpenSSL security level 0), a leaf-only chain, a
# certificate for another host, an expired intermediate, ssl = off. The probe must report exactly
# the versions each accepts, the chain findings, and the bundle verdicts now and at the test
# catalog's coming step.
set -u
BIN=${RW_BINARY:?}
SRC=${RW_SOURCE_DIR:?}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$PGBIN/initdb" ] || { echo "skip: PostgreSQL server not installed"; exit 77; }
command -v certtool >/dev/null || { echo "skip: certtool missing"; exit 77; }
source "$SRC/tests/integration/safe_tmpdir.sh"
source "$SRC/tests/integration/checklib.sh"
source "$SRC/tests/integration/probe_fixture.sh"

T=$(mktemp -d)
RUNAS=()
if [ "$(id -u)" = 0 ]; then
	id postgres >/dev/null 2>&1 || { echo "skip: no postgres user"; exit 77; }
	RUNAS=(runuser -u postgres --)
	# Where /etc/passwd is not readable by other users (some containers), PostgreSQL cannot
	# look itself up: give it its own passwd entry through nss_wrapper (libnss-wrapper).
	if ! runuser -u postgres -- whoami >/dev/null 2>&1; then
		NSSW=$(ls /usr/lib/*/libnss_wrapper.so 2>/dev/null | head -1)
		[ -n "$NSSW" ] || { echo "skip: postgres cannot look itself up and libnss-wrapper is missing"; exit 77; }
		getent passwd postgres >"$T/passwd"
		chmod 644 "$T/passwd"
		RUNAS=(runuser -u postgres -- env LD_PRELOAD="$NSSW" NSS_WRAPPER_PASSWD="$T/passwd" NSS_WRAPPER_GROUP=/etc/group)
	fi
fi
cleanup() {
	[ -f "$T/data/postmaster.pid" ] && "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$T/data" -m immediate stop >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
chmod 755 "$T"
probe_fixture "$T/pki"
export ROOTWARDEN_ROOTS_DIR=$T/pki/roots
mkdir "$T/data" && [ -n "${RUNAS[*]}" ] && chown postgres "$T/data"
"${RUNAS[@]}" "$PGBIN/initdb" -D "$T/data" -A trust -U postgres >"$T/initdb.log" 2>&1 || { cat "$T/initdb.log"; exit 1; }
PORT=$(free_port)
URL=postgres://localhost:$PORT

# start CERTFILE [postgresql.conf lines...]
start() {
	local cert=$1
	shift
	"${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$T/data" -m fast stop >/dev/null 2>&1
	install -m 0644 "$T/pki/$cert" "$T/data/server.crt"
	install -m 0600 "$T/pki/leaf-key.pem" "$T/data/server.key"
	[ -n "${RUNAS[*]}" ] && chown postgres "$T/data/server.crt" "$T/data/server.key"
	{
		echo "listen_addresses = '127.0.0.1'"
		echo "port = $PORT"
		echo "unix_socket_directories = '$T/data'"
		echo "ssl_cert_file = 'server.crt'"
		echo "ssl_key_file = 'server.key'"
		printf '%s\n' "$@"
	} >"$T/data/postgresql.auto.conf"
	"${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$T/data" -l "$T/data/log" -w -t 30 start >/dev/null 2>&1 || {
		cat "$T/data/log"
		return 1
	}
}
probe() { "$BIN" probe --json "$@" >"$T/out.json"; echo $? >"$T/rc"; }
versions() { probe_versions <"$T/out.json"; }
rule() { probe_rule "$@" <"$T/out.json"; }

# 1. full chain, TLS 1.2 and 1.3
start full.pem "ssl = on" "ssl_min_protocol_version = 'TLSv1.2'" "ssl_max_protocol_version = 'TLSv1.3'" "log_connections = on" || exit 1
probe "$URL" --bundle "$T/pki/bundle-a.pem" --profile test-svc
# log_connections logs every connection and, after a startup packet, its authorization: the
# probe's five connections are there, and not one got as far as a startup packet
check "never logs in: connections logged" [ "$(grep -c 'connection received: host=127.0.0.1' "$T/data/log")" -ge 5 ]
check "never logs in: no startup packet (no authorization, no database named)" not grep -q -e 'connection authorized' -e 'database "' "$T/data/log"
check "1.2-1.3: versions exactly" [ "$(versions)" = "TLS1.0=refused TLS1.1=refused TLS1.2=accepted TLS1.3=accepted" ]
check "1.2-1.3: TLS offered ('S')" [ "$(rule tls)" = PASS ]
check "1.2-1.3: Azure TLS1_2" grep -q '"azure_minimal_tls": "TLS1_2"' "$T/out.json"
check "1.2-1.3: default client gets TLS 1.3" grep -q '"version": "TLS1.3"' "$T/out.json"
check "1.2-1.3: chain as sent has 2 certificates" [ "$(probe_chain_len <"$T/out.json")" = 2 ]
check "1.2-1.3: chain in order" [ "$(rule chain)" = PASS ]
check "1.2-1.3: default cipher suite named (IANA)" grep -q '"cipher": "TLS_AES_' "$T/out.json"
check "1.2-1.3: each certificate as sent: subject, issuer, validity, key, signature hash" python3 -c "
import json,sys
c=json.load(open('$T/out.json'))['endpoints'][0]['chain']
assert c[0]['subject']=='CN=localhost' and c[0]['issuer']=='CN=Test Intermediate', c[0]
assert c[1]['subject']=='CN=Test Intermediate' and c[1]['issuer']=='CN=Test Root A', c[1]
for x in c:
    assert x['not_before'].endswith('Z') and x['not_after'].endswith('Z'), x
    assert x['key']=='RSA' and x['key_bits']==2048 and x['signature']=='RSA-SHA256', x
"
check "1.2-1.3: host name matches" [ "$(rule hostname)" = PASS ]
check "1.2-1.3: root named by catalog id" grep -q '"id": "test-root-a"' "$T/out.json"
check "1.2-1.3: bundle A verifies now" [ "$(rule bundle "$T/pki/bundle-a.pem")" = PASS ]
check "1.2-1.3: bundle A lacks the 2090 step's root (WARN)" [ "$(rule bundle-step "$T/pki/bundle-a.pem")" = WARN ]
check "1.2-1.3: libpq setting printed" grep -q "sslmode=verify-full sslrootcert=$T/pki/bundle-a.pem" "$T/out.json"
check "1.2-1.3: exit 1 (the coming step's WARN)" [ "$(cat "$T/rc")" = 1 ]
probe "$URL" --bundle "$T/pki/bundle-ab.pem" --profile test-svc
check "1.2-1.3: bundle A+B ready for the step: exit 0" [ "$(cat "$T/rc")" = 0 ]
probe "$URL" --bundle "$T/pki/bundle-b.pem"
check "1.2-1.3: bundle B fails verify-full: exit 2" [ "$(rule bundle "$T/pki/bundle-b.pem")" = FAIL ]
check "1.2-1.3: bundle B fails verify-full: exit 2 (2)" [ "$(cat "$T/rc")" = 2 ]
"$BIN" probe "$URL" --bundle "$T/pki/bundle-a.pem" >"$T/out.txt"
check "text: versions line" grep -q "versions: TLS1.0 refused, TLS1.1 refused, TLS1.2 accepted, TLS1.3 accepted" "$T/out.txt"
check "text: root line" grep -q "root:     Test Root A" "$T/out.txt"
"$BIN" probe "$URL" --metrics-file "$T/probe.prom" >/dev/null
check "metrics: check status and versions" grep -q "rootwarden_probe_tls_version_accepted{target=\"$URL\",version=\"TLS1.3\"} 1" "$T/probe.prom"

# 2. TLS 1.0 and 1.1 only (security level 0 for OpenSSL 3)
start full.pem "ssl = on" "ssl_min_protocol_version = 'TLSv1'" "ssl_max_protocol_version = 'TLSv1.1'" "ssl_ciphers = 'DEFAULT:@SECLEVEL=0'" || exit 1
probe "$URL"
check "1.0-1.1: versions exactly" [ "$(versions)" = "TLS1.0=accepted TLS1.1=accepted TLS1.2=refused TLS1.3=refused" ]
check "1.0-1.1: WARN and Azure TLS1_0" [ "$(rule tls-versions)" = WARN ]
check "1.0-1.1: WARN and Azure TLS1_0 (2)" grep -q '"azure_minimal_tls": "TLS1_0"' "$T/out.json"

# 3. TLS 1.2 only
start full.pem "ssl = on" "ssl_min_protocol_version = 'TLSv1.2'" "ssl_max_protocol_version = 'TLSv1.2'" || exit 1
probe "$URL"
check "1.2 only: versions exactly" [ "$(versions)" = "TLS1.0=refused TLS1.1=refused TLS1.2=accepted TLS1.3=refused" ]

# 4. leaf only
start leaf.pem "ssl = on" || exit 1
probe "$URL" --bundle "$T/pki/bundle-a.pem"
check "leaf only: chain WARN" [ "$(rule chain)" = WARN ]
check "leaf only: bundle of the root alone fails verify-full" [ "$(rule bundle "$T/pki/bundle-a.pem")" = FAIL ]

# 5. wrong host
start wronghost.pem "ssl = on" || exit 1
probe "$URL" --bundle "$T/pki/bundle-a.pem"
check "wrong host: hostname FAIL" [ "$(rule hostname)" = FAIL ]
check "wrong host: bundle fails verify-full" [ "$(rule bundle "$T/pki/bundle-a.pem")" = FAIL ]

# 6. expired intermediate
start expired-int.pem "ssl = on" || exit 1
probe "$URL" --bundle "$T/pki/bundle-a.pem"
check "expired intermediate: chain FAIL" [ "$(rule chain)" = FAIL ]
check "expired intermediate: chain FAIL (2)" grep -q "Test Intermediate Old' expired on 2021-01-01" "$T/out.json"
check "expired intermediate: bundle fails verify-full" [ "$(rule bundle "$T/pki/bundle-a.pem")" = FAIL ]

# 7. ssl = off: cleartext only
start full.pem "ssl = off" || exit 1
probe "$URL"
check "ssl off: cleartext only (FAIL, exit 2)" [ "$(rule tls)" = FAIL ]
check "ssl off: cleartext only (FAIL, exit 2) (2)" [ "$(cat "$T/rc")" = 2 ]
check "ssl off: reported as not-offered" grep -q '"tls": "not-offered"' "$T/out.json"
check "ssl off: Azure TLSEnforcementDisabled" grep -q '"azure_minimal_tls": "TLSEnforcementDisabled"' "$T/out.json"

# 8. stopped: UNKNOWN with the reason
"${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$T/data" -m fast stop >/dev/null 2>&1
probe "$URL"
check "stopped: UNKNOWN (exit 3) with the reason" [ "$(cat "$T/rc")" = 3 ]
check "stopped: UNKNOWN (exit 3) with the reason (2)" grep -q "Connection refused" "$T/out.json"
[ "$fails" -eq 0 ]
