"""mx.viz vs MXNet 1.9.1 (fixtures from tools/fixtures/viz.py).

``print_summary`` text is compared EXACTLY (character for character, trailing
spaces included). ``plot_network`` needs the ``graphviz`` package, absent in
both environments: the fixture recorded every ``Digraph.node``/``edge`` call
real MXNet made into a stand-in class, and the tests install the same
stand-in here and compare the calls exactly.
"""

from __future__ import annotations

import contextlib
import io
import sys
import types

import numpy as np
import pytest

import neogluon as mx
from tests.conftest import load_fixture
from tools.fixtures import viz


def _summary(sym, shape, **kw) -> str:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert mx.viz.print_summary(sym, shape=shape, **kw) is None
    return buf.getvalue()


def test_aliases():
    assert mx.viz is mx.visualization


@pytest.mark.parametrize("case", sorted(viz.SUMMARY_CASES))
def test_print_summary_matches_mxnet(case):
    build, shape, kw = viz.SUMMARY_CASES[case]
    fx = load_fixture("viz", case)
    assert _summary(build(mx), shape, **kw) == fx["text"]


def test_print_summary_from_mxnet_json():
    # The graph MXNet itself serialized, loaded back: same table.
    fx = load_fixture("viz", "convnet")
    sym = mx.sym.load_json(fx["json"])
    assert _summary(sym, {"data": (1, 3, 16, 16)}) == fx["text"]


def test_print_summary_errors():
    with pytest.raises(TypeError, match="must be a Symbol"):
        mx.viz.print_summary("not a symbol")


@pytest.fixture
def fake_graphviz(monkeypatch):
    mod = types.ModuleType("graphviz")
    mod.Digraph = viz._RecordingDigraph
    monkeypatch.setitem(sys.modules, "graphviz", mod)
    return mod


@pytest.mark.parametrize("case", sorted(viz.PLOT_CASES))
def test_plot_network_matches_mxnet(case, fake_graphviz):
    build, kw = viz.PLOT_CASES[case]
    fx = load_fixture("viz", case)
    dot = mx.viz.plot_network(build(mx), title=case, **kw)
    # JSON round trip turns the recorded tuples into lists like the fixture.
    import json

    assert json.loads(json.dumps(dot.record)) == fx["graph"]


def test_plot_network_dtype_labels(fake_graphviz):
    dot = mx.viz.plot_network(
        viz.build_mlp(mx),
        shape={"data": (2, 100)},
        dtype={"data": np.float32, "softmax_label": np.float32},
    )
    labels = [e["attrs"]["label"] for e in dot.record["edges"]]
    assert labels[0] == "100(float32)"
    assert "128(float32)" in labels


def test_plot_network_without_graphviz(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    with pytest.raises(ImportError, match="'graphviz' Python package"):
        mx.viz.plot_network(viz.build_mlp(mx))
