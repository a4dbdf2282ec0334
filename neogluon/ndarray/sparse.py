"""``mx.nd.sparse``: CSR and row_sparse NDArrays and the operators on them.

Storage
-------
:class:`CSRNDArray` holds a 2-D matrix as ``data`` (the stored values),
``indices`` (their column indices) and ``indptr`` (row ``i`` owns
``data[indptr[i]:indptr[i+1]]``). :class:`RowSparseNDArray` holds an
n-D array as ``data`` (the stored rows, shape ``(k,) + shape[1:]``) and
``indices`` (their sorted row indices); rows not listed are zero, and a listed
row may hold zeros (as in MXNet). Components are torch tensors; indices are
int64 (MXNet's aux type). Arrays built from components (``csr_matrix((data,
indices, indptr))``, ``row_sparse_array((data, indices))``, files) are
validated: unsorted, duplicate or out-of-range indices and an inconsistent
``indptr`` raise MXNetError.

Operators
---------
The operators MXNet implements on sparse storage return MXNet's storage type
(measured on MXNet 1.9.1): zero-preserving unary ops (``abs``, ``sign``,
``sqrt``, ``relu``, ...) keep the input's storage; ``elemwise_add``/``_sub``
of two arrays of one storage type keep it (union of the stored entries);
``elemwise_mul`` keeps it (and ``csr * dense`` is csr, ``row_sparse * dense``
is row_sparse); ``dot(csr, dense)`` is dense, ``dot(csr.T, dense)`` is
row_sparse, ``dot(dense, csr)`` is csr; ``retain``, ``square_sum``,
``slice`` and ``concat`` of CSR, ``cast_storage``, ``zeros_like`` and
``add_n`` of row_sparse arrays; ``maximum`` / ``minimum`` / ``hypot`` of two
arrays of one sparse storage type; ``contrib.quadratic`` with ``c == 0``; the
``_scatter_*`` ops; lazy ``sgd_update`` / ``sgd_mom_update`` / ``adam_update``
on a row_sparse gradient and ``ftrl_update`` on all-row_sparse arrays, as in
MXNet. Every other operator given a sparse input computes on the dense
equivalent and returns a dense array (MXNet's "storage fallback").

These implementations live in :data:`SPARSE_IMPLS` (op name -> function) and
``ndarray/_invoke.py:invoke`` runs them when an input is sparse: ``nd.X``,
``nd.op.X``, ``nd.sparse.X`` and the fluent method are the one registered
function, and dense calls pay one dict lookup.

Differs from MXNet 1.9.1: ``size`` is the number of elements of the dense
shape (MXNet raises NotImplementedError); constructing an array from invalid
components raises at once (MXNet builds it and fails in ``check_format``),
except unsorted column indices within a CSR row, which are sorted (the same
matrix).
"""

from __future__ import annotations

import builtins
import numbers
import warnings
import weakref

import numpy as np
import torch

from .. import _state
from .._dtypes import TORCH_TO_NPTYPE
from .._dtypes import to_torch_dtype
from ..base import MXNetError
from ..context import Context
from ..ops import registry as _reg
from ..ops import sparse_kernels as K
from ..ops.sparse_updates import adam_lazy
from ..ops.sparse_updates import ftrl_lazy
from ..ops.sparse_updates import sgd_lazy
from . import _frontend
from . import _invoke
from ._core import NDArray
from ._core import _as_context
from ._core import _new
from ._core import _resolve_ctx

#: MXNet 1.9.1's ``_sparse_*`` aliases: the same operator as the dense name.
DENSE_ALIASES = (
    "ElementWiseSum", "Embedding", "FullyConnected", "LinearRegressionOutput",
    "LogisticRegressionOutput", "MAERegressionOutput", "_contrib_round_ste",
    "_contrib_sign_ste", "abs", "adam_update", "add_n", "arccos", "arccosh",
    "arcsin", "arcsinh", "arctan", "arctanh", "broadcast_add", "broadcast_div",
    "broadcast_minus", "broadcast_mul", "broadcast_plus", "broadcast_sub", "cbrt",
    "ceil", "clip", "concat", "cos", "cosh", "degrees", "dot", "elemwise_add",
    "elemwise_div", "elemwise_mul", "elemwise_sub", "exp", "expm1", "fix", "floor",
    "ftrl_update", "gamma", "gammaln", "log", "log10", "log1p", "log2", "make_loss",
    "mean", "negative", "norm", "radians", "relu", "rint", "round", "rsqrt",
    "sgd_mom_update", "sgd_update", "sigmoid", "sign", "sin", "sinh", "slice",
    "sqrt", "square", "stop_gradient", "sum", "tan", "tanh", "trunc", "where",
    "zeros_like",
)  # fmt: skip

#: Unary operators with f(0) == 0: on sparse input they map the stored values
#: and keep the storage type (MXNet 1.9.1, measured).
ZERO_PRESERVING = (
    "abs", "sign", "round", "rint", "ceil", "floor", "trunc", "fix", "square",
    "sqrt", "cbrt", "sin", "tan", "arcsin", "arctan", "sinh", "tanh", "arcsinh",
    "arctanh", "expm1", "log1p", "relu", "negative", "degrees", "radians",
)  # fmt: skip
_COPY_OPS = ("_copy", "identity", "stop_gradient", "BlockGrad", "make_loss")

_STYPES = ("default", "row_sparse", "csr")
_AUX_TYPES = {"row_sparse": (np.int64,), "csr": (np.int64, np.int64)}
_I64 = torch.int64
_ALL_OPS = _reg.all_names()


def _is_sparse(x) -> bool:
    return isinstance(x, BaseSparseNDArray)


def _check_shape(s1, s2) -> None:
    if s1 and s2 and tuple(s1) != tuple(s2):
        raise ValueError(f"Shape mismatch detected. {tuple(s1)} v.s. {tuple(s2)}")


class NotSupportedForSparseNDArray(MXNetError):
    """An NDArray method that sparse arrays do not have."""

    def __init__(self, function, alias, *args):
        name = getattr(function, "__name__", str(function))
        shown = alias or name
        super().__init__(
            f'Function {name} (namely operator "{shown}") with arguments '
            f"({', '.join(type(a).__name__ for a in args)}) is not supported for "
            "SparseNDArray and only available in NDArray; convert with "
            "tostype('default') first."
        )


