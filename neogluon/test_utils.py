"""``mx.test_utils``: the helpers MXNet 1.9.1's tests and user test suites use.

Every name of MXNet 1.9.1's ``mxnet.test_utils`` exists here with the same
signature and meaning:

- comparison: :func:`assert_almost_equal` (per-dtype default tolerances:
  rtol f16 1e-2, f32 1e-4, f64 1e-5; atol f16 1e-1, f32 1e-3, f64 1e-20;
  integers and bool exact), :func:`almost_equal`, :func:`same`, ...
- random data: :func:`rand_ndarray`, :func:`rand_shape_nd`,
  :func:`random_arrays`, ... (numpy's global generator, as in MXNet, so a
  ``np.random.seed`` gives the same values as MXNet's helpers);
- symbol checks: :func:`check_numeric_gradient`, :func:`check_symbolic_forward`,
  :func:`check_symbolic_backward`, :func:`check_consistency`, :func:`check_speed`;
- random-generator statistics: :func:`verify_generator`, :func:`chi_square_check`,
  :func:`mean_check`, :func:`var_check`, :func:`gen_buckets_probs_with_ppf`;
- data and files: :func:`download` (through ``requests``, written atomically),
  :func:`get_mnist` and friends (they read files already present and download
  only what is missing), :func:`environment`, :func:`discard_stderr`.

Sparse storage does not exist in neogluon: the sparse helpers raise
:class:`~neogluon.base.MXNetError` when called. Like MXNet's module this one has
no ``__all__``: ``from mxnet.test_utils import *`` also brings ``np``, ``os``,
``mx`` and the other module-level names MXNet's tests rely on.
"""

# ruff: noqa: N802, N803, N806 - MXNet's public names (checkShapes, locationError, N)

from __future__ import annotations

import bz2
import contextlib
import errno
import functools
import gzip
import json
import logging
import numbers
import os
import platform
import struct  # noqa: F401 - a module attribute of MXNet's test_utils
import sys
import time
import traceback
import uuid
import zipfile
from collections import OrderedDict
from contextlib import contextmanager

import numpy as np
import numpy.random as rnd
import numpy.testing as npt
import torch

try:
    import scipy.stats as ss
except ImportError:  # pragma: no cover - scipy is optional
    ss = None
try:
    import requests
except ImportError:  # pragma: no cover - requests is optional
    requests = None

from ._atomic import atomic_open
from ._idx import parse_idx
from .base import MXNetError
from .context import Context
from .context import current_context
from .context import num_gpus
from .io import DataIter
from .ndarray import NDArray
from .ndarray import array
from .ndarray.ndarray import _STORAGE_TYPE_STR_TO_ID  # noqa: F401 - as in MXNet
from .symbol import Symbol  # noqa: F401 - re-exported, as in MXNet
from .util import getenv
from .util import setenv

mx = sys.modules[__package__]


def __getattr__(name: str):
    # Names MXNet's module imports from elsewhere, resolved on first use.
    if name in ("Features", "_features"):
        try:
            from .runtime import Features
        except ImportError:
            raise AttributeError(
                f"mx.test_utils.{name} needs mx.runtime.Features, which this "
                "neogluon build does not provide"
            ) from None
        return Features if name == "Features" else Features()
    if name == "np_symbol":
        raise AttributeError(
            "mx.test_utils.np_symbol is MXNet's NumPy-interface Symbol "
            "(mx.sym.np._Symbol), which neogluon does not implement"
        )
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_STYPES = ("default", "row_sparse", "csr")


def _no_sparse(what: str, stype=None) -> MXNetError:
    got = f" (stype={stype!r})" if stype is not None else ""
    return MXNetError(
        f"{what}{got}: sparse storage (row_sparse, csr) is not supported by "
        "neogluon, which only has dense NDArrays. Use stype='default' (e.g. "
        "rand_ndarray(shape)) or build the dense array with numpy."
    )


# ---------------------------------------------------------------- contexts, dtypes
def default_context() -> Context:
    """The context tests run on: the current default context (``cpu(0)``)."""
    return current_context()


def set_default_context(ctx: Context) -> None:
    """Make ``ctx`` the default context of this thread (and of :func:`default_context`)."""
    Context._default.value = ctx


def default_dtype():
    """The dtype of random test data (``np.float32``)."""
    return np.float32


_F32 = np.float32
_F64 = np.dtype(np.float64)

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


def default_rtols() -> dict:
    """Default relative tolerance per dtype (MXNet's table; integers and bool 0)."""
    return {
        np.dtype(np.float16): 1e-2,
        np.dtype(np.float32): 1e-4,
        np.dtype(np.float64): 1e-5,
        **{np.dtype(t): 0 for t in _EXACT},
    }


def default_atols() -> dict:
    """Default absolute tolerance per dtype (MXNet's table; integers and bool 0)."""
    return {
        np.dtype(np.float16): 1e-1,
        np.dtype(np.float32): 1e-3,
        np.dtype(np.float64): 1e-20,
        **{np.dtype(t): 0 for t in _EXACT},
    }


def default_numeric_eps() -> dict:
    """Finite-difference step per dtype (powers of two, as MXNet)."""
    return {
        np.dtype(np.float16): 1.0 / 2**6,
        np.dtype(np.float32): 1.0 / 2**9,
        np.dtype(np.float64): 1.0 / 2**14,
    }


def get_cuda_compute_capability(ctx: Context) -> int:
    """CUDA compute capability of a GPU context as ``10 * major + minor`` (e.g. 80)."""
    if ctx.device_type != "gpu":
        raise ValueError(
            "Expecting a gpu context to get cuda compute capability, while received "
            f"ctx {ctx}"
        )
    import torch

    major, minor = torch.cuda.get_device_capability(ctx.device_id)
    return major * 10 + minor


def _tf32_active(ctx) -> bool:
    """Whether float32 matmuls/convolutions on ``ctx`` run in TF32 precision."""
    if ctx is None or getattr(ctx, "device_type", None) != "gpu":
        return False
    if os.environ.get("NVIDIA_TF32_OVERRIDE") == "0":
        return False
    try:
        if get_cuda_compute_capability(ctx) < 80:
            return False
    except Exception:  # noqa: BLE001 - no usable CUDA device: no TF32
        return False
    import torch

    return bool(
        torch.backends.cuda.matmul.allow_tf32 or torch.backends.cudnn.allow_tf32
    )


def effective_dtype(dat):
    """The dtype whose tolerances apply to ``dat``.

    That is ``dat.dtype``, except float32 data on a GPU that computes float32
    matmuls and convolutions in TF32 (compute capability >= 8.0 with torch's
    TF32 switches on and ``NVIDIA_TF32_OVERRIDE`` not ``0``), which gets
    float16's tolerances, as in MXNet.
    """
    ctx = dat.ctx if hasattr(dat, "ctx") else None
    dtype = np.dtype(dat.dtype)
    if dtype == np.dtype(np.float32) and _tf32_active(ctx):
        return np.dtype(np.float16)
    return dtype


def _dtype_of(dat):
    if hasattr(dat, "dtype"):
        return effective_dtype(dat)
    return np.asarray(dat).dtype


def get_tolerance(dat, tol, default_tol: dict):
    """The tolerance for ``dat``: a number, a per-dtype dict entry, or the default."""
    if isinstance(tol, numbers.Number):
        return tol
    dtype = _dtype_of(dat)
    tol = {} if tol is None else tol
    if dtype in tol:
        return tol[dtype]
    if dtype not in default_tol:
        raise KeyError(
            f"no default tolerance for dtype {dtype}; pass rtol/atol explicitly "
            f"(known dtypes: {sorted(str(d) for d in default_tol)})"
        )
    return default_tol[dtype]


def get_tols(x, y, rtol, atol):
    """``(rtol, atol)`` to compare ``x`` with ``y``: the looser default of the two."""
    if isinstance(x, numbers.Number):
        x = np.array(x)
    if isinstance(y, numbers.Number):
        y = np.array(y)
    rtol = max(
        get_tolerance(x, rtol, default_rtols()), get_tolerance(y, rtol, default_rtols())
    )
    atol = max(
        get_tolerance(x, atol, default_atols()), get_tolerance(y, atol, default_atols())
    )
    return rtol, atol


def get_atol(atol=None, dtype=_F64):
    """``atol``, or the default for ``dtype`` (float64's by default)."""
    return default_atols()[np.dtype(dtype)] if atol is None else atol


def get_rtol(rtol=None, dtype=_F64):
    """``rtol``, or the default for ``dtype`` (float64's by default)."""
    return default_rtols()[np.dtype(dtype)] if rtol is None else rtol


def get_etol(etol=None):
    """The tolerated fraction of mismatching elements (0 by default)."""
    return 0 if etol is None else etol


# ---------------------------------------------------------------- random data
def random_arrays(*shapes):
    """Standard-normal float32 numpy arrays of the given shapes (one array for one shape)."""
    arrays = [
        np.array(np.random.randn(), dtype=default_dtype())
        if len(s) == 0
        else np.random.randn(*s).astype(default_dtype())
        for s in shapes
    ]
    if len(arrays) == 1:
        return arrays[0]
    return arrays


def random_uniform_arrays(*shapes, **kwargs):
    """A list of uniform ``[low, high)`` numpy arrays (keywords low, high, dtype)."""
    low = kwargs.pop("low", 0.0)
    high = kwargs.pop("high", 1.0)
    dtype = kwargs.pop("dtype", default_dtype())
    if kwargs:
        raise TypeError(f"Got unexpected argument/s : {kwargs.keys()}")
    return [np.random.uniform(low, high, size=s).astype(dtype) for s in shapes]


def random_sample(population, k: int):
    """``k`` elements of ``population`` in random order (numpy's shuffle)."""
    if not 0 <= k <= len(population):
        raise ValueError(
            f"random_sample: k must be in [0, len(population)] = [0, "
            f"{len(population)}], got {k}"
        )
    population_copy = population[:]
    np.random.shuffle(population_copy)
    return population_copy[0:k]


def _sorted_items(d):
    """``d``'s items sorted by key."""
    return sorted(d.items(), key=lambda t: t[0])


def _sorted_dict(d):
    """An OrderedDict of ``d`` sorted by key."""
    return OrderedDict(_sorted_items(d))


def _validate_csr_generation_inputs(
    num_rows, num_cols, density, distribution="uniform"
):
    """Check the arguments of a CSR generator (ValueError when invalid)."""
    total_nnz = int(num_rows * num_cols * density)
    if density < 0 or density > 1:
        raise ValueError("density has to be between 0 and 1")
    if num_rows <= 0 or num_cols <= 0:
        raise ValueError("num_rows or num_cols should be greater than 0")
    if distribution == "powerlaw" and total_nnz < 2 * num_rows:
        raise ValueError(
            f"not supported for this density: {density} for this shape "
            f"({num_rows}, {num_cols}) Please keep : num_rows * num_cols * density "
            ">= 2 * num_rows"
        )


