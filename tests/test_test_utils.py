"""mx.test_utils, mx.util and mx.random."""

from __future__ import annotations

import os

import numpy as np
import pytest

import neogluon as mx
from neogluon import nd
from neogluon import test_utils as tu
from neogluon.base import MXNetError


def test_default_tolerances_per_dtype():
    assert tu.get_rtol(None, np.float16) == 1e-2
    assert tu.get_rtol(None, np.float32) == 1e-4
    assert tu.get_rtol(None, np.float64) == 1e-5
    assert tu.get_atol(None, np.float16) == 1e-1
    assert tu.get_atol(None, np.float32) == 1e-3
    assert tu.get_atol(None, np.float64) == 1e-20
    assert tu.get_atol(None, np.int32) == 0


def test_assert_almost_equal_uses_dtype_defaults():
    a = nd.array([1.0, 2.0])
    tu.assert_almost_equal(a, nd.array([1.0005, 2.0]))  # f32 atol 1e-3
    with pytest.raises(AssertionError):
        tu.assert_almost_equal(
            a.astype("float64"), nd.array([1.0005, 2.0], dtype="float64")
        )
    # float16 on either side loosens to float16's tolerances
    tu.assert_almost_equal(np.array([1.05], np.float16), np.array([1.0], np.float32))
    with pytest.raises(AssertionError):
        tu.assert_almost_equal(
            nd.array([1, 2], dtype="int32"), nd.array([1, 3], dtype="int32")
        )


def test_assert_almost_equal_message_lists_worst_mismatches():
    a = np.zeros((3, 4), np.float32)
    b = a.copy()
    b[1, 2] = 5.0
    b[2, 3] = 0.5
    with pytest.raises(AssertionError) as info:
        tu.assert_almost_equal(a, b, names=("ours", "ref"), mismatches=(1, 10))
    msg = str(info.value)
    assert "(mismatch 16.666667%)" in msg  # 2 of 12
    assert "Location of maximum error: (1, 2), ours=0.00000000, ref=5.00000000" in msg
    assert "  1: Error" in msg and "  2: Error" not in msg  # mismatches[0] = 1
    # at most mismatches[1] are counted: MXNet then says "at least"
    with pytest.raises(AssertionError, match=r"mismatch at least 16.666667%"):
        tu.assert_almost_equal(a, b + 1, mismatches=(10, 1))


def test_assert_almost_equal_options():
    tu.assert_almost_equal(np.array([np.nan, 1]), np.array([np.nan, 1]), equal_nan=True)
    with pytest.raises(AssertionError):
        tu.assert_almost_equal(np.array([np.nan]), np.array([np.nan]))
    tu.assert_almost_equal(np.ones((2, 3)), np.ones(3))
    with pytest.raises(AssertionError, match="not equal"):
        tu.assert_almost_equal(np.ones((2, 3)), np.ones(3), use_broadcast=False)
    tu.assert_almost_equal(np.array([1.0]), np.array([1.1]), rtol=0.2, atol=0)
    tu.assert_almost_equal(
        np.array([1.0], np.float32),
        np.array([1.1], np.float32),
        rtol={np.dtype(np.float32): 0.2},
    )
    tu.assert_almost_equal(np.array([True]), np.array([True]))


def test_almost_equal_and_same():
    assert tu.almost_equal(np.array([1.0]), np.array([1.0 + 1e-7]))
    # almost_equal defaults to the float64 tolerances, as in MXNet
    assert not tu.almost_equal(np.array([1.0]), np.array([1.001]))
    assert tu.same(nd.array([1, 2]), np.array([1, 2], np.float32))
    assert not tu.same(np.array([1, 2]), np.array([1, 3]))


def test_context_defaults():
    assert tu.default_context() == mx.cpu()
    tu.set_default_context(mx.cpu(1))
    try:
        assert tu.default_context() == mx.cpu(1)
    finally:
        tu.set_default_context(mx.cpu())
    assert tu.list_gpus() == range(mx.num_gpus())  # a range, as in MXNet
    assert mx.current_context() == mx.cpu()


def test_random_shapes_and_arrays():
    for _ in range(20):
        s = tu.rand_shape_2d(3, 4)
        assert 1 <= s[0] <= 3 and 1 <= s[1] <= 4
        assert all(1 <= d <= 5 for d in tu.rand_shape_3d(5, 5, 5))
        s = tu.rand_shape_nd(4, 2)
        assert len(s) == 4 and all(1 <= d <= 2 for d in s)
    # MXNet's rand_ndarray draws standard-normal values (random_arrays)
    x = tu.rand_ndarray((50, 40))
    assert x.dtype is np.float32 and x.shape == (50, 40)
    v = x.asnumpy()
    assert v.min() < 0 < v.max() and abs(v.mean()) < 0.1 and abs(v.std() - 1) < 0.1
    assert tu.rand_ndarray((2, 2), dtype="float64").dtype is np.float64
    for stype in ("csr", "row_sparse"):  # issue 13: sparse storage exists
        y = tu.rand_ndarray((20, 10), stype=stype, density=0.3)
        assert y.stype == stype and y.shape == (20, 10)
        assert 0 < (y.asnumpy() != 0).mean() < 0.6
    a, b = tu.random_arrays((2, 3), (4,))
    assert a.shape == (2, 3) and b.shape == (4,) and a.dtype == np.float32


def test_environment_restores():
    os.environ.pop("NEOGLUON_TEST_X", None)
    os.environ["NEOGLUON_TEST_Y"] = "y"
    with tu.environment({"NEOGLUON_TEST_X": "1", "NEOGLUON_TEST_Y": None}):
        assert os.environ["NEOGLUON_TEST_X"] == "1"
        assert "NEOGLUON_TEST_Y" not in os.environ
    assert "NEOGLUON_TEST_X" not in os.environ
    assert os.environ.pop("NEOGLUON_TEST_Y") == "y"
    with tu.environment("NEOGLUON_TEST_X", "2"):
        assert mx.util.getenv("NEOGLUON_TEST_X") == "2"
    with pytest.raises(ValueError):
        with tu.environment("a", "b", "c"):
            pass


