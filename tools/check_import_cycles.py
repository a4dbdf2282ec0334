"""Fail if the modules of a neogluon package import each other in a cycle.

Every ``import`` statement counts, at module level and inside functions alike:
a function-level import only delays a cycle, it does not remove it. Imports
under ``if TYPE_CHECKING:`` never run and are skipped. An import of a package
(``from . import x`` where ``x`` is a subpackage) is an edge to its
``__init__``; the package ``__init__`` itself, which assembles its modules, is
left out of the check.

Usage::

    python tools/check_import_cycles.py [package ...]    # default: neogluon.symbol

Exit status 1 lists each cycle found as ``a -> b -> ... -> a`` with all the
modules that import each other.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Packages whose modules must not import each other in a cycle.
CHECKED = ("neogluon.symbol",)


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Absolute names of the modules imported anywhere in ``tree``."""
    out: set[str] = set()
    base = module.split(".") if is_package else module.split(".")[:-1]

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                pkg = base[: len(base) - (node.level - 1)]
                target = ".".join(pkg + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.add(target)
            # ``from pkg import name`` may name a submodule.
            out.update(f"{target}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return out


def import_graph(package: str) -> dict[str, set[str]]:
    """``{module: modules of the package it imports}`` for every module of
    ``package`` (subpackages included; package ``__init__`` files skipped)."""
    pkg_dir = ROOT.joinpath(*package.split("."))
    files = sorted(pkg_dir.rglob("*.py"))
    modules = {_module_name(f): f for f in files}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        if path.name == "__init__.py" and name == package:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets = _imports(tree, name, path.name == "__init__.py")
        graph[name] = {
            t for t in targets if t in modules and t != name and t != package
        }
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[tuple[list[str], list[str]]]:
    """``(closed path, all modules)`` for each group of modules that import
    each other (strongly connected component) and each module importing
    itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = [0]

    def strongconnect(v: str) -> None:
        # Tarjan's algorithm, iterative over each node's successors.
        work = [(v, iter(sorted(graph.get(v, ()))))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        while work:
            node, succ = work[-1]
            advanced = False
            for w in succ:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                    advanced = True
                    break
                if w in on_stack:
                    low[node] = min(low[node], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                components.append(comp)

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    cycles = []
    for comp in components:
        members = set(comp)
        if len(comp) == 1 and comp[0] not in graph.get(comp[0], ()):
            continue
        cycles.append((_path_in(graph, members, min(comp)), sorted(comp)))
    return sorted(cycles)


def _path_in(graph: dict[str, set[str]], members: set[str], start: str) -> list[str]:
    """A closed path from ``start`` through ``members`` (breadth-first)."""
    prev: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph.get(v, ())):
                if w not in members:
                    continue
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(prev[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if w not in prev:
                    prev[w] = v
                    nxt.append(w)
        frontier = nxt
    return [start, start]


def main(argv: list[str]) -> int:
    failed = False
    for package in argv or CHECKED:
        for path, members in find_cycles(import_graph(package)):
            failed = True
            print(
                f"import cycle in {package}: {' -> '.join(path)} "
                f"({len(members)} modules in the cycle: {', '.join(members)})"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
