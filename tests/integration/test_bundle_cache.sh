#!/usr/bin/env bash
# bundle --cache-dir: a cold run (no cache), a warm run (every include's verdict cached) and a run
# without the option write byte-identical bundles, in every format; the warm run really reads the
# cache, and the report too (a CN-less root with escaped, UTF-8 names included); a version-1 cache
# reads as empty; a corrupt cache is ignored with a warning, an unsafe one refused, and neither changes the
# output or the exit status.
set -u
bin=${RW_BINARY:?}
src=${RW_SOURCE_DIR:?}
. "$src/tests/integration/checklib.sh"
. "$src/tests/integration/safe_tmpdir.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir "$T/inc"
for i in 1 2 3 4 5 6; do
	kt=rsa
	[ $((i % 2)) = 0 ] && kt=ecdsa
	certtool --generate-privkey --key-type $kt --outfile "$T/k$i.pem" >/dev/null 2>&1
	printf 'cn = "Cache Root %s"\nca\ncert_signing_key\nexpiration_days = 3650\n' $i >"$T/t$i"
	certtool --generate-self-signed --load-privkey "$T/k$i.pem" --template "$T/t$i" \
		--outfile "$T/inc/r$i.pem" >/dev/null 2>&1
done
# A root without a CN (labelled by its subject) whose names need escaping and UTF-8: the cached
# summary must give the same labels and bytes as a parse.
certtool --generate-privkey --key-type rsa --outfile "$T/k7.pem" >/dev/null 2>&1
printf 'organization = "Comma, Inc. + Sons"\nunit = "\303\234n\303\257code \\ \"quoted\""\ncountry = ZZ\nca\ncert_signing_key\nexpiration_days = 3650\n' >"$T/t7"
certtool --generate-self-signed --load-privkey "$T/k7.pem" --template "$T/t7" \
	--outfile "$T/inc/r7.pem" >/dev/null 2>&1
check "the CN-less root was made" test -s "$T/inc/r7.pem"
cache=$T/cache
run() { # OUT [bundle args...]
	local out=$1
	shift
	"$bin" bundle --profile azure-mysql-flexible --include "$T/inc" --output "$out" -q "$@" \
		2>"$out.err"
}
check "plain run" run "$T/plain.pem"
check "cold run" run "$T/cold.pem" --cache-dir "$cache"
check "cache file written, mode 0600" test "$(stat -c %a "$cache/verify-cache.bin" 2>/dev/null)" = 600
check "warm run" run "$T/warm.pem" --cache-dir "$cache"
check "cold == plain" cmp -s "$T/plain.pem" "$T/cold.pem"
check "warm == cold" cmp -s "$T/cold.pem" "$T/warm.pem"
check "no warnings when the cache is good" test ! -s "$T/warm.pem.err"

# The report (labels, dates, fingerprints) is the same cold, warm and without a cache.
report() { rm -f "$T/rep.pem"; "$bin" bundle --profile azure-mysql-flexible --include "$T/inc" --output "$T/rep.pem" "$@" 2>/dev/null; }
report >"$T/rep-plain.txt"
rm -rf "$T/rcache"
report --cache-dir "$T/rcache" >"$T/rep-cold.txt"
report --cache-dir "$T/rcache" >"$T/rep-warm.txt"
check "report names the CN-less root by its subject" grep -q 'Comma' "$T/rep-plain.txt"
check "report: cold == plain == warm" \
	sh -c 'cmp -s "$1" "$2" && cmp -s "$2" "$3"' sh "$T/rep-plain.txt" "$T/rep-cold.txt" "$T/rep-warm.txt"

