attn quiz: seeded exercise sheets. The numbers below were checked by hand:
  1. q·k = 1·1 − 0.5·1 + 1.5·(−0.5) + 1·(−2) + 1·0.5 − 1.5·2 − 0.5·1 − 1·(−0.5) + 0·(−1)
         = 1 − 0.5 − 0.75 − 2 + 0.5 − 3 − 0.5 + 0.5 = −4.75;  −4.75 / √9 = −1.5833
  2. o = 0.5·(3, −2) + 0.5·(2, 2) = (2.5, 0)

$ attn quiz --seed 7 --count 2 --kinds score,output
Attention exercises
===================
Seed 7, attn 0.1.0. A practice sheet: anyone can print its key.
Regenerate with: attn quiz --seed 7 --count 2 --kinds score,output

Give numbers to 3 decimals; row i of a matrix is query i, column j is key j.

1. [score] Compute the score β = q · k / √d_k for the vectors below, with d_k = 9. Give β to 3 decimals.
   q = [1, -0.5, 1.5, 1, 1, -1.5, -0.5, -1, 0]
   k = [1, 1, -0.5, -2, 0.5, 2, 1, -0.5, -1]

2. [output] The attention weights of one query are α and the value vectors v_j are the rows of V. Compute the output o = Σ_j α_j v_j, each entry to 3 decimals.
   α = [0.5, 0.5]
   V =
     3  -2
     2   2

Answer key
==========
Seed 7, attn 0.1.0. A practice sheet: anyone can print its key.
Regenerate with: attn quiz --seed 7 --count 2 --kinds score,output

1. Answer: β = -1.583
     q · k = 1 × 1 + (-0.5) × 1 + 1.5 × (-0.5) + 1 × (-2) + 1 × 0.5 + (-1.5) × 2 + (-0.5) × 1 + (-1) × (-0.5) + 0 × (-1) = -4.75
     √d_k = √9 = 3, so q · k / √d_k = -4.75 / 3 = -1.5833
     β = -1.583

2. Answer: o = (2.5, 0)
     o_1 = 0.5 × 3 + 0.5 × 2 = 2.5
     o_2 = 0.5 × (-2) + 0.5 × 2 = 0
     o = (2.5, 0)
? 0

The same seed gives a byte-identical sheet and key, in every format.

$ for f in text markdown latex json; do attn quiz --seed 7 --count 14 --format $f > /tmp/attn-quiz-t-1.$f; attn quiz --seed 7 --count 14 --format $f | cmp -s - /tmp/attn-quiz-t-1.$f && echo "$f identical"; rm -f /tmp/attn-quiz-t-1.$f; done
text identical
markdown identical
latex identical
json identical
? 0

Two students, one class seed: different numbers.

$ test "$(attn quiz --seed 7 --student Ada --key none)" != "$(attn quiz --seed 7 --student Bob --key none)" && echo different
different
? 0

$ attn quiz --seed 7 --student Ada --key none | sed -n 3,4p
Student: Ada. Class seed 7, sheet seed 761409367651234, attn 0.1.0. A practice sheet: anyone can print its key.
Regenerate with: attn quiz --seed 7 --count 6 --student Ada --practice
? 0

attn check: the example answers hold three classic mistakes (see data/exercises/README.md).
Q1: q·k = −1.5·1 − 0.5·1 − 1·(−0.5) + 0 = −1.5, and −1.5 / √4 = −0.75; −1.5 is the unscaled value.
Q3: prefix:2 on 4 tokens is rows 1100, 1100, 1110, 1111 (A); D is its transpose, 1111, 1111, 0011, 0001.
Q6: the mask goes on before softmax.

$ attn check --quiz data/quiz-example.json --answers data/answers-example.json
attn check: sheet seed 7 (student Example), attn 0.1.0
Tolerance: ±0.01 on every number (answers to 3 decimals); -inf must be -inf.

  1. score    wrong: expected -0.75, you gave -1.5
               you did not divide by √d_k = 2: your value is exactly 2× the answer
  2. bias     right: 0
  3. mask     wrong: expected A, you gave D
               (D): transposed: row i is the query and column j the key; this matrix swaps them
  4. weights  right: [0, 0.164, 0.736, 0.1]
  5. output   right: [1.5, -0.8]
  6. order    wrong: expected CADBE, you gave CABDE
               "add the mask M_ij (0 where allowed, -∞ where blocked)" must come before "take the softmax of each row, over the keys": the mask must be added before softmax, so that a blocked key gets exp(-∞) = 0; masking the weights afterwards leaves rows that no longer sum to 1
  7. scaling  right: D

Total: 4/7 right
! attn: 3 of 7 answers are not right
? 1

