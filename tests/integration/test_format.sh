#!/usr/bin/env bash
# The C sources follow .clang-format (STYLE.md, convention 12).
set -u
command -v clang-format >/dev/null || { echo "clang-format not installed: skipped"; exit 77; }
cd "$RW_SOURCE_DIR" || exit 1
files=$(ls src/*.c src/*.h tests/*.c tests/*.h tests/unit/*.c tests/fuzz/*.c tests/fuzz/*.h bench/*.c 2>/dev/null)
bad=0
for f in $files; do
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "$f: does not follow .clang-format (run: clang-format -i $f)"
    bad=1
  fi
done
exit $bad
