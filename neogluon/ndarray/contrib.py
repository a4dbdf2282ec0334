"""``mx.nd.contrib``: Python-level helpers over the ``_contrib_*`` operators.

The generated operator functions are added to this module by ``nd``'s
populate step (without replacing what is defined here).
"""

from __future__ import annotations

from .. import _missing
from .ndarray import NDArray
from .ndarray import full

__all__ = [
    "adamw_update",
    "mp_adamw_update",
    "multi_adamw_update",
    "multi_mp_adamw_update",
    "rand_zipfian",
    "isinf",
    "isfinite",
    "isnan",
    "foreach",
    "while_loop",
    "cond",
]


def _rescale_array(rescale_grad, weight: NDArray) -> NDArray:
    # MXNet's wrapper accepts a Python number and makes it a (1,) array on the
    # weight's context (the op reads it as an input so it can be a traced value).
    if isinstance(rescale_grad, NDArray):
        return rescale_grad.as_in_context(weight.context)
    return full((1,), rescale_grad, ctx=weight.context)


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
    """AdamW update (decoupled weight decay); ``rescale_grad`` may be a number."""
    from . import _internal

    return _internal._adamw_update(
        weight,
        grad,
        mean,
        var,
        _rescale_array(rescale_grad, weight),
        lr=lr,
        eta=eta,
        beta1=beta1,
        beta2=beta2,
        epsilon=epsilon,
        wd=wd,
        clip_gradient=clip_gradient,
        out=out,
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
    """Multi-precision AdamW update; ``rescale_grad`` may be a number."""
    from . import _internal

    return _internal._mp_adamw_update(
        weight,
        grad,
        mean,
        var,
        weight32,
        _rescale_array(rescale_grad, weight),
        lr=lr,
        eta=eta,
        beta1=beta1,
        beta2=beta2,
        epsilon=epsilon,
        wd=wd,
        clip_gradient=clip_gradient,
        out=out,
        **kwargs,
    )


def _flatten_groups(*groups) -> list:
    flat: list = []
    for row in zip(*groups, strict=True):
        flat.extend(row)
    return flat


def multi_adamw_update(
    weights,
    grads,
    mean,
    var,
    rescale_grad,
    lrs,
    wds,
    etas,
    out=None,
    name=None,
    size=0,
    **kwargs,
):
    """AdamW over lists of weights (one fused call; gluonnlp's ``BERTAdam``).

    ``mean``/``var`` are updated in place; the new weights go to ``out``.
    """
    from . import _internal

    size = size or len(weights)
    arrays = _flatten_groups(weights, grads, mean, var)
    arrays.append(_rescale_array(rescale_grad, weights[0]))
    return _internal._multi_adamw_update(
        *arrays, out=out, num_weights=size, lrs=lrs, wds=wds, etas=etas, **kwargs
    )


def multi_mp_adamw_update(
    weights,
    grads,
    mean,
    var,
    weights32,
    rescale_grad,
    lrs,
    wds,
    etas,
    out=None,
    name=None,
    size=0,
    **kwargs,
):
    """Multi-precision :func:`multi_adamw_update` (float32 master weights)."""
    from . import _internal

    size = size or len(weights)
    arrays = _flatten_groups(weights, grads, mean, var, weights32)
    arrays.append(_rescale_array(rescale_grad, weights[0]))
    return _internal._multi_mp_adamw_update(
        *arrays, out=out, num_weights=size, lrs=lrs, wds=wds, etas=etas, **kwargs
    )


# --------------------------------------------------------------------------- finiteness
def isinf(data: NDArray) -> NDArray:
    """1 where ``data`` is +inf or -inf, else 0 (``data``'s dtype)."""
    from .. import ndarray as nd

    return nd.abs(data) == float("inf")


def isnan(data: NDArray) -> NDArray:
    """1 where ``data`` is NaN, else 0 (``data``'s dtype)."""
    return data != data  # noqa: PLR0124 - NaN test


def isfinite(data: NDArray) -> NDArray:
    """1 where ``data`` is neither infinite nor NaN, else 0."""
    from .. import ndarray as nd

    return nd.logical_and(nd.abs(data) != float("inf"), data == data)  # noqa: PLR0124


# --------------------------------------------------------------------------- sampling
def rand_zipfian(true_classes: NDArray, num_sampled: int, range_max: int, ctx=None):
    """Sample ``num_sampled`` classes (with replacement) from the log-uniform
    distribution ``P(c) = (log(c + 2) - log(c + 1)) / log(range_max + 1)`` over
    ``[0, range_max)``.

    Returns ``(samples, expected_count_true, expected_count_sampled)``: the int64
    samples, and the float64 expected number of occurrences among
    ``num_sampled`` draws of each class of ``true_classes`` and of each sample.
    ``ctx`` is the output context (default: the current context).
    """
    import math

    from ..context import current_context
    from . import random as _random

    if ctx is None:
        ctx = current_context()
    log_range = math.log(range_max + 1)
    rand = _random.uniform(0, log_range, shape=(num_sampled,), dtype="float64", ctx=ctx)
    # exp(u) - 1 lies in [0, range_max]; the modulo folds range_max back to 0.
    sampled_classes = (rand.exp() - 1).astype("int64") % range_max

    def expected_count(classes: NDArray) -> NDArray:
        c = classes.astype("float64")
        return ((c + 2.0) / (c + 1.0)).log() / log_range * num_sampled

    expected_count_true = expected_count(true_classes.as_in_context(ctx))
    return sampled_classes, expected_count_true, expected_count(sampled_classes)


# --------------------------------------------------------------------------- control flow
# MXNet's eager control flow: plain Python loops over NDArrays (recorded by
# autograd like any other op). The symbolic versions (``sym.contrib.*``) are not
# implemented: a traced graph would need a loop node in the executor.
def _flat(obj, what: str) -> tuple[list, object]:
    """Flatten nested lists of NDArrays; the format rebuilds the nesting."""
    if isinstance(obj, NDArray):
        return [obj], 0
    if not isinstance(obj, (list, tuple)):
        raise TypeError(
            f"{what} must be an NDArray or a (nested) list of NDArrays, got "
            f"{type(obj).__name__}."
        )
    flat, fmt = [], []
    for x in obj:
        f, sub = _flat(x, what)
        flat.extend(f)
        fmt.append(sub)
    return flat, fmt


def _unflat(flat: list, fmt):
    if isinstance(fmt, int):
        return (flat[0], flat[1:]) if fmt == 0 else (flat[:fmt], flat[fmt:])
    out = []
    for sub in fmt:
        item, flat = _unflat(flat, sub)
        out.append(item)
    return out, flat


def _scalar(value, kind, what: str):
    if hasattr(value, "asscalar"):
        value = value.asscalar()
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"{what} ({value!r}) cannot be read as a {kind.__name__}."
        ) from None


