#!/usr/bin/python3
"""Makes the small .npy/.npz fixtures for tests/unit/tensor_attend_test.cpp and tests/cli/tensor.t.

Run from this directory with Debian's NumPy: /usr/bin/python3 make_fixtures.py
The values are fixed (no RNG) so the files never change: q, k, v for 6 queries over 6 keys.
"""
import numpy as np

i = np.arange(6, dtype=np.float64)[:, None]
t = np.arange(4, dtype=np.float64)[None, :]
q = np.sin(1.0 + i * 0.7 + t * 0.3)           # (6, 4)
k = np.cos(0.5 + i * 0.4 - t * 0.6)           # (6, 4)
v = np.round(np.tanh(i - 2.5 + t[:, :3]), 3)  # (6, 3)

np.save("q.npy", q)
np.save("k.npy", k)
np.save("v.npy", v)
np.save("q_f32_be.npy", q.astype(">f4"))               # float32, big-endian
np.save("k_fortran.npy", np.asfortranarray(k))        # float64, Fortran order
np.save("v_batch.npy", v[None, :, :])                  # (1, 6, 3): a batch of one
np.savez("qkv.npz", q=q, k=k, v=v)
np.savez_compressed("qkv_compressed.npz", q=q, k=k, v=v)
bad = q.copy()
bad[2, 1] = np.nan
np.save("q_nan.npy", bad)
np.save("k_d3.npy", k[:, :3])                          # d_k mismatch

# The reference output, the straightforward way, for the causal mask.
s = q @ k.T / np.sqrt(4)
s[np.triu(np.ones((6, 6), bool), 1)] = -np.inf
w = np.exp(s - s.max(axis=1, keepdims=True))
w /= w.sum(axis=1, keepdims=True)
np.save("o_causal.npy", w @ v)
