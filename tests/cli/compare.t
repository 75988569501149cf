# attn compare A B: A is checked against the reference B (fixtures: tests/data/tensor/make_fixtures.py,
# written with NumPy, and with Python's json and struct for safetensors).

# float32 in a safetensors file against the float64 it was rounded from: within half an ULP.

$ attn compare tests/data/tensor/layer.safetensors:q tests/data/tensor/q.npy
compare: tests/data/tensor/layer.safetensors:q (float32, (1, 1, 6, 4)) against tests/data/tensor/q.npy (float64, (6, 4)), 24 elements
largest absolute error 2.83e-08 at (0, 0, 4, 3): -0.999923229 against -0.999923258
largest relative error 5.47e-08 at (0, 0, 3, 1): -0.255541116 against -0.255541102
largest error in float32 ULPs 0.476 at (0, 0, 4, 3): -0.999923229 against -0.999923258
tolerance |a − b| ≤ 1e-05 + 1.3e-06·|b| (torch.testing's for float32): all 24 within
? 0

# bfloat16 keeps 8 significant bits: within bfloat16's default tolerance, but not within 1e-3.

$ attn compare tests/data/tensor/layer_bf16.safetensors:q tests/data/tensor/q.npy --json
{"a":{"file":"tests/data/tensor/layer_bf16.safetensors:q","dtype":"bfloat16","shape":[1,1,6,4]},"b":{"file":"tests/data/tensor/q.npy","dtype":"float64","shape":[6,4]},"elements":24,"rtol":0.016,"atol":1e-05,"beyond_tolerance":0,"within_tolerance":true,"max_abs_error":{"error":0.0018708610644103674,"index":[0,0,4,1],"a":-0.81640625,"b":-0.8182771110644104},"max_rel_error":{"error":0.0034123753729414265,"index":[0,0,2,2],"a":0.1416015625,"b":0.1411200080598672},"max_ulp_error":{"error":0.49311174669597335,"index":[0,0,2,2],"a":0.1416015625,"b":0.1411200080598672},"ulp_dtype":"bfloat16"}
? 0

$ attn compare tests/data/tensor/layer_bf16.safetensors:q tests/data/tensor/q.npy --rtol 1e-3 | tail -1
! attn: 12 of 24 elements beyond tolerance
tolerance |a − b| ≤ 1e-05 + 0.001·|b|: 12 of 24 beyond
? 0

$ attn compare tests/data/tensor/q.npy tests/data/tensor/v.npy
! attn: error: tests/data/tensor/q.npy has shape (6, 4) but tests/data/tensor/v.npy has shape (6, 3)
! hint: compare tensors of the same shape (leading axes of size 1 aside)
? 65

$ attn compare tests/data/tensor/q.npy tests/data/tensor/q.npy --atol -1
! attn: error: --atol must be a finite number ≥ 0, not -1
? 2

$ attn compare tests/data/tensor/bad_overlap.safetensors:q tests/data/tensor/q.npy
! attn: error: tests/data/tensor/bad_overlap.safetensors: tensors 'q' and 'k' overlap (bytes 64 to 96)
? 65
