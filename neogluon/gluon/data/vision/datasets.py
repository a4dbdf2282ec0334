"""Vision datasets: MNIST, FashionMNIST, CIFAR10/100, image folders, lists, RecordIO.

The downloadable datasets read MXNet 1.9.1's files (gzip IDX for MNIST, the
CIFAR binary batches) from ``root`` and download them from MXNet's repository
(``$MXNET_GLUON_REPO``, SHA-1 checked) only when valid local files are missing.

Notes
-----
Differs from MXNet 1.9.1:

- Local files are accepted when their SHA-1 matches MXNet's copies *or* their
  structure is valid (IDX magic numbers and sizes; CIFAR record sizes and label
  ranges). MXNet 1.9.1 refuses the original files from LeCun's and Zalando's
  sites (its copies were re-compressed) and tries to download. Uncompressed
  IDX files (``train-images-idx3-ubyte``) and the original CIFAR archives
  (``cifar-10-binary.tar.gz`` with a ``cifar-10-batches-bin/`` folder) are
  accepted too.
- ``root=None`` (the default) resolves ``$MXNET_HOME/datasets/<name>`` when the
  dataset is created, not when the module is imported, so setting
  ``MXNET_HOME`` later still works.
"""

from __future__ import annotations

import gzip
import os
import tarfile
import warnings

import numpy as np

from .... import base
from .... import image
from .... import ndarray as nd
from .... import recordio
from ...._atomic import atomic_open
from ...._idx import parse_idx
from ....base import MXNetError
from ....base import numeric_types
from ...utils import _get_repo_file_url
from ...utils import check_sha1
from ...utils import download
from ..dataset import Dataset
from ..dataset import RecordFileDataset
from ..dataset import _DownloadedDataset

__all__ = [
    "MNIST",
    "FashionMNIST",
    "CIFAR10",
    "CIFAR100",
    "ImageRecordDataset",
    "ImageFolderDataset",
    "ImageListDataset",
]


def _default_root(name: str) -> str:
    return os.path.join(base.data_dir(), "datasets", name)


def _download(cls: str, namespace: str, filename: str, sha1: str, root: str, why: str):
    url = _get_repo_file_url(f"gluon/dataset/{namespace}", filename)
    try:
        return download(url, path=root, sha1_hash=sha1, overwrite=True)
    except OSError as err:
        raise MXNetError(
            f"{cls}: {why}, and downloading {url} failed ({err}). Put the dataset "
            f"files in {root!r} (the originals are accepted) or pass root=<folder "
            "holding them>."
        ) from None


# --------------------------------------------------------------------------- IDX
def _read_idx(path: str, kind: str) -> tuple[np.ndarray, str | None]:
    """Parse an IDX file (gzip or raw); returns (array, None) or (None, reason)."""
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as err:
        return None, f"cannot read {path!r} ({err})"
    try:
        arr = parse_idx(raw, 1 if kind == "labels" else 3, exact=True)
    except ValueError as err:
        return None, f"{path!r} ({kind}) {err}"
    return (arr if kind == "labels" else arr[..., None]), None


