"""``mx.init`` / ``mx.initializer``: weight initializers with MXNet 1.9.1's rules.

An initializer is called as ``init(InitDesc(name, attrs), arr)`` and fills the
NDArray ``arr`` in place. Dispatch (MXNet's ``Initializer.__call__``):

1. ``attrs['__init__']`` set -> ``create(that)._init_weight(desc, arr)``,
   whatever the name. Gluon always takes this path (``Parameter.initialize``
   passes the chosen initializer here), so a global initializer's
   ``_init_weight`` applies to every parameter without its own init.
2. otherwise by name suffix: ``weight`` -> ``_init_weight``, ``bias`` -> 0,
   ``gamma`` -> 1, ``beta`` -> 0, ``min`` -> 0, ``max`` -> 1, else
   ``ValueError`` (the Module / Symbol path).

Examples
--------
>>> import neogluon as mx
>>> mx.init.Xavier(factor_type="in", magnitude=2.34).dumps()
'["xavier", {"rnd_type": "uniform", "factor_type": "in", "magnitude": 2.34}]'
>>> w = mx.nd.zeros((2, 3))
>>> mx.init.One()(mx.init.InitDesc("fc_weight"), w)
>>> w.asnumpy()
array([[1., 1., 1.],
       [1., 1., 1.]], dtype=float32)
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from . import ndarray as nd
from . import registry
from .ndarray.ndarray import NDArray
from .ops.random import fill_

__all__ = [
    "InitDesc",
    "Initializer",
    "register",
    "alias",
    "create",
    "Load",
    "Mixed",
    "Zero",
    "One",
    "Constant",
    "Uniform",
    "Normal",
    "Orthogonal",
    "Xavier",
    "MSRAPrelu",
    "Bilinear",
    "LSTMBias",
    "FusedRNN",
]


class InitDesc(str):
    """Name of a variable to initialize, with its attributes.

    Parameters
    ----------
    name : str
        Name of the variable.
    attrs : dict of str to str, optional
        Attributes of the variable (``'__init__'`` names its own initializer).
    global_init : Initializer, optional
        Global initializer to fall back to (set by ``Initializer.__call__``).
    """

    attrs: dict
    global_init: Any

    def __new__(
        cls, name: str, attrs: dict | None = None, global_init=None
    ) -> InitDesc:
        ret = super().__new__(cls, name)
        ret.attrs = attrs or {}
        ret.global_init = global_init
        return ret


# ---------------------------------------------------------------- sampling
def _sample_dtype(arr: NDArray) -> str:
    name = np.dtype(arr.dtype).name
    return name if name in ("float16", "float32", "float64") else "float32"


def _random_fn(name: str) -> Callable | None:
    rnd = getattr(nd, "random", None)
    return getattr(rnd, name, None)


def _fill_uniform(arr: NDArray, low: float, high: float) -> None:
    """``arr[:] = U(low, high)``: the numbers ``nd.random.uniform`` draws."""
    if arr.stype == "default":  # straight into the array, no temporaries
        fill_(arr.to_torch(), "uniform", float(low), float(high))
        return
    fn = _random_fn("uniform")
    if fn is not None:
        sample = fn(
            float(low),
            float(high),
            shape=arr.shape,
            dtype=_sample_dtype(arr),
            ctx=arr.context,
        )
    else:  # nd.random not registered yet: numpy's global stream.
        sample = np.random.uniform(low, high, size=arr.shape)
    arr[:] = sample


def _fill_normal(arr: NDArray, loc: float, scale: float) -> None:
    """``arr[:] = N(loc, scale)``: the numbers ``nd.random.normal`` draws."""
    if arr.stype == "default":  # straight into the array, no temporaries
        fill_(arr.to_torch(), "normal", float(loc), float(scale))
        return
    fn = _random_fn("normal")
    if fn is not None:
        sample = fn(
            float(loc),
            float(scale),
            shape=arr.shape,
            dtype=_sample_dtype(arr),
            ctx=arr.context,
        )
    else:  # nd.random not registered yet: numpy's global stream.
        sample = np.random.normal(loc, scale, size=arr.shape)
    arr[:] = sample


def _bilinear_kernel(shape: tuple[int, ...]) -> np.ndarray:
    """MXNet's bilinear upsampling kernel over the last two axes of ``shape``."""
    if len(shape) < 2:
        raise ValueError(
            f"Bilinear initializer needs an array with at least 2 dims (a 4-D "
            f"Deconvolution weight), got shape {tuple(shape)}."
        )
    h, w = shape[-2], shape[-1]
    f = np.ceil(w / 2.0)
    c = (2 * f - 1 - f % 2) / (2.0 * f)
    x = np.arange(w, dtype=np.float64)
    y = np.arange(h, dtype=np.float64)
    plane = np.outer(1 - np.abs(y / f - c), 1 - np.abs(x / f - c))
    return np.broadcast_to(plane, shape).astype(np.float32)


