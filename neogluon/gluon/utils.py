"""``gluon.utils``: data splitting, gradient clipping, downloads, hook handles."""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import uuid
import warnings
from collections import OrderedDict

from .. import ndarray as nd
from .._text import indent as _indent  # noqa: F401 - MXNet's name here too
from ..base import MXNetError
from ..ndarray.ndarray import NDArray
from ..util import is_np_array
from .parameter import _brief_print_list  # noqa: F401 - MXNet's name here too
from .parameter import shape_is_known  # noqa: F401 - MXNet's name here too

__all__ = [
    "split_data",
    "split_and_load",
    "clip_global_norm",
    "check_sha1",
    "download",
    "replace_file",
    "HookHandle",
    "shape_is_known",
]


def split_data(
    data: NDArray, num_slice: int, batch_axis: int = 0, even_split: bool = True
):
    """Split ``data`` into ``num_slice`` slices along ``batch_axis``.

    With ``even_split=False`` the first slices take the extra rows. Along
    axis 0 the slices are basic slices ``data[a:b]`` as in MXNet 1.9.1 (views
    of a dense array; a CSR array gives CSR slices).
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
    if is_np_array():
        # MXNet: under set_np the slices come from mx.np.split (mx.np arrays).
        from .. import numpy as _mx_np

        sizes = [n_each + 1] * (size % num_slice) + [n_each] * (
            num_slice - size % num_slice
        )
        points = [sum(sizes[: i + 1]) for i in range(num_slice - 1)]
        return list(_mx_np.split(data, indices_or_sections=points, axis=batch_axis))
    step = n_each
    rem = size % num_slice
    slices = []
    start = 0
    for i in range(num_slice):
        end = start + step + (1 if i < rem else 0)
        if batch_axis == 0:
            slices.append(data[start:end])
        else:
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
    """Whether the file's SHA-1 equals ``sha1_hash`` (hex digits)."""
    sha1 = hashlib.sha1()
    with open(filename, "rb") as f:
        for chunk in iter(lambda: f.read(1048576), b""):
            sha1.update(chunk)
    return sha1.hexdigest() == sha1_hash


def replace_file(src: str, dst: str) -> None:
    """Move ``src`` over ``dst`` atomically (same file system); ``src`` is removed
    if the move fails."""
    try:
        os.replace(src, dst)
    except OSError as err:
        with contextlib.suppress(OSError):
            os.remove(src)
        raise OSError(
            f"Moving downloaded temp file - {src}, to {dst} failed ({err}). Please "
            "retry the download."
        ) from err


class _DownloadStatusError(OSError, RuntimeError):
    """The server answered with an HTTP status other than 200."""


class _HashMismatchError(OSError, UserWarning):
    """A downloaded file's SHA-1 differs from the expected one."""


def _requests():
    try:
        import requests
    except ImportError:
        raise MXNetError(
            "gluon.utils.download needs the 'requests' package, which is not "
            "installed: pip install requests (or place the file at the target path "
            "yourself)."
        ) from None
    return requests


def download(
    url: str,
    path: str | None = None,
    overwrite: bool = False,
    sha1_hash: str | None = None,
    retries: int = 5,
    verify_ssl: bool = True,
) -> str:
    """Download ``url`` with ``requests.get`` and return the local file name.

    Parameters
    ----------
    url : str
        URL to download.
    path : str, optional
        Destination file or folder (default: the URL's last part in the
        current directory).
    overwrite : bool
        Download even if the file exists.
    sha1_hash : str, optional
        Expected SHA-1: an existing file that does not match is downloaded
        again, and a download that does not match is an error.
    retries : int, default 5
        Number of attempts (at least one); the last error is raised.
    verify_ssl : bool, default True
        Verify SSL certificates (a warning is issued when off).

    The data goes to a uniquely named temporary file next to the target and
    is renamed over it once complete, so concurrent downloads of the same
    file (several processes) never leave a partial file.
    """
    if path is None:
        fname = url.split("/")[-1]
        if not fname:
            raise ValueError(
                f"Can't construct file-name from this URL ({url!r}). Please set the "
                "`path` option manually."
            )
    else:
        path = os.path.expanduser(path)
        fname = os.path.join(path, url.split("/")[-1]) if os.path.isdir(path) else path
    if retries < 0:
        raise ValueError(
            f"Number of retries should be at least 0, currently it's {retries}"
        )
    if not verify_ssl:
        warnings.warn(
            "Unverified HTTPS request is being made (verify_ssl=False). Adding "
            "certificate verification is strongly advised.",
            stacklevel=2,
        )
    if not (
        overwrite
        or not os.path.exists(fname)
        or (sha1_hash and not check_sha1(fname, sha1_hash))
    ):
        return fname
    dirname = os.path.dirname(os.path.abspath(os.path.expanduser(fname)))
    os.makedirs(dirname, exist_ok=True)
    req = _requests()
    attempts = max(retries, 1)
    for left in range(attempts - 1, -1, -1):
        try:
            print(f"Downloading {fname} from {url}...")
            _fetch(req, url, fname, sha1_hash, verify_ssl, overwrite)
            break
        except Exception as err:
            if left == 0:
                raise
            print(
                f"download failed due to {err!r}, retrying, {left} attempt"
                f"{'s' if left > 1 else ''} left"
            )
    return fname


def _fetch(
    req, url: str, fname: str, sha1_hash, verify_ssl: bool, overwrite: bool
) -> None:
    r = req.get(url, stream=True, verify=verify_ssl)
    if r.status_code != 200:
        raise _DownloadStatusError(
            f"Failed downloading url {url}: HTTP status {r.status_code}"
        )
    tmp = f"{fname}.{uuid.uuid4()}"
    try:
        with open(tmp, "wb") as f:
            for chunk in r.iter_content(chunk_size=1024):
                if chunk:  # skip keep-alive chunks
                    f.write(chunk)
        if (
            overwrite
            or not os.path.exists(fname)
            or (sha1_hash and not check_sha1(fname, sha1_hash))
        ):
            replace_file(tmp, fname)
        else:
            # Another process finished the same file first (MXNet warns too).
            warnings.warn(
                f"File {fname} exists in file system so the downloaded file is deleted",
                stacklevel=3,
            )
    finally:
        with contextlib.suppress(OSError):
            os.remove(tmp)
    if sha1_hash and not check_sha1(fname, sha1_hash):
        raise _HashMismatchError(
            f"File {fname} is downloaded but the content hash does not match "
            f"{sha1_hash}. The repo may be outdated or download may be incomplete. "
            'If the "repo_url" is overridden, consider switching to the default '
            "repo."
        )


def _get_repo_url() -> str:
    """Base URL of the Gluon dataset/model repository (``$MXNET_GLUON_REPO``)."""
    default_repo = "https://apache-mxnet.s3-accelerate.dualstack.amazonaws.com/"
    repo_url = os.environ.get("MXNET_GLUON_REPO", default_repo)
    if not repo_url.endswith("/"):
        repo_url = repo_url + "/"
    return repo_url


def _get_repo_file_url(namespace: str, filename: str) -> str:
    """URL of ``filename`` under ``namespace`` in the Gluon repository."""
    return f"{_get_repo_url()}{namespace}/{filename}"


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
