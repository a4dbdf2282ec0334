"""mx.kv stores and the multi-context Trainer against MXNet 1.9.1 fixtures."""

from __future__ import annotations

import os
import sys
import types

import numpy as np
import pytest

import neogluon as mx
from neogluon import autograd
from neogluon import gluon
from tests.conftest import fixture_names
from tests.conftest import load_fixture

RTOL, ATOL = 1e-5, 1e-6

SCRIPTS = [n for n in fixture_names("kvstore") if not n.startswith("trainer_")]


def _nest(fn, spec):
    if isinstance(spec, list):
        return [_nest(fn, s) for s in spec]
    return fn(spec)


def _flat(spec):
    if isinstance(spec, list):
        return [n for s in spec for n in _flat(s)]
    return [spec]


def _replay(fx, kv=None, start=0, on_step=None):
    """Run the fixture's script on a neogluon store; check every result."""
    script = fx["script"]
    if kv is None:
        kv = mx.kv.create(script["name"])
        if script["compression"]:
            kv.set_gradient_compression(script["compression"])
        if script["optimizer"]:
            name, kwargs = script["optimizer"]
            kv.set_optimizer(mx.optimizer.create(name, **kwargs))
    arrays = {}

    def value(name):
        arrays[name] = mx.nd.array(fx["in." + name.split("_")[0]])
        return arrays[name]

    def out(shapes):
        def make(name):
            arrays[name] = mx.nd.zeros(tuple(shapes[name]))
            return arrays[name]

        return make

    checked = 0
    for i, st in enumerate(script["steps"][start:], start):
        op, key = st["op"], st["key"]
        if op == "init":
            kv.init(key, _nest(value, st["value"]))
        elif op == "push":
            kv.push(key, _nest(value, st["value"]))
        elif op == "pull":
            kv.pull(key, out=_nest(out(st["shapes"]), st["out"]))
        elif op == "pushpull":
            vals = _nest(value, st["value"])
            outs = None if st["out"] is None else _nest(out(st["shapes"]), st["out"])
            kv.pushpull(key, vals, out=outs)
        elif op == "broadcast":
            kv.broadcast(
                key, _nest(value, st["value"]), out=_nest(out(st["shapes"]), st["out"])
            )
        names = st.get("out") if st.get("out") is not None else None
        if op == "pushpull" and names is None:
            names = st["value"]
        for n in _flat(names) if names is not None else []:
            np.testing.assert_allclose(
                arrays[n].asnumpy(),
                fx[f"res.{i}.{n}"],
                rtol=RTOL,
                atol=ATOL,
                err_msg=f"step {i} ({op} {key!r}) output {n}",
            )
            checked += 1
        if on_step is not None:
            on_step(i, kv)
    return kv, checked


@pytest.mark.parametrize("case", SCRIPTS)
def test_script_matches_mxnet(case):
    fx = load_fixture("kvstore", case)
    kv, checked = _replay(fx)
    assert checked >= 3
    assert kv.type == fx["script"]["name"]
    assert kv.rank == 0 and kv.num_workers == 1


@pytest.mark.parametrize("case", ["sgd_local", "adam_device_str"])
def test_optimizer_states_from_mxnet_file_continue(case, tmp_path):
    """Load MXNet's saved states mid-run into a fresh store; the rest matches."""
    fx = load_fixture("kvstore", case)
    script = fx["script"]
    at = script["states_after"]
    fname = tmp_path / "kv.states"
    fname.write_bytes(fx["states"].tobytes())
    name, kwargs = script["optimizer"]
    kv = mx.kv.create(script["name"])
    kv.set_optimizer(mx.optimizer.create(name, **kwargs))
    # weights at that point: the outputs of step `at` (a pushpull of every key)
    keys = script["steps"][0]["key"]
    outs = script["steps"][at]["out"]
    kv.init(keys, [mx.nd.array(fx[f"res.{at}.{o}"]) for o in outs])
    kv.load_optimizer_states(str(fname))
    _, checked = _replay(fx, kv=kv, start=at + 1)
    assert checked == 2
    # and our own save/load round-trips
    kv.save_optimizer_states(str(tmp_path / "ours.states"), dump_optimizer=True)
    kv.load_optimizer_states(str(tmp_path / "ours.states"))


