Hostile and unlucky inputs: each ends with one clear line on stderr and its exit code (65 bad data,
66 input missing or unreadable, 74 I/O error), never a crash, a hang or a stack trace.

A directory given where a file is expected.
$ attn attend --input tests
! attn: error: 'tests' is a directory, not a file
? 66

$ attn score --q @tests --k 1
! attn: error: 'tests' is a directory, not a file
? 66

A file that cannot be opened. Tests run as root, where chmod 000 does not stop reads, so this uses
a write-only sysctl, which even root cannot open for reading.
$ attn attend --input /proc/sys/vm/drop_caches
! attn: error: cannot read '/proc/sys/vm/drop_caches': Permission denied
? 66

A file that opens but fails part way: reading /proc/self/mem from offset 0 is an I/O error.
$ attn attend --input /proc/self/mem
! attn: error: error while reading '/proc/self/mem'
? 74

Empty standard input (the transcripts run with stdin from /dev/null).
$ attn attend --input -
! attn: error: stdin: the input is empty
! hint: expected a JSON document
? 65

$ attn score --q @- --k 1
! attn: error: -: the input is empty
! hint: expected a JSON document
? 65

Invalid UTF-8 inside a JSON string: the bad byte is quoted as \xFF, so the message is printable and,
with --json, still valid JSON.
$ printf '{"q": "\377"}' | attn attend --input -
! attn: error: stdin: malformed JSON at line 1, column 8: syntax error while parsing value - invalid string: ill-formed UTF-8 byte; last read: '"\xFF'
? 65

$ printf '{"q": "\377"}' | attn attend --input - --json
! {"error":{"code":65,"message":"stdin: malformed JSON at line 1, column 8: syntax error while parsing value - invalid string: ill-formed UTF-8 byte; last read: '\"\\xFF'"}}
? 65

$ attn score --q "1,$(printf '\377')" --k 1,2 --json
! {"error":{"code":2,"message":"--q: '\\xFF' is not a number","hint":"write numbers like 2, -0.5 or 1e-3, separated by commas"}}
? 2

100 000 nested arrays: refused at level 65, not a stack overflow.
$ python3 -c "print('[' * 100000 + ']' * 100000)" | attn attend --input -
! attn: error: stdin: JSON nested deeper than 64 levels
? 65

$ python3 -c "print('[' * 100000 + ']' * 100000)" | attn score --q @- --k 1
! attn: error: -: JSON nested deeper than 64 levels
? 65

Huge numbers: beyond a double is refused where it is read; a product that overflows names its cell.
$ attn score --q 1e400 --k 1
! attn: error: --q: '1e400' is out of the range of a double
? 65

$ attn score --q '[1e400]' --k 1
! attn: error: --q: number overflow parsing '1e400'
! hint: numbers must fit in a double (at most about 1.8e308)
? 65

$ echo '{"q": [[1]], "k": [[-1e999]], "v": [[1]]}' | attn attend --input -
! attn: error: stdin: number overflow parsing '-1e999'
! hint: numbers must fit in a double (at most about 1.8e308)
? 65

$ attn score --q 1e308,1e308 --k 1e308,1e308
! attn: error: q·k overflows at row 0, column 0 (q_0·k_0 = inf)
! hint: scale the inputs down: their products exceed the range of a double
? 65

$ attn weights --scores 1.7e308,-1.7e308,1.7e308 --json
{"d_k":null,"scale":null,"scores":[[1.7e+308,-1.7e+308,1.7e+308]],"weights":[[0.5,0.0,0.5]]}
? 0

A scale of 0 or one that is not finite is refused.
$ attn score --q 1 --k 1 --scale 0
! attn: error: the scale is 0, which makes every score 0
! hint: use --no-scale for c = 1, or omit --scale for 1/√d_k
? 65

A d_k of 0 in a scores document is refused.
$ echo '{"scores": [[1, 2]], "d_k": 0}' | attn weights --input -
! attn: error: input.d_k is 0: a query needs at least one component
? 65

Output to a pipe that closes early: `head` takes one line and attn ends quietly.
$ attn demo | head -1 >/dev/null
? 0

With SIGPIPE ignored (as some shells and CI runners leave it), the write fails with EPIPE: one
line on stderr and the I/O error code, no stack trace.
$ python3 -c "import os, subprocess; r, w = os.pipe(); os.close(r); print(subprocess.run(['attn', 'demo'], stdout=w, restore_signals=False).returncode)"
74
! attn: error: cannot write the output
? 0

A truncated .npy file (its header promises 48 bytes of data; 44 follow).
$ attn attend --q tests/data/npy/truncated_f8_2x3.npy --k tests/data/npy/c_f8_2x3.npy --v tests/data/npy/c_f8_2x3.npy
! attn: error: tests/data/npy/truncated_f8_2x3.npy: data is truncated: shape (2, 3) float64 needs 48 bytes after the header, the file has 44
? 65

Invalid UTF-8 on the command line, echoed in an error written as JSON: the bad byte becomes U+FFFD
rather than aborting the JSON writer (nlohmann's dump throws type_error 316 on invalid UTF-8).
$ attn score --q 1 --k 1 --mask "$(printf '\377')" --json
! {"error":{"code":2,"message":"--mask: unknown atom '�' at column 1","hint":"mask atoms: full (or none), causal, window:W, local:W, prefix:P, valid:L (or valid:L1,L2,… one per query row), document:ID,ID,… (one per key), chunk:C, dilated:W:D; combine with & (and), | (or), ! (not) and parentheses"}}
? 2

$ attn score --q 1 --k 1 "$(printf '\377')" --json
! {"error":{"code":2,"message":"The following argument was not expected: �","hint":"run 'attn score --help'"}}
? 2

A 2000 × 2000 mask into a pipe that closes after one line: attn ends quietly (SIGPIPE), with
nothing on stderr.
$ attn mask causal --n 2000 --force | head -1
causal — 2000×2000
? 0
