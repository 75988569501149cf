#!/usr/bin/env python3
"""Everything `attn score|weights|attend` computes, against an independent float64 computation
in NumPy written from the published formulas (not from attn's code).

Runs the real binary as a script would, on seeded random problems:
  - every mask atom (full, none, causal, window, local, prefix, valid with one or per-row lengths,
    document, chunk, dilated) and random &, |, ! combinations; bool and additive mask matrices;
  - both alignments (bottom-right, top-left), n_q < n_k and n_q > n_k;
  - ALiBi per head (BLOOM's slopes, also for head counts that are not powers of two) with
    grouped-query heads, T5 buckets (Hugging Face's formula in float32), clipped relative tables,
    bias matrices, the softcap, a given scale and --no-scale;
  - rotary embeddings in both pairings, partial rotation, position scaling and explicit positions;
  - every empty-row policy (zero, nan, uniform, error);
  - the three ways in: flags with literals, a JSON document on stdin, and .npy tensors through the
    streaming kernel (--output).
Every score, weight and output must agree to 1e-12 relative. Exit 77 (skipped) without NumPy.
"""
import json
import math
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("SKIP: python3-numpy is not installed")
    sys.exit(77)

ATTN = sys.argv[1]
RTOL, ATOL = 1e-12, 1e-14
rng = np.random.default_rng(20261201)
counts = {}


def count(what):
    counts[what] = counts.get(what, 0) + 1


# ---- Positions and masks, from attn's documented geometry -------------------------------------

def positions(n_q, n_k, align):
    """Query row i sits at p = i + (n_k − n_q) (bottom-right) or p = i (top-left)."""
    offset = n_k - n_q if align == "bottom-right" else 0
    return np.arange(n_q)[:, None] + offset, np.arange(n_k)[None, :]


def atom(name, n_q, n_k, align):
    """One mask atom as a bool matrix, True = may attend (the formulas in `attn help masks`)."""
    p, j = positions(n_q, n_k, align)
    kind, _, arg = name.partition(":")
    if kind in ("full", "none"):
        return np.ones((n_q, n_k), dtype=bool)
    if kind == "causal":
        return j <= p
    if kind == "window":
        w = int(arg)
        return (p - w < j) & (j <= p)
    if kind == "local":
        return np.abs(p - j) <= int(arg)
    if kind == "prefix":
        return (j < int(arg)) | (j <= p)
    if kind == "valid":
        lengths = [int(x) for x in arg.split(",")]
        limit = np.array(lengths if len(lengths) > 1 else lengths * n_q)[:, None]
        return np.broadcast_to(j < limit, (n_q, n_k)).copy()
    if kind == "document":
        ids = [int(x) for x in arg.split(",")]
        out = np.zeros((n_q, n_k), dtype=bool)
        for i in range(n_q):
            pi = int(p[i, 0])
            for jj in range(n_k):
                out[i, jj] = 0 <= pi < len(ids) and ids[pi] == ids[jj]
        return out
    if kind == "chunk":
        c = int(arg)
        return np.floor_divide(p, c) == np.floor_divide(j, c)
    if kind == "dilated":
        w, d = (int(x) for x in arg.split(":"))
        return (np.abs(p - j) <= w) & (np.mod(p - j, d) == 0)
    raise ValueError(name)


def random_atom(n_q, n_k, align):
    kind = rng.choice(["full", "none", "causal", "window", "local", "prefix", "valid", "valid_rows",
                       "document", "chunk", "dilated"])
    if kind == "window":
        return f"window:{rng.integers(1, 5)}"
    if kind == "local":
        return f"local:{rng.integers(0, 3)}"
    if kind == "prefix":
        return f"prefix:{rng.integers(0, 4)}"
    if kind == "valid":
        return f"valid:{rng.integers(0, n_k + 1)}"
    if kind == "valid_rows":
        return "valid:" + ",".join(str(rng.integers(0, n_k + 1)) for _ in range(n_q))
    if kind == "document":
        p, _ = positions(n_q, n_k, align)
        length = max(n_k, int(p.max()) + 1)
        return "document:" + ",".join(str(x) for x in np.sort(rng.integers(0, 3, length)))
    if kind == "chunk":
        return f"chunk:{rng.integers(1, 4)}"
    if kind == "dilated":
        return f"dilated:{rng.integers(0, 4)}:{rng.integers(1, 3)}"
    return str(kind)


