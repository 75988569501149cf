# A small layer (tests/data/tensor/make_fixtures.py, NumPy): batch 2, 4 query heads over 2 kv heads
# (grouped-query), 5 positions, d_k 3, d_v 2. The corner shows batch 1, head 1 unless --batch and
# --head say otherwise (both count from 1).

$ attn attend --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --mask causal
attend: q (2, 4, 5, 3) (tests/data/tensor/layer_q.npy), k (2, 2, 5, 3) (tests/data/tensor/layer_k.npy), v (2, 2, 5, 2) (tests/data/tensor/layer_v.npy) in float64
layout bhsd: batch 2, 4 query heads over 2 kv heads (grouped-query), S_q 5, S_k 5, d_k 3, d_v 2
mask causal (bottom-right alignment), scale 0.5774 (1/√3)
streamed in 64×64 tiles: 8 of 8 key tiles computed (8 partly masked), 0 skipped as wholly blocked
check: rows 0, 1, 3, 4 of (batch, head) (1, 1), (2, 3), (2, 4) recomputed directly in float64 agree within 1e-12; their weights sum to 1 within 1e-12
batch 1 of 2, head 1 of 4: o[:4, :2] of 5×2:
  -0.9640  -0.7620
  -0.8538  -0.3462
  -0.5703   0.0192
  -0.2995   0.1983
(give --output o.npy to save all 80 values)
? 0

$ attn attend --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --mask causal --batch 2 --head 4 --digits 2
attend: q (2, 4, 5, 3) (tests/data/tensor/layer_q.npy), k (2, 2, 5, 3) (tests/data/tensor/layer_k.npy), v (2, 2, 5, 2) (tests/data/tensor/layer_v.npy) in float64
layout bhsd: batch 2, 4 query heads over 2 kv heads (grouped-query), S_q 5, S_k 5, d_k 3, d_v 2
mask causal (bottom-right alignment), scale 0.5774 (1/√3)
streamed in 64×64 tiles: 8 of 8 key tiles computed (8 partly masked), 0 skipped as wholly blocked
check: rows 0, 1, 3, 4 of (batch, head) (1, 1), (2, 3), (2, 4) recomputed directly in float64 agree within 1e-12; their weights sum to 1 within 1e-12
batch 2 of 2, head 4 of 4: o[:4, :2] of 5×2:
  -0.96  -0.76
  -0.85  -0.32
  -0.40   0.26
   0.09   0.55
(give --output o.npy to save all 80 values)
? 0

# The same layer saved as (B, S, H, D): --layout bshd reads it, writes o the same way, and o matches
# NumPy's reference in that layout (the errors, at rounding level, vary with the build and are cut
# here); the log-sum-exp is (B, H, S_q) float32, as FlashAttention's.

