"""Autograd and Gluon under threads: every number equals the sequential run.

MXNet keeps its autograd state per thread (recording and training flags, the
variables one backward pass writes). neogluon's flags are thread-local and a
backward pass computes the gradients of the variables its own heads reach
without touching torch's shared ``.grad`` fields, so a thread never clobbers
another thread's gradients. A net shared by several threads is safe for
inference; training it from several threads needs a lock around each step
(as in MXNet, where two unsynchronised steps race on the weights).
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

import neogluon as mx

N_THREADS = 4


def _run_threads(target, n: int = N_THREADS) -> list:
    """Run ``target(k)`` in ``n`` threads started together; re-raise failures."""
    errors: list = []
    results: list = [None] * n
    start = threading.Barrier(n)

    def wrap(k):
        try:
            start.wait()
            results[k] = target(k)
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=wrap, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    if errors:
        raise errors[0]
    return results


def test_own_variable_per_thread_800_backwards():
    # The case: 4 threads x 800 record()+backward(); MXNet: 0 failures.
    def work(k):
        base = np.arange(4, dtype=np.float32) + 10 * k
        x = mx.nd.array(base)
        x.attach_grad()
        failures = 0
        for i in range(800):
            c = float(i % 5 + 1)
            with mx.autograd.record():
                y = (x * x * c).sum()
            y.backward()
            if not np.array_equal(x.grad.asnumpy(), 2 * c * base):
                failures += 1
        return failures

    assert _run_threads(work) == [0] * N_THREADS


def test_grad_req_add_per_thread():
    def work(k):
        x = mx.nd.array([1.0 + k, 2.0])
        x.attach_grad(grad_req="add")
        for _ in range(200):
            with mx.autograd.record():
                y = (x * 3).sum()
            y.backward()
        return x.grad.asnumpy()

    for got in _run_threads(work):
        np.testing.assert_array_equal(got, [600.0, 600.0])


def test_recording_and_training_flags_are_per_thread():
    inside = threading.Event()
    release = threading.Event()
    seen = {}

    def recorder():
        with mx.autograd.record(train_mode=True):
            inside.set()
            release.wait(30)
            seen["recorder"] = (mx.autograd.is_recording(), mx.autograd.is_training())

    t = threading.Thread(target=recorder)
    t.start()
    assert inside.wait(30)
    # Another thread's record() scope does not leak into this one.
    seen["main"] = (mx.autograd.is_recording(), mx.autograd.is_training())
    x = mx.nd.array([1.0, 2.0])
    x.attach_grad()
    y = x * 2
    release.set()
    t.join(30)
    assert seen == {"main": (False, False), "recorder": (True, True)}
    # Nothing was recorded here, so there is no graph to differentiate.
    try:
        y.backward()
    except mx.base.MXNetError as err:
        assert "not in a computational graph" in str(err)
    else:
        raise AssertionError("backward on an unrecorded array must fail")


def test_backward_in_one_thread_keeps_other_threads_gradients():
    # Thread A's gradient stays what A's backward wrote while B runs many passes.
    a = mx.nd.array([1.0, 2.0, 3.0])
    a.attach_grad()
    with mx.autograd.record():
        ya = (a * a).sum()
    ya.backward()
    expected = a.grad.asnumpy().copy()

    def other(_k):
        b = mx.nd.array([5.0])
        b.attach_grad()
        for _ in range(300):
            with mx.autograd.record():
                yb = b * 7
            yb.backward()
        return float(b.grad.asscalar())

    assert _run_threads(other, 2) == [7.0, 7.0]
    np.testing.assert_array_equal(a.grad.asnumpy(), expected)


def _mlp(seed: int, hybridize: bool):
    mx.random.seed(seed)
    net = mx.gluon.nn.HybridSequential()
    net.add(mx.gluon.nn.Dense(16, activation="relu", in_units=8))
    net.add(mx.gluon.nn.Dense(3, in_units=16))
    rs = np.random.RandomState(seed)
    net.initialize()
    for p in net.collect_params().values():
        p.set_data(mx.nd.array(rs.uniform(-0.5, 0.5, p.shape)))
    if hybridize:
        net.hybridize()
    return net


def _batches(n: int):
    rs = np.random.RandomState(1)
    return [
        (
            rs.standard_normal((6, 8)).astype(np.float32),
            rs.randint(0, 3, 6).astype(np.float32),
        )
        for _ in range(n)
    ]


def test_separate_nets_per_thread_equal_sequential():
    batches = _batches(20)

    def train(k):
        net = _mlp(k, hybridize=k % 2 == 1)
        trainer = mx.gluon.Trainer(
            net.collect_params(), "sgd", {"learning_rate": 0.1, "momentum": 0.9}
        )
        loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
        for x, y in batches:
            with mx.autograd.record():
                loss = loss_fn(net(mx.nd.array(x)), mx.nd.array(y))
            loss.backward()
            trainer.step(x.shape[0])
        return [p.data().asnumpy() for p in net.collect_params().values()]

    threaded = _run_threads(train)
    sequential = [train(k) for k in range(N_THREADS)]
    for got, want in zip(threaded, sequential, strict=True):
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)


def test_shared_net_inference_in_threads_equals_sequential():
    for hybridize in (False, True):
        net = _mlp(3, hybridize)
        inputs = [b[0] for b in _batches(16)]
        want = [net(mx.nd.array(x)).asnumpy() for x in inputs]

        def infer(k, net=net, inputs=inputs):
            out = []
            for _ in range(10):
                out.append([net(mx.nd.array(x)).asnumpy() for x in inputs])
            return out

        for per_thread in _run_threads(infer):
            for rep in per_thread:
                for g, w in zip(rep, want, strict=True):
                    np.testing.assert_array_equal(g, w)


def test_shared_net_trained_under_lock_equals_sequential():
    batches = _batches(24)
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()

    def make():
        net = _mlp(5, hybridize=True)
        trainer = mx.gluon.Trainer(
            net.collect_params(), "adam", {"learning_rate": 0.01}
        )
        return net, trainer

    def step(net, trainer, x, y):
        with mx.autograd.record():
            loss = loss_fn(net(mx.nd.array(x)), mx.nd.array(y))
        loss.backward()
        trainer.step(x.shape[0])

    net_seq, tr_seq = make()
    for x, y in batches:
        step(net_seq, tr_seq, x, y)

    net, trainer = make()
    lock = threading.Lock()
    cursor = [0]

    def worker(_k):
        while True:
            with lock:
                i = cursor[0]
                if i >= len(batches):
                    return
                cursor[0] += 1
                # The lock fixes the order of the batches, whatever thread runs
                # each step, so the result equals the sequential run.
                step(net, trainer, *batches[i])

    _run_threads(worker)
    for p, q in zip(
        net.collect_params().values(), net_seq.collect_params().values(), strict=True
    ):
        np.testing.assert_array_equal(p.data().asnumpy(), q.data().asnumpy())


def test_deferred_init_from_threads_on_separate_nets():
    # Deferred shape inference and block naming are per call: nets created and
    # first run in different threads all get the right shapes.
    def work(k):
        net = mx.gluon.nn.Dense(4 + k)
        net.initialize()
        out = net(mx.nd.ones((2, 3 + k)))
        return out.shape, net.weight.shape

    got = _run_threads(work)
    assert got == [((2, 4 + k), (4 + k, 3 + k)) for k in range(N_THREADS)]


def test_shared_net_first_call_from_threads():
    # Deferred initialization and the first hybridize trace of one shared net
    # race when several threads make its first call: one thread initializes,
    # the others wait for it, and everyone gets the same output.
    for trial in range(6):
        net = mx.gluon.nn.HybridSequential()
        net.add(mx.gluon.nn.Dense(16, activation="relu"), mx.gluon.nn.Dense(3))
        net.initialize(mx.init.One())
        if trial % 2:
            net.hybridize()
        x = mx.nd.ones((2, 8))
        outs = _run_threads(lambda _k, net=net, x=x: net(x).asnumpy())
        for out in outs:
            np.testing.assert_array_equal(
                out, np.full((2, 3), 8.0 * 16)
            )  # biases stay 0
        assert net[0].weight.shape == (16, 8)


def test_name_scopes_of_one_block_in_threads():
    # A block's name_scope() entered by several threads at once: each thread
    # restores its own previous scope.
    parent = mx.gluon.nn.HybridSequential(prefix="par_")
    inside = threading.Barrier(N_THREADS)

    def work(k):
        names = []
        for _ in range(20):
            with parent.name_scope():
                inside.wait(30)  # every thread is inside the same scope now
                names.append(mx.name.NameManager.current.get(None, "x"))
            inside.wait(30)
        return all(n.startswith("par_") for n in names), mx.name.NameManager.current

    results = _run_threads(work)
    assert all(ok for ok, _ in results)
    # Outside the scope every thread is back on the default manager.
    assert {type(cur).__name__ for _, cur in results} == {"NameManager"}


# ---------------------------------------------- conv + BatchNorm (aux states)


def _convnet(hybridize: bool):
    net = mx.gluon.nn.HybridSequential()
    net.add(mx.gluon.nn.Conv2D(4, 3, in_channels=1))
    net.add(mx.gluon.nn.BatchNorm(in_channels=4))
    net.add(mx.gluon.nn.Activation("relu"))
    net.add(mx.gluon.nn.GlobalAvgPool2D())
    net.add(mx.gluon.nn.Dense(3, in_units=4))
    net.initialize()
    rs = np.random.RandomState(7)
    for name, p in net.collect_params().items():
        if name.endswith("running_var"):
            p.set_data(mx.nd.array(rs.uniform(0.5, 1.5, p.shape)))
        else:
            p.set_data(mx.nd.array(rs.uniform(-0.5, 0.5, p.shape)))
    if hybridize:
        net.hybridize()
    return net


def _images(n: int):
    rs = np.random.RandomState(3)
    return [
        (
            rs.standard_normal((4, 1, 6, 6)).astype(np.float32),
            rs.randint(0, 3, 4).astype(np.float32),
        )
        for _ in range(n)
    ]


@pytest.mark.parametrize("hybridize", [False, True], ids=["eager", "hybridized"])
def test_shared_convnet_inference_in_threads_equals_sequential(hybridize):
    net = _convnet(hybridize)
    inputs = [x for x, _ in _images(8)]
    want = [net(mx.nd.array(x)).asnumpy() for x in inputs]

    def infer(_k):
        return [[net(mx.nd.array(x)).asnumpy() for x in inputs] for _ in range(5)]

    for per_thread in _run_threads(infer):
        for rep in per_thread:
            for g, w in zip(rep, want, strict=True):
                np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("hybridize", [False, True], ids=["eager", "hybridized"])
def test_shared_convnet_trained_under_lock_equals_sequential(hybridize):
    # BatchNorm also updates its running mean/var (aux states) in each
    # training forward: under the lock they too equal the sequential run.
    batches = _images(12)
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()

    def make():
        net = _convnet(hybridize)
        opt = {"learning_rate": 0.05, "momentum": 0.9}
        return net, mx.gluon.Trainer(net.collect_params(), "sgd", opt)

    def step(net, trainer, x, y):
        with mx.autograd.record():
            loss = loss_fn(net(mx.nd.array(x)), mx.nd.array(y))
        loss.backward()
        trainer.step(x.shape[0])

    net_seq, tr_seq = make()
    for x, y in batches:
        step(net_seq, tr_seq, x, y)

    net, trainer = make()
    lock = threading.Lock()
    cursor = [0]

    def worker(_k):
        while True:
            with lock:
                if cursor[0] >= len(batches):
                    return
                i = cursor[0]
                cursor[0] += 1
                step(net, trainer, *batches[i])

    _run_threads(worker)
    # Same order of parameters (the names differ by their instance counters).
    seq = list(net_seq.collect_params().values())
    got = list(net.collect_params().values())
    assert len(got) == len(seq) == 8  # conv 2, BatchNorm 4, dense 2
    for p, q in zip(got, seq, strict=True):
        np.testing.assert_array_equal(p.data().asnumpy(), q.data().asnumpy())


def test_separate_convnets_per_thread_equal_sequential():
    batches = _images(6)
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()

    def train(k):
        net = _convnet(hybridize=k % 2 == 0)
        trainer = mx.gluon.Trainer(
            net.collect_params(), "adam", {"learning_rate": 0.01}
        )
        for x, y in batches:
            with mx.autograd.record():
                loss = loss_fn(net(mx.nd.array(x)), mx.nd.array(y))
            loss.backward()
            trainer.step(x.shape[0])
        return [p.data().asnumpy() for p in net.collect_params().values()]

    threaded = _run_threads(train)
    for k, got in enumerate(threaded):
        for g, w in zip(got, train(k), strict=True):
            np.testing.assert_array_equal(g, w)
