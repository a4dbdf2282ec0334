"""ResNet-18 (v1) inference at batch 1: torch eager vs neogluon eager/hybridized/frozen.

All cases use the same weights (model zoo ``resnet18_v1``, BatchNorm statistics
drawn non-trivially so that folding them is not a no-op) and the same input.
In-process cases run in interleaved rounds (medians); the first call of each
case (tracing, compiling, freezing, oneDNN primitive creation) is timed
separately, as is the second call (the frozen graph runs its frozen code from
the second call on; the first validates the inputs on the unfrozen graph).

Cases:

- ``torch eager``: an equivalent ``torch.nn`` ResNet-18 v1 with the weights
  copied over, ``eval()`` under ``torch.no_grad()`` (the baseline);
- ``torch jit.freeze``: that module traced and ``torch.jit.freeze``-d;
- ``torch.compile`` (``--compile`` only: its first call takes tens of seconds);
- ``neogluon eager``, ``neogluon hybridized`` (``hybridize()``) and
  ``neogluon frozen`` (``hybridize(static_alloc=True, static_shape=True)``,
  which freezes predict-mode calls);
- ``mxnet 1.9.1 hybridized`` (same flags) in a ``.venv-ref`` subprocess when
  it exists, loading the same ``.params`` file.

Every case prints its output checksum: they must agree.

    .venv/bin/python benchmarks/bench_resnet_inference.py [--threads 1]
        [--sizes 32,224] [--rounds 9] [--rounds-large 5] [--compile]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from _common import Timing
from _common import add_common_args
from _common import compare
from _common import run_mxnet_child as _run_mxnet
from _common import set_torch_threads
from _common import setup_threads

ROOT = Path(__file__).resolve().parent.parent
LARGE = 100  # sizes above this use --rounds-large


def _input(size: int):
    import numpy as np  # noqa: PLC0415

    return (
        np.random.RandomState(size)
        .uniform(-1, 1, (1, 3, size, size))
        .astype(np.float32)
    )


def _make_params(mx, path: str) -> None:
    """Initialize resnet18_v1 with drawn BatchNorm statistics; save to ``path``."""
    import numpy as np  # noqa: PLC0415

    mx.random.seed(0)
    net = mx.gluon.model_zoo.vision.resnet18_v1()
    net.initialize(mx.init.Xavier(magnitude=2.0))
    net(mx.nd.array(_input(32)))
    rs = np.random.RandomState(1)
    for name, p in net.collect_params().items():
        if name.endswith(("gamma", "running_var")):
            p.set_data(mx.nd.array(rs.uniform(0.5, 1.5, p.shape).astype(np.float32)))
        elif name.endswith(("beta", "running_mean")):
            p.set_data(mx.nd.array(rs.uniform(-0.2, 0.2, p.shape).astype(np.float32)))
    net.save_parameters(path)


def _gluon_net(mx, path: str, mode: str):
    net = mx.gluon.model_zoo.vision.resnet18_v1()
    net.load_parameters(path)
    if mode == "hybridized":
        net.hybridize()
    elif mode == "frozen":
        net.hybridize(static_alloc=True, static_shape=True)
    return net


def _torch_resnet18(torch, net):
    """An equivalent torch.nn ResNet-18 v1 holding ``net``'s weights."""
    tnn = torch.nn

    class Block(tnn.Module):
        def __init__(self, blk):
            super().__init__()
            self.body = _seq(blk.body)
            self.down = None if blk.downsample is None else _seq(blk.downsample)

        def forward(self, x):
            r = x if self.down is None else self.down(x)
            return torch.relu(r + self.body(x))

    def _conv(c):
        w = torch.from_numpy(c.weight.data().asnumpy())
        k = c._kwargs
        m = tnn.Conv2d(
            w.shape[1],
            w.shape[0],
            tuple(k["kernel"]),
            tuple(k["stride"]),
            tuple(k["pad"]),
            bias=c.bias is not None,
        )
        with torch.no_grad():
            m.weight.copy_(w)
            if c.bias is not None:
                m.bias.copy_(torch.from_numpy(c.bias.data().asnumpy()))
        return m

    def _bn(b):
        g = b.gamma.data().asnumpy()
        m = tnn.BatchNorm2d(g.shape[0], eps=b._kwargs["eps"])
        with torch.no_grad():
            m.weight.copy_(torch.from_numpy(g))
            m.bias.copy_(torch.from_numpy(b.beta.data().asnumpy()))
            m.running_mean.copy_(torch.from_numpy(b.running_mean.data().asnumpy()))
            m.running_var.copy_(torch.from_numpy(b.running_var.data().asnumpy()))
        return m

    def _layer(layer):
        name = type(layer).__name__
        if name == "Conv2D":
            return _conv(layer)
        if name == "BatchNorm":
            return _bn(layer)
        if name == "Activation":
            return tnn.ReLU()
        if name == "MaxPool2D":
            k = layer._kwargs
            return tnn.MaxPool2d(
                tuple(k["kernel"]), tuple(k["stride"]), tuple(k["pad"])
            )
        if name == "GlobalAvgPool2D":
            return tnn.AdaptiveAvgPool2d(1)
        if name == "BasicBlockV1":
            return Block(layer)
        if name == "HybridSequential":
            return _seq(layer)
        raise TypeError(f"no torch equivalent for {name}")

    def _seq(seq):
        return tnn.Sequential(*[_layer(c) for c in seq._children.values()])

    class ResNet(tnn.Module):
        def __init__(self):
            super().__init__()
            self.features = _seq(net.features)
            self.fc = tnn.Linear(*reversed(net.output.weight.shape))
            with torch.no_grad():
                self.fc.weight.copy_(
                    torch.from_numpy(net.output.weight.data().asnumpy())
                )
                self.fc.bias.copy_(torch.from_numpy(net.output.bias.data().asnumpy()))

        def forward(self, x):
            return self.fc(self.features(x).flatten(1))

    return ResNet().eval()