# ---------------------------------------------------------------- base class
class Initializer:
    """Base class of initializers.

    Subclasses override ``_init_weight(desc, arr)`` (and optionally
    ``_init_bias`` ...) and pass their constructor arguments to
    ``super().__init__(**kwargs)`` so that ``dumps()`` and equality see them.
    """

    def __init__(self, **kwargs) -> None:
        self._kwargs = kwargs
        self._verbose = False
        self._print_func: Callable | None = None

    def set_verbosity(self, verbose: bool = False, print_func: Callable | None = None):
        """Switch verbose logging on/off.

        ``print_func(arr) -> str`` summarises each initialized array; the default
        is ``norm(arr) / sqrt(arr.size)``.
        """
        self._verbose = verbose
        if print_func is None:

            def print_func(x: NDArray) -> str:
                v = x.asnumpy().astype(np.float64)
                return str(np.linalg.norm(v) / np.sqrt(max(v.size, 1)))

        self._print_func = print_func
        return self

    def _verbose_print(self, desc, init, arr: NDArray) -> None:
        if self._verbose and self._print_func:
            logging.info("Initialized %s as %s: %s", desc, init, self._print_func(arr))

    def dumps(self) -> str:
        """The initializer as a JSON string ``'["<name>", {kwargs}]'``.

        Examples
        --------
        >>> import neogluon as mx
        >>> mx.init.Normal(0.5).dumps()
        '["normal", {"sigma": 0.5}]'
        """
        return json.dumps([self.__class__.__name__.lower(), self._kwargs])

    def __call__(self, desc, arr: NDArray) -> None:
        """Initialize ``arr`` (an NDArray) for the variable described by ``desc``."""
        if not isinstance(desc, InitDesc):
            self._legacy_init(desc, arr)
            return
        if desc.global_init is None:
            desc.global_init = self
        init = desc.attrs.get("__init__", "")
        if init:
            create(init)._init_weight(desc, arr)
            self._verbose_print(desc, init, arr)
            return
        for suffix, method in (
            ("weight", self._init_weight),
            ("bias", self._init_bias),
            ("gamma", self._init_gamma),
            ("beta", self._init_beta),
            ("min", self._init_zero),
            ("max", self._init_one),
            ("weight_quantize", self._init_quantized_weight),
            ("bias_quantize", self._init_quantized_bias),
        ):
            if desc.endswith(suffix):
                method(desc, arr)
                self._verbose_print(desc, suffix, arr)
                return
        self._init_default(desc, arr)

    def _legacy_init(self, name, arr: NDArray) -> None:
        """``init(str_name, arr)``: the deprecated call form (MXNet's suffix table)."""
        warnings.warn(
            "Calling initializer with init(str, NDArray) has been deprecated. "
            "Please use init(mx.init.InitDesc(...), NDArray) instead.",
            DeprecationWarning,
            stacklevel=3,
        )
        if not isinstance(name, str):
            raise TypeError(f"name must be string, got {type(name).__name__}")
        if not isinstance(arr, NDArray):
            raise TypeError(f"arr must be NDArray, got {type(arr).__name__}")
        if name.startswith("upsampling"):
            self._init_bilinear(name, arr)
        elif name.startswith("stn_loc") and name.endswith("weight"):
            self._init_zero(name, arr)
        elif name.startswith("stn_loc") and name.endswith("bias"):
            self._init_loc_bias(name, arr)
        elif name.endswith("bias"):
            self._init_bias(name, arr)
        elif name.endswith("gamma"):
            self._init_gamma(name, arr)
        elif name.endswith("beta"):
            self._init_beta(name, arr)
        elif name.endswith("weight"):
            self._init_weight(name, arr)
        elif name.endswith(("moving_mean", "moving_inv_var", "moving_avg")):
            self._init_zero(name, arr)
        elif name.endswith("moving_var"):
            self._init_one(name, arr)
        elif name.endswith("min"):
            self._init_zero(name, arr)
        elif name.endswith("max"):
            self._init_one(name, arr)
        else:
            self._init_default(name, arr)

    def _init_bilinear(self, _, arr: NDArray) -> None:
        arr[:] = _bilinear_kernel(arr.shape)

    def _init_loc_bias(self, name, arr: NDArray) -> None:
        if arr.shape[0] != 6:
            raise ValueError(
                f"stn_loc bias {name} must have 6 elements (an affine transform), "
                f"got shape {arr.shape}."
            )
        arr[:] = np.array([1.0, 0, 0, 0, 1.0, 0])

    def _init_zero(self, _, arr: NDArray) -> None:
        arr[:] = 0.0

    def _init_one(self, _, arr: NDArray) -> None:
        arr[:] = 1.0

    def _init_bias(self, _, arr: NDArray) -> None:
        arr[:] = 0.0

    def _init_quantized_bias(self, _, arr: NDArray) -> None:
        arr[:] = 0

    def _init_gamma(self, _, arr: NDArray) -> None:
        arr[:] = 1.0

    def _init_beta(self, _, arr: NDArray) -> None:
        arr[:] = 0.0

    def _init_weight(self, name, arr: NDArray) -> None:
        raise NotImplementedError(
            f"{type(self).__name__} must override _init_weight(desc, arr) to "
            f"initialize {name}."
        )

    def _init_quantized_weight(self, _, arr: NDArray) -> None:
        arr[:] = np.random.randint(-127, 127, size=arr.shape).astype(np.int8)

    def _init_default(self, name, _) -> None:
        raise ValueError(
            f"Unknown initialization pattern for {name}. Default initialization is "
            'now limited to "weight", "bias", "gamma" (1.0), and "beta" (0.0).'
            "Please use mx.sym.Variable(init=mx.init.*) to set initialization pattern"
        )

    def __eq__(self, other) -> bool:
        if not isinstance(other, Initializer):
            return NotImplemented
        return type(self) is type(other) and self._kwargs == other._kwargs

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._kwargs.items())
        return f"{type(self).__name__}({args})"


