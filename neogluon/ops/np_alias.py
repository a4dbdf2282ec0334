"""NumPy-interface names of legacy operators, and the remaining ``_npi_`` ops.

MXNet 1.9.1 registers some ``_npi_`` names as aliases of legacy operators
(``_npi_cast`` is ``Cast``, ``_npi_slice`` is ``slice``, ...); here they are
registrations of the same OpDef under the ``_npi_`` name. The rest of this
module declares the ``_npi_`` operators no other family covers:
``bincount``, ``ediff1d``, ``insert_*``, ``percentile``,
``boolean_mask_assign_*``, ``share_memory``, ``scatter_set_nd``.
"""

from __future__ import annotations

from dataclasses import replace

import torch

from ..base import MXNetError
from . import contrib  # noqa: F401  (the legacy ops aliased below)
from . import custom  # noqa: F401
from . import elemwise  # noqa: F401
from . import image  # noqa: F401
from . import indexing  # noqa: F401
from . import legacy  # noqa: F401
from . import linalg  # noqa: F401
from . import nn  # noqa: F401
from . import rnn  # noqa: F401
from . import shape as _shape_ops  # noqa: F401
from .np_common import norm_axes
from .np_common import norm_axis
from .registry import REQUIRED
from .registry import OpDef
from .registry import P
from .registry import get
from .registry import register

__all__: list[str] = []

#: ``_npi_`` name -> the legacy operator it names in MXNet 1.9.1.
ALIASES = {
    "_npi_cast": "Cast",
    "_npi_clip": "clip",
    "_npi_copyto": "_copyto",
    "_npi_cvimresize": "_cvimresize",
    "_npi_gather_nd": "gather_nd",
    "_npi_histogram": "_histogram",
    "_npi_rnn_param_concat": "_rnn_param_concat",
    "_npi_slice": "slice",
    "_npi_slice_assign": "_slice_assign",
    "_npi_slice_assign_scalar": "_slice_assign_scalar",
    "_npi_Custom": "Custom",
}

#: ``_npx_`` name -> the operator it names in MXNet 1.9.1 (``mx.npx`` functions).
NPX_ALIASES = {
    "_npx_activation": "Activation",
    "_npx_arange_like": "_contrib_arange_like",
    "_npx_batch_dot": "batch_dot",
    "_npx_batch_flatten": "Flatten",
    "_npx_batch_norm": "BatchNorm",
    "_npx_cast": "Cast",
    "_npx_convolution": "Convolution",
    "_npx_deconvolution": "Deconvolution",
    "_npx_dropout": "Dropout",
    "_npx_embedding": "Embedding",
    "_npx_erf": "erf",
    "_npx_erfinv": "erfinv",
    "_npx_fully_connected": "FullyConnected",
    "_npx_gamma": "gamma",
    "_npx_gammaln": "gammaln",
    "_npx_gather_nd": "gather_nd",
    "_npx_layer_norm": "LayerNorm",
    "_npx_leaky_relu": "LeakyReLU",
    "_npx_log_softmax": "log_softmax",
    "_npx_multibox_detection": "_contrib_MultiBoxDetection",
    "_npx_multibox_prior": "_contrib_MultiBoxPrior",
    "_npx_multibox_target": "_contrib_MultiBoxTarget",
    "_npx_one_hot": "one_hot",
    "_npx_pick": "pick",
    "_npx_pooling": "Pooling",
    "_npx_relu": "relu",
    "_npx_reshape_like": "reshape_like",
    "_npx_rnn": "RNN",
    "_npx_roi_pooling": "ROIPooling",
    "_npx_sequence_mask": "SequenceMask",
    "_npx_shape_array": "shape_array",
    "_npx_sigmoid": "sigmoid",
    "_npx_slice": "slice",
    "_npx_smooth_l1": "smooth_l1",
    "_npx_softmax": "softmax",
    "_npx_topk": "topk",
}
for _img in (
    "adjust_lighting crop flip_left_right flip_top_bottom normalize random_brightness "
    "random_color_jitter random_contrast random_flip_left_right random_flip_top_bottom "
    "random_hue random_lighting random_saturation resize to_tensor"
).split():
    NPX_ALIASES[f"_npx__image_{_img}"] = f"_image_{_img}"

# Each copy keeps its legacy operator's ``cse`` flag (random and stateful
# operators are never merged by graph passes).

for _table in (ALIASES, NPX_ALIASES):
    for _name, _base in _table.items():
        register(replace(get(_base), name=_name, aliases=()))


class ConstraintViolated(MXNetError, ValueError):
    """``npx.constraint_check`` found a false element."""


