"""``nd.save``/``nd.load`` against files written and decoded by MXNet 1.9.1."""

from __future__ import annotations

import io
import os
import pickle
import struct

import numpy as np
import pytest
import torch

from neogluon import nd
from neogluon.base import MXNetError
from neogluon.ndarray.serialization import dumps_array
from neogluon.ndarray.serialization import loads_array
from tests.conftest import FIXTURES
from tests.conftest import load_fixture

DIR = FIXTURES / "params_files"
EXPECTED = load_fixture("params_files", "expected")
META = {m["file"]: m for m in EXPECTED["meta"]}
# Files whose arrays we can rebuild exactly and write ourselves (MXNet-written).
MXNET_WRITTEN = [
    "dict_example.params",
    "list_save.params",
    "single.params",
    "dtypes.params",
    "shapes.params",
    "zero_dim.params",
]


def _as_container(meta: dict, arrays: list):
    if meta["kind"] == "list":
        return arrays
    return dict(zip(meta["names"], arrays, strict=True))


def _check_loaded(meta: dict, loaded) -> None:
    if meta["kind"] == "list":
        assert isinstance(loaded, list)
        items = loaded
    else:
        assert isinstance(loaded, dict)
        assert list(loaded) == meta["names"]
        items = list(loaded.values())
    assert len(items) == len(meta["names"])
    for name, arr, dt, shape in zip(
        meta["names"], items, meta["dtypes"], meta["shapes"], strict=True
    ):
        assert isinstance(arr, nd.NDArray)
        assert list(arr.shape) == shape, (meta["file"], name)
        if dt == "bfloat16":
            assert arr.to_torch().dtype == torch.bfloat16
        else:
            assert arr.dtype is np.dtype(dt).type, (meta["file"], name)
        expect = EXPECTED[f"{meta['file']}__{name}"]
        np.testing.assert_array_equal(arr.asnumpy(), expect)


def _semantics(fname):
    """The shape semantics a file's records were written under (nd.load
    reads them under the same, as MXNet does)."""
    import neogluon as mx

    return mx.np_shape(fname.startswith("v3_"))


@pytest.mark.parametrize("fname", sorted(META))
def test_load_mxnet_files(fname):
    with _semantics(fname):
        _check_loaded(META[fname], nd.load(DIR / fname))
        _check_loaded(META[fname], nd.load(str(DIR / fname)))
        _check_loaded(META[fname], nd.load_frombuffer((DIR / fname).read_bytes()))


@pytest.mark.parametrize("fname", MXNET_WRITTEN)
def test_save_is_byte_identical_to_mxnet(fname, tmp_path):
    meta = META[fname]
    arrays = [
        nd.array(EXPECTED[f"{fname}__{n}"], dtype=dt)
        for n, dt in zip(meta["names"], meta["dtypes"], strict=True)
    ]
    data = _as_container(meta, arrays)
    if fname == "single.params":
        data = arrays[0]
    out = tmp_path / "ours.params"
    nd.save(str(out), data)
    assert out.read_bytes() == (DIR / fname).read_bytes()
    _check_loaded(meta, nd.load(str(out)))


def test_section_3_2_example_bytes(tmp_path):
    out = tmp_path / "d.params"
    nd.save(
        out, {"w": nd.array([[1, 2, 3], [4, 5, 6]]), "bb": nd.array([7], dtype="int32")}
    )
    raw = out.read_bytes()
    assert raw[:0x18] == struct.pack("<QQQ", 0x112, 0, 2)
    assert raw[0x18:0x1C] == b"\xc9\xfa\x93\xf9"
    assert (
        raw[-15:]
        == b"\x01\x00\x00\x00\x00\x00\x00\x00w\x02\x00\x00\x00\x00\x00\x00\x00bb"[-15:]
    )
    assert len(raw) == 0x97


def test_zero_dim_roundtrip_and_none_records():
    x = nd.array(2.5)
    assert x.shape == ()
    y = loads_array(dumps_array(x))
    assert y.shape == () and y.asnumpy() == 2.5
    # A true "none" record (V2, ndim 0, nothing after it) loads as an empty array.
    none = struct.pack("<Iii", 0xF993FAC9, 0, 0)
    assert loads_array(none).shape == (0,)
    buf = struct.pack("<QQQ", 0x112, 0, 1) + none + struct.pack("<Q", 1)
    buf += struct.pack("<Q", 1) + b"n"
    out = nd.load_frombuffer(buf)
    assert list(out) == ["n"] and out["n"].shape == (0,)


def test_roundtrip_all_dtypes(tmp_path):
    data = {
        dt: nd.array([[0, 1], [2, 3]], dtype=dt)
        for dt in (
            "float16",
            "float32",
            "float64",
            "uint8",
            "int8",
            "int32",
            "int64",
            "bool",
        )
    }
    data["bf16"] = nd.from_torch(torch.tensor([1.5, -3.0], dtype=torch.bfloat16))
    f = tmp_path / "all.params"
    nd.save(f, data)
    back = nd.load(f)
    for k, v in data.items():
        assert back[k].to_torch().dtype == v.to_torch().dtype
        assert torch.equal(back[k].to_torch(), v.to_torch())
    nd.save(f, [data["int8"], data["bool"]])
    lst = nd.load(f)
    assert isinstance(lst, list) and len(lst) == 2


