"""``mx.viz`` (= ``mx.visualization``): network summary table and graphviz plot.

``print_summary`` prints the same table as MXNet 1.9.1, including its quirks:
parameter counts only for Convolution, FullyConnected, BatchNorm and Embedding
(from the input channels that the previous *layers* produce), and a variable
input is listed as a previous layer only when its node id appears in the first
head entry of the graph JSON (in practice: node 0, the first input).
"""

from __future__ import annotations

import copy
import json
import re
import warnings

from ._text import fmt_shape_x
from .symbol.symbol import Symbol

__all__ = ["plot_network", "print_summary"]


def _str2tuple(string: str) -> list[str]:
    """The integers of a shape string like ``'(3, 3)'`` as strings."""
    return re.findall(r"\d+", string)


def _entry_key(node, i: int) -> str:
    """MXNet's ``list_outputs`` name of output ``i`` of ``node``."""
    return node.output_names()[i]


def _shape_dict(symbol: Symbol, shape: dict) -> dict:
    internals = symbol.get_internals()
    _, out_shapes, _ = internals.infer_shape(**shape)
    if out_shapes is None:
        raise ValueError(
            f"Input shape is incomplete: shapes {shape} do not determine every "
            "output; pass the shapes of all inputs"
        )
    keys = [_entry_key(node, i) for node, i in internals._outputs]
    return dict(zip(keys, out_shapes, strict=True))


def _type_dict(symbol: Symbol, dtype: dict) -> dict:
    internals = symbol.get_internals()
    _, out_types, _ = internals.infer_type(**dtype)
    if out_types is None:
        raise ValueError(
            f"Input type is incomplete: dtypes {dtype} do not determine every "
            "output; pass the dtypes of all inputs"
        )
    keys = [_entry_key(node, i) for node, i in internals._outputs]
    return dict(zip(keys, out_types, strict=True))


def _check_symbol(symbol, fn: str) -> None:
    if not isinstance(symbol, Symbol):
        raise TypeError(
            f"mx.viz.{fn}: symbol must be a Symbol, got {type(symbol).__name__}"
        )


def _layer_params(node: dict, pre_filter: int, out_key: str, shape_dict) -> int:
    """MXNet's per-op parameter count rule."""
    op = node["op"]
    attrs = node.get("attrs", {})
    if op == "Convolution":
        group = int(attrs.get("num_group", "1"))
        n = pre_filter * int(attrs["num_filter"]) // group
        for k in _str2tuple(attrs["kernel"]):
            n *= int(k)
        if attrs.get("no_bias") != "True":
            n += int(attrs["num_filter"])
        return n
    if op == "FullyConnected":
        hidden = int(attrs["num_hidden"])
        if attrs.get("no_bias") == "True":
            return pre_filter * hidden
        return (pre_filter + 1) * hidden
    if op == "BatchNorm":
        if shape_dict is None:
            return 0
        return int(shape_dict[out_key][1]) * 2
    if op == "Embedding":
        return int(attrs["input_dim"]) * int(attrs["output_dim"])
    return 0


def print_summary(
    symbol: Symbol,
    shape: dict | None = None,
    line_length: int = 120,
    positions: list | tuple = (0.44, 0.64, 0.74, 1.0),
) -> None:
    """Print a layer-by-layer summary table of ``symbol`` (MXNet's format).

    Parameters
    ----------
    symbol : Symbol
        The network.
    shape : dict, optional
        Input name -> shape; with it the table shows output shapes and the
        parameter counts that depend on input channels.
    line_length : int
        Total width of the table.
    positions : sequence of float or int
        Right edges of the four columns, relative (last <= 1) or absolute.
    """
    _check_symbol(symbol, "print_summary")
    shape_dict = _shape_dict(symbol, shape) if shape is not None else None
    conf = json.loads(symbol.tojson())
    nodes = conf["nodes"]
    # MXNet takes the set of the first head *entry* [node_id, index, version].
    heads = set(conf["heads"][0])
    positions = list(positions)
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]

    def row(fields) -> None:
        line = ""
        for field, pos in zip(fields, positions, strict=False):
            line = (line + str(field))[:pos]
            line += " " * (pos - len(line))
        print(line)

    def out_key(node: dict) -> str:
        return node["name"] + "_output" if node["op"] != "null" else node["name"]

    def layer(node: dict, out_shape) -> int:
        pre_nodes = []
        pre_filter = 0
        if node["op"] != "null":
            for item in node["inputs"]:
                src = nodes[item[0]]
                if src["op"] != "null" or item[0] in heads:
                    pre_nodes.append(src["name"])
                    key = out_key(src)
                    if shape_dict is not None and key in shape_dict:
                        pre_filter += int(shape_dict[key][1:][0])
        params = _layer_params(node, pre_filter, out_key(node), shape_dict)
        row(
            [
                f"{node['name']}({node['op']})",
                fmt_shape_x(out_shape),
                params,
                pre_nodes[0] if pre_nodes else "",
            ]
        )
        for extra in pre_nodes[1:]:
            row(["", "", "", extra])
        return params

    print("_" * line_length)
    row(["Layer (type)", "Output Shape", "Param #", "Previous Layer"])
    print("=" * line_length)
    total = 0
    for i, node in enumerate(nodes):
        if node["op"] == "null" and i > 0:
            continue
        out_shape = ()
        if node["op"] != "null" or i in heads:
            key = out_key(node)
            if shape_dict is not None and key in shape_dict:
                out_shape = shape_dict[key][1:]
        total += layer(node, out_shape)
        print(("=" if i == len(nodes) - 1 else "_") * line_length)
    print(f"Total params: {total}")
    print("_" * line_length)


