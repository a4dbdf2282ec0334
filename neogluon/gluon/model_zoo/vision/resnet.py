"""ResNet V1 and V2 (MXNet 1.9.1 model zoo layout and parameter names)."""

from __future__ import annotations

import os

from .... import base
from ....context import cpu
from ....registry import AssertionValueError
from ... import nn
from ...block import HybridBlock

__all__ = [
    "ResNetV1",
    "ResNetV2",
    "BasicBlockV1",
    "BasicBlockV2",
    "BottleneckV1",
    "BottleneckV2",
    "resnet18_v1",
    "resnet34_v1",
    "resnet50_v1",
    "resnet101_v1",
    "resnet152_v1",
    "resnet18_v2",
    "resnet34_v2",
    "resnet50_v2",
    "resnet101_v2",
    "resnet152_v2",
    "get_resnet",
]

# MXNet's default context object for the pretrained weights.
_CPU = cpu()


def _conv3x3(channels: int, stride: int, in_channels: int) -> nn.Conv2D:
    return nn.Conv2D(
        channels,
        kernel_size=3,
        strides=stride,
        padding=1,
        use_bias=False,
        in_channels=in_channels,
    )


def _downsample_v1(channels: int, stride: int, in_channels: int) -> nn.HybridSequential:
    out = nn.HybridSequential(prefix="")
    out.add(
        nn.Conv2D(
            channels,
            kernel_size=1,
            strides=stride,
            use_bias=False,
            in_channels=in_channels,
        )
    )
    out.add(nn.BatchNorm())
    return out


