# attn grad on tensor files: the streaming backward (tiles of α recomputed from the forward's
# log-sum-exp, never stored). The small layer of tensor_layers.t (batch 2, 4 query heads over 2 kv
# heads, 5 positions, d_k 3, d_v 2) with a fixed dO; layer_dq_causal.npy, layer_dk_causal.npy and
# layer_dv_causal.npy are NumPy's textbook backward (tests/data/tensor/make_fixtures.py).
$ d=$(mktemp -d) && attn grad --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --do tests/data/tensor/layer_do.npy --mask causal --dq-out $d/dq.npy --dk-out $d/dk.npy --dv-out $d/dv.npy | sed "s|$d|TMP|" && for x in dq dk dv; do attn compare $d/$x.npy tests/data/tensor/layer_${x}_causal.npy --rtol 1e-12 --atol 1e-14 | tail -1; done; rm -r $d
grad: q (2, 4, 5, 3) (tests/data/tensor/layer_q.npy), k (2, 2, 5, 3) (tests/data/tensor/layer_k.npy), v (2, 2, 5, 2) (tests/data/tensor/layer_v.npy) in float64
dO from tests/data/tensor/layer_do.npy; o and its log-sum-exp from the streaming forward
mask causal (bottom-right alignment), scale 0.5774 (1/√3)
with 4 query heads over 2 kv heads: dk and dv summed over each group
streamed backward in 64×64 tiles: 8 of 8 tile pairs recomputed, 0 skipped as wholly blocked
wrote TMP/dq.npy
wrote TMP/dk.npy
wrote TMP/dv.npy
tolerance |a − b| ≤ 1e-14 + 1e-12·|b|: all 120 within
tolerance |a − b| ≤ 1e-14 + 1e-12·|b|: all 60 within
tolerance |a − b| ≤ 1e-14 + 1e-12·|b|: all 40 within
? 0

# With the forward's o and its log-sum-exp (attn attend --output o.npy --lse-out lse.npy) the
# forward is not run again. The log-sum-exp file holds float32, so α is as good as float32.
$ d=$(mktemp -d) && attn grad --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --do tests/data/tensor/layer_do.npy --mask causal --o tests/data/tensor/layer_o_causal.npy --lse tests/data/tensor/layer_lse_causal.npy --dq-out $d/dq.npy | sed "s|$d|TMP|" && attn compare $d/dq.npy tests/data/tensor/layer_dq_causal.npy --rtol 1e-6 | tail -1; rm -r $d
grad: q (2, 4, 5, 3) (tests/data/tensor/layer_q.npy), k (2, 2, 5, 3) (tests/data/tensor/layer_k.npy), v (2, 2, 5, 2) (tests/data/tensor/layer_v.npy) in float64
dO from tests/data/tensor/layer_do.npy; o and its log-sum-exp from tests/data/tensor/layer_o_causal.npy and tests/data/tensor/layer_lse_causal.npy
mask causal (bottom-right alignment), scale 0.5774 (1/√3)
with 4 query heads over 2 kv heads: dk and dv summed over each group
streamed backward in 64×64 tiles: 8 of 8 tile pairs recomputed, 0 skipped as wholly blocked
wrote TMP/dq.npy
tolerance |a − b| ≤ 1e-07 + 1e-06·|b|: all 120 within
? 0

# --loss sum stands in for --do: L = Σ o, dO = 1.
$ d=$(mktemp -d) && attn grad --q tests/data/tensor/q.npy --k tests/data/tensor/k.npy --v tests/data/tensor/v.npy --loss sum --mask causal --dv-out $d/dv.npy | sed "s|$d|TMP|"; rm -r $d
grad: q 6×4 (tests/data/tensor/q.npy), k 6×4 (tests/data/tensor/k.npy), v 6×3 (tests/data/tensor/v.npy) in float64
dO = 1 (loss sum: L = Σ o = -2.2324); o and its log-sum-exp from the streaming forward
mask causal (bottom-right alignment), scale 0.5 (1/√4)
streamed backward in 64×64 tiles: 1 of 1 tile pairs recomputed, 0 skipped as wholly blocked
wrote TMP/dv.npy
? 0