# ---------------------------------------------------------------- classes
class BaseSparseNDArray(NDArray):
    """An NDArray in a sparse storage format (base of CSR and row_sparse).

    ``_data`` (what every dense operator reads) is the dense equivalent,
    computed on access: operators without a sparse implementation run on it
    and return dense arrays, as MXNet's storage fallback does.
    """

    __slots__ = ("_values", "_aux", "_shape", "_leaf", "_graph")
    _STYPE = "undefined"

    def __init__(self, handle=None, writable: bool = True):
        self._ag = None
        self._ctx = None
        self._leaf = self._graph = None
        if handle is None:
            self._set_empty((0,) * (2 if self._STYPE == "csr" else 1), torch.float32,
                            torch.device("cpu"))  # fmt: skip
            return
        if isinstance(handle, torch.Tensor):
            self._assign_dense(handle)
            return
        raise TypeError(
            f"{type(self).__name__}(...) wraps a torch.Tensor; use "
            "mx.nd.sparse.csr_matrix / row_sparse_array to build one."
        )

    # -------------------------------------------------- storage plumbing
    def _set_empty(self, shape, dtype, device) -> None:
        raise NotImplementedError  # subclasses

    def _dense(self) -> torch.Tensor:
        raise NotImplementedError  # subclasses

    def _assign_dense(self, t: torch.Tensor) -> None:
        raise NotImplementedError  # subclasses

    @property
    def _data(self) -> torch.Tensor:
        if _flags.recording:
            t = self._graph_tensor()
            if t is not None:
                return t
        return self._dense()

    @_data.setter
    def _data(self, t: torch.Tensor) -> None:
        self._assign_dense(t)

    # -------------------------------------------------- autograd
    # A sparse array takes part in a recorded computation through a dense
    # tensor standing for its value in torch's graph:
    # - a variable (``attach_grad`` / ``mark_variables``) owns ``_leaf``, a
    #   zero tensor of its shape (one stored element, stride 0) that requires
    #   grad; its graph tensor is its dense value made differentiable w.r.t.
    #   that leaf (``_SparseLeaf``), so the gradient is the one of the dense
    #   equivalent, as in MXNet, and the leaf survives in-place updates of the
    #   stored values (an optimizer step);
    # - the result of an operator recorded on such inputs keeps the dense
    #   result of the recorded kernel in ``_graph``.
    # Operators read ``_data``, which is that tensor while recording, so every
    # dense fallback is recorded; the sparse implementations are recorded by
    # ``_recording`` (their storage type and values are kept).
    def _graph_tensor(self) -> torch.Tensor | None:
        """The tensor standing for this array in the autograd graph, or None
        when the array is not part of one."""
        if self._graph is not None:
            return self._graph
        if self._leaf is not None:
            return _SparseLeaf.apply(self._leaf, self._dense())
        return None

    def _in_graph(self) -> bool:
        return self._graph is not None or self._leaf is not None

    def _mark_leaf(self, differentiable: bool) -> None:
        """Make this array an autograd variable (``autograd.mark_variables``)."""
        self._graph = None
        if not (differentiable and self._values.is_floating_point()):
            self._leaf = None
            return
        z = torch.zeros((), dtype=self._values.dtype, device=self._values.device)
        self._leaf = z.expand(self._shape).detach().requires_grad_(True)

    def _set_grad_tensor(self, g: torch.Tensor, accumulate: bool) -> None:
        """Store a gradient computed by torch autograd (autograd.backward)."""
        self._graph = None
        if g.layout == torch.sparse_coo and isinstance(self, RowSparseNDArray):
            g = g.coalesce()
            idx = g.indices()[0].contiguous()
            vals = g.values().reshape((idx.shape[0], *self._shape[1:]))
            vals = vals.to(self._values.dtype)
            if accumulate and self._aux[0].numel():
                vals, idx = K.rsp_union(self._values, self._aux[0], vals, idx)
            self._values, self._aux = vals.contiguous(), (idx,)
            return
        if g.layout != torch.strided:
            g = g.to_dense()
        if accumulate:  # grad_req 'add'
            g = g + self._dense().to(g.dtype)
        self._assign_dense(g)

    # -------------------------------------------------- attributes
    @property
    def shape(self) -> tuple[int, ...]:
        return self._shape

    @property
    def dtype(self) -> type:
        return TORCH_TO_NPTYPE[self._values.dtype]

    @property
    def size(self) -> int:
        return int(np.prod(self._shape, dtype=np.int64))

    @property
    def ndim(self) -> int:
        return len(self._shape)

    @property
    def context(self) -> Context:
        if self._ctx is None:
            return _as_context(self._values.device)
        return self._ctx

    ctx = context

    @property
    def stype(self) -> str:
        return self._STYPE

    @property
    def handle(self):
        return self

    @property
    def _num_aux(self) -> int:
        return len(_AUX_TYPES[self._STYPE])

    @property
    def _aux_types(self) -> list:
        return [TORCH_TO_NPTYPE[a.dtype] for a in self._aux]

    def _aux_type(self, i: int):
        return TORCH_TO_NPTYPE[self._aux[i].dtype]

    def __repr__(self) -> str:
        shape = "x".join(str(d) for d in self._shape)
        return f"\n<{type(self).__name__} {shape} @{self.context}>"

    def __len__(self) -> int:
        return self._shape[0]

    def __bool__(self) -> bool:
        return bool(_new(self._dense()))

    # -------------------------------------------------- conversion
    def asnumpy(self) -> np.ndarray:
        """A dense numpy copy."""
        return _new(self._dense()).asnumpy()

    def to_torch(self) -> torch.Tensor:
        """The dense equivalent as a new torch.Tensor (not shared)."""
        return self._dense()

    def wait_to_read(self) -> None:
        if self._values.is_cuda:
            torch.cuda.current_stream(self._values.device).synchronize()

    def tostype(self, stype: str) -> NDArray:
        """Convert to ``'default'``, or to this array's own storage type (a
        copy); CSR <-> row_sparse raises ValueError, as in MXNet."""
        return cast_storage(self, stype=stype)

    def check_format(self, full_check: bool = True) -> None:
        """Raise MXNetError when the components are not a valid array."""
        self._check("check_format")

    def copy(self) -> BaseSparseNDArray:
        return self._like(self._values.clone(), tuple(a.clone() for a in self._aux))

    def copyto(self, other):
        """Copy into ``other`` (an NDArray of any storage type, cast as
        needed, same shape) or onto a Context."""
        if isinstance(other, NDArray):
            if other is self:
                warnings.warn(
                    "You are attempting to copy an array to itself", RuntimeWarning,
                    stacklevel=2,
                )  # fmt: skip
                return False
            if tuple(other.shape) != self._shape:
                raise MXNetError(
                    f"copyto: shape mismatch, source {self._shape} vs destination "
                    f"{tuple(other.shape)}."
                )
            _assign(other, self)
            return other
        if isinstance(other, (Context, str, torch.device)):
            ctx = _as_context(other)
            dev, tag = _resolve_ctx(ctx)
            res = self._like(
                self._values.detach().to(dev, copy=True),
                tuple(a.to(dev, copy=True) for a in self._aux),
            )
            res._ctx = tag
            return res
        raise TypeError(
            f"copyto does not support type {type(other).__name__}; pass an NDArray "
            "or a Context such as mx.cpu()."
        )

    def as_in_context(self, context) -> NDArray:
        if _as_context(context) == self.context:
            return self
        return self.copyto(context)

    as_in_ctx = as_in_context

    def astype(self, dtype, copy: bool = True) -> BaseSparseNDArray:
        """A copy with values cast to ``dtype``, same storage type."""
        td = to_torch_dtype(dtype)
        if not copy and td == self._values.dtype:
            return self
        return self._like(self._values.to(td), tuple(a.clone() for a in self._aux))

    def detach(self) -> BaseSparseNDArray:
        """The same storage, outside any recorded computation (not a variable)."""
        return self._like(self._values.detach(), self._aux)

    def reshape(self, *shape, **kwargs):
        raise NotSupportedForSparseNDArray(self.reshape, None, shape)

    def _at(self, idx):
        raise NotSupportedForSparseNDArray(self._at, "[idx]", idx)

    def _slice(self, start, stop):
        raise NotSupportedForSparseNDArray(self._slice, None, start, stop)

    def _sync_copyfrom(self, source_array):
        raise MXNetError(
            f"{type(self).__name__}: copying from a numpy array in place is not "
            "supported; use x[:] = mx.nd.array(...) instead."
        )

    def attach_grad(self, grad_req: str = "write", stype=None) -> None:
        """Allocate a zero gradient buffer of storage type ``stype`` (this
        array's own by default) and make this array an autograd variable.

        ``backward`` writes the gradient of the dense equivalent (every
        element, stored or not, as MXNet does) in the buffer's storage type.
        """
        from .. import autograd

        grad = zeros(stype or self._STYPE, self._shape, ctx=self.context,
                     dtype=self.dtype)  # fmt: skip
        autograd.mark_variables([self], [grad], grad_req)

    def _like(self, values, aux) -> BaseSparseNDArray:
        arr = object.__new__(type(self))
        arr._values, arr._aux, arr._shape = values, tuple(aux), self._shape
        arr._ag, arr._ctx = None, self._ctx
        arr._leaf = arr._graph = None
        return arr

    # -------------------------------------------------- pickling
    def __getstate__(self):
        from .serialization import dumps_array

        return {"handle": bytearray(dumps_array(self))}

    def __setstate__(self, state):
        from .serialization import loads_array

        self._ag, self._ctx = None, None
        self._leaf = self._graph = None
        handle = state.get("handle")
        if handle is None:
            self._set_empty((0,) * (2 if self._STYPE == "csr" else 1), torch.float32,
                            torch.device("cpu"))  # fmt: skip
            return
        loaded = loads_array(bytes(handle))
        if type(loaded) is not type(self):
            loaded = cast_storage(loaded, stype=self._STYPE)
        self._values, self._aux, self._shape = (
            loaded._values,
            loaded._aux,
            loaded._shape,
        )

    def __reduce__(self):
        return type(self), (None,), self.__getstate__()

    # -------------------------------------------------- arithmetic
    def __add__(self, other):
        return add(self, other)

    def __radd__(self, other):
        if isinstance(other, NDArray):
            return _reflected(torch.add, other, self)
        return add(self, other)

    def __sub__(self, other):
        return subtract(self, other)

    def __rsub__(self, other):
        if isinstance(other, NDArray):
            return _reflected(torch.sub, other, self)
        return subtract(other, self)

    def __mul__(self, other):
        return multiply(self, other)

    def __rmul__(self, other):
        if isinstance(other, NDArray):
            return _reflected(torch.mul, other, self)
        return multiply(self, other)

    def __truediv__(self, other):
        # MXNet's sparse arrays inherit NDArray's ``/``: broadcast_div.
        from .. import ndarray as nd

        if isinstance(other, NDArray):
            return nd.broadcast_div(self, other)
        return nd._internal._div_scalar(self, scalar=float(other))

    __div__ = __truediv__

    def __neg__(self):
        if _flags.recording and self._in_graph():
            from .. import ndarray as nd

            return nd.negative(self)
        return self._like(-self._values, self._aux)

    def __abs__(self):
        if _flags.recording and self._in_graph():
            from .. import ndarray as nd

            return nd.abs(self)
        return self._like(self._values.abs(), self._aux)

    def _compare(self, other, fn, name):
        """MXNet: against a scalar with ``fn(0, s)`` false the result keeps
        this storage type (1/0 at the stored entries); otherwise dense."""
        if isinstance(other, numbers.Number) and not isinstance(
            other, bool | np.ndarray
        ):
            s = float(other)
            if not fn(torch.zeros(()), torch.tensor(s)).item():
                vals = fn(self._values, s).to(self._values.dtype)
                return self._like(vals, self._aux)
            d = self._dense()
            return _new(fn(d, s).to(d.dtype), self._ctx)
        if isinstance(other, NDArray):
            a, b = self._dense(), other._data
            return _new(fn(a, b).to(a.dtype), self._ctx)
        return NotImplemented

    def __eq__(self, other):
        return self._compare(other, torch.eq, "==")

    def __ne__(self, other):
        return self._compare(other, torch.ne, "!=")

    def __gt__(self, other):
        return self._compare(other, torch.gt, ">")

    def __ge__(self, other):
        return self._compare(other, torch.ge, ">=")

    def __lt__(self, other):
        return self._compare(other, torch.lt, "<")

    def __le__(self, other):
        return self._compare(other, torch.le, "<=")

    __hash__ = NDArray.__hash__

    def _inplace(self, res):
        _assign(self, res)
        return self

    def __iadd__(self, other):
        return self._inplace(add(self, other))

    def __isub__(self, other):
        return self._inplace(subtract(self, other))

    def __imul__(self, other):
        return self._inplace(multiply(self, other))

    def __itruediv__(self, other):
        return self._inplace(divide(self, other))

    __idiv__ = __itruediv__


