"""The ``Custom`` operator: operators written in Python (``mx.operator``).

A custom operator is a :class:`~neogluon.operator.CustomOpProp` subclass
registered under a name (``op_type``) with :func:`neogluon.operator.register`.
Its inputs, outputs, auxiliary states, shapes and dtypes are decided by the
Prop, built from the node's attributes (all passed to the Prop's constructor as
strings, ``op_type`` excepted), so one node of ``Custom`` is an opaque operator
whose signature depends on its attributes.

The registry holds one generic ``Custom`` declaration; :func:`specialize` turns
a node's attributes into a concrete :class:`~neogluon.ops.registry.OpDef`
(inputs ``list_arguments() + list_auxiliary_states()``, outputs
``list_outputs()``, shape and dtype rules from the Prop, aux states marked
mutable) that the frontends, symbol JSON reader, shape inference and graph
executor use like any other operator.

The kernel runs the user's ``CustomOp.forward`` on NDArrays that share memory
with the input tensors (auxiliary states are written in place); under autograd
a ``torch.autograd.Function`` calls the user's ``backward`` with MXNet's
``(req, out_grad, in_data, out_data, in_grad, aux)`` protocol.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from .._dtypes import FLAG_TO_NP
from .._dtypes import TORCH_TO_FLAG
from .._dtypes import dtype_name
from .._dtypes import to_torch_dtype
from .._opprof import custom_scope
from ..base import MXNetError
from ..base import _Null
from .registry import OpDef
from .registry import P
from .registry import ShapeError
from .registry import register
from .registry import shape_known

__all__ = [
    "register_prop",
    "registered_types",
    "prop_class",
    "specialize",
    "nd_function",
    "sym_function",
]

_LOCK = threading.Lock()
#: op_type -> CustomOpProp subclass.
_PROPS: dict[str, type] = {}
#: (op_type, ((key, value string), ...)) -> specialized OpDef.
_SPECIALIZED: dict[tuple, OpDef] = {}


def register_prop(op_type: str, prop_cls: type) -> None:
    """Make ``prop_cls`` the Prop of ``op_type`` (a later call replaces it)."""
    with _LOCK:
        _PROPS[op_type] = prop_cls
        for key in [k for k in _SPECIALIZED if k[0] == op_type]:
            del _SPECIALIZED[key]


def registered_types() -> list[str]:
    """Names registered with ``mx.operator.register``."""
    return sorted(_PROPS)


#: op types that MXNet registers when it loads (its numpy fallbacks), by the
#: module that registers them here: imported when a graph first names one.
_BUILTIN = {
    "resize_fallback": "neogluon.numpy_op_fallback",
    "mvn_fallback": "neogluon.numpy_op_fallback",
    "unravel_index_fallback": "neogluon.numpy_op_fallback",
}


def prop_class(op_type: str) -> type:
    if op_type not in _PROPS and op_type in _BUILTIN:
        import importlib

        importlib.import_module(_BUILTIN[op_type])
    try:
        return _PROPS[op_type]
    except KeyError:
        known = ", ".join(repr(n) for n in sorted(_PROPS)) or "none"
        raise MXNetError(
            f"Cannot find custom operator {op_type!r}: register its CustomOpProp "
            f"with @mx.operator.register({op_type!r}) before using it "
            f"(registered: {known})."
        ) from None


def _is_hidden(key: str) -> bool:
    return key.startswith("__") and key.endswith("__")


def _attr_text(value: Any) -> str:
    """The string the Prop receives for an attribute (MXNet passes ``str(v)``)."""
    from ..symbol.symbol import attr_str

    return attr_str(value)


# --------------------------------------------------------------------------- info
class _Info:
    """One Prop instance and the facts derived from it."""

    __slots__ = ("op_type", "prop", "args", "outs", "auxs", "kwargs")

    def __init__(self, op_type: str, kwargs: dict[str, str]) -> None:
        cls = prop_class(op_type)
        try:
            prop = cls(**kwargs)
        except Exception as err:  # noqa: BLE001 - user code; re-raised clearly
            raise MXNetError(
                f"Custom operator {op_type!r}: {cls.__name__}(**{kwargs!r}) failed: "
                f"{type(err).__name__}: {err}. The Prop's constructor receives every "
                "attribute except op_type, as a string."
            ) from err
        self.op_type = op_type
        self.prop = prop
        self.kwargs = kwargs
        self.args = _names(prop.list_arguments, op_type, "list_arguments")
        self.outs = _names(prop.list_outputs, op_type, "list_outputs")
        self.auxs = _names(prop.list_auxiliary_states, op_type, "list_auxiliary_states")

    def call(self, what: str, fn: Callable, *args):
        """Run Prop/CustomOp code, turning its exceptions into MXNetError."""
        try:
            return fn(*args)
        except MXNetError:
            raise
        except Exception as err:  # noqa: BLE001 - user code; re-raised clearly
            raise MXNetError(
                f"Error in custom operator {self.op_type!r} ({what}): "
                f"{type(err).__name__}: {err}"
            ) from err


def _names(fn: Callable, op_type: str, what: str) -> tuple[str, ...]:
    names = fn()
    if isinstance(names, str) or not all(isinstance(n, str) for n in names):
        raise MXNetError(
            f"Custom operator {op_type!r}: {what}() must return a list of strings, "
            f"got {names!r}."
        )
    return tuple(names)


# --------------------------------------------------------------------------- shapes
def _shape_in(s) -> list[int]:
    """A graph shape as the Prop sees it: a list of ints, ``[]`` when unknown."""
    return [] if s is None else [int(d) for d in s]


def _shape_out(s, real: bool = False) -> tuple[int, ...] | None:
    """A shape the Prop returned -> the graph's convention (0: unknown dim,
    None: unknown). ``real``: shapes of arrays about to be made under numpy
    shape semantics, where ``()`` is a scalar and 0 a zero-size dim."""
    if s is None:
        return None
    if hasattr(s, "tolist"):
        s = s.tolist()
    if isinstance(s, (int, np.integer)):
        return (int(s),)
    t = tuple(int(d) if d is not None and int(d) >= 0 else 0 for d in s)
    if real:
        return t
    return t or None  # MXNet's legacy () means "unknown"


def _split3(ret, info: _Info, what: str) -> tuple[list, list, list]:
    """``(in, out[, aux])`` returned by infer_shape/infer_type, checked."""
    if not isinstance(ret, (tuple, list)) or len(ret) not in (2, 3):
        raise MXNetError(
            f"Custom operator {info.op_type!r}: {what} must return 2 or 3 lists "
            f"(inputs, outputs[, aux]), got {ret!r}."
        )
    ins, outs = list(ret[0]), list(ret[1])
    aux = list(ret[2]) if len(ret) == 3 else []
    for label, got, want in (
        ("output", outs, len(info.outs)),
        ("input", ins, len(info.args)),
        ("aux state", aux, len(info.auxs)),
    ):
        if len(got) != want:
            raise ShapeError(
                f"Custom operator {info.op_type!r}: {what} Error: expecting {want} "
                f"entries in returned {label} {what.split('_')[1]}s, got {len(got)}."
            )
    return ins, outs, aux


def _prop_shapes(
    info: _Info, arg_shapes: list, real: bool = False
) -> tuple[list, list, list]:
    ret = info.call("infer_shape", info.prop.infer_shape, [list(s) for s in arg_shapes])
    ins, outs, aux = _split3(ret, info, "infer_shape")
    return (
        [_shape_out(s, real) for s in ins],
        [_shape_out(s, real) for s in outs],
        [_shape_out(s, real) for s in aux],
    )


def _make_infer_shape(info: _Info):
    n_args = len(info.args)

    def infer_shape(in_shapes: list, attrs: dict):
        arg_shapes = [_shape_in(s) for s in in_shapes[:n_args]]
        try:
            ins, outs, aux = _prop_shapes(info, arg_shapes)
        except ShapeError:
            raise
        except MXNetError as err:
            if all(shape_known(s) for s in in_shapes[:n_args]):
                raise
            # The Prop's code needs shapes not known yet: no information now
            # (the graph's inference treats a ValueError so and tries again).
            raise ValueError(str(err)) from err
        return ins + aux, outs

    return infer_shape


def _np_type(name):
    return None if name is None else np.dtype(name).type


def _type_name(t) -> str | None:
    if t is None:
        return None
    if isinstance(t, (int, np.integer)) and not isinstance(t, bool):
        return dtype_name(FLAG_TO_NP[int(t)])
    return dtype_name(t)


def _prop_types(info: _Info, arg_types: list) -> tuple[list, list, list]:
    prop = info.prop
    if getattr(prop, "infer_type", None) is None:
        first = arg_types[0] if arg_types else None
        return (
            [t if t is not None else first for t in arg_types],
            [first] * len(info.outs),
            [first] * len(info.auxs),
        )
    ret = info.call("infer_type", prop.infer_type, [_np_type(t) for t in arg_types])
    ins, outs, aux = _split3(ret, info, "infer_type")
    return (
        [_type_name(t) for t in ins],
        [_type_name(t) for t in outs],
        [_type_name(t) for t in aux],
    )


def _make_infer_type(info: _Info):
    n_args = len(info.args)

    def infer_type(in_types: list, attrs: dict):
        arg_types = list(in_types[:n_args])
        try:
            ins, outs, aux = _prop_types(info, arg_types)
        except MXNetError:
            if any(t is None for t in arg_types):
                # A rule that needs every input dtype: no information yet.
                return in_types, [None] * len(info.outs)
            raise
        aux_in = list(in_types[n_args:])
        merged_aux = [
            a if a is not None else b for a, b in zip(aux, aux_in, strict=True)
        ]
        return ins + merged_aux, outs

    return infer_type


# --------------------------------------------------------------------------- kernel
def _ctx_of(tensors) -> Any:
    from ..context import Context
    from ..context import current_context

    for t in tensors:
        return Context.from_torch_device(t.device)
    return current_context()


def _wrap(t: torch.Tensor):
    from ..ndarray.ndarray import _new

    return _new(t, None)


class _Call:
    """State of one execution: the CustomOp instance and its arrays."""

    __slots__ = ("info", "op", "ctx", "is_train", "in_data", "out_data", "aux")

    def __init__(self, info: _Info, arg_tensors, aux_tensors) -> None:
        from .. import _state
        from ..util import is_np_shape

        self.info = info
        self.is_train = bool(_state.flags.training)
        self.ctx = _ctx_of(list(arg_tensors) + list(aux_tensors))
        arg_shapes = [list(t.shape) for t in arg_tensors]
        shapes = arg_shapes + [list(t.shape) for t in aux_tensors]
        real = is_np_shape()  # zero-size dims and () are real shapes
        ins, outs, aux_s = _prop_shapes(info, arg_shapes, real)
        _check_given(info, "shape", [tuple(s) for s in arg_shapes], ins, info.args)
        _check_given(
            info, "shape", [tuple(t.shape) for t in aux_tensors], aux_s, info.auxs
        )
        for name, s in zip(info.outs, outs, strict=True):
            if s is None or (not real and not all(s)):
                raise ShapeError(
                    f"Custom operator {info.op_type!r}: infer_shape left output "
                    f"'{name}' undecided ({s}) for input shapes {arg_shapes}."
                )
        arg_types = [dtype_name(t.dtype) for t in arg_tensors]
        t_ins, t_outs, t_aux = _prop_types(info, arg_types)
        _check_given(info, "dtype", arg_types, t_ins, info.args)
        for name, t in zip(info.outs, t_outs, strict=True):
            if t is None:
                raise MXNetError(
                    f"Custom operator {info.op_type!r}: infer_type left the dtype of "
                    f"output '{name}' undecided for input dtypes {arg_types}."
                )
        dtypes = [TORCH_TO_FLAG[t.dtype] for t in list(arg_tensors) + list(aux_tensors)]
        self.op = info.call(
            "create_operator", info.prop.create_operator, self.ctx, shapes, dtypes
        )
        device = (
            arg_tensors[0].device
            if arg_tensors
            else (aux_tensors[0].device if aux_tensors else self.ctx.torch_device)
        )
        self.in_data = [_wrap(t.detach()) for t in arg_tensors]
        self.aux = [_wrap(t.detach()) for t in aux_tensors]
        self.out_data = [
            _wrap(torch.zeros(s, dtype=to_torch_dtype(t), device=device))
            for s, t in zip(outs, t_outs, strict=True)
        ]

    def forward(self) -> None:
        from ..autograd import pause

        req = ["write"] * len(self.out_data)
        with (
            torch.no_grad(),
            pause(train_mode=self.is_train),
            self.ctx,
            custom_scope(self.info.op_type),
        ):
            self.info.call(
                "CustomOp.forward",
                self.op.forward,
                self.is_train,
                req,
                self.in_data,
                self.out_data,
                self.aux,
            )

    def backward(self, grads, needs) -> list:
        from ..autograd import pause

        out_grad = [
            _wrap(g if g is not None else torch.zeros_like(o._data))
            for g, o in zip(grads, self.out_data, strict=True)
        ]
        in_grad = [_wrap(torch.zeros_like(x._data)) for x in self.in_data]
        req = ["write" if n else "null" for n in needs]
        with (
            torch.no_grad(),
            pause(train_mode=self.is_train),
            self.ctx,
            custom_scope(f"_backward_{self.info.op_type}"),
        ):
            self.info.call(
                "CustomOp.backward",
                self.op.backward,
                req,
                out_grad,
                self.in_data,
                self.out_data,
                in_grad,
                self.aux,
            )
        return [g._data if n else None for g, n in zip(in_grad, needs, strict=True)]

    def results(self):
        outs = tuple(o._data for o in self.out_data)
        return outs[0] if len(outs) == 1 else outs


def _check_given(info: _Info, what: str, actual: list, inferred: list, names) -> None:
    for name, a, b in zip(names, actual, inferred, strict=True):
        if b is None:
            continue
        ok = (
            a == b
            if what == "dtype"
            else (
                len(a) == len(b) and all(y in (0, x) for x, y in zip(a, b, strict=True))
            )
        )
        if not ok:
            raise ShapeError(
                f"Custom operator {info.op_type!r}: input '{name}' has {what} {a} "
                f"but infer_{what.replace('dtype', 'type')} of the Prop returned {b}."
            )


class _CustomFunction(torch.autograd.Function):
    """Bridges a custom operator's forward/backward into torch autograd."""

    @staticmethod
    def forward(ctx, call: _Call, *tensors):
        call.forward()
        ctx.call = call
        outs = tuple(o._data for o in call.out_data)
        return outs

    @staticmethod
    def backward(ctx, *grads):
        call: _Call = ctx.call
        needs = list(ctx.needs_input_grad[1:])
        in_grads = call.backward(grads, needs)
        return (None, *in_grads)