def test_save_rejects_bad_input(tmp_path):
    f = str(tmp_path / "x.params")
    with pytest.raises(TypeError, match="dict str->NDArray"):
        nd.save(f, {1: nd.ones(1)})
    with pytest.raises(TypeError, match="dict str->NDArray"):
        nd.save(f, {"a": np.ones(1)})
    with pytest.raises(TypeError, match="positions \\[1\\]"):
        nd.save(f, [nd.ones(1), 3])
    with pytest.raises(ValueError, match="tuple"):
        nd.save(f, (nd.ones(1),))
    assert not os.path.exists(f)


def test_save_is_atomic(tmp_path, monkeypatch):
    f = tmp_path / "w.params"
    nd.save(f, [nd.ones(2)])
    before = f.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        nd.save(f, [nd.zeros(3)])
    assert f.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.params"]


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda b: b[:-1], r"truncated data, expected name 1 \(2 bytes\)"),
        (lambda b: b[:40], r"truncated data, expected .*int64 dims of array 0 shape"),
        (lambda b: b"\x13" + b[1:], r"list magic 0x112.*offset 0"),
        (lambda b: b[:24] + b"\xff\xff\xff\xff" + b[28:], r"record magic.*offset 24"),
        (
            lambda b: b[:60] + struct.pack("<i", 99) + b[64:],
            r"type flag in 0..12.*got 99.*offset 60",
        ),
        (lambda b: b + b"xx", r"2 trailing bytes"),
        (
            lambda b: b[:0x7C] + struct.pack("<Q", 3) + b[0x84:],
            r"expected 0 or 2 names.*offset 124",
        ),
    ],
)
def test_corrupt_files_raise_with_offset(mutate, match):
    raw = (DIR / "dict_example.params").read_bytes()
    with pytest.raises(MXNetError, match=match):
        nd.load_frombuffer(mutate(raw))


def test_load_never_uses_pickle(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("pickle used on the load path")

    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "Unpickler", forbidden)
    monkeypatch.setattr(np, "load", forbidden)
    for fname in META:
        with _semantics(fname):
            nd.load(DIR / fname)
    loads_array(dumps_array(nd.ones((2, 2))))


def test_load_type_errors():
    with pytest.raises(TypeError, match="fname"):
        nd.load(3)
    with pytest.raises(TypeError, match="bytes"):
        nd.load_frombuffer("abc")
    with pytest.raises(MXNetError, match="truncated"):
        nd.load_frombuffer(io.BytesIO(b"").getvalue())


NP_RECORDS = FIXTURES / "np_export" / "np_records.params"  # MXNet's npx.save


def test_records_follow_the_shape_semantics_as_in_mxnet(tmp_path):
    import neogluon as mx
    from neogluon.ndarray.serialization import load_any

    shapes = [(2, 0, 1), (0,), (0, 4), (3, 0, 0, 0), (2, 1), (0, 5, 0)]
    arrays = [nd.array(np.random.randint(0, 10, size=s)) for s in shapes]
    legacy, numpy_shape = tmp_path / "legacy", tmp_path / "np"
    nd.save(str(legacy), arrays)
    with mx.np_shape(True):
        nd.save(str(numpy_shape), arrays + [nd.array(np.float32(4.0))])
    assert struct.unpack_from("<I", legacy.read_bytes(), 24)[0] == 0xF993FAC9
    assert struct.unpack_from("<I", numpy_shape.read_bytes(), 24)[0] == 0xF993FACA
    # Each kind loads under its own semantics (zero-size dims kept) ...
    for got, want in zip(nd.load(str(legacy)), arrays, strict=True):
        np.testing.assert_array_equal(got.asnumpy(), want.asnumpy())
    with mx.np_shape(True):
        back = nd.load(str(numpy_shape))
    assert [b.shape for b in back] == shapes + [()]
    # ... and MXNet's error, naming the scope to use, under the other one.
    with pytest.raises(MXNetError, match=r"np_shape\(True\)"):
        nd.load(str(numpy_shape))
    with pytest.raises(MXNetError, match=r"np_shape\(False\)"):
        with mx.np_shape(True):
            nd.load(str(legacy))
    with pytest.raises(MXNetError, match="numpy shape semantics"):
        nd.load(str(NP_RECORDS))
    with mx.np_shape(True):
        assert sorted(nd.load(str(NP_RECORDS))) == ["empty", "ints", "scalar"]
    # The package's own loaders (load_parameters, checkpoints) read both.
    assert [a.shape for a in load_any(str(numpy_shape))] == shapes + [()]
    with mx.np_shape(True):
        assert [a.shape for a in load_any(str(legacy))] == shapes


def test_sparse_arrays_have_no_numpy_shape_record(tmp_path):
    import neogluon as mx

    rsp = nd.zeros((3, 2), stype="row_sparse")
    with mx.np_shape(True), pytest.raises(MXNetError, match="tostype"):
        nd.save(str(tmp_path / "f"), [rsp])
    assert not (tmp_path / "f").exists()


def test_load_parameters_reads_either_kind(tmp_path):
    import neogluon as mx

    net = mx.gluon.nn.Dense(2, in_units=3)
    net.initialize()
    with mx.np_shape(True):
        net.save_parameters(str(tmp_path / "p"))
    other = mx.gluon.nn.Dense(2, in_units=3)
    other.load_parameters(str(tmp_path / "p"))
    np.testing.assert_array_equal(
        other.weight.data().asnumpy(), net.weight.data().asnumpy()
    )
