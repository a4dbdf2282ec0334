"""``mx.numpy_extension.image``: not implemented in neogluon yet (issue 8).

MXNet 1.9.1's public names of ``mxnet.numpy_extension.image`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (mx.nd operators).
"""

from __future__ import annotations

from .. import _missing

__neogluon_missing__ = True

_NAMES = {
    "adjust_lighting": "function",
    "crop": "function",
    "flip_left_right": "function",
    "flip_top_bottom": "function",
    "normalize": "function",
    "random_brightness": "function",
    "random_color_jitter": "function",
    "random_contrast": "function",
    "random_flip_left_right": "function",
    "random_flip_top_bottom": "function",
    "random_hue": "function",
    "random_lighting": "function",
    "random_saturation": "function",
    "resize": "function",
    "to_tensor": "function",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="mx.npx, the numpy-extension interface",
    planned="issue 8",
    instead="mx.nd operators",
)
