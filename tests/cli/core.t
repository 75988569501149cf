Transcripts of the core pipeline: score, weights and attend through the real binary.
Every number below is worked out by hand in the commentary before its case.

The course's worked example: q·k = 2×1 + 0.5×1 + 1×(−0.5) + (−1.5)×2 = 2 + 0.5 − 0.5 − 3 = −1,
√d_k = √4 = 2, β = −1 / 2 = −0.5.
$ attn score --q 2,0.5,1,-1.5 --k 1,1,-0.5,2 --json
{"d_k":4,"scale":0.5,"scores":[[-0.5]]}
? 0

$ attn score --q 2,0.5,1,-1.5 --k 1,1,-0.5,2
Scores of one query against one key (d_k = 4)

  q = [2, 0.5, 1, -1.5]
  k = [1, 1, -0.5, 2]

Step 1. Dot product, q·k = Σ_t q_t·k_t
  q·k = 2×1 + 0.5×1 + 1×(-0.5) + (-1.5)×2
      = 2 + 0.5 - 0.5 - 3
      = -1

Step 2. Scale by 1/√d_k, with d_k = 4 (the length of each query and key)
  √d_k = √4 = 2
  β = q·k / √d_k = -1 / 2 = -0.5

β = -0.5
? 0

The same vectors as a JSON document on stdin, and spaces instead of commas.
$ echo '{"q": [2, 0.5, 1, -1.5], "k": [1, 1, -0.5, 2]}' | attn score --input - --json
{"d_k":4,"scale":0.5,"scores":[[-0.5]]}
? 0

$ attn score --q "2 0.5 1 -1.5" --k '[1, 1, -0.5, 2]' --json
{"d_k":4,"scale":0.5,"scores":[[-0.5]]}
? 0

Negative numbers right after a flag. q·k = (−1)(−3) + 2(−4) = 3 − 8 = −5; c = −0.5 → β = 2.5.
A negative scale is computed, with a warning.
$ attn score --q -1,2 --k -3,-4 --scale -0.5 --json
{"d_k":2,"scale":-0.5,"scores":[[2.5]]}
! attn: warning: the scale -0.5 is negative: it inverts the attention, so the lowest dot products get the most weight
? 0

--no-scale: c = 1, so β = q·k = 1×3 + 2×4 = 11.
$ attn score --q 1,2 --k 3,4 --no-scale --json
{"d_k":2,"scale":1.0,"scores":[[11.0]]}
? 0

A causal mask over 2 queries and 2 keys, with every dot product 0 (q is zero):
β = [[0, −∞], [0, 0]], so α = [[1, 0], [½, ½]]. 1/√2 = 0.7071067811865475 (nearest double).
Scores piped into weights: the output of `score --json` is valid input.
$ attn score --q "0,0;0,0" --k "1,0;0,1" --mask causal --json
{"d_k":2,"scale":0.7071067811865475,"scores":[[0.0,"-Infinity"],[0.0,0.0]],"mask":[[true,false],[true,true]]}
? 0

$ attn score --q "0,0;0,0" --k "1,0;0,1" --mask causal --json | attn weights --input - --json
{"d_k":2,"scale":0.7071067811865475,"scores":[[0.0,"-Infinity"],[0.0,0.0]],"mask":[[true,false],[true,true]],"weights":[[1.0,0.0],[0.5,0.5]]}
? 0

With values v0 = [2, 4], v1 = [6, 8]: o0 = 1·v0 = [2, 4]; o1 = ½v0 + ½v1 = [4, 6].
$ attn attend --q "0,0;0,0" --k "1,0;0,1" --v "2,4;6,8" --mask causal --json
{"d_k":2,"scale":0.7071067811865475,"scores":[[0.0,"-Infinity"],[0.0,0.0]],"mask":[[true,false],[true,true]],"weights":[[1.0,0.0],[0.5,0.5]],"output":[[2.0,4.0],[4.0,6.0]]}
? 0

Alignment with 2 queries and 3 keys (d_k = 1, all zero). Bottom-right (default): query i sits at
p = i + 1, so row 0 sees keys 0–1 and row 1 sees 0–2. Top-left: p = i, so row 0 sees key 0 only.
$ attn score --q "0;0" --k "0;0;0" --mask causal --json
{"d_k":1,"scale":1.0,"scores":[[0.0,0.0,"-Infinity"],[0.0,0.0,0.0]],"mask":[[true,true,false],[true,true,true]]}
? 0

