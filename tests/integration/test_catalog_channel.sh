#!/usr/bin/env bash
# test_catalog_channel.sh - the signed catalog channel end to end with the built binary: a
# publisher signs a newer catalog archive, a host verifies it (by pin and by PEM key); a tampered,
# older, unsigned-by-us or pin-breaking archive gets its own verdict and exit status 3; 'catalog
# diff' names what changes when. And the retirement case of the catalog: a MySQL Single Server
# bundle after 2024-09-16 holds what the migrated server needs, and 'check bundle' says CRITICAL
# for a G2-only file.
set -uo pipefail

RW=${RW_BINARY:?RW_BINARY is not set}
SRC=${RW_SOURCE_DIR:?RW_SOURCE_DIR is not set}
command -v certtool >/dev/null || { echo "skipped: certtool (gnutls-bin) is not installed"; exit 77; }
command -v tar >/dev/null || { echo "skipped: tar is not installed"; exit 77; }
. "$SRC/tests/integration/checklib.sh"

base=${RW_BUILD_DIR:-${TMPDIR:-/tmp}}
work=$(mktemp -d "$base/catalog-channel.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

# status WANT COMMAND...: the exit status of COMMAND is WANT (output kept in out.txt / err.txt)
status() {
	local want=$1
	shift
	"$@" >out.txt 2>err.txt
	local got=$?
	[ "$got" = "$want" ] || { echo "  exit $got, expected $want"; sed 's/^/  /' out.txt err.txt; return 1; }
}

certtool --generate-privkey --key-type=ed25519 --outfile key.pem 2>/dev/null
certtool --generate-privkey --key-type=ed25519 --outfile other.pem 2>/dev/null
certtool --load-privkey key.pem --pubkey-info --outfile pub.pem 2>/dev/null

# The publisher: the shipped roots with a larger catalog_version and a moved date.
cp -r "$SRC/roots" pub
ver=$(awk -F'[ =;]+' '/^catalog_version/ {print $2}' pub/catalog.conf)
new=$((ver + 1))
sed -i "s/^catalog_version = .*/catalog_version = $new;/" pub/catalog.conf
sed -i 's/{ date = "2025-07-01";/{ date = "2025-06-01"; source = "test"; }, { date = "2025-07-01";/' pub/catalog.conf
(cd pub && tar --format=ustar -cf ../catalog.tar catalog.conf *.pem)

check "sign writes the detached signature and prints the pin" status 0 "$RW" catalog sign --key key.pem catalog.tar
pin=$(awk '{print $NF}' out.txt)
check "the signature file holds the public key and the signature" \
	grep -q "BEGIN ROOTWARDEN CATALOG SIGNATURE" catalog.tar.sig
check "verify by pin: accepted" status 0 "$RW" catalog verify catalog.tar --sig catalog.tar.sig --pin "$pin" --roots-dir "$SRC/roots"
check "  and says so with the version" grep -q "accepted, catalog_version $new" out.txt
check "verify by PEM key: accepted" status 0 "$RW" catalog verify catalog.tar --sig catalog.tar.sig --key pub.pem --roots-dir "$SRC/roots"
sha=$(sha256sum catalog.tar | cut -c1-64)
check "the last accepted archive again: same" status 0 "$RW" catalog verify catalog.tar --sig catalog.tar.sig --pin "$pin" --accepted-version $new --accepted-sha256 "$sha" --roots-dir "$SRC/roots"
check "  verdict same" grep -q ": same," out.txt

cp catalog.tar tampered.tar
printf 'X' | dd of=tampered.tar bs=1 seek=700 conv=notrunc 2>/dev/null
check "a tampered archive: bad-signature, exit 3" status 3 "$RW" catalog verify tampered.tar --sig catalog.tar.sig --pin "$pin" --roots-dir "$SRC/roots"
check "  verdict bad-signature" grep -q ": bad-signature," out.txt
"$RW" catalog sign --key other.pem --output other.sig catalog.tar >/dev/null
check "signed by a key that is not trusted: bad-signature" status 3 "$RW" catalog verify catalog.tar --sig other.sig --pin "$pin" --roots-dir "$SRC/roots"
check "a newer accepted version makes it older (replay)" status 3 "$RW" catalog verify catalog.tar --sig catalog.tar.sig --pin "$pin" --accepted-version $((new + 1)) --roots-dir "$SRC/roots"
check "  verdict older" grep -q ": older," out.txt
check "the same version with other content: conflict" status 3 "$RW" catalog verify catalog.tar --sig catalog.tar.sig --pin "$pin" --accepted-version $new --accepted-sha256 0000000000000000000000000000000000000000000000000000000000000000 --roots-dir "$SRC/roots"
check "  verdict conflict" grep -q ": conflict," out.txt
check "no key given: usage error" status 2 "$RW" catalog verify catalog.tar --sig catalog.tar.sig
check "an RSA key cannot sign a catalog" bash -c "certtool --generate-privkey --key-type=rsa --bits=2048 --outfile rsa.pem 2>/dev/null; ! '$RW' catalog sign --key rsa.pem catalog.tar >/dev/null 2>&1"

check "catalog diff: a difference, exit 1" status 1 "$RW" catalog diff "$SRC/roots" pub --from 2025-01-01
check "  names the profile, the day and the step" grep -q "azure-mysql-flexible from 2025-06-01: NEW writes also DigiCert Global Root G2" out.txt
check "catalog diff of a catalog with itself: exit 0" status 0 "$RW" catalog diff "$SRC/roots" "$SRC/roots"
cat >diff.conf <<EOC
state_dir = "$PWD/state";
bundles = ( { name = "app"; path = "$PWD/app.pem"; profiles = [ "azure-mysql-flexible" ]; },
            { name = "pg"; path = "$PWD/pg.pem"; profiles = [ "azure-postgres-flexible" ]; } );
EOC
check "catalog diff --config: per configured bundle, exit 1" status 1 "$RW" catalog diff "$SRC/roots" pub --from 2025-01-01 --config diff.conf
check "  names the bundle, the day and the step" grep -q "^bundle app from 2025-06-01: NEW writes also DigiCert Global Root G2, Microsoft RSA Root Certificate Authority 2017 than OLD \[NEW: azure-mysql-flexible step 2025-06-01\]" out.txt
check "  and not a bundle the change does not touch" bash -c '! grep -q "^bundle pg" out.txt'
sed 's/"azure-postgres-flexible"/"azure-postgres-flexibel"/' diff.conf >typo.conf
check "catalog diff --config: a profile neither catalog knows is refused (3), not 'no difference'" \
	status 3 "$RW" catalog diff "$SRC/roots" pub --from 2025-01-01 --config typo.conf
check "  naming the file, line, bundle and profile" \
	grep -q "typo.conf:3: bundle 'pg': profile 'azure-postgres-flexibel' is in neither catalog" err.txt

# The retirement case.
check "a MySQL Single Server bundle after the retirement" status 0 "$RW" bundle --roots-dir "$SRC/roots" --profile azure-mysql-single --at 2024-10-01 --output single.pem
check "  holds DigiCert Global Root CA (what the migrated server chains to)" grep -q "^# DigiCert Global Root CA$" single.pem
check "  and DigiCert Global Root G2" grep -q "^# DigiCert Global Root G2$" single.pem
check "  and Baltimore, until it expires" grep -q "^# Baltimore CyberTrust Root$" single.pem
"$RW" bundle --roots-dir "$SRC/roots" --profile azure-government-mysql-flexible --at 2024-10-01 --output g2only.pem --quiet
check "check bundle: a G2-only file after the retirement is CRITICAL" status 2 "$RW" check bundle g2only.pem --profile azure-mysql-single --at 2024-10-01 --roots-dir "$SRC/roots"
check "  naming DigiCert Global Root CA" grep -q "DigiCert Global Root CA" out.txt
check "check bundle: the rootwarden bundle is OK" status 0 "$RW" check bundle single.pem --profile azure-mysql-single --at 2024-10-01 --roots-dir "$SRC/roots" --warn-days 30
check "Azure Germany after its end: refused with the reason" status 3 "$RW" bundle --roots-dir "$SRC/roots" --profile azure-germany --at 2022-01-01 --output -
check "  ended on 2021-10-29" grep -q "ended on 2021-10-29" err.txt

[ "$fails" -eq 0 ]
