#!/usr/bin/env python3
"""attn attend --bf16-products on bfloat16 tensor files against NumPy in float64.

For seeded random bfloat16 layers (safetensors written here with json and struct) it runs
    attn attend --q q.safetensors --k … --v … --bf16-products --dtype f32 --output o.npy [masks …]
and compares o with the bfloat16-products forward written here from the formulas, in float64:

    s_ij = c · q_i · k_j (+ ALiBi, softcap, −∞ where blocked), the inputs' bfloat16 values exactly
    per key tile of 64 keys, in order:  m' = max(m, max_j s_ij);  l = l·e^(m − m') + Σ_j p_ij;
        acc = acc·e^(m − m') + Σ_j bf16(p_ij)·v_j  with p_ij = exp(s_ij − m'), bf16() rounding to
        8 significant bits, ties to even;  m = m'
    o_i = acc / l

Bound: 2e-6 relative to max(1, |o|) (float32 sums), plus, for each p within 0.002 of its
bfloat16 unit from a tie (where attn's float32 p may round the other way), one bfloat16 ulp of p
times |v_j| / l. Each case also checks that o without the rounding of p misses by more.

It then prints, for the README, the largest error relative to max(1, |o|) against exact float64
attention (no rounding of p) on random normal inputs, n = 1024, d = 64 and 128, no mask and
causal, with and without --bf16-products. Exit 77 (skipped) when NumPy is missing.
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
TILE = 64
BOUND = 2e-6
rng = np.random.default_rng(20261202)
failures = []


def to_bf16(x):
    """float64 → bfloat16 bits (through float32, ties to even) and their values."""
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    bits = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    return bits, (bits.astype(np.uint32) << 16).view(np.float32).astype(np.float64)


def write_safetensors(path, name, bits):
    data = bits.tobytes()
    header = json.dumps({name: {"dtype": "BF16", "shape": list(bits.shape),
                                "data_offsets": [0, len(data)]}}).encode()
    header += b" " * (-len(header) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + data)


def round_bf16(p):
    """p ≥ 0 to 8 significant bits, ties to even; the spacing there; whether p is near a tie."""
    f, e = np.frexp(p)
    f = f * 256.0
    frac = f - np.floor(f)
    return np.ldexp(np.round(f), e - 8), np.ldexp(1.0, e - 8), np.abs(frac - 0.5) < 0.002


def reference(q, k, v, allowed, scale, slopes=None, softcap=None, rounded=True):
    """q (B, H, S_q, D), k, v (B, G, S_k, D); allowed (B, H, S_q, S_k). o and its slack."""
    B, H, n_q, _ = q.shape
    G, n_k = k.shape[1], k.shape[2]
    kv = (np.arange(H) * G) // H
    kk, vv = k[:, kv], v[:, kv]
    s = scale * np.einsum("bhid,bhjd->bhij", q, kk)
    if slopes is not None:  # bottom-right: query i at position i + S_k − S_q
        p = np.arange(n_q) + n_k - n_q
        s = s + slopes[None, :, None, None] * (np.arange(n_k)[None, :] - p[:, None])[None, None]
    if softcap is not None:
        s = softcap * np.tanh(s / softcap)
    s = np.where(allowed, s, -np.inf)
    m = np.full((B, H, n_q, 1), -np.inf)
    l = np.zeros((B, H, n_q, 1))
    acc = np.zeros((B, H, n_q, v.shape[-1]))
    slack = np.zeros_like(acc)
    for j0 in range(0, n_k, TILE):
        st = s[..., j0:j0 + TILE]
        m_new = np.maximum(m, st.max(axis=-1, keepdims=True))
        seen = np.isfinite(m_new)
        corr = np.where(np.isfinite(m), np.exp(m - np.where(seen, m_new, 0)), 0.0)
        p = np.where(np.isfinite(st), np.exp(st - np.where(seen, m_new, 0)), 0.0)
        l = l * corr + p.sum(axis=-1, keepdims=True)
        pr, ulp, tie = round_bf16(p) if rounded else (p, 0 * p, p < 0)
        vt = vv[..., j0:j0 + TILE, :]
        acc = acc * corr + pr @ vt
        slack = slack * corr + np.where(tie & (p > 0), ulp, 0) @ np.abs(vt)
        m = np.where(seen, m_new, m)
    o = np.divide(acc, l, out=np.zeros_like(acc), where=l > 0)
    return o, np.divide(slack, l, out=np.zeros_like(acc), where=l > 0)


def exact(q, k, v, allowed, scale):
    kv = (np.arange(q.shape[1]) * k.shape[1]) // q.shape[1]
    s = np.where(allowed, scale * np.einsum("bhid,bhjd->bhij", q, k[:, kv]), -np.inf)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return (e / e.sum(axis=-1, keepdims=True)) @ v[:, kv]


def run(tmp, q, k, v, extra, products=True):
    paths = []
    for name, x in (("q", q), ("k", k), ("v", v)):
        path = os.path.join(tmp, f"{name}.safetensors")
        write_safetensors(path, name, x)
        paths.append(path)
    out = os.path.join(tmp, "o.npy")
    args = [ATTN, "attend", "--q", paths[0], "--k", paths[1], "--v", paths[2], "--dtype", "f32",
            "--output", out, "-q"] + extra + (["--bf16-products"] if products else [])
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        failures.append(f"attn failed ({r.returncode}): {r.stderr.strip()}\n  {' '.join(args)}")
        return None
    return np.load(out).astype(np.float64)


def case(tmp, label, B, H, G, n_q, n_k, d_k, d_v, causal=False, kv_lens=None, mask_tensor=False,
         alibi=False, softcap=None):
    qb, q = to_bf16(rng.uniform(-2, 2, (B, H, n_q, d_k)))
    kb, k = to_bf16(rng.uniform(-2, 2, (B, G, n_k, d_k)))
    vb, v = to_bf16(rng.uniform(-1, 1, (B, G, n_k, d_v)))
    allowed = np.ones((B, H, n_q, n_k), bool)
    j = np.arange(n_k)
    extra = []
    if causal:
        extra += ["--mask", "causal"]
        allowed &= (j[None, :] <= np.arange(n_q)[:, None] + n_k - n_q)[None, None]
    if kv_lens is not None:
        extra += ["--kv-lens", ",".join(map(str, kv_lens))]
        allowed &= (j[None, :] < np.array(kv_lens)[:, None])[:, None, None, :]
    if mask_tensor:
        mt = rng.random((B, H, n_q, n_k)) < 0.8
        np.save(os.path.join(tmp, "mask.npy"), mt)
        extra += ["--mask", os.path.join(tmp, "mask.npy")]
        allowed &= mt
    slopes = None
    if alibi:  # ALiBi's slopes for a power-of-two H: 2^(−8(h+1)/H)
        slopes = 2.0 ** (-8.0 * (np.arange(H) + 1) / H)
        extra += ["--bias", "alibi"]
    if softcap is not None:
        extra += ["--softcap", repr(softcap)]
    got = run(tmp, qb, kb, vb, extra)
    if got is None:
        return
    c = 1 / math.sqrt(d_k)
    want, slack = reference(q, k, v, allowed, c, slopes, softcap)
    err = np.max((np.abs(got - want) - slack) / np.maximum(1, np.abs(want)))
    plain, _ = reference(q, k, v, allowed, c, slopes, softcap, rounded=False)
    miss = np.max(np.abs(got - plain) / np.maximum(1, np.abs(plain)))
    print(f"{label}: {max(err, 0):.2e} beyond the slack; unrounded p would be {miss:.2e} away")
    if not err <= BOUND:
        failures.append(f"{label}: o differs by {err:.3g} beyond the slack (bound {BOUND})")
    if not miss > 20 * BOUND:
        failures.append(f"{label}: o is as near to float32 products ({miss:.3g}): p not rounded?")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        case(tmp, "full 128x256 d 64", 1, 1, 1, 128, 256, 64, 64)
        case(tmp, "tails 37x101 d 7/5", 1, 1, 1, 37, 101, 7, 5)
        case(tmp, "tails 70x129 d 65/33", 1, 2, 1, 70, 129, 65, 33)
        case(tmp, "causal GQA 4 over 2", 2, 4, 2, 90, 150, 16, 24, causal=True)
        case(tmp, "kv_lens", 3, 2, 2, 80, 140, 16, 8, kv_lens=[140, 65, 1])
        case(tmp, "bool mask tensor", 2, 2, 1, 70, 100, 8, 8, mask_tensor=True)
        case(tmp, "alibi, softcap", 1, 4, 4, 70, 130, 16, 16, causal=True, alibi=True, softcap=3.0)
        # the README's accuracy figures: exact float64 attention on the inputs as rounded
        for d in (64, 128):
            qb, q = to_bf16(rng.standard_normal((1, 1, 1024, d)))
            kb, k = to_bf16(rng.standard_normal((1, 1, 1024, d)))
            vb, v = to_bf16(rng.standard_normal((1, 1, 1024, d)))
            for causal in (False, True):
                allowed = np.ones((1, 1, 1024, 1024), bool)
                if causal:
                    allowed = np.tril(allowed)
                want = exact(q, k, v, allowed, 1 / math.sqrt(d))
                errs = []
                for products in (False, True):
                    got = run(tmp, qb, kb, vb, ["--mask", "causal"] if causal else [], products)
                    if got is not None:
                        errs.append(np.max(np.abs(got - want) / np.maximum(1, np.abs(want))))
                if len(errs) == 2:
                    print(f"accuracy n 1024, d {d}, {'causal' if causal else 'no mask'}: float32 "
                          f"{errs[0]:.1e}, --bf16-products {errs[1]:.1e}")
    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
