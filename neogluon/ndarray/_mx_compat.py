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


class CachedOp:
    """A Symbol compiled once and called on NDArrays (MXNet's ``nd.CachedOp``).

    ``CachedOp(sym)(*inputs)`` takes one NDArray per ``sym.list_inputs()``
    entry, in that order, and returns the output NDArray (a list for several
    outputs); ``out=`` writes into given arrays instead. Inside
    ``autograd.record()`` the call is recorded. ``flags`` (MXNet's
    ``static_alloc`` / ``static_shape`` ... hints) are accepted and stored.
    """

    __slots__ = ("_graph", "_symbol", "flags", "_monitor_callback")

    def __init__(self, sym, flags=()) -> None:
        from ..symbol.executor import compile_graph
        from ..symbol.symbol import Symbol

        if not isinstance(sym, Symbol):
            raise TypeError(f"CachedOp needs a Symbol, got {type(sym).__name__}")
        self._symbol = sym
        self._graph = compile_graph(sym)
        self.flags = tuple(flags)
        self._monitor_callback = None

    def __call__(self, *args, **kwargs):
        from .. import _state
        from .ndarray import NDArray
        from .ndarray import from_torch

        out = kwargs.pop("out", None)
        if kwargs:
            raise TypeError(
                "CachedOp.__call__ got unexpected keyword argument(s): "
                + ", ".join(kwargs)
            )
        names = self._graph.input_names
        if len(args) != len(names) or not all(isinstance(a, NDArray) for a in args):
            raise ValueError(
                f"CachedOp expects {len(names)} NDArray inputs {names} (the symbol's "
                f"list_inputs() order), got {[type(a).__name__ for a in args]}"
            )
        tensors = [a._data for a in args]
        record = _state.flags.recording
        if self._monitor_callback is not None:
            from ..symbol._monitor import run_monitored

            callback, monitor_all = self._monitor_callback
            outs = run_monitored(
                self._symbol, names, tensors, callback, monitor_all, record=record
            )
        elif record:
            outs = self._graph(tensors)
        else:
            import torch

            with torch.no_grad():
                outs = self._graph(tensors)
        ctx = args[0].context if args else None
        results = [from_torch(t, ctx) for t in outs]
        if out is not None:
            targets = [out] if isinstance(out, NDArray) else list(out)
            for dst, res in zip(targets, results, strict=True):
                dst[:] = res
            return out
        return results[0] if len(results) == 1 else results

    def _register_op_hook(self, callback, monitor_all: bool = False) -> None:
        """``callback(node_name, op_name, array)`` per operator output (and
        input with ``monitor_all``); see :mod:`neogluon.symbol._monitor`."""
        self._monitor_callback = (callback, bool(monitor_all)) if callback else None
