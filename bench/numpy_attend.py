#!/usr/bin/python3
"""Causal attention the straightforward NumPy way: numpy_attend.py Q K V OUT.

What a user would write: the full n × n scores, −∞ above the diagonal, a softmax, then @ v.
Computes in the inputs' dtype. Prints "compute SECONDS" on stdout (the time between loading the
inputs and saving the output).
"""
import sys
import time

import numpy as np

q, k, v = (np.load(p) for p in sys.argv[1:4])
start = time.perf_counter()
n, d = q.shape
scores = q @ k.T / np.sqrt(d).astype(q.dtype)            # (n, d) x (d, n) -> (n, n)
scores[np.triu(np.ones((n, n), dtype=bool), k=1)] = -np.inf
scores -= scores.max(axis=1, keepdims=True)
weights = np.exp(scores)
weights /= weights.sum(axis=1, keepdims=True)
out = weights @ v                                        # (n, n) x (n, d) -> (n, d)
compute = time.perf_counter() - start
np.save(sys.argv[4], out)
print(f"compute {compute:.6f}")
