"""Recurrent cells and ``unroll`` (MXNet 1.9.1 ``gluon.rnn`` cell API).

A cell computes one time step, ``cell(x_t, states) -> (output, new_states)``;
``unroll`` runs it over a sequence. Gate math matches the fused ``RNN`` op:
LSTM gates ``i, f, c, o``; GRU gates ``r, z, n`` with the reset gate applied
after the recurrent product (cuDNN form).
"""

from __future__ import annotations

from numbers import Number

from ... import ndarray
from ..._text import indent as _indent
from ...ndarray import NDArray
from ...registry import AssertionValueError
from ..block import Block
from ..block import HybridBlock
from ..nn import LeakyReLU

__all__ = [
    "RecurrentCell",
    "HybridRecurrentCell",
    "RNNCell",
    "LSTMCell",
    "GRUCell",
    "SequentialRNNCell",
    "HybridSequentialRNNCell",
    "DropoutCell",
    "ModifierCell",
    "ZoneoutCell",
    "ResidualCell",
    "BidirectionalCell",
]


def _symbol():
    from ... import symbol

    return symbol


def _is_tensor(x) -> bool:
    return isinstance(x, (NDArray, _symbol().Symbol))


def _as_list(x) -> list:
    if isinstance(x, (list, tuple)):
        return list(x)
    if isinstance(x, _symbol().Symbol) and len(x.list_outputs()) > 1:
        return list(x)
    return [x]


def _modified_error(cell) -> AssertionValueError:
    return AssertionValueError(
        f"After applying modifier cells (e.g. ZoneoutCell) the base cell "
        f"'{cell.name}' cannot be called directly. Call the modifier cell instead."
    )


def _cells_state_info(cells, batch_size: int) -> list:
    return sum([c.state_info(batch_size) for c in cells], [])


def _cells_begin_state(cells, **kwargs) -> list:
    return sum([c.begin_state(**kwargs) for c in cells], [])


def _symbol_zeros_func(inputs, layout: str):
    """``func`` for ``begin_state`` with Symbol inputs: zeros whose batch dim
    comes from the input.

    Differs from MXNet 1.9.1, which creates ``sym.zeros`` with a 0 (unknown)
    batch dim and lets its executor fill it; the batch dim is carried here
    from the first time step by ``zeros_like``/``broadcast_to``.
    """
    F = _symbol()
    if isinstance(inputs, (list, tuple)):
        step = inputs[0]  # (N, ...)
    else:
        step = inputs
        n = layout.find("N")
        if n != 0:
            step = F.swapaxes(step, dim1=0, dim2=n)
    col = F.slice_axis(F.reshape(step, shape=(0, -1)), axis=1, begin=0, end=1)
    col = F.zeros_like(col)  # (N, 1)

    def func(name=None, shape=(), __layout__=None, dtype=None, **kwargs):
        n_axis = __layout__.find("N") if __layout__ and "N" in __layout__ else 0
        z = col
        if len(shape) != 2:
            z = F.reshape(z, shape=(0,) + (1,) * (len(shape) - 1))
        if n_axis != 0:
            z = F.swapaxes(z, dim1=0, dim2=n_axis)
        target = tuple(0 if i == n_axis else d for i, d in enumerate(shape))
        out = F.broadcast_to(z, shape=target)
        if dtype is not None:
            out = F.cast(out, dtype=dtype)
        return out

    return func


def _get_begin_state(cell, F, begin_state, inputs, batch_size: int, layout: str):
    if begin_state is not None:
        return begin_state
    if F is ndarray:
        ctx = inputs.context if isinstance(inputs, NDArray) else inputs[0].context
        with ctx:
            return cell.begin_state(func=F.zeros, batch_size=batch_size)
    return cell.begin_state(func=_symbol_zeros_func(inputs, layout), batch_size=0)


