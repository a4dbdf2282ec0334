"""gluonts (MXNet backend) on neogluon: DeepAR trains and predicts on a toy series."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from tests.conftest import load_fixture

from ._util import det_params
from ._util import import_client


@pytest.fixture(scope="module")
def gluonts():
    if int(np.__version__.split(".")[0]) >= 2:
        # gluonts 0.14.4 itself uses numpy-1 names (np.Inf in
        # gluonts/mx/trainer/_base.py) and cannot import on numpy 2.
        pytest.skip("gluonts 0.14 needs numpy < 2")
    return import_client("gluonts")


@pytest.mark.parametrize("hybridize", [False, True])
def test_deepar_network_matches_mxnet(gluonts, hybridize):
    # Config and input order: tools/fixtures/clients_extra.py.
    from gluonts.mx.distribution import StudentTOutput
    from gluonts.mx.model.deepar._network import DeepARTrainingNetwork

    ref = load_fixture("clients_extra", "gluonts_deepar")
    net = DeepARTrainingNetwork(
        distr_output=StudentTOutput(),
        num_layers=2,
        num_cells=6,
        cell_type="lstm",
        history_length=12,
        context_length=8,
        prediction_length=4,
        dropout_rate=0.0,
        cardinality=[3],
        embedding_dimension=[2],
        lags_seq=[1, 2, 3],
        scaling=True,
    )
    net.initialize()
    names = (
        "feat_static_cat",
        "feat_static_real",
        "past_time_feat",
        "past_target",
        "past_observed_values",
        "past_is_pad",
        "future_time_feat",
        "future_target",
        "future_observed_values",
    )
    args = [mx.nd.array(ref[k]) for k in names]
    net(*args)
    items = sorted(net._collect_params_with_prefix().items())
    assert [k for k, _ in items] == ref["names"]
    det_params(net)
    if hybridize:
        net.hybridize()
    with mx.autograd.record():
        outs = net(*args)
        loss = outs[0].mean()
    loss.backward()
    for i, o in enumerate(outs):
        np.testing.assert_allclose(o.asnumpy(), ref[f"out{i}"], rtol=1e-4, atol=1e-5)
    for i, (name, p) in enumerate(items):
        np.testing.assert_allclose(
            p.grad().asnumpy(), ref[f"grad{i}"], rtol=1e-4, atol=1e-6, err_msg=name
        )


def test_deepar_trains_and_predicts(gluonts):
    import pandas as pd
    from gluonts.dataset.common import ListDataset
    from gluonts.mx import DeepAREstimator
    from gluonts.mx import Trainer

    ds = ListDataset(
        [{"start": pd.Timestamp("2020-01-01"), "target": np.sin(np.arange(200) / 5.0)}],
        freq="D",
    )
    est = DeepAREstimator(
        freq="D",
        prediction_length=5,
        trainer=Trainer(epochs=1, num_batches_per_epoch=3),
    )
    forecast = next(iter(est.train(ds).predict(ds)))
    assert forecast.mean.shape == (5,)
    assert np.isfinite(forecast.mean).all()
