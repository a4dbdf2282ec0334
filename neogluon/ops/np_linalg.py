"""NumPy-interface products and linear algebra: ``_np_dot``, ``_npi_matmul``,
``_npi_tensordot``, ``_npi_einsum``, ``_npi_norm``, ``_npi_svd``, ``_npi_inv``,
``_npi_det``, ``_npi_slogdet``, ``_npi_cholesky``, ``_npi_solve``, ``_npi_pinv``,
``_npi_eigh``, ``_npi_eigvalsh``, ``_npi_eig``, ``_npi_eigvals``,
``_npi_tensorinv``, ``_npi_tensorsolve``, ``_npi_polyval``.

Batched over leading dims as NumPy does; torch.linalg does the work and
autograd the gradients. ``_npi_svd`` follows MXNet's ``gesvd`` convention:
``A = UT @ diag(L) @ V`` for ``A`` of shape ``(..., M, N)`` with ``M <= N``.
"""

from __future__ import annotations

import math

import torch

from ..base import MXNetError
from .np_common import norm_axes
from .np_common import promote
from .np_common import promote_names
from .registry import REQUIRED
from .registry import OpDef
from .registry import P
from .registry import register

__all__: list[str] = []


def compose_norm(x, ord, axis, keepdims, norm, F):  # noqa: A002 - numpy's name
    """MXNet 1.9.1's ``np.linalg.norm`` in terms of ``norm(ord, axis, flag)``
    (an ``_npi_norm`` call; ``flag``: -2 flattened L2, -1 vector, 0 matrix
    2-norms, 1 Frobenius, 2 nuclear) and ``F.sum/abs/max/min`` (the 1/inf
    matrix norms as sums then max/min): shared by the eager function and
    the graph builder, which pass their own ``norm`` and ``F``."""
    if axis is None and ord is None:
        return norm(2, None, -2)
    if axis is not None and not isinstance(axis, (int, tuple, list)):
        raise TypeError("'axis' must be None, an integer or a tuple of integers.")
    if isinstance(axis, int):
        axis = (axis,)
    elif axis is not None:
        axis = tuple(int(a) for a in axis)
    if ord in (math.inf, -math.inf):
        ord = "inf" if ord > 0 else "-inf"  # noqa: A001
    if axis is not None and len(axis) == 2:
        row, col = axis
        if ord in ("inf", "-inf"):
            if not keepdims and row > col:
                row -= 1
            s = F.sum(F.abs(x), axis=col, keepdims=keepdims)
            return (F.max if ord == "inf" else F.min)(s, axis=row, keepdims=keepdims)
        if ord in (1, -1):
            if not keepdims and row < col:
                col -= 1
            s = F.sum(F.abs(x), axis=row, keepdims=keepdims)
            return (F.max if ord == 1 else F.min)(s, axis=col, keepdims=keepdims)
        if ord in (2, -2):
            return norm(ord, axis, 0)
        if ord is None:
            return norm(2, axis, 1)
    if ord == "inf":
        return F.max(F.abs(x), axis=axis, keepdims=keepdims)
    if ord == "-inf":
        return F.min(F.abs(x), axis=axis, keepdims=keepdims)
    if ord is None or ord in ("fro", "f"):
        return norm(2, axis, 1)
    if ord == "nuc":
        return norm(2, axis, 2)
    return norm(float(ord), axis, -1)


def _known(s) -> bool:
    return s is not None and all(d > 0 for d in s)


def _meta_infer(kernel, n_out=1):
    def infer(in_shapes, attrs, out_shapes=None):
        n = n_out(attrs) if callable(n_out) else n_out
        if not all(_known(s) for s in in_shapes):
            return list(in_shapes), [None] * n
        ts = [torch.empty(s, device="meta") for s in in_shapes]
        try:
            out = kernel(*ts, **attrs)
        except (NotImplementedError, RuntimeError):
            return list(in_shapes), [None] * n
        outs = out if isinstance(out, (tuple, list)) else (out,)
        return list(in_shapes), [tuple(o.shape) for o in outs]

    return infer


