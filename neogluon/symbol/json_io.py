"""MXNet symbol JSON: write byte-for-byte as MXNet 1.9.1 does, read every version.

Layout (nnvm ``SaveJSON``): ``nodes`` in topological order (variables have
``"op": "null"``), ``arg_nodes`` (indices of all variables), ``node_row_ptr``
(prefix sums of each node's *total* output count, hidden outputs included),
``heads`` and ``attrs.mxnet_version``. Reading follows ``legacy_json_util.cc``:
legacy ``attr``/``param`` keys, unwrapped hidden keys (``lr_mult`` ->
``__lr_mult__``), 2-element input entries, missing inputs of pre-0.9 files and
a missing ``mxnet_version`` (read as 0.8.0).
"""

from __future__ import annotations

import json

from .._atomic import write_atomic
from ..base import MXNetError
from ..ops import registry as _reg
from ..util import is_np_shape
from . import _json_validate
from . import control_ops
from . import mkldnn_ops
from .graph import AUX_VAR_INIT
from .graph import HIDDEN_KEYS
from .graph import Entry
from .graph import Graph
from .graph import _Node
from .graph import copy_graph
from .graph import topo_order

__all__ = ["to_json", "read_json", "save", "MXNET_VERSION"]

MXNET_VERSION = 10901


# --------------------------------------------------------------------------- writer
def _jstr(s: str) -> str:
    """dmlc JSONWriter string escaping (only \\r \\n \\\\ \\t and quotes)."""
    out = s.replace("\\", "\\\\").replace('"', '\\"')
    out = out.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    return f'"{out}"'


def _attrs_text(attrs: dict[str, str], indent: str) -> str:
    items = sorted(attrs.items())
    if len(items) == 1:
        k, v = items[0]
        return "{" + f"{_jstr(k)}: {_jstr(v)}" + "}"
    inner = ", \n".join(f"{indent}  {_jstr(k)}: {_jstr(v)}" for k, v in items)
    return "{\n" + inner + "\n" + indent + "}"


def _array_text(items: list[str], indent: str) -> str:
    """dmlc writes arrays of more than 10 items one item per line."""
    if len(items) > 10:
        inner = ", \n".join(f"{indent}  {x}" for x in items)
        return "[\n" + inner + "\n" + indent + "]"
    return "[" + ", ".join(items) + "]"


def _entries_text(entries, indent: str) -> str:
    return _array_text([f"[{a}, {b}, {c}]" for a, b, c in entries], indent)


def _is_amp_cast(n: _Node) -> bool:
    return n.op.name in ("amp_cast", "amp_multicast")


def _without_amp_cast(outputs: list[Entry]) -> list[Entry]:
    """The entries of a copy with ``amp_cast``/``amp_multicast`` nodes bypassed."""
    if not any(n.op is not None and _is_amp_cast(n) for n in topo_order(outputs)):
        return outputs
    return copy_graph(outputs, bypass=_is_amp_cast)


def to_json(symbol: Graph, remove_amp_cast: bool = True) -> str:
    """The MXNet 1.9.1 JSON text of ``symbol`` (same bytes as ``sym.tojson()``)."""
    outputs = symbol._outputs
    if remove_amp_cast:
        outputs = _without_amp_cast(outputs)
    return _graph_text(outputs, "", top=True)


