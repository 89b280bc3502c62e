#!/usr/bin/env bash
# test_json_schema.sh - one JSON convention (docs/json.md): every command's --json document, in
# success and failure, validates against its schema in docs/schema/ (python3-jsonschema, through
# tests/integration/json_validate.py), has "schema", "status", "error" as its first keys, a
# status code equal to the exit status, and an error exactly when the command failed; a usage
# error prints nothing on standard output. Drift guard: every command (and subcommand, and check
# kind) whose --help lists --json must have a case here, and every schema file must be used.
set -uo pipefail
RW=${RW_BINARY:?RW_BINARY is not set}
SRC=${RW_SOURCE_DIR:?RW_SOURCE_DIR is not set}
for t in python3 certtool openssl tar; do
	command -v "$t" >/dev/null || { echo "skipped: $t is not installed"; exit 77; }
done
python3 -c 'import jsonschema' 2>/dev/null || { echo "skipped: python3-jsonschema is not installed"; exit 77; }
. "$SRC/tests/integration/checklib.sh"
. "$SRC/tests/integration/safe_tmpdir.sh"
. "$SRC/tests/integration/probe_fixture.sh"
export TZ=UTC
T=$(mktemp -d "$TMPDIR/rw-json.XXXXXX")
chmod 755 "$T"
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
cd "$T" || exit 1
ROOTS=$SRC/roots
SCHEMAS=$SRC/docs/schema
covered=" "   # commands with a case: "sync", "check key", "roots list" ...

# js NAME WANT OK|ERR COMMAND...: runs COMMAND (stdout to out.json), wants exit status WANT; the
# document is kept in cases/ and validated with the others at the end (one python3 run): valid
# against its schema, status.code WANT, error null (OK) or a message also on stderr (ERR).
mkdir -p cases
n_cases=0
js() {
	local name=$1 want=$2 kind=$3 got
	shift 3
	"$@" >out.json 2>err.txt
	got=$?
	if [ "$got" != "$want" ]; then
		fail "$name: exit $got, expected $want: $*"
		sed 's/^/  out: /' out.json | head -20
		sed 's/^/  err: /' err.txt | head -5
		return
	fi
	n_cases=$((n_cases + 1))
	cp out.json "cases/$n_cases.json"
	cp err.txt "cases/$n_cases.err"
	printf '%s\t%s\t%s\n' "$name" "$want" "$kind" >"cases/$n_cases.meta"
	covered="$covered$(cut -d: -f1 <<<"$name") "
}
# usage NAME WANT COMMAND...: a usage error: exit WANT, nothing at all on standard output
usage() {
	local name=$1 want=$2 got
	shift 2
	"$@" >out.json 2>err.txt
	got=$?
	check "$name: usage error exits $want (got $got)" [ "$got" = "$want" ]
	check "$name: usage error prints nothing on stdout" [ ! -s out.json ]
}
# field EXPR: a python expression on the last document (d) is true
field() {
	python3 -c "import json,sys; d=json.load(open('out.json')); sys.exit(0 if ($1) else 1)" ||
		fail "last document: not ($1)"
}

# --- version, roots ---
js "version" 0 OK "$RW" version --json --roots-dir "$ROOTS"
field 'd["catalog"]["version"] >= 1 and d["gnutls"]'
usage "version" 2 "$RW" version --json extra
js "roots list" 0 OK "$RW" roots list --json --roots-dir "$ROOTS"
field 'd["roots"][0]["id"] and d["roots"][0]["not_after"].endswith("Z")'
js "roots list: no catalog" 3 ERR "$RW" roots list --json --roots-dir "$T/none"
js "roots show" 0 OK "$RW" roots show digicert-global-root-g2 --json --roots-dir "$ROOTS"
js "roots show: unknown id" 3 ERR "$RW" roots show no-such-root --json --roots-dir "$ROOTS"
usage "roots" 2 "$RW" roots --json --roots-dir "$ROOTS"

