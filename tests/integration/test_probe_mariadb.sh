#!/bin/bash
# rootwarden probe mysql:// against a real MariaDB (Debian's mariadb-server) on 127.0.0.1: one
# data directory, the server restarted with each configuration: tls_version TLSv1.2,TLSv1.3;
# TLSv1.2 only; TLSv1.0,TLSv1.1 (OpenSSL security level 0 through an OPENSSL_CONF file for the
# server process); a leaf-only chain; a certificate for another host; an expired intermediate; no
# TLS at all. The probe must report exactly the versions each accepts and never log in.
set -u
BIN=${RW_BINARY:?}
SRC=${RW_SOURCE_DIR:?}
MYSQLD=$(command -v mariadbd || command -v mysqld || ls /usr/sbin/mariadbd 2>/dev/null)
INSTALLDB=$(command -v mariadb-install-db || command -v mysql_install_db)
[ -n "$MYSQLD" ] && [ -n "$INSTALLDB" ] || { echo "skip: MariaDB server not installed"; exit 77; }
command -v certtool >/dev/null || { echo "skip: certtool missing"; exit 77; }
source "$SRC/tests/integration/safe_tmpdir.sh"
source "$SRC/tests/integration/checklib.sh"
source "$SRC/tests/integration/probe_fixture.sh"

T=$(mktemp -d)
chmod 755 "$T"
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
probe_fixture "$T/pki"
export ROOTWARDEN_ROOTS_DIR=$T/pki/roots
USEROPT=()
[ "$(id -u)" = 0 ] && USEROPT=(--user=root)
mkdir "$T/data"
"$INSTALLDB" --no-defaults --datadir="$T/data" "${USEROPT[@]}" --auth-root-authentication-method=normal \
	--skip-test-db >"$T/install.log" 2>&1 || { cat "$T/install.log"; exit 1; }
PORT=$(free_port)
URL=mysql://localhost:$PORT
printf 'openssl_conf = c\n[c]\nssl_conf = s\n[s]\nsystem_default = d\n[d]\nMinProtocol = TLSv1\nCipherString = DEFAULT:@SECLEVEL=0\n' >"$T/openssl-seclevel0.cnf"

# start OPENSSL_CONF-or-"" [mariadbd options...]
start() {
	local conf=$1
	shift
	if [ -n "$PID" ]; then
		kill "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
		PID=
	fi
	env ${conf:+OPENSSL_CONF=$conf} "$MYSQLD" --no-defaults --datadir="$T/data" "${USEROPT[@]}" \
		--socket="$T/mysqld.sock" --port="$PORT" --bind-address=127.0.0.1 --skip-name-resolve \
		--pid-file="$T/mysqld.pid" --log-error="$T/mysqld.err" --innodb-buffer-pool-size=16M \
		--skip-log-bin "$@" &
	PID=$!
	for _ in $(seq 1 200); do
		python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$PORT),0.2).close()" 2>/dev/null && return 0
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$T/mysqld.err"
	return 1
}
SSL=(--ssl-cert="$T/pki/full.pem" --ssl-key="$T/pki/leaf-key.pem" --ssl-ca="$T/pki/root-a.pem")
probe() { "$BIN" probe --json "$@" >"$T/out.json"; echo $? >"$T/rc"; }
versions() { probe_versions <"$T/out.json"; }
rule() { probe_rule "$@" <"$T/out.json"; }

