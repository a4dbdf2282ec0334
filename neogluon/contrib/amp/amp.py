"""Automatic mixed precision (``mx.contrib.amp``), MXNet 1.9.1's API.

:func:`init` does what MXNet's does: it replaces the ``nd``/``sym`` operator
functions named in :mod:`.lists` (``F.FullyConnected``, ``F.softmax``...) with
wrappers that cast their inputs first, so that a Gluon network built
afterwards computes matrix products and convolutions in float16 and keeps
numerically sensitive operators in float32:

- "lp16" operators (``FullyConnected``, ``Convolution``, ``Deconvolution``,
  ``RNN``) cast their float inputs to float16 (``amp_cast``);
- "fp32" operators (``softmax``, ``norm``, ``exp``...) cast them to float32,
  and the conditional ones when an attribute says so (``Activation`` with
  ``act_type='softrelu'``);
- "widest type" operators (``elemwise_add``, ``concat``...) cast float16
  inputs up to float32 when they are mixed (``amp_multicast`` in graphs);
- loss outputs (``SoftmaxOutput``...) multiply their ``grad_scale`` by the
  current loss scale.

Operators are looked up by name, so the casts appear in eager code and in
hybridized graphs (``amp_cast``/``amp_multicast`` nodes, which export as
MXNet's). :func:`init_trainer` and :func:`scale_loss` give MXNet's dynamic
loss scaling: the loss is multiplied by the scale, the Trainer divides the
gradients back, and a step whose gradients overflow is skipped with the scale
halved (:class:`.loss_scaler.LossScaler`).

Differences from MXNet, on purpose: casts are inserted on the inputs the call
receives (a Gluon layer passes its weights explicitly, so its weights are cast
too; a bare ``sym.FullyConnected(data, num_hidden=4)`` only casts ``data``),
and the float16/float32 casts apply on every device (MXNet's CPU path does not
cast float16 inputs up for fp32 operators). bfloat16 needs a bfloat16 NDArray
dtype, which neogluon does not have: ``init('bfloat16')`` raises MXNetError.
"""

from __future__ import annotations

import contextlib
import logging
import types
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from typing import Any

import numpy as np

from ... import _missing
from ... import ndarray as _nd
from ... import symbol as _sym
from ...base import MXNetError
from ...ndarray import NDArray
from ...symbol import Symbol
from . import lists
from .loss_scaler import LossScaler

__all__ = [
    "bfloat16",
    "init",
    "init_trainer",
    "list_conditional_fp32_ops",
    "list_fp32_ops",
    "list_loss_output_functions",
    "list_lp16_fp32_ops",
    "list_lp16_ops",
    "list_lp16_use_fp32_params",
    "list_widest_type_cast",
    "scale_loss",
    "unscale",
]

#: MXNet's marker for bfloat16 (a structured numpy dtype over uint16).
bfloat16 = np.dtype([("bfloat16", np.uint16)])

_amp_initialized = False
_amp_loss_scale_initialized = False
_loss_scaler: LossScaler | None = None
_target_dtype: np.dtype | None = None
#: (namespace, attribute, original function) for every wrapper installed.
_wrapped: list[tuple[Any, str, Callable]] = []

_FLOATS = (np.dtype(np.float16), np.dtype(np.float32))
_PREFIXES = ("_contrib_", "_linalg_", "_sparse_", "_image_", "_random_")


def _is_fp16(target_dtype: Any) -> bool:
    if isinstance(target_dtype, str):
        return target_dtype == "float16"
    try:
        return np.dtype(target_dtype) == np.float16
    except TypeError:
        return False


def _is_bf16(target_dtype: Any) -> bool:
    if isinstance(target_dtype, str):
        return target_dtype == "bfloat16"
    try:
        return np.dtype(target_dtype) == bfloat16
    except TypeError:
        return False


def _lists_for(target_dtype: Any) -> types.ModuleType:
    if _is_fp16(target_dtype):
        return lists.symbol_fp16
    if _is_bf16(target_dtype):
        return lists.symbol_bf16
    raise MXNetError(
        f"AMP target_dtype must be 'float16' or 'bfloat16', got {target_dtype!r}."
    )


