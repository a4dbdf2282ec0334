"""Executor.set_monitor_callback reports MXNet's names: with ``monitor_all``
each variable input under its own name before the operator's input name.
References from real MXNet (``tools/fixtures/ops_conformance_b.py``,
``monitor_names``).
"""

from __future__ import annotations

import pytest

import neogluon as mx
from neogluon.base import py_str
from tests.conftest import load_fixture

FX = load_fixture("ops_conformance_b", "monitor_names")
EXPRS = FX["exprs"]
NAMES = FX["names"]
#: MXNet also reports outputs an operator keeps hidden (LRN's tmp_norm,
#: Dropout's mask);
#: neogluon does not compute them (documented on set_monitor_callback).
HIDDEN = {"lrn_tmp_norm", "dp_mask"}


@pytest.mark.parametrize("monitor_all", [False, True])
@pytest.mark.parametrize("name", sorted(EXPRS))
def test_monitor_names_match_mxnet(name, monitor_all):
    sym = eval(EXPRS[name], {"S": mx.sym})  # noqa: S307 - the fixture's expressions
    if "length" in sym.list_arguments():
        exe = sym.simple_bind(
            mx.cpu(), grad_req="null", type_dict={"data": "float32", "length": "int32"}
        )
    else:
        exe = sym.simple_bind(mx.cpu(), grad_req="null")
    seen = []
    exe.set_monitor_callback(lambda n, _a: seen.append(py_str(n)), monitor_all)
    exe.forward()
    want = [n for n in NAMES[f"{name}_{int(monitor_all)}"] if n not in HIDDEN]
    assert seen == want


def test_monitor_values_of_variables():
    x = mx.sym.Variable("x")
    sym = mx.sym.FullyConnected(x, num_hidden=2, name="fc")
    exe = sym.simple_bind(mx.cpu(), x=(2, 3))
    exe.arg_dict["x"][:] = 1.5
    got = {}
    exe.set_monitor_callback(
        lambda n, h: got.setdefault(py_str(n), mx.nd.NDArray(h).asnumpy()), True
    )
    exe.forward()
    assert (got["x"] == 1.5).all() and (got["fc_data"] == 1.5).all()


def test_monitor_carries_over_to_reshaped_executor():
    sym = mx.sym.Convolution(
        mx.sym.Variable("data"), kernel=(1, 1), num_filter=1, name="conv"
    )
    exe = sym.simple_bind(mx.cpu(), grad_req="null", data=(1, 3, 10, 10))
    seen = []
    exe.set_monitor_callback(lambda n, _a: seen.append(py_str(n)), True)
    new = exe.reshape(allow_up_sizing=True, data=(1, 3, 10, 14))
    new.forward()
    assert seen == [n for n in NAMES["conv_1"] if n not in HIDDEN]
    assert new.outputs[0].shape == (1, 1, 10, 14)
