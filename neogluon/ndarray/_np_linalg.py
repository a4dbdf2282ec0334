"""``mx.np.linalg``: NumPy's linear algebra on ``mx.np.ndarray`` (torch.linalg).

Batched over leading axes where NumPy is; differentiable under
``autograd.record()`` (torch's gradients). Integer inputs compute in the
default float dtype.
"""

from __future__ import annotations

import numpy as np
import torch

from ..ops import registry as _reg
from ..ops.np_linalg import compose_norm
from ._np import _run
from ._np import default_float
from ._np import from_tensor
from ._np import ndarray

__all__ = [
    "norm",
    "inv",
    "det",
    "slogdet",
    "svd",
    "cholesky",
    "qr",
    "solve",
    "eig",
    "eigh",
    "eigvals",
    "eigvalsh",
    "pinv",
    "lstsq",
    "matrix_rank",
    "matrix_power",
    "multi_dot",
    "cond",
    "tensorinv",
    "tensorsolve",
]


def _f(a, name: str = "a") -> torch.Tensor:
    if not isinstance(a, ndarray):
        raise TypeError(
            f"np.linalg: {name!r} must be an mx.np.ndarray, got {type(a).__name__}"
        )
    t = a._data
    return t if t.is_floating_point() else t.to(default_float())


def _w(t: torch.Tensor, like) -> ndarray:
    return from_tensor(t, like._ctx)


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 - numpy's name
    """Matrix or vector norm with NumPy's ``ord`` values ('inf'/'-inf' as
    strings too), as MXNet 1.9.1 computes it: ``_npi_norm`` (its ``flag``:
    -2 flattened L2, -1 vector, 0 matrix 2-norms, 1 Frobenius, 2 nuclear),
    the 1/inf matrix norms as sums then max/min."""
    from . import _np_functions as F

    def run(o, ax, flag):
        return _invoke_norm(x, ord=o, axis=ax, keepdims=bool(keepdims), flag=flag)

    return compose_norm(x, ord, axis, keepdims, run, F)


def _invoke_norm(x, **attrs):
    op = _reg.get("_npi_norm")
    return _w(_run(op.kernel, _f(x, "x"), **attrs), x)


def inv(a):
    """Inverse of (a stack of) square matrices."""
    return _w(_run(torch.linalg.inv, _f(a)), a)


def det(a):
    """Determinant of (a stack of) square matrices."""
    return _w(_run(torch.linalg.det, _f(a)), a)


def slogdet(a):
    """[sign, log|det|] of (a stack of) square matrices (a list, as MXNet)."""
    s, ld = _run(torch.linalg.slogdet, _f(a))
    return [_w(s, a), _w(ld, a)]


def svd(a):
    """(u, s, vh) of (a stack of) matrices: MXNet 1.9.1's ``np.linalg.svd``
    returns the reduced factors, ``a = u @ diag(s) @ vh``."""
    u, s, vh = _run(torch.linalg.svd, _f(a), full_matrices=False)
    return _w(u, a), _w(s, a), _w(vh, a)


def cholesky(a):
    """Lower Cholesky factor of (a stack of) positive-definite matrices."""
    return _w(_run(torch.linalg.cholesky, _f(a)), a)


def qr(a, mode="reduced"):
    """(q, r) of (a stack of) matrices."""
    q, r = _run(torch.linalg.qr, _f(a), mode)
    return _w(q, a), _w(r, a)


def solve(a, b):
    """x with ``a @ x = b``."""
    ta, tb = _f(a), _f(b, "b")
    if tb.dim() == ta.dim() - 1:
        return _w(_run(torch.linalg.solve, ta, tb.unsqueeze(-1)).squeeze(-1), a)
    return _w(_run(torch.linalg.solve, ta, tb), a)


