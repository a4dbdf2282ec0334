"""Operator family: MXNet's legacy and internal operators (Crop, SVMOutput,
IdentityAttachKLSparseReg, BatchNorm_v1, Convolution_v1, Pooling_v1,
choose/fill_element_0index, amp_multicast, _CrossDeviceCopy, slice assignment,
...) and small gaps (moments, round_ste/sign_ste, allclose, im2col/col2im).

Conventions follow registry.py. Output operators (SVMOutput) and the sparse
regularizer have MXNet's special backward: the gradient is computed from the
output and label (SVMOutput ignores the head gradient).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F  # noqa: N812

from .._dtypes import dtype_name
from .._dtypes import to_torch_dtype
from .._text import fmt_shape
from ..base import MXNetError
from . import indexing  # noqa: F401 - registers pick (aliased below)
from . import registry as _registry
from . import shape as _shape_ops  # noqa: F401 - registers Concat (reused below)
from .contrib_vision import legacy_batch_norm
from .elemwise import round_half_away
from .elemwise import same_shape_infer
from .nn import _bn_infer
from .nn import _conv_infer
from .nn import _convolution
from .nn import _merge
from .nn import _pool_infer
from .nn import _pooling
from .registry import REQUIRED
from .registry import OpDef
from .registry import P
from .registry import ShapeError
from .registry import register


def _alias(alias: str, target: str) -> None:
    """Make ``alias`` another name of the registered op ``target`` (MXNet's
    ``add_alias``: graphs record the target's name)."""
    op = _registry.get(target)
    if _registry.find(alias) is not None:
        raise ValueError(f"operator {alias!r} registered twice")
    _registry._OPS[alias] = op  # noqa: SLF001 - the registry's own table


_alias("choose_element_0index", "pick")


def _identity_infer(in_shapes, attrs, out_shapes=None):
    s = in_shapes[0]
    if s is None and out_shapes and out_shapes[0] is not None:
        s = tuple(out_shapes[0])
    return [s, *in_shapes[1:]], [s]


# --------------------------------------------------------------------------- Crop
def _crop_offsets(op, dshape, h, w, a):
    H, W = dshape[2], dshape[3]
    if h > H or w > W:
        raise MXNetError(
            f"Operator {op}: crop size ({h}, {w}) is larger than the data's "
            f"spatial size ({H}, {W})."
        )
    if a["center_crop"]:
        return (H - h) // 2, (W - w) // 2
    oy, ox = (tuple(a["offset"]) + (0, 0))[:2]
    if oy < 0 or ox < 0 or oy > H - h or ox > W - w:
        raise MXNetError(
            f"Operator {op}: offset ({oy}, {ox}) is outside [0, {H - h}] x "
            f"[0, {W - w}] for crop ({h}, {w}) of data {tuple(dshape)}."
        )
    return oy, ox


def _crop_size(op, shapes, a):
    if a["num_args"] == 2:
        like = shapes[1]
        if like is None:
            return None
        if len(like) != 4:
            raise ShapeError(f"Operator {op}: crop_like {fmt_shape(like)} must be 4-D.")
        return like[2], like[3]
    h, w = (tuple(a["h_w"]) + (0, 0))[:2]
    if h < 1 or w < 1:
        raise ShapeError(f"Operator {op}: h_w=({h}, {w}) must both be >= 1.")
    return h, w


def _crop(*data, num_args=REQUIRED, offset=(0, 0), h_w=(0, 0), center_crop=False):
    x = data[0]
    if x.dim() != 4:
        raise MXNetError(f"Operator Crop: data must be 4-D, got {tuple(x.shape)}.")
    a = {"num_args": num_args, "offset": offset, "h_w": h_w, "center_crop": center_crop}
    h, w = _crop_size("Crop", [tuple(d.shape) for d in data], a)
    oy, ox = _crop_offsets("Crop", tuple(x.shape), h, w, a)
    return x[:, :, oy : oy + h, ox : ox + w]


def _crop_infer(in_shapes, attrs, out_shapes=None):
    d = in_shapes[0]
    if d is None:
        return in_shapes, [None]
    if len(d) != 4:
        raise ShapeError(
            f"Operator Crop: data {fmt_shape(d)} must be 4-D (N, C, H, W)."
        )
    hw = _crop_size("Crop", in_shapes, attrs)
    if hw is None:
        return in_shapes, [None]
    return in_shapes, [(d[0], d[1], *hw)]


register(
    OpDef(
        "Crop",
        _crop,
        inputs=("arg",),
        variadic=True,
        num_args_attr="num_args",
        params=(
            P("num_args", "int", REQUIRED, "1: crop to h_w; 2: crop like arg1."),
            P("offset", "shape", (0, 0), "Top-left corner (y, x) of the crop."),
            P("h_w", "shape", (0, 0), "Crop height and width (num_args=1)."),
            P("center_crop", "bool", False, "Center the crop (ignores offset)."),
        ),
        same_dtype=False,
        infer_shape=_crop_infer,
        returns_view=True,
        doc=(
            "Crop the H, W axes of 4-D data to h_w or to the spatial size of a "
            "second input; that input gets a zero gradient."
        ),
        cse=False,
    )
)


# --------------------------------------------------------------------------- SVMOutput
class _SVMOutputFn(torch.autograd.Function):
    """Identity forward; MXNet's L1/L2 hinge gradient, head gradient ignored."""

    @staticmethod
    def forward(ctx, data, label, margin, coef, linear):
        ctx.save_for_backward(data, label)
        ctx.args = (margin, coef, linear)
        return data.clone()

    @staticmethod
    def backward(ctx, grad):
        out, label = ctx.saved_tensors
        margin, coef, linear = ctx.args
        src = out.reshape(-1, out.shape[-1])  # mshadow's FlatTo2D
        k = label.reshape(-1).to(torch.int64)
        onehot = F.one_hot(k.clamp(0, src.shape[1] - 1), src.shape[1]).to(torch.bool)
        onehot &= (k >= 0)[:, None] & (k < src.shape[1])[:, None]
        if linear:
            g = torch.where(
                onehot, -(margin > src).to(src.dtype), (margin > -src).to(src.dtype)
            )
        else:
            g = torch.where(
                onehot,
                torch.where(margin > src, 2 * (margin - src), torch.zeros_like(src)),
                torch.where(margin > -src, -2 * (margin + src), torch.zeros_like(src)),
            )
            g = -g
        return (g * coef).reshape(out.shape), None, None, None, None


def _svm_output(
    data, label, margin=1.0, regularization_coefficient=1.0, use_linear=False
):
    return _SVMOutputFn.apply(
        data, label, margin, regularization_coefficient, use_linear
    )


def _svm_infer(in_shapes, attrs, out_shapes=None):
    d, lab = in_shapes
    if d is not None:
        lab = _merge("SVMOutput", "label", lab, tuple(d[:-1]))
    return [d, lab], [d]


register(
    OpDef(
        "SVMOutput",
        _svm_output,
        inputs=("data", "label"),
        params=(
            P("margin", "float", 1.0, "Margin of the hinge."),
            P("regularization_coefficient", "float", 1.0, "Scales the gradient."),
            P("use_linear", "bool", False, "L1 hinge (default: squared, L2)."),
        ),
        infer_shape=_svm_infer,
        dtype_free_inputs=("label",),
        doc=(
            "Support vector machine output: forward is the identity; the gradient "
            "is the (squared) hinge loss's for integer labels over the last axis, "
            "times regularization_coefficient; the head gradient is ignored."
        ),
        cse=False,
    )
)


# --------------------------------------------------------------------------- IdentityAttachKLSparseReg
class _KLSparseFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, data, moving_avg, rho, penalty, momentum):
        ctx.save_for_backward(data)
        ctx.avg = moving_avg
        ctx.args = (rho, penalty, momentum)
        return data.clone()

    @staticmethod
    def backward(ctx, grad):
        (data,) = ctx.saved_tensors
        rho, penalty, mom = ctx.args
        ma = ctx.avg
        flat = data.reshape(data.shape[0], -1)
        with torch.no_grad():
            ma.mul_(mom).add_(flat.mean(0).to(ma.dtype), alpha=1 - mom)
        m = ma.to(grad.dtype)
        reg = penalty * (-rho / m + (1 - rho) / (1 - m))
        g = grad.reshape(flat.shape) + reg[None, :]
        return g.reshape(data.shape), None, None, None, None


