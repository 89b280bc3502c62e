#!/usr/bin/env bash
# One monitoring convention: the first line of every check kind's and of rotation's text report
# is "SERVICE STATUS - summary | perfdata" (monitoring-plugins guidelines; src/monline.h), its
# STATUS agrees with the exit status (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), and the perfdata
# are label=value pairs. Every kind 'rootwarden help check' lists must have a case here.
set -uo pipefail
src=${RW_SOURCE_DIR:?RW_SOURCE_DIR is not set}
bin=${RW_BINARY:?RW_BINARY is not set}
. "$src/tests/integration/checklib.sh"
. "$src/tests/integration/safe_tmpdir.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TZ=UTC

"$bin" bundle --profile azure-mysql-flexible --at 2026-01-01 --roots-dir "$src/roots" \
	-o "$tmp/b.pem" -q || fail "bundle for the check"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/k.pem" 2>/dev/null
chmod 0600 "$tmp/k.pem"

re_perf='[a-z_]+=-?[0-9]+(;[-0-9]*){0,4}'
re="^[A-Z]+ (OK|WARNING|CRITICAL|UNKNOWN) - [^|]+( \| $re_perf( $re_perf)*)?\$"
names=(OK WARNING CRITICAL UNKNOWN)
# line SERVICE WANT_PERFDATA COMMAND...: runs it, checks the first line against the convention.
line() {
	local service=$1 perf=$2 first rc
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	first=$(head -1 "$tmp/out")
	echo "  $first"
	check "$service: first line follows 'SERVICE STATUS - summary | perfdata'" \
		grep -Eq "$re" <<<"$first"
	check "$service: service name $service" test "${first%% *}" = "$service"
	check "$service: status agrees with exit status $rc" \
		test "$(cut -d' ' -f2 <<<"$first")" = "${names[$rc]:-none}"
	if [ "$perf" = perf ]; then
		check "$service: has perfdata" grep -q ' | ' <<<"$first"
	fi
}
covered=" "
for kind in $("$bin" help check | awk '/^  [a-z]+ / {print $1}'); do
	case $kind in
	bundle) line BUNDLE perf "$bin" check bundle "$tmp/b.pem" --profile azure-mysql-flexible \
		--at 2026-01-01 --roots-dir "$src/roots" ;;
	key)
		line KEY perf "$bin" check key "$tmp/k.pem" --policy strict
		cp "$tmp/k.pem" "$tmp/open.pem" && chmod 0644 "$tmp/open.pem"
		line KEY perf "$bin" check key "$tmp/open.pem" --policy strict
		;;
	sqlserver) line SQLSERVER - "$bin" check sqlserver --cert "$tmp/missing.pem" --host db.example.com ;;
	token) line TOKEN - "$bin" check token --tenant 00000000-0000-0000-0000-000000000000 \
		--token-file "$tmp/missing" --jwks "$tmp/missing.json" ;;
	probe) line PROBE perf "$bin" check probe tls://127.0.0.1:9 --connect-timeout 500 ;;
	*)
		fail "check kind '$kind' has no case in this test"
		continue
		;;
	esac
	covered="$covered$kind "
done
check "every check kind covered (${covered# })" test "$(wc -w <<<"$covered")" -ge 4
line ROTATION perf "$bin" rotation --at 2025-04-01 --roots-dir "$src/roots"
line ROTATION perf "$bin" rotation --at 2027-06-01 --roots-dir "$src/roots"
check "rotation perfdata: days to the next step with the warning window" \
	grep -Eq ' days_to_next_step=[0-9]+;90' <<<"$("$bin" rotation --at 2025-04-01 --roots-dir "$src/roots" | head -1)"

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "every check kind and rotation: one monitoring first line"
