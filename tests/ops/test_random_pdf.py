"""Density operators ``random_pdf_*`` and the Zipfian samplers vs MXNet 1.9.1.

Fixtures: ``tools/fixtures/ops_random_pdf.py``. Densities and their gradients
(the parameters' and the sample's, zero for the discrete distributions) are
compared eagerly and through bound symbols; float32 at rtol 1e-4 (MXNet sums
lgamma terms in float32), float64 at 1e-6 (MXNet's normal
density uses a single-precision pi and its digamma, in the gradients of gamma,
the negative binomials and Dirichlet, takes a single-precision log even for
float64: absolute errors near 1e-7). Random draws cannot match MXNet's
stream, so the samplers are checked for their properties and for the
deterministic expected counts.
"""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from tests.conftest import load_fixture
from tests.ops.op_check import check_case
from tests.ops.test_contrib_more import load_more_cases

FAMILY = "ops_random_pdf"
CASES = [c for c, _ in load_more_cases(FAMILY, "pdf")]


def _tol(case):
    if case.inputs[0].dtype == np.float64:
        return 1e-6, 1e-6
    if case.inputs[0].dtype == np.float16:
        return 2e-3, 1e-3
    return 1e-4, 1e-6


@pytest.mark.parametrize("path", ["nd", "sym"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_matches_mxnet(case, path):
    rtol, atol = _tol(case)
    check_case(case, rtol=rtol, atol=atol, path=path)


def test_fixture_covers_every_distribution():
    fns = {c.fn for c in CASES}
    assert fns == {
        f"random_pdf_{d}"
        for d in (
            "normal",
            "uniform",
            "gamma",
            "exponential",
            "poisson",
            "negative_binomial",
            "generalized_negative_binomial",
            "dirichlet",
        )
    }


def test_discrete_sample_gradient_is_written_as_zero():
    # grad_req='write' overwrites a stale gradient with MXNet's zero.
    x = mx.nd.array([[1.0, 3.0]])
    lam = mx.nd.array([2.0])
    x.attach_grad()
    lam.attach_grad()
    x.grad[:] = 5
    with mx.autograd.record():
        y = mx.nd.random_pdf_poisson(x, lam)
    y.backward()
    assert (x.grad.asnumpy() == 0).all()
    # d/dlam of log pmf = x / lam - 1, scaled by the pmf.
    pmf = y.asnumpy()
    np.testing.assert_allclose(
        lam.grad.asnumpy(), [(pmf * (np.array([1, 3]) / 2 - 1)).sum()], rtol=1e-5
    )


@pytest.mark.parametrize(
    "case", load_fixture(FAMILY, "pdf_errors")["cases"], ids=lambda c: c["name"]
)
def test_rejects_what_mxnet_rejects(case):
    xs = [mx.nd.ones(s) * 0.5 for s in case["shapes"]]
    with pytest.raises(MXNetError, match=case["fn"]):
        getattr(mx.nd, case["fn"])(*xs)
    syms = [mx.sym.var(f"x{i}") for i in range(len(xs))]
    out = getattr(mx.sym, case["fn"])(*syms)
    with pytest.raises(MXNetError):
        out.infer_shape(**{f"x{i}": tuple(s) for i, s in enumerate(case["shapes"])})


def test_rejects_integer_inputs():
    with pytest.raises(MXNetError, match="float16, float32 or float64"):
        mx.nd.random_pdf_exponential(
            mx.nd.array([1, 2], dtype="int32"), mx.nd.array([1, 2], dtype="int32")
        )


def test_symbol_shape_inference():
    s = mx.sym.random_pdf_dirichlet(mx.sym.var("x"), mx.sym.var("a"))
    _, out, _ = s.infer_shape(x=(2, 5, 3), a=(2, 3))
    assert out == [(2, 5)]
    s = mx.sym.random_pdf_gamma(mx.sym.var("x"), mx.sym.var("a"), mx.sym.var("b"))
    args, out, _ = s.infer_shape(x=(4, 6), a=(4,))
    assert out == [(4, 6)]
    assert args == [(4, 6), (4,), (4,)]


def test_names_follow_mxnet():
    for d in ("normal", "dirichlet"):
        assert mx.nd.random_pdf_normal is not None
        assert getattr(mx.nd, f"random_pdf_{d}").op.name == f"_random_pdf_{d}"
        assert callable(getattr(mx.sym, f"random_pdf_{d}"))
    assert mx.nd.random_pdf_normal.__signature__.parameters["sample"].default is None


# --------------------------------------------------------------------------- zipfian
ZIPF = load_fixture(FAMILY, "zipfian")


def test_rand_zipfian_expected_counts_match_mxnet():
    true = mx.nd.array(ZIPF["true"], dtype="int32")
    samples, count_true, count_sampled = mx.nd.contrib.rand_zipfian(
        true, ZIPF["num_sampled"], ZIPF["range_max"]
    )
    for name, arr in (
        ("samples", samples),
        ("count_true", count_true),
        ("count_sampled", count_sampled),
    ):
        assert np.dtype(arr.dtype).name == ZIPF["dtypes"][name], name
    assert list(samples.shape) == ZIPF["shapes"]["samples"]
    assert list(count_sampled.shape) == ZIPF["shapes"]["count_sampled"]
    np.testing.assert_allclose(count_true.asnumpy(), ZIPF["count_true"], rtol=1e-12)
    s = samples.asnumpy()
    assert s.min() >= 0 and s.max() < ZIPF["range_max"]
    # Each sample's expected count is its class's (the table of every class).
    np.testing.assert_allclose(
        count_sampled.asnumpy(), ZIPF["count_every"][s], rtol=1e-12
    )


def test_rand_zipfian_frequencies_follow_the_distribution():
    mx.random.seed(7)
    n, r = 20000, 20
    samples, _, _ = mx.nd.contrib.rand_zipfian(mx.nd.array([0]), n, r)
    freq = np.bincount(samples.asnumpy(), minlength=r) / n
    np.testing.assert_allclose(
        freq, ZIPF["count_every"] / ZIPF["num_sampled"], atol=0.01
    )


def test_rand_zipfian_symbol_matches_nd_rule():
    true = mx.sym.var("true")
    outs = mx.sym.Group(list(mx.sym.contrib.rand_zipfian(true, 500, ZIPF["range_max"])))
    ex = outs.bind(mx.cpu(), {"true": mx.nd.array(ZIPF["true"], dtype="int32")})
    samples, count_true, count_sampled = ex.forward()
    assert samples.dtype == np.int64 and count_true.dtype == np.float64
    np.testing.assert_allclose(
        count_true.asnumpy(), ZIPF["count_true"] * 500 / ZIPF["num_sampled"], rtol=1e-12
    )
    s = samples.asnumpy()
    np.testing.assert_allclose(
        count_sampled.asnumpy(),
        ZIPF["count_every"][s] * 500 / ZIPF["num_sampled"],
        rtol=1e-12,
    )
    with pytest.raises(TypeError, match="Symbol"):
        mx.sym.contrib.rand_zipfian(mx.nd.array([1]), 5, 10)


def test_sample_unique_zipfian():
    classes, tries = mx.nd._internal._sample_unique_zipfian(50, shape=(3, 10))
    assert list(classes.shape) == ZIPF["shapes"]["unique_classes"]
    assert list(tries.shape) == ZIPF["shapes"]["unique_tries"]
    assert np.dtype(classes.dtype).name == ZIPF["dtypes"]["unique_classes"]
    assert np.dtype(tries.dtype).name == ZIPF["dtypes"]["unique_tries"]
    c = classes.asnumpy()
    for row, t in zip(c, tries.asnumpy(), strict=True):
        assert len(set(row.tolist())) == 10
        assert row.min() >= 0 and row.max() < 50
        assert t >= 10
    # All classes: every one drawn exactly once per row.
    classes, tries = mx.nd._internal._sample_unique_zipfian(6, shape=(2, 6))
    assert (np.sort(classes.asnumpy(), axis=1) == np.arange(6)).all()
    # The reference count of draws for MXNet's own example (test_random.py).
    mx.random.seed(3)
    _, tries = mx.nd._internal._sample_unique_zipfian(793472, shape=(2, 8192))
    assert ((tries.asnumpy() > 14500) & (tries.asnumpy() < 17000)).all()


def test_sample_unique_zipfian_seeded_and_symbolic():
    mx.random.seed(11)
    a = mx.nd._internal._sample_unique_zipfian(100, shape=(2, 20))
    mx.random.seed(11)
    b = mx.nd._internal._sample_unique_zipfian(100, shape=(2, 20))
    for x, y in zip(a, b, strict=True):
        assert (x.asnumpy() == y.asnumpy()).all()
    s = mx.sym._internal._sample_unique_zipfian(range_max=100, shape=(2, 20))
    _, outs, _ = s.infer_shape()
    assert outs == [(2, 20), (2,)]
    _, types, _ = s.infer_type()
    assert [np.dtype(t).name for t in types] == ["int64", "int64"]


def test_sample_unique_zipfian_errors():
    with pytest.raises(MXNetError, match="cannot exceed"):
        mx.nd._internal._sample_unique_zipfian(5, shape=(1, 6))
    with pytest.raises(MXNetError, match="2-D"):
        mx.nd._internal._sample_unique_zipfian(5, shape=(6,))


def test_randn_takes_parameter_arrays():
    # MXNet's nd.random.randn samples per element of NDArray loc/scale (its
    # test_random draws (2, 2) distributions of shape (500, 500) this way).
    mx.random.seed(5)
    loc = mx.nd.array([[0.0, 10.0], [-5.0, 2.0]])
    scale = mx.nd.array([[1.0, 0.5], [2.0, 0.1]])
    out = mx.nd.random.randn(200, 300, loc=loc, scale=scale)
    assert out.shape == (2, 2, 200, 300)
    x = out.asnumpy().reshape(4, -1)
    np.testing.assert_allclose(x.mean(1), loc.asnumpy().ravel(), atol=0.05)
    np.testing.assert_allclose(x.std(1), scale.asnumpy().ravel(), rtol=0.03)
    with pytest.raises(ValueError, match="loc must be a number or an NDArray"):
        mx.nd.random.randn(2, loc="0")


@pytest.mark.parametrize(
    "case",
    load_fixture(FAMILY, "sampler_checks")["cases"],
    ids=lambda c: f"{c['fn']}{'_like' if c['like'] else ''}-{c['kwargs']}",
)
def test_sampler_parameter_checks_match_mxnet(case):
    # MXNet rejects invalid scalar parameters of the samplers (scale <= 0, ...);
    # neogluon raises at the call, MXNet at the next read (asynchronously).
    if case["like"]:
        fn = getattr(mx.nd.random, case["fn"] + "_like")
        call = lambda: fn(mx.nd.ones((2, 2)), **case["kwargs"])  # noqa: E731
    else:
        fn = getattr(mx.nd.random, case["fn"])
        call = lambda: fn(shape=(2, 2), **case["kwargs"])  # noqa: E731
    if case["raises"]:
        with pytest.raises(MXNetError, match="has to be|less or equal"):
            call().asnumpy()
    else:
        assert call().shape == (2, 2)


def test_sampler_parameter_checks_in_graphs():
    out = mx.sym.random.normal(0, -1, shape=(2, 2))
    with pytest.raises(MXNetError, match="scale of the normal distribution"):
        out.bind(mx.cpu(), {}).forward()


def test_sampler_without_shape_takes_its_consumers_shape():
    # MXNet leaves a graph sampler without ``shape`` unknown and infers it
    # backwards; a Symbol keyword of an input-less op is ignored (its
    # test_random passes ``data=`` to sym.random.randn).
    mx.random.seed(3)
    noise = mx.sym.random.randn(loc=10.0, scale=0.5, data=mx.sym.ones((4, 5)))
    assert noise.list_arguments() == []
    x = mx.sym.var("x")
    y = noise + x
    _, out, _ = y.infer_shape(x=(300, 200))
    assert out == [(300, 200)]
    (val,) = y.bind(mx.cpu(), {"x": mx.nd.zeros((300, 200))}).forward()
    assert val.shape == (300, 200)
    v = val.asnumpy()
    assert abs(v.mean() - 10.0) < 0.02 and abs(v.std() - 0.5) < 0.02
    # Alone it draws one value, as eagerly.
    assert mx.sym.random.normal().bind(mx.cpu(), {}).forward()[0].shape == (1,)
    with pytest.warns(UserWarning, match="Cannot decide shape"):
        assert mx.sym.random.normal().infer_shape() == (None, None, None)
    with pytest.raises(MXNetError, match="unexpected attribute"):
        mx.sym.relu(x, foo=mx.sym.var("foo"))
