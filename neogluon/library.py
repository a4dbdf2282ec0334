"""``mx.library``: not implemented in neogluon yet (no PyTorch counterpart).

MXNet 1.9.1's public names of ``mxnet.library`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (torch.ops.load_library / torch.utils.cpp_extension).
"""

from __future__ import annotations

from . import _missing

__neogluon_missing__ = True

_NAMES = {
    "load": "function",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="mx.library, loading C++ operator libraries built against MXNet's lib_api.h",
    planned=None,
    instead="torch.ops.load_library / torch.utils.cpp_extension",
)
