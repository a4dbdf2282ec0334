"""Helpers for the client-library tests (they run where the clients are installed).

``make clients`` builds that environment. Elsewhere (CI's ``make test``) every
test here is skipped because the client package is not installed.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

import numpy as np
import pytest

import neogluon as mx
from neogluon import _mxnet_alias


def import_client(name: str):
    """Import client ``name`` with ``import mxnet`` served by neogluon, or skip.

    The alias stays installed for the rest of the session: client modules
    import ``mxnet`` lazily inside their functions.
    """
    top = name.split(".")[0]
    if importlib.util.find_spec(top) is None:
        pytest.skip(f"{top} is not installed (make clients)")
    real = sys.modules.get("mxnet")
    if real is not None and not _mxnet_alias._is_neogluon(real):
        pytest.skip("the real mxnet is imported in this process")
    _mxnet_alias.install()
    return importlib.import_module(name)


def det_values(name: str, shape, k: int) -> np.ndarray:
    """Same values as tools/fixtures/clients.py's ``det_values``."""
    v = 0.1 * np.sin(np.arange(int(np.prod(shape))) * 0.37 + k)
    if name.endswith(("running_var", "moving_var")):
        v = 1.0 + np.abs(v)
    return v.reshape(shape).astype("float32")


def det_params(net) -> None:
    """Set the k-th parameter (sorted structural names) as the fixture generator does."""
    items = sorted(net._collect_params_with_prefix().items())
    for k, (name, p) in enumerate(items):
        p.set_data(mx.nd.array(det_values(name, p.shape, k)))


def flat_outputs(out) -> list[np.ndarray]:
    if isinstance(out, (list, tuple)):
        flat: list[np.ndarray] = []
        for o in out:
            flat.extend(flat_outputs(o))
        return flat
    return [out.asnumpy() if hasattr(out, "asnumpy") else np.asarray(out)]
