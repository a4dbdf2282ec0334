"""AlexNet (MXNet 1.9.1 model zoo)."""

from __future__ import annotations

import os

from .... import base
from ....context import cpu
from ... import nn
from ...block import HybridBlock

__all__ = ["AlexNet", "alexnet"]

# MXNet's default context object for the pretrained weights.
_CPU = cpu()


class AlexNet(HybridBlock):
    """AlexNet from "One weird trick for parallelizing convolutional neural networks".

    Parameters
    ----------
    classes : int, default 1000
        Number of classes.
    """

    def __init__(self, classes=1000, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            with self.features.name_scope():
                f = self.features
                f.add(
                    nn.Conv2D(
                        64, kernel_size=11, strides=4, padding=2, activation="relu"
                    )
                )
                f.add(nn.MaxPool2D(pool_size=3, strides=2))
                f.add(nn.Conv2D(192, kernel_size=5, padding=2, activation="relu"))
                f.add(nn.MaxPool2D(pool_size=3, strides=2))
                f.add(nn.Conv2D(384, kernel_size=3, padding=1, activation="relu"))
                f.add(nn.Conv2D(256, kernel_size=3, padding=1, activation="relu"))
                f.add(nn.Conv2D(256, kernel_size=3, padding=1, activation="relu"))
                f.add(nn.MaxPool2D(pool_size=3, strides=2))
                f.add(nn.Flatten())
                f.add(nn.Dense(4096, activation="relu"))
                f.add(nn.Dropout(0.5))
                f.add(nn.Dense(4096, activation="relu"))
                f.add(nn.Dropout(0.5))
            self.output = nn.Dense(classes)

    def hybrid_forward(self, F, x):
        return self.output(self.features(x))


def alexnet(
    pretrained: bool = False,
    ctx=_CPU,
    root: str = os.path.join(base.data_dir(), "models"),
    **kwargs,
) -> HybridBlock:
    """AlexNet.

    Parameters
    ----------
    pretrained : bool, default False
        Load the pretrained weights (see ``model_store.get_model_file``).
    ctx : Context, default cpu()
        Context of the pretrained weights.
    root : str, default ``$MXNET_HOME/models``
        Directory of the pretrained parameter files.
    **kwargs
        Passed to ``AlexNet`` (``classes``, ``prefix``).
    """
    net = AlexNet(**kwargs)
    if pretrained:
        from ..model_store import get_model_file

        net.load_parameters(get_model_file("alexnet", root=root), ctx=ctx)
    return net
