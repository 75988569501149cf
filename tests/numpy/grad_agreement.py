#!/usr/bin/env python3
"""`attn grad --json` against an independent float64 backward pass written in NumPy from the
formulas, and against torch.autograd where PyTorch is installed.

On seeded random problems (shapes, n_q != n_k, scales, bool masks, additive masks, bias
matrices, softcaps, grouped-query heads, RoPE, dO given or from the sum and mse losses) every gradient
attn prints must agree with NumPy to 1e-10 relative, and with autograd to 1e-10 as well.
Exit 77 (skipped) when NumPy is missing; the autograd half prints SKIP when torch is.
"""
import json
import subprocess
import sys

try:
    import numpy as np
except ImportError:
    print("SKIP: python3-numpy is not installed")
    sys.exit(77)
try:
    import torch
except ImportError:
    torch = None
    print("SKIP (autograd half): python3-torch is not installed")

ATTN = sys.argv[1]
RTOL, ATOL = 1e-10, 1e-12
rng = np.random.default_rng(20261201)


def forward(q, k, v, scale, bias, cap, allowed):
    """o = softmax(M + cap(c·q kᵀ + b)) v, one head, and what the backward needs."""
    x = scale * (q @ k.T) + (bias if bias is not None else 0.0)
    beta = cap * np.tanh(x / cap) if cap is not None else x
    beta = np.where(allowed, beta, -np.inf)
    m = beta.max(axis=1, keepdims=True)
    empty = ~np.isfinite(m)
    e = np.where(allowed, np.exp(beta - np.where(empty, 0, m)), 0.0)
    total = e.sum(axis=1, keepdims=True)
    alpha = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return x, alpha, alpha @ v


def backward(q, k, v, scale, bias, cap, allowed, d_out):
    """The issue's five steps, one head: dV, dα, dβ, through the cap, dq and dk."""
    x, alpha, _ = forward(q, k, v, scale, bias, cap, allowed)
    dv = alpha.T @ d_out                                   # 1. dV = αᵀ dO
    dalpha = d_out @ v.T                                   # 2. dα = dO vᵀ
    d = (alpha * dalpha).sum(axis=1, keepdims=True)        # 3. D_i = Σ_l α_il dα_il
    dbeta = np.where(allowed, alpha * (dalpha - d), 0.0)   #    dβ = α ⊙ (dα − D)
    dx = dbeta * (1 - np.tanh(x / cap) ** 2) if cap is not None else dbeta  # 4.
    dq = scale * dx @ k                                    # 5. dq = c·dS k
    dk = scale * dx.T @ q                                  #    dk = c·dSᵀ q
    return dq, dk, dv, dalpha, dbeta, dx


