"""MXNet's binary NDArray format: ``nd.save``/``nd.load`` and pickling records.

Layout (all little-endian), as written by MXNet 1.9.1's ``NDArray::Save``:

* list container: uint64 magic ``0x112``, uint64 reserved 0, uint64 N, N
  records, uint64 K (0 or N), K names (uint64 length + UTF-8 bytes);
* one record (V2, magic ``0xF993FAC9``): uint32 magic, int32 stype, shape
  (int32 ndim + ndim x int64), int32 dev_type, int32 dev_id, int32 type flag,
  raw C-order data. A record with ``ndim == 0`` ends after the shape (MXNet's
  "none" array).

We write V2 (``save_np``, for ``npx.save`` and exports under ``npx.set_np()``:
V3, the same layout under magic ``0xF993FACA``). We read V2 (dense, and row_sparse/csr records, kept sparse), V1 (``0xF993FAC8``, no stype), the legacy format (no magic: uint32
ndim and uint32 dims) and V3 (``0xF993FACA``, numpy-shape mode).

Notes
-----
MXNet 1.9.1 writes a 0-d array (``nd.array(5)``) as ``ndim == 0`` followed by
context, type and data, but its own reader stops after ``ndim == 0`` and then
fails on the file. We write the same bytes and read such a record back as the
0-d array (when a valid context follows; else it is a "none" record).

Differs from MXNet 1.9.1: V3 records (``npx.save``) load in legacy mode too,
instead of raising; a V3 ``ndim == 0`` record is a real 0-d scalar and loads as
an array of shape ``()`` with its value. A "none" record (V2/V1/legacy ``ndim
== 0``, V3 ``ndim == -1``) loads as an empty float32 array of shape ``(0,)``.
Sparse records (stype 1 row_sparse, 2 csr) load as CSRNDArray /
RowSparseNDArray and are written byte-identical to MXNet's; their declared
sizes are validated before anything is allocated.
Loading never uses pickle. Arrays saved on a GPU that is not available load on
the CPU.
"""

from __future__ import annotations

import math
import os
import struct
import sys

import numpy as np
import torch

from .._atomic import write_atomic
from .._dtypes import BFLOAT16_FLAG
from .._dtypes import FLAG_TO_NP
from .._dtypes import TORCH_TO_FLAG
from ..base import MXNetError
from ..context import _context_of_device
from ..util import is_np_shape
from ._core import NDArray
from ._core import _new

__all__ = ["save", "save_np", "load", "load_frombuffer", "dumps_array", "loads_array"]

LIST_MAGIC = 0x112
V1_MAGIC = 0xF993FAC8
V2_MAGIC = 0xF993FAC9
V3_MAGIC = 0xF993FACA

_DEV_CPU = 1
_DEV_GPU = 2
_LITTLE = sys.byteorder == "little"
_STYPE_NAMES = {0: "default", 1: "row_sparse", 2: "csr"}


# --------------------------------------------------------------------------- write
def _shape_bytes(shape) -> bytes:
    return struct.pack("<i", len(shape)) + struct.pack(f"<{len(shape)}q", *shape)


def _sparse_record_bytes(arr) -> bytes:
    """One V2 record for a CSR (stype 2) or row_sparse (stype 1) array:
    storage shape, shape, context, type flag, aux flags and shapes, values,
    aux data (MXNet's ``NDArray::Save``)."""
    values = arr._values.detach()
    flag = TORCH_TO_FLAG.get(values.dtype)
    if flag is None:
        raise MXNetError(f"nd.save: dtype {values.dtype} has no MXNet type flag")
    stype = 1 if arr.stype == "row_sparse" else 2
    parts = [struct.pack("<Ii", V2_MAGIC, stype), _shape_bytes(tuple(values.shape))]
    parts.append(_shape_bytes(arr.shape))
    dev_type, dev_id = _dev_of(arr, values)
    parts.append(struct.pack("<iii", dev_type, dev_id, flag))
    for a in arr._aux:
        parts.append(struct.pack("<i", TORCH_TO_FLAG[a.dtype]))
        parts.append(_shape_bytes(tuple(a.shape)))
    parts.append(_tensor_bytes(values))
    parts.extend(_tensor_bytes(a) for a in arr._aux)
    return b"".join(parts)


