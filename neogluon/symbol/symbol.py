"""``Symbol``: MXNet's symbolic API over the graph core.

A :class:`Symbol` is a :class:`~neogluon.symbol.graph.Graph` (a list of output
entries ``(node, output_index)``; nodes, walks and attribute handling live in
:mod:`neogluon.symbol.graph`) with MXNet's methods: attributes, composition,
inference (:mod:`.infer`), JSON (:mod:`.json_io`) and binding
(:mod:`.executor`). :func:`create` adds one operator node (the core of every
``sym.<op>`` function), :func:`var` a variable. The fluent methods
(``x.sum()``) are added by :mod:`.fluent`.
"""

from __future__ import annotations

import numbers
import weakref
from collections.abc import Callable
from collections.abc import Iterator

import numpy as np

from .._atomic import write_atomic
from ..attribute import AttrScope
from ..base import MXNetError
from ..base import NotImplementedForSymbol
from ..base import _Null
from ..name import NameManager
from ..ops import optable
from ..ops import registry as _reg
from . import executor as _executor
from . import infer as _infer
from . import json_io as _json_io
from .graph import ARG_VAR_INIT
from .graph import AUX_VAR_INIT
from .graph import HIDDEN_KEYS
from .graph import STYPE_ID
from .graph import Graph
from .graph import _Node
from .graph import attr_str
from .graph import aux_nodes
from .graph import copy_graph
from .graph import dtype_attr
from .graph import dtype_flag
from .graph import flag_dtype
from .graph import listed_attrs
from .graph import topo_order
from .graph import wrap_hidden

__all__ = ["Symbol", "var", "Variable", "Group", "load", "load_json"]

#: Graph-core names that other packages import from this module.
_REEXPORTED = (HIDDEN_KEYS, attr_str, aux_nodes, flag_dtype, topo_order)


class _NoValueError(NotImplementedForSymbol, AttributeError):
    """``asnumpy``/``asscalar``/``wait_to_read`` called on a Symbol."""


#: Nodes of atomic (uncomposed) symbols made by Symbol._gen_atomic_symbol.
_ATOMIC: weakref.WeakSet = weakref.WeakSet()


