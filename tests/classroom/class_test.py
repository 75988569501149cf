#!/usr/bin/env python3
"""A whole class, as a teacher runs it: 30 students, a class secret, sheets in Markdown, LaTeX and
Moodle XML, 30 answers files (right ones, each classic mistake, a malformed answer, a
mislabelled file), one `attn check`, and the gradebook read back with Python's csv module; then
8 students with every gradient and rope variant, each of their named mistakes answered on purpose.
(GIFT is parsed by gift-pegjs in tests/lms/gift_test.py.)

Every expected value is computed here, independently of attn: the right answers with NumPy from
the inputs printed on each student's sheet, each classic mistake by doing the slip on purpose,
the keyed seeds and sheet ids with a SipHash-2-4 written below, and the notes as literal text.

Usage: class_test.py ATTN_BINARY. Exit 77 (skipped) when NumPy is missing.
"""
import csv
import json
import math
import os
import re
import stat
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

try:
    import numpy as np
except ImportError:
    print("SKIP: NumPy is not installed")
    sys.exit(77)

ATTN = os.path.abspath(sys.argv[1])
SEED = 2026
KINDS = "score:plain,score:bias,mask:causal,weights:row,output,scaling:variance,order,analyse"
CLASS = ["--seed", str(SEED), "--count", "8", "--kinds", KINDS, "--same-structure"]
SECRET = bytes(range(100, 132))  # a fixed secret, so that the numbers are the same every run
ROSTER = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov",
          "Donald Knuth", "Frances Allen", "John Backus", "Margaret Hamilton", "Ken Thompson",
          "Dennis Ritchie", "Radia Perlman", "Tony Hoare", "Shafi Goldwasser", "Niklaus Wirth",
          "Leslie Lamport", "José Núñez", "Karen Spärck Jones", "Claude Shannon", "Ivan Sutherland",
          "Jean Sammet", "Robin Milner", "Hedy Lamarr", "Butler Lampson", "Adele Goldberg",
          "John McCarthy", "Sophie Wilson", "Guido van Rossum", "Lynn Conway", "Yukihiro Matsumoto"]
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def run(args, expect=None, env=None):
    e = {k: v for k, v in os.environ.items() if k != "ATTN_CLASS_SECRET"}
    e.update(env or {})
    p = subprocess.run([ATTN] + args, capture_output=True, text=True, env=e)
    if expect is not None and p.returncode != expect:
        raise SystemExit(f"attn {' '.join(args)}: exit {p.returncode}, expected {expect}\n{p.stderr}")
    return p


# ---- SipHash-2-4 (Aumasson & Bernstein 2012), for the keyed seeds and ids -------------------------

def siphash24(key, msg):
    M = (1 << 64) - 1
    rotl = lambda x, b: ((x << b) | (x >> (64 - b))) & M
    k0, k1 = int.from_bytes(key[:8], "little"), int.from_bytes(key[8:16], "little")
    v = [0x736F6D6570736575 ^ k0, 0x646F72616E646F6D ^ k1, 0x6C7967656E657261 ^ k0,
         0x7465646279746573 ^ k1]

    def rnd():
        v[0] = (v[0] + v[1]) & M; v[1] = rotl(v[1], 13); v[1] ^= v[0]; v[0] = rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & M; v[3] = rotl(v[3], 16); v[3] ^= v[2]
        v[0] = (v[0] + v[3]) & M; v[3] = rotl(v[3], 21); v[3] ^= v[0]
        v[2] = (v[2] + v[1]) & M; v[1] = rotl(v[1], 17); v[1] ^= v[2]; v[2] = rotl(v[2], 32)

    n = len(msg)
    padded = msg + bytes((8 - (n + 1) % 8) % 8) + bytes([n & 0xFF])
    for i in range(0, len(padded), 8):
        m = int.from_bytes(padded[i:i + 8], "little")
        v[3] ^= m; rnd(); rnd(); v[0] ^= m
    v[2] ^= 0xFF
    for _ in range(4):
        rnd()
    return v[0] ^ v[1] ^ v[2] ^ v[3]


assert siphash24(bytes(range(16)), bytes(range(15))) == 0xA129CA6149BE45E5  # the paper's vector


def message(tag, student):
    return tag.encode() + b"\0" + SEED.to_bytes(8, "little") + student.encode()