def _dev_of(arr, t):
    ctx = arr._ctx
    if ctx is not None:
        return ctx.device_typeid, ctx.device_id
    if t.device.type == "cuda":
        return _DEV_GPU, t.device.index or 0
    return _DEV_CPU, 0


def _record_bytes(arr: NDArray, magic: int = V2_MAGIC) -> bytes:
    """One V2 record (dense arrays: stype 0); ``magic=V3_MAGIC`` writes the
    numpy-shape record of ``npx.save`` (the same layout: a 0-d array is
    ``ndim == 0`` followed by its value, a zero-size one has no data)."""
    if arr.stype != "default":
        if magic != V2_MAGIC:
            raise MXNetError(
                f"save: a {arr.stype} array has no numpy-shape record in MXNet "
                "1.9.1 (only default-storage arrays are saved under numpy shape "
                "semantics); save it outside npx.set_np() / mx.np_shape(True), or "
                "convert it with tostype('default') first."
            )
        return _sparse_record_bytes(arr)
    t = arr._data.detach()
    flag = TORCH_TO_FLAG.get(t.dtype)
    if flag is None:
        raise MXNetError(f"nd.save: dtype {t.dtype} has no MXNet type flag")
    shape = tuple(t.shape)
    parts = [struct.pack("<Ii", magic, 0), struct.pack("<i", len(shape))]
    parts.append(struct.pack(f"<{len(shape)}q", *shape))
    ctx = arr._ctx
    if ctx is not None:
        # A Context the device does not name (cpu(1), cpu_pinned(0)): MXNet
        # writes the array's own dev_type/dev_id (loading puts CPU arrays on
        # cpu(0), as MXNet 1.9.1 does).
        dev_type, dev_id = ctx.device_typeid, ctx.device_id
    elif t.device.type == "cuda":
        dev_type, dev_id = _DEV_GPU, t.device.index or 0
    else:
        dev_type, dev_id = _DEV_CPU, 0
    parts.append(struct.pack("<iii", dev_type, dev_id, flag))
    parts.append(_tensor_bytes(t))
    return b"".join(parts)


def _tensor_bytes(t: torch.Tensor) -> bytes:
    t = t.cpu().contiguous()
    if t.dtype == torch.bfloat16:
        a = t.view(torch.int16).numpy()
    else:
        a = t.numpy()
    if not _LITTLE:
        a = a.byteswap()
    return a.tobytes()


def dumps_array(arr: NDArray) -> bytes:
    """One V2 record (section 3.2), the bytes MXNet pickles as ``handle``."""
    if not isinstance(arr, NDArray):
        raise TypeError(f"dumps_array expects an NDArray, got {type(arr).__name__}")
    return _record_bytes(arr)


def _container_bytes(
    arrays: list[NDArray], names: list[str], magic: int = V2_MAGIC
) -> bytes:
    parts = [struct.pack("<QQQ", LIST_MAGIC, 0, len(arrays))]
    parts.extend(_record_bytes(a, magic) for a in arrays)
    parts.append(struct.pack("<Q", len(names)))
    for n in names:
        b = n.encode("utf-8")
        parts.append(struct.pack("<Q", len(b)))
        parts.append(b)
    return b"".join(parts)


def save_np(fname, data) -> None:
    """:func:`save` with numpy-shape (V3) records, as MXNet 1.9.1's
    ``npx.save`` writes them; under ``npx.set_np()`` its ``npx.load`` and
    ``SymbolBlock.imports`` accept no other records."""
    save(fname, data, _magic=V3_MAGIC)


