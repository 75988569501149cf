#!/usr/bin/python3
"""Makes the small .npy/.npz fixtures for tests/unit/tensor_attend_test.cpp and tests/cli/tensor.t.

Run from this directory with Debian's NumPy: /usr/bin/python3 make_fixtures.py
The values are fixed (no RNG) so the files never change: q, k, v for 6 queries over 6 keys.
"""
import numpy as np

i = np.arange(6, dtype=np.float64)[:, None]
t = np.arange(4, dtype=np.float64)[None, :]
q = np.sin(1.0 + i * 0.7 + t * 0.3)           # (6, 4)
k = np.cos(0.5 + i * 0.4 - t * 0.6)           # (6, 4)
v = np.round(np.tanh(i - 2.5 + t[:, :3]), 3)  # (6, 3)

np.save("q.npy", q)
np.save("k.npy", k)
np.save("v.npy", v)
np.save("q_f32_be.npy", q.astype(">f4"))               # float32, big-endian
np.save("k_fortran.npy", np.asfortranarray(k))        # float64, Fortran order
np.save("v_batch.npy", v[None, :, :])                  # (1, 6, 3): a batch of one
np.savez("qkv.npz", q=q, k=k, v=v)
np.savez_compressed("qkv_compressed.npz", q=q, k=k, v=v)
bad = q.copy()
bad[2, 1] = np.nan
np.save("q_nan.npy", bad)
np.save("k_d3.npy", k[:, :3])                          # d_k mismatch

# The reference output, the straightforward way, for the causal mask.
s = q @ k.T / np.sqrt(4)
s[np.triu(np.ones((6, 6), bool), 1)] = -np.inf
w = np.exp(s - s.max(axis=1, keepdims=True))
w /= w.sum(axis=1, keepdims=True)
np.save("o_causal.npy", w @ v)

# ---- safetensors, written here with json and struct (not by attn) -------------------------------
import json
import struct


def safetensors_bytes(tensors, metadata=None, header_override=None, pad=True):
    """The bytes of a safetensors file: u64 LE header length, JSON header, the buffer."""
    header, buffer = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    codes = {np.dtype("<f2"): "F16", np.dtype("<f4"): "F32", np.dtype("<f8"): "F64",
             np.dtype("bool"): "BOOL", np.dtype("<i4"): "I32", np.dtype("<i8"): "I64"}
    for name, (arr, code) in tensors.items():
        raw = np.ascontiguousarray(arr).tobytes()
        header[name] = {"dtype": code or codes[arr.dtype], "shape": list(arr.shape),
                        "data_offsets": [len(buffer), len(buffer) + len(raw)]}
        buffer += raw
    text = json.dumps(header if header_override is None else header_override).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + buffer


def bf16_bits(a):
    """float32 -> bfloat16 bits, rounding to nearest even (NaN-free input)."""
    u = np.ascontiguousarray(a, dtype="<f4").view("<u4").astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype("<u2")


def put(name, data):
    with open(name, "wb") as f:
        f.write(data)


# q, k, v of the tensors above as one (1, 1, 6, 4) layer; metadata as transformers writes it
layer = {"q": (q[None, None].astype("<f4"), None), "k": (k[None, None].astype("<f4"), None),
         "v": (v[None, None].astype("<f4"), None)}
put("layer.safetensors", safetensors_bytes(layer, metadata={"format": "pt"}))
put("layer_bf16.safetensors", safetensors_bytes(
    {n: (bf16_bits(a), "BF16") for n, (a, _) in layer.items()}))
put("q_f16.safetensors", safetensors_bytes({"q": (q.astype("<f2"), None)}, pad=False))
np.save("q_f16.npy", q.astype("<f2"))

# header defects, one per file
good = safetensors_bytes({"q": (q.astype("<f4"), None)})
n = struct.unpack("<Q", good[:8])[0]
put("bad_truncated.safetensors", good[:-5])                       # the buffer ends early
put("bad_short.safetensors", good[:5])                            # not even the length
put("bad_huge_header.safetensors", struct.pack("<Q", 2**40) + good[8:])
put("bad_header_past_end.safetensors", struct.pack("<Q", len(good)) + good[8:])
put("bad_not_json.safetensors", struct.pack("<Q", 8) + b"{'q': 1}" + good[8 + n:])
put("bad_dtype.safetensors", safetensors_bytes({"q": (q.astype("<f4"), "F8_E4M3")}))
put("bad_shape.safetensors", safetensors_bytes({}, header_override={
    "q": {"dtype": "F32", "shape": [6, 5], "data_offsets": [0, 96]}}) + q.astype("<f4").tobytes())
put("bad_outside.safetensors", safetensors_bytes({}, header_override={
    "q": {"dtype": "F32", "shape": [6, 4], "data_offsets": [8, 104]}}) + q.astype("<f4").tobytes())
put("bad_overlap.safetensors", safetensors_bytes({}, header_override={
    "q": {"dtype": "F32", "shape": [6, 4], "data_offsets": [0, 96]},
    "k": {"dtype": "F32", "shape": [2, 4], "data_offsets": [64, 96]}}) + q.astype("<f4").tobytes())
put("bad_gap.safetensors", safetensors_bytes({}, header_override={
    "q": {"dtype": "F32", "shape": [5, 4], "data_offsets": [16, 96]}}) + q.astype("<f4").tobytes())