def _format_sequence(length, inputs, layout: str, merge, in_layout=None):
    """Split a sequence into steps (``merge=False``) or stack steps
    (``merge=True``); ``None`` keeps the given form."""
    if inputs is None:
        raise ValueError(
            "unroll(inputs=None) has been deprecated. Please create input "
            "variables outside unroll."
        )
    axis = layout.find("T")
    batch_axis = layout.find("N")
    batch_size = 0
    in_axis = in_layout.find("T") if in_layout is not None else axis
    sym = _symbol()
    if isinstance(inputs, sym.Symbol):
        F = sym
        if merge is False:
            if len(inputs.list_outputs()) != 1:
                raise ValueError(
                    "unroll doesn't allow grouped symbol as input. Please convert "
                    "to list with list(inputs) first or let unroll handle splitting."
                )
            inputs = list(
                sym.split(inputs, axis=in_axis, num_outputs=length, squeeze_axis=1)
            )
    elif isinstance(inputs, NDArray):
        F = ndarray
        batch_size = inputs.shape[batch_axis]
        if merge is False:
            if length is not None and length != inputs.shape[in_axis]:
                raise ValueError(
                    f"unroll: length={length} but the input of shape "
                    f"{tuple(inputs.shape)} has {inputs.shape[in_axis]} steps on "
                    f"its time axis {in_axis} (layout {layout!r})."
                )
            inputs = _as_list(
                ndarray.split(
                    inputs,
                    axis=in_axis,
                    num_outputs=inputs.shape[in_axis],
                    squeeze_axis=1,
                )
            )
    else:
        if length is not None and len(inputs) != length:
            raise ValueError(
                f"unroll: length={length} but {len(inputs)} input steps were given."
            )
        if isinstance(inputs[0], sym.Symbol):
            F = sym
        else:
            F = ndarray
            batch_size = inputs[0].shape[0]
        if merge is True:
            inputs = F.stack(*inputs, axis=axis)
            in_axis = axis
    if _is_tensor(inputs) and axis != in_axis:
        inputs = F.swapaxes(inputs, dim1=axis, dim2=in_axis)
    return inputs, axis, F, batch_size


def _mask_sequence_variable_length(F, data, length, valid_length, time_axis, merge):
    if not _is_tensor(data):
        data = F.stack(*data, axis=time_axis)
    outputs = F.SequenceMask(
        data, sequence_length=valid_length, use_sequence_length=True, axis=time_axis
    )
    if not merge:
        outputs = _as_list(
            F.split(outputs, num_outputs=length, axis=time_axis, squeeze_axis=True)
        )
    return outputs


def _reverse_sequences(sequences, unroll_step: int, valid_length=None) -> list:
    F = _symbol() if isinstance(sequences[0], _symbol().Symbol) else ndarray
    if valid_length is None:
        return list(reversed(sequences))
    rev = F.SequenceReverse(
        F.stack(*sequences, axis=0),
        sequence_length=valid_length,
        use_sequence_length=True,
    )
    if unroll_step > 1 or F is not ndarray:
        return list(F.split(rev, axis=0, num_outputs=unroll_step, squeeze_axis=True))
    return [rev[0]]


