Every class of bad input: one line naming what was wrong (and a hint where one helps), and the
documented exit code: 2 usage, 65 bad data, 66 input missing.

No arguments: short usage with examples on stderr, exit 2.
$ attn
! usage: attn COMMAND [OPTIONS]
!
! Examples:
!   attn demo                                      a guided walk-through
!   attn score --q 2,0.5,1,-1.5 --k 1,1,-0.5,2     one score, worked out
!   attn weights --scores 1,2,3                    softmax, step by step
!   attn attend --input problem.json --json        the whole pipeline, as JSON
!
! Run 'attn --help' for every command.
? 2

$ attn scroe --q 1 --k 1
! attn: error: unknown command 'scroe'
! hint: did you mean 'attn score'?
? 2

$ attn frobnicate
! attn: error: unknown command 'frobnicate'
! hint: run 'attn --help' for the list of commands
? 2

$ attn score --q 1,2 --k 1,2 --bogus
! attn: error: unknown option '--bogus' for attn score
! hint: run 'attn score --help' for its options
? 2

$ attn score --q 1,x --k 1,2
! attn: error: --q: 'x' is not a number
! hint: write numbers like 2, -0.5 or 1e-3, separated by commas
? 2

$ attn score --q 1,2 --k 1,2 --mask causl
! attn: error: --mask: unknown atom 'causl' at column 1 (did you mean 'causal'?)
! hint: mask atoms: full (or none), causal, window:W, local:W, prefix:P, valid:L (or valid:L1,L2,… one per query row), document:ID,ID,… (one per key), chunk:C, dilated:W:D; combine with & (and), | (or), ! (not) and parentheses
? 2

$ attn score --q 1,2
! attn: error: no keys given
! hint: give --k VECTOR (e.g. --k 1,1,-0.5,2); quote a matrix (--k "1,0;0,1"): the shell ends a command at an unquoted ;
? 2

$ attn attend --q 1,2 --k 1,2
! attn: error: attend needs values: give --v
! hint: v has one row per key
? 2

$ attn score --q 1,2 --k 1,2 --digits 40
! attn: error: --digits must be from 0 to 17, not 40
! hint: run 'attn score --help'
? 2

d_k must match: q has 4 values, k has 3.
$ attn score --q 2,0.5,1,-1.5 --k 1,1,-0.5
! attn: error: k has 3 values per row but q has 4 (d_k must match)
! hint: q is n_q×d_k and k is n_k×d_k: give both the same number of columns
? 65

$ attn score --q "1,2;3" --k 1,2
! attn: error: --q: row 1 has 1 value but row 0 has 2
! hint: every row of a matrix needs the same number of values
? 65

$ attn score --q "" --k 1
! attn: error: --q is empty
! hint: give numbers separated by commas, e.g. 1,0.5,-2 (rows separated by ;)
? 65

$ attn score --q 1,nan --k 1,2
! attn: error: --q[1] is nan: inputs must be finite numbers
? 65

$ attn score --q '[[1,2],[3,"x"]]' --k 1,2
! attn: error: --q[1][1] is "x", not a number
? 65

$ echo '{"q": [1, 2], "k": [1, 2' | attn score --input -
! attn: error: stdin: malformed JSON at line 2, column 1: syntax error while parsing array - unexpected end of input; expected ']'
? 65

$ echo '[1, 2]' | attn score --input -
! attn: error: stdin: the input document must be a JSON object, not array
! hint: write {"q": [[…]], "k": [[…]], "v": [[…]]}
? 65

$ attn score --input - < /dev/null
! attn: error: stdin: the input is empty
! hint: expected a JSON document
? 65

$ attn score --q 1,2 --k 1,2 --scale 0
! attn: error: the scale is 0, which makes every score 0
! hint: use --no-scale for c = 1, or omit --scale for 1/√d_k
? 65

1e200 × 1e200 = 1e400 overflows a double: a data error naming the cell, never a NaN.
$ attn score --q 1e200 --k 1e200
! attn: error: q·k overflows at row 0, column 0 (q_0·k_0 = inf)
! hint: scale the inputs down: their products exceed the range of a double
? 65

$ attn weights --scores "-inf,-inf" --empty-rows error
! attn: error: row 0 of the scores has every key blocked, so softmax is undefined
! hint: use --empty-rows zero|nan|uniform to choose what such rows get
? 65

$ attn score --input data/no-such-file.json
! attn: error: cannot read 'data/no-such-file.json': No such file or directory
? 66

