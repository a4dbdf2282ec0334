"""mx.mod.Module vs MXNet 1.9.1: training with fit (SGD with momentum and
lr/wd multipliers, Adam with BatchNorm, RMSProp regression, two contexts),
score, predict, checkpoints and optimizer states, the forward/backward/
update loop with reshapes; fixtures from tools/fixtures/module.py."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import neogluon as mx
from tests.conftest import FIXTURES
from tests.conftest import load_fixture
from tools.fixtures import module as M

DIR = FIXTURES / "module"
RTOL, ATOL = 1e-4, 1e-5


def _fit(name: str, ckpt_prefix=None):
    ref = load_fixture("module", f"fit_{name}")
    arrays = {k: ref[k] for k in ("x", "y", "xe", "ye")}
    init_arg = {
        k[len("init_arg_") :]: v for k, v in ref.items() if k.startswith("init_arg_")
    }
    init_aux = {
        k[len("init_aux_") :]: v for k, v in ref.items() if k.startswith("init_aux_")
    }
    out, mod = M.run_fit(mx, name, arrays, init_arg, init_aux, ckpt_prefix=ckpt_prefix)
    return ref, out, mod


@pytest.mark.parametrize("name", sorted(M.FIT_CASES))
def test_fit_matches_mxnet(name):
    ref, out, _ = _fit(name)
    params = [k for k in ref if k.startswith(("arg_", "aux_", "epoch"))]
    assert params and sorted(params) == sorted(
        k for k in out if k.startswith(("arg_", "aux_", "epoch"))
    )
    for k in params:
        np.testing.assert_allclose(out[k], ref[k], rtol=RTOL, atol=ATOL, err_msg=k)
    np.testing.assert_allclose(
        out["batch_metric"], ref["batch_metric"], rtol=1e-5, atol=1e-6
    )
    assert [n for n, _ in out["score"]] == [n for n, _ in ref["score"]]
    np.testing.assert_allclose(
        [v for _, v in out["score"]], [v for _, v in ref["score"]], rtol=RTOL, atol=ATOL
    )
    np.testing.assert_allclose(out["pred"], ref["pred"], rtol=RTOL, atol=ATOL)
    assert out["pred"].shape[0] == ref["xe"].shape[0]  # padding removed
    assert out["output_shapes"] == ref["output_shapes"]


def test_checkpoint_files_as_mxnet(tmp_path):
    prefix = str(tmp_path / "ckpt")
    ref, _, mod = _fit("mlp_sgd", ckpt_prefix=prefix)
    assert (tmp_path / "ckpt-symbol.json").read_bytes() == (
        DIR / "ckpt-symbol.json"
    ).read_bytes()
    ours = mx.nd.load(prefix + "-0003.params")
    theirs = mx.nd.load(str(DIR / "ckpt-0003.params"))
    assert sorted(ours) == sorted(theirs)
    assert all(k.startswith("arg:") for k in ours)
    for k in theirs:
        np.testing.assert_allclose(
            ours[k].asnumpy(), theirs[k].asnumpy(), rtol=RTOL, atol=ATOL, err_msg=k
        )
    # The .states file MXNet wrote loads into a neogluon Module and holds the
    # same momentum as neogluon's own run.
    loaded = mx.mod.Module.load(str(DIR / "ckpt"), 3, load_optimizer_states=True)
    spec = M.FIT_CASES["mlp_sgd"]
    loaded.bind(
        data_shapes=[("data", (spec["batch"], 6))],
        label_shapes=[("softmax_label", (8,))],
    )
    loaded.init_optimizer(optimizer="sgd", optimizer_params=spec["optimizer_params"])
    ours_states = mod._updater.states
    theirs_states = loaded._updater.states
    assert sorted(ours_states) == sorted(theirs_states) == [0, 1, 2, 3]
    for k in ours_states:
        np.testing.assert_allclose(
            ours_states[k].asnumpy(), theirs_states[k].asnumpy(), rtol=RTOL, atol=ATOL
        )
    arg, _ = loaded.get_params()
    for k, v in arg.items():
        np.testing.assert_array_equal(v.asnumpy(), theirs[f"arg:{k}"].asnumpy())
    # neogluon's own .states file round-trips.
    again = mx.mod.Module.load(prefix, 3, load_optimizer_states=True)
    again.bind(data_shapes=[("data", (8, 6))], label_shapes=[("softmax_label", (8,))])
    again.init_optimizer(optimizer="sgd", optimizer_params=spec["optimizer_params"])
    for k in ours_states:
        np.testing.assert_array_equal(
            again._updater.states[k].asnumpy(), ours_states[k].asnumpy()
        )


def test_lr_wd_mult_from_symbol_attrs():
    mod = mx.mod.Module(M.mlp_symbol(mx))
    mod.bind(data_shapes=[("data", (4, 6))], label_shapes=[("softmax_label", (4,))])
    mod.init_params()
    mod.init_optimizer(optimizer="sgd", optimizer_params={"learning_rate": 0.1})
    o = mod._optimizer
    assert o.lr_mult == {"fc1_weight": 0.5}
    assert o.wd_mult["fc2_weight"] == 3.0
    assert o.wd_mult["fc1_bias"] == 0.0 and o.wd_mult["fc2_bias"] == 0.0
    assert o.rescale_grad == 0.25
    assert o.idx2name == dict(
        enumerate(["fc1_weight", "fc1_bias", "fc2_weight", "fc2_bias"])
    )


def test_loop_with_reshape_matches_mxnet():
    ref = load_fixture("module", "loop_reshape")
    out = M.run_loop(mx, {k: ref[k] for k in ref if k[0] in "wbxg"})
    assert sorted(out) == sorted(k for k in ref if k[0] in "ois")
    for k, v in out.items():
        np.testing.assert_allclose(v, ref[k], rtol=RTOL, atol=ATOL, err_msg=k)


# ---------------------------------------------------------------- API behaviour
def _fc_module(**kwargs):
    data = mx.sym.Variable("data")
    fc = mx.sym.FullyConnected(data, num_hidden=3, name="fc")
    return mx.mod.Module(mx.sym.SoftmaxOutput(fc, name="softmax"), **kwargs)


def test_states_of_a_module():
    mod = _fc_module()
    assert not mod.binded and mod.data_names == ["data"]
    assert mod.label_names == ["softmax_label"]
    assert mod.output_names == ["softmax_output"]
    with pytest.raises(AssertionError, match="bind"):
        mod.init_params()
    mod.bind(data_shapes=[("data", (5, 4))], label_shapes=[("softmax_label", (5,))])
    assert mod.binded and mod.for_training
    assert mod.output_shapes == [("softmax_output", (5, 3))]
    assert [(d.name, d.shape) for d in mod.data_shapes] == [("data", (5, 4))]
    with pytest.raises(AssertionError, match="init_params"):
        mod.forward(mx.io.DataBatch([mx.nd.ones((5, 4))]))
    mod.init_params(initializer=mx.init.One())
    arg, aux = mod.get_params()
    assert sorted(arg) == ["fc_bias", "fc_weight"] and aux == {}
    assert (arg["fc_weight"].asnumpy() == 1).all()
    with pytest.warns(UserWarning, match="already initialized"):
        mod.init_params()
    with pytest.raises(AssertionError, match="init_optimizer"):
        mod.update()


def test_wrong_names_and_shapes():
    data = mx.sym.Variable("data")
    fc = mx.sym.FullyConnected(data, num_hidden=3, name="fc")
    with pytest.raises(ValueError, match="'x' is not found"):
        mx.mod.Module(fc, data_names=["x"], label_names=None)
    mod = mx.mod.Module(fc, label_names=None)
    with pytest.raises(ValueError, match="don't match names"):
        mod.bind(data_shapes=[("other", (2, 3))])
    with pytest.raises(TypeError, match="tuple of ints"):
        mod.bind(data_shapes=[("data", mx.nd.array([2, 3]))])
    assert not mod.binded


def test_set_params_missing_and_extra():
    mod = _fc_module()
    mod.bind(data_shapes=[("data", (2, 4))], label_shapes=[("softmax_label", (2,))])
    w = mx.nd.ones((3, 4))
    with pytest.raises(RuntimeError, match="fc_bias is not presented"):
        mod.set_params({"fc_weight": w}, {})
    mod.set_params({"fc_weight": w}, {}, allow_missing=True)
    assert (mod.get_params()[0]["fc_weight"].asnumpy() == 1).all()
    extra = {"fc_weight": w, "fc_bias": mx.nd.zeros(3), "nope": w}
    with pytest.raises(ValueError, match="nope"):
        mod.set_params(extra, {}, allow_missing=True)
    mod.set_params(extra, {}, allow_missing=True, allow_extra=True)


def test_params_files_roundtrip(tmp_path):
    mod = _fc_module()
    mod.bind(data_shapes=[("data", (2, 4))], label_shapes=[("softmax_label", (2,))])
    mod.init_params(initializer=mx.init.Uniform(1.0))
    mod.save_params(str(tmp_path / "p.params"))
    saved = mx.nd.load(str(tmp_path / "p.params"))
    assert sorted(saved) == ["arg:fc_bias", "arg:fc_weight"]
    other = _fc_module()
    other.bind(data_shapes=[("data", (2, 4))], label_shapes=[("softmax_label", (2,))])
    other.load_params(str(tmp_path / "p.params"))
    for k, v in mod.get_params()[0].items():
        np.testing.assert_array_equal(other.get_params()[0][k].asnumpy(), v.asnumpy())
    mx.nd.save(str(tmp_path / "bad.params"), {"weird:fc_bias": mx.nd.zeros(3)})
    with pytest.raises(ValueError, match="weird:fc_bias"):
        other.load_params(str(tmp_path / "bad.params"))


def test_predict_forms_and_iter_predict():
    fc = mx.sym.FullyConnected(mx.sym.Variable("data"), num_hidden=3, name="fc")
    mod = mx.mod.Module(fc, label_names=None)
    mod.bind(data_shapes=[("data", (4, 2))], for_training=False)
    mod.init_params(initializer=mx.init.One())
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    it = mx.io.NDArrayIter(x, batch_size=4)
    merged = mod.predict(it)
    assert merged.shape == (10, 3)
    as_list = mod.predict(it, always_output_list=True)
    assert isinstance(as_list, list) and len(as_list) == 1
    per_batch = mod.predict(it, merge_batches=False)
    assert [b[0].shape for b in per_batch] == [(4, 3), (4, 3), (2, 3)]
    assert len(mod.predict(it, num_batch=1)) == 4
    seen = [(i, [o.shape for o in outs]) for outs, i, _ in mod.iter_predict(it)]
    assert seen == [(0, [(4, 3)]), (1, [(4, 3)]), (2, [(2, 3)])]
    np.testing.assert_allclose(mod.predict(x[:4]).asnumpy(), merged.asnumpy()[:4])
    with pytest.raises(ValueError, match="NDArray or DataIter"):
        mod.predict([1, 2])


def test_kvstore_choices():
    mod = _fc_module()
    mod.bind(data_shapes=[("data", (2, 4))], label_shapes=[("softmax_label", (2,))])
    mod.init_params()
    mod.init_optimizer(kvstore=None)
    assert mod._kvstore is None and mod._updater is not None
    with pytest.raises(TypeError, match="kvstore must be"):
        mod.init_optimizer(kvstore=3, force_init=True)
    two = _fc_module(context=[mx.cpu(0), mx.cpu(1)])
    two.bind(data_shapes=[("data", (4, 4))], label_shapes=[("softmax_label", (4,))])
    two.init_params()
    two.init_optimizer(kvstore="local")
    assert two._kvstore.type == "local" and two._update_on_kvstore
    with pytest.raises(ValueError, match="Unknown kvstore type 'no_such_store'"):
        two.init_optimizer(kvstore="no_such_store", force_init=True)


def test_multi_context_outputs_split_and_merge():
    data = mx.sym.Variable("data")
    out = mx.sym.Activation(data, act_type="relu", __layout__="TNC")
    mod = mx.mod.Module(out, label_names=None, context=[mx.cpu(0), mx.cpu(1)])
    mod.bind(data_shapes=[mx.io.DataDesc("data", (3, 7, 2), layout="TNC")])
    mod.init_params()
    x = np.random.RandomState(0).uniform(-1, 1, (3, 7, 2)).astype(np.float32)
    mod.forward(mx.io.DataBatch([mx.nd.array(x)]))
    parts = mod.get_outputs(merge_multi_context=False)[0]
    assert [p.shape for p in parts] == [(3, 4, 2), (3, 3, 2)]
    np.testing.assert_array_equal(mod.get_outputs()[0].asnumpy(), np.maximum(x, 0))


def test_fixed_params_are_not_updated():
    mod = _fc_module(fixed_param_names=["fc_weight"])
    mod.bind(data_shapes=[("data", (2, 4))], label_shapes=[("softmax_label", (2,))])
    mod.init_params(initializer=mx.init.One())
    mod.init_optimizer(optimizer_params={"learning_rate": 1.0})
    batch = mx.io.DataBatch([mx.nd.ones((2, 4))], [mx.nd.array([0, 1])])
    mod.forward_backward(batch)
    mod.update()
    arg, _ = mod.get_params()
    assert (arg["fc_weight"].asnumpy() == 1).all()
    assert not (arg["fc_bias"].asnumpy() == 1).all()


def test_base_module_is_abstract():
    base = mx.mod.BaseModule()
    with pytest.raises(NotImplementedError, match="forward"):
        base.forward(None)
    with pytest.raises(NotImplementedError, match="install_monitor"):
        base.install_monitor(None)


# ---------------------------------------------------------------- callbacks
def _param(epoch, nbatch, metric):
    return mx.model.BatchEndParam(
        epoch=epoch, nbatch=nbatch, eval_metric=metric, locals={}
    )


def test_callbacks_log_in_mxnet_format(caplog, tmp_path):
    caplog.set_level(logging.INFO)
    metric = mx.metric.Accuracy()
    metric.update([mx.nd.array([0, 1])], [mx.nd.array([[1, 0], [1, 0]])])
    mx.callback.log_train_metric(2)(_param(1, 4, metric))
    assert "Iter[1] Batch[4] Train-accuracy=0.500000" in caplog.text
    mx.callback.LogValidationMetricsCallback()(_param(3, 0, metric))
    assert "Epoch[3] Validation-accuracy=0.500000" in caplog.text
    mx.callback.ProgressBar(total=4, length=8)(_param(0, 2, metric))
    assert "[====----] 50%" in caplog.text
    speed = mx.callback.Speedometer(batch_size=2, frequent=2)
    speed(_param(0, 0, metric))
    speed(_param(0, 2, metric))
    assert "Epoch[0] Batch [0-2]\tSpeed:" in caplog.text
    assert "\taccuracy=0.500000" in caplog.text
    # auto_reset cleared the local state
    assert metric.num_inst == 0 and metric.global_num_inst == 2
    speed_nometric = mx.callback.Speedometer(batch_size=2, frequent=1)
    speed_nometric(_param(5, 0, None))
    speed_nometric(_param(5, 1, None))
    assert "Iter[5] Batch [1]\tSpeed:" in caplog.text


def test_checkpoint_callbacks(tmp_path):
    sym = M.mlp_symbol(mx)
    arg = {"fc1_bias": mx.nd.ones(8)}
    cb = mx.callback.do_checkpoint(str(tmp_path / "m"), period=2)
    for epoch in range(4):
        cb(epoch, sym, arg, {})
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "m-0002.params",
        "m-0004.params",
        "m-symbol.json",
    ]
    mod = _fc_module()
    mod.bind(data_shapes=[("data", (2, 4))], label_shapes=[("softmax_label", (2,))])
    mod.init_params()
    mod.init_optimizer()
    mcb = mx.callback.module_checkpoint(
        mod, str(tmp_path / "mod"), save_optimizer_states=True
    )
    mcb(0)
    assert (tmp_path / "mod-0001.params").exists() and (
        tmp_path / "mod-0001.states"
    ).exists()


def test_fit_needs_num_epoch_and_calls_callbacks():
    mod = _fc_module()
    it = mx.io.NDArrayIter(
        np.ones((4, 4), np.float32), np.zeros(4, np.float32), batch_size=2
    )
    with pytest.raises(AssertionError, match="number of epochs"):
        mod.fit(it)
    calls = []
    mod.fit(
        it,
        eval_data=it,
        num_epoch=2,
        begin_epoch=1,
        epoch_end_callback=lambda e, s, a, x: calls.append(("epoch", e)),
        batch_end_callback=[lambda p: calls.append(("batch", p.epoch, p.nbatch))],
        eval_end_callback=lambda p: calls.append(("eval", p.epoch, p.nbatch)),
    )
    assert calls == [("batch", 1, 0), ("batch", 1, 1), ("epoch", 1), ("eval", 1, 2)]


# ---------------------------------------------------------------- bucketing
def _sym_gen(key):
    data = mx.sym.Variable("data")
    weight = mx.sym.Variable("w", shape=(1,), init=mx.init.One())
    out = data
    for _ in range(key):
        out = mx.sym.broadcast_mul(out, weight)
    return mx.sym.make_loss(mx.sym.sum(out)), ("data",), None


def test_bucketing_module_shares_parameters_and_grads():
    mod = mx.mod.BucketingModule(sym_gen=_sym_gen, default_bucket_key=3)
    mod.bind(data_shapes=[("data", (2,))], grad_req="add")
    mod.init_params()
    assert (mod.get_params()[0]["w"].asnumpy() == 1).all()

    def batch(key):
        return mx.io.DataBatch(
            [mx.nd.ones((2,))],
            provide_data=[mx.io.DataDesc("data", (2,), layout="N")],
            bucket_key=key,
        )

    mod.forward_backward(batch(3))  # d/dw sum(x w^3) = 3 w^2 * 2 = 6
    mod.forward_backward(batch(2))  # 2 w * 2 = 4, added into the same array
    assert sorted(mod._buckets) == [2, 3]
    g3 = mod._buckets[3]._exec_group.execs[0].grad_dict["w"]
    g2 = mod._buckets[2]._exec_group.execs[0].grad_dict["w"]
    assert g2.asscalar() == 10 and g3.asscalar() == 10
    mod.init_optimizer(optimizer_params={"learning_rate": 0.1, "rescale_grad": 1.0})
    mod.update()
    assert mod._buckets[3]._optimizer is mod._buckets[2]._optimizer
    np.testing.assert_allclose(mod.get_params()[0]["w"].asnumpy(), [0.0], atol=1e-6)


def test_bucketing_checkpoint_roundtrip(tmp_path):
    mod = mx.mod.BucketingModule(sym_gen=_sym_gen, default_bucket_key=3)
    mod.bind(data_shapes=[("data", (2,))])
    mod.init_params(initializer=mx.init.Constant(0.5), force_init=True)
    mod.set_params({"w": mx.nd.array([0.25])}, {})
    mod.switch_bucket(1, [("data", (2,))])
    prefix = str(tmp_path / "b")
    mod.save_checkpoint(prefix, 7)
    assert (tmp_path / "b-1-symbol.json").exists() and (
        tmp_path / "b-3-symbol.json"
    ).exists()
    back = mx.mod.BucketingModule.load(
        prefix, 7, sym_gen=_sym_gen, default_bucket_key=3
    )
    back.bind(data_shapes=[("data", (2,))])
    assert sorted(back._buckets) == [1, 3]
    np.testing.assert_array_equal(back.get_params()[0]["w"].asnumpy(), [0.25])
    back.forward(
        mx.io.DataBatch(
            [mx.nd.array([1.0, 2.0])],
            provide_data=[mx.io.DataDesc("data", (2,))],
            bucket_key=1,
        ),
        is_train=False,
    )
    np.testing.assert_allclose(back.get_outputs()[0].asnumpy(), [0.75])


def test_sparse_row_id_fn_only_warns_for_dense_params():
    mod = _fc_module()
    mod.bind(data_shapes=[("data", (2, 4))], label_shapes=[("softmax_label", (2,))])
    mod.init_params()
    mod.init_optimizer()
    batch = mx.io.DataBatch([mx.nd.ones((2, 4))], [mx.nd.array([0, 1])])
    with pytest.warns(UserWarning, match="not updated in the KVStore"):
        mod.prepare(batch, sparse_row_id_fn=lambda b: {"fc_weight": mx.nd.array([0])})
    two = _fc_module(context=[mx.cpu(0), mx.cpu(1)])
    two.bind(data_shapes=[("data", (2, 4))], label_shapes=[("softmax_label", (2,))])
    two.init_params()
    two.init_optimizer()
    with pytest.warns(UserWarning, match="fc_weight.stype is not 'row_sparse'"):
        two.prepare(batch, sparse_row_id_fn=lambda b: {"fc_weight": mx.nd.array([0])})
