"""``gluon.contrib.estimator``: the Estimator training loop and its event handlers."""

from __future__ import annotations

from . import batch_processor
from . import estimator
from . import event_handler
from .batch_processor import *  # noqa: F403
from .estimator import *  # noqa: F403
from .event_handler import *  # noqa: F403

__all__ = batch_processor.__all__ + estimator.__all__ + event_handler.__all__
