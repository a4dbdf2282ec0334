"""``gluon.contrib``: contributed layers (``nn``) and the ``estimator`` API."""

from __future__ import annotations

import importlib

from . import nn

__all__ = ["estimator", "nn"]


def __getattr__(name: str):
    # The estimator pulls in Trainer, the optimizers, metrics and DataLoader.
    if name == "estimator":
        return importlib.import_module(f"{__name__}.estimator")
    if name in ("rnn", "cnn", "data"):
        raise AttributeError(
            f"gluon.contrib.{name} is not implemented in neogluon yet; "
            "gluon.contrib provides nn and estimator."
        )
    raise AttributeError(f"module 'neogluon.gluon.contrib' has no attribute {name!r}")
