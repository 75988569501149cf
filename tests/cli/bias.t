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
! attn: error: --n: Value 0 not in range 1 to 1000000
! hint: run 'attn bias --help'
? 2

$ attn bias t5 --n 2 --table missing.json
! attn: error: cannot read 'missing.json': No such file or directory
? 66

$ echo '[1,2]' | attn bias t5 --n 2 --table -
! attn: error: t5: the bias table has 2 values but there are 32 buckets
? 65

$ attn bias alibi --n 2 --json --heads 0
! {"error":{"code":2,"message":"--heads: Value 0 not in range 1 to 4096","hint":"run 'attn bias --help'"}}
? 2