def list_lp16_ops(target_dtype: Any) -> list[str]:
    """Operators that run in the low precision ``target_dtype``."""
    mod = _lists_for(target_dtype)
    return mod.FP16_FUNCS if mod is lists.symbol_fp16 else mod.BF16_FUNCS


def list_fp32_ops(target_dtype: Any) -> list[str]:
    """Operators that always run in float32."""
    return _lists_for(target_dtype).FP32_FUNCS


def list_lp16_fp32_ops(target_dtype: Any) -> list[str]:
    """Operators that run in whichever precision their inputs have."""
    mod = _lists_for(target_dtype)
    return mod.FP16_FP32_FUNCS if mod is lists.symbol_fp16 else mod.BF16_FP32_FUNCS


def list_conditional_fp32_ops(target_dtype: Any) -> list[tuple[str, str, list[str]]]:
    """``(operator, attribute, values)``: float32 when the attribute has a value."""
    return _lists_for(target_dtype).CONDITIONAL_FP32_FUNCS


def list_widest_type_cast(target_dtype: Any) -> list[str]:
    """Operators whose inputs are cast to the widest float type among them."""
    return _lists_for(target_dtype).WIDEST_TYPE_CASTS


def list_loss_output_functions(target_dtype: Any) -> list[str]:
    """Loss output operators whose ``grad_scale`` follows the loss scale."""
    return _lists_for(target_dtype).LOSS_OUTPUT_FUNCTIONS


def list_lp16_use_fp32_params(target_dtype: Any) -> dict[str, list[str]] | None:
    """lp16 operators that keep some parameters in float32 (bfloat16 only)."""
    mod = _lists_for(target_dtype)
    return None if mod is lists.symbol_fp16 else mod.BF16_USE_FP32_PARAMS


# ---------------------------------------------------------------- wrapping
def _cast(x: Any, dtype: np.dtype) -> Any:
    if isinstance(x, Symbol):
        return _sym.amp_cast(x, dtype=dtype)
    if isinstance(x, NDArray) and np.dtype(x.dtype) in _FLOATS:
        if np.dtype(x.dtype) != dtype:
            return _nd.amp_cast(x, dtype=dtype)
    return x


def _cast_wrapper(
    f: Callable, dtype: np.dtype, cond: tuple[str, Sequence[str]] | None = None
) -> Callable:
    def amp_wrapped(*args, **kwargs):
        if cond is not None and kwargs.get(cond[0]) not in cond[1]:
            return f(*args, **kwargs)
        args = tuple(_cast(a, dtype) for a in args)
        kwargs = {k: _cast(v, dtype) for k, v in kwargs.items()}
        return f(*args, **kwargs)

    return _like(amp_wrapped, f)


def _widest_wrapper(f: Callable, target: np.dtype) -> Callable:
    def amp_wrapped(*args, **kwargs):
        args = list(args)
        slots = [
            (args, i) for i, a in enumerate(args) if isinstance(a, (Symbol, NDArray))
        ]
        slots += [
            (kwargs, k) for k, v in kwargs.items() if isinstance(v, (Symbol, NDArray))
        ]
        values = [box[key] for box, key in slots]
        if any(isinstance(v, Symbol) for v in values):
            if len(values) > 1:
                cast = _sym.amp_multicast(*values, num_outputs=len(values))
                for (box, key), new in zip(slots, cast, strict=True):
                    box[key] = new
        else:
            widest = (
                np.dtype(np.float32)
                if any(np.dtype(v.dtype) == np.float32 for v in values)
                else target
            )
            for (box, key), v in zip(slots, values, strict=True):
                if np.dtype(v.dtype) == target and widest != target:
                    box[key] = _nd.amp_cast(v, dtype=widest)
        return f(*args, **kwargs)

    return _like(amp_wrapped, f)


