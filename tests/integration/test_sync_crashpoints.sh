#!/usr/bin/env bash
# sync killed at every named step of the write and hook path (src/crashpoint.h; test builds only,
# -DRW_CRASHPOINTS=ON), at every pass of each step: each write (the write-ahead records, the
# bundles, the state records, the strikes), each bundle's record, each hook. Two bundles, a file
# (a) and a directory (d, openssl-directory), each with two hooks (its own and one in hooks_dir).
# After each kill:
#   - every output is the complete old or the complete new version (file: byte for byte;
#     directory: the same set of files, byte for byte);
#   - the next sync succeeds, finishes the change, and sweeps the temps the kill left beside the
#     outputs and in the state directory;
#   - every due hook runs exactly once more, or is already done: a hook the write-ahead record
#     still lists (or of a bundle not yet replaced) runs exactly once in the next sync; one the
#     record no longer lists ran before the kill and does not run again;
# and (at the first pass of each step) a third sync has nothing left to do.
set -u
umask 022
bin=${RW_BINARY:?}
src=${RW_SOURCE_DIR:?}
. "$src/tests/integration/checklib.sh"
. "$src/tests/integration/safe_tmpdir.sh"
POINTS="save-after-temp-written save-after-fsync save-after-rename save-after-dir-fsync
save-dir-after-temp-written save-dir-after-fsync save-dir-after-rename save-dir-after-dir-fsync
sync-after-record sync-after-state sync-after-strike sync-before-counters
hook-before hook-during hook-after"
BUNDLES="a d"
MAXPASS=${MAXPASS:-20}
T=$(mktemp -d "$TMPDIR/rw-cp.XXXXXX")
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/hooks.d"
cat >"$T/hook.sh" <<'EOS'
#!/bin/sh
echo "own:$ROOTWARDEN_BUNDLE" >>"$1/hooks.log"
EOS
cat >"$T/hooks.d/50-log" <<EOS
#!/bin/sh
echo "dir:\$ROOTWARDEN_BUNDLE" >>"$T/hooks.log"
EOS
chmod 755 "$T/hook.sh" "$T/hooks.d/50-log"
OWN_ID="$T/hook.sh $T"
DIR_ID="$T/hooks.d/50-log"
conf() {
	cat >"$T/rw.conf" <<EOC
state_dir = "$T/state";
hooks_dir = "$T/hooks.d";
bundles = (
  { name = "a"; path = "$T/out/a"; profiles = [ "$1" ]; hooks = ( [ "$T/hook.sh", "$T" ] ); },
  { name = "d"; path = "$T/out/d"; format = "openssl-directory"; profiles = [ "$1" ];
    hooks = ( [ "$T/hook.sh", "$T" ] ); }
);
EOC
}
# (the braces keep bash's "Killed" notice out of the log)
sync() { { "$bin" sync --offline --config "$T/rw.conf" --roots-dir "$src/roots" >"$T/out.txt" 2>&1; } 2>/dev/null; }
count() { # TAG:BUNDLE: how often that hook ran
	local c
	c=$(grep -c "^$1\$" "$T/hooks.log" 2>/dev/null)
	echo "${c:-0}"
}
same() { # PATH REF: a file or a directory with the same content
	if [ -d "$2" ]; then [ -d "$1" ] && diff -r "$1" "$2" >/dev/null; else cmp -s "$1" "$2"; fi
}
pending() { # BUNDLE ID: is ID still due in the bundle's write-ahead record?
	[ -f "$T/state/hooks/$1.json" ] || return 1
	# (jansson writes one array element a line; the ids here need no escaping)
	sed -n '/"pending": \[/,/\]/p' "$T/state/hooks/$1.json" | grep -qF "\"$2\""
}
settle() { # a hook started by the killed sync may still be running: wait for it
	local i
	for ((i = 0; i < 100; i++)); do
		pgrep -f -- "$T/" >/dev/null || return 0
		sleep 0.05
	done
}
stale() { find "$T/out" "$T/state" -maxdepth 2 -name '.*.rw-*'; }
temps() { stale | wc -l; }

