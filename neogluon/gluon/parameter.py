"""``gluon.Parameter``, ``gluon.Constant`` and ``gluon.ParameterDict``.

A Parameter holds one copy of its value per context plus gradient buffers.
Unknown dims are 0 until deferred initialization completes (section 5.7 of the
API notes): ``initialize()`` on a parameter with unknown dims and
``allow_deferred_init=True`` remembers ``(init, ctx, default_init, data)`` in
``_deferred_init``; once the shape is known (``p.shape = ...``) the Block
calls ``_finish_deferred_init()``.

Errors MXNet 1.9.1 raises as ``AssertionError`` are raised as
``AssertionValueError`` (a subclass of both ``AssertionError`` and
``ValueError``), so code catching either keeps working.
"""

from __future__ import annotations

import threading
import warnings

import numpy as np

from .. import _state
from .. import autograd
from .. import initializer
from .. import ndarray as nd
from .._dtypes import dtype_name as _canonical_dtype
from ..base import DeferredInitializationError
from ..base import mx_real_t
from ..context import Context
from ..context import cpu
from ..context import current_context
from ..ndarray._np import ndarray as _np_ndarray
from ..ndarray._np import np_view_of
from ..ndarray.ndarray import NDArray
from ..registry import AssertionValueError
from ..util import _NP_STATE

__all__ = [
    "DeferredInitializationError",
    "Parameter",
    "Constant",
    "ParameterDict",
    "tensor_types",  # noqa: F822 - resolved by the module __getattr__
    "shape_is_known",
]

_GRAD_REQS = ("write", "add", "null")
# The default global initializer, one shared instance as MXNet's default argument.
_DEFAULT_INIT = initializer.Uniform()
_STYPES = ("default", "row_sparse", "csr")
# Held while a deferred initialization runs (see _finish_deferred_init).
_DEFERRED_INIT_LOCK = threading.RLock()


def __getattr__(name: str):
    # ``tensor_types`` needs the symbol package, which imports gluon pieces;
    # resolve it on first use instead of at import time.
    if name == "tensor_types":
        try:
            from ..symbol import Symbol
        except ImportError:
            try:
                from ..symbol.symbol import Symbol
            except ImportError:  # symbol package not importable (yet)
                return (NDArray,)
        value = (Symbol, NDArray)
        globals()["tensor_types"] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---------------------------------------------------------------- helpers
def _python_ints(shape) -> tuple:
    """``shape`` as a tuple whose numpy integers are Python ints (a client may
    pass ``np.int64`` channel counts; MXNet's inferred shapes hold ints)."""
    return tuple(int(v) if isinstance(v, np.integer) else v for v in shape)


def shape_is_known(shape) -> bool:
    """True when ``shape`` has no unknown (0) dim; ``None`` and ``()`` are unknown.

    ``()`` counts as unknown as in MXNet's legacy (non-numpy) shape mode.
    """
    if shape is None or len(shape) == 0:
        return False
    for d in shape:
        if d == 0:
            return False
        if d < 0:
            raise ValueError(
                f"shape dimension size cannot be negative, got shape {shape}"
            )
    return True


def _unknown_axes(shape) -> tuple[int, ...]:
    if shape is None:
        return ()
    return tuple(i for i, d in enumerate(shape) if d in (0, -1))


def _dtype_str(dtype) -> str:
    try:
        return _canonical_dtype(dtype)
    except TypeError:
        return str(dtype)


def _same_dtype(a, b) -> bool:
    try:
        return _canonical_dtype(a) == _canonical_dtype(b)
    except TypeError:
        return False


