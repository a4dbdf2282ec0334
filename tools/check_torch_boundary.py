"""Fail if a neogluon module outside the torch boundary imports torch.

Only the engine-facing layers talk to PyTorch (STYLE.md, "Torch boundary"):
the operator registry, NDArray, the symbol executor, autograd, contexts and
dtype tables, plus a few thin adapters that deliberately reuse a torch
facility. Layers, losses, blocks, initializers and optimizers work through
NDArray and the ``F`` ops only.

Usage::

    python tools/check_torch_boundary.py          # exit 1 and list offenders

The check parses every module with :mod:`ast`, so ``import torch``,
``from torch.x import y``, ``importlib.import_module("torch...")`` and
``__import__("torch...")`` anywhere in a file (functions included) count.
"""

from __future__ import annotations

import ast
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


def _allowed(rel: str) -> bool:
    for entry in (*ALLOWED, *ADAPTERS):
        if entry.endswith("/") and rel.startswith(entry):
            return True
        if rel == entry:
            return True
    return False


def _is_torch(name: str | None) -> bool:
    return bool(name) and (name == "torch" or name.startswith("torch."))


def torch_imports(path: Path) -> list[int]:
    """Return the line numbers where ``path`` imports torch."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if any(_is_torch(a.name) for a in node.names):
                lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and _is_torch(node.module):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = (
                func.attr
                if isinstance(func, ast.Attribute)
                else getattr(func, "id", "")
            )
            arg = node.args[0]
            if (
                name in ("import_module", "__import__")
                and isinstance(arg, ast.Constant)
                and isinstance(arg.value, str)
                and _is_torch(arg.value)
            ):
                lines.append(node.lineno)
    return sorted(lines)


def main() -> int:
    offenders = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if _allowed(rel):
            continue
        for line in torch_imports(path):
            offenders.append(f"{rel}:{line}")
    if offenders:
        print("torch imported outside the torch boundary (STYLE.md 'Torch boundary'):")
        for o in offenders:
            print(f"  {o}")
        print(
            "Go through NDArray / F ops instead, or, for a deliberate thin adapter, "
            "add the module with its reason to ADAPTERS in tools/check_torch_boundary.py."
        )
        return 1
    print("torch boundary: ok")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
