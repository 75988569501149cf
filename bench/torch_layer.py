#!/usr/bin/python3
"""Causal attention over a whole layer with PyTorch on the CPU: torch_layer.py Q K V OUT.

q is (B, H, S, D), k and v (B, H_kv, S, D) with H_kv dividing H (grouped-query: each kv head is
repeated for its H / H_kv query heads, as Hugging Face's repeat_kv does). Debian 12's PyTorch 1.13
has no scaled_dot_product_attention, so this is the same math as torch ops: matmul, masked_fill,
softmax, matmul, on 2 threads. Prints "compute SECONDS".
"""
import sys
import time

import numpy as np
import torch

torch.set_num_threads(2)
q, k, v = (torch.from_numpy(np.load(p)) for p in sys.argv[1:4])
start = time.perf_counter()
with torch.no_grad():
    rep = q.shape[1] // k.shape[1]
    if rep > 1:
        k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
    n, d = q.shape[-2], q.shape[-1]
    scores = (q @ k.transpose(-1, -2)) / d ** 0.5
    scores.masked_fill_(torch.ones(n, n, dtype=torch.bool).triu(1), float("-inf"))
    out = torch.softmax(scores, dim=-1) @ v
compute = time.perf_counter() - start
np.save(sys.argv[4], out.numpy())
print(f"compute {compute:.6f}")