All right: exit 0. The quiz is regenerated from its seed.

$ printf '{"answers": {"1": -1.583, "2": [2.5, 0]}}' | attn check --seed 7 --count 2 --kinds score,output --answers -
attn check: sheet seed 7, attn 0.1.0
Tolerance: ±0.01 on every number (answers to 3 decimals); -inf must be -inf.

  1. score    right: -1.583
  2. output   right: [2.5, 0]

Total: 2/2 right
? 0

A question left out counts as wrong.

$ printf '{"answers": {"2": [2.5, 0]}}' | attn check --seed 7 --count 2 --kinds score,output --answers -
attn check: sheet seed 7, attn 0.1.0
Tolerance: ±0.01 on every number (answers to 3 decimals); -inf must be -inf.

  1. score    no answer: expected -1.583
  2. output   right: [2.5, 0]

Total: 1/2 right
! attn: 1 of 2 answers are not right
? 1

A file that is not an answers file: exit 65, with the JSON position or the key.

$ printf '{"answers": {"1": -1.583,}}' | attn check --seed 7 --count 2 --kinds score,output --answers -
! attn: error: stdin: malformed JSON at line 1, column 26: syntax error while parsing object key - unexpected '}'; expected string literal
? 65

$ printf '{"student": "Ada"}' | attn check --seed 7 --answers -
! attn: error: stdin: missing key "answers"
! hint: write {"answers": {"1": -0.5, "2": [0.09, 0.245, 0.665], "3": "B"}}; see data/answers-example.json
? 65

A malformed answer marks its question wrong, with the reason; the others are graded.

$ printf '{"answers": {"1": "B", "2": [2.5, 0]}}' | attn check --seed 7 --count 2 --kinds score,output --answers -
attn check: sheet seed 7, attn 0.1.0
Tolerance: ±0.01 on every number (answers to 3 decimals); -inf must be -inf.

  1. score    wrong: expected -1.583, you gave "B"
               answers."1" must be a number, an array of numbers or "-inf", not "B"
  2. output   right: [2.5, 0]

Total: 1/2 right
! attn: 1 of 2 answers are not right
? 1

$ printf '{"answers": {"1": "-1.583", "2": [2.5, 0]}}' | attn check --seed 7 --count 2 --kinds score,output --answers -
attn check: sheet seed 7, attn 0.1.0
Tolerance: ±0.01 on every number (answers to 3 decimals); -inf must be -inf.

  1. score    wrong: expected -1.583, you gave "-1.583"
               answers."1" must be a number, not the string "-1.583": write numbers without quotes
  2. output   right: [2.5, 0]

Total: 1/2 right
! attn: 1 of 2 answers are not right
? 1

$ printf '{"answers": {"9": 1}}' | attn check --seed 7 --count 2 --answers -
! attn: error: stdin: answers has the key "9", but the keys must be question numbers from 1 to 2
? 65

Answers labelled with another sheet's seed are graded against the sheet asked for, with a warning.

$ printf '{"seed": 8, "answers": {"1": -1.583, "2": [2.5, 0]}}' | attn check --seed 7 --count 2 --kinds score,output --answers -
attn check: sheet seed 7, attn 0.1.0
Tolerance: ±0.01 on every number (answers to 3 decimals); -inf must be -inf.

  1. score    right: -1.583
  2. output   right: [2.5, 0]

Total: 2/2 right
! attn: warning: stdin: "seed" is 8, but the sheet's seed is 7: are these answers for another sheet?
? 0

$ attn check --quiz missing.json --answers data/answers-example.json
! attn: error: cannot read 'missing.json': No such file or directory
? 66

Usage errors: exit 2.

$ attn quiz
! attn: error: --seed is required
! hint: run 'attn quiz --help'
? 2

$ attn quiz --seed 7 --kinds score,wieghts
! attn: error: --kinds: unknown kind 'wieghts'
! hint: did you mean 'weights'?
? 2

$ attn quiz --seed 7 --format pdf
! attn: error: --format must be text, markdown, latex, json, moodle or gift, not 'pdf'
! hint: run 'attn quiz --help'
? 2

$ attn quiz --seed 7 --count 0
! attn: error: --count must be from 1 to 200, not 0
! hint: run 'attn quiz --help'
? 2

$ attn check --answers data/answers-example.json
! attn: error: give the quiz: --quiz FILE, or --seed S (with the sheet's --count, --kinds and --student)
? 2

$ attn check --quiz data/quiz-example.json --seed 7 --answers data/answers-example.json
! attn: error: --quiz and --seed cannot be given together
! hint: give --quiz or --seed, not both
? 2