def rope_rotate(x, pos, base, style, sign=1.0):
    """Rotate each row's dimension pairs by pos·base^(−2i/d) (sign −1: rotate back)."""
    d = x.shape[1] - x.shape[1] % 2
    theta = base ** (-2.0 * np.arange(d // 2) / d)
    ang = np.asarray(pos, dtype=float)[:, None] * theta[None, :]
    cos, sin = np.cos(ang), sign * np.sin(ang)
    out = x.copy()
    ia, ib = (np.arange(d // 2), np.arange(d // 2) + d // 2) if style == "half" else \
        (np.arange(0, d, 2), np.arange(1, d, 2))
    out[:, ia] = x[:, ia] * cos - x[:, ib] * sin
    out[:, ib] = x[:, ia] * sin + x[:, ib] * cos
    return out


def heads_backward(q, k, v, scale, bias, cap, allowed, d_out, h, g, rope=None):
    n_q, n_k = q.shape[0], k.shape[0]
    d_k, d_v = q.shape[1] // h, v.shape[1] // g
    dq = np.zeros_like(q)
    dk = np.zeros_like(k)
    dv = np.zeros_like(v)
    outs = []
    for head in range(h):
        kv = head * g // h
        qs = slice(head * d_k, (head + 1) * d_k)
        ks = slice(kv * d_k, (kv + 1) * d_k)
        vs = slice(kv * d_v, (kv + 1) * d_v)
        hq, hk, hv = q[:, qs], k[:, ks], v[:, vs]
        if rope is not None:  # q_rot = R(p) q: the backward rotates dq_rot back by −p
            base, style, qpos, kpos = rope
            hq, hk = rope_rotate(hq, qpos, base, style), rope_rotate(hk, kpos, base, style)
        _, _, o = forward(hq, hk, hv, scale, bias, cap, allowed)
        outs.append(o)
        a, b, c, *_ = backward(hq, hk, hv, scale, bias, cap, allowed,
                               d_out[:, head * d_v:(head + 1) * d_v])
        if rope is not None:
            a, b = rope_rotate(a, qpos, base, style, -1.0), rope_rotate(b, kpos, base, style, -1.0)
        dq[:, qs] += a
        dk[:, ks] += b
        dv[:, vs] += c
    return np.concatenate(outs, axis=1), dq, dk, dv


def autograd(q, k, v, scale, bias, cap, allowed, d_out, h, g):
    t = {name: torch.tensor(x, dtype=torch.float64, requires_grad=True)
         for name, x in (("q", q), ("k", k), ("v", v))}
    d_k, d_v = q.shape[1] // h, v.shape[1] // g
    outs = []
    for head in range(h):
        kv = head * g // h
        hq = t["q"][:, head * d_k:(head + 1) * d_k]
        hk = t["k"][:, kv * d_k:(kv + 1) * d_k]
        hv = t["v"][:, kv * d_v:(kv + 1) * d_v]
        x = scale * hq @ hk.T
        if bias is not None:
            x = x + torch.tensor(bias, dtype=torch.float64)
        beta = cap * torch.tanh(x / cap) if cap is not None else x
        beta = beta.masked_fill(~torch.tensor(allowed), float("-inf"))
        alpha = torch.nan_to_num(torch.softmax(beta, dim=-1), nan=0.0)
        outs.append(alpha @ hv)
    o = torch.cat(outs, dim=1)
    (o * torch.tensor(d_out, dtype=torch.float64)).sum().backward()
    return t["q"].grad.numpy(), t["k"].grad.numpy(), t["v"].grad.numpy()


def decode(matrix):
    return np.array([[float(x) for x in row] for row in matrix])


def close(name, got, want, case):
    if got.shape != want.shape or not np.allclose(got, want, rtol=RTOL, atol=ATOL):
        raise SystemExit(f"{name} differs in case {case}:\nattn  {got.tolist()}\n"
                         f"want  {want.tolist()}")


def main():
    cases = 0
    for case in range(250):
        h = int(rng.choice([1, 1, 2, 4]))
        g = int(rng.choice([x for x in (1, 2, h) if h % x == 0]))
        n_q, n_k = int(rng.integers(1, 6)), int(rng.integers(1, 7))
        d_k, d_v = int(rng.integers(1, 5)), int(rng.integers(1, 4))
        q = rng.normal(size=(n_q, h * d_k))
        k = rng.normal(size=(n_k, g * d_k))
        v = rng.normal(size=(n_k, g * d_v))
        doc = {"q": q.tolist(), "k": k.tolist(), "v": v.tolist(), "heads": h, "kv_heads": g}
        scale = 1 / np.sqrt(d_k)
        if rng.random() < 0.3:
            scale = float(rng.uniform(0.2, 2.0))
            doc["scale"] = scale
        allowed = np.ones((n_q, n_k), dtype=bool)
        if rng.random() < 0.6:
            allowed = rng.random((n_q, n_k)) < 0.7
            allowed[np.arange(n_q), rng.integers(0, n_k, n_q)] = True
            doc["mask"] = allowed.tolist()
        bias = None
        if rng.random() < 0.4:
            bias = rng.normal(size=(n_q, n_k))
            doc["bias"] = bias.tolist()
        cap = None
        if rng.random() < 0.3:
            cap = float(rng.uniform(0.5, 5.0))
            doc["softcap"] = cap
        rope = None
        if rng.random() < 0.3 and d_k % 2 == 0:
            base, style = float(rng.choice([10000.0, 7.0])), str(rng.choice(["half", "interleaved"]))
            qpos, kpos = np.arange(n_q) + (n_k - n_q), np.arange(n_k)  # bottom-right
            rope = (base, style, qpos, kpos)
            doc["rope"] = {"base": base, "style": style}
        loss = rng.choice(["given", "sum", "mse"])
        o, *_ = heads_backward(q, k, v, scale, bias, cap, allowed,
                               np.zeros((n_q, h * d_v)), h, g, rope)
        args = [ATTN, "grad", "--input", "-", "--json"]
        if loss == "given":
            d_out = rng.normal(size=(n_q, h * d_v))
            doc["do"] = d_out.tolist()
        elif loss == "sum":
            d_out = np.ones((n_q, h * d_v))
            args += ["--loss", "sum"]
        else:
            target = rng.normal(size=(n_q, h * d_v))
            doc["target"] = target.tolist()
            d_out = o - target
            args += ["--loss", "mse"]
        run = subprocess.run(args, input=json.dumps(doc), capture_output=True, text=True,
                             check=False)
        if run.returncode != 0:
            raise SystemExit(f"attn failed ({run.returncode}): {run.stderr}\n{json.dumps(doc)}")
        got = json.loads(run.stdout)
        _, dq, dk, dv = heads_backward(q, k, v, scale, bias, cap, allowed, d_out, h, g, rope)
        close("do", decode(got["do"]), d_out, case)
        close("dq", decode(got["dq"]), dq, case)
        close("dk", decode(got["dk"]), dk, case)
        close("dv", decode(got["dv"]), dv, case)
        if h == 1 and rope is None:
            *_, dalpha, dbeta, _ = backward(q, k, v, scale, bias, cap, allowed, d_out)
            close("dalpha", decode(got["dalpha"]), dalpha, case)
            close("dbeta", decode(got["dbeta"]), dbeta, case)
        if torch is not None and rope is None:
            tq, tk, tv = autograd(q, k, v, scale, bias, cap, allowed, d_out, h, g)
            close("dq (autograd)", decode(got["dq"]), tq, case)
            close("dk (autograd)", decode(got["dk"]), tk, case)
            close("dv (autograd)", decode(got["dv"]), tv, case)
        cases += 1
    print(f"grad: {cases} random problems agree with NumPy"
          f"{' and torch.autograd' if torch is not None else ''} to {RTOL:g}")


main()
