"""A dynamic graph of many small ops: a BiLSTM-CRF training step.

Modelled on MXNet 1.9.1's ``example/gluon/lstm_crf`` (a toy BiLSTM-CRF
sequence tagger): an imperative (never hybridized) ``Block`` whose loss is the
CRF forward algorithm written as Python loops over time steps and tags, so one
step records a few hundred tiny ops (slices, broadcast adds, log-sum-exp,
concat) and one ``backward()`` walks all of them. This measures per-op eager
overhead and autograd bookkeeping rather than arithmetic.

neogluon eager and the same model written in plain torch run in this process
in interleaved rounds; MXNet 1.9.1 runs the identical Gluon code in a
subprocess (``--ref-python``, default ``.venv-ref``) and is reported against
the torch time of this process.

    .venv/bin/python benchmarks/bench_dynamic.py [--threads 1] [--rounds 9]
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
TAGS = 5  # B, I, O, start, stop
START, STOP = 3, 4
EMBED, HIDDEN = 5, 4
SENTENCES = [
    ([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [0, 1, 1, 1, 2, 2, 2, 0, 1, 2, 2]),
    ([11, 12, 13, 14, 15, 16, 11], [0, 1, 2, 2, 2, 2, 0]),
]
VOCAB = 17


def _gluon_model(mx):
    """The BiLSTM-CRF as a plain Gluon ``Block`` (runs on neogluon and MXNet)."""
    nd = mx.nd
    gluon = mx.gluon

    def log_sum_exp(vec):
        top = nd.max(vec).asscalar()
        return nd.log(nd.sum(nd.exp(vec - top))) + top

    class Tagger(gluon.Block):
        def __init__(self):
            super().__init__()
            with self.name_scope():
                self.embed = gluon.nn.Embedding(VOCAB, EMBED)
                self.lstm = gluon.rnn.LSTM(HIDDEN // 2, bidirectional=True)
                self.proj = gluon.nn.Dense(TAGS)
                self.trans = self.params.get("trans", shape=(TAGS, TAGS))

        def features(self, words):
            n = words.shape[0]
            state = [nd.zeros((2, 1, HIDDEN // 2)), nd.zeros((2, 1, HIDDEN // 2))]
            seq = self.embed(words).reshape((n, 1, -1))
            out, _ = self.lstm(seq, state)
            feats = self.proj(out.reshape((n, HIDDEN)))
            return nd.split(feats, num_outputs=n, axis=0, squeeze_axis=True)

        def partition(self, feats):
            init = [[-10000.0] * TAGS]
            init[0][START] = 0.0
            alphas = nd.array(init)
            trans = self.trans.data()
            for feat in feats:
                step = []
                for tag in range(TAGS):
                    emit = feat[tag].reshape((1, -1))
                    score = alphas + trans[tag].reshape((1, -1)) + emit
                    step.append(log_sum_exp(score))
                alphas = nd.concat(*step, dim=0).reshape((1, -1))
            return log_sum_exp(alphas + trans[STOP])

        def gold(self, feats, tags):
            trans = self.trans.data()
            score = nd.array([0])
            prev = START
            for feat, tag in zip(feats, tags, strict=True):
                score = score + trans[tag, prev] + feat[tag]
                prev = tag
            return score + trans[STOP, prev]

        def loss(self, words, tags):
            feats = self.features(words)
            return self.partition(feats) - self.gold(feats, tags)

    net = Tagger()
    net.initialize(mx.init.Xavier(magnitude=2.24))
    trainer = gluon.Trainer(
        net.collect_params(), "sgd", {"learning_rate": 0.01, "wd": 1e-4}
    )
    data = [(nd.array(w), t) for w, t in SENTENCES]

    def step():
        total = 0.0
        for words, tags in data:
            with mx.autograd.record():
                loss = net.loss(words, tags)
            loss.backward()
            trainer.step(1)
            total += float(loss.asscalar())
        return total

    return step


def _torch_model(torch):
    """The same model in plain torch eager (the floor)."""

    def log_sum_exp(vec):
        top = float(vec.detach().max())
        return torch.log(torch.sum(torch.exp(vec - top))) + top

    embed = torch.nn.Embedding(VOCAB, EMBED)
    lstm = torch.nn.LSTM(EMBED, HIDDEN // 2, bidirectional=True)
    proj = torch.nn.Linear(HIDDEN, TAGS)
    trans = torch.nn.Parameter(torch.randn(TAGS, TAGS) * 0.1)
    params = [*embed.parameters(), *lstm.parameters(), *proj.parameters(), trans]
    opt = torch.optim.SGD(params, lr=0.01, weight_decay=1e-4)
    data = [(torch.tensor(w), t) for w, t in SENTENCES]

    def loss_of(words, tags):
        n = words.shape[0]
        state = (torch.zeros(2, 1, HIDDEN // 2), torch.zeros(2, 1, HIDDEN // 2))
        out, _ = lstm(embed(words).reshape(n, 1, -1), state)
        feats = proj(out.reshape(n, HIDDEN)).unbind(0)
        init = [[-10000.0] * TAGS]
        init[0][START] = 0.0
        alphas = torch.tensor(init)
        for feat in feats:
            step = []
            for tag in range(TAGS):
                score = alphas + trans[tag].reshape(1, -1) + feat[tag].reshape(1, -1)
                step.append(log_sum_exp(score).reshape(1))
            alphas = torch.cat(step, 0).reshape(1, -1)
        part = log_sum_exp(alphas + trans[STOP])
        score = torch.zeros(1)
        prev = START
        for feat, tag in zip(feats, tags, strict=True):
            score = score + trans[tag, prev] + feat[tag]
            prev = tag
        return part - (score + trans[STOP, prev])

    def step():
        total = 0.0
        for words, tags in data:
            opt.zero_grad(set_to_none=True)
            loss = loss_of(words, tags)
            loss.backward()
            opt.step()
            total += float(loss.detach())
        return total

    return step


def run_mxnet_child(args) -> None:
    """Runs inside .venv-ref: time MXNet 1.9.1 and print JSON on stdout."""
    import mxnet as mx  # noqa: PLC0415 - reference environment only

    mx.random.seed(1)
    step = _gluon_model(mx)
    res = compare(
        {"eager": step},
        rounds=args.rounds,
        round_time=args.round_time,
        clock=args.clock,
        sync={"eager": mx.nd.waitall},
    )
    print(json.dumps({n: t.median for n, t in res.items()}))


def _mxnet_rows(args) -> dict[str, float]:
    data = _run_mxnet(args, __file__, [])
    if data is None:
        return {}
    return {f"mxnet 1.9.1 {n} (subprocess)": s for n, s in data.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="BiLSTM-CRF dynamic-graph step")
    add_common_args(ap)
    ap.add_argument(
        "--ref-python",
        default=str(ROOT / ".venv-ref" / "bin" / "python"),
        help="the interpreter with MXNet 1.9.1 (default: .venv-ref)",
    )
    ap.add_argument("--no-mxnet", action="store_true", help="skip the MXNet rows")
    ap.add_argument("--mxnet-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    setup_threads(args.threads)
    if args.mxnet_child:
        run_mxnet_child(args)
        return 0

    sys.path.insert(0, str(ROOT))
    import torch  # noqa: PLC0415 - after setup_threads()

    set_torch_threads(args.threads)
    import neogluon as mx  # noqa: PLC0415

    mx.random.seed(1)
    torch.manual_seed(1)
    cases = {"torch eager": _torch_model(torch), "neogluon eager": _gluon_model(mx)}
    res = compare(
        cases, rounds=args.rounds, round_time=args.round_time, clock=args.clock
    )
    extra = {} if args.no_mxnet else _mxnet_rows(args)
    print_table(
        f"BiLSTM-CRF step (2 sentences, forward + backward + SGD each), "
        f"{args.threads} thread(s), torch {torch.__version__}",
        res,
        baseline="torch eager",
        extra=extra,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
