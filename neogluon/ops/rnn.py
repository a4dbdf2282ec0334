"""Operator family: rnn (declarations only; see registry.py for the conventions).

The fused ``RNN`` operator of MXNet 1.9.1. Its ``parameters`` input is one flat
vector in cuDNN's canonical order: every weight (layer-major, then direction
``l``/``r``, then ``i2h``, ``h2h`` and, with a projection, ``h2r``), then every
bias in the same order (``i2h`` then ``h2h``). Gate orders are LSTM ``i, f, c, o``
and GRU ``r, z, n``, the same as PyTorch, so the unpacked tensors feed
``torch._VF.lstm/gru/rnn_tanh/rnn_relu`` directly.
"""

from __future__ import annotations

import math
import warnings

import torch
from torch.nn.utils.rnn import PackedSequence
from torch.nn.utils.rnn import pack_padded_sequence
from torch.nn.utils.rnn import pad_packed_sequence

from .. import _state
from .._text import fmt_shape
from ..base import MXNetError
from .registry import OpDef
from .registry import P
from .registry import ShapeError
from .registry import register

__all__ = ["rnn_param_size", "unpack_rnn_params"]

_GATES = {"rnn_relu": 1, "rnn_tanh": 1, "lstm": 4, "gru": 3}


def _layer_sizes(
    mode, input_size, state_size, num_layers, bidirectional, projection_size
):
    """Per (layer, direction): (i2h shape, h2h shape, h2r shape or None, bias len)."""
    g = _GATES[mode]
    h = state_size
    dirs = 2 if bidirectional else 1
    hr = projection_size or h
    out = []
    for layer in range(num_layers):
        in_l = input_size if layer == 0 else hr * dirs
        for _ in range(dirs):
            h2r = (projection_size, h) if projection_size else None
            out.append(((g * h, in_l), (g * h, hr), h2r, g * h))
    return out


def rnn_param_size(
    mode: str,
    input_size: int,
    state_size: int,
    num_layers: int,
    bidirectional: bool,
    projection_size: int | None = None,
) -> int:
    """Length of the packed ``parameters`` vector of the fused RNN op."""
    total = 0
    for i2h, h2h, h2r, b in _layer_sizes(
        mode, input_size, state_size, num_layers, bidirectional, projection_size
    ):
        total += i2h[0] * i2h[1] + h2h[0] * h2h[1] + 2 * b
        if h2r is not None:
            total += h2r[0] * h2r[1]
    return total


def unpack_rnn_params(
    params: torch.Tensor,
    mode: str,
    input_size: int,
    state_size: int,
    num_layers: int,
    bidirectional: bool,
    projection_size: int | None = None,
) -> list[torch.Tensor]:
    """Views of the packed vector in torch's flat-weights order.

    Per (layer, direction): ``w_ih, w_hh, b_ih, b_hh`` (and ``w_hr`` last when
    there is a projection), which is what ``torch._VF.<mode>`` expects.
    """
    sizes = _layer_sizes(
        mode, input_size, state_size, num_layers, bidirectional, projection_size
    )
    expected = rnn_param_size(
        mode, input_size, state_size, num_layers, bidirectional, projection_size
    )
    if params.numel() != expected:
        raise ShapeError(
            f"Operator RNN: parameters has {params.numel()} elements but mode={mode!r}, "
            f"input size {input_size}, state_size={state_size}, "
            f"num_layers={num_layers}, bidirectional={bidirectional}"
            f"{f', projection_size={projection_size}' if projection_size else ''} "
            f"need {expected}."
        )
    # One split (not a slice per weight): the gradient of a slice is a
    # zero-filled vector of the whole packed size plus an accumulation into
    # it, once per weight and bias; a split's gradient is one concatenation.
    shapes: list[tuple[int, ...]] = []
    for i2h, h2h, h2r, _ in sizes:
        shapes += [s for s in (i2h, h2h, h2r) if s is not None]
    for _, _, _, b in sizes:
        shapes += [(b,), (b,)]
    pieces = params.split([math.prod(s) for s in shapes])
    views = iter([t.view(s) for t, s in zip(pieces, shapes, strict=True)])
    weights = [
        [next(views), next(views), next(views) if h2r is not None else None]
        for _, _, h2r, _ in sizes
    ]
    flat = []
    for wi, wh, wr in weights:
        flat += [wi, wh, next(views), next(views)]
        if wr is not None:
            flat.append(wr)
    return flat


