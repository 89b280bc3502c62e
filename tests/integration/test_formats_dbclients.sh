#!/bin/bash
# The pem format read by the database clients its users run, against real servers on 127.0.0.1
# (Debian's packages, started here): libpq (psql, sslmode=verify-full sslrootcert=BUNDLE) with
# PostgreSQL, and the mariadb client (--ssl-ca=BUNDLE --ssl-verify-server-cert) with MariaDB. The
# bundle is written by 'rootwarden bundle --format pem' from a test catalog; each client connects
# and runs a query with it, and fails the TLS verification with a bundle that lacks the server's
# root (the catalog's later step, root B only). A server that is not installed skips its part;
# neither installed skips the test.
set -u
BIN=${RW_BINARY:?}
SRC=${RW_SOURCE_DIR:?}
command -v certtool >/dev/null || { echo "skip: certtool missing"; exit 77; }
source "$SRC/tests/integration/safe_tmpdir.sh"
source "$SRC/tests/integration/checklib.sh"
source "$SRC/tests/integration/probe_fixture.sh"

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
MYSQLD=$(command -v mariadbd || command -v mysqld || ls /usr/sbin/mariadbd 2>/dev/null)
INSTALLDB=$(command -v mariadb-install-db || command -v mysql_install_db)
MYCLIENT=$(command -v mariadb || command -v mysql)
have_pg=
[ -x "${PGBIN:-}/initdb" ] && command -v psql >/dev/null && have_pg=1
have_my=
[ -n "$MYSQLD" ] && [ -n "$INSTALLDB" ] && [ -n "$MYCLIENT" ] && have_my=1
[ -n "$have_pg$have_my" ] || { echo "skip: neither PostgreSQL nor MariaDB is installed"; exit 77; }

