"""``DataLoader``: mini-batches from a dataset, optionally with workers.

Worker processes are ``torch.utils.data``'s (this module is the one thin
adapter in gluon that imports torch, see tools/check_torch_boundary.py): the
batch sampler runs in the parent, each worker receives a list of indices,
reads the samples and batchifies them; NDArrays travel back through torch's
shared-memory tensor transport (file-descriptor strategy: the segments are
unlinked at once, so nothing accumulates in ``/dev/shm``). ``thread_pool=True``
uses daemon threads instead. Batches come back in sampler order, identical
to ``num_workers=0``.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import math
import multiprocessing
import multiprocessing.pool
import multiprocessing.queues
import os
import pickle
import queue
import sys
import threading
import time
import traceback
import warnings
import weakref
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as _FutureTimeout
from multiprocessing.reduction import ForkingPickler

import numpy as np
import torch
import torch.utils.data as _tud

from ... import ndarray as nd
from ...base import MXNetError
from ...context import cpu_pinned
from ...ndarray import NDArray
from ...ndarray._np import ndarray as _NpArray
from . import sampler as _sampler

__all__ = [
    "DataLoader",
    "DataLoaderTimeoutError",
    "default_batchify_fn",
    "default_mp_batchify_fn",
]

# MXNet's semi-private names that client libraries (GluonCV, GluonNLP) import
# from this module: _MultiWorkerIter, _worker_fn, _thread_worker_fn,
# _worker_initializer, _thread_worker_initializer, _as_in_context,
# worker_loop_v1, fetcher_loop_v1, _MultiWorkerIterV1, DataLoaderV1,
# rebuild_ndarray, reduce_ndarray, ConnectionWrapper, Queue, SimpleQueue.


# ---------------------------------------------------------------- batchify
def default_batchify_fn(data):
    """Collate a list of samples into a batch (MXNet's rule).

    NDArray samples are stacked with ``nd.stack``; tuple samples give a
    **list** with one batch per field (recursively); anything else goes
    through ``np.asarray`` and keeps its numpy dtype (float64 data gives a
    float64 batch, Python ints an int64 batch). Under numpy array semantics
    (``npx.set_np()``) batches are ``mx.np.ndarray``.
    """
    if isinstance(data[0], NDArray):
        return _np_batch(nd.stack(*data))
    if isinstance(data[0], tuple):
        return [default_batchify_fn(list(field)) for field in zip(*data, strict=False)]
    arr = np.asarray(data)
    return _np_batch(nd.array(arr, dtype=arr.dtype))


def _np_batches(batch):
    """Batches from workers (which batchify in legacy mode) as
    ``mx.np.ndarray`` under numpy array semantics; nested lists kept."""
    from ...util import is_np_array

    if not is_np_array():
        return batch
    if isinstance(batch, NDArray):
        return batch.as_np_ndarray()
    if isinstance(batch, (list, tuple)):
        return type(batch)(_np_batches(b) for b in batch)
    return batch


def _np_batch(batch: NDArray) -> NDArray:
    """The batch as an ``mx.np.ndarray`` (no copy) under numpy array semantics."""
    from ...util import is_np_array

    return batch.as_np_ndarray() if is_np_array() else batch


def default_mp_batchify_fn(data):
    """The batchify used in workers: same result as :func:`default_batchify_fn`.

    MXNet allocates these batches in ``cpu_shared`` memory; here every tensor
    a worker returns is moved to shared memory by the transport itself.
    """
    return default_batchify_fn(data)


def rebuild_ndarray(tensor):
    """Rebuild an NDArray sent between processes (the inverse of :func:`reduce_ndarray`)."""
    return NDArray(tensor)


def reduce_ndarray(data: NDArray):
    """Pickle reduction of an NDArray through shared memory (``ForkingPickler``).

    The wrapped tensor goes through torch's shared-memory reducer, so the
    receiving process maps the same memory instead of copying bytes. Differs
    from MXNet 1.9.1: the argument of :func:`rebuild_ndarray` is that tensor,
    not MXNet's ``(pid, fd, shape, dtype)``.
    """
    return rebuild_ndarray, (data.to_torch().detach(),)


_rebuild_ndarray = rebuild_ndarray
_reduce_ndarray = reduce_ndarray

ForkingPickler.register(NDArray, reduce_ndarray)


def rebuild_np_ndarray(tensor):
    """Rebuild an ``mx.np.ndarray`` sent between processes (the inverse of
    :func:`reduce_np_ndarray`)."""
    return NDArray(tensor).as_np_ndarray()


def reduce_np_ndarray(data):
    """Pickle reduction of an ``mx.np.ndarray`` through shared memory, as
    :func:`reduce_ndarray`."""
    return rebuild_np_ndarray, (data.to_torch().detach(),)


ForkingPickler.register(_NpArray, reduce_np_ndarray)


class ConnectionWrapper:
    """A multiprocessing connection whose ``send``/``recv`` pickle with
    ``ForkingPickler``, so NDArrays travel through shared memory."""

    def __init__(self, conn) -> None:
        self._conn = conn

    def send(self, obj) -> None:
        """Send ``obj``."""
        buf = io.BytesIO()
        ForkingPickler(buf, pickle.HIGHEST_PROTOCOL).dump(obj)
        self.send_bytes(buf.getvalue())

    def recv(self):
        """Receive one object."""
        return pickle.loads(self.recv_bytes())

    def __getattr__(self, name):
        conn = self.__dict__.get("_conn", None)
        return getattr(conn, name)


def _queue_context():
    return _mp_context() or multiprocessing.get_context()


class Queue(multiprocessing.queues.Queue):
    """``multiprocessing`` queue that sends NDArrays through shared memory."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, ctx=_queue_context(), **kwargs)
        self._reader = ConnectionWrapper(self._reader)
        self._writer = ConnectionWrapper(self._writer)
        self._send = self._writer.send
        self._recv = self._reader.recv


class SimpleQueue(multiprocessing.queues.SimpleQueue):
    """``multiprocessing`` simple queue (no feeder thread) sending NDArrays
    through shared memory."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, ctx=_queue_context(), **kwargs)
        self._reader = ConnectionWrapper(self._reader)
        self._writer = ConnectionWrapper(self._writer)
        self._send = self._writer.send
        self._recv = self._reader.recv


def _pin(batch, device_id: int):
    """``batch``'s NDArrays on ``cpu_pinned(device_id)``, as MXNet returns them.

    The memory is page-locked when CUDA is available (a plain CPU copy
    otherwise: pinning needs a CUDA driver).
    """
    if isinstance(batch, NDArray):
        ctx = cpu_pinned(device_id)
        if batch.context == ctx:
            return batch
        out = batch.as_in_context(ctx)
        t = out.to_torch()
        if torch.cuda.is_available() and t.device.type == "cpu" and not t.is_pinned():
            out = nd.from_torch(t.pin_memory(), ctx)
        return out
    if isinstance(batch, (list, tuple)):
        return [_pin(b, device_id) for b in batch]
    return batch


def _as_in_context(data, ctx):
    """Move the NDArrays of ``data`` (nested lists) to ``ctx``."""
    if isinstance(data, NDArray):
        return data.as_in_context(ctx)
    if isinstance(data, (list, tuple)):
        return [_as_in_context(d, ctx) for d in data]
    return data


# ---------------------------------------------------------------- errors
class DataLoaderTimeoutError(MXNetError, multiprocessing.TimeoutError):
    """A DataLoader worker did not deliver a batch within ``timeout`` seconds.

    Also a ``multiprocessing.TimeoutError``, the type MXNet 1.9.1 raises.
    """


class _RemoteTraceback(Exception):
    """Carries a worker's formatted traceback as the ``__cause__`` of its error."""

    def __init__(self, tb: str) -> None:
        super().__init__(tb)
        self.tb = tb

    def __str__(self) -> str:
        return self.tb


class _WorkerFailure:
    """An exception raised while a worker built a batch, sent to the parent."""

    def __init__(self, exc: BaseException, indices, where: str) -> None:
        self.tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.type_name = type(exc).__name__
        self.message = str(exc)
        self.where = where
        self.indices = list(indices)
        try:
            self.payload = pickle.dumps(exc)
            pickle.loads(self.payload)
        except Exception:  # noqa: BLE001 - fall back to a textual copy
            self.payload = None

    def reraise(self):
        head = (
            f"\nRaised {self.where} while loading the samples at indices "
            f"{self.indices}; original traceback:\n{self.tb}"
        )
        if self.payload is not None:
            exc = pickle.loads(self.payload)
            raise exc from _RemoteTraceback(head)
        raise MXNetError(f"{self.type_name}: {self.message}{head}")


# ---------------------------------------------------------------- workers
class _BatchFetcher:
    """Worker-side map dataset: ``fetcher[indices]`` is one batchified batch."""

    def __init__(self, dataset, batchify_fn: Callable) -> None:
        self.dataset = dataset
        self.batchify_fn = batchify_fn

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, indices):
        try:
            return self.batchify_fn([self.dataset[i] for i in indices])
        except Exception as exc:  # noqa: BLE001 - re-raised in the parent
            return _WorkerFailure(
                exc, indices, f"in DataLoader worker (pid {os.getpid()})"
            )


