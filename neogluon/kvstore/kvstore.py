"""Single-process key-value stores: ``local``, ``device`` and ``nccl``.

Matches MXNet 1.9.1's ``KVStore`` (``src/kvstore/kvstore_local.h``): a value
pushed for a key is the **sum** of the values given for it in that call (a
list of NDArrays for one key, one per device, is summed); without an
optimizer the stored value is replaced by that sum, with one
(``set_optimizer``) the store applies ``updater(key, summed, stored)`` to its
stored weight; ``pull`` copies the stored value into every output. Keys are
ints or strs (not both in one store); ``init`` of a key twice is an error.

``'local'`` keeps values and sums on the CPU (as MXNet's CPU comm does),
``'device'`` and ``'nccl'`` on the device of the initial value.

Differences from MXNet 1.9.1 (on purpose):

- The store keeps its own copy of a pushed value (MXNet aliases a single
  pushed array, so writing to it later changes the stored value).
- Pushing a value whose shape differs from the key's initial shape raises
  ``ValueError`` (MXNet silently replaces the stored array).
- An unknown store name raises ``ValueError`` (MXNet makes a local store).
"""

from __future__ import annotations

import builtins
import warnings

import torch

from .. import optimizer as opt
from .._atomic import write_atomic
from ..base import MXNetError
from ..ndarray import sparse as _sp
from ..ndarray.ndarray import NDArray
from ..ndarray.ndarray import from_torch
from ..registry import AssertionTypeError
from ..registry import AssertionValueError

__all__ = ["KVStore", "KVStoreBase", "TestStore"]


class KVStoreBase:
    """An abstract key-value store interface for data-parallel training.

    Subclasses registered with :meth:`register` are created by name through
    :func:`create` (the lower-cased class name).
    """

    OPTIMIZER = "optimizer"
    kv_registry: dict[str, type] = {}

    def broadcast(self, key, value, out, priority: int = 0) -> None:
        """Broadcast ``value`` (rank 0's) to all ranks and store it in ``out``."""
        raise NotImplementedError()

    def pushpull(self, key, value, out=None, priority: int = 0) -> None:
        """Push ``value`` for summation and pull the result into ``out``."""
        raise NotImplementedError()

    def set_optimizer(self, optimizer) -> None:
        """Register an optimizer: pushes then update the stored weights."""
        raise NotImplementedError()

    def is_capable(self, capability: str) -> bool:
        """Whether the store supports ``capability`` (``'optimizer'``)."""
        raise NotImplementedError()

    def save_optimizer_states(self, fname: str, dump_optimizer: bool = False) -> None:
        """Save the optimizer (updater) states to ``fname``."""
        raise NotImplementedError()

    def load_optimizer_states(self, fname: str) -> None:
        """Load optimizer (updater) states from ``fname``."""
        raise NotImplementedError()

    @property
    def type(self) -> str:
        """The type of this store (its name)."""
        raise NotImplementedError()

    @property
    def rank(self) -> int:
        """This worker's rank, in ``[0, num_workers)``."""
        raise NotImplementedError()

    @property
    def num_workers(self) -> int:
        """The number of workers."""
        raise NotImplementedError()

    @staticmethod
    def register(klass: builtins.type) -> builtins.type:
        """Class decorator: make ``klass`` creatable as ``create(name)``."""
        if not isinstance(klass, type):
            raise TypeError(
                f"KVStoreBase.register expects a class, got {type(klass).__name__}."
            )
        name = klass.__name__.lower()
        if name in KVStoreBase.kv_registry:
            import warnings

            old = KVStoreBase.kv_registry[name]
            warnings.warn(
                f"WARNING: New kvstore {klass.__module__}.{klass.__name__} is "
                f"overriding existing kvstore {old.__module__}.{old.__name__}",
                stacklevel=2,
            )
        KVStoreBase.kv_registry[name] = klass
        return klass


# ---------------------------------------------------------------- key handling
def _key_type(key) -> type:
    if isinstance(key, bool) or not isinstance(key, (int, str)):
        raise AssertionTypeError(
            f"kvstore keys must be int or str, got {type(key).__name__} ({key!r})."
        )
    return str if isinstance(key, str) else int


