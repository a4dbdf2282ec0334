"""Predefined vision models (MXNet 1.9.1's ``gluon.model_zoo.vision``).

AlexNet, DenseNet, Inception V3, ResNet V1/V2, SqueezeNet, VGG, MobileNet and
MobileNetV2, with MXNet's layer layout, so parameter names (``collect_params``),
structural ``save_parameters`` keys and pretrained files are interchangeable.
Build a model with random weights by its constructor or by name::

    from neogluon.gluon.model_zoo import vision
    net = vision.resnet18_v1()
    net = vision.get_model('mobilenet0.25', classes=10)

``pretrained=True`` loads ``$MXNET_HOME/models/<name>-<sha1[:8]>.params``
(downloaded once when missing). The pretrained models expect RGB images scaled
to [0, 1] and normalized with mean ``[0.485, 0.456, 0.406]`` and std
``[0.229, 0.224, 0.225]``, at least 224x224 (299x299 for Inception V3).
"""

from __future__ import annotations

from .alexnet import *  # noqa: F403
from .alexnet import __all__ as _alexnet_all
from .densenet import *  # noqa: F403
from .densenet import __all__ as _densenet_all
from .inception import *  # noqa: F403
from .inception import __all__ as _inception_all
from .mobilenet import *  # noqa: F403
from .mobilenet import __all__ as _mobilenet_all
from .resnet import *  # noqa: F403
from .resnet import __all__ as _resnet_all
from .squeezenet import *  # noqa: F403
from .squeezenet import __all__ as _squeezenet_all
from .vgg import *  # noqa: F403
from .vgg import __all__ as _vgg_all

__all__ = [
    "get_model",
    *_alexnet_all,
    *_densenet_all,
    *_inception_all,
    *_resnet_all,
    *_squeezenet_all,
    *_vgg_all,
    *_mobilenet_all,
]

_models = {
    "resnet18_v1": resnet18_v1,  # noqa: F405
    "resnet34_v1": resnet34_v1,  # noqa: F405
    "resnet50_v1": resnet50_v1,  # noqa: F405
    "resnet101_v1": resnet101_v1,  # noqa: F405
    "resnet152_v1": resnet152_v1,  # noqa: F405
    "resnet18_v2": resnet18_v2,  # noqa: F405
    "resnet34_v2": resnet34_v2,  # noqa: F405
    "resnet50_v2": resnet50_v2,  # noqa: F405
    "resnet101_v2": resnet101_v2,  # noqa: F405
    "resnet152_v2": resnet152_v2,  # noqa: F405
    "vgg11": vgg11,  # noqa: F405
    "vgg13": vgg13,  # noqa: F405
    "vgg16": vgg16,  # noqa: F405
    "vgg19": vgg19,  # noqa: F405
    "vgg11_bn": vgg11_bn,  # noqa: F405
    "vgg13_bn": vgg13_bn,  # noqa: F405
    "vgg16_bn": vgg16_bn,  # noqa: F405
    "vgg19_bn": vgg19_bn,  # noqa: F405
    "alexnet": alexnet,  # noqa: F405
    "densenet121": densenet121,  # noqa: F405
    "densenet161": densenet161,  # noqa: F405
    "densenet169": densenet169,  # noqa: F405
    "densenet201": densenet201,  # noqa: F405
    "squeezenet1.0": squeezenet1_0,  # noqa: F405
    "squeezenet1.1": squeezenet1_1,  # noqa: F405
    "inceptionv3": inception_v3,  # noqa: F405
    "mobilenet1.0": mobilenet1_0,  # noqa: F405
    "mobilenet0.75": mobilenet0_75,  # noqa: F405
    "mobilenet0.5": mobilenet0_5,  # noqa: F405
    "mobilenet0.25": mobilenet0_25,  # noqa: F405
    "mobilenetv2_1.0": mobilenet_v2_1_0,  # noqa: F405
    "mobilenetv2_0.75": mobilenet_v2_0_75,  # noqa: F405
    "mobilenetv2_0.5": mobilenet_v2_0_5,  # noqa: F405
    "mobilenetv2_0.25": mobilenet_v2_0_25,  # noqa: F405
}


def get_model(name: str, **kwargs):
    """A predefined model by name (case-insensitive), e.g. ``'resnet50_v1'``.

    Parameters
    ----------
    name : str
        One of the 34 model names (``resnet18_v1`` ... ``mobilenetv2_0.25``).
    pretrained : bool, default False
        Load the pretrained weights.
    classes : int, default 1000
        Number of classes of the output layer.
    ctx : Context, default cpu()
        Context of the pretrained weights.
    root : str, default ``$MXNET_HOME/models``
        Directory of the pretrained parameter files.

    Returns
    -------
    HybridBlock
        The model.

    Examples
    --------
    >>> import neogluon as mx
    >>> net = mx.gluon.model_zoo.vision.get_model('resnet18_v1', classes=10)
    >>> net.output
    Dense(512 -> 10, linear)
    """
    name = name.lower()
    if name not in _models:
        raise ValueError(
            "Model {} is not supported. Available options are\n\t{}".format(
                name, "\n\t".join(sorted(_models))
            )
        )
    return _models[name](**kwargs)
