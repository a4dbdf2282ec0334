"""Contrib operators (detection, ROI, resizing, masks, attention, ...) vs MXNet 1.9.1.

Also hosts :func:`load_contrib_cases`, the loader of the packed fixture families
written by ``tools/fixtures/ops_contrib.py`` (shared by ``test_linalg_more`` and
``test_ctc``).
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import load_fixture
from tests.ops.op_check import Case
from tests.ops.op_check import check_case
from tests.ops.op_check import unpack

FAMILY = "ops_contrib"


def load_contrib_cases(name: str) -> list[Case]:
    """Every case of ``tests/fixtures/mxnet-1.9.1/ops_contrib/<name>.npz``."""
    data = load_fixture(FAMILY, name)
    arrays = unpack(data)
    cases = []
    for c in data["cases"]:
        n = c["name"]
        cases.append(
            Case(
                name=n,
                fn=c["fn"],
                attrs=c["attrs"],
                inputs=[arrays[f"{n}.in{i}"] for i in range(c["n_in"])],
                outputs=[arrays[f"{n}.out{i}"] for i in range(c["n_out"])],
                multi=c["multi"],
                grad_inputs=list(c["grad"]),
                head_grads=[arrays[f"{n}.hg{i}"] for i in range(c["n_out"])]
                if c["grad"]
                else [],
                grads=[arrays[f"{n}.grad{k}"] for k in range(len(c["grad"]))],
            )
        )
    return cases


import json  # noqa: E402

import neogluon as mx  # noqa: E402
from neogluon.base import MXNetError  # noqa: E402
from neogluon.ops import registry  # noqa: E402

CASES = load_contrib_cases("contrib")
# MultiBoxDetection with nms_topk: MXNet leaves unspecified values in the rows
# past nms_topk (class -1); only the class ids and the detections are compared.
_PARTIAL = {"mbdet_opts"}


@pytest.mark.parametrize("path", ["nd", "sym"])
@pytest.mark.parametrize(
    "case", [c for c in CASES if c.name not in _PARTIAL], ids=lambda c: c.name
)
def test_matches_mxnet(case, path):
    # Bilinear/ROI sampling sums in a different order than MXNet: 1e-5.
    check_case(case, rtol=1e-5, atol=1e-5, path=path)


@pytest.mark.parametrize("name", sorted(_PARTIAL))
def test_multibox_detection_topk_rows(name):
    (case,) = [c for c in CASES if c.name == name]
    out = mx.nd.contrib.MultiBoxDetection(
        *[mx.nd.array(x) for x in case.inputs], **case.attrs
    ).asnumpy()
    want = case.outputs[0]
    np.testing.assert_array_equal(out[:, :, 0], want[:, :, 0])
    det = want[:, :, 0] >= 0
    assert det.sum() >= 4
    np.testing.assert_allclose(out[det], want[det], rtol=1e-5, atol=1e-5)


def _graph(sym) -> tuple[str, int]:
    g = json.loads(sym.tojson())
    rp = g["node_row_ptr"]
    return g["nodes"][-1]["op"], rp[-1] - rp[-2]


def test_graph_outputs_and_names_match_mxnet():
    v = mx.sym.var
    assert _graph(mx.sym.contrib.box_nms(v("a"))) == ("_contrib_box_nms", 2)
    assert _graph(mx.sym.contrib.box_non_maximum_suppression(v("a"))) == (
        "_contrib_box_nms",
        2,
    )
    assert _graph(
        mx.sym.ROIPooling(v("a"), v("b"), pooled_size=(2, 2), spatial_scale=1.0)
    ) == ("ROIPooling", 2)
    st = mx.sym.SpatialTransformer(
        v("a"),
        v("b"),
        target_shape=(2, 2),
        transform_type="affine",
        sampler_type="bilinear",
    )
    assert _graph(st) == ("SpatialTransformer", 3)
    assert _graph(
        mx.sym.GridGenerator(v("a"), transform_type="affine", target_shape=(2, 2))
    ) == ("GridGenerator", 2)
    assert _graph(mx.sym.BilinearSampler(v("a"), v("b"))) == ("BilinearSampler", 2)
    assert _graph(mx.sym.Correlation(v("a"), v("b"))) == ("Correlation", 3)
    t = mx.sym.contrib.MultiBoxTarget(v("a"), v("b"), v("c"))
    assert t.list_outputs() == [
        f"{t.name}_loc_target",
        f"{t.name}_loc_mask",
        f"{t.name}_cls_target",
    ]
    assert mx.sym.contrib.box_nms(v("a")).list_outputs()[0].endswith("_output0")


def test_shape_inference():
    def infer(op, *shapes, **attrs):
        d = registry.get(op)
        return d.run_infer_shape(list(shapes), d.parse_attrs(attrs))[1]

    assert infer("_contrib_box_nms", (2, 8, 6)) == [(2, 8, 6)]
    assert infer("_contrib_box_iou", (3, 4), (2, 5, 4)) == [(3, 2, 5)]
    assert infer(
        "_contrib_MultiBoxPrior", (1, 3, 4, 5), sizes=(0.5, 0.2), ratios=(1, 2, 3)
    ) == [(1, 80, 4)]
    assert infer(
        "_contrib_ROIAlign",
        (2, 8, 6, 6),
        (3, 5),
        pooled_size=(2, 2),
        spatial_scale=1.0,
        position_sensitive=True,
    ) == [(3, 2, 2, 2)]
    assert infer("_contrib_MultiBoxTarget", (1, 6, 4), (2, 3, 5), (2, 4, 6)) == [
        (2, 24),
        (2, 24),
        (2, 6),
    ]
    assert infer(
        "_contrib_BilinearResize2D",
        (1, 2, 3, 5),
        mode="odd_scale",
        scale_height=2.0,
        scale_width=0.5,
    ) == [(1, 2, 5, 3)]
    assert infer("_contrib_interleaved_matmul_selfatt_qk", (4, 2, 18), heads=2) == [
        (4, 4, 4)
    ]
    # Data-dependent: rows unknown until the kernel runs.
    assert infer("_contrib_boolean_mask", (4, 3), (4,)) == [(0, 3)]


def test_boolean_mask_hybridized():
    class Net(mx.gluon.HybridBlock):
        def hybrid_forward(self, F, x, m):
            return F.contrib.boolean_mask(x, m) * 2

    net = Net()
    net.hybridize()
    x = mx.nd.array([[1, 2], [3, 4], [5, 6]])
    out = net(x, mx.nd.array([0, 1, 1]))
    np.testing.assert_array_equal(out.asnumpy(), [[6, 8], [10, 12]])
    out = net(x, mx.nd.array([1, 0, 0]))
    np.testing.assert_array_equal(out.asnumpy(), [[2, 4]])


def test_reset_arrays_in_place():
    a, b = mx.nd.ones((2,)), mx.nd.ones((2, 3), dtype="float64")
    res = mx.nd.reset_arrays(a, b, num_arrays=2)
    assert res == []
    assert a.asnumpy().tolist() == [0, 0]
    assert float(b.sum().asscalar()) == 0.0


def test_isfinite_isnan_isinf_helpers():
    x = mx.nd.array([np.inf, -np.inf, np.nan, -1.0, 0.0])
    np.testing.assert_array_equal(mx.nd.contrib.isfinite(x).asnumpy(), [0, 0, 0, 1, 1])
    np.testing.assert_array_equal(mx.nd.contrib.isinf(x).asnumpy(), [1, 1, 0, 0, 0])
    np.testing.assert_array_equal(mx.nd.contrib.isnan(x).asnumpy(), [0, 0, 1, 0, 0])


def test_gradientmultiplier_scales_gradient_only():
    x = mx.nd.array([1.0, -2.0])
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.contrib.gradientmultiplier(x, scalar=-0.5)
    y.backward(mx.nd.array([2.0, 4.0]))
    np.testing.assert_array_equal(y.asnumpy(), [1.0, -2.0])
    np.testing.assert_array_equal(x.grad.asnumpy(), [-1.0, -2.0])


def test_errors_name_the_op():
    with pytest.raises(MXNetError, match="box_nms"):
        mx.nd.contrib.box_nms(mx.nd.ones((2, 8, 3)))
    with pytest.raises(MXNetError, match="boolean_mask"):
        mx.nd.contrib.boolean_mask(mx.nd.ones((4, 3)), mx.nd.ones((3,)))
    with pytest.raises(MXNetError, match="index_copy"):
        mx.nd.contrib.index_copy(
            mx.nd.ones((4, 3)), mx.nd.array([0]), mx.nd.ones((2, 3))
        )
    with pytest.raises(MXNetError, match="interleaved_matmul_selfatt_qk"):
        mx.nd.contrib.interleaved_matmul_selfatt_qk(mx.nd.ones((2, 2, 10)), heads=2)


def test_nd_control_flow_matches_mxnet():
    fx = load_fixture(FAMILY, "control_flow")
    nd = mx.nd
    x = nd.array(fx["data"])
    s0 = nd.array(fx["init"])
    x.attach_grad()
    s0.attach_grad()

    def body(item, states):
        new = states[0] * 0.5 + nd.tanh(item)
        return [new * 2, nd.sum(item, axis=1)], [new]

    with mx.autograd.record():
        outs, states = nd.contrib.foreach(body, x, [s0])
        total = outs[0].sum() + outs[1].sum() * 3 + states[0].sum()
    total.backward()
    tol = {"rtol": 1e-5, "atol": 1e-6}
    np.testing.assert_allclose(outs[0].asnumpy(), fx["foreach_out0"], **tol)
    np.testing.assert_allclose(outs[1].asnumpy(), fx["foreach_out1"], **tol)
    np.testing.assert_allclose(states[0].asnumpy(), fx["foreach_state"], **tol)
    np.testing.assert_allclose(x.grad.asnumpy(), fx["foreach_grad_data"], **tol)
    np.testing.assert_allclose(s0.grad.asnumpy(), fx["foreach_grad_init"], **tol)

    w_outs, w_vars = nd.contrib.while_loop(
        lambda i, v: i < 4,
        lambda i, v: ([v * i, i], [i + 1, v + 0.5]),
        [nd.array([1.0]), nd.array(fx["init"])],
        max_iterations=6,
    )
    assert list(w_outs[0].shape) == fx["while_shape0"]
    # MXNet leaves the padding rows past the last step uninitialized.
    np.testing.assert_allclose(w_outs[0].asnumpy()[:3], fx["while_out0"], **tol)
    np.testing.assert_allclose(w_outs[1].asnumpy()[:3], fx["while_out1"], **tol)
    np.testing.assert_allclose(w_vars[0].asnumpy(), fx["while_i"], **tol)
    np.testing.assert_allclose(w_vars[1].asnumpy(), fx["while_v"], **tol)
    got = nd.contrib.cond(nd.array([1]), lambda: x[0] * 2, lambda: x[0] - 1)
    np.testing.assert_allclose(got.asnumpy(), fx["cond_then"], **tol)
    got = nd.contrib.cond(nd.array([0]), lambda: x[0] * 2, lambda: x[0] - 1)
    np.testing.assert_allclose(got.asnumpy(), fx["cond_else"], **tol)
    with pytest.raises(ValueError, match="max_iterations"):
        nd.contrib.while_loop(lambda i: i < 2, lambda i: ([], [i + 1]), [x[0]])
