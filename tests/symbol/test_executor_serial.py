"""Executors of small graphs run on one intra-op thread (``SERIAL_MAX_ELEMENTS``):
the decision, the thread count seen inside forward and backward, its
restoration, ``MXNET_USE_OPERATOR_TUNING=0``, and unchanged results."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

import neogluon as mx
from neogluon.symbol import executor as ex_mod

_SEEN: list = []


class _ThreadProbe(mx.operator.CustomOp):
    """Identity that records torch's intra-op thread count when it runs."""

    def forward(self, is_train, req, in_data, out_data, aux):
        _SEEN.append(("forward", torch.get_num_threads()))
        self.assign(out_data[0], req[0], in_data[0])

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        _SEEN.append(("backward", torch.get_num_threads()))
        self.assign(in_grad[0], req[0], out_grad[0])


@mx.operator.register("test_thread_probe")
class _ThreadProbeProp(mx.operator.CustomOpProp):
    def __init__(self):
        super().__init__(need_top_grad=True)

    def infer_shape(self, in_shape):
        return in_shape, [in_shape[0]], []

    def create_operator(self, ctx, in_shapes, in_dtypes):
        return _ThreadProbe()


def _mlp(hidden: int):
    net = mx.sym.Variable("data")
    net = mx.sym.FullyConnected(net, num_hidden=hidden, name="fc1")
    net = mx.sym.Custom(net, op_type="test_thread_probe", name="probe")
    net = mx.sym.Activation(net, act_type="relu", name="relu1")
    net = mx.sym.FullyConnected(net, num_hidden=10, name="fc2")
    return mx.sym.SoftmaxOutput(net, name="softmax")


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def _run(exe) -> None:
    exe.forward(is_train=True)
    exe.backward()


def test_small_graph_runs_forward_and_backward_on_one_thread(two_threads):
    exe = _mlp(16).simple_bind(mx.cpu(), data=(4, 8))
    assert exe._serial
    _SEEN.clear()
    _run(exe)
    assert _SEEN == [("forward", 1), ("backward", 1)]
    assert torch.get_num_threads() == 2  # restored


def test_graph_with_a_large_array_keeps_the_threads(two_threads):
    # fc1's output (2 x 10,000 = 20,000 elements) is above the limit, though
    # no argument is.
    exe = _mlp(10_000).simple_bind(mx.cpu(), data=(2, 1))
    assert 2 * 10_000 > ex_mod.SERIAL_MAX_ELEMENTS
    assert not exe._serial
    _SEEN.clear()
    _run(exe)
    assert _SEEN == [("forward", 2), ("backward", 2)]


def test_operator_tuning_off_keeps_the_threads(two_threads, monkeypatch):
    monkeypatch.setenv("MXNET_USE_OPERATOR_TUNING", "0")
    exe = _mlp(16).simple_bind(mx.cpu(), data=(4, 8))
    assert not exe._serial
    _SEEN.clear()
    _run(exe)
    assert _SEEN == [("forward", 2), ("backward", 2)]


def test_results_equal_with_and_without_one_thread(monkeypatch):
    rng = np.random.RandomState(0)
    values = {
        "data": rng.randn(8, 12),
        "fc1_weight": rng.randn(16, 12),
        "fc1_bias": rng.randn(16),
        "fc2_weight": rng.randn(10, 16),
        "fc2_bias": rng.randn(10),
        "softmax_label": rng.randint(0, 10, 8),
    }
    results = []
    for tuning in ("1", "0"):
        monkeypatch.setenv("MXNET_USE_OPERATOR_TUNING", tuning)
        exe = _mlp(16).simple_bind(mx.cpu(), data=(8, 12))
        assert exe._serial == (tuning == "1")
        for name, v in values.items():
            exe.arg_dict[name][:] = v
        _run(exe)
        results.append(
            [exe.outputs[0].asnumpy()]
            + [exe.grad_dict[n].asnumpy() for n in sorted(exe.grad_dict)]
        )
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)


def test_one_thread_nests_and_restores_per_python_thread(two_threads):
    one = ex_mod._ONE_THREAD
    inside = threading.Event()
    release = threading.Event()
    seen = []

    def worker():
        torch.set_num_threads(2)
        with one:
            seen.append(("worker inside", torch.get_num_threads()))
            inside.set()
            release.wait(10)
        seen.append(("worker after", torch.get_num_threads()))

    t = threading.Thread(target=worker)
    t.start()
    assert inside.wait(10)
    with one:  # entered while the worker is inside
        with one:
            seen.append(("main nested", torch.get_num_threads()))
        seen.append(("main outer", torch.get_num_threads()))
    seen.append(("main after", torch.get_num_threads()))
    release.set()
    t.join(10)
    assert seen == [
        ("worker inside", 1),
        ("main nested", 1),
        ("main outer", 1),
        ("main after", 2),
        ("worker after", 2),
    ]


def test_one_thread_restores_after_an_error(two_threads):
    exe = mx.sym.Custom(
        mx.sym.Variable("x"), op_type="test_thread_probe", name="p"
    ).simple_bind(mx.cpu(), x=(2, 2))
    assert exe._serial
    with pytest.raises(mx.base.MXNetError):
        exe.backward(mx.nd.ones((3, 3)))  # wrong head gradient shape
    assert torch.get_num_threads() == 2
