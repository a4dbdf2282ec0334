"""Gradient buffers and the tensors torch's backward returns.

``backward`` may make a fresh gradient tensor the variable's buffer instead of
copying it (F.linear's weight gradient, a transposed view of a fresh matrix),
but never a tensor something else can reach: a head gradient the user passed
(or a view of it), a tensor returned for two variables, what a user's
``autograd.Function`` returned. Each case below would alias two arrays if the
buffer took that tensor; MXNet's buffers are always separate memory.
"""

from __future__ import annotations

import numpy as np

import neogluon as mx
from neogluon import autograd as ag
from neogluon import nd


def _var(values, grad_req="write"):
    x = nd.array(values)
    x.attach_grad(grad_req)
    return x


def test_sum_of_two_variables_gives_separate_buffers():
    # AddBackward returns one tensor for both inputs.
    a, b = _var([1.0, 2.0]), _var([3.0, 4.0])
    with ag.record():
        y = a + b
    y.backward()
    a.grad[:] *= 2
    np.testing.assert_array_equal(a.grad.asnumpy(), [2.0, 2.0])
    np.testing.assert_array_equal(b.grad.asnumpy(), [1.0, 1.0])


def test_gradient_and_its_view_give_separate_buffers():
    # One tensor reaches a directly and b through a reshape.
    a, b = _var([1.0, 2.0]), _var([[3.0, 4.0]])
    with ag.record():
        y = a + b.reshape((2,))
    y.backward()
    a.grad[:] = 0
    np.testing.assert_array_equal(b.grad.asnumpy(), [[1.0, 1.0]])


def test_two_views_of_one_gradient_give_separate_buffers():
    a, b = _var([[1.0, 2.0]]), _var([[3.0], [4.0]])
    with ag.record():
        y = a.reshape((2,)) + b.reshape((2,))
    y.backward()
    a.grad[:] = 0
    np.testing.assert_array_equal(b.grad.asnumpy(), [[1.0], [1.0]])


def test_head_gradient_passed_through_is_copied():
    x = _var([1.0, 2.0])
    hg = nd.array([5.0, 6.0])
    with ag.record():
        y = x + 0
    y.backward(hg)
    hg[:] = 0
    np.testing.assert_array_equal(x.grad.asnumpy(), [5.0, 6.0])
    x.grad[:] = 7
    np.testing.assert_array_equal(hg.asnumpy(), [0.0, 0.0])


def test_view_of_head_gradient_is_copied():
    x = _var([1.0, 2.0, 3.0, 4.0])
    hg = nd.array([[5.0, 6.0], [7.0, 8.0]])
    with ag.record():
        y = x.reshape((2, 2))
    y.backward(hg)
    hg[:] = 0
    np.testing.assert_array_equal(x.grad.asnumpy(), [5.0, 6.0, 7.0, 8.0])


def test_transposed_head_gradient_is_copied():
    # The gradient of x.T is the transposed view of the head gradient (a
    # contiguous one for a column).
    x = _var([[1.0], [2.0]])
    hg = nd.array([[5.0, 6.0]])
    with ag.record():
        y = x.T
    y.backward(hg)
    hg[:] = 0
    np.testing.assert_array_equal(x.grad.asnumpy(), [[5.0], [6.0]])


def test_slices_of_one_gradient_are_copied():
    # concat's backward hands each input a slice of one tensor.
    a, b = _var([[1.0, 2.0]]), _var([[3.0, 4.0]])
    with ag.record():
        y = nd.concat(a, b, dim=0) * nd.array([[1.0, 2.0], [3.0, 4.0]])
    y.backward()
    a.grad[:] = 0
    np.testing.assert_array_equal(b.grad.asnumpy(), [[3.0, 4.0]])
    np.testing.assert_array_equal(a.grad.asnumpy(), [[0.0, 0.0]])


def test_gradient_a_user_function_returned_is_copied():
    kept = nd.array([9.0, 9.0])

    class Keep(ag.Function):
        def forward(self, x):
            return x * 1

        def backward(self, dy):
            return kept  # an array the user still holds

    x = _var([1.0, 2.0])
    with ag.record():
        y = Keep()(x)
    y.backward()
    x.grad[:] = 0
    np.testing.assert_array_equal(kept.asnumpy(), [9.0, 9.0])


