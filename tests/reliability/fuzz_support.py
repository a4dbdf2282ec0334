"""Shared pieces of the reader fuzzers (tests/reliability/test_fuzz.py).

- :func:`settings_for` : the hypothesis settings of the short run (``make
  test``: few examples, derandomized, so every run tries the same inputs) and
  of the long run (``make fuzz``: ``NEOGLUON_FUZZ=long``, many random
  examples, ``NEOGLUON_FUZZ_EXAMPLES`` of them).
- :func:`guarded` : calls a reader under the three checks every fuzz case
  makes: only the allowed exception types escape, no hang (SIGALRM), and a
  bounded allocation (tracemalloc's peak, which sees Python objects and
  numpy buffers, and the growth of the process's peak RSS, which sees
  torch's and Pillow's too).
- field maps of valid files, written independently of the readers under
  test: :func:`params_fields` walks an ``nd.save`` file, :func:`rec_fields`
  a RecordIO file, so that mutations can target the lengths, counts, dtypes,
  shapes and indices a file declares instead of random bytes only.
"""

from __future__ import annotations

import math
import os
import resource
import signal
import struct
import tracemalloc
from dataclasses import dataclass

from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st

LONG = os.environ.get("NEOGLUON_FUZZ", "") == "long"
LONG_EXAMPLES = int(os.environ.get("NEOGLUON_FUZZ_EXAMPLES", "2000"))

# A reader may use this much Python/numpy memory on one small (< 64 KiB)
# fuzzed file: far more than a valid file of that size needs, far less than
# what a declared size of GiBs would ask for.
MEM_LIMIT = 48 << 20
# Growth of the process's peak RSS allowed over one whole fuzz test.
RSS_LIMIT = 512 << 20
# Seconds one reader call may take (generous: the test machine is shared).
TIME_LIMIT = 20.0


def settings_for(short_examples: int) -> settings:
    """Settings of one fuzz test: short and deterministic unless NEOGLUON_FUZZ=long."""
    common = dict(
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture,
        ],
    )
    if LONG:
        return settings(max_examples=LONG_EXAMPLES, derandomize=False, **common)
    return settings(max_examples=short_examples, derandomize=True, **common)


class Hang(Exception):
    """A reader call ran past TIME_LIMIT."""


def _on_alarm(signum, frame):
    raise Hang(f"reader call ran longer than {TIME_LIMIT} s")


def guarded(fn, allowed: tuple, *args, **kwargs):
    """``fn(*args, **kwargs)``; returns ``(result, None)`` or ``(None, error)``.

    Fails the test (AssertionError) when an exception outside ``allowed``
    escapes, when the call hangs, or when it allocates more than MEM_LIMIT.
    """
    tracemalloc.start()
    old = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
    result = error = None
    try:
        result = fn(*args, **kwargs)
    except Hang:
        raise AssertionError(f"{fn.__qualname__} hung (> {TIME_LIMIT} s)") from None
    except allowed as err:
        error = err
    except Exception as err:  # noqa: BLE001 - the point of the check
        raise AssertionError(
            f"{fn.__qualname__} raised {type(err).__name__}: {err}; only "
            f"{', '.join(t.__name__ for t in allowed)} may escape a reader"
        ) from err
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak <= MEM_LIMIT, (
        f"{fn.__qualname__} allocated {peak} bytes (limit {MEM_LIMIT})"
    )
    if error is not None:
        assert str(error), f"{type(error).__name__} without a message"
    return result, error


class RssWatch:
    """Context manager: the peak RSS may grow by at most RSS_LIMIT inside."""

    def __enter__(self):
        self.start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        return self

    def __exit__(self, *exc):
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - self.start
        assert grown <= RSS_LIMIT, f"peak RSS grew by {grown} bytes"
        return False


# ------------------------------------------------------------------ field maps
@dataclass(frozen=True)
class Field:
    """One declared value of a file: its offset, struct format and role."""

    offset: int
    fmt: str
    role: str

    @property
    def size(self) -> int:
        return struct.calcsize(self.fmt)


_ITEMSIZE = {0: 4, 1: 8, 2: 2, 3: 1, 4: 4, 5: 1, 6: 8, 7: 1, 12: 2}


class _Walk:
    def __init__(self, buf: bytes) -> None:
        self.buf = buf
        self.pos = 0
        self.fields: list[Field] = []

    def get(self, fmt: str, role: str) -> int:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.buf):
            raise EOFError
        (v,) = struct.unpack_from(fmt, self.buf, self.pos)
        self.fields.append(Field(self.pos, fmt, role))
        self.pos += size
        return v

    def shape(self, role: str) -> tuple:
        ndim = self.get("<i", f"{role} ndim")
        return tuple(self.get("<q", f"{role} dim") for _ in range(max(ndim, 0)))

    def skip(self, n: int) -> None:
        if n < 0 or self.pos + n > len(self.buf):
            raise EOFError
        self.pos += n


