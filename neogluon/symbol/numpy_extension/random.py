"""``mx.symbol.numpy_extension.random``: graph nodes of ``mx.npx.random``.

``uniform_n`` / ``normal_n`` put ``batch_shape`` in front of the parameters'
broadcast shape (``_npi_uniform_n``, ``_npi_normal_n``); ``bernoulli`` adds
``_npi_bernoulli``. A parameter given as a Symbol is an input of the node (its
attribute None), a number an attribute, as MXNet 1.9.1 records them.
"""

from __future__ import annotations

from typing import Any

from .._np_symbol import _op
from .._np_symbol import _Symbol
from ..numpy.random import _float_dtype
from ..numpy.random import _sampler
from ..symbol import Symbol

__all__ = ["bernoulli", "normal_n", "uniform_n"]


def uniform_n(low=0.0, high=1.0, batch_shape=None, dtype=None, ctx=None) -> _Symbol:
    """Samples from U[low, high) of shape ``batch_shape + broadcast(low, high)``."""
    return _sampler(
        "_npi_uniform_n",
        ("low", "high"),
        (low, high),
        batch_shape,
        dtype=_float_dtype(dtype),
    )


def normal_n(loc=0.0, scale=1.0, batch_shape=None, dtype=None, ctx=None) -> _Symbol:
    """Samples from N(loc, scale^2) of shape ``batch_shape + broadcast(loc, scale)``."""
    return _sampler(
        "_npi_normal_n",
        ("loc", "scale"),
        (loc, scale),
        batch_shape,
        dtype=_float_dtype(dtype),
    )


def bernoulli(
    prob=None, logit=None, size=None, dtype=None, ctx=None, out=None
) -> _Symbol:
    """Samples from Bernoulli(prob), or Bernoulli(sigmoid(logit)): exactly one
    of ``prob`` and ``logit``."""
    if (prob is None) == (logit is None):
        raise ValueError(
            "sym.npx.random.bernoulli: give exactly one of prob and logit, got "
            f"prob={prob!r}, logit={logit!r}."
        )
    is_logit = prob is None
    value: Any = logit if is_logit else prob
    attrs: dict = {"prob": None, "logit": None}
    inputs = []
    if isinstance(value, Symbol):
        inputs.append(value)
    else:
        attrs["logit" if is_logit else "prob"] = float(value)
    return _op("_npi_bernoulli")(
        *inputs,
        **attrs,
        is_logit=is_logit,
        size=None if size == () else size,
        dtype=_float_dtype(dtype),
    )