def _kl_sparse(data, moving_avg, sparseness_target=0.1, penalty=0.001, momentum=0.9):
    n = data[0].numel() if data.dim() else 0
    if moving_avg.numel() != n:
        raise MXNetError(
            f"Operator IdentityAttachKLSparseReg: moving_avg has {moving_avg.numel()} "
            f"values but the data of shape {tuple(data.shape)} has {n} features per "
            "sample; MXNet supports 2-D (N, features) data."
        )
    return _KLSparseFn.apply(data, moving_avg, sparseness_target, penalty, momentum)


def _kl_infer(in_shapes, attrs, out_shapes=None):
    d, ma = in_shapes
    if d is not None and len(d) >= 2:
        ma = _merge("IdentityAttachKLSparseReg", "moving_avg", ma, (d[1],))
    return [d, ma], [d]


register(
    OpDef(
        "IdentityAttachKLSparseReg",
        _kl_sparse,
        inputs=("data", "moving_avg"),
        params=(
            P("sparseness_target", "float", 0.1, "Target mean activation."),
            P("penalty", "float", 0.001, "Weight of the KL penalty."),
            P("momentum", "float", 0.9, "Momentum of the moving average."),
        ),
        aux=("moving_avg",),
        infer_shape=_kl_infer,
        dtype_free_inputs=("moving_avg",),
        doc=(
            "Identity whose gradient adds a KL-divergence sparseness penalty on the "
            "moving average of each feature's mean activation (updated in backward)."
        ),
    )
)