# --json: one summary object (timing, vector unit, threads and the temporary path replaced).
$ d=$(mktemp -d) && attn grad --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --do tests/data/tensor/layer_do.npy --mask causal --kv-lens 5,3 --bias alibi --softcap 2 --dk-out $d/dk.npy --json | sed -e "s|$d|TMP|" -e 's/"timing_ms":{[^}]*}/"timing_ms":{…}/' -e 's/"vector_unit":"[a-z0-9]*","threads":[0-9]*/"vector_unit":…,"threads":…/'; rm -r $d
{"command":"grad","path":"streamed","q":{"file":"tests/data/tensor/layer_q.npy","dtype":"float64","shape":[2,4,5,3]},"k":{"file":"tests/data/tensor/layer_k.npy","dtype":"float64","shape":[2,2,5,3]},"v":{"file":"tests/data/tensor/layer_v.npy","dtype":"float64","shape":[2,2,5,2]},"do":{"file":"tests/data/tensor/layer_do.npy","dtype":"float64","shape":[2,4,5,2]},"loss":"given","loss_value":null,"forward":"streamed","layout":"bhsd","batch":2,"heads":4,"kv_heads":2,"seq_q":5,"seq_k":5,"d_k":3,"d_v":2,"compute_dtype":"float64","output_dtype":"float64","mask":"causal","align":"bottom-right","scale":0.5773502691896258,"kv_lens":[5,3],"mask_tensor":null,"bias":"alibi","softcap":2.0,"rope":null,"tiles":{"computed":8,"skipped":0},"empty_rows":0,"vector_unit":…,"threads":…,"written":["TMP/dk.npy"],"timing_ms":{…}}
? 0

# A mask tensor, as attend takes it: layer_pad.npy is (2, 1, 1, 5) bool, batch 2's last two keys
# False, the same padding as --kv-lens 5,3, so the gradients are the same bytes (the tensor adds
# nothing to the scores it allows). tests/numpy/tensor_grad_agreement.py checks mask
# tensors of every shape against NumPy.
$ d=$(mktemp -d) && attn grad --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --do tests/data/tensor/layer_do.npy --mask tests/data/tensor/layer_pad.npy --dq-out $d/dq.npy --dk-out $d/dk.npy | sed "s|$d|TMP|" && attn grad --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --do tests/data/tensor/layer_do.npy --kv-lens 5,3 --dq-out $d/dq_lens.npy --dk-out $d/dk_lens.npy >/dev/null && for x in dq dk; do cmp $d/$x.npy $d/${x}_lens.npy && echo "$x: the same bytes"; done; rm -r $d
grad: q (2, 4, 5, 3) (tests/data/tensor/layer_q.npy), k (2, 2, 5, 3) (tests/data/tensor/layer_k.npy), v (2, 2, 5, 2) (tests/data/tensor/layer_v.npy) in float64
dO from tests/data/tensor/layer_do.npy; o and its log-sum-exp from the streaming forward
mask full (bottom-right alignment), scale 0.5774 (1/√3)
with mask tensor tests/data/tensor/layer_pad.npy (bool (2, 1, 1, 5), true = may attend); 4 query heads over 2 kv heads: dk and dv summed over each group
streamed backward in 64×64 tiles: 8 of 8 tile pairs recomputed, 0 skipped as wholly blocked
wrote TMP/dq.npy
wrote TMP/dk.npy
dq: the same bytes
dk: the same bytes
? 0

# A mask tensor that does not fit q and k, or is not bool or float: exit 65, naming the file and
# the axis, before anything is computed or written.
$ attn grad --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --do tests/data/tensor/layer_do.npy --mask tests/data/tensor/layer_v_3heads.npy --dq-out dq.npy
! attn: error: tests/data/tensor/layer_v_3heads.npy: the mask's shape (2, 3, 5, 2) does not broadcast to (B, H, S_q, S_k) = (2, 4, 5, 5): axis H has 3, not 1 or 4
? 65

$ attn grad --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --do tests/data/tensor/layer_do.npy --mask tests/data/tensor/layer_lens.npy --dq-out dq.npy
! attn: error: tests/data/tensor/layer_lens.npy: the mask has dtype int64; give bool (True = may attend, as SDPA) or float (added to the scores)
? 65

# Refused by name, before anything is computed or written.
$ attn grad --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --do tests/data/tensor/layer_do.npy --lse tests/data/tensor/layer_lse_causal.npy --dq-out dq.npy
! attn: error: --lse needs --o: the backward needs the forward's output for D_i = Σ dO_i·o_i
! hint: give both (attn attend --output o.npy --lse-out lse.npy), or neither to run the forward here
? 2