def _make_kernel(info: _Info):
    n_args = len(info.args)
    num_outputs = len(info.outs)

    def kernel(*tensors, **_attrs):
        args = tensors[:n_args]
        aux = tensors[n_args:]
        call = _Call(info, args, aux)
        if torch.is_grad_enabled() and any(t.requires_grad for t in args):
            outs = _CustomFunction.apply(call, *args)
            return outs[0] if num_outputs == 1 else tuple(outs)
        call.forward()
        return call.results()

    kernel.custom_info = info
    return kernel


# --------------------------------------------------------------------------- OpDefs
def _split_kwargs(attrs: dict) -> tuple[str, dict[str, str]]:
    """``op_type`` and the Prop's keyword arguments (strings) from node attrs."""
    op_type = attrs.get("op_type", _Null)
    if op_type is _Null or op_type is None or op_type == "":
        raise MXNetError(
            "Custom: required argument `op_type` is missing (the name given to "
            "mx.operator.register)."
        )
    kwargs = {
        str(k): _attr_text(v)
        for k, v in attrs.items()
        if k != "op_type" and v is not _Null and not _is_hidden(str(k))
    }
    return str(op_type), kwargs


def specialize(attrs: dict) -> OpDef:
    """The concrete ``Custom`` OpDef for a node's attributes (cached)."""
    op_type, kwargs = _split_kwargs(attrs)
    key = (op_type, tuple(sorted(kwargs.items())))
    op = _SPECIALIZED.get(key)
    if op is not None:
        return op
    info = _Info(op_type, kwargs)
    params = (
        P("op_type", "str", doc="The name the Prop was registered under."),
        *(P(k, "str", default=v) for k, v in kwargs.items()),
    )
    op = OpDef(
        name="Custom",
        kernel=_make_kernel(info),
        inputs=info.args + info.auxs,
        params=params,
        num_outputs=len(info.outs),
        infer_shape=_make_infer_shape(info),
        infer_type=_make_infer_type(info),
        aux=info.auxs,
        output_names=info.outs,
        same_dtype=False,
        doc=f"The custom operator {op_type!r} ({type(info.prop).__name__}).",
        cse=False,
    )
    with _LOCK:
        if _PROPS.get(op_type) is type(info.prop):
            _SPECIALIZED[key] = op
    return op


