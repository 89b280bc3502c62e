#!/usr/bin/env bash
# bundle_bench.sh - how fast does "rootwarden bundle" turn N local roots into a PEM bundle, cold
# and with a warm verification cache (--cache-dir), next to p11-kit's "trust extract" (plain, and
# as update-ca-trust runs it), Debian's "update-ca-certificates" and plain "cat"?
#
# A benchmark, not a test: it is never run by ctest or CI. It
#   1. builds a Release build with -DRW_BENCH=ON in its own directory (default: build-bench/),
#   2. generates 100,000 distinct self-signed CA roots once (bench/gen_roots.c; 4 in 5 RSA, 1 in 5
#      ECDSA) into bench/out/ (gitignored) and takes the smaller corpora as their first N files
#      (hard links), plus an all-ECDSA corpus of 10,000 roots,
#   3. times every tool with GNU time (wall and CPU seconds, peak RSS), prints tables, the ratios
#      and the targets of issue 15, and draws time against N as an SVG (bench/out/growth.svg; with
#      BENCH_SVG=PATH also there, e.g. docs/bench-growth.svg).
# Everything it writes is under bench/out/: p11-kit and update-ca-certificates are pointed at
# folders there and never touch the system trust store.
#
# Environment: BENCH_BUILD_DIR, BENCH_OUT (directories), BENCH_RUNS (runs of the fast tools, default
# 5; the median is reported), BENCH_SLOW_RUNS (runs of p11-kit and update-ca-certificates on 10,000
# roots, default 1), BENCH_BIG_RUNS (runs at 50,000 and more, default 3), BENCH_SKIP
# (space-separated: p11kit p11trust ucc cat ecdsa formats), BENCH_SIZES (rootwarden growth, default
# "1000 2000 5000 10000 20000 50000 100000"), BENCH_SVG (a copy of the chart).
set -euo pipefail
export LC_ALL=C

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BENCH_BUILD_DIR:-$SRC/build-bench}
OUT=${BENCH_OUT:-$SRC/bench/out}
RUNS=${BENCH_RUNS:-5}
SLOW_RUNS=${BENCH_SLOW_RUNS:-1}
BIG_RUNS=${BENCH_BIG_RUNS:-3}
SKIP=" ${BENCH_SKIP:-} "
SIZES=${BENCH_SIZES:-1000 2000 5000 10000 20000 50000 100000}
NMAX=100000
N=${BENCH_N:-10000} # the size the targets are about (BENCH_N: for trying the script quickly)
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
ECDSA=$OUT/roots-ec-$N
generate() { # DIR N [gen_roots options]
	local d=$1 n=$2
	shift 2
	if [ ! -f "$d/.complete" ]; then
		echo "== generating $n roots into $d (once; kept for later runs)"
		rm -rf "$d"
		"$GEN" "$@" "$n" "$d"
		touch "$d/.complete"
	fi
	# A root generated more than ~9 years ago would be close to expiry.
	if [ -n "$(find "$d/.complete" -mtime +3000 2>/dev/null)" ]; then
		die "$d is very old; remove it to regenerate"
	fi
}
generate "$(corpus $NMAX)" $NMAX
case "$SKIP" in *" ecdsa "*) ;; *) generate "$ECDSA" $N --rsa 0 --ec 40 ;; esac
for n in 142 $N $SIZES; do
	d=$(corpus "$n")
	[ "$n" = "$NMAX" ] || [ -f "$d/.complete" ] && continue
	rm -rf "$d"
	mkdir -p "$d"
	# The first n files (hard links: no copy); names sort the same as in the full corpus.
	(cd "$(corpus $NMAX)" && files=(*.pem) && ln -t "$d" "${files[@]:0:n}")
	touch "$d/.complete"
done

