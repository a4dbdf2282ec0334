"""Convolution, transposed convolution, pooling and reflection padding layers.

Each layer is a thin class over :class:`_Conv` (MXNet's ``Convolution`` /
``Deconvolution`` operators) or :class:`_Pooling` (``Pooling``): its
constructor has MXNet 1.9.1's signature and defaults, checks the layout and
normalizes the window to one int per spatial axis.
"""

from __future__ import annotations

from ...base import numeric_types
from ..block import HybridBlock
from .activations import Activation

__all__ = [
    "Conv1D",
    "Conv2D",
    "Conv3D",
    "Conv1DTranspose",
    "Conv2DTranspose",
    "Conv3DTranspose",
    "MaxPool1D",
    "MaxPool2D",
    "MaxPool3D",
    "AvgPool1D",
    "AvgPool2D",
    "AvgPool3D",
    "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    "GlobalMaxPool3D",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalAvgPool3D",
    "ReflectionPad2D",
]


def _tuple(name: str, cls: str, value, n: int) -> tuple:
    """Broadcast an int to ``n`` dims; check a sequence has ``n`` entries."""
    if isinstance(value, numeric_types):
        return (int(value),) * n
    value = tuple(value)
    if len(value) != n:
        raise ValueError(
            f"{cls}: {name} must be a number or a list of {n} ints, got {value!r}."
        )
    return value


def _check_layout(cls: str, layout: str, allowed: tuple[str, ...]) -> None:
    if layout not in allowed:
        raise ValueError(
            f"{cls}: layout {layout!r} is not supported; use one of {list(allowed)}."
        )


def _weight_shape(op_name, layout, channels, in_channels, groups, kernel):
    """MXNet's weight layout: Conv ``(O, I/g, *k)`` (NHWC ``(O, *k, I/g)``);
    Deconv ``(I, O/g, *k)`` (NHWC ``(I, *k, O/g)``); unknown ``I`` stays 0."""
    if op_name == "Convolution":
        first, second = channels, in_channels // groups if in_channels else 0
    else:
        first, second = in_channels, channels // groups
    if layout.find("C") == 1:
        return (first, second, *kernel)
    return (first, *kernel, second)


class _Conv(HybridBlock):
    """Shared implementation of the convolution layers."""

    def __init__(
        self,
        channels,
        kernel_size,
        strides,
        padding,
        dilation,
        groups,
        layout,
        in_channels=0,
        activation=None,
        use_bias=True,
        weight_initializer=None,
        bias_initializer="zeros",
        op_name="Convolution",
        adj=None,
        prefix=None,
        params=None,
    ) -> None:
        super().__init__(prefix=prefix, params=params)
        cls = type(self).__name__
        n = len(kernel_size)
        with self.name_scope():
            self._channels = channels
            self._in_channels = in_channels
            strides = _tuple("strides", cls, strides, n)
            padding = _tuple("padding", cls, padding, n)
            dilation = _tuple("dilation", cls, dilation, n)
            if in_channels and in_channels % groups:
                raise ValueError(
                    f"{cls}: in_channels={in_channels} is not divisible by "
                    f"groups={groups}."
                )
            if channels % groups:
                raise ValueError(
                    f"{cls}: channels={channels} is not divisible by groups={groups}."
                )
            self._op_name = op_name
            self._kwargs = {
                "kernel": tuple(kernel_size),
                "stride": strides,
                "dilate": dilation,
                "pad": padding,
                "num_filter": channels,
                "num_group": groups,
                "no_bias": not use_bias,
                "layout": layout,
            }
            if adj is not None:
                self._kwargs["adj"] = adj
            wshape = _weight_shape(
                op_name, layout, channels, in_channels, groups, kernel_size
            )
            self.weight = self.params.get(
                "weight",
                shape=wshape,
                init=weight_initializer,
                allow_deferred_init=True,
            )
            if use_bias:
                self.bias = self.params.get(
                    "bias",
                    shape=(channels,),
                    init=bias_initializer,
                    allow_deferred_init=True,
                )
            else:
                self.bias = None
            if activation is not None:
                self.act = Activation(activation, prefix=activation + "_")
            else:
                self.act = None

    def hybrid_forward(self, F, x, weight, bias=None):
        op = getattr(F, self._op_name)
        if bias is None:
            act = op(x, weight, name="fwd", **self._kwargs)
        else:
            act = op(x, weight, bias, name="fwd", **self._kwargs)
        if self.act is not None:
            act = self.act(act)
        return act

    def _alias(self) -> str:
        return "conv"

    def __repr__(self) -> str:
        k = self._kwargs
        n = len(k["kernel"])
        s = f"{type(self).__name__}({{mapping}}, kernel_size={k['kernel']}, "
        s += f"stride={k['stride']}"
        if k["pad"] != (0,) * n:
            s += f", padding={k['pad']}"
        if k["dilate"] != (1,) * n:
            s += f", dilation={k['dilate']}"
        # MXNet tests hasattr(self, 'out_pad') but stores 'outpad', so the
        # output padding never shows; we print what MXNet prints.
        if k["num_group"] != 1:
            s += f", groups={k['num_group']}"
        if self.bias is None:
            s += ", bias=False"
        if self.act:
            s += f", {self.act}"
        s += ")"
        # MXNet prints weight.shape[1] -> weight.shape[0] for every layout.
        shape = self.weight.shape
        mapping = f"{shape[1] if shape[1] else None} -> {shape[0]}"
        return s.format(mapping=mapping)