def test_errors_match_mxnet_cases():
    kv = mx.kv.create("local")
    a = mx.nd.ones((2, 3))
    kv.init(3, a)
    with pytest.raises(mx.MXNetError, match="duplicate init of key 3"):
        kv.init(3, a)
    with pytest.raises(mx.MXNetError, match="duplicate init"):
        kv.broadcast(3, a, out=a)
    with pytest.raises(mx.MXNetError, match="key 4 has not been inited"):
        kv.pull(4, out=a)
    with pytest.raises(mx.MXNetError, match="key 4 has not been inited"):
        kv.push(4, a)
    with pytest.raises(mx.MXNetError, match="mixed key types"):
        kv.init("w", a)
    with pytest.raises(ValueError, match=r"shape \(2, 3\).*\(3, 3\)"):
        kv.push(3, mx.nd.ones((3, 3)))
    with pytest.raises(ValueError, match=r"holds shape \(2, 3\).*\(3, 3\)"):
        kv.pull(3, out=mx.nd.zeros((3, 3)))
    with pytest.raises(AssertionError, match="needs out="):
        kv.pull(3)
    with pytest.raises(TypeError, match="inconsistent types of keys"):
        kv.push([3, "x"], [a, a])
    with pytest.raises(ValueError, match="2 keys need 2 values, got 1"):
        kv.push([3, 5], [a])
    with pytest.raises(mx.MXNetError, match="not supported for kvstore 'local'"):
        kv.set_gradient_compression({"type": "2bit"})
    with pytest.raises(mx.MXNetError, match="row_sparse"):
        kv.row_sparse_pull(3, out=a, row_ids=mx.nd.array([0]))
    with pytest.raises(mx.MXNetError, match="call set_optimizer"):
        kv.save_optimizer_states("unused")
    with pytest.raises(TypeError, match="mx.optimizer.SGD"):
        kv.set_optimizer("sgd")
    with pytest.raises(ValueError, match="Unknown capability: foo"):
        kv.is_capable("foo")
    assert kv.is_capable("optimizer")
    kv.barrier()
    dev = mx.kv.create("device")
    with pytest.raises(mx.MXNetError, match="Unknown type for gradient compression"):
        dev.set_gradient_compression({"type": "1bit"})
    with pytest.raises(ValueError, match="unknown keys"):
        dev.set_gradient_compression({"type": "2bit", "foo": 1})


def test_push_keeps_a_copy():
    # Differs from MXNet 1.9.1 on purpose: MXNet's local store aliases a single
    # pushed array, so writing to it afterwards changes the stored value.
    kv = mx.kv.create("local")
    kv.init(0, mx.nd.zeros((2,)))
    b = mx.nd.ones((2,)) * 7
    kv.push(0, b)
    b[:] = 9
    out = mx.nd.zeros((2,))
    kv.pull(0, out=out)
    np.testing.assert_array_equal(out.asnumpy(), [7, 7])


def test_pull_into_sparse_outputs_is_ignored_unless_asked():
    # MXNet 1.9.1 (kvstore_local.h GroupKVPairsPull): with ignore_sparse=True a
    # row_sparse/csr output of pull is left unchanged (one warning per key).
    kv = mx.kv.create("local")
    kv.init([3, 5], [mx.nd.zeros((2, 3)), mx.nd.zeros((2, 3))])
    rsp = (mx.nd.ones((2, 3)) * 2).tostype("row_sparse")
    with pytest.warns(UserWarning, match="row_sparse_pull"):
        kv.pull(3, out=rsp)
    np.testing.assert_array_equal(rsp.asnumpy(), np.full((2, 3), 2.0))
    outs = [(mx.nd.ones((2, 3)) * 2).tostype("row_sparse") for _ in range(2)]
    dense = mx.nd.ones((2, 3))
    with pytest.warns(UserWarning, match="key 5"):  # key 3 warned already
        kv.pull([3, 5, 5], out=[outs[0], outs[1], dense])
    for o in outs:
        np.testing.assert_array_equal(o.asnumpy(), np.full((2, 3), 2.0))
    np.testing.assert_array_equal(dense.asnumpy(), np.zeros((2, 3)))
    kv.pull(3, out=rsp, ignore_sparse=False)
    assert rsp.stype == "row_sparse"
    np.testing.assert_array_equal(rsp.asnumpy(), np.zeros((2, 3)))