# --------------------------------------------------------------------------- bases
class RecurrentCell(Block):
    """Abstract base class of recurrent cells.

    Parameters
    ----------
    prefix : str, optional
        Prefix of the cell's name and (when ``params`` is None) its weights.
    params : ParameterDict, optional
        Share weights with another cell.
    """

    def __init__(self, prefix: str | None = None, params=None) -> None:
        super().__init__(prefix=prefix, params=params)
        self._modified = False
        self.reset()

    def reset(self) -> None:
        """Reset the step counters before reusing the cell for another graph."""
        self._init_counter = -1
        self._counter = -1
        for cell in self._children.values():
            cell.reset()

    def state_info(self, batch_size: int = 0) -> list:
        """Shape and layout of each state."""
        raise NotImplementedError(
            f"{type(self).__name__} must define state_info(batch_size)."
        )

    def begin_state(self, batch_size: int = 0, func=ndarray.zeros, **kwargs) -> list:
        """Initial states, named ``<prefix>begin_state_<n>``.

        Parameters
        ----------
        batch_size : int
            Batch size (0 leaves it unknown with the Symbol API).
        func : callable, default ``nd.zeros``
            Called with ``name``, ``shape``, ``__layout__`` and ``**kwargs``.
        """
        if self._modified:
            raise _modified_error(self)
        states = []
        for info in self.state_info(batch_size):
            self._init_counter += 1
            if info is not None:
                info.update(kwargs)
            else:
                info = kwargs
            name = f"{self._prefix}begin_state_{self._init_counter}"
            states.append(func(name=name, **info))
        return states

    def unroll(
        self,
        length: int,
        inputs,
        begin_state=None,
        layout: str = "NTC",
        merge_outputs: bool | None = None,
        valid_length=None,
    ):
        """Run the cell over ``length`` steps.

        Parameters
        ----------
        length : int
            Number of steps.
        inputs : NDArray, Symbol or list
            One tensor laid out per ``layout`` (split along T), or a list of
            ``(N, ...)`` steps.
        begin_state : list, optional
            Initial states; zeros from :meth:`begin_state` when None.
        layout : {'NTC', 'TNC'}, default 'NTC'
        merge_outputs : bool, optional
            True: one tensor stacked along T; False: a list of steps; None:
            the form of the input (a list for a tensor input, as MXNet does).
        valid_length : NDArray or Symbol, optional
            ``(N,)`` valid lengths: outputs past them are zeroed and the
            returned states are each sequence's last valid state. Outputs
            are then merged unless ``merge_outputs=False``.

        Returns
        -------
        outputs, states
        """
        self.reset()
        inputs, axis, F, batch_size = _format_sequence(length, inputs, layout, False)
        begin_state = _get_begin_state(self, F, begin_state, inputs, batch_size, layout)
        states = begin_state
        outputs = []
        all_states = []
        for i in range(length):
            output, states = self(inputs[i], states)
            outputs.append(output)
            if valid_length is not None:
                all_states.append(states)
        if valid_length is not None:
            states = [
                F.SequenceLast(
                    F.stack(*ele_list, axis=0),
                    sequence_length=valid_length,
                    use_sequence_length=True,
                    axis=0,
                )
                for ele_list in zip(*all_states, strict=True)
            ]
            outputs = _mask_sequence_variable_length(
                F, outputs, length, valid_length, axis, True
            )
        outputs, _, _, _ = _format_sequence(length, outputs, layout, merge_outputs)
        return outputs, states

    def _get_activation(self, F, inputs, activation, **kwargs):
        """Apply ``activation``: a name, a ``LeakyReLU`` block or a callable."""
        func = (
            {
                "tanh": F.tanh,
                "relu": F.relu,
                "sigmoid": F.sigmoid,
                "softsign": F.softsign,
            }.get(activation)
            if isinstance(activation, str)
            else None
        )
        if func:
            return func(inputs, **kwargs)
        if isinstance(activation, str):
            return F.Activation(inputs, act_type=activation, **kwargs)
        if isinstance(activation, LeakyReLU):
            return F.LeakyReLU(
                inputs, act_type="leaky", slope=activation._alpha, **kwargs
            )
        return activation(inputs, **kwargs)

    def forward(self, inputs, states):
        """One time step: ``(output, new_states)``."""
        self._counter += 1
        return super().forward(inputs, states)


class HybridRecurrentCell(RecurrentCell, HybridBlock):
    """A recurrent cell that can be hybridized."""

    def __init__(self, prefix: str | None = None, params=None) -> None:
        super().__init__(prefix=prefix, params=params)

    def hybrid_forward(self, F, x, *args, **kwargs):
        raise NotImplementedError(
            f"{type(self).__name__} must define hybrid_forward(F, inputs, states)."
        )


def _mapping(weight_shape) -> str:
    return f"{weight_shape[1] if weight_shape[1] else None} -> {weight_shape[0]}"


class _GatedCell(HybridRecurrentCell):
    """Shared constructor of RNNCell/LSTMCell/GRUCell: four weights."""

    _num_gates = 1

    def __init__(
        self,
        hidden_size,
        i2h_weight_initializer,
        h2h_weight_initializer,
        i2h_bias_initializer,
        h2h_bias_initializer,
        input_size,
        prefix,
        params,
    ) -> None:
        super().__init__(prefix=prefix, params=params)
        self._hidden_size = hidden_size
        self._input_size = input_size
        rows = self._num_gates * hidden_size
        get = self.params.get
        self.i2h_weight = get(
            "i2h_weight",
            shape=(rows, input_size),
            init=i2h_weight_initializer,
            allow_deferred_init=True,
        )
        self.h2h_weight = get(
            "h2h_weight",
            shape=(rows, hidden_size),
            init=h2h_weight_initializer,
            allow_deferred_init=True,
        )
        self.i2h_bias = get(
            "i2h_bias",
            shape=(rows,),
            init=i2h_bias_initializer,
            allow_deferred_init=True,
        )
        self.h2h_bias = get(
            "h2h_bias",
            shape=(rows,),
            init=h2h_bias_initializer,
            allow_deferred_init=True,
        )

    def state_info(self, batch_size: int = 0) -> list:
        return [{"shape": (batch_size, self._hidden_size), "__layout__": "NC"}]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({_mapping(self.i2h_weight.shape)})"

    def _fc(
        self, F, prefix, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias
    ):
        n = self._num_gates * self._hidden_size
        i2h = F.FullyConnected(
            data=inputs,
            weight=i2h_weight,
            bias=i2h_bias,
            num_hidden=n,
            name=prefix + "i2h",
        )
        h2h = F.FullyConnected(
            data=states[0],
            weight=h2h_weight,
            bias=h2h_bias,
            num_hidden=n,
            name=prefix + "h2h",
        )
        return i2h, h2h