def _present(a):
    names = ["data", "parameters", "state"]
    if a["mode"] == "lstm":
        names.append("state_cell")
    if a["use_sequence_length"]:
        names.append("sequence_length")
    return tuple(names)


def _check_states(data, state, state_cell, seq_len, a) -> None:
    """Validate shapes before torch's fused kernels (which may crash on bad ones)."""
    if data.dim() != 3:
        raise ShapeError(
            f"Operator RNN: data must be 3-D (seq_len, batch, input_size), got "
            f"shape {tuple(data.shape)}."
        )
    dirs = 2 if a["bidirectional"] else 1
    t, n = data.shape[0], data.shape[1]
    h = a["projection_size"] or a["state_size"]
    expect = (a["num_layers"] * dirs, n, h)
    if tuple(state.shape) != expect:
        raise ShapeError(
            f"Operator RNN: state has shape {tuple(state.shape)} but data "
            f"{tuple(data.shape)} with num_layers={a['num_layers']}, "
            f"bidirectional={a['bidirectional']} needs {expect}."
        )
    if state_cell is not None:
        expect_c = (a["num_layers"] * dirs, n, a["state_size"])
        if tuple(state_cell.shape) != expect_c:
            raise ShapeError(
                f"Operator RNN: state_cell has shape {tuple(state_cell.shape)} but "
                f"needs {expect_c} for data {tuple(data.shape)}."
            )
    if seq_len is not None:
        if tuple(seq_len.shape) != (n,):
            raise ShapeError(
                f"Operator RNN: sequence_length has shape {tuple(seq_len.shape)} "
                f"but needs ({n},) (one length per batch element)."
            )
        lengths = seq_len.detach()
        if lengths.numel() and (lengths.min() < 1 or lengths.max() > t):
            raise ShapeError(
                f"Operator RNN: sequence_length values must be in [1, {t}] "
                f"(the sequence length of data {tuple(data.shape)})."
            )


def _rnn(data, parameters, state, *rest, **a):
    mode = a["mode"]
    rest = list(rest)
    state_cell = rest.pop(0) if mode == "lstm" else None
    seq_len = rest.pop(0) if a["use_sequence_length"] else None
    if a["lstm_state_clip_min"] is not None or a["lstm_state_clip_max"] is not None:
        raise MXNetError(
            "Operator RNN: lstm_state_clip_min/max are not supported by neogluon yet."
        )
    proj = a["projection_size"]
    if proj and mode != "lstm":
        raise MXNetError(
            f"Operator RNN: projection_size is only supported with mode='lstm', "
            f"got mode={mode!r}."
        )
    nl, bi = a["num_layers"], a["bidirectional"]
    _check_states(data, state, state_cell, seq_len, a)
    flat = unpack_rnn_params(
        parameters, mode, data.shape[2], a["state_size"], nl, bi, proj
    )
    train = _state.is_training()
    p = a["p"] if train else 0.0
    hx = (state, state_cell) if mode == "lstm" else state
    fn = {
        "lstm": torch._VF.lstm,
        "gru": torch._VF.gru,
        "rnn_tanh": torch._VF.rnn_tanh,
        "rnn_relu": torch._VF.rnn_relu,
    }[mode]
    if seq_len is None:
        with warnings.catch_warnings():
            # torch warns that oneDNN lacks LSTM projections, then falls back.
            warnings.filterwarnings("ignore", "LSTM with projections")
            res = fn(data, hx, flat, True, nl, p, train, bi, False)
    else:
        lengths = seq_len.detach().to(torch.long).cpu()
        packed = pack_padded_sequence(data, lengths, enforce_sorted=False)
        order = packed.sorted_indices
        hx_s = (
            tuple(h.index_select(1, order) for h in hx)
            if mode == "lstm"
            else hx.index_select(1, order)
        )
        res = fn(packed.data, packed.batch_sizes, hx_s, flat, True, nl, p, train, bi)
        out_p = PackedSequence(
            res[0], packed.batch_sizes, order, packed.unsorted_indices
        )
        out, _ = pad_packed_sequence(out_p, total_length=data.shape[0])
        back = packed.unsorted_indices
        res = (out, *(h.index_select(1, back) for h in res[1:]))
    if not a["state_outputs"]:
        return res[0]
    return tuple(res)


