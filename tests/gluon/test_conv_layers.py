"""The conv / pool layers are real classes with MXNet 1.9.1's constructors.

``tests/fixtures/mxnet-1.9.1/layer_signatures/conv_layers.json`` holds the
constructor parameters of every class in MXNet's ``gluon/nn/conv_layers.py``
(``tools/fixtures/layer_signatures.py``). The layers' numbers are checked
against MXNet in ``test_layers.py``.
"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pytest

import neogluon as mx
from neogluon.gluon.nn import conv_layers

FIXTURE = (
    Path(__file__).resolve().parent.parent
    / "fixtures"
    / "mxnet-1.9.1"
    / "layer_signatures"
    / "conv_layers.json"
)
SIGS = json.loads(FIXTURE.read_text())
PUBLIC = sorted(n for n in SIGS if not n.startswith("_"))


def _params(cls) -> list[list]:
    return [
        [
            p.name,
            p.kind.name,
            None if p.default is inspect.Parameter.empty else repr(p.default),
        ]
        for p in inspect.signature(cls.__init__).parameters.values()
    ]


def test_fixture_lists_every_layer():
    assert sorted(conv_layers.__all__) == PUBLIC
    assert len(PUBLIC) == 19


@pytest.mark.parametrize("name", sorted(SIGS))
def test_constructor_signature_is_mxnets(name):
    assert _params(getattr(conv_layers, name)) == SIGS[name]


@pytest.mark.parametrize("name", PUBLIC)
def test_layer_is_a_class_statement_with_its_own_docstring(name):
    cls = getattr(conv_layers, name)
    assert cls.__module__ == conv_layers.__name__ and cls.__qualname__ == name
    assert cls.__init__.__qualname__ == f"{name}.__init__"
    base = "HybridBlock" if name == "ReflectionPad2D" else r"_Conv|_Pooling"
    source = Path(inspect.getsourcefile(conv_layers)).read_text()
    assert re.search(rf"^class {name}\(({base})\):$", source, re.M), name
    doc = inspect.getdoc(cls)
    assert doc and "Parameters" in doc
    for p in list(inspect.signature(cls.__init__).parameters)[1:]:
        if p != "kwargs":
            assert f"{p} :" in doc, f"{name} does not document {p}"
    assert "Shapes:" in doc


@pytest.mark.parametrize(
    "ctor, shape, out_shape",
    [
        ("nn.Conv1D(4, 3, strides=2, padding=1)", (2, 3, 9), (2, 4, 5)),
        ("nn.Conv2D(4, (3, 1), dilation=(2, 1))", (1, 2, 8, 5), (1, 4, 4, 5)),
        ("nn.Conv3D(2, 2, groups=2, in_channels=4)", (1, 4, 3, 3, 3), (1, 2, 2, 2, 2)),
        (
            "nn.Conv1DTranspose(3, 3, strides=2, output_padding=1)",
            (1, 2, 4),
            (1, 3, 10),
        ),
        (
            "nn.Conv2DTranspose(3, 4, strides=2, padding=1)",
            (1, 2, 5, 5),
            (1, 3, 10, 10),
        ),
        ("nn.Conv3DTranspose(1, 2)", (1, 2, 2, 2, 2), (1, 1, 3, 3, 3)),
        ("nn.MaxPool1D()", (1, 2, 7), (1, 2, 3)),
        ("nn.MaxPool2D(3, 2, ceil_mode=True)", (1, 1, 6, 6), (1, 1, 3, 3)),
        ("nn.MaxPool3D(2, 1, 0, True)", (1, 1, 3, 3, 3), (1, 1, 2, 2, 2)),
        ("nn.AvgPool1D(3, 1, 1)", (1, 2, 5), (1, 2, 5)),
        ("nn.AvgPool2D((2, 1))", (1, 1, 4, 3), (1, 1, 2, 3)),
        ("nn.AvgPool3D(layout='NDHWC')", (1, 4, 4, 4, 3), (1, 2, 2, 2, 3)),
        ("nn.GlobalMaxPool1D()", (2, 3, 7), (2, 3, 1)),
        ("nn.GlobalAvgPool2D(layout='NHWC')", (2, 5, 4, 3), (2, 1, 1, 3)),
        ("nn.GlobalAvgPool3D()", (1, 2, 3, 3, 3), (1, 2, 1, 1, 1)),
        ("nn.ReflectionPad2D(2)", (1, 1, 3, 4), (1, 1, 7, 8)),
    ],
)
def test_layers_run_eager_and_hybridized_with_mxnets_shapes(ctor, shape, out_shape):
    nn = mx.gluon.nn  # noqa: F841 - used by eval
    layer = eval(ctor)
    layer.initialize()
    x = mx.nd.random.uniform(shape=shape)
    eager = layer(x)
    assert eager.shape == out_shape
    layer.hybridize()
    hybrid = layer(x)
    assert (hybrid - eager).abs().max().asscalar() < 1e-5


@pytest.mark.parametrize(
    "ctor, match",
    [
        ("nn.Conv1D(2, 3, layout='NWC')", r"Conv1D: layout 'NWC' is not supported"),
        ("nn.Conv2D(2, (3, 3, 3))", r"Conv2D: kernel_size must be .* 2 ints"),
        ("nn.Conv2DTranspose(2, 3, output_padding=(1, 1, 1))", "output_padding"),
        ("nn.Conv2D(3, 3, groups=2)", "channels=3 is not divisible by groups=2"),
        ("nn.MaxPool2D(layout='NCW')", "Only NCHW and NHWC layouts are valid for 2D"),
        ("nn.GlobalAvgPool1D(layout='NCHW')", "GlobalAvgPool1D got layout='NCHW'"),
        ("nn.ReflectionPad2D((1, 2))", "padding must be an int or 8 ints"),
    ],
)
def test_bad_arguments_name_the_layer_and_the_value(ctor, match):
    nn = mx.gluon.nn  # noqa: F841 - used by eval
    with pytest.raises(ValueError, match=match):
        eval(ctor)


def test_transposed_conv_keeps_output_padding_and_deconvolution_op():
    layer = mx.gluon.nn.Conv2DTranspose(2, 3, strides=2, output_padding=1)
    assert layer.outpad == (1, 1)
    assert layer._op_name == "Deconvolution" and layer._kwargs["adj"] == (1, 1)
    assert mx.gluon.nn.Conv2D(2, 3)._op_name == "Convolution"
