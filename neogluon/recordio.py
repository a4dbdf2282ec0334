"""``mx.recordio``: read and write MXNet's RecordIO (``.rec``/``.idx``) files.

Byte-compatible with MXNet 1.9.1 (dmlc-core's ``RecordIOWriter``): every
record is one or more chunks, each a little-endian uint32 magic
``0xced7230a``, a uint32 length word (low 29 bits: chunk length, top 3 bits:
continuation flag 0 = whole record, 1 = first, 2 = middle, 3 = last chunk)
and the chunk bytes, the record padded with zeros to a multiple of 4 bytes.
A payload that contains the magic at a 4-byte aligned offset is split there
(the magic itself is dropped and restored by the reader), as dmlc does, so a
reader that resynchronizes on the magic never mistakes data for a header.
``.idx`` files hold one ``key\\toffset`` line per record.
"""

from __future__ import annotations

import numbers
import os
import struct
from collections import namedtuple
from multiprocessing import current_process

import numpy as np

from .base import MXNetError

__all__ = [
    "IRHeader",
    "MXIndexedRecordIO",
    "MXRecordIO",
    "pack",
    "pack_img",
    "unpack",
    "unpack_img",
]

_MAGIC = 0xCED7230A
_MAGIC_BYTES = struct.pack("<I", _MAGIC)
_LEN_MASK = (1 << 29) - 1
_MAX_RECORD = 1 << 29


def _encode_lrec(cflag: int, length: int) -> bytes:
    return struct.pack("<II", _MAGIC, (cflag << 29) | length)


def _frame(buf: bytes) -> bytes:
    """The on-disk bytes of one record (dmlc ``RecordIOWriter::WriteRecord``)."""
    n = len(buf)
    if n >= _MAX_RECORD:
        raise ValueError(
            f"MXRecordIO.write: a record holds less than 2**29 bytes, got {n} bytes; "
            "split the payload into several records."
        )
    parts = []
    start = 0
    # dmlc checks every complete 4-byte aligned word for the magic.
    lower = n & ~3
    i = buf.find(_MAGIC_BYTES, 0, lower)
    while i != -1:
        if i % 4 == 0:
            parts.append(_encode_lrec(1 if start == 0 else 2, i - start))
            parts.append(buf[start:i])
            start = i + 4
            i = buf.find(_MAGIC_BYTES, start, lower)
        else:
            i = buf.find(_MAGIC_BYTES, i + 1, lower)
    parts.append(_encode_lrec(3 if start else 0, n - start))
    parts.append(buf[start:])
    parts.append(b"\x00" * ((-n) % 4))
    return b"".join(parts)


def _as_bytes(buf, where: str) -> bytes:
    if isinstance(buf, (bytes, bytearray, memoryview)):
        return bytes(buf)
    raise TypeError(
        f"{where}: a record is a bytes object, got {type(buf).__name__}; "
        "encode text first, e.g. record.write('text'.encode())."
    )


