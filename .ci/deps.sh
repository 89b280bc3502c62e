#!/usr/bin/env bash
# Installs the Debian packages that are missing: .ci/deps.sh build | test
# Reads .ci/packages-build.txt (and .ci/packages-test.txt for "test"). Needs root (or sudo) only
# when something is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lists=("$here/packages-build.txt")
[ "${1:-build}" = test ] && lists+=("$here/packages-test.txt")
missing=()
for pkg in $(grep -hv '^\s*#' "${lists[@]}" | awk 'NF {print $1}'); do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
