"""gluon.contrib.estimator vs MXNet 1.9.1 fixtures (tools/fixtures/gluon_contrib.py)."""

from __future__ import annotations

import logging
import os
import re

import numpy as np
import pytest

import neogluon as mx
from neogluon.gluon.contrib import estimator as em
from tests.conftest import load_fixture

RTOL, ATOL = 1e-5, 1e-6


def _fx(name):
    return load_fixture("gluon_contrib", name)


FIT = _fx("estimator_fit")


def _init():
    return {k[5:]: v for k, v in FIT.items() if k.startswith("init.")}


def _net():
    nn = mx.gluon.nn
    # A fixed prefix gives every net the same parameter names. Trainer orders
    # parameters by sorted name (as MXNet) and .states files map states by that
    # index, so with global names ("dense9_", "dense10_" sort out of layer
    # order) a resumed net would take the other layers' momenta: the test would
    # depend on how many Dense layers earlier tests created.
    net = nn.HybridSequential(prefix="net_")
    with net.name_scope():
        net.add(nn.Dense(5, activation="relu", in_units=4))
        net.add(nn.Dense(3, in_units=5))
    net.initialize()
    params = dict(net._collect_params_with_prefix())
    for k, v in _init().items():
        params[k].set_data(mx.nd.array(v))
    return net, params


def _loader(x, y, bs):
    ds = mx.gluon.data.ArrayDataset(mx.nd.array(x), mx.nd.array(y))
    return mx.gluon.data.DataLoader(ds, batch_size=bs, shuffle=False)


def _train():
    return _loader(FIT["x"], FIT["y"], 4)


def _val():
    return _loader(FIT["xv"], FIT["yv"], 3)


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        msg = record.getMessage()
        msg = re.sub(r"Finished in [0-9.]+s", "Finished in Ts", msg)
        msg = re.sub(r"time/interval: [0-9.]+s", "time/interval: Ts", msg)
        msg = re.sub(r"total [0-9]+s", "total Ts", msg)
        self.lines.append(re.sub(r"/[^ ]*/(?=[a-z]+-symbol)", "DIR/", msg))


def _estimator(net):
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", dict(FIT["optimizer"]))
    # The fixtures ran on CPU; without context= a GPU machine would pick gpu(0).
    est = em.Estimator(
        net,
        mx.gluon.loss.SoftmaxCrossEntropyLoss(),
        trainer=trainer,
        context=mx.cpu(),
    )
    cap = _Capture()
    est.logger.handlers = [cap]
    return est, cap


class _Rec(
    em.TrainBegin, em.TrainEnd, em.EpochBegin, em.EpochEnd, em.BatchBegin, em.BatchEnd
):
    def __init__(self, name, priority, trace):
        self.name, self.priority, self.trace = name, priority, trace

    def train_begin(self, estimator, *a, **k):
        self.trace.append(f"{self.name}:train_begin")

    def train_end(self, estimator, *a, **k):
        self.trace.append(f"{self.name}:train_end")

    def epoch_begin(self, estimator, *a, **k):
        self.trace.append(f"{self.name}:epoch_begin")

    def epoch_end(self, estimator, *a, **k):
        self.trace.append(f"{self.name}:epoch_end")
        return False

    def batch_begin(self, estimator, *a, **k):
        self.trace.append(f"{self.name}:batch_begin")

    def batch_end(self, estimator, *a, **k):
        self.trace.append(f"{self.name}:batch_end")
        return False


class _EpochMetrics(em.EpochEnd):
    priority = 0

    def __init__(self, est, store):
        self.est, self.store = est, store

    def epoch_end(self, estimator, *a, **k):
        ms = self.est.train_metrics + self.est.val_metrics
        self.store.append([list(m.get()) for m in ms])
        return False


def _check_metrics(got, expect):
    assert [name for name, _ in got] == [name for name, _ in expect]
    np.testing.assert_allclose(
        [v for _, v in got], [v for _, v in expect], rtol=RTOL, atol=ATOL
    )


