"""Fused recurrent layers ``RNN``, ``LSTM`` and ``GRU`` (MXNet 1.9.1 API).

Each layer keeps one Parameter per (layer, direction, i2h/h2h/h2r, weight/bias),
named ``l0_i2h_weight``, ``r0_h2h_bias`` ..., and packs them in
``hybrid_forward`` into the flat vector of the fused ``RNN`` operator in cuDNN's
canonical order (every weight, then every bias; layer-major, then direction).
``save_parameters`` writes them under MXNet's ``_unfused`` structural names so
that files move between MXNet and neogluon in both directions.
"""

from __future__ import annotations

import re

from ... import ndarray
from ...ndarray import NDArray
from ..block import HybridBlock
from ..parameter import Parameter

__all__ = ["RNN", "LSTM", "GRU"]

_GATES = {"rnn_relu": 1, "rnn_tanh": 1, "lstm": 4, "gru": 3}
_PARAM_RE = re.compile(r"(l|r)(\d+)_(i2h|h2h|h2r)_(weight|bias)\Z")


def _sym_module():
    from ... import symbol

    return symbol


class _RNNLayer(HybridBlock):
    """Shared implementation of the fused recurrent layers."""

    def __init__(
        self,
        hidden_size: int,
        num_layers: int,
        layout: str,
        dropout: float,
        bidirectional: bool,
        input_size: int,
        i2h_weight_initializer,
        h2h_weight_initializer,
        i2h_bias_initializer,
        h2h_bias_initializer,
        mode: str,
        projection_size: int | None,
        h2r_weight_initializer,
        lstm_state_clip_min: float | None,
        lstm_state_clip_max: float | None,
        lstm_state_clip_nan: bool,
        dtype,
        use_sequence_length: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        if layout not in ("TNC", "NTC"):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': invalid layout {layout!r}; "
                "must be one of ['TNC' or 'NTC']."
            )
        if mode not in _GATES:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': unknown mode {mode!r} "
                f"(activation must be 'relu' or 'tanh' for RNN); expected one of "
                f"{sorted(_GATES)}."
            )
        self._hidden_size = hidden_size
        self._projection_size = projection_size if projection_size else None
        self._num_layers = num_layers
        self._mode = mode
        self._layout = layout
        self._dropout = dropout
        self._dir = 2 if bidirectional else 1
        self._input_size = input_size
        self._i2h_weight_initializer = i2h_weight_initializer
        self._h2h_weight_initializer = h2h_weight_initializer
        self._i2h_bias_initializer = i2h_bias_initializer
        self._h2h_bias_initializer = h2h_bias_initializer
        self._h2r_weight_initializer = h2r_weight_initializer
        self._lstm_state_clip_min = lstm_state_clip_min
        self._lstm_state_clip_max = lstm_state_clip_max
        self._lstm_state_clip_nan = lstm_state_clip_nan
        self._dtype = dtype
        self._use_sequence_length = use_sequence_length
        self.skip_states: bool | None = None
        self._cached_skip: bool | None = None
        self._gates = _GATES[mode]

        ng, ni, nh = self._gates, input_size, hidden_size
        npj = self._projection_size
        rec = npj or nh
        for i in range(num_layers):
            for d in ["l", "r"][: self._dir]:
                self._register_param(
                    f"{d}{i}_i2h_weight", (ng * nh, ni), i2h_weight_initializer, dtype
                )
                self._register_param(
                    f"{d}{i}_h2h_weight", (ng * nh, rec), h2h_weight_initializer, dtype
                )
                self._register_param(
                    f"{d}{i}_i2h_bias", (ng * nh,), i2h_bias_initializer, dtype
                )
                self._register_param(
                    f"{d}{i}_h2h_bias", (ng * nh,), h2h_bias_initializer, dtype
                )
                if npj:
                    self._register_param(
                        f"{d}{i}_h2r_weight", (npj, nh), h2r_weight_initializer, dtype
                    )
            ni = rec * self._dir

    def _register_param(self, name: str, shape, init, dtype) -> Parameter:
        p = self.params.get(
            name, shape=shape, init=init, allow_deferred_init=True, dtype=dtype
        )
        setattr(self, name, p)
        return p

    def __repr__(self) -> str:
        s = f"{type(self).__name__}({{mapping}}, {self._layout}"
        if self._num_layers != 1:
            s += f", num_layers={self._num_layers}"
        if self._dropout != 0:
            s += f", dropout={self._dropout}"
        if self._dir == 2:
            s += ", bidirectional"
        s += ")"
        shape = self.l0_i2h_weight.shape
        mapping = f"{shape[1] if shape[1] else None} -> {shape[0] // self._gates}"
        return s.format(mapping=mapping)

    def _collect_params_with_prefix(self, prefix: str = "") -> dict[str, Parameter]:
        # MXNet's structural names for fused layers predate fusing: they name
        # the equivalent stack of cells (``_unfused.0.i2h_weight``, or
        # ``_unfused.0.l_cell.i2h_weight`` when bidirectional).
        if prefix:
            prefix += "."
        bidirectional = self._dir == 2
        ret = {}
        for key, val in self._reg_params.items():
            m = _PARAM_RE.match(key)
            if m is None:
                ret[prefix + key] = val
                continue
            d, layer, g, t = m.groups()
            if bidirectional:
                ret[prefix + f"_unfused.{layer}.{d}_cell.{g}_{t}"] = val
            else:
                ret[prefix + f"_unfused.{layer}.{g}_{t}"] = val
        for name, child in self._children.items():
            ret.update(child._collect_params_with_prefix(prefix + name))
        return ret

    def _unfuse(self):
        """The equivalent stack of cells (sharing this layer's Parameters), as
        MXNet's ``_unfuse``: one cell per layer and direction, ``DropoutCell``
        between layers."""
        from . import rnn_cell

        if self._projection_size:
            raise NotImplementedError("_unfuse does not support a projection layer.")
        if (
            self._lstm_state_clip_min is not None
            or self._lstm_state_clip_max is not None
        ):
            raise NotImplementedError("_unfuse does not support state clipping.")
        nh = self._hidden_size

        def make(**kwargs):
            if self._mode == "lstm":
                return rnn_cell.LSTMCell(nh, **kwargs)
            if self._mode == "gru":
                return rnn_cell.GRUCell(nh, **kwargs)
            act = "relu" if self._mode == "rnn_relu" else "tanh"
            return rnn_cell.RNNCell(nh, activation=act, **kwargs)

        stack = rnn_cell.HybridSequentialRNNCell(prefix=self.prefix, params=self.params)
        with stack.name_scope():
            ni = self._input_size
            for i in range(self._num_layers):
                kwargs = {
                    "input_size": ni,
                    "i2h_weight_initializer": self._i2h_weight_initializer,
                    "h2h_weight_initializer": self._h2h_weight_initializer,
                    "i2h_bias_initializer": self._i2h_bias_initializer,
                    "h2h_bias_initializer": self._h2h_bias_initializer,
                }
                if self._dir == 2:
                    stack.add(
                        rnn_cell.BidirectionalCell(
                            make(prefix=f"l{i}_", **kwargs),
                            make(prefix=f"r{i}_", **kwargs),
                        )
                    )
                else:
                    stack.add(make(prefix=f"l{i}_", **kwargs))
                if self._dropout > 0 and i != self._num_layers - 1:
                    stack.add(rnn_cell.DropoutCell(self._dropout))
                ni = nh * self._dir
        return stack

    def state_info(self, batch_size: int = 0) -> list[dict]:
        """Shape, layout and dtype of each begin state."""
        shape = (self._num_layers * self._dir, batch_size, self._hidden_size)
        return [{"shape": shape, "__layout__": "LNC", "dtype": self._dtype}]

    def cast(self, dtype) -> None:
        super().cast(dtype)
        self._dtype = dtype

    def begin_state(self, batch_size: int = 0, func=ndarray.zeros, **kwargs) -> list:
        """Initial states, named ``<prefix>h0_<i>``.

        Parameters
        ----------
        batch_size : int
            Batch size ('N' in the layout); 0 leaves it to shape inference
            with the Symbol API.
        func : callable, default ``nd.zeros``
            Creates each state from ``name``, ``shape``, ``dtype`` and
            ``**kwargs`` (e.g. ``ctx``); ``sym.zeros``/``sym.var`` for symbols.
        """
        states = []
        for i, info in enumerate(self.state_info(batch_size)):
            if info is not None:
                info.update(kwargs)
            else:
                info = kwargs
            states.append(func(name=f"{self.prefix}h0_{i}", **info))
        return states

    def __call__(self, inputs, states=None, sequence_length=None):
        """Run the layer; returns ``output`` alone when ``states`` is None,
        otherwise ``(output, new_states)``."""
        self.skip_states = states is None
        if isinstance(inputs, NDArray):
            self._infer_input_size(inputs)
        if self._active and self._cached_skip is not None:
            if self._cached_skip != self.skip_states:
                # The traced graph's outputs depend on skip_states.
                self._clear_cached_op()
        self._cached_skip = self.skip_states
        if states is None:
            if isinstance(inputs, NDArray):
                batch_size = inputs.shape[self._layout.find("N")]
                states = self.begin_state(
                    batch_size, ctx=inputs.context, dtype=inputs.dtype
                )
            else:
                states = self._symbol_begin_state(inputs)
        if isinstance(states, (NDArray, _sym_module().Symbol)):
            states = [states]
        if self._use_sequence_length:
            return super().__call__(inputs, states, sequence_length)
        return super().__call__(inputs, states)

    def _symbol_begin_state(self, inputs) -> list:
        """Zero begin states for Symbol inputs, sized from the input.

        Differs from MXNet 1.9.1, which uses ``sym.zeros`` with a 0 (unknown)
        batch dim that its executor fills by shape inference; here the batch
        dim comes from the input through ops that carry it.
        """
        F = _sym_module()
        t, c = self._layout.find("T"), self._layout.find("C")
        z = F.slice_axis(inputs, axis=t, begin=0, end=1)
        z = F.zeros_like(F.slice_axis(z, axis=c, begin=0, end=1))
        if self._layout == "NTC":
            z = F.swapaxes(z, dim1=0, dim2=1)
        return [
            F.broadcast_to(z, shape=(info["shape"][0], 0, info["shape"][2]))
            for info in self.state_info(0)
        ]

    def _infer_input_size(self, inputs: NDArray) -> None:
        """Fill the first layer's deferred ``i2h_weight`` input size directly.

        The graph path (Concat's shape rule) resolves a single unknown only, so
        a bidirectional layer's two first-layer weights are set here, as
        MXNet's ``_rnn_param_concat`` rule does.
        """
        if inputs.ndim != 3:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' expects 3-D input in layout "
                f"{self._layout!r}, got shape {tuple(inputs.shape)}."
            )
        size = inputs.shape[self._layout.find("C")]
        for d in ["l", "r"][: self._dir]:
            p = self._reg_params[f"{d}0_i2h_weight"]
            if p.shape is not None and p.shape[1] == 0:
                p.shape = (p.shape[0], size)

    def hybrid_forward(self, F, inputs, states, sequence_length=None, **kwargs):
        if isinstance(inputs, NDArray):
            batch_size = inputs.shape[self._layout.find("N")]
            for state, info in zip(states, self.state_info(batch_size), strict=False):
                if tuple(state.shape) != info["shape"]:
                    raise ValueError(
                        f"Invalid recurrent state shape. Expecting {info['shape']}, "
                        f"got {tuple(state.shape)}."
                    )
        out = self._forward_kernel(F, inputs, states, sequence_length, **kwargs)
        return out[0] if self.skip_states else out

    def _packed_params(self, F, kwargs):
        """The op's flat parameter vector in cuDNN canonical order."""
        gates = ["i2h", "h2h", "h2r"] if self._projection_size else ["i2h", "h2h"]
        names = [
            f"{d}{layer}_{g}_{t}"
            for t in ("weight", "bias")
            for layer in range(self._num_layers)
            for d in ["l", "r"][: self._dir]
            for g in gates
            if g != "h2r" or t != "bias"
        ]
        # The reshape method: a view on NDArrays (F.reshape, an operator,
        # would copy every weight before the concatenation copies it again).
        flat = [kwargs[n].reshape((-1,)) for n in names]
        return F.concat(*flat, dim=0)

    def _tie_input_size(self, F, inputs, kwargs: dict) -> dict:
        """Relate deferred first-layer ``i2h_weight`` shapes to the input.

        Traced (Symbol) only, and only while the input size is unknown: adds
        a zero tensor shaped ``(G*H, C)`` from the TNC input to each such weight
        so that graph shape inference fills ``C`` (Concat's rule alone cannot
        split the remaining size between two bidirectional weights).
        """
        unknown = [
            f"{d}0_i2h_weight"
            for d in ["l", "r"][: self._dir]
            if (self._reg_params[f"{d}0_i2h_weight"].shape or (0, 0))[1] == 0
        ]
        if not unknown:
            return kwargs
        row = F.slice_axis(inputs, axis=0, begin=0, end=1)
        row = F.reshape(F.slice_axis(row, axis=1, begin=0, end=1), shape=(-3, 0))
        rows = self._gates * self._hidden_size
        zero = F.broadcast_to(F.zeros_like(row), shape=(rows, 0))
        kwargs = dict(kwargs)
        for name in unknown:
            kwargs[name] = F.elemwise_add(kwargs[name], zero)
        return kwargs

    def _forward_kernel(self, F, inputs, states, sequence_length, **kwargs):
        if self._lstm_state_clip_min is not None or (
            self._lstm_state_clip_max is not None
        ):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': state_clip_min/"
                "state_clip_max are not supported by neogluon (the fused RNN "
                "operator has no LSTM state clipping). Create the layer without "
                "them."
            )
        if self._layout == "NTC":
            inputs = F.swapaxes(inputs, dim1=0, dim2=1)
        if not isinstance(inputs, NDArray):
            kwargs = self._tie_input_size(F, inputs, kwargs)
        params = self._packed_params(F, kwargs)
        args = list(states)
        if self._use_sequence_length:
            args.append(sequence_length)
        rnn = F.RNN(
            inputs,
            params,
            *args,
            use_sequence_length=self._use_sequence_length,
            state_size=self._hidden_size,
            projection_size=self._projection_size,
            num_layers=self._num_layers,
            bidirectional=self._dir == 2,
            p=self._dropout,
            state_outputs=True,
            mode=self._mode,
            lstm_state_clip_min=self._lstm_state_clip_min,
            lstm_state_clip_max=self._lstm_state_clip_max,
            lstm_state_clip_nan=self._lstm_state_clip_nan,
        )
        if self._mode == "lstm":
            outputs, new_states = rnn[0], [rnn[1], rnn[2]]
        else:
            outputs, new_states = rnn[0], [rnn[1]]
        if self._layout == "NTC":
            outputs = F.swapaxes(outputs, dim1=0, dim2=1)
        return outputs, new_states


