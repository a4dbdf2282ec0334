"""Operator family: array creation (``_zeros``, ``_ones``, ``_full``, ``_arange``,
``_linspace``, ``_eye``), used by ``sym.zeros`` and friends.

Creation ops take no array inputs; ``shape``, ``ctx`` and ``dtype`` are
attributes. ``ctx`` is a :class:`~neogluon.context.Context`, MXNet's string form
(``'gpu(0)'``) or empty for the current context.
"""

from __future__ import annotations

import torch

from .._dtypes import to_torch_dtype
from .registry import REQUIRED
from .registry import OpDef
from .registry import P
from .registry import register

_ALL_DTYPES = (
    "bfloat16",
    "bool",
    "float16",
    "float32",
    "float64",
    "int32",
    "int64",
    "int8",
    "uint8",
)


def device_of(ctx) -> torch.device:
    """The torch device for a ``ctx`` attribute (Context, string or empty)."""
    from ..context import Context
    from ..context import current_context

    if ctx is None or ctx == "":
        return current_context().torch_device
    if isinstance(ctx, Context):
        return ctx.torch_device
    if isinstance(ctx, torch.device):
        return ctx
    if isinstance(ctx, str):
        name, _, rest = ctx.partition("(")
        idx = int(rest.rstrip(")")) if rest else 0
        return Context(name, idx).torch_device
    raise TypeError(f"expected a Context such as mx.cpu() or 'gpu(0)', got {ctx!r}")


def dtype_of(dtype, default: str = "float32") -> torch.dtype:
    return to_torch_dtype(default if dtype is None else dtype)


def attr_shape_infer(in_shapes, attrs, out_shapes=None):
    """Output shape from the ``shape`` attr (0 dims stay unknown)."""
    shape = attrs.get("shape")
    return list(in_shapes), [tuple(shape) if shape is not None else None]


def attr_dtype_infer(default: str):
    def infer(in_types, attrs):
        return in_types, [attrs.get("dtype") or default]

    return infer


def _ctx_param():
    return P("ctx", "any", "", "Device (Context or 'cpu(0)'); empty = current.")


def _shape_param(default=()):
    return P("shape", "shape", default, "Output shape.")


def _dtype_param(choices=_ALL_DTYPES):
    return P("dtype", "dtype", "float32", "Output dtype.", choices)


def _zeros(shape=(), ctx="", dtype="float32"):
    return torch.zeros(tuple(shape or ()), dtype=dtype_of(dtype), device=device_of(ctx))


def _ones(shape=(), ctx="", dtype="float32"):
    return torch.ones(tuple(shape or ()), dtype=dtype_of(dtype), device=device_of(ctx))


def _full(shape=(), ctx="", dtype="float32", value=0.0):
    return torch.full(
        tuple(shape or ()), value, dtype=dtype_of(dtype), device=device_of(ctx)
    )


for _name, _fn, _extra in (
    ("_zeros", _zeros, ()),
    ("_ones", _ones, ()),
    ("_full", _full, (P("value", "float", REQUIRED, "Fill value."),)),
):
    register(
        OpDef(
            _name,
            _fn,
            inputs=(),
            params=(_shape_param(), _ctx_param(), _dtype_param()) + _extra,
            creation=True,
            infer_shape=attr_shape_infer,
            infer_type=attr_dtype_infer("float32"),
            doc=f"``{_name[1:]}``: a new array of ``shape`` (float32 by default).",
        )
    )


def _arange(
    start,
    stop=None,
    step=1.0,
    repeat=1,
    infer_range=False,
    ctx="",
    dtype="float32",
):
    return arange_tensor(start, stop, step, repeat, dtype_of(dtype), device_of(ctx))


