"""Monitor on a Module: forward outputs, arguments and the backward nodes'
input gradients (``<node>_backward_output<k>``) vs MXNet 1.9.1
(fixture from tools/fixtures/monitor.py).

Tolerance: rtol 1e-5. MXNet never writes two of the reported buffers here
(the gradient of ``data``, bound with grad_req 'null' by Module, and of the
label): it reports whatever they hold; neogluon reports zeros for them.
"""

import pytest

import neogluon as mx
from tests.conftest import load_fixture
from tools.fixtures import monitor

UNWRITTEN = {"fc_0_backward_output0", "softmax_backward_output1"}


def test_monitor_reports_mxnet_names_and_values():
    want = load_fixture("monitor", "forward_backward")["rows"]
    got = monitor.run_case(mx)
    assert [name for _, name, _ in got] == [name for _, name, _ in want]
    assert len(got) == 21
    for (step, name, value), (wstep, _, wvalue) in zip(got, want, strict=True):
        assert step == wstep
        if name in UNWRITTEN:
            assert value == 0.0, name
        else:
            assert value == pytest.approx(wvalue, rel=1e-5), name
