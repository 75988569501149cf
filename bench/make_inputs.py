#!/usr/bin/python3
"""Writes q, k, v for the benchmark: make_inputs.py DIR N D DTYPE (float64 or float32).

Values are standard normal from a fixed seed, saved with np.save (C order, little-endian).
"""
import sys

import numpy as np

out, n, d, dtype = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rng = np.random.default_rng(1234 + n + d)
for name in ("q", "k", "v"):
    np.save(f"{out}/{name}.npy", rng.standard_normal((n, d)).astype(dtype))
