#!/usr/bin/env bash
# `cmake --install` into a DESTDIR with --prefix /usr gives the tree a package needs: the program
# (which reads the installed roots), roots/catalog.conf and every shipped PEM, the configuration
# in /etc/rootwarden with an empty hooks.d, the units (ExecStart= naming the installed program),
# the sysusers file, the hooks, the man page and the examples; a second install keeps an edited
# configuration.
set -uo pipefail

src=${RW_SOURCE_DIR:?RW_SOURCE_DIR is not set}
build=${RW_BUILD_DIR:?RW_BUILD_DIR is not set}
command -v cmake >/dev/null || { echo "SKIP: cmake is not installed"; exit 77; }

dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
. "${RW_SOURCE_DIR:?}/tests/integration/checklib.sh"

if ! DESTDIR=$dest cmake --install "$build" --prefix /usr >"$dest.log" 2>&1; then
	cat "$dest.log"
	rm -f "$dest.log"
	echo "FAIL cmake --install"
	exit 1
fi

# Where the units go: the build's RW_SYSTEMD_UNIT_DIR (pkg-config's systemd.pc, or under /usr).
unitdir=$(sed -n 's/^RW_SYSTEMD_UNIT_DIR:[A-Z]*=//p' "$build/CMakeCache.txt")
sysusersdir=$(sed -n 's/^RW_SYSUSERS_DIR:[A-Z]*=//p' "$build/CMakeCache.txt")
tmpfilesdir=$(sed -n 's/^RW_TMPFILES_DIR:[A-Z]*=//p' "$build/CMakeCache.txt")
case $tmpfilesdir in /*) ;; *) tmpfilesdir=/usr/$tmpfilesdir ;; esac
case $unitdir in /*) ;; *) unitdir=/usr/$unitdir ;; esac
case $sysusersdir in /*) ;; *) sysusersdir=/usr/$sysusersdir ;; esac

d=$dest
check "program: /usr/bin/rootwarden, executable" test -x "$d/usr/bin/rootwarden"
check "roots: catalog.conf" cmp -s "$src/roots/catalog.conf" "$d/usr/share/rootwarden/roots/catalog.conf"
n=0
for pem in "$src"/roots/*.pem; do
	n=$((n + 1))
	check "roots: $(basename "$pem")" cmp -s "$pem" "$d/usr/share/rootwarden/roots/$(basename "$pem")"
done
check "roots: the 9 shipped PEMs, nothing else" \
	test "$n:$(find "$d/usr/share/rootwarden/roots" -type f | wc -l)" = "9:10"
check "the installed program reads the installed roots" \
	"$d/usr/bin/rootwarden" roots list --roots-dir "$d/usr/share/rootwarden/roots" >/dev/null

# Without --roots-dir or --config: the installed program finds what was installed with it, even
# when the build was configured with another prefix (the default, /usr/local): paths are resolved
# from the program's own location (src/paths.h), so DESTDIR/usr/bin/rootwarden reads
# DESTDIR/usr/share/rootwarden/roots and DESTDIR/etc/rootwarden/rootwarden.conf.
configured=$(sed -n 's/^CMAKE_INSTALL_PREFIX:[A-Z]*=//p' "$build/CMakeCache.txt")
echo "# build configured with prefix $configured, installed with --prefix /usr"
quiet() { "$@" >/dev/null 2>&1; }
check "installed program: roots list reads the installed roots by default" \
	quiet "$d/usr/bin/rootwarden" roots list
out=$(env -u ROOTWARDEN_ROOTS_DIR "$d/usr/bin/rootwarden" config check 2>&1)
check "installed program: config check reads DESTDIR/etc/rootwarden/rootwarden.conf" \
	test "$?" = 0
check "installed program: its default hooks_dir is DESTDIR/etc/rootwarden/hooks.d" \
	grep -q "hooks_dir = \"$d/etc/rootwarden/hooks.d\"" <<<"$out"
# The same for the other sysconfdir rules: /opt/NAME -> /etc/opt/NAME, /usr/local -> its own etc.
for prefix in /opt/rootwarden /usr/local; do
	case $prefix in /opt/*) etc=/etc$prefix ;; *) etc=$prefix/etc ;; esac
	d2=$dest/other$(echo "$prefix" | tr / _)
	if DESTDIR=$d2 cmake --install "$build" --prefix "$prefix" >"$dest.log" 2>&1; then
		check "--prefix $prefix: configuration installed in $etc/rootwarden" \
			test -f "$d2$etc/rootwarden/rootwarden.conf"
		check "--prefix $prefix: the installed program reads it and its roots" \
			"$d2$prefix/bin/rootwarden" config check --quiet
	else
		cat "$dest.log"
		fail "cmake --install --prefix $prefix"
	fi
	rm -rf "$d2"
done

# A copy of the program outside any PREFIX/bin falls back to the configure-time paths.
mkdir -p "$dest/elsewhere"
cp "$d/usr/bin/rootwarden" "$dest/elsewhere/rootwarden"
check "a program outside PREFIX/bin uses the configure-time sysconfdir" \
	grep -q "$configured" <<<"$("$dest/elsewhere/rootwarden" config check 2>&1)"
rm -rf "$dest/elsewhere"

check "configuration: /etc/rootwarden/rootwarden.conf is the example" \
	cmp -s "$src/docs/rootwarden.conf.example" "$d/etc/rootwarden/rootwarden.conf"
check "configuration: example also in the doc dir" \
	test -f "$d/usr/share/doc/rootwarden/rootwarden.conf.example"
check "hooks.d: an empty directory" test -d "$d/etc/rootwarden/hooks.d" -a \
	-z "$(ls -A "$d/etc/rootwarden/hooks.d" 2>/dev/null)"

check "units: rootwarden.service in $unitdir" test -f "$d$unitdir/rootwarden.service"
check "units: rootwarden.timer in $unitdir" cmp -s "$src/systemd/rootwarden.timer" "$d$unitdir/rootwarden.timer"
check "units: ExecStart= names the installed program" \
	grep -qx 'ExecStart=/usr/bin/rootwarden sync' "$d$unitdir/rootwarden.service"
check "sysusers: $sysusersdir/rootwarden.conf" \
	cmp -s "$src/systemd/rootwarden.sysusers" "$d$sysusersdir/rootwarden.conf"

check "tmpfiles: $tmpfilesdir/rootwarden.conf" \
	cmp -s "$src/systemd/rootwarden.tmpfiles" "$d$tmpfilesdir/rootwarden.conf"
# The installed default must be able to run: every bundle folder of the installed configuration
# is created by the tmpfiles file, owned by the service user, and writable under the unit's
# sandbox (ReadWritePaths=).
for dir in $(sed -n 's/^ *path = "\(\/[^"]*\)\/[^/"]*";.*/\1/p' "$d/etc/rootwarden/rootwarden.conf"); do
	check "bundle folder $dir: created by tmpfiles for rootwarden" \
		grep -qx "d $dir 0755 rootwarden rootwarden -" "$d$tmpfilesdir/rootwarden.conf"
	check "bundle folder $dir: in the unit's ReadWritePaths=" \
		grep -q "^ReadWritePaths=.*-$dir\( \|\$\)" "$d$unitdir/rootwarden.service"
