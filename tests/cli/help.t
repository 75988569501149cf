attn help: reference topics, a command's --help, and completion scripts.

$ attn help | head -6
Help topics (attn help TOPIC):
  masks       the mask language: atoms, operators, positions, examples
  json        the JSON input document (--input) and the JSON output (--json)
  exit-codes  what each exit status means
  formats     how to write vectors and matrices: literals, JSON, @file, stdin

? 0

`attn help COMMAND` is exactly `attn COMMAND --help`.

$ test "$(attn help score)" = "$(attn score --help)" && echo same
same
? 0

$ attn help maks
! attn: error: no help topic or command named 'maks'
! hint: did you mean 'attn help masks'?
? 2

$ attn help frobnicate
! attn: error: no help topic or command named 'frobnicate'
! hint: run 'attn help' for the list of topics
? 2

The masks page draws its grids with the real evaluator: causal & window:2 keeps the 2 most recent
keys (p − 2 < j ≤ p).

$ attn help masks | sed -n '/^causal & window:2 with/,/^$/p'
causal & window:2 with 4 queries and 4 keys (1 = may attend):
  1 0 0 0
  1 1 0 0
  0 1 1 0
  0 0 1 1

? 0

The JSON page's example is what attn really prints for its input.

$ out=$(attn help json | sed -n 's/^    input:  //p' | attn attend --input - --json) && attn help json | grep -qxF "    output: $out" && echo "example matches"
example matches
? 0

$ attn help exit-codes | head -5
EXIT CODES

  0   success; also --help and --version
  1   a check ran and found something wrong (attn check graded a wrong answer)
  2   usage: an unknown command or flag, a missing or unparsable value, a bad
? 0

Completion scripts: tests/install/completion-test.sh loads each one in its shell.

$ attn completion bash | tail -1
complete -F _attn attn
? 0

$ attn completion zsh | head -1
#compdef attn
? 0

$ attn completion fish | grep -c '^complete -c attn' >/dev/null && echo ok
ok
? 0

$ attn completion fisk
! attn: error: attn has no completion for the shell 'fisk'
! hint: did you mean 'attn completion fish'?
? 2

$ attn completion
! attn: error: attn completion: SHELL is missing (one of bash, zsh or fish)
! hint: e.g. source <(attn completion bash)
? 2

The README's table of exit codes lists every code the exit-codes page does, 70 (a bug) included.
$ for code in $(attn help exit-codes | sed -n 's/^  \([0-9][0-9]*\) .*/\1/p'); do grep -q "^| $code | " README.md || echo "README misses $code"; done; echo checked
checked
? 0
