"""Operator family: matrix products (dot, batch_dot, linalg.gemm/gemm2).

Shape inference works in both directions: ``dot(x (4, 5), w (3, 0),
transpose_b=True)`` fills ``w`` to ``(3, 5)`` (MXNet 1.9.1 itself cannot).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .._text import fmt_shape
from .elemwise import merge_shapes
from .elemwise import out0
from .registry import OpDef
from .registry import P
from .registry import ShapeError
from .registry import meta_infer_shape
from .registry import register
from .registry import shape_known

_STYPES = (None, "csr", "default", "row_sparse")


# --------------------------------------------------------------------------- dot
def _dot_split(shape, is_lhs: bool, transposed: bool):
    """``(free dims, contracted dim index)`` of one operand of ``dot``."""
    n = len(shape)
    if n == 1:
        return (), 0
    # lhs contracts its last axis (first if transposed); rhs its first (last).
    contract = (0 if transposed else n - 1) if is_lhs else (n - 1 if transposed else 0)
    free = tuple(d for i, d in enumerate(shape) if i != contract)
    return free, contract


def _dot_error(lhs, rhs, ta, tb) -> ShapeError:
    return ShapeError(
        f"Operator dot: shapes {fmt_shape(lhs)} x {fmt_shape(rhs)} "
        f"(transpose_a={ta}, transpose_b={tb}) do not match: the contracted axes "
        "must have the same size."
    )


def _dot(lhs, rhs, transpose_a=False, transpose_b=False, forward_stype=None):
    if lhs.dim() == 2 and rhs.dim() == 2:  # the common case, kept lean
        # torch.mm checks the inner dims; the frontend turns its error into one
        # naming the op and shapes (via _dot_infer).
        return torch.mm(
            lhs.t() if transpose_a else lhs, rhs.t() if transpose_b else rhs
        )
    lf, lc = _dot_split(lhs.shape, True, transpose_a)
    rf, rc = _dot_split(rhs.shape, False, transpose_b)
    if lhs.shape[lc] != rhs.shape[rc]:
        raise _dot_error(tuple(lhs.shape), tuple(rhs.shape), transpose_a, transpose_b)
    a = lhs.reshape(-1, 1) if lhs.dim() == 1 else lhs
    if lhs.dim() > 1:
        a = a.movedim(lc, -1).reshape(-1, lhs.shape[lc])
    else:
        a = a.reshape(1, -1)
    b = (
        rhs.reshape(-1, 1)
        if rhs.dim() == 1
        else rhs.movedim(rc, 0).reshape(rhs.shape[rc], -1)
    )
    out = a @ b
    shape = tuple(lf) + tuple(rf)
    return out.reshape(shape if shape else (1,))


def _plain_product(product: Callable) -> Callable:
    """A ``fast_kernel`` (no transpose, dense output): ``product``
    (``torch.mm``/``torch.bmm``) itself, whose inputs are the kernel's common
    case; what it refuses (another rank, a size mismatch) the frontend hands
    to the kernel, which computes MXNet's result or raises MXNet's error."""

    def make(attrs: dict) -> Callable | None:
        if attrs["transpose_a"] or attrs["transpose_b"] or attrs["forward_stype"]:
            return None
        return product

    return make


def _dot_infer(in_shapes, attrs, out_shapes=None):
    lhs, rhs = in_shapes
    ta, tb = attrs.get("transpose_a", False), attrs.get("transpose_b", False)
    o = out0(out_shapes)
    if lhs is None or rhs is None:
        return [lhs, rhs], [o if lhs is None or rhs is None else None]
    lf, lc = _dot_split(lhs, True, ta)
    rf, rc = _dot_split(rhs, False, tb)
    a, b = lhs[lc], rhs[rc]
    if a and b and a != b:
        raise _dot_error(lhs, rhs, ta, tb)
    k = a or b
    lhs = lhs[:lc] + (k,) + lhs[lc + 1 :]
    rhs = rhs[:rc] + (k,) + rhs[rc + 1 :]
    out = tuple(lf) + tuple(rf)
    if not out:
        out = (1,)
    elif o is not None:
        out = merge_shapes(out, o, "dot", "computed and given output")
        lf, rf = out[: len(lf)], out[len(lf) :]
        lhs = tuple(lf[:lc]) + (k,) + tuple(lf[lc:]) if len(lhs) > 1 else lhs
        rhs = tuple(rf[:rc]) + (k,) + tuple(rf[rc:]) if len(rhs) > 1 else rhs
    return [lhs, rhs], [out]


_DOT_PARAMS = (
    P("transpose_a", "bool", False, "Transpose lhs first."),
    P("transpose_b", "bool", False, "Transpose rhs first."),
    P("forward_stype", "str", None, "Output storage type (dense only).", _STYPES),
)

register(
    OpDef(
        "dot",
        _dot,
        inputs=("lhs", "rhs"),
        params=_DOT_PARAMS,
        infer_shape=_dot_infer,
        fast_kernel=_plain_product(torch.mm),
        doc="Dot product: contracts the last axis of lhs with the first of rhs.",
    )
)


# --------------------------------------------------------------------------- batch_dot
def _t(x: torch.Tensor, flag: bool) -> torch.Tensor:
    return x.transpose(-1, -2) if flag else x


def _batch_dot(lhs, rhs, transpose_a=False, transpose_b=False, forward_stype=None):
    if lhs.dim() == 3 and rhs.dim() == 3:  # the common case, kept lean
        try:
            return torch.bmm(
                lhs.transpose(1, 2) if transpose_a else lhs,
                rhs.transpose(1, 2) if transpose_b else rhs,
            )
        except RuntimeError:
            pass  # the checks below say what does not match
    if lhs.dim() < 3 or lhs.dim() != rhs.dim() or lhs.shape[:-2] != rhs.shape[:-2]:
        raise ShapeError(
            f"Operator batch_dot: inputs {tuple(lhs.shape)} and {tuple(rhs.shape)} "
            "must be arrays of rank >= 3 with the same leading (batch) dims."
        )
    a, b = _t(lhs, transpose_a), _t(rhs, transpose_b)
    if a.shape[-1] != b.shape[-2]:
        raise ShapeError(
            f"Operator batch_dot: shapes {tuple(lhs.shape)} x {tuple(rhs.shape)} "
            f"(transpose_a={transpose_a}, transpose_b={transpose_b}) do not match: "
            f"{a.shape[-1]} vs {b.shape[-2]} on the contracted axis."
        )
    return torch.matmul(a, b)


def _matmul_infer(op: str, lhs, rhs, ta: bool, tb: bool, o):
    """Batched ``op(lhs) @ op(rhs)`` inference on the trailing two axes."""
    if lhs is None or rhs is None:
        return [lhs, rhs], [None]
    if len(lhs) != len(rhs) or len(lhs) < 2:
        raise ShapeError(
            f"Operator {op}: inputs {fmt_shape(lhs)} and {fmt_shape(rhs)} must have "
            "the same rank (>= 2)."
        )
    batch = merge_shapes(lhs[:-2], rhs[:-2], op, "batch dims of lhs and rhs")
    lr, lk = (lhs[-1], lhs[-2]) if ta else (lhs[-2], lhs[-1])
    rk, rc = (rhs[-1], rhs[-2]) if tb else (rhs[-2], rhs[-1])
    if lk and rk and lk != rk:
        raise ShapeError(
            f"Operator {op}: shapes {fmt_shape(lhs)} x {fmt_shape(rhs)} "
            f"(transpose_a={ta}, transpose_b={tb}) do not match: {lk} vs {rk} on "
            "the contracted axis."
        )
    k = lk or rk
    out = batch + (lr, rc)
    if o is not None:
        out = merge_shapes(out, o, op, "computed and given output")
        batch, lr, rc = out[:-2], out[-2], out[-1]
    new_l = batch + ((k, lr) if ta else (lr, k))
    new_r = batch + ((rc, k) if tb else (k, rc))
    return [new_l, new_r], [out]


def _batch_dot_infer(in_shapes, attrs, out_shapes=None):
    lhs, rhs = in_shapes
    return _matmul_infer(
        "batch_dot",
        lhs,
        rhs,
        attrs.get("transpose_a", False),
        attrs.get("transpose_b", False),
        out0(out_shapes),
    )


register(
    OpDef(
        "batch_dot",
        _batch_dot,
        inputs=("lhs", "rhs"),
        params=_DOT_PARAMS,
        infer_shape=_batch_dot_infer,
        fast_kernel=_plain_product(torch.bmm),
        doc="Batched matrix product over the trailing two axes.",
    )
)


# --------------------------------------------------------------------------- gemm
def _rows_last2(x: torch.Tensor, axis: int) -> torch.Tensor:
    """Move the row axis ``axis`` to position -2 (MXNet's ``axis`` attr)."""
    ax = axis % x.dim()
    return x if ax == x.dim() - 2 else x.movedim(ax, -2)


def _gemm2(A, B, transpose_a=False, transpose_b=False, alpha=1.0, axis=-2):
    a, b = _rows_last2(A, axis), _rows_last2(B, axis)
    out = alpha * torch.matmul(_t(a, transpose_a), _t(b, transpose_b))
    ax = axis % A.dim()
    return out if ax == A.dim() - 2 else out.movedim(-2, ax)


def _gemm(A, B, C, transpose_a=False, transpose_b=False, alpha=1.0, beta=1.0, axis=-2):
    return _gemm2(A, B, transpose_a, transpose_b, alpha, axis) + beta * C


def _gemm2_infer(in_shapes, attrs, out_shapes=None):
    a, b = in_shapes
    rank = len(a) if a is not None else len(b) if b is not None else 2
    if attrs.get("axis", -2) % rank != rank - 2:
        return meta_infer_shape(_GEMM2, in_shapes, attrs)
    ta, tb = attrs.get("transpose_a", False), attrs.get("transpose_b", False)
    return _matmul_infer("_linalg_gemm2", a, b, ta, tb, out0(out_shapes))


def _move_dim(shape, src: int, dst: int):
    """``shape`` (a tuple or None) with dim ``src`` moved to ``dst``."""
    if shape is None:
        return None
    dims = list(shape)
    dims.insert(dst, dims.pop(src))
    return tuple(dims)


def _gemm_infer(in_shapes, attrs, out_shapes=None):
    a, b, c = in_shapes
    o = merge_shapes(out0(out_shapes), c, "_linalg_gemm", "C and output")
    known = next((s for s in (a, b, o) if s is not None), None)
    rank = len(known) if known is not None else 2
    ax = attrs.get("axis", -2)
    if not -rank <= ax < rank:
        raise ShapeError(
            f"Operator _linalg_gemm: axis={ax} is out of range for inputs of rank "
            f"{rank}."
        )
    ax %= rank
    # The row axis ``axis`` is moved to -2 (as the kernel does), the shapes
    # inferred as a batched matmul, and the axis moved back.
    a, b, o = (_move_dim(s, ax, rank - 2) for s in (a, b, o))
    (a, b), (o,) = _matmul_infer(
        "_linalg_gemm",
        a,
        b,
        attrs.get("transpose_a", False),
        attrs.get("transpose_b", False),
        o,
    )
    a, b, o = (_move_dim(s, rank - 2, ax) for s in (a, b, o))
    return [a, b, o], [o]


_GEMM_PARAMS = (
    P("transpose_a", "bool", False, "Transpose A."),
    P("transpose_b", "bool", False, "Transpose B."),
    P("alpha", "float", 1.0, "Scale of the product."),
)
_GEMM2 = register(
    OpDef(
        "_linalg_gemm2",
        _gemm2,
        inputs=("A", "B"),
        params=_GEMM_PARAMS + (P("axis", "int", -2, "Axis of the matrix rows."),),
        infer_shape=_gemm2_infer,
        aliases=("linalg_gemm2",),
        doc="``alpha * op(A) @ op(B)`` batched over leading axes.",
    )
)
register(
    OpDef(
        "_linalg_gemm",
        _gemm,
        inputs=("A", "B", "C"),
        params=_GEMM_PARAMS
        + (
            P("beta", "float", 1.0, "Scale of C."),
            P("axis", "int", -2, "Axis of the matrix rows."),
        ),
        infer_shape=_gemm_infer,
        aliases=("linalg_gemm",),
        doc="``alpha * op(A) @ op(B) + beta * C`` batched over leading axes.",
    )
)


# =========================================================================== more linalg
# Batched factorizations and triangular ops over the trailing two axes, plus the
# top-level ``diag``, ``cumsum`` (``_np_cumsum``), ``_histogram``,
# ``unravel_index``/``ravel_multi_index`` and ``khatri_rao``. Results of rank 0
# (a single matrix reduced to a scalar) have MXNet's shape ``(1,)``.
def _at_least_1d(x: torch.Tensor) -> torch.Tensor:
    return x.reshape(1) if x.dim() == 0 else x


def _square(op: str, A: torch.Tensor) -> None:
    if A.dim() < 2 or A.shape[-1] != A.shape[-2]:
        raise ShapeError(
            f"Operator {op}: input {tuple(A.shape)} must be a (batch of) square "
            "matrices on the trailing two axes, shape (..., n, n)."
        )


def _square_infer(op: str, out_fn):
    """Rule for ops over square matrices; ``out_fn(batch, n) -> out shapes``."""

    def infer(in_shapes, attrs, out_shapes=None):
        (a,) = in_shapes
        if a is None:
            return [a], out_fn(None, 0)
        if len(a) < 2:
            raise ShapeError(
                f"Operator {op}: input {fmt_shape(a)} must have rank >= 2 "
                "(a batch of square matrices)."
            )
        n = a[-1] or a[-2]
        if a[-1] and a[-2] and a[-1] != a[-2]:
            raise ShapeError(
                f"Operator {op}: input {fmt_shape(a)} must be square on the "
                "trailing two axes."
            )
        a = tuple(a[:-2]) + (n, n)
        return [a], out_fn(tuple(a[:-2]), n)

    return infer


def _same_sq(batch, n):
    return [None if batch is None else batch + (n, n)]


def _reduced_sq(k: int):
    def out(batch, n):
        s = None if batch is None else (batch or (1,))
        return [s] * k

    return out


def _potrf(A, lower=True):
    _square("_linalg_potrf", A)
    L = torch.linalg.cholesky(_sym_lower(A))
    # lower=False: the upper factor U = L^T with A = U^T U (MXNet's LAPACK).
    return L if lower else L.mT


def _sym_lower(A):
    """The symmetric matrix MXNet's LAPACK calls see: the lower triangle mirrored.

    Written so that the gradient comes out symmetric, as MXNet's does.
    """
    return 0.5 * (A + A.mT)


def _potri(A, lower=True):
    _square("_linalg_potri", A)
    # A is the lower factor L (or the upper U = L^T); the result (L L^T)^-1.
    return torch.cholesky_inverse(torch.tril(A) if lower else torch.triu(A).mT)


def _tri(A, lower):
    return torch.tril(A) if lower else torch.triu(A)


def _trsm(A, B, transpose=False, rightside=False, lower=True, alpha=1.0):
    _square("_linalg_trsm", A)
    a = _tri(A, lower)
    upper = not lower
    if transpose:
        a, upper = a.mT, lower
    return torch.linalg.solve_triangular(a, alpha * B, upper=upper, left=not rightside)


def _trmm(A, B, transpose=False, rightside=False, lower=True, alpha=1.0):
    _square("_linalg_trmm", A)
    a = _tri(A, lower)
    if transpose:
        a = a.mT
    return alpha * (torch.matmul(B, a) if rightside else torch.matmul(a, B))


def _tri_infer(op: str):
    def infer(in_shapes, attrs, out_shapes=None):
        a, b = in_shapes
        o = merge_shapes(out0(out_shapes), b, op, "B and output")
        if a is not None and len(a) >= 2:
            n = a[-1] or a[-2]
            a = tuple(a[:-2]) + (n, n)
            if o is not None:
                if len(o) != len(a):
                    raise ShapeError(
                        f"Operator {op}: A {fmt_shape(a)} and B {fmt_shape(o)} must "
                        "have the same rank."
                    )
                ax = -1 if attrs.get("rightside") else -2
                k = merge_shapes((n,), (o[ax],), op, "matrix size of A and B")[0]
                batch = merge_shapes(a[:-2], o[:-2], op, "batch dims of A and B")
                a = batch + (k, k)
                o = list(batch + o[-2:])
                o[ax] = k
                o = tuple(o)
        return [a, o], [o]

    return infer


_CHOL_PARAMS = (
    P("lower", "bool", True, "Lower (True) or upper (False) Cholesky factor."),
)
_TRI_PARAMS = (
    P("transpose", "bool", False, "Use the transposed triangular matrix."),
    P("rightside", "bool", False, "Multiply the triangular matrix from the right."),
    P("lower", "bool", True, "A is lower (True) or upper (False) triangular."),
    P("alpha", "float", 1.0, "Scale of the result."),
)
register(
    OpDef(
        "_linalg_potrf",
        _potrf,
        inputs=("A",),
        params=_CHOL_PARAMS,
        infer_shape=_square_infer("_linalg_potrf", _same_sq),
        aliases=("linalg_potrf",),
        doc="Cholesky factor L (lower) of symmetric positive-definite A = L L^T.",
    )
)
register(
    OpDef(
        "_linalg_potri",
        _potri,
        inputs=("A",),
        params=_CHOL_PARAMS,
        infer_shape=_square_infer("_linalg_potri", _same_sq),
        aliases=("linalg_potri",),
        doc="Inverse of L L^T from its lower Cholesky factor L.",
    )
)
register(
    OpDef(
        "_linalg_trsm",
        _trsm,
        inputs=("A", "B"),
        params=_TRI_PARAMS,
        infer_shape=_tri_infer("_linalg_trsm"),
        aliases=("linalg_trsm",),
        doc="Solve op(A) X = alpha B (or X op(A) = alpha B) for triangular A.",
    )
)
register(
    OpDef(
        "_linalg_trmm",
        _trmm,
        inputs=("A", "B"),
        params=_TRI_PARAMS,
        infer_shape=_tri_infer("_linalg_trmm"),
        aliases=("linalg_trmm",),
        doc="alpha op(A) B (or alpha B op(A)) with the triangle of A.",
    )
)


def _syrk(A, transpose=False, alpha=1.0):
    return alpha * (torch.matmul(A.mT, A) if transpose else torch.matmul(A, A.mT))


def _syrk_infer(in_shapes, attrs, out_shapes=None):
    (a,) = in_shapes
    if a is None or len(a) < 2:
        return [a], [None]
    n = a[-1] if attrs.get("transpose") else a[-2]
    return [a], [tuple(a[:-2]) + (n, n)]


register(
    OpDef(
        "_linalg_syrk",
        _syrk,
        inputs=("A",),
        params=(
            P("transpose", "bool", False, "Compute A^T A instead of A A^T."),
            P("alpha", "float", 1.0, "Scale of the result."),
        ),
        infer_shape=_syrk_infer,
        aliases=("linalg_syrk",),
        doc="alpha A A^T (or alpha A^T A).",
    )
)


def _sumlogdiag(A):
    _square("_linalg_sumlogdiag", A)
    return _at_least_1d(torch.log(torch.diagonal(A, 0, -2, -1)).sum(-1))


def _inverse(A):
    _square("_linalg_inverse", A)
    return torch.linalg.inv(A)


def _det(A):
    _square("_linalg_det", A)
    return _at_least_1d(torch.linalg.det(A))


def _slogdet(A):
    _square("_linalg_slogdet", A)
    sign, logabs = torch.linalg.slogdet(A)
    return _at_least_1d(sign.detach()), _at_least_1d(logabs)


for _name, _fn, _out, _n, _g, _doc in (
    ("_linalg_sumlogdiag", _sumlogdiag, _reduced_sq(1), 1, None, "Sum of log(diag)."),
    ("_linalg_inverse", _inverse, _same_sq, 1, None, "Matrix inverse."),
    # MXNet keeps the LU factors and pivots as hidden outputs.
    ("_linalg_det", _det, _reduced_sq(1), 1, 3, "Determinant."),
    (
        "_linalg_slogdet",
        _slogdet,
        _reduced_sq(2),
        2,
        4,
        "Sign and log of the absolute determinant.",
    ),
):
    register(
        OpDef(
            _name,
            _fn,
            inputs=("A",),
            num_outputs=_n,
            num_total_outputs=_g,
            infer_shape=_square_infer(_name, _out),
            aliases=(_name[1:],),
            doc=_doc,
        )
    )


# --------------------------------------------------------------------------- diag/trian
_OFFSET = P("offset", "int", 0, "Diagonal offset (>0 above, <0 below the main one).")
_LOWER = P("lower", "bool", True, "Lower (True) or upper triangle (offset 0 only).")


def _extractdiag(A, offset=0):
    return torch.diagonal(A, offset, -2, -1)


def _makediag(A, offset=0):
    return torch.diag_embed(A, offset, -2, -1)


def _trian_indices(n: int, offset: int, lower: bool, device):
    """Row-major lower-triangle indices; the upper triangle is read column-major."""
    upper = offset > 0 or (offset == 0 and not lower)
    off = -offset if upper else offset
    rows, cols = torch.tril_indices(n, n, off, device=device)
    return (cols, rows) if upper else (rows, cols)


def _extracttrian(A, offset=0, lower=True):
    _square("_linalg_extracttrian", A)
    r, c = _trian_indices(A.shape[-1], offset, lower, A.device)
    return A[..., r, c]


def _trian_size(op: str, length: int, offset: int) -> int:
    m = int(round(((8 * length + 1) ** 0.5 - 1) / 2))
    if m * (m + 1) // 2 != length:
        raise ShapeError(
            f"Operator {op}: last axis length {length} is not a triangular number "
            "m*(m+1)/2, so it cannot hold a triangle."
        )
    return m + abs(offset)


def _maketrian(A, offset=0, lower=True):
    n = _trian_size("_linalg_maketrian", A.shape[-1], offset)
    r, c = _trian_indices(n, offset, lower, A.device)
    out = A.new_zeros(tuple(A.shape[:-1]) + (n, n))
    return _scatter_trian(out, A, r, c)


def _scatter_trian(out, A, r, c):
    n = out.shape[-1]
    flat = out.reshape(out.shape[:-2] + (n * n,))
    idx = (r * n + c).expand(A.shape)
    return flat.scatter(-1, idx, A).reshape(out.shape)


def _extracttrian_infer(in_shapes, attrs, out_shapes=None):
    (a,) = in_shapes
    if not shape_known(a) or len(a) < 2:
        return [a], [None]
    n, k = a[-1], abs(attrs.get("offset", 0))
    m = n - k
    return [a], [tuple(a[:-2]) + (m * (m + 1) // 2,)]


def _maketrian_infer(in_shapes, attrs, out_shapes=None):
    (a,) = in_shapes
    if not shape_known(a):
        return [a], [None]
    n = _trian_size("_linalg_maketrian", a[-1], attrs.get("offset", 0))
    return [a], [tuple(a[:-1]) + (n, n)]


def _extractdiag_infer(in_shapes, attrs, out_shapes=None):
    (a,) = in_shapes
    if not shape_known(a) or len(a) < 2:
        return [a], [None]
    k = attrs.get("offset", 0)
    return [a], [tuple(a[:-2]) + (max(0, a[-1] - abs(k)),)]


def _makediag_infer(in_shapes, attrs, out_shapes=None):
    (a,) = in_shapes
    if a is None or not a or not a[-1]:
        return [a], [None]
    n = a[-1] + abs(attrs.get("offset", 0))
    return [a], [tuple(a[:-1]) + (n, n)]


for _name, _fn, _params, _inf, _doc in (
    (
        "_linalg_extractdiag",
        _extractdiag,
        (_OFFSET,),
        _extractdiag_infer,
        "Diagonal of square matrices.",
    ),
    (
        "_linalg_makediag",
        _makediag,
        (_OFFSET,),
        _makediag_infer,
        "Square matrices with the input on a diagonal.",
    ),
    (
        "_linalg_extracttrian",
        _extracttrian,
        (_OFFSET, _LOWER),
        _extracttrian_infer,
        "A triangle of square matrices as a vector.",
    ),
    (
        "_linalg_maketrian",
        _maketrian,
        (_OFFSET, _LOWER),
        _maketrian_infer,
        "Triangular matrices from their packed triangle.",
    ),
):
    register(
        OpDef(
            _name,
            _fn,
            inputs=("A",),
            params=_params,
            infer_shape=_inf,
            aliases=(_name[1:],),
            doc=_doc,
        )
    )


# --------------------------------------------------------------------------- gelqf/syevd
def _gelqf(A):
    if A.dim() < 2 or A.shape[-2] > A.shape[-1]:
        raise ShapeError(
            f"Operator _linalg_gelqf: input {tuple(A.shape)} must be (..., m, n) "
            "with m <= n."
        )
    # LQ of A is the QR of A^T with the same Householder reflections (and signs).
    q, r = torch.linalg.qr(A.mT, mode="reduced")
    return q.mT, r.mT


def _syevd(A):
    _square("_linalg_syevd", A)
    w, v = torch.linalg.eigh(_sym_lower(A))
    u = v.mT
    # Sign convention: each eigenvector's largest-magnitude entry is positive.
    idx = u.abs().argmax(-1, keepdim=True)
    s = torch.sign(torch.gather(u, -1, idx))
    s = torch.where(s == 0, torch.ones_like(s), s)
    return u * s, w


def _gelqf_infer(in_shapes, attrs, out_shapes=None):
    (a,) = in_shapes
    if a is None or len(a) < 2:
        return [a], [None, None]
    return [a], [a, tuple(a[:-2]) + (a[-2], a[-2])]


register(
    OpDef(
        "_linalg_gelqf",
        _gelqf,
        inputs=("A",),
        num_outputs=2,
        infer_shape=_gelqf_infer,
        aliases=("linalg_gelqf",),
        doc="LQ factorization A = L Q (Q with orthonormal rows); returns (Q, L).",
    )
)
register(
    OpDef(
        "_linalg_syevd",
        _syevd,
        inputs=("A",),
        num_outputs=2,
        infer_shape=_square_infer(
            "_linalg_syevd",
            lambda b, n: [None, None] if b is None else [b + (n, n), b + (n,)],
        ),
        doc="Eigendecomposition A = U^T diag(L) U of symmetric A; returns (U, L).",
    )
)


# --------------------------------------------------------------------------- top level
def _diag(data, k=0, axis1=0, axis2=1):
    if data.dim() == 1:
        return torch.diag_embed(data, k, 0, 1)
    out = torch.diagonal(data, k, axis1, axis2)
    if out.shape[-1] == 0:
        raise ShapeError(
            f"Operator diag: diagonal k={k} does not exist in input "
            f"{tuple(data.shape)} (axes {axis1}, {axis2})."
        )
    return out


register(
    OpDef(
        "diag",
        _diag,
        params=(
            P("k", "int", 0, "Diagonal (>0 above, <0 below the main one)."),
            P("axis1", "int", 0, "First axis of the 2-D sub-arrays."),
            P("axis2", "int", 1, "Second axis of the 2-D sub-arrays."),
        ),
        doc="Diagonal of an array, or a diagonal matrix from a 1-D array.",
    )
)

_CUMSUM_DTYPES = (None, "float16", "float32", "float64", "int32", "int64", "int8")


def _cumsum(a, axis=None, dtype=None):
    from .._dtypes import to_torch_dtype

    x = a.reshape(-1) if axis is None else a
    td = to_torch_dtype(dtype) if dtype else a.dtype
    dim = 0 if axis is None else axis
    if td == torch.float16 and x.dim() and x.shape[dim] > 1:
        return _cumsum_half(x.to(td), dim)
    return torch.cumsum(x, dim, dtype=td)


def _cumsum_half(x: torch.Tensor, dim: int) -> torch.Tensor:
    """float16 running sums rounded to float16 at every step, as MXNet's
    kernel and numpy accumulate (torch accumulates in float32, which differs
    in the last bits)."""
    parts = list(x.unbind(dim))
    for i in range(1, len(parts)):
        parts[i] = parts[i - 1] + parts[i]
    return torch.stack(parts, dim)


def _cumsum_type(in_types, attrs):
    return in_types, [attrs.get("dtype") or in_types[0]]


register(
    OpDef(
        "_np_cumsum",
        _cumsum,
        inputs=("a",),
        params=(
            P("axis", "axis", None, "Axis (None: the flattened array)."),
            P("dtype", "dtype", None, "Result and accumulator dtype.", _CUMSUM_DTYPES),
        ),
        infer_type=_cumsum_type,
        aliases=("cumsum",),
        doc="Cumulative sum along an axis.",
    )
)


def _histogram(data, bins=None, bin_cnt=None, range=None):  # noqa: A002 - MXNet name
    x = data.reshape(-1)
    if bin_cnt is not None:
        if range is None:
            raise ValueError(
                "Operator _histogram: bin_cnt needs range=(low, high); pass range "
                "or give the bin edges as the 'bins' input."
            )
        lo, hi = float(range[0]), float(range[1])
        # lo + i * (hi - lo) / n as MXNet computes it (exact 0 at the middle;
        # torch.linspace interpolates from both ends).
        steps = torch.arange(bin_cnt + 1, dtype=torch.float64)
        edges = lo + steps * (hi - lo) / bin_cnt
        edges = edges.to(device=x.device, dtype=x.dtype)
        xf = x.to(torch.float64)
        keep = (xf >= lo) & (xf <= hi)
        idx = ((xf - lo) * (bin_cnt / (hi - lo))).floor().to(torch.int64)
        idx = idx.clamp(0, bin_cnt - 1)
        counts = torch.zeros(bin_cnt, dtype=torch.int64, device=x.device)
        counts.index_add_(0, idx[keep], torch.ones_like(idx[keep]))
        return counts, edges
    if bins is None:
        raise ValueError(
            "Operator _histogram: give bin_cnt and range, or the bin edges as input."
        )
    n = bins.numel() - 1
    keep = (x >= bins[0]) & (x <= bins[-1])
    idx = (torch.searchsorted(bins, x, right=True) - 1).clamp(0, n - 1)
    counts = torch.zeros(n, dtype=torch.int64, device=x.device)
    counts.index_add_(0, idx[keep], torch.ones_like(idx[keep]))
    return counts, bins.clone()


def _histogram_type(in_types, attrs):
    return in_types, ["int64", in_types[0]]


def _histogram_infer(in_shapes, attrs, out_shapes=None):
    n = attrs.get("bin_cnt")
    if n is not None:
        return in_shapes, [(n,), (n + 1,)]
    b = in_shapes[1] if len(in_shapes) > 1 else None
    if b is None or not b[0]:
        return in_shapes, [None, b]
    return in_shapes, [(b[0] - 1,), b]


register(
    OpDef(
        "_histogram",
        _histogram,
        inputs=("data", "bins"),
        params=(
            P("bin_cnt", "int", None, "Number of equal-width bins."),
            P("range", "floats", None, "(low, high) of the bins."),
        ),
        num_outputs=2,
        present_inputs=lambda a: (
            ("data",)
            if a.get("bin_cnt") is not None
            else (
                "data",
                "bins",
            )
        ),
        infer_shape=_histogram_infer,
        infer_type=_histogram_type,
        dtype_free_inputs=("bins",),
        doc="Histogram counts (int64) and bin edges of the flattened data.",
    )
)


def _unravel_index(data, shape=None):
    idx = data.to(torch.int64)
    outs = []
    for d in reversed(shape[1:]):
        outs.append(torch.remainder(idx, d))
        idx = torch.div(idx, d, rounding_mode="floor")
    # The leading coordinate is what remains, unbounded as in MXNet (so a
    # leading -1 "any size" works; 50 in (6, 7) gives (7, 1)).
    outs.append(idx)
    return torch.stack(outs[::-1]).to(data.dtype)


def _ravel_multi_index(data, shape=None):
    if data.shape[0] != len(shape):
        raise ShapeError(
            f"Operator ravel_multi_index: data {tuple(data.shape)} must have "
            f"len(shape)={len(shape)} rows (one per axis of shape={shape})."
        )
    idx = data.to(torch.int64)
    out = torch.zeros(data.shape[1:], dtype=torch.int64, device=data.device)
    for i, d in enumerate(shape):
        out = out * d + idx[i]
    return out.to(data.dtype)


def _unravel_infer(in_shapes, attrs, out_shapes=None):
    (s,) = in_shapes
    return [s], [None if s is None else (len(attrs["shape"]),) + tuple(s)]


def _ravel_infer(in_shapes, attrs, out_shapes=None):
    (s,) = in_shapes
    return [s], [None if s is None else tuple(s[1:])]


_INDEX_SHAPE = (P("shape", "shape", None, "Shape of the indexed array."),)
register(
    OpDef(
        "_unravel_index",
        _unravel_index,
        params=_INDEX_SHAPE,
        infer_shape=_unravel_infer,
        aliases=("unravel_index",),
        doc="Flat indices to a (len(shape), ...) array of multi-indices.",
    )
)
register(
    OpDef(
        "_ravel_multi_index",
        _ravel_multi_index,
        params=_INDEX_SHAPE,
        infer_shape=_ravel_infer,
        aliases=("ravel_multi_index",),
        doc="Multi-indices (one row per axis) to flat indices.",
    )
)


def _khatri_rao(*args, num_args=None):
    out = args[0]
    for m in args[1:]:
        if m.shape[1] != out.shape[1]:
            raise ShapeError(
                "Operator khatri_rao: all matrices need the same number of columns; "
                f"got {[tuple(a.shape) for a in args]}."
            )
        out = (out.unsqueeze(1) * m.unsqueeze(0)).reshape(-1, out.shape[1])
    return out


def _khatri_rao_infer(in_shapes, attrs, out_shapes=None):
    if any(s is None for s in in_shapes):
        return in_shapes, [None]
    rows = 1
    for s in in_shapes:
        rows *= s[0]
    return in_shapes, [(rows, in_shapes[0][1])]


register(
    OpDef(
        "khatri_rao",
        _khatri_rao,
        inputs=("args",),
        variadic=True,
        num_args_attr="num_args",
        params=(P("num_args", "int", None, "Number of input matrices."),),
        infer_shape=_khatri_rao_infer,
        doc="Column-wise Kronecker product of matrices with equal column counts.",
    )
)