def keyed_seed(student):
    return siphash24(SECRET[:16], message("attn-sheet-seed", student)) >> 11


def keyed_id(student):
    h = siphash24(SECRET[16:], message("attn-sheet-id", student))
    digits = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    out = ""
    for n in range(8):
        if n == 4:
            out += "-"
        out += digits[h & 31]
        h >>= 5
    return out


# ---- The classroom -------------------------------------------------------------------------------

tmp = tempfile.mkdtemp(prefix="attn-class-")
os.chdir(tmp)

# A new secret: from the system's random source, mode 600, never replaced.
run(["quiz", "--init-secret", "new.key"], expect=0)
check(stat.S_IMODE(os.stat("new.key").st_mode) == 0o600, "--init-secret: mode is not 600")
check(re.fullmatch(r"#[^\n]*\n[0-9a-f]{64}\n", open("new.key").read()) is not None,
      "--init-secret: not a comment and 64 hex digits")
again = run(["quiz", "--init-secret", "new.key"])
check(again.returncode == 73 and "already exists" in again.stderr, "--init-secret replaced a file")

with open("class.key", "w") as f:
    f.write("# the test's class secret\n" + SECRET.hex() + "\n")
os.chmod("class.key", 0o600)
with open("roster.txt", "w") as f:
    f.write("# class of 2026\n" + "\n".join(ROSTER) + "\n")
keyed = CLASS + ["--class-secret", "class.key"]

# Without the secret nobody prints a student's key: exit 2, naming the missing secret.
p = run(["quiz"] + CLASS + ["--student", "Ada Lovelace", "--key", "only"])
check(p.returncode == 2, f"--key only without the secret: exit {p.returncode}")
check("needs the class secret" in p.stderr and "--class-secret" in p.stderr
      and "ATTN_CLASS_SECRET" in p.stderr, f"--key only without the secret: {p.stderr!r}")
# The secret through the environment works like the flag.
p_env = run(["quiz"] + CLASS + ["--student", "Ada Lovelace", "--key", "only"],
            env={"ATTN_CLASS_SECRET": "class.key"}, expect=0)
p_flag = run(["quiz"] + keyed + ["--student", "Ada Lovelace", "--key", "only"], expect=0)
check(p_env.stdout == p_flag.stdout, "ATTN_CLASS_SECRET and --class-secret differ")

# Sheets for all 30: Markdown, LaTeX and JSON (inputs only) one per student, Moodle XML and GIFT
# for the class.
for fmt, ext in (("markdown", "md"), ("latex", "tex"), ("json", "json")):
    out = run(["quiz"] + keyed + ["--students", "roster.txt", "--format", fmt, "--key", "none",
                                  "--output-dir", fmt], expect=0).stdout
    check(len(out.splitlines()) == 30, f"{fmt}: {len(out.splitlines())} sheets written")
moodle = run(["quiz"] + keyed + ["--students", "roster.txt", "--format", "moodle"], expect=0).stdout
open("class.xml", "w").write(moodle)

sheets = {}
for name in ROSTER:
    stem = re.sub(r"-+", "-", re.sub(r"[^A-Za-z0-9._\x80-\uffff-]", "-", name)).strip("-.")
    sheet = json.load(open(f"json/{stem}.json"))
    check(sheet["student"] == name, f"{stem}.json is {sheet['student']}'s sheet")
    # The sheet id is SipHash under the secret's second half, the seed under its first.
    check(sheet["sheet"] == keyed_id(name), f"{name}: sheet id {sheet['sheet']} != {keyed_id(name)}")
    seed = keyed_seed(name)
    for ext, folder in (("md", "markdown"), ("tex", "latex"), ("json", "json")):
        text = open(f"{folder}/{stem}.{ext}").read()
        check(str(seed) not in text, f"{name}'s {ext} sheet shows its seed")
        check(str(SEED) not in text, f"{name}'s {ext} sheet shows the class seed")
        check("attn quiz --" not in text and "Regenerate" not in text,
              f"{name}'s {ext} sheet holds a command that rebuilds its key")
        check(sheet["sheet"] in text, f"{name}'s {ext} sheet does not show its id")
    # Anyone who knew the seed could print the key: `attn quiz --seed S` draws the same sheet.
    sheets[name] = sheet