_register = registry.get_register_func(Initializer, "initializer")
alias = registry.get_alias_func(Initializer, "initializer")
create = registry.get_create_func(Initializer, "initializer")


def register(klass: type) -> type:
    """Register an ``Initializer`` subclass under its lower-case class name.

    Examples
    --------
    >>> import neogluon as mx
    >>> @mx.init.register
    ... class HalfInit(mx.init.Initializer):
    ...     def _init_weight(self, _, arr):
    ...         arr[:] = 0.5
    >>> type(mx.init.create("halfinit")).__name__
    'HalfInit'
    """
    return _register(klass)


# ---------------------------------------------------------------- composites
class Load:
    """Initialize variables from a dict of arrays or a ``.params`` file.

    ``arg:`` / ``aux:`` key prefixes are dropped. Names not found use
    ``default_init`` (called the legacy way, ``default_init(name, arr)``).
    """

    def __init__(self, param, default_init=None, verbose: bool = False) -> None:
        if isinstance(param, str):
            param = nd.serialization.load_any(param)
        if not isinstance(param, dict):
            raise TypeError(
                "Load expects a dict of name -> NDArray or a filename holding one, "
                f"got {type(param).__name__}."
            )
        self.param = {}
        for name, arr in param.items():
            if name.startswith(("arg:", "aux:")):
                self.param[name[4:]] = arr
            else:
                self.param[name] = arr
        self.default_init = default_init
        self.verbose = verbose

    def __call__(self, name, arr: NDArray) -> None:
        if name in self.param:
            src = self.param[name]
            if arr.shape != src.shape:
                raise registry.AssertionValueError(
                    f"Parameter {name} cannot be initialized from loading. Shape "
                    f"mismatch, target {arr.shape} vs loaded {src.shape}"
                )
            arr[:] = src
            if self.verbose:
                logging.info("Initialized %s by loading", name)
        else:
            if self.default_init is None:
                raise registry.AssertionValueError(
                    f"Cannot Initialize {name}. Not found in loaded param and no "
                    f"default Initializer is provided. Loaded names: "
                    f"{', '.join(sorted(self.param))}."
                )
            self.default_init(name, arr)
            if self.verbose:
                logging.info("Initialized %s by default", name)


