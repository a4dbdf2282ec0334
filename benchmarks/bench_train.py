"""ResNet-18 v1 training steps: torch eager vs neogluon eager/hybridized vs MXNet.

Two cases from issue 11, both batch 32 on 3x32x32 with 10 classes: the CIFAR
stem (``resnet18_v1(thumbnail=True)``: 3x3 convolution, no max-pool) and the
ImageNet stem (7x7/2 convolution + max-pool) as is. One step is forward,
softmax cross-entropy (mean over the batch), backward and plain SGD
(lr 0.01), from the same initial weights everywhere: a ``.params`` file
written by neogluon, loaded by MXNet 1.9.1 and copied into an equivalent
``torch.nn`` ResNet (``bench_resnet_inference._torch_resnet18``).

torch eager, neogluon eager and neogluon hybridized
(``hybridize(static_alloc=True, static_shape=True)``) run in this process in
interleaved rounds (medians); MXNet 1.9.1 eager and hybridized run in a
``--ref-python`` subprocess (default ``.venv-ref``) right after, and are
reported against the torch time of this process. Every case prints its
first-step loss: they must agree. ``--clock cpu`` times process CPU time
instead of wall time (for a shared, overloaded machine).

    .venv/bin/python benchmarks/bench_train.py [--threads 1] [--rounds 5]
        [--cases cifar,imgstem] [--clock cpu]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from _common import add_common_args
from _common import compare
from _common import print_table
from _common import run_mxnet_child as _run_mxnet
from _common import set_torch_threads
from _common import setup_threads

ROOT = Path(__file__).resolve().parent.parent
BATCH, SIZE, CLASSES, LR = 32, 32, 10, 0.01
CASES = {"cifar": True, "imgstem": False}  # name -> thumbnail


def _batch():
    import numpy as np  # noqa: PLC0415

    rs = np.random.RandomState(0)
    x = rs.standard_normal((BATCH, 3, SIZE, SIZE)).astype(np.float32)
    y = rs.randint(0, CLASSES, BATCH).astype(np.float32)
    return x, y


def _gluon_net(mx, thumbnail: bool):
    vision = mx.gluon.model_zoo.vision
    return vision.resnet18_v1(classes=CLASSES, thumbnail=thumbnail)


def _gluon_step(mx, thumbnail: bool, params: str, hybridize: bool):
    """A Gluon training-step closure (neogluon and MXNet alike)."""
    net = _gluon_net(mx, thumbnail)
    net.load_parameters(params)
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    if hybridize:
        net.hybridize(static_alloc=True, static_shape=True)
        loss_fn.hybridize(static_alloc=True, static_shape=True)
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": LR})
    x, y = _batch()
    xb, yb = mx.nd.array(x), mx.nd.array(y)

    def step():
        with mx.autograd.record():
            loss = loss_fn(net(xb), yb)
        loss.backward()
        trainer.step(BATCH)
        return loss

    first = float(step().mean().asscalar())
    return step, first


def _torch_step(torch, mx, thumbnail: bool, params: str):
    from bench_resnet_inference import _torch_resnet18  # noqa: PLC0415

    net = _gluon_net(mx, thumbnail)
    net.load_parameters(params)
    model = _torch_resnet18(torch, net).train()
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    x, y = _batch()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y).long()

    def step():
        loss = torch.nn.functional.cross_entropy(model(xt), yt)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss

    first = float(step().detach())
    return step, first


def _write_params(mx, path: str, thumbnail: bool) -> None:
    """Xavier-initialised weights; BatchNorm statistics drawn non-trivially."""
    import numpy as np  # noqa: PLC0415

    mx.random.seed(0)
    net = _gluon_net(mx, thumbnail)
    net.initialize(mx.init.Xavier())
    net(mx.nd.zeros((1, 3, SIZE, SIZE)))
    rs = np.random.RandomState(1)
    for name, p in net.collect_params().items():
        if name.endswith("running_var"):
            p.set_data(mx.nd.array(rs.uniform(0.5, 2.0, p.shape).astype("float32")))
        elif name.endswith("running_mean"):
            p.set_data(mx.nd.array(rs.uniform(-0.5, 0.5, p.shape).astype("float32")))
    net.save_parameters(path)


def run_mxnet_child(args) -> None:
    """Runs inside .venv-ref: time MXNet 1.9.1; JSON on stdout."""
    import mxnet as mx  # noqa: PLC0415 - reference environment only

    out = {}
    for case in args.cases.split(","):
        cases, sync, firsts = {}, {}, {}
        for mode, hyb in (("eager", False), ("hybridized", True)):
            params = f"{args.params}.{case}"
            cases[mode], firsts[mode] = _gluon_step(mx, CASES[case], params, hyb)
            sync[mode] = mx.nd.waitall
        res = compare(
            cases,
            rounds=args.rounds,
            round_time=args.round_time,
            clock=args.clock,
            sync=sync,
            warmup=1,
        )
        out[case] = {m: [t.median, firsts[m]] for m, t in res.items()}
    print(json.dumps(out))


def _mxnet_rows(args) -> dict:
    extra = ["--params", args.params, "--cases", args.cases]
    return _run_mxnet(args, __file__, extra) or {}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="ResNet-18 training-step benchmark")
    add_common_args(ap)
    ap.set_defaults(rounds=5, round_time=0.5)
    ap.add_argument("--cases", default=",".join(CASES), help="cifar,imgstem")
    ap.add_argument(
        "--ref-python",
        default=str(ROOT / ".venv-ref" / "bin" / "python"),
        help="the interpreter with MXNet 1.9.1 (default: .venv-ref)",
    )
    ap.add_argument("--no-mxnet", action="store_true", help="skip the MXNet rows")
    ap.add_argument("--mxnet-child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--params", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    setup_threads(args.threads)
    if args.mxnet_child:
        run_mxnet_child(args)
        return 0

    sys.path.insert(0, str(ROOT))
    import torch  # noqa: PLC0415 - after setup_threads()

    set_torch_threads(args.threads)
    import neogluon as mx  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as tmp:
        args.params = os.path.join(tmp, "resnet18")
        results = {}
        for case in args.cases.split(","):
            thumb = CASES[case]
            params = f"{args.params}.{case}"
            _write_params(mx, params, thumb)
            cases, firsts = {}, {}
            cases["torch eager"], firsts["torch eager"] = _torch_step(
                torch, mx, thumb, params
            )
            for mode, hyb in (("eager", False), ("hybridized", True)):
                name = f"neogluon {mode}"
                cases[name], firsts[name] = _gluon_step(mx, thumb, params, hyb)
            for name, loss in firsts.items():
                print(f"{case} {name}: first-step loss {loss:.6f}")
            results[case] = compare(
                cases,
                rounds=args.rounds,
                round_time=args.round_time,
                clock=args.clock,
                warmup=1,
            )
        mxr = {} if args.no_mxnet else _mxnet_rows(args)
    for case, res in results.items():
        extra = {}
        for mode, (sec, loss) in mxr.get(case, {}).items():
            print(f"{case} mxnet 1.9.1 {mode}: first-step loss {loss:.6f}")
            extra[f"mxnet 1.9.1 {mode} (subprocess)"] = sec
        stem = "CIFAR stem" if CASES[case] else "ImageNet stem"
        print_table(
            f"ResNet-18 v1 {stem} train step, batch {BATCH}, {SIZE}x{SIZE}, "
            f"{args.threads} thread(s), {args.clock} time, torch {torch.__version__}",
            res,
            baseline="torch eager",
            extra=extra,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
