"""Timing helpers shared by the benchmarks (no torch import here).

Usage, in this order (threads must be configured before torch is imported)::

    from _common import setup_threads, compare, print_table
    setup_threads(1)                       # env + later torch.set_num_threads
    import torch, neogluon as mx
    set_torch_threads(1)
    res = compare({"torch": f1, "neogluon": f2}, rounds=9)
    print_table("MLP step", res, baseline="torch")

``compare`` runs the cases in interleaved rounds (round r times every case
once, in a rotating order) so that machine noise hits all of them alike, and
reports the median time per call over the rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field


def setup_threads(threads: int) -> None:
    """Fix the thread count and make idle OpenMP threads sleep.

    Must run before torch (or MXNet) is imported: OpenMP reads these variables
    once. ``OMP_WAIT_POLICY=PASSIVE`` stops spinning worker threads from
    stealing the (shared, small) machine's cores between ops.
    """
    if "torch" in sys.modules or "mxnet" in sys.modules:
        raise RuntimeError(
            "setup_threads() must be called before torch/mxnet is imported; "
            "move it to the top of the benchmark script"
        )
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    os.environ["OMP_NUM_THREADS"] = str(threads)
    os.environ["MKL_NUM_THREADS"] = str(threads)


def set_torch_threads(threads: int) -> None:
    """``torch.set_num_threads`` (and inter-op threads when still allowed)."""
    import torch  # noqa: PLC0415 - only once setup_threads() has run

    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(threads)
    except RuntimeError:
        pass  # already set, or parallel work has started: keep the default


@dataclass
class Timing:
    """Per-call times of one case, one entry per round (seconds)."""

    name: str
    calls_per_round: int
    per_call: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.per_call)

    @property
    def best(self) -> float:
        return min(self.per_call)

    @property
    def spread(self) -> float:
        """Interquartile range relative to the median (noise indicator)."""
        if len(self.per_call) < 4:
            return 0.0
        q = statistics.quantiles(self.per_call, n=4)
        return (q[2] - q[0]) / self.median


#: ``clock=`` values of :func:`compare`: wall time, or the CPU time of the whole
#: process (all threads). On a shared, overloaded machine the wall time of a
#: case is mostly time spent waiting for a core; the CPU time is not.
CLOCKS: dict[str, Callable[[], float]] = {
    "wall": time.perf_counter,
    "cpu": time.process_time,
}


def _calibrate(
    fn: Callable[[], object],
    sync: Callable[[], object],
    target: float,
    clock: Callable[[], float] = time.perf_counter,
):
    n = 1
    while True:
        t0 = clock()
        for _ in range(n):
            fn()
        sync()
        dt = clock() - t0
        if dt >= target / 4 or n >= 1 << 20:
            return max(1, int(n * target / max(dt, 1e-9)))
        n *= 4


def compare(
    cases: dict[str, Callable[[], object]],
    *,
    rounds: int = 9,
    round_time: float = 0.2,
    warmup: int = 3,
    sync: dict[str, Callable[[], object]] | None = None,
    clock: str = "wall",
) -> dict[str, Timing]:
    """Time ``cases`` in interleaved rounds; return a Timing per case.

    Parameters
    ----------
    cases : name -> zero-argument callable doing one unit of work (one step).
    rounds : number of rounds; each case runs once per round.
    round_time : seconds each case should take per round (calls calibrated).
    warmup : untimed calls per case first (caches, lazy init, compilation).
    sync : optional name -> callable run before the clock stops (e.g.
        ``torch.cuda.synchronize`` or MXNet's ``nd.waitall``).
    clock : ``"wall"`` (default) or ``"cpu"`` (process CPU time, all
        threads; see :data:`CLOCKS`).
    """
    sync = sync or {}
    now = CLOCKS[clock]
    noop = lambda: None  # noqa: E731
    for name, fn in cases.items():
        for _ in range(warmup):
            fn()
        sync.get(name, noop)()
    timings = {
        name: Timing(name, _calibrate(fn, sync.get(name, noop), round_time, now))
        for name, fn in cases.items()
    }
    names = list(cases)
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            fn, t, s = cases[name], timings[name], sync.get(name, noop)
            t0 = now()
            for _ in range(t.calls_per_round):
                fn()
            s()
            t.per_call.append((now() - t0) / t.calls_per_round)
    return timings


def print_table(
    title: str,
    results: dict[str, Timing],
    baseline: str | None = None,
    extra: dict[str, float] | None = None,
) -> None:
    """Print median ms per call and the ratio to ``baseline`` for each case.

    ``extra`` adds rows measured elsewhere (name -> seconds per call), e.g. a
    subprocess running MXNet 1.9.1.
    """
    rows = [(n, t.median, t.best, t.spread) for n, t in results.items()]
    rows += [(n, s, s, float("nan")) for n, s in (extra or {}).items()]
    base = results[baseline].median if baseline in results else None
    width = max(len(r[0]) for r in rows + [("case", 0, 0, 0)])
    print(f"\n{title}")
    header = f"  {'case':<{width}}  {'median ms':>10}  {'best ms':>9}  {'IQR':>6}"
    if base is not None:
        header += f"  {'vs ' + baseline:>12}"
    print(header)
    for name, med, best, spread in rows:
        line = f"  {name:<{width}}  {med * 1e3:>10.3f}  {best * 1e3:>9.3f}"
        line += "       -" if spread != spread else f"  {spread * 100:>5.1f}%"
        if base is not None:
            line += f"  {med / base:>11.2f}x"
        print(line)


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """``--threads``, ``--rounds``, ``--round-time`` for every benchmark."""
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads")
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds")
    parser.add_argument(
        "--round-time", type=float, default=0.2, help="seconds per case per round"
    )
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="wall",
        help="time measured: wall (default) or process CPU time (shared machines)",
    )


def run_mxnet_child(args, script: str, extra: list[str]) -> dict | None:
    """Run ``script --mxnet-child`` under MXNet 1.9.1 (``args.ref_python``)
    with the common timing options and ``extra``; the JSON its last stdout
    line holds, or None (said why) when there is no reference interpreter or
    the run failed."""
    ref = args.ref_python
    if not os.path.exists(ref):
        print(
            f"(no {ref}: MXNet 1.9.1 rows skipped; `make fixtures` creates .venv-ref)"
        )
        return None
    cmd = [ref, script, "--mxnet-child", "--threads", str(args.threads)]
    cmd += ["--rounds", str(args.rounds), "--round-time", str(args.round_time)]
    cmd += ["--clock", args.clock, *extra]
    env = dict(os.environ, MXNET_STORAGE_FALLBACK_LOG_VERBOSE="0")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        print(f"MXNet 1.9.1 run failed:\n{proc.stderr[-2000:]}")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])