class _EpochSampler:
    """Iterates the loader's batch sampler in the parent (rollover state included)."""

    def __init__(self, batch_sampler) -> None:
        self.batch_sampler = batch_sampler

    def __iter__(self):
        return iter(self.batch_sampler)

    def __len__(self) -> int:
        return len(self.batch_sampler)


def _collate_identity(batch):
    return batch


#: the torch worker iterators this process has made and still holds
_LIVE_TORCH_ITERS: weakref.WeakSet = weakref.WeakSet()


def _worker_init(worker_id: int) -> None:
    # torch seeds `random` and torch per worker; seed numpy too, so that forked
    # workers do not all draw the same numpy random augmentations.
    np.random.seed(torch.initial_seed() % (2**32))


def _disown_inherited_iterators() -> None:
    """Right after a fork, in the child: mark the parent's worker iterators
    (copied by the fork: another loader's, a prefetched ``auto_reload`` one,
    one that is garbage the parent has not collected yet) as shut down. Their
    workers are the parent's children; a copy collected in the child (its
    first garbage collection can come before any worker code runs) would try
    to stop them from there and print "Exception ignored in
    _MultiProcessingDataLoaderIter.__del__ ... can only test a child process"."""
    for it in list(_LIVE_TORCH_ITERS):
        it._shutdown = True
    _LIVE_TORCH_ITERS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_disown_inherited_iterators)


