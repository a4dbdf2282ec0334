"""PyTorch interop: arrays, blocks and state dicts, without copies.

>>> import torch
>>> import neogluon as mx
>>> from neogluon import interop
>>> net = mx.gluon.nn.Dense(2, in_units=3)
>>> net.initialize()
>>> m = interop.to_torch_module(net)          # a torch.nn.Module
>>> sorted(k for k, _ in m.named_parameters())
['bias', 'weight']
>>> blk = interop.from_torch_module(torch.nn.Linear(3, 2))  # a Gluon HybridBlock
>>> blk(mx.nd.ones((1, 3))).shape
(1, 2)

``to_torch_module`` / ``from_torch_module`` share memory with the wrapped
object: a torch optimizer stepping the wrapper updates the Gluon weights, a
Gluon ``Trainer`` stepping the wrapper updates the torch weights.
``state_dict`` returns torch tensors under ``save_parameters`` keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any
from typing import NamedTuple

import numpy as np
import torch

from . import ndarray as nd
from .base import MXNetError
from .context import Context
from .gluon._torch_module import GluonModule
from .gluon._torch_module import TorchBlock
from .gluon._torch_module import ensure_initialized
from .gluon._torch_module import structural_params
from .gluon.block import Block
from .gluon.block import HybridBlock
from .ndarray.ndarray import NDArray

__all__ = [
    "to_torch",
    "from_torch",
    "to_torch_module",
    "from_torch_module",
    "state_dict",
    "load_state_dict",
    "to_torch_state_dict",
    "GluonModule",
    "TorchBlock",
]


def to_torch(array: NDArray) -> torch.Tensor:
    """The ``torch.Tensor`` behind ``array`` (zero-copy, shares memory)."""
    if not isinstance(array, NDArray):
        raise TypeError(f"to_torch expects an NDArray, got {type(array).__name__}")
    return array.to_torch()


def from_torch(tensor: torch.Tensor) -> NDArray:
    """Wrap a ``torch.Tensor`` as an NDArray (zero-copy, dtype kept)."""
    return nd.from_torch(tensor)


def to_torch_module(
    block: Block,
    example_inputs: Sequence | torch.Tensor | NDArray | None = None,
    ctx: Context | None = None,
) -> GluonModule:
    """Wrap an initialized Gluon block as a ``torch.nn.Module``.

    Parameters
    ----------
    block : Block
        A Gluon Block or HybridBlock whose parameters are initialized.
    example_inputs : tensor or sequence of tensors, optional
        Needed only while some parameters are deferred (``Dense(10)`` without
        ``in_units`` before its first forward): one forward in predict mode
        with these inputs finishes their initialization.
    ctx : Context, optional
        Which copy to bind when the block lives on several contexts.

    Returns
    -------
    GluonModule
        ``parameters()``/``named_parameters()`` are torch Parameters sharing
        memory with the Gluon Parameters, under ``save_parameters`` keys;
        BatchNorm running statistics are buffers. ``forward(*tensors)``
        returns tensors and is differentiable with torch autograd;
        ``train()``/``eval()`` select Gluon's training or predict mode.
    """
    ensure_initialized(block, example_inputs, "to_torch_module")
    return GluonModule(block, ctx=ctx)


def from_torch_module(
    module: torch.nn.Module,
    num_outputs: int = 1,
    prefix: str | None = None,
    params=None,
) -> HybridBlock:
    """Wrap a ``torch.nn.Module`` as a Gluon HybridBlock (see :class:`TorchBlock`).

    Its parameters and persistent buffers become Gluon Parameters named
    ``prefix + name.replace('.', '_')`` sharing memory with the module; the
    block runs eagerly, under ``autograd.record()``, with ``Trainer`` updates
    reaching the torch tensors, and as one opaque node inside a hybridized
    parent.
    """
    return TorchBlock(module, num_outputs=num_outputs, prefix=prefix, params=params)


def state_dict(block: Block, ctx: Context | None = None) -> dict[str, torch.Tensor]:
    """``{save_parameters key: torch.Tensor}`` sharing memory with the parameters.

    The tensors are detached aliases: writing into one changes the Gluon
    parameter. ``ctx`` picks the copy when the block lives on several contexts.
    """
    params = ensure_initialized(block, None, "state_dict")
    out: dict[str, torch.Tensor] = {}
    for key, p in params.items():
        ctxs = p.list_ctx()
        if ctx is None and len(ctxs) > 1:
            raise MXNetError(
                f"state_dict: parameter '{key}' lives on {ctxs}; pass ctx= to "
                "choose which copy to return."
            )
        out[key] = p.data(ctx or ctxs[0])._data.detach()
    return out


class LoadResult(NamedTuple):
    """Keys that ``load_state_dict`` did not match (as torch reports them)."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _to_ndarray(value: Any, key: str) -> NDArray:
    if isinstance(value, NDArray):
        return value
    if isinstance(value, torch.Tensor):
        return nd.from_torch(value.detach())
    if isinstance(value, np.ndarray):
        return nd.array(value, dtype=value.dtype)
    raise TypeError(
        f"load_state_dict: value for '{key}' is a {type(value).__name__}; expected "
        "a torch.Tensor, NDArray or numpy array."
    )


