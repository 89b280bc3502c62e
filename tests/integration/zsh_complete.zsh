# zsh_complete.zsh DIR LINE: the words zsh's completion system offers for LINE followed by TAB,
# one per line, sorted, with DIR (holding _rootwarden) first in fpath. It runs an interactive
# zsh in a pseudo-terminal (zsh/zpty) and wraps compadd so every match is also written to a file.
zmodload zsh/zpty
dir=$1 line=$2 out=$dir/offered.$$
: >$out
zpty z zsh -f -i
zpty -w z "PS1='> '; fpath=($dir \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z "compadd() { if (( \${@[(I)-[OAD]]} )); then builtin compadd \"\$@\"; return; fi; local -a m; builtin compadd -A m \"\$@\"; (( \$#m )) && print -rl -- \$m >>$out; builtin compadd \"\$@\"; }"
# TAB completes, then leaves a marker file: the completion has finished when it exists.
zpty -w z "rw_tab() { zle complete-word; print -r done >$out.done; }; zle -N rw_tab; bindkey '^I' rw_tab"
zpty -w z "zstyle ':completion:*' list-prompt ''; LISTMAX=0"
zpty -w -n z "$line"$'\t'
for i in {1..600}; do [[ -e $out.done ]] && break; sleep 0.05; done
zpty -d z
[[ -e $out.done ]] || print -u2 "zsh_complete: no answer from zsh in 30 s"
sort -u $out
rm -f $out $out.done
