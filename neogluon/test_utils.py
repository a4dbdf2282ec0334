"""``mx.test_utils``: comparison and random-data helpers used by Gluon tests.

Tolerances default per dtype as in MXNet 1.9.1 (rtol f16 1e-2, f32 1e-4, f64
1e-5; atol f16 1e-1, f32 1e-3, f64 1e-20; integers and bool exact).

Notes
-----
``get_mnist`` and ``download`` are not provided: they need network access.
"""

from __future__ import annotations

import contextlib
import numbers
import os

import numpy as np

from .context import Context
from .context import cpu
from .context import num_gpus
from .ndarray import NDArray
from .ndarray import array

__all__ = [
    "default_context",
    "set_default_context",
    "default_dtype",
    "default_rtols",
    "default_atols",
    "get_rtol",
    "get_atol",
    "get_tolerance",
    "same",
    "almost_equal",
    "assert_almost_equal",
    "assert_allclose",
    "assert_exception",
    "rand_ndarray",
    "rand_shape_2d",
    "rand_shape_3d",
    "rand_shape_nd",
    "random_arrays",
    "environment",
    "list_gpus",
    "check_numeric_gradient",
]

_default_ctx: Context | None = None


def default_context() -> Context:
    """The context tests run on: ``cpu(0)`` unless :func:`set_default_context`."""
    return _default_ctx if _default_ctx is not None else cpu()


def set_default_context(ctx: Context) -> None:
    """Set the context returned by :func:`default_context`."""
    global _default_ctx
    _default_ctx = ctx


def default_dtype():
    """The dtype of random test data (``np.float32``)."""
    return np.float32


def list_gpus() -> list[int]:
    """Ids of the visible GPUs (empty on CPU-only machines)."""
    return list(range(num_gpus()))


def default_rtols() -> dict:
    """Default relative tolerance per dtype (MXNet's table)."""
    return {
        np.dtype(np.float16): 1e-2,
        np.dtype(np.float32): 1e-4,
        np.dtype(np.float64): 1e-5,
        **{np.dtype(t): 0 for t in _EXACT},
    }


def default_atols() -> dict:
    """Default absolute tolerance per dtype (MXNet's table)."""
    return {
        np.dtype(np.float16): 1e-1,
        np.dtype(np.float32): 1e-3,
        np.dtype(np.float64): 1e-20,
        **{np.dtype(t): 0 for t in _EXACT},
    }


_EXACT = (
    np.bool_,
    np.int8,
    np.uint8,
    np.int16,
    np.uint16,
    np.int32,
    np.uint32,
    np.int64,
    np.uint64,
)


def get_rtol(rtol=None, dtype=np.float64):
    """``rtol``, or the default for ``dtype``."""
    return default_rtols()[np.dtype(dtype)] if rtol is None else rtol


def get_atol(atol=None, dtype=np.float64):
    """``atol``, or the default for ``dtype``."""
    return default_atols()[np.dtype(dtype)] if atol is None else atol


def get_tolerance(dat, tol, default_tol: dict):
    """The tolerance for ``dat``: a number, a per-dtype dict entry, or the default."""
    if isinstance(tol, numbers.Number):
        return tol
    dtype = np.dtype(getattr(dat, "dtype", np.float64))
    tol = {} if tol is None else tol
    return tol.get(dtype, default_tol.get(dtype, default_tol[np.dtype(np.float64)]))


def _tols(a, b, rtol, atol):
    a = np.array(a) if isinstance(a, numbers.Number) else a
    b = np.array(b) if isinstance(b, numbers.Number) else b
    rtol = max(
        get_tolerance(a, rtol, default_rtols()), get_tolerance(b, rtol, default_rtols())
    )
    atol = max(
        get_tolerance(a, atol, default_atols()), get_tolerance(b, atol, default_atols())
    )
    return rtol, atol


