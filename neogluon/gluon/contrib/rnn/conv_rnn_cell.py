"""Convolutional recurrent cells (MXNet 1.9.1 ``gluon.contrib.rnn``).

A convolutional cell replaces the dense input-to-hidden and hidden-to-hidden
products of an RNN/LSTM/GRU cell by convolutions, so inputs and states keep
their spatial layout: ``(N, C, W)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``
(or channels-last). The hidden-to-hidden convolution is padded to keep the
state's spatial size, so ``h2h_kernel`` must be odd.

Parameters are ``i2h_weight`` ``(gates*hidden, C_in, *i2h_kernel)``,
``h2h_weight`` ``(gates*hidden, hidden, *h2h_kernel)`` and the biases
``i2h_bias``/``h2h_bias`` ``(gates*hidden,)`` (kernel dims last-but-channel for
channels-last layouts). A 0 input channel count in ``input_shape`` is inferred
at the first call.

Differs from MXNet 1.9.1: channels-last layouts run on CPU (MXNet's CPU
convolution refuses them, and its ``Convolution`` op has no ``NWC`` at all).
"""

from __future__ import annotations

from numbers import Integral

from ...rnn.rnn_cell import HybridRecurrentCell

__all__ = [
    "Conv1DRNNCell",
    "Conv2DRNNCell",
    "Conv3DRNNCell",
    "Conv1DLSTMCell",
    "Conv2DLSTMCell",
    "Conv3DLSTMCell",
    "Conv1DGRUCell",
    "Conv2DGRUCell",
    "Conv3DGRUCell",
]

_SPATIAL = {1: "W", 2: "HW", 3: "DHW"}


def _conv_out_size(dims, kernels, pads, dilates) -> tuple:
    """Output size of a stride-1 convolution per spatial dim (0 stays unknown)."""
    return tuple(
        x + 2 * p - d * (k - 1) if x else 0
        for x, k, p, d in zip(dims, kernels, pads, dilates, strict=True)
    )


def _spec(cls: str, name: str, value, dims: int) -> tuple:
    if isinstance(value, Integral):
        return (int(value),) * dims
    if isinstance(value, (tuple, list)) and len(value) == dims:
        return tuple(int(v) for v in value)
    raise ValueError(
        f"{cls}: for a {dims}D convolution, {name} must be an int or a tuple of "
        f"{dims} ints, got {value!r}."
    )


