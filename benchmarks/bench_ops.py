"""Per-op eager overhead on tiny arrays: neogluon vs native torch (vs MXNet).

Each op runs on 2x3 / 3x3 float32 arrays, so the time is dispatch overhead, not
math. neogluon and torch are timed in the same process, interleaved round by
round; we print per-call medians and the neogluon/torch ratio. When the
reference environment ``.venv-ref`` (MXNet 1.9.1) exists, the same ops are timed
there in a subprocess (async pushes, synchronized at the end of every round).

Rows ``np*`` time ``mx.np`` / ``mx.npx`` eager calls (issue 8); ``nd_add_rec``
times a recorded call (variables inside ``autograd.record()``).

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_ops.py [--calls N]
[--clock cpu] [--only add,np_add]``
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

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# name -> (neogluon statement, torch statement, mxnet statement)
OPS = {
    "add": ("x + x", "t + t", "x + x"),
    "mul": ("x * y", "t * u", "x * y"),
    "add_scalar": ("x + 1.0", "t + 1.0", "x + 1.0"),
    "relu": ("nd.relu(x)", "torch.relu(t)", "nd.relu(x)"),
    "sum": ("nd.sum(x)", "torch.sum(t)", "nd.sum(x)"),
    "dot": ("nd.dot(x, w)", "torch.matmul(t, tw)", "nd.dot(x, w)"),
    "reshape": ("x.reshape((3, 2))", "t.reshape((3, 2))", "x.reshape((3, 2))"),
    "slice_int": ("x[1]", "t[1]", "x[1]"),
    "slice_range": ("x[0:1]", "t[0:1]", "x[0:1]"),
    "rsub_scalar": ("1.0 - x", "1.0 - t", "1.0 - x"),
    "nd_add": ("nd.add(x, y)", "torch.add(t, u)", "nd.add(x, y)"),
    "nd_maximum": ("nd.maximum(x, y)", "torch.maximum(t, u)", "nd.maximum(x, y)"),
    "FullyConnected": (
        "nd.FullyConnected(x, fw, fb, num_hidden=4)",
        "F.linear(t, tfw, tfb)",
        "nd.FullyConnected(x, fw, fb, num_hidden=4)",
    ),
    # recorded (inside autograd.record(); the inputs are variables): the cost of
    # the recording path, torch with requires_grad inputs
    "nd_add_rec": ("nd.add(xg, yg)", "torch.add(tg, ug)", None),
    # mx.np eager calls (issue 8: within 1.5x of the torch call); MXNet's np is
    # not timed here (its np calls need npx.set_np() for the whole process)
    "np_add": ("a + b", "t + u", None),
    "np_mul_scalar": ("a * 2.0", "t * 2.0", None),
    "np.add": ("np.add(a, b)", "torch.add(t, u)", None),
    "np.exp": ("np.exp(a)", "torch.exp(t)", None),
    "np.sum": ("np.sum(a)", "torch.sum(t)", None),
    "np.mean_axis": ("np.mean(a, axis=0)", "torch.mean(t, dim=0)", None),
    "np.dot": ("np.dot(a, aw)", "torch.matmul(t, tw)", None),
    "np_reshape": ("a.reshape(3, 2)", "t.reshape(3, 2)", None),
    "np_T": ("a.T", "t.T", None),
    "np_getitem": ("a[1]", "t[1]", None),
    "npx.relu": ("npx.relu(a)", "torch.relu(t)", None),
    "npx.softmax": ("npx.softmax(a)", "torch.softmax(t, -1)", None),
}
#: rows timed inside autograd.record() / with torch grad on
RECORDED = {"nd_add_rec"}

_MX_SCRIPT = r"""
import json, sys, time, statistics
import mxnet as mx
from mxnet import nd
ops, calls, rounds = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
x = nd.ones((2, 3)); y = nd.ones((2, 3)) * 2; w = nd.ones((3, 3))
fw = nd.ones((4, 3)); fb = nd.zeros((4,))
out = {}
for name, stmt in ops.items():
    code = compile(stmt, name, "eval")
    env = dict(nd=nd, x=x, y=y, w=w, fw=fw, fb=fb)
    try:
        eval(code, env)
    except Exception as err:
        out[name] = None
        continue
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(calls):
            eval(code, env)
        nd.waitall()
        times.append((time.perf_counter() - t0) / calls * 1e6)
    out[name] = statistics.median(times)
