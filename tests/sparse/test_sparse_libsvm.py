"""``mx.io.LibSVMIter`` against MXNet 1.9.1 (fixtures ``sparse_libsvm``):
CSR data batches, dense or CSR labels, round_batch padding across epochs,
directories, num_parts / part_index; and its errors for bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from tests.conftest import fixture_names
from tests.conftest import load_fixture

NAMES = fixture_names("sparse_libsvm")


def _write(tmp_path, files, kwargs):
    d = tmp_path / "data"
    d.mkdir()
    paths = []
    for i, text in enumerate(files):
        p = d / f"part{i}.t"
        p.write_text(text)
        paths.append(p)
    args = dict(kwargs)
    args["data_libsvm"] = str(paths[0] if len(paths) == 1 else d)
    if "label_text" in args:
        lp = tmp_path / "data_label.t"
        lp.write_text(args.pop("label_text"))
        args["label_libsvm"] = str(lp)
    return args


def test_fixtures_present():
    assert len(NAMES) == 8


@pytest.mark.parametrize("name", NAMES)
def test_batches_match_mxnet(name, tmp_path):
    f = load_fixture("sparse_libsvm", name)
    files, kwargs = json.loads(str(f["files"])), json.loads(str(f["kwargs"]))
    it = mx.io.LibSVMIter(**_write(tmp_path, files, kwargs))
    assert tuple(it.provide_data[0].shape) == tuple(f["provide_data"])
    assert tuple(it.provide_label[0].shape) == tuple(f["provide_label"])
    got = []
    for _ in range(int(f["epochs"])):
        got.extend(it)
        it.reset()
    expected = json.loads(str(f["batches"]))
    assert len(got) == len(expected)
    for b, e in zip(got, expected, strict=True):
        d = b.data[0]
        assert d.stype == "csr"
        np.testing.assert_allclose(d.asnumpy(), e["data"], rtol=1e-6)
        np.testing.assert_array_equal(d.indptr.asnumpy(), e["indptr"])
        np.testing.assert_array_equal(d.indices.asnumpy(), e["indices"])
        assert b.label[0].stype == e["label_stype"]
        np.testing.assert_allclose(b.label[0].asnumpy(), e["label"], rtol=1e-6)
        assert b.pad == e["pad"]


def _file(tmp_path, text):
    p = tmp_path / "d.t"
    p.write_text(text)
    return str(p)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("1 0:1 3:2\n", "feature index 3 is out of range"),
        ("1 2:1 1:2\n", "must be sorted"),
        ("1 1:1 1:2\n", "must be sorted"),
        ("x 1:1\n", "must start with a number"),
        ("1 a:b\n", "not an index:value pair"),
    ],
)
def test_bad_lines_name_file_and_line(tmp_path, text, match):
    path = _file(tmp_path, "0 0:1\n" + text)
    with pytest.raises(MXNetError, match=match) as err:
        mx.io.LibSVMIter(data_libsvm=path, data_shape=(3,), batch_size=1)
    assert "line 2" in str(err.value) and "d.t" in str(err.value)


def test_bad_arguments(tmp_path):
    path = _file(tmp_path, "0 0:1\n1 1:1\n")
    with pytest.raises(MXNetError, match="round_batch=False is not supported"):
        mx.io.LibSVMIter(data_libsvm=path, data_shape=(3,), batch_size=1,
                         round_batch=False)  # fmt: skip
    with pytest.raises(MXNetError, match="data_shape must be 1-D"):
        mx.io.LibSVMIter(data_libsvm=path, data_shape=(3, 1), batch_size=1)
    with pytest.raises(MXNetError, match="label_shape must be"):
        mx.io.LibSVMIter(data_libsvm=path, data_shape=(3,), batch_size=1,
                         label_shape=(2,))  # fmt: skip
    with pytest.raises(MXNetError, match="fewer than batch_size=5"):
        mx.io.LibSVMIter(data_libsvm=path, data_shape=(3,), batch_size=5)
    with pytest.raises(FileNotFoundError, match="no such file"):
        mx.io.LibSVMIter(data_libsvm=path + "x", data_shape=(3,), batch_size=1)
    lab = tmp_path / "l.t"
    lab.write_text("0 0:1\n")
    with pytest.raises(MXNetError, match="every example needs a label row"):
        mx.io.LibSVMIter(data_libsvm=path, data_shape=(3,), batch_size=1,
                         label_libsvm=str(lab), label_shape=(2,))  # fmt: skip