def save(fname, data, *, _magic: int | None = None) -> None:
    """Save an NDArray, a list of NDArrays or a dict ``str -> NDArray``.

    The file is MXNet's ``.params`` format, readable by MXNet 1.9.1's
    ``nd.load``. Writing is atomic: a temporary file in the same directory
    replaces ``fname`` once complete. Under numpy shape semantics
    (``npx.set_np()``, ``mx.np_shape(True)``) the records are MXNet's
    numpy-shape (V3) records, as MXNet writes them; :func:`load` reads them
    back under the same semantics only.

    Examples
    --------
    >>> import neogluon as mx, tempfile, os
    >>> f = os.path.join(tempfile.mkdtemp(), "x.params")
    >>> mx.nd.save(f, {"w": mx.nd.ones((2,))})
    >>> mx.nd.load(f)["w"].asnumpy()
    array([1., 1.], dtype=float32)
    """
    if _magic is None:
        _magic = V3_MAGIC if is_np_shape() else V2_MAGIC
    if isinstance(data, NDArray):
        data = [data]
    if isinstance(data, dict):
        keys = list(data.keys())
        vals = list(data.values())
        bad_k = [k for k in keys if not isinstance(k, str)]
        bad_v = [k for k, v in data.items() if not isinstance(v, NDArray)]
        if bad_k or bad_v:
            raise TypeError(
                "save only accept dict str->NDArray or list of NDArray; got "
                + (f"non-str keys {bad_k[:3]!r}" if bad_k else "")
                + (f"non-NDArray values under keys {bad_v[:3]!r}" if bad_v else "")
            )
        payload = _container_bytes(vals, keys, _magic)
    elif isinstance(data, list):
        bad = [i for i, v in enumerate(data) if not isinstance(v, NDArray)]
        if bad:
            raise TypeError(
                "save only accept dict str->NDArray or list of NDArray; items at "
                f"positions {bad[:5]} are not NDArrays "
                f"({type(data[bad[0]]).__name__})."
            )
        payload = _container_bytes(data, [], _magic)
    else:
        raise ValueError(
            "data needs to either be a NDArray, dict of str, NDArray pairs or a "
            f"list of NDarrays; got {type(data).__name__}."
        )
    write_atomic(fname, payload)


# --------------------------------------------------------------------------- read
class _Reader:
    """Bounds-checked little-endian reader that names offsets in its errors."""

    __slots__ = ("buf", "pos", "what", "zero_dim_scalar", "semantics")

    def __init__(
        self,
        buf,
        what: str,
        zero_dim_scalar: bool = True,
        semantics: bool | None = None,
    ) -> None:
        self.buf = memoryview(buf).cast("B")
        self.pos = 0
        self.what = what
        # None: read any record; True / False: numpy shape semantics are on /
        # off and records must have been written under the same (nd.load).
        self.semantics = semantics
        # Read a V2 ``ndim == 0`` record followed by a plausible context as the
        # 0-d array MXNet wrote there (see the module notes).
        self.zero_dim_scalar = zero_dim_scalar

    def zero_dim_follows(self) -> bool:
        if not self.zero_dim_scalar or self.pos + 12 > len(self.buf):
            return False
        dev_type, dev_id, flag = struct.unpack_from("<iii", self.buf, self.pos)
        return dev_type in (1, 2, 3, 5) and 0 <= dev_id < 1024 and 0 <= flag <= 12

    def fail(self, msg: str, at: int | None = None) -> MXNetError:
        at = self.pos if at is None else at
        return MXNetError(
            f"Invalid NDArray file ({self.what}): {msg} at byte offset {at} "
            f"(data is {len(self.buf)} bytes)."
        )

    def take(self, n: int, expected: str) -> memoryview:
        if n < 0 or self.pos + n > len(self.buf):
            raise self.fail(
                f"truncated data, expected {expected} ({n} bytes) but only "
                f"{len(self.buf) - self.pos} bytes remain"
            )
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str, expected: str):
        size = struct.calcsize(fmt)
        return struct.unpack(fmt, self.take(size, expected))


def _read_shape64(r: _Reader, what: str, allow_unknown: bool = False):
    at = r.pos
    (ndim,) = r.unpack("<i", f"{what} ndim (int32)")
    if ndim == -1 and allow_unknown:
        return None
    if ndim < 0 or ndim > 32:
        raise r.fail(f"expected {what} ndim in [0, 32], got {ndim}", at)
    dims = r.unpack(f"<{ndim}q", f"{ndim} int64 dims of {what}")
    for d in dims:
        if d < 0:
            raise r.fail(f"{what} has an unknown dim ({d}); expected a known shape", at)
    return tuple(dims)


