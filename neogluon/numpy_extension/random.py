"""``mx.npx.random``: MXNet's numpy-extension samplers (``bernoulli``,
``uniform_n``, ``normal_n``) and ``seed``.

Each draws with the registered ``_npi_*`` operator (``_npi_bernoulli``,
``_npi_uniform_n``, ``_npi_normal_n``), the one a traced graph records; an
array parameter is an input of the operator, a number an attribute, as in
MXNet. Streams come from torch's generators, so the values differ from MXNet's.
"""

from __future__ import annotations

from ..ndarray import _np_random

__all__ = ["bernoulli", "normal_n", "seed", "uniform_n"]


def seed(seed, ctx="all") -> None:  # noqa: A002 - MXNet's name
    """Seed the generators of every device (``ctx='all'``) or of ``ctx``:
    the same seed gives the same stream (``mx.random.seed``)."""
    from ..random import seed as _seed

    _seed(seed, ctx)


def bernoulli(prob=None, logit=None, size=None, dtype=None, ctx=None, out=None):
    """Bernoulli samples (0 or 1) with probability ``prob`` or ``sigmoid(logit)``.

    Exactly one of ``prob`` and ``logit`` is given (scalar or array); ``prob``
    outside [0, 1] raises ValueError. ``dtype`` defaults to float32."""
    if (prob is None) == (logit is None):
        raise ValueError(
            "npx.random.bernoulli: give either `prob` or `logit`, not both and not "
            f"neither; got prob={prob!r}, logit={logit!r}."
        )
    is_logit = logit is not None
    value = logit if is_logit else prob
    key = "logit" if is_logit else "prob"
    other = "prob" if is_logit else "logit"
    return _np_random._registered(
        "_npi_bernoulli",
        {key: value},
        size,
        ctx,
        out,
        **{other: None},
        is_logit=is_logit,
        dtype=_np_random._fdt(dtype),
    )


def uniform_n(low=0.0, high=1.0, batch_shape=None, dtype=None, ctx=None):
    """Uniform samples in ``[low, high)`` of shape ``batch_shape`` followed by
    the broadcast shape of ``low`` and ``high``."""
    return _np_random._registered(
        "_npi_uniform_n",
        {"low": low, "high": high},
        batch_shape,
        ctx,
        None,
        dtype=_np_random._fdt(dtype),
    )


def normal_n(loc=0.0, scale=1.0, batch_shape=None, dtype=None, ctx=None):
    """Normal samples of shape ``batch_shape`` followed by the broadcast shape
    of ``loc`` and ``scale`` (differentiable in array parameters)."""
    return _np_random._registered(
        "_npi_normal_n",
        {"loc": loc, "scale": scale},
        batch_shape,
        ctx,
        None,
        dtype=_np_random._fdt(dtype),
    )
