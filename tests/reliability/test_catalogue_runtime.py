"""Bad-input catalogue, part 3: DataLoader workers, blocks and parameters,
Trainer, file-system faults of the writers (issue 10).

DataLoader: an exception raised while loading a batch keeps its type and
names the indices of the samples of that batch (process workers: in the
worker traceback attached as ``__cause__``; worker threads and
``num_workers=0``: in a note on the exception, Python >= 3.11); a worker
that dies or hangs surfaces as an ``MXNetError`` instead of a hang.
MXNet 1.9.1 names no index and waits forever for a killed worker.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import time

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from neogluon.gluon import data
from neogluon.gluon.data.dataloader import DataLoaderTimeoutError

# ------------------------------------------------------------------ DataLoader


class _Raising(data.Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 4:
            raise KeyError(f"no sample number {i}")
        return np.float32(i)


def _notes(exc) -> str:
    return " ".join(getattr(exc, "__notes__", []))


@pytest.mark.parametrize(
    "kwargs,where",
    [
        ({"num_workers": 0}, "in the DataLoader (num_workers=0)"),
        ({"num_workers": 2, "thread_pool": True}, "in a DataLoader worker thread"),
        ({"num_workers": 2}, "in DataLoader worker (pid"),
    ],
    ids=["main process", "threads", "processes"],
)
def test_loader_exception_names_the_sample_indices(kwargs, where):
    loader = data.DataLoader(_Raising(), batch_size=2, **kwargs)
    with pytest.raises(KeyError) as info:
        list(loader)
    assert info.value.args == ("no sample number 4",)
    text = _notes(info.value) + str(info.value.__cause__)
    if sys.version_info >= (3, 11) or kwargs.get("num_workers") == 2:
        assert where in text and "samples at indices [4, 5]" in text


def test_loader_batchify_error_names_the_indices():
    def batchify(samples):
        raise ValueError(f"cannot batch {len(samples)} samples")

    loader = data.DataLoader(
        _Raising(), batch_size=3, num_workers=1, batchify_fn=batchify
    )
    with pytest.raises(ValueError, match="cannot batch 3 samples") as info:
        list(loader)
    assert "samples at indices [0, 1, 2]" in str(info.value.__cause__)


class _Unpicklable(Exception):
    def __init__(self, msg, fn):
        super().__init__(msg)
        self.fn = fn


class _RaisingUnpicklable(data.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 3:
            raise _Unpicklable("bad sample", lambda: 1)
        return np.float32(i)


def test_loader_unpicklable_worker_exception_becomes_mxneterror():
    loader = data.DataLoader(_RaisingUnpicklable(), batch_size=2, num_workers=1)
    with pytest.raises(MXNetError, match="_Unpicklable: bad sample") as info:
        list(loader)
    assert "samples at indices [2, 3]" in str(info.value)


class _Killed(data.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        return np.float32(i)


def test_loader_worker_killed_by_signal_surfaces():
    loader = data.DataLoader(_Killed(), batch_size=1, num_workers=1, timeout=60)
    start = time.monotonic()
    with pytest.raises(MXNetError, match="worker process died while loading a batch"):
        list(loader)
    assert time.monotonic() - start < 20


class _Hung(data.Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        time.sleep(30)
        return np.float32(i)


@pytest.mark.parametrize("thread_pool", [False, True], ids=["processes", "threads"])
def test_loader_hung_worker_times_out(thread_pool):
    loader = data.DataLoader(
        _Hung(), batch_size=1, num_workers=1, timeout=1, thread_pool=thread_pool
    )
    start = time.monotonic()
    with pytest.raises(DataLoaderTimeoutError, match="timed out after 1 seconds"):
        next(iter(loader))
    assert time.monotonic() - start < 10


@pytest.mark.parametrize(
    "kwargs,exc,match",
    [
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"batch_size": 2, "last_batch": "sometimes"}, ValueError, "last_batch"),
        (
            {
                "batch_size": 2,
                "batch_sampler": data.BatchSampler(data.SequentialSampler(6), 2),
            },
            ValueError,
            "batch_size, shuffle, sampler and last_batch",
        ),
        ({}, ValueError, "batch_size"),
    ],
    ids=[
        "batch_size 0",
        "last_batch",
        "batch_sampler with batch_size",
        "no batch size",
    ],
)
def test_loader_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        list(data.DataLoader(_Raising(), **kwargs))


# ------------------------------------------------------------- blocks, Trainer


def _dense():
    net = mx.gluon.nn.Dense(3, in_units=4)
    net.initialize(mx.init.One())
    return net


def test_block_input_of_wrong_width():
    with pytest.raises(MXNetError, match=r"expects 4 input features .* \(2, 5\)"):
        _dense()(mx.nd.ones((2, 5)))


def test_parameter_data_before_initialize():
    net = mx.gluon.nn.Dense(3, in_units=4)
    with pytest.raises(RuntimeError, match="has not been initialized"):
        net.weight.data()


def test_parameter_set_data_of_wrong_shape():
    net = _dense()
    with pytest.raises(AssertionError, match="shape"):
        net.weight.set_data(mx.nd.ones((2, 2)))
    np.testing.assert_array_equal(net.weight.data().asnumpy(), np.ones((3, 4)))


def test_load_parameters_missing_and_extra_names(tmp_path):
    path = str(tmp_path / "w.params")
    mx.nd.save(path, {"weight": mx.nd.ones((3, 4))})
    with pytest.raises(AssertionError, match="bias.*is missing"):
        _dense().load_parameters(path)
    mx.nd.save(
        path,
        {"weight": mx.nd.ones((3, 4)), "bias": mx.nd.ones((3,)), "x": mx.nd.ones(1)},
    )
    with pytest.raises(AssertionError, match="'x'"):
        _dense().load_parameters(path)
    net = _dense()
    net.load_parameters(path, ignore_extra=True)
    np.testing.assert_array_equal(net.bias.data().asnumpy(), [1, 1, 1])


def test_trainer_step_without_gradients_from_backward():
    net = _dense()
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    net(mx.nd.ones((1, 4)))  # no record/backward: the gradients are stale
    with pytest.raises(UserWarning, match="stale"):
        trainer.step(1)


def test_trainer_unknown_optimizer():
    with pytest.raises(ValueError, match="Cannot find optimizer nosuchopt"):
        mx.gluon.Trainer(_dense().collect_params(), "nosuchopt")


def test_trainer_load_states_missing_file(tmp_path):
    trainer = mx.gluon.Trainer(_dense().collect_params(), "sgd")
    with pytest.raises(FileNotFoundError):
        trainer.load_states(str(tmp_path / "none.states"))


# ------------------------------------------------------------ file-system faults


def _inject(monkeypatch, fault: str, err: int) -> None:
    """Make the atomic writer's ``fault`` step fail with ``err``."""

    def boom(*args, **kwargs):
        raise OSError(err, os.strerror(err))

    if fault == "create":
        real_open = os.open

        def ro_open(path, flags, *args, **kwargs):
            if flags & os.O_CREAT:
                boom()
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", ro_open)
    else:
        monkeypatch.setattr(os, fault, boom)


