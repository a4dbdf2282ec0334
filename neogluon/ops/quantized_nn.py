"""Operator family: MXNet 1.9.1's oneDNN INT8 layers and fused subgraph kernels.

Registered here: ``_contrib_quantized_pooling`` and ``_contrib_quantized_flatten``
(int8 / uint8 data with its ``(min, max)`` range, passed through) and
``_contrib_quantized_concat`` (inputs rescaled to the widest range). Also the
numbers of the fused oneDNN subgraph nodes ``_sg_mkldnn_conv`` and
``_sg_mkldnn_fully_connected`` (:func:`sg_conv` and :func:`sg_fc`); the nodes
themselves, which carry a subgraph, are built by
:mod:`neogluon.symbol.mkldnn_ops`.

The integer arithmetic is exact: products and sums of int8 / uint8 values are
accumulated in float64 (exact below 2**53), as the int32 accumulator of
oneDNN's VNNI kernels holds them. Every scale and rescale is float32, in the
order MXNet's ``SgMKLDNNConvOperator`` / ``SgMKLDNNFCOp`` compute them
(``src/operator/subgraph/mkldnn/``):

* data scale ``GetQuantizeScale``: ``127.5 / max(|min|, |max|)`` for int8 data,
  ``255.5 / ...`` for uint8 (2147483647 for a zero range);
* BatchNorm folded into the convolution first: ``alpha = gamma /
  sqrt(var + eps)`` (``gamma = 1`` with ``fix_gamma``), ``w * alpha``,
  ``beta + alpha * (bias - mean)``;
* calibrated convolution (``min_calib_range``/``max_calib_range`` given):
  per-output-channel weight scales ``127.5 / max|w_c|``, lowered where the
  bias would pass ``2**31 / 2`` once quantized; weights
  ``round(w * s_c)`` saturated to int8, bias ``round(b * s_c * data_scale)``
  in int32; output ``round((acc + bias) * out_scale / data_scale / s_c)``
  saturated to uint8 (after a relu) or int8, with the activation, the sum
  (``+ sum * out_scale / sum_scale``, one rounding like oneDNN's fused
  multiply-add) and the post-sum activation applied in float32 before the
  rounding, and the calibration range as its ``(min, max)``;
* uncalibrated convolution: one weight scale for the tensor, int32 output
  ``acc + bias`` and the range of an int8 x int8 (or int8 x uint8) product,
  as MXNet's ``QuantizationRangeForMultiplication``;
* fully connected, weight and bias already int8 (``quantize_net`` makes
  them) with their ranges: bias rescaled to int32 by ``data_scale *
  weight_scale / bias_scale`` (rounded half away from zero, C's ``round``;
  where that would pass ``2**31 / 2`` the weights are rescaled too, which
  MXNet writes back into the weight array and this does not); float32 output ``(acc + bias) / data_scale /
  weight_scale`` with ``enable_float_output``, else as the convolution.

Rounding is half to even (oneDNN's default rounding mode) except where
noted.

Copied from MXNet because the models' outputs depend on it: a calibrated
convolution with a fused sum writes its result in place into the summed
tensor, in that tensor's dtype, whatever output dtype the node declares. So
an int8 sum under a uint8 output (a ResNet block: int8 shortcut, relu after
the sum) saturates at 127 instead of 255, and the bytes are then read as the
declared type.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..base import MXNetError
from .nn import _pool_infer
from .nn import _pooling
from .registry import OpDef
from .registry import get as _get_op
from .registry import register

__all__ = ["quantize_scale", "sg_conv", "sg_fc", "range_of_product"]

_F32 = torch.float32
_F64 = torch.float64
_INT8_RANGE = 127.5  # MXNet's kInt8Range
_UINT8_RANGE = 255.5  # MXNet's kUint8Range
_INT32_MAX_F = 2147483648.0  # float(INT32_MAX) in float32
_LIMITS = {torch.int8: (-128.0, 127.0), torch.uint8: (0.0, 255.0)}


def _f32(v: float | torch.Tensor, device) -> torch.Tensor:
    if isinstance(v, torch.Tensor):
        return v.detach().to(_F32).reshape(())
    return torch.tensor(v, dtype=_F32, device=device)


def _scalar(op: str, name: str, t: torch.Tensor) -> torch.Tensor:
    if t.numel() != 1:
        raise MXNetError(
            f"Operator {op}: {name} must hold one value (the range of the int8 "
            f"data), got shape {tuple(t.shape)}."
        )
    return t.detach().to(_F32).reshape(())


def quantize_scale(
    dtype: torch.dtype, lo: torch.Tensor, hi: torch.Tensor
) -> torch.Tensor:
    """MXNet's ``GetQuantizeScale``: float32 ``127.5 / max(|lo|, |hi|)`` for
    int8, ``255.5 / ...`` for uint8; 2147483647 for a zero range."""
    real = torch.maximum(lo.abs(), hi.abs())
    q = _INT8_RANGE if dtype == torch.int8 else _UINT8_RANGE
    big = torch.full_like(real, 2147483647.0)
    return torch.where(real != 0, torch.tensor(q, dtype=_F32) / real, big)


def range_of_product(
    a_lo: torch.Tensor,
    a_hi: torch.Tensor,
    b_lo: torch.Tensor,
    b_hi: torch.Tensor,
    b_unsigned: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The int32 range of (int8 ``a``) x (int8 or uint8 ``b``) products, as
    MXNet's ``QuantizationRangeForMultiplication`` states it."""
    level_a = torch.maximum(a_lo.abs(), a_hi.abs()) / 127.0
    level_b = torch.maximum(b_lo.abs(), b_hi.abs()) / (255.0 if b_unsigned else 127.0)
    hi = level_a * level_b * _INT32_MAX_F
    return -hi, hi