def _kernel(cls: str, layout: str, layouts: tuple[str, ...], kernel_size, n: int):
    """Check ``layout`` against the class's ``layouts``; ``kernel_size`` as n ints."""
    _check_layout(cls, layout, layouts)
    return _tuple("kernel_size", cls, kernel_size, n)


class Conv1D(_Conv):
    """1-D convolution over ``(batch, channels, width)`` input.

    Slides ``channels`` filters of ``kernel_size`` over the width axis, adds the
    bias and applies ``activation`` if given. The weight has shape
    ``(channels, in_channels // groups, kernel)``.

    Parameters
    ----------
    channels : int
        Number of output channels (filters).
    kernel_size : int or tuple of 1 int
        Width of the filters.
    strides : int or tuple of 1 int, default 1
        Step between filter positions.
    padding : int or tuple of 1 int, default 0
        Zeros added on both sides of the width axis.
    dilation : int or tuple of 1 int, default 1
        Spacing between filter taps.
    groups : int, default 1
        Split input and output channels into this many independent groups;
        both counts must be divisible by it.
    layout : str, default 'NCW'
        Input layout; only ``'NCW'``.
    activation : str, optional
        Activation applied to the output (see :class:`Activation`).
    use_bias : bool, default True
        Whether the layer has a bias.
    weight_initializer : str or Initializer, optional
        Initializer of the weight (the global one when None).
    bias_initializer : str or Initializer, default 'zeros'
        Initializer of the bias.
    in_channels : int, default 0
        Input channels; 0 leaves them to be inferred at the first forward.

    Shapes: input ``(N, in_channels, W)``, output ``(N, channels, W_out)`` with
    ``W_out = floor((W + 2*padding - dilation*(kernel_size-1) - 1) / strides) + 1``.
    """

    def __init__(
        self,
        channels: int,
        kernel_size,
        strides=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        layout: str = "NCW",
        activation: str | None = None,
        use_bias: bool = True,
        weight_initializer=None,
        bias_initializer="zeros",
        in_channels: int = 0,
        **kwargs,
    ) -> None:
        kernel = _kernel("Conv1D", layout, ("NCW",), kernel_size, 1)
        super().__init__(
            channels,
            kernel,
            strides,
            padding,
            dilation,
            groups,
            layout,
            in_channels,
            activation,
            use_bias,
            weight_initializer,
            bias_initializer,
            **kwargs,
        )


class Conv2D(_Conv):
    """2-D convolution over images (``NCHW`` by default).

    Slides ``channels`` filters of ``kernel_size`` over height and width, adds
    the bias and applies ``activation`` if given. The weight has shape
    ``(channels, in_channels // groups, kh, kw)`` (``NHWC``:
    ``(channels, kh, kw, in_channels // groups)``).

    Parameters
    ----------
    channels : int
        Number of output channels (filters).
    kernel_size : int or tuple of 2 ints
        Filter height and width.
    strides : int or tuple of 2 ints, default (1, 1)
        Step between filter positions.
    padding : int or tuple of 2 ints, default (0, 0)
        Zeros added on both sides of each spatial axis.
    dilation : int or tuple of 2 ints, default (1, 1)
        Spacing between filter taps.
    groups : int, default 1
        Split input and output channels into this many independent groups
        (``groups == in_channels == channels`` is a depthwise convolution).
    layout : str, default 'NCHW'
        ``'NCHW'`` or ``'NHWC'``.
    activation : str, optional
        Activation applied to the output (see :class:`Activation`).
    use_bias : bool, default True
        Whether the layer has a bias.
    weight_initializer : str or Initializer, optional
        Initializer of the weight (the global one when None).
    bias_initializer : str or Initializer, default 'zeros'
        Initializer of the bias.
    in_channels : int, default 0
        Input channels; 0 leaves them to be inferred at the first forward.

    Shapes: input ``(N, in_channels, H, W)``, output ``(N, channels, H_out,
    W_out)`` where each spatial size is
    ``floor((size + 2*padding - dilation*(kernel-1) - 1) / stride) + 1``.

    Examples
    --------
    >>> import neogluon as mx
    >>> conv = mx.gluon.nn.Conv2D(8, kernel_size=3, padding=1)
    >>> conv.initialize()
    >>> conv(mx.nd.ones((1, 3, 5, 5))).shape
    (1, 8, 5, 5)
    """

    def __init__(
        self,
        channels: int,
        kernel_size,
        strides=(1, 1),
        padding=(0, 0),
        dilation=(1, 1),
        groups: int = 1,
        layout: str = "NCHW",
        activation: str | None = None,
        use_bias: bool = True,
        weight_initializer=None,
        bias_initializer="zeros",
        in_channels: int = 0,
        **kwargs,
    ) -> None:
        kernel = _kernel("Conv2D", layout, ("NCHW", "NHWC"), kernel_size, 2)
        super().__init__(
            channels,
            kernel,
            strides,
            padding,
            dilation,
            groups,
            layout,
            in_channels,
            activation,
            use_bias,
            weight_initializer,
            bias_initializer,
            **kwargs,
        )


