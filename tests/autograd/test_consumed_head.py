"""A head whose graph a backward pass consumed (no ``retain_graph``).

Checked against MXNet 1.9.1 by hand: a later recording that uses the head
sees a constant (the gradient does not flow back into the consumed graph),
and a second backward from the head itself fails.
"""

from __future__ import annotations

import numpy as np
import pytest

from neogluon import autograd as ag
from neogluon import nd
from neogluon.base import MXNetError


def test_consumed_head_is_a_constant_in_a_later_recording():
    x, y = nd.ones(2), nd.ones(2)
    x.attach_grad()
    y.attach_grad()
    with ag.record():
        z = x * 2
    z.backward()
    with ag.record():
        w = z * y * 3
    w.backward()  # MXNet 1.9.1: x.grad [2, 2], y.grad [6, 6]
    np.testing.assert_array_equal(x.grad.asnumpy(), [2.0, 2.0])
    np.testing.assert_array_equal(y.grad.asnumpy(), [6.0, 6.0])
    with pytest.raises(MXNetError, match="retain_graph=True"):
        z.backward()


def test_every_wrapper_of_a_consumed_head_is_consumed():
    x = nd.ones(2)
    x.attach_grad()
    with ag.record():
        z = x * 2
        z_np = z.as_np_ndarray()  # a second array on the same tensor
    z.backward()
    with pytest.raises(MXNetError, match="retain_graph=True"):
        ag.backward([z_np])
    np.testing.assert_array_equal(x.grad.asnumpy(), [2.0, 2.0])


def test_retained_head_keeps_its_graph():
    x = nd.ones(2)
    x.attach_grad(grad_req="add")
    with ag.record():
        z = x * 2
    z.backward(retain_graph=True)
    z.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [4.0, 4.0])
    with pytest.raises(MXNetError, match="retain_graph=True"):
        z.backward()


def test_grad_consumes_its_heads():
    x = nd.ones(2)
    x.attach_grad()
    with ag.record():
        z = x * 2
    (g,) = ag.grad(z, [x])
    np.testing.assert_array_equal(g.asnumpy(), [2.0, 2.0])
    with pytest.raises(MXNetError, match="retain_graph=True"):
        ag.grad(z, [x])
