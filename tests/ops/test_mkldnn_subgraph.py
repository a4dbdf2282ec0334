"""MXNet 1.9.1's oneDNN subgraph graphs: ``_sg_mkldnn_conv``,
``_sg_mkldnn_fully_connected``, ``_contrib_quantized_pooling`` /
``_contrib_quantized_flatten`` (fixtures: tools/fixtures/ops_mkldnn_subgraph.py).

The JSON files were written by MXNet itself (``optimize_for(backend='MKLDNN')``
and ``quantize_net``). Tolerances: the quantized graphs match MXNet's oneDNN
INT8 outputs to float32 rounding (1e-6; the integer parts are exact), the
float fused graph to 1e-5.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from tests.conftest import load_fixture

FAM = "ops_mkldnn_subgraph"
CASES = (
    "fused",
    "quantized_naive",
    "quantized_entropy",
    "quantized_none",
    "quantized_naive2",
    "quantized_naive3",
)


def _params(case: str) -> dict[str, np.ndarray]:
    d = load_fixture(FAM, case)
    own = {k[2:]: v for k, v in d.items() if k.startswith("q:")}
    if own:
        return own
    return {k[2:]: v for k, v in load_fixture(FAM, "float").items() if k[:2] == "p:"}


def _run(sym, params: dict, data: np.ndarray) -> np.ndarray:
    args = {k: mx.nd.array(params[k], dtype=params[k].dtype) for k in params}
    arg_arrays = {k: args[k] for k in sym.list_arguments() if k != "data"}
    arg_arrays["data"] = mx.nd.array(data)
    aux = {k: args[k] for k in sym.list_auxiliary_states()}
    return sym.bind(mx.cpu(), arg_arrays, aux_states=aux).forward()[0].asnumpy()


def _tol(case: str) -> float:
    return 1e-5 if case == "fused" else 1e-6


@pytest.mark.parametrize("case", CASES)
def test_graph_loads_and_matches_mxnet(case):
    d = load_fixture(FAM, case)
    sym = mx.sym.load_json(d["symbol"])
    assert sym.list_arguments() == list(d["args"])
    assert sym.list_auxiliary_states() == list(d["auxs"])
    data = load_fixture(FAM, "float")["data"]
    out = _run(sym, _params(case), data)
    np.testing.assert_allclose(out, d["out"], rtol=0, atol=_tol(case))


@pytest.mark.parametrize("case", CASES)
def test_tojson_writes_mxnet_bytes(case):
    text = load_fixture(FAM, case)["symbol"]
    assert mx.sym.load_json(text).tojson() == text


def test_symbol_block_imports_quantized_graph(tmp_path):
    d = load_fixture(FAM, "quantized_naive")
    (tmp_path / "q-symbol.json").write_text(d["symbol"])
    params = _params("quantized_naive")
    mx.nd.save(
        str(tmp_path / "q-0000.params"),
        {
            f"{'aux' if k in d['auxs'] else 'arg'}:{k}": mx.nd.array(v, dtype=v.dtype)
            for k, v in params.items()
        },
    )
    net = mx.gluon.SymbolBlock.imports(
        str(tmp_path / "q-symbol.json"), ["data"], str(tmp_path / "q-0000.params")
    )
    got = {
        k: (p.shape, np.dtype(p.dtype).name) for k, p in net.collect_params().items()
    }
    assert got == {k: (v.shape, v.dtype.name) for k, v in params.items()}
    data = load_fixture(FAM, "float")["data"]
    out = net(mx.nd.array(data)).asnumpy()
    np.testing.assert_allclose(out, d["out"], rtol=0, atol=1e-6)


def test_quantized_output_types_and_ranges():
    d = load_fixture(FAM, "quantized_naive")
    internals = mx.sym.load_json(d["symbol"]).get_internals()
    relu = internals["quantized_sg_mkldnn_conv_bn_act_0_output"]
    plain = internals["quantized_sg_mkldnn_conv_bn_3_output"]
    _, out_types, _ = relu.infer_type(data="float32")
    assert out_types == [np.uint8]
    _, out_types, _ = plain.infer_type(data="float32")
    assert out_types == [np.int8]
    _, shapes, _ = plain.infer_shape(data=(2, 3, 12, 12))
    assert shapes == [(2, 12, 12, 12)]
    # The calibrated range is the node's (min, max) output.
    node = [
        n
        for n in json.loads(d["symbol"])["nodes"]
        if n["name"] == "quantized_sg_mkldnn_conv_bn_3"
    ][0]
    grp = mx.sym.Group(
        [
            internals["quantized_sg_mkldnn_conv_bn_3_output_min"],
            internals["quantized_sg_mkldnn_conv_bn_3_output_max"],
        ]
    )
    params = _params("quantized_naive")
    data = load_fixture(FAM, "float")["data"]
    args = {k: mx.nd.array(params[k]) for k in grp.list_arguments() if k != "data"}
    args["data"] = mx.nd.array(data)
    aux = {k: mx.nd.array(params[k]) for k in grp.list_auxiliary_states()}
    lo, hi = grp.bind(mx.cpu(), args, aux_states=aux).forward()
    assert lo.asscalar() == np.float32(node["attrs"]["min_calib_range"])
    assert hi.asscalar() == np.float32(node["attrs"]["max_calib_range"])


def test_legacy_with_relu_spelling_is_renamed():
    # MXNet 1.5's files (gluoncv's *_int8 models) say with_relu / with_postsum_relu.
    d = load_fixture(FAM, "quantized_naive")
    old = d["symbol"].replace('"with_act"', '"with_relu"')
    old = old.replace('"with_postsum_act"', '"with_postsum_relu"')
    assert old != d["symbol"]
    sym = mx.sym.load_json(old)
    assert sym.tojson() == d["symbol"]
    out = _run(sym, _params("quantized_naive"), load_fixture(FAM, "float")["data"])
    np.testing.assert_allclose(out, d["out"], rtol=0, atol=1e-6)


def _first_conv(text: str) -> tuple[dict, dict]:
    graph = json.loads(text)
    node = next(n for n in graph["nodes"] if n["op"] == "_sg_mkldnn_conv")
    return graph, node


def test_bad_subgraph_nodes_raise():
    text = load_fixture(FAM, "quantized_naive")["symbol"]
    graph, node = _first_conv(text)
    node["attrs"]["with_dropout"] = "true"
    with pytest.raises(MXNetError, match="unknown attribute.*with_dropout"):
        mx.sym.load_json(json.dumps(graph))
    graph, node = _first_conv(text)
    node["attrs"]["with_sum"] = "true"
    with pytest.raises(MXNetError, match="expected 11 inputs"):
        mx.sym.load_json(json.dumps(graph))
    graph, node = _first_conv(text)
    del node["attrs"]["with_bn"]
    with pytest.raises(MXNetError, match="with_bn=False but the subgraph has a"):
        mx.sym.load_json(json.dumps(graph))


def test_quantized_conv_rejects_float_data():
    d = load_fixture(FAM, "quantized_naive")
    graph, node = _first_conv(d["symbol"])
    # Feed the float input straight into the quantized convolution.
    quant = next(n for n in graph["nodes"] if n["op"] == "_contrib_quantize_v2")
    data_idx = quant["inputs"][0][0]
    node["inputs"][0] = [data_idx, 0, 0]
    sym = mx.sym.load_json(json.dumps(graph)).get_internals()[
        "quantized_sg_mkldnn_conv_bn_act_0_output"
    ]
    params = _params("quantized_naive")
    args = {k: mx.nd.array(params[k]) for k in sym.list_arguments() if k != "data"}
    args["data"] = mx.nd.ones((1, 3, 12, 12))
    aux = {k: mx.nd.array(params[k]) for k in sym.list_auxiliary_states()}
    with pytest.raises(MXNetError, match="data must be int8 or uint8"):
        sym.bind(mx.cpu(), args, aux_states=aux).forward()


def test_quantized_pooling_rounds_half_to_even_and_passes_range():
    data = mx.nd.array([[[[1, 2, 5, 6], [3, 4, 7, 8]]]], dtype="uint8")
    lo, hi = mx.nd.array([0.0]), mx.nd.array([3.5])
    out, omin, omax = mx.nd.contrib.quantized_pooling(
        data, lo, hi, kernel=(2, 2), stride=(2, 2), pool_type="avg"
    )
    # (1+2+3+4)/4 = 2.5 -> 2, (5+6+7+8)/4 = 6.5 -> 6
    assert out.dtype == np.uint8
    assert out.asnumpy().tolist() == [[[[2, 6]]]]
    assert (omin.asscalar(), omax.asscalar()) == (0.0, 3.5)
    out, _, _ = mx.nd.contrib.quantized_pooling(
        data.astype("float32").astype("int8"),
        lo,
        hi,
        kernel=(2, 2),
        stride=(2, 2),
        pool_type="max",
    )
    assert out.dtype == np.int8
    assert out.asnumpy().tolist() == [[[[4, 8]]]]
    with pytest.raises(MXNetError, match="data must be int8 or uint8"):
        mx.nd.contrib.quantized_pooling(
            data.astype("float32"), lo, hi, kernel=(2, 2), pool_type="max"
        )


def test_quantized_flatten():
    data = mx.nd.array(np.arange(24).reshape(2, 3, 4), dtype="int8")
    out, lo, hi = mx.nd.contrib.quantized_flatten(
        data, mx.nd.array([-1.0]), mx.nd.array([2.0])
    )
    assert out.shape == (2, 12) and out.dtype == np.int8
    assert out.asnumpy().tolist() == np.arange(24).reshape(2, 12).tolist()
    assert (lo.asscalar(), hi.asscalar()) == (-1.0, 2.0)


CONCAT = ("same_range", "uint8_widen", "mixed", "int8_neg", "positive_min")


@pytest.mark.parametrize("case", CONCAT)
def test_quantized_concat_matches_mxnet(case):
    d = load_fixture(FAM, f"concat_{case}")
    n = int(d["num_args"])
    xs = [mx.nd.array(d[f"x{i}"], dtype=d[f"x{i}"].dtype) for i in range(n)]
    ranges = [
        mx.nd.array([float(d[f"{k}{i}"])]) for i in range(n) for k in ("lo", "hi")
    ]
    out, lo, hi = mx.nd.contrib.quantized_concat(
        *xs, *ranges, num_args=n, dim=int(d["dim"])
    )
    assert out.dtype == d["out"].dtype
    np.testing.assert_array_equal(out.asnumpy(), d["out"])
    np.testing.assert_array_equal(lo.asnumpy(), d["out_min"])
    np.testing.assert_array_equal(hi.asnumpy(), d["out_max"])


def test_quantized_concat_checks_inputs():
    x = mx.nd.ones((2, 2), dtype="uint8")
    r = mx.nd.array([1.0])
    with pytest.raises(MXNetError, match="num_args=2 needs 6 inputs"):
        mx.nd.contrib.quantized_concat(x, x, r, r, num_args=2)
    with pytest.raises(MXNetError, match="input 1 must be int8 or uint8"):
        mx.nd.contrib.quantized_concat(x, x.astype("float32"), r, r, r, r, num_args=2)
    s = mx.sym.contrib.quantized_concat(
        *[mx.sym.var(f"v{i}") for i in range(6)], num_args=2, dim=1
    )
    _, out_types, _ = s.infer_type(v0="uint8", v1="uint8")
    assert out_types[0] == np.uint8
    _, out_types, _ = s.infer_type(v0="uint8", v1="int8")
    assert out_types[0] == np.int8
    _, out_shapes, _ = s.infer_shape(v0=(2, 2), v1=(2, 3))
    assert out_shapes == [(2, 5), (1,), (1,)]