def _decompose(op_name: str, a, **attrs):
    """Run ``op_name`` (``_npi_eig``...) on ``a``: its outputs as np arrays."""
    res = _run(
        _reg.get(op_name).kernel, a._data if isinstance(a, ndarray) else _f(a), **attrs
    )
    if isinstance(res, torch.Tensor):
        return _w(res, a)
    return tuple(_w(r, a) for r in res)


def eig(a):
    """(eigenvalues, eigenvectors) of real matrices with real spectra
    (integer input decomposes in float64, as MXNet)."""
    return _decompose("_npi_eig", a)


def eigvals(a):
    """Eigenvalues of real matrices with real spectra."""
    return _decompose("_npi_eigvals", a)


def eigh(a, UPLO="L"):  # noqa: N803 - numpy's name
    """(eigenvalues ascending, eigenvectors) of symmetric matrices."""
    return _decompose("_npi_eigh", a, UPLO=UPLO)


def eigvalsh(a, UPLO="L"):  # noqa: N803 - numpy's name
    """Eigenvalues (ascending) of symmetric matrices."""
    return _decompose("_npi_eigvalsh", a, UPLO=UPLO)


def pinv(a, rcond=1e-15, hermitian=False):
    """Moore-Penrose pseudo-inverse; ``rcond`` a number or an array (one
    cutoff per matrix of the stack)."""
    if isinstance(rcond, ndarray):
        A = _f(a)
        r = rcond._data.to(A.dtype)
        return _w(
            _run(_reg.get("_npi_pinv").kernel, A, r, hermitian=bool(hermitian)), a
        )
    return _decompose(
        "_npi_pinv_scalar_rcond",
        _w(_f(a), a),
        rcond=float(rcond),
        hermitian=bool(hermitian),
    )


def lstsq(a, b, rcond="warn"):
    """(x, residuals, rank, singular values) of the least-squares problem."""
    ta, tb = _f(a), _f(b, "b")
    an, bn = ta.detach().cpu().numpy(), tb.detach().cpu().numpy()
    x, res, rank, sv = np.linalg.lstsq(an, bn, rcond=None if rcond == "warn" else rcond)
    td = ta.dtype
    return (
        _w(torch.from_numpy(x).to(td), a),
        _w(torch.from_numpy(np.asarray(res)).to(td), a),
        int(rank),
        _w(torch.from_numpy(sv).to(td), a),
    )


def matrix_rank(A, tol=None, hermitian=False):  # noqa: N803 - numpy's name
    """Rank of (a stack of) matrices (int64)."""
    return _w(
        torch.linalg.matrix_rank(_f(A, "A"), atol=tol, hermitian=hermitian).to(
            torch.int64
        ),
        A,
    )


def matrix_power(a, n):
    """``a`` to the integer power ``n``."""
    t = a._data if isinstance(a, ndarray) else None
    if t is None:
        raise TypeError("np.linalg.matrix_power: a must be an mx.np.ndarray")
    if int(n) < 0:
        t = _f(a)
    return _w(_run(torch.linalg.matrix_power, t, int(n)), a)


def multi_dot(arrays, *, out=None):
    """Product of a chain of matrices."""
    ts = [_f(x) for x in arrays]
    return _w(_run(torch.linalg.multi_dot, ts), arrays[0])


def cond(x, p=None):
    """Condition number."""
    return _w(_run(torch.linalg.cond, _f(x, "x"), p), x)


def tensorinv(a, ind=2):
    """Inverse of an N-d array for ``tensordot``."""
    return _w(_run(torch.linalg.tensorinv, _f(a), ind=int(ind)), a)


def tensorsolve(a, b, axes=None):
    """x with ``tensordot(a, x, b.ndim) = b`` (the ``_npi_tensorsolve`` kernel:
    0-d ``a`` or ``b`` solve a 1 x 1 system, as in MXNet)."""
    from ..ops import registry as _reg

    kernel = _reg.get("_npi_tensorsolve").kernel
    return _w(_run(kernel, _f(a), _f(b, "b"), a_axes=tuple(axes or ())), a)