def test_check_numeric_gradient_on_nd_function():
    x = np.array([[0.3, -1.2, 2.0]], np.float32)
    w = np.array([[0.5, 1.5, -0.7]], np.float32)
    tu.check_numeric_gradient(lambda a, b: a * b + a * a, [x, w], rtol=1e-2, atol=1e-3)
    if hasattr(nd, "tanh"):
        tu.check_numeric_gradient(lambda a: nd.tanh(a), [x], rtol=1e-2, atol=1e-3)


def test_check_numeric_gradient_detects_wrong_gradient():
    class Wrong(mx.autograd.Function):
        def forward(self, a):
            return a * a

        def backward(self, dy):
            return dy  # wrong: should be 2 * a * dy

    x = np.array([1.0, 2.0, 3.0], np.float32)
    with pytest.raises(AssertionError, match="NUMERICAL_0"):
        tu.check_numeric_gradient(lambda a: Wrong()(a), [x], rtol=1e-2, atol=1e-3)


def test_util_switches():
    assert mx.util.is_np_array() is False
    assert mx.util.is_np_shape() is False
    assert mx.util.set_np_shape(False) is False
    assert mx.util.set_np_shape(True) is False
    assert mx.util.set_np_shape(False) is True


def test_random_seed_reproducible():
    if not hasattr(nd.random, "uniform"):
        pytest.skip("nd.random.uniform not registered")
    mx.random.seed(42)
    a = nd.random.uniform(shape=(5,)).asnumpy()
    mx.random.seed(42)
    b = nd.random.uniform(shape=(5,)).asnumpy()
    np.testing.assert_array_equal(a, b)
    assert mx.random.uniform is nd.random.uniform
    mx.random.seed(7, ctx=mx.cpu())
    c = nd.random.uniform(shape=(5,)).asnumpy()
    mx.random.seed(7, ctx=mx.cpu())
    np.testing.assert_array_equal(c, nd.random.uniform(shape=(5,)).asnumpy())
    with pytest.raises(ValueError, match="must be an int"):
        mx.random.seed("1")


def test_module_paths_resolve():
    import neogluon.base
    import neogluon.context
    import neogluon.ndarray.ndarray
    import neogluon.random
    import neogluon.test_utils
    import neogluon.util

    assert neogluon.ndarray.ndarray.NDArray is nd.NDArray
    assert neogluon.base.MXNetError is mx.MXNetError
    assert neogluon.context.Context is mx.Context
    assert mx.test_utils is neogluon.test_utils and mx.rnd is neogluon.random


def test_check_numeric_gradient_on_symbols_passes_and_catches_wrong_gradients():
    import neogluon as mx
    from neogluon.test_utils import check_numeric_gradient

    rs = np.random.RandomState(0)
    x, w = mx.sym.var("x"), mx.sym.var("w")
    y = mx.sym.tanh(mx.sym.FullyConnected(x, w, num_hidden=3, no_bias=True))
    loc = {"x": rs.rand(2, 4).astype("float32"), "w": rs.rand(3, 4).astype("float32")}
    check_numeric_gradient(y, loc, numeric_eps=1e-3, rtol=1e-2, atol=1e-3)
    # BlockGrad hides one factor from the analytic gradient: x (analytic) vs
    # 2x (numeric) must be reported.
    bad = mx.sym.BlockGrad(x) * x
    with pytest.raises(AssertionError):
        check_numeric_gradient(bad, {"x": rs.rand(2, 4).astype("float32") + 0.5})


# ---------------------------------------------------------------- vs MXNet 1.9.1
from tests.conftest import load_fixture  # noqa: E402

FAM = "test_utils_ref"


def test_tolerance_tables_match_mxnet():
    fx = load_fixture(FAM, "tolerances")
    assert {
        str(k): v for k, v in tu.default_rtols().items() if str(k) in fx["rtols"]
    } == fx["rtols"]
    assert {
        str(k): v for k, v in tu.default_atols().items() if str(k) in fx["atols"]
    } == fx["atols"]
    assert {str(k): v for k, v in tu.default_numeric_eps().items()} == fx["numeric_eps"]
    for da, db, rt, at in fx["pairs"]:
        got = tu.get_tols(np.zeros(2, da), np.zeros(2, db), None, None)
        assert got == (rt, at), (da, db)
    sp = fx["specials"]
    f32 = np.zeros(2, np.float32)
    assert list(tu.get_tols(1.0, f32, None, None)) == sp["number_vs_f32"]
    assert list(tu.get_tols(1, np.zeros(2, np.float16), None, None)) == sp["int_vs_f16"]
    assert list(tu.get_tols(f32, f32, 0.5, 0.25)) == sp["explicit"]
    assert (
        list(
            tu.get_tols(
                f32, f32, {np.dtype(np.float32): 0.3}, {np.dtype(np.float32): 0.2}
            )
        )
        == sp["dict_hit"]
    )
    assert (
        list(tu.get_tols(f32, f32, {np.dtype(np.float64): 0.3}, None))
        == sp["dict_miss"]
    )
    assert tu.get_rtol() == sp["get_rtol_default"]
    assert tu.get_atol() == sp["get_atol_default"]
    assert tu.get_rtol(None, np.dtype(np.float16)) == sp["get_rtol_f16"]
    assert tu.get_etol() == sp["get_etol_default"]
    for key, want in fx["effective"].items():
        kind, dtype = key.split("_")
        arr = np.zeros(2, dtype) if kind == "np" else nd.zeros((2,), dtype=dtype)
        assert str(tu.effective_dtype(arr)) == want, key
    assert str(np.dtype(tu.default_dtype())) == fx["default_dtype"]


def _outcome(fn):
    try:
        fn()
    except AssertionError as err:
        import re

        m = re.search(r"Error ([0-9.eE+-]+|nan|inf) exceeds", str(err))
        pct = re.search(r"mismatch (at least )?([0-9.]+)%", str(err))
        return {
            "passed": False,
            "error": float(m.group(1)) if m else None,
            "mismatch_pct": float(pct.group(2)) if pct else None,
        }
    return {"passed": True, "error": None, "mismatch_pct": None}


