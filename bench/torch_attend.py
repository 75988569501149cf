#!/usr/bin/python3
"""Causal attention with PyTorch on the CPU: torch_attend.py Q K V OUT.

F.scaled_dot_product_attention(is_causal=True) where this PyTorch has it (2.0 and later);
Debian 12's 1.13 does not, so there it is the same math written out with torch ops (matmul,
masked_fill, softmax, matmul). Prints "compute SECONDS" and the path taken on stdout.
"""
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(2)
q, k, v = (torch.from_numpy(np.load(p)) for p in sys.argv[1:4])
start = time.perf_counter()
with torch.no_grad():
    if hasattr(F, "scaled_dot_product_attention"):
        path = "sdpa"
        out = F.scaled_dot_product_attention(q[None], k[None], v[None], is_causal=True)[0]
    else:
        path = "matmul+softmax"
        n, d = q.shape
        scores = (q @ k.T) / d ** 0.5
        scores.masked_fill_(torch.ones(n, n, dtype=torch.bool).triu(1), float("-inf"))
        out = torch.softmax(scores, dim=-1) @ v
compute = time.perf_counter() - start
np.save(sys.argv[4], out.numpy())
print(f"compute {compute:.6f}")
print(f"path {path} torch {torch.__version__}")
