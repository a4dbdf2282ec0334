"""One-kernel forward of Gluon's ``SoftmaxCrossEntropyLoss`` for its plain call.

The loss of a classifier, ``-pick(log_softmax(pred), label)`` averaged over the
non-batch axes, is five recorded torch operations when written with ``F``
operators (log_softmax, gather, neg, mean and the label's index cast), and its
backward five more nodes. For the common call (2-D float predictions, one
class index per sample, no weights) torch's ``cross_entropy`` with
``reduction='none'`` computes the same numbers, bit for bit, in one
operation: the same log-softmax, the value at the (clipped, truncated) index
negated, and the mean over one element is the element itself; its backward
(the negated head gradient at the index, through the same log-softmax
backward) gives the same gradient. Any other call returns None and the loss
takes its general path.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .. import _state
from . import _frontend
from ._core import NDArray
from ._core import _new

_FLOATS = (torch.float32, torch.float64)


def softmax_ce_sparse(pred: NDArray, label: NDArray) -> NDArray | None:
    """``-log_softmax(pred, -1)[i, label[i]]`` per sample (shape ``(batch,)``),
    labels truncated to integers and clipped to the classes as ``pick``
    does; None unless ``pred`` is a 2-D float32/float64 NDArray with at least
    one class and ``label`` an NDArray of shape ``(batch,)`` on its device.
    ``mx.np`` arrays count as NDArrays here, as on the operators' one-frame
    paths: the result is an NDArray, which the Gluon block hands out as an
    ``mx.np`` array under ``set_np``."""
    kind = type(pred)
    if type(label) is not kind or (
        kind is not NDArray and kind is not _frontend._NP_TYPE
    ):
        return None  # sparse, mixed nd/np, subclasses: the general path
    p, lab = pred._data, label._data
    if (
        p.dim() != 2
        or p.dtype not in _FLOATS
        or lab.dim() != 1
        or lab.shape[0] != p.shape[0]
        or p.shape[1] == 0
        or lab.device != p.device
        or lab.is_complex()
    ):
        return None
    idx = lab if lab.dtype == torch.int64 else lab.to(torch.int64)
    idx = idx.clamp(0, p.shape[1] - 1)
    if _state.flags.recording or not p.requires_grad:
        out = F.cross_entropy(p, idx, reduction="none")
    else:  # outside record(): no graph, as every operator
        with torch.no_grad():
            out = F.cross_entropy(p, idx, reduction="none")
    return _new(out, pred._ctx)
