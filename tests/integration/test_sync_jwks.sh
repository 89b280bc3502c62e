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
# logged N PATTERN: server.log comes to hold N lines matching PATTERN (the server writes a line
# after its response, so it may lag the client by a moment)
logged() {
	for _ in $(seq 50); do
		[ "$(grep -c -- "$2" server.log)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
run() { "$RW" sync --config rw.conf --roots-dir "$RW_SOURCE_DIR/roots" >out.txt 2>&1; }
ev() { local n; n=$(grep -c "^signing-keys-changed" events.log 2>/dev/null); echo "${n:-0}"; }

run; rc=$?
check "the first sync stores the key set (exit 0: no bundle)" [ "$rc" -eq 0 ]
check "STATE/jwks/public.json is the served key set" cmp -s www/keys.json state/jwks/public.json
check "the first copy raises no event" [ "$(ev)" = 0 ]
check "metrics: one key" grep -q '^rootwarden_jwks_keys{jwks="public"} 1$' out/rw.prom
check "metrics: the time of the last change" \
	grep -q '^rootwarden_jwks_last_change_timestamp_seconds{jwks="public"} [1-9][0-9]*$' out/rw.prom
run
check "the same key set again: a conditional GET answered 304" logged 1 '^GET /keys.json 304' 

# checks = ( { kind = "token"; ... } ): a token a service keeps on disk, checked by sync with the
# key set it keeps, reported and exported like the other checks, and never shown or stored.
TID=11111111-2222-3333-4444-555555555555
# tok OUT EXP_IN [KEY KID]: a v1 access token for the database, signed with a.key (kid kidA)
tok() {
	python3 - "$1" "$2" "$TID" "${3:-a.key}" "${4:-kidA}" <<'P'
import base64, json, subprocess, sys, time
out, exp_in, tid, key, kid = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
now = int(time.time())
b = lambda x: base64.urlsafe_b64encode(x).rstrip(b"=").decode()
h = {"typ": "JWT", "alg": "RS256", "kid": kid}
c = {"aud": "https://ossrdbms-aad.database.windows.net", "iss": "https://sts.windows.net/%s/" % tid,
     "tid": tid, "iat": now - 300, "nbf": now - 300, "exp": now + exp_in, "upn": "app@contoso.example"}
inp = b(json.dumps(h).encode()) + "." + b(json.dumps(c).encode())
sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=inp.encode(),
                     capture_output=True, check=True).stdout
open(out, "w").write(inp + "." + b(sig) + "\n")
P
}
# noleak WHAT TOKENFILE: no output, report, metrics or state file holds the token or a part of it
noleak() {
	local p
	for p in $(tr '.' '\n' <"$2"); do
		if grep -rqF -- "$p" out.txt out.json err.txt out/ state/; then
			fail "$1: the token (or a part of it) was written out"
			return
		fi
	done
}
(umask 077 && tok app.jwt 3600 && tok old.jwt -3600) || exit 1
sed '/^jwks = /a checks = ( { kind = "token"; name = "app-token"; token_file = "'"$T"'/app.jwt"; tenant = "'"$TID"'"; } );' \
	rw.conf >tok.conf
"$RW" sync --config tok.conf --roots-dir "$RW_SOURCE_DIR/roots" >out.txt 2>&1
check "sync with a valid token check (exit 0)" [ $? -eq 0 ]
check "metrics: check token passes" \
	grep -q '^rootwarden_check_status{check="token",target="app-token"} 0$' out/rw.prom
"$RW" sync --config tok.conf --roots-dir "$RW_SOURCE_DIR/roots" --json >out.json 2>err.txt
python3 -c 'import json,sys; c=[c for c in json.load(open("out.json"))["checks"] if c["name"]=="app-token"]; assert c and c[0]["kind"]=="token" and c[0]["status"]["code"]==0, c' ||
	fail "--json: the token check is not reported OK: $(cat out.json)"
noleak "valid token" app.jwt
cp old.jwt app.jwt
"$RW" sync --config tok.conf --roots-dir "$RW_SOURCE_DIR/roots" >out.txt 2>&1
check "sync with an expired token: degraded (exit 6)" [ $? -eq 6 ]
check "the report names the check and why" grep -q "check app-token (token):.*expir" out.txt
check "metrics: check token fails (2)" \
	grep -q '^rootwarden_check_status{check="token",target="app-token"} 2$' out/rw.prom
noleak "expired token" old.jwt
check "the token checks raised no key set event" [ "$(ev)" = 0 ]

# The key set rolls over before sync runs again: check token, reading sync's copy (kidA only),
# meets a token signed with the new key kidB and fetches the URL the copy came from once more.
printf '{"keys":[%s,%s]}\n' "$JA" "$JB" >www/keys.json
(umask 077 && tok new.jwt 3600 b.key kidB) || exit 1
: >server.log
"$RW" check token --tenant $TID --token-file new.jwt --state-dir state --ca-file tls-ca.pem \
	--json >out.json 2>err.txt
check "check token on sync's copy: an unknown kid found after one refetch (exit 0)" [ $? -eq 0 ]
python3 -c 'import json; f=[f for f in json.load(open("out.json"))["findings"] if f["rule"]=="kid"][0]; assert f["verdict"]=="PASS" and "found after fetching the key set again" in f["reason"], f' ||
	fail "the kid rule does not say it was found after the refetch: $(cat out.json)"
check "  one fetch of the copy's URL" logged 1 '^GET /keys.json 200' 
check "  sync's copy is left as it was (sync stores key sets, check token does not)" \
	[ "$(grep -c kidB state/jwks/public.json)" = 0 ]
noleak "refetch" new.jwt
# the same as a check sync runs (no key set of its own configured here, so sync leaves its copy
# alone): the refetch uses the configuration's fetch.ca_file
sed -e '/^jwks = /d' -e "s|$T/app.jwt|$T/new.jwt|" tok.conf >tok2.conf
: >server.log
"$RW" sync --config tok2.conf --roots-dir "$RW_SOURCE_DIR/roots" --json >out.json 2>err.txt
check "sync's token check: an unknown kid found after one refetch (exit 0)" [ $? -eq 0 ]
python3 -c 'import json; c=[c for c in json.load(open("out.json"))["checks"] if c["name"]=="app-token"]; assert c and c[0]["status"]["code"]==0, c' ||
	fail "sync's token check is not OK: $(cat out.json err.txt)"
check "  one fetch of the copy's URL, with fetch.ca_file" logged 1 '^GET /keys.json 200'
noleak "sync refetch" new.jwt
run
check "a kid added: one signing-keys-changed event" [ "$(ev)" = 1 ]
check "the event names the added kid" grep -q "jwks=public added=kidB removed=$" events.log
check "metrics: two keys" grep -q '^rootwarden_jwks_keys{jwks="public"} 2$' out/rw.prom
printf '{"keys":[%s]}\n' "$JB" >www/keys.json
touch fail-once
run; rc=$?
check "the old kid removed: an event, its hook failed (exit 1)" both [ "$rc" -eq 1 ] -- [ "$(ev)" = 2 ]
check "the event names the removed kid" grep -q "added= removed=kidA" events.log
run; rc=$?
check "the failed hook is retried on the next run (exit 0)" both [ "$rc" -eq 0 ] -- [ "$(ev)" = 3 ]
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
	check "the next run raises signing-keys-changed for it, once" both [ "$(ev)" = 4 ] -- \
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
# the size cap (1 MiB): a bigger key set is not taken, the last good copy stays
python3 -c 'import sys; sys.stdout.write("{\"keys\":[" + sys.argv[1] + "],\"pad\":\"" + "x" * (1 << 20) + "\"}")' "$JB" >www/keys.json
run; rc=$?
check "a key set over the 1 MiB cap: degraded (exit 6)" [ "$rc" -eq 6 ]
check "  the last good copy is kept" cmp -s kept.json state/jwks/public.json
check "  the output says why (the cap)" grep -q "key set public: failed.*1048576" out.txt
# HTTPS only: a plain http:// key set URL is refused with the configuration's line
sed 's|url = "https://|url = "http://|' rw.conf >http.conf
"$RW" sync --config http.conf --roots-dir "$RW_SOURCE_DIR/roots" >out.txt 2>&1; rc=$?
check "an http:// key set URL: a configuration error (exit 3)" [ "$rc" -eq 3 ]
check "  naming the file and line" grep -q "http.conf:5: jwks url 'http://127.0.0.1:$PORT/keys.json' must be https://" out.txt
[ "$fails" -eq 0 ]
