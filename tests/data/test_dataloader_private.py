"""MXNet 1.9.1's semi-private DataLoader names that client libraries import.

GluonCV subclasses ``_MultiWorkerIter`` (RandomTransformDataLoader), GluonNLP
builds it and uses ``_as_in_context``; others use ``default_batchify_fn``,
``_thread_worker_initializer``, ``worker_loop``/``fetcher_loop`` (MXNet <= 1.4
names of the ``*_v1`` functions) or register ``reduce_ndarray``.
"""

from __future__ import annotations

import io
import multiprocessing
import multiprocessing.pool
import pickle
import threading
from multiprocessing.reduction import ForkingPickler

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from neogluon.gluon.data import ArrayDataset
from neogluon.gluon.data import DataLoader
from neogluon.gluon.data import SimpleDataset
from neogluon.gluon.data import dataloader as dl
from neogluon.gluon.data.dataloader import DataLoaderTimeoutError
from neogluon.gluon.data.dataloader import _MultiWorkerIter
from neogluon.gluon.data.dataloader import _thread_worker_fn
from neogluon.gluon.data.dataloader import _worker_fn


def _ds(n=10):
    return ArrayDataset(np.arange(n, dtype=np.float32), np.arange(n))


def _values(loader):
    return [(x.asnumpy().tolist(), y.asnumpy().tolist()) for x, y in loader]


EXPECTED = [
    ([0.0, 1.0, 2.0], [0, 1, 2]),
    ([3.0, 4.0, 5.0], [3, 4, 5]),
    ([6.0, 7.0, 8.0], [6, 7, 8]),
    ([9.0], [9]),
]


def test_names_exist():
    for name in [
        "_MultiWorkerIter",
        "_MultiWorkerIterV1",
        "DataLoaderV1",
        "worker_loop_v1",
        "fetcher_loop_v1",
        "worker_loop",
        "fetcher_loop",
        "default_batchify_fn",
        "default_mp_batchify_fn",
        "_as_in_context",
        "_worker_fn",
        "_thread_worker_fn",
        "_worker_initializer",
        "_thread_worker_initializer",
        "_worker_dataset",
        "rebuild_ndarray",
        "reduce_ndarray",
        "rebuild_np_ndarray",
        "reduce_np_ndarray",
        "ConnectionWrapper",
        "Queue",
        "SimpleQueue",
    ]:
        assert hasattr(dl, name), name


class _MXNetStyleLoader(DataLoader):
    """Builds MXNet 1.9.1's iterator from the loader's fields, as subclasses do."""

    def __iter__(self):
        if self._num_workers == 0:
            return super().__iter__()
        return _MultiWorkerIter(
            self._worker_pool,
            self._batchify_fn,
            self._batch_sampler,
            pin_memory=self._pin_memory,
            pin_device_id=self._pin_device_id,
            worker_fn=_thread_worker_fn if self._thread_pool else _worker_fn,
            prefetch=self._prefetch,
            dataset=self._dataset if self._thread_pool else None,
            data_loader=self,
            timeout=self._timeout,
        )


@pytest.mark.parametrize("thread_pool", [False, True])
def test_multiworker_iter_on_the_loaders_pool(thread_pool):
    loader = _MXNetStyleLoader(
        _ds(), batch_size=3, num_workers=2, thread_pool=thread_pool
    )
    it = iter(loader)
    assert isinstance(it, _MultiWorkerIter) and len(it) == 4
    assert _values(it) == EXPECTED
    with pytest.raises(StopIteration):
        next(it)
    assert _values(loader) == EXPECTED  # the pool is reused for the next epoch
    kind = multiprocessing.pool.ThreadPool if thread_pool else multiprocessing.pool.Pool
    assert isinstance(loader._worker_pool, kind)
    assert loader._worker_pool is loader._worker_pool
    pool = loader._worker_pool
    del it, loader
    if not thread_pool:
        with pytest.raises(ValueError):  # terminated with its loader
            pool.apply_async(len, ([1],)).get(5)


def test_plain_loader_creates_no_pool():
    loader = DataLoader(_ds(), batch_size=3, num_workers=2)
    assert _values(loader) == EXPECTED
    assert "_mx_worker_pool" not in loader.__dict__
    assert DataLoader(_ds(), batch_size=3)._worker_pool is None


def _times10(x, y):
    return x * 10, y


def _times100(x, y):
    return x * 100, y


_TRANSFORMS = [_times10, _times100]