def _rnn_infer(in_shapes, attrs):
    mode = attrs["mode"]
    h = attrs["state_size"]
    nl = attrs["num_layers"]
    bi = attrs["bidirectional"]
    proj = attrs["projection_size"]
    dirs = 2 if bi else 1
    hr = proj or h
    names = _present(attrs)
    shapes = dict(zip(names, in_shapes, strict=False))
    data = shapes.get("data")
    if data is not None and len(data) != 3:
        raise ShapeError(
            f"Operator RNN: data must be 3-D (seq_len, batch, input_size) in TNC "
            f"layout, got {fmt_shape(data)}."
        )
    t, n, i = data if data is not None else (0, 0, 0)
    par = shapes.get("parameters")
    if not i and par is not None and len(par) == 1 and par[0]:
        # Solve the (linear in input_size) parameter count for input_size.
        base = rnn_param_size(mode, 0, h, nl, bi, proj)
        g = _GATES[mode]
        rem = par[0] - base
        if rem % (dirs * g * h) == 0 and rem > 0:
            i = rem // (dirs * g * h)
    for key in ("state", "state_cell"):
        s = shapes.get(key)
        if s is not None and len(s) == 3 and s[1]:
            n = n or s[1]
    if i:
        size = rnn_param_size(mode, i, h, nl, bi, proj)
        if par is not None and par[0] and par[0] != size:
            raise ShapeError(
                f"Operator RNN: parameters has shape {fmt_shape(par)} but mode={mode!r}, "
                f"input_size={i}, state_size={h}, num_layers={nl}, "
                f"bidirectional={bi} need ({size},)."
            )
        shapes["parameters"] = (size,)
    elif par is None:
        shapes["parameters"] = (0,)
    if data is not None or i or n:
        shapes["data"] = (t, n, i)
    sshape = (nl * dirs, n, hr)
    cshape = (nl * dirs, n, h)
    for key, want in (("state", sshape), ("state_cell", cshape)):
        if key in shapes:
            s = shapes[key]
            if s is not None and len(s) == 3:
                for got, exp in zip(s, want, strict=True):
                    if got and exp and got != exp:
                        raise ShapeError(
                            f"Operator RNN: {key} has shape {fmt_shape(s)} but "
                            f"{fmt_shape(want)} (num_layers*directions, batch, "
                            "state size) is required."
                        )
            shapes[key] = want
    if "sequence_length" in shapes:
        shapes["sequence_length"] = (n,)
    ins = [shapes[k] for k in names]
    outs = [(t, n, dirs * hr)]
    if attrs["state_outputs"]:
        outs.append(sshape)
        if mode == "lstm":
            outs.append(cshape)
    if data is None and not n:
        outs = [None] * len(outs)
    return ins, outs


def _num_outputs(a):
    if not a["state_outputs"]:
        return 1
    return 3 if a["mode"] == "lstm" else 2


register(
    OpDef(
        "RNN",
        _rnn,
        inputs=("data", "parameters", "state", "state_cell", "sequence_length"),
        params=(
            P("state_size", "int", doc="Hidden state size."),
            P("num_layers", "int", doc="Number of stacked layers."),
            P("bidirectional", "bool", False, "Bidirectional recurrence."),
            P("mode", "str", doc="Cell type.", choices=tuple(_GATES)),
            P("p", "float", 0.0, "Dropout between layers (training only)."),
            P("state_outputs", "bool", False, "Also return the final states."),
            P("projection_size", "int", None, "LSTM projection size."),
            P("lstm_state_clip_min", "float", None, "Not supported."),
            P("lstm_state_clip_max", "float", None, "Not supported."),
            P("lstm_state_clip_nan", "bool", False, "Not supported."),
            P("use_sequence_length", "bool", False, "Use the sequence_length input."),
        ),
        present_inputs=_present,
        num_outputs=_num_outputs,
        output_names=("output", "state_output", "statecell_output"),
        infer_shape=_rnn_infer,
        dtype_free_inputs=("sequence_length",),
        doc=(
            "Fused multi-layer RNN/LSTM/GRU over TNC data with one packed "
            "parameter vector (cuDNN canonical order)."
        ),
        cse=False,
    )
)