def _reg(name, kernel, **kw):
    n_out = kw.get("num_outputs", 1)
    kw.setdefault("infer_shape", _meta_infer(kernel, n_out))
    register(OpDef(name, kernel, **kw))


def _promote2(a, b):
    if a.dtype == b.dtype:
        return a, b
    dt = promote(a.dtype, b.dtype)
    return a.to(dt), b.to(dt)


def _promote_type(in_types, attrs):
    return in_types, [promote_names(*in_types)]


# --------------------------------------------------------------------------- products
def _dot(a, b):
    a, b = _promote2(a, b)
    if a.dim() == 0 or b.dim() == 0:
        return a * b
    if b.dim() == 1:
        if a.shape[-1] != b.shape[0]:
            raise MXNetError(
                f"Operator _np_dot: shapes {tuple(a.shape)} and {tuple(b.shape)} not "
                f"aligned: {a.shape[-1]} (dim {a.dim() - 1}) != {b.shape[0]} (dim 0)."
            )
        return torch.matmul(a, b)  # sums over the last axis of a
    if a.shape[-1] != b.shape[-2]:
        raise MXNetError(
            f"Operator _np_dot: shapes {tuple(a.shape)} and {tuple(b.shape)} not "
            f"aligned: {a.shape[-1]} (dim {a.dim() - 1}) != {b.shape[-2]} "
            f"(dim {b.dim() - 2})."
        )
    if b.dim() == 2:  # a's leading axes broadcast as matmul's batch axes
        return torch.matmul(a, b)
    return torch.tensordot(a, b, dims=([a.dim() - 1], [b.dim() - 2]))


#: For two 2-d operands of one dtype whose inner dims agree, the kernel is
#: ``torch.matmul`` (a frontend's fast path may call it; on any other operands,
#: or when torch refuses them, it runs the kernel).
_dot.matrix_fn = torch.matmul  # type: ignore[attr-defined]


def _dot_infer(in_shapes, attrs, out_shapes=None):
    """The contracted dims of ``a`` and ``b`` decide each other (a deferred
    weight ``(0, n)`` in ``x.dot(w)`` gets ``x``'s last dim), then the output
    from the kernel on meta tensors."""
    a, b = in_shapes
    if a and b:
        a, b = list(a), list(b)
        j = 0 if len(b) == 1 else len(b) - 2
        if a[-1] == 0:
            a[-1] = b[j]
        elif b[j] == 0:
            b[j] = a[-1]
        in_shapes = [tuple(a), tuple(b)]
    return _meta_infer(_dot)(in_shapes, attrs, out_shapes)


_reg(
    "_np_dot",
    _dot,
    inputs=("a", "b"),
    infer_shape=_dot_infer,
    infer_type=_promote_type,
    same_dtype=False,
    doc="NumPy ``dot``: inner product over the last axis of a and the second-to-"
    "last of b (the only axis of a 1-D b); 0-d operands multiply.",
)


def _matmul(a, b):
    a, b = _promote2(a, b)
    if a.dim() == 0 or b.dim() == 0:
        raise MXNetError(
            "Operator _npi_matmul: input operand does not have enough dimensions "
            "(0-d arrays cannot be matrix-multiplied; use multiply)."
        )
    try:
        return torch.matmul(a, b)
    except RuntimeError as err:  # mismatched core dimensions or batch shapes
        raise MXNetError(
            f"Operator _npi_matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} do "
            "not match: the last axis of a must equal the second-to-last of b (the "
            "only axis of a 1-D b) and the batch axes must broadcast "
            f"({err})."
        ) from None


_reg(
    "_npi_matmul",
    _matmul,
    inputs=("a", "b"),
    infer_type=_promote_type,
    same_dtype=False,
    doc="NumPy ``matmul``: matrix product broadcast over leading dims.",
)


def _tensordot(a, b, a_axes_summed, b_axes_summed):
    a, b = _promote2(a, b)
    return torch.tensordot(a, b, dims=(list(a_axes_summed), list(b_axes_summed)))


def _tensordot_int(a, b, axes):
    a, b = _promote2(a, b)
    return torch.tensordot(a, b, dims=axes)


