"""MobileNet and MobileNetV2 (MXNet 1.9.1 model zoo)."""

from __future__ import annotations

import os

from .... import base
from ....context import cpu
from ... import nn
from ...block import HybridBlock

__all__ = [
    "MobileNet",
    "MobileNetV2",
    "mobilenet1_0",
    "mobilenet_v2_1_0",
    "mobilenet0_75",
    "mobilenet_v2_0_75",
    "mobilenet0_5",
    "mobilenet_v2_0_5",
    "mobilenet0_25",
    "mobilenet_v2_0_25",
    "get_mobilenet",
    "get_mobilenet_v2",
]

# MXNet's default context object for the pretrained weights.
_CPU = cpu()


class RELU6(HybridBlock):
    """ReLU6 (``clip(x, 0, 6)``), used in MobileNetV2."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    def hybrid_forward(self, F, x):
        return F.clip(x, 0, 6, name="relu6")


def _add_conv(
    out, channels=1, kernel=1, stride=1, pad=0, num_group=1, active=True, relu6=False
):
    out.add(nn.Conv2D(channels, kernel, stride, pad, groups=num_group, use_bias=False))
    out.add(nn.BatchNorm(scale=True))
    if active:
        out.add(RELU6() if relu6 else nn.Activation("relu"))


def _add_conv_dw(out, dw_channels, channels, stride, relu6=False):
    _add_conv(
        out,
        channels=dw_channels,
        kernel=3,
        stride=stride,
        pad=1,
        num_group=dw_channels,
        relu6=relu6,
    )
    _add_conv(out, channels=channels, relu6=relu6)


class LinearBottleneck(HybridBlock):
    """MobileNetV2 inverted residual block with a linear bottleneck.

    Parameters
    ----------
    in_channels : int
        Number of input channels.
    channels : int
        Number of output channels.
    t : int
        Expansion ratio.
    stride : int
        Stride of the depthwise convolution.
    """

    def __init__(self, in_channels, channels, t, stride, **kwargs):
        super().__init__(**kwargs)
        self.use_shortcut = stride == 1 and in_channels == channels
        with self.name_scope():
            self.out = nn.HybridSequential()
            _add_conv(self.out, in_channels * t, relu6=True)
            _add_conv(
                self.out,
                in_channels * t,
                kernel=3,
                stride=stride,
                pad=1,
                num_group=in_channels * t,
                relu6=True,
            )
            _add_conv(self.out, channels, active=False, relu6=True)

    def hybrid_forward(self, F, x):
        out = self.out(x)
        if self.use_shortcut:
            out = F.elemwise_add(out, x)
        return out


class MobileNet(HybridBlock):
    """MobileNet from "MobileNets: Efficient Convolutional Neural Networks for
    Mobile Vision Applications".

    Parameters
    ----------
    multiplier : float, default 1.0
        Width multiplier (>= 0.25): every layer has ``int(c * multiplier)`` channels.
    classes : int, default 1000
        Number of classes.
    """

    def __init__(self, multiplier=1.0, classes=1000, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            with self.features.name_scope():
                _add_conv(
                    self.features,
                    channels=int(32 * multiplier),
                    kernel=3,
                    pad=1,
                    stride=2,
                )
                dw_channels = [
                    int(x * multiplier)
                    for x in [32, 64] + [128] * 2 + [256] * 2 + [512] * 6 + [1024]
                ]
                channels = [
                    int(x * multiplier)
                    for x in [64] + [128] * 2 + [256] * 2 + [512] * 6 + [1024] * 2
                ]
                strides = [1, 2] * 3 + [1] * 5 + [2, 1]
                for dwc, c, s in zip(dw_channels, channels, strides, strict=True):
                    _add_conv_dw(self.features, dw_channels=dwc, channels=c, stride=s)
                self.features.add(nn.GlobalAvgPool2D())
                self.features.add(nn.Flatten())
            self.output = nn.Dense(classes)

    def hybrid_forward(self, F, x):
        return self.output(self.features(x))


class MobileNetV2(HybridBlock):
    """MobileNetV2 from "Inverted Residuals and Linear Bottlenecks".

    Parameters
    ----------
    multiplier : float, default 1.0
        Width multiplier: every layer has ``int(c * multiplier)`` channels (the
        last convolution keeps 1280 unless ``multiplier > 1``).
    classes : int, default 1000
        Number of classes.
    """

    def __init__(self, multiplier=1.0, classes=1000, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="features_")
            with self.features.name_scope():
                _add_conv(
                    self.features,
                    int(32 * multiplier),
                    kernel=3,
                    stride=2,
                    pad=1,
                    relu6=True,
                )
                in_channels_group = [
                    int(x * multiplier)
                    for x in [32]
                    + [16]
                    + [24] * 2
                    + [32] * 3
                    + [64] * 4
                    + [96] * 3
                    + [160] * 3
                ]
                channels_group = [
                    int(x * multiplier)
                    for x in [16]
                    + [24] * 2
                    + [32] * 3
                    + [64] * 4
                    + [96] * 3
                    + [160] * 3
                    + [320]
                ]
                ts = [1] + [6] * 16
                strides = [1, 2] * 2 + [1, 1, 2] + [1] * 6 + [2] + [1] * 3
                for in_c, c, t, s in zip(
                    in_channels_group, channels_group, ts, strides, strict=True
                ):
                    self.features.add(
                        LinearBottleneck(in_channels=in_c, channels=c, t=t, stride=s)
                    )
                last_channels = int(1280 * multiplier) if multiplier > 1.0 else 1280
                _add_conv(self.features, last_channels, relu6=True)
                self.features.add(nn.GlobalAvgPool2D())
            self.output = nn.HybridSequential(prefix="output_")
            with self.output.name_scope():
                self.output.add(
                    nn.Conv2D(classes, 1, use_bias=False, prefix="pred_"),
                    nn.Flatten(),
                )

    def hybrid_forward(self, F, x):
        return self.output(self.features(x))


def _version_suffix(multiplier: float) -> str:
    # MXNet's file names: 1.0, 0.75, 0.5, 0.25.
    suffix = f"{multiplier:.2f}"
    return suffix[:-1] if suffix in ("1.00", "0.50") else suffix


def get_mobilenet(
    multiplier: float,
    pretrained: bool = False,
    ctx=_CPU,
    root: str = os.path.join(base.data_dir(), "models"),
    **kwargs,
) -> HybridBlock:
    """MobileNet with width multiplier ``multiplier``.

    Parameters
    ----------
    multiplier : float
        Width multiplier (pretrained weights exist for 1.0, 0.75, 0.5, 0.25).
    pretrained : bool, default False
        Load the pretrained weights (see ``model_store.get_model_file``).
    ctx : Context, default cpu()
        Context of the pretrained weights.
    root : str, default ``$MXNET_HOME/models``
        Directory of the pretrained parameter files.
    **kwargs
        Passed to ``MobileNet`` (``classes``, ``prefix``).
    """
    net = MobileNet(multiplier, **kwargs)
    if pretrained:
        from ..model_store import get_model_file

        name = f"mobilenet{_version_suffix(multiplier)}"
        net.load_parameters(get_model_file(name, root=root), ctx=ctx)
    return net


def get_mobilenet_v2(
    multiplier: float,
    pretrained: bool = False,
    ctx=_CPU,
    root: str = os.path.join(base.data_dir(), "models"),
    **kwargs,
) -> HybridBlock:
    """MobileNetV2 with width multiplier ``multiplier``.

    Parameters
    ----------
    multiplier : float
        Width multiplier (pretrained weights exist for 1.0, 0.75, 0.5, 0.25).
    pretrained : bool, default False
        Load the pretrained weights (see ``model_store.get_model_file``).
    ctx : Context, default cpu()
        Context of the pretrained weights.
    root : str, default ``$MXNET_HOME/models``
        Directory of the pretrained parameter files.
    **kwargs
        Passed to ``MobileNetV2`` (``classes``, ``prefix``).
    """
    net = MobileNetV2(multiplier, **kwargs)
    if pretrained:
        from ..model_store import get_model_file

        name = f"mobilenetv2_{_version_suffix(multiplier)}"
        net.load_parameters(get_model_file(name, root=root), ctx=ctx)
    return net


def mobilenet1_0(**kwargs) -> HybridBlock:
    """MobileNet 1.0 (``pretrained``, ``ctx``, ``root`` as in ``get_mobilenet``)."""
    return get_mobilenet(1.0, **kwargs)


def mobilenet_v2_1_0(**kwargs) -> HybridBlock:
    """MobileNetV2 1.0 (``pretrained``, ``ctx``, ``root`` as in ``get_mobilenet_v2``)."""
    return get_mobilenet_v2(1.0, **kwargs)


def mobilenet0_75(**kwargs) -> HybridBlock:
    """MobileNet 0.75 (``pretrained``, ``ctx``, ``root`` as in ``get_mobilenet``)."""
    return get_mobilenet(0.75, **kwargs)


def mobilenet_v2_0_75(**kwargs) -> HybridBlock:
    """MobileNetV2 0.75 (``pretrained``, ``ctx``, ``root`` as in ``get_mobilenet_v2``)."""
    return get_mobilenet_v2(0.75, **kwargs)


def mobilenet0_5(**kwargs) -> HybridBlock:
    """MobileNet 0.5 (``pretrained``, ``ctx``, ``root`` as in ``get_mobilenet``)."""
    return get_mobilenet(0.5, **kwargs)


def mobilenet_v2_0_5(**kwargs) -> HybridBlock:
    """MobileNetV2 0.5 (``pretrained``, ``ctx``, ``root`` as in ``get_mobilenet_v2``)."""
    return get_mobilenet_v2(0.5, **kwargs)


def mobilenet0_25(**kwargs) -> HybridBlock:
    """MobileNet 0.25 (``pretrained``, ``ctx``, ``root`` as in ``get_mobilenet``)."""
    return get_mobilenet(0.25, **kwargs)


def mobilenet_v2_0_25(**kwargs) -> HybridBlock:
    """MobileNetV2 0.25 (``pretrained``, ``ctx``, ``root`` as in ``get_mobilenet_v2``)."""
    return get_mobilenet_v2(0.25, **kwargs)
