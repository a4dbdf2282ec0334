"""Operator behaviours pinned by MXNet 1.9.1's operator suite (second round):
gradient edge cases (softmax length, CTCLoss padding, Dropout p=1,
MultiProposal, gemm with ``axis=-3``), arange, ``ones`` with -1 dims in a
graph, ``contrib.allclose``, NDArray ``%`` with zero divisors, the profiler's
MXNet operator names. References from real MXNet
(``tools/fixtures/ops_conformance_b.py``).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from tests.conftest import load_fixture

GE = load_fixture("ops_conformance_b", "grad_edges")
CR = load_fixture("ops_conformance_b", "creation")
MOD = load_fixture("ops_conformance_b", "nd_mod")
S = mx.sym


def test_softmax_length_gets_zero_gradient():
    sym = S.softmax(S.Variable("data"), S.Variable("length"), axis=1, use_length=True)
    args = {
        "data": mx.nd.array(GE["sm_data"]),
        "length": mx.nd.array(GE["sm_length"], dtype="int32"),
    }
    grads = {
        "data": mx.nd.ones((2, 4, 3)) * 5,
        "length": mx.nd.ones((2, 3), dtype="int32") * 7,
    }
    exe = sym.bind(mx.cpu(), args=args, args_grad=grads)
    exe.forward(is_train=True)
    exe.backward(mx.nd.array(GE["sm_ograd"]))
    np.testing.assert_allclose(exe.outputs[0].asnumpy(), GE["sm_out"], rtol=1e-5)
    np.testing.assert_allclose(
        grads["data"].asnumpy(), GE["sm_dgrad"], rtol=1e-5, atol=1e-6
    )
    np.testing.assert_array_equal(grads["length"].asnumpy(), GE["sm_lgrad"])


@pytest.mark.parametrize("blank", ["first", "last"])
def test_ctc_gradient_is_zero_past_data_lengths_even_with_nan(blank):
    x = mx.nd.array(GE["ctc_acts"])
    x.attach_grad()
    with mx.autograd.record():
        loss = mx.nd.CTCLoss(
            x,
            mx.nd.array(GE[f"ctc_label_{blank}"]),
            mx.nd.array(GE["ctc_dlen"]),
            mx.nd.array(GE["ctc_llen"]),
            use_data_lengths=True,
            use_label_lengths=True,
            blank_label=blank,
        )
    loss.backward()
    np.testing.assert_allclose(loss.asnumpy(), GE[f"ctc_loss_{blank}"], rtol=1e-5)
    g = x.grad.asnumpy()
    assert not np.isnan(g).any()
    np.testing.assert_allclose(g, GE[f"ctc_grad_{blank}"], rtol=1e-4, atol=1e-6)


def test_dropout_p1_gives_nan_as_mxnet():
    x = mx.nd.ones((2, 3))
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.Dropout(x, p=1.0)
    y.backward()
    np.testing.assert_array_equal(y.asnumpy(), GE["drop1_out"])  # NaN == NaN here
    np.testing.assert_array_equal(x.grad.asnumpy(), GE["drop1_grad"])
    exe = S.Dropout(S.Variable("data"), p=1.0).simple_bind(mx.cpu(), data=(2, 3))
    exe.arg_arrays[0][:] = 1
    exe.forward(is_train=True)
    np.testing.assert_array_equal(exe.outputs[0].asnumpy(), GE["drop1_exe_out"])
    # predict mode stays the identity
    exe.forward(is_train=False)
    np.testing.assert_array_equal(exe.outputs[0].asnumpy(), np.ones((2, 3)))


def test_zero_gradient_op_ignores_head_of_other_shape():
    sym = S.contrib.MultiProposal(
        S.Variable("cls_prob"),
        S.Variable("bbox_pred"),
        S.Variable("im_info"),
        feature_stride=16,
        scales=(2, 4),
        ratios=(0.5, 1.5),
        rpn_pre_nms_top_n=20,
        rpn_post_nms_top_n=5,
        rpn_min_size=1,
    )
    cls, bbox, info = GE["mp_cls"], GE["mp_bbox"], GE["mp_info"]
    exe = sym.simple_bind(
        mx.cpu(), cls_prob=cls.shape, bbox_pred=bbox.shape, im_info=info.shape
    )
    for g in exe.grad_arrays:
        g[:] = 3
    exe.forward(is_train=True, cls_prob=cls, bbox_pred=bbox, im_info=info)
    assert list(exe.outputs[0].shape) == list(GE["mp_out_shape"])
    exe.backward([mx.nd.ones((5, 5))])
    for g, want in zip(exe.grad_arrays, GE["mp_grads"], strict=True):
        np.testing.assert_array_equal(g.asnumpy(), np.asarray(want))


def test_head_gradient_shape_is_checked_where_it_is_read():
    assert bool(GE["mul_bad_head_raises"])
    exe = (S.Variable("x") * 2).simple_bind(mx.cpu(), x=(2, 3))
    exe.forward(is_train=True)
    with pytest.raises(MXNetError, match=r"head gradient.*\(5, 5\).*\(2, 3\)"):
        exe.backward([mx.nd.ones((5, 5))])


def _gemm_syms():
    a, b, c = S.Variable("A"), S.Variable("B"), S.Variable("C")
    return {
        "gemm": S.linalg.gemm(a, b, c, alpha=4.0, beta=7.0, axis=-3),
        "gemm2": S.linalg.gemm2(a, b, alpha=4.0, axis=-3),
    }


def test_gemm_axis_minus3_shape_inference():
    gemm = _gemm_syms()["gemm"]
    arg, out, _ = gemm.infer_shape(A=GE["gemm_a"].shape, B=GE["gemm_b"].shape)
    assert [list(s) for s in arg] == GE["gemm_infer_arg"]
    assert [list(s) for s in out] == GE["gemm_infer_out"]


@pytest.mark.parametrize("name", ["gemm", "gemm2"])
def test_gemm_axis_minus3_values_and_gradients(name):
    sym = _gemm_syms()[name]
    names = sym.list_arguments()
    ins = dict(zip("ABC", (GE["gemm_a"], GE["gemm_b"], GE["gemm_c"]), strict=True))
    args = {n: mx.nd.array(ins[n], dtype="float64") for n in names}
    grads = {n: mx.nd.zeros(ins[n].shape, dtype="float64") for n in names}
    exe = sym.bind(mx.cpu(), args=args, args_grad=grads)
    exe.forward(is_train=True)
    exe.backward(mx.nd.array(GE["gemm_ograd"], dtype="float64"))
    np.testing.assert_allclose(exe.outputs[0].asnumpy(), GE[f"{name}_out"], rtol=1e-12)
    for n in names:
        np.testing.assert_allclose(
            grads[n].asnumpy(), GE[f"{name}_grad_{n}"], rtol=1e-12, atol=1e-12
        )


CONFIGS = [(10,), (0, 10), (5, 100, 4), (50, -50, -2), (1.3, 456.6, 1.3),
           (0.5, 3.7, 0.6), (-100, 100, 1)]  # fmt: skip


@pytest.mark.parametrize("i", range(len(CONFIGS)))
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "uint8"])
def test_arange_casts_start_and_step_to_dtype(i, dtype):
    out = mx.nd.arange(*CONFIGS[i], dtype=dtype)
    want = CR[f"arange{i}_{dtype}"]
    assert out.dtype == want.dtype
    np.testing.assert_array_equal(out.asnumpy(), want)


@pytest.mark.parametrize("i", range(len(CONFIGS)))
def test_arange_repeat_nd_and_graph(i):
    np.testing.assert_array_equal(
        mx.nd.arange(*CONFIGS[i], repeat=3, dtype="int32").asnumpy(),
        CR[f"arange{i}_rep3"],
    )
    sym = S.arange(*CONFIGS[i], repeat=2, dtype="float32")
    assert list(sym.infer_shape()[1][0]) == CR[f"arange{i}_sym_shape"]
    out = sym.bind(mx.cpu(), args={}).forward()[0]
    np.testing.assert_array_equal(out.asnumpy(), CR[f"arange{i}_sym"])


def test_ones_with_minus1_dims_completed_in_graph():
    back = S.ones(shape=(2, 3)) + S.transpose(S.ones(shape=(-1, -1)))
    out = back.bind(mx.cpu(), args={}).forward()[0]
    np.testing.assert_array_equal(out.asnumpy(), CR["ones_back"])
    mixed = S.ones(shape=(2, -1)) + S.transpose(S.zeros(shape=(3, -1)))
    out = mixed.bind(mx.cpu(), args={}).forward()[0]
    np.testing.assert_array_equal(out.asnumpy(), CR["ones_mixed"])


def test_allclose_is_a_0d_uint8():
    a = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)
    for i, b in enumerate((a, a + 1e-3)):
        out = mx.nd.contrib.allclose(mx.nd.array(a), mx.nd.array(b))
        assert list(out.shape) == CR[f"allclose{i}_shape"]
        assert out.dtype.__name__ == str(CR[f"allclose{i}_dtype"])
        np.testing.assert_array_equal(out.asnumpy(), CR[f"allclose{i}"])
        assert f"{out.asnumpy() == 1:d}" == f"{CR[f'allclose{i}'] == 1:d}"
    _, out, _ = S.contrib.allclose(S.Variable("a"), S.Variable("b")).infer_shape(
        a=(2, 2), b=(2, 2)
    )
    assert [list(s) for s in out] == CR["allclose_infer"]


@pytest.mark.parametrize("dt", ["int32", "float32"])
def test_ndarray_mod_by_zero_gives_zero(dt):
    x, y = mx.nd.array(MOD["a"], dtype=dt), mx.nd.array(MOD["b"], dtype=dt)
    np.testing.assert_array_equal((x % y).asnumpy(), MOD[f"mod_{dt}"])
    np.testing.assert_array_equal((x % y[:1]).asnumpy(), MOD[f"bmod_{dt}"])
    np.testing.assert_array_equal((7 % y).asnumpy(), MOD[f"rmod_{dt}"])
    np.testing.assert_array_equal((x % 0).asnumpy(), MOD[f"smod0_{dt}"])
    np.testing.assert_array_equal(
        mx.nd.broadcast_mod(x, y[:1]).asnumpy(), MOD[f"ndmod_{dt}"]
    )
    z = x.copy()
    z %= y
    np.testing.assert_array_equal(z.asnumpy(), MOD[f"imod_{dt}"])


def test_profiler_names_eager_operators_as_mxnet(tmp_path):
    from neogluon import profiler

    profiler.set_config(
        profile_all=True,
        filename=str(tmp_path / "agg.json"),
        aggregate_stats=True,
        continuous_dump=True,
    )
    profiler.set_state("run")
    try:
        profiler.dumps(reset=True)
        inp = mx.nd.zeros(shape=(10, 10))
        mx.nd.sqrt(inp)
        inp = inp + 1
        inp = inp + 1
        inp += inp
        inp.sum()
        profiler.dump(False)
        stats = json.loads(profiler.dumps(format="json"))["Time"]["operator"]
    finally:
        profiler.set_state("stop")
    assert stats["sqrt"]["Count"] == 1
    assert stats["_plus_scalar"]["Count"] == 2
    assert stats["broadcast_add"]["Count"] == 1
    assert stats["sum"]["Count"] == 1
    # torch's kernels inside a named operator are not listed on their own
    assert "aten::sqrt" not in stats and "aten::add" not in stats
    trace = json.loads((tmp_path / "agg.json").read_text())
    names = {ev.get("name") for ev in trace["traceEvents"]}
    assert {"sqrt", "_plus_scalar"} <= names
    # not profiling: no ranges, nothing recorded
    from neogluon import _opprof

    assert not _opprof.State.on


def test_continuous_dump_file_grows_and_is_valid_json(tmp_path):
    from neogluon import profiler

    path = tmp_path / "cont.json"
    profiler.set_config(filename=str(path), profile_all=True, continuous_dump=True)
    profiler.set_state("run")
    dom = profiler.Domain("D")
    counter = profiler.Counter(dom, "C")
    sizes = []
    try:
        for i in range(3):
            for _ in range(50):
                counter += 1
            mx.nd.ones((3, 3)) * i
            profiler.dump(False)
            sizes.append(path.stat().st_size)
            trace = json.loads(path.read_text())
            counts = [e for e in trace["traceEvents"] if e.get("ph") == "C"]
            assert len(counts) == 50 * (i + 1)
            assert counts[-1]["args"]["C"] == 50 * (i + 1)
    finally:
        profiler.set_state("stop")
    assert sizes == sorted(sizes)
