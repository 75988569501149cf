#!/usr/bin/env python3
"""Every file attn writes, written under faults: the real binary must exit 74 (README, "Errors and
exit codes": reading or writing failed part way) with one line on stderr naming the file, leave no
temporary file in the folder, and leave a file that was there before as it was (its bytes, mode
and inode: not replaced).

The faults, each with attn's unnamed temporary files (O_TMPFILE) and with the named ones
(".NAME.PID.N.tmp", which file systems without O_TMPFILE get, forced by the shim below):
  fsize   RLIMIT_FSIZE at half the output's size (prlimit), SIGXFSZ left at its default: attn
          ignores the signal itself, so write() fails with EFBIG
  full    a 16 KiB tmpfs filled to the last byte: ENOSPC (needs root, or CAP_SYS_ADMIN; skipped
          with a message where mounting is not permitted)
  eio     tests/faults/fail_writes.cpp preloaded: write() succeeds for the first block (4 KiB, or
          half a smaller output) and then fails with EIO, as a failing disk does
  fsync   the same library: every write succeeds and fsync() fails with EIO (a lost write-back)
Each writer is first run without a fault, to see that it works and to learn its output's size.
The writers run in parallel, each in folders (and on a tmpfs) of its own.

Standard output on a full device is tests/cli/hardening.t's, not repeated here.

Usage: faults.py ATTN_BINARY SHIM_LIBRARY [--sanitized]. Under the sanitizer build the shim is
preloaded after ASan's runtime; if it still cannot take effect, its faults are skipped with a
message.
"""
import concurrent.futures
import errno
import hashlib
import math
import os
import shutil
import stat
import struct
import subprocess
import sys
import tempfile

ATTN = os.path.abspath(sys.argv[1])
SHIM = os.path.abspath(sys.argv[2])
SANITIZED = "--sanitized" in sys.argv[3:]
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data")
REASON = {"fsize": "File too large", "full": "No space left on device",
          "eio": "Input/output error", "fsync": "Input/output error"}
OLD_BYTES = b"the previous contents, which a failed write must leave alone\n"
OLD_MODE = 0o640


# ---- Inputs -----------------------------------------------------------------------------------

def save_npy(path, rows, cols, seed):
    """A float32 (rows, cols) .npy file (format 1.0), its values a fixed smooth sequence."""
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, cols)
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    values = [math.sin(0.37 * i + seed) for i in range(rows * cols)]
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack("<%df" % len(values), *values))


def make_inputs(work):
    for name, seed in (("q", 1), ("k", 2), ("v", 3), ("do", 4)):
        save_npy(os.path.join(work, name + ".npy"), 64, 32, seed)  # o, dq, dk, dv: 8 KiB each
        save_npy(os.path.join(work, "small_" + name + ".npy"), 6, 4, seed)  # pictures of a slice
    with open(os.path.join(work, "roster.txt"), "w") as f:
        f.write("Ada\nBob\n")
    subprocess.run([ATTN, "quiz", "--init-secret", os.path.join(work, "class.key")], check=True,
                   capture_output=True)


# ---- The writers ------------------------------------------------------------------------------
# (what, attn's arguments with {D} the folder written to and {W} the inputs' folder, the file in
# {D} that fails, the exit code without a fault, whether that file may exist before)