# --------------------------------------------------------------------------- BatchNorm_v1
def _bn_v1(data, gamma, beta, moving_mean, moving_var, **a):
    return legacy_batch_norm(
        "BatchNorm_v1", data, gamma, beta, moving_mean, moving_var, a, False
    )


def _bn_v1_type(in_types, attrs):
    t = next((x for x in in_types if x is not None), None)
    n = 3 if attrs["output_mean_var"] else 1
    if t is None:
        return in_types, [None] * n
    return [x or t for x in in_types], [t] * n


register(
    OpDef(
        "BatchNorm_v1",
        _bn_v1,
        inputs=("data", "gamma", "beta", "moving_mean", "moving_var"),
        params=(
            P("eps", "float", 1e-3, "Added to the variance."),
            P("momentum", "float", 0.9, "running = momentum*running + (1-m)*batch."),
            P("fix_gamma", "bool", True, "Treat gamma as 1 (zero gradient)."),
            P("use_global_stats", "bool", False, "Always use the running stats."),
            P("output_mean_var", "bool", False, "Also return mean and variance."),
        ),
        num_outputs=lambda a: 3 if a["output_mean_var"] else 1,
        num_total_outputs=3,
        output_names=("output", "mean", "var"),
        aux=("moving_mean", "moving_var"),
        infer_shape=lambda s, a, o=None: _bn_infer(s, {**a, "axis": 1}),
        infer_type=_bn_v1_type,
        dtype_free_inputs=("gamma", "beta", "moving_mean", "moving_var"),
        doc=(
            "Deprecated BatchNorm (channel axis 1): mean and biased variance "
            "outputs (the running stats when not training); running stats updated "
            "during backward."
        ),
    )
)