class Conv3D(_Conv):
    """3-D convolution over volumes (``NCDHW`` by default).

    Slides ``channels`` filters of ``kernel_size`` over depth, height and
    width, adds the bias and applies ``activation`` if given. The weight has
    shape ``(channels, in_channels // groups, kd, kh, kw)`` (``NDHWC``:
    ``(channels, kd, kh, kw, in_channels // groups)``).

    Parameters
    ----------
    channels : int
        Number of output channels (filters).
    kernel_size : int or tuple of 3 ints
        Filter depth, height and width.
    strides : int or tuple of 3 ints, default (1, 1, 1)
        Step between filter positions.
    padding : int or tuple of 3 ints, default (0, 0, 0)
        Zeros added on both sides of each spatial axis.
    dilation : int or tuple of 3 ints, default (1, 1, 1)
        Spacing between filter taps.
    groups : int, default 1
        Split input and output channels into this many independent groups.
    layout : str, default 'NCDHW'
        ``'NCDHW'`` or ``'NDHWC'``.
    activation : str, optional
        Activation applied to the output (see :class:`Activation`).
    use_bias : bool, default True
        Whether the layer has a bias.
    weight_initializer : str or Initializer, optional
        Initializer of the weight (the global one when None).
    bias_initializer : str or Initializer, default 'zeros'
        Initializer of the bias.
    in_channels : int, default 0
        Input channels; 0 leaves them to be inferred at the first forward.

    Shapes: input ``(N, in_channels, D, H, W)``, output ``(N, channels, D_out,
    H_out, W_out)`` where each spatial size is
    ``floor((size + 2*padding - dilation*(kernel-1) - 1) / stride) + 1``.
    """

    def __init__(
        self,
        channels: int,
        kernel_size,
        strides=(1, 1, 1),
        padding=(0, 0, 0),
        dilation=(1, 1, 1),
        groups: int = 1,
        layout: str = "NCDHW",
        activation: str | None = None,
        use_bias: bool = True,
        weight_initializer=None,
        bias_initializer="zeros",
        in_channels: int = 0,
        **kwargs,
    ) -> None:
        kernel = _kernel("Conv3D", layout, ("NCDHW", "NDHWC"), kernel_size, 3)
        super().__init__(
            channels,
            kernel,
            strides,
            padding,
            dilation,
            groups,
            layout,
            in_channels,
            activation,
            use_bias,
            weight_initializer,
            bias_initializer,
            **kwargs,
        )


