"""``mx.image``: image decoding, resizing, cropping and augmentation.

As in MXNet 1.9.1 the functions and classification augmenters live in
``mx.image.image`` and the detection augmenters in ``mx.image.detection``
(also ``mx.image.det``); both are re-exported here.
"""

from __future__ import annotations

# Modules and names MXNet's star imports leave in mx.image.
from .. import io  # noqa: F401
from .. import ndarray as nd  # noqa: F401
from .. import recordio  # noqa: F401
from ..base import numeric_types  # noqa: F401
from ..util import is_np_array  # noqa: F401
from . import detection
from . import detection as det  # noqa: F401
from . import image
from .detection import *  # noqa: F403
from .image import *  # noqa: F403
from .image import ImageFileNotFoundError  # noqa: F401
from .image import _get_interp_method  # noqa: F401

# ``mx.image.copyMakeBorder`` is the operator (detection's import wins, as in
# MXNet); ``mx.image.image.copyMakeBorder`` is the Python wrapper.
copyMakeBorder = detection.copyMakeBorder  # noqa: N816

__all__ = sorted(set(image.__all__) | set(detection.__all__))