def shuffle_csr_column_indices(csr) -> None:
    """Shuffle the column indices within each row of a CSR matrix, in place.

    Works on any object with numpy ``indptr``/``indices`` arrays (e.g. a
    ``scipy.sparse.csr_matrix``); neogluon has no CSRNDArray.
    """
    if not hasattr(csr, "indptr") or not hasattr(csr, "indices"):
        raise _no_sparse(
            f"shuffle_csr_column_indices({type(csr).__name__}): expected an object "
            "with indptr/indices arrays such as scipy.sparse.csr_matrix"
        )
    for i in range(len(csr.indptr) - 1):
        start, end = csr.indptr[i], csr.indptr[i + 1]
        sublist = np.array(csr.indices[start:end])
        np.random.shuffle(sublist)
        csr.indices[start:end] = sublist


def _get_uniform_dataset_csr(
    num_rows,
    num_cols,
    density=0.1,
    dtype=None,
    data_init=None,
    shuffle_csr_indices=False,
):
    _validate_csr_generation_inputs(num_rows, num_cols, density, "uniform")
    from scipy import sparse as spsp

    csr = spsp.rand(num_rows, num_cols, density, dtype=dtype, format="csr")
    if data_init is not None:
        csr.data.fill(data_init)
    if shuffle_csr_indices:
        shuffle_csr_column_indices(csr)
    return mx.nd.sparse.csr_matrix(
        (csr.data, csr.indices, csr.indptr), shape=(num_rows, num_cols), dtype=dtype
    )


def _get_powerlaw_dataset_csr(num_rows, num_cols, density=0.1, dtype=None):
    _validate_csr_generation_inputs(num_rows, num_cols, density, "powerlaw")
    budget = int(num_rows * num_cols * density)
    out = np.zeros((num_rows, num_cols), dtype=dtype)
    # One value at the start of every row, then 2**i values in row i (whole
    # rows once the width is reached) until the budget is spent.
    for row in range(num_rows):
        out[row, 0] = 1 + np.random.uniform(0.001, 2)
        budget -= 1
        if budget <= 0:
            return mx.nd.array(out).tostype("csr")
    width = 2
    for row in range(num_rows):
        limit = min(num_cols, width)
        if limit == num_cols and budget > limit:
            out[row] = 1 + np.random.uniform(0.001, 2)
            budget -= limit - 1
            if budget <= 0:
                break
            continue
        for col in range(1, limit):
            out[row, col] = 1 + np.random.uniform(0.001, 2)
            budget -= 1
            if budget <= 0:
                return mx.nd.array(out).tostype("csr")
        width *= 2
    return mx.nd.array(out).tostype("csr")


def assign_each(the_input, function):
    """A float64 array of ``function(x)`` for each element (a copy if ``function`` is None)."""
    if function is None:
        return np.array(the_input)
    the_input = np.asarray(the_input)
    out = np.zeros(the_input.shape)
    flat_in = the_input.reshape(-1)
    flat_out = out.reshape(-1)
    for i in range(flat_in.size):
        flat_out[i] = function(flat_in[i])
    return out


def assign_each2(input1, input2, function):
    """A float64 array of ``function(x, y)`` element-wise (a copy of input1 if None)."""
    if function is None:
        return np.array(input1)
    input1, input2 = np.asarray(input1), np.asarray(input2)
    if input1.shape != input2.shape:
        raise ValueError(
            f"assign_each2: shapes differ, {input1.shape} vs {input2.shape}"
        )
    out = np.zeros(input1.shape)
    a, b, o = input1.reshape(-1), input2.reshape(-1), out.reshape(-1)
    for i in range(a.size):
        o[i] = function(a[i], b[i])
    return out


def create_2d_tensor(rows, columns, dtype=np.int64):
    """``(rows, columns)`` NDArray whose row ``i`` is filled with ``i``."""
    a = mx.nd.arange(0, rows, dtype=dtype).reshape(rows, 1)
    return mx.nd.broadcast_to(a, shape=(a.shape[0], columns))


def create_vector(size, dtype=np.int64):
    """``arange(size)`` as an NDArray."""
    return mx.nd.arange(0, size, dtype=dtype)


def get_identity_mat(size):
    """A ``(size, size)`` float32 identity NDArray."""
    return mx.nd.array(np.eye(size, dtype=np.float32))


def get_identity_mat_batch(size):
    """Two stacked identity matrices, shape ``(2, size, size)``."""
    eye = np.eye(size, dtype=np.float32)
    return mx.nd.array(np.stack([eye, eye]))


def rand_sparse_ndarray(
    shape,
    stype,
    density=None,
    dtype=None,
    distribution=None,
    data_init=None,
    rsp_indices=None,
    modifier_func=None,
    shuffle_csr_indices=False,
    ctx=None,
):
    """A random CSR or row_sparse array and its components.

    row_sparse: each row is kept with probability ``density`` (or the rows
    ``rsp_indices``), values uniform in [0, 1); returns ``(arr, (values,
    indices))``. csr: ``distribution`` ``'uniform'`` (scipy.sparse.rand) or
    ``'powerlaw'``; returns ``(arr, (indptr, indices, data))``.
    """
    ctx = ctx if ctx else default_context()
    density = np.random.rand() if density is None else density
    dtype = default_dtype() if dtype is None else dtype
    distribution = "uniform" if distribution is None else distribution
    if stype == "row_sparse":
        if distribution != "uniform":
            raise AssertionError(
                f"Distribution {distribution} not supported for row_sparse"
            )
        if rsp_indices is not None:
            indices = np.asarray(rsp_indices)
            assert len(indices) <= shape[0]
        else:
            indices = np.argwhere(np.random.rand(shape[0]) < density).flatten()
        if indices.shape[0] == 0:
            arr = mx.nd.sparse.zeros("row_sparse", shape, ctx=ctx, dtype=dtype)
            return arr, (np.array([], dtype=dtype), np.array([]))
        val = np.random.rand(indices.shape[0], *shape[1:]).astype(dtype)
        if data_init is not None:
            val.fill(data_init)
        if modifier_func is not None:
            val = assign_each(val, modifier_func)
        arr = mx.nd.sparse.row_sparse_array(
            (val, indices), shape=shape, dtype=dtype, ctx=ctx
        )
        return arr, (val, indices)
    if stype == "csr":
        assert len(shape) == 2
        if distribution == "uniform":
            csr = _get_uniform_dataset_csr(
                shape[0], shape[1], density, data_init=data_init,
                shuffle_csr_indices=shuffle_csr_indices, dtype=dtype,
            ).as_in_context(ctx)  # fmt: skip
        elif distribution == "powerlaw":
            csr = _get_powerlaw_dataset_csr(
                shape[0], shape[1], density=density, dtype=dtype
            ).as_in_context(ctx)
        else:
            raise AssertionError(f"Distribution not supported: {distribution}")
        return csr, (csr.indptr, csr.indices, csr.data)
    raise AssertionError("unknown storage type")


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
    """A dense NDArray of standard-normal values (``random_arrays(shape)``).

    As in MXNet, ``density``, ``modifier_func``, ``shuffle_csr_indices`` and
    ``distribution`` only concern sparse arrays (``stype`` ``'csr'`` or
    ``'row_sparse'``, see :func:`rand_sparse_ndarray`).
    """
    ctx = ctx if ctx else default_context()
    if stype != "default":
        arr, _ = rand_sparse_ndarray(
            shape, stype, density=density, dtype=dtype, modifier_func=modifier_func,
            shuffle_csr_indices=shuffle_csr_indices, distribution=distribution,
            ctx=ctx,
        )  # fmt: skip
        return arr
    return array(random_arrays(shape), dtype=dtype, ctx=ctx)


def create_sparse_array(
    shape,
    stype,
    data_init=None,
    rsp_indices=None,
    dtype=None,
    modifier_func=None,
    density=0.5,
    shuffle_csr_indices=False,
):
    """A random sparse array (see :func:`rand_sparse_ndarray`)."""
    if stype not in ("row_sparse", "csr"):
        raise AssertionError(f"Unknown storage type: {stype}")
    if stype == "row_sparse" and rsp_indices is not None:
        rsp_indices = np.sort(np.asarray(rsp_indices))
    arr, _ = rand_sparse_ndarray(
        shape, stype, density=density, data_init=data_init, rsp_indices=rsp_indices,
        dtype=dtype, modifier_func=modifier_func,
        shuffle_csr_indices=shuffle_csr_indices,
    )  # fmt: skip
    return arr


def create_sparse_array_zd(
    shape,
    stype,
    density,
    data_init=None,
    rsp_indices=None,
    dtype=None,
    modifier_func=None,
    shuffle_csr_indices=False,
):
    """A sparse array with no stored rows (row_sparse: density 0, unless
    ``rsp_indices`` are given); csr arrays use ``density`` as given."""
    if stype == "row_sparse":
        density = 0.0
        if rsp_indices is not None:
            assert len(rsp_indices) <= shape[0]
    return create_sparse_array(
        shape,
        stype,
        data_init=data_init,
        rsp_indices=rsp_indices,
        dtype=dtype,
        modifier_func=modifier_func,
        density=density,
        shuffle_csr_indices=shuffle_csr_indices,
    )


def rand_shape_2d(dim0=10, dim1=10, allow_zero_size=False) -> tuple[int, int]:
    """A random 2-d shape with dims in ``[1, dim]`` (``[0, dim]`` if allowed)."""
    low = 0 if allow_zero_size else 1
    return rnd.randint(low, dim0 + 1), rnd.randint(low, dim1 + 1)


def rand_shape_3d(
    dim0=10, dim1=10, dim2=10, allow_zero_size=False
) -> tuple[int, int, int]:
    """A random 3-d shape with dims in ``[1, dim]`` (``[0, dim]`` if allowed)."""
    low = 0 if allow_zero_size else 1
    return (
        rnd.randint(low, dim0 + 1),
        rnd.randint(low, dim1 + 1),
        rnd.randint(low, dim2 + 1),
    )


def rand_shape_nd(num_dim, dim=10, allow_zero_size=False) -> tuple[int, ...]:
    """A random ``num_dim``-d shape with dims in ``[1, dim]`` (``[0, dim]`` if allowed).

    Same draws as MXNet's; the dims are Python ints (MXNet gives numpy ints).
    """
    low = 0 if allow_zero_size else 1
    return tuple(int(d) for d in rnd.randint(low, dim + 1, size=num_dim))


def rand_coord_2d(x_low, x_high, y_low, y_high):
    """A random ``(x, y)`` with ``x`` in ``[x_low, x_high)``, ``y`` in ``[y_low, y_high)``."""
    x = np.random.randint(x_low, x_high, dtype=np.int64)
    y = np.random.randint(y_low, y_high, dtype=np.int64)
    return x, y


