"""Which outputs of a compiled graph are copies (symbol/codegen.py).

Each output of a hybridized block call is an array of its own, as in MXNet: an
input returned as is, a view of an input, or two outputs viewing the same
tensor are copied. A view of an intermediate result that no other output
shares (a reshape of the last layer's output) is handed out without a copy:
the copy was a whole extra pass over, e.g., a language model's logits.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

import neogluon as mx
from neogluon import autograd
from neogluon.gluon import nn


class _CountClones(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.clones = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func is torch.ops.aten.clone.default:
            self.clones += 1
        return func(*args, **(kwargs or {}))


class _DenseReshape(mx.gluon.HybridBlock):
    def __init__(self):
        super().__init__()
        self.dense = nn.Dense(6, in_units=4)

    def hybrid_forward(self, F, x):
        return self.dense(x).reshape((-1, 3))


class _Two(mx.gluon.HybridBlock):
    def __init__(self, kind):
        super().__init__()
        self.kind = kind

    def hybrid_forward(self, F, x):
        y = F.relu(x)
        if self.kind == "view_and_base":
            return y.reshape((-1,)), y
        if self.kind == "two_views":
            return y.reshape((-1,)), y.reshape((1, -1))
        if self.kind == "input":
            return x, y
        return x.reshape((-1,)), y  # a view of the input


@pytest.mark.parametrize("flags", [{}, {"static_alloc": True, "static_shape": True}])
def test_view_of_an_intermediate_is_not_copied(flags):
    net = _DenseReshape()
    net.initialize()
    net.hybridize(**flags)
    x = mx.nd.array(np.arange(8, dtype=np.float32).reshape(2, 4))
    expect = (
        x.asnumpy() @ net.dense.weight.data().asnumpy().T
        + net.dense.bias.data().asnumpy()
    ).reshape(-1, 3)
    net(x)  # trace and compile
    with autograd.record():
        with _CountClones() as count:
            out = net(x)
        out.backward()
    assert count.clones == 0
    np.testing.assert_allclose(out.asnumpy(), expect, rtol=1e-6, atol=1e-6)
    # its gradient reaches the weight as before (d sum / d W = column sums of x)
    np.testing.assert_allclose(
        net.dense.weight.grad().asnumpy(),
        np.tile(x.asnumpy().sum(0), (6, 1)),
        rtol=1e-6,
    )


@pytest.mark.parametrize("kind", ["view_and_base", "two_views", "input", "input_view"])
def test_aliasing_outputs_are_separate_arrays(kind):
    net = _Two(kind)
    net.hybridize()
    x = mx.nd.array([[1.0, -2.0], [3.0, -4.0]])
    keep = x.asnumpy().copy()
    a, b = net(x)
    a[:] = 100.0  # writing one output changes neither the other nor the input
    assert not np.any(b.asnumpy() == 100.0)
    np.testing.assert_array_equal(x.asnumpy(), keep)
    b[:] = -7.0
    assert np.all(a.asnumpy() == 100.0)
    np.testing.assert_array_equal(x.asnumpy(), keep)
