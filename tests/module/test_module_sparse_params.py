"""Module with a parameter declared ``var(stype='row_sparse')`` (MXNet 1.9.1's
test_module_initializer): the bound parameter, its gradient and
``_arg_params`` keep the declared storage type, and training steps run."""

import numpy as np

import neogluon as mx


def test_row_sparse_parameter_is_initialized_sparse():
    x = mx.sym.var("data", stype="csr")
    v = mx.sym.var(
        "v", shape=(20, 1), init=mx.init.Uniform(scale=0.1), stype="row_sparse"
    )
    out = mx.sym.LinearRegressionOutput(
        data=mx.sym.dot(lhs=x, rhs=v), label=mx.sym.Variable("label"), name="out"
    )
    dense = np.zeros((8, 20), np.float32)
    dense[np.arange(8), np.arange(8) * 2] = 1.0
    it = mx.io.NDArrayIter(
        data=mx.nd.array(dense).tostype("csr"),
        label={"label": mx.nd.ones((8, 1))},
        batch_size=8,
        last_batch_handle="discard",
    )
    mod = mx.mod.Module(symbol=out, data_names=["data"], label_names=["label"])
    mod.bind(data_shapes=it.provide_data, label_shapes=it.provide_label)
    mod.init_params()
    w = mod._arg_params["v"]
    assert w.stype == "row_sparse"
    assert np.abs(w.asnumpy()).sum() != 0
    mod.init_optimizer(optimizer="sgd", optimizer_params={"learning_rate": 0.5})
    before = mod.get_params()[0]["v"].asnumpy().copy()
    mod.forward_backward(next(iter(it)))
    mod.update()
    after = mod.get_params()[0]["v"].asnumpy()
    # Only the rows the batch touches (even columns 0..14) move.
    touched = np.arange(8) * 2
    assert not np.allclose(after[touched], before[touched])
    untouched = np.setdiff1d(np.arange(20), touched)
    np.testing.assert_array_equal(after[untouched], before[untouched])