def _dtype_of(flag: int, r: _Reader, at: int):
    if flag == BFLOAT16_FLAG:
        return np.dtype("<i2"), torch.bfloat16
    npd = FLAG_TO_NP.get(flag)
    if npd is None:
        raise r.fail(
            f"expected a type flag in 0..12 (0 float32, 1 float64, 2 float16, "
            f"3 uint8, 4 int32, 5 int8, 6 int64, 7 bool, ...), got {flag}",
            at,
        )
    return npd.newbyteorder("<"), None


def _read_data(r: _Reader, flag: int, shape: tuple, at: int, what: str) -> np.ndarray:
    npd, special = _dtype_of(flag, r, at)
    count = math.prod(shape)  # exact: an int64 product could wrap around
    if count == 0 and math.prod(d for d in shape if d) * npd.itemsize > sys.maxsize:
        # An empty shape like (0, 2**62, 4): no bytes to read, but numpy
        # cannot describe it (its size must fit in an intp with the zero left out).
        raise r.fail(
            f"{what}: shape {shape} is too large for an array of type flag {flag} "
            "(the product of its non-zero dims exceeds what int64 can address)",
            at,
        )
    raw = r.take(count * npd.itemsize, f"{what}: {count} elements of type flag {flag}")
    a = np.frombuffer(raw, dtype=npd, count=count).reshape(shape)
    return a


def _to_tensor(a: np.ndarray, flag: int) -> torch.Tensor:
    a = a.astype(a.dtype.newbyteorder("="), copy=True)
    t = torch.from_numpy(a)
    if flag == BFLOAT16_FLAG:
        t = t.view(torch.bfloat16)
    return t


def _device_for(dev_type: int, dev_id: int) -> torch.device:
    if dev_type == _DEV_GPU and torch.cuda.is_available():
        if 0 <= dev_id < torch.cuda.device_count():
            return torch.device("cuda", dev_id)
    return torch.device("cpu")


def _read_ctx(r: _Reader):
    at = r.pos
    dev_type, dev_id = r.unpack("<ii", "context (int32 dev_type, int32 dev_id)")
    if dev_type not in (1, 2, 3, 5):
        raise r.fail(
            f"expected a device type 1 (cpu), 2 (gpu), 3 (cpu_pinned) or 5 "
            f"(cpu_shared), got {dev_type}",
            at,
        )
    return _device_for(dev_type, dev_id)


def _none_array() -> NDArray:
    return _new(torch.empty((0,)))


def _read_record(r: _Reader, index: int) -> NDArray:
    what = f"array {index}"
    at = r.pos
    (magic,) = r.unpack("<I", f"{what} record magic (uint32)")
    if r.semantics is not None and (magic == V3_MAGIC) != r.semantics:
        raise _semantics_error(r, magic == V3_MAGIC, what)
    if magic in (V2_MAGIC, V3_MAGIC):
        st_at = r.pos
        (stype,) = r.unpack("<i", f"{what} storage type (int32)")
        if stype not in (0, 1, 2) or (magic == V3_MAGIC and stype != 0):
            raise r.fail(
                f"expected {what} storage type 0 (default), 1 (row_sparse) or 2 "
                f"(csr), got {stype}",
                st_at,
            )
        if stype != 0:
            return _read_sparse(r, stype, what)
        shape = _read_shape64(r, f"{what} shape", allow_unknown=magic == V3_MAGIC)
        if shape is None:
            return _none_array()
        if len(shape) == 0 and magic == V2_MAGIC and not r.zero_dim_follows():
            return _none_array()
    elif magic == V1_MAGIC:
        shape = _read_shape64(r, f"{what} shape")
        if len(shape) == 0:
            return _none_array()
    else:
        # Legacy: no magic; the first uint32 is ndim, then uint32 dims.
        ndim = magic
        if ndim > 32:
            raise r.fail(
                f"expected {what} to start with a record magic (0xF993FAC9 V2, "
                f"0xF993FAC8 V1, 0xF993FACA V3) or a legacy ndim <= 32, got "
                f"0x{magic:08X}",
                at,
            )
        shape = tuple(r.unpack(f"<{ndim}I", f"{ndim} uint32 dims of {what}"))
        if ndim == 0:
            return _none_array()
    dev = _read_ctx(r)
    fl_at = r.pos
    (flag,) = r.unpack("<i", f"{what} type flag (int32)")
    a = _read_data(r, flag, shape, fl_at, what)
    return _new(_to_tensor(a, flag).to(dev))


