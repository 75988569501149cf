#!/usr/bin/python3
"""attn's streaming kernel against the limit: its effective GFLOP/s as a share of OpenBLAS's gemm
on the same two products, on the same number of cores, measured in the same run.

    /usr/bin/python3 bench/ceiling.py --attn build-bench/app/attn \\
        --gemm build-bench/bench/attn_gemm_ceiling [--quick] [--n 4096,16384] [--d 64,128] [--runs 3]

For each n (queries = keys), d, dtype, mask and thread count: q, k, v of shape (n, d), standard
normal from a fixed seed (bfloat16 written as a safetensors file here, the others with np.save);
`attn attend … --threads T --timing` run --runs times and the median of the compute time it
reports taken; attn's rate is 4·n·n·d flops (a full mask) or the visible share of them,
4·d·n(n+1)/2 (causal), over that time. Two ceilings, from attn_gemm_ceiling on the same dtype and
threads (float32's sgemm for bfloat16, which attn computes in float32; also for bf16p, bfloat16
inputs with --bf16-products, whose products run as bfloat16 dot products and so may pass it; a
last table sets bf16p's rate against f32's), each the best of 5, with
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from its environment: "same products" is gemm on
attention's two products at this d (block pairs of 4096 queries and keys, no softmax between);
"square gemm" is C = A·B on 2048 × 2048 matrices, the machine's best gemm rate. The kernel OpenBLAS
picked is printed. Needs python3-numpy and libopenblas-dev.
"""
import argparse
import json
import os
import re
import statistics
import struct
import subprocess
import sys
import tempfile

import numpy as np

FULL = {"n": (4096, 16384, 32768), "d": (64, 128, 256), "dtype": ("f64", "f32", "bf16", "bf16p"),
        "mask": ("none", "causal"), "threads": (1, 2)}
QUICK = {"n": (4096,), "d": (64, 128), "dtype": ("f64", "f32"), "mask": ("none", "causal"),
         "threads": (1, 2)}


def clean_env():
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    return env


def bf16_safetensors(path, tensors):
    """Round-to-nearest-even bfloat16 of float32 arrays, in one safetensors file."""
    header, buf = {}, b""
    for name, a in tensors.items():
        u = np.ascontiguousarray(a, dtype="<f4").view("<u4").astype(np.uint64)
        raw = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype("<u2").tobytes()
        header[name] = {"dtype": "BF16", "shape": list(a.shape),
                        "data_offsets": [len(buf), len(buf) + len(raw)]}
        buf += raw
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + buf)


def write_inputs(tmp, n, d, dtype):
    rng = np.random.default_rng(1234 + n + d)
    arrays = {name: rng.standard_normal((n, d)).astype(np.float32 if dtype != "f64" else np.float64)
              for name in "qkv"}
    if dtype in ("bf16", "bf16p"):
        bf16_safetensors(f"{tmp}/layer.safetensors", arrays)
        return [f"{tmp}/layer.safetensors:{name}" for name in "qkv"], f"{tmp}/o.safetensors"
    for name, a in arrays.items():
        np.save(f"{tmp}/{name}.npy", a)
    return [f"{tmp}/{name}.npy" for name in "qkv"], f"{tmp}/o.npy"


def attn_compute_ms(attn, files, out, mask, threads, runs, dtype):
    cmd = [attn, "attend", "--q", files[0], "--k", files[1], "--v", files[2], "--output", out,
           "--threads", str(threads), "--timing"]
    if mask == "causal":
        cmd += ["--mask", "causal"]
    if dtype == "bf16p":
        cmd += ["--bf16-products"]
    times, unit = [], "?"
    for _ in range(runs):
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"ceiling: {' '.join(cmd)} failed: {proc.stderr.strip()}")
        m = re.search(r"compute ([0-9.]+) ms \((.+?), (\d+) thread", proc.stderr)
        times.append(float(m.group(1)))
        unit = f"{m.group(2)}, {m.group(3)} thr"
    return statistics.median(times), unit


def gemm_gflops(gemm, d, dtype, threads, cache, square=False):
    """OpenBLAS's rate on attention's two products at this d (block pairs of 4096), or with square
    the machine's plain gemm rate (2048 × 2048 matrices)."""
    key = (0 if square else d, "f64" if dtype == "f64" else "f32", threads)
    if key not in cache:
        extra = ["--square", "--block", "2048"] if square else []
        proc = subprocess.run([gemm, "--d", str(d), "--dtype", key[1], "--threads", str(threads), *extra],
                              capture_output=True, text=True, env=clean_env(), check=True)
        cache[key] = json.loads(proc.stdout)
    return cache[key]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--attn", required=True)
    ap.add_argument("--gemm", required=True, help="attn_gemm_ceiling (bench/gemm_ceiling.cpp)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="n = 4096, d ∈ {64, 128}, f64 and f32")
    ap.add_argument("--n", help="comma-separated sequence lengths instead of the grid's")
    ap.add_argument("--d", help="comma-separated head dimensions instead of the grid's")
    ap.add_argument("--dtype", help="comma-separated dtypes (f64, f32, bf16, bf16p) instead")
    a = ap.parse_args()
    grid = dict(QUICK if a.quick else FULL)
    for axis in ("n", "d"):
        if getattr(a, axis):
            grid[axis] = tuple(int(x) for x in getattr(a, axis).split(","))
    if a.dtype:
        grid["dtype"] = tuple(a.dtype.split(","))
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"machine: {cpu}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start; "
          f"attn: median of {a.runs} runs")
    cache, rates = {}, {}
    header = (f"{'n':>6} {'d':>4} {'dtype':>5} {'mask':>6} {'thr':>3} | {'attn ms':>9} {'GFLOP/s':>8} "
              f"| {'same products':>13} {'share':>6} | {'square gemm':>11} {'share':>6} | unit")
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        for n in grid["n"]:
            for d in grid["d"]:
                for dtype in grid["dtype"]:
                    files, out = write_inputs(tmp, n, d, dtype)
                    for mask in grid["mask"]:
                        for threads in grid["threads"]:
                            ms, unit = attn_compute_ms(a.attn, files, out, mask, threads, a.runs,
                                                       dtype)
                            pairs = n * n if mask == "none" else n * (n + 1) / 2
                            rate = 4 * pairs * d / (ms * 1e-3) * 1e-9
                            rates[(n, d, dtype, mask, threads)] = rate
                            ref = gemm_gflops(a.gemm, d, dtype, threads, cache)["gflops"]
                            peak = gemm_gflops(a.gemm, d, dtype, threads, cache, square=True)["gflops"]
                            print(f"{n:>6} {d:>4} {dtype:>5} {mask:>6} {threads:>3} | {ms:>9.1f} "
                                  f"{rate:>8.1f} | {ref:>13.1f} {rate / ref:>6.1%} | {peak:>11.1f} "
                                  f"{rate / peak:>6.1%} | {unit}", flush=True)
    pairs = [(key, rates[key[:2] + ("f32",) + key[3:]] ) for key in rates
             if key[2] == "bf16p" and key[:2] + ("f32",) + key[3:] in rates]
    if pairs:
        print("bfloat16 products (bf16p) against float32 products (f32), attn's rate:")
        for (n, d, _, mask, threads), f32 in pairs:
            print(f"  n {n:>6} d {d:>4} {mask:>6} {threads} thr: "
                  f"{rates[(n, d, 'bf16p', mask, threads)] / f32:.2f}×")
    kernels = sorted({v["corename"] for v in cache.values()})
    print(f"OpenBLAS kernel: {', '.join(kernels)}; load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