# --- bundle ---
js "bundle" 0 OK "$RW" bundle --json -p azure-mysql-flexible --at 2026-01-01 --roots-dir "$ROOTS" -o "$T/b.pem"
field 'd["outputs"][0]["state"] == "written" and d["outputs"][0]["changed"] and len(d["outputs"][0]["roots"]) >= 2'
js "bundle: unchanged" 0 OK "$RW" bundle --json -p azure-mysql-flexible --at 2026-01-01 --roots-dir "$ROOTS" -o "$T/b.pem"
field 'd["outputs"][0]["state"] == "unchanged" and not d["outputs"][0]["changed"]'
mkdir -p all
js "bundle: --all --output-dir" 0 OK "$RW" bundle --json --all --at 2026-01-01 --roots-dir "$ROOTS" --output-dir "$T/all" -f pem-directory
js "bundle: unknown profile" 3 ERR "$RW" bundle --json -p nope --roots-dir "$ROOTS" -o "$T/x.pem"
js "bundle: unwritable output" 1 ERR "$RW" bundle --json -p azure-sql --at 2026-01-01 --roots-dir "$ROOTS" -o "$T/nodir/x.pem"
field 'd["outputs"][0]["state"] == "failed" and d["outputs"][0]["error"]'
usage "bundle" 2 "$RW" bundle --json -p azure-sql
usage "bundle: --json with --output -" 2 "$RW" bundle --json -p azure-sql -o -

# --- config check, sync ---
mkdir -p out
cat >rw.conf <<EOC
state_dir = "$T/state";
hooks_dir = "$T/hooks.d";
bundles = (
  { name = "app"; path = "$T/out/app.pem"; profiles = [ "azure-mysql-flexible" ]; },
  { name = "win"; path = "$T/out/win.p7b"; format = "pkcs7"; profiles = [ "azure-sql" ]; }
);
EOC
printf 'state_dir = "%s/state";\nbundles = ( { name = "x"; path = "relative.pem"; } );\n' "$T" >bad.conf
js "config check" 0 OK "$RW" config check --json --config rw.conf --roots-dir "$ROOTS"
field 'd["valid"] and [b["name"] for b in d["bundles"]] == ["app", "win"] and d["bundles"][1]["format"] == "pkcs7"'
js "config check: default" 0 OK "$RW" config check --json --default-config --roots-dir "$ROOTS"
js "config check: bad" 3 ERR "$RW" config check --json --config bad.conf --roots-dir "$ROOTS"
field 'not d["valid"] and "bad.conf:" in d["error"]'
usage "config" 2 "$RW" config check --json --no-such-option

js "sync: updated" 5 OK "$RW" sync --json --offline --config rw.conf --roots-dir "$ROOTS"
field 'd["status"]["text"] == "changed" and all(b["state"] == "updated" for b in d["bundles"]) and d["bundles"][0]["added"][0]["sha256"]'
js "sync: unchanged" 0 OK "$RW" sync --json --offline --config rw.conf --roots-dir "$ROOTS"
field 'd["status"]["text"] == "ok" and all(b["state"] == "unchanged" for b in d["bundles"])'
js "sync: degraded (metrics not written)" 6 OK "$RW" sync --json --offline --config rw.conf --roots-dir "$ROOTS" --metrics-file "$T/nodir/m.prom"
field 'd["status"]["text"] == "degraded" and any("m.prom" in p for p in d["problems"])'
# a hook that fails: the run failed (exit 1), the document says which hook
printf '#!/bin/sh\nexit 7\n' >fail.sh
chmod 755 fail.sh
sed "s|profiles = \[ \"azure-sql\" \]; }|profiles = [ \"azure-sql\" ]; hooks = ( [ \"$T/fail.sh\" ] ); }|" rw.conf >hook.conf
sed -i "s|$T/out/win.p7b|$T/out/win2.p7b|" hook.conf
js "sync: failed (a hook)" 1 ERR "$RW" sync --json --offline --config hook.conf --roots-dir "$ROOTS"
field 'd["status"]["text"] == "failed" and d["bundles"][1]["hooks"][0]["exit_status"] == 7'
js "sync: broken configuration" 3 ERR "$RW" sync --json --offline --config bad.conf --roots-dir "$ROOTS"
usage "sync" 2 "$RW" sync --json --config rw.conf --default-config

