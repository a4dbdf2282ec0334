"""Operator family: indexing (take, pick, one_hot, gather_nd, topk, sort, ...).

Index inputs may be float arrays (MXNet's default dtype); they are truncated to
integers. Index-producing ops return float32 by default (``topk``, ``argsort``).
"""

from __future__ import annotations

import torch

from .._dtypes import to_torch_dtype
from ..base import MXNetError
from .elemwise import merge_shapes
from .registry import REQUIRED
from .registry import OpDef
from .registry import P
from .registry import ShapeError
from .registry import register
from .shape import _norm_axis


class IndexOutOfBoundsError(MXNetError, IndexError):
    """An index outside its axis (MXNet raises Python's IndexError for it)."""


def _as_index(t: torch.Tensor) -> torch.Tensor:
    return t if t.dtype == torch.int64 else t.to(torch.int64)


def _apply_mode(op: str, idx: torch.Tensor, n: int, mode: str) -> torch.Tensor:
    if mode == "wrap":
        return torch.remainder(idx, n)
    if mode == "raise":
        bad = (idx < 0) | (idx >= n)
        if bool(bad.any()):
            raise ShapeError(
                f"Operator {op}: index {int(idx[bad][0])} is out of range for an "
                f"axis of size {n} (mode='raise'); use mode='clip' or 'wrap'."
            )
        return idx
    return torch.clamp(idx, 0, n - 1)


def _take(a, indices, axis=0, mode="clip"):
    ax = _norm_axis("take", axis, a.dim())
    idx = _apply_mode("take", _as_index(indices), a.shape[ax], mode)
    out = torch.index_select(a, ax, idx.reshape(-1))
    return out.reshape(a.shape[:ax] + indices.shape + a.shape[ax + 1 :])


register(
    OpDef(
        "take",
        _take,
        inputs=("a", "indices"),
        params=(
            P("axis", "int", 0, "Axis to take along."),
            P("mode", "str", "clip", "Out-of-range rule.", ("clip", "raise", "wrap")),
        ),
        dtype_free_inputs=("indices",),
        doc="Gather slices of ``a`` along ``axis`` at ``indices``.",
    )
)


def _pick(data, index, axis=-1, keepdims=False, mode="clip"):
    if axis is None:
        raise ShapeError(
            "Operator pick: axis=None is not supported by neogluon; pass an axis."
        )
    ax = _norm_axis("pick", axis, data.dim())
    idx = _apply_mode("pick", _as_index(index), data.shape[ax], mode)
    expect = data.shape[:ax] + data.shape[ax + 1 :]
    if tuple(idx.shape) == tuple(expect):
        idx = idx.unsqueeze(ax)
    elif idx.dim() != data.dim() or idx.shape[ax] != 1:
        raise ShapeError(
            f"Operator pick: index shape {tuple(index.shape)} must be {tuple(expect)} "
            f"(data {tuple(data.shape)} without axis {ax})."
        )
    out = torch.gather(data, ax, idx)
    if keepdims:
        return out
    out = out.squeeze(ax)
    # MXNet's legacy shapes: picking from 1-D data gives (1,), never ().
    return out.reshape(1) if out.dim() == 0 else out


def _pick_infer(in_shapes, attrs, out_shapes=None):
    data, index = in_shapes
    out = out_shapes[0] if out_shapes else None
    axis, keep = attrs["axis"], attrs["keepdims"]
    if data is None or axis is None:
        return [data, index], [out]
    ax = _norm_axis("pick", axis, len(data))

    def reduced(s):
        r = (*s[:ax], 1, *s[ax + 1 :]) if keep else (*s[:ax], *s[ax + 1 :])
        return r or (1,)

    o = reduced(data)
    for other, what in ((out, "output"), (index, "index")):
        if other is not None and len(other) == len(o):
            o = merge_shapes(o, other, "pick", f"data without axis {ax} and {what}")
    if keep or len(data) > 1:
        back = list(o)
        if not keep:
            back.insert(ax, 0)
        back[ax] = data[ax]
        data = merge_shapes(data, tuple(back), "pick", "data")
    if index is None or len(index) == len(o):
        index = o
    return [data, index], [o]


