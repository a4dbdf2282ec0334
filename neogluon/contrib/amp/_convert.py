"""MXNet 1.9.1's ``ReducePrecision`` graph pass, on neogluon graphs.

:func:`reduce_precision` rewrites a float32 graph into a mixed precision one
the way ``MXReducePrecisionSymbol`` does: it walks the nodes in nnvm's DFS
order, copies each, and puts ``amp_cast`` / ``amp_multicast`` nodes in front of
the inputs that need another precision:

- operators of the low precision list (``Convolution``, ``FullyConnected``...)
  get their float inputs cast to the target dtype, except inputs already in
  the target dtype, auxiliary (mutable) inputs, inputs whose inferred dtype is
  not the target (BatchNorm's statistics) and, with ``cast_optional_params``,
  model parameters (which are stored in the target dtype instead);
- float32 operators, excluded nodes and conditional float32 operators whose
  attribute matches get their non-variable inputs cast to float32;
- widest-type operators get ``amp_cast`` to the widest dtype when every input
  dtype is known, an ``amp_multicast`` node otherwise;
- any other operator is copied; its output dtype is inferred from its first
  input's dtype so later nodes know whether a cast is needed (differs from
  MXNet, on purpose: MXNet also takes the dtype of a cast made for another
  consumer of that input, e.g. ``concat(FullyConnected(data), relu(data))``,
  and its converted graph then fails type inference);
- every graph output that is not known to be float32 is cast to float32.

Cast nodes are named ``<input node><suffix>_amp_cast_<dtype>``, the suffix
being ``_<output name>`` for operators that declare output names
(``FListOutputNames``) and ``_<output index>`` for the others, and nothing for
variables; one cast per (entry, dtype) is shared by all consumers, as in
MXNet. :func:`set_param_dtypes` then writes the ``__dtype__`` attributes as
``_UpdateSymDTypeAttrs`` does.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping

from ...base import MXNetError
from ...ops import registry as _registry
from ...symbol.graph import Entry
from ...symbol.graph import Graph
from ...symbol.graph import _Node
from ...symbol.graph import dtype_flag
from ...symbol.graph import topo_order
from ...symbol.infer import infer_graph

__all__ = ["reduce_precision", "set_param_dtypes"]

#: MXNet operators that register ``FListOutputNames``: a cast of one of their
#: outputs is named after the output (``fc_output_amp_cast_float32``), of any
#: other operator's after its index (``relu_0_amp_cast_float32``).
_NAMED_OUTPUT_OPS = frozenset(
    {
        "Activation",
        "BatchNorm",
        "CTCLoss",
        "Concat",
        "Convolution",
        "Custom",
        "Deconvolution",
        "Dropout",
        "FullyConnected",
        "GroupNorm",
        "LRN",
        "LayerNorm",
        "LeakyReLU",
        "Pooling",
        "RNN",
        "SoftmaxOutput",
        "SoftmaxActivation",
        "UpSampling",
        "_contrib_BatchNormWithReLU",
        "_contrib_ROIAlign",
        "_contrib_RROIAlign",
        "_contrib_ctc_loss",
        "_contrib_hawkesll",
        "_contrib_index_array",
        "_contrib_interleaved_matmul_encdec_qk",
        "_contrib_interleaved_matmul_encdec_valatt",
        "_contrib_interleaved_matmul_selfatt_qk",
        "_contrib_interleaved_matmul_selfatt_valatt",
        "col2im",
        "elemwise_add",
        "im2col",
        "log_softmax",
        "make_loss",
        "softmax",
        "softmin",
    }
)

Key = tuple[int, int]


def _key(e: Entry) -> Key:
    return (id(e[0]), e[1])


def _suffix(e: Entry) -> str:
    node, index = e
    if node.op is None:
        return ""
    if node.op.name in _NAMED_OUTPUT_OPS:
        names = node.op.list_output_names(node.parsed)
        if index < len(names):
            return f"_{names[index]}"
    return f"_{index}"


def _mutable_inputs(node: _Node) -> set[int]:
    if not node.op.aux:
        return set()
    names = node.input_names()
    return {i for i, n in enumerate(names) if n in node.op.aux}


def _infer_outputs(node: _Node, first: str) -> tuple[list, list] | None:
    in_types: list = [None] * len(node.inputs)
    if in_types:
        in_types[0] = first
    try:
        ins, outs = node.op.run_infer_type(in_types, node.parsed)
    except (MXNetError, TypeError, ValueError, KeyError, IndexError):
        return None
    return list(ins), list(outs)


class _Pass:
    def __init__(
        self,
        target: str,
        lp16_ops: Iterable[str],
        fp32_ops: Iterable[str],
        widest_ops: Iterable[str],
        conditional: Mapping[str, Mapping[str, list[str]]],
        excluded: Iterable[str],
        data_names: Iterable[str],
        cast_optional_params: bool,
    ) -> None:
        self.target = target
        self.lp16 = set(lp16_ops)
        self.fp32 = set(fp32_ops)
        self.widest = set(widest_ops)
        self.conditional = conditional
        self.excluded = set(excluded)
        self.data = set(data_names)
        self.cast_optional = cast_optional_params
        self.mirror: dict[int, _Node] = {}
        self.fp32_map: dict[Key, tuple[Entry, int]] = {}
        self.lp_map: dict[Key, tuple[Entry, int]] = {}
        #: the dtype each copied node's output really has, where known
        self.own: dict[Key, str] = {}
        self.cast_op = _registry.get("amp_cast")
        self.multicast_op = _registry.get("amp_multicast")

    # ------------------------------------------------------------ helpers
    def mirror_of(self, e: Entry) -> Entry:
        return (self.mirror[id(e[0])], e[1])

    def add_cast(
        self, e: Entry, version: int, dtype: str, table: dict, new: _Node | None
    ) -> None:
        name = f"{e[0].name}{_suffix(e)}_amp_cast_{dtype}"
        attrs = {"dtype": dtype}
        cast = _Node(
            self.cast_op,
            name,
            attrs,
            self.cast_op.parse_attrs(attrs),
            [self.mirror_of(e)],
            [version],
        )
        table[_key(e)] = ((cast, 0), version)
        if new is not None:
            new.inputs.append((cast, 0))
            new.versions.append(version)

    @staticmethod
    def use(new: _Node, entry: Entry, version: int) -> None:
        new.inputs.append(entry)
        new.versions.append(version)

    def record_outputs(self, node: _Node, new: _Node, out_types: list) -> None:
        for i, t in enumerate(out_types[: node.num_outputs()]):
            if t == self.target:
                self.lp_map[(id(node), i)] = ((new, i), 0)
                self.own[(id(node), i)] = t
            elif t == "float32":
                self.fp32_map[(id(node), i)] = ((new, i), 0)
                self.own[(id(node), i)] = t

    # ------------------------------------------------------------ branches
    def to_fp32(self, node: _Node, new: _Node, skip_mutable: bool) -> None:
        for i in range(node.num_outputs()):
            self.fp32_map[(id(node), i)] = ((new, i), 0)
            self.own[(id(node), i)] = "float32"
        mutable = _mutable_inputs(node) if skip_mutable else set()
        for i, (e, v) in enumerate(zip(node.inputs, node.versions, strict=True)):
            k = _key(e)
            if k in self.fp32_map:
                self.use(new, *self.fp32_map[k])
            elif (not skip_mutable and e[0].op is None) or i in mutable:
                self.use(new, self.mirror_of(e), v)
            else:
                self.add_cast(e, v, "float32", self.fp32_map, new)

    def to_target(self, node: _Node, new: _Node) -> None:
        inferred = _infer_outputs(node, self.target)
        if inferred is None:
            raise MXNetError(
                f"amp conversion: cannot infer the dtypes of operator "
                f"{node.op.name} (node '{node.name}') with a {self.target} first "
                "input; exclude the node (excluded_sym_names) or remove the "
                "operator from target_dtype_ops."
            )
        in_types, out_types = inferred
        self.record_outputs(node, new, out_types)
        mutable = _mutable_inputs(node)
        for i, (e, v) in enumerate(zip(node.inputs, node.versions, strict=True)):
            k = _key(e)
            t = in_types[i] if i < len(in_types) else None
            param = (
                self.cast_optional and e[0].op is None and e[0].name not in self.data
            )
            if k in self.lp_map:
                self.use(new, *self.lp_map[k])
            elif param or i in mutable or not (t == self.target or t is None):
                self.use(new, self.mirror_of(e), v)
                if self.cast_optional and e[0].op is None:
                    self.lp_map[k] = (self.mirror_of(e), v)
                    self.own[k] = self.target
            else:
                self.add_cast(e, v, self.target, self.lp_map, new)

    def to_widest(self, node: _Node, new: _Node) -> None:
        if not node.inputs:
            raise MXNetError(
                f"amp conversion: node '{node.name}' ({node.op.name}) has no inputs; "
                "the symbol was built wrongly."
            )
        if _mutable_inputs(node):
            raise MXNetError(
                f"amp conversion: widest-type operator {node.op.name} (node "
                f"'{node.name}') has mutable inputs, which the pass cannot cast."
            )
        out = self.target
        unknown = False
        for e in node.inputs:
            k = _key(e)
            if k not in self.lp_map and k not in self.fp32_map:
                unknown = True
                break
            if k in self.fp32_map:
                out = "float32"
        if unknown:
            first = node.inputs[0]
            n = len(node.inputs)
            attrs = {"num_outputs": str(n)}
            multi = _Node(
                self.multicast_op,
                f"{first[0].name}{_suffix(first)}_amp_multicast",
                attrs,
                self.multicast_op.parse_attrs(attrs),
                [self.mirror_of(e) for e in node.inputs],
                list(node.versions),
            )
            for i, v in enumerate(node.versions):
                self.use(new, (multi, i), v)
            return
        table = self.lp_map if out == self.target else self.fp32_map
        for i in range(node.num_outputs()):
            table[(id(node), i)] = ((new, i), 0)
            self.own[(id(node), i)] = out
        for e, v in zip(node.inputs, node.versions, strict=True):
            k = _key(e)
            if k in table:
                self.use(new, *table[k])
            else:
                self.add_cast(e, v, out, table, new)

    def conditional_fp32(self, node: _Node) -> bool:
        if node.name in self.excluded:
            return False
        params = self.conditional.get(node.op.name)
        if not params:
            return False
        return any(node.attrs.get(p) in values for p, values in params.items())

    def other(self, node: _Node, new: _Node) -> None:
        if node.inputs:
            # MXNet looks the first input up in its cast tables, which also
            # hold the casts made for other consumers: an operator on a
            # variable that was cast for someone else is then taken to run in
            # the cast's dtype, and the graph fails type inference. Only the
            # dtype the input really has is used here.
            first = self.own.get(_key(node.inputs[0]))
            if first is not None:
                inferred = _infer_outputs(node, first)
                if inferred is not None:
                    self.record_outputs(node, new, inferred[1])
        for e, v in zip(node.inputs, node.versions, strict=True):
            self.use(new, self.mirror_of(e), v)

    # ------------------------------------------------------------ driver
    def run(self, outputs: list[Entry]) -> list[Entry]:
        for node in topo_order(outputs):
            new = _Node(node.op, node.name, dict(node.attrs), node.parsed, [], [])
            new.version = node.version
            if node.op is None:
                pass_kind = "copy"
            elif node.op.name in self.fp32 or node.name in self.excluded:
                pass_kind = "fp32"
            elif node.op.name in self.lp16:
                pass_kind = "target"
            elif node.op.name in self.widest:
                pass_kind = "widest"
            elif self.conditional_fp32(node):
                pass_kind = "conditional"
            else:
                pass_kind = "other"
            if pass_kind == "fp32":
                self.to_fp32(node, new, skip_mutable=False)
            elif pass_kind == "target":
                self.to_target(node, new)
            elif pass_kind == "widest":
                self.to_widest(node, new)
            elif pass_kind == "conditional":
                self.to_fp32(node, new, skip_mutable=True)
            else:
                self.other(node, new)
            self.mirror[id(node)] = new
        heads: list[Entry] = []
        for e in outputs:
            k = _key(e)
            if k not in self.fp32_map:
                self.add_cast(e, 0, "float32", self.fp32_map, None)
            heads.append(self.fp32_map[k][0])
        return heads


def reduce_precision(
    outputs: list[Entry],
    target: str,
    lp16_ops: Iterable[str],
    fp32_ops: Iterable[str],
    widest_ops: Iterable[str],
    conditional: Mapping[str, Mapping[str, list[str]]],
    excluded: Iterable[str],
    data_names: Iterable[str],
    cast_optional_params: bool,
) -> list[Entry]:
    """The output entries of the mixed precision copy of ``outputs``."""
    return _Pass(
        target,
        lp16_ops,
        fp32_ops,
        widest_ops,
        conditional,
        excluded,
        data_names,
        cast_optional_params,
    ).run(outputs)


def set_param_dtypes(
    outputs: list[Entry],
    target: str,
    data_names: Iterable[str],
    model_params: Iterable[str],
    cast_optional_params: bool,
) -> None:
    """Write ``__dtype__`` on the variables of a converted graph, as MXNet does.

    The dtypes come from type inference with the data inputs in float32 and
    every other variable unknown (its ``__dtype__`` ignored); a variable that
    stays unknown is float32. With ``cast_optional_params``, a variable feeding
    only ``amp_cast`` nodes of one dtype (or ``amp_multicast`` nodes whose
    inputs are all variables) takes that dtype (``AMPInferUnknown``). Model
    parameters get the attribute; without any, only variables that had one
    are updated.
    """
    nodes = topo_order(outputs)
    variables = [n for n in nodes if n.op is None]
    saved = {id(n): n.attrs.pop("__dtype__", None) for n in variables}
    data = set(data_names)
    graph = Graph(outputs)
    try:
        vals = infer_graph(graph, {n: "float32" for n in data}, "type")
    finally:
        for n in variables:
            old = saved[id(n)]
            if old is not None:
                n.attrs["__dtype__"] = old
    result = {n.name: vals.get((id(n), 0)) for n in variables}
    if cast_optional_params:
        seen: dict[str, str] = {}

        def settle(var: _Node, dtype: str) -> None:
            if var.name not in seen:
                if result[var.name] is None:
                    seen[var.name] = dtype
                    result[var.name] = dtype
            elif seen[var.name] != dtype:
                result[var.name] = vals.get((id(var), 0))

        for n in nodes:
            if n.op is None:
                continue
            if n.op.name == "amp_cast":
                for src, _ in n.inputs:
                    if src.op is None:
                        settle(src, n.parsed["dtype"])
            elif n.op.name == "amp_multicast":
                if all(src.op is None for src, _ in n.inputs):
                    for src, _ in n.inputs:
                        settle(src, target)
    params = set(model_params)
    for n in variables:
        dtype = result.get(n.name) or "float32"
        if params:
            if n.name in params:
                n.attrs["__dtype__"] = str(dtype_flag(dtype))
        elif "__dtype__" in n.attrs:
            n.attrs["__dtype__"] = str(dtype_flag(dtype))
