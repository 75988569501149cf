#!/usr/bin/env python3
"""GIFT export checked by a real parser: a class's sheets (every kind and the variants with
special answers: a blocked score, Score/−∞ matrices, two rows of weights) written by
`attn quiz --format gift` and parsed by gift-pegjs (tests/lms/package.json, installed by
scripts/dev with npm ci). Every question must parse, with the type, count and right answers
expected. Exit 77 (skipped) when Node.js or gift-pegjs is missing.

Usage: gift_test.py ATTN_BINARY
"""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

ATTN = os.path.abspath(sys.argv[1])
HERE = os.path.dirname(os.path.abspath(__file__))
if shutil.which("node") is None or not os.path.isdir(os.path.join(HERE, "node_modules", "gift-pegjs")):
    print("SKIP: gift-pegjs is not installed (scripts/dev deps installs it with npm ci)")
    sys.exit(77)

KINDS = ("score:plain,score:bias,score:mask,bias,mask:apply,mask:padding,weights:rows,output,"
         "order,scaling:why,analyse")
tmp = tempfile.mkdtemp(prefix="attn-gift-")
roster = os.path.join(tmp, "roster.txt")
with open(roster, "w") as f:
    f.write("\n".join(f"Student {n}" for n in range(30)) + "\nJosé: {the} = #1 ~x\n")


