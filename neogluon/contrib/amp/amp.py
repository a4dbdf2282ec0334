"""Automatic mixed precision (``mx.contrib.amp``), MXNet 1.9.1's API.

:func:`init` does what MXNet's does: it replaces the ``nd``/``sym`` operator
functions named in :mod:`.lists` (``F.FullyConnected``, ``F.softmax``...) with
wrappers that cast their inputs first, so that a Gluon network built
afterwards computes matrix products and convolutions in float16 (or
bfloat16, ``init('bfloat16')``, with MXNet's bfloat16 lists) and keeps
numerically sensitive operators in float32:

- "lp16" operators (``FullyConnected``, ``Convolution``, ``Deconvolution``,
  ``RNN``) cast their float inputs to the target dtype (``amp_cast``);
- "fp32" operators (``softmax``, ``norm``, ``exp``...) cast them to float32,
  and the conditional ones when an attribute says so (``Activation`` with
  ``act_type='softrelu'``);
- "widest type" operators (``elemwise_add``, ``concat``...) cast low precision
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
and the casts apply to float16, bfloat16 and float32 inputs on every device
(MXNet's CPU path leaves float16 inputs alone, its GPU path bfloat16 ones).
bfloat16 arrays are stored as torch.bfloat16 and report ``float32`` as their
numpy ``dtype`` (numpy has no bfloat16).

:func:`convert_symbol`, :func:`convert_model` and :func:`convert_hybrid_block`
convert a float32 model for inference with MXNet's ``ReducePrecision`` graph
pass (:mod:`._convert`).
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

from ... import ndarray as _nd
from ... import symbol as _sym
from ..._dtypes import dtype_name
from ...base import MXNetError
from ...ndarray import NDArray
from ...symbol import Symbol
from . import lists
from .loss_scaler import LossScaler

__all__ = [
    "AmpListError",
    "bfloat16",
    "convert_bucketing_module",
    "convert_hybrid_block",
    "convert_model",
    "convert_symbol",
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
_target_dtype: str | None = None
#: (namespace, attribute, original function) for every wrapper installed.
_wrapped: list[tuple[Any, str, Callable]] = []

_FLOATS = ("float16", "bfloat16", "float32")
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
def _dtype_of(x: NDArray) -> str:
    """The dtype name of an array's storage (``'bfloat16'`` included: such
    arrays report ``float32`` as their numpy ``dtype``)."""
    return dtype_name(x.to_torch().dtype)


def _cast(x: Any, dtype: str) -> Any:
    if isinstance(x, Symbol):
        return _sym.amp_cast(x, dtype=dtype)
    if isinstance(x, NDArray):
        have = _dtype_of(x)
        if have in _FLOATS and have != dtype:
            return _nd.amp_cast(x, dtype=dtype)
    return x


def _cast_wrapper(
    f: Callable, dtype: str, cond: tuple[str, Sequence[str]] | None = None
) -> Callable:
    def amp_wrapped(*args, **kwargs):
        if cond is not None and kwargs.get(cond[0]) not in cond[1]:
            return f(*args, **kwargs)
        args = tuple(_cast(a, dtype) for a in args)
        kwargs = {k: _cast(v, dtype) for k, v in kwargs.items()}
        return f(*args, **kwargs)

    return _like(amp_wrapped, f)


def _widest_wrapper(f: Callable, target: str) -> Callable:
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
            names = [_dtype_of(v) for v in values]
            widest = "float32" if "float32" in names else target
            for (box, key), v, have in zip(slots, values, names, strict=True):
                if have == target and widest != target:
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
    target = _target_name(target_dtype, "init")
    fp32 = "float32"
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


# ---------------------------------------------------------------- graph conversion
def _target_name(target_dtype: Any, where: str) -> str:
    if _is_fp16(target_dtype):
        return "float16"
    if _is_bf16(target_dtype):
        return "bfloat16"
    raise AmpListError(
        f"amp.{where}: target_dtype must be 'float16' or 'bfloat16', got "
        f"{target_dtype!r}."
    )


class AmpListError(MXNetError, AssertionError):
    """Bad operator lists or arguments for a conversion; also an
    AssertionError, which is what MXNet raises there."""


def _check_list(value: Any, what: str, where: str) -> None:
    if not isinstance(value, list):
        raise AmpListError(
            f"amp.{where}: {what} must be a list, got {type(value).__name__}."
        )


def convert_symbol(
    sym: Symbol,
    target_dtype: Any = "float16",
    target_dtype_ops: list[str] | None = None,
    fp32_ops: list[str] | None = None,
    conditional_fp32_ops: list[tuple[str, str, list[str]]] | None = None,
    excluded_sym_names: list[str] | None = None,
    data_names: list[str] | None = None,
    cast_optional_params: bool = False,
) -> Symbol:
    """A mixed precision copy of the float32 graph ``sym`` (for inference).

    ``amp_cast`` / ``amp_multicast`` nodes are inserted as MXNet 1.9.1's
    ``ReducePrecision`` pass inserts them (see :mod:`._convert`), from the
    default lists of ``target_dtype`` or the ones given. ``data_names`` are the
    graph inputs that are data (float32); by default every input without a
    ``__dtype__`` attribute. The model parameters get a ``__dtype__``
    attribute: the target dtype where ``cast_optional_params`` lets them be
    stored in it, else float32. ``tojson()`` drops the casts again unless
    ``remove_amp_cast=False``, as MXNet's does.
    """
    from ._convert import reduce_precision
    from ._convert import set_param_dtypes

    if not isinstance(sym, Symbol):
        raise MXNetError(
            f"amp.convert_symbol: sym must be a Symbol, got {type(sym).__name__}."
        )
    target = _target_name(target_dtype, "convert_symbol")
    lp16 = list_lp16_ops(target) if target_dtype_ops is None else target_dtype_ops
    to32 = list_fp32_ops(target) if fp32_ops is None else fp32_ops
    cond = (
        list_conditional_fp32_ops(target)
        if conditional_fp32_ops is None
        else conditional_fp32_ops
    )
    for value, what in ((lp16, "target_dtype_ops"), (to32, "fp32_ops")):
        _check_list(value, what, "convert_symbol")
    _check_list(cond, "conditional_fp32_ops", "convert_symbol")
    conditional: dict[str, dict[str, list[str]]] = {}
    for item in cond:
        if not (
            isinstance(item, (tuple, list))
            and len(item) == 3
            and isinstance(item[0], str)
            and isinstance(item[1], str)
            and isinstance(item[2], list)
        ):
            raise AmpListError(
                "amp.convert_symbol: conditional_fp32_ops must be a list of "
                f"(op name, attribute name, [values]) tuples, got {item!r}."
            )
        conditional.setdefault(item[0], {})[item[1]] = list(item[2])
    cond_names = set(conditional)
    for a, b, la, lb in (
        (set(lp16), set(to32), "target_dtype_ops", "fp32_ops"),
        (set(lp16), cond_names, "target_dtype_ops", "conditional_fp32_ops"),
        (cond_names, set(to32), "conditional_fp32_ops", "fp32_ops"),
    ):
        common = a & b
        if common:
            raise AmpListError(
                f"amp.convert_symbol: operators cannot be in two lists; in {la} "
                f"and {lb}: {sorted(common)}."
            )
    known = (
        set(list_lp16_ops(target))
        | set(list_fp32_ops(target))
        | set(list_lp16_fp32_ops(target))
        | {c[0] for c in list_conditional_fp32_ops(target)}
    )
    illegal = (set(lp16) | set(to32) | cond_names) - known
    if illegal:
        raise AmpListError(
            f"amp.convert_symbol: operators {sorted(illegal)} are in none of "
            "amp.list_lp16_ops, list_fp32_ops, list_lp16_fp32_ops and "
            f"list_conditional_fp32_ops for {target}; only listed operators can "
            "be moved between lists."
        )
    excluded = [] if excluded_sym_names is None else excluded_sym_names
    _check_list(excluded, "excluded_sym_names", "convert_symbol")
    attrs = sym.attr_dict()
    inputs = sym.list_inputs()
    if data_names is None:
        data_names = [n for n in inputs if "__dtype__" not in attrs.get(n, {})]
    model_params = sorted(set(inputs) - set(data_names))
    heads = reduce_precision(
        sym._outputs,
        target,
        lp16,
        to32,
        list_widest_type_cast(target),
        conditional,
        excluded,
        data_names,
        bool(cast_optional_params),
    )
    set_param_dtypes(
        heads, target, data_names, model_params, bool(cast_optional_params)
    )
    return Symbol(heads)


def _param_dtypes(sym: Symbol) -> dict[str, str]:
    from ...symbol.graph import flag_dtype

    out = {}
    for name, attrs in sym.attr_dict().items():
        flag = attrs.get("__dtype__")
        if flag is not None and flag != "-1":
            out[name] = flag_dtype(flag)
    return out


def convert_model(
    sym: Symbol,
    arg_params: dict,
    aux_params: dict,
    target_dtype: Any = "float16",
    target_dtype_ops: list[str] | None = None,
    fp32_ops: list[str] | None = None,
    conditional_fp32_ops: list[tuple[str, str, list[str]]] | None = None,
    excluded_sym_names: list[str] | None = None,
    cast_optional_params: bool = False,
) -> tuple[Symbol, dict, dict]:
    """``(symbol, arg_params, aux_params)`` of the mixed precision model.

    The parameters named in the dicts are the model parameters; every other
    input is data. Parameters whose converted ``__dtype__`` differs are cast
    (the dicts are updated in place and returned, as in MXNet).
    """
    target = _target_name(target_dtype, "convert_model")
    if not isinstance(sym, Symbol):
        raise MXNetError(
            f"amp.convert_model: sym must be a Symbol, got {type(sym).__name__}."
        )
    for value, what in ((arg_params, "arg_params"), (aux_params, "aux_params")):
        if not isinstance(value, dict):
            raise MXNetError(
                f"amp.convert_model: {what} must be a dict of name to NDArray, got "
                f"{type(value).__name__}."
            )
    if excluded_sym_names is not None:
        _check_list(excluded_sym_names, "excluded_sym_names", "convert_model")
    params = set(arg_params) | set(aux_params)
    data_names = [n for n in sym.list_inputs() if n not in params]
    converted = convert_symbol(
        sym,
        target,
        target_dtype_ops,
        fp32_ops,
        conditional_fp32_ops,
        excluded_sym_names,
        data_names,
        cast_optional_params,
    )
    dtypes = _param_dtypes(converted)
    for names, store in (
        (converted.list_arguments(), arg_params),
        (converted.list_auxiliary_states(), aux_params),
    ):
        for name in names:
            if name in dtypes and name in store:
                store[name] = store[name].astype(dtypes[name])
    return converted, arg_params, aux_params


def convert_hybrid_block(
    block: Any,
    target_dtype: Any = "float16",
    target_dtype_ops: list[str] | None = None,
    fp32_ops: list[str] | None = None,
    conditional_fp32_ops: list[tuple[str, str, list[str]]] | None = None,
    excluded_sym_names: list[str] | None = None,
    ctx: Any = None,
    cast_optional_params: bool = False,
) -> Any:
    """A SymbolBlock running the mixed precision version of a hybridized block.

    ``block`` must have been hybridized and called once (its graph is the one
    of the last call). ``ctx`` is where the parameters go; MXNet's default is
    ``gpu(0)``, neogluon's (None) is the context of the block's parameters.
    float16 runs on CPU too (MXNet's CPU build has no float16 GEMM);
    bfloat16 is stored as torch.bfloat16 (the arrays report float32, as no
    numpy bfloat16 exists).
    """
    from ... import symbol as sym_mod
    from ...gluon import HybridBlock
    from ...gluon import SymbolBlock

    if not isinstance(block, HybridBlock):
        raise MXNetError(
            "amp.convert_hybrid_block: block must be a HybridBlock, got "
            f"{type(block).__name__}."
        )
    last = getattr(block, "_last_graph", None)
    if last is None:
        raise RuntimeError(
            "Please first call block.hybridize() and then run forward with "
            "this block at least once before calling export."
        )
    target = _target_name(target_dtype, "convert_hybrid_block")
    graph = last.symbol
    input_names = list(last.data_names)
    converted = convert_symbol(
        graph,
        target,
        target_dtype_ops,
        fp32_ops,
        conditional_fp32_ops,
        excluded_sym_names,
        data_names=input_names,
        cast_optional_params=cast_optional_params,
    )
    dtypes = _param_dtypes(converted)
    arg_names = set(converted.list_arguments())
    aux_names = set(converted.list_auxiliary_states())
    values: dict[str, NDArray] = {}
    for name, param in block.collect_params().items():
        if name not in arg_names and name not in aux_names:
            continue
        value = param._reduce()
        if name in dtypes and np.dtype(value.dtype).name != dtypes[name]:
            value = value.astype(dtypes[name])
        values[name] = value
    if ctx is None:
        first = next(iter(block.collect_params().values()), None)
        ctx = first.list_ctx()[0] if first is not None else None
    inputs = [sym_mod.var(n) for n in input_names]
    ret = SymbolBlock(converted, inputs)
    for name, param in ret.collect_params().items():
        if name in dtypes and str(param.dtype) != dtypes[name]:
            param.cast(dtypes[name])
    ret.collect_params().load_dict(values, ctx=ctx, cast_dtype=True)
    return ret


def convert_bucketing_module(
    bucketing_mod: Any,
    target_dtype: Any = "float16",
    target_dtype_ops: list[str] | None = None,
    fp32_ops: list[str] | None = None,
    conditional_fp32_ops: list[tuple[str, str, list[str]]] | None = None,
    excluded_sym_names: list[str] | None = None,
    cast_optional_params: bool = False,
) -> Any:
    """A BucketingModule whose bucket symbols are converted by :func:`convert_model`."""
    from ...module import BucketingModule

    if not isinstance(bucketing_mod, BucketingModule):
        raise MXNetError(
            "amp.convert_bucketing_module: expected a BucketingModule, got "
            f"{type(bucketing_mod).__name__}."
        )
    if not bucketing_mod._buckets:
        raise MXNetError("amp.convert_bucketing_module: the module has no buckets.")
    if not bucketing_mod.params_initialized:
        raise MXNetError(
            "amp.convert_bucketing_module: initialize the module's parameters "
            "(init_params or bind + set_params) before converting it."
        )
    arg_params = dict(bucketing_mod._curr_module._arg_params)
    aux_params = dict(bucketing_mod._curr_module._aux_params)
    sym_dict = {}
    for key, mod in bucketing_mod._buckets.items():
        sym_dict[key], arg_params, aux_params = convert_model(
            mod._symbol,
            arg_params,
            aux_params,
            target_dtype=target_dtype,
            target_dtype_ops=target_dtype_ops,
            fp32_ops=fp32_ops,
            conditional_fp32_ops=conditional_fp32_ops,
            excluded_sym_names=excluded_sym_names,
            cast_optional_params=cast_optional_params,
        )
    return BucketingModule.load_dict(
        sym_dict,
        sym_gen=bucketing_mod._sym_gen,
        arg_params=arg_params,
        aux_params=aux_params,
        default_bucket_key=bucketing_mod._default_bucket_key,
        logger=bucketing_mod.logger,
        context=bucketing_mod._context,
        work_load_list=bucketing_mod._work_load_list,
        fixed_param_names=bucketing_mod._fixed_param_names,
        state_names=bucketing_mod._state_names,
        group2ctxs=bucketing_mod._group2ctxs,
        compression_params=bucketing_mod._compression_params,
    )
