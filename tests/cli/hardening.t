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
! {"error":{"code":2,"message":"unexpected argument '�' for attn score","hint":"attn score takes only options: run 'attn score --help'"}}
? 2

A 2000 × 2000 mask into a pipe that closes after one line: attn ends quietly (SIGPIPE), with
nothing on stderr.
$ attn mask causal --n 2000 --force | head -1
causal — 2000×2000
? 0

Output files never harm what their path names. A device is written to, not replaced (a private
device node made with mknod, 1,3 as /dev/null is, in a temporary folder).
$ d=$(mktemp -d) && mknod $d/null c 1 3 && attn weights --scores 0,0 --svg $d/null >/dev/null && test -c $d/null && echo "still a character device"; rm -r $d
still a character device
? 0

A full device (1,7, as /dev/full) is an I/O error, exit 74, and stays a device.
$ d=$(mktemp -d) && mknod $d/full c 1 7 && cd $d && attn weights --scores 0,0 --svg full >/dev/null; echo "exit $?"; test -c full && echo "still a character device"; cd / && rm -r $d
exit 74
still a character device
! attn: error: cannot write 'full': No space left on device
? 0

A symbolic link is followed: its target gets the picture and the link stays a link.
$ d=$(mktemp -d) && echo old > $d/real.svg && ln -s real.svg $d/link.svg && attn weights --scores 0,0 --svg $d/link.svg >/dev/null && test -L $d/link.svg && head -c 5 $d/real.svg && echo; rm -r $d
<?xml
? 0

A private file stays private: mode 600 is kept, not widened to 644.
$ d=$(mktemp -d) && touch $d/p.svg && chmod 600 $d/p.svg && attn weights --scores 0,0 --svg $d/p.svg >/dev/null && stat -c %a $d/p.svg; rm -r $d
600
? 0

A FIFO is written to, and stays a FIFO.
$ d=$(mktemp -d); mkfifo $d/pipe; cat $d/pipe >$d/got & attn weights --scores 0,0 --svg $d/pipe >/dev/null; wait; head -c 5 $d/got; echo; test -p $d/pipe && echo "still a FIFO"; rm -r $d
<?xml
still a FIFO
? 0

An output that would replace an input, and one file named by two outputs, are refused.
$ d=$(mktemp -d); cd $d; echo '[1,2]' > q.json; attn score --q @q.json --k 1,2 --svg ./q.json; echo "exit $?"; cat q.json; cd /; rm -r $d
exit 2
[1,2]
! attn: error: --svg './q.json' is also read by --q: writing it would replace that input
! hint: write the output to a file of its own
? 0

$ attn attend --q tests/data/tensor/q.npy --k tests/data/tensor/k.npy --v tests/data/tensor/v.npy --output /tmp/attn-same.npy --weights-out /tmp/attn-same.npy
! attn: error: --output and --weights-out both name '/tmp/attn-same.npy'
! hint: give each output a file of its own
? 2

$ attn attend --q tests/data/tensor/q.npy --k tests/data/tensor/k.npy --v tests/data/tensor/v.npy --output ./tests/data/tensor/k.npy
! attn: error: --output './tests/data/tensor/k.npy' is also read by --k: writing it would replace that input
! hint: write the output to a file of its own
? 2

Standard output on a full device: exit 74, not 0.
$ d=$(mktemp -d) && mknod $d/full c 1 7 && attn weights --scores 0,0 >$d/full; echo "exit $?"; rm -r $d
exit 74
! attn: error: cannot write the output
? 0

Standard output closed: exit 74 (the result went nowhere), not an abort.
$ attn weights --scores 0,0 >&-; echo "exit $?"
exit 74
! attn: error: cannot write the output: standard output is closed
? 0

$ attn --help >&-; echo "exit $?"
exit 74
! attn: error: cannot write the output: standard output is closed
? 0

Standard error closed or full: the warning or error is lost, never the exit code (no abort, 134).
$ attn weights --scores -inf,-inf --json 2>&-; echo "exit $?"
{"d_k":null,"scale":null,"scores":[["-Infinity","-Infinity"]],"weights":[[0.0,0.0]]}
exit 0
? 0

$ attn weights --scores x 2>&-; echo "exit $?"
exit 2
? 0

$ d=$(mktemp -d) && mknod $d/full c 1 7 && attn weights --scores -inf,-inf --json 2>$d/full; echo "exit $?"; attn score --q 1 --k 1,2 2>$d/full; echo "exit $?"; rm -r $d
{"d_k":null,"scale":null,"scores":[["-Infinity","-Infinity"]],"weights":[[0.0,0.0]]}
exit 0
exit 65
? 0