def test_user_function_returning_a_view_is_copied():
    kept = nd.array([[1.0, 2.0], [3.0, 4.0]])

    class KeepView(ag.Function):
        def forward(self, x):
            return x * 1

        def backward(self, dy):
            return kept.reshape((4,))  # a view of an array the user still holds

    x = _var([0.0, 0.0, 0.0, 0.0])
    with ag.record():
        y = KeepView()(x)
    y.backward()
    x.grad[:] = 0
    np.testing.assert_array_equal(kept.asnumpy(), [[1.0, 2.0], [3.0, 4.0]])


def test_user_function_gradient_viewed_by_a_later_node_is_copied():
    # The Function's result reaches the variable through a reshape: the
    # buffer would be a view of the user's array.
    kept = nd.array([1.0, 2.0, 3.0, 4.0])

    class Keep(ag.Function):
        def forward(self, x):
            return x * 1

        def backward(self, dy):
            return kept

    x = _var([[0.0, 0.0], [0.0, 0.0]])
    with ag.record():
        y = Keep()(x.reshape((4,)))
    y.backward()
    x.grad[:] = 0
    np.testing.assert_array_equal(kept.asnumpy(), [1.0, 2.0, 3.0, 4.0])


def test_retain_graph_passes_give_fresh_separate_buffers():
    a, b = _var([1.0, 2.0]), _var([3.0, 4.0])
    hg = nd.array([1.0, 1.0])
    with ag.record():
        y = a + b
    y.backward(hg, retain_graph=True)
    first = a.grad.asnumpy()
    hg[:] = 3
    y.backward(hg)
    np.testing.assert_array_equal(first, [1.0, 1.0])
    np.testing.assert_array_equal(a.grad.asnumpy(), [3.0, 3.0])
    np.testing.assert_array_equal(b.grad.asnumpy(), [3.0, 3.0])
    hg[:] = 0
    a.grad[:] = 5
    np.testing.assert_array_equal(b.grad.asnumpy(), [3.0, 3.0])


def test_add_request_accumulates_without_aliasing_the_head_gradient():
    x = _var([1.0, 2.0], grad_req="add")
    hg = nd.array([5.0, 6.0])
    for _ in range(2):
        with ag.record():
            y = x + 0
        y.backward(hg)
    hg[:] = 0
    np.testing.assert_array_equal(x.grad.asnumpy(), [10.0, 12.0])


def test_dense_gradients_are_adopted_not_copied():
    # The fast path: F.linear's weight and bias gradients are views of fresh
    # tensors nobody else holds; the buffer takes them (no copy), and the
    # gradient NDArray objects stay the same.
    net = mx.gluon.nn.Dense(3, in_units=4)
    net.initialize()
    w, b = net.weight, net.bias
    grads = [w.grad(), b.grad()]
    before = [g._data for g in grads]
    x = nd.array(np.arange(8, dtype=np.float32).reshape(2, 4))
    with ag.record():
        y = net(x)
    y.backward()
    assert w.grad() is grads[0] and b.grad() is grads[1]
    assert all(g._data is not t for g, t in zip(grads, before, strict=True))
    np.testing.assert_allclose(w.grad().asnumpy(), np.tile(x.asnumpy().sum(0), (3, 1)))
    np.testing.assert_array_equal(b.grad().asnumpy(), [2.0, 2.0, 2.0])


def test_adopted_gradient_can_be_written_while_recording():
    # The adopted weight gradient came from a view torch made in no-grad mode;
    # writing a recorded value into the buffer must work as into any array.
    net = mx.gluon.nn.Dense(3, in_units=4)
    net.initialize()
    with ag.record():
        y = net(nd.ones((2, 4)))
    y.backward()
    g = net.weight.grad()
    z = _var(np.ones((3, 4), dtype=np.float32))
    with ag.record():
        g[:] = z * 2
        s = (g * 3).sum()
    s.backward()
    np.testing.assert_array_equal(z.grad.asnumpy(), np.full((3, 4), 6.0))