def _round_sat(x: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    if dtype == torch.int32:
        return torch.round(x.to(_F64)).clamp(-2147483648.0, 2147483647.0).to(dtype)
    lo, hi = _LIMITS[dtype]
    return torch.round(x.clamp(lo, hi)).to(dtype)


def _round_away(x: torch.Tensor) -> torch.Tensor:
    """C's ``std::round`` (half away from zero) of float32 values, exactly."""
    x64 = x.to(_F64)
    return (torch.sign(x64) * torch.floor(x64.abs() + 0.5)).to(x.dtype)


def _eltwise(x: torch.Tensor, act: tuple) -> torch.Tensor:
    alg, alpha = act
    if alg == "relu":
        return torch.where(x > 0, x, x * alpha) if alpha else torch.clamp(x, min=0)
    if alg == "logistic":
        return torch.sigmoid(x)
    if alg == "tanh":
        return torch.tanh(x)
    if alg == "soft_relu":
        return F.softplus(x)
    if alg == "elu":
        return torch.where(x > 0, x, alpha * torch.expm1(x))
    if alg == "gelu":
        return F.gelu(x)
    if alg == "bounded_relu":
        return torch.clamp(x, 0.0, alpha)
    raise MXNetError(f"_sg_mkldnn: activation {alg!r} is not supported.")


def _conv(x: torch.Tensor, w: torch.Tensor, b, conv: dict) -> torch.Tensor:
    n = w.dim() - 2
    fn = (F.conv1d, F.conv2d, F.conv3d)[n - 1]
    stride = tuple(conv["stride"] or ()) or (1,) * n
    pad = tuple(conv["pad"] or ()) or (0,) * n
    dilate = tuple(conv["dilate"] or ()) or (1,) * n
    return fn(x, w, b, stride, pad, dilate, conv["num_group"])


def _fold_bn(w, b, gamma, beta, mean, var, bn: dict):
    """MXNet's ``UpdateConvWeightBias``: BatchNorm folded into weight and bias."""
    g = torch.ones_like(gamma) if bn["fix_gamma"] else gamma
    # alpha in double (eps is a double), stored as float.
    alpha = (g.to(_F64) / torch.sqrt(var.to(_F64) + bn["eps"])).to(_F32)
    shape = (-1,) + (1,) * (w.dim() - 1)
    w2 = w.to(_F32) * alpha.reshape(shape)
    if b is None:
        b2 = beta - alpha * mean
    else:
        b2 = beta + alpha * (b.to(_F32) - mean)
    return w2, b2


def _channel_scales(w, b, data_scale):
    """``GetWeightScales`` with channel-wise scales."""
    flat = w.reshape(w.shape[0], -1)
    real = torch.maximum(flat.amin(1).abs(), flat.amax(1).abs())
    q = torch.tensor(_INT8_RANGE, dtype=_F32)
    scale = torch.where(real != 0, q / real, torch.full_like(real, 2147483647.0))
    if b is not None:
        lim = torch.where(b > 0, _INT32_MAX_F, -_INT32_MAX_F).to(_F32)
        safe_b = torch.where(b != 0, b, torch.ones_like(b))
        cap = lim / 2 / safe_b / data_scale
        scale = torch.where(b != 0, torch.minimum(scale, cap), scale)
    return scale


def sg_conv(*tensors: torch.Tensor, **attrs) -> tuple | torch.Tensor:
    """The kernel of ``_sg_mkldnn_conv`` (see the module docstring); ``attrs``
    are the node's parsed attributes with its subgraph's ``_conv`` (the
    Convolution attributes), ``_bn`` (BatchNorm's ``eps``/``fix_gamma`` or
    None), ``_act`` and ``_postsum_act`` (``(algorithm, alpha)`` or None)."""
    conv, bn = attrs["_conv"], attrs["_bn"]
    quantized = attrs["quantized"]
    it = iter(tensors)
    data = next(it)
    weight = next(it)
    bias = None if conv["no_bias"] else next(it)
    if bn is not None:
        gamma, beta, mean, var = next(it), next(it), next(it), next(it)
    ssum = next(it) if attrs["with_sum"] else None
    if bn is not None:
        weight, bias = _fold_bn(weight, bias, gamma, beta, mean, var, bn)
    act = attrs["_act"] if attrs["with_act"] else None
    post = attrs["_postsum_act"] if attrs["with_postsum_act"] else None
    if not quantized:
        out = _conv(data, weight, bias, conv)
        if act is not None:
            out = _eltwise(out, act)
        if ssum is not None:
            out = out + ssum
        if post is not None:
            out = _eltwise(out, post)
        return out
    op = "_sg_mkldnn_conv"
    if data.dtype not in (torch.int8, torch.uint8):
        raise MXNetError(
            f"Operator {op} (quantized): data must be int8 or uint8, got {data.dtype}; "
            "quantize it first (_contrib_quantize_v2)."
        )
    dev = data.device
    d_lo = _scalar(op, "data_min", next(it))
    d_hi = _scalar(op, "data_max", next(it))
    if ssum is not None:
        s_lo = _scalar(op, "sum_min", next(it))
        s_hi = _scalar(op, "sum_max", next(it))
    data_scale = quantize_scale(data.dtype, d_lo, d_hi)
    lo_c, hi_c = attrs["min_calib_range"], attrs["max_calib_range"]
    calibrated = lo_c is not None and hi_c is not None
    w = weight.detach().to(_F32)
    b = None if bias is None else bias.detach().to(_F32)
    c = w.shape[0]
    if calibrated:
        w_scale = _channel_scales(w, b, data_scale)
    else:
        w_lo, w_hi = w.amin(), w.amax()
        w_scale = quantize_scale(torch.int8, w_lo, w_hi).expand(c)
    shape = (-1,) + (1,) * (w.dim() - 1)
    qw = _round_sat(w * w_scale.reshape(shape), torch.int8)
    acc = _conv(data.to(_F64), qw.to(_F64), None, conv).to(_F32)
    bshape = (1, -1) + (1,) * (acc.dim() - 2)
    if b is not None:
        qb = _round_sat(b * (w_scale * data_scale), torch.int32).to(_F32)
        acc = acc + qb.reshape(bshape)
    if calibrated:
        out_lo, out_hi = _f32(lo_c, dev), _f32(hi_c, dev)
        uint8_out = _uint8_output(attrs)
        out_dtype = torch.uint8 if uint8_out else torch.int8
        out_scale = quantize_scale(out_dtype, out_lo, out_hi)
        if act is not None and act[0] == "bounded_relu":
            if ssum is None:
                act = None  # the saturation to the output range clips
            else:
                act = (act[0], act[1] * float(out_scale))
        y = acc * (out_scale / data_scale / w_scale).reshape(bshape)
    else:
        out_dtype = torch.int32
        out_scale = data_scale * w_scale[0]
        out_lo, out_hi = range_of_product(
            w.amin(), w.amax(), d_lo, d_hi, data.dtype == torch.uint8
        )
        y = acc
    if act is not None:
        y = _eltwise(y, act)
    if ssum is not None:
        sum_scale = out_scale / quantize_scale(ssum.dtype, s_lo, s_hi)
        # oneDNN adds the sum with one fused multiply-add (one rounding).
        y = (y.to(_F64) + ssum.to(_F64) * sum_scale.to(_F64)).to(_F32)
    if post is not None:
        y = _eltwise(y, post)
    if ssum is not None and calibrated and ssum.dtype != out_dtype:
        # MXNet runs the convolution in place on the summed tensor, in its
        # dtype: the result saturates to that type and its bytes are read as
        # the declared output type (int8 sum, uint8 output: capped at 127).
        q = _round_sat(y, ssum.dtype).view(out_dtype)
    else:
        q = _round_sat(y, out_dtype)
    return (
        q,
        out_lo.reshape(1).to(dev),
        out_hi.reshape(1).to(dev),
    )


def _uint8_output(attrs: dict) -> bool:
    """MXNet's ``IsOutputUInt8``: the last activation is one whose outputs
    are never negative."""
    if not attrs["with_sum"] and attrs["with_act"]:
        return _nonneg(attrs["_act"])
    if attrs["with_postsum_act"]:
        return _nonneg(attrs["_postsum_act"])
    return False


def _nonneg(act) -> bool:
    """Whether the oneDNN activation ``act`` never gives a negative value."""
    unsigned = ("logistic", "soft_relu", "bounded_relu")
    return act is not None and (
        (act[0] == "relu" and act[1] == 0.0) or act[0] in unsigned
    )


def sg_fc(*tensors: torch.Tensor, **attrs) -> tuple | torch.Tensor:
    """The kernel of ``_sg_mkldnn_fully_connected``; ``attrs`` carry the
    subgraph's ``_fc`` (FullyConnected's ``no_bias``/``flatten``) and
    ``_act`` (its fused activation or None)."""
    fc = attrs["_fc"]
    it = iter(tensors)
    data = next(it)
    weight = next(it)
    bias = None if fc["no_bias"] else next(it)
    act = attrs["_act"] if attrs["with_eltwise"] else None
    lead = data.shape[:1] if fc["flatten"] else data.shape[:-1]
    x = data.reshape(data.shape[0], -1) if fc["flatten"] else data
    if not attrs["quantized"]:
        out = F.linear(x, weight, bias)
        return out if act is None else _eltwise(out, act)
    op = "_sg_mkldnn_fully_connected"
    if attrs.get("channel_wise_quantize"):
        raise MXNetError(
            f"Operator {op}: channel_wise_quantize=True graphs are not supported; "
            "quantize the network with quantize_granularity='tensor-wise'."
        )
    if data.dtype not in (torch.int8, torch.uint8) or weight.dtype != torch.int8:
        raise MXNetError(
            f"Operator {op} (quantized): data must be int8/uint8 and weight int8, got "
            f"{data.dtype} and {weight.dtype}."
        )
    d_lo = _scalar(op, "min_data", next(it))
    d_hi = _scalar(op, "max_data", next(it))
    w_lo = _scalar(op, "min_weight", next(it))
    w_hi = _scalar(op, "max_weight", next(it))
    data_scale = quantize_scale(data.dtype, d_lo, d_hi)
    w_scale = quantize_scale(torch.int8, w_lo, w_hi)
    qw = weight.to(_F32)
    acc_bias = None
    if bias is not None:
        b_lo = _scalar(op, "min_bias", next(it))
        b_hi = _scalar(op, "max_bias", next(it))
        b_scale = quantize_scale(torch.int8, b_lo, b_hi)
        rescale = data_scale * w_scale / b_scale
        cap = _INT32_MAX_F / 2 / torch.maximum(b_lo.abs(), b_hi.abs()) / b_scale
        if rescale > cap:
            w_rescale = cap * b_scale / data_scale / w_scale
            qw = _round_away(qw * w_rescale)
            w_scale = w_scale * w_rescale
            rescale = cap
        acc_bias = _round_away(bias.to(_F32) * rescale)
    acc = F.linear(x.to(_F64), qw.to(_F64)).to(_F32)
    if acc_bias is not None:
        acc = acc + acc_bias
    lo_c, hi_c = attrs["min_calib_range"], attrs["max_calib_range"]
    dev = data.device
    if attrs["enable_float_output"]:
        y = acc * (1.0 / data_scale / w_scale)
        y = y if act is None else _eltwise(y, act)
        return y.reshape(*lead, -1)
    if lo_c is not None and hi_c is not None:
        out_lo, out_hi = _f32(lo_c, dev), _f32(hi_c, dev)
        out_dtype = torch.uint8 if _nonneg(act) else torch.int8
        out_scale = quantize_scale(out_dtype, out_lo, out_hi)
        if act is not None:
            y = _eltwise(acc * (1.0 / data_scale / w_scale), act) * out_scale
        else:
            y = acc * (out_scale / data_scale / w_scale)
        y = _round_sat(y, out_dtype)
    else:
        out_lo, out_hi = range_of_product(
            w_lo, w_hi, d_lo, d_hi, data.dtype == torch.uint8
        )
        y = _round_sat(acc, torch.int32)
    return y.reshape(*lead, -1), out_lo.reshape(1), out_hi.reshape(1)


# --------------------------------------------------------------------------- pooling
def _quantized_pooling(data, min_data, max_data, **a):
    op = "_contrib_quantized_pooling"
    if data.dtype not in (torch.int8, torch.uint8):
        raise MXNetError(
            f"Operator {op}: data must be int8 or uint8 (the output of a quantized "
            f"operator), got {data.dtype}."
        )
    if a["pool_type"] not in ("max", "avg"):
        raise MXNetError(
            f"Operator {op}: pool_type must be 'max' or 'avg', got {a['pool_type']!r}."
        )
    # max is exact in float; avg divides exact integer sums in float64 and
    # rounds half to even, as oneDNN's integer average pooling rounds.
    x = data.to(_F32 if a["pool_type"] == "max" else _F64)
    y = _pooling(x, **a)
    lo, hi = _LIMITS[data.dtype]
    out = torch.round(y).clamp(lo, hi).to(data.dtype)
    return (
        out,
        _scalar(op, "min_data", min_data).reshape(1),
        _scalar(op, "max_data", max_data).reshape(1),
    )


def _range_pass_infer(rule):
    def infer(in_shapes: list, attrs: dict):
        ins, outs = rule([in_shapes[0]], attrs)
        return [ins[0], (1,), (1,)], [outs[0], (1,), (1,)]

    return infer


def _int_data_types(op: str):
    def infer(in_types: list, attrs: dict):
        t = in_types[0]
        if t is not None and t not in ("int8", "uint8"):
            raise MXNetError(f"Operator {op}: data must be int8 or uint8, got {t}.")
        return [t, "float32", "float32"], [t, "float32", "float32"]

    return infer


register(
    OpDef(
        "_contrib_quantized_pooling",
        _quantized_pooling,
        inputs=("data", "min_data", "max_data"),
        params=_get_op("Pooling").params,
        num_outputs=3,
        output_names=("output", "min_output", "max_output"),
        infer_shape=_range_pass_infer(_pool_infer),
        infer_type=_int_data_types("_contrib_quantized_pooling"),
        same_dtype=False,
        dtype_free_inputs=("data",),
        doc="Pooling of int8 / uint8 data (max, or avg rounded half to even); the "
        "range passes through.",
    )
)


def _quantized_flatten(data, min_data, max_data):
    op = "_contrib_quantized_flatten"
    out = data.reshape(data.shape[0], -1) if data.dim() else data.reshape(1, 1)
    return (
        out.clone(),
        _scalar(op, "min_data", min_data).reshape(1),
        _scalar(op, "max_data", max_data).reshape(1),
    )


def _flatten_infer(in_shapes: list, attrs: dict):
    s = in_shapes[0]
    if s is None:
        return in_shapes, [None]
    rest = math.prod(s[1:]) if all(d is not None for d in s[1:]) else None
    return in_shapes, [(s[0], rest) if s else (1, 1)]


register(
    OpDef(
        "_contrib_quantized_flatten",
        _quantized_flatten,
        inputs=("data", "min_data", "max_data"),
        num_outputs=3,
        output_names=("output", "min_output", "max_output"),
        infer_shape=_range_pass_infer(_flatten_infer),
        infer_type=_int_data_types("_contrib_quantized_flatten"),
        same_dtype=False,
        dtype_free_inputs=("data",),
        doc="Flatten int8 / uint8 data to 2-D; the range passes through.",
    )
)


# --------------------------------------------------------------------------- concat
def _quantized_concat(*tensors, num_args: int, dim: int = 1):
    """MXNet's oneDNN ``_contrib_quantized_concat``: the output range is the
    widest of the inputs' (with 0 inside), the output int8 when any input is
    int8 (else uint8), and each input whose scale differs is rescaled by
    ``out_scale / in_scale`` (float32, rounded half to even, saturated)."""
    op = "_contrib_quantized_concat"
    if len(tensors) != 3 * num_args:
        raise MXNetError(
            f"Operator {op}: num_args={num_args} needs {3 * num_args} inputs (the "
            f"arrays, then each one's min and max), got {len(tensors)}."
        )
    data = tensors[:num_args]
    for i, d in enumerate(data):
        if d.dtype not in (torch.int8, torch.uint8):
            raise MXNetError(
                f"Operator {op}: input {i} must be int8 or uint8, got {d.dtype}."
            )
    lows = [
        _scalar(op, f"arg{i}_min", tensors[num_args + 2 * i]) for i in range(num_args)
    ]
    highs = [
        _scalar(op, f"arg{i}_max", tensors[num_args + 2 * i + 1])
        for i in range(num_args)
    ]
    zero = torch.zeros((), dtype=_F32, device=data[0].device)
    out_lo = torch.minimum(torch.stack(lows).amin(), zero)
    out_hi = torch.maximum(torch.stack(highs).amax(), zero)
    out_dtype = torch.int8 if any(d.dtype == torch.int8 for d in data) else torch.uint8
    out_scale = quantize_scale(out_dtype, out_lo, out_hi)
    parts = []
    for d, lo, hi in zip(data, lows, highs, strict=True):
        in_scale = quantize_scale(d.dtype, lo, hi)
        if bool(in_scale == out_scale) and d.dtype == out_dtype:
            parts.append(d)
        else:
            parts.append(_round_sat(d.to(_F32) * (out_scale / in_scale), out_dtype))
    return torch.cat(parts, dim), out_lo.reshape(1), out_hi.reshape(1)


def _concat_infer(in_shapes: list, attrs: dict):
    n = attrs["num_args"]
    ins, outs = _get_op("Concat").run_infer_shape(list(in_shapes[:n]), attrs)
    return list(ins) + [(1,)] * (2 * n), [outs[0], (1,), (1,)]


def _concat_types(in_types: list, attrs: dict):
    n = attrs["num_args"]
    data = list(in_types[:n])
    for i, t in enumerate(data):
        if t is not None and t not in ("int8", "uint8"):
            raise MXNetError(
                f"Operator _contrib_quantized_concat: input {i} must be int8 or "
                f"uint8, got {t}."
            )
    if any(t is None for t in data):
        out = None
    else:
        out = "int8" if "int8" in data else "uint8"
    return data + ["float32"] * (2 * n), [out, "float32", "float32"]


register(
    OpDef(
        "_contrib_quantized_concat",
        _quantized_concat,
        # The arrays, then each one's min and max: 3 * num_args inputs.
        inputs=("data",),
        variadic=True,
        params=_get_op("Concat").params,
        num_outputs=3,
        output_names=("output", "min_output", "max_output"),
        infer_shape=_concat_infer,
        infer_type=_concat_types,
        same_dtype=False,
        dtype_free_inputs=("data",),
        doc="Concat of int8 / uint8 arrays, rescaled to the widest of their ranges.",
    )
)
