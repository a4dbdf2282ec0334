"""``Symbol``: a graph of operator nodes, MXNet's symbolic API.

A :class:`_Node` is a variable (``op is None``) or an operator application
(``op`` is an :class:`~neogluon.ops.registry.OpDef`). A :class:`Symbol` is a
list of output entries ``(node, output_index)``. Nodes keep:

- ``attrs``: the string attributes MXNet writes to JSON: the op attributes the
  user *gave* (MXNet never writes defaults) plus hidden ones such as
  ``__shape__``, ``__dtype__``, ``__init__``, ``__lr_mult__``, ``__wd_mult__``;
- ``parsed``: the op's full parsed attributes (defaults included), which the
  kernels and shape inference use.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from collections.abc import Iterator

import numpy as np

from .._dtypes import FLAG_TO_NP
from .._dtypes import NP_TO_FLAG
from .._dtypes import dtype_name
from ..attribute import AttrScope
from ..base import MXNetError
from ..base import NotImplementedForSymbol
from ..base import _Null
from ..name import NameManager
from ..ops import optable
from ..ops import registry as _reg

__all__ = ["Symbol", "var", "Variable", "Group"]

#: Attribute keys MXNet stores wrapped as ``__key__`` (nnvm ``kHiddenKeys``).
HIDDEN_KEYS = (
    "ctx_group",
    "lr_mult",
    "wd_mult",
    "force_mirroring",
    "mirror_stage",
    "profiler_scope",
)
_STYPE_ID = {"default": 0, "row_sparse": 1, "csr": 2}
# Initializers MXNet attaches to auxiliary state variables it creates itself
# (BatchNorm's FSetInputVarAttrOnCompose).
_AUX_VAR_INIT = {"moving_mean": '["zero", {}]', "moving_var": '["one", {}]'}
# ... and to argument variables (LeakyReLU's FSetInputVarAttrOnCompose: PReLU's
# gamma starts at 0.25).
_ARG_VAR_INIT = {("LeakyReLU", "gamma"): '["Constant", {"value": 0.25}]'}


class _Node:
    """One graph node. ``inputs`` holds ``(node, output_index)`` entries."""

    __slots__ = (
        "op",
        "name",
        "attrs",
        "parsed",
        "inputs",
        "versions",
        "version",
        "__weakref__",
    )

    def __init__(
        self,
        op,
        name: str,
        attrs: dict,
        parsed: dict | None,
        inputs: list,
        versions: list[int] | None = None,
    ):
        self.op = op
        self.name = name
        self.attrs = attrs
        self.parsed = parsed
        self.inputs = inputs
        # nnvm entry versions written as the third element of JSON inputs: a
        # variable's mutation count when it was used (aux states count up).
        self.versions = versions if versions is not None else [0] * len(inputs)
        self.version = 0

    @property
    def is_variable(self) -> bool:
        return self.op is None

    def num_outputs(self) -> int:
        """Visible outputs (what the kernel returns)."""
        return 1 if self.op is None else self.op.n_outputs(self.parsed)

    def output_names(self) -> tuple[str, ...]:
        if self.op is None:
            return (self.name,)
        from .json_io import total_outputs

        op = self.op
        n = op.n_outputs(self.parsed)
        total = total_outputs(self)
        names = op.declared_output_names(self.parsed)
        if len(names) >= total and total > 1:
            out = names[:n]
        elif total > 1:
            out = tuple(f"output{i}" for i in range(n))
        elif len(names) == 1:
            out = names
        else:
            out = ("output",)
        return tuple(f"{self.name}_{s}" for s in out)

    def input_names(self) -> tuple[str, ...]:
        return self.op.input_names(self.parsed, len(self.inputs))

    def __repr__(self) -> str:
        kind = "null" if self.op is None else self.op.name
        return f"<_Node {kind} {self.name}>"


def topo_order(entries) -> list[_Node]:
    """Nodes reachable from ``entries`` in nnvm's DFS post-order."""
    order: list[_Node] = []
    seen: set[int] = set()
    for head, _ in entries:
        if id(head) in seen:
            continue
        stack = [(head, 0)]
        seen.add(id(head))
        while stack:
            node, i = stack.pop()
            if i < len(node.inputs):
                stack.append((node, i + 1))
                child = node.inputs[i][0]
                if id(child) not in seen:
                    seen.add(id(child))
                    stack.append((child, 0))
            else:
                order.append(node)
    return order