class CSRNDArray(BaseSparseNDArray):
    """A 2-D array in compressed sparse row format.

    Examples
    --------
    >>> import neogluon as mx
    >>> a = mx.nd.sparse.csr_matrix(([1.0, 2.0], [1, 0], [0, 1, 2]), shape=(2, 3))
    >>> a.asnumpy()
    array([[0., 1., 0.],
           [2., 0., 0.]], dtype=float32)
    >>> a.indptr.asnumpy()
    array([0, 1, 2])
    """

    __slots__ = ()
    _STYPE = "csr"

    def _set_empty(self, shape, dtype, device) -> None:
        self._graph = None
        self._shape = tuple(int(d) for d in shape)
        self._values = torch.empty((0,), dtype=dtype, device=device)
        self._aux = (
            torch.zeros((self._shape[0] + 1,), dtype=_I64, device=device),
            torch.empty((0,), dtype=_I64, device=device),
        )

    def _dense(self) -> torch.Tensor:
        indptr, indices = self._aux
        return K.csr_to_dense(self._values, indptr, indices, self._shape)

    def _assign_dense(self, t: torch.Tensor) -> None:
        t = t.detach()
        self._graph = None
        values, indptr, indices = K.dense_to_csr(t)
        self._values, self._aux, self._shape = values, (indptr, indices), tuple(t.shape)

    def _check(self, where: str) -> None:
        K.check_csr(self._values, self._aux[0], self._aux[1], self._shape, where)

    @property
    def data(self) -> NDArray:
        """The stored values (1-D, a copy)."""
        return _new(self._values.clone(), self._ctx)

    @property
    def indices(self) -> NDArray:
        """The column index of each stored value (int64, a copy)."""
        return _new(self._aux[1].clone(), self._ctx)

    @property
    def indptr(self) -> NDArray:
        """Row pointers: row ``i`` owns ``data[indptr[i]:indptr[i+1]]``."""
        return _new(self._aux[0].clone(), self._ctx)

    def __getitem__(self, key):
        """``x[i]`` (one row, as a 1 x n CSR) or ``x[a:b]`` (rows a..b)."""
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            begin = self._shape[0] - 1 if key == -1 else int(key)
            return slice(self, begin=begin, end=begin + 1)
        if isinstance(key, type(Ellipsis)):
            return self
        if isinstance(key, _py_slice):
            if key.step is not None:
                raise ValueError(
                    "CSRNDArray only supports continuous slicing on axis 0"
                )
            if key.start is None and key.stop is None:
                return self
            begin = key.start if key.start else 0
            end = key.stop if key.stop is not None else self._shape[0]
            return slice(self, begin=begin, end=end)
        if isinstance(key, tuple):
            raise ValueError("Multi-dimension indexing is not supported")
        raise ValueError(f"Undefined behaviour for {key}")

    def __setitem__(self, key, value) -> None:
        """Only ``x[:] = value`` (an NDArray or numpy array of the same shape)."""
        _full_assign(self, key, value, numeric_ok=False)

    def asscipy(self):
        """The matrix as a ``scipy.sparse.csr_matrix`` (copies the data)."""
        import scipy.sparse as spsp

        return spsp.csr_matrix(
            (
                _new(self._values).asnumpy(),
                self._aux[1].cpu().numpy(),
                self._aux[0].cpu().numpy(),
            ),
            shape=self._shape,
        )


class RowSparseNDArray(BaseSparseNDArray):
    """An n-D array storing only some rows (slices along axis 0).

    Examples
    --------
    >>> import neogluon as mx
    >>> a = mx.nd.sparse.row_sparse_array(([[1.0, 2.0]], [1]), shape=(3, 2))
    >>> a.asnumpy()
    array([[0., 0.],
           [1., 2.],
           [0., 0.]], dtype=float32)
    """

    __slots__ = ()
    _STYPE = "row_sparse"

    def _set_empty(self, shape, dtype, device) -> None:
        self._graph = None
        self._shape = tuple(int(d) for d in shape)
        self._values = torch.empty((0, *self._shape[1:]), dtype=dtype, device=device)
        self._aux = (torch.empty((0,), dtype=_I64, device=device),)

    def _dense(self) -> torch.Tensor:
        return K.rsp_to_dense(self._values, self._aux[0], self._shape)

    def _assign_dense(self, t: torch.Tensor) -> None:
        t = t.detach()
        self._graph = None
        if t.layout == torch.sparse_coo:
            self._shape = tuple(t.shape)
            self._values = torch.empty((0, *self._shape[1:]), dtype=t.dtype)
            self._set_grad_tensor(t, False)
            return
        values, indices = K.dense_to_rsp(t)
        self._values, self._aux, self._shape = values, (indices,), tuple(t.shape)

    def _check(self, where: str) -> None:
        K.check_rsp(self._values, self._aux[0], self._shape, where)

    @property
    def data(self) -> NDArray:
        """The stored rows, shape ``(k,) + shape[1:]`` (a copy)."""
        return _new(self._values.clone(), self._ctx)

    @property
    def indices(self) -> NDArray:
        """The sorted row indices of the stored rows (int64, a copy)."""
        return _new(self._aux[0].clone(), self._ctx)

    def __getitem__(self, key):
        """Only ``x[:]`` (the array itself), as in MXNet."""
        if isinstance(key, (int, np.integer)):
            raise MXNetError(
                "__getitem__ with int key is not implemented for RowSparseNDArray; "
                "use retain() or tostype('default')[i]"
            )
        if isinstance(key, _py_slice):
            if key.step is not None or key.start is not None or key.stop is not None:
                raise MXNetError("RowSparseNDArray only supports [:] for __getitem__")
            return self
        if isinstance(key, tuple):
            raise ValueError("Multi-dimension indexing is not supported")
        raise ValueError(f"Undefined behaviour for {key}")

    def __setitem__(self, key, value) -> None:
        """``x[:] = value``: an NDArray, numpy array or a number."""
        _full_assign(self, key, value, numeric_ok=True)

    def retain(self, *args, **kwargs) -> RowSparseNDArray:
        """Keep the rows listed in ``indices`` (see :func:`retain`)."""
        return retain(self, *args, **kwargs)


_py_slice = builtins.slice
_flags = _state.flags


class _SparseLeaf(torch.autograd.Function):
    """The dense value of a sparse autograd variable, differentiable w.r.t.
    the variable's leaf: the gradient passes through unchanged (dense, or
    torch sparse COO from ``Embedding(sparse_grad=True)``)."""

    @staticmethod
    def forward(ctx, leaf, dense):
        return dense

    @staticmethod
    def backward(ctx, grad):
        return grad, None


def _reflected(fn, dense: NDArray, sp: BaseSparseNDArray) -> NDArray:
    """``fn(dense, sp)`` as a dense array (``dense + sparse`` and the like),
    recorded while recording."""
    with torch.set_grad_enabled(_flags.recording):
        return _new(fn(dense._data, sp._data), dense._ctx)


#: Weak references to the sparse arrays holding a recorded ``_graph``: a
#: backward that frees the graph drops theirs (``recorded_sparse``).
_recorded: list = []


def _set_graph(arr: BaseSparseNDArray, t: torch.Tensor) -> None:
    arr._graph = t
    _recorded.append(weakref.ref(arr))
    if len(_recorded) > 4096:
        recorded_sparse()


def recorded_sparse() -> list[BaseSparseNDArray]:
    """The live sparse arrays holding a recorded graph tensor (for
    ``autograd.backward``, which detaches what a freed graph computed)."""
    live = [
        a for a in (r() for r in _recorded) if a is not None and a._graph is not None
    ]
    _recorded[:] = [weakref.ref(a) for a in live]
    return live


def _plain(x: NDArray) -> torch.Tensor:
    """The dense value of ``x`` outside any graph."""
    return (x._dense() if isinstance(x, BaseSparseNDArray) else x._data).detach()


def _in_graph(x) -> bool:
    if isinstance(x, BaseSparseNDArray):
        return x._in_graph()
    return isinstance(x, NDArray) and x._data.requires_grad


def _recording(op: _reg.OpDef, impl):
    """``impl`` (a sparse implementation of ``op``) made recordable: while
    recording, with an input in the graph, the result keeps the storage type
    and values ``impl`` gives and is attached to the graph through ``op``'s
    dense kernel run on the inputs' graph tensors."""

    def run(*inputs, out=None, **attrs):
        if not _flags.recording or out is not None:
            return impl(*inputs, out=out, **attrs)
        if not any(_in_graph(x) for x in inputs):
            return impl(*inputs, out=out, **attrs)
        with torch.no_grad():
            res = impl(*inputs, **attrs)
        if res is NotImplemented or not isinstance(res, NDArray):
            return res
        tensors = [x._data for x in inputs]
        try:
            dense = op.kernel(*tensors, **attrs)
        except (RuntimeError, ValueError, IndexError, TypeError) as err:
            raise _invoke.op_error(op, tensors, attrs, err) from None
        if not _is_sparse(res):
            return _new(dense, res._ctx)
        _set_graph(res, dense)
        return res

    run.__name__ = getattr(impl, "__name__", op.name)
    run.__doc__ = impl.__doc__
    return run


def _full_assign(arr: BaseSparseNDArray, key, value, numeric_ok: bool) -> None:
    name = type(arr).__name__
    if not isinstance(key, _py_slice):
        raise MXNetError(f"{name} only supports [:] for assignment, got key {key!r}")
    if key.step is not None or key.start is not None or key.stop is not None:
        raise ValueError(f"Assignment with slice for {name} is not implemented yet.")
    if isinstance(value, NDArray):
        if value is not arr:
            if tuple(value.shape) != arr._shape:
                raise MXNetError(
                    f"{name}[:] = value: shape mismatch, {arr._shape} vs "
                    f"{tuple(value.shape)}"
                )
            _assign(arr, value)
    elif isinstance(value, numbers.Number) and not isinstance(value, np.ndarray):
        if not numeric_ok:
            raise ValueError(
                f"Assigning numeric types to {name} is not implemented yet."
            )
        full = torch.full(arr._shape, float(value), dtype=arr._values.dtype,
                          device=arr._values.device)  # fmt: skip
        if value == 0:
            arr._set_empty(arr._shape, arr._values.dtype, arr._values.device)
        else:
            # MXNet's ``x[:] = v`` on row_sparse stores every row.
            arr._values = full
            arr._aux = (torch.arange(arr._shape[0], device=full.device),)
    elif isinstance(value, (np.ndarray, np.generic)):
        from .ndarray import array as _array

        _full_assign(arr, key, _array(value, dtype=arr.dtype), numeric_ok)
    else:
        raise TypeError(f"type {type(value)} not supported")


