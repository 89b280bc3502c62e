#!/usr/bin/env bash
# sync with the signed catalog channel (config "catalog"): a newer catalog, signed by a key the
# configuration pins, is accepted, put in place under STATE/catalog, used for the bundles (its
# moved date shows in rotation), and raises catalog-updated once; the same archive again changes
# nothing; a tampered archive, one signed by another key, or an older one is refused and
# quarantined, the run is degraded (exit 6) and the last good catalog stays in use; so are a
# truncated archive (malformed), the accepted version with other content (conflict) and an
# archive whose root fails its pin (pin-failed), each leaving the catalog in use, the bundle
# file and the hooks as they were; a newer shipped catalog (a package upgrade) wins over an
# older accepted one.
set -u
umask 022
RW=${RW_BINARY:?}
SRC=${RW_SOURCE_DIR:?}
command -v certtool >/dev/null && command -v tar >/dev/null || { echo "skip: certtool/tar missing"; exit 77; }
. "$SRC/tests/integration/checklib.sh"
. "$SRC/tests/integration/safe_tmpdir.sh"
T=$(mktemp -d "$TMPDIR/rw-scat.XXXXXX")
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
certtool --generate-privkey --key-type=ed25519 --outfile key.pem 2>/dev/null
certtool --generate-privkey --key-type=ed25519 --outfile other.pem 2>/dev/null
mkdir -p www hooks.d out shipped
cp -r "$SRC/roots/." shipped/
ver=$(awk -F'[ =;]+' '/^catalog_version/ {print $2}' shipped/catalog.conf)
publish() { # VERSION [KEY]: the publisher's archive and signature in www/ ($EDIT runs in pub/)
	rm -rf pub && cp -r shipped pub
	sed -i "s/^catalog_version = .*/catalog_version = $1;/" pub/catalog.conf
	(cd pub && eval "${EDIT:-:}" && tar --format=ustar -cf ../www/catalog.tar catalog.conf *.pem)
	"$RW" catalog sign --key "${2:-key.pem}" --output www/catalog.tar.sig www/catalog.tar >pin.txt
}
publish $((ver + 1))
pin=$(awk '{print $NF}' pin.txt)
cat >hooks.d/50-log <<EOS
#!/bin/sh
echo "\$ROOTWARDEN_EVENT \${ROOTWARDEN_CATALOG_VERSION:-}" >>"$T/events.log"
EOS
chmod 755 hooks.d/50-log
cat >rw.conf <<EOC
state_dir = "$T/state";
hooks_dir = "$T/hooks.d";
metrics_file = "$T/out/rw.prom";
fetch = { catalog_roots = false; };
catalog = { url = "file://$T/www/catalog.tar"; keys = [ "$pin" ]; };
bundles = ( { name = "app"; path = "$T/out/app.pem"; profiles = [ "azure-mysql-flexible" ]; } );
EOC
run() { "$RW" sync --config rw.conf --roots-dir "$T/shipped" >out.txt 2>&1; }
cev() { local n; n=$(grep -c "^catalog-updated" events.log 2>/dev/null); echo "${n:-0}"; }

