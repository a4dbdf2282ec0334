"""Fail if a neogluon module outside the torch boundary reaches into torch.

Only the engine-facing layers talk to PyTorch (docs/style.md, "Torch boundary"):
the operator registry, NDArray, the symbol executor, autograd, contexts and
dtype tables, plus a few thin adapters that deliberately reuse a torch
facility. Layers, losses, blocks, initializers and optimizers work through
NDArray and the ``F`` ops only.

Usage::

    python tools/check_torch_boundary.py          # exit 1 and list offenders

Three checks, all on the :mod:`ast` of every module under ``neogluon/``:

1. **torch imports.** ``import torch``, ``from torch.x import y``,
   ``importlib.import_module("torch...")`` and ``__import__("torch...")``
   anywhere in a file (functions included) count. Allowed in :data:`ALLOWED`
   (the engine) and :data:`ADAPTERS` (each with its reason).

2. **The NDArray's private tensor.** ``NDArray`` keeps its ``torch.Tensor`` in
   the slot ``_data``; code outside the engine reaches it through the public
   ``NDArray.to_torch()`` (or ``nd.from_torch`` to wrap one). Allowed in
   :data:`ALLOWED` and in :data:`TENSOR_ADAPTERS` (a subset of the adapters).
   The name ``_data`` is common, so the rule is syntactic and precise:

   * flagged: an attribute ``<expr>._data`` (read, write or ``del``) where
     ``<expr>`` is anything but the bare name ``self`` or ``cls``
     (``w._data``, ``arrs[0]._data``, ``p.data()._data``, ``super()._data``);
   * flagged: ``getattr/setattr/hasattr/delattr(<expr>, "_data", ...)``,
     ``object.__getattribute__(<expr>, "_data")`` and
     ``object.__setattr__(<expr>, "_data", ...)`` with the same ``<expr>`` rule,
     and ``operator.attrgetter("_data")``;
   * flagged: ``self._data`` inside a class whose bases name ``NDArray``
     (a subclass would be reaching into the engine's slot);
   * not flagged: ``self._data`` / ``cls._data`` anywhere else. That is the
     object's own attribute, unrelated to NDArray: ``gluon.Parameter._data``
     (its list of arrays) or ``ArrayDataset._data``, which mirror MXNet's names.

   A file can reach an NDArray's tensor through ``self`` only by being an
   NDArray subclass, which the third rule catches; the price of the rule is
   that ``self`` bound to some other object (a plain function whose first
   parameter is called ``self``) is not followed.

:data:`TEMPORARY` lists modules excused from check 2 for a short while, each
with the reason and the change that removes it.

3. **NDArray's other engine internals.** An array marked as an autograd
   variable keeps its gradient record (``autograd._AutogradInfo``: buffer,
   ``grad_req``, freshness) in the slot ``_ag``; only the array and autograd
   (:data:`AUTOGRAD_OWNERS`) read or write it. Everyone else uses
   ``x.grad``, ``x._fresh_grad`` (MXNet's own name, also on ``Parameter``) and
   ``autograd.is_variable(x)``. The name is NDArray's alone, so every
   ``<expr>._ag`` counts, ``self._ag`` included, as do
   ``getattr/setattr/hasattr/delattr(<expr>, "_ag", ...)`` and
   ``operator.attrgetter("_ag")``. Likewise ``_new``, the unchecked result
   constructor of ``ndarray/``, may be imported only inside the engine
   (:data:`ALLOWED`); adapters wrap a tensor with ``nd.from_torch``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "neogluon"

#: Packages (trailing slash) and modules that form the engine boundary.
ALLOWED: dict[str, str] = {
    "neogluon/ops/": "the operator registry: torch kernels and shape rules",
    "neogluon/ndarray/": "NDArray wraps one torch.Tensor",
    "neogluon/symbol/executor.py": "runs graph nodes through the same torch kernels",
    "neogluon/symbol/compiler.py": "compiles a graph into calls of the torch kernels",
    "neogluon/symbol/frozen.py": "folds and prepacks constant weights (oneDNN)",
    "neogluon/symbol/control_ops.py": "runs foreach/while_loop/cond subgraphs in loops",
    "neogluon/symbol/_monitor.py": "runs a graph node by node for op hooks/monitors",
    "neogluon/autograd.py": "record/backward on top of torch.autograd",
    "neogluon/context.py": "Context <-> torch.device",
    "neogluon/_dtypes.py": "MXNet dtype flags <-> torch dtypes",
}

#: Thin adapters that reuse a torch facility on purpose, each with its reason.
ADAPTERS: dict[str, str] = {
    "neogluon/random.py": "mx.random.seed seeds torch's generators",
    "neogluon/profiler.py": "mx.profiler is a facade over torch.profiler",
    "neogluon/_opprof.py": "names eager ops in torch.profiler traces (record_function)",
    "neogluon/kvstore/": "dist kvstores map onto torch.distributed collectives",
    "neogluon/gluon/data/dataloader.py": "worker processes reuse torch.multiprocessing",
    "neogluon/test_utils.py": "effective_dtype reads the GPU's compute capability and TF32 switches",
    "neogluon/cli.py": "neogluon info reports torch's build, threads and CUDA devices",
    "neogluon/interop.py": "zero-copy NDArray/Block <-> torch.Tensor/nn.Module",
    "neogluon/gluon/_torch_module.py": "Gluon block inside torch.nn.Module and the reverse",
    "neogluon/onnx/": "ONNX export goes through torch.onnx",
    "neogluon/contrib/onnx/": "mx.contrib.onnx export goes through torch.onnx",
    "neogluon/runtime.py": "mx.runtime reports torch's capabilities (CUDA, oneDNN, OpenMP, BLAS)",
}

#: Adapters that may also read and write ``NDArray._data`` (check 2): they
#: swap tensors between NDArrays and torch objects in place, which
#: ``to_torch()`` / ``from_torch`` alone cannot express.
TENSOR_ADAPTERS: dict[str, str] = {
    "neogluon/interop.py": "shares parameter tensors with torch modules",
    "neogluon/gluon/_torch_module.py": "rebinds parameter tensors to torch Parameters",
    "neogluon/onnx/": "feeds parameter tensors to torch.onnx tracing",
}

#: TEMPORARY: excused from check 2 only, until the named change lands. Each
#: entry says why; remove it (and the uses) rather than adding to it.
TEMPORARY: dict[str, str] = {}

#: NDArray's private attribute holding the torch tensor.
PRIVATE = "_data"

#: Check 3: the modules that own NDArray's autograd record ``_ag``.
AUTOGRAD_OWNERS: dict[str, str] = {
    "neogluon/ndarray/": "NDArray (and its sparse subclasses) hold the record",
    "neogluon/autograd.py": "mark_variables/backward create and update it",
}

#: Check 3: NDArray's autograd record.
AUTOGRAD_RECORD = "_ag"

#: Check 3: private names of ``neogluon.ndarray`` that only the engine imports.
ENGINE_ONLY_NAMES = frozenset({"_new"})

_OWN = frozenset({"self", "cls"})
_ATTR_FUNCS = frozenset(
    {"getattr", "setattr", "hasattr", "delattr", "__getattribute__", "__setattr__"}
)


def _matches(rel: str, entries: Iterable[str]) -> bool:
    for entry in entries:
        if entry.endswith("/") and rel.startswith(entry):
            return True
        if rel == entry:
            return True
    return False


def _allowed(rel: str) -> bool:
    return _matches(rel, (*ALLOWED, *ADAPTERS))


def _tensor_allowed(rel: str) -> bool:
    return _matches(rel, (*ALLOWED, *TENSOR_ADAPTERS, *TEMPORARY))


def _is_torch(name: str | None) -> bool:
    return bool(name) and (name == "torch" or name.startswith("torch."))


def _parse(source: str, filename: str) -> ast.Module:
    return ast.parse(source, filename=filename)


def torch_imports(path: Path) -> list[int]:
    """Return the line numbers where ``path`` imports torch."""
    return torch_imports_in(path.read_text(encoding="utf-8"), str(path))


def torch_imports_in(source: str, filename: str = "<string>") -> list[int]:
    """Return the line numbers where ``source`` imports torch."""
    lines = []
    for node in ast.walk(_parse(source, filename)):
        if isinstance(node, ast.Import):
            if any(_is_torch(a.name) for a in node.names):
                lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and _is_torch(node.module):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call) and node.args:
            arg = node.args[0]
            if (
                _func_name(node) in ("import_module", "__import__")
                and isinstance(arg, ast.Constant)
                and isinstance(arg.value, str)
                and _is_torch(arg.value)
            ):
                lines.append(node.lineno)
    return sorted(lines)


def _func_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return getattr(func, "id", "")


def _is_own(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Name) and expr.id in _OWN


def _is_private(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value == PRIVATE


def _names_ndarray(base: ast.expr) -> bool:
    if isinstance(base, ast.Name):
        return base.id == "NDArray"
    if isinstance(base, ast.Attribute):
        return base.attr == "NDArray"
    return False


class _TensorAccess(ast.NodeVisitor):
    """Collect ``(line, text)`` for every use of an NDArray's private tensor."""

    def __init__(self) -> None:
        self.found: list[tuple[int, str]] = []
        self._ndarray_class: list[bool] = []

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._ndarray_class.append(any(_names_ndarray(b) for b in node.bases))
        self.generic_visit(node)
        self._ndarray_class.pop()

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr == PRIVATE:
            in_subclass = bool(self._ndarray_class) and self._ndarray_class[-1]
            if not _is_own(node.value) or in_subclass:
                self.found.append((node.lineno, ast.unparse(node)))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = _func_name(node)
        args = node.args
        if name in _ATTR_FUNCS:
            # object.__setattr__(x, "_data", v) and getattr(x, "_data") alike:
            # the target is the first argument, the name the second.
            if len(args) >= 2 and _is_private(args[1]) and not _is_own(args[0]):
                self.found.append((node.lineno, ast.unparse(node)))
        elif name == "attrgetter" and any(_is_private(a) for a in args):
            self.found.append((node.lineno, ast.unparse(node)))
        self.generic_visit(node)