def np_reduce(dat, axis, keepdims, numpy_reduce_func):
    """Reduce ``dat`` over ``axis`` (int, list or None) one axis at a time.

    ``numpy_reduce_func`` is e.g. ``np.sum``; ``keepdims`` keeps the reduced
    axes with size 1.
    """
    if isinstance(axis, int):
        axis = [axis]
    else:
        axis = list(axis) if axis is not None else range(len(dat.shape))
    ret = dat
    for i in reversed(sorted(axis)):
        ret = numpy_reduce_func(ret, axis=i)
    if keepdims:
        keepdims_shape = list(dat.shape)
        for i in axis:
            keepdims_shape[i] = 1
        ret = ret.reshape(tuple(keepdims_shape))
    return ret


# ---------------------------------------------------------------- comparison
def _np(x):
    if isinstance(x, NDArray):
        return x.asnumpy()
    return x if isinstance(x, np.ndarray) else np.asarray(x)


def _find_max_violation(a, b, rtol, atol):
    """``(index, value)`` of the largest ``|a - b| / (atol + rtol * |b|)``."""
    with np.errstate(invalid="ignore", over="ignore"):
        absdiff = np.where(np.equal(a, b), 0, np.abs(a - b))
        tol = atol + rtol * np.abs(b)
        violation = absdiff / (tol + 1e-20)
    loc = np.argmax(violation)
    idx = tuple(int(i) for i in np.unravel_index(loc, violation.shape))
    return idx, np.max(violation)


def same(a, b) -> bool:
    """Whether two arrays (numpy or NDArray) are exactly equal: shape and values."""
    return bool(np.array_equal(_np(a), _np(b)))


def checkShapes(a, b) -> None:
    """Raise ``AssertionError`` unless ``a`` and ``b`` have the same shape."""
    if a.shape != b.shape:
        msg = npt.build_err_msg(
            [_np(a), _np(b)],
            err_msg=f"a.shape = {a.shape} and b.shape = {b.shape} are not equal",
        )
        raise AssertionError(msg)


