"""Core layers: Dense, Dropout, Embedding, Flatten, BatchNorm and the other norms.

Written as MXNet 1.9.1 writes them: parameters through ``self.params.get``,
computation in ``hybrid_forward(F, x, **params)`` with ``F`` = ``nd`` or ``sym``.
"""

from __future__ import annotations

import numpy as np

from ...ndarray import NDArray
from ...ops.registry import ShapeError
from ..block import HybridBlock
from .activations import Activation

# The containers live in sequential.py; MXNet's module path is basic_layers.
from .sequential import HybridLambda  # noqa: F401
from .sequential import HybridSequential  # noqa: F401
from .sequential import Lambda  # noqa: F401
from .sequential import Sequential  # noqa: F401

__all__ = [
    "Dense",
    "Dropout",
    "Embedding",
    "Flatten",
    "BatchNorm",
    "BatchNormReLU",
    "InstanceNorm",
    "LayerNorm",
    "GroupNorm",
]


def _kwargs_repr(kwargs: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items())


def _affine_params(
    block, size, center, scale, gamma_init, beta_init, differentiable=False
):
    """Create the ``gamma``/``beta`` pair of a normalization layer.

    ``scale=False``/``center=False`` keep the parameter (MXNet still stores it)
    with ``grad_req='null'``; ``differentiable=True`` also marks it
    non-differentiable then (BatchNorm's rule).
    """
    extra_g = {"differentiable": scale} if differentiable else {}
    extra_b = {"differentiable": center} if differentiable else {}
    block.gamma = block.params.get(
        "gamma",
        grad_req="write" if scale else "null",
        shape=(size,),
        init=gamma_init,
        allow_deferred_init=True,
        **extra_g,
    )
    block.beta = block.params.get(
        "beta",
        grad_req="write" if center else "null",
        shape=(size,),
        init=beta_init,
        allow_deferred_init=True,
        **extra_b,
    )


class Dense(HybridBlock):
    """Densely connected layer: ``act(dot(x, weight.T) + bias)``.

    Parameters
    ----------
    units : int
        Output dimension.
    activation : str, optional
        Activation applied after the product (a child ``Activation`` block).
    use_bias : bool, default True
    flatten : bool, default True
        ``True``: input ``(N, ...)`` is collapsed to ``(N, prod)``; ``False``: the
        layer applies to the last axis and keeps the leading ones.
    dtype : str, default 'float32'
    weight_initializer, bias_initializer : Initializer or str
    in_units : int, default 0
        Input features; 0 means inferred at the first forward.

    Examples
    --------
    >>> import neogluon as mx
    >>> layer = mx.gluon.nn.Dense(4, activation='relu', in_units=5)
    >>> layer
    Dense(5 -> 4, Activation(relu))
    """

    def __init__(
        self,
        units: int,
        activation: str | None = None,
        use_bias: bool = True,
        flatten: bool = True,
        dtype="float32",
        weight_initializer=None,
        bias_initializer="zeros",
        in_units: int = 0,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self._flatten = flatten
        with self.name_scope():
            self._units = units
            self._in_units = in_units
            self.weight = self.params.get(
                "weight",
                shape=(units, in_units),
                init=weight_initializer,
                dtype=dtype,
                allow_deferred_init=True,
            )
            if use_bias:
                self.bias = self.params.get(
                    "bias",
                    shape=(units,),
                    init=bias_initializer,
                    dtype=dtype,
                    allow_deferred_init=True,
                )
            else:
                self.bias = None
            if activation is not None:
                self.act = Activation(activation, prefix=activation + "_")
            else:
                self.act = None

    def _check_input(self, x: NDArray, weight: NDArray) -> None:
        in_units = weight.shape[1]
        shape = x.shape
        if self._flatten:
            got = int(np.prod(shape[1:])) if len(shape) > 1 else 1
            how = (
                f", which flatten=True turns into ({shape[0]}, {got})"
                if len(shape) > 2
                else ""
            )
            hint = "or pass flatten=False."
        else:
            got = shape[-1]
            how = " (flatten=False uses the last axis)"
            hint = "or reshape the input."
        if got != in_units:
            # MXNetError (what MXNet's FullyConnected raises) and ValueError.
            raise ShapeError(
                f"Dense '{self.name}' expects {in_units} input features (weight "
                f"'{self.weight.name}' has shape {weight.shape}) but got input of "
                f"shape {shape}{how}. Set in_units={got}, leave in_units unset to "
                f"infer it, {hint}"
            )

    def hybrid_forward(self, F, x, weight, bias=None):
        if isinstance(x, NDArray) and x.ndim >= 1:
            self._check_input(x, weight)
        act = F.FullyConnected(
            x,
            weight,
            bias,
            no_bias=bias is None,
            num_hidden=self._units,
            flatten=self._flatten,
            name="fwd",
        )
        if self.act is not None:
            act = self.act(act)
        return act

    def __repr__(self) -> str:
        shape = self.weight.shape
        in_units = shape[1] if shape[1] else None
        act = self.act if self.act else "linear"
        return f"{type(self).__name__}({in_units} -> {shape[0]}, {act})"


class Dropout(HybridBlock):
    """Inverted dropout in training mode (``autograd.is_training()``).

    Parameters
    ----------
    rate : float
        Fraction of inputs set to zero; 0 makes the layer an identity.
    axes : tuple of int, default ()
        Axes along which the mask is shared.
    """

    def __init__(self, rate: float, axes=(), **kwargs) -> None:
        super().__init__(**kwargs)
        self._rate = rate
        self._axes = axes

    def hybrid_forward(self, F, x):
        if self._rate > 0:
            return F.Dropout(
                x, p=self._rate, axes=self._axes, name="fwd", cudnn_off=False
            )
        return F.identity(x)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p = {self._rate}, axes={self._axes})"