QK = "--q [[1,0],[0,1],[1,1],[0.5,0.5]] --k [[1,0],[0,1],[1,1],[0.5,0.5]]"
QKV = QK + " --v [[1,0],[0,1],[1,1],[0,0]]"
TENSORS = "--q {W}/q.npy --k {W}/k.npy --v {W}/v.npy"
SHEETS = "quiz --seed 3 --count 4 --students {W}/roster.txt"
WRITERS = [
    ("score --svg", f"score {QK} --mask causal --svg {{D}}/s.svg -q", "s.svg", 0, True),
    ("weights --svg", f"weights {QK} --mask causal --svg {{D}}/w.svg -q", "w.svg", 0, True),
    ("attend --svg", f"attend {QKV} --mask causal --svg {{D}}/a.svg -q", "a.svg", 0, True),
    ("score --html", f"score {QK} --mask causal --html {{D}}/s.html -q", "s.html", 0, True),
    ("weights --html", f"weights {QK} --mask causal --html {{D}}/w.html -q", "w.html", 0, True),
    ("attend --html", f"attend {QKV} --mask causal --html {{D}}/a.html -q", "a.html", 0, True),
    ("mask --svg", "mask causal --n 6 --svg {D}/m.svg -q", "m.svg", 0, True),
    ("mask --html", "mask causal --n 6 --html {D}/m.html -q", "m.html", 0, True),
    ("grad --html", "grad --q 1 --k 1;0 --v 1;0 --loss sum --html {D}/g.html -q", "g.html", 0,
     True),
    ("attend --output .npy", f"attend {TENSORS} --mask causal --output {{D}}/o.npy", "o.npy", 0,
     True),
    ("attend --output .safetensors", f"attend {TENSORS} --output {{D}}/o.safetensors",
     "o.safetensors", 0, True),
    ("attend --scores-out", f"attend {TENSORS} --scores-out {{D}}/s.npy", "s.npy", 0, True),
    ("attend --weights-out", f"attend {TENSORS} --weights-out {{D}}/w.safetensors",
     "w.safetensors", 0, True),
    ("attend --lse-out .npy", f"attend {TENSORS} --lse-out {{D}}/lse.npy", "lse.npy", 0, True),
    ("attend --lse-out .safetensors", f"attend {TENSORS} --lse-out {{D}}/lse.safetensors",
     "lse.safetensors", 0, True),
    ("attend --svg of a tensor slice",
     "attend --q {W}/small_q.npy --k {W}/small_k.npy --v {W}/small_v.npy --svg {D}/t.svg -q",
     "t.svg", 0, True),
    ("attend --html of a tensor slice",
     "attend --q {W}/small_q.npy --k {W}/small_k.npy --v {W}/small_v.npy --html {D}/t.html -q",
     "t.html", 0, True),
    ("grad --dq-out", f"grad {TENSORS} --do {{W}}/do.npy --dq-out {{D}}/dq.npy", "dq.npy", 0,
     True),
    ("grad --dk-out", f"grad {TENSORS} --do {{W}}/do.npy --dk-out {{D}}/dk.safetensors",
     "dk.safetensors", 0, True),
    ("grad --dv-out", f"grad {TENSORS} --loss sum --dv-out {{D}}/dv.npy", "dv.npy", 0, True),
    *[(f"quiz --format {fmt} --output-dir",
       f"{SHEETS} --practice --format {fmt} --key inline --output-dir {{D}}", f"Ada.{ext}", 0,
       True) for fmt, ext in (("text", "txt"), ("markdown", "md"), ("latex", "tex"),
                              ("json", "json"))],
    ("quiz LaTeX sheets under a class secret",
     f"{SHEETS} --class-secret {{W}}/class.key --format latex --key none --output-dir {{D}}",
     "Ada.tex", 0, True),
    # a folder the run made for the sheets goes again when not one sheet could be written
    ("quiz --output-dir into a new folder",
     f"{SHEETS} --practice --format markdown --output-dir {{D}}/sheets/week1",
     "sheets/week1/Ada.md", 0, False),
    # a class secret is never replaced: it is only ever a new file
    ("quiz --init-secret", "quiz --init-secret {D}/class.key", "class.key", 0, False),
    # three of the example's seven answers are wrong: exit 1 when the gradebook is written
    ("check --gradebook", "check --quiz {DATA}/quiz-example.json --answers "
     "{DATA}/answers-example.json --gradebook {D}/grades.csv", "grades.csv", 1, True),
]


# ---- Running attn -----------------------------------------------------------------------------

def preload_value():
    """LD_PRELOAD for the shim: after ASan's runtime in the sanitizer build (ASan insists on
    coming first), the shim alone otherwise."""
    if not SANITIZED:
        return SHIM
    ldd = subprocess.run(["ldd", ATTN], capture_output=True, text=True).stdout
    asan = [line.split("=>")[1].split()[0] for line in ldd.splitlines()
            if "libasan" in line and "=>" in line]
    return ":".join(asan[:1] + [SHIM])