def _mp_context():
    # MXNet 1.9.1 forks its worker pool on Linux (datasets need not pickle).
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return None


def _kill_workers(it) -> None:
    """Stop a torch worker iterator now (its workers may be hung)."""
    try:
        from torch.utils.data._utils import signal_handling

        if getattr(it, "_worker_pids_set", False):
            # Unregister first so that killing them is not reported as a crash.
            signal_handling._remove_worker_pids(id(it))
            it._worker_pids_set = False
        for w in getattr(it, "_workers", ()):
            if w.is_alive():
                w.terminate()
    except (ImportError, AttributeError):  # other torch versions: plain shutdown
        pass
    shutdown = getattr(it, "_shutdown_workers", None)
    if shutdown is not None:
        shutdown()


def _stop_after_failure(it) -> None:
    """:func:`_kill_workers` while an error (or a generator close) is on its way
    out. torch's SIGCHLD handler raises ``RuntimeError`` ("... killed by
    signal") in whatever Python code runs when a worker's death is reported;
    arriving during this cleanup it would replace the error being raised (the
    MXNetError naming the dead worker) with torch's, so it is dropped here:
    the death is already being reported."""
    try:
        _kill_workers(it)
    except RuntimeError as err:
        text = str(err)
        if "killed by signal" not in text and "exited unexpectedly" not in text:
            raise


# How often a wait for a worker's batch stops to check that the workers live.
_WORKER_POLL_S = 0.2


def _poll_workers_ourselves(it) -> bool:
    """Take worker-death detection away from torch's SIGCHLD handler.

    torch reports a dead worker by raising ``RuntimeError`` from a SIGCHLD
    handler, in whatever Python code the main thread runs at that moment. In a
    ``__del__`` or a weakref finalizer that exception is only printed ("Exception
    ignored in ...") and the wait for the batch goes on until the timeout. So the
    workers are unregistered from that handler and :func:`_next_polled` waits in
    short slices instead, after each of which torch checks that every worker is
    alive (and raises "exited unexpectedly" when one is not). Returns False, and
    leaves torch's mechanism alone, on a torch without these internals."""
    try:
        from torch.utils.data._utils import signal_handling

        if not hasattr(it, "_timeout") or not hasattr(it, "_worker_pids_set"):
            return False
        if it._worker_pids_set:
            signal_handling._remove_worker_pids(id(it))
            it._worker_pids_set = False
    except (ImportError, AttributeError):
        return False
    it._timeout = _WORKER_POLL_S
    return True


def _next_polled(it, timeout: float):
    """``next(it)`` waiting at most ``timeout`` seconds in slices of
    ``_WORKER_POLL_S``; re-entering torch's ``__next__`` after its timeout is
    safe (it raises before changing the iterator's state)."""
    start = time.monotonic()
    while True:
        try:
            return next(it)
        except RuntimeError as err:
            if not str(err).startswith("DataLoader timed out"):
                raise
            if time.monotonic() - start >= timeout:
                raise


def _dead_workers(it, wait: float = 2.0) -> str:
    """Describe the workers of ``it`` that exited (waiting up to ``wait`` s)."""
    workers = list(getattr(it, "_workers", ()))
    deadline = time.monotonic() + wait
    while True:
        dead = [w for w in workers if not w.is_alive()]
        if dead or time.monotonic() >= deadline:
            return ", ".join(f"pid {w.pid} exit code {w.exitcode}" for w in dead)
        time.sleep(0.05)


def _died_error(detail: str) -> MXNetError:
    return MXNetError(
        f"A DataLoader worker process died while loading a batch ({detail}). The "
        "dataset's __getitem__ or the batchify_fn crashed the process (out of "
        "memory, a segfault in native code, os._exit); try num_workers=0 to see "
        "the failure in the main process."
    )


def _timeout_error(timeout, processes: bool) -> DataLoaderTimeoutError:
    msg = (
        f"DataLoader worker timed out after {timeout} seconds (DataLoader("
        f"timeout={timeout})) waiting for a batch. This might be caused by a slow "
        "transform or a __getitem__ that hangs: increase timeout to allow slower "
        "data loading in each worker, or check the dataset."
    )
    if processes:
        msg += (
            " If timeout is already large, shared memory may be insufficient: "
            "reduce num_workers or increase the system's shared memory."
        )
    return DataLoaderTimeoutError(msg)


