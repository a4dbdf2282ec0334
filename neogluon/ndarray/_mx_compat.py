"""Names MXNet 1.9.1's ``mxnet.ndarray.ndarray`` module carries besides NDArray.

DLPack's ctypes layouts, the indexing helpers MXNet's ``__getitem__`` uses
(re-implemented for callers that import them), and the names with no
counterpart here (``_new_empty_handle`` needs libmxnet; ``imdecode`` is the
deprecated decoder, replaced by ``mx.image.imdecode``). ``neogluon.ndarray``
attaches them to ``nd.ndarray`` and ``nd``.
"""

from __future__ import annotations

import ctypes

import numpy as np

from .. import _missing
from ..base import _LIB
from ..base import MXNetError
from ..base import NDArrayHandle
from ..base import check_call
from ..base import integer_types

__all__ = [
    "DLContext",
    "DLDataType",
    "DLManagedTensor",
    "DLTensor",
    "check_boolean_array_dimension",
    "get_indexing_dispatch_code",
    "get_oshape_of_gather_nd_op",
    "imdecode",
    "indexing_key_expand_implicit_axes",
]

# Dispatch codes of MXNet's indexing.
_NDARRAY_UNSUPPORTED_INDEXING = -1
_NDARRAY_BASIC_INDEXING = 0
_NDARRAY_ADVANCED_INDEXING = 1
_NDARRAY_EMPTY_TUPLE_INDEXING = 2
# 0-d boolean index markers (``prepend`` of indexing_key_expand_implicit_axes).
_NDARRAY_NO_ZERO_DIM_BOOL_ARRAY = -1
_NDARRAY_ZERO_DIM_BOOL_ARRAY_FALSE = 0
_NDARRAY_ZERO_DIM_BOOL_ARRAY_TRUE = 1


class DLContext(ctypes.Structure):
    """DLPack device (``device_type``, ``device_id``)."""

    _fields_ = [("device_type", ctypes.c_int), ("device_id", ctypes.c_int)]  # noqa: RUF012


class DLDataType(ctypes.Structure):
    """DLPack element type (``type_code``, ``bits``, ``lanes``)."""

    _fields_ = [  # noqa: RUF012
        ("type_code", ctypes.c_uint8),
        ("bits", ctypes.c_uint8),
        ("lanes", ctypes.c_uint16),
    ]


class DLTensor(ctypes.Structure):
    """DLPack tensor descriptor."""

    _fields_ = [  # noqa: RUF012
        ("data", ctypes.c_void_p),
        ("ctx", DLContext),
        ("ndim", ctypes.c_int),
        ("dtype", DLDataType),
        ("shape", ctypes.POINTER(ctypes.c_int64)),
        ("strides", ctypes.POINTER(ctypes.c_int64)),
        ("byte_offset", ctypes.c_uint64),
    ]


class DLManagedTensor(ctypes.Structure):
    """DLPack managed tensor (tensor, manager context, deleter)."""


DeleterFunc = ctypes.CFUNCTYPE(None, ctypes.POINTER(DLManagedTensor))
DLManagedTensor._fields_ = [  # noqa: SLF001 - ctypes self-reference
    ("dl_tensor", DLTensor),
    ("manager_ctx", ctypes.c_void_p),
    ("deleter", DeleterFunc),
]


def _new_empty_handle():
    """A new empty libmxnet NDArray handle: neogluon has no libmxnet, so this
    raises MXNetError (through ``_LIB``)."""
    hdl = NDArrayHandle()
    check_call(_LIB.MXNDArrayCreateNone(ctypes.byref(hdl)))
    return hdl


def check_boolean_array_dimension(array_shape, axis: int, bool_shape) -> None:
    """Raise IndexError unless a boolean index of ``bool_shape`` fits
    ``array_shape`` from ``axis`` on."""
    for i, size in enumerate(bool_shape):
        if axis + i >= len(array_shape) or array_shape[axis + i] != size:
            have = array_shape[axis + i] if axis + i < len(array_shape) else None
            raise IndexError(
                f"boolean index did not match indexed array along axis {axis + i}; "
                f"size is {have} but corresponding boolean size is {size}"
            )


def _is_array(x) -> bool:
    from .ndarray import NDArray

    return isinstance(x, (NDArray, np.ndarray))