# A cache of an earlier version (1: fingerprints only) is read as empty, silently, and replaced.
python3 - "$T/old/verify-cache.bin" <<'PY'
import hashlib, os, sys
os.makedirs(os.path.dirname(sys.argv[1]), mode=0o700, exist_ok=True)
body = b"RWVCACHE" + (1).to_bytes(4, "big") + (1).to_bytes(4, "big") + (0).to_bytes(8, "big")
open(sys.argv[1], "wb").write(body + hashlib.sha256(body).digest())
os.chmod(sys.argv[1], 0o600)
PY
check "version 1 cache: run succeeds" run "$T/v1.pem" --cache-dir "$T/old"
check "version 1 cache: no warning" test ! -s "$T/v1.pem.err"
check "version 1 cache: same bytes" cmp -s "$T/cold.pem" "$T/v1.pem"
check "version 1 cache: rewritten as version 2" \
	test "$(od -An -tu1 -j11 -N1 "$T/old/verify-cache.bin" | tr -d ' ')" = 2

# An include whose signature is broken fails the build, and leaves no verdict behind.
mkdir "$T/bad"
base64 -d <<<"$(sed -n '2,$p' "$T/inc/r2.pem" | grep -v -- '-----')" >"$T/r2.der"
python3 - "$T/r2.der" "$T/bad/r2.der" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
d[-3] ^= 0x55
open(sys.argv[2], "wb").write(d)
PY
check "a broken signature is refused cold" test "$("$bin" bundle --profile azure-mysql-flexible \
	--include "$T/bad" --output "$T/bad.pem" -q --cache-dir "$T/cache2" 2>&1 >/dev/null; echo " $?")" != " 0"
check "and is not cached" test "$(stat -c %s "$T/cache2/verify-cache.bin" 2>/dev/null || echo 0)" -le 0

# Every format the build has (one emit_NAME.c each), cold and warm; one it refuses is skipped.
formats=$(cd "$src/src" && ls emit_*.c | sed 's/^emit_\(.*\)\.c$/\1/')
for fmt in $formats; do
	rm -rf "$T/fc"
	run "$T/f-plain.$fmt" --format "$fmt" || continue
	run "$T/f-cold.$fmt" --format "$fmt" --cache-dir "$T/fc"
	run "$T/f-warm.$fmt" --format "$fmt" --cache-dir "$T/fc"
	check "$fmt: cold == plain == warm" \
		sh -c 'cmp -s "$1" "$2" && cmp -s "$2" "$3"' sh "$T/f-plain.$fmt" "$T/f-cold.$fmt" "$T/f-warm.$fmt"
done

# A corrupt cache: ignored with a warning, same bytes, and replaced by a good one.
printf 'garbage' >"$cache/verify-cache.bin"
check "corrupt cache: run succeeds" run "$T/corrupt.pem" --cache-dir "$cache"
check "corrupt cache: warning names the file" grep -q "$cache/verify-cache.bin: .*ignored" "$T/corrupt.pem.err"
check "corrupt cache: same bytes" cmp -s "$T/cold.pem" "$T/corrupt.pem"
check "corrupt cache: rewritten" test "$(head -c 8 "$cache/verify-cache.bin")" = RWVCACHE

# Writable by others: refused (not read, not written), same bytes.
chmod 0666 "$cache/verify-cache.bin"
before=$(sha256sum <"$cache/verify-cache.bin")
check "unsafe cache file: run succeeds" run "$T/unsafe.pem" --cache-dir "$cache"
check "unsafe cache file: refused" grep -q "refused.*writable by group or others" "$T/unsafe.pem.err"
check "unsafe cache file: untouched" test "$(sha256sum <"$cache/verify-cache.bin")" = "$before"
check "unsafe cache file: same bytes" cmp -s "$T/cold.pem" "$T/unsafe.pem"
chmod 0600 "$cache/verify-cache.bin"
chmod 0777 "$cache"
check "unsafe cache dir: run succeeds" run "$T/unsafe2.pem" --cache-dir "$cache"
check "unsafe cache dir: refused" grep -q "refused" "$T/unsafe2.pem.err"
check "unsafe cache dir: same bytes" cmp -s "$T/cold.pem" "$T/unsafe2.pem"
[ "$fails" -eq 0 ]
