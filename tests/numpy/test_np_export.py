"""``export`` and ``npx.save`` under numpy semantics write MXNet 1.9.1's
numpy-shape records (magic ``0xF993FACA``), which MXNet's ``SymbolBlock.imports``
and ``npx.load`` require under ``npx.set_np()``. Fixtures:
``tools/fixtures/np_export.py``."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as onp
import pytest

import neogluon as mx
from neogluon import gluon
from neogluon import np
from neogluon import npx

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "mxnet-1.9.1" / "np_export"
W = [[0.5, -1.0], [2.0, 0.25], [-0.75, 1.5]]
B = [0.1, -0.2, 0.3]
X = [[1.0, 2.0]]
V2, V3 = 0xF993FAC9, 0xF993FACA


@pytest.fixture
def np_mode():
    npx.set_np()
    yield
    npx.reset_np()


def _record_magics(buf: bytes) -> list[int]:
    """The magic of each record of a one-dense-record-per-array container."""
    magic, _, n = struct.unpack_from("<QQQ", buf, 0)
    assert magic == 0x112
    pos, out = 24, []
    for _ in range(n):
        rec_magic, _stype, ndim = struct.unpack_from("<Iii", buf, pos)
        out.append(rec_magic)
        shape = struct.unpack_from(f"<{ndim}q", buf, pos + 12)
        pos += 12 + 8 * ndim
        _dev, _dev_id, flag = struct.unpack_from("<iii", buf, pos)
        pos += 12
        itemsize = {0: 4, 1: 8, 4: 4, 6: 8}[flag]
        pos += itemsize * int(onp.prod(shape))
    return out


def _dense():
    net = gluon.nn.Dense(3, in_units=2, prefix="dense0_")
    net.initialize()
    net.weight.set_data(np.array(W) if npx.is_np_array() else mx.nd.array(W))
    net.bias.set_data(np.array(B) if npx.is_np_array() else mx.nd.array(B))
    net.hybridize()
    return net


def test_export_under_np_writes_mxnet_bytes(np_mode, tmp_path):
    net = _dense()
    net(np.array(X))
    _, params = net.export(str(tmp_path / "m"))
    ours = Path(params).read_bytes()
    ref = (FIX / "np_dense-0000.params").read_bytes()
    assert _record_magics(ref) == [V3, V3]
    assert ours == ref


def test_export_outside_np_keeps_legacy_records(tmp_path):
    net = _dense()
    net(mx.nd.array(X))
    _, params = net.export(str(tmp_path / "m"))
    assert _record_magics(Path(params).read_bytes()) == [V2, V2]


def test_npx_save_writes_numpy_shape_records(np_mode, tmp_path):
    f = tmp_path / "r.params"
    npx.save(
        str(f),
        {
            "scalar": np.array(3.5),
            "empty": np.zeros((0, 2)),
            "ints": np.array([1, 2], dtype="int32"),
        },
    )
    assert f.read_bytes() == (FIX / "np_records.params").read_bytes()
    back = npx.load(str(f))
    assert back["scalar"].shape == () and float(back["scalar"]) == 3.5
    assert back["empty"].shape == (0, 2)
    assert back["ints"].asnumpy().tolist() == [1, 2]


def test_mxnet_np_export_imports(np_mode):
    blk = gluon.SymbolBlock.imports(
        str(FIX / "np_dense-symbol.json"),
        ["data"],
        str(FIX / "np_dense-0000.params"),
    )
    out = blk(np.array(X))
    ref = onp.load(FIX / "np_dense_out.npy")
    onp.testing.assert_allclose(out.asnumpy(), ref, rtol=1e-6)
