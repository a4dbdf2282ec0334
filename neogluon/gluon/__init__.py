"""``mx.gluon``: blocks, parameters, layers, losses, Trainer."""

from __future__ import annotations

from ..base import DeferredInitializationError
from . import nn
from . import utils
from .block import Block
from .block import HybridBlock
from .block import SymbolBlock
from .parameter import Constant
from .parameter import Parameter
from .parameter import ParameterDict
from .parameter import tensor_types

__all__ = [
    "Block",
    "Constant",
    "DeferredInitializationError",
    "HybridBlock",
    "Parameter",
    "ParameterDict",
    "SymbolBlock",
    "Trainer",
    "loss",
    "nn",
    "tensor_types",
    "utils",
]


def __getattr__(name: str):
    # Trainer/loss import the optimizer stack; load them on first use.
    if name == "Trainer":
        from .trainer import Trainer

        return Trainer
    if name in ("loss", "trainer", "data", "rnn", "model_zoo", "contrib"):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'neogluon.gluon' has no attribute {name!r}")
