#!/bin/bash
# sync_nochange.sh - the daily case: a sync where nothing changed, with 10 roots served by a real
# HTTPS server on 127.0.0.1. Measures body bytes transferred, files written, hooks run and wall
# time (target: 0 bytes, 0 files, 0 hooks, <= 50 ms). Not a test: speed is never asserted.
#
# usage: bench/sync_nochange.sh [BUILD_DIR]   (default: build; needs certtool and python3)
# PROFILE="perf record -g -o F" or PROFILE="strace -c -f -o F" (any command prefix): one more
# no-change sync run under it after the timed runs.
set -u
umask 022
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
RW=$BUILD/rootwarden
RUNS=${RUNS:-20}
export RW_SOURCE_DIR=$SRC
. "$SRC/tests/integration/sync_fixture.sh"
fx_need
RW_BUILD_DIR=$BUILD . "$SRC/tests/integration/safe_tmpdir.sh" # hooks refuse writable parents
T=$(mktemp -d "$TMPDIR/rw-bench.XXXXXX")
trap 'fx_server_stop; rm -rf "$T"' EXIT
N=10
fx_certs "$T" $N
mkdir -p "$T/www" "$T/out"
for ((i = 1; i <= N; i++)); do cp "$T/root$i.pem" "$T/www/"; done
fx_server_start "$T" "$T/www"
printf '#!/bin/sh\necho ran >>"%s/hook.log"\n' "$T" >"$T/hook.sh"
chmod 755 "$T/hook.sh"
{
	echo "state_dir = \"$T/state\"; hooks_dir = \"$T/hooks.d\";"
	echo "fetch = { connect_timeout = 2; timeout = 5; retries = 0; ca_file = \"$T/tls-ca.pem\"; catalog_roots = false; };"
	echo "roots = ("
	for ((i = 1; i <= N; i++)); do
		echo "  { id = \"r$i\"; urls = [ \"https://127.0.0.1:$PORT/root$i.pem\" ]; sha256 = \"${PIN[i]}\"; }$([ $i -lt $N ] && echo ,)"
	done
	echo ");"
	echo "bundles = ( { name = \"app\"; path = \"$T/out/app.pem\"; profiles = [ \"azure-mysql-flexible\" ];"
	echo "  roots = [ $(for ((i = 1; i <= N; i++)); do printf '"r%d"%s' $i "$([ $i -lt $N ] && echo ', ')"; done) ];"
	echo "  hooks = ( [ \"$T/hook.sh\" ] ); } );"
} >"$T/rw.conf"

"$RW" sync --config "$T/rw.conf" -q || [ $? = 5 ] || { echo "first sync failed"; exit 1; }
touch "$T/mark"
sleep 0.01
: >"$T/server.log"
times=()
cpus=()
TIMEFORMAT="%3U %3S"
for ((r = 0; r < RUNS; r++)); do
	t0=$(date +%s%N)
	{ time {
		"$RW" sync --config "$T/rw.conf" --json >"$T/report.json" 2>/dev/null
		echo $? >"$T/rc"
	}; } 2>"$T/cpu"
	t1=$(date +%s%N)
	rc=$(cat "$T/rc")
	[ $rc = 0 ] || { echo "a no-change sync exited $rc"; exit 1; }
	times+=($(((t1 - t0) / 1000)))
	cpus+=($(awk '{printf "%d", ($1 + $2) * 1000000}' "$T/cpu"))
done
if [ -n "${PROFILE:-}" ]; then
	$PROFILE "$RW" sync --config "$T/rw.conf" --json >"$T/report.json" 2>/dev/null
fi
read -r bytes files hooks < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["bytes_fetched"], d["files_written"], d["hooks_run"])' "$T/report.json")
served=$(awk '{s += $4} END {print s + 0}' "$T/server.log")
req=$(wc -l <"$T/server.log")
c304=$(grep -c ' 304 ' "$T/server.log")
changed=$(find "$T/out" "$T/state" -type f -newer "$T/mark" ! -name lock | wc -l)
hookruns=$(grep -c ran "$T/hook.log")
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "no-change sync, $N roots on https://127.0.0.1, $RUNS runs:"
echo "  body bytes: $bytes received by the client (last run); $served sent by the server over all runs ($req requests, $c304 answered 304)"
echo "  files written: $files (report); $changed files newer than before the runs (lock file excluded)"
echo "  hooks run: $hooks (report); hook ran $hookruns time(s) in total, all from the first sync"
csorted=($(printf '%s\n' "${cpus[@]}" | sort -n))
echo "  CPU (user + system): median $((csorted[RUNS / 2] / 1000)) ms"
echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  wall time: min $((sorted[0] / 1000)).$(printf %03d $((sorted[0] % 1000))) ms, median $((sorted[RUNS / 2] / 1000)).$(printf %03d $((sorted[RUNS / 2] % 1000))) ms, max $((sorted[RUNS - 1] / 1000)).$(printf %03d $((sorted[RUNS - 1] % 1000))) ms (process start to exit)"