def _check_final(params, f, rtol=RTOL, atol=ATOL):
    for k, p in params.items():
        np.testing.assert_allclose(
            p.data().asnumpy(), f[f"final.{k}"], rtol=rtol, atol=atol, err_msg=k
        )


def test_fit_metrics_order_log_checkpoints(tmp_path):
    net, params = _net()
    est, cap = _estimator(net)
    trace, per_epoch = [], []
    ck = em.CheckpointHandler(
        str(tmp_path),
        model_prefix="tiny",
        monitor=est.val_metrics[0],
        save_best=True,
        mode="max",
        epoch_period=1,
        batch_period=2,
        max_checkpoints=3,
    )
    handlers = [
        _Rec("early", -3000, trace),
        _Rec("mid", -1500, trace),
        _Rec("zero", 0, trace),
        _Rec("late", 5000, trace),
        _EpochMetrics(est, per_epoch),
        ck,
        em.LoggingHandler(log_interval=2, metrics=est.train_metrics),
    ]
    # The batch-2 checkpoint comes before any validation: MXNet warns too.
    with pytest.warns(RuntimeWarning, match="Skipping save best"):
        est.fit(_train(), val_data=_val(), epochs=2, event_handlers=handlers)
    assert len(per_epoch) == len(FIT["per_epoch"])
    for got, expect in zip(per_epoch, FIT["per_epoch"], strict=True):
        _check_metrics(got, expect)
    assert trace == FIT["trace"]
    assert cap.lines == FIT["log"]
    assert sorted(os.listdir(tmp_path)) == FIT["files"]
    best = mx.nd.load(str(tmp_path / "tiny-best.params"))
    assert sorted(best) == FIT["best_keys"]
    _check_final(params, FIT)

    cap.lines.clear()
    est.evaluate(_val())
    _check_metrics([list(m.get()) for m in est.val_metrics], FIT["eval_metrics"])
    assert cap.lines == FIT["eval_log"]


def test_fit_batches_stops_mid_epoch():
    f = _fx("estimator_batches")
    net, params = _net()
    est, cap = _estimator(net)
    trace = []
    est.fit(_train(), batches=5, event_handlers=[_Rec("r", 0, trace)])
    assert trace.count("r:batch_end") == f["n_batches"]
    assert trace.count("r:epoch_end") == f["n_epochs"]
    _check_metrics([list(m.get()) for m in est.train_metrics], f["metrics"])
    assert cap.lines == f["log"]
    _check_final(params, f)


def test_resume_from_checkpoint(tmp_path):
    f = _fx("estimator_resume")
    d = str(tmp_path)
    net, params = _net()
    est, cap = _estimator(net)
    est.fit(_train(), epochs=1, event_handlers=[em.CheckpointHandler(d)])
    assert sorted(os.listdir(d)) == f["files_first"]
    net, params = _net()
    est, cap = _estimator(net)
    ck = em.CheckpointHandler(d, resume_from_checkpoint=True)
    est.fit(_train(), epochs=3, event_handlers=[ck])
    assert (ck.trained_epoch, ck.trained_batch) == (
        f["trained_epoch"],
        f["trained_batch"],
    )
    assert est.max_epoch == f["max_epoch"]
    assert sorted(os.listdir(d)) == f["files"]
    assert cap.lines == f["log"]
    # Weights and SGD momentum come back from the .params/.states pair.
    _check_final(params, f)


def test_resume_needs_matching_period(tmp_path):
    net, _ = _net()
    est, _ = _estimator(net)
    ck = em.CheckpointHandler(
        str(tmp_path), batch_period=2, resume_from_checkpoint=True
    )
    with pytest.raises(ValueError, match="same type of period"):
        est.fit(_train(), epochs=2, event_handlers=[ck])


def test_resume_when_already_done(tmp_path):
    net, _ = _net()
    est, _ = _estimator(net)
    est.fit(_train(), epochs=2, event_handlers=[em.CheckpointHandler(str(tmp_path))])
    ck = em.CheckpointHandler(str(tmp_path), resume_from_checkpoint=True)
    with pytest.raises(ValueError, match="maximum number of epoch 2 reached"):
        est.fit(_train(), epochs=2, event_handlers=[ck])