def _brief_print_list(lst, limit: int = 7) -> str:
    lst = list(lst)
    if len(lst) > limit:
        return (
            _brief_print_list(lst[: limit // 2], limit)
            + ", ..., "
            + _brief_print_list(lst[-limit // 2 :], limit)
        )
    return ", ".join(f"'{i}'" for i in lst)


def _ctx_list(ctx) -> list[Context]:
    if ctx is None:
        return [current_context()]
    if isinstance(ctx, Context):
        return [ctx]
    if isinstance(ctx, (list, tuple)) and all(isinstance(c, Context) for c in ctx):
        return list(ctx)
    raise TypeError(
        f"ctx must be a Context or a list of Contexts such as [mx.cpu(0)], got {ctx!r}."
    )


def _ctx_key(ctx: Context) -> tuple[int, int]:
    # MXNet maps cpu, cpu_pinned and cpu_shared onto the same slot (typeid & 1).
    return (ctx.device_typeid & 1, ctx.device_id)


def _cast_copy(arr: NDArray, dtype) -> NDArray:
    out = nd.zeros(arr.shape, ctx=arr.context, dtype=dtype, stype=arr.stype)
    out[:] = arr
    return out


# ---------------------------------------------------------------- Parameter
class Parameter:
    """A weight of a Block: one copy per context plus gradient buffers.

    Parameters
    ----------
    name : str
        Full name (``prefix + name``, e.g. ``'dense0_weight'``).
    grad_req : {'write', 'add', 'null'}, default 'write'
        How ``backward`` updates the gradient buffer (``'null'``: no buffer).
    shape : int or tuple of int, optional
        Shape; 0 marks an unknown dim, filled by deferred initialization.
    dtype : numpy dtype or str, default float32
    lr_mult, wd_mult : float, default 1.0
        Multipliers of the optimizer's learning rate and weight decay.
    init : Initializer or str, optional
        This parameter's own initializer (overrides the global one).
    allow_deferred_init : bool, default False
        Allow ``initialize`` while the shape has unknown dims.
    differentiable : bool, default True
        ``False`` forces ``grad_req='null'``.
    stype, grad_stype : {'default', 'row_sparse', 'csr'}, default 'default'
        Storage types of the value and of the gradient. As in MXNet, the value
        of a sparse parameter is read with :meth:`row_sparse_data` (which
        needs a Trainer: the Trainer's kvstore holds the weight), not
        :meth:`data`.

    Examples
    --------
    >>> import neogluon as mx
    >>> w = mx.gluon.Parameter("fc_weight", shape=(2, 3), init=mx.init.One())
    >>> w.initialize()
    >>> w.data().asnumpy()
    array([[1., 1., 1.],
           [1., 1., 1.]], dtype=float32)
    """

    #: The mx.np view :meth:`data` last gave (a class default: a Parameter
    #: unpickled from an older neogluon has none).
    _np_data_view: _np_ndarray | None = None

    def __init__(
        self,
        name: str,
        grad_req: str = "write",
        shape=None,
        dtype=mx_real_t,
        lr_mult: float = 1.0,
        wd_mult: float = 1.0,
        init=None,
        allow_deferred_init: bool = False,
        differentiable: bool = True,
        stype: str = "default",
        grad_stype: str = "default",
    ) -> None:
        self._var = None
        self._data: list[NDArray] | None = None
        self._grad: list[NDArray] | None = None
        self._ctx_list: list[Context] | None = None
        self._ctx_map: dict[tuple[int, int], int] | None = None
        self._trainer = None
        self._deferred_init: tuple = ()
        self._differentiable = differentiable
        # Made under numpy array semantics (``@use_np`` on a Block's
        # ``__init__``): data() and grad() give mx.np arrays, as in MXNet.
        self._np_made = _is_np_array()
        self._allow_deferred_init = allow_deferred_init
        self._grad_req: str | None = None
        # Set by Block to its path ('net.0.dense0') for error messages.
        self._block_path: str | None = None
        if isinstance(shape, (int, np.integer)):
            shape = (int(shape),)
        self._shape = None if shape is None else _python_ints(shape)
        self.name = name
        self._dtype = dtype
        self.lr_mult = lr_mult
        self.wd_mult = wd_mult
        for what, value in (("grad_stype", grad_stype), ("stype", stype)):
            if value not in _STYPES:
                raise AssertionValueError(
                    f"{what} for Parameter '{name}' must be one of 'default', "
                    f"'row_sparse', or 'csr', but got '{value}'"
                )
        self._grad_stype = grad_stype
        self._stype = stype
        self.grad_req = grad_req
        self.init = init

    def __repr__(self) -> str:
        return f"Parameter {self.name} (shape={self.shape}, dtype={_dtype_str(self.dtype)})"

    def __getstate__(self) -> dict:
        # The cached mx.np view of the value is not state (a copy or an
        # unpickled parameter makes its own).
        state = self.__dict__.copy()
        state.pop("_np_data_view", None)
        return state

    # ------------------------------------------------------------ attributes
    @property
    def grad_req(self) -> str:
        """``'write'``, ``'add'`` or ``'null'``; setting ``'null'`` drops the grads."""
        return self._grad_req

    @grad_req.setter
    def grad_req(self, req: str) -> None:
        if req not in _GRAD_REQS:
            raise AssertionValueError(
                f"grad_req must be one of 'write', 'add', or 'null', but got '{req}' "
                f"(Parameter '{self.name}')"
            )
        if not self._differentiable:
            req = "null"
        if self._grad_req == req:
            return
        self._grad_req = req
        if req == "null" and self._grad is not None:
            self._grad = None
            self._data = [d.detach() for d in self._data]
        elif self._data is not None:
            self._init_grad()

    @property
    def dtype(self):
        """The dtype as given; setting it casts data and gradients."""
        return self._dtype

    @dtype.setter
    def dtype(self, dtype) -> None:
        self.cast(dtype)

    @property
    def shape(self) -> tuple[int, ...] | None:
        """The shape; 0 marks a dim not known yet."""
        return self._shape

    @shape.setter
    def shape(self, new_shape) -> None:
        if isinstance(new_shape, (int, np.integer)):
            new_shape = (int(new_shape),)
        new_shape = _python_ints(new_shape)
        if self._shape is None:
            self._shape = new_shape
            return
        old = self._shape
        if len(old) != len(new_shape) or not all(
            j in (-1, 0, i) for i, j in zip(new_shape, old, strict=True)
        ):
            raise AssertionValueError(
                f"Expected shape {new_shape} is incompatible with given shape {old}. "
                f"Parameter '{self.name}' has shape {old}; a new shape must have the "
                f"same rank ({len(old)}) and may only fill its unknown (0) dims "
                f"(axes {_unknown_axes(old)})."
            )
        self._shape = new_shape

    @property
    def allow_deferred_init(self) -> bool:
        """Whether ``initialize`` may be deferred until the shape is known."""
        return self._allow_deferred_init

    @allow_deferred_init.setter
    def allow_deferred_init(self, value: bool) -> None:
        self._allow_deferred_init = bool(value)

    @property
    def differentiable(self) -> bool:
        return self._differentiable

    @property
    def stype(self) -> str:
        return self._stype

    @property
    def grad_stype(self) -> str:
        return self._grad_stype

    @property
    def _unknown_dims(self) -> tuple[int, ...]:
        """Axes of ``shape`` still unknown (0); ``()`` when fully known."""
        return _unknown_axes(self._shape)

    @property
    def _fresh_grad(self) -> bool:
        """True when ``backward`` wrote every context's gradient since the last reset."""
        if not self._data:
            return False
        return all(d._fresh_grad for d in self._data)

    @_fresh_grad.setter
    def _fresh_grad(self, value: bool) -> None:
        for d in self._data or ():
            d._fresh_grad = value

    def _set_trainer(self, trainer) -> None:
        """Remember the Trainer that updates this parameter.

        A sparse (``row_sparse``/``csr``) parameter belongs to one Trainer: a
        second one cannot take it (MXNet's rule); a dense parameter goes to the
        last Trainer given it. ``None`` releases it.
        """
        current = self._trainer
        if (
            self._stype != "default"
            and current is not None
            and trainer is not None
            and current is not trainer
        ):
            raise RuntimeError(
                f"Failed to set the trainer for Parameter '{self.name}' because it "
                f"was already set. More than one Trainer for a {self._stype} "
                "Parameter is not supported; release it first with "
                "param._set_trainer(None)."
            )
        self._trainer = trainer

    # ------------------------------------------------------------ access
    def _deferred_error(self) -> DeferredInitializationError:
        where = self._block_path or _state.current_block()
        extra = (
            f" Parameter '{self.name}' has shape {self.shape}; unknown (0) dims at "
            f"axes {self._unknown_dims}"
        )
        if where:
            extra += f"; it belongs to block '{where}'"
        return DeferredInitializationError(
            f"Parameter '{self.name}' has not been initialized yet because "
            "initialization was deferred. Actual initialization happens during the "
            "first forward pass. Please pass one batch of data through the network "
            "before accessing Parameters. You can also avoid deferred initialization "
            "by specifying in_units, num_features, etc., for network layers."
            + extra
            + "."
        )

    def _check_and_get(self, arr_list, ctx):
        """``arr_list`` itself (``ctx is list``) or its entry for ``ctx``."""
        if arr_list is not None:
            if ctx is list:
                return arr_list
            if ctx is None:
                if len(arr_list) == 1:
                    return arr_list[0]
                ctx = current_context()
            if isinstance(ctx, Context):
                idx = self._ctx_map.get(_ctx_key(ctx))
                if idx is not None:
                    return arr_list[idx]
            raise RuntimeError(
                f"Parameter '{self.name}' was not initialized on context {ctx}. It was "
                f"only initialized on {self._ctx_list}."
            )
        if self._deferred_init:
            raise self._deferred_error()
        with _DEFERRED_INIT_LOCK:  # another thread may be initializing it now
            if self._data is not None:
                return self._check_and_get(self._data, ctx)
        raise RuntimeError(
            f"Parameter '{self.name}' has not been initialized. Note that you should "
            "initialize parameters and create Trainer with Block.collect_params() "
            "instead of Block.params because the later does not include Parameters "
            "of nested child Blocks"
        )

    def data(self, ctx: Context | None = None) -> NDArray:
        """The value on ``ctx`` (the only context, or ``current_context()``);
        an ``mx.np.ndarray`` view under numpy array semantics (``npx.set_np``).

        A sparse (``stype`` row_sparse / csr) parameter raises RuntimeError,
        as in MXNet: read it with :meth:`row_sparse_data`.
        """
        if self._stype != "default":
            raise RuntimeError(
                f"Cannot return a copy of Parameter '{self.name}' on ctx {ctx} via "
                f"data() because its storage type is {self._stype}. Please use "
                "row_sparse_data() instead."
            )
        arr = self._check_and_get(self._data, ctx)
        if self._np_made or getattr(_NP_STATE, "array", False):
            # The mx.np view, kept while it still is one of ``arr`` (a
            # set_data / cast / reset_ctx / load / deferred init / grad_req
            # change that rebinds the array or its tensor makes a new one).
            v = self._np_data_view
            w = np_view_of(arr, v)
            if w is not v:
                self._np_data_view = w
            return w
        return arr

    def list_data(self) -> list[NDArray]:
        """The values on all contexts, in ``list_ctx()`` order (RuntimeError
        for a sparse parameter, as :meth:`data`)."""
        if self._stype != "default":
            raise RuntimeError(
                f"Cannot return copies of Parameter '{self.name}' on all contexts "
                f"via list_data() because its storage type is {self._stype}. Please "
                "use row_sparse_data() instead."
            )
        return self._check_and_get(self._data, list)

    def _raw_data(self, ctx: Context | None = None) -> NDArray:
        """The array holding the value on ``ctx``, whatever the storage type
        (neogluon's internal accessor: Trainer, kvstore, SparseEmbedding)."""
        return self._check_and_get(self._data, ctx)

    def _raw_list_data(self) -> list[NDArray]:
        """The arrays holding the value on every context, any storage type."""
        return self._check_and_get(self._data, list)

    def _null_grad_error(self) -> RuntimeError:
        return RuntimeError(
            f"Cannot get gradient array for Parameter '{self.name}' because "
            "grad_req='null'"
        )

    def grad(self, ctx: Context | None = None) -> NDArray:
        """The gradient buffer on ``ctx``."""
        if self._data is not None and self._grad is None:
            raise self._null_grad_error()
        arr = self._check_and_get(self._grad, ctx)
        return arr.as_np_ndarray() if self._np_made else _np_view(arr)

    def list_grad(self) -> list[NDArray]:
        """The gradient buffers on all contexts."""
        if self._data is not None and self._grad is None:
            raise self._null_grad_error()
        return self._check_and_get(self._grad, list)

    def list_ctx(self) -> list[Context]:
        """Contexts the parameter lives on (the pending ones while deferred)."""
        if self._data is None:
            if self._deferred_init:
                return self._deferred_init[1]
            raise RuntimeError(f"Parameter '{self.name}' has not been initialized")
        return self._ctx_list

    def zero_grad(self) -> None:
        """Set the gradient buffers to 0 (no-op without gradients)."""
        if self._grad is None:
            return
        for g in self._grad:
            if g.stype != "default":  # csr refuses ``g[:] = 0`` (as in MXNet)
                nd.zeros_like(g, out=g)
            else:
                g[:] = 0

    def row_sparse_data(self, row_id: NDArray) -> NDArray:
        """The value on ``row_id``'s context holding the rows ``row_id``
        (sorted, unique; others not stored), pulled from the Trainer's kvstore.

        As in MXNet, only for a parameter created with ``stype='row_sparse'``,
        and only once a Trainer was created with it. The array returned is the
        parameter's own array on that context (the autograd variable whose
        gradient the Trainer applies), so use it in ``autograd.record()``.
        """
        self._check_row_sparse("row_sparse_data")
        self._check_row_id(row_id, "row_sparse_data")
        return self._get_row_sparse(row_id.context, row_id)

    def list_row_sparse_data(self, row_id: NDArray) -> list[NDArray]:
        """:meth:`row_sparse_data` on every context of the parameter."""
        self._check_row_sparse("list_row_sparse_data")
        self._check_row_id(row_id, "list_row_sparse_data")
        return self._get_row_sparse(list, row_id)

    def _check_row_sparse(self, method: str) -> None:
        if self._stype != "row_sparse":
            raise RuntimeError(
                f"Cannot return a copy of Parameter '{self.name}' via {method}() "
                f"because its storage type is {self._stype}. Use data() instead, or "
                f"create the parameter with stype='row_sparse'."
            )

    def _check_row_id(self, row_id, method: str) -> None:
        if not isinstance(row_id, NDArray):
            raise TypeError(
                f"Parameter '{self.name}'.{method}: row_id must be an NDArray of row "
                f"indices, got {type(row_id).__name__}"
            )

    def _get_row_sparse(self, ctx, row_id: NDArray):
        """Pull the rows ``row_id`` into the array(s) on ``ctx`` (a Context,
        or ``list`` for all) through the Trainer (MXNet's ``_get_row_sparse``)."""
        arrays = self._check_and_get(self._data, ctx)
        if self._trainer is None:
            raise RuntimeError(
                f"Cannot get row_sparse data for Parameter '{self.name}' when no "
                "Trainer is created with it. Create a gluon.Trainer with this "
                "parameter first: its kvstore holds the row_sparse weight."
            )
        outs = arrays if isinstance(arrays, list) else [arrays]
        self._trainer._row_sparse_pull(self, outs, row_id)
        return arrays

    def _row_sparse_value(self, row_id: NDArray) -> NDArray:
        """The array a row_sparse parameter's users compute with for the rows
        ``row_id``: :meth:`row_sparse_data` once a Trainer holds the weight,
        else the parameter's own array (all its rows) on ``row_id``'s context.
        neogluon's accessor for blocks (``SparseEmbedding``), which MXNet makes
        fail without a Trainer."""
        if self._trainer is None:
            return self._check_and_get(self._data, row_id.context)
        return self.row_sparse_data(row_id)

    # ------------------------------------------------------------ initialization
    def initialize(
        self,
        init=None,
        ctx=None,
        default_init=_DEFAULT_INIT,
        force_reinit: bool = False,
    ) -> None:
        """Create the data (and gradient) arrays.

        Parameters
        ----------
        init : Initializer, optional
            Overrides ``self.init`` and ``default_init``.
        ctx : Context or list of Context, default ``current_context()``
            One identical copy is made per context.
        default_init : Initializer, default Uniform()
            Used when both ``init`` and ``self.init`` are None. Whichever is
            chosen runs its ``_init_weight`` whatever the parameter's name
            (MXNet's Gluon dispatch).
        force_reinit : bool, default False
            Re-initialize an initialized parameter.
        """
        if self._data is not None and not force_reinit:
            warnings.warn(
                f"Parameter '{self.name}' is already initialized, ignoring. Set "
                "force_reinit=True to re-initialize.",
                stacklevel=2,
            )
            return
        self._data = self._grad = None
        ctx = _ctx_list(ctx)
        if init is None:
            init = default_init if self.init is None else self.init
        if not shape_is_known(self.shape):
            if self._allow_deferred_init:
                self._deferred_init = (init, ctx, default_init, None)
                return
            raise ValueError(
                f"Cannot initialize Parameter '{self.name}' because it has invalid "
                f"shape: {self.shape}."
            )
        self._deferred_init = (init, ctx, default_init, None)
        self._finish_deferred_init()

    def _finish_deferred_init(self) -> None:
        """Complete a deferred ``initialize`` now that the shape is known."""
        # One thread initializes; others running the same net wait for it.
        with _DEFERRED_INIT_LOCK:
            self._finish_deferred_init_locked()

    def _finish_deferred_init_locked(self) -> None:
        if not self._deferred_init:
            return
        init, ctx, default_init, data = self._deferred_init
        if not shape_is_known(self.shape):
            # Differs from MXNet 1.9.1: the deferred state is kept, so the caller
            # can set the shape and retry.
            raise AssertionValueError(
                f"Cannot initialize Parameter '{self.name}' because it has invalid "
                f"shape: {self.shape}. Please specify in_units, in_channels, etc for "
                f"`Block`s. Unknown (0) dims at axes {self._unknown_dims}"
                + (f" (block '{self._block_path}')" if self._block_path else "")
                + "."
            )
        self._deferred_init = ()
        with autograd.pause():
            owned = data is None
            if owned:
                data = nd.zeros(self.shape, ctx=cpu(), dtype=self.dtype)
                initializer.create(default_init)(
                    initializer.InitDesc(self.name, {"__init__": init}), data
                )
            self._init_impl(data, ctx, owned)

    def _init_impl(self, data: NDArray, ctx_list, owned: bool = False) -> None:
        """Copy ``data`` to every context (in the parameter's storage type)
        and allocate gradients. ``owned``: ``data`` is a fresh array nobody
        else holds, which becomes the value on its own context (no copy)."""
        if data.stype != self._stype:
            data = data.tostype(self._stype)
        self._ctx_list = list(ctx_list)
        self._ctx_map = {}
        for i, ctx in enumerate(self._ctx_list):
            self._ctx_map.setdefault(_ctx_key(ctx), i)
        here = data.context if owned else None
        self._data = [
            data if ctx == here and i == 0 else data.copyto(ctx)
            for i, ctx in enumerate(self._ctx_list)
        ]
        self._init_grad()

    def _init_grad(self) -> None:
        """Allocate zero gradient buffers and mark the data as autograd variables."""
        if self.grad_req == "null":
            self._grad = None
            return
        # Re-marking an array that is already a variable (grad_req 'write' <->
        # 'add') trips autograd's WeakSet, whose membership test calls the
        # element-wise NDArray.__eq__; mark fresh wrappers of the same storage.
        self._data = [d.detach() if autograd.is_variable(d) else d for d in self._data]
        self._grad = [
            nd.zeros(d.shape, ctx=d.context, dtype=d.dtype, stype=self._grad_stype)
            for d in self._data
        ]
        autograd.mark_variables(self._data, self._grad, self.grad_req)

    def _check_load(
        self, data: NDArray, ctx, cast_dtype: bool = False, dtype_source="current"
    ) -> None:
        """Raise what :meth:`_load_init` would raise for ``data``, changing
        nothing (loaders check every parameter before assigning any)."""
        if cast_dtype and dtype_source not in ("current", "saved"):
            raise ValueError(
                f"dtype_source must be 'current' or 'saved', got {dtype_source!r}"
            )
        if self.shape and (
            len(self.shape) != len(data.shape)
            or not all(
                s in (0, -1, d) for s, d in zip(self.shape, data.shape, strict=True)
            )
        ):
            raise AssertionValueError(
                f"Failed loading Parameter '{self.name}' from saved params: shape "
                f"incompatible expected {self.shape} vs saved {data.shape}"
            )
        if (
            self.dtype is not None
            and not cast_dtype
            and not _same_dtype(self.dtype, data.dtype)
        ):
            raise AssertionValueError(
                f"Failed loading Parameter '{self.name}' from saved params: dtype "
                f"incompatible expected {_dtype_str(self.dtype)} vs saved "
                f"{_dtype_str(data.dtype)}. Set cast_dtype=True to cast the dtype "
                "of saved params."
            )
        if isinstance(ctx, Context):
            ctx = [ctx]
        if ctx is None:
            return
        if self._data is None:
            if self._deferred_init and set(ctx) != set(self._deferred_init[1]):
                raise AssertionValueError(
                    f"Failed to load Parameter '{self.name}' on {ctx} because it "
                    f"was previous initialized on {self.list_ctx()}."
                )
        elif set(ctx) != set(self.list_ctx()):
            raise AssertionValueError(
                f"Failed to load Parameter '{self.name}' on {ctx} because it was "
                f"previous initialized on {self.list_ctx()}."
            )

    def _load_init(
        self, data: NDArray, ctx, cast_dtype: bool = False, dtype_source="current"
    ):
        """(Re)initialize from loaded ``data`` (used by ``load_parameters``)."""
        self._check_load(data, ctx, cast_dtype, dtype_source)
        if self.shape:
            self.shape = tuple(
                d if s in (0, -1) else s
                for s, d in zip(self.shape, data.shape, strict=True)
            )
        elif self._shape is None:
            self._shape = tuple(data.shape)
        if self.dtype is not None and not _same_dtype(self.dtype, data.dtype):
            if dtype_source == "current":
                data = _cast_copy(data, self.dtype)
            else:
                self.dtype = data.dtype
        if isinstance(ctx, Context):
            ctx = [ctx]
        if self._data is None:
            if self._deferred_init:
                ctx = self._deferred_init[1]
            elif ctx is None:
                ctx = [cpu()]
            with autograd.pause():
                self._init_impl(data, ctx)
        else:
            self.set_data(data)
        self._deferred_init = ()

    def _reduce(self) -> NDArray:
        """The value on CPU, averaged over contexts (a sparse parameter's
        whole value, pulled from its Trainer's kvstore when it has one)."""
        ctx = cpu()
        if self._stype != "default":
            first = self._raw_list_data()[0]
            if self._stype != "row_sparse" or self._trainer is None:
                return first.copyto(ctx)
            out = nd.sparse.zeros("row_sparse", self.shape, ctx=first.context,
                                  dtype=first.dtype)  # fmt: skip
            rows = nd.arange(0, self.shape[0], ctx=first.context, dtype="int64")
            self._trainer._row_sparse_pull(self, [out], rows, full_idx=True)
            return out.copyto(ctx)
        block = self.list_data()
        if len(block) == 1:
            return block[0].copyto(ctx)
        total = block[0].copyto(ctx)
        for w in block[1:]:
            total = total + w.copyto(ctx)
        return total / len(block)

    def reset_ctx(self, ctx) -> None:
        """Move the parameter (its context-averaged value) to ``ctx``."""
        ctx = _ctx_list(ctx)
        if self._data:
            data = self._reduce()
            with autograd.pause():
                self._init_impl(data, ctx)
        elif self._deferred_init:
            init, _, default_init, data = self._deferred_init
            self._deferred_init = (init, ctx, default_init, data)
        else:
            raise ValueError(
                f"Cannot reset context for Parameter '{self.name}' because it has not "
                "been initialized."
            )

    def set_data(self, data) -> None:
        """Set the value on every context.

        While initialization is deferred, ``data`` fixes the shape and
        completes the initialization with it (differs from MXNet 1.9.1, which
        waits for the next forward).
        """
        if not isinstance(data, NDArray):
            data = nd.array(data, dtype=self.dtype)
        self.shape = data.shape
        if self._data is None:
            if not self._deferred_init:
                raise AssertionValueError(
                    f"Parameter '{self.name}' has not been initialized; call "
                    "initialize() before set_data()."
                )
            value = nd.zeros(data.shape, ctx=cpu(), dtype=self.dtype)
            value[:] = data
            self._deferred_init = self._deferred_init[:3] + (value,)
            self._finish_deferred_init()
            return
        trainer = self._trainer
        if (
            trainer is not None
            and getattr(trainer, "_kv_initialized", False)
            and getattr(trainer, "_update_on_kvstore", False)
            and self not in getattr(trainer, "_params_to_init", ())
        ):
            trainer._reset_kvstore()
        for arr in self._data:
            arr[:] = data

    def var(self):
        """The symbol variable of this parameter (cached).

        Under numpy shape semantics (``mx.np_shape(True)``) a dim not known
        yet is written as -1 in the variable's shape, as MXNet's
        ``Parameter.shape`` reports it there (0 would mean a zero-size dim).
        """
        from ..util import is_np_shape

        if is_np_shape() and self._shape is not None and 0 in self._shape:
            np_shape = tuple(-1 if d == 0 else d for d in self._shape)
            cached = self.__dict__.get("_np_var")
            if cached is None or cached[0] != np_shape:
                cached = (np_shape, self._new_var(np_shape))
                self.__dict__["_np_var"] = cached
            return cached[1]
        if self._var is None:
            self._var = self._new_var(self.shape)
        return self._var

    def _new_var(self, shape):
        from .. import symbol

        return symbol.var(
            self.name,
            shape=shape,
            dtype=self.dtype,
            lr_mult=self.lr_mult,
            wd_mult=self.wd_mult,
            init=self.init,
            stype=self._stype,
        )

    def cast(self, dtype) -> None:
        """Cast data and gradients to ``dtype``."""
        self._dtype = dtype
        if self._data is None:
            return
        with autograd.pause():
            self._data = [_cast_copy(d, dtype) for d in self._data]
            if self._grad is None:
                return
            self._grad = [_cast_copy(g, dtype) for g in self._grad]
            autograd.mark_variables(self._data, self._grad, self.grad_req)


# ---------------------------------------------------------------- Constant
class Constant(Parameter):
    """A parameter that autograd and Trainer never change (``grad_req='null'``).

    Its value can still be replaced with ``set_data``.

    Parameters
    ----------
    name : str
    value : array-like or NDArray
        Initial value (array-likes become float32 NDArrays).

    Examples
    --------
    >>> import neogluon as mx
    >>> c = mx.gluon.Constant("const", [[1, 2], [3, 4]])
    >>> c.initialize()
    >>> c.data().asnumpy()
    array([[1., 2.],
           [3., 4.]], dtype=float32)
    """

    def __init__(self, name: str, value) -> None:
        if not isinstance(value, NDArray):
            value = nd.array(value)
        self.value = value

        class Init(initializer.Initializer):
            def _init_weight(self, _, arr):
                value.copyto(arr)

        init_name = f"Constant_{name}_{id(self)}"
        initializer.alias(init_name)(Init)
        super().__init__(
            name, grad_req="null", shape=value.shape, dtype=value.dtype, init=init_name
        )

    def __repr__(self) -> str:
        return (
            f"Constant {self.name} (shape={self.shape}, dtype={_dtype_str(self.dtype)})"
        )

    @property
    def grad_req(self) -> str:
        return "null"

    @grad_req.setter
    def grad_req(self, req: str) -> None:
        if req != "null":
            warnings.warn(
                f'Constant parameter "{self.name}" does not support grad_req other '
                f'than "null", and new value "{req}" is ignored.',
                stacklevel=2,
            )


# ParameterDict lives in its own module; this is its public (MXNet) path.
from ._parameter_dict import ParameterDict  # noqa: E402


def _is_np_array() -> bool:
    from ..util import is_np_array

    return is_np_array()


def _np_view(arr):
    """``arr`` as an ``mx.np.ndarray`` view (no copy) under numpy array
    semantics, else ``arr``."""
    from ..util import is_np_array

    if is_np_array() and isinstance(arr, NDArray):
        return arr.as_np_ndarray()
    return arr
