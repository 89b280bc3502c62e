#!/usr/bin/env bash
# The metrics files of 'rotation' and 'check bundle' pass Prometheus' own linter,
# 'promtool check metrics' (Debian package prometheus; not in CI's package list because it is
# ~96 MB installed - the test is skipped where promtool is absent).
set -u
command -v promtool >/dev/null || { echo "promtool not installed (apt-get install prometheus): skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
roots="$RW_SOURCE_DIR/roots"
fail=0

lint() {
  local f=$1
  if ! out=$(promtool check metrics < "$f" 2>&1) || [ -n "$out" ]; then
    echo "$f: promtool check metrics: $out"
    cat "$f"
    fail=1
  fi
}

# A bundle whose path needs escaping in a label value (quote, backslash).
weird="$tmp/we\"ird\\name.pem"
cat "$roots/baltimore-cybertrust-root.pem" "$roots/digicert-global-root-g2.pem" > "$weird"
cat > "$tmp/rw.conf" <<CONF
state_dir = "$tmp/state";
bundles = ( { name = "app"; path = "$tmp/app.pem"; profiles = [ "azure-mysql-single", "azure-mysql-flexible" ]; } );
CONF
cp "$weird" "$tmp/app.pem"

"$RW_BINARY" rotation --roots-dir "$roots" --at 2025-04-01 --metrics-file "$tmp/rotation.prom" > /dev/null
[ $? -le 2 ] || { echo "rotation failed"; fail=1; }
"$RW_BINARY" rotation --roots-dir "$roots" --config "$tmp/rw.conf" --at 2025-04-01 --metrics-file "$tmp/rotation-config.prom" > /dev/null
"$RW_BINARY" check bundle "$weird" --roots-dir "$roots" --profile azure-mysql-single --at 2020-11-01 --metrics-file "$tmp/check.prom" > /dev/null
for f in "$tmp"/*.prom; do lint "$f"; done
grep -q 'target=".*we\\"ird\\\\name.pem"' "$tmp/check.prom" || { echo "label value not escaped:"; cat "$tmp/check.prom"; fail=1; }
grep -q '^rootwarden_rotation_next_step_timestamp_seconds{profile="azure-mysql-flexible"} 1751328000$' "$tmp/rotation.prom" || { echo "next step of azure-mysql-flexible missing"; fail=1; }
exit $fail
