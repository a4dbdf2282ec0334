"""Vision datasets on small files written here in each real format.

Formats: gzip IDX (MNIST/FashionMNIST, big-endian headers), CIFAR-10/100
binary batches (label byte(s) + 3072 CHW bytes), image folders of PNGs,
RecordIO ``.rec``/``.idx`` packed with ``recordio.pack_img``, ``.lst`` lists.
Nothing is downloaded: ``download`` is replaced by a stub in every test.
"""

from __future__ import annotations

import gzip
import io
import os
import struct
import tarfile

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from neogluon.gluon.data import DataLoader
from neogluon.gluon.data.vision import CIFAR10
from neogluon.gluon.data.vision import CIFAR100
from neogluon.gluon.data.vision import MNIST
from neogluon.gluon.data.vision import FashionMNIST
from neogluon.gluon.data.vision import ImageFolderDataset
from neogluon.gluon.data.vision import ImageListDataset
from neogluon.gluon.data.vision import ImageRecordDataset
from neogluon.gluon.data.vision import datasets as ds_mod
from neogluon.gluon.data.vision import transforms as T


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    calls = []

    def fake_download(url, path=None, overwrite=False, sha1_hash=None, **kw):
        calls.append((url, path, sha1_hash))
        raise OSError("network disabled in tests")

    monkeypatch.setattr(ds_mod, "download", fake_download)
    return calls


def _write_idx(path, arr, magic, gz=True):
    header = struct.pack(">II", magic, arr.shape[0])
    if arr.ndim == 3:
        header += struct.pack(">II", arr.shape[1], arr.shape[2])
    data = header + arr.astype(np.uint8).tobytes()
    if gz:
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        with open(path, "wb") as f:
            f.write(data)


def _mnist_files(root, n_train=5, n_test=3, gz=True, seed=0):
    rs = np.random.RandomState(seed)
    out = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        imgs = rs.randint(0, 256, (n, 28, 28)).astype(np.uint8)
        labels = rs.randint(0, 10, n).astype(np.uint8)
        ext = ".gz" if gz else ""
        _write_idx(
            os.path.join(root, f"{prefix}-images-idx3-ubyte{ext}"), imgs, 2051, gz
        )
        _write_idx(
            os.path.join(root, f"{prefix}-labels-idx1-ubyte{ext}"), labels, 2049, gz
        )
        out[prefix] = (imgs, labels)
    return out


# --------------------------------------------------------------------------- MNIST
@pytest.mark.parametrize("cls", [MNIST, FashionMNIST])
def test_mnist_reads_original_idx_gz_files(tmp_path, cls, _no_network):
    # These files' SHA-1s differ from MXNet's copies (MXNet 1.9.1 would try to
    # download); valid IDX structure is enough here.
    files = _mnist_files(str(tmp_path))
    for train, key in ((True, "train"), (False, "t10k")):
        ds = cls(root=str(tmp_path), train=train)
        imgs, labels = files[key]
        assert len(ds) == len(labels)
        data, label = ds[1]
        assert isinstance(data, mx.nd.NDArray)
        assert data.shape == (28, 28, 1) and data.dtype == np.uint8
        assert isinstance(label, np.int32) and label == labels[1]
        np.testing.assert_array_equal(data.asnumpy()[:, :, 0], imgs[1])
    assert _no_network == []


def test_mnist_uncompressed_and_transform(tmp_path):
    files = _mnist_files(str(tmp_path), gz=False)
    ds = MNIST(
        root=str(tmp_path),
        transform=lambda d, lbl: (d.astype("float32") / 255, lbl + 1),
    )
    d, lbl = ds[0]
    assert d.dtype == np.float32
    np.testing.assert_allclose(
        d.asnumpy()[:, :, 0], files["train"][0][0] / 255, rtol=1e-6
    )
    assert lbl == files["train"][1][0] + 1


def test_mnist_default_root_uses_mxnet_home(tmp_path, monkeypatch):
    monkeypatch.setenv("MXNET_HOME", str(tmp_path))
    root = tmp_path / "datasets" / "fashion-mnist"
    root.mkdir(parents=True)
    _mnist_files(str(root))
    assert len(FashionMNIST(train=False)) == 3
    with pytest.raises(MXNetError, match="mnist"):
        MNIST()  # $MXNET_HOME/datasets/mnist is empty


def test_mnist_invalid_files_try_mxnet_url_then_explain(
    tmp_path, monkeypatch, _no_network
):
    _mnist_files(str(tmp_path))
    bad = tmp_path / "train-labels-idx1-ubyte.gz"
    with gzip.open(bad, "wb") as f:
        f.write(struct.pack(">II", 2051, 5) + bytes(5))  # image magic in a label file
    monkeypatch.setenv("MXNET_GLUON_REPO", "https://example.invalid/repo")
    with pytest.raises(MXNetError, match=r"magic number 2051, expected 2049.*download"):
        MNIST(root=str(tmp_path))
    url, path, sha1 = _no_network[0]
    assert (
        url
        == "https://example.invalid/repo/gluon/dataset/mnist/train-labels-idx1-ubyte.gz"
    )
    assert path == str(tmp_path) and sha1 == "2a80914081dc54586dbdf242f9805a6b8d2a15fc"