With stderr closed, the next file attn opens must not become stderr: the SVG holds only the SVG.
$ d=$(mktemp -d) && attn weights --scores -inf,-inf --svg $d/w.svg 2>&- >/dev/null; grep -c warning $d/w.svg; rm -r $d
0
? 0

A JSON document is read strictly: a key given twice, a NUL byte, a misspelt key.
$ echo '{"q":[1,2],"k":[1,2],"q":[3,4]}' | attn score --input -
! attn: error: stdin: the key "q" is given twice
! hint: give each key once: JSON readers differ in which of the two they keep
? 65

$ printf '{"q":[1,2],"k":[1,2]}\000junk' | attn score --input -
! attn: error: standard input: a NUL byte at offset 21: attn reads text
! hint: is this a binary file? attn reads JSON documents and arrays
? 65

$ echo '{"q":[1,2],"k":[1,2],"maks":"causal"}' | attn score --input -
! attn: error: stdin: unknown key "maks" (did you mean "mask"?)
! hint: the input document's keys: q, k, v, scores, scale, d_k, mask, bias, softcap, softcap_order, heads, kv_heads, rope
? 65

A document's value out of range names the document's key, exit 65 (a flag's is exit 2).
$ echo '{"q":[1,2],"k":[1,2],"softcap":-1}' | attn score --input -
! attn: error: input.softcap must be a positive number, not -1
! hint: Gemma 2 uses a softcap of 50
? 65

$ echo '{"q":[1,2],"k":[1,2],"heads":99999}' | attn score --input -
! attn: error: input.heads must be a whole number from 1 to 4096, not 99999
? 65

An answers file with a key given twice is refused too.
$ printf '{"answers": {"1": 0.5, "1": 0.7}}' | attn check --seed 7 --answers -
! attn: error: stdin: the key "1" is given twice in "answers"
! hint: give each key once: JSON readers differ in which of the two they keep
? 65

Whole numbers are checked as typed: no wrapping of -1 or of 2^64 and more to 18446744073709551615.
$ attn quiz --seed -1
! attn: error: --seed must be a whole number from 0 to 18446744073709551615, not '-1'
! hint: run 'attn quiz --help'
? 2

$ attn quiz --seed 99999999999999999999999
! attn: error: --seed must be from 0 to 18446744073709551615, not 99999999999999999999999
! hint: run 'attn quiz --help'
? 2

$ attn score --q 1,2 --k 1,2 --heads -1
! attn: error: --heads must be a whole number from 1 to 4096, not '-1'
! hint: run 'attn score --help'
? 2

Empty list items are refused.
$ attn explain scaling --dk 4,,16
! attn: error: --dk: item 2 of '4,,16' is empty
! hint: separate the values with single commas, e.g. --dk 4,16,64
? 2

$ attn mask causal --n 3 --heatmap --tokens a,,c
! attn: error: --tokens: token 2 of 'a,,c' is empty
! hint: give every position a name, e.g. --tokens The,cat,sat
? 2

Limits are real: what a request needs is checked against the memory there is before it is
allocated, never "internal error" (ulimit -v caps the address space at 400 MB here).
$ ulimit -v 400000 && attn mask causal --n 1000000 --m 1000000 --force 2>&1 | sed 's/than the [0-9]* MB/than the N MB/'
attn: error: the 1000000×1000000 mask needs 24.0 TB, more than the N MB available
hint: ask for less (smaller sizes, fewer outputs), or run where more memory is free
? 0

$ ulimit -v 400000 && attn bias alibi --n 1000000 --force 2>&1 | sed 's/than the [0-9]* MB/than the N MB/'
attn: error: the 1000000×1000000 bias needs 32.0 TB, more than the N MB available
hint: ask for less (smaller sizes, fewer outputs), or run where more memory is free
? 0

$ ulimit -v 400000 && attn score --q @/dev/zero --k 1
! attn: error: '/dev/zero': a NUL byte at offset 0: attn reads text
! hint: is this a binary file? attn reads JSON documents and arrays
? 65

$ ulimit -v 400000 && head -c 300000000 /dev/zero | tr '\000' ' ' | attn score --input - 2>&1 | sed 's/than the [0-9]* MB/than the N MB/'
attn: error: reading standard input needs 268 MB, more than the N MB available
hint: ask for less (smaller sizes, fewer outputs), or run where more memory is free
? 0

The Jacobian's norm is worked out without its n × n matrix, so n = 65536 (32 GB as a matrix)
runs in a few megabytes.
$ ulimit -v 400000 && attn explain scaling --n 65536 --dk 4 --trials 2 --json | head -c 40; echo
{"keys":65536,"trials":2,"seed":1,"backw
? 0