def test_assert_almost_equal_outcomes_match_mxnet():
    fx = load_fixture(FAM, "assert_cases")
    for i, case in enumerate(fx["cases"]):
        a, b = fx[f"a{i}"], fx[f"b{i}"]
        kw = dict(case["kwargs"])
        if isinstance(kw.get("rtol"), dict):
            kw["rtol"] = {np.dtype(k): v for k, v in kw["rtol"].items()}
        if "mismatches" in kw:
            kw["mismatches"] = tuple(kw["mismatches"])
        which = case["which"]
        if which == "assert":
            got = _outcome(lambda a=a, b=b, kw=kw: tu.assert_almost_equal(a, b, **kw))
        elif which == "almost_equal":
            assert tu.almost_equal(a, b, **kw) == case["passed"], (i, case)
            continue
        elif which == "ignore_nan":
            got = _outcome(lambda a=a, b=b: tu.assert_almost_equal_ignore_nan(a, b))
        else:
            got = _outcome(
                lambda a=a, b=b, kw=kw: tu.assert_almost_equal_with_err(a, b, **kw)
            )
        assert got["passed"] == case["passed"], (i, case, got)
        for key in ("error", "mismatch_pct"):
            want = case[key]
            if want is None:
                assert got[key] is None, (i, case, got)
            else:
                np.testing.assert_allclose(got[key], want, rtol=1e-5, err_msg=str(case))
    base = fx["base32"]
    nd_a = nd.array(base)
    ndc = fx["nd"]
    assert (
        _outcome(lambda: tu.assert_almost_equal(nd_a, nd.array(base + 5e-4)))
        == ndc["close"]
    )
    far = _outcome(lambda: tu.assert_almost_equal(nd_a, nd.array(base + 2e-3)))
    assert far["passed"] is False and far["mismatch_pct"] == ndc["far"]["mismatch_pct"]
    np.testing.assert_allclose(far["error"], ndc["far"]["error"], rtol=1e-5)
    assert _outcome(lambda: tu.assert_almost_equal(nd_a, base + 5e-4)) == ndc["mixed"]
    assert tu.same(base, base.copy()) == ndc["same_nd_np"]


def test_np_reduce_and_collapse_sum_like_match_mxnet():
    fx = load_fixture(FAM, "np_reduce")
    funcs = {
        "sum": np.sum,
        "max": np.max,
        "min": np.min,
        "prod": np.prod,
        "mean": np.mean,
    }
    for k, m in enumerate(fx["meta"]):
        got = tu.np_reduce(fx["x"], m["axis"], m["keepdims"], funcs[m["func"]])
        np.testing.assert_allclose(got, fx[f"r{k}"], rtol=1e-6, err_msg=str(m))
        assert np.shape(got) == fx[f"r{k}"].shape, m
    for i, s in enumerate(fx["collapse_shapes"]):
        got = tu.collapse_sum_like(fx["big"], tuple(s))
        np.testing.assert_allclose(got, fx[f"c{i}"], rtol=1e-12)
        assert got.shape == tuple(s)


def test_gen_buckets_probs_with_ppf_matches_mxnet():
    import scipy.stats as ss

    fx = load_fixture(FAM, "buckets")
    specs = {
        "norm5": lambda x: ss.norm.ppf(x, 0, 1),
        "norm_shift7": lambda x: ss.norm.ppf(x, 2.5, 0.7),
        "uniform4": lambda x: ss.uniform.ppf(x, -2, 4),
        "gamma5": lambda x: ss.gamma.ppf(x, a=2.0, loc=0, scale=1.5),
        "exp3": lambda x: ss.expon.ppf(x, scale=2.0),
    }
    for name, ppf in specs.items():
        buckets, probs = tu.gen_buckets_probs_with_ppf(ppf, fx["nbuckets"][name])
        assert isinstance(buckets, list) and all(isinstance(b, tuple) for b in buckets)
        np.testing.assert_allclose(np.array(buckets), fx[name + "_buckets"], rtol=1e-12)
        np.testing.assert_array_equal(probs, fx[name + "_probs"])
    with pytest.raises(ValueError, match="nbuckets"):
        tu.gen_buckets_probs_with_ppf(specs["norm5"], 0)


def test_chi_square_mean_var_checks_match_mxnet():
    fx = load_fixture(FAM, "chi_square")
    res = fx["results"]
    normal, disc, skewed = fx["normal"], fx["disc"], fx["skewed"]
    buckets = [tuple(b) for b in fx["buckets"]]
    n = len(normal)
    for key, gen, bk, probs in [
        ("cont", normal, buckets, [0.2] * 5),
        ("disc", disc, [0, 1, 2, 3], [0.25] * 4),
        ("skewed", skewed, [0, 1, 2, 3], [0.25] * 4),
    ]:
        p, obs, exp = tu.chi_square_check(lambda k, g=gen: g[:k], bk, probs, nsamples=n)
        np.testing.assert_allclose(p, res[key]["p"], rtol=1e-9)
        assert obs.tolist() == res[key]["obs"] and exp.tolist() == res[key]["exp"]
        assert exp.dtype == np.int32
    got = tu.verify_generator(
        lambda k: disc[:k], [0, 1, 2, 3], [0.25] * 4, nsamples=n, nrepeat=3
    )
    np.testing.assert_allclose(got, res["verify_ok"], rtol=1e-9)
    with pytest.raises(AssertionError, match="Generator test fails"):
        tu.verify_generator(lambda k: skewed[:k], [0, 1, 2, 3], [0.25] * 4, nsamples=n)
    assert res["verify_skewed_raises"]
    assert (
        tu.mean_check(lambda k: normal[:k], 0, 1.0, nsamples=n)
        == res["mean_check"]["ok"]
    )
    assert (
        tu.mean_check(lambda k: normal[:k] + 0.5, 0, 1.0, nsamples=n)
        == res["mean_check"]["shifted"]
    )
    assert tu.var_check(lambda k: normal[:k], 1.0, nsamples=n) == res["var_check"]["ok"]
    assert (
        tu.var_check(lambda k: normal[:k] * 1.5, 1.0, nsamples=n)
        == res["var_check"]["wide"]
    )


def test_chi_square_check_with_inexact_expected_counts():
    # 999 * float32(0.1) truncates to 99 per bucket (990 != 999): MXNet's
    # expected counts are reported as is, the p-value uses them rescaled to the
    # total (recent scipy refuses totals that differ).
    rs = np.random.RandomState(0)
    samples = rs.randint(0, 10, size=999)
    p, obs, exp = tu.chi_square_check(
        lambda k: samples[:k], list(range(10)), [0.1] * 10, 999
    )
    assert exp.tolist() == [99] * 10 and obs.sum() == 999
    import scipy.stats as ss

    np.testing.assert_allclose(
        p, ss.chisquare(obs, np.full(10, 99.9)).pvalue, rtol=1e-12
    )
    assert 0.05 < p <= 1.0