# --------------------------------------------------------------------------- cells
class RNNCell(_GatedCell):
    """Elman RNN cell: ``h' = act(W_i x + b_i + W_h h + b_h)``.

    Parameters
    ----------
    hidden_size : int
    activation : str or callable, default 'tanh'
    i2h_weight_initializer, h2h_weight_initializer : str or Initializer
    i2h_bias_initializer, h2h_bias_initializer : str or Initializer, default 'zeros'
    input_size : int, default 0
        0 means inferred at the first call.
    prefix : str, optional
    params : ParameterDict, optional

    Examples
    --------
    >>> import neogluon as mx
    >>> cell = mx.gluon.rnn.RNNCell(4, input_size=3)
    >>> cell
    RNNCell(3 -> 4, tanh)
    """

    def __init__(
        self,
        hidden_size: int,
        activation="tanh",
        i2h_weight_initializer=None,
        h2h_weight_initializer=None,
        i2h_bias_initializer="zeros",
        h2h_bias_initializer="zeros",
        input_size: int = 0,
        prefix: str | None = None,
        params=None,
    ) -> None:
        super().__init__(
            hidden_size,
            i2h_weight_initializer,
            h2h_weight_initializer,
            i2h_bias_initializer,
            h2h_bias_initializer,
            input_size,
            prefix,
            params,
        )
        self._activation = activation

    def _alias(self) -> str:
        return "rnn"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({_mapping(self.i2h_weight.shape)}, "
            f"{self._activation})"
        )

    def hybrid_forward(
        self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias
    ):
        prefix = f"t{self._counter}_"
        i2h, h2h = self._fc(
            F, prefix, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias
        )
        out = F.elemwise_add(i2h, h2h, name=prefix + "plus0")
        output = self._get_activation(F, out, self._activation, name=prefix + "out")
        return output, [output]


class LSTMCell(_GatedCell):
    """LSTM cell with gates ``i, f, c, o``.

    ``c' = f*c + i*g``, ``h' = o*act(c')`` with ``i, f, o`` from
    ``recurrent_activation`` and ``g`` from ``activation``.

    Parameters
    ----------
    hidden_size : int
    i2h_weight_initializer, h2h_weight_initializer : str or Initializer
    i2h_bias_initializer, h2h_bias_initializer : str or Initializer, default 'zeros'
    input_size : int, default 0
    prefix : str, optional
    params : ParameterDict, optional
    activation : str, default 'tanh'
    recurrent_activation : str, default 'sigmoid'

    Examples
    --------
    >>> import neogluon as mx
    >>> cell = mx.gluon.rnn.LSTMCell(4)
    >>> cell.initialize()
    >>> out, states = cell.unroll(3, mx.nd.ones((2, 3, 5)), merge_outputs=True)
    >>> out.shape, len(states)
    ((2, 3, 4), 2)
    """

    _num_gates = 4

    def __init__(
        self,
        hidden_size: int,
        i2h_weight_initializer=None,
        h2h_weight_initializer=None,
        i2h_bias_initializer="zeros",
        h2h_bias_initializer="zeros",
        input_size: int = 0,
        prefix: str | None = None,
        params=None,
        activation="tanh",
        recurrent_activation="sigmoid",
    ) -> None:
        super().__init__(
            hidden_size,
            i2h_weight_initializer,
            h2h_weight_initializer,
            i2h_bias_initializer,
            h2h_bias_initializer,
            input_size,
            prefix,
            params,
        )
        self._activation = activation
        self._recurrent_activation = recurrent_activation

    def state_info(self, batch_size: int = 0) -> list:
        return [
            {"shape": (batch_size, self._hidden_size), "__layout__": "NC"},
            {"shape": (batch_size, self._hidden_size), "__layout__": "NC"},
        ]

    def _alias(self) -> str:
        return "lstm"

    def hybrid_forward(
        self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias
    ):
        prefix = f"t{self._counter}_"
        i2h, h2h = self._fc(
            F, prefix, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias
        )
        gates = F.elemwise_add(i2h, h2h, name=prefix + "plus0")
        sl = F.SliceChannel(gates, num_outputs=4, name=prefix + "slice")
        act, ract = self._activation, self._recurrent_activation
        in_gate = self._get_activation(F, sl[0], ract, name=prefix + "i")
        forget_gate = self._get_activation(F, sl[1], ract, name=prefix + "f")
        in_transform = self._get_activation(F, sl[2], act, name=prefix + "c")
        out_gate = self._get_activation(F, sl[3], ract, name=prefix + "o")
        next_c = F.elemwise_add(
            F.elemwise_mul(forget_gate, states[1], name=prefix + "mul0"),
            F.elemwise_mul(in_gate, in_transform, name=prefix + "mul1"),
            name=prefix + "state",
        )
        next_h = F.elemwise_mul(
            out_gate,
            F.Activation(next_c, act_type=act, name=prefix + "activation0"),
            name=prefix + "out",
        )
        return next_h, [next_h, next_c]


