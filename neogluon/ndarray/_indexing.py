"""MXNet 1.x NDArray indexing on torch tensors (``x[key]``, ``x[key] = v``).

Pure torch: ``NDArray.__getitem__``/``__setitem__`` (``_core.py``) take their
fast paths inline and hand everything else here with the NDArrays of the key
and value already replaced by their tensors. Basic indexing returns a view when
the selection is one contiguous block (MXNet's rule), else a copy; index arrays
gather (never masks); ``None`` axes are placed as MXNet places them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .._dtypes import to_np_dtype
from ..base import MXNetError
from ..ops.elemwise import scalar_for

__all__ = ["getitem_tensor", "setitem_tensor", "is_contiguous_block"]

# MXNet's ``numeric_types`` minus numpy arrays (np.generic covers numpy scalars).
_SCALARS = (float, int, np.generic)


_ADVANCED = (np.ndarray, list, tuple, range, torch.Tensor)


def _expand_key(key, shape: tuple[int, ...]) -> tuple[tuple, bool]:
    """MXNet's key normalization: a tuple with Ellipsis expanded and trailing
    ``slice(None)`` added, plus whether it needs advanced indexing."""
    if not isinstance(key, tuple):
        key = (key,)
    ndim = len(shape)
    ell = None
    items = []
    advanced = False
    for k in key:
        if k is Ellipsis:
            if ell is not None:
                raise IndexError(
                    "Cannot use more than one ellipsis (`...`) for indexing"
                )
            ell = len(items)
            continue
        if isinstance(k, (bool, np.bool_)):
            raise ValueError(
                "Cannot perform boolean indexing in legacy mode (MXNet 1.x NDArray); "
                "use mx.nd.contrib.boolean_mask(data, index) instead."
            )
        if isinstance(k, (np.ndarray, torch.Tensor)) and k.ndim == 0:
            k = int(k.item())
        if isinstance(k, np.integer):
            k = int(k)
        elif isinstance(k, _ADVANCED):
            if isinstance(k, tuple) and len(k) == 0:
                raise IndexError("an empty tuple inside an index is not supported")
            advanced = True
        elif not (isinstance(k, (int, slice)) or k is None):
            raise ValueError(
                f"NDArray does not support slicing with key {k!r} of type {type(k)}."
            )
        items.append(k)
    n_used = sum(1 for k in items if k is not None)
    if n_used > ndim:
        raise IndexError(
            f"too many indices ({n_used}) for array with {ndim} dimensions"
        )
    fill = [slice(None)] * (ndim - n_used)
    if ell is None:
        items.extend(fill)
    else:
        items[ell:ell] = fill
    return tuple(items), advanced


def _slice_len(s: slice, n: int) -> int:
    return len(range(*s.indices(n)))


def is_contiguous_block(slcs: list[slice], shape: tuple[int, ...]) -> bool:
    """MXNet's rule (``_basic_indexing_slice_is_contiguous``): the selection is
    one contiguous block, so basic indexing returns a view."""
    lens = [_slice_len(s, n) for s, n in zip(slcs, shape, strict=True)]
    total = 1
    for m in lens:
        total *= m
    if total in (0, 1):
        return True
    is_subset = False
    for s, n, m in zip(reversed(slcs), reversed(shape), reversed(lens), strict=True):
        step = s.indices(n)[2]
        if m == 0:
            return True
        if m > 1 and (step > 1 or step < 0):
            return False
        if is_subset:
            if m > 1:
                return False
        elif m < n:
            is_subset = True
    return True


def _positive_slice(s: slice, n: int) -> tuple[slice, bool]:
    """An increasing slice selecting the same elements, and whether to flip."""
    step = s.step if s.step is not None else 1
    if step == 0:
        raise ValueError("slice step cannot be zero")
    if step > 0:
        return s, False
    rng = range(*s.indices(n))
    if len(rng) == 0:
        return slice(0, 0), False
    if len(rng) == 1:
        return slice(rng[0], rng[0] + 1), False
    return slice(rng[-1], rng[0] + 1, -rng.step), True


def _basic_parts(items: tuple, t: torch.Tensor):
    """Torch key with increasing slices, output dims to flip, MXNet slices."""
    shape = tuple(t.shape)
    tkey: list[Any] = []
    flips = []
    slcs = []
    axis = 0
    out_dim = 0
    for k in items:
        if k is None:
            tkey.append(None)
            out_dim += 1
            continue
        n = shape[axis]
        if isinstance(k, int):
            if not -n <= k < n:
                raise IndexError(
                    f"index {k} is out of bounds for axis {axis} with size {n}"
                )
            tkey.append(k)
            kk = k + n if k < 0 else k
            slcs.append(slice(kk, kk + 1))
        else:
            ps, flip = _positive_slice(k, n)
            tkey.append(ps)
            if flip:
                flips.append(out_dim)
            slcs.append(k)
            out_dim += 1
        axis += 1
    return tuple(tkey), flips, slcs


def getitem_tensor(t: torch.Tensor, key) -> torch.Tensor:
    """``t[key]`` with MXNet's rules (a view for one contiguous block)."""
    items, advanced = _expand_key(key, tuple(t.shape))
    if advanced:
        return _advanced_getitem(t, items)
    tkey, flips, slcs = _basic_parts(items, t)
    out = t[tkey]
    if is_contiguous_block(slcs, tuple(t.shape)):
        # A view: MXNet returns shape (1,) when integers consume every axis.
        return out.reshape(1) if out.dim() == 0 else out
    if flips:
        return out.flip(flips)
    return out.clone(memory_format=torch.contiguous_format)