def _record(w: _Walk) -> None:
    magic = w.get("<I", "record magic")
    if magic != 0xF993FAC9:
        raise EOFError  # only our own V2 records are mapped further
    stype = w.get("<i", "stype")
    if stype == 0:
        shape = w.shape("shape")
        if not shape and w.pos + 12 > len(w.buf):
            return
        w.get("<i", "dev_type")
        w.get("<i", "dev_id")
        flag = w.get("<i", "type flag")
        w.skip(math.prod(shape) * _ITEMSIZE.get(flag, 1))
        return
    sshape = w.shape("storage shape")
    w.shape("shape")
    w.get("<i", "dev_type")
    w.get("<i", "dev_id")
    flag = w.get("<i", "type flag")
    aux = []
    for _ in range(1 if stype == 1 else 2):
        aflag = w.get("<i", "aux type flag")
        aux.append((aflag, w.shape("aux shape")))
    w.skip(math.prod(sshape) * _ITEMSIZE.get(flag, 1))
    for aflag, ashape in aux:
        w.skip(math.prod(ashape) * _ITEMSIZE.get(aflag, 1))


def params_fields(buf: bytes) -> list[Field]:
    """The declared fields of an ``nd.save`` file (as far as they can be mapped)."""
    w = _Walk(buf)
    try:
        w.get("<Q", "list magic")
        w.get("<Q", "reserved")
        n = w.get("<Q", "array count")
        for _ in range(n):
            _record(w)
        k = w.get("<Q", "name count")
        for _ in range(k):
            w.skip(w.get("<Q", "name length"))
    except EOFError:
        pass
    return w.fields


def record_fields(buf: bytes) -> list[Field]:
    """The declared fields of one record (``dumps_array``'s bytes)."""
    w = _Walk(buf)
    try:
        _record(w)
    except EOFError:
        pass
    return w.fields


def rec_fields(buf: bytes) -> list[Field]:
    """The chunk headers (magic, length word) of a RecordIO file."""
    fields = []
    pos = 0
    while pos + 8 <= len(buf):
        _, lrec = struct.unpack_from("<II", buf, pos)
        fields.append(Field(pos, "<I", "chunk magic"))
        fields.append(Field(pos + 4, "<I", "chunk length word"))
        pos += 8 + (((lrec & ((1 << 29) - 1)) + 3) & ~3)
    return fields


# ------------------------------------------------------------------ mutations
def interesting_ints(fmt: str) -> list[int]:
    """Edge values for an integer field of struct format ``fmt``."""
    size = struct.calcsize(fmt)
    bits = size * 8
    signed = fmt[-1].islower()
    lo, hi = (
        (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    )
    vals = {
        0,
        1,
        2,
        3,
        7,
        12,
        13,
        32,
        33,
        255,
        256,
        4096,
        65535,
        1 << 20,
        1 << 29,
        hi,
        hi - 1,
        hi // 2 + 1,
    }
    if signed:
        vals |= {-1, -2, lo, lo + 1}
    if bits >= 32:
        vals |= {(1 << 31) - 1, 1 << 31, 0xF993FAC9, 0xCED7230A, 0x112}
    if bits >= 64:
        vals |= {1 << 32, 1 << 40, 1 << 62, (1 << 63) - 1}
    return sorted(v for v in vals if lo <= v <= hi)


def set_field(buf: bytes, field: Field, value: int) -> bytes:
    size = struct.calcsize(field.fmt)
    return (
        buf[: field.offset] + struct.pack(field.fmt, value) + buf[field.offset + size :]
    )


@st.composite
def field_value(draw, field: Field, current: int):
    """A new value for ``field``: an edge value, a neighbour or a random one."""
    size = struct.calcsize(field.fmt)
    signed = field.fmt[-1].islower()
    bits = size * 8
    lo, hi = (
        (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    )
    return draw(
        st.one_of(
            st.sampled_from(interesting_ints(field.fmt)),
            st.integers(-3, 3).map(lambda d: min(max(current + d, lo), hi)),
            st.integers(lo, hi),
        )
    )


@st.composite
def byte_mutation(draw, buf: bytes) -> bytes:
    """A structure-blind change: truncation, bit flip, byte insert/delete/dup."""
    kind = draw(
        st.sampled_from(["truncate", "flip", "insert", "delete", "dup", "zero"])
    )
    n = len(buf)
    if n == 0:
        return draw(st.binary(max_size=16))
    at = draw(st.integers(0, n - 1))
    if kind == "truncate":
        return buf[:at]
    if kind == "flip":
        bit = draw(st.integers(0, 7))
        return buf[:at] + bytes([buf[at] ^ (1 << bit)]) + buf[at + 1 :]
    if kind == "insert":
        return buf[:at] + draw(st.binary(min_size=1, max_size=16)) + buf[at:]
    if kind == "delete":
        k = draw(st.integers(1, 16))
        return buf[:at] + buf[at + k :]
    if kind == "zero":
        k = draw(st.integers(1, 16))
        return buf[:at] + bytes(min(k, n - at)) + buf[at + k :]
    k = draw(st.integers(1, 64))
    return buf[:at] + buf[at : at + k] + buf[at:]


@st.composite
def structured_mutation(draw, buf: bytes, fields: list[Field]) -> bytes:
    """Change one declared field (or, one time in four, bytes anywhere)."""
    if not fields or draw(st.integers(0, 3)) == 0:
        return draw(byte_mutation(buf))
    field = draw(st.sampled_from(fields))
    (current,) = struct.unpack_from(field.fmt, buf, field.offset)
    return set_field(buf, field, draw(field_value(field, current)))


@st.composite
def mutated(draw, buf: bytes, mapper, max_steps: int = 3) -> bytes:
    """``buf`` after 1..max_steps mutations, the field map recomputed each time."""
    for _ in range(draw(st.integers(1, max_steps))):
        buf = draw(structured_mutation(buf, mapper(buf)))
    return buf