# --------------------------------------------------------------------------- Convolution_v1 / Pooling_v1
_CONV = _registry.get("Convolution")
register(
    OpDef(
        "Convolution_v1",
        _convolution,
        inputs=_CONV.inputs,
        params=tuple(
            P(
                "layout",
                "str",
                None,
                "Data layout.",
                (None, "NCHW", "NCDHW", "NHWC", "NDHWC"),
            )
            if p.name == "layout"
            else p
            for p in _CONV.params
        ),
        present_inputs=_CONV.present_inputs,
        infer_shape=_conv_infer,
        doc="Deprecated Convolution (same numbers as Convolution).",
        cse=False,
    )
)


def _pooling_v1(data, **a):
    pad = tuple(a["pad"] or ())
    if a["pool_type"] == "max" and any(pad) and not a["global_pool"]:
        # The v1 kernel max-pools over zero padding (Pooling uses -inf).
        n = data.dim() - 2
        pad = (pad * n)[:n] if len(pad) == 1 else pad
        data = F.pad(data, [v for p in reversed(pad) for v in (p, p)])
        a = {**a, "pad": (0,) * n}
    return _pooling(
        data, cudnn_off=False, p_value=None, count_include_pad=None, layout=None, **a
    )


def _pool_v1_infer(in_shapes, attrs, out_shapes=None):
    return _pool_infer(in_shapes, {**attrs, "layout": None})


register(
    OpDef(
        "Pooling_v1",
        _pooling_v1,
        params=(
            P("kernel", "shape", (), "Window size (ignored with global_pool)."),
            P("pool_type", "str", "max", "Pooling type.", ("avg", "max", "sum")),
            P("global_pool", "bool", False, "Pool over all spatial dims."),
            P(
                "pooling_convention",
                "str",
                "valid",
                "Output size rule.",
                ("full", "valid"),
            ),
            P("stride", "shape", (), "Stride; default 1 per dim."),
            P("pad", "shape", (), "Padding; default 0."),
        ),
        infer_shape=_pool_v1_infer,
        doc="Deprecated Pooling (max/avg/sum; avg divides by the full window).",
        cse=False,
    )
)


# --------------------------------------------------------------------------- fill_element_0index / _onehot_encode
def _fill_element_0index(lhs, mhs, rhs):
    if lhs.dim() != 2 or mhs.shape != (lhs.shape[0],) or rhs.shape != (lhs.shape[0],):
        raise MXNetError(
            f"Operator fill_element_0index: lhs must be (N, M) with mhs and rhs (N,), "
            f"got {tuple(lhs.shape)}, {tuple(mhs.shape)}, {tuple(rhs.shape)}."
        )
    out = lhs.clone()
    rows = torch.arange(lhs.shape[0], device=lhs.device)
    out[rows, rhs.to(torch.int64)] = mhs.to(lhs.dtype)
    return out


register(
    OpDef(
        "fill_element_0index",
        _fill_element_0index,
        inputs=("lhs", "mhs", "rhs"),
        infer_shape=lambda s, a, o=None: (s, [s[0]]),
        same_dtype=False,
        doc="Copy of lhs (N, M) with lhs[i, rhs[i]] = mhs[i] (0-based index).",
    )
)


def _onehot_encode(lhs, rhs):
    out = torch.zeros_like(rhs)
    rows = torch.arange(rhs.shape[0], device=rhs.device)
    out[rows, lhs.to(torch.int64)] = 1
    return out


register(
    OpDef(
        "_onehot_encode",
        _onehot_encode,
        inputs=("lhs", "rhs"),
        infer_shape=lambda s, a, o=None: (s, [s[1]]),
        same_dtype=False,
        doc="Deprecated one-hot: rows of rhs's shape with a 1 at lhs[i].",
    )
)


# --------------------------------------------------------------------------- amp_multicast
_LOW = ("float16", "bfloat16")


def _multicast_target(types, cast_narrow: bool):
    widest = "float32" if cast_narrow else types[0]
    for t in types:
        if not cast_narrow and t == "float32":
            widest = "float32"
        elif cast_narrow and t in _LOW:
            widest = t
    return widest