def test_max_checkpoints_removes_exact_files(tmp_path):
    net, _ = _net()
    est, _ = _estimator(net)
    ck = em.CheckpointHandler(
        str(tmp_path), epoch_period=None, batch_period=1, max_checkpoints=10
    )
    x = np.linspace(-1, 1, 24 * 4, dtype=np.float32).reshape(24, 4)
    est.fit(_loader(x, np.zeros(24, np.float32), 1), batches=12, event_handlers=[ck])
    kept = sorted(
        n[: -len(".params")] for n in os.listdir(tmp_path) if n.endswith(".params")
    )
    # Batches 2..11 remain. Dropping 'model-epoch0batch1' keeps batch10/11
    # (MXNet 1.9.1 removes every file starting with that prefix).
    assert kept == sorted(f"model-epoch0batch{b}" for b in range(2, 12))
    assert len(os.listdir(tmp_path)) == 20


def test_symbol_saved_for_hybridized_net(tmp_path):
    net, _ = _net()
    net.hybridize()
    est, cap = _estimator(net)
    est.fit(_train(), epochs=1, event_handlers=[em.CheckpointHandler(str(tmp_path))])
    sym = mx.sym.load(str(tmp_path / "model-symbol.json"))
    assert "data" in sym.list_arguments()
    assert not any("not saved" in line for line in cap.lines)


def test_early_stopping():
    f = _fx("estimator_early")
    net, params = _net()
    est, cap = _estimator(net)
    trace = []
    stop = em.EarlyStoppingHandler(
        monitor=est.train_metrics[1], min_delta=10, patience=1, mode="min"
    )
    est.fit(_train(), epochs=5, event_handlers=[stop, _Rec("r", 0, trace)])
    assert trace.count("r:epoch_end") == f["n_epochs"]
    assert stop.stopped_epoch == f["stopped_epoch"]
    assert stop.wait == f["wait"]
    np.testing.assert_allclose(stop.best, f["best"], rtol=RTOL)
    assert cap.lines == f["log"]
    _check_final(params, f)


def test_early_stopping_rejects_composite():
    with pytest.raises(ValueError, match="CompositeEvalMetric"):
        em.EarlyStoppingHandler(monitor=mx.metric.CompositeEvalMetric())
    with pytest.raises(ValueError, match="monitor"):
        em.EarlyStoppingHandler(monitor="accuracy")


def test_defaults_warnings_and_names():
    f = _fx("estimator_misc")
    net, _ = _net()
    with pytest.warns(UserWarning) as rec:
        est = em.Estimator(net, mx.gluon.loss.L2Loss())
        em.EarlyStoppingHandler(monitor=est.train_metrics[0])
    assert [str(w.message) for w in rec] == f["warnings"]
    assert [m.name for m in est.train_metrics] == f["l2_train_names"]
    assert [m.name for m in est.val_metrics] == f["l2_val_names"]
    assert est.trainer.learning_rate == pytest.approx(f["trainer_lr"])
    assert type(est.trainer.optimizer).__name__ == f["optimizer"]
    assert est.context == [mx.cpu()] or est.context == [mx.gpu(0)]
    assert est.logger.name == "Estimator" and est.logger.level == logging.INFO


def test_estimator_initializes_net():
    net = mx.gluon.nn.Dense(2, in_units=3)
    with pytest.warns(UserWarning, match="No trainer specified"):
        est = em.Estimator(
            net, mx.gluon.loss.L1Loss(), initializer=mx.init.Constant(0.5)
        )
    np.testing.assert_array_equal(net.weight.data().asnumpy(), np.full((2, 3), 0.5))
    assert est._is_initialized()
    with pytest.warns(UserWarning) as rec:
        em.Estimator(net, mx.gluon.loss.L1Loss(), initializer=mx.init.One())
    assert any("already fully initialized" in str(w.message) for w in rec)


