"""Issue 11's benchmark cases in one table, from one run.

Every case runs as neogluon eager, hybridized (``hybridize()``) and frozen
(``hybridize(static_alloc=True, static_shape=True)``), as torch eager (the
same network written in ``torch.nn`` with the same weights) and as MXNet 1.9.1
(the same Gluon code, in a ``--ref-python`` subprocess, default ``.venv-ref``;
its eager, hybridized and static modes, of which the table shows the best).
Within each process the variants of a case run in interleaved rounds
(``_common.compare``) and medians are reported. Training cases print their
first-step loss per variant and inference cases an output checksum: a row
whose variants disagree is marked.

Cases (issue 11's table): ``nd.add`` on 2x2, the same recorded for autograd,
the MLP / LeNet training steps at batch 128, ResNet-18 training steps (CIFAR
and ImageNet stems at 32 px, batch 32), a 2-layer LSTM language-model step,
ResNet-18 batch-1 inference at 32 and 224 px, a one-op hybridized block call,
the BiLSTM-CRF dynamic-graph step (``bench_dynamic.py``) and the first call
(fresh processes, ``bench_first_call.py``'s children).

    .venv/bin/python benchmarks/bench_table.py [--clock cpu] [--rounds 5]
        [--cases add,mlp,...] [--first-call-repeats 3] [--no-mxnet]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
from pathlib import Path

from _common import add_common_args
from _common import compare
from _common import run_mxnet_child as _run_mxnet
from _common import set_torch_threads
from _common import setup_threads

ROOT = Path(__file__).resolve().parent.parent
GLUON_MODES = ("eager", "hybridized", "frozen")
FIRST_CALL = ("first_mlp", "first_resnet18")
V, E, H, T, N = 10000, 200, 200, 35, 20  # LSTM LM: vocab, embed, hidden, bptt, batch


def _hybridize(blocks, mode: str) -> None:
    for blk in blocks:
        if mode == "hybridized":
            blk.hybridize()
        elif mode == "frozen":
            blk.hybridize(static_alloc=True, static_shape=True)


def _set_drawn(mx, net, scale: float = 0.05) -> None:
    """Give every parameter of ``net`` values drawn from its position in
    ``collect_params()`` (the same in neogluon and MXNet)."""
    import numpy as np  # noqa: PLC0415

    for i, p in enumerate(net.collect_params().values()):
        rs = np.random.RandomState(1000 + i)
        p.set_data(mx.nd.array(rs.uniform(-scale, scale, p.shape).astype("float32")))


def _to_torch(torch, net):
    """The parameters of ``net`` as float32 torch tensors, in order."""
    return [
        torch.from_numpy(p.data().asnumpy().copy())
        for p in net.collect_params().values()
    ]


def _train_step(mx, net, loss_fn, x, y, batch: int, opt: dict, mode: str):
    _hybridize([net, loss_fn], mode)
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", opt)

    def step():
        with mx.autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        trainer.step(batch)
        return loss

    return step, lambda: float(step().mean().asscalar())


def _torch_train_step(torch, model, params, x, y, opt: dict):
    sgd = torch.optim.SGD(
        params, lr=opt["learning_rate"], momentum=opt.get("momentum", 0.0)
    )
    ce = torch.nn.functional.cross_entropy

    def step():
        loss = ce(model(x), y)
        sgd.zero_grad(set_to_none=True)
        loss.backward()
        sgd.step()
        return loss

    return step, lambda: float(step().detach())


# -- cases: gluon(mx, mode, files) and torch(torch, mx, files) give (step, probe)
# where probe() runs one step and returns its loss or an output checksum.


def _add_gluon(mx, mode, files, record=False):
    a, b = mx.nd.ones((2, 2)), mx.nd.ones((2, 2))
    if not record:
        return (lambda: mx.nd.add(a, b)), lambda: float(
            mx.nd.add(a, b).sum().asscalar()
        )
    a.attach_grad()

    def call():
        with mx.autograd.record():
            return mx.nd.add(a, b)

    return call, lambda: float(call().sum().asscalar())


def _add_torch(torch, mx, files, record=False):
    a, b = torch.ones(2, 2, requires_grad=record), torch.ones(2, 2)
    return (lambda: torch.add(a, b)), lambda: float(torch.add(a, b).detach().sum())


def _class_data(shape):
    """A float32 batch of ``shape`` and labels 0..9 (the same in every process)."""
    import numpy as np  # noqa: PLC0415

    x = np.random.RandomState(0).standard_normal(shape).astype("float32")
    return x, (np.arange(shape[0]) % 10).astype("float32")


def _copy(torch, dst, src) -> None:
    with torch.no_grad():
        for d, s in zip(dst, src, strict=True):
            d.copy_(s.reshape(d.shape))


def _classifier(net_fn, torch_model_fn, shape, opt: dict):
    """(gluon builder, torch builder) of a softmax-CE training step of the Gluon
    net ``net_fn(mx)`` and its ``torch.nn`` twin ``torch_model_fn(torch.nn)``
    holding the same weights, on a batch of ``shape``."""

    def gluon(mx, mode, files):
        x, y = _class_data(shape)
        net, loss = net_fn(mx), mx.gluon.loss.SoftmaxCrossEntropyLoss()
        xb, yb = mx.nd.array(x), mx.nd.array(y)
        return _train_step(mx, net, loss, xb, yb, shape[0], opt, mode)

    def torch_(torch, mx, files):
        model = torch_model_fn(torch.nn)
        _copy(torch, list(model.parameters()), _to_torch(torch, net_fn(mx)))
        x, y = _class_data(shape)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y).long()
        return _torch_train_step(torch, model, list(model.parameters()), xt, yt, opt)

    return gluon, torch_


def _mlp_net(mx):
    nn = mx.gluon.nn
    net = nn.HybridSequential()
    net.add(nn.Dense(256, activation="relu", in_units=784))
    net.add(nn.Dense(128, activation="relu", in_units=256))
    net.add(nn.Dense(10, in_units=128))
    net.initialize()
    _set_drawn(mx, net)
    return net


def _mlp_torch_model(tnn):
    return tnn.Sequential(
        tnn.Linear(784, 256), tnn.ReLU(), tnn.Linear(256, 128), tnn.ReLU(),
        tnn.Linear(128, 10),
    )  # fmt: skip


def _lenet_net(mx):
    nn = mx.gluon.nn
    net = nn.HybridSequential()
    net.add(nn.Conv2D(20, 5, activation="relu", in_channels=1), nn.MaxPool2D(2, 2))
    net.add(nn.Conv2D(50, 5, activation="relu", in_channels=20), nn.MaxPool2D(2, 2))
    net.add(nn.Dense(500, activation="relu", in_units=800), nn.Dense(10, in_units=500))
    net.initialize()
    _set_drawn(mx, net, 0.1)
    return net


def _lenet_torch_model(tnn):
    return tnn.Sequential(
        tnn.Conv2d(1, 20, 5), tnn.ReLU(), tnn.MaxPool2d(2, 2),
        tnn.Conv2d(20, 50, 5), tnn.ReLU(), tnn.MaxPool2d(2, 2),
        tnn.Flatten(), tnn.Linear(800, 500), tnn.ReLU(), tnn.Linear(500, 10),
    )  # fmt: skip


_mlp_gluon, _mlp_torch = _classifier(
    _mlp_net, _mlp_torch_model, (128, 784), {"learning_rate": 0.1, "momentum": 0.9}
)
_lenet_gluon, _lenet_torch = _classifier(
    _lenet_net,
    _lenet_torch_model,
    (128, 1, 28, 28),
    {"learning_rate": 0.05, "momentum": 0.9},
)


def _resnet_train_gluon(mx, mode, files, thumbnail):
    from bench_train import BATCH  # noqa: PLC0415
    from bench_train import LR  # noqa: PLC0415
    from bench_train import _batch  # noqa: PLC0415
    from bench_train import _gluon_net  # noqa: PLC0415

    net = _gluon_net(mx, thumbnail)
    net.load_parameters(files[f"train_{thumbnail}"])
    x, y = _batch()
    loss = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    opt = {"learning_rate": LR}
    return _train_step(mx, net, loss, mx.nd.array(x), mx.nd.array(y), BATCH, opt, mode)


def _resnet_train_torch(torch, mx, files, thumbnail):
    from bench_train import _torch_step  # noqa: PLC0415

    # _torch_step has run the first step already: its loss is the probe
    step, first = _torch_step(torch, mx, thumbnail, files[f"train_{thumbnail}"])
    return step, lambda: first


def _lstm_net(mx):
    gluon = mx.gluon

    class LM(gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            with self.name_scope():
                self.embed = gluon.nn.Embedding(V, E)
                self.rnn = gluon.rnn.LSTM(H, num_layers=2, input_size=E)
                self.decoder = gluon.nn.Dense(V, in_units=H, flatten=False)

        def hybrid_forward(self, F, x, h, c):
            out, _ = self.rnn(self.embed(x), [h, c])
            return self.decoder(out).reshape((-1, V))

    net = LM()
    net.initialize()
    _set_drawn(mx, net, 0.1)
    return net


def _lstm_data():
    import numpy as np  # noqa: PLC0415

    rs = np.random.RandomState(0)
    x = rs.randint(0, V, (T, N)).astype("float32")
    y = rs.randint(0, V, (T * N,)).astype("float32")
    return x, y


LSTM_OPT = {"learning_rate": 1.0}


def _lstm_gluon(mx, mode, files):
    x, y = _lstm_data()
    net, loss_fn = _lstm_net(mx), mx.gluon.loss.SoftmaxCrossEntropyLoss()
    _hybridize([net, loss_fn], mode)
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", LSTM_OPT)
    xb, yb = mx.nd.array(x), mx.nd.array(y)
    h, c = mx.nd.zeros((2, N, H)), mx.nd.zeros((2, N, H))

    def step():
        with mx.autograd.record():
            loss = loss_fn(net(xb, h, c), yb)
        loss.backward()
        trainer.step(T * N)
        return loss

    return step, lambda: float(step().mean().asscalar())


def _lstm_torch(torch, mx, files):
    net = _lstm_net(mx)
    tnn = torch.nn
    embed, lstm = tnn.Embedding(V, E), tnn.LSTM(E, H, num_layers=2)
    decoder = tnn.Linear(H, V)
    src = {
        k.split("_", 1)[1] if k.startswith("lm") else k: v
        for k, v in zip(net.collect_params().keys(), _to_torch(torch, net), strict=True)
    }
    named = {}
    for k, v in src.items():
        for layer in (0, 1):
            for gl, tn in (("i2h", "ih"), ("h2h", "hh")):
                for kind in ("weight", "bias"):
                    if k.endswith(f"l{layer}_{gl}_{kind}"):
                        named[f"{kind}_{tn}_l{layer}"] = v
        if "embedding" in k:
            named["embed"] = v
        elif "dense" in k:
            named["dec_" + k.rsplit("_", 1)[1]] = v
    with torch.no_grad():
        embed.weight.copy_(named["embed"])
        for pname, p in lstm.named_parameters():
            p.copy_(named[pname])
        decoder.weight.copy_(named["dec_weight"])
        decoder.bias.copy_(named["dec_bias"])
    params = [*embed.parameters(), *lstm.parameters(), *decoder.parameters()]
    x, y = _lstm_data()
    xt, yt = torch.from_numpy(x).long(), torch.from_numpy(y).long()
    state = (torch.zeros(2, N, H), torch.zeros(2, N, H))

    def model(inp):
        out, _ = lstm(embed(inp), state)
        return decoder(out).reshape(-1, V)

    return _torch_train_step(torch, model, params, xt, yt, LSTM_OPT)


def _infer_gluon(mx, mode, files, size):
    from bench_resnet_inference import _gluon_net  # noqa: PLC0415
    from bench_resnet_inference import _input  # noqa: PLC0415

    net = _gluon_net(mx, files["infer"], mode)
    x = mx.nd.array(_input(size))
    return (lambda: net(x)), lambda: float(net(x).sum().asscalar())


def _infer_torch(torch, mx, files, size):
    from bench_resnet_inference import _input  # noqa: PLC0415
    from bench_resnet_inference import _torch_resnet18  # noqa: PLC0415

    net = mx.gluon.model_zoo.vision.resnet18_v1()
    net.load_parameters(files["infer"])
    model = _torch_resnet18(torch, net).eval()
    x = torch.from_numpy(_input(size))

    def call():
        with torch.no_grad():
            return model(x)

    return call, lambda: float(call().sum())


def _block_gluon(mx, mode, files):
    class Relu(mx.gluon.HybridBlock):
        def hybrid_forward(self, F, x):
            return F.relu(x)

    blk = Relu()
    _hybridize([blk], mode)
    x = mx.nd.array([[1.0, -2.0], [3.0, -4.0]])
    return (lambda: blk(x)), lambda: float(blk(x).sum().asscalar())


def _block_torch(torch, mx, files):
    x = torch.tensor([[1.0, -2.0], [3.0, -4.0]])
    return (lambda: torch.relu(x)), lambda: float(torch.relu(x).sum())


def _dynamic_gluon(mx, mode, files):
    from bench_dynamic import _gluon_model  # noqa: PLC0415

    mx.random.seed(1)
    step = _gluon_model(mx)
    return step, None  # its weights are drawn per framework: no common loss


def _dynamic_torch(torch, mx, files):
    from bench_dynamic import _torch_model  # noqa: PLC0415

    torch.manual_seed(1)
    return _torch_model(torch), None


# name -> (label, unit scale, unit, gluon builder, torch builder, gluon modes)
CASES: dict[str, tuple] = {
    "add": ("nd.add on 2x2", 1e6, "us", _add_gluon, _add_torch, ("eager",)),
    "add_rec": (
        "same, recorded for autograd",
        1e6,
        "us",
        lambda mx, m, f: _add_gluon(mx, m, f, record=True),
        lambda t, mx, f: _add_torch(t, mx, f, record=True),
        ("eager",),
    ),
    "mlp": (
        "MLP train step, batch 128",
        1e3,
        "ms",
        _mlp_gluon,
        _mlp_torch,
        GLUON_MODES,
    ),
    "lenet": (
        "LeNet train step, batch 128",
        1e3,
        "ms",
        _lenet_gluon,
        _lenet_torch,
        GLUON_MODES,
    ),
    "resnet_cifar": (
        "ResNet-18 CIFAR stem, train step batch 32",
        1e3,
        "ms",
        lambda mx, m, f: _resnet_train_gluon(mx, m, f, True),
        lambda t, mx, f: _resnet_train_torch(t, mx, f, True),
        GLUON_MODES,
    ),
    "resnet_imgstem": (
        "ResNet-18 ImageNet stem at 32 px, train step batch 32",
        1e3,
        "ms",
        lambda mx, m, f: _resnet_train_gluon(mx, m, f, False),
        lambda t, mx, f: _resnet_train_torch(t, mx, f, False),
        GLUON_MODES,
    ),
    "lstm": (
        "2-layer LSTM LM train step (35x20, vocab 10k)",
        1e3,
        "ms",
        _lstm_gluon,
        _lstm_torch,
        GLUON_MODES,
    ),
    "infer224": (
        "ResNet-18 batch-1 inference, 224 px",
        1e3,
        "ms",
        lambda mx, m, f: _infer_gluon(mx, m, f, 224),
        lambda t, mx, f: _infer_torch(t, mx, f, 224),
        GLUON_MODES,
    ),
    "infer32": (
        "ResNet-18 batch-1 inference, 32 px",
        1e3,
        "ms",
        lambda mx, m, f: _infer_gluon(mx, m, f, 32),
        lambda t, mx, f: _infer_torch(t, mx, f, 32),
        GLUON_MODES,
    ),
    "block": (
        "one-op block call (relu, 2x2)",
        1e6,
        "us",
        _block_gluon,
        _block_torch,
        GLUON_MODES,
    ),
    "dynamic": (
        "BiLSTM-CRF step (dynamic graph, bench_dynamic)",
        1e3,
        "ms",
        _dynamic_gluon,
        _dynamic_torch,
        ("eager",),
    ),
}


def _write_files(mx, tmp: str, cases) -> dict:
    files = {}
    if {"resnet_cifar", "resnet_imgstem"} & set(cases):
        from bench_train import _write_params  # noqa: PLC0415

        for thumbnail in (True, False):
            files[f"train_{thumbnail}"] = os.path.join(tmp, f"train_{thumbnail}.params")
            _write_params(mx, files[f"train_{thumbnail}"], thumbnail)
    if {"infer32", "infer224"} & set(cases):
        from bench_resnet_inference import _make_params  # noqa: PLC0415

        files["infer"] = os.path.join(tmp, "infer.params")
        _make_params(mx, files["infer"])
    return files


def _rounds_for(case: str, rounds: int) -> int:
    # the slow cases (about a second per step) run fewer rounds
    return min(rounds, 3) if case in ("resnet_cifar", "infer224") else rounds


def _time_gluon(mx, cases, files, args, sync=None, torch=None) -> dict:
    """{case: {variant: [median s, probe value]}}; torch too when given."""
    out: dict = {}
    for case in cases:
        _label, _s, _u, gluon, torch_fn, modes = CASES[case]
        fns, probes = {}, {}
        for mode in modes:
            fns[mode], probes[mode] = gluon(mx, mode, files)
        if torch is not None:
            fns["torch"], probes["torch"] = torch_fn(torch, mx, files)
        values = {k: (p() if p is not None else None) for k, p in probes.items()}
        res = compare(
            fns,
            rounds=_rounds_for(case, args.rounds),
            round_time=args.round_time,
            clock=args.clock,
            warmup=1 if case in ("resnet_cifar", "infer224", "lstm") else 3,
            sync={k: sync for k in fns} if sync else None,
        )
        out[case] = {k: [t.median, values[k]] for k, t in res.items()}
        print(f"  {case}: done", file=sys.stderr, flush=True)
    return out


def run_mxnet_child(args) -> None:
    """Inside .venv-ref: the same Gluon cases on MXNet 1.9.1; JSON on stdout."""
    import mxnet as mx  # noqa: PLC0415 - reference environment only

    files = json.loads(args.files)
    mx.random.seed(0)
    out = _time_gluon(mx, args.cases.split(","), files, args, sync=mx.nd.waitall)
    print(json.dumps(out))


def _mxnet(args, cases, files) -> dict:
    if args.no_mxnet or not cases:
        return {}
    extra = ["--files", json.dumps(files), "--cases", ",".join(cases)]
    return _run_mxnet(args, __file__, extra) or {}


def _first_calls(args, cases) -> dict:
    """{case: {framework: median first-call s}} from bench_first_call's children."""
    from bench_first_call import _run  # noqa: PLC0415

    impls = {"neogluon": sys.executable, "torch": sys.executable}
    if not args.no_mxnet and Path(args.ref_python).exists():
        impls["mxnet"] = args.ref_python
    out: dict = {}
    for case in cases:
        runs: dict = {k: [] for k in impls}
        for r in range(args.first_call_repeats):
            names = list(impls)
            for impl in names[r % len(names) :] + names[: r % len(names)]:
                got = _run(impls[impl], impl, case, args.threads, args.clock)
                if got is not None:
                    runs[impl].append(got["first_s"])
        out[case] = {k: statistics.median(v) for k, v in runs.items() if v}
    return out


