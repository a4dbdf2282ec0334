"""One worker of tests/kvstore/test_dist.py (run with RANK/WORLD_SIZE/MASTER_*).

Usage: ``python _dist_worker.py IN.npz OUT_DIR``. ``IN.npz`` holds the MXNet
fixture's ``w0 b0 x y`` (3 steps of 8 samples). Worker ``r`` of 2 trains on
samples ``4r:4r+4`` of each batch, which is what context ``r`` saw in the
MXNet two-context run. Writes ``OUT_DIR/rank<r>.npz`` with the raw kvstore
results and the final weights of each Trainer configuration.
"""

from __future__ import annotations

import sys

import numpy as np
import torch.distributed as tdist

import neogluon as mx
from neogluon import autograd
from neogluon import gluon

OPT = {"learning_rate": 0.1, "momentum": 0.9, "wd": 0.01}
CONFIGS = {
    "upd_on_kv": {"update_on_kvstore": None, "compression_params": None},
    "allreduce": {"update_on_kvstore": False, "compression_params": None},
    "2bit": {
        "update_on_kvstore": None,
        "compression_params": {"type": "2bit", "threshold": 0.05},
    },
}


def raw_ops(out: dict) -> None:
    kv = mx.kv.create("dist_sync")
    r = kv.rank
    out["rank"], out["num_workers"], out["type"] = r, kv.num_workers, kv.type
    # init: rank 0's value wins
    kv.init("a", mx.nd.ones((2, 3)) * (r + 1))
    o = mx.nd.zeros((2, 3))
    kv.pull("a", out=o)
    out["init"] = o.asnumpy()
    # push: sum over this worker's values, then over workers
    kv.push("a", [mx.nd.ones((2, 3)) * (r + 1), mx.nd.ones((2, 3)) * 10])
    kv.pull("a", out=o)
    out["push"] = o.asnumpy()
    # pushpull of two keys into outputs
    kv.init(["b", "c"], [mx.nd.zeros((4,)), mx.nd.zeros((1,))])
    ob, oc = mx.nd.zeros((4,)), mx.nd.zeros((1,))
    kv.pushpull(
        ["b", "c"],
        [mx.nd.arange(4) * (r + 1), mx.nd.array([100.0 * r])],
        out=[ob, oc],
    )
    out["pushpull_b"], out["pushpull_c"] = ob.asnumpy(), oc.asnumpy()
    # broadcast: every worker receives rank 0's value
    ob2 = mx.nd.zeros((4,))
    kv.broadcast("d", mx.nd.arange(4) + 7 * r, out=ob2)
    out["broadcast"] = ob2.asnumpy()
    # with an optimizer every worker applies the same update
    kv2 = mx.kv.create("dist_sync")
    kv2.set_optimizer(mx.optimizer.SGD(learning_rate=0.5))
    kv2.init(0, mx.nd.ones((3,)))
    w = mx.nd.zeros((3,))
    kv2.pushpull(0, mx.nd.ones((3,)) * (r + 1), out=w)
    out["sgd"] = w.asnumpy()
    kv._barrier()


def train(data: dict, rank: int, cfg: dict) -> dict:
    net = gluon.nn.Dense(2, in_units=4, prefix="dense0_")
    net.initialize()
    # Same start on every worker: as in MXNet, rank 0's weights are broadcast
    # at the first step, after that step's gradients were computed.
    net.weight.set_data(mx.nd.array(data["w0"]))
    net.bias.set_data(mx.nd.array(data["b0"]))
    tr = gluon.Trainer(
        net.collect_params(), "sgd", dict(OPT), kvstore="dist_sync", **cfg
    )
    loss_fn = gluon.loss.L2Loss()
    sl = slice(4 * rank, 4 * rank + 4)
    for step in range(data["x"].shape[0]):
        x = mx.nd.array(data["x"][step][sl])
        y = mx.nd.array(data["y"][step][sl])
        with autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        tr.step(8)  # the global batch: 4 samples on each of 2 workers
    return {
        "weight": net.weight.data().asnumpy(),
        "bias": net.bias.data().asnumpy(),
        "update_on_kvstore": bool(tr._update_on_kvstore),
    }


def probe_broadcast(rank: int) -> np.ndarray:
    """Workers start apart; after one step (lr=0) all hold rank 0's weights."""
    net = gluon.nn.Dense(2, in_units=3, prefix="probe_")
    net.initialize(mx.init.Constant(rank + 1.0))
    tr = gluon.Trainer(
        net.collect_params(), "sgd", {"learning_rate": 0.0}, kvstore="dist_sync"
    )
    with autograd.record():
        loss = net(mx.nd.ones((1, 3))).sum()
    loss.backward()
    tr.step(1)
    return net.weight.data().asnumpy()


def main(argv: list[str]) -> int:
    inp, out_dir = argv
    data = dict(np.load(inp))
    out: dict = {}
    raw_ops(out)
    out["probe"] = probe_broadcast(out["rank"])
    for tag, cfg in CONFIGS.items():
        res = train(data, out["rank"], cfg)
        for k, v in res.items():
            out[f"{tag}.{k}"] = v
    np.savez(f"{out_dir}/rank{out['rank']}.npz", **out)
    tdist.barrier()
    tdist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
