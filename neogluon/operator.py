"""``mx.operator``: operators written in Python (MXNet's custom operator API).

Subclass :class:`CustomOp` (the computation) and :class:`CustomOpProp` (its
signature), register the Prop under a name and call it as ``mx.nd.Custom`` /
``mx.sym.Custom`` (``F.Custom`` in ``hybrid_forward``)::

    class Square(mx.operator.CustomOp):
        def forward(self, is_train, req, in_data, out_data, aux):
            self.assign(out_data[0], req[0], in_data[0] * in_data[0])

        def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
            self.assign(in_grad[0], req[0], 2 * in_data[0] * out_grad[0])

    @mx.operator.register("square")
    class SquareProp(mx.operator.CustomOpProp):
        def create_operator(self, ctx, in_shapes, in_dtypes):
            return Square()

    y = mx.nd.Custom(x, op_type="square")

The Prop decides the inputs (``list_arguments`` then ``list_auxiliary_states``),
the outputs (``list_outputs``), shapes (``infer_shape``, both directions in a
graph) and dtypes (``infer_type``). Keyword arguments of ``Custom`` other than
``op_type`` reach the Prop's constructor as strings and are stored on the node,
so exported ``-symbol.json`` files hold ``Custom`` nodes exactly as MXNet writes
them and load again wherever the same ``op_type`` is registered.

Storage types are dense only: ``infer_storage_type`` returning anything other
than ``'default'`` is not supported (sparse storage is issue 13).
"""

from __future__ import annotations

import collections
import ctypes
import itertools
import traceback
import warnings
from array import array
from collections.abc import Callable
from ctypes import CFUNCTYPE
from ctypes import POINTER
from ctypes import Structure
from ctypes import c_bool
from ctypes import c_char
from ctypes import c_char_p
from ctypes import c_int
from ctypes import c_void_p
from ctypes import cast
from ctypes import pointer
from threading import Lock

import numpy as np

from . import context
from . import symbol
from .base import MXCallbackList
from .base import MXNetError
from .base import NDArrayHandle
from .base import OpHandle
from .base import c_array
from .base import c_array_buf
from .base import c_str
from .base import check_call
from .base import ctypes2numpy_shared
from .base import mx_float
from .base import mx_int
from .base import mx_uint
from .base import py_str
from .ndarray import NDArray
from .ops import custom as _custom
from .ops import registry as _registry
from .util import is_np_array

c_int_p = POINTER(c_int)

# ``from mxnet.operator import *`` has no ``__all__`` in MXNet 1.9.1, so it
# exports the module's imports too (``ctypes``, ``NDArrayHandle``, ``NDArray``,
# ``py_str``, ...) and MXNet's tests rely on them; the same names are exported
# here.
__all__ = [
    "CFUNCTYPE",
    "CustomOp",
    "CustomOpProp",
    "Lock",
    "MXCallbackList",
    "NDArray",
    "NDArrayHandle",
    "NDArrayOp",
    "NumpyOp",
    "OpHandle",
    "OperatorArguments",
    "POINTER",
    "PythonOp",
    "Structure",
    "array",
    "c_array",
    "c_array_buf",
    "c_bool",
    "c_char",
    "c_char_p",
    "c_int",
    "c_int_p",
    "c_str",
    "c_void_p",
    "cast",
    "check_call",
    "collections",
    "context",
    "ctypes",
    "ctypes2numpy_shared",
    "get_all_registered_operators",
    "get_operator_arguments",
    "is_np_array",
    "mx_float",
    "mx_int",
    "mx_uint",
    "pointer",
    "py_str",
    "register",
    "symbol",
    "traceback",
    "warnings",
]

_DEFAULT_STYPE = "default"