class MXRecordIO:
    """Sequential reader/writer of a RecordIO file.

    Parameters
    ----------
    uri : str
        Path to the record file.
    flag : str
        ``'w'`` to write (truncates the file) or ``'r'`` to read.

    Examples
    --------
    >>> import neogluon as mx
    >>> w = mx.recordio.MXRecordIO('/tmp/ng_doc.rec', 'w')
    >>> w.write(b'record_0')
    >>> w.close()
    >>> mx.recordio.MXRecordIO('/tmp/ng_doc.rec', 'r').read()
    b'record_0'
    """

    def __init__(self, uri, flag: str) -> None:
        self.uri = os.fspath(uri)
        self.flag = flag
        self.pid = None
        self.is_open = False
        self._file = None
        self.writable = flag == "w"
        self.open()

    def open(self) -> None:
        """Open the record file (``'w'`` truncates it)."""
        if self.flag == "w":
            mode = "wb"
        elif self.flag == "r":
            mode = "rb"
        else:
            raise ValueError(f"Invalid flag {self.flag}: expected 'r' or 'w'.")
        self.writable = self.flag == "w"
        try:
            self._file = open(self.uri, mode)  # noqa: SIM115 - closed by close()
        except OSError as err:
            raise MXNetError(
                f"MXRecordIO: cannot open {self.uri!r} for "
                f"{'writing' if self.writable else 'reading'}: {err.strerror}"
            ) from err
        self.pid = current_process().pid
        self.is_open = True

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - never raise from a finalizer
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __getstate__(self) -> dict:
        # An open file cannot be pickled: reopen in the receiving process.
        d = dict(self.__dict__)
        d["_file"] = None
        d["pid"] = None
        return d

    def __setstate__(self, d: dict) -> None:
        self.__dict__ = d
        is_open = d.get("is_open", False)
        self.is_open = False
        self._file = None
        if is_open:
            self.open()

    def _check_pid(self, allow_reset: bool = False) -> None:
        """Reopen (or refuse) when used from a process other than the opener."""
        if self.pid != current_process().pid:
            if allow_reset:
                self.reset()
            else:
                raise RuntimeError(
                    "Forbidden operation in multiple processes: this MXRecordIO "
                    f"({self.uri!r}) was opened in process {self.pid}; reopen it "
                    "with reset() in this process."
                )

    def close(self) -> None:
        """Close the record file."""
        if not self.is_open:
            return
        if self._file is not None:
            self._file.close()
            self._file = None
        self.is_open = False
        self.pid = None

    def reset(self) -> None:
        """Go back to the first record (for ``'w'``: truncate the file)."""
        self.close()
        self.open()

    def _require(self, writable: bool, what: str) -> None:
        if not self.is_open:
            raise MXNetError(f"MXRecordIO.{what}: {self.uri!r} is closed; call open().")
        if self.writable != writable:
            mode = "'w'" if writable else "'r'"
            raise MXNetError(
                f"MXRecordIO.{what}: {self.uri!r} was opened with flag "
                f"{self.flag!r}; {what}() needs flag {mode}."
            )

    def write(self, buf) -> None:
        """Append ``buf`` (bytes) as one record."""
        self._require(True, "write")
        self._check_pid(allow_reset=False)
        self._file.write(_frame(_as_bytes(buf, "MXRecordIO.write")))

    def read(self) -> bytes | None:
        """The next record as bytes, or ``None`` at the end of the file."""
        self._require(False, "read")
        self._check_pid(allow_reset=False)
        f = self._file
        out = []
        while True:
            head = f.read(8)
            if not head:
                if out:
                    raise MXNetError(f"Invalid RecordIO file {self.uri!r}: truncated")
                return None
            if len(head) != 8:
                raise MXNetError(
                    f"Invalid RecordIO file {self.uri!r}: truncated header at byte "
                    f"{f.tell() - len(head)}"
                )
            magic, lrec = struct.unpack("<II", head)
            if magic != _MAGIC:
                raise MXNetError(
                    f"Invalid RecordIO file {self.uri!r}: bad magic {magic:#010x} at "
                    f"byte {f.tell() - 8} (expected {_MAGIC:#010x})"
                )
            cflag = lrec >> 29
            length = lrec & _LEN_MASK
            # Check the declared length against the file before reading: a
            # damaged length word must not make read() allocate up to 512 MiB.
            at = f.tell()
            remaining = os.fstat(f.fileno()).st_size - at
            if length > remaining:
                raise MXNetError(
                    f"Invalid RecordIO file {self.uri!r}: the chunk header at byte "
                    f"{at - 8} declares {length} bytes, but only {max(remaining, 0)} "
                    "bytes follow; the file is truncated or damaged"
                )
            data = f.read((length + 3) & ~3)
            out.append(data[:length])
            if cflag in (0, 3):
                return _MAGIC_BYTES.join(out)


