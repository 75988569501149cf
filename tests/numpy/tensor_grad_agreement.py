#!/usr/bin/env python3
"""attn grad on tensor files against an independent float64 backward in NumPy and torch.autograd.

For seeded random layers it writes q, k, v and dO with NumPy, runs the real binary
    attn grad --q q.npy --k k.npy --v v.npy --do do.npy [--layout …] [--mask causal | mask.npy]
              [--align …] [--kv-lens …] [--bias alibi] [--softcap C] [--scale c] [--dtype f32]
              --dq-out dq.npy --dk-out dk.npy --dv-out dv.npy
and compares dq, dk, dv with the backward written here from the formulas,
    s = c·q kᵀ (+ m_h (j − p_i)) (C·tanh(·/C)) (+ M_ij, a float mask tensor's values),
    β = s where allowed, −∞ elsewhere,  α = softmax(β)
    dV = αᵀ dO,  dα = dO vᵀ,  dβ = α (dα − Σ_j α dα),  dx = dβ · (1 − tanh²) under the softcap,
    dq = c · dx k,  dk = c · dxᵀ q,  grouped-query heads summing dk, dv over the heads of a kv head,
with --rope q and k rotated first (q̃ = R_p q, k̃ = R_j k, pairs turned by (pos/scale)·base^(−2t/R))
and the gradients taken back through the rotation, dq = R_pᵀ dq̃ (a rotation by −pos), dk = R_jᵀ dk̃,
and, where PyTorch is installed (Debian's python3-torch), with torch.autograd on the same forward.
A mask tensor is bool (False blocks) or float (added to s; −∞ blocks) of shape (S_q, S_k) or
broadcastable to (B, H, S_q, S_k), drawn at random with one row wholly blocked; it is a constant,
so no gradient flows into it. Bounds, relative to the largest entry of each reference gradient:
float64 1e-10, float32 2e-5.
Exit 77 (skipped) when NumPy is missing.
"""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("SKIP: python3-numpy is not installed")
    sys.exit(77)
try:
    import torch
except ImportError:
    torch = None

ATTN = sys.argv[1]
rng = np.random.default_rng(20261201)
BOUND = {"f64": 1e-10, "f32": 2e-5}


def alibi_slopes(heads):
    """ALiBi's slopes, 2^(−8h/H) for a power of two H (the paper's geometric sequence)."""
    return np.array([2.0 ** (-8.0 * (h + 1) / heads) for h in range(heads)])


def positions(n_q, n_k, case):
    return np.arange(n_q) + (n_k - n_q if case.get("align", "bottom-right") == "bottom-right" else 0)


def random_mask(case, n_q, n_k):
    """The case's mask tensor, of shape case["mask"]["shape"]: bool with about 30% False, or float
    with values in [−2, 1] and about 20% −∞; row blocked_row of the first (batch, head) all blocked.
    """
    spec = case["mask"]
    u = rng.uniform(0, 1, spec["shape"])
    if spec["dtype"] == "bool":
        m = u >= 0.3
    else:
        m = np.where(u < 0.2, -np.inf, 3 * u - 2).astype(spec["dtype"])
    first = m.reshape((-1,) + m.shape[-2:])[0]  # a view: the first (batch, head)
    first[spec.get("blocked_row", 0) % first.shape[0]] = False if spec["dtype"] == "bool" else -np.inf
    return m


def constraints(case, B, H, n_q, n_k, mask):
    """Which cells may attend, (B, H, n_q, n_k), and what is added to their scores."""
    p, j = positions(n_q, n_k, case), np.arange(n_k)
    ok = np.ones((B, H, n_q, n_k), bool)
    if case.get("causal"):
        ok &= (j[None, :] <= p[:, None])[None, None]
    if "kv_lens" in case:
        ok &= (j[None, :] < np.array(case["kv_lens"])[:, None])[:, None, None, :]
    add = np.zeros((B, H, n_q, n_k))
    if mask is not None:
        full = np.broadcast_to(mask, (B, H, n_q, n_k))
        if mask.dtype == bool:
            ok &= full
        else:
            ok &= full != -np.inf
            add = np.where(ok, full.astype(np.float64), 0.0)
    return ok, add