start "" "${SSL[@]}" --tls-version=TLSv1.2,TLSv1.3 || exit 1
probe "$URL" --bundle "$T/pki/bundle-ab.pem" --profile test-svc
check "1.2-1.3: versions exactly" [ "$(versions)" = "TLS1.0=refused TLS1.1=refused TLS1.2=accepted TLS1.3=accepted" ]
check "1.2-1.3: CLIENT_SSL offered" [ "$(rule tls)" = PASS ]
check "1.2-1.3: CLIENT_SSL offered (2)" grep -q '"server": "MariaDB ' "$T/out.json"
check "1.2-1.3: chain of 2 in order, root test-root-a" [ "$(rule chain)" = PASS ]
check "1.2-1.3: chain of 2 in order, root test-root-a (2)" grep -q '"id": "test-root-a"' "$T/out.json"
check "1.2-1.3: bundle verifies, step ready: exit 0" [ "$(rule bundle "$T/pki/bundle-ab.pem")" = PASS ]
check "1.2-1.3: bundle verifies, step ready: exit 0 (2)" [ "$(cat "$T/rc")" = 0 ]
check "1.2-1.3: mysql client setting" grep -q -- "--ssl-mode=VERIFY_IDENTITY --ssl-ca=$T/pki/bundle-ab.pem" "$T/out.json"
check "1.2-1.3: the probe never logged in (no access-denied in the log)" bash -c "! grep -qi 'access denied' '$T/mysqld.err'"

start "" "${SSL[@]}" --tls-version=TLSv1.2 || exit 1
probe "$URL"
check "1.2 only: versions exactly" [ "$(versions)" = "TLS1.0=refused TLS1.1=refused TLS1.2=accepted TLS1.3=refused" ]

start "$T/openssl-seclevel0.cnf" "${SSL[@]}" --tls-version=TLSv1.0,TLSv1.1 || exit 1
probe "$URL"
check "1.0-1.1: versions exactly" [ "$(versions)" = "TLS1.0=accepted TLS1.1=accepted TLS1.2=refused TLS1.3=refused" ]
check "1.0-1.1: WARN, Azure TLS1_0" [ "$(rule tls-versions)" = WARN ]
check "1.0-1.1: WARN, Azure TLS1_0 (2)" grep -q '"azure_minimal_tls": "TLS1_0"' "$T/out.json"

start "" --ssl-cert="$T/pki/leaf.pem" --ssl-key="$T/pki/leaf-key.pem" --ssl-ca="$T/pki/root-a.pem" || exit 1
probe "$URL" --bundle "$T/pki/bundle-a.pem"
check "leaf only: chain WARN, bundle of the root fails" [ "$(rule chain)" = WARN ]
check "leaf only: chain WARN, bundle of the root fails (2)" [ "$(rule bundle "$T/pki/bundle-a.pem")" = FAIL ]

start "" --ssl-cert="$T/pki/wronghost.pem" --ssl-key="$T/pki/leaf-key.pem" --ssl-ca="$T/pki/root-a.pem" || exit 1
probe "$URL" --bundle "$T/pki/bundle-a.pem"
check "wrong host: hostname FAIL" [ "$(rule hostname)" = FAIL ]
check "wrong host: bundle fails verify-full" [ "$(rule bundle "$T/pki/bundle-a.pem")" = FAIL ]
check "wrong host: exit 2" [ "$(cat "$T/rc")" = 2 ]

start "" --ssl-cert="$T/pki/expired-int.pem" --ssl-key="$T/pki/leaf-key.pem" --ssl-ca="$T/pki/root-a.pem" || exit 1
probe "$URL" --bundle "$T/pki/bundle-a.pem"
check "expired intermediate: chain FAIL" [ "$(rule chain)" = FAIL ]
check "expired intermediate: chain FAIL (2)" grep -q "Test Intermediate Old' expired on 2021-01-01" "$T/out.json"
check "expired intermediate: bundle fails verify-full" [ "$(rule bundle "$T/pki/bundle-a.pem")" = FAIL ]

start "" --skip-ssl || exit 1
probe "$URL"
check "no TLS: cleartext only (FAIL, exit 2)" [ "$(rule tls)" = FAIL ]
check "no TLS: cleartext only (FAIL, exit 2) (2)" [ "$(cat "$T/rc")" = 2 ]
[ "$fails" -eq 0 ]
