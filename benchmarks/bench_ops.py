"""Per-op eager overhead on tiny arrays: neogluon vs native torch (vs MXNet).

Each op runs on 2x3 / 3x3 float32 arrays, so the time is dispatch overhead, not
math. neogluon and torch are timed in the same process, interleaved round by
round; we print per-call medians and the neogluon/torch ratio. When the
reference environment ``.venv-ref`` (MXNet 1.9.1) exists, the same ops are timed
there in a subprocess (async pushes, synchronized at the end of every round).

Rows ``np*`` time ``mx.np`` / ``mx.npx`` eager calls (issue 8); ``nd_add_rec``
times a recorded call (variables inside ``autograd.record()``).

``--clock cpu`` times with the process CPU clock (less disturbed by other
processes on a shared machine than the wall clock). ``--tree DIR`` imports
neogluon from another checkout (``DIR/neogluon``); ``--before DIR`` runs the
table in alternated processes for that tree and this one and prints both
ratios (the before/after table of a speed change).

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_ops.py [--calls N]
[--clock cpu] [--before /path/to/old/tree]``
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

# name -> (neogluon statement, torch statement, mxnet statement). The torch
# statement is the torch call with the same result: ``nd.reshape`` (the
# operator, not the method) returns a copy in MXNet, so its torch row copies;
# MXNet's full reductions (``nd.sum(x)``) have shape (1,), so their torch rows
# reshape the 0-d result; ``nd.argmax`` returns the input's dtype (float32),
# so its torch row casts the int64 indices.
OPS = {
    "add": ("x + x", "t + t", "x + x"),
    "mul": ("x * y", "t * u", "x * y"),
    "add_scalar": ("x + 1.0", "t + 1.0", "x + 1.0"),
    "relu": ("nd.relu(x)", "torch.relu(t)", "nd.relu(x)"),
    "sigmoid": ("nd.sigmoid(x)", "torch.sigmoid(t)", "nd.sigmoid(x)"),
    "exp": ("nd.exp(x)", "torch.exp(t)", "nd.exp(x)"),
    "Activation": (
        "nd.Activation(x, act_type='relu')",
        "torch.relu(t)",
        "nd.Activation(x, act_type='relu')",
    ),
    "sum": ("nd.sum(x)", "torch.sum(t).reshape(1)", "nd.sum(x)"),
    "sum_axis": ("nd.sum(x, axis=1)", "torch.sum(t, 1)", "nd.sum(x, axis=1)"),
    "mean": ("nd.mean(x)", "torch.mean(t).reshape(1)", "nd.mean(x)"),
    "mean_axis": ("nd.mean(x, axis=1)", "torch.mean(t, 1)", "nd.mean(x, axis=1)"),
    "max": ("nd.max(x)", "torch.amax(t).reshape(1)", "nd.max(x)"),
    "max_axis": ("nd.max(x, axis=0)", "torch.amax(t, 0)", "nd.max(x, axis=0)"),
    "argmax": (
        "nd.argmax(x, axis=1)",
        "torch.argmax(t, 1).float()",
        "nd.argmax(x, axis=1)",
    ),
    "dot": ("nd.dot(x, w)", "torch.matmul(t, tw)", "nd.dot(x, w)"),
    "batch_dot": (
        "nd.batch_dot(b3, b3t)",
        "torch.bmm(tb3, tb3t)",
        "nd.batch_dot(b3, b3t)",
    ),
    "reshape": ("x.reshape((3, 2))", "t.reshape((3, 2))", "x.reshape((3, 2))"),
    "nd_reshape": (
        "nd.reshape(x, shape=(3, 2))",
        "t.reshape((3, 2)).clone()",
        "nd.reshape(x, shape=(3, 2))",
    ),
    "nd_reshape_codes": (
        "nd.reshape(x, shape=(-1, 0))",
        "t.reshape((-1, 3)).clone()",
        "nd.reshape(x, shape=(-1, 0))",
    ),
    "transpose": ("nd.transpose(x)", "t.t().contiguous()", "nd.transpose(x)"),
    "expand_dims": (
        "nd.expand_dims(x, axis=0)",
        "t.unsqueeze(0).clone()",
        "nd.expand_dims(x, axis=0)",
    ),
    "concat": (
        "nd.concat(x, y, dim=0)",
        "torch.cat((t, u), 0)",
        "nd.concat(x, y, dim=0)",
    ),
    "softmax": ("nd.softmax(x)", "torch.softmax(t, -1)", "nd.softmax(x)"),
    "clip": (
        "nd.clip(x, 0.5, 1.5)",
        "torch.clamp(t, 0.5, 1.5)",
        "nd.clip(x, 0.5, 1.5)",
    ),
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
    "relu_grad_var": ("nd.relu(xg)", "torch.relu(tg.detach())", "nd.relu(xg)"),
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
b3 = nd.ones((2, 2, 3)); b3t = nd.ones((2, 3, 2))
xg = nd.ones((2, 3)); xg.attach_grad()
out = {}
for name, stmt in ops.items():
    code = compile(stmt, name, "eval")
    env = dict(nd=nd, x=x, y=y, w=w, fw=fw, fb=fb, b3=b3, b3t=b3t, xg=xg)
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


_CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def _loop(code, env, calls: int, clock=time.perf_counter, scope=None) -> float:
    fn = eval("lambda: " + code, env)  # noqa: S307 - our own benchmark statements
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


def run(calls: int, rounds: int, clock: str = "wall", only=None) -> dict:
    """Per-call medians (us) of every row, neogluon and torch interleaved."""
    import torch
    import torch.nn.functional as F

    import neogluon as mx
    from neogluon import nd
    from neogluon import np
    from neogluon import npx

    tick = _CLOCKS[clock]
    torch.set_num_threads(1)
    xg, yg = nd.ones((2, 3)), nd.ones((2, 3)) * 2
    xg.attach_grad()
    yg.attach_grad()
    tg = torch.ones(2, 3, requires_grad=True)
    env = {
        "nd": nd,
        "mx": mx,
        "torch": torch,
        "F": F,
        "x": nd.ones((2, 3)),
        "y": nd.ones((2, 3)) * 2,
        "w": nd.ones((3, 3)),
        "fw": nd.ones((4, 3)),
        "fb": nd.zeros((4,)),
        "b3": nd.ones((2, 2, 3)),
        "b3t": nd.ones((2, 3, 2)),
        "xg": xg,
        "yg": yg,
        "np": np,
        "npx": npx,
        "a": np.ones((2, 3)),
        "b": np.ones((2, 3)) * 2,
        "aw": np.ones((3, 3)),
        "t": torch.ones(2, 3),
        "u": torch.ones(2, 3) * 2,
        "tw": torch.ones(3, 3),
        "tfw": torch.ones(4, 3),
        "tfb": torch.zeros(4),
        "tb3": torch.ones(2, 2, 3),
        "tb3t": torch.ones(2, 3, 2),
        "tg": tg,
        "ug": torch.full((2, 3), 2.0, requires_grad=True),
    }
    ops = {k: v for k, v in OPS.items() if only is None or k in only}
    results = {}
    # Warm every path once (allocator, dispatcher caches) before timing.
    for name, (ng, th, _) in ops.items():
        scope = mx.autograd.record if name in RECORDED else None
        for code in (ng, th):
            try:
                _loop(code, env, calls, scope=scope if code is ng else None)
            except Exception:  # noqa: BLE001, S112 - reported below
                continue
    for name, (ng, th, _) in ops.items():
        try:
            eval(ng, env)  # noqa: S307
        except (AttributeError, Exception) as err:  # noqa: BLE001 - op missing
            results[name] = {"error": f"{type(err).__name__}: {err}"[:60]}
            continue
        scope = mx.autograd.record if name in RECORDED else None
        _loop(ng, env, calls // 4, tick, scope)
        _loop(th, env, calls // 4, tick)
        ng_t, th_t = [], []
        for _ in range(rounds):
            ng_t.append(_loop(ng, env, calls, tick, scope))
            th_t.append(_loop(th, env, calls, tick))
        results[name] = {
            "neogluon_us": statistics.median(ng_t),
            "torch_us": statistics.median(th_t),
        }
    return results


def _run_tree(tree: str, args) -> dict:
    """``run`` in a fresh process importing neogluon from ``tree``."""
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--json",
        "--no-mxnet",
        "--tree",
        str(Path(tree).resolve()),
        "--calls",
        str(args.calls),
        "--rounds",
        str(args.rounds),
        "--clock",
        args.clock,
    ]
    if args.only:
        cmd += ["--only", args.only]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=3600)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def compare_trees(args) -> int:
    """Alternate processes of ``--before`` and this tree; print both ratios."""
    runs: dict[str, list[dict]] = {"before": [], "after": []}
    for _ in range(args.procs):
        runs["before"].append(_run_tree(args.before, args))
        runs["after"].append(_run_tree(str(ROOT), args))
    print(
        f"per-call medians over {args.procs} alternated processes per tree, "
        f"{args.rounds} rounds x {args.calls} calls, 1 thread, {args.clock} clock"
    )
    print(
        f"{'op':<18}{'torch us':>10}{'before us':>11}{'after us':>10}{'before':>8}{'after':>8}"
    )
    for name in OPS:
        rows = [r.get(name) for side in runs.values() for r in side]
        if any(r is None or "error" in r for r in rows):
            continue

        def med(side: str, key: str, name=name) -> float:
            return statistics.median(r[name][key] for r in runs[side])

        tb, ta = med("before", "torch_us"), med("after", "torch_us")
        b, a = med("before", "neogluon_us"), med("after", "neogluon_us")
        print(
            f"{name:<18}{(tb + ta) / 2:>10.3f}{b:>11.3f}{a:>10.3f}"
            f"{b / tb:>7.2f}x{a / ta:>7.2f}x"
        )
    return 0


def run_mxnet(calls: int, rounds: int) -> dict | None:
    py = ROOT / ".venv-ref" / "bin" / "python"
    if not py.exists():
        return None
    ops = {k: v[2] for k, v in OPS.items()}
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
    ap.add_argument("--clock", choices=sorted(_CLOCKS), default="wall")
    ap.add_argument("--only", default="", help="comma-separated rows to run")
    ap.add_argument("--tree", default="", help="import neogluon from this checkout")
    ap.add_argument("--before", default="", help="compare with this checkout")
    ap.add_argument("--procs", type=int, default=3, help="processes per tree")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args(argv)
    if args.before:
        return compare_trees(args)
    if args.tree:
        sys.path.insert(0, str(Path(args.tree).resolve()))
    only = set(args.only.split(",")) if args.only else None
    res = run(args.calls, args.rounds, args.clock, only)
    if args.json:
        print(json.dumps(res))
        return 0
    mxr = None if args.no_mxnet else run_mxnet(args.calls, args.rounds)
    head = f"{'op':<18}{'neogluon us':>12}{'torch us':>10}{'ratio':>8}"
    if mxr is not None:
        head += f"{'mxnet us':>10}{'mx/torch':>10}"
    print(
        f"per-call medians, {args.rounds} rounds x {args.calls} calls, 1 thread, "
        f"{args.clock} clock"
    )
    print(head)
    ratios = []
    for name, r in res.items():
        if "error" in r:
            print(f"{name:<18}  not available ({r['error']})")
            continue
        ratio = r["neogluon_us"] / r["torch_us"]
        ratios.append(ratio)
        line = f"{name:<18}{r['neogluon_us']:>12.3f}{r['torch_us']:>10.3f}{ratio:>8.2f}"
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
