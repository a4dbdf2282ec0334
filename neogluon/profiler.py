"""``mx.profiler``: MXNet's profiler API as a facade over ``torch.profiler``.

Usage is MXNet's::

    mx.profiler.set_config(filename="profile.json", profile_all=True)
    mx.profiler.set_state("run")
    ...  # nd / gluon work
    mx.profiler.set_state("stop")
    mx.profiler.dump()          # Chrome trace (chrome://tracing, Perfetto)
    print(mx.profiler.dumps())  # aggregate table

Differences from MXNet 1.9.1:

* Eager operators called through ``nd.<op>``, NDArray's arithmetic
  operators and ``invoke`` are ranges named as in MXNet (``sqrt``,
  ``_plus_scalar``, ``broadcast_add``; see :mod:`neogluon._opprof`), with
  torch's kernels (``aten::sqrt``) nested below them in the trace; the
  aggregate table lists the MXNet operators and only the torch events that
  ran outside any of them (graphs run by executors and hybridized blocks show
  torch's kernels). One ``operator`` category (plus ``Custom Profiling`` for
  Task/Frame/Event ranges). With ``profile_memory``
  (or ``profile_all``) the "Device Storage" memory table has one counter per
  device (``Memory: cpu/0``) of the bytes torch allocated and freed while
  profiling, relative to the start, not MXNet's storage-pool figures.
* ``pause()``/``resume()`` end and start a torch profiling session; ``dump``
  merges every session since the last ``dump(finished=True)`` into one
  trace. ``dumps()`` while running briefly restarts the torch session.
* ``profile_symbolic``/``profile_imperative``/``profile_api`` cannot be told
  apart (everything runs eagerly on torch) and are accepted and stored;
  ``profile_memory`` (or ``profile_all``) turns on torch's memory profiling;
  ``continuous_dump``/``dump_period`` are accepted but no periodic dump runs.
* ``profile_process='server'`` (dist kvstore servers) raises MXNetError.
* Counter values are written as Chrome-trace counter (``"ph": "C"``) events;
  Markers are zero-length ``record_function`` ranges.
"""

from __future__ import annotations

import atexit
import json
import os
import tempfile
import time
import warnings

import torch
from torch.profiler import ProfilerActivity
from torch.profiler import record_function

from . import _opprof
from ._atomic import write_atomic
from .base import MXNetError

__all__ = [
    "Counter",
    "Domain",
    "Event",
    "Frame",
    "Marker",
    "Task",
    "dump",
    "dump_profile",
    "dumps",
    "pause",
    "profiler_set_config",
    "profiler_set_state",
    "resume",
    "set_config",
    "set_kvstore_handle",
    "set_state",
]

_CONFIG_KEYS = (
    "filename",
    "profile_all",
    "profile_symbolic",
    "profile_imperative",
    "profile_memory",
    "profile_api",
    "continuous_dump",
    "dump_period",
    "aggregate_stats",
    "profile_process",
)
_SORT_KEYS = ("total", "avg", "min", "max", "count")


class _State:
    config: dict = {"filename": "profile.json"}
    session = None  # running torch.profiler.profile
    running = False  # set_state('run') active (possibly paused)
    paused = False
    traces: list = []  # Chrome-trace dicts of finished sessions
    stats: dict = {}  # (category, name) -> [count, total, min, max] in ms
    # device name -> [count, min, max, current] of bytes held by torch tensors
    # allocated while profiling with profile_memory (relative to the start)
    memory: dict = {}
    counters: list = []  # extra Chrome-trace counter events (epoch us)
    json_cache: dict = {}  # encoded events, see _merged_trace_json


#: The kvstore whose server processes ``profile_process='server'`` would
#: profile (MXNet's module variable; set by :func:`set_kvstore_handle`).
profiler_kvstore_handle = None


def set_kvstore_handle(handle) -> None:
    """Record the kvstore used for server-side profiling (MXNet's hook, called
    by ``kvstore.create`` for dist stores). neogluon has no server processes, so
    ``profile_process='server'`` still raises; the handle is only stored."""
    global profiler_kvstore_handle
    profiler_kvstore_handle = handle


