#!/usr/bin/env python3
"""The layers of lib/attn/ hold: every include points down or sideways, never up, and no two
files include each other in a loop. ARCHITECTURE.md draws the same table; this keeps it true.

    check_layers.py SOURCE_DIR

Also: a source file over 600 lines must say why in its opening comment ("Over 600 lines
because …"). Prints one line per violation and exits 1 if there is any.
"""
import re
import sys
from pathlib import Path

# What each folder may include, besides itself. Lowest layer first.
ALLOWED = {
    "core": set(),
    "mask": {"core"},
    "kernel": {"core", "mask"},
    "io": {"core", "mask"},
    "render": {"core", "mask"},
    "teach": {"core", "mask", "io", "render"},
    "jobs": {"core", "mask", "kernel", "io", "render"},
}
MAX_LINES = 600
INCLUDE = re.compile(r'^\s*#\s*include\s+"attn/([a-z_]+)/([A-Za-z0-9_./]+)"', re.M)


def main(source_dir: Path) -> int:
    lib = source_dir / "lib" / "attn"
    problems = []
    graph = {}
    for path in sorted(lib.rglob("*")):
        if path.suffix not in (".hpp", ".cpp", ".inc"):
            continue
        rel = path.relative_to(lib)
        layer = rel.parts[0] if len(rel.parts) > 1 else None
        if layer not in ALLOWED:
            problems.append(f"{rel}: not in a layer folder ({', '.join(ALLOWED)})")
            continue
        text = path.read_text(encoding="utf-8")
        deps = set()
        for folder, name in INCLUDE.findall(text):
            target = f"{folder}/{name}"
            if folder not in ALLOWED:
                problems.append(f"{rel}: includes attn/{target}, which is in no layer")
            elif folder != layer and folder not in ALLOWED[layer]:
                problems.append(f"{rel}: {layer}/ may not include {folder}/ (attn/{target})")
            deps.add(target)
        graph[str(rel)] = deps
        lines = text.count("\n")
        if lines > MAX_LINES and "Over 600 lines because" not in text[:2000]:
            problems.append(f"{rel}: {lines} lines, and its opening comment gives no reason")

    # a header and its source are one component: fold NAME.cpp into NAME.hpp
    def node(name: str) -> str:
        return re.sub(r"\.(cpp|inc)$", ".hpp", name)

    edges = {}
    for name, deps in graph.items():
        edges.setdefault(node(name), set()).update(node(d) for d in deps if node(d) != node(name))
    state, stack = {}, []

    def visit(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for m in sorted(edges.get(n, ())):
            if state.get(m) == 1:
                problems.append("include cycle: " + " -> ".join(stack[stack.index(m):] + [m]))
            elif m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(edges):
        if n not in state:
            visit(n)

    for p in problems:
        print(p)
    if not problems:
        print(f"layers: {len(graph)} files, every include points down, no cycles")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else ".")))