def test_create_names_and_errors():
    assert mx.kv.create("LOCAL").type == "local"
    assert mx.kvstore.create("device").type == "device"
    assert isinstance(mx.kv.create(), mx.kv.KVStore)
    assert isinstance(mx.kv.create(), mx.kv.KVStoreBase)
    with pytest.raises(mx.MXNetError, match="use 'dist_sync'"):
        mx.kv.create("dist_async")
    with pytest.raises(ValueError, match="Unknown kvstore type 'foo'"):
        mx.kv.create("foo")
    with pytest.raises(TypeError, match="name must be a string"):
        mx.kv.create(3)
    for var in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        if var in os.environ:
            pytest.skip("running under a distributed launcher")
    with pytest.raises(mx.MXNetError, match="torchrun"):
        mx.kv.create("dist_sync")
    if not _cuda():
        with pytest.raises(mx.MXNetError, match="needs CUDA GPUs"):
            mx.kv.create("nccl")


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def test_horovod_error_or_store(monkeypatch):
    try:
        import horovod.torch  # noqa: F401

        pytest.skip("horovod installed")
    except ImportError:
        pass
    with pytest.raises(mx.MXNetError, match="needs the horovod package"):
        mx.kv.create("horovod")
    # With horovod present the store runs on its collectives: a stand-in that
    # acts like two identical workers (allreduce doubles, broadcast keeps).
    import torch

    calls = []
    hvd = types.ModuleType("horovod.torch")
    hvd.Sum = "sum"
    hvd.init = lambda: calls.append("init")
    hvd.rank = lambda: 1
    hvd.size = lambda: 2

    def allreduce_(t, op):
        assert op == "sum"
        return t.mul_(2)

    hvd.allreduce_ = allreduce_
    hvd.broadcast_ = lambda t, root_rank: t
    hvd.barrier = lambda: calls.append("barrier")
    pkg = types.ModuleType("horovod")
    pkg.torch = hvd
    monkeypatch.setitem(sys.modules, "horovod", pkg)
    monkeypatch.setitem(sys.modules, "horovod.torch", hvd)
    kv = mx.kv.create("horovod")
    assert (kv.type, kv.rank, kv.num_workers) == ("horovod", 1, 2)
    kv.init("w", mx.nd.ones((2,)))
    kv.pushpull("w", [mx.nd.ones((2,)), mx.nd.ones((2,)) * 2])
    out = mx.nd.zeros((2,))
    kv.pull("w", out=out)
    np.testing.assert_array_equal(out.asnumpy(), [6, 6])
    kv._barrier()
    assert calls == ["init", "barrier"]
    assert torch.is_tensor(out.to_torch())


def test_register_custom_store_and_teststore():
    @mx.kv.KVStoreBase.register
    class MyKVStore(mx.kv.KVStoreBase):
        pass

    assert type(mx.kv.create("MyKVStore")) is MyKVStore
    ts = mx.kv.create("teststore")
    assert ts.type == "teststore" and not ts.is_capable("optimizer")
    vals = [mx.nd.ones((2,)), mx.nd.ones((2,)) * 3]
    ts.pushpull(0, vals)
    np.testing.assert_array_equal(vals[1].asnumpy(), [4, 4])


# ---------------------------------------------------------------- Trainer
def _trainer_run(fx, kvstore, update_on_kvstore=None, compression=None):
    ctxs = [mx.cpu(0), mx.cpu(1)]
    net = gluon.nn.Dense(2, in_units=4, prefix="dense0_")
    net.initialize(ctx=ctxs)
    net.weight.set_data(mx.nd.array(fx["w0"]))
    net.bias.set_data(mx.nd.array(fx["b0"]))
    tr = gluon.Trainer(
        net.collect_params(),
        "sgd",
        {"learning_rate": 0.1, "momentum": 0.9, "wd": 0.01},
        kvstore=kvstore,
        update_on_kvstore=update_on_kvstore,
        compression_params=compression,
    )
    loss_fn = gluon.loss.L2Loss()
    for step in range(fx["x"].shape[0]):
        x, y = fx["x"][step], fx["y"][step]
        with autograd.record():
            # Each context's copy of the weights sees half of the batch. The
            # forward names the copies itself: cpu(0) and cpu(1) are the same
            # torch device, so ``net(x)`` would always pick the cpu(0) copy.
            losses = [
                loss_fn(
                    mx.nd.FullyConnected(
                        mx.nd.array(x[4 * j : 4 * j + 4]),
                        net.weight.data(c),
                        net.bias.data(c),
                        num_hidden=2,
                    ),
                    mx.nd.array(y[4 * j : 4 * j + 4]),
                )
                for j, c in enumerate(ctxs)
            ]
        for loss in losses:
            loss.backward()
        tr.step(8)
    return net, tr


