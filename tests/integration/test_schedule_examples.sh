#!/usr/bin/env bash
# The examples shipped beside the units do what their comments say:
# - systemd/rootwarden.cron: its command runs under a POSIX sh (dash), contains no '%' (cron would
#   turn it into a newline), sleeps a random 0..3599 s, stays silent for sync's success statuses
#   (0, 5, 6) and prints the report and the status otherwise;
# - systemd/rootwarden.polkit.rules.example (with node, when installed): user rootwarden may
#   reload/restart the listed units, nothing else and nobody else.
set -uo pipefail

src=${RW_SOURCE_DIR:?RW_SOURCE_DIR is not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "${RW_SOURCE_DIR:?}/tests/integration/checklib.sh"

# --- cron ---------------------------------------------------------------------------------------
cron=$src/systemd/rootwarden.cron
line=$(grep -v -e '^#' -e '^$' -e '^[A-Z]*=' "$cron")
check "cron: one job line" test "$(printf '%s\n' "$line" | wc -l)" = 1
check "cron: job runs as user rootwarden" test "$(printf '%s\n' "$line" | awk '{print $6}')" = rootwarden
cmd=$(printf '%s\n' "$line" | cut -d' ' -f7-)
case $cmd in
*%*) fail "cron: the command contains '%'" ;;
*) pass "cron: the command contains no '%'" ;;
esac

sh=$(command -v dash || echo /bin/sh)
mkdir -p "$tmp/bin" "$tmp/state"
cat >"$tmp/bin/sleep" <<EOF
#!/bin/sh
echo "\$1" >>"$tmp/sleeps"
EOF
cat >"$tmp/bin/rootwarden" <<'EOF'
#!/bin/sh
echo "rootwarden: report line ($*)" >&2
exit "$FAKE_STATUS"
EOF
chmod 755 "$tmp/bin/sleep" "$tmp/bin/rootwarden"
testcmd=$(printf '%s\n' "$cmd" | sed "s|/var/lib/rootwarden|$tmp/state|g")
for status in 0 5 6 1 3 4; do
	out=$(FAKE_STATUS=$status PATH="$tmp/bin:/usr/bin:/bin" "$sh" -c "$testcmd" 2>&1)
	case $status in
	0 | 5 | 6) check "cron: status $status is silent" test -z "$out" ;;
	*)
		check "cron: status $status prints the report and the status" \
			test -n "$(printf '%s\n' "$out" | grep 'report line (sync)')" -a \
			-n "$(printf '%s\n' "$out" | grep "exit status $status")"
		;;
	esac
done
check "cron: the last report is kept in the state directory" grep -q 'report line' "$tmp/state/cron.log"
for _ in 1 2 3 4 5 6 7 8 9 10; do
	FAKE_STATUS=0 PATH="$tmp/bin:/usr/bin:/bin" "$sh" -c "$testcmd" >/dev/null 2>&1
done
check "cron: 16 random delays, all within 0..3599" \
	awk '$1 !~ /^[0-9]+$/ || $1 > 3599 { bad = 1 } END { exit bad || NR != 16 }' "$tmp/sleeps"
check "cron: the delays are not all the same" test "$(sort -u "$tmp/sleeps" | wc -l)" -gt 1

# --- polkit rule --------------------------------------------------------------------------------
if command -v node >/dev/null; then
	cat >"$tmp/polkit-test.js" <<'EOF'
const fs = require("fs");
let rule = null;
const polkit = { Result: { YES: "yes", NO: "no", NOT_HANDLED: "not-handled" },
		 addRule: (f) => { rule = f; } };
new Function("polkit", fs.readFileSync(process.argv[2], "utf8"))(polkit);
const ask = (user, id, unit, verb) =>
	rule({ id: id, lookup: (k) => ({ unit: unit, verb: verb })[k] }, { user: user });
const cases = [
	["rootwarden", "org.freedesktop.systemd1.manage-units", "postgresql.service", "reload-or-try-restart", "yes"],
	["rootwarden", "org.freedesktop.systemd1.manage-units", "app.service", "restart", "yes"],
	["rootwarden", "org.freedesktop.systemd1.manage-units", "app.service", "try-restart", "yes"],
	["rootwarden", "org.freedesktop.systemd1.manage-units", "app.service", "stop", "not-handled"],
	["rootwarden", "org.freedesktop.systemd1.manage-units", "app.service", "start", "not-handled"],
	["rootwarden", "org.freedesktop.systemd1.manage-units", "sshd.service", "restart", "not-handled"],
	["someone", "org.freedesktop.systemd1.manage-units", "app.service", "reload", "not-handled"],
	["rootwarden", "org.freedesktop.systemd1.manage-unit-files", "app.service", "reload", "not-handled"],
];
let bad = 0;
for (const [u, id, unit, verb, want] of cases) {
	const got = ask(u, id, unit, verb);
	console.log((got === want ? "ok   " : "FAIL ") + `polkit: ${u} ${verb} ${unit} (${id}) -> ${got}`);
	if (got !== want) bad++;
}
process.exit(bad ? 1 : 0);
EOF
	node "$tmp/polkit-test.js" "$src/systemd/rootwarden.polkit.rules.example"
	check "polkit rule: only rootwarden, only listed units, only reload/restart verbs" test $? = 0
else
	echo "skip polkit rule: node is not installed"
fi

if [ "$fails" -gt 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "all schedule example checks passed"