# ---- measuring -------------------------------------------------------------------------------
# measure NAME RUNS PREP CMD...: runs PREP (untimed) then CMD under GNU time RUNS times; writes
# "median_wall min_wall max_rss_kib runs median_cpu" to $OUT/results/NAME.
rm -rf "$OUT/results"
mkdir -p "$OUT/results" "$OUT/tmp"
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
measure() {
	local name=$1 runs=$2 prep=$3 tf=$OUT/tmp/time.txt log=$OUT/tmp/$1.runs
	shift 3
	: >"$log"
	for ((i = 0; i < runs; i++)); do
		eval "$prep"
		if ! "$TIME" -f '%e %M %U %S' -o "$tf" "$@" >"$OUT/tmp/$name.stdout" 2>"$OUT/tmp/$name.stderr"; then
			echo "bundle_bench: $name failed:" >&2
			cat "$OUT/tmp/$name.stderr" >&2
			return 1
		fi
		tail -n 1 "$tf" >>"$log"
	done
	echo "$(awk '{ print $1 }' "$log" | median) $(awk '{ print $1 }' "$log" | sort -n | head -n 1)" \
		"$(awk '{ print $2 }' "$log" | sort -n | tail -n 1) $runs" \
		"$(awk '{ print $3 + $4 }' "$log" | median)" >"$OUT/results/$name"
}
count_certs() { grep -c -- '-----BEGIN CERTIFICATE-----' "$1" || true; }
expect_at_least() { # FILE N TOOL
	local got
	got=$(count_certs "$1")
	[ "$got" -ge "$2" ] || die "$3 wrote $got certificates to $1, expected at least $2"
}
runs_for() { if [ "$1" -ge 50000 ]; then echo "$BIG_RUNS"; else echo "$RUNS"; fi; }

# rw_run NAME DIR N RUNS [--format F]: cold, without a cache. The output is removed before each
# run: every run writes (temp file, fsync, rename).
rw_run() {
	local name=$1 dir=$2 n=$3 runs=$4 out=$OUT/tmp/$1.out
	shift 4
	measure "$name" "$runs" "rm -f '$out'" \
		"$RW" bundle --include "$dir" --profile "$PROFILE" --output "$out" "$@"
	[ "$#" -gt 0 ] || expect_at_least "$out" "$n" rootwarden
}
# rw_cache NAME DIR N RUNS [--format F]: NAME-cold (empty cache before each run: the cost of
# filling it included) and NAME-warm (the cache a previous run left); both outputs must be
# byte-identical to the cold run without a cache (NAME).
rw_cache() {
	local name=$1 dir=$2 n=$3 runs=$4 cache=$OUT/tmp/$1.cache
	shift 4
	measure "$name-cold" "$runs" "rm -rf '$cache' '$OUT/tmp/$name-cold.out'" \
		"$RW" bundle --include "$dir" --profile "$PROFILE" --output "$OUT/tmp/$name-cold.out" \
		--cache-dir "$cache" "$@"
	measure "$name-warm" "$runs" "rm -f '$OUT/tmp/$name-warm.out'" \
		"$RW" bundle --include "$dir" --profile "$PROFILE" --output "$OUT/tmp/$name-warm.out" \
		--cache-dir "$cache" "$@"
	if [ -f "$OUT/tmp/$name.out" ]; then
		cmp -s "$OUT/tmp/$name.out" "$OUT/tmp/$name-cold.out" &&
			cmp -s "$OUT/tmp/$name.out" "$OUT/tmp/$name-warm.out" ||
			die "$name: the output with a cache differs from the output without one"
	fi
}

cat_run() {
	local out=$OUT/tmp/cat-$1.pem
	measure "cat-$1" "$2" "rm -f '$out'" sh -c 'cat "$1"/*.pem >"$2"' sh "$(corpus "$1")" "$out"
	expect_at_least "$out" "$1" cat
}

# p11-kit: a user module configuration replaces the system's p11-kit-trust module with one whose
# only path is a folder of ours. Plain ("p11kit"): the corpus files are that folder's certificates,
# extracted with --filter=certificates. As update-ca-trust runs it ("p11trust"): the corpus is the
# folder's "anchors" subfolder (every file a trust anchor), extracted with --filter=ca-anchors
# --purpose=server-auth. p11-kit ignores user configuration when run as root, so as root the
# command runs as "nobody" (setpriv) with HOME pointing at that configuration.
p11_run() { # KIND N RUNS
	local kind=$1 n=$2 base=$OUT/$1-$2 out run=() filter
	rm -rf "$base"
	mkdir -p "$base/home/.config/pkcs11/modules" "$base/result"
	if [ "$kind" = p11trust ]; then
		mkdir -p "$base/store"
		ln -s "$(corpus "$n")" "$base/store/anchors"
		filter=(--filter=ca-anchors --purpose=server-auth)
	else
		ln -s "$(corpus "$n")" "$base/store"
		filter=(--filter=certificates)
	fi
	printf 'module: p11-kit-trust.so\npriority: 1\ntrust-policy: yes\nx-init-reserved: paths=%s\n' \
		"$base/store" >"$base/home/.config/pkcs11/modules/p11-kit-trust.module"
	if [ "$(id -u)" = 0 ]; then
		command -v setpriv >/dev/null || die "setpriv not found: cannot run p11-kit as non-root"
		chmod -R a+rX "$base"
		chmod 1777 "$base/result"
		run=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	fi
	out=$base/result/bundle.pem
	measure "$kind-$n" "$3" "rm -f '$out'" "${run[@]}" env HOME="$base/home" \
		trust extract --format=pem-bundle "${filter[@]}" --overwrite "$out"
	expect_at_least "$out" "$n" "p11-kit ($kind)"
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

skipped() { case "$SKIP" in *" $1 "*) return 0 ;; esac; return 1; }
have() { ! skipped "$1" && command -v "$2" >/dev/null; }

