Rotary position embeddings. q = [1, 0] and three keys k = [1, 0], d_k = R = 2, base 4 so
θ_0 = 4^0 = 1. The query is the last position (p = 2, bottom-right); keys sit at 0, 1, 2. A unit
vector at position p turns to (cos p, sin p), so s_j = cos(2 − j): [cos 2, cos 1, cos 0] =
[−0.4161, 0.5403, 1], and c = 1/√2 gives β = [−0.2943, 0.3821, 0.7071].
$ attn score --q "1,0" --k "1,0;1,0;1,0" --rope --rope-base 4
Scores of 1 query against 3 keys (d_k = 2)

  q = [1, 0]
  k =
        0  1
    k0  1  0
    k1  1  0
    k2  1  0

Step 1. Rotate q and k by their positions (RoPE, half pairs (i, i + R/2), R = 2 of d_k = 2)
  θ_i = 4^(−2i/2) = [1]
  q0 at p = 2:
    pair (0, 1): angle p·θ_0 = 2, cos -0.4161, sin 0.9093: (1, 0) → (-0.4161, 0.9093)
  k0 at p = 0:
    pair (0, 1): angle p·θ_0 = 0, cos 1, sin 0: (1, 0) → (1, 0)
  k1 at p = 1:
    pair (0, 1): angle p·θ_0 = 1, cos 0.5403, sin 0.8415: (1, 0) → (0.5403, 0.8415)
  k2 at p = 2:
    pair (0, 1): angle p·θ_0 = 2, cos -0.4161, sin 0.9093: (1, 0) → (-0.4161, 0.9093)
  q rotated = [-0.4161, 0.9093]
  k rotated =
              0       1
    k0   1.0000  0.0000
    k1   0.5403  0.8415
    k2  -0.4161  0.9093

Step 2. Dot products, s[i,j] = q_i·k_j   (1×2)·(3×2)ᵀ → 1×3
  s[0,0] = q0·k0 = (-0.4161)×1 + 0.9093×0 = -0.4161 + 0 = -0.4161
  s[0,1] = q0·k1 = (-0.4161)×0.5403 + 0.9093×0.8415 = -0.2248 + 0.7651 = 0.5403
  s[0,2] = q0·k2 = (-0.4161)×(-0.4161) + 0.9093×0.9093 = 0.1732 + 0.8268 = 1
  s = [-0.4161, 0.5403, 1]

Step 3. Scale by 1/√d_k, with d_k = 2 (the length of each query and key)
  √d_k = √2 = 1.4142
  s / √d_k = [-0.2943, 0.3821, 0.7071]

β = [-0.2943, 0.3821, 0.7071]
? 0

The score depends on m − n only: the same vectors moved 10 positions on give the same scores.
$ attn score --q "1,0" --k "1,0;1,0;1,0" --rope --rope-base 4 --q-positions 12 --k-positions 10,11,12 --json
{"d_k":2,"scale":0.7071067811865475,"rope":{"style":"half","base":4.0,"dim":2,"scale":1.0,"frequencies":[1.0],"q_positions":[12],"k_positions":[10,11,12],"q_angles":[[12.0]],"k_angles":[[10.0],[11.0],[12.0]]},"q_rotated":[[0.8438539587324921,-0.5365729180004349]],"k_rotated":[[-0.8390715290764524,-0.5440211108893698],[0.004425697988050785,-0.9999902065507035],[0.8438539587324921,-0.5365729180004349]],"scores":[[-0.29426025009181417,0.38205142437008976,0.7071067811865475]]}
? 0

The two pairings differ for d_k = 4: half pairs (0, 2) and (1, 3), interleaved (0, 1) and (2, 3).
q = k = [1, 2, 3, 4] with the query at p = 1 and the key at p = 0, base 100 (θ = [1, 0.1]):
half rotates (1, 3) by 1 and (2, 4) by 0.1; the key (p = 0) is not rotated, so
s = 1·(1·cos 1 − 3·sin 1) + 3·(1·sin 1 + 3·cos 1) + 2·(2·cos .1 − 4·sin .1) + 4·(2·sin .1 + 4·cos .1)
  = 10·cos 1 + 20·cos 0.1 = 5.4030 + 19.9001 = 25.3031;
