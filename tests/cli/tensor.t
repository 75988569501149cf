# attn attend on .npy/.npz tensors (fixtures: tests/data/tensor/make_fixtures.py, NumPy).
# Without --output the summary shows a corner of o; the check recomputes a few rows directly.

$ attn attend --q tests/data/tensor/q.npy --k tests/data/tensor/k.npy --v tests/data/tensor/v.npy --mask causal
attend: q 6×4 (tests/data/tensor/q.npy), k 6×4 (tests/data/tensor/k.npy), v 6×3 (tests/data/tensor/v.npy) in float64
mask causal (bottom-right alignment), scale 0.5 (1/√4)
streamed in 64×64 tiles: 1 of 1 key tiles computed (1 partly masked), 0 skipped as wholly blocked
check: rows 0, 2, 4, 5 recomputed directly in float64 agree within 1e-12; their weights sum to 1 within 1e-12
o[:4, :3] of 6×3:
  -0.9870  -0.9050  -0.4620
  -0.9456  -0.6816   0.0040
  -0.8104  -0.3674   0.2385
  -0.5151  -0.0708   0.4081
(give --output o.npy to save all 18 values)
? 0

# One archive holds q, k and v; float32 computes and writes float32.

$ attn attend --q tests/data/tensor/qkv.npz --mask 'causal & window:2' --dtype f32
attend: q 6×4 (tests/data/tensor/qkv.npz:q.npy), k 6×4 (tests/data/tensor/qkv.npz:k.npy), v 6×3 (tests/data/tensor/qkv.npz:v.npy) in float32
mask causal & window:2 (bottom-right alignment), scale 0.5 (1/√4)
streamed in 64×64 tiles: 1 of 1 key tiles computed (1 partly masked), 0 skipped as wholly blocked
check: rows 0, 2, 4, 5 recomputed directly in float64 agree within 0.0001; their weights sum to 1 within 1e-12
o[:4, :3] of 6×3:
  -0.9870  -0.9050  -0.4620
  -0.9456  -0.6816   0.0040
  -0.7031  -0.0409   0.6639
   0.0042   0.6855   0.9464
(give --output o.npy to save all 18 values)
? 0

# --output writes all of o (atomically); it matches NumPy's o_causal.npy.

$ d=$(mktemp -d) && attn attend --q tests/data/tensor/q_f32_be.npy --k tests/data/tensor/k_fortran.npy --v tests/data/tensor/v_batch.npy --mask causal --output $d/o.npy | sed "s|$d|TMP|" && rm -r $d
attend: q 6×4 (tests/data/tensor/q_f32_be.npy), k 6×4 (tests/data/tensor/k_fortran.npy), v 6×3 (tests/data/tensor/v_batch.npy) in float64
mask causal (bottom-right alignment), scale 0.5 (1/√4)
streamed in 64×64 tiles: 1 of 1 key tiles computed (1 partly masked), 0 skipped as wholly blocked
check: rows 0, 2, 4, 5 recomputed directly in float64 agree within 1e-12; their weights sum to 1 within 1e-12
wrote TMP/o.npy
? 0

# --weights-out keeps the n×n matrices, so the step path runs.

$ d=$(mktemp -d) && attn attend --q tests/data/tensor/q.npy --k tests/data/tensor/k.npy --v tests/data/tensor/v.npy --mask causal --weights-out $d/w.npy --output $d/o.npy | sed "s|$d|TMP|" && rm -r $d
attend: q 6×4 (tests/data/tensor/q.npy), k 6×4 (tests/data/tensor/k.npy), v 6×3 (tests/data/tensor/v.npy) in float64
mask causal (bottom-right alignment), scale 0.5 (1/√4)
step path: the 6×6 scores and weights kept
check: every row's weights sum to 1 within 1e-12
wrote TMP/w.npy
wrote TMP/o.npy
? 0

# Rows that see no key follow --empty-rows.

$ attn attend --q tests/data/tensor/q.npy --k tests/data/tensor/k.npy --v tests/data/tensor/v.npy --mask valid:3,0,3,3,0,3 --empty-rows nan
attend: q 6×4 (tests/data/tensor/q.npy), k 6×4 (tests/data/tensor/k.npy), v 6×3 (tests/data/tensor/v.npy) in float64
mask valid:3,0,3,3,0,3 (bottom-right alignment), scale 0.5 (1/√4)
streamed in 64×64 tiles: 1 of 1 key tiles computed (1 partly masked), 0 skipped as wholly blocked
check: rows 0, 2, 4, 5 recomputed directly in float64 agree within 1e-12; their weights sum to 1 within 1e-12
o[:4, :3] of 6×3:
  -0.7864  -0.3002  0.3160
      nan      nan     nan
  -0.8104  -0.3674  0.2385
  -0.8068  -0.3621  0.2352
(give --output o.npy to save all 18 values)
rows with every key blocked: 2 (1, 4), output NaN
! attn: warning: 2 rows have every key blocked: they get NaN weights and output (--empty-rows)
? 0

# Bad inputs are named by file, row and column.

$ attn attend --q tests/data/tensor/q_nan.npy --k tests/data/tensor/k.npy --v tests/data/tensor/v.npy
! attn: error: tests/data/tensor/q_nan.npy: q at row 2, column 1 is nan
! hint: attention needs finite inputs: check np.isfinite(q).all()
? 65

$ attn attend --q tests/data/tensor/q.npy --k tests/data/tensor/k_d3.npy --v tests/data/tensor/v.npy
! attn: error: k has 3 values per row but q has 4 (d_k must match)
! hint: q is n_q×d_k and k is n_k×d_k: give both the same number of columns
? 65


# --output, --lse-out, --weights-out and --scores-out appear together or not at all: lse's folder
# is missing, so o.npy does not appear either (exit 73, cannot create).
$ d=$(mktemp -d) && attn attend --q tests/data/tensor/q.npy --k tests/data/tensor/k.npy --v tests/data/tensor/v.npy --output $d/o.npy --lse-out $d/missing/lse.npy 2>$d/err; echo "exit $?"; sed "s|$d|TMP|" $d/err; ls $d; rm -r $d
exit 73
attn: error: cannot create 'TMP/missing/lse.npy': No such file or directory
hint: check that the directory exists and that you may write to it
err