def foreach(body, data, init_states):
    """Run ``body(slice, states) -> (outputs, states)`` over axis 0 of ``data``.

    Returns ``(outputs stacked on a new axis 0, final states)``.
    """
    from .. import ndarray as nd

    _flat(data, "foreach: data")
    _flat(init_states, "foreach: init_states")
    single = isinstance(data, NDArray)
    n = data.shape[0] if single else data[0].shape[0]
    states = init_states
    steps, fmt = [], 0
    for i in range(n):
        item = data[i] if single else [d[i] for d in data]
        outs, states = body(item, states)
        flat, fmt = _flat(outs, "foreach: body outputs")
        steps.append(flat)
    stacked = [nd.stack(*col) for col in zip(*steps, strict=True)]
    outputs, _ = _unflat(stacked, fmt) if steps else ([], None)
    return outputs, states


def while_loop(cond, func, loop_vars, max_iterations=None):
    """``while cond(*vars) and step < max_iterations: out, vars = func(*vars)``.

    Step outputs are stacked on axis 0 and padded to ``max_iterations`` rows
    (MXNet leaves the padding uninitialized; here it is zeros).
    """
    from .. import ndarray as nd

    if max_iterations is None:
        raise ValueError("while_loop: max_iterations must be given.")
    max_iterations = _scalar(max_iterations, int, "while_loop: max_iterations")
    single = isinstance(loop_vars, NDArray)
    lv = [loop_vars] if single else list(loop_vars)
    if not lv:
        raise ValueError("while_loop: loop_vars needs at least one element.")
    steps, fmt = [], None
    while len(steps) < max_iterations and _scalar(
        cond(*lv), bool, "while_loop: the value of cond"
    ):
        out, new = func(*lv)
        out = [] if out is None else out
        new = [] if new is None else new
        new = [new] if isinstance(new, NDArray) else list(new)
        if len(new) != len(lv):
            raise ValueError(
                f"while_loop: func returned {len(new)} loop variables, expected "
                f"{len(lv)} (the number must stay the same)."
            )
        flat, fmt = _flat(list(out) if isinstance(out, tuple) else out, "outputs")
        if steps and len(flat) != len(steps[0]):
            raise ValueError(
                "while_loop: func must return the same number of step outputs "
                f"every step ({len(steps[0])} then {len(flat)})."
            )
        steps.append(flat)
        lv = new
    stacked = []
    for k, col in enumerate(zip(*steps, strict=True)):
        shapes = {tuple(x.shape) for x in col}
        if len(shapes) > 1:
            raise ValueError(
                f"while_loop: step output {k} changes shape across steps: "
                f"{sorted(shapes)}."
            )
        rows = [x.expand_dims(0) for x in col]
        if len(steps) < max_iterations:
            pad = (max_iterations - len(steps),) + tuple(col[0].shape)
            rows.append(nd.zeros(pad, ctx=col[0].context, dtype=col[0].dtype))
        stacked.append(nd.concat(*rows, dim=0))
    outputs = stacked
    if fmt is not None:
        outputs, _ = _unflat(stacked, fmt)
    return outputs, (lv[0] if single else lv)


def cond(pred, then_func, else_func):
    """``then_func()`` if ``pred`` (a scalar or 1-element NDArray) else ``else_func()``."""
    if _scalar(pred, bool, "cond: pred"):
        return then_func()
    return else_func()


# MXNet's quantization and CSR-graph operators belong to other work: names
# that resolve and raise MXNetError on use (never shadowing a registered op).
__all__ += _missing.define_ops(globals(), _missing.CONTRIB_OPS_ELSEWHERE, "_contrib_")
