Worked solutions whose every number is checked here by hand: fewer or more queries than keys
under a mask, several heads with ALiBi and grouped-query heads, and --explain with a softcap.

Two queries, three keys, causal, bottom-right: query i sits at p = i + (3 − 2) = i + 1, so row 0
(p = 1) sees keys 0 and 1 and row 1 (p = 2) sees all three. With every score 0, α₀ = [½, ½, 0]
and α₁ = [⅓, ⅓, ⅓].
$ attn weights --scores "0,0,0;0,0,0" --mask causal
Softmax of given scores (2 rows of 3)

  β =
        k0  k1  k2
    q0   0   0   0
    q1   0   0   0

Step 1. Mask: causal, β = … + M (0 = may attend, -inf = blocked)
  bottom-right alignment: query i sits at position p = i + 1 (the 2 queries are the last 2 positions)
  M =
        k0  k1    k2
    q0   0   0  -inf
    q1   0   0     0
  β =
        k0  k1    k2
    q0   0   0  -inf
    q1   0   0     0

Step 2. Softmax over each row, α[i,j] = exp(β[i,j] - m_i) / Σ_j exp(β[i,j] - m_i)
  row 0:
    m_0 = max [0, 0, -inf] = 0  (subtracted so that no exp can overflow)
    exp(β[0,0] - m_0) = exp(0 - 0) = exp(0) = 1
    exp(β[0,1] - m_0) = exp(0 - 0) = exp(0) = 1
    exp(β[0,2] - m_0) = exp(-inf) = 0  (blocked)
    sum = 2
    α[0,0] = 1 / 2 = 0.5
    α[0,1] = 1 / 2 = 0.5
    check: the row sums to 1
  row 1:
    m_1 = max [0, 0, 0] = 0  (subtracted so that no exp can overflow)
    exp(β[1,0] - m_1) = exp(0 - 0) = exp(0) = 1
    exp(β[1,1] - m_1) = exp(0 - 0) = exp(0) = 1
    exp(β[1,2] - m_1) = exp(0 - 0) = exp(0) = 1
    sum = 3
    α[1,0] = 1 / 3 = 0.3333
    α[1,1] = 1 / 3 = 0.3333
    α[1,2] = 1 / 3 = 0.3333
    check: the row sums to 1
  α =
            k0      k1      k2
    q0  0.5000  0.5000  0.0000
    q1  0.3333  0.3333  0.3333

α =
          k0      k1      k2
  q0  0.5000  0.5000  0.0000
  q1  0.3333  0.3333  0.3333
? 0

The same with --align top-left: p = i, so row 0 sees key 0 alone (α = 1) and row 1 keys 0, 1.
$ attn weights --scores "0,0,0;0,0,0" --mask causal --align top-left --json
{"d_k":null,"scale":null,"scores":[[0.0,"-Infinity","-Infinity"],[0.0,0.0,"-Infinity"]],"mask":[[true,false,false],[true,true,false]],"weights":[[1.0,0.0,0.0],[0.5,0.5,0.0]]}
? 0

Three queries, two keys, causal, bottom-right: p = i + (2 − 3) = i − 1. Row 0 sits at p = −1 and
sees nothing (zero weights and output, with a warning); row 1 (p = 0) sees key 0: o₁ = v₀ = 1;
row 2 (p = 1) sees both: o₂ = ½·1 + ½·3 = 2.
$ attn attend --q "0;0;0" --k "0;0" --v "1;3" --mask causal
Attention output of 3 queries against 2 keys (d_k = 1)

  q =
        0
    q0  0
    q1  0
    q2  0
  k =
        0
    k0  0
    k1  0
  v =
        0
    v0  1
    v1  3

Step 1. Dot products, s[i,j] = q_i·k_j   (3×1)·(2×1)ᵀ → 3×2
  s[0,0] = q0·k0 = 0×0 = 0
  s[0,1] = q0·k1 = 0×0 = 0
  s[1,0] = q1·k0 = 0×0 = 0
  s[1,1] = q1·k1 = 0×0 = 0
  s[2,0] = q2·k0 = 0×0 = 0
  s[2,1] = q2·k1 = 0×0 = 0
  s =
        k0  k1
    q0   0   0
    q1   0   0
    q2   0   0