class CustomOp:
    """Base class of the computation of a custom operator.

    ``forward`` fills ``out_data`` (and may update ``aux`` in place);
    ``backward`` fills ``in_grad`` from ``out_grad``. Both receive ``req``, one
    of ``'null'``, ``'write'``, ``'inplace'`` or ``'add'`` per array to fill;
    :meth:`assign` applies it.
    """

    def __init__(self) -> None:
        # Objects that must live as long as the operator (MXNet keeps its C
        # callbacks here).
        self._ref_holder: list = []

    def forward(self, is_train, req, in_data, out_data, aux) -> None:
        """Compute ``out_data`` from ``in_data`` (override).

        Parameters
        ----------
        is_train : bool
            Whether this is a training pass.
        req : list of str
            How to write each output (see :meth:`assign`).
        in_data, out_data, aux : list of NDArray
            Inputs, outputs to fill and auxiliary states (mutable).
        """
        raise MXNetError(
            f"{type(self).__name__} must override CustomOp.forward(is_train, req, "
            "in_data, out_data, aux)."
        )

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux) -> None:
        """Compute ``in_grad`` (override).

        Parameters
        ----------
        req : list of str
            How to write each input gradient (``'null'``: not needed).
        out_grad, in_data, out_data, in_grad, aux : list of NDArray
            Output gradients, inputs, outputs, gradients to fill, aux states.
        """
        raise MXNetError(
            f"{type(self).__name__} must override CustomOp.backward(req, out_grad, "
            "in_data, out_data, in_grad, aux) to be differentiated."
        )

    def assign(self, dst, req: str, src) -> None:
        """Write ``src`` into ``dst`` as ``req`` says (``'null'``: nothing,
        ``'write'``/``'inplace'``: overwrite, ``'add'``: accumulate)."""
        from .util import is_np_array

        key = () if is_np_array() else slice(None)
        if req == "null":
            return
        if req in ("write", "inplace"):
            dst[key] = src
        elif req == "add":
            dst[key] += src
        else:
            raise MXNetError(
                f"CustomOp.assign: unknown req {req!r}; expected 'null', 'write', "
                "'inplace' or 'add'."
            )


class CustomOpProp:
    """Base class of the signature of a custom operator.

    Parameters
    ----------
    need_top_grad : bool
        Whether ``backward`` uses the output gradients (False for loss layers);
        the default :meth:`declare_backward_dependency` reads it.
    """

    def __init__(self, need_top_grad: bool = True) -> None:
        self.need_top_grad_ = need_top_grad

    def infer_shape(self, in_shape):
        """``(in_shapes, out_shapes, aux_shapes)`` from the argument shapes
        (lists of ints, ``[]`` when unknown). Default: every output and no aux
        state has the first input's shape."""
        return in_shape, (in_shape[0],) * len(self.list_outputs()), ()

    def infer_type(self, in_type):
        """``(in_types, out_types, aux_types)`` (numpy types, None when
        unknown). Default: the first input's type everywhere."""
        return (
            in_type,
            [in_type[0]] * len(self.list_outputs()),
            [in_type[0]] * len(self.list_auxiliary_states()),
        )

    def infer_storage_type(self, in_stype):
        """Storage types of inputs, outputs and aux states: dense only."""
        for i, stype in enumerate(in_stype):
            if stype != _DEFAULT_STYPE:
                raise MXNetError(
                    f"infer_storage_type: in_stype[{i}] is {stype!r}; neogluon "
                    "custom operators support 'default' (dense) storage only."
                )
        return (
            in_stype,
            [_DEFAULT_STYPE] * len(self.list_outputs()),
            [_DEFAULT_STYPE] * len(self.list_auxiliary_states()),
        )

    def infer_storage_type_backward(
        self, ograd_stype, in_stype, out_stype, igrad_stype, aux_stype
    ):
        """Storage types of the backward pass: every list set to 'default'."""
        for name, lst in (("ograd_stype", ograd_stype), ("igrad_stype", igrad_stype)):
            for i, stype in enumerate(lst):
                if stype not in (_DEFAULT_STYPE, "undefined"):
                    raise MXNetError(
                        f"infer_storage_type_backward: {name}[{i}] is {stype!r}; "
                        "neogluon custom operators support 'default' (dense) "
                        "storage only."
                    )
        lists = [ograd_stype, in_stype, out_stype, igrad_stype, aux_stype]
        for lst in lists:
            lst[:] = [_DEFAULT_STYPE] * len(lst)
        return tuple(lists)

    def list_outputs(self) -> list[str]:
        """Output names (default ``['output']``)."""
        return ["output"]

    def list_arguments(self) -> list[str]:
        """Argument (input) names (default ``['data']``)."""
        return ["data"]

    def list_auxiliary_states(self) -> list[str]:
        """Auxiliary state names (default none)."""
        return []

    def declare_backward_dependency(self, out_grad, in_data, out_data) -> list:
        """Ids of the arrays ``backward`` needs: output gradients (when
        ``need_top_grad``), inputs and outputs."""
        deps = []
        if self.need_top_grad_:
            deps.extend(out_grad)
        deps.extend(in_data)
        deps.extend(out_data)
        return deps

    def create_operator(self, ctx, in_shapes, in_dtypes) -> CustomOp:
        """The :class:`CustomOp` for a context, input shapes and dtype flags."""
        return CustomOp()