def _pairs(keys, vals, what: str) -> tuple[list[tuple[object, list]], type | None]:
    """Flatten MXNet's key/value nesting into ``[(key, [NDArray, ...]), ...]``.

    ``keys`` is one key (then ``vals`` is an NDArray or a list of NDArrays,
    one per device) or a list of keys (then ``vals`` has one entry per key).
    """
    if isinstance(keys, (list, tuple)):
        if not isinstance(vals, (list, tuple)) or len(keys) != len(vals):
            got = len(vals) if isinstance(vals, (list, tuple)) else type(vals).__name__
            raise AssertionValueError(
                f"kvstore.{what}: {len(keys)} keys need {len(keys)} values, got {got}."
            )
        out: list = []
        ktype = None
        for k, v in zip(keys, vals, strict=True):
            sub, t = _pairs(k, v, what)
            if ktype is not None and t is not ktype:
                raise AssertionTypeError(
                    f"kvstore.{what}: inconsistent types of keys detected "
                    f"({list(keys)!r}); use all int or all str keys."
                )
            ktype = t
            out += sub
        return out, ktype
    ktype = _key_type(keys)
    if isinstance(vals, NDArray):
        return [(keys, [vals])], ktype
    if isinstance(vals, (list, tuple)) and vals:
        for v in vals:
            if not isinstance(v, NDArray):
                raise AssertionTypeError(
                    f"kvstore.{what}: key {keys!r} expects an NDArray or a list of "
                    f"NDArrays (one per device), got a list holding "
                    f"{type(v).__name__}."
                )
        return [(keys, list(vals))], ktype
    raise AssertionTypeError(
        f"kvstore.{what}: key {keys!r} expects an NDArray or a non-empty list of "
        f"NDArrays, got {type(vals).__name__}."
    )


def _group(pairs: list[tuple[object, list]]) -> dict:
    """Values of repeated keys are merged in order (MXNet's GroupKVPairs)."""
    grouped: dict = {}
    for k, vs in pairs:
        grouped.setdefault(k, []).extend(vs)
    return grouped


def _quantize_2bit(residual: torch.Tensor, grad: torch.Tensor, threshold: float):
    """MXNet's 2bit compression: send +-threshold or 0, keep the rest as residual."""
    residual += grad
    q = torch.zeros_like(residual)
    q[residual >= threshold] = threshold
    q[residual <= -threshold] = -threshold
    residual -= q
    return q


