"""Trainer's kvstore rules for sparse gradients and sparse weights (MXNet 1.9.1
``Trainer._init_kvstore`` / ``_allreduce_grads``, test_gluon_trainer.py
``test_trainer_sparse_kv``).

Dense weights with row_sparse gradients update locally by default
(``update_on_kvstore`` False on a non-distributed store); the gradients of all
contexts are summed through the store also when ``update_on_kvstore=False``
(they used to be pulled with ``ignore_sparse`` and stay per-context).
Row_sparse weights refuse ``update_on_kvstore=False``.
"""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon import gluon

CTX = [mx.cpu(0), mx.cpu(1)]


def _step(kv, update_on_kv, grad_stype="row_sparse"):
    params = gluon.ParameterDict()
    x = params.get("x", shape=(10, 1), grad_stype=grad_stype)
    params.initialize(ctx=CTX, init="zeros")
    trainer = gluon.Trainer(
        params,
        "sgd",
        {"learning_rate": 0.1},
        kvstore=kv,
        update_on_kvstore=update_on_kv,
    )
    with mx.autograd.record():
        for w in x.list_data():
            (w + 1).backward()
    trainer.step(1)
    return trainer, x


@pytest.mark.parametrize("kv", ["local", "device"])
@pytest.mark.parametrize(
    ("update_on_kv", "expected"), [(None, False), (True, True), (False, False)]
)
def test_sparse_grads_sum_over_contexts(kv, update_on_kv, expected):
    trainer, x = _step(kv, update_on_kv)
    assert trainer._kvstore.type == kv
    assert trainer._update_on_kvstore is expected
    for ctx in CTX:
        # two contexts, gradient 1 each, lr 0.1
        np.testing.assert_allclose(x.data(ctx).asnumpy(), np.full((10, 1), -0.2))


def test_dense_grads_keep_the_default_update_on_kvstore():
    trainer, x = _step("local", None, grad_stype="default")
    assert trainer._update_on_kvstore is True
    np.testing.assert_allclose(x.data(CTX[0]).asnumpy(), np.full((10, 1), -0.2))


def test_sparse_weight_refuses_update_on_kvstore_false():
    params = gluon.ParameterDict()
    params.get("w", shape=(10, 1), stype="row_sparse", grad_stype="row_sparse")
    params.initialize(ctx=CTX, init="zeros")
    trainer = gluon.Trainer(
        params, "sgd", {"learning_rate": 0.1}, kvstore="local", update_on_kvstore=False
    )
    with pytest.raises(ValueError, match="update_on_kvstore=False.*sparse weights"):
        trainer._init_kvstore()
