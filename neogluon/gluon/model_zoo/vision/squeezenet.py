"""SqueezeNet 1.0 and 1.1 (MXNet 1.9.1 model zoo)."""

from __future__ import annotations

import os

from .... import base
from ....context import cpu
from ....registry import AssertionValueError
from ... import nn
from ...block import HybridBlock
from ...contrib.nn import HybridConcurrent

__all__ = ["SqueezeNet", "squeezenet1_0", "squeezenet1_1"]

# MXNet's default context object for the pretrained weights.
_CPU = cpu()


def _make_fire(squeeze_channels, expand1x1_channels, expand3x3_channels):
    out = nn.HybridSequential(prefix="")
    out.add(_make_fire_conv(squeeze_channels, 1))
    paths = HybridConcurrent(axis=1, prefix="")
    paths.add(_make_fire_conv(expand1x1_channels, 1))
    paths.add(_make_fire_conv(expand3x3_channels, 3, 1))
    out.add(paths)
    return out


def _make_fire_conv(channels, kernel_size, padding=0):
    out = nn.HybridSequential(prefix="")
    out.add(nn.Conv2D(channels, kernel_size, padding=padding))
    out.add(nn.Activation("relu"))
    return out


class SqueezeNet(HybridBlock):
    """SqueezeNet 1.0 (paper) or 1.1 (official repo, 2.4x less computation).

    Parameters
    ----------
    version : str
        ``'1.0'`` or ``'1.1'``.
    classes : int, default 1000
        Number of classes.
    """

    def __init__(self, version, classes=1000, **kwargs):
        super().__init__(**kwargs)
        if version not in ("1.0", "1.1"):
            raise AssertionValueError(
                f"Unsupported SqueezeNet version {version}:1.0 or 1.1 expected"
            )
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            f = self.features
            if version == "1.0":
                f.add(nn.Conv2D(96, kernel_size=7, strides=2))
                f.add(nn.Activation("relu"))
                f.add(nn.MaxPool2D(pool_size=3, strides=2, ceil_mode=True))
                f.add(_make_fire(16, 64, 64))
                f.add(_make_fire(16, 64, 64))
                f.add(_make_fire(32, 128, 128))
                f.add(nn.MaxPool2D(pool_size=3, strides=2, ceil_mode=True))
                f.add(_make_fire(32, 128, 128))
                f.add(_make_fire(48, 192, 192))
                f.add(_make_fire(48, 192, 192))
                f.add(_make_fire(64, 256, 256))
                f.add(nn.MaxPool2D(pool_size=3, strides=2, ceil_mode=True))
                f.add(_make_fire(64, 256, 256))
            else:
                f.add(nn.Conv2D(64, kernel_size=3, strides=2))
                f.add(nn.Activation("relu"))
                f.add(nn.MaxPool2D(pool_size=3, strides=2, ceil_mode=True))
                f.add(_make_fire(16, 64, 64))
                f.add(_make_fire(16, 64, 64))
                f.add(nn.MaxPool2D(pool_size=3, strides=2, ceil_mode=True))
                f.add(_make_fire(32, 128, 128))
                f.add(_make_fire(32, 128, 128))
                f.add(nn.MaxPool2D(pool_size=3, strides=2, ceil_mode=True))
                f.add(_make_fire(48, 192, 192))
                f.add(_make_fire(48, 192, 192))
                f.add(_make_fire(64, 256, 256))
                f.add(_make_fire(64, 256, 256))
            f.add(nn.Dropout(0.5))
            self.output = nn.HybridSequential(prefix="")
            self.output.add(nn.Conv2D(classes, kernel_size=1))
            self.output.add(nn.Activation("relu"))
            self.output.add(nn.AvgPool2D(13))
            self.output.add(nn.Flatten())

    def hybrid_forward(self, F, x):
        return self.output(self.features(x))


def get_squeezenet(
    version: str,
    pretrained: bool = False,
    ctx=_CPU,
    root: str = os.path.join(base.data_dir(), "models"),
    **kwargs,
) -> HybridBlock:
    """SqueezeNet ``version`` (``'1.0'`` or ``'1.1'``).

    Parameters
    ----------
    version : str
        ``'1.0'`` or ``'1.1'``.
    pretrained : bool, default False
        Load the pretrained weights (see ``model_store.get_model_file``).
    ctx : Context, default cpu()
        Context of the pretrained weights.
    root : str, default ``$MXNET_HOME/models``
        Directory of the pretrained parameter files.
    **kwargs
        Passed to ``SqueezeNet`` (``classes``, ``prefix``).
    """
    net = SqueezeNet(version, **kwargs)
    if pretrained:
        from ..model_store import get_model_file

        net.load_parameters(get_model_file(f"squeezenet{version}", root=root), ctx=ctx)
    return net


def squeezenet1_0(**kwargs) -> HybridBlock:
    """SqueezeNet 1.0 (``pretrained``, ``ctx``, ``root`` as in ``get_squeezenet``)."""
    return get_squeezenet("1.0", **kwargs)


def squeezenet1_1(**kwargs) -> HybridBlock:
    """SqueezeNet 1.1 (``pretrained``, ``ctx``, ``root`` as in ``get_squeezenet``)."""
    return get_squeezenet("1.1", **kwargs)
