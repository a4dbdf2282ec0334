"""Look up the ``mx.np`` / ``mx.npx`` function behind a registered operator name.

MXNet names the operators of its NumPy interface ``_np_<name>`` (``mx.np``) and
``_npx_<name>`` (``mx.npx``); a name can carry a submodule part, as in
``_np__random_shuffle`` (``mx.np.random.shuffle``) or ``_npx__image_resize``
(``mx.npx.image.resize``). MXNet 1.9.1's tests import :func:`_get_builtin_op`
from this module.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

# submodule parts of an operator name, after its prefix, as MXNet 1.9.1 spells them
_NP_SUBMODULES = ("_random_", "_linalg_")
_NPX_SUBMODULES = ("_image_", "_random_")


def _get_builtin_op(op_name: str) -> Any:
    """Return the function of ``mx.np`` / ``mx.npx`` that operator ``op_name`` stands for.

    Returns ``None`` for a name that starts with neither ``_np_`` nor ``_npx_``.
    Raises ``ValueError`` naming the module searched when the function is missing.
    """
    if op_name.startswith("_np_"):
        prefix, root_name, submodules = "_np_", "neogluon.numpy", _NP_SUBMODULES
    elif op_name.startswith("_npx_"):
        prefix, root_name, submodules = (
            "_npx_",
            "neogluon.numpy_extension",
            _NPX_SUBMODULES,
        )
    else:
        return None
    rest = op_name[len(prefix) :]
    module: ModuleType = importlib.import_module(root_name)
    for sub in submodules:
        if rest.startswith(sub):
            found = getattr(module, sub[1:-1], None)
            if not isinstance(found, ModuleType):
                raise ValueError(
                    f"operator {op_name!r}: module {root_name} has no submodule {sub[1:-1]!r}"
                )
            module, rest = found, rest[len(sub) :]
            break
    op = getattr(module, rest, None)
    if op is None:
        raise ValueError(
            f"operator {op_name!r}: no function {rest!r} in module {module.__name__}"
        )
    return op
