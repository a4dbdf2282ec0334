"""``gluon.contrib.nn`` layers of MXNet 1.9.1.

``Concurrent``/``HybridConcurrent`` (children side by side, outputs
concatenated), ``Identity``, ``SparseEmbedding``, ``SyncBatchNorm`` and
``PixelShuffle1D/2D/3D``, with MXNet's names, defaults, parameter names and
channel ordering.
"""

from __future__ import annotations

import warnings

from .... import context
from .... import ndarray as nd
from ...block import Block
from ...block import HybridBlock
from ...nn import BatchNorm
from ...nn import HybridSequential
from ...nn import Sequential

__all__ = [
    "Concurrent",
    "HybridConcurrent",
    "Identity",
    "SparseEmbedding",
    "SyncBatchNorm",
    "PixelShuffle1D",
    "PixelShuffle2D",
    "PixelShuffle3D",
]


class Concurrent(Sequential):
    """Feed the input to every child and concatenate their outputs on ``axis``.

    Parameters
    ----------
    axis : int, default -1
        The axis on which the children's outputs are concatenated.

    Examples
    --------
    >>> import neogluon as mx
    >>> from neogluon.gluon.contrib.nn import Concurrent, Identity
    >>> net = Concurrent()
    >>> with net.name_scope():
    ...     net.add(mx.gluon.nn.Dense(3, in_units=2))
    ...     net.add(Identity())
    >>> net.initialize()
    >>> net(mx.nd.ones((4, 2))).shape
    (4, 5)
    """

    def __init__(self, axis: int = -1, prefix=None, params=None) -> None:
        super().__init__(prefix=prefix, params=params)
        self.axis = axis

    def forward(self, x):
        out = [block(x) for block in self._children.values()]
        return nd.concat(*out, dim=self.axis)


class HybridConcurrent(HybridSequential):
    """Hybridizable :class:`Concurrent`: children's outputs concatenated on ``axis``.

    Parameters
    ----------
    axis : int, default -1
        The axis on which the children's outputs are concatenated.

    Examples
    --------
    >>> import neogluon as mx
    >>> from neogluon.gluon.contrib.nn import HybridConcurrent, Identity
    >>> net = HybridConcurrent(axis=1)
    >>> with net.name_scope():
    ...     net.add(mx.gluon.nn.Dense(3, in_units=2))
    ...     net.add(Identity())
    >>> net.initialize()
    >>> net.hybridize()
    >>> net(mx.nd.ones((4, 2))).shape
    (4, 5)
    """

    def __init__(self, axis: int = -1, prefix=None, params=None) -> None:
        super().__init__(prefix=prefix, params=params)
        self.axis = axis

    def hybrid_forward(self, F, x):
        out = [block(x) for block in self._children.values()]
        return F.concat(*out, dim=self.axis)


class Identity(HybridBlock):
    """Pass the input through unchanged (e.g. the skip branch of a residual).

    Examples
    --------
    >>> import neogluon as mx
    >>> from neogluon.gluon.contrib.nn import Identity
    >>> Identity()(mx.nd.array([1, 2])).asnumpy().tolist()
    [1.0, 2.0]
    """

    def __init__(self, prefix=None, params=None) -> None:
        super().__init__(prefix=prefix, params=params)

    def hybrid_forward(self, F, x):
        return x