def load_state_dict(
    block: Block, state_dict: Mapping[str, Any], strict: bool = True
) -> LoadResult:
    """Copy values into the block's parameters by ``save_parameters`` key.

    Values may be torch tensors, NDArrays or numpy arrays; they are copied
    (cast to each parameter's dtype, as ``torch.nn.Module.load_state_dict``
    does). Deferred parameters take their shape from the value.

    Parameters
    ----------
    strict : bool, default True
        Raise when a key is missing or unexpected; otherwise skip those keys
        and report them in the returned ``(missing_keys, unexpected_keys)``.
    """
    if not isinstance(state_dict, Mapping):
        raise TypeError(
            f"load_state_dict expects a mapping of names to tensors, got "
            f"{type(state_dict).__name__}."
        )
    params = structural_params(block)
    present = {id(params[k]) for k in params if k in state_dict}
    missing = [k for k, p in params.items() if k not in state_dict]
    # A shared parameter is loaded if any of its keys is present.
    missing_hard = [k for k in missing if id(params[k]) not in present]
    unexpected = [k for k in state_dict if k not in params]
    if strict and (missing_hard or unexpected):
        raise MXNetError(
            f"load_state_dict for block '{block.name}': missing keys {missing_hard}, "
            f"unexpected keys {unexpected}. The block's keys are "
            f"{list(params)[:10]}{' ...' if len(params) > 10 else ''}. Pass "
            "strict=False to load the matching keys only."
        )
    for key, value in state_dict.items():
        if key not in params:
            continue
        param = params[key]
        arr = _to_ndarray(value, key)
        param._load_init(arr, None, cast_dtype=True, dtype_source="current")
    return LoadResult(missing, unexpected)


def _norm_layers() -> tuple[type, ...]:
    from .gluon.nn import basic_layers

    return (
        basic_layers._BatchNorm,
        basic_layers.LayerNorm,
        basic_layers.InstanceNorm,
        basic_layers.GroupNorm,
    )


def to_torch_state_dict(block: Block) -> dict[str, torch.Tensor]:
    """:func:`state_dict` renamed for the equivalent ``torch.nn`` layers.

    Structural keys are kept (a ``HybridSequential`` maps onto a
    ``torch.nn.Sequential`` with the same layer order); normalization layers
    rename ``gamma``/``beta`` to ``weight``/``bias`` and BatchNorm gains
    ``num_batches_tracked`` (0). Dense, Conv*, Conv*Transpose and Embedding
    weights already have torch's layouts. Values share memory with the block
    (``num_batches_tracked`` excepted).

    Notes
    -----
    The numbers carry over, the hyper-parameters do not: Gluon's BatchNorm
    ``momentum=0.9`` is torch's ``momentum=0.1``, and a Gluon ``Dense`` with
    ``flatten=True`` needs a ``torch.nn.Flatten`` before the ``Linear``.
    """
    sd = state_dict(block)
    norms = _norm_layers()
    out: dict[str, torch.Tensor] = {}

    def walk(blk: Block, prefix: str) -> None:
        is_norm = isinstance(blk, norms)
        for name in blk._reg_params:
            key = prefix + name
            new = (
                {"gamma": "weight", "beta": "bias"}.get(name, name) if is_norm else name
            )
            out[prefix + new] = sd[key]
        if is_norm and isinstance(blk, norms[0]):
            out[prefix + "num_batches_tracked"] = torch.tensor(0, dtype=torch.int64)
        for cname, child in blk._children.items():
            walk(child, f"{prefix}{cname}.")

    walk(block, "")
    return out
