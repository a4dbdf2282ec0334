"""Dump MXNet 1.9.1's public import surface to a JSON fixture.

Runs only in the reference environment (real ``mxnet==1.9.1``)::

    .venv-ref/bin/python tools/dump_surface.py

Writes ``tests/fixtures/mxnet-1.9.1/surface/surface.json``, which
``tests/api/test_surface.py`` checks neogluon against (without MXNet).

For every public module of the ``mxnet`` package (every submodule that imports,
less the internal ones in ``EXCLUDED``) it records the public names and what each
is:

* which names count: names in ``__all__``; in a package (``__init__``), every
  other name not starting with ``_`` that comes from MXNet (re-exports are how a
  package publishes its API); in a plain module, the public names the module
  itself defines (top-level ``def``/``class``/assignment in its source, or
  functions MXNet generated into it, e.g. the operator functions of
  ``mx.nd.op``). Names re-imported from the standard library, numpy or another
  MXNet module are implementation details and are left out;
* plus every ``from mxnet.<m> import <name>`` and ``mxnet.<m>`` module that
  MXNet's own tests and examples (in the git mirror of MXNet's sources) import,
  private names included: that is what real code reaches for;
* kind: ``module``, ``function``, ``class`` or ``other``;
* ``sig``: for functions and classes (their constructor) the parameters as
  ``inspect.signature`` gives them, names only, written like a Python parameter
  list without defaults: ``"data, weight=, *, out=, **kwargs"`` (``=`` marks a
  default, ``/`` and ``*`` separate positional-only and keyword-only parts);
* classes defined by MXNet are described once, in ``classes`` under their
  defining path (``module.QualName``), and a module entry names it (``class``):
  constructor ``sig``, MXNet ``bases`` and the public ``methods`` the class
  itself defines with their signatures (``self`` dropped; properties as
  ``"<property>"``); inherited methods are found through ``bases``.

The contents of the numpy-interface modules (``mxnet.numpy``,
``mxnet.numpy_extension`` and their ``ndarray``/``symbol`` twins) are not
listed, only the module names: they are thousands of names that a separate
piece of work covers.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import os
import pkgutil
import subprocess
import sys
import types
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "mxnet-1.9.1" / "surface" / "surface.json"
MIRROR = Path("/work/.mirror/apache+mxnet/repo")
TAG = "1.9.1"

# Submodules of ``mxnet`` that are not part of its Python API, with the reason.
EXCLUDED = {
    "mxnet._*": "private modules (C API bindings, FFI, generated docs)",
    "mxnet.*._*": "private modules",
    "mxnet.cython": "Cython build of the C API bindings",
    "mxnet.tools": "build and packaging scripts (importing one runs setup())",
    "mxnet.notebook": "Jupyter callback helpers that need bokeh/pandas",
    "mxnet.onnx.setup": "packaging script of the mx2onnx package",
    "mxnet.*.gen_*": "code generated at import time to hold operator functions; "
    "the same functions are published by the package",
    "mxnet.ndarray.register": "operator-function code generator",
    "mxnet.symbol.register": "operator-function code generator",
    "mxnet.ndarray_doc": "docstring fragments for generated operators",
    "mxnet.symbol_doc": "docstring fragments for generated operators",
    "mxnet.numpy_op_signature": "internal signature checks for mx.np operators",
    "mxnet.numpy_op_fallback": "internal operator fallback registration for mx.np",
    "mxnet.numpy_dispatch_protocol": "internal __array_function__ registration",
    "mxnet.api": "FFI function table of the C++ API",
    "mxnet.tvmop": "TVM operator loader (needs MXNet built with TVM)",
    "mxnet.libinfo": "location of libmxnet.so",
    "mxnet.torch": "Torch 7 (Lua) plugin bindings, not built in MXNet 1.9.1",
    "mxnet.libmxnet": "the shared library itself (pkgutil lists the .so)",
}

# Modules whose contents are summarized by their name only (see docstring).
CONTENTS_SKIPPED = (
    "mxnet.numpy",
    "mxnet.numpy_extension",
    "mxnet.ndarray.numpy",
    "mxnet.ndarray.numpy_extension",
    "mxnet.symbol.numpy",
    "mxnet.symbol.numpy_extension",
)

# Names MXNet-using code imports that the source scan below does not see
# (private names reached for by downstream code), recorded when they exist.
EXTRA = {
    "mxnet.ndarray.ndarray": ["_STORAGE_TYPE_STR_TO_ID", "py_slice"],
    "mxnet.test_utils": ["use_np"],
}

SCAN_DIRS = ("tests/python", "example")


def _excluded(name: str) -> bool:
    parts = name.split(".")
    if any(p.startswith("_") for p in parts[1:]):
        return True
    if any(p.startswith("gen_") for p in parts[1:]):
        return True
    return any(name == k or name.startswith(k + ".") for k in EXCLUDED if "*" not in k)


def _skipped(name: str) -> bool:
    return any(name == k or name.startswith(k + ".") for k in CONTENTS_SKIPPED)


def _sig(obj) -> str | None:
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    parts: list[str] = []
    kinds = inspect.Parameter
    seen_kwonly = False
    params = list(sig.parameters.values())
    for i, p in enumerate(params):
        if p.kind is kinds.VAR_POSITIONAL:
            parts.append("*" + p.name)
            seen_kwonly = True
            continue
        if p.kind is kinds.VAR_KEYWORD:
            parts.append("**" + p.name)
            continue
        if p.kind is kinds.KEYWORD_ONLY and not seen_kwonly:
            parts.append("*")
            seen_kwonly = True
        parts.append(p.name + ("=" if p.default is not p.empty else ""))
        nxt = params[i + 1] if i + 1 < len(params) else None
        if p.kind is kinds.POSITIONAL_ONLY and (
            nxt is None or nxt.kind is not kinds.POSITIONAL_ONLY
        ):
            parts.append("/")
    return ", ".join(parts)


def _kind(obj) -> str:
    if isinstance(obj, types.ModuleType):
        return "module"
    if inspect.isclass(obj):
        return "class"
    if callable(obj) and (
        inspect.isfunction(obj) or inspect.isbuiltin(obj) or inspect.ismethod(obj)
    ):
        return "function"
    if callable(obj) and not isinstance(obj, type):
        # functools.partial and other callable objects: called like functions.
        return "function"
    return "other"


def _from_mxnet(obj) -> bool:
    if isinstance(obj, types.ModuleType):
        return obj.__name__.split(".")[0] == "mxnet"
    mod = getattr(obj, "__module__", None)
    if not isinstance(mod, str):
        return True  # plain values
    # MXNet's generated operator functions report "ndarray"/"symbol".
    return mod.split(".")[0] in ("mxnet", "ndarray", "symbol")


def _source_names(module) -> set[str]:
    """Names a module's own source binds at top level (def, class, assignment)."""
    try:
        src = inspect.getsource(module)
    except (OSError, TypeError):
        return set()
    names: set[str] = set()

    def visit(body):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                for t in node.targets:
                    for n in ast.walk(t):
                        if isinstance(n, ast.Name):
                            names.add(n.id)
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                if isinstance(node.target, ast.Name):
                    names.add(node.target.id)
            elif isinstance(node, (ast.If, ast.Try, ast.With)):
                visit(node.body)
                visit(getattr(node, "orelse", []))
                visit(getattr(node, "finalbody", []))
                for h in getattr(node, "handlers", []):
                    visit(h.body)

    visit(ast.parse(src).body)
    return names