def test_numpy_stream_helpers_match_mxnet():
    fx = load_fixture(FAM, "numpy_random")
    for s in fx["seeds"]:
        np.random.seed(s)
        assert tu.rand_shape_2d() == tuple(fx[f"s{s}_shape2d"])
        assert tu.rand_shape_2d(3, 4, allow_zero_size=True) == tuple(
            fx[f"s{s}_shape2d_z"]
        )
        assert tu.rand_shape_3d(4, 5, 6) == tuple(fx[f"s{s}_shape3d"])
        shape = tu.rand_shape_nd(4)
        assert shape == tuple(fx[f"s{s}_shapend"]) and all(
            type(d) is int for d in shape
        )
        assert tu.rand_shape_nd(3, 7, allow_zero_size=True) == tuple(
            fx[f"s{s}_shapend_z"]
        )
        a0, a1 = tu.random_arrays((2, 3), (4,))
        np.testing.assert_array_equal(a0, fx[f"s{s}_arrays0"])
        np.testing.assert_array_equal(a1, fx[f"s{s}_arrays1"])
        sc = tu.random_arrays(())
        assert sc.shape == () and sc.dtype == np.float32
        np.testing.assert_array_equal(sc, fx[f"s{s}_scalar"])
        u0, u1 = tu.random_uniform_arrays(
            (2, 2), (3,), low=-1.0, high=2.0, dtype=np.float64
        )
        np.testing.assert_array_equal(u0, fx[f"s{s}_uniform0"])
        np.testing.assert_array_equal(u1, fx[f"s{s}_uniform1"])
        assert tu.random_sample(list(range(10)), 4) == fx[f"s{s}_sample"].tolist()
        assert tuple(int(v) for v in tu.rand_coord_2d(0, 10, 5, 8)) == tuple(
            fx[f"s{s}_coord"]
        )
        np.testing.assert_array_equal(
            tu.rand_ndarray((3, 4)).asnumpy(), fx[f"s{s}_randnd"]
        )
        np.testing.assert_array_equal(
            tu.rand_ndarray((2, 2), dtype="float64").asnumpy(), fx[f"s{s}_randnd_f64"]
        )
        np.testing.assert_allclose(
            tu.new_matrix_with_real_eigvals_2d(3), fx[f"s{s}_eig2d"]
        )
        np.testing.assert_allclose(
            tu.new_matrix_with_real_eigvals_nd((2, 3, 3)), fx[f"s{s}_eignd"]
        )
        np.testing.assert_allclose(tu.new_orthonormal_matrix_2d(3), fx[f"s{s}_ortho"])
        np.testing.assert_allclose(
            tu.new_sym_matrix_with_real_eigvals_nd((2, 2, 3, 3)), fx[f"s{s}_symnd"]
        )
    with pytest.raises(TypeError, match="unexpected"):
        tu.random_uniform_arrays((2,), lows=1)
    with pytest.raises(ValueError, match="random_sample"):
        tu.random_sample([1, 2], 3)


# ---------------------------------------------------------------- the rest of the module
# Every top-level name of MXNet 1.9.1's python/mxnet/test_utils.py (functions,
# classes and the names it imports), plus MXNet 1.5-1.7's set_env_var and the
# 2.x compare_optimizer_noise_seeded.
MXNET_NAMES = """
default_context set_default_context default_dtype default_rtols default_atols
default_numeric_eps effective_dtype get_tolerance get_tols get_atol get_rtol get_etol
random_arrays random_uniform_arrays random_sample _sorted_items _sorted_dict
_validate_csr_generation_inputs shuffle_csr_column_indices _get_uniform_dataset_csr
_get_powerlaw_dataset_csr assign_each assign_each2 create_2d_tensor create_vector
get_identity_mat get_identity_mat_batch rand_sparse_ndarray rand_ndarray
create_sparse_array create_sparse_array_zd rand_shape_2d rand_shape_3d rand_shape_nd
rand_coord_2d np_reduce _find_max_violation same checkShapes almost_equal
locationError assert_almost_equal assert_allclose assert_almost_equal_with_err
assert_almost_equal_ignore_nan assert_exception retry simple_forward _parse_location
_parse_aux_states numeric_grad check_numeric_gradient check_symbolic_forward
check_symbolic_backward check_speed check_consistency list_gpus download
download_model get_mnist get_mnist_pkl get_mnist_ubyte get_cifar10
get_mnist_iterator get_zip_data get_bz2_data same_array discard_stderr DummyIter
gen_buckets_probs_with_ppf mean_check get_im2rec_path var_check chi_square_check
verify_generator compare_ndarray_tuple compare_optimizer same_symbol_structure
environment collapse_sum_like is_cd_run is_aarch64_run has_tvm_ops is_op_runnable
check_gluon_hybridize_consistency new_matrix_with_real_eigvals_2d
new_matrix_with_real_eigvals_nd new_orthonormal_matrix_2d
new_sym_matrix_with_real_eigvals_2d new_sym_matrix_with_real_eigvals_nd
Context current_context array Symbol use_np getenv setenv get_cuda_compute_capability
np npt rnd ss requests mx os sys time gzip struct traceback numbers platform errno
logging bz2 zipfile json contextmanager OrderedDict _STORAGE_TYPE_STR_TO_ID
set_env_var compare_optimizer_noise_seeded almost_equal_ignore_nan
""".split()


def test_every_mxnet_name_resolves_and_star_import_brings_them():
    missing = [n for n in MXNET_NAMES if not hasattr(tu, n)]
    assert not missing
    ns: dict = {}
    exec("from neogluon.test_utils import *", ns)
    public = [n for n in MXNET_NAMES if not n.startswith("_")]
    assert not [n for n in public if n not in ns]
    assert ns["mx"] is mx and ns["np"] is np


