"""``mx.contrib.quantization``: INT8 inference for Gluon networks.

:func:`quantize_net` / :func:`quantize_net_v2` take a float32 HybridBlock and
return a SymbolBlock that runs its convolutions and fully connected layers on
int8 data, as MXNet 1.9.1's CPU (oneDNN) path does:

- layers are grouped as MXNet's oneDNN pass fuses them: ``Convolution``
  [+ ``BatchNorm``] [+ a residual ``elemwise_add``] [+ relu, leaky / gelu
  ``LeakyReLU`` or ``clip(a_min=0)``] and ``FullyConnected`` [+ relu,
  ``LeakyReLU``, ``abs`` or ``clip(a_min=0)``], each fused node having a
  single consumer; BatchNorm is folded into the convolution's weights and
  bias, the residual sum and the activation run on the scaled result;
- a group's input is quantized with ``_contrib_quantize_v2`` (int8, or uint8
  when the calibrated minimum is >= 0 and ``quantized_dtype`` is ``'auto'``)
  and its weights to int8 with the scale ``127.5 / max|w|``; the bias becomes
  int32 with the product of the two scales. The products are accumulated
  exactly (integer values in float64), then scaled back;
- a group's output is requantized with its calibrated range, to uint8 when
  its minimum is >= 0 and int8 otherwise (quantized and dequantized, so the
  operators after it, such as pooling and flatten, see exactly the values
  MXNet's int8 versions of them compute); an output of the network stays
  float32;
- ``calib_mode='naive'`` takes the min and max of the float32 network's
  tensors over ``calib_data``; ``'entropy'`` picks the threshold that
  minimises the KL divergence between the float32 histogram (8001 bins) and
  its quantized version, as MXNet's ``_contrib_calibrate_entropy``;
  ``'none'`` quantizes with the range of each batch at run time.

``quantize_mode='smart'`` is accepted and quantizes the same layers as
``'full'`` (every Convolution / FullyConnected group not excluded).

The thresholds are in ``net.calib_table`` (``{tensor: (min, max)}``, keyed by
the graph input or the float32 layer whose output is quantized: for a fused
group, its last operator, e.g. the relu after a convolution).

Differences from MXNet, on purpose: the returned graph is made of ordinary
operators (``_contrib_quantize_v2``, ``Cast``, ``Convolution`` in float64...)
rather than oneDNN's fused ``_sg_mkldnn_conv`` nodes, so its exported JSON
differs from MXNet's (and MXNet can load and run it); ``exclude_operators``
matches ``Convolution`` / ``FullyConnected`` (MXNet's CPU path ignores those
names, its fused nodes being named ``_sg_mkldnn_*``; both spellings work
here); the graph-level functions :func:`quantize_model`,
:func:`quantize_model_mkldnn`, :func:`quantize_graph` and :func:`calib_graph`
raise, as they build MXNet's quantized operator graphs with its graph
passes. Graphs MXNet built (its ``quantize_net`` exported, gluoncv's
``*_int8`` JSON files: ``_sg_mkldnn_conv`` / ``_sg_mkldnn_fully_connected``,
``_contrib_quantized_pooling``...) load and run, with MXNet's numbers
(:mod:`neogluon.symbol.mkldnn_ops`).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from .. import ndarray as nd
from .. import symbol as sym_mod
from ..base import MXNetError
from ..ndarray import NDArray
from ..symbol import Symbol
from ..symbol.graph import _Node
from ..symbol.graph import topo_order

__all__ = [
    "calib_graph",
    "combine_histogram",
    "quantize_graph",
    "quantize_model",
    "quantize_model_mkldnn",
    "quantize_net",
    "quantize_net_v2",
]

_INT8_RANGE = 127.5
_UINT8_RANGE = 255.5
_GROUP_OPS = {
    "Convolution": "Convolution",
    "_sg_mkldnn_conv": "Convolution",
    "FullyConnected": "FullyConnected",
    "_sg_mkldnn_fully_connected": "FullyConnected",
}


# --------------------------------------------------------------------------- calibration
def combine_histogram(
    old_hist: tuple, arr: np.ndarray, new_min: float, new_max: float, new_th: float
) -> tuple:
    """Add ``arr`` to a histogram ``(hist, edges, min, max, th)`` over
    ``[-th, th]``, widening it by whole bins when ``new_th`` is larger."""
    hist, edges, old_min, old_max, old_th = old_hist
    if new_th <= old_th:
        counts, _ = np.histogram(arr, bins=len(hist), range=(-old_th, old_th))
        return (
            hist + counts,
            edges,
            min(old_min, new_min),
            max(old_max, new_max),
            old_th,
        )
    step = 2 * old_th / len(hist)
    extra = int((new_th - old_th) // step + 1)
    bins = 2 * extra + len(hist)
    th = extra * step + old_th
    counts, new_edges = np.histogram(arr, bins=bins, range=(-th, th))
    counts[extra : bins - extra] += hist
    return counts, new_edges, min(old_min, new_min), max(old_max, new_max), th


class _MinMax:
    def __init__(self) -> None:
        self.table: dict[str, tuple[float, float]] = {}

    def collect(self, name: str, arr: np.ndarray) -> None:
        lo, hi = float(arr.min()), float(arr.max())
        if name in self.table:
            old = self.table[name]
            lo, hi = min(old[0], lo), max(old[1], hi)
        self.table[name] = (lo, hi)

    def thresholds(self, quantized_dtype: str) -> dict[str, tuple[float, float]]:
        return dict(self.table)


class _Histogram:
    def __init__(self, num_bins: int = 8001) -> None:
        self.num_bins = num_bins
        self.hists: dict[str, tuple] = {}

    def collect(self, name: str, arr: np.ndarray) -> None:
        lo, hi = float(arr.min()), float(arr.max())
        th = max(abs(lo), abs(hi))
        if name in self.hists:
            self.hists[name] = combine_histogram(self.hists[name], arr, lo, hi, th)
        else:
            hist, edges = np.histogram(arr, bins=self.num_bins, range=(-th, th))
            self.hists[name] = (hist, edges, lo, hi, th)

    def thresholds(self, quantized_dtype: str) -> dict[str, tuple[float, float]]:
        out = {}
        for name, (hist, edges, lo, _hi, _th) in self.hists.items():
            unsigned = lo >= 0 and quantized_dtype in ("auto", "uint8")
            bins = 255 * 2 + 1 if unsigned else 255
            th, _div = nd.contrib.calibrate_entropy(
                nd.array(hist, dtype="float32"),
                nd.array(edges, dtype="float32"),
                num_quantized_bins=bins,
            )
            th = float(th.asscalar())
            out[name] = (0.0, th) if unsigned else (-th, th)
        return out


# --------------------------------------------------------------------------- graph
class _Group:
    """One quantized layer: a Convolution / FullyConnected and what oneDNN
    fuses into it (BatchNorm, a residual ``elemwise_add``, an activation)."""

    def __init__(self, core: _Node) -> None:
        self.core = core
        self.bn: _Node | None = None
        self.add: _Node | None = None
        self.act: _Node | None = None

    @property
    def last(self) -> _Node:
        return self.act or self.add or self.bn or self.core

    @property
    def fused(self) -> list[_Node]:
        return [n for n in (self.bn, self.add, self.act) if n is not None]


def _consumers(nodes: list[_Node]) -> dict[int, list[tuple[_Node, int]]]:
    out: dict[int, list[tuple[_Node, int]]] = {id(n): [] for n in nodes}
    for n in nodes:
        for pos, (src, _) in enumerate(n.inputs):
            out[id(src)].append((n, pos))
    return out


def _post_op(node: _Node, core: str, after_sum: bool) -> bool:
    """Whether oneDNN's INT8 pass fuses ``node`` after a Convolution /
    FullyConnected (``mkldnn_conv_property.h`` / ``mkldnn_fc_property.h``)."""
    name = node.op.name
    a = node.parsed
    if name == "Activation":
        return a.get("act_type") == "relu"
    if name == "LeakyReLU":
        kinds = ("leaky", "gelu") if core == "Convolution" else ("leaky", "elu", "gelu")
        return a.get("act_type") in kinds
    if name == "clip":
        return float(a.get("a_min", -1)) == 0.0 and not after_sum
    if name == "abs":
        return core == "FullyConnected"
    return False


def _find_groups(
    nodes: list[_Node],
    heads: set[int],
    excluded_names: set[str],
    excluded_ops: set[str],
) -> dict[int, _Group]:
    users = _consumers(nodes)
    ex_ops = {_GROUP_OPS.get(o, o) for o in excluded_ops}
    groups: dict[int, _Group] = {}

    def only_user(node: _Node) -> tuple[_Node, int] | None:
        nxt = users[id(node)]
        if len(nxt) != 1 or id(node) in heads or nxt[0][0].op is None:
            return None
        return nxt[0]

    for n in nodes:
        if n.op is None or n.op.name not in ("Convolution", "FullyConnected"):
            continue
        if n.name in excluded_names or n.op.name in ex_ops:
            continue
        g = _Group(n)
        tail = n
        if n.op.name == "Convolution":
            nxt = only_user(tail)
            if nxt is not None and nxt[1] == 0 and nxt[0].op.name == "BatchNorm":
                g.bn = tail = nxt[0]
            nxt = only_user(tail)
            if (
                nxt is not None
                and nxt[0].op.name == "elemwise_add"
                and nxt[0].inputs[0] != nxt[0].inputs[1]
            ):
                g.add = tail = nxt[0]
        nxt = only_user(tail)
        if nxt is not None and _post_op(nxt[0], n.op.name, g.add is not None):
            g.act = nxt[0]
        groups[id(n)] = g
    return groups


#: Operators whose int8 version MXNet runs between quantized layers without a
#: new calibration (the range passes through; only max pooling keeps it exactly).
_PASSTHROUGH = ("Pooling", "Flatten", "flatten", "Reshape", "reshape")


def _source(entry: tuple[_Node, int], by_last: dict[int, _Group]) -> tuple:
    """Where the range of ``entry`` comes from: through pass-through ops, up to
    a graph input or an operator output."""
    node, idx = entry
    while (
        node.op is not None
        and node.op.name in _PASSTHROUGH
        and id(node) not in by_last
        and not (node.op.name == "Pooling" and node.parsed.get("pool_type") != "max")
    ):
        node, idx = node.inputs[0]
    return node, idx


def _var(name: str, value: np.ndarray) -> Symbol:
    return sym_mod.var(name, shape=value.shape, dtype=value.dtype.name)


def _fold(group: _Group, params: dict[str, np.ndarray]) -> tuple:
    core = group.core
    names = core.input_names()
    ins = dict(zip(names, core.inputs, strict=False))
    w = params[ins["weight"][0].name].astype(np.float64)
    b = (
        params[ins["bias"][0].name].astype(np.float64)
        if "bias" in ins and not core.parsed.get("no_bias")
        else np.zeros(w.shape[0])
    )
    if group.bn is not None:
        bn = group.bn
        bins = dict(zip(bn.input_names(), bn.inputs, strict=False))
        a = bn.parsed

        def p(key):
            return params[bins[key][0].name].astype(np.float64)

        gamma = np.ones(w.shape[0]) if a["fix_gamma"] else p("gamma")
        factor = gamma / np.sqrt(p("moving_var") + a["eps"])
        w = w * factor.reshape((-1,) + (1,) * (w.ndim - 1))
        b = (b - p("moving_mean")) * factor + p("beta")
    return w, b


class _Builder:
    def __init__(self, calib: dict, quantized_dtype: str, requant: set) -> None:
        self.calib = calib
        self.qdtype = quantized_dtype
        #: group outputs: quantized layers output uint8 when their calibrated
        #: minimum is >= 0, int8 otherwise, whatever ``quantized_dtype`` says
        #: (it sets the type of the graph's quantize nodes only)
        self.requant = requant
        self.params: dict[str, np.ndarray] = {}

    def out_type(self, name: str) -> str:
        if self.qdtype != "auto" and name not in self.requant:
            return self.qdtype
        rng = self.calib.get(name)
        return "uint8" if rng is not None and rng[0] >= 0 else "int8"

    def quantize(self, x: Symbol, key: str, name: str) -> tuple:
        rng = self.calib.get(key)
        kwargs: dict[str, Any] = {"out_type": self.out_type(key)}
        if rng is not None:
            kwargs["min_calib_range"] = float(rng[0])
            kwargs["max_calib_range"] = float(rng[1])
        elif self.qdtype == "auto" or key in self.requant:
            kwargs["out_type"] = "int8"
        q = sym_mod.contrib.quantize_v2(x, name=f"{name}_quantize", **kwargs)
        return q, kwargs["out_type"], rng

    def group(
        self, g: _Group, x: Symbol, key: str, params: dict, other: Symbol | None
    ) -> Symbol:
        core = g.core
        name = core.name
        q, out_type, rng = self.quantize(x, key, name)
        w, b = _fold(g, params)
        w_r = float(np.abs(w).max()) or 1.0
        w_scale = _INT8_RANGE / w_r
        wq = np.clip(np.round(w * w_scale), -128, 127).astype(np.int8)
        self.params[f"{name}_weight_quantize"] = wq
        qf = sym_mod.Cast(q[0], dtype="float64", name=f"{name}_data_int")
        wf = sym_mod.Cast(
            _var(f"{name}_weight_quantize", wq),
            dtype="float64",
            name=f"{name}_weight_int",
        )
        if rng is not None:
            r = max(abs(rng[0]), abs(rng[1]))
            d_range = _UINT8_RANGE if out_type == "uint8" else _INT8_RANGE
            d_scale = d_range / r if r else 1.0
            bq = np.round(b * d_scale * w_scale).astype(np.int32)
            self.params[f"{name}_bias_quantize"] = bq
            bf = sym_mod.Cast(
                _var(f"{name}_bias_quantize", bq),
                dtype="float64",
                name=f"{name}_bias_int",
            )
            acc = self.apply(core, qf, wf, bf, name)
            out = sym_mod.Cast(
                acc * (1.0 / (d_scale * w_scale)), dtype="float32", name=f"{name}_out"
            )
        else:
            # Range known only at run time: scale the integer data back first
            # (the bias stays float, in float64), as a dynamic requantize.
            real = sym_mod.maximum(sym_mod.abs(q[1]), sym_mod.abs(q[2]))
            d_range = _UINT8_RANGE if out_type == "uint8" else _INT8_RANGE
            qreal = sym_mod.broadcast_mul(
                qf, sym_mod.Cast(real, dtype="float64") / d_range
            )
            self.params[f"{name}_bias_float"] = b.astype(np.float64)
            bf = _var(f"{name}_bias_float", b.astype(np.float64))
            acc = self.apply(core, qreal, wf * (1.0 / w_scale), bf, name)
            out = sym_mod.Cast(acc, dtype="float32", name=f"{name}_out")
        if g.add is not None and other is not None:
            pos = 0 if g.add.inputs[0][0] is (g.bn or g.core) else 1
            ins = [other._outputs[0]] * 2
            ins[pos] = out._outputs[0]
            out = _copy(g.add, ins)
        if g.act is not None:
            out = _copy(g.act, [out._outputs[0]])
        return out

    @staticmethod
    def apply(core: _Node, x: Symbol, w: Symbol, b: Symbol, name: str) -> Symbol:
        attrs = {k: v for k, v in core.attrs.items() if not k.startswith("__")}
        attrs["no_bias"] = "False"
        op = getattr(sym_mod, core.op.name)
        return op(data=x, weight=w, bias=b, name=f"{name}_int", **attrs)

    def requantize(self, out: Symbol, key: str) -> Symbol:
        q, out_type, rng = self.quantize(out, key, f"{key}_requantize")
        return sym_mod.contrib.dequantize(q[0], q[1], q[2], name=f"{key}_dequantize")


def _copy(node: _Node, inputs: list) -> Symbol:
    """``node`` again (name and attributes) on other inputs."""
    new = _Node(
        node.op, node.name, dict(node.attrs), node.parsed, inputs, list(node.versions)
    )
    return Symbol([(new, i) for i in range(node.num_outputs())])


def _entry_name(entry: tuple[_Node, int]) -> str:
    node, idx = entry
    if node.op is None:
        return node.name
    return node.name if node.num_outputs() == 1 else f"{node.name}_output{idx}"


# --------------------------------------------------------------------------- data
def _batches(calib_data: Any) -> Iterable[list[NDArray]]:
    from ..io import DataIter

    if isinstance(calib_data, DataIter):
        calib_data.reset()
        for batch in calib_data:
            yield list(batch.data)
        return
    if isinstance(calib_data, NDArray):
        yield [calib_data]
        return
    for item in calib_data:
        if isinstance(item, NDArray):
            yield [item]
        elif isinstance(item, (list, tuple)) and item and isinstance(item[0], NDArray):
            # a DataLoader's (data, label) pair: the data only, as MXNet's
            # _DataIterWrapper keeps the first array
            yield [item[0]]
        elif hasattr(item, "data"):
            yield list(item.data)
        else:
            raise MXNetError(
                "quantize_net: calib_data must yield NDArrays, (data, label) "
                f"tuples or DataBatches, got {type(item).__name__}."
            )


# --------------------------------------------------------------------------- public
def quantize_net_v2(
    network: Any,
    quantized_dtype: str = "auto",
    quantize_mode: str = "full",
    quantize_granularity: str = "tensor-wise",
    exclude_layers: list[str] | None = None,
    exclude_layers_match: list[str] | None = None,
    exclude_operators: list[str] | None = None,
    calib_data: Any = None,
    data_shapes: Any = None,
    calib_mode: str = "none",
    num_calib_examples: int | None = None,
    ctx: Any = None,
    LayerOutputCollector: Any = None,  # noqa: N803 - MXNet's name
    logger: Any = None,
    num_calib_batches: int | None = None,
) -> Any:
    """An INT8 SymbolBlock computing ``network`` (see the module docstring).

    ``calib_data`` is an ``io.DataIter``, a ``gluon.data.DataLoader`` or any
    iterable of NDArrays; ``num_calib_examples`` stops after that many
    examples (whole batches), ``num_calib_batches`` (MXNet 2.0's spelling)
    after that many batches.
    """
    from ..gluon import HybridBlock
    from ..gluon import SymbolBlock

    if not isinstance(network, HybridBlock):
        raise MXNetError(
            f"quantize_net: network must be a HybridBlock, got {type(network).__name__}."
        )
    if quantized_dtype not in ("auto", "int8", "uint8"):
        raise MXNetError(
            "quantize_net: quantized_dtype must be 'auto', 'int8' or 'uint8', got "
            f"{quantized_dtype!r}."
        )
    if quantize_granularity != "tensor-wise":
        raise MXNetError(
            "quantize_net: only quantize_granularity='tensor-wise' is implemented in "
            f"neogluon, got {quantize_granularity!r} (channel-wise scales are "
            "MXNet oneDNN's)."
        )
    if quantize_mode not in ("full", "smart"):
        raise MXNetError(
            f"quantize_net: quantize_mode must be 'full' or 'smart', got {quantize_mode!r}."
        )
    if LayerOutputCollector is not None:
        raise MXNetError(
            "quantize_net: LayerOutputCollector (calib_mode='customize') receives "
            "MXNet's C monitor callbacks, which neogluon does not have; use "
            "calib_mode='naive' or 'entropy'."
        )
    if calib_mode not in ("none", "naive", "entropy"):
        raise MXNetError(
            "quantize_net: calib_mode must be 'none', 'naive' or 'entropy', got "
            f"{calib_mode!r}."
        )
    if calib_mode != "none" and calib_data is None:
        raise MXNetError(
            f"quantize_net: calib_data must be provided when calib_mode={calib_mode}"
        )
    network.hybridize()
    if getattr(network, "_last_graph", None) is None:
        if calib_data is not None:
            first = next(iter(_batches(calib_data)))
        elif data_shapes:
            first = [nd.zeros(getattr(s, "shape", s)) for s in data_shapes]
        else:
            raise MXNetError("quantize_net: data_shapes required (or calib_data)")
        network(*first)
    graph = network._last_graph
    data_names = list(graph.data_names)
    symbol = graph.symbol
    excluded = set(exclude_layers or [])
    nodes = topo_order(symbol._outputs)
    for pattern in exclude_layers_match or []:
        excluded |= {n.name for n in nodes if n.op is not None and pattern in n.name}
    heads = {id(n) for n, _ in symbol._outputs}
    groups = _find_groups(nodes, heads, excluded, set(exclude_operators or []))
    by_last = {id(g.last): g for g in groups.values()}

    # the tensors to calibrate: each group's input source, and each group's
    # output unless it is a network output (MXNet's quantized layers output
    # int8 with a calibrated range, dequantized where float32 is needed)
    wanted: dict[str, tuple[_Node, int]] = {}
    in_key: dict[int, str] = {}
    for g in groups.values():
        src = _source(g.core.inputs[0], by_last)
        key = _entry_name(src)
        wanted[key] = src
        in_key[id(g.core)] = key
    requant = set()
    for g in groups.values():
        if id(g.last) not in heads:
            key = _entry_name((g.last, 0))
            wanted[key] = (g.last, 0)
            requant.add(key)

    params = {p.name: p.data().asnumpy() for p in network.collect_params().values()}
    calib: dict[str, tuple[float, float]] = {}
    if calib_mode != "none":
        collector: _MinMax | _Histogram = (
            _MinMax() if calib_mode == "naive" else _Histogram()
        )
        names = sorted(wanted)
        probe = SymbolBlock(
            sym_mod.Group([Symbol([wanted[k]]) for k in names]),
            [sym_mod.var(n) for n in data_names],
            params=network.collect_params(),
        )
        seen = 0
        batches = 0
        for batch in _batches(calib_data):
            outs = probe(*batch[: len(data_names)])
            outs = outs if isinstance(outs, (list, tuple)) else [outs]
            for k, o in zip(names, outs, strict=True):
                collector.collect(k, o.asnumpy())
            batches += 1
            seen += batch[0].shape[0]
            if num_calib_examples is not None and seen >= num_calib_examples:
                break
            if num_calib_batches is not None and batches >= num_calib_batches:
                break
        if logger is not None:
            logger.info(
                "Collected statistics from %d batches (%d examples)", batches, seen
            )
        calib = collector.thresholds(quantized_dtype)

    if quantized_dtype == "uint8":
        for key, (lo, _hi) in calib.items():
            if key not in requant and lo < 0:
                raise MXNetError(
                    f"quantize_net: quantized_dtype='uint8' but the calibrated "
                    f"minimum of '{key}' is {lo:g} < 0 (MXNet: 'Expect int8 when "
                    "data_min < 0.0'); use quantized_dtype='int8' or 'auto'."
                )
    builder = _Builder(calib, quantized_dtype, requant)
    new: dict[int, Symbol] = {}
    at_last = {id(g.last): g for g in groups.values()}
    skipped = {id(g.core) for g in groups.values()}
    skipped |= {id(f) for g in groups.values() for f in g.fused}
    skipped -= set(at_last)

    def sym_of(entry: tuple[_Node, int]) -> Symbol:
        node, idx = entry
        s = new[id(node)]
        return s[idx] if len(s._outputs) > 1 else s

    for n in nodes:
        if n.op is None:
            new[id(n)] = Symbol([(n, 0)])
            continue
        if id(n) in skipped:
            continue
        if id(n) in at_last:
            g = at_last[id(n)]
            other = None
            if g.add is not None:
                inner = g.bn or g.core
                o = [e for e in g.add.inputs if e[0] is not inner][0]
                other = sym_of(o)
            core = g.core
            out = builder.group(
                g, sym_of(core.inputs[0]), in_key[id(core)], params, other
            )
            key = _entry_name((g.last, 0))
            if key in requant and key in calib:
                out = builder.requantize(out, key)
            new[id(g.last)] = out
            continue
        new[id(n)] = _copy(n, [sym_of(e)._outputs[0] for e in n.inputs])
    qsym = sym_mod.Group([sym_of(e) for e in symbol._outputs])
    if len(qsym._outputs) == 1:
        qsym = Symbol(qsym._outputs)
    inputs = [sym_mod.var(n) for n in data_names]
    net = SymbolBlock(qsym, inputs)
    values = {}
    for name in net.collect_params():
        if name in builder.params:
            values[name] = nd.array(
                builder.params[name], dtype=builder.params[name].dtype
            )
        elif name in params:
            values[name] = nd.array(params[name], dtype=params[name].dtype)
    net.collect_params().load_dict(
        values, ctx=ctx, cast_dtype=True, dtype_source="saved"
    )
    net.calib_table = calib
    return net


def quantize_net(
    network: Any,
    quantized_dtype: str = "auto",
    quantize_mode: str = "full",
    exclude_layers: list[str] | None = None,
    exclude_layers_match: list[str] | None = None,
    exclude_operators: list[str] | None = None,
    calib_data: Any = None,
    data_shapes: Any = None,
    calib_mode: str = "none",
    num_calib_examples: int | None = None,
    ctx: Any = None,
    logger: Any = None,
    num_calib_batches: int | None = None,
) -> Any:
    """:func:`quantize_net_v2` with tensor-wise scales (MXNet warns that it
    will be deprecated after MXNet 2.0)."""
    warnings.warn(
        "WARNING: This will be deprecated after MXNet 2.0, please use quantize_net_v2.",
        stacklevel=2,
    )
    return quantize_net_v2(
        network,
        quantized_dtype=quantized_dtype,
        quantize_mode=quantize_mode,
        exclude_layers=exclude_layers,
        exclude_layers_match=exclude_layers_match,
        exclude_operators=exclude_operators,
        calib_data=calib_data,
        data_shapes=data_shapes,
        calib_mode=calib_mode,
        num_calib_examples=num_calib_examples,
        ctx=ctx,
        logger=logger,
        num_calib_batches=num_calib_batches,
    )


def _graph_api(name: str) -> Any:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise MXNetError(
            f"contrib.quantization.{name}: builds MXNet's quantized operator graph "
            "(_contrib_quantized_conv, _sg_mkldnn_conv, requantize nodes and their "
            "int8 parameters) with MXNet's graph passes, which neogluon does not "
            "have (it runs such graphs when it loads them from MXNet's JSON). "
            "Wrap the symbol and parameters in a gluon.SymbolBlock and use "
            "quantize_net, which returns a runnable INT8 SymbolBlock."
        )

    refuse.__name__ = name
    refuse.__qualname__ = name
    refuse.__doc__ = f"Not available in neogluon: raises MXNetError ({name})."
    return refuse


quantize_model = _graph_api("quantize_model")
quantize_model_mkldnn = _graph_api("quantize_model_mkldnn")
quantize_graph = _graph_api("quantize_graph")
calib_graph = _graph_api("calib_graph")

logging.getLogger(__name__).addHandler(logging.NullHandler())
