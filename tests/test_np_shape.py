"""Numpy shape semantics (``mx.np_shape``): the thread-local switch, eager 0-d
and zero-size arrays, and symbolic shape inference with ``-1`` for unknown
dims, against fixtures from real MXNet 1.9.1 (tools/fixtures/np_shape.py)."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures" / "mxnet-1.9.1" / "np_shape" / "cases.json"
sys.path.insert(0, str(ROOT / "tools"))
from fixtures.np_shape import build_cases  # noqa: E402

CASES = json.loads(FIX.read_text())


@pytest.fixture(autouse=True)
def _legacy_after():
    yield
    mx.set_np_shape(False)


def test_switch_and_scope():
    assert mx.is_np_shape() is False
    assert mx.set_np_shape(True) is False
    assert mx.is_np_shape() is True
    assert mx.util.is_np_shape() is True
    assert mx.set_np_shape(False) is True
    with mx.np_shape():
        assert mx.is_np_shape()
        with mx.np_shape(False):
            assert not mx.is_np_shape()
        assert mx.is_np_shape()
    assert not mx.is_np_shape()


def test_scope_restores_on_error():
    with pytest.raises(RuntimeError), mx.np_shape(True):
        raise RuntimeError("boom")
    assert not mx.is_np_shape()


def test_thread_local():
    mx.set_np_shape(True)
    seen = []
    t = threading.Thread(target=lambda: seen.append(mx.is_np_shape()))
    t.start()
    t.join()
    assert seen == [False]
    assert mx.is_np_shape()


def test_decorator_function():
    @mx.use_np_shape
    def scalar_one():
        """Scalar one."""
        return mx.is_np_shape(), mx.nd.ones(shape=())

    assert scalar_one.__name__ == "scalar_one"
    assert scalar_one.__doc__ == "Scalar one."
    for active in (True, False):
        with mx.np_shape(active):
            on, arr = scalar_one()
            assert on and arr.shape == ()
            assert mx.is_np_shape() is active


def test_decorator_class():
    @mx.use_np_shape
    class Thing:
        def method(self):
            return mx.is_np_shape()

        @property
        def prop(self):
            return mx.is_np_shape()

    t = Thing()
    assert t.method() is True and t.prop is True
    assert mx.is_np_shape() is False
    with pytest.raises(TypeError, match="use_np_shape"):
        mx.use_np_shape(3)


def test_eager_zero_dim_and_zero_size():
    with mx.np_shape():
        a = mx.nd.ones(())
        assert a.shape == () and a.asnumpy() == np.ones(())
        z = mx.nd.zeros((0, 3))
        assert z.shape == (0, 3) and z.asnumpy().shape == (0, 3)
        c = mx.nd.concat(mx.nd.ones((0, 3)), mx.nd.ones((2, 3)), dim=0)
        assert c.shape == (2, 3)


def _check_refines(ours, ref, where):
    """``ours`` equals MXNet's result, or is a refinement of it: neogluon's
    inference runs both directions, so it may know dims MXNet leaves -1 / None."""
    assert len(ours) == len(ref), where
    for o, r in zip(ours, ref, strict=True):
        if r is None:
            continue
        assert o is not None, where
        assert len(o) == len(r), (where, o, r)
        for do, dr in zip(o, r, strict=True):
            assert dr == -1 or do == dr, (where, o, r)
            assert do == -1 or do > 0, (where, o, r)


@pytest.mark.parametrize("name", sorted(CASES))
def test_infer_shape_partial_vs_mxnet(name):
    sym, shapes = build_cases(mx)[name]
    case = CASES[name]
    assert {k: list(v) for k, v in shapes.items()} == case["shapes"]
    with mx.np_shape(True):
        a, o, x = sym.infer_shape_partial(**shapes)
    ours = {"arg": a, "out": o, "aux": x}
    for key in ("arg", "out", "aux"):
        ref = [None if s is None else tuple(s) for s in case["np"][key]]
        got = [None if s is None else tuple(s) for s in ours[key]]
        if name != "batch_dot_two_unknown":
            assert got == ref, (name, key, got, ref)
        else:
            _check_refines(got, ref, (name, key))
    # legacy mode on the same graph: 0 for unknown dims, () for unknown rank
    legacy = {k: tuple(0 if d == -1 else d for d in v) for k, v in shapes.items()}
    a, o, x = sym.infer_shape_partial(**legacy)
    ours = {"arg": a, "out": o, "aux": x}
    for key in ("arg", "out", "aux"):
        ref = [tuple(s) for s in case["legacy"][key]]
        got = [tuple(s) for s in ours[key]]
        if name != "batch_dot_two_unknown":
            assert got == ref, (name, key, got, ref)


def test_batch_dot_two_unknown_resolves_more():
    # documented difference: MXNet 1.9.1 gives None; neogluon infers forward.
    sym, shapes = build_cases(mx)["batch_dot_two_unknown"]
    with mx.np_shape(True):
        assert sym.infer_shape_partial(**shapes)[1] == [(-1, 3, 5)]


def test_variable_shape_attr_np_mode():
    with mx.np_shape():
        v = mx.sym.var("data", shape=(-1, 20))
        out = mx.sym.slice(v, begin=(None, None), end=(None, 10), step=(None, 2))
        assert out.infer_shape_partial()[1] == [(-1, 5)]
        s = mx.sym.sin(mx.sym.var("s", shape=()))
        assert s.infer_shape() == ([()], [()], [])
        full = mx.sym.sin(mx.sym.var("f", shape=(2, 3)))
        assert full.infer_shape() == ([(2, 3)], [(2, 3)], [])
    # legacy: the same attribute "()" means unknown rank
    assert mx.sym.sin(mx.sym.var("s", shape=())).infer_shape_partial()[1] == [()]


def test_real_zero_dim_in_symbolic_inference_raises():
    x = mx.sym.var("x")
    with mx.np_shape():
        with pytest.raises(
            MXNetError, match=r"zero-size dims.*\(0, 3\)|\(0, 3\).*zero-size"
        ):
            mx.sym.sin(x).infer_shape(x=(0, 3))
        with pytest.raises(MXNetError, match="zero-size dims"):
            mx.sym.sin(mx.sym.var("z", shape=(4, 0))).infer_shape_partial()
        with pytest.raises(MXNetError, match="-1 for an unknown dim"):
            mx.sym.sin(x).infer_shape_partial(x=(-2, 3))
    # legacy mode: 0 still means unknown
    assert mx.sym.sin(x).infer_shape_partial(x=(0, 3))[1] == [(0, 3)]


def test_tile_zero_reps_only_under_np_shape():
    # MXNet 1.9.1 (test_operator::test_tile): legacy mode rejects 0 and negative
    # reps; numpy shape semantics make 0 a zero-size axis.
    x = mx.nd.ones((2, 3))
    for reps in ((1, 0, 3), (1, 2, -3)):
        with pytest.raises(mx.MXNetError, match="reps .* must be positive"):
            mx.nd.tile(x, reps)
    with mx.np_shape(True):
        assert mx.nd.tile(x, (1, 0, 3)).shape == (1, 0, 9)
        with pytest.raises(mx.MXNetError):
            mx.nd.tile(x, (1, 2, -3))


def test_one_hot_zero_depth_is_an_empty_axis():
    # MXNet 1.9.1 (test_operator::test_one_hot, legacy mode too).
    out = mx.nd.one_hot(mx.nd.ones((2, 4)), depth=0, dtype="int32")
    assert out.shape == (2, 4, 0) and out.dtype == np.int32


JSON_IO = json.loads((FIX.parent / "json_io.json").read_text())


def test_symbol_json_under_np_shape_matches_mxnet():
    # MXNet 1.9.1 marks a graph saved under np_shape with the is_np_shape
    # graph attribute; one saved without it is a legacy file.
    from fixtures.np_shape import fc_net

    assert fc_net(mx).tojson() == JSON_IO["legacy_json"]
    with mx.np_shape(True):
        assert fc_net(mx).tojson() == JSON_IO["np_json"]


def test_legacy_json_loaded_under_np_shape_reads_zero_as_unknown():
    # MXNet's ConvertShapeAttrToNumPyCompatible: a legacy file's 0 dims in a
    # variable's __shape__ become -1 when it is loaded under np_shape.
    with mx.np_shape(True):
        net = mx.sym.load_json(JSON_IO["legacy_json"])
        attr = net.get_internals()["weight"].attr("__shape__")
        assert attr == JSON_IO["np_loaded_legacy_weight_attr"]
        a, o, x = net.infer_shape(data=(10, 784))
        got = [[list(s) for s in a], [list(s) for s in o], [list(s) for s in x]]
        assert got == JSON_IO["np_loaded_legacy_infer"]
        # a file written under np_shape keeps its 0: a real zero-size dim
        np_net = mx.sym.load_json(JSON_IO["np_json"])
        attr = np_net.get_internals()["weight"].attr("__shape__")
        assert attr == JSON_IO["np_loaded_np_weight_attr"]
    legacy = mx.sym.load_json(JSON_IO["legacy_json"])
    attr = legacy.get_internals()["weight"].attr("__shape__")
    assert attr == JSON_IO["legacy_loaded_weight_attr"]


@pytest.mark.parametrize("hybridize", [False, True])
def test_deferred_dense_under_np_shape(hybridize):
    # MXNet writes a parameter's unknown dims as -1 under np_shape, so
    # deferred initialization infers them (test_gluon.py::test_np_shape_parameters)
    with mx.np_shape(True):
        dense = mx.gluon.nn.Dense(16)
        dense.initialize()
        if hybridize:
            dense.hybridize()
        out = dense(mx.nd.zeros((2, 2016)))
        got = [list(out.shape), list(dense.weight.data().shape)]
    assert got == JSON_IO["dense_out_and_weight"]
