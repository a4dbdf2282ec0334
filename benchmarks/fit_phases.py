"""Per-phase CPU time of one batch of bench_legacy's ``Module.fit`` case.

The fit loop written out (``next``, ``forward``, ``backward``, ``update``,
``update_metric``) with ``time.process_time`` around each call; prints the
median over ``--epochs`` epochs of each phase's milliseconds per batch (the
timers' own cost included in ``total``). Run it on two trees to compare them::

    PYTHONPATH=/path/to/tree .venv/bin/python benchmarks/fit_phases.py
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from bench_legacy import fit_case

import neogluon as mx

PHASES = ("next", "forward", "backward", "update", "update_metric", "total")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=15)
    args = ap.parse_args()
    it, mod, _fit = fit_case(mx)
    metric = mx.metric.create("acc")
    clock = time.process_time
    per_epoch: dict[str, list[float]] = {k: [] for k in PHASES}
    for _ in range(args.epochs):
        it.reset()
        spent = dict.fromkeys(PHASES, 0.0)
        batches = 0
        start = clock()
        batch_iter = iter(it)
        while True:
            t0 = clock()
            try:
                batch = next(batch_iter)
            except StopIteration:
                break
            t1 = clock()
            mod.forward(batch, is_train=True)
            t2 = clock()
            mod.backward()
            t3 = clock()
            mod.update()
            t4 = clock()
            mod.update_metric(metric, batch.label)
            t5 = clock()
            for k, dt in zip(
                PHASES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=False
            ):
                spent[k] += dt
            batches += 1
        spent["total"] = clock() - start
        for k in PHASES:
            per_epoch[k].append(spent[k] / batches * 1e3)
    print(json.dumps({k: round(statistics.median(v), 4) for k, v in per_epoch.items()}))


if __name__ == "__main__":
    main()
