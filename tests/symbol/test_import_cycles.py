"""No import cycle inside neogluon.symbol (tools/check_import_cycles.py).

Module-level and function-level imports both count; the checker itself is
tested on small packages written to a temporary directory.
"""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def checker():
    spec = importlib.util.spec_from_file_location(
        "check_import_cycles", ROOT / "tools" / "check_import_cycles.py"
    )
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    yield mod
    sys.modules.pop(spec.name, None)


def test_symbol_package_has_no_import_cycle(checker):
    graph = checker.import_graph("neogluon.symbol")
    # The graph core imports no other module of the package.
    assert graph["neogluon.symbol.graph"] == set()
    assert "neogluon.symbol.executor" in graph["neogluon.symbol.symbol"]
    assert checker.find_cycles(graph) == []


def test_bind_api_compiler_and_frozen_graph_are_separate(checker):
    graph = checker.import_graph("neogluon.symbol")
    # The frozen graph builds on the compiler; neither knows the bind API.
    assert "neogluon.symbol.compiler" in graph["neogluon.symbol.frozen"]
    assert "neogluon.symbol.executor" not in graph["neogluon.symbol.compiler"]
    assert "neogluon.symbol.executor" not in graph["neogluon.symbol.frozen"]
    # Both are emitted by the one code emitter.
    assert "neogluon.symbol.codegen" in graph["neogluon.symbol.compiler"]
    assert "neogluon.symbol.codegen" in graph["neogluon.symbol.frozen"]


def _write_package(tmp_path: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_checker_finds_a_cycle_through_a_function_level_import(
    checker, tmp_path, monkeypatch
):
    _write_package(
        tmp_path,
        {
            "pkg/__init__.py": "from . import a\n",
            "pkg/a.py": "from .b import f\n",
            "pkg/b.py": "def f():\n    from . import c\n    return c\n",
            "pkg/c.py": "import pkg.a\n",
            "pkg/d.py": "from .a import f\n",
        },
    )
    monkeypatch.setattr(checker, "ROOT", tmp_path)
    cycles = checker.find_cycles(checker.import_graph("pkg"))
    assert cycles == [
        (["pkg.a", "pkg.b", "pkg.c", "pkg.a"], ["pkg.a", "pkg.b", "pkg.c"])
    ]
    assert checker.main(["pkg"]) == 1


def test_checker_skips_type_checking_imports(checker, tmp_path, monkeypatch):
    _write_package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from .b import f\n",
            "pkg/b.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from .a import X\n"
                "def f():\n    return 1\n"
            ),
        },
    )
    monkeypatch.setattr(checker, "ROOT", tmp_path)
    assert checker.find_cycles(checker.import_graph("pkg")) == []
    assert checker.main(["pkg"]) == 0
