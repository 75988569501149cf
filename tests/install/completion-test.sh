#!/bin/sh
# Generates attn's completion scripts from the built binary and loads each one in its shell:
# sourced, registered for attn, and answering a few real completions. A missing shell is
# reported as SKIP, not a failure.
#
# usage: completion-test.sh ATTN_BINARY
set -u
attn=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Shells must not read or write the user's configuration.
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share"
mkdir -p "$HOME"
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

for shell in bash zsh fish; do
  "$attn" completion "$shell" >"$work/attn.$shell" || fail "attn completion $shell exited $?"
done
cp "$work/attn.zsh" "$work/_attn"

# bash: source it, check the registration, then run the completion function on command lines.
if command -v bash >/dev/null; then
  cat >"$work/check.bash" <<'CHECK'
source "$1" || exit 1
[[ $(complete -p attn) == "complete -F _attn attn" ]] || { echo "complete -p attn: $(complete -p attn)"; exit 1; }
cd "$2" || exit 1
status=0
expect() {  # expect "attn score --al" "--align"
  read -ra COMP_WORDS <<<"$1"
  [[ $1 == *" " ]] && COMP_WORDS+=("")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _attn
  if [[ "${COMPREPLY[*]}" != "$2" ]]; then
    echo "bash: '$1' completed to '${COMPREPLY[*]}', expected '$2'"
    status=1
  fi
}
expect "attn sc" "score"
expect "attn score --al" "--align"
expect "attn score --align " "bottom-right top-left"
expect "attn score --mask cau" "causal"
expect "attn score --mask causal&wi" "causal&window:"
expect "attn attend --q 1,0 --input dir/ex" "dir/example.json"
expect "attn attend --q @dir/ex" "@dir/example.json"
expect "attn help exit" "exit-codes"
expect "attn completion z" "zsh"
exit $status
CHECK
  mkdir -p "$work/files/dir" && : >"$work/files/dir/example.json"
  bash --norc --noprofile "$work/check.bash" "$work/attn.bash" "$work/files" || fail "bash completion"
else
  echo "SKIP: bash not installed"
fi

# zsh: load it both ways it is used (sourced after compinit, autoloaded from $fpath) and check
# that attn is bound to _attn.
if command -v zsh >/dev/null; then
  zsh -n "$work/_attn" || fail "zsh -n _attn"
  out=$(zsh -f -c "autoload -U compinit; compinit -u -D; source '$work/_attn'; print -r -- \$_comps[attn]; whence -w _attn_score" 2>&1)
  [ "$out" = "_attn
_attn_score: function" ] || fail "zsh: sourcing _attn gave: $out"
  out=$(zsh -f -c "fpath=('$work' \$fpath); autoload -U compinit; compinit -u -D; print -r -- \$_comps[attn]; autoload +X _attn && whence -w _attn" 2>&1)
  [ "$out" = "_attn
_attn: function" ] || fail "zsh: autoloading _attn from fpath gave: $out"
else
  echo "SKIP: zsh not installed"
fi

# fish: source it and ask for completions.
if command -v fish >/dev/null; then
  fish_expect() {  # fish_expect "attn sc" "score"
    got=$(cd "$work/files" && fish --no-config -c "source '$work/attn.fish'; complete -C'$1'" 2>&1 | cut -f1 | tr '\n' ' ')
    [ "$got" = "$2 " ] || fail "fish: '$1' completed to '$got', expected '$2 '"
  }
  fish_expect "attn sc" "score"
  fish_expect "attn score --al" "--align"
  fish_expect "attn score --align " "bottom-right top-left"
  fish_expect "attn score --mask cau" "causal"
  fish_expect "attn attend --q @dir/ex" "@dir/example.json"
  fish_expect "attn attend --input dir/ex" "dir/example.json"
  fish_expect "attn help exit" "exit-codes"
else
  echo "SKIP: fish not installed"
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures completion check(s) failed"
  exit 1
fi
echo "completion scripts load and complete"
