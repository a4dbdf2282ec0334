"""Count code lines per package, like tinygrad's ``sz.py``.

A code line is a line holding at least one Python token that is not a
comment and not part of a docstring; blank lines do not count either.

Usage::

    python tools/size.py                 # neogluon/, one row per package
    python tools/size.py --files         # one row per file as well
    python tools/size.py --max 30000     # exit 1 when the total is larger
    python tools/size.py tests tools     # other trees
"""

from __future__ import annotations

import argparse
import ast
import io
import sys
import tokenize
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_SKIP = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENCODING,
    tokenize.ENDMARKER,
}


def _docstring_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(
            node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
        ):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                doc = body[0]
                lines.update(range(doc.lineno, (doc.end_lineno or doc.lineno) + 1))
    return lines


def code_lines(path: Path) -> int:
    """Number of code lines in one Python file."""
    src = path.read_text(encoding="utf-8")
    docs = _docstring_lines(ast.parse(src, filename=str(path)))
    lines: set[int] = set()
    for tok in tokenize.generate_tokens(io.StringIO(src).readline):
        if tok.type in _SKIP:
            continue
        for ln in range(tok.start[0], tok.end[0] + 1):
            if ln not in docs:
                lines.add(ln)
    return len(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", default=["neogluon"])
    ap.add_argument("--files", action="store_true", help="list every file")
    ap.add_argument("--max", type=int, default=None, help="fail above this total")
    args = ap.parse_args(argv)

    per_pkg: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_file: list[tuple[str, int]] = []
    for p in args.paths:
        base = (ROOT / p).resolve()
        files = [base] if base.is_file() else sorted(base.rglob("*.py"))
        for f in files:
            if any(part.startswith(".") for part in f.relative_to(ROOT).parts):
                continue
            n = code_lines(f)
            rel = f.relative_to(ROOT)
            per_file.append((rel.as_posix(), n))
            pkg = per_pkg[rel.parent.as_posix()]
            pkg[0] += 1
            pkg[1] += n

    width = max([len(k) for k in per_pkg] + [len("package")])
    print(f"{'package':<{width}}  {'files':>5}  {'lines':>7}")
    print("-" * (width + 16))
    for name in sorted(per_pkg):
        nfiles, nlines = per_pkg[name]
        print(f"{name:<{width}}  {nfiles:>5}  {nlines:>7}")
    total_files = sum(v[0] for v in per_pkg.values())
    total = sum(v[1] for v in per_pkg.values())
    print("-" * (width + 16))
    print(f"{'total':<{width}}  {total_files:>5}  {total:>7}")
    if args.files:
        print()
        for name, n in sorted(per_file, key=lambda t: -t[1]):
            print(f"{n:>7}  {name}")
    if args.max is not None and total > args.max:
        print(f"size: {total} code lines exceeds the budget of {args.max}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
