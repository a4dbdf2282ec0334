"""Contributed recurrent cells: variational dropout, LSTM with projection, and
``dynamic_unroll`` (MXNet 1.9.1 ``gluon.contrib.rnn.rnn_cell``)."""

from __future__ import annotations

from .... import ndarray
from ....ndarray import NDArray
from ....registry import AssertionValueError
from ...rnn.rnn_cell import BidirectionalCell
from ...rnn.rnn_cell import HybridRecurrentCell
from ...rnn.rnn_cell import ModifierCell
from ...rnn.rnn_cell import SequentialRNNCell
from ...rnn.rnn_cell import _as_list
from ...rnn.rnn_cell import _format_sequence
from ...rnn.rnn_cell import _get_begin_state
from ...rnn.rnn_cell import _is_tensor
from ...rnn.rnn_cell import _mask_sequence_variable_length

__all__ = ["VariationalDropoutCell", "LSTMPCell"]


def _holds_bidirectional(cell) -> bool:
    if isinstance(cell, BidirectionalCell):
        return True
    if isinstance(cell, SequentialRNNCell):
        return any(_holds_bidirectional(c) for c in cell._children.values())
    return False


class VariationalDropoutCell(ModifierCell):
    """Variational dropout (Gal & Ghahramani, arXiv:1512.05287) on a base cell.

    One dropout mask per sequence, reused at every time step, for each of the
    inputs, the first state (``h``) and the outputs (three independent masks).
    Masks are drawn at the first step and kept until :meth:`reset`;
    ``unroll`` resets, so when stepping the cell by hand call ``reset()``
    before each new sequence. Outside training (``autograd`` not in train
    mode) nothing is dropped.

    Parameters
    ----------
    base_cell : RecurrentCell
        The cell to wrap (not a ``BidirectionalCell`` when ``drop_states``).
    drop_inputs : float, default 0
        Dropout rate of the inputs.
    drop_states : float, default 0
        Dropout rate of the first state.
    drop_outputs : float, default 0
        Dropout rate of the outputs.

    Notes
    -----
    Differs from MXNet 1.9.1: once hybridized, MXNet's cached graph draws new
    masks at every step (so they are not shared across time); here the masks
    are drawn once per sequence in both modes and the base cell runs as its
    cached graph. A bidirectional stack with ``drop_states`` is refused with
    this class's message (MXNet fails on a missing attribute).

    Examples
    --------
    >>> import neogluon as mx
    >>> cell = mx.gluon.contrib.rnn.VariationalDropoutCell(
    ...     mx.gluon.rnn.GRUCell(4), drop_inputs=0.5, drop_outputs=0.5)
    >>> cell.initialize()
    >>> out, states = cell.unroll(3, mx.nd.ones((2, 3, 5)), merge_outputs=True)
    >>> out.shape
    (2, 3, 4)
    """

    def __init__(
        self,
        base_cell,
        drop_inputs: float = 0.0,
        drop_states: float = 0.0,
        drop_outputs: float = 0.0,
    ) -> None:
        if drop_states and _holds_bidirectional(base_cell):
            raise AssertionValueError(
                "VariationalDropoutCell: a BidirectionalCell (or a stack holding "
                "one) doesn't support variational state dropout (drop_states="
                f"{drop_states}). Wrap the cells underneath it instead."
            )
        for name, p in (
            ("drop_inputs", drop_inputs),
            ("drop_states", drop_states),
            ("drop_outputs", drop_outputs),
        ):
            if not 0 <= p < 1:
                raise ValueError(
                    f"VariationalDropoutCell: {name} must be in [0, 1), got {p!r}."
                )
        super().__init__(base_cell)
        self.drop_inputs = drop_inputs
        self.drop_states = drop_states
        self.drop_outputs = drop_outputs
        self.drop_inputs_mask = None
        self.drop_states_mask = None
        self.drop_outputs_mask = None

    def _alias(self) -> str:
        return "vardrop"

    def reset(self) -> None:
        super().reset()
        self.drop_inputs_mask = None
        self.drop_states_mask = None
        self.drop_outputs_mask = None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(p_out = {self.drop_outputs}, "
            f"p_state = {self.drop_states})"
        )

    @staticmethod
    def _mask(F, current, p, like):
        """``current`` if it was drawn in this mode (nd vs sym), else a new mask."""
        fresh = current is None or isinstance(current, NDArray) != (F is ndarray)
        return F.Dropout(F.ones_like(like), p=p) if fresh else current

    def forward(self, inputs, states):
        """One step. With NDArray inputs the masks are applied eagerly (also
        when hybridized: the base cell then runs its cached graph)."""
        if isinstance(inputs, NDArray):
            self._counter += 1
            return self.hybrid_forward(ndarray, inputs, states)
        return super().forward(inputs, states)

    def hybrid_forward(self, F, inputs, states):
        if self.drop_states:
            self.drop_states_mask = self._mask(
                F, self.drop_states_mask, self.drop_states, states[0]
            )
            states = list(states)
            states[0] = states[0] * self.drop_states_mask
        if self.drop_inputs:
            self.drop_inputs_mask = self._mask(
                F, self.drop_inputs_mask, self.drop_inputs, inputs
            )
            inputs = inputs * self.drop_inputs_mask
        next_output, next_states = self.base_cell(inputs, states)
        if self.drop_outputs:
            self.drop_outputs_mask = self._mask(
                F, self.drop_outputs_mask, self.drop_outputs, next_output
            )
            next_output = next_output * self.drop_outputs_mask
        return next_output, next_states

    def unroll(
        self,
        length: int,
        inputs,
        begin_state=None,
        layout: str = "NTC",
        merge_outputs: bool | None = None,
        valid_length=None,
    ):
        """Run over ``length`` steps (see ``RecurrentCell.unroll``).

        Without state dropout the input and output masks are applied to the
        whole sequence at once (one ``Dropout`` shared along the time axis)
        and the base cell is unrolled in one call.
        """
        if self.drop_states:
            return super().unroll(
                length, inputs, begin_state, layout, merge_outputs, valid_length
            )
        self.reset()
        inputs, axis, F, batch_size = _format_sequence(length, inputs, layout, True)
        states = _get_begin_state(self, F, begin_state, inputs, batch_size, layout)
        if self.drop_inputs:
            inputs = F.Dropout(inputs, p=self.drop_inputs, axes=(axis,))
        self.base_cell._modified = False
        try:
            outputs, states = self.base_cell.unroll(
                length,
                inputs,
                states,
                layout,
                merge_outputs=True,
                valid_length=valid_length,
            )
        finally:
            self.base_cell._modified = True
        if self.drop_outputs:
            outputs = F.Dropout(outputs, p=self.drop_outputs, axes=(axis,))
        if merge_outputs is None:
            merge_outputs = _is_tensor(outputs)
        outputs, _, _, _ = _format_sequence(length, outputs, layout, merge_outputs)
        if valid_length is not None:
            outputs = _mask_sequence_variable_length(
                F, outputs, length, valid_length, axis, merge_outputs
            )
        return outputs, states