check(len({s["sheet"] for s in sheets.values()}) == 30, "two students share a sheet id")
structures = {tuple((q["kind"], q["variant"]) for q in s["questions"]) for s in sheets.values()}
check(len(structures) == 1, "--same-structure: the students' sheets differ in structure")

# ---- Right answers, computed here ----------------------------------------------------------------

STEPS = ["compute the dot products", "multiply every score", "add the mask", "take the softmax",
         "sum the value vectors"]


def right_answers(sheet):
    """Question number → (the answer, what the test needs to build mistakes)."""
    out = {}
    for q in sheet["questions"]:
        n, g = q["number"], q["given"]
        if q["kind"] == "score":
            qv, kv = np.array(g["q"]), np.array(g["k"])
            dot = float(qv @ kv)
            d = len(qv)
            beta = dot / math.sqrt(d) + g.get("bias", 0.0)
            out[n] = dict(value=beta, dot=dot, d=d, bias=g.get("bias"))
        elif q["kind"] == "weights":
            b = np.array(g["scores"][0], dtype=float)
            e = np.exp(b - b.max())
            out[n] = dict(value=list(e / e.sum()), exps=list(e), scores=list(b))
        elif q["kind"] == "output":
            a, v = np.array(g["weights"]), np.array(g["v"], dtype=float)
            out[n] = dict(value=list(a @ v), reversed=list(a[::-1] @ v), mean=list(v.mean(axis=0)),
                          sum=list(v.sum(axis=0)))
        elif q["kind"] == "mask":
            size = g["n_q"]
            causal = [[j <= i for j in range(size)] for i in range(size)]
            labels = {}
            for c in q["choices"]:
                m = c["matrix"]
                if m == causal:
                    labels["right"] = c["label"]
                elif m == [[j >= i for j in range(size)] for i in range(size)]:
                    labels["transposed"] = c["label"]
                elif m == [[j < i for j in range(size)] for i in range(size)]:
                    labels["diagonal"] = c["label"]
                elif m == [[j > i for j in range(size)] for i in range(size)]:
                    labels["inverted"] = c["label"]
            out[n] = dict(value=labels["right"], labels=labels)
        elif q["kind"] == "scaling":
            d = g["d_k"]
            by_value = {c["value"]: c["label"] for c in q["choices"]}
            out[n] = dict(value=by_value[d], sqrt=by_value[math.sqrt(d)], d=d)
        elif q["kind"] == "order":
            order = ""
            for step in STEPS:
                order += next(c["label"] for c in q["choices"] if c["text"].startswith(step))
            out[n] = dict(value=order)
        elif q["kind"] == "analyse":
            out[n] = dict(value="Without 1/sqrt(d_k) the scores grow with d_k and saturate softmax.")
    return out


def num(x):
    """A number as attn's notes print it: at most 4 decimals, no trailing zeros."""
    s = f"{x:.4f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


# ---- 30 answers files: right ones and each classic mistake ---------------------------------------