def _np(x):
    if isinstance(x, NDArray):
        return x.asnumpy()
    return np.asarray(x)


def same(a, b) -> bool:
    """Whether two arrays are exactly equal (shape and values)."""
    return bool(np.array_equal(_np(a), _np(b)))


def _check_shapes(a: np.ndarray, b: np.ndarray, names) -> None:
    if a.shape != b.shape:
        raise AssertionError(
            f"{names[0]}.shape = {a.shape} and {names[1]}.shape = {b.shape} are not "
            "equal (use_broadcast=False)"
        )


def almost_equal(
    a, b, rtol=None, atol=None, equal_nan=False, use_broadcast=True
) -> bool:
    """Whether ``|a - b| <= atol + rtol * |b|`` everywhere.

    As in MXNet, the defaults here are the float64 ones (rtol 1e-5, atol 1e-20).
    """
    a, b = _np(a), _np(b)
    if not use_broadcast:
        _check_shapes(a, b, ("a", "b"))
    return bool(
        np.allclose(a, b, rtol=get_rtol(rtol), atol=get_atol(atol), equal_nan=equal_nan)
    )


def _violation(a: np.ndarray, b: np.ndarray, rtol: float, atol: float, equal_nan: bool):
    a64 = a.astype(np.float64)
    b64 = b.astype(np.float64)
    diff = np.abs(a64 - b64)
    tol = atol + rtol * np.abs(b64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(
            tol > 0, diff / np.where(tol > 0, tol, 1), np.where(diff > 0, np.inf, 0)
        )
    nan_a, nan_b = np.isnan(a64), np.isnan(b64)
    bad_nan = nan_a ^ nan_b if equal_nan else nan_a | nan_b
    rel = np.where(bad_nan, np.inf, np.where(nan_a & nan_b, 0, rel))
    return rel


def assert_almost_equal(
    a,
    b,
    rtol=None,
    atol=None,
    names=("a", "b"),
    equal_nan=False,
    use_broadcast=True,
    mismatches=(10, 10),
) -> None:
    """Raise ``AssertionError`` unless ``a`` and ``b`` agree within tolerance.

    ``a``/``b`` are NDArrays, numpy arrays or numbers. ``rtol``/``atol`` default
    per dtype (the looser of the two inputs' dtypes); they may be numbers or
    dicts ``dtype -> tolerance``. The message lists the worst mismatches
    (``mismatches[0]`` of them) with their locations and values.
    """
    rtol, atol = _tols(a, b, rtol, atol)
    a, b = _np(a), _np(b)
    if not use_broadcast:
        _check_shapes(a, b, names)
    if a.dtype == np.bool_ and b.dtype == np.bool_:
        np.testing.assert_equal(a, b)
        return
    try:
        a_b, b_b = np.broadcast_arrays(a, b)
    except ValueError:
        raise AssertionError(
            f"{names[0]} with shape {a.shape} and {names[1]} with shape {b.shape} "
            "cannot be broadcast together"
        ) from None
    if np.allclose(a_b, b_b, rtol=rtol, atol=atol, equal_nan=equal_nan):
        return
    rel = _violation(a_b, b_b, rtol, atol, equal_nan)
    bad = np.argwhere(rel > 1)
    n_bad = len(bad)
    order = np.argsort(-rel[tuple(bad.T)], kind="stable") if n_bad else []
    lines = [
        f"Error {float(rel.max()):f} exceeds tolerance rtol={rtol:e}, atol={atol:e} "
        f"({n_bad} of {a_b.size} elements mismatch, {100.0 * n_bad / max(a_b.size, 1):f}%)."
    ]
    for rank, k in enumerate(order[: mismatches[0]]):
        idx = tuple(int(i) for i in bad[k])
        lines.append(
            f"{rank + 1:3d}: Error {float(rel[idx]):f}  Location {idx}: "
            f"{names[0]}={a_b[idx]!r}, {names[1]}={b_b[idx]!r}"
        )
    with np.printoptions(threshold=20, suppress=True):
        lines.append(f" {names[0]}: {a!r}")
        lines.append(f" {names[1]}: {b!r}")
    raise AssertionError("\n".join(lines))


def assert_allclose(a, b, rtol=1e-07, atol=0, equal_nan=True) -> None:
    """:func:`assert_almost_equal` with numpy's ``assert_allclose`` defaults."""
    assert_almost_equal(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def assert_exception(f, exception_type, *args, **kwargs) -> None:
    """Raise ``AssertionError`` unless ``f(*args, **kwargs)`` raises ``exception_type``."""
    try:
        f(*args, **kwargs)
    except exception_type:
        return
    raise AssertionError(f"{getattr(f, '__name__', f)} did not raise {exception_type}")


def random_arrays(*shapes):
    """Standard-normal float32 numpy arrays of the given shapes (one or a list)."""
    arrays = [
        np.array(np.random.randn(), dtype=default_dtype())
        if len(s) == 0
        else np.random.randn(*s).astype(default_dtype())
        for s in shapes
    ]
    return arrays[0] if len(arrays) == 1 else arrays


def rand_shape_2d(dim0=10, dim1=10, allow_zero_size=False) -> tuple[int, int]:
    """A random 2-d shape with dims in ``[1, dim]`` (``[0, dim]`` if allowed)."""
    low = 0 if allow_zero_size else 1
    return np.random.randint(low, dim0 + 1), np.random.randint(low, dim1 + 1)


def rand_shape_3d(
    dim0=10, dim1=10, dim2=10, allow_zero_size=False
) -> tuple[int, int, int]:
    """A random 3-d shape with dims in ``[1, dim]`` (``[0, dim]`` if allowed)."""
    low = 0 if allow_zero_size else 1
    return (
        np.random.randint(low, dim0 + 1),
        np.random.randint(low, dim1 + 1),
        np.random.randint(low, dim2 + 1),
    )


def rand_shape_nd(num_dim, dim=10, allow_zero_size=False) -> tuple[int, ...]:
    """A random ``num_dim``-d shape with dims in ``[1, dim]``."""
    low = 0 if allow_zero_size else 1
    return tuple(np.random.randint(low, dim + 1, size=num_dim).tolist())


def rand_ndarray(
    shape,
    stype="default",
    density=None,
    dtype=None,
    modifier_func=None,
    shuffle_csr_indices=False,
    distribution=None,
    ctx=None,
) -> NDArray:
    """A random dense NDArray with uniform ``[0, 1)`` values (float32 default).

    Only ``stype='default'`` exists in neogluon; ``density`` (fraction of
    non-zeros) is honoured for dense arrays too.
    """
    if stype != "default":
        raise ValueError(
            f"rand_ndarray(stype={stype!r}): sparse storage is not supported by "
            "neogluon; use stype='default'."
        )
    dtype = default_dtype() if dtype is None else dtype
    data = np.random.uniform(0, 1, size=shape)
    if density is not None:
        data = data * (np.random.uniform(0, 1, size=shape) < density)
    if modifier_func is not None:
        data = np.vectorize(modifier_func)(data)
    return array(data, ctx=ctx or default_context(), dtype=dtype)


@contextlib.contextmanager
def environment(*args):
    """Set environment variables for the duration of a ``with`` block.

    ``environment('VAR', 'value')`` or ``environment({'A': '1', 'B': None})``
    (``None`` unsets). The previous values are restored on exit.
    """
    if len(args) == 2:
        changes = {args[0]: args[1]}
    elif len(args) == 1 and isinstance(args[0], dict):
        changes = dict(args[0])
    else:
        raise ValueError(
            "environment() expects (name, value) or a dict of name -> value, got "
            f"{args!r}"
        )
    saved = {k: os.environ.get(k) for k in changes}
    try:
        for k, v in changes.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = str(v)
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def default_numeric_eps() -> dict:
    """Finite-difference step per dtype (powers of two, as MXNet)."""
    return {
        np.dtype(np.float16): 1.0 / 2**6,
        np.dtype(np.float32): 1.0 / 2**9,
        np.dtype(np.float64): 1.0 / 2**14,
    }


def check_numeric_gradient(
    sym,
    location,
    aux_states=None,
    numeric_eps=None,
    rtol=None,
    atol=None,
    grad_nodes=None,
    use_forward_train=True,
    ctx=None,
    grad_stype_dict=None,
    dtype=np.float32,
) -> None:
    """Compare autograd gradients with central finite differences.

    ``sym`` is either a function of NDArrays returning one NDArray (``location``
    is then a list of arrays, its positional arguments), or a Symbol
    (``location`` a list in ``list_arguments()`` order or a dict), run through
    the symbol executor. The scalar checked is ``sum(out * proj)`` for a fixed
    random projection ``proj``. Raises ``AssertionError`` on a mismatch.
    """
    from . import autograd

    ctx = ctx or default_context()
    is_symbol = hasattr(sym, "list_arguments") and not callable(
        getattr(sym, "op", None)
    )
    if is_symbol:
        names = sym.list_arguments()
        if isinstance(location, dict):
            loc = {k: _np(v).astype(dtype) for k, v in location.items()}
        else:
            loc = {
                k: _np(v).astype(dtype) for k, v in zip(names, location, strict=True)
            }
    else:
        loc = {str(i): _np(v).astype(dtype) for i, v in enumerate(location)}
        names = list(loc)
    grad_nodes = list(loc) if grad_nodes is None else list(grad_nodes)
    eps = default_numeric_eps()[np.dtype(dtype)] if numeric_eps is None else numeric_eps

    def forward(values: dict, want_grad: bool):
        arrays = {k: array(v, ctx=ctx, dtype=dtype) for k, v in values.items()}
        if is_symbol:
            grads = {
                k: array(np.zeros_like(values[k]), ctx=ctx, dtype=dtype)
                for k in grad_nodes
            }
            exe = sym.bind(
                ctx,
                args=arrays,
                args_grad=grads if want_grad else None,
                grad_req="write" if want_grad else "null",
                aux_states=aux_states,
            )
            out = exe.forward(is_train=use_forward_train)[0]
            if not want_grad:
                return out, None
            exe.backward([array(proj, ctx=ctx, dtype=dtype)])
            return out, {k: grads[k].asnumpy() for k in grad_nodes}
        for k in grad_nodes:
            arrays[k].attach_grad()
        with autograd.record(train_mode=use_forward_train):
            out = sym(*[arrays[k] for k in names])
        if not want_grad:
            return out, None
        out.backward(array(proj, ctx=ctx, dtype=dtype))
        return out, {k: arrays[k].grad.asnumpy() for k in grad_nodes}

    out, _ = forward(loc, False)
    proj = np.random.uniform(-1, 1, size=out.shape).astype(dtype)
    _, analytic = forward(loc, True)
    for k in grad_nodes:
        base = loc[k].astype(np.float64)
        numeric = np.zeros_like(base)
        flat = base.reshape(-1)
        for i in range(flat.size):
            vals = []
            for sign in (1, -1):
                pert = flat.copy()
                pert[i] += sign * eps
                values = dict(loc)
                values[k] = pert.reshape(base.shape).astype(dtype)
                o, _ = forward(values, False)
                vals.append(float((o.asnumpy().astype(np.float64) * proj).sum()))
            numeric.reshape(-1)[i] = (vals[0] - vals[1]) / (2 * eps)
        assert_almost_equal(
            numeric.astype(dtype),
            analytic[k],
            rtol=rtol,
            atol=atol,
            names=(f"NUMERICAL_{k}", f"BACKWARD_{k}"),
        )
