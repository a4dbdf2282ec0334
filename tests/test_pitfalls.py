"""The behaviours of docs/mxnet-behaviours.md, "Behaviours matched exactly", probed
identically in MXNet 1.9.1 and here.

The probes live in ``tools/fixtures/pitfalls.py`` (one function per behaviour,
named ``b<NN>_...`` after its number in that list). Each returns observations:
numbers, shapes, dtype names, names, ``"raises <Type>"`` for calls that must
fail, and float arrays. The fixtures hold MXNet 1.9.1's observations; here the
same function runs with ``mx = neogluon`` and every observation must agree.
Float arrays: rtol 1e-5 / atol 1e-6 (float32, same formulas; a few optimizer
runs accumulate three steps: rtol 1e-5 still holds).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import neogluon as mx
from tests.conftest import FIXTURES
from tools.fixtures import pitfalls

FAMILY = FIXTURES / "pitfalls"


def _load(name: str) -> tuple[dict, dict]:
    path = FAMILY / f"{name}.npz"
    if not path.exists():
        raise FileNotFoundError(
            f"missing fixture {path}; regenerate with "
            ".venv-ref/bin/python tools/make_fixtures.py pitfalls"
        )
    with np.load(path, allow_pickle=False) as data:
        plain = json.loads(str(data["_json"]))
        arrays = {k[2:]: data[k] for k in data.files if k.startswith("a_")}
    return plain, arrays


def _compare(ours, theirs, path: str) -> None:
    if isinstance(theirs, dict):
        assert isinstance(ours, dict), f"{path}: expected a dict, got {ours!r}"
        assert sorted(ours) == sorted(theirs), f"{path}: keys differ"
        for k in theirs:
            _compare(ours[k], theirs[k], f"{path}.{k}")
    elif isinstance(theirs, list) and theirs and isinstance(theirs[0], (list, float)):
        assert isinstance(ours, list) and len(ours) == len(theirs), (
            f"{path}: MXNet gives {theirs!r}, neogluon {ours!r}"
        )
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            _compare(a, b, f"{path}[{i}]")
    elif isinstance(theirs, float) and not isinstance(ours, str):
        assert ours == pytest.approx(theirs, rel=1e-5, abs=1e-6, nan_ok=True), (
            f"{path}: MXNet gives {theirs!r}, neogluon {ours!r}"
        )
    elif isinstance(theirs, str) and theirs.startswith("raises "):
        # MXNet's exact exception type must be one neogluon's exception is.
        want = theirs[len("raises ") :].split("/")[0]
        got = ours[len("raises ") :].split("/") if isinstance(ours, str) else []
        assert str(ours).startswith("raises ") and want in got, (
            f"{path}: MXNet raises {want}, neogluon gives {ours!r}"
        )
    else:
        assert ours == theirs, f"{path}: MXNet gives {theirs!r}, neogluon {ours!r}"


@pytest.mark.parametrize(
    "name", sorted(set(pitfalls.PROBES) - {"b34_optimizers_catalogue"})
)
def test_behaviour_matches_mxnet(name):
    want_plain, want_arrays = _load(name)
    with warnings.catch_warnings():
        # Probes deliberately trigger MXNet's own warnings (unregistered
        # containers, stale gradients); those are tested elsewhere.
        warnings.simplefilter("ignore")
        plain, arrays = pitfalls.run_probe(pitfalls.PROBES[name], mx)
    _compare(plain, want_plain, name)
    assert sorted(arrays) == sorted(want_arrays), f"{name}: array observations differ"
    for k, want in want_arrays.items():
        got = arrays[k]
        assert got.shape == want.shape, f"{name}.{k}: shape {got.shape} != {want.shape}"
        np.testing.assert_allclose(
            got, want, rtol=1e-5, atol=1e-6, err_msg=f"{name}.{k}"
        )


def test_optimizer_catalogue_matches_mxnet():
    """MXNet's other optimizers: each one neogluon registers must match."""
    want_plain, want_arrays = _load("b34_optimizers_catalogue")
    assert not want_plain  # every optimizer ran in MXNet
    missing = sorted(
        {n for n, _ in pitfalls.OPTIMIZER_CATALOGUE.values()}
        - set(mx.optimizer.Optimizer.opt_registry)
    )
    cases = {
        k: v for k, v in pitfalls.OPTIMIZER_CATALOGUE.items() if v[0] not in missing
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with mx.name.NameManager():
            got = pitfalls._optimizer_runs(mx, cases)
    for k, v in got.items():
        assert isinstance(v, np.ndarray), f"{k}: {v}"
        np.testing.assert_allclose(v, want_arrays[k], rtol=1e-5, atol=1e-6, err_msg=k)
    if missing:
        pytest.skip(f"optimizers not implemented yet: {missing}")


def test_every_probe_has_a_fixture():
    stored = {p.stem for p in FAMILY.glob("*.npz")}
    assert stored == set(pitfalls.PROBES)