_WEIGHT_SUFFIXES = (
    "_weight",
    "_bias",
    "_beta",
    "_gamma",
    "_moving_var",
    "_moving_mean",
    "_running_var",
    "_running_mean",
)
_COLORS = (
    "#8dd3c7",
    "#fb8072",
    "#ffffb3",
    "#bebada",
    "#80b1d3",
    "#fdb462",
    "#b3de69",
    "#fccde5",
)


def _node_style(node: dict) -> tuple[str, int]:
    """(label, colour index) of an operator node."""
    op = node["op"]
    attrs = node.get("attrs", {})
    name = node["name"]
    if op == "Convolution":
        stride = "x".join(_str2tuple(attrs["stride"])) if "stride" in attrs else "1"
        kernel = "x".join(_str2tuple(attrs["kernel"]))
        return f"Convolution\n{kernel}/{stride}, {attrs['num_filter']}", 1
    if op == "FullyConnected":
        return f"FullyConnected\n{attrs['num_hidden']}", 1
    if op == "BatchNorm":
        return name, 3
    if op == "Activation":
        return f"Activation\n{attrs['act_type']}", 2
    if op == "LeakyReLU":
        return f"LeakyReLU\n{attrs.get('act_type', 'Leaky')}", 2
    if op == "Pooling":
        kernel = "x".join(_str2tuple(attrs["kernel"])) if "kernel" in attrs else "[]"
        stride = "x".join(_str2tuple(attrs["stride"])) if "stride" in attrs else "1"
        return f"Pooling\n{attrs['pool_type']}, {kernel}/{stride}", 4
    if op in ("Concat", "Flatten", "Reshape"):
        return name, 5
    if op == "Softmax":
        return name, 6
    if op == "Custom":
        return attrs["op_type"], 7
    return name, 7


def plot_network(
    symbol: Symbol,
    title: str = "plot",
    save_format: str = "pdf",
    shape: dict | None = None,
    dtype: dict | None = None,
    node_attrs: dict | None = None,
    hide_weights: bool = True,
):
    """A ``graphviz.Digraph`` of the graph computing ``symbol`` (MXNet's style).

    Needs the ``graphviz`` Python package (``pip install graphviz``), which
    neogluon does not depend on. ``shape``/``dtype`` (input name -> shape or
    numpy dtype) label the edges; ``node_attrs`` overrides graphviz node
    attributes; ``hide_weights`` drops ``*_weight``/``*_bias``/... inputs.
    """
    try:
        from graphviz import Digraph
    except ImportError:
        raise ImportError(
            "mx.viz.plot_network requires the 'graphviz' Python package "
            "(pip install graphviz; rendering also needs the Graphviz binaries)"
        ) from None
    _check_symbol(symbol, "plot_network")
    shape_dict = _shape_dict(symbol, shape) if shape is not None else None
    type_dict = _type_dict(symbol, dtype) if dtype is not None else None
    conf = json.loads(symbol.tojson())
    nodes = conf["nodes"]
    names = [n["name"] for n in nodes]
    if len(names) != len(set(names)):
        seen: set = set()
        repeated = {n for n in names if n in seen or seen.add(n)}
        warnings.warn(
            "There are multiple variables with the same name in your graph, "
            "this may result in cyclic graph. Repeated names: " + ",".join(repeated),
            RuntimeWarning,
            stacklevel=2,
        )
    node_attr = {
        "shape": "box",
        "fixedsize": "true",
        "width": "1.3",
        "height": "0.8034",
        "style": "filled",
    }
    node_attr.update(node_attrs or {})
    dot = Digraph(name=title, format=save_format)
    hidden = set()
    for node in nodes:
        attr = copy.deepcopy(node_attr)
        name = node["name"]
        if node["op"] == "null":
            if name.endswith(_WEIGHT_SUFFIXES):
                if hide_weights:
                    hidden.add(name)
                continue
            attr["shape"] = "oval"
            label, color = name, 0
        else:
            label, color = _node_style(node)
        attr["fillcolor"] = _COLORS[color]
        dot.node(name=name, label=label, **attr)

    def edge_key(src: dict) -> str:
        if src["op"] == "null":
            return src["name"]
        key = src["name"] + "_output"
        params = src.get("attrs", {})
        if "num_outputs" in params:
            key += str(int(params["num_outputs"]) - 1)
        return key

    for node in nodes:
        if node["op"] == "null":
            continue
        inputs = node["inputs"]
        if node["op"] == "_contrib_BilinearResize2D":
            inputs = inputs[:1]
        for item in inputs:
            src = nodes[item[0]]
            if src["name"] in hidden:
                continue
            attr = {"dir": "back", "arrowtail": "open", "label": ""}
            if shape_dict is not None:
                attr["label"] = fmt_shape_x(shape_dict[edge_key(src)][1:])
            if type_dict is not None:
                attr["label"] += "(" + type_dict[edge_key(src)].__name__ + ")"
            dot.edge(tail_name=node["name"], head_name=src["name"], **attr)
    return dot
