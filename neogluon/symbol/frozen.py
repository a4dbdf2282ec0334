"""The frozen graph: predict mode with the parameters as constants.

:class:`FrozenGraph` re-emits a :class:`~.compiler.CompiledGraph` through the
same emitter (:mod:`.codegen`) with the groups that :func:`.freeze.plan_inference`
finds (Convolution/FullyConnected [+ BatchNorm] [+ residual add] [+ ReLU]) run
as one call: BatchNorm folded into the weights, and on CPU float32 2-D
convolutions oneDNN's fused convolution with weights prepacked once. This is
the only module of ``neogluon.symbol`` that uses private torch / oneDNN APIs
(``torch.ops.mkldnn._convolution_pointwise``,
``torch._C._nn.mkldnn_reorder_conv2d_weight``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import torch

from ..base import MXNetError
from ..ops.nn import _conv_params
from ..ops.nn import _pool_geometry
from .codegen import Emitter
from .codegen import emit_graph
from .compiler import CompiledGraph
from .freeze import FusedGroup
from .freeze import fold_batchnorm_params
from .freeze import plan_inference

__all__ = ["FrozenGraph", "freeze_graph", "onednn_available"]

_ONEDNN: bool | None = None


def onednn_available() -> bool:
    """Whether torch has the oneDNN fused convolution with prepacked weights."""
    global _ONEDNN
    if _ONEDNN is None:
        try:
            _ONEDNN = bool(
                torch.backends.mkldnn.is_available()
                and hasattr(torch._C._nn, "mkldnn_reorder_conv2d_weight")
                and hasattr(torch.ops.mkldnn, "_convolution_pointwise")
                and hasattr(torch.ops.mkldnn._convolution_pointwise, "binary")
            )
        except (AttributeError, RuntimeError):
            _ONEDNN = False
    return _ONEDNN


def _fold_group(g: FusedGroup, values: dict) -> tuple[torch.Tensor, object]:
    """The anchor's weight and bias with the group's BatchNorm folded in."""
    a = g.anchor
    in_names = a.input_names()
    by_name = {
        nm: values[src.name]
        for nm, (src, _) in zip(in_names[1:], a.inputs[1:], strict=True)
    }
    weight = by_name["weight"]
    bias = by_name.get("bias")
    if g.bn is None:
        return weight, bias
    bn_in = dict(
        zip(
            g.bn.input_names()[1:],
            (values[s.name] for s, _ in g.bn.inputs[1:]),
            strict=True,
        )
    )
    with torch.no_grad():
        scale, shift = fold_batchnorm_params(
            g.bn.parsed,
            bn_in["gamma"].double(),
            bn_in["beta"].double(),
            bn_in["moving_mean"].double(),
            bn_in["moving_var"].double(),
        )
        shape = (-1,) + (1,) * (weight.dim() - 1)
        w = (weight.double() * scale.reshape(shape)).to(weight.dtype).contiguous()
        b = shift if bias is None else bias.double() * scale + shift
        b = b.to(weight.dtype)
    return w, b


class FrozenGraph:
    """A predict-mode version of a :class:`CompiledGraph` with fixed parameters.

    The parameter values given at construction are treated as constants:
    BatchNorm is folded into the preceding Convolution/FullyConnected,
    2-D float32 convolutions on CPU run through oneDNN with weights prepacked
    once (``torch.ops.mkldnn._convolution_pointwise``), with ReLU and a
    following residual ``elemwise_add`` fused as oneDNN post-ops. Every other
    node runs its registered kernel as in the compiled graph.

    Call it with the same tensor list as the compiled graph (parameters
    included; their slots are ignored). Check :meth:`is_current` first: it is
    False once any parameter tensor was replaced or changed in place (torch's
    version counter), and the graph must then be frozen again.

    The first call for each new input signature (shapes, dtypes, devices)
    runs the unfrozen compiled graph instead, which validates the inputs with
    the exact kernels (errors name the node); later calls run the frozen code.

    Only for predict mode outside ``autograd.record()``: BatchNorm uses its
    moving statistics and nothing is recorded.
    """

    __slots__ = (
        "input_names",
        "output_names",
        "source",
        "onednn",
        "_fn",
        "_compiled",
        "_consts",
        "_data_idx",
        "_seen",
        "_broken",
        "_shapes",
    )

    def __init__(
        self,
        compiled: CompiledGraph,
        tensors: Sequence[torch.Tensor],
        const: Sequence[bool],
        onednn: bool | None = None,
        previous: FrozenGraph | None = None,
    ) -> None:
        names = compiled.input_names
        if len(tensors) != len(names) or len(const) != len(names):
            raise MXNetError(
                f"freeze_graph: the graph has {len(names)} inputs {names}; got "
                f"{len(tensors)} tensors and {len(const)} const flags."
            )
        self.input_names = names
        self.output_names = compiled.output_names
        self._compiled = compiled
        self._seen: set = set()
        self._broken: Exception | None = None
        values = {n: t for n, t, c in zip(names, tensors, const, strict=True) if c}
        self._consts = [
            (i, t, t._version)
            for i, (t, c) in enumerate(zip(tensors, const, strict=True))
            if c
        ]
        self._data_idx = [i for i, c in enumerate(const) if not c]
        if (
            previous is not None
            and previous._compiled is compiled
            and _signature(previous._consts) == _signature(self._consts)
        ):
            # Same graph, parameters of the same shapes and dtypes: the input
            # signatures it validated stay valid.
            self._seen = previous._seen
        if onednn is None:
            onednn = onednn_available()
        self.onednn = onednn
        symbol = compiled._symbol
        steps = plan_inference(symbol, set(values))
        self._shapes = _entry_shapes(symbol, names, tensors)
        nodes = compiled._nodes
        index = {id(n): k for k, n in enumerate(nodes)}
        dynamic = {id(n): attrs for n, attrs in compiled._dynamic}
        env: dict = {"_cpu": None, "_cpb": None}
        if onednn:
            env["_cpu"] = torch.ops.mkldnn._convolution_pointwise.default
            env["_cpb"] = torch.ops.mkldnn._convolution_pointwise.binary
        # Expand groups whose anchor cannot take folded weights (half
        # precision, integer) back into their member nodes.
        flat: list = []
        for st in steps:
            if isinstance(st, FusedGroup) and not self._foldable(st, values):
                flat.extend(st.members)
            else:
                flat.append(st)

        def emit_step(em: Emitter, st) -> None:
            if isinstance(st, FusedGroup):
                expr = self._emit_group(st, values, index, em)
                em.assign(index[id(st.last)], st.last, expr)
            elif (pool := _pool_expr(st, em)) is not None:
                em.assign(index[id(st)], st, pool)
            else:
                em.call(index[id(st)], st, dynamic.get(id(st), st.parsed))

        code = emit_graph(
            f"<neogluon frozen {symbol.name or 'group'}>",
            [n for n in nodes if n.op is None],
            symbol._outputs,
            flat,
            self._step_inputs,
            emit_step,
            env=env,
            # oneDNN convolutions return channels-last tensors
            contiguous=True,
        )
        self.source = code.source
        self._fn = code.fn

    @staticmethod
    def _foldable(g: FusedGroup, values: dict) -> bool:
        w = values[g.anchor.inputs[1][0].name]
        return w.dtype in (torch.float32, torch.float64)

    @staticmethod
    def _step_inputs(st) -> list:
        if isinstance(st, FusedGroup):
            ins = [st.anchor.inputs[0]]
            if st.other is not None:
                ins.append(st.other)
            return ins
        return list(st.inputs)

    def _emit_group(self, g: FusedGroup, values, index, em: Emitter) -> str:
        """One expression computing the group (its output is ``g.last``'s)."""
        a = g.anchor
        j = index[id(a)]
        w, b = _fold_group(g, values)
        env = em.env
        arg = em.arg
        x = arg(a.inputs[0])
        relu = g.relu is not None
        use_onednn = (
            self.onednn
            and a.op.name == "Convolution"
            and w.dim() == 4
            and w.dtype == torch.float32
            and w.device.type == "cpu"
        )
        if use_onednn:
            _k, s, d, p = _conv_params(a.parsed, "Convolution")
            groups = int(a.parsed["num_group"])
            with torch.no_grad():
                pw = torch._C._nn.mkldnn_reorder_conv2d_weight(
                    w.contiguous().to_mkldnn(), list(p), list(s), list(d), groups, None
                )
            env[f"W{j}"] = pw
            env[f"B{j}"] = b
            tiny = _TinyConv.plan(
                self._shapes.get((id(a.inputs[0][0]), a.inputs[0][1])),
                w,
                b,
                s,
                p,
                d,
                groups,
            )
            if tiny is not None:
                # A map of at most 4 outputs: one GEMM beats oneDNN's kernels.
                tiny.add = g.add is not None
                tiny.relu = relu
                env[f"T{j}"] = tiny
                other = arg(g.other) if g.add is not None else "None"
                return f"T{j}({x}, {other})"
            geo = f"{list(p)}, {list(s)}, {list(d)}, {groups}"
            if g.add is not None:
                post = '"relu"' if relu else "None"
                line = (
                    f'_cpb({x}, {arg(g.other)}, W{j}, B{j}, {geo}, "add", 1.0, '
                    f"{post}, [], None)"
                )
            else:
                post = '"relu"' if relu else '"none"'
                line = f'_cpu({x}, W{j}, B{j}, {geo}, {post}, [], "")'
            return line
        # Generic path: the anchor's kernel with folded parameters, then the
        # original add / relu kernels, in one expression.
        env[f"W{j}"] = w
        env[f"B{j}"] = b
        if a.op.name == "FullyConnected" and w.dim() == 2:
            # The kernel's checks concern the weight and bias, fixed here and
            # validated by the compiled graph's call for each new input
            # signature: call torch's linear directly.
            if b is not None and b.dim() != 1:
                env[f"B{j}"] = b.reshape(-1)
            env["_linear"] = torch.nn.functional.linear
            if a.parsed["flatten"]:
                env["_flat2"] = _flat2
                x = f"_flat2({x})"
            expr = f"_linear({x}, W{j}, B{j})"
        else:
            env[f"k{j}"] = a.op.kernel
            env[f"a{j}"] = a.parsed
            expr = f"k{j}({x}, W{j}, B{j}, **a{j})"
        if g.add is not None:
            m = index[id(g.add)]
            env[f"k{m}"] = g.add.op.kernel
            env[f"a{m}"] = g.add.parsed
            other = arg(g.other)
            first = g.add.inputs[0] == g.other
            pair = f"{other}, {expr}" if first else f"{expr}, {other}"
            expr = f"k{m}({pair}, **a{m})"
        if relu:
            m = index[id(g.relu)]
            env[f"k{m}"] = g.relu.op.kernel
            env[f"a{m}"] = g.relu.parsed
            expr = f"k{m}({expr}, **a{m})"
        return expr

    def is_current(self, tensors: Sequence[torch.Tensor]) -> bool:
        """False if any constant was replaced or modified since freezing."""
        for i, t, version in self._consts:
            u = tensors[i]
            if u is not t or u._version != version:
                return False
        return True

    def __call__(self, tensors: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        compiled = self._compiled
        if len(tensors) != len(self.input_names):
            return compiled(tensors)  # raises the compiled graph's error
        if self._broken is not None:
            return compiled(tensors)
        idx = self._data_idx
        if len(idx) == 1:  # the usual call: one input (torch.Size is a tuple)
            t = tensors[idx[0]]
            key: tuple = (t.shape, t.dtype, t.device)
        else:
            key = tuple(
                (tensors[i].shape, tensors[i].dtype, tensors[i].device) for i in idx
            )
        if key not in self._seen:
            # First call with these inputs: the exact kernels validate them.
            outs = compiled(tensors)
            if len(self._seen) >= 64:
                self._seen.clear()
            self._seen.add(key)
            return outs
        if compiled._dynamic:
            compiled._resolve_shapes(tensors)
        try:
            return self._fn(tensors)
        except Exception as err:  # noqa: BLE001 - fall back, loudly
            self._broken = err
            warnings.warn(
                f"neogluon: the frozen inference graph failed ({type(err).__name__}: "
                f"{err}); running the unfrozen graph from now on.",
                RuntimeWarning,
                stacklevel=2,
            )
            return compiled(tensors)


def _entry_shapes(symbol, names, tensors) -> dict:
    """Every entry's shape for the freezing call's inputs (empty if inference fails)."""
    from .infer import infer_graph

    known = {n: tuple(t.shape) for n, t in zip(names, tensors, strict=True)}
    try:
        return infer_graph(symbol, known, "shape")
    except Exception:  # noqa: BLE001 - the plan then simply uses no shapes
        return {}


class _TinyConv:
    """A frozen 2-D convolution on a map with at most 4 outputs: one GEMM.

    At batch 1 on small images (ResNet's last stages on 32 px inputs) oneDNN
    streams the whole weight for a handful of outputs; ``F.unfold`` + one
    ``addmm`` against a ``(C*kh*kw, O)`` matrix is faster, and kernel taps
    that read only padding are dropped first (a 3x3 kernel on a 1x1 map is
    its centre). Planned for one input size; any other size runs the full
    folded weight through ``F.conv2d``. Optional residual add and ReLU follow.
    """

    __slots__ = (
        "size",
        "mat",
        "bias",
        "kernel",
        "pad",
        "stride",
        "dilate",
        "out",
        "weight",
        "full_pad",
        "add",
        "relu",
    )

    @classmethod
    def plan(cls, in_shape, w, b, stride, pad, dilate, groups):
        """A ``_TinyConv`` for input shape ``in_shape``, or None where it does not pay."""
        from ..ops._conv2d import trim_dead_taps

        if in_shape is None or len(in_shape) != 4 or groups != 1 or not all(in_shape):
            return None
        size = tuple(in_shape[2:])
        wt, p2 = trim_dead_taps(w, size, tuple(stride), tuple(pad), tuple(dilate))
        k = tuple(wt.shape[2:])
        out = tuple(
            (size[i] + 2 * p2[i] - dilate[i] * (k[i] - 1) - 1) // stride[i] + 1
            for i in range(2)
        )
        if out[0] < 1 or out[1] < 1 or out[0] * out[1] > 4:
            return None
        self = cls()
        self.size = size
        self.mat = wt.reshape(wt.shape[0], -1).t().contiguous()
        self.bias = b if b is not None else torch.zeros(wt.shape[0], dtype=w.dtype)
        self.kernel, self.pad = k, tuple(p2)
        self.stride, self.dilate = tuple(stride), tuple(dilate)
        self.out = out
        self.weight, self.full_pad = w, tuple(pad)
        self.add = self.relu = False
        return self

    def __call__(self, x: torch.Tensor, other: torch.Tensor | None) -> torch.Tensor:
        if tuple(x.shape[2:]) != self.size:
            y = torch.nn.functional.conv2d(
                x, self.weight, self.bias, self.stride, self.full_pad, self.dilate
            )
        else:
            n = x.shape[0]
            cols = torch.nn.functional.unfold(
                x, self.kernel, self.dilate, self.pad, self.stride
            )
            rows = cols.transpose(1, 2).reshape(n * self.out[0] * self.out[1], -1)
            y = torch.addmm(self.bias, rows, self.mat)
            y = y.view(n, self.out[0], self.out[1], -1).permute(0, 3, 1, 2)
        if self.add:
            y = y + other
        if self.relu:
            y = torch.relu_(y)
        return y


def _flat2(x: torch.Tensor) -> torch.Tensor:
    """``x`` as (batch, features): FullyConnected's ``flatten=True`` input."""
    return x if x.dim() == 2 else x.reshape(x.shape[0], -1)


def _global_avg(x: torch.Tensor) -> torch.Tensor:
    return x.mean(tuple(range(2, x.dim())), keepdim=True)


def _pool_expr(node, em: Emitter) -> str | None:
    """A direct torch call for the Pooling nodes of inference networks, or None.

    Global average pooling (channels-first) is a mean over the spatial dims;
    2-D max pooling with MXNet's ``valid`` convention and padding of at most
    half the kernel is ``max_pool2d`` with that padding (every window holds at
    least one input element, so MXNet's lowest-value padding never wins; an
    all ``-inf`` window is the one difference: ``-inf`` here, the lowest
    float in MXNet). The generic kernel pads explicitly and sums windows to
    divide by the window size, two passes more on the conv stem's output.
    """
    if node.op is None or node.op.name != "Pooling" or node.num_outputs() != 1:
        return None
    a = node.parsed
    if a["layout"] not in (None, "NCW", "NCHW", "NCDHW"):
        return None
    x = em.arg(node.inputs[0])
    if a["global_pool"]:
        if a["pool_type"] != "avg":
            return None
        em.env["_gap"] = _global_avg
        return f"_gap({x})"
    if a["pool_type"] != "max" or a["pooling_convention"] != "valid":
        return None
    if len(a["kernel"] or ()) != 2 or a["layout"] not in (None, "NCHW"):
        return None
    k, st, p, _conv = _pool_geometry(a, (0, 0))
    if any(pi > ki // 2 for pi, ki in zip(p, k, strict=True)):
        return None
    em.env["_maxpool2d"] = torch.nn.functional.max_pool2d
    return f"_maxpool2d({x}, {list(k)}, {list(st)}, {list(p)})"


def _signature(consts) -> list:
    return [(i, tuple(t.shape), t.dtype, t.device) for i, t, _v in consts]


def freeze_graph(
    compiled: CompiledGraph,
    tensors: Sequence[torch.Tensor],
    const: Sequence[bool],
    onednn: bool | None = None,
    previous: FrozenGraph | None = None,
) -> FrozenGraph:
    """Freeze ``compiled`` for predict mode with the ``const`` inputs fixed.

    Parameters
    ----------
    compiled : CompiledGraph
        The graph (``compile_graph(symbol)``).
    tensors : sequence of torch.Tensor
        One tensor per ``compiled.input_names``; those flagged in ``const``
        are the parameter values baked into the frozen graph.
    const : sequence of bool
        Which inputs are constants (parameters and auxiliary states).
    onednn : bool, optional
        Use oneDNN prepacked convolutions (default: when torch has them).
    previous : FrozenGraph, optional
        An earlier freeze of the same graph (now stale): the input signatures
        it already validated are not run unfrozen again.
    """
    return FrozenGraph(compiled, tensors, const, onednn, previous)