class Conv1DTranspose(_Conv):
    """1-D transposed convolution, the gradient of :class:`Conv1D`
    with respect to its input.

    Each input position scatters a ``kernel_size`` filter into the output, so
    the spatial size grows: MXNet's ``Deconvolution`` operator. The weight has
    shape ``(in_channels, channels // groups, kernel)``.

    Parameters
    ----------
    channels : int
        Number of output channels.
    kernel_size : int or tuple of 1 int
        Filter size along the width.
    strides : int or tuple of 1 int, default 1
        Upsampling step.
    padding : int or tuple of 1 int, default 0
        Removed from both sides of each spatial axis of the output.
    output_padding : int or tuple of 1 int, default 0
        Extra size added on one side of each spatial axis of the output, to
        pick among the sizes a strided convolution maps to the same input.
    dilation : int or tuple of 1 int, default 1
        Spacing between filter taps.
    groups : int, default 1
        Split input and output channels into this many independent groups.
    layout : str, default 'NCW'
        Input layout; only ``'NCW'``.
    activation : str, optional
        Activation applied to the output (see :class:`Activation`).
    use_bias : bool, default True
        Whether the layer has a bias.
    weight_initializer : str or Initializer, optional
        Initializer of the weight (the global one when None).
    bias_initializer : str or Initializer, default 'zeros'
        Initializer of the bias.
    in_channels : int, default 0
        Input channels; 0 leaves them to be inferred at the first forward.

    Shapes: input ``(N, in_channels, W)``, output ``(N, channels, W_out)``
    where each spatial size is ``(size-1)*stride - 2*padding +
    dilation*(kernel-1) + output_padding + 1``.
    """

    def __init__(
        self,
        channels: int,
        kernel_size,
        strides=1,
        padding=0,
        output_padding=0,
        dilation=1,
        groups: int = 1,
        layout: str = "NCW",
        activation: str | None = None,
        use_bias: bool = True,
        weight_initializer=None,
        bias_initializer="zeros",
        in_channels: int = 0,
        **kwargs,
    ) -> None:
        kernel = _kernel("Conv1DTranspose", layout, ("NCW",), kernel_size, 1)
        output_padding = _tuple("output_padding", "Conv1DTranspose", output_padding, 1)
        super().__init__(
            channels,
            kernel,
            strides,
            padding,
            dilation,
            groups,
            layout,
            in_channels,
            activation,
            use_bias,
            weight_initializer,
            bias_initializer,
            op_name=kwargs.pop("op_name", "Deconvolution"),
            adj=output_padding,
            **kwargs,
        )
        self.outpad = output_padding


class Conv2DTranspose(_Conv):
    """2-D transposed convolution, the gradient of :class:`Conv2D`
    with respect to its input.

    Each input position scatters a ``kernel_size`` filter into the output, so
    the spatial size grows: MXNet's ``Deconvolution`` operator. The weight has
    shape ``(in_channels, channels // groups, kh, kw)`` (``NHWC``: ``(in_channels, kh, kw, channels // groups)``).

    Parameters
    ----------
    channels : int
        Number of output channels.
    kernel_size : int or tuple of 2 ints
        Filter size: height and width.
    strides : int or tuple of 2 ints, default (1, 1)
        Upsampling step.
    padding : int or tuple of 2 ints, default (0, 0)
        Removed from both sides of each spatial axis of the output.
    output_padding : int or tuple of 2 ints, default (0, 0)
        Extra size added on one side of each spatial axis of the output, to
        pick among the sizes a strided convolution maps to the same input.
    dilation : int or tuple of 2 ints, default (1, 1)
        Spacing between filter taps.
    groups : int, default 1
        Split input and output channels into this many independent groups.
    layout : str, default 'NCHW'
        ``'NCHW'`` or ``'NHWC'``.
    activation : str, optional
        Activation applied to the output (see :class:`Activation`).
    use_bias : bool, default True
        Whether the layer has a bias.
    weight_initializer : str or Initializer, optional
        Initializer of the weight (the global one when None).
    bias_initializer : str or Initializer, default 'zeros'
        Initializer of the bias.
    in_channels : int, default 0
        Input channels; 0 leaves them to be inferred at the first forward.

    Shapes: input ``(N, in_channels, H, W)``, output ``(N, channels, H_out, W_out)``
    where each spatial size is ``(size-1)*stride - 2*padding +
    dilation*(kernel-1) + output_padding + 1``.
    """

    def __init__(
        self,
        channels: int,
        kernel_size,
        strides=(1, 1),
        padding=(0, 0),
        output_padding=(0, 0),
        dilation=(1, 1),
        groups: int = 1,
        layout: str = "NCHW",
        activation: str | None = None,
        use_bias: bool = True,
        weight_initializer=None,
        bias_initializer="zeros",
        in_channels: int = 0,
        **kwargs,
    ) -> None:
        kernel = _kernel("Conv2DTranspose", layout, ("NCHW", "NHWC"), kernel_size, 2)
        output_padding = _tuple("output_padding", "Conv2DTranspose", output_padding, 2)
        super().__init__(
            channels,
            kernel,
            strides,
            padding,
            dilation,
            groups,
            layout,
            in_channels,
            activation,
            use_bias,
            weight_initializer,
            bias_initializer,
            op_name=kwargs.pop("op_name", "Deconvolution"),
            adj=output_padding,
            **kwargs,
        )
        self.outpad = output_padding