def _constraint_check(input, msg="Constraint violated."):  # noqa: A002 - MXNet name
    if not bool(torch.all(input != 0)):
        raise ConstraintViolated(f"ValueError: {msg}")
    return torch.ones((), dtype=torch.bool, device=input.device)


register(
    OpDef(
        "_npx_constraint_check",
        _constraint_check,
        inputs=("input",),
        params=(P("msg", "str", "Constraint violated.", "Error message."),),
        infer_shape=lambda in_shapes, attrs, out_shapes=None: (list(in_shapes), [()]),
        infer_type=lambda in_types, attrs: (in_types, ["bool"]),
        doc="0-d True when every element is true; raises with ``msg`` otherwise.",
    )
)


def _known(s) -> bool:
    return s is not None and all(d > 0 for d in s)


def _unknown(in_shapes, attrs, out_shapes=None):
    return list(in_shapes), [None]


# --------------------------------------------------------------------------- bincount
def _bincount(data, weights=None, minlength=0, has_weights=False):
    if data.dim() != 1:
        raise MXNetError(
            f"Operator _npi_bincount: input must be 1-D, got shape {tuple(data.shape)}."
        )
    if data.numel() and int(data.min()) < 0:
        raise MXNetError("Operator _npi_bincount: input must be non-negative.")
    x = data.to(torch.int64)
    if has_weights:
        return torch.bincount(x, weights=weights, minlength=minlength).to(weights.dtype)
    return torch.bincount(x, minlength=minlength)


register(
    OpDef(
        "_npi_bincount",
        _bincount,
        inputs=("data", "weights"),
        params=(
            P("minlength", "int", 0, "Minimum number of bins."),
            P("has_weights", "bool", False, "Whether weights are given."),
        ),
        present_inputs=lambda attrs: (
            ("data", "weights") if attrs["has_weights"] else ("data",)
        ),
        infer_shape=_unknown,
        infer_type=lambda in_types, attrs: (
            in_types,
            [in_types[1] if attrs["has_weights"] and len(in_types) > 1 else "int64"],
        ),
        same_dtype=False,
        doc="Count occurrences of each value (optionally weighted).",
    )
)


# --------------------------------------------------------------------------- ediff1d
def _ediff1d(
    *tensors,
    to_begin_arr_given=False,
    to_end_arr_given=False,
    to_begin_scalar=None,
    to_end_scalar=None,
):
    it = iter(tensors)
    x = next(it).reshape(-1)
    parts = []
    if to_begin_arr_given:
        parts.append(next(it).reshape(-1).to(x.dtype))
    elif to_begin_scalar is not None:
        parts.append(torch.full((1,), to_begin_scalar, dtype=x.dtype, device=x.device))
    parts.append(x[1:] - x[:-1])
    if to_end_arr_given:
        parts.append(next(it).reshape(-1).to(x.dtype))
    elif to_end_scalar is not None:
        parts.append(torch.full((1,), to_end_scalar, dtype=x.dtype, device=x.device))
    return torch.cat(parts)


register(
    OpDef(
        "_npi_ediff1d",
        _ediff1d,
        inputs=("input1", "input2", "input3"),
        params=(
            P("to_begin_arr_given", "bool", False, "input2 is to_begin."),
            P("to_end_arr_given", "bool", False, "An input is to_end."),
            P("to_begin_scalar", "float", None, "Scalar to prepend."),
            P("to_end_scalar", "float", None, "Scalar to append."),
        ),
        present_inputs=lambda attrs: (
            ("input1",)
            + (("input2",) if attrs["to_begin_arr_given"] else ())
            + (
                (("input3",) if attrs["to_begin_arr_given"] else ("input2",))
                if attrs["to_end_arr_given"]
                else ()
            )
        ),
        infer_shape=_unknown,
        infer_type=lambda in_types, attrs: (in_types, [in_types[0]]),
        same_dtype=False,
        doc="Differences of consecutive elements of the flattened array.",
    )
)


# --------------------------------------------------------------------------- insert
def _insert_positions(n: int, obj, start, stop, step, int_ind) -> torch.Tensor:
    if obj is not None:
        idx = obj.to(torch.int64).reshape(-1)
        return torch.where(idx < 0, idx + n, idx)
    if int_ind is not None:
        if not -n <= int_ind <= n:
            raise MXNetError(
                f"Operator _npi_insert: index {int_ind} is out of bounds for size {n}."
            )
        return torch.tensor([int_ind + n if int_ind < 0 else int_ind])
    return torch.arange(n + 1)[slice(start, stop, step)]


