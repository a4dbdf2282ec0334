"""``mx.npx``: MXNet's numpy-extension operators and the np switches.

``set_np`` / ``reset_np`` / ``is_np_array`` / ``use_np`` (from
:mod:`neogluon.util`), devices, and the neural-network operators of MXNet
(``relu``, ``softmax``, ``convolution``, ``batch_norm`` ...) taking and
returning ``mx.np.ndarray``. Each runs MXNet's ``_npx_*`` operator when the
registry has it, else the registered nd operator (``Convolution`` ...), with
the same attributes. ``npx.reshape`` has MXNet's numpy-extension codes
(-1 ... -6). Names of MXNet 1.9.1's module not implemented resolve to
placeholders that raise MXNetError.
"""

from __future__ import annotations

from .. import _missing
from .. import ndarray as _nd
from ..base import check_call  # noqa: F401
from ..base import classproperty  # noqa: F401
from ..base import with_metaclass  # noqa: F401
from ..context import Context  # noqa: F401
from ..context import cpu  # noqa: F401
from ..context import cpu_pinned  # noqa: F401
from ..context import current_context  # noqa: F401
from ..context import gpu  # noqa: F401
from ..context import gpu_memory_info  # noqa: F401
from ..context import num_gpus  # noqa: F401
from ..ndarray import waitall  # noqa: F401
from ..ndarray._np import as_np as _as_np
from ..ndarray._np import ndarray as _ndarray
from ..ndarray._np import operator_call as _operator_call
from ..ndarray._np_functions import nonzero  # noqa: F401
from ..ndarray._np_functions import reshape as _np_reshape
from ..ops import registry as _reg
from ..util import get_cuda_compute_capability  # noqa: F401
from ..util import is_np_array  # noqa: F401
from ..util import is_np_shape  # noqa: F401
from ..util import reset_np  # noqa: F401
from ..util import set_np  # noqa: F401
from ..util import use_np  # noqa: F401
from . import image  # noqa: F401
from . import random  # noqa: F401
from . import utils  # noqa: F401
from .utils import load  # noqa: F401
from .utils import save  # noqa: F401


def _np_result(res):
    if isinstance(res, _nd.NDArray):
        return _as_np(res)
    if isinstance(res, (list, tuple)):
        return type(res)(_np_result(r) for r in res)
    return res


def _check_inputs(name: str, args, kwargs) -> None:
    for v in (*args, *kwargs.values()):
        if isinstance(v, _nd.NDArray) and not isinstance(v, _ndarray):
            raise TypeError(
                f"npx.{name}: got a legacy mx.nd.NDArray; npx operators take "
                "mx.np.ndarray: convert it with .as_np_ndarray() (no copy)."
            )


def _operator(name: str, op_name: str):
    """``npx.<name>``: MXNet's ``_npx_<name>`` when registered, else the nd
    operator ``op_name``, with np arrays in and out.

    The plain call runs the kernel in :func:`~neogluon.ndarray._np.operator_call`
    (np arrays in, the result built as ``mx.np.ndarray`` once, keyword
    attributes parsed once per distinct set of values); any other call, and
    a call whose kernel fails (so that the error names the op and inputs),
    goes through the nd function."""
    op = _reg.find(f"_npx_{name}") or _reg.get(op_name)
    nd_fn = _nd._frontend.make_function(op, name)

    def general(*args, **kwargs):
        _check_inputs(name, args, kwargs)
        return _np_result(nd_fn(*args, **kwargs))

    fn = _operator_call(op, general)
    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = __name__
    fn.__doc__ = nd_fn.__doc__
    fn.__signature__ = nd_fn.__signature__  # type: ignore[attr-defined]
    fn.op = op  # type: ignore[attr-defined]
    return fn


_OPERATORS = {
    "activation": "Activation",
    "arange_like": "_contrib_arange_like",
    "batch_dot": "batch_dot",
    "batch_flatten": "Flatten",
    "batch_norm": "BatchNorm",
    "cast": "Cast",
    "constraint_check": "_npx_constraint_check",
    "convolution": "Convolution",
    "deconvolution": "Deconvolution",
    "dropout": "Dropout",
    "embedding": "Embedding",
    "erf": "erf",
    "erfinv": "erfinv",
    "fully_connected": "FullyConnected",
    "gamma": "gamma",
    "gammaln": "gammaln",
    "gather_nd": "gather_nd",
    "layer_norm": "LayerNorm",
    "leaky_relu": "LeakyReLU",
    "log_softmax": "log_softmax",
    "multibox_detection": "_contrib_MultiBoxDetection",
    "multibox_prior": "_contrib_MultiBoxPrior",
    "multibox_target": "_contrib_MultiBoxTarget",
    "one_hot": "one_hot",
    "pick": "pick",
    "pooling": "Pooling",
    "relu": "relu",
    "reshape_like": "reshape_like",
    "rnn": "RNN",
    "roi_pooling": "ROIPooling",
    "sequence_mask": "SequenceMask",
    "shape_array": "shape_array",
    "sigmoid": "sigmoid",
    "slice": "slice",
    "smooth_l1": "smooth_l1",
    "softmax": "softmax",
    "topk": "topk",
}
for _name, _op_name in _OPERATORS.items():
    if _reg.find(_op_name) is not None or _reg.find(f"_npx_{_name}") is not None:
        globals()[_name] = _operator(_name, _op_name)