_reg(
    "_npi_tensordot",
    _tensordot,
    inputs=("a", "b"),
    params=(
        P("a_axes_summed", "shape", REQUIRED, "Axes of a to sum over."),
        P("b_axes_summed", "shape", REQUIRED, "Axes of b to sum over."),
    ),
    infer_type=_promote_type,
    same_dtype=False,
    doc="Sum products over the given axes of a and b.",
)
_reg(
    "_npi_tensordot_int_axes",
    _tensordot_int,
    inputs=("a", "b"),
    params=(P("axes", "int", REQUIRED, "Last axes of a / first of b to sum."),),
    infer_type=_promote_type,
    same_dtype=False,
    doc="Sum products over the last ``axes`` axes of a and the first of b.",
)


def _einsum(*data, num_args=None, subscripts="", optimize=0):
    dt = data[0].dtype
    for d in data[1:]:
        dt = promote(dt, d.dtype)
    return torch.einsum(subscripts, *[d.to(dt) for d in data])


def _einsum_type(in_types, attrs):
    out = None
    for t in in_types:
        if t is None:
            return in_types, [None]
        out = t if out is None else promote_names(out, t)
    return in_types, [out]


_reg(
    "_npi_einsum",
    _einsum,
    inputs=("data",),
    params=(
        P("num_args", "int", REQUIRED, "Number of operands."),
        P("subscripts", "str", "", "Einstein summation subscripts."),
        P("optimize", "int", 0, "Contraction order optimisation (ignored)."),
    ),
    variadic=True,
    num_args_attr="num_args",
    infer_type=_einsum_type,
    same_dtype=False,
    doc="Einstein summation over the operands.",
)


def _polyval(p, x):
    p, x = _promote2(p, x)
    out = torch.zeros_like(x)
    for i in range(p.shape[0]):
        out = out * x + p[i]
    return out


_reg(
    "_npi_polyval",
    _polyval,
    inputs=("p", "x"),
    infer_shape=lambda in_shapes, attrs, out_shapes=None: (
        list(in_shapes),
        [in_shapes[1]],
    ),
    infer_type=_promote_type,
    same_dtype=False,
    doc="Evaluate the polynomial with coefficients ``p`` (highest first) at ``x``.",
)


# --------------------------------------------------------------------------- norm
def _float(x):
    return x if x.is_floating_point() else x.to(torch.float32)


def _norm(data, ord=2.0, axis=None, keepdims=False, flag=-1):
    x = _float(data)
    if flag == -2:  # flattened L2 norm
        res = torch.linalg.vector_norm(x)
        if keepdims:
            res = res.reshape((1,) * x.dim())
        return res
    if flag == -1 and axis is None and x.dim() == 2 and ord in (1, -1, 2, -2):
        # A 2-d input without axis: the matrix norm of that order (NumPy's rule).
        return torch.linalg.matrix_norm(x, ord=int(ord), dim=(0, 1), keepdim=keepdims)
    axes = norm_axes("_npi_norm", axis, x.dim())
    if flag == 1:  # Frobenius (or L2 over the axes)
        return torch.sqrt(torch.sum(x * x, dim=axes, keepdim=keepdims))
    if flag in (0, 2):
        if len(axes) != 2:
            raise MXNetError(
                f"Operator _npi_norm: matrix norms need 2 axes, got axis={axis}."
            )
        if flag == 2:
            res = torch.linalg.matrix_norm(x, ord="nuc", dim=axes, keepdim=keepdims)
        else:
            res = torch.linalg.matrix_norm(x, ord=int(ord), dim=axes, keepdim=keepdims)
        return res
    if flag == 3 or (flag == -1 and math.isinf(ord) and ord > 0):
        return torch.amax(torch.abs(x), dim=axes, keepdim=keepdims)
    if flag == 4 or (flag == -1 and math.isinf(ord)):
        return torch.amin(torch.abs(x), dim=axes, keepdim=keepdims)
    if ord == 0:
        return torch.sum((x != 0).to(x.dtype), dim=axes, keepdim=keepdims)
    return torch.linalg.vector_norm(x, ord=ord, dim=axes, keepdim=keepdims)


