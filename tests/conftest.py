"""Test configuration: seeds, TF32 off, markers, the MXNet fixture loader."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

FIXTURES = Path(__file__).parent / "fixtures" / "mxnet-1.9.1"

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False


def load_fixture(family: str, name: str) -> dict:
    """Load ``tests/fixtures/mxnet-1.9.1/<family>/<name>.npz``.

    JSON-encoded entries (attrs, metadata) come back as Python objects.
    """
    path = FIXTURES / family / f"{name}.npz"
    if not path.exists():
        raise FileNotFoundError(
            f"missing fixture {path}; regenerate with "
            f".venv-ref/bin/python tools/make_fixtures.py {family}"
        )
    out = {}
    with np.load(path, allow_pickle=False) as data:
        for k in data.files:
            v = data[k]
            if v.dtype.kind == "U" and v.ndim == 0:
                out[k] = json.loads(str(v))
            else:
                out[k] = v
    return out


def fixture_names(family: str) -> list[str]:
    d = FIXTURES / family
    return sorted(p.stem for p in d.glob("*.npz")) if d.exists() else []


@pytest.fixture(autouse=True)
def _seed():
    np.random.seed(0)
    torch.manual_seed(0)
    yield


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