echo "== machine: $(nproc) CPUs, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $($RW --version 2>/dev/null | head -n 1); $(trust --version 2>/dev/null | head -n 1 || true)"
echo "== running (median of $RUNS runs; $BIG_RUNS at 50,000 roots and more; p11-kit and" \
	"update-ca-certificates: $RUNS on 142 roots, $SLOW_RUNS on $N)"
for n in 142 $N; do
	slow=$RUNS
	[ "$n" = "$N" ] && slow=$SLOW_RUNS
	rw_run "rootwarden-$n" "$(corpus "$n")" "$n" "$RUNS"
	rw_cache "rootwarden-$n" "$(corpus "$n")" "$n" "$RUNS"
	if have cat cat; then cat_run "$n" "$RUNS"; fi
	if have p11kit trust; then p11_run p11kit "$n" "$slow"; fi
	if have p11trust trust; then p11_run p11trust "$n" "$slow"; fi
	if have ucc update-ca-certificates; then ucc_run "$n" "$slow"; fi
done
if ! skipped ecdsa; then
	rw_run "ecdsa-$N" "$ECDSA" "$N" "$RUNS"
	rw_cache "ecdsa-$N" "$ECDSA" "$N" "$RUNS"
fi
for n in $SIZES; do
	[ "$n" = "$N" ] && continue
	rw_run "rootwarden-$n" "$(corpus "$n")" "$n" "$(runs_for "$n")"
	rw_cache "rootwarden-$n" "$(corpus "$n")" "$n" "$(runs_for "$n")"
done
# The formats of the build other than PEM (one emit_NAME.c each), at N, cold and warm.
FORMATS=""
if ! skipped formats; then
	for f in $(cd "$SRC/src" && ls emit_*.c | sed 's/^emit_\(.*\)\.c$/\1/'); do
		[ "$f" = pem ] && continue
		"$RW" bundle --profile "$PROFILE" --format "$f" --output - >/dev/null 2>&1 || continue
		FORMATS="$FORMATS $f"
		rw_run "fmt-$f-$N" "$(corpus "$N")" "$N" "$RUNS" --format "$f"
		rw_cache "fmt-$f-$N" "$(corpus "$N")" "$N" "$RUNS" --format "$f"
	done
fi

# ---- report ----------------------------------------------------------------------------------
field() { # NAME COLUMN
	[ -f "$OUT/results/$1" ] && awk -v c="$2" '{ print $c }' "$OUT/results/$1" || echo ""
}
echo
printf '%-8s %-44s %5s %9s %9s %9s %10s %13s\n' roots tool runs "wall s" "min s" "CPU s" \
	"peak MiB" "x rw cold"
for n in 142 $N; do
	rw=$(field "rootwarden-$n" 1)
	for t in rootwarden rootwarden-cold rootwarden-warm p11kit p11trust ucc cat; do
		case $t in
		rootwarden) key=rootwarden-$n label="rootwarden bundle (no cache)" ;;
		rootwarden-cold) key=rootwarden-$n-cold label="rootwarden bundle --cache-dir (cold)" ;;
		rootwarden-warm) key=rootwarden-$n-warm label="rootwarden bundle --cache-dir (warm)" ;;
		p11kit) key=p11kit-$n label="p11-kit extract --filter=certificates" ;;
		p11trust) key=p11trust-$n label="p11-kit as update-ca-trust (anchors/)" ;;
		ucc) key=ucc-$n label="update-ca-certificates --fresh" ;;
		cat) key=cat-$n label="cat (floor)" ;;
		esac
		[ -f "$OUT/results/$key" ] || continue
		awk -v n="$n" -v l="$label" -v rw="$rw" '{
			printf "%-8s %-44s %5d %9.2f %9.2f %9.2f %10.1f %13s\n", n, l, $4, $1, $2, $5,
			       $3 / 1024, (rw > 0 ? sprintf(($1 < rw ? "%.2f" : "%.1f"), $1 / rw) : "-") }' \
			"$OUT/results/$key"
	done