def test_symbolic_forward_and_backward_checks():
    lhs, rhs = mx.sym.Variable("lhs"), mx.sym.Variable("rhs")
    mat1 = np.array([[1, 2], [3, 4]], np.float32)
    mat2 = np.array([[5, 6], [7, 8]], np.float32)
    dot = mx.sym.dot(lhs, rhs)
    outs = tu.check_symbolic_forward(
        dot, [mat1, mat2], [np.array([[19, 22], [43, 50]])]
    )
    assert isinstance(outs[0], nd.NDArray)
    tu.check_symbolic_forward(
        dot, {"lhs": mat1, "rhs": mat2}, {dot.list_outputs()[0]: mat1 @ mat2}
    )
    with pytest.raises(AssertionError, match="EXPECTED_.*FORWARD_"):
        tu.check_symbolic_forward(dot, [mat1, mat2], [np.zeros((2, 2))])
    with pytest.raises(ValueError, match="do not match"):
        tu.check_symbolic_forward(dot, {"lhs": mat1}, [np.zeros((2, 2))])
    prod = lhs * rhs
    og = np.array([[1, -1], [2, 0.5]], np.float32)
    for req in ("write", "add", "null"):
        tu.check_symbolic_backward(
            prod, [mat1, mat2], [og], [og * mat2, og * mat1], grad_req=req
        )
    grads = tu.check_symbolic_backward(
        prod,
        [mat1, mat2],
        [og],
        {"lhs": og * mat2},
        grad_req={"lhs": "write", "rhs": "null"},
    )
    np.testing.assert_allclose(grads["lhs"].asnumpy(), og * mat2)
    with pytest.raises(AssertionError, match="BACKWARD_rhs"):
        tu.check_symbolic_backward(prod, [mat1, mat2], [og], [og * mat2, og * mat2])
    sparse_grads = tu.check_symbolic_backward(
        prod,
        [mat1, mat2],
        [og],
        [og * mat2, og * mat1],
        grad_stypes={"lhs": "row_sparse"},
    )
    assert sparse_grads["lhs"].stype == "row_sparse"  # (tests/sparse: more)
    got = tu.simple_forward(dot, lhs=mat1, rhs=mat2)
    np.testing.assert_array_equal(got, mat1 @ mat2)


def test_check_numeric_gradient_grad_req_dict_and_aux_states():
    rs = np.random.RandomState(1)
    x, y = mx.sym.var("x"), mx.sym.var("y")
    sym = mx.sym.tanh(x) * y
    loc = [rs.rand(2, 3), rs.rand(2, 3)]
    tu.check_numeric_gradient(sym, loc, grad_nodes={"x": "add", "y": "null"})
    tu.check_numeric_gradient(sym, loc, grad_nodes=["y"], dtype=np.float64)
    with pytest.raises(ValueError, match="too small"):
        tu.check_numeric_gradient(sym, loc, numeric_eps=1e-7)
    data = mx.sym.var("data")
    bn = mx.sym.BatchNorm(data, name="bn", fix_gamma=False)
    shapes = {"data": (4, 3), "bn_gamma": (3,), "bn_beta": (3,)}
    location = {k: rs.rand(*s) + 0.5 for k, s in shapes.items()}
    aux = [np.zeros(3), np.ones(3)]
    tu.check_numeric_gradient(
        bn, location, aux_states=aux, numeric_eps=1e-2, rtol=0.05, atol=0.05
    )


def test_check_consistency_and_speed():
    sym = mx.sym.Convolution(num_filter=3, kernel=(3, 3), name="conv")
    ctx_list = [
        {
            "ctx": mx.cpu(0),
            "conv_data": (2, 2, 6, 6),
            "type_dict": {"conv_data": np.float64},
        },
        {
            "ctx": mx.cpu(0),
            "conv_data": (2, 2, 6, 6),
            "type_dict": {"conv_data": np.float32},
        },
    ]
    gt = tu.check_consistency(sym, ctx_list)
    assert {"conv_data", "conv_weight", "conv_bias", "conv_output"} <= set(gt)
    assert gt["conv_output"].dtype == np.float64
    data = mx.sym.var("conv_data")
    other = [
        sym,
        mx.sym.Convolution(data * 2, num_filter=3, kernel=(3, 3), name="conv"),
    ]
    with pytest.raises(AssertionError):
        tu.check_consistency(other, ctx_list)
    assert tu.check_consistency(other, ctx_list, raise_on_err=False) is not None
    x = mx.sym.var("x")
    t = tu.check_speed(mx.sym.tanh(x), x=(4, 4), N=2)
    assert t > 0
    assert (
        tu.check_speed(
            mx.sym.tanh(x), location={"x": np.ones((2, 2))}, N=2, typ="forward"
        )
        > 0
    )
    with pytest.raises(ValueError, match="whole"):
        tu.check_speed(mx.sym.tanh(x), x=(2, 2), typ="backward")


def test_misc_helpers():
    a = nd.array([1.0, 2.0])
    assert tu.same_array(a, a) and not tu.same_array(a, a.copy())
    tu.assert_exception(lambda: 1 / 0, ZeroDivisionError)
    with pytest.raises(AssertionError, match="did not raise"):
        tu.assert_exception(lambda: 1, ZeroDivisionError)
    calls = []

    @tu.retry(3)
    def flaky():
        calls.append(1)
        assert len(calls) >= 3

    flaky()
    assert len(calls) == 3

    @tu.retry(2)
    def always():
        raise AssertionError("nope")

    with pytest.raises(AssertionError, match="nope"):
        always()
    np.testing.assert_array_equal(
        tu.create_2d_tensor(3, 2).asnumpy(), [[0, 0], [1, 1], [2, 2]]
    )
    assert tu.create_vector(4).asnumpy().tolist() == [0, 1, 2, 3]
    assert tu.get_identity_mat_batch(2).shape == (2, 2, 2)
    assert tu.assign_each(np.array([1.0, 2.0]), lambda v: v * 3).tolist() == [3.0, 6.0]
    assert tu.assign_each2(
        np.array([1, 2]), np.array([3, 4]), lambda p, q: p * q
    ).tolist() == [
        3.0,
        8.0,
    ]
    x, y = mx.sym.var("x"), mx.sym.var("y")
    assert tu.same_symbol_structure(x + y, y + x)
    assert not tu.same_symbol_structure(x + y, x * y)
    assert tu.has_tvm_ops() is False and tu.is_op_runnable() is True
    with tu.environment("CD_JOB", "1"):
        assert tu.is_cd_run()
    with tu.environment("CD_JOB", None):
        assert not tu.is_cd_run()
    os.environ.pop("NEOGLUON_SETENV", None)
    assert tu.set_env_var("NEOGLUON_SETENV", "a", "unset") == "unset"
    assert tu.set_env_var("NEOGLUON_SETENV", "b") == "a"
    os.environ.pop("NEOGLUON_SETENV")
    tu.compare_ndarray_tuple((a, (a, None)), (a, (a, a)))
    with pytest.raises(AssertionError):
        tu.compare_ndarray_tuple((a,), (a + 1,))
    tu.assert_almost_equal_with_err(np.ones(10), np.r_[np.ones(9), 5], etol=0.2)
    with pytest.raises(AssertionError, match="Error rate"):
        tu.assert_almost_equal_with_err(np.ones(10), np.r_[np.ones(9), 5], etol=0.05)
    assert tu.almost_equal_ignore_nan(np.array([np.nan, 1.0]), np.array([2.0, 1.0]))


