"""Convolution, transposed convolution, pooling and reflection padding layers."""

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


_CONV_DOC = """{n}-D {what} layer (MXNet weight layout {wl}).

    Parameters
    ----------
    channels : int
        Output channels.
    kernel_size : int or tuple of {n} ints
    strides, padding, dilation : int or tuple of {n} ints
    groups : int, default 1
    layout : str, default '{layout}'
    activation : str, optional
    use_bias : bool, default True
    weight_initializer, bias_initializer : Initializer or str
    in_channels : int, default 0 (inferred at the first forward)
    """


def _make_conv(name, n, layouts, transpose):
    # MXNet's defaults: 1 / 0 for 1-D layers, tuples for 2-D and 3-D.
    one = 1 if n == 1 else (1,) * n
    zero = 0 if n == 1 else (0,) * n
    op_name = "Deconvolution" if transpose else "Convolution"

    if transpose:

        def __init__(
            self,
            channels,
            kernel_size,
            strides=one,
            padding=zero,
            output_padding=zero,
            dilation=one,
            groups=1,
            layout=layouts[0],
            activation=None,
            use_bias=True,
            weight_initializer=None,
            bias_initializer="zeros",
            in_channels=0,
            **kwargs,
        ):
            _check_layout(name, layout, layouts)
            kernel_size = _tuple("kernel_size", name, kernel_size, n)
            output_padding = _tuple("output_padding", name, output_padding, n)
            op = kwargs.pop("op_name", op_name)
            _Conv.__init__(
                self,
                channels,
                kernel_size,
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
                op_name=op,
                adj=output_padding,
                **kwargs,
            )
            self.outpad = output_padding

    else:

        def __init__(
            self,
            channels,
            kernel_size,
            strides=one,
            padding=zero,
            dilation=one,
            groups=1,
            layout=layouts[0],
            activation=None,
            use_bias=True,
            weight_initializer=None,
            bias_initializer="zeros",
            in_channels=0,
            **kwargs,
        ):
            _check_layout(name, layout, layouts)
            kernel_size = _tuple("kernel_size", name, kernel_size, n)
            op = kwargs.pop("op_name", op_name)
            _Conv.__init__(
                self,
                channels,
                kernel_size,
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
                op,
                **kwargs,
            )

    wl = (
        "(in_channels, channels/groups, *kernel)"
        if transpose
        else ("(channels, in_channels/groups, *kernel)")
    )
    what = "transposed convolution" if transpose else "convolution"
    cls = type(
        name,
        (_Conv,),
        {
            "__init__": __init__,
            "__doc__": _CONV_DOC.format(n=n, what=what, wl=wl, layout=layouts[0]),
            "__module__": __name__,
        },
    )
    __init__.__qualname__ = f"{name}.__init__"
    return cls


Conv1D = _make_conv("Conv1D", 1, ("NCW",), False)
Conv2D = _make_conv("Conv2D", 2, ("NCHW", "NHWC"), False)
Conv3D = _make_conv("Conv3D", 3, ("NCDHW", "NDHWC"), False)
Conv1DTranspose = _make_conv("Conv1DTranspose", 1, ("NCW",), True)
Conv2DTranspose = _make_conv("Conv2DTranspose", 2, ("NCHW", "NHWC"), True)
Conv3DTranspose = _make_conv("Conv3DTranspose", 3, ("NCDHW", "NDHWC"), True)


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