$ attn score --input data
! attn: error: 'data' is a directory, not a file
? 66

$ attn score --q @data/no-such-file.json --k 1
! attn: error: cannot read 'data/no-such-file.json': No such file or directory
? 66

With --json, the error is one JSON line on stderr.
$ attn score --q 1,2 --k 1,2,3 --json
! {"error":{"code":65,"message":"k has 3 values per row but q has 2 (d_k must match)","hint":"q is n_q×d_k and k is n_k×d_k: give both the same number of columns"}}
? 65

Usage errors in attn's words, the words named in the order typed. An unknown option gets the
nearest option of that command.
$ attn score --key 1,1 --q 2,0.5,1,-1.5 --k 1,1,-0.5,2
! attn: error: unknown option '--key' for attn score
! hint: did you mean '--k'?
? 2

$ attn score --Q 1 --k 1 --bogus
! attn: error: unknown option '--Q' for attn score (also not understood: '--bogus')
! hint: did you mean '--q'?
? 2

An option of another command is named as such.
$ attn score --q 1 --k 1 --empty-rows zero
! attn: error: unknown option '--empty-rows' for attn score
! hint: --empty-rows is an option of attn weights, attn attend or attn grad
? 2

A list or matrix that the shell split at its spaces gets a hint to quote it.
$ attn score --q [2, 0.5, 1, -1.5] --k 1,1,-0.5,2
! attn: error: --q takes one value, but the shell passed 4 words: [2, 0.5, 1, -1.5]
! hint: quote it: --q '[2, 0.5, 1, -1.5]'
? 2

$ attn score --q 1,0 0,1 --k 1,0
! attn: error: --q takes one value, but the shell passed 2 words: 1,0 0,1
! hint: a matrix is one word, its rows separated by ; and quoted: --q "1,0;0,1"
? 2

$ attn mask causal '&' window:3 --n 4
! attn: error: EXPR takes one value, but the shell passed 3 words: causal & window:3
! hint: quote it: attn mask 'causal & window:3'
? 2

Without quotes, the shell ends `attn score --q 1,0;0,1 --k 1,0` at the ;, so attn sees only
`attn score --q 1,0`: the hint says so.
$ attn score --q 1,0
! attn: error: no keys given
! hint: give --k VECTOR (e.g. --k 1,1,-0.5,2); quote a matrix (--k "1,0;0,1"): the shell ends a command at an unquoted ;
? 2

Choices are listed plainly, with the nearest one.
$ attn score --q 1 --k 1 --color=sometimes
! attn: error: --color must be auto, always or never, not 'sometimes'
! hint: run 'attn score --help'
? 2

$ attn weights --scores 1,2 --empty-rows zeros
! attn: error: --empty-rows must be zero, nan, uniform or error, not 'zeros' (did you mean 'zero'?)
! hint: run 'attn weights --help'
? 2

A command of a command.
$ attn explain nosuch
! attn: error: unknown command 'attn explain nosuch'
! hint: attn explain takes scaling, steps or rope
? 2

$ attn explain stpes
! attn: error: unknown command 'attn explain stpes'
! hint: did you mean 'attn explain steps'?
? 2

$ attn explain
! attn: error: attn explain needs a command: scaling, steps or rope
! hint: e.g. attn explain steps
? 2

$ attn score mask
! attn: error: unexpected argument 'mask' for attn score
! hint: attn score takes only options: run 'attn score --help'
? 2

Missing values and arguments, with an example of the command.
$ attn score --q
! attn: error: --q needs a value (VEC|MAT)
! hint: e.g. attn score --q 2,0.5,1,-1.5 --k 1,1,-0.5,2
? 2

$ attn mask causal
! attn: error: attn mask: --n is missing
! hint: e.g. attn mask causal --n 4
? 2

$ attn score --q 1 --q 2 --k 1
! attn: error: --q is given 2 times ('1' and '2')
! hint: give --q once
? 2

$ attn score --q 1 --k 1 --no-scale=maybe
! attn: error: --no-scale is a flag: it takes no value, not 'maybe'
! hint: write --no-scale alone
? 2

$ attn check --count 3 --answers data/answers-example.json
! attn: error: --count applies only with --seed
! hint: give --seed as well, or drop --count
? 2

$ attn --bogus
! attn: error: unknown option '--bogus' for attn
! hint: options come after the command: run 'attn --help' for the list of commands
? 2