# --- rotation ---
js "rotation: OK" 0 OK "$RW" rotation --json --at 2027-06-01 --roots-dir "$ROOTS"
js "rotation: WARNING" 1 OK "$RW" rotation --json --at 2026-02-16 --roots-dir "$ROOTS"
field 'all("sha256" in r for p in d["profiles"] for r in p["required_now"])'
js "rotation: with --config" 0 OK "$RW" rotation --json --config rw.conf --roots-dir "$ROOTS"
js "rotation: broken configuration" 3 ERR "$RW" rotation --json --config bad.conf --roots-dir "$ROOTS"
usage "rotation" 3 "$RW" rotation --json --warn-days -1

# --- check bundle ---
js "check bundle: PASS" 0 OK "$RW" check bundle "$T/b.pem" --json --profile azure-mysql-flexible --at 2026-01-01 --roots-dir "$ROOTS"
field 'd["certificates"][0]["id"] and d["certificates"][0]["not_after"].endswith("Z")'
"$RW" bundle -q -p azure-mysql-single --at 2020-06-01 --roots-dir "$ROOTS" -o "$T/old.pem" ||
	fail "old bundle"
js "check bundle: FAIL" 2 OK "$RW" check bundle "$T/old.pem" --json --profile azure-mysql-flexible --at 2026-01-01 --roots-dir "$ROOTS"
field 'd["profiles"][0]["missing_now"][0]["id"]'
js "check bundle: UNKNOWN (no catalog)" 3 ERR "$RW" check bundle "$T/b.pem" --json --roots-dir "$T/none"
usage "check bundle" 3 "$RW" check bundle --json

# --- check key ---
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out k.pem 2>/dev/null
chmod 0600 k.pem
printf 'garbage\n' >garbage.key
chmod 0600 garbage.key
js "check key: PASS" 0 OK "$RW" check key --json --policy strict k.pem
js "check key: FAIL" 2 OK "$RW" check key --json --policy strict garbage.key
js "check key: UNKNOWN (metrics file not writable)" 3 ERR "$RW" check key --json --policy strict k.pem --metrics-file "$T/nodir/m.prom"
usage "check key" 3 "$RW" check key --json k.pem

# --- check sqlserver (certtool: a root and a server certificate under it) ---
gen() { certtool --generate-privkey --key-type ecdsa --curve secp256r1 --outfile "$1" 2>/dev/null; }
gen root.key && gen srv.key || fail "keys"
printf 'cn = "rwtest JSON Root"\nca\ncert_signing_key\nexpiration_days = 3650\n' >root.tmpl
printf 'cn = "db.example.com"\ndns_name = "db.example.com"\ntls_www_server\nsigning_key\nencryption_key\nexpiration_days = 365\n' >srv.tmpl
certtool --generate-self-signed --load-privkey root.key --template root.tmpl --outfile root.pem 2>/dev/null
certtool --generate-certificate --load-privkey srv.key --load-ca-certificate root.pem \
	--load-ca-privkey root.key --template srv.tmpl --outfile srv.pem 2>/dev/null
chmod 0600 srv.key
ss() { "$RW" check sqlserver --json --cert srv.pem --key srv.key --bundle root.pem --no-key-perms "$@"; }
js "check sqlserver: PASS" 0 OK ss --host db.example.com
js "check sqlserver: FAIL (host)" 2 OK ss --host other.example.com
js "check sqlserver: UNKNOWN (no mssql.conf)" 3 ERR "$RW" check sqlserver --json --mssql-conf "$T/none.conf"
usage "check sqlserver" 3 "$RW" check sqlserver --json --no-such-option

# --- check token (RSA key, key set file, tokens signed with openssl) ---
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out a.key 2>/dev/null
TID=11111111-2222-3333-4444-555555555555
python3 - "$(openssl rsa -in a.key -noout -modulus 2>/dev/null | sed 's/^Modulus=//')" "$TID" <<'P'
import base64, json, subprocess, sys, time
n = bytes.fromhex(sys.argv[1]); tid = sys.argv[2]
b = lambda x: base64.urlsafe_b64encode(x).rstrip(b"=").decode()
json.dump({"keys": [{"kty": "RSA", "use": "sig", "kid": "k1", "n": b(n), "e": b(b"\x01\x00\x01")}]},
          open("keys.json", "w"))