def _timed_first(build) -> tuple[object, float, float, object]:
    """``build()`` then two calls: (fn, build + first call s, second s, out)."""
    t0 = time.perf_counter()
    fn = build()
    out = fn()
    t1 = time.perf_counter()
    fn()
    t2 = time.perf_counter()
    return fn, t1 - t0, t2 - t1, out


def _checksum(a) -> str:
    import numpy as np  # noqa: PLC0415

    a = np.asarray(a, dtype=np.float64).ravel()
    return f"sum {a.sum():+.5f} |max| {np.abs(a).max():.5f}"


def run_mxnet_child(args) -> None:
    """Runs inside .venv-ref: time MXNet 1.9.1 hybridized; JSON on stdout."""
    import mxnet as mx  # noqa: PLC0415 - reference environment only

    out = {}
    for size in args.size_list:
        x = mx.nd.array(_input(size))

        def build(x=x):
            net = _gluon_net(mx, args.params, "frozen")

            def call(net=net, x=x):
                y = net(x)
                y.wait_to_read()
                return y

            return call

        fn, first, second, y = _timed_first(build)
        rounds = args.rounds if size <= LARGE else args.rounds_large
        res = compare(
            {"h": fn},
            rounds=rounds,
            round_time=args.round_time,
            clock=args.clock,
            warmup=2,
        )
        out[str(size)] = {
            "median": res["h"].median,
            "first": first,
            "second": second,
            "checksum": _checksum(y.asnumpy()),
        }
    print(json.dumps(out))


def _mxnet_rows(args) -> dict:
    extra = ["--params", args.params, "--sizes", args.sizes]
    return (
        _run_mxnet(args, __file__, [*extra, "--rounds-large", str(args.rounds_large)])
        or {}
    )