class Conv3DTranspose(_Conv):
    """3-D transposed convolution, the gradient of :class:`Conv3D`
    with respect to its input.

    Each input position scatters a ``kernel_size`` filter into the output, so
    the spatial size grows: MXNet's ``Deconvolution`` operator. The weight has
    shape ``(in_channels, channels // groups, kd, kh, kw)`` (``NDHWC``: ``(in_channels, kd, kh, kw, channels // groups)``).

    Parameters
    ----------
    channels : int
        Number of output channels.
    kernel_size : int or tuple of 3 ints
        Filter size: depth, height and width.
    strides : int or tuple of 3 ints, default (1, 1, 1)
        Upsampling step.
    padding : int or tuple of 3 ints, default (0, 0, 0)
        Removed from both sides of each spatial axis of the output.
    output_padding : int or tuple of 3 ints, default (0, 0, 0)
        Extra size added on one side of each spatial axis of the output, to
        pick among the sizes a strided convolution maps to the same input.
    dilation : int or tuple of 3 ints, default (1, 1, 1)
        Spacing between filter taps.
    groups : int, default 1
        Split input and output channels into this many independent groups.
    layout : str, default 'NCDHW'
        ``'NCDHW'`` or ``'NDHWC'``.
    activation : str, optional
        Activation applied to the output (see :class:`Activation`).
    use_bias : bool, default True
        Whether the layer has a bias.
    weight_initializer : str or Initializer, optional
        Initializer of the weight (the global one when None).
    bias_initializer : str or Initializer, default 'zeros'
        Initializer of the bias.
    in_channels : int, default 0
        Input channels; 0 leaves them to be inferred at the first forward.

    Shapes: input ``(N, in_channels, D, H, W)``, output ``(N, channels, D_out, H_out, W_out)``
    where each spatial size is ``(size-1)*stride - 2*padding +
    dilation*(kernel-1) + output_padding + 1``.
    """

    def __init__(
        self,
        channels: int,
        kernel_size,
        strides=(1, 1, 1),
        padding=(0, 0, 0),
        output_padding=(0, 0, 0),
        dilation=(1, 1, 1),
        groups: int = 1,
        layout: str = "NCDHW",
        activation: str | None = None,
        use_bias: bool = True,
        weight_initializer=None,
        bias_initializer="zeros",
        in_channels: int = 0,
        **kwargs,
    ) -> None:
        kernel = _kernel("Conv3DTranspose", layout, ("NCDHW", "NDHWC"), kernel_size, 3)
        output_padding = _tuple("output_padding", "Conv3DTranspose", output_padding, 3)
        super().__init__(
            channels,
            kernel,
            strides,
            padding,
            dilation,
            groups,
            layout,
            in_channels,
            activation,
            use_bias,
            weight_initializer,
            bias_initializer,
            op_name=kwargs.pop("op_name", "Deconvolution"),
            adj=output_padding,
            **kwargs,
        )
        self.outpad = output_padding


