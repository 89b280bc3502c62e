#!/usr/bin/env bash
# formats_bench.sh - how fast does "rootwarden bundle" write 10,000 roots in each output format,
# next to the peers that make the same kind of output, in one run:
#   openssl-directory  vs  openssl rehash, p11-kit trust extract --format=pem-directory-hash
#   jks / java-pkcs12  vs  p11-kit trust extract --format=java-cacerts (and keytool importing
#                          142 roots one by one, for scale)
# and every format vs rootwarden's own PEM bundle of the same roots.
#
# A benchmark, not a test: never run by ctest or CI. It builds a Release build (-DRW_BENCH=ON) in
# BENCH_BUILD_DIR (default build-bench/), generates the 10,000-root corpus of bench/gen_roots.c
# once into bench/out/ (shared with bundle_bench.sh), times each tool with GNU time (wall seconds,
# peak RSS; median of BENCH_RUNS runs, default 3; the slow peers BENCH_SLOW_RUNS, default 1) and
# prints a table, the ratios and, for each format, each target of issue 10 met or MISSED. Every
# output goes under bench/out/.
# BENCH_SKIP (space-separated: rehash p11kit keytool) leaves peers out.
set -euo pipefail
export LC_ALL=C

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BENCH_BUILD_DIR:-$SRC/build-bench}
OUT=${BENCH_OUT:-$SRC/bench/out}
RUNS=${BENCH_RUNS:-3}
SLOW_RUNS=${BENCH_SLOW_RUNS:-1}
SKIP=" ${BENCH_SKIP:-} "
N=10000
PROFILE=azure-mysql-flexible
TIME=/usr/bin/time
FORMATS="pem pem-directory openssl-directory der-directory pkcs7 java-pkcs12 jks"

die() {
	echo "formats_bench: $*" >&2
	exit 1
}
[ -x "$TIME" ] || die "$TIME not found (apt-get install time)"
have() { case "$SKIP" in *" $1 "*) return 1 ;; esac; command -v "$2" >/dev/null; }

echo "== building (Release, RW_BENCH=ON) in $BUILD"
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DRW_BENCH=ON -DRW_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j2 --target rootwarden gen_roots >/dev/null
RW=$BUILD/rootwarden
CORPUS=$OUT/roots-$N
mkdir -p "$OUT"
if [ ! -f "$CORPUS/.complete" ]; then
	echo "== generating $N roots into $CORPUS"
	rm -rf "$CORPUS"
	"$BUILD/bench/gen_roots" "$N" "$CORPUS"
	touch "$CORPUS/.complete"
fi
# 142 roots (the size of Debian's ca-certificates) for keytool: the first 142 files.
SMALL=$OUT/roots-142
if [ ! -f "$SMALL/.complete" ]; then
	rm -rf "$SMALL"
	mkdir -p "$SMALL"
	(cd "$CORPUS" && files=(*.pem) && ln -t "$SMALL" "${files[@]:0:142}")
	touch "$SMALL/.complete"
fi

R=$OUT/formats-results
W=$OUT/formats-work
rm -rf "$R" "$W"
mkdir -p "$R" "$W"
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# measure NAME RUNS PREP CMD...: PREP untimed, then CMD under GNU time;
# "median_wall max_rss_kib median_cpu" (cpu = user + system seconds: steadier on a busy machine).
measure() {
	local name=$1 runs=$2 prep=$3 tf=$W/time.txt log=$W/$1.runs
	shift 3
	: >"$log"
	for ((i = 0; i < runs; i++)); do
		eval "$prep"
		"$TIME" -f '%e %M %U %S' -o "$tf" "$@" >"$W/$name.stdout" 2>"$W/$name.stderr" ||
			{ cat "$W/$name.stderr" >&2; die "$name failed"; }
		tail -n 1 "$tf" >>"$log"
	done
	echo "$(awk '{ print $1 }' "$log" | median) $(awk '{ print $2 }' "$log" | sort -n | tail -n 1)" \
		"$(awk '{ print $3 + $4 }' "$log" | median)" >"$R/$name"
}

echo "== machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for f in $FORMATS; do
	out=$W/rw-$f
	# the output is removed before each run: every run writes everything
	measure "rw-$f" "$RUNS" "rm -rf '$out'" \
		"$RW" bundle --include "$CORPUS" --profile "$PROFILE" --format "$f" --output "$out" -q
done
[ "$(ls "$W/rw-openssl-directory" | wc -l)" -ge "$N" ] || die "openssl-directory: too few files"
# The sync case: the hashed directory exists and one root is new (the others are carried over).
one=$(ls "$CORPUS" | sed -n 1p)
sha=$(openssl x509 -in "$CORPUS/$one" -outform DER | sha256sum | cut -c1-64)
measure rw-openssl-directory-one-new "$RUNS" \
	"'$RW' bundle --include '$CORPUS' --profile $PROFILE --format openssl-directory --output '$W/upd' --exclude $sha -q" \
	"$RW" bundle --include "$CORPUS" --profile "$PROFILE" --format openssl-directory \
	--output "$W/upd" -q

