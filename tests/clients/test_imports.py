"""Every ``from mxnet... import name`` written in an installed client resolves on
neogluon (an AST scan of the client's sources; clients not installed skip).

Imports in an ``except ImportError`` handler (a client's fallbacks for other
MXNet versions, such as ``mxnet.gluon.metric`` from MXNet 2) are not required.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from pathlib import Path

import pytest

from ._util import import_client

CLIENTS = ("gluoncv", "gluonnlp", "d2lzh", "sockeye", "gluonts")


def _fallbacks(tree: ast.AST) -> set[int]:
    """Line numbers inside ``except ImportError`` (or broader) handlers."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ExceptHandler):
            continue
        caught = getattr(node.type, "id", getattr(node.type, "attr", None))
        if caught in {"ImportError", "ModuleNotFoundError", "Exception", None}:
            for stmt in node.body:
                lines.update(n.lineno for n in ast.walk(stmt) if hasattr(n, "lineno"))
    return lines


def _mxnet_imports(root: Path):
    for path in sorted(root.rglob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        optional = _fallbacks(tree)
        for node in ast.walk(tree):
            if getattr(node, "lineno", None) in optional:
                continue
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                if (node.module or "").split(".")[0] == "mxnet":
                    for alias in node.names:
                        yield path, node.module, alias.name
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("mxnet."):
                        yield path, alias.name, None


def _resolves(module: str, name: str | None) -> bool:
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return False
    if name is None or name == "*" or hasattr(mod, name):
        return True
    try:
        importlib.import_module(f"{module}.{name}")
    except ImportError:
        return False
    return True


@pytest.mark.parametrize("client", CLIENTS)
def test_every_mxnet_import_resolves(client):
    if importlib.util.find_spec(client) is None:
        pytest.skip(f"{client} is not installed (make clients)")
    import_client("neogluon")  # installs the mxnet alias
    spec = importlib.util.find_spec(client)
    root = Path(spec.origin).parent
    missing = sorted(
        {
            f"{module}.{name}" if name else module
            for path, module, name in _mxnet_imports(root)
            if "nursery" not in path.parts and not _resolves(module, name)
        }
    )
    assert not missing, f"{client} imports names neogluon lacks: {missing}"
