"""``mx.np``: MXNet's NumPy interface (issue 8).

``mx.np.ndarray`` is an NDArray with NumPy semantics (0-d arrays, NumPy
indexing, broadcasting, MXNet's dtype promotion) sharing torch storage with
``mx.nd`` (``as_np_ndarray()`` / ``as_nd_ndarray()``). The functions are in
:mod:`.multiarray`, random sampling in :mod:`.random`, linear algebra in
:mod:`.linalg`. Names of MXNet 1.9.1's ``mx.np`` not implemented yet resolve to
placeholders that raise MXNetError when called; docs/numpy.md lists what works.
"""

from __future__ import annotations

from .. import _missing
from . import arrayprint  # noqa: F401
from . import fallback  # noqa: F401
from . import fallback_linalg  # noqa: F401
from . import function_base  # noqa: F401
from . import io  # noqa: F401
from . import linalg  # noqa: F401
from . import multiarray  # noqa: F401
from . import random  # noqa: F401
from . import stride_tricks  # noqa: F401
from . import utils  # noqa: F401
from .arrayprint import set_printoptions  # noqa: F401
from .io import genfromtxt  # noqa: F401
from .multiarray import *  # noqa: F403
from .multiarray import __all__ as _multiarray_all
from .utils import *  # noqa: F403
from .utils import __all__ as _utils_all

_NAMES = {
    "abs": "function",
    "absolute": "function",
    "add": "function",
    "all": "function",
    "amax": "function",
    "amin": "function",
    "any": "function",
    "append": "function",
    "arange": "function",
    "arccos": "function",
    "arccosh": "function",
    "arcsin": "function",
    "arcsinh": "function",
    "arctan": "function",
    "arctan2": "function",
    "arctanh": "function",
    "argmax": "function",
    "argmin": "function",
    "argsort": "function",
    "around": "function",
    "array": "function",
    "array_split": "function",
    "atleast_1d": "function",
    "atleast_2d": "function",
    "atleast_3d": "function",
    "average": "function",
    "bincount": "function",
    "bitwise_and": "function",
    "bitwise_not": "function",
    "bitwise_or": "function",
    "bitwise_xor": "function",
    "blackman": "function",
    "broadcast_arrays": "function",
    "broadcast_to": "function",
    "cbrt": "function",
    "ceil": "function",
    "clip": "function",
    "column_stack": "function",
    "concatenate": "function",
    "copy": "function",
    "copysign": "function",
    "cos": "function",
    "cosh": "function",
    "cumsum": "function",
    "deg2rad": "function",
    "degrees": "function",
    "delete": "function",
    "diag": "function",
    "diag_indices_from": "function",
    "diagflat": "function",
    "diagonal": "function",
    "diff": "function",
    "divide": "function",
    "divmod": "function",
    "dot": "function",
    "dsplit": "function",
    "dstack": "function",
    "ediff1d": "function",
    "einsum": "function",
    "empty": "function",
    "empty_like": "function",
    "equal": "function",
    "exp": "function",
    "expand_dims": "function",
    "expm1": "function",
    "eye": "function",
    "fabs": "function",
    "fix": "function",
    "flip": "function",
    "fliplr": "function",
    "flipud": "function",
    "float_power": "function",
    "floor": "function",
    "frexp": "function",
    "full": "function",
    "full_like": "function",
    "genfromtxt": "function",
    "greater": "function",
    "greater_equal": "function",
    "hamming": "function",
    "hanning": "function",
    "heaviside": "function",
    "histogram": "function",
    "hsplit": "function",
    "hstack": "function",
    "hypot": "function",
    "identity": "function",
    "indices": "function",
    "inner": "function",
    "insert": "function",
    "invert": "function",
    "isfinite": "function",
    "isinf": "function",
    "isnan": "function",
    "isneginf": "function",
    "lcm": "function",
    "ldexp": "function",
    "less": "function",
    "less_equal": "function",
    "linspace": "function",
    "log": "function",
    "log10": "function",
    "log1p": "function",
    "log2": "function",
    "logical_not": "function",
    "logspace": "function",
    "matmul": "function",
    "max": "function",
    "maximum": "function",
    "may_share_memory": "function",
    "mean": "function",
    "meshgrid": "function",
    "min": "function",
    "minimum": "function",
    "mod": "function",
    "modf": "function",
    "moveaxis": "function",
    "multiply": "function",
    "nan_to_num": "function",
    "ndarray": "class",
    "negative": "function",
    "nonzero": "function",
    "not_equal": "function",
    "ones": "function",
    "ones_like": "function",
    "outer": "function",
    "pad": "function",
    "percentile": "function",
    "polyval": "function",
    "positive": "function",
    "power": "function",
    "prod": "function",
    "product": "function",
    "quantile": "function",
    "rad2deg": "function",
    "radians": "function",
    "ravel": "function",
    "reciprocal": "function",
    "remainder": "function",
    "repeat": "function",
    "reshape": "function",
    "resize": "function",
    "rint": "function",
    "roll": "function",
    "rot90": "function",
    "round": "function",
    "round_": "function",
    "row_stack": "function",
    "set_printoptions": "function",
    "shape": "function",
    "shares_memory": "function",
    "sign": "function",
    "signbit": "function",
    "sin": "function",
    "sinh": "function",
    "sometrue": "function",
    "sort": "function",
    "spacing": "function",
    "split": "function",
    "sqrt": "function",
    "square": "function",
    "squeeze": "function",
    "stack": "function",
    "std": "function",
    "subtract": "function",
    "sum": "function",
    "swapaxes": "function",
    "take": "function",
    "tan": "function",
    "tanh": "function",
    "tensordot": "function",
    "tile": "function",
    "trace": "function",
    "transpose": "function",
    "tril": "function",
    "true_divide": "function",
    "trunc": "function",
    "unique": "function",
    "unravel_index": "function",
    "var": "function",
    "vdot": "function",
    "vsplit": "function",
    "vstack": "function",
    "where": "function",
    "zeros": "function",
    "zeros_like": "function",
}
__all__ = [*_multiarray_all, *_utils_all]
__all__ += _missing.define(
    globals(),
    _NAMES,
    area="mx.np, the numpy-compatible array interface",
    planned="issue 8",
    instead="mx.nd arrays and operators",
)
__all__ += [
    "arrayprint",
    "fallback",
    "fallback_linalg",
    "function_base",
    "io",
    "linalg",
    "multiarray",
    "random",
    "stride_tricks",
    "utils",
]


def _publish_operator_signatures() -> None:
    """Set ``__signature__`` on the function of each registered ``_np_*``
    operator, as MXNet's generated operator functions carry one (its tests
    read ``op.__signature__``; ``neogluon._numpy_op_doc`` has the reference)."""
    import inspect

    from ..ops import registry as _reg

    for op_name in _reg.all_names():
        if not op_name.startswith("_np_") or op_name.startswith("_np__"):
            continue
        fn = globals().get(op_name[len("_np_") :])
        if callable(fn) and not hasattr(fn, "__neogluon_missing__"):
            fn.__signature__ = inspect.signature(fn)


_publish_operator_signatures()

# NumPy's __array_function__ / __array_ufunc__ on mx.np arrays dispatch to the
# functions above from here on (MXNet registers them when it is imported).
from .. import numpy_dispatch_protocol  # noqa: E402,F401