run; rc=$?
check "a newer signed catalog is accepted (exit 5: the bundle was written)" [ "$rc" -eq 5 ]
check "it is in place under STATE/catalog/current" grep -q "catalog_version = $((ver + 1));" state/catalog/current/catalog.conf
check "catalog-updated was raised once, with its version" both [ "$(cev)" = 1 ] -- grep -q "catalog-updated $((ver + 1))" events.log
check "metrics: the version in use comes from the channel" grep -q "^rootwarden_catalog_version{source=\"channel\"} $((ver + 1))$" out/rw.prom
check "config check uses the same catalog" "$RW" config check --config rw.conf --roots-dir "$T/shipped" -q
run; rc=$?
check "the same archive again: nothing changes (exit 0), no event" both [ "$rc" -eq 0 ] -- [ "$(cev)" = 1 ]
cp state/catalog/current/catalog.conf kept.conf
printf 'X' | dd of=www/catalog.tar bs=1 seek=700 conv=notrunc 2>/dev/null
run; rc=$?
check "a tampered archive: degraded (exit 6)" [ "$rc" -eq 6 ]
check "  refused as bad-signature and quarantined" grep -q "refused (bad-signature), quarantined" out.txt
check "  a quarantine report names the verdict" grep -lq '"verdict": "bad-signature"' state/quarantine/*.json
check "  the last good catalog stays" cmp -s kept.conf state/catalog/current/catalog.conf
publish $((ver + 2)) other.pem
run; rc=$?
check "signed by a key not configured: degraded, refused" both [ "$rc" -eq 6 ] -- grep -q "bad-signature" out.txt
publish "$ver"
run; rc=$?
check "an older catalog (a replay): degraded, refused as older" both [ "$rc" -eq 6 ] -- grep -q "refused (older)" out.txt
check "  still the last good one in use" cmp -s kept.conf state/catalog/current/catalog.conf
check "metrics: the channel had a problem" grep -q '^rootwarden_catalog_update_ok 0$' out/rw.prom
# Each refusal below changes nothing else: the catalog in use, the bundle file, no hook event.
cp out/app.pem kept.pem
nev=$(cev)
unchanged() { cmp -s kept.conf state/catalog/current/catalog.conf && cmp -s kept.pem out/app.pem && [ "$(cev)" = "$nev" ]; }
publish $((ver + 3))
head -c 3000 www/catalog.tar >www/cut.tar && mv www/cut.tar www/catalog.tar
"$RW" catalog sign --key key.pem --output www/catalog.tar.sig www/catalog.tar >/dev/null
run; rc=$?
check "a truncated archive (signed as cut): degraded, refused as malformed" both [ "$rc" -eq 6 ] -- grep -q "refused (malformed), quarantined" out.txt
check "  nothing else changed" unchanged
EDIT='sed -i "s/Microsoft Cloud Germany closed/Microsoft Cloud Germany closed (edited)/" catalog.conf' publish $((ver + 1))
run; rc=$?
check "the accepted version with other content: degraded, refused as conflict" both [ "$rc" -eq 6 ] -- grep -q "refused (conflict), quarantined" out.txt
check "  nothing else changed" unchanged
EDIT='cp digicert-global-root-g2.pem digicert-global-root-g3.pem' publish $((ver + 4))
run; rc=$?
check "a root in the update failing its pin: degraded, refused as pin-failed" both [ "$rc" -eq 6 ] -- grep -q "refused (pin-failed), quarantined" out.txt
check "  the report names the root's file" grep -q "digicert-global-root-g3.pem" out.txt
check "  nothing else changed" unchanged
# A catalog signed and newer, but without the profile this configuration's bundle names: put in
# place, it would stop every later run at the configuration (exit 3, --offline too).
EDIT='sed -i "s/\"azure-mysql-flexible\"/\"azure-mysql-flex\"/g" catalog.conf' publish $((ver + 6))
run; rc=$?
check "a newer catalog this configuration cannot use: degraded (6), refused, quarantined" \
	both [ "$rc" -eq 6 ] -- grep -q "refused (error), quarantined: catalog_version $((ver + 6)) is signed and newer, but the configuration cannot use it: rw.conf:[0-9]*: bundle 'app': unknown profile 'azure-mysql-flexible'" out.txt
check "  nothing else changed" unchanged
"$RW" sync --offline --config rw.conf --roots-dir "$T/shipped" >out.txt 2>&1
check "  the next run (offline) still works with the catalog in use (exit 0)" [ $? -eq 0 ]
check "  each refusal left a quarantine report with its verdict" bash -c 'for v in malformed conflict pin-failed; do grep -lq "\"verdict\": \"$v\"" state/quarantine/*.json || exit 1; done'
sed -i "s/^catalog_version = .*/catalog_version = $((ver + 5));/" shipped/catalog.conf
publish $((ver + 1))
"$RW" sync --config rw.conf --roots-dir "$T/shipped" --dry-run >out.txt 2>&1
"$RW" sync --config rw.conf --roots-dir "$T/shipped" --json >out.json 2>/dev/null
check "a newer shipped catalog (package upgrade) wins over the accepted one" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); c=d["catalog"]
assert c["source"]=="shipped" and c["version"]==int(sys.argv[2]), c' out.json $((ver + 5))
[ "$fails" -eq 0 ]