def _graph_text(outputs: list[Entry], pad: str, top: bool) -> str:
    """One graph object whose ``{`` sits at indent ``pad``; control-flow
    nodes nest their ``subgraphs`` (graphs without ``attrs``) the same way."""
    nodes = topo_order(outputs)
    index = {id(n): i for i, n in enumerate(nodes)}
    fpad = pad + "      "
    parts = []
    for n in nodes:
        lines = [
            f'{fpad}"op": {_jstr("null" if n.op is None else n.op.name)}',
            f'{fpad}"name": {_jstr(n.name)}',
        ]
        if n.attrs:
            lines.append(f'{fpad}"attrs": {_attrs_text(n.attrs, fpad)}')
        ins = [
            (index[id(src)], i, v)
            for (src, i), v in zip(n.inputs, n.versions, strict=True)
        ]
        lines.append(f'{fpad}"inputs": {_entries_text(ins, fpad)}')
        subgraphs = n.parsed.get("subgraphs") if n.parsed else None
        if subgraphs:
            graphs = ", \n".join(
                f"{fpad}  " + _graph_text(g.graph._outputs, fpad + "  ", top=False)
                for g in subgraphs
            )
            lines.append(f'{fpad}"subgraphs": [\n{graphs}\n{fpad}]')
        parts.append(f"{pad}    {{\n" + ", \n".join(lines) + f"\n{pad}    }}")
    arg_nodes = [i for i, n in enumerate(nodes) if n.op is None]
    row_ptr = [0]
    for n in nodes:
        row_ptr.append(row_ptr[-1] + n.num_total_outputs())
    heads = [(index[id(n)], i, 0) for n, i in outputs]
    gpad = pad + "  "
    text = (
        "{\n"
        f'{gpad}"nodes": [\n' + ", \n".join(parts) + f"\n{gpad}], \n"
        f'{gpad}"arg_nodes": {_array_text([str(i) for i in arg_nodes], gpad)}, \n'
        f'{gpad}"node_row_ptr": {_array_text([str(i) for i in row_ptr], gpad)}, \n'
        f'{gpad}"heads": {_entries_text(heads, gpad)}'
    )
    if top and is_np_shape():
        # MXNet marks graphs saved under numpy shape semantics (0 = zero-size).
        text += (
            f', \n{gpad}"attrs": {{\n{gpad}  "is_np_shape": ["int", 1], \n'
            f'{gpad}  "mxnet_version": ["int", {MXNET_VERSION}]\n{gpad}}}'
        )
    elif top:
        text += f', \n{gpad}"attrs": {{"mxnet_version": ["int", {MXNET_VERSION}]}}'
    return text + f"\n{pad}}}"


def save(symbol: Graph, fname: str, remove_amp_cast: bool = True) -> None:
    write_atomic(fname, to_json(symbol, remove_amp_cast))


# --------------------------------------------------------------------------- reader
def _version(graph_attrs: dict) -> int:
    v = graph_attrs.get("mxnet_version")
    if v is None:
        return 800
    if isinstance(v, list) and len(v) == 2:
        return int(v[1])
    return int(v)


def _split_hidden(attrs: dict[str, str]):
    """FixParsing: pull out keys that contain a hidden key at an end."""
    plain, hidden = {}, []
    for k, v in attrs.items():
        for key in HIDDEN_KEYS:
            pos = k.rfind(key)
            if pos == 0 or (pos != -1 and pos == len(k) - len(key)):
                hidden.append((k, v))
                break
        else:
            plain[k] = v
    return plain, hidden


def read_json(json_str: str) -> list[Entry]:
    """The output entries of the graph in MXNet JSON text (``sym.load_json``
    wraps them in a Symbol)."""
    try:
        data = json.loads(json_str)
    except json.JSONDecodeError as err:
        raise MXNetError(f"load_json: not valid JSON ({err})") from None
    if not isinstance(data, dict) or "nodes" not in data:
        raise MXNetError(
            "load_json: expected an object with 'nodes', 'arg_nodes' and 'heads'"
        )
    _json_validate.check_graph(data)
    graph_attrs = data.get("attrs") or {}
    version = _version(graph_attrs)
    outputs = _graph_from_dict(data, version)
    if is_np_shape() and not _int_attr(graph_attrs, "is_np_shape"):
        _legacy_shapes_to_np(outputs)
    return outputs


def _int_attr(graph_attrs: dict, key: str) -> int:
    v = graph_attrs.get(key, 0)
    if isinstance(v, list) and len(v) == 2:
        v = v[1]
    try:
        return int(v)
    except (TypeError, ValueError):
        raise MXNetError(
            f'load_json: graph attribute {key!r} must be an int (or ["int", n]), '
            f"got {v!r}"
        ) from None


def _legacy_shapes_to_np(outputs: list[Entry]) -> None:
    """A graph saved without numpy shape semantics, loaded under them: a 0 in a
    variable's ``__shape__`` meant "unknown" and becomes -1 (MXNet's
    ``ConvertShapeAttrToNumPyCompatible``; top-level graph only, as there)."""
    for node in topo_order(outputs):
        shape = node.attrs.get("__shape__") if node.op is None else None
        if shape is None:
            continue
        dims = _reg.parse_shape(shape)
        if dims and any(d == 0 for d in dims):
            text = ",".join("-1" if d is None or d <= 0 else str(d) for d in dims)
            node.attrs["__shape__"] = f"[{text}]"


