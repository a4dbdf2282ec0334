"""Gluon blocks inside ``torch.nn.Module`` code, and torch modules inside Gluon.

:class:`GluonModule` wraps an initialized Gluon (Hybrid)Block as a
``torch.nn.Module`` whose parameters and buffers share memory with the Gluon
Parameters. :class:`TorchBlock` wraps a ``torch.nn.Module`` as a Gluon
HybridBlock whose Gluon Parameters share memory with the module's parameters
and buffers. The public entry points are in :mod:`neogluon.interop`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch.func import functional_call
from torch.nn.utils.stateless import _reparametrize_module

from .. import _state
from .. import autograd
from .. import initializer
from .. import ndarray as nd
from .._dtypes import dtype_name
from .._dtypes import to_torch_dtype
from ..base import MXNetError
from ..context import Context
from ..ndarray.ndarray import NDArray
from ..ops.registry import OpDef
from .block import Block
from .block import HybridBlock
from .parameter import _DEFAULT_INIT
from .parameter import Constant
from .parameter import Parameter
from .parameter import _ctx_key
from .parameter import _ctx_list

__all__ = ["GluonModule", "TorchBlock"]


# --------------------------------------------------------------------------- helpers
def _as_ndarray(x: Any) -> Any:
    """torch tensors -> NDArray (zero-copy); nested lists/tuples kept."""
    if isinstance(x, torch.Tensor):
        return nd.from_torch(x)
    if isinstance(x, (list, tuple)):
        return type(x)(_as_ndarray(v) for v in x)
    return x


def _as_tensor(x: Any) -> Any:
    """NDArray -> its torch tensor (zero-copy); lists become tuples."""
    if isinstance(x, NDArray):
        return x._data
    if isinstance(x, (list, tuple)):
        return tuple(_as_tensor(v) for v in x)
    return x


def _same_memory(a: torch.Tensor, b: torch.Tensor) -> bool:
    return (
        a.data_ptr() == b.data_ptr()
        and a.shape == b.shape
        and a.dtype == b.dtype
        and a.device == b.device
    )


def _is_buffer(param: Parameter) -> bool:
    """Gluon parameters that torch code keeps as buffers (no gradient ever)."""
    return isinstance(param, Constant) or not param.differentiable


def structural_params(block: Block) -> dict[str, Parameter]:
    """``{structural key: Parameter}`` exactly as ``save_parameters`` names them."""
    if not isinstance(block, Block):
        raise TypeError(
            f"expected a gluon Block, got {type(block).__name__}; pass the network "
            "(e.g. an nn.HybridSequential), not its ParameterDict."
        )
    return block._collect_params_with_prefix()


def ensure_initialized(
    block: Block, example_inputs: Sequence | None, what: str
) -> dict[str, Parameter]:
    """Finish deferred initialization with ``example_inputs``; check every param.

    Raises a ``RuntimeError`` naming the parameter when it was never
    initialized, or when initialization is deferred and no example inputs were
    given.
    """
    params = structural_params(block)
    pending = [k for k, p in params.items() if p._data is None]
    never = [k for k in pending if not params[k]._deferred_init]
    if never:
        key = never[0]
        raise RuntimeError(
            f"{what}: parameter '{key}' ({params[key].name}) of block "
            f"'{block.name}' is not initialized. Call block.initialize() (and, for "
            "layers without in_units/in_channels, run one forward or pass "
            "example_inputs) first."
        )
    if pending:
        if example_inputs is None:
            key = pending[0]
            raise RuntimeError(
                f"{what}: block '{block.name}' still has deferred parameters "
                f"({', '.join(repr(k) for k in pending[:5])}"
                f"{', ...' if len(pending) > 5 else ''}; e.g. '{key}' has shape "
                f"{params[key].shape}, 0 = unknown). Pass example_inputs=(x,) so "
                "that one forward can infer their shapes, or run block(x) once "
                "before converting."
            )
        if isinstance(example_inputs, (torch.Tensor, NDArray)):
            example_inputs = (example_inputs,)
        with autograd.pause(train_mode=False):
            block(*[_as_ndarray(x) for x in example_inputs])
        params = structural_params(block)
        still = [k for k, p in params.items() if p._data is None]
        if still:
            raise RuntimeError(
                f"{what}: the example forward of block '{block.name}' did not "
                f"initialize {still}; they are not used by its forward, so their "
                "shapes cannot be inferred. Give their shapes explicitly."
            )
    return params


# --------------------------------------------------------------------------- Gluon -> torch
class GluonModule(torch.nn.Module):
    """A Gluon Block as a ``torch.nn.Module`` (memory shared both ways).

    Parameters
    ----------
    block : Block
        An initialized Gluon Block or HybridBlock (hybridized or not).
    ctx : Context, optional
        Which copy of the parameters to bind when the block lives on several
        contexts; default: its only context.

    Notes
    -----
    ``named_parameters()`` / ``state_dict()`` use the structural keys of
    ``block.save_parameters`` (``'0.weight'``). Gluon parameters with
    ``differentiable=False`` (BatchNorm running statistics) and Constants
    are buffers; ``grad_req='null'`` parameters have ``requires_grad=False``.
    ``forward`` runs the block recording for torch autograd whenever torch
    grad mode is on; ``train()``/``eval()`` map onto
    ``autograd.train_mode()``/``predict_mode()``.

    If the Gluon side reallocates a parameter (``initialize(force_reinit=
    True)``, ``cast``, ``reset_ctx``), the torch Parameter objects are rebound
    to the new memory at the next forward (optimizers keep working). Moving
    or casting the wrapper itself (``module.to(...)``) would break the
    sharing and raises: move or cast the Gluon block instead.
    """

    def __init__(self, block: Block, ctx: Context | None = None) -> None:
        super().__init__()
        params = structural_params(block)
        object.__setattr__(self, "_block", block)
        self._ctx = ctx
        # (torch tensor, gluon Parameter, is_buffer), one per distinct Parameter.
        self._bindings: list[tuple[torch.Tensor, Parameter, bool]] = []
        # (owning submodule, attribute) of each binding: forward reads the
        # attribute, so torch.func.functional_call's substitutes are used.
        self._paths: list[tuple[torch.nn.Module, str]] = []
        made: dict[int, torch.Tensor] = {}
        for key, param in params.items():
            *path, leaf = key.split(".")
            owner: torch.nn.Module = self
            for part in path:
                child = owner._modules.get(part)
                if child is None:
                    child = torch.nn.Module()
                    owner.add_module(part, child)
                owner = child
            t = made.get(id(param))
            buffer = _is_buffer(param)
            if t is None:
                data = self._gluon_tensor(param, key)
                if buffer:
                    t = data.detach()
                else:
                    t = torch.nn.Parameter(
                        data.detach(), requires_grad=param.grad_req != "null"
                    )
                made[id(param)] = t
                self._bindings.append((t, param, buffer))
                self._paths.append((owner, leaf))
            if hasattr(owner, leaf) and leaf not in owner._parameters:
                raise MXNetError(
                    f"to_torch_module: parameter key '{key}' clashes with the "
                    f"torch.nn.Module attribute '{leaf}'; rename the Gluon attribute."
                )
            if buffer:
                owner.register_buffer(leaf, t)
            else:
                owner.register_parameter(leaf, t)

    @property
    def block(self) -> Block:
        """The wrapped Gluon block."""
        return self._block

    def _gluon_array(self, param: Parameter, key: str) -> NDArray:
        ctx = self._ctx
        if ctx is None:
            ctxs = param.list_ctx()
            if len(ctxs) > 1:
                raise MXNetError(
                    f"to_torch_module: parameter '{key}' lives on {ctxs}; a torch "
                    "module holds one copy. Pass ctx= to choose one."
                )
            ctx = ctxs[0]
        return param.data(ctx)

    def _gluon_tensor(self, param: Parameter, key: str) -> torch.Tensor:
        return self._gluon_array(param, key)._data

    def _sync(self) -> None:
        """Rebind torch tensors whose Gluon parameter was reallocated."""
        if torch.jit.is_tracing():
            return  # data_ptr() of traced tensors cannot be recorded
        for t, param, buffer in self._bindings:
            key = param.name
            g = self._gluon_tensor(param, key)
            if not _same_memory(t, g):
                t.data = g.detach()
            if not buffer:
                want = param.grad_req != "null"
                if t.requires_grad != want:
                    t.requires_grad_(want)

    def _apply(self, fn, recurse: bool = True):  # noqa: ANN001 - torch's API
        for t, param, _ in self._bindings:
            out = fn(t)
            if not (out is t or _same_memory(out, t)):
                raise MXNetError(
                    f"to_torch_module: moving or casting the wrapper of block "
                    f"'{self._block.name}' (parameter '{param.name}': "
                    f"{t.dtype} on {t.device} -> {out.dtype} on {out.device}) would "
                    "break memory sharing with the Gluon parameters. Move or cast "
                    "the Gluon block instead (block.reset_ctx(mx.gpu()) / "
                    "block.cast('float64')); this wrapper follows it at the next "
                    "forward."
                )
        return self

    def forward(self, *inputs: Any) -> Any:
        """Run the block on torch tensors; returns torch tensors."""
        self._sync()
        args = [_as_ndarray(x) for x in inputs]
        if self._ctx is not None:
            for a in args:
                if isinstance(a, NDArray) and a.context != self._ctx:
                    raise MXNetError(
                        f"to_torch_module: block '{self._block.name}' is bound to "
                        f"{self._ctx} but got an input on {a.context}; move the "
                        "input there."
                    )
        saved: list[tuple[NDArray, torch.Tensor]] = []
        try:
            for (_, param, _), (owner, leaf) in zip(
                self._bindings, self._paths, strict=True
            ):
                arr = self._gluon_array(param, param.name)
                saved.append((arr, arr._data))
                # Gluon ops then compute with the torch tensors themselves, so
                # torch autograd reaches them.
                arr._data = getattr(owner, leaf)
            if torch.is_grad_enabled():
                scope = autograd.record(train_mode=self.training)
            else:
                scope = autograd.pause(train_mode=self.training)
            with scope:
                out = self._block(*args)
        finally:
            for arr, t in saved:
                arr._data = t
        return _as_tensor(out)

    def extra_repr(self) -> str:
        return f"gluon={type(self._block).__name__}('{self._block.name}')"


# --------------------------------------------------------------------------- torch -> Gluon
class _TorchParameter(Parameter):
    """A Gluon Parameter whose data is a torch module's tensor (shared memory).

    The torch tensor is the authority: Gluon-side writes (optimizer updates,
    ``set_data``, ``load_parameters``) happen in place, and ``reset_ctx`` /
    ``cast`` move the torch tensor itself.
    """

    def __init__(
        self,
        name: str,
        module: torch.nn.Module,
        path: str,
        grad_req: str,
        differentiable: bool,
    ) -> None:
        *parents, attr = path.split(".")
        owner = module.get_submodule(".".join(parents)) if parents else module
        # The tensor is looked up on every use: module.to()/float() replace
        # buffer objects (parameters keep theirs and change .data).
        self._owner = owner
        self._attr = attr
        tensor = self._torch
        super().__init__(
            name,
            grad_req=grad_req,
            shape=tuple(tensor.shape),
            dtype=dtype_name(tensor.dtype),
            differentiable=differentiable,
        )
        self._bind()

    @property
    def _torch(self) -> torch.Tensor:
        return getattr(self._owner, self._attr)

    def _bind(self) -> None:
        t = self._torch.detach()
        ctx = Context.from_torch_device(t.device)
        self._shape = tuple(t.shape)
        self._dtype = dtype_name(t.dtype)
        self._ctx_list = [ctx]
        self._ctx_map = {_ctx_key(ctx): 0}
        self._deferred_init = ()
        self._data = [nd.from_torch(t)]
        self._init_grad()

    def _in_sync(self) -> bool:
        return self._data is not None and _same_memory(self._data[0]._data, self._torch)

    def initialize(
        self, init=None, ctx=None, default_init=_DEFAULT_INIT, force_reinit=False
    ) -> None:
        """Values come from the torch module; ``force_reinit`` overwrites them.

        Differs from MXNet 1.9.1: no "already initialized" warning, since the
        torch module initialized these values on purpose.
        """
        if ctx is not None:
            wanted = _ctx_list(ctx)
            have = self.list_ctx()
            if wanted != have:
                raise MXNetError(
                    f"Parameter '{self.name}' belongs to a torch module on {have}; "
                    f"it cannot be initialized on {wanted}. Move the torch module "
                    "(module.to(device)) or call net.reset_ctx() after initialize."
                )
        if not force_reinit:
            return
        if init is None:
            init = default_init if self.init is None else self.init
        with autograd.pause():
            value = nd.zeros(self.shape, dtype=self.dtype)
            initializer.create(default_init)(
                initializer.InitDesc(self.name, {"__init__": init}), value
            )
            self._data[0][:] = value

    def reset_ctx(self, ctx) -> None:
        ctxs = _ctx_list(ctx)
        if len(ctxs) != 1:
            raise MXNetError(
                f"Parameter '{self.name}' belongs to a torch module, which holds one "
                f"copy; got contexts {ctxs}."
            )
        self._torch.data = self._torch.data.to(ctxs[0].torch_device)
        self._bind()

    def cast(self, dtype) -> None:
        if not self._torch.is_floating_point():
            return  # counters (BatchNorm's num_batches_tracked) stay integers
        self._torch.data = self._torch.data.to(to_torch_dtype(dtype))
        self._bind()


class TorchBlock(HybridBlock):
    """A ``torch.nn.Module`` as a Gluon HybridBlock.

    Parameters
    ----------
    module : torch.nn.Module
        The module; its parameters and persistent buffers become Gluon
        Parameters named ``prefix + name.replace('.', '_')`` that share memory
        with them.
    num_outputs : int, default 1
        How many tensors ``module.forward`` returns (a hybridized parent
        needs it before the first call).
    prefix, params : as for any Block.

    Notes
    -----
    Eagerly, the module runs through ``torch.func.functional_call`` with the
    Gluon parameter tensors, so ``autograd.record()``/``backward`` fill the
    Gluon gradients and a ``Trainer`` updates the torch weights in place.
    Inside a hybridized parent the module becomes one opaque graph node whose
    kernel is that same call; such a graph runs, traces to ONNX and infers
    shapes (on meta tensors), but its ``-symbol.json`` export cannot be loaded
    again (the node refers to a live torch module). The module's ``training``
    flag follows ``autograd.is_training()`` on every call.
    """

    def __init__(
        self,
        module: torch.nn.Module,
        num_outputs: int = 1,
        prefix: str | None = None,
        params=None,
    ) -> None:
        if not isinstance(module, torch.nn.Module):
            raise TypeError(
                f"from_torch_module expects a torch.nn.Module, got "
                f"{type(module).__name__}."
            )
        if not isinstance(num_outputs, int) or num_outputs < 1:
            raise ValueError(f"num_outputs must be a positive int, got {num_outputs!r}")
        super().__init__(prefix=prefix, params=params)
        self._module = module
        self._num_outputs = num_outputs
        persistent = set(module.state_dict(keep_vars=True).keys())
        entries: list[tuple[str, torch.Tensor, bool]] = []
        for name, p in module.named_parameters():
            lazy = getattr(torch.nn.parameter, "UninitializedParameter", ())
            if lazy and isinstance(p, lazy):
                raise MXNetError(
                    f"from_torch_module: parameter '{name}' of {type(module).__name__}"
                    " is uninitialized (a torch Lazy module); run the module once on "
                    "an example input before wrapping it."
                )
            entries.append((name, p, False))
        for name, b in module.named_buffers():
            if name in persistent:
                entries.append((name, b, True))
        self._torch_names: list[str] = []
        self._keys: list[str] = []
        self._n_buffers = 0
        for name, t, buffer in entries:
            key = name.replace(".", "_")
            full = self.prefix + key
            if key in self._reg_params or full in self.params:
                raise MXNetError(
                    f"from_torch_module: torch names map to the same Gluon name "
                    f"'{full}' ('{name}'); rename the module's attributes."
                )
            if buffer:
                param = _TorchParameter(full, module, name, "null", False)
            else:
                req = "write" if t.requires_grad else "null"
                param = _TorchParameter(full, module, name, req, True)
            self.params._params[full] = param
            self._reg_params[key] = param
            self._torch_names.append(name)
            self._keys.append(key)
            self._n_buffers += buffer
        self._ops: dict[int, OpDef] = {}

    @property
    def module(self) -> torch.nn.Module:
        """The wrapped torch module."""
        return self._module

    def __repr__(self) -> str:
        inner = repr(self._module).replace("\n", "\n  ")
        return f"{type(self).__name__}(\n  {inner}\n)"

    # ---------------------------------------------------------------- running
    def _kernel(self, n_data: int):
        module = self._module
        names = self._torch_names
        num_outputs = self._num_outputs

        def kernel(*tensors: torch.Tensor):
            data = tensors[:n_data]
            state = dict(zip(names, tensors[n_data:], strict=True))
            training = _state.is_training()
            if module.training != training:
                module.train(training)
            with torch.set_grad_enabled(
                torch.is_grad_enabled() and _state.is_recording()
            ):
                if torch.jit.is_tracing():
                    # ONNX export traces the graph; functional_call refuses to
                    # run under the tracer, its reparametrization does not.
                    with _reparametrize_module(module, state, tie_weights=True):
                        out = module(*data)
                else:
                    out = functional_call(module, state, data)
            outs = (out,) if isinstance(out, torch.Tensor) else out
            if not isinstance(outs, (tuple, list)) or not all(
                isinstance(o, torch.Tensor) for o in outs
            ):
                raise MXNetError(
                    f"from_torch_module: {type(module).__name__}.forward must return "
                    f"a tensor or a tuple of tensors, got {type(out).__name__}."
                )
            if len(outs) != num_outputs:
                raise MXNetError(
                    f"from_torch_module: {type(module).__name__}.forward returned "
                    f"{len(outs)} tensors but the block was made with "
                    f"num_outputs={num_outputs}; pass num_outputs={len(outs)}."
                )
            # MXNet outputs are fresh arrays: never hand out an input's memory.
            ptrs = {t.data_ptr() for t in tensors if t.device.type != "meta"}
            outs = tuple(
                o.clone() if o.device.type != "meta" and o.data_ptr() in ptrs else o
                for o in outs
            )
            return outs[0] if num_outputs == 1 else outs

        return kernel

    def _sync(self) -> None:
        """Follow the torch side if the module was moved or cast (module.to)."""
        if torch.jit.is_tracing():
            return
        for p in self._reg_params.values():
            if isinstance(p, _TorchParameter) and not p._in_sync():
                p._bind()

    def _op(self, n_data: int) -> OpDef:
        op = self._ops.get(n_data)
        if op is None:
            data_names = (
                ("data",) if n_data == 1 else tuple(f"data{i}" for i in range(n_data))
            )
            num_outputs = self._num_outputs

            def infer_type(in_types, attrs):
                return in_types, [in_types[0]] * num_outputs

            op = OpDef(
                name="_torch_module",
                kernel=self._kernel(n_data),
                inputs=data_names + tuple(self._keys),
                aux=tuple(self._keys[len(self._keys) - self._n_buffers :]),
                num_outputs=num_outputs,
                same_dtype=False,
                infer_type=infer_type,
                doc=f"Opaque call of torch module {type(self._module).__name__}.",
            )
            self._ops[n_data] = op
        return op

    def forward(self, x, *args):
        self._sync()
        return super().forward(x, *args)

    def hybrid_forward(self, F, *args, **params):
        op = self._op(len(args))
        state = [params[k] for k in self._keys]
        if isinstance(args[0], NDArray):
            out = op.kernel(*[a._data for a in args], *[p._data for p in state])
            if isinstance(out, torch.Tensor):
                return nd.from_torch(out)
            return [nd.from_torch(o) for o in out]
        from ..symbol.symbol import create

        sym = create(op, [*args, *state], {}, hint="torchmodule")
        if self._num_outputs == 1:
            return sym
        return [sym[i] for i in range(self._num_outputs)]
