"""Atomic (uncomposed) symbols, ``Symbol._gen_atomic_symbol``, against MXNet
1.9.1 (fixtures from tools/fixtures/symbol_atomic.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import neogluon as mx
from neogluon.base import MXNetError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from fixtures.symbol_atomic import build_cases  # noqa: E402
from fixtures.symbol_atomic import run_case  # noqa: E402

FIX = ROOT / "tests" / "fixtures" / "mxnet-1.9.1" / "symbol_atomic" / "cases.json"
CASES = json.loads(FIX.read_text())


@pytest.mark.parametrize("name", sorted(CASES))
def test_atomic_symbol_matches_mxnet(name):
    sym, compose, shapes = build_cases(mx)[name]
    assert run_case(mx, sym, compose, shapes) == CASES[name]


def test_atomic_symbol_errors():
    x, y = mx.sym.var("x"), mx.sym.var("y")
    with pytest.raises(MXNetError, match="non-grouped"):
        mx.sym.Group([x * 2, y * 3])._gen_atomic_symbol()
    with pytest.raises(MXNetError, match="variable"):
        x._gen_atomic_symbol()
    # an ordinary symbol still composes by replacing its argument variables
    z = (x + 1)(x=y * 2)
    assert z.list_arguments() == ["y"]
