"""DataLoader and default batchify against MXNet 1.9.1; worker behaviour."""

from __future__ import annotations

import gc
import inspect
import multiprocessing
import os
import time

import numpy as np
import pytest
import torch

import neogluon as mx
from neogluon.base import MXNetError
from neogluon.gluon import data
from neogluon.gluon.data.dataloader import DataLoaderTimeoutError
from neogluon.gluon.data.dataloader import default_batchify_fn
from tests.conftest import FIXTURES
from tests.conftest import load_fixture


def _np(batch):
    if isinstance(batch, list):
        return [_np(b) for b in batch]
    return (batch.asnumpy(), np.dtype(batch.dtype).name)


def _same(a, b):
    if isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
        return
    assert a[1] == b[1]
    np.testing.assert_array_equal(a[0], b[0])


def _check_batch(ref, name, x, spec, path):
    if isinstance(spec, list):
        assert isinstance(x, list) and len(x) == len(spec), (name, path)
        for i, (xi, si) in enumerate(zip(x, spec, strict=True)):
            _check_batch(ref, name, xi, si, f"{path}_{i}")
        return
    assert isinstance(x, mx.nd.NDArray), (name, path)
    assert np.dtype(x.dtype).name == spec["dtype"], (name, path)
    assert list(x.shape) == spec["shape"], (name, path)
    np.testing.assert_array_equal(x.asnumpy(), ref[f"a_{name}{path}"])


# ---------------------------------------------------------------- batchify
def test_default_batchify_matches_mxnet():
    ref = load_fixture("data", "batchify")
    nd = mx.nd
    cases = {
        "py_int": [1, 2, 3],
        "py_float": [1.5, 2.0],
        "py_bool": [True, False],
        "np_f32_scalar": [np.float32(1.5), np.float32(2)],
        "np_i32_scalar": [np.int32(4), np.int32(-1)],
        "np_u8_arr": [np.arange(4, dtype=np.uint8), np.arange(4, 8, dtype=np.uint8)],
        "np_f64_arr": [np.ones((2, 2)), np.zeros((2, 2))],
        "nd_f32": [nd.array([1, 2]), nd.array([3, 4])],
        "nd_i64": [nd.array([1, 2], dtype="int64"), nd.array([3, 4], dtype="int64")],
        "nd_f16": [
            nd.array([1, 2], dtype="float16"),
            nd.array([3, 4], dtype="float16"),
        ],
        "tuple": [(np.ones(2, np.float32), 1), (np.zeros(2, np.float32), 2)],
        "nested": [
            ((nd.array([1]), 1.0), np.int32(5)),
            ((nd.array([2]), 2.0), np.int32(6)),
        ],
        "lists": [[1, 2], [3, 4]],
    }
    assert set(cases) == set(ref["structure"])
    for name, samples in cases.items():
        got = default_batchify_fn(samples)

        _check_batch(ref, name, got, ref["structure"][name], "")


# ---------------------------------------------------------------- semantics
@pytest.fixture(scope="module")
def loader_ref():
    return load_fixture("data", "dataloader")


@pytest.mark.parametrize("mode", ["keep", "discard", "rollover"])
def test_last_batch_epochs_match_mxnet(loader_ref, mode):
    x, y = loader_ref["x"], loader_ref["y"]
    loader = data.DataLoader(data.ArrayDataset(x, y), batch_size=3, last_batch=mode)
    for e, epoch in enumerate(loader_ref["epochs"][mode]):
        assert len(loader) == epoch["len"]
        batches = list(loader)
        assert len(batches) == len(epoch["batches"])
        for j, ((bx, by), spec) in enumerate(
            zip(batches, epoch["batches"], strict=True)
        ):
            assert [
                np.dtype(bx.dtype).name,
                np.dtype(by.dtype).name,
                list(bx.shape),
            ] == spec
            np.testing.assert_array_equal(bx.asnumpy(), loader_ref[f"{mode}_{e}_{j}_x"])
            np.testing.assert_array_equal(by.asnumpy(), loader_ref[f"{mode}_{e}_{j}_y"])


def test_signature_matches_mxnet(loader_ref):
    params = list(inspect.signature(data.DataLoader.__init__).parameters.values())[1:]
    positional = [p for p in params if p.kind is not p.KEYWORD_ONLY]
    got = [
        [p.name, repr(p.default) if p.default is not p.empty else "<required>"]
        for p in positional
    ]
    assert got == loader_ref["signature"]
    # MXNet 2.x's try_nopython is accepted as an extra keyword-only argument
    assert [p.name for p in params if p.kind is p.KEYWORD_ONLY] == ["try_nopython"]


