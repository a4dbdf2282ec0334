"""Import paths that MXNet 1.9.1 user code reaches for resolve under neogluon.

One test per path, so a report lists exactly which paths are still missing.
Module paths are imported with ``importlib``; attribute paths start at
``neogluon`` (``mx``) and are looked up one attribute at a time.
"""

from __future__ import annotations

import importlib

import pytest

import neogluon as mx

MODULES = [
    "neogluon.base",
    "neogluon.util",
    "neogluon.context",
    "neogluon.ndarray",
    "neogluon.ndarray.ndarray",
    "neogluon.symbol",
    "neogluon.autograd",
    "neogluon.initializer",
    "neogluon.optimizer",
    "neogluon.test_utils",
    "neogluon.gluon",
    "neogluon.gluon.block",
    "neogluon.gluon.parameter",
    "neogluon.gluon.trainer",
    "neogluon.gluon.loss",
    "neogluon.gluon.nn",
    "neogluon.gluon.nn.basic_layers",
    "neogluon.gluon.nn.conv_layers",
]

# (module, name): ``from module import name`` as user code writes it.
FROM_IMPORTS = [
    ("neogluon.base", "MXNetError"),
    ("neogluon.ndarray.ndarray", "NDArray"),
    ("neogluon.gluon.block", "Block"),
    ("neogluon.gluon.block", "HybridBlock"),
    ("neogluon.gluon.parameter", "Parameter"),
    ("neogluon.gluon.parameter", "ParameterDict"),
    ("neogluon.gluon.parameter", "DeferredInitializationError"),
    ("neogluon.gluon.nn.basic_layers", "Dense"),
    ("neogluon.gluon.nn.basic_layers", "HybridSequential"),
    ("neogluon.gluon.nn.conv_layers", "Conv2D"),
    ("neogluon.gluon.nn.conv_layers", "MaxPool2D"),
    ("neogluon.gluon.loss", "SoftmaxCrossEntropyLoss"),
    ("neogluon.gluon.trainer", "Trainer"),
    ("neogluon.initializer", "Xavier"),
    ("neogluon.context", "Context"),
    ("neogluon.test_utils", "assert_almost_equal"),
    ("neogluon.optimizer", "SGD"),
    ("neogluon.symbol", "Symbol"),
    ("neogluon.autograd", "record"),
]

# Dotted attribute paths from ``mx``; callables marked with a trailing "()"
# are called with no arguments.
ATTRS = [
    "MXNetError",
    "nd",
    "nd.NDArray",
    "nd.array",
    "nd.zeros",
    "ndarray.NDArray",
    "sym",
    "sym.var",
    "symbol.Symbol",
    "autograd.record",
    "gluon.Block",
    "gluon.HybridBlock",
    "gluon.Parameter",
    "gluon.ParameterDict",
    "gluon.Trainer",
    "gluon.nn.Dense",
    "gluon.nn.HybridSequential",
    "gluon.nn.Sequential",
    "gluon.nn.Conv2D",
    "gluon.nn.MaxPool2D",
    "gluon.loss.SoftmaxCrossEntropyLoss",
    "gluon.loss.L2Loss",
    "init.Xavier",
    "init.Uniform",
    "initializer.Normal",
    "optimizer.SGD",
    "optimizer.create",
    "test_utils.assert_almost_equal",
    "context.Context",
    "Context",
    "cpu()",
    "gpu",
    "current_context()",
]


@pytest.mark.parametrize("path", MODULES)
def test_module_imports(path):
    mod = importlib.import_module(path)
    assert mod.__name__ == path


@pytest.mark.parametrize("module,name", FROM_IMPORTS, ids=lambda v: v)
def test_from_import(module, name):
    mod = importlib.import_module(module)
    assert hasattr(mod, name), f"from {module} import {name} fails"


def _resolve(path: str):
    obj = mx
    call = path.endswith("()")
    for part in path.removesuffix("()").split("."):
        obj = getattr(obj, part)
    return obj() if call else obj


# ids carry an "mx." prefix: a bare "gpu" id would read as the gpu marker.
@pytest.mark.parametrize("path", ATTRS, ids=lambda p: f"mx.{p}")
def test_attribute_path(path):
    obj = _resolve(path)
    assert obj is not None, f"mx.{path} is None"


def test_cpu_context_is_cpu0():
    assert str(mx.cpu()) == "cpu(0)"
    assert mx.cpu() == mx.context.Context("cpu", 0)


def test_mx_nd_is_the_ndarray_module():
    assert mx.nd is mx.ndarray
    assert mx.nd.NDArray is importlib.import_module("neogluon.ndarray.ndarray").NDArray


def test_version_is_mxnet_api_level():
    assert mx.__version__ == "1.9.1"
