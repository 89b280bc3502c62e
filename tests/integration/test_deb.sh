#!/usr/bin/env bash
# The Debian package, as an operator gets it: `dpkg-buildpackage -us -uc -b` on a copy of the
# source tree builds a .deb that lintian passes without errors; `dpkg -i` creates the user
# rootwarden and the bundle folder /etc/ssl/rootwarden, installs the units and enables the timer;
# the installed program lists the installed roots and, as the unit runs it (user rootwarden, state
# in /var/lib/rootwarden), syncs the installed default configuration green; man pages and the
# bash and zsh completions are where man(1), bash-completion and zsh look; `dpkg --purge` leaves
# nothing behind.
#
# Needs root (it installs a package on this machine) and dpkg-buildpackage/debhelper: skipped (77)
# otherwise, and when a rootwarden package is already installed (it would be purged). The package
# is built from the source, not from this build, so it runs only in the normal build (skipped in
# the sanitizer build).
set -uo pipefail

src=${RW_SOURCE_DIR:?RW_SOURCE_DIR is not set}
build=${RW_BUILD_DIR:?RW_BUILD_DIR is not set}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (installs the package)"; exit 77; }
for p in dpkg-buildpackage dh dpkg; do
	command -v "$p" >/dev/null || { echo "SKIP: $p is not installed"; exit 77; }
done
if grep -q '^RW_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
	echo "SKIP: the package is built from source; tested once, in the normal build"
	exit 77
fi
if dpkg-query -W -f='${Status}' rootwarden 2>/dev/null | grep -q 'installed'; then
	echo "SKIP: a rootwarden package is installed on this machine already; not touching it"
	exit 77
fi
. "$src/tests/integration/checklib.sh"

work=$(mktemp -d /var/tmp/rw-deb.XXXXXX)
cleanup() {
	if dpkg-query -W -f='${Status}' rootwarden 2>/dev/null | grep -q 'installed'; then
		dpkg --purge rootwarden >/dev/null 2>&1
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# dpkg takes a lock; another dpkg or apt on the machine (package installs) makes it wait.
dpkg_retry() {
	local i
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
		"$@" >"$work/dpkg.log" 2>&1 && return 0
		grep -q 'lock' "$work/dpkg.log" || break
		sleep 5
	done
	cat "$work/dpkg.log"
	return 1
}

# A copy of the tree without build directories or git metadata: the package build writes into
# debian/ and its parent directory.
mkdir "$work/src"
tar -C "$src" --exclude=./.git --exclude='./build*' --exclude='./obj-*' \
	--exclude="./$(realpath --relative-to="$src" "$build")" -cf - . | tar -C "$work/src" -xf -
if ! (cd "$work/src" && DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=2" \
	dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1); then
	tail -40 "$work/build.log"
	echo "FAIL dpkg-buildpackage"
	exit 1
fi
deb=$(ls "$work"/rootwarden_*.deb 2>/dev/null | head -1)
check "dpkg-buildpackage built rootwarden_*.deb" test -f "$deb"
[ -f "$deb" ] || exit 1

if command -v lintian >/dev/null; then
	lintian --allow-root --tag-display-limit 0 "$deb" >"$work/lintian.log" 2>&1
	sed 's/^/  lintian: /' "$work/lintian.log"
	check "lintian: no errors" test -z "$(grep '^E:' "$work/lintian.log")"
fi

check "dpkg -i" dpkg_retry dpkg -i "$deb"
check "user rootwarden created (sysusers)" test -n "$(getent passwd rootwarden)"
check "/etc/ssl/rootwarden created for rootwarden (tmpfiles)" \
	test "$(stat -c %U "/etc/ssl/rootwarden" 2>/dev/null)" = rootwarden
check "timer enabled" test -L /etc/systemd/system/timers.target.wants/rootwarden.timer
check "the configuration is a conffile" \
	grep -qx ' */etc/rootwarden/rootwarden.conf [0-9a-f]*' <(dpkg-query -W -f='${Conffiles}\n' rootwarden)
check "man rootwarden(8) installed" test -f /usr/share/man/man8/rootwarden.8.gz
check "man rootwarden.conf(5) installed" test -f /usr/share/man/man5/rootwarden.conf.5.gz
check "bash completion installed" test -f /usr/share/bash-completion/completions/rootwarden
check "bash completion offers the installed profiles" \
	grep -q "azure-mysql-flexible" /usr/share/bash-completion/completions/rootwarden
check "zsh completion installed" test -f /usr/share/zsh/vendor-completions/_rootwarden

out=$(cd / && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin rootwarden roots list 2>&1)
check "installed: rootwarden roots list (exit 0)" test "$?" = 0
check "installed: roots list shows the shipped roots" grep -q 'digicert-global-root-g2' <<<"$out"

# The first run of rootwarden.service, as the unit runs it: user rootwarden, the state
# directory systemd would create (StateDirectory=), the installed configuration.
install -d -o rootwarden -g rootwarden -m 0750 /var/lib/rootwarden
out=$(cd / && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin runuser -u rootwarden -- rootwarden sync --offline 2>&1)
rc=$?
echo "$out" | sed 's/^/  sync: /'
check "installed: first sync as rootwarden is green (exit 5: bundle written)" test "$rc" = 5
check "installed: the default bundle was written" \
	grep -q 'BEGIN CERTIFICATE' /etc/ssl/rootwarden/mysql-clients.pem
out=$(cd / && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin runuser -u rootwarden -- rootwarden sync --offline 2>&1)
check "installed: second sync: nothing changed (exit 0)" test "$?" = 0

check "dpkg --purge" dpkg_retry dpkg --purge rootwarden
for p in /usr/bin/rootwarden /etc/rootwarden /var/lib/rootwarden /usr/share/rootwarden \
	/etc/ssl/rootwarden /usr/share/doc/rootwarden /lib/systemd/system/rootwarden.service \
	/lib/systemd/system/rootwarden.timer /usr/lib/sysusers.d/rootwarden.conf \
	/usr/lib/tmpfiles.d/rootwarden.conf /usr/share/man/man8/rootwarden.8.gz \
	/usr/share/man/man5/rootwarden.conf.5.gz /usr/share/bash-completion/completions/rootwarden \
	/usr/share/zsh/vendor-completions/_rootwarden /etc/systemd/system/timers.target.wants/rootwarden.timer; do
	check "purged: $p gone" test ! -e "$p" -a ! -L "$p"
done
check "purged: dpkg no longer knows the package" \
	test -z "$(dpkg-query -W -f='${Status}' rootwarden 2>/dev/null | grep -v not-installed)"

if [ "$fails" -gt 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "all package checks passed"
