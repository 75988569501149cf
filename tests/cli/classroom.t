attn quiz and attn check for a class: the class secret, sheet ids, strict answers files and the
gradebook. tests/data/class.key is a secret made for these transcripts (public, so never for a
real class); each case copies it with mode 600, as --init-secret writes it.

A new secret: 32 bytes from the system's random source, mode 600, never replaced.

$ cd "$(mktemp -d)" && attn quiz --init-secret class.key && stat -c %a class.key && grep -c '^[0-9a-f]\{64\}$' class.key && attn quiz --init-secret class.key
Wrote a new class secret to class.key (mode 600). Keep it private, and keep it: sheets made with it can be keyed and graded only with it.
600
1
! attn: error: 'class.key' already exists: a class secret is never replaced, since the sheets made with it could no longer be graded
! hint: choose another file name, or remove the old secret first
? 73

A student's sheet made with the secret: a sheet id, how to hand in answers, and no seed.

$ k=$(mktemp) && cp tests/data/class.key $k && chmod 600 $k && attn quiz --seed 7 --class-secret $k --student "Ada Lovelace" --key none | sed -n 3,4p; rm -f $k
Student: Ada Lovelace. Sheet 3F8T-GKHR, attn 0.1.0.
Hand in your answers as JSON: {"student": "Ada Lovelace", "sheet": "3F8T-GKHR", "answers": {"1": ...}}
? 0

The secret can come from the environment, too.

$ k=$(mktemp) && cp tests/data/class.key $k && chmod 600 $k && ATTN_CLASS_SECRET=$k attn quiz --seed 7 --student "Ada Lovelace" --key none | sed -n 3p; rm -f $k
Student: Ada Lovelace. Sheet 3F8T-GKHR, attn 0.1.0.
? 0

Without the secret, nobody prints a student's key.

$ attn quiz --seed 7 --student "Ada Lovelace" --key only
! attn: error: --key only for a student's sheet needs the class secret: give --class-secret FILE or set ATTN_CLASS_SECRET
! hint: for a practice sheet whose key anyone can print, add --practice; --key none prints the sheet alone
? 2

$ attn check --seed 7 --student "Ada Lovelace" --answers data/answers-example.json
! attn: error: grading for a student's sheet needs the class secret: give --class-secret FILE or set ATTN_CLASS_SECRET
! hint: for a practice sheet whose key anyone can print, add --practice; --key none prints the sheet alone
? 2

$ k=$(mktemp) && cp tests/data/class.key $k && chmod 600 $k && attn quiz --seed 7 --class-secret $k --student Ada --practice; s=$?; rm -f $k; exit $s
! attn: error: --practice and a class secret contradict each other
! hint: a practice sheet is made without the secret; leave out one of them
? 2

A secret that others can read is used, with a warning.

$ cd "$(mktemp -d)" && cp "$OLDPWD/tests/data/class.key" k && chmod 644 k && attn quiz --seed 7 --class-secret k --student Ada --key none | sed -n 3p
Student: Ada. Sheet 1CRB-KQA6, attn 0.1.0.
! attn: warning: the class secret k can be read by others: chmod 600 k
? 0

$ attn quiz --seed 7 --class-secret tests/data/no-such.key --student Ada
! attn: error: cannot read 'tests/data/no-such.key': No such file or directory
? 66

$ attn quiz --seed 7 --class-secret data/answers-example.json --student Ada
! attn: error: data/answers-example.json: not an attn class secret: line 1 holds 1 characters, not 64 hexadecimal digits
! hint: make one with attn quiz --init-secret FILE
? 65

Grading a class: a folder of answers files, one run. Ada's answers are right; Bob wrote a number
as a string (that question is wrong, the rest graded); Eve copied Ada's sheet id onto her file (a
warning says whose sheet that is); Cy's file is not JSON (reported, left out, exit 65).

$ k=$(mktemp) && cp tests/data/class.key $k && chmod 600 $k && cd "$(mktemp -d)" && mkdir answers && printf '{"student": "Ada Lovelace", "sheet": "3F8T-GKHR", "answers": {"1": -1.583, "2": [-0.1, 1.2]}}' > answers/ada.json && printf '{"student": "Bob", "sheet": "8KX3-D1QN", "answers": {"1": "4", "2": [1.2, 0.5]}}' > answers/bob.json && printf '{"student": "Eve", "sheet": "3F8T-GKHR", "answers": {"1": -1.583, "2": [-0.1, 1.2]}}' > answers/eve.json && printf '{"student": "Cy", "answers": {"1": 1,}}' > answers/cy.json && attn check --seed 7 --count 2 --kinds score,output --class-secret $k --answers answers --gradebook grades.csv; s=$?; cat grades.csv | tr -d '\r'; rm -f $k; exit $s
attn check: 3 students, 2 questions each, tolerance ±0.01

