#!/usr/bin/env bash
# bundle_bench.sh - how fast does "rootwarden bundle" turn N local roots into a PEM bundle, next to
# p11-kit's "trust extract", Debian's "update-ca-certificates" and plain "cat"?
#
# A benchmark, not a test: it is never run by ctest or CI. It
#   1. builds a Release build with -DRW_BENCH=ON in its own directory (default: build-bench/),
#   2. generates 10,000 distinct self-signed CA roots once (bench/gen_roots.c) into bench/out/
#      (gitignored) and takes the smaller corpora (142, 1000, 2000, 5000) as their first N files,
#   3. times every tool with GNU time (wall seconds, peak RSS) and prints a table and the ratios.
# Everything it writes is under bench/out/: p11-kit and update-ca-certificates are pointed at
# folders there and never touch the system trust store.
#
# Environment: BENCH_BUILD_DIR, BENCH_OUT (directories), BENCH_RUNS (runs of the fast tools, default
# 5; the median is reported), BENCH_SLOW_RUNS (runs of p11-kit and update-ca-certificates on 10,000
# roots, default 1), BENCH_SKIP (space-separated: p11kit ucc cat), BENCH_SIZES (rootwarden scaling,
# default "1000 2000 5000 10000").
set -euo pipefail
export LC_ALL=C

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BENCH_BUILD_DIR:-$SRC/build-bench}
OUT=${BENCH_OUT:-$SRC/bench/out}
RUNS=${BENCH_RUNS:-5}
SLOW_RUNS=${BENCH_SLOW_RUNS:-1}
SKIP=" ${BENCH_SKIP:-} "
SIZES=${BENCH_SIZES:-1000 2000 5000 10000}
NMAX=10000
PROFILE=azure-mysql-flexible
TIME=/usr/bin/time

die() {
	echo "bundle_bench: $*" >&2
	exit 1
}

[ -x "$TIME" ] || die "$TIME not found (apt-get install time)"

# ---- build -----------------------------------------------------------------------------------
echo "== building (Release, RW_BENCH=ON) in $BUILD"
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DRW_BENCH=ON -DRW_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target rootwarden gen_roots >/dev/null
RW=$BUILD/rootwarden
GEN=$BUILD/bench/gen_roots

# ---- corpora ---------------------------------------------------------------------------------
mkdir -p "$OUT"
corpus() { echo "$OUT/roots-$1"; }
if [ ! -f "$(corpus $NMAX)/.complete" ]; then
	echo "== generating $NMAX roots into $(corpus $NMAX)"
	rm -rf "$(corpus $NMAX)"
	"$GEN" "$NMAX" "$(corpus $NMAX)"
	touch "$(corpus $NMAX)/.complete"
fi
# A root generated more than ~9 years ago would be close to expiry: regenerate if the corpus is old.
if [ -n "$(find "$(corpus $NMAX)/.complete" -mtime +3000 2>/dev/null)" ]; then
	die "$(corpus $NMAX) is very old; remove it to regenerate"
fi
for n in 142 $SIZES; do
	d=$(corpus "$n")
	[ "$n" = "$NMAX" ] || [ -f "$d/.complete" ] && continue
	rm -rf "$d"
	mkdir -p "$d"
	# The first n files (hard links: no copy); names sort the same as in the full corpus.
	(cd "$(corpus $NMAX)" && files=(*.pem) && ln -t "$d" "${files[@]:0:n}")
	touch "$d/.complete"
done

