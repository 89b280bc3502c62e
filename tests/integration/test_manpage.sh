#!/usr/bin/env bash
# docs/rootwarden.8 stays in step with the program: every subcommand of 'rootwarden help' and
# every option that --help lists (made from the option tables) is in the man page,
# every exit status of src/exitcode.h is listed, and groff renders it without warnings.
set -uo pipefail
src=${RW_SOURCE_DIR:?RW_SOURCE_DIR is not set}
bin=${RW_BINARY:?RW_BINARY is not set}
man=$src/docs/rootwarden.8
fails=0
# The man page's text with roff's escaped hyphens made plain.
text=$(sed 's/\\-/-/g' "$man")

for cmd in $("$bin" help | awk '/^Commands:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }'); do
	grep -q "^\.SS \"*$cmd\b" <<<"$text" || { echo "FAIL man page: no section for command '$cmd'"; fails=$((fails + 1)); }
done
# The option lists of --help are made from each command's option table (cliopt.h): every long
# option they list must have an entry in that command's own section of the man page (a .TP
# entry or the section's synopsis line), with its short option beside it: a name found
# somewhere else in the page does not count.
kinds=$("$bin" help check | awk '/^  [a-z]+ / {print $1}')
helps() {
	for cmd in $("$bin" help | awk '/^Commands:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }'); do
		echo "== $cmd"
		"$bin" help "$cmd"
	done
	for k in $kinds; do
		echo "== check $k"
		"$bin" check "$k" --help
	done
}
# The entry lines of every section whose title starts with the command's words ("catalog":
# its sign, verify and diff sections), the titles included.
section() {
	awk -v w="$1" '/^\.S[SH] / { t = $0; sub(/^\.SS "?/, "", t)
		on = index(t, w " ") == 1 || t == w || t == w "\""; if (on) print; next }
		on && /^\.(B|BI|BR|SS) /' <<<"$text"
}
nopts=0
while read -r where short long; do
	nopts=$((nopts + 1))
	w=${where//-/ }
	[ "$w" = "check probe" ] && w=probe # the probe kind is the probe command's front end
	entry=$(section "$w" | grep -E -- "(^|[^a-z-])$long([^a-z-]|\$)")
	if [ -z "$entry" ]; then
		echo "FAIL man page: option $long ($where) has no entry in the section of '$w'"
		fails=$((fails + 1))
	elif [ "$short" != - ] && ! grep -qE -- "(^|[^a-z-])$short([^a-zA-Z-]|\$)" <<<"$entry"; then
		echo "FAIL man page: option $long ($where): its short option $short is not beside it"
		fails=$((fails + 1))
	fi
done < <(helps | awk '/^== / { sub(/^== /, ""); gsub(/ /, "-"); w = $0; next }
	/^  -[a-zA-Z], --/ { s = substr($1, 1, 2); l = $2; sub(/,$/, "", l); print w, s, l; next }
	/^      --[a-z]/ { print w, "-", $1 }')
[ "$nopts" -gt 40 ] || { echo "FAIL only $nopts options found in the help texts"; fails=$((fails + 1)); }
for n in $(tr -s ' \t\n' ' ' <"$src/src/exitcode.h" | grep -o 'RW_EXIT_[A-Z]* = [0-9]*' | awk '{print $3}'); do
	grep -A1 -x '\.TP' "$man" | grep -qx "\.B $n" ||
		{ echo "FAIL man page: exit status $n is not listed"; fails=$((fails + 1)); }
done
if command -v groff >/dev/null; then
	w=$(groff -man -ww -z "$man" 2>&1)
	[ -z "$w" ] || { echo "FAIL groff warnings: $w"; fails=$((fails + 1)); }
fi
[ "$fails" = 0 ] || exit 1
echo "man page: every command, option and exit status documented"