class RNN(_RNNLayer):
    """Multi-layer Elman RNN with ``relu`` (default) or ``tanh`` non-linearity.

    ``h_t = act(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh)`` per layer.

    Parameters
    ----------
    hidden_size : int
        Features of the hidden state.
    num_layers : int, default 1
    activation : {'relu', 'tanh'}, default 'relu'
        Note: the ``RNNCell`` default is 'tanh'.
    layout : {'TNC', 'NTC'}, default 'TNC'
    dropout : float, default 0
        Dropout on the outputs of each layer but the last (training only).
    bidirectional : bool, default False
    i2h_weight_initializer, h2h_weight_initializer : str or Initializer
    i2h_bias_initializer, h2h_bias_initializer : str or Initializer, default 'zeros'
    input_size : int, default 0
        Input features; 0 means inferred at the first forward.
    dtype : str, default 'float32'

    Examples
    --------
    >>> import neogluon as mx
    >>> layer = mx.gluon.rnn.RNN(100, 3)
    >>> layer.initialize()
    >>> output = layer(mx.nd.ones((5, 3, 10)))
    >>> output.shape
    (5, 3, 100)
    """

    def __init__(
        self,
        hidden_size: int,
        num_layers: int = 1,
        activation: str = "relu",
        layout: str = "TNC",
        dropout: float = 0,
        bidirectional: bool = False,
        i2h_weight_initializer=None,
        h2h_weight_initializer=None,
        i2h_bias_initializer="zeros",
        h2h_bias_initializer="zeros",
        input_size: int = 0,
        dtype="float32",
        **kwargs,
    ) -> None:
        super().__init__(
            hidden_size,
            num_layers,
            layout,
            dropout,
            bidirectional,
            input_size,
            i2h_weight_initializer,
            h2h_weight_initializer,
            i2h_bias_initializer,
            h2h_bias_initializer,
            "rnn_" + activation,
            None,
            None,
            None,
            None,
            False,
            dtype,
            **kwargs,
        )