def almost_equal(
    a, b, rtol=None, atol=None, equal_nan=False, use_broadcast=True
) -> bool:
    """Whether ``|a - b| <= atol + rtol * |b|`` everywhere.

    As in MXNet, the defaults here are float64's (rtol 1e-5, atol 1e-20)
    whatever the dtypes; :func:`assert_almost_equal` uses per-dtype ones.
    """
    if not use_broadcast:
        checkShapes(a, b)
    a, b = _np(a), _np(b)
    rtol, atol = get_rtol(rtol), get_atol(atol)
    if _all_close_fast(a, b, rtol, atol):
        return True
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def _all_close_fast(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    """True when every element of two large same-dtype float arrays is within
    ``atol + rtol * |b|``, computed with torch's threaded kernels (numpy's
    ``allclose`` takes seconds on the 100M-element arrays of MXNet's own tests).

    False means "not shown here": NaN, infinities and real mismatches all fall
    back to numpy, whose rules (equal infinities, ``equal_nan``) then decide.
    """
    if (
        a.size < (1 << 20)
        or a.shape != b.shape
        or a.dtype != b.dtype
        or a.dtype not in (np.float32, np.float64)
    ):
        return False
    ta = torch.from_numpy(np.ascontiguousarray(a)).reshape(-1)
    tb = torch.from_numpy(np.ascontiguousarray(b)).reshape(-1)
    # In chunks with reused buffers: whole-array temporaries of the 512 MB
    # arrays in MXNet's tests cost more in page faults than in arithmetic.
    step = 1 << 22
    n = min(step, ta.numel())
    tol = torch.empty(n, dtype=ta.dtype)
    diff = torch.empty(n, dtype=ta.dtype)
    ok = torch.empty(n, dtype=torch.bool)
    for start in range(0, ta.numel(), step):
        ca, cb = ta[start : start + step], tb[start : start + step]
        m = ca.numel()
        t, d, k = tol[:m], diff[:m], ok[:m]
        torch.abs(cb, out=t).mul_(rtol).add_(atol)
        torch.sub(ca, cb, out=d).abs_()
        if not bool(torch.le(d, t, out=k).all()):
            return False
    return True


def locationError(a, b, index, names, maxError=False) -> str:
    """``"Location of [maximum ]error: <index>, a=<value>, b=<value>"``."""
    maximum = "maximum " if maxError else ""
    return (
        f"Location of {maximum}error: {index}, {names[0]}={float(a[index]):.8f}, "
        f"{names[1]}={float(b[index]):.8f}"
    )


def _mismatch_message(a, b, rtol, atol, names, equal_nan, mismatches) -> str:
    """MXNet's failure text, with the worst ``mismatches[0]`` locations listed."""
    index, rel = _find_max_violation(a, b, rtol, atol)
    if index == ():
        return f"Error {rel:f} exceeds tolerance rtol={rtol:e}, atol={atol:e}.\n"
    with np.errstate(invalid="ignore", over="ignore"):
        bad = ~np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
        absdiff = np.where(np.equal(a, b), 0, np.abs(a - b))
        violation = absdiff / (atol + rtol * np.abs(b) + 1e-20)
    n_bad = int(bad.sum())
    limit = mismatches[1]
    if limit > 0 and n_bad > limit:
        degree, shown = "at least ", limit + 1
    else:
        degree, shown = "", n_bad
    lines = [
        f"Error {rel:f} exceeds tolerance rtol={rtol:e}, atol={atol:e} (mismatch "
        f"{degree}{100.0 * shown / a.size:f}%).",
        locationError(a, b, index, names, maxError=True),
    ]
    flat_bad = np.flatnonzero(bad.reshape(-1))
    key = np.nan_to_num(violation.reshape(-1)[flat_bad], nan=np.inf)
    order = flat_bad[np.argsort(-key, kind="stable")][: max(mismatches[0], 0)]
    for rank, flat in enumerate(order):
        idx = tuple(int(i) for i in np.unravel_index(flat, a.shape))
        lines.append(
            f"{rank + 1:3d}: Error {float(violation[idx]):f}  "
            f"{locationError(a, b, idx, names)}"
        )
    return "\n".join(lines)


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

    Parameters
    ----------
    a, b : NDArray, numpy array or number
    rtol, atol : None, float or dict of dtype -> float
        ``None`` uses the looser default of the two inputs' dtypes.
    names : tuple of str
        How ``a`` and ``b`` are called in the message.
    equal_nan : bool
        Whether NaNs in the same places compare equal.
    use_broadcast : bool
        If False, the shapes must be equal.
    mismatches : tuple of int
        ``(printed, counted)``: how many mismatching locations the message lists,
        and up to how many are counted for the mismatch percentage.
    """
    if not use_broadcast:
        checkShapes(a, b)
    rtol, atol = get_tols(a, b, rtol, atol)
    a, b = _np(a), _np(b)
    if a.dtype == np.bool_ and b.dtype == np.bool_:
        np.testing.assert_equal(a, b)
        return
    if almost_equal(a, b, rtol, atol, equal_nan=equal_nan):
        return
    try:
        a_b, b_b = np.broadcast_arrays(a, b)
    except ValueError:
        raise AssertionError(
            f"{names[0]} with shape {a.shape} and {names[1]} with shape {b.shape} "
            "cannot be broadcast together"
        ) from None
    err_msg = _mismatch_message(a_b, b_b, rtol, atol, names, equal_nan, mismatches)
    with np.printoptions(threshold=4, suppress=True):
        msg = npt.build_err_msg([a, b], err_msg=err_msg, names=names)
    raise AssertionError(msg)


def assert_allclose(a, b, rtol=1e-07, atol=0, equal_nan=True) -> None:
    """:func:`assert_almost_equal` with numpy's ``assert_allclose`` defaults."""
    assert_almost_equal(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def assert_almost_equal_with_err(
    a,
    b,
    rtol=None,
    atol=None,
    etol=None,
    names=("a", "b"),
    equal_nan=False,
    mismatches=(10, 10),
) -> None:
    """Like :func:`assert_almost_equal`, tolerating a fraction ``etol`` of mismatches."""
    etol = get_etol(etol)
    if etol <= 0:
        assert_almost_equal(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
        return
    rtol, atol = get_tols(a, b, rtol, atol)
    a, b = _np(a), _np(b)
    equals = np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
    err = 1 - np.count_nonzero(equals) / equals.size
    if err > etol:
        a_b, b_b = np.broadcast_arrays(a, b)
        err_msg = _mismatch_message(a_b, b_b, rtol, atol, names, equal_nan, mismatches)
        err_msg += f"\nError rate {err:f} exceeds etol={etol}."
        with np.printoptions(threshold=4, suppress=True):
            msg = npt.build_err_msg([a, b], err_msg=err_msg, names=names)
        raise AssertionError(msg)


def assert_almost_equal_ignore_nan(
    a, b, rtol=None, atol=None, names=("a", "b")
) -> None:
    """:func:`assert_almost_equal` where a NaN on either side matches anything."""
    a = np.copy(_np(a))
    b = np.copy(_np(b))
    nan_mask = np.logical_or(np.isnan(a), np.isnan(b))
    a[nan_mask] = 0
    b[nan_mask] = 0
    assert_almost_equal(a, b, rtol, atol, names)


def almost_equal_ignore_nan(a, b, rtol=None, atol=None) -> bool:
    """:func:`almost_equal` where a NaN on either side matches anything."""
    a = np.copy(_np(a))
    b = np.copy(_np(b))
    nan_mask = np.logical_or(np.isnan(a), np.isnan(b))
    a[nan_mask] = 0
    b[nan_mask] = 0
    return almost_equal(a, b, rtol, atol)


def assert_exception(f, exception_type, *args, **kwargs) -> None:
    """Raise ``AssertionError`` unless ``f(*args, **kwargs)`` raises ``exception_type``."""
    try:
        f(*args, **kwargs)
    except exception_type:
        return
    raise AssertionError(
        f"{getattr(f, '__name__', f)} did not raise {exception_type.__name__}"
        if isinstance(exception_type, type)
        else f"{getattr(f, '__name__', f)} did not raise {exception_type}"
    )


def retry(n: int):
    """Decorator: rerun a stochastic test up to ``n`` times while it fails an assertion."""
    if n <= 0:
        raise ValueError(f"retry(n): n must be positive, got {n}")

    def decorate(f):
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            for i in range(n):
                try:
                    f(*args, **kwargs)
                    return
                except AssertionError:
                    if i == n - 1:
                        raise
                    mx.nd.waitall()

        return wrapper

    return decorate


# ---------------------------------------------------------------- use_np
def use_np(func):
    """MXNet's test decorator: ``func`` (or each function, static/class method
    and property of a class) runs with numpy shape and array semantics on
    (:func:`neogluon.util.use_np`)."""
    from .util import use_np as _use_np

    return _use_np(func)


# ---------------------------------------------------------------- symbol checks
def simple_forward(sym, ctx=None, is_train=False, **inputs):
    """Run ``sym`` on numpy inputs (keyword per argument); numpy output(s)."""
    ctx = ctx or default_context()
    inputs = {k: array(v) for k, v in inputs.items()}
    exe = sym.bind(ctx, args=inputs)
    exe.forward(is_train=is_train)
    outputs = [x.asnumpy() for x in exe.outputs]
    if len(outputs) == 1:
        return outputs[0]
    return outputs


def _check_dtype_arg(dtype, allow_asnumpy=True) -> None:
    ok = (np.float16, np.float32, np.float64)
    if (allow_asnumpy and isinstance(dtype, str) and dtype == "asnumpy") or (
        not isinstance(dtype, str) and np.dtype(dtype) in [np.dtype(t) for t in ok]
    ):
        return
    extra = "'asnumpy', " if allow_asnumpy else ""
    raise ValueError(
        f"dtype must be {extra}np.float16, np.float32 or np.float64, got {dtype!r}"
    )


def _to_nd(v, ctx, dtype):
    if isinstance(v, NDArray):
        return v
    v = np.asarray(v)
    return array(v, ctx=ctx, dtype=v.dtype if _is_asnumpy(dtype) else dtype)


def _is_asnumpy(dtype) -> bool:
    return isinstance(dtype, str) and dtype == "asnumpy"


def _parse_location(sym, location, ctx, dtype=_F32):
    """``location`` (list in ``list_arguments()`` order, or dict) as a sorted dict of NDArrays."""
    if not isinstance(location, (dict, list, tuple)):
        raise TypeError(
            f"location must be a list, tuple or dict of arrays, got {type(location)}"
        )
    _check_dtype_arg(dtype)
    args = sym.list_arguments()
    if isinstance(location, dict):
        if set(location.keys()) != set(args):
            raise ValueError(
                "Symbol arguments and keys of the given location do not match."
                f"symbol args:{set(args)}, location.keys():{set(location.keys())}"
            )
    else:
        if len(location) != len(args):
            raise ValueError(
                f"location has {len(location)} arrays but the symbol has "
                f"{len(args)} arguments {args}"
            )
        location = dict(zip(args, location, strict=True))
    location = {
        k: _to_nd(v, ctx, dtype) if isinstance(v, np.ndarray) else v
        for k, v in location.items()
    }
    return _sorted_dict(location)


def _parse_aux_states(sym, aux_states, ctx, dtype=_F32):
    """``aux_states`` (list in ``list_auxiliary_states()`` order, or dict) as NDArrays."""
    _check_dtype_arg(dtype)
    if aux_states is None:
        return None
    names = sym.list_auxiliary_states()
    if isinstance(aux_states, dict):
        if set(aux_states.keys()) != set(names):
            raise ValueError(
                "Symbol aux_states names and given aux_states do not match."
                f"symbol aux_names:{set(names)}, aux_states.keys:{set(aux_states.keys())}"
            )
    elif isinstance(aux_states, (list, tuple)):
        aux_states = dict(zip(names, aux_states, strict=False))
    return {k: _to_nd(v, ctx, dtype) for k, v in aux_states.items()}


def numeric_grad(
    executor,
    location,
    aux_states=None,
    eps=1e-4,
    use_forward_train=True,
    dtype=_F32,
):
    """Finite-difference gradient of ``sum(outputs[0])`` w.r.t. each array in ``location``.

    ``location`` maps argument names to numpy arrays (all of them); each float
    element is moved by ``+-eps/2`` in the executor's arguments.
    """
    _check_dtype_arg(dtype, allow_asnumpy=False)
    approx_grads = {k: np.zeros(np.shape(v), dtype=dtype) for k, v in location.items()}
    for k, v in location.items():
        executor.arg_dict[k][:] = array(v, dtype=dtype)
    for k in location:
        location[k] = np.asarray(location[k], order="C")
    for k, v in location.items():
        if v.dtype.kind != "f":
            continue
        old_value = v.copy()
        # detached: an argument may be an autograd leaf (attach_grad), which
        # MXNet lets one write to outside recording
        arg = executor.arg_dict[k].to_torch().detach()
        # Only element i changes between steps: write just that element (the
        # same value the whole-array copy would write) instead of the array
        # (not for a sparse argument, whose to_torch() is a copy).
        flat = (
            arg.view(-1)
            if arg.is_contiguous()
            and tuple(arg.shape) == v.shape
            and executor.arg_dict[k].stype == "default"
            else None
        )
        vflat = v.ravel()
        for i in range(int(np.prod(v.shape))):
            vflat[i] += eps / 2.0
            if flat is None:
                executor.arg_dict[k][:] = array(v, dtype=dtype)
            else:
                flat[i] = float(vflat[i])
            if aux_states is not None:
                for key, val in aux_states.items():
                    executor.aux_dict[key][:] = val
            executor.forward(is_train=use_forward_train)
            f_peps = executor.outputs[0].asnumpy()

            vflat[i] -= eps
            if flat is None:
                executor.arg_dict[k][:] = array(v, dtype=dtype)
            else:
                flat[i] = float(vflat[i])
            if aux_states is not None:
                for key, val in aux_states.items():
                    executor.aux_dict[key][:] = array(val, dtype=dtype)
            executor.forward(is_train=use_forward_train)
            f_neps = executor.outputs[0].asnumpy()

            approx_grads[k].ravel()[i] = (f_peps - f_neps).sum() / eps
            vflat[i] = old_value.ravel()[i]
            if flat is not None:
                flat[i] = float(vflat[i])
        executor.arg_dict[k][:] = array(old_value, dtype=dtype)
    return approx_grads


def _is_symbol(obj) -> bool:
    return hasattr(obj, "list_arguments") and hasattr(obj, "bind")


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
    dtype=_F32,
) -> None:
    """Compare a symbol's backward pass with finite differences.

    ``sym`` is a Symbol (``location``: list in ``list_arguments()`` order or a
    dict of numpy arrays), as in MXNet: the checked scalar is
    ``sum(sym * proj)`` for a random projection ``proj`` in ``[0.1, 1.1)``.
    ``grad_nodes`` is a list of names (``'write'``) or a dict name -> grad_req
    (``'write'``, ``'add'``, ``'null'``). neogluon also accepts a function of
    NDArrays returning one NDArray, with ``location`` its positional inputs.
    Raises ``AssertionError`` on a mismatch.
    """
    _check_dtype_arg(dtype, allow_asnumpy=False)
    if ctx is None:
        ctx = default_context()
    if not _is_symbol(sym):
        if not callable(sym):
            raise TypeError(
                f"check_numeric_gradient: sym must be a Symbol or a function of "
                f"NDArrays, got {type(sym)}"
            )
        _check_function_gradient(
            sym,
            location,
            numeric_eps,
            rtol,
            atol,
            grad_nodes,
            use_forward_train,
            ctx,
            dtype,
        )
        return

    location = _parse_location(sym=sym, location=location, ctx=ctx, dtype=dtype)
    location_npy = {k: v.asnumpy() for k, v in location.items()}
    aux_states = _parse_aux_states(sym=sym, aux_states=aux_states, ctx=ctx, dtype=dtype)
    aux_states_npy = (
        None if aux_states is None else {k: v.asnumpy() for k, v in aux_states.items()}
    )
    if grad_nodes is None:
        grad_nodes = sym.list_arguments()
        grad_req = {k: "write" for k in grad_nodes}
    elif isinstance(grad_nodes, (list, tuple)):
        grad_nodes = list(grad_nodes)
        grad_req = {k: "write" for k in grad_nodes}
    elif isinstance(grad_nodes, dict):
        grad_req = grad_nodes.copy()
        grad_nodes = list(grad_nodes.keys())
    else:
        raise ValueError(
            f"grad_nodes must be None, a list of names or a dict name -> grad_req, "
            f"got {type(grad_nodes)}"
        )

    input_shape = {k: v.shape for k, v in location.items()}
    _, out_shape, _ = sym.infer_shape(**input_shape)
    proj = mx.sym.Variable("__random_proj")
    out = mx.sym.make_loss(sym * proj)

    proj_value = np.random.rand(*out_shape[0]) + 0.1
    location = dict(
        list(location.items())
        + [("__random_proj", array(proj_value, ctx=ctx, dtype=dtype))]
    )
    args_grad_npy = {
        k: np.random.normal(0, 0.01, size=location[k].shape) for k in grad_nodes
    }
    args_grad_npy["__random_proj"] = np.random.normal(0, 0.01, size=out_shape[0])
    args_grad = {k: array(v, ctx=ctx, dtype=dtype) for k, v in args_grad_npy.items()}
    for k, st in (grad_stype_dict or {}).items():
        if k in args_grad and st not in (None, "default"):
            args_grad[k] = args_grad[k].tostype(st)
    full_req = {k: grad_req.get(k, "null") for k in location}
    full_req["__random_proj"] = "write"

    executor = out.bind(
        ctx,
        grad_req=full_req,
        args=location,
        args_grad=args_grad,
        aux_states=aux_states,
    )
    executor.forward(is_train=True)
    if len(executor.outputs) != 1:
        raise ValueError(
            f"check_numeric_gradient needs a symbol with one output, got "
            f"{len(executor.outputs)}"
        )
    eps = get_tolerance(executor.outputs[0], numeric_eps, default_numeric_eps())
    if np.dtype(dtype) in (np.dtype(np.float32), np.dtype(np.float16)) and eps < 1e-5:
        raise ValueError(
            f"numeric_eps={eps} is too small for {np.dtype(dtype).name} finite "
            "differences (>= 1e-5 needed)"
        )
    executor.backward()
    symbolic_grads = executor.grad_dict

    numeric_gradients = numeric_grad(
        executor,
        location_npy,
        aux_states_npy,
        eps=eps,
        use_forward_train=use_forward_train,
        dtype=dtype,
    )
    for name in grad_nodes:
        fd_grad = numeric_gradients[name]
        orig_grad = args_grad_npy[name]
        sym_grad = symbolic_grads[name]
        names = (f"NUMERICAL_{name}", f"BACKWARD_{name}")
        if grad_req[name] == "write":
            assert_almost_equal(fd_grad, sym_grad, rtol, atol, names)
        elif grad_req[name] == "add":
            assert_almost_equal(fd_grad, _np(sym_grad) - orig_grad, rtol, atol, names)
        elif grad_req[name] == "null":
            assert_almost_equal(orig_grad, sym_grad, rtol, atol, names)
        else:
            raise ValueError(f"Invalid grad_req {grad_req[name]} for argument {name}")


def _check_function_gradient(
    fn, location, numeric_eps, rtol, atol, grad_nodes, use_forward_train, ctx, dtype
) -> None:
    """check_numeric_gradient for a function of NDArrays (neogluon extension)."""
    from . import autograd

    loc = {str(i): _np(v).astype(dtype) for i, v in enumerate(location)}
    names = list(loc)
    nodes = list(loc) if grad_nodes is None else [str(n) for n in grad_nodes]
    eps = default_numeric_eps()[np.dtype(dtype)] if numeric_eps is None else numeric_eps

    def run(values: dict, proj=None):
        arrays = {k: array(v, ctx=ctx, dtype=dtype) for k, v in values.items()}
        if proj is None:
            with (
                autograd.train_mode() if use_forward_train else autograd.predict_mode()
            ):
                return fn(*[arrays[k] for k in names]), None
        for k in nodes:
            arrays[k].attach_grad()
        with autograd.record(train_mode=use_forward_train):
            out = fn(*[arrays[k] for k in names])
        out.backward(array(proj, ctx=ctx, dtype=dtype))
        return out, {k: arrays[k].grad.asnumpy() for k in nodes}

    out, _ = run(loc)
    proj = np.random.rand(*out.shape) + 0.1
    _, analytic = run(loc, proj)
    for k in nodes:
        base = loc[k]
        numeric = np.zeros(base.shape, dtype=np.float64)
        for i in range(base.size):
            vals = []
            for sign in (0.5, -0.5):
                pert = base.copy()
                pert.reshape(-1)[i] += sign * eps
                o, _ = run({**loc, k: pert})
                vals.append(float((o.asnumpy().astype(np.float64) * proj).sum()))
            numeric.reshape(-1)[i] = (vals[0] - vals[1]) / eps
        assert_almost_equal(
            numeric.astype(dtype),
            analytic[k],
            rtol=rtol,
            atol=atol,
            names=(f"NUMERICAL_{k}", f"BACKWARD_{k}"),
        )


def check_symbolic_forward(
    sym,
    location,
    expected,
    rtol=None,
    atol=None,
    aux_states=None,
    ctx=None,
    equal_nan=False,
    dtype=_F32,
):
    """Check ``sym``'s forward outputs at ``location`` against ``expected``.

    ``expected`` is a list in output order or a dict keyed by
    ``list_outputs()``. Returns the executor's outputs.
    """
    _check_dtype_arg(dtype)
    if ctx is None:
        ctx = default_context()
    location = _parse_location(sym=sym, location=location, ctx=ctx, dtype=dtype)
    aux_states = _parse_aux_states(sym=sym, aux_states=aux_states, ctx=ctx, dtype=dtype)
    if isinstance(expected, dict):
        expected = [expected[k] for k in sym.list_outputs()]
    args_grad_data = {
        k: mx.nd.zeros(v.shape, ctx=ctx, dtype=v.dtype if _is_asnumpy(dtype) else dtype)
        for k, v in location.items()
    }
    executor = sym.bind(
        ctx=ctx, args=location, args_grad=args_grad_data, aux_states=aux_states
    )
    executor.forward(is_train=False)
    outputs = executor.outputs
    for output_name, expect, output in zip(
        sym.list_outputs(), expected, outputs, strict=False
    ):
        assert_almost_equal(
            expect,
            output,
            rtol,
            atol,
            (f"EXPECTED_{output_name}", f"FORWARD_{output_name}"),
            equal_nan=equal_nan,
        )
    return executor.outputs


def check_symbolic_backward(
    sym,
    location,
    out_grads,
    expected,
    rtol=None,
    atol=None,
    aux_states=None,
    grad_req="write",
    ctx=None,
    grad_stypes=None,
    equal_nan=False,
    dtype=_F32,
):
    """Check ``sym``'s input gradients for head gradients ``out_grads``.

    ``expected`` is a list in ``list_arguments()`` order or a dict; ``grad_req``
    is a string, a list or a dict (``'write'``, ``'add'``: the gradient added
    to a random buffer, ``'null'``: the buffer untouched). Returns the gradient
    arrays by name.
    """
    _check_dtype_arg(dtype)
    if ctx is None:
        ctx = default_context()
    location = _parse_location(sym=sym, location=location, ctx=ctx, dtype=dtype)
    aux_states = _parse_aux_states(sym=sym, aux_states=aux_states, ctx=ctx, dtype=dtype)
    if isinstance(expected, (list, tuple)):
        expected = dict(zip(sym.list_arguments(), expected, strict=False))
    # A random initial buffer, so 'add' and 'null' are checked for real.
    args_grad_npy = {
        k: np.random.normal(size=np.shape(v)) for k, v in _sorted_items(expected)
    }
    args_grad_data = {
        k: array(
            v,
            ctx=ctx,
            dtype=np.asarray(expected[k]).dtype if _is_asnumpy(dtype) else dtype,
        )
        for k, v in args_grad_npy.items()
    }
    for k, st in (grad_stypes or {}).items():
        if k in args_grad_data and st not in (None, "default"):
            args_grad_data[k] = args_grad_data[k].tostype(st)
    if isinstance(grad_req, str):
        grad_req = {k: grad_req for k in sym.list_arguments()}
    elif isinstance(grad_req, (list, tuple)):
        grad_req = dict(zip(sym.list_arguments(), grad_req, strict=False))

    executor = sym.bind(
        ctx=ctx,
        args=location,
        args_grad=args_grad_data,
        aux_states=aux_states,
        grad_req=grad_req,
    )
    executor.forward(is_train=True)
    if isinstance(out_grads, (tuple, list)):
        out_grads = [_to_nd(g, ctx, dtype) for g in out_grads]
    elif isinstance(out_grads, dict):
        out_grads = {k: _to_nd(v, ctx, dtype) for k, v in out_grads.items()}
    elif out_grads is not None:
        raise TypeError(
            f"out_grads must be None, a list or a dict of arrays, got {type(out_grads)}"
        )
    if any(req != "null" for req in grad_req.values()):
        # (with every grad_req 'null' there is nothing to compute)
        executor.backward(out_grads)

    grads = args_grad_data
    for name in expected:
        names = (f"EXPECTED_{name}", f"BACKWARD_{name}")
        if grad_req[name] == "write":
            assert_almost_equal(
                expected[name], grads[name], rtol, atol, names, equal_nan=equal_nan
            )
        elif grad_req[name] == "add":
            assert_almost_equal(
                expected[name],
                _np(grads[name]) - args_grad_npy[name],
                rtol,
                atol,
                names,
                equal_nan=equal_nan,
            )
        elif grad_req[name] == "null":
            assert_almost_equal(
                args_grad_npy[name], grads[name], rtol, atol, names, equal_nan=equal_nan
            )
        else:
            raise ValueError(f"Invalid grad_req {grad_req[name]} for argument {name}")
    return args_grad_data


def check_speed(
    sym, location=None, ctx=None, N=20, grad_req=None, typ="whole", **kwargs
) -> float:
    """Seconds per run of ``sym``: forward+backward (``typ='whole'``) or forward only.

    Without ``location`` the inputs are random normal values of the shapes
    given as keyword arguments.
    """
    if ctx is None:
        ctx = default_context()
    if grad_req is None:
        grad_req = "write"
    if typ not in ("whole", "forward"):
        raise ValueError('typ can only be "whole" or "forward".')
    if location is None:
        exe = sym.simple_bind(grad_req=grad_req, ctx=ctx, **kwargs)
        location = {
            k: np.random.normal(size=arr.shape, scale=1.0)
            for k, arr in exe.arg_dict.items()
        }
    else:
        if not isinstance(location, dict):
            raise TypeError(f'Expect dict, get "location"={location}')
        exe = sym.simple_bind(
            grad_req=grad_req, ctx=ctx, **{k: v.shape for k, v in location.items()}
        )
    for name, iarr in location.items():
        exe.arg_dict[name][:] = np.asarray(iarr).astype(exe.arg_dict[name].dtype)

    def run():
        if typ == "whole":
            exe.forward(is_train=True)
            exe.backward(out_grads=exe.outputs)
        else:
            exe.forward(is_train=False)

    run()  # warm-up
    for output in exe.outputs:
        output.wait_to_read()
    tic = time.time()
    for _ in range(N):
        run()
    mx.nd.waitall()
    return (time.time() - tic) * 1.0 / N


def check_consistency(
    sym,
    ctx_list,
    scale=1.0,
    grad_req="write",
    arg_params=None,
    aux_params=None,
    rtol=None,
    atol=None,
    raise_on_err=True,
    ground_truth=None,
    equal_nan=False,
    use_uniform=False,
    rand_type=np.float64,
):
    """Check that ``sym`` gives the same outputs and gradients in every setting.

    ``ctx_list`` holds one dict per setting: ``{'ctx': mx.cpu(0), '<arg>':
    shape, ..., 'type_dict': {'<arg>': dtype}}``, passed to ``simple_bind``.
    The most precise setting (or ``ground_truth``) is the reference; the
    others are compared with its dtype-dependent tolerances. Returns the
    reference outputs and gradients by name.
    """
    if len(ctx_list) <= 1:
        raise ValueError("check_consistency needs at least two settings in ctx_list")
    if _is_symbol(sym):
        sym = [sym] * len(ctx_list)
    elif len(sym) != len(ctx_list):
        raise ValueError(
            f"check_consistency: {len(sym)} symbols for {len(ctx_list)} settings"
        )
    output_names = sym[0].list_outputs()
    arg_names = sym[0].list_arguments()
    exe_list = []
    for s, ctx in zip(sym, ctx_list, strict=True):
        if s.list_arguments() != arg_names or s.list_outputs() != output_names:
            raise ValueError(
                "check_consistency: the symbols must have the same arguments and outputs"
            )
        exe_list.append(s.simple_bind(grad_req=grad_req, **ctx))

    arg_params = {} if arg_params is None else arg_params
    aux_params = {} if aux_params is None else aux_params

    def smaller_dtype(dt1, dt2):
        if dt2 is None or np.dtype(dt1).itemsize < np.dtype(dt2).itemsize:
            return dt1
        return dt2

    for n, arr in _sorted_items(exe_list[0].arg_dict):
        if n not in arg_params:
            if use_uniform:
                arg_params[n] = np.random.uniform(
                    low=-0.92 * scale, high=0.92 * scale, size=arr.shape
                ).astype(rand_type)
            else:
                arg_params[n] = np.random.normal(size=arr.shape, scale=scale).astype(
                    rand_type
                )
    for n in exe_list[0].aux_dict:
        if n not in aux_params:
            aux_params[n] = 0
    for exe in exe_list:
        for name, arr in exe.arg_dict.items():
            arr[:] = arg_params[name]
        for name, arr in exe.aux_dict.items():
            arr[:] = aux_params[name]
        if grad_req == "add":
            for arr in exe.grad_arrays:
                if arr is not None:
                    arr[:] = 0

    dtypes = [np.dtype(exe.outputs[0].dtype) for exe in exe_list]
    gt_idx = int(np.argmax([d.itemsize for d in dtypes]))
    gt = ground_truth
    if gt is None:
        gt = exe_list[gt_idx].output_dict.copy()
        if grad_req != "null":
            gt.update(exe_list[gt_idx].grad_dict)

    for exe in exe_list:
        exe.forward(is_train=False)
    for i, exe in enumerate(exe_list):
        if i == gt_idx:
            continue
        for name, arr in zip(output_names, exe.outputs, strict=False):
            try:
                assert_almost_equal(
                    arr, gt[name], rtol=rtol, atol=atol, equal_nan=equal_nan
                )
            except AssertionError as e:
                print(f"Predict Err: ctx {i} vs ctx {gt_idx} at {name}")
                traceback.print_exc()
                if raise_on_err:
                    raise e
                print(str(e))

    if grad_req != "null":
        for exe in exe_list:
            exe.forward(is_train=True)
        least_precise = [out.dtype for out in exe_list[0].outputs]
        for exe in exe_list:
            least_precise = [
                smaller_dtype(out.dtype, dt)
                for out, dt in zip(exe.outputs, least_precise, strict=False)
            ]
        golden = [
            out.astype(dt).asnumpy()
            for out, dt in zip(exe_list[0].outputs, least_precise, strict=False)
        ]
        for exe in exe_list:
            out_grads = [
                array(g, ctx=exe._ctx, dtype=out.dtype)
                for g, out in zip(golden, exe.outputs, strict=False)
            ]
            exe.backward(out_grads)
        for i, exe in enumerate(exe_list):
            if i == gt_idx:
                continue
            for name, arr in zip(
                output_names + arg_names, exe.outputs + exe.grad_arrays, strict=False
            ):
                if gt.get(name) is None:
                    if arr is not None:
                        raise AssertionError(
                            f"{name}: the reference has no gradient but setting {i} has"
                        )
                    continue
                gtarr = gt[name]
                try:
                    rt, at = rtol, atol
                    small_arr = smaller_dtype(arr.dtype, dtypes[i])
                    small_gt = smaller_dtype(gtarr.dtype, dtypes[gt_idx])
                    if small_arr != arr.dtype or small_gt != gtarr.dtype:
                        rt, at = get_tols(
                            arr.astype(small_arr), gtarr.astype(small_gt), rtol, atol
                        )
                    assert_almost_equal(
                        arr, gtarr, rtol=rt, atol=at, equal_nan=equal_nan
                    )
                except AssertionError as e:
                    print(
                        f"Train Err: {np.dtype(arr.dtype).name} {arr.ctx} ctx {i} vs "
                        f"{np.dtype(gtarr.dtype).name} {gtarr.ctx} ctx {gt_idx} at {name}"
                    )
                    traceback.print_exc()
                    if raise_on_err:
                        raise e
                    print(str(e))
    return gt


def list_gpus():
    """``range(n)`` over the ``n`` visible GPUs (empty on CPU-only machines)."""
    return range(num_gpus())


# ---------------------------------------------------------------- files and data
def _requests():
    if requests is None:
        raise MXNetError(
            "downloading needs the 'requests' package, which is not installed: "
            "pip install requests (or place the file there yourself)."
        )
    return requests


class _HTTPStatusError(OSError, RuntimeError):
    """A download answered with a status other than 200."""


def _fetch_to(url: str, fname: str) -> None:
    """GET ``url`` into ``fname`` atomically (a temporary file, then a rename)."""
    r = _requests().get(url, stream=True)
    if r.status_code != 200:
        raise _HTTPStatusError(f"failed to open {url}: HTTP status {r.status_code}")
    tmp = f"{fname}.{uuid.uuid4()}"
    try:
        with open(tmp, "wb") as f:
            for chunk in r.iter_content(chunk_size=1024):
                if chunk:  # skip keep-alive chunks
                    f.write(chunk)
        os.replace(tmp, fname)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def download(url, fname=None, dirname=None, overwrite=False, retries=5) -> str:
    """Download ``url`` to ``fname`` (default: the URL's last part) in ``dirname``.

    An existing file is kept unless ``overwrite``, so the data helpers work
    offline once their files are in place. The file is written under a
    temporary name and renamed when complete. ``retries`` attempts are made
    (at least one); the last error is raised. Returns the file name.
    """
    if retries < 0:
        raise ValueError(f"Number of retries should be at least 0, got {retries}")
    if fname is None:
        fname = url.split("/")[-1]
    if dirname is None:
        dirname = os.path.dirname(fname)
    else:
        fname = os.path.join(dirname, fname)
    if dirname != "" and not os.path.exists(dirname):
        try:
            logging.info("create directory %s", dirname)
            os.makedirs(dirname)
        except OSError as exc:
            if exc.errno != errno.EEXIST:
                raise OSError(f"failed to create {dirname}") from exc
    if not overwrite and os.path.exists(fname):
        logging.info("%s exists, skipping download", fname)
        return fname
    attempts = max(retries, 1)
    for left in range(attempts - 1, -1, -1):
        try:
            _fetch_to(url, fname)
            break
        except MXNetError:
            raise
        except Exception:
            if left == 0:
                raise
            print(
                f"download failed, retrying, {left} attempt{'s' if left > 1 else ''} left"
            )
    logging.info("downloaded %s into %s successfully", url, fname)
    return fname


_BASE_MODEL_URL = "http://data.mxnet.io/models/"
_DEFAULT_MODEL_INFO = {
    name: {
        "symbol": f"{_BASE_MODEL_URL}{path}-symbol.json",
        "params": f"{_BASE_MODEL_URL}{path}-{epoch}.params",
    }
    for name, path, epoch in [
        ("imagenet1k-inception-bn", "imagenet/inception-bn/Inception-BN", "0126"),
        ("imagenet1k-resnet-18", "imagenet/resnet/18-layers/resnet-18", "0000"),
        ("imagenet1k-resnet-34", "imagenet/resnet/34-layers/resnet-34", "0000"),
        ("imagenet1k-resnet-50", "imagenet/resnet/50-layers/resnet-50", "0000"),
        ("imagenet1k-resnet-101", "imagenet/resnet/101-layers/resnet-101", "0000"),
        ("imagenet1k-resnet-152", "imagenet/resnet/152-layers/resnet-152", "0000"),
        ("imagenet1k-resnext-50", "imagenet/resnext/50-layers/resnext-50", "0000"),
        ("imagenet1k-resnext-101", "imagenet/resnext/101-layers/resnext-101", "0000"),
        (
            "imagenet1k-resnext-101-64x4d",
            "imagenet/resnext/101-layers/resnext-101-64x4d",
            "0000",
        ),
        ("imagenet11k-resnet-152", "imagenet-11k/resnet-152/resnet-152", "0000"),
        (
            "imagenet11k-place365ch-resnet-152",
            "imagenet-11k-place365-ch/resnet-152",
            "0000",
        ),
        (
            "imagenet11k-place365ch-resnet-50",
            "imagenet-11k-place365-ch/resnet-50",
            "0000",
        ),
    ]
}


def download_model(model_name, dst_dir="./", meta_info=None):
    """Fetch ``<model>-symbol.json`` and ``<model>-0000.params`` into ``dst_dir``.

    ``meta_info`` maps model names to ``{'symbol': url, 'params': url}``
    (default: MXNet's data.mxnet.io table). Returns ``(path prefix, 0)``, or
    ``(None, 0)`` for an unknown model.
    """
    meta_info = dict(_DEFAULT_MODEL_INFO if meta_info is None else meta_info)
    if model_name not in meta_info:
        return (None, 0)
    if not os.path.isdir(dst_dir):
        os.mkdir(dst_dir)
    meta = dict(meta_info[model_name])
    if "symbol" not in meta or "params" not in meta:
        raise ValueError(
            f"meta_info[{model_name!r}] needs 'symbol' and 'params' URLs, got {meta}"
        )
    model_name = os.path.join(dst_dir, model_name)
    download(meta["symbol"], model_name + "-symbol.json")
    download(meta["params"], model_name + "-0000.params")
    return (model_name, 0)


_MNIST_URL = "http://data.mxnet.io/data/mnist/"


def _read_mnist_gz(label_file: str, image_file: str):
    label = _read_idx(label_file).view(np.int8)
    image = _read_idx(image_file)
    n, rows, cols = image.shape
    image = image.reshape(n, 1, rows, cols).astype(np.float32) / 255
    return label, image


def get_mnist():
    """MNIST as a dict of numpy arrays (``train_data`` ``(N, 1, 28, 28)`` in [0, 1], ...).

    Reads the four ``*-idx?-ubyte.gz`` files from the current directory,
    downloading those missing from data.mxnet.io.
    """
    files = {}
    for key, name in [
        ("train_lbl", "train-labels-idx1-ubyte.gz"),
        ("train_img", "train-images-idx3-ubyte.gz"),
        ("test_lbl", "t10k-labels-idx1-ubyte.gz"),
        ("test_img", "t10k-images-idx3-ubyte.gz"),
    ]:
        files[key] = download(_MNIST_URL + name)
    train_lbl, train_img = _read_mnist_gz(files["train_lbl"], files["train_img"])
    test_lbl, test_img = _read_mnist_gz(files["test_lbl"], files["test_img"])
    return {
        "train_data": train_img,
        "train_label": train_lbl,
        "test_data": test_img,
        "test_label": test_lbl,
    }


def get_mnist_pkl() -> None:
    """Make sure ``data/mnist.pkl.gz`` exists (downloaded if missing)."""
    if not os.path.isdir("data"):
        os.makedirs("data")
    if not os.path.exists("data/mnist.pkl.gz"):
        download("http://deeplearning.net/data/mnist/mnist.pkl.gz", dirname="data")


_MNIST_UBYTE = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


def get_mnist_ubyte() -> None:
    """Make sure the four MNIST ``*-ubyte`` files are in ``data/`` (unzipped if missing)."""
    if not os.path.isdir("data"):
        os.makedirs("data")
    if not all(os.path.exists(os.path.join("data", f)) for f in _MNIST_UBYTE):
        zip_file_path = download(
            "http://data.mxnet.io/mxnet/data/mnist.zip", dirname="data"
        )
        with zipfile.ZipFile(zip_file_path) as zf:
            zf.extractall("data")


def get_cifar10() -> None:
    """Make sure ``data/cifar/{train,test}.{rec,lst}`` exist (unzipped if missing)."""
    if not os.path.isdir("data"):
        os.makedirs("data")
    needed = ("train.rec", "test.rec", "train.lst", "test.lst")
    if not all(os.path.exists(os.path.join("data", "cifar", f)) for f in needed):
        zip_file_path = download(
            "http://data.mxnet.io/mxnet/data/cifar10.zip", dirname="data"
        )
        with zipfile.ZipFile(zip_file_path) as zf:
            zf.extractall("data")


def _read_idx(path: str) -> np.ndarray:
    """An MNIST idx file (``*-ubyte``, optionally gzipped) as a numpy array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    try:
        return parse_idx(raw)
    except ValueError as err:
        raise MXNetError(f"{path} {err}") from None


def get_mnist_iterator(batch_size, input_shape, num_parts=1, part_index=0):
    """``(train_iter, val_iter)`` over ``data/``'s MNIST ubyte files (as ``MNISTIter``).

    Images are scaled to [0, 1] and reshaped to ``(batch,) + input_shape``
    (``(batch, 784)`` when ``input_shape`` is not 3-d); labels are float32.
    The training iterator shuffles; incomplete last batches are dropped; with
    ``num_parts`` the data is split in contiguous parts and part
    ``part_index`` is used.
    """
    get_mnist_ubyte()
    flat = len(input_shape) != 3

    def make(image, label, shuffle):
        img = _read_idx(os.path.join("data", image)).astype(np.float32) / 255
        lbl = _read_idx(os.path.join("data", label)).astype(np.float32)
        n = len(lbl)
        lo, hi = n * part_index // num_parts, n * (part_index + 1) // num_parts
        img, lbl = img[lo:hi], lbl[lo:hi]
        img = img.reshape((len(img), -1) if flat else (len(img), *input_shape))
        return mx.io.NDArrayIter(
            img,
            lbl,
            batch_size=batch_size,
            shuffle=shuffle,
            last_batch_handle="discard",
            data_name="data",
            label_name="softmax_label",
        )

    train = make("train-images-idx3-ubyte", "train-labels-idx1-ubyte", True)
    val = make("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", False)
    return (train, val)


def get_zip_data(data_dir, url, data_origin_name) -> None:
    """Download ``url`` as ``data_dir/data_origin_name`` (if missing) and unzip it there."""
    data_origin_name = os.path.join(data_dir, data_origin_name)
    if not os.path.exists(data_origin_name):
        download(url, dirname=data_dir, overwrite=False)
        with zipfile.ZipFile(data_origin_name) as zip_file:
            zip_file.extractall(path=data_dir)


def get_bz2_data(data_dir, data_name, url, data_origin_name) -> None:
    """Make ``data_dir/data_name`` from the bz2 file at ``url`` (if missing)."""
    data_name = os.path.join(data_dir, data_name)
    data_origin_name = os.path.join(data_dir, data_origin_name)
    if not os.path.exists(data_name):
        download(url, fname=data_origin_name, dirname=data_dir, overwrite=False)
        with (
            bz2.BZ2File(data_origin_name, "rb") as bz_file,
            atomic_open(data_name) as fout,
        ):
            for line in bz_file:
                fout.write(line)
        os.remove(data_origin_name)


def set_env_var(key, val, default_val=""):
    """Set environment variable ``key`` to ``val``; returns its previous value.

    ``default_val`` is returned when the variable was unset (MXNet 1.5-1.7).
    """
    prev_val = os.environ.get(key, default_val)
    os.environ[key] = val
    return prev_val


def same_array(array1, array2) -> bool:
    """Whether two NDArrays share memory (probed by writing to ``array1``)."""
    array1[:] += 1
    if not same(array1.asnumpy(), array2.asnumpy()):
        array1[:] -= 1
        return False
    array1[:] -= 1
    return same(array1.asnumpy(), array2.asnumpy())


@contextmanager
def discard_stderr():
    """Discard everything written to stderr inside the ``with`` block.

    Both the process's descriptor 2 (native code) and the descriptor behind
    ``sys.stderr`` (when it is a different file) are sent to ``os.devnull``.
    """
    fds = {2}
    with contextlib.suppress(AttributeError, ValueError, OSError):
        fds.add(sys.stderr.fileno())
    with open(os.devnull, "w") as bit_bucket:
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        saved = {fd: os.dup(fd) for fd in sorted(fds)}
        try:
            for fd in saved:
                os.dup2(bit_bucket.fileno(), fd)
            yield
        finally:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            for fd, old in saved.items():
                os.dup2(old, fd)
                os.close(old)


class DummyIter(DataIter):
    """An iterator that returns the first batch of ``real_iter`` forever (speed tests)."""

    def __init__(self, real_iter) -> None:
        super().__init__()
        self.real_iter = real_iter
        self.provide_data = real_iter.provide_data
        self.provide_label = real_iter.provide_label
        self.batch_size = real_iter.batch_size
        self.the_batch = next(real_iter)

    def __iter__(self):
        return self

    def next(self):
        """The first batch of the real iterator (never raises StopIteration)."""
        return self.the_batch

    def __next__(self):
        return self.next()


# ---------------------------------------------------------------- generator statistics
def gen_buckets_probs_with_ppf(ppf, nbuckets: int):
    """``nbuckets`` equal-probability buckets ``(ppf(i/n), ppf((i+1)/n))`` and their probs."""
    if nbuckets <= 0:
        raise ValueError(f"nbuckets must be positive, got {nbuckets}")
    probs = [1.0 / nbuckets for _ in range(nbuckets)]
    buckets = [
        (ppf(i / float(nbuckets)), ppf((i + 1) / float(nbuckets)))
        for i in range(nbuckets)
    ]
    return buckets, probs


def mean_check(generator, mu, sigma, nsamples=1000000) -> bool:
    """Whether the mean of ``generator(nsamples)`` lies within ``mu +- 3 sigma / sqrt(n)``."""
    samples = np.array(generator(nsamples))
    sample_mean = samples.mean()
    bound = 3 * sigma / np.sqrt(nsamples)
    return bool((sample_mean > mu - bound) and (sample_mean < mu + bound))


def var_check(generator, sigma, nsamples=1000000) -> bool:
    """Whether the sample variance lies within ``sigma^2 +- 3 sqrt(2 sigma^4 / (n-1))``."""
    samples = np.array(generator(nsamples))
    sample_var = samples.var(ddof=1)
    bound = 3 * np.sqrt(2 * sigma**4 / (nsamples - 1))
    return bool((sample_var > sigma**2 - bound) and (sample_var < sigma**2 + bound))


def get_im2rec_path(home_env="MXNET_HOME") -> str:
    """Path of ``tools/im2rec.py`` under ``$home_env`` or the package (IOError if absent)."""
    if home_env in os.environ:
        mxnet_path = os.environ[home_env]
    else:
        mxnet_path = os.path.dirname(mx.__file__)
    for candidate in (
        os.path.join(mxnet_path, "tools", "im2rec.py"),
        os.path.join(mxnet_path, "..", "..", "tools", "im2rec.py"),
    ):
        if os.path.isfile(candidate):
            return candidate
    raise OSError(
        f"Could not find path to tools/im2rec.py (looked in {mxnet_path!r}; set "
        f"${home_env} to the folder holding tools/im2rec.py)"
    )


def chi_square_check(generator, buckets, probs, nsamples=1000000):
    """Chi-square test of ``generator(nsamples)`` against bucket probabilities.

    ``buckets`` are ``(low, high)`` ranges (continuous) or the possible values
    (discrete), ``probs`` their expected probabilities. Returns
    ``(p, obs_freq, expected_freq)`` with ``expected_freq`` the truncated
    ``int32`` counts MXNet reports. The p-value is computed against those
    counts rescaled to the number of samples (recent scipy rejects expected
    totals that differ from the observed one).
    """
    if not ss:
        raise ImportError(
            "scipy is not available. Please check if the scipy python bindings are "
            "installed."
        )
    if not isinstance(buckets, list):
        raise TypeError(f"buckets must be a list, got {type(buckets)}")
    samples = generator(nsamples)
    if len(probs) != len(buckets):
        raise ValueError(
            f"probs and buckets differ in length: {len(probs)} vs {len(buckets)}"
        )
    continuous = isinstance(buckets[0], (list, tuple))
    if continuous:
        buckets_npy = np.zeros((len(buckets) * 2,), dtype=np.float32)
        for i, (low, high) in enumerate(buckets):
            if low > high:
                raise ValueError(f"bucket {i} has low > high: {buckets[i]}")
            if i < len(buckets) - 1 and high > buckets[i + 1][0]:
                raise ValueError(
                    f"buckets {i} and {i + 1} overlap or are not ascending: "
                    f"{buckets[i]}, {buckets[i + 1]}"
                )
            buckets_npy[i * 2] = low
            buckets_npy[i * 2 + 1] = high
    expected_freq = (nsamples * np.array(probs, dtype=np.float32)).astype(np.int32)
    samples = _np(samples) if isinstance(samples, NDArray) else np.asarray(samples)
    if continuous:
        sample_bucket_ids = np.searchsorted(buckets_npy, samples, side="right") // 2
    else:
        sample_bucket_ids = samples
    obs_freq = np.zeros(shape=len(buckets), dtype=np.int64)
    for i in range(len(buckets)):
        if continuous:
            obs_freq[i] = (sample_bucket_ids == i).sum()
        else:
            obs_freq[i] = (sample_bucket_ids == buckets[i]).sum()
    f_exp = expected_freq.astype(np.float64)
    if f_exp.sum() > 0 and obs_freq.sum() > 0:
        f_exp = f_exp * (obs_freq.sum() / f_exp.sum())
    _, p = ss.chisquare(f_obs=obs_freq, f_exp=f_exp)
    return p, obs_freq, expected_freq


def verify_generator(
    generator, buckets, probs, nsamples=1000000, nrepeat=5, success_rate=0.2, alpha=0.05
):
    """Run :func:`chi_square_check` ``nrepeat`` times; fail unless enough p-values > alpha.

    Returns the list of p-values; raises ``AssertionError`` when fewer than
    ``nrepeat * success_rate`` runs pass.
    """
    cs_ret_l, obs_freq_l, expected_freq_l = [], [], []
    for _ in range(nrepeat):
        cs_ret, obs_freq, expected_freq = chi_square_check(
            generator=generator, buckets=buckets, probs=probs, nsamples=nsamples
        )
        cs_ret_l.append(cs_ret)
        obs_freq_l.append(obs_freq)
        expected_freq_l.append(expected_freq)
    success_num = (np.array(cs_ret_l) > alpha).sum()
    if success_num < nrepeat * success_rate:
        raise AssertionError(
            f"Generator test fails, Chi-square p={cs_ret_l}, obs_freq={obs_freq_l}, "
            f"expected_freq={expected_freq_l}.\nbuckets={buckets}, probs={probs}"
        )
    return cs_ret_l


# ---------------------------------------------------------------- optimizers
def compare_ndarray_tuple(t1, t2, rtol=None, atol=None) -> None:
    """Compare (nested tuples of) arrays with :func:`assert_almost_equal`; None skips."""
    if t1 is None or t2 is None:
        return
    if isinstance(t1, tuple):
        for s1, s2 in zip(t1, t2, strict=False):
            compare_ndarray_tuple(s1, s2, rtol, atol)
    else:
        assert_almost_equal(t1, t2, rtol=rtol, atol=atol)


def _opt_pair(shape, dtype, w_stype, g_stype):
    """Weights and gradients for :func:`compare_optimizer`: ``(w1, w2, g1, g2)``.

    ``w2``/``g2`` have the requested storage types (a sparse weight is fully
    populated, a sparse gradient random), ``w1``/``g1`` are dense copies of them,
    so ``opt1`` runs the dense update and ``opt2`` the sparse one, as in MXNet.
    """
    for stype in (w_stype, g_stype):
        if stype not in _STYPES:
            raise ValueError(
                f"compare_optimizer: storage type {stype!r} is not supported; "
                f"expected one of {_STYPES}"
            )
    ctx = default_context()
    if w_stype == "default":
        w2 = mx.random.uniform(shape=shape, ctx=ctx, dtype=dtype)
    else:
        w2 = rand_ndarray(shape, w_stype, density=1, dtype=dtype)
    if g_stype == "default":
        g2 = mx.random.uniform(shape=shape, ctx=ctx, dtype=dtype)
    else:
        g2 = rand_ndarray(shape, g_stype, dtype=dtype)
    return w2.copyto(ctx).tostype("default"), w2, g2.copyto(ctx).tostype("default"), g2


def compare_optimizer(
    opt1,
    opt2,
    shape,
    dtype,
    w_stype="default",
    g_stype="default",
    rtol=1e-4,
    atol=1e-5,
    compare_states=True,
    ntensors=1,
) -> None:
    """Check that ``opt1`` and ``opt2`` make the same update from the same state.

    ``shape`` is one shape (``ntensors`` must be 1) or a list of shapes: then
    ``opt2`` updates all tensors in one multi-tensor call and ``opt1`` one by one.
    """
    if not isinstance(shape, list):
        if ntensors != 1:
            raise ValueError(f"ntensors must be 1 for a single shape, got {ntensors}")
        w1, w2, g1, g2 = _opt_pair(shape, dtype, w_stype, g_stype)
        state1 = opt1.create_state_multi_precision(0, w1)
        state2 = opt2.create_state_multi_precision(0, w2)
        if compare_states:
            compare_ndarray_tuple(state1, state2)
        opt1.update_multi_precision(0, w1, g1, state1)
        opt2.update_multi_precision(0, w2, g2, state2)
        if compare_states:
            compare_ndarray_tuple(state1, state2, rtol=rtol, atol=atol)
        assert_almost_equal(w1, w2, rtol=rtol, atol=atol)
        return
    ctx = default_context()
    w1 = tuple(mx.random.uniform(shape=s, ctx=ctx, dtype=dtype) for s in shape)
    g1 = tuple(mx.random.uniform(shape=s, ctx=ctx, dtype=dtype) for s in shape)
    w2 = tuple(w.copy() for w in w1)
    g2 = tuple(g.copy() for g in g1)
    state2 = [opt2.create_state_multi_precision(0, w2[i]) for i in range(ntensors)]
    opt2.update_multi_precision(list(range(ntensors)), w2, g2, state2)
    for i in range(ntensors):
        state1 = opt1.create_state_multi_precision(i, w1[i])
        opt1.update_multi_precision(i, w1[i], g1[i], state1)
        if compare_states:
            compare_ndarray_tuple(state1, state2[i], rtol, atol)
        compare_ndarray_tuple(w1[i], w2[i], rtol, atol)


def compare_optimizer_noise_seeded(
    opt1,
    opt2,
    shapes,
    dtype,
    noise_seed,
    w_stype="default",
    g_stype="default",
    rtol=1e-4,
    atol=1e-5,
    compare_states=True,
) -> None:
    """:func:`compare_optimizer` for noisy updates (SGLD): ``mx.random.seed(noise_seed)``
    before each optimizer's update, so both draw the same noise.

    ``shapes`` is a list of shapes (one shape is accepted too).
    """
    if not isinstance(shapes, list):
        shapes = [shapes]
    w1s, w2s, g1s, g2s, s1s, s2s = [], [], [], [], [], []
    for i, shape in enumerate(shapes):
        w1, w2, g1, g2 = _opt_pair(shape, dtype, w_stype, g_stype)
        s1 = opt1.create_state_multi_precision(i, w1)
        s2 = opt2.create_state_multi_precision(i, w2)
        if compare_states:
            compare_ndarray_tuple(s1, s2)
        w1s.append(w1)
        w2s.append(w2)
        g1s.append(g1)
        g2s.append(g2)
        s1s.append(s1)
        s2s.append(s2)
    for i in range(len(shapes)):
        mx.random.seed(noise_seed)
        opt1.update_multi_precision(i, w1s[i], g1s[i], s1s[i])
        mx.random.seed(noise_seed)
        opt2.update_multi_precision(i, w2s[i], g2s[i], s2s[i])
    if compare_states:
        compare_ndarray_tuple(tuple(s1s), tuple(s2s), rtol=rtol, atol=atol)
    compare_ndarray_tuple(tuple(w1s), tuple(w2s), rtol=rtol, atol=atol)


def same_symbol_structure(sym1, sym2) -> bool:
    """Whether the two symbols' graphs have the same operator at every node."""
    nodes = json.loads(sym1.tojson())["nodes"]
    nodes2 = json.loads(sym2.tojson())["nodes"]
    return all(n1["op"] == n2["op"] for n1, n2 in zip(nodes, nodes2, strict=False))


@contextmanager
def environment(*args):
    """Set environment variables for the duration of a ``with`` block.

    ``environment('VAR', 'value')`` or ``environment({'A': '1', 'B': None})``
    (``None`` unsets). The previous values are restored on exit, also on error.
    """
    if len(args) == 1 and isinstance(args[0], dict):
        env_vars = dict(args[0])
    elif len(args) == 2:
        env_vars = {args[0]: args[1]}
    else:
        raise ValueError(
            "environment() expects (name, value) or a dict of name -> value, got "
            f"{args!r}"
        )

    def set_environ(values):
        for name, value in values.items():
            setenv(name, None if value is None else str(value))

    snapshot = {name: getenv(name) for name in env_vars}
    set_environ(env_vars)
    try:
        yield
    finally:
        mx.nd.waitall()
        set_environ(snapshot)


def collapse_sum_like(a, shape):
    """Sum ``a`` over the axes that broadcasting ``shape`` to ``a.shape`` would add."""
    if len(a.shape) < len(shape):
        raise ValueError(f"collapse_sum_like: {a.shape} has fewer dims than {shape}")
    if np.prod(shape) == 0 or a.size == 0:
        return np.zeros(shape, dtype=a.dtype)
    ndim_diff = len(a.shape) - len(shape)
    axes = list(range(ndim_diff))
    for i, s in enumerate(shape):
        if s != a.shape[i + ndim_diff]:
            if s != 1:
                raise ValueError(
                    f"collapse_sum_like: shape {shape} does not broadcast to {a.shape}"
                )
            axes.append(i + ndim_diff)
    return np.sum(a, axis=tuple(axes)).reshape(shape)


def is_cd_run() -> bool:
    """Whether the tests run in MXNet's Continuous Delivery (``CD_JOB=1``)."""
    return os.environ.get("CD_JOB", 0) == "1"


def is_aarch64_run() -> bool:
    """Whether this machine is aarch64."""
    return platform.machine() == "aarch64"


def has_tvm_ops() -> bool:
    """Whether TVM-generated operators exist: never in neogluon."""
    return False


def is_op_runnable() -> bool:
    """Whether the operators can run on the current context: always in neogluon
    (there are no TVM operators with compute-capability limits)."""
    return True


def check_gluon_hybridize_consistency(
    net_builder, data_l, numpy_func=None, test_grad=True, rtol=1e-4, atol=1e-4
) -> None:
    """Check that a HybridBlock gives the same outputs (and input gradients)
    hybridized and not.

    ``net_builder(prefix=...)`` builds the block; ``data_l`` are its inputs
    (NDArrays); ``numpy_func``, if given, computes the expected output from
    the inputs as numpy arrays. The block must be deterministic.
    """
    saved_out_np = None
    saved_grad_np_l = None
    np_params = None
    use_autograd_flags = [False, True] if test_grad else [False]
    for hybridize in [False, True]:
        for use_autograd in use_autograd_flags:
            net = net_builder(prefix="net_")
            net.initialize()
            if np_params is not None:
                for k, v in net.collect_params().items():
                    v.set_data(array(np_params[k], dtype=np_params[k].dtype))
            if hybridize:
                net.hybridize()
            in_data_l = [ele.copy() for ele in data_l]
            if use_autograd:
                for ele in in_data_l:
                    ele.attach_grad()
                with mx.autograd.record():
                    out = net(*in_data_l)
                out.backward(out)
            else:
                out = net(*in_data_l)
            if np_params is None:
                np_params = {
                    k: v.data().asnumpy() for k, v in net.collect_params().items()
                }
            if saved_out_np is None:
                saved_out_np = out.asnumpy()
            else:
                assert_almost_equal(out.asnumpy(), saved_out_np, rtol=rtol, atol=atol)
            if use_autograd:
                if saved_grad_np_l is None:
                    saved_grad_np_l = [ele.grad.asnumpy() for ele in in_data_l]
                else:
                    for data, saved in zip(in_data_l, saved_grad_np_l, strict=True):
                        assert_almost_equal(
                            data.grad.asnumpy(), saved, rtol=rtol, atol=atol
                        )
    if numpy_func is not None:
        numpy_out = numpy_func(*[ele.asnumpy() for ele in data_l])
        assert_almost_equal(saved_out_np, numpy_out, rtol=rtol, atol=atol)


# ---------------------------------------------------------------- matrices
def new_matrix_with_real_eigvals_2d(n):
    """A well-conditioned ``(n, n)`` matrix with real eigenvalues in [-10, 10]."""
    shape = (n, n)
    while True:
        D = np.diag(np.random.uniform(-1.0, 1.0, shape[-1]))
        eye = np.eye(shape[-1]).reshape(shape)
        v = np.random.uniform(-1.0, 1.0, shape[-1]).reshape(shape[:-1] + (1,))
        v = v / np.linalg.norm(v, axis=-2, keepdims=True)
        U = eye - 2 * np.matmul(v, np.swapaxes(v, -1, -2))
        q = np.matmul(U, D)
        if np.linalg.cond(q, 2) < 3:
            break
    D = np.diag(np.random.uniform(-10.0, 10.0, n))
    return np.matmul(np.matmul(np.linalg.inv(q), D), q)


def new_matrix_with_real_eigvals_nd(shape):
    """A batch of :func:`new_matrix_with_real_eigvals_2d` matrices of ``shape``."""
    n = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return np.array(
        [new_matrix_with_real_eigvals_2d(shape[-1]) for _ in range(n)]
    ).reshape(shape)


def new_orthonormal_matrix_2d(n):
    """A random ``(n, n)`` orthonormal matrix."""
    x = np.random.randn(n, n)
    return np.linalg.qr(np.matmul(x.T, x))[0]


def new_sym_matrix_with_real_eigvals_2d(n):
    """A random symmetric ``(n, n)`` matrix with eigenvalues in [-10, 10]."""
    q = new_orthonormal_matrix_2d(n)
    D = np.diag(np.random.uniform(-10.0, 10.0, n))
    return np.matmul(np.matmul(q.T, D), q)


def new_sym_matrix_with_real_eigvals_nd(shape):
    """A batch of :func:`new_sym_matrix_with_real_eigvals_2d` matrices of ``shape``."""
    n = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return np.array(
        [new_sym_matrix_with_real_eigvals_2d(shape[-1]) for _ in range(n)]
    ).reshape(shape)
