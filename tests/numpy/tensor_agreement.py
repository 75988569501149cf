#!/usr/bin/env python3
"""attn attend on tensor files against an independent float64 computation in NumPy.

For seeded random layers it writes q, k, v (and mask tensors, kv_lens) with NumPy (bfloat16 as a
safetensors file written here with json and struct), runs the real binary
    attn attend --q q.npy --k k.npy --v v.npy [--layout …] [--mask …] … --output o --lse-out lse.npy
and compares o and the log-sum-exp with attention computed here from the formulas:

    p_i     = i + (S_k − S_q) (bottom-right) or i (top-left), the position of query row i
    s_ij    = c · q_i · k_j,  c = 1/√d_k unless --scale;  query head h reads kv head ⌊h·H_kv/H⌋
    s_ij   += m_h · (j − p_i)   with ALiBi's slopes m_h;   s_ij = C·tanh(s_ij / C) with --softcap C
    with --rope, q_i and k_j are first rotated by their positions (below), then s_ij as above
    β_ij    = s_ij + M_ij,  M_ij = 0 where the mask expression, kv_lens and mask tensor allow, −∞
              where any blocks, plus an additive mask tensor's value
    o_i     = Σ_j softmax_j(β_ij) v_j,   lse_i = log Σ_j exp(β_ij)

RoPE (RoFormer): pair t of the first R dimensions turns by angle (pos / scale)·base^(−2t/R); the
pairs are (t, t + R/2) for --rope-style half (written below as x·cos + rotate_half(x)·sin) and
(2t, 2t + 1) for interleaved (written as complex numbers times e^(i·angle)); query positions are p_i
or --q-positions, key positions j or --k-positions, the same in every batch and head.

covering ranks 2 to 4, both layouts, GQA ratios 1, 2, 4 and multi-query, every mask atom and
operator, kv_lens, bool and additive mask tensors with broadcasting, ALiBi, the softcap, scales,
alignment, RoPE (both styles, partial --rope-dim, --rope-scale, given positions, n_q ≠ n_k,
bshd, GQA), and float64, float32, float16 and bfloat16 inputs (the rotation is in float32 for
float16 and bfloat16, within the same bounds). The reference takes the inputs
exactly as attn read them (already rounded to their dtype), so the bounds below are attn's own
error:
    float64 1e-12, float32 2e-5, float16 1e-3, bfloat16 8e-3, relative to max(1, |o|) per entry
(float16 and bfloat16 outputs are rounded to their dtype: half an ulp is 4.9e-4 and 3.9e-3).
It also prints, for information, each dtype's error against float64 on the unrounded inputs.
Exit 77 (skipped) when NumPy is missing.
"""
import json
import math
import os
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("SKIP: python3-numpy is not installed")
    sys.exit(77)

ATTN = sys.argv[1]
BOUND = {"f64": 1e-12, "f32": 2e-5, "f16": 1e-3, "bf16": 8e-3}
rng = np.random.default_rng(20261201)


# ---- the formulas ------------------------------------------------------------------------------

def positions(n_q, n_k, align):
    return np.arange(n_q) + (n_k - n_q if align == "bottom-right" else 0)


def atom(name, arg, p, j, n_q):
    """One mask atom as a (S_q, S_k) bool array, from the definitions in attn's help."""
    P, J = p[:, None], j[None, :]
    if name == "full":
        return np.ones((len(p), len(j)), bool)
    if name == "causal":
        return J <= P
    if name == "window":
        return (P - arg < J) & (J <= P)
    if name == "local":
        return np.abs(P - J) <= arg
    if name == "prefix":
        return (J < arg) | (J <= P)
    if name == "valid":
        lens = np.array(arg if isinstance(arg, list) else [arg] * n_q)[:, None]
        return J < lens
    if name == "chunk":
        return np.floor_divide(P, arg) == np.floor_divide(J, arg)
    if name == "dilated":
        w, d = arg
        return (np.abs(P - J) <= w) & ((P - J) % d == 0)
    if name == "document":
        ids = np.array(arg)
        ok_p, ok_j = (P >= 0) & (P < len(ids)), (J >= 0) & (J < len(ids))
        return ok_p & ok_j & (ids[np.clip(P, 0, len(ids) - 1)] == ids[np.clip(J, 0, len(ids) - 1)])
    raise ValueError(name)


