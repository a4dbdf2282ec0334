"""``mx.numpy.fallback``: functions that run on the host with official NumPy.

As in MXNet 1.9.1, these functions convert their ``mx.np.ndarray`` arguments
to numpy arrays, call numpy's function of the same name and return numpy's
array results as ``mx.np.ndarray`` (same dtype, on the CPU); they are not
differentiable. Names the installed numpy no longer has (its removed financial
functions, ``alltrue``, ``msort``, ...) stay placeholders that raise MXNetError.
Names ``mx.np`` implements itself (``argwhere``, ``isclose``, ...) are those.
"""

from __future__ import annotations

from .. import _missing
from ..ndarray._np_functions import __all__ as _native
from ..ndarray._np_functions import numpy_fallback as _numpy_fallback

_FALLBACK_NAMES = (
    "apply_along_axis apply_over_axes argpartition array_equiv choose compress "
    "corrcoef correlate cov digitize divmod extract flatnonzero frexp heaviside "
    "histogram2d histogram_bin_edges histogramdd i0 in1d intersect1d isin ix_ "
    "lexsort min_scalar_type modf nanargmax nanargmin nancumprod nancumsum nanmax "
    "nanmedian nanmin nanpercentile nanprod nanquantile packbits partition "
    "piecewise poly polyadd polydiv polyfit polyint polymul polysub positive "
    "promote_types ptp real result_type roots select setdiff1d setxor1d signbit "
    "spacing take_along_axis trapz tril_indices_from trim_zeros triu_indices_from "
    "union1d unpackbits unwrap vander"
).split()
_implemented = []
for _name in _FALLBACK_NAMES:
    _fn = _numpy_fallback(_name)
    if _fn is not None and _name not in _native:
        globals()[_name] = _fn
        _implemented.append(_name)
from ..ndarray._np_functions import *  # noqa: E402, F403

_NAMES = {
    "allclose": "function",
    "alltrue": "function",
    "apply_along_axis": "function",
    "apply_over_axes": "function",
    "argpartition": "function",
    "argwhere": "function",
    "array_equal": "function",
    "array_equiv": "function",
    "choose": "function",
    "compress": "function",
    "corrcoef": "function",
    "correlate": "function",
    "count_nonzero": "function",
    "cov": "function",
    "digitize": "function",
    "divmod": "function",
    "extract": "function",
    "flatnonzero": "function",
    "float_power": "function",
    "frexp": "function",
    "heaviside": "function",
    "histogram2d": "function",
    "histogram_bin_edges": "function",
    "histogramdd": "function",
    "i0": "function",
    "in1d": "function",
    "interp": "function",
    "intersect1d": "function",
    "isclose": "function",
    "isin": "function",
    "ix_": "function",
    "lexsort": "function",
    "min_scalar_type": "function",
    "mirr": "function",
    "modf": "function",
    "msort": "function",
    "nanargmax": "function",
    "nanargmin": "function",
    "nancumprod": "function",
    "nancumsum": "function",
    "nanmax": "function",
    "nanmedian": "function",
    "nanmin": "function",
    "nanpercentile": "function",
    "nanprod": "function",
    "nanquantile": "function",
    "ndim": "function",
    "npv": "function",
    "packbits": "function",
    "partition": "function",
    "piecewise": "function",
    "poly": "function",
    "polyadd": "function",
    "polydiv": "function",
    "polyfit": "function",
    "polyint": "function",
    "polymul": "function",
    "polysub": "function",
    "positive": "function",
    "ppmt": "function",
    "promote_types": "function",
    "ptp": "function",
    "pv": "function",
    "rate": "function",
    "real": "function",
    "result_type": "function",
    "rollaxis": "function",
    "roots": "function",
    "searchsorted": "function",
    "select": "function",
    "setdiff1d": "function",
    "setxor1d": "function",
    "signbit": "function",
    "size": "function",
    "spacing": "function",
    "take_along_axis": "function",
    "trapz": "function",
    "tril_indices_from": "function",
    "trim_zeros": "function",
    "triu_indices_from": "function",
    "union1d": "function",
    "unpackbits": "function",
    "unwrap": "function",
    "vander": "function",
}
__all__ = [*_implemented, *(n for n in _NAMES if n in _native)]
__all__ += _missing.define(
    globals(),
    _NAMES,
    area="mx.np, the numpy-compatible array interface",
    planned="issue 8",
    instead="mx.nd arrays and operators",
)