def tok(out, exp):
    now = int(time.time())
    c = {"aud": "https://ossrdbms-aad.database.windows.net", "iss": "https://sts.windows.net/%s/" % tid,
         "iat": now - 300, "nbf": now - 300, "exp": now + exp, "tid": tid, "upn": "alice@contoso.example",
         "oid": "0a0a0a0a-1b1b-2c2c-3d3d-4e4e4e4e4e4e", "ver": "1.0"}
    inp = b(json.dumps({"typ": "JWT", "alg": "RS256", "kid": "k1"}).encode()) + "." + b(json.dumps(c).encode())
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", "a.key"], input=inp.encode(),
                         capture_output=True, check=True).stdout
    open(out, "w").write(inp + "." + b(sig) + "\n")
tok("valid.jwt", 3600)
tok("expired.jwt", -3600)
P
chmod 0600 valid.jwt expired.jwt
js "check token: PASS" 0 OK "$RW" check token --json --tenant $TID --token-file valid.jwt --jwks keys.json
js "check token: FAIL (expired)" 2 OK "$RW" check token --json --tenant $TID --token-file expired.jwt --jwks keys.json
js "check token: UNKNOWN (no key set)" 3 ERR "$RW" check token --json --tenant $TID --token-file valid.jwt --jwks "$T/none.json"
# Neither token (nor its payload or signature part) in any document or message of any case.
for part in $(cut -d. -f2,3 --output-delimiter=' ' valid.jwt expired.jwt); do
	check "no token part in any document or message" bash -c '! grep -qF -- "$1" cases/*.json cases/*.err' _ "$part"
done
usage "check token" 3 "$RW" check token --json --token-file valid.jwt

# --- probe: gnutls-serv on 127.0.0.1, and a refused port ---
if command -v gnutls-serv >/dev/null; then
	probe_fixture "$T/pki"
	PORT=$(free_port)
	gnutls-serv --port "$PORT" --x509certfile "$T/pki/full.pem" --x509keyfile "$T/pki/leaf-key.pem" \
		--priority "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2" </dev/null >/dev/null 2>&1 &
	PIDS+=($!)
	for _ in $(seq 1 100); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1',$PORT),0.2).close()" 2>/dev/null && break
		sleep 0.05
	done
	js "probe: OK" 0 OK "$RW" probe --json --roots-dir "$T/pki/roots" --bundle "$T/pki/bundle-ab.pem" "tls://localhost:$PORT"
	field 'd["endpoints"][0]["root"]["id"] == "test-root-a" and d["endpoints"][0]["root"]["sha256"]'
	js "check probe: OK" 0 OK "$RW" check probe --json --roots-dir "$T/pki/roots" --bundle "$T/pki/bundle-ab.pem" "tls://localhost:$PORT"
	js "probe: FAIL (bundle lacks the root)" 2 OK "$RW" probe --json --roots-dir "$T/pki/roots" --bundle "$T/pki/bundle-b.pem" "tls://localhost:$PORT"
fi
REFUSED=$(free_port)
js "probe: UNKNOWN (refused)" 3 OK "$RW" probe --json --roots-dir "$ROOTS" --connect-timeout 2000 "tls://127.0.0.1:$REFUSED"
field 'd["endpoints"][0]["reachable"] is False and d["endpoints"][0]["error"]'
js "check probe: UNKNOWN (refused)" 3 OK "$RW" check probe --json --roots-dir "$ROOTS" --connect-timeout 2000 "tls://127.0.0.1:$REFUSED"
js "probe: UNKNOWN (broken configuration)" 3 ERR "$RW" probe --json --config "$T/bad.conf" --roots-dir "$ROOTS" "tls://127.0.0.1:$REFUSED"
usage "probe" 3 "$RW" probe --json