def _graph_from_dict(data: dict, version: int) -> list[Entry]:
    """The output entries of one parsed graph object (subgraphs use the file's
    version)."""
    legacy = version < MXNET_VERSION
    raw_nodes = data["nodes"]
    nodes: list[_Node] = []
    deferred_hidden: list[tuple[_Node, list]] = []
    for i, jn in enumerate(raw_nodes):
        op_name = jn.get("op", "null")
        name = jn.get("name", "")
        attrs: dict[str, str] = {}
        for key in ("attrs", "attr", "param"):
            if isinstance(jn.get(key), dict):
                attrs.update({k: str(v) for k, v in jn[key].items()})
        hidden: list = []
        if legacy:
            attrs, hidden = _split_hidden(attrs)
        inputs = []
        versions = []
        for e in jn.get("inputs", []):
            src = int(e[0])
            if src >= i:
                raise MXNetError(
                    f"load_json: node {i} ('{name}') has input {src} that is not earlier in topological order"
                )
            inputs.append((nodes[src], int(e[1]) if len(e) > 1 else 0))
            versions.append(int(e[2]) if len(e) > 2 else 0)
            nodes[src].version = max(nodes[src].version, versions[-1])
        if op_name == "null":
            node = _Node(None, name, attrs, None, inputs, versions)
        elif (
            control_ops.find_op(op_name) is not None
            or mkldnn_ops.find_op(op_name) is not None
        ):
            subgraphs = [
                Graph(_graph_from_dict(g, version)) for g in jn.get("subgraphs", [])
            ]
            ops = control_ops if control_ops.find_op(op_name) else mkldnn_ops
            try:
                node = ops.make_node(op_name, name, attrs, inputs, versions, subgraphs)
            except MXNetError as err:
                raise MXNetError(
                    f"load_json: node '{name}' ({op_name}): {err}"
                ) from None
        else:
            op = _reg.find(op_name)
            if op is None:
                raise MXNetError(
                    f"load_json: operator '{op_name}' used by node '{name}' is not "
                    "registered in neogluon; this graph cannot be loaded. Register "
                    "the operator (neogluon.ops.registry.register) or report it."
                )
            try:
                # Ops whose signature depends on their attributes (Custom).
                specialize = getattr(op.kernel, "specialize", None)
                if specialize is not None:
                    op = specialize(attrs)
                params = {k: v for k, v in attrs.items() if k in op.spec_map}
                parsed = op.parse_attrs(params)
            except MXNetError as err:
                raise MXNetError(
                    f"load_json: node '{name}' ({op_name}): {err}"
                ) from None
            node = _Node(op, name, attrs, parsed, inputs, versions)
            if legacy:
                _add_missing_inputs(node, version)
        nodes.append(node)
        if hidden:
            deferred_hidden.append((node, hidden))
    for node, hidden in deferred_hidden:
        _restore_hidden(node, hidden)
    if legacy and version < 904:
        for node in nodes:
            _set_aux_var_attrs(node)
    if legacy and version < 905:
        for node in nodes:
            if (
                node.op is not None
                and node.op.name in ("argmax", "argmin")
                and node.attrs.get("axis") == "-1"
            ):
                del node.attrs["axis"]
                node.parsed = node.op.parse_attrs(
                    {k: v for k, v in node.attrs.items() if k in node.op.spec_map}
                )
    heads = data.get("heads")
    if heads is None:
        heads = [[len(nodes) - 1, 0]]
    return [(nodes[int(h[0])], int(h[1]) if len(h) > 1 else 0) for h in heads]


def _restore_hidden(node: _Node, hidden: list) -> None:
    for k, v in hidden:
        placed = False
        for key in HIDDEN_KEYS:
            pos = k.rfind(key)
            if pos == 0 and len(k) == len(key):
                node.attrs[f"__{key}__"] = v
                placed = True
                break
            if pos > 1 and pos == len(k) - len(key):
                # "<input>_lr_mult" on an op node goes to that input variable.
                if node.op is not None:
                    arg = k[: pos - 1]
                    names = node.input_names()
                    if arg in names:
                        src = node.inputs[names.index(arg)][0]
                        if src.op is None:
                            src.attrs[f"__{key}__"] = v
                            placed = True
                break
        if not placed:
            node.attrs[k] = v


def _add_missing_inputs(node: _Node, version: int) -> None:
    """Files before 0.9.0 omit weight/bias/aux variables: create them."""
    if version >= 900 or node.op.variadic:
        return
    names = node.input_names()
    while len(node.inputs) < len(names):
        arg = names[len(node.inputs)]
        var_name = f"{node.name}_{arg}" if node.name else arg
        node.inputs.append((_Node(None, var_name, dict(node.attrs), None, []), 0))
        node.versions.append(0)


def _set_aux_var_attrs(node: _Node) -> None:
    if node.op is None or not node.op.aux:
        return
    for name, (src, _) in zip(node.input_names(), node.inputs, strict=False):
        if src.op is None and name in node.op.aux and name in AUX_VAR_INIT:
            src.attrs["__init__"] = AUX_VAR_INIT[name]
