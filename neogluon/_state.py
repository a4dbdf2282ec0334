"""Thread-local autograd flags (recording / training).

Kept in its own tiny module so that operator kernels (Dropout, BatchNorm) can read
the training flag without importing the autograd front end.
"""

from __future__ import annotations

import threading


class _Flags(threading.local):
    def __init__(self) -> None:
        self.recording = False
        self.training = False
        # Path of the Gluon block currently running, for error messages.
        self.block_path: list[str] = []
        # >0 while a HybridBlock traces itself internally (deferred shape
        # inference, hybridize); forward hooks do not fire on those traces.
        self.tracing = 0


flags = _Flags()


def is_recording() -> bool:
    return flags.recording


def is_training() -> bool:
    return flags.training


def current_block() -> str | None:
    path = flags.block_path
    return path[-1] if path else None