class MXIndexedRecordIO(MXRecordIO):
    """RecordIO reader/writer with random access through an ``.idx`` file.

    Parameters
    ----------
    idx_path : str
        Path to the index file (one ``key\\toffset`` line per record).
    uri : str
        Path to the record file.
    flag : str
        ``'w'`` to write or ``'r'`` to read.
    key_type : type, default int
        Type the keys are converted to.

    Examples
    --------
    >>> import neogluon as mx
    >>> w = mx.recordio.MXIndexedRecordIO('/tmp/ng_doc.idx', '/tmp/ng_doc.rec', 'w')
    >>> for i in range(3):
    ...     w.write_idx(i, b'record_%d' % i)
    >>> w.close()
    >>> r = mx.recordio.MXIndexedRecordIO('/tmp/ng_doc.idx', '/tmp/ng_doc.rec', 'r')
    >>> r.read_idx(2)
    b'record_2'
    """

    def __init__(self, idx_path, uri, flag: str, key_type=int) -> None:
        self.idx_path = os.fspath(idx_path)
        self.idx: dict = {}
        self.keys: list = []
        self.key_type = key_type
        self.fidx = None
        super().__init__(uri, flag)

    def open(self) -> None:
        super().open()
        self.idx = {}
        self.keys = []
        try:
            self.fidx = open(self.idx_path, self.flag)  # noqa: SIM115
        except OSError as err:
            super().close()
            raise MXNetError(
                f"MXIndexedRecordIO: cannot open index file {self.idx_path!r}: "
                f"{err.strerror}"
            ) from err
        if not self.writable:
            try:
                self._read_index()
            except UnicodeDecodeError as err:
                self.close()
                raise MXNetError(
                    f"Invalid index file {self.idx_path!r}: it is not text "
                    f"({err.reason} at byte {err.start}); an .idx file has one "
                    "'key<TAB>offset' line per record."
                ) from None
            except BaseException:
                self.close()
                raise

    def _read_index(self) -> None:
        """Parse the ``key<TAB>offset`` lines of the open ``.idx`` file."""
        for lineno, line in enumerate(self.fidx, 1):
            fields = line.strip().split("\t")
            if fields == [""]:
                continue
            if len(fields) < 2:
                raise MXNetError(
                    f"Invalid index file {self.idx_path!r}, line {lineno}: "
                    f"expected 'key<TAB>offset', got {line.rstrip()!r}"
                )
            try:
                key = self.key_type(fields[0])
                pos = int(fields[1])
            except ValueError:
                raise MXNetError(
                    f"Invalid index file {self.idx_path!r}, line {lineno}: "
                    f"expected 'key<TAB>offset' with a "
                    f"{getattr(self.key_type, '__name__', 'key')} key and an "
                    f"integer byte offset, got {line.rstrip()!r}"
                ) from None
            if pos < 0:
                raise MXNetError(
                    f"Invalid index file {self.idx_path!r}, line {lineno}: "
                    f"negative byte offset {pos}"
                )
            self.idx[key] = pos
            self.keys.append(key)

    def close(self) -> None:
        if not self.is_open:
            return
        super().close()
        if self.fidx is not None:
            self.fidx.close()
            self.fidx = None

    def __getstate__(self) -> dict:
        d = super().__getstate__()
        d["fidx"] = None
        return d

    def __setstate__(self, d: dict) -> None:
        d["fidx"] = None
        super().__setstate__(d)

    def seek(self, idx) -> None:
        """Move the read position to the record with key ``idx``."""
        self._require(False, "seek")
        self._check_pid(allow_reset=True)
        try:
            pos = self.idx[idx]
        except KeyError:
            raise KeyError(
                f"MXIndexedRecordIO: key {idx!r} is not in {self.idx_path!r} "
                f"({len(self.keys)} keys)"
            ) from None
        size = os.fstat(self._file.fileno()).st_size
        if pos >= size:
            raise MXNetError(
                f"Invalid index file {self.idx_path!r}: key {idx!r} points at byte "
                f"{pos}, past the end of {self.uri!r} ({size} bytes); the index "
                "does not belong to this record file or the record file is truncated"
            )
        self._file.seek(pos)

    def tell(self) -> int:
        """The byte offset the next record will be written at."""
        self._require(True, "tell")
        return self._file.tell()

    def read_idx(self, idx) -> bytes | None:
        """The record stored under key ``idx``."""
        self.seek(idx)
        return self.read()

    def write_idx(self, idx, buf) -> None:
        """Append ``buf`` as a record stored under key ``idx``."""
        key = self.key_type(idx)
        pos = self.tell()
        self.write(buf)
        self.fidx.write(f"{key}\t{pos}\n")
        self.idx[key] = pos
        self.keys.append(key)


