The default style: ■ may attend, ⬚ blocked. Row i sees keys j ≤ i, so i + 1 of them.

$ attn mask causal --n 4
causal — 4×4
  i  0 1 2 3  keys
  0  ■ ⬚ ⬚ ⬚  1
  1  ■ ■ ⬚ ⬚  2
  2  ■ ■ ■ ⬚  3
  3  ■ ■ ■ ■  4
■ may attend, ⬚ blocked
? 0

window:3 keeps p − 3 < j ≤ p: three keys once the window is full.

$ attn mask "causal & window:3" --n 5 --style bool
causal & window:3 — 5×5
  i  0 1 2 3 4  keys
  0  1 0 0 0 0  1
  1  1 1 0 0 0  2
  2  1 1 1 0 0  3
  3  0 1 1 1 0  3
  4  0 0 1 1 1  3
1 may attend, 0 blocked
? 0

Bottom-right: query i sits at p = i + 1, so row 0 sees keys 0 and 1.

$ attn mask causal --n 2 --m 3 --style additive
causal — 2×3, bottom-right: query i sits at position p = i + 1
  i  p   0  1  2  keys
  0  1   0  0 −∞  2
  1  2   0  0  0  3
0 may attend, −∞ blocked: M is added to the scores
? 0

$ attn mask valid:2 --n 2 --m 3 --style score --align top-left
valid:2 — 2×3, top-left: query i sits at position p = i
  i      0     1     2  keys
  0  Score Score    −∞  2
  1  Score Score    −∞  2
Score may attend, −∞ blocked
? 0

Three queries, two keys, bottom-right: p = i − 1, so row 0 comes before every key.

$ attn mask causal --n 3 --m 2
causal — 3×2, bottom-right: query i sits at position p = i − 1
  i   p  0 1  keys
  0  -1  ⬚ ⬚  0  every key blocked
  1   0  ■ ⬚  1
  2   1  ■ ■  2
■ may attend, ⬚ blocked
? 0

$ attn mask prefix:2 --n 5 --explain 1,3
blocked by prefix:2: j = 3 ≥ P = 2 and j = 3 > p = 1
verdict: blocked (row i = 1 at position p = 1, key j = 3, mask prefix:2)
? 0

$ attn mask "causal & window:2" --n 4 --explain 3,1
allowed by causal: j = 1 ≤ p = 3
blocked by window:2: p − j = 2 is not < 2
verdict: blocked (row i = 3 at position p = 3, key j = 1, mask causal & window:2)
? 0

$ attn mask causal --n 2 --m 3 --json
{"mask":[[true,true,false],[true,true,true]],"expr":"causal","align":"bottom-right","visible":[2,3]}
? 0

$ attn mask causal --n 2 --explain 1,0 --json
{"expr":"causal","align":"bottom-right","i":1,"j":0,"allowed":true,"explain":["allowed by causal: j = 0 ≤ p = 1","verdict: allowed (row i = 1 at position p = 1, key j = 0, mask causal)"]}
? 0

A wide mask piped to head ends quietly.

$ attn mask causal --n 2000 --force | head -1
causal — 2000×2000
? 0

Errors.

$ attn mask "causal & windw:3" --n 3
! attn: error: mask: unknown atom 'windw' at column 10 (did you mean 'window'?)
! hint: mask atoms: full (or none), causal, window:W, local:W, prefix:P, valid:L (or valid:L1,L2,… one per query row), document:ID,ID,… (one per key), chunk:C, dilated:W:D; combine with & (and), | (or), ! (not) and parentheses
? 2

$ attn mask causal --n 0
! attn: error: --n must be from 1 to 1000000, not 0
! hint: run 'attn mask --help'
? 2

$ attn mask causal --n 2000
! attn: error: the mask would have 2000×2000 = 4000000 cells, more than 1000000
! hint: add --force to print it anyway, or use smaller --n/--m
? 2

$ attn mask causal --n 3 --explain 5,0
! attn: error: mask: cell (i = 5, j = 0) is outside the 3×3 mask
? 65

$ attn mask causal --n 3 --explain 1
! attn: error: --explain: expected I,J (query row, key column), got '1'
! hint: e.g. --explain 3,1 for row 3, column 1, counting from 0
? 2

$ attn mask causal --n 3 --style bold
! attn: error: --style: unknown style 'bold'
! hint: did you mean 'bool'?
? 2

$ attn mask causal --n 3 --as flsh-attn
! attn: error: --as: unknown library 'flsh-attn'
! hint: did you mean 'flash-attn'?
? 2

$ attn mask document:0,1 --n 4
! attn: error: mask: document gives 2 segment ids but there are 4 keys; give one id per key position
? 65