def tensor_accesses_in(
    source: str, filename: str = "<string>"
) -> list[tuple[int, str]]:
    """``(line, code)`` for each use of ``NDArray._data`` in ``source`` (check 2)."""
    visitor = _TensorAccess()
    visitor.visit(_parse(source, filename))
    return sorted(visitor.found)


class _EngineAccess(ast.NodeVisitor):
    """Collect ``(line, text)`` for uses of ``._ag`` and, unless ``engine``,
    imports of :data:`ENGINE_ONLY_NAMES` from ``ndarray`` modules."""

    def __init__(self, record: bool, imports: bool) -> None:
        self.found: list[tuple[int, str]] = []
        self._record = record
        self._imports = imports

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if self._record and node.attr == AUTOGRAD_RECORD:
            self.found.append((node.lineno, ast.unparse(node)))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if self._record:
            name = _func_name(node)
            args = node.args
            is_record = [
                isinstance(a, ast.Constant) and a.value == AUTOGRAD_RECORD for a in args
            ]
            if (name in _ATTR_FUNCS and len(args) >= 2 and is_record[1]) or (
                name == "attrgetter" and any(is_record)
            ):
                self.found.append((node.lineno, ast.unparse(node)))
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if self._imports and "ndarray" in module.split("."):
            for alias in node.names:
                if alias.name in ENGINE_ONLY_NAMES:
                    self.found.append(
                        (
                            node.lineno,
                            f"from {'.' * node.level}{module} import {alias.name}",
                        )
                    )