class GRUCell(_GatedCell):
    """GRU cell (cuDNN form) with gates ``r, z, n``.

    ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h' = (1-z)*n + z*h``.

    Parameters
    ----------
    hidden_size : int
    i2h_weight_initializer, h2h_weight_initializer : str or Initializer
    i2h_bias_initializer, h2h_bias_initializer : str or Initializer, default 'zeros'
    input_size : int, default 0
    prefix : str, optional
    params : ParameterDict, optional

    Examples
    --------
    >>> import neogluon as mx
    >>> mx.gluon.rnn.GRUCell(4, input_size=2)
    GRUCell(2 -> 12)
    """

    _num_gates = 3

    def __init__(
        self,
        hidden_size: int,
        i2h_weight_initializer=None,
        h2h_weight_initializer=None,
        i2h_bias_initializer="zeros",
        h2h_bias_initializer="zeros",
        input_size: int = 0,
        prefix: str | None = None,
        params=None,
    ) -> None:
        super().__init__(
            hidden_size,
            i2h_weight_initializer,
            h2h_weight_initializer,
            i2h_bias_initializer,
            h2h_bias_initializer,
            input_size,
            prefix,
            params,
        )

    def _alias(self) -> str:
        return "gru"

    def hybrid_forward(
        self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias
    ):
        prefix = f"t{self._counter}_"
        prev_h = states[0]
        i2h, h2h = self._fc(
            F, prefix, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias
        )
        i2h_r, i2h_z, i2h_n = F.SliceChannel(
            i2h, num_outputs=3, name=prefix + "i2h_slice"
        )
        h2h_r, h2h_z, h2h_n = F.SliceChannel(
            h2h, num_outputs=3, name=prefix + "h2h_slice"
        )
        reset_gate = F.Activation(
            F.elemwise_add(i2h_r, h2h_r, name=prefix + "plus0"),
            act_type="sigmoid",
            name=prefix + "r_act",
        )
        update_gate = F.Activation(
            F.elemwise_add(i2h_z, h2h_z, name=prefix + "plus1"),
            act_type="sigmoid",
            name=prefix + "z_act",
        )
        next_h_tmp = F.Activation(
            F.elemwise_add(
                i2h_n,
                F.elemwise_mul(reset_gate, h2h_n, name=prefix + "mul0"),
                name=prefix + "plus2",
            ),
            act_type="tanh",
            name=prefix + "h_act",
        )
        ones = F.ones_like(update_gate, name=prefix + "ones_like0")
        next_h = F.elemwise_add(
            F.elemwise_mul(
                F.elemwise_sub(ones, update_gate, name=prefix + "minus0"),
                next_h_tmp,
                name=prefix + "mul1",
            ),
            F.elemwise_mul(update_gate, prev_h, name=prefix + "mul20"),
            name=prefix + "out",
        )
        return next_h, [next_h]


