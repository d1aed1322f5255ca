#!/usr/bin/env python3
"""Finds import circles between the modules (files) of each crate under crates/.

A module is a file; `use crate::a::b`, `crate::a::b::f(...)` paths and `use super::x`
make an edge to the file of the longest matching module path. Child modules importing
items their own parent module file declares (`mod.rs`/`lib.rs` re-exports) count too.
Prints every circle found and exits 1 if there is any.

Usage: tools/check/module_cycles.py [CRATE_DIR ...]   (default: every crates/*)
"""
import re
import sys
from pathlib import Path


def modules(src: Path):
    """Maps module paths ('a::b') to files."""
    out = {}
    for f in src.rglob("*.rs"):
        rel = f.relative_to(src).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] in ("mod", "lib", "main"):
            parts = parts[:-1]
        out["::".join(parts)] = f
    return out


PATH = re.compile(r"\b(crate|super)((?:::[a-z_][a-z0-9_]*)+)")
ROOT_ITEM = re.compile(r"\bcrate::([A-Z][A-Za-z0-9_]*)")
USE_GROUP = re.compile(r"\buse\s+(crate|super)((?:::[a-z_][a-z0-9_]*)*)::\{([^;]*)\}", re.S)


def module_of(path: str, mods: dict):
    parts = path.split("::")
    while parts:
        key = "::".join(parts)
        if key in mods:
            return key
        parts.pop()
    return ""


def strip_tests(text: str) -> str:
    i = text.find("#[cfg(test)]")
    return text if i < 0 else text[:i]


def root_exports(src: Path):
    """Names the crate root re-exports (`pub use a::b::{X, Y};`) and their modules."""
    out = {}
    for name in ("lib.rs", "main.rs"):
        f = src / name
        if not f.exists():
            continue
        text = f.read_text(encoding="utf-8")
        for path, inner in re.findall(r"pub use ([a-z_][a-z0-9_:]*)::\{([^}]*)\}", text):
            for item in inner.split(","):
                item = item.strip().split(" as ")[-1].strip()
                if item:
                    out[item] = path
        for path, item in re.findall(r"pub use ([a-z_][a-z0-9_:]*)::([A-Za-z_][A-Za-z0-9_]*);", text):
            out[item] = path
    return out


def edges(src: Path):
    mods = modules(src)
    exports = root_exports(src)
    by_file = {f: m for m, f in mods.items()}
    g = {m: set() for m in mods}
    for f, m in by_file.items():
        text = strip_tests(f.read_text(encoding="utf-8"))
        text = re.sub(r"//[^\n]*", "", text)
        here = m.split("::") if m else []
        is_dir_mod = f.name in ("mod.rs", "lib.rs", "main.rs")
        parent = here if is_dir_mod else here[:-1]

        def resolve(root, rest):
            if root == "crate":
                return rest.strip(":")
            base = parent[:-1] if is_dir_mod else parent
            # `super` from a file module is its parent module; from mod.rs its grandparent.
            if not is_dir_mod:
                base = here[:-1]
            return "::".join(base + [p for p in rest.split("::") if p])

        found = []
        for root, rest, inner in USE_GROUP.findall(text):
            for item in re.split(r",", inner):
                item = item.strip().split(" as ")[0].strip().split("::{")[0]
                if item and item != "self":
                    found.append(resolve(root, rest + "::" + item))
                elif item == "self":
                    found.append(resolve(root, rest))
        for root, rest in PATH.findall(text):
            found.append(resolve(root, rest))
        for item in ROOT_ITEM.findall(text):
            found.append(exports.get(item, ""))
        for root, rest, inner in USE_GROUP.findall(text):
            if root == "crate" and not rest:
                for item in inner.split(","):
                    item = item.strip().split(" as ")[0].strip()
                    if item in exports:
                        found.append(exports[item])
        for target in found:
            t = module_of(target, mods)
            if t != m and not m.startswith(t + "::") and t != "":
                g[m].add(t)
            elif t == "" and m != "":
                g[m].add("")
    return g


def cycles(g):
    out, state, stack = [], {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for x in sorted(g.get(n, ())):
            if state.get(x) == 1:
                out.append(stack[stack.index(x):] + [x])
            elif x not in state:
                visit(x)
        stack.pop()
        state[n] = 2

    for n in sorted(g):
        if n not in state:
            visit(n)
    return out


def main():
    dirs = [Path(a) for a in sys.argv[1:]] or sorted(Path("crates").glob("*"))
    bad = 0
    for d in dirs:
        src = d / "src"
        if not src.is_dir():
            continue
        for c in cycles(edges(src)):
            bad += 1
            names = [x or "(crate root)" for x in c]
            print(f"{d.name}: " + " -> ".join(names))
    if bad:
        print(f"{bad} import circle(s)")
        sys.exit(1)
    print("no import circles")


if __name__ == "__main__":
    main()