class _Pooling(HybridBlock):
    """Shared implementation of the pooling layers."""

    def __init__(
        self,
        pool_size,
        strides,
        padding,
        ceil_mode,
        global_pool,
        pool_type,
        layout,
        count_include_pad=None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        cls = type(self).__name__
        n = len(pool_size)
        if strides is None:
            strides = pool_size
        strides = _tuple("strides", cls, strides, n)
        padding = _tuple("padding", cls, padding, n)
        self._kwargs = {
            "kernel": tuple(pool_size),
            "stride": strides,
            "pad": padding,
            "global_pool": global_pool,
            "pool_type": pool_type,
            "layout": layout,
            "pooling_convention": "full" if ceil_mode else "valid",
        }
        if count_include_pad is not None:
            self._kwargs["count_include_pad"] = count_include_pad

    def _alias(self) -> str:
        return "pool"

    def hybrid_forward(self, F, x):
        return F.Pooling(x, name="fwd", **self._kwargs)

    def __repr__(self) -> str:
        k = self._kwargs
        return (
            f"{type(self).__name__}(size={k['kernel']}, stride={k['stride']}, "
            f"padding={k['pad']}, ceil_mode={k['pooling_convention'] == 'full'}, "
            f"global_pool={k['global_pool']}, pool_type={k['pool_type']}, "
            f"layout={k['layout']})"
        )


_LAYOUTS = {1: ("NCW", "NWC"), 2: ("NCHW", "NHWC"), 3: ("NCDHW", "NDHWC")}


def _window(cls: str, n: int, layout: str, pool_size) -> tuple:
    """Check a pooling ``layout`` for ``n`` spatial dims; ``pool_size`` as n ints."""
    layouts = _LAYOUTS[n]
    if layout not in layouts:
        raise ValueError(
            f"Only {' and '.join(layouts)} layouts are valid for {n}D Pooling; "
            f"{cls} got layout={layout!r}."
        )
    return _tuple("pool_size", cls, pool_size, n)


class MaxPool1D(_Pooling):
    """1-D max pooling: the maximum of each ``pool_size`` window over
    the width axis.

    Parameters
    ----------
    pool_size : int or tuple of 1 int, default 2
        Window size.
    strides : int or tuple of 1 int, optional
        Step between windows; ``None`` (default) means ``pool_size``.
    padding : int or tuple of 1 int, default 0
        Padding added on both sides of each spatial axis.
    layout : str, default 'NCW'
        ``'NCW'`` or ``'NWC'``.
    ceil_mode : bool, default False
        ``True`` rounds the output size up (MXNet's ``'full'`` convention: a
        last window that starts inside the input or padding is kept);
        ``False`` rounds down (``'valid'``).

    Shapes: input ``(N, C, W)``, output ``(N, C, W_out)`` where each
    spatial size is ``floor((size + 2*padding - pool_size) / stride) + 1``
    (``ceil`` with ``ceil_mode=True``).
    """

    def __init__(
        self,
        pool_size=2,
        strides=None,
        padding=0,
        layout: str = "NCW",
        ceil_mode: bool = False,
        **kwargs,
    ) -> None:
        pool_size = _window("MaxPool1D", 1, layout, pool_size)
        super().__init__(
            pool_size, strides, padding, ceil_mode, False, "max", layout, **kwargs
        )


class MaxPool2D(_Pooling):
    """2-D max pooling: the maximum of each ``pool_size`` window over
    height and width.

    Parameters
    ----------
    pool_size : int or tuple of 2 ints, default (2, 2)
        Window size.
    strides : int or tuple of 2 ints, optional
        Step between windows; ``None`` (default) means ``pool_size``.
    padding : int or tuple of 2 ints, default 0
        Padding added on both sides of each spatial axis.
    layout : str, default 'NCHW'
        ``'NCHW'`` or ``'NHWC'``.
    ceil_mode : bool, default False
        ``True`` rounds the output size up (MXNet's ``'full'`` convention: a
        last window that starts inside the input or padding is kept);
        ``False`` rounds down (``'valid'``).

    Shapes: input ``(N, C, H, W)``, output ``(N, C, H_out, W_out)`` where each
    spatial size is ``floor((size + 2*padding - pool_size) / stride) + 1``
    (``ceil`` with ``ceil_mode=True``).
    """

    def __init__(
        self,
        pool_size=(2, 2),
        strides=None,
        padding=0,
        layout: str = "NCHW",
        ceil_mode: bool = False,
        **kwargs,
    ) -> None:
        pool_size = _window("MaxPool2D", 2, layout, pool_size)
        super().__init__(
            pool_size, strides, padding, ceil_mode, False, "max", layout, **kwargs
        )


class MaxPool3D(_Pooling):
    """3-D max pooling: the maximum of each ``pool_size`` window over
    depth, height and width.

    Parameters
    ----------
    pool_size : int or tuple of 3 ints, default (2, 2, 2)
        Window size.
    strides : int or tuple of 3 ints, optional
        Step between windows; ``None`` (default) means ``pool_size``.
    padding : int or tuple of 3 ints, default 0
        Padding added on both sides of each spatial axis.
    ceil_mode : bool, default False
        ``True`` rounds the output size up (MXNet's ``'full'`` convention: a
        last window that starts inside the input or padding is kept);
        ``False`` rounds down (``'valid'``).
    layout : str, default 'NCDHW'
        ``'NCDHW'`` or ``'NDHWC'``.

    Shapes: input ``(N, C, D, H, W)``, output ``(N, C, D_out, H_out, W_out)`` where each
    spatial size is ``floor((size + 2*padding - pool_size) / stride) + 1``
    (``ceil`` with ``ceil_mode=True``).
    """

    def __init__(
        self,
        pool_size=(2, 2, 2),
        strides=None,
        padding=0,
        ceil_mode: bool = False,
        layout: str = "NCDHW",
        **kwargs,
    ) -> None:
        pool_size = _window("MaxPool3D", 3, layout, pool_size)
        super().__init__(
            pool_size, strides, padding, ceil_mode, False, "max", layout, **kwargs
        )


class AvgPool1D(_Pooling):
    """1-D average pooling: the average of each ``pool_size`` window over
    the width axis.

    Parameters
    ----------
    pool_size : int or tuple of 1 int, default 2
        Window size.
    strides : int or tuple of 1 int, optional
        Step between windows; ``None`` (default) means ``pool_size``.
    padding : int or tuple of 1 int, default 0
        Padding added on both sides of each spatial axis.
    layout : str, default 'NCW'
        ``'NCW'`` or ``'NWC'``.
    ceil_mode : bool, default False
        ``True`` rounds the output size up (MXNet's ``'full'`` convention: a
        last window that starts inside the input or padding is kept);
        ``False`` rounds down (``'valid'``).
    count_include_pad : bool, default True
        ``True`` divides every window by its full size, padding included;
        ``False`` by the number of input values it covers.

    Shapes: input ``(N, C, W)``, output ``(N, C, W_out)`` where each
    spatial size is ``floor((size + 2*padding - pool_size) / stride) + 1``
    (``ceil`` with ``ceil_mode=True``).
    """

    def __init__(
        self,
        pool_size=2,
        strides=None,
        padding=0,
        layout: str = "NCW",
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        **kwargs,
    ) -> None:
        pool_size = _window("AvgPool1D", 1, layout, pool_size)
        super().__init__(
            pool_size,
            strides,
            padding,
            ceil_mode,
            False,
            "avg",
            layout,
            count_include_pad,
            **kwargs,
        )


class AvgPool2D(_Pooling):
    """2-D average pooling: the average of each ``pool_size`` window over
    height and width.

    Parameters
    ----------
    pool_size : int or tuple of 2 ints, default (2, 2)
        Window size.
    strides : int or tuple of 2 ints, optional
        Step between windows; ``None`` (default) means ``pool_size``.
    padding : int or tuple of 2 ints, default 0
        Padding added on both sides of each spatial axis.
    ceil_mode : bool, default False
        ``True`` rounds the output size up (MXNet's ``'full'`` convention: a
        last window that starts inside the input or padding is kept);
        ``False`` rounds down (``'valid'``).
    layout : str, default 'NCHW'
        ``'NCHW'`` or ``'NHWC'``.
    count_include_pad : bool, default True
        ``True`` divides every window by its full size, padding included;
        ``False`` by the number of input values it covers.

    Shapes: input ``(N, C, H, W)``, output ``(N, C, H_out, W_out)`` where each
    spatial size is ``floor((size + 2*padding - pool_size) / stride) + 1``
    (``ceil`` with ``ceil_mode=True``).
    """

    def __init__(
        self,
        pool_size=(2, 2),
        strides=None,
        padding=0,
        ceil_mode: bool = False,
        layout: str = "NCHW",
        count_include_pad: bool = True,
        **kwargs,
    ) -> None:
        pool_size = _window("AvgPool2D", 2, layout, pool_size)
        super().__init__(
            pool_size,
            strides,
            padding,
            ceil_mode,
            False,
            "avg",
            layout,
            count_include_pad,
            **kwargs,
        )


class AvgPool3D(_Pooling):
    """3-D average pooling: the average of each ``pool_size`` window over
    depth, height and width.

    Parameters
    ----------
    pool_size : int or tuple of 3 ints, default (2, 2, 2)
        Window size.
    strides : int or tuple of 3 ints, optional
        Step between windows; ``None`` (default) means ``pool_size``.
    padding : int or tuple of 3 ints, default 0
        Padding added on both sides of each spatial axis.
    ceil_mode : bool, default False
        ``True`` rounds the output size up (MXNet's ``'full'`` convention: a
        last window that starts inside the input or padding is kept);
        ``False`` rounds down (``'valid'``).
    layout : str, default 'NCDHW'
        ``'NCDHW'`` or ``'NDHWC'``.
    count_include_pad : bool, default True
        ``True`` divides every window by its full size, padding included;
        ``False`` by the number of input values it covers.

    Shapes: input ``(N, C, D, H, W)``, output ``(N, C, D_out, H_out, W_out)`` where each
    spatial size is ``floor((size + 2*padding - pool_size) / stride) + 1``
    (``ceil`` with ``ceil_mode=True``).
    """

    def __init__(
        self,
        pool_size=(2, 2, 2),
        strides=None,
        padding=0,
        ceil_mode: bool = False,
        layout: str = "NCDHW",
        count_include_pad: bool = True,
        **kwargs,
    ) -> None:
        pool_size = _window("AvgPool3D", 3, layout, pool_size)
        super().__init__(
            pool_size,
            strides,
            padding,
            ceil_mode,
            False,
            "avg",
            layout,
            count_include_pad,
            **kwargs,
        )


class GlobalMaxPool1D(_Pooling):
    """Global 1-D max pooling: the maximum over all of the width axis.

    Parameters
    ----------
    layout : str, default 'NCW'
        ``'NCW'`` or ``'NWC'``.

    Shapes: input ``(N, C, W)``, output ``(N, C, 1)`` (the
    spatial axes are kept with size 1).
    """

    def __init__(self, layout: str = "NCW", **kwargs) -> None:
        size = _window("GlobalMaxPool1D", 1, layout, 1)
        super().__init__(size, None, 0, True, True, "max", layout, **kwargs)


class GlobalMaxPool2D(_Pooling):
    """Global 2-D max pooling: the maximum over all of height and width.

    Parameters
    ----------
    layout : str, default 'NCHW'
        ``'NCHW'`` or ``'NHWC'``.

    Shapes: input ``(N, C, H, W)``, output ``(N, C, 1, 1)`` (the
    spatial axes are kept with size 1).
    """

    def __init__(self, layout: str = "NCHW", **kwargs) -> None:
        size = _window("GlobalMaxPool2D", 2, layout, 1)
        super().__init__(size, None, 0, True, True, "max", layout, **kwargs)


class GlobalMaxPool3D(_Pooling):
    """Global 3-D max pooling: the maximum over all of depth, height and width.

    Parameters
    ----------
    layout : str, default 'NCDHW'
        ``'NCDHW'`` or ``'NDHWC'``.

    Shapes: input ``(N, C, D, H, W)``, output ``(N, C, 1, 1, 1)`` (the
    spatial axes are kept with size 1).
    """

    def __init__(self, layout: str = "NCDHW", **kwargs) -> None:
        size = _window("GlobalMaxPool3D", 3, layout, 1)
        super().__init__(size, None, 0, True, True, "max", layout, **kwargs)


class GlobalAvgPool1D(_Pooling):
    """Global 1-D average pooling: the average over all of the width axis.

    Parameters
    ----------
    layout : str, default 'NCW'
        ``'NCW'`` or ``'NWC'``.

    Shapes: input ``(N, C, W)``, output ``(N, C, 1)`` (the
    spatial axes are kept with size 1).
    """

    def __init__(self, layout: str = "NCW", **kwargs) -> None:
        size = _window("GlobalAvgPool1D", 1, layout, 1)
        super().__init__(size, None, 0, True, True, "avg", layout, **kwargs)


class GlobalAvgPool2D(_Pooling):
    """Global 2-D average pooling: the average over all of height and width.

    Parameters
    ----------
    layout : str, default 'NCHW'
        ``'NCHW'`` or ``'NHWC'``.

    Shapes: input ``(N, C, H, W)``, output ``(N, C, 1, 1)`` (the
    spatial axes are kept with size 1).
    """

    def __init__(self, layout: str = "NCHW", **kwargs) -> None:
        size = _window("GlobalAvgPool2D", 2, layout, 1)
        super().__init__(size, None, 0, True, True, "avg", layout, **kwargs)


class GlobalAvgPool3D(_Pooling):
    """Global 3-D average pooling: the average over all of depth, height and width.

    Parameters
    ----------
    layout : str, default 'NCDHW'
        ``'NCDHW'`` or ``'NDHWC'``.

    Shapes: input ``(N, C, D, H, W)``, output ``(N, C, 1, 1, 1)`` (the
    spatial axes are kept with size 1).
    """

    def __init__(self, layout: str = "NCDHW", **kwargs) -> None:
        size = _window("GlobalAvgPool3D", 3, layout, 1)
        super().__init__(size, None, 0, True, True, "avg", layout, **kwargs)


class ReflectionPad2D(HybridBlock):
    """Pads the two spatial axes of ``NCHW`` input by reflection (the border
    value is not repeated), as ``F.pad(x, mode='reflect')``.

    Parameters
    ----------
    padding : int or tuple of 8 ints, default 0
        An int ``p`` pads ``p`` on each side of height and width
        (``pad_width=(0, 0, 0, 0, p, p, p, p)``); 8 ints are the ``pad_width``
        itself (before/after for N, C, H, W; N and C must be 0).

    Shapes: input ``(N, C, H, W)``, output ``(N, C, H + 2p, W + 2p)``.
    """

    def __init__(self, padding=0, **kwargs) -> None:
        super().__init__(**kwargs)
        if isinstance(padding, numeric_types):
            padding = (0, 0, 0, 0, padding, padding, padding, padding)
        padding = tuple(padding)
        if len(padding) != 8:
            raise ValueError(
                f"ReflectionPad2D: padding must be an int or 8 ints (pad_width), got "
                f"{padding!r}."
            )
        self._padding = padding

    def hybrid_forward(self, F, x):
        return F.pad(x, mode="reflect", pad_width=self._padding)
