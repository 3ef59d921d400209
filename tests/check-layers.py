#!/usr/bin/env python3
"""check-layers.py: every #include of Strata's sources against the layers they belong to.

Each folder of the program is a layer that may include its own headers and those of the
layers it is allowed to use (LAYERS below: core/io at the bottom, app/ at the top). An
include of any other layer's header -- one from a folder above, or beside -- is an error,
and so is a cycle of includes between files (a file's .c and .h count as one unit).

    check-layers.py [--root DIR]   check the tree at DIR (default: this file's repository)
    check-layers.py --self-test    check that an upward include and a cycle are caught

Exits 1 with one line per problem, naming the file, the line and the header.
"""
import argparse
import os
import re
import sys
import tempfile

CORE = ["core/io", "core/ops", "core/data", "core/model", "core/engine"]

# The layer -> the layers whose headers it may include (besides its own).
LAYERS = {
    "core/io": [],
    "core/ops": ["core/io"],
    "core/data": ["core/io", "core/ops"],
    "core/model": ["core/io", "core/ops"],
    "core/engine": ["core/io", "core/ops", "core/data", "core/model"],
    "gpu": CORE,
    "ui/render": CORE,
    "ui": CORE + ["ui/render"],
    "app": CORE + ["gpu", "ui/render", "ui"],
}

SOURCE_SUFFIXES = (".c", ".h", ".cu", ".cuh")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def layer_of(path):
    """The layer a repository path belongs to (the longest folder that names one), or None."""
    best = None
    for layer in LAYERS:
        if path.startswith(layer + "/") and (best is None or len(layer) > len(best)):
            best = layer
    return best


def unit_of(path):
    """A file's unit: its path without the suffix, and without "-private" for a header
    private to one module (ui/render/grid-render.c, .h and -private.h are one)."""
    stem = os.path.splitext(path)[0]
    return stem[:-len("-private")] if stem.endswith("-private") else stem


def read_includes(root):
    """(file, line number, included path) for every quoted include of every layer's sources."""
    found = []
    for top in sorted({layer.split("/")[0] for layer in LAYERS}):
        for folder, _, names in os.walk(os.path.join(root, top)):
            for name in sorted(names):
                if not name.endswith(SOURCE_SUFFIXES):
                    continue
                full = os.path.join(folder, name)
                path = os.path.relpath(full, root).replace(os.sep, "/")
                with open(full, encoding="utf-8", errors="replace") as f:
                    for number, text in enumerate(f, 1):
                        m = INCLUDE.match(text)
                        if m:
                            found.append((path, number, m.group(1)))
    return found


def find_cycles(edges):
    """Strongly connected components of more than one unit (Tarjan, iterative)."""
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []
    counter = [0]
    nodes = sorted(set(edges) | {b for targets in edges.values() for b in targets})
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, it = work[-1]
            advanced = False
            for nxt in it:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]
                    counter[0] += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(edges.get(nxt, ())))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def check(root):
    """The problems of the tree at root, one line each."""
    problems = []
    edges = {}
    for path, number, target in read_includes(root):
        mine, theirs = layer_of(path), layer_of(target)
        if mine is None or theirs is None:
            continue            # a generated or configuration header ("strata-config.h")
        if theirs != mine and theirs not in LAYERS[mine]:
            problems.append("%s:%d: includes %s: %s may not use %s (allowed: %s)"
                            % (path, number, target, mine, theirs,
                               ", ".join(LAYERS[mine]) or "nothing else"))
        a, b = unit_of(path), unit_of(target)
        if a != b and os.path.exists(os.path.join(root, target)):
            edges.setdefault(a, set()).add(b)
    for cycle in find_cycles(edges):
        problems.append("include cycle: " + " -> ".join(cycle) + " -> " + cycle[0])
    return problems


def self_test():
    """An upward include, a sideways one and a cycle, each reported; a clean tree passes."""
    files = {
        "core/io/file.h": "",
        "core/io/file.c": '#include "core/io/file.h"\n',
        "core/model/spec.h": '#include "core/io/file.h"\n',
        "core/data/dataset.h": "",
        "core/engine/net.h": '#include "core/model/spec.h"\n#include "core/data/dataset.h"\n',
        "ui/render/chart.h": '#include "core/engine/net.h"\n',
        "app/main.c": '#include "ui/render/chart.h"\n#include "strata-config.h"\n',
    }
    bad = {
        "core/io/file.c": '#include "core/io/file.h"\n#include "core/data/dataset.h"\n',
        "core/model/spec.c": '#include "core/data/dataset.h"\n',
        "core/ops/a.h": '#include "core/ops/b.h"\n',
        "core/ops/b.h": '#include "core/ops/a.h"\n',
    }
    with tempfile.TemporaryDirectory() as clean, tempfile.TemporaryDirectory() as dirty:
        for root, tree in ((clean, files), (dirty, {**files, **bad})):
            for path, text in tree.items():
                os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
                with open(os.path.join(root, path), "w", encoding="utf-8") as f:
                    f.write(text)
        ok = check(clean)
        found = check(dirty)
    want = ["core/io/file.c:2: includes core/data/dataset.h",
            "core/model/spec.c:1: includes core/data/dataset.h",
            "include cycle: core/ops/a -> core/ops/b -> core/ops/a"]
    missing = [w for w in want if not any(p.startswith(w) for p in found)]
    for line in ok:
        print("self-test: a clean tree was refused: " + line)
    for line in missing:
        print("self-test: not caught: " + line)
    if missing or len(found) != len(want):
        for line in found:
            print("self-test: reported: " + line)
    return not ok and not missing and len(found) == len(want)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        return 0 if self_test() else 1
    problems = check(args.root)
    for line in problems:
        print(line)
    if not problems:
        print("%d includes within their layers, no cycle" % len(read_includes(args.root)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