class Mixed:
    """Pick an initializer by the first regex (``re.match``) that matches the name.

    Not an ``Initializer``: usable for Module/Symbol initialization, not as a
    Gluon ``Block.initialize`` argument (as in MXNet).

    Parameters
    ----------
    patterns : list of str
        Regular expressions matched against variable names.
    initializers : list of Initializer
        The initializer for each pattern.
    """

    def __init__(self, patterns, initializers) -> None:
        if len(patterns) != len(initializers):
            raise registry.AssertionValueError(
                f"Mixed needs one initializer per pattern, got {len(patterns)} "
                f"patterns and {len(initializers)} initializers."
            )
        self.map = list(
            zip([re.compile(p) for p in patterns], initializers, strict=True)
        )

    def __call__(self, name, arr: NDArray) -> None:
        for prog, init in self.map:
            if prog.match(name):
                init(name, arr)
                return
        raise ValueError(
            f"Parameter name {name} did not match any pattern. Consider add a "
            '".*" pattern at the and with default Initializer.'
        )


# ---------------------------------------------------------------- initializers
@register
@alias("zeros")
class Zero(Initializer):
    """Initialize weights to 0."""

    def __init__(self) -> None:
        super().__init__()

    def _init_weight(self, _, arr: NDArray) -> None:
        arr[:] = 0


@register
@alias("ones")
class One(Initializer):
    """Initialize weights to 1."""

    def __init__(self) -> None:
        super().__init__()

    def _init_weight(self, _, arr: NDArray) -> None:
        arr[:] = 1


@register
class Constant(Initializer):
    """Initialize weights to ``value`` (a scalar or an array broadcastable to them)."""

    def __init__(self, value) -> None:
        super().__init__(value=value)
        self.value = value

    def _init_weight(self, _, arr: NDArray) -> None:
        arr[:] = self.value

    def dumps(self) -> str:
        val = self._kwargs["value"]
        if isinstance(val, np.generic):
            self._kwargs["value"] = val.item()
        elif not np.isscalar(val):
            self._kwargs["value"] = (
                val.asnumpy().tolist()
                if isinstance(val, NDArray)
                else np.asarray(val).tolist()
            )
        return json.dumps([self.__class__.__name__.lower(), self._kwargs])


@register
class Uniform(Initializer):
    """Initialize weights from U(-scale, scale).

    Parameters
    ----------
    scale : float, default 0.07
        Bound of the sampling range.
    """

    def __init__(self, scale: float = 0.07) -> None:
        super().__init__(scale=scale)
        self.scale = scale

    def _init_weight(self, _, arr: NDArray) -> None:
        _fill_uniform(arr, -self.scale, self.scale)


@register
class Normal(Initializer):
    """Initialize weights from N(0, sigma).

    Parameters
    ----------
    sigma : float, default 0.01
        Standard deviation.
    """

    def __init__(self, sigma: float = 0.01) -> None:
        super().__init__(sigma=sigma)
        self.sigma = sigma

    def _init_weight(self, _, arr: NDArray) -> None:
        _fill_normal(arr, 0.0, self.sigma)


@register
class Orthogonal(Initializer):
    """Initialize weights as a scaled orthogonal matrix (Saxe et al., 2013).

    Parameters
    ----------
    scale : float, default 1.414
        Scale of the orthogonal matrix.
    rand_type : {'uniform', 'normal'}, default 'uniform'
        Distribution of the random matrix that is orthogonalized.
    """

    def __init__(self, scale: float = 1.414, rand_type: str = "uniform") -> None:
        super().__init__(scale=scale, rand_type=rand_type)
        self.scale = scale
        self.rand_type = rand_type

    def _init_weight(self, name, arr: NDArray) -> None:
        if arr.ndim < 1:
            raise ValueError(
                f"Orthogonal initializer cannot be applied to scalar {name}."
            )
        rows = arr.shape[0]
        cols = int(np.prod(arr.shape[1:]))
        tmp = nd.zeros((rows, cols), ctx=arr.context)
        if self.rand_type == "uniform":
            _fill_uniform(tmp, -1.0, 1.0)
        elif self.rand_type == "normal":
            _fill_normal(tmp, 0.0, 1.0)
        else:
            raise ValueError(
                f"Orthogonal: unknown rand_type {self.rand_type!r}; expected 'uniform' "
                "or 'normal'."
            )
        tmp_np = tmp.asnumpy()
        u, _, v = np.linalg.svd(tmp_np, full_matrices=False)
        res = u if u.shape == tmp_np.shape else v
        arr[:] = self.scale * res.reshape(arr.shape)