def test_argument_errors():
    net, _ = _net()
    est, _ = _estimator(net)
    with pytest.raises(ValueError, match="exactly one type of iteration"):
        est.fit(_train(), epochs=1, batches=2)
    with pytest.raises(ValueError, match="exactly one type of iteration"):
        est.fit(_train())
    with pytest.raises(ValueError, match="DataLoader"):
        est.fit([(mx.nd.ones((2, 4)), mx.nd.ones((2,)))], epochs=1)
    with pytest.raises(ValueError, match="DataLoader"):
        est.evaluate(None)
    with pytest.raises(ValueError, match="loss must be a gluon.loss.Loss"):
        em.Estimator(net, "l2", trainer=est.trainer)
    with pytest.raises(ValueError, match="Trainer must be a Gluon Trainer"):
        em.Estimator(net, mx.gluon.loss.L2Loss(), trainer="sgd")
    with pytest.raises(ValueError, match="context must be a Context"):
        em.Estimator(net, mx.gluon.loss.L2Loss(), trainer=est.trainer, context="cpu")
    # A GPU that does not exist: AssertionError as in MXNet.
    with pytest.raises(AssertionError, match="gpu\\(100\\) is not available"):
        em.Estimator(
            net, mx.gluon.loss.L2Loss(), trainer=est.trainer, context=[mx.gpu(100)]
        )
    with pytest.raises(ValueError, match="metrics must be"):
        em.Estimator(
            net, mx.gluon.loss.L2Loss(), train_metrics=["acc"], trainer=est.trainer
        )
    with pytest.raises(ValueError, match="event_handlers must be"):
        est.fit(_train(), epochs=1, event_handlers=[object()])
    with pytest.raises(ValueError, match="fit_batch"):
        em.Estimator(
            net, mx.gluon.loss.L2Loss(), trainer=est.trainer, batch_processor=object()
        )
    with pytest.raises(ValueError, match="log_interval"):
        em.LoggingHandler(log_interval="batch")


def test_handler_with_foreign_metric_rejected():
    net, _ = _net()
    est, _ = _estimator(net)
    foreign = em.MetricHandler(metrics=[mx.metric.Accuracy()])
    # MetricHandler given -> no default one, but the defaults that are added
    # (LoggingHandler, ...) make the mix that MXNet checks.
    with pytest.raises(ValueError, match="outside of the known"):
        est.fit(_train(), epochs=1, event_handlers=[foreign])


def test_default_handler_priorities():
    net, _ = _net()
    est, _ = _estimator(net)
    est.max_epoch, est.max_batch = 1, None
    handlers = est._prepare_default_handlers(_val(), None)
    assert [type(h).__name__ for h in handlers] == [
        "GradientUpdateHandler",
        "MetricHandler",
        "ValidationHandler",
        "StoppingHandler",
        "LoggingHandler",
    ]
    assert [getattr(h, "priority", 0) for h in handlers] == [
        -2000,
        -1000,
        -1000,
        0,
        float("inf"),
    ]


class _CountingProcessor(em.BatchProcessor):
    def __init__(self):
        self.fits = 0

    def fit_batch(self, estimator, train_batch, batch_axis=0):
        self.fits += 1
        return super().fit_batch(estimator, train_batch, batch_axis)


def test_custom_batch_processor_and_gradient_update():
    net, params = _net()
    proc = _CountingProcessor()
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", dict(FIT["optimizer"]))
    est = em.Estimator(
        net,
        mx.gluon.loss.SoftmaxCrossEntropyLoss(),
        trainer=trainer,
        context=mx.cpu(),
        batch_processor=proc,
    )
    est.logger.handlers = []
    steps = []

    class Spy(em.BatchEnd):
        priority = -2500

        def batch_end(self, estimator, *a, **k):
            steps.append(sum(loss.shape[0] for loss in k["loss"]))

    est.fit(_train(), epochs=2, event_handlers=[Spy()])
    assert proc.fits == 6
    assert steps == [4, 4, 2] * 2
    # Same numbers as the default processor run in MXNet.
    _check_final(params, _fx("estimator_fit"))
