"""Devices: MXNet's ``Context`` mapped onto ``torch.device``."""

from __future__ import annotations

import threading
import warnings

import torch

from .base import MXNetError

__all__ = [
    "Context",
    "cpu",
    "gpu",
    "cpu_pinned",
    "current_context",
    "num_gpus",
    "gpu_memory_info",
    "checked_torch_device",
]


class _ContextMeta(type):
    """Gives ``Context`` MXNet's deprecated class-level ``default_ctx``."""

    @property
    def default_ctx(cls) -> Context:
        warnings.warn(
            "Context.default_ctx has been deprecated. Please use "
            "Context.current_context() instead, and test_utils.set_default_context "
            "to set a default context.",
            DeprecationWarning,
            stacklevel=2,
        )
        return current_context()

    @default_ctx.setter
    def default_ctx(cls, val: Context) -> None:
        warnings.warn(
            "Context.default_ctx has been deprecated. Please use "
            "test_utils.set_default_context to set a default context.",
            DeprecationWarning,
            stacklevel=2,
        )
        Context._default.value = val


class Context(metaclass=_ContextMeta):
    """A device, as MXNet names it: ``cpu(0)``, ``gpu(1)``, ``cpu_pinned(0)``.

    Parameters
    ----------
    device_type : str or Context
        ``'cpu'``, ``'gpu'``, ``'cpu_pinned'`` or ``'cpu_shared'``.
    device_id : int, default 0
        Device ordinal.

    Examples
    --------
    >>> import neogluon as mx
    >>> mx.gpu(1)
    gpu(1)
    >>> with mx.cpu(0):
    ...     x = mx.nd.ones((2,))
    """

    devtype2str = {1: "cpu", 2: "gpu", 3: "cpu_pinned", 5: "cpu_shared"}
    devstr2type = {"cpu": 1, "gpu": 2, "cpu_pinned": 3, "cpu_shared": 5}
    _default = threading.local()

    __slots__ = ("device_typeid", "device_id", "_old_ctx", "_torch_device")
    # MXNet also names the thread-local default ``Context._default_ctx``.
    _default_ctx = _default

    def __init__(self, device_type, device_id: int = 0) -> None:
        if isinstance(device_type, Context):
            self.device_typeid = device_type.device_typeid
            self.device_id = device_type.device_id
        else:
            if device_type not in self.devstr2type:
                raise ValueError(
                    f"Unknown device type {device_type!r}; expected one of "
                    f"{sorted(self.devstr2type)}."
                )
            self.device_typeid = self.devstr2type[device_type]
            self.device_id = int(device_id)
        self._old_ctx: list[Context] = []
        self._torch_device = None

    @property
    def device_type(self) -> str:
        return self.devtype2str[self.device_typeid]

    @property
    def torch_device(self) -> torch.device:
        """The ``torch.device`` this context maps to."""
        dev = self._torch_device
        if dev is None:
            if self.device_typeid == 2:
                dev = torch.device("cuda", self.device_id)
            else:
                dev = torch.device("cpu")
            self._torch_device = dev
        return dev

    def __hash__(self) -> int:
        return hash((self.device_typeid, self.device_id))

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, Context)
            and self.device_typeid == other.device_typeid
            and self.device_id == other.device_id
        )

    def __str__(self) -> str:
        return f"{self.device_type}({self.device_id})"

    __repr__ = __str__

    def __enter__(self) -> Context:
        # A stack, so that ``with ctx:`` may be nested with the same object.
        self._old_ctx.append(current_context())
        Context._default.value = self
        return self

    def __exit__(self, *exc) -> None:
        Context._default.value = self._old_ctx.pop()

    def empty_cache(self) -> None:
        """Release cached device memory (GPU only)."""
        if self.device_typeid == 2 and torch.cuda.is_available():
            with torch.cuda.device(self.device_id):
                torch.cuda.empty_cache()

    @classmethod
    def from_torch_device(cls, device: torch.device) -> Context:
        return _context_of_device(device)


def cpu(device_id: int = 0) -> Context:
    """The CPU context."""
    return Context("cpu", device_id)


def gpu(device_id: int = 0) -> Context:
    """GPU ``device_id`` (a CUDA device in torch). Creating it never fails."""
    return Context("gpu", device_id)


def cpu_pinned(device_id: int = 0) -> Context:
    """Page-locked CPU memory (maps to ordinary CPU tensors, pinned on copy)."""
    return Context("cpu_pinned", device_id)


def current_context() -> Context:
    """The default context of this thread (``cpu(0)`` unless set with ``with``)."""
    ctx = getattr(Context._default, "value", None)
    if ctx is None:
        ctx = Context._default.value = Context("cpu", 0)
    return ctx


def num_gpus() -> int:
    """Number of CUDA devices torch can see."""
    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def gpu_memory_info(device_id: int = 0) -> tuple[int, int]:
    """``(free_bytes, total_bytes)`` of GPU ``device_id``."""
    if device_id >= num_gpus():
        raise MXNetError(
            f"gpu_memory_info: GPU {device_id} does not exist; this machine has "
            f"{num_gpus()} GPU(s)."
        )
    free, total = torch.cuda.mem_get_info(device_id)
    return int(free), int(total)


_DEVICE_CACHE: dict = {}
_CHECKED: dict = {}


def checked_torch_device(ctx: Context) -> torch.device:
    """The torch device to allocate on for ``ctx``, checked to exist.

    Creating ``mx.gpu(3)`` never fails (as in MXNet); allocating there does, with
    an MXNetError that names the device instead of a torch traceback.
    """
    key = (ctx.device_typeid, ctx.device_id)
    dev = _CHECKED.get(key)
    if dev is not None:
        return dev
    dev = ctx.torch_device
    if dev.type == "cuda":
        n = num_gpus()
        if ctx.device_id >= n:
            why = (
                "torch.cuda.is_available() is False (no CUDA device or a CPU-only "
                "torch build)"
                if n == 0
                else f"this machine has {n} GPU(s): gpu(0)..gpu({n - 1})"
            )
            raise MXNetError(
                f"Cannot allocate an array on {ctx}: {why}. Use mx.cpu() or a "
                "context from mx.test_utils.list_gpus()/mx.context.num_gpus()."
            )
    _CHECKED[key] = dev
    return dev


def _context_of_device(device: torch.device) -> Context:
    ctx = _DEVICE_CACHE.get(device)
    if ctx is None:
        if device.type == "cuda":
            ctx = Context("gpu", device.index or 0)
        else:
            ctx = Context("cpu", 0)
        _DEVICE_CACHE[device] = ctx
    return ctx
