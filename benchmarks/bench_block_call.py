"""Per-call cost of a hybridized block against the torch calls it runs.

Small blocks on a 2x2 input (a one-op ``relu`` block, ``Dense(4)``, a
two-input ``x + y`` block), each called as ``hybridize()`` and as
``hybridize(static_alloc=True, static_shape=True)`` (the frozen graph), next
to the torch call(s) that do the same work. The difference is the Python cost
of the block call; issue 11's target is at most 5 us. Interleaved rounds,
medians (``_common.compare``). ``--root`` times another neogluon tree (e.g. a
checkout before a change) with this same script.

    .venv/bin/python benchmarks/bench_block_call.py [--clock cpu] [--root PATH]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from _common import add_common_args
from _common import compare
from _common import print_table
from _common import set_torch_threads
from _common import setup_threads

ROOT = Path(__file__).resolve().parent.parent


def _cases(mx, torch) -> dict:
    """name -> zero-argument call."""
    nn = mx.gluon.nn

    class Relu(mx.gluon.HybridBlock):
        def hybrid_forward(self, F, x):
            return F.relu(x)

    class Add(mx.gluon.HybridBlock):
        def hybrid_forward(self, F, x, y):
            return x + y

    x = mx.nd.array([[1.0, -2.0], [3.0, -4.0]])
    y = mx.nd.ones((2, 2))
    xt, yt = x.asnumpy(), y.asnumpy()
    xt, yt = torch.from_numpy(xt), torch.from_numpy(yt)
    w, b = torch.randn(4, 2), torch.zeros(4)
    cases = {
        "torch relu": lambda: torch.relu(xt),
        "torch linear": lambda: torch.nn.functional.linear(xt, w, b),
        "torch add": lambda: torch.add(xt, yt),
    }
    for label, flags in (
        ("hybridize()", {}),
        ("static", {"static_alloc": True, "static_shape": True}),
    ):
        relu, dense, add = Relu(), nn.Dense(4, in_units=2), Add()
        dense.initialize()
        for blk in (relu, dense, add):
            blk.hybridize(**flags)
        relu(x), dense(x), add(x, y)  # trace and compile outside the timing
        cases[f"relu block, {label}"] = lambda blk=relu: blk(x)
        cases[f"Dense(4) block, {label}"] = lambda blk=dense: blk(x)
        cases[f"x + y block, {label}"] = lambda blk=add: blk(x, y)
    # The graphs' own bodies (the generated function: the op kernels and
    # nothing else), grad off as in a predict-mode block call.
    for name, blk, ins in (
        ("relu", relu, [x]),
        ("Dense(4)", dense, [x]),
        ("x + y", add, [x, y]),
    ):
        entry = next(iter(blk._cache.values()))
        cases[f"{name} graph body"] = _body(
            torch, entry.compiled._fn, entry.gather(ins, x.context)
        )
    return cases


def _body(torch, fn, tensors):
    set_grad = torch._C._set_grad_enabled

    def call():
        set_grad(False)
        fn(tensors)
        set_grad(True)

    return call


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="hybridized block call overhead")
    add_common_args(ap)
    ap.add_argument("--root", default=str(ROOT), help="the neogluon tree to time")
    args = ap.parse_args(argv)
    setup_threads(args.threads)
    sys.path.insert(0, str(Path(args.root).resolve()))
    import torch  # noqa: PLC0415 - after setup_threads()

    set_torch_threads(args.threads)
    import neogluon as mx  # noqa: PLC0415

    res = compare(
        _cases(mx, torch),
        rounds=args.rounds,
        round_time=args.round_time,
        clock=args.clock,
    )
    print_table(
        f"Hybridized block calls on 2x2 ({mx.__file__}), {args.clock} time, "
        f"{args.threads} thread(s), torch {torch.__version__}",
        res,
        baseline="torch relu",
    )
    torch_of = {"relu": "torch relu", "Dense(4)": "torch linear", "x + y": "torch add"}
    print("\n  added by the block call (us): block - torch op, block - graph body")
    for name, t in res.items():
        if " block, " in name:
            op = name.split(" block")[0]
            over_torch = (t.median - res[torch_of[op]].median) * 1e6
            over_body = (t.median - res[f"{op} graph body"].median) * 1e6
            print(f"    {name:<28} {over_torch:7.2f} {over_body:7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