$ attn score --q "0;0" --k "0;0;0" --mask causal --align top-left --json
{"d_k":1,"scale":1.0,"scores":[[0.0,"-Infinity","-Infinity"],[0.0,0.0,"-Infinity"]],"mask":[[true,false,false],[true,true,false]]}
? 0

Softmax of given scores: β = [0, ln 3] → exp(β − ln 3) = [1/3, 1], sum 4/3, α = [1/4, 3/4].
$ attn weights --scores 0,1.0986122886681098 --json
{"d_k":null,"scale":null,"scores":[[0.0,1.0986122886681098]],"weights":[[0.25,0.75]]}
? 0

A fully blocked row gets zero weights by default and a warning naming it; uniform gives 1/n_k.
$ attn weights --scores "-inf,-inf;1,1" --json
{"d_k":null,"scale":null,"scores":[["-Infinity","-Infinity"],[1.0,1.0]],"weights":[[0.0,0.0],[0.5,0.5]]}
! attn: warning: row 0 has every key blocked: it gets zero weights and output (--empty-rows)
? 0

$ attn weights --scores "-inf,-inf;1,1" --empty-rows uniform -q --json
{"d_k":null,"scale":null,"scores":[["-Infinity","-Infinity"],[1.0,1.0]],"weights":[[0.5,0.5],[0.5,0.5]]}
? 0

$ attn weights --scores "-inf,-inf" --empty-rows nan -q --json
{"d_k":null,"scale":null,"scores":[["-Infinity","-Infinity"]],"weights":[["NaN","NaN"]]}
? 0

Softmax step by step: β = [1, 1] → m = 1, exp(0) = 1 each, sum 2, α = ½ each.
$ attn weights --scores 1,1
Softmax of given scores (1 row of 2)

  β = [1, 1]

Step 1. Softmax, α_j = exp(β_j - m) / Σ_j exp(β_j - m), m = the largest score
  m = max [1, 1] = 1  (subtracted so that no exp can overflow)
  exp(β_0 - m) = exp(1 - 1) = exp(0) = 1
  exp(β_1 - m) = exp(1 - 1) = exp(0) = 1
  sum = 2
  α_0 = 1 / 2 = 0.5
  α_1 = 1 / 2 = 0.5
  check: the row sums to 1

α = [0.5, 0.5]
? 0

Two heads over d_k = 1 each (c = 1): head 0 has q = 1, keys [1], [0] → β = [1, 0];
head 1 has q = 0 → β = [0, 0] → α = [½, ½], o = (20 + 40)/2 = 30.
$ attn attend --q 1,0 --k "1,0;0,1" --v "10,20;30,40" --heads 2 --head 2 --json
{"d_k":1,"scale":1.0,"heads":[{"head":1,"kv_head":1,"scores":[[0.0,0.0]],"weights":[[0.5,0.5]],"output":[[30.0]]}],"output":[[30.0]]}
? 0

The demo needs no input.
$ attn demo | head -3
attn demo: attention, step by step
==================================

? 0

--explain follows one cell through every step. Row 1 of the causal example above: s_10 = 0,
β_11 = 1/√2 = 0.7071 is the row max, exp(0 − 0.7071) = 0.4931, sum 1 + 0.4931 = 1.4931,
α_10 = 0.4931/1.4931 = 0.3302; α_10·v_0 = [0.3302, 0.6605]; o_1 = 0.3302·[1,2] + 0.6698·[3,4]
= [2.3395, 3.3395], so key 0's share is 0.3302/2.3395 = 14.1% and 0.6605/3.3395 = 19.8%.
$ attn attend --q "1,0;0,1" --k "1,0;0,1" --v "1,2;3,4" --mask causal --explain 1,0
Cell (i = 1, j = 0): query 1 against key 0
  dot      s_10 = q_1 · k_0 = 0×1 + 1×0 = 0
  scale    c = 1/√d_k = 1/√2 = 0.7071; c · s_10 = 0.7071 × 0 = 0
  mask     M_10 = 0 (may attend)
           allowed by causal: j = 0 ≤ p = 1
           verdict: allowed (row i = 1 at position p = 1, key j = 0, mask causal)
  score    β_10 = 0
  softmax  m_1 = 0.7071 (the largest unmasked score in row 1)
           exp(β_10 − m_1) = exp(-0.7071) = 0.4931
           row sum Σ_j exp(β_1j − m_1) = 1.4931
  weight   α_10 = 0.4931 / 1.4931 = 0.3302
  output   α_10 · v_0 = 0.3302 × [1, 2] = [0.3302, 0.6605]
           o_1 = [2.3395, 3.3395]; this key's share of each entry: 14.1%, 19.8%
? 0