class SparseEmbedding(Block):
    """Map integer indices to rows of ``weight (input_dim, output_dim)``.

    The output shape is ``x.shape + (output_dim,)``.

    Parameters
    ----------
    input_dim : int
        Vocabulary size (largest index + 1).
    output_dim : int
        Size of each embedding vector.
    dtype : str or numpy.dtype, default 'float32'
    weight_initializer : Initializer, default None

    Notes
    -----
    The gradient of the weight is a ``RowSparseNDArray`` holding the rows
    looked up in the batch, so SGD / Adam with ``lazy_update`` (the default)
    update only those rows, as in MXNet.

    The weight is a ``stype='row_sparse'`` Parameter, as in MXNet: read it
    with ``weight.row_sparse_data(row_id)`` (``data()`` raises); a Trainer
    holds it in its kvstore and each forward pulls the rows it looks up.

    Differs from MXNet 1.9.1: without a Trainer the forward uses the whole
    weight (MXNet raises until a Trainer is created).

    Examples
    --------
    >>> import neogluon as mx
    >>> from neogluon.gluon.contrib.nn import SparseEmbedding
    >>> emb = SparseEmbedding(10, 4)
    >>> emb.initialize()
    >>> emb(mx.nd.array([[1, 2], [3, 4]])).shape
    (2, 2, 4)
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        dtype="float32",
        weight_initializer=None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self._kwargs = {
            "input_dim": input_dim,
            "output_dim": output_dim,
            "dtype": dtype,
            "sparse_grad": True,
        }
        self.weight = self.params.get(
            "weight",
            shape=(input_dim, output_dim),
            init=weight_initializer,
            dtype=dtype,
            grad_stype="row_sparse",
            stype="row_sparse",
        )

    def forward(self, x):
        weight = self.weight._row_sparse_value(x)
        return nd.Embedding(x, weight, name="fwd", **self._kwargs)

    def __repr__(self) -> str:
        k = self._kwargs
        return (
            f"{type(self).__name__}({k['input_dim']} -> {k['output_dim']}, "
            f"{k['dtype']})"
        )


class SyncBatchNorm(BatchNorm):
    """Cross-device synchronized batch normalization (on channel axis 1).

    Parameters
    ----------
    in_channels : int, default 0
        Number of channels; 0 infers it at the first forward.
    num_devices : int, default None
        Number of devices the batch is split over; None counts the visible
        GPUs (at least 1) and warns, as MXNet does.
    momentum : float, default 0.9
    epsilon : float, default 1e-5
    center, scale : bool, default True
    use_global_stats : bool, default False
    beta_initializer, gamma_initializer, running_mean_initializer,
    running_variance_initializer : Initializer or str

    Notes
    -----
    Differs from MXNet 1.9.1: the statistics are not synchronized across
    devices yet (that needs the distributed kvstore); every device normalizes
    with its own batch statistics, exactly as :class:`~neogluon.gluon.nn.BatchNorm`
    with ``axis=1``. On one device, which is what ``num_devices=1`` means, the
    results equal MXNet's: biased batch variance in training, running
    statistics updated in the backward pass.

    Examples
    --------
    >>> import neogluon as mx
    >>> from neogluon.gluon.contrib.nn import SyncBatchNorm
    >>> bn = SyncBatchNorm(in_channels=3, num_devices=1)
    >>> bn.initialize()
    >>> bn(mx.nd.ones((2, 3, 4, 4))).shape
    (2, 3, 4, 4)
    """

    def __init__(
        self,
        in_channels: int = 0,
        num_devices: int | None = None,
        momentum: float = 0.9,
        epsilon: float = 1e-5,
        center: bool = True,
        scale: bool = True,
        use_global_stats: bool = False,
        beta_initializer="zeros",
        gamma_initializer="ones",
        running_mean_initializer="zeros",
        running_variance_initializer="ones",
        **kwargs,
    ) -> None:
        super().__init__(
            axis=1,
            momentum=momentum,
            epsilon=epsilon,
            center=center,
            scale=scale,
            use_global_stats=use_global_stats,
            beta_initializer=beta_initializer,
            gamma_initializer=gamma_initializer,
            running_mean_initializer=running_mean_initializer,
            running_variance_initializer=running_variance_initializer,
            in_channels=in_channels,
            **kwargs,
        )
        if num_devices is None:
            num_devices = self._get_num_devices()
        self._bn_kwargs = {
            "axis": 1,
            "eps": epsilon,
            "momentum": momentum,
            "fix_gamma": not scale,
            "use_global_stats": use_global_stats,
        }
        # MXNet's op attributes, shown by repr.
        self._kwargs = {
            "eps": epsilon,
            "momentum": momentum,
            "fix_gamma": not scale,
            "use_global_stats": use_global_stats,
            "ndev": num_devices,
            "key": self.prefix,
        }

    @staticmethod
    def _get_num_devices() -> int:
        warnings.warn(
            "Caution using SyncBatchNorm: if not using all the GPUs, please "
            "mannually set num_devices",
            UserWarning,
            stacklevel=4,
        )
        return max(context.num_gpus(), 1)

    def hybrid_forward(self, F, x, gamma, beta, running_mean, running_var):
        return F.BatchNorm(
            x, gamma, beta, running_mean, running_var, name="fwd", **self._bn_kwargs
        )


def _factors(factor, n: int, cls: str) -> tuple[int, ...]:
    try:
        return (int(factor),) * n
    except TypeError:
        out = tuple(int(f) for f in factor)
    if len(out) != n:
        raise ValueError(
            f"{cls}: factor must be an int or a {n}-tuple of ints, got {factor!r} "
            f"({len(out)} values)."
        )
    return out


class _PixelShuffle(HybridBlock):
    _ndim = 0

    def _check(self, x, factor_prod: int) -> None:
        # Eager inputs only: a symbol has no shape to check here.
        if not isinstance(x, nd.NDArray):
            return
        shape = x.shape
        name = type(self).__name__
        if len(shape) != self._ndim + 2:
            raise ValueError(
                f"{name} expects a {self._ndim + 2}-D input (N, C, "
                f"{'spatial dims' if self._ndim > 1 else 'W'}), got shape {shape}."
            )
        if shape[1] % factor_prod:
            raise ValueError(
                f"{name}{self._repr_factor()}: the channel dim {shape[1]} of input "
                f"shape {shape} must be divisible by {factor_prod} (the product "
                "of the upsampling factors)."
            )

    def _repr_factor(self) -> str:
        return f"({self._factors if self._ndim > 1 else self._factor})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}{self._repr_factor()}"


class PixelShuffle1D(_PixelShuffle):
    """Move channel groups into the width: ``(N, f*C, W)`` -> ``(N, C, W*f)``.

    Output channel ``c`` at position ``w*f + i`` takes input channel ``c*f + i``
    at ``w`` (MXNet's ordering).

    Parameters
    ----------
    factor : int
        Upsampling factor for ``W``.

    Examples
    --------
    >>> import neogluon as mx
    >>> from neogluon.gluon.contrib.nn import PixelShuffle1D
    >>> PixelShuffle1D(2)(mx.nd.zeros((1, 8, 3))).shape
    (1, 4, 6)
    """

    _ndim = 1

    def __init__(self, factor) -> None:
        super().__init__()
        self._factor = int(factor)

    def hybrid_forward(self, F, x):
        f = self._factor
        self._check(x, f)
        x = F.reshape(x, (0, -4, -1, f, 0))  # (N, C, f, W)
        x = F.transpose(x, (0, 1, 3, 2))  # (N, C, W, f)
        return F.reshape(x, (0, 0, -3))  # (N, C, W*f)


class PixelShuffle2D(_PixelShuffle):
    """Move channel groups into H and W: ``(N, f1*f2*C, H, W)`` -> ``(N, C, H*f1, W*f2)``.

    Parameters
    ----------
    factor : int or 2-tuple of int
        Upsampling factors for ``H`` and ``W``.

    Examples
    --------
    >>> import neogluon as mx
    >>> from neogluon.gluon.contrib.nn import PixelShuffle2D
    >>> PixelShuffle2D((2, 3))(mx.nd.zeros((1, 12, 3, 5))).shape
    (1, 2, 6, 15)
    """

    _ndim = 2

    def __init__(self, factor) -> None:
        super().__init__()
        self._factors = _factors(factor, 2, "PixelShuffle2D")

    def hybrid_forward(self, F, x):
        f1, f2 = self._factors
        self._check(x, f1 * f2)
        x = F.reshape(x, (0, -4, -1, f1 * f2, 0, 0))  # (N, C, f1*f2, H, W)
        x = F.reshape(x, (0, 0, -4, f1, f2, 0, 0))  # (N, C, f1, f2, H, W)
        x = F.transpose(x, (0, 1, 4, 2, 5, 3))  # (N, C, H, f1, W, f2)
        return F.reshape(x, (0, 0, -3, -3))  # (N, C, H*f1, W*f2)


class PixelShuffle3D(_PixelShuffle):
    """Move channel groups into D, H, W: ``(N, f1*f2*f3*C, D, H, W)`` -> ``(N, C, D*f1, H*f2, W*f3)``.

    Parameters
    ----------
    factor : int or 3-tuple of int
        Upsampling factors for ``D``, ``H`` and ``W``.

    Examples
    --------
    >>> import neogluon as mx
    >>> from neogluon.gluon.contrib.nn import PixelShuffle3D
    >>> PixelShuffle3D((2, 3, 4))(mx.nd.zeros((1, 48, 3, 5, 7))).shape
    (1, 2, 6, 15, 28)
    """

    _ndim = 3

    def __init__(self, factor) -> None:
        super().__init__()
        self._factors = _factors(factor, 3, "PixelShuffle3D")

    def hybrid_forward(self, F, x):
        f1, f2, f3 = self._factors
        self._check(x, f1 * f2 * f3)
        # (N, C, f1, f2, f3, D, H, W) -> (N, C, D, f1, H, f2, W, f3) in one
        # 8-D transpose gives MXNet's ordering.
        x = F.reshape(x, (0, -4, -1, f1 * f2 * f3, 0, 0, 0))  # (N, C, f1f2f3, D, H, W)
        x = F.reshape(x, (0, 0, -4, f1, f2 * f3, 0, 0, 0))  # (N, C, f1, f2f3, D, H, W)
        x = F.reshape(x, (0, 0, 0, -4, f2, f3, 0, 0, 0))  # (N, C, f1, f2, f3, D, H, W)
        x = F.transpose(x, (0, 1, 5, 2, 6, 3, 7, 4))  # (N, C, D, f1, H, f2, W, f3)
        return F.reshape(x, (0, 0, -3, -3, -3))  # (N, C, D*f1, H*f2, W*f3)
