"""Which Trainer owns a Parameter (MXNet 1.9.1's ``Parameter._set_trainer`` rule).

A sparse-storage parameter (``stype`` row_sparse/csr) belongs to one Trainer: a
second Trainer taking it raises RuntimeError, until ``_set_trainer(None)``
releases it. Dense parameters (and those with only a sparse ``grad_stype``)
go to the last Trainer given them. Checked against real MXNet 1.9.1 by hand
(no numbers involved, so no fixture).
"""

from __future__ import annotations

import pytest

from neogluon import gluon


def _param(name, shape=(10,), **kw):
    p = gluon.Parameter(name, shape=shape, **kw)
    p.initialize()
    return p


def test_sparse_parameter_has_one_trainer():
    x = _param("x", stype="row_sparse")
    trainer0 = gluon.Trainer([x], "sgd")
    assert x._trainer is trainer0
    x._set_trainer(None)
    assert x._trainer is None
    x._set_trainer(trainer0)
    with pytest.raises(RuntimeError, match="'x'.*already set.*row_sparse"):
        gluon.Trainer([x], "sgd")
    assert x._trainer is trainer0
    # Setting the same trainer again is allowed.
    x._set_trainer(trainer0)
    with pytest.raises(RuntimeError, match="More than one Trainer"):
        x._set_trainer(gluon.Trainer([_param("other")], "sgd"))


def test_released_sparse_parameter_can_move():
    x = _param("x", shape=(10, 2), stype="csr")  # csr storage is 2-D
    gluon.Trainer([x], "sgd")
    x._set_trainer(None)
    trainer1 = gluon.Trainer([x], "sgd")
    assert x._trainer is trainer1


@pytest.mark.parametrize("kw", [{}, {"grad_stype": "row_sparse"}])
def test_dense_parameter_goes_to_last_trainer(kw):
    x = _param("x", **kw)
    gluon.Trainer([x], "sgd")
    trainer1 = gluon.Trainer([x], "sgd")
    assert x._trainer is trainer1