def reshape(a, newshape, reverse=False, order="C"):
    """Reshape with MXNet's numpy-extension codes (a copy).

    -1 infers one dim; -2 copies the input dim; -3 drops an input dim of size
    1; -4 copies all remaining input dims; -5 merges two consecutive input
    dims; -6 splits an input dim into the two values that follow it (one may
    be -1).
    """
    if not isinstance(a, _ndarray):
        raise TypeError(
            f"npx.reshape: a must be an mx.np.ndarray, got {type(a).__name__}"
        )
    if order != "C":
        raise NotImplementedError("npx.reshape supports order='C' only")
    shape = (
        (newshape,) if isinstance(newshape, int) else tuple(int(d) for d in newshape)
    )
    src = tuple(a.shape)
    if reverse:
        # Codes are read right to left: the shapes and the codes reversed.
        out = _npx_shape(src[::-1], shape[::-1])[::-1]
    else:
        out = _npx_shape(src, shape)
    return _np_reshape(a, out).copy()


def _npx_shape(src: tuple[int, ...], codes: tuple[int, ...]) -> tuple[int, ...]:
    out: list[int] = []
    i = 0  # input dim
    j = 0
    infer = -1
    while j < len(codes):
        c = codes[j]
        if c == -1:
            infer = len(out)
            out.append(-1)
            i += 1
        elif c == -2:
            out.append(src[i])
            i += 1
        elif c == -3:
            if src[i] != 1:
                raise ValueError(
                    f"npx.reshape: code -3 at position {j} drops input dim {i}, which "
                    f"has size {src[i]}, not 1 (input shape {src}, codes {codes})."
                )
            i += 1
        elif c == -4:
            out.extend(src[i:])
            i = len(src)
        elif c == -5:
            out.append(src[i] * src[i + 1])
            i += 2
        elif c == -6:
            d1, d2 = codes[j + 1], codes[j + 2]
            if d1 == -1:
                d1 = src[i] // d2
            if d2 == -1:
                d2 = src[i] // d1
            if d1 * d2 != src[i]:
                raise ValueError(
                    f"npx.reshape: -6 splits input dim {i} of size {src[i]} into "
                    f"({codes[j + 1]}, {codes[j + 2]}), which does not multiply to it."
                )
            out.extend((d1, d2))
            i += 1
            j += 2
        elif c >= 0:
            out.append(c)
            i += 1
        else:
            raise ValueError(f"npx.reshape: invalid code {c} in {codes}")
        j += 1
    if infer >= 0:
        known = 1
        for k, d in enumerate(out):
            if k != infer:
                known *= d
        total = 1
        for d in src:
            total *= d
        out[infer] = total // known if known else 0
    return tuple(out)


_NAMES = {
    "activation": "function",
    "arange_like": "function",
    "batch_dot": "function",
    "batch_flatten": "function",
    "batch_norm": "function",
    "cast": "function",
    "constraint_check": "function",
    "convolution": "function",
    "deconvolution": "function",
    "dropout": "function",
    "embedding": "function",
    "erf": "function",
    "erfinv": "function",
    "fully_connected": "function",
    "gamma": "function",
    "gammaln": "function",
    "gather_nd": "function",
    "layer_norm": "function",
    "leaky_relu": "function",
    "load": "function",
    "log_softmax": "function",
    "multibox_detection": "function",
    "multibox_prior": "function",
    "multibox_target": "function",
    "nonzero": "function",
    "one_hot": "function",
    "pick": "function",
    "pooling": "function",
    "relu": "function",
    "reshape": "function",
    "reshape_like": "function",
    "rnn": "function",
    "roi_pooling": "function",
    "save": "function",
    "sequence_mask": "function",
    "shape_array": "function",
    "sigmoid": "function",
    "slice": "function",
    "smooth_l1": "function",
    "softmax": "function",
    "topk": "function",
}
__all__ = [n for n in _NAMES if n in globals()]
__all__ += _missing.define(
    globals(),
    _NAMES,
    area="mx.npx, the numpy-extension interface",
    planned="issue 8",
    instead="mx.nd operators",
)
__all__ += ["image", "random", "utils"]
__all__ += [
    "use_np",
    "Context",
    "check_call",
    "classproperty",
    "cpu",
    "cpu_pinned",
    "current_context",
    "get_cuda_compute_capability",
    "gpu",
    "gpu_memory_info",
    "is_np_array",
    "is_np_shape",
    "num_gpus",
    "reset_np",
    "set_np",
    "waitall",
    "with_metaclass",
]
