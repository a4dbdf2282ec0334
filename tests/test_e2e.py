"""End-to-end user programs, run identically in MXNet 1.9.1 and neogluon.

The programs below are copies of the ones in ``tools/fixtures/e2e.py``, written
as Gluon users write them; here ``mx`` is neogluon. The fixtures hold MXNet's
inputs, initial weights (by structural name), outputs, losses, gradients,
running statistics and updated weights.

Tolerances (float32):

* forward outputs and losses: rtol 1e-4 / atol 1e-5 (convolutions summed in a
  different order by oneDNN and torch; reductions over 32x32 maps);
* running statistics: rtol 1e-4 / atol 1e-6;
* frozen-BN (``use_global_stats=True``) gradients and the LSTM, custom-block and
  symbol gradients: rtol 1e-4 / atol 1e-5;
* train-mode BatchNorm gradients are ill-conditioned (docs/mxnet-behaviours.md,
  "Behaviours not copied", item 2): only
  the last layer's gradient (rtol 1e-3) and per-parameter gradient norms
  (rtol 2e-2) are compared; a conv whose true gradient is tiny gets an
  absolute floor of 1e-4.
"""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from tests.conftest import load_fixture
from tools.fixtures import e2e as programs  # the same programs MXNet ran

F32 = {"rtol": 1e-4, "atol": 1e-5}


def _structural(net) -> dict:
    return net._collect_params_with_prefix()


def _load_weights(net, fx: dict, tmp_path) -> None:
    """Load ``p:<name>`` arrays through a ``.params`` file, as users do."""
    arrays = {
        k[2:]: mx.nd.array(v.astype(np.float32)) for k, v in fx.items() if k[:2] == "p:"
    }
    f = str(tmp_path / "init.params")
    mx.nd.save(f, arrays)
    net.load_parameters(f)


def _close(actual, expected, what: str, **tol) -> None:
    tol = tol or F32
    if isinstance(actual, mx.nd.NDArray):
        actual = actual.asnumpy()
    np.testing.assert_allclose(actual, expected, err_msg=what, **tol)


# ---------------------------------------------------------------- (a) resnet
def _resnet(frozen_bn: bool):
    return programs._resnet(mx, frozen_bn)


@pytest.mark.parametrize("hybrid_step", [True, False], ids=["hybrid", "eager"])
@pytest.mark.parametrize("frozen", [False, True], ids=["train_bn", "frozen_bn"])
def test_resnet(frozen, hybrid_step, tmp_path):
    fx = load_fixture("e2e", "resnet_frozen" if frozen else "resnet")
    net = _resnet(frozen)
    net.initialize(mx.init.Xavier(magnitude=2.0))
    x = mx.nd.array(fx["x"].astype(np.float32))
    net(x)  # complete deferred init (the first conv has in_channels=0)
    _load_weights(net, fx, tmp_path)
    _close(net(x), fx["pred_eager"], "predict-mode eager forward")
    net.hybridize()
    _close(net(x), fx["pred_hybrid"], "predict-mode hybridized forward")
    if not hybrid_step:
        net.hybridize(active=False)

    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = mx.gluon.Trainer(
        net.collect_params(), "sgd", {"learning_rate": 0.1, "momentum": 0.9}
    )
    with mx.autograd.record():
        out = net(x)
        loss = loss_fn(out, mx.nd.array(fx["y"]))
    loss.backward()
    _close(out, fx["train_out"], "train-mode output")
    _close(loss, fx["loss"], "loss")
    params = _structural(net)
    for name, p in params.items():
        if "running" in name:
            _close(p.data(), fx["r:" + name], name, rtol=1e-4, atol=1e-6)
    if frozen:
        for name, p in params.items():
            if p.grad_req != "null":
                _close(p.grad(), fx["g:" + name], "grad " + name)
    else:
        _close(params["output.weight"].grad(), fx["g:output.weight"], "grad", rtol=1e-3)
        for name, norm in fx["gnorm"].items():
            got = float(np.linalg.norm(params[name].grad().asnumpy()))
            assert got == pytest.approx(norm, rel=2e-2, abs=1e-4), name
    trainer.step(x.shape[0])
    for key in [k for k in fx if k[:2] == "w:"]:
        tol = F32 if frozen or key.startswith("w:output") else {"rtol": 1e-3}
        _close(params[key[2:]].data(), fx[key], "updated " + key[2:], **tol)
    _close(net(x), fx["pred_after"], "predict after one step", rtol=1e-3, atol=1e-4)


