"""mx.contrib.amp graph conversion (convert_symbol / convert_model /
convert_hybrid_block) against MXNet 1.9.1 (fixtures: contrib_amp)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import neogluon as mx
from neogluon.base import MXNetError
from neogluon.contrib import amp
from tests.conftest import fixture_names
from tests.conftest import load_fixture

FAM = "contrib_amp"
_KEYS = ("dtype", "num_outputs", "__dtype__")
SYM_CASES = sorted({n for n in fixture_names(FAM) if n.startswith("sym_")})
NETS = ("net_a", "net_b")


def _structure(js: dict) -> list:
    """(op, name, inputs, the attributes the conversion writes) per node."""
    out = []
    for n in js["nodes"]:
        attrs = n.get("attrs") or {}
        out.append(
            (
                n["op"],
                n["name"],
                [list(i) for i in n["inputs"]],
                {k: attrs[k] for k in _KEYS if k in attrs},
            )
        )
    return out


def _assert_same_graph(ours: dict, theirs: dict) -> None:
    assert _structure(ours) == _structure(theirs)
    assert [list(h) for h in ours["heads"]] == [list(h) for h in theirs["heads"]]


def _dtype_name(arr) -> str:
    t = arr.to_torch().dtype
    return "bfloat16" if t == torch.bfloat16 else np.dtype(arr.dtype).name


@pytest.mark.parametrize("case", SYM_CASES)
def test_convert_symbol_structure_is_mxnets(case):
    fx = load_fixture(FAM, case)
    sym = mx.sym.load_json(fx["symbol"])
    cop = case.endswith("-1")
    conv = amp.convert_symbol(
        sym, target_dtype="float16", data_names=["data"], cast_optional_params=cop
    )
    _assert_same_graph(json.loads(conv.tojson(remove_amp_cast=False)), fx["json"])


def _net(name):
    fx = load_fixture(FAM, name)
    sym = mx.sym.load_json(fx["symbol"])
    params = {k: fx[f"p:{k}"] for k in fx["param_names"]}
    return fx, sym, params


@pytest.mark.parametrize("cop", [0, 1])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("name", NETS)
def test_convert_symbol_and_model_are_mxnets(name, dtype, cop):
    fx, sym, params = _net(name)
    want = load_fixture(FAM, f"{name}-{dtype}-{cop}")
    conv = amp.convert_symbol(
        sym,
        target_dtype=dtype,
        excluded_sym_names=list(fx["excluded"]),
        data_names=["data"],
        cast_optional_params=bool(cop),
    )
    _assert_same_graph(json.loads(conv.tojson(remove_amp_cast=False)), want["json"])
    # The default tojson drops the casts again, as MXNet's does.
    _assert_same_graph(json.loads(conv.tojson()), want["json_removed"])

    arg_names = set(sym.list_arguments())
    args = {k: mx.nd.array(v) for k, v in params.items() if k in arg_names}
    auxs = {k: mx.nd.array(v) for k, v in params.items() if k not in arg_names}
    msym, margs, mauxs = amp.convert_model(
        sym,
        args,
        auxs,
        target_dtype=dtype,
        excluded_sym_names=list(fx["excluded"]),
        cast_optional_params=bool(cop),
    )
    _assert_same_graph(
        json.loads(msym.tojson(remove_amp_cast=False)), want["model_json"]
    )
    got = {k: _dtype_name(v) for k, v in {**margs, **mauxs}.items()}
    assert got == want["model_param_dtypes"]


def _hybridized(name):
    fx, sym, params = _net(name)
    block = mx.gluon.SymbolBlock(sym, [mx.sym.var("data")])
    block.collect_params().load_dict(
        {k: mx.nd.array(v) for k, v in params.items()}, ctx=mx.cpu()
    )
    block.hybridize()
    x = mx.nd.array(fx["data"])
    ref = block(x)
    return fx, block, x, ref


@pytest.mark.parametrize("cop", [0, 1])
@pytest.mark.parametrize("name", NETS)
def test_convert_hybrid_block_bfloat16_outputs_match_mxnet(name, cop):
    fx, block, x, ref = _hybridized(name)
    want = load_fixture(FAM, f"{name}-bfloat16-{cop}")
    conv = amp.convert_hybrid_block(
        block,
        target_dtype="bfloat16",
        excluded_sym_names=list(fx["excluded"]),
        cast_optional_params=bool(cop),
    )
    out = conv(x)
    outs = out if isinstance(out, (list, tuple)) else [out]
    refs = ref if isinstance(ref, (list, tuple)) else [ref]
    for i, (o, r) in enumerate(zip(outs, refs, strict=True)):
        assert o.to_torch().dtype == torch.float32
        # bfloat16 keeps 8 bits of mantissa: both frameworks round the same
        # inputs, but accumulate in different orders.
        np.testing.assert_allclose(o.asnumpy(), want[f"out{i}"], rtol=2e-2, atol=2e-2)
        # ... and the converted net stays near the float32 one.
        np.testing.assert_allclose(o.asnumpy(), r.asnumpy(), rtol=5e-2, atol=5e-2)
    bf16 = {
        k
        for k, p in conv.collect_params().items()
        if p.data().to_torch().dtype == torch.bfloat16
    }
    dtypes = want["model_param_dtypes"]
    assert bf16 == {k for k, v in dtypes.items() if v == "bfloat16"}


def test_convert_hybrid_block_float16_runs_on_cpu():
    # MXNet's CPU build has no float16 GEMM ("FP16 gemm on cpu not
    # implemented"); torch has one, so the float16 model runs here.
    fx, block, x, ref = _hybridized("net_a")
    conv = amp.convert_hybrid_block(block, "float16", cast_optional_params=True)
    w = conv.collect_params()["neta_conv0_weight"].data()
    assert w.dtype == np.float16
    np.testing.assert_allclose(conv(x).asnumpy(), ref.asnumpy(), rtol=1e-2, atol=1e-2)


def test_cast_for_another_consumer_is_not_taken_as_the_input_dtype():
    # MXNet 1.9.1 fails this graph's type inference (it takes relu(data) to
    # be float16 because data was cast for the FullyConnected); neogluon
    # casts relu's output in the concat instead.
    x = mx.sym.var("data")
    fc = mx.sym.FullyConnected(x, num_hidden=3, no_bias=True, name="fc")
    out = mx.sym.concat(fc, mx.sym.relu(x, name="r"), dim=1, name="cc")
    conv = amp.convert_symbol(out, "float16", data_names=["data"])
    nodes = {n["name"]: n for n in json.loads(conv.tojson(False))["nodes"]}
    assert nodes["fc_output_amp_multicast"]["op"] == "amp_multicast"
    data = mx.nd.array(np.random.RandomState(0).uniform(-1, 1, (2, 3)))
    w = mx.nd.array(np.random.RandomState(1).uniform(-1, 1, (3, 3)))
    ex = conv.bind(mx.cpu(), {"data": data, "fc_weight": w})
    got = ex.forward()[0].asnumpy()
    ref = np.concatenate(
        [data.asnumpy() @ w.asnumpy().T, np.maximum(data.asnumpy(), 0)], 1
    )
    np.testing.assert_allclose(got, ref, rtol=1e-2, atol=1e-2)


def test_conversion_errors():
    x = mx.sym.var("data")
    fc = mx.sym.FullyConnected(x, num_hidden=3, name="fc")
    with pytest.raises(MXNetError, match="target_dtype"):
        amp.convert_symbol(fc, "float64")
    with pytest.raises(MXNetError, match="two lists"):
        amp.convert_symbol(fc, "float16", fp32_ops=["FullyConnected"])
    with pytest.raises(MXNetError, match="none of"):
        amp.convert_symbol(fc, "float16", target_dtype_ops=["not_an_op"])
    with pytest.raises(MXNetError, match="must be a Symbol"):
        amp.convert_symbol("fc")
    with pytest.raises(MXNetError, match="arg_params"):
        amp.convert_model(fc, [], {})
    net = mx.gluon.nn.Dense(2, in_units=3)
    net.initialize()
    net.hybridize()
    with pytest.raises(RuntimeError, match="hybridize"):
        amp.convert_hybrid_block(net)


def _shape_of(sym) -> list:
    """Graph structure without node names: (op, inputs, dtype attribute)."""
    return [
        (
            n["op"],
            [list(i[:2]) for i in n["inputs"]],
            (n.get("attrs") or {}).get("dtype"),
        )
        for n in json.loads(sym.tojson(remove_amp_cast=False))["nodes"]
    ]


def test_convert_symbol_with_given_lists():
    # the cases of MXNet 1.9.1's tests/python/mkl/test_contrib_amp.py, with
    # the graphs real MXNet makes of them
    x, y = mx.sym.var("x"), mx.sym.var("y")
    res = mx.sym.FullyConnected(x, y, num_hidden=10, no_bias=True) + mx.sym.sin(y)
    conv = amp.convert_symbol(
        res, "bfloat16", target_dtype_ops=["FullyConnected"], fp32_ops=["sin"]
    )
    fc = mx.sym.FullyConnected(
        mx.sym.amp_cast(x, dtype="bfloat16"),
        mx.sym.amp_cast(y, dtype="bfloat16"),
        num_hidden=10,
        no_bias=True,
    )
    want = mx.sym.amp_cast(fc, dtype="float32") + mx.sym.sin(y)
    assert _shape_of(conv) == _shape_of(want)
    for kwargs in (
        {"target_dtype_ops": ["FullyConnected"], "fp32_ops": ["elemwise_add"]},
        {
            "target_dtype_ops": ["FullyConnected"],
            "fp32_ops": ["Activation"],
            "conditional_fp32_ops": [("Activation", "act_type", ["selu"])],
        },
        {
            "target_dtype_ops": ["Activation"],
            "fp32_ops": ["Activation"],
            "conditional_fp32_ops": [("Activation", "act_type", ["selu"])],
        },
        {"target_dtype_ops": ["FullyConnected"], "fp32_ops": ["FullyConnected"]},
    ):
        # MXNet raises AssertionError here; neogluon's error is both
        with pytest.raises(AssertionError):
            amp.convert_symbol(res, "bfloat16", **kwargs)
        with pytest.raises(MXNetError):
            amp.convert_symbol(res, "bfloat16", **kwargs)
    fc_cond = mx.sym.FullyConnected(x, y, num_hidden=10, no_bias=True)
    unmet = amp.convert_symbol(
        fc_cond,
        "bfloat16",
        target_dtype_ops=[],
        fp32_ops=["sin"],
        conditional_fp32_ops=[("FullyConnected", "no_bias", ["False"])],
    )
    # the output, of unknown dtype, is cast to float32 (MXNet's graph too)
    assert _shape_of(unmet) == _shape_of(mx.sym.amp_cast(fc_cond, dtype="float32"))
    met = amp.convert_symbol(
        fc_cond,
        "bfloat16",
        target_dtype_ops=[],
        fp32_ops=["sin"],
        conditional_fp32_ops=[("FullyConnected", "no_bias", ["True"])],
    )
    want = mx.sym.FullyConnected(
        mx.sym.amp_cast(x, dtype="float32"),
        mx.sym.amp_cast(y, dtype="float32"),
        num_hidden=10,
        no_bias=True,
    )
    assert _shape_of(met) == _shape_of(want)