def _writers(tmp_path):
    net = _dense()
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"momentum": 0.9})
    sym = mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=3, name="fc")
    return {
        "nd.save": (tmp_path / "a.params", lambda p: mx.nd.save(p, [mx.nd.ones(2)])),
        "save_parameters": (tmp_path / "b.params", net.save_parameters),
        "Trainer.save_states": (tmp_path / "c.states", trainer.save_states),
        "Symbol.save": (tmp_path / "d-symbol.json", sym.save),
    }


FAULTS = {
    "disk full": ("fsync", errno.ENOSPC, "flushing to disk"),
    "read-only": ("create", errno.EROFS, "creating a file in its directory"),
    "I/O error on rename": ("replace", errno.EIO, "renaming over the target"),
}


@pytest.mark.parametrize(
    "writer", ["nd.save", "save_parameters", "Trainer.save_states", "Symbol.save"]
)
@pytest.mark.parametrize("fault", list(FAULTS))
def test_writer_fault_keeps_previous_file(tmp_path, monkeypatch, writer, fault):
    step_fn, err, step = FAULTS[fault]
    path, write = _writers(tmp_path)[writer]
    path.write_bytes(b"previous contents")
    _inject(monkeypatch, step_fn, err)
    with pytest.raises(OSError) as info:
        write(str(path))
    monkeypatch.undo()
    assert info.value.errno == err
    assert info.value.filename == str(path)
    assert step in str(info.value) and ".tmp" not in str(info.value)
    assert path.read_bytes() == b"previous contents"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
