#!/usr/bin/env bash
# soak.sh MODE [KILLS] - kills rootwarden at KILLS (default 100) random moments and checks what a
# user relies on afterwards. A soak, not a test: never run by ctest or CI (it takes minutes).
#
#   bench/soak.sh bundle 300   "bundle --all --output-dir D", alternating between two dates so that
#                              most files change on every run
#   bench/soak.sh sync 100     "sync" with 6 bundles, each with a hook; the configuration alternates
#                              between two root sets so that every bundle changes on every run
#
# Each round: start the command, SIGKILL (or SOAK_SIGNAL) it after a random delay within one run's duration (a
# few runs are timed first), then check every output is the complete old or the complete new
# version (byte for byte against references). For sync, the next, unkilled run must succeed, and
# afterwards every bundle's current content must have had its hook run ("a due hook lost"
# otherwise). It prints "N/N consistent, M due hooks lost" (M must be 0) and how many temps were
# left beside the outputs (expected: only from kills between mkstemp and rename; swept later);
# sync mode then runs once more and counts the temps still in the state directory or beside the
# outputs (must be 0: every sync sweeps the stale ones under its lock).
#
# Environment: RW_BINARY (default: build-soak/rootwarden, built here as Release if missing);
# SOAK_SIGNAL (default KILL; TERM, INT or HUP show that a catchable signal leaves no temp).
set -uo pipefail
export LC_ALL=C
MODE=${1:?usage: soak.sh bundle|sync [KILLS]}
KILLS=${2:-100}
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "${RW_BINARY:-}" ]; then
	RW_BINARY=$SRC/build-soak/rootwarden
	if [ ! -x "$RW_BINARY" ]; then
		cmake -S "$SRC" -B "$SRC/build-soak" -DRW_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null &&
			cmake --build "$SRC/build-soak" -j2 >/dev/null || exit 1
	fi
fi
RW=$RW_BINARY
ROOTS=$SRC/roots
RW_SOURCE_DIR=$SRC RW_BUILD_DIR=$SRC/build-soak . "$SRC/tests/integration/safe_tmpdir.sh"
T=$(mktemp -d "$TMPDIR/rw-soak.XXXXXX")
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT

A_AT=2022-06-01
B_AT=2026-03-01
now_ms() { date +%s%3N; }

# ---- the command of each mode, and its references ---------------------------------------------
case $MODE in
bundle)
	mkdir -p "$T/refA" "$T/refB" "$T/out"
	"$RW" bundle --roots-dir "$ROOTS" --all --at "$A_AT" --output-dir "$T/refA" --quiet || exit 1
	"$RW" bundle --roots-dir "$ROOTS" --all --at "$B_AT" --output-dir "$T/refB" --quiet || exit 1
	run() { # ROUND: the command (in the background, pid in $!)
		local at=$A_AT
		(($1 % 2)) && at=$B_AT
		"$RW" bundle --roots-dir "$ROOTS" --all --at "$at" --output-dir "$T/out" --quiet \
			2>/dev/null &
	}
	recover() { :; }
	;;
sync)
	NB=6
	mkdir -p "$T/out" "$T/hooks"
	# three roots of our own (the configuration may not repeat the catalog's)
	. "$SRC/tests/integration/sync_fixture.sh"
	fx_need
	for n in g2 g3 ms; do fx_ca "$T" "$n" "rootwarden soak root $n"; done
	cat >"$T/hook.sh" <<'EOS'