$ attn grad --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --do tests/data/tensor/layer_do.npy
! attn: error: attn grad on tensor files writes files: give --dq-out, --dk-out or --dv-out
! hint: e.g. --dq-out dq.npy --dk-out dk.npy --dv-out dv.npy
? 2

$ attn grad --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --do tests/data/tensor/layer_do.npy --explain dq:0,0 --dq-out dq.npy
! attn: error: --explain is for literals; the tensor backward writes files
? 2

$ attn grad --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --loss mse --target tests/data/tensor/layer_do.npy --dq-out dq.npy
! attn: error: --target is for literals; with tensor files give --do
? 2

$ attn grad --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --loss sum --do tests/data/tensor/layer_do.npy --dq-out dq.npy
! attn: error: --do and --loss sum both give dO: choose one
! hint: --loss sum takes L = Σ o, so dO = 1
? 2

$ attn grad --q 1 --k "1;0" --v "1;0" --loss sum --dq-out dq.npy
! attn: error: --dq-out works with tensor files (.npy, .npz, .safetensors)
! hint: save q, k and v with np.save and give --q q.npy --k k.npy --v v.npy
? 2

# dO must have o's shape (q's, with v's feature size), and be finite (here v is q, so that dO may be
# q_nan's shape).
$ attn grad --q tests/data/tensor/layer_q.npy --k tests/data/tensor/layer_k.npy --v tests/data/tensor/layer_v.npy --do tests/data/tensor/layer_q.npy --dq-out dq.npy
! attn: error: tests/data/tensor/layer_q.npy has shape (2, 4, 5, 3) but dO must have shape (2, 4, 5, 2)
! hint: dO = ∂L/∂o has o's shape: q's with v's feature size
? 65

$ attn grad --q tests/data/tensor/q.npy --k tests/data/tensor/k.npy --v tests/data/tensor/q.npy --do tests/data/tensor/q_nan.npy --dq-out dq.npy
! attn: error: tests/data/tensor/q_nan.npy: dO at row 2, column 1 is nan
! hint: attention needs finite inputs: check np.isfinite(dO).all()
? 65

# A row with every key blocked has no gradient through its scores (under --empty-rows zero, the
# default, nor into v); under --empty-rows nan its gradient is not a number.
$ d=$(mktemp -d) && attn grad --q tests/data/tensor/q.npy --k tests/data/tensor/k.npy --v tests/data/tensor/v.npy --loss sum --mask valid:3,0,3,3,0,3 --dq-out $d/dq.npy | sed "s|$d|TMP|"; rm -r $d
grad: q 6×4 (tests/data/tensor/q.npy), k 6×4 (tests/data/tensor/k.npy), v 6×3 (tests/data/tensor/v.npy) in float64
dO = 1 (loss sum: L = Σ o = -3.3839); o and its log-sum-exp from the streaming forward
mask valid:3,0,3,3,0,3 (bottom-right alignment), scale 0.5 (1/√4)
streamed backward in 64×64 tiles: 1 of 1 tile pairs recomputed, 0 skipped as wholly blocked
rows with every key blocked: 2, no gradient through their scores
wrote TMP/dq.npy
! attn: warning: 2 rows have every key blocked: no gradient reaches q or k through them
? 0

$ attn grad --q tests/data/tensor/q.npy --k tests/data/tensor/k.npy --v tests/data/tensor/v.npy --loss sum --mask valid:3,0,3,3,0,3 --empty-rows nan --dq-out dq.npy
! attn: error: rows 1, 4 have every key blocked and NaN weights, whose gradient is not a number
! hint: use --empty-rows zero, uniform or error
? 65


# The files of --dq-out, --dk-out and --dv-out appear together or not at all: dk's folder is
# missing, so dq.npy, written first, does not appear either (exit 73, cannot create).
$ d=$(mktemp -d) && attn grad --q tests/data/tensor/q.npy --k tests/data/tensor/k.npy --v tests/data/tensor/v.npy --loss sum --dq-out $d/dq.npy --dk-out $d/missing/dk.npy --dv-out $d/dv.npy 2>$d/err; echo "exit $?"; sed "s|$d|TMP|" $d/err; ls $d; rm -r $d
exit 73
attn: error: cannot create 'TMP/missing/dk.npy': No such file or directory
hint: check that the directory exists and that you may write to it
err
