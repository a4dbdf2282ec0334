"""Trainer ``.states`` files: restricted unpickling, MXNet 1.9.1 files, atomic saves.

MXNet 1.9.1 unpickles ``.states`` files with ``pickle.loads``, so a file from
elsewhere can run any code on load. neogluon admits only what MXNet's and its
own ``.states`` files hold (arrays, optimizers, schedulers, plain containers)
and refuses anything else with an ``MXNetError`` naming the global.
"""

from __future__ import annotations

import errno
import os
import pickle
import pickletools
import sys
import types

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from tests.conftest import FIXTURES
from tests.conftest import load_fixture

CASES = ("sgd_momentum", "adam", "sgd_mp", "sgd_factor_sched", "nag", "rmsprop")


def _trainer(opt="sgd", params=None, dtype="float32"):
    net = mx.gluon.nn.Dense(3, in_units=4)
    net.initialize(mx.init.Zero())
    net.cast(dtype)
    trainer = mx.gluon.Trainer(
        net.collect_params(), opt, params or {"learning_rate": 0.1, "momentum": 0.9}
    )
    return net, trainer


def _step(net, trainer, dtype="float32"):
    with mx.autograd.record():
        loss = net(mx.nd.ones((2, 4), dtype=dtype)).sum()
    loss.backward()
    trainer.step(2)


def _flat(state, prefix, out):
    if state is None:
        return
    if isinstance(state, (tuple, list)):
        for k, s in enumerate(state):
            _flat(s, f"{prefix}_{k}", out)
        return
    out[prefix] = state.asnumpy()


@pytest.mark.parametrize("case", CASES)
def test_mxnet_states_files_load(case):
    fx = load_fixture("trainer_states", case)
    opt = fx["optimizer"]
    dtype = "float16" if case == "sgd_mp" else "float32"
    params = {"learning_rate": 0.5}
    if case == "sgd_mp":
        params["multi_precision"] = True
    net, trainer = _trainer(opt, params, dtype)
    trainer.load_states(str(FIXTURES / "trainer_states" / f"{case}.states"))
    assert type(trainer._optimizer).__name__.lower() == opt
    assert trainer._optimizer.num_update == fx["num_update"]
    assert trainer.learning_rate == pytest.approx(fx["learning_rate"])
    got = {}
    for idx, state in trainer._updaters[0].states.items():
        _flat(state, f"state_{idx}", got)
    want = {k: v for k, v in fx.items() if k.startswith("state_")}
    assert sorted(got) == sorted(want)
    for k, v in want.items():
        np.testing.assert_array_equal(got[k], v)
    # Training goes on from the restored states.
    _step(net, trainer, dtype)
    assert trainer._optimizer.num_update == fx["num_update"] + 1


def test_roundtrip_own_states(tmp_path):
    net, trainer = _trainer("adam", {"learning_rate": 0.01})
    _step(net, trainer)
    path = tmp_path / "t.states"
    trainer.save_states(str(path))
    net2, trainer2 = _trainer("adam", {"learning_rate": 0.5})
    trainer2.load_states(str(path))
    assert trainer2.learning_rate == pytest.approx(0.01)
    m1, v1 = trainer._updaters[0].states[0]
    m2, v2 = trainer2._updaters[0].states[0]
    np.testing.assert_array_equal(m1.asnumpy(), m2.asnumpy())
    np.testing.assert_array_equal(v1.asnumpy(), v2.asnumpy())