def _cell(value, scale) -> str:
    return (
        "-" if value is None else f"{value * scale:.{3 if value * scale < 10 else 1}f}"
    )


def _ratio(ng: float, ref: float | None) -> str:
    if ref is None:
        return "-"
    return f"{ref / ng:.2f}x faster" if ng <= ref else f"**{ng / ref:.2f}x slower**"


def _agree(values) -> bool:
    vals = [v for v in values if v is not None]
    return all(math.isclose(v, vals[0], rel_tol=2e-3, abs_tol=2e-3) for v in vals)


def print_table(ours: dict, ref: dict, first: dict, args, torch_version: str) -> None:
    print(
        f"\nOne run, {args.threads} thread(s), {args.clock} clock, medians "
        f"(--rounds {args.rounds}; ResNet-18 CIFAR training and 224 px inference "
        f"at most 3), torch {torch_version}; MXNet 1.9.1 = the best of its eager, "
        "hybridize() and static modes; 'best' = the faster of neogluon's modes.\n"
    )
    print(
        "| case | unit | neogluon eager | neogluon hybridized | neogluon frozen "
        "| MXNet 1.9.1 | torch eager | neogluon best vs MXNet | vs torch eager |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for case, row in ours.items():
        label, scale, unit = CASES[case][:3]
        mine = {m: row[m][0] for m in GLUON_MODES if m in row}
        best = min(mine.values())
        mx_row = ref.get(case, {})
        mx_best = min((v[0] for v in mx_row.values()), default=None)
        torch_s = row["torch"][0]
        probes = [v[1] for v in row.values()] + [v[1] for v in mx_row.values()]
        flag = "" if _agree(probes) else " (results differ!)"
        cells = [_cell(mine.get(m), scale) for m in GLUON_MODES]
        print(
            f"| {label}{flag} | {unit} | " + " | ".join(cells) + f" | "
            f"{_cell(mx_best, scale)} | {_cell(torch_s, scale)} | "
            f"{_ratio(best, mx_best)} | {best / torch_s:.2f}x |"
        )
    for case, row in first.items():
        ng, mxs, ts = row.get("neogluon"), row.get("mxnet"), row.get("torch")
        if ng is None:
            continue
        name = "MLP" if case == "mlp" else "ResNet-18 (CIFAR stem)"
        print(
            f"| first call: {name} (init + hybridize + step, fresh process) | s | - | "
            f"{ng:.3f} | - | {'-' if mxs is None else f'{mxs:.3f}'} | "
            f"{'-' if ts is None else f'{ts:.3f}'} | {_ratio(ng, mxs)} | "
            f"{'-' if ts is None else f'{ng / ts:.2f}x'} |"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="issue 11's cases in one table")
    add_common_args(ap)
    ap.add_argument("--cases", default=",".join([*CASES, *FIRST_CALL]))
    ap.add_argument("--first-call-repeats", type=int, default=3)
    ap.add_argument(
        "--ref-python",
        default=str(ROOT / ".venv-ref" / "bin" / "python"),
        help="the interpreter with MXNet 1.9.1 (default: .venv-ref)",
    )
    ap.add_argument("--no-mxnet", action="store_true", help="skip the MXNet column")
    ap.add_argument("--mxnet-child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--files", default="{}", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    setup_threads(args.threads)
    if args.mxnet_child:
        run_mxnet_child(args)
        return 0
    wanted = args.cases.split(",")
    unknown = sorted(set(wanted) - set(CASES) - set(FIRST_CALL))
    if unknown:
        ap.error(f"unknown cases {unknown}; known: {[*CASES, *FIRST_CALL]}")
    cases = [c for c in CASES if c in wanted]
    sys.path.insert(0, str(ROOT))
    import torch  # noqa: PLC0415 - after setup_threads()

    set_torch_threads(args.threads)
    import neogluon as mx  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as tmp:
        files = _write_files(mx, tmp, cases)
        mx.random.seed(0)
        ours = _time_gluon(mx, cases, files, args, torch=torch)
        ref = _mxnet(args, cases, files)
    first = _first_calls(args, [c[len("first_") :] for c in FIRST_CALL if c in wanted])
    for case, row in ours.items():
        probes = {k: v[1] for k, v in row.items()}
        probes.update({f"mxnet {k}": v[1] for k, v in ref.get(case, {}).items()})
        print(f"{case}: first loss / checksum {probes}")
    print_table(ours, ref, first, args, torch.__version__)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