class _BaseConvRNNCell(HybridRecurrentCell):
    """Shared constructor, shapes and convolutions of the convolutional cells.

    Subclasses set ``_dims`` (1, 2 or 3) and ``_gate_names``.
    """

    _dims = 0
    _gate_names: tuple = ()

    def __init__(
        self,
        input_shape,
        hidden_channels: int,
        i2h_kernel,
        h2h_kernel,
        i2h_pad=None,
        i2h_dilate=None,
        h2h_dilate=None,
        i2h_weight_initializer=None,
        h2h_weight_initializer=None,
        i2h_bias_initializer="zeros",
        h2h_bias_initializer="zeros",
        conv_layout: str | None = None,
        activation="tanh",
        prefix: str | None = None,
        params=None,
    ) -> None:
        super().__init__(prefix=prefix, params=params)
        cls, dims = type(self).__name__, self._dims
        if conv_layout is None:
            conv_layout = "NC" + _SPATIAL[dims]
        valid = ("NC" + _SPATIAL[dims], "N" + _SPATIAL[dims] + "C")
        if conv_layout not in valid:
            raise ValueError(
                f"{cls}: conv_layout must be one of {valid}, got {conv_layout!r}."
            )
        input_shape = tuple(input_shape)
        if len(input_shape) != dims + 1:
            raise ValueError(
                f"{cls}: input_shape is the per-sample shape of one step "
                f"({dims + 1} dims in layout {conv_layout!r} without N), got "
                f"{input_shape}."
            )
        self._hidden_channels = hidden_channels
        self._input_shape = input_shape
        self._conv_layout = conv_layout
        self._activation = activation
        self._i2h_kernel = _spec(cls, "i2h_kernel", i2h_kernel, dims)
        self._i2h_pad = _spec(cls, "i2h_pad", 0 if i2h_pad is None else i2h_pad, dims)
        self._i2h_dilate = _spec(
            cls, "i2h_dilate", 1 if i2h_dilate is None else i2h_dilate, dims
        )
        self._h2h_kernel = _spec(cls, "h2h_kernel", h2h_kernel, dims)
        self._h2h_dilate = _spec(
            cls, "h2h_dilate", 1 if h2h_dilate is None else h2h_dilate, dims
        )
        if any(k % 2 == 0 for k in self._h2h_kernel):
            raise ValueError(
                f"{cls}: h2h_kernel must be odd so the state keeps its size, got "
                f"{h2h_kernel}."
            )
        self._stride = (1,) * dims
        self._h2h_pad = tuple(
            d * (k - 1) // 2
            for d, k in zip(self._h2h_dilate, self._h2h_kernel, strict=True)
        )
        self._channel_axis = conv_layout.find("C")
        channels_first = self._channel_axis == 1
        self._in_channels = input_shape[0] if channels_first else input_shape[-1]
        spatial = input_shape[1:] if channels_first else input_shape[:-1]
        out_size = _conv_out_size(
            spatial, self._i2h_kernel, self._i2h_pad, self._i2h_dilate
        )
        total = hidden_channels * self._num_gates
        if channels_first:
            i2h_shape = (total, self._in_channels, *self._i2h_kernel)
            h2h_shape = (total, hidden_channels, *self._h2h_kernel)
            self._state_shape = (hidden_channels, *out_size)
        else:
            i2h_shape = (total, *self._i2h_kernel, self._in_channels)
            h2h_shape = (total, *self._h2h_kernel, hidden_channels)
            self._state_shape = (*out_size, hidden_channels)
        get = self.params.get
        self.i2h_weight = get(
            "i2h_weight",
            shape=i2h_shape,
            init=i2h_weight_initializer,
            allow_deferred_init=True,
        )
        self.h2h_weight = get(
            "h2h_weight",
            shape=h2h_shape,
            init=h2h_weight_initializer,
            allow_deferred_init=True,
        )
        self.i2h_bias = get(
            "i2h_bias",
            shape=(total,),
            init=i2h_bias_initializer,
            allow_deferred_init=True,
        )
        self.h2h_bias = get(
            "h2h_bias",
            shape=(total,),
            init=h2h_bias_initializer,
            allow_deferred_init=True,
        )

    @property
    def _num_gates(self) -> int:
        return len(self._gate_names)

    def __repr__(self) -> str:
        shape = self.i2h_weight.shape
        in_channels = shape[1 if self._channel_axis == 1 else -1]
        return (
            f"{type(self).__name__}({in_channels if in_channels else None} -> "
            f"{shape[0]}, {self._activation}, {self._conv_layout})"
        )

    def state_info(self, batch_size: int = 0) -> list:
        info = {
            "shape": (batch_size, *self._state_shape),
            "__layout__": self._conv_layout,
        }
        return [dict(info) for _ in range(self._num_states)]

    _num_states = 1

    def _conv(self, F, data, weight, bias, kernel, pad, dilate, name):
        layout = self._conv_layout
        nwc = layout == "NWC"  # the Convolution op has no NWC: run it as NCW
        if nwc:
            data = F.swapaxes(data, dim1=1, dim2=2)
            weight = F.swapaxes(weight, dim1=1, dim2=2)
            layout = "NCW"
        out = F.Convolution(
            data=data,
            weight=weight,
            bias=bias,
            num_filter=self._hidden_channels * self._num_gates,
            kernel=kernel,
            stride=self._stride,
            pad=pad,
            dilate=dilate,
            layout=layout,
            name=name,
        )
        return F.swapaxes(out, dim1=1, dim2=2) if nwc else out

    def _conv_forward(
        self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias, prefix
    ):
        i2h = self._conv(
            F,
            inputs,
            i2h_weight,
            i2h_bias,
            self._i2h_kernel,
            self._i2h_pad,
            self._i2h_dilate,
            prefix + "i2h",
        )
        h2h = self._conv(
            F,
            states[0],
            h2h_weight,
            h2h_bias,
            self._h2h_kernel,
            self._h2h_pad,
            self._h2h_dilate,
            prefix + "h2h",
        )
        return i2h, h2h


class _ConvRNNCell(_BaseConvRNNCell):
    """``h' = act(W * x + b_i + R * h + b_h)``."""

    _gate_names = ("",)

    def _alias(self) -> str:
        return "conv_rnn"

    def hybrid_forward(
        self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias
    ):
        prefix = f"t{self._counter}_"
        i2h, h2h = self._conv_forward(
            F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias, prefix
        )
        output = self._get_activation(
            F, i2h + h2h, self._activation, name=prefix + "out"
        )
        return output, [output]


class _ConvLSTMCell(_BaseConvRNNCell):
    """Gates ``i, f, c, o`` on the channel axis; states ``[h, c]``."""

    _gate_names = ("_i", "_f", "_c", "_o")
    _num_states = 2

    def _alias(self) -> str:
        return "conv_lstm"

    def hybrid_forward(
        self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias
    ):
        prefix = f"t{self._counter}_"
        i2h, h2h = self._conv_forward(
            F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias, prefix
        )
        gates = F.SliceChannel(
            i2h + h2h, num_outputs=4, axis=self._channel_axis, name=prefix + "slice"
        )
        in_gate = F.Activation(gates[0], act_type="sigmoid", name=prefix + "i")
        forget_gate = F.Activation(gates[1], act_type="sigmoid", name=prefix + "f")
        in_transform = self._get_activation(
            F, gates[2], self._activation, name=prefix + "c"
        )
        out_gate = F.Activation(gates[3], act_type="sigmoid", name=prefix + "o")
        next_c = F.elemwise_add(
            forget_gate * states[1], in_gate * in_transform, name=prefix + "state"
        )
        next_h = F.elemwise_mul(
            out_gate,
            self._get_activation(F, next_c, self._activation),
            name=prefix + "out",
        )
        return next_h, [next_h, next_c]


