"""Datasets: transform/filter/shard/take/sample and ArrayDataset (vs MXNet)."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon.gluon import data
from tests.conftest import load_fixture


@pytest.fixture(scope="module")
def ref():
    return load_fixture("data", "samplers")


def _ints(ds):
    return [int(ds[i]) for i in range(len(ds))]


def test_shard_take_filter(ref):
    ds = data.ArrayDataset(list(range(10)))
    for key, expected in ref["shard"].items():
        n, i = map(int, key.split("_"))
        assert _ints(ds.shard(n, i)) == expected, key
    for count, expected in ref["take"].items():
        assert _ints(ds.take(int(count))) == expected
    assert _ints(ds.take(None)) == list(range(10))
    assert _ints(ds.filter(lambda x: x % 3 == 1)) == ref["filter"]
    with pytest.raises(ValueError, match="shard index out of bound: 3 out of 3"):
        ds.shard(3, 3)
    with pytest.raises(ValueError, match="greater than 0"):
        ds.shard(0, 0)


def test_transforms(ref):
    pairs = data.ArrayDataset(list(range(5)), [10 * i for i in range(5)])
    lazy = pairs.transform(lambda a, b: (b, a))
    assert isinstance(lazy, data.Dataset) and not isinstance(lazy, data.SimpleDataset)
    assert [list(map(int, lazy[i])) for i in range(5)] == ref["transform"]
    first = pairs.transform_first(lambda a: a + 100)
    assert [list(map(int, first[i])) for i in range(5)] == ref["transform_first"]
    calls = []

    def fn(a, b):
        calls.append(a)
        return (a * b, 1)

    eager = pairs.transform(fn, lazy=False)
    assert isinstance(eager, data.SimpleDataset) and len(calls) == 5
    assert [list(map(int, eager[i])) for i in range(5)] == ref["transform_eager"]
    eager[0]
    assert len(calls) == 5  # materialized: fn is not called again
    single = data.SimpleDataset([1, 2, 3]).transform_first(lambda x: -x)
    assert [single[i] for i in range(3)] == [-1, -2, -3]


def test_sample():
    ds = data.SimpleDataset(list("abcdef"))
    s = ds.sample(data.SequentialSampler(3, start=2))
    assert [s[i] for i in range(len(s))] == ["c", "d", "e"]
    with pytest.raises(TypeError, match="Expected gluon.data.Sampler"):
        ds.sample([0, 1])


def test_array_dataset_forms():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    y1 = mx.nd.array([0, 1, 2, 3])
    y2 = mx.nd.ones((4, 2))
    ds = data.ArrayDataset(x, y1, y2)
    a, b, c = ds[2]
    np.testing.assert_array_equal(a, x[2])
    # 1-D NDArrays become numpy: the sample is a numpy scalar, not an NDArray
    assert isinstance(b, np.float32) and b == 2
    assert isinstance(c, mx.nd.NDArray) and c.shape == (2,)
    single = data.ArrayDataset([5, 6, 7])
    assert single[1] == 6 and len(single) == 3  # one array: not a tuple
    with pytest.raises(ValueError, match="array 0 has length 4 while array 1 has 3"):
        data.ArrayDataset(x, [1, 2, 3])
    with pytest.raises(ValueError, match="at least 1"):
        data.ArrayDataset()


def test_dataset_base_requires_override():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        data.Dataset()[0]


def test_vision_is_optional_attribute():
    # gluon.data.vision is another package; gluon.data works without it.
    try:
        v = data.vision
    except AttributeError as err:
        assert "vision" in str(err)
    else:
        assert v.__name__ == "neogluon.gluon.data.vision"
