"""A d2l-style training loop in np mode vs the same loop in nd (issue 8, point 7).

The loop of d2l's ``train_epoch_ch3`` on an MLP (784-256-10, ReLU), batch 256,
synthetic Fashion-MNIST-shaped data: forward under ``autograd.record()``,
``SoftmaxCrossEntropyLoss``, ``backward``, ``Trainer.step`` (sgd), and the
accuracy bookkeeping d2l does per batch (``argmax``, ``astype``, ``sum``).
The np variant runs under ``npx.set_np()`` with ``mx.np`` arrays; the nd
variant is the same code on ``mx.nd``. Variants are interleaved round by
round; the medians of the per-iteration times are printed, eager and
hybridized. Target: np no slower than nd.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_np_train.py
[--iters N] [--rounds R] [--clock cpu]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as onp  # noqa: E402

import neogluon as mx  # noqa: E402
from neogluon import autograd  # noqa: E402
from neogluon import gluon  # noqa: E402
from neogluon import npx  # noqa: E402


def _make(mode: str, hybridize: bool):
    """(net, trainer, loss, batches) for ``mode`` 'np' or 'nd'."""
    rng = onp.random.default_rng(0)
    xs = rng.random((4, 256, 784), dtype=onp.float32)
    ys = rng.integers(0, 10, (4, 256)).astype(onp.float32)
    if mode == "np":
        npx.set_np()
        arr = mx.np.array
    else:
        npx.reset_np()
        arr = mx.nd.array
    try:
        net = gluon.nn.HybridSequential()
        net.add(gluon.nn.Dense(256, activation="relu"), gluon.nn.Dense(10))
        net.initialize(mx.init.Normal(0.01))
        if hybridize:
            net.hybridize()
        trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
        batches = [(arr(x), arr(y)) for x, y in zip(xs, ys, strict=True)]
    finally:
        npx.reset_np()
    return net, trainer, gluon.loss.SoftmaxCrossEntropyLoss(), batches


def _epoch(mode, state, iters: int, clock) -> float:
    net, trainer, loss, batches = state
    if mode == "np":
        npx.set_np()
    try:
        t0 = clock()
        for i in range(iters):
            x, y = batches[i % len(batches)]
            with autograd.record():
                y_hat = net(x)
                ls = loss(y_hat, y)
            ls.backward()
            trainer.step(x.shape[0])
            # d2l's accuracy and loss sums
            correct = (y_hat.argmax(axis=1).astype(y.dtype) == y).sum()
            total = ls.sum()
            correct, total = (
                (float(correct), float(total))
                if mode == "np"
                else (correct.asscalar(), total.asscalar())
            )
        del correct, total
        return (clock() - t0) / iters * 1e3
    finally:
        npx.reset_np()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--iters", type=int, default=20, help="iterations per round")
    ap.add_argument("--rounds", type=int, default=7, help="interleaved rounds")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    args = ap.parse_args(argv)
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    import torch

    torch.set_num_threads(1)
    print(f"ms per iteration (median of {args.rounds} rounds x {args.iters}), 1 thread")
    print(f"{'variant':<12}{'nd ms':>10}{'np ms':>10}{'np/nd':>8}")
    for hybridize in (False, True):
        states = {m: _make(m, hybridize) for m in ("nd", "np")}
        for m in states:  # warm up (deferred init, graph build)
            _epoch(m, states[m], 2, clock)
        times: dict[str, list[float]] = {"nd": [], "np": []}
        for _ in range(args.rounds):
            for m in ("nd", "np"):
                times[m].append(_epoch(m, states[m], args.iters, clock))
        nd_ms, np_ms = (statistics.median(times[m]) for m in ("nd", "np"))
        name = "hybridized" if hybridize else "eager"
        print(f"{name:<12}{nd_ms:>10.3f}{np_ms:>10.3f}{np_ms / nd_ms:>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