The translator. SDPA's is_causal is top-left (j ≤ i); attn's causal here is bottom-right
(p = i + 2), so is_causal would block keys 1–2 of row 0 and 2–3 of row 1.

$ attn mask causal --n 2 --m 4 --as sdpa --style bool
causal — 2×4, bottom-right: query i sits at position p = i + 2
  i  p  0 1 2 3  keys
  0  2  1 1 1 0  3
  1  3  1 1 1 1  4
1 may attend, 0 blocked

PyTorch SDPA (torch.nn.functional.scaled_dot_product_attention)
    from torch.nn.attention.bias import causal_lower_right
    F.scaled_dot_product_attention(q, k, v, attn_mask=causal_lower_right(2, 4))
  ✓ gives attn's mask
  note: is_causal=True aligns top-left (keeps j ≤ i); attn's causal is bottom-right, so with N ≠ M use causal_lower_right (torch.nn.attention.bias)
  ✗ careful: this gives a different mask:
    F.scaled_dot_product_attention(q, k, v, is_causal=True)
    attn's mask   that code   differs
    1 1 1 0       1 0 0 0     · × × ·
    1 1 1 1       1 1 0 0     · · × ×
? 0

nn.MultiheadAttention: True = BLOCKED, so the tensor is ~mask; handing it SDPA's mask flips every
cell.

$ attn mask window:2 --n 3 --as mha --style bool
window:2 — 3×3
  i  0 1 2  keys
  0  1 0 0  1
  1  1 1 0  2
  2  0 1 1  2
1 may attend, 0 blocked