class _BatchNorm(HybridBlock):
    """Batch normalization (shared by BatchNorm and BatchNormReLU)."""

    def __init__(
        self,
        axis: int = 1,
        momentum: float = 0.9,
        epsilon: float = 1e-5,
        center: bool = True,
        scale: bool = True,
        use_global_stats: bool = False,
        fuse_relu: bool = False,
        beta_initializer="zeros",
        gamma_initializer="ones",
        running_mean_initializer="zeros",
        running_variance_initializer="ones",
        in_channels: int = 0,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self._kwargs = {
            "axis": axis,
            "eps": epsilon,
            "momentum": momentum,
            "fix_gamma": not scale,
            "use_global_stats": use_global_stats,
        }
        self.fuse_relu = fuse_relu
        if in_channels != 0:
            self.in_channels = in_channels
        _affine_params(
            self,
            in_channels,
            center,
            scale,
            gamma_initializer,
            beta_initializer,
            differentiable=True,
        )
        self.running_mean = self.params.get(
            "running_mean",
            grad_req="null",
            shape=(in_channels,),
            init=running_mean_initializer,
            allow_deferred_init=True,
            differentiable=False,
        )
        self.running_var = self.params.get(
            "running_var",
            grad_req="null",
            shape=(in_channels,),
            init=running_variance_initializer,
            allow_deferred_init=True,
            differentiable=False,
        )

    def cast(self, dtype) -> None:
        # MXNet keeps BatchNorm in float32 under a float16 cast.
        if np.dtype(dtype).name == "float16":
            dtype = "float32"
        super().cast(dtype)

    def hybrid_forward(self, F, x, gamma, beta, running_mean, running_var):
        out = F.BatchNorm(
            x, gamma, beta, running_mean, running_var, name="fwd", **self._kwargs
        )
        if self.fuse_relu:
            out = F.relu(out)
        return out

    def __repr__(self) -> str:
        in_channels = self.gamma.shape[0]
        return (
            f"{type(self).__name__}({_kwargs_repr(self._kwargs)}, "
            f"in_channels={in_channels if in_channels else None})"
        )


class BatchNorm(_BatchNorm):
    """Batch normalization over ``axis`` (MXNet semantics).

    Uses batch statistics (biased variance) when ``autograd.is_training()``,
    running statistics otherwise or with ``use_global_stats=True``; running
    statistics update as ``running = momentum*running + (1-momentum)*batch``.
    ``scale=False`` fixes gamma at 1 (``grad_req='null'``), ``center=False``
    fixes beta. ``cast('float16')`` keeps the layer in float32.

    Parameters
    ----------
    axis : int, default 1
    momentum : float, default 0.9
    epsilon : float, default 1e-5
    center, scale : bool, default True
    use_global_stats : bool, default False
    beta_initializer, gamma_initializer, running_mean_initializer,
    running_variance_initializer : Initializer or str
    in_channels : int, default 0 (inferred)
    """

    def __init__(
        self,
        axis: int = 1,
        momentum: float = 0.9,
        epsilon: float = 1e-5,
        center: bool = True,
        scale: bool = True,
        use_global_stats: bool = False,
        beta_initializer="zeros",
        gamma_initializer="ones",
        running_mean_initializer="zeros",
        running_variance_initializer="ones",
        in_channels: int = 0,
        **kwargs,
    ) -> None:
        super().__init__(
            axis=axis,
            momentum=momentum,
            epsilon=epsilon,
            center=center,
            scale=scale,
            use_global_stats=use_global_stats,
            fuse_relu=False,
            beta_initializer=beta_initializer,
            gamma_initializer=gamma_initializer,
            running_mean_initializer=running_mean_initializer,
            running_variance_initializer=running_variance_initializer,
            in_channels=in_channels,
            **kwargs,
        )


class BatchNormReLU(BatchNorm):
    """:class:`BatchNorm` followed by ReLU (same arguments)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fuse_relu = True


class Embedding(HybridBlock):
    """Map integer indices to rows of ``weight (input_dim, output_dim)``.

    The output shape is ``x.shape + (output_dim,)``.
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        dtype="float32",
        weight_initializer=None,
        sparse_grad: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        grad_stype = "row_sparse" if sparse_grad else "default"
        self._kwargs = {
            "input_dim": input_dim,
            "output_dim": output_dim,
            "dtype": dtype,
            "sparse_grad": sparse_grad,
        }
        self.weight = self.params.get(
            "weight",
            shape=(input_dim, output_dim),
            init=weight_initializer,
            dtype=dtype,
            allow_deferred_init=True,
            grad_stype=grad_stype,
        )

    def hybrid_forward(self, F, x, weight):
        return F.Embedding(x, weight, name="fwd", **self._kwargs)

    def __repr__(self) -> str:
        k = self._kwargs
        return (
            f"{type(self).__name__}({k['input_dim']} -> {k['output_dim']}, "
            f"{k['dtype']})"
        )


class Flatten(HybridBlock):
    """Collapse ``(N, ...)`` to ``(N, prod(...))``."""

    def hybrid_forward(self, F, x):
        return F.flatten(x)

    def __repr__(self) -> str:
        return type(self).__name__


class InstanceNorm(HybridBlock):
    """Instance normalization; PITFALL: ``scale=False`` by default (gamma fixed).

    Parameters
    ----------
    axis : int, default 1
    epsilon : float, default 1e-5
    center : bool, default True
    scale : bool, default False
    beta_initializer, gamma_initializer : Initializer or str
    in_channels : int, default 0 (inferred)
    """

    def __init__(
        self,
        axis: int = 1,
        epsilon: float = 1e-5,
        center: bool = True,
        scale: bool = False,
        beta_initializer="zeros",
        gamma_initializer="ones",
        in_channels: int = 0,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self._kwargs = {"eps": epsilon, "axis": axis, "center": center, "scale": scale}
        self._axis = axis
        self._epsilon = epsilon
        _affine_params(
            self, in_channels, center, scale, gamma_initializer, beta_initializer
        )

    def hybrid_forward(self, F, x, gamma, beta):
        if self._axis == 1:
            return F.InstanceNorm(x, gamma, beta, name="fwd", eps=self._epsilon)
        x = F.swapaxes(x, dim1=1, dim2=self._axis)
        out = F.InstanceNorm(x, gamma, beta, name="fwd", eps=self._epsilon)
        return F.swapaxes(out, dim1=1, dim2=self._axis)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({_kwargs_repr(self._kwargs)}, "
            f"in_channels={self.gamma.shape[0]})"
        )


class LayerNorm(HybridBlock):
    """Layer normalization over the single ``axis`` (biased variance)."""

    def __init__(
        self,
        axis: int = -1,
        epsilon: float = 1e-5,
        center: bool = True,
        scale: bool = True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        in_channels: int = 0,
        prefix=None,
        params=None,
    ) -> None:
        super().__init__(prefix=prefix, params=params)
        self._kwargs = {"eps": epsilon, "axis": axis, "center": center, "scale": scale}
        self._axis = axis
        self._epsilon = epsilon
        self._center = center
        self._scale = scale
        _affine_params(
            self, in_channels, center, scale, gamma_initializer, beta_initializer
        )

    def hybrid_forward(self, F, data, gamma, beta):
        return F.LayerNorm(
            data, gamma=gamma, beta=beta, axis=self._axis, eps=self._epsilon
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({_kwargs_repr(self._kwargs)}, "
            f"in_channels={self.gamma.shape[0]})"
        )


class GroupNorm(HybridBlock):
    """Group normalization; PITFALL: gamma/beta have shape ``(num_groups,)``."""

    def __init__(
        self,
        num_groups: int = 1,
        epsilon: float = 1e-5,
        center: bool = True,
        scale: bool = True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        prefix=None,
        params=None,
    ) -> None:
        super().__init__(prefix=prefix, params=params)
        self._kwargs = {
            "eps": epsilon,
            "num_groups": num_groups,
            "center": center,
            "scale": scale,
        }
        self._num_groups = num_groups
        self._epsilon = epsilon
        self._center = center
        self._scale = scale
        _affine_params(
            self, num_groups, center, scale, gamma_initializer, beta_initializer
        )

    def hybrid_forward(self, F, data, gamma, beta):
        return F.GroupNorm(
            data, gamma=gamma, beta=beta, num_groups=self._num_groups, eps=self._epsilon
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({_kwargs_repr(self._kwargs)})"