print(json.dumps(out))
"""


_CLOCK = [time.perf_counter]


def _loop(code, env, calls: int, scope=None) -> float:
    fn = eval("lambda: " + code, env)  # noqa: S307 - our own benchmark statements
    clock = _CLOCK[0]
    if scope is not None:
        with scope():
            t0 = clock()
            for _ in range(calls):
                fn()
            return (clock() - t0) / calls * 1e6
    t0 = clock()
    for _ in range(calls):
        fn()
    return (clock() - t0) / calls * 1e6


def run(calls: int, rounds: int) -> dict:
    import torch
    import torch.nn.functional as F

    import neogluon as mx
    from neogluon import nd
    from neogluon import np
    from neogluon import npx

    torch.set_num_threads(1)
    xg, yg = nd.ones((2, 3)), nd.ones((2, 3)) * 2
    xg.attach_grad()
    yg.attach_grad()
    env = {
        "nd": nd,
        "mx": mx,
        "np": np,
        "npx": npx,
        "a": np.ones((2, 3)),
        "b": np.ones((2, 3)) * 2,
        "aw": np.ones((3, 3)),
        "xg": xg,
        "yg": yg,
        "tg": torch.ones(2, 3, requires_grad=True),
        "ug": torch.full((2, 3), 2.0, requires_grad=True),
        "torch": torch,
        "F": F,
        "x": nd.ones((2, 3)),
        "y": nd.ones((2, 3)) * 2,
        "w": nd.ones((3, 3)),
        "fw": nd.ones((4, 3)),
        "fb": nd.zeros((4,)),
        "t": torch.ones(2, 3),
        "u": torch.ones(2, 3) * 2,
        "tw": torch.ones(3, 3),
        "tfw": torch.ones(4, 3),
        "tfb": torch.zeros(4),
    }
    results = {}
    # Warm every path once (allocator, dispatcher caches) before timing.
    for ng, th, _ in OPS.values():
        for code in (ng, th):
            try:
                _loop(code, env, calls)
            except Exception:  # noqa: BLE001, S112 - reported below
                continue
    for name, (ng, th, _) in OPS.items():
        try:
            eval(ng, env)  # noqa: S307
        except (AttributeError, Exception) as err:  # noqa: BLE001 - op missing
            results[name] = {"error": f"{type(err).__name__}: {err}"[:60]}
            continue
        scope = mx.autograd.record if name in RECORDED else None
        _loop(ng, env, calls // 4, scope)
        _loop(th, env, calls // 4)
        ng_t, th_t = [], []
        for _ in range(rounds):
            ng_t.append(_loop(ng, env, calls, scope))
            th_t.append(_loop(th, env, calls))
        results[name] = {
            "neogluon_us": statistics.median(ng_t),
            "torch_us": statistics.median(th_t),
        }
    return results


def run_mxnet(calls: int, rounds: int) -> dict | None:
    py = ROOT / ".venv-ref" / "bin" / "python"
    if not py.exists():
        return None
    ops = {k: v[2] for k, v in OPS.items() if v[2] is not None}
    env = dict(os.environ, MXNET_ENGINE_TYPE=os.environ.get("MXNET_ENGINE_TYPE", ""))
    if not env["MXNET_ENGINE_TYPE"]:
        env.pop("MXNET_ENGINE_TYPE")
    proc = subprocess.run(
        [str(py), "-c", _MX_SCRIPT, json.dumps(ops), str(calls), str(rounds)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    if proc.returncode != 0:
        print("MXNet run failed:", proc.stderr[-500:], file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--calls", type=int, default=5000, help="calls per round")
    ap.add_argument("--rounds", type=int, default=9, help="interleaved rounds")
    ap.add_argument("--no-mxnet", action="store_true", help="skip the MXNet run")
    ap.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="cpu: process CPU time (less disturbed by other processes)",
    )
    ap.add_argument("--only", default="", help="comma-separated row names")
    args = ap.parse_args(argv)
    if args.clock == "cpu":
        _CLOCK[0] = time.process_time
    if args.only:
        keep = set(args.only.split(","))
        for name in list(OPS):
            if name not in keep:
                del OPS[name]
    res = run(args.calls, args.rounds)
    mxr = None if args.no_mxnet else run_mxnet(args.calls, args.rounds)
    head = f"{'op':<16}{'neogluon us':>12}{'torch us':>10}{'ratio':>8}"
    if mxr is not None:
        head += f"{'mxnet us':>10}{'mx/torch':>10}"
    print(f"per-call medians, {args.rounds} rounds x {args.calls} calls, 1 thread")
    print(head)
    ratios = []
    for name, r in res.items():
        if "error" in r:
            print(f"{name:<16}  not available ({r['error']})")
            continue
        ratio = r["neogluon_us"] / r["torch_us"]
        ratios.append(ratio)
        line = f"{name:<16}{r['neogluon_us']:>12.3f}{r['torch_us']:>10.3f}{ratio:>8.2f}"
        if mxr is not None:
            m = mxr.get(name)
            line += (
                f"{m:>10.3f}{m / r['torch_us']:>10.2f}" if m else f"{'-':>10}{'-':>10}"
            )
        print(line)
    if ratios:
        print(
            f"geometric mean ratio neogluon/torch: {statistics.geometric_mean(ratios):.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