def _norm_type(in_types, attrs):
    t = in_types[0]
    if t is None:
        return in_types, [None]
    return in_types, [t if t in ("float16", "float32", "float64") else "float32"]


_reg(
    "_npi_norm",
    _norm,
    params=(
        P("ord", "float", 2.0, "Order of the norm."),
        P("axis", "axis", None, "Axis or two axes; None: every axis."),
        P("keepdims", "bool", False, "Keep reduced axes."),
        P(
            "flag",
            "int",
            -1,
            "-2 flat L2, -1 vector, 0 matrix 2-norm, 1 Frobenius, 2 nuclear.",
        ),
    ),
    infer_type=_norm_type,
    doc="Vector or matrix norm (``flag`` says which, as ``np.linalg.norm`` sets it).",
)


# --------------------------------------------------------------------------- decompositions
def _square(op: str, a) -> None:
    if a.dim() < 2 or a.shape[-1] != a.shape[-2]:
        raise MXNetError(
            f"Operator {op}: input must be square matrices (..., M, M), got shape "
            f"{tuple(a.shape)}."
        )


def _svd(A):
    if A.dim() < 2 or A.shape[-2] > A.shape[-1]:
        raise MXNetError(
            f"Operator _npi_svd: input of shape {tuple(A.shape)} must be (..., M, N) "
            "with M <= N (MXNet's gesvd); transpose the input first."
        )
    u, s, vh = torch.linalg.svd(A, full_matrices=False)
    return u, s, vh


def _inv(A):
    _square("_npi_inv", A)
    return torch.linalg.inv(A)


def _det(A):
    _square("_npi_det", A)
    return torch.linalg.det(A)


def _slogdet(A):
    _square("_npi_slogdet", A)
    sign, logabs = torch.linalg.slogdet(A)
    return sign, logabs


def _cholesky(A):
    _square("_npi_cholesky", A)
    return torch.linalg.cholesky(A)


def _solve(A, B):
    _square("_npi_solve", A)
    if B.dim() == A.dim() - 1:
        return torch.linalg.solve(A, B.unsqueeze(-1)).squeeze(-1)
    return torch.linalg.solve(A, B)


def _pinv(A, rcond, hermitian=False):
    return torch.linalg.pinv(A, rtol=rcond.to(A.dtype), hermitian=hermitian)


def _pinv_scalar(A, rcond=1e-15, hermitian=False):
    return torch.linalg.pinv(A, rtol=rcond, hermitian=hermitian)


def _eig_input(A):
    """Integer and bool matrices are decomposed in float64 (MXNet's result
    dtype for them; torch has no integer eigen solvers)."""
    return A if A.is_floating_point() else A.to(torch.float64)


def _eig_type(in_types, attrs):
    t = in_types[0]
    out = t if t in (None, "float16", "float32", "float64") else "float64"
    return in_types, [out]


def _eigh(A, UPLO="L"):
    _square("_npi_eigh", A)
    return torch.linalg.eigh(_eig_input(A), UPLO=UPLO)


def _eigvalsh(A, UPLO="L"):
    _square("_npi_eigvalsh", A)
    return torch.linalg.eigvalsh(_eig_input(A), UPLO=UPLO)


def _real(op: str, z):
    if bool((z.imag.abs() > 0).any()):
        raise MXNetError(
            f"Operator {op}: the result has complex values, which MXNet's np arrays "
            "cannot hold; use a symmetric matrix with eigh/eigvalsh."
        )
    return z.real


def _eig(A):
    _square("_npi_eig", A)
    w, v = torch.linalg.eig(_eig_input(A))
    return _real("_npi_eig", w), _real("_npi_eig", v)


def _eigvals(A):
    _square("_npi_eigvals", A)
    return _real("_npi_eigvals", torch.linalg.eigvals(_eig_input(A)))


def _tensorinv(a, ind=2):
    return torch.linalg.tensorinv(a, ind=ind)


