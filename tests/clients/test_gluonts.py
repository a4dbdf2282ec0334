"""gluonts (MXNet backend) on neogluon: DeepAR trains and predicts on a toy series."""

from __future__ import annotations

import numpy as np
import pytest

from ._util import import_client


def test_deepar_trains_and_predicts():
    np_major = int(np.__version__.split(".")[0])
    if np_major >= 2:
        # gluonts 0.14.4 itself uses numpy-1 names (np.Inf in
        # gluonts/mx/trainer/_base.py) and cannot import on numpy 2.
        pytest.skip("gluonts 0.14 needs numpy < 2")
    import_client("gluonts")
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