# --- catalog sign | verify | diff ---
certtool --generate-privkey --key-type=ed25519 --outfile ed.pem 2>/dev/null
cp -r "$ROOTS" pub
sed -i 's/^catalog_version = .*/catalog_version = 99;/' pub/catalog.conf
(cd pub && tar --format=ustar -cf ../catalog.tar catalog.conf *.pem)
js "catalog sign" 0 OK "$RW" catalog sign --json --key ed.pem catalog.tar
pin=$(python3 -c 'import json; print(json.load(open("out.json"))["signer_spki_sha256"])')
js "catalog sign: bad key" 3 ERR "$RW" catalog sign --json --key garbage.key catalog.tar
js "catalog verify: accepted" 0 OK "$RW" catalog verify --json catalog.tar --sig catalog.tar.sig --pin "$pin" --roots-dir "$ROOTS"
field 'd["verdict"] == "accepted" and d["catalog_version"] == 99'
js "catalog verify: bad-signature" 3 ERR "$RW" catalog verify --json catalog.tar --sig catalog.tar.sig --pin "$(printf '0%.0s' $(seq 64))" --roots-dir "$ROOTS"
field 'd["verdict"] == "bad-signature"'
js "catalog verify: no signature file" 3 ERR "$RW" catalog verify --json catalog.tar --sig "$T/none.sig" --pin "$pin" --roots-dir "$ROOTS"
js "catalog diff: the same" 0 OK "$RW" catalog diff --json "$ROOTS" pub --from 2026-01-01
field 'd["differ"] is False and d["changes"] == []'
js "catalog diff: missing catalog" 3 ERR "$RW" catalog diff --json "$ROOTS" "$T/none"
# NEW moves a step a year later: the written sets differ in between (exit 1, "differ")
sed -i 's/from = "2026-03-09"/from = "2027-03-09"/' pub/catalog.conf
js "catalog diff: differ" 1 OK "$RW" catalog diff --json "$ROOTS" pub --from 2026-01-01
field 'd["status"]["text"] == "differ" and d["differ"] is True and d["changes"][0]["change"] == "differs"'
cat >diff.conf <<EOC
state_dir = "$T/state";
bundles = ( { name = "app"; path = "$T/app.pem"; profiles = [ "azure-china-mysql-flexible", "azure-china" ]; } );
EOC
js "catalog diff --config: per bundle" 1 OK "$RW" catalog diff --json "$ROOTS" pub --from 2026-01-01 --config diff.conf
field 'd["changes"][0]["bundle"]["name"] == "app" and d["changes"][0]["profile"] == "azure-china-mysql-flexible, azure-china"'
usage "catalog" 2 "$RW" catalog verify --json catalog.tar

# --- every document against its schema ---
python3 "$SRC/tests/integration/json_validate.py" --batch "$SCHEMAS" cases >batch.txt
cat batch.txt
fails=$((fails + $(grep -c '^FAIL' batch.txt)))
check "every case validated ($n_cases)" [ "$(grep -c '^ok' batch.txt)" = "$n_cases" ]
used=" $(awk '/^ok / {print $NF}' batch.txt | sort -u | tr '\n' ' ')"

# --- the drift guard: every --json command has a case, every schema is used ---
mapfile -t cmds < <("$RW" help | awk '/^Commands:/ {on=1; next} on && /^  [a-z]+ / {print $1} on && /^$/ {on=0}')
check "the command list is read from 'rootwarden help' (${#cmds[@]} commands)" [ "${#cmds[@]}" -ge 8 ]
for c in "${cmds[@]}"; do
	h=$("$RW" help "$c" 2>/dev/null)
	[ "$c" = check ] && continue
	grep -q -- '--json' <<<"$h" || continue
	subs=$(grep -oE "rootwarden $c [a-z]+( |$)" <<<"$h" | awk '{print $3}' | sort -u)
	if [ -z "$subs" ]; then
		check "'$c' lists --json and has a case" grep -q " $c " <<<"$covered"
	else
		for s in $subs; do
			check "'$c $s' lists --json and has a case" grep -q " $c $s " <<<"$covered"
		done
	fi
done
for kind in $({ "$RW" help check | awk '/^  [a-z]+ / {print $1}'; echo probe; } | sort -u); do
	"$RW" check "$kind" --help 2>/dev/null | grep -q -- '--json' || continue
	check "'check $kind' lists --json and has a case" grep -q " check $kind " <<<"$covered"
done
for f in "$SCHEMAS"/*.schema.json; do
	id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["$id"].split(".invalid/")[1])' "$f")
	[ "$id" = rootwarden/common/1 ] && continue
	check "schema $id ($(basename "$f")) is used by a case" grep -q " $id " <<<"$used"
done
echo "covered:${covered}"
[ "$fails" -eq 0 ]
