#!/usr/bin/python3
"""The streaming backward (attn grad on tensor files) against the streaming forward and PyTorch.

    /usr/bin/python3 bench/grad_bench.py --attn build/app/attn --runs 3

n = 4096, d = 64, causal, float64 (standard normal q, k, v, dO from a fixed seed), each command a
separate process run --runs times, medians shown:
  - attn attend … --mask causal --output o.npy --timing: the forward's compute time;
  - attn grad … --do do.npy --mask causal --dq-out … --dk-out … --dv-out … --timing: the forward
    it runs for o and the log-sum-exp, and the backward, each timed inside the same process;
  - torch_grad.py: PyTorch's forward (torch ops) and o.backward(dO), 2 threads (skipped without
    torch);
then attn grad at n = 16384, d = 64 under GNU time for its peak RSS, against the bound
3 × (q + k + v + o + dO) + 32 MB. attn's dq is compared with PyTorch's as a sanity check.

With --gemm build-bench/bench/attn_gemm_ceiling, the backward's rate is also set against the
machine's: the backward's five products over the visible half, 5 · 2·d·n(n+1)/2 flops, per second
of its median time, beside OpenBLAS's dgemm on 2048 × 2048 matrices on as many threads, the best
of 5, measured in the same run (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from its
environment, as bench/ceiling.py does).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

import numpy as np

from ceiling import gemm_gflops  # the same OpenBLAS reference, run the same way

parser = argparse.ArgumentParser()
parser.add_argument("--attn", required=True)
parser.add_argument("--runs", type=int, default=3)
parser.add_argument("--n", type=int, default=4096)
parser.add_argument("--rss-n", type=int, default=16384)
parser.add_argument("--gemm", help="attn_gemm_ceiling, for the machine's dgemm rate")
args = parser.parse_args()
here = os.path.dirname(os.path.abspath(__file__))


def inputs(d, n, dim=64):
    rng = np.random.default_rng(4321 + n)
    for name in ("q", "k", "v", "do"):
        np.save(os.path.join(d, name + ".npy"), rng.standard_normal((n, dim)))


def ms(pattern, text):
    m = re.search(pattern, text)
    if not m:
        sys.exit(f"no timing in: {text}")
    return float(m.group(1))


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr}")
    return r.stdout + r.stderr


def grad_cmd(d):
    f = lambda n: os.path.join(d, n)
    return [args.attn, "grad", "--q", f("q.npy"), "--k", f("k.npy"), "--v", f("v.npy"), "--do",
            f("do.npy"), "--mask", "causal", "--dq-out", f("dq.npy"), "--dk-out", f("dk.npy"),
            "--dv-out", f("dv.npy"), "--timing"]


print(f"machine: {os.uname().machine}, {os.cpu_count()} cores, load average "
      f"{os.getloadavg()[0]:.2f} at the start; runs per command: {args.runs} (medians)")
with tempfile.TemporaryDirectory() as d:
    inputs(d, args.n)
    f = lambda n: os.path.join(d, n)
    fwd, g_fwd, g_bwd, t_fwd, t_bwd = [], [], [], [], []
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
    for _ in range(args.runs):
        out = run([args.attn, "attend", "--q", f("q.npy"), "--k", f("k.npy"), "--v", f("v.npy"),
                   "--mask", "causal", "--output", f("o.npy"), "--timing"])
        fwd.append(ms(r"compute ([0-9.]+) ms", out))
        out = run(grad_cmd(d))
        g_fwd.append(ms(r"forward ([0-9.]+) ms", out))
        g_bwd.append(ms(r"backward ([0-9.]+) ms", out))
        if have_torch:
            out = run(["/usr/bin/python3", os.path.join(here, "torch_grad.py"), f("q.npy"),
                       f("k.npy"), f("v.npy"), f("do.npy"), f("dq_torch.npy")])
            t_fwd.append(1000 * ms(r"forward ([0-9.]+)", out))
            t_bwd.append(1000 * ms(r"backward ([0-9.]+)", out))
    med = statistics.median
    print(f"n = {args.n}, d = 64, causal, float64; compute in ms")
    print(f"  attn attend (streaming forward)          {med(fwd):10.1f}   runs {fwd}")
    print(f"  attn grad: its forward                   {med(g_fwd):10.1f}   runs {g_fwd}")
    print(f"  attn grad: the streaming backward        {med(g_bwd):10.1f}   runs {g_bwd}")
    print(f"  backward / forward (attend's)            {med(g_bwd) / med(fwd):10.2f}×  (target ≤ 2.5×)")
    print(f"  backward / forward (in the same process) {med(g_bwd) / med(g_fwd):10.2f}×")
    if args.gemm:
        flops = 5 * 2 * 64 * args.n * (args.n + 1) / 2
        gemm = gemm_gflops(args.gemm, 64, "f64", 2, {}, square=True)["gflops"]
        rate = flops / (med(g_bwd) / 1000) / 1e9
        print(f"  backward's rate (5 products, visible half) {rate:8.1f} GFLOP/s = "
              f"{100 * rate / gemm:.0f} % of OpenBLAS dgemm 2048² on 2 threads ({gemm:.1f})")
    if have_torch:
        print(f"  PyTorch 1.13 forward (torch ops)         {med(t_fwd):10.1f}   runs {t_fwd}")
        print(f"  PyTorch 1.13 o.backward(dO)              {med(t_bwd):10.1f}   runs {t_bwd}")
        print(f"  PyTorch backward / attn backward         {med(t_bwd) / med(g_bwd):10.1f}×  (target ≥ 10×)")
        print(f"  PyTorch fwd+bwd / attn grad fwd+bwd      "
              f"{(med(t_fwd) + med(t_bwd)) / (med(g_fwd) + med(g_bwd)):10.1f}×")
        a, b = np.load(f("dq.npy")), np.load(f("dq_torch.npy"))
        print(f"  dq: attn against PyTorch, max |Δ| / max |dq| = "
              f"{np.abs(a - b).max() / np.abs(b).max():.2e}")

with tempfile.TemporaryDirectory() as d:
    n = args.rss_n
    inputs(d, n)
    rss = []
    for _ in range(args.runs):
        out = run(["/usr/bin/time", "-v"] + grad_cmd(d))
        rss.append(int(ms(r"Maximum resident set size \(kbytes\): ([0-9]+)", out)) / 1024)
    tensors = 5 * n * 64 * 8 / 2**20
    print(f"n = {n}, d = 64, causal, float64: attn grad peak RSS {med(rss):.0f} MB (runs "
          f"{[round(x) for x in rss]}); q+k+v+o+dO = {tensors:.0f} MB, bound 3×{tensors:.0f}+32 = "
          f"{3 * tensors + 32:.0f} MB")
print(f"load average at the end: {os.getloadavg()[0]:.2f}")
