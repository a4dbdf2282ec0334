"""``mx.np.linalg``: NumPy's linear algebra on ``mx.np.ndarray`` (torch.linalg).

Batched over leading axes where NumPy is; differentiable under
``autograd.record()`` (torch's gradients). Integer inputs compute in the
default float dtype.
"""

from __future__ import annotations

import numpy as np
import torch

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
    """Matrix or vector norm (NumPy's ``ord`` values)."""
    t = _f(x, "x")
    if axis is None and ord is None:
        res = _run(torch.linalg.vector_norm, t.reshape(-1), 2)
        if keepdims:
            res = res.reshape((1,) * t.dim())
        return _w(res, x)
    if (
        isinstance(axis, (tuple, list))
        and len(axis) == 2
        or (axis is None and t.dim() == 2 and ord is not None)
    ):
        dims = tuple(axis) if axis is not None else (0, 1)
        o = "fro" if ord is None else ord
        return _w(_run(torch.linalg.matrix_norm, t, o, dims, bool(keepdims)), x)
    o = 2 if ord is None else ord
    dim = (
        None
        if axis is None
        else (int(axis) if not isinstance(axis, (tuple, list)) else tuple(axis))
    )
    return _w(_run(torch.linalg.vector_norm, t, o, dim, bool(keepdims)), x)


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


def eig(a):
    """(eigenvalues, eigenvectors) of real matrices with real spectra."""
    w, v = torch.linalg.eig(_f(a))
    if bool((w.imag != 0).any()):
        raise ValueError(
            "np.linalg.eig: the matrix has complex eigenvalues; mx.np arrays are "
            "real (MXNet 1.9.1 supports real spectra only)."
        )
    return _w(w.real.contiguous(), a), _w(v.real.contiguous(), a)


def eigvals(a):
    """Eigenvalues of real matrices with real spectra."""
    return eig(a)[0]


def eigh(a, UPLO="L"):  # noqa: N803 - numpy's name
    """(eigenvalues ascending, eigenvectors) of symmetric matrices."""
    w, v = _run(torch.linalg.eigh, _f(a), UPLO)
    return _w(w, a), _w(v, a)


def eigvalsh(a, UPLO="L"):  # noqa: N803 - numpy's name
    """Eigenvalues (ascending) of symmetric matrices."""
    return _w(_run(torch.linalg.eigvalsh, _f(a), UPLO), a)


def pinv(a, rcond=1e-15, hermitian=False):
    """Moore-Penrose pseudo-inverse."""
    return _w(_run(torch.linalg.pinv, _f(a), rtol=rcond, hermitian=hermitian), a)


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