T=$(mktemp -d)
chmod 755 "$T"
RUNAS=()
MYPID=
cleanup() {
	[ -f "$T/pg/postmaster.pid" ] &&
		"${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$T/pg" -m immediate stop >/dev/null 2>&1
	[ -n "$MYPID" ] && kill "$MYPID" 2>/dev/null && wait "$MYPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
probe_fixture "$T/pki"
# The bundles, written by rootwarden: root A (the servers' root) now; root B alone at the 2090 step.
"$BIN" bundle --roots-dir "$T/pki/roots" --profile test-svc --format pem --output "$T/a.pem" -q ||
	{ echo "rootwarden bundle failed"; exit 1; }
"$BIN" bundle --roots-dir "$T/pki/roots" --profile test-svc --at 2095-01-01 --format pem \
	--output "$T/b.pem" -q || { echo "rootwarden bundle failed"; exit 1; }
chmod 644 "$T/a.pem" "$T/b.pem"
check "the bundles differ (root A, root B)" not cmp -s "$T/a.pem" "$T/b.pem"

# ---- PostgreSQL: libpq sslrootcert --------------------------------------------------------------
if [ -n "$have_pg" ]; then
	if [ "$(id -u)" = 0 ]; then
		RUNAS=(runuser -u postgres --)
		if ! runuser -u postgres -- whoami >/dev/null 2>&1; then
			NSSW=$(ls /usr/lib/*/libnss_wrapper.so 2>/dev/null | head -1)
			getent passwd postgres >"$T/passwd"
			chmod 644 "$T/passwd"
			RUNAS=(runuser -u postgres -- env LD_PRELOAD="$NSSW" NSS_WRAPPER_PASSWD="$T/passwd"
				NSS_WRAPPER_GROUP=/etc/group)
		fi
	fi
	mkdir "$T/pg"
	[ -n "${RUNAS[*]}" ] && chown postgres "$T/pg"
	"${RUNAS[@]}" "$PGBIN/initdb" -D "$T/pg" -A trust -U postgres >"$T/initdb.log" 2>&1 ||
		{ cat "$T/initdb.log"; exit 1; }
	PGPORT_=$(free_port)
	install -m 0644 "$T/pki/full.pem" "$T/pg/server.crt"
	install -m 0600 "$T/pki/leaf-key.pem" "$T/pg/server.key"
	[ -n "${RUNAS[*]}" ] && chown postgres "$T/pg/server.crt" "$T/pg/server.key"
	printf "listen_addresses = '127.0.0.1'\nport = %s\nunix_socket_directories = '%s'\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n" \
		"$PGPORT_" "$T/pg" >"$T/pg/postgresql.auto.conf"
	"${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$T/pg" -l "$T/pg/log" -w -t 30 start >/dev/null 2>&1 ||
		{ cat "$T/pg/log"; exit 1; }
	psql_with() { # BUNDLE
		PGCONNECT_TIMEOUT=10 psql -X -A -t \
			"host=localhost hostaddr=127.0.0.1 port=$PGPORT_ user=postgres dbname=postgres sslmode=verify-full sslrootcert=$1" \
			-c 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()' 2>"$T/psql.err"
	}
	check "libpq sslrootcert=<rootwarden pem>, verify-full: connected over TLS" \
		test "$(psql_with "$T/a.pem")" = t
	psql_with "$T/b.pem" >/dev/null
	check "libpq: a bundle that lacks the server's root fails verification" \
		grep -qi "certificate verify failed" "$T/psql.err"
	"${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$T/pg" -m fast stop >/dev/null 2>&1
else
	echo "skip PostgreSQL part: not installed"
fi

# ---- MariaDB: mariadb --ssl-ca ------------------------------------------------------------------
if [ -n "$have_my" ]; then
	USEROPT=()
	[ "$(id -u)" = 0 ] && USEROPT=(--user=root)
	mkdir "$T/my"
	"$INSTALLDB" --no-defaults --datadir="$T/my" "${USEROPT[@]}" \
		--auth-root-authentication-method=normal --skip-test-db >"$T/install.log" 2>&1 ||
		{ cat "$T/install.log"; exit 1; }
	MYPORT=$(free_port)
	"$MYSQLD" --no-defaults --datadir="$T/my" "${USEROPT[@]}" --socket="$T/mysqld.sock" \
		--port="$MYPORT" --bind-address=127.0.0.1 --skip-name-resolve --pid-file="$T/mysqld.pid" \
		--log-error="$T/mysqld.err" --innodb-buffer-pool-size=16M --skip-log-bin \
		--ssl-cert="$T/pki/full.pem" --ssl-key="$T/pki/leaf-key.pem" --ssl-ca="$T/pki/root-a.pem" &
	MYPID=$!
	up=
	for _ in $(seq 1 200); do
		"$MYCLIENT" --no-defaults --socket="$T/mysqld.sock" -uroot -e 'SELECT 1' >/dev/null 2>&1 &&
			up=1 && break
		kill -0 "$MYPID" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$up" ] || { cat "$T/mysqld.err"; exit 1; }
	"$MYCLIENT" --no-defaults --socket="$T/mysqld.sock" -uroot \
		-e "CREATE USER 'rw'@'%' IDENTIFIED BY 'rw-test'" || exit 1
	my_with() { # BUNDLE
		"$MYCLIENT" --no-defaults --protocol=TCP --host=localhost --port="$MYPORT" -urw \
			-prw-test --ssl-ca="$1" --ssl-verify-server-cert --connect-timeout=10 -N -B \
			-e "SHOW SESSION STATUS LIKE 'Ssl_version'" 2>"$T/my.err"
	}
	check "mariadb --ssl-ca=<rootwarden pem> --ssl-verify-server-cert: connected over TLS" \
		bash -c "[[ \"\$1\" == Ssl_version*TLSv1.* ]]" _ "$(my_with "$T/a.pem")"
	my_with "$T/b.pem" >/dev/null
	check "mariadb: a bundle that lacks the server's root fails verification" \
		grep -qi "TLS/SSL error: .*\(unable to get local issuer\|certificate verify failed\)" "$T/my.err"
else
	echo "skip MariaDB part: not installed"
fi
[ "$fails" -eq 0 ]
