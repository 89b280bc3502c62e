#!/usr/bin/env bash
# test_token.sh - "rootwarden check token" end to end: RSA keys made here with openssl, tokens
# signed with 'openssl dgst -sha256 -sign' (header and claims assembled by python3's standard
# library), key sets served by tests/integration/https_server.py on 127.0.0.1. Every case asserts
# the exit status, the verdict of its rule, and that neither the token nor any of its three parts
# appears in stdout, stderr, the JSON report or the metrics file.
set -uo pipefail

RW=${RW_BINARY:?RW_BINARY is not set}
SRC=${RW_SOURCE_DIR:?RW_SOURCE_DIR is not set}
for t in openssl python3 certtool; do
	command -v "$t" >/dev/null || { echo "skipped: $t is not installed"; exit 77; }
done
# shellcheck source=tests/integration/checklib.sh
. "$SRC/tests/integration/checklib.sh"
# shellcheck source=tests/integration/sync_fixture.sh
. "$SRC/tests/integration/sync_fixture.sh"

base=${RW_BUILD_DIR:-${TMPDIR:-/tmp}}
work=$(mktemp -d "$base/token.XXXXXX") || exit 1
trap 'fx_server_stop; rm -rf "$work"' EXIT
chmod 0755 "$work"
cd "$work" || exit 1
umask 077 # token files readable by their owner only (the token-file rule is tested on its own)

TID=11111111-2222-3333-4444-555555555555
OTHER=99999999-8888-7777-6666-555555555555
AUD=https://ossrdbms-aad.database.windows.net
NOW=$(date +%s)