def _amp_multicast(*data, num_outputs=REQUIRED, cast_narrow=False):
    if len(data) != num_outputs:
        raise MXNetError(
            f"Operator amp_multicast: num_outputs={num_outputs} but {len(data)} "
            "inputs were given."
        )
    names = [dtype_name(d.dtype) for d in data]
    target = to_torch_dtype(_multicast_target(names, cast_narrow))
    return tuple(
        d.to(target) if n in ("float32", *_LOW) else d.clone()
        for d, n in zip(data, names, strict=True)
    )


def _amp_multicast_type(in_types, attrs):
    if any(t is None for t in in_types):
        return in_types, [None] * len(in_types)
    target = _multicast_target(in_types, attrs["cast_narrow"])
    return in_types, [target if t in ("float32", *_LOW) else t for t in in_types]


register(
    OpDef(
        "amp_multicast",
        _amp_multicast,
        inputs=("data_",),
        variadic=True,
        num_args_attr="num_outputs",
        params=(
            P("num_outputs", "int", REQUIRED, "Number of inputs and outputs."),
            P("cast_narrow", "bool", False, "Cast to the narrowest float instead."),
        ),
        num_outputs=lambda a: a["num_outputs"],
        same_dtype=False,
        infer_shape=lambda s, a, o=None: (s, list(s)),
        infer_type=_amp_multicast_type,
        doc=(
            "AMP cast of several arrays to their widest float type (float32 if any "
            "is float32, else the first input's), or with cast_narrow to the "
            "narrowest; non-float16/32 inputs pass unchanged. Gradients are cast "
            "back."
        ),
    )
)


# --------------------------------------------------------------------------- copies and assignment
def _copy(data):
    return data.clone()


for _name, _doc, _cse in (
    (
        "_CrossDeviceCopy",
        "Copy to the output's device (graph placement); a copy here.",
        False,  # a legacy stateful op in MXNet
    ),
    ("_copyto", "Copy of the input.", True),
):
    register(OpDef(_name, _copy, infer_shape=_identity_infer, cse=_cse, doc=_doc))


def _slices(shape, begin, end, step):
    n = len(begin)
    if n > len(shape) or len(end) != n or (step and len(step) != n):
        raise MXNetError(
            f"_slice_assign: begin {begin}, end {end}, step {step} do not fit data "
            f"of shape {tuple(shape)}."
        )
    st = step or (None,) * n
    return tuple(
        slice(b, e, s if s else None) for b, e, s in zip(begin, end, st, strict=True)
    )


def _slice_assign(lhs, rhs, begin=REQUIRED, end=REQUIRED, step=()):
    out = lhs.clone()
    idx = _slices(lhs.shape, begin, end, step)
    target = out[idx]
    if tuple(target.shape) != tuple(rhs.shape):
        raise MXNetError(
            f"_slice_assign: rhs has shape {tuple(rhs.shape)}, the slice "
            f"{begin}:{end}:{step} of {tuple(lhs.shape)} has {tuple(target.shape)}."
        )
    out[idx] = rhs
    return out


def _slice_assign_scalar(data, scalar=0.0, begin=REQUIRED, end=REQUIRED, step=()):
    out = data.clone()
    out[_slices(data.shape, begin, end, step)] = scalar
    return out