if have rehash openssl; then
	# openssl rehash links the PEM files of a directory; a fresh copy (hard links) each run.
	measure rehash "$RUNS" "rm -rf '$W/rehash'; mkdir '$W/rehash'; ln -t '$W/rehash' '$CORPUS'/*.pem" \
		openssl rehash "$W/rehash"
fi

# p11-kit reads its anchors from a module configuration of ours (see bundle_bench.sh); as root it
# ignores user configuration, so it then runs as "nobody".
p11() { # NAME FORMAT OUTPUT
	local base=$W/p11kit run=()
	if [ ! -d "$base" ]; then
		mkdir -p "$base/home/.config/pkcs11/modules" "$base/store" "$base/result"
		ln -s "$CORPUS" "$base/store/anchors"
		printf 'module: p11-kit-trust.so\npriority: 1\ntrust-policy: yes\nx-init-reserved: paths=%s\n' \
			"$base/store" >"$base/home/.config/pkcs11/modules/p11-kit-trust.module"
		chmod -R a+rX "$base"
		chmod 1777 "$base/result"
	fi
	if [ "$(id -u)" = 0 ]; then
		run=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	fi
	measure "$1" "$SLOW_RUNS" "rm -rf '$base/result/$3'" "${run[@]}" env HOME="$base/home" \
		trust extract --format="$2" --filter=ca-anchors --purpose=server-auth --overwrite \
		"$base/result/$3"
}
if have p11kit trust; then
	p11 p11kit-hashdir pem-directory-hash hashdir
	p11 p11kit-cacerts java-cacerts cacerts
fi
if have keytool keytool; then
	measure keytool-142 1 "rm -f '$W/kt.jks'" sh -c '
		for f in "$1"/*.pem; do
			keytool -J-XX:+UseSerialGC -J-XX:TieredStopAtLevel=1 -importcert -noprompt \
				-alias "$(basename "$f")" -file "$f" -keystore "$2" -storetype JKS \
				-storepass changeit >/dev/null 2>&1 || exit 1
		done' sh "$SMALL" "$W/kt.jks"
fi

# ---- report --------------------------------------------------------------------------------------
val() { [ -f "$R/$1" ] && awk -v c="$2" '{ print $c }' "$R/$1" || echo ""; }
pem=$(val rw-pem 1)
echo
printf '%-44s %9s %9s %10s %10s\n' "$N roots (keytool: 142)" "wall s" "cpu s" "peak MiB" \
	"x our pem"
for name in $(ls "$R"); do
	case $name in
	rw-openssl-directory-one-new) label="rootwarden openssl-directory, 1 root new" ;;
	rw-*) label="rootwarden --format ${name#rw-}" ;;
	rehash) label="openssl rehash" ;;
	p11kit-hashdir) label="p11-kit extract pem-directory-hash" ;;
	p11kit-cacerts) label="p11-kit extract java-cacerts" ;;
	keytool-142) label="keytool -importcert x142 (JKS)" ;;
	esac
	awk -v l="$label" -v p="$pem" '{ printf "%-44s %9.2f %9.2f %10.1f %10.2f\n", l, $1, $3, $2 / 1024,
		$1 / p }' "$R/$name"
done
echo
echo "targets (issue 10): each format <= 1.5x our pem; openssl-directory >= 2x faster than"
echo "openssl rehash and >= 8x faster than p11-kit; jks/java-pkcs12 >= 8x faster than p11-kit"
echo "java-cacerts; peak RSS <= 48 MiB"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "-" }'; }
# verdict VALUE OP LIMIT: "met" or "MISSED" (OP: le or ge), "-" without a value
verdict() {
	awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN { if (v == "-" || v == "") { print "-"; exit }
		ok = (op == "le") ? (v + 0 <= l + 0) : (v + 0 >= l + 0); print ok ? "met" : "MISSED" }'
}
for f in $FORMATS; do
	t=$(val "rw-$f" 1)
	m=$(val "rw-$f" 2)
	mib=$(awk -v m="$m" 'BEGIN { printf "%.1f", m / 1024 }')
	x=$(ratio "$t" "$pem")
	line="  $f: ${x}x pem"
	[ "$f" = pem ] || line="$line ($(verdict "$x" le 1.5); CPU $(ratio "$(val "rw-$f" 3)" "$(val rw-pem 3)")x)"
	line="$line, $mib MiB ($(verdict "$mib" le 48))"
	case $f in
	openssl-directory)
		r=$(ratio "$(val rehash 1)" "$t")
		line="$line; openssl rehash / ours $r ($(verdict "$r" ge 2))"
		r=$(ratio "$(val p11kit-hashdir 1)" "$t")
		line="$line; p11-kit / ours $r ($(verdict "$r" ge 8))"
		;;
	jks | java-pkcs12)
		r=$(ratio "$(val p11kit-cacerts 1)" "$t")
		line="$line; p11-kit java-cacerts / ours $r ($(verdict "$r" ge 8))"
		;;
	esac
	echo "$line"
done