def _assign(dst: NDArray, src: NDArray) -> None:
    """Write ``src`` into ``dst`` (same shape), casting storage and dtype."""
    if _is_sparse(dst):
        if src.stype == dst.stype:
            res = src
        else:
            res = cast_storage(src, stype=dst.stype)
        dst._graph = None
        dst._values = res._values.to(dst._values.dtype, copy=True)
        dst._values = dst._values.to(dst._values.device)
        dst._aux = tuple(a.clone() for a in res._aux)
        dst._shape = res._shape
        return
    with torch.no_grad():
        dst._data.copy_(src._data)


# ---------------------------------------------------------------- construction
def _csr(values, indptr, indices, shape, ctx=None, check=False, where="csr_matrix"):
    if check:
        K.check_csr(values, indptr, indices, shape, where)
    arr = object.__new__(CSRNDArray)
    arr._values = values.contiguous()
    arr._aux = (indptr.to(_I64).contiguous(), indices.to(_I64).contiguous())
    arr._shape = tuple(int(d) for d in shape)
    arr._ag, arr._ctx = None, ctx
    arr._leaf = arr._graph = None
    return arr


def _rsp(values, indices, shape, ctx=None, check=False, where="row_sparse_array"):
    if check:
        K.check_rsp(values, indices, shape, where)
    arr = object.__new__(RowSparseNDArray)
    arr._values = values.contiguous()
    arr._aux = (indices.to(_I64).contiguous(),)
    arr._shape = tuple(int(d) for d in shape)
    arr._ag, arr._ctx = None, ctx
    arr._leaf = arr._graph = None
    return arr


def _like_dense(x: NDArray, t: torch.Tensor) -> NDArray:
    return _new(t, x._ctx)


def _dtype_of(src, dtype):
    if dtype is not None:
        return to_torch_dtype(dtype)
    if isinstance(src, (NDArray, np.ndarray)) or hasattr(src, "tocsr"):
        return to_torch_dtype(src.dtype)
    return torch.float32


def _tensor(src, td, dev) -> torch.Tensor:
    if isinstance(src, NDArray):
        return src._data.detach().to(device=dev, dtype=td, copy=True)
    try:
        a = np.asarray(src)
    except (TypeError, ValueError):
        raise TypeError("values must be array like object") from None
    if a.dtype == object:
        raise TypeError("values must be array like object")
    return torch.as_tensor(np.ascontiguousarray(a)).to(device=dev, dtype=td)


def _index_tensor(src, dev, what: str, where: str) -> torch.Tensor:
    t = _tensor(src, None if not isinstance(src, NDArray) else src._data.dtype, dev)
    if t.is_floating_point():
        if bool((t != t.round()).any()):
            raise MXNetError(f"{where}: {what} must be integers, got {K._fmt(t)}")
    elif t.dtype == torch.bool:
        raise MXNetError(f"{where}: {what} must be integers, got booleans")
    return t.to(_I64)


def csr_matrix(arg1, shape=None, ctx=None, dtype=None) -> CSRNDArray:
    """A :class:`CSRNDArray` from a dense array, a sparse matrix, a shape
    ``(M, N)``, ``(data, indices, indptr)`` or ``(data, (row, col))``.

    ``dtype`` defaults to the source's dtype for NDArray / numpy / scipy
    sources, float32 otherwise.
    """
    if isinstance(arg1, tuple):
        if len(arg1) == 2:
            if isinstance(arg1[1], tuple) and len(arg1[1]) == 2:
                import scipy.sparse as spsp

                data, (row, col) = arg1
                data, row, col = (
                    v.asnumpy() if isinstance(v, NDArray) else v
                    for v in (data, row, col)
                )
                coo = spsp.coo_matrix((data, (row, col)), shape=shape)
                _check_shape(coo.shape, shape)
                return array(coo.tocsr(), ctx=ctx, dtype=dtype)
            _check_shape(arg1, shape)
            return zeros("csr", arg1, ctx=ctx, dtype=dtype)
        if len(arg1) == 3:
            return _csr_from_definition(*arg1, shape=shape, ctx=ctx, dtype=dtype)
        raise ValueError(f"Unexpected length of input tuple: {len(arg1)}")
    if isinstance(arg1, CSRNDArray) or _is_scipy_csr(arg1):
        _check_shape(arg1.shape, shape)
        return array(arg1, ctx=ctx, dtype=dtype)
    if isinstance(arg1, RowSparseNDArray):
        raise ValueError("Unexpected input type: RowSparseNDArray")
    if hasattr(arg1, "tocsr"):  # other scipy sparse formats
        return array(arg1.tocsr(), ctx=ctx, dtype=dtype)
    from .ndarray import array as _array

    dns = _array(arg1, ctx=ctx, dtype=_np_dtype(_dtype_of(arg1, dtype)))
    _check_shape(dns.shape, shape)
    return cast_storage(dns, stype="csr")


def _np_dtype(td: torch.dtype):
    return TORCH_TO_NPTYPE[td]


def _is_scipy_csr(x) -> bool:
    return type(x).__name__ in ("csr_matrix", "csr_array") and hasattr(x, "indptr")


def _csr_from_definition(data, indices, indptr, shape=None, ctx=None, dtype=None):
    where = "csr_matrix((data, indices, indptr))"
    dev, tag = _resolve_ctx(ctx)
    values = _tensor(data, _dtype_of(data, dtype), dev)
    ind = _index_tensor(indices, dev, "indices", where)
    ptr = _index_tensor(indptr, dev, "indptr", where)
    if values.dim() != 1 or ind.dim() != 1 or ptr.dim() != 1 or ptr.shape[0] == 0:
        raise MXNetError(
            f"{where}: data, indices and indptr must be non-empty 1-D arrays (indptr "
            f"has rows + 1 entries), got shapes {tuple(values.shape)}, "
            f"{tuple(ind.shape)}, {tuple(ptr.shape)}"
        )
    if shape is None:
        if ind.shape[0] == 0:
            raise ValueError(
                "invalid shape: pass shape= for a CSR matrix with no values"
            )
        shape = (ptr.shape[0] - 1, int(ind.max()) + 1)
    shape = tuple(int(d) for d in shape)
    if len(shape) != 2:
        raise MXNetError(f"{where}: shape must be 2-D, got {shape}")
    values, ind = K.csr_sort_columns(values, ptr, ind, shape)
    return _csr(values, ptr, ind, shape, tag, check=True, where=where)


def row_sparse_array(arg1, shape=None, ctx=None, dtype=None) -> RowSparseNDArray:
    """A :class:`RowSparseNDArray` from a dense array, another row_sparse
    array, a shape, or ``(data, indices)`` (``dense[indices[i]] = data[i]``)."""
    if isinstance(arg1, tuple):
        if len(arg1) < 2:
            raise ValueError(f"Unexpected length of input tuple: {len(arg1)}")
        if len(arg1) > 2 or all(
            isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in arg1
        ):
            _check_shape(arg1, shape)
            return zeros("row_sparse", arg1, ctx=ctx, dtype=dtype)
        return _rsp_from_definition(arg1[0], arg1[1], shape=shape, ctx=ctx, dtype=dtype)
    if isinstance(arg1, RowSparseNDArray):
        _check_shape(arg1.shape, shape)
        return array(arg1, ctx=ctx, dtype=dtype)
    if isinstance(arg1, CSRNDArray):
        raise ValueError("Unexpected input type: CSRNDArray")
    from .ndarray import array as _array

    dns = _array(arg1, ctx=ctx, dtype=_np_dtype(_dtype_of(arg1, dtype)))
    _check_shape(dns.shape, shape)
    return cast_storage(dns, stype="row_sparse")


def _rsp_from_definition(data, indices, shape=None, ctx=None, dtype=None):
    where = "row_sparse_array((data, indices))"
    dev, tag = _resolve_ctx(ctx)
    values = _tensor(data, _dtype_of(data, dtype), dev)
    ind = _index_tensor(indices, dev, "indices", where)
    if ind.dim() != 1:
        raise MXNetError(f"{where}: indices must be 1-D, got shape {tuple(ind.shape)}")
    if shape is None:
        if ind.shape[0] == 0:
            raise ValueError(
                "invalid shape: pass shape= for a row_sparse array with no rows"
            )
        shape = (int(ind[-1]) + 1, *values.shape[1:])
    shape = tuple(int(d) for d in shape)
    if values.dim() != len(shape) or int(np.prod(shape[1:], dtype=np.int64)) == 0:
        raise MXNetError(
            f"{where}: data has shape {tuple(values.shape)}, expected (k,) + "
            f"{shape[1:]} for shape {shape} (no zero-size trailing dims)"
        )
    return _rsp(values, ind, shape, tag, check=True, where=where)


def zeros(stype, shape, ctx=None, dtype=None, **kwargs) -> NDArray:
    """An all-zero array of storage type ``stype`` (nothing stored)."""
    out = kwargs.pop("out", None)
    kwargs.pop("name", None)
    if stype == "default":
        from .ndarray import zeros as _zeros

        return _zeros(shape, ctx=ctx, dtype=dtype, out=out, **kwargs)
    if stype not in ("row_sparse", "csr"):
        raise ValueError(f"unknown storage type {stype!r}; expected one of {_STYPES}")
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    shape = tuple(int(d) for d in shape)
    if stype == "csr" and len(shape) != 2:
        raise MXNetError(f"zeros(stype='csr'): shape must be 2-D, got {shape}")
    dev, tag = _resolve_ctx(ctx)
    td = torch.float32 if dtype is None else to_torch_dtype(dtype)
    cls = CSRNDArray if stype == "csr" else RowSparseNDArray
    arr = object.__new__(cls)
    arr._ag, arr._ctx = None, tag
    arr._leaf = arr._graph = None
    arr._set_empty(shape, td, dev)
    if out is not None:
        _assign(out, arr)
        return out
    return arr


