"""Operator family: nn (declarations only; see registry.py for the conventions).

Dense, convolution, pooling, normalization, activation, softmax and loss-output
operators of MXNet 1.9.1 on ``torch.nn.functional``.

Graph outputs
-------------
Several MXNet operators have *hidden* outputs: the node has more outputs in a
graph (``node_row_ptr`` in symbol JSON) than it shows (``list_outputs``).
``num_outputs`` of each :class:`OpDef` here is the number of *visible* outputs
(what the kernel returns); ``num_total_outputs`` counts the hidden ones too
(a number or ``attrs -> count``), for the symbol JSON writer/reader.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .. import _state
from .._text import fmt_shape
from ..base import MXNetError
from . import _conv2d
from .registry import OpDef
from .registry import P
from .registry import ShapeError
from .registry import register

__all__ = ["conv_out_len", "pool_out_len"]


_LOWEST = {
    torch.float32: -3.4028234663852886e38,
    torch.float64: torch.finfo(torch.float64).min,
    torch.float16: torch.finfo(torch.float16).min,
    torch.bfloat16: torch.finfo(torch.bfloat16).min,
}


# --------------------------------------------------------------------------- helpers
def _merge(op: str, what: str, a, b):
    """Merge two partial shapes (0 = unknown dim, None = unknown rank)."""
    if a is None:
        return b
    if b is None:
        return a
    a, b = tuple(a), tuple(b)
    if len(a) != len(b):
        raise ShapeError(
            f"Operator {op}: {what} has shape {fmt_shape(a)} but shape {fmt_shape(b)} is "
            "required."
        )
    out = []
    for x, y in zip(a, b, strict=True):
        if x and y and x != y:
            raise ShapeError(
                f"Operator {op}: {what} has shape {fmt_shape(a)} but shape {fmt_shape(b)} is "
                "required."
            )
        out.append(x or y)
    return tuple(out)


def _tup(v, n: int, fill: int, name: str, op: str) -> tuple[int, ...]:
    if not v:
        return (fill,) * n
    if len(v) == 1 and n > 1:
        return tuple(v) * n
    if len(v) != n:
        raise MXNetError(
            f"Operator {op}: '{name}'={tuple(v)} must have {n} values (one per "
            f"spatial dim of kernel of rank {n})."
        )
    return tuple(v)


def _channels_last(layout: str | None) -> bool:
    return bool(layout) and layout[-1] == "C"


def _to_cf(x: torch.Tensor, layout) -> torch.Tensor:
    return x.movedim(-1, 1) if _channels_last(layout) else x


def _from_cf(x: torch.Tensor, layout) -> torch.Tensor:
    return x.movedim(1, -1) if _channels_last(layout) else x


def _spatial_axes(layout, ndim: int) -> list[int]:
    return list(range(1, ndim - 1)) if _channels_last(layout) else list(range(2, ndim))


def conv_out_len(n: int, k: int, s: int, p: int, d: int) -> int:
    """Convolution output length ``floor((L + 2p - d(k-1) - 1)/s) + 1``."""
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def pool_out_len(n: int, k: int, s: int, p: int, convention: str) -> int:
    """Pooling output length per MXNet's conventions (``full`` keeps all windows)."""
    if convention == "full":
        return -(-(n + 2 * p - k) // s) + 1
    if convention == "same":
        return -(-n // s)
    return (n + 2 * p - k) // s + 1


def _check_rank(op: str, shape, rank: int, what: str = "data") -> None:
    if shape is not None and len(shape) != rank:
        raise ShapeError(
            f"Operator {op}: {what} must be {rank}-D, got shape {fmt_shape(shape)}."
        )


# Shape checks against attributes are skipped while torch.jit traces a graph
# (ONNX export): there the sizes are traced values, and the graph was checked
# when it ran eagerly.
_is_tracing = torch._C._is_tracing


def _inconsistent(op: str, what: str, got, expected: str, attrs: str, fix: str):
    """MXNet's "Shape inconsistent" error, naming the attribute that fixes the shape."""
    return ShapeError(
        f"Operator {op}: Shape inconsistent: {what} has shape {fmt_shape(tuple(got))} "
        f"but {attrs} requires {expected}. {fix}"
    )


def _identity_infer(in_shapes, attrs):
    return in_shapes, [in_shapes[0]]


def _in_training() -> bool:
    return _state.is_training()


# --------------------------------------------------------------------------- FullyConnected
def _fc_present(a):
    return ("data", "weight") if a["no_bias"] else ("data", "weight", "bias")


def _fully_connected(data, weight, bias=None, *, num_hidden, no_bias, flatten):
    if not _is_tracing():  # traced shapes are tensors: no Python checks then
        # One ``.shape`` per check on the common case; the rest runs only
        # when one fails.
        ws = weight.shape
        if len(ws) != 2 or ws[0] != num_hidden:
            raise _inconsistent(
                "FullyConnected",
                "weight",
                ws,
                f"({num_hidden}, in_units)",
                f"num_hidden={num_hidden}",
                "Pass a weight with num_hidden rows, or set num_hidden to the "
                "weight's first dimension (a checkpoint from another model?).",
            )
        if bias is not None:
            bs = bias.shape
            if len(bs) != 1 or bs[0] != num_hidden:
                if bs != (num_hidden, 1):
                    raise _inconsistent(
                        "FullyConnected",
                        "bias",
                        bs,
                        f"({num_hidden},)",
                        f"num_hidden={num_hidden}",
                        "Pass a bias of one value per hidden unit, or no_bias=True.",
                    )
                bias = bias.reshape(num_hidden)  # MXNet accepts (num_hidden, 1) too
    elif bias is not None and bias.dim() == 2 and tuple(bias.shape) == (num_hidden, 1):
        bias = bias.reshape(num_hidden)
    if flatten and data.dim() != 2:
        data = data.reshape(data.shape[0], -1)
    return F.linear(data, weight, bias)


def _fc_fast(attrs: dict):
    """``_fully_connected`` with its attributes bound (the eager frontend's
    call): a 2-D data (any data with ``flatten=False``) and a bias of shape
    ``(num_hidden,)`` go straight to ``F.linear``, whose result is kept when
    it shows a 2-D weight of ``num_hidden`` rows; anything else (a weight or
    bias to check or reshape, a torch trace) runs the kernel, as does the
    frontend when ``F.linear`` fails (the kernel raises MXNet's error or
    ``F.linear``'s again)."""
    num_hidden = attrs["num_hidden"]
    no_bias = attrs["no_bias"]
    flatten = attrs["flatten"]
    bias_shape = (num_hidden,)
    linear = F.linear

    def fully_connected(data, weight, bias=None):
        if (
            (not flatten or data.dim() == 2)
            and (bias is None or bias.shape == bias_shape)
            and not _is_tracing()
        ):
            res = linear(data, weight, bias)  # a failure reruns the kernel
            if weight.dim() == 2 and res.shape[-1] == num_hidden:
                return res
        return _fully_connected(
            data,
            weight,
            bias,
            num_hidden=num_hidden,
            no_bias=no_bias,
            flatten=flatten,
        )

    return fully_connected


def _fc_infer(in_shapes, attrs, out_shapes=None):
    op = "FullyConnected"
    nh = attrs["num_hidden"]
    flatten = attrs["flatten"]
    data, weight = in_shapes[0], in_shapes[1]
    out = out_shapes[0] if out_shapes else None
    if out is not None and data is not None and len(data) > 0:
        # Backward: the output's leading axes are the data's (batch, or every
        # axis but the last with flatten=False), as in MXNet.
        if flatten:
            data = _merge(op, "data", data, (out[0], *data[1:]))
        elif len(out) == len(data):
            data = _merge(op, "data", data, (*out[:-1], data[-1]))
    if weight is not None and (len(weight) != 2 or (weight[0] and weight[0] != nh)):
        raise ShapeError(
            f"Operator {op}: weight has shape {fmt_shape(weight)} but num_hidden={nh} "
            f"needs ({nh}, in_units)."
        )
    in_units = 0
    if data is not None and len(data) > 0:
        if flatten:
            in_units = math.prod(data[1:]) if all(data[1:]) else 0
        else:
            in_units = data[-1]
    w_in = weight[1] if weight is not None else 0
    if in_units and w_in and in_units != w_in:
        how = (
            f"flatten=True turns it into ({data[0]}, {in_units})"
            if flatten
            else f"its last axis has {in_units} features"
        )
        raise ShapeError(
            f"Operator {op}: weight of shape {fmt_shape(weight)} expects {w_in} input "
            f"features but data has shape {fmt_shape(data)} and {how}. Pass data with "
            f"{w_in} features, make the weight ({nh}, {in_units}), or leave "
            "in_units unknown (0) to infer it"
            + ("." if not flatten else ", or use flatten=False.")
        )
    in_units = in_units or w_in
    weight = (nh, in_units)
    if data is not None and len(data) > 0 and in_units:
        if not flatten:
            data = (*data[:-1], in_units)
        elif len(data) == 2:
            data = (data[0], in_units)
    shapes = [data, weight]
    if not attrs["no_bias"]:
        b = in_shapes[2]
        col = b is not None and tuple(b) == (nh, 1)  # MXNet's other bias shape
        shapes.append(b if col else _merge(op, "bias", b, (nh,)))
    if data is None:
        oshape = None
    elif flatten:
        oshape = (data[0], nh)
    else:
        oshape = (*data[:-1], nh)
    return shapes, [oshape]


register(
    OpDef(
        "FullyConnected",
        _fully_connected,
        inputs=("data", "weight", "bias"),
        params=(
            P("num_hidden", "int", doc="Number of hidden units."),
            P("no_bias", "bool", False, "Whether to disable the bias."),
            P("flatten", "bool", True, "Collapse all axes but the first."),
        ),
        present_inputs=_fc_present,
        infer_shape=_fc_infer,
        fast_kernel=_fc_fast,
        doc="Fully connected layer ``y = x W^T + b``; weight ``(num_hidden, in)``.",
    )
)


# --------------------------------------------------------------------------- Convolution
_CONV_LAYOUTS = (None, "NCW", "NCHW", "NCDHW", "NHWC", "NDHWC")


def _conv_params(attrs, op):
    k = tuple(attrs["kernel"])
    n = len(k)
    if n not in (1, 2, 3):
        raise MXNetError(f"Operator {op}: kernel must have 1-3 dims, got {k}.")
    s = _tup(attrs["stride"], n, 1, "stride", op)
    d = _tup(attrs["dilate"], n, 1, "dilate", op)
    p = _tup(attrs["pad"], n, 0, "pad", op)
    return k, s, d, p


def _conv_present(a):
    return ("data", "weight") if a["no_bias"] else ("data", "weight", "bias")


def _conv_weight_cf(weight, layout):
    # NHWC/NDHWC weights are (O, *k, I); torch wants (O, I, *k).
    return weight.movedim(-1, 1) if _channels_last(layout) else weight


def _check_conv_weight(op: str, weight, a, k, transposed: bool) -> None:
    """The weight's shape against ``num_filter``, ``num_group`` and ``kernel``."""
    nf, g = a["num_filter"], a["num_group"]
    cl = _channels_last(a["layout"])
    shape = tuple(weight.shape)
    ksz = shape[1:-1] if cl else shape[2:]
    kt = ", ".join(str(v) for v in k)
    if transposed:
        # (C, num_filter / num_group, *kernel), or (C, *kernel, nf/g) channels-last
        per = shape[-1] if cl else (shape[1] if len(shape) > 1 else 0)
        ok = len(shape) == len(k) + 2 and per * g == nf and ksz == k
        want = (
            f"(in_channels, {kt}, {nf}/{g})" if cl else f"(in_channels, {nf}/{g}, {kt})"
        )
    else:
        ok = len(shape) == len(k) + 2 and shape[0] == nf and ksz == k
        want = f"({nf}, {kt}, C/{g})" if cl else f"({nf}, C/{g}, {kt})"
    if not ok:
        raise _inconsistent(
            op,
            "weight",
            shape,
            want,
            f"num_filter={nf}, num_group={g}, kernel={k}",
            "Make the attributes match the weight (a checkpoint from another "
            "model?) or pass a weight of the required shape.",
        )


def _convolution(data, weight, bias=None, **a):
    k, s, d, p = _conv_params(a, "Convolution")
    if not _is_tracing():
        _check_conv_weight("Convolution", weight, a, k, False)
    layout = a["layout"]
    x = _to_cf(data, layout)
    w = _conv_weight_cf(weight, layout)
    if len(k) == 2:
        y = _conv2d.conv2d(x, w, bias, s, p, d, a["num_group"])
    else:
        fn = (F.conv1d, F.conv2d, F.conv3d)[len(k) - 1]
        y = fn(x, w, bias, s, p, d, a["num_group"])
    return _from_cf(y, layout)


def _conv_common_infer(op, in_shapes, attrs, transposed, out_shapes=None):
    k, s, d, p = _conv_params(attrs, op)
    n = len(k)
    layout = attrs["layout"]
    if layout is not None and len(layout) != n + 2:
        raise ShapeError(
            f"Operator {op}: layout {layout!r} does not match a {n}-D kernel {k}."
        )
    nf, g = attrs["num_filter"], attrs["num_group"]
    data = in_shapes[0]
    _check_rank(op, data, n + 2)
    cl = _channels_last(layout)
    c_ax = n + 1 if cl else 1
    sp = list(range(1, n + 1)) if cl else list(range(2, n + 2))
    out_known = out_shapes[0] if out_shapes else None
    if out_known is not None and len(out_known) == n + 2:
        # Backward, as MXNet: the batch size always, and a spatial size where
        # the stride is 1 (convolution only; the map is not invertible else).
        back = [0] * (n + 2)
        back[0] = out_known[0]
        if not transposed:
            for i, ax in enumerate(sp):
                size = out_known[ax] + d[i] * (k[i] - 1) - 2 * p[i]
                if out_known[ax] and s[i] == 1 and size > 0:
                    back[ax] = size
        data = _merge(op, "data", data, tuple(back))
    c = data[c_ax] if data is not None else 0
    wshape = in_shapes[1]
    if transposed:
        wfull = (c, nf // g, *k) if not cl else (c, *k, nf // g)
        wshape = _merge(op, f"weight (num_filter={nf}, kernel={k})", wshape, wfull)
        c = wshape[0]
    else:
        if c and c % g:
            raise ShapeError(
                f"Operator {op}: data of shape {fmt_shape(data)} has {c} input channels, "
                f"which is not divisible by num_group={g}."
            )
        cg = c // g if c else 0
        wfull = (nf, cg, *k) if not cl else (nf, *k, cg)
        wshape = _merge(op, f"weight (num_filter={nf}, kernel={k})", wshape, wfull)
        cw = wshape[-1] if cl else wshape[1]
        c = c or cw * g
    if nf % g:
        raise ShapeError(
            f"Operator {op}: num_filter={nf} is not divisible by num_group={g}."
        )
    if data is not None and c and not data[c_ax]:
        data = tuple(c if i == c_ax else v for i, v in enumerate(data))
    shapes = [data, wshape]
    if not attrs["no_bias"]:
        shapes.append(_merge(op, "bias", in_shapes[2], (nf,)))
    if data is None:
        return shapes, [None]
    out = list(data)
    out[c_ax] = nf
    for i, ax in enumerate(sp):
        L = data[ax]
        if not L:
            out[ax] = 0
            continue
        if transposed:
            ts = attrs.get("target_shape") or ()
            if ts and ts[i]:
                out[ax] = ts[i]
                continue
            adj = _tup(attrs["adj"], n, 0, "adj", op)
            o = (L - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + 1 + adj[i]
        else:
            o = conv_out_len(L, k[i], s[i], p[i], d[i])
        if o <= 0:
            raise ShapeError(
                f"Operator {op}: input of shape {fmt_shape(data)} is too small for "
                f"kernel={k}, stride={s}, dilate={d}, pad={p}: spatial dim {i} "
                f"would have output size {o}. Use a larger input, smaller kernel or "
                "more padding."
            )
        out[ax] = o
    return shapes, [tuple(out)]


def _conv_infer(in_shapes, attrs, out_shapes=None):
    return _conv_common_infer("Convolution", in_shapes, attrs, False, out_shapes)


_CONV_PARAMS = (
    P("kernel", "shape", doc="Kernel size (1-3 dims)."),
    P("stride", "shape", (), "Stride; default 1 per dim."),
    P("dilate", "shape", (), "Dilation; default 1 per dim."),
    P("pad", "shape", (), "Zero padding on both sides; default 0."),
)
_CONV_TAIL = (
    P(
        "cudnn_tune",
        "str",
        None,
        "Ignored.",
        (None, "off", "limited_workspace", "fastest"),
    ),
    P("cudnn_off", "bool", False, "Ignored."),
    P("layout", "str", None, "Data layout.", _CONV_LAYOUTS),
)

register(
    OpDef(
        "Convolution",
        _convolution,
        inputs=("data", "weight", "bias"),
        params=(
            *_CONV_PARAMS,
            P("num_filter", "int", doc="Number of output channels."),
            P("num_group", "int", 1, "Number of groups."),
            P("workspace", "int", 1024, "Ignored."),
            P("no_bias", "bool", False, "Whether to disable the bias."),
            *_CONV_TAIL,
        ),
        present_inputs=_conv_present,
        infer_shape=_conv_infer,
        doc="N-D convolution; weight ``(num_filter, C/num_group, *kernel)``.",
    )
)


# --------------------------------------------------------------------------- Deconvolution
def _deconv_pads(attrs, in_spatial):
    k, s, d, p = _conv_params(attrs, "Deconvolution")
    n = len(k)
    adj = _tup(attrs["adj"], n, 0, "adj", "Deconvolution")
    ts = attrs["target_shape"] or ()
    if ts and any(ts):
        pads, adjs = [], []
        for i in range(n):
            full = s[i] * (in_spatial[i] - 1) + d[i] * (k[i] - 1) + 1
            total = full - ts[i]
            if total < 0:
                raise ShapeError(
                    f"Operator Deconvolution: target_shape={tuple(ts)} is larger "
                    f"than the largest output {full} for spatial dim {i}."
                )
            pads.append((total + 1) // 2)
            adjs.append(total % 2)
        return k, s, d, tuple(pads), tuple(adjs)
    return k, s, d, p, adj


def _deconvolution(data, weight, bias=None, **a):
    layout = a["layout"]
    x = _to_cf(data, layout)
    w = _conv_weight_cf(weight, layout)
    k, s, d, p, adj = _deconv_pads(a, x.shape[2:])
    if not _is_tracing():
        _check_conv_weight("Deconvolution", weight, a, k, True)
    fn = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[len(k) - 1]
    y = fn(x, w, bias, s, p, adj, a["num_group"], d)
    return _from_cf(y, layout)


def _deconv_infer(in_shapes, attrs, out_shapes=None):
    return _conv_common_infer("Deconvolution", in_shapes, attrs, True, out_shapes)


register(
    OpDef(
        "Deconvolution",
        _deconvolution,
        inputs=("data", "weight", "bias"),
        params=(
            *_CONV_PARAMS,
            P("adj", "shape", (), "Extra output size per dim (output_padding)."),
            P("target_shape", "shape", (), "Output spatial shape; overrides pad/adj."),
            P("num_filter", "int", doc="Number of output channels."),
            P("num_group", "int", 1, "Number of groups."),
            P("workspace", "int", 512, "Ignored."),
            P("no_bias", "bool", True, "Whether to disable the bias."),
            *_CONV_TAIL,
        ),
        present_inputs=_conv_present,
        infer_shape=_deconv_infer,
        doc="Transposed convolution; weight ``(C, num_filter/num_group, *kernel)``.",
    )
)


# --------------------------------------------------------------------------- Pooling
def _pool_geometry(attrs, spatial):
    n = len(spatial)
    if attrs["global_pool"]:
        return tuple(spatial), (1,) * n, (0,) * n, "valid"
    k = tuple(attrs["kernel"] or ())
    if len(k) != n:
        raise ShapeError(
            f"Operator Pooling: kernel={k} has {len(k)} dims but the data has {n} "
            "spatial dims; give one kernel size per spatial dim or global_pool=True."
        )
    s = _tup(attrs["stride"], n, 1, "stride", "Pooling")
    pad = tuple(attrs["pad"] or ())
    if len(pad) > n and not any(pad[n:]):
        # MXNet reads only the first n pad values (test_operator passes
        # pad=(0, 0, 0) with a 1-D kernel).
        pad = pad[:n]
    p = _tup(pad, n, 0, "pad", "Pooling")
    conv = attrs["pooling_convention"]
    if conv == "same" and any(p):
        raise ShapeError(
            f"Operator Pooling: pooling_convention='same' computes its own padding; "
            f"pad must be 0, got pad={tuple(attrs['pad'])}."
        )
    return k, s, p, conv


def _pooling(data, **a):
    layout = a["layout"]
    x = _to_cf(data, layout)
    spatial = tuple(x.shape[2:])
    n = len(spatial)
    if n not in (1, 2, 3):
        raise MXNetError(
            f"Operator Pooling: data must be 3-D, 4-D or 5-D, got shape "
            f"{tuple(data.shape)}."
        )
    k, s, p, conv = _pool_geometry(a, spatial)
    outs = [pool_out_len(L, k[i], s[i], p[i], conv) for i, L in enumerate(spatial)]
    pads = []  # F.pad order: last dim first, (left, right)
    lefts = []
    for i in range(n):
        L = spatial[i]
        need = (outs[i] - 1) * s[i] + k[i]
        if conv == "same":
            total = max(need - L, 0)
            left = total // 2
        else:
            left = p[i]
        right = max(need - L - left, 0)
        lefts.append(left)
        pads.append((left, right))
    flat = [v for lr in reversed(pads) for v in lr]
    ptype = a["pool_type"]
    # MXNet's `full` convention keeps windows that start in the padding; explicit
    # padding (not ceil_mode) reproduces them.
    if ptype == "max":
        lowest = _LOWEST.get(x.dtype)
        if lowest is None:
            lowest = torch.iinfo(x.dtype).min
        xp = F.pad(x, flat, value=lowest) if any(flat) else x
        fn = (F.max_pool1d, F.max_pool2d, F.max_pool3d)[n - 1]
        y = fn(xp, k, s)
        return _from_cf(y, layout)
    xp = F.pad(x, flat) if any(flat) else x
    if ptype == "lp":
        pv = a["p_value"] or 2
        xp = xp if pv == 1 else xp**pv
    y = _sum_pool(xp, k, s)
    if ptype == "avg":
        include = a["count_include_pad"]
        include = True if include is None else include
        mask = torch.zeros((1, 1, *xp.shape[2:]), dtype=x.dtype, device=x.device)
        idx = [slice(None), slice(None)]
        for i in range(n):
            lo = 0 if include else lefts[i]
            hi = spatial[i] + 2 * lefts[i] if include else lefts[i] + spatial[i]
            if conv == "same" and include:
                lo, hi = 0, xp.shape[2 + i]
            idx.append(slice(lo, hi))
        mask[tuple(idx)] = 1
        cnt = _sum_pool(mask, k, s)
        y = y / cnt
    elif ptype == "lp":
        pv = a["p_value"] or 2
        if pv == 2:
            y = torch.sqrt(y)
        elif pv == 3:
            y = torch.sign(y) * torch.abs(y) ** (1.0 / 3)
        elif pv != 1:
            y = y ** (1.0 / pv)
    return _from_cf(y, layout)


def _sum_pool(x, k, s):
    n = len(k)
    if n == 1:
        return F.avg_pool2d(
            x.unsqueeze(-1), (k[0], 1), (s[0], 1), divisor_override=1
        ).squeeze(-1)
    fn = F.avg_pool2d if n == 2 else F.avg_pool3d
    return fn(x, k, s, divisor_override=1)


def _pool_infer(in_shapes, attrs):
    data = in_shapes[0]
    if data is None:
        return in_shapes, [None]
    layout = attrs["layout"]
    if layout is not None and len(layout) != len(data):
        raise ShapeError(
            f"Operator Pooling: layout {layout!r} does not match data of shape "
            f"{fmt_shape(data)}."
        )
    if len(data) not in (3, 4, 5):
        raise ShapeError(
            f"Operator Pooling: data must be 3-D, 4-D or 5-D, got shape {fmt_shape(data)}."
        )
    sp = _spatial_axes(layout, len(data))
    spatial = [data[i] for i in sp]
    if attrs["global_pool"]:
        out = list(data)
        for i in sp:
            out[i] = 1
        return in_shapes, [tuple(out)]
    k, s, p, conv = _pool_geometry(attrs, spatial)
    out = list(data)
    for i, ax in enumerate(sp):
        L = data[ax]
        if not L:
            continue
        if conv != "same" and L + 2 * p[i] < k[i]:
            raise ShapeError(
                f"Operator Pooling: kernel={k} is larger than the padded input "
                f"(data {fmt_shape(data)}, pad={p}) on spatial dim {i}."
            )
        out[ax] = pool_out_len(L, k[i], s[i], p[i], conv)
    return in_shapes, [tuple(out)]


def _pooling_num_total_outputs(attrs: dict) -> int:
    # MXNet's oneDNN build keeps a workspace output for max pooling on NC*
    # layouts (1-3 spatial dims); it shows in node_row_ptr of exported JSON.
    kernel = attrs.get("kernel") or ()
    if (
        attrs.get("pool_type") == "max"
        and 1 <= len(kernel) <= 3
        and attrs.get("layout") in (None, "NCW", "NCHW", "NCDHW")
    ):
        return 2
    return 1


register(
    OpDef(
        "Pooling",
        _pooling,
        num_total_outputs=_pooling_num_total_outputs,
        output_names=("output", "workspace"),
        params=(
            P("kernel", "shape", (), "Window size (ignored with global_pool)."),
            P("pool_type", "str", "max", "Pooling type.", ("max", "avg", "sum", "lp")),
            P("global_pool", "bool", False, "Pool over all spatial dims."),
            P("cudnn_off", "bool", False, "Ignored."),
            P(
                "pooling_convention",
                "str",
                "valid",
                "Output size rule.",
                ("valid", "full", "same"),
            ),
            P("stride", "shape", (), "Stride; default 1 per dim."),
            P("pad", "shape", (), "Padding; default 0."),
            P("p_value", "int", None, "p for lp pooling."),
            P("count_include_pad", "bool", None, "avg: divide by the padded window."),
            P(
                "layout",
                "str",
                None,
                "Data layout.",
                (None, "NCW", "NCHW", "NCDHW", "NWC", "NHWC", "NDHWC"),
            ),
        ),
        infer_shape=_pool_infer,
        doc=(
            "Pooling (max/avg/sum/lp). ``full`` keeps MXNet's windows that start in "
            "the padding (max -> lowest float, avg -> 0).\n\nNotes\n-----\n"
            "Differs from MXNet 1.9.1: ``pooling_convention='same'`` crashes in "
            "MXNet; here it gives ``ceil(L/stride)`` outputs with centred padding."
        ),
    )
)


# --------------------------------------------------------------------------- BatchNorm
def _batch_norm(data, gamma, beta, moving_mean, moving_var, **a):
    ax = a["axis"] % data.dim()
    eps = a["eps"]
    cdtype = (
        moving_mean.dtype if data.dtype in (torch.float16, torch.bfloat16) else None
    )
    x = data if cdtype is None else data.to(cdtype)
    # fix_gamma: gamma is treated as 1 and gets a zero gradient (MXNet).
    g = gamma * 0 + 1 if a["fix_gamma"] else gamma
    g = g.to(x.dtype)
    b = beta.to(x.dtype)
    # One memory layout for every caller: an eager slice hands a copy, a
    # compiled graph a strided view, and the kernel's reduction order (its
    # float rounding) follows the layout; MXNet's eager and hybridized results
    # agree bit for bit, so ours must too. The layout (channels-last or not)
    # is chosen from the shape alone, as for the convolutions around it.
    xc = _conv2d.bn_layout(x.movedim(ax, 1) if ax != 1 else x)
    if x.dim() == 1:
        raise MXNetError(
            f"Operator BatchNorm: data must have at least 2 dims, got shape "
            f"{tuple(data.shape)}."
        )
    training = _in_training() and not a["use_global_stats"]
    if training:
        _check_bn_training(xc, eps)
        # One pass gives the output and the batch statistics (the mean exactly
        # as a separate reduction would; the variance from the inverse std in
        # float64, within 1e-7 relative unless var << eps): a var_mean pass
        # over the data took longer than the normalisation itself.
        y, mean, invstd = torch.native_batch_norm(xc, g, b, None, None, True, 0.0, eps)
        need_stats = a["output_mean_var"] or (y.requires_grad and not y.is_meta)
        if need_stats:
            with torch.no_grad():
                mean = mean.detach()
                var = (invstd.detach().double().pow(-2) - eps).clamp_min(0.0)
                var = var.to(mean.dtype)
        if y.requires_grad and not y.is_meta:
            mom = a["momentum"]
            mm, mv = moving_mean, moving_var

            # MXNet (CPU) updates the running statistics in the backward pass.
            def _update(grad, mean=mean, var=var):
                with torch.no_grad():
                    mm.mul_(mom).add_(mean.to(mm.dtype), alpha=1 - mom)
                    mv.mul_(mom).add_(var.to(mv.dtype), alpha=1 - mom)
                return grad

            y.register_hook(_update)
    else:
        mean = moving_mean.detach().to(x.dtype)
        var = moving_var.detach().to(x.dtype)
        y = F.batch_norm(xc, mean, var, g, b, False, 0.0, eps)
    if ax != 1:
        y = y.movedim(1, ax)
    if cdtype is not None:
        y = y.to(data.dtype)
    if not a["output_mean_var"]:
        return y
    # MXNet's third output holds the inverse std, not the variance. Gradients
    # reaching mean/var are ignored, as in MXNet; the zero term keeps them in the
    # graph so they can be used as backward heads.
    return (y, *_stat_outputs(y, mean, torch.rsqrt(var.detach() + eps)))


def _check_bn_training(x: torch.Tensor, eps: float) -> None:
    """The checks ``F.batch_norm`` makes in training (``native_batch_norm``
    makes none): statistics need more than one value per channel, and a
    positive ``eps``."""
    if math.prod(d for i, d in enumerate(x.shape) if i != 1) == 1:
        raise ValueError(
            "Expected more than 1 value per channel when training, got input size "
            f"{x.size()}"
        )
    if eps <= 0.0:
        raise ValueError(
            f"batch_norm eps must be positive during training, but got {eps}"
        )


def _bn_infer(in_shapes, attrs):
    data = in_shapes[0]
    c = 0
    if data is not None:
        if len(data) < 2:
            raise ShapeError(
                f"Operator BatchNorm: data must have at least 2 dims, got {fmt_shape(data)}."
            )
        ax = attrs["axis"]
        if not -len(data) <= ax < len(data):
            raise ShapeError(
                f"Operator BatchNorm: axis={ax} is out of range for data of shape "
                f"{fmt_shape(data)}."
            )
        c = data[ax % len(data)]
    names = ("gamma", "beta", "moving_mean", "moving_var")
    for s in in_shapes[1:5]:
        if s is not None and len(s) == 1:
            c = c or s[0]
    pshape = (c,)
    params = [
        _merge("BatchNorm", n, s, pshape)
        for n, s in zip(names, in_shapes[1:5], strict=False)
    ]
    if data is not None and c:
        ax = attrs["axis"] % len(data)
        data = tuple(c if i == ax else v for i, v in enumerate(data))
    outs = [data]
    if attrs["output_mean_var"]:
        outs += [pshape, pshape]
    return [data, *params], outs


def _bn_infer_type(in_types, attrs):
    t = in_types[0]
    if t is None:
        t = next((x for x in in_types[1:] if x is not None), None)
        if t is None:
            return in_types, [None] * (3 if attrs["output_mean_var"] else 1)
    pt = "float32" if t in ("float16", "bfloat16") else t
    ins = [t] + [x or pt for x in in_types[1:]]
    return ins, [t] + ([pt, pt] if attrs["output_mean_var"] else [])


register(
    OpDef(
        "BatchNorm",
        _batch_norm,
        num_total_outputs=3,
        inputs=("data", "gamma", "beta", "moving_mean", "moving_var"),
        params=(
            P("eps", "float", 1e-3, "Added to the variance."),
            P("momentum", "float", 0.9, "running = momentum*running + (1-m)*batch."),
            P("fix_gamma", "bool", True, "Treat gamma as 1 (zero gradient)."),
            P("use_global_stats", "bool", False, "Always use the running stats."),
            P("output_mean_var", "bool", False, "Also return mean and inverse std."),
            P("axis", "int", 1, "The channel axis."),
            P("cudnn_off", "bool", False, "Ignored."),
            P("min_calib_range", "float", None, "Ignored (quantization)."),
            P("max_calib_range", "float", None, "Ignored (quantization)."),
        ),
        num_outputs=lambda a: 3 if a["output_mean_var"] else 1,
        output_names=("output", "mean", "var"),
        aux=("moving_mean", "moving_var"),
        infer_shape=_bn_infer,
        infer_type=_bn_infer_type,
        dtype_free_inputs=("gamma", "beta", "moving_mean", "moving_var"),
        doc=(
            "Batch normalization. Training statistics (biased variance) when "
            "``is_training()`` and not ``use_global_stats``; the running statistics "
            "are updated during backward, as MXNet does on CPU."
        ),
    )
)


# --------------------------------------------------------------------------- Layer/Instance/GroupNorm
def _stat_outputs(y: torch.Tensor, *stats: torch.Tensor) -> tuple:
    """Statistic outputs whose incoming gradients are ignored, as in MXNet.

    A zero term tied to ``y`` keeps them in the autograd graph so that they can
    still be used as backward heads.
    """
    z = y.reshape(-1)[:1] * 0 if y.requires_grad else None
    return tuple(s.detach() if z is None else s.detach() + z for s in stats)


def _layer_norm(data, gamma, beta, *, axis, eps, output_mean_var):
    ax = axis % data.dim()
    x = data.movedim(ax, -1) if ax != data.dim() - 1 else data
    y = F.layer_norm(x, (x.shape[-1],), gamma, beta, eps)
    if ax != data.dim() - 1:
        y = y.movedim(-1, ax)
    if not output_mean_var:
        return y
    var, mean = torch.var_mean(data.detach(), ax, correction=0, keepdim=True)
    return (y, *_stat_outputs(y, mean, torch.sqrt(var + eps)))


def _param_axis_infer(op, in_shapes, c_of, names=("gamma", "beta")):
    data = in_shapes[0]
    c = c_of(data) if data is not None else 0
    for s in in_shapes[1:]:
        if s is not None and len(s) == 1:
            c = c or s[0]
    ps = [_merge(op, n, s, (c,)) for n, s in zip(names, in_shapes[1:], strict=False)]
    return data, ps, c


def _ln_infer(in_shapes, attrs):
    ax = attrs["axis"]
    data, ps, c = _param_axis_infer("LayerNorm", in_shapes, lambda d: d[ax % len(d)])
    if data is not None and c:
        a = ax % len(data)
        data = tuple(c if i == a else v for i, v in enumerate(data))
    outs = [data]
    if attrs["output_mean_var"]:
        red = (
            None
            if data is None
            else tuple(1 if i == ax % len(data) else v for i, v in enumerate(data))
        )
        outs += [red, red]
    return [data, *ps], outs


register(
    OpDef(
        "LayerNorm",
        _layer_norm,
        num_total_outputs=3,
        inputs=("data", "gamma", "beta"),
        params=(
            P("axis", "int", -1, "Axis to normalize over."),
            P("eps", "float", 1e-5, "Added to the variance."),
            P("output_mean_var", "bool", False, "Also return mean and std."),
        ),
        num_outputs=lambda a: 3 if a["output_mean_var"] else 1,
        output_names=("output", "mean", "std"),
        infer_shape=_ln_infer,
        doc="Layer normalization over one axis with per-element gamma/beta.",
    )
)


def _instance_norm(data, gamma, beta, *, eps):
    if data.dim() >= 2 and math.prod(data.shape[2:]) > 1:
        return F.instance_norm(data, weight=gamma, bias=beta, eps=eps)
    # torch refuses one spatial element; MXNet normalizes it (to beta).
    dims = tuple(range(2, data.dim()))
    mean = data.mean(dim=dims, keepdim=True) if dims else data
    var = ((data - mean) ** 2).mean(dim=dims, keepdim=True) if dims else data * 0
    shape = (1, -1) + (1,) * (data.dim() - 2)
    norm = (data - mean) / torch.sqrt(var + eps)
    return norm * gamma.reshape(shape) + beta.reshape(shape)


def _in_infer(in_shapes, attrs):
    data, ps, c = _param_axis_infer("InstanceNorm", in_shapes, lambda d: d[1])
    if data is not None and c:
        data = (data[0], c, *data[2:])
    return [data, *ps], [data]


register(
    OpDef(
        "InstanceNorm",
        _instance_norm,
        num_total_outputs=3,
        inputs=("data", "gamma", "beta"),
        params=(P("eps", "float", 1e-3, "Added to the variance."),),
        infer_shape=_in_infer,
        doc="Instance normalization over the spatial axes of each (N, C).",
        cse=False,
    )
)


def _group_norm(data, gamma, beta, *, num_groups, eps, output_mean_var):
    n, c = data.shape[0], data.shape[1]
    if c % num_groups:
        raise MXNetError(
            f"Operator GroupNorm: {c} channels (data shape {tuple(data.shape)}) are "
            f"not divisible by num_groups={num_groups}."
        )
    for name, t in (("gamma", gamma), ("beta", beta)):
        if not _is_tracing() and tuple(t.shape) != (num_groups,):
            raise _inconsistent(
                "GroupNorm",
                name,
                t.shape,
                f"({num_groups},)",
                f"num_groups={num_groups}",
                "MXNet 1.9.1's GroupNorm has one gamma and beta value per group.",
            )
    xg = data.reshape(n, num_groups, -1)
    var, mean = torch.var_mean(xg, -1, correction=0, keepdim=True)
    std = torch.sqrt(var + eps)
    y = (xg - mean) / std
    # MXNet 1.9.1: gamma/beta have one entry per group.
    y = y * gamma.view(1, -1, 1) + beta.view(1, -1, 1)
    y = y.reshape(data.shape)
    if not output_mean_var:
        return y
    return (
        y,
        *_stat_outputs(y, mean.reshape(n, num_groups), std.reshape(n, num_groups)),
    )


def _gn_infer(in_shapes, attrs):
    g = attrs["num_groups"]
    ps = [
        _merge("GroupNorm", n, s, (g,))
        for n, s in zip(("gamma", "beta"), in_shapes[1:], strict=False)
    ]
    data = in_shapes[0]
    if data is not None and data[1] and data[1] % g:
        raise ShapeError(
            f"Operator GroupNorm: {data[1]} channels (data shape {fmt_shape(data)}) are "
            f"not divisible by num_groups={g}."
        )
    outs = [data]
    if attrs["output_mean_var"]:
        red = None if data is None else (data[0], g)
        outs += [red, red]
    return [data, *ps], outs


register(
    OpDef(
        "GroupNorm",
        _group_norm,
        num_total_outputs=3,
        inputs=("data", "gamma", "beta"),
        params=(
            P("num_groups", "int", 1, "Number of channel groups."),
            P("eps", "float", 1e-5, "Added to the variance."),
            P("output_mean_var", "bool", False, "Also return mean and std."),
        ),
        num_outputs=lambda a: 3 if a["output_mean_var"] else 1,
        output_names=("output", "mean", "std"),
        infer_shape=_gn_infer,
        doc="Group normalization; gamma/beta of shape (num_groups,) as in 1.9.1.",
    )
)


# --------------------------------------------------------------------------- Dropout
def _dropout(data, *, p, mode, axes, cudnn_off):
    if p <= 0 or not (mode == "always" or _in_training()) or data.is_meta:
        return data.view_as(data)
    shape = list(data.shape)
    for ax in axes or ():
        shape[ax] = 1
    keep = max(1.0 - p, 0.0)
    mask = torch.empty(shape, dtype=data.dtype, device=data.device).bernoulli_(keep)
    # p=1 drops everything and scales by 1/0: NaN outputs and gradients, as
    # MXNet 1.9.1 gives (0 * inf).
    scale = mask / keep if keep > 0 else mask * float("inf")
    return data * scale


register(
    OpDef(
        "Dropout",
        _dropout,
        num_total_outputs=2,
        output_names=("output", "mask"),
        params=(
            P("p", "float", 0.5, "Fraction of the input that gets dropped."),
            P("mode", "str", "training", "When active.", ("training", "always")),
            P("axes", "shape", (), "Axes along which the mask is shared."),
            P("cudnn_off", "bool", False, "Ignored."),
        ),
        infer_shape=_identity_infer,
        returns_view=True,
        doc="Inverted dropout (scaled by 1/(1-p)); active only in training mode.",
        cse=False,
    )
)


# --------------------------------------------------------------------------- activations
def _softsign(x):
    return x / (1 + x.abs())


_ACTS = {
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "softrelu": F.softplus,
    "softsign": _softsign,
}


def _activation(data, *, act_type):
    return _ACTS[act_type](data)


def _activation_fast(attrs: dict):
    """The activation itself (``torch.relu``): what ``_activation`` calls."""
    return _ACTS[attrs["act_type"]]


register(
    OpDef(
        "Activation",
        _activation,
        params=(P("act_type", "str", doc="Activation.", choices=tuple(_ACTS)),),
        infer_shape=_identity_infer,
        fast_kernel=_activation_fast,
        doc="Element-wise activation: relu, sigmoid, tanh, softrelu, softsign.",
    )
)

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_LAMBDA = 1.0507009873554804934193349852946


def _prelu_gamma_shape(g: tuple, d: tuple) -> tuple:
    """Where PReLU's gamma sits in the data (MXNet's rule): its axes fill the
    data's axes 0 and 1 from the right (a 1-D gamma is per channel, a 2-D one
    covers axes 0 and 1); other axes broadcast."""
    out = [1] * len(d)
    k = len(g) - 1
    for i in range(len(d) - 1, -1, -1):
        if k >= 0 and i <= 1 and (d[i] == g[k] or g[k] == 1):
            out[i] = g[k]
            k -= 1
    if k != -1:
        raise ShapeError(
            f"Operator LeakyReLU (prelu): cannot broadcast gamma of shape {g} to "
            f"data of shape {d}; gamma covers the data's axes 0 and 1 (a 1-D "
            "gamma has one value per channel)."
        )
    return tuple(out)


def _leaky_relu(data, gamma=None, *, act_type, slope, lower_bound, upper_bound):
    t = act_type
    if t == "leaky":
        return torch.where(data > 0, data, data * slope)
    if t == "prelu":
        g = gamma.reshape(_prelu_gamma_shape(tuple(gamma.shape), tuple(data.shape)))
        return torch.where(data > 0, data, data * g)
    if t == "elu":
        return torch.where(data > 0, data, slope * torch.expm1(data))
    if t == "selu":
        return _SELU_LAMBDA * torch.where(
            data > 0, data, _SELU_ALPHA * torch.expm1(data)
        )
    if t == "gelu":
        return F.gelu(data)
    # rrelu: random negative slope per element while training, its mean otherwise.
    if _in_training() and not data.is_meta:
        mask = torch.empty_like(data).uniform_(lower_bound, upper_bound)
        return torch.where(data > 0, data, data * mask), mask
    out = torch.where(data > 0, data, data * ((lower_bound + upper_bound) / 2))
    return out, torch.zeros_like(data)


def _lrelu_present(a):
    return ("data", "gamma") if a["act_type"] == "prelu" else ("data",)


def _lrelu_infer(in_shapes, attrs):
    data = in_shapes[0]
    outs = [data, data] if attrs["act_type"] == "rrelu" else [data]
    if attrs["act_type"] != "prelu":
        return in_shapes, outs
    g = in_shapes[1]
    if g is None or (len(g) == 1 and not g[0]):
        c = data[1] if data is not None and len(data) > 1 else 0
        g = (c,)
    return [data, g], outs


register(
    OpDef(
        "LeakyReLU",
        _leaky_relu,
        inputs=("data", "gamma"),
        params=(
            P(
                "act_type",
                "str",
                "leaky",
                "Activation.",
                ("leaky", "prelu", "rrelu", "elu", "selu", "gelu"),
            ),
            P("slope", "float", 0.25, "Negative slope (leaky) / alpha (elu)."),
            P("lower_bound", "float", 0.125, "rrelu lower bound."),
            P("upper_bound", "float", 0.334, "rrelu upper bound."),
        ),
        present_inputs=_lrelu_present,
        num_outputs=lambda a: 2 if a["act_type"] == "rrelu" else 1,
        output_names=("output", "mask"),
        infer_shape=_lrelu_infer,
        doc="Leaky ReLU family: leaky, prelu (gamma input), rrelu, elu, selu, gelu.",
    )
)


# --------------------------------------------------------------------------- softmax family
def _softmax_core(data, length, axis, temperature, dtype, log, neg):
    x = data if dtype is None else data.to(getattr(torch, dtype))
    if temperature is not None and temperature != 1.0:
        x = x / temperature
    if neg:
        x = -x
    if length is not None:
        ax = axis % x.dim()
        steps = torch.arange(x.shape[ax], device=x.device)
        shp = [1] * x.dim()
        shp[ax] = -1
        lens = length.to(torch.long).unsqueeze(ax)
        mask = steps.view(shp) < lens
        x = x.masked_fill(~mask, float("-inf"))
        y = torch.softmax(x, axis)
        return y.masked_fill(~mask, 0)
    return torch.log_softmax(x, axis) if log else torch.softmax(x, axis)


# The kernels' keyword defaults are the ops' (``OpDef.bare_defaults``): a call
# with no attribute runs ``kernel(data)`` without a keyword dict.
def _softmax(
    data, length=None, *, axis=-1, temperature=None, dtype=None, use_length=False
):
    if length is None and temperature is None and dtype is None:  # kept lean
        return torch.softmax(data, axis)
    return _softmax_core(data, length, axis, temperature, dtype, False, False)


def _softmax_fast(attrs: dict):
    """``torch.softmax`` over the axis, for the plain call (no length, no
    temperature, no dtype): what ``_softmax`` runs for it."""
    if attrs["use_length"] or attrs["temperature"] is not None or attrs["dtype"]:
        return None
    axis = attrs["axis"]
    softmax = torch.softmax

    def fast(data):
        return softmax(data, axis)

    return fast


def _make_softmax_variant(log: bool, neg: bool):
    def kernel(data, *, axis=-1, temperature=None, dtype=None, use_length=False):
        if use_length:
            raise MXNetError(
                "use_length=True needs a length input, which only softmax takes."
            )
        return _softmax_core(data, None, axis, temperature, dtype, log, neg)

    return kernel


def _softmax_infer_type(in_types, attrs):
    t = in_types[0]
    out = attrs["dtype"] or t
    return in_types, [out]


_SM_PARAMS = (
    P("axis", "int", -1, "Axis to normalize over."),
    P("temperature", "float", None, "Divides the input."),
    P("dtype", "dtype", None, "Output dtype."),
    P("use_length", "bool", False, "Mask positions >= length (softmax only)."),
)

register(
    OpDef(
        "softmax",
        _softmax,
        inputs=("data", "length"),
        params=_SM_PARAMS,
        present_inputs=lambda a: ("data", "length") if a["use_length"] else ("data",),
        infer_shape=lambda s, a: (s, [s[0]]),
        infer_type=_softmax_infer_type,
        dtype_free_inputs=("length",),
        fast_kernel=_softmax_fast,
        doc="Softmax along ``axis`` (``exp(x/T)`` normalized).",
    )
)
register(
    OpDef(
        "log_softmax",
        _make_softmax_variant(True, False),
        params=_SM_PARAMS,
        infer_shape=_identity_infer,
        infer_type=_softmax_infer_type,
        doc="Log of softmax along ``axis``.",
    )
)
register(
    OpDef(
        "softmin",
        _make_softmax_variant(False, True),
        params=_SM_PARAMS,
        infer_shape=_identity_infer,
        infer_type=_softmax_infer_type,
        doc="Softmax of the negated input.",
    )
)


def _softmax_activation(data, *, mode):
    if mode == "channel":
        return torch.softmax(data, 1)
    # MXNet flattens to 2-D keeping the last axis (FlatTo2D): softmax over it.
    return torch.softmax(data, -1)


register(
    OpDef(
        "SoftmaxActivation",
        _softmax_activation,
        params=(
            P(
                "mode",
                "str",
                "instance",
                "instance or channel.",
                ("instance", "channel"),
            ),
        ),
        infer_shape=_identity_infer,
        doc="Deprecated softmax over each instance or over channels.",
    )
)


def _softmax_ce(data, label):
    logp = torch.log_softmax(data, -1)
    idx = label.to(torch.long).clamp(0, data.shape[-1] - 1).unsqueeze(-1)
    return -logp.gather(-1, idx).sum().reshape(1)


register(
    OpDef(
        "softmax_cross_entropy",
        _softmax_ce,
        inputs=("data", "label"),
        infer_shape=lambda s, a: (s, [(1,)]),
        dtype_free_inputs=("label",),
        doc="Cross entropy of softmax(data) and integer labels, summed: shape (1,).",
    )
)


# --------------------------------------------------------------------------- loss outputs
def softmax_output_prob(data, a: dict):
    """SoftmaxOutput's forward: the softmax of ``data`` (attributes ``a``, the
    op's parsed attributes), in ``data``'s shape."""
    shape = data.shape
    if a["multi_output"]:
        p = torch.softmax(data.reshape(shape[0], shape[1], -1), 1)
    elif a["preserve_shape"] or len(shape) == 2:
        return torch.softmax(data, -1)
    else:
        p = torch.softmax(data.reshape(shape[0], -1), 1)
    return p.reshape(shape)


def softmax_output_grad(p, label, a: dict):
    """SoftmaxOutput's gradient for its data: ``(p - onehot(label)) * scale``
    from the forward's output ``p`` (data's shape) and ``label``; MXNet never
    reads the head gradient. The bound executor calls it directly (its loss
    heads, :mod:`neogluon.symbol.executor`); :class:`_SoftmaxOutputFn` in
    eager code."""
    shape = p.shape
    if a["multi_output"]:
        p = p.reshape(shape[0], shape[1], -1)
    elif not a["preserve_shape"] and len(shape) != 2:
        p = p.reshape(shape[0], -1)
    cax = 1 if a["multi_output"] else -1
    k = p.shape[cax]
    if label.shape == shape and not a["multi_output"]:
        g = p - label.reshape(p.shape).to(p.dtype)
        keep = None
    else:
        if a["multi_output"]:
            lab = label.reshape(shape[0], -1)
        elif label.shape == p.shape[:-1]:
            lab = label
        else:
            lab = label.reshape(p.shape[:-1])
        alpha = a["smooth_alpha"]
        if alpha or a["multi_output"]:
            li = lab.to(torch.long).clamp(0, k - 1)
            onehot = F.one_hot(li, k).to(p.dtype)
            if a["multi_output"]:
                onehot = onehot.movedim(-1, 1)
            if alpha:
                onehot = onehot * (1 - alpha) + (1 - onehot) * (alpha / (k - 1))
            g = p - onehot
        else:
            # p - onehot(label) without the one-hot matrix: add -1 at the
            # label's class only (the same float result, p - 1.0).
            idx = lab.unsqueeze(-1).to(torch.long).clamp(0, k - 1)
            g = p.clone()
            g.scatter_(-1, idx, -1.0, reduce="add")
        keep = None
        if a["use_ignore"]:
            keep = (lab != a["ignore_label"]).to(p.dtype)
            g = g * keep.unsqueeze(cax)
    norm = a["normalization"]
    scale = a["grad_scale"]
    if a["multi_output"] and norm != "valid":
        # MXNet divides multi-output gradients by the positions per sample.
        scale = scale / p.shape[2]
    if norm == "batch":
        scale = scale / shape[0]
    elif norm == "valid":
        if keep is not None:
            cnt = max(float(keep.sum()), 1.0)
        else:
            cnt = float(g.numel() // k)
        scale = scale / cnt
    if scale != 1.0:  # x * 1.0 is x: the multiplication only costs a copy
        g = g * scale
    if a["out_grad"]:
        # MXNet 1.9.1 multiplies by the softmax output here, not by the head
        # gradient its documentation mentions; we match the numbers.
        g = g * p
    return g if g.shape == shape else g.reshape(shape)


class _SoftmaxOutputFn(torch.autograd.Function):
    """Softmax forward; backward ``(p - onehot(label)) * scale``, head grad ignored."""

    @staticmethod
    def forward(ctx, data, label, a):
        p = softmax_output_prob(data, a)
        ctx.save_for_backward(p, label)
        ctx.a = a
        return p

    @staticmethod
    def backward(ctx, grad):
        p, label = ctx.saved_tensors
        return softmax_output_grad(p, label, ctx.a), None, None


def _softmax_output(data, label, **a):
    return _SoftmaxOutputFn.apply(data, label, a)


def _softmax_output_infer(in_shapes, attrs):
    data, label = in_shapes
    if data is not None and label is None:
        if attrs["multi_output"]:
            label = (data[0], *data[2:])
        else:
            # MXNet infers data.shape[:-1] for both remaining modes.
            label = data[:-1]
    return [data, label], [data]


def _softmax_output_infer_type(in_types, attrs):
    # MXNet gives an unknown label the data's dtype (softmax_label: float32);
    # a label of another dtype (int class ids) is accepted as given.
    data, label = in_types[0], in_types[1]
    return [data, label if label is not None else data], [data]


register(
    OpDef(
        "SoftmaxOutput",
        _softmax_output,
        inputs=("data", "label"),
        params=(
            P("grad_scale", "float", 1.0, "Scales the gradient."),
            P("ignore_label", "float", -1.0, "Label ignored when use_ignore."),
            P("multi_output", "bool", False, "Softmax over axis 1 of (N, C, ...)."),
            P("use_ignore", "bool", False, "Zero the gradient of ignore_label."),
            P("preserve_shape", "bool", False, "Softmax over the last axis."),
            P(
                "normalization",
                "str",
                "null",
                "Gradient normalization.",
                ("null", "batch", "valid"),
            ),
            P("out_grad", "bool", False, "Multiply by the head gradient."),
            P("smooth_alpha", "float", 0.0, "Label smoothing."),
        ),
        aliases=("Softmax",),
        infer_shape=_softmax_output_infer,
        infer_type=_softmax_output_infer_type,
        dtype_free_inputs=("label",),
        doc="Softmax whose gradient is (softmax - onehot(label)) * grad_scale.",
    )
)


class _RegressionFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, data, label, kind, grad_scale):
        out = torch.sigmoid(data) if kind == "logistic" else data.clone()
        ctx.save_for_backward(out, label)
        ctx.kind = kind
        ctx.scale = grad_scale
        return out

    @staticmethod
    def backward(ctx, grad):
        out, label = ctx.saved_tensors
        lab = label.reshape(out.shape).to(out.dtype)
        diff = out - lab
        if ctx.kind == "mae":
            diff = torch.sign(diff)
        num_output = label.numel() // label.shape[0] if label.dim() else 1
        return diff * (ctx.scale / num_output), None, None, None


def _make_regression(kind: str):
    def kernel(data, label, *, grad_scale):
        return _RegressionFn.apply(data, label, kind, grad_scale)

    return kernel


def _regression_infer(in_shapes, attrs):
    data, label = in_shapes
    if label is None and data is not None:
        label = data
    return [data, label], [data]


for _name, _kind, _doc in (
    ("LinearRegressionOutput", "linear", "identity; gradient (out - label)"),
    ("LogisticRegressionOutput", "logistic", "sigmoid; gradient (out - label)"),
    ("MAERegressionOutput", "mae", "identity; gradient sign(out - label)"),
):
    register(
        OpDef(
            _name,
            _make_regression(_kind),
            inputs=("data", "label"),
            params=(P("grad_scale", "float", 1.0, "Scales the gradient."),),
            infer_shape=_regression_infer,
            dtype_free_inputs=("label",),
            doc=f"Regression output: forward {_doc} * grad_scale / outputs per "
            "sample; the head gradient is ignored.",
        )
    )


class _MakeLossFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, data, a):
        ctx.a = a
        ctx.save_for_backward(data)
        return data.clone()

    @staticmethod
    def backward(ctx, grad):
        (data,) = ctx.saved_tensors
        a = ctx.a
        scale = a["grad_scale"]
        if a["normalization"] == "batch":
            scale = scale / data.shape[0]
        elif a["normalization"] == "valid":
            scale = scale / max(float((data > a["valid_thresh"]).sum()), 1.0)
        return torch.full_like(data, scale), None


def _make_loss(data, *, grad_scale, valid_thresh, normalization):
    return _MakeLossFn.apply(
        data,
        dict(
            grad_scale=grad_scale,
            valid_thresh=valid_thresh,
            normalization=normalization,
        ),
    )


register(
    OpDef(
        "MakeLoss",
        _make_loss,
        params=(
            P("grad_scale", "float", 1.0, "Gradient value."),
            P("valid_thresh", "float", 0.0, "Threshold for 'valid' normalization."),
            P(
                "normalization",
                "str",
                "null",
                "Gradient normalization.",
                ("null", "batch", "valid"),
            ),
        ),
        infer_shape=_identity_infer,
        doc="Identity whose gradient is grad_scale (the head gradient is ignored).",
        cse=False,
    )
)


def _make_loss_plain(data):
    return _MakeLossFn.apply(
        data, dict(grad_scale=1.0, valid_thresh=0.0, normalization="null")
    )


register(
    OpDef(
        "make_loss",
        _make_loss_plain,
        infer_shape=_identity_infer,
        doc="Identity whose gradient is ones (the head gradient is ignored).",
    )
)


def _smooth_l1(data, *, scalar):
    s2 = scalar * scalar
    ax = data.abs()
    return torch.where(ax < 1.0 / s2, 0.5 * s2 * data * data, ax - 0.5 / s2)


register(
    OpDef(
        "smooth_l1",
        _smooth_l1,
        params=(P("scalar", "float", 1.0, "sigma (MXNet default 1)."),),
        infer_shape=_identity_infer,
        doc="Smooth L1: 0.5(sigma x)^2 if |x| < 1/sigma^2 else |x| - 0.5/sigma^2.",
    )
)


def _l2_normalization(data, *, eps, mode):
    if mode == "instance":
        dims = tuple(range(1, data.dim()))
    elif mode == "channel":
        dims = (1,)
    else:
        dims = tuple(range(2, data.dim()))
    norm = torch.sqrt((data * data).sum(dims, keepdim=True) + eps)
    return data / norm


register(
    OpDef(
        "L2Normalization",
        _l2_normalization,
        num_total_outputs=2,
        params=(
            P("eps", "float", 1e-10, "Added under the square root."),
            P("mode", "str", "instance", "Axes.", ("instance", "channel", "spatial")),
        ),
        infer_shape=_identity_infer,
        doc="Divide by the L2 norm over each instance, channel axis or spatial axes.",
        cse=False,
    )
)


def _lrn(data, *, alpha, beta, knorm, nsize):
    return F.local_response_norm(data, nsize, alpha, beta, knorm)


register(
    OpDef(
        "LRN",
        _lrn,
        num_total_outputs=2,
        output_names=("output", "tmp_norm"),
        params=(
            P("alpha", "float", 1e-4, "Scale."),
            P("beta", "float", 0.75, "Exponent."),
            P("knorm", "float", 2.0, "Offset."),
            P("nsize", "int", doc="Channels in the normalization window."),
        ),
        infer_shape=_identity_infer,
        doc="Local response normalization across channels.",
    )
)


# --------------------------------------------------------------------------- Embedding
def _embedding(data, weight, *, input_dim, output_dim, dtype, sparse_grad):
    if not _is_tracing() and tuple(weight.shape) != (input_dim, output_dim):
        raise _inconsistent(
            "Embedding",
            "weight",
            weight.shape,
            f"({input_dim}, {output_dim})",
            f"input_dim={input_dim}, output_dim={output_dim}",
            "Set input_dim/output_dim to the weight's shape (vocabulary size, "
            "embedding size) or pass a weight of the required shape.",
        )
    idx = data.detach().to(torch.long).clamp(0, weight.shape[0] - 1)
    return F.embedding(idx, weight, sparse=bool(sparse_grad) and weight.requires_grad)


def _embedding_infer(in_shapes, attrs):
    d, o = attrs["input_dim"], attrs["output_dim"]
    w = _merge(
        "Embedding", f"weight (input_dim={d}, output_dim={o})", in_shapes[1], (d, o)
    )
    data = in_shapes[0]
    out = None if data is None else (*data, o)
    return [data, w], [out]


def _embedding_type(in_types, attrs):
    t = attrs["dtype"] or "float32"
    return [in_types[0] or t, in_types[1] or t], [in_types[1] or t]


register(
    OpDef(
        "Embedding",
        _embedding,
        inputs=("data", "weight"),
        params=(
            P("input_dim", "int", doc="Vocabulary size."),
            P("output_dim", "int", doc="Embedding size."),
            P("dtype", "dtype", "float32", "Weight dtype."),
            P("sparse_grad", "bool", False, "Row-sparse weight gradient."),
        ),
        infer_shape=_embedding_infer,
        infer_type=_embedding_type,
        dtype_free_inputs=("data",),
        doc="Row lookup ``weight[data]``; out shape ``data.shape + (output_dim,)``.",
    )
)


# --------------------------------------------------------------------------- UpSampling
def _upsampling(
    *data, scale, num_filter, sample_type, multi_input_mode, workspace, num_args
):
    if sample_type == "bilinear":
        x, w = data[0], data[1]
        pad = int(math.ceil((scale - 1) / 2.0))
        return F.conv_transpose2d(x, w, None, scale, pad, 0, x.shape[1])
    h = data[0].shape[2] * scale
    w = data[0].shape[3] * scale
    outs = []
    for x in data:
        sh, sw = h // x.shape[2], w // x.shape[3]
        outs.append(x.repeat_interleave(sh, 2).repeat_interleave(sw, 3))
    if len(outs) == 1:
        return outs[0]
    if multi_input_mode == "sum":
        return torch.stack(outs).sum(0)
    return torch.cat(outs, 1)


def _up_infer(in_shapes, attrs):
    s = attrs["scale"]
    data = in_shapes[0]
    if attrs["sample_type"] == "bilinear":
        k = 2 * s - s % 2
        c = data[1] if data is not None else 0
        w = _merge(
            "UpSampling",
            "weight",
            in_shapes[1] if len(in_shapes) > 1 else None,
            (c, 1, k, k),
        )
        out = None if data is None else (data[0], data[1], data[2] * s, data[3] * s)
        return [data, w], [out]
    if any(x is None for x in in_shapes):
        return in_shapes, [None]
    h, w = data[2] * s, data[3] * s
    c = data[1] if attrs["multi_input_mode"] == "sum" else sum(x[1] for x in in_shapes)
    return in_shapes, [(data[0], c, h, w)]


register(
    OpDef(
        "UpSampling",
        _upsampling,
        inputs=("data",),
        variadic=True,
        num_args_attr="num_args",
        params=(
            P("scale", "int", doc="Up-sampling factor."),
            P("num_filter", "int", 0, "Channels (bilinear)."),
            P(
                "sample_type",
                "str",
                doc="nearest or bilinear.",
                choices=("nearest", "bilinear"),
            ),
            P("multi_input_mode", "str", "concat", "concat or sum.", ("concat", "sum")),
            P("workspace", "int", 512, "Ignored."),
            P(
                "num_args",
                "int",
                doc="Number of inputs (bilinear: 2, data and weight).",
            ),
        ),
        infer_shape=_up_infer,
        doc="Nearest (several inputs, concat/sum) or bilinear (data, weight) up-sampling.",
    )
)


# --------------------------------------------------------------------------- Sequence ops
def _seq_present(a):
    return ("data", "sequence_length") if a["use_sequence_length"] else ("data",)


def _seq_mask_tensor(data, lengths, axis):
    t = data.shape[axis]
    b_ax = 1 - axis
    steps = torch.arange(t, device=data.device)
    lens = lengths.to(torch.long)
    m = (
        steps.view(-1, 1) < lens.view(1, -1)
        if axis == 0
        else lens.view(-1, 1) > steps.view(1, -1)
    )
    shp = list(m.shape) + [1] * (data.dim() - 2)
    del b_ax
    return m.view(shp)


def _sequence_mask(data, sequence_length=None, *, use_sequence_length, value, axis):
    if not use_sequence_length:
        return data.view_as(data)
    m = _seq_mask_tensor(data, sequence_length, axis)
    return torch.where(
        m, data, torch.full((), value, dtype=data.dtype, device=data.device)
    )


def _sequence_last(data, sequence_length=None, *, use_sequence_length, axis):
    if not use_sequence_length:
        return data.select(axis, data.shape[axis] - 1).clone()
    idx = (sequence_length.to(torch.long) - 1).clamp(0, data.shape[axis] - 1)
    x = data.movedim(axis, 0)  # (T, B, ...)
    b = torch.arange(x.shape[1], device=data.device)
    return x[idx, b]


def _sequence_reverse(data, sequence_length=None, *, use_sequence_length, axis):
    if axis != 0:
        raise MXNetError(
            f"Operator SequenceReverse: only axis=0 is supported, got {axis}."
        )
    t = data.shape[0]
    if not use_sequence_length:
        return data.flip(0)
    lens = sequence_length.to(torch.long).view(1, -1)
    steps = torch.arange(t, device=data.device).view(-1, 1)
    src = torch.where(steps < lens, lens - 1 - steps, steps)  # (T, B)
    b = torch.arange(data.shape[1], device=data.device).view(1, -1).expand(t, -1)
    return data[src, b]


def _seq_infer_last(in_shapes, attrs):
    data = in_shapes[0]
    out = (
        None
        if data is None
        else tuple(v for i, v in enumerate(data) if i != attrs["axis"])
    )
    return in_shapes, [out]


_SEQ_COMMON = (P("use_sequence_length", "bool", False, "Use the lengths input."),)
for _name, _fn, _extra, _inf, _doc in (
    (
        "SequenceMask",
        _sequence_mask,
        (P("value", "float", 0.0, "Fill value."),),
        _identity_infer,
        "Set positions past each sequence's length to ``value``.",
    ),
    (
        "SequenceLast",
        _sequence_last,
        (),
        _seq_infer_last,
        "Last valid element of each sequence.",
    ),
    (
        "SequenceReverse",
        _sequence_reverse,
        (),
        _identity_infer,
        "Reverse each sequence's valid part.",
    ),
):
    register(
        OpDef(
            _name,
            _fn,
            inputs=("data", "sequence_length"),
            params=(
                *_SEQ_COMMON,
                *_extra,
                P("axis", "int", 0, "The time axis (0 or 1)."),
            ),
            present_inputs=_seq_present,
            infer_shape=_inf,
            dtype_free_inputs=("sequence_length",),
            returns_view=_name == "SequenceMask",
            cse=False,  # legacy stateful ops in MXNet
            doc=_doc,
        )
    )