def aux_nodes(nodes: list[_Node]) -> set[int]:
    """ids of variables used as auxiliary states (mutable inputs) of some op."""
    out: set[int] = set()
    for n in nodes:
        if n.op is not None and n.op.aux:
            for name, (src, _) in zip(n.input_names(), n.inputs, strict=False):
                if name in n.op.aux and src.op is None:
                    out.add(id(src))
    return out


def wrap_hidden(key: str) -> str:
    return f"__{key}__" if key in HIDDEN_KEYS else key


def attr_str(value) -> str:
    """MXNet's ``str(value)`` for an attribute, with numpy scalars as Python."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (tuple, list)):
        items = [attr_str(v) if not isinstance(v, str) else repr(v) for v in value]
        if isinstance(value, list):
            return "[" + ", ".join(items) + "]"
        if len(items) == 1:
            return f"({items[0]},)"
        return "(" + ", ".join(items) + ")"
    if isinstance(value, np.ndarray):
        return attr_str(tuple(value.tolist()))
    return str(value)


def _dtype_attr(value) -> str:
    if isinstance(value, str):
        return value
    return np.dtype(value).name


class _NoValueError(NotImplementedForSymbol, AttributeError):
    """``asnumpy``/``asscalar``/``wait_to_read`` called on a Symbol."""


class Symbol:
    """A symbolic graph with one or more outputs (MXNet's ``mx.sym.Symbol``).

    Build symbols with :func:`var` and the operator functions in ``mx.sym``;
    ``hybrid_forward(F, x)`` receives them when a HybridBlock is traced.

    Examples
    --------
    >>> import neogluon as mx
    >>> x = mx.sym.var("x")
    >>> y = x * 2 + 1
    >>> y.list_arguments()
    ['x']
    """

    __slots__ = ("_outputs", "__weakref__")

    def __init__(self, handle: list[tuple[_Node, int]]) -> None:
        # MXNet's parameter is a C handle; neogluon's "handle" is the list of
        # graph entries ``(node, output index)``.
        self._outputs = list(handle)

    # ------------------------------------------------------------ structure
    @property
    def name(self) -> str | None:
        """The node name when all outputs come from one node, else None."""
        node = self._single_node()
        return None if node is None else node.name

    def _single_node(self) -> _Node | None:
        outs = self._outputs
        node = outs[0][0] if outs else None
        for n, _ in outs:
            if n is not node:
                return None
        return node

    def _nodes(self) -> list[_Node]:
        return topo_order(self._outputs)

    def _variables(self) -> tuple[list[_Node], list[_Node]]:
        nodes = self._nodes()
        aux = aux_nodes(nodes)
        args = [n for n in nodes if n.op is None and id(n) not in aux]
        auxs = [n for n in nodes if n.op is None and id(n) in aux]
        return args, auxs

    def list_arguments(self) -> list[str]:
        """Names of the input variables that are not auxiliary states."""
        return [n.name for n in self._variables()[0]]

    def list_auxiliary_states(self) -> list[str]:
        """Names of auxiliary state variables (e.g. BatchNorm's moving stats)."""
        return [n.name for n in self._variables()[1]]

    def list_inputs(self) -> list[str]:
        """All variable names in graph order (arguments and auxiliary states)."""
        return [n.name for n in self._nodes() if n.op is None]

    def list_outputs(self) -> list[str]:
        return [node.output_names()[i] for node, i in self._outputs]

    def get_internals(self) -> Symbol:
        """A symbol whose outputs are every node's outputs, in graph order."""
        entries = []
        for node in self._nodes():
            entries.extend((node, i) for i in range(node.num_outputs()))
        return Symbol(entries)

    def get_children(self) -> Symbol | None:
        """The inputs of this symbol's node(s), or None for a variable."""
        entries, seen = [], set()
        for node, _ in self._outputs:
            # The outputs of one multi-output node (SliceChannel) share its
            # inputs: list them once, as MXNet does.
            if id(node) not in seen:
                seen.add(id(node))
                entries.extend(node.inputs)
        return Symbol(entries) if entries else None

    def __len__(self) -> int:
        return len(self._outputs)

    def __iter__(self) -> Iterator[Symbol]:
        return (self[i] for i in range(len(self)))

    def __getitem__(self, index) -> Symbol:
        """Select an **output** by position or name (not array indexing)."""
        if isinstance(index, str):
            names = self.list_outputs()
            hits = [i for i, n in enumerate(names) if n == index]
            if not hits:
                raise ValueError(f'Cannot find output that matches name "{index}"')
            if len(hits) > 1:
                raise ValueError(
                    f'There are multiple outputs with name "{index}"; select by '
                    "position instead."
                )
            index = hits[0]
        if isinstance(index, slice):
            return Symbol(self._outputs[index])
        if not isinstance(index, (int, np.integer)):
            raise TypeError(
                f"Symbol index must be an int or an output name, got "
                f"{type(index).__name__}. Note: indexing a Symbol selects one of "
                "its outputs; use F.slice/F.slice_axis/F.take to index data."
            )
        if not -len(self._outputs) <= index < len(self._outputs):
            raise IndexError(
                f"Symbol has {len(self._outputs)} output(s); index {index} is out "
                "of range."
            )
        return Symbol([self._outputs[index]])

    def __repr__(self) -> str:
        name = self.name
        if name is None:
            names = ", ".join(str(s.name) for s in self)
            return f"<Symbol group [{names}]>"
        return f"<Symbol {name}>"

    __hash__ = object.__hash__

    # ------------------------------------------------------------ attributes
    def attr(self, key: str) -> str | None:
        """The string attribute ``key`` of this symbol's node (None if unset)."""
        node = self._single_node()
        if node is None:
            return None
        if key in node.attrs:
            return node.attrs[key]
        return node.attrs.get(wrap_hidden(key))

    def list_attr(self, recursive: bool = False) -> dict[str, str]:
        """Attributes of this symbol's node (hidden keys also unwrapped)."""
        if recursive:
            raise DeprecationWarning(
                "Symbol.list_attr with recursive=True has been deprecated. "
                "Please use attr_dict instead."
            )
        node = self._single_node()
        return {} if node is None else _listed(node.attrs)

    def attr_dict(self) -> dict[str, dict[str, str]]:
        """``{node_name: attributes}`` for every node that has attributes."""
        return {n.name: _listed(n.attrs) for n in self._nodes() if n.attrs}

    def _set_attr(self, **kwargs) -> None:
        node = self._single_node()
        if node is None:
            raise MXNetError("Cannot set attributes on a grouped symbol.")
        for k, v in kwargs.items():
            if not isinstance(v, str):
                raise ValueError(f"Set Attr only accepts string values, got {k}={v!r}")
            node.attrs[wrap_hidden(k)] = v

    # ------------------------------------------------------------ copies / compose
    def __copy__(self) -> Symbol:
        return self._deepcopy()

    def __deepcopy__(self, memo) -> Symbol:
        return self._deepcopy()

    def _deepcopy(self, replace: dict[str, Symbol] | None = None) -> Symbol:
        mapping: dict[int, tuple] = {}
        for node in self._nodes():
            if node.op is None and replace and node.name in replace:
                sub = replace[node.name]
                mapping[id(node)] = ("entry", sub._outputs[0])
                continue
            new = _Node(
                node.op,
                node.name,
                dict(node.attrs),
                None if node.parsed is None else dict(node.parsed),
                [_map_entry(mapping, e) for e in node.inputs],
                list(node.versions),
            )
            new.version = node.version
            mapping[id(node)] = ("node", new)
        return Symbol([_map_entry(mapping, e) for e in self._outputs])

    def __call__(self, *args, **kwargs) -> Symbol:
        """Compose: a copy with argument variables replaced by symbols."""
        name = kwargs.pop("name", None)
        arg_names = self.list_arguments()
        replace: dict[str, Symbol] = {}
        if args and kwargs:
            raise TypeError(
                "compose only accepts input Symbols either as positional or keyword arguments, not both"
            )
        for n, s in zip(arg_names, args, strict=False):
            replace[n] = s
        for k, s in kwargs.items():
            if k not in arg_names:
                raise MXNetError(
                    f"compose: '{k}' is not an argument of this symbol; its "
                    f"arguments are {arg_names}."
                )
            replace[k] = s
        for k, s in replace.items():
            if not isinstance(s, Symbol) or len(s) != 1:
                raise TypeError(
                    f"compose: argument '{k}' must be a single-output Symbol"
                )
        out = self._deepcopy(replace)
        if name is not None:
            node = out._single_node()
            if node is not None and node.op is not None:
                node.name = name
        return out

    # ------------------------------------------------------------ inference
    def infer_shape(self, *args, **kwargs):
        """``(arg_shapes, out_shapes, aux_shapes)``; ``(None, None, None)`` if incomplete.

        Differs from MXNet 1.9.1: inference runs in both directions to a fixed
        point, so more unknown shapes are resolved.
        """
        from .infer import symbol_infer_shape

        return symbol_infer_shape(self, args, kwargs, partial=False)

    def infer_shape_partial(self, *args, **kwargs):
        """Like :meth:`infer_shape`, with unknown dims as 0 and unknown rank ``()``.

        Under ``mx.np_shape(True)`` unknown dims are ``-1`` (in the given shapes
        and the results) and an unknown rank is ``None``; a real zero-size dim
        raises MXNetError (symbolic inference cannot represent it).
        """
        from .infer import symbol_infer_shape

        return symbol_infer_shape(self, args, kwargs, partial=True)

    def infer_type(self, *args, **kwargs):
        """``(arg_types, out_types, aux_types)`` as numpy types."""
        from .infer import symbol_infer_type

        return symbol_infer_type(self, args, kwargs, partial=False)

    def infer_type_partial(self, *args, **kwargs):
        from .infer import symbol_infer_type

        return symbol_infer_type(self, args, kwargs, partial=True)

    # ------------------------------------------------------------ serialization
    def tojson(self, remove_amp_cast: bool = True) -> str:
        """The graph as MXNet 1.9.1 JSON text."""
        from .json_io import to_json

        return to_json(self, remove_amp_cast=remove_amp_cast)

    def save(self, fname: str, remove_amp_cast: bool = True) -> None:
        """Write :meth:`tojson` to ``fname`` (an ``*-symbol.json`` file)."""
        if not isinstance(fname, str):
            raise TypeError(f"fname must be a string, got {type(fname).__name__}")
        with open(fname, "w", encoding="utf-8") as f:
            f.write(self.tojson(remove_amp_cast=remove_amp_cast))

    def __getstate__(self):
        return {"handle": self.tojson()}

    def __setstate__(self, state):
        from .json_io import load_json

        self._outputs = load_json(state["handle"])._outputs

    # ------------------------------------------------------------ execution
    def bind(
        self,
        ctx,
        args,
        args_grad=None,
        grad_req="write",
        aux_states=None,
        group2ctx=None,
        shared_exec=None,
    ):
        """An :class:`~neogluon.symbol.executor.Executor` over given arrays."""
        from .executor import Executor

        return Executor(self, ctx, args, args_grad, grad_req, aux_states)

    def simple_bind(
        self,
        ctx,
        grad_req="write",
        type_dict=None,
        stype_dict=None,
        group2ctx=None,
        shared_arg_names=None,
        shared_exec=None,
        shared_buffer=None,
        **kwargs,
    ):
        """Infer shapes from ``kwargs``, allocate arrays and bind."""
        from .executor import simple_bind

        return simple_bind(self, ctx, grad_req, type_dict, **kwargs)

    def eval(self, ctx=None, **kwargs):
        """Run the graph on NDArrays given by name; returns a list of NDArrays."""
        ex = self.bind(ctx, kwargs)
        return ex.forward()

    # ------------------------------------------------------------ misuse guards
    def __bool__(self):
        raise NotImplementedForSymbol(self.__bool__, "bool")

    __nonzero__ = __bool__

    def __float__(self):
        raise NotImplementedForSymbol(self.__float__, "float")

    def __int__(self):
        raise NotImplementedForSymbol(self.__int__, "int")

    def __index__(self):
        raise NotImplementedForSymbol(self.__index__, "index")

    def backward(self, *args, **kwargs):
        raise NotImplementedForSymbol(self.backward, None)

    def copy(self):
        """NDArray-only (MXNet raises NotImplementedForSymbol); use ``copy.copy``
        for a Symbol copy."""
        raise NotImplementedForSymbol(self.copy, None)

    def as_in_context(self):
        """NDArray-only (MXNet raises NotImplementedForSymbol)."""
        raise NotImplementedForSymbol(self.as_in_context, None)

    def detach(self):
        """NDArray-only (MXNet raises NotImplementedForSymbol); use
        ``F.BlockGrad`` / ``F.stop_gradient`` in a graph."""
        raise NotImplementedForSymbol(self.detach, None)

    def gradient(self, wrt):
        """Symbolic gradient graph: not available (MXNet 1.9.1 raises "not
        implemented" too). Bind the symbol and call ``Executor.backward``, or
        use ``autograd`` on NDArrays."""
        raise MXNetError(
            f"Symbol.gradient(wrt={wrt!r}) is not implemented (as in MXNet 1.9.1); "
            "bind the symbol (simple_bind) and call Executor.backward, or record "
            "the computation with mx.autograd on NDArrays."
        )

    def get_backend_symbol(self, backend):
        """Partition for a subgraph ``backend``: neogluon has no MXNet subgraph
        backends (MKLDNN, TensorRT, ...), so this raises MXNetError."""
        raise MXNetError(
            f"get_backend_symbol: subgraph backend {backend!r} is not available in "
            "neogluon (it has no MXNet subgraph backends); use the symbol as is."
        )

    def optimize_for(
        self,
        backend,
        args=None,
        aux=None,
        ctx=None,
        shape_dict=None,
        type_dict=None,
        stype_dict=None,
        skip_infer=False,
        **kwargs,
    ):
        """Partition for a subgraph ``backend``: not available (no MXNet subgraph
        backends in neogluon), raises MXNetError naming the backend."""
        if not isinstance(backend, str):
            raise TypeError(f"optimize_for: backend must be a str, got {backend!r}")
        raise MXNetError(
            f"optimize_for: subgraph backend {backend!r} is not available in neogluon "
            "(it has no MXNet subgraph backends); bind or hybridize the symbol "
            "as is."
        )

    def debug_str(self) -> str:
        """The graph as text, in MXNet's format: the outputs, then every node in
        graph order (variables as ``Variable:<name>``; operators with their
        inputs and attributes, sorted by name)."""
        lines = []
        if any(node.op is not None for node, _ in self._outputs):
            # (MXNet prints no output list for a plain variable)
            lines.append("Symbol Outputs:")
            for i, (node, j) in enumerate(self._outputs):
                lines.append(f"\toutput[{i}]={node.name}({j})")
        for node in self._nodes():
            if node.op is None:
                lines.append(f"Variable:{node.name}")
                continue
            lines.append("--------------------")
            lines.append(f"Op:{node.op.name}, Name={node.name}")
            lines.append("Inputs:")
            for k, (src, j) in enumerate(node.inputs):
                version = f" version={node.versions[k]}" if src.op is None else ""
                lines.append(f"\targ[{k}]={src.name}({j}){version}")
            if node.attrs:
                lines.append("Attrs:")
                lines.extend(f"\t{k}={v}" for k, v in sorted(node.attrs.items()))
        return "\n".join(lines) + "\n"

    @staticmethod
    def _trace_hint(what: str) -> str:
        return (
            f"Inside a hybridized HybridBlock, hybrid_forward receives Symbols, "
            f"which have no values or shapes. Avoid x.{what} in hybrid_forward (use "
            f"F.shape_array, F.reshape with special codes 0/-1, F.slice_like, ...), "
            f"or do not call hybridize() on this block."
        )

    def _not_traceable(self, what: str):
        raise AttributeError(
            f"'Symbol' object has no attribute '{what}'. {self._trace_hint(what)}"
        )

    def _value_method(self, what: str):
        # MXNet's Symbol has these methods, raising NotImplementedForSymbol;
        # also an AttributeError like the value-less properties above.
        err = _NoValueError(getattr(self, what), None)
        err.hint = self._trace_hint(what)
        raise err

    def asnumpy(self, *args, **kwargs):
        self._value_method("asnumpy")

    def asscalar(self, *args, **kwargs):
        self._value_method("asscalar")

    def wait_to_read(self, *args, **kwargs):
        self._value_method("wait_to_read")

    shape = property(lambda self: self._not_traceable("shape"))
    dtype = property(lambda self: self._not_traceable("dtype"))
    ndim = property(lambda self: self._not_traceable("ndim"))
    size = property(lambda self: self._not_traceable("size"))
    context = property(lambda self: self._not_traceable("context"))
    ctx = property(lambda self: self._not_traceable("ctx"))
    attach_grad = property(lambda self: self._not_traceable("attach_grad"))
    grad = property(lambda self: self._not_traceable("grad"))

    # ------------------------------------------------------------ operators
    # ``+ - * / % **``, comparisons, reflected forms, ``-x`` and ``abs`` come
    # from the operator table (``ops/optable.py``): see ``_install_operators``.

    # ------------------------------------------------------------ fluent methods
    def reshape(self, *args, **kwargs) -> Symbol:
        """``F.reshape``; accepts ``x.reshape((2, -1))`` and ``x.reshape(2, -1)``."""
        if args and "shape" not in kwargs:
            shape = args[0] if len(args) == 1 and not isinstance(args[0], int) else args
            kwargs["shape"] = shape
            args = ()
        return _fluent("reshape")(self, *args, **kwargs)

    def expand_dims(self, axis, inplace: bool = False, **kwargs) -> Symbol:
        """``F.expand_dims``; ``inplace`` is ignored (MXNet's signature)."""
        return _fluent("expand_dims")(self, axis=axis, **kwargs)

    def squeeze(self, axis=None, inplace: bool = False, **kwargs) -> Symbol:
        """``F.squeeze``; ``inplace`` is ignored (MXNet's signature)."""
        return _fluent("squeeze")(self, axis=axis, **kwargs)

    def flatten(self, inplace: bool = False, **kwargs) -> Symbol:
        """``F.flatten``; ``inplace`` is ignored (MXNet's signature)."""
        return _fluent("flatten")(self, **kwargs)

    def astype(self, *args, **kwargs) -> Symbol:
        """``F.cast(self, *args, **kwargs)`` (``dtype`` first); the NDArray-only
        ``copy`` keyword is accepted and ignored."""
        kwargs.pop("copy", None)
        return _fluent("cast")(self, *args, **kwargs)

    def diag(self, k=0, **kwargs) -> Symbol:
        return _fluent("diag")(self, k=k, **kwargs)

    def as_nd_ndarray(self):
        return self

    def as_np_ndarray(self):
        raise NotImplementedForSymbol(self.as_np_ndarray, None)


def _listed(attrs: dict[str, str]) -> dict[str, str]:
    out = dict(attrs)
    for key in HIDDEN_KEYS:
        wrapped = f"__{key}__"
        if wrapped in attrs:
            out[key] = attrs[wrapped]
    return out


def _map_entry(mapping: dict, entry):
    node, idx = entry
    kind, val = mapping[id(node)]
    if kind == "entry":
        return val
    return (val, idx)


# Fluent methods: x.sum(...) == F.sum(x, ...), as on NDArray.
_FLUENT = (
    "reshape_like zeros_like ones_like broadcast_axes repeat pad swapaxes split "
    "split_v2 slice slice_axis slice_like take one_hot pick sort topk argsort argmax "
    "argmax_channel argmin clip abs sign shape_array size_array broadcast_to "
    "broadcast_like tile transpose flip depth_to_space space_to_depth sum nansum "
    "prod nanprod mean max min norm round rint fix floor ceil trunc sin cos tan "
    "arcsin arccos arctan degrees radians sinh cosh tanh arcsinh arccosh arctanh "
    "exp expm1 log log10 log2 log1p sqrt rsqrt cbrt rcbrt square reciprocal relu "
    "sigmoid softmax log_softmax softmin"
).split()


def _fluent(name: str):
    from . import _frontend

    fn = _frontend.lookup(name)
    if fn is None:
        raise AttributeError(
            f"Symbol.{name}: the operator '{name}' is not registered in neogluon."
        )
    return fn


def _make_fluent(name: str):
    def method(self, *args, **kwargs):
        return _fluent(name)(self, *args, **kwargs)

    method.__name__ = name
    method.__qualname__ = f"Symbol.{name}"
    method.__doc__ = f"Same as ``F.{name}(self, ...)``."
    return method


for _name in _FLUENT:
    if not hasattr(Symbol, _name) or _name == "abs":
        setattr(Symbol, _name, _make_fluent(_name))
Symbol.abs = _make_fluent("abs")


# --------------------------------------------------------------------------- creation
def _check_single(op_name: str, arg_name: str, s: Symbol) -> tuple[_Node, int]:
    if not isinstance(s, Symbol):
        raise TypeError(
            f"Operator {op_name}: input '{arg_name}' must be a Symbol, got "
            f"{type(s).__name__}."
        )
    if len(s._outputs) != 1:
        raise MXNetError(
            f"Operator {op_name}: input '{arg_name}' is a grouped symbol with "
            f"{len(s._outputs)} outputs {s.list_outputs()}; select one with "
            "sym[i] first."
        )
    return s._outputs[0]


def create(
    op_name_or_def,
    inputs: list,
    given: dict,
    name: str | None = None,
    attr: dict | None = None,
    hint: str | None = None,
) -> Symbol:
    """Add one operator node; the core of every ``sym.<op>`` function.

    ``inputs`` lists Symbols (or None for an absent input) in the op's input
    order; ``given`` holds attribute values as the user passed them. Missing
    inputs become variables named ``<node>_<input>`` as in MXNet.
    """
    op = op_name_or_def
    if isinstance(op, str):
        op = _reg.get(op)
    # AttrScope attributes (and attr=) are merged into the call's attributes.
    scope_attrs = AttrScope.current.get(attr)
    params: dict = {}
    strs: dict[str, str] = {}
    for k, v in given.items():
        if v is _Null:
            continue
        if k in op.spec_map:
            params[k] = v
            spec = op.spec_map[k]
            strs[k] = (
                _dtype_attr(v)
                if spec.kind == "dtype" and v is not None
                else attr_str(v)
            )
        elif isinstance(v, Symbol) and not op.inputs and not op.variadic:
            # MXNet's compose ignores Symbol keywords of an input-less op
            # (``sym.random.randn(data=x)`` in its test_random).
            continue
        else:
            _extra_attr(op, k, v, strs)
    for k, v in scope_attrs.items():
        _extra_attr(op, k, v, strs)
    parsed = op.parse_attrs(params)
    node_name = NameManager.current.get(name, hint or op.name.lower())
    entries = []
    if op.variadic:
        for i, s in enumerate(inputs):
            entries.append(_check_single(op.name, f"{op.inputs[0]}{i}", s))
    else:
        present = op.input_names(parsed)
        for in_name, s in zip(op.inputs, inputs, strict=False):
            if in_name not in present:
                if s is not None:
                    raise MXNetError(
                        f"Operator {op.name}: input '{in_name}' was given but is not "
                        f"used with these attributes (inputs: {list(present)})."
                    )
                continue
            if s is None:
                vattrs = dict(strs)
                if in_name in op.aux and in_name in _AUX_VAR_INIT:
                    vattrs["__init__"] = _AUX_VAR_INIT[in_name]
                elif (op.name, in_name) in _ARG_VAR_INIT:
                    vattrs["__init__"] = _ARG_VAR_INIT[(op.name, in_name)]
                var_node = _Node(None, f"{node_name}_{in_name}", vattrs, None, [])
                entries.append((var_node, 0))
            else:
                entries.append(_check_single(op.name, in_name, s))
    versions = [src.version if src.op is None else 0 for src, _ in entries]
    if op.aux and not op.variadic:
        for i, in_name in enumerate(op.input_names(parsed)):
            src = entries[i][0]
            if in_name in op.aux and src.op is None:
                src.version += 1
                versions[i] = src.version
    node = _Node(op, node_name, strs, parsed, entries, versions)
    return Symbol([(node, i) for i in range(node.num_outputs())])


def _extra_attr(op, key: str, value, strs: dict) -> None:
    wrapped = wrap_hidden(key)
    if wrapped.startswith("__") and wrapped.endswith("__"):
        strs[wrapped] = str(value)
        return
    raise MXNetError(
        f"Operator {op.name} got an unexpected attribute '{key}'={value!r}; its "
        f"attributes are {[p.name for p in op.params]}. Extra attributes must be "
        "hidden keys such as '__mykey__' or one of "
        f"{list(HIDDEN_KEYS)}."
    )


def graph_binary(r: optable.Binary) -> Callable:
    """``sym <op> other`` (Symbol or number) for one operator-table row: a node
    of the MXNet operator Symbol arithmetic calls, named after it."""
    array_op, scalar_op = r.graph_ops.array, r.graph_ops.scalar
    array_hint, scalar_hint = array_op.lower(), scalar_op.lower()

    def method(self, other):
        if isinstance(other, Symbol):
            return create(array_op, [self, other], {}, hint=array_hint)
        if isinstance(other, numbers.Number):
            return create(scalar_op, [self], {"scalar": other}, hint=scalar_hint)
        raise TypeError(f"type {type(other).__name__} not supported with Symbol")

    method.__name__ = f"__{r.dunders[0]}__" if r.dunders else r.name
    return method


def graph_reflected(r: optable.Binary, op_name: str | None = None) -> Callable:
    """``number <op> sym`` for one operator-table row (``op_name`` overrides the
    row's reflected scalar operator name)."""
    op = op_name or r.graph_ops.rscalar
    hint = op.lower()

    def method(self, other):
        if isinstance(other, numbers.Number):
            return create(op, [self], {"scalar": other}, hint=hint)
        raise TypeError(f"type {type(other).__name__} not supported with Symbol")

    method.__name__ = f"__r{r.dunders[0]}__" if r.dunders else f"r{r.name}"
    return method


def _graph_unary(u: optable.Unary) -> Callable:
    attrs = dict(u.graph_attrs)
    hint = u.graph_op.lower()

    def method(self):
        return create(u.graph_op, [self], dict(attrs), hint=hint)

    method.__name__ = f"__{u.dunder}__"
    return method


def _install_operators() -> None:
    optable.install_operators(
        Symbol, binary=graph_binary, reflected=graph_reflected, unary=_graph_unary
    )


_install_operators()


# --------------------------------------------------------------------------- var
def var(
    name: str,
    attr: dict | None = None,
    shape=None,
    lr_mult=None,
    wd_mult=None,
    dtype=None,
    init=None,
    stype=None,
    **kwargs,
) -> Symbol:
    """A symbolic input variable (MXNet's ``mx.sym.var``).

    ``shape`` seeds shape inference (0 = unknown dim); ``dtype``, ``lr_mult``,
    ``wd_mult``, ``init`` and ``stype`` are stored as hidden attributes.
    Extra keyword attributes must be spelled ``__name__``.
    """
    if not isinstance(name, str):
        raise TypeError(
            f"Expect a string for variable `name`, got {type(name).__name__}"
        )
    attrs: dict[str, str] = {}
    for k, v in AttrScope.current.get(attr).items():
        attrs[wrap_hidden(k)] = str(v)
    if shape is not None:
        attrs["__shape__"] = attr_str(shape)
    if lr_mult is not None:
        attrs["__lr_mult__"] = str(lr_mult)
    if wd_mult is not None:
        attrs["__wd_mult__"] = str(wd_mult)
    if dtype is not None:
        attrs["__dtype__"] = str(dtype_flag(dtype))
    if init is not None:
        attrs["__init__"] = init if isinstance(init, str) else init.dumps()
    if stype is not None:
        if stype not in _STYPE_ID:
            raise ValueError(
                f"var '{name}': unknown stype {stype!r}; expected one of {list(_STYPE_ID)}"
            )
        attrs["__storage_type__"] = str(_STYPE_ID[stype])
    for k, v in kwargs.items():
        if k.startswith("__") and k.endswith("__"):
            attrs[k] = str(v)
        else:
            raise ValueError(
                f"Attribute name={k} is not supported. Additional attributes must "
                "start and end with double underscores, e.g, __yourattr__"
            )
    return Symbol([(_Node(None, name, attrs, None, []), 0)])


Variable = var


def dtype_flag(dtype) -> int:
    """MXNet's type flag (``__dtype__``) for a dtype spelling."""
    name = dtype_name(dtype)
    if name == "bfloat16":
        return 12
    return NP_TO_FLAG[np.dtype(name)]


def flag_dtype(flag: str | int) -> str:
    """dtype name for a ``__dtype__`` type flag."""
    f = int(flag)
    if f == 12:
        return "bfloat16"
    if f not in FLAG_TO_NP:
        raise MXNetError(f"unknown MXNet dtype flag {flag!r} in __dtype__")
    return str(FLAG_TO_NP[f])


def Group(symbols, create_fn=None) -> Symbol:
    """One symbol whose outputs are the outputs of ``symbols``, in order."""
    symbols = list(symbols)
    if not symbols or any(not isinstance(s, Symbol) for s in symbols):
        raise TypeError("Expected a non-empty list of symbols as input")
    entries = []
    for s in symbols:
        entries.extend(s._outputs)
    return Symbol(entries)
