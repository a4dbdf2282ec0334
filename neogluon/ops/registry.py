"""The operator registry: every MXNet operator is declared here exactly once.

An :class:`OpDef` carries everything both frontends (``nd`` eager, ``sym`` graph)
and the graph executor need: the MXNet name and aliases, input names, typed
attributes (:class:`ParamSpec`) that also parse MXNet's string form, a torch
kernel, shape and dtype inference, the number of outputs and which inputs are
auxiliary states.

Kernel convention
-----------------
``kernel(*tensors, **attrs)`` where ``tensors`` are the op's present inputs in
declaration order (absent optional inputs are simply not passed) and ``attrs``
are parsed Python values (ints, floats, bools, tuples, torch dtypes as strings).
A kernel returns one tensor, or a tuple of tensors when the op has several
outputs. Kernels are pure torch functions; they never see NDArray or Symbol.

Shape inference convention
--------------------------
``infer_shape(in_shapes, attrs) -> (in_shapes, out_shapes)``. A shape is a tuple
of ints where ``0`` marks an unknown dim, or ``None`` when even the rank is
unknown. The function fills what it can in both directions and raises
:class:`ShapeError` on a contradiction. Ops without a rule get a generic forward
rule that runs the kernel on ``meta`` tensors once every input is known.
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import numpy as np
import torch

from .._dtypes import dtype_name
from ..base import MXNetError

Shape = tuple[int, ...]
MaybeShape = Shape | None

__all__ = [
    "REQUIRED",
    "ParamSpec",
    "OpDef",
    "ShapeError",
    "register",
    "get",
    "find",
    "list_ops",
    "P",
    "shape_known",
]


class ShapeError(MXNetError, ValueError):
    """Shape inference found incompatible shapes."""


class _Required:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<required>"


REQUIRED: Any = _Required()


# --------------------------------------------------------------------------- parsers
_AST_LOCK = threading.Lock()


def _literal(s: str):
    s = s.strip()
    if s in ("None", ""):
        return None
    if s in ("True", "true"):
        return True
    if s in ("False", "false"):
        return False
    try:
        # Some CPython 3.11/3.12 releases keep the AST builder's recursion depth per
        # interpreter, not per thread: parsing from two threads at once can fail
        # with "AST constructor recursion depth mismatch" (CPython gh-106905).
        with _AST_LOCK:
            return ast.literal_eval(s)
    except (ValueError, SyntaxError):
        return s


def parse_int(v):
    if isinstance(v, str):
        v = _literal(v)
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return int(v)
    raise TypeError(f"expected an integer, got {v!r}")


def parse_float(v):
    if isinstance(v, str):
        v = _literal(v)
    if v is None:
        return None
    return float(v)


def parse_bool(v):
    if isinstance(v, str):
        v = _literal(v)
        if isinstance(v, int):
            return bool(v)
    if isinstance(v, (bool, int, np.bool_, np.integer)):
        return bool(v)
    raise TypeError(f"expected a boolean, got {v!r}")


def parse_str(v):
    if v is None:
        return None
    return str(v)


def parse_shape(v):
    """A tuple of ints; accepts an int, a list/tuple or MXNet's ``"(3, 3)"``."""
    if isinstance(v, str):
        v = _literal(v)
    if v is None:
        return None
    if isinstance(v, (int, np.integer)):
        return (int(v),)
    if hasattr(v, "tolist"):
        v = v.tolist()
    return tuple(int(x) if x is not None else None for x in v)


def parse_float_tuple(v):
    if isinstance(v, str):
        v = _literal(v)
    if v is None:
        return None
    if isinstance(v, (int, float, np.number)):
        return (float(v),)
    return tuple(float(x) for x in v)


def parse_axis(v):
    """``None``, an int, or a tuple of ints (MXNet's ``Shape(tuple)`` axis)."""
    if isinstance(v, str):
        v = _literal(v)
    if v is None:
        return None
    if isinstance(v, (int, np.integer)):
        return int(v)
    t = tuple(int(x) for x in v)
    return t


