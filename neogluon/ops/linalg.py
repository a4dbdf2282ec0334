"""Operator family: matrix products (dot, batch_dot, linalg.gemm/gemm2).

Shape inference works in both directions: ``dot(x (4, 5), w (3, 0),
transpose_b=True)`` fills ``w`` to ``(3, 5)`` (MXNet 1.9.1 itself cannot).
"""

from __future__ import annotations

import torch

from .elemwise import fmt_shape
from .elemwise import merge_shapes
from .elemwise import out0
from .registry import OpDef
from .registry import P
from .registry import ShapeError
from .registry import meta_infer_shape
from .registry import register

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
        doc="Dot product: contracts the last axis of lhs with the first of rhs.",
    )
)


# --------------------------------------------------------------------------- batch_dot
def _t(x: torch.Tensor, flag: bool) -> torch.Tensor:
    return x.transpose(-1, -2) if flag else x


def _batch_dot(lhs, rhs, transpose_a=False, transpose_b=False, forward_stype=None):
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


def _gemm_infer(in_shapes, attrs, out_shapes=None):
    a, b, c = in_shapes
    o = merge_shapes(out0(out_shapes), c, "_linalg_gemm", "C and output")
    (a, b), (o,) = _matmul_infer(
        "_linalg_gemm",
        a,
        b,
        attrs.get("transpose_a", False),
        attrs.get("transpose_b", False),
        o,
    )
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