def random_expr(n_q, n_k, align, depth=2):
    """A random expression and its bool matrix, built from the atoms by NumPy's own &, |, ~."""
    if depth == 0 or rng.random() < 0.4:
        a = random_atom(n_q, n_k, align)
        return a, atom(a, n_q, n_k, align)
    op = rng.choice(["&", "|", "!"])
    left, lm = random_expr(n_q, n_k, align, depth - 1)
    if op == "!":
        return f"!({left})", ~lm
    right, rm = random_expr(n_q, n_k, align, depth - 1)
    return f"({left}) {op} ({right})", (lm & rm) if op == "&" else (lm | rm)


# ---- Biases, from their papers and reference code ---------------------------------------------

def alibi_slopes(heads):
    """BLOOM's build_alibi_tensor: 2^(−8h/c) for the closest power of two c ≤ H, then the odd
    slopes of the 2c-head series for the remaining heads."""
    c = 2 ** math.floor(math.log2(heads))
    slopes = [2.0 ** (-8.0 * h / c) for h in range(1, c + 1)]
    slopes += [2.0 ** (-4.0 * (2 * k - 1) / c) for k in range(1, heads - c + 1)]
    return slopes


def alibi(slope, n_q, n_k, align):
    p, j = positions(n_q, n_k, align)
    return slope * (j - p).astype(float)


def t5_bucket(r, bidirectional=True, num_buckets=32, max_distance=128):
    """Hugging Face T5Attention._relative_position_bucket, the log in float32 as torch does it."""
    nb, start = num_buckets, 0
    if bidirectional:
        nb //= 2
        start = nb if r > 0 else 0
        n = abs(r)
    else:
        n = max(-r, 0)
    max_exact = nb // 2
    if n < max_exact:
        return start + n
    large = max_exact + int(np.float32(np.log(np.float32(n) / np.float32(max_exact)))
                            / np.float32(math.log(max_distance / max_exact))
                            * np.float32(nb - max_exact))
    return start + min(large, nb - 1)


def t5(table, bidirectional, n_q, n_k, align):
    p, j = positions(n_q, n_k, align)
    return np.vectorize(lambda r: table[t5_bucket(int(r), bidirectional)])(j - p).astype(float)


def relative(table, n_q, n_k, align):
    k = (len(table) - 1) // 2
    p, j = positions(n_q, n_k, align)
    return np.asarray(table)[np.clip(j - p, -k, k) + k]


# ---- Rotary embeddings (RoFormer; GPT-NeoX's rotate_half and GPT-J's rotate_every_two) --------

