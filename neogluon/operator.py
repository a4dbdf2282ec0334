"""``mx.operator``: not implemented in neogluon yet (issue 9).

MXNet 1.9.1's public names of ``mxnet.operator`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (autograd.Function or a gluon.HybridBlock).
"""

from __future__ import annotations

from . import _missing

__neogluon_missing__ = True

_NAMES = {
    "CustomOp": "class",
    "CustomOpProp": "class",
    "NDArrayOp": "class",
    "NumpyOp": "class",
    "OperatorArguments": "class",
    "PythonOp": "class",
    "get_all_registered_operators": "function",
    "get_operator_arguments": "function",
    "register": "function",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="mx.operator, Python custom operators (CustomOp/CustomOpProp)",
    planned="issue 9",
    instead="autograd.Function or a gluon.HybridBlock",
)
