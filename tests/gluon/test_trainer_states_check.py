"""Trainer.load_states refuses states that do not fit the parameters.

States are stored by parameter index; a Trainer given a dict orders its
parameters by sorted name (as MXNet 1.9.1), so a net whose automatic names sort
in another order ('dense9_' / 'dense10_') would take another layer's states.
"""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from neogluon.gluon import Parameter
from neogluon.gluon import Trainer


def _params(shapes, tag):
    ps = []
    for i, shape in enumerate(shapes):
        p = Parameter(f"{tag}{i}_weight", shape=shape)
        p.initialize(mx.init.One())
        ps.append(p)
    return ps


def _step(trainer, params):
    with mx.autograd.record():
        loss = sum((p.data() * p.data()).sum() for p in params)
    loss.backward()
    trainer.step(1)


def test_states_for_other_shapes_are_refused_before_any_change(tmp_path):
    a = _params([(5, 4), (3, 5)], "a")
    ta = Trainer(a, "sgd", {"learning_rate": 0.1, "momentum": 0.9})
    _step(ta, a)
    fname = str(tmp_path / "a.states")
    ta.save_states(fname)

    b = _params([(3, 5), (5, 4)], "b")  # the same layers, the other order
    tb = Trainer(b, "sgd", {"learning_rate": 0.1, "momentum": 0.9})
    _step(tb, b)
    before = [s.asnumpy().copy() for _, s in sorted(tb._updaters[0].states.items())]
    with pytest.raises(
        MXNetError, match=r"parameter #0 has shape \(5, 4\).*'b0_weight'"
    ):
        tb.load_states(fname)
    after = [s.asnumpy() for _, s in sorted(tb._updaters[0].states.items())]
    for x, y in zip(before, after, strict=True):
        np.testing.assert_array_equal(x, y)

    c = _params([(5, 4), (3, 5)], "c")  # same order: loads
    tc = Trainer(c, "sgd", {"learning_rate": 0.1, "momentum": 0.9})
    tc.load_states(fname)
    for i in range(2):
        np.testing.assert_array_equal(
            tc._updaters[0].states[i].asnumpy(), ta._updaters[0].states[i].asnumpy()
        )
