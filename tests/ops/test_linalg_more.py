"""linalg factorizations, diag/cumsum/histogram/(un)ravel/khatri_rao vs MXNet 1.9.1."""

from __future__ import annotations

import numpy as np
import pytest

from tests.ops.op_check import check_case
from tests.ops.test_contrib import load_contrib_cases

CASES = load_contrib_cases("linalg_more")


@pytest.mark.parametrize("path", ["nd", "sym"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_matches_mxnet(case, path):
    # float64 cases: LAPACK vs torch factorization round-off only.
    check_case(case, rtol=1e-5, atol=1e-6, path=path)


def test_linalg_graph_outputs_match_mxnet():
    import json

    import neogluon as mx

    def rows(sym):
        g = json.loads(sym.tojson())
        rp = g["node_row_ptr"]
        return g["nodes"][-1]["op"], rp[-1] - rp[-2], len(sym.list_outputs())

    a = mx.sym.var("a")
    assert rows(mx.sym.linalg.slogdet(a)) == ("_linalg_slogdet", 4, 2)
    assert rows(mx.sym.linalg.det(a)) == ("_linalg_det", 3, 1)
    assert rows(mx.sym.linalg.gelqf(a)) == ("_linalg_gelqf", 2, 2)
    assert rows(mx.sym.cumsum(a)) == ("_np_cumsum", 1, 1)
    assert rows(mx.sym.unravel_index(a, shape=(2, 3))) == ("_unravel_index", 1, 1)


def test_linalg_shape_inference_and_errors():
    import neogluon as mx
    from neogluon.base import MXNetError
    from neogluon.ops import registry

    def infer(op, *shapes, **attrs):
        d = registry.get(op)
        return d.run_infer_shape(list(shapes), d.parse_attrs(attrs))

    assert infer("_linalg_potrf", (2, 0, 3)) == ([(2, 3, 3)], [(2, 3, 3)])
    assert infer("_linalg_slogdet", (3, 3))[1] == [(1,), (1,)]
    assert infer("_linalg_trsm", (0, 0), (3, 4))[0] == [(3, 3), (3, 4)]
    assert infer("_linalg_trsm", (0, 0), (3, 4), rightside=True)[0] == [(4, 4), (3, 4)]
    assert infer("_linalg_maketrian", (2, 6))[1] == [(2, 3, 3)]
    assert infer("_linalg_maketrian", (2, 6), offset=1)[1] == [(2, 4, 4)]
    assert infer("_linalg_extracttrian", (4, 4), offset=-1)[1] == [(6,)]
    assert infer("khatri_rao", (2, 3), (4, 3), num_args=2)[1] == [(8, 3)]
    with pytest.raises(MXNetError, match=r"_linalg_inverse.*\(2, 3\)"):
        mx.nd.linalg.inverse(mx.nd.ones((2, 3)))
    with pytest.raises(MXNetError, match="maketrian.*triangular"):
        mx.nd.linalg.maketrian(mx.nd.ones((5,)))
    with pytest.raises(MXNetError, match="diag.*does not exist"):
        mx.nd.diag(mx.nd.ones((2, 2)), k=5)


def test_histogram_helpers_match_mxnet():
    # Values printed by MXNet 1.9.1 for the same calls.
    import warnings

    import neogluon as mx

    a = mx.nd.array([0.1, 0.5, 0.7, 2.0, 3.5])
    c, e = mx.nd.histogram(a, bins=3, range=(0, 4))
    np.testing.assert_array_equal(c.asnumpy(), [3, 1, 1])
    np.testing.assert_allclose(e.asnumpy(), [0.0, 1.3333334, 2.6666667, 4.0], rtol=1e-6)
    c, _ = mx.nd.histogram(a, bins=mx.nd.array([0, 1, 2, 4]))
    np.testing.assert_array_equal(c.asnumpy(), [3, 0, 2])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c, e = mx.nd.histogram(a, bins=3)
    assert c.dtype == np.float32 and e.dtype == np.float32
    np.testing.assert_array_equal(c.asnumpy(), [3, 1, 1])
    np.testing.assert_allclose(e.asnumpy(), [0.1, 1.2333333, 2.3666666, 3.5], rtol=1e-6)
    x = mx.sym.var("x")
    h = mx.sym.histogram(x, bins=3, range=(0, 4))
    out = h.bind(mx.cpu(), {"x": a}).forward()
    np.testing.assert_array_equal(out[0].asnumpy(), [3, 1, 1])
    with pytest.raises(ValueError, match="range"):
        mx.sym.histogram(x, bins=3)