student       sheet      points  %    not right
Ada Lovelace  3F8T-GKHR  2/2     100  -
Bob           8KX3-D1QN  1/2     50   Q1 (malformed)
Eve           TF76-W8R7  0/2     0    Q1, Q2
student,sheet,Q1,Q2,total,max,percent,notes,warnings,file
Ada Lovelace,3F8T-GKHR,1,1,2,2,100,,,answers/ada.json
Bob,8KX3-D1QN,0,1,1,2,50,"Q1: answers.""1"" must be a number, not the string ""4"": write numbers without quotes",,answers/bob.json
Eve,TF76-W8R7,0,0,0,2,0,Q1: wrong | Q2: wrong,"answers/eve.json: the answers name sheet 3F8T-GKHR, but Eve's sheet is TF76-W8R7 | answers/eve.json: 3F8T-GKHR is Ada Lovelace's sheet; graded against Eve's sheet, as labelled",answers/eve.json
! attn: warning: answers/eve.json: the answers name sheet 3F8T-GKHR, but Eve's sheet is TF76-W8R7
! attn: warning: answers/eve.json: 3F8T-GKHR is Ada Lovelace's sheet; graded against Eve's sheet, as labelled
! attn: error: answers/cy.json: malformed JSON at line 1, column 38: syntax error while parsing object key - unexpected '}'; expected string literal
! attn: error: 1 of 4 answers files could not be read as answers
? 65

Answers files are read strictly: a key given twice, an unknown key, or another format version is
exit 65, naming the key.

$ printf '{"answers": {"1": -1.583, "2": [2.5, 0], "1": 7}}' | attn check --seed 7 --count 2 --kinds score,output --answers -
! attn: error: stdin: the key "1" is given twice in "answers"
! hint: give each key once: JSON readers differ in which of the two they keep
? 65

$ printf '{"anwsers": {"1": -1.583}}' | attn check --seed 7 --count 2 --kinds score,output --answers -
! attn: error: stdin: unknown key "anwsers"
! hint: did you mean "answers"? An answers file has the keys "student", "sheet", "seed", "answers" (and "comment")
? 65

$ printf '{"format_version": 99, "answers": {"1": -1.583}}' | attn check --seed 7 --count 2 --kinds score,output --answers -
! attn: error: stdin: "format_version" is 99, but this attn reads version 1
! hint: write "format_version": 1, or leave it out
? 65

Partial credit and points: two of the three weights right earn two thirds of the question's 3 points.

$ printf '{"answers": {"1": [0.348, 0.078, 0.6]}}' | attn check --seed 7 --count 1 --kinds weights --points 3 --partial --answers -
attn check: sheet seed 7, attn 0.1.0
Tolerance: ±0.01 on every number (answers to 3 decimals); -inf must be -inf.

  1. weights  wrong: expected [0.348, 0.078, 0.574], you gave [0.348, 0.078, 0.6]

Total: 0/1 right, 2 of 3 points
! attn: 1 of 1 answers are not right
? 1

The kinds and their variants.

$ attn quiz --list-kinds
Question kinds and their variants: --kinds KIND draws any variant of the kind, --kinds
KIND:VARIANT only that one. Without --kinds a sheet draws score, bias, mask, weights,
output, order and scaling (rope, gradient and analyse only when asked for).

score                one score beta = q.k / sqrt(d_k), d_k of 4, 9 or 16
  score:plain        q.k / sqrt(d_k)
  score:bias         plus a bias b
  score:mask         plus a mask entry M, 0 or -inf

rope                 rotary position embeddings: rotation, relative positions, pairings
  rope:rotate        rotate a 2-d q and k by their angles and compute the score
  rope:shift         which positions give the same score (multiple choice)
  rope:pairing       which dimensions a given formula pairs (multiple choice)

bias                 a positional bias added to one score
  bias:alibi         ALiBi's slope and distance
  bias:relative      a clipped relative-position table

mask                 which matrix is the mask (multiple choice)
  mask:causal        the causal mask, 1 = may attend
  mask:cache         the causal mask of 2 new tokens against a KV cache
  mask:window        a causal sliding window
  mask:prefix        a prefix-LM mask
  mask:padding       a key-padding mask
  mask:apply         which matrix applies the causal mask: 'Score' kept, '-inf' masked

weights              softmax of a row (or rows) of scores
  weights:row        one row of 3 or 4 scores
  weights:masked     one row of 4 with a blocked key
  weights:rows       two rows of 3: softmax runs along each row

output               the output o = sum_j alpha_j v_j
  output:plain       weights in tenths, values in whole numbers

gradient             the backward pass: the gradient through softmax and into q
  gradient:softmax   d(alpha) -> d(beta) for one softmax row of 3 keys
  gradient:masked    d(alpha) -> d(beta) for a row of 4 with a blocked key: which get 0
  gradient:query     dq = c sum_j d(beta)_j k_j for a row of 2 keys

order                put the steps of attention in order
  order:plain        five steps, shuffled

scaling              why scores are divided by sqrt(d_k) (multiple choice)
  scaling:why        why training becomes unstable without the factor
  scaling:variance   the variance of q.k
  scaling:scaled     the variance of q.k / sqrt(d_k)

analyse              free response, marked by hand: a model answer and a rubric in the key
  analyse:instability analyse a training instability from the numbers of attn explain scaling
? 0
