"""What a d2l training loop under ``npx.set_np()`` runs (issue 8, point 7).

The np loop must cost what the nd loop costs: a Parameter's ``data()`` gives
one kept ``mx.np`` view (a new one once the value is rebound), views of
leaves are not registered as recorded arrays, block outputs that already are
np arrays are passed through, nd operators take np inputs on their one-frame
path, and ``np.array`` copies host data into torch's own (aligned) memory as
``nd.array`` does. Each keeps MXNet's behaviour: checked here.
"""

from __future__ import annotations

import copy
import pickle

import numpy as onp
import pytest
import torch

import neogluon as mx
from neogluon import autograd
from neogluon import gluon
from neogluon import nd
from neogluon import np
from neogluon import npx
from neogluon.ndarray import _core
from neogluon.ndarray import _frontend


@pytest.fixture
def np_mode():
    npx.set_np()
    try:
        yield
    finally:
        npx.reset_np()


def _dense(units=3, in_units=4):
    layer = gluon.nn.Dense(units, in_units=in_units)
    layer.initialize(mx.init.Constant(0.5))
    return layer


# ---------------------------------------------------------------- Parameter.data
def test_data_gives_one_kept_np_view(np_mode):
    p = _dense().weight
    v = p.data()
    assert type(v) is np.ndarray
    assert p.data() is v
    raw = p._raw_data()
    assert v._data is raw._data and v._ag is raw._ag
    # in place writes through the view reach the value, and the other way
    v[0, 0] = 7.0
    assert raw.asnumpy()[0, 0] == 7.0
    raw[:] = 2.0
    assert float(p.data()[1, 1]) == 2.0


def test_data_view_follows_set_data_cast_reset_ctx_and_reinit(np_mode):
    p = _dense().weight
    v = p.data()
    p.set_data(onp.full((3, 4), 3.0, onp.float32))
    assert float(p.data()[0, 0]) == 3.0
    p.cast("float64")
    w = p.data()
    assert w is not v and w.dtype == onp.float64 and float(w[0, 0]) == 3.0
    p.reset_ctx(mx.cpu(0))
    assert p.data()._data is p._raw_data()._data
    p.initialize(mx.init.Constant(-1.0), force_reinit=True)
    assert float(p.data()[2, 3]) == -1.0
    p.grad_req = "null"
    assert p.data()._data is p._raw_data()._data
    assert not p.data()._data.requires_grad


def test_data_view_follows_load_parameters(np_mode, tmp_path):
    layer = _dense()
    first = layer.weight.data()
    other = _dense()
    other.weight.set_data(onp.arange(12, dtype=onp.float32).reshape(3, 4))
    f = str(tmp_path / "w.params")
    other.save_parameters(f)
    layer.load_parameters(f)
    got = layer.weight.data()
    onp.testing.assert_array_equal(got.asnumpy(), onp.arange(12).reshape(3, 4))
    assert got._data is layer.weight._raw_data()._data
    del first


def test_data_view_follows_deferred_init(np_mode):
    layer = gluon.nn.Dense(2)
    layer.initialize(mx.init.Constant(1.0))
    with pytest.raises(mx.base.DeferredInitializationError):
        layer.weight.data()
    out = layer(np.ones((1, 5)))
    assert type(out) is np.ndarray
    w = layer.weight.data()
    assert w.shape == (2, 5) and w._data is layer.weight._raw_data()._data


def test_data_view_sees_gradients_of_the_loop(np_mode):
    layer = _dense()
    x = np.ones((2, 4))
    for _ in range(2):
        with autograd.record():
            y = layer(x).sum()
        y.backward()
        w = layer.weight.data()
        onp.testing.assert_array_equal(w.grad.asnumpy(), onp.full((3, 4), 2.0))
        assert w.grad._data is layer.weight.grad()._data


def test_data_under_nd_mode_stays_an_ndarray():
    layer = _dense()
    assert type(layer.weight.data()) is nd.NDArray
    npx.set_np()
    try:
        assert type(layer.weight.data()) is np.ndarray
    finally:
        npx.reset_np()
    assert type(layer.weight.data()) is nd.NDArray


def test_kept_view_is_not_pickled_or_copied(np_mode):
    p = _dense().weight
    p.data()
    assert "_np_data_view" in vars(p)
    for q in (pickle.loads(pickle.dumps(p)), copy.deepcopy(p)):
        assert "_np_data_view" not in vars(q)
        v = q.data()
        assert v._data is q._raw_data()._data
        onp.testing.assert_array_equal(v.asnumpy(), p.data().asnumpy())


# ---------------------------------------------------------------- registration
def _registered(arr) -> bool:
    return any(r() is arr for r in _core._recorded)


