"""The graph core: nodes, output entries, graph walks and node attributes.

Every other module of ``neogluon.symbol`` builds on this one, and it imports
none of them. A graph is a list of *output entries* ``(node, output_index)``;
a :class:`_Node` is a variable (``op is None``) or an operator application
(``op`` is an :class:`~neogluon.ops.registry.OpDef`). Nodes keep:

- ``attrs``: the string attributes MXNet writes to JSON: the op attributes the
  user *gave* (MXNet never writes defaults) plus hidden ones such as
  ``__shape__``, ``__dtype__``, ``__init__``, ``__lr_mult__``, ``__wd_mult__``;
- ``parsed``: the op's full parsed attributes (defaults included), which the
  kernels and shape inference use.

:class:`Graph` holds output entries and answers structural questions
(arguments, auxiliary states, output names). :class:`~neogluon.symbol.Symbol`
is a :class:`Graph` with MXNet's symbolic API on top; inference, JSON I/O,
the compiler and the executor work on any :class:`Graph`.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable

import numpy as np

from .._dtypes import FLAG_TO_NP
from .._dtypes import NP_TO_FLAG
from .._dtypes import dtype_name
from ..base import MXNetError

__all__ = [
    "Entry",
    "Graph",
    "HIDDEN_KEYS",
    "aux_nodes",
    "attr_str",
    "copy_graph",
    "dtype_flag",
    "flag_dtype",
    "listed_attrs",
    "topo_order",
    "wrap_hidden",
]

#: One output of one node: ``(node, output_index)``.
Entry = tuple["_Node", int]

#: Attribute keys MXNet stores wrapped as ``__key__`` (nnvm ``kHiddenKeys``).
HIDDEN_KEYS = (
    "ctx_group",
    "lr_mult",
    "wd_mult",
    "force_mirroring",
    "mirror_stage",
    "profiler_scope",
)
#: ``__storage_type__`` values of ``var(stype=...)``.
STYPE_ID = {"default": 0, "row_sparse": 1, "csr": 2}
#: Initializers MXNet attaches to auxiliary state variables it creates itself
#: (BatchNorm's FSetInputVarAttrOnCompose).
AUX_VAR_INIT = {"moving_mean": '["zero", {}]', "moving_var": '["one", {}]'}
#: ... and to argument variables (LeakyReLU's FSetInputVarAttrOnCompose: PReLU's
#: gamma starts at 0.25).
ARG_VAR_INIT = {("LeakyReLU", "gamma"): '["Constant", {"value": 0.25}]'}


# --------------------------------------------------------------------------- nodes
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
        """Visible outputs (what the kernel returns, ``list_outputs``)."""
        return 1 if self.op is None else self.op.num_outputs_for(self.parsed)

    def num_total_outputs(self) -> int:
        """Visible plus hidden outputs (BatchNorm's saved statistics, ...), as
        MXNet records them in ``node_row_ptr``."""
        return 1 if self.op is None else self.op.num_total_outputs_for(self.parsed)

    def output_names(self) -> tuple[str, ...]:
        if self.op is None:
            return (self.name,)
        op = self.op
        num_outputs = self.num_outputs()
        num_total = self.num_total_outputs()
        names = op.declared_output_names(self.parsed)
        if len(names) >= num_total and num_total > 1:
            out = names[:num_outputs]
        elif num_total > 1:
            out = tuple(f"output{i}" for i in range(num_outputs))
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


# --------------------------------------------------------------------------- walks
def topo_order(entries: Iterable[Entry]) -> list[_Node]:
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


def copy_graph(
    outputs: list[Entry],
    *,
    keep_variables: bool = False,
    copy_parsed: bool = False,
    replace: dict[str, Entry] | None = None,
    bypass: Callable[[_Node], bool] | None = None,
) -> list[Entry]:
    """The output entries of a copy of the graph under ``outputs``.

    Operator nodes are always new (``attrs``, ``inputs`` and ``versions``
    copied). ``keep_variables`` shares the variable nodes instead of copying
    them; ``copy_parsed`` copies each node's ``parsed`` dict (else shared);
    ``replace`` maps variable names to the entries that take their place;
    ``bypass(node)`` drops an operator node, output ``i`` becoming its input
    ``i`` (MXNet's ``amp_cast`` removal).
    """
    mapping: dict[int, _Node | list[Entry]] = {}

    def entry(e: Entry) -> Entry:
        m = mapping[id(e[0])]
        return m[e[1]] if isinstance(m, list) else (m, e[1])

    for node in topo_order(outputs):
        if node.op is None:
            if replace and node.name in replace:
                mapping[id(node)] = [replace[node.name]]
                continue
            if keep_variables:
                mapping[id(node)] = node
                continue
        elif bypass is not None and bypass(node):
            mapping[id(node)] = [entry(e) for e in node.inputs]
            continue
        parsed = node.parsed
        if copy_parsed and parsed is not None:
            parsed = dict(parsed)
        new = _Node(
            node.op,
            node.name,
            dict(node.attrs),
            parsed,
            [entry(e) for e in node.inputs],
            list(node.versions),
        )
        new.version = node.version
        mapping[id(node)] = new
    return [entry(e) for e in outputs]


# --------------------------------------------------------------------------- graph
class Graph:
    """Output entries ``(node, output_index)`` and the graph's structure.

    The base of :class:`~neogluon.symbol.Symbol`; also what a control-flow
    subgraph read from JSON is.
    """

    __slots__ = ("_outputs", "__weakref__")

    def __init__(self, handle: list[Entry]) -> None:
        # MXNet's parameter is a C handle; neogluon's "handle" is the list of
        # graph entries ``(node, output index)``.
        self._outputs = list(handle)

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

    def __len__(self) -> int:
        return len(self._outputs)


# --------------------------------------------------------------------------- attributes
def wrap_hidden(key: str) -> str:
    """``key`` as stored on a node: hidden keys become ``__key__``."""
    return f"__{key}__" if key in HIDDEN_KEYS else key


def listed_attrs(attrs: dict[str, str]) -> dict[str, str]:
    """A node's attributes with the hidden keys also listed unwrapped."""
    out = dict(attrs)
    for key in HIDDEN_KEYS:
        wrapped = f"__{key}__"
        if wrapped in attrs:
            out[key] = attrs[wrapped]
    return out


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


def dtype_attr(value) -> str:
    """The string a ``dtype`` attribute is stored as."""
    if isinstance(value, str):
        return value
    return np.dtype(value).name


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
