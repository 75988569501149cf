# --bf16-products: q·kᵀ and p·v as bfloat16 products with float32 sums, p = exp(s − m) rounded to
# bfloat16 (ties to even) before it meets v, the softmax in float32. vdpbf16ps runs where the
# processor has AVX512-BF16, the plain path (the same roundings) elsewhere; which one ran depends
# on the machine, so it is cut here.
#
# tests/data/tensor/layer_bf16.safetensors holds bfloat16 q, k (6×4) and v (6×3). NumPy in float64
# with p rounded to bfloat16 the same way gives rows 2–4 of o as
#   -0.94747 -0.68320 0.00365 / -0.81115 -0.36781 0.23844 / -0.51598 -0.07128 0.40842
# (no p within 0.04 of its bfloat16 unit from a tie, so float32's p rounds the same way); without
# the rounding row 2 would be -0.94692 -0.68270 0.00390. --dtype f32 writes o unrounded.

$ attn attend --q tests/data/tensor/layer_bf16.safetensors --mask causal --bf16-products --dtype f32 | sed -e 's/on AVX512-BF16:/on UNIT:/' -e 's/on the plain path:/on UNIT:/'
attend: q 6×4 (tests/data/tensor/layer_bf16.safetensors:q), k 6×4 (tests/data/tensor/layer_bf16.safetensors:k), v 6×3 (tests/data/tensor/layer_bf16.safetensors:v) in float32
mask causal (bottom-right alignment), scale 0.5 (1/√4)
streamed in 64×64 tiles: 1 of 1 key tiles computed (1 partly masked), 0 skipped as wholly blocked
bfloat16 products on UNIT: q·kᵀ and p·v from bfloat16 values with float32 sums, p rounded to bfloat16
check: rows 0, 2, 4, 5 recomputed directly in float64 agree within 0.0078125; their weights sum to 1 within 1e-12
o[:4, :3] of 6×3:
  -0.9883  -0.9062  -0.4629
  -0.9475  -0.6832   0.0036
  -0.8111  -0.3678   0.2384
  -0.5160  -0.0713   0.4084
(give --output o.npy to save all 18 values)
? 0

# The check's bound is one bfloat16 ulp at 1: rounding each p moves it by at most 2^−8 of itself.
# --json names what ran the products ("native" without the flag).

$ attn attend --q tests/data/tensor/layer_bf16.safetensors --mask causal --bf16-products --json | grep -o '"bound":[0-9.e-]*\|"products":"[a-z0-9-]*"' | sed 's/"products":"\(avx512-bf16\|plain\)"/"products":PATH/'
"bound":0.0078125
"products":PATH
? 0

$ attn attend --q tests/data/tensor/layer_bf16.safetensors --mask causal --bf16-products --timing --threads 1 2>&1 >/dev/null | sed -E -e 's/[0-9]+\.[0-9]{3} ms/… ms/g' -e 's/\((avx512|avx2|sse2|generic), bf16 products on (avx512-bf16|plain),/(UNIT, bf16 products on PATH,/'
timing: read … ms, compute … ms (UNIT, bf16 products on PATH, 1 thread), write … ms, total … ms
? 0

# It needs bfloat16 q, k and v from the files, and float32 compute; the step path (--scores-out,
# --weights-out, --explain, the pictures and tables of one slice) has no bfloat16 products.

$ attn attend --q tests/data/tensor/q.npy --k tests/data/tensor/k.npy --v tests/data/tensor/v.npy --bf16-products
! attn: error: --bf16-products needs bfloat16 q, k and v, and q tests/data/tensor/q.npy is float64
! hint: save q, k and v as bfloat16 (.safetensors), or drop --bf16-products
? 2

$ attn attend --q tests/data/tensor/layer_bf16.safetensors --v tests/data/tensor/v.npy --bf16-products
! attn: error: --bf16-products needs bfloat16 q, k and v, and v tests/data/tensor/v.npy is float64
! hint: save q, k and v as bfloat16 (.safetensors), or drop --bf16-products
? 2

$ attn attend --q tests/data/tensor/layer_bf16.safetensors --bf16-products --dtype f64
! attn: error: --bf16-products sums in float32, and --dtype f64 computes in float64
! hint: drop --dtype, or give --dtype bf16, f16 or f32 (the dtype written)
? 2

$ attn attend --q tests/data/tensor/layer_bf16.safetensors --bf16-products --rope
! attn: error: --bf16-products multiplies the files' bfloat16 q and k, and --rope rotates them in float32 first
! hint: rotate q and k before saving them, or drop --bf16-products
? 2

$ attn attend --q tests/data/tensor/layer_bf16.safetensors --bf16-products --weights-out w.safetensors
! attn: error: --bf16-products runs the streaming kernel, and --weights-out needs the float64 step path
! hint: drop --bf16-products, or drop --weights-out
? 2

$ attn attend --q tests/data/tensor/layer_bf16.safetensors --bf16-products --explain 1,1
! attn: error: --bf16-products runs the streaming kernel, and --explain needs the float64 step path
! hint: drop --bf16-products, or drop --explain
? 2

$ attn attend --q '[[1, 0]]' --k '[[1, 0]]' --v '[[2]]' --bf16-products
! attn: error: --bf16-products works with tensor files (.npy, .npz, .safetensors)
! hint: save q, k and v with np.save and give --q q.npy --k k.npy --v v.npy
? 2
