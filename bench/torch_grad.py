#!/usr/bin/python3
"""Causal attention's backward with PyTorch autograd on the CPU: torch_grad.py Q K V DO DQ.

The same math as attn grad: o = softmax(q kᵀ/√d + causal mask) v with torch ops (Debian 12's
PyTorch 1.13 has no scaled_dot_product_attention) on 2 threads, then o.backward(dO). Prints
"forward SECONDS" and "backward SECONDS" (the autograd call alone), and saves dq.
"""
import sys
import time

import numpy as np
import torch

torch.set_num_threads(2)
q, k, v = (torch.from_numpy(np.load(p)).requires_grad_(True) for p in sys.argv[1:4])
d_out = torch.from_numpy(np.load(sys.argv[4]))
start = time.perf_counter()
n, d = q.shape[-2], q.shape[-1]
scores = (q @ k.transpose(-1, -2)) / d ** 0.5
scores = scores.masked_fill(torch.ones(n, n, dtype=torch.bool).triu(1), float("-inf"))
out = torch.softmax(scores, dim=-1) @ v
middle = time.perf_counter()
out.backward(d_out)
end = time.perf_counter()
np.save(sys.argv[5], q.grad.numpy())
print(f"forward {middle - start:.6f}")
print(f"backward {end - middle:.6f}")
