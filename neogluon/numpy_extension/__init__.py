"""``mx.numpy_extension``: not implemented in neogluon yet (issue 8).

MXNet 1.9.1's public names of ``mxnet.numpy_extension`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (mx.nd operators).
"""

from __future__ import annotations

from .. import _missing
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
from ..util import get_cuda_compute_capability  # noqa: F401
from ..util import is_np_array  # noqa: F401
from ..util import is_np_shape  # noqa: F401
from ..util import reset_np  # noqa: F401
from ..util import set_np  # noqa: F401
from . import image  # noqa: F401
from . import random  # noqa: F401
from . import utils  # noqa: F401

__neogluon_missing__ = True

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
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="mx.npx, the numpy-extension interface",
    planned="issue 8",
    instead="mx.nd operators",
)
__all__ += ["image", "random", "utils"]
__all__ += [
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