Step 2. Scale by 1/√d_k, with d_k = 1 (the length of each query and key)
  √d_k = √1 = 1
  s / √d_k =
        k0  k1
    q0   0   0
    q1   0   0
    q2   0   0

Step 3. Mask: causal, β = … + M (0 = may attend, -inf = blocked)
  bottom-right alignment: query i sits at position p = i - 1
  the first row sits at a negative position
  M =
          k0    k1
    q0  -inf  -inf
    q1     0  -inf
    q2     0     0
  β =
          k0    k1
    q0  -inf  -inf
    q1     0  -inf
    q2     0     0

Step 4. Softmax over each row, α[i,j] = exp(β[i,j] - m_i) / Σ_j exp(β[i,j] - m_i)
  row 0:
    every key is blocked: softmax is undefined, the row gets 0
  row 1:
    m_1 = max [0, -inf] = 0  (subtracted so that no exp can overflow)
    exp(β[1,0] - m_1) = exp(0 - 0) = exp(0) = 1
    exp(β[1,1] - m_1) = exp(-inf) = 0  (blocked)
    sum = 1
    α[1,0] = 1 / 1 = 1
    check: the row sums to 1
  row 2:
    m_2 = max [0, 0] = 0  (subtracted so that no exp can overflow)
    exp(β[2,0] - m_2) = exp(0 - 0) = exp(0) = 1
    exp(β[2,1] - m_2) = exp(0 - 0) = exp(0) = 1
    sum = 2
    α[2,0] = 1 / 2 = 0.5
    α[2,1] = 1 / 2 = 0.5
    check: the row sums to 1
  α =
         k0   k1
    q0  0.0  0.0
    q1  1.0  0.0
    q2  0.5  0.5

Step 5. Output, o_i = Σ_j α[i,j]·v_j   (3×2)·(2×1) → 3×1
  o_0 = 0
      = [0]
  o_1 = 1×[1]
      = [1]
  o_2 = 0.5×[1] + 0.5×[3]
      = [2]

o =
  q0  0
  q1  1
  q2  2
! attn: warning: row 0 has every key blocked: it gets zero weights and output (--empty-rows)
? 0

Two heads, each its own ALiBi slope (BLOOM: 2 heads → 2^(−8·1/2) = 1/16 and 2^(−8·2/2) = 1/256),
b_ij = m·(j − p). q = k = 0, so β = b under the causal mask. Row 1 (p = 1): b = [−m, 0], so
α₁₀ = 1/(1 + e^m): head 1 1/(1 + e^0.0625) = 0.48438, head 2 1/(1 + e^0.00390625) = 0.49902.
With both heads reading one kv head (--kv-heads 1), v = [1; 3] is shared:
o₁ = α₁₀·1 + α₁₁·3 = 3 − 2·α₁₀: head 1 2.03124, head 2 2.00195; row 0 sees key 0 only: o₀ = 1.
$ attn attend --q "0,0;0,0" --k "0;0" --v "1;3" --heads 2 --kv-heads 1 --bias alibi --mask causal --json
{"d_k":1,"scale":1.0,"heads":[{"head":0,"kv_head":0,"scores":[[0.0,"-Infinity"],[-0.0625,0.0]],"mask":[[true,false],[true,true]],"weights":[[1.0,0.0],[0.48438008427698437,0.5156199157230156]],"output":[[1.0],[2.031239831446031]]},{"head":1,"kv_head":0,"scores":[[0.0,"-Infinity"],[-0.00390625,0.0]],"mask":[[true,false],[true,true]],"weights":[[1.0,0.0],[0.4990234387417615,0.5009765612582384]],"output":[[1.0],[2.001953122516477]]}],"output":[[1.0,1.0],[2.031239831446031,2.001953122516477]]}
? 0