interleaved: (1, 2) by 1 and (3, 4) by 0.1: s = 5·cos 1 + 25·cos 0.1 = 2.7015 + 24.8751 = 27.5766.
$ attn score --q "1,2,3,4" --k "1,2,3,4" --rope --rope-base 100 --q-positions 1 --k-positions 0 --no-scale --json
{"d_k":4,"scale":1.0,"rope":{"style":"half","base":100.0,"dim":4,"scale":1.0,"frequencies":[1.0,0.1],"q_positions":[1],"k_positions":[0],"q_angles":[[1.0,0.1]],"k_angles":[[0.0,0.0]]},"q_rotated":[[-1.9841106485555495,1.590674663968739,2.4623779024123156,4.17968349440576]],"k_rotated":[[1.0,2.0,3.0,4.0]],"scores":[[25.303106364241913]]}
? 0

$ attn score --q "1,2,3,4" --k "1,2,3,4" --rope --rope-base 100 --rope-style interleaved --q-positions 1 --k-positions 0 --no-scale --json
{"d_k":4,"scale":1.0,"rope":{"style":"interleaved","base":100.0,"dim":4,"scale":1.0,"frequencies":[1.0,0.1],"q_positions":[1],"k_positions":[0],"q_angles":[[1.0,0.1]],"k_angles":[[0.0,0.0]]},"q_rotated":[[-1.1426396637476532,1.922075596544176,2.585678829246765,4.279516911052588]],"k_rotated":[[1.0,2.0,3.0,4.0]],"scores":[[27.57661566129135]]}
? 0

Bad input is named: an odd or too large R, a base that is not above 1, positions that are not
whole numbers or not one per row, and a --rope-… flag without --rope.
$ attn score --q "1,2,3,4" --k "1,2,3,4" --rope --rope-dim 3
! attn: error: --rope-dim 3 is odd: dimensions rotate in pairs
! hint: give an even --rope-dim
? 2

$ attn score --q "1,2,3,4" --k "1,2,3,4" --rope --rope-dim 6
! attn: error: --rope-dim 6 is more than d_k = 4
! hint: rotate at most every dimension of q and k
? 2

$ attn score --q "1,2,3" --k "1,2,3" --rope
! attn: error: d_k = 3 is odd, and RoPE rotates pairs of dimensions
! hint: give --rope-dim 2 to rotate the first 2
? 2

$ attn score --q "1,2" --k "1,2" --rope --rope-base 1
! attn: error: --rope-base must be a number above 1, not 1
! hint: LLaMA uses 10000; LLaMA 3 500000
? 2

$ attn score --q "1,2" --k "1,2" --rope --q-positions 1.5
! attn: error: --q-positions[0] is 1.5, not a whole number
! hint: positions are token indices: 0, 1, 2, …
? 65

$ attn score --q "1,2" --k "1,2" --rope --k-positions 0,1
! attn: error: --k-positions has 2 ids but there is 1 key
! hint: give one position per key row
? 65

$ attn score --q "1,2" --k "1,2" --rope-base 500
! attn: error: --rope-base needs --rope
! hint: add --rope to rotate q and k by their positions
? 2

$ echo '{"q": [1, 2], "k": [1, 2], "rope": {"bse": 4}}' | attn score --input -
! attn: error: input.rope has an unknown key "bse"
! hint: did you mean "base"?
? 65



`attn explain rope` in numbers. d = 4, base 100: θ = [1, 0.1]. Part 1's shifted pairs all score
alike; part 2's rows are Σ_i 2cos(Δθ_i): Δ = 1 gives 2cos 1 + 2cos 0.1 = 1.0806 + 1.9900 =
3.0706, Δ = 2 gives 2cos 2 + 2cos 0.2 = −0.8323 + 1.9601 = 1.1278; part 3's permutation for d = 4
sends interleaved dimensions 0, 1, 2, 3 to half dimensions 0, 2, 1, 3.
$ attn explain rope --dim 4 --base 100 --max-distance 2
Rotary position embeddings with d = 4, base 100: pair i turns by p·θ_i, θ_i = 100^(−2i/4)
  θ = [1, 0.1]