done
if [ -f "$OUT/results/ecdsa-$N" ]; then
	for k in "" -cold -warm; do
		awk -v n="$N" -v l="all-ECDSA corpus${k:+, --cache-dir (${k#-})}" '{
			printf "%-8s %-44s %5d %9.2f %9.2f %9.2f %10.1f %13s\n", n, l, $4, $1, $2, $5,
			       $3 / 1024, "" }' "$OUT/results/ecdsa-$N$k"
	done
fi
for f in $FORMATS; do
	for k in "" -cold -warm; do
		awk -v n="$N" -v l="--format $f${k:+ --cache-dir (${k#-})}" \
			-v pem="$(field "rootwarden-$N$k" 1)" '{
			printf "%-8s %-44s %5d %9.2f %9.2f %9.2f %10.1f %13s\n", n, l, $4, $1, $2, $5,
			       $3 / 1024, sprintf("%.2f x PEM", $1 / pem) }' "$OUT/results/fmt-$f-$N$k"
	done
done

echo
echo "rootwarden bundle, growth with N (no cache; n log n predicts the 'nlogn' column)"
printf '%-8s %9s %9s %9s %10s %9s %9s %9s\n' roots "wall s" "CPU s" "warm s" "peak MiB" \
	"us/root" "x 1000" "nlogn"
base=$(field rootwarden-1000 1)
for n in $SIZES; do
	[ -f "$OUT/results/rootwarden-$n" ] || continue
	awk -v n="$n" -v b="$base" -v w="$(field "rootwarden-$n-warm" 1)" '{
		printf "%-8s %9.2f %9.2f %9.2f %10.1f %9.1f %9s %9.1f\n", n, $1, $5, w, $3 / 1024,
		       $1 / n * 1e6, (b > 0 ? sprintf("%.1f", $1 / b) : "-"),
		       (n * log(n)) / (1000 * log(1000)) }' "$OUT/results/rootwarden-$n"
done

# The chart: wall seconds against N, log-log, cold and warm, with n log n through the 1,000 point.
svg=$OUT/growth.svg
{
	for n in $SIZES; do
		[ -f "$OUT/results/rootwarden-$n" ] || continue
		echo "$n $(field "rootwarden-$n" 1) $(field "rootwarden-$n-warm" 1)"
	done
} | awk -v cat="$(field "cat-$N" 1)" -v catn="$N" '
	{ n[NR] = $1; c[NR] = $2; w[NR] = $3; m = NR }
	function X(v) { return 70 + (log(v) - log(n[1])) / (log(n[m]) - log(n[1])) * 500 }
	function Y(v) { if (v < lo) v = lo; return 330 - (log(v) - log(lo)) / (log(hi) - log(lo)) * 300 }
	END {
		lo = 0.01; hi = 100
		print "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"380\" font-family=\"sans-serif\" font-size=\"12\">"
		print "<rect width=\"640\" height=\"380\" fill=\"white\"/>"
		print "<text x=\"320\" y=\"18\" text-anchor=\"middle\">rootwarden bundle: wall seconds against roots (log-log)</text>"
		for (v = lo; v <= hi * 1.001; v *= 10) {
			printf "<line x1=\"70\" x2=\"570\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", Y(v), Y(v)
			printf "<text x=\"64\" y=\"%.1f\" text-anchor=\"end\">%g s</text>\n", Y(v) + 4, v
		}
		for (i = 1; i <= m; i++)
			printf "<text x=\"%.1f\" y=\"350\" text-anchor=\"middle\">%d</text>\n", X(n[i]), n[i]
		print "<text x=\"320\" y=\"372\" text-anchor=\"middle\">roots (N)</text>"
		p = ""; for (i = 1; i <= m; i++) p = p sprintf("%.1f,%.1f ", X(n[i]), Y(c[1] * n[i] * log(n[i]) / (n[1] * log(n[1]))))
		print "<polyline fill=\"none\" stroke=\"#999\" stroke-dasharray=\"4 3\" points=\"" p "\"/>"
		p = ""; for (i = 1; i <= m; i++) p = p sprintf("%.1f,%.1f ", X(n[i]), Y(c[i]))
		print "<polyline fill=\"none\" stroke=\"#c0392b\" stroke-width=\"2\" points=\"" p "\"/>"
		p = ""; for (i = 1; i <= m; i++) if (w[i] != "") p = p sprintf("%.1f,%.1f ", X(n[i]), Y(w[i]))
		print "<polyline fill=\"none\" stroke=\"#2471a3\" stroke-width=\"2\" points=\"" p "\"/>"
		for (i = 1; i <= m; i++) {
			printf "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#c0392b\"/>", X(n[i]), Y(c[i])
			if (w[i] != "") printf "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#2471a3\"/>", X(n[i]), Y(w[i])
			print ""
		}
		if (cat != "") printf "<rect x=\"%.1f\" y=\"%.1f\" width=\"6\" height=\"6\" fill=\"#27ae60\"/>\n", X(catn) - 3, Y(cat) - 3
		print "<text x=\"80\" y=\"44\" fill=\"#c0392b\">cold (no cache)</text>"
		print "<text x=\"80\" y=\"60\" fill=\"#2471a3\">warm (--cache-dir)</text>"
		print "<text x=\"80\" y=\"76\" fill=\"#999\">n log n from the first point</text>"
		print "<text x=\"80\" y=\"92\" fill=\"#27ae60\">cat of the files (10,000)</text>"
		print "</svg>"
	}' >"$svg"