# ---------------------------------------------------------------- (b) lstm lm
def _lstm_lm(vocab=20, embed=8, hidden=8, layers=2):
    return programs._lstm_lm(mx, vocab, embed, hidden, layers)


@pytest.mark.parametrize("hybrid", [False, True], ids=["eager", "hybridized"])
def test_lstm_language_model(hybrid, tmp_path):
    fx = load_fixture("e2e", "lstm")
    tokens = fx["tokens"]
    net = _lstm_lm()
    net.initialize(mx.init.Xavier())
    h, c = net.begin_state(3)
    net(mx.nd.array(tokens[0][:-1]), h, c)
    _load_weights(net, fx, tmp_path)
    if hybrid:
        net.hybridize()
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.5})
    params = _structural(net)
    losses, norms, states = [], [], []
    for step in range(2):
        seq = mx.nd.array(tokens[step])
        data, target = seq[:-1], seq[1:]
        h = h.detach()
        c = c.detach()
        with mx.autograd.record():
            out, h, c = net(data, h, c)
            loss = loss_fn(out, target).mean()
        loss.backward()
        grads = [p.grad() for p in params.values()]
        norms.append(mx.gluon.utils.clip_global_norm(grads, 0.25))
        losses.append(loss.asscalar())
        states.append(h.asnumpy())
        if step == 0:
            for name, p in params.items():
                _close(p.grad(), fx["g:" + name], "clipped grad " + name)
        trainer.step(1)
    assert all(isinstance(n, float) for n in norms)
    _close(np.array(losses), fx["losses"], "losses")
    _close(np.array(norms), fx["norms"], "global norms")
    _close(np.stack(states), fx["h_states"], "hidden states")
    _close(c, fx["c_last"], "last cell state")
    for name, p in params.items():
        _close(p.data(), fx["w:" + name], "updated " + name)


# ---------------------------------------------------------------- (c) custom
def _custom():
    return programs._custom(mx)


def test_custom_block_params_get_trainer_mults(tmp_path):
    fx = load_fixture("e2e", "custom")
    with mx.name.NameManager():  # fresh counters: the names a fresh process gives
        net = _custom()
    net.initialize()
    assert list(net.collect_params().keys()) == fx["names"]
    assert net.l1.weight.data().asnumpy().std() > 0.2  # its own Normal(0.5)
    assert net.scale.data().asscalar() == 1.5
    _load_weights(net, fx, tmp_path)
    trainer = mx.gluon.Trainer(
        net.collect_params(), "sgd", {"learning_rate": 0.1, "momentum": 0.9, "wd": 0.01}
    )
    loss_fn = mx.gluon.loss.L2Loss()
    params = _structural(net)
    losses = []
    for i in range(3):
        xb, yb = mx.nd.array(fx["x"][i]), mx.nd.array(fx["y"][i])
        with mx.autograd.record():
            loss = loss_fn(net(xb), yb)
        loss.backward()
        if i == 0:
            for name, p in params.items():
                _close(p.grad(), fx["g:" + name], "grad " + name)
        trainer.step(5)
        losses.append(loss.asnumpy())
    _close(np.stack(losses), fx["losses"], "losses")
    for name, p in params.items():
        _close(p.data(), fx["w:" + name], "updated " + name)


# ---------------------------------------------------------------- (d) symbol
def _mlp_sym():
    return programs._mlp_sym(mx)


