"""MXNet 1.9.1's oneDNN subgraph nodes: ``_sg_mkldnn_conv`` and
``_sg_mkldnn_fully_connected``.

MXNet's oneDNN passes (``optimize_for(backend='MKLDNN')``, ``quantize_net``,
and the quantized models gluoncv ships as JSON) replace a Convolution with
the BatchNorm, activation and residual sum that follow it, or a
FullyConnected with its activation, by one node that keeps the original
operators as its subgraph (``"subgraphs"`` in the JSON, as the control-flow
nodes of :mod:`.control_ops` keep theirs). The node's attributes say what
was fused (``with_bn``, ``with_act``, ``with_sum``, ``with_postsum_act``;
the older ``with_relu`` / ``with_postsum_relu`` spellings are renamed as
MXNet renames them) and whether it runs quantized (``quantized``, with the
calibrated output range ``min_calib_range`` / ``max_calib_range``).

Inputs are the subgraph's inputs in its order (data, weight, bias unless
``no_bias``, BatchNorm's gamma, beta, mean and var, the summed tensor), then,
when quantized, the ranges of the int8 inputs (``data_min``, ``data_max``,
and ``sum_min``/``sum_max``; the FullyConnected: ``min_data``,
``max_data``, ``min_weight``, ``max_weight``, ``min_bias``, ``max_bias``).
The BatchNorm's mean and var are auxiliary states. Shapes and dtypes are
inferred through the subgraph, with the quantized outputs' dtypes as MXNet
states them (uint8 after a relu, int8, int32 uncalibrated, float32 with
``enable_float_output``). The numbers are :mod:`neogluon.ops.quantized_nn`.
Inference only: MXNet gives these nodes zero gradients; here the float
(unquantized) nodes differentiate as their separate operators would, and
the int8 outputs carry no gradient.
"""

from __future__ import annotations

from ..base import MXNetError
from ..ops import quantized_nn as _qnn
from ..ops.registry import OpDef
from ..ops.registry import P
from .control_ops import Subgraph
from .graph import Graph
from .graph import _Node
from .graph import topo_order

__all__ = ["find_op", "make_node"]

_CONV = "_sg_mkldnn_conv"
_FC = "_sg_mkldnn_fully_connected"
_RENAMES = {
    _CONV: {"with_relu": "with_act", "with_postsum_relu": "with_postsum_act"},
    _FC: {"with_relu": "with_eltwise"},
}
_ACTIVATION = {
    "relu": "relu",
    "sigmoid": "logistic",
    "tanh": "tanh",
    "softrelu": "soft_relu",
}


def _activation(node: _Node) -> tuple[str, float]:
    """The oneDNN eltwise algorithm and alpha of an activation node."""
    name, p = node.op.name, node.parsed
    if name == "Activation" and p["act_type"] in _ACTIVATION:
        return _ACTIVATION[p["act_type"]], 0.0
    if name == "LeakyReLU" and p["act_type"] in ("leaky", "elu", "gelu"):
        alg = {"leaky": "relu", "elu": "elu", "gelu": "gelu"}[p["act_type"]]
        return alg, float(p["slope"])
    if name == "clip":
        return "bounded_relu", float(p["a_max"])
    raise MXNetError(
        f"oneDNN subgraph: activation node '{node.name}' ({name} {p}) cannot be "
        "fused; MXNet fuses relu, sigmoid, tanh, softrelu, leaky, elu, gelu and clip."
    )


def _inspect_conv(sub: Subgraph, parsed: dict, name: str) -> None:
    """Fill ``_conv``, ``_bn``, ``_act``, ``_postsum_act`` from the subgraph
    (MXNet's ``SgMKLDNNConvParamParser``)."""
    conv = bn = act = post = None
    for n in topo_order(sub.graph._outputs):
        if n.op is None:
            continue
        op = n.op.name
        if op == "Convolution":
            conv = {k: n.parsed[k] for k in ("kernel", "stride", "dilate", "pad")}
            conv.update(
                num_group=n.parsed["num_group"],
                no_bias=n.parsed["no_bias"],
                num_filter=n.parsed["num_filter"],
                layout=n.parsed.get("layout"),
            )
        elif op == "BatchNorm":
            bn = {"eps": float(n.parsed["eps"]), "fix_gamma": n.parsed["fix_gamma"]}
        elif op in ("Activation", "LeakyReLU", "clip"):
            if parsed["with_act"] and act is None:
                act = _activation(n)
            else:
                post = _activation(n)
        elif op not in ("elemwise_add", "_plus", "broadcast_add", "_Plus"):
            raise MXNetError(
                f"{_CONV} node '{name}': its subgraph holds a {op} node "
                f"('{n.name}'); a fused convolution holds Convolution, BatchNorm, "
                "an activation and elemwise_add only."
            )
    if conv is None:
        raise MXNetError(f"{_CONV} node '{name}': its subgraph has no Convolution.")
    layout = conv["layout"]
    if layout not in (None, "NCW", "NCHW", "NCDHW"):
        raise MXNetError(
            f"{_CONV} node '{name}': layout {layout!r} is not supported (oneDNN "
            "fuses channel-first convolutions only)."
        )
    if parsed["with_bn"] != (bn is not None):
        raise MXNetError(
            f"{_CONV} node '{name}': with_bn={parsed['with_bn']} but the subgraph "
            f"{'has no' if bn is None else 'has a'} BatchNorm."
        )
    if parsed["with_act"] and act is None:
        raise MXNetError(f"{_CONV} node '{name}': with_act=True but no activation.")
    if parsed["with_postsum_act"] and post is None:
        raise MXNetError(
            f"{_CONV} node '{name}': with_postsum_act=True but no activation after "
            "the sum."
        )
    parsed.update(_conv=conv, _bn=bn, _act=act, _postsum_act=post)