class _ThreadWorkers:
    """``n`` daemon threads running batch tasks (a hung one never blocks exit).

    Daemon threads still inside a C++ kernel (OpenCV decoding, a torch op)
    when the interpreter finalizes are torn down by ``pthread_exit``, which
    aborts the process ("terminate called without an active exception")
    when the unwinding crosses C++ code. So at exit the live pools drop
    their queued tasks and wait, up to :data:`_EXIT_JOIN_S` seconds in all,
    for the tasks already running (prefetched batches of an iterator that
    was not exhausted, the next epoch a record iterator started early).
    """

    def __init__(self, n: int) -> None:
        self._tasks: queue.SimpleQueue = queue.SimpleQueue()
        self._stopping = False
        self._threads = [
            threading.Thread(target=self._loop, daemon=True, name=f"DataLoader-{i}")
            for i in range(n)
        ]
        for t in self._threads:
            t.start()
        _LIVE_THREAD_WORKERS.add(self)

    def _loop(self) -> None:
        while True:
            task = self._tasks.get()
            if task is None:
                return
            fut, fn, args = task
            if self._stopping:
                fut.cancel()
                continue
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                fut.set_result(fn(*args))
            except BaseException as exc:  # noqa: BLE001 - delivered to the caller
                fut.set_exception(exc)

    def submit(self, fn, *args) -> Future:
        fut: Future = Future()
        self._tasks.put((fut, fn, args))
        return fut

    def shutdown(self) -> None:
        for _ in self._threads:
            self._tasks.put(None)

    def stop(self, deadline: float) -> None:
        """Drop the queued tasks and wait for the running ones until ``deadline``
        (``time.monotonic()``)."""
        self._stopping = True
        self.shutdown()
        for t in self._threads:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            t.join(left)


#: Thread pools that may still run tasks; stopped before the interpreter
#: finalizes (see :class:`_ThreadWorkers`).
_LIVE_THREAD_WORKERS: weakref.WeakSet = weakref.WeakSet()
#: At exit, how long the running batch tasks may take to finish, in all.
_EXIT_JOIN_S = 10.0


def _stop_thread_workers() -> None:
    deadline = time.monotonic() + _EXIT_JOIN_S
    for workers in list(_LIVE_THREAD_WORKERS):
        workers.stop(deadline)


atexit.register(_stop_thread_workers)


def _thread_batch(dataset, batchify_fn, indices, where="in a DataLoader worker thread"):
    try:
        return batchify_fn([dataset[i] for i in indices])
    except Exception as exc:
        # Name the samples, as the process workers do (issue 10).
        if hasattr(exc, "add_note"):  # Python >= 3.11
            exc.add_note(
                f"Raised {where} while loading the samples at indices {list(indices)}."
            )
        raise


# ---------------------------------------------------------------- MXNet's pool protocol
# The iterator below is MXNet 1.9.1's multi-worker protocol, kept for code
# that subclasses or builds it (GluonCV's RandomTransformDataLoader, GluonNLP's
# ShardedDataLoader): a pool with ``apply_async`` runs ``worker_fn(indices,
# batchify_fn, dataset)`` per batch, results are kept in ``_data_buffer`` by
# send index and returned in order. DataLoader itself iterates with torch's
# workers; its ``_worker_pool`` is created on first access for such code.

_worker_dataset = None


def _thread_worker_initializer(active_shape=False, active_array=False) -> None:
    """Initializer of a thread pool's workers (MXNet's NumPy switches)."""
    _check_legacy_np(active_shape, active_array)


def _worker_initializer(dataset, active_shape=False, active_array=False) -> None:
    """Initializer of a process pool's workers: keeps ``dataset`` for :func:`_worker_fn`."""
    global _worker_dataset
    _worker_dataset = dataset
    _check_legacy_np(active_shape, active_array)


def _check_legacy_np(active_shape, active_array) -> None:
    """Set MXNet's NumPy switches in a pool worker, as the parent had them."""
    from ...util import _set_np_array
    from ...util import set_np_shape

    set_np_shape(bool(active_shape))
    _set_np_array(bool(active_array))


def _worker_fn(samples, batchify_fn, dataset=None):
    """Process-pool task: the batch of ``samples`` from the worker's dataset, pickled.

    The bytes are made with ``ForkingPickler``, so NDArrays are not copied but
    passed as shared memory; :class:`_MultiWorkerIter` unpickles them.
    """
    batch = batchify_fn([_worker_dataset[i] for i in samples])
    buf = io.BytesIO()
    ForkingPickler(buf, pickle.HIGHEST_PROTOCOL).dump(batch)
    return buf.getvalue()


def _thread_worker_fn(samples, batchify_fn, dataset):
    """Thread-pool task: the batch of ``samples`` from ``dataset``."""
    return batchify_fn([dataset[i] for i in samples])