def run_attn(argv, cwd, fsize=None, shim_env=None):
    env = {k: v for k, v in os.environ.items()
           if k not in ("ATTN_CLASS_SECRET", "LD_PRELOAD") and not k.startswith("ATTN_FAULT_")}
    if shim_env is not None:
        env["LD_PRELOAD"] = preload_value()
        env.update(shim_env)
    # prlimit sets the limit in the process it then becomes attn; no core from a stray signal
    limits = [] if fsize is None else ["prlimit", f"--fsize={fsize}:{fsize}", "--core=0:0", "--"]
    return subprocess.run(limits + [ATTN] + argv, cwd=cwd, env=env, capture_output=True,
                          timeout=300)


def snapshot(folder):
    """Every entry of the folder: its bytes (a digest), mode and inode."""
    out = {}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        st = os.lstat(path)
        digest = ""
        if stat.S_ISREG(st.st_mode):
            with open(path, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()[:16]
        out[name] = (digest, stat.filemode(st.st_mode), st.st_ino)
    return out


def describe_difference(before, after):
    parts = [f"left behind: {n}" for n in after if n not in before]
    parts += [f"gone: {n}" for n in before if n not in after]
    parts += [f"changed: {n} {before[n]} -> {after[n]}" for n in before
              if n in after and before[n] != after[n]]
    return "; ".join(parts)


def clear(folder):
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)


def fill(folder):
    """Fills the file system of `folder` to the last byte."""
    with open(os.path.join(folder, "filler"), "wb", buffering=0) as f:
        for chunk in (65536, 4096, 1):
            try:
                while True:
                    f.write(b"\0" * chunk)
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise


def mount_tmpfs(folder):
    """Mounts a 16 KiB tmpfs on folder; None when it worked, else why not."""
    if shutil.which("mount") is None:
        return "there is no mount command"
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k,mode=0755", "tmpfs", folder],
                       capture_output=True, text=True)
    return None if p.returncode == 0 else (p.stderr.strip() or f"mount exit {p.returncode}")


# ---- One writer under every fault -------------------------------------------------------------