def _inspect_fc(sub: Subgraph, parsed: dict, name: str) -> None:
    fc = act = None
    for n in topo_order(sub.graph._outputs):
        if n.op is None:
            continue
        if n.op.name == "FullyConnected":
            fc = {"no_bias": n.parsed["no_bias"], "flatten": n.parsed["flatten"]}
        else:
            act = _activation(n)
    if fc is None:
        raise MXNetError(f"{_FC} node '{name}': its subgraph has no FullyConnected.")
    if parsed["with_eltwise"] and act is None:
        raise MXNetError(f"{_FC} node '{name}': with_eltwise=True but no activation.")
    parsed.update(_fc=fc, _act=act)


# --------------------------------------------------------------------------- inputs
def _conv_inputs(a: dict) -> tuple[str, ...]:
    names = ["data", "weight"]
    if not a["_conv"]["no_bias"]:
        names.append("bias")
    if a["with_bn"]:
        names += ["gamma", "beta", "mean", "var"]
    if a["with_sum"]:
        names.append("sum")
    if a["quantized"]:
        names += ["data_min", "data_max"]
        if a["with_sum"]:
            names += ["sum_min", "sum_max"]
    return tuple(names)


def _fc_inputs(a: dict) -> tuple[str, ...]:
    names = ["data", "weight"]
    if not a["_fc"]["no_bias"]:
        names.append("bias")
    if a["quantized"]:
        names += ["min_data", "max_data"]
        if not a["channel_wise_quantize"]:
            names += ["min_weight", "max_weight"]
            if not a["_fc"]["no_bias"]:
                names += ["min_bias", "max_bias"]
    return tuple(names)


def _num_ranges(op: str, a: dict) -> int:
    """How many trailing inputs are ranges (not subgraph inputs)."""
    names = _conv_inputs(a) if op == _CONV else _fc_inputs(a)
    return len(names) - len(a["subgraphs"][0].input_names)


def _conv_outputs(a: dict) -> int:
    return 3 if a["quantized"] else 1


def _fc_outputs(a: dict) -> int:
    return 3 if a["quantized"] and not a["enable_float_output"] else 1


def _out_dtype(op: str, a: dict) -> str:
    if not a["quantized"]:
        return "float32"
    calibrated = a["min_calib_range"] is not None and a["max_calib_range"] is not None
    if op == _FC:
        if a["enable_float_output"]:
            return "float32"
        if not calibrated:
            return "int32"
        act = a["_act"] if a["with_eltwise"] else None
        return "uint8" if _qnn._nonneg(act) else "int8"
    if not calibrated:
        return "int32"
    return "uint8" if _qnn._uint8_output(a) else "int8"


def _infer(op: str, kind: str):
    is_shape = kind == "shape"

    def rule(in_vals: list, attrs: dict, out_vals: list | None = None):
        sub: Subgraph = attrs["subgraphs"][0]
        k = _num_ranges(op, attrs)
        base = list(in_vals[: len(in_vals) - k])
        n_out = _conv_outputs(attrs) if op == _CONV else _fc_outputs(attrs)
        if is_shape:
            first = None if out_vals is None else out_vals[0]
            ins, outs = sub.infer(base, [first], kind)
            ranges = [(1,)] * k
            tail = [(1,), (1,)] if n_out == 3 else []
            return list(ins) + ranges, [outs[0]] + tail
        types = list(base)
        ints = {i for i, t in enumerate(types) if t in ("int8", "uint8", "int32")}
        for i in ints:  # the subgraph is float: infer it with float data
            types[i] = "float32"
        if attrs["quantized"] and op == _FC and not attrs["channel_wise_quantize"]:
            for i in range(1, len(types)):
                types[i] = "float32"
        ins, _ = sub.infer(types, [None], kind)
        ins = list(ins)
        for i in ints:
            ins[i] = base[i]
        if attrs["quantized"] and op == _FC and not attrs["channel_wise_quantize"]:
            ins[1:] = ["int8"] * (len(ins) - 1)
        ttail = ["float32", "float32"] if n_out == 3 else []
        return ins + ["float32"] * k, [_out_dtype(op, attrs)] + ttail

    return rule