def arange_tensor(start, stop, step, repeat, dt: torch.dtype, dev) -> torch.Tensor:
    """MXNet's ``arange`` values (shared by the op and ``nd.arange``)."""
    import math

    if stop is None:
        start, stop = 0.0, start
    n = max(0, math.ceil((stop - start) / step))
    # As MXNet: the length from the float values, then every element computed
    # in the output dtype as start + i * step with start and step cast to it
    # first (an integer dtype truncates them: arange(1.3, 456.6, 1.3) as int32
    # is 1, 2, 3, ...; integer results wrap around as in C).
    idx = torch.arange(n, dtype=torch.int64, device=dev)
    if dt.is_floating_point:
        t = idx.to(dt) * torch.tensor(step, dtype=dt) + torch.tensor(start, dtype=dt)
    else:
        t = (idx * math.trunc(step) + math.trunc(start)).to(dt)
    if repeat != 1:
        t = t.repeat_interleave(repeat)
    return t


def _arange_infer(in_shapes, attrs, out_shapes=None):
    import math

    start, stop, step = attrs["start"], attrs.get("stop"), attrs.get("step", 1.0)
    if stop is None:
        start, stop = 0.0, start
    n = max(0, math.ceil((stop - start) / step))
    return [], [(n * attrs.get("repeat", 1),)]


register(
    OpDef(
        "_arange",
        _arange,
        inputs=(),
        params=(
            P("start", "float", REQUIRED, "Start (or stop when stop is None)."),
            P("stop", "float", None, "End (exclusive)."),
            P("step", "float", 1.0, "Spacing."),
            P("repeat", "int", 1, "Times each value is repeated."),
            P("infer_range", "bool", False, "Infer stop from the output size."),
            _ctx_param(),
            _dtype_param(tuple(d for d in _ALL_DTYPES if d != "bool")),
        ),
        creation=True,
        infer_shape=_arange_infer,
        infer_type=attr_dtype_infer("float32"),
        doc=(
            "Evenly spaced values in ``[start, stop)``: ``start + i * step`` in "
            "the output dtype (integer dtypes truncate start and step first), each "
            "repeated ``repeat`` times.\n\nNotes\n-----\nDiffers from MXNet "
            "1.9.1: MXNet's float16 arange also truncates a fractional start and "
            "step to integers (``arange(0.5, 3.7, 0.6, dtype='float16')`` is all "
            "zeros); here they are rounded to float16."
        ),
    )
)


def _linspace(start, stop, num, endpoint=True, ctx="", dtype="float32"):
    dev = device_of(ctx)
    if endpoint:
        t = torch.linspace(start, stop, num, dtype=torch.float64, device=dev)
    else:
        t = torch.linspace(start, stop, num + 1, dtype=torch.float64, device=dev)[:num]
    return t.to(dtype_of(dtype))


def _linspace_infer(in_shapes, attrs, out_shapes=None):
    return [], [(attrs["num"],)]


register(
    OpDef(
        "_linspace",
        _linspace,
        inputs=(),
        params=(
            P("start", "float", REQUIRED, "First value."),
            P("stop", "float", REQUIRED, "Last value (or end if not endpoint)."),
            P("num", "int", REQUIRED, "Number of values."),
            P("endpoint", "bool", True, "Include stop."),
            _ctx_param(),
            _dtype_param(tuple(d for d in _ALL_DTYPES if d != "bool")),
        ),
        creation=True,
        infer_shape=_linspace_infer,
        infer_type=attr_dtype_infer("float32"),
        doc="``num`` evenly spaced values from ``start`` to ``stop``.",
    )
)


def _eye(N, M=0, k=0, ctx="", dtype="float32"):
    m = M if M > 0 else N
    t = torch.zeros((N, m), dtype=dtype_of(dtype), device=device_of(ctx))
    t.diagonal(k).fill_(1)
    return t


def _eye_infer(in_shapes, attrs, out_shapes=None):
    n = attrs["N"]
    return [], [(n, attrs.get("M") or n)]


register(
    OpDef(
        "_eye",
        _eye,
        inputs=(),
        params=(
            P("N", "int", REQUIRED, "Rows."),
            P("M", "int", 0, "Columns (0: N)."),
            P("k", "int", 0, "Diagonal offset."),
            _ctx_param(),
            _dtype_param(
                ("float16", "float32", "float64", "int32", "int64", "int8", "uint8")
            ),
        ),
        creation=True,
        infer_shape=_eye_infer,
        infer_type=attr_dtype_infer("float32"),
        doc="A 2-D array with ones on the ``k``-th diagonal.",
    )
)