def rope_rotate(x, pos, base, style, dim, scale):
    """x (rows, d) with row r at position pos[r]: pairs rotated by (pos/scale)·base^(−2i/R)."""
    r = dim
    theta = base ** (-2.0 * np.arange(r // 2) / r)
    ang = (np.asarray(pos, dtype=float)[:, None] / scale) * theta[None, :]
    cos, sin = np.cos(ang), np.sin(ang)
    out = x.copy()
    if style == "half":
        a, b = x[:, :r // 2], x[:, r // 2:r]
        out[:, :r // 2] = a * cos - b * sin
        out[:, r // 2:r] = a * sin + b * cos
    else:
        a, b = x[:, 0:r:2], x[:, 1:r:2]
        out[:, 0:r:2] = a * cos - b * sin
        out[:, 1:r:2] = a * sin + b * cos
    return out


# ---- Attention, from the formulas --------------------------------------------------------------

def reference(q, k, v, scale, bias, cap, allowed, additive, empty):
    """β = M + cap(c·q kᵀ + b); α = softmax over the visible keys; o = α v."""
    x = scale * (q @ k.T)
    if bias is not None:
        x = x + bias
    if cap is not None:
        x = cap * np.tanh(x / cap)
    if additive is not None:
        x = x + additive
    beta = np.where(allowed, x, -np.inf)
    n_q, n_k = beta.shape
    w = np.zeros_like(beta)
    for i in range(n_q):
        row = beta[i]
        if not np.isfinite(row).any():
            w[i] = {"zero": 0.0, "nan": np.nan, "uniform": 1.0 / n_k, "error": 0.0}[empty]
            continue
        e = np.exp(row - row[np.isfinite(row)].max())
        w[i] = e / e.sum()
    with np.errstate(invalid="ignore"):
        o = np.where(np.isnan(w).any(axis=1, keepdims=True), np.nan,
                     np.nan_to_num(w) @ v)
    return beta, w, o


def decode(matrix):
    return np.array([[float(x) for x in row] for row in matrix])  # float() reads "-Infinity"


def close(name, got, want, case):
    same_nan = np.array_equal(np.isnan(got), np.isnan(want))
    finite = np.isfinite(want)
    if (not same_nan or not np.array_equal(finite, np.isfinite(got))
            or not np.allclose(got[finite], want[finite], rtol=RTOL, atol=ATOL)
            or not np.array_equal(got[np.isinf(want)], want[np.isinf(want)])):
        raise SystemExit(f"case {case}: {name} differs\nattn:  {got.tolist()}\n"
                         f"numpy: {want.tolist()}")


def attn(args, stdin=None):
    out = subprocess.run([ATTN, *args], input=stdin, capture_output=True, text=True, check=False)
    return out.returncode, out.stdout, out.stderr


def literal(m):
    return ";".join(",".join(repr(float(x)) for x in row) for row in m)


# ---- One random problem, asked three ways ------------------------------------------------------

def problem(case):
    heads = int(rng.choice([1, 1, 1, 2, 3, 4, 6, 8]))
    kv = int(rng.choice([g for g in (1, 2, 3, heads) if heads % g == 0]))
    n_q, n_k = int(rng.integers(1, 7)), int(rng.integers(1, 7))
    d_k, d_v = int(rng.integers(1, 6)), int(rng.integers(1, 4))
    align = str(rng.choice(["bottom-right", "top-left"]))
    p = {"heads": heads, "kv": kv, "n_q": n_q, "n_k": n_k, "d_k": d_k, "d_v": d_v, "align": align,
         "q": rng.normal(size=(n_q, heads * d_k)) * rng.choice([0.1, 1, 3]),
         "k": rng.normal(size=(n_k, kv * d_k)), "v": rng.normal(size=(n_k, kv * d_v)),
         "scale": None, "no_scale": False, "mask": None, "allowed": np.ones((n_q, n_k), bool),
         "additive": None, "bias": None, "bias_kind": None, "cap": None, "empty": "zero"}
    r = rng.random()
    if r < 0.15:
        p["scale"] = float(rng.uniform(0.1, 2))
    elif r < 0.25:
        p["no_scale"] = True
    m = rng.random()
    if m < 0.55:
        p["mask"], p["allowed"] = random_expr(n_q, n_k, align)
    elif m < 0.7:
        p["allowed"] = rng.random((n_q, n_k)) < 0.7
        p["mask"] = p["allowed"].tolist()
    elif m < 0.8:
        additive = np.where(rng.random((n_q, n_k)) < 0.7, rng.normal(size=(n_q, n_k)), -np.inf)
        p["additive"] = np.where(np.isfinite(additive), additive, 0.0)
        p["allowed"] = np.isfinite(additive)
        p["mask"] = [[x if np.isfinite(x) else "-Infinity" for x in row] for row in additive]
    b = rng.random()
    if b < 0.25:
        p["bias_kind"] = "alibi"
    elif b < 0.32:
        p["bias_kind"] = f"alibi:{rng.choice([0.5, 0.125, 0.0625])}"
    elif b < 0.4:
        table = [float(x) for x in rng.normal(size=2 * int(rng.integers(0, 3)) + 1)]
        p["bias_kind"] = "relative:" + ",".join(repr(x) for x in table)
        p["table"] = table
    elif b < 0.48:
        p["bias_kind"] = str(rng.choice(["t5", "t5:causal"]))
        p["table"] = [float(x) for x in rng.normal(size=32)]
    elif b < 0.55 and heads == 1:
        p["bias"] = rng.normal(size=(n_q, n_k))
    if rng.random() < 0.25:
        p["cap"] = float(rng.uniform(0.5, 5))
    p["rope"] = None
    if rng.random() < 0.25 and d_k >= 2:
        rope = {"base": float(rng.choice([10000.0, 500.0, 3.0])),
                "style": str(rng.choice(["half", "interleaved"])),
                "dim": int(2 * rng.integers(0, d_k // 2 + 1)),
                "scale": float(rng.choice([1.0, 1.0, 4.0]))}
        if rng.random() < 0.3:
            rope["q_positions"] = [int(x) for x in rng.integers(0, 50, n_q)]
            rope["k_positions"] = [int(x) for x in rng.integers(0, 50, n_k)]
        p["rope"] = rope
    if not p["allowed"].any(axis=1).all():  # a row with every key blocked
        p["empty"] = str(rng.choice(["zero", "nan", "uniform", "error"]))
    return p


def expected(p):
    heads, kv, d_k, d_v = p["heads"], p["kv"], p["d_k"], p["d_v"]
    scale = 1.0 if p["no_scale"] else p["scale"] if p["scale"] is not None else 1 / math.sqrt(d_k)
    slopes = alibi_slopes(heads)
    per_head = []
    for h in range(heads):
        g = h * kv // heads
        kind = p["bias_kind"]
        bias = p["bias"]
        args = (p["n_q"], p["n_k"], p["align"])
        if kind == "alibi":
            bias = alibi(slopes[h], *args)
        elif kind and kind.startswith("alibi:"):
            bias = alibi(float(kind.split(":")[1]), *args)
        elif kind and kind.startswith("relative:"):
            bias = relative(p["table"], *args)
        elif kind in ("t5", "t5:causal"):
            bias = t5(p["table"], kind == "t5", *args)
        hq, hk = p["q"][:, h * d_k:(h + 1) * d_k], p["k"][:, g * d_k:(g + 1) * d_k]
        if p["rope"] is not None:
            rope = p["rope"]
            qp, kp = positions(p["n_q"], p["n_k"], p["align"])
            qpos = rope.get("q_positions", qp[:, 0].tolist())
            kpos = rope.get("k_positions", kp[0, :].tolist())
            hq = rope_rotate(hq, qpos, rope["base"], rope["style"], rope["dim"], rope["scale"])
            hk = rope_rotate(hk, kpos, rope["base"], rope["style"], rope["dim"], rope["scale"])
        per_head.append(reference(hq, hk, p["v"][:, g * d_v:(g + 1) * d_v], scale, bias, p["cap"],
                                  p["allowed"], p["additive"], p["empty"]))
    return per_head


def flags(p):
    out = ["--align", p["align"], "--empty-rows", p["empty"]]
    if p["heads"] > 1:
        out += ["--heads", str(p["heads"]), "--kv-heads", str(p["kv"])]
    if p["scale"] is not None:
        out += ["--scale", repr(p["scale"])]
    if p["no_scale"]:
        out += ["--no-scale"]
    if p["cap"] is not None:
        out += ["--softcap", repr(p["cap"])]
    if p["rope"] is not None:
        rope = p["rope"]
        out += ["--rope", "--rope-base", repr(rope["base"]), "--rope-style", rope["style"],
                "--rope-dim", str(rope["dim"]), "--rope-scale", repr(rope["scale"])]
        if "q_positions" in rope:
            out += ["--q-positions", ",".join(map(str, rope["q_positions"])),
                    "--k-positions", ",".join(map(str, rope["k_positions"]))]
    if p["bias_kind"]:
        out += ["--bias", p["bias_kind"]]
        if p["bias_kind"].startswith("t5"):
            out += ["--bias-table", json.dumps(p["table"])]
    return out


def check_json(p, got, case, path):
    want = expected(p)
    results = [got] if p["heads"] == 1 else got["heads"]
    for h, (beta, w, o) in enumerate(want):
        close(f"{path} head {h} scores", decode(results[h]["scores"]), beta, case)
        close(f"{path} head {h} weights", decode(results[h]["weights"]), w, case)
    close(f"{path} output", decode(got["output"]),
          np.concatenate([o for *_, o in want], axis=1), case)


def run_case(case):
    p = problem(case)
    want = expected(p)
    blocked_row = any(not p["allowed"][i].any() for i in range(p["n_q"]))
    doc = {"q": p["q"].tolist(), "k": p["k"].tolist(), "v": p["v"].tolist()}
    if p["mask"] is not None:
        doc["mask"] = p["mask"]
    if p["bias"] is not None:
        doc["bias"] = p["bias"].tolist()
    if p["rope"] is not None and case % 2 == 0:  # half the time in the document, not as flags
        doc["rope"] = p["rope"]
    # 1. the JSON document on stdin
    doc_flags = flags(dict(p, rope=None)) if "rope" in doc else flags(p)
    status, out, err = attn(["attend", "--input", "-", "--json", *doc_flags], json.dumps(doc))
    if p["empty"] == "error" and blocked_row:
        assert status == 65 and "every key blocked" in err, f"case {case}: {status} {err}"
        count("empty rows refused")
        return
    if status != 0:
        raise SystemExit(f"case {case}: attn failed ({status}): {err}\n{json.dumps(doc)} {flags(p)}")
    check_json(p, json.loads(out), case, "document")
    count("JSON document")
    # 2. the same as flags with literals
    if isinstance(p["mask"], str) or p["mask"] is None:
        lit = ["--q", literal(p["q"]), "--k", literal(p["k"]), "--v", literal(p["v"])]
        if p["mask"] is not None:
            lit += ["--mask", p["mask"]]
        if p["bias"] is not None:
            lit += ["--bias", json.dumps(p["bias"].tolist())]
        status, out, err = attn(["attend", "--json", *lit, *flags(p)])
        if status != 0:
            raise SystemExit(f"case {case}: literals failed ({status}): {err}")
        check_json(p, json.loads(out), case, "literals")
        count("literals")
        if p["rope"] is not None:
            count("with RoPE")
    # 3. .npy tensors through the streaming kernel: one head, masks given as expressions
    if (p["heads"] == 1 and p["bias"] is None and p["bias_kind"] is None and p["cap"] is None
            and p["rope"] is None and (p["mask"] is None or isinstance(p["mask"], str))):
        with tempfile.TemporaryDirectory() as tmp:
            names = {}
            for key in ("q", "k", "v"):
                names[key] = os.path.join(tmp, f"{key}.npy")
                np.save(names[key], p[key])
            out_path = os.path.join(tmp, "o.npy")
            args = ["attend", "--q", names["q"], "--k", names["k"], "--v", names["v"],
                    "--output", out_path, "--align", p["align"], "--empty-rows", p["empty"]]
            if p["mask"] is not None:
                args += ["--mask", p["mask"]]
            if p["scale"] is not None:
                args += ["--scale", repr(p["scale"])]
            if p["no_scale"]:
                args += ["--no-scale"]
            status, _, err = attn(args)
            if status != 0:
                raise SystemExit(f"case {case}: .npy failed ({status}): {err}")
            close(".npy output", np.load(out_path), want[0][2], case)
            count(".npy streaming")


def main():
    for case in range(600):
        run_case(case)
    # A few problems as `attn score` and `attn weights --scores` (the earlier stages).
    for case in range(40):
        n_q, n_k, d = int(rng.integers(1, 5)), int(rng.integers(1, 5)), int(rng.integers(1, 5))
        q, k = rng.normal(size=(n_q, d)), rng.normal(size=(n_k, d))
        status, out, err = attn(["score", "--q", literal(q), "--k", literal(k), "--json"])
        assert status == 0, err
        close("score", decode(json.loads(out)["scores"]), q @ k.T / math.sqrt(d), case)
        scores = rng.normal(size=(n_q, n_k))
        status, out, err = attn(["weights", "--scores", literal(scores), "--json"])
        assert status == 0, err
        e = np.exp(scores - scores.max(axis=1, keepdims=True))
        close("weights", decode(json.loads(out)["weights"]), e / e.sum(axis=1, keepdims=True),
              case)
        count("score and weights")
    print("numpy agreement: " + ", ".join(f"{n} {what}" for what, n in sorted(counts.items())) +
          f"; every value within {RTOL:g} relative")


main()