def _insert(
    arr,
    values,
    obj=None,
    val=None,
    start=None,
    stop=None,
    step=None,
    int_ind=None,
    axis=None,
):
    x = arr.reshape(-1) if axis is None else arr
    ax = 0 if axis is None else norm_axis("_npi_insert", axis, arr.dim())
    n = x.shape[ax]
    pos = _insert_positions(n, obj, start, stop, step, int_ind).to(x.device)
    if values is None:
        values = torch.tensor(val, dtype=x.dtype, device=x.device)
    v = values.to(x.dtype)
    k = pos.numel()
    scalar_index = int_ind is not None and obj is None
    vshape = list(x.shape)
    if scalar_index:
        # NumPy: values get ndmin=arr.ndim, then their first axis moves to axis.
        v = v.reshape((1,) * max(x.dim() - v.dim(), 0) + tuple(v.shape))
        v = torch.movedim(v, 0, ax)
        k = v.shape[ax]
        vshape[ax] = k
        pos = pos.expand(k)
    else:
        vshape[ax] = k
    v = torch.broadcast_to(v, vshape)
    order = torch.argsort(pos, stable=True)
    pos = pos[order]
    v = torch.index_select(v, ax, order)
    # Final positions: each inserted value lands before the original element.
    new_pos = pos + torch.arange(k, device=x.device)
    total = n + k
    is_new = torch.zeros(total, dtype=torch.bool, device=x.device)
    is_new[new_pos] = True
    old_pos = torch.nonzero(~is_new).reshape(-1)
    out_shape = list(x.shape)
    out_shape[ax] = total
    out = torch.empty(out_shape, dtype=x.dtype, device=x.device)
    out = out.index_copy(ax, old_pos, x)
    return out.index_copy(ax, new_pos, v)


_INSERT_PARAMS = (
    P("val", "float", None, "Scalar value to insert (no values input)."),
    P("start", "int", None, "Slice start."),
    P("stop", "int", None, "Slice stop."),
    P("step", "int", None, "Slice step."),
    P("int_ind", "int", None, "A single index."),
    P("axis", "int", None, "Axis; None: the flattened array."),
)


def _insert_scalar(
    arr,
    values=None,
    val=None,
    start=None,
    stop=None,
    step=None,
    int_ind=None,
    axis=None,
):
    return _insert(arr, values, None, val, start, stop, step, int_ind, axis)


def _insert_tensor(
    arr,
    values=None,
    obj=None,
    val=None,
    start=None,
    stop=None,
    step=None,
    int_ind=None,
    axis=None,
):
    if obj is None:
        obj, values = values, None
    return _insert(arr, values, obj, val, start, stop, step, int_ind, axis)


def _insert_present(names: tuple[str, ...]):
    def present(attrs) -> tuple[str, ...]:
        given = attrs.get("val") is not None
        return tuple(n for n in names if not (n == "values" and given))

    return present


for _name, _fn, _ins in (
    ("_npi_insert_scalar", _insert_scalar, ("arr", "values")),
    ("_npi_insert_slice", _insert_scalar, ("arr", "values")),
    ("_npi_insert_tensor", _insert_tensor, ("arr", "values", "obj")),
):
    register(
        OpDef(
            _name,
            _fn,
            inputs=_ins,
            params=_INSERT_PARAMS,
            present_inputs=_insert_present(_ins),
            infer_shape=_unknown,
            infer_type=lambda in_types, attrs: (in_types, [in_types[0]]),
            same_dtype=False,
            doc="Insert values before the given indices along ``axis``.",
        )
    )


# --------------------------------------------------------------------------- percentile
def _percentile(
    a, q=None, axis=None, interpolation="linear", keepdims=False, q_scalar=None
):
    qs = (
        torch.tensor(q_scalar, dtype=torch.float64, device=a.device)
        if q is None
        else q.double()
    )
    if bool(((qs < 0) | (qs > 100)).any()):
        raise MXNetError("Operator _npi_percentile: percentiles must be in [0, 100].")
    x = a.double()
    axes = norm_axes("_npi_percentile", axis, x.dim())
    keep = [i for i in range(x.dim()) if i not in axes]
    xm = x.permute(keep + list(axes)).reshape([x.shape[i] for i in keep] + [-1])
    res = torch.quantile(xm, qs / 100.0, dim=-1, interpolation=interpolation)
    if keepdims:
        shape = list(res.shape)
        lead = shape[: qs.dim()]
        rest = [1 if i in axes else x.shape[i] for i in range(x.dim())]
        res = res.reshape(lead + rest)
    out_dt = a.dtype if a.is_floating_point() else torch.float64
    return res.to(out_dt)


