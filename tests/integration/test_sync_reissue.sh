#!/usr/bin/env bash
# Re-issued roots: a downloaded root with the pinned key (SPKI) but another certificate is
# reported as "re-issued with the same key" — not as a substitution — and stays quarantined,
# unless the configuration accepts re-issues for that root (accept_reissue = true, or a root
# pinned by its SPKI alone); an accepted re-issue is what the bundle holds, on this run and the
# next. A certificate with another key is refused either way. (file:// URLs: no server needed.)
set -u
umask 022
RW=${RW_BINARY:?}
SRC=${RW_SOURCE_DIR:?}
command -v certtool >/dev/null || { echo "skip: certtool missing"; exit 77; }
. "$SRC/tests/integration/checklib.sh"
. "$SRC/tests/integration/safe_tmpdir.sh"
T=$(mktemp -d "$TMPDIR/rw-reissue.XXXXXX")
chmod 755 "$T"
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
cd "$T" || exit 1
mk() { # NAME KEY SERIAL
	printf 'cn = "Corp Root"\nca\ncert_signing_key\nexpiration_days = 3650\nserial = %s\n' "$3" >"$1.tmpl"
	certtool --generate-self-signed --load-privkey "$2" --template "$1.tmpl" --outfile "$1.pem" >/dev/null 2>&1
}
certtool --generate-privkey --key-type ecdsa --outfile k.pem >/dev/null 2>&1
certtool --generate-privkey --key-type ecdsa --outfile other.pem >/dev/null 2>&1
mk a k.pem 1
mk b k.pem 2    # re-issued: same key, another certificate
mk c other.pem 3 # another key
sha() { certtool --fingerprint --hash sha256 --infile "$1" | tr a-f A-F; }
spki() { certtool --pubkey-info --infile "$1" --outder 2>/dev/null | sha256sum | cut -c1-64 | tr a-f A-F; }
A=$(sha a.pem) B=$(sha b.pem) K=$(spki a.pem)
mkdir -p www out
conf() { # PINS [extra]
	cat >rw.conf <<EOC
state_dir = "$T/state";
hooks_dir = "$T/hooks.d";
fetch = { catalog_roots = false; retries = 0; };
roots = ( { id = "corp"; urls = [ "file://$T/www/root.pem" ]; $1 } );
bundles = ( { name = "app"; path = "$T/out/app.pem"; profiles = [ "azure-china" ]; roots = [ "corp" ]; } );
EOC
}
run() { "$RW" sync --config rw.conf --roots-dir "$SRC/roots" "$@" >out.txt 2>&1; }
holds() { grep -q "$(sed -n 2p "$1.pem")" out/app.pem; }

cp b.pem www/root.pem
conf "sha256 = \"$A\"; spki_sha256 = \"$K\";"
run; rc=$?
check "a re-issue is quarantined by default (degraded, exit 6)" [ "$rc" -eq 6 ]
check "  reported as re-issued with the same key" grep -q "re-issued with the same key" out.txt
check "  not as a substitution" bash -c "! grep -q 'does not match its SHA-256 pin' out.txt"
rm -rf state out/app.pem
conf "sha256 = \"$A\"; spki_sha256 = \"$K\"; accept_reissue = true;"
run; rc=$?
check "with accept_reissue it is accepted (exit 5)" [ "$rc" -eq 5 ]
check "  and the bundle holds the re-issued certificate" holds b
run --offline; rc=$?
check "the next run (offline) still holds it, nothing changes (exit 0)" both [ "$rc" -eq 0 ] -- holds b
cp c.pem www/root.pem
run; rc=$?
check "another key is refused even so (degraded)" both [ "$rc" -eq 6 ] -- grep -q "does not match" out.txt
check "  and the bundle keeps the re-issue" holds b
rm -rf state out/app.pem
cp b.pem www/root.pem
conf "spki_sha256 = \"$K\";"
run; rc=$?
check "a root pinned by its SPKI alone takes any certificate of that key (exit 5)" both [ "$rc" -eq 5 ] -- holds b
conf "sha256 = \"$A\"; accept_reissue = true;"
"$RW" config check --config rw.conf --roots-dir "$SRC/roots" -q 2>err.txt
check "accept_reissue without an SPKI pin is a configuration error" grep -q "accept_reissue needs an 'spki_sha256' pin" err.txt
printf 'state_dir = "%s/state";\nfetch = { accept_reissue = [ "no-such-root" ]; };\n' "$T" >rw2.conf
"$RW" config check --config rw2.conf --roots-dir "$SRC/roots" -q 2>err.txt
check "fetch.accept_reissue names only catalog roots with an SPKI pin" grep -q "no-such-root" err.txt
[ "$fails" -eq 0 ]