# ---- measuring -------------------------------------------------------------------------------
# measure NAME RUNS PREP CMD...: runs PREP (untimed) then CMD under GNU time RUNS times; appends
# "median_wall min_wall max_rss_kib runs" to $OUT/results/NAME.
rm -rf "$OUT/results"
mkdir -p "$OUT/results" "$OUT/tmp"
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
measure() {
	local name=$1 runs=$2 prep=$3 tf=$OUT/tmp/time.txt log=$OUT/tmp/$1.runs
	shift 3
	: >"$log"
	for ((i = 0; i < runs; i++)); do
		eval "$prep"
		if ! "$TIME" -f '%e %M' -o "$tf" "$@" >"$OUT/tmp/$name.stdout" 2>"$OUT/tmp/$name.stderr"; then
			echo "bundle_bench: $name failed:" >&2
			cat "$OUT/tmp/$name.stderr" >&2
			return 1
		fi
		tail -n 1 "$tf" >>"$log"
	done
	echo "$(awk '{ print $1 }' "$log" | median) $(awk '{ print $1 }' "$log" | sort -n | head -n 1)" \
		"$(awk '{ print $2 }' "$log" | sort -n | tail -n 1) $runs" >"$OUT/results/$name"
}
count_certs() { grep -c -- '-----BEGIN CERTIFICATE-----' "$1" || true; }
expect_at_least() { # FILE N TOOL
	local got
	got=$(count_certs "$1")
	[ "$got" -ge "$2" ] || die "$3 wrote $got certificates to $1, expected at least $2"
}

rw_run() { # N RUNS
	local out=$OUT/tmp/rootwarden-$1.pem
	# The output is removed before each run: every run writes (temp file, fsync, rename).
	measure "rootwarden-$1" "$2" "rm -f '$out'" \
		"$RW" bundle --include "$(corpus "$1")" --profile "$PROFILE" --output "$out"
	expect_at_least "$out" "$1" rootwarden
}

cat_run() {
	local out=$OUT/tmp/cat-$1.pem
	measure "cat-$1" "$2" "rm -f '$out'" sh -c 'cat "$1"/*.pem >"$2"' sh "$(corpus "$1")" "$out"
	expect_at_least "$out" "$1" cat
}

# p11-kit: a user module configuration replaces the system's p11-kit-trust module with one whose
# only path is a folder of ours; its "anchors" subfolder (a link to the corpus) makes every file a
# trust anchor. p11-kit ignores user configuration when run as root, so as root the command runs
# as "nobody" (setpriv) with HOME pointing at that configuration.
p11_run() {
	local n=$1 base=$OUT/p11kit-$1 out run=()
	rm -rf "$base"
	mkdir -p "$base/home/.config/pkcs11/modules" "$base/store" "$base/result"
	ln -s "$(corpus "$n")" "$base/store/anchors"
	printf 'module: p11-kit-trust.so\npriority: 1\ntrust-policy: yes\nx-init-reserved: paths=%s\n' \
		"$base/store" >"$base/home/.config/pkcs11/modules/p11-kit-trust.module"
	if [ "$(id -u)" = 0 ]; then
		command -v setpriv >/dev/null || die "setpriv not found: cannot run p11-kit as non-root"
		chmod -R a+rX "$base"
		chmod 1777 "$base/result"
		run=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	fi
	out=$base/result/bundle.pem
	measure "p11kit-$n" "$2" "rm -f '$out'" "${run[@]}" env HOME="$base/home" \
		trust extract --format=pem-bundle --filter=ca-anchors --purpose=server-auth \
		--overwrite "$out"
	expect_at_least "$out" "$n" p11-kit
}

# update-ca-certificates: every directory it reads or writes is given on the command line; the
# corpus is its "local" directory (it wants *.crt names: links to our *.pem files).
ucc_run() {
	local n=$1 base=$OUT/ucc-$1
	if [ ! -f "$base/.complete" ]; then
		rm -rf "$base"
		mkdir -p "$base/local" "$base/share" "$base/tmp"
		(cd "$(corpus "$n")" && for f in *.pem; do ln -s "$PWD/$f" "$base/local/${f%.pem}.crt"; done)
		touch "$base/.complete"
	fi
	: >"$base/ca-certificates.conf"
	measure "ucc-$n" "$2" "rm -rf '$base/etc'; mkdir '$base/etc'" env TMPDIR="$base/tmp" \
		update-ca-certificates --fresh --certsconf "$base/ca-certificates.conf" \
		--certsdir "$base/share" --localcertsdir "$base/local" --etccertsdir "$base/etc" \
		--hooksdir "$base/no-hooks"
	expect_at_least "$base/etc/ca-certificates.crt" "$n" update-ca-certificates
}