# Each mistake: which question it changes, the wrong answer, and the note attn must give.
def mistake(kind, r):
    if kind == "no_scale":  # score: forgot 1/√d_k
        root = math.sqrt(r[1]["d"])
        return 1, r[1]["dot"], (f"you did not divide by √d_k = {num(root)}: your value is exactly "
                                f"{num(root)}× the answer")
    if kind == "divided_by_dk":
        return 1, r[1]["dot"] / r[1]["d"], (f"you divided by d_k = {r[1]['d']} instead of √d_k = "
                                            f"{num(math.sqrt(r[1]['d']))}")
    if kind == "no_bias":
        return 2, r[2]["value"] - r[2]["bias"], f"you forgot to add the bias b = {num(r[2]['bias'])}"
    if kind == "bias_subtracted":
        return 2, r[2]["value"] - 2 * r[2]["bias"], "you subtracted the bias instead of adding it"
    if kind == "wrong_axis":  # one row: softmax down each column gives 1 everywhere
        return 4, [1.0] * len(r[4]["value"]), (
            "you normalised over the wrong axis: softmax runs along each row (over the keys of one "
            "query), so each row, not each column, sums to 1")
    if kind == "not_normalised":
        return 4, r[4]["exps"], ("you did not divide by the row sum: α_j = exp(β_j - m) / "
                                 "Σ_k exp(β_k - m)")
    if kind == "no_exp":
        s = sum(r[4]["scores"])
        return 4, [x / s for x in r[4]["scores"]], (
            "you divided the scores by their sum without taking exp first")
    if kind == "reversed_pairing":
        return 5, r[5]["reversed"], ("you paired the weights with the values in reverse order: "
                                     "α_j weighs v_j, row j of V")
    if kind == "unweighted_mean":  # or, where α is uniform and the mean is right, the plain sum
        if max(abs(x - y) for x, y in zip(r[5]["mean"], r[5]["value"])) > 0.01:
            return 5, r[5]["mean"], "you averaged the values without the weights: o = Σ_j α_j v_j"
        return 5, r[5]["sum"], (
            "you summed the values without weighting them by α_j")
    if kind == "transposed":  # or, where that option is not offered, the diagonal one
        labels = r[3]["labels"]
        if "transposed" in labels:
            label = labels["transposed"]
            return 3, label, (f"({label}): transposed: row i is the query and column j the key, so "
                              "the keys a token may see run along its row; this matrix lets each "
                              "token see the future instead of the past")
        label = labels["diagonal"]
        return 3, label, (f"({label}): diagonal blocked: a token must be allowed to attend to "
                          "itself (j = i); without it the first row has no key at all")
    if kind == "sqrt":
        label = r[7]["sqrt"]
        return 7, label, (f"({label}): √d_k is the standard deviation; the variance of a sum of "
                          "d_k independent unit-variance products is d_k")
    if kind == "mask_after_softmax":
        o = r[6]["value"]  # dot, scale, mask, softmax, output → swap mask and softmax
        return 6, o[0] + o[1] + o[3] + o[2] + o[4], (
            "\"add the mask M_ij (0 where allowed, -∞ where blocked)\" must come before \"take "
            "the softmax of each row, over the keys\": the mask must be added before softmax, so "
            "that a blocked key gets exp(-∞) = 0; masking the weights afterwards leaves rows that "
            "no longer sum to 1")
    raise KeyError(kind)


MISTAKES = ["no_scale", "divided_by_dk", "no_bias", "bias_subtracted", "wrong_axis",
            "not_normalised", "no_exp", "reversed_pairing", "unweighted_mean", "transposed",
            "sqrt", "mask_after_softmax"]
plan = {}  # name → list of (question, note) expected wrong
os.makedirs("answers")
expected = {}
for i, name in enumerate(ROSTER):
    sheet = sheets[name]
    r = right_answers(sheet)
    answers = {str(n): a["value"] for n, a in r.items()}
    wrong = []
    label = name
    sheet_id = sheet["sheet"]
    if 10 <= i < 10 + len(MISTAKES):
        n, value, note = mistake(MISTAKES[i - 10], r)
        if MISTAKES[i - 10] == "no_exp" and sum(r[4]["scores"]) == 0:
            raise SystemExit("the no_exp slip is undefined on this sheet: choose another seed")
        answers[str(n)] = value
        wrong.append((n, note))
    if i == 22:  # a malformed answer: a number written as a string
        answers["1"] = str(round(r[1]["value"], 3))
        wrong.append((1, f"answers.\"1\" must be a number, not the string \"{answers['1']}\": "
                         "write numbers without quotes"))
    if i == 23:  # a mislabelled file: Butler wrote Adele's sheet id on his answers
        sheet_id = sheets[ROSTER[24]]["sheet"]
    expected[name] = dict(right=7 - len(wrong), wrong=wrong, sheet=sheet["sheet"])
    doc = {"student": label, "sheet": sheet_id, "answers": answers}
    with open(f"answers/{i:02d}.json", "w") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)

# ---- One attn check for the class ----------------------------------------------------------------

p = run(["check"] + keyed + ["--answers", "answers", "--students", "roster.txt",
                             "--gradebook", "grades.csv", "--json"])
check(p.returncode == 1, f"attn check: exit {p.returncode}, expected 1 (some answers wrong)")
book = json.loads(p.stdout)
check(book["errors"] == [], f"attn check: errors {book['errors']}")
mislabel = [l for l in p.stderr.splitlines() if "warning" in l]
check(any(f"{sheets[ROSTER[24]]['sheet']} is Adele Goldberg's sheet" in l for l in mislabel),
      f"the mislabelled file is not warned about: {mislabel}")
