"""``mx.rnn.rnn_cell``: MXNet 1.9.1's legacy symbolic RNN cells.

The cells build :mod:`neogluon.symbol` graphs: ``cell(x_t, states)`` adds one
time step, ``unroll`` a whole sequence. Parameters are ``sym.Variable`` objects
held in an :class:`RNNParams` container (shared by cells given the same
container); graph nodes and variables carry MXNet's names (``lstm_i2h_weight``,
``lstm_t0_out``, ``lstm_l0_i2h_i_weight`` for unpacked fused weights, ...), so
an unrolled symbol has the arguments, outputs and JSON MXNet 1.9.1 gives.

Gate order: LSTM ``i, f, c, o``; GRU ``r, z, o`` (the reset gate multiplies
the recurrent product, as cuDNN and the fused ``RNN`` operator do).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from collections.abc import Sequence

from .. import initializer as init
from .. import ndarray
from .. import symbol
from ..base import numeric_types
from ..base import string_types
from ..registry import AssertionTypeError
from ..registry import AssertionValueError

__all__ = [
    "RNNParams",
    "BaseRNNCell",
    "RNNCell",
    "LSTMCell",
    "GRUCell",
    "FusedRNNCell",
    "SequentialRNNCell",
    "DropoutCell",
    "ModifierCell",
    "ZoneoutCell",
    "ResidualCell",
    "BidirectionalCell",
    "BaseConvRNNCell",
    "ConvRNNCell",
    "ConvLSTMCell",
    "ConvGRUCell",
]

_MODIFIED = (
    "After applying modifier cells (e.g. DropoutCell) the base cell cannot be "
    "called directly. Call the modifier cell instead."
)


def _cells_state_info(cells) -> list:
    return [info for c in cells for info in c.state_info]


def _cells_begin_state(cells, **kwargs) -> list:
    return [s for c in cells for s in c.begin_state(**kwargs)]


def _cells_unpack_weights(cells, args: dict) -> dict:
    for c in cells:
        args = c.unpack_weights(args)
    return args


def _cells_pack_weights(cells, args: dict) -> dict:
    for c in cells:
        args = c.pack_weights(args)
    return args


def _normalize_sequence(length, inputs, layout: str, merge, in_layout=None):
    """Bring ``inputs`` to the requested form.

    ``merge=False``: a list of per-step symbols (a single Symbol is split along
    its T axis); ``merge=True``: one symbol with the steps stacked on the T axis
    of ``layout``; ``merge=None``: left as given. Returns ``(inputs, t_axis)``.
    """
    if inputs is None:
        raise AssertionValueError(
            "unroll(inputs=None) has been deprecated. Please create input "
            "variables outside unroll."
        )
    axis = layout.find("T")
    if axis < 0:
        raise AssertionValueError(
            f"layout {layout!r} has no time axis 'T'; expected e.g. 'NTC' or 'TNC'"
        )
    in_axis = in_layout.find("T") if in_layout is not None else axis
    if isinstance(inputs, symbol.Symbol):
        if merge is False:
            if len(inputs.list_outputs()) != 1:
                raise AssertionValueError(
                    "unroll doesn't allow grouped symbol as input "
                    f"({len(inputs.list_outputs())} outputs). Please convert to list "
                    "with list(inputs) first or let unroll handle splitting."
                )
            inputs = list(
                symbol.split(inputs, axis=in_axis, num_outputs=length, squeeze_axis=1)
            )
    else:
        if not isinstance(inputs, (list, tuple)):
            raise AssertionTypeError(
                "inputs must be a Symbol or a list of Symbols (one per time step), "
                f"got {type(inputs).__name__}"
            )
        if length is not None and len(inputs) != length:
            raise AssertionValueError(
                f"unroll(length={length}) got {len(inputs)} input steps"
            )
        if merge is True:
            steps = [symbol.expand_dims(i, axis=axis) for i in inputs]
            inputs = symbol.Concat(*steps, dim=axis)
            in_axis = axis
    if isinstance(inputs, symbol.Symbol) and axis != in_axis:
        inputs = symbol.swapaxes(inputs, dim0=axis, dim1=in_axis)
    return inputs, axis


class RNNParams:
    """A container of parameter variables shared between cells.

    Parameters
    ----------
    prefix : str
        Prepended to every name asked for with :meth:`get`.
    """

    def __init__(self, prefix: str = "") -> None:
        self._prefix = prefix
        self._params: dict[str, symbol.Symbol] = {}

    def get(self, name: str, **kwargs) -> symbol.Symbol:
        """The variable ``prefix + name``, created with ``sym.Variable(...,
        **kwargs)`` the first time it is asked for."""
        full = self._prefix + name
        if full not in self._params:
            self._params[full] = symbol.Variable(full, **kwargs)
        return self._params[full]


class BaseRNNCell:
    """Base class of the symbolic RNN cells.

    Parameters
    ----------
    prefix : str
        Prefix of node names (and of parameter names when ``params`` is None).
    params : RNNParams or None
        Parameter container to share; a new one with ``prefix`` if None.
    """

    def __init__(self, prefix: str = "", params: RNNParams | None = None) -> None:
        if params is None:
            params = RNNParams(prefix)
            self._own_params = True
        else:
            self._own_params = False
        self._prefix = prefix
        self._params = params
        self._modified = False
        self.reset()

    def reset(self) -> None:
        """Restart the step counters (call before building another graph)."""
        self._init_counter = -1
        self._counter = -1
        for cell in getattr(self, "_cells", ()):
            cell.reset()

    def __call__(self, inputs, states):
        """Add one time step: ``(output, new_states)`` for a 2-D ``inputs``
        (batch, features) and the states of the previous step."""
        raise NotImplementedError(
            f"{type(self).__name__} does not define a time step (__call__)"
        )

    @property
    def params(self) -> RNNParams:
        """The parameter container (asking for it marks it shared)."""
        self._own_params = False
        return self._params

    @property
    def state_info(self) -> list:
        """Per state: ``{'shape': ..., '__layout__': ...}``."""
        raise NotImplementedError(f"{type(self).__name__} does not define state_info")

    @property
    def state_shape(self) -> list:
        """Shapes of the states (0 = batch size, inferred later)."""
        return [info["shape"] for info in self.state_info]

    @property
    def _gate_names(self):
        return ()

    def begin_state(self, func: Callable = symbol.zeros, **kwargs) -> list:
        """Initial states, one ``func(name=..., shape=..., __layout__=...,
        **kwargs)`` per state, named ``<prefix>begin_state_<k>``.

        ``func`` is e.g. ``sym.zeros`` (default), ``sym.uniform`` or
        ``sym.Variable`` (states fed as inputs).
        """
        if self._modified:
            raise AssertionValueError(_MODIFIED)
        states = []
        for info in self.state_info:
            self._init_counter += 1
            if info is not None:
                kwargs.update(info)
            name = f"{self._prefix}begin_state_{self._init_counter}"
            states.append(func(name=name, **kwargs))
        return states

    def unpack_weights(self, args: dict) -> dict:
        """Split each fused gate matrix of this cell into one per gate.

        ``<prefix>i2h_weight`` (gates stacked on axis 0) becomes
        ``<prefix>i2h<gate>_weight`` per gate (``_i, _f, _c, _o`` for LSTM), and
        likewise for ``h2h`` and the biases. Returns a new dict (other entries
        kept); :meth:`pack_weights` is the inverse.
        """
        args = dict(args)
        gates = self._gate_names
        if not gates:
            return args
        h = self._num_hidden
        for group in ("i2h", "h2h"):
            weight = _pop(args, f"{self._prefix}{group}_weight")
            bias = _pop(args, f"{self._prefix}{group}_bias")
            _check_rows(weight, len(gates) * h, f"{self._prefix}{group}_weight")
            _check_rows(bias, len(gates) * h, f"{self._prefix}{group}_bias")
            for j, gate in enumerate(gates):
                args[f"{self._prefix}{group}{gate}_weight"] = weight[
                    j * h : (j + 1) * h
                ].copy()
                args[f"{self._prefix}{group}{gate}_bias"] = bias[
                    j * h : (j + 1) * h
                ].copy()
        return args

    def pack_weights(self, args: dict) -> dict:
        """Join per-gate matrices back into this cell's fused ones (the inverse
        of :meth:`unpack_weights`). Returns a new dict."""
        args = dict(args)
        gates = self._gate_names
        if not gates:
            return args
        for group in ("i2h", "h2h"):
            weights = [_pop(args, f"{self._prefix}{group}{g}_weight") for g in gates]
            biases = [_pop(args, f"{self._prefix}{group}{g}_bias") for g in gates]
            args[f"{self._prefix}{group}_weight"] = ndarray.concatenate(weights)
            args[f"{self._prefix}{group}_bias"] = ndarray.concatenate(biases)
        return args

    def unroll(
        self,
        length: int,
        inputs,
        begin_state=None,
        layout: str = "NTC",
        merge_outputs: bool | None = None,
    ):
        """Run the cell over ``length`` steps.

        Parameters
        ----------
        length : int
            Number of steps.
        inputs : Symbol or list of Symbol
            One symbol laid out as ``layout`` (split along T here), or one
            (batch, ...) symbol per step.
        begin_state : list of Symbol, optional
            Initial states; :meth:`begin_state` if None.
        layout : str
            ``'NTC'`` or ``'TNC'``: layout of a single-symbol input and output.
        merge_outputs : bool or None
            True: one symbol with the steps stacked on the T axis; False: a list
            of per-step symbols; None: whichever the cell produces directly.

        Returns
        -------
        (outputs, states)
        """
        self.reset()
        steps, _ = _normalize_sequence(length, inputs, layout, False)
        states = self.begin_state() if begin_state is None else begin_state
        outputs = []
        for t in range(length):
            out, states = self(steps[t], states)
            outputs.append(out)
        outputs, _ = _normalize_sequence(length, outputs, layout, merge_outputs)
        return outputs, states

    def _get_activation(self, inputs, activation, **kwargs):
        """``Activation(act_type=activation)`` for a string, else
        ``activation(inputs, **kwargs)``."""
        if isinstance(activation, string_types):
            return symbol.Activation(inputs, act_type=activation, **kwargs)
        return activation(inputs, **kwargs)


def _pop(args: dict, name: str):
    try:
        return args.pop(name)
    except KeyError:
        raise KeyError(
            f"parameter {name!r} not found; the dict holds {sorted(args)}"
        ) from None


def _check_rows(arr, rows: int, name: str) -> None:
    if arr.shape[0] != rows:
        raise AssertionValueError(
            f"{name} has shape {tuple(arr.shape)}; expected {rows} rows "
            "(gates x num_hidden)"
        )


def _step_name(cell: BaseRNNCell) -> str:
    cell._counter += 1
    return f"{cell._prefix}t{cell._counter}_"


class RNNCell(BaseRNNCell):
    """Elman RNN cell: ``h' = act(W_i x + b_i + W_h h + b_h)``.

    Parameters
    ----------
    num_hidden : int
        Size of the hidden state.
    activation : str or callable, default 'tanh'
        Activation type (``'tanh'``, ``'relu'``, ...) or a symbol function.
    prefix : str, default 'rnn_'
    params : RNNParams or None
    """

    def __init__(
        self,
        num_hidden: int,
        activation="tanh",
        prefix: str = "rnn_",
        params: RNNParams | None = None,
    ) -> None:
        super().__init__(prefix=prefix, params=params)
        self._num_hidden = num_hidden
        self._activation = activation
        self._iW = self.params.get("i2h_weight")
        self._iB = self.params.get("i2h_bias")
        self._hW = self.params.get("h2h_weight")
        self._hB = self.params.get("h2h_bias")

    @property
    def state_info(self) -> list:
        return [{"shape": (0, self._num_hidden), "__layout__": "NC"}]

    @property
    def _gate_names(self):
        return ("",)

    def __call__(self, inputs, states):
        name = _step_name(self)
        i2h = symbol.FullyConnected(
            data=inputs,
            weight=self._iW,
            bias=self._iB,
            num_hidden=self._num_hidden,
            name=f"{name}i2h",
        )
        h2h = symbol.FullyConnected(
            data=states[0],
            weight=self._hW,
            bias=self._hB,
            num_hidden=self._num_hidden,
            name=f"{name}h2h",
        )
        out = self._get_activation(i2h + h2h, self._activation, name=f"{name}out")
        return out, [out]


class LSTMCell(BaseRNNCell):
    """LSTM cell; states ``[h, c]``, gates ``i, f, c, o``.

    Parameters
    ----------
    num_hidden : int
    prefix : str, default 'lstm_'
    params : RNNParams or None
    forget_bias : float, default 1.0
        Added to the forget-gate part of ``i2h_bias`` by its initializer
        (``init.LSTMBias``).
    """

    def __init__(
        self,
        num_hidden: int,
        prefix: str = "lstm_",
        params: RNNParams | None = None,
        forget_bias: float = 1.0,
    ) -> None:
        super().__init__(prefix=prefix, params=params)
        self._num_hidden = num_hidden
        self._iW = self.params.get("i2h_weight")
        self._hW = self.params.get("h2h_weight")
        self._iB = self.params.get(
            "i2h_bias", init=init.LSTMBias(forget_bias=forget_bias)
        )
        self._hB = self.params.get("h2h_bias")

    @property
    def state_info(self) -> list:
        return [
            {"shape": (0, self._num_hidden), "__layout__": "NC"},
            {"shape": (0, self._num_hidden), "__layout__": "NC"},
        ]

    @property
    def _gate_names(self):
        return ["_i", "_f", "_c", "_o"]

    def __call__(self, inputs, states):
        name = _step_name(self)
        h = self._num_hidden
        i2h = symbol.FullyConnected(
            data=inputs,
            weight=self._iW,
            bias=self._iB,
            num_hidden=h * 4,
            name=f"{name}i2h",
        )
        h2h = symbol.FullyConnected(
            data=states[0],
            weight=self._hW,
            bias=self._hB,
            num_hidden=h * 4,
            name=f"{name}h2h",
        )
        gates = symbol.SliceChannel(i2h + h2h, num_outputs=4, name=f"{name}slice")
        in_gate = symbol.Activation(gates[0], act_type="sigmoid", name=f"{name}i")
        forget_gate = symbol.Activation(gates[1], act_type="sigmoid", name=f"{name}f")
        in_transform = symbol.Activation(gates[2], act_type="tanh", name=f"{name}c")
        out_gate = symbol.Activation(gates[3], act_type="sigmoid", name=f"{name}o")
        next_c = symbol._internal._plus(
            forget_gate * states[1], in_gate * in_transform, name=f"{name}state"
        )
        next_h = symbol._internal._mul(
            out_gate, symbol.Activation(next_c, act_type="tanh"), name=f"{name}out"
        )
        return next_h, [next_h, next_c]


class GRUCell(BaseRNNCell):
    """GRU cell in cuDNN's form (reset gate applied to ``W_h h + b_h``);
    gates ``r, z, o``.

    Parameters
    ----------
    num_hidden : int
    prefix : str, default 'gru_'
    params : RNNParams or None
    """

    def __init__(
        self, num_hidden: int, prefix: str = "gru_", params: RNNParams | None = None
    ) -> None:
        super().__init__(prefix=prefix, params=params)
        self._num_hidden = num_hidden
        self._iW = self.params.get("i2h_weight")
        self._iB = self.params.get("i2h_bias")
        self._hW = self.params.get("h2h_weight")
        self._hB = self.params.get("h2h_bias")

    @property
    def state_info(self) -> list:
        return [{"shape": (0, self._num_hidden), "__layout__": "NC"}]

    @property
    def _gate_names(self):
        return ["_r", "_z", "_o"]

    def __call__(self, inputs, states):
        name = _step_name(self)
        prev_h = states[0]
        h = self._num_hidden
        i2h = symbol.FullyConnected(
            data=inputs,
            weight=self._iW,
            bias=self._iB,
            num_hidden=h * 3,
            name=f"{name}_i2h",
        )
        h2h = symbol.FullyConnected(
            data=prev_h,
            weight=self._hW,
            bias=self._hB,
            num_hidden=h * 3,
            name=f"{name}_h2h",
        )
        i2h_r, i2h_z, i2h_n = symbol.SliceChannel(
            i2h, num_outputs=3, name=f"{name}_i2h_slice"
        )
        h2h_r, h2h_z, h2h_n = symbol.SliceChannel(
            h2h, num_outputs=3, name=f"{name}_h2h_slice"
        )
        reset = symbol.Activation(
            i2h_r + h2h_r, act_type="sigmoid", name=f"{name}_r_act"
        )
        update = symbol.Activation(
            i2h_z + h2h_z, act_type="sigmoid", name=f"{name}_z_act"
        )
        cand = symbol.Activation(
            i2h_n + reset * h2h_n, act_type="tanh", name=f"{name}_h_act"
        )
        next_h = symbol._internal._plus(
            (1.0 - update) * cand, update * prev_h, name=f"{name}out"
        )
        return next_h, [next_h]


_FUSED_GATES = {
    "rnn_relu": [""],
    "rnn_tanh": [""],
    "lstm": ["_i", "_f", "_c", "_o"],
    "gru": ["_r", "_z", "_o"],
}


class FusedRNNCell(BaseRNNCell):
    """All layers and steps in one fused ``RNN`` operator.

    The weights of all layers live in one flat variable
    ``<prefix>parameters`` (cuDNN's layout); :meth:`unpack_weights` splits it
    into ``<prefix><l|r><layer>_<i2h|h2h><gate>_<weight|bias>`` arrays and
    :meth:`unfuse` builds the equivalent stack of unfused cells with those
    names.

    Parameters
    ----------
    num_hidden : int
    num_layers : int, default 1
    mode : str, default 'lstm'
        ``'rnn_relu'``, ``'rnn_tanh'``, ``'lstm'`` or ``'gru'``.
    bidirectional : bool, default False
        Output size doubles when True.
    dropout : float, default 0
        Dropout between layers (training only).
    get_next_state : bool, default False
        Return the final states from ``unroll``.
    forget_bias : float, default 1.0
        LSTM forget-gate bias set by the ``init.FusedRNN`` initializer.
    prefix : str, default ``'<mode>_'``
    params : RNNParams or None
    """

    def __init__(
        self,
        num_hidden: int,
        num_layers: int = 1,
        mode: str = "lstm",
        bidirectional: bool = False,
        dropout: float = 0.0,
        get_next_state: bool = False,
        forget_bias: float = 1.0,
        prefix: str | None = None,
        params: RNNParams | None = None,
    ) -> None:
        if mode not in _FUSED_GATES:
            raise ValueError(
                f"FusedRNNCell mode {mode!r} is not one of {sorted(_FUSED_GATES)}"
            )
        if prefix is None:
            prefix = f"{mode}_"
        super().__init__(prefix=prefix, params=params)
        self._num_hidden = num_hidden
        self._num_layers = num_layers
        self._mode = mode
        self._bidirectional = bidirectional
        self._dropout = dropout
        self._get_next_state = get_next_state
        self._directions = ["l", "r"] if bidirectional else ["l"]
        initializer = init.FusedRNN(
            None, num_hidden, num_layers, mode, bidirectional, forget_bias
        )
        self._parameter = self.params.get("parameters", init=initializer)

    @property
    def state_info(self) -> list:
        b = 2 if self._bidirectional else 1
        n = 2 if self._mode == "lstm" else 1
        return [
            {"shape": (b * self._num_layers, 0, self._num_hidden), "__layout__": "LNC"}
            for _ in range(n)
        ]

    @property
    def _gate_names(self):
        return _FUSED_GATES[self._mode]

    @property
    def _num_gates(self) -> int:
        return len(self._gate_names)

    def _layout_entries(self, num_input: int):
        """``(name, offset, shape)`` of every per-gate array inside the flat
        parameter vector, in cuDNN's order: all weights (per layer, direction:
        i2h gates then h2h gates), then all biases in the same order."""
        h = self._num_hidden
        b = len(self._directions)
        gates = self._gate_names
        entries = []
        p = 0
        for layer in range(self._num_layers):
            in_size = num_input if layer == 0 else b * h
            for d in self._directions:
                for g in gates:
                    entries.append(
                        (f"{self._prefix}{d}{layer}_i2h{g}_weight", p, (h, in_size))
                    )
                    p += h * in_size
                for g in gates:
                    entries.append(
                        (f"{self._prefix}{d}{layer}_h2h{g}_weight", p, (h, h))
                    )
                    p += h * h
        for layer in range(self._num_layers):
            for d in self._directions:
                for group in ("i2h", "h2h"):
                    for g in gates:
                        entries.append(
                            (f"{self._prefix}{d}{layer}_{group}{g}_bias", p, (h,))
                        )
                        p += h
        return entries, p

    def _num_input(self, total: int) -> int:
        b = len(self._directions)
        m = self._num_gates
        h = self._num_hidden
        rest = (self._num_layers - 1) * (h + b * h + 2)
        num_input = total // b // h // m - rest - h - 2
        _, expected = self._layout_entries(max(num_input, 0))
        if num_input <= 0 or expected != total:
            raise AssertionValueError(
                f"Invalid parameters size for FusedRNNCell: {total} elements do not "
                f"fit mode={self._mode!r}, num_hidden={h}, num_layers="
                f"{self._num_layers}, bidirectional={self._bidirectional} for any "
                "input size"
            )
        return num_input

    def unpack_weights(self, args: dict) -> dict:
        """Replace ``<prefix>parameters`` by its per-layer, per-direction,
        per-gate arrays (copies). Returns a new dict."""
        args = dict(args)
        arr = _pop(args, self._parameter.name)
        flat = arr.reshape((-1,))
        entries, _ = self._layout_entries(self._num_input(flat.size))
        for name, offset, shape in entries:
            size = 1
            for d in shape:
                size *= d
            args[name] = flat[offset : offset + size].reshape(shape).copy()
        return args

    def pack_weights(self, args: dict) -> dict:
        """Join the per-gate arrays of :meth:`unpack_weights` into
        ``<prefix>parameters``. Returns a new dict."""
        args = dict(args)
        first = f"{self._prefix}l0_i2h{self._gate_names[0]}_weight"
        if first not in args:
            raise KeyError(
                f"parameter {first!r} not found; the dict holds {sorted(args)}"
            )
        num_input = args[first].shape[1]
        entries, _ = self._layout_entries(num_input)
        pieces = []
        for name, _offset, shape in entries:
            arr = _pop(args, name)
            if tuple(arr.shape) != shape:
                raise AssertionValueError(
                    f"{name} has shape {tuple(arr.shape)}; expected {shape}"
                )
            pieces.append(arr.reshape((-1,)))
        args[self._parameter.name] = ndarray.concatenate(pieces)
        return args

    def __call__(self, inputs, states):
        raise NotImplementedError("FusedRNNCell cannot be stepped. Please use unroll")

    def unroll(
        self,
        length: int,
        inputs,
        begin_state=None,
        layout: str = "NTC",
        merge_outputs: bool | None = None,
    ):
        self.reset()
        inputs, axis = _normalize_sequence(length, inputs, layout, True)
        if axis == 1:
            warnings.warn(
                "NTC layout detected. Consider using TNC for FusedRNNCell for "
                "faster speed",
                stacklevel=2,
            )
            inputs = symbol.swapaxes(inputs, dim1=0, dim2=1)
        elif axis != 0:
            raise AssertionValueError(f"Unsupported layout {layout}")
        if begin_state is None:
            begin_state = self.begin_state()
        states = {"state": begin_state[0]}
        if self._mode == "lstm":
            states["state_cell"] = begin_state[1]
        rnn = symbol.RNN(
            data=inputs,
            parameters=self._parameter,
            state_size=self._num_hidden,
            num_layers=self._num_layers,
            bidirectional=self._bidirectional,
            p=self._dropout,
            state_outputs=self._get_next_state,
            mode=self._mode,
            name=self._prefix + "rnn",
            **states,
        )
        if not self._get_next_state:
            outputs, states = rnn, []
        else:
            n_states = 2 if self._mode == "lstm" else 1
            for k in range(1, n_states + 1):
                rnn[k]._set_attr(__layout__="LNC")
            outputs = rnn[0]
            states = [rnn[k] for k in range(1, n_states + 1)]
        if axis == 1:
            outputs = symbol.swapaxes(outputs, dim1=0, dim2=1)
        outputs, _ = _normalize_sequence(length, outputs, layout, merge_outputs)
        return outputs, states

    def unfuse(self) -> SequentialRNNCell:
        """The same network as a :class:`SequentialRNNCell` of unfused cells
        (``<prefix>l<k>_`` / ``<prefix>r<k>_`` prefixes, matching
        :meth:`unpack_weights`), with a :class:`DropoutCell` between layers
        when ``dropout > 0``."""
        h = self._num_hidden

        def make(cell_prefix: str) -> BaseRNNCell:
            if self._mode == "rnn_relu":
                return RNNCell(h, activation="relu", prefix=cell_prefix)
            if self._mode == "rnn_tanh":
                return RNNCell(h, activation="tanh", prefix=cell_prefix)
            if self._mode == "lstm":
                return LSTMCell(h, prefix=cell_prefix)
            return GRUCell(h, prefix=cell_prefix)

        stack = SequentialRNNCell()
        for i in range(self._num_layers):
            if self._bidirectional:
                stack.add(
                    BidirectionalCell(
                        make(f"{self._prefix}l{i}_"),
                        make(f"{self._prefix}r{i}_"),
                        output_prefix=f"{self._prefix}bi_l{i}_",
                    )
                )
            else:
                stack.add(make(f"{self._prefix}l{i}_"))
            if self._dropout > 0 and i != self._num_layers - 1:
                stack.add(
                    DropoutCell(self._dropout, prefix=f"{self._prefix}_dropout{i}_")
                )
        return stack


class SequentialRNNCell(BaseRNNCell):
    """Cells stacked on top of each other: each one's output is the next
    one's input.

    Parameters
    ----------
    params : RNNParams or None
        Shared by all children when given (children must then own theirs).
    """

    def __init__(self, params: RNNParams | None = None) -> None:
        super().__init__(prefix="", params=params)
        self._override_cell_params = params is not None
        self._cells: list[BaseRNNCell] = []

    def add(self, cell: BaseRNNCell) -> None:
        """Append ``cell`` on top of the stack."""
        self._cells.append(cell)
        if self._override_cell_params:
            if not cell._own_params:
                raise AssertionValueError(
                    "Either specify params for SequentialRNNCell or child cells, "
                    "not both."
                )
            cell.params._params.update(self.params._params)
        self.params._params.update(cell.params._params)

    @property
    def state_info(self) -> list:
        return _cells_state_info(self._cells)

    def begin_state(self, **kwargs) -> list:
        if self._modified:
            raise AssertionValueError(_MODIFIED)
        return _cells_begin_state(self._cells, **kwargs)

    def unpack_weights(self, args: dict) -> dict:
        return _cells_unpack_weights(self._cells, args)

    def pack_weights(self, args: dict) -> dict:
        return _cells_pack_weights(self._cells, args)

    def __call__(self, inputs, states):
        self._counter += 1
        next_states = []
        p = 0
        for cell in self._cells:
            if isinstance(cell, BidirectionalCell):
                raise AssertionTypeError(
                    "a SequentialRNNCell holding a BidirectionalCell cannot be "
                    "stepped; use unroll"
                )
            n = len(cell.state_info)
            inputs, new = cell(inputs, states[p : p + n])
            p += n
            next_states.extend(new)
        return inputs, next_states

    def unroll(
        self,
        length: int,
        inputs,
        begin_state=None,
        layout: str = "NTC",
        merge_outputs: bool | None = None,
    ):
        self.reset()
        if begin_state is None:
            begin_state = self.begin_state()
        last = len(self._cells) - 1
        p = 0
        next_states = []
        for i, cell in enumerate(self._cells):
            n = len(cell.state_info)
            inputs, states = cell.unroll(
                length,
                inputs=inputs,
                begin_state=begin_state[p : p + n],
                layout=layout,
                merge_outputs=None if i < last else merge_outputs,
            )
            p += n
            next_states.extend(states)
        return inputs, next_states


class DropoutCell(BaseRNNCell):
    """Dropout on the inputs (no state).

    Parameters
    ----------
    dropout : float
        Fraction of elements dropped (training only).
    prefix : str, default 'dropout_'
    params : RNNParams or None
    """

    def __init__(
        self, dropout: float, prefix: str = "dropout_", params: RNNParams | None = None
    ) -> None:
        super().__init__(prefix, params)
        if not isinstance(dropout, numeric_types) or isinstance(dropout, bool):
            raise AssertionTypeError(
                f"dropout probability must be a number, got {type(dropout).__name__}"
            )
        self.dropout = dropout

    @property
    def state_info(self) -> list:
        return []

    def __call__(self, inputs, states):
        if self.dropout > 0:
            inputs = symbol.Dropout(data=inputs, p=self.dropout)
        return inputs, states

    def unroll(
        self,
        length: int,
        inputs,
        begin_state=None,
        layout: str = "NTC",
        merge_outputs: bool | None = None,
    ):
        self.reset()
        inputs, _ = _normalize_sequence(length, inputs, layout, merge_outputs)
        if isinstance(inputs, symbol.Symbol):
            return self(inputs, [])
        return super().unroll(
            length,
            inputs,
            begin_state=begin_state,
            layout=layout,
            merge_outputs=merge_outputs,
        )


class ModifierCell(BaseRNNCell):
    """Base of cells that wrap another cell (``base_cell``) and change its
    behaviour; after wrapping, only the modifier may be used."""

    def __init__(self, base_cell: BaseRNNCell) -> None:
        super().__init__()
        base_cell._modified = True
        self.base_cell = base_cell

    @property
    def params(self) -> RNNParams:
        self._own_params = False
        return self.base_cell.params

    @property
    def state_info(self) -> list:
        return self.base_cell.state_info

    def begin_state(self, init_sym: Callable = symbol.zeros, **kwargs) -> list:
        # ``func=`` (the keyword of the other cells' begin_state, passed down by
        # containers) is accepted too; MXNet 1.9.1 fails on it with a TypeError.
        if "func" in kwargs:
            init_sym = kwargs.pop("func")
        if self._modified:
            raise AssertionValueError(_MODIFIED)
        self.base_cell._modified = False
        try:
            begin = self.base_cell.begin_state(init_sym, **kwargs)
        finally:
            self.base_cell._modified = True
        return begin

    def unpack_weights(self, args: dict) -> dict:
        return self.base_cell.unpack_weights(args)

    def pack_weights(self, args: dict) -> dict:
        return self.base_cell.pack_weights(args)

    def __call__(self, inputs, states):
        raise NotImplementedError(
            f"{type(self).__name__} does not define a time step (__call__)"
        )


def _has_bidirectional(cell: BaseRNNCell) -> bool:
    if isinstance(cell, BidirectionalCell):
        return True
    if isinstance(cell, SequentialRNNCell):
        return any(_has_bidirectional(c) for c in cell._cells)
    return False


class ZoneoutCell(ModifierCell):
    """Zoneout (Krueger et al. 2016) on a cell's output and states: during
    training each element keeps its previous value with probability
    ``zoneout_outputs`` / ``zoneout_states``.

    Parameters
    ----------
    base_cell : BaseRNNCell
        A steppable cell (not fused, not bidirectional).
    zoneout_outputs : float, default 0
    zoneout_states : float, default 0
    """

    def __init__(
        self,
        base_cell: BaseRNNCell,
        zoneout_outputs: float = 0.0,
        zoneout_states: float = 0.0,
    ) -> None:
        if isinstance(base_cell, FusedRNNCell):
            raise AssertionTypeError(
                "FusedRNNCell doesn't support zoneout. Please unfuse first."
            )
        if isinstance(base_cell, BidirectionalCell):
            raise AssertionTypeError(
                "BidirectionalCell doesn't support zoneout since it doesn't support "
                "step. Please add ZoneoutCell to the cells underneath instead."
            )
        # MXNet 1.9.1 reads a SequentialRNNCell._bidirectional attribute that
        # does not exist (AttributeError); the intended check is done here.
        if isinstance(base_cell, SequentialRNNCell) and _has_bidirectional(base_cell):
            raise AssertionTypeError(
                "Bidirectional SequentialRNNCell doesn't support zoneout. Please add "
                "ZoneoutCell to the cells underneath instead."
            )
        super().__init__(base_cell)
        self.zoneout_outputs = zoneout_outputs
        self.zoneout_states = zoneout_states
        self.prev_output = None

    def reset(self) -> None:
        super().reset()
        self.prev_output = None

    def __call__(self, inputs, states):
        p_out, p_state = self.zoneout_outputs, self.zoneout_states
        next_output, next_states = self.base_cell(inputs, states)

        def keep_new(p, like):
            return symbol.Dropout(symbol.ones_like(like), p=p)

        prev = (
            self.prev_output if self.prev_output is not None else symbol.zeros((0, 0))
        )
        if p_out != 0.0:
            output = symbol.where(keep_new(p_out, next_output), next_output, prev)
        else:
            output = next_output
        if p_state != 0.0:
            states = [
                symbol.where(keep_new(p_state, new), new, old)
                for new, old in zip(next_states, states, strict=True)
            ]
        else:
            states = next_states
        self.prev_output = output
        return output, states


class ResidualCell(ModifierCell):
    """Adds the input to the base cell's output (Wu et al. 2016); the node
    is named ``<output name>_plus_residual``.

    Parameters
    ----------
    base_cell : BaseRNNCell
    """

    def __init__(self, base_cell: BaseRNNCell) -> None:
        super().__init__(base_cell)

    def __call__(self, inputs, states):
        output, states = self.base_cell(inputs, states)
        output = symbol.elemwise_add(
            output, inputs, name=f"{output.name}_plus_residual"
        )
        return output, states

    def unroll(
        self,
        length: int,
        inputs,
        begin_state=None,
        layout: str = "NTC",
        merge_outputs: bool | None = None,
    ):
        self.reset()
        self.base_cell._modified = False
        try:
            outputs, states = self.base_cell.unroll(
                length,
                inputs=inputs,
                begin_state=begin_state,
                layout=layout,
                merge_outputs=merge_outputs,
            )
        finally:
            self.base_cell._modified = True
        if merge_outputs is None:
            merge_outputs = isinstance(outputs, symbol.Symbol)
        inputs, _ = _normalize_sequence(length, inputs, layout, merge_outputs)
        if merge_outputs:
            outputs = symbol.elemwise_add(
                outputs, inputs, name=f"{outputs.name}_plus_residual"
            )
        else:
            outputs = [
                symbol.elemwise_add(o, i, name=f"{o.name}_plus_residual")
                for o, i in zip(outputs, inputs, strict=True)
            ]
        return outputs, states


class BidirectionalCell(BaseRNNCell):
    """Runs ``l_cell`` forward and ``r_cell`` backward in time and
    concatenates their outputs (features axis); only ``unroll`` works.

    Parameters
    ----------
    l_cell, r_cell : BaseRNNCell
    params : RNNParams or None
        Shared by both cells when given (they must then own theirs).
    output_prefix : str, default 'bi_'
        Output nodes are ``<output_prefix>t<k>`` (list) or
        ``<output_prefix>out`` (merged).
    """

    def __init__(
        self,
        l_cell: BaseRNNCell,
        r_cell: BaseRNNCell,
        params: RNNParams | None = None,
        output_prefix: str = "bi_",
    ) -> None:
        super().__init__("", params=params)
        self._output_prefix = output_prefix
        self._override_cell_params = params is not None
        if self._override_cell_params:
            if not (l_cell._own_params and r_cell._own_params):
                raise AssertionValueError(
                    "Either specify params for BidirectionalCell or child cells, "
                    "not both."
                )
            l_cell.params._params.update(self.params._params)
            r_cell.params._params.update(self.params._params)
        self.params._params.update(l_cell.params._params)
        self.params._params.update(r_cell.params._params)
        self._cells = [l_cell, r_cell]

    def unpack_weights(self, args: dict) -> dict:
        return _cells_unpack_weights(self._cells, args)

    def pack_weights(self, args: dict) -> dict:
        return _cells_pack_weights(self._cells, args)

    def __call__(self, inputs, states):
        raise NotImplementedError("Bidirectional cannot be stepped. Please use unroll")

    @property
    def state_info(self) -> list:
        return _cells_state_info(self._cells)

    def begin_state(self, **kwargs) -> list:
        if self._modified:
            raise AssertionValueError(_MODIFIED)
        return _cells_begin_state(self._cells, **kwargs)

    def unroll(
        self,
        length: int,
        inputs,
        begin_state=None,
        layout: str = "NTC",
        merge_outputs: bool | None = None,
    ):
        self.reset()
        inputs, axis = _normalize_sequence(length, inputs, layout, False)
        if begin_state is None:
            begin_state = self.begin_state()
        l_cell, r_cell = self._cells
        n_l = len(l_cell.state_info)
        l_outputs, l_states = l_cell.unroll(
            length,
            inputs=inputs,
            begin_state=begin_state[:n_l],
            layout=layout,
            merge_outputs=merge_outputs,
        )
        r_outputs, r_states = r_cell.unroll(
            length,
            inputs=list(reversed(inputs)),
            begin_state=begin_state[n_l:],
            layout=layout,
            merge_outputs=merge_outputs,
        )
        if merge_outputs is None:
            merge_outputs = isinstance(l_outputs, symbol.Symbol) and isinstance(
                r_outputs, symbol.Symbol
            )
            if not merge_outputs:
                if isinstance(l_outputs, symbol.Symbol):
                    l_outputs = list(
                        symbol.SliceChannel(
                            l_outputs, axis=axis, num_outputs=length, squeeze_axis=1
                        )
                    )
                if isinstance(r_outputs, symbol.Symbol):
                    r_outputs = list(
                        symbol.SliceChannel(
                            r_outputs, axis=axis, num_outputs=length, squeeze_axis=1
                        )
                    )
        if merge_outputs:
            outputs = symbol.Concat(
                l_outputs,
                symbol.reverse(r_outputs, axis=axis),
                dim=2,
                name=f"{self._output_prefix}out",
            )
        else:
            r_outputs = list(reversed(r_outputs))
            outputs = [
                symbol.Concat(l_o, r_o, dim=1, name=f"{self._output_prefix}t{i}")
                for i, (l_o, r_o) in enumerate(zip(l_outputs, r_outputs, strict=True))
            ]
        return outputs, [l_states, r_states]


class BaseConvRNNCell(BaseRNNCell):
    """Base of the convolutional cells: ``i2h`` and ``h2h`` are 2-D
    convolutions; the state shape is the ``i2h`` output for ``input_shape``."""

    def __init__(
        self,
        input_shape: Sequence[int],
        num_hidden: int,
        h2h_kernel,
        h2h_dilate,
        i2h_kernel,
        i2h_stride,
        i2h_pad,
        i2h_dilate,
        i2h_weight_initializer,
        h2h_weight_initializer,
        i2h_bias_initializer,
        h2h_bias_initializer,
        activation,
        prefix: str = "",
        params: RNNParams | None = None,
        conv_layout: str = "NCHW",
    ) -> None:
        super().__init__(prefix=prefix, params=params)
        if h2h_kernel[0] % 2 != 1 or h2h_kernel[1] % 2 != 1:
            raise AssertionValueError(
                f"Only support odd number, get h2h_kernel= {h2h_kernel}"
            )
        self._h2h_kernel = h2h_kernel
        self._h2h_pad = (
            h2h_dilate[0] * (h2h_kernel[0] - 1) // 2,
            h2h_dilate[1] * (h2h_kernel[1] - 1) // 2,
        )
        self._h2h_dilate = h2h_dilate
        self._i2h_kernel = i2h_kernel
        self._i2h_stride = i2h_stride
        self._i2h_pad = i2h_pad
        self._i2h_dilate = i2h_dilate
        self._num_hidden = num_hidden
        self._input_shape = input_shape
        self._conv_layout = conv_layout
        self._activation = activation

        probe = symbol.Convolution(
            data=symbol.Variable("data"),
            num_filter=num_hidden,
            kernel=i2h_kernel,
            stride=i2h_stride,
            pad=i2h_pad,
            dilate=i2h_dilate,
            layout=conv_layout,
        )
        out_shape = probe.infer_shape(data=tuple(input_shape))[1][0]
        self._state_shape = (0,) + tuple(out_shape[1:])

        self._iW = self.params.get("i2h_weight", init=i2h_weight_initializer)
        self._hW = self.params.get("h2h_weight", init=h2h_weight_initializer)
        self._iB = self.params.get("i2h_bias", init=i2h_bias_initializer)
        self._hB = self.params.get("h2h_bias", init=h2h_bias_initializer)

    @property
    def _num_gates(self) -> int:
        return len(self._gate_names)

    @property
    def state_info(self) -> list:
        return [
            {"shape": self._state_shape, "__layout__": self._conv_layout},
            {"shape": self._state_shape, "__layout__": self._conv_layout},
        ]

    def _conv_forward(self, inputs, states, name: str):
        filters = self._num_hidden * self._num_gates
        i2h = symbol.Convolution(
            name=f"{name}i2h",
            data=inputs,
            num_filter=filters,
            kernel=self._i2h_kernel,
            stride=self._i2h_stride,
            pad=self._i2h_pad,
            dilate=self._i2h_dilate,
            weight=self._iW,
            bias=self._iB,
            layout=self._conv_layout,
        )
        h2h = symbol.Convolution(
            name=f"{name}h2h",
            data=states[0],
            num_filter=filters,
            kernel=self._h2h_kernel,
            dilate=self._h2h_dilate,
            pad=self._h2h_pad,
            stride=(1, 1),
            weight=self._hW,
            bias=self._hB,
            layout=self._conv_layout,
        )
        return i2h, h2h

    def __call__(self, inputs, states):
        raise NotImplementedError(
            "BaseConvRNNCell is abstract class for convolutional RNN"
        )


_CONV_DEFAULT_ACT = functools.partial(symbol.LeakyReLU, act_type="leaky", slope=0.2)


class ConvRNNCell(BaseConvRNNCell):
    """Convolutional RNN cell (2-D convolutions for ``i2h`` and ``h2h``).

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one step's input, e.g. ``(N, C, H, W)``.
    num_hidden : int
        Number of state channels.
    h2h_kernel, h2h_dilate : tuple of int
        ``h2h`` convolution (odd kernel; padding keeps the state size).
    i2h_kernel, i2h_stride, i2h_pad, i2h_dilate : tuple of int
        ``i2h`` convolution.
    i2h_weight_initializer, h2h_weight_initializer : str or Initializer, optional
    i2h_bias_initializer, h2h_bias_initializer : str or Initializer, default 'zeros'
    activation : str or callable, default leaky ReLU with slope 0.2
    prefix : str, default 'ConvRNN_'
    params : RNNParams or None
    conv_layout : str, default 'NCHW'
    """

    def __init__(
        self,
        input_shape,
        num_hidden: int,
        h2h_kernel=(3, 3),
        h2h_dilate=(1, 1),
        i2h_kernel=(3, 3),
        i2h_stride=(1, 1),
        i2h_pad=(1, 1),
        i2h_dilate=(1, 1),
        i2h_weight_initializer=None,
        h2h_weight_initializer=None,
        i2h_bias_initializer="zeros",
        h2h_bias_initializer="zeros",
        activation=_CONV_DEFAULT_ACT,
        prefix: str = "ConvRNN_",
        params: RNNParams | None = None,
        conv_layout: str = "NCHW",
    ) -> None:
        super().__init__(
            input_shape=input_shape,
            num_hidden=num_hidden,
            h2h_kernel=h2h_kernel,
            h2h_dilate=h2h_dilate,
            i2h_kernel=i2h_kernel,
            i2h_stride=i2h_stride,
            i2h_pad=i2h_pad,
            i2h_dilate=i2h_dilate,
            i2h_weight_initializer=i2h_weight_initializer,
            h2h_weight_initializer=h2h_weight_initializer,
            i2h_bias_initializer=i2h_bias_initializer,
            h2h_bias_initializer=h2h_bias_initializer,
            activation=activation,
            prefix=prefix,
            params=params,
            conv_layout=conv_layout,
        )

    @property
    def _gate_names(self):
        return ("",)

    @property
    def state_info(self) -> list:
        return [{"shape": self._state_shape, "__layout__": self._conv_layout}]

    def __call__(self, inputs, states):
        name = _step_name(self)
        i2h, h2h = self._conv_forward(inputs, states, name)
        out = self._get_activation(i2h + h2h, self._activation, name=f"{name}out")
        return out, [out]


class ConvLSTMCell(BaseConvRNNCell):
    """Convolutional LSTM cell (Shi et al. 2015); states ``[h, c]``, gates
    ``i, f, c, o`` sliced along the channel axis of ``conv_layout``. The
    candidate and the state output use ``activation``.

    Parameters are those of :class:`ConvRNNCell` (prefix default
    ``'ConvLSTM_'``).
    """

    def __init__(
        self,
        input_shape,
        num_hidden: int,
        h2h_kernel=(3, 3),
        h2h_dilate=(1, 1),
        i2h_kernel=(3, 3),
        i2h_stride=(1, 1),
        i2h_pad=(1, 1),
        i2h_dilate=(1, 1),
        i2h_weight_initializer=None,
        h2h_weight_initializer=None,
        i2h_bias_initializer="zeros",
        h2h_bias_initializer="zeros",
        activation=_CONV_DEFAULT_ACT,
        prefix: str = "ConvLSTM_",
        params: RNNParams | None = None,
        conv_layout: str = "NCHW",
    ) -> None:
        super().__init__(
            input_shape=input_shape,
            num_hidden=num_hidden,
            h2h_kernel=h2h_kernel,
            h2h_dilate=h2h_dilate,
            i2h_kernel=i2h_kernel,
            i2h_stride=i2h_stride,
            i2h_pad=i2h_pad,
            i2h_dilate=i2h_dilate,
            i2h_weight_initializer=i2h_weight_initializer,
            h2h_weight_initializer=h2h_weight_initializer,
            i2h_bias_initializer=i2h_bias_initializer,
            h2h_bias_initializer=h2h_bias_initializer,
            activation=activation,
            prefix=prefix,
            params=params,
            conv_layout=conv_layout,
        )

    @property
    def _gate_names(self):
        return ["_i", "_f", "_c", "_o"]

    def __call__(self, inputs, states):
        name = _step_name(self)
        i2h, h2h = self._conv_forward(inputs, states, name)
        gates = symbol.SliceChannel(
            i2h + h2h,
            num_outputs=4,
            axis=self._conv_layout.find("C"),
            name=f"{name}slice",
        )
        in_gate = symbol.Activation(gates[0], act_type="sigmoid", name=f"{name}i")
        forget_gate = symbol.Activation(gates[1], act_type="sigmoid", name=f"{name}f")
        in_transform = self._get_activation(gates[2], self._activation, name=f"{name}c")
        out_gate = symbol.Activation(gates[3], act_type="sigmoid", name=f"{name}o")
        next_c = symbol._internal._plus(
            forget_gate * states[1], in_gate * in_transform, name=f"{name}state"
        )
        next_h = symbol._internal._mul(
            out_gate, self._get_activation(next_c, self._activation), name=f"{name}out"
        )
        return next_h, [next_h, next_c]


class ConvGRUCell(BaseConvRNNCell):
    """Convolutional GRU cell; gates ``r, z, o``, the candidate uses
    ``activation``.

    Parameters are those of :class:`ConvRNNCell` (prefix default
    ``'ConvGRU_'``).
    """

    def __init__(
        self,
        input_shape,
        num_hidden: int,
        h2h_kernel=(3, 3),
        h2h_dilate=(1, 1),
        i2h_kernel=(3, 3),
        i2h_stride=(1, 1),
        i2h_pad=(1, 1),
        i2h_dilate=(1, 1),
        i2h_weight_initializer=None,
        h2h_weight_initializer=None,
        i2h_bias_initializer="zeros",
        h2h_bias_initializer="zeros",
        activation=_CONV_DEFAULT_ACT,
        prefix: str = "ConvGRU_",
        params: RNNParams | None = None,
        conv_layout: str = "NCHW",
    ) -> None:
        super().__init__(
            input_shape=input_shape,
            num_hidden=num_hidden,
            h2h_kernel=h2h_kernel,
            h2h_dilate=h2h_dilate,
            i2h_kernel=i2h_kernel,
            i2h_stride=i2h_stride,
            i2h_pad=i2h_pad,
            i2h_dilate=i2h_dilate,
            i2h_weight_initializer=i2h_weight_initializer,
            h2h_weight_initializer=h2h_weight_initializer,
            i2h_bias_initializer=i2h_bias_initializer,
            h2h_bias_initializer=h2h_bias_initializer,
            activation=activation,
            prefix=prefix,
            params=params,
            conv_layout=conv_layout,
        )

    @property
    def _gate_names(self):
        return ["_r", "_z", "_o"]

    @property
    def state_info(self) -> list:
        return [{"shape": self._state_shape, "__layout__": self._conv_layout}]

    def __call__(self, inputs, states):
        name = _step_name(self)
        i2h, h2h = self._conv_forward(inputs, states, name)
        i2h_r, i2h_z, i2h_n = symbol.SliceChannel(
            i2h, num_outputs=3, name=f"{name}_i2h_slice"
        )
        h2h_r, h2h_z, h2h_n = symbol.SliceChannel(
            h2h, num_outputs=3, name=f"{name}_h2h_slice"
        )
        reset = symbol.Activation(
            i2h_r + h2h_r, act_type="sigmoid", name=f"{name}_r_act"
        )
        update = symbol.Activation(
            i2h_z + h2h_z, act_type="sigmoid", name=f"{name}_z_act"
        )
        cand = self._get_activation(
            i2h_n + reset * h2h_n, self._activation, name=f"{name}_h_act"
        )
        next_h = symbol._internal._plus(
            (1.0 - update) * cand, update * states[0], name=f"{name}out"
        )
        return next_h, [next_h]
