#!/bin/bash
# probe_bench.sh - rootwarden probe against one local PostgreSQL and one MariaDB server, side by
# side with testssl.sh --starttls postgres|mysql (Debian package testssl.sh): the same verdicts
# on TLS 1.0 / 1.1 / 1.2 / 1.3, and the time each takes; then 100 endpoints probed in one run.
# Not a test: speed is never asserted. Servers run on 127.0.0.1 and are stopped at the end.
#
# usage: bench/probe_bench.sh [BUILD_DIR]   (default: build; RUNS=5 runs per timing)
#        PEERS=0 bench/probe_bench.sh ...    rootwarden's timings only (no testssl.sh: seconds,
#                                            not minutes); the load average is printed first and last
#   PostgreSQL: ssl_min_protocol_version TLSv1.2, max TLSv1.3
#   MariaDB:    tls_version TLSv1.0,TLSv1.1,TLSv1.2 (OpenSSL security level 0 for the server)
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
RW=$BUILD/rootwarden
RUNS=${RUNS:-5}
PEERS=${PEERS:-1}
TESTSSL=$(command -v testssl || command -v testssl.sh)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
MYSQLD=$(command -v mariadbd || ls /usr/sbin/mariadbd 2>/dev/null)
for need in "$RW" "$TESTSSL" "$PGBIN/initdb" "$MYSQLD"; do
	[ -x "$need" ] || { echo "missing: $need (build rootwarden; apt-get install testssl.sh postgresql mariadb-server)"; exit 1; }