put("bad_metadata.safetensors", safetensors_bytes({"q": (q.astype("<f4"), None)},
                                                  metadata={"step": 3}))

# ---- a small layer: batch 2, 4 query heads over 2 kv heads, 5 positions ------------------------
b_ = np.arange(2, dtype=np.float64)[:, None, None, None]
h_ = np.arange(4, dtype=np.float64)[None, :, None, None]
s_ = np.arange(5, dtype=np.float64)[None, None, :, None]
lq = np.sin(0.3 + b_ + 0.5 * h_ + 0.7 * s_ + 0.2 * np.arange(3)[None, None, None, :])  # (2, 4, 5, 3)
lk = np.cos(0.1 + b_ + 0.9 * h_[:, :2] + 0.4 * s_ - 0.6 * np.arange(3))               # (2, 2, 5, 3)
lv = np.round(np.tanh(b_ - h_[:, :2] + s_ - 2 + np.arange(2)), 3)                       # (2, 2, 5, 2)
np.save("layer_q.npy", lq)
np.save("layer_k.npy", lk)
np.save("layer_v.npy", lv)
np.save("layer_q_bshd.npy", lq.transpose(0, 2, 1, 3))  # (B, S, H, D)
np.save("layer_k_bshd.npy", lk.transpose(0, 2, 1, 3))
np.save("layer_v_bshd.npy", lv.transpose(0, 2, 1, 3))
np.save("layer_q_f16.npy", lq.astype("<f2"))
np.save("layer_k_f16.npy", lk.astype("<f2"))
np.save("layer_v_f16.npy", lv.astype("<f2"))
np.save("layer_pad.npy", np.array([[True] * 5, [True] * 3 + [False] * 2])[:, None, None, :])
np.save("layer_lens.npy", np.array([5, 3], dtype=np.int64))


def layer_reference(q, k, v, allowed):
    """Grouped-query attention the textbook way: head h reads kv head h // (H // H_kv)."""
    rep = q.shape[1] // k.shape[1]
    k, v = np.repeat(k, rep, axis=1), np.repeat(v, rep, axis=1)
    s = q @ k.swapaxes(-1, -2) / np.sqrt(q.shape[-1])
    s = np.where(allowed, s, -np.inf)
    w = np.exp(s - s.max(axis=-1, keepdims=True))
    w /= w.sum(axis=-1, keepdims=True)
    lse = np.log(np.exp(s - s.max(axis=-1, keepdims=True)).sum(axis=-1)) + s.max(axis=-1)
    return w @ v, lse


causal5 = np.tril(np.ones((5, 5), bool))
np.save("layer_causal_mask.npy", causal5)  # causal as a bool mask tensor, (S_q, S_k)
np.save("layer_causal_additive.npy", np.where(causal5, 0.0, -np.inf)[None, None])  # (1, 1, 5, 5)
o_layer, lse_layer = layer_reference(lq, lk, lv, causal5)
np.save("layer_o_causal.npy", o_layer)
np.save("layer_lse_causal.npy", lse_layer.astype("<f4"))
np.save("layer_o_causal_bshd.npy", o_layer.transpose(0, 2, 1, 3))
np.save("layer_k_3heads.npy", np.concatenate([lk, lk[:, :1]], axis=1))  # (2, 3, 5, 3): 3 ∤ 4
np.save("layer_k_batch1.npy", lk[:1])                                    # (1, 2, 5, 3)
np.save("layer_rank5.npy", lq[None])                                     # (1, 2, 4, 5, 3)
np.save("layer_v_3heads.npy", np.concatenate([lv, lv[:, :1]], axis=1))  # (2, 3, 5, 2)

# ---- the backward of the small layer under the causal mask (tests/cli/grad_tensor.t) -----------
# dO fixed like the rest; dq, dk, dv by the textbook formulas, in NumPy, with the whole α:
#   dV = αᵀ dO, dα = dO vᵀ, dβ = α (dα − Σ_j α dα), dq = c dβ k, dk = c dβᵀ q, and grouped-query
#   heads summing dk, dv over the query heads of each kv head.
ldo = np.round(np.cos(0.2 + b_ - 0.3 * h_ + 0.5 * s_ + np.arange(2)), 3)                # (2, 4, 5, 2)
np.save("layer_do.npy", ldo)


def layer_grad_reference(q, k, v, d_out, allowed):
    rep = q.shape[1] // k.shape[1]
    kr, vr = np.repeat(k, rep, axis=1), np.repeat(v, rep, axis=1)
    c = 1 / np.sqrt(q.shape[-1])
    s = np.where(allowed, c * (q @ kr.swapaxes(-1, -2)), -np.inf)
    a = np.exp(s - s.max(axis=-1, keepdims=True))
    a /= a.sum(axis=-1, keepdims=True)
    dv = a.swapaxes(-1, -2) @ d_out
    da = d_out @ vr.swapaxes(-1, -2)
    db = a * (da - (a * da).sum(axis=-1, keepdims=True))
    dq = c * db @ kr
    dk = c * db.swapaxes(-1, -2) @ q
    fold = lambda x: x.reshape(x.shape[0], k.shape[1], rep, *x.shape[2:]).sum(axis=2)
    return dq, fold(dk), fold(dv)


gq, gk, gv = layer_grad_reference(lq, lk, lv, ldo, causal5)
np.save("layer_dq_causal.npy", gq)
np.save("layer_dk_causal.npy", gk)
np.save("layer_dv_causal.npy", gv)
