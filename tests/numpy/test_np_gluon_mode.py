"""Gluon under numpy semantics (issue 8): behaviours of MXNet 1.9.1's
test_numpy_gluon.py / test_numpy_ndarray.py checked without MXNet."""

from __future__ import annotations

import numpy as onp

import neogluon as mx
from neogluon import gluon
from neogluon import np
from neogluon import npx
from neogluon.util import use_np


def test_swish_in_np_mode_uses_npx_sigmoid():
    npx.set_np()
    try:
        act = gluon.nn.Swish(beta=2.0)
        x = np.array([-1.0, 0.0, 2.0])
        out = act(x)
        assert type(out) is np.ndarray
        ref = x.asnumpy() / (1 + onp.exp(-2.0 * x.asnumpy()))
        onp.testing.assert_allclose(out.asnumpy(), ref, rtol=1e-6)
    finally:
        npx.reset_np()


def test_use_np_block_makes_np_parameters():
    @use_np
    class Block(gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            with self.name_scope():
                self.w = self.params.get("w", shape=(3, 4), allow_deferred_init=True)

        def hybrid_forward(self, F, x, w):  # noqa: N803 - MXNet's name
            return F.np.dot(x, w)

    class Legacy(gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            with self.name_scope():
                self.w = self.params.get("w", shape=(3, 4), allow_deferred_init=True)

        def hybrid_forward(self, F, x, w):  # noqa: N803 - MXNet's name
            return F.dot(x, w)

    x = mx.nd.ones((2, 3))
    for hybridize in (False, True):
        net = Block()
        net.initialize()
        if hybridize:
            net.hybridize()
        out = net(x.as_np_ndarray())
        assert type(out) is np.ndarray
        for p in net.collect_params().values():
            assert type(p.data()) is np.ndarray  # called outside np mode
        old = Legacy()
        old.initialize()
        if hybridize:
            old.hybridize()
        old(x)
        for p in old.collect_params().values():
            assert type(p.data()) is mx.nd.NDArray


def test_use_np_block_hybridized_returns_np_outputs():
    @use_np
    class Two(gluon.HybridBlock):
        def hybrid_forward(self, F, x):  # noqa: N803 - MXNet's name
            return F.np.add(x, x), F.np.multiply(x, x)

    net = Two()
    x = np.ones((2, 3))
    for hybridize in (False, True):
        if hybridize:
            net.hybridize()
        a, b = net(x)
        assert type(a) is np.ndarray and type(b) is np.ndarray
        assert a.asnumpy().tolist() == [[2.0] * 3] * 2


def test_np_setitem_with_negative_step_slices():
    base = onp.arange(48).reshape(4, 12)
    cases = [
        ((slice(None), slice(None, None, -1)), 5),
        ((slice(3, 0, -2),), onp.arange(12)),
        ((slice(None), slice(10, 2, -3)), onp.arange(3)),
        ((slice(None, None, -1), None, slice(1, None)), onp.ones((1, 11))),
    ]
    for key, val in cases:
        x = np.array(base)
        x[key] = np.array(val) if isinstance(val, onp.ndarray) else val
        want = base.copy()
        want[key] = val
        onp.testing.assert_array_equal(x.asnumpy(), want)


def test_graph_slice_with_an_empty_backward_range():
    # x[:, 3:-1:-1] is empty in numpy; a hybridized graph's slice agrees
    x = mx.nd.arange(24).reshape(4, 6)
    out = mx.nd.slice(x, begin=(None, 3), end=(None, -1), step=(None, -1))
    assert out.shape == (4, 0)
    out = mx.nd.slice(x, begin=(None, 3), end=(None, 1), step=(None, -1))
    onp.testing.assert_array_equal(out.asnumpy(), x.asnumpy()[:, 3:1:-1])


def test_nd_setitem_with_index_arrays_and_new_axes():
    # MXNet's test_ndarray_indexing: x[key] = v where key mixes index arrays
    # and None (numpy places the index-array axes first when None separates them)
    base = onp.arange(8 * 16 * 9 * 9).reshape(8, 16, 9, 9)
    keys = [
        ([1, 2], slice(3, 5), None, None, [3, 4]),
        (slice(None), slice(3, 5), None, [2, 3], None, [3, 4]),
        (None, slice(None), None, slice(3, 5), [2, 3], None, [3, 4]),
    ]
    rng = onp.random.default_rng(0)
    for key in keys:
        shape = base[key].shape
        for v in (rng.integers(-100, 0, shape), rng.integers(-100, 0, shape[-1:])):
            x = mx.nd.array(base)
            x[key] = mx.nd.array(v)
            want = base.copy()
            want[key] = v
            onp.testing.assert_array_equal(x.asnumpy(), want)