def register(reg_name: str) -> Callable[[type], type]:
    """Class decorator registering a :class:`CustomOpProp` subclass as
    ``op_type=reg_name`` (a later registration under the same name wins)."""
    if not isinstance(reg_name, str) or not reg_name:
        raise MXNetError(
            f"mx.operator.register: the name must be a non-empty string, got "
            f"{reg_name!r}."
        )

    def do_register(prop_cls: type) -> type:
        if not isinstance(prop_cls, type):
            raise MXNetError(
                f"mx.operator.register({reg_name!r}) decorates a CustomOpProp "
                f"subclass, got {prop_cls!r}."
            )
        _custom.register_prop(reg_name, prop_cls)
        return prop_cls

    return do_register


register("custom_op")(CustomOpProp)


def get_all_registered_operators() -> list[str]:
    """Names of every operator in the registry (aliases included)."""
    return sorted(_registry.all_names())


OperatorArguments = collections.namedtuple(
    "OperatorArguments", ["narg", "names", "types"]
)

_KIND_TEXT = {
    "int": "int",
    "float": "float",
    "bool": "boolean",
    "str": "string",
    "shape": "Shape(tuple)",
    "floats": "tuple of <float>",
    "axis": "int or None",
    "dtype": "None or dtype",
    "any": "string",
}


def _default_text(kind: str, value) -> str:
    """A default as dmlc-core's parameter docs print it."""
    if value is None:
        return "'None'" if kind in ("int", "axis", "str", "dtype") else "None"
    if kind == "bool":
        return "1" if value else "0"
    if kind == "float":
        return format(float(value), "g")
    if kind == "shape":
        return "[" + ",".join(str(d) for d in value) + "]"
    return f"'{_registry.fmt_value(value)}'"


def _type_text(spec) -> str:
    """MXNet's type description of one attribute (``'int, required'``,
    ``"{'a', 'b'},optional, default='a'"``)."""
    required = spec.default is _registry.REQUIRED
    if spec.choices:
        names = sorted(str(c) for c in spec.choices if c not in (None, "None"))
        none = ["None"] if any(c in (None, "None") for c in spec.choices) else []
        kind = "{" + ", ".join(none + [repr(c) for c in names]) + "}"
        if required:
            return f"{kind}, required"
        return f"{kind},optional, default={_default_text('str', spec.default)}"
    kind = _KIND_TEXT.get(spec.kind, spec.kind)
    if spec.default is None and spec.kind in ("int", "float", "bool"):
        kind += " or None"
    if required:
        return f"{kind}, required"
    return f"{kind}, optional, default={_default_text(spec.kind, spec.default)}"


def get_operator_arguments(op_name: str) -> OperatorArguments:
    """Number, names and type descriptions of an operator's arguments
    (inputs first, then attributes)."""
    op = _registry.find(op_name)
    if op is None:
        raise MXNetError(f"Operator '{op_name}' is not registered in neogluon.")
    names: list[str] = []
    types: list[str] = []
    if op.variadic:
        names.append(op.inputs[0])
        types.append("NDArray-or-Symbol[]")
    else:
        names.extend(op.inputs)
        types.extend(["NDArray-or-Symbol"] * len(op.inputs))
    for spec in op.params:
        names.append(spec.name)
        types.append(_type_text(spec))
    return OperatorArguments(len(names), names, types)


# --------------------------------------------------------------------------- legacy
class PythonOp:
    """Deprecated base of :class:`NumpyOp` and :class:`NDArrayOp` (use
    :class:`CustomOp`).

    Parameters
    ----------
    need_top_grad : bool
        What :meth:`need_top_grad` returns.
    """

    _ref_holder: list = []

    def __init__(self, need_top_grad: bool = True) -> None:
        self.info_ = None
        self.need_top_grad_ = need_top_grad
        warnings.warn("PythonOp has been deprecated. Please use CustomOp", stacklevel=2)

    def __call__(self, *args, **kwargs):
        return self.get_symbol(*args, **kwargs)

    def get_symbol(self, *args, **kwargs):
        """A Symbol applying this operator to the input Symbols ``args``."""
        raise NotImplementedError("Must override this")

    def forward(self, in_data, out_data) -> None:
        """Fill ``out_data`` (default: copy the first input)."""
        out_data[0][:] = in_data[0]

    def backward(self, out_grad, in_data, out_data, in_grad) -> None:
        """Fill ``in_grad`` (default: ones)."""
        in_grad[0][:] = 1.0

    def infer_shape(self, in_shape):
        """``(in_shapes, out_shapes)`` (default: one output shaped as input 0)."""
        return in_shape, [in_shape[0]]

    def list_outputs(self) -> list[str]:
        """Output names."""
        return ["output"]

    def list_arguments(self) -> list[str]:
        """Argument names."""
        return ["data"]

    def need_top_grad(self) -> bool:
        """Whether ``backward`` uses the output gradients."""
        return self.need_top_grad_