have() { case "$SKIP" in *" $1 "*) return 1 ;; esac; command -v "$2" >/dev/null; }

echo "== machine: $(nproc) CPUs, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $($RW --version 2>/dev/null | head -n 1)"
echo "== running (median of $RUNS runs for rootwarden and cat; p11-kit and update-ca-certificates:" \
	"$RUNS on 142 roots, $SLOW_RUNS on $NMAX)"
for n in 142 $NMAX; do
	rw_run "$n" "$RUNS"
	if have cat cat; then cat_run "$n" "$RUNS"; fi
	slow=$RUNS
	[ "$n" = "$NMAX" ] && slow=$SLOW_RUNS
	if have p11kit trust; then p11_run "$n" "$slow"; fi
	if have ucc update-ca-certificates; then ucc_run "$n" "$slow"; fi
done
for n in $SIZES; do
	[ "$n" = "$NMAX" ] || rw_run "$n" "$RUNS"
done

# ---- report ----------------------------------------------------------------------------------
field() { # NAME COLUMN
	[ -f "$OUT/results/$1" ] && awk -v c="$2" '{ print $c }' "$OUT/results/$1" || echo ""
}
echo
printf '%-8s %-26s %5s %10s %10s %12s %14s\n' roots tool runs "wall s" "min s" "peak MiB" \
	"x rootwarden"
for n in 142 $NMAX; do
	rw=$(field "rootwarden-$n" 1)
	for t in rootwarden p11kit ucc cat; do
		[ -f "$OUT/results/$t-$n" ] || continue
		case $t in
		rootwarden) label="rootwarden bundle" ;;
		p11kit) label="p11-kit trust extract" ;;
		ucc) label="update-ca-certificates" ;;
		cat) label="cat (floor)" ;;
		esac
		awk -v n="$n" -v l="$label" -v rw="$rw" '{
			printf "%-8s %-26s %5d %10.2f %10.2f %12.1f %14s\n", n, l, $4, $1, $2, $3 / 1024,
			       (rw > 0 ? sprintf(($1 < rw ? "%.2f" : "%.1f"), $1 / rw) : "-") }' "$OUT/results/$t-$n"
	done
done

echo
echo "rootwarden bundle, growth with N (n log n predicts the last column)"
printf '%-8s %10s %12s %12s %12s %12s\n' roots "wall s" "min s" "us/root" "x 1000" "nlogn x1000"
base=$(field rootwarden-1000 1)
for n in $SIZES; do
	awk -v n="$n" -v b="$base" '{
		printf "%-8s %10.2f %12.2f %12.1f %12s %12.1f\n", n, $1, $2, $1 / n * 1e6,
		       (b > 0 ? sprintf("%.1f", $1 / b) : "-"), (n * log(n)) / (1000 * log(1000)) }' \
		"$OUT/results/rootwarden-$n"
done

echo
rw=$(field "rootwarden-$NMAX" 1)
rss=$(field "rootwarden-$NMAX" 3)
p11=$(field "p11kit-$NMAX" 1)
awk -v t="$rw" -v r="$rss" -v p="$p11" -v n="$NMAX" 'BEGIN {
	printf "target: %d roots in <= 0.5 s wall: %.2f s (%s)\n", n, t, ((t <= 0.5) ? "met" : "MISSED")
	printf "target: <= 32 MiB peak RSS: %.1f MiB (%s)\n", r / 1024, ((r <= 32768) ? "met" : "MISSED")
	if (p > 0)
		printf "target: >= 15x faster than p11-kit: %.1fx (%s)\n", p / t, ((p / t >= 15) ? "met" : "MISSED")
}'
echo "(raw runs: $OUT/tmp/*.runs)"