def test_argument_errors_match_mxnet(loader_ref):
    x, y = loader_ref["x"], loader_ref["y"]
    ds = data.ArrayDataset(x, y)
    bs = data.BatchSampler(data.SequentialSampler(7), 2)
    kwargs = {
        "no_batch_size": {},
        "shuffle_and_sampler": {
            "batch_size": 2,
            "shuffle": True,
            "sampler": data.SequentialSampler(7),
        },
        "batch_sampler_and_batch_size": {"batch_sampler": bs, "batch_size": 2},
        "batch_sampler_and_last_batch": {"batch_sampler": bs, "last_batch": "keep"},
        "timeout_zero": {"batch_size": 2, "timeout": 0},
    }
    for name, kw in kwargs.items():
        kind, message = loader_ref["errors"][name]
        # MXNet asserts on timeout; we raise ValueError with the same text.
        exc = (
            ValueError
            if kind == "AssertionError"
            else getattr(__builtins__, kind, None) or ValueError
        )
        with pytest.raises(exc) as info:
            data.DataLoader(ds, **kw)
        assert str(info.value) == message, name


def test_batch_sampler_and_shuffle():
    ds = data.ArrayDataset(np.arange(10))
    bs = data.BatchSampler(data.SequentialSampler(10, start=0), 4, "discard")
    loader = data.DataLoader(ds, batch_sampler=bs, try_nopython=True)
    assert len(loader) == 2
    assert [b.asnumpy().tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    np.random.seed(1)
    got = np.concatenate([b.asnumpy() for b in data.DataLoader(ds, 3, shuffle=True)])
    assert sorted(got.tolist()) == list(range(10)) and got.tolist() != list(range(10))


def test_refresh_and_auto_reload():
    reads = []

    class Counting(data.Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            reads.append(i)
            return np.float32(i)

    loader = data.DataLoader(Counting(), batch_size=2)
    assert reads == []  # nothing is read before iteration
    it = iter(loader)
    assert reads == []
    next(it)
    assert reads == [0, 1]
    assert [b.asnumpy().tolist() for b in loader] == [[0, 1], [2, 3]]
    reads.clear()
    auto = data.DataLoader(Counting(), batch_size=2, auto_reload=True)
    assert [b.asnumpy().tolist() for b in auto] == [[0, 1], [2, 3]]
    assert [b.asnumpy().tolist() for b in auto] == [[0, 1], [2, 3]]


def test_custom_batchify_and_pin_memory_noop_on_cpu():
    ds = data.ArrayDataset(np.arange(6, dtype=np.float32), np.arange(6))
    loader = data.DataLoader(
        ds, batch_size=4, batchify_fn=lambda s: len(s), pin_memory=True, num_workers=-3
    )
    assert list(loader) == [4, 2]
    pinned = list(data.DataLoader(ds, batch_size=4, pin_memory=True))
    np.testing.assert_array_equal(pinned[0][0].asnumpy(), [0, 1, 2, 3])


@pytest.mark.gpu
def test_pin_memory_pins_on_cuda():
    ds = data.ArrayDataset(np.arange(6, dtype=np.float32))
    for workers in (0, 2):
        loader = data.DataLoader(ds, batch_size=3, pin_memory=True, num_workers=workers)
        for b in loader:
            assert b.to_torch().is_pinned()


# ---------------------------------------------------------------- workers
class _Squares(data.Dataset):
    """Samples of mixed kinds: NDArray, numpy array, python float, int label."""

    def __len__(self):
        return 11

    def __getitem__(self, i):
        return (mx.nd.array([i, i * i]), np.full((2,), i, np.float64), float(i) / 2, i)


@pytest.mark.parametrize("thread_pool", [False, True])
@pytest.mark.parametrize("last_batch", ["keep", "rollover"])
def test_workers_equal_single_process(thread_pool, last_batch):
    ds = _Squares().transform_first(lambda x: x * 2)  # a lambda: workers fork
    kw = {"batch_size": 3, "last_batch": last_batch, "shuffle": True}
    np.random.seed(5)
    single = data.DataLoader(ds, **kw)
    ref = [(len(single), [_np(b) for b in single]) for _ in range(2)]
    np.random.seed(5)
    multi = data.DataLoader(
        ds, num_workers=2, thread_pool=thread_pool, prefetch=3, **kw
    )
    got = [(len(multi), [_np(b) for b in multi]) for _ in range(2)]
    assert [n for n, _ in got] == [n for n, _ in ref]  # rollover state evolves alike
    got, ref = [b for _, b in got], [b for _, b in ref]
    _same(got, ref)


def test_workers_prefetch_zero_and_recordio():
    ds = data.RecordFileDataset(str(FIXTURES / "data" / "indexed.rec"))
    ref = [ds[i] for i in range(len(ds))]
    loader = data.DataLoader(
        ds, batch_size=4, batchify_fn=list, num_workers=2, prefetch=0
    )
    assert [r for batch in loader for r in batch] == ref


class _Raising(data.Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 4:
            raise KeyError(f"no sample number {i} in the custom dataset")
        return np.float32(i)


@pytest.mark.parametrize("thread_pool", [False, True])
def test_worker_exception_is_the_original(thread_pool):
    loader = data.DataLoader(
        _Raising(), batch_size=2, num_workers=2, thread_pool=thread_pool
    )
    with pytest.raises(KeyError) as info:
        list(loader)
    assert info.value.args == ("no sample number 4 in the custom dataset",)
    if not thread_pool:
        # the worker's traceback text is attached to the re-raised exception
        cause = str(info.value.__cause__)
        assert "DataLoader worker" in cause and "indices [4, 5]" in cause
        assert "in __getitem__" in cause and "raise KeyError" in cause
    # the loader stays usable after an error (fresh workers each epoch)
    with pytest.raises(KeyError):
        list(loader)


class _Sleepy(data.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i >= 2:
            time.sleep(30)
        return np.float32(i)


@pytest.mark.parametrize("thread_pool", [False, True])
def test_worker_timeout_is_a_clear_error(thread_pool):
    loader = data.DataLoader(
        _Sleepy(), batch_size=2, num_workers=1, timeout=1, thread_pool=thread_pool
    )
    start = time.monotonic()
    got = []
    with pytest.raises(
        DataLoaderTimeoutError, match="timed out after 1 seconds"
    ) as info:
        for batch in loader:
            got.append(batch.asnumpy().tolist())
    assert got in ([], [[0, 1]])  # the sleeping batch never arrives
    assert isinstance(info.value, MXNetError)
    assert isinstance(info.value, multiprocessing.TimeoutError)  # MXNet's type
    assert time.monotonic() - start < 8  # a 30 s hang, reported after ~1 s


class _Dying(data.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            os._exit(3)
        return np.float32(i)


def test_worker_death_is_a_clear_error():
    loader = data.DataLoader(_Dying(), batch_size=1, num_workers=1, timeout=60)
    start = time.monotonic()
    with pytest.raises(MXNetError, match="worker process died"):
        list(loader)
    assert time.monotonic() - start < 15


def _shm_entries():
    # Only torch's own segments: /dev/shm is machine-wide, and other programs'
    # files there must not make this test flaky.
    try:
        return sum(1 for n in os.listdir("/dev/shm") if n.startswith("torch_"))
    except FileNotFoundError:
        return 0


def _open_fds():
    return len(os.listdir(f"/proc/{os.getpid()}/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_no_shared_memory_leak_over_epochs():
    assert torch.multiprocessing.get_sharing_strategy() == "file_descriptor"
    ds = data.ArrayDataset(np.random.rand(16, 8).astype(np.float32), np.arange(16))
    loader = data.DataLoader(ds, batch_size=4, num_workers=2)
    list(loader)  # warm-up
    shm0, fds0 = _shm_entries(), _open_fds()
    total = 0.0
    for _ in range(15):
        for x, _y in loader:
            total += float(x.sum().asscalar())
    assert total > 0
    # Worker teardown is asynchronous: give the last epoch's pipes a moment to
    # close (a leak would persist; 15 epochs of leaks would be far above this).
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        gc.collect()
        if _shm_entries() <= shm0 and _open_fds() <= fds0 + 2:
            break
        time.sleep(0.05)
    assert _shm_entries() <= shm0, (_shm_entries(), shm0)
    assert _open_fds() <= fds0 + 2, (
        _open_fds(),
        fds0,
        os.listdir(f"/proc/{os.getpid()}/fd"),
    )
