"""Initializers draw straight into the array (``ops.random.fill_``): the same
numbers ``nd.random.uniform`` / ``nd.random.normal`` give for the same seed,
in every float dtype, with the operators' parameter checks."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon import nd
from neogluon.base import MXNetError


def _init(init, shape, dtype, name="fc_weight"):
    arr = nd.zeros(shape, dtype=dtype)
    mx.random.seed(7)
    init(mx.init.InitDesc(name), arr)
    return arr.asnumpy()


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("shape", [(3, 1), (64, 3, 3, 3), (257, 33)])
def test_uniform_and_normal_draw_the_operators_numbers(dtype, shape):
    got = _init(mx.init.Uniform(0.3), shape, dtype)
    mx.random.seed(7)
    want = nd.random.uniform(-0.3, 0.3, shape=shape, dtype=dtype).asnumpy()
    np.testing.assert_array_equal(got, want)
    got = _init(mx.init.Normal(0.2), shape, dtype)
    mx.random.seed(7)
    want = nd.random.normal(0.0, 0.2, shape=shape, dtype=dtype).asnumpy()
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("rnd_type", ["uniform", "gaussian"])
def test_xavier_draws_the_operators_numbers(rnd_type):
    init = mx.init.Xavier(rnd_type=rnd_type, magnitude=2.0)
    shape = (16, 8, 3, 3)
    scale = float(np.sqrt(2.0 / ((8 * 9 + 16 * 9) / 2.0)))
    got = _init(init, shape, "float32")
    mx.random.seed(7)
    if rnd_type == "uniform":
        want = nd.random.uniform(-scale, scale, shape=shape)
    else:
        want = nd.random.normal(0.0, scale, shape=shape)
    np.testing.assert_array_equal(got, want.asnumpy())


def test_parameter_initialization_is_reproducible_and_writes_the_array():
    def weights():
        mx.random.seed(11)
        net = mx.gluon.nn.Dense(5, in_units=4)
        net.initialize(mx.init.Xavier())
        return net.weight.data().asnumpy()

    a, b = weights(), weights()
    np.testing.assert_array_equal(a, b)
    assert np.all(a != 0)
    bound = np.sqrt(3.0 / 4.5)
    assert np.all(np.abs(a) < bound)


def test_bad_parameters_raise_the_operators_errors():
    with pytest.raises(MXNetError, match="low must be less or equal to high"):
        mx.init.Uniform(-0.1)(mx.init.InitDesc("fc_weight"), nd.zeros((2, 2)))
    with pytest.raises(MXNetError, match="scale of the normal distribution"):
        mx.init.Normal(0.0)(mx.init.InitDesc("fc_weight"), nd.zeros((2, 2)))
