#!/usr/bin/env bash
# The integration tests' own checks mean what they say: a line 'check DESC A && B' (or || / |)
# runs only A as the check and B unobserved (write 'check DESC both A -- B'), and a counter
# written 'grep -c ... || echo 0' prints "0" twice when nothing matches (grep -c prints 0 itself
# and fails), so a comparison with 0 can never pass. Both were found in checks that had passed
# for months; this test keeps them out of tests/integration/*.sh.
set -u
src=${RW_SOURCE_DIR:?}
command -v python3 >/dev/null || {
	echo "skip: python3 missing"
	exit 77
}
python3 - "$src"/tests/integration/*.sh <<'EOP'
import re, shlex, sys

bad = 0
for path in sys.argv[1:]:
    if path.endswith("/test_checks_lint.sh"):  # its own patterns
        continue
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        start, text = i + 1, lines[i].strip()
        # a command continued on the next lines: with '\', or ending in an operator
        while text.endswith(("\\", "&&", "||", "|")) and i + 1 < len(lines):
            text = (text[:-1] if text.endswith("\\") else text) + " " + lines[i + 1].strip()
            i += 1
        i += 1
        if text.startswith("#"):
            continue
        if re.search(r"grep -c\b[^|;]*\|\|\s*echo 0", text):
            print(f"{path}:{start}: 'grep -c ... || echo 0' prints 0 twice when nothing matches")
            bad += 1
        if not re.match(r"check\s", text):
            continue
        try:
            lex = shlex.shlex(text, posix=True, punctuation_chars=True)
            lex.whitespace_split = True
            ops = [t for t in lex if t in ("&&", "||", "|", ";")]
        except ValueError:  # quoting shlex cannot follow (heredocs, $'..'): not judged
            continue
        if ops:
            print(f"{path}:{start}: 'check' runs only the first command; use 'both A -- B': {text[:100]}")
            bad += 1
print(f"{bad} problem(s)")
sys.exit(1 if bad else 0)
EOP
