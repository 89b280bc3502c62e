#!/usr/bin/env bash
# `config check` refuses exactly what `sync` refuses at load: the same broken configurations fed to
# both (and to a real sync) give the same exit status (3) and the same message naming the file and
# line; nothing is written, not even the state directory. A valid configuration passes both (both
# build the one target model, target.h).
set -u
bin=${RW_BINARY:?}
src=${RW_SOURCE_DIR:?}
. "$src/tests/integration/checklib.sh"
. "$src/tests/integration/safe_tmpdir.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
certtool --generate-privkey --key-type ecdsa --outfile "$T/k.pem" >/dev/null 2>&1
printf 'cn = "Parity Root"\nca\ncert_signing_key\nexpiration_days = 3650\n' >"$T/r.tmpl"
certtool --generate-self-signed --load-privkey "$T/k.pem" --template "$T/r.tmpl" --outfile "$T/root.pem" >/dev/null 2>&1
cases=(
	"missing root file|roots = ( { id = \"mine\"; file = \"$T/nonexistent.pem\"; } );"
	"bad key policy|checks = ( { kind = \"key\"; paths = [\"/k\"]; policy = \"nonsense\"; } );"
	"unknown check kind|checks = ( { kind = \"nosuch\"; } );"
	"unknown check key|checks = ( { kind = \"key\"; paths = [\"/k\"]; policy = \"strict\"; url = \"x\"; } );"
	"path alias|bundles = ( { name = \"a\"; path = \"$T/out/a.pem\"; profiles = [\"azure-china\"]; }, { name = \"b\"; path = \"$T/out/./a.pem\"; profiles = [\"azure-china\"]; } );"
	"bundle in state_dir|bundles = ( { name = \"a\"; path = \"$T/state/lock\"; profiles = [\"azure-china\"]; } );"
	"unknown profile|bundles = ( { name = \"a\"; path = \"$T/out/a.pem\"; profiles = [\"azure-nowhere\"]; } );"
	"unknown owner|bundles = ( { name = \"a\"; path = \"$T/out/a.pem\"; profiles = [\"azure-china\"]; owner = \"no-such-user-rw\"; } );"
	"root not in roots|bundles = ( { name = \"a\"; path = \"$T/out/a.pem\"; profiles = [\"azure-china\"]; roots = [\"nope\"]; } );"
	"unknown format|bundles = ( { name = \"a\"; path = \"$T/out/a.pem\"; profiles = [\"azure-china\"]; format = \"nope\"; } );"
	"syntax error|bundles = ( { name = \"a\" path = \"$T/out/a.pem\"; } );"
	"hook not found|bundles = ( { name = \"a\"; path = \"$T/out/a.pem\"; profiles = [\"azure-china\"]; hooks = ( [\"$T/no-such-hook.sh\"] ); } );"
	"metrics file in state_dir|metrics_file = \"$T/state/m.prom\";"
	"probe check with an unknown profile|checks = ( { kind = \"probe\"; url = \"tls://127.0.0.1:1\"; profile = \"azure-nowhere\"; } );"
	"probe check password_file without bundle|checks = ( { kind = \"probe\"; url = \"tls://127.0.0.1:1\"; password_file = \"$T/pw\"; } );"
	"pin of a root file|roots = ( { id = \"mine\"; file = \"$T/root.pem\"; sha256 = \"$(printf '%064d' 1)\"; } );"
)
for c in "${cases[@]}"; do
	what=${c%%|*}
	printf 'state_dir = "%s/state";\nhooks_dir = "%s/hooks.d";\n%s\n' "$T" "$T" "${c#*|}" >"$T/rw.conf"
	"$bin" config check --config "$T/rw.conf" --roots-dir "$src/roots" >/dev/null 2>"$T/check.err"
	rc1=$?
	"$bin" sync --dry-run --offline --config "$T/rw.conf" --roots-dir "$src/roots" >/dev/null 2>"$T/sync.err"
	rc2=$?
	# and the real run (not a dry run) refuses it the same way, before it creates anything
	"$bin" sync --offline --config "$T/rw.conf" --roots-dir "$src/roots" >/dev/null 2>"$T/run.err"
	rc3=$?
	m1=$(sed 's/^rootwarden: //' "$T/check.err")
	m2=$(sed 's/^rootwarden: //' "$T/sync.err")
	m3=$(sed 's/^rootwarden: //' "$T/run.err")
	if [ "$rc1" -eq 3 ] && [ "$rc2" -eq 3 ] && [ "$rc3" -eq 3 ] && [ "$m1" = "$m2" ] &&
		[ "$m1" = "$m3" ] && grep -q "rw.conf" <<<"$m1" && [ ! -e "$T/state" ]; then
		pass "$what: all three exit 3 with: $m1"
	else
		fail "$what: config check $rc1 '$m1', sync --dry-run $rc2 '$m2', sync $rc3 '$m3'"
	fi
done
check "nothing was written by the refused runs" [ ! -e "$T/out" ] 
printf 'state_dir = "%s/state";\nhooks_dir = "%s/hooks.d";\nroots = ( { id = "mine"; name = "My Root"; file = "%s/root.pem"; } );\nbundles = ( { name = "a"; path = "%s/out/a.pem"; profiles = ["azure-china"]; roots = ["mine"]; } );\n' "$T" "$T" "$T" "$T" >"$T/rw.conf"
"$bin" config check --config "$T/rw.conf" --roots-dir "$src/roots" -q
check "a valid configuration passes config check" [ $? -eq 0 ]
"$bin" sync --dry-run --offline --config "$T/rw.conf" --roots-dir "$src/roots" >/dev/null 2>&1
check "and sync --dry-run plans it (exit 5)" [ $? -eq 5 ]
[ "$fails" -eq 0 ]
