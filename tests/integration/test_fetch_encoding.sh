#!/bin/bash
# test_fetch_encoding.sh - a server that sends a gzip body with "Content-Encoding: gzip" although
# rootwarden asked for identity: the body is refused (not decoded), named with the URL, and the
# bundle is not built from it; the same root served plainly is then accepted.
set -u
umask 022
. "${RW_SOURCE_DIR:?}/tests/integration/sync_fixture.sh"
fx_need
RW=${RW_BINARY:?}
. "${RW_SOURCE_DIR:?}/tests/integration/safe_tmpdir.sh"
T=$(mktemp -d "$TMPDIR/rw-enc.XXXXXX")
chmod 755 "$T"
trap 'fx_server_stop; rm -rf "$T"' EXIT
fail() {
	echo "FAIL: $*"
	[ -f "$T/err" ] && sed 's/^/  stderr: /' "$T/err"
	exit 1
}

fx_certs "$T" 1
mkdir -p "$T/www" "$T/out"
cp "$T/root1.pem" "$T/www/root1.pem"
touch "$T/www/root1.pem.gzip"
fx_server_start "$T" "$T/www"
cat >"$T/rw.conf" <<EOC
state_dir = "$T/state";
fetch = {
  connect_timeout = 2; timeout = 5; retries = 0; backoff_ms = 0; max_bytes = 65536;
  ca_file = "$T/tls-ca.pem";
  catalog_roots = false;
};
roots = ( { id = "r1"; urls = [ "https://127.0.0.1:$PORT/root1.pem" ]; sha256 = "${PIN[1]}"; } );
bundles = ( { name = "app"; path = "$T/out/app.pem"; roots = [ "r1" ]; } );
EOC

"$RW" sync --config "$T/rw.conf" >"$T/stdout" 2>"$T/err"
rc=$?
[ "$rc" != 0 ] && [ "$rc" != 5 ] || fail "a gzip-encoded body was accepted (exit $rc)"
grep -q "https://127.0.0.1:$PORT/root1.pem: refused: the body came with Content-Encoding 'gzip'" \
	"$T/err" || fail "the refusal does not name the URL and the encoding"
[ ! -e "$T/state/roots/${PIN[1]}.der" ] || fail "the encoded body was stored as the root"
grep -q " /root1.pem 200 " "$T/server.log" || fail "the server was not asked"
echo "ok - an encoded body is refused with the URL and the encoding"

rm "$T/www/root1.pem.gzip"
"$RW" sync --config "$T/rw.conf" >"$T/stdout" 2>"$T/err"
rc=$?
[ "$rc" = 5 ] || fail "the plain body should be accepted and the bundle written (exit $rc)"
grep -q "BEGIN CERTIFICATE" "$T/out/app.pem" || fail "no bundle"
echo "ok - the same root served as identity is accepted"