@register
class Xavier(Initializer):
    """ "Xavier" initialization (Glorot & Bengio, 2010).

    ``hw = prod(shape[2:])``, ``fan_in = shape[1] * hw``, ``fan_out = shape[0] * hw``;
    ``factor`` is ``(fan_in + fan_out) / 2`` (``'avg'``), ``fan_in`` (``'in'``)
    or ``fan_out`` (``'out'``); ``scale = sqrt(magnitude / factor)``. Samples
    U(-scale, scale) (``rnd_type='uniform'``) or N(0, scale) (``'gaussian'``).

    Parameters
    ----------
    rnd_type : {'uniform', 'gaussian'}, default 'uniform'
    factor_type : {'avg', 'in', 'out'}, default 'avg'
    magnitude : float, default 3
    """

    def __init__(
        self, rnd_type: str = "uniform", factor_type: str = "avg", magnitude=3
    ) -> None:
        super().__init__(
            rnd_type=rnd_type, factor_type=factor_type, magnitude=magnitude
        )
        self.rnd_type = rnd_type
        self.factor_type = factor_type
        self.magnitude = float(magnitude)

    def _scale(self, name, shape: tuple[int, ...]) -> float:
        if len(shape) < 2:
            raise ValueError(
                f"Xavier initializer cannot be applied to vector {name}. It requires at "
                "least 2D."
            )
        hw_scale = float(np.prod(shape[2:])) if len(shape) > 2 else 1.0
        fan_in, fan_out = shape[1] * hw_scale, shape[0] * hw_scale
        if self.factor_type == "avg":
            factor = (fan_in + fan_out) / 2.0
        elif self.factor_type == "in":
            factor = fan_in
        elif self.factor_type == "out":
            factor = fan_out
        else:
            raise ValueError(
                f"Incorrect factor type {self.factor_type!r} for {name}; expected "
                "'avg', 'in' or 'out'."
            )
        return float(np.sqrt(self.magnitude / factor))

    def _init_weight(self, name, arr: NDArray) -> None:
        scale = self._scale(name, arr.shape)
        if self.rnd_type == "uniform":
            _fill_uniform(arr, -scale, scale)
        elif self.rnd_type == "gaussian":
            _fill_normal(arr, 0.0, scale)
        else:
            raise ValueError(
                f"Unknown random type {self.rnd_type!r} for {name}; expected 'uniform' "
                "or 'gaussian'."
            )


@register
class MSRAPrelu(Xavier):
    """MSRA / He initialization for PReLU nets (He et al., 2015).

    Same as ``Xavier('gaussian', factor_type, magnitude=2 / (1 + slope**2))``.

    Parameters
    ----------
    factor_type : {'avg', 'in', 'out'}, default 'avg'
    slope : float, default 0.25
        Initial slope of the PReLU nonlinearities.
    """

    def __init__(self, factor_type: str = "avg", slope: float = 0.25) -> None:
        magnitude = 2.0 / (1 + slope**2)
        super().__init__("gaussian", factor_type, magnitude)
        self._kwargs = {"factor_type": factor_type, "slope": slope}


@register
class Bilinear(Initializer):
    """Bilinear upsampling kernel for ``Deconvolution`` weights (4-D)."""

    def __init__(self) -> None:
        super().__init__()

    def _init_weight(self, _, arr: NDArray) -> None:
        arr[:] = _bilinear_kernel(arr.shape)


@register
class LSTMBias(Initializer):
    """LSTM bias: 0 except the forget gate (gate order i, f, c, o) = ``forget_bias``.

    Parameters
    ----------
    forget_bias : float, default 1.0
    """

    def __init__(self, forget_bias: float = 1.0) -> None:
        super().__init__(forget_bias=forget_bias)
        self.forget_bias = forget_bias

    def _init_weight(self, name, arr: NDArray) -> None:
        arr[:] = 0.0
        num_hidden = int(arr.shape[0] / 4)
        arr[num_hidden : 2 * num_hidden] = self.forget_bias


