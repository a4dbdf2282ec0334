"""The client libraries warn a lot on current Python/numpy (distutils versions,
deprecated aliases, their own notices); those warnings are theirs, not
neogluon's, so they do not fail these tests."""

from __future__ import annotations

from pathlib import Path

import pytest

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _HERE in Path(str(item.fspath)).parents:
            for category in ("DeprecationWarning", "UserWarning", "FutureWarning"):
                item.add_marker(pytest.mark.filterwarnings(f"ignore::{category}"))