def test_mnist_truncated_and_mismatched_files(tmp_path):
    _mnist_files(str(tmp_path))
    with gzip.open(tmp_path / "t10k-images-idx3-ubyte.gz", "wb") as f:
        f.write(struct.pack(">IIII", 2051, 3, 28, 28) + bytes(100))
    with pytest.raises(MXNetError, match="header announces 2352"):
        MNIST(root=str(tmp_path), train=False)
    root = tmp_path / "c"
    root.mkdir()
    _mnist_files(str(root))
    imgs = np.zeros((2, 28, 28), np.uint8)
    _write_idx(str(root / "train-images-idx3-ubyte.gz"), imgs, 2051)
    with pytest.raises(MXNetError, match="2 images but .* 5 labels"):
        MNIST(root=str(root))


def test_mnist_download_path(tmp_path, monkeypatch):
    src = tmp_path / "src"
    src.mkdir()
    _mnist_files(str(src))
    got = []

    def fake_download(url, path=None, overwrite=False, sha1_hash=None, **kw):
        name = url.rsplit("/", 1)[1]
        got.append((url, sha1_hash))
        dst = os.path.join(path, name)
        with open(src / name, "rb") as f, open(dst, "wb") as g:
            g.write(f.read())
        return dst

    monkeypatch.setattr(ds_mod, "download", fake_download)
    monkeypatch.delenv("MXNET_GLUON_REPO", raising=False)
    ds = MNIST(root=str(tmp_path / "dl"), train=False)
    assert len(ds) == 3
    base = "https://apache-mxnet.s3-accelerate.dualstack.amazonaws.com/gluon/dataset/mnist/"
    assert got == [
        (
            base + "t10k-labels-idx1-ubyte.gz",
            "763e7fa3757d93b0cdec073cef058b2004252c17",
        ),
        (
            base + "t10k-images-idx3-ubyte.gz",
            "c3a25af1f52dad7f726cce8cacb138654b760d48",
        ),
    ]


def test_mnist_with_dataloader_and_transform_first(tmp_path):
    _mnist_files(str(tmp_path), n_train=5)
    ds = MNIST(root=str(tmp_path)).transform_first(T.ToTensor())
    batches = list(DataLoader(ds, batch_size=2))
    assert [b[0].shape for b in batches] == [
        (2, 1, 28, 28),
        (2, 1, 28, 28),
        (1, 1, 28, 28),
    ]
    assert batches[0][0].dtype == np.float32 and batches[0][1].dtype == np.int32


# --------------------------------------------------------------------------- CIFAR
def _cifar_records(n, label_cols, seed):
    rs = np.random.RandomState(seed)
    chw = rs.randint(0, 256, (n, 3, 32, 32)).astype(np.uint8)
    labels = np.stack([rs.randint(0, lim, n) for lim in label_cols], 1).astype(np.uint8)
    raw = np.concatenate([labels, chw.reshape(n, -1)], 1)
    return raw.tobytes(), chw.transpose(0, 2, 3, 1), labels


def test_cifar10_binary_batches(tmp_path, _no_network):
    expect_imgs, expect_labels = [], []
    for i in range(1, 6):
        raw, hwc, lab = _cifar_records(2, (10,), seed=i)
        (tmp_path / f"data_batch_{i}.bin").write_bytes(raw)
        expect_imgs.append(hwc)
        expect_labels.append(lab[:, 0])
    raw, test_hwc, test_lab = _cifar_records(3, (10,), seed=9)
    (tmp_path / "test_batch.bin").write_bytes(raw)
    ds = CIFAR10(root=str(tmp_path))
    assert len(ds) == 10
    img, label = ds[7]
    assert img.shape == (32, 32, 3) and img.dtype == np.uint8
    assert isinstance(label, np.int32)
    np.testing.assert_array_equal(img.asnumpy(), np.concatenate(expect_imgs)[7])
    assert label == np.concatenate(expect_labels)[7]
    test = CIFAR10(root=str(tmp_path), train=False)
    assert len(test) == 3
    np.testing.assert_array_equal(test[2][0].asnumpy(), test_hwc[2])
    assert _no_network == []


def test_cifar10_original_archive_layout(tmp_path, _no_network):
    tar_path = tmp_path / "cifar-10-binary.tar.gz"
    with tarfile.open(tar_path, "w:gz") as tar:
        for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
            raw, _, _ = _cifar_records(1, (10,), seed=len(name))
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    ds = CIFAR10(root=str(tmp_path), train=False)
    assert len(ds) == 1
    assert _no_network == []


def test_cifar10_invalid_batch_reports(tmp_path):
    for name in [f"data_batch_{i}.bin" for i in range(1, 6)]:
        (tmp_path / name).write_bytes(_cifar_records(1, (10,), 0)[0])
    (tmp_path / "data_batch_3.bin").write_bytes(b"\x00" * 100)
    with pytest.raises(
        MXNetError, match=r"data_batch_3.bin.*not a multiple of the 3073"
    ):
        CIFAR10(root=str(tmp_path))


