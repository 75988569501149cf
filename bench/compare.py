#!/usr/bin/python3
"""attn against NumPy and PyTorch on the same .npy inputs: causal attention, one machine, one go.

    /usr/bin/python3 bench/compare.py --attn build/app/attn [--quick] [--runs 3]

For each n, d and dtype it writes q, k, v (bench/make_inputs.py), then runs, --runs times each,
    attn attend --q q.npy --k k.npy --v v.npy --mask causal --output o.npy --dtype f64|f32 --timing
    bench/numpy_attend.py   (the straightforward masked-softmax NumPy code)
    bench/torch_attend.py   (if torch imports)
as separate processes, and prints the medians of whole-process wall time, compute time (as each
reports it) and peak RSS (getrusage of the child), with ratios to attn. OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE are removed from NumPy's and PyTorch's environment. NumPy and PyTorch are skipped
where their n × n matrices would not fit in memory.
"""
import argparse
import ctypes
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"


def clean_env():
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    return env


def run(cmd, env=None):
    """Wall seconds, peak RSS in MB, stdout, stderr of one process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        o, e = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{o}{e}")
    return wall, usage.ru_maxrss / 1024.0, o, e


def compute_seconds(text, pattern):
    m = re.search(pattern, text)
    return float(m.group(1)) if m else float("nan")


def blas_info():
    """Which BLAS NumPy loaded and, for OpenBLAS, the kernel it picked (run in the clean env)."""
    code = (
        "import numpy, ctypes\n"
        "libs=[l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l.lower()]\n"
        "lib=sorted(set(libs))[0] if libs else ''\n"
        "core=''\n"
        "try:\n"
        "  f=ctypes.CDLL(lib).openblas_get_corename; f.restype=ctypes.c_char_p; core=f().decode()\n"
        "except Exception: pass\n"
        "print(numpy.__version__, lib, core)\n"
    )
    try:
        return subprocess.run([PY, "-c", code], env=clean_env(), capture_output=True, text=True,
                              check=True).stdout.strip()
    except Exception as e:  # noqa: BLE001
        return f"unknown ({e})"


def have_torch():
    return subprocess.run([PY, "-c", "import torch"], capture_output=True).returncode == 0


def available_mb():
    for line in open("/proc/meminfo"):
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024.0
    return float("inf")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--attn", default="attn", help="the attn binary (default: attn on PATH)")
    ap.add_argument("--quick", action="store_true", help="n in {512, 4096}, d = 64 only")
    ap.add_argument("--runs", type=int, default=3, help="runs of each command; medians shown")
    ap.add_argument("--no-torch", action="store_true")
    args = ap.parse_args()

    ns = [512, 4096] if args.quick else [512, 2048, 4096, 16384]
    ds = [64] if args.quick else [64, 128]
    dtypes = ["float64", "float32"]
    torch_ok = have_torch() and not args.no_torch
    print(f"machine: {os.uname().machine}, {os.cpu_count()} cores; NumPy/BLAS: {blas_info()}")
    print(f"attn: {args.attn}; runs per command: {args.runs} (medians)")
    print()
    header = (f"{'n':>6} {'d':>4} {'dtype':>7} | {'attn wall':>9} {'compute':>8} {'RSS MB':>7} | "
              f"{'numpy wall':>10} {'compute':>8} {'RSS MB':>7} | {'torch wall':>10} {'compute':>8} "
              f"{'RSS MB':>7} | {'np/attn wall':>12} {'torch/attn comp':>15}")
    print(header)
    print("-" * len(header))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in ns:
            for d in ds:
                for dtype in dtypes:
                    subprocess.run([PY, os.path.join(HERE, "make_inputs.py"), tmp, str(n), str(d), dtype],
                                   check=True)
                    q, k, v = (os.path.join(tmp, f"{x}.npy") for x in "qkv")
                    o = os.path.join(tmp, "o.npy")
                    short = "f64" if dtype == "float64" else "f32"
                    cmd = [args.attn, "attend", "--q", q, "--k", k, "--v", v, "--mask", "causal",
                           "--output", o, "--dtype", short, "--timing"]
                    a = [run(cmd) for _ in range(args.runs)]
                    row = {"n": n, "d": d, "dtype": short,
                           "attn": (statistics.median(x[0] for x in a),
                                    statistics.median(compute_seconds(x[3], r"compute ([0-9.]+) ms") / 1000 for x in a),
                                    statistics.median(x[1] for x in a))}
                    item = 8 if dtype == "float64" else 4
                    fits = 4 * n * n * item / 2**20 < 0.6 * available_mb()
                    for name, script, ok in (("numpy", "numpy_attend.py", fits),
                                             ("torch", "torch_attend.py", fits and torch_ok)):
                        if not ok:
                            row[name] = None
                            continue
                        r = [run([PY, os.path.join(HERE, script), q, k, v, o], env=clean_env())
                             for _ in range(args.runs)]
                        row[name] = (statistics.median(x[0] for x in r),
                                     statistics.median(compute_seconds(x[2], r"compute ([0-9.]+)") for x in r),
                                     statistics.median(x[1] for x in r))
                    results.append(row)

                    def cells(t):
                        return (f"{t[0]:9.3f} {t[1]:8.4f} {t[2]:7.0f}" if t else f"{'—':>9} {'—':>8} {'—':>7}")
                    np_ratio = f"{row['numpy'][0] / row['attn'][0]:11.1f}×" if row["numpy"] else f"{'—':>12}"
                    th_ratio = f"{row['torch'][1] / row['attn'][1]:14.1f}×" if row["torch"] else f"{'—':>15}"
                    print(f"{n:>6} {d:>4} {short:>7} | {cells(row['attn'])} | {' ' + cells(row['numpy'])} | "
                          f"{' ' + cells(row['torch'])} | {np_ratio} {th_ratio}", flush=True)
                    if n == 16384:
                        io_mb = 4 * n * d * item / 2**20
                        print(f"{'':>20}  q+k+v+o = {io_mb:.0f} MB; RSS bound 3×{io_mb:.0f}+32 = "
                              f"{3 * io_mb + 32:.0f} MB; attn peak {row['attn'][2]:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
