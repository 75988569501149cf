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

The gradient and rope kinds. Checked by hand:
  1. s = q'·k' = q · R(n − m) k with R(−3) k = (−1.5 sin(−3), 1.5 cos(−3)) = (0.21168, −1.48499):
     s = −1 × 0.21168 − 0.5 × (−1.48499) = −0.21168 + 0.74250 = 0.53082
  2. D = 0.6 × 0 + 0.1 × (−1) + 0.3 × 2 = 0.5; dβ = (0.6 × (−0.5), 0.1 × (−1.5), 0.3 × 1.5, 0)
     = (−0.3, −0.15, 0.45, 0)

$ attn quiz --seed 4 --count 2 --kinds gradient:masked,rope:rotate --same-structure
Attention exercises
===================
Seed 4, attn 0.1.0. A practice sheet: anyone can print its key.
Regenerate with: attn quiz --seed 4 --count 2 --kinds gradient:masked,rope:rotate --same-structure

Give numbers to 3 decimals; row i of a matrix is query i, column j is key j.

1. [rope] Rotary position embedding (RoPE) with d = 2 rotates the one pair of dimensions of a vector at position p by the angle pθ, with θ = 10000^0 = 1 radian per position: (x_1, x_2) ↦ (x_1 cos pθ - x_2 sin pθ, x_1 sin pθ + x_2 cos pθ). The query q is at position m = 4 and the key k at position n = 1. Rotate both and compute their score s = q' · k' (without 1/√d_k). Give s to 3 decimals.
   q = [-1, -0.5]
   k = [0, 1.5]

2. [gradient] One query's softmax row over 4 keys has the weights α; the key with M = -∞ is blocked. The backward pass brings dα = ∂ L / ∂ α for every key. Compute dβ = ∂ L / ∂ β: dβ_j = α_j (dα_j - D) with D = Σ_l α_l dα_l. Which entries get no gradient? Give each entry to 3 decimals.
   α = [0.6, 0.1, 0.3, 0]
   M = [0, 0, 0, -inf]
   dα = [0, -1, 2, 0]

Answer key
==========
Seed 4, attn 0.1.0. A practice sheet: anyone can print its key.
Regenerate with: attn quiz --seed 4 --count 2 --kinds gradient:masked,rope:rotate --same-structure

1. Answer: s = 0.531
     mθ = 4: cos 4 = -0.6536, sin 4 = -0.7568, so q' = ((-1) × (-0.6536) - (-0.5) × (-0.7568), (-1) × (-0.7568) + (-0.5) × (-0.6536)) = (0.2752, 1.0836)
     nθ = 1: cos 1 = 0.5403, sin 1 = 0.8415, so k' = (0 × 0.5403 - 1.5 × 0.8415, 0 × 0.8415 + 1.5 × 0.5403) = (-1.2622, 0.8105)
     s = q' · k' = 0.2752 × (-1.2622) + 1.0836 × 0.8105 = 0.531
     the score depends on m - n = 3 only: rotating q alone by (m - n)θ gives the same s

2. Answer: dβ = (-0.3, -0.15, 0.45, 0)
     D = Σ_l α_l dα_l = 0.6 × 0 + 0.1 × (-1) + 0.3 × 2 + 0 × 0 = 0.5
     dβ_1 = α_1 (dα_1 - D) = 0.6 × (0 - 0.5) = -0.3
     dβ_2 = α_2 (dα_2 - D) = 0.1 × (-1 - 0.5) = -0.15
     dβ_3 = α_3 (dα_3 - D) = 0.3 × (2 - 0.5) = 0.45
     key 4 is blocked: α_4 = 0, so dβ_4 = 0 whatever dα_4 is; a blocked score never reaches the output, and this query sends no gradient to its k or v
     dβ = (-0.3, -0.15, 0.45, 0) (its entries sum to 0, as every dβ row does)
? 0

Each answered with a named mistake: the angles in degrees (R(−3°) k = (0.07850, 1.49795),
s = −0.07850 − 0.74897 = −0.82748) and the blocked key given dα_4 − D = 0 − 0.5.

$ printf '{"answers": {"1": -0.827, "2": [-0.3, -0.15, 0.45, -0.5]}}' | attn check --seed 4 --count 2 --kinds gradient:masked,rope:rotate --same-structure --answers -
attn check: sheet seed 4, attn 0.1.0
Tolerance: ±0.01 on every number (answers to 3 decimals); -inf must be -inf.

  1. rope     wrong: expected 0.531, you gave -0.827
               you took the angles in degrees: RoPE's angles are radians (mθ = 4 rad, cos 4 = -0.6536)
  2. gradient wrong: expected [-0.3, -0.15, 0.45, 0], you gave [-0.3, -0.15, 0.45, -0.5]
               you let gradient flow into the blocked key: its weight is α_j = 0, so dβ_j = α_j (dα_j - D) = 0; a blocked score never reaches the output, and this query sends no gradient to its k_j or v_j

Total: 0/2 right
! attn: 2 of 2 answers are not right
? 1