def _read_sparse(r: _Reader, stype: int, what: str) -> NDArray:
    """A row_sparse or csr record, kept sparse.

    Every size the record declares is checked against the bytes that remain
    and against the other declared sizes before anything is allocated: a
    small record declaring a huge shape costs nothing (the array stays
    sparse), and inconsistent components raise MXNetError.
    """
    from ..ops import sparse_kernels as _K
    from . import sparse as _sp

    name = _STYPE_NAMES[stype]
    at = r.pos
    sshape = _read_shape64(r, f"{what} storage shape")
    shape = _read_shape64(r, f"{what} shape")
    if len(shape) == 0:
        return _none_array()
    if stype == 2 and (len(shape) != 2 or len(sshape) != 1):
        raise r.fail(
            f"{what}: a csr record needs a 2-D shape and a 1-D storage shape, got "
            f"shape {shape} and storage shape {sshape}",
            at,
        )
    if stype == 1 and (len(sshape) != len(shape) or sshape[1:] != shape[1:]):
        raise r.fail(
            f"{what}: a row_sparse record's storage shape must be (k,) + "
            f"{shape[1:]} for shape {shape}, got {sshape}",
            at,
        )
    if stype == 1 and sshape[0] > shape[0]:
        raise r.fail(
            f"{what}: {sshape[0]} stored rows exceed the {shape[0]} rows of shape "
            f"{shape}",
            at,
        )
    dev = _read_ctx(r)
    fl_at = r.pos
    (flag,) = r.unpack("<i", f"{what} type flag (int32)")
    n_aux = 1 if stype == 1 else 2
    aux = []
    for i in range(n_aux):
        a_at = r.pos
        (aflag,) = r.unpack("<i", f"{what} aux {i} type flag (int32)")
        if aflag not in (4, 6):
            raise r.fail(
                f"{what}: aux {i} (indices) must be int32 or int64 (type flag 4 or "
                f"6), got {aflag}",
                a_at,
            )
        ashape = _read_shape64(r, f"{what} aux {i} shape")
        if len(ashape) != 1:
            raise r.fail(f"{what}: aux {i} must be 1-D, got shape {ashape}", a_at)
        aux.append((aflag, ashape, a_at))
    nnz = sshape[0]
    expect = [(shape[0] + 1,), (nnz,)] if stype == 2 else [(nnz,)]
    for i, ((_, ashape, a_at), exp) in enumerate(zip(aux, expect, strict=True)):
        if ashape != exp and not (
            stype == 2 and i == 0 and nnz == 0 and ashape == (0,)
        ):
            role = ("indptr", "indices")[i] if stype == 2 else "indices"
            raise r.fail(
                f"{what}: {name} {role} has shape {ashape}, expected {exp} for shape "
                f"{shape} with {nnz} stored entries",
                a_at,
            )
    values = _read_data(r, flag, sshape, fl_at, f"{what} values")
    aux_t = [
        torch.from_numpy(
            _read_data(r, aflag, ashape, a_at, f"{what} aux {i}").astype(np.int64)
        )
        for i, (aflag, ashape, a_at) in enumerate(aux)
    ]
    vt = _to_tensor(values, flag)
    try:
        if stype == 1:
            _K.check_rsp(vt, aux_t[0], shape, f"nd.load ({what})")
            arr = _sp._rsp(vt, aux_t[0], shape)
        else:
            if aux_t[0].numel() == 0:  # MXNet's uninitialised csr: no indptr
                aux_t[0] = torch.zeros(shape[0] + 1, dtype=torch.int64)
            _K.check_csr(vt, aux_t[0], aux_t[1], shape, f"nd.load ({what})")
            arr = _sp._csr(vt, aux_t[0], aux_t[1], shape)
    except MXNetError as err:
        raise r.fail(f"inconsistent {name} record: {err}", at) from None
    if dev.type != "cpu":
        arr = arr.copyto(_context_of_device(dev))
    return arr