def _check_process(profile_process: str, fn: str) -> None:
    if profile_process == "worker":
        return
    if profile_process == "server":
        raise MXNetError(
            f"mx.profiler.{fn}: profile_process='server' profiles dist kvstore "
            "servers, which neogluon does not have; use 'worker'"
        )
    raise ValueError(
        f"mx.profiler.{fn}: profile_process must be 'worker' or 'server', "
        f"got {profile_process!r}"
    )


def _truthy(v) -> bool:
    if isinstance(v, str):
        return v.strip().lower() in ("1", "true")
    return bool(v)


def set_config(**kwargs) -> None:
    """Configure the profiler (keyword arguments only, as MXNet).

    Keys: ``filename, profile_all, profile_symbolic, profile_imperative,
    profile_memory, profile_api, continuous_dump, dump_period,
    aggregate_stats, profile_process``.
    """
    bad = sorted(set(kwargs) - set(_CONFIG_KEYS))
    if bad:
        raise ValueError(
            f"mx.profiler.set_config: unknown keyword(s) {bad}; "
            f"expected some of {list(_CONFIG_KEYS)}"
        )
    _check_process(kwargs.get("profile_process", "worker"), "set_config")
    _State.config.update(kwargs)


def _memory_enabled() -> bool:
    cfg = _State.config
    return _truthy(cfg.get("profile_memory", False)) or _truthy(
        cfg.get("profile_all", False)
    )


def _add_memory_stats(events) -> None:
    """MXNet's "Device Storage" counters from torch's memory events.

    Each allocation or free (an event's own ``self_*_memory_usage``) moves the
    per-device counter of bytes in use; count, min and max are kept.
    """
    changes = []
    for ev in events:
        start = ev.time_range.start
        cpu = getattr(ev, "self_cpu_memory_usage", 0) or 0
        if cpu:
            changes.append((start, "cpu/0", cpu))
        dev = getattr(ev, "self_device_memory_usage", None)
        if dev is None:
            dev = getattr(ev, "self_cuda_memory_usage", 0)
        if dev:
            changes.append((start, f"gpu/{max(ev.device_index, 0)}", dev))
    changes.sort(key=lambda c: c[0])
    for _, device, delta in changes:
        rec = _State.memory.setdefault(f"Memory: {device}", [0, 0, 0, 0])
        rec[3] += delta
        rec[0] += 1
        rec[1] = min(rec[1], rec[3])
        rec[2] = max(rec[2], rec[3])


def _start_session() -> None:
    acts = [ProfilerActivity.CPU]
    if torch.cuda.is_available():
        acts.append(ProfilerActivity.CUDA)
    memory = _memory_enabled()
    session = torch.profiler.profile(activities=acts, profile_memory=memory)
    session.start()
    _State.session = session
    _opprof.State.on = True


def _end_session() -> None:
    session = _State.session
    if session is None:
        return
    _State.session = None
    _opprof.State.on = False
    session.stop()
    events = session.events()
    if _memory_enabled():
        _add_memory_stats(events)
    ops = _opprof.State.names
    custom = _opprof.State.custom
    for ev in events:
        if ev.name in custom:
            cat = "Custom Operator"  # custom operators' code and its operators
        elif _inside_op(ev, ops):
            continue  # a torch kernel of a named MXNet operator
        else:
            cat = (
                "Custom Profiling"
                if "::" in ev.name
                and not ev.name.startswith(("aten::", "c10d::", "cuda"))
                else "operator"
            )
        ms = ev.time_range.elapsed_us() / 1000.0
        rec = _State.stats.get((cat, ev.name))
        if rec is None:
            _State.stats[(cat, ev.name)] = [1, ms, ms, ms]
        else:
            rec[0] += 1
            rec[1] += ms
            rec[2] = min(rec[2], ms)
            rec[3] = max(rec[3], ms)
    fd, path = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    try:
        session.export_chrome_trace(path)
        with open(path, encoding="utf-8") as f:
            _State.traces.append(json.load(f))
    finally:
        os.unlink(path)


def _inside_op(ev, ops: set) -> bool:
    """Whether ``ev`` runs inside the range of an MXNet operator."""
    parent = ev.cpu_parent
    while parent is not None:
        if parent.name in ops:
            return True
        parent = parent.cpu_parent
    return False