def _new_worker_pool(dataset, num_workers: int, thread_pool: bool):
    """The pool MXNet's DataLoader keeps: threads, or forked processes holding ``dataset``."""
    if thread_pool:
        return multiprocessing.pool.ThreadPool(
            num_workers, initializer=_thread_worker_initializer, initargs=(False, False)
        )
    ctx = _mp_context() or multiprocessing.get_context()
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r".*use of fork\(\) may lead to deadlocks"
        )
        return ctx.Pool(
            num_workers,
            initializer=_worker_initializer,
            initargs=[dataset, False, False],
        )


class _MultiWorkerIter:
    """Multi-worker batch iterator over a worker pool (MXNet 1.9.1's protocol).

    Parameters
    ----------
    worker_pool : multiprocessing.pool.Pool or ThreadPool
        Anything with ``apply_async(fn, args)`` returning an object with
        ``get(timeout)``.
    batchify_fn : callable
        Merges a list of samples into a batch.
    batch_sampler : Sampler
        Yields the index lists of the batches.
    pin_memory : bool, default False
        Return batches in page-locked memory (CUDA builds; a no-op otherwise).
    pin_device_id : int, default 0
        Device of the pinned memory.
    worker_fn : callable, default :func:`_worker_fn`
        Task run per batch as ``worker_fn(indices, batchify_fn, dataset)``.
    prefetch : int, default 0
        Batches submitted at construction.
    dataset : Dataset, optional
        Passed to ``worker_fn``; when None, results are pickled bytes
        (process pools), otherwise batches (thread pools).
    data_loader : DataLoader, optional
        The owning loader (kept alive while iterating).
    timeout : int, default 120
        Seconds to wait for one batch before :class:`DataLoaderTimeoutError`.

    Subclasses may override ``_push_next`` (it submits the next index list:
    ``self._worker_pool.apply_async(...)`` into ``self._data_buffer[self._sent_idx]``).
    """

    def __init__(
        self,
        worker_pool,
        batchify_fn,
        batch_sampler,
        pin_memory=False,
        pin_device_id=0,
        worker_fn=_worker_fn,
        prefetch=0,
        dataset=None,
        data_loader=None,
        timeout=120,
    ) -> None:
        self._worker_pool = worker_pool
        self._batchify_fn = batchify_fn
        self._batch_sampler = batch_sampler
        self._data_buffer: dict = {}
        self._rcvd_idx = 0
        self._sent_idx = 0
        self._iter = iter(self._batch_sampler)
        self._worker_fn = worker_fn
        self._pin_memory = pin_memory
        self._pin_device_id = pin_device_id
        self._dataset = dataset
        self._data_loader = data_loader
        self._timeout = timeout
        for _ in range(prefetch):
            self._push_next()

    def __len__(self) -> int:
        return len(self._batch_sampler)

    def _push_next(self) -> None:
        """Submit the next batch's indices to the pool."""
        r = next(self._iter, None)
        if r is None:
            return
        async_ret = self._worker_pool.apply_async(
            self._worker_fn, (r, self._batchify_fn, self._dataset)
        )
        self._data_buffer[self._sent_idx] = async_ret
        self._sent_idx += 1

    def __next__(self):
        self._push_next()
        if self._rcvd_idx == self._sent_idx:
            if self._data_buffer:
                raise MXNetError(
                    f"_MultiWorkerIter: {len(self._data_buffer)} batches left in the "
                    "buffer after the last one was received"
                )
            raise StopIteration
        if self._rcvd_idx not in self._data_buffer:
            raise MXNetError(
                f"_MultiWorkerIter: batch {self._rcvd_idx} was never submitted "
                f"(submitted: {sorted(self._data_buffer)}); a _push_next override "
                "must store each result under self._sent_idx"
            )
        ret = self._data_buffer.pop(self._rcvd_idx)
        try:
            batch = ret.get(self._timeout)
        except multiprocessing.TimeoutError:
            processes = not isinstance(
                self._worker_pool, multiprocessing.pool.ThreadPool
            )
            raise _timeout_error(self._timeout, processes=processes) from None
        except Exception:
            self._worker_pool.terminate()
            raise
        if self._dataset is None and isinstance(batch, (bytes, bytearray)):
            batch = pickle.loads(batch)
        if self._pin_memory:
            batch = _pin(batch, self._pin_device_id)
        self._rcvd_idx += 1
        return batch

    def next(self):
        return self.__next__()

    def __iter__(self):
        return self


# ---------------------------------------------------------------- MXNet's v1 loader
def worker_loop_v1(dataset, key_queue, data_queue, batchify_fn) -> None:
    """Worker process of :class:`DataLoaderV1`: batches ``(idx, indices)`` until ``None``."""
    while True:
        idx, samples = key_queue.get()
        if idx is None:
            break
        batch = batchify_fn([dataset[i] for i in samples])
        data_queue.put((idx, batch))


def fetcher_loop_v1(
    data_queue, data_buffer, pin_memory=False, pin_device_id=0, data_buffer_lock=None
) -> None:
    """Fetcher thread of :class:`DataLoaderV1`: moves results into ``data_buffer[idx]``."""
    while True:
        idx, batch = data_queue.get()
        if idx is None:
            break
        if pin_memory:
            batch = _pin(batch, pin_device_id)
        if data_buffer_lock is not None:
            with data_buffer_lock:
                data_buffer[idx] = batch
        else:
            data_buffer[idx] = batch