def _index_tensor(k, device) -> torch.Tensor:
    if isinstance(k, torch.Tensor):
        if k.dtype == torch.bool:
            raise ValueError(
                "Cannot perform boolean indexing in legacy mode (MXNet 1.x NDArray); "
                "an index array is an integer gather, never a mask. Use "
                "mx.nd.contrib.boolean_mask(data, index) instead."
            )
        idx = k.detach()
    elif isinstance(k, range):
        idx = torch.arange(k.start, k.stop, k.step)
    else:
        a = np.asarray(k)
        if a.dtype == np.bool_:
            raise ValueError(
                "Cannot perform boolean indexing in legacy mode (MXNet 1.x NDArray); "
                "use mx.nd.contrib.boolean_mask(data, index) instead."
            )
        if a.dtype == object or a.dtype.kind not in "iuf":
            raise IndexError(f"invalid index array {k!r}: expected integers")
        idx = torch.from_numpy(a if a.flags.c_contiguous else np.ascontiguousarray(a))
    if idx.dtype != torch.long:
        idx = idx.long()  # float indices truncate, as MXNet's astype('int64')
    return idx.to(device)


def _advanced_key(t: torch.Tensor, items: tuple):
    """Torch advanced key without ``None`` entries; negative-step slices are
    handled by flipping those axes first (returned as ``flip_axes``)."""
    shape = tuple(t.shape)
    tkey: list[Any] = []
    flip_axes = []
    axis = 0
    for k in items:
        if k is None:
            continue
        n = shape[axis]
        if isinstance(k, slice):
            step = k.step if k.step is not None else 1
            if step == 0:
                raise ValueError("slice step cannot be zero")
            if step < 0:
                rng = range(*k.indices(n))
                if len(rng) == 0:
                    k = slice(0, 0)
                else:
                    # index i of t is index n-1-i of t flipped along this axis
                    flip_axes.append(axis)
                    k = slice(n - 1 - rng[0], n - 1 - rng[-1] + 1, -rng.step)
            tkey.append(k)
        elif isinstance(k, int):
            if not -n <= k < n:
                raise IndexError(
                    f"index {k} is out of bounds for axis {axis} with size {n}"
                )
            tkey.append(k)
        else:
            idx = _index_tensor(k, t.device)
            if idx.numel() and (int(idx.max()) >= n or int(idx.min()) < -n):
                raise IndexError(
                    f"index array out of bounds for axis {axis} with size {n}: "
                    f"values range over [{int(idx.min())}, {int(idx.max())}]"
                )
            tkey.append(idx)
        axis += 1
    return tuple(tkey), flip_axes


def _is_adv(k) -> bool:
    return k is not None and not isinstance(k, slice)


def _adjacent(positions: list[int]) -> bool:
    return all(b - a == 1 for a, b in zip(positions, positions[1:], strict=False))


def _advanced_getitem(t: torch.Tensor, items: tuple) -> torch.Tensor:
    tkey, flip_axes = _advanced_key(t, items)
    src = t.flip(flip_axes) if flip_axes else t
    out = src[tkey]
    if out._base is not None or out.data_ptr() == t.data_ptr():
        out = out.clone()
    if not any(k is None for k in items):
        return out
    # MXNet's placement of ``None`` axes in advanced indexing
    # (``_new_axes_after_advanced_indexing``): ints count as advanced indices
    # of shape (1,), and adjacency is judged on the key including ``None``.
    adv = [p for p, k in enumerate(items) if _is_adv(k)]
    adv_nd = [p for p, k in enumerate(k for k in items if k is not None) if _is_adv(k)]
    shapes = [tuple(k.shape) if isinstance(k, torch.Tensor) else (1,) for k in tkey]
    shapes = [s for s, k in zip(shapes, tkey, strict=True) if not isinstance(k, slice)]
    bdim = len(torch.broadcast_shapes(*shapes))
    key_adjacent = _adjacent(adv)
    if not key_adjacent and _adjacent(adv_nd) and adv_nd[0] > 0:
        # torch kept the block in place; MXNet moves it to the front.
        p = adv_nd[0]
        perm = (
            list(range(p, p + bdim)) + list(range(p)) + list(range(p + bdim, out.dim()))
        )
        out = out.permute(perm)
    pos = bdim if not key_adjacent else 0
    shape = list(out.shape)
    inserts = []
    for k in items:
        if k is None:
            inserts.append(pos)
        if not _is_adv(k):
            pos += 1
    for p in inserts:
        shape.insert(p, 1)
    return out.reshape(shape)