def alibi_slopes(heads):
    c = 2 ** int(math.floor(math.log2(heads)))
    slopes = [2.0 ** (-8.0 * h / c) for h in range(1, c + 1)]
    slopes += [2.0 ** (-4.0 * (2 * k - 1) / c) for k in range(1, heads - c + 1)]
    return np.array(slopes)


def rope(x, pos, base, style, dim, scale):
    """x (B, H, S, D) with row s of every batch and head at position pos[s], rotated."""
    theta = base ** (-2.0 * np.arange(dim // 2) / dim)
    ang = (np.asarray(pos, dtype=np.float64) / scale)[:, None] * theta[None, :]  # (S, R/2)
    x = x.copy()
    head = x[..., :dim]
    if style == "half":  # x·cos + rotate_half(x)·sin, rotate_half(a, b) = (−b, a)
        cos, sin = np.cos(np.concatenate([ang, ang], -1)), np.sin(np.concatenate([ang, ang], -1))
        a, b = head[..., :dim // 2], head[..., dim // 2:]
        x[..., :dim] = head * cos + np.concatenate([-b, a], -1) * sin
    else:  # (x_2t + i·x_2t+1)·e^(i·angle)
        z = (head[..., 0::2] + 1j * head[..., 1::2]) * np.exp(1j * ang)
        x[..., 0:dim:2], x[..., 1:dim:2] = z.real, z.imag
    return x


def reference(q, k, v, allowed, additive, scale, slopes, softcap, align):
    """q (B, H, S_q, D), k and v (B, H_kv, S_k, D) in float64; allowed (B, H, S_q, S_k) bool."""
    B, H, n_q, _ = q.shape
    G, n_k = k.shape[1], k.shape[2]
    kv = (np.arange(H) * G) // H                     # query head h reads kv head ⌊h·G/H⌋
    kk, vv = k[:, kv], v[:, kv]                      # (B, H, S_k, D)
    s = scale * np.einsum("bhid,bhjd->bhij", q, kk)  # (B, H, S_q, S_k)
    p = positions(n_q, n_k, align)
    if slopes is not None:
        s = s + slopes[None, :, None, None] * (np.arange(n_k)[None, :] - p[:, None])[None, None]
    if softcap is not None:
        s = softcap * np.tanh(s / softcap)
    s = s + additive
    s = np.where(allowed, s, -np.inf)
    m = s.max(axis=-1, keepdims=True)
    empty = ~np.isfinite(m)
    e = np.exp(s - np.where(empty, 0, m))
    e = np.where(np.isfinite(s), e, 0)
    total = e.sum(axis=-1, keepdims=True)
    w = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    o = w @ vv
    lse = np.where(empty[..., 0], -np.inf, np.log(np.where(total > 0, total, 1))[..., 0] + np.where(empty, 0, m)[..., 0])
    return o, lse


# ---- bfloat16 and safetensors, written and read here -------------------------------------------

def to_bf16_bits(x):
    u = np.ascontiguousarray(x, dtype="<f4").view("<u4").astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype("<u2")


def bf16_value(bits):
    return (bits.astype(np.uint32) << 16).view("<f4").astype(np.float64)


def write_safetensors(path, name, bits, shape):
    header = json.dumps({name: {"dtype": "BF16", "shape": list(shape),
                                "data_offsets": [0, bits.nbytes]}}).encode()
    header += b" " * (-len(header) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + bits.tobytes())


def read_safetensors(path, name):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    entry = json.loads(data[8:8 + n])[name]
    begin, end = entry["data_offsets"]
    raw = np.frombuffer(data[8 + n + begin:8 + n + end], dtype="<u2")
    assert entry["dtype"] == "BF16"
    return bf16_value(raw).reshape(entry["shape"])


# ---- one case ----------------------------------------------------------------------------------

def save(tmp, name, x, dtype):
    """x in float64 (B, H, S, D already in the file's layout); returns its path and the values
    attn will read."""
    if dtype == "bf16":
        bits = to_bf16_bits(x)
        path = os.path.join(tmp, name + ".safetensors")
        write_safetensors(path, name, bits, x.shape)
        return f"{path}:{name}", bf16_value(bits).reshape(x.shape)
    np_dtype = {"f64": "<f8", "f32": "<f4", "f16": "<f2"}[dtype]
    path = os.path.join(tmp, name + ".npy")
    y = x.astype(np_dtype)
    np.save(path, y)
    return path, y.astype(np.float64)


def to_layout(x, layout, rank):
    """(B, H, S, D) -> the file's shape for this rank and layout."""
    if layout == "bshd":
        x = x.transpose(0, 2, 1, 3)
    if rank == 4:
        return x
    return x[0] if rank == 3 else x[0, :, 0] if layout == "bshd" else x[0, 0]


def from_layout(y, layout, rank):
    if rank == 2:
        y = y[None, None] if layout == "bhsd" else y[None, :, None]
    elif rank == 3:
        y = y[None]
    return y.transpose(0, 2, 1, 3) if layout == "bshd" else y


failures = []
worst = {}
unrounded = {}
cases = 0


def run_case(tmp, B, H, G, n_q, n_k, d_k, d_v, dtype="f64", layout="bhsd", rank=4, mask=None,
             kv_lens=None, mask_tensor=None, bias=False, softcap=None, scale=None,
             align="bottom-right", rope_case=None, step=False, label=""):
    global cases
    cases += 1
    if rank < 4:
        B = 1
    if rank < 3:
        H = G = 1
    q = rng.uniform(-1.5, 1.5, (B, H, n_q, d_k))
    k = rng.uniform(-1.5, 1.5, (B, G, n_k, d_k))
    v = rng.uniform(-1, 1, (B, G, n_k, d_v))
    qp, q_read = save(tmp, "q", to_layout(q, layout, rank), dtype)
    kp, k_read = save(tmp, "k", to_layout(k, layout, rank), dtype)
    vp, v_read = save(tmp, "v", to_layout(v, layout, rank), dtype)
    q_read, k_read, v_read = (from_layout(x, layout, rank) for x in (q_read, k_read, v_read))
    args = [ATTN, "attend", "--q", qp, "--k", kp, "--v", vp, "--layout", layout, "--align", align]
    p, j = positions(n_q, n_k, align), np.arange(n_k)
    allowed = np.ones((B, H, n_q, n_k), bool)
    additive = np.zeros((B, H, n_q, n_k))
    if mask is not None:
        text, parts = mask
        args += ["--mask", text]
        allowed &= parts(p, j, n_q)[None, None]
    if kv_lens is not None:
        args += ["--kv-lens", ",".join(map(str, kv_lens))]
        allowed &= (j[None, :] < np.array(kv_lens)[:, None])[:, None, None, :]
    if mask_tensor is not None:
        shape, kind = mask_tensor
        if kind == "bool":
            m = rng.random(shape) < 0.8
            allowed &= np.broadcast_to(m, allowed.shape)
        else:
            m = np.where(rng.random(shape) < 0.15, -np.inf, rng.normal(0, 1, shape))
            additive = additive + np.broadcast_to(m, additive.shape)
        path = os.path.join(tmp, "mask.npy")
        np.save(path, m)
        args += ["--mask", path]
    slopes = None
    if bias:
        slopes = alibi_slopes(H)
        args += ["--bias", "alibi"]
    if softcap is not None:
        args += ["--softcap", repr(softcap)]
    if scale is not None:
        args += ["--scale", repr(scale)]
    if rope_case is not None:
        ro = {"base": 10000.0, "style": "half", "dim": d_k, "scale": 1.0, "q_positions": None,
              "k_positions": None, **rope_case}
        args += ["--rope", "--rope-style", ro["style"], "--rope-base", repr(ro["base"]),
                 "--rope-dim", str(ro["dim"]), "--rope-scale", repr(ro["scale"])]
        qpos, kpos = p, j
        if ro["q_positions"] is not None:
            qpos = ro["q_positions"]
            args += ["--q-positions", ",".join(map(str, qpos))]
        if ro["k_positions"] is not None:
            kpos = ro["k_positions"]
            args += ["--k-positions", ",".join(map(str, kpos))]
        rot = lambda x, pos: rope(x, pos, ro["base"], ro["style"], ro["dim"], ro["scale"])
        q_read, k_read, q, k = rot(q_read, qpos), rot(k_read, kpos), rot(q, qpos), rot(k, kpos)
    out = os.path.join(tmp, "o.safetensors" if dtype == "bf16" else "o.npy")
    lse_path = os.path.join(tmp, "lse.npy")
    args += ["--output", out, "--lse-out", lse_path, "-q"]
    if step:  # --weights-out: the step path, head by head, instead of the streaming kernel
        args += ["--weights-out", os.path.join(tmp, "w.safetensors" if dtype == "bf16" else "w.npy")]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        failures.append(f"{label}: attn failed ({r.returncode}): {r.stderr.strip()}\n  {' '.join(args)}")
        return
    got = read_safetensors(out, "o") if dtype == "bf16" else np.load(out).astype(np.float64)
    got = from_layout(got, layout, rank)
    lse = np.load(lse_path).astype(np.float64)
    c = scale if scale is not None else 1 / math.sqrt(d_k)
    want, want_lse = reference(q_read, k_read, v_read, allowed, additive, c, slopes, softcap, align)
    err = np.max(np.abs(got - want) / np.maximum(1, np.abs(want)))
    worst[dtype] = max(worst.get(dtype, 0), err)
    if not err <= BOUND[dtype]:
        failures.append(f"{label}: o differs by {err:.3g} (bound {BOUND[dtype]}) {' '.join(args)}")
    finite = np.isfinite(want_lse)
    # lse is written as float32 (2e-7); with RoPE computed in float32 each rotated q and k element
    # is rounded once more (2^-24 relative), which moves a score by up to c·Σ_t |q̃_t k̃_t|·2^-23:
    # about 1e-6 for the d_k = 16 cases here
    lse_tol = 1e-6 if rope_case is not None and dtype != "f64" else 2e-7
    if not np.array_equal(finite, np.isfinite(lse)) or not np.allclose(
            lse[finite], want_lse[finite], rtol=lse_tol, atol=lse_tol):
        worst_lse = np.max(np.abs(lse[finite] - want_lse[finite]) / np.maximum(1, np.abs(want_lse[finite])))
        failures.append(f"{label}: lse differs by {worst_lse:.3g} {' '.join(args)}")
    if mask is None and mask_tensor is None and kv_lens is None:
        full, _ = reference(q, k, v, allowed, additive, c, slopes, softcap, align)
        e = np.max(np.abs(got - full) / np.maximum(1, np.abs(full)))
        unrounded[dtype] = max(unrounded.get(dtype, 0), e)


def atom_mask(text, name, arg):
    return (text, lambda p, j, n_q: atom(name, arg, p, j, n_q))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        # shapes, ranks, layouts, GQA ratios, dtypes
        for rank in (2, 3, 4):
            for layout in ("bhsd", "bshd"):
                for (H, G) in ((4, 4), (4, 2), (8, 2), (4, 1)):
                    for dtype in ("f64", "f32", "f16", "bf16"):
                        run_case(tmp, 2, H, G, 37, 70, 16, 8, dtype=dtype, layout=layout, rank=rank,
                                 mask=atom_mask("causal", "causal", None),
                                 label=f"rank {rank} {layout} H={H} G={G} {dtype}")
        # across tile edges, n_q ≠ n_k both ways, wide heads
        for (n_q, n_k, d_k, d_v) in ((1, 1, 1, 1), (64, 64, 64, 64), (130, 65, 128, 128), (65, 200, 9, 17)):
            for align in ("bottom-right", "top-left"):
                run_case(tmp, 2, 4, 2, n_q, n_k, d_k, d_v, mask=atom_mask("causal", "causal", None),
                         align=align, label=f"shape {n_q}x{n_k} d {d_k}/{d_v} {align}")
        # every mask atom and operator
        n = 90
        ids = sorted(rng.integers(0, 5, n).tolist())
        masks = [
            atom_mask("full", "full", None),
            atom_mask("window:7", "window", 7),
            atom_mask("local:3", "local", 3),
            atom_mask("prefix:9", "prefix", 9),
            atom_mask("valid:40", "valid", 40),
            ("valid:" + ",".join(str(x) for x in rng.integers(0, n, n)), None),
            ("document:" + ",".join(map(str, ids)), lambda p, j, n_q: atom("document", ids, p, j, n_q)),
            atom_mask("chunk:16", "chunk", 16),
            atom_mask("dilated:20:3", "dilated", (20, 3)),
            ("causal & window:30", lambda p, j, n_q: atom("causal", 0, p, j, n_q) & atom("window", 30, p, j, n_q)),
            ("prefix:3 | local:2", lambda p, j, n_q: atom("prefix", 3, p, j, n_q) | atom("local", 2, p, j, n_q)),
            ("!causal", lambda p, j, n_q: ~atom("causal", 0, p, j, n_q)),
            ("chunk:32 & !window:4", lambda p, j, n_q: atom("chunk", 32, p, j, n_q) & ~atom("window", 4, p, j, n_q)),
        ]
        for text, fn in masks:
            if fn is None:  # valid with one length per row
                lens = [int(x) for x in text.split(":")[1].split(",")]
                fn = (lambda lens: lambda p, j, n_q: atom("valid", lens, p, j, n_q))(lens)
            for dtype in ("f64", "f32"):
                run_case(tmp, 2, 4, 2, n, n, 8, 8, dtype=dtype, mask=(text, fn),
                         label=f"mask {text[:30]} {dtype}")
        # kv_lens, mask tensors (bool and additive, broadcast), ALiBi, softcap, scale
        run_case(tmp, 3, 4, 2, 80, 100, 8, 8, kv_lens=[100, 37, 0],
                 mask=atom_mask("causal", "causal", None), label="kv_lens")
        for shape in ((80, 100), (3, 1, 1, 100), (1, 4, 80, 100), (3, 4, 80, 100), (4, 1, 100)):
            for kind in ("bool", "additive"):
                run_case(tmp, 3, 4, 2, 80, 100, 8, 8, mask_tensor=(shape, kind),
                         label=f"mask tensor {shape} {kind}")
        for H in (4, 6, 12):
            run_case(tmp, 2, H, 2, 70, 70, 16, 8, bias=True, mask=atom_mask("causal", "causal", None),
                     label=f"alibi H={H}")
        for dtype in ("f64", "f32", "f16", "bf16"):
            run_case(tmp, 2, 4, 4, 70, 70, 16, 8, dtype=dtype, softcap=1.5, bias=True,
                     label=f"softcap {dtype}")
        run_case(tmp, 2, 4, 1, 70, 90, 16, 8, scale=0.7, softcap=20.0, kv_lens=[50, 90],
                 mask=atom_mask("causal", "causal", None), label="scale, softcap, kv_lens")
        # RoPE: both styles, partial rotary, scale, given positions, n_q ≠ n_k, layouts, GQA, ranks
        causal = atom_mask("causal", "causal", None)
        for style in ("half", "interleaved"):
            for layout in ("bhsd", "bshd"):
                for dtype in ("f64", "f32", "f16", "bf16"):
                    run_case(tmp, 2, 4, 2, 37, 70, 16, 8, dtype=dtype, layout=layout, mask=causal,
                             rope_case=dict(style=style),
                             label=f"rope {style} {layout} {dtype}")
            for align in ("bottom-right", "top-left"):
                run_case(tmp, 2, 4, 1, 90, 45, 12, 8, mask=causal, align=align,
                         rope_case=dict(style=style, dim=8, base=500.0, scale=4.0),
                         label=f"rope {style} R 8 of 12, scale 4, n_q > n_k, {align}")
            for rank in (2, 3):
                run_case(tmp, 2, 4, 2, 20, 30, 6, 5, rank=rank, layout="bshd",
                         rope_case=dict(style=style, dim=2, base=3.0),
                         label=f"rope {style} rank {rank} R 2")
            run_case(tmp, 3, 8, 2, 50, 80, 16, 16, dtype="f32", layout="bshd", bias=True,
                     softcap=5.0, kv_lens=[80, 33, 1],
                     rope_case=dict(style=style, q_positions=rng.integers(0, 300, 50).tolist(),
                                    k_positions=rng.integers(0, 300, 80).tolist()),
                     label=f"rope {style} given positions, GQA 8 over 2, alibi, softcap, kv_lens")
            run_case(tmp, 1, 2, 2, 130, 130, 64, 32, mask=causal,
                     rope_case=dict(style=style, q_positions=list(range(1000, 1130))),
                     label=f"rope {style} across tiles, query positions 1000…")
            for dtype in ("f64", "f16"):
                run_case(tmp, 2, 4, 2, 20, 33, 8, 4, dtype=dtype, layout="bshd", mask=causal,
                         step=True, rope_case=dict(style=style, dim=6, scale=0.5),
                         label=f"rope {style} on the step path (--weights-out) {dtype}")
    for f in failures:
        print("FAIL", f)
    print(f"{cases} cases; largest error relative to max(1, |o|) against the rounded inputs: "
          + ", ".join(f"{d} {worst.get(d, 0):.2e} (bound {BOUND[d]:g})" for d in BOUND))
    print("against float64 on the unrounded inputs: "
          + ", ".join(f"{d} {unrounded.get(d, 0):.2e}" for d in BOUND))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
