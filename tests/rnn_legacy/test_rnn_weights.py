"""mx.rnn unpack_weights / pack_weights vs MXNet 1.9.1 (fixtures from
tools/fixtures/legacy_rnn.py): names and values exact, round trips."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from tests.conftest import load_fixture
from tools.fixtures import legacy_rnn as L

FAM = "legacy_rnn"


@pytest.mark.parametrize("name", sorted(L.FUSED_CASES))
def test_fused_unpack_pack_matches_mxnet(name):
    fx = load_fixture(FAM, f"fused_{name}")
    kw, _ = L.FUSED_CASES[name]
    cell = mx.rnn.FusedRNNCell(**kw)
    assert cell._parameter.name == fx["pname"]
    args = {fx["pname"]: mx.nd.array(fx["flat"]), "other": mx.nd.array(fx["other"])}
    unpacked = cell.unpack_weights(args)
    assert sorted(unpacked) == fx["names"]
    assert fx["pname"] in args  # the input dict is left alone
    for k, v in unpacked.items():
        np.testing.assert_array_equal(v.asnumpy(), fx[f"unpacked_{k}"], err_msg=k)
    # copies, not views of the flat vector
    first = next(k for k in unpacked if k.endswith("_weight"))
    unpacked[first][:] = 123.0
    assert not np.any(args[fx["pname"]].asnumpy() == 123.0)
    unpacked = cell.unpack_weights(args)
    repacked = cell.pack_weights(unpacked)
    assert sorted(repacked) == fx["repacked_names"]
    np.testing.assert_array_equal(repacked[fx["pname"]].asnumpy(), fx["repacked"])
    np.testing.assert_array_equal(repacked[fx["pname"]].asnumpy(), fx["flat"])
    assert repacked[fx["pname"]].dtype == np.float32


@pytest.mark.parametrize("name", sorted(L.UNFUSED_UNPACK))
def test_cell_unpack_pack_matches_mxnet(name):
    fx = load_fixture(FAM, f"unfused_{name}")
    builder, _ = L.UNFUSED_UNPACK[name]
    cell = builder(mx)
    args = {k[3:]: mx.nd.array(fx[k]) for k in fx if k.startswith("in_")}
    unpacked = cell.unpack_weights(args)
    assert sorted(unpacked) == fx["names"]
    for k, v in unpacked.items():
        np.testing.assert_array_equal(v.asnumpy(), fx[f"unpacked_{k}"], err_msg=k)
    repacked = cell.pack_weights(unpacked)
    assert sorted(repacked) == fx["repacked_names"]
    for k, v in repacked.items():
        np.testing.assert_array_equal(v.asnumpy(), fx[f"repacked_{k}"], err_msg=k)


def test_fused_size_errors():
    cell = mx.rnn.FusedRNNCell(3, num_layers=2, mode="lstm")
    with pytest.raises(
        AssertionError, match="Invalid parameters size for FusedRNNCell: 10"
    ):
        cell.unpack_weights({"lstm_parameters": mx.nd.zeros((10,))})
    with pytest.raises(KeyError, match="lstm_parameters"):
        cell.unpack_weights({"x": mx.nd.zeros((3,))})
    with pytest.raises(KeyError, match="lstm_l0_i2h_i_weight"):
        cell.pack_weights({})
    size = L.fused_size({"num_hidden": 3, "num_layers": 2, "mode": "lstm"}, 5)
    parts = cell.unpack_weights({"lstm_parameters": mx.nd.zeros((size,))})
    parts["lstm_l1_h2h_o_weight"] = mx.nd.zeros((3, 4))
    with pytest.raises(
        AssertionError,
        match=r"lstm_l1_h2h_o_weight has shape \(3, 4\); expected \(3, 3\)",
    ):
        cell.pack_weights(parts)


def test_cell_unpack_errors():
    cell = mx.rnn.LSTMCell(3, prefix="c_")
    with pytest.raises(KeyError, match="c_i2h_weight"):
        cell.unpack_weights({})
    bad = {
        "c_i2h_weight": mx.nd.zeros((6, 2)),
        "c_i2h_bias": mx.nd.zeros((12,)),
        "c_h2h_weight": mx.nd.zeros((12, 3)),
        "c_h2h_bias": mx.nd.zeros((12,)),
    }
    with pytest.raises(
        AssertionError, match=r"c_i2h_weight has shape \(6, 2\); expected 12 rows"
    ):
        cell.unpack_weights(bad)
    # cells without gates (dropout) pass the dict through
    assert mx.rnn.DropoutCell(0.1).unpack_weights({"a": 1}) == {"a": 1}


def test_modifier_and_bidirectional_delegate():
    base = mx.rnn.GRUCell(2, prefix="g_")
    args = {
        "g_i2h_weight": mx.nd.arange(12).reshape((6, 2)),
        "g_i2h_bias": mx.nd.arange(6),
        "g_h2h_weight": mx.nd.arange(12).reshape((6, 2)),
        "g_h2h_bias": mx.nd.arange(6),
    }
    res = mx.rnn.ResidualCell(base)
    un = res.unpack_weights(args)
    assert sorted(un) == sorted(
        f"g_{grp}{g}_{kind}"
        for grp in ("i2h", "h2h")
        for g in ("_r", "_z", "_o")
        for kind in ("weight", "bias")
    )
    np.testing.assert_array_equal(un["g_i2h_z_weight"].asnumpy(), [[4, 5], [6, 7]])
    back = res.pack_weights(un)
    np.testing.assert_array_equal(
        back["g_i2h_weight"].asnumpy(), args["g_i2h_weight"].asnumpy()
    )