def set_state(state: str = "stop", profile_process: str = "worker") -> None:
    """Start (``'run'``) or stop (``'stop'``) profiling."""
    if state not in ("run", "stop"):
        raise ValueError(
            f"mx.profiler.set_state: state must be 'run' or 'stop', got {state!r}"
        )
    _check_process(profile_process, "set_state")
    if state == "run":
        if not _State.running:
            _State.running = True
            _State.paused = False
            _start_session()
    elif _State.running:
        _State.running = False
        _State.paused = False
        _end_session()


def pause(profile_process: str = "worker") -> None:
    """Pause profiling (events between pause and resume are not recorded)."""
    _check_process(profile_process, "pause")
    if _State.running and not _State.paused:
        _State.paused = True
        _end_session()


def resume(profile_process: str = "worker") -> None:
    """Resume profiling after :func:`pause`."""
    _check_process(profile_process, "resume")
    if _State.running and _State.paused:
        _State.paused = False
        _start_session()


def _merged_trace_json() -> str:
    """Every recorded session and counter event as one Chrome-trace JSON
    text. A continuous dump rewrites the whole
    file each time; the events of a session (and counter events) are encoded
    once and kept (``_State.json_cache``), so each dump encodes only what is
    new instead of everything so far."""
    cache = _State.json_cache
    if not _State.traces:
        base = time.time_ns()
        head = {"displayTimeUnit": "ms", "baseTimeNanoseconds": base}
        parts = []
    else:
        first = _State.traces[0]
        head = {k: v for k, v in first.items() if k != "traceEvents"}
        base = first.get("baseTimeNanoseconds", 0)
        parts = []
        for tr in _State.traces:
            key = ("trace", id(tr), base)
            text = cache.get(key)
            if text is None:
                shift = (tr.get("baseTimeNanoseconds", 0) - base) / 1000.0
                events = tr.get("traceEvents", [])
                if shift:
                    events = [
                        dict(ev, ts=ev["ts"] + shift) if "ts" in ev else ev
                        for ev in events
                    ]
                text = json.dumps(events)[1:-1]
                cache[key] = text
            if text:
                parts.append(text)
    # Counter events: encoded in chunks, each once per base time.
    done = cache.get(("counters", base), [])
    n_done = sum(n for n, _ in done)
    if n_done < len(_State.counters):
        off = base / 1000.0
        new = [dict(ev, ts=ev["ts"] - off) for ev in _State.counters[n_done:]]
        done = [*done, (len(new), json.dumps(new)[1:-1])]
        cache = {k: v for k, v in cache.items() if k[0] != "counters"}
        cache[("counters", base)] = done
        _State.json_cache = cache
    parts.extend(text for _, text in done if text)
    body = json.dumps(head)[:-1]
    sep = ", " if head else ""
    return f'{body}{sep}"traceEvents": [{", ".join(parts)}]}}'


def dump(finished: bool = True, profile_process: str = "worker") -> None:
    """Write the Chrome-trace JSON of everything recorded to ``filename``.

    With ``finished=True`` profiling stops and the recorded events are cleared;
    otherwise profiling goes on and the next dump writes the file again with
    everything since (as MXNet's continuous dump, the file only grows).
    """
    _check_process(profile_process, "dump")
    active = _State.session is not None
    _end_session()
    text = _merged_trace_json()
    write_atomic(_State.config.get("filename", "profile.json"), text)
    if finished:
        _State.traces = []
        _State.counters = []
        _State.json_cache = {}
        _State.running = False
        _State.paused = False
    elif active:
        _start_session()