$ d=$(mktemp -d) && attn attend --q tests/data/tensor/layer_q_bshd.npy --k tests/data/tensor/layer_k_bshd.npy --v tests/data/tensor/layer_v_bshd.npy --layout bshd --mask causal --output $d/o.npy --lse-out $d/lse.npy --check-against tests/data/tensor/layer_o_causal_bshd.npy | sed "s|$d|TMP|" | grep -v "^largest" && attn compare $d/lse.npy tests/data/tensor/layer_lse_causal.npy | tail -1 && rm -r $d
attend: q (2, 5, 4, 3) (tests/data/tensor/layer_q_bshd.npy), k (2, 5, 2, 3) (tests/data/tensor/layer_k_bshd.npy), v (2, 5, 2, 2) (tests/data/tensor/layer_v_bshd.npy) in float64
layout bshd: batch 2, 4 query heads over 2 kv heads (grouped-query), S_q 5, S_k 5, d_k 3, d_v 2
mask causal (bottom-right alignment), scale 0.5774 (1/√3)
streamed in 64×64 tiles: 8 of 8 key tiles computed (8 partly masked), 0 skipped as wholly blocked
check: rows 0, 1, 3, 4 of (batch, head) (1, 1), (2, 3), (2, 4) recomputed directly in float64 agree within 1e-12; their weights sum to 1 within 1e-12
compare: tests/data/tensor/layer_o_causal_bshd.npy (float64, (2, 5, 4, 2)) against attn's o (float64, (2, 5, 4, 2)), 80 elements
tolerance |a − b| ≤ 1e-07 + 1e-07·|b| (torch.testing's for float64): all 80 within
wrote TMP/o.npy
wrote TMP/lse.npy
tolerance |a − b| ≤ 1e-05 + 1.3e-06·|b| (torch.testing's for float32): all 40 within
? 0

# float16 inputs compute in float32 and write float16 unless --dtype says otherwise.

$ attn attend --q tests/data/tensor/layer_q_f16.npy --k tests/data/tensor/layer_k_f16.npy --v tests/data/tensor/layer_v_f16.npy --mask causal --check-against tests/data/tensor/layer_o_causal.npy --rtol 2e-2 --atol 1e-3 | tail -2
largest error in float16 ULPs 39 at (0, 1, 2, 1): 0.00132367102 against 0.00136089325
tolerance |a − b| ≤ 0.001 + 0.02·|b|: all 80 within
? 0

# Key padding two ways: --kv-lens (a list or a file of integers) and a bool mask tensor of shape
# (B, 1, 1, S_k), broadcast as SDPA broadcasts attn_mask.

$ attn attend --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --kv-lens 5,3 --batch 2 | head -4
attend: q (2, 4, 5, 3) (tests/data/tensor/layer_q.npy), k (2, 2, 5, 3) (tests/data/tensor/layer_k.npy), v (2, 2, 5, 2) (tests/data/tensor/layer_v.npy) in float64
layout bhsd: batch 2, 4 query heads over 2 kv heads (grouped-query), S_q 5, S_k 5, d_k 3, d_v 2
mask full (bottom-right alignment), scale 0.5774 (1/√3)
with kv_lens 5, 3
? 0

$ attn attend --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --mask tests/data/tensor/layer_pad.npy --batch 2 | tail -6
batch 2 of 2, head 1 of 4: o[:4, :2] of 5×2:
  -0.2194  0.4349
  -0.1904  0.4537
  -0.0710  0.5304
   0.0901  0.6289
(give --output o.npy to save all 80 values)
? 0

# ALiBi gives each head its own slope; the softcap, the scale and every mask work in the tiles too.

$ attn attend --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --mask 'causal & window:3' --bias alibi --softcap 30 --scale 0.5 | head -6
attend: q (2, 4, 5, 3) (tests/data/tensor/layer_q.npy), k (2, 2, 5, 3) (tests/data/tensor/layer_k.npy), v (2, 2, 5, 2) (tests/data/tensor/layer_v.npy) in float64
layout bhsd: batch 2, 4 query heads over 2 kv heads (grouped-query), S_q 5, S_k 5, d_k 3, d_v 2
mask causal & window:3 (bottom-right alignment), scale 0.5
with bias alibi (head 1's slope 0.25, head 4's 0.003906); softcap 30
streamed in 64×64 tiles: 8 of 8 key tiles computed (8 partly masked), 0 skipped as wholly blocked
check: rows 0, 1, 3, 4 of (batch, head) (1, 1), (2, 3), (2, 4) recomputed directly in float64 agree within 1e-12; their weights sum to 1 within 1e-12
? 0

# --json: one summary object (the timing, vector unit and threads depend on the machine, so they are
# cut here).

$ attn attend --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --mask causal --kv-lens tests/data/tensor/layer_lens.npy --json | sed -e 's/"timing_ms":{[^}]*}/"timing_ms":{…}/' -e 's/"vector_unit":"[a-z0-9]*","threads":[0-9]*/"vector_unit":…,"threads":…/'
{"command":"attend","path":"streamed","q":{"file":"tests/data/tensor/layer_q.npy","dtype":"float64","shape":[2,4,5,3]},"k":{"file":"tests/data/tensor/layer_k.npy","dtype":"float64","shape":[2,2,5,3]},"v":{"file":"tests/data/tensor/layer_v.npy","dtype":"float64","shape":[2,2,5,2]},"layout":"bhsd","batch":2,"heads":4,"kv_heads":2,"seq_q":5,"seq_k":5,"d_k":3,"d_v":2,"compute_dtype":"float64","output_dtype":"float64","mask":"causal","align":"bottom-right","scale":0.5773502691896258,"kv_lens":[5,3],"mask_tensor":null,"bias":null,"alibi_slopes":null,"softcap":null,"rope":null,"tiles":{"computed":8,"partly_masked":8,"skipped":0},"check":{"heads":[[1,1],[2,3],[2,4]],"rows":[0,1,3,4],"max_difference":1.1102230246251565e-16,"bound":1e-12,"agree":true},"max_weight_sum_error":0.0,"empty_rows":0,"empty_row_policy":"output 0","vector_unit":…,"threads":…,"products":"native","written":[],"timing_ms":{…},"check_against":null}
? 0

# Pictures and --explain show one slice, the worked way.

$ attn attend --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --mask causal --batch 2 --head 3 --heatmap --ascii
weights
rows: queries i; columns: keys j
  0  1  2  3  4
0 @@ x  x  x  x
1 ++ ++ x  x  x
2 :: -- ++ x  x
3 .. :: -- == x
4 .. :: :: -- --
0 |..::--==++**##%%@@| 1   x blocked (-inf)
weights, fixed scale 0 to 1

output
rows: queries i; columns: entries c of o
  0  1
0    ::
1 .. ==
2 -- ##
3 ** @@
4 %% @@
-0.964 |..::--==++**##%%@@| 0.674
smallest to largest value
? 0

$ attn attend --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --mask causal --bias alibi --batch 1 --head 4 --explain 3,1
Cell (i = 3, j = 1): query 3 against key 1
  dot      s_31 = q_3 · k_1 = (-0.6878)×0.17 + (-0.8183)×0.6967 + (-0.9162)×0.9801 = -1.5849
  scale    c = 1/√d_k = 1/√3 = 0.5774; c · s_31 = 0.5774 × (-1.5849) = -0.915
  bias     b_31 = -0.0078; -0.915 + (-0.0078) = -0.9229
  mask     M_31 = 0 (may attend)
           allowed by causal: j = 1 ≤ p = 3
           verdict: allowed (row i = 3 at position p = 3, key j = 1, mask causal)
  score    β_31 = -0.9229
  softmax  m_3 = -0.0383 (the largest unmasked score in row 3)
           exp(β_31 − m_3) = exp(-0.8845) = 0.4129
           row sum Σ_j exp(β_3j − m_3) = 2.3491
  weight   α_31 = 0.4129 / 2.3491 = 0.1758
  output   α_31 · v_1 = 0.1758 × [-0.964, -0.762] = [-0.1694, -0.1339]
           o_3 = [-0.5048, 0.0594]; this key's share of each entry: 33.6%, -225.5%
? 0

$ attn attend --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --heatmap
! attn: error: --heatmap shows one slice, and q has 2 batch rows and 4 heads
! hint: choose one with --batch b --head h (b from 1 to 2, h from 1 to 4)
? 2

# Every mismatch names the operand and the axis.

$ attn attend --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k_3heads.npy --v tests/data/tensor/layer_v_3heads.npy
! attn: error: tests/data/tensor/layer_k_3heads.npy: k has 3 heads, which do not divide q's 4 heads
! hint: grouped-query attention needs H_kv to divide H (H_kv = H is multi-head, 1 multi-query)
? 65

$ attn attend --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k_batch1.npy --v tests/data/tensor/layer_v.npy
! attn: error: tests/data/tensor/layer_k_batch1.npy: batch size 1 but q's is 2 (B must agree)
? 65

$ attn attend --q tests/data/tensor/layer_rank5.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy
! attn: error: tests/data/tensor/layer_rank5.npy: q has shape (1, 2, 4, 5, 3) (5 dimensions), but attn takes (S, D), (H, S, D) or (B, H, S, D) with --layout bhsd
? 65

$ attn attend --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --mask tests/data/tensor/q.npy
! attn: error: tests/data/tensor/q.npy: the mask's shape (6, 4) does not broadcast to (B, H, S_q, S_k) = (2, 4, 5, 5): axis S_q has 6, not 1 or 5
? 65

$ attn attend --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --kv-lens 5
! attn: error: --kv-lens has 1 length but q has 2 batch rows
! hint: give one length per batch row
? 65

$ attn attend --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --kv-lens 5,9
! attn: error: --kv-lens: length 9 for batch row 2 is more than the 5 keys
? 65

$ attn attend --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --check-against tests/data/tensor/layer_o_causal_bshd.npy
! attn: error: tests/data/tensor/layer_o_causal_bshd.npy has shape (2, 5, 4, 2) but the output o has shape (2, 4, 5, 2)
! hint: --check-against takes a tensor of o's shape
? 65

# Literals and tensor files do not mix; flags the tensor path cannot honour are refused by name.

$ attn attend --q '1,3;2,4' --k tests/data/tensor/k.npy --v tests/data/tensor/v.npy
! attn: error: --q '1,3;2,4': with --k a tensor file, --q must be a tensor file too
! hint: save q with np.save (FILE.npy), or give all of q, k and v as literals
? 2

$ attn attend --q tests/data/tensor/q.npy --k '1,0;0,1' --v tests/data/tensor/v.npy
! attn: error: --k '1,0;0,1': with tensor files for the other operands, --k must be a tensor file too
! hint: save it with np.save (FILE.npy), or give all of q, k and v as literals
? 2

$ attn attend --q '1,3;2,4' --k '1,0;0,1' --v '1;2' --output o.npy
! attn: error: --output works with tensor files (.npy, .npz, .safetensors)
! hint: save q, k and v with np.save and give --q q.npy --k k.npy --v v.npy
? 2

$ attn attend --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --heads 4
! attn: error: --heads splits literal columns into heads; tensor files carry their heads in their shape (B, H, S, D)
? 2

$ attn attend --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --bias t5
! attn: error: --bias t5: with tensor inputs attn takes alibi or alibi:SLOPE
! hint: t5 and relative biases need the step path: use literals or JSON
? 2

$ attn attend --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --dtype bf16 --output o.npy
! attn: error: --output o.npy: a .npy file cannot hold bfloat16 (NumPy has no such dtype)
! hint: write FILE.safetensors, or add --dtype f32
? 2

$ attn score --q tests/data/tensor/q.npy --k tests/data/tensor/k.npy
! attn: error: attn score works on literals and JSON documents
! hint: with tensor files use attn attend, and --scores-out or --weights-out to keep β and α
? 2