def test_views_of_leaves_are_not_registered_views_of_results_are():
    w = nd.ones((2, 2))
    w.attach_grad()
    v = w.as_np_ndarray()
    assert not _registered(v)
    with autograd.record():
        y = (v * 2).as_nd_ndarray()
        z = y.as_np_ndarray()
    assert _registered(y) and _registered(z)
    back = v.as_nd_ndarray()
    assert not _registered(back)


def test_backward_still_detaches_np_views_of_the_freed_graph():
    w = np.ones((2, 2))
    w.attach_grad()
    with autograd.record():
        h = w * 3
        loss = (h * h).sum()
    view = h.as_nd_ndarray().as_np_ndarray()
    loss.backward()
    assert not view._data.requires_grad and not h._data.requires_grad
    with autograd.record():
        again = (view * w).sum()
    again.backward()
    onp.testing.assert_array_equal(w.grad.asnumpy(), onp.full((2, 2), 3.0))


def test_a_kept_parameter_view_does_not_make_backward_walk_the_graph(
    np_mode, monkeypatch
):
    from neogluon import autograd as ag

    layer = _dense()
    layer.weight.data()  # kept by the Parameter
    walked = []
    real = ag._graph_nodes
    monkeypatch.setattr(ag, "_graph_nodes", lambda s: walked.append(1) or real(s))
    with autograd.record():
        loss = layer(np.ones((2, 4))).sum()
    loss.backward()
    assert walked == []


# ---------------------------------------------------------------- block outputs
class _Outputs(gluon.HybridBlock):
    def __init__(self, kind):
        super().__init__()
        self._kind = kind

    def hybrid_forward(self, F, x):
        a = nd.relu(x)  # an NDArray (nd operators give NDArrays)
        if self._kind == "one":
            return a
        if self._kind == "np":
            return a.as_np_ndarray()
        if self._kind == "tuple":
            return (a, a.as_np_ndarray())
        return [a, [a], 3]


@pytest.mark.parametrize("kind", ["one", "np", "tuple", "list"])
def test_block_outputs_are_np_arrays(np_mode, kind):
    x = np.array([[-1.0, 2.0]])
    out = _Outputs(kind)(x)

    def check(o):
        if isinstance(o, (list, tuple)):
            for e in o:
                check(e)
        elif isinstance(o, nd.NDArray):
            assert type(o) is np.ndarray
            onp.testing.assert_array_equal(o.asnumpy(), [[0.0, 2.0]])

    check(out)
    if kind == "tuple":
        assert type(out) is tuple
    if kind == "list":
        assert type(out) is list and out[2] == 3


def test_np_output_is_passed_through_not_rewrapped(np_mode):
    class Same(gluon.Block):
        def forward(self, x):
            return x

    x = np.ones((2,))
    assert Same()(x) is x


# ---------------------------------------------------------------- nd ops on np
def test_nd_operators_on_np_inputs_skip_the_view_path(monkeypatch):
    seen = []
    real = _frontend._only_np_arrays
    monkeypatch.setattr(
        _frontend, "_only_np_arrays", lambda args: seen.append(1) or real(args)
    )
    x = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]])
    w = np.ones((4, 3))
    b = nd.zeros((4,))
    w.attach_grad()
    with autograd.record():
        fc = nd.FullyConnected(x, w, b, num_hidden=4)  # three arrays, np and nd
        r = nd.relu(fc)
        d = nd.dot(x, w.T)  # two
        c = nd.concat(x, x, x, x, dim=0)  # variadic, four
        e = nd.broadcast_add(x, x)
        loss = nd.sum(fc) + nd.sum(d) + nd.sum(c) + nd.sum(e) + nd.sum(r)
    loss.backward()
    assert seen == []
    for a in (fc, r, d, c, e):
        assert type(a) is nd.NDArray
    xt = torch.tensor(x.asnumpy())
    onp.testing.assert_allclose(fc.asnumpy(), (xt @ torch.ones(3, 4)).numpy())
    onp.testing.assert_allclose(c.asnumpy(), torch.cat([xt] * 4).numpy())
    # d(sum fc)/dw + d(sum dot)/dw + relu part: rows of x summed, twice, + masked
    mask = (fc.asnumpy() > 0).astype(onp.float32)
    want = 2 * onp.tile(x.asnumpy().sum(0), (4, 1)) + mask.T @ x.asnumpy()
    onp.testing.assert_allclose(w.grad.asnumpy(), want, rtol=1e-6)


def test_nd_operators_on_np_inputs_of_mixed_dtypes_still_promote_or_refuse():
    a = np.array([1.0, 2.0])
    i = np.array([1, 2], dtype="int32")
    with pytest.raises(mx.base.MXNetError):
        nd.broadcast_add(a, i)
    got = nd.relu(i)
    assert type(got) is nd.NDArray and got.dtype == onp.int32


