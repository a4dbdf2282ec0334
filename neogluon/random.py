"""``mx.random`` (``mx.rnd``): seeding plus the ``nd.random`` samplers."""

from __future__ import annotations

import torch

from .context import Context

__all__ = ["seed"]


def seed(seed_state: int, ctx="all") -> None:
    """Seed the random number generators of every device (or of ``ctx``).

    Same seed, same sequence (as in MXNet). Like MXNet it does not seed numpy or
    Python's ``random`` (so ``gluon.data`` shuffling is not affected).

    Parameters
    ----------
    seed_state : int
        The seed. Negative seeds are taken modulo 2**32, as MXNet reads them
        (``seed(-1)`` and ``seed(2**32 - 1)`` give the same stream).
    ctx : Context or 'all', default 'all'
        Seed only this device's generator, or all of them.
    """
    if not isinstance(seed_state, int) or isinstance(seed_state, bool):
        raise ValueError(f"seed_state must be an int, got {seed_state!r}")
    if seed_state < 0:
        seed_state %= 1 << 32
    if ctx == "all":
        torch.manual_seed(seed_state)
        return
    if not isinstance(ctx, Context):
        raise TypeError(f"ctx must be a Context or 'all', got {ctx!r}")
    if ctx.device_type == "gpu":
        if torch.cuda.is_available() and ctx.device_id < torch.cuda.device_count():
            with torch.cuda.device(ctx.device_id):
                torch.cuda.manual_seed(seed_state)
        return
    torch.default_generator.manual_seed(seed_state)


_SAMPLERS = (
    "uniform",
    "normal",
    "randn",
    "randint",
    "exponential",
    "gamma",
    "poisson",
    "negative_binomial",
    "generalized_negative_binomial",
    "multinomial",
    "shuffle",
)


def __getattr__(name: str):
    # The samplers live in ``nd.random`` (registered by ops/random.py and the
    # nd.random helpers); resolve lazily so that later registrations count.
    if name in _SAMPLERS:
        from .ndarray import random as _ndr

        fn = getattr(_ndr, name, None)
        if fn is not None:
            return fn
    raise AttributeError(f"module 'neogluon.random' has no attribute {name!r}")


def __dir__():
    from .ndarray import random as _ndr

    return sorted(set(__all__) | {n for n in _SAMPLERS if hasattr(_ndr, n)})