class MNIST(_DownloadedDataset):
    """MNIST handwritten digits (http://yann.lecun.com/exdb/mnist).

    Each sample is ``(image, label)``: a uint8 NDArray of shape (28, 28, 1)
    and a numpy int32 label.

    Parameters
    ----------
    root : str, default ``$MXNET_HOME/datasets/mnist``
        Folder holding (or receiving) ``train-images-idx3-ubyte.gz``,
        ``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz`` and
        ``t10k-labels-idx1-ubyte.gz``.
    train : bool, default True
        Training set (60,000) or test set (10,000).
    transform : callable, optional
        ``transform(data, label) -> sample``, e.g.
        ``lambda data, label: (data.astype('float32') / 255, label)``.
    """

    _namespace = "mnist"
    _train_data = (
        "train-images-idx3-ubyte.gz",
        "6c95f4b05d2bf285e1bfb0e7960c31bd3b3f8a7d",
    )
    _train_label = (
        "train-labels-idx1-ubyte.gz",
        "2a80914081dc54586dbdf242f9805a6b8d2a15fc",
    )
    _test_data = (
        "t10k-images-idx3-ubyte.gz",
        "c3a25af1f52dad7f726cce8cacb138654b760d48",
    )
    _test_label = (
        "t10k-labels-idx1-ubyte.gz",
        "763e7fa3757d93b0cdec073cef058b2004252c17",
    )

    def __init__(self, root=None, train=True, transform=None) -> None:
        self._train = train
        super().__init__(
            _default_root(self._namespace) if root is None else root, transform
        )

    def _local_or_download(self, entry: tuple[str, str], kind: str) -> np.ndarray:
        name, sha1 = entry
        cls = type(self).__name__
        reasons = []
        for cand in (name, name[:-3] if name.endswith(".gz") else name):
            path = os.path.join(self._root, cand)
            if not os.path.isfile(path):
                continue
            arr, reason = _read_idx(path, kind)
            if arr is not None:
                return arr
            reasons.append(reason)
        why = "; ".join(reasons) if reasons else f"{name} is not in {self._root!r}"
        path = _download(cls, self._namespace, name, sha1, self._root, why)
        arr, reason = _read_idx(path, kind)
        if arr is None:
            raise MXNetError(f"{cls}: the downloaded file is not valid: {reason}.")
        return arr

    def _get_data(self) -> None:
        if self._train:
            data, label = self._train_data, self._train_label
        else:
            data, label = self._test_data, self._test_label
        labels = self._local_or_download(label, "labels")
        images = self._local_or_download(data, "images")
        if len(images) != len(labels):
            raise MXNetError(
                f"{type(self).__name__}: {data[0]} holds {len(images)} images but "
                f"{label[0]} holds {len(labels)} labels in {self._root!r}; the files "
                "come from different sets."
            )
        self._data = nd.array(images, dtype=np.uint8)
        self._label = labels.astype(np.int32)


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST, a drop-in replacement for :class:`MNIST`.

    Parameters
    ----------
    root : str, default ``$MXNET_HOME/datasets/fashion-mnist``
    train : bool, default True
    transform : callable, optional
    """

    _namespace = "fashion-mnist"
    _train_data = (
        "train-images-idx3-ubyte.gz",
        "0cf37b0d40ed5169c6b3aba31069a9770ac9043d",
    )
    _train_label = (
        "train-labels-idx1-ubyte.gz",
        "236021d52f1e40852b06a4c3008d8de8aef1e40b",
    )
    _test_data = (
        "t10k-images-idx3-ubyte.gz",
        "626ed6a7c06dd17c0eec72fa3be1740f146a2863",
    )
    _test_label = (
        "t10k-labels-idx1-ubyte.gz",
        "17f9ab60e7257a1620f4ad76bbbaf857c3920701",
    )


# --------------------------------------------------------------------------- CIFAR
class CIFAR10(_DownloadedDataset):
    """CIFAR-10 (https://www.cs.toronto.edu/~kriz/cifar.html).

    Each sample is ``(image, label)``: a uint8 NDArray of shape (32, 32, 3)
    (HWC) and a numpy int32 label.

    Parameters
    ----------
    root : str, default ``$MXNET_HOME/datasets/cifar10``
        Folder holding ``data_batch_1.bin`` ... ``data_batch_5.bin`` and
        ``test_batch.bin`` (directly or in ``cifar-10-batches-bin/``), or the
        archive ``cifar-10-binary.tar.gz``.
    train : bool, default True
    transform : callable, optional
    """

    _namespace = "cifar10"
    _archive_file = (
        "cifar-10-binary.tar.gz",
        "fab780a1e191a7eda0f345501ccd62d20f7ed891",
    )
    _train_data = [
        ("data_batch_1.bin", "aadd24acce27caa71bf4b10992e9e7b2d74c2540"),
        ("data_batch_2.bin", "c0ba65cce70568cd57b4e03e9ac8d2a5367c1795"),
        ("data_batch_3.bin", "1dd00a74ab1d17a6e7d73e185b69dbf31242f295"),
        ("data_batch_4.bin", "aab85764eb3584312d3c7f65fd2fd016e36a258e"),
        ("data_batch_5.bin", "26e2849e66a845b7f1e4614ae70f4889ae604628"),
    ]
    _test_data = [("test_batch.bin", "67eb016db431130d61cd03c7ad570b013799c88c")]
    _subdir = "cifar-10-batches-bin"
    _label_bytes = 1
    _label_limits = (10,)

    def __init__(self, root=None, train=True, transform=None) -> None:
        self._train = train
        super().__init__(
            _default_root(self._namespace) if root is None else root, transform
        )

    def _check_batch(self, path: str) -> str | None:
        rec = 3072 + self._label_bytes
        size = os.path.getsize(path)
        if size == 0 or size % rec:
            return f"{path!r} has {size} bytes, not a multiple of the {rec}-byte record"
        raw = np.fromfile(path, dtype=np.uint8).reshape(-1, rec)
        for i, limit in enumerate(self._label_limits):
            if raw[:, i].max() >= limit:
                return f"{path!r} has label byte {i} values >= {limit}"
        return None

    def _find(self, name: str, sha1: str) -> tuple[str | None, str | None]:
        reason = None
        for folder in (self._root, os.path.join(self._root, self._subdir)):
            path = os.path.join(folder, name)
            if not os.path.isfile(path):
                continue
            if check_sha1(path, sha1):
                return path, None
            reason = self._check_batch(path)
            if reason is None:
                return path, None
        return None, reason or f"{name} is not in {self._root!r}"

    def _extract(self, archive: str, wanted: set[str]) -> None:
        """Extract the wanted batch files (flattened) from a CIFAR tar archive."""
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                base_name = os.path.basename(member.name)
                if member.isfile() and base_name in wanted:
                    src = tar.extractfile(member)
                    with atomic_open(os.path.join(self._root, base_name)) as dst:
                        dst.write(src.read())

    def _read_batch(self, filename: str):
        rec = 3072 + self._label_bytes
        data = np.fromfile(filename, dtype=np.uint8).reshape(-1, rec)
        images = (
            data[:, self._label_bytes :].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        )
        return images, data[:, self._label_column()].astype(np.int32)

    def _label_column(self) -> int:
        return 0

    def _get_data(self) -> None:
        files = self._train_data if self._train else self._test_data
        wanted = {name for name, _ in self._train_data + self._test_data}
        found = [self._find(name, sha1) for name, sha1 in files]
        if any(path is None for path, _ in found):
            archive = os.path.join(self._root, self._archive_file[0])
            if os.path.isfile(archive):
                try:
                    self._extract(archive, wanted)
                except (tarfile.TarError, OSError, EOFError) as err:
                    warnings.warn(
                        f"{type(self).__name__}: cannot read {archive!r} ({err}); "
                        "downloading it again.",
                        stacklevel=3,
                    )
                found = [self._find(name, sha1) for name, sha1 in files]
        if any(path is None for path, _ in found):
            why = "; ".join(r for p, r in found if p is None)
            archive = _download(
                type(self).__name__,
                self._namespace,
                self._archive_file[0],
                self._archive_file[1],
                self._root,
                why,
            )
            self._extract(archive, wanted)
            found = [self._find(name, sha1) for name, sha1 in files]
            bad = [r for p, r in found if p is None]
            if bad:
                raise MXNetError(f"{type(self).__name__}: {'; '.join(bad)}.")
        data, label = zip(*(self._read_batch(path) for path, _ in found), strict=True)
        images = np.concatenate(data)
        self._data = nd.array(images, dtype=np.uint8)
        self._label = np.concatenate(label)


class CIFAR100(CIFAR10):
    """CIFAR-100: 100 fine classes grouped in 20 coarse superclasses.

    Parameters
    ----------
    root : str, default ``$MXNET_HOME/datasets/cifar100``
        Folder holding ``train.bin`` and ``test.bin`` (directly or in
        ``cifar-100-binary/``), or the archive ``cifar-100-binary.tar.gz``.
    fine_label : bool, default False
        Fine (100 classes) instead of coarse (20 classes) labels.
    train : bool, default True
    transform : callable, optional
    """

    _namespace = "cifar100"
    _archive_file = (
        "cifar-100-binary.tar.gz",
        "a0bb982c76b83111308126cc779a992fa506b90b",
    )
    _train_data = [("train.bin", "e207cd2e05b73b1393c74c7f5e7bea451d63e08e")]
    _test_data = [("test.bin", "8fb6623e830365ff53cf14adec797474f5478006")]
    _subdir = "cifar-100-binary"
    _label_bytes = 2
    _label_limits = (20, 100)

    def __init__(self, root=None, fine_label=False, train=True, transform=None) -> None:
        self._fine_label = bool(fine_label)
        super().__init__(root, train, transform)

    def _label_column(self) -> int:
        return int(self._fine_label)


# --------------------------------------------------------------------------- files
class ImageRecordDataset(RecordFileDataset):
    """Images and labels packed in a RecordIO file (``.rec`` + ``.idx``).

    Each sample is ``(image, label)``: an HWC uint8 NDArray decoded with
    ``mx.image.imdecode`` and the record header's label (a float, or a numpy
    float32 array for multi-label records).

    Parameters
    ----------
    filename : str
        Path to the ``.rec`` file.
    flag : {0, 1}, default 1
        0: grayscale (1 channel), 1: colour (3 channels, RGB).
    transform : callable, optional
        ``transform(data, label) -> sample``.
    """

    def __init__(self, filename, flag=1, transform=None) -> None:
        super().__init__(filename)
        self._flag = flag
        self._transform = transform

    def __getitem__(self, idx):
        record = super().__getitem__(idx)
        header, img = recordio.unpack(record)
        data = image.imdecode(img, self._flag)
        if self._transform is not None:
            return self._transform(data, header.label)
        return data, header.label


_IMAGE_EXTS = (".jpg", ".jpeg", ".png")


class ImageFolderDataset(Dataset):
    """Images stored as ``root/<class name>/<image file>``.

    Classes are the sorted sub-folder names (``synsets``); the label of an image
    is its class's index. Only ``.jpg``, ``.jpeg`` and ``.png`` files are read;
    other files and loose files in ``root`` are skipped with a warning.

    Parameters
    ----------
    root : str
        Path to the root folder.
    flag : {0, 1}, default 1
        0: grayscale (1 channel), 1: colour (3 channels, RGB).
    transform : callable, optional
        ``transform(data, label) -> sample``.

    Attributes
    ----------
    synsets : list of str
        Class names; ``synsets[i]`` is the name of label ``i``.
    items : list of (str, int)
        Every image as ``(filename, label)``.
    """

    def __init__(self, root, flag=1, transform=None) -> None:
        self._root = os.path.expanduser(os.fspath(root))
        self._flag = flag
        self._transform = transform
        self._exts = list(_IMAGE_EXTS)
        self._list_images(self._root)

    def _list_images(self, root: str) -> None:
        if not os.path.isdir(root):
            raise FileNotFoundError(
                f"ImageFolderDataset: root folder {root!r} does not exist; expected "
                "root/<class name>/<image files>."
            )
        self.synsets = []
        self.items = []
        for folder in sorted(os.listdir(root)):
            path = os.path.join(root, folder)
            if not os.path.isdir(path):
                warnings.warn(
                    f"Ignoring {path}, which is not a directory.", stacklevel=3
                )
                continue
            label = len(self.synsets)
            self.synsets.append(folder)
            for filename in sorted(os.listdir(path)):
                filename = os.path.join(path, filename)
                ext = os.path.splitext(filename)[1]
                if ext.lower() not in self._exts:
                    warnings.warn(
                        f"Ignoring {filename} of type {ext}. Only support "
                        f"{', '.join(self._exts)}",
                        stacklevel=3,
                    )
                    continue
                self.items.append((filename, label))

    def __getitem__(self, idx):
        img = image.imread(self.items[idx][0], self._flag)
        label = self.items[idx][1]
        if self._transform is not None:
            return self._transform(img, label)
        return img, label

    def __len__(self) -> int:
        return len(self.items)


class ImageListDataset(Dataset):
    """Images named by a list: a ``.lst`` file or a Python list (MXNet 2.x API).

    A ``.lst`` file (as written by ``im2rec``) has one tab-separated line per
    image: ``index <TAB> label [<TAB> label ...] <TAB> relative/path.jpg``. A
    list holds ``[label, path]`` or ``[label_1, ..., label_k, path]`` items.

    Each sample is ``(image, label)``: an HWC uint8 NDArray and a numpy float32
    label (a scalar for one label, an array for several).

    Parameters
    ----------
    root : str, default '.'
        Folder the image paths (and a relative ``imglist`` file) are relative to.
    imglist : str or list
        Path of the ``.lst`` file, or the list itself.
    flag : {0, 1}, default 1
        0: grayscale (1 channel), 1: colour (3 channels, RGB).
    transform : callable, optional
        ``transform(data, label) -> sample`` (not in MXNet 2.x, which uses
        ``Dataset.transform``).
    """

    def __init__(self, root=".", imglist=None, flag=1, transform=None) -> None:
        self._root = os.path.expanduser(os.fspath(root))
        self._flag = flag
        self._transform = transform
        self.items: list[tuple[np.ndarray, str]] = []
        if isinstance(imglist, (str, os.PathLike)):
            fname = os.path.join(self._root, os.fspath(imglist))
            with open(fname, encoding="utf-8") as fin:
                for lineno, line in enumerate(fin, 1):
                    parts = line.rstrip("\n").split("\t")
                    if not line.strip():
                        continue
                    if len(parts) < 3:
                        raise ValueError(
                            f"ImageListDataset: {fname}:{lineno} has {len(parts)} "
                            "tab-separated fields; expected index, label(s), path."
                        )
                    self.items.append((self._label(parts[1:-1]), parts[-1]))
        elif isinstance(imglist, (list, tuple)):
            for i, item in enumerate(imglist):
                if isinstance(item, (str, bytes)) or len(item) < 2:
                    raise ValueError(
                        f"ImageListDataset: item {i} is {item!r}; expected "
                        "[label, path] or [label_1, ..., label_k, path]."
                    )
                *labels, path = item
                if not isinstance(path, (str, os.PathLike)):
                    raise ValueError(
                        f"ImageListDataset: item {i} ends with {path!r}; the last "
                        "element must be the image path."
                    )
                if len(labels) == 1 and not isinstance(labels[0], numeric_types):
                    labels = list(np.asarray(labels[0]).ravel())
                self.items.append((self._label(labels), os.fspath(path)))
        else:
            raise TypeError(
                "ImageListDataset: imglist must be a .lst file path or a list of "
                f"[label, path] items, got {type(imglist).__name__}."
            )

    @staticmethod
    def _label(values) -> np.ndarray:
        arr = np.asarray([float(v) for v in values], dtype=np.float32)
        return arr[0] if arr.size == 1 else arr

    def __getitem__(self, idx):
        label, path = self.items[idx]
        img = image.imread(os.path.join(self._root, path), self._flag)
        if self._transform is not None:
            return self._transform(img, label)
        return img, label

    def __len__(self) -> int:
        return len(self.items)
