#!/usr/bin/env python3
"""Runs the PyTorch code that `attn mask --as`, `attn bias alibi --as` and `attn explain rope --as`
print, in real PyTorch, and checks that it gives attn's mask, bias or rotation.

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

# RoPE. transformers, flash-attn and Meta's llama are not Debian packages: the functions the printed
# code imports are stood in for by these, written from the files docs/conventions.md names
# (modeling_llama.py, modeling_gptj.py, flash_attn/layers/rotary.py's apply_rotary_emb_torch,
# llama/model.py); the rest of the printed code runs as printed.
def hf_apply_rotary_pos_emb(q, k, cos, sin, unsqueeze_dim=1):
    def rotate_half(x):  # (x1, x2) -> (-x2, x1), the halves of the last dimension
        h = x.shape[-1] // 2
        return torch.cat((-x[..., h:], x[..., :h]), dim=-1)
    cos, sin = cos.unsqueeze(unsqueeze_dim), sin.unsqueeze(unsqueeze_dim)
    return q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin


def gptj_rotate_every_two(x):  # (x_2i, x_2i+1) -> (-x_2i+1, x_2i); x is (batch, L, heads, d)
    return torch.stack((-x[:, :, :, 1::2], x[:, :, :, ::2]), dim=-1).flatten(-2)


def gptj_apply_rotary_pos_emb(tensor, sin, cos):  # sin, cos: (batch, L, d/2)
    sin = torch.repeat_interleave(sin[:, :, None, :], 2, 3)
    cos = torch.repeat_interleave(cos[:, :, None, :], 2, 3)
    return tensor * cos + gptj_rotate_every_two(tensor) * sin


def flash_apply_rotary_emb(x, cos, sin, interleaved=False):  # x: (batch, L, heads, d)
    ro = cos.shape[-1] * 2
    if interleaved:
        cos, sin = cos.repeat_interleave(2, -1), sin.repeat_interleave(2, -1)
        rot = gptj_rotate_every_two(x[..., :ro])
    else:
        cos, sin = torch.cat((cos, cos), -1), torch.cat((sin, sin), -1)
        rot = torch.cat((-x[..., ro // 2:ro], x[..., :ro // 2]), dim=-1)
    cos, sin = cos[:, None, :], sin[:, None, :]
    return torch.cat([x[..., :ro] * cos + rot * sin, x[..., ro:]], dim=-1)


def meta_precompute_freqs_cis(dim, end, theta=10000.0):
    freqs = 1.0 / (theta ** (torch.arange(0, dim, 2)[: dim // 2].float() / dim))
    freqs = torch.outer(torch.arange(end), freqs).float()
    return torch.polar(torch.ones_like(freqs), freqs)


def meta_apply_rotary_emb(xq, xk, freqs_cis):  # pairs (2i, 2i + 1) as complex numbers
    def one(x):
        z = torch.view_as_complex(x.float().reshape(*x.shape[:-1], -1, 2))
        shape = [n if i == 1 or i == z.ndim - 1 else 1 for i, n in enumerate(z.shape)]
        return torch.view_as_real(z * freqs_cis.view(*shape)).flatten(3).type_as(x)
    return one(xq), one(xk)


ROPE_NAMES = {
    "hf": {"apply_rotary_pos_emb": hf_apply_rotary_pos_emb},
    "gptj": {"apply_rotary_pos_emb": gptj_apply_rotary_pos_emb},
    "flash-attn": {"apply_rotary_emb": flash_apply_rotary_emb},
    "llama": {"apply_rotary_emb": meta_apply_rotary_emb,
              "precompute_freqs_cis": meta_precompute_freqs_cis},
}


def close32(a, b):
    return torch.allclose(a.double(), b.double(), atol=1e-5, rtol=1e-5)


torch.manual_seed(0)
for dim, base, style in [(2, 10000, "half"), (4, 100, "half"), (4, 100, "interleaved"),
                         (8, 10000, "half"), (8, 10000, "interleaved"), (6, 500000, "interleaved")]:
    label = f"rope d={dim} base={base} {style}"
    doc = attn_json("explain", "rope", "--dim", str(dim), "--base", str(base), "--max-distance", "1",
                    "--style", style, "--as", "all")["translation"]
    q, k = torch.tensor(doc["q"]), torch.tensor(doc["k"])
    want_q = torch.tensor(doc["q_rotated"], dtype=torch.float64)
    want_k = torch.tensor(doc["k_rotated"], dtype=torch.float64)
    for t in doc["translations"]:
        kept = [line for line in t["code"].splitlines() if not line.startswith("from ")]
        names = {"torch": torch, "q": q.clone(), "k": k.clone(), **ROPE_NAMES[t["library"]]}
        exec("\n".join(kept), names)  # the code attn printed, without its import
        check(f"{label}: {t['library']}'s q_rot", close32(names["q_rot"], want_q))
        check(f"{label}: {t['library']}'s k_rot", close32(names["k_rot"], want_k))
        check(f"{label}: {t['library']} is exact", t["exact"])
        # The scores attn prints: the dot products of the rotated rows.
        check(f"{label}: {t['library']}'s scores",
              close32(names["q_rot"] @ names["k_rot"].T, torch.tensor(doc["scores"])))
    # The other pairing's scores, from the library that has both.
    other = "True" if style == "half" else "False"
    fl = [t for t in doc["translations"] if t["library"] == "flash-attn"][0]
    code = fl["code"].replace("interleaved=" + ("False" if style == "half" else "True"),
                              "interleaved=" + other)
    names = {"torch": torch, "q": q.clone(), "k": k.clone(), **ROPE_NAMES["flash-attn"]}
    exec("\n".join(line for line in code.splitlines() if not line.startswith("from ")), names)
    check(f"{label}: the other pairing's scores",
          close32(names["q_rot"] @ names["k_rot"].T, torch.tensor(doc["other_scores"])))
    # The checkpoint conversion: wq, wk of 3 heads, in an interleaved (Meta) model, permuted as
    # printed, give the same scores in a half (Hugging Face) model; the inverse undoes it.
    check(f"{label}: to_half", torch.equal(
        torch.tensor(doc["to_half"]), torch.cat((torch.arange(0, dim, 2), torch.arange(1, dim, 2)))))
    n_heads, dim_in, L = 3, 5, 4
    x = torch.randn(L, dim_in, dtype=torch.float64)
    wq = torch.randn(n_heads * dim, dim_in, dtype=torch.float64)
    wk = torch.randn(n_heads * dim, dim_in, dtype=torch.float64)
    env = {"n_heads": n_heads, "d": dim, "dim_in": dim_in}
    wq_hf = eval(doc["to_half_weights"], {**env, "w": wq})
    wk_hf = eval(doc["to_half_weights"], {**env, "w": wk})
    check(f"{label}: the inverse permutation",
          torch.equal(eval(doc["to_interleaved_weights"], {**env, "w": wq_hf}), wq))
    freqs_cis = meta_precompute_freqs_cis(dim, L, theta=float(base)).to(torch.complex128)
    qm, km = meta_apply_rotary_emb((x @ wq.T).view(1, L, n_heads, dim),
                                   (x @ wk.T).view(1, L, n_heads, dim), freqs_cis)
    freqs = torch.outer(torch.arange(L).double(),
                        1.0 / (float(base) ** (torch.arange(0, dim, 2).double() / dim)))
    emb = torch.cat((freqs, freqs), dim=-1)
    qh, kh = hf_apply_rotary_pos_emb((x @ wq_hf.T).view(1, L, n_heads, dim).transpose(1, 2),
                                     (x @ wk_hf.T).view(1, L, n_heads, dim).transpose(1, 2),
                                     emb.cos()[None], emb.sin()[None])
    meta_scores = qm.double().transpose(1, 2) @ km.double().transpose(1, 2).transpose(-1, -2)
    hf_scores = qh @ kh.transpose(-1, -2)
    check(f"{label}: the permuted checkpoint scores the same",
          torch.allclose(meta_scores, hf_scores, atol=1e-5))

for f in failures:
    print("FAIL:", f)
print(f"snippets: {checks} checks, {len(failures)} failures")
sys.exit(1 if failures else 0)
