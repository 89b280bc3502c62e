#!/usr/bin/env bash
# sync writes every format of the format table (emit.c), one bundle each, as a transaction (each
# read back by check bundle): a directory format's new set appears whole, an unchanged output is
# not touched, the write-ahead hook record covers directories too, and a Java store gets its
# password from the bundle's password_file (never printed). ROOTWARDEN_FORMAT tells the hook
# which format it is.
set -u
umask 022
RW=${RW_BINARY:?}
SRC=${RW_SOURCE_DIR:?}
. "$SRC/tests/integration/checklib.sh"
. "$SRC/tests/integration/safe_tmpdir.sh"
T=$(mktemp -d "$TMPDIR/rw-sfmt.XXXXXX")
chmod 755 "$T"
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
cd "$T" || exit 1
mkdir -p out
cat >hook.sh <<'EOS'
#!/bin/sh
echo "$ROOTWARDEN_BUNDLE $ROOTWARDEN_FORMAT" >>"$1/hooks.log"
echo "reloaded $ROOTWARDEN_BUNDLE"
EOS
chmod 755 hook.sh
printf 's3cret-store-pw\n' >pw
chmod 600 pw
conf() {
	cat >rw.conf <<EOC
state_dir = "$T/state";
hooks_dir = "$T/hooks.d";
bundles = (
  { name = "hashed"; path = "$T/out/hashed"; format = "openssl-directory"; profiles = [ "$1" ]; hooks = ( [ "$T/hook.sh", "$T" ] ); },
  { name = "java"; path = "$T/out/java.p12"; format = "java-pkcs12"; password_file = "$T/pw"; profiles = [ "$1" ]; hooks = ( [ "$T/hook.sh", "$T" ] ); },
  { name = "win"; path = "$T/out/win.p7b"; format = "pkcs7"; profiles = [ "$1" ]; },
  { name = "plain"; path = "$T/out/plain.pem"; format = "pem"; profiles = [ "$1" ]; },
  { name = "pemdir"; path = "$T/out/pemdir"; format = "pem-directory"; profiles = [ "$1" ]; },
  { name = "derdir"; path = "$T/out/derdir"; format = "der-directory"; profiles = [ "$1" ]; },
  { name = "oldjava"; path = "$T/out/old.jks"; format = "jks"; profiles = [ "$1" ]; }
);
EOC
}
run() { "$RW" sync --offline --config rw.conf --roots-dir "$SRC/roots" "$@" >out.txt 2>&1; }
conf azure-china
run; rc=$?
check "first sync writes every format (exit 5)" [ "$rc" -eq 5 ]
check "the hashed directory holds HASH.0 names" bash -c "ls out/hashed | grep -Eq '^[0-9a-f]{8}\.0$'"
check "the hooks were told the format" grep -q "^hashed openssl-directory$" hooks.log
check "  (and the Java one)" grep -q "^java java-pkcs12$" hooks.log
check "the password is not printed" bash -c "! grep -q s3cret out.txt"
check "hook output is prefixed by the hook's name, not its argv" grep -q "^hook hook.sh: | reloaded hashed$" out.txt
check "the summary says what happened" grep -q "no root fetched; 7 bundles, 7 updated, 0 failed; 2 hooks run" out.txt
for b in hashed java.p12 win.p7b plain.pem pemdir derdir old.jks; do
	check "sync wrote $b, and check bundle reads it back" "$RW" check bundle "out/$b" \
		--roots-dir "$SRC/roots" --profile azure-china --config rw.conf
done
stamp=$(stat -c %Y out/hashed/* out/java.p12 out/win.p7b out/plain.pem out/pemdir/* out/derdir/* out/old.jks | md5sum)
sleep 1
run; rc=$?
check "a second sync changes nothing (exit 0)" [ "$rc" -eq 0 ]
check "  and touches no file" [ "$(stat -c %Y out/hashed/* out/java.p12 out/win.p7b out/plain.pem out/pemdir/* out/derdir/* out/old.jks | md5sum)" = "$stamp" ]
check "check bundle reads the PKCS #7 bundle back" "$RW" check bundle out/win.p7b --roots-dir "$SRC/roots" --profile azure-china --json
# rotation and check bundle --config read the Java store with its configured password (not the
# default "changeit"): the bundle is judged, not UNKNOWN for want of a password.
"$RW" rotation --config rw.conf --roots-dir "$SRC/roots" --json >rot.json 2>rot.err
check "rotation --config reads the password-protected store" python3 -c '
import json, sys
d = json.load(open("rot.json"))
b = [x for x in d["bundles"] if x["name"] == "java"][0]
assert b["readable"] is True, b
assert b["status"]["code"] != 3, b' 
check "  and prints no password" bash -c "! grep -q s3cret rot.json rot.err"
"$RW" check bundle out/java.p12 --roots-dir "$SRC/roots" --profile azure-china >cb.txt 2>&1
check "check bundle without the store's password: UNKNOWN (3)" [ $? -eq 3 ]
check "check bundle --password-file reads the store (OK)" \
	"$RW" check bundle out/java.p12 --roots-dir "$SRC/roots" --profile azure-china --password-file pw
check "check bundle --config: the bundle's password_file (OK)" \
	"$RW" check bundle out/java.p12 --roots-dir "$SRC/roots" --config rw.conf
: >hooks.log
conf azure-mysql-flexible
ROOTWARDEN_CRASH_AT=sync-after-record run
check "killed after the directory's record, before its swap" [ $? -eq 137 ]
run; rc=$?
check "the next sync finishes every format (exit 5)" [ "$rc" -eq 5 ]
check "the directory now holds the new set" [ "$(ls out/hashed | wc -l)" -ge 3 ]
check "every due hook ran" both grep -q "^hashed " hooks.log -- grep -q "^java " hooks.log
"$RW" sync --json --offline --config rw.conf --roots-dir "$SRC/roots" >out.json 2>/dev/null
check "the JSON report holds no password" bash -c "! grep -q s3cret out.json"
[ "$fails" -eq 0 ]
