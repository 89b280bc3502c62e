#!/usr/bin/env bash
# run.sh BUILD_DIR [SECONDS] [TARGET...] - runs each libFuzzer target (default: all built ones)
# for SECONDS (default 5) on its seed corpus. New inputs go to a scratch corpus, never into the
# checked-in one; a crash leaves its reproducer in BUILD_DIR/fuzz-artifacts/ and fails the run.
# For a long run: tests/fuzz/run.sh build-fuzz 3600 fuzz_config
set -uo pipefail
build=${1:?usage: run.sh BUILD_DIR [SECONDS] [TARGET...]}
secs=${2:-5}
shift $(($# >= 2 ? 2 : $#))
src=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for f in "$src"/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
fi
# the leaks of third-party libraries the test build suppresses (.ci/lsan.supp), also when run by hand
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$src/../../.ci/lsan.supp}
mkdir -p "$build/fuzz-artifacts"
status=0
for t in "${targets[@]}"; do
	bin="$build/tests/fuzz/$t"
	seeds="$src/corpus/${t#fuzz_}"
	[ -x "$bin" ] || { echo "$t: not built ($bin)"; status=1; continue; }
	scratch=$(mktemp -d)
	mkdir -p "$seeds"
	echo "== $t (${secs}s)"
	if ! "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$build/fuzz-artifacts/$t-" "$scratch" "$seeds" 2>"$scratch.log"; then
		tail -40 "$scratch.log"
		status=1
	else
		grep -E "stat::number_of_executed_units|stat::new_units_added" "$scratch.log" |
			tr '\n' ' '
		echo
	fi
	rm -rf "$scratch" "$scratch.log"
done
exit $status
