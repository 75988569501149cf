#!/usr/bin/env python3
"""GIFT export checked by a real parser: a class's sheets (every kind and the variants with
special answers: a blocked score, Score/−∞ matrices, two rows of weights) written by
`attn quiz --format gift` and parsed by gift-pegjs (tests/lms/package.json, installed by
scripts/dev with npm ci). Every question must parse, with the type, count and right answers
expected. Exit 77 (skipped) when Node.js or gift-pegjs is missing.

Usage: gift_test.py ATTN_BINARY
"""
import json
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
# The student whose name holds GIFT's special characters keeps it in every title.
if not any("José: {the} = #1 ~x" in t for t in found["titles"]):
    failures.append("a title lost its escaped characters")
for f in failures:
    print("FAIL:", f)
if failures:
    sys.exit(1)
shutil.rmtree(tmp)
print(f"gift: {found['questions']} questions in {found['categories']} categories parsed by gift-pegjs")
print("1 passed, 0 failed")
