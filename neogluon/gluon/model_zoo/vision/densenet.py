"""DenseNet-BC 121/161/169/201 (MXNet 1.9.1 model zoo)."""

from __future__ import annotations

import os

from .... import base
from ....context import cpu
from ... import nn
from ...block import HybridBlock
from ...contrib.nn import HybridConcurrent
from ...contrib.nn import Identity

__all__ = ["DenseNet", "densenet121", "densenet161", "densenet169", "densenet201"]

# MXNet's default context object for the pretrained weights.
_CPU = cpu()


def _make_dense_block(num_layers, bn_size, growth_rate, dropout, stage_index):
    out = nn.HybridSequential(prefix=f"stage{stage_index}_")
    with out.name_scope():
        for _ in range(num_layers):
            out.add(_make_dense_layer(growth_rate, bn_size, dropout))
    return out


def _make_dense_layer(growth_rate, bn_size, dropout):
    new_features = nn.HybridSequential(prefix="")
    new_features.add(nn.BatchNorm())
    new_features.add(nn.Activation("relu"))
    new_features.add(nn.Conv2D(bn_size * growth_rate, kernel_size=1, use_bias=False))
    new_features.add(nn.BatchNorm())
    new_features.add(nn.Activation("relu"))
    new_features.add(nn.Conv2D(growth_rate, kernel_size=3, padding=1, use_bias=False))
    if dropout:
        new_features.add(nn.Dropout(dropout))
    out = HybridConcurrent(axis=1, prefix="")
    out.add(Identity())
    out.add(new_features)
    return out


def _make_transition(num_output_features):
    out = nn.HybridSequential(prefix="")
    out.add(nn.BatchNorm())
    out.add(nn.Activation("relu"))
    out.add(nn.Conv2D(num_output_features, kernel_size=1, use_bias=False))
    out.add(nn.AvgPool2D(pool_size=2, strides=2))
    return out


class DenseNet(HybridBlock):
    """DenseNet-BC from "Densely Connected Convolutional Networks".

    Parameters
    ----------
    num_init_features : int
        Channels of the first convolution.
    growth_rate : int
        Channels each dense layer adds (``k`` in the paper).
    block_config : list of int
        Number of layers in each dense block.
    bn_size : int, default 4
        Bottleneck width factor (``bn_size * k`` channels in the 1x1 convolution).
    dropout : float, default 0
        Dropout rate after each dense layer.
    classes : int, default 1000
        Number of classes.
    """

    def __init__(
        self,
        num_init_features,
        growth_rate,
        block_config,
        bn_size=4,
        dropout=0,
        classes=1000,
        **kwargs,
    ):
        super().__init__(**kwargs)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            f = self.features
            f.add(
                nn.Conv2D(
                    num_init_features,
                    kernel_size=7,
                    strides=2,
                    padding=3,
                    use_bias=False,
                )
            )
            f.add(nn.BatchNorm())
            f.add(nn.Activation("relu"))
            f.add(nn.MaxPool2D(pool_size=3, strides=2, padding=1))
            num_features = num_init_features
            for i, num_layers in enumerate(block_config):
                f.add(
                    _make_dense_block(num_layers, bn_size, growth_rate, dropout, i + 1)
                )
                num_features = num_features + num_layers * growth_rate
                if i != len(block_config) - 1:
                    f.add(_make_transition(num_features // 2))
                    num_features = num_features // 2
            f.add(nn.BatchNorm())
            f.add(nn.Activation("relu"))
            f.add(nn.AvgPool2D(pool_size=7))
            f.add(nn.Flatten())
            self.output = nn.Dense(classes)

    def hybrid_forward(self, F, x):
        return self.output(self.features(x))


densenet_spec = {
    121: (64, 32, [6, 12, 24, 16]),
    161: (96, 48, [6, 12, 36, 24]),
    169: (64, 32, [6, 12, 32, 32]),
    201: (64, 32, [6, 12, 48, 32]),
}


def get_densenet(
    num_layers: int,
    pretrained: bool = False,
    ctx=_CPU,
    root: str = os.path.join(base.data_dir(), "models"),
    **kwargs,
) -> HybridBlock:
    """DenseNet-BC with ``num_layers`` (121, 161, 169 or 201) layers.

    Parameters
    ----------
    num_layers : int
        121, 161, 169 or 201.
    pretrained : bool, default False
        Load the pretrained weights (see ``model_store.get_model_file``).
    ctx : Context, default cpu()
        Context of the pretrained weights.
    root : str, default ``$MXNET_HOME/models``
        Directory of the pretrained parameter files.
    **kwargs
        Passed to ``DenseNet`` (``bn_size``, ``dropout``, ``classes``, ``prefix``).
    """
    if num_layers not in densenet_spec:
        raise ValueError(
            f"Invalid number of layers for DenseNet: {num_layers}. "
            f"Options are {sorted(densenet_spec)}."
        )
    num_init_features, growth_rate, block_config = densenet_spec[num_layers]
    net = DenseNet(num_init_features, growth_rate, block_config, **kwargs)
    if pretrained:
        from ..model_store import get_model_file

        net.load_parameters(get_model_file(f"densenet{num_layers}", root=root), ctx=ctx)
    return net


def densenet121(**kwargs) -> HybridBlock:
    """DenseNet-BC-121 (``pretrained``, ``ctx``, ``root`` as in ``get_densenet``)."""
    return get_densenet(121, **kwargs)


def densenet161(**kwargs) -> HybridBlock:
    """DenseNet-BC-161 (``pretrained``, ``ctx``, ``root`` as in ``get_densenet``)."""
    return get_densenet(161, **kwargs)


def densenet169(**kwargs) -> HybridBlock:
    """DenseNet-BC-169 (``pretrained``, ``ctx``, ``root`` as in ``get_densenet``)."""
    return get_densenet(169, **kwargs)


def densenet201(**kwargs) -> HybridBlock:
    """DenseNet-BC-201 (``pretrained``, ``ctx``, ``root`` as in ``get_densenet``)."""
    return get_densenet(201, **kwargs)