def _value_tensor(value, t: torch.Tensor) -> torch.Tensor | float | int | bool:
    """The assigned value as a tensor of ``t``'s dtype/device, or a scalar."""
    if isinstance(value, torch.Tensor):
        if value.dtype != t.dtype or value.device != t.device:
            value = value.to(device=t.device, dtype=t.dtype)
        return value
    if isinstance(value, _SCALARS) and not isinstance(value, np.ndarray):
        if isinstance(value, np.generic) and value.dtype.kind not in "biuf":
            raise TypeError(f"cannot assign {value!r} to an NDArray")
        return scalar_for(t, value)
    try:
        if t.dtype == torch.bfloat16:
            a = np.asarray(value, dtype=np.float32)
            return torch.from_numpy(a).to(device=t.device, dtype=t.dtype)
        a = np.asarray(value, dtype=to_np_dtype(t.dtype))
    except (TypeError, ValueError):
        raise TypeError(
            f"NDArray does not support assignment with non-array-like object "
            f"{value!r} of type {type(value)}"
        ) from None
    if not a.flags.c_contiguous:
        a = np.ascontiguousarray(a)
    return torch.from_numpy(a).to(t.device)


def _fit_value(v: torch.Tensor, shape: torch.Size, key) -> torch.Tensor:
    """Drop leading size-1 axes and broadcast ``v`` to ``shape`` (MXNet rule)."""
    while v.dim() > len(shape) and v.shape[0] == 1:
        v = v[0]
    if v.shape == shape:
        return v
    if v.numel() == 0 and int(np.prod(shape)) == 0:
        return v.reshape(shape)
    try:
        return v.expand(shape)
    except RuntimeError:
        raise ValueError(
            f"NDArray.__setitem__: cannot assign a value of shape {tuple(v.shape)} "
            f"to the region of shape {tuple(shape)} selected by {key!r}; the value "
            "must broadcast to the region."
        ) from None


def setitem_tensor(t: torch.Tensor, key, value) -> None:
    """``t[key] = value`` in place with MXNet's rules (``value`` broadcasts)."""
    v = _value_tensor(value, t)
    items, advanced = _expand_key(key, tuple(t.shape))
    if not advanced:
        tkey, flips, _ = _basic_parts(items, t)
        region = t[tkey]
        if isinstance(v, torch.Tensor):
            v = _fit_value(v, region.shape, key)
            if flips:
                v = v.flip(flips)
            if v.data_ptr() == region.data_ptr() and v.shape == region.shape:
                if v.stride() == region.stride():
                    return  # x[:] = x: nothing to do
                v = v.clone()
            region.copy_(v)
        else:
            region.fill_(v)
        return
    tkey, flip_axes = _advanced_key(t, items)
    if flip_axes:
        # Assign through flat indices so the writes land in ``t`` itself.
        if not t.is_contiguous():
            raise MXNetError(
                "NDArray.__setitem__ with an index array and a negative-step slice "
                "needs a contiguous array; call .copy() first."
            )
        pos = torch.arange(t.numel(), device=t.device).reshape(t.shape)
        flat_idx = pos.flip(flip_axes)[tkey]
        if isinstance(v, torch.Tensor):
            v = _fit_value(v, flat_idx.shape, key)
        t.view(-1)[flat_idx.reshape(-1)] = (
            v.reshape(-1) if isinstance(v, torch.Tensor) else v
        )
        return
    if isinstance(v, torch.Tensor):
        if any(k is None for k in items) and t.is_contiguous():
            # With None axes the region's layout as x[key] shows it (numpy's
            # placement of the index-array axes) differs from the torch key's,
            # which drops them: write through the flat positions x[key] reads.
            pos = torch.arange(t.numel(), device=t.device).reshape(t.shape)
            flat_idx = _advanced_getitem(pos, items)
            v = _fit_value(v, flat_idx.shape, key)
            t.view(-1)[flat_idx.reshape(-1)] = v.reshape(-1).to(t.dtype)
            return
        v = _fit_value(v, t[tkey].shape, key)
    t[tkey] = v
