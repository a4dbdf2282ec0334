"""nd.save / nd.load of sparse arrays: byte-identical to MXNet 1.9.1 files
(fixtures ``sparse/*.params``), and the declared sizes of hostile records
checked before anything is allocated (issue 10, point 4)."""

from __future__ import annotations

import pickle
import struct
import time

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from tests.conftest import FIXTURES
from tests.conftest import load_fixture

nd = mx.nd
DIR = FIXTURES / "sparse"
IN = load_fixture("sparse", "inputs")


def _built(fname):
    A, B, R1, R2, D = (IN[k] for k in ("A", "B", "R1", "R2", "D"))
    csr = lambda x, dt="float32": nd.array(x, dtype=dt).tostype("csr")  # noqa: E731
    rsp = lambda x, dt="float32": nd.array(x, dtype=dt).tostype("row_sparse")  # noqa: E731
    return {
        "csr_list.params": [csr(A), rsp(R1)],
        "mixed_dict.params": {"w": nd.array(D), "c": csr(B), "r": rsp(R2)},
        "empty_sparse.params": {
            "c": nd.sparse.zeros("csr", (4, 3)),
            "r": nd.sparse.zeros("row_sparse", (5, 2)),
        },
        "typed.params": {
            "c64": csr(A, "float64"),
            "r16": rsp(R1, "float16"),
            "ri": rsp(R1 * 10, "int32"),
        },
        "rsp3d.params": [nd.array(np.stack([R1, R2], 1)).tostype("row_sparse")],
    }[fname]


FILES = sorted(p.name for p in DIR.glob("*.params"))


@pytest.mark.parametrize("fname", FILES)
def test_save_is_byte_identical_to_mxnet(tmp_path, fname):
    out = tmp_path / fname
    nd.save(str(out), _built(fname))
    assert out.read_bytes() == (DIR / fname).read_bytes()


@pytest.mark.parametrize("fname", FILES)
def test_load_mxnet_file_keeps_storage(fname):
    exp = load_fixture("sparse", fname.replace(".params", "_decoded"))
    stypes = exp.pop("stypes")
    loaded = nd.load(str(DIR / fname))
    items = loaded.items() if isinstance(loaded, dict) else enumerate(loaded)
    for k, v in items:
        assert v.stype == stypes[str(k)]
        np.testing.assert_array_equal(v.asnumpy(), exp[str(k)])


def test_pickle_roundtrip():
    c = nd.array(IN["A"]).tostype("csr")
    r = nd.array(IN["R1"]).tostype("row_sparse")
    for a in (c, r):
        b = pickle.loads(pickle.dumps(a))
        assert type(b) is type(a)
        np.testing.assert_array_equal(b.asnumpy(), a.asnumpy())


def _rsp_record(shape, rows, sshape=None, indices=None, flag=0):
    rows = np.asarray(rows, dtype=np.float32)
    sshape = sshape or rows.shape
    idx = np.arange(len(rows), dtype=np.int64) if indices is None else indices
    shp = lambda s: struct.pack("<i", len(s)) + struct.pack(f"<{len(s)}q", *s)  # noqa: E731
    rec = struct.pack("<Ii", 0xF993FAC9, 1) + shp(sshape) + shp(shape)
    rec += struct.pack("<iii", 1, 0, flag) + struct.pack("<i", 6) + shp((len(idx),))
    rec += rows.tobytes() + np.asarray(idx, dtype=np.int64).tobytes()
    return struct.pack("<QQQ", 0x112, 0, 1) + rec + struct.pack("<Q", 0)


def test_huge_declared_shape_stays_sparse():
    # 64 KiB of rows declaring 2**34 rows of 256 floats (16 TiB dense).
    rows = np.ones((64, 256), np.float32)
    buf = _rsp_record((2**34, 256), rows)
    assert len(buf) < 70_000
    t0 = time.perf_counter()
    (arr,) = nd.load_frombuffer(buf)
    assert time.perf_counter() - t0 < 1.0
    assert arr.stype == "row_sparse" and arr.shape == (2**34, 256)
    assert arr.data.shape == (64, 256)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(shape=(4, 2), rows=np.ones((5, 2))), "exceed"),
        (dict(shape=(8, 2), rows=np.ones((2, 2)), indices=[3, 1]), "sorted"),
        (dict(shape=(8, 2), rows=np.ones((2, 2)), indices=[3, 8]), r"\[0, 8\)"),
        (dict(shape=(8, 3), rows=np.ones((2, 2))), "storage shape"),
        (
            dict(shape=(2**40, 2), rows=np.ones((2, 2)), sshape=(2**30, 2)),
            r"expected \(1073741824,\)",
        ),
    ],
)
def test_bad_rsp_records_raise_clearly(kwargs, match):
    with pytest.raises(MXNetError, match=match):
        nd.load_frombuffer(_rsp_record(**kwargs))


def test_bad_csr_record_raises():
    good = nd.array([[0, 1.0], [2.0, 0]]).tostype("csr")
    from neogluon.ndarray.serialization import dumps_array

    rec = bytearray(dumps_array(good))
    # indptr is the first aux block after the 2 values: [0, 1, 2] -> [0, 2, 2]
    off = len(rec) - 8 * 2 - 8 * 3 + 8
    rec[off : off + 8] = struct.pack("<q", 3)
    with pytest.raises(MXNetError, match="indptr"):
        nd.load_frombuffer(
            struct.pack("<QQQ", 0x112, 0, 1) + bytes(rec) + struct.pack("<Q", 0)
        )