class KVStore(KVStoreBase):
    """A key-value store for synchronizing values over several devices.

    Create one with :func:`create` (``mx.kv.create('device')``).

    Examples
    --------
    >>> import neogluon as mx
    >>> kv = mx.kv.create('local')
    >>> kv.init(3, mx.nd.ones((2, 3)))
    >>> kv.push(3, [mx.nd.ones((2, 3)) * 2, mx.nd.ones((2, 3)) * 3])
    >>> out = mx.nd.zeros((2, 3))
    >>> kv.pull(3, out=out)
    >>> out.asnumpy()[0]
    array([5., 5., 5.], dtype=float32)
    """

    def __init__(self, handle: str = "local") -> None:
        # MXNet's argument is the C store handle; here it is the store type
        # name that create() resolves ("local", "device", ...).
        name = handle
        self._type = name
        self._store: dict = {}
        self._key_type: type | None = None
        self._updater = None
        self._compression: dict | None = None
        self._residual: dict = {}
        self._on_device = "device" in name or "nccl" in name

    # ------------------------------------------------------------ properties
    @property
    def type(self) -> str:
        """The store's type, e.g. ``'local'`` or ``'dist_sync'``."""
        return self._type

    @property
    def rank(self) -> int:
        """This worker's rank (0 for single-process stores)."""
        return 0

    @property
    def num_workers(self) -> int:
        """The number of workers (1 for single-process stores)."""
        return 1

    def is_capable(self, capability: str) -> bool:
        """Queries a capability; every neogluon store supports ``'optimizer'``."""
        if capability.lower() == KVStoreBase.OPTIMIZER:
            return True
        raise ValueError(f"Unknown capability: {capability}")

    # ------------------------------------------------------------ helpers
    def _check_keys(self, ktype: builtins.type | None) -> None:
        if ktype is None:
            return
        if self._key_type is None:
            self._key_type = ktype
        elif self._key_type is not ktype:
            raise MXNetError(
                f"kvstore '{self._type}': mixed key types are not allowed; this "
                f"store uses {self._key_type.__name__} keys, got a "
                f"{ktype.__name__} key."
            )

    def _stored(self, key, what: str) -> NDArray:
        try:
            return self._store[key]
        except KeyError:
            raise MXNetError(
                f"kvstore '{self._type}'.{what}: key {key!r} has not been inited; "
                "call init(key, value) (or broadcast) first."
            ) from None

    def _device_of(self, value: NDArray) -> torch.device:
        t = value.to_torch()
        if "nccl" in self._type and t.device.type != "cuda":
            raise MXNetError(
                f"kvstore 'nccl' works on CUDA arrays only, got an array on "
                f"{value.context}; use kvstore 'device' or 'local' for CPU arrays."
            )
        return t.device if self._on_device else torch.device("cpu")

    def _check_shapes(self, key, values: list[NDArray], shape: tuple) -> None:
        for v in values:
            if v.shape != shape:
                raise ValueError(
                    f"kvstore '{self._type}': key {key!r} was initialized with "
                    f"shape {shape} but a pushed value has shape {v.shape}."
                )

    def _sparse_sum(self, values: list[NDArray]) -> bool:
        """Whether pushed ``values`` are summed row_sparse (all row_sparse,
        no compression, one process)."""
        return (
            self._compression is None
            and "dist" not in self._type
            and all(v.stype == "row_sparse" for v in values)
        )

    def _reduce(self, key, values: list[NDArray], shape: tuple) -> torch.Tensor:
        """Sum the values of one key on the store's device (a new tensor)."""
        self._check_shapes(key, values, shape)
        dev = self._device_of(values[0])
        with torch.no_grad():
            merged = self._merge(key, values, dev)
            return self._global_reduce(key, merged)

    def _merge(self, key, values: list[NDArray], dev: torch.device) -> torch.Tensor:
        """Sum this process's values; with 2bit compression, of each quantized."""
        if self._compression is not None:
            # MXNet's CommDevice: every device's value is quantized with its own
            # residual, then the dequantized values are summed.
            total = None
            for i, v in enumerate(values):
                q = self._quantize((key, i), v.to_torch().detach().to(dev))
                total = q if total is None else total + q
            return total
        total = values[0].to_torch().detach().to(dev, copy=True)
        for v in values[1:]:
            total += v.to_torch().detach().to(dev)
        return total

    def _quantize(self, slot, grad: torch.Tensor) -> torch.Tensor:
        res = self._residual.get(slot)
        if res is None:
            res = self._residual[slot] = torch.zeros_like(grad)
        return _quantize_2bit(res, grad, self._compression["threshold"])

    def _global_reduce(self, key, merged: torch.Tensor) -> torch.Tensor:
        """Sum ``merged`` over workers (identity in a single process)."""
        return merged

    def _first_value(self, key, value: torch.Tensor) -> torch.Tensor:
        """The initial value of ``key`` (rank 0's in distributed stores)."""
        return value

    # ------------------------------------------------------------ API
    def init(self, key, value) -> None:
        """Initialize one key or a list of keys with their values.

        Parameters
        ----------
        key : int, str, or list of them
        value : NDArray or list of NDArray
            With several values for one key, the first one is used.
        """
        pairs, ktype = _pairs(key, value, "init")
        self._check_keys(ktype)
        for k, vs in pairs:
            if k in self._store:
                raise MXNetError(
                    f"kvstore '{self._type}': duplicate init of key {k!r}. Please "
                    "double check if you called kv.init or kv.broadcast with this "
                    "key multiple times."
                )
            dev = self._device_of(vs[0])
            with torch.no_grad():
                t = vs[0].to_torch().detach().to(dev, copy=True)
                self._store[k] = from_torch(self._first_value(k, t))

    def push(self, key, value, priority: int = 0) -> None:
        """Push values: each key's values are summed, then stored or applied.

        Parameters
        ----------
        key : int, str, or list of them
        value : NDArray, list of NDArray (one key: summed), or list of lists
        priority : int, optional
            Accepted for compatibility (operations run in call order).
        """
        pairs, ktype = _pairs(key, value, "push")
        self._check_keys(ktype)
        for k, vs in _group(pairs).items():
            stored = self._stored(k, "push")
            if self._updater is not None and self._sparse_sum(vs):
                # MXNet sums row_sparse pushes row_sparse, so the optimizer
                # applies its lazy (row-wise) update
                self._check_shapes(k, vs, stored.shape)
                # (the device from the stored rows: no dense copy of the value)
                grad = _sp.sum_row_sparse(vs, self._device_of(vs[0].data))
                self._updater(k, grad, stored)
                continue
            merged = self._reduce(k, vs, stored.shape)
            if self._updater is not None:
                self._updater(k, from_torch(merged), stored)
            else:
                self._store[k] = from_torch(merged)

    def pull(
        self, key, out=None, priority: int = 0, ignore_sparse: bool = True
    ) -> None:
        """Copy the stored value of each key into its output array(s).

        Parameters
        ----------
        key : int, str, or list of them
        out : NDArray, list of NDArray, or list of lists
            Required (MXNet asserts ``out is not None``).
        priority : int, optional
            Accepted for compatibility.
        ignore_sparse : bool, default True
            As in MXNet, outputs with a sparse storage type (row_sparse, csr)
            are skipped and left unchanged, with a warning once per key (use
            :meth:`row_sparse_pull` for them). With False the stored value is
            cast into them.
        """
        if out is None:
            raise AssertionValueError(
                f"kvstore '{self._type}'.pull needs out=NDArray (or a list of "
                "them) to receive the stored value."
            )
        pairs, ktype = _pairs(key, out, "pull")
        self._check_keys(ktype)
        for k, outs in pairs:
            stored = self._stored(k, "pull")
            for o in outs:
                if o.shape != stored.shape:
                    raise ValueError(
                        f"kvstore '{self._type}'.pull: key {k!r} holds shape "
                        f"{stored.shape} but the output has shape {o.shape}."
                    )
                if o.stype != "default":
                    if ignore_sparse:
                        self._warn_sparse_pull(k)
                        continue
                    stored.copyto(o)  # cast to the output's storage type
                    continue
                with torch.no_grad():
                    o.to_torch().copy_(stored.to_torch())

    def _warn_sparse_pull(self, key) -> None:
        warned = self.__dict__.setdefault("_sparse_pull_warned", set())
        if key in warned:
            return
        warned.add(key)
        warnings.warn(
            f"kvstore '{self._type}'.pull: an output for key {key!r} has a sparse "
            "storage type; pull ignores it and leaves it unchanged (as MXNet). "
            "Use kv.row_sparse_pull(key, out=..., row_ids=...) for row_sparse "
            "outputs, or pull(..., ignore_sparse=False) to cast the value into it.",
            stacklevel=3,
        )

    def pushpull(self, key, value, out=None, priority: int = 0) -> None:
        """Push ``value`` then pull into ``out`` (into ``value`` when None)."""
        self.push(key, value, priority)
        self.pull(key, value if out is None else out, priority)

    def broadcast(self, key, value, out, priority: int = 0) -> None:
        """Initialize ``key`` with ``value`` (rank 0's) and pull it into ``out``."""
        self.init(key, value)
        self.pull(key, out, priority)

    def row_sparse_pull(self, key, out=None, priority: int = 0, row_ids=None) -> None:
        """Pull only the rows ``row_ids`` of each key into row_sparse ``out``.

        ``out`` holds RowSparseNDArrays (one per device, or lists per key);
        ``row_ids`` is an NDArray of row indices per output (duplicates and
        any order allowed). Each output then stores exactly the requested
        rows, sorted, as in MXNet.
        """
        if out is None or row_ids is None:
            raise AssertionValueError(
                f"kvstore '{self._type}'.row_sparse_pull needs out=RowSparseNDArray "
                "(or a list of them) and row_ids=NDArray of the rows to pull."
            )
        pairs, ktype = _pairs(key, out, "row_sparse_pull")
        self._check_keys(ktype)
        flat_ids = row_ids if isinstance(row_ids, (list, tuple)) else [row_ids]
        flat_ids = [
            r
            for ids in flat_ids
            for r in (ids if isinstance(ids, (list, tuple)) else [ids])
        ]
        num_out_arrays = sum(len(outs) for _, outs in pairs)
        if len(flat_ids) == 1 and num_out_arrays > 1:
            flat_ids = flat_ids * num_out_arrays
        if len(flat_ids) != num_out_arrays:
            raise ValueError(
                f"kvstore '{self._type}'.row_sparse_pull: {num_out_arrays} outputs but "
                f"{len(flat_ids)} row_ids arrays; give one per output."
            )
        it = iter(flat_ids)
        for k, outs in pairs:
            stored = self._stored(k, "row_sparse_pull")
            for o in outs:
                ids = next(it)
                if o.stype != "row_sparse":
                    raise MXNetError(
                        f"kvstore '{self._type}'.row_sparse_pull: out must be a "
                        f"RowSparseNDArray, got stype {o.stype!r}; use pull() for "
                        "dense outputs."
                    )
                if o.shape != stored.shape:
                    raise ValueError(
                        f"kvstore '{self._type}'.row_sparse_pull: key {k!r} holds "
                        f"shape {stored.shape} but the output has shape {o.shape}."
                    )
                if stored.stype == "default":
                    _sp.retain_dense(stored, ids).copyto(o)
                else:
                    _sp.retain(stored, ids).copyto(o)

    def set_gradient_compression(self, compression_params: dict) -> None:
        """Enable MXNet's 2bit gradient compression.

        ``{'type': '2bit', 'threshold': 0.5}``: each pushed value adds to a
        per-key, per-device residual; +-threshold (or 0) is sent where the
        residual reaches it and the rest stays in the residual. Only
        ``'device'`` and ``'dist*'`` stores support it (as in MXNet).
        """
        if "device" not in self._type and "dist" not in self._type:
            raise MXNetError(
                f"Gradient compression is not supported for kvstore "
                f"'{self._type}'; use kvstore 'device' or 'dist_sync'."
            )
        params = dict(compression_params)
        ctype = params.pop("type", None)
        if ctype != "2bit":
            raise MXNetError(
                f"Unknown type for gradient compression {ctype!r}; the only type "
                "is '2bit' (e.g. {'type': '2bit', 'threshold': 0.5})."
            )
        threshold = float(params.pop("threshold", 0.5))
        if params:
            raise ValueError(
                f"set_gradient_compression: unknown keys {sorted(params)}; 2bit "
                "compression takes only 'threshold'."
            )
        if threshold <= 0:
            raise ValueError(
                f"set_gradient_compression: threshold must be > 0, got {threshold}."
            )
        self._compression = {"type": "2bit", "threshold": threshold}
        self._residual = {}

    def set_optimizer(self, optimizer) -> None:
        """Apply ``optimizer`` on the store: push updates the stored weights.

        Every worker of a distributed store applies the same update to the
        same summed gradient, so the weights stay equal (MXNet runs it once
        on the servers).
        """
        if not isinstance(optimizer, opt.Optimizer):
            raise TypeError(
                "set_optimizer expects an mx.optimizer.Optimizer (e.g. "
                f"mx.optimizer.SGD()), got {type(optimizer).__name__}."
            )
        self._set_updater(opt.get_updater(optimizer))

    def _set_updater(self, updater) -> None:
        """Use ``updater(key, pushed_sum, stored)`` on each push."""
        self._updater = updater

    def save_optimizer_states(self, fname: str, dump_optimizer: bool = False) -> None:
        """Save the updater's states (and the optimizer when ``dump_optimizer``)."""
        if self._updater is None:
            raise MXNetError(
                f"kvstore '{self._type}' has no optimizer; call set_optimizer "
                "before save_optimizer_states."
            )
        write_atomic(fname, self._updater.get_states(dump_optimizer))

    def load_optimizer_states(self, fname: str) -> None:
        """Load states written by :meth:`save_optimizer_states` (or MXNet)."""
        if self._updater is None:
            raise MXNetError(
                f"kvstore '{self._type}' has no optimizer; call set_optimizer "
                "before load_optimizer_states."
            )
        with open(fname, "rb") as f:
            self._updater.set_states(f.read())

    def _barrier(self) -> None:
        """Global barrier among workers (no-op in a single process)."""

    def barrier(self) -> None:
        """Global barrier among workers (alias of MXNet's ``_barrier``)."""
        self._barrier()