register(
    OpDef(
        "pick",
        _pick,
        inputs=("data", "index"),
        params=(
            P("axis", "axis", -1, "Axis to pick along."),
            P("keepdims", "bool", False, "Keep the picked axis as size 1."),
            P("mode", "str", "clip", "Out-of-range rule.", ("clip", "wrap")),
        ),
        dtype_free_inputs=("index",),
        infer_shape=_pick_infer,
        doc="Pick one element per position along ``axis``: ``data[..., index, ...]``.",
    )
)

_ONE_HOT_DTYPES = (
    "bfloat16",
    "float16",
    "float32",
    "float64",
    "int32",
    "int64",
    "int8",
    "uint8",
)


def _one_hot(indices, depth, on_value=1.0, off_value=0.0, dtype="float32"):
    td = to_torch_dtype(dtype)
    idx = _as_index(indices)
    valid = (idx >= 0) & (idx < depth)
    out = torch.full(
        tuple(indices.shape) + (depth,), off_value, dtype=td, device=idx.device
    )
    if depth == 0:  # an empty last axis (MXNet allows depth=0)
        return out
    pos = torch.where(valid, idx, torch.zeros_like(idx)).unsqueeze(-1)
    on = torch.where(
        valid.unsqueeze(-1),
        torch.tensor(on_value, dtype=td, device=idx.device),
        torch.tensor(off_value, dtype=td, device=idx.device),
    )
    return out.scatter(-1, pos, on)


def _one_hot_infer(in_shapes, attrs, out_shapes=None):
    (s,) = in_shapes
    return [s], [None if s is None else tuple(s) + (attrs["depth"],)]


def _one_hot_type(in_types, attrs):
    return in_types, [attrs.get("dtype") or "float32"]


register(
    OpDef(
        "one_hot",
        _one_hot,
        inputs=("indices",),
        params=(
            P("depth", "int", REQUIRED, "Number of classes."),
            P("on_value", "float", 1.0, "Value at the index."),
            P("off_value", "float", 0.0, "Value elsewhere."),
            P("dtype", "dtype", "float32", "Output dtype.", _ONE_HOT_DTYPES),
        ),
        infer_shape=_one_hot_infer,
        infer_type=_one_hot_type,
        dtype_free_inputs=("indices",),
        doc="One-hot encoding (out-of-range indices give all ``off_value``).",
    )
)


def _gather_nd(data, indices):
    idx = _as_index(indices)
    m = idx.shape[0]
    if m > data.dim():
        raise ShapeError(
            f"Operator gather_nd: indices {tuple(indices.shape)} index {m} axes but "
            f"data {tuple(data.shape)} has only {data.dim()}."
        )
    for i in range(m):
        size = data.shape[i]
        bad = (idx[i] < -size) | (idx[i] >= size)
        if bool(bad.any()):
            raise IndexOutOfBoundsError(
                f"Operator gather_nd: index {int(idx[i][bad].reshape(-1)[0])} is out "
                f"of bounds for axis {i} with size {size} (data "
                f"{tuple(data.shape)}); indices must be in [-{size}, {size})."
            )
    return data[tuple(idx[i] for i in range(m))]


register(
    OpDef(
        "gather_nd",
        _gather_nd,
        inputs=("data", "indices"),
        dtype_free_inputs=("indices",),
        doc="``out[i..] = data[indices[0, i..], indices[1, i..], ...]``.",
    )
)


def _scatter_nd(data, indices, shape):
    idx = _as_index(indices)
    out = torch.zeros(tuple(shape), dtype=data.dtype, device=data.device)
    return out.index_put(tuple(idx[i] for i in range(idx.shape[0])), data)


def _scatter_nd_infer(in_shapes, attrs, out_shapes=None):
    return list(in_shapes), [tuple(attrs["shape"])]


register(
    OpDef(
        "scatter_nd",
        _scatter_nd,
        inputs=("data", "indices"),
        params=(P("shape", "shape", REQUIRED, "Output shape."),),
        infer_shape=_scatter_nd_infer,
        dtype_free_inputs=("indices",),
        doc="Inverse of gather_nd: zeros of ``shape`` with ``data`` at ``indices``.",
    )
)