def _canonical(cls) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _is_mxnet_class(klass) -> bool:
    return klass.__module__.split(".")[0] == "mxnet"


def _own_methods(cls) -> dict[str, str]:
    """Public methods and properties the class itself defines (not inherited)."""
    out: dict[str, str] = {}
    for name, raw in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(raw, property):
            out[name] = "<property>"
        elif isinstance(raw, (staticmethod, classmethod)):
            sig = _sig(getattr(cls, name))
            out[name] = sig if sig is not None else "<callable>"
        elif inspect.isfunction(raw):
            sig = _sig(raw)
            if sig is None:
                out[name] = "<callable>"
            else:
                rest = sig.split(", ")[1:]  # drop "self"
                if rest and rest[0] == "/":
                    rest = rest[1:]
                out[name] = ", ".join(rest)
    return dict(sorted(out.items()))


def _record_class(cls, classes: dict) -> str:
    key = _canonical(cls)
    if key in classes:
        return key
    entry: dict = {}
    classes[key] = entry
    sig = _sig(cls)
    if sig is not None:
        entry["sig"] = sig
    entry["bases"] = [
        _record_class(b, classes) for b in cls.__bases__ if _is_mxnet_class(b)
    ]
    entry["methods"] = _own_methods(cls)
    return key


def _entry(obj, classes: dict) -> dict:
    kind = _kind(obj)
    entry: dict = {"kind": kind}
    if kind == "function":
        sig = _sig(obj)
        if sig is not None:
            entry["sig"] = sig
    elif kind == "class":
        if _is_mxnet_class(obj):
            entry["class"] = _record_class(obj, classes)
        else:
            sig = _sig(obj)
            if sig is not None:
                entry["sig"] = sig
    return entry


