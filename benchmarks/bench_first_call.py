"""First-call cost: deferred initialisation + hybridize + the first training step.

Each measurement is a fresh process (so lazy imports, graph tracing and
compilation, deferred parameter initialisation and first-use costs of torch
all count, as they do for a user's program), run for neogluon, MXNet 1.9.1
(``--ref-python``, default ``.venv-ref``) and torch eager, interleaved over
``--repeats`` rounds; medians are reported. The timed span starts after the
framework import and ends after the first training step (forward, loss,
backward, SGD update) of a network built without input shapes and
hybridized with ``static_alloc=True, static_shape=True``: an MLP
784-256-256-10 at batch 128, and ResNet-18 v1 (CIFAR stem, 10 classes) at
batch 32 on 3x32x32. The torch rows build the same networks (lazy layers for
the MLP; ResNet-18 written out here, no torchvision) inside the timed span, so
they show torch's own first-call cost (first oneDNN kernels, allocations). The import time is reported separately, and so is
the second training step in the same process: the first call's overhead is
the difference. ``--clock cpu`` times the child's process CPU time instead of
wall time (a loaded machine).

Byte-code caching is switched on for the children (``PYTHONDONTWRITEBYTECODE``
removed, one untimed warm-up process per framework): users run from compiled
``.pyc`` files.

    .venv/bin/python benchmarks/bench_first_call.py [--threads 1] [--repeats 5] [--clock cpu]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = ("mlp", "resnet18")


#: the clock of the child process (``--clock``)
_now = time.perf_counter


def _gluon_first(mx, case: str) -> tuple[float, float]:
    """Build ``case`` (no input shapes); (hybridize + first step, second step) s."""
    import numpy as np  # noqa: PLC0415

    rs = np.random.RandomState(0)
    nn = mx.gluon.nn
    if case == "mlp":
        net = nn.HybridSequential()
        net.add(nn.Dense(256, activation="relu"), nn.Dense(256, activation="relu"))
        net.add(nn.Dense(10))
        x = rs.standard_normal((128, 784)).astype("float32")
        y = (np.arange(128) % 10).astype("float32")
    else:
        net = mx.gluon.model_zoo.vision.resnet18_v1(classes=10, thumbnail=True)
        x = rs.standard_normal((32, 3, 32, 32)).astype("float32")
        y = (np.arange(32) % 10).astype("float32")
    xb, yb = mx.nd.array(x), mx.nd.array(y)
    t0 = _now()
    net.initialize(mx.init.Xavier())
    net.hybridize(static_alloc=True, static_shape=True)
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    loss_fn.hybridize(static_alloc=True, static_shape=True)
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})

    def step():
        with mx.autograd.record():
            loss = loss_fn(net(xb), yb)
        loss.backward()
        trainer.step(x.shape[0])
        mx.nd.waitall()

    step()
    t1 = _now()
    step()
    return t1 - t0, _now() - t1


def _torch_resnet18(nn):
    """ResNet-18 v1 with the CIFAR stem (3x3 convolution, no max pooling), as
    Gluon's ``resnet18_v1(thumbnail=True)``; torch initialises on construction."""

    class Basic(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.body = nn.Sequential(
                nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
                nn.BatchNorm2d(cout),
                nn.ReLU(),
                nn.Conv2d(cout, cout, 3, 1, 1, bias=False),
                nn.BatchNorm2d(cout),
            )
            self.down = None
            if stride != 1 or cin != cout:
                self.down = nn.Sequential(
                    nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)
                )

        def forward(self, x):
            res = x if self.down is None else self.down(x)
            return (self.body(x) + res).relu()

    layers = [nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU()]
    cin = 64
    for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        layers += [Basic(cin, cout, stride), Basic(cout, cout, 1)]
        cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 10)]
    return nn.Sequential(*layers)