class LSTMPCell(HybridRecurrentCell):
    """LSTM cell with a projected recurrent state (Sak et al., arXiv:1402.1128).

    Gates ``i, f, c, o`` come from ``W_i x + b_i + W_h r + b_h`` where ``r``
    is the projected output of the previous step; ``c' = f*c + i*tanh(g)``,
    ``h = o*tanh(c')`` and the output ``r' = W_hr h`` (no bias).

    Parameters
    ----------
    hidden_size : int
        Size of the cell state ``c``.
    projection_size : int
        Size of the output and recurrent state ``r``.
    i2h_weight_initializer, h2h_weight_initializer, h2r_weight_initializer : str or Initializer
    i2h_bias_initializer, h2h_bias_initializer : str or Initializer, default 'zeros'
    input_size : int, default 0
        0 means inferred at the first call.
    prefix : str, default 'lstmp_'
    params : ParameterDict, optional

    Inputs: ``data`` ``(N, input_size)`` and ``states``
    ``[(N, projection_size), (N, hidden_size)]``.
    Outputs: ``out`` ``(N, projection_size)`` and the two new states.

    Examples
    --------
    >>> import neogluon as mx
    >>> mx.gluon.contrib.rnn.LSTMPCell(8, 3, input_size=5)
    LSTMPCell(5 -> 32 -> 3)
    """

    def __init__(
        self,
        hidden_size: int,
        projection_size: int,
        i2h_weight_initializer=None,
        h2h_weight_initializer=None,
        h2r_weight_initializer=None,
        i2h_bias_initializer="zeros",
        h2h_bias_initializer="zeros",
        input_size: int = 0,
        prefix: str | None = None,
        params=None,
    ) -> None:
        super().__init__(prefix=prefix, params=params)
        self._hidden_size = hidden_size
        self._input_size = input_size
        self._projection_size = projection_size
        get = self.params.get
        rows = 4 * hidden_size
        self.i2h_weight = get(
            "i2h_weight",
            shape=(rows, input_size),
            init=i2h_weight_initializer,
            allow_deferred_init=True,
        )
        self.h2h_weight = get(
            "h2h_weight",
            shape=(rows, projection_size),
            init=h2h_weight_initializer,
            allow_deferred_init=True,
        )
        self.h2r_weight = get(
            "h2r_weight",
            shape=(projection_size, hidden_size),
            init=h2r_weight_initializer,
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
        return [
            {"shape": (batch_size, self._projection_size), "__layout__": "NC"},
            {"shape": (batch_size, self._hidden_size), "__layout__": "NC"},
        ]

    def _alias(self) -> str:
        return "lstmp"

    def __repr__(self) -> str:
        shape = self.i2h_weight.shape
        return (
            f"{type(self).__name__}({shape[1] if shape[1] else None} -> {shape[0]} "
            f"-> {self.h2r_weight.shape[0]})"
        )

    def hybrid_forward(
        self, F, inputs, states, i2h_weight, h2h_weight, h2r_weight, i2h_bias, h2h_bias
    ):
        prefix = f"t{self._counter}_"
        n = self._hidden_size * 4
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
        gates = F.SliceChannel(i2h + h2h, num_outputs=4, name=prefix + "slice")
        in_gate = F.Activation(gates[0], act_type="sigmoid", name=prefix + "i")
        forget_gate = F.Activation(gates[1], act_type="sigmoid", name=prefix + "f")
        in_transform = F.Activation(gates[2], act_type="tanh", name=prefix + "c")
        out_gate = F.Activation(gates[3], act_type="sigmoid", name=prefix + "o")
        next_c = F.elemwise_add(
            forget_gate * states[1], in_gate * in_transform, name=prefix + "state"
        )
        hidden = F.elemwise_mul(
            out_gate, F.Activation(next_c, act_type="tanh"), name=prefix + "hidden"
        )
        next_r = F.FullyConnected(
            data=hidden,
            weight=h2r_weight,
            num_hidden=self._projection_size,
            no_bias=True,
            name=prefix + "out",
        )
        return next_r, [next_r, next_c]


def dynamic_unroll(
    cell,
    inputs,
    begin_state,
    drop_inputs: float = 0,
    drop_outputs: float = 0,
    layout: str = "TNC",
    valid_length=None,
):
    """Run ``cell`` over every step of ``inputs`` with ``F.contrib.foreach``.

    The number of steps comes from the input itself (no ``length``
    argument), so the same code serves sequences of any length.

    Parameters
    ----------
    cell : RecurrentCell
        The cell to step.
    inputs : NDArray or Symbol
        ``(T, N, ...)`` for layout ``'TNC'`` or ``(N, T, ...)`` for ``'NTC'``.
    begin_state : list of NDArray or Symbol
        Initial states of the cell (zeros from ``cell.begin_state`` when None
        and ``inputs`` is an NDArray).
    drop_inputs, drop_outputs : float, default 0
        Dropout rates of the inputs / outputs, one mask shared along time.
    layout : {'TNC', 'NTC'}, default 'TNC'
    valid_length : NDArray or Symbol, optional
        ``(N,)`` lengths: outputs past them are zero and each returned state
        is the state after the sequence's last valid step.

    Returns
    -------
    outputs : NDArray or Symbol
        All outputs, in ``layout``.
    states : list
        The final states.

    Notes
    -----
    Differs from MXNet 1.9.1: for ``'NTC'`` MXNet shares the input/output
    dropout masks along the batch axis (it applies ``axes=(1,)`` after moving
    time first); here they are shared along time for both layouts. Inside a
    hybridized block (Symbol inputs) the loop is one ``_foreach`` node whose
    subgraph is the cell's step.

    Examples
    --------
    >>> import neogluon as mx
    >>> from neogluon.gluon.contrib.rnn.rnn_cell import dynamic_unroll
    >>> cell = mx.gluon.rnn.GRUCell(4)
    >>> cell.initialize()
    >>> x = mx.nd.ones((3, 2, 5))
    >>> out, states = dynamic_unroll(cell, x, cell.begin_state(batch_size=2))
    >>> out.shape, states[0].shape
    ((3, 2, 4), (2, 4))
    """
    if layout not in ("TNC", "NTC"):
        raise ValueError(
            f"dynamic_unroll: layout must be 'TNC' or 'NTC', got {layout!r}."
        )
    inputs, axis, F, batch_size = _format_sequence(0, inputs, layout, True)
    if axis != 0:
        inputs = F.swapaxes(inputs, dim1=0, dim2=axis)
    if begin_state is None:
        if F is not ndarray:
            raise ValueError(
                "dynamic_unroll: begin_state is required for Symbol inputs."
            )
        with inputs.context:
            begin_state = cell.begin_state(batch_size=batch_size, func=ndarray.zeros)
    states = list(_as_list(begin_state))
    if drop_inputs:
        inputs = F.Dropout(inputs, p=drop_inputs, axes=(0,))

    if valid_length is None:

        def body(step, states):
            return cell(step, states)

    else:
        states.append(F.zeros((1,)))

        def body(step, states):
            cell_states, it = states[:-1], states[-1]
            out, new_states = cell(step, cell_states)
            alive = F.broadcast_greater(valid_length, it)
            new_states = [
                F.where(alive, new, old)
                for new, old in zip(new_states, cell_states, strict=True)
            ]
            return out, [*new_states, it + 1]

    outputs, states = F.contrib.foreach(body, inputs, states)
    if drop_outputs:
        outputs = F.Dropout(outputs, p=drop_outputs, axes=(0,))
    if axis != 0:
        outputs = F.swapaxes(outputs, dim1=0, dim2=axis)
    if valid_length is None:
        return outputs, states
    outputs = F.SequenceMask(
        outputs, sequence_length=valid_length, use_sequence_length=True, axis=axis
    )
    return outputs, states[:-1]
