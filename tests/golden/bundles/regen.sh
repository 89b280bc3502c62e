#!/usr/bin/env bash
# Rewrites the golden bundles from MANIFEST with a built rootwarden: regen.sh path/to/rootwarden
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:?usage: regen.sh path/to/rootwarden}
grep -v '^#' "$here/MANIFEST" | while read -r profile date flag; do
  [ -n "$profile" ] || continue
  [ "${flag:-}" = error ] && continue
  "$bin" bundle --roots-dir "$here/../../../roots" --profile "$profile" --at "$date" \
    --output "$here/$profile@$date.pem" --quiet
done