# --- keys, key sets, the HTTPS server ---
fx_certs "$work" 0
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out a.key 2>/dev/null &&
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out b.key 2>/dev/null || exit 1
openssl pkey -in a.key -pubout -out a.pub 2>/dev/null || exit 1
# jwk KEYFILE KID: one JWK (n and e from openssl, base64url by python3)
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
mkdir www
printf '{"keys":[%s]}\n' "$JA" >keys-a.json
printf '{"keys":[%s,%s]}\n' "$JA" "$JB" >keys-ab.json
cp keys-a.json www/keys.json
cp keys-a.json www/stale.json
chmod 0644 www/* keys-*.json
fx_server_start "$work" "$work/www"
URL=https://127.0.0.1:$PORT
J=(--jwks "$URL/keys.json" --ca-file "$work/tls-ca.pem")

# token OUT KEY HEADER_JSON CLAIMS_JSON [hs256]: a compact JWS; HS256 uses a.pub's PEM as secret
token() {
	python3 - "$@" <<'P'
import base64, hashlib, hmac, subprocess, sys
out, key, header, claims = sys.argv[1:5]
b = lambda x: base64.urlsafe_b64encode(x).rstrip(b"=").decode()
inp = b(header.encode()) + "." + b(claims.encode())
if len(sys.argv) > 5 and sys.argv[5] == "hs256":
    sig = hmac.new(open("a.pub", "rb").read(), inp.encode(), hashlib.sha256).digest()
elif key == "-":
    sig = b""
else:
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=inp.encode(),
                         capture_output=True, check=True).stdout
open(out, "w").write(inp + "." + b(sig) + "\n")
P
}
# claims ISS TID AUD EXP_IN NBF_IN: the claims of an access token for a user, times from now
claims() {
	printf '{"aud":%s,"iss":"%s","iat":%d,"nbf":%d,"exp":%d,"tid":"%s","upn":"alice@contoso.example","oid":"0a0a0a0a-1b1b-2c2c-3d3d-4e4e4e4e4e4e","appid":"04b07795-8ddb-461a-bbee-02f9e1bf7b46","ver":"1.0"}' \
		"$3" "$1" $((NOW + $5)) $((NOW + $5)) $((NOW + $4)) "$2"
}
V1=https://sts.windows.net/$TID/
V2=https://login.microsoftonline.com/$TID/v2.0
HA='{"typ":"JWT","alg":"RS256","kid":"kidA"}'
HB='{"typ":"JWT","alg":"RS256","kid":"kidB"}'
token valid.jwt a.key "$HA" "$(claims "$V1" $TID "\"$AUD\"" 3600 -300)"
token v2.jwt a.key "$HA" "$(claims "$V2" $TID "\"$AUD\"" 3600 -300)"
token expired.jwt a.key "$HA" "$(claims "$V1" $TID "\"$AUD\"" -3600 -7200)"
token future.jwt a.key "$HA" "$(claims "$V1" $TID "\"$AUD\"" 7200 3600)"
token soon.jwt a.key "$HA" "$(claims "$V1" $TID "\"$AUD\"" 180 -300)"
token aud.jwt a.key "$HA" "$(claims "$V1" $TID '"https://management.azure.com/"' 3600 -300)"
token tenant.jwt a.key "$HA" "$(claims "https://sts.windows.net/$OTHER/" $OTHER "\"$AUD\"" 3600 -300)"
token none.jwt - '{"alg":"none","kid":"kidA"}' "$(claims "$V1" $TID "\"$AUD\"" 3600 -300)"
token hs.jwt - '{"alg":"HS256","kid":"kidA"}' "$(claims "$V1" $TID "\"$AUD\"" 3600 -300)" hs256
token kidb.jwt b.key "$HB" "$(claims "$V1" $TID "\"$AUD\"" 3600 -300)"
token long.jwt a.key "$HA" "$(claims "$V1" $TID "\"$AUD\"" 864000 -300)"
# tampered payload: long.jwt's payload under valid.jwt's signature; tampered signature
python3 - <<'P'
v = open("valid.jwt").read().strip().split(".")
l = open("long.jwt").read().strip().split(".")
open("payload.jwt", "w").write(".".join([v[0], l[1], v[2]]) + "\n")
s = v[2]
open("sig.jwt", "w").write(".".join([v[0], v[1], s[:-8] + ("A" if s[-8] != "A" else "B") + s[-7:]]) + "\n")
h = v[1]
open("b64.jwt", "w").write(".".join([v[0], h[:10] + "+" + h[11:], v[2]]) + "\n")
open("huge.jwt", "w").write(v[0] + "." + "A" * (1 << 20) + "." + v[2] + "\n")
P

# run STATUS DESCRIPTION TOKENFILE ARGS...: runs check token on TOKENFILE (--token-file) with
# --json and --metrics-file, compares the exit status and leaves out.json, err.txt, m.prom; with
# TEXT=1 also the text report (out.txt), which must not hold the token either.
TEXT=0
run() {
	local want=$1 what=$2 tok=$3 got
	shift 3
	rm -f m.prom
	"$RW" check token --tenant $TID --token-file "$tok" --json --metrics-file m.prom "$@" \
		>out.json 2>err.txt
	got=$?
	if [ "$got" = "$want" ]; then pass "$what (exit $got)"; else
		fail "$what: exit $got, expected $want"
		sed 's/^/  out: /' out.json | head -40
		sed 's/^/  err: /' err.txt
	fi
	noleak "$what" "$tok" out.json err.txt m.prom
	[ "$TEXT" = 1 ] || return 0
	"$RW" check token --tenant $TID --token-file "$tok" "$@" >out.txt 2>&1
	noleak "$what (text)" "$tok" out.txt
}
# noleak WHAT TOKENFILE FILES...: no file holds the token or any of its parts (or their first
# 64 characters, for the huge one)
noleak() {
	local what=$1 tok=$2 p f
	shift 2
	for p in $(tr '.' '\n' <"$tok" | cut -c1-64) $(head -c 4096 "$tok" | tr -d '\n'); do
		[ "${#p}" -ge 8 ] || continue
		for f in "$@"; do
			[ -e "$f" ] || continue
			if grep -qF -- "$p" "$f"; then fail "$what: $f holds (part of) the token"; return; fi
		done
	done
}
# rule RULE VERDICT [TEXT]: out.json has a finding RULE with VERDICT (whose reason holds TEXT)
rule() {
	python3 - "$@" <<'P' || { fail "rule $1 is not $2${3:+ with '$3'}"; sed 's/^/  out: /' out.json | head -60; }
import json, sys
d = json.load(open("out.json"))
r = [f for f in d["findings"] if f["rule"] == sys.argv[1]]
assert r and r[0]["verdict"] == sys.argv[2], r
assert len(sys.argv) < 4 or sys.argv[3] in r[0]["reason"], r
P
}
# metric VALUE TARGET: m.prom holds exactly rootwarden_check_status{check="token",target=TARGET}
metric() {
	grep -qx "rootwarden_check_status{check=\"token\",target=\"$2\"} $1" m.prom ||
		{ fail "metrics: want status $1 for $2"; sed 's/^/  prom: /' m.prom; }
}

TEXT=1 run 0 "valid v1 token" valid.jwt "${J[@]}"
rule signature PASS "kidA"
rule issuer PASS "v1 issuer $V1"
rule identity PASS "upn alice@contoso.example"
rule identity PASS "oid 0a0a0a0a-1b1b-2c2c-3d3d-4e4e4e4e4e4e"
rule identity PASS "appid 04b07795-8ddb-461a-bbee-02f9e1bf7b46"
rule keyset PASS "1 RSA signing key"
metric 0 valid.jwt
grep -q "^TOKEN OK - .* | unknown=0 fail=0 warn=0 pass=[0-9]*$" out.txt || fail "text report: first line not 'TOKEN OK - ... | perfdata'"
grep -q "token sha256:[0-9a-f]\{12\}$" out.txt || fail "text report: no fingerprint subject"
run 0 "valid v2 token" v2.jwt "${J[@]}"
rule issuer PASS "v2 issuer $V2"
run 2 "expired" expired.jwt "${J[@]}"
rule expiry FAIL "expired at"
metric 2 expired.jwt
run 2 "not yet valid" future.jwt "${J[@]}"
rule not-before FAIL "not valid before"
run 1 "expires within --min-remaining (default 5)" soon.jwt "${J[@]}"
rule expiry WARN "less than 5 min"
metric 1 soon.jwt
run 0 "--min-remaining 2" soon.jwt "${J[@]}" --min-remaining 2
run 2 "expired at --at" valid.jwt "${J[@]}" --at "@$((NOW + 7200))"
run 2 "wrong audience" aud.jwt "${J[@]}"
rule audience FAIL "a token for another resource"
run 0 "--audience override" aud.jwt "${J[@]}" --audience https://management.azure.com/
run 2 "wrong tenant" tenant.jwt "${J[@]}"
rule tenant FAIL "is not the server's tenant $TID"
rule issuer FAIL "is neither"
run 2 "a v1 token on the china cloud" valid.jwt "${J[@]}" --cloud china
rule issuer FAIL "https://sts.chinacloudapi.cn/$TID/"
TEXT=1 run 2 "alg none" none.jwt "${J[@]}"
rule alg FAIL "alg none"
rule signature FAIL "not verified"
TEXT=1 run 2 "HS256 keyed with the RSA public key" hs.jwt "${J[@]}"
rule alg FAIL "shared-secret MAC"
TEXT=1 run 2 "tampered payload" payload.jwt "${J[@]}"
rule signature FAIL "does not verify"
run 2 "tampered signature" sig.jwt "${J[@]}"
rule signature FAIL "does not verify"
TEXT=1 run 2 "bad base64url" b64.jwt "${J[@]}"
rule format FAIL "payload: not base64url (character 11)"
TEXT=1 run 2 "a 1 MB token" huge.jwt "${J[@]}"
rule format FAIL "more than the limit of 16384"

# --- an unknown kid: the key set is fetched once more; it rotates in between, or it does not ---
: >server.log
TEXT=1 run 2 "unknown kid, not in the refetched set either" kidb.jwt "${J[@]}"
rule kid FAIL "unknown signing key kidB: not in the key set, also after fetching it again"
# two runs (JSON and text), each fetching twice
[ "$(grep -c '^GET /keys.json 200' server.log)" = 4 ] || fail "unknown kid: want 2 fetches a run"
cp keys-ab.json www/keys.json.then
: >server.log
"$RW" check token --tenant $TID --token-file kidb.jwt --json "${J[@]}" >out.json 2>err.txt
check "unknown kid, found after the key set is fetched again (exit 0)" [ $? = 0 ]
rule kid PASS "found after fetching the key set again"
rule signature PASS "kidB"
noleak "refetch" kidb.jwt out.json err.txt
[ "$(grep -c '^GET /keys.json 200' server.log)" = 2 ] || fail "rotation: want 2 fetches"
: >server.log
run 0 "a known kid is not fetched again" kidb.jwt "${J[@]}"
[ "$(grep -c "^GET /keys.json" server.log)" = 1 ] || fail "known kid: want 1 fetch"
cp keys-a.json www/keys.json
run 2 "an unknown kid in a key set file is not refetched" kidb.jwt --jwks keys-a.json
rule kid FAIL "not in the key set"

# --- where the key set comes from ---
mkdir -p state/jwks
run 3 "no key set kept by sync yet" valid.jwt --state-dir "$work/state"
grep -q "$work/state/jwks/public.json: no key set kept by sync" out.json ||
	fail "missing state copy: message"
cp keys-a.json state/jwks/public.json
run 0 "the copy sync keeps (STATE/jwks/public.json)" valid.jwt --state-dir "$work/state"
rule keyset PASS
run 3 "key set URL not trusted (no --ca-file)" valid.jwt --jwks "$URL/keys.json"
printf '{"keys":[{"kid":"x","kty":"EC"}]}' >ec.json
run 3 "a key set with an EC key is refused whole" valid.jwt --jwks ec.json
grep -q "ec.json: keys\[0\] (kid x): kty is 'EC', not RSA" out.json || fail "EC key set: message"
metric 3 valid.jwt

# --- input: --token-env, stdin, usage ---
TOK=$(cat valid.jwt)
ROOTWARDEN_TEST_TOKEN=$TOK "$RW" check token --tenant $TID --token-env ROOTWARDEN_TEST_TOKEN \
	"${J[@]}" --metrics-file m.prom >out.txt 2>&1
check "--token-env (exit 0)" [ $? = 0 ]
metric 0 env:ROOTWARDEN_TEST_TOKEN
noleak "--token-env" valid.jwt out.txt m.prom
"$RW" check token --tenant $TID "${J[@]}" --metrics-file m.prom <valid.jwt >out.txt 2>&1
check "stdin (exit 0)" [ $? = 0 ]
metric 0 stdin
noleak "stdin" valid.jwt out.txt m.prom
# no temporary file holds the token: none is left in TMPDIR or beside the metrics file, from a
# file, the environment or a pipe
mkdir -p tmp mdir
# token_run HOW [WRAPPER...]: check token with the token from a file, the environment or a pipe
token_run() {
	local how=$1
	shift
	case $how in
	file) TMPDIR=$work/tmp "$@" "$RW" check token --tenant $TID --token-file valid.jwt "${J[@]}" \
		--metrics-file mdir/m.prom >out.txt 2>&1 ;;
	env) ROOTWARDEN_TEST_TOKEN=$TOK TMPDIR=$work/tmp "$@" "$RW" check token --tenant $TID \
		--token-env ROOTWARDEN_TEST_TOKEN "${J[@]}" --metrics-file mdir/m.prom >out.txt 2>&1 ;;
	stdin) TMPDIR=$work/tmp "$@" "$RW" check token --tenant $TID "${J[@]}" \
		--metrics-file mdir/m.prom <valid.jwt >out.txt 2>&1 ;;
	esac
}
for how in file env stdin; do
	token_run $how
	rc=$?
	check "$how: exit 0" [ "$rc" = 0 ]
	check "$how: nothing left in TMPDIR" [ -z "$(ls -A tmp)" ]
	check "$how: nothing beside the metrics file" [ "$(ls -A mdir)" = m.prom ]
	noleak "$how (temporary files)" valid.jwt out.txt mdir/m.prom
done
# ... nor one written and removed on the way: under strace (-y names each fd's file), no write to
# a file carries any part of the token, whatever happens to that file afterwards
if command -v strace >/dev/null && strace -f -qq -o /dev/null true 2>/dev/null; then
	for how in file env stdin; do
		# (LeakSanitizer cannot run under ptrace: the leak check is the runs' above)
		token_run $how env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
			strace -f -y -qq -s 65536 -e trace=write,pwrite64,writev,pwritev -o "$work/trace.txt"
		check "$how under strace: exit 0" [ $? = 0 ]
		grep -E '^[0-9]+ +(write|pwrite64|writev|pwritev)\([0-9]+</' "$work/trace.txt" |
			grep -v '</dev/' >"$work/file-writes.txt"
		check "$how under strace: the writes were seen (the report into out.txt)" \
			grep -q "out.txt>" "$work/file-writes.txt"
		noleak "$how (every write to a file)" valid.jwt "$work/file-writes.txt"
	done
	rm -f "$work/trace.txt" "$work/file-writes.txt"
else
	echo "skip: no strace (or no ptrace here): writes to files not traced"
fi
"$RW" check token --tenant $TID --token-env NO_SUCH_VAR_RW "${J[@]}" >out.txt 2>&1
check "--token-env of an unset variable (exit 3)" [ $? = 3 ]
"$RW" check token --tenant $TID --token-file missing.jwt "${J[@]}" >out.txt 2>&1
check "missing token file (exit 3)" [ $? = 3 ]
"$RW" check token --token-file valid.jwt "${J[@]}" >out.txt 2>&1
check "no --tenant (exit 3)" [ $? = 3 ]
"$RW" check token --tenant contoso.onmicrosoft.com --token-file valid.jwt >out.txt 2>&1
check "a tenant that is not a GUID (exit 3)" [ $? = 3 ]
"$RW" check token --tenant $TID --cloud germany --token-file valid.jwt >out.txt 2>&1
check "an unknown cloud (exit 3)" [ $? = 3 ]
"$RW" check token --tenant $TID --token-file valid.jwt --at tomorrow >out.txt 2>&1
check "a bad --at (exit 3)" [ $? = 3 ]
"$RW" check token --tenant $TID "$TOK" >out.txt 2>&1
check "a token as an argument is refused (exit 3)" [ $? = 3 ]
noleak "argument" valid.jwt out.txt
"$RW" check token --help | grep -q -- "--min-remaining" || fail "--help lacks --min-remaining"
"$RW" check --help | grep -q "check token" || fail "check --help lacks token"

# --- a token file others can read ---
cp valid.jwt open.jwt && chmod 0644 open.jwt
run 1 "a token file readable by every user" open.jwt "${J[@]}"
rule token-file WARN "mode 0644"

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "check token: every case passed"