IRHeader = namedtuple("HEADER", ["flag", "label", "id", "id2"])
IRHeader.__doc__ = """Header of an image record: ``(flag, label, id, id2)``.

``label`` is a float or an array of floats (then ``flag`` = number of labels,
set by :func:`pack`); ``id``/``id2`` are the low/high 64 bits of a record id.
"""

_IR_FORMAT = "IfQQ"
_IR_SIZE = struct.calcsize(_IR_FORMAT)


def pack(header, s: bytes) -> bytes:
    """Prefix ``s`` with a packed :class:`IRHeader` (MXNet's image-record format).

    A scalar label is stored in the header (flag 0); an array label is stored
    as float32 values after the header, with ``flag`` = their count.
    """
    header = IRHeader(*header)
    s = _as_bytes(s, "recordio.pack")
    if isinstance(header.label, numbers.Number):
        header = header._replace(flag=0)
    else:
        label = np.asarray(header.label, dtype=np.float32)
        header = header._replace(flag=label.size, label=0)
        s = label.tobytes() + s
    return struct.pack(_IR_FORMAT, *header) + s


def unpack(s: bytes) -> tuple:
    """Split a packed record into ``(IRHeader, payload bytes)``."""
    if len(s) < _IR_SIZE:
        raise ValueError(
            f"recordio.unpack: a packed record starts with a {_IR_SIZE}-byte header, "
            f"got {len(s)} bytes."
        )
    header = IRHeader(*struct.unpack(_IR_FORMAT, s[:_IR_SIZE]))
    s = s[_IR_SIZE:]
    if header.flag > 0:
        if header.flag * 4 > len(s):
            raise MXNetError(
                f"recordio.unpack: the header's flag is {header.flag}, which says "
                f"{header.flag} float32 labels ({header.flag * 4} bytes) follow the "
                f"{_IR_SIZE}-byte header, but the record has only {len(s)} bytes "
                "after it. The record is damaged or was not made by "
                "recordio.pack (flag 0 means a scalar label in the header)."
            )
        header = header._replace(label=np.frombuffer(s, np.float32, header.flag))
        s = s[header.flag * 4 :]
    return header, s


def _pil():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "recordio.pack_img/unpack_img encode and decode images with Pillow, "
            "which is not installed; install it with `pip install pillow`."
        ) from None
    return Image