def empty(stype, shape, ctx=None, dtype=None) -> NDArray:
    """An array of storage type ``stype``; sparse ones start with nothing stored."""
    if stype is None:
        raise ValueError("empty: stype is required")
    if stype in ("csr", "row_sparse"):
        return zeros(stype, shape, ctx=ctx, dtype=dtype)
    raise ValueError(f"unknown stype : {stype}")


def array(source_array, ctx=None, dtype=None) -> BaseSparseNDArray:
    """A sparse array from a CSRNDArray / RowSparseNDArray (copied) or a
    ``scipy.sparse.csr_matrix``; dtype defaults to the source's."""
    if isinstance(source_array, NDArray):
        if not _is_sparse(source_array):
            raise ValueError(
                "Please use `tostype` to create RowSparseNDArray or CSRNDArray from "
                "an NDArray"
            )
        td = _dtype_of(source_array, dtype)
        dev, tag = _resolve_ctx(ctx)
        res = source_array._like(
            source_array._values.detach().to(device=dev, dtype=td, copy=True),
            tuple(a.to(dev, copy=True) for a in source_array._aux),
        )
        res._ctx = tag
        return res
    if _is_scipy_csr(source_array):
        csr = source_array.sorted_indices()
        csr.sum_duplicates()
        return _csr_from_definition(
            csr.data, csr.indices, csr.indptr, shape=csr.shape, ctx=ctx,
            dtype=_np_dtype(_dtype_of(source_array, dtype)),
        )  # fmt: skip
    if isinstance(source_array, (np.ndarray, np.generic)):
        raise ValueError(
            "Please use mx.nd.array to create an NDArray with source_array of type "
            f"{type(source_array)}"
        )
    raise ValueError(f"Unexpected source_array type: {type(source_array)}")


def _ndarray_cls(handle, writable=True, stype="default"):
    """The array class for storage type ``stype`` around a dense tensor."""
    stype = {0: "default", 1: "row_sparse", 2: "csr", -1: "default"}.get(stype, stype)
    if stype == "default":
        return NDArray(handle, writable=writable)
    if stype == "csr":
        return CSRNDArray(handle, writable=writable)
    if stype == "row_sparse":
        return RowSparseNDArray(handle, writable=writable)
    raise MXNetError(f"unknown storage type: {stype}")


# ---------------------------------------------------------------- operators
def cast_storage(data=None, stype=None, out=None, name=None, **kwargs) -> NDArray:
    """Convert ``data`` to storage type ``stype`` (``'default'``, ``'csr'``
    (2-D only) or ``'row_sparse'``); CSR <-> row_sparse raises ValueError."""
    if stype is None:
        raise MXNetError("cast_storage: the required argument 'stype' is missing")
    if stype not in _STYPES:
        raise MXNetError(f"cast_storage: stype must be one of {_STYPES}, got {stype!r}")
    if not isinstance(data, NDArray):
        raise TypeError(f"cast_storage expects an NDArray, got {type(data).__name__}")
    src = data.stype
    if {src, stype} == {"csr", "row_sparse"}:
        raise ValueError(f"cast_storage from {src} to {stype} is not supported")
    if stype == "default":
        res = _like_dense(data, _plain(data).clone())
    elif src == stype:
        res = data.copy()
    elif stype == "csr":
        res = _csr(*K.dense_to_csr(_plain(data)), data.shape, data._ctx)
    else:
        res = _rsp(*K.dense_to_rsp(_plain(data)), data.shape, data._ctx)
    if out is None and _flags.recording and _in_graph(data):
        # recorded: the gradient passes back unchanged (MXNet's cast_storage)
        g = data._data
        if _is_sparse(res):
            _set_graph(res, g)
        else:
            res = _new(g.clone(), res._ctx)
    if out is not None:
        _assign(out, res)
        return out
    return res


_VALUE_FNS: dict = {}


def _values_op(name: str, x: BaseSparseNDArray, **kwargs) -> torch.Tensor:
    fn = _VALUE_FNS.get(name)
    if fn is None:
        fn = _VALUE_FNS[name] = _frontend.make_function(_ALL_OPS[name], name)
    return fn(_new(x._values), **kwargs)._data


def _unary_impl(name: str):
    def impl(data=None, out=None, name_=None, **kwargs):
        if not _is_sparse(data):
            return NotImplemented
        res = data._like(_values_op(name, data, **kwargs), data._aux)
        return _finish(res, out)

    return impl


def _copy_impl(data=None, out=None, **kwargs):
    if not _is_sparse(data):
        return NotImplemented
    return _finish(data.copy(), out)


def _finish(res: NDArray, out) -> NDArray:
    if out is not None:
        _assign(out, res)
        return out
    return res


def _dense_of(x) -> torch.Tensor:
    return x._data


def _same_shape(op, a, b) -> None:
    if tuple(a.shape) != tuple(b.shape):
        raise MXNetError(
            f"{op}: operands must have the same shape, got {tuple(a.shape)} and "
            f"{tuple(b.shape)}"
        )


def _dtype_check(op, a, b) -> None:
    if a.dtype != b.dtype:
        raise MXNetError(
            f"{op}: operands must have the same dtype, got {np.dtype(a.dtype).name} "
            f"and {np.dtype(b.dtype).name}"
        )


def _add_sub(op: str, sign: float):
    def impl(lhs=None, rhs=None, out=None, **kwargs):
        if not (_is_sparse(lhs) and _is_sparse(rhs) and lhs.stype == rhs.stype):
            return NotImplemented
        _same_shape(op, lhs, rhs)
        _dtype_check(op, lhs, rhs)
        if lhs.stype == "row_sparse":
            v, i = K.rsp_union(lhs._values, lhs._aux[0], rhs._values, rhs._aux[0], sign)
            res = _rsp(v, i, lhs.shape, lhs._ctx)
        else:
            parts = [(x._values, *x._aux) for x in (lhs, rhs)]
            res = _csr(*K.csr_union(parts[0], parts[1], lhs.shape, sign), lhs.shape,
                       lhs._ctx)  # fmt: skip
        return _finish(res, out)

    return impl


def _gather_dense(sp: BaseSparseNDArray, dense: torch.Tensor) -> torch.Tensor:
    """The entries of ``dense`` at the stored positions of ``sp``."""
    if sp.stype == "row_sparse":
        return dense[sp._aux[0]]
    indptr, indices = sp._aux
    return dense[K.csr_rows(indptr, indices.shape[0]), indices]


def _mul_impl(lhs=None, rhs=None, out=None, **kwargs):
    sl, sr = _is_sparse(lhs), _is_sparse(rhs)
    if not (sl or sr):
        return NotImplemented
    _same_shape("elemwise_mul", lhs, rhs)
    if sl and sr:
        if lhs.stype != rhs.stype:
            return NotImplemented
        _dtype_check("elemwise_mul", lhs, rhs)
        if lhs.stype == "row_sparse":
            v, i = K.rsp_mul_union(lhs._values, lhs._aux[0], rhs._values, rhs._aux[0])
            res = _rsp(v, i, lhs.shape, lhs._ctx)
        else:
            parts = [(x._values, *x._aux) for x in (lhs, rhs)]
            res = _csr(*K.csr_intersect(parts[0], parts[1], lhs.shape, torch.mul),
                       lhs.shape, lhs._ctx)  # fmt: skip
        return _finish(res, out)
    sp, dn = (lhs, rhs) if sl else (rhs, lhs)
    _dtype_check("elemwise_mul", lhs, rhs)
    vals = sp._values * _gather_dense(sp, dn._data)
    return _finish(sp._like(vals, sp._aux), out)


def _broadcast_csr(fn):
    def impl(lhs=None, rhs=None, out=None, **kwargs):
        if not (isinstance(lhs, CSRNDArray) and not _is_sparse(rhs)):
            return NotImplemented
        if not isinstance(rhs, NDArray) or rhs.ndim != 2:
            return NotImplemented
        r = rhs._data
        if r.shape[0] not in (1, lhs.shape[0]) or r.shape[1] not in (1, lhs.shape[1]):
            return NotImplemented
        _dtype_check("broadcast op", lhs, rhs)
        full = r.expand(lhs.shape)
        vals = fn(lhs._values, _gather_dense(lhs, full))
        return _finish(lhs._like(vals, lhs._aux), out)

    return impl


def _check_dot_shapes(a_shape, b_shape, ta, tb):
    ka = a_shape[0] if ta else a_shape[-1]
    kb = b_shape[-1] if tb and len(b_shape) > 1 else b_shape[0]
    if ka != kb:
        raise MXNetError(
            f"dot: shape mismatch, lhs {tuple(a_shape)} (transpose_a={ta}) and rhs "
            f"{tuple(b_shape)} (transpose_b={tb}) do not share the inner dimension "
            f"({ka} vs {kb})"
        )


