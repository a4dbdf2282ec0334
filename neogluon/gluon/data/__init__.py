"""``mx.gluon.data``: datasets, samplers and the DataLoader."""

from __future__ import annotations

from .dataloader import DataLoader
from .dataset import ArrayDataset
from .dataset import Dataset
from .dataset import RecordFileDataset
from .dataset import SimpleDataset
from .sampler import BatchSampler
from .sampler import FilterSampler
from .sampler import IntervalSampler
from .sampler import RandomSampler
from .sampler import Sampler
from .sampler import SequentialSampler

__all__ = [
    "ArrayDataset",
    "BatchSampler",
    "DataLoader",
    "Dataset",
    "FilterSampler",
    "IntervalSampler",
    "RandomSampler",
    "RecordFileDataset",
    "Sampler",
    "SequentialSampler",
    "SimpleDataset",
]


def __getattr__(name: str):
    # gluon.data.vision is another package (datasets, transforms); import it on
    # first use so that gluon.data works before and without it.
    if name == "vision":
        import importlib

        try:
            return importlib.import_module(f"{__name__}.vision")
        except ModuleNotFoundError as err:
            if err.name != f"{__name__}.vision":
                raise
            raise AttributeError(
                "module 'neogluon.gluon.data' has no attribute 'vision' "
                "(neogluon.gluon.data.vision is not installed)"
            ) from None
    raise AttributeError(f"module 'neogluon.gluon.data' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | {"vision"})