def test_sparse_helpers_raise_clearly():
    # issue 13: the sparse generators build real sparse arrays now
    arr, (indptr, indices, data) = tu.rand_sparse_ndarray((4, 4), "csr", density=0.5)
    assert arr.stype == "csr" and indptr.shape == (5,)
    assert tu.create_sparse_array((4, 4), "row_sparse").stype == "row_sparse"
    zd = tu.create_sparse_array_zd((4, 4), "row_sparse", 0.7)
    assert zd.stype == "row_sparse" and zd.indices.shape == (0,)
    with pytest.raises(AssertionError, match="Unknown storage type"):
        tu.create_sparse_array((2, 2), "dense")
    with pytest.raises(ValueError, match="density"):
        tu._validate_csr_generation_inputs(2, 2, 1.5)
    # compare_optimizer gives opt2 arrays of the requested storage types and
    # opt1 their dense copies (MXNet's helper); a sparse weight is fully stored
    seen = []

    class _Record(mx.optimizer.Optimizer):
        # records what it is given, updates nothing (both sides stay equal)
        def update(self, index, weight, grad, state):
            seen.append((weight.stype, grad.stype, weight.asnumpy(), grad.asnumpy()))

    for stypes in (("default", "csr"), ("csr", "csr"), ("row_sparse", "row_sparse")):
        np.random.seed(4)
        tu.compare_optimizer(_Record(), _Record(), (5, 3), np.float32, *stypes)
        (w1, g1, dw1, dg1), (w2, g2, dw2, dg2) = seen[-2:]
        assert (w1, g1) == ("default", "default") and (w2, g2) == stypes
        np.testing.assert_array_equal(dw1, dw2)
        np.testing.assert_array_equal(dg1, dg2)
        if stypes[0] != "default":
            assert (dw2 != 0).all()  # a sparse weight is fully stored (density 1)
    with pytest.raises(ValueError, match="storage type 'dense'"):
        tu.compare_optimizer(
            mx.optimizer.SGD(), mx.optimizer.SGD(), (2, 2), np.float32, "dense"
        )
    # shuffle_csr_column_indices works on scipy CSR matrices
    import scipy.sparse as sp

    m = sp.random(5, 20, density=0.5, format="csr", random_state=0)
    before = [sorted(m.indices[m.indptr[i] : m.indptr[i + 1]]) for i in range(5)]
    np.random.seed(3)
    tu.shuffle_csr_column_indices(m)
    after = [m.indices[m.indptr[i] : m.indptr[i + 1]] for i in range(5)]
    assert [sorted(r) for r in after] == before
    assert any(list(r) != sorted(r) for r in after)
    with pytest.raises(MXNetError, match="indptr"):
        tu.shuffle_csr_column_indices(nd.ones((2, 2)))


def test_compare_optimizer():
    tu.compare_optimizer(
        mx.optimizer.SGD(learning_rate=0.1, momentum=0.9),
        mx.optimizer.SGD(learning_rate=0.1, momentum=0.9),
        (3, 4),
        np.float32,
    )
    with pytest.raises(AssertionError):
        tu.compare_optimizer(
            mx.optimizer.SGD(learning_rate=0.1),
            mx.optimizer.SGD(learning_rate=0.2),
            (3, 4),
            "float32",
        )
    tu.compare_optimizer(
        mx.optimizer.SGD(learning_rate=0.1, momentum=0.9),
        mx.optimizer.SGD(learning_rate=0.1, momentum=0.9),
        [(2, 3), (4,), (5, 1)],
        np.float32,
        ntensors=3,
    )
    tu.compare_optimizer_noise_seeded(
        mx.optimizer.SGLD(learning_rate=0.1),
        mx.optimizer.SGLD(learning_rate=0.1),
        [(3, 4), (2,)],
        np.float32,
        noise_seed=5,
    )


def test_check_gluon_hybridize_consistency():
    def builder(prefix):
        net = mx.gluon.nn.HybridSequential(prefix=prefix)
        with net.name_scope():
            net.add(mx.gluon.nn.Dense(4, activation="tanh"), mx.gluon.nn.Dense(2))
        return net

    x = nd.array(np.random.RandomState(0).rand(3, 5))
    tu.check_gluon_hybridize_consistency(builder, [x])

    class Drifts(mx.gluon.HybridBlock):
        calls = 0

        def hybrid_forward(self, F, x):
            Drifts.calls += 1
            return x * Drifts.calls

    with pytest.raises(AssertionError):
        tu.check_gluon_hybridize_consistency(lambda prefix: Drifts(prefix=prefix), [x])
    with pytest.raises(AssertionError):
        tu.check_gluon_hybridize_consistency(
            builder, [x], numpy_func=lambda a: np.zeros((3, 2))
        )


def test_use_np_decorator():
    @tu.use_np
    def legacy_only(a):
        assert mx.util.is_np_array() and mx.util.is_np_shape()
        return (nd.array(a) * 2).asnumpy()

    assert legacy_only([1.0]).tolist() == [2.0]
    assert legacy_only.__name__ == "legacy_only"
    assert not mx.util.is_np_array()

    @tu.use_np
    def with_np():
        return mx.np.array([1, 2]) * 2

    out = with_np()
    assert type(out) is mx.np.ndarray and out.tolist() == [2.0, 4.0]

    @tu.use_np
    class Net(mx.gluon.HybridBlock):
        def hybrid_forward(self, F, x):
            return x + 1

        @staticmethod
        def helper(v):
            return v * 2

        @classmethod
        def make(cls):
            return cls()

        @property
        def three(self):
            return 3 if mx.util.is_np_array() else None

    net = Net.make()
    net.initialize()
    assert net(nd.ones((1,))).asnumpy().tolist() == [2.0]
    assert Net.helper(2) == 4 and net.helper(2) == 4 and net.three == 3
    with pytest.raises(TypeError, match="use_np"):
        tu.use_np(3)


