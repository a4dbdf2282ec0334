"""A graph is consumed by a backward pass without ``retain_graph`` (MXNet 1.9.1).

Both ``mx.autograd`` and the legacy ``mx.contrib.autograd`` (which delegates to
it) must refuse to differentiate the same graph a second time, even when torch
would allow it (``x + 1`` saves no buffers). Outcomes checked against real
MXNet 1.9.1 by hand for each sequence below (no numbers, so no fixture).
"""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from neogluon.contrib import autograd as cag


def _var(req="write"):
    x = mx.nd.ones((2,))
    dx = mx.nd.zeros((2,))
    mx.autograd.mark_variables([x], [dx], grad_reqs=req)
    return x, dx


def test_second_backward_without_retain_graph_fails():
    x, dx = _var("add")
    with mx.autograd.record():
        y = x + 1
    y.backward()
    with pytest.raises(MXNetError, match="retain_graph=True"):
        y.backward()
    # The failed pass added nothing.
    assert (dx.asnumpy() == 1).all()


def test_retain_graph_allows_one_more_pass():
    x, dx = _var("add")
    with mx.autograd.record():
        y = x + 1
    y.backward(retain_graph=True)
    y.backward(retain_graph=False)
    assert (dx.asnumpy() == 2).all()
    with pytest.raises(MXNetError):
        y.backward()


def test_consumer_of_a_consumed_graph_fails():
    x, _ = _var()
    with mx.autograd.record():
        y = x * 2
        z = y * 3
    y.backward()
    with pytest.raises(MXNetError):
        z.backward()


def test_grad_consumes_the_graph_unless_retained():
    x, _ = _var()
    with mx.autograd.record():
        y = x + 1
    mx.autograd.grad(y, [x], retain_graph=True)
    y.backward()
    with mx.autograd.record():
        y = x + 1
    mx.autograd.grad(y, [x])
    with pytest.raises(MXNetError):
        mx.autograd.grad(y, [x])


def test_new_graph_each_iteration_is_fine():
    x, dx = _var()
    for i in range(3):
        with mx.autograd.record():
            y = x * (i + 1)
        y.backward()
        np.testing.assert_array_equal(dx.asnumpy(), [i + 1, i + 1])


def test_contrib_autograd_second_backward_fails():
    x = mx.nd.ones((2,))
    dx = mx.nd.zeros((2,))
    cag.mark_variables([x], [dx], grad_reqs="add")
    with cag.train_section():
        y = x + 1
        y.backward(retain_graph=True)
        y.backward(retain_graph=False)
    assert (dx.asnumpy() == 2).all()
    with cag.train_section():
        y = x + 1
        cag.backward([y])
        with pytest.raises(MXNetError, match="second time"):
            cag.backward([y])
    assert (dx.asnumpy() == 3).all()
