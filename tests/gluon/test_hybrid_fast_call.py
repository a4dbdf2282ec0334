"""The fast path of hybridized block calls (``HybridBlock.__call__`` ->
``_graph_run.run_arrays``): every call that takes it must give what the full
call path gives, and whatever it cannot check must send it back there."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon import autograd
from neogluon import nd
from neogluon.base import MXNetError
from neogluon.gluon import HybridBlock
from neogluon.gluon import nn


class Relu(HybridBlock):
    def hybrid_forward(self, F, x):
        return F.relu(x)


class AddMul(HybridBlock):
    def hybrid_forward(self, F, x, y):
        return x + y, x * y


@pytest.fixture
def full_calls(monkeypatch):
    """Counts the calls that take the full path (``run_graph``)."""
    from neogluon.gluon import _hybrid_block

    calls = []
    real = _hybrid_block.run_graph

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(_hybrid_block, "run_graph", counting)
    return calls


def _x(shape=(2, 3), dtype="float32"):
    return nd.array(np.arange(np.prod(shape)).reshape(shape) - 2.5, dtype=dtype)


@pytest.mark.parametrize("static", [False, True])
def test_repeated_calls_take_the_fast_path_and_match_eager(static, full_calls):
    net = nn.Dense(4, in_units=3)
    net.initialize()
    x = _x()
    want = net(x).asnumpy()  # eager
    net.hybridize(static_alloc=static, static_shape=static)
    for _ in range(3):
        np.testing.assert_allclose(net(x).asnumpy(), want, rtol=1e-6)
    assert net._fast.get(1) is net._last_graph is not None
    assert len(full_calls) == 1


def test_reinitialised_parameters_are_used():
    net = nn.Dense(4, in_units=3)
    net.initialize(mx.init.One())
    net.hybridize()
    x = _x()
    first = net(x).asnumpy()
    net(x)
    net.initialize(mx.init.Constant(2.0), force_reinit=True)
    np.testing.assert_allclose(net(x).asnumpy(), 2 * first, rtol=1e-6)
    net.weight.set_data(nd.zeros((4, 3)))  # written in place
    np.testing.assert_allclose(net(x).asnumpy(), np.zeros((2, 4)))
    net.bias.set_data(nd.ones((4,)))
    np.testing.assert_allclose(net(x).asnumpy(), np.ones((2, 4)))


@pytest.mark.parametrize("static", [False, True])
def test_parameters_moved_to_another_context(static):
    net = nn.Dense(2, in_units=3)
    net.initialize(mx.init.One())
    net.hybridize(static_alloc=static, static_shape=static)
    x = _x()
    net(x), net(x)
    net.collect_params().reset_ctx(mx.cpu(1))
    with pytest.raises(RuntimeError, match="not initialized on context cpu"):
        net(x)
    y = net(x.as_in_context(mx.cpu(1)))
    assert y.context == mx.cpu(1)
    np.testing.assert_allclose(
        y.asnumpy(), np.repeat(x.asnumpy().sum(1)[:, None], 2, 1)
    )
    net.collect_params().reset_ctx(mx.cpu(0))
    assert net(x).context == mx.cpu(0)


def test_changed_grad_req_detaches_the_gathered_arrays():
    net = nn.Dense(2, in_units=3)
    net.initialize()
    net.hybridize()
    x = _x()
    net(x), net(x)
    arrays = net.weight._data
    net.weight.grad_req = "null"
    assert net.weight._data is not arrays
    with autograd.record():
        y = net(x)
    y.backward()  # no error: the output still depends on x only through bias
    net.weight.grad_req = "write"
    with autograd.record():
        y = net(x).sum()
    y.backward()
    expect = np.broadcast_to(x.asnumpy().sum(0), (2, 3))
    np.testing.assert_allclose(net.weight.grad().asnumpy(), expect, rtol=1e-6)


@pytest.mark.parametrize("static", [False, True])
def test_changed_input_dtype_and_shape(static):
    net = Relu()
    net.hybridize(static_alloc=static, static_shape=static)
    x = _x()
    net(x), net(x)
    y = net(_x(dtype="float64"))
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y.asnumpy(), np.maximum(_x().asnumpy(), 0))
    z = net(_x((4, 1)))
    assert z.shape == (4, 1)
    assert len(net._cache) == 1  # structure unchanged: one traced graph


def test_recorded_calls_give_gradients():
    net = nn.Dense(2, in_units=3)
    net.initialize(mx.init.One())
    net.hybridize()
    x = _x()
    x.attach_grad()
    for _ in range(2):  # second round: fast path
        with autograd.record():
            y = net(x).sum()
        y.backward()
        np.testing.assert_allclose(x.grad.asnumpy(), 2 * np.ones((2, 3)))
        np.testing.assert_allclose(net.bias.grad().asnumpy(), [2.0, 2.0])


def test_several_inputs_and_outputs(full_calls):
    net = AddMul()
    net.hybridize()
    a, b = _x(), _x() * 2
    for _ in range(3):
        s, p = net(a, b)
        np.testing.assert_allclose(s.asnumpy(), 3 * a.asnumpy())
        np.testing.assert_allclose(p.asnumpy(), 2 * a.asnumpy() ** 2)
    assert set(net._fast) == {2}
    assert len(full_calls) == 1
    # a nested structure and None are other cache entries: the full path
    s, p = net(a, b)
    with pytest.raises(TypeError):
        net(a)  # hybrid_forward needs y


def test_other_context_tag_and_mixed_contexts_go_the_full_way():
    net = Relu()
    net.hybridize()
    x = _x()
    net(x), net(x)
    y = net(x.as_in_context(mx.cpu(1)))
    assert y.context == mx.cpu(1)
    assert net(x).context == mx.cpu(0)
    addmul = AddMul()
    addmul.hybridize()
    addmul(x, x), addmul(x, x)
    with pytest.raises(ValueError, match="one context"):
        addmul(x, x.as_in_context(mx.cpu(1)))


def test_hooks_registered_later_fire():
    net = Relu()
    net.hybridize()
    x = _x()
    net(x), net(x)
    seen = []
    net.register_forward_pre_hook(lambda blk, args: seen.append("pre"))
    net.register_forward_hook(lambda blk, args, out: seen.append("post"))
    net(x)
    assert seen == ["pre", "post"]


def test_op_hook_registered_later_fires():
    net = Relu()
    net.hybridize()
    x = _x()
    net(x), net(x)
    names = []
    net.register_op_hook(lambda name, op, arr: names.append(op))
    net(x)
    assert names and all(isinstance(n, bytes) for n in names)


def test_overridden_forward_runs_on_every_call():
    class Counting(Relu):
        calls = 0

        def forward(self, x, *args):
            type(self).calls += 1
            return super().forward(x, *args)

    net = Counting()
    net.hybridize()
    for _ in range(3):
        net(_x())
    assert Counting.calls == 3
    assert not net._fast


def test_numpy_semantics_outputs_stay_np_arrays():
    net = Relu()
    net.hybridize()
    x = _x()
    net(x), net(x)
    with mx.util.np_array(True):
        y = net(x)
    assert isinstance(y, mx.np.ndarray)
    assert type(net(x)) is nd.NDArray


def test_errors_name_the_block_on_the_fast_path():
    net = nn.Dense(2, in_units=3, prefix="fastdense_")
    net.initialize()
    net.hybridize()
    net(_x()), net(_x())
    with pytest.raises(MXNetError, match="fastdense_"):
        net(_x((2, 5)))


def test_unhybridize_and_clear_drop_the_fast_entry():
    net = Relu()
    net.hybridize()
    net(_x()), net(_x())
    assert net._fast
    net.hybridize(active=False)
    assert not net._fast
    np.testing.assert_array_equal(net(_x()).asnumpy(), np.maximum(_x().asnumpy(), 0))
    assert not net._fast


class Sum(HybridBlock):
    def hybrid_forward(self, F, x, *args):
        for a in args:
            x = x + a
        return x


def test_evicted_graph_leaves_the_fast_table():
    net = Sum()
    net.hybridize()
    a = _x()
    net(a, a)
    assert 2 in net._fast
    for n in range(3, net._MAX_CACHE + 3):  # other structures evict (a, a)'s graph
        net(*[a] * n)
    assert 2 not in net._fast
    assert len(net._cache) == net._MAX_CACHE
    np.testing.assert_allclose(net(a, a).asnumpy(), 2 * a.asnumpy())
    assert 2 in net._fast


@pytest.mark.parametrize(
    "flatten, shape", [(True, (2, 2, 3)), (True, (2, 6)), (False, (2, 4, 6))]
)
def test_frozen_dense_calls_linear_directly_and_matches_eager(flatten, shape):
    net = nn.HybridSequential()
    net.add(
        nn.Dense(5, activation="relu", flatten=flatten), nn.Dense(3, flatten=flatten)
    )
    net.initialize(mx.init.Uniform(1.0))
    x = _x(shape)
    want = net(x).asnumpy()
    net.hybridize(static_alloc=True, static_shape=True)
    for _ in range(3):  # first: the compiled graph validates; then the frozen one
        np.testing.assert_allclose(net(x).asnumpy(), want, rtol=1e-5, atol=1e-6)
    source = net._last_graph.frozen.source
    assert source.count("_linear(") == 2
    # a new parameter value reaches the frozen graph
    net[1].bias.set_data(nd.ones((3,)) * 100)
    assert (net(x).asnumpy() > 50).all()


@pytest.mark.parametrize("static", [False, True])
def test_numpy_semantics_calls_take_the_fast_path(static, full_calls):
    with mx.util.np_array(True), mx.util.np_shape(True):
        net = nn.Dense(3, in_units=4)
        net.initialize(mx.init.One())
        net.hybridize(static_alloc=static, static_shape=static)
        x = mx.np.ones((2, 4))
        for _ in range(3):
            y = net(x)
            assert isinstance(y, mx.np.ndarray)
            np.testing.assert_allclose(y.asnumpy(), np.full((2, 3), 4.0))
        assert net._fast.get(1) is net._last_graph
        assert len(full_calls) == 1
        # a legacy NDArray under numpy semantics: the full path, np output
        y = net(nd.ones((2, 4)))
        assert isinstance(y, mx.np.ndarray)
        with autograd.record():
            z = net(x).sum()
        z.backward()
        np.testing.assert_allclose(net.weight.grad().asnumpy(), np.full((3, 4), 2.0))
    # numpy semantics off: np arrays in go the full way, nd arrays out
    y = net(mx.np.ones((2, 4)))
    assert not isinstance(y, mx.np.ndarray)