_COMMON = (
    P("quantized", "bool", False, "Runs on int8 / uint8 data."),
    P("min_calib_range", "float", None, "Calibrated output minimum."),
    P("max_calib_range", "float", None, "Calibrated output maximum."),
    P("subgraphs", "any", None),
    P("_act", "any", None),
)
_OPS = {
    _CONV: OpDef(
        name=_CONV,
        kernel=_qnn.sg_conv,
        inputs=("data", "weight", "bias", "gamma", "beta", "mean", "var", "sum"),
        present_inputs=_conv_inputs,
        aux=("mean", "var"),
        num_outputs=_conv_outputs,
        output_names=("output", "output_min", "output_max"),
        params=_COMMON
        + (
            P("with_bn", "bool", False, "A BatchNorm is fused."),
            P("with_act", "bool", False, "An activation is fused."),
            P("with_sum", "bool", False, "A residual sum is fused."),
            P("with_postsum_act", "bool", False, "An activation after the sum."),
            P("_conv", "any", None),
            P("_bn", "any", None),
            P("_postsum_act", "any", None),
        ),
        infer_shape=_infer(_CONV, "shape"),
        infer_type=_infer(_CONV, "type"),
        same_dtype=False,
        cse=False,  # stateful in MXNet (FCreateOpState)
        doc="oneDNN-fused Convolution (+ BatchNorm, activation, sum), float or int8.",
    ),
    _FC: OpDef(
        name=_FC,
        kernel=_qnn.sg_fc,
        inputs=("data", "weight", "bias"),
        present_inputs=_fc_inputs,
        num_outputs=_fc_outputs,
        output_names=("output", "min_output", "max_output"),
        params=_COMMON
        + (
            P("enable_float_output", "bool", False, "Output float32."),
            P("with_eltwise", "bool", False, "An activation is fused."),
            P("channel_wise_quantize", "bool", None, "Channel-wise weight ranges."),
            P("_fc", "any", None),
        ),
        infer_shape=_infer(_FC, "shape"),
        infer_type=_infer(_FC, "type"),
        same_dtype=False,
        cse=False,
        doc="oneDNN-fused FullyConnected (+ activation), float or int8.",
    ),
}


def find_op(name: str) -> OpDef | None:
    """The oneDNN subgraph op called ``name`` (None for any other name)."""
    return _OPS.get(name)


def make_node(
    op_name: str,
    name: str,
    attrs: dict[str, str],
    inputs: list,
    versions: list[int],
    subgraphs: list[Graph],
) -> _Node:
    """A ``_sg_mkldnn_*`` node from its string attributes and its subgraph."""
    op = _OPS[op_name]
    for old, new in _RENAMES[op_name].items():
        if old in attrs:
            attrs[new] = attrs.pop(old)
    if len(subgraphs) != 1:
        raise MXNetError(
            f"{op_name} node '{name}' needs 1 subgraph, got {len(subgraphs)}."
        )
    given = {k: v for k, v in attrs.items() if k in op.spec_map and k[0] != "_"}
    unknown = sorted(k for k in attrs if k not in op.spec_map or k[0] == "_")
    unknown = [k for k in unknown if not k.startswith("__")]
    if unknown:
        raise MXNetError(
            f"{op_name} node '{name}': unknown attribute(s) {unknown}; its attributes "
            f"are {[p.name for p in op.params if p.name[0] != '_']}."
        )
    parsed = op.parse_attrs(given)
    sub = Subgraph(subgraphs[0])
    parsed["subgraphs"] = [sub]
    if op_name == _CONV:
        _inspect_conv(sub, parsed, name)
    else:
        _inspect_fc(sub, parsed, name)
    expected = op.input_names(parsed)
    if len(inputs) != len(expected):
        raise MXNetError(
            f"{op_name} node '{name}': expected {len(expected)} inputs "
            f"{list(expected)}, got {len(inputs)}."
        )
    if len(sub.input_names) != len(expected) - _num_ranges(op_name, parsed):
        raise MXNetError(
            f"{op_name} node '{name}': its subgraph has {len(sub.input_names)} "
            f"inputs {sub.input_names}, but the attributes give {list(expected)}."
        )
    return _Node(op, name, attrs, parsed, inputs, versions)