def _torch_first(torch, case: str) -> tuple[float, float]:
    nn = torch.nn
    shape = {"mlp": (128, 784), "resnet18": (32, 3, 32, 32)}.get(case)
    if shape is None:
        raise ValueError(f"torch side has no case {case!r}")
    x, n = torch.randn(*shape), shape[0]
    y = torch.arange(n) % 10
    t0 = _now()
    if case == "mlp":  # lazy layers: the torch form of deferred initialisation
        net = nn.Sequential(
            nn.LazyLinear(256),
            nn.ReLU(),
            nn.LazyLinear(256),
            nn.ReLU(),
            nn.LazyLinear(10),
        )
    else:  # built (and initialised) inside the timed span
        net = _torch_resnet18(nn)
    out = net(x)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    loss = nn.functional.cross_entropy(out, y)
    loss.backward()
    opt.step()
    t1 = _now()
    opt.zero_grad()
    nn.functional.cross_entropy(net(x), y).backward()
    opt.step()
    return t1 - t0, _now() - t1


def child(impl: str, case: str, threads: int, clock: str) -> None:
    """One measurement in this (fresh) process; prints JSON."""
    global _now
    _now = time.process_time if clock == "cpu" else time.perf_counter
    t0 = _now()
    if impl == "torch":
        import torch  # noqa: PLC0415

        torch.set_num_threads(threads)
        import_s = _now() - t0
        first, second = _torch_first(torch, case)
    else:
        if impl == "neogluon":
            sys.path.insert(0, str(ROOT))
        mx = __import__(impl)
        import_s = _now() - t0
        mx.random.seed(0)
        first, second = _gluon_first(mx, case)
    print(json.dumps({"import_s": import_s, "first_s": first, "second_s": second}))


def _run(python: str, impl: str, case: str, threads: int, clock: str) -> dict | None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(
        OMP_WAIT_POLICY="PASSIVE",
        OMP_NUM_THREADS=str(threads),
        MKL_NUM_THREADS=str(threads),
        MXNET_CPU_WORKER_NTHREADS="1",
    )
    cmd = [python, __file__, "--child", impl, "--case", case]
    cmd += ["--threads", str(threads), "--clock", clock]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        print(f"{impl} {case} failed: {proc.stderr.strip().splitlines()[-1:]}")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="first-call benchmark")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument(
        "--ref-python",
        default=str(ROOT / ".venv-ref" / "bin" / "python"),
        help="the interpreter with MXNet 1.9.1 (default: .venv-ref)",
    )
    ap.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="wall time, or the child's process CPU time (a loaded machine)",
    )
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--case", default="mlp", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child, args.case, args.threads, args.clock)
        return 0
    impls = {"neogluon": sys.executable, "torch": sys.executable}
    if Path(args.ref_python).exists():
        impls["mxnet"] = args.ref_python
    else:
        print(f"(no {args.ref_python}: MXNet 1.9.1 rows skipped)")
    cases = args.cases.split(",")
    for impl, py in impls.items():  # warm-up: byte-code caches, page cache
        _run(py, impl, cases[0], args.threads, args.clock)
    res: dict = {(i, c): [] for i in impls for c in cases}
    names = list(impls)
    for r in range(args.repeats):
        order = names[r % len(names) :] + names[: r % len(names)]
        for case in cases:
            for impl in order:
                out = _run(impls[impl], impl, case, args.threads, args.clock)
                if out is not None:
                    res[(impl, case)].append(out)
    print(
        f"\nFirst call (initialize + hybridize + first train step), fresh process, "
        f"{args.threads} thread(s), {args.clock} time, medians of {args.repeats}; "
        "'second s' is the next step in the same process, 'overhead s' the "
        "difference"
    )
    head = ("first s", "second s", "overhead s", "import s")
    print(f"  {'case':<10} {'framework':<10} " + " ".join(f"{h:>10}" for h in head))
    for case in cases:
        for impl in names:
            runs = res[(impl, case)]
            if not runs:
                continue
            first = statistics.median(r["first_s"] for r in runs)
            second = statistics.median(r["second_s"] for r in runs)
            extra = statistics.median(r["first_s"] - r["second_s"] for r in runs)
            imp = statistics.median(r["import_s"] for r in runs)
            vals = (first, second, extra, imp)
            print(f"  {case:<10} {impl:<10} " + " ".join(f"{v:>10.3f}" for v in vals))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