class Symbol(Graph):
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

    __slots__ = ()

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
        return {} if node is None else listed_attrs(node.attrs)

    def attr_dict(self) -> dict[str, dict[str, str]]:
        """``{node_name: attributes}`` for every node that has attributes."""
        return {n.name: listed_attrs(n.attrs) for n in self._nodes() if n.attrs}

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
        entries = None
        if replace:
            entries = {k: s._outputs[0] for k, s in replace.items()}
        return Symbol(copy_graph(self._outputs, copy_parsed=True, replace=entries))

    def _gen_atomic_symbol(self) -> Symbol:
        """An atomic (uncomposed) symbol of this symbol's operator: the same
        operator and attributes, no inputs and no name, as MXNet's
        ``MXGenAtomicSymbolFromSymbol``. Calling it with inputs composes a new
        node (``atomic(data=x, name='fc2')``)."""
        nodes = {id(n): n for n, _ in self._outputs}
        if len(nodes) != 1:
            raise MXNetError(
                "_gen_atomic_symbol: generating an atomic symbol only works for a "
                f"non-grouped symbol; this one has outputs of {len(nodes)} nodes."
            )
        node = self._outputs[0][0]
        if node.op is None:
            raise MXNetError(
                f"_gen_atomic_symbol: '{node.name}' is a variable, not an operator "
                "output; there is no operator to make an atomic symbol of."
            )
        atom = _Node(node.op, "", dict(node.attrs), node.parsed, [])
        _ATOMIC.add(atom)
        return Symbol([(atom, i) for i in range(atom.num_outputs())])

    def _compose_atomic(self, node: _Node, args, kwargs) -> Symbol:
        from .. import symbol as _sym_pkg
        from . import _internal

        fn = getattr(_sym_pkg, node.op.name, None) or getattr(
            _internal, node.op.name, None
        )
        if fn is None:
            raise MXNetError(
                f"compose: operator '{node.op.name}' of this atomic symbol has no "
                "mx.sym function to compose it with; build it with mx.sym directly."
            )
        attrs = {k: v for k, v in node.attrs.items() if k not in kwargs}
        return fn(*args, **attrs, **kwargs)

    def __call__(self, *args, **kwargs) -> Symbol:
        """Compose: a copy with argument variables replaced by symbols (an
        atomic symbol, see :meth:`_gen_atomic_symbol`, gets its inputs)."""
        atom = self._single_node()
        if atom is not None and atom in _ATOMIC:
            return self._compose_atomic(atom, args, kwargs)
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
        return _infer.symbol_infer_shape(self, args, kwargs, partial=False)

    def infer_shape_partial(self, *args, **kwargs):
        """Like :meth:`infer_shape`, with unknown dims as 0 and unknown rank ``()``.

        Under ``mx.np_shape(True)`` unknown dims are ``-1`` (in the given shapes
        and the results) and an unknown rank is ``None``; a real zero-size dim
        raises MXNetError (symbolic inference cannot represent it).
        """
        return _infer.symbol_infer_shape(self, args, kwargs, partial=True)

    def infer_type(self, *args, **kwargs):
        """``(arg_types, out_types, aux_types)`` as numpy types."""
        return _infer.symbol_infer_type(self, args, kwargs, partial=False)

    def infer_type_partial(self, *args, **kwargs):
        return _infer.symbol_infer_type(self, args, kwargs, partial=True)

    # ------------------------------------------------------------ serialization
    def tojson(self, remove_amp_cast: bool = True) -> str:
        """The graph as MXNet 1.9.1 JSON text."""
        return _json_io.to_json(self, remove_amp_cast=remove_amp_cast)

    def save(self, fname: str, remove_amp_cast: bool = True) -> None:
        """Write :meth:`tojson` to ``fname`` (an ``*-symbol.json`` file)."""
        if not isinstance(fname, str):
            raise TypeError(f"fname must be a string, got {type(fname).__name__}")
        write_atomic(fname, self.tojson(remove_amp_cast=remove_amp_cast))

    def __getstate__(self):
        return {"handle": self.tojson()}

    def __setstate__(self, state):
        self._outputs = _json_io.read_json(state["handle"])

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
        return _executor.Executor(self, ctx, args, args_grad, grad_req, aux_states)

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
        return _executor.simple_bind(
            self,
            ctx,
            grad_req,
            type_dict,
            stype_dict,
            group2ctx=group2ctx,
            **kwargs,
        )

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

    def as_nd_ndarray(self):
        return self

    #: ``mx.sym.np._Symbol``, set by ``symbol/_np_symbol.py`` when it loads
    #: (``mx.sym`` imports it), which imports this module.
    _np_class: type | None = None

    def as_np_ndarray(self):
        """The same graph as a numpy-interface Symbol (``mx.sym.np._Symbol``),
        whose operators and methods add ``_npi_`` / ``_np_`` nodes."""
        if self._np_class is None:
            raise NotImplementedForSymbol(self.as_np_ndarray, None)
        return self._np_class(self._outputs)


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
                dtype_attr(v) if spec.kind == "dtype" and v is not None else attr_str(v)
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
                if in_name in op.aux and in_name in AUX_VAR_INIT:
                    vattrs["__init__"] = AUX_VAR_INIT[in_name]
                elif (op.name, in_name) in ARG_VAR_INIT:
                    vattrs["__init__"] = ARG_VAR_INIT[(op.name, in_name)]
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
        if stype not in STYPE_ID:
            raise ValueError(
                f"var '{name}': unknown stype {stype!r}; expected one of {list(STYPE_ID)}"
            )
        attrs["__storage_type__"] = str(STYPE_ID[stype])
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


def Group(symbols, create_fn=None) -> Symbol:
    """One symbol whose outputs are the outputs of ``symbols``, in order."""
    symbols = list(symbols)
    if not symbols or any(not isinstance(s, Symbol) for s in symbols):
        raise TypeError("Expected a non-empty list of symbols as input")
    entries = []
    for s in symbols:
        entries.extend(s._outputs)
    return Symbol(entries)


# --------------------------------------------------------------------------- JSON
def load_json(json_str: str) -> Symbol:
    """Build a Symbol from MXNet JSON text (``sym.load_json``; any version)."""
    return Symbol(_json_io.read_json(json_str))


def load(fname: str) -> Symbol:
    """Load a symbol saved by ``save``/``export`` (any MXNet version)."""
    if not isinstance(fname, str):
        raise TypeError(f"fname must be a string, got {type(fname).__name__}")
    with open(fname, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise MXNetError(
            f"load_json: '{fname}' is not UTF-8 text ({err.reason} at byte "
            f"{err.start}); a symbol file is the JSON text sym.save writes."
        ) from None
    try:
        return load_json(text)
    except MXNetError as err:
        raise type(err)(f"{err} (while loading '{fname}')") from None
