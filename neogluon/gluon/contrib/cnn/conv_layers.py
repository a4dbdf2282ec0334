"""``mx.gluon.contrib.cnn.conv_layers``: not implemented in neogluon yet (no PyTorch counterpart).

MXNet 1.9.1's public names of ``mxnet.gluon.contrib.cnn.conv_layers`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (torchvision.ops.deform_conv2d through neogluon.interop).
"""

from __future__ import annotations

from .... import _missing

__neogluon_missing__ = True

_NAMES = {
    "DeformableConvolution": "class",
    "ModulatedDeformableConvolution": "class",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="gluon.contrib.cnn (deformable convolutions)",
    planned=None,
    instead="torchvision.ops.deform_conv2d through neogluon.interop",
)