def engine_accesses_in(
    source: str,
    filename: str = "<string>",
    *,
    record: bool = True,
    imports: bool = True,
) -> list[tuple[int, str]]:
    """``(line, code)`` for each use of NDArray's engine internals in ``source``
    (check 3): ``._ag`` when ``record``, ``_new`` imports when ``imports``."""
    visitor = _EngineAccess(record, imports)
    visitor.visit(_parse(source, filename))
    return sorted(visitor.found)


def offenders(root: Path = ROOT) -> tuple[list[str], list[str], list[str]]:
    """``(torch imports, tensor accesses, engine internals)`` outside their
    allowed lists."""
    imports, tensors, internals = [], [], []
    for path in sorted((root / "neogluon").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        source = path.read_text(encoding="utf-8")
        if not _allowed(rel):
            imports += [f"{rel}:{line}" for line in torch_imports_in(source, rel)]
        if not _tensor_allowed(rel):
            tensors += [
                f"{rel}:{line}: {code}"
                for line, code in tensor_accesses_in(source, rel)
            ]
        record = not _matches(rel, AUTOGRAD_OWNERS)
        engine_imports = not _matches(rel, ALLOWED)
        if record or engine_imports:
            internals += [
                f"{rel}:{line}: {code}"
                for line, code in engine_accesses_in(
                    source, rel, record=record, imports=engine_imports
                )
            ]
    return imports, tensors, internals


def main() -> int:
    imports, tensors, internals = offenders()
    if imports:
        print(
            "torch imported outside the torch boundary (docs/style.md 'Torch boundary'):"
        )
        for o in imports:
            print(f"  {o}")
        print(
            "Go through NDArray / F ops instead, or, for a deliberate thin adapter, "
            "add the module with its reason to ADAPTERS in tools/check_torch_boundary.py."
        )
    if tensors:
        print(
            "NDArray's private tensor (._data) used outside the torch boundary "
            "(docs/style.md 'Torch boundary'):"
        )
        for o in tensors:
            print(f"  {o}")
        print(
            "Use the public NDArray API (x.to_torch(), nd.from_torch(t), copyto, "
            "operators) instead; an object's own self._data is not flagged."
        )
    if internals:
        print(
            "NDArray's engine internals (._ag, ndarray._new) used outside their "
            "owners (docs/style.md 'Torch boundary'):"
        )
        for o in internals:
            print(f"  {o}")
        print(
            "Use x.grad, x._fresh_grad, autograd.is_variable(x) and "
            "nd.from_torch(t) instead."
        )
    if imports or tensors or internals:
        return 1
    print("torch boundary: ok")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
