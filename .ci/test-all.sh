#!/usr/bin/env bash
# The README's test command: installs what is missing, then builds and runs every test twice:
# a normal build (warnings fatal) and an AddressSanitizer + UndefinedBehaviorSanitizer build, both
# with crash points compiled in (tests/integration/test_crashpoints.sh); then builds the libFuzzer
# targets with clang and runs each for a few seconds (tests/fuzz/run.sh).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
.ci/deps.sh test
jobs=$(nproc 2>/dev/null || echo 2)
status=0
for variant in normal asan; do
  dir="build-test-$variant"
  flags=(-DRW_WERROR=ON -DRW_TESTS=ON -DRW_CRASHPOINTS=ON)
  export RW_TEST_VARIANT=$variant
  [ "$variant" = asan ] && flags+=(-DRW_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
  echo "== $variant build ($dir)"
  cmake -S . -B "$dir" "${flags[@]}" >/dev/null
  cmake --build "$dir" -j"$jobs"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  export LSAN_OPTIONS="suppressions=$top/.ci/lsan.supp"
  if ! ctest --test-dir "$dir" --output-on-failure -j"$jobs"; then
    status=1
  fi
done
# Fuzzing, briefly: every target on its seed corpus (RW_FUZZ_SECONDS each, default 5).
echo "== fuzz build (build-test-fuzz)"
if CC=clang cmake -S . -B build-test-fuzz -DRW_FUZZ=ON -DRW_TESTS=OFF -DRW_WERROR=ON \
	-DCMAKE_BUILD_TYPE=Debug >/dev/null && cmake --build build-test-fuzz -j"$jobs" --target fuzz_all; then
	tests/fuzz/run.sh build-test-fuzz "${RW_FUZZ_SECONDS:-5}" || status=1
else
	status=1
fi
exit $status
