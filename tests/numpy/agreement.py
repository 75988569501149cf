#!/usr/bin/env python3
"""attn's machine interface against an independent float64 computation in NumPy.

Runs the real binary as a script would, `attn attend --input - --json`, on seeded random
problems (shapes, scales, masks given as expressions, bool matrices and additive matrices,
multi-head), and requires every score, weight and output to agree with NumPy to 1e-9 relative.
Exit 77 (skipped) when NumPy is missing.
"""
import json
import subprocess
import sys

try:
    import numpy as np
except ImportError:
    print("SKIP: python3-numpy is not installed")
    sys.exit(77)

ATTN = sys.argv[1]
RTOL, ATOL = 1e-9, 1e-12
rng = np.random.default_rng(20261128)


def causal(n_q, n_k):
    # bottom-right: query i sits at position p = i + n_k - n_q and sees keys j <= p
    p = np.arange(n_q)[:, None] + (n_k - n_q)
    return np.arange(n_k)[None, :] <= p


def reference(q, k, v, scale, allowed, additive):
    s = q @ k.T * scale
    if additive is not None:
        s = s + additive
    if allowed is not None:
        s = np.where(allowed, s, -np.inf)
    m = s.max(axis=1, keepdims=True)
    empty = ~np.isfinite(m)
    e = np.exp(s - np.where(empty, 0, m))
    e[np.broadcast_to(empty, e.shape)] = 0
    total = e.sum(axis=1, keepdims=True)
    w = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return s, w, w @ v


def decode(matrix):
    return np.array([[float(x) for x in row] for row in matrix])  # float() reads "-Infinity"


def run(doc):
    out = subprocess.run([ATTN, "attend", "--input", "-", "--json"], input=json.dumps(doc),
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"attn failed ({out.returncode}): {out.stderr}\n{json.dumps(doc)}")
    return json.loads(out.stdout)


def close(name, got, want, case):
    finite = np.isfinite(want)
    if not np.array_equal(finite, np.isfinite(got)) or not np.allclose(
            got[finite], want[finite], rtol=RTOL, atol=ATOL):
        raise SystemExit(f"case {case}: {name} differs\nattn:  {got}\nnumpy: {want}")


cases = 0
for case in range(300):
    n_q, n_k = int(rng.integers(1, 7)), int(rng.integers(1, 7))
    d_k, d_v = int(rng.integers(1, 9)), int(rng.integers(1, 6))
    q = rng.normal(size=(n_q, d_k)) * rng.choice([0.1, 1, 10])
    k = rng.normal(size=(n_k, d_k))
    v = rng.normal(size=(n_k, d_v))
    doc = {"q": q.tolist(), "k": k.tolist(), "v": v.tolist()}
    scale = 1 / np.sqrt(d_k)
    if case % 5 == 1:
        scale = float(rng.uniform(0.1, 2))
        doc["scale"] = scale
    allowed, additive = None, None
    kind = case % 4
    if kind == 1:
        doc["mask"] = "causal"
        allowed = causal(n_q, n_k)
    elif kind == 2:
        allowed = rng.random((n_q, n_k)) < 0.7
        doc["mask"] = allowed.tolist()
    elif kind == 3:
        additive = np.where(rng.random((n_q, n_k)) < 0.7, rng.normal(size=(n_q, n_k)), -np.inf)
        doc["mask"] = [[x if np.isfinite(x) else "-Infinity" for x in row] for row in additive]
    got = run(doc)
    s, w, o = reference(q, k, v, scale, allowed, additive)
    close("scores", decode(got["scores"]), s, case)
    close("weights", decode(got["weights"]), w, case)
    close("output", decode(got["output"]), o, case)
    if allowed is not None:
        assert got["mask"] == allowed.tolist(), f"case {case}: mask"
    cases += 1

# Multi-head: H = 4 query heads over G = 2 kv heads, each head its own attention.
for case in range(50):
    H, G, n, d = 4, 2, int(rng.integers(1, 6)), int(rng.integers(1, 4))
    q, k, v = rng.normal(size=(n, H * d)), rng.normal(size=(n, G * d)), rng.normal(size=(n, G * 2))
    got = run({"q": q.tolist(), "k": k.tolist(), "v": v.tolist(), "heads": H, "kv_heads": G,
               "mask": "causal"})
    outs = []
    for h in range(H):
        g = h * G // H
        _, w, o = reference(q[:, h * d:(h + 1) * d], k[:, g * d:(g + 1) * d],
                            v[:, g * 2:(g + 1) * 2], 1 / np.sqrt(d), causal(n, n), None)
        close(f"head {h} weights", decode(got["heads"][h]["weights"]), w, case)
        outs.append(o)
    close("concatenated output", decode(got["output"]), np.concatenate(outs, axis=1), case)
    cases += 1

print(f"numpy agreement: {cases} passed, 0 failed")