class LSTM(_RNNLayer):
    """Multi-layer long short-term memory RNN (gates ``i, f, c, o``).

    Parameters
    ----------
    hidden_size : int
    num_layers : int, default 1
    layout : {'TNC', 'NTC'}, default 'TNC'
    dropout : float, default 0
    bidirectional : bool, default False
    input_size : int, default 0
    i2h_weight_initializer, h2h_weight_initializer : str or Initializer
    i2h_bias_initializer, h2h_bias_initializer : str or Initializer, default 'zeros'
    projection_size : int, optional
        Project the hidden state to this size (``h2r_weight``).
    h2r_weight_initializer : str or Initializer
    state_clip_min, state_clip_max : float, optional
        Not supported: the forward raises a ValueError when set.
    state_clip_nan : bool, default False
    dtype : str, default 'float32'

    Examples
    --------
    >>> import neogluon as mx
    >>> layer = mx.gluon.rnn.LSTM(20, 2, input_size=10)
    >>> layer
    LSTM(10 -> 20, TNC, num_layers=2)
    """

    def __init__(
        self,
        hidden_size: int,
        num_layers: int = 1,
        layout: str = "TNC",
        dropout: float = 0,
        bidirectional: bool = False,
        input_size: int = 0,
        i2h_weight_initializer=None,
        h2h_weight_initializer=None,
        i2h_bias_initializer="zeros",
        h2h_bias_initializer="zeros",
        projection_size: int | None = None,
        h2r_weight_initializer=None,
        state_clip_min: float | None = None,
        state_clip_max: float | None = None,
        state_clip_nan: bool = False,
        dtype="float32",
        **kwargs,
    ) -> None:
        super().__init__(
            hidden_size,
            num_layers,
            layout,
            dropout,
            bidirectional,
            input_size,
            i2h_weight_initializer,
            h2h_weight_initializer,
            i2h_bias_initializer,
            h2h_bias_initializer,
            "lstm",
            projection_size,
            h2r_weight_initializer,
            state_clip_min,
            state_clip_max,
            state_clip_nan,
            dtype,
            **kwargs,
        )

    def state_info(self, batch_size: int = 0) -> list[dict]:
        lnc = self._num_layers * self._dir
        h = self._projection_size or self._hidden_size
        return [
            {"shape": (lnc, batch_size, h), "__layout__": "LNC", "dtype": self._dtype},
            {
                "shape": (lnc, batch_size, self._hidden_size),
                "__layout__": "LNC",
                "dtype": self._dtype,
            },
        ]