class _ConvGRUCell(_BaseConvRNNCell):
    """Gates ``r, z, n`` (reset applied after the recurrent convolution)."""

    _gate_names = ("_r", "_z", "_o")

    def _alias(self) -> str:
        return "conv_gru"

    def hybrid_forward(
        self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias
    ):
        prefix = f"t{self._counter}_"
        i2h, h2h = self._conv_forward(
            F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias, prefix
        )
        axis = self._channel_axis
        i2h_r, i2h_z, i2h = F.SliceChannel(
            i2h, num_outputs=3, axis=axis, name=prefix + "i2h_slice"
        )
        h2h_r, h2h_z, h2h = F.SliceChannel(
            h2h, num_outputs=3, axis=axis, name=prefix + "h2h_slice"
        )
        reset_gate = F.Activation(
            i2h_r + h2h_r, act_type="sigmoid", name=prefix + "r_act"
        )
        update_gate = F.Activation(
            i2h_z + h2h_z, act_type="sigmoid", name=prefix + "z_act"
        )
        next_h_tmp = self._get_activation(
            F, i2h + reset_gate * h2h, self._activation, name=prefix + "h_act"
        )
        next_h = F.elemwise_add(
            (1.0 - update_gate) * next_h_tmp,
            update_gate * states[0],
            name=prefix + "out",
        )
        return next_h, [next_h]


_ARGS_DOC = """
    Parameters
    ----------
    input_shape : tuple of int
        Shape of one step of one sample (no batch or time axis), in
        ``conv_layout`` order: e.g. ``(C, {sp})`` for ``'{cf}'``. A 0 channel
        count is inferred at the first call.
    hidden_channels : int
        Channels of the state.
    i2h_kernel, h2h_kernel : int or tuple of {d} ints
        Kernel sizes of the input and recurrent convolutions (``h2h_kernel``
        must be odd).
    i2h_pad : int or tuple of {d} ints, default {zeros}
    i2h_dilate, h2h_dilate : int or tuple of {d} ints, default {ones}
    i2h_weight_initializer, h2h_weight_initializer : str or Initializer
    i2h_bias_initializer, h2h_bias_initializer : str or Initializer, default 'zeros'
    conv_layout : str, default '{cf}'
        ``'{cf}'`` or ``'{cl}'``.
    activation : str or Block, default 'tanh'
        Activation name (as ``nd.Activation``), a ``LeakyReLU`` block or a
        callable.
    prefix : str, default '{alias}_'
    params : ParameterDict, optional
        Share weights with another cell.
"""


def _doc(summary: str, dims: int, alias: str) -> str:
    sp = _SPATIAL[dims]
    return summary + _ARGS_DOC.format(
        sp=", ".join(sp),
        cf="NC" + sp,
        cl="N" + sp + "C",
        d=dims,
        zeros=(0,) * dims,
        ones=(1,) * dims,
        alias=alias,
    )


_RNN = "{d}D convolutional RNN cell: ``h' = act(W * x + b_i + R * h + b_h)``.\n"
_LSTM = (
    "{d}D convolutional LSTM cell (Shi et al., 2015, arXiv:1506.04214).\n\n"
    "    ``c' = f*c + i*act(g)``, ``h' = o*act(c')`` with gates ``i, f, g, o``\n"
    "    from the sum of the input and recurrent convolutions; states ``[h, c]``.\n"
)
_GRU = (
    "{d}D convolutional GRU cell.\n\n"
    "    ``n = act(W_n * x + b_in + r*(R_n * h + b_hn))``,\n"
    "    ``h' = (1 - z)*n + z*h`` with sigmoid gates ``r, z``.\n"
)


class Conv1DRNNCell(_ConvRNNCell):
    __doc__ = _doc(_RNN.format(d=1), 1, "conv_rnn")
    _dims = 1


class Conv2DRNNCell(_ConvRNNCell):
    __doc__ = _doc(_RNN.format(d=2), 2, "conv_rnn")
    _dims = 2


class Conv3DRNNCell(_ConvRNNCell):
    __doc__ = _doc(_RNN.format(d=3), 3, "conv_rnn")
    _dims = 3


class Conv1DLSTMCell(_ConvLSTMCell):
    __doc__ = _doc(_LSTM.format(d=1), 1, "conv_lstm")
    _dims = 1


class Conv2DLSTMCell(_ConvLSTMCell):
    __doc__ = _doc(_LSTM.format(d=2), 2, "conv_lstm")
    _dims = 2


class Conv3DLSTMCell(_ConvLSTMCell):
    __doc__ = _doc(_LSTM.format(d=3), 3, "conv_lstm")
    _dims = 3


class Conv1DGRUCell(_ConvGRUCell):
    __doc__ = _doc(_GRU.format(d=1), 1, "conv_gru")
    _dims = 1


class Conv2DGRUCell(_ConvGRUCell):
    __doc__ = _doc(_GRU.format(d=2), 2, "conv_gru")
    _dims = 2


class Conv3DGRUCell(_ConvGRUCell):
    __doc__ = _doc(_GRU.format(d=3), 3, "conv_gru")
    _dims = 3