def _make_pool(name, n, pool_type):
    layouts = _LAYOUTS[n]
    default = 2 if n == 1 else (2,) * n

    def _check(layout):
        if layout not in layouts:
            raise ValueError(
                f"Only {' and '.join(layouts)} layouts are valid for {n}D Pooling; "
                f"{name} got layout={layout!r}."
            )

    if pool_type == "max":

        def __init__(
            self,
            pool_size=default,
            strides=None,
            padding=0,
            layout=layouts[0],
            ceil_mode=False,
            **kwargs,
        ):
            _check(layout)
            pool_size = _tuple("pool_size", name, pool_size, n)
            _Pooling.__init__(
                self,
                pool_size,
                strides,
                padding,
                ceil_mode,
                False,
                "max",
                layout,
                **kwargs,
            )

        if n == 3:  # MaxPool3D puts ceil_mode before layout

            def __init__(  # noqa: F811
                self,
                pool_size=default,
                strides=None,
                padding=0,
                ceil_mode=False,
                layout=layouts[0],
                **kwargs,
            ):
                _check(layout)
                pool_size = _tuple("pool_size", name, pool_size, n)
                _Pooling.__init__(
                    self,
                    pool_size,
                    strides,
                    padding,
                    ceil_mode,
                    False,
                    "max",
                    layout,
                    **kwargs,
                )

    elif n == 1:

        def __init__(
            self,
            pool_size=default,
            strides=None,
            padding=0,
            layout=layouts[0],
            ceil_mode=False,
            count_include_pad=True,
            **kwargs,
        ):
            _check(layout)
            pool_size = _tuple("pool_size", name, pool_size, n)
            _Pooling.__init__(
                self,
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

    else:

        def __init__(
            self,
            pool_size=default,
            strides=None,
            padding=0,
            ceil_mode=False,
            layout=layouts[0],
            count_include_pad=True,
            **kwargs,
        ):
            _check(layout)
            pool_size = _tuple("pool_size", name, pool_size, n)
            _Pooling.__init__(
                self,
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

    __init__.__qualname__ = f"{name}.__init__"
    doc = (
        f"{n}-D {pool_type} pooling. ``strides=None`` means ``pool_size``; "
        "``ceil_mode=True`` uses MXNet's 'full' convention (a last window starting "
        "in the padding is kept)."
    )
    if pool_type == "avg":
        doc += " ``count_include_pad=True`` divides by the full window size."
    return type(
        name,
        (_Pooling,),
        {"__init__": __init__, "__doc__": doc, "__module__": __name__},
    )


def _make_global_pool(name, n, pool_type):
    layouts = _LAYOUTS[n]

    def __init__(self, layout=layouts[0], **kwargs):
        if layout not in layouts:
            raise ValueError(
                f"Only {' and '.join(layouts)} layouts are valid for {n}D Pooling; "
                f"{name} got layout={layout!r}."
            )
        _Pooling.__init__(
            self, (1,) * n, None, 0, True, True, pool_type, layout, **kwargs
        )

    __init__.__qualname__ = f"{name}.__init__"
    doc = f"Global {n}-D {pool_type} pooling; the output keeps size-1 spatial dims."
    return type(
        name,
        (_Pooling,),
        {"__init__": __init__, "__doc__": doc, "__module__": __name__},
    )


MaxPool1D = _make_pool("MaxPool1D", 1, "max")
MaxPool2D = _make_pool("MaxPool2D", 2, "max")
MaxPool3D = _make_pool("MaxPool3D", 3, "max")
AvgPool1D = _make_pool("AvgPool1D", 1, "avg")
AvgPool2D = _make_pool("AvgPool2D", 2, "avg")
AvgPool3D = _make_pool("AvgPool3D", 3, "avg")
GlobalMaxPool1D = _make_global_pool("GlobalMaxPool1D", 1, "max")
GlobalMaxPool2D = _make_global_pool("GlobalMaxPool2D", 2, "max")
GlobalMaxPool3D = _make_global_pool("GlobalMaxPool3D", 3, "max")
GlobalAvgPool1D = _make_global_pool("GlobalAvgPool1D", 1, "avg")
GlobalAvgPool2D = _make_global_pool("GlobalAvgPool2D", 2, "avg")
GlobalAvgPool3D = _make_global_pool("GlobalAvgPool3D", 3, "avg")


class ReflectionPad2D(HybridBlock):
    """Reflection padding of the two spatial axes of NCHW input.

    ``padding`` is an int ``p`` (``pad_width=(0,0,0,0,p,p,p,p)``) or an 8-tuple.
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
