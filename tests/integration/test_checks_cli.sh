#!/usr/bin/env bash
# test_checks_cli.sh - "rootwarden check sqlserver" and "rootwarden check key" end to end: the
# built binary on certificates and keys made here with certtool, asserting exit statuses 0/1/2/3,
# the fix commands in the output and the --metrics-file Prometheus file.
set -uo pipefail

RW=${RW_BINARY:?RW_BINARY is not set}
command -v certtool >/dev/null || { echo "skipped: certtool (gnutls-bin) is not installed"; exit 77; }
command -v python3 >/dev/null || { echo "skipped: python3 is not installed"; exit 77; }

base=${RW_BUILD_DIR:-${TMPDIR:-/tmp}}
work=$(mktemp -d "$base/checks-cli.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"
cd "$work" || exit 1

fails=0
# expect STATUS DESCRIPTION -- COMMAND...: runs the command, compares its exit status.
expect() {
	local want=$1 what=$2
	shift 3
	"$@" >out.txt 2>err.txt
	local got=$?
	if [ "$got" != "$want" ]; then
		echo "FAIL: $what: exit $got, expected $want: $*"
		sed 's/^/  out: /' out.txt
		sed 's/^/  err: /' err.txt
		fails=$((fails + 1))
	else
		echo "ok: $what (exit $got)"
	fi
}
contains() {
	if ! grep -qF -- "$1" out.txt; then
		echo "FAIL: output lacks '$1'"
		sed 's/^/  out: /' out.txt
		fails=$((fails + 1))
	fi
}

# --- fixtures: a root, an intermediate, a server certificate (EC keys: fast) ---
gen() { certtool --generate-privkey --key-type ecdsa --curve secp256r1 --outfile "$1" 2>/dev/null; }
gen root.key && gen inter.key && gen srv.key && gen other.key || exit 1
cat >root.tmpl <<'T'
cn = "rwtest CLI Root"
ca
cert_signing_key
expiration_days = 3650
T
cat >inter.tmpl <<'T'
cn = "rwtest CLI Intermediate"
ca
cert_signing_key
expiration_days = 1825
T
cat >srv.tmpl <<'T'
cn = "db.example.com"
dns_name = "db.example.com"
dns_name = "db"
tls_www_server
signing_key
encryption_key
expiration_days = 365
T
certtool --generate-self-signed --load-privkey root.key --template root.tmpl --outfile root.pem 2>/dev/null &&
certtool --generate-certificate --load-privkey inter.key --load-ca-certificate root.pem \
	--load-ca-privkey root.key --template inter.tmpl --outfile inter.pem 2>/dev/null &&
certtool --generate-certificate --load-privkey srv.key --load-ca-certificate inter.pem \
	--load-ca-privkey inter.key --template srv.tmpl --outfile leaf.pem 2>/dev/null || exit 1
cat leaf.pem inter.pem >srv.pem
chmod 0600 srv.key other.key
certtool --load-certificate srv.pem --load-privkey srv.key --to-p12 --outder --p12-name srv \
	--password s3cret --outfile srv.p12 2>/dev/null || exit 1
echo s3cret >good.pw
echo wrong >bad.pw

# The build tree's own parent directories are part of every key check: when one is group- or
# world-writable, that verdict is the floor of every key status below.
cp srv.key probe.key
"$RW" check key --policy strict probe.key >/dev/null 2>&1
floor=$?
[ "$floor" = 0 ] || echo "note: $base has a writable parent directory; key statuses start at $floor"
atleast() { [ "$1" -gt "$floor" ] && echo "$1" || echo "$floor"; }

# --- check key ---
expect "$(atleast 0)" "key strict 0600" -- "$RW" check key --policy strict srv.key
contains "PASS    mode"
cp srv.key open.key && chmod 0644 open.key
expect 2 "key strict 0644" -- "$RW" check key --policy strict open.key
contains "fix: chmod go= $work/open.key"
expect 3 "key missing" -- "$RW" check key --policy strict missing.key
expect 3 "key without --policy" -- "$RW" check key srv.key
expect 3 "key unknown policy" -- "$RW" check key --policy oracle srv.key
ln -s srv.key link.key
expect 2 "key symlink without --follow" -- "$RW" check key --policy strict link.key
contains "--follow"
expect "$(atleast 0)" "key symlink with --follow" -- "$RW" check key --policy strict --follow link.key
contains "symbolic link to the regular file $work/srv.key"
printf 'garbage\n' >garbage.key && chmod 0600 garbage.key
expect 2 "key garbage" -- "$RW" check key --policy strict --json garbage.key
python3 - <<'P' || fails=$((fails + 1))
import json
d = json.load(open("out.txt"))
assert d["schema"] == "rootwarden/check/1" and d["check"] == "key", d
assert d["status"] == {"code": 2, "text": "CRITICAL"} and d["error"] is None, d
r = [f for f in d["findings"] if f["rule"] == "key-parse"][0]
assert r["verdict"] == "FAIL" and "not a private key" in r["reason"], r
P

# --- check sqlserver ---
ss() { "$RW" check sqlserver --cert srv.pem --key srv.key --host db.example.com --bundle root.pem \
	--no-key-perms "$@"; }
expect 0 "sqlserver all pass" -- ss
contains "PASS    chain            verifies to 'rwtest CLI Root'"
expect 0 "sqlserver --json" -- ss --json
python3 -c 'import json,sys; d=json.load(open("out.txt")); sys.exit(0 if d["status"]["code"]==0 and d["counts"]["FAIL"]==0 else 1)' ||
	{ echo "FAIL: json"; fails=$((fails + 1)); }
expect 2 "sqlserver wrong host" -- ss --host other.example.com
contains "fix: reissue the certificate with subjectAltName DNS:other.example.com"
expect 2 "sqlserver expired at --at" -- ss --at 2099-01-01
expect 1 "sqlserver within --warn-days" -- ss --warn-days 400
expect 2 "sqlserver other bundle" -- "$RW" check sqlserver --cert leaf.pem --key srv.key \
	--host db.example.com --bundle root.pem --no-key-perms
expect 2 "sqlserver wrong key" -- "$RW" check sqlserver --cert srv.pem --key other.key \
	--host db.example.com --bundle root.pem --no-key-perms
expect 3 "sqlserver missing cert" -- "$RW" check sqlserver --cert nope.pem --host db --no-key-perms
contains "SQLSERVER UNKNOWN - nope.pem: "
expect 0 "sqlserver pkcs12 right password" -- "$RW" check sqlserver --cert srv.p12 \
	--password-file good.pw --host db.example.com --bundle root.pem --no-key-perms
expect 3 "sqlserver pkcs12 wrong password" -- "$RW" check sqlserver --cert srv.p12 \
	--password-file bad.pw --host db.example.com --bundle root.pem --no-key-perms
contains "wrong password"
expect 3 "sqlserver bad --at" -- ss --at tomorrow
cat >mssql.conf <<C
[network]
tlscert = $work/srv.pem
tlskey = $work/srv.key
tlsprotocols = 1.2
forceencryption = 0
C
expect 1 "sqlserver mssql.conf forceencryption 0" -- "$RW" check sqlserver --mssql-conf mssql.conf \
	--host db.example.com --bundle root.pem --no-key-perms
contains "fix: sudo /opt/mssql/bin/mssql-conf set network.forceencryption 1"
printf '[network]\ntlscert %s\n' "$work/srv.pem" >bad.conf
expect 3 "sqlserver malformed mssql.conf" -- "$RW" check sqlserver --mssql-conf bad.conf
contains "bad.conf:2: "

# --- --metrics-file: rootwarden_check_status{check,target} written atomically, every run ---
# metric FILE CHECK TARGET VALUE: FILE holds the HELP/TYPE lines and exactly that one sample.
metric() {
	python3 - "$@" <<'P' || { echo "FAIL: metrics file $1"; sed 's/^/  prom: /' "$1"; fails=$((fails + 1)); }
import sys
path, check, target, value = sys.argv[1:]
lines = open(path).read().splitlines()
assert "# TYPE rootwarden_check_status gauge" in lines, lines
assert any(l.startswith("# HELP rootwarden_check_status ") for l in lines), lines
samples = [l for l in lines if l and not l.startswith("#")]
want = 'rootwarden_check_status{check="%s",target="%s"} %s' % (check, target, value)
assert samples == [want], (samples, want)
P
	command -v promtool >/dev/null && { promtool check metrics <"$1" >/dev/null 2>&1 ||
		{ echo "FAIL: promtool rejects $1"; fails=$((fails + 1)); }; }
}
errcontains() {
	if ! grep -qF -- "$1" err.txt; then
		echo "FAIL: stderr lacks '$1'"
		sed 's/^/  err: /' err.txt
		fails=$((fails + 1))
	fi
}
expect 0 "sqlserver pass --metrics-file" -- ss --metrics-file ss.prom
metric ss.prom sqlserver srv.pem 0
expect 2 "sqlserver fail --metrics-file (same file, rewritten)" -- ss --host other.example.com \
	--metrics-file ss.prom
metric ss.prom sqlserver srv.pem 2
expect 1 "sqlserver mssql.conf --metrics-file" -- "$RW" check sqlserver --mssql-conf mssql.conf \
	--host db.example.com --bundle root.pem --no-key-perms --metrics-file conf.prom
metric conf.prom sqlserver mssql.conf 1
expect 3 "sqlserver missing cert --metrics-file" -- "$RW" check sqlserver --cert nope.pem \
	--host db --no-key-perms --metrics-file unknown.prom
metric unknown.prom sqlserver nope.pem 3
expect 3 "sqlserver metrics in a missing directory" -- ss --metrics-file "$work/no/such/dir/m.prom"
errcontains "$work/no/such/dir/m.prom"
expect 3 "sqlserver usage error writes no metrics" -- ss --at tomorrow --metrics-file usage.prom
[ ! -e usage.prom ] || { echo "FAIL: usage.prom written on a usage error"; fails=$((fails + 1)); }
expect "$(atleast 0)" "key pass --metrics-file" -- "$RW" check key --policy strict \
	--metrics-file key.prom srv.key
metric key.prom key srv.key "$(atleast 0)"
expect 2 "key fail --metrics-file, two keys" -- "$RW" check key --policy strict \
	--metrics-file key.prom srv.key open.key
metric key.prom key srv.key,open.key 2
expect 3 "key missing --metrics-file" -- "$RW" check key --policy strict --metrics-file key.prom \
	missing.key
metric key.prom key missing.key 3
expect 3 "key metrics in a missing directory" -- "$RW" check key --policy strict \
	--metrics-file "$work/no/such/dir/k.prom" srv.key
errcontains "$work/no/such/dir/k.prom"
[ ! -e "$work/no" ] || { echo "FAIL: $work/no created"; fails=$((fails + 1)); }

# --- the key file under the mssql policy, owned by a test user (root only) ---
if [ "$(id -u)" = 0 ]; then
	for i in 1 2 3 4 5; do
		getent passwd rwtest-cli >/dev/null && break
		useradd --system --no-create-home --shell /usr/sbin/nologin rwtest-cli 2>/dev/null || sleep 0.3
	done
	chown rwtest-cli srv.key probe.key && chmod 0600 srv.key probe.key
	# a build tree under a directory other users cannot search (like /root) fails service-access
	"$RW" check key --policy mssql --service-user rwtest-cli probe.key >/dev/null 2>&1
	floor=$?
	[ "$floor" = 0 ] || echo "note: rwtest-cli cannot reach $work; statuses start at $floor"
	expect "$(atleast 0)" "sqlserver key owned by the service user" -- "$RW" check sqlserver \
		--cert srv.pem --key srv.key --host db.example.com --bundle root.pem \
		--service-user rwtest-cli
	contains "PASS    key-owner        owned by rwtest-cli"
	chown root srv.key
	expect 2 "sqlserver key owned by root" -- "$RW" check sqlserver --cert srv.pem --key srv.key \
		--host db.example.com --bundle root.pem --service-user rwtest-cli
	contains "fix: chown rwtest-cli $work/srv.key"
	expect 2 "key mssql policy, owned by root" -- "$RW" check key --policy mssql \
		--service-user rwtest-cli srv.key
else
	echo "note: not root: the ownership cases are skipped"
fi

if [ "$fails" -gt 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "all checks passed"
