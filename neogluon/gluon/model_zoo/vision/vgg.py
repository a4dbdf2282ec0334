"""VGG 11/13/16/19 with and without BatchNorm (MXNet 1.9.1 model zoo)."""

from __future__ import annotations

import os

from .... import base
from ....context import cpu
from ....initializer import Xavier
from ....registry import AssertionValueError
from ... import nn
from ...block import HybridBlock

__all__ = [
    "VGG",
    "vgg11",
    "vgg13",
    "vgg16",
    "vgg19",
    "vgg11_bn",
    "vgg13_bn",
    "vgg16_bn",
    "vgg19_bn",
    "get_vgg",
]

# MXNet's default context object for the pretrained weights.
_CPU = cpu()


class VGG(HybridBlock):
    """VGG from "Very Deep Convolutional Networks for Large-Scale Image Recognition".

    Parameters
    ----------
    layers : list of int
        Number of 3x3 convolutions in each of the feature blocks.
    filters : list of int
        Channels of each feature block (same length as ``layers``).
    classes : int, default 1000
        Number of classes.
    batch_norm : bool, default False
        Add a BatchNorm after every convolution.
    """

    def __init__(self, layers, filters, classes=1000, batch_norm=False, **kwargs):
        super().__init__(**kwargs)
        if len(layers) != len(filters):
            raise AssertionValueError(
                f"VGG needs as many filters as layers, got layers={list(layers)} "
                f"and filters={list(filters)}."
            )
        with self.name_scope():
            self.features = self._make_features(layers, filters, batch_norm)
            for _ in range(2):
                self.features.add(
                    nn.Dense(
                        4096,
                        activation="relu",
                        weight_initializer="normal",
                        bias_initializer="zeros",
                    )
                )
                self.features.add(nn.Dropout(rate=0.5))
            self.output = nn.Dense(
                classes, weight_initializer="normal", bias_initializer="zeros"
            )

    def _make_features(self, layers, filters, batch_norm):
        featurizer = nn.HybridSequential(prefix="")
        for i, num in enumerate(layers):
            for _ in range(num):
                featurizer.add(
                    nn.Conv2D(
                        filters[i],
                        kernel_size=3,
                        padding=1,
                        weight_initializer=Xavier(
                            rnd_type="gaussian", factor_type="out", magnitude=2
                        ),
                        bias_initializer="zeros",
                    )
                )
                if batch_norm:
                    featurizer.add(nn.BatchNorm())
                featurizer.add(nn.Activation("relu"))
            featurizer.add(nn.MaxPool2D(strides=2))
        return featurizer

    def hybrid_forward(self, F, x):
        return self.output(self.features(x))


vgg_spec = {
    11: ([1, 1, 2, 2, 2], [64, 128, 256, 512, 512]),
    13: ([2, 2, 2, 2, 2], [64, 128, 256, 512, 512]),
    16: ([2, 2, 3, 3, 3], [64, 128, 256, 512, 512]),
    19: ([2, 2, 4, 4, 4], [64, 128, 256, 512, 512]),
}


def get_vgg(
    num_layers: int,
    pretrained: bool = False,
    ctx=_CPU,
    root: str = os.path.join(base.data_dir(), "models"),
    **kwargs,
) -> HybridBlock:
    """VGG with ``num_layers`` (11, 13, 16 or 19) layers.

    Parameters
    ----------
    num_layers : int
        11, 13, 16 or 19.
    pretrained : bool, default False
        Load the pretrained weights (``batch_norm=True`` picks the ``_bn`` file).
    ctx : Context, default cpu()
        Context of the pretrained weights.
    root : str, default ``$MXNET_HOME/models``
        Directory of the pretrained parameter files.
    **kwargs
        Passed to ``VGG`` (``classes``, ``batch_norm``, ``prefix``).
    """
    if num_layers not in vgg_spec:
        raise ValueError(
            f"Invalid number of layers for VGG: {num_layers}. "
            f"Options are {sorted(vgg_spec)}."
        )
    layers, filters = vgg_spec[num_layers]
    net = VGG(layers, filters, **kwargs)
    if pretrained:
        from ..model_store import get_model_file

        suffix = "_bn" if kwargs.get("batch_norm") else ""
        net.load_parameters(
            get_model_file(f"vgg{num_layers}{suffix}", root=root), ctx=ctx
        )
    return net


def vgg11(**kwargs) -> HybridBlock:
    """VGG-11 (``pretrained``, ``ctx``, ``root`` as in ``get_vgg``)."""
    return get_vgg(11, **kwargs)


def vgg13(**kwargs) -> HybridBlock:
    """VGG-13 (``pretrained``, ``ctx``, ``root`` as in ``get_vgg``)."""
    return get_vgg(13, **kwargs)


def vgg16(**kwargs) -> HybridBlock:
    """VGG-16 (``pretrained``, ``ctx``, ``root`` as in ``get_vgg``)."""
    return get_vgg(16, **kwargs)


def vgg19(**kwargs) -> HybridBlock:
    """VGG-19 (``pretrained``, ``ctx``, ``root`` as in ``get_vgg``)."""
    return get_vgg(19, **kwargs)


def vgg11_bn(**kwargs) -> HybridBlock:
    """VGG-11 with BatchNorm (``pretrained``, ``ctx``, ``root`` as in ``get_vgg``)."""
    kwargs["batch_norm"] = True
    return get_vgg(11, **kwargs)


def vgg13_bn(**kwargs) -> HybridBlock:
    """VGG-13 with BatchNorm (``pretrained``, ``ctx``, ``root`` as in ``get_vgg``)."""
    kwargs["batch_norm"] = True
    return get_vgg(13, **kwargs)


def vgg16_bn(**kwargs) -> HybridBlock:
    """VGG-16 with BatchNorm (``pretrained``, ``ctx``, ``root`` as in ``get_vgg``)."""
    kwargs["batch_norm"] = True
    return get_vgg(16, **kwargs)


def vgg19_bn(**kwargs) -> HybridBlock:
    """VGG-19 with BatchNorm (``pretrained``, ``ctx``, ``root`` as in ``get_vgg``)."""
    kwargs["batch_norm"] = True
    return get_vgg(19, **kwargs)