#!/bin/sh
# one line per run: the bundle and the SHA-256 of the content the hook was told about
echo "$ROOTWARDEN_BUNDLE $(sha256sum <"$ROOTWARDEN_BUNDLE_PATH" | cut -d' ' -f1)" >>"$1"
EOS
	chmod 755 "$T/hook.sh"
	conf() { # SET (a or b) -> the configuration
		local roots='"g2"' i
		[ "$1" = b ] && roots='"g2", "g3", "ms"'
		{
			printf 'state_dir = "%s/state";\nhook_timeout = 10;\n' "$T"
			printf 'fetch = { catalog_roots = false; };\n'
			printf 'roots = ( { id = "g2"; file = "%s/g2.pem"; }, { id = "g3"; file = "%s/g3.pem"; },\n' "$T" "$T"
			printf '          { id = "ms"; file = "%s/ms.pem"; } );\nbundles = (\n' "$T"
			for ((i = 1; i <= NB; i++)); do
				printf '  { name = "b%d"; path = "%s/out/b%d.pem"; roots = [ %s ];\n' "$i" "$T" "$i" "$roots"
				printf '    hooks = ( [ "%s/hook.sh", "%s/hooks.log" ] ); }%s\n' "$T" "$T" \
					"$([ "$i" -lt "$NB" ] && echo ,)"
			done
			printf ');\n'
		} >"$T/rw-$1.conf"
	}
	conf a
	conf b
	# references: a clean sync of each set into its own tree
	for s in a b; do
		sed "s|$T/out|$T/ref$s|g; s|$T/state|$T/refstate$s|; s|$T/hooks.log|$T/refhooks.log|" \
			"$T/rw-$s.conf" >"$T/ref-$s.conf"
		mkdir -p "$T/ref$s"
		"$RW" sync --config "$T/ref-$s.conf" >/dev/null 2>&1
		[ -s "$T/ref$s/b1.pem" ] || { echo "the reference sync ($s) wrote nothing"; exit 1; }
	done
	mv "$T/refa" "$T/refA"
	mv "$T/refb" "$T/refB"
	run() {
		local s=a
		(($1 % 2)) && s=b
		"$RW" sync --config "$T/rw-$s.conf" >/dev/null 2>&1 &
	}
	# The next sync, not killed, with the same set as the killed one.
	recover() {
		local s=a
		(($1 % 2)) && s=b
		"$RW" sync --config "$T/rw-$s.conf" >/dev/null 2>"$T/recover.err"
		local rc=$?
		case $rc in 0 | 5 | 6) return 0 ;; esac
		echo "round $1: the next sync failed (exit $rc): $(head -3 "$T/recover.err")"
		return 1
	}
	;;
*)
	echo "usage: soak.sh bundle|sync [KILLS]"
	exit 2
	;;
esac

# ---- timing one run (the window the kills fall in) --------------------------------------------
total=0
for r in 1 2 3 4; do
	t0=$(now_ms)
	run "$r"
	wait $!
	recover "$r" >/dev/null
	total=$((total + $(now_ms) - t0))
done
window=$((total / 4))
[ "$window" -lt 5 ] && window=5
echo "$MODE: one run takes ~${window} ms; killing at $KILLS random moments within it"

# ---- the rounds --------------------------------------------------------------------------------
consistent=0 lost=0 temps=0 failed_recover=0
for ((r = 1; r <= KILLS; r++)); do
	run "$r"
	pid=$!
	d=$((RANDOM % window))
	sleep "$(printf '0.%03d' "$d")" 2>/dev/null || sleep "$((d / 1000))"
	kill -s "${SOAK_SIGNAL:-KILL}" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	ok=1
	for f in "$T/out"/*.pem; do
		[ -e "$f" ] || continue
		b=$(basename "$f")
		cmp -s "$f" "$T/refA/$b" || cmp -s "$f" "$T/refB/$b" || {
			ok=0
			echo "round $r: $b is neither the old nor the new version"
		}
	done
	temps=$((temps + $(find "$T/out" -maxdepth 1 -name '.*.rw-*' | wc -l)))
	find "$T/out" -maxdepth 1 -name '.*.rw-*' -delete
	if [ "$MODE" = sync ]; then
		recover "$r" || failed_recover=$((failed_recover + 1))
		# every bundle's content now must have been announced to its hook, last
		for ((i = 1; i <= NB; i++)); do
			cur=$(sha256sum <"$T/out/b$i.pem" | cut -d' ' -f1)
			last=$(grep "^b$i " "$T/hooks.log" | tail -1 | cut -d' ' -f2)
			if [ "$cur" != "$last" ]; then
				lost=$((lost + 1))
				# count it once: announce the current content by hand
				echo "b$i $cur" >>"$T/hooks.log"
			fi
		done
	fi
	consistent=$((consistent + ok))
done
echo "$consistent/$KILLS consistent, $lost due hooks lost"
echo "temps left beside the outputs by the kills: $temps; next runs that failed: $failed_recover"
left=0
if [ "$MODE" = sync ]; then
	# The state directory's temps of killed runs: each later sync sweeps those older than its
	# start, so one more run (a second later) must leave none.
	sleep 1
	recover "$KILLS" || failed_recover=$((failed_recover + 1))
	left=$(find "$T/state" "$T/out" -maxdepth 2 -name '.*.rw-*' | wc -l)
	echo "temps left in the state directory and beside the outputs after one more sync: $left"
fi
[ "$consistent" = "$KILLS" ] && [ "$lost" = 0 ] && [ "$failed_recover" = 0 ] && [ "$left" = 0 ]
