"""``gluon.utils``: data splitting, gradient clipping, downloads, hook handles."""

from __future__ import annotations

import hashlib
import math
import os
import uuid
import warnings
from collections import OrderedDict

from .. import ndarray as nd
from ..ndarray.ndarray import NDArray

__all__ = [
    "split_data",
    "split_and_load",
    "clip_global_norm",
    "check_sha1",
    "download",
    "HookHandle",
    "shape_is_known",
]


def split_data(
    data: NDArray, num_slice: int, batch_axis: int = 0, even_split: bool = True
):
    """Split ``data`` into ``num_slice`` slices along ``batch_axis``.

    With ``even_split=False`` the first slices take the extra rows.
    """
    size = data.shape[batch_axis]
    if even_split and size % num_slice != 0:
        raise ValueError(
            f"data with shape {data.shape} cannot be evenly split into {num_slice} "
            f"slices along axis {batch_axis}. Use a batch size that's multiple of "
            f"{num_slice} or set even_split=False to allow uneven partitioning of "
            "data."
        )
    n_each = size // num_slice
    if not even_split and size < num_slice:
        raise ValueError(
            f"Too many slices for data with shape {data.shape}: {num_slice} slices "
            f"along axis {batch_axis} of size {size}."
        )
    if num_slice == 1:
        return [data]
    step = n_each
    rem = size % num_slice
    slices = []
    start = 0
    for i in range(num_slice):
        end = start + step + (1 if i < rem else 0)
        slices.append(nd.slice_axis(data, axis=batch_axis, begin=start, end=end))
        start = end
    return slices


def split_and_load(data, ctx_list, batch_axis: int = 0, even_split: bool = True):
    """Split ``data`` and load each slice onto one context of ``ctx_list``."""
    if not isinstance(data, NDArray):
        data = nd.array(data, ctx=ctx_list[0])
    if len(ctx_list) == 1:
        return [data.as_in_context(ctx_list[0])]
    slices = split_data(data, len(ctx_list), batch_axis, even_split)
    return [s.as_in_context(c) for s, c in zip(slices, ctx_list, strict=True)]


def clip_global_norm(arrays, max_norm: float, check_isfinite: bool = True):
    """Scale ``arrays`` in place so their joint 2-norm is at most ``max_norm``."""
    if not arrays:
        raise ValueError("clip_global_norm: arrays is empty")
    ctx = arrays[0].context
    total = nd.add_n(*[(a.as_in_context(ctx) ** 2).sum() for a in arrays])
    total_norm = total.sqrt()
    if check_isfinite:
        value = float(total_norm.asscalar())
        if not math.isfinite(value):
            warnings.warn(
                UserWarning(
                    "nan or inf is detected. Clipping results will be undefined."
                ),
                stacklevel=2,
            )
    scale = max_norm / (total_norm + 1e-8)
    scale = nd.minimum(scale, nd.ones((1,), ctx=ctx, dtype=scale.dtype))
    for a in arrays:
        a *= scale.as_in_context(a.context)
    return value if check_isfinite else total_norm


def check_sha1(filename: str, sha1_hash: str) -> bool:
    """Whether the file's SHA-1 equals ``sha1_hash``."""
    sha1 = hashlib.sha1()
    with open(filename, "rb") as f:
        for chunk in iter(lambda: f.read(1048576), b""):
            sha1.update(chunk)
    return sha1.hexdigest() == sha1_hash


def download(
    url: str,
    path: str | None = None,
    overwrite: bool = False,
    sha1_hash: str | None = None,
    retries: int = 5,
    verify_ssl: bool = True,
) -> str:
    """Download ``url`` to ``path`` (atomically), checking ``sha1_hash``."""
    import urllib.request

    if path is None:
        fname = url.split("/")[-1]
    else:
        path = os.path.expanduser(path)
        fname = os.path.join(path, url.split("/")[-1]) if os.path.isdir(path) else path
    if (
        not overwrite
        and os.path.exists(fname)
        and (not sha1_hash or check_sha1(fname, sha1_hash))
    ):
        return fname
    dirname = os.path.dirname(os.path.abspath(os.path.expanduser(fname)))
    os.makedirs(dirname, exist_ok=True)
    last_err: Exception | None = None
    for _ in range(max(retries, 1)):
        tmp = os.path.join(dirname, f".{uuid.uuid4().hex}.part")
        try:
            with urllib.request.urlopen(url) as r, open(tmp, "wb") as f:  # noqa: S310
                while chunk := r.read(1 << 20):
                    f.write(chunk)
            if sha1_hash and not check_sha1(tmp, sha1_hash):
                raise OSError(
                    f"File {fname} downloaded from {url} has a SHA-1 that differs "
                    f"from {sha1_hash}; the download may be corrupted."
                )
            os.replace(tmp, fname)
            return fname
        except OSError as err:
            last_err = err
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    raise OSError(f"download of {url} failed after {retries} tries: {last_err}")


class HookHandle:
    """Handle returned by ``register_forward_hook``; ``detach()`` removes it."""

    _id = 0

    def __init__(self) -> None:
        self._hooks_dict_ref = None
        self._id = None

    def attach(self, hooks_dict: OrderedDict, hook) -> None:
        if self._hooks_dict_ref is not None:
            raise ValueError("The same handle cannot be attached twice.")
        HookHandle._id += 1
        self._id = HookHandle._id
        hooks_dict[self._id] = hook
        self._hooks_dict_ref = hooks_dict

    def detach(self) -> None:
        hooks = self._hooks_dict_ref
        if hooks is not None and self._id in hooks:
            del hooks[self._id]

    def __enter__(self) -> HookHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.detach()


def shape_is_known(shape) -> bool:
    """Whether every dim of ``shape`` is known (no 0 / -1 dims)."""
    if shape is None:
        return False
    return all(d > 0 for d in shape)