def _loss_output_wrapper(f: Callable, scaler: LossScaler, symbolic: bool) -> Callable:
    if symbolic:

        def amp_wrapped(*args, **kwargs):
            logging.warning(
                "%s does not support dynamic loss scaling in symbolic and "
                "hybridized execution.",
                getattr(f, "__name__", "loss output"),
            )
            return f(*args, **kwargs)

    else:

        def amp_wrapped(*args, **kwargs):
            kwargs["grad_scale"] = kwargs.get("grad_scale", 1.0) * scaler.loss_scale
            return f(*args, **kwargs)

    return _like(amp_wrapped, f)


def _like(wrapper: Callable, f: Callable) -> Callable:
    wrapper.__name__ = getattr(f, "__name__", wrapper.__name__)
    wrapper.__qualname__ = getattr(f, "__qualname__", wrapper.__qualname__)
    wrapper.__module__ = getattr(f, "__module__", wrapper.__module__)
    wrapper.__doc__ = getattr(f, "__doc__", None)
    wrapper.__wrapped__ = f
    return wrapper


def _targets(module: types.ModuleType, name: str) -> list[tuple[Any, str]]:
    """Where operator ``name`` lives as a function of ``module`` (nd or sym)."""
    for prefix in _PREFIXES:
        if name.startswith(prefix) and (prefix != "_random_" or name.endswith("_like")):
            sub = getattr(module, prefix[1:-1], None)
            return [(sub, name[len(prefix) :])] if sub is not None else []
    if name.startswith("_"):
        internal = getattr(module, "_internal", None)
        return [(internal, name)] if internal is not None else []
    found = [(module, name)]
    op = getattr(module, "op", None)
    if op is not None and op is not module:
        found.append((op, name))
    return found


def _install(module: types.ModuleType, name: str, make: Callable) -> bool:
    done = False
    for ns, attr in _targets(module, name):
        f = getattr(ns, attr, None)
        if f is None or not callable(f):
            continue
        _wrapped.append((ns, attr, f))
        setattr(ns, attr, make(f))
        done = True
    return done


def init(
    target_dtype: Any = "float16",
    target_precision_ops: Sequence[str] | None = None,
    conditional_fp32_ops: Sequence[tuple[str, str, Sequence[str]]] | None = None,
    fp32_ops: Sequence[str] | None = None,
) -> None:
    """Turn on AMP for everything built afterwards (call before creating the model).

    ``target_precision_ops``, ``conditional_fp32_ops`` and ``fp32_ops``
    replace the default lists (:func:`list_lp16_ops`, ...). A second call does
    nothing, as in MXNet.
    """
    global _amp_initialized, _loss_scaler, _target_dtype
    if _amp_initialized:
        return
    if _is_bf16(target_dtype):
        raise MXNetError(
            "amp.init(target_dtype='bfloat16'): neogluon's NDArray has no bfloat16 "
            "dtype, so bfloat16 AMP cannot run. Use amp.init('float16'), or "
            "torch.autocast(dtype=torch.bfloat16) around "
            "neogluon.interop.to_torch_module(net)."
        )
    if not _is_fp16(target_dtype):
        raise MXNetError(
            f"amp.init: target_dtype must be 'float16' or 'bfloat16', got {target_dtype!r}."
        )
    target = np.dtype(np.float16)
    fp32 = np.dtype(np.float32)
    lp16 = (
        list_lp16_ops(target) if target_precision_ops is None else target_precision_ops
    )
    to32 = list_fp32_ops(target) if fp32_ops is None else fp32_ops
    cond = (
        list_conditional_fp32_ops(target)
        if conditional_fp32_ops is None
        else conditional_fp32_ops
    )
    scaler = LossScaler()
    for module, symbolic in ((_nd, False), (_sym, True)):
        for name in lp16:
            _install(module, name, lambda f: _cast_wrapper(f, target))
        for name in to32:
            _install(module, name, lambda f: _cast_wrapper(f, fp32))
        for name, attr, values in cond:
            _install(
                module,
                name,
                lambda f, a=attr, v=tuple(values): _cast_wrapper(f, fp32, (a, v)),
            )
        for name in list_widest_type_cast(target):
            _install(module, name, lambda f: _widest_wrapper(f, target))
        for name in list_loss_output_functions(target):
            _install(
                module, name, lambda f, s=symbolic: _loss_output_wrapper(f, scaler, s)
            )
    _amp_initialized = True
    _loss_scaler = scaler
    _target_dtype = target
    logging.info("Using AMP")


