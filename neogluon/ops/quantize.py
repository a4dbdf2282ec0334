"""Operator family: int8 / uint8 quantization (``_contrib_quantize``,
``_contrib_quantize_v2``, ``_contrib_dequantize``, ``_contrib_requantize``,
``_contrib_calibrate_entropy``).

Follows what MXNet 1.9.1's CPU wheel (built with oneDNN) computes, which is the
oneDNN path of ``src/operator/quantization/mkldnn/``, not the plain kernels of
``quantize-inl.h``. Every value is ``round_half_even(x * scale)`` saturated to
the output type, in float32:

* ``quantize(data, min_range, max_range, out_type)``: ``r = max(|min|, |max|)``;
  int8: ``scale = 127 / r``, outputs ``(q, -r, r)``; uint8: ``scale = 255 / r``
  (negative values saturate to 0), outputs ``(q, min_range, max_range)``.
* ``quantize_v2(data, out_type, min_calib_range, max_calib_range)``: the range
  is the calibration range when both are given, else the data's min and max;
  int8 uses ``127.5 / r`` and outputs ``(-r, r)``; uint8 uses ``255.5 / r`` and
  outputs the range itself. ``'auto'`` means uint8 when a calibration range is
  given and its minimum is ``>= 0``, int8 otherwise. int8/uint8 data passes
  through unchanged with the calibration range, or ``(-127.5, 127.5)`` /
  ``(0, 255.5)`` without one.
* ``dequantize(data, min_range, max_range)``: ``data * r / 127.5`` for int8 and
  ``data * r / 255.5`` for uint8 data, ``r = max(|min|, |max|)``.
* ``requantize(data, min_range, max_range, out_type, min_calib_range,
  max_calib_range)``: int32 data, whose range is ``max(|min|, |max|) = r_in``
  at 2**31, rescaled by ``(r_in / 2**31) * (127 / r)`` (int8, outputs
  ``(-r, r)``) or ``(r_in / 2**31) * (255 / r)`` (uint8, outputs ``(0, r)``);
  ``r`` is ``max(|min_calib|, |max_calib|)``, or ``max|data| * r_in / 2**31``
  without a calibration range. ``out_type`` resolves as for ``quantize_v2``.

Gradients are zeros, as MXNet's (``MakeZeroGradNodes``); the integer outputs
carry none at all.

Differences from MXNet, on purpose:

* A zero range (``max(|min|, |max|) == 0``) uses the scale 2147483647 (MXNet's
  ``GetQuantizeScale``), so zeros quantize to 0; oneDNN divides by zero there.
* ``requantize`` without calibration on data with a value of magnitude
  ``>= 2**31 - 64``: MXNet overflows (float 2**31 cast to int32, a negative
  range); here the magnitude is capped at ``2**31 - 1``.
* ``quantize_v2`` on int8/uint8 data with an ``out_type`` of the other integer
  type raises :class:`~neogluon.base.MXNetError` instead of copying the bytes.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .._text import fmt_shape
from ..base import MXNetError
from .contrib_vision import _zero_grad_link
from .registry import OpDef
from .registry import P
from .registry import ShapeError
from .registry import register

_INT8_RANGE_V2 = 127.5  # MXNet's kInt8Range
_UINT8_RANGE_V2 = 255.5  # MXNet's kUint8Range
_ZERO_RANGE_SCALE = 2147483647.0
_LIMITS = {"int8": (-128, 127), "uint8": (0, 255)}
_TORCH = {"int8": torch.int8, "uint8": torch.uint8}


def _scalar_range(op: str, name: str, t: torch.Tensor) -> torch.Tensor:
    if t.numel() != 1:
        raise ShapeError(
            f"Operator {op}: {name} must hold one value (shape (1,)), got shape "
            f"{fmt_shape(tuple(t.shape))}."
        )
    if t.dtype != torch.float32:
        raise MXNetError(f"Operator {op}: {name} must be float32, got {t.dtype}.")
    return t.detach().reshape(())


def _saturate(data: torch.Tensor, scale: torch.Tensor, out_type: str) -> torch.Tensor:
    """``round_half_even(data * scale)`` clipped to ``out_type``, in float32."""
    lo, hi = _LIMITS[out_type]
    q = torch.round(data.detach().to(torch.float32) * scale).clamp(lo, hi)
    return q.to(_TORCH[out_type])


def _scale(quantized_range: float, real_range: torch.Tensor) -> torch.Tensor:
    qr = torch.tensor(quantized_range, dtype=torch.float32, device=real_range.device)
    safe = torch.where(real_range == 0, torch.ones_like(real_range), real_range)
    return torch.where(
        real_range == 0, torch.full_like(real_range, _ZERO_RANGE_SCALE), qr / safe
    )


def _one(ref: torch.Tensor, value: torch.Tensor | float) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.reshape(1).to(torch.float32).clone()
    return torch.tensor([value], dtype=torch.float32, device=ref.device)


# --------------------------------------------------------------------------- quantize
def _quantize(
    data: torch.Tensor,
    min_range: torch.Tensor,
    max_range: torch.Tensor,
    out_type: str = "uint8",
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    op = "_contrib_quantize"
    if data.dtype != torch.float32:
        raise MXNetError(f"Operator {op}: data must be float32, got {data.dtype}.")
    mn = _scalar_range(op, "min_range", min_range)
    mx = _scalar_range(op, "max_range", max_range)
    real = torch.maximum(mn.abs(), mx.abs())
    if out_type == "int8":
        q = _saturate(data, _scale(127.0, real), "int8")
        omin, omax = -real, real
    else:
        q = _saturate(data, _scale(255.0, real), "uint8")
        omin, omax = mn, mx
    ins = (data, min_range, max_range)
    return (
        q,
        _zero_grad_link(_one(data, omin), *ins),
        _zero_grad_link(_one(data, omax), *ins),
    )


def _range_inputs_infer(op: str, in_shapes: list, num_outputs: int):
    d = in_shapes[0]
    fixed = [d]
    for name, s in zip(("min_range", "max_range"), in_shapes[1:], strict=False):
        if s is not None and s not in ((1,), (0,)):
            raise ShapeError(
                f"Operator {op}: {name} must have shape (1,), got {fmt_shape(s)}."
            )
        fixed.append((1,))
    outs = [d] + [(1,)] * (num_outputs - 1)
    return fixed, outs


def _quantize_infer_type(in_types: list, attrs: dict):
    return (
        ["float32", "float32", "float32"],
        [attrs["out_type"], "float32", "float32"],
    )


register(
    OpDef(
        "_contrib_quantize",
        _quantize,
        inputs=("data", "min_range", "max_range"),
        params=(
            P("out_type", "str", "uint8", "Output type.", choices=("int8", "uint8")),
        ),
        num_outputs=3,
        infer_shape=lambda s, a: _range_inputs_infer("_contrib_quantize", s, 3),
        infer_type=_quantize_infer_type,
        same_dtype=False,
        doc="Quantize float32 data to int8 (symmetric, 127 / max|range|) or uint8 "
        "(255 / max|range|); returns (quantized, min_range, max_range).",
    )
)


# --------------------------------------------------------------------------- quantize_v2
def _v2_out_type(attrs: dict) -> str:
    out_type = attrs["out_type"]
    if out_type != "auto":
        return out_type
    lo, hi = attrs.get("min_calib_range"), attrs.get("max_calib_range")
    if lo is not None and hi is not None and lo >= 0.0:
        return "uint8"
    return "int8"


def _quantize_v2(
    data: torch.Tensor,
    out_type: str = "int8",
    min_calib_range: float | None = None,
    max_calib_range: float | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    op = "_contrib_quantize_v2"
    attrs = {
        "out_type": out_type,
        "min_calib_range": min_calib_range,
        "max_calib_range": max_calib_range,
    }
    dst = _v2_out_type(attrs)
    calibrated = min_calib_range is not None and max_calib_range is not None
    if data.dtype in (torch.int8, torch.uint8):
        src = "int8" if data.dtype == torch.int8 else "uint8"
        if src != dst:
            raise MXNetError(
                f"Operator {op}: data is already {src} but out_type resolves to "
                f"{dst}; quantized data only passes through unchanged. Use "
                f"out_type='{src}', or dequantize first."
            )
        if calibrated:
            lo, hi = float(min_calib_range), float(max_calib_range)
        elif src == "uint8":
            lo, hi = 0.0, _UINT8_RANGE_V2
        else:
            lo, hi = -_INT8_RANGE_V2, _INT8_RANGE_V2
        return data.detach().clone(), _one(data, lo), _one(data, hi)
    if data.dtype != torch.float32:
        raise MXNetError(
            f"Operator {op}: data must be float32, int8 or uint8, got {data.dtype}."
        )
    if calibrated:
        mn = torch.tensor(min_calib_range, dtype=torch.float32, device=data.device)
        mx = torch.tensor(max_calib_range, dtype=torch.float32, device=data.device)
    elif data.numel() == 0:
        fmax = torch.finfo(torch.float32).max
        mn = torch.tensor(fmax, dtype=torch.float32, device=data.device)
        mx = -mn
    else:
        d = data.detach()
        mn, mx = d.min(), d.max()
    real = torch.maximum(mn.abs(), mx.abs())
    if dst == "int8":
        q = _saturate(data, _scale(_INT8_RANGE_V2, real), "int8")
        omin, omax = -real, real
    else:
        q = _saturate(data, _scale(_UINT8_RANGE_V2, real), "uint8")
        omin, omax = mn, mx
    return (
        q,
        _zero_grad_link(_one(data, omin), data),
        _zero_grad_link(_one(data, omax), data),
    )


def _quantize_v2_infer_type(in_types: list, attrs: dict):
    t = in_types[0]
    if t is not None and t not in ("float32", "int8", "uint8"):
        raise MXNetError(
            f"Operator _contrib_quantize_v2: data must be float32, int8 or uint8, "
            f"got {t}."
        )
    return [t], [_v2_out_type(attrs), "float32", "float32"]


register(
    OpDef(
        "_contrib_quantize_v2",
        _quantize_v2,
        inputs=("data",),
        params=(
            P(
                "out_type",
                "str",
                "int8",
                "Output type; 'auto' picks uint8 for a calibration range >= 0.",
                choices=("auto", "int8", "uint8"),
            ),
            P("min_calib_range", "float", None, "Calibrated minimum (optional)."),
            P("max_calib_range", "float", None, "Calibrated maximum (optional)."),
        ),
        num_outputs=3,
        infer_shape=lambda s, a: ([s[0]], [s[0], (1,), (1,)]),
        infer_type=_quantize_v2_infer_type,
        same_dtype=False,
        doc="Quantize float32 data to int8 / uint8 with a calibration range or the "
        "data's own range; returns (quantized, min_range, max_range).",
    )
)


# --------------------------------------------------------------------------- dequantize
def _dequantize(
    data: torch.Tensor,
    min_range: torch.Tensor,
    max_range: torch.Tensor,
    out_type: str = "float32",
) -> torch.Tensor:
    op = "_contrib_dequantize"
    if data.dtype == torch.int8:
        qr = _INT8_RANGE_V2
    elif data.dtype == torch.uint8:
        qr = _UINT8_RANGE_V2
    else:
        raise MXNetError(
            f"Operator {op}: data must be int8 or uint8 (the output of quantize), "
            f"got {data.dtype}."
        )
    mn = _scalar_range(op, "min_range", min_range)
    mx = _scalar_range(op, "max_range", max_range)
    real = torch.maximum(mn.abs(), mx.abs())
    scale = real / torch.tensor(qr, dtype=torch.float32, device=real.device)
    out = data.to(torch.float32) * scale
    return _zero_grad_link(out, min_range, max_range)


def _dequantize_infer_type(in_types: list, attrs: dict):
    t = in_types[0]
    if t is not None and t not in ("int8", "uint8"):
        raise MXNetError(
            f"Operator _contrib_dequantize: data must be int8 or uint8, got {t}."
        )
    return [t, "float32", "float32"], ["float32"]


register(
    OpDef(
        "_contrib_dequantize",
        _dequantize,
        inputs=("data", "min_range", "max_range"),
        params=(P("out_type", "str", "float32", "Output type.", choices=("float32",)),),
        infer_shape=lambda s, a: _range_inputs_infer("_contrib_dequantize", s, 1),
        infer_type=_dequantize_infer_type,
        same_dtype=False,
        dtype_free_inputs=("data",),
        doc="Dequantize int8 / uint8 data to float32 with the range "
        "max(|min_range|, |max_range|).",
    )
)


# --------------------------------------------------------------------------- requantize
def _requantize(
    data: torch.Tensor,
    min_range: torch.Tensor,
    max_range: torch.Tensor,
    out_type: str = "int8",
    min_calib_range: float | None = None,
    max_calib_range: float | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    op = "_contrib_requantize"
    if data.dtype != torch.int32:
        raise MXNetError(
            f"Operator {op}: data must be int32 (the output of a quantized "
            f"operator), got {data.dtype}."
        )
    mn = _scalar_range(op, "min_range", min_range)
    mx = _scalar_range(op, "max_range", max_range)
    f32 = torch.float32
    dev = data.device
    int32_range = torch.tensor(2147483647.0, dtype=f32, device=dev)  # 2**31 in f32
    in_real = torch.maximum(mn.abs(), mx.abs())
    if min_calib_range is not None and max_calib_range is not None:
        lo = torch.tensor(min_calib_range, dtype=f32, device=dev)
        hi = torch.tensor(max_calib_range, dtype=f32, device=dev)
        real = torch.maximum(lo.abs(), hi.abs())
    else:
        # The data's largest magnitude, as MXNet rounds it: int32 -> float32 ->
        # int32 (capped at 2**31 - 1, where MXNet overflows), then times the
        # input range over 2**31, in float32.
        d = data.detach()
        if d.numel() == 0:
            peak = torch.zeros((), dtype=f32, device=dev)
        else:
            peak = torch.maximum(d.min().to(f32).abs(), d.max().to(f32).abs())
        peak = peak.to(torch.float64).clamp(max=2147483647.0).to(torch.int32).to(f32)
        real = peak * in_real / int32_range
    dst = _v2_out_type(
        {
            "out_type": out_type,
            "min_calib_range": min_calib_range,
            "max_calib_range": max_calib_range,
        }
    )
    first = in_real / int32_range
    if dst == "int8":
        second = _scale(127.0, real)
        omin, omax = -real, real
    else:
        second = _scale(255.0, real)
        omin, omax = torch.zeros_like(real), real
    q = _saturate(data, first * second, dst)
    ins = (min_range, max_range)
    return (
        q,
        _zero_grad_link(_one(data, omin), *ins),
        _zero_grad_link(_one(data, omax), *ins),
    )


def _requantize_infer_type(in_types: list, attrs: dict):
    t = in_types[0]
    if t is not None and t != "int32":
        raise MXNetError(f"Operator _contrib_requantize: data must be int32, got {t}.")
    return ["int32", "float32", "float32"], [_v2_out_type(attrs), "float32", "float32"]


register(
    OpDef(
        "_contrib_requantize",
        _requantize,
        inputs=("data", "min_range", "max_range"),
        params=(
            P(
                "out_type",
                "str",
                "int8",
                "Output type; 'auto' picks uint8 for a calibration range >= 0.",
                choices=("auto", "int8", "uint8"),
            ),
            P("min_calib_range", "float", None, "Calibrated minimum (optional)."),
            P("max_calib_range", "float", None, "Calibrated maximum (optional)."),
        ),
        num_outputs=3,
        infer_shape=lambda s, a: _range_inputs_infer("_contrib_requantize", s, 3),
        infer_type=_requantize_infer_type,
        same_dtype=False,
        dtype_free_inputs=("data",),
        doc="Requantize int32 data with range (min_range, max_range) to int8 / "
        "uint8 with the calibration range or the data's own range.",
    )
)


# --------------------------------------------------------------------------- calibrate_entropy
_F32 = np.float32


def _smooth(p: np.ndarray) -> np.ndarray | None:
    """MXNet's ``SmoothDistribution`` in float32: zeros become 0.0001, taken
    evenly off the other entries; None when every entry is 0 or that is
    impossible."""
    eps = _F32(0.0001)
    zeros = p == 0
    n_zeros = int(zeros.sum())
    n_nonzeros = p.size - n_zeros
    if not n_nonzeros:
        return None
    eps1 = _F32(eps * _F32(n_zeros) / _F32(n_nonzeros))
    if eps1 >= 1.0:
        return None
    return p + (eps * zeros.astype(_F32) - eps1 * (~zeros).astype(_F32))


def _seq_sum(x: np.ndarray) -> np.float32:
    """A float32 sum in index order (C++'s ``std::accumulate``)."""
    return np.cumsum(x, dtype=_F32)[-1]


def optimal_threshold(
    hist: np.ndarray, edges: np.ndarray, num_quantized_bins: int = 255
) -> tuple[float, float]:
    """``(threshold, divergence)`` minimising the KL divergence between the
    histogram clipped at ``±threshold`` and its ``num_quantized_bins``-bin
    quantization: MXNet's ``_contrib_calibrate_entropy``, in its float32
    arithmetic and summation order, so the argmin is MXNet's even where the
    divergence curve is flat.

    Thresholds are the bin edges ``edges[zero + i + 1]`` for ``i`` from
    ``num_quantized_bins // 2`` to the middle bin ``zero``; the clipped
    distribution ``p`` keeps the outliers in its two end bins. Bin counts are
    summed exactly (MXNet sums them in float32, which is exact below 2**24
    values).
    """
    num_bins = hist.size
    zero = num_bins // 2
    half = num_quantized_bins // 2
    counts = np.rint(hist).astype(np.int64)
    cum = np.concatenate([[0], np.cumsum(counts)])
    best_div, best_th = _F32(np.inf), math.nan
    for i in range(half, zero + 1):
        start, stop = zero - i, zero + i + 1
        sliced = counts[start:stop].copy()
        sliced[0] = 0
        p = sliced.astype(_F32)
        p[0] = cum[start + 1]
        p[-1] = cum[num_bins] - cum[stop - 1]
        merged = sliced.size // num_quantized_bins
        bounds = np.arange(num_quantized_bins + 1) * merged
        bounds[-1] = sliced.size
        csum = np.concatenate([[0], np.cumsum(sliced)])
        nonzero = np.concatenate([[0], np.cumsum(sliced != 0)])
        seg_sum = (csum[bounds[1:]] - csum[bounds[:-1]]).astype(_F32)
        seg_norm = nonzero[bounds[1:]] - nonzero[bounds[:-1]]
        seg_val = seg_sum / np.maximum(seg_norm, 1).astype(_F32)
        seg_of = np.repeat(np.arange(num_quantized_bins), np.diff(bounds))
        q = np.where((p != 0) & (seg_norm[seg_of] > 0), seg_val[seg_of], _F32(0))
        ps, qs = _smooth(p), _smooth(q.astype(_F32))
        if ps is None or qs is None:
            div = _F32(np.inf)
        else:
            ps = ps / _seq_sum(ps)
            qs = qs / _seq_sum(qs)
            div = _seq_sum(ps * np.log(ps / qs))
        if div < best_div or math.isnan(best_th):
            best_div, best_th = div, float(edges[stop])
    return best_th, float(best_div)


def _calibrate_entropy(
    hist: torch.Tensor, hist_edges: torch.Tensor, num_quantized_bins: int = 255
) -> tuple[torch.Tensor, torch.Tensor]:
    op = "_contrib_calibrate_entropy"
    n = hist.numel()
    if hist.dim() != 1 or hist_edges.dim() != 1 or hist_edges.numel() != n + 1:
        raise ShapeError(
            f"Operator {op}: hist must be 1-D with N bins and hist_edges 1-D with "
            f"N + 1 edges, got {fmt_shape(tuple(hist.shape))} and "
            f"{fmt_shape(tuple(hist_edges.shape))}."
        )
    if n % 2 != 1 or num_quantized_bins > n:
        raise MXNetError(
            f"Operator {op}: the histogram needs an odd number of bins (centred on "
            f"0) and at least num_quantized_bins={num_quantized_bins}, got {n}."
        )
    th, div = optimal_threshold(
        hist.detach().cpu().numpy(),
        hist_edges.detach().cpu().numpy(),
        num_quantized_bins,
    )
    dev = hist.device
    return (
        torch.tensor([th], dtype=torch.float32, device=dev),
        torch.tensor([div], dtype=torch.float32, device=dev),
    )


register(
    OpDef(
        "_contrib_calibrate_entropy",
        _calibrate_entropy,
        inputs=("hist", "hist_edges"),
        params=(P("num_quantized_bins", "int", 255, "The number of quantized bins."),),
        num_outputs=2,
        infer_shape=lambda s, a: (s, [(1,), (1,)]),
        infer_type=lambda t, a: (["float32", "float32"], ["float32", "float32"]),
        cse=True,
        doc="The threshold (and its KL divergence) that best quantizes a histogram "
        "symmetric around 0 into num_quantized_bins bins (entropy calibration).",
    )
)