class Writer:
    def __init__(self, label, args, name, ok_exit, may_exist):
        self.label, self.args, self.name = label, args, name
        self.ok_exit, self.may_exist = ok_exit, may_exist
        self.failures, self.runs = [], 0

    def run(self, folder, work, **kwargs):
        self.runs += 1
        argv = [a.format(D=folder, W=work, DATA=DATA) for a in self.args.split()]
        return run_attn(argv, work, **kwargs)

    def baseline(self, folder, work):
        """Runs the writer without a fault: it must succeed and write a file; returns its size."""
        p = self.run(folder, work)
        path = os.path.join(folder, self.name)
        if p.returncode != self.ok_exit or not os.path.isfile(path):
            self.failures.append(
                f"{self.label}, no fault: exit {p.returncode} (expected {self.ok_exit}), "
                f"{self.name} {'written' if os.path.isfile(path) else 'missing'}: "
                f"{p.stderr.decode(errors='replace').strip()}")
            return None
        size = os.path.getsize(path)
        clear(folder)
        return size

    def variants(self, shim_ok):
        """(temporary files, whether the target exists before): unnamed temporaries always,
        named ones through the shim when it can be preloaded."""
        temps = ["unnamed"] + (["named"] if shim_ok else [])
        return [(t, old) for t in temps for old in ([False, True] if self.may_exist else [False])]

    def fault_run(self, fault, folder, work, size, temp, old):
        target = os.path.join(folder, self.name)
        if old:
            with open(target, "wb") as f:
                f.write(OLD_BYTES)
            os.chmod(target, OLD_MODE)
        if fault == "full":
            fill(folder)
        before = snapshot(folder)
        shim_env = {"ATTN_FAULT_NO_TMPFILE": "1"} if temp == "named" else None
        fsize = max(1, size // 2) if fault == "fsize" else None
        if fault in ("eio", "fsync"):
            shim_env = dict(shim_env or {}, ATTN_FAULT_DIR=os.path.realpath(folder))
            if fault == "eio":
                shim_env["ATTN_FAULT_WRITE_LIMIT"] = str(min(4096, size // 2))
            else:
                shim_env["ATTN_FAULT_FSYNC"] = "1"
        p = self.run(folder, work, fsize=fsize, shim_env=shim_env)

        what = (f"{self.label} [{fault}, {temp} temporary file, "
                f"{'over an old file' if old else 'new file'}]")
        expected = f"attn: error: cannot write '{target}': {REASON[fault]}\n"
        stderr = p.stderr.decode(errors="replace")
        problems = []
        if p.returncode != 74:
            problems.append(f"exit {p.returncode}, expected 74")
        if stderr != expected:
            problems.append(f"stderr {stderr!r}, expected {expected!r}")
        after = snapshot(folder)
        if after != before:
            problems.append(describe_difference(before, after))
        if problems:
            self.failures.append(f"{what}: " + "; ".join(problems))
        clear(folder)

    def test(self, top, index, work, shim_ok, tmpfs_ok):
        """Every fault, in folders of this writer's own under top."""
        folder = os.path.join(top, f"out{index}")
        os.mkdir(folder)
        size = self.baseline(folder, work)
        if size is None:
            return
        faults = ["fsize"] + (["eio", "fsync"] if shim_ok else [])
        for fault in faults:
            for temp, old in self.variants(shim_ok):
                self.fault_run(fault, folder, work, size, temp, old)
        if not tmpfs_ok:
            return
        small = os.path.join(top, f"small{index}")
        os.mkdir(small)
        if mount_tmpfs(small) is not None:
            self.failures.append(f"{self.label}: the tmpfs could not be mounted this time")
            return
        try:
            for temp, old in self.variants(shim_ok):
                self.fault_run("full", small, work, size, temp, old)
        finally:
            clear(small)
            subprocess.run(["umount", small], check=False)


def shim_works(top, work):
    """Whether the preloaded shim takes effect (it may not under the sanitizer build)."""
    folder = os.path.join(top, "probe")
    os.mkdir(folder)
    p = run_attn(["mask", "causal", "--n", "3", "--svg", f"{folder}/probe.svg", "-q"], work,
                 shim_env={"ATTN_FAULT_DIR": os.path.realpath(folder),
                           "ATTN_FAULT_WRITE_LIMIT": "0"})
    return p.returncode == 74 and b"Input/output error" in p.stderr


def tmpfs_works(top):
    """Whether a tmpfs can be mounted here; prints why not when it cannot."""
    folder = os.path.join(top, "mount-probe")
    os.mkdir(folder)
    why_not = mount_tmpfs(folder)
    if why_not is not None:
        print(f"SKIP (full): cannot mount a tmpfs here ({why_not}); mounting needs root or "
              "CAP_SYS_ADMIN")
        return False
    subprocess.run(["umount", folder], check=False)
    return True


def main():
    if shutil.which("prlimit") is None:
        print("FAIL: prlimit (util-linux) is missing")
        return 1
    with tempfile.TemporaryDirectory(prefix="attn-faults-") as top:
        work = os.path.join(top, "work")
        os.mkdir(work)
        make_inputs(work)
        shim_ok = shim_works(top, work)
        if not shim_ok:
            if not SANITIZED:
                print(f"FAIL: the preloaded {SHIM} does not make attn's writes fail")
                return 1
            print("SKIP (eio, fsync, named temporary files): the write-failing library cannot be "
                  "preloaded into the sanitizer build")
        tmpfs_ok = tmpfs_works(top)
        all_writers = [Writer(*w) for w in WRITERS]
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            jobs = [pool.submit(w.test, top, i, work, shim_ok, tmpfs_ok)
                    for i, w in enumerate(all_writers)]
            for job in jobs:
                job.result()  # a test's own error (not attn's) stops the run here

    failures = [f for w in all_writers for f in w.failures]
    for f in failures:
        print("FAIL:", f)
    print(f"{len(all_writers)} writers, {sum(w.runs for w in all_writers)} runs of attn, "
          f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