def _gluoncv_worker_fn(samples, transform_fn, batchify_fn, dataset=None):
    t_dataset = dl._worker_dataset.transform(transform_fn)
    batch = batchify_fn([t_dataset[i] for i in samples])
    buf = io.BytesIO()
    ForkingPickler(buf, pickle.HIGHEST_PROTOCOL).dump(batch)
    return buf.getvalue()


class _RandomTransformIter(_MultiWorkerIter):
    """GluonCV's subclass: a transform chosen per ``interval`` batches in _push_next."""

    def __init__(
        self,
        transform_fns,
        interval,
        worker_pool,
        batchify_fn,
        batch_sampler,
        pin_memory=False,
        worker_fn=_gluoncv_worker_fn,
        prefetch=0,
    ):
        super().__init__(
            worker_pool,
            batchify_fn,
            batch_sampler,
            pin_memory=pin_memory,
            worker_fn=worker_fn,
            prefetch=0,
        )
        self._transform_fns = transform_fns
        self._interval = max(int(interval), 1)
        self._current_fn = transform_fns[0]
        self.used = []
        for _ in range(prefetch):
            self._push_next()

    def _push_next(self):
        r = next(self._iter, None)
        if r is None:
            return
        if self._sent_idx % self._interval == 0:
            self._current_fn = self._transform_fns[
                (self._sent_idx // self._interval) % 2
            ]
        self.used.append(self._transform_fns.index(self._current_fn))
        async_ret = self._worker_pool.apply_async(
            self._worker_fn, (r, self._current_fn, self._batchify_fn)
        )
        self._data_buffer[self._sent_idx] = async_ret
        self._sent_idx += 1


class _RandomTransformLoader(DataLoader):
    def __init__(
        self,
        transform_fns,
        dataset,
        interval=1,
        batch_size=None,
        num_workers=0,
        prefetch=None,
    ):
        super().__init__(dataset, batch_size, False, None, None, None, None, 0, False)
        self._transform_fns = transform_fns
        self._interval = interval
        # GluonCV overrides the worker fields after the base constructor
        self._num_workers = num_workers
        self._prefetch = max(
            0, int(prefetch) if prefetch is not None else 2 * num_workers
        )
        ctx = multiprocessing.get_context("fork")
        self._worker_pool = ctx.Pool(
            num_workers, initializer=dl._worker_initializer, initargs=[dataset]
        )
        self._batchify_fn = dl.default_mp_batchify_fn

    def __iter__(self):
        return _RandomTransformIter(
            self._transform_fns,
            self._interval,
            self._worker_pool,
            self._batchify_fn,
            self._batch_sampler,
            prefetch=self._prefetch,
        )


@pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")
def test_gluoncv_style_subclass():
    loader = _RandomTransformLoader(
        _TRANSFORMS, _ds(8), interval=2, batch_size=2, num_workers=2
    )
    it = iter(loader)
    got = [x.asnumpy().tolist() for x, y in it]
    assert it.used == [0, 0, 1, 1]
    assert got == [[0.0, 10.0], [20.0, 30.0], [400.0, 500.0], [600.0, 700.0]]
    loader._worker_pool.terminate()


def test_worker_errors_and_timeouts():
    class Bad(SimpleDataset):
        def __getitem__(self, idx):
            if idx == 4:
                raise KeyError("sample 4 is broken")
            return np.float32(idx)

    loader = _MXNetStyleLoader(Bad(list(range(6))), batch_size=2, num_workers=2)
    it = iter(loader)
    assert next(it).asnumpy().tolist() == [0.0, 1.0]
    next(it)
    with pytest.raises(KeyError, match="sample 4 is broken"):
        next(it)

    gate = threading.Event()

    class Slow(SimpleDataset):
        def __getitem__(self, idx):
            gate.wait(5)
            return np.float32(idx)

    slow = _MXNetStyleLoader(
        Slow(list(range(4))), batch_size=2, num_workers=1, thread_pool=True, timeout=1
    )
    with pytest.raises(
        DataLoaderTimeoutError, match="timed out after 1 seconds"
    ) as info:
        next(iter(slow))
    assert isinstance(info.value, multiprocessing.TimeoutError)
    gate.set()


def test_bad_push_next_override_is_reported():
    class Lost(_MultiWorkerIter):
        def _push_next(self):
            r = next(self._iter, None)
            if r is not None:
                self._sent_idx += 1  # forgot to store the result

    pool = multiprocessing.pool.ThreadPool(1)
    try:
        it = Lost(
            pool,
            dl.default_batchify_fn,
            mx.gluon.data.BatchSampler(mx.gluon.data.SequentialSampler(4), 2, "keep"),
            dataset=[1, 2, 3, 4],
        )
        with pytest.raises(MXNetError, match="never submitted"):
            next(it)
    finally:
        pool.terminate()


def test_v1_loader_and_loops():
    assert dl.worker_loop is dl.worker_loop_v1 and dl.fetcher_loop is dl.fetcher_loop_v1
    v1 = dl.DataLoaderV1(_ds(), batch_size=3, num_workers=2)
    assert len(v1) == 4
    assert _values(v1) == EXPECTED
    assert _values(dl.DataLoaderV1(_ds(), batch_size=3)) == EXPECTED
    with pytest.raises(ValueError, match="batch_size must be specified"):
        dl.DataLoaderV1(_ds())
    it = iter(dl.DataLoaderV1(_ds(4), batch_size=2, num_workers=1))
    assert len(list(it)) == 2 and it._shutdown
    with pytest.raises(MXNetError, match="after shutdown"):
        next(it)
    with pytest.raises(ValueError, match="0 workers"):
        dl._MultiWorkerIterV1(0, _ds(), dl.default_batchify_fn, [[0]])


def test_loops_in_threads_with_queues():
    key_q, data_q = dl.Queue(), dl.SimpleQueue()
    buffer: dict = {}
    lock = threading.Lock()
    worker = threading.Thread(
        target=dl.worker_loop, args=(_ds(), key_q, data_q, dl.default_batchify_fn)
    )
    fetcher = threading.Thread(
        target=dl.fetcher_loop, args=(data_q, buffer, False, 0, lock)
    )
    worker.start()
    fetcher.start()
    key_q.put((0, [1, 2]))
    key_q.put((1, [5]))
    key_q.put((None, None))
    worker.join(10)
    data_q.put((None, None))
    fetcher.join(10)
    assert buffer[0][0].asnumpy().tolist() == [1.0, 2.0]
    assert buffer[1][1].asnumpy().tolist() == [5]


def test_reduce_rebuild_and_helpers():
    x = mx.nd.array([[1, 2], [3, 4]])
    fn, args = dl.reduce_ndarray(x)
    assert fn is dl.rebuild_ndarray
    y = fn(*args)
    assert isinstance(y, mx.nd.NDArray) and y.asnumpy().tolist() == x.asnumpy().tolist()
    buf = io.BytesIO()
    ForkingPickler(buf, pickle.HIGHEST_PROTOCOL).dump([x, (x * 2,)])
    back = pickle.loads(buf.getvalue())
    assert back[1][0].asnumpy().tolist() == [[2, 4], [6, 8]]
    fn, args = dl.reduce_np_ndarray(x.as_np_ndarray())
    z = fn(*args)
    assert type(z) is mx.np.ndarray and z.tolist() == x.asnumpy().tolist()
    nested = dl._as_in_context([x, (x, 3)], mx.cpu(1))
    assert nested[0].context == mx.cpu(1) and nested[1][0].context == mx.cpu(1)
    assert nested[1][1] == 3
    batch = dl.default_batchify_fn([(np.float32(1), 2), (np.float32(3), 4)])
    assert isinstance(batch, list) and batch[0].asnumpy().tolist() == [1.0, 3.0]
    assert batch[1].dtype == np.int64
    dl._thread_worker_initializer(False, False)
    assert not mx.util.is_np_array()
    try:
        dl._thread_worker_initializer(True, True)
        assert mx.util.is_np_array() and mx.util.is_np_shape()
    finally:
        mx.util.reset_np()


def test_pin_memory_batches_report_cpu_pinned():
    ds = ArrayDataset(np.random.RandomState(0).uniform(size=(10, 4)))
    for loader in [
        DataLoader(ds, 4, pin_memory=True),
        DataLoader(ds, 4, pin_memory=True, pin_device_id=1),
        DataLoader(ds, 4, pin_memory=True, num_workers=1),
        _MXNetStyleLoader(
            ds, batch_size=4, pin_memory=True, num_workers=1, thread_pool=True
        ),
        dl.DataLoaderV1(ds, 4, pin_memory=True),
    ]:
        dev = loader._pin_device_id
        got = list(loader)
        assert [x.context for x in got] == [mx.cpu_pinned(dev)] * 3
        np.testing.assert_allclose(
            got[0].asnumpy(), np.stack([ds[i] for i in range(4)])
        )
    for x in DataLoader(ds, 4):
        assert x.context == mx.cpu(0)


_EXIT_SCRIPT = r"""
import sys, time
from neogluon.gluon.data import dataloader as dl

marker = sys.argv[1]

def slow(path):
    time.sleep(0.5)  # still running when the main thread returns
    with open(path, "w") as f:
        f.write("finished")

workers = dl._ThreadWorkers(1)
workers.submit(slow, marker)
workers.submit(slow, marker + ".queued")  # queued behind it: dropped at exit
time.sleep(0.1)
"""


def test_thread_workers_finish_running_task_at_exit(tmp_path):
    # Daemon worker threads still inside native code when the interpreter
    # finalizes can abort the process; at exit the running task is awaited
    # and the queued ones are dropped.
    import subprocess
    import sys

    marker = tmp_path / "done"
    proc = subprocess.run(
        [sys.executable, "-c", _EXIT_SCRIPT, str(marker)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert marker.read_text() == "finished"
    assert not (tmp_path / "done.queued").exists()


class _KilledDataset:
    def __len__(self):
        return 4

    def __getitem__(self, i):
        import os
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def test_worker_death_reported_during_cleanup_keeps_the_mxnet_error(monkeypatch):
    # torch's SIGCHLD handler may raise its RuntimeError while the loader
    # cleans up after a dead worker; the MXNetError naming the death stands.
    from neogluon.base import MXNetError
    from neogluon.gluon import data
    from neogluon.gluon.data import dataloader as dl

    real = dl._kill_workers

    def late_signal(it):
        real(it)
        raise RuntimeError("DataLoader worker (pid 1) is killed by signal: Killed.")

    monkeypatch.setattr(dl, "_kill_workers", late_signal)
    loader = data.DataLoader(_KilledDataset(), batch_size=1, num_workers=1, timeout=60)
    with pytest.raises(MXNetError, match="worker process died while loading a batch"):
        list(loader)


def test_worker_death_found_without_sigchld():
    # torch reports a dead worker from its SIGCHLD handler, whose exception is
    # lost when the signal lands in a finalizer (a CI flake: "Exception ignored
    # in <finalize object>", then a wait until the timeout). The loader checks
    # the workers itself between short waits, so the death is found with the
    # signal blocked too, well before the timeout.
    import signal
    import time

    from neogluon.base import MXNetError
    from neogluon.gluon import data

    loader = data.DataLoader(_KilledDataset(), batch_size=1, num_workers=1, timeout=60)
    old = signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGCHLD])
    try:
        start = time.monotonic()
        with pytest.raises(MXNetError, match="worker process died"):
            list(loader)
        assert time.monotonic() - start < 10
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def test_slow_batches_outlast_the_worker_poll():
    # A batch slower than the loader's worker check interval is still delivered
    # (the wait resumes), and the user's timeout is the one reported.
    from neogluon.gluon import data

    loader = data.DataLoader(_Slow(0.5), batch_size=1, num_workers=1, timeout=30)
    assert [b.asnumpy().tolist() for b in loader] == [[0.0], [1.0]]
    loader = data.DataLoader(_Slow(5.0), batch_size=1, num_workers=1, timeout=1)
    with pytest.raises(DataLoaderTimeoutError, match="timed out after 1 seconds"):
        list(loader)


class _Slow:
    def __init__(self, delay):
        self.delay = delay

    def __len__(self):
        return 2

    def __getitem__(self, i):
        import time

        time.sleep(self.delay)
        return np.float32(i)


_INHERITED_ITER_SCRIPT = """
import neogluon as mx
from neogluon import gluon


class D(gluon.data.Dataset):
    def __len__(self):
        return 40

    def __getitem__(self, i):
        return mx.nd.full((4,), i)


for auto_reload in (True, False, True):
    loader = gluon.data.DataLoader(D(), batch_size=1, num_workers=3, auto_reload=auto_reload)
    for i, b in enumerate(loader):
        assert (b.asnumpy() == i).all()
print("ok")
"""


def test_workers_leave_inherited_iterators_alone():
    # A worker forked while another loader's worker iterator is alive (here the
    # one auto_reload prefetches) holds a copy of it; collected in the worker,
    # that copy tried to stop the parent's workers and printed "Exception
    # ignored in _MultiProcessingDataLoaderIter.__del__ ... can only test a
    # child process" from every such worker.
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", _INHERITED_ITER_SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"
    assert "Exception ignored" not in proc.stderr, proc.stderr
    # nor torch's warning about more workers than CPUs (MXNet has none)
    assert "This DataLoader will create" not in proc.stderr, proc.stderr
