"""``mx.contrib.quantization``: not implemented in neogluon yet (issue 9).

MXNet 1.9.1's public names of ``mxnet.contrib.quantization`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (torch.ao.quantization on neogluon.interop.to_torch_module(net)).
"""

from __future__ import annotations

from .. import _missing

__neogluon_missing__ = True

_NAMES = {
    "calib_graph": "function",
    "combine_histogram": "function",
    "quantize_graph": "function",
    "quantize_model": "function",
    "quantize_model_mkldnn": "function",
    "quantize_net": "function",
    "quantize_net_v2": "function",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="contrib.quantization (INT8 calibration)",
    planned="issue 9",
    instead="torch.ao.quantization on neogluon.interop.to_torch_module(net)",
)