@pytest.mark.parametrize("tag", ["device", "local_noupd", "device_2bit"])
def test_trainer_multi_context_matches_mxnet(tag):
    fx = load_fixture("kvstore", f"trainer_{tag}")
    cfg = fx["config"]
    net, tr = _trainer_run(
        fx, cfg["kvstore"], cfg["update_on_kvstore"], cfg["compression"]
    )
    assert tr._update_on_kvstore == fx["info"]["update_on_kvstore"]
    assert tr._kvstore.type == fx["info"]["type"]
    for ctx in (mx.cpu(0), mx.cpu(1)):
        np.testing.assert_allclose(
            net.weight.data(ctx).asnumpy(), fx["weight"], rtol=RTOL, atol=ATOL
        )
        np.testing.assert_allclose(
            net.bias.data(ctx).asnumpy(), fx["bias"], rtol=RTOL, atol=ATOL
        )


def test_trainer_env_update_on_kvstore_0(monkeypatch):
    fx = load_fixture("kvstore", "trainer_device_env0")
    monkeypatch.setenv("MXNET_UPDATE_ON_KVSTORE", "0")
    net, tr = _trainer_run(fx, "device")
    assert tr._update_on_kvstore is False
    np.testing.assert_allclose(net.weight.data().asnumpy(), fx["weight"], rtol=RTOL)
    # the argument wins over the environment variable
    net, tr = _trainer_run(fx, "device", update_on_kvstore=True)
    assert tr._update_on_kvstore is True


def test_trainer_kvstore_rules():
    fx = load_fixture("kvstore", "trainer_device")
    # one context: no kvstore, local updates
    net = gluon.nn.Dense(2, in_units=4)
    net.initialize()
    tr = gluon.Trainer(net.collect_params(), "sgd", kvstore="device")
    with autograd.record():
        loss = net(mx.nd.ones((1, 4))).sum()
    loss.backward()
    tr.step(1)
    assert tr._kvstore is None and tr._update_on_kvstore is None
    # several contexts, update on kvstore: allreduce_grads/update refuse
    net, tr = _trainer_run(fx, "device")
    assert tr._update_on_kvstore is True
    with pytest.raises(AssertionError, match="update_on_kvstore"):
        tr.allreduce_grads()
    with pytest.raises(AssertionError, match="update_on_kvstore"):
        tr.update(8)
    # update_on_kvstore=False: allreduce_grads + update equals step
    ref, _ = _trainer_run(fx, "local", update_on_kvstore=False)
    np.testing.assert_allclose(
        net.weight.data().asnumpy(), ref.weight.data().asnumpy(), rtol=RTOL
    )
    # a KVStore instance is used as given
    kv = mx.kv.create("local")
    _, tr = _trainer_run(fx, kv)
    assert tr._kvstore is kv
    with pytest.raises(TypeError, match="kvstore must be a KVStore, str or None"):
        _trainer_run(fx, 3)
    with pytest.raises(ValueError, match="Please set update_on_kvstore=False"):
        _trainer_run(fx, mx.kv.create("teststore"), update_on_kvstore=True)
    _, tr = _trainer_run(fx, mx.kv.create("teststore"))
    assert tr._update_on_kvstore is False


def test_trainer_local_large_param_updates_locally():
    # MXNet's _create_kvstore: 'local' with a parameter over 16M elements
    # keeps updates on the workers.
    p = gluon.Parameter("big", shape=(1024 * 1024 * 16 + 1,))
    p.initialize(init=mx.init.Zero(), ctx=[mx.cpu(0), mx.cpu(1)])
    tr = gluon.Trainer([p], "sgd", kvstore="local")
    tr._init_kvstore()
    assert tr._kvstore.type == "local" and tr._update_on_kvstore is False


def test_trainer_update_on_kvstore_states_and_set_data(tmp_path):
    fx = load_fixture("kvstore", "trainer_device")
    net, tr = _trainer_run(fx, "device")
    fname = str(tmp_path / "t.states")
    tr.save_states(fname)
    tr.load_states(fname)
    assert tr.optimizer.param_dict[0] is net.bias
    # set_data after the store holds the weights resets it; the next step
    # starts from the new data on every context
    net.weight.set_data(mx.nd.zeros((2, 4)))
    assert not tr._kv_initialized
    with autograd.record():
        losses = [
            mx.nd.FullyConnected(
                mx.nd.zeros((1, 4)), net.weight.data(c), net.bias.data(c), num_hidden=2
            ).sum()
            for c in tr._contexts
        ]
    for loss in losses:
        loss.backward()
    tr.step(1)
    np.testing.assert_allclose(net.weight.data(mx.cpu(1)).asnumpy(), 0, atol=1e-7)
