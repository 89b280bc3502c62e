#!/usr/bin/env bash
# systemd/: the units pass `systemd-analyze verify` (with ExecStart= pointed at the built program,
# and the man page of Documentation= resolvable), the service keeps the sandbox the issue asks
# for, its SuccessExitStatus= matches src/exitcode.h, its `systemd-analyze security` exposure is
# at most 2.0 (alone, and with the documented drop-in including the Java setting), and the
# sysusers file creates the user. Skipped (77) when systemd-analyze is not installed.
set -uo pipefail

src=${RW_SOURCE_DIR:?RW_SOURCE_DIR is not set}
bin=${RW_BINARY:?RW_BINARY is not set}
if ! command -v systemd-analyze >/dev/null; then
	echo "SKIP: systemd-analyze is not installed (Debian package: systemd)"
	exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "${RW_SOURCE_DIR:?}/tests/integration/checklib.sh"

unit=$src/systemd/rootwarden.service
timer=$src/systemd/rootwarden.timer

# A copy of the units whose ExecStart= runs the built program (verify wants it to exist).
mkdir -p "$tmp/units" "$tmp/man/man8"
sed "s|^ExecStart=/usr/bin/rootwarden |ExecStart=$bin |" "$unit" >"$tmp/units/rootwarden.service"
cp "$timer" "$tmp/units/"
cp "$src/docs/rootwarden.8" "$tmp/man/man8/"
check "the copy runs the built program" grep -q "^ExecStart=$bin sync\$" "$tmp/units/rootwarden.service"

man_opt=()
command -v man >/dev/null || man_opt=(--man=no)
(cd "$tmp/units" && MANPATH=$tmp/man systemd-analyze verify "${man_opt[@]}" rootwarden.service \
	rootwarden.timer) >"$tmp/verify.log" 2>&1
rc=$?
cat "$tmp/verify.log"
check "systemd-analyze verify: no error" test "$rc" = 0
check "systemd-analyze verify: no warning" test ! -s "$tmp/verify.log"

# The settings the issue names, and the exit statuses that count as success.
for want in Type=oneshot User=rootwarden StateDirectory=rootwarden ProtectSystem=strict \
	PrivateTmp=yes NoNewPrivileges=yes ProtectHome=yes \
	"RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" SystemCallFilter=@system-service; do
	check "service sets $want" grep -qx "$want" "$unit"
done
enum_value() { tr -s ' \t\n' ' ' <"$src/src/exitcode.h" | sed -n "s/.*$1 = \([0-9]*\).*/\1/p"; }
changed=$(enum_value RW_EXIT_CHANGED)
degraded=$(enum_value RW_EXIT_DEGRADED)
check "SuccessExitStatus= is exitcode.h's changed and degraded ($changed $degraded)" \
	grep -qx "SuccessExitStatus=$changed $degraded" "$unit"
check "timer: daily, randomized, persistent" \
	test -n "$(grep -x 'OnCalendar=daily' "$timer")" -a -n "$(grep '^RandomizedDelaySec=' "$timer")" \
	-a -n "$(grep -x 'Persistent=true' "$timer")"

# exposure FILE: the overall exposure systemd-analyze security gives the unit file.
exposure() {
	systemd-analyze security --offline=true "$1" 2>/dev/null |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}
at_most() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 <= b + 0) }'; }

if systemd-analyze security --help 2>&1 | grep -q -- '--offline'; then
	e=$(exposure "$tmp/units/rootwarden.service")
	echo "exposure: ${e:-?} (systemd-analyze security --offline=true rootwarden.service)"
	check "exposure ${e:-?} <= 2.0" at_most "$e" 2.0

	# With the documented drop-in, every commented setting switched on (Java needs
	# MemoryDenyWriteExecute=no).
	mkdir -p "$tmp/units/rootwarden.service.d"
	sed 's/^#\([A-Za-z]*=\)/\1/' "$src/systemd/rootwarden.service.d/bundles.conf.example" \
		>"$tmp/units/rootwarden.service.d/bundles.conf"
	e2=$(exposure "$tmp/units/rootwarden.service")
	echo "exposure with the drop-in: ${e2:-?}"
	check "exposure with the drop-in (Java setting on) ${e2:-?} <= 2.0" at_most "$e2" 2.0
	(cd "$tmp/units" && MANPATH=$tmp/man systemd-analyze verify "${man_opt[@]}" \
		rootwarden.service) >"$tmp/verify2.log" 2>&1
	check "systemd-analyze verify with the drop-in" test $? = 0 -a ! -s "$tmp/verify2.log"

	# The trust-store drop-in (sync as root, still without capabilities).
	cp "$src/systemd/rootwarden.service.d/trust-store.conf.example" \
		"$tmp/units/rootwarden.service.d/trust-store.conf"
	e3=$(exposure "$tmp/units/rootwarden.service")
	echo "exposure with both drop-ins: ${e3:-?}"
	check "exposure with the trust-store drop-in ${e3:-?} <= 2.0" at_most "$e3" 2.0
	check "the trust-store drop-in keeps an empty capability bounding set" \
		test -z "$(grep -i '^CapabilityBoundingSet\|^AmbientCapabilities' \
			"$src/systemd/rootwarden.service.d/trust-store.conf.example")"
else
	echo "skip exposure: this systemd-analyze has no --offline (systemd < 252)"
fi

# The sysusers file creates the user and group in an empty root.
if command -v systemd-sysusers >/dev/null; then
	mkdir -p "$tmp/root/etc"
	systemd-sysusers --root="$tmp/root" "$src/systemd/rootwarden.sysusers" >/dev/null 2>&1
	check "systemd-sysusers creates user rootwarden (home /var/lib/rootwarden)" \
		grep -q '^rootwarden:x:[0-9]*:[0-9]*:[^:]*:/var/lib/rootwarden:' "$tmp/root/etc/passwd"
	check "systemd-sysusers creates group rootwarden" grep -q '^rootwarden:' "$tmp/root/etc/group"
fi

if [ "$fails" -gt 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "all unit checks passed"
