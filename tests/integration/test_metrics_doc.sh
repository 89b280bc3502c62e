#!/usr/bin/env bash
# Every metric the program can write (each '#define M_... "rootwarden_..."' in src/) has a row in
# the metrics table of docs/rotation.md, and every row of that table names a metric the program
# writes: the documented list cannot drift from the code.
set -uo pipefail
src=${RW_SOURCE_DIR:?RW_SOURCE_DIR is not set}
. "$src/tests/integration/checklib.sh"

code=$(grep -ho '^#define M_[A-Z_]* *"rootwarden_[a-z_]*"' "$src"/src/*.[ch] | grep -o 'rootwarden_[a-z_]*' | sort -u)
doc=$(grep -o '^| `rootwarden_[a-z_]*`' "$src/docs/rotation.md" | grep -o 'rootwarden_[a-z_]*' | sort -u)
check "metrics found in src/ (more than 15)" test "$(wc -l <<<"$code")" -gt 15
for m in $code; do
	check "$m documented in docs/rotation.md" grep -qx "$m" <<<"$doc"
done
for m in $doc; do
	check "documented $m is written by the program" grep -qx "$m" <<<"$code"
done
[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "metrics: $(wc -l <<<"$code") in the code, all documented, none extra"
