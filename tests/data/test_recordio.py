"""mx.recordio against files written by MXNet 1.9.1's RecordIO writer."""

from __future__ import annotations

import io
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from tests.conftest import FIXTURES
from tests.conftest import load_fixture

DIR = FIXTURES / "data"
MAGIC = struct.pack("<I", 0xCED7230A)


def _records(case: dict) -> list[bytes]:
    payload = case["payload"].tobytes()
    out, off = [], 0
    for n in case["lengths"]:
        out.append(payload[off : off + int(n)])
        off += int(n)
    return out


def _read_all(reader) -> list[bytes]:
    out = []
    while True:
        rec = reader.read()
        if rec is None:
            return out
        out.append(rec)


def test_read_mxnet_plain_file():
    expected = _records(load_fixture("data", "plain_records"))
    # the fixture covers records that contain the magic (split by dmlc)
    assert any(MAGIC in r for r in expected)
    r = mx.recordio.MXRecordIO(str(DIR / "plain.rec"), "r")
    assert _read_all(r) == expected
    assert r.read() is None
    r.reset()
    assert r.read() == expected[0]
    r.close()


def test_write_is_byte_identical_to_mxnet(tmp_path: Path):
    records = _records(load_fixture("data", "plain_records"))
    path = tmp_path / "ours.rec"
    w = mx.recordio.MXRecordIO(str(path), "w")
    for rec in records:
        w.write(rec)
    w.close()
    assert path.read_bytes() == (DIR / "plain.rec").read_bytes()


def test_indexed_write_matches_mxnet(tmp_path: Path):
    case = load_fixture("data", "indexed_records")
    records = _records(case)
    w = mx.recordio.MXIndexedRecordIO(
        str(tmp_path / "x.idx"), str(tmp_path / "x.rec"), "w"
    )
    tells = [w.tell()]
    for k, rec in zip(case["keys"], records, strict=True):
        w.write_idx(int(k), rec)
        tells.append(w.tell())
    w.close()
    assert tells == case["tells"].tolist()
    assert (tmp_path / "x.rec").read_bytes() == (DIR / "indexed.rec").read_bytes()
    assert (tmp_path / "x.idx").read_text() == (DIR / "indexed.idx").read_text()


def test_indexed_random_access_of_mxnet_file():
    case = load_fixture("data", "indexed_records")
    records = _records(case)
    keys = case["keys"].tolist()
    r = mx.recordio.MXIndexedRecordIO(
        str(DIR / "indexed.idx"), str(DIR / "indexed.rec"), "r"
    )
    assert r.keys == keys
    for j in reversed(range(len(keys))):
        assert r.read_idx(keys[j]) == records[j]
    with pytest.raises(KeyError, match="key 12345 is not in"):
        r.read_idx(12345)
    r.close()


def test_str_keys():
    r = mx.recordio.MXIndexedRecordIO(
        str(DIR / "strkeys.idx"), str(DIR / "strkeys.rec"), "r", key_type=str
    )
    assert r.keys == ["b", "a", "zz"]
    assert r.read_idx("zz") == b"hello world"
    assert r.read_idx("b") == b"a"


def test_pack_unpack_match_mxnet():
    case = load_fixture("data", "packed_records")
    expected = _records(case)
    for i, (hdr, scalar) in enumerate(
        zip(case["headers"], case["label_is_scalar"], strict=True)
    ):
        flag, label, id_, id2 = hdr
        label = label[0] if scalar else label
        s = mx.recordio.pack(
            mx.recordio.IRHeader(flag, label, id_, id2), bytes(case["bodies"][i])
        )
        assert s == expected[i], i
        header, body = mx.recordio.unpack(expected[i])
        ref = case["unpacked"][i]
        assert header.flag == ref["flag"]
        assert isinstance(header.label, np.ndarray) == ref["label_is_array"]
        np.testing.assert_array_equal(
            np.asarray(header.label, np.float64).reshape(-1), ref["label"]
        )
        if ref["label_is_array"]:
            assert header.label.dtype == np.float32
        assert (header.id, header.id2) == (ref["id"], ref["id2"])
        assert body == bytes(ref["body"])


