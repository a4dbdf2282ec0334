"""``gluon.contrib``: contributed layers (``nn``, ``cnn``), recurrent cells
(``rnn``), datasets and samplers (``data``) and the ``estimator`` API."""

from __future__ import annotations

import importlib

from . import data
from . import nn
from . import rnn

__all__ = ["data", "estimator", "nn", "rnn"]


def __getattr__(name: str):
    # The estimator pulls in Trainer, the optimizers, metrics and DataLoader;
    # cnn is imported on first use.
    if name in ("estimator", "cnn"):
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"{__name__}.{name}":
                raise
            raise AttributeError(
                f"gluon.contrib.{name} is not implemented in neogluon yet; "
                "gluon.contrib provides nn, rnn, data and estimator."
            ) from None
    raise AttributeError(f"module 'neogluon.gluon.contrib' has no attribute {name!r}")
