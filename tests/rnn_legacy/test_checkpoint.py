"""mx.model.save_checkpoint / load_checkpoint and mx.rnn's checkpoint
helpers vs MXNet 1.9.1: the files neogluon writes are byte-identical to the
files MXNet wrote (fixtures from tools/fixtures/legacy_rnn.py), and MXNet's
files load back."""

from __future__ import annotations

import numpy as np

import neogluon as mx
from tests.conftest import FIXTURES
from tools.fixtures import legacy_rnn as L

DIR = FIXTURES / "legacy_rnn"


def _same_bytes(a, b) -> None:
    assert a.read_bytes() == b.read_bytes(), f"{a.name} differs from MXNet's"


def test_save_checkpoint_byte_identical(tmp_path):
    arg, aux = L.checkpoint_params(mx)
    mx.model.save_checkpoint(
        str(tmp_path / "ckpt_plain"), 3, L.checkpoint_symbol(mx), arg, aux
    )
    _same_bytes(tmp_path / "ckpt_plain-symbol.json", DIR / "ckpt_plain-symbol.json")
    _same_bytes(tmp_path / "ckpt_plain-0003.params", DIR / "ckpt_plain-0003.params")
    mx.model.save_checkpoint(str(tmp_path / "ckpt_nosym"), 12, None, arg, {})
    assert not (tmp_path / "ckpt_nosym-symbol.json").exists()
    _same_bytes(tmp_path / "ckpt_nosym-0012.params", DIR / "ckpt_nosym-0012.params")


def test_load_checkpoint_reads_mxnet_files():
    sym, arg, aux = mx.model.load_checkpoint(str(DIR / "ckpt_plain"), 3)
    ref_arg, ref_aux = L.checkpoint_params(mx)
    assert sym.list_arguments() == L.checkpoint_symbol(mx).list_arguments()
    assert sym.tojson() == L.checkpoint_symbol(mx).tojson()
    assert sorted(arg) == sorted(ref_arg) and sorted(aux) == sorted(ref_aux)
    for k in ref_arg:
        np.testing.assert_array_equal(arg[k].asnumpy(), ref_arg[k].asnumpy())
    for k in ref_aux:
        np.testing.assert_array_equal(aux[k].asnumpy(), ref_aux[k].asnumpy())
    arg2, aux2 = mx.model.load_params(str(DIR / "ckpt_nosym"), 12)
    assert sorted(arg2) == sorted(ref_arg) and aux2 == {}


def test_load_params_empty_and_unnamed(tmp_path, caplog):
    mx.nd.save(str(tmp_path / "e-0000.params"), {})
    assert mx.model.load_params(str(tmp_path / "e"), 0) == ({}, {})
    assert "is empty" in caplog.text
    mx.nd.save(str(tmp_path / "u-0001.params"), [mx.nd.ones((2,))])
    try:
        mx.model.load_params(str(tmp_path / "u"), 1)
    except ValueError as err:
        assert "unnamed list of 1 arrays" in str(err)
    else:
        raise AssertionError("an unnamed params file must be refused")


def test_rnn_checkpoint_byte_identical_and_round_trip(tmp_path):
    cell, sym, arg = L.rnn_checkpoint_model(mx)
    mx.rnn.save_rnn_checkpoint(cell, str(tmp_path / "ckpt_rnn"), 1, sym, arg, {})
    _same_bytes(tmp_path / "ckpt_rnn-symbol.json", DIR / "ckpt_rnn-symbol.json")
    _same_bytes(tmp_path / "ckpt_rnn-0001.params", DIR / "ckpt_rnn-0001.params")
    # the saved file holds the unpacked weights
    saved = mx.nd.load(str(tmp_path / "ckpt_rnn-0001.params"))
    assert "arg:ck_l1_h2h_o_weight" in saved and "arg:ck_parameters" not in saved
    # MXNet's file loads back packed
    sym2, arg2, aux2 = mx.rnn.load_rnn_checkpoint([cell], str(DIR / "ckpt_rnn"), 1)
    assert sorted(arg2) == ["ck_parameters"] and aux2 == {}
    np.testing.assert_array_equal(
        arg2["ck_parameters"].asnumpy(), arg["ck_parameters"].asnumpy()
    )
    assert sym2.list_arguments() == sym.list_arguments()


def test_do_rnn_checkpoint_period(tmp_path):
    cell, sym, arg = L.rnn_checkpoint_model(mx)
    cb = mx.rnn.do_rnn_checkpoint([cell], str(tmp_path / "ckpt_cb"), period=2)
    for it in range(4):
        cb(it, sym, arg, {})
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == [
        "ckpt_cb-0002.params",
        "ckpt_cb-0004.params",
        "ckpt_cb-symbol.json",
    ]
    for name in written:
        _same_bytes(tmp_path / name, DIR / name)