def _dot_impl(lhs=None, rhs=None, transpose_a=False, transpose_b=False,
              forward_stype=None, out=None, **kwargs):  # fmt: skip
    sl, sr = _is_sparse(lhs), _is_sparse(rhs)
    if not (sl or sr):
        return NotImplemented
    ta, tb = bool(transpose_a), bool(transpose_b)
    _check_dot_shapes(lhs.shape, rhs.shape, ta, tb)
    _dtype_check("dot", lhs, rhs)
    res = None
    if isinstance(lhs, CSRNDArray) and not isinstance(rhs, CSRNDArray):
        r = rhs._data
        if tb:
            r = r.t() if r.dim() == 2 else r
        indptr, indices = lhs._aux
        if ta:
            vals, rows = K.csr_t_dot_dense(lhs._values, indptr, indices, lhs.shape, r)
            shape = (lhs.shape[1], *vals.shape[1:])
            res = _rsp(vals, rows, shape, lhs._ctx)
        else:
            res = _new(K.csr_dot_dense(lhs._values, indptr, indices, lhs.shape, r),
                       lhs._ctx)  # fmt: skip
    elif isinstance(lhs, RowSparseNDArray) and not sr and not ta and rhs.ndim == 2:
        r = rhs._data.t() if tb else rhs._data
        res = _new(K.rsp_dot_dense(lhs._values, lhs._aux[0], lhs.shape, r), lhs._ctx)
    elif not sl and isinstance(rhs, CSRNDArray) and not ta and lhs.ndim == 2:
        rt = rhs._data.t() if tb else rhs._data
        dense = lhs._data @ rt
        res = _new(dense, lhs._ctx)
        if forward_stype in (None, "csr"):
            res = cast_storage(res, stype="csr")
    if res is None:
        return NotImplemented
    if forward_stype not in (None, res.stype):
        if res.stype != "default":  # (no direct csr <-> row_sparse cast)
            res = _like_dense(res, res._data)
        res = cast_storage(res, stype=forward_stype)
    return _finish(res, out)


def _add_n_impl(*args, out=None, num_args=None, **kwargs):
    if not args or not all(isinstance(a, RowSparseNDArray) for a in args):
        return NotImplemented
    v, i = args[0]._values, args[0]._aux[0]
    for a in args[1:]:
        _same_shape("add_n", args[0], a)
        v, i = K.rsp_union(v, i, a._values, a._aux[0])
    return _finish(_rsp(v, i, args[0].shape, args[0]._ctx), out)


def _zeros_like_impl(data=None, out=None, **kwargs):
    if not _is_sparse(data):
        return NotImplemented
    return _finish(zeros(data.stype, data.shape, ctx=data.context,
                         dtype=data.dtype), out)  # fmt: skip


def _clip_impl(data=None, a_min=None, a_max=None, out=None, **kwargs):
    if not _is_sparse(data) or a_min is None or a_max is None:
        return NotImplemented
    if not (float(a_min) <= 0 <= float(a_max)):
        return NotImplemented
    vals = data._values.clamp(float(a_min), float(a_max))
    return _finish(data._like(vals, data._aux), out)


def _parse_box(v, n):
    if v is None:
        return [None] * n
    if isinstance(v, (int, np.integer)):
        return [int(v)]
    return [None if x is None else int(x) for x in v]


def _slice_impl(data=None, begin=None, end=None, step=None, out=None, **kwargs):
    if not isinstance(data, CSRNDArray):
        return NotImplemented
    begin, end = _parse_box(begin, 2), _parse_box(end, 2)
    steps = _parse_box(step, len(begin)) if step is not None else [None] * len(begin)
    if any(s not in (None, 1) for s in steps) or len(begin) > 2:
        return NotImplemented
    rows, cols = data.shape

    def fix(b, e, n, axis):
        b = 0 if b is None else (b + n if b < 0 else b)
        e = n if e is None else (e + n if e < 0 else e)
        if not (0 <= b < e <= n) and not (b == e == 0 == n):
            raise MXNetError(
                f"slice: invalid range [{b}, {e}) on axis {axis} of a CSR array of "
                f"shape {data.shape}"
            )
        return b, e

    r0, r1 = fix(begin[0], end[0] if len(end) > 0 else None, rows, 0)
    if len(begin) > 1:
        c0, c1 = fix(begin[1], end[1] if len(end) > 1 else None, cols, 1)
        if (c0, c1) == (0, cols):
            c0 = c1 = None
    else:
        c0 = c1 = None
    v, p, i = K.csr_slice(data._values, *data._aux, r0, r1, c0, c1)
    shape = (r1 - r0, cols if c0 is None else c1 - c0)
    return _finish(_csr(v, p, i, shape, data._ctx), out)


def _concat_impl(*args, dim=1, num_args=None, out=None, **kwargs):
    if not args or not all(isinstance(a, CSRNDArray) for a in args) or int(dim) != 0:
        return NotImplemented
    cols = args[0].shape[1]
    for a in args[1:]:
        if a.shape[1] != cols:
            raise MXNetError(
                f"concat: CSR arrays must have the same number of columns to join on "
                f"axis 0, got shapes {[x.shape for x in args]}"
            )
        _dtype_check("concat", args[0], a)
    v, p, i = K.csr_concat0([(a._values, *a._aux) for a in args])
    shape = (builtins.sum(a.shape[0] for a in args), cols)
    return _finish(_csr(v, p, i, shape, args[0]._ctx), out)


def _take_impl(a=None, indices=None, axis=0, mode="clip", out=None, **kwargs):
    if not isinstance(a, CSRNDArray) or int(axis) != 0 or _is_sparse(indices):
        return NotImplemented
    if mode not in ("clip", "wrap"):
        raise MXNetError(
            f"take: mode must be 'clip' or 'wrap' for CSR input, got {mode!r}"
        )
    n = a.shape[0]
    idx = indices._data.reshape(-1) if isinstance(indices, NDArray) else (
        torch.as_tensor(np.asarray(indices)).reshape(-1))  # fmt: skip
    idx = (
        idx.to(torch.float64).floor().to(_I64)
        if idx.is_floating_point()
        else idx.to(_I64)
    )
    rows = idx.clamp(0, n - 1) if mode == "clip" else torch.remainder(idx, n)
    v, p, i = K.csr_take_rows(a._values, *a._aux, rows.to(a._values.device))
    return _finish(_csr(v, p, i, (rows.shape[0], a.shape[1]), a._ctx), out)


def getnnz(data=None, axis=None, out=None, name=None, **kwargs) -> NDArray:
    """Number of stored values of a CSR array: in total (``axis=None``) or per
    row (``axis=1``), as int64 (MXNet's ``contrib.getnnz``)."""
    if not isinstance(data, CSRNDArray):
        raise MXNetError(
            "getnnz: data must be a CSRNDArray, got stype "
            f"{getattr(data, 'stype', type(data))!r}"
        )
    indptr = data._aux[0]
    if axis is None:
        res = torch.tensor([int(indptr[-1])], dtype=_I64)
    elif int(axis) in (1, -1):
        res = indptr[1:] - indptr[:-1]
    else:
        raise MXNetError(f"getnnz: axis must be None or 1, got {axis!r}")
    return _finish(_new(res, data._ctx), out)


def _scalar_impl(kind: str):
    def impl(data=None, scalar=0.0, out=None, **kwargs):
        if not _is_sparse(data):
            return NotImplemented
        s = float(scalar)
        if kind in ("plus", "minus") and s != 0:
            return NotImplemented
        if kind == "mul":
            vals = data._values * _scalar_like(data, s)
        elif kind == "div":
            vals = data._values / _scalar_like(data, s)
        else:
            vals = data._values.clone()
        return _finish(data._like(vals, data._aux), out)

    return impl


def _scalar_like(x, s):
    if x._values.is_floating_point():
        return s
    return int(s) if float(s).is_integer() else s


def retain(data=None, indices=None, out=None, name=None, **kwargs) -> RowSparseNDArray:
    """The rows of row_sparse ``data`` whose index is in ``indices`` (others
    dropped); ``indices`` is a 1-D NDArray (float values are truncated, as
    MXNet casts them), list or numpy array."""
    if not isinstance(data, RowSparseNDArray):
        raise MXNetError(
            "retain: data must be a RowSparseNDArray (retain is only defined for "
            f"row_sparse storage), got stype {getattr(data, 'stype', type(data))!r}"
        )
    keep = _retain_keep(indices, data.shape, data._values.device)
    v, i = K.rsp_retain(data._values, data._aux[0], keep)
    res = _rsp(v, i, data.shape, data._ctx)
    if out is None and _flags.recording and data._in_graph():
        _set_graph(res, _RetainRows.apply(data._data, torch.unique(keep)))
    return _finish(res, out)


def _retain_keep(indices, shape, device) -> torch.Tensor:
    """The row indices ``retain`` keeps (1-D int64, range-checked)."""
    if indices is None:
        raise MXNetError("retain: the required argument 'indices' is missing")
    if isinstance(indices, NDArray) and indices._data.is_floating_point():
        keep = indices._data.to(_I64)  # MXNet casts float indices (truncates)
    else:
        keep = _index_tensor(indices, device, "indices", "retain")
    keep = keep.reshape(-1).to(device)
    if keep.numel() and (int(keep.min()) < 0 or int(keep.max()) >= shape[0]):
        raise MXNetError(
            f"retain: indices must lie in [0, {shape[0]}) for data of shape "
            f"{tuple(shape)}, got values in [{int(keep.min())}, {int(keep.max())}]"
        )
    return keep


def retain_dense(data: NDArray, indices) -> RowSparseNDArray:
    """``retain(data.tostype('row_sparse'), indices)`` for a dense ``data``
    without converting all of it: the requested rows, each stored (used by
    ``kvstore.row_sparse_pull``, whose store holds weights dense)."""
    t = data._data.detach()
    keep = torch.unique(_retain_keep(indices, data.shape, t.device))
    return _rsp(t[keep], keep, data.shape, data._ctx)


def sum_row_sparse(arrays: list, device: torch.device) -> RowSparseNDArray:
    """The sum of row_sparse ``arrays`` (same shape) on ``device``, storing
    the union of their rows (MXNet's reduction of row_sparse pushes)."""
    v = arrays[0]._values.detach().to(device, copy=True)
    i = arrays[0]._aux[0].to(device)
    for a in arrays[1:]:
        v, i = K.rsp_union(v, i, a._values.detach().to(device), a._aux[0].to(device))
    return _rsp(v, i, arrays[0].shape, arrays[0]._ctx)


