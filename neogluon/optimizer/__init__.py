"""``mx.optimizer``: MXNet 1.9.1's optimizers and their registry."""

from __future__ import annotations

from . import optimizer
from .adadelta import AdaDelta
from .adagrad import AdaGrad
from .adam import Adam
from .adamax import Adamax
from .dcasgd import DCASGD
from .ftml import FTML
from .ftrl import Ftrl
from .lamb import LAMB
from .lars import LARS
from .lbsgd import LBSGD
from .lbsgd import Test
from .nadam import Nadam
from .optimizer import NDabs
from .optimizer import Optimizer
from .optimizer import Updater
from .optimizer import create
from .optimizer import get_updater
from .optimizer import register
from .rmsprop import RMSProp
from .sgd import NAG
from .sgd import SGD
from .sgd import ccSGD
from .sgld import SGLD
from .signum import Signum

__all__ = [
    "DCASGD",
    "FTML",
    "LAMB",
    "LARS",
    "LBSGD",
    "NDabs",
    "Test",
    "NAG",
    "SGD",
    "SGLD",
    "AdaDelta",
    "AdaGrad",
    "Adam",
    "Adamax",
    "Ftrl",
    "Nadam",
    "Optimizer",
    "RMSProp",
    "Signum",
    "Updater",
    "ccSGD",
    "create",
    "get_updater",
    "optimizer",
    "register",
]
