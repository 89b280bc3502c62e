#!/usr/bin/env bash
# The bash completion the build generates (rootwarden help --completion bash, from the tables)
# offers what the program accepts: every command of 'rootwarden help'; for every command and
# every check kind, every long and short option its --help lists; the verbs of roots, catalog
# and config; the check kinds after 'check'; every profile id of the catalog after --profile;
# the formats after --format; files after --config. Driven the way bash drives it (COMP_WORDS,
# COMP_CWORD, then COMPREPLY), in a real bash.
set -uo pipefail
src=${RW_SOURCE_DIR:?RW_SOURCE_DIR is not set}
bin=${RW_BINARY:?RW_BINARY is not set}
build=${RW_BUILD_DIR:?RW_BUILD_DIR is not set}
. "$src/tests/integration/checklib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

comp=$build/rootwarden.bash-completion
check "the build generated $comp" test -s "$comp"
"$bin" help --completion bash >"$tmp/now" 2>"$tmp/err"
check "help --completion bash exits 0" test "$?" = 0
check "the installed file is what the program prints now" cmp -s "$comp" "$tmp/now"
check "bash parses it" bash -n "$comp"
"$bin" help --completion fish >/dev/null 2>&1
check "an unknown shell is a usage error (2)" test "$?" = 2

# complete WORD...: the words bash would offer for the last WORD (may be empty).
complete_words() {
	bash -c '
		. "$1"; shift
		COMP_WORDS=(rootwarden "$@"); COMP_CWORD=$#
		_rootwarden
		printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$@"
}

commands=$("$bin" help | awk '/^Commands:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }')
offered=$(complete_words "")
for c in $commands; do
	check "command '$c' offered after rootwarden" grep -qx -- "$c" <<<"$offered"
done

# Every option of every --help, as test_manpage.sh reads them.
kinds=$("$bin" help check | awk '/^  [a-z]+ / {print $1}')
check "check kinds found in 'help check'" test -n "$kinds"
helps() {
	for c in $commands; do
		echo "== $c"
		"$bin" help "$c"
	done
	for k in $kinds; do
		echo "== check $k"
		"$bin" check "$k" --help
	done
}
n=0
while IFS=$'\t' read -r where opt; do
	n=$((n + 1))
	# shellcheck disable=SC2086 # "check key" is two words
	words=$(complete_words $where -)
	grep -qx -- "$opt" <<<"$words" || fail "option $opt of '$where' not offered"
done < <(helps | awk '/^== / { sub(/^== /, ""); w = $0; next }
	/^  -[a-zA-Z], --/ { print w "\t" substr($1, 1, 2); sub(/,$/, "", $2); print w "\t" $2; next }
	/^      --[a-z]/ { print w "\t" $1 }')
check "every option of every --help checked ($n, more than 40)" test "$n" -gt 40
check "--help offered everywhere" grep -qx -- --help <<<"$(complete_words sync --h)"

for k in $kinds; do
	check "kind '$k' offered after check" grep -qx "$k" <<<"$(complete_words check "")"
done
for v in list show; do
	check "verb roots $v" grep -qx "$v" <<<"$(complete_words roots "")"
done
for v in sign verify diff; do
	check "verb catalog $v" grep -qx "$v" <<<"$(complete_words catalog "")"
done
check "verb config check" grep -qx check <<<"$(complete_words config "")"

# Profile ids: every profile of the catalog the program reads.
profiles=$(awk '/^profiles = \(/ { on = 1 } on && /^ *id = "/ { gsub(/.*id = "|";.*/, ""); print }' \
	"$src/roots/catalog.conf")
check "profiles found in roots/catalog.conf" test -n "$profiles"
offered=$(complete_words bundle --profile "")
for p in $profiles; do
	check "profile $p offered after --profile" grep -qx "$p" <<<"$offered"
done
check "profiles offered after -p, filtered by prefix" \
	test "$(complete_words rotation -p azure-mysql-f)" = azure-mysql-flexible
check "format pem offered after --format" grep -qx pem <<<"$(complete_words bundle --format "")"

# Files after a PATH option, in the directory the user is in.
mkdir "$tmp/d" && touch "$tmp/d/rw.conf"
check "files offered after --config" \
	grep -qx rw.conf <<<"$(cd "$tmp/d" && complete_words sync --config rw)"

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "completion: every command, option, verb, kind, profile and format offered"