def unpack_img(s: bytes, iscolor: int = -1) -> tuple:
    """Unpack a record into ``(IRHeader, image)``; the image in OpenCV's layout.

    Parameters
    ----------
    s : bytes
        A record made by :func:`pack_img`.
    iscolor : int, default -1
        OpenCV's imdecode flag: ``-1`` keeps the stored channels, ``0`` gives a
        grayscale ``(H, W)`` image, ``1`` a 3-channel image. Color channels are
        in BGR order, as MXNet (which decodes with OpenCV) returns them.

    Raises
    ------
    MXNetError
        The image cannot be decoded (damaged, not JPEG/PNG, or larger than
        Pillow's ``MAX_IMAGE_PIXELS`` bound). MXNet 1.9.1 returns ``None`` as
        the image instead.
    """
    image = _pil()
    header, payload = unpack(s)
    try:
        arr = _decode(image, payload, iscolor)
    except MemoryError:
        raise
    except Exception as err:  # noqa: BLE001 - Pillow's decoders raise many types
        detail = f"{type(err).__name__}: {err}"
        if isinstance(err, image.UnidentifiedImageError):
            detail = "not an image format Pillow recognises"
        raise MXNetError(
            f"recordio.unpack_img: cannot decode the {len(payload)}-byte image of "
            f"record id {header.id} ({detail}); the record is damaged or does not "
            "hold a JPEG/PNG image made by pack_img."
        ) from None
    return header, np.ascontiguousarray(arr)


def _decode(image, payload: bytes, iscolor: int) -> np.ndarray:
    """Decode ``payload`` with Pillow into OpenCV's channel layout.

    Pillow refuses images of more than ``2 * PIL.Image.MAX_IMAGE_PIXELS``
    pixels (DecompressionBombError) before it allocates them: that bounds
    what a damaged header can make this allocate.
    """
    import io

    img = image.open(io.BytesIO(payload))
    if iscolor == 0:
        return np.asarray(img.convert("L"))
    if iscolor > 0:
        return np.asarray(img.convert("RGB"))[:, :, ::-1]
    if img.mode in ("L", "I;16", "I", "F"):
        return np.asarray(img)
    if img.mode in ("RGBA", "LA", "PA") or (
        img.mode == "P" and "transparency" in img.info
    ):
        return np.asarray(img.convert("RGBA"))[:, :, [2, 1, 0, 3]]
    return np.asarray(img.convert("RGB"))[:, :, ::-1]


def pack_img(header, img, quality: int = 95, img_fmt: str = ".jpg") -> bytes:
    """Encode ``img`` and pack it with ``header`` (see :func:`pack`).

    Parameters
    ----------
    header : IRHeader
        Record header.
    img : numpy.ndarray
        ``(H, W)`` grayscale or ``(H, W, 3|4)`` image in OpenCV's BGR(A) order,
        as MXNet expects.
    quality : int, default 95
        JPEG quality (1-100), or PNG compression level (clamped to 0-9).
    img_fmt : str, default '.jpg'
        ``'.jpg'``/``'.jpeg'`` or ``'.png'``.
    """
    import io

    image = _pil()
    arr = np.asarray(img)
    if arr.dtype != np.uint8:
        raise TypeError(
            f"recordio.pack_img: expected a uint8 image, got dtype {arr.dtype}; "
            "convert with img.astype(np.uint8)."
        )
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim == 3 and arr.shape[2] in (3, 4):
        order = [2, 1, 0] if arr.shape[2] == 3 else [2, 1, 0, 3]
        arr = np.ascontiguousarray(arr[:, :, order])
    elif arr.ndim != 2:
        raise ValueError(
            f"recordio.pack_img: expected an (H, W) or (H, W, 1|3|4) image, got "
            f"shape {arr.shape}."
        )
    pil_img = image.fromarray(arr)
    fmt = img_fmt.upper()
    buf = io.BytesIO()
    if fmt in (".JPG", ".JPEG"):
        if pil_img.mode == "RGBA":
            pil_img = pil_img.convert("RGB")
        pil_img.save(buf, format="JPEG", quality=int(quality))
    elif fmt == ".PNG":
        # OpenCV clamps the PNG compression level to 0-9 (so the default
        # quality=95 means 9); Pillow would reject it.
        pil_img.save(buf, format="PNG", compress_level=min(max(int(quality), 0), 9))
    else:
        raise ValueError(
            f"recordio.pack_img: unsupported img_fmt {img_fmt!r}; use '.jpg' or '.png'."
        )
    return pack(header, buf.getvalue())
