"""SymbolBlock on the shared graph-run path: an imported model inside a
hybridized parent (composed into the parent's graph), exported with it and
imported again; deferred shapes, op hooks and freezing as for a HybridBlock."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon import gluon
from neogluon.gluon import nn

from .test_block import _fresh_names  # noqa: F401 - autouse: fresh name counters


def _exported_backbone(tmp_path, x):
    """A conv/BN/dense model with non-trivial running stats, exported."""
    bb = nn.HybridSequential(prefix="bb_")
    with bb.name_scope():
        bb.add(nn.Conv2D(4, 3, activation="relu"), nn.BatchNorm(), nn.Dense(5))
    bb.initialize(mx.init.Xavier())
    with mx.autograd.record():  # train mode: BatchNorm moves its running stats
        bb(x)
    bb.hybridize()
    ref = bb(x)
    bb.export(str(tmp_path / "bb"), epoch=3)
    return ref


def _imports(tmp_path, name, epoch):
    return gluon.SymbolBlock.imports(
        str(tmp_path / f"{name}-symbol.json"),
        ["data"],
        str(tmp_path / f"{name}-{epoch:04d}.params"),
    )


def test_imported_model_in_a_hybridized_parent_exports_and_reimports(tmp_path):
    x = mx.nd.random.normal(shape=(2, 3, 8, 8))
    ref = _exported_backbone(tmp_path, x)
    backbone = _imports(tmp_path, "bb", 3)
    np.testing.assert_array_equal(backbone(x).asnumpy(), ref.asnumpy())

    parent = nn.HybridSequential(prefix="top_")
    with parent.name_scope():
        stem = nn.Conv2D(3, 1, in_channels=3)
        head = nn.Dense(2, in_units=5)
    parent.add(stem, backbone, head)
    stem.initialize(mx.init.Normal(0.5))
    head.initialize(mx.init.Normal(0.5))
    eager = parent(x).asnumpy()  # the backbone runs its own graph here
    parent.hybridize()
    hybrid = parent(x).asnumpy()
    np.testing.assert_allclose(hybrid, eager, rtol=1e-5, atol=1e-6)
    # Composed: one graph holds the stem, the imported nodes and the head.
    graph = parent._last_graph.symbol
    args = graph.list_arguments()
    assert {"top_conv0_weight", "bb_conv0_weight", "top_dense0_weight"} <= set(args)
    assert "bb_batchnorm0_running_mean" in graph.list_auxiliary_states()

    parent.export(str(tmp_path / "parent"))
    saved = mx.nd.load(str(tmp_path / "parent-0000.params"))
    assert "aux:bb_batchnorm0_running_var" in saved and "arg:bb_dense0_bias" in saved
    again = _imports(tmp_path, "parent", 0)
    np.testing.assert_array_equal(again(x).asnumpy(), hybrid)
    again.hybridize()  # the re-imported model inside another trace
    np.testing.assert_array_equal(again(x).asnumpy(), hybrid)
    again.hybridize(static_alloc=True, static_shape=True)  # frozen copy
    np.testing.assert_allclose(again(x).asnumpy(), hybrid, rtol=1e-5, atol=1e-6)


def test_gradients_reach_an_imported_model_through_the_parent_graph(tmp_path):
    x = mx.nd.random.normal(shape=(2, 3, 8, 8))
    _exported_backbone(tmp_path, x)
    grads = []
    for hybridize in (False, True):
        backbone = _imports(tmp_path, "bb", 3)
        parent = nn.HybridSequential()
        parent.add(backbone)
        if hybridize:
            parent.hybridize()
        with mx.autograd.record():
            loss = (parent(x) ** 2).sum()
        loss.backward()
        w = backbone.params["bb_conv0_weight"]
        grads.append(w.grad().asnumpy())
    assert np.abs(grads[0]).sum() > 0
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-4, atol=1e-5)


def test_symbol_block_completes_deferred_shapes_on_first_call():
    data = mx.sym.var("data")
    out = mx.sym.FullyConnected(data, num_hidden=3, name="fc")
    blk = gluon.SymbolBlock(out, data)
    blk.initialize(mx.init.One())
    assert blk.params["fc_weight"].shape is None
    y = blk(mx.nd.ones((2, 4)))
    assert blk.params["fc_weight"].shape == (3, 4)
    # MXNet 1.9.1 prints 5s here: One() also fills a SymbolBlock's bias.
    np.testing.assert_array_equal(y.asnumpy(), np.full((2, 3), 5.0))
    with pytest.raises(ValueError, match=r"SymbolBlock expects 1 inputs \['data'\]"):
        blk(mx.nd.ones((2, 4)), mx.nd.ones((2, 4)))


def test_op_hook_fires_for_a_symbol_block_as_for_a_hybridized_block():
    data = mx.sym.var("data")
    out = mx.sym.relu(mx.sym.FullyConnected(data, num_hidden=2, name="fc"))
    blk = gluon.SymbolBlock(out, data)
    blk.initialize()
    seen = []
    blk.register_op_hook(lambda name, op, handle: seen.append((name, op)))
    blk(mx.nd.ones((1, 3)))
    ops = [op for _, op in seen]
    assert b"FullyConnected" in ops and b"relu" in ops


def test_symbol_block_refuses_row_sparse_variables():
    # MXNet 1.9.1 (test_gluon.py::test_sparse_symbol_block): AssertionError
    data = mx.sym.var("data")
    weight = mx.sym.var("weight", stype="row_sparse")
    out = mx.sym.broadcast_add(mx.sym.dot(data, weight), mx.sym.var("bias"))
    with pytest.raises(AssertionError, match="'weight'.*row_sparse"):
        gluon.SymbolBlock(out, data)
    csr_w = mx.sym.var("weight", stype="csr")  # only row_sparse is refused
    net = gluon.SymbolBlock(mx.sym.dot(data, csr_w), data)
    assert "weight" in net.collect_params()
