#!/usr/bin/env bash
# Inputs that must fail fast and clearly, never hang or run for the wrong day: FIFOs where files
# are expected, a NaN lock timeout, a malformed ROOTWARDEN_NOW, a mode that would let others
# change a bundle, and a symlinked bundle whose target does not exist yet.
set -u
bin=${RW_BINARY:?}
src=${RW_SOURCE_DIR:?}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# run EXPECTED-STATUS EXPECTED-TEXT CMD...: at most 10 s, the status and the message must match
run() {
	local want=$1 text=$2
	shift 2
	timeout 10 "$@" > "$t/out" 2>&1
	local rc=$?
	[ $rc -ne 124 ] || fail "hung: $*"
	[ $rc -eq "$want" ] || { cat "$t/out"; fail "exit $rc, want $want: $*"; }
	grep -qF -- "$text" "$t/out" || { cat "$t/out"; fail "no '$text' from: $*"; }
}

# A FIFO as the catalog's root file, as an include, as a checked bundle, as a configuration.
cp -r "$src/roots" "$t/roots"
rm "$t/roots/digicert-global-root-g2.pem"
mkfifo "$t/roots/digicert-global-root-g2.pem"
run 3 "digicert-global-root-g2.pem: not a regular file" \
	"$bin" bundle --roots-dir "$t/roots" --profile azure-china --output "$t/x.pem"
mkdir "$t/inc"
mkfifo "$t/inc/f.pem"
run 3 "inc/f.pem: not a regular file" \
	"$bin" bundle --profile azure-china --include "$t/inc" --output "$t/x.pem"
mkfifo "$t/fifo.pem"
run 3 "fifo.pem: not a regular file" "$bin" check bundle "$t/fifo.pem" --profile azure-china
mkfifo "$t/fifo.conf"
run 3 "fifo.conf: not a regular file" "$bin" config check --config "$t/fifo.conf"
[ ! -e "$t/x.pem" ] || fail "a bundle was written from bad input"

# A lock timeout that is not a number of seconds.
run 2 "--lock-timeout: 'nan' is not" "$bin" sync --default-config --lock-timeout nan

# A rehearsal date that is not a date must not run for the real today.
ROOTWARDEN_NOW=2020-13-01 run 3 "ROOTWARDEN_NOW: '2020-13-01' is not a date" \
	"$bin" bundle --profile azure-china --output "$t/x.pem"
ROOTWARDEN_NOW=garbage run 3 "ROOTWARDEN_NOW" "$bin" rotation
[ ! -e "$t/x.pem" ] || fail "a bundle was written for the wrong day"

# A mode that others could write through.
run 2 "--mode: '0666' is not an octal mode without group or other write" \
	"$bin" bundle --profile azure-china --mode 0666 --output "$t/x.pem"

# A dangling symlink as the output: the file it names is written, the link stays a link.
ln -s "$t/real.pem" "$t/link.pem"
run 0 "written" "$bin" bundle --profile azure-china --at 2024-06-01 --output "$t/link.pem"
[ -L "$t/link.pem" ] || fail "the symlink was replaced by a file"
grep -q "DigiCert Global Root CA" "$t/real.pem" || fail "the link's target was not written"
# A certificate file whose certificates do not form one chain (a leaf plus an unrelated root):
# judged rule by rule (the chain rule fails), not refused as unreadable.
certtool --generate-privkey --key-type ecdsa --outfile "$t/k.pem" 2>/dev/null
printf 'cn=db.example.com\ndns_name=db.example.com\ntls_www_server\nsigning_key\nexpiration_days=30\n' \
	> "$t/leaf.tmpl"
certtool --generate-self-signed --load-privkey "$t/k.pem" --template "$t/leaf.tmpl" \
	--outfile "$t/leaf.pem" 2>/dev/null
cat "$t/leaf.pem" "$src/roots/digicert-global-root-g2.pem" > "$t/multi.pem"
run 2 "chain" "$bin" check sqlserver --cert "$t/multi.pem" --key "$t/k.pem" \
	--host db.example.com --bundle "$src/roots/digicert-global-root-g2.pem" --no-key-perms
grep -q "bad PEM certificate" "$t/out" && fail "multi-certificate file refused as unreadable"
echo "1 passed, 0 failed"
