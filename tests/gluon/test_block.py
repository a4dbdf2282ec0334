"""Block / HybridBlock machinery: naming, registration, deferred init, hybridize,
parameter files, export/imports. Expected names and numbers come from MXNet 1.9.1
fixtures (tools/fixtures/block.py)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import neogluon as mx
from neogluon import gluon
from neogluon.gluon import nn
from tests.conftest import FIXTURES
from tests.conftest import load_fixture

FACTS = json.loads((FIXTURES / "block" / "facts.json").read_text())


@pytest.fixture(autouse=True)
def _fresh_names():
    """Each test starts with fresh global name counters, like a new process."""
    old = mx.name.NameManager.current
    mx.name.NameManager.current = mx.name.NameManager()
    yield
    mx.name.NameManager.current = old


def _conv_bn_dense():
    net = nn.HybridSequential(prefix="model_")
    with net.name_scope():
        net.add(nn.Conv2D(4, 3, in_channels=2))
        net.add(nn.BatchNorm(in_channels=4))
        net.add(nn.Dense(3, activation="relu"))
    return net


class Custom(gluon.HybridBlock):
    """Custom block whose parameter is only inferable through the op."""

    def __init__(self, **kw):
        super().__init__(**kw)
        with self.name_scope():
            self.w = self.params.get("w", shape=(3, 0), allow_deferred_init=True)
            self.dense = nn.Dense(2)

    def hybrid_forward(self, F, x, w):
        return self.dense(F.FullyConnected(x, w, no_bias=True, num_hidden=3))


class CustomDot(gluon.HybridBlock):
    """``F.dot(x, w, transpose_b=True)``: MXNet 1.9.1 cannot infer ``w``."""

    def __init__(self, units, **kw):
        super().__init__(**kw)
        with self.name_scope():
            self.w = self.params.get("w", shape=(units, 0), allow_deferred_init=True)

    def hybrid_forward(self, F, x, w):
        return F.dot(x, w, transpose_b=True)


# ----------------------------------------------------------------------- naming
def test_prefixed_parameter_names_match_mxnet():
    net = _conv_bn_dense()
    assert list(net.collect_params().keys()) == FACTS["prefixed_names"]


def test_structural_keys_match_mxnet(tmp_path):
    net = _conv_bn_dense()
    net.initialize()
    net(mx.nd.ones((1, 2, 5, 5)))
    f = str(tmp_path / "a.params")
    net.save_parameters(f)
    assert sorted(mx.nd.load(f).keys()) == FACTS["structural_keys"]


def test_top_level_names_and_scopes():
    d1 = nn.Dense(5)
    d2 = nn.Dense(5)
    seq = nn.Sequential()
    with seq.name_scope():
        seq.add(nn.Dense(2))
    outside = nn.Sequential()
    outside.add(nn.Dense(2))
    got = [
        d1.name,
        d2.name,
        seq.name,
        list(seq.collect_params().keys()),
        list(outside.collect_params().keys()),
    ]
    assert got == FACTS["top_level_names"]


def test_custom_block_names_and_select():
    c = Custom()
    assert list(c.collect_params().keys()) == FACTS["custom_names"]
    assert list(c.collect_params(".*weight").keys()) == FACTS["custom_select"]
    assert list(c.collect_params("custom0_w").keys()) == FACTS["custom_select_w"]


def test_empty_prefix_makes_name_scope_a_noop():
    net = nn.HybridSequential(prefix="")
    with net.name_scope():
        net.add(nn.Dense(2))
    assert list(net.collect_params().keys()) == ["dense0_weight", "dense0_bias"]


# ----------------------------------------------------------------------- setattr
def test_setattr_registers_children_and_params():
    class M(gluon.Block):
        def __init__(self):
            super().__init__()
            with self.name_scope():
                self.l = nn.Dense(2)
                self.p = self.params.get("p", shape=(2,))

        def forward(self, x):
            return self.l(x)

    m = M()
    assert list(m._children) == ["l"]
    assert list(m._reg_params) == ["p"]
    with pytest.raises(TypeError, match="Changing attribute type for l"):
        m.l = 3


def test_hybrid_block_rejects_plain_block_child():
    h = nn.HybridSequential()
    with pytest.raises(
        ValueError, match="Children of HybridBlock must also be HybridBlock"
    ):
        h.add(nn.Sequential())


def test_unregistered_container_warns():
    class M(gluon.Block):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Dense(2)]

        def forward(self, x):
            return x

    with pytest.warns(UserWarning, match="unregistered container with Blocks"):
        M().collect_params()


# ----------------------------------------------------------------------- deferred init
def test_deferred_error_before_first_forward():
    c = Custom()
    c.initialize()
    with pytest.raises(mx.base.DeferredInitializationError) as info:
        c.w.data()
    msg = str(info.value)
    assert FACTS["deferred_error"].split(" You can also")[0] in msg


def test_deferred_init_through_fully_connected_matches_mxnet():
    case = load_fixture("block", "custom_dot")
    c = Custom()
    c.initialize()
    c(mx.nd.array(case["x"]))  # completes deferred init
    assert list(c.w.shape) == FACTS["custom_w_shape"]
    c.w.set_data(mx.nd.array(case["w"]))
    c.dense.weight.set_data(mx.nd.array(case["dense_w"]))
    c.dense.bias.set_data(mx.nd.array(case["dense_b"]))
    y = c(mx.nd.array(case["x"]))
    np.testing.assert_allclose(y.asnumpy(), case["y"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("hybridize", [False, True])
def test_deferred_init_through_dot_transpose_b(hybridize):
    # MXNet 1.9.1 fails here ("Deferred initialization failed because shape
    # cannot be inferred"); neogluon infers w = (4, 5) from x.
    blk = CustomDot(4)
    blk.initialize(mx.init.One())
    if hybridize:
        blk.hybridize()
    x = mx.nd.ones((2, 5))
    y = blk(x)
    assert blk.w.shape == (4, 5)
    np.testing.assert_allclose(y.asnumpy(), np.full((2, 4), 5.0, np.float32))


def test_deferred_init_failure_names_block_and_parameter():
    class Lost(gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            with self.name_scope():
                self.w = self.params.get("w", shape=(0, 0), allow_deferred_init=True)

        def hybrid_forward(self, F, x, w):
            return F.broadcast_add(x, F.sum(w))

    b = Lost()
    b.initialize()
    with pytest.raises(mx.base.DeferredInitializationError, match=r"lost0_w: \(0, 0\)"):
        b(mx.nd.ones((2, 3)))


def test_initialize_covers_custom_and_builtin_layers():
    class Net(gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            with self.name_scope():
                self.scale = self.params.get("scale", shape=(1,))
                self.fc = nn.Dense(3, in_units=2)

        def hybrid_forward(self, F, x, scale):
            return F.broadcast_mul(self.fc(x), scale)

    net = Net()
    net.initialize(mx.init.One())
    # The global initializer applies to the custom parameter whatever its name,
    # and to Dense's weight; Dense's bias keeps its own 'zeros' initializer.
    assert net.scale.data().asnumpy().tolist() == [1.0]
    assert (net.fc.weight.data().asnumpy() == 1).all()
    assert (net.fc.bias.data().asnumpy() == 0).all()


def test_initializer_precedence():
    dense = nn.Dense(2, in_units=3, weight_initializer=mx.init.Constant(0.5))
    dense.initialize(mx.init.One())
    assert (dense.weight.data().asnumpy() == 0.5).all()  # own init wins
    assert (dense.bias.data().asnumpy() == 0).all()


# ----------------------------------------------------------------------- hybridize
def test_hybrid_forward_receives_params_as_keywords():
    seen = {}

    class K(gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            with self.name_scope():
                self.weight = self.params.get("weight", shape=(2,), init="ones")

        def hybrid_forward(self, F, x, **kwargs):
            seen.update(kwargs)
            return x * 2

    k = K()
    k.initialize()
    k(mx.nd.ones((2,)))
    assert list(seen) == ["weight"]


def test_imperative_and_hybridized_results_equal():
    net = _conv_bn_dense()
    net.initialize(mx.init.Xavier())
    x = mx.nd.random.uniform(shape=(2, 2, 5, 5))
    eager = net(x).asnumpy()
    net.hybridize()
    hybrid = net(x).asnumpy()
    np.testing.assert_allclose(eager, hybrid, rtol=1e-5, atol=1e-6)
    # A second shape reuses the trace.
    x2 = mx.nd.random.uniform(shape=(3, 2, 5, 5))
    net.hybridize(active=False)
    e2 = net(x2).asnumpy()
    net.hybridize()
    np.testing.assert_allclose(net(x2).asnumpy(), e2, rtol=1e-5, atol=1e-6)


def test_hybridized_side_effects_run_at_trace_time_only_and_tuple_becomes_list():
    calls = []

    class Two(gluon.HybridBlock):
        def hybrid_forward(self, F, a, b):
            calls.append(1)
            return a + b, a * b

    t = Two()
    t.hybridize()
    a, b = mx.nd.ones((2,)), mx.nd.ones((2,)) * 3
    out = t(a, b)
    t(a, b)
    assert type(out).__name__ == FACTS["hybrid_tuple_output_type"] == "list"
    assert len(calls) == 1
    np.testing.assert_allclose(out[1].asnumpy(), [3.0, 3.0])


def test_hybridize_retraces_when_argument_structure_changes():
    class Opt(gluon.HybridBlock):
        def hybrid_forward(self, F, x, y=None):
            return x if y is None else x + y

    o = Opt()
    o.hybridize()
    x = mx.nd.ones((2,))
    np.testing.assert_allclose(o(x).asnumpy(), [1, 1])
    np.testing.assert_allclose(o(x, x).asnumpy(), [2, 2])  # MXNet raises here
    np.testing.assert_allclose(o(x).asnumpy(), [1, 1])


def test_hybridized_training_gradients_equal_eager():
    net = _conv_bn_dense()
    net.initialize(mx.init.Xavier())
    x = mx.nd.random.uniform(shape=(2, 2, 5, 5))
    grads = []
    for hyb in (False, True):
        net.hybridize(active=hyb)
        with mx.autograd.record():
            loss = (net(x) ** 2).sum()
        loss.backward()
        grads.append(
            {
                k: p.grad().asnumpy().copy()
                for k, p in net.collect_params().items()
                if p.grad_req != "null"
            }
        )
    for k in grads[0]:
        np.testing.assert_allclose(
            grads[0][k], grads[1][k], rtol=1e-4, atol=1e-5, err_msg=k
        )


# ----------------------------------------------------------------------- hooks
def test_forward_hooks_and_detach():
    d = nn.Dense(2, in_units=2)
    d.initialize()
    log = []
    h1 = d.register_forward_pre_hook(lambda b, inp: log.append(("pre", len(inp))))
    h2 = d.register_forward_hook(lambda b, inp, out: log.append(("post", out.shape)))
    d(mx.nd.ones((1, 2)))
    h1.detach()
    h2.detach()
    d(mx.nd.ones((1, 2)))
    assert log == [("pre", 1), ("post", (1, 2))]


def test_summary_prints_table(capsys):
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Dense(4, activation="relu"))
        net.add(nn.Dense(2))
    net.initialize()
    net.summary(mx.nd.ones((3, 5)))
    out = capsys.readouterr().out
    assert "Activation-1" in out and "Dense-2" in out and "Symbol" not in out
    assert "Total params: 34" in out  # 5*4+4 + 4*2+2
    net.hybridize()
    # MXNet raises AssertionError (its test_gluon.py::test_summary catches it).
    with pytest.raises(AssertionError, match="must not be hybridized"):
        net.summary(mx.nd.ones((3, 5)))


def test_slice_then_batchnorm_same_bits_eager_and_hybridized():
    # Train-mode BatchNorm after a strided slice: the eager slice is a copy, the
    # compiled graph's a view; results (and the pure-rounding-noise input
    # gradient) must agree exactly, as in MXNet's test_gluon::test_slice_batchnorm.
    class Net(mx.gluon.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.conv0 = nn.Conv2D(8, (1, 1))
                self.bn0 = nn.BatchNorm()

        def hybrid_forward(self, F, x):
            x = self.conv0(x).slice(begin=(0, 0, 0, 0), end=(4, 4, 4, 4))
            return self.bn0(x)

    x = mx.nd.random.uniform(shape=(6, 8, 10, 10))
    xh = x.copy()
    x.attach_grad()
    xh.attach_grad()
    net = Net()
    net.initialize()
    with mx.autograd.record():
        y1 = net(x)
    y1.backward()
    net.hybridize()
    with mx.autograd.record():
        y2 = net(xh)
    y2.backward()
    np.testing.assert_array_equal(y1.asnumpy(), y2.asnumpy())
    np.testing.assert_array_equal(x.grad.asnumpy(), xh.grad.asnumpy())


# ----------------------------------------------------------------------- files
def test_save_load_parameters_roundtrip_and_errors(tmp_path):
    net = _conv_bn_dense()
    net.initialize(mx.init.Xavier())
    x = mx.nd.ones((1, 2, 5, 5))
    y = net(x).asnumpy()
    f = str(tmp_path / "net.params")
    net.save_parameters(f)
    net2 = _conv_bn_dense()
    net2.load_parameters(f)  # completes deferred shapes from the file
    np.testing.assert_allclose(net2(x).asnumpy(), y, rtol=1e-6)

    small = nn.HybridSequential()
    with small.name_scope():
        small.add(nn.Dense(3))
        small.add(nn.Dense(3))
    g = str(tmp_path / "small.params")
    d = nn.HybridSequential()
    with d.name_scope():
        d.add(nn.Dense(3, in_units=2))
    d.initialize()
    d.save_parameters(g)
    with pytest.raises(AssertionError, match="Parameter '1.weight' is missing in file"):
        small.load_parameters(g)
    with pytest.raises(ValueError, match="is not present in ParameterDict"):
        one = nn.HybridSequential()
        one.load_parameters(g)


def test_load_legacy_prefixed_file(tmp_path):
    net = nn.HybridSequential(prefix="m_")
    with net.name_scope():
        net.add(nn.Dense(2, in_units=3))
    net.initialize(mx.init.Xavier())
    f = str(tmp_path / "legacy.params")
    net.collect_params().save(f, strip_prefix="m_")
    net2 = nn.HybridSequential(prefix="m_")
    with net2.name_scope():
        net2.add(nn.Dense(2, in_units=3))
    net2.load_parameters(f)
    np.testing.assert_array_equal(
        net2[0].weight.data().asnumpy(), net[0].weight.data().asnumpy()
    )


def test_imports_mxnet_export_and_predicts_like_mxnet():
    case = load_fixture("block", "mlp_io")
    d = str(FIXTURES / "block")
    blk = gluon.SymbolBlock.imports(
        os.path.join(d, "mlp-symbol.json"), ["data"], os.path.join(d, "mlp-0007.params")
    )
    np.testing.assert_allclose(
        blk(mx.nd.array(case["x"])).asnumpy(), case["y"], rtol=1e-5, atol=1e-6
    )


def test_export_then_imports_roundtrip(tmp_path):
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Dense(3, in_units=2, activation="relu"))
        net.add(nn.Dense(1, in_units=3))
    net.initialize(mx.init.Xavier())
    with pytest.raises(RuntimeError, match="Please first call block.hybridize"):
        net.export(str(tmp_path / "m"))
    net.hybridize()
    x = mx.nd.random.uniform(shape=(4, 2))
    y = net(x).asnumpy()
    sym_file, params_file = net.export(str(tmp_path / "m"), epoch=7)
    keys = sorted(mx.nd.load(params_file).keys())
    assert keys == FACTS["mlp_param_keys"]
    blk = gluon.SymbolBlock.imports(sym_file, ["data"], params_file)
    np.testing.assert_allclose(blk(x).asnumpy(), y, rtol=1e-6)


def test_errors_name_the_block():
    d = nn.Dense(2, in_units=3)
    d.initialize()
    with pytest.raises((mx.MXNetError, ValueError), match="dense0"):
        d(mx.nd.ones((4, 5)))


def test_hybridized_errors_name_the_node_and_the_expected_shape():
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Dense(4, in_units=5), nn.Dense(3, in_units=7))
    net.initialize()
    net.hybridize()
    with pytest.raises(mx.MXNetError) as info:
        net(mx.nd.ones((2, 5)))
    msg = str(info.value)
    assert "hybridsequential0_dense1_fwd (FullyConnected)" in msg
    assert "weight=(3, 7)" in msg and "expects 7 input features" in msg


def test_symbol_block_composes_inside_a_hybridized_parent(tmp_path):
    # MXNet's test_gluon::test_symbol_block_save_load: a SymbolBlock over a
    # backbone's internal outputs, called on Symbols when its parent traces.
    class Net(mx.gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            with self.name_scope():
                backbone = nn.HybridSequential(prefix="bb_")
                with backbone.name_scope():
                    backbone.add(nn.Conv2D(4, 3, activation="relu"), nn.Dense(5))
                data = mx.sym.var("data")
                internals = backbone(data).get_internals()
                pre = backbone.prefix
                outs = [
                    internals[pre + "conv0_relu_fwd_output"],
                    internals[pre + "dense0_fwd_output"],
                ]
                self.backbone = mx.gluon.SymbolBlock(
                    outs, data, params=backbone.collect_params()
                )
                self.body = nn.Conv2D(3, 1)

        def hybrid_forward(self, F, x):
            return self.backbone(self.body(x))

    x = mx.nd.random.normal(shape=(2, 3, 8, 8))
    net = Net()
    net.initialize(mx.init.Normal())
    eager = net(x)
    net.hybridize()
    hybrid = net(x)
    assert [o.shape for o in hybrid] == [(2, 4, 6, 6), (2, 5)]
    for a, b in zip(eager, hybrid, strict=True):
        np.testing.assert_allclose(a.asnumpy(), b.asnumpy(), rtol=1e-5, atol=1e-6)
    f = str(tmp_path / "net.params")
    net.save_parameters(f)
    # The SymbolBlock registers its parameters less their common prefix.
    assert sorted(mx.nd.load(f)) == [
        "backbone.conv0_bias",
        "backbone.conv0_weight",
        "backbone.dense0_bias",
        "backbone.dense0_weight",
        "body.bias",
        "body.weight",
    ]
    net2 = Net()
    net2.load_parameters(f)
    for a, b in zip(net2(x), hybrid, strict=True):
        np.testing.assert_allclose(a.asnumpy(), b.asnumpy(), rtol=1e-5, atol=1e-6)


def test_hybrid_block_inputs_rules_as_mxnet():
    # MXNet's test_gluon::test_hybrid_block_hybrid_no_hybrid / _none_args.
    class Add(mx.gluon.HybridBlock):
        def hybrid_forward(self, F, a, b=None):
            if isinstance(a, (list, tuple)):
                a = sum(a)
            if isinstance(b, (list, tuple)):
                b = sum(b)
            return a if b is None else a + b

    # Not hybridized, a HybridBlock takes what a Block takes (scalars too).
    out = Add()(mx.nd.ones((3,)), 2)
    assert out.asnumpy().tolist() == [3.0, 3.0, 3.0]
    out = Add()([mx.nd.ones((3,)), mx.nd.ones((3,))], 1)
    assert out.asnumpy().tolist() == [3.0, 3.0, 3.0]
    for hybridize in (False, True):
        blk = Add()
        if hybridize:
            blk.hybridize()
        with pytest.raises(ValueError, match="no input is an NDArray or a Symbol"):
            blk(None, None)
        with pytest.raises(ValueError, match="all NDArrays or all Symbols"):
            blk(mx.nd.ones((3,)), mx.sym.var("a"))
    blk = Add()
    blk.hybridize()
    with pytest.raises(ValueError, match="must be an NDArray, a Symbol, None"):
        blk(mx.nd.ones((3,)), 1)
    with pytest.raises(ValueError, match="on one context"):
        blk(mx.nd.ones((3,), ctx=mx.cpu(1)), mx.nd.ones((3,), ctx=mx.cpu(2)))
    out = blk(mx.nd.ones((3,), ctx=mx.cpu_pinned(0)), mx.nd.ones((3,)))
    assert out.asnumpy().tolist() == [2.0, 2.0, 2.0]


def test_block_module_keeps_mxnet_private_names():
    # MXNet 1.9.1's own tests and client libraries import these from
    # mxnet.gluon.block (test_thread_local.py::test_blockscope uses _BlockScope)
    import threading

    from neogluon.gluon import block
    from neogluon.name import NameManager

    flat, fmt = block._flatten([mx.nd.ones((1,)), [mx.nd.zeros((2,))]], "input")
    assert len(flat) == 2
    back, rest = block._regroup(flat, fmt)
    assert rest == [] and back[1][0].shape == (2,)

    class _Prefixed:
        def __init__(self, prefix):
            self.prefix = prefix
            self._empty_prefix = False

    seen = []
    go = threading.Event()

    def spawned():
        with block._BlockScope(_Prefixed("spawned_")):
            seen.append(NameManager.current.get(None, "hello"))
            go.wait()

    t = threading.Thread(target=spawned)
    t.start()
    block._BlockScope.create("main_thread", None, "hi")
    go.set()
    t.join()
    assert seen == ["spawned_hello0"]