class _RetainRows(torch.autograd.Function):
    """The rows ``rows`` of a dense tensor (others zero), for :func:`retain`
    in a recorded computation; the gradient keeps the same rows (dense, or
    torch sparse COO)."""

    @staticmethod
    def forward(ctx, x, rows):
        ctx.save_for_backward(rows)
        out = torch.zeros_like(x)
        out[rows] = x[rows]
        return out

    @staticmethod
    def backward(ctx, grad):
        (rows,) = ctx.saved_tensors
        if grad.layout == torch.sparse_coo:
            grad = grad.coalesce()
            keep = torch.isin(grad.indices()[0], rows)
            return torch.sparse_coo_tensor(
                grad.indices()[:, keep], grad.values()[keep], grad.shape,
                check_invariants=False,
            ), None  # fmt: skip
        out = torch.zeros_like(grad)
        out[rows] = grad[rows]
        return out, None


def _square_sum(data=None, axis=None, keepdims=False, exclude=False, out=None,
                name=None, **kwargs) -> NDArray:  # fmt: skip
    """Sum of squares of a row_sparse array over ``axis`` (0 or 1): row_sparse
    for ``axis=1, keepdims=True`` (MXNet), dense otherwise."""
    if not isinstance(data, RowSparseNDArray):
        raise MXNetError(
            "_square_sum: data must be a 2-D RowSparseNDArray, got stype "
            f"{getattr(data, 'stype', type(data))!r}"
        )
    ax = axis if not isinstance(axis, (tuple, list)) else (axis[0] if axis else None)
    if ax is None or data.ndim != 2 or int(ax) not in (0, 1, -1, -2):
        raise MXNetError(
            f"_square_sum: needs a 2-D row_sparse array and axis 0 or 1, got shape "
            f"{data.shape} and axis={axis!r}"
        )
    ax = int(ax) % 2
    sq = data._values * data._values
    if ax == 1 and keepdims:
        res = _rsp(sq.sum(1, keepdim=True), data._aux[0].clone(),
                   (data.shape[0], 1), data._ctx)  # fmt: skip
    elif ax == 1:
        t = torch.zeros(data.shape[0], dtype=sq.dtype, device=sq.device)
        t[data._aux[0]] = sq.sum(1)
        res = _new(t, data._ctx)
    else:
        t = sq.sum(0, keepdim=bool(keepdims))
        res = _new(t, data._ctx)
    return _finish(res, out)


def adagrad_update(weight=None, grad=None, history=None, lr=None, epsilon=1e-7,
                   wd=0.0, rescale_grad=1.0, clip_gradient=-1.0, out=None,
                   name=None, **kwargs) -> NDArray:  # fmt: skip
    """AdaGrad update of the rows of ``weight`` and ``history`` that the
    row_sparse ``grad`` stores (MXNet's ``_sparse_adagrad_update``), in place
    into ``out`` (normally ``weight``):
    ``h += g**2; w -= lr * g / sqrt(h + epsilon)`` with
    ``g = clip(rescale_grad * grad)``. ``wd`` must be 0, as in MXNet."""
    if not isinstance(grad, RowSparseNDArray):
        raise MXNetError(
            "adagrad_update: grad must be a RowSparseNDArray (this operator is "
            "only defined for row_sparse gradients; use mx.optimizer.AdaGrad for "
            f"dense ones), got stype {getattr(grad, 'stype', type(grad))!r}"
        )
    if lr is None:
        raise MXNetError("adagrad_update: the required argument 'lr' is missing")
    if float(wd) != 0.0:
        raise MXNetError("adagrad_update: sparse adagrad_update does not support wd")
    for nm, a in (("weight", weight), ("history", history)):
        if not isinstance(a, NDArray) or tuple(a.shape) != grad.shape:
            raise MXNetError(
                f"adagrad_update: {nm} must be an NDArray of shape {grad.shape}, got "
                f"{getattr(a, 'shape', type(a))}"
            )
    out = weight if out is None else out
    idx = grad._aux[0]
    g = grad._values * float(rescale_grad)
    if float(clip_gradient) >= 0:
        g = g.clamp(-float(clip_gradient), float(clip_gradient))
    w = weight._data
    h = history._data
    with torch.no_grad():
        h_rows = h[idx] + g * g
        w_rows = w[idx] - float(lr) * g / (h_rows + float(epsilon)).sqrt()
        if _is_sparse(history):
            full_h = h.clone()
            full_h[idx] = h_rows
            history._assign_dense(full_h)
        else:
            h[idx] = h_rows
        if _is_sparse(out):
            full = w.clone()
            full[idx] = w_rows
            out._assign_dense(full)
        else:
            target = out._data
            if target is not w:
                target.copy_(w)
            target[idx] = w_rows
    return out


# ------------------------------------------------ optimizer updates (lazy rows)
class _Dense:
    """A dense tensor to update in place for ``arr`` and its write-back (a
    sparse ``arr`` is updated through a dense copy)."""

    def __init__(self, arr: NDArray, copy: bool = False) -> None:
        self.arr = arr
        self.t = arr._data.clone() if copy and not _is_sparse(arr) else arr._data

    def done(self) -> None:
        if _is_sparse(self.arr):
            self.arr._assign_dense(self.t)


def _update_result(weight: NDArray, w: _Dense, out) -> NDArray:
    if out is weight:
        w.done()
        return weight
    res = _like_dense(weight, w.t)
    if _is_sparse(weight):
        res = cast_storage(res, stype=weight.stype)
    return _finish(res, out)


def _lazy_rows(grad) -> bool:
    return isinstance(grad, RowSparseNDArray)


def _sgd_update_impl(weight=None, grad=None, mom=None, out=None, lr=None,
                     momentum=0.0, wd=0.0, rescale_grad=1.0, clip_gradient=-1.0,
                     lazy_update=True, **kwargs):  # fmt: skip
    """``sgd_update`` / ``sgd_mom_update`` with a row_sparse gradient and
    ``lazy_update``: only the stored rows (MXNet's SGDUpdateEx); without
    ``lazy_update`` the dense kernel runs on the densified gradient."""
    if not (_lazy_rows(grad) and lazy_update) or _is_sparse(mom):
        return NotImplemented
    w = _Dense(weight, copy=out is not weight)
    sgd_lazy(w.t, grad._values, grad._aux[0], None if mom is None else mom._data,
             float(lr), float(wd), momentum=float(momentum),
             rescale_grad=float(rescale_grad),
             clip_gradient=float(clip_gradient))  # fmt: skip
    return _update_result(weight, w, out)


def _adam_update_impl(weight=None, grad=None, mean=None, var=None, out=None,
                      lr=None, beta1=0.9, beta2=0.999, epsilon=1e-8, wd=0.0,
                      rescale_grad=1.0, clip_gradient=-1.0, lazy_update=True,
                      **kwargs):  # fmt: skip
    """``adam_update`` with a row_sparse gradient and ``lazy_update``: only
    the stored rows of weight, mean and var (MXNet's AdamUpdateEx)."""
    if not (_lazy_rows(grad) and lazy_update):
        return NotImplemented
    w, m, v = _Dense(weight, copy=out is not weight), _Dense(mean), _Dense(var)
    adam_lazy(w.t, grad._values, grad._aux[0], m.t, v.t, float(lr), float(wd),
              beta1=float(beta1), beta2=float(beta2), epsilon=float(epsilon),
              rescale_grad=float(rescale_grad),
              clip_gradient=float(clip_gradient))  # fmt: skip
    m.done()
    v.done()
    return _update_result(weight, w, out)


def _ftrl_update_impl(weight=None, grad=None, z=None, n=None, out=None, lr=None,
                      lamda1=0.01, beta=1.0, wd=0.0, rescale_grad=1.0,
                      clip_gradient=-1.0, **kwargs):  # fmt: skip
    """``ftrl_update`` with weight, grad, z and n all row_sparse: only the
    gradient's rows (MXNet's FtrlUpdateEx); other storage combinations run
    the dense kernel (MXNet's storage fallback)."""
    if not all(isinstance(a, RowSparseNDArray) for a in (weight, grad, z, n)):
        return NotImplemented
    w, zz, nn = _Dense(weight), _Dense(z), _Dense(n)
    ftrl_lazy(w.t, grad._values, grad._aux[0], zz.t, nn.t, float(lr), float(wd),
              lamda1=float(lamda1), beta=float(beta),
              rescale_grad=float(rescale_grad),
              clip_gradient=float(clip_gradient))  # fmt: skip
    zz.done()
    nn.done()
    return _update_result(weight, w, out)


def _scatter_div_impl(lhs=None, rhs=None, out=None, **kwargs):
    """``lhs / rhs`` at the stored entries of sparse ``lhs`` (MXNet's
    ``_scatter_elemwise_div``): the result keeps ``lhs``'s storage."""
    if not _is_sparse(lhs):
        return NotImplemented
    _same_shape("_scatter_elemwise_div", lhs, rhs)
    vals = lhs._values / _gather_dense(lhs, rhs._data.to(lhs._values.dtype))
    return _finish(lhs._like(vals, lhs._aux), out)


def _scatter_scalar_impl(sign: float):
    def impl(data=None, scalar=1.0, out=None, **kwargs):
        if not _is_sparse(data):
            return NotImplemented
        vals = data._values + sign * _scalar_like(data, float(scalar))
        return _finish(data._like(vals, data._aux), out)

    return impl


def _cast_storage_op_impl(data=None, stype=None, out=None, **kwargs):
    return cast_storage(data, stype=stype, out=out)


def _retain_op_impl(data=None, indices=None, out=None, **kwargs):
    if not isinstance(data, RowSparseNDArray):
        return NotImplemented
    return retain(data, indices, out=out)


def _square_sum_op_impl(data=None, out=None, **kwargs):
    if not isinstance(data, RowSparseNDArray):
        return NotImplemented
    return _square_sum(data, out=out, **kwargs)


