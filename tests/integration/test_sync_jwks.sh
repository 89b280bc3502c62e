#!/usr/bin/env bash
# sync keeps the Entra ID signing key set (config "jwks"): fetched from the local HTTPS server
# (certificates and RSA keys made here), stored in STATE/jwks/public.json, a kid added and then the
# old one removed each raise one signing-keys-changed event to hooks_dir's hooks with both lists,
# a failing hook is retried on the next run, a broken key set keeps the last good copy (degraded),
# and the metrics say the key count and the last change.
set -u
umask 022
. "${RW_SOURCE_DIR:?}/tests/integration/sync_fixture.sh"
fx_need
RW=${RW_BINARY:?}
. "$RW_SOURCE_DIR/tests/integration/safe_tmpdir.sh"
. "$RW_SOURCE_DIR/tests/integration/checklib.sh"
T=$(mktemp -d "$TMPDIR/rw-jwks.XXXXXX")
chmod 755 "$T"
trap 'fx_server_stop; rm -rf "$T"' EXIT
cd "$T" || exit 1
fx_certs "$T" 0
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out a.key 2>/dev/null &&
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out b.key 2>/dev/null || exit 1
jwk() {
	local hex
	hex=$(openssl rsa -in "$1" -noout -modulus 2>/dev/null | sed 's/^Modulus=//')
	python3 - "$hex" "$2" <<'P'
import base64, json, sys
n = bytes.fromhex(sys.argv[1])
b = lambda x: base64.urlsafe_b64encode(x).rstrip(b"=").decode()
print(json.dumps({"kty": "RSA", "use": "sig", "kid": sys.argv[2], "n": b(n), "e": b(b"\x01\x00\x01")}))
P
}
JA=$(jwk a.key kidA) && JB=$(jwk b.key kidB) || exit 1
mkdir -p www hooks.d out
printf '{"keys":[%s]}\n' "$JA" >www/keys.json
chmod 0644 www/keys.json
fx_server_start "$T" "$T/www"
cat >hooks.d/50-log <<EOS
#!/bin/sh
echo "\$ROOTWARDEN_EVENT jwks=\${ROOTWARDEN_JWKS:-} added=\$ROOTWARDEN_ADDED removed=\$ROOTWARDEN_REMOVED" >>"$T/events.log"
[ -e "$T/fail-once" ] && { rm -f "$T/fail-once"; exit 3; }
exit 0
EOS
chmod 755 hooks.d/50-log
cat >rw.conf <<EOC
state_dir = "$T/state";
hooks_dir = "$T/hooks.d";
metrics_file = "$T/out/rw.prom";
fetch = { catalog_roots = false; ca_file = "$T/tls-ca.pem"; retries = 0; };
jwks = { cloud = "public"; url = "https://127.0.0.1:$PORT/keys.json"; };
EOC
run() { "$RW" sync --config rw.conf --roots-dir "$RW_SOURCE_DIR/roots" >out.txt 2>&1; }
ev() { grep -c "^signing-keys-changed" events.log 2>/dev/null || echo 0; }

run; rc=$?
check "the first sync stores the key set (exit 0: no bundle)" [ "$rc" -eq 0 ]
check "STATE/jwks/public.json is the served key set" cmp -s www/keys.json state/jwks/public.json
check "the first copy raises no event" [ "$(ev)" = 0 ]
check "metrics: one key" grep -q '^rootwarden_jwks_keys{jwks="public"} 1$' out/rw.prom
printf '{"keys":[%s,%s]}\n' "$JA" "$JB" >www/keys.json
run
check "a kid added: one signing-keys-changed event" [ "$(ev)" = 1 ]
check "the event names the added kid" grep -q "jwks=public added=kidB removed=$" events.log
check "metrics: two keys" grep -q '^rootwarden_jwks_keys{jwks="public"} 2$' out/rw.prom
printf '{"keys":[%s]}\n' "$JB" >www/keys.json
touch fail-once
run; rc=$?
check "the old kid removed: an event, its hook failed (exit 1)" [ "$rc" -eq 1 ] && [ "$(ev)" = 2 ]
check "the event names the removed kid" grep -q "added= removed=kidA" events.log
run; rc=$?
check "the failed hook is retried on the next run (exit 0)" [ "$rc" -eq 0 ] && [ "$(ev)" = 3 ]
check "the retry carries the same change" [ "$(tail -1 events.log)" = "signing-keys-changed jwks=public added= removed=kidA" ]
run
check "then nothing more" [ "$(ev)" = 3 ]
# Killed right after a changed key set was stored (a crash-point build): the event was recorded
# before the store, so the next run still raises it, once.
printf '{"keys":[%s,%s]}\n' "$JA" "$JB" >www/keys.json
ROOTWARDEN_CRASH_AT=jwks-after-store run
if [ $? -eq 137 ]; then
	check "  (killed after the new key set was stored: not raised yet)" [ "$(ev)" = 3 ]
	run
	check "the next run raises signing-keys-changed for it, once" [ "$(ev)" = 4 ] &&
		grep -q "added=kidA removed=$" events.log
	run
	check "  and not again" [ "$(ev)" = 4 ]
else
	echo "skip: no crash points in this build (the kill after the store is not tested)"
fi
echo '{"keys":[{"kty":"RSA","kid":"tiny","n":"AQAB","e":"AQAB"}]}' >www/keys.json
cp state/jwks/public.json kept.json
run; rc=$?
check "a key set that does not validate: degraded (exit 6)" [ "$rc" -eq 6 ]
check "the last good copy is kept" cmp -s kept.json state/jwks/public.json
check "the output says why" grep -q "key set public: failed" out.txt
check "metrics: the fetch failed" grep -q '^rootwarden_jwks_fetch_failed{jwks="public"} 1$' out/rw.prom
[ "$fails" -eq 0 ]