_LEGACY_IDS = itertools.count()


def _legacy_symbol(pyop: PythonOp, numpy_arrays: bool, args, kwargs):
    """A ``Custom`` node running ``pyop`` (a private op_type per instance)."""
    from . import symbol

    op_type = f"_neogluon_{type(pyop).__name__}_{next(_LEGACY_IDS)}"

    class _Op(CustomOp):
        def forward(self, is_train, req, in_data, out_data, aux):
            if numpy_arrays:
                ins = [x.asnumpy() for x in in_data]
                outs = [np.zeros(o.shape, dtype=o.dtype) for o in out_data]
                pyop.forward(in_data=ins, out_data=outs)
                for o, v in zip(out_data, outs, strict=True):
                    o[:] = v
            else:
                pyop.forward(in_data=in_data, out_data=out_data)

        def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
            if numpy_arrays:
                og = [g.asnumpy() for g in out_grad]
                ins = [x.asnumpy() for x in in_data]
                outs = [x.asnumpy() for x in out_data]
                ig = [np.zeros(g.shape, dtype=g.dtype) for g in in_grad]
                pyop.backward(out_grad=og, in_data=ins, out_data=outs, in_grad=ig)
                for g, v in zip(in_grad, ig, strict=True):
                    g[:] = v
            else:
                pyop.backward(
                    out_grad=out_grad,
                    in_data=in_data,
                    out_data=out_data,
                    in_grad=in_grad,
                )

    class _Prop(CustomOpProp):
        def __init__(self):
            super().__init__(need_top_grad=pyop.need_top_grad())

        def list_arguments(self):
            return pyop.list_arguments()

        def list_outputs(self):
            return pyop.list_outputs()

        def infer_shape(self, in_shape):
            ins, outs = pyop.infer_shape(in_shape)
            return ins, outs, []

        def declare_backward_dependency(self, out_grad, in_data, out_data):
            dep = getattr(pyop, "declare_backward_dependency", None)
            if dep is not None:
                return dep(out_grad, in_data, out_data)
            return super().declare_backward_dependency(out_grad, in_data, out_data)

        def create_operator(self, ctx, in_shapes, in_dtypes):
            return _Op()

    register(op_type)(_Prop)
    PythonOp._ref_holder.append(pyop)
    return symbol.Custom(*args, op_type=op_type, **kwargs)


class NumpyOp(PythonOp):
    """Deprecated: an operator whose ``forward``/``backward`` work on numpy
    arrays (use :class:`CustomOp`). ``get_symbol`` builds a ``Custom`` node."""

    def __init__(self, need_top_grad: bool = True) -> None:
        super().__init__(need_top_grad)
        warnings.warn("NumpyOp has been deprecated. Please use CustomOp", stacklevel=2)

    def get_symbol(self, *args, **kwargs):
        """A Symbol applying this operator to the input Symbols ``args``."""
        return _legacy_symbol(self, True, args, kwargs)


class NDArrayOp(PythonOp):
    """Deprecated: an operator whose ``forward``/``backward`` work on NDArrays
    (use :class:`CustomOp`). ``get_symbol`` builds a ``Custom`` node."""

    def __init__(self, need_top_grad: bool = True) -> None:
        super().__init__(need_top_grad)
        warnings.warn(
            "NDArrayOp has been deprecated. Please use CustomOp", stacklevel=2
        )

    def get_symbol(self, *args, **kwargs):
        """A Symbol applying this operator to the input Symbols ``args``."""
        return _legacy_symbol(self, False, args, kwargs)

    def declare_backward_dependency(self, out_grad, in_data, out_data) -> list:
        """Ids of the arrays ``backward`` needs."""
        deps = []
        if self.need_top_grad():
            deps.extend(out_grad)
        deps.extend(in_data)
        deps.extend(out_data)
        return deps
