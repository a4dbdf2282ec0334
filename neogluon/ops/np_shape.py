"""NumPy-interface shape, joining, splitting and rearranging operators.

``_np_reshape``, ``_npi_reshape`` (``npx.reshape`` with MXNet's special codes),
``_np_transpose``, ``_np_squeeze``, ``_npi_expand_dims``, ``_npi_concatenate``,
``_npi_stack`` and the ``vstack``/``hstack``/``dstack``/``column_stack`` family,
``_npi_split``/``hsplit``/``dsplit``, ``_npi_broadcast_to``, ``_npi_tile``,
``_np_repeat``, ``_npi_flip``, ``_np_roll``, ``_npi_rot90``, ``_np_moveaxis``,
``_npi_swapaxes``, ``_np_diag``/``diagflat``/``diagonal``/``trace``,
``_npi_tril``, ``_np_atleast_{1,2,3}d``, ``_npi_pad``, ``_npi_diff``,
``_npi_sort``/``argsort``, ``_npi_unique``, ``_npi_nonzero``, ``_npi_take``,
``_npi_delete``, ``_npi_boolean_mask``.

NumPy semantics: 0-d arrays are real, concatenating along ``axis=None``
flattens, ``repeat`` without an axis flattens. Every kernel is torch code, so
gradients come from autograd.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from .._dtypes import to_torch_dtype
from .._text import fmt_shape
from ..base import MXNetError
from .elemwise import same_shape_infer
from .np_common import norm_axes
from .np_common import norm_axis
from .registry import REQUIRED
from .registry import OpDef
from .registry import P
from .registry import register

__all__: list[str] = []


def _known(s) -> bool:
    return s is not None and all(d > 0 for d in s)


def _meta_infer(op: OpDef) -> Callable:
    """Forward shape rule: run the kernel on meta tensors once inputs are known."""

    def infer(in_shapes, attrs, out_shapes=None):
        n = op.num_outputs_for(attrs) if isinstance(op, OpDef) else 1
        if not all(_known(s) for s in in_shapes):
            return list(in_shapes), [None] * n
        ts = [torch.empty(s, device="meta") for s in in_shapes]
        out = op.kernel(*ts, **attrs)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        return list(in_shapes), [tuple(o.shape) for o in outs]

    return infer


def _reg(op: OpDef) -> OpDef:
    """Register ``op``; without a shape rule, the meta-tensor forward rule."""
    if op.infer_shape is None:
        from dataclasses import replace

        op = replace(op, infer_shape=_meta_infer(op))
    return register(op)


# --------------------------------------------------------------------------- reshape
def _np_newshape(op: str, size: int, in_shape, newshape) -> tuple[int, ...]:
    shape = list(newshape)
    unknown = [i for i, d in enumerate(shape) if d == -1]
    if len(unknown) > 1:
        raise MXNetError(f"Operator {op}: can only specify one unknown dimension.")
    bad = [d for d in shape if d < -1]
    if bad:
        raise MXNetError(
            f"Operator {op}: newshape {tuple(newshape)} has invalid dim {bad[0]}; "
            "use positive dims and at most one -1."
        )
    known = math.prod(d for d in shape if d != -1)
    if unknown:
        if known == 0 or size % known:
            raise MXNetError(
                f"Operator {op}: cannot reshape array of shape {fmt_shape(in_shape)} "
                f"(size {size}) into shape {tuple(newshape)}."
            )
        shape[unknown[0]] = size // known
    elif known != size:
        raise MXNetError(
            f"Operator {op}: cannot reshape array of shape {fmt_shape(in_shape)} "
            f"(size {size}) into shape {tuple(newshape)}."
        )
    return tuple(shape)


def _order_check(op: str, order: str) -> None:
    if order != "C":
        raise MXNetError(
            f"Operator {op}: order={order!r} is not supported (MXNet 1.9.1 supports "
            "only 'C'); reshape in C order."
        )


def _np_reshape(a, newshape, order="C"):
    _order_check("_np_reshape", order)
    return a.reshape(_np_newshape("_np_reshape", a.numel(), a.shape, newshape))


def _np_reshape_infer(in_shapes, attrs, out_shapes=None):
    (s,) = in_shapes
    if not _known(s):
        return [s], [None]
    return [s], [_np_newshape("_np_reshape", math.prod(s), s, attrs["newshape"])]


_reg(
    OpDef(
        "_np_reshape",
        _np_reshape,
        inputs=("a",),
        params=(
            P("newshape", "shape", REQUIRED, "The new shape; one dim may be -1."),
            P("order", "str", "C", "Index order (only 'C')."),
        ),
        infer_shape=_np_reshape_infer,
        returns_view=True,
        doc="NumPy ``reshape`` (one ``-1`` dim is inferred).",
    )
)


def npx_reshape_shape(op: str, in_shape, newshape, reverse: bool = False):
    """The output shape of ``npx.reshape`` with MXNet's special codes.

    ``-1`` infers one dim, ``-2`` copies the input dim, ``-3`` drops an input
    dim of size 1, ``-4`` copies all remaining input dims, ``-5`` merges two
    input dims, ``-6 a b`` splits an input dim into ``a`` and ``b`` (one may be
    ``-1``). ``reverse`` applies the codes from the right.
    """
    src = list(in_shape)
    spec = list(newshape)
    if reverse:
        src = src[::-1]
        spec = _reverse_spec(spec)
    out: list[int] = []
    i = 0
    j = 0
    infer_at = -1
    while j < len(spec):
        c = spec[j]
        if c > 0 or c == 0:
            out.append(c)
            i += 1
        elif c == -1:
            if infer_at >= 0:
                raise MXNetError(
                    f"Operator {op}: only one -1 is allowed in {newshape}."
                )
            infer_at = len(out)
            out.append(1)
            i += 1
        elif c == -2:
            _need(op, i, src, newshape)
            out.append(src[i])
            i += 1
        elif c == -3:
            _need(op, i, src, newshape)
            if src[i] != 1:
                raise MXNetError(
                    f"Operator {op}: -3 in {tuple(newshape)} skips input dim {i}, "
                    f"which must be 1 but is {src[i]} (input {fmt_shape(in_shape)})."
                )
            i += 1
        elif c == -4:
            out.extend(src[i:])
            i = len(src)
        elif c == -5:
            _need(op, i + 1, src, newshape)
            out.append(src[i] * src[i + 1])
            i += 2
        elif c == -6:
            _need(op, i, src, newshape)
            if j + 2 >= len(spec):
                raise MXNetError(
                    f"Operator {op}: -6 needs two dims after it in {newshape}."
                )
            a, b = spec[j + 1], spec[j + 2]
            d = src[i]
            if a == -1:
                a = d // b
            if b == -1:
                b = d // a
            if a * b != d:
                raise MXNetError(
                    f"Operator {op}: cannot split input dim {d} into {a} x {b}."
                )
            out.extend([a, b])
            i += 1
            j += 2
        else:
            raise MXNetError(f"Operator {op}: invalid code {c} in newshape {newshape}.")
        j += 1
    size = math.prod(in_shape)
    if infer_at >= 0:
        rest = math.prod(d for k, d in enumerate(out) if k != infer_at)
        if rest == 0 or size % rest:
            raise MXNetError(
                f"Operator {op}: cannot reshape {fmt_shape(in_shape)} into {newshape}."
            )
        out[infer_at] = size // rest
    if math.prod(out) != size:
        raise MXNetError(
            f"Operator {op}: cannot reshape array of shape {fmt_shape(in_shape)} "
            f"(size {size}) into {tuple(newshape)} (gives {tuple(out)})."
        )
    return tuple(out[::-1]) if reverse else tuple(out)


def _reverse_spec(spec: list[int]) -> list[int]:
    # MXNet reverses the whole code list: a ``-6`` then reads its two split
    # dims from the codes that followed it once reversed (``(-4, -1, 3, -6)``
    # splits the last input dim into ``3 x -1``, output order restored after).
    return spec[::-1]


def _need(op: str, i: int, src, newshape) -> None:
    if i >= len(src):
        raise MXNetError(
            f"Operator {op}: newshape {tuple(newshape)} refers to more input dims "
            f"than the input's {len(src)}."
        )


def _npx_reshape(a, newshape, reverse=False, order="C"):
    _order_check("_npi_reshape", order)
    return a.reshape(
        npx_reshape_shape("_npi_reshape", tuple(a.shape), newshape, reverse)
    )


def _npx_reshape_infer(in_shapes, attrs, out_shapes=None):
    (s,) = in_shapes
    if not _known(s):
        return [s], [None]
    shape = npx_reshape_shape("_npi_reshape", s, attrs["newshape"], attrs["reverse"])
    return [s], [shape]


_reg(
    OpDef(
        "_npi_reshape",
        _npx_reshape,
        inputs=("a",),
        params=(
            P("newshape", "shape", REQUIRED, "New shape with codes -1..-6."),
            P("reverse", "bool", False, "Apply the codes right to left."),
            P("order", "str", "C", "Index order (only 'C')."),
        ),
        infer_shape=_npx_reshape_infer,
        returns_view=True,
        aliases=("_npx_reshape",),
        doc="``npx.reshape``: reshape with MXNet's special codes (-1 infer, -2 "
        "copy, -3 drop a 1, -4 copy the rest, -5 merge two, -6 split one).",
    )
)


# --------------------------------------------------------------------------- transpose
def _perm(op: str, ndim: int, axes) -> tuple[int, ...]:
    if axes is None or len(axes) == 0 or (len(axes) == 1 and axes[0] is None):
        return tuple(range(ndim))[::-1]
    if len(axes) != ndim:
        raise MXNetError(
            f"Operator {op}: axes {tuple(axes)} do not match an array of dimension {ndim}."
        )
    perm = tuple(a % ndim if -ndim <= a < ndim else a for a in axes)
    if any(not 0 <= a < ndim for a in perm):
        raise MXNetError(
            f"Operator {op}: axes {tuple(axes)} has an axis out of range for an "
            f"array of dimension {ndim}."
        )
    if sorted(perm) != list(range(ndim)):
        raise ValueError(  # numpy's and MXNet's error for repeated axes
            f"Operator {op}: axes {tuple(axes)} are not a permutation of "
            f"{tuple(range(ndim))}: each axis must appear exactly once."
        )
    return perm


def _np_transpose(a, axes=None):
    return a.permute(_perm("_np_transpose", a.dim(), axes))


def _np_transpose_infer(in_shapes, attrs, out_shapes=None):
    (s,) = in_shapes
    if s is None:
        return [s], [None]
    p = _perm("_np_transpose", len(s), attrs.get("axes"))
    return [s], [tuple(s[i] for i in p)]


_reg(
    OpDef(
        "_np_transpose",
        _np_transpose,
        inputs=("a",),
        params=(P("axes", "shape", None, "Permutation; None reverses the axes."),),
        infer_shape=_np_transpose_infer,
        returns_view=True,
        doc="Permute the axes (reverse them by default).",
    )
)


def _np_squeeze(a, axis=None):
    if axis is None:
        return a.reshape(tuple(d for d in a.shape if d != 1))
    if a.dim() == 0:
        # NumPy lets a 0-d array "squeeze" axis 0 or -1 (nothing to remove).
        for ax in (axis,) if isinstance(axis, int) else tuple(axis):
            if ax not in (0, -1):
                raise MXNetError(
                    f"Operator _np_squeeze: axis {ax} is out of bounds for a 0-d "
                    "array (only 0 or -1 is allowed)."
                )
        return a.reshape(())
    axes = norm_axes("_np_squeeze", axis, a.dim())
    for ax in axes:
        if a.shape[ax] != 1:
            raise MXNetError(
                f"Operator _np_squeeze: cannot select an axis to squeeze out which "
                f"has size not equal to one (axis {ax} of shape {tuple(a.shape)})."
            )
    return a.reshape(tuple(d for i, d in enumerate(a.shape) if i not in axes))


def _np_squeeze_infer(in_shapes, attrs, out_shapes=None):
    (s,) = in_shapes
    if not _known(s):
        return [s], [None]
    return [s], [tuple(_np_squeeze(torch.empty(s, device="meta"), attrs["axis"]).shape)]


_reg(
    OpDef(
        "_np_squeeze",
        _np_squeeze,
        inputs=("a",),
        params=(P("axis", "axis", None, "Axes of size 1 to remove; None: all."),),
        infer_shape=_np_squeeze_infer,
        returns_view=True,
        doc="Remove size-1 axes.",
    )
)


def _expand_dims(data, axis):
    nd = data.dim() + 1
    if not -nd <= axis < nd:
        raise MXNetError(
            f"Operator _npi_expand_dims: axis {axis} is out of bounds for the "
            f"result's dimension {nd}."
        )
    return data.unsqueeze(axis % nd)


_reg(
    OpDef(
        "_npi_expand_dims",
        _expand_dims,
        params=(P("axis", "int", REQUIRED, "Position of the new axis."),),
        returns_view=True,
        doc="Insert a size-1 axis at ``axis``.",
    )
)


# --------------------------------------------------------------------------- joining
def _common(*data):
    # MXNet's joining ops need one dtype (the frontends check it).
    return list(data)


def _concatenate(*data, num_args=None, axis=0):
    xs = _common(*data)
    if axis is None:
        return torch.cat([x.reshape(-1) for x in xs])
    nd = xs[0].dim()
    for x in xs:
        if x.dim() != nd:
            raise MXNetError(
                "Operator _npi_concatenate: all the input arrays must have same number "
                f"of dimensions, got shapes {[tuple(t.shape) for t in xs]}."
            )
    return torch.cat(xs, dim=norm_axis("_npi_concatenate", axis, nd))


def _variadic_type(in_types, attrs):
    known = next((t for t in in_types if t is not None), None)
    return [known if t is None else t for t in in_types], [known]


def _variadic(name: str, fn: Callable, params: tuple, doc: str, **kw) -> None:
    _reg(
        OpDef(
            name,
            fn,
            inputs=("data",),
            params=params,
            variadic=True,
            num_args_attr="num_args",
            infer_type=_variadic_type,
            doc=doc,
            **kw,
        )
    )


_NUM_ARGS = P("num_args", "int", REQUIRED, "Number of inputs.")
_variadic(
    "_npi_concatenate",
    _concatenate,
    (_NUM_ARGS, P("axis", "int", 0, "Axis to join on; None flattens first.")),
    "Join arrays along an existing axis.",
)


def _stack(*data, axis=0, num_args=None):
    xs = _common(*data)
    shapes = {tuple(x.shape) for x in xs}
    if len(shapes) != 1:
        raise MXNetError(
            "Operator _npi_stack: all input arrays must have the same shape, got "
            f"{[tuple(x.shape) for x in xs]}."
        )
    nd = xs[0].dim() + 1
    if not -nd <= axis < nd:
        raise MXNetError(
            f"Operator _npi_stack: axis {axis} out of bounds for ndim {nd}."
        )
    return torch.stack(xs, dim=axis % nd)


_variadic(
    "_npi_stack",
    _stack,
    (P("axis", "int", 0, "Axis of the new dimension."), _NUM_ARGS),
    "Join same-shape arrays along a new axis.",
)


def _vstack(*data, num_args=None):
    return torch.cat(
        [x.reshape(1, -1) if x.dim() < 2 else x for x in _common(*data)], 0
    )


def _hstack(*data, num_args=None, dim=1):
    xs = _common(*data)
    if all(x.dim() <= 1 for x in xs):
        return torch.cat([x.reshape(-1) for x in xs], 0)
    return torch.cat(xs, 1)


def _dstack(*data, num_args=None, dim=1):
    return torch.cat([_atleast(x, 3) for x in _common(*data)], 2)


def _column_stack(*data, num_args=None):
    return torch.cat(
        [x.reshape(-1, 1) if x.dim() < 2 else x for x in _common(*data)], 1
    )


_variadic("_npi_vstack", _vstack, (_NUM_ARGS,), "Stack arrays row-wise.")
_variadic(
    "_npi_hstack",
    _hstack,
    (_NUM_ARGS, P("dim", "int", 1, "Unused (MXNet's ConcatParam).")),
    "Stack arrays column-wise (1-D arrays end to end).",
)
_variadic(
    "_npi_dstack",
    _dstack,
    (_NUM_ARGS, P("dim", "int", 1, "Unused (MXNet's ConcatParam).")),
    "Stack arrays along the third axis.",
)
_variadic(
    "_npi_column_stack",
    _column_stack,
    (_NUM_ARGS,),
    "Stack 1-D arrays as columns of a 2-D array.",
)


def _atleast(x, n: int):
    if x.dim() >= n:
        return x
    if n == 1:
        return x.reshape(1)
    if n == 2:
        return x.reshape(1, -1) if x.dim() == 1 else x.reshape(1, 1)
    if x.dim() == 0:
        return x.reshape(1, 1, 1)
    if x.dim() == 1:
        return x.reshape(1, -1, 1)
    return x.unsqueeze(-1)


for _n in (1, 2, 3):

    def _atleast_k(*arys, num_args=None, _n=_n):
        return tuple(_atleast(a, _n).clone() for a in arys)

    _reg(
        OpDef(
            f"_np_atleast_{_n}d",
            _atleast_k,
            inputs=("arys",),
            params=(_NUM_ARGS,),
            variadic=True,
            num_args_attr="num_args",
            num_outputs=lambda attrs: attrs["num_args"],
            infer_type=lambda in_types, attrs: (in_types, list(in_types)),
            same_dtype=False,
            doc=f"View each input with at least {_n} dimensions.",
        )
    )


# --------------------------------------------------------------------------- split
def _split_points(op: str, n: int, indices, sections: int) -> list[int]:
    if sections > 0 and op == "_npi_split":
        # MXNet's _npi_split divides unevenly as np.array_split (the first
        # n % sections pieces one longer); np.split checks evenness itself
        size, extra = divmod(n, sections)
        pts = [0]
        for i in range(sections):
            pts.append(pts[-1] + size + (1 if i < extra else 0))
        return pts
    if sections > 0:
        if n % sections:
            raise MXNetError(
                f"Operator {op}: array split does not result in an equal division "
                f"({n} into {sections} sections)."
            )
        step = n // sections
        return [i * step for i in range(sections)] + [n]
    pts = [min(max(int(i), 0), n) for i in indices]
    return pts + [n]


def _split_impl(op: str, data, indices, axis, squeeze_axis, sections):
    ax = norm_axis(op, axis, data.dim())
    n = data.shape[ax]
    pts = _split_points(op, n, indices, sections)
    if sections <= 0 and (not pts or pts[0] != 0):
        pts = [0] + pts
    outs = []
    for b, e in zip(pts[:-1], pts[1:], strict=True):
        piece = data.narrow(ax, b, max(e - b, 0))
        if squeeze_axis:
            piece = piece.squeeze(ax)
        outs.append(piece.clone())
    if len(outs) == 1:  # one output: a tensor, as a graph node's kernel returns it
        return outs[0]
    return tuple(outs)


def _n_split(attrs) -> int:
    if attrs.get("sections", 0) > 0:
        return attrs["sections"]
    idx = attrs["indices"]
    return len(idx) + (0 if idx and idx[0] == 0 else 1)


_SPLIT_PARAMS = (
    P("indices", "shape", REQUIRED, "Split points (starting with 0)."),
    P("axis", "int", 1, "Axis to split."),
    P("squeeze_axis", "bool", False, "Remove the split axis (size-1 pieces)."),
    P("sections", "int", 0, "Number of equal sections (0: use indices)."),
)


def _split_op(name: str, axis_fn: Callable[[int, int], int], doc: str) -> None:
    def kernel(data, indices, axis=1, squeeze_axis=False, sections=0):
        ax = axis_fn(data.dim(), axis)
        return _split_impl(name, data, indices, ax, squeeze_axis, sections)

    _reg(
        OpDef(
            name,
            kernel,
            params=_SPLIT_PARAMS,
            num_outputs=_n_split,
            doc=doc,
        )
    )


_split_op("_npi_split", lambda nd, a: a, "Split along ``axis`` at ``indices``.")
_split_op(
    "_npi_hsplit",
    lambda nd, a: 0 if nd == 1 else 1,
    "Split along the second axis (the first for 1-D arrays).",
)
_split_op("_npi_dsplit", lambda nd, a: 2, "Split along the third axis.")


# --------------------------------------------------------------------------- broadcast
def _broadcast_to(array, shape=()):
    target = tuple(
        array.shape[i - (len(shape) - array.dim())] if d == -2 else d
        for i, d in enumerate(shape)
    )
    try:
        return array.expand(target).clone()
    except RuntimeError:
        raise MXNetError(
            f"Operator _npi_broadcast_to: cannot broadcast an array of shape "
            f"{fmt_shape(tuple(array.shape))} to shape {tuple(shape)}."
        ) from None


def _broadcast_to_infer(in_shapes, attrs, out_shapes=None):
    shape = tuple(attrs["shape"])
    if any(d == -2 for d in shape):  # -2 keeps the input's dim (MXNet's npx code)
        (src,) = in_shapes
        if src is None:
            return list(in_shapes), [None]
        off = len(shape) - len(src)
        shape = tuple(src[i - off] if d == -2 else d for i, d in enumerate(shape))
    return list(in_shapes), [shape]


_reg(
    OpDef(
        "_npi_broadcast_to",
        _broadcast_to,
        inputs=("array",),
        params=(P("shape", "shape", (), "Target shape."),),
        infer_shape=_broadcast_to_infer,
        doc="Broadcast to ``shape`` (NumPy rules).",
    )
)


def _tile(data, reps):
    reps = tuple(reps)
    if any(r < 0 for r in reps):
        raise MXNetError(f"Operator _npi_tile: reps {reps} must be non-negative.")
    nd = max(len(reps), data.dim())
    x = data.reshape((1,) * (nd - data.dim()) + tuple(data.shape))
    reps = (1,) * (nd - len(reps)) + reps
    return x.repeat(reps)


_reg(
    OpDef(
        "_npi_tile",
        _tile,
        params=(P("reps", "shape", REQUIRED, "Repetitions per axis."),),
        doc="Repeat the whole array ``reps`` times along each axis.",
    )
)


def _repeat(data, repeats, axis=None):
    if repeats < 0:
        raise MXNetError(f"Operator _np_repeat: repeats {repeats} must be >= 0.")
    if axis is None:
        return data.reshape(-1).repeat_interleave(repeats)
    return data.repeat_interleave(
        repeats, dim=norm_axis("_np_repeat", axis, data.dim())
    )


_reg(
    OpDef(
        "_np_repeat",
        _repeat,
        params=(
            P("repeats", "int", REQUIRED, "Times each element repeats."),
            P("axis", "int", None, "Axis; None flattens first."),
        ),
        doc="Repeat each element ``repeats`` times.",
    )
)


def _flip(data, axis):
    axes = norm_axes("_npi_flip", axis, data.dim())
    return torch.flip(data, axes)


_reg(
    OpDef(
        "_npi_flip",
        _flip,
        params=(P("axis", "axis", REQUIRED, "Axis or axes to reverse."),),
        doc="Reverse the order of elements along ``axis``.",
    )
)


def _roll(data, shift=None, axis=None):
    if shift is None:
        raise MXNetError("Operator _np_roll: 'shift' is required.")
    shifts = (shift,) if isinstance(shift, int) else tuple(shift)
    if axis is None:
        if len(shifts) != 1:
            raise MXNetError("Operator _np_roll: one shift without an axis.")
        return torch.roll(data.reshape(-1), shifts[0]).reshape(data.shape)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    if len(shifts) != len(axes):
        raise MXNetError(
            f"Operator _np_roll: shift {shifts} and axis {axes} must have equal length."
        )
    axes = tuple(norm_axis("_np_roll", a, data.dim()) for a in axes)
    return torch.roll(data, shifts, axes)


_reg(
    OpDef(
        "_np_roll",
        _roll,
        params=(
            P("shift", "axis", None, "Places to shift (int or tuple)."),
            P("axis", "axis", None, "Axes; None: the flattened array."),
        ),
        infer_shape=same_shape_infer("_np_roll"),
        doc="Roll elements along ``axis``; elements past the end wrap around.",
    )
)


def _rot90(data, k=1, axes=None):
    ax = (0, 1) if axes is None else tuple(axes)
    if len(ax) != 2 or data.dim() < 2:
        raise MXNetError(
            f"Operator _npi_rot90: axes {ax} must be two distinct axes of an array "
            f"with at least 2 dims (got ndim {data.dim()})."
        )
    return torch.rot90(data, k, ax)


_reg(
    OpDef(
        "_npi_rot90",
        _rot90,
        params=(
            P("k", "int", 1, "Number of 90-degree turns."),
            P("axes", "axis", None, "The plane of rotation (default (0, 1))."),
        ),
        doc="Rotate by 90 degrees ``k`` times in the plane of ``axes``.",
    )
)


def _moveaxis(a, source, destination):
    if len(source) != len(destination):
        raise MXNetError(
            "Operator _np_moveaxis: `source` and `destination` arguments must have "
            f"the same number of elements, got {source} and {destination}."
        )
    src = [norm_axis("_np_moveaxis", s, a.dim()) for s in source]
    dst = [norm_axis("_np_moveaxis", d, a.dim()) for d in destination]
    return torch.movedim(a, src, dst)


_reg(
    OpDef(
        "_np_moveaxis",
        _moveaxis,
        inputs=("a",),
        params=(
            P("source", "shape", REQUIRED, "Original positions."),
            P("destination", "shape", REQUIRED, "New positions."),
        ),
        returns_view=True,
        doc="Move axes to new positions; the others keep their order.",
    )
)


def _swapaxes(data, dim1=0, dim2=0):
    return data.transpose(
        norm_axis("_npi_swapaxes", dim1, data.dim()),
        norm_axis("_npi_swapaxes", dim2, data.dim()),
    )


_reg(
    OpDef(
        "_npi_swapaxes",
        _swapaxes,
        params=(
            P("dim1", "int", 0, "First axis."),
            P("dim2", "int", 0, "Second axis."),
        ),
        returns_view=True,
        cse=False,  # MXNet's SwapAxis is a legacy stateful operator
        doc="Interchange two axes.",
    )
)


# --------------------------------------------------------------------------- diagonals
def _diag(data, k=0):
    if data.dim() == 1:
        return torch.diag(data, k)
    if data.dim() == 2:
        return torch.diagonal(data, k).clone()
    raise MXNetError(
        f"Operator _np_diag: input must be 1-D or 2-D, got shape {tuple(data.shape)}."
    )


def _diagflat(data, k=0):
    return torch.diag(data.reshape(-1), k)


def _diagonal(data, offset=0, axis1=0, axis2=1):
    return torch.diagonal(data, offset, axis1, axis2).clone()


def _trace(data, offset=0, axis1=0, axis2=1):
    return torch.diagonal(data, offset, axis1, axis2).sum(-1)


_DIAG_K = (P("k", "int", 0, "Diagonal offset."),)
_DIAGONAL = (
    P("offset", "int", 0, "Diagonal offset."),
    P("axis1", "int", 0, "First axis of the 2-D sub-arrays."),
    P("axis2", "int", 1, "Second axis of the 2-D sub-arrays."),
)
for _name, _fn, _params, _doc in (
    (
        "_np_diag",
        _diag,
        _DIAG_K,
        "Extract a diagonal (2-D) or build a diagonal matrix (1-D).",
    ),
    (
        "_np_diagflat",
        _diagflat,
        _DIAG_K,
        "A 2-D array with the flattened input on a diagonal.",
    ),
    ("_np_diagonal", _diagonal, _DIAGONAL, "The diagonals of 2-D sub-arrays."),
    ("_np_trace", _trace, _DIAGONAL, "Sum along the diagonals."),
):
    _reg(OpDef(_name, _fn, params=_params, doc=_doc))


def _tril(data, k=0):
    if data.dim() == 1:
        return torch.tril(data.expand(data.shape[0], data.shape[0]), k)
    return torch.tril(data, k)


_reg(
    OpDef(
        "_npi_tril",
        _tril,
        params=(P("k", "int", 0, "Diagonal above which to zero."),),
        doc="Lower triangle (elements above the ``k``-th diagonal zeroed).",
    )
)


def _diag_indices_from(data):
    if data.dim() < 2 or len(set(data.shape)) != 1:
        raise MXNetError(
            "Operator _npi_diag_indices_from: input must be at least 2-D with all "
            f"dims equal, got shape {tuple(data.shape)}."
        )
    idx = torch.arange(data.shape[0], dtype=torch.int64, device=data.device)
    return idx.unsqueeze(0).expand(data.dim(), -1).clone()


_reg(
    OpDef(
        "_npi_diag_indices_from",
        _diag_indices_from,
        infer_type=lambda in_types, attrs: (in_types, ["int64"]),
        doc="Indices of the main diagonal, one row per axis (int64).",
    )
)


# --------------------------------------------------------------------------- pad
def _pad(data, pad_width, mode="constant", constant_value=0.0, reflect_type="even"):
    if reflect_type != "even":
        raise MXNetError(
            f"Operator _npi_pad: reflect_type={reflect_type!r} is not supported (MXNet "
            "1.9.1 supports only 'even')."
        )
    pw = [tuple(int(v) for v in p) for p in pad_width]
    if len(pw) == 1:
        pw = pw * data.dim()
    if len(pw) != data.dim() or any(len(p) != 2 or min(p) < 0 for p in pw):
        raise MXNetError(
            f"Operator _npi_pad: pad_width {pad_width} must give (before, after) "
            f"non-negative pairs for each of the {data.dim()} axes."
        )
    x = data
    if mode == "constant":
        flat = [v for p in reversed(pw) for v in p]
        return torch.nn.functional.pad(x, flat, value=constant_value)
    for ax, (b, e) in enumerate(pw):
        if b == 0 and e == 0:
            continue
        x = _pad_axis(x, ax, b, e, mode)
    return x


def _pad_axis(x, ax: int, b: int, e: int, mode: str):
    n = x.shape[ax]
    if mode == "edge":
        idx = [0] * b + list(range(n)) + [n - 1] * e
    elif mode in ("reflect", "symmetric"):
        idx = [_reflect_index(i, n, mode) for i in range(-b, 0)]
        idx += list(range(n)) + [_reflect_index(i, n, mode) for i in range(n, n + e)]
    elif mode in ("maximum", "minimum"):
        fn = torch.amax if mode == "maximum" else torch.amin
        v = fn(x, dim=ax, keepdim=True)
        shape_b = list(x.shape)
        shape_b[ax] = b
        shape_e = list(x.shape)
        shape_e[ax] = e
        return torch.cat([v.expand(shape_b), x, v.expand(shape_e)], ax)
    else:
        raise MXNetError(f"Operator _npi_pad: unknown mode {mode!r}.")
    index = torch.tensor(idx, dtype=torch.int64, device=x.device)
    return torch.index_select(x, ax, index)


def _reflect_index(i: int, n: int, mode: str) -> int:
    if n == 1:
        return 0
    if mode == "reflect":
        p = 2 * (n - 1)
        i %= p
        return i if i < n else p - i
    p = 2 * n
    i %= p
    return i if i < n else p - 1 - i


def _pad_width(v):
    if isinstance(v, str):
        from .registry import _literal

        v = _literal(v)
    if isinstance(v, int):
        return ((v, v),)
    return tuple(
        tuple(int(x) for x in (p if isinstance(p, (tuple, list)) else (p, p)))
        for p in v
    )


def _pad_infer(in_shapes, attrs, out_shapes=None):
    (s,) = in_shapes
    if s is None:
        return [s], [None]
    pw = list(attrs["pad_width"])
    if len(pw) == 1:
        pw = pw * len(s)
    return [s], [
        tuple(d + p[0] + p[1] if d > 0 else 0 for d, p in zip(s, pw, strict=False))
    ]


_reg(
    OpDef(
        "_npi_pad",
        lambda data, pad_width, mode="constant", constant_value=0.0, reflect_type="even": (
            _pad(data, _pad_width(pad_width), mode, constant_value, reflect_type)
        ),
        params=(
            P("pad_width", "any", REQUIRED, "((before, after),) per axis."),
            P(
                "mode",
                "str",
                "constant",
                "Padding mode.",
                ("constant", "edge", "maximum", "minimum", "reflect", "symmetric"),
            ),
            P("constant_value", "float", 0.0, "Fill value for 'constant'."),
            P("reflect_type", "str", "even", "Only 'even'."),
        ),
        infer_shape=lambda in_shapes, attrs, out_shapes=None: _pad_infer(
            in_shapes, {**attrs, "pad_width": _pad_width(attrs["pad_width"])}
        ),
        doc="NumPy ``pad`` (constant, edge, reflect, symmetric, maximum, minimum).",
    )
)


# --------------------------------------------------------------------------- diff
def _diff(a, n=1, axis=-1):
    if n < 0:
        raise MXNetError(f"Operator _npi_diff: order n={n} must be non-negative.")
    ax = norm_axis("_npi_diff", axis, a.dim())
    x = a
    for _ in range(n):
        x = x.narrow(ax, 1, x.shape[ax] - 1) - x.narrow(ax, 0, x.shape[ax] - 1)
    return x.clone() if n == 0 else x


_reg(
    OpDef(
        "_npi_diff",
        _diff,
        inputs=("a",),
        params=(
            P("n", "int", 1, "Order of the difference."),
            P("axis", "int", -1, "Axis."),
        ),
        doc="The ``n``-th discrete difference along ``axis``.",
    )
)


# --------------------------------------------------------------------------- sorting
def _sort(data, axis=-1, is_ascend=True):
    if axis is None:
        return torch.sort(data.reshape(-1), descending=not is_ascend, stable=True)[0]
    ax = norm_axis("_npi_sort", axis, data.dim())
    return torch.sort(data, dim=ax, descending=not is_ascend, stable=True)[0]


def _argsort(data, axis=-1, is_ascend=True, dtype="float32"):
    x = data.reshape(-1) if axis is None else data
    ax = 0 if axis is None else norm_axis("_npi_argsort", axis, data.dim())
    idx = torch.sort(x, dim=ax, descending=not is_ascend, stable=True)[1]
    return idx.to(to_torch_dtype(dtype))


_reg(
    OpDef(
        "_npi_sort",
        _sort,
        params=(
            P("axis", "int", -1, "Axis; None: the flattened array."),
            P("is_ascend", "bool", True, "Ascending order."),
        ),
        doc="Sorted copy along ``axis``.",
    )
)
_reg(
    OpDef(
        "_npi_argsort",
        _argsort,
        params=(
            P("axis", "int", -1, "Axis; None: the flattened array."),
            P("is_ascend", "bool", True, "Ascending order."),
            P(
                "dtype",
                "dtype",
                "float32",
                "Index dtype.",
                ("float16", "float32", "float64", "int32", "int64", "uint8"),
            ),
        ),
        infer_type=lambda in_types, attrs: (in_types, [attrs["dtype"]]),
        doc="Indices that sort the array along ``axis`` (stable).",
    )
)


def _unique(
    data, return_index=False, return_inverse=False, return_counts=False, axis=None
):
    if axis is None:
        flat = data.reshape(-1)
        vals, inverse, counts = torch.unique(
            flat, sorted=True, return_inverse=True, return_counts=True
        )
    else:
        ax = norm_axis("_npi_unique", axis, data.dim())
        vals, inverse, counts = torch.unique(
            data, sorted=True, return_inverse=True, return_counts=True, dim=ax
        )
        flat = None
    outs = [vals]
    if return_index:
        n = inverse.shape[0]
        pos = torch.arange(n, dtype=torch.int64, device=data.device)
        first = torch.full(
            (vals.shape[0] if axis is None else vals.shape[ax],),
            n,
            dtype=torch.int64,
            device=data.device,
        )
        first = first.scatter_reduce(0, inverse, pos, reduce="amin")
        outs.append(first)
    if return_inverse:
        outs.append(inverse.to(torch.int64))
    if return_counts:
        outs.append(counts.to(torch.int64))
    del flat
    return tuple(outs) if len(outs) > 1 else outs[0]


def _unique_n(attrs) -> int:
    return 1 + sum(
        bool(attrs.get(k)) for k in ("return_index", "return_inverse", "return_counts")
    )


def _unique_type(in_types, attrs):
    return in_types, [in_types[0]] + ["int64"] * (_unique_n(attrs) - 1)


def _unknown_infer(in_shapes, attrs, out_shapes=None):
    return list(in_shapes), [None] * _unique_n(attrs)


_reg(
    OpDef(
        "_npi_unique",
        _unique,
        params=(
            P("return_index", "bool", False, "Also the first index of each value."),
            P(
                "return_inverse",
                "bool",
                False,
                "Also the indices that rebuild the input.",
            ),
            P("return_counts", "bool", False, "Also how often each value occurs."),
            P("axis", "int", None, "Axis; None: the flattened array."),
        ),
        num_outputs=_unique_n,
        infer_shape=_unknown_infer,
        infer_type=_unique_type,
        doc="Sorted unique values (output size depends on the data).",
    )
)


def _nonzero(x):
    return torch.nonzero(x).to(torch.int64)


_reg(
    OpDef(
        "_npi_nonzero",
        _nonzero,
        inputs=("x",),
        infer_shape=lambda in_shapes, attrs, out_shapes=None: (list(in_shapes), [None]),
        infer_type=lambda in_types, attrs: (in_types, ["int64"]),
        aliases=("_npx_nonzero",),
        doc="Indices of the nonzero elements, one row per element (int64).",
    )
)


def _boolean_mask(data, index, axis=0):
    ax = norm_axis("_npi_boolean_mask", axis, data.dim())
    if index.dim() != 1 or index.shape[0] != data.shape[ax]:
        raise MXNetError(
            f"Operator _npi_boolean_mask: index must be 1-D of length "
            f"{data.shape[ax]}, got shape {tuple(index.shape)}."
        )
    keep = torch.nonzero(index != 0).reshape(-1)
    return torch.index_select(data, ax, keep)


_reg(
    OpDef(
        "_npi_boolean_mask",
        _boolean_mask,
        inputs=("data", "index"),
        params=(P("axis", "int", 0, "Axis to mask."),),
        infer_shape=lambda in_shapes, attrs, out_shapes=None: (list(in_shapes), [None]),
        dtype_free_inputs=("index",),
        doc="Keep the slices along ``axis`` where ``index`` is nonzero.",
    )
)


def _take(a, indices, axis=0, mode="clip"):
    if axis is None:  # NumPy's take of the flattened array
        a, axis = a.reshape(-1), 0
    ax = norm_axis("_npi_take", axis, a.dim())
    n = a.shape[ax]
    idx = indices.to(torch.int64)
    if mode == "clip":
        idx = idx.clamp(0, n - 1)
    elif mode == "wrap":
        idx = torch.remainder(idx, n)
    elif bool(((idx < -n) | (idx >= n)).any()):
        raise MXNetError(
            f"Operator _npi_take: index out of range for axis {ax} of size {n} "
            "(mode='raise')."
        )
    else:
        idx = torch.remainder(idx, n)
    out = torch.index_select(a, ax, idx.reshape(-1))
    shape = tuple(a.shape[:ax]) + tuple(indices.shape) + tuple(a.shape[ax + 1 :])
    return out.reshape(shape)


_reg(
    OpDef(
        "_npi_take",
        _take,
        inputs=("a", "indices"),
        params=(
            P("axis", "int", 0, "Axis to take from."),
            P(
                "mode",
                "str",
                "clip",
                "Out-of-range indices.",
                ("clip", "raise", "wrap"),
            ),
        ),
        dtype_free_inputs=("indices",),
        doc="Take elements along ``axis`` at ``indices``.",
    )
)


def _delete(arr, obj=None, start=None, stop=None, step=None, int_ind=None, axis=None):
    x = arr.reshape(-1) if axis is None else arr
    ax = 0 if axis is None else norm_axis("_npi_delete", axis, arr.dim())
    n = x.shape[ax]
    keep = torch.ones(n, dtype=torch.bool, device=arr.device)
    if obj is not None:
        # MXNet ignores indices outside [0, n), negative ones included
        idx = obj.to(torch.int64).reshape(-1)
        idx = idx[(idx >= 0) & (idx < n)]
        keep[idx] = False
    elif int_ind is not None:
        if not -n <= int_ind < n:
            raise MXNetError(
                f"Operator _npi_delete: index {int_ind} is out of bounds for axis "
                f"{ax} with size {n}."
            )
        keep[int_ind % n] = False
    else:
        # Python's slice rules (negative steps included) pick the deleted indices
        gone = list(range(n)[slice(start, stop, step)])
        keep[torch.tensor(gone, dtype=torch.int64, device=arr.device)] = False
    return torch.index_select(x, ax, torch.nonzero(keep).reshape(-1))


_reg(
    OpDef(
        "_npi_delete",
        _delete,
        inputs=("arr", "obj"),
        params=(
            P("start", "int", None, "Slice start."),
            P("stop", "int", None, "Slice stop."),
            P("step", "int", None, "Slice step."),
            P("int_ind", "int", None, "A single index."),
            P("axis", "int", None, "Axis; None: the flattened array."),
        ),
        present_inputs=lambda attrs: (
            ("arr",)
            if attrs.get("int_ind") is not None
            or any(attrs.get(k) is not None for k in ("start", "stop", "step"))
            else ("arr", "obj")
        ),
        infer_shape=lambda in_shapes, attrs, out_shapes=None: (list(in_shapes), [None]),
        dtype_free_inputs=("obj",),
        doc="Delete sub-arrays along ``axis`` (by index array, one index or slice).",
    )
)