def dumps(
    reset: bool = False,
    format: str = "table",  # noqa: A002 - MXNet's keyword
    sort_by: str = "total",
    ascending: bool = False,
) -> str:
    """Aggregate statistics (count and times in ms per event name) as text.

    ``format`` is ``'table'`` or ``'json'``; ``sort_by`` one of
    ``'total', 'avg', 'min', 'max', 'count'``; ``reset=True`` clears them.
    """
    if format not in ("table", "json"):
        raise ValueError(
            f"mx.profiler.dumps: invalid format {format!r}; support 'table', 'json'"
        )
    if sort_by not in _SORT_KEYS:
        raise ValueError(
            f"mx.profiler.dumps: invalid sort_by {sort_by!r}; "
            "support 'total', 'avg', 'min', 'max', 'count'"
        )
    if ascending not in (True, False) or reset not in (True, False):
        raise ValueError(
            "mx.profiler.dumps: ascending and reset must be True or False, got "
            f"ascending={ascending!r}, reset={reset!r}"
        )
    if _State.session is not None:
        _end_session()
        _start_session()
    cats: dict = {}
    for (cat, name), (n, tot, lo, hi) in _State.stats.items():
        cats.setdefault(cat, []).append((name, n, tot, lo, hi, tot / n))
    col = {"count": 1, "total": 2, "min": 3, "max": 4, "avg": 5}[sort_by]
    for rows in cats.values():
        rows.sort(key=lambda r: r[col], reverse=not ascending)
    # Memory rows (kB): name, count, min, max, avg; MXNet's counter "Avg" is
    # half the range, and memory rows have no total (sorted by max for it).
    mem_rows = [
        (name, n, lo / 1000.0, hi / 1000.0, (hi - lo) / 2000.0)
        for name, (n, lo, hi, _) in _State.memory.items()
    ]
    mcol = {"count": 1, "total": 3, "min": 2, "max": 3, "avg": 4}[sort_by]
    mem_rows.sort(key=lambda r: r[mcol], reverse=not ascending)
    if reset:
        _State.stats = {}
        _State.memory = {}
    if format == "json":
        memory = {}
        if mem_rows:
            memory["Device Storage"] = {
                r[0]: {"Count": r[1], "Min": r[2], "Max": r[3], "Avg": r[4]}
                for r in mem_rows
            }
        return json.dumps(
            {
                "Time": {
                    cat: {
                        r[0]: {
                            "Count": r[1],
                            "Total": r[2],
                            "Min": r[3],
                            "Max": r[4],
                            "Avg": r[5],
                        }
                        for r in rows
                    }
                    for cat, rows in cats.items()
                },
                "Memory": memory,
                "Unit": {"Time": "ms", "Memory": "kB"},
            }
        )
    lines = [
        "",
        "Profile Statistics:",
        "\tNote the difference in units for different entries.",
    ]
    head = (
        "Name",
        "Total Count",
        "Time (ms)",
        "Min Time (ms)",
        "Max Time (ms)",
        "Avg Time (ms)",
    )
    for cat in sorted(cats):
        lines += [cat, "================="]
        lines.append(f"{head[0]:<40}" + "".join(f"{h:>17}" for h in head[1:]))
        lines.append(f"{'----':<40}" + "".join(f"{'-' * len(h):>17}" for h in head[1:]))
        for name, n, tot, lo, hi, avg in cats[cat]:
            lines.append(
                f"{name[:39]:<40}{n:>17}{tot:>17.4f}{lo:>17.4f}{hi:>17.4f}{avg:>17.4f}"
            )
        lines.append("")
    if mem_rows:
        mhead = (
            "Name",
            "Total Count",
            "Min Use  (kB)",
            "Max Use  (kB)",
            "Avg Use  (kB)",
        )
        lines += ["Device Storage", "================="]
        lines.append(f"{mhead[0]:<40}" + "".join(f"{h:>17}" for h in mhead[1:]))
        lines.append(
            f"{'----':<40}" + "".join(f"{'-' * len(h):>17}" for h in mhead[1:])
        )
        for name, n, lo, hi, avg in mem_rows:
            lines.append(f"{name[:39]:<40}{n:>17}{lo:>17.4f}{hi:>17.4f}{avg:>17.4f}")
        lines.append("")
    return "\n".join(lines) + "\n"


def profiler_set_config(mode: str = "symbolic", filename: str = "profile.json") -> None:
    """Deprecated MXNet spelling of :func:`set_config`."""
    warnings.warn(
        "profiler.profiler_set_config() is deprecated. Please use "
        "profiler.set_config() instead",
        DeprecationWarning,
        stacklevel=2,
    )
    if mode not in ("symbolic", "all"):
        raise ValueError(
            f"mx.profiler.profiler_set_config: mode must be 'symbolic' or 'all', "
            f"got {mode!r}"
        )
    set_config(profile_all=mode == "all", filename=filename)


def profiler_set_state(state: str = "stop") -> None:
    """Deprecated MXNet spelling of :func:`set_state`."""
    warnings.warn(
        "profiler.profiler_set_state() is deprecated. Please use "
        "profiler.set_state() instead",
        DeprecationWarning,
        stacklevel=2,
    )
    set_state(state)


