"""``mx.np`` / ``mx.npx`` against MXNet 1.9.1 (fixtures from tools/fixtures/np_front.py).

Each case of the generator runs here on neogluon under ``npx.set_np()`` and is
compared with what MXNet returned: the result's class, dtype, shape and
``repr`` exactly (where the values are identical), values within rtol 1e-5 / atol 1e-6 (float16: 1e-3), Python
scalars exactly (floats within 1e-6). A case where MXNet raised must raise here
too (any exception type), except the functions MXNet 1.9.1 lacks or refuses
that neogluon provides (:data:`EXTENSIONS`), checked against numpy instead.
Random cases compare dtype and shape only.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as onp
import pytest

import neogluon as mx

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures" / "mxnet-1.9.1" / "np_front" / "cases.json"
sys.path.insert(0, str(ROOT / "tools"))
from fixtures.np_front import CASES  # noqa: E402
from fixtures.np_front import GRAD_CASES  # noqa: E402
from fixtures.np_front import run_case  # noqa: E402
from fixtures.np_front import run_grad  # noqa: E402

DATA = json.loads(FIX.read_text())
RANDOM = set(DATA["random"])

#: Cases MXNet 1.9.1 cannot run (function missing, pad mode refused) that
#: neogluon runs: name -> the numpy result expected.
EXTENSIONS = {
    "logical_and": lambda: onp.logical_and(
        onp.array([[1, 2, 3], [4, 5, 6]]) > 1, onp.array([[1, 2, 3], [4, 5, 6]]) < 5
    ),
    "logical_or": lambda: onp.array([True, True, True]),
    "triu_k": lambda: onp.triu(onp.ones((3, 3), dtype=onp.float32), 1),
    "pad_edge": lambda: onp.pad(
        onp.array([[1, 2, 3], [4, 5, 6]], dtype=onp.float32), 1, mode="edge"
    ),
    "pad_reflect": lambda: onp.pad(
        onp.array([0.5, -1.25, 2.0], dtype=onp.float32), 2, mode="reflect"
    ),
}


@pytest.fixture(autouse=True)
def _np_mode():
    mx.npx.set_np()
    mx.random.seed(7)
    yield
    mx.npx.reset_np()


def _close(got, want, name, random=False):
    assert got["kind"] == want["kind"], (name, got, want)
    kind = want["kind"]
    if kind == "array":
        assert got["cls"] == want["cls"], name
        assert got["dtype"] == want["dtype"], (name, got["dtype"], want["dtype"])
        assert got["shape"] == want["shape"], (name, got["shape"], want["shape"])
        if random:
            return
        tol = 1e-3 if want["dtype"] == "float16" else 1e-5
        g = onp.array([onp.nan if x is None else x for x in got["values"]], dtype=float)
        w = onp.array(
            [onp.nan if x is None else x for x in want["values"]], dtype=float
        )
        onp.testing.assert_allclose(
            g, w, rtol=tol, atol=tol / 10, equal_nan=True, err_msg=name
        )
        if onp.array_equal(g, w, equal_nan=True):
            # Printing is compared where the values are identical (a last-bit
            # difference of a float32 prints differently).
            assert got["repr"] == want["repr"], (name, got["repr"], want["repr"])
    elif kind in ("tuple", "list"):
        assert len(got["items"]) == len(want["items"]), name
        for g, w in zip(got["items"], want["items"], strict=True):
            _close(g, w, name, random)
    elif kind == "py":
        assert got["type"] == want["type"], (name, got, want)
        if isinstance(want["value"], float) and not random:
            assert math.isclose(got["value"], want["value"], rel_tol=1e-6), name
        elif not random:
            assert got["value"] == want["value"], (name, got, want)
    elif kind == "numpy":
        assert got["dtype"] == want["dtype"] and got["shape"] == want["shape"], name
        onp.testing.assert_allclose(
            got["values"], want["values"], rtol=1e-5, err_msg=name
        )
    else:
        assert got == want, name


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name):
    want = DATA["cases"][name]
    got = run_case(CASES[name], mx)
    if name in EXTENSIONS:
        assert want["kind"] == "error", f"{name}: MXNet runs it now; compare directly"
        assert got["kind"] == "array", (name, got)
        exp = EXTENSIONS[name]()
        assert got["shape"] == list(exp.shape), name
        onp.testing.assert_allclose(
            onp.array(got["values"], dtype=float),
            exp.reshape(-1).astype(float),
            err_msg=name,
        )
        return
    if want["kind"] == "error":
        assert got["kind"] == "error", f"{name}: MXNet raised {want['type']}, got {got}"
        return
    _close(got, want, name, random=name in RANDOM)


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradient(name):
    expr, data = GRAD_CASES[name]
    want = DATA["grads"][name]
    got = run_grad(expr, data, mx)
    _close(got["y"], want["y"], name)
    _close(got["grad"], want["grad"], name)