done
check "the installed configuration has at least one bundle folder" \
	grep -q '^ *path = "/' "$d/etc/rootwarden/rootwarden.conf"
mf=$(sed -n 's/^#metrics_file = "\(.*\)\/[^/]*";/\1/p' "$d/etc/rootwarden/rootwarden.conf")
check "the suggested metrics_file folder ($mf) is in ReadWritePaths=" \
	grep -q "^ReadWritePaths=.*-$mf\( \|\$\)" "$d$unitdir/rootwarden.service"
check "no example hook asks for a password" \
	test -z "$(grep 'systemctl' "$d/etc/rootwarden/rootwarden.conf" | grep -v -- --no-ask-password)"

for h in reload-units system-trust-store; do
	check "hooks: $h executable in /usr/share/rootwarden/hooks" \
		test -x "$d/usr/share/rootwarden/hooks/$h"
	check "hooks: $h reads its settings from /etc/rootwarden" \
		grep -q "ROOTWARDEN_HOOK_CONF:-/etc/rootwarden/$h.conf" "$d/usr/share/rootwarden/hooks/$h"
done

man=$d/usr/share/man/man8/rootwarden.8
check "man page: man8/rootwarden.8" cmp -s "$src/docs/rootwarden.8" "$man"
if command -v groff >/dev/null; then
	check "man page: groff renders it without warnings" \
		test -z "$(groff -man -ww -z "$man" 2>&1)"
fi
man5=$d/usr/share/man/man5/rootwarden.conf.5
check "man page: man5/rootwarden.conf.5" cmp -s "$src/docs/rootwarden.conf.5" "$man5"
comp=$d/usr/share/bash-completion/completions/rootwarden
check "bash completion: share/bash-completion/completions/rootwarden, from the program" \
	cmp -s "$comp" <("$d/usr/bin/rootwarden" help --completion bash 2>/dev/null)
for f in rootwarden.cron rootwarden.polkit.rules.example bundles.conf.example \
	trust-store.conf.example install.md; do
	check "doc: $f" test -f "$d/usr/share/doc/rootwarden/$f"
done
check "nothing installed outside DESTDIR's /etc, /usr and the unit dir" \
	test -z "$(cd "$d" && find . -type f | grep -v -e '^\./etc/' -e '^\./usr/' -e "^\.$unitdir/")"

# A reinstall keeps the administrator's configuration.
echo "# edited by the administrator" >>"$d/etc/rootwarden/rootwarden.conf"
if DESTDIR=$dest cmake --install "$build" --prefix /usr >"$dest.log" 2>&1; then
	check "reinstall keeps an edited configuration" \
		grep -q '^# edited by the administrator' "$d/etc/rootwarden/rootwarden.conf"
	check "reinstall says so" grep -q 'Keeping:.*rootwarden.conf' "$dest.log"
else
	cat "$dest.log"
	fail "second cmake --install"
fi
rm -f "$dest.log"

if [ "$fails" -gt 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "all install checks passed"
