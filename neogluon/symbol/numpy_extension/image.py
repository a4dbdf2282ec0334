"""``mx.symbol.numpy_extension.image``: graph builders of the registered operators (issue 8); the other names are placeholders.

MXNet 1.9.1's public names of ``mxnet.symbol.numpy_extension.image`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (mx.sym operators).
"""

from __future__ import annotations

from ... import _missing
from .. import _np_symbol

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
_BUILT = _np_symbol.npx_functions(list(_NAMES), prefix="_npx__image_")
globals().update(_BUILT)
__all__ = sorted(_BUILT) + _missing.define(
    globals(),
    _NAMES,
    area="mx.sym.numpy_extension (mx.npx symbols)",
    planned="issue 8",
    instead="mx.np eagerly (without hybridize) or the legacy mx.sym operators",
)
