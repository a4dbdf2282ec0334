"""Sparse workloads of issue 13, neogluon against MXNet 1.9.1 in one run.

* ``dot``: CSR (10,000 x 10,000, 1% density) times a dense 10,000 x 64 matrix.
* ``embedding step``: one SGD training step of ``Embedding(1,000,000, 64,
  sparse_grad=True)`` on a batch of 128 x 20 indices (row_sparse gradient, lazy
  update).

Each case runs ``--repeat`` times after two warm-up runs; the median is
reported. MXNet runs the same script in a subprocess when ``.venv-ref`` exists
(``--impl mxnet``), and the table shows neogluon / MXNet.

    .venv/bin/python benchmarks/bench_sparse.py [--repeat 10]
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

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _time(fn, repeat: int) -> float:
    for _ in range(2):
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def run(mx, repeat: int) -> dict:
    import scipy.sparse as spsp

    a = spsp.random(10000, 10000, density=0.01, format="csr", random_state=0,
                    dtype=np.float32)  # fmt: skip
    c = mx.nd.sparse.csr_matrix((a.data, a.indices, a.indptr), shape=a.shape)
    b = mx.nd.array(np.random.RandomState(0).randn(10000, 64))
    res = {"dot": _time(lambda: mx.nd.dot(c, b).wait_to_read(), repeat)}
    emb = mx.gluon.nn.Embedding(1000000, 64, sparse_grad=True)
    emb.initialize()
    tr = mx.gluon.Trainer(
        emb.collect_params(), "sgd", {"learning_rate": 0.1}, kvstore=None
    )
    x = mx.nd.array(np.random.RandomState(1).randint(0, 1000000, size=(128, 20)))

    def step():
        with mx.autograd.record():
            y = emb(x).sum()
        y.backward()
        tr.step(128)
        emb.weight.data().wait_to_read()

    res["embedding step"] = _time(step, repeat)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--impl", choices=("neogluon", "mxnet"), default="neogluon")
    ap.add_argument(
        "--ref-python",
        default=str(ROOT / ".venv-ref" / "bin" / "python"),
        help="the interpreter with MXNet 1.9.1 (default: .venv-ref)",
    )
    args = ap.parse_args()
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    if args.impl == "mxnet":
        import mxnet as mx

        print(json.dumps(run(mx, args.repeat)))
        return
    sys.path.insert(0, str(ROOT))
    import neogluon as mx

    ours = run(mx, args.repeat)
    ref = {}
    py = Path(args.ref_python)
    if py.exists():
        env = dict(os.environ, MXNET_STORAGE_FALLBACK_LOG_VERBOSE="0")
        out = subprocess.run(
            [str(py), __file__, "--impl", "mxnet", "--repeat", str(args.repeat)],
            capture_output=True, text=True, env=env, check=True,
        ).stdout  # fmt: skip
        ref = json.loads(out.strip().splitlines()[-1])
    print(f"{'case':<16}{'neogluon ms':>12}{'MXNet ms':>10}{'ratio':>7}")
    for k, v in ours.items():
        r = ref.get(k)
        tail = f"{r:>10.1f}{v / r:>7.2f}" if r else f"{'-':>10}{'-':>7}"
        print(f"{k:<16}{v:>12.1f}{tail}")


if __name__ == "__main__":
    main()