# ---------------------------------------------------------------- np.array
@pytest.mark.parametrize(
    "host",
    [
        onp.arange(12, dtype=onp.float32).reshape(3, 4),
        onp.arange(12, dtype=onp.float32).reshape(3, 4)[:, ::-1],
        onp.arange(6, dtype=">f4"),
        onp.arange(6, dtype=onp.int64),
        onp.array(5.0),
        onp.array([True, False]),
    ],
)
def test_np_array_copies_host_data_into_aligned_memory(host):
    a = np.array(host)
    assert a._data.data_ptr() % 64 == 0 or a.size == 0
    assert a.shape == host.shape
    assert a.dtype == host.dtype.newbyteorder("=")
    onp.testing.assert_array_equal(a.asnumpy(), host)
    if host.ndim:
        before = host.copy()
        host.flat[0] = 99  # a copy, not a view of the host array
        onp.testing.assert_array_equal(a.asnumpy(), before)


def test_np_array_of_a_read_only_host_array_and_a_dtype():
    host = onp.arange(4, dtype=onp.float64)
    host.flags.writeable = False
    a = np.array(host, dtype="float32")
    assert a.dtype == onp.float32
    onp.testing.assert_array_equal(a.asnumpy(), host)
    a[0] = 5
    assert host[0] == 0


# ---------------------------------------------------------------- accuracy bookkeeping
def test_accuracy_bookkeeping_of_a_recorded_output():
    # d2l: float((y_hat.argmax(axis=1).astype(y.dtype) == y).sum())
    w = np.array([[0.1, 2.0, -1.0], [3.0, 0.5, 0.2], [0.0, 0.1, 0.2]])
    w.attach_grad()
    y = np.array([1.0, 0.0, 1.0])
    with autograd.record():
        y_hat = w * 1.0
    am = y_hat.argmax(axis=1)
    assert am.dtype == onp.int64 and not am._data.requires_grad
    onp.testing.assert_array_equal(am.asnumpy(), [1, 0, 2])
    as_y = am.astype(y.dtype)
    assert type(as_y) is np.ndarray and as_y.dtype == onp.float32
    correct = (as_y == y).sum()
    assert correct.dtype == onp.int64 and correct.shape == ()
    assert float(correct) == 2.0 and type(float(correct)) is float


def test_argmax_argmin_axes_out_and_errors():
    a = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    assert int(a.argmax()) == 3 and int(np.argmin(a)) == 4
    onp.testing.assert_array_equal(a.argmax(axis=-1).asnumpy(), [1, 0])
    onp.testing.assert_array_equal(np.argmin(a, axis=0).asnumpy(), [0, 1, 0])
    out = np.zeros((3,), dtype="int64")
    assert np.argmax(a, axis=0, out=out) is out
    onp.testing.assert_array_equal(out.asnumpy(), [1, 0, 1])
    with pytest.raises(mx.base.MXNetError):
        np.zeros((0, 2)).argmax(axis=0)
    with pytest.raises(mx.base.MXNetError):
        a.argmax(axis=2)


def test_astype_copies_keeps_or_records():
    a = np.array([1.5, -2.0])
    b = a.astype("int32")
    assert b.dtype == onp.int32 and b.asnumpy().tolist() == [1, -2]
    c = a.astype("float32")
    assert c is not a and c._data.data_ptr() != a._data.data_ptr()
    assert a.astype("float32", copy=False) is a
    assert a.astype(None).dtype == onp.float32
    w = np.array([1.0, 2.0])
    w.attach_grad()
    with autograd.record():
        d = w.astype("float64")
        loss = (d * d).sum()
    loss.backward()
    assert d.dtype == onp.float64
    onp.testing.assert_array_equal(w.grad.asnumpy(), [2.0, 4.0])


@pytest.mark.parametrize("to", [float, int])
def test_float_and_int_of_an_array_not_of_size_one_raise_mxnets_type_error(to):
    for bad in (np.ones((2,)), np.ones((0,)), np.ones((1, 2))):
        with pytest.raises(TypeError, match="only size-1 arrays"):
            to(bad)
    assert to(np.array([[2.0]])) == 2
    assert to(np.array(True)) == 1


def test_np_array_converts_dtypes_as_numpy_does():
    # MXNet converts host data with numpy: float64 -> float16 rounds once
    # (torch's conversion rounds some values twice).
    rng = onp.random.default_rng(0)
    host = rng.uniform(size=(20000,))
    want = host.astype(onp.float16)
    onp.testing.assert_array_equal(np.array(host, dtype="float16").asnumpy(), want)
    onp.testing.assert_array_equal(
        np.array(host[:500].tolist(), dtype="float16").asnumpy(), want[:500]
    )
    got = np.array(onp.array([1.7, -2.7, 3.2]), dtype="int32")
    assert got.dtype == onp.int32 and got.asnumpy().tolist() == [1, -2, 3]
    assert np.array([[1, 2]]).dtype == onp.float32  # lists: the default float
    assert np.array(onp.arange(3)).dtype == onp.int64  # numpy arrays keep theirs
