ALiBi with 8 heads: slopes 2^−1 … 2^−8, and head 1's matrix b_ij = m·(j − p) with m = 1/2.

$ attn bias alibi --n 4
alibi, 8 heads — 4×4
slopes m_h (Press et al.; BLOOM's build_alibi_tensor):
  head 1: 0.5
  head 2: 0.25
  head 3: 0.125
  head 4: 0.0625
  head 5: 0.0312
  head 6: 0.0156
  head 7: 0.0078
  head 8: 0.0039
b_ij = m·(j − p) for head 1 of 8, m = 0.5 (the default; --head h shows another)
        k0    k1    k2   k3
  q0   0.0   0.5   1.0  1.5
  q1  -0.5   0.0   0.5  1.0
  q2  -1.0  -0.5   0.0  0.5
  q3  -1.5  -1.0  -0.5  0.0
? 0

12 heads: c = 8, so heads 9–12 get 2^−0.5, 2^−1.5, 2^−2.5, 2^−3.5.

$ attn bias alibi --n 3 --heads 12 --head 9
alibi, 12 heads — 3×3
slopes m_h (Press et al.; BLOOM's build_alibi_tensor):
  head  1: 0.5
  head  2: 0.25
  head  3: 0.125
  head  4: 0.0625
  head  5: 0.0312
  head  6: 0.0156
  head  7: 0.0078
  head  8: 0.0039
  head  9: 0.7071
  head 10: 0.3536
  head 11: 0.1768
  head 12: 0.0884
b_ij = m·(j − p) for head 9 of 12, m = 0.7071
           k0       k1      k2
  q0   0.0000   0.7071  1.4142
  q1  -0.7071   0.0000  0.7071
  q2  -1.4142  -0.7071  0.0000
? 0

Bottom-right, p = i + 1.

$ attn bias alibi:0.5 --n 3 --m 4
alibi, slope m = 0.5 — 3×4, bottom-right: query i sits at position p = i + 1
b_ij = m·(j − p)
        k0    k1    k2   k3
  q0  -0.5   0.0   0.5  1.0
  q1  -1.0  -0.5   0.0  0.5
  q2  -1.5  -1.0  -0.5  0.0
? 0

Symmetric ALiBi, flash-attn's form: b_ij = −m·|p − j|. With one head m = 2^−8 = 0.0039: plain
ALiBi gives b_01 = +m (a key after the query is pushed up), the symmetric form −m; the two agree on
keys at or before the query, so under a causal mask.

$ attn bias alibi --n 2 --heads 1
alibi, 1 head — 2×2
slopes m_h (Press et al.; BLOOM's build_alibi_tensor):
  head 1: 0.0039
b_ij = m·(j − p) for head 1 of 1, m = 0.0039 (the default; --head h shows another)
           k0      k1
  q0   0.0000  0.0039
  q1  -0.0039  0.0000
? 0

$ attn bias alibi:symmetric --n 2 --heads 1
alibi:symmetric, 1 head — 2×2
slopes m_h (Press et al.; BLOOM's build_alibi_tensor):
  head 1: 0.0039
b_ij = −m·|p − j| for head 1 of 1, m = 0.0039 (the default; --head h shows another)
           k0       k1
  q0   0.0000  -0.0039
  q1  -0.0039   0.0000
? 0

Bottom-right, p = 1, 2: row 0 is −½·|1 − j| = −½, 0, −½.

$ attn bias alibi:symmetric:0.5 --n 2 --m 3 --json
{"kind":"alibi","symmetric":true,"align":"bottom-right","slope":0.5,"bias":[[-0.5,0.0,-0.5],[-1.0,-0.5,0.0]]}
? 0

On the scores: with q = 0 every score is 0, so the weights are softmax(b). Row 0 (p = 0) sees
b = [0, −m, −2m] with m = ½: α = [1, e^−½, e^−1] / (1 + 0.60653 + 0.36788) = [0.50648, 0.30720, 0.18632].

$ attn weights --q "0;0;0" --k "0;0;0" --bias alibi:symmetric:0.5 --json
{"d_k":1,"scale":1.0,"scores":[[0.0,-0.5,-1.0],[-0.5,0.0,-0.5],[-1.0,-0.5,0.0]],"weights":[[0.506480391055654,0.3071958857184984,0.1863237232258476],[0.274068619061197,0.45186276187760605,0.274068619061197],[0.1863237232258476,0.3071958857184984,0.506480391055654]]}
? 0

Bidirectional buckets, p = i + 2: r = −2, −1, 0 are buckets 2, 1, 0; r = 1, 2 are 16 + 1, 16 + 2.

$ attn bias t5 --n 3 --m 5
t5 buckets (bidirectional, 32 buckets, max_distance 128) — 3×5, bottom-right: query i sits at position p = i + 2
bucket of r = j − p
      k0  k1  k2  k3  k4
  q0   2   1   0  17  18
  q1   3   2   1   0  17
  q2   4   3   2   1   0
? 0

Causal buckets: n = max(p − j, 0), and every key after the query shares bucket 0. With the
table 0, 1, …, 31 each bucket's value is its number.

$ echo "[$(seq -s, 0 31)]" | attn bias t5:causal --n 3 --table -
t5 buckets (causal, 32 buckets, max_distance 128) — 3×3
bucket of r = j − p
      k0  k1  k2
  q0   0   0   0
  q1   1   0   0
  q2   2   1   0

b_ij = table[bucket]
      k0  k1  k2
  q0   0   0   0
  q1   1   0   0
  q2   2   1   0
? 0

$ attn bias t5:causal --n 2 --json
{"kind":"t5","align":"bottom-right","bidirectional":false,"num_buckets":32,"max_distance":128,"buckets":[[0,0],[1,0]]}
? 0

Clipped relative positions, K = 1: table[clamp(j − p, −1, 1) + 1].

$ attn bias relative:-1,0,1 --n 3 --json
{"kind":"relative","align":"bottom-right","max_distance":1,"table":[-1.0,0.0,1.0],"bias":[[0.0,1.0,1.0],[-1.0,0.0,1.0],[-1.0,-1.0,0.0]]}
? 0

Errors.

$ attn bias alibu --n 3
! attn: error: bias: unknown kind 'alibu' at column 1
! hint: did you mean 'alibi'?
? 2

$ attn bias alibi:symetric --n 3
! attn: error: bias: unknown alibi form 'symetric' at column 7
! hint: did you mean 'symmetric'?
? 2

$ attn bias alibi --n 3 --head 9
! attn: error: --head 9 is not one of the 8 heads
! hint: heads are numbered 1 to 8
? 2

$ attn bias t5 --n 3 --heads 4
! attn: error: --heads and --head apply to alibi, not t5
? 2

$ attn bias alibi --n 0
! attn: error: --n must be from 1 to 1000000, not 0
! hint: run 'attn bias --help'
? 2

$ attn bias t5 --n 2 --table missing.json
! attn: error: cannot read 'missing.json': No such file or directory
? 66

$ echo '[1,2]' | attn bias t5 --n 2 --table -
! attn: error: t5: the bias table has 2 values but there are 32 buckets
? 65

$ attn bias alibi --n 2 --json --heads 0
! {"error":{"code":2,"message":"--heads must be from 1 to 4096, not 0","hint":"run 'attn bias --help'"}}
? 2

ALiBi in other libraries: --as LIB. flash-attn's alibi_slopes adds −m·|p − j|, so attn's plain
ALiBi needs a float mask there; the two agree on keys j ≤ p (b_10 = −m in both), not on b_01.

$ attn bias alibi --n 2 --heads 1 --as flash-attn
alibi, 1 head — 2×2
slopes m_h (Press et al.; BLOOM's build_alibi_tensor):
  head 1: 0.0039
b_ij = m·(j − p) for head 1 of 1, m = 0.0039 (the default; --head h shows another)
           k0      k1
  q0   0.0000  0.0039
  q1  -0.0039  0.0000

flash-attn (flash_attn_func, alibi_slopes)
    L, S = 2, 2  # queries, keys
    slopes = torch.tensor([0.00390625])[:, None, None]  # (H, 1, 1): m_h, head 1 first
    i = torch.arange(L)[:, None]  # query rows
    p = i  # query positions
    j = torch.arange(S)[None, :]  # key positions
    bias = slopes * (j - p)  # (H, L, S): b_ij = m·(j − p)
    # flash_attn_func takes no bias tensor: add this bias through SDPA instead
    F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
  ✓ gives attn's bias, as an explicit tensor (no native form)
  note: flash-attn's ALiBi is symmetric, −m·|p − j|: it agrees with attn's m·(j − p) on keys j ≤ p, so with causal=True the two give the same attention; attn's --bias alibi:symmetric is flash-attn's form
  ✗ careful: the library's own ALiBi gives a different bias:
    alibi_slopes = torch.tensor([0.00390625], dtype=torch.float32)  # one slope per head
    flash_attn_func(q, k, v, alibi_slopes=alibi_slopes)  # adds −m·|i + S − L − j|
    it adds:
             k0       k1
    q0   0.0000  -0.0039
    q1  -0.0039   0.0000
? 0

alibi:symmetric is flash-attn's own form.

$ attn bias alibi:symmetric --n 2 --heads 1 --as flash-attn
alibi:symmetric, 1 head — 2×2
slopes m_h (Press et al.; BLOOM's build_alibi_tensor):
  head 1: 0.0039
b_ij = −m·|p − j| for head 1 of 1, m = 0.0039 (the default; --head h shows another)
           k0       k1
  q0   0.0000  -0.0039
  q1  -0.0039   0.0000

flash-attn (flash_attn_func, alibi_slopes)
    alibi_slopes = torch.tensor([0.00390625], dtype=torch.float32)  # one slope per head
    flash_attn_func(q, k, v, alibi_slopes=alibi_slopes)  # adds −m·|i + S − L − j|
  ✓ gives attn's bias
? 0

attention-gym's generate_alibi_bias(H) uses 2^(−8(h+1)/H): for 3 heads 2^(−8/3) = 0.1575,
2^(−16/3) = 0.0248, 2^−8 = 0.0039, where BLOOM's (and attn's) are 2^−4, 2^−8, 2^−2.

$ attn bias alibi --n 2 --heads 3 --as flex
alibi, 3 heads — 2×2
slopes m_h (Press et al.; BLOOM's build_alibi_tensor):
  head 1: 0.0625
  head 2: 0.0039
  head 3: 0.25
b_ij = m·(j − p) for head 1 of 3, m = 0.0625 (the default; --head h shows another)
           k0      k1
  q0   0.0000  0.0625
  q1  -0.0625  0.0000

FlexAttention / attention-gym (score_mod)
    L, S = 2, 2  # queries, keys
    slopes = torch.tensor([0.0625, 0.00390625, 0.25])  # m_h, head 1 first
    def score_mod(score, b, h, q_idx, kv_idx):
        i, j = q_idx, kv_idx
        p = i  # query positions
        return score + slopes[h] * (j - p)
    flex_attention(q, k, v, score_mod=score_mod)
  ✓ gives attn's bias
  note: attention-gym's slopes are 2^(−8(h+1)/H): 0.1575, 0.0248, 0.003906 for 3 heads; attn's, BLOOM's, are 0.0625, 0.003906, 0.25; they agree only when H is a power of two
  ✗ careful: the library's own ALiBi gives a different bias:
    score_mod = attn_gym.mods.generate_alibi_bias(3)  # (kv_idx - q_idx) * 2^(-8(h+1)/3)
    flex_attention(q, k, v, score_mod=score_mod)
    it adds:
             k0      k1
    q0   0.0000  0.1575
    q1  -0.1575  0.0000
? 0

With 8 heads the slopes agree, and attention-gym's q_idx = i differs from p = i + 2 by the same
amount in every row: ½·(j − i) − ½·(j − i − 2) = 1, which softmax cancels.

$ attn bias alibi --n 2 --m 4 --heads 8 --as flex
alibi, 8 heads — 2×4, bottom-right: query i sits at position p = i + 2
slopes m_h (Press et al.; BLOOM's build_alibi_tensor):
  head 1: 0.5
  head 2: 0.25
  head 3: 0.125
  head 4: 0.0625
  head 5: 0.0312
  head 6: 0.0156
  head 7: 0.0078
  head 8: 0.0039
b_ij = m·(j − p) for head 1 of 8, m = 0.5 (the default; --head h shows another)
        k0    k1    k2   k3
  q0  -1.0  -0.5   0.0  0.5
  q1  -1.5  -1.0  -0.5  0.0

FlexAttention / attention-gym (score_mod)
    score_mod = attn_gym.mods.generate_alibi_bias(8)  # (kv_idx - q_idx) * 2^(-8(h+1)/8)
    flex_attention(q, k, v, score_mod=score_mod)
  ✓ gives attn's attention: the bias differs by a constant in each row, which softmax cancels
  note: attention-gym's score_mod reads q_idx as the position (p = i), attn p = i + S − L: the difference m·(S − L) is the same across a row
? 0

$ attn bias alibi --n 2 --m 4 --heads 8 --as hf --json
{"kind":"alibi","symmetric":false,"align":"bottom-right","heads":8,"head":1,"slopes":[0.5,0.25,0.125,0.0625,0.03125,0.015625,0.0078125,0.00390625],"slope":0.5,"bias":[[-1.0,-0.5,0.0,0.5],[-1.5,-1.0,-0.5,0.0]],"translations":[{"library":"hf","code":"from transformers.models.bloom.modeling_bloom import build_alibi_tensor\nattention_mask = torch.ones(1, 4)  # 1 = real token\nalibi = build_alibi_tensor(attention_mask, 8, torch.float32)  # (H, 1, S): m_h·j, added to q·k","agreement":"row-constant","native":true,"bias":[[0.0,0.5,1.0,1.5],[0.0,0.5,1.0,1.5]],"notes":["BLOOM adds m·j where attn adds m·(j − p): the difference m·p is the same across a row"]}]}
? 0

Only ALiBi has library options.

$ attn bias t5 --n 2 --as flex
! attn: error: --as applies to alibi, not t5
! hint: no library has an option for this bias: add --json's "bias" to the scores as a float mask
? 2

$ attn bias alibi --n 2 --as flsh-attn
! attn: error: --as: unknown library 'flsh-attn'
! hint: did you mean 'flash-attn'?
? 2
