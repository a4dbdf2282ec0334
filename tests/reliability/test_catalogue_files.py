"""Bad-input catalogue, part 2: damaged ``.params`` and RecordIO files
(issue 10). Each case names the exact outcome: an error of a named type
with a message fragment, or the correct result.

The ``.params`` cases start from a valid file and change one declared field
(found with the fuzzers' field map, ``fuzz_support.params_fields``); MXNet
1.9.1 rejects all of them too, most with a less precise message, and for
some (a huge declared shape) allocates what the file declares first.
"""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from tests.reliability import fuzz_support as fz

# ------------------------------------------------------------------- .params


def _saved(tmp_path, data) -> bytes:
    path = tmp_path / "x.params"
    mx.nd.save(str(path), data)
    return path.read_bytes()


def _field(buf: bytes, role: str, nth: int = 0) -> fz.Field:
    return [f for f in fz.params_fields(buf) if f.role == role][nth]


def _with(buf: bytes, role: str, value: int, nth: int = 0) -> bytes:
    return fz.set_field(buf, _field(buf, role, nth), value)


def _dense(tmp_path) -> bytes:
    return _saved(tmp_path, {"w": mx.nd.ones((2, 3)), "b": mx.nd.zeros((3,))})


# (field role, occurrence, new value, message fragment)
DENSE_FIELD_CASES = {
    "list magic": ("list magic", 0, 0x113, "expected the NDArray list magic 0x112"),
    "array count past the file": ("array count", 0, 2**40, "implausible number"),
    # The name count is read as a record, its bytes as a context.
    "array count one more": ("array count", 0, 3, "expected a device type"),
    "array count one less": ("array count", 0, 1, "expected 0 or 1 names"),
    "record magic": ("record magic", 0, 0xDEADBEEF, "start with a record magic"),
    "storage type 7": ("stype", 0, 7, "storage type 0 (default), 1 (row_sparse)"),
    "storage type -1": ("stype", 0, -1, "got -1"),
    "ndim 33": ("shape ndim", 0, 33, "ndim in [0, 32], got 33"),
    "ndim negative": ("shape ndim", 0, -5, "got -5"),
    "negative dim": ("shape dim", 0, -1, "unknown dim (-1)"),
    "dim past the data": ("shape dim", 0, 2**40, "truncated data"),
    "dims whose product wraps int64": ("shape dim", 0, 2**62, "truncated data"),
    "device type 9": ("dev_type", 0, 9, "expected a device type 1 (cpu)"),
    "type flag 99": ("type flag", 0, 99, "expected a type flag in 0..12"),
    "type flag -1": ("type flag", 0, -1, "got -1"),
    # float64: the data runs into the names, whose bytes then miss.
    "wider type flag": ("type flag", 1, 1, "expected 0 or 2 names"),
    "name count 1 of 2": ("name count", 0, 1, "expected 0 or 2 names"),
    "name length past the file": ("name length", 0, 2**40, "name 0"),
    "name length one more": ("name length", 1, 2, "truncated data, expected name 1"),
}


@pytest.mark.parametrize("case", list(DENSE_FIELD_CASES))
def test_params_declared_field_damaged(tmp_path, case):
    role, nth, value, match = DENSE_FIELD_CASES[case]
    buf = _with(_dense(tmp_path), role, value, nth)
    with pytest.raises(MXNetError, match=re.escape(match)):
        mx.nd.load_frombuffer(buf)


def test_params_error_names_file_and_offset(tmp_path):
    buf = _with(_dense(tmp_path), "type flag", 99)
    path = tmp_path / "bad.params"
    path.write_bytes(buf)
    at = _field(buf, "type flag").offset
    with pytest.raises(MXNetError) as info:
        mx.nd.load(str(path))
    assert str(path) in str(info.value) and f"byte offset {at}" in str(info.value)


@pytest.mark.parametrize("cut", [0, 7, 8, 23, 24, 30, 60, -5, -1])
def test_params_truncated(tmp_path, cut):
    buf = _dense(tmp_path)
    with pytest.raises(MXNetError, match="truncated data|trailing bytes"):
        mx.nd.load_frombuffer(buf[:cut])