def _generic_kernel(*tensors, op_type: str, **kwargs):
    op = specialize({"op_type": op_type, **kwargs})
    return op.kernel(*tensors)


_generic_kernel.specialize = specialize

_DOC = (
    "Apply a custom operator implemented in Python.\n\n"
    "Subclass mx.operator.CustomOp (forward/backward) and mx.operator.CustomOpProp "
    "(arguments, outputs, aux states, infer_shape, infer_type, create_operator), "
    "register the Prop with @mx.operator.register('name'), then call "
    "Custom(*inputs, op_type='name', **kwargs); kwargs reach the Prop's "
    "constructor as strings."
)

#: The registry's declaration; nodes use the OpDef :func:`specialize` returns.
CUSTOM = register(
    OpDef(
        name="Custom",
        kernel=_generic_kernel,
        inputs=("data",),
        params=(P("op_type", "str", doc="The name given to mx.operator.register."),),
        variadic=True,
        same_dtype=False,
        doc=_DOC,
        cse=False,
    )
)


# --------------------------------------------------------------------------- frontends
def _split_call(args: tuple, kwargs: dict, is_input) -> tuple[OpDef, tuple, dict]:
    """Specialize from the call's attributes; keep array keywords as inputs."""
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        args = tuple(args[0])
    attrs = {k: v for k, v in kwargs.items() if not is_input(v)}
    op = specialize(attrs)
    for i, a in enumerate(args):
        if not is_input(a):
            raise TypeError(
                f"Custom ({op.kernel.custom_info.op_type!r}): positional argument {i} "
                f"must be an array, got {type(a).__name__}; pass attributes by keyword."
            )
    if len(args) > len(op.inputs):
        raise MXNetError(
            f"Custom operator {attrs['op_type']!r} takes {len(op.inputs)} input(s) "
            f"{list(op.inputs)}, but {len(args)} were given positionally."
        )
    for k, v in kwargs.items():
        if is_input(v) and k not in op.inputs:
            raise MXNetError(
                f"Custom operator {attrs['op_type']!r} has no input named {k!r}; its "
                f"inputs are {list(op.inputs)}."
            )
    given = {k: v for k, v in kwargs.items() if not _is_hidden(k) or is_input(v)}
    return op, args, given


