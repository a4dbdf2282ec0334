"""The IDX format of the MNIST files (``*-idx3-ubyte``), read once for all.

``gluon.data.vision.MNIST``, ``io.MNISTIter`` and ``test_utils.get_mnist_iterator``
all read these files; each says in its own words where the file came from,
around the one reason :func:`parse_idx` gives.
"""

from __future__ import annotations

import struct

import numpy as np

__all__ = ["parse_idx"]


def parse_idx(
    raw: bytes, ndim: int | None = None, *, exact: bool = False
) -> np.ndarray:
    """The unsigned-byte array an IDX file's bytes hold.

    The header is a magic number ``0x0800 + ndim`` and ``ndim`` big-endian
    dimensions. ``ndim`` None accepts any rank. With ``exact`` the data must be
    as long as the header says (the MNIST datasets); without it, bytes past the
    announced size are ignored (MXNet's ``MNISTIter`` reads only those).

    Raises ValueError with the reason (the caller adds which file).
    """
    if len(raw) < 4:
        raise ValueError(f"is too short ({len(raw)} bytes) for an IDX header")
    magic = struct.unpack(">I", raw[:4])[0]
    rank = magic & 0xFF
    if magic >> 8 != 0x08 or (ndim is not None and rank != ndim):
        want = "an unsigned-byte" if ndim is None else f"an MNIST idx{ndim} ubyte"
        expected = "" if ndim is None else f", expected {0x0800 + ndim}"
        raise ValueError(f"is not {want} file (magic number {magic}{expected})")
    header = 4 + 4 * rank
    if len(raw) < header:
        raise ValueError(f"is too short ({len(raw)} bytes) for an IDX header")
    dims = struct.unpack(f">{rank}I", raw[4:header])
    count = int(np.prod(dims))
    body = len(raw) - header
    if body < count or (exact and body != count):
        raise ValueError(
            f"holds {body} bytes after its header, but the header announces "
            f"{count} {tuple(dims)}"
        )
    return np.frombuffer(raw, np.uint8, count=count, offset=header).reshape(dims)
