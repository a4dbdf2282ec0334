"""Operator family: shape manipulation (reshape, concat, split, slice, ...).

:func:`infer_reshape` implements MXNet's reshape codes (``0`` copy, ``-1``
infer, ``-2`` copy the rest, ``-3`` merge two, ``-4`` split one, and
``reverse``); ``NDArray.reshape`` and the ``Reshape`` op both use it.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .._text import fmt_shape
from ..base import MXNetError
from .elemwise import merge_shapes
from .elemwise import out0
from .elemwise import same_shape_infer
from .registry import REQUIRED
from .registry import OpDef
from .registry import P
from .registry import ShapeError
from .registry import register


def _prod(dims) -> int:
    n = 1
    for d in dims:
        n *= d
    return n


def _norm_axis(op: str, axis: int, ndim: int, extra: int = 0) -> int:
    """``axis`` made non-negative for a rank-``ndim`` array (+``extra`` slots)."""
    n = ndim + extra
    if not -n <= axis < n:
        raise ShapeError(
            f"Operator {op}: axis {axis} is out of range for an array of rank "
            f"{ndim}; expected -{n} <= axis < {n}."
        )
    return axis % n


# --------------------------------------------------------------------------- reshape
def infer_reshape(in_shape: tuple, spec: tuple, reverse: bool = False) -> tuple:
    """The target shape of MXNet's reshape of ``in_shape`` by ``spec``.

    Dims of ``in_shape`` may be 0 (unknown) during graph inference; unknown
    results are then returned as 0. Raises :class:`ShapeError` on a bad spec.

    Examples
    --------
    >>> infer_reshape((2, 3, 4), (-4, 1, 2, -2))
    (1, 2, 3, 4)
    >>> infer_reshape((10, 5, 4), (-1, 0), reverse=True)
    (50, 4)
    """
    src = [int(d) for d in in_shape]
    params = [int(d) for d in spec]
    if reverse:
        src.reverse()
        params.reverse()

    def bad(msg: str) -> ShapeError:
        return ShapeError(
            f"Operator Reshape: cannot reshape {tuple(in_shape)} with shape="
            f"{tuple(spec)}{' (reverse=True)' if reverse else ''}: {msg}"
        )

    out: list[int] = []
    src_idx = 0
    inf_idx = -1
    i = 0
    while i < len(params):
        d = params[i]
        if d == 0:
            if src_idx >= len(src):
                raise bad(f"code 0 at position {i} has no input dim to copy.")
            out.append(src[src_idx])
            src_idx += 1
        elif d == -1:
            if inf_idx >= 0:
                raise bad("only one dim can be -1 (inferred).")
            inf_idx = len(out)
            out.append(1)
            src_idx += 1
        elif d == -2:
            out.extend(src[src_idx:])
            src_idx = len(src)
        elif d == -3:
            if src_idx + 1 >= len(src):
                raise bad(f"code -3 at position {i} needs two input dims to merge.")
            d1, d2 = src[src_idx], src[src_idx + 1]
            out.append(d1 * d2)
            src_idx += 2
        elif d == -4:
            if i + 2 >= len(params):
                raise bad("code -4 must be followed by two dims.")
            if src_idx >= len(src):
                raise bad(f"code -4 at position {i} has no input dim to split.")
            d0 = src[src_idx]
            src_idx += 1
            d1, d2 = params[i + 1], params[i + 2]
            i += 2
            if d1 == -1 and d2 == -1:
                raise bad("the two dims after -4 cannot both be -1.")
            if d1 == -1:
                d1 = d0 // d2 if d0 > 0 else 0
            if d2 == -1:
                d2 = d0 // d1 if d0 > 0 else 0
            if d0 > 0 and d1 * d2 != d0:
                raise bad(f"split dims {d1}, {d2} do not multiply to input dim {d0}.")
            out.extend([d1, d2])
        elif d > 0:
            out.append(d)
            src_idx += 1
        else:
            raise bad(f"invalid code {d}; use a positive size or 0, -1, -2, -3, -4.")
        i += 1
    known = all(x > 0 for x in src)
    if inf_idx >= 0:
        rest = _prod(out)
        if not known or rest == 0:
            out[inf_idx] = 0
        else:
            total = _prod(src)
            if total % rest:
                raise bad(
                    f"the input size {total} is not divisible by the product "
                    f"{rest} of the other dims."
                )
            out[inf_idx] = total // rest
    if reverse:
        out.reverse()
    if known and all(x > 0 for x in out) and _prod(out) != _prod(src):
        raise bad(
            f"the target shape {tuple(out)} has {_prod(out)} elements but the "
            f"input has {_prod(src)}."
        )
    return tuple(out)


def _reshape_target(in_shape, attrs) -> tuple:
    shape = attrs.get("shape") or ()
    if shape:
        return infer_reshape(in_shape, shape, attrs.get("reverse", False))
    target = attrs.get("target_shape") or ()
    if not target:
        raise ShapeError(
            f"Operator Reshape: no target shape given for input {fmt_shape(in_shape)};"
            " pass shape=(...)."
        )
    # Deprecated target_shape: one 0 is inferred; keep_highest fixes dim 0.
    spec = [-1 if d == 0 else d for d in target]
    if attrs.get("keep_highest"):
        spec[0] = 0
    return infer_reshape(in_shape, tuple(spec), False)


#: (input shape, shape, reverse, target_shape, keep_highest) -> target shape:
#: the special codes are resolved once per input shape and attributes.
_RESHAPE_TARGETS: dict[tuple, tuple] = {}


def _reshape(data, shape=(), reverse=False, target_shape=(), keep_highest=False):
    in_shape = tuple(data.shape)
    key = (in_shape, shape, reverse, target_shape, keep_highest)
    try:
        target = _RESHAPE_TARGETS.get(key)
    except TypeError:  # symbolic dims (a torch tracer's): not cached
        key = target = None
    if target is None:
        attrs = {
            "shape": shape,
            "reverse": reverse,
            "target_shape": target_shape,
            "keep_highest": keep_highest,
        }
        target = _reshape_target(in_shape, attrs)
        if key is not None:
            if len(_RESHAPE_TARGETS) >= 4096:
                _RESHAPE_TARGETS.clear()
            _RESHAPE_TARGETS[key] = target
    return data.reshape(target)


def _reshape_fast(attrs: dict):
    """``_reshape`` with ``attrs`` bound (the eager frontend's call): the
    target of each input shape is resolved once, keyed by the shape alone."""
    targets: dict = {}
    spec = {k: attrs[k] for k in ("shape", "reverse", "target_shape", "keep_highest")}

    def reshape(data):
        in_shape = data.shape
        try:
            target = targets.get(in_shape)
        except TypeError:  # symbolic dims (a torch tracer's): the kernel's way
            return _reshape(data, **spec)
        if target is None:
            target = _reshape_target(tuple(in_shape), spec)
            if len(targets) < 64:
                targets[in_shape] = target
        return data.reshape(target)

    return reshape


def _reshape_infer(in_shapes, attrs, out_shapes=None):
    (s,) = in_shapes
    o = out0(out_shapes)
    if s is None:
        return [None], [o]
    out = merge_shapes(_reshape_target(s, attrs), o, "Reshape", "target and output")
    # Backward: one unknown input dim follows from a fully known output.
    unknown = [i for i, d in enumerate(s) if d == 0]
    if len(unknown) == 1 and out is not None and all(d > 0 for d in out):
        rest = _prod(d for d in s if d > 0)
        s = tuple(_prod(out) // rest if d == 0 else d for d in s)
    return [s], [out]


register(
    OpDef(
        "Reshape",
        _reshape,
        params=(
            P("shape", "shape", (), "Target shape with codes 0, -1, -2, -3, -4."),
            P("reverse", "bool", False, "Match the special codes right to left."),
            P("target_shape", "shape", (), "Deprecated; use shape."),
            P("keep_highest", "bool", False, "Deprecated; with target_shape."),
        ),
        infer_shape=_reshape_infer,
        aliases=("reshape",),
        returns_view=True,
        fast_kernel=_reshape_fast,
        doc="Reshape with MXNet's special codes (see ``infer_reshape``).",
    )
)


def _flatten(data):
    if data.dim() == 0:
        return data.reshape(1, 1)
    return data.reshape(data.shape[0], -1)


def _flatten_infer(in_shapes, attrs, out_shapes=None):
    (s,) = in_shapes
    o = out0(out_shapes)
    if s is None:
        return [None], [o]
    n = s[0] if s else 1
    rest = _prod(s[1:])
    out = merge_shapes((n, rest), o, "Flatten", "input and output")
    unknown = [i for i in range(1, len(s)) if s[i] == 0]
    if len(unknown) == 1 and out[1] > 0:
        known = _prod(d for d in s[1:] if d > 0)
        s = tuple(out[1] // known if (i in unknown) else d for i, d in enumerate(s))
    if s and s[0] == 0 and out[0] > 0:
        s = (out[0],) + tuple(s[1:])
    return [s], [out]


register(
    OpDef(
        "Flatten",
        _flatten,
        infer_shape=_flatten_infer,
        aliases=("flatten",),
        returns_view=True,
        doc="Collapse all axes but the first: ``(N, d1, d2, ...)`` -> ``(N, d1*d2*...)``.",
    )
)


def _transpose(data, axes=()):
    if not axes:
        ndim = data.dim()
        return data.t() if ndim == 2 else data.permute(tuple(range(ndim - 1, -1, -1)))
    if len(axes) != data.dim() or sorted(a % data.dim() for a in axes) != list(
        range(data.dim())
    ):
        raise ShapeError(
            f"Operator transpose: axes {tuple(axes)} is not a permutation of the "
            f"{data.dim()} axes of input {tuple(data.shape)}."
        )
    return data.permute(*axes)


def _transpose_infer(in_shapes, attrs, out_shapes=None):
    (s,) = in_shapes
    o = out0(out_shapes)
    axes = attrs.get("axes") or ()
    if s is None and o is None:
        return [None], [None]
    n = len(s) if s is not None else len(o)
    perm = [a % n for a in axes] if axes else list(reversed(range(n)))
    if s is not None:
        out = merge_shapes(tuple(s[p] for p in perm), o, "transpose", "output")
    else:
        out = tuple(o)
    inv = [0] * n
    for i, p in enumerate(perm):
        inv[p] = i
    s = merge_shapes(s, tuple(out[inv[j]] for j in range(n)), "transpose", "input")
    return [s], [out]


register(
    OpDef(
        "transpose",
        _transpose,
        params=(P("axes", "shape", (), "Permutation; empty reverses the axes."),),
        infer_shape=_transpose_infer,
        returns_view=True,
        doc="Permute the axes (reverse them by default).",
    )
)


def _swapaxes(data, dim1=0, dim2=0):
    return data.transpose(dim1, dim2)


register(
    OpDef(
        "SwapAxis",
        _swapaxes,
        params=(
            P("dim1", "int", 0, "First axis."),
            P("dim2", "int", 0, "Second axis."),
        ),
        aliases=("swapaxes",),
        returns_view=True,
        doc="Swap two axes.",
        cse=False,
    )
)


def _expand_dims(data, axis):
    return data.unsqueeze(_norm_axis("expand_dims", axis, data.dim(), 1))


def _expand_dims_fast(attrs: dict):
    """``_expand_dims`` with ``axis`` bound: torch's ``unsqueeze`` takes the
    same axis range ([-ndim-1, ndim]); outside it the kernel says why."""
    axis = attrs["axis"]

    def expand_dims(data):
        try:
            return data.unsqueeze(axis)
        except IndexError:
            return _expand_dims(data, axis)

    return expand_dims


register(
    OpDef(
        "expand_dims",
        _expand_dims,
        params=(P("axis", "int", REQUIRED, "Position of the new axis."),),
        returns_view=True,
        fast_kernel=_expand_dims_fast,
        doc="Insert a size-1 axis at ``axis``.",
    )
)


def _squeeze(data, axis=None):
    if axis is None:
        dims = [i for i, d in enumerate(data.shape) if d == 1]
    else:
        axes = (axis,) if isinstance(axis, int) else axis
        dims = [_norm_axis("squeeze", a, data.dim()) for a in axes]
        for a in dims:
            if data.shape[a] != 1:
                raise ShapeError(
                    f"Operator squeeze: axis {a} of input {tuple(data.shape)} has "
                    f"size {data.shape[a]}; only size-1 axes can be squeezed."
                )
    shape = [d for i, d in enumerate(data.shape) if i not in dims]
    return data.reshape(shape if shape else (1,))


register(
    OpDef(
        "squeeze",
        _squeeze,
        params=(P("axis", "axis", None, "Axes to remove; None removes all 1s."),),
        returns_view=True,
        doc="Remove size-1 axes (the result keeps at least shape (1,)).",
    )
)


# --------------------------------------------------------------------------- concat
def _concat(*data, num_args=None, dim=1):
    return torch.cat(data, dim)


def _concat_fast(attrs: dict):
    """``_concat`` with ``attrs`` bound: one frame less per eager call."""
    dim = attrs["dim"]

    def concat(*data):
        return torch.cat(data, dim)

    return concat


def _concat_infer(in_shapes, attrs, out_shapes=None):
    dim = attrs.get("dim", 1)
    o = out0(out_shapes)
    ref = o
    for s in in_shapes:
        if s is not None:
            ref = s if ref is None else ref
            if len(s) != len(ref):
                raise ShapeError(
                    f"Operator Concat: inputs {[fmt_shape(x) for x in in_shapes]} "
                    "have different ranks."
                )
    if ref is None:
        return list(in_shapes), [None]
    n = len(ref)
    ax = _norm_axis("Concat", dim, n)

    def others(s):
        return None if s is None else s[:ax] + (0,) + s[ax + 1 :]

    common = others(o)
    for s in in_shapes:
        try:
            common = merge_shapes(common, others(s), "Concat")
        except ShapeError:
            raise ShapeError(
                f"Operator Concat: input shapes {[fmt_shape(x) for x in in_shapes]} "
                f"must agree on every axis except dim={dim}."
            ) from None
    new_in = []
    for s in in_shapes:
        cd = 0 if s is None else s[ax]
        new_in.append(common[:ax] + (cd,) + common[ax + 1 :])
    sizes = [s[ax] for s in new_in]
    total = o[ax] if o is not None else 0
    if all(d > 0 for d in sizes):
        if total and total != sum(sizes):
            raise ShapeError(
                f"Operator Concat: inputs sum to {sum(sizes)} along dim={dim} but "
                f"the output has {total}."
            )
        total = sum(sizes)
    elif total and sizes.count(0) == 1:
        k = sizes.index(0)
        s = new_in[k]
        new_in[k] = s[:ax] + (total - sum(sizes),) + s[ax + 1 :]
    out = common[:ax] + (total,) + common[ax + 1 :]
    return new_in, [out]


register(
    OpDef(
        "Concat",
        _concat,
        params=(
            P("num_args", "int", REQUIRED, "Number of inputs."),
            P("dim", "int", 1, "Axis to join along."),
        ),
        variadic=True,
        num_args_attr="num_args",
        infer_shape=_concat_infer,
        fast_kernel=_concat_fast,
        aliases=("concat",),
        doc="Join arrays along an existing axis (default ``dim=1``).",
    )
)


def _stack(*data, axis=0, num_args=None):
    return torch.stack(data, dim=axis)


def _stack_infer(in_shapes, attrs, out_shapes=None):
    s = None
    for x in in_shapes:
        s = merge_shapes(s, x, "stack", "input shapes")
    o = out0(out_shapes)
    if s is None and o is None:
        return list(in_shapes), [None]
    if o is not None:
        ax = _norm_axis("stack", attrs.get("axis", 0), len(o))
        s = merge_shapes(s, o[:ax] + o[ax + 1 :], "stack", "inputs and output")
    ax = _norm_axis("stack", attrs.get("axis", 0), len(s), 1)
    out = s[:ax] + (len(in_shapes),) + s[ax:]
    return [s for _ in in_shapes], [merge_shapes(out, o, "stack", "output")]


register(
    OpDef(
        "stack",
        _stack,
        params=(
            P("axis", "int", 0, "Position of the new axis."),
            P("num_args", "int", REQUIRED, "Number of inputs."),
        ),
        variadic=True,
        num_args_attr="num_args",
        infer_shape=_stack_infer,
        doc="Join same-shape arrays along a new axis.",
    )
)


# --------------------------------------------------------------------------- split
def _split(data, num_outputs, axis=1, squeeze_axis=False):
    ax = _norm_axis("SliceChannel", axis, data.dim())
    n = data.shape[ax]
    if n % num_outputs:
        raise ShapeError(
            f"Operator SliceChannel: axis {axis} of input {tuple(data.shape)} has "
            f"size {n}, which is not divisible by num_outputs={num_outputs}."
        )
    parts = torch.split(data, n // num_outputs, dim=ax)
    if squeeze_axis:
        if n // num_outputs != 1:
            raise ShapeError(
                f"Operator SliceChannel: squeeze_axis=True needs slices of size 1 but "
                f"axis {axis} of {tuple(data.shape)} splits into {n // num_outputs}."
            )
        parts = [p.squeeze(ax) for p in parts]
    # Slices are views; copy so that writing into an output never changes data.
    parts = [p.clone() for p in parts]
    return parts[0] if num_outputs == 1 else tuple(parts)


def _split_infer(in_shapes, attrs, out_shapes=None):
    (s,) = in_shapes
    k = attrs["num_outputs"]
    squeeze = attrs.get("squeeze_axis")
    o = None
    for x in out_shapes or ():
        o = merge_shapes(o, x, "SliceChannel", "output shapes")
    if o is not None:
        # Backward: every output has the input's shape with the split axis cut
        # in k (or dropped with squeeze_axis).
        rank = len(o) + 1 if squeeze else len(o)
        if s is None:
            s = (0,) * rank
        if len(s) == rank:
            ax = _norm_axis("SliceChannel", attrs.get("axis", 1), rank)
            if squeeze:
                back = (*o[:ax], k, *o[ax:])
            else:
                back = (*o[:ax], o[ax] * k, *o[ax + 1 :])
            s = merge_shapes(s, back, "SliceChannel", "input and output shapes")
    if s is None:
        return [None], [None] * k
    ax = _norm_axis("SliceChannel", attrs.get("axis", 1), len(s))
    n = s[ax]
    if n and n % k:
        raise ShapeError(
            f"Operator SliceChannel: axis {ax} of input {fmt_shape(s)} has size {n}, "
            f"which is not divisible by num_outputs={k}."
        )
    if attrs.get("squeeze_axis"):
        o = s[:ax] + s[ax + 1 :]
    else:
        o = s[:ax] + (n // k,) + s[ax + 1 :]
    return [s], [o] * k


register(
    OpDef(
        "SliceChannel",
        _split,
        params=(
            P("num_outputs", "int", REQUIRED, "Number of equal parts."),
            P("axis", "int", 1, "Axis to split."),
            P("squeeze_axis", "bool", False, "Drop the split axis (parts of size 1)."),
        ),
        num_outputs=lambda attrs: attrs["num_outputs"],
        # MXNet names them output0.. even when num_outputs is 1.
        output_names=lambda attrs: tuple(
            f"output{i}" for i in range(attrs["num_outputs"])
        ),
        infer_shape=_split_infer,
        aliases=("split",),
        doc="Split into ``num_outputs`` equal parts along ``axis`` (default 1).",
        cse=False,
    )
)


def _split_v2(data, indices, axis=1, squeeze_axis=False, sections=0):
    ax = _norm_axis("_split_v2", axis, data.dim())
    n = data.shape[ax]
    if sections > 0:
        if n % sections:
            raise ShapeError(
                f"Operator _split_v2: axis {axis} of {tuple(data.shape)} (size {n}) "
                f"does not split into {sections} equal sections."
            )
        bounds = [i * (n // sections) for i in range(sections)]
    else:
        bounds = list(indices)
    bounds.append(n)
    parts = []
    for b, e in zip(bounds[:-1], bounds[1:], strict=True):
        p = data.narrow(ax, b, max(e - b, 0))
        parts.append((p.squeeze(ax) if squeeze_axis else p).clone())
    return parts[0] if len(parts) == 1 else tuple(parts)


register(
    OpDef(
        "_split_v2",
        _split_v2,
        params=(
            P("indices", "shape", REQUIRED, "Start index of each part (first is 0)."),
            P("axis", "int", 1, "Axis to split."),
            P("squeeze_axis", "bool", False, "Drop the split axis."),
            P("sections", "int", 0, "Equal sections (overrides indices when > 0)."),
        ),
        num_outputs=lambda a: a["sections"] if a.get("sections") else len(a["indices"]),
        doc="Split at ``indices`` along ``axis`` (backs ``nd.split_v2``).",
    )
)


# --------------------------------------------------------------------------- slicing
def _axis_slice(data, ax: int, b, e, st) -> torch.Tensor:
    n = data.shape[ax]
    st = 1 if st is None else st
    if st == 0:
        raise ShapeError("Operator slice: step cannot be 0.")
    start, stop, step = slice(b, e, st).indices(n)
    if step > 0:
        idx = [slice(None)] * data.dim()
        idx[ax] = slice(start, stop, step)
        return data[tuple(idx)]
    if len(range(start, stop, step)) == 0:  # x[3:-1:-1]: empty, as in numpy
        positions = torch.empty(0, dtype=torch.long, device=data.device)
    else:
        positions = torch.arange(start, stop, step, device=data.device)
    return torch.index_select(data, ax, positions)


def _slice(data, begin, end, step=()):
    if len(begin) != len(end) or (step and len(step) != len(begin)):
        raise ShapeError(
            f"Operator slice: begin {begin}, end {end} and step {step} must have the "
            "same length."
        )
    if len(begin) > data.dim():
        raise ShapeError(
            f"Operator slice: begin {begin} has more entries than input "
            f"{tuple(data.shape)} has axes."
        )
    out = data
    for ax, (b, e) in enumerate(zip(begin, end, strict=True)):
        st = step[ax] if step else 1
        out = _axis_slice(out, ax, b, e, st)
    return out


def _slice_len(n: int, b, e, st) -> int:
    """Length of ``[b:e:st]`` over a known axis of size ``n``; 0 if ``n`` unknown."""
    if not n:
        return 0
    st = 1 if st is None else st
    if st == 0:
        raise ShapeError("Operator slice: step cannot be 0.")
    return len(range(*slice(b, e, st).indices(n)))


def _slice_infer(in_shapes, attrs, out_shapes=None):
    (s,) = in_shapes
    begin, end, step = attrs["begin"], attrs["end"], attrs["step"] or ()
    if s is None:
        return [s], [None]
    if len(begin) != len(end) or (step and len(step) != len(begin)):
        raise ShapeError(
            f"Operator slice: begin {begin}, end {end} and step {step} must have the "
            "same length."
        )
    if len(begin) > len(s):
        raise ShapeError(
            f"Operator slice: begin {begin} has more entries than input "
            f"{fmt_shape(s)} has axes."
        )
    out = list(s)
    for ax, (b, e) in enumerate(zip(begin, end, strict=True)):
        out[ax] = _slice_len(s[ax], b, e, step[ax] if step else 1)
    return [s], [tuple(out)]


register(
    OpDef(
        "slice",
        _slice,
        infer_shape=_slice_infer,
        params=(
            P("begin", "shape", REQUIRED, "Start per axis (None = from the start)."),
            P("end", "shape", REQUIRED, "Stop per axis (None = to the end)."),
            P("step", "shape", (), "Step per axis (default 1)."),
        ),
        aliases=("crop",),
        returns_view=True,
        doc="Slice ``data[begin:end:step]`` over the leading axes.",
    )
)


def _slice_axis(data, axis, begin, end):
    ax = _norm_axis("slice_axis", axis, data.dim())
    return _axis_slice(data, ax, begin, end, 1)


def _slice_axis_infer(in_shapes, attrs, out_shapes=None):
    (s,) = in_shapes
    if s is None:
        return [s], [None]
    ax = _norm_axis("slice_axis", attrs["axis"], len(s))
    out = list(s)
    out[ax] = _slice_len(s[ax], attrs["begin"], attrs["end"], 1)
    return [s], [tuple(out)]


register(
    OpDef(
        "slice_axis",
        _slice_axis,
        infer_shape=_slice_axis_infer,
        params=(
            P("axis", "int", REQUIRED, "Axis to slice."),
            P("begin", "int", REQUIRED, "Start (negative counts from the end)."),
            P("end", "int", REQUIRED, "Stop (None = to the end)."),
        ),
        returns_view=True,
        doc="Slice ``[begin:end]`` along one axis.",
    )
)


def _slice_like(data, shape_like, axes=()):
    ref = shape_like.shape
    if axes:
        picked = [_norm_axis("slice_like", a, data.dim()) for a in axes]
    else:
        if len(ref) > data.dim():
            raise ShapeError(
                f"Operator slice_like: shape_like {tuple(ref)} has more axes than "
                f"data {tuple(data.shape)}."
            )
        picked = list(range(len(ref)))
    out = data
    for a in picked:
        if ref[a] > data.shape[a]:
            raise ShapeError(
                f"Operator slice_like: shape_like {tuple(ref)} is larger than data "
                f"{tuple(data.shape)} on axis {a}."
            )
        out = out.narrow(a, 0, ref[a])
    return out


register(
    OpDef(
        "slice_like",
        _slice_like,
        inputs=("data", "shape_like"),
        params=(P("axes", "shape", (), "Axes to slice; empty = all of shape_like."),),
        dtype_free_inputs=("shape_like",),
        returns_view=True,
        doc="Slice ``data`` to the shape of ``shape_like`` on ``axes``.",
    )
)


def _tile(data, reps):
    from ..util import is_np_shape

    reps = tuple(reps)
    bad = [r for r in reps if r < 0 or (r == 0 and not is_np_shape())]
    if bad:
        raise MXNetError(
            f"Operator tile: reps {reps} must be positive (0 is allowed only under "
            "numpy shape semantics, mx.np_shape(True), where it gives a zero-size "
            "array)."
        )
    return data.tile(reps) if reps else data.clone()


register(
    OpDef(
        "tile",
        _tile,
        params=(P("reps", "shape", REQUIRED, "Repetitions per axis (numpy.tile)."),),
        doc="Repeat the whole array ``reps`` times per axis (as numpy.tile).",
    )
)


def _repeat(data, repeats, axis=None):
    if axis is None:
        return data.reshape(-1).repeat_interleave(repeats)
    ax = _norm_axis("repeat", axis, data.dim())
    return data.repeat_interleave(repeats, dim=ax)


register(
    OpDef(
        "repeat",
        _repeat,
        params=(
            P("repeats", "int", REQUIRED, "Times to repeat each element."),
            P("axis", "axis", None, "Axis (None: the flattened array)."),
        ),
        doc="Repeat each element ``repeats`` times along ``axis``.",
    )
)


def _reverse(data, axis):
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return torch.flip(data, [_norm_axis("reverse", a, data.dim()) for a in axes])


register(
    OpDef(
        "reverse",
        _reverse,
        params=(P("axis", "axis", REQUIRED, "Axes to reverse."),),
        aliases=("flip",),
        infer_shape=same_shape_infer("reverse"),
        doc="Reverse the order of elements along ``axis``.",
    )
)


# --------------------------------------------------------------------------- broadcast
def _broadcast_to(data, shape=()):
    if len(shape) != data.dim():
        raise ShapeError(
            f"Operator broadcast_to: target shape {tuple(shape)} must have the same "
            f"number of axes as the input {tuple(data.shape)}."
        )
    target = []
    for i, (d, t) in enumerate(zip(data.shape, shape, strict=True)):
        t = d if t == 0 else t
        if d != t and d != 1:
            raise ShapeError(
                f"Operator broadcast_to: cannot broadcast input {tuple(data.shape)} "
                f"to {tuple(shape)}: axis {i} has size {d}, which is not 1."
            )
        target.append(t)
    return data.expand(target)


def _broadcast_to_infer(in_shapes, attrs, out_shapes=None):
    (s,) = in_shapes
    shape = tuple(attrs.get("shape") or ())
    if s is None:
        return [None], [shape if shape and all(d > 0 for d in shape) else None]
    if len(shape) != len(s):
        raise ShapeError(
            f"Operator broadcast_to: target shape {shape} must have the same number "
            f"of axes as the input {fmt_shape(s)}."
        )
    out = tuple(d if t == 0 else t for d, t in zip(s, shape, strict=True))
    for d, t in zip(s, out, strict=True):
        if d > 0 and t > 0 and d != t and d != 1:
            raise ShapeError(
                f"Operator broadcast_to: cannot broadcast input {fmt_shape(s)} to "
                f"{shape}."
            )
    return [s], [out]


register(
    OpDef(
        "broadcast_to",
        _broadcast_to,
        params=(P("shape", "shape", (), "Target shape; 0 keeps the input dim."),),
        infer_shape=_broadcast_to_infer,
        returns_view=True,
        doc="Broadcast size-1 axes to ``shape``.",
    )
)


def _broadcast_like(lhs, rhs, lhs_axes=None, rhs_axes=None):
    if lhs_axes is None and rhs_axes is None:
        return (
            _broadcast_to(lhs, tuple(rhs.shape))
            if lhs.dim() == rhs.dim()
            else (lhs.expand(rhs.shape))
        )
    la = (lhs_axes,) if isinstance(lhs_axes, int) else tuple(lhs_axes or ())
    ra = (rhs_axes,) if isinstance(rhs_axes, int) else tuple(rhs_axes or ())
    if (lhs_axes is not None and not la) or (rhs_axes is not None and not ra):
        raise ShapeError(
            f"Operator broadcast_like: empty axes tuple (lhs_axes={la}, "
            f"rhs_axes={ra}); give the axes to broadcast, or neither to broadcast "
            "lhs to rhs's whole shape."
        )
    if len(la) != len(ra):
        raise ShapeError(
            f"Operator broadcast_like: lhs_axes {la} and rhs_axes {ra} must have "
            "the same length."
        )
    target = list(lhs.shape)
    for a, b in zip(la, ra, strict=True):
        target[_norm_axis("broadcast_like", a, lhs.dim())] = rhs.shape[
            _norm_axis("broadcast_like", b, rhs.dim())
        ]
    return _broadcast_to(lhs, tuple(target))


register(
    OpDef(
        "broadcast_like",
        _broadcast_like,
        inputs=("lhs", "rhs"),
        params=(
            P("lhs_axes", "axis", None, "Axes of lhs to broadcast."),
            P("rhs_axes", "axis", None, "Axes of rhs giving the sizes."),
        ),
        dtype_free_inputs=("rhs",),
        returns_view=True,
        doc="Broadcast ``lhs`` to the shape of ``rhs`` (or some of its axes).",
    )
)


def _broadcast_axis(data, axis=(), size=()):
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    sizes = (size,) if isinstance(size, int) else tuple(size)
    if len(axes) != len(sizes):
        raise ShapeError(
            f"Operator broadcast_axis: axis {axes} and size {sizes} must have the "
            "same length."
        )
    target = list(data.shape)
    for a, n in zip(axes, sizes, strict=True):
        a = _norm_axis("broadcast_axis", a, data.dim())
        if data.shape[a] != 1:
            raise ShapeError(
                f"Operator broadcast_axis: axis {a} of input {tuple(data.shape)} has "
                f"size {data.shape[a]}; only size-1 axes can be broadcast."
            )
        target[a] = n
    return data.expand(target)


register(
    OpDef(
        "broadcast_axis",
        _broadcast_axis,
        params=(
            P("axis", "axis", (), "Axes to broadcast."),
            P("size", "axis", (), "Target size of each axis."),
        ),
        aliases=("broadcast_axes",),
        returns_view=True,
        doc="Broadcast size-1 ``axis`` entries to ``size``.",
    )
)


def _reshape_like(lhs, rhs, lhs_begin=None, lhs_end=None, rhs_begin=None, rhs_end=None):
    ls, rs = tuple(lhs.shape), tuple(rhs.shape)

    def pos(v, default, n):
        if v is None:
            return default
        return v + n if v < 0 else v

    lb, le = pos(lhs_begin, 0, len(ls)), pos(lhs_end, len(ls), len(ls))
    rb, re = pos(rhs_begin, 0, len(rs)), pos(rhs_end, len(rs), len(rs))
    target = ls[:lb] + rs[rb:re] + ls[le:]
    if _prod(target) != _prod(ls):
        raise ShapeError(
            f"Operator reshape_like: cannot reshape lhs {ls} to {target} (from rhs "
            f"{rs}); the sizes differ."
        )
    return lhs.reshape(target)


register(
    OpDef(
        "reshape_like",
        _reshape_like,
        inputs=("lhs", "rhs"),
        params=(
            P("lhs_begin", "int", None, "First lhs axis replaced."),
            P("lhs_end", "int", None, "End of the replaced lhs axes."),
            P("rhs_begin", "int", None, "First rhs axis used."),
            P("rhs_end", "int", None, "End of the used rhs axes."),
        ),
        dtype_free_inputs=("rhs",),
        returns_view=True,
        doc="Reshape ``lhs`` to (part of) the shape of ``rhs``.",
    )
)


def _shape_array(data):
    return torch.tensor(tuple(data.shape), dtype=torch.int64, device=data.device)


def _size_array(data):
    return torch.tensor([data.numel()], dtype=torch.int64, device=data.device)


def _int64_out(in_types, attrs):
    return in_types, ["int64"]


def _shape_array_infer(in_shapes, attrs, out_shapes=None):
    (s,) = in_shapes
    return [s], [None if s is None else (len(s),)]


def _size_array_infer(in_shapes, attrs, out_shapes=None):
    return list(in_shapes), [(1,)]


register(
    OpDef(
        "shape_array",
        _shape_array,
        infer_shape=_shape_array_infer,
        infer_type=_int64_out,
        doc="The shape of the input as an int64 array.",
    )
)
register(
    OpDef(
        "size_array",
        _size_array,
        infer_shape=_size_array_infer,
        infer_type=_int64_out,
        doc="The size of the input as an int64 array of shape (1,).",
    )
)


# --------------------------------------------------------------------------- pad
def _pad(data, mode, pad_width, constant_value=0.0):
    nd = data.dim()
    if nd not in (4, 5) or len(pad_width) != 2 * nd or any(pad_width[:4]):
        raise ShapeError(
            f"Operator Pad: input {tuple(data.shape)} with pad_width "
            f"{tuple(pad_width)}: needs a 4-D or 5-D input, 2 values per axis and no "
            "padding on the first two axes."
        )
    torch_pad = []
    for ax in reversed(range(2, nd)):
        torch_pad += [pad_width[2 * ax], pad_width[2 * ax + 1]]
    if mode == "constant":
        return F.pad(data, torch_pad, mode="constant", value=constant_value)
    return F.pad(data, torch_pad, mode="replicate" if mode == "edge" else "reflect")


register(
    OpDef(
        "Pad",
        _pad,
        params=(
            P(
                "mode",
                "str",
                REQUIRED,
                "Padding mode.",
                ("constant", "edge", "reflect"),
            ),
            P("pad_width", "shape", REQUIRED, "Before/after widths per axis."),
            P("constant_value", "float", 0.0, "Fill value in constant mode."),
        ),
        aliases=("pad",),
        doc="Pad the spatial axes of a 4-D/5-D array.",
        cse=False,
    )
)


# --------------------------------------------------------------------------- depth
def _check_block(op: str, data, b: int) -> None:
    if data.dim() != 4:
        raise ShapeError(
            f"Operator {op}: data must be 4-D (N, C, H, W), got {tuple(data.shape)}."
        )
    if b <= 0:
        raise ShapeError(f"Operator {op}: block_size must be positive, got {b}.")
    if any(d == 0 for d in data.shape):
        # MXNet's legacy shapes: 0 is an unknown dim, not an empty one.
        raise ShapeError(
            f"Operator {op}: data {tuple(data.shape)} has a zero-size dim; every "
            "dim must be positive."
        )


def _depth_to_space(data, block_size):
    _check_block("depth_to_space", data, block_size)
    n, c, h, w = data.shape
    b = block_size
    if c % (b * b):
        raise ShapeError(
            f"Operator depth_to_space: channels {c} of input {tuple(data.shape)} "
            f"are not divisible by block_size**2 = {b * b}."
        )
    x = data.reshape(n, b, b, c // (b * b), h, w).permute(0, 3, 4, 1, 5, 2)
    return x.reshape(n, c // (b * b), h * b, w * b)


def _space_to_depth(data, block_size):
    _check_block("space_to_depth", data, block_size)
    n, c, h, w = data.shape
    b = block_size
    if h % b or w % b:
        raise ShapeError(
            f"Operator space_to_depth: height and width of input "
            f"{tuple(data.shape)} must be divisible by block_size={b}."
        )
    x = data.reshape(n, c, h // b, b, w // b, b).permute(0, 3, 5, 1, 2, 4)
    return x.reshape(n, c * b * b, h // b, w // b)


for _name, _fn in (
    ("depth_to_space", _depth_to_space),
    ("space_to_depth", _space_to_depth),
):
    register(
        OpDef(
            _name,
            _fn,
            params=(P("block_size", "int", REQUIRED, "Block size."),),
            doc=f"``{_name}`` rearrangement of an NCHW array (DCR order).",
        )
    )