@KVStoreBase.register
class TestStore(KVStoreBase):
    """A key-value store for testing (MXNet's ``'teststore'``): no optimizer."""

    def broadcast(self, key, value, out, priority: int = 0) -> None:
        """Copy ``value`` into every output."""
        for o in out if isinstance(out, list) else [out]:
            o[:] = value

    def pushpull(self, key, value, out=None, priority: int = 0) -> None:
        """Sum ``value`` (a list) into ``out``, or into ``value`` when None."""
        if isinstance(value, NDArray):
            if out is not None:
                for o in out if isinstance(out, list) else [out]:
                    o[:] = value
            return
        ctx = value[0].context
        reduced = value[0].as_in_context(ctx).copy()
        for v in value[1:]:
            reduced += v.as_in_context(ctx)
        targets = value if out is None else (out if isinstance(out, list) else [out])
        for o in targets:
            o[:] = reduced

    @staticmethod
    def is_capable(capability: str) -> bool:
        """No optimizer support."""
        if capability.lower() == KVStoreBase.OPTIMIZER:
            return False
        raise ValueError(f"Unknown capability: {capability}")

    @property
    def type(self) -> str:
        return "teststore"

    @property
    def rank(self) -> int:
        return 0

    @property
    def num_workers(self) -> int:
        return 1
