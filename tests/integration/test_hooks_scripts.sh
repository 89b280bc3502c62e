#!/usr/bin/env bash
# The ready hooks in hooks/, run as rootwarden runs them (clean environment, JSON on stdin) against
# certificates generated here, with every destination in a temporary directory:
# - reload-units: which systemctl calls for argv / environment / per-bundle configuration, bad
#   names and actions refused, a failing unit reported with status 1, other events ignored;
# - system-trust-store: one file per certificate named by SHA-256, atomic and idempotent (mtimes
#   kept), a changed bundle replaces only its own files, empty or broken bundles change nothing,
#   a failing update command fails the hook; and the real update-ca-certificates into temp dirs;
#   a failed update.d hook (reported by update-ca-certificates with status 0) fails the hook, and
#   removals reach the update.d hooks as "-" lines, also on the retry after a failure.
# (Java truststores are output formats now: tests/integration/test_formats.sh.)
set -uo pipefail

src=${RW_SOURCE_DIR:?RW_SOURCE_DIR is not set}
hooks=$src/hooks
for t in certtool base64 sha256sum awk; do
	command -v "$t" >/dev/null || { echo "SKIP: $t is not installed"; exit 77; }
done

. "${RW_SOURCE_DIR:?}/tests/integration/safe_tmpdir.sh" # hooks must not live under a writable parent
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The shipped hooks, copied into the safe tree: the source tree may sit under a writable parent
# (a clone in /tmp), and rootwarden rightly refuses to run a hook from there.
mkdir -m 755 "$tmp/shipped-hooks"
cp -p "$hooks"/* "$tmp/shipped-hooks/"
hooks=$tmp/shipped-hooks
fails=0
pass() { echo "ok   $*"; }
fail() {
	echo "FAIL $*"
	fails=$((fails + 1))
}
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; [ -z "${RW_DEBUG:-}" ] || { echo "  got: $*"; cat "$tmp/out"; }; fi
}

# run_hook HOOK BUNDLE PATH [VAR=VALUE...] [-- ARGS...]: as rootwarden runs it: a clean
# environment with PATH, the protocol variables, and a JSON document on stdin. Output in
# $tmp/out, status in $rc.
run_hook() {
	local hook=$1 bundle=$2 path=$3
	shift 3
	local vars=() args=()
	while [ $# -gt 0 ]; do
		if [ "$1" = -- ]; then
			shift
			args=("$@")
			break
		fi
		vars+=("$1")
		shift
	done
	printf '{"bundle":"%s","path":"%s","added":[],"removed":[],"pad":"%08000d"}\n' \
		"$bundle" "$path" 0 |
		env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			ROOTWARDEN_EVENT=bundle-updated ROOTWARDEN_BUNDLE="$bundle" \
			ROOTWARDEN_BUNDLE_PATH="$path" ROOTWARDEN_FORMAT=pem ROOTWARDEN_ADDED= \
			ROOTWARDEN_REMOVED= TMPDIR="$tmp" "${vars[@]}" "$hooks/$hook" "${args[@]}" \
			>"$tmp/out" 2>&1
	rc=$?
}

# --- certificates: three self-signed roots ----------------------------------------------------
cd "$tmp" || exit 1
for n in A B C; do
	certtool --generate-privkey --key-type ecdsa --outfile "key$n.pem" >/dev/null 2>&1
	printf 'cn = "rootwarden hook test root %s"\nca\ncert_signing_key\nexpiration_days = 3650\n' \
		"$n" >"tmpl$n"
	certtool --generate-self-signed --load-privkey "key$n.pem" --template "tmpl$n" \
		--outfile "$n.pem" >/dev/null 2>&1 || { echo "certtool failed"; exit 1; }
	sha=$(certtool --fingerprint --hash=sha256 --infile "$n.pem" | tr a-f A-F)
	eval "SHA_$n=$sha"
done
cat A.pem B.pem >ab.pem
cat A.pem C.pem >ac.pem
cat A.pem A.pem B.pem >aab.pem
cp A.pem a.pem
: >empty.pem
sed '$d' B.pem >truncated.pem
sed 's/^M/!/' A.pem >garbage.pem

# --- reload-units ------------------------------------------------------------------------------
cat >fake-systemctl <<EOF
#!/bin/sh
echo "\$*" >>"$tmp/systemctl.log"
case "\$*" in *broken.service*) echo "Failed: access denied" >&2; exit 1 ;; esac
exit 0
EOF
chmod 755 fake-systemctl
sc="ROOTWARDEN_SYSTEMCTL=$tmp/fake-systemctl"
calls() { cat "$tmp/systemctl.log" 2>/dev/null; rm -f "$tmp/systemctl.log"; }

run_hook reload-units app "$tmp/ab.pem" "$sc" -- app.service nginx.service
check "reload-units: argv units, each reloaded-or-restarted" \
	test "$rc:$(calls)" = "0:--no-ask-password try-reload-or-restart -- app.service
--no-ask-password try-reload-or-restart -- nginx.service"

run_hook reload-units app "$tmp/ab.pem" "$sc" ROOTWARDEN_UNITS="a.service b.socket" \
	ROOTWARDEN_UNIT_ACTION=restart
check "reload-units: ROOTWARDEN_UNITS and ROOTWARDEN_UNIT_ACTION" \
	test "$rc:$(calls)" = "0:--no-ask-password restart -- a.service
--no-ask-password restart -- b.socket"

cat >reload.conf <<'EOF'
# units for every bundle, and for bundle "pg-clients"
ROOTWARDEN_UNITS=default.service
ROOTWARDEN_UNITS_pg-clients=postgresql.service pgbouncer.service
ROOTWARDEN_UNIT_ACTION=try-restart
EOF
chmod 644 reload.conf
run_hook reload-units pg-clients "$tmp/ab.pem" "$sc" ROOTWARDEN_HOOK_CONF="$tmp/reload.conf"
check "reload-units: per-bundle units from the configuration file" \
	test "$rc:$(calls)" = "0:--no-ask-password try-restart -- postgresql.service
--no-ask-password try-restart -- pgbouncer.service"
run_hook reload-units other "$tmp/ab.pem" "$sc" ROOTWARDEN_HOOK_CONF="$tmp/reload.conf"
check "reload-units: the plain key for other bundles" \
	test "$rc:$(calls)" = "0:--no-ask-password try-restart -- default.service"

run_hook reload-units app "$tmp/ab.pem" "$sc" ROOTWARDEN_HOOK_CONF="$tmp/none.conf"
check "reload-units: nothing configured -> exit 0, no call" test "$rc:$(calls)" = "0:"

run_hook reload-units app "$tmp/ab.pem" "$sc" -- ok.service broken.service last.service
check "reload-units: a failing unit -> status 1 naming it, the others still done" \
	test "$rc:$(calls | wc -l)" = "1:3"
check "reload-units: the failure message names the unit" grep -q 'failed: broken.service' out

for bad in "--now" "a;b.service" "app" "../x.service"; do
	run_hook reload-units app "$tmp/ab.pem" "$sc" -- "$bad"
	check "reload-units: '$bad' refused (status 2, no call)" test "$rc:$(calls)" = "2:"
done
run_hook reload-units app "$tmp/ab.pem" "$sc" ROOTWARDEN_UNIT_ACTION=stop -- app.service
check "reload-units: action 'stop' refused" test "$rc:$(calls)" = "2:"

printf 'ROOTWARDEN_UNITS=x.service\nBOGUS=1\n' >bad.conf
run_hook reload-units app "$tmp/ab.pem" "$sc" ROOTWARDEN_HOOK_CONF="$tmp/bad.conf"
check "reload-units: unknown key -> status 2 with file:line" \
	test "$rc:$(calls)" = "2:" -a -n "$(grep -F "$tmp/bad.conf:2:" out)"
chmod 666 reload.conf
run_hook reload-units app "$tmp/ab.pem" "$sc" ROOTWARDEN_HOOK_CONF="$tmp/reload.conf"
check "reload-units: world-writable configuration refused" \
	test "$rc:$(calls)" = "2:" -a -n "$(grep 'world-writable' out)"
chmod 644 reload.conf

printf '{}' | env -i PATH=/usr/bin:/bin ROOTWARDEN_EVENT=rotation-upcoming ROOTWARDEN_BUNDLE=app \
	"$sc" "$hooks/reload-units" app.service >out 2>&1
check "reload-units: rotation-upcoming ignored" test "$?:$(calls)" = "0:"

# --- system-trust-store ----------------------------------------------------------------------
trust=$tmp/trust
mkdir -p "$trust"
echo "not ours" >"$trust/local-ca.crt"
upd="ROOTWARDEN_TRUST_UPDATE=$tmp/fake-update"
printf '#!/bin/sh\necho "$*" >>%s/update.log\n' "$tmp" >fake-update
chmod 755 fake-update
td="ROOTWARDEN_TRUST_DIR=$trust"
files() { (cd "$trust" && ls -A | sort | tr '\n' ' '); }
sorted() { printf '%s\n' "$@" | sort | tr '\n' ' '; }
mtime() { stat -c %Y.%y "$1"; }

run_hook system-trust-store app "$tmp/ab.pem" "$td" "$upd"
check "system-trust-store: one file per certificate, named by SHA-256" \
	test "$rc:$(files)" = "0:$(sorted local-ca.crt "rootwarden-app-$SHA_A.crt" "rootwarden-app-$SHA_B.crt")"
check "system-trust-store: each file holds exactly its certificate" \
	cmp -s "$trust/rootwarden-app-$SHA_A.crt" A.pem
check "system-trust-store: files are mode 0644" \
	test "$(stat -c %a "$trust/rootwarden-app-$SHA_B.crt")" = 644
check "system-trust-store: the update command ran" test -f update.log
m_a=$(mtime "$trust/rootwarden-app-$SHA_A.crt")
m_b=$(mtime "$trust/rootwarden-app-$SHA_B.crt")

sleep 1.1
run_hook system-trust-store app "$tmp/aab.pem" "$td" "$upd"
check "system-trust-store: rerun (with a duplicate) changes nothing, mtimes kept" \
	test "$rc:$(files):$(mtime "$trust/rootwarden-app-$SHA_A.crt"):$(mtime "$trust/rootwarden-app-$SHA_B.crt")" = \
	"0:$(sorted local-ca.crt "rootwarden-app-$SHA_A.crt" "rootwarden-app-$SHA_B.crt"):$m_a:$m_b"

run_hook system-trust-store other "$tmp/ab.pem" "$td" "$upd"
rm -f update.log
mkdir -p fakebin hooks.d
cp fake-update fakebin/update-ca-certificates
# an update.d hook that records what it is told
printf '#!/bin/sh\ncat >>%s/updated.log\n' "$tmp" >hooks.d/record
chmod 755 hooks.d/record
debupd="ROOTWARDEN_TRUST_UPDATE=$tmp/fakebin/update-ca-certificates --hooksdir $tmp/hooks.d --etccertsdir /etc/ssl/certs"
run_hook system-trust-store app "$tmp/ac.pem" "$td" "$debupd"
check "system-trust-store: a removal does not use --fresh (which hides removals)" \
	test "$(cat update.log)" = "--hooksdir $tmp/hooks.d --etccertsdir /etc/ssl/certs"
check "system-trust-store: the update.d hooks are told of the removed certificate" \
	test "$(cat updated.log)" = "-/etc/ssl/certs/rootwarden-app-$SHA_B.pem"
check "system-trust-store: nothing pending after a run that succeeded" \
	test ! -e "$trust/.rootwarden-removed.app"
check "system-trust-store: no temporary file left" test -z "$(find "$trust" -name '.rootwarden-tmp*')"
echo partial >"$trust/.rootwarden-tmp.KILLED"
run_hook system-trust-store app "$tmp/ac.pem" "$td" "$upd"
check "system-trust-store: a killed run's temporary file is cleaned up" \
	test "$rc" = 0 -a ! -e "$trust/.rootwarden-tmp.KILLED"

before=$(files)
for bad in empty truncated garbage missing; do
	rm -f update.log
	run_hook system-trust-store app "$tmp/$bad.pem" "$td" "$upd"
	check "system-trust-store: $bad bundle -> status 1, nothing changed, no update" \
		test "$rc:$(files):$(test -e update.log && echo ran)" = "1:$before:"
done

printf '#!/bin/sh\necho "update exploded" >&2\nexit 4\n' >failing-update
chmod 755 failing-update
run_hook system-trust-store app "$tmp/ab.pem" "$td" "ROOTWARDEN_TRUST_UPDATE=$tmp/failing-update"
check "system-trust-store: failing update command -> status 1 with its output" \
	test "$rc" = 1 -a -n "$(grep 'update exploded' out)"
# update-ca-certificates reports a failed update.d hook with "E: ..." and exit status 0.
printf '#!/bin/sh\necho "E: /etc/ca-certificates/update.d/jks-keystore exited with code 1."\nexit 0\n' >fakebin/update-ca-certificates
run_hook system-trust-store app "$tmp/ab.pem" "$td" "ROOTWARDEN_TRUST_UPDATE=$tmp/fakebin/update-ca-certificates"
check "system-trust-store: a failed update.d hook (E: line, status 0) -> status 1" \
	test "$rc" = 1 -a -n "$(grep 'jks-keystore exited' out)"
# A removal whose update.d hook fails is passed on again by the next run.
cp fake-update fakebin/update-ca-certificates
printf '#!/bin/sh\ncat >/dev/null\nexit 3\n' >hooks.d/record
rm -f updated.log
run_hook system-trust-store app "$tmp/a.pem" "$td" "$debupd"
check "system-trust-store: an update.d hook failing on a removal -> status 1, removal kept pending" \
	test "$rc" = 1 -a -s "$trust/.rootwarden-removed.app"
printf '#!/bin/sh\ncat >>%s/updated.log\n' "$tmp" >hooks.d/record
run_hook system-trust-store app "$tmp/a.pem" "$td" "$debupd"
check "system-trust-store: the retry tells the update.d hooks of the removal" \
	test "$rc" = 0 -a ! -e "$trust/.rootwarden-removed.app" -a \
	-n "$(grep -x -- "-/etc/ssl/certs/rootwarden-app-$SHA_B.pem" updated.log)"

run_hook system-trust-store app "$tmp/ab.pem" "$td" "$upd" ROOTWARDEN_FORMAT=der
check "system-trust-store: a non-PEM bundle is refused (status 2)" test "$rc" = 2

# The real Debian update-ca-certificates, pointed at temporary directories.
if command -v update-ca-certificates >/dev/null && command -v openssl >/dev/null &&
	update-ca-certificates --help 2>&1 | grep -q . &&
	grep -q -- '--localcertsdir' "$(command -v update-ca-certificates)"; then
	d=$tmp/deb
	mkdir -p "$d/local" "$d/share" "$d/etc" "$d/hooks"
	: >"$d/ca-certificates.conf"
	printf '#!/bin/sh\ncat >>%s/told.log\n' "$d" >"$d/hooks/record"
	chmod 755 "$d/hooks/record"
	real="ROOTWARDEN_TRUST_UPDATE=update-ca-certificates --certsconf $d/ca-certificates.conf --certsdir $d/share --localcertsdir $d/local --etccertsdir $d/etc --hooksdir $d/hooks"
	run_hook system-trust-store app "$tmp/ab.pem" "ROOTWARDEN_TRUST_DIR=$d/local" "$real"
	n=$(grep -c 'BEGIN CERTIFICATE' "$d/etc/ca-certificates.crt" 2>/dev/null)
	check "system-trust-store + update-ca-certificates: both roots in ca-certificates.crt" \
		test "$rc:$n" = "0:2"
	run_hook system-trust-store app "$tmp/ac.pem" "ROOTWARDEN_TRUST_DIR=$d/local" "$real"
	check "system-trust-store + update-ca-certificates: B gone after a change" \
		test "$rc:$(grep -c 'BEGIN CERTIFICATE' "$d/etc/ca-certificates.crt")" = "0:2" -a \
		-z "$(find "$d/etc" -name "rootwarden-app-$SHA_B.pem")"
	check "system-trust-store + update-ca-certificates: C linked" \
		test -L "$d/etc/rootwarden-app-$SHA_C.pem"
	check "system-trust-store + update-ca-certificates: update.d told +C and -B" \
		sh -c "grep -qx -- '+$d/etc/rootwarden-app-$SHA_C.pem' '$d/told.log' &&
		       grep -qx -- '-$d/etc/rootwarden-app-$SHA_B.pem' '$d/told.log'"
	printf '#!/bin/sh\ncat >/dev/null\nexit 1\n' >"$d/hooks/record"
	run_hook system-trust-store app "$tmp/ab.pem" "ROOTWARDEN_TRUST_DIR=$d/local" "$real"
	check "system-trust-store + update-ca-certificates: a failing update.d hook -> status 1" \
		test "$rc" = 1
else
	echo "skip update-ca-certificates part: not installed (or without --localcertsdir)"
fi

# --- run by rootwarden sync itself ------------------------------------------------------------
# A bundle hook given its settings through /usr/bin/env (argv, no shell), and a hook symlinked
# into hooks_dir, as the README suggests.
if [ -n "${RW_BINARY:-}" ] && [ -x "${RW_BINARY}" ] &&
	! "$RW_BINARY" help sync 2>&1 | grep -q 'not implemented'; then
	e2e=$tmp/e2e
	mkdir -p "$e2e/state" "$e2e/hooks.d" "$e2e/out" "$e2e/trust"
	chmod 755 "$e2e/hooks.d"
	ln -s "$hooks/reload-units" "$e2e/hooks.d/50-reload-units"
	cat >"$e2e/rootwarden.conf" <<EOF
state_dir = "$e2e/state";
hooks_dir = "$e2e/hooks.d";
bundles = (
  {
    name = "pg";
    path = "$e2e/out/pg.pem";
    profiles = [ "azure-postgres-flexible" ];
    hooks = ( [ "/usr/bin/env", "ROOTWARDEN_TRUST_DIR=$e2e/trust", "ROOTWARDEN_TRUST_UPDATE=/bin/true",
                "$hooks/system-trust-store" ] );
  }
);
EOF
	ROOTWARDEN_NOW=2026-01-15 "$RW_BINARY" sync --config "$e2e/rootwarden.conf" --offline -v \
		>"$e2e/sync.log" 2>&1
	rc=$?
	certs=$(grep -c 'BEGIN CERTIFICATE' "$e2e/out/pg.pem" 2>/dev/null)
	check "sync: bundle written (status 5)" test "$rc" = 5
	check "sync: system-trust-store installed the bundle's $certs roots" \
		test "${certs:-0}" -gt 0 -a "$(ls "$e2e/trust" | grep -c '^rootwarden-pg-[0-9A-F]\{64\}\.crt$')" = "$certs"
	check "sync: symlinked reload-units in hooks_dir ran (nothing configured)" \
		grep -q 'no units configured for bundle' "$e2e/sync.log"
	[ "$fails" = 0 ] || cat "$e2e/sync.log"
else
	echo "skip the sync part: RW_BINARY not set or sync not built"
fi

# --- every hook: POSIX sh, documented at its top ------------------------------------------------
for h in reload-units system-trust-store; do
	check "$h: executable, #!/bin/sh" test -x "$hooks/$h" -a "$(head -n 1 "$hooks/$h")" = "#!/bin/sh"
	check "$h: documents its exit status" grep -q '^# Exit status' "$hooks/$h"
	if command -v dash >/dev/null; then
		check "$h: parses under dash" dash -n "$hooks/$h"
	fi
	if command -v shellcheck >/dev/null; then
		check "$h: shellcheck -s sh (warnings)" shellcheck -s sh -S warning "$hooks/$h"
	fi
done

if [ "$fails" -gt 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "all hook checks passed"