def parse_dtype(v):
    if v is None:
        return None
    if isinstance(v, str) and v in ("None", ""):
        return None
    return dtype_name(v)


def parse_any(v):
    return v


def fmt_value(v) -> str:
    """MXNet's string form of an attribute value (symbol JSON)."""
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, tuple):
        if len(v) == 1:
            return f"({fmt_value(v[0])},)"
        return "(" + ", ".join(fmt_value(x) for x in v) + ")"
    if isinstance(v, list):
        return "[" + ", ".join(fmt_value(x) for x in v) + "]"
    if v is None:
        return "None"
    return str(v)


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "int": parse_int,
    "float": parse_float,
    "bool": parse_bool,
    "str": parse_str,
    "shape": parse_shape,
    "floats": parse_float_tuple,
    "axis": parse_axis,
    "dtype": parse_dtype,
    "any": parse_any,
}


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One typed operator attribute.

    ``kind`` is one of ``int float bool str shape floats axis dtype any``;
    ``choices`` restricts ``str`` values. ``parse`` accepts the Python value or
    MXNet's string form (as found in symbol JSON) and returns the Python value.
    """

    name: str
    kind: str
    default: Any = REQUIRED
    doc: str = ""
    choices: tuple[Any, ...] | None = None

    def parse(self, value: Any, op_name: str = "") -> Any:
        if value is None and self.kind not in ("bool",):
            return None
        try:
            out = _PARSERS[self.kind](value)
        except (TypeError, ValueError) as err:
            raise MXNetError(
                f"Operator {op_name}: invalid value {value!r} for attribute "
                f"'{self.name}' ({err}); expected {self.describe()}."
            ) from None
        if self.choices is not None and out not in self.choices:
            raise MXNetError(
                f"Operator {op_name}: invalid value {value!r} for attribute "
                f"'{self.name}'; expected one of {list(self.choices)}."
            )
        return out

    def describe(self) -> str:
        names = {
            "int": "an int",
            "float": "a float",
            "bool": "a bool",
            "str": "a string",
            "shape": "a tuple of ints",
            "floats": "a tuple of floats",
            "axis": "an int or tuple of ints",
            "dtype": "a dtype name such as 'float32'",
            "any": "a value",
        }
        return names[self.kind]


def P(name: str, kind: str, default: Any = REQUIRED, doc: str = "", choices=None):
    """Shorthand constructor for :class:`ParamSpec`."""
    return ParamSpec(name, kind, default, doc, tuple(choices) if choices else None)


# --------------------------------------------------------------------------- OpDef
@dataclass(frozen=True, slots=True)
class OpDef:
    """Declaration of one MXNet operator. See the module docstring."""

    name: str
    kernel: Callable[..., Any]
    inputs: tuple[str, ...] = ("data",)
    params: tuple[ParamSpec, ...] = ()
    #: Inputs are ``*data`` (e.g. concat, add_n); ``inputs`` holds one name.
    variadic: bool = False
    #: Attribute holding the number of variadic inputs (``num_args``), if any.
    num_args_attr: str | None = None
    #: Visible outputs: what the kernel returns and ``list_outputs`` shows, as
    #: a count or ``fn(attrs) -> count``; read it with :meth:`num_outputs_for`.
    num_outputs: int | Callable[[dict], int] = 1
    #: Total outputs MXNet allocates for the node, visible plus hidden (e.g.
    #: BatchNorm's saved mean/var, Dropout's mask); only ``node_row_ptr`` in
    #: symbol JSON depends on it. None: same as ``num_outputs``. Read it with
    #: :meth:`num_total_outputs_for`.
    num_total_outputs: int | Callable[[dict], int] | None = None
    #: ``fn(in_shapes, attrs[, out_shapes]) -> (in_shapes, out_shapes)``.
    infer_shape: Callable[..., tuple[list, list]] | None = None
    infer_type: Callable[[list, dict], tuple[list, list]] | None = None
    #: Names of inputs that are auxiliary states (BatchNorm's running stats).
    aux: tuple[str, ...] = ()
    #: ``fn(attrs) -> tuple of input names present`` (e.g. no_bias drops bias).
    present_inputs: Callable[[dict], tuple[str, ...]] | None = None
    #: Other names. The frontends place every name by MXNet's prefix rules:
    #: ``_contrib_X`` -> ``nd.contrib.X``, ``_random_X`` -> ``nd.random.X``,
    #: ``_linalg_X``, ``_image_X``, ``_sparse_X`` likewise, any other ``_X`` ->
    #: ``nd._internal._X``, and plain names at the top level.
    aliases: tuple[str, ...] = ()
    #: Whether all inputs must share one dtype (MXNet: no implicit promotion).
    same_dtype: bool = True
    #: Inputs exempt from the same-dtype check (index arrays, labels).
    dtype_free_inputs: tuple[str, ...] = ()
    #: Output names for ``list_outputs`` (``<node>_<name>``).
    output_names: tuple[str, ...] | Callable[[dict], tuple[str, ...]] = ("output",)
    #: Creation op (no array inputs): takes ``ctx``/``dtype`` attrs itself.
    creation: bool = False
    #: The kernel may return a view of an input; the eager frontend copies it so
    #: that writing into the result never changes the input (MXNet semantics).
    returns_view: bool = False
    #: Whether bind-time common-subexpression elimination (symbol/cse.py) may
    #: merge two nodes of this op that have the same attrs and inputs. False
    #: where equal calls are not the same value, as MXNet's pass has it: the op
    #: draws random numbers, writes its inputs (optimizer updates), keeps state
    #: (``RNN``, ``Custom``), or MXNet registers it as a legacy stateful
    #: ``OperatorProperty`` (``SliceChannel``, ``Pad``, ...). Ops with ``aux``
    #: inputs are never merged whatever this says (they update them).
    cse: bool = True
    doc: str = ""
    #: ``fn(attrs) -> callable or None``: for these parsed attrs, a callable of
    #: the input tensors alone that returns what ``kernel(*tensors, **attrs)``
    #: returns (``Activation(act_type='relu')`` is ``torch.relu``), so the
    #: eager frontend calls it without a keyword dict or a dispatching frame.
    #: It may raise where the kernel would not (``torch.mm`` for ``dot`` takes
    #: 2-D inputs only): the frontend then runs the kernel, whose result or
    #: error stands. None (or a None result): the kernel itself runs. For
    #: speed only.
    fast_kernel: Callable[[dict], Callable[..., Any] | None] | None = None
    #: Parsed default attrs (filled by ``__post_init__``).
    defaults: dict = field(default_factory=dict, compare=False, repr=False)
    spec_map: dict = field(default_factory=dict, compare=False, repr=False)
    #: ``kernel(*tensors)`` means ``kernel(*tensors, **defaults)``: every
    #: attribute has a default and the kernel's own keyword defaults are the
    #: same values, so the eager path skips the keyword dict when no attribute
    #: is given (filled by ``__post_init__``).
    bare_defaults: bool = field(default=False, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        for p in self.params:
            self.spec_map[p.name] = p
            if p.default is not REQUIRED:
                self.defaults[p.name] = p.default
        if len(self.defaults) == len(self.params):
            bare = _kernel_defaults_are(self.kernel, self.defaults)
            object.__setattr__(self, "bare_defaults", bare)

    # ---------------------------------------------------------------- attrs
    def parse_attrs(self, given: dict) -> dict:
        """Defaults overlaid with parsed ``given`` attrs; checks required ones."""
        attrs = dict(self.defaults)
        spec_map = self.spec_map
        for k, v in given.items():
            spec = spec_map.get(k)
            if spec is None:
                if not spec_map:
                    # MXNet parses no attributes for attribute-less ops and so
                    # ignores any keyword (``broadcast_maximum(a, b, axis=1)``).
                    continue
                raise MXNetError(
                    f"Operator {self.name} got an unexpected attribute '{k}'={v!r}; "
                    f"its attributes are {[p.name for p in self.params]}."
                )
            attrs[k] = spec.parse(v, self.name)
        if len(attrs) != len(spec_map):
            missing = [p.name for p in self.params if p.name not in attrs]
            raise MXNetError(
                f"Operator {self.name} is missing required attribute(s) {missing}."
            )
        return attrs

    # ---------------------------------------------------------------- inputs
    def input_names(self, attrs: dict, num_given: int | None = None) -> tuple[str, ...]:
        """Names of the inputs present for these attrs."""
        if self.variadic:
            n = attrs.get(self.num_args_attr) if self.num_args_attr else None
            if n is None:
                n = num_given or 0
            base = self.inputs[0]
            return tuple(f"{base}{i}" for i in range(n))
        if self.present_inputs is not None:
            return self.present_inputs(attrs)
        return self.inputs

    def num_outputs_for(self, attrs: dict) -> int:
        """Visible outputs for these (parsed) attrs."""
        n = self.num_outputs
        return n(attrs) if callable(n) else n

    def num_total_outputs_for(self, attrs: dict) -> int:
        """Visible plus hidden outputs for these attrs, as MXNet counts them in
        graphs."""
        num_outputs = self.num_outputs_for(attrs)
        total = self.num_total_outputs
        if total is None:
            return num_outputs
        return max(num_outputs, total(attrs) if callable(total) else total)

    def declared_output_names(self, attrs: dict) -> tuple[str, ...]:
        """The op's own output names (MXNet's FListOutputNames), may be hidden-
        inclusive; ``("output",)`` when the op declares none."""
        names = self.output_names
        return names(attrs) if callable(names) else names

    def list_output_names(self, attrs: dict) -> tuple[str, ...]:
        num_outputs = self.num_outputs_for(attrs)
        names = self.declared_output_names(attrs)
        if len(names) >= num_outputs:
            return names[:num_outputs]
        if num_outputs == 1:
            return ("output",)
        return tuple(f"output{i}" for i in range(num_outputs))

    # ---------------------------------------------------------------- inference
    def run_infer_shape(
        self, in_shapes: list, attrs: dict, out_shapes: list | None = None
    ) -> tuple[list, list]:
        """Apply the op's shape rule.

        Rules may take a third argument, the currently known output shapes, to
        fill inputs backwards from outputs; two-argument rules are called
        without it.
        """
        fn = self.infer_shape
        if fn is not None:
            if out_shapes is not None and _takes_out_shapes(fn):
                return fn(list(in_shapes), attrs, list(out_shapes))
            return fn(list(in_shapes), attrs)
        return meta_infer_shape(self, in_shapes, attrs)

    def diagnose(self, in_shapes: list, attrs: dict) -> str | None:
        """Why these input shapes fail, in the shape rule's words (or None).

        Used by both frontends to explain a kernel failure (name the expected
        shapes) instead of repeating torch's message.
        """
        if self.infer_shape is None:
            return None
        try:
            self.infer_shape([tuple(s) for s in in_shapes], attrs)
        except ShapeError as err:
            return str(err)
        except Exception:  # noqa: BLE001 - best-effort diagnosis only
            return None
        return None

    def run_infer_type(self, in_types: list, attrs: dict) -> tuple[list, list]:
        """Dtypes as canonical names (``'float32'``) or None when unknown."""
        if self.infer_type is not None:
            return self.infer_type(list(in_types), attrs)
        return default_infer_type(self, in_types, attrs)


def _kernel_defaults_are(kernel: Callable, defaults: dict) -> bool:
    """Whether ``kernel``'s own keyword defaults are ``defaults`` (same names,
    types and values), read from its code object; False when unknown."""
    if not defaults:
        return True
    code = getattr(kernel, "__code__", None)
    if code is None:
        return False
    n_pos = code.co_argcount
    names = code.co_varnames[: n_pos + code.co_kwonlyargcount]
    own = dict(getattr(kernel, "__kwdefaults__", None) or {})
    pos_defaults = getattr(kernel, "__defaults__", None) or ()
    if pos_defaults:
        own.update(
            zip(names[n_pos - len(pos_defaults) : n_pos], pos_defaults, strict=True)
        )
    for k, v in defaults.items():
        if k not in own:
            return False
        d = own[k]
        if type(d) is not type(v) or d != v or repr(d) != repr(v):
            return False
    return True


_OUT_ARG_CACHE: dict = {}


def _takes_out_shapes(fn) -> bool:
    """Whether a shape rule accepts the known output shapes as a third arg."""
    res = _OUT_ARG_CACHE.get(fn)
    if res is None:
        import inspect

        try:
            res = len(inspect.signature(fn).parameters) >= 3
        except (TypeError, ValueError):
            res = False
        _OUT_ARG_CACHE[fn] = res
    return res


def shape_known(s: MaybeShape) -> bool:
    """True when the rank and every dim are known (no 0 dims)."""
    return s is not None and all(d > 0 for d in s)


def meta_infer_shape(op: OpDef, in_shapes: list, attrs: dict):
    """Forward-only inference: run the kernel on meta tensors when inputs known."""
    num_outputs = op.num_outputs_for(attrs)
    if not all(s is not None and all(d > 0 for d in s) for s in in_shapes):
        return in_shapes, [None] * num_outputs
    tensors = [torch.empty(s, device="meta") for s in in_shapes]
    try:
        out = op.kernel(*tensors, **attrs)
    except (NotImplementedError, RuntimeError, TypeError, ValueError) as err:
        if isinstance(err, MXNetError):
            raise
        # Kernels that cannot run on meta (data-dependent ones) stay unknown.
        return in_shapes, [None] * num_outputs
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return in_shapes, [tuple(o.shape) for o in outs]


def default_infer_type(op: OpDef, in_types: list, attrs: dict):
    """All inputs (minus dtype-free ones) and outputs share one dtype."""
    names = op.input_names(attrs, len(in_types))
    num_outputs = op.num_outputs_for(attrs)
    known = None
    for name, t in zip(names, in_types, strict=False):
        if t is not None and name not in op.dtype_free_inputs:
            known = t
            break
    if known is None:
        return in_types, [None] * num_outputs
    out_in = [
        (known if (t is None and name not in op.dtype_free_inputs) else t)
        for name, t in zip(names, in_types, strict=False)
    ]
    return out_in, [known] * num_outputs


# --------------------------------------------------------------------------- table
_OPS: dict[str, OpDef] = {}
_CANONICAL: list[OpDef] = []


def register(op: OpDef) -> OpDef:
    """Add an operator (and its aliases) to the registry."""
    for name in (op.name, *op.aliases):
        if name in _OPS:
            raise ValueError(f"operator {name!r} registered twice")
        _OPS[name] = op
    _CANONICAL.append(op)
    return op


def get(name: str) -> OpDef:
    """Look up an operator by MXNet name or alias."""
    try:
        return _OPS[name]
    except KeyError:
        raise MXNetError(f"Operator '{name}' is not registered in neogluon") from None


def find(name: str) -> OpDef | None:
    return _OPS.get(name)


def list_ops() -> list[OpDef]:
    """Every registered operator once (aliases not repeated)."""
    return list(_CANONICAL)


def all_names() -> dict[str, OpDef]:
    return dict(_OPS)
