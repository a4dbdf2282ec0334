"""``mx.optimizer``: MXNet 1.9.1's optimizers and their registry."""

from __future__ import annotations

from . import optimizer
from .adam import Adam
from .optimizer import Optimizer
from .optimizer import Updater
from .optimizer import create
from .optimizer import get_updater
from .optimizer import register
from .sgd import NAG
from .sgd import SGD
from .sgd import ccSGD

__all__ = [
    "NAG",
    "SGD",
    "Adam",
    "Optimizer",
    "Updater",
    "ccSGD",
    "create",
    "get_updater",
    "optimizer",
    "register",
]