def _print_table(title, rows, base_name) -> None:
    base = rows[base_name]["median"]
    print(f"\n{title}\n")
    print("| case | median ms | vs torch eager | first call s | 2nd call ms |")
    print("|---|---|---|---|---|")
    for name, r in rows.items():
        print(
            f"| {name} | {r['median'] * 1e3:.3f} | {r['median'] / base:.2f}x | "
            f"{r['first']:.3f} | {r['second'] * 1e3:.1f} |"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="ResNet-18 v1 batch-1 inference")
    add_common_args(ap)
    ap.add_argument("--sizes", default="32,224", help="input sizes, e.g. 32,224")
    ap.add_argument("--rounds-large", type=int, default=5, help="rounds at 224 px")
    ap.add_argument("--compile", action="store_true", help="also torch.compile")
    ap.add_argument(
        "--ref-python",
        default=str(ROOT / ".venv-ref" / "bin" / "python"),
        help="the interpreter with MXNet 1.9.1 (default: .venv-ref)",
    )
    ap.add_argument("--mxnet-child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--params", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.size_list = [int(s) for s in args.sizes.split(",") if s]
    setup_threads(args.threads)
    if args.mxnet_child:
        run_mxnet_child(args)
        return 0

    sys.path.insert(0, str(ROOT))
    import torch  # noqa: PLC0415 - after setup_threads()

    set_torch_threads(args.threads)
    import neogluon as mx  # noqa: PLC0415

    tmp = tempfile.TemporaryDirectory()
    args.params = str(Path(tmp.name) / "resnet18_v1.params")
    _make_params(mx, args.params)
    tables = {}
    for size in args.size_list:
        x_np = _input(size)
        xt = torch.from_numpy(x_np)
        xn = mx.nd.array(x_np)
        rows: dict[str, dict] = {}
        cases = {}

        ref_net = _gluon_net(mx, args.params, "eager")
        tmodel = _torch_resnet18(torch, ref_net)

        def torch_call(m=tmodel, xt=xt):
            with torch.no_grad():
                return m(xt)

        variants = {"torch eager": lambda: torch_call}

        def jit_build(tmodel=tmodel, xt=xt):
            with torch.no_grad():
                fr = torch.jit.freeze(torch.jit.trace(tmodel, xt))

            def call(fr=fr, xt=xt):
                with torch.no_grad():
                    return fr(xt)

            return call

        variants["torch jit.freeze"] = jit_build
        if args.compile:

            def compile_build(tmodel=tmodel, torch_call=torch_call):
                c = torch.compile(tmodel)
                return lambda: torch_call(c)

            variants["torch.compile"] = compile_build
        for mode in ("eager", "hybridized", "frozen"):

            def gluon_build(mode=mode, xn=xn):
                net = _gluon_net(mx, args.params, mode)
                return lambda: net(xn)

            variants[f"neogluon {mode}"] = gluon_build
        for name, build in variants.items():
            fn, first, second, out = _timed_first(build)
            arr = out.asnumpy() if hasattr(out, "asnumpy") else out.numpy()
            print(f"{size}px {name:20s} output {_checksum(arr)}", flush=True)
            cases[name] = fn
            rows[name] = {"first": first, "second": second}
        rounds = args.rounds if size <= LARGE else args.rounds_large
        res: dict[str, Timing] = compare(
            cases, rounds=rounds, round_time=args.round_time, clock=args.clock, warmup=2
        )
        for name, t in res.items():
            rows[name]["median"] = t.median
        tables[size] = rows
    mxr = _mxnet_rows(args)
    for size, rows in tables.items():
        m = mxr.get(str(size))
        if m:
            print(f"{size}px mxnet 1.9.1 hybridized output {m['checksum']}")
            rows["mxnet 1.9.1 hybridized (subprocess)"] = m
        _print_table(
            f"ResNet-18 v1, batch 1, {size}x{size}, {args.threads} thread(s), "
            f"torch {torch.__version__}, median of interleaved rounds",
            rows,
            "torch eager",
        )
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
