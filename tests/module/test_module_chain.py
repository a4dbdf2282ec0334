"""SequentialModule, PythonLossModule, Monitor and FeedForward vs MXNet
1.9.1 (fixtures from tools/fixtures/module_chain.py): trained parameters,
outputs, input gradients and metrics match within rtol 1e-4 / atol 1e-5."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from tests.conftest import load_fixture
from tools.fixtures import module_chain as C

RTOL, ATOL = 1e-4, 1e-5


def _init(ref: dict) -> dict:
    return {k[len("init_") :]: v for k, v in ref.items() if k.startswith("init_")}


@pytest.mark.parametrize("case", ["softmax", "pyloss"])
def test_sequential_module_matches_mxnet(case):
    ref = load_fixture("module_chain", f"seq_{case}")
    out = C.run_seq(mx, case, ref["x"], ref["y"], _init(ref))
    keys = [k for k in ref if k.startswith(("loop_", "fit_arg_"))]
    assert keys and sorted(keys) == sorted(
        k for k in out if k.startswith(("loop_", "fit_arg_"))
    )
    for k in keys:
        np.testing.assert_allclose(out[k], ref[k], rtol=RTOL, atol=ATOL, err_msg=k)
    np.testing.assert_allclose(out["fit_metric"], ref["fit_metric"], rtol=1e-5)
    assert out["output_shapes"] == ref["output_shapes"]
    assert out["label_shapes"] == ref["label_shapes"]


def test_sequential_module_state_and_errors():
    seq = mx.mod.SequentialModule()
    with pytest.raises(AssertionError, match="empty SequentialModule"):
        seq.bind([("data", (2, 5))])
    m1, m2, meta = C.seq_modules(mx, "softmax")
    with pytest.raises(ValueError, match="unknown meta"):
        seq.add(m1, take_label=True)
    seq.add(m1).add(m2, **meta)
    assert seq.data_names == ["data"] and seq.output_names == ["softmax_output"]
    seq.bind([("data", (2, 5))], [("softmax_label", (2,))], inputs_need_grad=True)
    assert seq.inputs_need_grad and seq.for_training
    # MXNet 1.9.1 never sets inputs_need_grad, so its get_input_grads always
    # fails; here it returns the first module's input gradients.
    seq.init_params()
    batch = mx.io.DataBatch([mx.nd.ones((2, 5))], [mx.nd.array([0, 1])])
    seq.forward_backward(batch)
    assert seq.get_input_grads()[0].shape == (2, 5)
    # Parameter names must be unique across the chain.
    dup = mx.mod.SequentialModule()
    a, _, _ = C.seq_modules(mx, "softmax")
    b, _, _ = C.seq_modules(mx, "softmax")
    dup.add(a).add(b, auto_wiring=True)
    dup.bind([("data", (2, 5))], for_training=False)
    with pytest.raises(AssertionError, match="Duplicated parameter names"):
        dup.init_params()


def test_python_loss_module_errors():
    with pytest.raises(ValueError, match="exactly one data name"):
        mx.mod.PythonLossModule(data_names=("a", "b"))
    mod = mx.mod.PythonLossModule()
    with pytest.raises(ValueError, match="data_names"):
        mod.bind([("x", (2, 3))])
    mod.bind([("data", (2, 3))], [("softmax_label", (2,))])
    assert mod.output_shapes == [("pyloss_output", (2, 3))]
    mod.forward(mx.io.DataBatch([mx.nd.ones((2, 3))], [mx.nd.zeros((2,))]))
    with pytest.raises(NotImplementedError, match="grad_func"):
        mod.backward()
    with pytest.raises(ValueError, match="grad_req"):
        mx.mod.PythonLossModule().bind([("data", (2, 3))], grad_req="add")


def _forward_rows(rows):
    """MXNet's monitor also reports backward outputs (``*_backward_*``), which
    neogluon's executor (torch autograd) does not produce; compare the rest,
    first value per (step, name)."""
    seen = {}
    for step, name, value in rows:
        if "_backward_" in name:
            continue
        seen.setdefault((int(step), name), float(value))
    return seen


@pytest.mark.parametrize(
    ("key", "pattern", "monitor_all"),
    [("rows_all", ".*", False), ("rows_pattern", ".*weight|.*output", True)],
)
def test_monitor_matches_mxnet(key, pattern, monitor_all):
    ref = load_fixture("module_chain", "monitor")
    rows = C.run_monitor(mx, ref["x"], ref["y"], _init(ref), pattern, monitor_all)
    got, want = _forward_rows(rows), _forward_rows(ref[key])
    assert sorted(got) == sorted(want)
    for k, v in want.items():
        np.testing.assert_allclose(got[k], v, rtol=RTOL, atol=ATOL, err_msg=str(k))
    # sort=True: names in order within the step
    names = [r[1] for r in rows]
    assert names == sorted(names)


def test_monitor_interval_and_stat_func():
    sym = C.monitor_net(mx)
    mod = mx.mod.Module(sym)
    mod.bind([("data", (2, 1, 5, 5))], [("softmax_label", (2,))])
    mod.init_params()
    mon = mx.monitor.Monitor(
        3, stat_func=lambda x: [x.max(), x.min()], pattern="fc1_output"
    )
    mod.install_monitor(mon)
    batch = mx.io.DataBatch([mx.nd.ones((2, 1, 5, 5))], [mx.nd.zeros((2,))])
    got = []
    for _ in range(4):
        mon.tic()
        mod.forward(batch)
        got.append(mon.toc())
    assert [len(r) for r in got] == [1, 0, 0, 1]
    step, name, text = got[0][0]
    assert (step, name) == (1, "fc1_output") and len(text.split("\t")) == 3
    bad = mx.monitor.Monitor(1, stat_func=lambda x: 1.0)
    mod.install_monitor(bad)
    bad.tic()
    mod.forward(batch)
    with pytest.raises(TypeError, match="stat_func returned float"):
        bad.toc()


def test_feedforward_matches_mxnet(tmp_path):
    ref = load_fixture("module_chain", "feedforward")
    with pytest.warns(DeprecationWarning, match="FeedForward has been deprecated"):
        out = C.run_feedforward(mx, ref["x"], ref["y"], ref["xe"], _init(ref))
    assert out["nbatches"] == ref["nbatches"]
    for k in [k for k in ref if k.startswith("arg_")]:
        np.testing.assert_allclose(out[k], ref[k], rtol=RTOL, atol=ATOL, err_msg=k)
    np.testing.assert_allclose(out["pred"], ref["pred"], rtol=RTOL, atol=ATOL)
    assert out["pred"].shape == (7, 3)
    np.testing.assert_allclose(out["score"], ref["score"])


def test_feedforward_numpy_input_save_load(tmp_path):
    x = np.random.RandomState(0).uniform(-1, 1, (10, 5)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32)
    d = mx.sym.Variable("data")
    sym = mx.sym.SoftmaxOutput(
        mx.sym.FullyConnected(d, num_hidden=2, name="fc"), name="softmax"
    )
    with pytest.warns(DeprecationWarning):
        model = mx.model.FeedForward.create(
            sym, x, y, num_epoch=2, numpy_batch_size=4, learning_rate=0.1
        )
    pred = model.predict(x)
    assert pred.shape == (10, 2)
    with pytest.raises(ValueError, match="y must be specified"):
        model.fit(x)
    prefix = str(tmp_path / "ff")
    model.save(prefix)
    with pytest.warns(DeprecationWarning):
        loaded = mx.model.FeedForward.load(prefix, 2)
    assert loaded.begin_epoch == 2
    np.testing.assert_allclose(loaded.predict(x), pred, rtol=1e-6)