def test_discard_stderr_hides_fd2(capfd):
    with tu.discard_stderr():
        os.write(2, b"hidden\n")
    os.write(2, b"shown\n")
    err = capfd.readouterr().err
    assert "hidden" not in err and "shown" in err


def test_dummy_iter_and_im2rec_path(tmp_path):
    it = mx.io.NDArrayIter(np.arange(8, dtype=np.float32).reshape(4, 2), batch_size=2)
    d = tu.DummyIter(it)
    first = next(d)
    assert next(d) is first and d.batch_size == 2
    assert d.provide_data == it.provide_data
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "im2rec.py").write_text("# im2rec\n")
    with tu.environment("NEOGLUON_HOME_T", str(tmp_path)):
        assert tu.get_im2rec_path("NEOGLUON_HOME_T") == str(tools / "im2rec.py")
    with tu.environment("NEOGLUON_HOME_T", str(tmp_path / "nowhere")):
        with pytest.raises(OSError, match="im2rec"):
            tu.get_im2rec_path("NEOGLUON_HOME_T")


# ---------------------------------------------------------------- downloads and data files
class _Resp:
    """What ``requests.get(url, stream=True)`` returns, for the mocks below."""

    def __init__(self, status: int, content: bytes) -> None:
        self.status_code = status
        self._content = content

    def iter_content(self, chunk_size=1):
        for i in range(0, len(self._content), chunk_size):
            yield self._content[i : i + chunk_size]


def test_download_through_requests(tmp_path, monkeypatch):
    import requests

    calls = []

    def fake_get(url, **kw):
        calls.append((url, kw))
        return _Resp(200, b"x" * 3000)

    monkeypatch.setattr(requests, "get", fake_get)
    target = tmp_path / "sub" / "file.bin"
    assert tu.download("http://h/a/file.bin", fname=str(target)) == str(target)
    assert target.read_bytes() == b"x" * 3000 and calls[0][1] == {"stream": True}
    assert sorted(p.name for p in target.parent.iterdir()) == [
        "file.bin"
    ]  # no temp left
    # an existing file is kept unless overwrite=True
    target.write_bytes(b"old")
    tu.download("http://h/a/file.bin", fname=str(target))
    assert target.read_bytes() == b"old" and len(calls) == 1
    tu.download("http://h/a/file.bin", fname=str(target), overwrite=True)
    assert target.read_bytes() == b"x" * 3000
    # dirname + default fname (the URL's last part)
    got = tu.download("http://h/a/other.txt", dirname=str(tmp_path / "d"))
    assert got == str(tmp_path / "d" / "other.txt")


def test_download_retries_then_raises_and_never_leaves_partial_files(
    tmp_path, monkeypatch
):
    import requests

    attempts = []

    def failing(url, **kw):
        attempts.append(url)
        raise requests.exceptions.ConnectionError("no network")

    monkeypatch.setattr(requests, "get", failing)
    with pytest.raises(requests.exceptions.ConnectionError):
        tu.download(
            "http://doesnotexist.notfound", fname=str(tmp_path / "f"), retries=3
        )
    assert len(attempts) == 3 and not list(tmp_path.iterdir())
    monkeypatch.setattr(requests, "get", lambda url, **kw: _Resp(404, b""))
    with pytest.raises(OSError, match="404"):
        tu.download("http://h/missing", fname=str(tmp_path / "f"), retries=0)

    class Broken(_Resp):
        def iter_content(self, chunk_size=1):
            yield b"partial"
            raise requests.exceptions.ChunkedEncodingError("cut")

    monkeypatch.setattr(requests, "get", lambda url, **kw: Broken(200, b""))
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        tu.download("http://h/cut", fname=str(tmp_path / "f"), retries=1)
    assert not list(tmp_path.iterdir())
    with pytest.raises(ValueError, match="retries"):
        tu.download("http://h/x", fname=str(tmp_path / "f"), retries=-1)


def test_download_without_requests_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(tu, "requests", None)
    with pytest.raises(MXNetError, match="pip install requests"):
        tu.download("http://h/x", fname=str(tmp_path / "x"))


def _idx(array: np.ndarray) -> bytes:
    import struct as st

    head = st.pack(">I", 0x0800 | array.ndim) + st.pack(
        ">" + "I" * array.ndim, *array.shape
    )
    return head + array.astype(np.uint8).tobytes()


def _fake_mnist(rs, n):
    return rs.randint(0, 256, size=(n, 28, 28)), rs.randint(0, 10, size=n)


def test_get_mnist_reads_local_files_without_network(tmp_path, monkeypatch):
    import gzip as gz

    import requests

    def no_network(*a, **k):
        raise AssertionError("network used")

    monkeypatch.setattr(requests, "get", no_network)
    monkeypatch.chdir(tmp_path)
    rs = np.random.RandomState(0)
    tr_img, tr_lbl = _fake_mnist(rs, 6)
    te_img, te_lbl = _fake_mnist(rs, 4)
    for name, arr in [
        ("train-images-idx3-ubyte", tr_img),
        ("train-labels-idx1-ubyte", tr_lbl),
        ("t10k-images-idx3-ubyte", te_img),
        ("t10k-labels-idx1-ubyte", te_lbl),
    ]:
        with gz.open(tmp_path / f"{name}.gz", "wb") as f:
            f.write(_idx(arr))
    data = tu.get_mnist()
    assert (
        data["train_data"].shape == (6, 1, 28, 28)
        and data["train_data"].dtype == np.float32
    )
    np.testing.assert_allclose(data["train_data"][:, 0], tr_img / 255, rtol=1e-6)
    assert data["train_label"].tolist() == tr_lbl.tolist()
    assert data["train_label"].dtype == np.int8
    assert data["test_data"].shape == (4, 1, 28, 28)
    assert data["test_label"].tolist() == te_lbl.tolist()


