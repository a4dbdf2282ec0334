"""Contrib operator behaviours pinned by MXNet 1.9.1's test_contrib_operator.py.

References from real MXNet (``tools/fixtures/ops_conformance.py``).
"""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from tests.conftest import load_fixture


@pytest.mark.parametrize("i", [0, 1, 2])
def test_multibox_prior_first_ratio_applies_to_every_size(i):
    fx = load_fixture("ops_conformance", "multibox_prior_ratio")
    y = mx.nd.contrib.MultiBoxPrior(
        mx.nd.array(fx["x"]),
        sizes=tuple(fx[f"sizes{i}"]),
        ratios=tuple(fx[f"ratios{i}"]),
    )
    np.testing.assert_allclose(y.asnumpy(), fx[f"out{i}"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("bid", [-1, 0, 1])
def test_box_nms_drops_class_equal_to_background_id(bid):
    fx = load_fixture("ops_conformance", "box_nms_background")
    out = mx.nd.contrib.box_nms(
        mx.nd.array(fx["boxes"]),
        overlap_thresh=0.5,
        id_index=0,
        background_id=bid,
        force_suppress=True,
    )
    np.testing.assert_allclose(out.asnumpy(), fx[f"out_bid{bid}"], rtol=1e-6)


def test_box_nms_without_class_ids_keeps_negative_ids():
    fx = load_fixture("ops_conformance", "box_nms_background")
    out = mx.nd.contrib.box_nms(mx.nd.array(fx["boxes"]), overlap_thresh=0.5)
    np.testing.assert_allclose(out.asnumpy(), fx["out_noid"], rtol=1e-6)
