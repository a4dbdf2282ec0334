"""neogluon: the Apache MXNet 1.x Gluon API on PyTorch.

``import neogluon as mx`` and use it as MXNet: ``mx.nd``, ``mx.autograd``,
``mx.gluon``, ``mx.init``, ``mx.optimizer``, ``mx.sym``, ``mx.cpu()``...
Heavy sub-packages are imported on first use.
"""

from __future__ import annotations

import importlib

from . import _malloc  # noqa: F401 - large CPU buffers stay mapped (see _malloc)
from . import autograd
from . import base
from . import context
from . import ndarray
from . import ndarray as nd
from .base import MXNetError
from .context import Context
from .context import cpu
from .context import cpu_pinned
from .context import current_context
from .context import gpu
from .context import gpu_memory_info
from .context import num_gpus
from .util import is_np_array
from .util import is_np_shape
from .util import np_array
from .util import np_shape
from .util import set_np_shape
from .util import use_np
from .util import use_np_array
from .util import use_np_shape

__version__ = "1.9.1"
#: neogluon's own version (``__version__`` reports the MXNet API level).
neogluon_version = "0.1.0"

__all__ = [
    "MXNetError",
    "Context",
    "autograd",
    "base",
    "context",
    "cpu",
    "cpu_pinned",
    "current_context",
    "gpu",
    "gpu_memory_info",
    "is_np_array",
    "is_np_shape",
    "np_array",
    "np_shape",
    "set_np_shape",
    "use_np",
    "use_np_array",
    "use_np_shape",
    "nd",
    "ndarray",
    "num_gpus",
]

# name -> module path, imported lazily on first attribute access.
_LAZY = {
    "sym": "neogluon.symbol",
    "symbol": "neogluon.symbol",
    "gluon": "neogluon.gluon",
    "init": "neogluon.initializer",
    "initializer": "neogluon.initializer",
    "optimizer": "neogluon.optimizer",
    "lr_scheduler": "neogluon.lr_scheduler",
    "metric": "neogluon.metric",
    "test_utils": "neogluon.test_utils",
    "util": "neogluon.util",
    "name": "neogluon.name",
    "attribute": "neogluon.attribute",
    "random": "neogluon.random",
    "rnd": "neogluon.random",
    "io": "neogluon.io",
    "kv": "neogluon.kvstore",
    "kvstore": "neogluon.kvstore",
    "profiler": "neogluon.profiler",
    "viz": "neogluon.visualization",
    "visualization": "neogluon.visualization",
    "recordio": "neogluon.recordio",
    "image": "neogluon.image",
    "img": "neogluon.image",
    "registry": "neogluon.registry",
    "onnx": "neogluon.onnx",
    "runtime": "neogluon.runtime",
    "engine": "neogluon.engine",
    "error": "neogluon.error",
    "executor": "neogluon.executor",
    "log": "neogluon.log",
    "contrib": "neogluon.contrib",
    "library": "neogluon.library",
    "rtc": "neogluon.rtc",
    "space": "neogluon.space",
    "misc": "neogluon.misc",
    # Placeholders whose names raise MXNetError when used (see neogluon._missing).
    "numpy": "neogluon.numpy",
    "np": "neogluon.numpy",
    "numpy_extension": "neogluon.numpy_extension",
    "npx": "neogluon.numpy_extension",
    "operator": "neogluon.operator",
    "callback": "neogluon.callback",
    "model": "neogluon.model",
    "monitor": "neogluon.monitor",
    "mon": "neogluon.monitor",
    "module": "neogluon.module",
    "mod": "neogluon.module",
    "rnn": "neogluon.rnn",
    "executor_manager": "neogluon.executor_manager",
}


def install_mxnet_alias() -> None:
    """Make ``import mxnet`` (and its submodules) resolve to neogluon, opt-in.

    ``neogluon run script.py`` does this for one run; setting the environment
    variable ``NEOGLUON_MXNET_ALIAS=1`` does it whenever neogluon is imported.
    """
    from ._mxnet_alias import install

    install()


def __getattr__(name: str):
    if name in ("AttrScope", "NameManager"):
        from .attribute import AttrScope
        from .name import NameManager

        globals().update(AttrScope=AttrScope, NameManager=NameManager)
        return globals()[name]
    path = _LAZY.get(name)
    if path is None:
        raise AttributeError(f"module 'neogluon' has no attribute {name!r}")
    try:
        mod = importlib.import_module(path)
    except ModuleNotFoundError as err:
        if err.name != path:
            raise
        # Not implemented yet: behave like a missing attribute (hasattr works).
        raise AttributeError(
            f"neogluon does not provide mx.{name} yet ({path} is missing)"
        ) from None
    globals()[name] = mod
    return mod


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


def _alias_from_env() -> None:
    from ._mxnet_alias import install_from_env

    install_from_env()


_alias_from_env()
