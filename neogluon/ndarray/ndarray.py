"""``NDArray``: one torch.Tensor with MXNet's semantics (MXNet's module path).

``neogluon.ndarray.ndarray`` is the module MXNet's users import from
(``from mxnet.ndarray.ndarray import NDArray``). It gathers the array, which
lives in files by concern:

- ``_core.py``: the :class:`NDArray` class, its one result constructor
  ``_new`` and its one grad-mode guard ``_grad_off``;
- ``_arith.py``: arithmetic, comparison and in-place dunders, built from the
  operator table (``ops/optable.py``) over the ``ops/elemwise.py`` kernels;
- ``_indexing.py``: MXNet's basic and advanced indexing on tensors;
- ``_invoke.py``: ``invoke`` (the eager core of every ``nd.<op>``) and its errors;
- ``_fluent.py``: the fluent methods (``x.sum()``), installed by ``nd``;
- ``_creation.py``: ``array``, ``zeros``, ``ones``, ``arange``, ...
"""

from __future__ import annotations

from . import _arith  # noqa: F401 - installs the operator dunders on NDArray
from ._core import NDArray
from ._core import _alloc  # noqa: F401 - kept for importers; results use _new
from ._core import _new  # noqa: F401 - the result constructor, used across neogluon
from ._creation import arange
from ._creation import array
from ._creation import concatenate
from ._creation import empty
from ._creation import eye
from ._creation import from_dlpack
from ._creation import from_numpy
from ._creation import from_torch
from ._creation import full
from ._creation import linspace
from ._creation import ones
from ._creation import ones_like
from ._creation import to_dlpack_for_read
from ._creation import to_dlpack_for_write
from ._creation import waitall
from ._creation import zeros
from ._creation import zeros_like
from ._fluent import FLUENT_METHODS  # noqa: F401
from ._fluent import install_fluent_methods  # noqa: F401
from ._invoke import invoke
from ._invoke import op_error  # noqa: F401

__all__ = [
    "NDArray",
    "array",
    "zeros",
    "ones",
    "full",
    "empty",
    "arange",
    "linspace",
    "eye",
    "zeros_like",
    "ones_like",
    "waitall",
    "from_torch",
    "from_numpy",
    "from_dlpack",
    "to_dlpack_for_read",
    "to_dlpack_for_write",
    "concatenate",
    "invoke",
]