echo "chart: $svg"
[ -z "${BENCH_SVG:-}" ] || cp "$svg" "$BENCH_SVG"

echo
cold=$(field "rootwarden-$N" 1)
warm=$(field "rootwarden-$N-warm" 1)
rss=0
for k in "" -cold -warm; do
	r=$(field "rootwarden-$N$k" 3)
	[ "${r:-0}" -gt "$rss" ] && rss=$r
done
awk -v t="$cold" -v w="$warm" -v r="$rss" -v c="$(field "cat-$N" 1)" -v e="$(field "ecdsa-$N" 1)" \
	-v p="$(field "p11kit-$N" 1)" -v q="$(field "p11trust-$N" 1)" -v n="$N" \
	-v g1="$(field rootwarden-1000 1)" -v g2="$(field "rootwarden-$NMAX" 1)" -v nmax="$NMAX" 'BEGIN {
	printf "target: %d mixed roots cold <= 0.45 s wall: %.2f s (%s)\n", n, t, ((t <= 0.45) ? "met" : "MISSED")
	printf "target: warm (cache) <= 0.2 s wall: %.2f s (%s)\n", w, ((w <= 0.2) ? "met" : "MISSED")
	if (c > 0)
		printf "target: warm within 2.5x of cat: %.1fx (%s)\n", w / c, ((w / c <= 2.5) ? "met" : "MISSED")
	if (e > 0)
		printf "target: all-ECDSA cold <= 0.9 s: %.2f s (%s)\n", e, ((e <= 0.9) ? "met" : "MISSED")
	printf "target: peak RSS <= 32 MiB: %.1f MiB (%s)\n", r / 1024, ((r <= 32768) ? "met" : "MISSED")
	if (p > 0)
		printf "target: >= 12x faster than p11-kit plain extract: %.1fx (%s)\n", p / t, ((p / t >= 12) ? "met" : "MISSED")
	if (q > 0)
		printf "target: >= 200x faster than p11-kit as update-ca-trust runs it: %.1fx (%s)\n", q / t, ((q / t >= 200) ? "met" : "MISSED")
	if (g1 > 0 && g2 > 0) {
		lim = (nmax * log(nmax)) / (1000 * log(1000))
		printf "target: growth 1000 -> %d no worse than n log n: %.1fx (n log n: %.1fx) (%s)\n", nmax, g2 / g1, lim, ((g2 / g1 <= lim) ? "met" : "MISSED")
	}
}'
for f in $FORMATS; do
	for k in "" -warm; do
		awk -v f="$f" -v k="${k:-cold}" -v a="$(field "fmt-$f-$N$k" 1)" -v b="$(field "rootwarden-$N$k" 1)" 'BEGIN {
			printf "target: --format %s within 1.5x of PEM (%s): %.2fx (%s)\n", f, k, a / b, ((a / b <= 1.5) ? "met" : "MISSED") }'
	done
done
echo "(raw runs: $OUT/tmp/*.runs)"
