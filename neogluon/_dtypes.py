"""dtype tables: numpy <-> torch <-> MXNet type flags (the .params ``type_flag``)."""

from __future__ import annotations

import numpy as np
import torch

# mshadow type flags, as stored in .params files and symbol JSON ``__dtype__``.
FLAG_TO_NP: dict[int, np.dtype] = {
    0: np.dtype(np.float32),
    1: np.dtype(np.float64),
    2: np.dtype(np.float16),
    3: np.dtype(np.uint8),
    4: np.dtype(np.int32),
    5: np.dtype(np.int8),
    6: np.dtype(np.int64),
    7: np.dtype(np.bool_),
    8: np.dtype(np.int16),
    9: np.dtype(np.uint16),
    10: np.dtype(np.uint32),
    11: np.dtype(np.uint64),
}
BFLOAT16_FLAG = 12
NP_TO_FLAG: dict[np.dtype, int] = {v: k for k, v in FLAG_TO_NP.items()}

NP_TO_TORCH: dict[np.dtype, torch.dtype] = {
    np.dtype(np.float32): torch.float32,
    np.dtype(np.float64): torch.float64,
    np.dtype(np.float16): torch.float16,
    np.dtype(np.uint8): torch.uint8,
    np.dtype(np.int32): torch.int32,
    np.dtype(np.int8): torch.int8,
    np.dtype(np.int64): torch.int64,
    np.dtype(np.bool_): torch.bool,
    np.dtype(np.int16): torch.int16,
    np.dtype(np.uint16): torch.uint16,
    np.dtype(np.uint32): torch.uint32,
    np.dtype(np.uint64): torch.uint64,
}
TORCH_TO_NP: dict[torch.dtype, np.dtype] = {v: k for k, v in NP_TO_TORCH.items()}
# The numpy scalar *type* MXNet reports as ``NDArray.dtype`` (e.g. numpy.float32).
TORCH_TO_NPTYPE: dict[torch.dtype, type] = {k: v.type for k, v in TORCH_TO_NP.items()}
TORCH_TO_NPTYPE[torch.bfloat16] = np.float32  # no numpy bfloat16; reported as float32
TORCH_TO_FLAG: dict[torch.dtype, int] = {
    t: NP_TO_FLAG[n] for t, n in TORCH_TO_NP.items()
}
TORCH_TO_FLAG[torch.bfloat16] = BFLOAT16_FLAG
FLAG_TO_TORCH: dict[int, torch.dtype] = {v: k for k, v in TORCH_TO_FLAG.items()}

_NAME_TO_TORCH = {str(np.dtype(k)): v for k, v in NP_TO_TORCH.items()}
_NAME_TO_TORCH["bfloat16"] = torch.bfloat16
_NAME_TO_TORCH["bool"] = torch.bool


def _array_dtype(dtype):
    """The dtype of an array given where a dtype is expected.

    MXNet code passes arrays as dtypes (``out.astype(label)``, sockeye's loss):
    NumPy 1.x read their ``.dtype`` attribute even when it is a scalar type
    such as ``numpy.float32``; NumPy 2 refuses that, so it is read here.
    """
    if isinstance(dtype, (str, type, np.dtype)):
        return dtype
    inner = getattr(dtype, "dtype", None)
    if inner is None:
        return dtype
    if isinstance(inner, torch.dtype):
        return inner
    return inner if isinstance(inner, (type, np.dtype, str)) else dtype


def to_torch_dtype(dtype) -> torch.dtype:
    """Convert a dtype given as MXNet accepts it (str, numpy, type) to torch."""
    if isinstance(dtype, torch.dtype):
        return dtype
    if isinstance(dtype, str):
        t = _NAME_TO_TORCH.get(dtype)
        if t is not None:
            return t
    else:
        dtype = _array_dtype(dtype)
        if isinstance(dtype, torch.dtype):
            return dtype
    try:
        return NP_TO_TORCH[np.dtype(dtype)]
    except (TypeError, KeyError):
        raise TypeError(
            f"Unsupported dtype {dtype!r}; expected one of {sorted(_NAME_TO_TORCH)}."
        ) from None


def to_np_dtype(dtype) -> np.dtype:
    """Convert any accepted dtype spelling to a numpy dtype."""
    if isinstance(dtype, torch.dtype):
        if dtype == torch.bfloat16:
            raise TypeError("bfloat16 has no numpy equivalent")
        return TORCH_TO_NP[dtype]
    if isinstance(dtype, str) and dtype == "bfloat16":
        raise TypeError("bfloat16 has no numpy equivalent")
    dtype = _array_dtype(dtype)
    if isinstance(dtype, torch.dtype):
        return to_np_dtype(dtype)
    return np.dtype(dtype)


def dtype_name(dtype) -> str:
    """Canonical name, e.g. ``'float32'``."""
    t = to_torch_dtype(dtype)
    if t == torch.bfloat16:
        return "bfloat16"
    return str(TORCH_TO_NP[t])