PyTorch nn.MultiheadAttention
    L, S = 3, 3  # queries, keys
    i = torch.arange(L)[:, None]  # query rows
    p = i  # query positions
    j = torch.arange(S)[None, :]  # key positions
    mask = (j <= p) & (p - j < 2)  # True = may attend
    mha(q, k, v, attn_mask=~mask)  # True = BLOCKED: note the ~
  ✓ gives attn's mask, as an explicit tensor (no native form)
  note: nn.MultiheadAttention reads a bool attn_mask as True = NOT allowed, the opposite of SDPA (pytorch/pytorch #170400; rasbt/LLMs-from-scratch #1061)
  ✗ careful: this gives a different mask:
    mha(q, k, v, attn_mask=mask)  # SDPA's polarity: wrong here
    attn's mask   that code   differs
    1 0 0         0 1 1       × × ×
    1 1 0         0 0 1       × × ×
    0 1 1         1 0 0       × × ×
? 0

flash-attn keeps [p − l, p + r]: window:3 is (2, 0); (3, 0) lets row 3 see key 0 too.

$ attn mask window:3 --n 4 --as flash-attn --style bool
window:3 — 4×4
  i  0 1 2 3  keys
  0  1 0 0 0  1
  1  1 1 0 0  2
  2  1 1 1 0  3
  3  0 1 1 1  3
1 may attend, 0 blocked

flash-attn (flash_attn_func)
    flash_attn_func(q, k, v, causal=True, window_size=(2, 0))
  ✓ gives attn's mask
  note: window_size=(l, r) keeps keys [p − l, p + r], l + 1 + r of them: window:3 (W = 3 keys, the query's own included) is window_size=(2, 0), not (3, 0)
  ✗ careful: this gives a different mask:
    flash_attn_func(q, k, v, causal=True, window_size=(3, 0))
    attn's mask   that code   differs
    1 0 0 0       1 0 0 0     · · · ·
    1 1 0 0       1 1 0 0     · · · ·
    1 1 1 0       1 1 1 0     · · · ·
    0 1 1 1       1 1 1 1     × · · ·
? 0

flash-attn with padding (flash_attn_varlen_func on the real keys, or its tests'
key_padding_mask) lines the queries up with the last real key: 2 queries, 2 real keys of 3, so
flash-attn's query i sits at i + 2 − 2 = i, attn's at i + 3 − 2 = i + 1. With equal scores
flash-attn gives row 0 the weights [1, 0, 0], attn [½, ½, 0].

$ attn mask "causal & valid:2" --n 2 --m 3 --as flash-attn --style bool
causal & valid:2 — 2×3, bottom-right: query i sits at position p = i + 1
  i  p  0 1 2  keys
  0  1  1 1 0  2
  1  2  1 1 0  2
1 may attend, 0 blocked

flash-attn (flash_attn_func)
    L, S = 2, 3  # queries, keys
    i = torch.arange(L)[:, None]  # query rows
    p = i + (S - L)  # query positions (bottom-right)
    j = torch.arange(S)[None, :]  # key positions
    mask = (j <= p) & (j < 2)  # True = may attend
    # flash_attn_func takes no mask tensor: run this mask through SDPA instead
    F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
  ✓ gives attn's mask, as an explicit tensor (no native form)
  note: with padding, flash-attn lines the queries up with the last real key: query i sits at i + 2 − 2 = i (only the 2 real keys count), where attn's sits at p = i + 1 (bottom-right, the padding counted); with queries padded the same way (cu_seqlens_q = cu_seqlens_k, one padded sequence attending to itself) the real rows agree
  note: flash-attn can only express causal and window_size=(l, r) (plus padding and packed documents through flash_attn_varlen_func's cu_seqlens); this mask needs a tensor
  ✗ careful: this gives a different mask:
    # flash_attn_varlen_func takes the 2 real keys and no padding; cu_seqlens mark where each sequence starts
    cu_seqlens_q = torch.tensor([0, 2], dtype=torch.int32)  # 2 queries
    cu_seqlens_k = torch.tensor([0, 2], dtype=torch.int32)  # keys 0 … 1; the rest is padding, left out
    flash_attn_varlen_func(q[0], k[0, :2], v[0, :2], cu_seqlens_q, cu_seqlens_k, max_seqlen_q=2, max_seqlen_k=2, causal=True)
    attn's mask   that code   differs
    1 1 0         1 0 0       · × ·
    1 1 0         1 1 0       · · ·
? 0

$ attn attend --q "0;0" --k "0;0;0" --v "1;2;3" --mask "causal & valid:2" --json
{"d_k":1,"scale":1.0,"scores":[[0.0,0.0,"-Infinity"],[0.0,0.0,"-Infinity"]],"mask":[[true,true,false],[true,true,false]],"weights":[[0.5,0.5,0.0],[0.5,0.5,0.0]],"output":[[1.5],[1.5]]}
? 0

Padding alone is native: the padded keys are simply left out.

$ attn mask valid:2 --n 3 --as flash-attn --style bool
valid:2 — 3×3
  i  0 1 2  keys
  0  1 1 0  2
  1  1 1 0  2
  2  1 1 0  2
1 may attend, 0 blocked

flash-attn (flash_attn_func)
    # flash_attn_varlen_func takes the 2 real keys and no padding; cu_seqlens mark where each sequence starts
    cu_seqlens_q = torch.tensor([0, 3], dtype=torch.int32)  # 3 queries
    cu_seqlens_k = torch.tensor([0, 2], dtype=torch.int32)  # keys 0 … 1; the rest is padding, left out
    flash_attn_varlen_func(q[0], k[0, :2], v[0, :2], cu_seqlens_q, cu_seqlens_k, max_seqlen_q=3, max_seqlen_k=2)
  ✓ gives attn's mask
? 0

window_size=(-1, W) keeps every key up to p + W: causal | local:W.

$ attn mask "causal | local:1" --n 4 --as flash-attn --style bool
causal | local:1 — 4×4
  i  0 1 2 3  keys
  0  1 1 0 0  2
  1  1 1 1 0  3
  2  1 1 1 1  4
  3  1 1 1 1  4
1 may attend, 0 blocked

flash-attn (flash_attn_func)
    flash_attn_func(q, k, v, window_size=(-1, 1))
  ✓ gives attn's mask
  note: window_size=(-1, 1) keeps every key up to p + 1: causal | local:1
? 0

Hugging Face's sliding_window = W keeps q − W < j ≤ q: the same W keys as window:W.

$ attn mask "causal & valid:2" --n 3 --as hf --style bool
causal & valid:2 — 3×3
  i  0 1 2  keys
  0  1 0 0  1
  1  1 1 0  2
  2  1 1 0  2
1 may attend, 0 blocked

Hugging Face transformers (masking_utils)
    # a decoder (causal LM): causal_mask_function keeps kv_idx <= q_idx
    attention_mask = torch.tensor([[1, 1, 0]])  # 1 = real token
    model(input_ids, attention_mask=attention_mask)
  ✓ gives attn's mask
? 0

Hugging Face's sliding_window_bidirectional_mask_function (transformers 5) keeps
|q_idx − kv_idx| ≤ W: local:W, 2W + 1 keys where the decoder's sliding_window = W keeps W.

$ attn mask "local:1 & valid:3" --n 4 --as hf --style bool
local:1 & valid:3 — 4×4
  i  0 1 2 3  keys
  0  1 1 0 0  2
  1  1 1 1 0  3
  2  0 1 1 0  2
  3  0 0 1 0  1
1 may attend, 0 blocked

Hugging Face transformers (masking_utils)
    # an encoder: sliding_window_bidirectional_mask_function keeps |q_idx - kv_idx| <= 1 (transformers 5)
    config.sliding_window = 1
    attention_mask = torch.tensor([[1, 1, 1, 0]])  # 1 = real token
    mask = create_bidirectional_sliding_window_mask(config, inputs_embeds, attention_mask)
  ✓ gives attn's mask
  note: the same config.sliding_window = 1 keeps 1 key in a decoder (q − 1 < j ≤ q) but 3 here (|q − j| ≤ 1)
? 0

A decoder with fewer queries than keys: the cache holds the S − L earlier tokens, and that gives
the offset (transformers 5; 4.x also took cache_position).

$ attn mask causal --n 2 --m 4 --as hf --style bool
causal — 2×4, bottom-right: query i sits at position p = i + 2
  i  p  0 1 2 3  keys
  0  2  1 1 1 0  3
  1  3  1 1 1 1  4
1 may attend, 0 blocked

Hugging Face transformers (masking_utils)
    # a decoder (causal LM): causal_mask_function keeps kv_idx <= q_idx
    # past_key_values already holds 2 tokens, so the queries sit at positions 2 … 3
    # (transformers 5 reads that offset from the cache; 4.x took cache_position=torch.arange(2, 4))
    model(input_ids, past_key_values=past_key_values)
  ✓ gives attn's mask
? 0

Two packed documents of 2 and 3 tokens, causal within each.

$ attn mask "causal & document:0,0,1,1,1" --n 5 --as xformers --style bool
causal & document:0,0,1,1,1 — 5×5
  i  0 1 2 3 4  keys
  0  1 0 0 0 0  1
  1  1 1 0 0 0  2
  2  0 0 1 0 0  1
  3  0 0 1 1 0  2
  4  0 0 1 1 1  3
1 may attend, 0 blocked

xformers (xformers.ops.fmha.attn_bias)
    xops.memory_efficient_attention(q, k, v, attn_bias=fmha.attn_bias.BlockDiagonalCausalMask.from_seqlens([2, 3]))
  ✓ gives attn's mask
  note: BlockDiagonal masks expect the sequences packed into a batch of 1
? 0

attention-gym's generate_sliding_window(2) keeps q_idx − kv_idx ≤ 2: three keys, not two.

$ attn mask window:2 --n 4 --as flex --style bool
window:2 — 4×4
  i  0 1 2 3  keys
  0  1 0 0 0  1
  1  1 1 0 0  2
  2  0 1 1 0  2
  3  0 0 1 1  2
1 may attend, 0 blocked

FlexAttention / attention-gym (mask_mod)
    L, S = 4, 4  # queries, keys
    def mask_mod(b, h, q_idx, kv_idx):  # True = may attend
        i, j = q_idx, kv_idx
        p = i  # query positions
        return (j <= p) & (p - j < 2)
    block_mask = create_block_mask(mask_mod, B=None, H=None, Q_LEN=L, KV_LEN=S)
    flex_attention(q, k, v, block_mask=block_mask)
  ✓ gives attn's mask
  note: attention-gym's generate_sliding_window(2) keeps q_idx − kv_idx ≤ 2: 3 keys, one more than window:2
  ✗ careful: this gives a different mask:
    attn_gym.masks.generate_sliding_window(window_size=2)
    attn's mask   that code   differs
    1 0 0 0       1 0 0 0     · · · ·
    1 1 0 0       1 1 0 0     · · · ·
    0 1 1 0       1 1 1 0     × · · ·
    0 0 1 1       0 1 1 1     · × · ·
? 0

d2l's masked_softmax keeps keys j < valid_len.

$ attn mask valid:2 --n 2 --m 3 --as d2l --style bool
valid:2 — 2×3, bottom-right: query i sits at position p = i + 1
  i  p  0 1 2  keys
  0  1  1 1 0  2
  1  2  1 1 0  2
1 may attend, 0 blocked

d2l (masked_softmax with valid_lens)
    valid_lens = torch.tensor([2])  # keys j < 2 for every query
    attention = d2l.masked_softmax(scores, valid_lens)
  ✓ gives attn's mask
? 0

$ attn mask causal --n 2 --as flex --json
{"mask":[[true,false],[true,true]],"expr":"causal","align":"bottom-right","visible":[1,2],"translations":[{"library":"flex","code":"L, S = 2, 2  # queries, keys\ndef mask_mod(b, h, q_idx, kv_idx):  # True = may attend\n    i, j = q_idx, kv_idx\n    p = i  # query positions\n    return (j <= p)\nblock_mask = create_block_mask(mask_mod, B=None, H=None, Q_LEN=L, KV_LEN=S)\nflex_attention(q, k, v, block_mask=block_mask)\n","exact":true,"native":true,"mask":[[true,false],[true,true]],"notes":[]}]}
? 0