1. The score depends on m − n only. Two fixed vectors, q at m and k at n:
  m =    3, n =    1   (m − n = 2)   q_m·k_n = -1.5122
  m =    4, n =    2   (m − n = 2)   q_m·k_n = -1.5122
  m =   13, n =   11   (m − n = 2)   q_m·k_n = -1.5122
  m =  103, n =  101   (m − n = 2)   q_m·k_n = -1.5122
  m = 1003, n = 1001   (m − n = 2)   q_m·k_n = -1.5122
  A rotation by m·θ against one by n·θ leaves a rotation by (m − n)·θ: the shift cancels.

2. How the score of q = k = all ones varies with the distance Δ: each pair gives
  2·cos(Δ·θ_i).
       Δ       score   the pairs (fastest first)
       0           4   2  2
       1      3.0706   1.0806  1.99
       2      1.1278   -0.8323  1.9601
  At Δ = 0 every pair gives 2 (the score is d = 4); the fast pairs turn through whole
  circles while the slow ones still point the same way, so far keys score lower on average.

3. The two pairings. half pairs (i, i + 2) (GPT-NeoX, Hugging Face rotate_half);
  interleaved pairs (2i, 2i + 1) (GPT-J, RoFormer, Meta's LLaMA).
  q at 5, k at 2: half gives -1.8907, interleaved gives -0.1577 for the same vectors.
  Dimension t of an interleaved model is dimension perm[t] of a half one, perm = [0, 2, 1, 3]:
  reordered so, the vectors give -0.1577 under half, the interleaved score.
? 0


`attn explain rope --as LIB`: the chosen pairing in each library. d = 4, base 100, q_t = sin(t + 1)
and k_t = cos(2t + 1) at positions 0 … 3. The diagonal is q·k unrotated: sin 1·cos 1 + sin 2·cos 3
+ sin 3·cos 5 + sin 4·cos 7 = 0.4546 − 0.9002 + 0.0400 − 0.5705 = −0.9761; every diagonal holds one
value (the score depends on m − n only), and m − n = 3 gives part 3's −1.8907 (half) and −0.1577
(interleaved). Hugging Face's rotate_half is the half pairing itself; Meta's complex pairs are
interleaved, so its code reorders q and k to 0, 2, 1, 3 and back.
$ attn explain rope --dim 4 --base 100 --max-distance 1 --as hf
Rotary position embeddings with d = 4, base 100: pair i turns by p·θ_i, θ_i = 100^(−2i/4)
  θ = [1, 0.1]

1. The score depends on m − n only. Two fixed vectors, q at m and k at n:
  m =    3, n =    1   (m − n = 2)   q_m·k_n = -1.5122
  m =    4, n =    2   (m − n = 2)   q_m·k_n = -1.5122
  m =   13, n =   11   (m − n = 2)   q_m·k_n = -1.5122
  m =  103, n =  101   (m − n = 2)   q_m·k_n = -1.5122
  m = 1003, n = 1001   (m − n = 2)   q_m·k_n = -1.5122
  A rotation by m·θ against one by n·θ leaves a rotation by (m − n)·θ: the shift cancels.

2. How the score of q = k = all ones varies with the distance Δ: each pair gives
  2·cos(Δ·θ_i).
       Δ       score   the pairs (fastest first)
       0           4   2  2
       1      3.0706   1.0806  1.99
  At Δ = 0 every pair gives 2 (the score is d = 4); the fast pairs turn through whole
  circles while the slow ones still point the same way, so far keys score lower on average.

3. The two pairings. half pairs (i, i + 2) (GPT-NeoX, Hugging Face rotate_half);
  interleaved pairs (2i, 2i + 1) (GPT-J, RoFormer, Meta's LLaMA).
  q at 5, k at 2: half gives -1.8907, interleaved gives -0.1577 for the same vectors.
  Dimension t of an interleaved model is dimension perm[t] of a half one, perm = [0, 2, 1, 3]:
  reordered so, the vectors give -0.1577 under half, the interleaved score.

Rotary embedding, half pairing, d = 4, base 100: in each library
Checked on q_t = sin(t + 1) and k_t = cos(2t + 1) at every position 0 … 3; q_m·k_n of the rotated vectors:
             n=0      n=1      n=2      n=3
    m=0  -0.9761  -1.3265  -1.7823  -1.8989
    m=1  -1.0658  -0.9761  -1.3265  -1.7823
    m=2  -1.5122  -1.0658  -0.9761  -1.3265
    m=3  -1.8907  -1.5122  -1.0658  -0.9761

Hugging Face transformers (apply_rotary_pos_emb with rotate_half)
    from transformers.models.llama.modeling_llama import apply_rotary_pos_emb
    L, d, base = 4, 4, 100.0  # positions 0 … L − 1; q, k: (L, d) tensors
    inv_freq = 1.0 / (base ** (torch.arange(0, d, 2).float() / d))  # θ_i, (d/2,)
    freqs = torch.arange(L).float()[:, None] * inv_freq  # (L, d/2): p·θ_i, as LlamaRotaryEmbedding
    emb = torch.cat((freqs, freqs), dim=-1)  # (L, d): dimensions i and i + d/2 share θ_i
    cos, sin = emb.cos()[None], emb.sin()[None]  # (batch, L, d)
    q_rot, k_rot = apply_rotary_pos_emb(q[None, None], k[None, None], cos, sin)  # (batch, heads, L, d)
    q_rot, k_rot = q_rot[0, 0], k_rot[0, 0]
  ✓ gives attn's half rotation
  note: transformers' LLaMA, Mistral, Qwen and GPT-NeoX use rotate_half, the half pairing; cos and sin come from the model's rotary_emb(x, position_ids), base = config.rope_theta
  ✗ careful: the same q and k in the interleaved pairing (a checkpoint of the other convention used without the permutation below) score differently:
    half (attn's, this code)                   interleaved
             n=0      n=1      n=2      n=3        n=0      n=1      n=2      n=3
    m=0  -0.9761  -1.3265  -1.7823  -1.8989    -0.9761   0.3137   0.8059   0.0263
    m=1  -1.0658  -0.9761  -1.3265  -1.7823    -1.8510  -0.9761   0.3137   0.8059
    m=2  -1.5122  -1.0658  -0.9761  -1.3265    -1.4750  -1.8510  -0.9761   0.3137
    m=3  -1.8907  -1.5122  -1.0658  -0.9761    -0.1577  -1.4750  -1.8510  -0.9761

Converting a checkpoint between the pairings (per head of d = 4 dimensions)
  half dimension u is interleaved dimension to_half[u], to_half = [0, 2, 1, 3]
  interleaved → half, on each of wq's and wk's heads (not wv's), as Hugging Face's
  convert_llama_weights_to_hf.py permute does:
    w.view(n_heads, d // 2, 2, dim_in).transpose(1, 2).reshape(n_heads * d, dim_in)
  half → interleaved, the inverse:
    w.view(n_heads, 2, d // 2, dim_in).transpose(1, 2).reshape(n_heads * d, dim_in)
  ✓ q and k reordered by to_half and rotated in the half pairing give the interleaved scores
? 0

$ attn explain rope --dim 4 --base 100 --max-distance 1 --style interleaved --as llama
Rotary position embeddings with d = 4, base 100: pair i turns by p·θ_i, θ_i = 100^(−2i/4)
  θ = [1, 0.1]

1. The score depends on m − n only. Two fixed vectors, q at m and k at n:
  m =    3, n =    1   (m − n = 2)   q_m·k_n = -1.5122
  m =    4, n =    2   (m − n = 2)   q_m·k_n = -1.5122
  m =   13, n =   11   (m − n = 2)   q_m·k_n = -1.5122
  m =  103, n =  101   (m − n = 2)   q_m·k_n = -1.5122
  m = 1003, n = 1001   (m − n = 2)   q_m·k_n = -1.5122
  A rotation by m·θ against one by n·θ leaves a rotation by (m − n)·θ: the shift cancels.

2. How the score of q = k = all ones varies with the distance Δ: each pair gives
  2·cos(Δ·θ_i).
       Δ       score   the pairs (fastest first)
       0           4   2  2
       1      3.0706   1.0806  1.99
  At Δ = 0 every pair gives 2 (the score is d = 4); the fast pairs turn through whole
  circles while the slow ones still point the same way, so far keys score lower on average.

3. The two pairings. half pairs (i, i + 2) (GPT-NeoX, Hugging Face rotate_half);
  interleaved pairs (2i, 2i + 1) (GPT-J, RoFormer, Meta's LLaMA).
  q at 5, k at 2: half gives -1.8907, interleaved gives -0.1577 for the same vectors.
  Dimension t of an interleaved model is dimension perm[t] of a half one, perm = [0, 2, 1, 3]:
  reordered so, the vectors give -0.1577 under half, the interleaved score.

Rotary embedding, interleaved pairing, d = 4, base 100: in each library
Checked on q_t = sin(t + 1) and k_t = cos(2t + 1) at every position 0 … 3; q_m·k_n of the rotated vectors:
             n=0      n=1      n=2      n=3
    m=0  -0.9761   0.3137   0.8059   0.0263
    m=1  -1.8510  -0.9761   0.3137   0.8059
    m=2  -1.4750  -1.8510  -0.9761   0.3137
    m=3  -0.1577  -1.4750  -1.8510  -0.9761

Meta's reference LLaMA (llama/model.py, complex freqs_cis)
    from llama.model import apply_rotary_emb, precompute_freqs_cis
    L, d, base = 4, 4, 100.0  # positions 0 … L − 1; q, k: (L, d) tensors
    inv_freq = 1.0 / (base ** (torch.arange(0, d, 2).float() / d))  # θ_i, (d/2,)
    freqs_cis = precompute_freqs_cis(d, L, theta=base)  # (L, d/2) complex: e^(i·p·θ_i)
    q_rot, k_rot = apply_rotary_emb(q[None, :, None], k[None, :, None], freqs_cis)  # (batch, L, heads, d)
    q_rot, k_rot = q_rot[0, :, 0], k_rot[0, :, 0]
  ✓ gives attn's interleaved rotation
  note: view_as_complex pairs dimensions (2i, 2i + 1): the interleaved pairing; apply_rotary_emb rotates q and k by the same freqs_cis rows (freqs_cis[start_pos : start_pos + L])
  ✗ careful: the same q and k in the half pairing (a checkpoint of the other convention used without the permutation below) score differently:
    interleaved (attn's, this code)            half
             n=0      n=1      n=2      n=3        n=0      n=1      n=2      n=3
    m=0  -0.9761   0.3137   0.8059   0.0263    -0.9761  -1.3265  -1.7823  -1.8989
    m=1  -1.8510  -0.9761   0.3137   0.8059    -1.0658  -0.9761  -1.3265  -1.7823
    m=2  -1.4750  -1.8510  -0.9761   0.3137    -1.5122  -1.0658  -0.9761  -1.3265
    m=3  -0.1577  -1.4750  -1.8510  -0.9761    -1.8907  -1.5122  -1.0658  -0.9761

Converting a checkpoint between the pairings (per head of d = 4 dimensions)
  half dimension u is interleaved dimension to_half[u], to_half = [0, 2, 1, 3]
  interleaved → half, on each of wq's and wk's heads (not wv's), as Hugging Face's
  convert_llama_weights_to_hf.py permute does:
    w.view(n_heads, d // 2, 2, dim_in).transpose(1, 2).reshape(n_heads * d, dim_in)
  half → interleaved, the inverse:
    w.view(n_heads, 2, d // 2, dim_in).transpose(1, 2).reshape(n_heads * d, dim_in)
  ✓ q and k reordered by to_half and rotated in the half pairing give the interleaved scores
? 0

--style without --as has nothing to translate; the libraries of --as are RoPE's, not the masks'.
$ attn explain rope --style half
! attn: error: --style picks the pairing --as translates
! hint: add --as hf, gptj, flash-attn, llama or all
? 2

$ attn explain rope --as lama
! attn: error: --as: unknown library 'lama' for rotary embeddings
! hint: did you mean 'llama'?
? 2

$ attn explain rope --as sdpa
! attn: error: --as: unknown library 'sdpa' for rotary embeddings
! hint: libraries: hf (transformers), gptj (gpt-j), flash-attn, llama (meta), or all
? 2
