"""One MLP training step: PyTorch eager vs neogluon eager and hybridized.

The step is batch 64, 784-256-128-10 with ReLU, softmax cross-entropy, SGD
with momentum 0.9 (lr 0.05, wd 1e-4), from the same initial weights in every
framework. All cases run in one process in interleaved rounds (medians). When
``.venv-ref`` (MXNet 1.9.1) exists, the same step also runs there in a
subprocess and is reported against the torch time measured here.

    .venv/bin/python benchmarks/bench_mlp.py [--threads 1] [--rounds 9] [--clock cpu]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from _common import add_common_args
from _common import compare
from _common import print_table
from _common import run_mxnet_child as _run_mxnet
from _common import set_torch_threads
from _common import setup_threads

ROOT = Path(__file__).resolve().parent.parent
BATCH, SIZES = 64, (784, 256, 128, 10)
OPT = {"learning_rate": 0.05, "momentum": 0.9, "wd": 1e-4}


def _problem():
    """Initial weights (out, in) and one batch, drawn with numpy."""
    import numpy as np  # noqa: PLC0415

    rs = np.random.RandomState(0)
    weights = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:], strict=True):
        bound = 1.0 / np.sqrt(fan_in)
        w = rs.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32)
        b = rs.uniform(-bound, bound, (fan_out,)).astype(np.float32)
        weights.append((w, b))
    x = rs.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rs.randint(0, SIZES[-1], BATCH).astype(np.float32)
    return weights, x, y


def _gluon_step(mx, hybridize: bool):
    """A Gluon training step closure; works for neogluon and MXNet alike."""
    weights, x, y = _problem()
    nn = mx.gluon.nn
    net = nn.HybridSequential()
    for i, (w, _) in enumerate(weights):
        act = "relu" if i < len(weights) - 1 else None
        net.add(nn.Dense(w.shape[0], activation=act, in_units=w.shape[1]))
    net.initialize()
    for layer, (w, b) in zip(net, weights, strict=True):
        layer.weight.set_data(mx.nd.array(w))
        layer.bias.set_data(mx.nd.array(b))
    if hybridize:
        net.hybridize()
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", dict(OPT))
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    xb, yb = mx.nd.array(x), mx.nd.array(y)
    autograd = mx.autograd

    def step():
        with autograd.record():
            loss = loss_fn(net(xb), yb)
        loss.backward()
        trainer.step(BATCH)
        return loss

    first = float(step().mean().asscalar())
    return step, first


def _torch_step(torch):
    weights, x, y = _problem()
    layers = []
    for i, (w, b) in enumerate(weights):
        lin = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w))
            lin.bias.copy_(torch.from_numpy(b))
        layers.append(lin)
        if i < len(weights) - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(
        model.parameters(),
        lr=OPT["learning_rate"],
        momentum=OPT["momentum"],
        weight_decay=OPT["wd"],
    )
    xb, yb = torch.from_numpy(x), torch.from_numpy(y).long()
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return loss

    first = float(step().detach())
    return step, first


def run_mxnet_child(args) -> None:
    """Runs inside .venv-ref: time MXNet 1.9.1 and print JSON on stdout."""
    import mxnet as mx  # noqa: PLC0415 - reference environment only

    cases, sync, firsts = {}, {}, {}
    for name, hyb in (("eager", False), ("hybridized", True)):
        cases[name], firsts[name] = _gluon_step(mx, hyb)
        sync[name] = mx.nd.waitall
    res = compare(
        cases,
        rounds=args.rounds,
        round_time=args.round_time,
        clock=args.clock,
        sync=sync,
    )
    out = {n: {"median": t.median, "first_loss": firsts[n]} for n, t in res.items()}
    print(json.dumps(out))


def _mxnet_rows(args) -> dict[str, float]:
    data = _run_mxnet(args, __file__, [])
    if data is None:
        return {}
    for n, d in data.items():
        print(f"mxnet 1.9.1 {n}: first-step loss {d['first_loss']:.6f}")
    return {f"mxnet 1.9.1 {n} (subprocess)": d["median"] for n, d in data.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="MLP training step benchmark")
    add_common_args(ap)
    ap.add_argument("--mxnet-child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument(
        "--ref-python",
        default=str(ROOT / ".venv-ref" / "bin" / "python"),
        help="the interpreter with MXNet 1.9.1 (default: .venv-ref)",
    )
    args = ap.parse_args(argv)
    setup_threads(args.threads)
    if args.mxnet_child:
        run_mxnet_child(args)
        return 0

    sys.path.insert(0, str(ROOT))
    import torch  # noqa: PLC0415 - after setup_threads()

    set_torch_threads(args.threads)
    import neogluon as mx  # noqa: PLC0415

    cases, firsts = {}, {}
    cases["torch eager"], firsts["torch eager"] = _torch_step(torch)
    for name, hyb in (("neogluon eager", False), ("neogluon hybridized", True)):
        try:
            cases[name], firsts[name] = _gluon_step(mx, hyb)
        except Exception as exc:  # report what is missing, time the rest
            print(f"{name}: unavailable ({type(exc).__name__}: {exc})")
    for name, loss in firsts.items():
        print(f"{name}: first-step loss {loss:.6f}")
    res = compare(
        cases, rounds=args.rounds, round_time=args.round_time, clock=args.clock
    )
    extra = _mxnet_rows(args)
    print_table(
        f"MLP training step, batch {BATCH}, {'-'.join(map(str, SIZES))}, "
        f"SGD momentum, {args.threads} thread(s), torch {torch.__version__}",
        res,
        baseline="torch eager",
        extra=extra,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
