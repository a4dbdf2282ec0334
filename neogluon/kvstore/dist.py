"""Distributed kvstores on ``torch.distributed``: ``dist_sync``, ``dist_device_sync``.

Launch one process per worker with ``torchrun`` (or set ``RANK``,
``WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT`` yourself); the first
``create('dist_sync')`` joins the default process group (``env://``) unless
the program already made one. Gloo carries CPU arrays, NCCL CUDA arrays.

Semantics of MXNet 1.9.1's synchronous parameter server, without servers:

- ``init`` / ``broadcast``: the value of rank 0 is used on every worker.
- ``push``: each worker sums its values for a key (one per device), then the
  sums are added over all workers (``all_reduce``); without an optimizer the
  store holds that total, with one every worker applies the same update to
  its identical copy of the weight (MXNet runs it once on the servers).
- ``pull`` returns the stored value; ``rank``/``num_workers`` come from the
  process group, ``_barrier()`` is ``torch.distributed.barrier``.

Every worker must push the same keys in the same order (collectives).
``'dist_sync'`` sums on the CPU, ``'dist_device_sync'`` on the arrays' device.
2bit compression quantizes each worker's sum (per-key residual) before the
all-reduce, as MXNet's workers do before sending to the servers.

Differences from MXNet 1.9.1: ``dist_async`` is not offered (there are no
servers to apply updates out of order), and ``save_optimizer_states`` works
(each worker holds the optimizer states).
"""

from __future__ import annotations

import os

import torch
import torch.distributed as tdist

from ..base import MXNetError
from .kvstore import KVStore

__all__ = ["DistKVStore", "HorovodKVStore", "create_dist"]

_ENV = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")


def _ensure_process_group(name: str) -> None:
    if not tdist.is_available():
        raise MXNetError(
            f"kvstore {name!r} needs torch.distributed, which this torch build "
            "lacks; use kvstore 'device' or 'local' for one process."
        )
    if tdist.is_initialized():
        return
    missing = [v for v in _ENV if v not in os.environ]
    if missing:
        raise MXNetError(
            f"kvstore {name!r} runs one process per worker; environment variables "
            f"{missing} are not set. Launch with torchrun, e.g. "
            "'torchrun --nproc_per_node=2 train.py', or set RANK, WORLD_SIZE, "
            "MASTER_ADDR and MASTER_PORT, or call "
            "torch.distributed.init_process_group() first."
        )
    backend = "gloo"
    if torch.cuda.is_available() and tdist.is_nccl_available():
        backend = "cpu:gloo,cuda:nccl"
    tdist.init_process_group(backend=backend, init_method="env://")


class DistKVStore(KVStore):
    """A synchronous multi-process store over ``torch.distributed``.

    Create it with ``mx.kv.create('dist_sync')`` (or ``'dist_device_sync'``)
    in every worker process.
    """

    def __init__(self, name: str = "dist_sync") -> None:
        _ensure_process_group(name)
        super().__init__(name)
        self._on_device = "device" in name

    @property
    def rank(self) -> int:
        """This worker's rank in the process group."""
        return tdist.get_rank()

    @property
    def num_workers(self) -> int:
        """The number of workers in the process group."""
        return tdist.get_world_size()

    def _merge(self, key, values, dev: torch.device) -> torch.Tensor:
        compression, self._compression = self._compression, None
        try:
            total = super()._merge(key, values, dev)
        finally:
            self._compression = compression
        if compression is not None:
            total = self._quantize(key, total)
        return total

    def _global_reduce(self, key, merged: torch.Tensor) -> torch.Tensor:
        tdist.all_reduce(merged, op=tdist.ReduceOp.SUM)
        return merged

    def _first_value(self, key, value: torch.Tensor) -> torch.Tensor:
        tdist.broadcast(value, src=0)
        return value

    def _barrier(self) -> None:
        """Block until every worker reaches the barrier."""
        tdist.barrier()


class HorovodKVStore(DistKVStore):
    """``mx.kv.create('horovod')``: the same store on Horovod's collectives."""

    def __init__(self, name: str = "horovod") -> None:
        try:
            import horovod.torch as hvd
        except ImportError:
            raise MXNetError(
                "kvstore 'horovod' needs the horovod package (horovod.torch), "
                "which is not installed. Use kvstore 'dist_device_sync' (or "
                "'dist_sync' on CPU) launched with torchrun: the same allreduce "
                "through torch.distributed."
            ) from None
        hvd.init()
        self._hvd = hvd
        KVStore.__init__(self, name)
        self._on_device = True

    @property
    def rank(self) -> int:
        return self._hvd.rank()

    @property
    def num_workers(self) -> int:
        return self._hvd.size()

    def _global_reduce(self, key, merged: torch.Tensor) -> torch.Tensor:
        return self._hvd.allreduce_(merged, op=self._hvd.Sum)

    def _first_value(self, key, value: torch.Tensor) -> torch.Tensor:
        return self._hvd.broadcast_(value, root_rank=0)

    def _barrier(self) -> None:
        self._hvd.barrier()


def create_dist(name: str) -> KVStore:
    """The distributed store for ``name`` (called by :func:`create`)."""
    if name == "horovod":
        return HorovodKVStore(name)
    if "async" in name:
        raise MXNetError(
            f"kvstore {name!r} (asynchronous parameter server) is not supported by "
            "neogluon; use 'dist_sync' (or 'dist_device_sync' on GPUs), "
            "synchronous allreduce launched with torchrun."
        )
    if name == "byteps" or "dist" not in name:
        raise MXNetError(
            f"kvstore {name!r} is not supported by neogluon; use 'dist_sync' or "
            "'dist_device_sync' launched with torchrun."
        )
    return DistKVStore(name)
