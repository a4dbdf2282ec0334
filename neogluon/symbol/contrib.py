"""``mx.sym.contrib``: contrib operators (``_contrib_*``) as Symbol functions.

The operator functions are generated from the operator registry and added to
this module when ``neogluon.symbol`` is imported (``__all__`` lists them).
``adamw_update`` / ``mp_adamw_update`` are MXNet's Python wrappers: ``eta``
follows ``lr`` positionally and ``rescale_grad`` may be a number.
``foreach`` / ``while_loop`` / ``cond`` build control-flow nodes with subgraphs
(see :mod:`neogluon.symbol.control_flow`).
"""

from __future__ import annotations

from .. import _missing
from .control_flow import cond
from .control_flow import foreach
from .control_flow import while_loop

__all__: list[str] = [
    "adamw_update",
    "mp_adamw_update",
    "rand_zipfian",
    "foreach",
    "while_loop",
    "cond",
]


def _rescale(rescale_grad):
    from . import _frontend
    from .symbol import Symbol

    if isinstance(rescale_grad, Symbol):
        return rescale_grad
    return _frontend.full(shape=(1,), val=rescale_grad)


def adamw_update(
    weight,
    grad,
    mean,
    var,
    rescale_grad,
    lr,
    eta,
    beta1=0.9,
    beta2=0.999,
    epsilon=1e-8,
    wd=0,
    clip_gradient=-1,
    out=None,
    name=None,
    **kwargs,
):
    """AdamW update (decoupled weight decay) as a Symbol."""
    from . import _internal

    return _internal._adamw_update(
        weight=weight,
        grad=grad,
        mean=mean,
        var=var,
        rescale_grad=_rescale(rescale_grad),
        lr=lr,
        eta=eta,
        beta1=beta1,
        beta2=beta2,
        epsilon=epsilon,
        wd=wd,
        clip_gradient=clip_gradient,
        out=out,
        name=name,
        **kwargs,
    )


def mp_adamw_update(
    weight,
    grad,
    mean,
    var,
    weight32,
    rescale_grad,
    lr,
    eta,
    beta1=0.9,
    beta2=0.999,
    epsilon=1e-8,
    wd=0,
    clip_gradient=-1,
    out=None,
    name=None,
    **kwargs,
):
    """Multi-precision AdamW update (float32 master weights) as a Symbol."""
    from . import _internal

    return _internal._mp_adamw_update(
        weight=weight,
        grad=grad,
        mean=mean,
        var=var,
        weight32=weight32,
        rescale_grad=_rescale(rescale_grad),
        lr=lr,
        eta=eta,
        beta1=beta1,
        beta2=beta2,
        epsilon=epsilon,
        wd=wd,
        clip_gradient=clip_gradient,
        out=out,
        name=name,
        **kwargs,
    )


# The wrappers stand for these registered operators (``fn.op`` like generated
# op functions), so tools that map functions to operators keep working.
def _tag_ops() -> None:
    from ..ops import registry

    adamw_update.op = registry.get("_adamw_update")
    mp_adamw_update.op = registry.get("_mp_adamw_update")


_tag_ops()


def rand_zipfian(true_classes, num_sampled: int, range_max: int):
    """Symbol form of ``mx.nd.contrib.rand_zipfian``: ``num_sampled`` classes
    drawn with replacement from the log-uniform distribution over
    ``[0, range_max)``; returns the Symbols ``(samples, expected_count_true,
    expected_count_sampled)`` (int64, float64, float64)."""
    import math

    from . import random as _random
    from .symbol import Symbol

    if not isinstance(true_classes, Symbol):
        raise TypeError(
            f"rand_zipfian: true_classes must be a Symbol, got {type(true_classes).__name__}"
        )
    log_range = math.log(range_max + 1)
    rand = _random.uniform(0, log_range, shape=(num_sampled,), dtype="float64")
    # exp(u) - 1 lies in [0, range_max]; the modulo folds range_max back to 0.
    sampled_classes = (rand.exp() - 1).astype("int64") % range_max

    def expected_count(classes):
        c = classes.astype("float64")
        return ((c + 2.0) / (c + 1.0)).log() / log_range * num_sampled

    return (
        sampled_classes,
        expected_count(true_classes),
        expected_count(sampled_classes),
    )


# MXNet's quantization and CSR-graph operators belong to other work: names
# that resolve and raise MXNetError on use (never shadowing a registered op).
__all__ += _missing.define_ops(globals(), _missing.CONTRIB_OPS_ELSEWHERE, "_contrib_")