def indexing_key_expand_implicit_axes(key, shape):
    """Spell out the axes an indexing ``key`` leaves implicit.

    Returns ``(expanded_key, prepend)``: the ellipsis (explicit, or implied
    after the last entry) is replaced by one ``slice(None)`` per axis it
    covers; 0-d integer arrays become ints. ``prepend`` is -1 (MXNet's code for
    "no 0-d boolean index"). Boolean array indices need numpy semantics, which
    legacy mode (and so neogluon) lacks: they raise ValueError, as MXNet's
    legacy mode does.

    >>> indexing_key_expand_implicit_axes((0,), (3, 4, 5))[0]
    (0, slice(None, None, None), slice(None, None, None))
    """
    if not isinstance(key, tuple):
        key = (key,)
    ell_idx = None
    num_none = 0
    explicit: list = []
    prepend = _NDARRAY_NO_ZERO_DIM_BOOL_ARRAY
    axis = 0
    for i, idx in enumerate(key):
        if idx is Ellipsis:
            if ell_idx is not None:
                raise IndexError(
                    "Cannot use more than one ellipsis (`...`) for indexing"
                )
            ell_idx = i
            continue
        if idx is None:
            num_none += 1
        is_bool = isinstance(idx, bool) or (
            _is_array(idx) and np.dtype(idx.dtype) == np.bool_
        )
        if is_bool:
            if _is_array(idx) and idx.ndim:
                check_boolean_array_dimension(shape, axis, idx.shape)
            raise ValueError(
                "Cannot perform boolean indexing in legacy mode. Please activate "
                "numpy semantics by calling `npx.set_np()` in the global scope "
                "before calling this function."
            )
        if _is_array(idx) and idx.ndim == 0:
            explicit.append(int(idx.item() if hasattr(idx, "item") else idx.asscalar()))
        else:
            explicit.append(idx)
        axis += 1
    explicit_key = tuple(explicit)
    if ell_idx is None:
        ell_idx = len(explicit_key)
    ell_ndim = len(shape) + num_none - len(explicit_key)
    expanded = (
        explicit_key[:ell_idx] + (slice(None),) * ell_ndim + explicit_key[ell_idx:]
    )
    return expanded, prepend


def get_indexing_dispatch_code(key) -> int:
    """0 for basic indexing (ints, slices, None), 1 for advanced (arrays,
    lists, ranges), 2 for an empty tuple inside the key; ValueError otherwise."""
    if not isinstance(key, tuple):
        raise TypeError(f"get_indexing_dispatch_code expects a tuple, got {key!r}")
    from .ndarray import NDArray

    for idx in key:
        if isinstance(idx, (NDArray, np.ndarray, list, tuple, range)):
            if isinstance(idx, tuple) and len(idx) == 0:
                return _NDARRAY_EMPTY_TUPLE_INDEXING
            return _NDARRAY_ADVANCED_INDEXING
        if not (isinstance(idx, (slice, *integer_types)) or idx is None):
            raise ValueError(
                f"NDArray does not support slicing with key {idx} of type {type(idx)}."
            )
    return _NDARRAY_BASIC_INDEXING


def get_oshape_of_gather_nd_op(dshape, ishape) -> tuple:
    """Output shape of ``gather_nd(data, indices)``: ``ishape[1:]`` followed by
    the data dims past the ``ishape[0]`` indexed ones."""
    if not dshape or not ishape:
        raise ValueError(
            f"get_oshape_of_gather_nd_op: empty shape (data {dshape}, indices {ishape})"
        )
    out = list(ishape[1:])
    if ishape[0] < len(dshape):
        out.extend(dshape[ishape[0] :])
    return tuple(out)


def imdecode(str_img, clip_rect=(0, 0, 0, 0), out=None, index=0, channels=3, mean=None):
    """MXNet's deprecated ``nd.imdecode`` (the ``_imdecode`` operator, CHW with
    clip/mean options) is not provided: raises MXNetError. Use
    ``mx.image.imdecode`` (HWC uint8), then ``nd.transpose`` / crop as needed."""
    raise MXNetError(
        "nd.imdecode is MXNet's deprecated decoder and is not provided by neogluon; "
        "use mx.image.imdecode(buf) (HWC uint8 RGB), then transpose/crop/subtract "
        "the mean as needed."
    )


#: ``nd.Custom`` / ``sym.Custom``: Python custom operators (mx.operator).
CUSTOM_AREA = (
    "mx.operator, Python custom operators (CustomOp/CustomOpProp)",
    "issue 9",
    "mx.autograd.Function or a gluon.HybridBlock",
)


def custom_placeholder(module: str):
    area, planned, instead = CUSTOM_AREA
    return _missing.placeholder_function(module, "Custom", area, planned, instead)