# --------------------------------------------------------------------------- stacks
class _SequentialMixin:
    """Shared methods of SequentialRNNCell and HybridSequentialRNNCell."""

    def __repr__(self) -> str:
        mods = "\n".join(
            f"({i}): {_indent(repr(m), 2)}" for i, m in self._children.items()
        )
        return f"{type(self).__name__}(\n{mods}\n)"

    def add(self, cell) -> None:
        """Append ``cell`` to the stack."""
        self.register_child(cell)

    def state_info(self, batch_size: int = 0) -> list:
        return _cells_state_info(self._children.values(), batch_size)

    def begin_state(self, **kwargs) -> list:
        if self._modified:
            raise _modified_error(self)
        return _cells_begin_state(self._children.values(), **kwargs)

    def _step(self, inputs, states):
        self._counter += 1
        next_states = []
        p = 0
        for cell in self._children.values():
            if isinstance(cell, BidirectionalCell):
                raise NotImplementedError(
                    f"{type(self).__name__} '{self.name}' holds a BidirectionalCell, "
                    "which cannot be stepped; use unroll() instead."
                )
            n = len(cell.state_info())
            state = states[p : p + n]
            p += n
            inputs, state = cell(inputs, state)
            next_states.append(state)
        return inputs, sum(next_states, [])

    def unroll(
        self,
        length: int,
        inputs,
        begin_state=None,
        layout: str = "NTC",
        merge_outputs: bool | None = None,
        valid_length=None,
    ):
        self.reset()
        inputs, _, F, batch_size = _format_sequence(length, inputs, layout, None)
        num_cells = len(self._children)
        begin_state = _get_begin_state(self, F, begin_state, inputs, batch_size, layout)
        p = 0
        next_states = []
        for i, cell in enumerate(self._children.values()):
            n = len(cell.state_info())
            states = begin_state[p : p + n]
            p += n
            inputs, states = cell.unroll(
                length,
                inputs=inputs,
                begin_state=states,
                layout=layout,
                merge_outputs=None if i < num_cells - 1 else merge_outputs,
                valid_length=valid_length,
            )
            next_states.extend(states)
        return inputs, next_states

    def __getitem__(self, i):
        return self._children[str(i)]

    def __len__(self) -> int:
        return len(self._children)


class SequentialRNNCell(_SequentialMixin, RecurrentCell):
    """A stack of recurrent cells; ``add(cell)`` appends one.

    Examples
    --------
    >>> import neogluon as mx
    >>> stack = mx.gluon.rnn.SequentialRNNCell()
    >>> stack.add(mx.gluon.rnn.LSTMCell(4))
    >>> stack.add(mx.gluon.rnn.GRUCell(3))
    >>> len(stack.state_info(2))
    3
    """

    def __init__(self, prefix: str | None = None, params=None) -> None:
        super().__init__(prefix=prefix, params=params)

    def __call__(self, inputs, states):
        return self._step(inputs, states)


class HybridSequentialRNNCell(_SequentialMixin, HybridRecurrentCell):
    """A stack of hybridizable recurrent cells; ``add(cell)`` appends one."""

    def __init__(self, prefix: str | None = None, params=None) -> None:
        super().__init__(prefix=prefix, params=params)

    def __call__(self, inputs, states):
        return self._step(inputs, states)

    def hybrid_forward(self, F, inputs, states):
        return self._step(inputs, states)


class DropoutCell(HybridRecurrentCell):
    """Dropout on the input of each step (training only); states pass through.

    Parameters
    ----------
    rate : float
        Fraction of elements dropped.
    axes : tuple of int, default ()
        Axes on which the mask is shared.
    """

    def __init__(self, rate: float, axes=(), prefix: str | None = None, params=None):
        super().__init__(prefix, params)
        if not isinstance(rate, Number):
            raise TypeError(
                f"DropoutCell: rate must be a number, got {type(rate).__name__} "
                f"{rate!r}."
            )
        self._rate = rate
        self._axes = axes

    def __repr__(self) -> str:
        return f"{type(self).__name__}(rate={self._rate}, axes={self._axes})"

    def state_info(self, batch_size: int = 0) -> list:
        return []

    def _alias(self) -> str:
        return "dropout"

    def hybrid_forward(self, F, inputs, states):
        if self._rate > 0:
            inputs = F.Dropout(
                data=inputs, p=self._rate, axes=self._axes, name=f"t{self._counter}_fwd"
            )
        return inputs, states

    def unroll(
        self,
        length: int,
        inputs,
        begin_state=None,
        layout: str = "NTC",
        merge_outputs: bool | None = None,
        valid_length=None,
    ):
        self.reset()
        inputs, _, F, _ = _format_sequence(length, inputs, layout, merge_outputs)
        if _is_tensor(inputs):
            return self.hybrid_forward(F, inputs, begin_state if begin_state else [])
        return super().unroll(
            length,
            inputs,
            begin_state=begin_state,
            layout=layout,
            merge_outputs=merge_outputs,
            valid_length=None,
        )


