"""NumPy-interface creation operators: ``_npi_zeros``, ``_npi_arange``, ...

No array inputs (except ``_npi_full_like``); ``shape``, ``ctx`` and ``dtype``
are attributes as in :mod:`.creation`. ``shape=()`` is a 0-d array.
"""

from __future__ import annotations

import math

import torch

from .creation import _arange
from .creation import _arange_infer
from .creation import _full
from .creation import _linspace
from .creation import _linspace_infer
from .creation import _ones
from .creation import _zeros
from .creation import attr_dtype_infer
from .creation import device_of
from .creation import dtype_of
from .elemwise import same_shape_infer
from .registry import REQUIRED
from .registry import OpDef
from .registry import P
from .registry import register

__all__: list[str] = []

_ALL = (
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
_NOBOOL = tuple(d for d in _ALL if d != "bool")


def _ctx():
    return P("ctx", "any", "", "Device (Context or 'cpu(0)'); empty = current.")


def _dt(choices=_ALL, default="float32"):
    return P("dtype", "dtype", default, "Output dtype.", choices)


def _shape_infer(in_shapes, attrs, out_shapes=None):
    return list(in_shapes), [tuple(attrs.get("shape") or ())]


for _name, _fn, _extra in (
    # the legacy creation kernels: same arguments, same results
    ("_npi_zeros", _zeros, ()),
    ("_npi_ones", _ones, ()),
    ("_npi_full", _full, (P("value", "float", REQUIRED, "Fill value."),)),
):
    register(
        OpDef(
            _name,
            _fn,
            inputs=(),
            params=(P("shape", "shape", (), "Output shape; () is 0-d."), _ctx(), _dt())
            + _extra,
            creation=True,
            infer_shape=_shape_infer,
            infer_type=attr_dtype_infer("float32"),
            doc=f"A new array of ``shape`` ({_name[5:]}).",
        )
    )


def _full_like(a, fill_value, ctx="", dtype=None):
    dt = a.dtype if dtype is None else dtype_of(dtype)
    dev = a.device if ctx in ("", None) else device_of(ctx)
    return torch.full(tuple(a.shape), fill_value, dtype=dt, device=dev)


register(
    OpDef(
        "_npi_full_like",
        _full_like,
        inputs=("a",),
        params=(
            P("fill_value", "float", REQUIRED, "Fill value."),
            _ctx(),
            _dt((None, *_ALL), None),
        ),
        infer_shape=same_shape_infer("_npi_full_like"),
        infer_type=lambda in_types, attrs: (
            in_types,
            [attrs.get("dtype") or in_types[0]],
        ),
        doc="An array of ``a``'s shape filled with ``fill_value``.",
    )
)

_ARANGE_PARAMS = (
    P("start", "float", REQUIRED, "Start (or stop when stop is None)."),
    P("stop", "float", None, "End (exclusive)."),
    P("step", "float", 1.0, "Spacing."),
    P("repeat", "int", 1, "Times each value is repeated."),
    P("infer_range", "bool", False, "Infer stop from the output size."),
    _ctx(),
    _dt(_NOBOOL),
)
register(
    OpDef(
        "_npi_arange",
        _arange,
        inputs=(),
        params=_ARANGE_PARAMS,
        creation=True,
        infer_shape=_arange_infer,
        infer_type=attr_dtype_infer("float32"),
        doc="Evenly spaced values in ``[start, stop)``.",
    )
)

register(
    OpDef(
        "_npi_linspace",
        _linspace,
        inputs=(),
        params=(
            P("start", "float", REQUIRED, "First value."),
            P("stop", "float", REQUIRED, "Last value (or end if not endpoint)."),
            P("num", "int", REQUIRED, "Number of values."),
            P("endpoint", "bool", True, "Include stop."),
            _ctx(),
            _dt(_NOBOOL),
        ),
        creation=True,
        infer_shape=_linspace_infer,
        infer_type=attr_dtype_infer("float32"),
        doc="``num`` evenly spaced values from ``start`` to ``stop``.",
    )
)


def _logspace(start, stop, num, endpoint=True, base=10.0, ctx="", dtype="float32"):
    exps = _linspace(start, stop, num, endpoint, ctx, "float64")
    return torch.pow(base, exps).to(dtype_of(dtype))


register(
    OpDef(
        "_npi_logspace",
        _logspace,
        inputs=(),
        params=(
            P("start", "float", REQUIRED, "base ** start is the first value."),
            P("stop", "float", REQUIRED, "base ** stop is the last value."),
            P("num", "int", REQUIRED, "Number of values."),
            P("endpoint", "bool", True, "Include stop."),
            P("base", "float", 10.0, "The base."),
            _ctx(),
            _dt(_NOBOOL),
        ),
        creation=True,
        infer_shape=_linspace_infer,
        infer_type=attr_dtype_infer("float32"),
        doc="``num`` values spaced evenly on a log scale.",
    )
)


def _eye(N, M=None, k=0, ctx="", dtype="float32"):
    m = N if M is None else M
    t = torch.zeros((N, m), dtype=dtype_of(dtype), device=device_of(ctx))
    if -N < k < m:
        t.diagonal(k).fill_(1)
    return t


register(
    OpDef(
        "_npi_eye",
        _eye,
        inputs=(),
        params=(
            P("N", "int", REQUIRED, "Rows."),
            P("M", "int", None, "Columns (None: N)."),
            P("k", "int", 0, "Diagonal offset."),
            _ctx(),
            _dt(_NOBOOL),
        ),
        creation=True,
        infer_shape=lambda in_shapes, attrs, out_shapes=None: (
            [],
            [(attrs["N"], attrs["N"] if attrs.get("M") is None else attrs["M"])],
        ),
        infer_type=attr_dtype_infer("float32"),
        doc="A 2-D array with ones on the ``k``-th diagonal.",
    )
)


def _identity(shape=(), ctx="", dtype="float32"):
    n = shape[0] if shape else 0
    return torch.eye(n, dtype=dtype_of(dtype), device=device_of(ctx))


register(
    OpDef(
        "_npi_identity",
        _identity,
        inputs=(),
        params=(P("shape", "shape", (), "(n, n)."), _ctx(), _dt()),
        creation=True,
        infer_shape=_shape_infer,
        infer_type=attr_dtype_infer("float32"),
        doc="The identity matrix of shape ``(n, n)``.",
    )
)


def _indices(dimensions, dtype="int32", ctx=""):
    dims = tuple(dimensions)
    grids = torch.meshgrid(
        *[torch.arange(d, device=device_of(ctx)) for d in dims], indexing="ij"
    )
    if not dims:
        return torch.zeros((0,), dtype=dtype_of(dtype), device=device_of(ctx))
    return torch.stack(grids).to(dtype_of(dtype))


register(
    OpDef(
        "_npi_indices",
        _indices,
        inputs=(),
        params=(
            P("dimensions", "shape", REQUIRED, "Shape of the grid."),
            _dt(_NOBOOL, "int32"),
            _ctx(),
        ),
        creation=True,
        infer_shape=lambda in_shapes, attrs, out_shapes=None: (
            [],
            [(len(attrs["dimensions"]), *attrs["dimensions"])],
        ),
        infer_type=attr_dtype_infer("int32"),
        doc="An array of grid indices, one slice per dimension.",
    )
)


def _window(kind: str):
    def kernel(M=None, ctx="", dtype="float32"):
        m = int(M) if M is not None else 0
        dev = device_of(ctx)
        if m <= 0:
            return torch.zeros((0,), dtype=dtype_of(dtype), device=dev)
        if m == 1:
            return torch.ones((1,), dtype=dtype_of(dtype), device=dev)
        n = torch.arange(m, dtype=torch.float64, device=dev)
        x = 2.0 * math.pi * n / (m - 1)
        if kind == "hanning":
            w = 0.5 - 0.5 * torch.cos(x)
        elif kind == "hamming":
            w = 0.54 - 0.46 * torch.cos(x)
        else:
            w = 0.42 - 0.5 * torch.cos(x) + 0.08 * torch.cos(2.0 * x)
        return w.to(dtype_of(dtype))

    return kernel


for _kind in ("hanning", "hamming", "blackman"):
    register(
        OpDef(
            f"_npi_{_kind}",
            _window(_kind),
            inputs=(),
            params=(P("M", "int", None, "Number of points."), _ctx(), _dt(_NOBOOL)),
            creation=True,
            infer_shape=lambda in_shapes, attrs, out_shapes=None: (
                [],
                [(max(int(attrs.get("M") or 0), 0),)],
            ),
            infer_type=attr_dtype_infer("float32"),
            doc=f"The {_kind} window of ``M`` points.",
        )
    )