# The old and the new version of each output, from clean syncs (exit 5: offline, nothing fetched).
mkdir -p "$T/out"
conf azure-china
sync || [ $? -eq 5 ] || { cat "$T/out.txt"; exit 1; }
cp -a "$T/state" "$T/state.old"
cp -a "$T/out" "$T/out.old"
conf azure-mysql-flexible
sync || [ $? -eq 5 ] || { cat "$T/out.txt"; exit 1; }
cp -a "$T/out" "$T/out.new"
for b in $BUNDLES; do
	same "$T/out.old/$b" "$T/out.new/$b" && { echo "bundle $b must differ between the two"; exit 1; }
done
restore() { # the state and outputs after the old sync, the new configuration in place
	rm -rf "$T/state" "$T/out" "$T/hooks.log"
	cp -a "$T/state.old" "$T/state"
	cp -a "$T/out.old" "$T/out"
	: >"$T/hooks.log"
}

# A build without crash points ignores the variable: nothing here can be tested then.
restore
ROOTWARDEN_CRASH_AT=save-after-rename sync
if [ $? -ne 137 ]; then
	echo "skip: this build has no crash points (configure with -DRW_CRASHPOINTS=ON)"
	exit 77
fi

# kill_at POINT:N - one round; returns 1 when the sync was not killed (no Nth pass)
kill_at() {
	local at=$1 n=${1##*:} rc b id tag new k0 want k1 ok=1
	local -A exp
	restore
	ROOTWARDEN_CRASH_AT=$at sync
	rc=$?
	settle
	if [ "$rc" -ne 137 ]; then
		[ "$rc" -eq 0 ] || [ "$rc" -eq 5 ] || fail "$at: sync failed instead (exit $rc)"
		return 1
	fi
	# every output whole; what each hook is owed
	for b in $BUNDLES; do
		new=0
		if same "$T/out/$b" "$T/out.new/$b"; then
			new=1
		elif ! same "$T/out/$b" "$T/out.old/$b"; then
			fail "$at: bundle $b is neither the complete old nor the complete new version"
			ok=0
		fi
		for tag in own dir; do
			id=$OWN_ID
			[ "$tag" = dir ] && id=$DIR_ID
			k0=$(count "$tag:$b")
			if [ "$new" = 0 ] || pending "$b" "$id"; then want=$((k0 + 1)); else want=$k0; fi
			exp[$tag:$b]=$want
		done
	done
	# temps the kill left beside the outputs and in the state directory are stale for the next sync
	stale | while read -r f; do touch -h -d '-1 min' "$f"; done
	sync
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 5 ]; then
		fail "$at: the next sync failed (exit $rc)"
		sed 's/^/    /' "$T/out.txt"
		return 0
	fi
	for b in $BUNDLES; do
		same "$T/out/$b" "$T/out.new/$b" || { fail "$at: the next sync did not finish bundle $b"; ok=0; }
	done
	[ "$(temps)" = 0 ] || { fail "$at: the next sync left temps: $(stale | tr '\n' ' ')"; ok=0; }
	for k in "${!exp[@]}"; do
		k1=$(count "$k")
		if [ "$k1" != "${exp[$k]}" ] || [ "$k1" -lt 1 ]; then
			fail "$at: hook $k ran $k1 time(s) in all, want ${exp[$k]} (once more if due, else done)"
			ok=0
		fi
	done
	if [ "$n" = 1 ]; then
		cp "$T/hooks.log" "$T/hooks.before"
		sync
		rc=$?
		if [ "$rc" -ne 0 ] || ! cmp -s "$T/hooks.log" "$T/hooks.before"; then
			fail "$at: a third sync still had work (exit $rc)"
			ok=0
		fi
	fi
	[ "$ok" = 1 ] && pass "$at: whole outputs, the next sync finished it, each due hook once more or done"
	return 0
}

for p in $POINTS; do
	n=1
	while [ "$n" -le "$MAXPASS" ] && kill_at "$p:$n"; do n=$((n + 1)); done
	if [ "$n" = 1 ]; then
		fail "$p: never reached (the step is not on the sync path any more?)"
	elif [ "$n" -gt "$MAXPASS" ]; then
		fail "$p: still killed at pass $MAXPASS (raise MAXPASS)"
	else
		pass "$p: every one of its $((n - 1)) pass(es) judged"
	fi
done
[ "$fails" -eq 0 ]