done
export RW_SOURCE_DIR=$SRC
RW_BUILD_DIR=$BUILD . "$SRC/tests/integration/safe_tmpdir.sh"
. "$SRC/tests/integration/probe_fixture.sh"
T=$(mktemp -d)
chmod 755 "$T"
MPID=
RUNAS=()
cleanup() {
	[ -f "$T/pg/postmaster.pid" ] && "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$T/pg" -m immediate stop >/dev/null 2>&1
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
probe_fixture "$T/pki"
export ROOTWARDEN_ROOTS_DIR=$T/pki/roots

# PostgreSQL (as postgres when root; nss_wrapper where /etc/passwd is unreadable)
if [ "$(id -u)" = 0 ]; then
	RUNAS=(runuser -u postgres --)
	if ! runuser -u postgres -- whoami >/dev/null 2>&1; then
		getent passwd postgres >"$T/passwd"
		chmod 644 "$T/passwd"
		RUNAS=(runuser -u postgres -- env LD_PRELOAD="$(ls /usr/lib/*/libnss_wrapper.so | head -1)"
			NSS_WRAPPER_PASSWD="$T/passwd" NSS_WRAPPER_GROUP=/etc/group)
	fi
fi
mkdir "$T/pg"
[ -n "${RUNAS[*]}" ] && chown postgres "$T/pg"
"${RUNAS[@]}" "$PGBIN/initdb" -D "$T/pg" -A trust -U postgres >/dev/null 2>&1 || { echo "initdb failed"; exit 1; }
PGPORT=$(free_port)
install -m 0644 "$T/pki/full.pem" "$T/pg/server.crt"
install -m 0600 "$T/pki/leaf-key.pem" "$T/pg/server.key"
[ -n "${RUNAS[*]}" ] && chown postgres "$T/pg/server.crt" "$T/pg/server.key"
printf "listen_addresses = '127.0.0.1'\nport = %s\nunix_socket_directories = '%s'\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\nssl_min_protocol_version = 'TLSv1.2'\nssl_max_protocol_version = 'TLSv1.3'\nmax_connections = 200\n" \
	"$PGPORT" "$T/pg" >"$T/pg/postgresql.auto.conf"
"${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$T/pg" -l "$T/pg/log" -w start >/dev/null 2>&1 || { cat "$T/pg/log"; exit 1; }

# MariaDB
USEROPT=()
[ "$(id -u)" = 0 ] && USEROPT=(--user=root)
mkdir "$T/my"
mariadb-install-db --no-defaults --datadir="$T/my" "${USEROPT[@]}" --auth-root-authentication-method=normal --skip-test-db >/dev/null 2>&1 || { echo "mariadb-install-db failed"; exit 1; }
MYPORT=$(free_port)
printf 'openssl_conf = c\n[c]\nssl_conf = s\n[s]\nsystem_default = d\n[d]\nMinProtocol = TLSv1\nCipherString = DEFAULT:@SECLEVEL=0\n' >"$T/seclevel0.cnf"
OPENSSL_CONF=$T/seclevel0.cnf "$MYSQLD" --no-defaults --datadir="$T/my" "${USEROPT[@]}" --socket="$T/my.sock" \
	--port="$MYPORT" --bind-address=127.0.0.1 --skip-name-resolve --log-error="$T/my.err" \
	--pid-file="$T/my.pid" --skip-log-bin --ssl-cert="$T/pki/full.pem" --ssl-key="$T/pki/leaf-key.pem" \
	--ssl-ca="$T/pki/root-a.pem" --tls-version=TLSv1.0,TLSv1.1,TLSv1.2 --max-connections=300 &
MPID=$!
for _ in $(seq 1 200); do
	python3 -c "import socket; socket.create_connection(('127.0.0.1',$MYPORT),0.2).close()" 2>/dev/null && break
	sleep 0.1
done

# the median of RUNS wall times of a command (seconds)
median() {
	local times=() t0 t1
	for ((i = 0; i < RUNS; i++)); do
		t0=$(date +%s.%N)
		"$@" >/dev/null 2>&1
		t1=$(date +%s.%N)
		times+=("$(echo "$t1 - $t0" | bc)")
	done
	printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
rw_versions() { # URL -> "TLS1.0=no TLS1.1=no ..."
	"$RW" probe --json "$1" | python3 -c '
import json,sys
v=json.load(sys.stdin)["endpoints"][0]["versions"]
print(" ".join("%s=%s"%(k,"yes" if s=="accepted" else "no") for k,s in v.items()))'
}
ts_versions() { # starttls host:port -> the same from testssl's JSON
	rm -f "$T/ts.json"
	"$TESTSSL" --quiet --warnings off --color 0 --starttls "$1" --protocols --jsonfile "$T/ts.json" "$2" >/dev/null 2>&1
	python3 -c '
import json,sys
d={f["id"]:f["finding"] for f in json.load(open(sys.argv[1]))}
m={"TLS1":"TLS1.0","TLS1_1":"TLS1.1","TLS1_2":"TLS1.2","TLS1_3":"TLS1.3"}
print(" ".join("%s=%s"%(m[k],"no" if "not" in d.get(k,"not") else "yes") for k in ["TLS1","TLS1_1","TLS1_2","TLS1_3"]))' "$T/ts.json"
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
echo "rootwarden $("$RW" --version | cut -d' ' -f2-), testssl.sh $(dpkg-query -W -f '${Version}' testssl.sh 2>/dev/null)"
[ "$PEERS" = 0 ] || printf '%-10s %-44s %-44s %s\n' server "rootwarden probe (versions)" "testssl.sh --protocols" same
for s in "postgres postgres://localhost:$PGPORT localhost:$PGPORT" "mysql mysql://localhost:$MYPORT localhost:$MYPORT"; do
	set -- $s
	a=$(rw_versions "$2")
	[ "$PEERS" = 0 ] && { echo "$1: $a"; continue; }
	b=$(ts_versions "$1" "$3")
	printf '%-10s %-44s %-44s %s\n' "$1" "$a" "$b" "$([ "$a" = "$b" ] && echo yes || echo NO)"
done
echo
printf '%-10s %14s %14s %14s %8s\n' server "rootwarden s" "testssl -p s" "testssl -p -S s" ratio
for s in "postgres postgres://localhost:$PGPORT localhost:$PGPORT" "mysql mysql://localhost:$MYPORT localhost:$MYPORT"; do
	set -- $s
	r=$(median "$RW" probe --bundle "$T/pki/bundle-a.pem" "$2")
	[ "$PEERS" = 0 ] && { printf '%-10s %14.3f\n' "$1" "$r"; continue; }
	p=$(median "$TESTSSL" --quiet --warnings off --color 0 --starttls "$1" --protocols "$3")
	q=$(median "$TESTSSL" --quiet --warnings off --color 0 --starttls "$1" --protocols --server-defaults "$3")
	printf '%-10s %14.3f %14.3f %14.3f %7.0fx\n' "$1" "$r" "$p" "$q" "$(echo "$q / $r" | bc -l)"
done
echo
urls=()
for ((i = 0; i < 50; i++)); do urls+=("postgres://localhost:$PGPORT" "mysql://localhost:$MYPORT"); done
t=$(median "$RW" probe --bundle "$T/pki/bundle-a.pem" "${urls[@]}")
echo "100 endpoints (50 PostgreSQL + 50 MariaDB URLs, 5 connections each, --concurrency 32): ${t} s"
# rootwarden's own CPU in one such run (the rest of the wall time is the servers and the load)
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f "rootwarden CPU in one 100-endpoint run: %U s user + %S s system, wall %e s" \
		"$RW" probe --bundle "$T/pki/bundle-a.pem" "${urls[@]}" 2>&1 >/dev/null | tail -1
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
