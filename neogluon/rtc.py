"""``mx.rtc``: not implemented in neogluon yet (no PyTorch counterpart).

MXNet 1.9.1's public names of ``mxnet.rtc`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (torch.utils.cpp_extension.load_inline or a triton kernel on torch tensors (NDArray.to_torch())).
"""

from __future__ import annotations

from . import _missing

__neogluon_missing__ = True

_NAMES = {
    "CudaKernel": "class",
    "CudaModule": "class",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="mx.rtc, run-time compiled CUDA kernels (NVRTC in MXNet's engine)",
    planned=None,
    instead="torch.utils.cpp_extension.load_inline or a triton kernel on torch tensors (NDArray.to_torch())",
)