def rope(x, pos, r):
    """x (B, H, S, D) with row s at position pos[s], its pairs turned (both styles)."""
    dim = r.get("dim", x.shape[-1])
    theta = r.get("base", 10000.0) ** (-2.0 * np.arange(dim // 2) / dim)
    ang = (np.asarray(pos, dtype=np.float64) / r.get("scale", 1.0))[:, None] * theta[None, :]
    cos, sin = np.cos(ang), np.sin(ang)
    if r.get("style", "half") == "half":
        a, b = slice(0, dim // 2), slice(dim // 2, dim)
    else:
        a, b = slice(0, dim, 2), slice(1, dim, 2)
    out = x.copy()
    out[..., a] = x[..., a] * cos - x[..., b] * sin
    out[..., b] = x[..., a] * sin + x[..., b] * cos
    return out


def rope_positions(case, n_q, n_k):
    r = case["rope"]
    p = positions(n_q, n_k, case)
    return np.array(r.get("q_positions", p)), np.array(r.get("k_positions", np.arange(n_k)))


def numpy_backward(q, k, v, d_out, case, mask):
    """dq, dk, dv in float64 from the formulas, layer in (B, H, S, D)."""
    B, H, n_q, d_k = q.shape
    G, n_k = k.shape[1], k.shape[2]
    if "rope" in case:  # the backward on the rotated q, k, then Rᵀ: the rotation by −pos
        qp, kp = rope_positions(case, n_q, n_k)
        rest = dict(case)
        del rest["rope"]
        dq, dk, dv = numpy_backward(rope(q, qp, case["rope"]), rope(k, kp, case["rope"]), v,
                                    d_out, rest, mask)
        return rope(dq, -qp, case["rope"]), rope(dk, -kp, case["rope"]), dv
    c = case.get("scale", 1 / np.sqrt(d_k))
    p = positions(n_q, n_k, case)
    oks, adds = constraints(case, B, H, n_q, n_k, mask)
    dq, dk, dv = np.zeros_like(q), np.zeros_like(k), np.zeros_like(v)
    for b in range(B):
        for h in range(H):
            g = h * G // H
            ok = oks[b, h]
            x = c * q[b, h] @ k[b, g].T
            if case.get("alibi"):
                x = x + alibi_slopes(H)[h] * (np.arange(n_k)[None, :] - p[:, None])
            slope = np.ones_like(x)
            if "softcap" in case:
                C = case["softcap"]
                t = np.tanh(x / C)
                x, slope = C * t, 1 - t * t
            beta = np.where(ok, x + adds[b, h], -np.inf)
            a = np.zeros_like(beta)
            rows = ok.any(axis=1)
            e = np.exp(beta[rows] - beta[rows].max(axis=1, keepdims=True))
            a[rows] = e / e.sum(axis=1, keepdims=True)
            dv[b, g] += a.T @ d_out[b, h]
            da = d_out[b, h] @ v[b, g].T
            dbeta = a * (da - (a * da).sum(axis=1, keepdims=True)) * slope
            dq[b, h] = c * dbeta @ k[b, g]
            dk[b, g] += c * dbeta.T @ q[b, h]
    return dq, dk, dv


def torch_backward(q, k, v, d_out, case, dtype, mask):
    """The same forward in PyTorch, differentiated by autograd."""
    tq, tk, tv = (torch.tensor(x, dtype=dtype, requires_grad=True) for x in (q, k, v))
    B, H, n_q, d_k = q.shape
    G, n_k = k.shape[1], k.shape[2]
    c = case.get("scale", 1 / np.sqrt(d_k))
    rq, rk = tq, tk
    if "rope" in case:  # the rotation as torch operations, for autograd to differentiate
        r = case["rope"]
        qp, kp = rope_positions(case, n_q, n_k)
        dim = r.get("dim", d_k)
        theta = r.get("base", 10000.0) ** (-2.0 * np.arange(dim // 2) / dim)

        def turn(x, pos):
            ang = torch.tensor((pos / r.get("scale", 1.0))[:, None] * theta[None, :], dtype=dtype)
            if r.get("style", "half") == "half":  # x·cos + rotate_half(x)·sin
                cos, sin = torch.cos(ang).repeat(1, 2), torch.sin(ang).repeat(1, 2)
                a, b = x[..., :dim // 2], x[..., dim // 2:dim]
                turned = x[..., :dim] * cos + torch.cat([-b, a], -1) * sin
            else:  # complex multiplication by e^(i·angle)
                z = torch.view_as_complex(x[..., :dim].reshape(*x.shape[:-1], dim // 2, 2)
                                          .contiguous())
                turned = torch.view_as_real(z * torch.polar(torch.ones_like(ang), ang)).flatten(-2)
            return torch.cat([turned, x[..., dim:]], -1)

        rq, rk = turn(tq, qp), turn(tk, kp)
    kr, vr = rk.repeat_interleave(H // G, dim=1), tv.repeat_interleave(H // G, dim=1)
    x = c * rq @ kr.transpose(-1, -2)
    ok, add = constraints(case, B, H, n_q, n_k, mask)
    if case.get("alibi"):
        p = positions(n_q, n_k, case)
        rel = np.arange(n_k)[None, :] - p[:, None]
        x = x + torch.tensor(alibi_slopes(H)[:, None, None] * rel[None], dtype=dtype)
    if "softcap" in case:
        x = case["softcap"] * torch.tanh(x / case["softcap"])
    if mask is not None and mask.dtype != bool:  # a constant: no gradient flows into it
        x = x + torch.tensor(add, dtype=dtype)
    x = x.masked_fill(torch.tensor(~ok), float("-inf"))
    a = torch.softmax(x, dim=-1).nan_to_num(0.0)  # rows with every key blocked: 0
    (a @ vr).backward(torch.tensor(d_out, dtype=dtype))
    return tq.grad.double().numpy(), tk.grad.double().numpy(), tv.grad.double().numpy()


def to_layout(x, layout):
    return x.transpose(0, 2, 1, 3).copy() if layout == "bshd" else x


def run(case, d):
    B, H, G, n_q, n_k, d_k, d_v = case["shape"]
    dtype = case.get("dtype", "f64")
    q = rng.uniform(-2, 2, (B, H, n_q, d_k))
    k = rng.uniform(-2, 2, (B, G, n_k, d_k))
    v = rng.uniform(-1, 1, (B, G, n_k, d_v))
    d_out = rng.uniform(-1, 1, (B, H, n_q, d_v))
    if dtype == "f32":  # the reference takes the inputs as attn reads them
        q, k, v, d_out = (x.astype(np.float32).astype(np.float64) for x in (q, k, v, d_out))
    layout = case.get("layout", "bhsd")
    np_dtype = np.float32 if dtype == "f32" else np.float64
    for name, x in (("q", q), ("k", k), ("v", v), ("do", d_out)):
        np.save(os.path.join(d, name + ".npy"), to_layout(x, layout).astype(np_dtype))
    cmd = [ATTN, "grad"] + [f"--{n}={os.path.join(d, n + '.npy')}" for n in ("q", "k", "v", "do")]
    cmd += ["--layout", layout, "--dq-out", os.path.join(d, "dq.npy"),
            "--dk-out", os.path.join(d, "dk.npy"), "--dv-out", os.path.join(d, "dv.npy")]
    mask = random_mask(case, n_q, n_k) if "mask" in case else None
    if mask is not None:  # (…, S_q, S_k) whatever the layout
        np.save(os.path.join(d, "mask.npy"), mask)
        cmd += ["--mask", os.path.join(d, "mask.npy")]
    if case.get("causal"):
        cmd += ["--mask", "causal"]
    if "align" in case:
        cmd += ["--align", case["align"]]
    if "kv_lens" in case:
        cmd += ["--kv-lens", ",".join(map(str, case["kv_lens"]))]
    if case.get("alibi"):
        cmd += ["--bias", "alibi"]
    if "softcap" in case:
        cmd += ["--softcap", str(case["softcap"])]
    if "scale" in case:
        cmd += ["--scale", repr(case["scale"])]
    if "rope" in case:
        cmd += ["--rope"]
        for key, flag in (("style", "--rope-style"), ("base", "--rope-base"), ("dim", "--rope-dim"),
                          ("scale", "--rope-scale")):
            if key in case["rope"]:
                cmd += [flag, str(case["rope"][key])]
        for key, flag in (("q_positions", "--q-positions"), ("k_positions", "--k-positions")):
            if key in case["rope"]:
                cmd += [flag, ",".join(map(str, case["rope"][key]))]
    if case.get("forward_given"):  # attn attend's o and log-sum-exp, given back with --o, --lse
        fwd = [ATTN, "attend"] + cmd[2:5] + cmd[6:8] + cmd[14:]  # q, k, v, layout, the options
        fwd += ["--output", os.path.join(d, "o.npy"), "--lse-out", os.path.join(d, "lse.npy"), "-q"]
        fr = subprocess.run(fwd, capture_output=True, text=True)
        if fr.returncode != 0:
            return [f"{case['name']}: attend exit {fr.returncode}: {fr.stderr.strip()}"]
        cmd += ["--o", os.path.join(d, "o.npy"), "--lse", os.path.join(d, "lse.npy")]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return [f"{case['name']}: exit {r.returncode}: {r.stderr.strip()}"]
    got = [np.load(os.path.join(d, n + ".npy")).astype(np.float64) for n in ("dq", "dk", "dv")]
    if layout == "bshd":
        got = [x.transpose(0, 2, 1, 3) for x in got]
    refs = [("NumPy", numpy_backward(q, k, v, d_out, case, mask))]
    if torch is not None:
        refs.append(("torch.autograd",
                     torch_backward(q, k, v, d_out, case,
                                    torch.float32 if dtype == "f32" else torch.float64, mask)))
    failures = []
    for who, want in refs:
        for name, a, b in zip(("dq", "dk", "dv"), got, want):
            err = np.abs(a - b).max() / max(np.abs(b).max(), 1e-300)
            bound = case.get("bound", BOUND[dtype])
            status = "ok" if err <= bound else "FAIL"
            print(f"{case['name']:<44} {name} vs {who:<15} {err:.2e} (≤ {bound:g}) {status}")
            if err > bound:
                failures.append(f"{case['name']}: {name} differs from {who} by {err:.3g}")
    return failures


CASES = [
    {"name": "no mask, n_q ≠ n_k", "shape": (1, 1, 1, 70, 133, 5, 3)},
    {"name": "causal, GQA 4 over 2, two batches", "shape": (2, 4, 2, 90, 150, 8, 6),
     "causal": True},
    {"name": "causal top-left, multi-query, n_q > n_k", "shape": (1, 3, 1, 140, 75, 4, 7),
     "causal": True, "align": "top-left"},
    {"name": "kv_lens with a 0, bshd", "shape": (3, 2, 1, 66, 150, 6, 5),
     "kv_lens": [150, 70, 0], "layout": "bshd"},
    {"name": "ALiBi, softcap, scale, causal, kv_lens", "shape": (2, 4, 2, 130, 130, 16, 8),
     "causal": True, "kv_lens": [120, 64], "alibi": True, "softcap": 2.5, "scale": 0.7},
    {"name": "float32, causal, GQA", "shape": (1, 4, 2, 100, 100, 32, 32), "causal": True,
     "dtype": "f32"},
    # mask tensors (the command line takes one --mask, a tensor or an expression; a tensor with
    # an expression such as causal is tests/unit/kernel/streaming_backward_test.cpp's)
    {"name": "bool (S_q, S_k), GQA, n_q ≠ n_k, empty row", "shape": (2, 4, 2, 90, 150, 8, 6),
     "mask": {"shape": (90, 150), "dtype": "bool", "blocked_row": 70}},
    {"name": "float (B,1,S_q,S_k), kv_lens, ALiBi, softcap", "shape": (2, 4, 2, 130, 130, 16, 8),
     "mask": {"shape": (2, 1, 130, 130), "dtype": "float64", "blocked_row": 3},
     "kv_lens": [120, 64], "alibi": True, "softcap": 2.5, "scale": 0.7},
    {"name": "bool (1,H,S_q,S_k), bshd, MQA, n_q > n_k, top-left",
     "shape": (1, 4, 1, 140, 75, 4, 7), "layout": "bshd", "align": "top-left", "alibi": True,
     "mask": {"shape": (1, 4, 140, 75), "dtype": "bool", "blocked_row": 0}},
    {"name": "float32 values (B,H,S_q,S_k), kv_lens with a 0", "shape": (3, 2, 1, 66, 80, 6, 5),
     "mask": {"shape": (3, 2, 66, 80), "dtype": "float32", "blocked_row": 65},
     "kv_lens": [80, 70, 0]},
    {"name": "bool padding (B,1,1,S_k), softcap", "shape": (2, 2, 2, 70, 70, 5, 3),
     "mask": {"shape": (2, 1, 1, 70), "dtype": "bool"}, "softcap": 1.5},
    {"name": "float32 compute, float (S_q, S_k), GQA", "shape": (1, 4, 2, 100, 100, 32, 32),
     "mask": {"shape": (100, 100), "dtype": "float32", "blocked_row": 50}, "dtype": "f32"},
    {"name": "rope half, causal, GQA, n_q < n_k", "shape": (2, 4, 2, 70, 130, 8, 6),
     "causal": True, "rope": {}},
    {"name": "rope interleaved R 4 of 6, base 500, scale 2", "shape": (1, 2, 2, 66, 66, 6, 5),
     "causal": True, "rope": {"style": "interleaved", "dim": 4, "base": 500.0, "scale": 2.0}},
    {"name": "rope given positions, bshd, multi-query, kv_lens", "shape": (2, 3, 1, 40, 75, 8, 4),
     "layout": "bshd", "kv_lens": [75, 20],
     "rope": {"style": "half", "q_positions": [int(x) for x in rng.integers(0, 500, 40)],
              "k_positions": [int(x) for x in rng.integers(0, 500, 75)]}},
    {"name": "rope top-left, n_q > n_k, softcap", "shape": (1, 2, 1, 100, 60, 16, 8),
     "causal": True, "align": "top-left", "softcap": 3.0, "rope": {"style": "interleaved"}},
    {"name": "rope float32, bshd, GQA", "shape": (1, 4, 2, 90, 90, 32, 16), "causal": True,
     "dtype": "f32", "layout": "bshd", "rope": {"dim": 16}},
    {"name": "rope with --o and --lse from attn attend", "shape": (1, 2, 1, 50, 80, 8, 8),
     "causal": True, "forward_given": True, "rope": {"style": "interleaved", "base": 100.0},
     "bound": 2e-6},  # the log-sum-exp comes back as float32 (attn attend --lse-out)
    {"name": "rope interleaved R 6 of 8 with a float mask tensor", "shape": (2, 2, 1, 40, 50, 8, 4),
     "mask": {"shape": (2, 1, 40, 50), "dtype": "float64", "blocked_row": 5},
     "rope": {"style": "interleaved", "dim": 6}},
]

failures = []
if torch is None:
    print("note: PyTorch is not installed (python3-torch): only the NumPy backward is compared")
with tempfile.TemporaryDirectory() as d:
    for case in CASES:
        failures += run(case, d)
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