register(
    OpDef(
        "_npi_percentile",
        _percentile,
        inputs=("a", "q"),
        params=(
            P("axis", "axis", None, "Axis or axes; None: every axis."),
            P(
                "interpolation",
                "str",
                "linear",
                "Method between data points.",
                ("higher", "linear", "lower", "midpoint", "nearest"),
            ),
            P("keepdims", "bool", False, "Keep reduced axes."),
            P("q_scalar", "float", None, "A scalar percentile (no q input)."),
        ),
        present_inputs=lambda attrs: (
            ("a",) if attrs.get("q_scalar") is not None else ("a", "q")
        ),
        same_dtype=False,
        infer_shape=_unknown,
        infer_type=lambda in_types, attrs: (
            in_types,
            [
                in_types[0]
                if in_types[0] in ("float16", "float32", "float64")
                else "float64"
            ],
        ),
        doc="The q-th percentile(s) along ``axis``.",
    )
)


# --------------------------------------------------------------------------- masks
def _mask_index(op: str, data, mask, start_axis: int):
    ax = norm_axis(op, start_axis, data.dim())
    want = tuple(data.shape[ax : ax + mask.dim()])
    if tuple(mask.shape) != want:
        raise MXNetError(
            f"Operator {op}: mask of shape {tuple(mask.shape)} does not match data "
            f"shape {tuple(data.shape)} at axis {ax} (expected {want})."
        )
    return ax, (slice(None),) * ax + (mask != 0,)


def _mask_assign_scalar(data, mask, value=REQUIRED, start_axis=0):
    _, idx = _mask_index("_npi_boolean_mask_assign_scalar", data, mask, start_axis)
    out = data.clone()
    out[idx] = value
    return out


def _mask_assign_tensor(data, mask, value, start_axis=0):
    _, idx = _mask_index("_npi_boolean_mask_assign_tensor", data, mask, start_axis)
    out = data.clone()
    out[idx] = value.to(data.dtype)
    return out


register(
    OpDef(
        "_npi_boolean_mask_assign_scalar",
        _mask_assign_scalar,
        inputs=("data", "mask"),
        params=(
            P("value", "float", REQUIRED, "Value to assign."),
            P("start_axis", "int", REQUIRED, "First axis the mask covers."),
        ),
        infer_shape=lambda in_shapes, attrs, out_shapes=None: (
            list(in_shapes),
            [in_shapes[0]],
        ),
        dtype_free_inputs=("mask",),
        doc="A copy of data with ``value`` where the mask is true.",
    )
)
register(
    OpDef(
        "_npi_boolean_mask_assign_tensor",
        _mask_assign_tensor,
        inputs=("data", "mask", "value"),
        params=(P("start_axis", "int", REQUIRED, "First axis the mask covers."),),
        infer_shape=lambda in_shapes, attrs, out_shapes=None: (
            list(in_shapes),
            [in_shapes[0]],
        ),
        dtype_free_inputs=("mask", "value"),
        doc="A copy of data with the values of ``value`` where the mask is true.",
    )
)


def _share_memory(a, b):
    sa, sb = a.untyped_storage(), b.untyped_storage()
    same = sa.data_ptr() == sb.data_ptr() and a.numel() > 0 and b.numel() > 0
    if same:
        a0 = a.data_ptr()
        a1 = a0 + a.numel() * a.element_size()
        b0 = b.data_ptr()
        b1 = b0 + b.numel() * b.element_size()
        same = a0 < b1 and b0 < a1
    return torch.tensor(bool(same), device=a.device)


register(
    OpDef(
        "_npi_share_memory",
        _share_memory,
        inputs=("a", "b"),
        infer_shape=lambda in_shapes, attrs, out_shapes=None: (list(in_shapes), [()]),
        infer_type=lambda in_types, attrs: (in_types, ["bool"]),
        same_dtype=False,
        doc="Whether the memory ranges of a and b overlap (0-d bool).",
    )
)


def _scatter_set_nd(lhs, rhs, indices, shape):
    if tuple(lhs.shape) != tuple(shape):
        raise MXNetError(
            f"Operator _npi_scatter_set_nd: lhs shape {tuple(lhs.shape)} must equal "
            f"shape {tuple(shape)}."
        )
    out = lhs.clone()
    idx = tuple(indices.to(torch.int64))
    out[idx] = rhs.to(out.dtype)
    return out


register(
    OpDef(
        "_npi_scatter_set_nd",
        _scatter_set_nd,
        inputs=("lhs", "rhs", "indices"),
        params=(P("shape", "shape", REQUIRED, "Shape of the output."),),
        infer_shape=lambda in_shapes, attrs, out_shapes=None: (
            list(in_shapes),
            [tuple(attrs["shape"])],
        ),
        dtype_free_inputs=("indices",),
        doc="A copy of lhs with rhs written at the positions ``indices`` (M, N).",
    )
)
