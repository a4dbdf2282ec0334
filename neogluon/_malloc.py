"""glibc ``malloc`` settings that keep large CPU buffers mapped between steps.

PyTorch allocates CPU tensors with the C library's ``malloc`` and has no CPU
caching allocator. With glibc's defaults, a buffer of a few MiB to 32 MiB
(a ``(700, 10000)`` float32 logits tensor is 28 MiB) is either ``mmap``-ed
afresh or carved from the heap top that ``free`` keeps trimming back to the
kernel, so every training step faults its pages in again: 4 KiB at a time,
each zero-filled by the kernel. In issue 11's LSTM language-model step that
is 7,000-27,000 minor page faults and about 20% of the step's CPU time
(LeNet: up to 4,000 faults). MXNet 1.9.1 does not pay this in its static
graphs (its memory planner reuses buffers).

:func:`tune` sets two ``mallopt`` parameters; importing neogluon applies
them once (:data:`APPLIED` says whether they were set):

* ``M_MMAP_THRESHOLD`` = 32 MiB (glibc's largest): blocks below it come from
  the heap, where a freed block is reused by the next step;
* ``M_TRIM_THRESHOLD`` = 256 MiB: up to that much free memory at the heap top
  stays mapped instead of being returned to the kernel after every step.

Peak memory is unchanged; memory freed after a peak (up to 256 MiB) stays
resident until the process reuses it. Not applied (:func:`tune` returns
False) off glibc, when ``NEOGLUON_MALLOC_TUNING=0``, or when the environment
already sets glibc's own ``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_``
/ ``GLIBC_TUNABLES`` (the user's choice wins).
"""

from __future__ import annotations

import ctypes
import os
import sys

__all__ = ["APPLIED", "MMAP_THRESHOLD", "TRIM_THRESHOLD", "tune"]

#: glibc's ``mallopt`` parameter numbers (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 256 * 1024 * 1024

_USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES")


def tune(environ: dict[str, str] | None = None) -> bool:
    """Apply the settings above; True when both ``mallopt`` calls succeeded."""
    env = os.environ if environ is None else environ
    if env.get("NEOGLUON_MALLOC_TUNING", "1") == "0":
        return False
    if any(k in env for k in _USER_SETTINGS) or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.gnu_get_libc_version  # noqa: B018 - glibc only (not musl)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    # The mmap threshold first: setting either disables glibc's dynamic
    # adjustment of both, so a trim threshold alone would send every block
    # above the default 128 KiB to mmap.
    if mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) != 1:
        return False
    return mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1


#: Whether importing neogluon set the parameters.
APPLIED = tune()