def test_symbol_module_era_program():
    fx = load_fixture("e2e", "symbol_mlp")
    net = _mlp_sym()
    assert net.list_arguments() == fx["arguments"]
    assert net.list_outputs() == fx["outputs"]
    assert net.list_auxiliary_states() == fx["aux"]
    assert net.get_internals().list_outputs() == fx["internals"]
    arg_shapes, out_shapes, aux_shapes = net.infer_shape(data=(6, 5))
    assert [list(s) for s in arg_shapes] == fx["arg_shapes"]
    assert [list(s) for s in out_shapes] == fx["out_shapes"]
    assert [list(s) for s in aux_shapes] == fx["aux_shapes"]
    partial = net.infer_shape_partial(softmax_label=(6,))
    assert [list(s) for s in partial[0]] == fx["partial_arg_shapes"]

    exe = net.simple_bind(mx.cpu(), data=(6, 5))
    for name, arr in exe.arg_dict.items():
        if name == "data":
            arr[:] = fx["x"]
        elif name == "softmax_label":
            arr[:] = fx["y"]
        else:
            arr[:] = fx["p:" + name].astype(np.float32)
    for name, arr in exe.aux_dict.items():
        arr[:] = fx["a:" + name].astype(np.float32)
    exe.forward(is_train=True)
    _close(exe.outputs[0], fx["train_out"], "train forward")
    exe.backward()
    for name, g in exe.grad_dict.items():
        if g is not None and name not in ("data", "softmax_label"):
            _close(g, fx["g:" + name], "grad " + name)
    _close(exe.grad_dict["data"], fx["data_grad"], "data grad")
    for name, arr in exe.aux_dict.items():
        _close(arr, fx["r:" + name], "aux " + name, rtol=1e-4, atol=1e-6)
    for name in exe.arg_dict:
        if name not in ("data", "softmax_label"):
            exe.arg_dict[name][:] = exe.arg_dict[name] - 0.1 * exe.grad_dict[name]
    exe.forward(is_train=False)
    _close(exe.outputs[0], fx["pred_out"], "predict forward after update")

    internals = net.get_internals()
    fc2 = internals["fc2_output"]
    args = {n: mx.nd.array(exe.arg_dict[n].asnumpy()) for n in fc2.list_arguments()}
    grads = {n: mx.nd.zeros(a.shape) for n, a in args.items()}
    exe2 = fc2.bind(
        mx.cpu(),
        args,
        args_grad=grads,
        grad_req="write",
        aux_states={n: exe.aux_dict[n].copy() for n in fc2.list_auxiliary_states()},
    )
    exe2.forward(is_train=False)
    _close(exe2.outputs[0], fx["fc2_out"], "internal fc2 output")
    exe2.backward(mx.nd.ones((6, 4)))
    _close(grads["fc2_weight"], fx["fc2_w_grad"], "fc2 weight grad via bind")
    assert mx.sym.Group([fc2, net]).list_outputs() == fx["group_outputs"]


def test_symbol_json_from_mxnet_runs():
    fx = load_fixture("e2e", "symbol_json")
    ref = load_fixture("e2e", "symbol_mlp")
    net = mx.sym.load_json(fx["json"])
    assert net.list_arguments() == ref["arguments"]
    assert net.list_auxiliary_states() == ref["aux"]
    args = {"data": mx.nd.array(ref["x"]), "softmax_label": mx.nd.array(ref["y"])}
    for k, v in ref.items():
        if k[:2] == "p:":
            args[k[2:]] = mx.nd.array(v.astype(np.float32))
    aux = {
        k[2:]: mx.nd.array(v.astype(np.float32))
        for k, v in ref.items()
        if k[:2] == "a:"
    }
    exe = net.bind(mx.cpu(), args, aux_states=aux)
    exe.forward(is_train=True)
    _close(exe.outputs[0], ref["train_out"], "train forward from MXNet JSON")
