#!/bin/sh
# Installs the build into a temporary prefix with `cmake --install` and checks that every file is
# there and works: bin/attn, the man page, the bash/zsh/fish completions and data/. A check whose
# tool is missing (man, zsh, fish) prints SKIP instead of failing.
#
# usage: install-test.sh BUILD_DIR SOURCE_DIR     (CMAKE=path/to/cmake to choose the cmake)
set -u
build=$1
source_dir=$2
cmake=${CMAKE:-cmake}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share"
mkdir -p "$HOME"
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
exists() {
  [ -s "$prefix/$1" ] || fail "$1 was not installed"
}

"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 || {
  cat "$work/install.log"
  echo "FAIL: cmake --install"
  exit 1
}

# bin/attn runs from the prefix.
exists bin/attn
version=$("$prefix/bin/attn" --version) || fail "attn --version exited $?"
echo "$version" | grep -Eq '^attn [0-9]+\.[0-9]+\.[0-9]+ \(.+\)$' ||
  fail "attn --version printed '$version', expected 'attn X.Y.Z (commit)'"
"$prefix/bin/attn" demo >"$work/demo.txt" || fail "attn demo exited $?"
grep -q "attention, step by step" "$work/demo.txt" || fail "attn demo printed no walk-through"

# The man page: rendered by man (or groff) without warnings, else at least a .TH header.
man_page=share/man/man1/attn.1
if [ -f "$build/generated/man/attn.1" ]; then
  exists $man_page
  head -5 "$prefix/$man_page" | grep -q '^\.TH ATTN "1"' || fail "$man_page has no .TH ATTN 1 header"
  if command -v man >/dev/null; then
    LC_ALL=C.UTF-8 MANWIDTH=80 MANPAGER=cat man --warnings -l "$prefix/$man_page" \
      >"$work/man.txt" 2>"$work/man.err" || fail "man -l $man_page exited $?"
    [ -s "$work/man.err" ] && fail "man -l $man_page warned: $(head -3 "$work/man.err")"
    grep -q "attn completion" "$work/man.txt" || fail "the man page does not describe the commands"
  elif command -v groff >/dev/null; then
    groff -k -man -Tutf8 -ww -z "$prefix/$man_page" 2>"$work/man.err" || fail "groff exited $?"
    [ -s "$work/man.err" ] && fail "groff warned: $(head -3 "$work/man.err")"
  else
    echo "SKIP: neither man nor groff installed; checked the .TH header only"
  fi
else
  echo "SKIP: help2man not installed when the build was configured (no man page built)"
fi

# The completions, each loaded by its own shell.
bash_file=share/bash-completion/completions/attn
zsh_file=share/zsh/vendor-completions/_attn
fish_file=share/fish/vendor_completions.d/attn.fish
exists $bash_file
exists $zsh_file
exists $fish_file
if command -v bash >/dev/null; then
  out=$(bash --norc --noprofile -c "source '$prefix/$bash_file' && complete -p attn" 2>&1)
  [ "$out" = "complete -F _attn attn" ] || fail "bash: sourcing $bash_file gave: $out"
else
  echo "SKIP: bash not installed"
fi
if command -v zsh >/dev/null; then
  out=$(zsh -f -c "fpath=('$prefix/share/zsh/vendor-completions' \$fpath); autoload -U compinit; compinit -u -D; print -r -- \$_comps[attn]; autoload +X _attn && whence -w _attn" 2>&1)
  [ "$out" = "_attn
_attn: function" ] || fail "zsh: loading $zsh_file from fpath gave: $out"
else
  echo "SKIP: zsh not installed"
fi
if command -v fish >/dev/null; then
  out=$(fish --no-config -c "source '$prefix/$fish_file'; complete -C'attn sc'" 2>&1 | cut -f1)
  [ "$out" = "score" ] || fail "fish: completing 'attn sc' with $fish_file gave: $out"
else
  echo "SKIP: fish not installed"
fi

# data/ is installed whole under share/attn, and the installed attn reads the examples.
(cd "$source_dir/data" && find . -type f) | while read -r f; do
  cmp -s "$source_dir/data/$f" "$prefix/share/attn/$f" || echo "share/attn/${f#./}"
done >"$work/missing-data"
[ -s "$work/missing-data" ] && fail "data not installed: $(tr '\n' ' ' <"$work/missing-data")"
for example in "$prefix"/share/attn/examples/*.json; do
  [ -e "$example" ] || break
  command=score
  grep -q '"v"' "$example" && command=attend
  "$prefix/bin/attn" $command --input "$example" >/dev/null 2>"$work/example.err" ||
    fail "attn $command --input ${example#"$prefix"/} exited $?: $(head -1 "$work/example.err")"
done

# DESTDIR puts the whole tree under a staging root.
DESTDIR="$work/stage" "$cmake" --install "$build" --prefix /usr/local >/dev/null 2>&1 ||
  fail "DESTDIR=… cmake --install"
[ -x "$work/stage/usr/local/bin/attn" ] || fail "DESTDIR was not honoured: no stage/usr/local/bin/attn"

if [ "$failures" -ne 0 ]; then
  echo "$failures install check(s) failed"
  exit 1
fi
echo "installed tree checks out"