_RNN_GATES = {
    "rnn_relu": [""],
    "rnn_tanh": [""],
    "lstm": ["_i", "_f", "_c", "_o"],
    "gru": ["_r", "_z", "_o"],
}


def _fused_rnn_slices(mode, num_layers, bidirectional, num_input, h):
    """(name, start, shape) of each piece of a fused (cuDNN layout) RNN vector."""
    gates = _RNN_GATES[mode]
    dirs = ["l", "r"] if bidirectional else ["l"]
    b = len(dirs)
    out, p = [], 0
    for layer in range(num_layers):
        for d in dirs:
            for g in gates:
                shape = (h, b * h) if layer > 0 else (h, num_input)
                out.append((f"{d}{layer}_i2h{g}_weight", p, shape))
                p += shape[0] * shape[1]
            for g in gates:
                out.append((f"{d}{layer}_h2h{g}_weight", p, (h, h)))
                p += h * h
    for layer in range(num_layers):
        for d in dirs:
            for kind in ("i2h", "h2h"):
                for g in gates:
                    out.append((f"{d}{layer}_{kind}{g}_bias", p, (h,)))
                    p += h
    return out, p


@register
class FusedRNN(Initializer):
    """Initialize a fused RNN parameter vector piece by piece.

    The vector is unpacked into per-gate weights and biases
    (``l0_i2h_i_weight``...); each piece is initialized by ``init`` (or the
    global initializer when ``init`` is None) with the suffix rules, and the LSTM
    forget-gate biases (``*_f_bias``) are set to ``forget_bias``.

    Parameters
    ----------
    init : Initializer, str or None
    num_hidden : int
    num_layers : int
    mode : {'rnn_relu', 'rnn_tanh', 'lstm', 'gru'}
    bidirectional : bool, default False
    forget_bias : float, default 1.0
    """

    def __init__(
        self,
        init,
        num_hidden: int,
        num_layers: int,
        mode: str,
        bidirectional: bool = False,
        forget_bias: float = 1.0,
    ) -> None:
        if isinstance(init, str):
            init = create(init)
        if mode not in _RNN_GATES:
            raise ValueError(
                f"FusedRNN: unknown mode {mode!r}; expected one of {sorted(_RNN_GATES)}."
            )
        super().__init__(
            init=init.dumps() if init is not None else None,
            num_hidden=num_hidden,
            num_layers=num_layers,
            mode=mode,
            bidirectional=bidirectional,
            forget_bias=forget_bias,
        )
        self._init = init
        self._num_hidden = num_hidden
        self._num_layers = num_layers
        self._mode = mode
        self._bidirectional = bidirectional
        self._forget_bias = forget_bias

    def _init_weight(self, desc, arr: NDArray) -> None:
        b = 2 if self._bidirectional else 1
        m = len(_RNN_GATES[self._mode])
        h = self._num_hidden
        num_input = (
            arr.size // b // h // m - (self._num_layers - 1) * (h + b * h + 2) - h - 2
        )
        pieces, total = _fused_rnn_slices(
            self._mode, self._num_layers, self._bidirectional, num_input, h
        )
        if total != arr.size or arr.ndim != 1:
            raise ValueError(
                f"FusedRNN: parameter {desc} has shape {arr.shape}, which is not a "
                f"fused {self._mode} vector for num_hidden={h}, "
                f"num_layers={self._num_layers}, bidirectional={self._bidirectional}."
            )
        global_init = getattr(desc, "global_init", None)
        for name, start, shape in pieces:
            size = int(np.prod(shape))
            piece = arr[start : start + size].reshape(shape).copy()
            piece_desc = InitDesc(name, global_init=global_init)
            if self._mode == "lstm" and name.endswith("_f_bias"):
                piece[:] = self._forget_bias
            elif self._init is None:
                if global_init is None:
                    raise ValueError(
                        f"FusedRNN(init=None) on {desc} needs a global initializer; "
                        "call it through Initializer.__call__ with an InitDesc."
                    )
                global_init(piece_desc, piece)
            else:
                self._init(piece_desc, piece)
            arr[start : start + size] = piece.reshape((size,))
