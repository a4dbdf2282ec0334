"""ONNX graph -> neogluon Symbol (``mx.contrib.onnx.onnx2mx.import_onnx``).

:class:`GraphProto` walks an ONNX ``GraphProto`` in order and builds the
matching ``mx.sym`` graph: graph inputs that are not initializers become
variables (the data), initializers become ``arg_params`` (BatchNorm's mean and
variance ``aux_params``), and each node is translated by a handler of
:data:`_HANDLERS`. Attributes that ONNX passes as constant inputs (Reshape's
shape, Unsqueeze/Squeeze axes, Clip bounds, Pad widths) must be initializers
or ``Constant`` nodes. An operator without a handler raises MXNetError naming
it and the operators that are supported.

Needs the ``onnx`` package (``pip install onnx``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .... import ndarray as nd
from .... import symbol as sym
from ....base import MXNetError

__all__ = ["GraphProto"]


def _require_onnx():
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError as err:
        raise ImportError(
            "ONNX import needs the onnx package: pip install onnx"
        ) from err
    return onnx, numpy_helper


def _attrs(node) -> dict[str, Any]:
    onnx, numpy_helper = _require_onnx()
    out: dict[str, Any] = {}
    for a in node.attribute:
        value = onnx.helper.get_attribute_value(a)
        if isinstance(value, bytes):
            value = value.decode()
        elif a.type == onnx.AttributeProto.TENSOR:
            value = numpy_helper.to_array(value)
        elif isinstance(value, list):
            value = [v.decode() if isinstance(v, bytes) else v for v in value]
        out[a.name] = value
    return out


class GraphProto:
    """Converts an ONNX graph into a neogluon Symbol and its parameters."""

    def __init__(self) -> None:
        self._nodes: dict[str, sym.Symbol] = {}
        self._consts: dict[str, np.ndarray] = {}
        self._params: dict[str, nd.NDArray] = {}
        self._aux: set[str] = set()
        self._used_as_var: set[str] = set()
        self.opset_version = 0

    # ------------------------------------------------------------ inputs
    def _const(self, name: str, what: str) -> np.ndarray:
        if name not in self._consts:
            raise MXNetError(
                f"ONNX import: {what} comes from tensor {name!r}, which is computed at run "
                "time; neogluon's importer needs it as an initializer or Constant."
            )
        return self._consts[name]

    def _sym(self, name: str) -> sym.Symbol:
        if name in self._nodes:
            return self._nodes[name]
        if name in self._consts:
            self._used_as_var.add(name)
            var = sym.var(name)
            self._nodes[name] = var
            return var
        raise MXNetError(f"ONNX import: tensor {name!r} is used before it is produced.")

    # ------------------------------------------------------------ API
    def from_onnx(
        self, graph, opset_version: int | None = None
    ) -> tuple[sym.Symbol, dict, dict]:
        """``(sym, arg_params, aux_params)`` of an ONNX ``GraphProto``.

        ``opset_version`` (the model's default-domain opset) selects defaults
        that changed between opsets (Softmax's axis).
        """
        _, numpy_helper = _require_onnx()
        if opset_version is not None:
            self.opset_version = int(opset_version)
        for init in graph.initializer:
            self._consts[init.name] = numpy_helper.to_array(init)
        for inp in graph.input:
            if inp.name not in self._consts:
                self._nodes[inp.name] = sym.var(inp.name)
        for node in graph.node:
            handler = _HANDLERS.get(node.op_type)
            if handler is None:
                raise MXNetError(
                    f"ONNX import: operator {node.op_type!r} (node {node.name!r}) is not "
                    "supported by neogluon's importer. Supported: "
                    + ", ".join(sorted(_HANDLERS))
                    + "."
                )
            name = node.name or (node.output[0] if node.output else node.op_type)
            outs = handler(self, node, _attrs(node), name)
            if outs is None:
                continue
            if not isinstance(outs, (list, tuple)):
                outs = [outs]
            for out_name, out in zip(node.output, outs, strict=False):
                if out_name:
                    self._nodes[out_name] = out
        outputs = [self._sym(o.name) for o in graph.output]
        result = outputs[0] if len(outputs) == 1 else sym.Group(outputs)
        arg_params: dict[str, nd.NDArray] = {}
        aux_params: dict[str, nd.NDArray] = {}
        for name in self._used_as_var:
            target = aux_params if name in self._aux else arg_params
            target[name] = nd.array(self._consts[name], dtype=self._consts[name].dtype)
        return result, arg_params, aux_params

    def get_graph_metadata(self, graph) -> dict[str, list[tuple[str, tuple]]]:
        """Names and shapes of the data inputs and of the outputs."""
        inits = {i.name for i in graph.initializer}

        def shape(value_info) -> tuple:
            dims = value_info.type.tensor_type.shape.dim
            return tuple(d.dim_value if d.dim_value else d.dim_param or 0 for d in dims)

        return {
            "input_tensor_data": [
                (i.name, shape(i)) for i in graph.input if i.name not in inits
            ],
            "output_tensor_data": [(o.name, shape(o)) for o in graph.output],
        }

    def graph_to_gluon(self, graph, ctx: Any = None, opset_version: int | None = None):
        """A ``gluon.SymbolBlock`` of the graph with its parameters loaded."""
        from ....gluon import SymbolBlock

        result, args, auxs = self.from_onnx(graph, opset_version)
        data = [
            sym.var(n) for n, _ in self.get_graph_metadata(graph)["input_tensor_data"]
        ]
        net = SymbolBlock(result, data)
        params = net.collect_params()
        for name, value in {**args, **auxs}.items():
            if name in params:
                params[name].shape = value.shape
                params[name]._load_init(value, ctx if ctx is not None else None)
        return net


# ---------------------------------------------------------------- handlers
def _pads(pads: list[int] | None, nd_: int) -> tuple[tuple, tuple]:
    if not pads:
        return (0,) * nd_, (0,) * nd_
    return tuple(pads[:nd_]), tuple(pads[nd_:])


def _conv(g: GraphProto, node, a, name):
    w = g._const(node.input[1], "Conv weight")
    k = tuple(a.get("kernel_shape", w.shape[2:]))
    n = len(k)
    begin, end = _pads(a.get("pads"), n)
    if a.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
        raise MXNetError(
            f"ONNX import: Conv {name!r}: auto_pad={a['auto_pad']} unsupported."
        )
    x = g._sym(node.input[0])
    if begin != end:
        x = _explicit_pad(x, begin, end, name)
        begin = (0,) * n
    args = [x, g._sym(node.input[1])]
    no_bias = len(node.input) < 3 or not node.input[2]
    if not no_bias:
        args.append(g._sym(node.input[2]))
    return sym.Convolution(
        *args,
        kernel=k,
        stride=tuple(a.get("strides", (1,) * n)),
        dilate=tuple(a.get("dilations", (1,) * n)),
        pad=begin,
        num_filter=int(w.shape[0]),
        num_group=int(a.get("group", 1)),
        no_bias=no_bias,
        name=name,
    )


def _explicit_pad(x, begin, end, name, mode="constant", value=0.0):
    width = [0, 0, 0, 0]
    for b, e in zip(begin, end, strict=True):
        width += [int(b), int(e)]
    return sym.Pad(
        x, mode=mode, pad_width=tuple(width), constant_value=value, name=name + "_pad"
    )


def _pool(kind: str):
    def handler(g: GraphProto, node, a, name):
        k = tuple(a["kernel_shape"])
        n = len(k)
        begin, end = _pads(a.get("pads"), n)
        x = g._sym(node.input[0])
        if begin != end:
            fill = -np.inf if kind == "max" else 0.0
            x = _explicit_pad(x, begin, end, name, value=fill)
            begin = (0,) * n
        kw = {}
        if kind == "avg":
            kw["count_include_pad"] = bool(a.get("count_include_pad", 0))
        return sym.Pooling(
            x,
            kernel=k,
            stride=tuple(a.get("strides", (1,) * n)),
            pad=begin,
            pool_type=kind,
            pooling_convention="full" if a.get("ceil_mode", 0) else "valid",
            name=name,
            **kw,
        )

    return handler


def _global_pool(kind: str):
    def handler(g, node, a, name):
        return sym.Pooling(
            g._sym(node.input[0]),
            kernel=(1, 1),
            global_pool=True,
            pool_type=kind,
            name=name,
        )

    return handler


def _batchnorm(g: GraphProto, node, a, name):
    for aux in node.input[3:5]:
        g._aux.add(aux)
    ins = [g._sym(i) for i in node.input[:5]]
    return sym.BatchNorm(
        *ins,
        eps=float(a.get("epsilon", 1e-5)),
        momentum=float(a.get("momentum", 0.9)),
        fix_gamma=False,
        use_global_stats=True,
        name=name,
    )


def _gemm(g: GraphProto, node, a, name):
    alpha, beta = float(a.get("alpha", 1.0)), float(a.get("beta", 1.0))
    trans_a, trans_b = int(a.get("transA", 0)), int(a.get("transB", 0))
    x = g._sym(node.input[0])
    if trans_a:
        x = sym.transpose(x)
    b = g._sym(node.input[1])
    out = sym.dot(x, b, transpose_b=bool(trans_b))
    if alpha != 1.0:
        out = out * alpha
    if len(node.input) > 2 and node.input[2]:
        c = g._sym(node.input[2])
        out = sym.broadcast_add(out, c * beta if beta != 1.0 else c, name=name)
    return out


def _matmul_impl(g: GraphProto, node, name):
    lhs, rhs = g._sym(node.input[0]), g._sym(node.input[1])
    if node.input[1] in g._consts and g._consts[node.input[1]].ndim == 2:
        w = g._consts[node.input[1]]
        return sym.FullyConnected(
            lhs,
            sym.transpose(rhs),
            num_hidden=int(w.shape[1]),
            no_bias=True,
            flatten=False,
            name=name,
        )
    return sym.batch_dot(lhs, rhs, name=name)


def _binary(op: str):
    def handler(g, node, a, name):
        return getattr(sym, op)(g._sym(node.input[0]), g._sym(node.input[1]), name=name)

    return handler


def _unary(fn: Callable):
    def handler(g, node, a, name):
        return fn(g._sym(node.input[0]), a, name)

    return handler


def _axes(g: GraphProto, node, a, what: str) -> list[int] | None:
    if "axes" in a:
        return [int(v) for v in a["axes"]]
    if len(node.input) > 1 and node.input[1]:
        return [int(v) for v in g._const(node.input[1], what).ravel()]
    return None


def _reshape(g, node, a, name):
    shape = tuple(int(v) for v in g._const(node.input[1], "Reshape's shape"))
    if a.get("allowzero", 0) and 0 in shape:
        raise MXNetError(f"ONNX import: Reshape {name!r} with allowzero=1 and a 0 dim.")
    return sym.Reshape(g._sym(node.input[0]), shape=shape, name=name)


def _flatten(g, node, a, name):
    axis = int(a.get("axis", 1))
    x = g._sym(node.input[0])
    if axis == 1:
        return sym.Flatten(x, name=name)
    if axis == 0:
        return sym.Reshape(x, shape=(1, -1), name=name)
    raise MXNetError(f"ONNX import: Flatten {name!r} with axis={axis} (only 0 and 1).")


def _unsqueeze(g, node, a, name):
    x = g._sym(node.input[0])
    for ax in sorted(_axes(g, node, a, "Unsqueeze's axes") or []):
        x = sym.expand_dims(x, axis=ax)
    return x


def _squeeze(g, node, a, name):
    axes = _axes(g, node, a, "Squeeze's axes")
    return sym.squeeze(
        g._sym(node.input[0]), axis=tuple(axes) if axes else None, name=name
    )


def _reduce(op: str):
    def handler(g, node, a, name):
        axes = _axes(g, node, a, f"{node.op_type}'s axes")
        keep = bool(a.get("keepdims", 1))
        x = g._sym(node.input[0])
        if axes is None:
            return getattr(sym, op)(x, keepdims=keep, name=name)
        return getattr(sym, op)(x, axis=tuple(axes), keepdims=keep, name=name)

    return handler


def _softmax(op: str):
    def handler(g, node, a, name):
        axis = int(a.get("axis", -1 if g.opset_version >= 13 else 1))
        return getattr(sym, op)(g._sym(node.input[0]), axis=axis, name=name)

    return handler


def _clip(g, node, a, name):
    lo = a.get("min", -np.inf)
    hi = a.get("max", np.inf)
    if len(node.input) > 1 and node.input[1]:
        lo = float(g._const(node.input[1], "Clip's min"))
    if len(node.input) > 2 and node.input[2]:
        hi = float(g._const(node.input[2], "Clip's max"))
    return sym.clip(g._sym(node.input[0]), a_min=float(lo), a_max=float(hi), name=name)


def _pad(g, node, a, name):
    pads = a.get("pads")
    if pads is None:
        pads = [int(v) for v in g._const(node.input[1], "Pad's pads")]
    value = float(a.get("value", 0.0))
    if len(node.input) > 2 and node.input[2]:
        value = float(g._const(node.input[2], "Pad's constant_value"))
    mode = a.get("mode", "constant")
    mode = {"constant": "constant", "reflect": "reflect", "edge": "edge"}[mode]
    n = len(pads) // 2
    width: list[int] = []
    for i in range(n):
        width += [int(pads[i]), int(pads[i + n])]
    return sym.Pad(
        g._sym(node.input[0]),
        mode=mode,
        pad_width=tuple(width),
        constant_value=value,
        name=name,
    )


def _constant(g: GraphProto, node, a, name):
    value = a.get("value")
    if value is None:
        for key in ("value_float", "value_int"):
            if key in a:
                value = np.array(a[key])
        if value is None:
            for key in ("value_floats", "value_ints"):
                if key in a:
                    value = np.array(a[key])
    if value is None:
        raise MXNetError(f"ONNX import: Constant {name!r} without a value.")
    g._consts[node.output[0]] = np.asarray(value)
    return None


def _concat(g, node, a, name):
    ins = [g._sym(i) for i in node.input]
    return sym.concat(*ins, dim=int(a.get("axis", 1)), name=name)


def _transpose(g, node, a, name):
    perm = a.get("perm")
    x = g._sym(node.input[0])
    return (
        sym.transpose(x, axes=tuple(perm), name=name)
        if perm
        else sym.transpose(x, name=name)
    )


def _sum(g, node, a, name):
    return sym.add_n(*[g._sym(i) for i in node.input], name=name)


def _act(kind: str):
    return _unary(lambda x, a, name: sym.Activation(x, act_type=kind, name=name))


_HANDLERS: dict[str, Callable] = {
    "Abs": _unary(lambda x, a, n: sym.abs(x, name=n)),
    "Add": _binary("broadcast_add"),
    "AveragePool": _pool("avg"),
    "BatchNormalization": _batchnorm,
    "Ceil": _unary(lambda x, a, n: sym.ceil(x, name=n)),
    "Clip": _clip,
    "Concat": _concat,
    "Constant": _constant,
    "Conv": _conv,
    "Div": _binary("broadcast_div"),
    "Dropout": _unary(lambda x, a, n: sym.identity(x, name=n)),
    "Elu": _unary(
        lambda x, a, n: sym.LeakyReLU(
            x, act_type="elu", slope=float(a.get("alpha", 1.0)), name=n
        )
    ),
    "Exp": _unary(lambda x, a, n: sym.exp(x, name=n)),
    "Flatten": _flatten,
    "Floor": _unary(lambda x, a, n: sym.floor(x, name=n)),
    "Gemm": _gemm,
    "GlobalAveragePool": _global_pool("avg"),
    "GlobalMaxPool": _global_pool("max"),
    "Identity": _unary(lambda x, a, n: sym.identity(x, name=n)),
    "LeakyRelu": _unary(
        lambda x, a, n: sym.LeakyReLU(
            x, act_type="leaky", slope=float(a.get("alpha", 0.01)), name=n
        )
    ),
    "Log": _unary(lambda x, a, n: sym.log(x, name=n)),
    "LogSoftmax": _softmax("log_softmax"),
    "MatMul": lambda g, node, a, name: _matmul_impl(g, node, name),
    "Max": _binary("broadcast_maximum"),
    "MaxPool": _pool("max"),
    "Min": _binary("broadcast_minimum"),
    "Mul": _binary("broadcast_mul"),
    "Neg": _unary(lambda x, a, n: sym.negative(x, name=n)),
    "Pad": _pad,
    "Pow": _binary("broadcast_power"),
    "Reciprocal": _unary(lambda x, a, n: sym.reciprocal(x, name=n)),
    "ReduceMax": _reduce("max"),
    "ReduceMean": _reduce("mean"),
    "ReduceMin": _reduce("min"),
    "ReduceProd": _reduce("prod"),
    "ReduceSum": _reduce("sum"),
    "Relu": _act("relu"),
    "Reshape": _reshape,
    "Sigmoid": _act("sigmoid"),
    "Softmax": _softmax("softmax"),
    "Softplus": _act("softrelu"),
    "Softsign": _act("softsign"),
    "Sqrt": _unary(lambda x, a, n: sym.sqrt(x, name=n)),
    "Squeeze": _squeeze,
    "Sub": _binary("broadcast_sub"),
    "Sum": _sum,
    "Tanh": _act("tanh"),
    "Transpose": _transpose,
    "Unsqueeze": _unsqueeze,
}
