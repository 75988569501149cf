#!/usr/bin/python3
"""A LLaMA-7B attention layer, (1, 32, 4096, 128), causal, in one attn process, against 32 attn
processes (one per head, as before attn read whole layers) and PyTorch; then with 8 kv heads
(grouped-query); then float16 and bfloat16 inputs against float32.

    /usr/bin/python3 bench/layer_bench.py --attn build/app/attn [--runs 5] [--torch-runs N] [--no-torch]

Inputs are standard normal float32 from a fixed seed, saved with np.save (bfloat16 as a
safetensors file written here). Every command is a separate process, run --runs times; the table
shows medians of whole-process wall time, the compute time each reports (attn's --timing,
time.perf_counter around PyTorch's math) and peak RSS (GNU time's %M), and the ratios of the
medians. Needs python3-numpy, python3-torch (optional) and time from Debian. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from PyTorch's environment.
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
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"
B, H, S, D = 1, 32, 4096, 128


def clean_env():
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    return env


def run(cmd, env=None):
    """Wall seconds, peak RSS in MB and stdout+stderr of one process. The RSS is GNU time's (%M):
    a child forked straight from this script would start with this script's own RSS, which holds
    the inputs."""
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile() as peak:
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", peak.name, *cmd], stdout=out,
                              stderr=subprocess.STDOUT, env=env)
        wall = time.perf_counter() - start
        out.seek(0)
        text = out.read().decode()
        rss = int(open(peak.name).read().split()[-1]) / 1024.0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{text}")
    return wall, rss, text


def compute_of(text, pattern):
    m = re.search(pattern, text)
    return float(m.group(1)) if m else float("nan")


def bf16_safetensors(path, tensors):
    header, buf = {}, b""
    for name, a in tensors.items():
        u = np.ascontiguousarray(a, dtype="<f4").view("<u4").astype(np.uint64)
        raw = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype("<u2").tobytes()
        header[name] = {"dtype": "BF16", "shape": list(a.shape), "data_offsets": [len(buf), len(buf) + len(raw)]}
        buf += raw
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + buf)


def median_of(runs, pattern):
    return (statistics.median(r[0] for r in runs),
            statistics.median(compute_of(r[2], pattern) for r in runs),
            statistics.median(r[1] for r in runs))


ATTN_COMPUTE = r"compute ([0-9.]+) ms"


def attn_row(attn, files, out, runs, extra=()):
    cmd = [attn, "attend", "--q", files[0], "--k", files[1], "--v", files[2], "--mask", "causal",
           "--output", out, "--timing", *extra]
    r = [run(cmd) for _ in range(runs)]
    wall, compute, rss = median_of(r, ATTN_COMPUTE)
    return wall, compute / 1000, rss


def per_head_row(attn, tmp, q, k, v, runs):
    """Today's way: one (S, D) file per head and one process per head, one after another."""
    rep = q.shape[1] // k.shape[1]
    for h in range(q.shape[1]):
        np.save(f"{tmp}/q{h}.npy", q[0, h])
        if h % rep == 0:
            np.save(f"{tmp}/k{h // rep}.npy", k[0, h // rep])
            np.save(f"{tmp}/v{h // rep}.npy", v[0, h // rep])
    walls, computes, rsss = [], [], []
    for _ in range(runs):
        start, compute, rss = time.perf_counter(), 0.0, 0.0
        for h in range(q.shape[1]):
            _, peak, text = run([attn, "attend", "--q", f"{tmp}/q{h}.npy", "--k", f"{tmp}/k{h // rep}.npy",
                                 "--v", f"{tmp}/v{h // rep}.npy", "--mask", "causal", "--dtype", "f32",
                                 "--output", f"{tmp}/o{h}.npy", "--timing"])
            compute += compute_of(text, ATTN_COMPUTE) / 1000
            rss = max(rss, peak)
        walls.append(time.perf_counter() - start)
        computes.append(compute)
        rsss.append(rss)
    return statistics.median(walls), statistics.median(computes), statistics.median(rsss)


def torch_row(files, out, runs):
    r = [run([PY, os.path.join(HERE, "torch_layer.py"), *files, out], env=clean_env()) for _ in range(runs)]
    return median_of(r, r"compute ([0-9.]+)")


def cells(t):
    return f"{t[0]:9.3f} {t[1]:9.3f} {t[2]:8.0f}" if t else f"{'—':>9} {'—':>9} {'—':>8}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--attn", default="attn")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--torch-runs", type=int, help="runs of PyTorch (default --runs; it is slow)")
    ap.add_argument("--no-torch", action="store_true")
    args = ap.parse_args()
    torch_ok = not args.no_torch and subprocess.run([PY, "-c", "import torch"], capture_output=True).returncode == 0
    print(f"machine: {os.uname().machine}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} "
          f"at the start; runs per command: {args.runs} (medians)")
    rng = np.random.default_rng(7)
    header = f"{'what':<44} | {'wall s':>9} {'compute s':>9} {'RSS MB':>8} | ratio"
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        for kv_heads in (32, 8):
            q = rng.standard_normal((B, H, S, D), dtype=np.float32)
            k = rng.standard_normal((B, kv_heads, S, D), dtype=np.float32)
            v = rng.standard_normal((B, kv_heads, S, D), dtype=np.float32)
            files = [f"{tmp}/{n}.npy" for n in "qkv"]
            for f, a in zip(files, (q, k, v)):
                np.save(f, a)
            one = attn_row(args.attn, files, f"{tmp}/o.npy", args.runs)
            many = per_head_row(args.attn, tmp, q, k, v, args.runs)
            th = torch_row(files, f"{tmp}/o_torch.npy", args.torch_runs or args.runs) if torch_ok else None
            mb = (q.nbytes + k.nbytes + v.nbytes + q.nbytes) / 2**20
            tag = f"(1, 32, 4096, 128), {kv_heads} kv heads, f32"
            print(f"{'attn, one process, ' + tag:<44} | {cells(one)} |")
            print(f"{'attn, 32 processes, one per head':<44} | {cells(many)} | one process "
                  f"{100 * (1 - one[0] / many[0]):.0f}% faster")
            if th:
                print(f"{'PyTorch 1.13 (torch ops, 2 threads)':<44} | {cells(th)} | attn/PyTorch wall "
                      f"{one[0] / th[0]:.3f} (1/{th[0] / one[0]:.1f})")
            print(f"{'':<44}   q+k+v+o = {mb:.0f} MB; RSS bound 1.25×{mb:.0f}+32 = {1.25 * mb + 32:.0f} MB; "
                  f"attn peak {one[2]:.0f} MB")
            if kv_heads == 32:
                for dtype in ("f16", "bf16"):
                    if dtype == "f16":
                        dfiles = [f"{tmp}/{n}16.npy" for n in "qkv"]
                        for f, a in zip(dfiles, (q, k, v)):
                            np.save(f, a.astype("<f2"))
                        out = f"{tmp}/o16.npy"
                    else:
                        bf16_safetensors(f"{tmp}/layer.safetensors", {"q": q, "k": k, "v": v})
                        dfiles = [f"{tmp}/layer.safetensors:{n}" for n in "qkv"]
                        out = f"{tmp}/o.safetensors"
                    row = attn_row(args.attn, dfiles, out, args.runs)
                    half = (q.nbytes * 4 / 2) / 2**20
                    print(f"{'attn, one process, ' + dtype + ' inputs and output':<44} | {cells(row)} | "
                          f"compute {row[1] / one[1]:.2f}× f32's; RSS bound {1.25 * half + 32:.0f} MB")
            print()
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
