from __future__ import annotations

import pytest

from tests.ops.op_check import check_case
from tests.ops.op_check import load_cases


@pytest.mark.parametrize("case", load_cases("shape"), ids=lambda c: c.name)
def test_matches_mxnet(case):
    check_case(case)
