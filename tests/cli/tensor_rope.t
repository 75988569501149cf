# RoPE on tensor files: --rope and its settings rotate q and k of every batch and head once,
# before the tiles. The numbers are NumPy's (tests/numpy/tensor_agreement.py); here the summary
# names the rotation, and one slice's worked cell (which rotates on the step path, core/rope)
# agrees with the streamed o: row 2 of o below is o_2 of the cell.

$ attn attend --q tests/data/tensor/q.npy --k tests/data/tensor/k.npy --v tests/data/tensor/v.npy --mask causal --rope --rope-base 100
attend: q 6×4 (tests/data/tensor/q.npy), k 6×4 (tests/data/tensor/k.npy), v 6×3 (tests/data/tensor/v.npy) in float64
mask causal (bottom-right alignment), scale 0.5 (1/√4)
with rope half (base 100, all 4 dimensions, query positions 0…5, key positions 0…5)
streamed in 64×64 tiles: 1 of 1 key tiles computed (1 partly masked), 0 skipped as wholly blocked
check: rows 0, 2, 4, 5 recomputed directly in float64 agree within 1e-12; their weights sum to 1 within 1e-12
o[:4, :3] of 6×3:
  -0.9870  -0.9050  -0.4620
  -0.9395  -0.6483   0.0735
  -0.7970  -0.3174   0.3204
  -0.6297  -0.2175   0.3137
(give --output o.npy to save all 18 values)
? 0

# By hand: q_2 = (0.6755, 0.4274, 0.1411, −0.1577); base 100 and d_k 4 give θ = (1, 100^(−1/2))
# = (1, 0.1), so at p = 2 the angles are (2, 0.2), and half pairs (0, 2) and (1, 3):
#   q̃_0 = 0.6755·cos 2 − 0.1411·sin 2 = −0.2811 − 0.1283 = −0.4094
#   q̃_2 = 0.6755·sin 2 + 0.1411·cos 2 =  0.6142 − 0.0587 =  0.5555
$ attn attend --q tests/data/tensor/q.npy --k tests/data/tensor/k.npy --v tests/data/tensor/v.npy --mask causal --rope --rope-base 100 --explain 2,1 | sed -n '2,3p;$p'
  rope     half pairs, θ = [1, 0.1]; q_2 at p = 2, k_1 at p = 1
           q_2 rotated = [-0.4094, 0.4502, 0.5555, -0.0697]; k_1 rotated = [-0.468, 0.8885, 1.0392, 0.7139]
           o_2 = [-0.797, -0.3174, 0.3204]; this key's share of each entry: 46%, 58.9%, 58.4%
? 0

# JSON names the settings; given positions are echoed, default ones start at the geometry's.

$ attn attend --q tests/data/tensor/q.npy --k tests/data/tensor/k.npy --v tests/data/tensor/v.npy --rope --rope-style interleaved --rope-dim 2 --rope-scale 4 --k-positions 5,4,3,2,1,0 --json | grep -o '"rope":{[^}]*}'
"rope":{"style":"interleaved","base":10000.0,"dim":2,"scale":4.0,"q_positions":null,"k_positions":[5,4,3,2,1,0],"first_query_position":0}
? 0

# Bad settings are refused before anything is computed: exit 2 for a setting, 65 for positions
# that do not number the rows. layer_q.npy has d_k = 3.

$ attn attend --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --rope
! attn: error: d_k = 3 is odd, and RoPE rotates pairs of dimensions
! hint: give --rope-dim 2 to rotate the first 2
? 2

$ attn attend --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --rope --rope-dim 4
! attn: error: --rope-dim 4 is more than d_k = 3
! hint: rotate at most every dimension of q and k
? 2

$ attn attend --q tests/data/tensor/q.npy --k tests/data/tensor/k.npy --v tests/data/tensor/v.npy --rope --rope-dim 3
! attn: error: --rope-dim 3 is odd: dimensions rotate in pairs
! hint: give an even --rope-dim
? 2

$ attn attend --q tests/data/tensor/q.npy --k tests/data/tensor/k.npy --v tests/data/tensor/v.npy --rope --rope-base 1
! attn: error: --rope-base must be a number above 1, not 1
! hint: LLaMA uses 10000; LLaMA 3 500000
? 2

$ attn attend --q tests/data/tensor/q.npy --k tests/data/tensor/k.npy --v tests/data/tensor/v.npy --rope --rope-scale 0
! attn: error: --rope-scale must be a positive number, not 0
! hint: positions are divided by it: 1 leaves them as they are
? 2

$ attn attend --q tests/data/tensor/q.npy --k tests/data/tensor/k.npy --v tests/data/tensor/v.npy --rope --q-positions 0,1
! attn: error: --q-positions has 2 ids but there are 6 queries
! hint: give one position per query row
? 65

$ attn attend --q tests/data/tensor/q.npy --k tests/data/tensor/k.npy --v tests/data/tensor/v.npy --rope --k-positions 0,1.5,2,3,4,5
! attn: error: --k-positions[1] is 1.5, not a whole number
! hint: positions are token indices: 0, 1, 2, …
? 65

$ attn attend --q tests/data/tensor/q.npy --k tests/data/tensor/k.npy --v tests/data/tensor/v.npy --rope-style interleaved
! attn: error: --rope-style needs --rope
! hint: add --rope to rotate q and k by their positions
? 2

# attn grad: the same checks, and nothing is written when they fail.

$ d=$(mktemp -d); attn grad --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --loss sum --dq-out $d/dq.npy --rope --rope-dim 2 --k-positions 1,2; s=$?; ls $d; rm -r $d; (exit $s)
! attn: error: --k-positions has 2 ids but there are 5 keys
! hint: give one position per key row
? 65

$ d=$(mktemp -d) && attn grad --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --loss sum --mask causal --dq-out $d/dq.npy --rope --rope-dim 2 | sed "s|$d|TMP|" && rm -r $d
grad: q (2, 4, 5, 3) (tests/data/tensor/layer_q.npy), k (2, 2, 5, 3) (tests/data/tensor/layer_k.npy), v (2, 2, 5, 2) (tests/data/tensor/layer_v.npy) in float64
dO = 1 (loss sum: L = Σ o = -16.0288); o and its log-sum-exp from the streaming forward
mask causal (bottom-right alignment), scale 0.5774 (1/√3)
with rope half (base 10000, the first 2 of 3 dimensions, query positions 0…4, key positions 0…4), dq and dk rotated back; 4 query heads over 2 kv heads: dk and dv summed over each group
streamed backward in 64×64 tiles: 8 of 8 tile pairs recomputed, 0 skipped as wholly blocked
wrote TMP/dq.npy
? 0

