"""``gluon.data.vision``: vision datasets and image transforms."""

from __future__ import annotations

from . import transforms
from .datasets import CIFAR10
from .datasets import CIFAR100
from .datasets import MNIST
from .datasets import FashionMNIST
from .datasets import ImageFolderDataset
from .datasets import ImageListDataset
from .datasets import ImageRecordDataset

__all__ = [
    "CIFAR10",
    "CIFAR100",
    "MNIST",
    "FashionMNIST",
    "ImageFolderDataset",
    "ImageListDataset",
    "ImageRecordDataset",
    "transforms",
]