def _tensorsolve(a, b, a_axes=()):
    """x with ``tensordot(a, x, b.ndim) == b``: ``a`` (its ``a_axes`` moved
    to the end) as a square matrix. x's shape is numpy's
    ``a.shape[-(a.ndim - b.ndim):]``, Python's slice included, so 0-d ``a`` or
    ``b`` (MXNet accepts them) give a 1 x 1 system."""
    if a_axes:
        a = torch.movedim(a, tuple(a_axes), tuple(range(-len(a_axes), 0)))
    x_shape = tuple(a.shape)[-(a.dim() - b.dim()) :]
    n = math.prod(x_shape)
    m = b.numel()
    if n != m or a.numel() != m * n:
        raise MXNetError(
            f"Operator _npi_tensorsolve: a of shape {tuple(a.shape)} is not a "
            f"square system for b of shape {tuple(b.shape)} (needs prod(x shape "
            f"{x_shape}) == b.size)."
        )
    x = torch.linalg.solve(a.reshape(m, n), b.reshape(m, 1).to(a.dtype))
    return x.reshape(x_shape)


_A = ("A",)
_UPLO = (P("UPLO", "str", "L", "Which triangle to use.", ("L", "U")),)
_reg(
    "_npi_svd",
    _svd,
    inputs=_A,
    num_outputs=3,
    output_names=("ut", "l", "v"),
    doc="Singular value decomposition ``A = UT @ diag(L) @ V`` (M <= N).",
)
_reg("_npi_inv", _inv, inputs=_A, doc="Inverse of square matrices.")
_reg("_npi_det", _det, inputs=_A, doc="Determinant of square matrices.")
_reg(
    "_npi_slogdet",
    _slogdet,
    inputs=_A,
    num_outputs=2,
    output_names=("sign", "logdet"),
    doc="Sign and log of the absolute determinant.",
)
_reg("_npi_cholesky", _cholesky, inputs=_A, doc="Lower Cholesky factor.")
_reg(
    "_npi_solve",
    _solve,
    inputs=("A", "B"),
    doc="Solve ``A @ X = B`` (B of shape (..., M) or (..., M, K)).",
)
_reg(
    "_npi_pinv",
    _pinv,
    inputs=("A", "rcond"),
    params=(P("hermitian", "bool", False, "A is Hermitian."),),
    doc="Pseudo-inverse with a per-matrix relative cutoff array ``rcond``.",
)
_reg(
    "_npi_pinv_scalar_rcond",
    _pinv_scalar,
    inputs=_A,
    params=(
        P("rcond", "float", 1e-15, "Relative cutoff for small singular values."),
        P("hermitian", "bool", False, "A is Hermitian."),
    ),
    doc="Pseudo-inverse with a scalar cutoff.",
)
_reg(
    "_npi_eigh",
    _eigh,
    inputs=_A,
    params=_UPLO,
    num_outputs=2,
    infer_type=lambda in_types, attrs: (in_types, _eig_type(in_types, attrs)[1] * 2),
    doc="Eigenvalues (ascending) and eigenvectors of symmetric matrices.",
)
_reg(
    "_npi_eigvalsh",
    _eigvalsh,
    inputs=_A,
    params=_UPLO,
    infer_type=_eig_type,
    doc="Eigenvalues of symmetric matrices.",
)
_reg(
    "_npi_eig",
    _eig,
    inputs=_A,
    num_outputs=2,
    infer_type=lambda in_types, attrs: (in_types, _eig_type(in_types, attrs)[1] * 2),
    doc="Eigenvalues and eigenvectors (real results only).",
)
_reg(
    "_npi_eigvals",
    _eigvals,
    inputs=_A,
    infer_type=_eig_type,
    doc="Eigenvalues (real results only).",
)
_reg(
    "_npi_tensorinv",
    _tensorinv,
    inputs=("a",),
    params=(P("ind", "int", 2, "Number of leading indices of the inverse product."),),
    doc="The inverse of an N-dimensional array for tensordot.",
)
_reg(
    "_npi_tensorsolve",
    _tensorsolve,
    inputs=("a", "b"),
    params=(P("a_axes", "shape", (), "Axes of a to move to the end first."),),
    doc="Solve ``tensordot(a, x, b.ndim) = b`` for x.",
)
