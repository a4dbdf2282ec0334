from __future__ import annotations

import pytest

from tests.ops.op_check import check_case
from tests.ops.op_check import load_cases


@pytest.mark.parametrize("path", ["nd", "sym"])
@pytest.mark.parametrize("case", load_cases("reduce"), ids=lambda c: c.name)
def test_matches_mxnet(case, path):
    check_case(case, path=path)