# --------------------------------------------------------------------------- modifiers
class ModifierCell(HybridRecurrentCell):
    """Base class of cells that wrap a base cell (Zoneout, Residual).

    After wrapping, the base cell must not be called directly.
    """

    def __init__(self, base_cell) -> None:
        if base_cell._modified:
            raise AssertionValueError(
                f"Cell {base_cell.name} is already modified. One cell cannot be "
                "modified twice."
            )
        base_cell._modified = True
        super().__init__(prefix=base_cell.prefix + self._alias(), params=None)
        self.base_cell = base_cell

    @property
    def params(self):
        return self.base_cell.params

    def state_info(self, batch_size: int = 0) -> list:
        return self.base_cell.state_info(batch_size)

    def begin_state(self, func=ndarray.zeros, **kwargs) -> list:
        """The base cell's begin states.

        Notes
        -----
        Differs from MXNet 1.9.1, whose default ``func`` here is ``sym.zeros``
        (so ``stack.begin_state(batch_size=2)`` returned Symbols for modifier
        cells inside a stack); the default is ``nd.zeros`` as for other cells.
        """
        if self._modified:
            raise _modified_error(self)
        self.base_cell._modified = False
        try:
            begin = self.base_cell.begin_state(func=func, **kwargs)
        finally:
            self.base_cell._modified = True
        return begin

    def hybrid_forward(self, F, inputs, states):
        raise NotImplementedError(
            f"{type(self).__name__} must define hybrid_forward(F, inputs, states)."
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_cell})"


class ZoneoutCell(ModifierCell):
    """Zoneout on a base cell: in training, each output/state element keeps
    its previous value with probability ``zoneout_outputs``/``zoneout_states``.

    Parameters
    ----------
    base_cell : RecurrentCell
    zoneout_outputs : float, default 0
    zoneout_states : float, default 0
    """

    def __init__(self, base_cell, zoneout_outputs=0.0, zoneout_states=0.0) -> None:
        if isinstance(base_cell, BidirectionalCell):
            raise AssertionValueError(
                "BidirectionalCell doesn't support zoneout since it doesn't support "
                "step. Please add ZoneoutCell to the cells underneath instead."
            )
        super().__init__(base_cell)
        self.zoneout_outputs = zoneout_outputs
        self.zoneout_states = zoneout_states
        self._prev_output = None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(p_out={self.zoneout_outputs}, "
            f"p_state={self.zoneout_states}, {self.base_cell})"
        )

    def _alias(self) -> str:
        return "zoneout"

    def reset(self) -> None:
        super().reset()
        self._prev_output = None

    def hybrid_forward(self, F, inputs, states):
        cell, p_outputs, p_states = (
            self.base_cell,
            self.zoneout_outputs,
            self.zoneout_states,
        )
        next_output, next_states = cell(inputs, states)

        def mask(p, like):
            return F.Dropout(F.ones_like(like), p=p)

        prev_output = self._prev_output
        if prev_output is None:
            prev_output = F.zeros_like(next_output)
        output = (
            F.where(mask(p_outputs, next_output), next_output, prev_output)
            if p_outputs != 0.0
            else next_output
        )
        new_states = (
            [
                F.where(mask(p_states, new_s), new_s, old_s)
                for new_s, old_s in zip(next_states, states, strict=True)
            ]
            if p_states != 0.0
            else next_states
        )
        self._prev_output = output
        return output, new_states