--explain through a softcap: q = 2, k = [2; 0], b = [0, 3], C = 1, d_k = 1. Cell (0, 1):
s = 2×0 = 0, c·s = 0, + b = 3, C·tanh(3/1) = 0.99505; cell (0, 0): 4 → tanh(4) = 0.99933, the
row max. exp(0.9950548 − 0.9993293) = exp(−0.0042745) = 0.99573; the sum 1 + 0.99573 = 1.99573;
α₀₁ = 0.99573/1.99573 = 0.49893; v₁ = 0, so its share of o₀ is 0.
$ attn attend --q 2 --k "2;0" --v "1;0" --bias "[[0,3]]" --softcap 1 --explain 0,1 --digits 5
Cell (i = 0, j = 1): query 0 against key 1
  dot      s_01 = q_0 · k_1 = 2×0 = 0
  scale    c = 1/√d_k = 1/√1 = 1; c · s_01 = 1 × 0 = 0
  bias     b_01 = 3; 0 + 3 = 3
  softcap  C·tanh(x/C) with C = 1: 1·tanh(3/1) = 0.99505
  score    β_01 = 0.99505
  softmax  m_0 = 0.99933 (the largest unmasked score in row 0)
           exp(β_01 − m_0) = exp(-0.00427) = 0.99573
           row sum Σ_j exp(β_0j − m_0) = 1.99573
  weight   α_01 = 0.99573 / 1.99573 = 0.49893
  output   α_01 · v_1 = 0.49893 × [0] = [0]
           o_0 = [0.50107]; this key's share of each entry: 0%
? 0


Four queries, one key, causal, bottom-right: p = i + (1 − 4) = i − 3, so rows 0, 1 and 2 sit at the
negative positions −3, −2 and −1 and see nothing (zero weights, a warning each); row 3 (p = 0) sees
key 0 alone: α₃ = [1].
$ attn weights --q "0;0;0;0" --k "0" --mask causal
Attention weights of 4 queries against 1 key (d_k = 1)

  q =
        0
    q0  0
    q1  0
    q2  0
    q3  0
  k = 0

Step 1. Dot products, s[i,j] = q_i·k_j   (4×1)·(1×1)ᵀ → 4×1
  s[0,0] = q0·k0 = 0×0 = 0
  s[1,0] = q1·k0 = 0×0 = 0
  s[2,0] = q2·k0 = 0×0 = 0
  s[3,0] = q3·k0 = 0×0 = 0
  s =
        k0
    q0   0
    q1   0
    q2   0
    q3   0

Step 2. Scale by 1/√d_k, with d_k = 1 (the length of each query and key)
  √d_k = √1 = 1
  s / √d_k =
        k0
    q0   0
    q1   0
    q2   0
    q3   0

Step 3. Mask: causal, β = … + M (0 = may attend, -inf = blocked)
  bottom-right alignment: query i sits at position p = i - 3
  the first 3 rows sit at negative positions
  M =
          k0
    q0  -inf
    q1  -inf
    q2  -inf
    q3     0
  β =
          k0
    q0  -inf
    q1  -inf
    q2  -inf
    q3     0

Step 4. Softmax over each row, α[i,j] = exp(β[i,j] - m_i) / Σ_j exp(β[i,j] - m_i)
  row 0:
    every key is blocked: softmax is undefined, the row gets 0
  row 1:
    every key is blocked: softmax is undefined, the row gets 0
  row 2:
    every key is blocked: softmax is undefined, the row gets 0
  row 3:
    m_3 = max [0] = 0  (subtracted so that no exp can overflow)
    exp(β[3,0] - m_3) = exp(0 - 0) = exp(0) = 1
    sum = 1
    α[3,0] = 1 / 1 = 1
    check: the row sums to 1
  α =
        k0
    q0   0
    q1   0
    q2   0
    q3   1

α =
      k0
  q0   0
  q1   0
  q2   0
  q3   1
! attn: warning: row 0 has every key blocked: it gets zero weights and output (--empty-rows)
! attn: warning: row 1 has every key blocked: it gets zero weights and output (--empty-rows)
! attn: warning: row 2 has every key blocked: it gets zero weights and output (--empty-rows)
? 0