def _reset() -> None:
    """Undo :func:`init` (restore the original operator functions).

    Not part of MXNet's API (MXNet cannot undo ``init``); tests use it.
    """
    global _amp_initialized, _amp_loss_scale_initialized, _loss_scaler, _target_dtype
    while _wrapped:
        ns, attr, f = _wrapped.pop()
        setattr(ns, attr, f)
    _amp_initialized = False
    _amp_loss_scale_initialized = False
    _loss_scaler = None
    _target_dtype = None


# ---------------------------------------------------------------- loss scaling
def _check_trainer(optimizer_or_trainer: Any, where: str) -> None:
    from ...gluon.trainer import Trainer
    from ...optimizer import Optimizer

    if isinstance(optimizer_or_trainer, Trainer):
        return
    if isinstance(optimizer_or_trainer, Optimizer):
        raise TypeError(
            f"amp.{where}: AMP works with a gluon.Trainer, not a bare Optimizer."
        )
    raise TypeError(
        f"amp.{where}: optimizer_or_trainer should be a gluon.Trainer, got "
        f"{type(optimizer_or_trainer).__name__}."
    )


def init_trainer(optimizer_or_trainer: Any) -> None:
    """Give a Trainer dynamic loss scaling (after :func:`init`).

    The Trainer then skips a step whose gradients are not finite and lowers
    the scale, as MXNet's does.
    """
    global _amp_loss_scale_initialized
    if not _amp_initialized:
        raise MXNetError(
            "amp.init_trainer: AMP not initialized, call amp.init() first."
        )
    _check_trainer(optimizer_or_trainer, "init_trainer")
    if not _amp_loss_scale_initialized:
        _amp_loss_scale_initialized = True
        scaler = _loss_scaler
    else:
        scaler = LossScaler()
    trainer = optimizer_or_trainer
    trainer._amp_loss_scaler = scaler
    trainer._amp_original_scale = trainer._scale
    if getattr(trainer, "_amp_plain_update", None) is None:
        plain = trainer._update

        def _update(ignore_stale_grad: bool = False) -> None:
            ls = getattr(trainer, "_amp_loss_scaler", None)
            if ls is not None and ls.has_overflow(trainer._params):
                return  # skip the step, as MXNet does
            plain(ignore_stale_grad)

        trainer._amp_plain_update = plain
        trainer._update = _update


@contextlib.contextmanager
def scale_loss(loss: Any, optimizer_or_trainer: Any) -> Iterator[Any]:
    """``with amp.scale_loss(loss, trainer) as scaled: scaled.backward()``."""
    scaler = getattr(optimizer_or_trainer, "_amp_loss_scaler", None)
    if scaler is None:
        raise MXNetError(
            "amp.scale_loss: the trainer has no loss scaler; call amp.init_trainer(trainer) "
            "after amp.init()."
        )
    optimizer_or_trainer._scale = (
        optimizer_or_trainer._amp_original_scale / scaler.loss_scale
    )
    if isinstance(loss, (list, tuple)):
        yield [item * scaler.loss_scale for item in loss]
    else:
        yield scaler.loss_scale * loss


def unscale(optimizer_or_trainer: Any) -> None:
    """Divide the gradients by the loss scale now (e.g. before clipping them)."""
    _check_trainer(optimizer_or_trainer, "unscale")
    trainer = optimizer_or_trainer
    for p in trainer._params:
        if p.grad_req == "null":
            continue
        for g in p.list_grad():
            g[:] *= trainer._scale
    trainer._scale = 1.0


__all__ += _missing.define(
    globals(),
    {
        "convert_bucketing_module": "function",
        "convert_hybrid_block": "function",
        "convert_model": "function",
        "convert_symbol": "function",
    },
    area="contrib.amp graph conversion (MXNet's ReducePrecision pass)",
    planned="issue 9",
    instead="amp.init() before building the model, or block.cast('float16')",
)
