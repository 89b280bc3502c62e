#!/usr/bin/env bash
# The zsh completion the build generates (rootwarden help --completion zsh, from the same tables
# as the bash one) offers, in a real interactive zsh driven through a pseudo-terminal: every
# command; after every command and every 'check KIND', every long and short option its --help
# lists; the check kinds after 'check'; the verbs of roots, catalog and config; profile ids after
# --profile and -p; formats after --format; files after --config. Skips (77) without zsh.
set -uo pipefail
src=${RW_SOURCE_DIR:?RW_SOURCE_DIR is not set}
bin=${RW_BINARY:?RW_BINARY is not set}
build=${RW_BUILD_DIR:?RW_BUILD_DIR is not set}
. "$src/tests/integration/checklib.sh"
command -v zsh >/dev/null || { echo "zsh is not installed: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

comp=$build/rootwarden.zsh-completion
check "the build generated $comp" test -s "$comp"
"$bin" help --completion zsh >"$tmp/now" 2>"$tmp/err"
check "help --completion zsh exits 0" test "$?" = 0
check "the installed file is what the program prints now" cmp -s "$comp" "$tmp/now"
check "zsh parses it" zsh -n "$comp"
check "it is an autoloadable completion function" test "$(head -1 "$comp")" = "#compdef rootwarden"
mkdir "$tmp/fpath" && cp "$comp" "$tmp/fpath/_rootwarden"

offered() { zsh -f "$src/tests/integration/zsh_complete.zsh" "$tmp/fpath" "rootwarden $*"; }

commands=$("$bin" help | awk '/^Commands:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }')
kinds=$("$bin" help check | awk '/^  [a-z]+ / {print $1}')
check "commands and kinds found in the help" test -n "$commands" -a -n "$kinds"
words=$(offered "")
for c in $commands; do
	check "command '$c' offered after rootwarden" grep -qx -- "$c" <<<"$words"
done
words=$(offered "check ")
for k in $kinds; do
	check "kind '$k' offered after check" grep -qx -- "$k" <<<"$words"
done

# Every option of every --help (long and short), for the command or check kind it belongs to.
n=0
for where in $commands $(printf 'check:%s ' $kinds); do
	where=${where/:/ }
	case $where in check) continue ;; esac
	if [[ $where == "check "* ]]; then help=$("$bin" $where --help); else help=$("$bin" help "$where"); fi
	opts=$(awk '/^  -[a-zA-Z], --/ { print substr($1, 1, 2); sub(/,$/, "", $2); print $2; next }
		/^      --[a-z]/ { print $1 }' <<<"$help")
	# shellcheck disable=SC2086 # "check key" is two words
	words=$(offered $where -)
	for o in $opts; do
		n=$((n + 1))
		grep -qx -- "$o" <<<"$words" || fail "option $o of '$where' not offered by zsh"
	done
done
check "every option of every --help checked ($n, more than 40)" test "$n" -gt 40

for v in list show; do
	check "verb roots $v" grep -qx "$v" <<<"$(offered "roots ")"
done
check "verbs of catalog" test "$(offered "catalog " | tr '\n' ' ')" = "diff sign verify "
check "verb config check" grep -qx check <<<"$(offered "config ")"
check "profiles offered after -p, filtered by prefix" \
	test "$(offered rotation -p azure-mysql-f)" = azure-mysql-flexible
words=$(offered bundle --profile "")
for p in $("$bin" help --completion words | awk '$1 == "profile" { print $2 }'); do
	grep -qx -- "$p" <<<"$words" || fail "profile $p not offered after --profile"
done
check "format jks offered after --format j" grep -qx jks <<<"$(offered bundle --format j)"
mkdir "$tmp/d" && touch "$tmp/d/rw.conf"
check "files offered after --config" \
	grep -qx rw.conf <<<"$(cd "$tmp/d" && offered sync --config rw)"

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "zsh completion: every command, option, verb, kind, profile and format offered"
