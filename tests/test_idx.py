"""neogluon/_idx.py: the one IDX (MNIST file) reader behind gluon's MNIST,
io.MNISTIter and test_utils.get_mnist_iterator."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from neogluon._idx import parse_idx


def _idx(arr: np.ndarray, extra: bytes = b"") -> bytes:
    head = struct.pack(">I", 0x0800 + arr.ndim) + struct.pack(
        f">{arr.ndim}I", *arr.shape
    )
    return head + arr.astype(np.uint8).tobytes() + extra


def test_reads_any_rank_and_checks_a_given_one():
    img = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    np.testing.assert_array_equal(parse_idx(_idx(img)), img)
    np.testing.assert_array_equal(parse_idx(_idx(img), 3), img)
    with pytest.raises(ValueError, match=r"not an MNIST idx1 ubyte file \(magic "):
        parse_idx(_idx(img), 1)
    with pytest.raises(ValueError, match="magic number 2051, expected 2049"):
        parse_idx(_idx(img), 1)


def test_size_rules():
    lab = np.arange(5, dtype=np.uint8)
    np.testing.assert_array_equal(parse_idx(_idx(lab, b"\x00\x00")), lab)
    with pytest.raises(ValueError, match=r"holds 7 bytes .* announces 5 \(5,\)"):
        parse_idx(_idx(lab, b"\x00\x00"), 1, exact=True)
    with pytest.raises(ValueError, match=r"holds 3 bytes .* announces 5"):
        parse_idx(_idx(lab)[:-2])
    with pytest.raises(ValueError, match="too short"):
        parse_idx(b"\x00\x00")
    with pytest.raises(ValueError, match="too short"):
        parse_idx(struct.pack(">I", 0x0803) + b"\x00" * 4)
    with pytest.raises(ValueError, match="not an unsigned-byte file"):
        parse_idx(struct.pack(">II", 0x0D01, 1) + b"\x00" * 4)