_SLICE_PARAMS = (
    P("begin", "shape", REQUIRED, "Start per axis (None: from the start)."),
    P("end", "shape", REQUIRED, "End per axis (None: to the end)."),
    P("step", "shape", (), "Step per axis."),
)
register(
    OpDef(
        "_slice_assign",
        _slice_assign,
        inputs=("lhs", "rhs"),
        params=_SLICE_PARAMS,
        aliases=("_crop_assign",),
        infer_shape=lambda s, a, o=None: (s, [s[0]]),
        doc="Copy of lhs with lhs[begin:end:step] = rhs.",
    )
)
register(
    OpDef(
        "_slice_assign_scalar",
        _slice_assign_scalar,
        params=(P("scalar", "float", 0.0, "The value assigned."), *_SLICE_PARAMS),
        aliases=("_crop_assign_scalar",),
        infer_shape=_identity_infer,
        doc="Copy of data with data[begin:end:step] = scalar.",
    )
)
register(
    OpDef(
        "_grad_add",
        lambda lhs, rhs: lhs + rhs,
        inputs=("lhs", "rhs"),
        infer_shape=same_shape_infer("_grad_add"),
        doc="lhs + rhs (used to accumulate gradients).",
    )
)


def _identity_like_rhs(lhs, rhs):
    return (
        lhs.clone() + (rhs.sum() * 0).to(lhs.dtype)
        if rhs.requires_grad
        else lhs.clone()
    )


register(
    OpDef(
        "_identity_with_attr_like_rhs",
        _identity_like_rhs,
        inputs=("lhs", "rhs"),
        same_dtype=False,
        # MXNet: ElemwiseShape<2, 1>, lhs, rhs and output share one shape (this
        # is what lets test_infer_shape's backward_infer fill the weight).
        infer_shape=same_shape_infer("_identity_with_attr_like_rhs"),
        doc="lhs, with rhs's attributes in graphs (rhs gets a zero gradient).",
    )
)

_CONCAT = _registry.get("Concat")
register(
    OpDef(
        "_rnn_param_concat",
        _CONCAT.kernel,
        inputs=_CONCAT.inputs,
        variadic=True,
        num_args_attr="num_args",
        params=_CONCAT.params,
        infer_shape=_CONCAT.infer_shape,
        doc="Concat of RNN parameters (as Concat).",
    )
)


# --------------------------------------------------------------------------- moments, STE, allclose
def _moments(data, axes=None, keepdims=False):
    dims = (
        tuple(range(data.dim()))
        if axes is None
        else tuple(a % data.dim() for a in axes)
    )
    var, mean = torch.var_mean(data, dims, correction=0, keepdim=keepdims)
    return mean, var


def _moments_infer(in_shapes, attrs, out_shapes=None):
    d = in_shapes[0]
    if d is None:
        return in_shapes, [None, None]
    axes = attrs["axes"]
    dims = set(range(len(d))) if axes is None else {a % len(d) for a in axes}
    if attrs["keepdims"]:
        out = tuple(1 if i in dims else v for i, v in enumerate(d))
    else:
        out = tuple(v for i, v in enumerate(d) if i not in dims)
    return in_shapes, [out, out]


register(
    OpDef(
        "moments",
        _moments,
        params=(
            P("axes", "axis", None, "Axes to reduce (MXNet requires them)."),
            P("keepdims", "bool", False, "Keep the reduced axes as size 1."),
        ),
        num_outputs=2,
        output_names=("output0", "output1"),
        infer_shape=_moments_infer,
        doc="Mean and (biased) variance over ``axes``.",
    )
)


def _ste(fn):
    def kernel(data):
        return data + (fn(data.detach()) - data.detach())

    return kernel


for _name, _fn, _doc in (
    ("_contrib_round_ste", round_half_away, "round (halves away from zero)"),
    ("_contrib_sign_ste", torch.sign, "sign"),
):
    register(
        OpDef(
            _name,
            _ste(_fn),
            infer_shape=same_shape_infer(_name),
            doc=f"Forward {_doc}; straight-through gradient (the identity's).",
        )
    )


def _allclose(a, b, rtol=1e-5, atol=1e-8, equal_nan=True):
    ok = torch.isclose(b, a, rtol=rtol, atol=atol, equal_nan=equal_nan).all()
    # A 0-d result, as MXNet 1.9.1 gives (also outside NumPy shape mode).
    return ok.to(torch.uint8).reshape(())


