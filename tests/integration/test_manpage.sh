#!/usr/bin/env bash
# docs/rootwarden.8 stays in step with the program: every subcommand of 'rootwarden help' and
# every long option in the option tables of src/cmd_*.c and src/check_*.c is in the man page,
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
for f in "$src"/src/cmd_*.c "$src"/src/check_*.c; do
	for opt in $(grep -o '{"[a-z][a-z-]*", *[a-z_]*_argument' "$f" | sed 's/{"\([a-z-]*\)".*/\1/'); do
		[ "$opt" = help ] && continue
		grep -q -- "--$opt\b" <<<"$text" ||
			{ echo "FAIL man page: option --$opt ($(basename "$f")) is not documented"; fails=$((fails + 1)); }
	done
done
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
