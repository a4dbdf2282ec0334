"""Samplers against MXNet 1.9.1 (BatchSampler modes over several epochs, ...)."""

from __future__ import annotations

import numpy as np
import pytest

from neogluon.gluon import data
from tests.conftest import load_fixture


@pytest.fixture(scope="module")
def ref():
    return load_fixture("data", "samplers")


@pytest.mark.parametrize("length,bs", [(10, 3), (9, 3), (2, 5), (0, 3)])
@pytest.mark.parametrize("mode", ["keep", "discard", "rollover"])
def test_batch_sampler_epochs(ref, length, bs, mode):
    bsamp = data.BatchSampler(data.SequentialSampler(length), bs, mode)
    got = []
    for _ in range(4):
        n = len(bsamp)
        got.append({"len": n, "batches": [list(map(int, b)) for b in bsamp]})
    assert got == ref[f"{length}_{bs}_{mode}"]


def test_batch_sampler_rollover_len_counts_carry():
    bsamp = data.BatchSampler(data.SequentialSampler(5), 3, "rollover")
    assert len(bsamp) == 1
    assert list(bsamp) == [[0, 1, 2]]
    assert len(bsamp) == 2  # 2 carried + 5 new
    assert list(bsamp) == [[3, 4, 0], [1, 2, 3]]


def test_batch_sampler_bad_args():
    with pytest.raises(ValueError, match="last_batch must be one of"):
        data.BatchSampler(data.SequentialSampler(3), 2, "pad")
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        data.BatchSampler(data.SequentialSampler(3), 0)


def test_sequential_start(ref):
    assert list(data.SequentialSampler(5, start=3)) == ref["sequential_start"]
    assert len(data.SequentialSampler(5, start=3)) == 5


def test_interval_sampler(ref):
    for key, expected in ref["interval"].items():
        length, iv, roll = key.split("_")
        s = data.IntervalSampler(int(length), int(iv), rollover=roll == "True")
        got = list(s)
        assert got == expected, key
        assert len(s) == len(got)  # MXNet reports `length` for rollover=False
    with pytest.raises(ValueError, match="smaller than or equal to length"):
        data.IntervalSampler(3, 4)


def test_random_sampler_is_a_numpy_permutation():
    s = data.RandomSampler(50)
    assert len(s) == 50
    np.random.seed(3)
    a = [int(i) for i in s]
    np.random.seed(3)
    b = [int(i) for i in s]
    assert a == b  # seeded by numpy, as in MXNet
    assert sorted(a) == list(range(50)) and a != list(range(50))
    assert [int(i) for i in s] != a


def test_filter_sampler():
    s = data.FilterSampler(lambda x: x % 2 == 0, [1, 2, 3, 4, 6])
    assert list(s) == [1, 3, 4] and len(s) == 3


def test_sampler_base_requires_override():
    with pytest.raises(NotImplementedError, match="__iter__"):
        iter(data.Sampler())