register(
    OpDef(
        "_contrib_allclose",
        _allclose,
        inputs=("a", "b"),
        params=(
            P("rtol", "float", 1e-5, "Relative tolerance."),
            P("atol", "float", 1e-8, "Absolute tolerance."),
            P("equal_nan", "bool", True, "NaNs compare equal."),
        ),
        infer_shape=lambda s, a, o=None: (s, [()]),
        infer_type=lambda t, a: (t, ["uint8"]),
        doc="0-d uint8: 1 if |a - b| <= atol + rtol * |b| everywhere.",
    )
)


# --------------------------------------------------------------------------- im2col / col2im
def _unfold_args(op, a, n):
    if len(a["kernel"]) != 2 or n != 2:
        raise MXNetError(
            f"Operator {op}: only 2-D kernels on (N, C, H, W) data are supported, "
            f"got kernel {a['kernel']}."
        )
    k = tuple(a["kernel"])
    return {
        "kernel_size": k,
        "stride": tuple(a["stride"] or (1, 1)),
        "dilation": tuple(a["dilate"] or (1, 1)),
        "padding": tuple(a["pad"] or (0, 0)),
    }


def _im2col(data, kernel=REQUIRED, stride=(), dilate=(), pad=()):
    a = {"kernel": kernel, "stride": stride, "dilate": dilate, "pad": pad}
    return F.unfold(data, **_unfold_args("im2col", a, data.dim() - 2))


def _col2im(data, output_size=REQUIRED, kernel=REQUIRED, stride=(), dilate=(), pad=()):
    a = {"kernel": kernel, "stride": stride, "dilate": dilate, "pad": pad}
    return F.fold(
        data, tuple(output_size), **_unfold_args("col2im", a, len(output_size))
    )


def _cols(size, a):
    from .nn import conv_out_len

    args = _unfold_args("im2col", a, len(size))
    out = 1
    for i, L in enumerate(size):
        out *= conv_out_len(
            L,
            args["kernel_size"][i],
            args["stride"][i],
            args["padding"][i],
            args["dilation"][i],
        )
    return out


def _im2col_infer(in_shapes, attrs, out_shapes=None):
    d = in_shapes[0]
    if d is None or not all(d):
        return in_shapes, [None]
    k = attrs["kernel"]
    return in_shapes, [(d[0], d[1] * k[0] * k[1], _cols(d[2:], attrs))]


def _col2im_infer(in_shapes, attrs, out_shapes=None):
    d = in_shapes[0]
    if d is None:
        return in_shapes, [None]
    k = attrs["kernel"]
    kk = k[0] * k[1]
    if d[1] % kk:
        raise ShapeError(
            f"Operator col2im: data {fmt_shape(d)} axis 1 must be a multiple of "
            f"kernel size {kk}."
        )
    L = _cols(tuple(attrs["output_size"]), attrs)
    if d[2] and d[2] != L:
        raise ShapeError(
            f"Operator col2im: data {fmt_shape(d)} has {d[2]} columns; output_size "
            f"{attrs['output_size']} with these kernel settings needs {L}."
        )
    return in_shapes, [(d[0], d[1] // kk, *attrs["output_size"])]


_IM2COL = (
    P("kernel", "shape", REQUIRED, "Sliding window size."),
    P("stride", "shape", (), "Stride; default 1."),
    P("dilate", "shape", (), "Dilation; default 1."),
    P("pad", "shape", (), "Zero padding; default 0."),
)
register(
    OpDef(
        "im2col",
        _im2col,
        params=_IM2COL,
        infer_shape=_im2col_infer,
        doc="Sliding blocks of (N, C, H, W) as columns (N, C*kh*kw, L).",
    )
)
register(
    OpDef(
        "col2im",
        _col2im,
        params=(P("output_size", "shape", REQUIRED, "Output (H, W)."), *_IM2COL),
        infer_shape=_col2im_infer,
        doc="Sum columns (N, C*kh*kw, L) back into (N, C, H, W) (im2col's adjoint).",
    )
)