class BasicBlockV1(HybridBlock):
    """ResNet V1 basic block (two 3x3 convolutions), used by ResNet-18/34.

    Parameters
    ----------
    channels : int
        Number of output channels.
    stride : int
        Stride of the first convolution.
    downsample : bool, default False
        Whether to project the residual with a strided 1x1 convolution.
    in_channels : int, default 0
        Number of input channels; 0 infers it from the first input.
    """

    def __init__(
        self,
        channels: int,
        stride: int,
        downsample: bool = False,
        in_channels: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.body = nn.HybridSequential(prefix="")
        self.body.add(_conv3x3(channels, stride, in_channels))
        self.body.add(nn.BatchNorm())
        self.body.add(nn.Activation("relu"))
        self.body.add(_conv3x3(channels, 1, channels))
        self.body.add(nn.BatchNorm())
        if downsample:
            self.downsample = _downsample_v1(channels, stride, in_channels)
        else:
            self.downsample = None

    def hybrid_forward(self, F, x):
        residual = x
        x = self.body(x)
        if self.downsample is not None:
            residual = self.downsample(residual)
        return F.Activation(residual + x, act_type="relu")


class BottleneckV1(HybridBlock):
    """ResNet V1 bottleneck block (1x1, 3x3, 1x1), used by ResNet-50/101/152.

    Parameters
    ----------
    channels : int
        Number of output channels (the inner convolutions use ``channels // 4``).
    stride : int
        Stride of the first convolution.
    downsample : bool, default False
        Whether to project the residual with a strided 1x1 convolution.
    in_channels : int, default 0
        Number of input channels; 0 infers it from the first input.
    """

    def __init__(
        self,
        channels: int,
        stride: int,
        downsample: bool = False,
        in_channels: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.body = nn.HybridSequential(prefix="")
        # MXNet's V1 bottleneck: the strided 1x1 convolution keeps its bias.
        self.body.add(nn.Conv2D(channels // 4, kernel_size=1, strides=stride))
        self.body.add(nn.BatchNorm())
        self.body.add(nn.Activation("relu"))
        self.body.add(_conv3x3(channels // 4, 1, channels // 4))
        self.body.add(nn.BatchNorm())
        self.body.add(nn.Activation("relu"))
        self.body.add(nn.Conv2D(channels, kernel_size=1, strides=1))
        self.body.add(nn.BatchNorm())
        if downsample:
            self.downsample = _downsample_v1(channels, stride, in_channels)
        else:
            self.downsample = None

    def hybrid_forward(self, F, x):
        residual = x
        x = self.body(x)
        if self.downsample is not None:
            residual = self.downsample(residual)
        return F.Activation(x + residual, act_type="relu")


class BasicBlockV2(HybridBlock):
    """ResNet V2 (pre-activation) basic block, used by ResNet-18/34 V2.

    Parameters
    ----------
    channels : int
        Number of output channels.
    stride : int
        Stride of the first convolution.
    downsample : bool, default False
        Whether to project the residual with a strided 1x1 convolution.
    in_channels : int, default 0
        Number of input channels; 0 infers it from the first input.
    """

    def __init__(
        self,
        channels: int,
        stride: int,
        downsample: bool = False,
        in_channels: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.bn1 = nn.BatchNorm()
        self.conv1 = _conv3x3(channels, stride, in_channels)
        self.bn2 = nn.BatchNorm()
        self.conv2 = _conv3x3(channels, 1, channels)
        if downsample:
            self.downsample = nn.Conv2D(
                channels, 1, stride, use_bias=False, in_channels=in_channels
            )
        else:
            self.downsample = None

    def hybrid_forward(self, F, x):
        residual = x
        x = F.Activation(self.bn1(x), act_type="relu")
        if self.downsample is not None:
            residual = self.downsample(x)
        x = self.conv1(x)
        x = F.Activation(self.bn2(x), act_type="relu")
        x = self.conv2(x)
        return x + residual


class BottleneckV2(HybridBlock):
    """ResNet V2 (pre-activation) bottleneck block, used by ResNet-50/101/152 V2.

    Parameters
    ----------
    channels : int
        Number of output channels (the inner convolutions use ``channels // 4``).
    stride : int
        Stride of the 3x3 convolution.
    downsample : bool, default False
        Whether to project the residual with a strided 1x1 convolution.
    in_channels : int, default 0
        Number of input channels; 0 infers it from the first input.
    """

    def __init__(
        self,
        channels: int,
        stride: int,
        downsample: bool = False,
        in_channels: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.bn1 = nn.BatchNorm()
        self.conv1 = nn.Conv2D(channels // 4, kernel_size=1, strides=1, use_bias=False)
        self.bn2 = nn.BatchNorm()
        self.conv2 = _conv3x3(channels // 4, stride, channels // 4)
        self.bn3 = nn.BatchNorm()
        self.conv3 = nn.Conv2D(channels, kernel_size=1, strides=1, use_bias=False)
        if downsample:
            self.downsample = nn.Conv2D(
                channels, 1, stride, use_bias=False, in_channels=in_channels
            )
        else:
            self.downsample = None

    def hybrid_forward(self, F, x):
        residual = x
        x = F.Activation(self.bn1(x), act_type="relu")
        if self.downsample is not None:
            residual = self.downsample(x)
        x = self.conv1(x)
        x = F.Activation(self.bn2(x), act_type="relu")
        x = self.conv2(x)
        x = F.Activation(self.bn3(x), act_type="relu")
        x = self.conv3(x)
        return x + residual


def _check_layers(cls: str, layers, channels) -> None:
    if len(layers) != len(channels) - 1:
        raise AssertionValueError(
            f"{cls} needs one more entry in channels than in layers (the stem's "
            f"width first), got layers={list(layers)} and channels={list(channels)}."
        )


def _make_stage(block, num_layers, channels, stride, stage_index, in_channels):
    layer = nn.HybridSequential(prefix=f"stage{stage_index}_")
    with layer.name_scope():
        layer.add(
            block(
                channels,
                stride,
                channels != in_channels,
                in_channels=in_channels,
                prefix="",
            )
        )
        for _ in range(num_layers - 1):
            layer.add(block(channels, 1, False, in_channels=channels, prefix=""))
    return layer


class ResNetV1(HybridBlock):
    """ResNet V1 from "Deep Residual Learning for Image Recognition".

    Parameters
    ----------
    block : type
        Residual block class: ``BasicBlockV1`` or ``BottleneckV1``.
    layers : list of int
        Number of blocks in each stage.
    channels : list of int
        Stem width followed by each stage's width (one longer than ``layers``).
    classes : int, default 1000
        Number of classes.
    thumbnail : bool, default False
        Use a 3x3 stem without pooling (for small images such as CIFAR).

    Examples
    --------
    >>> import neogluon as mx
    >>> net = mx.gluon.model_zoo.vision.ResNetV1(
    ...     mx.gluon.model_zoo.vision.BasicBlockV1, [2, 2, 2, 2],
    ...     [64, 64, 128, 256, 512], classes=10)
    """

    def __init__(
        self, block, layers, channels, classes=1000, thumbnail=False, **kwargs
    ):
        super().__init__(**kwargs)
        _check_layers("ResNetV1", layers, channels)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            if thumbnail:
                self.features.add(_conv3x3(channels[0], 1, 0))
            else:
                self.features.add(nn.Conv2D(channels[0], 7, 2, 3, use_bias=False))
                self.features.add(nn.BatchNorm())
                self.features.add(nn.Activation("relu"))
                self.features.add(nn.MaxPool2D(3, 2, 1))
            for i, num_layer in enumerate(layers):
                stride = 1 if i == 0 else 2
                self.features.add(
                    self._make_layer(
                        block, num_layer, channels[i + 1], stride, i + 1, channels[i]
                    )
                )
            self.features.add(nn.GlobalAvgPool2D())
            self.output = nn.Dense(classes, in_units=channels[-1])

    def _make_layer(self, block, layers, channels, stride, stage_index, in_channels=0):
        return _make_stage(block, layers, channels, stride, stage_index, in_channels)

    def hybrid_forward(self, F, x):
        return self.output(self.features(x))


class ResNetV2(HybridBlock):
    """ResNet V2 from "Identity Mappings in Deep Residual Networks".

    Parameters
    ----------
    block : type
        Residual block class: ``BasicBlockV2`` or ``BottleneckV2``.
    layers : list of int
        Number of blocks in each stage.
    channels : list of int
        Stem width followed by each stage's width (one longer than ``layers``).
    classes : int, default 1000
        Number of classes.
    thumbnail : bool, default False
        Use a 3x3 stem without pooling (for small images such as CIFAR).
    """

    def __init__(
        self, block, layers, channels, classes=1000, thumbnail=False, **kwargs
    ):
        super().__init__(**kwargs)
        _check_layers("ResNetV2", layers, channels)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            self.features.add(nn.BatchNorm(scale=False, center=False))
            if thumbnail:
                self.features.add(_conv3x3(channels[0], 1, 0))
            else:
                self.features.add(nn.Conv2D(channels[0], 7, 2, 3, use_bias=False))
                self.features.add(nn.BatchNorm())
                self.features.add(nn.Activation("relu"))
                self.features.add(nn.MaxPool2D(3, 2, 1))
            in_channels = channels[0]
            for i, num_layer in enumerate(layers):
                stride = 1 if i == 0 else 2
                self.features.add(
                    self._make_layer(
                        block, num_layer, channels[i + 1], stride, i + 1, in_channels
                    )
                )
                in_channels = channels[i + 1]
            self.features.add(nn.BatchNorm())
            self.features.add(nn.Activation("relu"))
            self.features.add(nn.GlobalAvgPool2D())
            self.features.add(nn.Flatten())
            self.output = nn.Dense(classes, in_units=in_channels)

    def _make_layer(self, block, layers, channels, stride, stage_index, in_channels=0):
        return _make_stage(block, layers, channels, stride, stage_index, in_channels)

    def hybrid_forward(self, F, x):
        return self.output(self.features(x))


resnet_spec = {
    18: ("basic_block", [2, 2, 2, 2], [64, 64, 128, 256, 512]),
    34: ("basic_block", [3, 4, 6, 3], [64, 64, 128, 256, 512]),
    50: ("bottle_neck", [3, 4, 6, 3], [64, 256, 512, 1024, 2048]),
    101: ("bottle_neck", [3, 4, 23, 3], [64, 256, 512, 1024, 2048]),
    152: ("bottle_neck", [3, 8, 36, 3], [64, 256, 512, 1024, 2048]),
}

resnet_net_versions = [ResNetV1, ResNetV2]
resnet_block_versions = [
    {"basic_block": BasicBlockV1, "bottle_neck": BottleneckV1},
    {"basic_block": BasicBlockV2, "bottle_neck": BottleneckV2},
]


def get_resnet(
    version: int,
    num_layers: int,
    pretrained: bool = False,
    ctx=_CPU,
    root: str = os.path.join(base.data_dir(), "models"),
    **kwargs,
) -> HybridBlock:
    """ResNet V1 or V2 with ``num_layers`` layers.

    Parameters
    ----------
    version : int
        1 or 2.
    num_layers : int
        18, 34, 50, 101 or 152.
    pretrained : bool, default False
        Load the pretrained weights (see ``model_store.get_model_file``).
    ctx : Context, default cpu()
        Context of the pretrained weights.
    root : str, default ``$MXNET_HOME/models``
        Directory of the pretrained parameter files.
    **kwargs
        Passed to ``ResNetV1``/``ResNetV2`` (``classes``, ``thumbnail``, ``prefix``).
    """
    if num_layers not in resnet_spec:
        raise AssertionValueError(
            f"Invalid number of layers: {num_layers}. "
            f"Options are {str(resnet_spec.keys())}"
        )
    if version not in (1, 2):
        raise AssertionValueError(
            f"Invalid resnet version: {version}. Options are 1 and 2."
        )
    block_type, layers, channels = resnet_spec[num_layers]
    resnet_class = resnet_net_versions[version - 1]
    block_class = resnet_block_versions[version - 1][block_type]
    net = resnet_class(block_class, layers, channels, **kwargs)
    if pretrained:
        from ..model_store import get_model_file

        net.load_parameters(
            get_model_file(f"resnet{num_layers}_v{version}", root=root), ctx=ctx
        )
    return net


def resnet18_v1(**kwargs) -> HybridBlock:
    """ResNet-18 V1 (``pretrained``, ``ctx``, ``root`` as in ``get_resnet``)."""
    return get_resnet(1, 18, **kwargs)


def resnet34_v1(**kwargs) -> HybridBlock:
    """ResNet-34 V1 (``pretrained``, ``ctx``, ``root`` as in ``get_resnet``)."""
    return get_resnet(1, 34, **kwargs)


def resnet50_v1(**kwargs) -> HybridBlock:
    """ResNet-50 V1 (``pretrained``, ``ctx``, ``root`` as in ``get_resnet``)."""
    return get_resnet(1, 50, **kwargs)


def resnet101_v1(**kwargs) -> HybridBlock:
    """ResNet-101 V1 (``pretrained``, ``ctx``, ``root`` as in ``get_resnet``)."""
    return get_resnet(1, 101, **kwargs)


def resnet152_v1(**kwargs) -> HybridBlock:
    """ResNet-152 V1 (``pretrained``, ``ctx``, ``root`` as in ``get_resnet``)."""
    return get_resnet(1, 152, **kwargs)


def resnet18_v2(**kwargs) -> HybridBlock:
    """ResNet-18 V2 (``pretrained``, ``ctx``, ``root`` as in ``get_resnet``)."""
    return get_resnet(2, 18, **kwargs)


def resnet34_v2(**kwargs) -> HybridBlock:
    """ResNet-34 V2 (``pretrained``, ``ctx``, ``root`` as in ``get_resnet``)."""
    return get_resnet(2, 34, **kwargs)


def resnet50_v2(**kwargs) -> HybridBlock:
    """ResNet-50 V2 (``pretrained``, ``ctx``, ``root`` as in ``get_resnet``)."""
    return get_resnet(2, 50, **kwargs)


def resnet101_v2(**kwargs) -> HybridBlock:
    """ResNet-101 V2 (``pretrained``, ``ctx``, ``root`` as in ``get_resnet``)."""
    return get_resnet(2, 101, **kwargs)


def resnet152_v2(**kwargs) -> HybridBlock:
    """ResNet-152 V2 (``pretrained``, ``ctx``, ``root`` as in ``get_resnet``)."""
    return get_resnet(2, 152, **kwargs)