def quiz(*args):
    p = subprocess.run([ATTN, "quiz", "--seed", "31", "--count", "11", "--kinds", KINDS,
                        "--same-structure", "--students", roster, "--practice"] + list(args),
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(p.stderr)
    return p.stdout


path = os.path.join(tmp, "class.gift")
open(path, "w").write(quiz("--format", "gift"))
p = subprocess.run(["node", os.path.join(HERE, "gift_check.js"), path], capture_output=True, text=True)
if p.returncode != 0:
    raise SystemExit(f"gift-pegjs could not parse attn's GIFT: {p.stderr}")
found = json.loads(p.stdout)

# What the sheets hold, from their JSON (with the key).
sheets = []
outdir = os.path.join(tmp, "json")
# attn lists the files it wrote in the roster's order, the order of the GIFT categories.
for line in quiz("--format", "json", "--key", "separate", "--output-dir", outdir).splitlines():
    sheets.append(json.load(open(line.split("\t")[0])))
expected = 0
numeric = 0
for s in sheets:
    for q in s["questions"]:
        a = q["answer"]
        if q["kind"] in ("weights", "output"):
            cells = sum(len(r) for r in a) if isinstance(a[0], list) else len(a)
            expected += cells
            numeric += cells
        else:
            expected += 1
            numeric += q["kind"] in ("score", "bias") and a != "-Infinity"
failures = []
if found["categories"] != 31:
    failures.append(f"{found['categories']} categories, expected 31")
if found["questions"] != expected:
    failures.append(f"{found['questions']} questions, expected {expected}")
if found["types"].get("Numerical") != numeric:
    failures.append(f"{found['types']} (expected {numeric} numerical)")
if found["types"].get("Essay") != 31:
    failures.append(f"{found['types'].get('Essay')} essays, expected 31")
# The right numbers, as the parser read them, are the sheets' answers.
numbers = [a[0] for a in found["answers"] if len(a) == 1 and isinstance(a[0], (int, float))]
want = []
for s in sheets:
    for q in s["questions"]:
        a = q["answer"]
        if q["kind"] in ("score", "bias") and a != "-Infinity":
            want.append(a)
        elif q["kind"] in ("weights", "output"):
            want += [x for r in a for x in r] if isinstance(a[0], list) else a
if len(numbers) != len(want) or any(abs(x - y) > 1e-6 for x, y in zip(numbers, want)):
    failures.append("the numerical answers gift-pegjs read are not the sheets' answers")

# ---- The gradient and rope kinds: their own class, every variant -------------------------------
# Each right number is computed here from the sheet's inputs (the JSON without the key):
# dβ_j = α_j (dα_j − D), D = Σ α_l dα_l; dq = c Σ_j dβ_j k_j with c = 1/√d_k; the RoPE score of q
# rotated by m radians and k by n (θ = 1 with d = 2).
NEW_KINDS = "gradient:softmax,gradient:masked,gradient:query,rope:rotate,rope:shift,rope:pairing"
HALF = {"hf_rotate_half", "neox_formula", "flash_half"}  # the rest are interleaved


def new_quiz(*args):
    p = subprocess.run([ATTN, "quiz", "--seed", "32", "--count", "6", "--kinds", NEW_KINDS,
                        "--same-structure", "--students", roster, "--practice"] + list(args),
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(p.stderr)
    return p.stdout


def rotated(x, angle):
    return (x[0] * math.cos(angle) - x[1] * math.sin(angle),
            x[0] * math.sin(angle) + x[1] * math.cos(angle))


def rope_score(q, k, m, n):
    a, b = rotated(q, m), rotated(k, n)
    return a[0] * b[0] + a[1] * b[1]


new_path = os.path.join(tmp, "new.gift")
open(new_path, "w").write(new_quiz("--format", "gift"))
p = subprocess.run(["node", os.path.join(HERE, "gift_check.js"), new_path], capture_output=True,
                   text=True)
if p.returncode != 0:
    raise SystemExit(f"gift-pegjs could not parse the gradient and rope questions: {p.stderr}")
new_found = json.loads(p.stdout)
new_dir = os.path.join(tmp, "new-json")
want_numbers, want_choices = [], []
for line in new_quiz("--format", "json", "--key", "none", "--output-dir", new_dir).splitlines():
    for q in json.load(open(line.split("\t")[0]))["questions"]:
        g = q["given"]
        if q["kind"] == "gradient":
            a, da = g["weights"], g["dalpha"]
            d = sum(x * y for x, y in zip(a, da))
            db = [x * (y - d) for x, y in zip(a, da)]
            if "k" in g:
                c = 1 / math.sqrt(g["d_k"])
                want_numbers += [c * sum(db[j] * g["k"][j][t] for j in range(len(db)))
                                 for t in range(g["d_k"])]
            else:
                want_numbers += db
        elif q["variant"] == "rotate":
            want_numbers.append(rope_score(g["q"], g["k"], g["m"], g["n"]))
        elif q["variant"] == "shift":
            s = rope_score(g["q"], g["k"], g["m"], g["n"])
            right = [c for c in q["choices"]
                     if abs(rope_score(g["q"], g["k"], *c["positions"]) - s) < 1e-9]
            if len(right) != 1:
                failures.append(f"rope:shift: {len(right)} options keep the score")
            want_choices.append(right[0]["positions"])
        else:
            half = g["formula"] in HALF
            want_choices.append([[0, 2], [1, 3]] if half else [[0, 1], [2, 3]])
per_sheet = 3 + 4 + 4 + 1  # dβ of 3 and of 4 keys, dq of width 4, one score
if new_found["questions"] != 31 * (per_sheet + 2):
    failures.append(f"gradient/rope: {new_found['questions']} questions, expected {31 * 14}")
if new_found["types"].get("Numerical") != 31 * per_sheet:
    failures.append(f"gradient/rope: {new_found['types']} (expected {31 * per_sheet} numerical)")
if new_found["types"].get("MC") != 31 * 2:
    failures.append(f"gradient/rope: {new_found['types']} (expected {31 * 2} multiple choice)")
got = [a[0] for a in new_found["answers"] if len(a) == 1 and isinstance(a[0], (int, float))]
if len(got) != len(want_numbers) or any(abs(x - round(y, 4)) > 1e-3
                                        for x, y in zip(got, want_numbers)):
    failures.append("gradient/rope: the numbers gift-pegjs read are not the right answers")
texts = [a[0] for a in new_found["answers"] if len(a) == 1 and isinstance(a[0], str)]
if len(texts) != len(want_choices):
    failures.append(f"gradient/rope: {len(texts)} right choices read, expected {len(want_choices)}")
for text, want in zip(texts, want_choices):
    wanted = (f"({want[0]}, {want[1]})" if isinstance(want[0], int) else
              f"(x_{want[0][0]}, x_{want[0][1]})\\) and \\((x_{want[1][0]}, x_{want[1][1]})")
    if wanted not in text:
        failures.append(f"gradient/rope: the right choice {text!r} is not {wanted!r}")
# The student whose name holds GIFT's special characters keeps it in every title.
if not any("José: {the} = #1 ~x" in t for t in found["titles"]):
    failures.append("a title lost its escaped characters")
for f in failures:
    print("FAIL:", f)
if failures:
    sys.exit(1)
shutil.rmtree(tmp)
print(f"gift: {found['questions']} questions in {found['categories']} categories parsed by gift-pegjs, "
      f"and {new_found['questions']} of the gradient and rope kinds")
print("1 passed, 0 failed")
