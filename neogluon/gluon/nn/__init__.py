"""``gluon.nn``: neural network layers and containers (MXNet 1.9.1 API)."""

from __future__ import annotations

from ..block import Block
from ..block import HybridBlock
from ..block import SymbolBlock
from .activations import ELU
from .activations import GELU
from .activations import SELU
from .activations import Activation
from .activations import LeakyReLU
from .activations import PReLU
from .activations import Swish
from .basic_layers import BatchNorm
from .basic_layers import BatchNormReLU
from .basic_layers import Dense
from .basic_layers import Dropout
from .basic_layers import Embedding
from .basic_layers import Flatten
from .basic_layers import GroupNorm
from .basic_layers import InstanceNorm
from .basic_layers import LayerNorm
from .conv_layers import AvgPool1D
from .conv_layers import AvgPool2D
from .conv_layers import AvgPool3D
from .conv_layers import Conv1D
from .conv_layers import Conv1DTranspose
from .conv_layers import Conv2D
from .conv_layers import Conv2DTranspose
from .conv_layers import Conv3D
from .conv_layers import Conv3DTranspose
from .conv_layers import GlobalAvgPool1D
from .conv_layers import GlobalAvgPool2D
from .conv_layers import GlobalAvgPool3D
from .conv_layers import GlobalMaxPool1D
from .conv_layers import GlobalMaxPool2D
from .conv_layers import GlobalMaxPool3D
from .conv_layers import MaxPool1D
from .conv_layers import MaxPool2D
from .conv_layers import MaxPool3D
from .conv_layers import ReflectionPad2D
from .sequential import HybridLambda
from .sequential import HybridSequential
from .sequential import Lambda
from .sequential import Sequential

__all__ = [
    "Activation",
    "AvgPool1D",
    "AvgPool2D",
    "AvgPool3D",
    "BatchNorm",
    "BatchNormReLU",
    "Block",
    "Conv1D",
    "Conv1DTranspose",
    "Conv2D",
    "Conv2DTranspose",
    "Conv3D",
    "Conv3DTranspose",
    "Dense",
    "Dropout",
    "ELU",
    "Embedding",
    "Flatten",
    "GELU",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalAvgPool3D",
    "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    "GlobalMaxPool3D",
    "GroupNorm",
    "HybridBlock",
    "HybridLambda",
    "HybridSequential",
    "InstanceNorm",
    "Lambda",
    "LayerNorm",
    "LeakyReLU",
    "MaxPool1D",
    "MaxPool2D",
    "MaxPool3D",
    "PReLU",
    "ReflectionPad2D",
    "SELU",
    "Sequential",
    "Swish",
    "SymbolBlock",
]
