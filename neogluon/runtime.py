"""``mx.runtime``: which features this neogluon process can use.

MXNet reports the compile-time features of libmxnet. neogluon has no native
library of its own, so each feature reports whether the same capability is
available through the installed PyTorch (and Python packages) at runtime:

========================  ====================================================
CUDA                      ``torch.cuda.is_available()``
CUDNN                     CUDA and ``torch.backends.cudnn.is_available()``
NCCL                      CUDA and ``torch.distributed.is_nccl_available()``
MKLDNN                    ``torch.backends.mkldnn.is_available()`` (oneDNN)
OPENMP                    ``torch.backends.openmp.is_available()``
BLAS_OPEN/MKL/APPLE/ATLAS the BLAS named in ``torch.__config__.show()``
LAPACK                    torch was built with LAPACK
CPU_SSE ... CPU_AVX2, F16C  the CPU's instruction-set flags (``/proc/cpuinfo``)
OPENCV                    image decoding for ``mx.image`` is available (Pillow)
PROFILER                  always (``mx.profiler`` over ``torch.profiler``)
DIST_KVSTORE              ``torch.distributed.is_available()``
INT64_TENSOR_SIZE, CXX14  always (torch indexes with int64, builds as C++17)
DEBUG                     torch is a debug build
CUDA_RTC, TENSORRT, JEMALLOC, CAFFE, SIGNAL_HANDLER, TVM_OP  never
========================  ====================================================

The feature names and their order are MXNet 1.9.1's.
"""

from __future__ import annotations

import collections
import importlib.util
import platform

__all__ = ["Feature", "Features", "feature_list", "cuda_compute_capability"]

#: MXNet 1.9.1's feature names, in its order.
FEATURE_NAMES = (
    "CUDA CUDNN NCCL CUDA_RTC TENSORRT CPU_SSE CPU_SSE2 CPU_SSE3 CPU_SSE4_1 "
    "CPU_SSE4_2 CPU_SSE4A CPU_AVX CPU_AVX2 OPENMP SSE F16C JEMALLOC BLAS_OPEN "
    "BLAS_ATLAS BLAS_MKL BLAS_APPLE LAPACK MKLDNN OPENCV CAFFE PROFILER "
    "DIST_KVSTORE CXX14 INT64_TENSOR_SIZE SIGNAL_HANDLER DEBUG TVM_OP"
).split()


class Feature:
    """One feature: ``name`` and whether it is ``enabled``."""

    __slots__ = ("_name", "_enabled")

    def __init__(self, name: str, enabled: bool) -> None:
        self._name = name
        self._enabled = bool(enabled)

    @property
    def name(self) -> str:
        """Feature name, e.g. ``"CUDA"``."""
        return self._name

    @property
    def enabled(self) -> bool:
        """True if the capability is available in this process."""
        return self._enabled

    def __repr__(self) -> str:
        return f"{'✔' if self._enabled else '✖'} {self._name}"


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def _blas(config: str) -> str:
    for line in config.splitlines():
        line = line.strip()
        if line.startswith("- BLAS_INFO=") or "BLAS_INFO=" in line:
            return line.split("BLAS_INFO=", 1)[1].split(",")[0].strip().lower()
    return ""


def _probe() -> dict[str, bool]:
    import torch

    cuda = torch.cuda.is_available()
    dist = torch.distributed.is_available()
    config = torch.__config__.show()
    blas = _blas(config)
    x86 = platform.machine().lower() in ("x86_64", "amd64", "i386", "i686")
    flags = _cpu_flags()
    return {
        "CUDA": cuda,
        "CUDNN": cuda and torch.backends.cudnn.is_available(),
        "NCCL": cuda and dist and torch.distributed.is_nccl_available(),
        "CUDA_RTC": False,
        "TENSORRT": False,
        "CPU_SSE": x86 and ("sse" in flags or not flags),
        "CPU_SSE2": x86 and ("sse2" in flags or not flags),
        "CPU_SSE3": "pni" in flags,
        "CPU_SSE4_1": "sse4_1" in flags,
        "CPU_SSE4_2": "sse4_2" in flags,
        "CPU_SSE4A": "sse4a" in flags,
        "CPU_AVX": "avx" in flags,
        "CPU_AVX2": "avx2" in flags,
        "OPENMP": torch.backends.openmp.is_available(),
        "SSE": x86 and ("sse" in flags or not flags),
        "F16C": "f16c" in flags,
        "JEMALLOC": False,
        "BLAS_OPEN": "open" in blas,
        "BLAS_ATLAS": "atlas" in blas,
        "BLAS_MKL": "mkl" in blas,
        "BLAS_APPLE": "accelerate" in blas,
        "LAPACK": bool(getattr(torch._C, "has_lapack", False)),
        "MKLDNN": torch.backends.mkldnn.is_available(),
        "OPENCV": importlib.util.find_spec("PIL") is not None,
        "CAFFE": False,
        "PROFILER": True,
        "DIST_KVSTORE": dist,
        "CXX14": True,
        "INT64_TENSOR_SIZE": True,
        "SIGNAL_HANDLER": False,
        "DEBUG": bool(getattr(torch.version, "debug", False)),
        "TVM_OP": False,
    }


def feature_list() -> list[Feature]:
    """Every feature, in MXNet's order."""
    found = _probe()
    return [Feature(name, found[name]) for name in FEATURE_NAMES]


class Features(collections.OrderedDict):
    """Feature name -> :class:`Feature` (one shared instance, like MXNet's)."""

    instance = None

    def __new__(cls):
        if cls.instance is None:
            inst = super().__new__(cls)
            collections.OrderedDict.__init__(
                inst, [(f.name, f) for f in feature_list()]
            )
            cls.instance = inst
        return cls.instance

    def __init__(self) -> None:
        # Filled once in __new__; re-initialising would clear the shared instance.
        return None

    def __repr__(self) -> str:
        return str(list(self.values()))

    def is_enabled(self, feature_name: str) -> bool:
        """Whether ``feature_name`` (case-insensitive) is available.

        Raises RuntimeError for a name that is not one of MXNet's features.
        """
        name = feature_name.upper()
        if name not in self:
            raise RuntimeError(
                f"Feature '{name}' is unknown, known features are: {list(self.keys())}"
            )
        return self[name].enabled


def cuda_compute_capability(device_id: int = 0) -> int:
    """Compute capability of CUDA device ``device_id`` as ``major * 10 + minor``."""
    import torch

    from .base import MXNetError

    if not torch.cuda.is_available():
        raise MXNetError(f"gpu({device_id}): CUDA is not available to torch here")
    major, minor = torch.cuda.get_device_capability(device_id)
    return major * 10 + minor
