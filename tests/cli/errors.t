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
! attn: error: The following argument was not expected: --bogus
! hint: run 'attn score --help'
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
! hint: give --k VECTOR (e.g. --k 1,1,-0.5,2)
? 2

$ attn attend --q 1,2 --k 1,2
! attn: error: attend needs values: give --v
! hint: v has one row per key
? 2

$ attn score --q 1,2 --k 1,2 --digits 40
! attn: error: --digits: Value 40 not in range 0 to 17
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