class _Reduce:
    """Pickles as ``fn(*args)``: what a hostile file asks the unpickler to call."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


def _Boom():  # noqa: N802 - reads as the object it makes
    return _Reduce(os.system, "echo pwned > /dev/null")


def _global(module: str, name: str) -> bytes:
    """A protocol-4 pickle that only looks up ``module.name``."""

    def text(v: str) -> bytes:
        raw = v.encode()
        return b"\x8c" + bytes([len(raw)]) + raw

    return b"\x80\x04" + text(module) + text(name) + b"\x93."


def _evil_pickles():
    """Pickles a hostile .states file could hold (none may run anything)."""
    import subprocess

    opt = mx.optimizer.SGD(learning_rate=0.1)
    yield "os.system", pickle.dumps(_Boom())
    yield "nested os.system", pickle.dumps(({0: _Boom()}, opt))
    yield "class outside the set", pickle.dumps(types.SimpleNamespace)
    yield "builtins.eval", pickle.dumps(_Reduce(eval, "1+1"))
    yield "builtins.getattr", pickle.dumps(_Reduce(getattr, mx.nd.ones((1,)), "save"))
    yield "subprocess.Popen", pickle.dumps(_Reduce(subprocess.Popen, ["true"]))
    yield "numpy.load", pickle.dumps(_Reduce(np.load, "x.npy"))
    yield "module attr of allowed module", _global("neogluon.optimizer.optimizer", "os")
    yield "dotted name", _global("neogluon.optimizer.optimizer", "pickle.loads")
    yield "mxnet non-class", _global("mxnet.optimizer.optimizer", "create")
    yield "missing mxnet module", _global("mxnet.gluon.nn", "Dense")
    yield "torch.load", _global("torch", "load")


@pytest.mark.parametrize(
    "name,blob", list(_evil_pickles()), ids=[n for n, _ in _evil_pickles()]
)
def test_hostile_globals_are_refused(tmp_path, name, blob):
    path = tmp_path / "evil.states"
    path.write_bytes(blob)
    net, trainer = _trainer()
    _step(net, trainer)
    before = trainer._updaters[0].states[0].asnumpy().copy()
    with pytest.raises(MXNetError, match="refusing to load the pickled global"):
        trainer.load_states(str(path))
    # Nothing changed.
    np.testing.assert_array_equal(trainer._updaters[0].states[0].asnumpy(), before)


def test_refusal_names_the_file_and_global(tmp_path):
    path = tmp_path / "evil.states"
    path.write_bytes(pickle.dumps(_Boom()))
    net, trainer = _trainer()
    with pytest.raises(MXNetError) as info:
        trainer.load_states(str(path))
    msg = str(info.value)
    assert str(path) in msg
    assert "posix.system" in msg or "os.system" in msg


def test_hostile_code_does_not_run(tmp_path):
    marker = tmp_path / "ran"
    blob = pickle.dumps(_Touch(str(marker)))
    path = tmp_path / "evil.states"
    path.write_bytes(blob)
    net, trainer = _trainer()
    with pytest.raises(MXNetError):
        trainer.load_states(str(path))
    assert not marker.exists()


def _Touch(path):  # noqa: N802
    return _Reduce(open, path, "w")


@pytest.mark.parametrize(
    "blob,fragment",
    [
        (b"", "empty"),
        (b"\x80\x04\x95", "not a valid pickled .states file"),
        (b"not a pickle at all", "not a valid pickled .states file"),
        (pickle.dumps([1, 2, 3]), "expected a dict from parameter index"),
        (pickle.dumps(({0: None}, 5)), "expected (states, optimizer)"),
        (pickle.dumps({0: "text"}), "the state of parameter 0 is a str"),
        (pickle.dumps({0: 1.5}), "the state of parameter 0 is a float"),
        (pickle.dumps({(1, 2): None}), "parameter index (1, 2) is a tuple"),
        (pickle.dumps({True: None}), "parameter index True is a bool"),
        (pickle.dumps({0: [[[[[None]]]]]}), "the state of parameter 0 is a list"),
    ],
    ids=[
        "empty",
        "truncated",
        "garbage",
        "list",
        "tuple-no-optimizer",
        "str-state",
        "float-state",
        "tuple-key",
        "bool-key",
        "too-deep",
    ],
)
def test_damaged_or_wrong_structure(tmp_path, blob, fragment):
    path = tmp_path / "bad.states"
    path.write_bytes(blob)
    net, trainer = _trainer()
    with pytest.raises(MXNetError) as info:
        trainer.load_states(str(path))
    assert fragment in str(info.value)
    assert str(path) in str(info.value)


def test_truncated_mxnet_file_at_every_length(tmp_path):
    data = (FIXTURES / "trainer_states" / "adam.states").read_bytes()
    net, trainer = _trainer("adam", {"learning_rate": 0.1})
    path = tmp_path / "cut.states"
    for n in range(0, len(data), 7):
        path.write_bytes(data[:n])
        with pytest.raises(MXNetError, match="Trainer.load_states"):
            trainer.load_states(str(path))


def test_mxnet_file_uses_only_allowed_globals():
    # What the allow-list is built from: the globals of MXNet's own files.
    names = set()
    for case in CASES:
        data = (FIXTURES / "trainer_states" / f"{case}.states").read_bytes()
        strings = [
            arg
            for op, arg, _ in pickletools.genops(data)
            if op.name in ("SHORT_BINUNICODE", "BINUNICODE") and "mxnet" in str(arg)
        ]
        names.update(strings)
    assert names == {
        "mxnet.ndarray.ndarray",
        "mxnet.optimizer.optimizer",
        "mxnet.lr_scheduler",
    }


def test_custom_optimizer_from_imported_module_loads(tmp_path):
    mod = types.ModuleType("reliab_custom_opt")

    @mx.optimizer.register
    class ReliabSGD(mx.optimizer.SGD):
        pass

    ReliabSGD.__module__ = mod.__name__
    ReliabSGD.__qualname__ = "ReliabSGD"
    mod.ReliabSGD = ReliabSGD
    sys.modules[mod.__name__] = mod
    try:
        net = mx.gluon.nn.Dense(3, in_units=4)
        net.initialize()
        trainer = mx.gluon.Trainer(
            net.collect_params(), ReliabSGD(learning_rate=0.3, momentum=0.5)
        )
        _step(net, trainer)
        path = tmp_path / "c.states"
        trainer.save_states(str(path))
        trainer.load_states(str(path))
        assert type(trainer._optimizer) is ReliabSGD
        # The same file is refused when the module is not imported: nothing is
        # imported on the file's behalf.
        del sys.modules[mod.__name__]
        with pytest.raises(MXNetError, match="reliab_custom_opt.ReliabSGD"):
            trainer.load_states(str(path))
    finally:
        sys.modules.pop(mod.__name__, None)
        mx.optimizer.Optimizer.opt_registry.pop("reliabsgd", None)


def test_updater_set_states_is_restricted_too():
    upd = mx.optimizer.get_updater(mx.optimizer.SGD())
    with pytest.raises(MXNetError, match="refusing"):
        upd.set_states(pickle.dumps(_Boom()))


def test_kvstore_load_optimizer_states_is_restricted(tmp_path):
    kv = mx.kv.create("local")
    kv.set_optimizer(mx.optimizer.SGD())
    path = tmp_path / "kv.states"
    path.write_bytes(pickle.dumps(_Boom()))
    with pytest.raises(MXNetError, match="refusing"):
        kv.load_optimizer_states(str(path))


# --------------------------------------------------------------- atomic saves
def test_save_states_disk_full_keeps_previous_file(tmp_path, monkeypatch):
    net, trainer = _trainer()
    _step(net, trainer)
    path = tmp_path / "t.states"
    trainer.save_states(str(path))
    before = path.read_bytes()
    _step(net, trainer)

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError) as info:
        trainer.save_states(str(path))
    assert info.value.errno == errno.ENOSPC
    assert str(path) in str(info.value)
    assert ".tmp" not in str(info.value)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.states"]
    trainer.load_states(str(path))


def test_save_states_write_error_mid_file(tmp_path, monkeypatch):
    net, trainer = _trainer("adam", {"learning_rate": 0.1})
    _step(net, trainer)
    path = tmp_path / "t.states"
    trainer.save_states(str(path))
    before = path.read_bytes()
    import neogluon._atomic as atomic

    real = atomic.atomic_open

    class _Short:
        def __init__(self, f):
            self.f = f

        def write(self, data):
            self.f.write(data[:16])
            raise OSError(errno.ENOSPC, "No space left on device")

    import contextlib

    @contextlib.contextmanager
    def short_open(fname, mode="wb", encoding=None):
        with real(fname, mode, encoding) as f:
            yield _Short(f)

    monkeypatch.setattr(atomic, "atomic_open", short_open)
    with pytest.raises(OSError, match="No space left"):
        trainer.save_states(str(path))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["t.states"]


# ----------------------------------------------------- calls of admitted globals
# Admitting a global is not enough: each of these pickles uses only admitted
# globals (bytearray, numpy, NDArray) but asks for a call or a state that no
# .states file makes. Found by tests/reliability/test_fuzz.py (bytearray of
# a huge int) or by reading the unpickler with the fuzzer's mutations in mind.


class _Raw:
    """Pickles as the raw ``__reduce__`` tuple it is given."""

    def __init__(self, *reduce):
        self.reduce = reduce

    def __reduce__(self):
        return self.reduce


def _reconstruct():
    return np.zeros(0).__reduce__()[0]


def _hostile_calls():
    yield "bytearray of a huge size", _Reduce(bytearray, 2**40), "bytearray"
    yield "numpy.ndarray(shape)", _Reduce(np.ndarray, (10**6, 10**6)), "ndarray"
    # {0: numpy.ndarray.__new__(numpy.ndarray, (10**6, 10**6))} by NEWOBJ.
    newobj = (
        b"\x80\x04}K\x00"
        + _global("numpy", "ndarray")[2:-1]
        + b"J\x40\x42\x0f\x00J\x40\x42\x0f\x00\x86\x85\x81s."
    )
    yield "ndarray through NEWOBJ", newobj, "refusing to create a ndarray"
    yield (
        "_reconstruct of a huge shape",
        _Raw(_reconstruct(), (np.ndarray, (10**9,), b"b")),
        "more than the whole file",
    )
    # Set from a 2-item list, numpy 2 crashes (SIGSEGV) on this state.
    yield (
        "object array state",
        _Raw(
            _reconstruct(),
            (np.ndarray, (0,), b"b"),
            (1, (10**7,), np.dtype("O"), False, [1, 2]),
        ),
        "refusing to set the state of a ndarray",
    )
    yield (
        "array state longer than its bytes",
        _Raw(
            _reconstruct(),
            (np.ndarray, (0,), b"b"),
            (1, (10**6,), np.dtype("f4"), False, b"\0" * 8),
        ),
        "needs 4000000 bytes, more than the whole file",
    )
    yield (
        "dtype with altered flags",
        _Raw(np.dtype, ("V8", False, True), (3, "|", None, None, None, 8, 1, 0x1F)),
        "refusing to set the state of a VoidDType",
    )
    yield "NDArray from an int handle", _Reduce(mx.nd.NDArray, 12345), "NDArray"
    yield (
        "NDArray state with other keys",
        _Raw(mx.nd.NDArray, (None,), {"handle": None, "_data": 1}),
        "refusing to set the state of a NDArray",
    )
    yield "set of an int", _Reduce(set, 10**9), "refusing the call set"


@pytest.mark.parametrize(
    "name,obj,match", list(_hostile_calls()), ids=[n for n, _, _ in _hostile_calls()]
)
def test_hostile_calls_of_admitted_globals_are_refused(name, obj, match):
    from neogluon._states_pickle import loads_states

    blob = obj if isinstance(obj, bytes) else pickle.dumps({0: obj})
    with pytest.raises(MXNetError, match=match):
        loads_states(blob)


def test_shared_containers_are_checked_once():
    # 1000 x 1000 x 1000 references to one list, in a 10 KB pickle: checking
    # each reference would take hours.
    import time

    from neogluon._states_pickle import loads_states

    inner = [None]
    level = [[inner] * 1000]
    level = [level[0]] * 1000
    blob = pickle.dumps({0: [level] * 1000})
    assert len(blob) < 20_000
    start = time.perf_counter()
    out = loads_states(blob)
    assert time.perf_counter() - start < 5
    assert out[0][999][999][999] == [None]


def test_numpy_scalars_and_arrays_in_an_optimizer_still_load():
    # An optimizer built with numpy values pickles numpy scalars, dtypes and
    # arrays: admitted, with their real states.
    from neogluon._states_pickle import loads_states

    opt = mx.optimizer.SGD(learning_rate=np.float32(0.5))
    opt.extra = np.arange(6, dtype=np.int64).reshape(2, 3)
    states, back = loads_states(pickle.dumps(({0: mx.nd.ones((2,))}, opt)))
    assert back.lr == np.float32(0.5) and type(back.lr) is np.float32
    np.testing.assert_array_equal(back.extra, np.arange(6).reshape(2, 3))
    np.testing.assert_array_equal(states[0].asnumpy(), [1.0, 1.0])


# --------------------------------------------------- the optimizer in the file


def _damaged_optimizers():
    for name in ("lr", "wd", "aggregate_num", "lr_scheduler", "momentum"):
        opt = mx.optimizer.SGD(learning_rate=0.5, momentum=0.9)
        del opt.__dict__[name]
        yield f"no {name}", opt, f"lacks the attributes {name}"
    for name, value, want in (
        ("lr", "fast", "expected a number or None"),
        ("wd", None, "expected a number"),
        ("aggregate_num", 1.5, "expected an int"),
        ("idx2name", [1], "expected a dict"),
        ("lr_scheduler", frozenset(), "expected an LRScheduler or None"),
    ):
        opt = mx.optimizer.SGD(learning_rate=0.5)
        setattr(opt, name, value)
        yield f"{name} of a wrong type", opt, f"{name} is .*{want}"


@pytest.mark.parametrize(
    "name,opt,match",
    list(_damaged_optimizers()),
    ids=[n for n, _, _ in _damaged_optimizers()],
)
def test_damaged_optimizer_is_refused_before_the_trainer_changes(
    tmp_path, name, opt, match
):
    # Such a file used to replace the Trainer's optimizer and then fail with a
    # bare AttributeError/TypeError in load_states or at the next step.
    net, trainer = _trainer()
    _step(net, trainer)
    path = tmp_path / "x.states"
    path.write_bytes(
        pickle.dumps(({0: mx.nd.zeros((3, 4)), 1: mx.nd.zeros((3,))}, opt))
    )
    before = trainer._updaters[0].states[0].asnumpy().copy()
    with pytest.raises(MXNetError, match=match):
        trainer.load_states(str(path))
    assert trainer.learning_rate == 0.1 and trainer._optimizer.momentum == 0.9
    np.testing.assert_array_equal(trainer._updaters[0].states[0].asnumpy(), before)
    _step(net, trainer)  # still trains