def nd_function():
    """``mx.nd.Custom(*data, op_type=..., **kwargs)``."""

    def Custom(*data, **kwargs):  # noqa: N802 - MXNet's name
        from ..ndarray.ndarray import NDArray
        from ..ndarray.ndarray import invoke
        from ._signature import bind
        from ._signature import check_inputs

        out = kwargs.pop("out", None)
        kwargs.pop("name", None)

        def is_input(x):
            return isinstance(x, NDArray)

        op, args, given = _split_call(data, kwargs, is_input)
        inputs, attrs_given = bind(op, args, given, is_input)
        attrs = op.parse_attrs(attrs_given)
        return invoke(op, check_inputs(op, inputs, attrs), attrs, out)

    Custom.__module__ = "neogluon.ndarray"
    Custom.__doc__ = _DOC
    Custom.op = CUSTOM
    return Custom


def sym_function():
    """``mx.sym.Custom(*data, op_type=..., name=None, attr=None, **kwargs)``."""

    def Custom(*data, **kwargs):  # noqa: N802 - MXNet's name
        from ..symbol.symbol import Symbol
        from ..symbol.symbol import create
        from ._signature import bind

        name = kwargs.pop("name", None)
        attr = kwargs.pop("attr", None)
        kwargs.pop("out", None)

        def is_input(x):
            return isinstance(x, Symbol)

        hidden = {k: v for k, v in kwargs.items() if _is_hidden(k) and not is_input(v)}
        op, args, given = _split_call(data, kwargs, is_input)
        inputs, attrs_given = bind(op, args, given, is_input)
        attrs_given.update(hidden)
        out = create(op, inputs, attrs_given, name=name, attr=attr, hint="custom")
        node = out._outputs[0][0] if out._outputs else None
        if node is not None and op.aux:
            # Aux variables created for missing inputs carry the node's
            # attributes only (BatchNorm's initializer hints are not Custom's).
            for in_name, given, (src, _) in zip(
                op.inputs, inputs, node.inputs, strict=False
            ):
                if given is None and in_name in op.aux and src.op is None:
                    src.attrs = {k: v for k, v in node.attrs.items()}
        return out

    Custom.__module__ = "neogluon.symbol"
    Custom.__doc__ = _DOC
    Custom.op = CUSTOM
    return Custom
