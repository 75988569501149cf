#!/usr/bin/env python3
"""Runs the PyTorch code that `attn mask --as` and `attn bias alibi --as` print, in real PyTorch,
and checks that it gives attn's mask or bias.

    snippets.py ATTN

Debian 12's python3-torch is PyTorch 1.13: it has no F.scaled_dot_product_attention and no
FlexAttention, so for those the lines that build the mask (or the bias, or the mask_mod) are run
and their tensor compared with attn's; nn.MultiheadAttention is run whole, and its attention
weights must be zero exactly where attn blocks a key (and NaN in a row where attn blocks every
key, which the translator's note says). Exits 77 (skipped) where torch is missing.
"""
import json
import subprocess
import sys

try:
    import torch
except ImportError:
    print("snippets: no torch (Debian: python3-torch); skipped")
    sys.exit(77)

ATTN = sys.argv[1]
failures = []
checks = 0

# Lines that call what PyTorch 1.13 does not have, or a library that is not installed.
SKIP = ("F.scaled_dot_product_attention", "xops.", "flash_attn", "block_mask =", "flex_attention(",
        "attention = d2l", "model(", "from torch.nn.attention", "scores = scores",
        "attention = torch.softmax")


def attn_json(*args):
    out = subprocess.run([ATTN, *args, "--json"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def run_lines(code, names):
    """Runs `code` without the lines that call what is not installed."""
    kept = [line for line in code.splitlines() if not line.lstrip().startswith(SKIP)]
    exec("\n".join(kept), names)  # the code attn printed, nothing else
    return names


def check(what, ok):
    global checks
    checks += 1
    if not ok:
        failures.append(what)


def mha_layer(embed_dim, heads):
    """nn.MultiheadAttention with identity projections: with q = k = 0 every score is 0, so the
    weights are uniform over the allowed keys (or softmax of an added float mask)."""
    layer = torch.nn.MultiheadAttention(embed_dim, heads, bias=False, batch_first=True)
    with torch.no_grad():
        layer.in_proj_weight.copy_(torch.cat([torch.eye(embed_dim)] * 3))
        layer.out_proj.weight.copy_(torch.eye(embed_dim))
    return layer


SHAPES = [(4, 4, "bottom-right"), (2, 5, "bottom-right"), (2, 5, "top-left"), (5, 3, "bottom-right")]
EXPRS = ["causal", "window:2", "causal & window:3", "local:1", "prefix:2", "valid:2",
         "causal & valid:3", "chunk:2", "dilated:2:2", "!causal", "causal | local:1",
         "document:0,0,1,1,2,2"]

for expr in EXPRS:
    for n, m, align in SHAPES:
        if expr.startswith("document") and (n, m) != (4, 4):
            continue
        label = f"{expr} on {n}×{m} {align}"
        doc = attn_json("mask", expr, "--n", str(n), "--m", str(m), "--align", align, "--as", "all")
        want = torch.tensor(doc["mask"])
        for t in doc["translations"]:
            lib, code = t["library"], t["code"]
            if lib in ("torch-sdpa", "flash-attn", "hf", "d2l") and not t["native"]:
                names = run_lines(code, {"torch": torch})
                # (j < 2) is (1, S): SDPA's attn_mask only has to broadcast to (L, S).
                got = names["mask"].expand(n, m)
                check(f"{label}: {lib}'s mask tensor", torch.equal(got, want))
            elif lib == "xformers" and not t["native"]:
                names = run_lines(code, {"torch": torch})
                additive = torch.zeros(n, m).masked_fill(~want, float("-inf"))
                check(f"{label}: xformers' attn_bias", torch.equal(names["attn_bias"], additive))
            elif lib == "flex":
                names = run_lines(code, {"torch": torch})
                got = names["mask_mod"](0, 0, torch.arange(n)[:, None], torch.arange(m)[None, :])
                check(f"{label}: flex's mask_mod", torch.equal(got.expand(n, m), want))
            elif lib == "torch-mha":
                layer = mha_layer(2, 1)
                q, kv = torch.zeros(1, n, 2), torch.zeros(1, m, 2)
                names = {"torch": torch, "q": q, "k": kv, "v": kv, "weights": []}

                def mha(q, k, v, **kwargs):
                    out, w = layer(q, k, v, **kwargs)
                    names["weights"].append(w[0].detach())
                    return out
                names["mha"] = mha
                run_lines(code, names)
                w = names["weights"][-1]
                empty = ~want.any(dim=1)
                check(f"{label}: mha's zero weights", torch.equal((w[~empty] > 0), want[~empty]))
                check(f"{label}: mha's NaN rows", bool(torch.isnan(w[empty]).all()))

# ALiBi: the float tensors, added by nn.MultiheadAttention per head.
for heads, symmetric in [(1, False), (3, False), (4, True), (12, False)]:
    kind = "alibi:symmetric" if symmetric else "alibi"
    for n, m, align in SHAPES:
        label = f"{kind} --heads {heads} on {n}×{m} {align}"
        for head in range(1, heads + 1):
            doc = attn_json("bias", kind, "--n", str(n), "--m", str(m), "--align", align,
                            "--heads", str(heads), "--head", str(head), "--as", "torch-mha")
            want = torch.tensor(doc["bias"], dtype=torch.float32)
            layer = mha_layer(heads, heads)  # one dimension per head
            q, kv = torch.zeros(1, n, heads), torch.zeros(1, m, heads)
            names = {"torch": torch, "q": q, "k": kv, "v": kv, "weights": []}

            def mha(q, k, v, **kwargs):
                out, w = layer(q, k, v, average_attn_weights=False, **kwargs)
                names["weights"].append(w[0].detach())
                return out
            names["mha"] = mha
            run_lines(doc["translations"][0]["code"], names)
            check(f"{label}, head {head}: the bias tensor",
                  torch.allclose(names["bias"][head - 1], want, atol=1e-6))
            check(f"{label}, head {head}: mha adds it",
                  torch.allclose(names["weights"][-1][head - 1], torch.softmax(want, -1), atol=1e-6))

for f in failures:
    print("FAIL:", f)
print(f"snippets: {checks} checks, {len(failures)} failures")
sys.exit(1 if failures else 0)