def _semantics_error(r: _Reader, saved_np: bool, what: str) -> MXNetError:
    if saved_np:
        return MXNetError(
            f"nd.load ({r.what}): {what} was saved under numpy shape semantics "
            "(a V3 record, as npx.set_np() / mx.np_shape(True) write them) and "
            "must be loaded under the same semantics: load it inside "
            "`with mx.np_shape(True):` or after npx.set_np() (Gluon's "
            "load_parameters reads either kind)."
        )
    return MXNetError(
        f"nd.load ({r.what}): {what} was not saved under numpy shape semantics "
        "but is being loaded under them; load it inside `with "
        "mx.np_shape(False):` (Gluon's load_parameters reads either kind)."
    )


def _load_container(buf, what: str, semantics: bool | None = None):
    try:
        return _parse_container(_Reader(buf, what, semantics=semantics))
    except MXNetError as first:
        if "numpy shape semantics" in str(first):
            raise
        # A V2 "none" record may have been taken for a 0-d array: retry strictly.
        try:
            return _parse_container(
                _Reader(buf, what, zero_dim_scalar=False, semantics=semantics)
            )
        except MXNetError:
            raise first from None


def _parse_container(r: _Reader):
    (magic,) = r.unpack("<Q", "list magic 0x112 (uint64)")
    if magic != LIST_MAGIC:
        raise r.fail(
            f"expected the NDArray list magic 0x112 (an nd.save/.params file), got "
            f"0x{magic:X}",
            0,
        )
    r.unpack("<Q", "reserved field (uint64)")
    n_at = r.pos
    (n,) = r.unpack("<Q", "number of arrays (uint64)")
    if n > len(r.buf):
        raise r.fail(f"implausible number of arrays {n}", n_at)
    arrays = [_read_record(r, i) for i in range(n)]
    k_at = r.pos
    (k,) = r.unpack("<Q", "number of names (uint64)")
    if k not in (0, n):
        raise r.fail(f"expected 0 or {n} names (one per array), got {k}", k_at)
    names = []
    for i in range(k):
        (ln,) = r.unpack("<Q", f"length of name {i} (uint64)")
        raw = r.take(ln, f"name {i} ({ln} bytes)")
        try:
            names.append(bytes(raw).decode("utf-8"))
        except UnicodeDecodeError:
            raise r.fail(f"name {i} is not valid UTF-8", r.pos - ln) from None
    if r.pos != len(r.buf):
        raise r.fail(f"unexpected {len(r.buf) - r.pos} trailing bytes after the names")
    if k == 0:
        return arrays
    return dict(zip(names, arrays, strict=True))


def load(fname):
    """Load arrays saved by ``nd.save`` (ours or MXNet's, any format version).

    Returns a list when the file has no names, else a dict ``str -> NDArray``.
    As in MXNet 1.9.1, records written under numpy shape semantics (V3) load
    only under them, and the others only outside them; an MXNetError names
    the scope to use. (Gluon's ``load_parameters``, Module checkpoints and the
    other loaders of this package read either kind, :func:`load_any`.)
    """
    return _load_file(fname, is_np_shape())


def load_any(fname):
    """:func:`load` that reads records of either shape semantics (the
    package's own loaders: parameters keep their shapes under both)."""
    return _load_file(fname, None)


def _load_file(fname, semantics: bool | None):
    if not isinstance(fname, (str, os.PathLike)):
        raise TypeError(
            f"fname required to be a string or path, got {type(fname).__name__}"
        )
    with open(fname, "rb") as f:
        buf = f.read()
    return _load_container(buf, os.fspath(fname), semantics)


def load_frombuffer(buf):
    """Like :func:`load`, from the bytes of a saved file."""
    if not isinstance(buf, (bytes, bytearray, memoryview)):
        raise TypeError(
            f"buf required to be bytes, bytearray or memoryview, got {type(buf).__name__}"
        )
    return _load_container(buf, "buffer", is_np_shape())


def loads_array(buf) -> NDArray:
    """One array from one record (the inverse of :func:`dumps_array`)."""
    r = _Reader(buf, "NDArray record")
    try:
        arr = _read_record(r, 0)
    except MXNetError:
        r = _Reader(buf, "NDArray record", zero_dim_scalar=False)
        arr = _read_record(r, 0)
    if r.pos != len(r.buf):
        raise r.fail(f"unexpected {len(r.buf) - r.pos} trailing bytes after the record")
    return arr