check(len(mislabel) == 2, f"unexpected warnings: {mislabel}")

with open("grades.csv", newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
check(len(rows) == 30, f"the gradebook has {len(rows)} rows")
header = ["student", "sheet"] + [f"Q{n}" for n in range(1, 9)] + [
    "total", "max", "percent", "notes", "warnings", "file"]
check(list(rows[0].keys()) == header, f"gradebook columns {list(rows[0].keys())}")
for row in rows:
    name = row["student"]
    e = expected[name]
    check(row["sheet"] == e["sheet"], f"{name}: sheet {row['sheet']}")
    check(row["total"] == str(e["right"]), f"{name}: total {row['total']}, expected {e['right']}")
    check(row["max"] == "7", f"{name}: max {row['max']}")
    check(row["percent"] == num(round(100 * e["right"] / 7, 1)).rstrip("0").rstrip(".")
          or abs(float(row["percent"]) - 100 * e["right"] / 7) < 0.051, f"{name}: {row['percent']}")
    check(row["Q8"] == "", f"{name}: the free response has points {row['Q8']!r}")
    notes = row["notes"].split(" | ")
    check("Q8: to be marked by hand (up to 4 points)" in notes, f"{name}: {row['notes']!r}")
    for n, note in e["wrong"]:
        check(row[f"Q{n}"] == "0", f"{name}: Q{n} earned {row[f'Q{n}']}")
        check(f"Q{n}: {note}" in notes, f"{name}: expected the note\n  Q{n}: {note}\ngot\n  "
                                        f"{row['notes']}")
    wrong_questions = {n for n, _ in e["wrong"]}
    for n in range(1, 8):
        if n not in wrong_questions:
            check(row[f"Q{n}"] == "1", f"{name}: Q{n} earned {row[f'Q{n}']!r}, expected 1")
    if name == ROSTER[23]:
        check(f"{sheets[ROSTER[24]]['sheet']} is Adele Goldberg's sheet" in row["warnings"],
              f"{name}: warnings {row['warnings']!r}")
    else:
        check(row["warnings"] == "", f"{name}: warnings {row['warnings']!r}")
# The JSON gradebook names each mistake by id, too.
by_name = {s["student"]: s for s in book["students"]}
check(by_name["Dennis Ritchie"]["questions"][0]["mistake"] == "no_scale", "JSON: no_scale")
check(by_name["Hedy Lamarr"]["questions"][0]["mistake"] == "malformed", "JSON: malformed")

# ---- Moodle XML: well formed, and each question's answer fractions right -------------------------

if subprocess.run(["sh", "-c", "command -v xmllint"], capture_output=True).returncode == 0:
    lint = subprocess.run(["xmllint", "--noout", "class.xml"], capture_output=True, text=True)
    check(lint.returncode == 0, f"xmllint: {lint.stderr}")
root = ET.parse("class.xml").getroot()
check(root.tag == "quiz", "Moodle XML: the root is not <quiz>")
category = None
seen = 0
for q in root.findall("question"):
    kind = q.get("type")
    if kind == "category":
        path = q.find("category/text").text
        category = next(n for n in ROSTER if path == f"$course$/top/attn/{n} ({sheets[n]['sheet']})")
        r = right_answers(sheets[category])
        continue
    seen += 1
    name = q.find("name/text").text
    n = int(re.match(r"Q(\d+) ", name).group(1))
    check(q.find("questiontext").get("format") == "html", f"{name}: questiontext not html")
    answers = q.findall("answer")
    fractions = [float(a.get("fraction")) for a in answers]
    if kind == "numerical":
        check(fractions.count(100) == 1 and all(f in (0, 100) for f in fractions),
              f"{name}: fractions {fractions}")
        right = answers[fractions.index(100)]
        check(abs(float(right.find("text").text) - r[n]["value"]) < 1e-6, f"{name}: right answer")
        check(all(a.find("tolerance").text == "0.01" for a in answers), f"{name}: tolerance")
        # every 0% answer is a slip, more than twice the tolerance from the right one
        for a, frac in zip(answers, fractions):
            if frac == 0:
                check(abs(float(a.find("text").text) - r[n]["value"]) > 0.02, f"{name}: a slip "
                      "answer overlaps the right one")
                check(a.find("feedback/text").text.strip() != "", f"{name}: slip without feedback")
    elif kind == "multichoice":
        check(fractions.count(100) == 1 and sum(fractions) == 100, f"{name}: fractions {fractions}")
        check(q.find("single").text == "true", f"{name}: not single")
        right = "ABCD"[fractions.index(100)]
        check(right == r[n]["value"], f"{name}: the 100% option is {right}, not {r[n]['value']}")
        for a, frac in zip(answers, fractions):
            check(a.find("feedback/text").text.strip() != "", f"{name}: an option has no feedback")
    elif kind == "cloze":
        text = q.find("questiontext/text").text
        fields = re.findall(r"\{1:NUMERICAL:=([-0-9.]+):([0-9.]+)#", text)
        check(len(fields) == len(r[n]["value"]), f"{name}: {len(fields)} cloze fields")
        for (value, tol), want in zip(fields, r[n]["value"]):
            check(abs(float(value) - want) < 1e-6 and tol == "0.01", f"{name}: cloze {value}")
    elif kind == "shortanswer":
        check(max(fractions) == 100, f"{name}: no right answer")
        check(answers[0].find("text").text == r[n]["value"], f"{name}: order")
    elif kind == "essay":
        check(len(q.find("graderinfo/text").text) > 100, f"{name}: no grader information")
        check(q.find("defaultgrade").text == "4", f"{name}: defaultgrade")
    else:
        check(False, f"{name}: unexpected question type {kind}")
check(seen == 30 * 8, f"Moodle XML holds {seen} questions, expected 240")

# ---- The gradient and rope kinds: sheets under the secret, Moodle XML, named mistakes, gradebook -

NEW_KINDS = "gradient:softmax,gradient:masked,gradient:query,rope:rotate,rope:shift,rope:pairing"
NEW_ROSTER = ROSTER[:8]
with open("new-roster.txt", "w") as f:
    f.write("\n".join(NEW_ROSTER) + "\n")
new_class = ["--seed", str(SEED), "--count", "6", "--kinds", NEW_KINDS, "--same-structure",
             "--class-secret", "class.key"]
run(["quiz"] + new_class + ["--students", "new-roster.txt", "--format", "json", "--key", "none",
                            "--output-dir", "new-json"], expect=0)
for fmt in ("markdown", "latex"):
    run(["quiz"] + new_class + ["--students", "new-roster.txt", "--format", fmt, "--key", "none",
                                "--output-dir", f"new-{fmt}"], expect=0)
HALF = {"hf_rotate_half", "neox_formula", "flash_half"}  # the other formulas are interleaved


def rotated(x, angle):
    return (x[0] * math.cos(angle) - x[1] * math.sin(angle),
            x[0] * math.sin(angle) + x[1] * math.cos(angle))


def rope_score(q, k, m, n, unit=1.0):
    a, b = rotated(q, m * unit), rotated(k, n * unit)
    return a[0] * b[0] + a[1] * b[1]


def new_answers(sheet):
    """Question number → dict(value=the answer, and what the mistakes need), from the inputs."""
    out = {}
    for q in sheet["questions"]:
        n, g = q["number"], q["given"]
        if q["kind"] == "gradient":
            a, da = g["weights"], g["dalpha"]
            d = sum(x * y for x, y in zip(a, da))
            db = [x * (y - d) for x, y in zip(a, da)]
            r = dict(alpha=a, dalpha=da, d=d, dbeta=db, mask=g.get("mask"))
            if "k" in g:
                c = 1 / math.sqrt(g["d_k"])
                dq = lambda db, c: [c * sum(db[j] * g["k"][j][t] for j in range(len(db)))
                                    for t in range(g["d_k"])]
                r.update(value=dq(db, c), no_c=dq(db, 1.0))
            else:
                r.update(value=db)
            out[n] = r
        elif q["variant"] == "rotate":
            out[n] = dict(value=rope_score(g["q"], g["k"], g["m"], g["n"]), g=g,
                          degrees=rope_score(g["q"], g["k"], g["m"], g["n"], math.pi / 180),
                          only_q=rope_score(g["q"], g["k"], g["m"], 0))
        elif q["variant"] == "shift":
            s = rope_score(g["q"], g["k"], g["m"], g["n"])
            keeps = [c["label"] for c in q["choices"]
                     if abs(rope_score(g["q"], g["k"], *c["positions"]) - s) < 1e-9]
            check(len(keeps) == 1, f"rope:shift: {keeps} keep the score")
            # the swapped positions: (n, m)
            swapped = [c["label"] for c in q["choices"] if c["positions"] == [g["n"], g["m"]]]
            out[n] = dict(value=keeps[0], swapped=swapped[0])
        else:
            pairs = [[0, 2], [1, 3]] if g["formula"] in HALF else [[0, 1], [2, 3]]
            other = [[0, 1], [2, 3]] if g["formula"] in HALF else [[0, 2], [1, 3]]
            out[n] = dict(value=next(c["label"] for c in q["choices"] if c["pairs"] == pairs),
                          other=next(c["label"] for c in q["choices"] if c["pairs"] == other))
    return out


new_sheets = {}
for name in NEW_ROSTER:
    stem = re.sub(r"-+", "-", re.sub(r"[^A-Za-z0-9._\x80-\uffff-]", "-", name)).strip("-.")
    new_sheets[name] = json.load(open(f"new-json/{stem}.json"))
    check(new_sheets[name]["sheet"] == keyed_id(name), f"{name}: the gradient/rope sheet's id")
    for folder, ext in (("new-markdown", "md"), ("new-latex", "tex")):
        text = open(f"{folder}/{stem}.{ext}").read()
        check(str(keyed_seed(name)) not in text, f"{name}'s {ext} gradient/rope sheet shows its seed")
        check(new_sheets[name]["sheet"] in text, f"{name}'s {ext} gradient/rope sheet has no id")
kinds = [(q["kind"], q["variant"]) for q in new_sheets[NEW_ROSTER[0]]["questions"]]
check(sorted(kinds) == sorted(tuple(k.split(":")) for k in NEW_KINDS.split(",")),
      f"the gradient/rope sheet holds {kinds}")
number = {f"{k}:{v}": n + 1 for n, (k, v) in enumerate(kinds)}


def new_mistake(which, r):
    """(question, wrong answer, the note attn must give) for one named mistake."""
    if which == "no_centering":
        n = number["gradient:softmax"]
        a = r[n]
        return n, [x * y for x, y in zip(a["alpha"], a["dalpha"])], (
            "you forgot the -Σ_l α_l dα_l term: every β_j moves every weight, so "
            "dβ_j = α_j (dα_j - Σ_l α_l dα_l)")
    if which == "blocked_gradient":
        n = number["gradient:masked"]
        a = r[n]
        wrong = [y - a["d"] if m == "-Infinity" else x
                 for x, y, m in zip(a["dbeta"], a["dalpha"], a["mask"])]
        return n, wrong, (
            "you let gradient flow into the blocked key: its weight is α_j = 0, so "
            "dβ_j = α_j (dα_j - D) = 0; a blocked score never reaches the output, and this query "
            "sends no gradient to its k_j or v_j")
    if which == "missing_c":
        n = number["gradient:query"]
        return n, r[n]["no_c"], ("you left out c = 1/√d_k = 0.5: dq = c Σ_j dβ_j k_j, since the "
                                 "scores were c (q · k_j)")
    if which == "degrees":
        n = number["rope:rotate"]
        m = r[n]["g"]["m"]
        return n, r[n]["degrees"], (f"you took the angles in degrees: RoPE's angles are radians "
                                    f"(mθ = {m} rad, cos {m} = {num(math.cos(m))})")
    if which == "only_q":
        n = number["rope:rotate"]
        return n, r[n]["only_q"], (f"you rotated only q: the key is rotated too, by its own angle "
                                   f"nθ = {r[n]['g']['n']}, and only then does the score depend "
                                   "on m - n alone")
    if which == "swapped":
        n = number["rope:shift"]
        label = r[n]["swapped"]
        return n, label, (f"({label}): swapped: the score depends on the signed difference m - n; "
                          "swapping the positions turns it into n - m, a rotation the other way")
    if which == "other_pairing":
        n = number["rope:pairing"]
        label = r[n]["other"]
        return n, label, (f"({label}): the other convention: half pairs dimension i with i + d/2 "
                          "(GPT-NeoX, Hugging Face's rotate_half, flash-attn by default), "
                          "interleaved pairs the neighbours 2i and 2i + 1 (GPT-J, the RoFormer "
                          "paper, Meta's complex numbers); weights read with the wrong one give "
                          "other scores")
    raise KeyError(which)


NEW_MISTAKES = ["no_centering", "blocked_gradient", "missing_c", "degrees", "only_q", "swapped",
                "other_pairing"]
os.makedirs("new-answers")
new_expected = {}
for i, name in enumerate(NEW_ROSTER):
    r = new_answers(new_sheets[name])
    answers = {str(n): a["value"] for n, a in r.items()}
    wrong = []
    if i >= 1:
        n, value, note = new_mistake(NEW_MISTAKES[i - 1], r)
        answers[str(n)] = value
        wrong.append((n, note, NEW_MISTAKES[i - 1]))
    new_expected[name] = wrong
    with open(f"new-answers/{i:02d}.json", "w") as f:
        json.dump({"student": name, "sheet": new_sheets[name]["sheet"], "answers": answers}, f)
p = run(["check"] + new_class + ["--answers", "new-answers", "--students", "new-roster.txt",
                                 "--gradebook", "new-grades.csv", "--json"])
check(p.returncode == 1, f"attn check (gradient/rope): exit {p.returncode}, expected 1")
new_book = {s["student"]: s for s in json.loads(p.stdout)["students"]}
with open("new-grades.csv", newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        name = row["student"]
        wrong = new_expected[name]
        check(row["total"] == str(6 - len(wrong)), f"{name}: gradient/rope total {row['total']}")
        notes = row["notes"].split(" | ") if row["notes"] else []
        for n, note, which in wrong:
            check(row[f"Q{n}"] == "0", f"{name}: Q{n} earned {row[f'Q{n}']}")
            check(f"Q{n}: {note}" in notes,
                  f"{name}: expected the note\n  Q{n}: {note}\ngot\n  {row['notes']}")
            check(new_book[name]["questions"][n - 1]["mistake"] == which,
                  f"{name}: JSON mistake {new_book[name]['questions'][n - 1]['mistake']}")
        if not wrong:
            check(notes == [], f"{name}: all right, but notes {row['notes']!r}")

# Moodle XML of the new kinds: cloze fields for dβ and dq, a numerical score, multiple choice.
new_xml = run(["quiz"] + new_class + ["--students", "new-roster.txt", "--format", "moodle"],
              expect=0).stdout
new_seen = 0
for q in ET.fromstring(new_xml).findall("question"):
    kind = q.get("type")
    if kind == "category":
        path = q.find("category/text").text
        r = new_answers(new_sheets[next(n for n in NEW_ROSTER if f"/{n} (" in path)])
        continue
    new_seen += 1
    name = q.find("name/text").text
    n = int(re.match(r"Q(\d+) ", name).group(1))
    answers = q.findall("answer")
    fractions = [float(a.get("fraction")) for a in answers]
    if kind == "cloze":
        fields = re.findall(r"\{1:NUMERICAL:=([-0-9.]+):([0-9.]+)#",
                            q.find("questiontext/text").text)
        check(len(fields) == len(r[n]["value"]), f"{name}: {len(fields)} cloze fields")
        for (value, tol), want in zip(fields, r[n]["value"]):
            check(abs(float(value) - want) < 1e-4 and tol == "0.01", f"{name}: cloze {value}")
    elif kind == "numerical":
        right = answers[fractions.index(100)]
        check(abs(float(right.find("text").text) - r[n]["value"]) < 1e-4, f"{name}: the score")
        for a, frac in zip(answers, fractions):
            if frac == 0:
                check(abs(float(a.find("text").text) - r[n]["value"]) > 0.02,
                      f"{name}: a slip answer overlaps the right one")
    elif kind == "multichoice":
        check(fractions.count(100) == 1, f"{name}: fractions {fractions}")
        check("ABCD"[fractions.index(100)] == r[n]["value"], f"{name}: the right option")
    else:
        check(False, f"{name}: unexpected question type {kind}")
check(new_seen == 8 * 6, f"Moodle XML holds {new_seen} gradient/rope questions, expected 48")

for f in failures:
    print("FAIL:", f)
print(f"class test: {len(failures)} failed checks; files in {tmp}")
if failures:
    sys.exit(1)
import shutil  # noqa: E402
shutil.rmtree(tmp)
print("1 passed, 0 failed")