def test_params_trailing_garbage(tmp_path):
    with pytest.raises(MXNetError, match="3 trailing bytes after the names"):
        mx.nd.load_frombuffer(_dense(tmp_path) + b"abc")


def test_params_name_not_utf8(tmp_path):
    buf = bytearray(_saved(tmp_path, {"ab": mx.nd.ones((1,))}))
    buf[-2:] = b"\xff\xfe"
    with pytest.raises(MXNetError, match="name 0 is not valid UTF-8"):
        mx.nd.load_frombuffer(bytes(buf))


def test_params_flipped_data_bit_loads_the_flipped_value(tmp_path):
    buf = bytearray(_saved(tmp_path, [mx.nd.array([1.0])]))
    buf[-1 - 8] ^= 0x80  # sign bit of the float32 (before the name count)
    np.testing.assert_array_equal(
        mx.nd.load_frombuffer(bytes(buf))[0].asnumpy(), [-1.0]
    )


def test_params_not_a_params_file(tmp_path):
    path = tmp_path / "x.json"
    mx.sym.var("data").save(str(path))
    with pytest.raises(MXNetError, match="expected the NDArray list magic"):
        mx.nd.load(str(path))


def test_params_missing_file_and_directory(tmp_path):
    with pytest.raises(FileNotFoundError):
        mx.nd.load(str(tmp_path / "none.params"))
    with pytest.raises(IsADirectoryError):
        mx.nd.load(str(tmp_path))
    with pytest.raises(TypeError, match="fname required to be a string or path"):
        mx.nd.load(3)


def _sparse(tmp_path) -> bytes:
    rsp = mx.nd.array(np.array([[0, 0], [1, 2], [0, 0], [3, 4]])).tostype("row_sparse")
    return _saved(tmp_path, [rsp])


def _csr(tmp_path) -> bytes:
    csr = mx.nd.array(np.array([[0, 1, 0], [2, 0, 3]])).tostype("csr")
    return _saved(tmp_path, [csr])


def test_row_sparse_huge_shape_stays_sparse(tmp_path):
    # The case: 64 KiB of row_sparse data declaring 2**28 rows used to
    # be densified into 1 GiB. It loads as the sparse array it declares.
    buf = _with(_sparse(tmp_path), "shape dim", 2**28)
    (arr,) = mx.nd.load_frombuffer(buf)
    assert arr.stype == "row_sparse" and arr.shape == (2**28, 2)
    np.testing.assert_array_equal(arr.indices.asnumpy(), [1, 3])
    np.testing.assert_array_equal(arr.data.asnumpy(), [[1, 2], [3, 4]])


SPARSE_CASES = {
    "rsp stored rows past the rows": (
        _sparse,
        "storage shape dim",
        0,
        5,
        "5 stored rows exceed the 4 rows",
    ),
    "rsp storage shape of another width": (
        _sparse,
        "storage shape dim",
        1,
        3,
        "storage shape must be",
    ),
    "rsp aux flag float32": (_sparse, "aux type flag", 0, 0, "must be int32 or int64"),
    "rsp aux 2-D": (_sparse, "aux shape ndim", 0, 2, "aux 0 must be 1-D"),
    "rsp indices count": (_sparse, "aux shape dim", 0, 1, "indices has shape (1,)"),
    "rsp fewer rows than indices": (
        _sparse,
        "shape dim",
        0,
        2,
        "row indices must lie in [0, 2)",
    ),
    "csr 3-D shape": (_csr, "shape ndim", 0, 3, "needs a 2-D shape"),
    "csr indptr length": (_csr, "aux shape dim", 0, 2, "indptr has shape (2,)"),
    "csr indices length": (_csr, "aux shape dim", 1, 2, "indices has shape (2,)"),
    "csr value type flag 42": (_csr, "type flag", 0, 42, "type flag in 0..12"),
    "csr columns fewer than indices": (
        _csr,
        "shape dim",
        1,
        2,
        "column indices must lie in [0, 2)",
    ),
}


