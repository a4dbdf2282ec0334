"""``invoke``: run a registered operator eagerly on NDArrays, and its errors.

The core of every ``nd.<op>`` function (``_frontend.py``): collect the
tensors, check MXNet's no-promotion dtype rule, run the kernel (grad mode off
outside ``autograd.record()`` when an input requires grad), wrap the result.
A failing kernel becomes an MXNetError naming the op, the running block, the
input shapes, the given attributes and the shape rule's diagnosis.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence

import torch

from .. import _opprof
from .. import _state
from .._dtypes import dtype_name
from .._opprof import State as _PROF
from ..base import MXNetError
from ..ops import registry as _reg
from ._core import NDArray
from ._core import _attr_ctx_tag
from ._core import _grad_off
from ._core import _new

__all__ = ["SPARSE_IMPLS", "invoke", "op_error"]

_flags = _state.flags
_Tensor = torch.Tensor

#: Operator name -> its implementation on CSR / row_sparse inputs, filled by
#: ``ndarray/sparse.py``. Called as ``impl(*inputs, out=out, **attrs)`` when an
#: input is sparse; it returns ``NotImplemented`` to use the dense kernel on
#: the dense equivalents (MXNet's storage fallback).
SPARSE_IMPLS: dict[str, Callable] = {}


def invoke(op: _reg.OpDef, inputs: Sequence[NDArray], attrs: dict, out=None):
    """Run a registered operator eagerly on NDArrays (the ``nd`` frontend core).

    Returns an NDArray, or a list of NDArrays for multi-output ops. ``attrs``
    are parsed attributes; passing ``op.defaults`` itself (the frontend does
    when no attribute is given) lets a kernel whose own keyword defaults are
    the op's run without a keyword dict.
    """
    if _PROF.on and not _opprof.entered():
        return _opprof.op_range(op.name, invoke, op, inputs, attrs, out)
    # Collect the tensors; the grad guard is needed only when an input
    # requires grad outside ``record()``; dtypes must match (no promotion).
    # An input of another type (a sparse array, an NDArray subclass) may
    # have the op's sparse implementation run instead.
    n = len(inputs)
    if n == 1:
        a = inputs[0]
        if type(a) is not NDArray:
            res = _sparse(op, inputs, attrs, out)
            if res is not NotImplemented:
                return res
        t = a._data
        tensors: Sequence[torch.Tensor] = (t,)
        guard = t.requires_grad and not _flags.recording
    else:
        for x in inputs:
            if type(x) is not NDArray:
                res = _sparse(op, inputs, attrs, out)
                if res is not NotImplemented:
                    return res
                break
        if n == 2:
            ta = inputs[0]._data
            tb = inputs[1]._data
            tensors = (ta, tb)
            guard = (ta.requires_grad or tb.requires_grad) and not _flags.recording
            if ta.dtype is not tb.dtype and op.same_dtype:
                _check_dtypes(op, inputs, tensors, attrs)
        else:
            tensors = [x._data for x in inputs]
            guard = mixed = False
            if n:
                d0 = tensors[0].dtype
                for t in tensors:
                    if t.requires_grad:
                        guard = True
                    if t.dtype is not d0:
                        mixed = True
                if guard:
                    guard = not _flags.recording
                if mixed and op.same_dtype:
                    _check_dtypes(op, inputs, tensors, attrs)
    kernel = op.kernel
    try:
        if guard:
            res = _grad_off(kernel, *tensors, **attrs)
        elif attrs is op.defaults and op.bare_defaults:
            res = kernel(t) if n == 1 else kernel(*tensors)
        else:
            res = kernel(*tensors, **attrs)
    except MXNetError as err:
        raise _with_block(err) from None
    except (RuntimeError, ValueError, IndexError, TypeError) as err:
        raise op_error(op, tensors, attrs, err) from None
    if isinstance(res, _Tensor):
        if op.returns_view and res._is_view():
            # never recorded by mistake: res requires grad only when recording
            res = _own_copy(res)
        if out is not None:
            return _write_out(out, res)
        return _new(res, inputs[0]._ctx if n else _attr_ctx_tag(attrs, res))
    ctx = inputs[0]._ctx if n else _attr_ctx_tag(attrs, res[0] if res else None)
    outs = [_new(r, ctx) for r in res]
    if out is not None:
        outs_t = out if isinstance(out, (list, tuple)) else [out]
        for o, r in zip(outs_t, outs, strict=False):
            _write_out(o, r._data)
        return out
    return outs


def _own_copy(res: torch.Tensor) -> torch.Tensor:
    """A contiguous copy of a view a kernel returned: MXNet's result never
    shares memory with an input. ``clone()`` keeps a contiguous layout and is
    cheaper than ``clone(memory_format=...)``; other layouts are made
    contiguous (a copy, since a non-contiguous view is never contiguous)."""
    return res.clone() if res.is_contiguous() else res.contiguous()


def _sparse(op: _reg.OpDef, inputs: Sequence[NDArray], attrs: dict, out):
    """The op's sparse implementation on these inputs when one is sparse, else
    ``NotImplemented`` (the dense kernel runs on their dense values)."""
    impl = SPARSE_IMPLS.get(op.name)
    if impl is not None:
        for x in inputs:
            if x.stype != "default":
                return impl(*inputs, out=out, **attrs)
    return NotImplemented


def _write_out(out: NDArray, res: torch.Tensor) -> NDArray:
    if tuple(out.shape) != tuple(res.shape):
        raise MXNetError(
            f"out= array has shape {out.shape} but the result has shape "
            f"{tuple(res.shape)}."
        )
    if out.stype != "default":  # sparse out=: stored in its own storage type
        out._data = res.detach()
        return out
    if _flags.recording:
        out._data.copy_(res)
    else:
        _grad_off(out._data.copy_, res)
    return out


def _check_dtypes(op, inputs, tensors, attrs) -> None:
    names = op.input_names(attrs, len(tensors))
    free = op.dtype_free_inputs
    first = None
    for name, t in zip(names, tensors, strict=False):
        if name in free:
            continue
        if first is None:
            first = (name, t)
        elif t.dtype != first[1].dtype:
            raise _with_block(
                MXNetError(
                    f"Operator {op.name}: input '{name}' has dtype "
                    f"{dtype_name(t.dtype)} but input '{first[0]}' has dtype "
                    f"{dtype_name(first[1].dtype)}; MXNet does not promote dtypes "
                    "implicitly. Cast with .astype(...) so they match."
                )
            )


def _where() -> str:
    blk = _state.current_block()
    return f" (in block '{blk}')" if blk else ""


def _with_block(err: MXNetError) -> MXNetError:
    blk = _state.current_block()
    if blk and "(in block" not in str(err):
        return type(err)(f"{err} (in block '{blk}')")
    return err


def op_error(op: _reg.OpDef, tensors, attrs, err: Exception) -> MXNetError:
    """An MXNetError naming the op, block, input shapes and the expectation."""
    shapes = [tuple(t.shape) for t in tensors]
    names = op.input_names(attrs, len(tensors))
    desc = ", ".join(f"{n}={s}" for n, s in zip(names, shapes, strict=False))
    detail = str(err).strip().splitlines()[0] if str(err).strip() else repr(err)
    why = op.diagnose(shapes, attrs)
    expected = f" {why}" if why else ""
    given = {k: v for k, v in attrs.items() if k in op.spec_map}
    cls = _reg.ShapeError if expected else MXNetError
    return cls(
        f"Operator {op.name}{_where()} failed on inputs {desc} with attrs "
        f"{given}:{expected or ' ' + detail}"
    )