class ResidualCell(ModifierCell):
    """Adds the input to the base cell's output (Wu et al., 2016)."""

    def __init__(self, base_cell) -> None:
        super().__init__(base_cell)

    def hybrid_forward(self, F, inputs, states):
        output, states = self.base_cell(inputs, states)
        output = F.elemwise_add(output, inputs, name=f"t{self._counter}_fwd")
        return output, states

    def unroll(
        self,
        length: int,
        inputs,
        begin_state=None,
        layout: str = "NTC",
        merge_outputs: bool | None = None,
        valid_length=None,
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
                valid_length=valid_length,
            )
        finally:
            self.base_cell._modified = True
        if merge_outputs is None:
            merge_outputs = _is_tensor(outputs)
        inputs, axis, F, _ = _format_sequence(length, inputs, layout, merge_outputs)
        if valid_length is not None:
            inputs = _mask_sequence_variable_length(
                F, inputs, length, valid_length, axis, merge_outputs
            )
        if merge_outputs:
            outputs = F.elemwise_add(outputs, inputs)
        else:
            outputs = [
                F.elemwise_add(i, j) for i, j in zip(outputs, inputs, strict=True)
            ]
        return outputs, states


class BidirectionalCell(HybridRecurrentCell):
    """Runs ``l_cell`` forward and ``r_cell`` backward over the sequence and
    concatenates their outputs on the feature axis (``unroll`` only).

    Parameters
    ----------
    l_cell, r_cell : RecurrentCell
    output_prefix : str, default 'bi_'
    """

    def __init__(self, l_cell, r_cell, output_prefix: str = "bi_") -> None:
        super().__init__(prefix="", params=None)
        self.register_child(l_cell, "l_cell")
        self.register_child(r_cell, "r_cell")
        self._output_prefix = output_prefix

    def __call__(self, inputs, states):
        raise NotImplementedError("Bidirectional cannot be stepped. Please use unroll")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(forward={self._children['l_cell']}, "
            f"backward={self._children['r_cell']})"
        )

    def state_info(self, batch_size: int = 0) -> list:
        return _cells_state_info(self._children.values(), batch_size)

    def begin_state(self, **kwargs) -> list:
        if self._modified:
            raise _modified_error(self)
        return _cells_begin_state(self._children.values(), **kwargs)

    def unroll(
        self,
        length: int,
        inputs,
        begin_state=None,
        layout: str = "NTC",
        merge_outputs: bool | None = None,
        valid_length=None,
    ):
        """Notes
        -----
        Differs from MXNet 1.9.1: ``valid_length`` with ``merge_outputs=None``
        returns merged outputs (MXNet fails in Concat with a shape error).
        """
        self.reset()
        inputs, axis, F, batch_size = _format_sequence(length, inputs, layout, False)
        reversed_inputs = _reverse_sequences(inputs, length, valid_length)
        begin_state = _get_begin_state(self, F, begin_state, inputs, batch_size, layout)
        states = begin_state
        l_cell, r_cell = self._children.values()
        n_l = len(l_cell.state_info(batch_size))
        l_outputs, l_states = l_cell.unroll(
            length,
            inputs=inputs,
            begin_state=states[:n_l],
            layout=layout,
            merge_outputs=merge_outputs,
            valid_length=valid_length,
        )
        r_outputs, r_states = r_cell.unroll(
            length,
            inputs=reversed_inputs,
            begin_state=states[n_l:],
            layout=layout,
            merge_outputs=False,
            valid_length=valid_length,
        )
        reversed_r_outputs = _reverse_sequences(r_outputs, length, valid_length)
        if merge_outputs is None:
            merge_outputs = _is_tensor(l_outputs)
        if merge_outputs:
            if not _is_tensor(l_outputs):
                l_outputs = F.stack(*l_outputs, axis=axis)
            r_merged = F.stack(*reversed_r_outputs, axis=axis)
            outputs = F.concat(
                l_outputs, r_merged, dim=2, name=f"{self._output_prefix}out"
            )
        else:
            if _is_tensor(l_outputs):
                l_outputs = _as_list(
                    F.split(l_outputs, axis=axis, num_outputs=length, squeeze_axis=True)
                )
            outputs = [
                F.concat(l_o, r_o, dim=1, name=f"{self._output_prefix}t{i}")
                for i, (l_o, r_o) in enumerate(
                    zip(l_outputs, reversed_r_outputs, strict=True)
                )
            ]
        if valid_length is not None:
            outputs = _mask_sequence_variable_length(
                F, outputs, length, valid_length, axis, merge_outputs
            )
        states = l_states + r_states
        return outputs, states