@pytest.mark.parametrize("case", list(SPARSE_CASES))
def test_sparse_record_damaged(tmp_path, case):
    make, role, nth, value, match = SPARSE_CASES[case]
    buf = _with(make(tmp_path), role, value, nth)
    with pytest.raises(MXNetError) as info:
        mx.nd.load_frombuffer(buf)
    assert match in str(info.value)


def test_sparse_index_data_out_of_range(tmp_path):
    buf = bytearray(_sparse(tmp_path))
    # The last two int64 before the name count are the row indices [1, 3].
    at = len(buf) - 8 - 8
    buf[at : at + 8] = struct.pack("<q", 9)
    with pytest.raises(MXNetError, match=r"row indices must lie in \[0, 4\)"):
        mx.nd.load_frombuffer(bytes(buf))


# ------------------------------------------------------------------ RecordIO


def _rec(tmp_path, records, name="x") -> tuple[str, str]:
    rec, idx = str(tmp_path / f"{name}.rec"), str(tmp_path / f"{name}.idx")
    w = mx.recordio.MXIndexedRecordIO(idx, rec, "w")
    for i, r in enumerate(records):
        w.write_idx(i, r)
    w.close()
    return rec, idx


def test_rec_length_word_past_the_file_reads_nothing(tmp_path):
    # Found by the fuzzer: a damaged length word made read() allocate up to
    # 512 MiB before noticing the file is shorter.
    rec, _ = _rec(tmp_path, [b"abcd"])
    buf = bytearray(Path(rec).read_bytes())
    buf[4:8] = struct.pack("<I", (1 << 29) - 1)
    Path(rec).write_bytes(bytes(buf))
    r = mx.recordio.MXRecordIO(rec, "r")
    with pytest.raises(MXNetError, match="declares 536870911 bytes, but only 4 bytes"):
        r.read()
    r.close()


def test_rec_multichunk_record_missing_its_last_chunk(tmp_path):
    magic = struct.pack("<I", 0xCED7230A)
    rec, _ = _rec(tmp_path, [b"1234" + magic + b"5678"])
    Path(rec).write_bytes(Path(rec).read_bytes()[:16])  # first chunk only
    r = mx.recordio.MXRecordIO(rec, "r")
    with pytest.raises(MXNetError, match="truncated"):
        r.read()
    r.close()


def test_rec_multichunk_record_roundtrip(tmp_path):
    magic = struct.pack("<I", 0xCED7230A)
    payload = magic + b"1234" + magic + b"56"
    rec, _ = _rec(tmp_path, [payload, b"next"])
    r = mx.recordio.MXRecordIO(rec, "r")
    assert [r.read(), r.read(), r.read()] == [payload, b"next", None]
    r.close()


@pytest.mark.parametrize("offset", [10**6, 2**63 + 5, 2**70])
def test_idx_offset_past_the_record_file(tmp_path, offset):
    # Found by the fuzzer: offsets past 2**63 raised a bare OSError (EINVAL)
    # from seek; smaller ones past the end read as "no record" (None).
    rec, idx = _rec(tmp_path, [b"a", b"b"])
    Path(idx).write_text(Path(idx).read_text() + f"7\t{offset}\n")
    r = mx.recordio.MXIndexedRecordIO(idx, rec, "r")
    assert r.read_idx(1) == b"b"
    with pytest.raises(
        MXNetError, match=f"key 7 points at byte {offset}, past the end"
    ):
        r.read_idx(7)
    r.close()


def test_idx_offset_inside_a_record(tmp_path):
    rec, idx = _rec(tmp_path, [b"abcdefgh"])
    Path(idx).write_text("0\t4\n")
    r = mx.recordio.MXIndexedRecordIO(idx, rec, "r")
    with pytest.raises(MXNetError, match="bad magic"):
        r.read_idx(0)
    r.close()


def test_idx_missing_key(tmp_path):
    rec, idx = _rec(tmp_path, [b"a"])
    r = mx.recordio.MXIndexedRecordIO(idx, rec, "r")
    with pytest.raises(KeyError, match="key 5 is not in"):
        r.read_idx(5)
    r.close()