def dump_profile() -> None:
    """Deprecated MXNet spelling of ``dump(True)``."""
    warnings.warn(
        "profiler.dump_profile() is deprecated. Please use profiler.dump() instead",
        DeprecationWarning,
        stacklevel=2,
    )
    dump(True)


class Domain:
    """A profiling domain grouping tasks, frames, counters and markers."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return self.name

    def new_task(self, name: str) -> Task:
        return Task(self, name)

    def new_frame(self, name: str) -> Frame:
        return Frame(self, name)

    def new_counter(self, name: str, value: int | None = None) -> Counter:
        return Counter(self, name, value)

    def new_marker(self, name: str) -> Marker:
        return Marker(self, name)


class _Range:
    """A named range timed with ``torch.profiler.record_function``."""

    def __init__(self, label: str) -> None:
        self._label = label
        self._rf = None

    def start(self) -> None:
        """Begin the range (a second start without stop raises MXNetError)."""
        if self._rf is not None:
            raise MXNetError(f"profiler range {self._label!r} is already started")
        self._rf = record_function(self._label)
        self._rf.__enter__()

    def stop(self) -> None:
        """End the range started by :meth:`start`."""
        if self._rf is None:
            raise MXNetError(
                f"profiler range {self._label!r} was stopped without start()"
            )
        rf, self._rf = self._rf, None
        rf.__exit__(None, None, None)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __str__(self) -> str:
        return self.name


class Task(_Range):
    """A timed task within a domain (``start()``/``stop()``)."""

    def __init__(self, domain: Domain, name: str) -> None:
        super().__init__(f"{domain.name}::{name}")
        self.domain = domain
        self.name = name


class Frame(_Range):
    """A timed frame within a domain (``start()``/``stop()``)."""

    def __init__(self, domain: Domain, name: str) -> None:
        super().__init__(f"{domain.name}::{name}")
        self.domain = domain
        self.name = name


class Event(_Range):
    """A timed event, not tied to a domain (``start()``/``stop()``)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"Event::{name}")
        self.name = name


class Counter:
    """An integer counter; changes are written as Chrome counter events."""

    def __init__(self, domain: Domain, name: str, value: int | None = None) -> None:
        self.domain = domain
        self.name = name
        self.value = 0
        if value is not None:
            self.set_value(value)

    def _emit(self) -> None:
        if _State.running and not _State.paused:
            _State.counters.append(
                {
                    "ph": "C",
                    "name": self.name,
                    "cat": self.domain.name,
                    "pid": os.getpid(),
                    "ts": time.time_ns() / 1000.0,
                    "args": {self.name: self.value},
                }
            )

    def set_value(self, value: int) -> None:
        self.value = int(value)
        self._emit()

    def increment(self, delta: int = 1) -> None:
        self.set_value(self.value + int(delta))

    def decrement(self, delta: int = 1) -> None:
        self.set_value(self.value - int(delta))

    def __iadd__(self, delta: int) -> Counter:
        self.increment(delta)
        return self

    def __isub__(self, delta: int) -> Counter:
        self.decrement(delta)
        return self

    def __str__(self) -> str:
        return self.name


class Marker:
    """An instant marker; ``mark()`` records a zero-length range."""

    def __init__(self, domain: Domain, name: str) -> None:
        self.domain = domain
        self.name = name

    def mark(self, scope: str = "process") -> None:
        """Record the marker; ``scope`` is one of global/process/thread/task."""
        if scope not in ("global", "process", "thread", "task", "marker"):
            raise ValueError(
                f"mx.profiler.Marker.mark: scope must be 'global', 'process', "
                f"'thread', 'task' or 'marker', got {scope!r}"
            )
        with record_function(f"{self.domain.name}::{self.name}"):
            pass


def _dump_at_exit() -> None:
    """Stop a profiler that is still running when the program ends and write
    what it recorded to ``filename``, as MXNet does when it shuts down.

    A torch profiler session left running at interpreter shutdown crashes the
    process (SIGSEGV after the last line); stopping it here avoids that.
    """
    if _State.session is None and not _State.traces and not _State.counters:
        return
    try:
        dump(finished=True)
    except Exception as err:  # noqa: BLE001 - never turn an exit into a crash
        warnings.warn(
            f"mx.profiler: could not write the profile at exit: {err}", stacklevel=1
        )


atexit.register(_dump_at_exit)
