"""``mx.gluon.contrib.cnn.conv_layers``: deformable convolution blocks.

:class:`DeformableConvolution` (v1, Dai et al. 2017) and
:class:`ModulatedDeformableConvolution` (v2, Zhu et al. 2018) as in MXNet
1.9.1: a regular convolution predicts the sampling offsets (and, for v2, the
modulation mask, through ``2 * sigmoid``) from the input; the
``_contrib_(Modulated)DeformableConvolution`` operator then convolves the
input sampled at the offset positions. Parameter names, shapes, order and
initial values follow MXNet (the offset convolution starts at zero, so a fresh
block is a plain convolution).
"""

from __future__ import annotations

from ....base import numeric_types
from ...block import HybridBlock
from ...nn import Activation

__all__ = ["DeformableConvolution", "ModulatedDeformableConvolution"]


def _pair(name: str, cls: str, value) -> tuple:
    if isinstance(value, numeric_types):
        return (int(value),) * 2
    value = tuple(value)
    if len(value) != 2:
        raise ValueError(f"{cls}: {name} must be an int or 2 ints, got {value!r}")
    return value


class _DeformableBase(HybridBlock):
    """Shared constructor; ``mask`` says whether the offset conv also predicts a
    modulation mask (v2)."""

    _MODULATED = False

    def __init__(
        self,
        channels: int,
        kernel_size=(1, 1),
        strides=(1, 1),
        padding=(0, 0),
        dilation=(1, 1),
        groups: int = 1,
        num_deformable_group: int = 1,
        layout: str = "NCHW",
        use_bias: bool = True,
        in_channels: int = 0,
        activation=None,
        weight_initializer=None,
        bias_initializer="zeros",
        offset_weight_initializer="zeros",
        offset_bias_initializer="zeros",
        offset_use_bias: bool = True,
        op_name: str = "DeformableConvolution",
        adj=None,
        prefix=None,
        params=None,
    ) -> None:
        super().__init__(prefix=prefix, params=params)
        cls = type(self).__name__
        if layout not in ("NCHW", "NHWC"):
            raise ValueError(
                f"{cls}: layout must be 'NCHW' or 'NHWC', got {layout!r} (the "
                "deformable convolution operator itself computes NCHW only)"
            )
        kernel = _pair("kernel_size", cls, kernel_size)
        strides = _pair("strides", cls, strides)
        padding = _pair("padding", cls, padding)
        dilation = _pair("dilation", cls, dilation)
        self._channels = channels
        self._in_channels = in_channels
        self._op_name = op_name
        taps = kernel[0] * kernel[1] * num_deformable_group
        offset_channels = (3 if self._MODULATED else 2) * taps
        self.offset_split_index = 2 * taps
        common = {
            "kernel": kernel,
            "stride": strides,
            "dilate": dilation,
            "pad": padding,
        }
        self._kwargs_offset = {
            **common,
            "num_filter": offset_channels,
            "num_group": groups,
            "no_bias": not offset_use_bias,
            "layout": layout,
        }
        self._kwargs_deformable_conv = {
            **common,
            "num_filter": channels,
            "num_group": groups,
            "num_deformable_group": num_deformable_group,
            "no_bias": not use_bias,
            "layout": layout,
        }
        if adj:
            self._kwargs_offset["adj"] = adj
            self._kwargs_deformable_conv["adj"] = adj
        # Offset conv weight in the layout's order; the input channels (0 until
        # known) are divided by the groups, as Convolution's shape inference does.
        per_group = in_channels // groups if in_channels else 0
        if layout == "NCHW":
            offset_wshape = (offset_channels, per_group, *kernel)
        else:
            offset_wshape = (offset_channels, *kernel, per_group)
        # MXNet registers the deformable weight as (channels, 0, kh, kw) for
        # either layout, with the input channels always left to inference.
        dc_wshape = (channels, 0, *kernel)
        with self.name_scope():
            if self._MODULATED:
                self._dc_params(
                    dc_wshape, channels, use_bias, weight_initializer, bias_initializer
                )
                self._offset_params(
                    offset_wshape,
                    offset_channels,
                    offset_use_bias,
                    offset_weight_initializer,
                    offset_bias_initializer,
                )
            else:
                self._offset_params(
                    offset_wshape,
                    offset_channels,
                    offset_use_bias,
                    offset_weight_initializer,
                    offset_bias_initializer,
                )
                self._dc_params(
                    dc_wshape, channels, use_bias, weight_initializer, bias_initializer
                )
            self.act = (
                Activation(activation, prefix=activation + "_") if activation else None
            )

    def _offset_params(self, wshape, channels, use_bias, w_init, b_init) -> None:
        self.offset_weight = self.params.get(
            "offset_weight", shape=wshape, init=w_init, allow_deferred_init=True
        )
        self.offset_bias = (
            self.params.get(
                "offset_bias", shape=(channels,), init=b_init, allow_deferred_init=True
            )
            if use_bias
            else None
        )

    def _dc_params(self, wshape, channels, use_bias, w_init, b_init) -> None:
        self.deformable_conv_weight = self.params.get(
            "deformable_conv_weight",
            shape=wshape,
            init=w_init,
            allow_deferred_init=True,
        )
        self.deformable_conv_bias = (
            self.params.get(
                "deformable_conv_bias",
                shape=(channels,),
                init=b_init,
                allow_deferred_init=True,
            )
            if use_bias
            else None
        )

    def _offsets(self, F, x, offset_weight, offset_bias):
        if offset_bias is None:
            return F.Convolution(
                x, offset_weight, cudnn_off=True, **self._kwargs_offset
            )
        return F.Convolution(
            x, offset_weight, offset_bias, cudnn_off=True, **self._kwargs_offset
        )

    def _finish(self, act):
        return self.act(act) if self.act else act