def _public_names(module, is_pkg: bool) -> list[str]:
    names = set(getattr(module, "__all__", []) or [])
    own = None if is_pkg else _source_names(module)
    for name, obj in vars(module).items():
        if name.startswith("_") or name in names:
            continue
        if not _from_mxnet(obj):
            continue
        if is_pkg:
            names.add(name)
            continue
        if isinstance(obj, types.ModuleType):
            continue
        mod = getattr(obj, "__module__", None)
        # Generated operator functions report "ndarray"/"symbol"; they belong
        # to the nd/sym modules they were generated into, not to importers.
        generated = mod in ("ndarray", "symbol") and module.__name__.startswith(
            f"mxnet.{mod}."
        )
        if mod == module.__name__ or generated:
            names.add(name)
        elif name in own and not (inspect.isfunction(obj) or inspect.isclass(obj)):
            names.add(name)  # a value the module assigns
    return sorted(n for n in names if hasattr(module, n))


def _scan_imports() -> tuple[set[str], dict[str, set[str]]]:
    """Modules and ``from``-imported names in MXNet's tests and examples."""
    modules: set[str] = set()
    names: dict[str, set[str]] = {}
    if not MIRROR.exists():
        print(f"warning: {MIRROR} missing; no import scan", file=sys.stderr)
        return modules, names
    files = subprocess.run(
        ["git", "-C", str(MIRROR), "ls-tree", "-r", "--name-only", TAG, *SCAN_DIRS],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for path in files:
        if not path.endswith(".py"):
            continue
        src = subprocess.run(
            ["git", "-C", str(MIRROR), "show", f"{TAG}:{path}"],
            capture_output=True,
            text=True,
        ).stdout
        try:
            tree = ast.parse(src)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("mxnet."):
                        modules.add(a.name)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                mod = node.module or ""
                if mod == "mxnet" or mod.startswith("mxnet."):
                    for a in node.names:
                        if a.name != "*":
                            names.setdefault(mod, set()).add(a.name)
    return modules, names


def main() -> int:
    warnings.simplefilter("ignore")
    os.environ.setdefault("MXNET_STORAGE_FALLBACK_LOG_VERBOSE", "0")
    import mxnet as mx  # noqa: PLC0415 - reference environment only

    if mx.__version__ != TAG:
        print(f"need mxnet {TAG}, found {mx.__version__}", file=sys.stderr)
        return 2

    found: dict[str, types.ModuleType] = {"mxnet": mx}
    failed: dict[str, str] = {}
    for info in pkgutil.walk_packages(mx.__path__, "mxnet.", onerror=lambda n: None):
        if _excluded(info.name):
            continue
        try:
            found[info.name] = importlib.import_module(info.name)
        except Exception as err:  # noqa: BLE001 - record why, keep walking
            failed[info.name] = (
                f"{type(err).__name__}: {str(err).splitlines()[0][:120]}"
            )

    scanned_modules, scanned_names = _scan_imports()
    for name in sorted(scanned_modules | set(scanned_names) | set(EXTRA)):
        if name not in found and not _excluded(name):
            try:
                found[name] = importlib.import_module(name)
            except Exception:  # noqa: BLE001 - not a module of this build
                pass

    modules: dict[str, dict] = {}
    classes: dict[str, dict] = {}
    for name, module in sorted(found.items()):
        is_pkg = hasattr(module, "__path__")
        record: dict = {"package": is_pkg}
        if _skipped(name):
            record["contents_skipped"] = True
            record["names"] = {}
        else:
            wanted = set(_public_names(module, is_pkg))
            extra = set(scanned_names.get(name, ())) | set(EXTRA.get(name, ()))
            wanted |= {n for n in extra if hasattr(module, n)}
            entries = {}
            for n in sorted(wanted):
                obj = getattr(module, n)
                if isinstance(obj, types.ModuleType) and _excluded(obj.__name__):
                    continue
                entries[n] = _entry(obj, classes)
            record["names"] = entries
        modules[name] = record

    data = {
        "mxnet_version": mx.__version__,
        "generator": "tools/dump_surface.py",
        "excluded_modules": EXCLUDED,
        "contents_skipped": list(CONTENTS_SKIPPED),
        "import_failed": failed,
        "modules": modules,
        "classes": dict(sorted(classes.items())),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    n_names = sum(len(m["names"]) for m in modules.values())
    n_methods = sum(len(c["methods"]) for c in classes.values())
    print(
        f"{len(modules)} modules, {n_names} names, {n_methods} methods -> "
        f"{OUT.relative_to(ROOT)} ({OUT.stat().st_size // 1024} KiB); "
        f"failed to import: {sorted(failed)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