def test_packed_file_via_record_file_dataset():
    case = load_fixture("data", "packed_records")
    ds = mx.gluon.data.RecordFileDataset(str(DIR / "packed.rec"))
    assert len(ds) == len(case["lengths"])
    assert [ds[i] for i in range(len(ds))] == _records(case)


def test_record_file_dataset_order():
    expected = _records(load_fixture("data", "recordfile_dataset"))
    ds = mx.gluon.data.RecordFileDataset(str(DIR / "indexed.rec"))
    assert [ds[i] for i in range(len(ds))] == expected


def test_errors(tmp_path: Path):
    with pytest.raises(MXNetError, match="cannot open"):
        mx.recordio.MXRecordIO(str(tmp_path / "missing.rec"), "r")
    with pytest.raises(ValueError, match="Invalid flag"):
        mx.recordio.MXRecordIO(str(tmp_path / "x.rec"), "a")
    w = mx.recordio.MXRecordIO(str(tmp_path / "x.rec"), "w")
    with pytest.raises(TypeError, match="bytes"):
        w.write("text")
    with pytest.raises(MXNetError, match="needs flag 'r'"):
        w.read()
    w.write(b"abc")
    w.close()
    r = mx.recordio.MXRecordIO(str(tmp_path / "x.rec"), "r")
    with pytest.raises(MXNetError, match="needs flag 'w'"):
        r.write(b"x")
    r.close()
    (tmp_path / "bad.rec").write_bytes(b"\x00" * 12)
    with pytest.raises(MXNetError, match="bad magic"):
        mx.recordio.MXRecordIO(str(tmp_path / "bad.rec"), "r").read()
    (tmp_path / "trunc.rec").write_bytes((DIR / "plain.rec").read_bytes()[:30])
    r = mx.recordio.MXRecordIO(str(tmp_path / "trunc.rec"), "r")
    with pytest.raises(MXNetError, match="truncated"):
        _read_all(r)
    with pytest.raises(ValueError, match="header"):
        mx.recordio.unpack(b"abc")


def test_pickle_reopens(tmp_path: Path):
    r = mx.recordio.MXIndexedRecordIO(
        str(DIR / "indexed.idx"), str(DIR / "indexed.rec"), "r"
    )
    r2 = pickle.loads(pickle.dumps(r))
    assert r2.keys == r.keys
    assert r2.read_idx(r.keys[3]) == r.read_idx(r.keys[3])


def test_other_process_reopens_on_seek(monkeypatch):
    r = mx.recordio.MXIndexedRecordIO(
        str(DIR / "indexed.idx"), str(DIR / "indexed.rec"), "r"
    )
    first = r.read_idx(r.keys[2])
    r.pid = -1  # as if inherited by a forked worker: read() refuses, seek() reopens
    with pytest.raises(RuntimeError, match="multiple processes"):
        r.read()
    assert r.read_idx(r.keys[2]) == first
    assert r.pid is not None and r.pid != -1


def test_pack_img_roundtrip_png():
    pytest.importorskip("PIL")
    img = np.random.RandomState(0).randint(0, 256, size=(5, 7, 3)).astype(np.uint8)
    s = mx.recordio.pack_img(
        mx.recordio.IRHeader(0, 2.0, 7, 0), img, quality=3, img_fmt=".png"
    )
    header, out = mx.recordio.unpack_img(s)
    assert header.label == 2.0 and header.id == 7
    np.testing.assert_array_equal(out, img)  # BGR in, BGR out (OpenCV's order)
    _, gray = mx.recordio.unpack_img(s, iscolor=0)
    assert gray.shape == (5, 7)
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")  # an RGB file decodes to BGR
    _, bgr = mx.recordio.unpack_img(
        mx.recordio.pack(mx.recordio.IRHeader(0, 0.0, 0, 0), buf.getvalue()), 1
    )
    np.testing.assert_array_equal(bgr, img[:, :, ::-1])