def test_mnist_ubyte_iterator_zip_bz2_and_cifar_from_local_files(tmp_path, monkeypatch):
    import bz2 as bz
    import zipfile as zf

    import requests

    def no_network(*a, **k):
        raise AssertionError("network used")

    monkeypatch.setattr(requests, "get", no_network)
    monkeypatch.chdir(tmp_path)
    rs = np.random.RandomState(1)
    (tmp_path / "data").mkdir()
    tr_img, tr_lbl = _fake_mnist(rs, 10)
    te_img, te_lbl = _fake_mnist(rs, 5)
    for name, arr in [
        ("train-images-idx3-ubyte", tr_img),
        ("train-labels-idx1-ubyte", tr_lbl),
        ("t10k-images-idx3-ubyte", te_img),
        ("t10k-labels-idx1-ubyte", te_lbl),
    ]:
        (tmp_path / "data" / name).write_bytes(_idx(arr))
    tu.get_mnist_ubyte()  # all present: nothing to fetch
    train, val = tu.get_mnist_iterator(batch_size=4, input_shape=(784,))
    batches = list(val)
    assert len(batches) == 1  # 5 samples, batch 4: the incomplete batch is dropped
    np.testing.assert_allclose(
        batches[0].data[0].asnumpy(), te_img[:4].reshape(4, -1) / 255, rtol=1e-6
    )
    assert batches[0].label[0].asnumpy().tolist() == te_lbl[:4].tolist()
    got = sorted(int(v) for b in train for v in b.label[0].asnumpy())
    assert len(got) == 8 and set(got) <= set(tr_lbl.tolist())
    train3, _ = tu.get_mnist_iterator(2, (1, 28, 28), num_parts=2, part_index=1)
    b = next(iter(train3))
    assert b.data[0].shape == (2, 1, 28, 28)
    assert set(b.label[0].asnumpy().astype(int).tolist()) <= set(tr_lbl[5:].tolist())

    # get_zip_data / get_bz2_data: present archives are used, not downloaded
    with zf.ZipFile(tmp_path / "data" / "arch.zip", "w") as z:
        z.writestr("inner.txt", "hello")
    tu.get_zip_data(str(tmp_path / "data"), "http://h/arch.zip", "arch.zip")
    assert not (tmp_path / "data" / "inner.txt").exists()  # archive present: untouched

    def serve(content):
        monkeypatch.setattr(requests, "get", lambda url, **kw: _Resp(200, content))

    buf = tmp_path / "tmp.zip"
    with zf.ZipFile(buf, "w") as z:
        z.writestr("ml/ratings.dat", "1::2::3")
    serve(buf.read_bytes())
    tu.get_zip_data(str(tmp_path / "zipdir"), "http://h/ml.zip", "ml.zip")
    assert (tmp_path / "zipdir" / "ml" / "ratings.dat").read_text() == "1::2::3"
    serve(bz.compress(b"line1\nline2\n"))
    tu.get_bz2_data(
        str(tmp_path / "bzdir"), "kdda.t", "http://h/kdda.t.bz2", "kdda.t.bz2"
    )
    assert (tmp_path / "bzdir" / "kdda.t").read_bytes() == b"line1\nline2\n"
    assert not (tmp_path / "bzdir" / "kdda.t.bz2").exists()
    monkeypatch.setattr(requests, "get", no_network)
    tu.get_bz2_data(
        str(tmp_path / "bzdir"), "kdda.t", "http://h/kdda.t.bz2", "kdda.t.bz2"
    )

    (tmp_path / "data" / "cifar").mkdir()
    for f in ("train.rec", "test.rec", "train.lst", "test.lst"):
        (tmp_path / "data" / "cifar" / f).write_bytes(b"")
    tu.get_cifar10()
    (tmp_path / "data" / "mnist.pkl.gz").write_bytes(b"")
    tu.get_mnist_pkl()


def test_download_model_uses_meta_info(tmp_path, monkeypatch):
    import requests

    monkeypatch.setattr(requests, "get", lambda url, **kw: _Resp(200, url.encode()))
    meta = {
        "m": {"symbol": "http://h/m-symbol.json", "params": "http://h/m-0000.params"}
    }
    prefix, epoch = tu.download_model("m", str(tmp_path / "models"), meta_info=meta)
    assert epoch == 0 and prefix == str(tmp_path / "models" / "m")
    assert (
        tmp_path / "models" / "m-symbol.json"
    ).read_bytes() == b"http://h/m-symbol.json"
    assert tu.download_model("unknown", str(tmp_path), meta_info=meta) == (None, 0)


def test_almost_equal_large_arrays_take_the_fast_path_with_numpys_rules():
    n = (1 << 20) + 3
    a = np.linspace(-1, 1, n, dtype=np.float32)
    b = a + np.float32(5e-7)
    assert tu.almost_equal(a, b, rtol=1e-5, atol=1e-6)
    b[n // 2] += 1e-3
    assert not tu.almost_equal(a, b, rtol=1e-5, atol=1e-6)
    with pytest.raises(AssertionError, match="Location of maximum error"):
        tu.assert_almost_equal(a, b, rtol=1e-5, atol=1e-6)
    # Equal infinities and (with equal_nan) NaNs: numpy's rules decide.
    c = a.copy()
    c[0], c[1] = np.inf, np.nan
    d = c.copy()
    assert tu.almost_equal(c, d, rtol=1e-5, atol=1e-6, equal_nan=True)
    assert not tu.almost_equal(c, d, rtol=1e-5, atol=1e-6, equal_nan=False)


def test_almost_equal_sees_a_mismatch_in_any_chunk_of_a_large_array():
    n = 5 * ((3 << 22) // 5 + 7)  # three full chunks of the fast path and a short one
    a = np.linspace(-1, 1, n, dtype=np.float32).reshape(-1, 5)
    for k in (0, (1 << 22) + 1, n - 1):
        b = a.copy()
        b.reshape(-1)[k] += 1e-2
        assert not tu.almost_equal(a, b, rtol=1e-5, atol=1e-6), k
    assert tu.almost_equal(a, a.copy(), rtol=1e-5, atol=1e-6)


def test_asnumpy_of_a_large_array_is_an_independent_copy():
    x = mx.nd.arange(0, 1 << 17).reshape((2, -1))
    a = x.asnumpy()
    assert a.shape == (2, 1 << 16) and a.dtype == np.float32
    np.testing.assert_array_equal(a.reshape(-1), np.arange(1 << 17, dtype=np.float32))
    a[0, 0] = -5
    assert x[0, 0].asscalar() == 0
    assert a.flags.owndata and a.flags.c_contiguous
