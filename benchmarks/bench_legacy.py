"""Legacy training paths of issue 12, neogluon against MXNet 1.9.1.

* ``record iter``: ``mx.io.ImageRecordIter`` over a ``.rec`` of 512 JPEGs
  (96 x 96, made here from a fixed seed): decode, random crop to 80 x 80,
  random mirror, mean/std normalisation, batch 32, ``preprocess_threads=2``;
  reported as images per second over one epoch (higher is better).
* ``det iter aug``: ``mx.io.ImageDetRecordIter`` over the same 512 JPEGs
  with detection labels (1 to 3 boxes each), augmented as MXNet's SSD
  example trains: colour distortions (probability 0.5 each), random mirror,
  random pad (probability 0.5, up to 4x), 5 random crop samplers
  (probability 0.83, object coverage 0.1 to 0.9), force-resized to 80 x 80,
  mean/std normalisation, batch 32, ``preprocess_threads=2``; images per
  second over one epoch. (MXNet uses at most cores - 1 decoding threads.)
* ``Module.fit``: one epoch of ``mx.mod.Module.fit`` on a 2-layer MLP (batch
  32, 64 features, 3,200 samples: 100 batches, SGD, accuracy metric); reported
  as milliseconds per batch (lower is better): the per-batch overhead of the
  Module API around a small network.

The two implementations run as separate processes, alternated
(neogluon, MXNet, neogluon, ...) for ``--rounds`` rounds, and the medians are
compared. MXNet runs from ``.venv-ref`` (``--ref-python``). Each process times
``--epochs`` epochs of ``Module.fit`` and keeps their median.

``--clock cpu`` adds a ``Module.fit`` row in process CPU time (all threads of
the process): on a shared machine the wall time is partly time spent waiting
for a core, and a process with more threads gets more of the cores. The wall
time row stays the reported comparison. ``--only`` runs some cases only
(``--only fit`` for ``Module.fit``).

    .venv/bin/python benchmarks/bench_legacy.py [--rounds 3] [--clock cpu] [--only fit]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
N_IMAGES = 512


def make_rec(mx, folder: str) -> str:
    """A ``.rec`` + ``.idx`` of N_IMAGES JPEGs (smooth random images)."""
    rec = os.path.join(folder, "bench.rec")
    rng = np.random.RandomState(0)
    writer = mx.recordio.MXIndexedRecordIO(rec[:-4] + ".idx", rec, "w")
    det = mx.recordio.MXRecordIO(det_path(rec), "w")
    boxes = np.random.RandomState(1)
    for i in range(N_IMAGES):
        small = rng.randint(0, 256, size=(12, 12, 3)).astype(np.uint8)
        img = np.kron(small, np.ones((8, 8, 1), dtype=np.uint8))  # 96 x 96
        header = mx.recordio.IRHeader(0, float(i % 10), i, 0)
        writer.write_idx(i, mx.recordio.pack_img(header, img, quality=90))
        det.write(mx.recordio.pack_img(det_header(mx, i, boxes), img, quality=90))
    writer.close()
    det.close()
    return rec


def det_header(mx, i: int, rng):
    """A detection label ``[2, 5, (cls, xmin, ymin, xmax, ymax) * n]``."""
    objs = []
    for k in range(1 + i % 3):
        w, h = rng.uniform(0.1, 0.6, 2)
        x0, y0 = rng.uniform(0, 1 - w), rng.uniform(0, 1 - h)
        objs += [float(k), x0, y0, x0 + w, y0 + h]
    return mx.recordio.IRHeader(0, np.array([2, 5, *objs], np.float32), i, 0)


def images_per_s(it) -> float:
    """Images per second of one epoch of ``it``, after a warm-up epoch (workers
    started, files cached); padding does not count."""
    for _ in it:
        pass
    it.reset()
    t = time.perf_counter()
    n = 0
    for batch in it:
        batch.data[0].wait_to_read()
        n += batch.data[0].shape[0] - batch.pad
    return n / (time.perf_counter() - t)


def det_record_iter(mx, rec: str) -> float:
    it = mx.io.ImageDetRecordIter(
        path_imgrec=rec,
        data_shape=(3, 80, 80),
        batch_size=32,
        random_hue_prob=0.5,
        max_random_hue=18,
        random_saturation_prob=0.5,
        max_random_saturation=32,
        random_illumination_prob=0.5,
        max_random_illumination=32,
        random_contrast_prob=0.5,
        max_random_contrast=0.5,
        rand_mirror_prob=0.5,
        rand_pad_prob=0.5,
        max_pad_scale=4.0,
        rand_crop_prob=0.833333,
        num_crop_sampler=5,
        min_crop_object_coverages=(0.1, 0.3, 0.5, 0.7, 0.9),
        min_crop_scales=0.3,
        min_crop_aspect_ratios=0.5,
        max_crop_aspect_ratios=2.0,
        max_crop_trials=25,
        mean_r=123.0,
        mean_g=117.0,
        mean_b=104.0,
        std_r=58.0,
        std_g=57.0,
        std_b=57.0,
        preprocess_threads=2,
        verbose=False,
    )
    return images_per_s(it)


def det_path(rec: str) -> str:
    return rec[:-4] + "_det.rec"


def record_iter(mx, rec: str) -> float:
    it = mx.io.ImageRecordIter(
        path_imgrec=rec,
        data_shape=(3, 80, 80),
        batch_size=32,
        rand_crop=True,
        rand_mirror=True,
        mean_r=123.0,
        mean_g=117.0,
        mean_b=104.0,
        std_r=58.0,
        std_g=57.0,
        std_b=57.0,
        preprocess_threads=2,
    )
    return images_per_s(it)


def fit_case(mx):
    """The ``Module.fit`` case: (NDArrayIter, Module, fit keyword arguments),
    after one warm-up epoch (bind, init, first calls); fit_phases.py times
    the same case phase by phase."""
    rng = np.random.RandomState(0)
    x = rng.randn(3200, 64).astype(np.float32)
    y = rng.randint(0, 10, size=3200).astype(np.float32)
    it = mx.io.NDArrayIter(x, y, batch_size=32)
    net = mx.sym.Variable("data")
    net = mx.sym.FullyConnected(net, num_hidden=128, name="fc1")
    net = mx.sym.Activation(net, act_type="relu", name="relu1")
    net = mx.sym.FullyConnected(net, num_hidden=10, name="fc2")
    net = mx.sym.SoftmaxOutput(net, name="softmax")
    mod = mx.mod.Module(net, context=mx.cpu())
    fit = dict(
        optimizer="sgd",
        optimizer_params={"learning_rate": 0.01},
        eval_metric="acc",
        initializer=mx.init.Xavier(),
    )
    mod.fit(it, num_epoch=1, **fit)
    return it, mod, fit


def module_fit(mx, epochs: int = 1) -> tuple[float, float]:
    """Median ms per batch of ``epochs`` epochs: (wall time, process CPU time)."""
    it, mod, fit = fit_case(mx)
    walls, cpus = [], []
    for _ in range(epochs):
        it.reset()
        t, c = time.perf_counter(), time.process_time()
        mod.fit(it, num_epoch=1, force_init=True, **fit)
        walls.append((time.perf_counter() - t) / 100 * 1e3)
        cpus.append((time.process_time() - c) / 100 * 1e3)
    return statistics.median(walls), statistics.median(cpus)


#: ``--only`` names -> the cases they run.
CASES = {"record": "record iter", "det": "det iter aug", "fit": "Module.fit"}


def run(mx, rec: str, only: list[str], epochs: int) -> dict:
    out = {}
    if "record" in only:
        out["record iter"] = record_iter(mx, rec)
    if "det" in only:
        out["det iter aug"] = det_record_iter(mx, det_path(rec))
    if "fit" in only:
        out["Module.fit"], out["Module.fit cpu"] = module_fit(mx, epochs)
    return out


def _child(impl: str, python: str, rec: str, only: list[str], epochs: int) -> dict:
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    if impl == "neogluon":
        env["PYTHONPATH"] = str(ROOT)
    cmd = [python, __file__, "--impl", impl, "--rec", rec, "--only", ",".join(only)]
    proc = subprocess.run(
        cmd + ["--epochs", str(epochs)], capture_output=True, text=True, env=env
    )
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0:
        if not lines or not lines[-1].startswith("{"):
            proc.check_returncode()  # raises, with the exit status
        # The measurement finished; the process died on its way out (seen:
        # "terminate called without an active exception" after the record
        # iterator). Said, not hidden.
        tail = proc.stderr.strip().splitlines()[-1:] or [""]
        print(
            f"warning: {impl} child exited with status {proc.returncode} after "
            f"printing its result: {tail[0]}",
            file=sys.stderr,
        )
    return json.loads(lines[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--impl", choices=("neogluon", "mxnet"), default=None)
    ap.add_argument("--rec", default=None)
    ap.add_argument(
        "--only",
        default=",".join(CASES),
        help=f"comma-separated cases to run, of {', '.join(CASES)} (default: all)",
    )
    ap.add_argument(
        "--epochs", type=int, default=3, help="timed Module.fit epochs per process"
    )
    ap.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="cpu: also report Module.fit in process CPU time (shared machines)",
    )
    ap.add_argument(
        "--ref-python",
        default=str(ROOT / ".venv-ref" / "bin" / "python"),
        help="the interpreter with MXNet 1.9.1 (default: .venv-ref)",
    )
    args = ap.parse_args()
    only = [c.strip() for c in args.only.split(",") if c.strip()]
    bad = [c for c in only if c not in CASES]
    if bad or not only:
        ap.error(f"--only: unknown cases {bad}; choose from {', '.join(CASES)}")
    if args.impl is not None:  # one measurement, in a child process
        if args.impl == "mxnet":
            import mxnet as mx
        else:
            import neogluon as mx
        print(json.dumps(run(mx, args.rec, only, args.epochs)), flush=True)
        return
    sys.path.insert(0, str(ROOT))
    import neogluon as mx

    with tempfile.TemporaryDirectory() as folder:
        rec = make_rec(mx, folder)
        impls = {"neogluon": sys.executable}
        if Path(args.ref_python).exists():
            impls["mxnet"] = args.ref_python
        results: dict[str, list[dict]] = {k: [] for k in impls}
        for _ in range(args.rounds):
            for impl, python in impls.items():
                results[impl].append(_child(impl, python, rec, only, args.epochs))
    med = {
        impl: {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        for impl, rows in results.items()
    }
    ours, ref = med["neogluon"], med.get("mxnet", {})
    print(f"{'case':<16}{'unit':>10}{'neogluon':>10}{'MXNet':>10}{'speed-up':>10}")
    table = [
        ("record iter", "images/s", True),
        ("det iter aug", "images/s", True),
        ("Module.fit", "ms/batch", False),
    ]
    if args.clock == "cpu":
        table.append(("Module.fit cpu", "ms/batch", False))
    for k, unit, higher_better in table:
        if k not in ours:
            continue
        r = ref.get(k)
        v = ours[k]
        fmt = ".1f" if higher_better else ".3f"
        if r:
            speed = v / r if higher_better else r / v
            tail = f"{r:>10{fmt}}{speed:>9.2f}x"
        else:
            tail = f"{'-':>10}{'-':>10}"
        print(f"{k:<16}{unit:>10}{v:>10{fmt}}{tail}")


if __name__ == "__main__":
    main()