class GRU(_RNNLayer):
    """Multi-layer gated recurrent unit RNN (cuDNN form, gates ``r, z, n``).

    ``n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_(t-1) + b_hn))``: the reset
    gate multiplies the recurrent product including its bias.

    Parameters
    ----------
    hidden_size : int
    num_layers : int, default 1
    layout : {'TNC', 'NTC'}, default 'TNC'
    dropout : float, default 0
    bidirectional : bool, default False
    input_size : int, default 0
    i2h_weight_initializer, h2h_weight_initializer : str or Initializer
    i2h_bias_initializer, h2h_bias_initializer : str or Initializer, default 'zeros'
    dtype : str, default 'float32'

    Examples
    --------
    >>> import neogluon as mx
    >>> layer = mx.gluon.rnn.GRU(8, layout='NTC', bidirectional=True)
    >>> layer.initialize()
    >>> out, states = layer(mx.nd.ones((2, 5, 3)), layer.begin_state(2))
    >>> out.shape, states[0].shape
    ((2, 5, 16), (2, 2, 8))
    """

    def __init__(
        self,
        hidden_size: int,
        num_layers: int = 1,
        layout: str = "TNC",
        dropout: float = 0,
        bidirectional: bool = False,
        input_size: int = 0,
        i2h_weight_initializer=None,
        h2h_weight_initializer=None,
        i2h_bias_initializer="zeros",
        h2h_bias_initializer="zeros",
        dtype="float32",
        **kwargs,
    ) -> None:
        super().__init__(
            hidden_size,
            num_layers,
            layout,
            dropout,
            bidirectional,
            input_size,
            i2h_weight_initializer,
            h2h_weight_initializer,
            i2h_bias_initializer,
            h2h_bias_initializer,
            "gru",
            None,
            None,
            None,
            None,
            False,
            dtype,
            **kwargs,
        )