def _batch_take(a, indices):
    n = a.shape[0]
    flat = a.reshape(n, -1)
    idx = torch.clamp(_as_index(indices).reshape(-1), 0, flat.shape[1] - 1)
    return flat.gather(1, idx.reshape(n, 1)).reshape(indices.shape)


register(
    OpDef(
        "batch_take",
        _batch_take,
        inputs=("a", "indices"),
        dtype_free_inputs=("indices",),
        doc="``out[i] = a[i, indices[i]]``.",
    )
)


# --------------------------------------------------------------------------- sorting
_IDX_DTYPES = ("float16", "float32", "float64", "int32", "int64", "uint8")


def _topk(data, axis=-1, k=1, ret_typ="indices", is_ascend=False, dtype="float32"):
    x = data
    if axis is None:
        x = data.reshape(-1)
        ax = 0
    else:
        ax = _norm_axis("topk", axis, data.dim())
    n = x.shape[ax]
    kk = n if k < 1 else k
    if kk > n:
        raise ShapeError(
            f"Operator topk: k={k} is larger than axis {ax} of input "
            f"{tuple(data.shape)} (size {n})."
        )
    values, idx = torch.topk(x, kk, dim=ax, largest=not is_ascend, sorted=True)
    if ret_typ == "value":
        return values
    if ret_typ == "mask":
        mask = torch.zeros_like(x).scatter(ax, idx, 1)
        return mask.reshape(data.shape)
    idx = idx.to(to_torch_dtype(dtype))
    if ret_typ == "both":
        return values, idx
    return idx


def _topk_type(in_types, attrs):
    t = attrs.get("ret_typ", "indices")
    d = attrs.get("dtype") or "float32"
    if t == "both":
        return in_types, [in_types[0], d]
    return in_types, [d if t == "indices" else in_types[0]]


register(
    OpDef(
        "topk",
        _topk,
        params=(
            P("axis", "axis", -1, "Axis (None: the flattened array)."),
            P("k", "int", 1, "Number of elements (k < 1: all)."),
            P(
                "ret_typ",
                "str",
                "indices",
                "What to return.",
                ("both", "indices", "mask", "value"),
            ),
            P("is_ascend", "bool", False, "Take the smallest instead of the largest."),
            P("dtype", "dtype", "float32", "Dtype of the indices.", _IDX_DTYPES),
        ),
        num_outputs=lambda a: 2 if a.get("ret_typ") == "both" else 1,
        infer_type=_topk_type,
        doc="Top-k values, indices (float32 by default) or a 0/1 mask.",
    )
)


def _sort_axis(op: str, data, axis):
    if axis is None:
        return data.reshape(-1), 0
    return data, _norm_axis(op, axis, data.dim())


def _sort(data, axis=-1, is_ascend=True):
    x, ax = _sort_axis("sort", data, axis)
    return torch.sort(x, dim=ax, descending=not is_ascend, stable=True).values


def _argsort(data, axis=-1, is_ascend=True, dtype="float32"):
    x, ax = _sort_axis("argsort", data, axis)
    idx = torch.sort(x, dim=ax, descending=not is_ascend, stable=True).indices
    return idx.to(to_torch_dtype(dtype))


def _argsort_type(in_types, attrs):
    return in_types, [attrs.get("dtype") or "float32"]


register(
    OpDef(
        "sort",
        _sort,
        num_total_outputs=2,
        params=(
            P("axis", "axis", -1, "Axis (None: the flattened array)."),
            P("is_ascend", "bool", True, "Ascending order."),
        ),
        doc="Sorted values along ``axis``.",
    )
)
register(
    OpDef(
        "argsort",
        _argsort,
        params=(
            P("axis", "axis", -1, "Axis (None: the flattened array)."),
            P("is_ascend", "bool", True, "Ascending order."),
            P("dtype", "dtype", "float32", "Dtype of the indices.", _IDX_DTYPES),
        ),
        infer_type=_argsort_type,
        doc="Indices that sort ``data`` along ``axis`` (float32 by default).",
    )
)