@pytest.mark.parametrize("fine", [False, True])
def test_cifar100_labels(tmp_path, fine):
    raw, hwc, lab = _cifar_records(4, (20, 100), seed=3)
    (tmp_path / "train.bin").write_bytes(raw)
    (tmp_path / "test.bin").write_bytes(_cifar_records(2, (20, 100), seed=4)[0])
    ds = CIFAR100(root=str(tmp_path), fine_label=fine)
    assert len(ds) == 4
    for i in range(4):
        img, label = ds[i]
        np.testing.assert_array_equal(img.asnumpy(), hwc[i])
        assert label == lab[i, int(fine)] and isinstance(label, np.int32)


# --------------------------------------------------------------------------- files
def _png(path, arr):
    from PIL import Image

    Image.fromarray(arr).save(path, format="PNG")


def test_image_folder_dataset(tmp_path):
    pytest.importorskip("PIL")
    rs = np.random.RandomState(0)
    imgs = {}
    for cls in ("cat", "bird"):
        (tmp_path / cls).mkdir()
        for j in range(2):
            arr = rs.randint(0, 256, (5, 4, 3)).astype(np.uint8)
            p = tmp_path / cls / f"{j}.png"
            _png(p, arr)
            imgs[str(p)] = arr
    (tmp_path / "cat" / "notes.txt").write_text("x")
    (tmp_path / "README").write_text("x")
    with pytest.warns(UserWarning) as rec:
        ds = ImageFolderDataset(str(tmp_path))
    msgs = " ".join(str(w.message) for w in rec)
    assert "not a directory" in msgs and "notes.txt" in msgs
    assert ds.synsets == ["bird", "cat"]
    assert [lbl for _, lbl in ds.items] == [0, 0, 1, 1]
    assert len(ds) == 4
    img, label = ds[2]
    assert label == 1 and img.dtype == np.uint8
    np.testing.assert_array_equal(img.asnumpy(), imgs[ds.items[2][0]])
    with pytest.warns(UserWarning):
        gray = ImageFolderDataset(
            str(tmp_path), flag=0, transform=lambda d, lbl: (d, lbl * 10)
        )
    g, lbl = gray[3]
    assert g.shape == (5, 4, 1) and lbl == 10


def test_image_folder_missing_root(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        ImageFolderDataset(str(tmp_path / "nope"))


def test_image_record_dataset(tmp_path):
    pytest.importorskip("PIL")
    rio = mx.recordio
    rs = np.random.RandomState(1)
    rec, idx = str(tmp_path / "d.rec"), str(tmp_path / "d.idx")
    writer = rio.MXIndexedRecordIO(idx, rec, "w")
    rgb = []
    for i in range(3):
        arr = rs.randint(0, 256, (6, 5, 3)).astype(np.uint8)
        rgb.append(arr)
        header = rio.IRHeader(0, float(i + 1), i, 0)
        writer.write_idx(i, rio.pack_img(header, arr[:, :, ::-1], img_fmt=".png"))
    writer.close()
    ds = ImageRecordDataset(rec)
    assert len(ds) == 3
    img, label = ds[1]
    assert img.shape == (6, 5, 3) and img.dtype == np.uint8 and label == 2.0
    np.testing.assert_array_equal(img.asnumpy(), rgb[1])
    gray = ImageRecordDataset(rec, flag=0, transform=lambda d, lbl: (d.shape, lbl))
    assert gray[0] == ((6, 5, 1), 1.0)


def test_image_list_dataset(tmp_path):
    pytest.importorskip("PIL")
    rs = np.random.RandomState(2)
    arrs = [rs.randint(0, 256, (4, 3, 3)).astype(np.uint8) for _ in range(2)]
    (tmp_path / "imgs").mkdir()
    for i, a in enumerate(arrs):
        _png(tmp_path / "imgs" / f"{i}.png", a)
    (tmp_path / "data.lst").write_text("0\t3\timgs/0.png\n1\t1.5\t2\timgs/1.png\n")
    ds = ImageListDataset(root=str(tmp_path), imglist="data.lst")
    assert len(ds) == 2
    img, label = ds[0]
    np.testing.assert_array_equal(img.asnumpy(), arrs[0])
    assert label == np.float32(3) and label.dtype == np.float32
    np.testing.assert_array_equal(ds[1][1], np.array([1.5, 2.0], np.float32))
    ds2 = ImageListDataset(
        root=str(tmp_path), imglist=[[7, "imgs/1.png"], [1, 2, "imgs/0.png"]]
    )
    assert ds2[0][1] == 7.0
    np.testing.assert_array_equal(ds2[1][0].asnumpy(), arrs[0])
    with pytest.raises(ValueError, match="expected index, label"):
        (tmp_path / "bad.lst").write_text("0\timgs/0.png\n")
        ImageListDataset(root=str(tmp_path), imglist="bad.lst")
    with pytest.raises(TypeError, match=".lst file path or a list"):
        ImageListDataset(root=str(tmp_path), imglist=None)