def test_recordio_misuse(tmp_path):
    rec, _ = _rec(tmp_path, [b"a"])
    with pytest.raises(MXNetError, match="cannot open"):
        mx.recordio.MXRecordIO(str(tmp_path / "none" / "x.rec"), "r")
    w = mx.recordio.MXRecordIO(str(tmp_path / "w.rec"), "w")
    with pytest.raises(MXNetError, match="needs flag 'r'"):
        w.read()
    with pytest.raises(TypeError, match="encode text first"):
        w.write("text")
    w.close()
    r = mx.recordio.MXRecordIO(rec, "r")
    r.close()
    with pytest.raises(MXNetError, match="is closed"):
        r.read()
    with pytest.raises(ValueError, match="Invalid flag"):
        mx.recordio.MXRecordIO(rec, "a")


def _png_record(width=4, height=3) -> bytes:
    img = np.arange(height * width * 3, dtype=np.uint8).reshape(height, width, 3)
    return mx.recordio.pack_img(mx.recordio.IRHeader(0, 1.0, 9, 0), img, img_fmt=".png")


def test_unpack_img_damaged_image():
    # Found by the fuzzer: Pillow's own errors (UnidentifiedImageError, OSError
    # "Truncated File Read"...) escaped. MXNet 1.9.1 returns None as the image.
    rec = _png_record()
    with pytest.raises(
        MXNetError, match="cannot decode the 3-byte image of record id 9"
    ):
        mx.recordio.unpack_img(rec[:27])
    with pytest.raises(MXNetError, match="image file is truncated"):
        mx.recordio.unpack_img(rec[:-30])
    with pytest.raises(MXNetError, match="not an image format Pillow recognises"):
        mx.recordio.unpack_img(rec[:-40])


def test_unpack_img_huge_declared_size_is_refused_before_allocation(monkeypatch):
    from PIL import Image

    rec = bytearray(_png_record())
    at = rec.find(b"IHDR")
    rec[at + 4 : at + 12] = struct.pack(">II", 100_000, 100_000)
    rec[at + 17 : at + 21] = struct.pack(">I", zlib.crc32(bytes(rec[at : at + 17])))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1 << 20)
    with pytest.raises(MXNetError, match="DecompressionBombError"):
        mx.recordio.unpack_img(bytes(rec))


def test_unpack_img_valid_record():
    header, img = mx.recordio.unpack_img(_png_record())
    assert header.id == 9 and img.shape == (3, 4, 3) and img.dtype == np.uint8


def test_pack_img_bad_input():
    header = mx.recordio.IRHeader(0, 1.0, 0, 0)
    with pytest.raises(TypeError, match="expected a uint8 image"):
        mx.recordio.pack_img(header, np.zeros((2, 2), np.float32))
    with pytest.raises(ValueError, match="expected an \\(H, W\\)"):
        mx.recordio.pack_img(header, np.zeros((2, 2, 2), np.uint8))
    with pytest.raises(ValueError, match="unsupported img_fmt"):
        mx.recordio.pack_img(header, np.zeros((2, 2), np.uint8), img_fmt=".bmp")


def test_params_empty_shape_too_large_for_numpy(tmp_path):
    # Found by the fuzzer: (0, 2**62, 2) declares no bytes, so the size check
    # passed, and numpy's "array is too big" ValueError escaped from reshape.
    buf = _dense(tmp_path)
    buf = _with(buf, "shape dim", 0, 0)
    buf = _with(buf, "shape dim", 2**62, 1)
    with pytest.raises(
        MXNetError, match=r"shape \(0, 4611686018427387904\) is too large"
    ):
        mx.nd.load_frombuffer(buf)
    # An empty array of an ordinary shape still loads.
    buf = _with(_dense(tmp_path), "shape dim", 0, 0)
    data_at = _field(buf, "type flag").offset + 4
    buf = buf[:data_at] + buf[data_at + 24 :]  # drop the 2x3 float32 data of 'w'
    assert mx.nd.load_frombuffer(buf)["w"].shape == (0, 3)