class DeformableConvolution(_DeformableBase):
    """2-D deformable convolution v1 (Dai et al., 2017).

    A convolution with the layer's geometry predicts ``2 * kh * kw *
    num_deformable_group`` offset channels from the input; each kernel tap
    then samples the input bilinearly at its grid position plus its offset.

    Parameters
    ----------
    channels : int
        Output channels.
    kernel_size, strides, padding, dilation : int or (int, int)
    groups : int, default 1
        Convolution groups (of both convolutions).
    num_deformable_group : int, default 1
        Channel groups sharing one set of offsets.
    layout : {'NCHW', 'NHWC'}, default 'NCHW'
        (the operator computes NCHW only, as MXNet's).
    use_bias, offset_use_bias : bool, default True
    in_channels : int, default 0 (inferred at the first forward)
    activation : str, optional
    weight_initializer, bias_initializer : deformable convolution's initializers
    offset_weight_initializer, offset_bias_initializer : default 'zeros'

    Parameters of the block: ``offset_weight``, ``offset_bias``,
    ``deformable_conv_weight`` ``(channels, in_channels, kh, kw)``,
    ``deformable_conv_bias``.
    """

    def hybrid_forward(
        self,
        F,
        x,
        offset_weight,
        deformable_conv_weight,
        offset_bias=None,
        deformable_conv_bias=None,
    ):
        offset = self._offsets(F, x, offset_weight, offset_bias)
        extra = {} if deformable_conv_bias is None else {"bias": deformable_conv_bias}
        act = F.contrib.DeformableConvolution(
            data=x,
            offset=offset,
            weight=deformable_conv_weight,
            name="fwd",
            **extra,
            **self._kwargs_deformable_conv,
        )
        return self._finish(act)

    def _alias(self) -> str:
        return "deformable_conv"

    def __repr__(self) -> str:
        k = self._kwargs_deformable_conv
        s = f"{type(self).__name__}({{mapping}}, kernel_size={k['kernel']}, "
        s += f"stride={k['stride']}"
        if k["pad"] != (0, 0):
            s += f", padding={k['pad']}"
        if k["dilate"] != (1, 1):
            s += f", dilation={k['dilate']}"
        if k["num_group"] != 1:
            s += f", groups={k['num_group']}"
        if self.deformable_conv_bias is None:
            s += ", bias=False"
        if self.act:
            s += f", {self.act}"
        s += ")"
        shape = self.deformable_conv_weight.shape
        return s.format(mapping=f"{shape[1] if shape[1] else None} -> {shape[0]}")


class ModulatedDeformableConvolution(_DeformableBase):
    """2-D modulated deformable convolution v2 (Zhu et al., 2018).

    As :class:`DeformableConvolution`, and the offset convolution also
    predicts ``kh * kw * num_deformable_group`` mask channels; each sample is
    scaled by ``2 * sigmoid(mask)`` (1 for a fresh, zero-initialized block).
    Same parameters as :class:`DeformableConvolution`; they are registered in
    MXNet's order: ``deformable_conv_weight``, ``deformable_conv_bias``,
    ``offset_weight``, ``offset_bias``. Its ``repr`` is the generic block
    listing, as in MXNet (which defines a summary line only for v1).
    """

    _MODULATED = True

    def __init__(self, channels: int, kernel_size=(1, 1), strides=(1, 1), padding=(0, 0),
                 dilation=(1, 1), groups: int = 1, num_deformable_group: int = 1,
                 layout: str = "NCHW", use_bias: bool = True, in_channels: int = 0,
                 activation=None, weight_initializer=None, bias_initializer="zeros",
                 offset_weight_initializer="zeros", offset_bias_initializer="zeros",
                 offset_use_bias: bool = True,
                 op_name: str = "ModulatedDeformableConvolution", adj=None,
                 prefix=None, params=None) -> None:  # fmt: skip
        super().__init__(
            channels,
            kernel_size,
            strides,
            padding,
            dilation,
            groups,
            num_deformable_group,
            layout,
            use_bias,
            in_channels,
            activation,
            weight_initializer,
            bias_initializer,
            offset_weight_initializer,
            offset_bias_initializer,
            offset_use_bias,
            op_name,
            adj,
            prefix,
            params,
        )

    def hybrid_forward(
        self,
        F,
        x,
        offset_weight,
        deformable_conv_weight,
        offset_bias=None,
        deformable_conv_bias=None,
    ):
        offset = self._offsets(F, x, offset_weight, offset_bias)
        offset_t = F.slice_axis(offset, axis=1, begin=0, end=self.offset_split_index)
        mask = F.slice_axis(offset, axis=1, begin=self.offset_split_index, end=None)
        mask = F.sigmoid(mask) * 2
        extra = {} if deformable_conv_bias is None else {"bias": deformable_conv_bias}
        act = F.contrib.ModulatedDeformableConvolution(
            data=x,
            offset=offset_t,
            mask=mask,
            weight=deformable_conv_weight,
            name="fwd",
            **extra,
            **self._kwargs_deformable_conv,
        )
        return self._finish(act)

    def _alias(self) -> str:
        return "modulated_deformable_conv"