# MXNet <= 1.4 names of the same functions.
worker_loop = worker_loop_v1
fetcher_loop = fetcher_loop_v1


class _MultiWorkerIterV1:
    """MXNet's first multi-worker iterator: worker processes fed through queues.

    Same constructor as MXNet 1.9.1's: ``(num_workers, dataset, batchify_fn,
    batch_sampler, pin_memory=False, pin_device_id=0, worker_fn=worker_loop_v1)``.
    """

    def __init__(
        self,
        num_workers,
        dataset,
        batchify_fn,
        batch_sampler,
        pin_memory=False,
        pin_device_id=0,
        worker_fn=worker_loop_v1,
    ) -> None:
        if num_workers <= 0:
            raise ValueError(f"_MultiWorkerIter is not for {num_workers} workers")
        self._num_workers = num_workers
        self._dataset = dataset
        self._batchify_fn = batchify_fn
        self._batch_sampler = batch_sampler
        self._key_queue = Queue()
        self._data_queue = SimpleQueue()
        self._data_buffer: dict = {}
        self._data_buffer_lock = threading.Lock()
        self._rcvd_idx = 0
        self._sent_idx = 0
        self._iter = iter(self._batch_sampler)
        self._shutdown = False

        ctx = _queue_context()
        workers = []
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", message=r".*use of fork\(\) may lead to deadlocks"
            )
            for _ in range(self._num_workers):
                worker = ctx.Process(
                    target=worker_fn,
                    args=(
                        self._dataset,
                        self._key_queue,
                        self._data_queue,
                        self._batchify_fn,
                    ),
                )
                worker.daemon = True
                worker.start()
                workers.append(worker)
        self._workers = workers
        self._fetcher = threading.Thread(
            target=fetcher_loop_v1,
            args=(
                self._data_queue,
                self._data_buffer,
                pin_memory,
                pin_device_id,
                self._data_buffer_lock,
            ),
        )
        self._fetcher.daemon = True
        self._fetcher.start()
        for _ in range(2 * self._num_workers):
            self._push_next()

    def __len__(self) -> int:
        return len(self._batch_sampler)

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.shutdown()

    def _push_next(self) -> None:
        """Send the next batch's indices to the workers."""
        r = next(self._iter, None)
        if r is None:
            return
        self._key_queue.put((self._sent_idx, r))
        self._sent_idx += 1

    def __next__(self):
        if self._shutdown:
            raise MXNetError("_MultiWorkerIterV1: __next__ called after shutdown")
        if self._rcvd_idx == self._sent_idx:
            self.shutdown()
            raise StopIteration
        while True:
            if self._rcvd_idx in self._data_buffer:
                with self._data_buffer_lock:
                    batch = self._data_buffer.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                self._push_next()
                return batch
            dead = [w for w in self._workers if not w.is_alive()]
            if dead:
                self.shutdown()
                raise _died_error(
                    ", ".join(f"pid {w.pid} exit code {w.exitcode}" for w in dead)
                )
            time.sleep(0.001)

    def next(self):
        return self.__next__()

    def __iter__(self):
        return self

    def shutdown(self) -> None:
        """Stop the fetcher thread and the worker processes."""
        if not self._shutdown:
            self._shutdown = True
            self._data_queue.put((None, None))
            self._fetcher.join()
            for _ in range(self._num_workers):
                self._key_queue.put((None, None))
            for w in self._workers:
                if w.is_alive():
                    w.terminate()


class DataLoaderV1:
    """MXNet's first DataLoader (no prefetch/thread pool/timeout options).

    Same parameters and batches as :class:`DataLoader`'s first ten; workers
    are processes fed through queues (:class:`_MultiWorkerIterV1`).
    """

    def __init__(
        self,
        dataset,
        batch_size=None,
        shuffle=False,
        sampler=None,
        last_batch=None,
        batch_sampler=None,
        batchify_fn=None,
        num_workers=0,
        pin_memory=False,
        pin_device_id=0,
    ) -> None:
        self._dataset = dataset
        self._pin_memory = pin_memory
        self._pin_device_id = pin_device_id
        self._batch_sampler = _make_batch_sampler(
            dataset, batch_size, shuffle, sampler, last_batch, batch_sampler
        )
        self._num_workers = num_workers if num_workers >= 0 else 0
        if batchify_fn is None:
            batchify_fn = (
                default_mp_batchify_fn if num_workers > 0 else default_batchify_fn
            )
        self._batchify_fn = batchify_fn

    def __iter__(self):
        if self._num_workers == 0:
            return self._same_process_iter()
        return _MultiWorkerIterV1(
            self._num_workers,
            self._dataset,
            self._batchify_fn,
            self._batch_sampler,
            self._pin_memory,
            self._pin_device_id,
        )

    def _same_process_iter(self):
        for batch in self._batch_sampler:
            ret = self._batchify_fn([self._dataset[i] for i in batch])
            if self._pin_memory:
                ret = _pin(ret, self._pin_device_id)
            yield ret

    def __len__(self) -> int:
        return len(self._batch_sampler)