def _quadratic_impl(data=None, a=0.0, b=0.0, c=0.0, out=None, **kwargs):
    """``a*x**2 + b*x + c`` keeps a sparse input's storage when ``c == 0``
    (MXNet's contrib.quadratic); otherwise the dense result."""
    if not _is_sparse(data) or float(c) != 0.0:
        return NotImplemented
    v = data._values
    vals = float(a) * v * v + float(b) * v
    return _finish(data._like(vals, data._aux), out)


def _union_binary_impl(fn):
    """A zero-preserving binary op (``f(0, 0) == 0``: maximum, minimum,
    hypot) on two arrays of one sparse storage type: the result keeps it and
    stores the union of their entries (MXNet's ElemwiseBinaryOp ComputeEx)."""

    def impl(lhs=None, rhs=None, out=None, **kwargs):
        if not (_is_sparse(lhs) and _is_sparse(rhs) and lhs.stype == rhs.stype):
            return NotImplemented
        _same_shape("binary op", lhs, rhs)
        _dtype_check("binary op", lhs, rhs)
        dense = fn(lhs._data, rhs._data)
        if lhs.stype == "row_sparse":
            rows = torch.unique(torch.cat([lhs._aux[0], rhs._aux[0]]))
            res = _rsp(dense[rows], rows, lhs.shape, lhs._ctx)
        else:
            ones = [(torch.ones_like(x._values), *x._aux) for x in (lhs, rhs)]
            _, ptr, ind = K.csr_union(ones[0], ones[1], lhs.shape)
            vals = dense[K.csr_rows(ptr, ind.shape[0]), ind]
            res = _csr(vals, ptr, ind, lhs.shape, lhs._ctx)
        return _finish(res, out)

    return impl


class _RowLookup(torch.autograd.Function):
    """``Embedding`` on a row_sparse variable: the rows ``idx`` gathered from
    its stored values (zero where not stored), differentiable w.r.t. the
    variable's leaf; the gradient is torch sparse COO with ``sparse_grad``."""

    @staticmethod
    def forward(ctx, leaf, idx, values, rows, sparse_grad):
        ctx.save_for_backward(idx)
        ctx.shape, ctx.sparse = leaf.shape, sparse_grad
        return _gather_rows(values, rows, idx)

    @staticmethod
    def backward(ctx, grad):
        (idx,) = ctx.saved_tensors
        flat = idx.reshape(-1)
        g = grad.reshape(flat.shape[0], *ctx.shape[1:])
        if ctx.sparse:
            out = torch.sparse_coo_tensor(flat[None], g, ctx.shape,
                                          check_invariants=False)  # fmt: skip
        else:
            out = g.new_zeros(ctx.shape).index_add_(0, flat, g)
        return out, None, None, None, None


def _gather_rows(values, rows, idx) -> torch.Tensor:
    out = values.new_zeros((*idx.shape, *values.shape[1:]))
    if rows.numel():
        pos = torch.searchsorted(rows, idx).clamp(max=rows.shape[0] - 1)
        hit = rows[pos] == idx
        out[hit] = values[pos[hit]]
    return out


def _embedding_impl(data=None, weight=None, out=None, input_dim=None,
                    output_dim=None, sparse_grad=False, **kwargs):  # fmt: skip
    """``Embedding`` with a row_sparse weight: the looked-up rows read from
    the stored rows, without densifying the weight (a recorded one through
    ``_RowLookup``); other cases run the dense kernel."""
    if (
        not isinstance(weight, RowSparseNDArray)
        or _is_sparse(data)
        or weight._graph is not None
        or weight.ndim != 2
        or (input_dim, output_dim) != weight.shape
    ):
        return NotImplemented
    idx = data._data.detach().to(_I64).clamp(0, weight.shape[0] - 1)
    idx = idx.to(weight._values.device)
    if _flags.recording and weight._leaf is not None:
        t = _RowLookup.apply(weight._leaf, idx, weight._values.detach(),
                             weight._aux[0], bool(sparse_grad))  # fmt: skip
    else:
        t = _gather_rows(weight._values.detach(), weight._aux[0], idx)
    return _finish(_new(t, data._ctx), out)


#: Operators whose sparse implementation runs on dense inputs too (their
#: result's storage type comes from an attribute).
ALWAYS_SPARSE = frozenset({"cast_storage"})


def _impl_table() -> dict:
    t = {n: _unary_impl(n) for n in ZERO_PRESERVING}
    t.update({n: _copy_impl for n in _COPY_OPS})
    t.update(
        elemwise_add=_add_sub("elemwise_add", 1.0),
        _grad_add=_add_sub("_grad_add", 1.0),
        elemwise_sub=_add_sub("elemwise_sub", -1.0),
        elemwise_mul=_mul_impl,
        broadcast_mul=_broadcast_csr(torch.mul),
        broadcast_div=_broadcast_csr(torch.div),
        dot=_dot_impl,
        add_n=_add_n_impl,
        ElementWiseSum=_add_n_impl,
        zeros_like=_zeros_like_impl,
        clip=_clip_impl,
        slice=_slice_impl,
        concat=_concat_impl,
        take=_take_impl,
        Concat=_concat_impl,
        _plus_scalar=_scalar_impl("plus"),
        _minus_scalar=_scalar_impl("minus"),
        _mul_scalar=_scalar_impl("mul"),
        _div_scalar=_scalar_impl("div"),
        sgd_update=_sgd_update_impl,
        sgd_mom_update=_sgd_update_impl,
        adam_update=_adam_update_impl,
        ftrl_update=_ftrl_update_impl,
        _scatter_elemwise_div=_scatter_div_impl,
        _scatter_plus_scalar=_scatter_scalar_impl(1.0),
        _scatter_minus_scalar=_scatter_scalar_impl(-1.0),
        cast_storage=_cast_storage_op_impl,
        _sparse_retain=_retain_op_impl,
        _square_sum=_square_sum_op_impl,
        _contrib_quadratic=_quadratic_impl,
        _maximum=_union_binary_impl(torch.maximum),
        _minimum=_union_binary_impl(torch.minimum),
        _hypot=_union_binary_impl(torch.hypot),
        Embedding=_embedding_impl,
        _contrib_SparseEmbedding=_embedding_impl,
    )
    return t


SPARSE_IMPLS = _impl_table()


def _ufunc(lhs, rhs, same_shape_op: str, bcast_op: str, scalar_op: str, rscalar):
    from .. import ndarray as nd

    if isinstance(lhs, NDArray) and isinstance(rhs, NDArray):
        name = same_shape_op if tuple(lhs.shape) == tuple(rhs.shape) else bcast_op
        return getattr(nd, name)(lhs, rhs)
    if isinstance(lhs, NDArray):
        return getattr(nd._internal, scalar_op)(lhs, scalar=float(rhs))
    if isinstance(rhs, NDArray):
        return rscalar(lhs, rhs)
    raise TypeError(f"expected NDArray operands, got {type(lhs)} and {type(rhs)}")


def add(lhs, rhs) -> NDArray:
    """``lhs + rhs`` with MXNet's sparse storage rules (elemwise_add for equal
    shapes, broadcast_add otherwise, _plus_scalar for a number)."""
    from .. import ndarray as nd

    return _ufunc(lhs, rhs, "elemwise_add", "broadcast_add", "_plus_scalar",
                  lambda s, x: nd._internal._plus_scalar(x, scalar=float(s)))  # fmt: skip


def subtract(lhs, rhs) -> NDArray:
    """``lhs - rhs`` with MXNet's sparse storage rules."""
    from .. import ndarray as nd

    return _ufunc(lhs, rhs, "elemwise_sub", "broadcast_sub", "_minus_scalar",
                  lambda s, x: nd._internal._rminus_scalar(x, scalar=float(s)))  # fmt: skip


def multiply(lhs, rhs) -> NDArray:
    """``lhs * rhs`` with MXNet's sparse storage rules."""
    from .. import ndarray as nd

    return _ufunc(lhs, rhs, "elemwise_mul", "broadcast_mul", "_mul_scalar",
                  lambda s, x: nd._internal._mul_scalar(x, scalar=float(s)))  # fmt: skip


def divide(lhs, rhs) -> NDArray:
    """``lhs / rhs`` with MXNet's sparse storage rules."""
    from .. import ndarray as nd

    return _ufunc(lhs, rhs, "elemwise_div", "broadcast_div", "_div_scalar",
                  lambda s, x: nd._internal._rdiv_scalar(x, scalar=float(s)))  # fmt: skip


# ---------------------------------------------------------------- nd.sparse names
# The sparse implementations run inside ``invoke`` (``_invoke.SPARSE_IMPLS``),
# so ``nd.X`` and ``nd.sparse.X`` are the one registered function.
#: Implementations that record themselves (or are never recorded).
_SELF_RECORDING = frozenset(
    {"cast_storage", "_sparse_retain", "Embedding", "_contrib_SparseEmbedding"}
)
for _n, _impl in SPARSE_IMPLS.items():
    _op = _ALL_OPS[_n]
    _invoke.SPARSE_IMPLS[_op.name] = (
        _impl if _n in _SELF_RECORDING else _recording(_op, _impl)
    )
for _n in DENSE_ALIASES:
    _op = _ALL_OPS.get(_n)
    if _op is not None:
        _f = _frontend.make_function(_op, _n)
        _f.__module__ = __name__
        globals()[_n] = _f


__all__ = [
    *(n for n in DENSE_ALIASES if n in globals() and not n.startswith("_")),
    "BaseSparseNDArray",
    "CSRNDArray",
    "RowSparseNDArray",
    "adagrad_update",
    "add",
    "array",
    "cast_storage",
    "csr_matrix",
    "divide",
    "empty",
    "multiply",
    "retain",
    "row_sparse_array",
    "subtract",
    "zeros",
]