def _make_batch_sampler(
    dataset, batch_size, shuffle, sampler, last_batch, batch_sampler
):
    """The batch sampler of a loader's arguments (MXNet's rules and messages)."""
    if batch_sampler is None:
        if batch_size is None:
            raise ValueError(
                "batch_size must be specified unless batch_sampler is specified"
            )
        if sampler is None:
            if shuffle:
                sampler = _sampler.RandomSampler(len(dataset))
            else:
                sampler = _sampler.SequentialSampler(len(dataset))
        elif shuffle:
            raise ValueError("shuffle must not be specified if sampler is specified")
        return _sampler.BatchSampler(
            sampler, batch_size, last_batch if last_batch else "keep"
        )
    if (
        batch_size is not None
        or shuffle
        or sampler is not None
        or last_batch is not None
    ):
        raise ValueError(
            "batch_size, shuffle, sampler and last_batch must not be specified if "
            "batch_sampler is specified."
        )
    return batch_sampler


# ---------------------------------------------------------------- DataLoader
class DataLoader:
    """Loads mini-batches from a dataset.

    Parameters
    ----------
    dataset : Dataset
        Source dataset (numpy arrays, NDArrays and lists work too).
    batch_size : int
        Size of a mini-batch; required unless ``batch_sampler`` is given.
    shuffle : bool, default False
        Shuffle the samples each epoch (numpy RNG). Not with ``sampler``.
    sampler : Sampler
        Order of the sample indices. Not with ``shuffle``.
    last_batch : {'keep', 'discard', 'rollover'}, default 'keep'
        What to do with an incomplete last batch (see :class:`BatchSampler`).
    batch_sampler : Sampler
        Yields lists of indices; excludes batch_size/shuffle/sampler/last_batch.
    batchify_fn : callable
        Merges a list of samples into a batch; default
        :func:`default_batchify_fn`.
    num_workers : int, default 0
        Worker processes (``torch.utils.data`` workers) preparing batches; 0
        loads in the calling thread.
    pin_memory : bool, default False
        Return batches in page-locked memory (when CUDA is available; a no-op
        otherwise), which speeds up copies to a GPU.
    pin_device_id : int, default 0
        Device the pinned memory is associated with.
    prefetch : int, default ``2 * num_workers``
        Number of batches requested ahead of consumption (workers only).
    thread_pool : bool, default False
        Use threads instead of processes for the workers.
    timeout : int, default 120
        Seconds to wait for a worker's batch before raising
        :class:`DataLoaderTimeoutError`.
    auto_reload : bool, default False
        Start prefetching the next epoch as soon as one ends (and at creation).
    try_nopython : bool or None, keyword-only
        Accepted for MXNet 2.x code; batches are the same either way.

    Examples
    --------
    >>> import numpy as np
    >>> from neogluon.gluon.data import ArrayDataset, DataLoader
    >>> ds = ArrayDataset(np.arange(10, dtype=np.float32), np.arange(10))
    >>> [x.shape for x, y in DataLoader(ds, batch_size=4)]
    [(4,), (4,), (2,)]
    """

    def __init__(
        self,
        dataset,
        batch_size=None,
        shuffle=False,
        sampler=None,
        last_batch=None,
        batch_sampler=None,
        batchify_fn=None,
        num_workers=0,
        pin_memory=False,
        pin_device_id=0,
        prefetch=None,
        thread_pool=False,
        timeout=120,
        auto_reload=False,
        *,
        try_nopython=None,
    ) -> None:
        self._dataset = dataset
        self._pin_memory = pin_memory
        self._pin_device_id = pin_device_id
        self._thread_pool = thread_pool
        self._timeout = timeout
        self._try_nopython = try_nopython
        self._iter = None
        if timeout is None or not timeout > 0:
            raise ValueError(f"timeout must be positive, given {timeout}")

        batch_sampler = _make_batch_sampler(
            dataset, batch_size, shuffle, sampler, last_batch, batch_sampler
        )
        self._batch_sampler = batch_sampler
        self._num_workers = num_workers if num_workers >= 0 else 0
        self._prefetch = max(
            0, int(prefetch) if prefetch is not None else 2 * self._num_workers
        )
        if batchify_fn is None:
            if self._num_workers > 0:
                self._batchify_fn = default_mp_batchify_fn
            else:
                self._batchify_fn = default_batchify_fn
        else:
            self._batchify_fn = batchify_fn
        self.auto_reload = auto_reload
        if self.auto_reload:
            self.refresh()
        else:
            self.clean()

    # ------------------------------------------------------------ MXNet's pool
    @property
    def _worker_pool(self):
        """MXNet's worker pool, for subclasses that build :class:`_MultiWorkerIter`.

        None without workers; otherwise a ``ThreadPool`` (``thread_pool=True``)
        or a forked process pool whose workers hold the dataset (for
        :func:`_worker_fn`), created on first access. The loader's own
        iteration uses torch's workers and never creates it.
        """
        pool = self.__dict__.get("_mx_worker_pool")
        if pool is None and self._num_workers > 0:
            pool = _new_worker_pool(self._dataset, self._num_workers, self._thread_pool)
            self.__dict__["_mx_worker_pool"] = pool
        return pool

    @_worker_pool.setter
    def _worker_pool(self, pool) -> None:
        self.__dict__["_mx_worker_pool"] = pool

    def __del__(self) -> None:
        pool = self.__dict__.get("_mx_worker_pool")
        if pool is not None:
            with contextlib.suppress(Exception):
                pool.terminate()

    # ------------------------------------------------------------ iteration
    def __iter__(self):
        if self._iter is None:
            self.refresh()
        t = self._iter
        self._iter = None  # an iterator is never consumed twice
        yield from t
        if self._iter is None and self.auto_reload:
            self.refresh()

    def __len__(self) -> int:
        return len(self._batch_sampler)

    def refresh(self) -> None:
        """Create the next epoch's iterator now (workers start prefetching)."""
        self._iter = self._prefetch_iter()

    def clean(self) -> None:
        """Drop the prefetched iterator; prefetching starts at the next ``iter()``."""
        self._iter = None

    def _finish(self, batch):
        if self._pin_memory:
            batch = _pin(batch, self._pin_device_id)
        return _np_batches(batch)

    def _prefetch_iter(self):
        if self._num_workers == 0:
            return self._same_process_iter()
        if self._thread_pool:
            return self._thread_iter()
        return self._process_iter()

    def _same_process_iter(self):
        where = "in the DataLoader (num_workers=0)"
        for batch in self._batch_sampler:
            yield self._finish(
                _thread_batch(self._dataset, self._batchify_fn, batch, where)
            )

    def _thread_iter(self):
        workers = _ThreadWorkers(self._num_workers)
        batches = iter(self._batch_sampler)
        pending: deque = deque()

        def push() -> None:
            idx = next(batches, None)
            if idx is not None:
                pending.append(
                    workers.submit(_thread_batch, self._dataset, self._batchify_fn, idx)
                )

        for _ in range(self._prefetch):
            push()

        def gen():
            try:
                while True:
                    push()
                    if not pending:
                        return
                    fut = pending.popleft()
                    try:
                        batch = fut.result(timeout=self._timeout)
                    except _FutureTimeout:
                        raise _timeout_error(self._timeout, processes=False) from None
                    yield self._finish(batch)
            finally:
                for fut in pending:
                    fut.cancel()
                workers.shutdown()

        g = gen()
        # An iterator dropped before its first batch never runs `finally`.
        weakref.finalize(g, workers.shutdown)
        return g

    def _process_iter(self):
        n = self._num_workers
        with warnings.catch_warnings():
            # torch warns when num_workers exceeds the CPU count (when the loader
            # is made and again at iter()); MXNet does not.
            warnings.filterwarnings("ignore", message="This DataLoader will create")
            # Python >= 3.12 warns when forking a multi-threaded process; torch's
            # workers are forked the same way (and MXNet's pool was).
            warnings.filterwarnings(
                "ignore", message=r".*use of fork\(\) may lead to deadlocks"
            )
            loader = _tud.DataLoader(
                _BatchFetcher(self._dataset, self._batchify_fn),
                batch_size=None,
                sampler=_EpochSampler(self._batch_sampler),
                num_workers=n,
                collate_fn=_collate_identity,
                timeout=self._timeout,
                worker_init_fn=_worker_init,
                multiprocessing_context=_mp_context(),
                prefetch_factor=max(1, math.ceil(self._prefetch / n)),
            )
            it = iter(loader)
        _LIVE_TORCH_ITERS.add(it)
        polled = _poll_workers_ourselves(it)
        return self._consume_workers(it, polled)

    def _consume_workers(self, it, polled: bool):
        ok = False
        try:
            while True:
                try:
                    try:
                        batch = _next_polled(it, self._timeout) if polled else next(it)
                    except (EOFError, OSError) as err:
                        # A batch sent by a worker that died before the parent
                        # took over its shared-memory handle.
                        dead = _dead_workers(it)
                        if dead:
                            raise _died_error(dead) from err
                        raise
                except StopIteration:
                    ok = True
                    return
                except RuntimeError as err:
                    # torch's own errors (also raised by its SIGCHLD handler)
                    text = str(err)
                    if isinstance(err, MXNetError):
                        raise
                    if text.startswith("DataLoader timed out"):
                        raise _timeout_error(self._timeout, processes=True) from None
                    if "exited unexpectedly" in text or "killed by signal" in text:
                        raise _died_error(text) from err
                    raise
                if isinstance(batch, _WorkerFailure):
                    batch.reraise()
                yield self._finish(batch)
        finally:
            if not ok:
                _stop_after_failure(it)
            del it
