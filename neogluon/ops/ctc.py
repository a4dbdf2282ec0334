"""Operator family: connectionist temporal classification loss (``CTCLoss``).

MXNet's ``CTCLoss`` (aliases ``ctc_loss``, ``_contrib_CTCLoss``,
``_contrib_ctc_loss``) takes unnormalized activations ``data`` of shape
``(T, N, C)`` (the softmax is applied inside) and ``label`` of shape ``(N, L)``.
``blank_label='first'`` reserves class 0 for the blank and pads labels with 0;
``'last'`` reserves class ``C - 1`` and pads with -1. Without
``use_label_lengths`` a label ends at its first padding value; without
``use_data_lengths`` every sequence has length ``T``. The result is the
negative log-likelihood per batch element, shape ``(N,)``; its gradient flows
to ``data`` only (torch's ``ctc_loss`` over ``log_softmax``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F  # noqa: N812

from .._text import fmt_shape
from .registry import OpDef
from .registry import P
from .registry import ShapeError
from .registry import register


def _label_lengths(label: torch.Tensor, pad: int) -> torch.Tensor:
    """Index of the first padding value in each row (the row length if none)."""
    is_pad = label == pad
    L = label.shape[1]
    pos = torch.arange(L, device=label.device).expand_as(label)
    first = torch.where(is_pad, pos, torch.full_like(pos, L))
    return first.min(dim=1).values


def _ctc_loss(
    data,
    label,
    *lengths,
    use_data_lengths=False,
    use_label_lengths=False,
    blank_label="first",
):
    if data.dim() != 3:
        raise ShapeError(
            f"Operator CTCLoss: data {tuple(data.shape)} must be (T, N, C) "
            "activations (sequence length, batch, alphabet size)."
        )
    T, N, C = data.shape
    if label.dim() != 2 or label.shape[0] != N:
        raise ShapeError(
            f"Operator CTCLoss: label {tuple(label.shape)} must be (N, L) with "
            f"N={N}, the batch size of data {tuple(data.shape)}."
        )
    rest = list(lengths)
    data_len = rest.pop(0) if use_data_lengths else None
    label_len = rest.pop(0) if use_label_lengths else None
    first = blank_label == "first"
    blank = 0 if first else C - 1
    lab = label.to(torch.int64)
    if label_len is not None:
        tl = label_len.to(torch.int64)
    else:
        tl = _label_lengths(lab, 0 if first else -1)
    if data_len is not None:
        il = data_len.to(torch.int64)
    else:
        il = torch.full((N,), T, dtype=torch.int64, device=data.device)
    # Padding entries beyond each length are never read; keep them valid classes.
    L = lab.shape[1]
    pos = torch.arange(L, device=lab.device).expand_as(lab)
    targets = torch.where(pos < tl.unsqueeze(1), lab, torch.zeros_like(lab))
    bad = (targets < 0) | (targets >= C) | ((targets == blank) & (pos < tl[:, None]))
    if bool(bad.any()):
        raise ValueError(
            f"Operator CTCLoss: label values must lie in the alphabet without the "
            f"blank ({'1..C-1' if first else '0..C-2'} for blank_label="
            f"'{blank_label}', C={C}); got {label.tolist()}."
        )
    if data_len is not None:
        # Steps past a sequence's length are never read: their gradient is 0
        # (as MXNet), also where the padding holds NaN or inf.
        steps = torch.arange(T, device=data.device).unsqueeze(1)
        valid = (steps < il.to(data.device).unsqueeze(0)).unsqueeze(2)
        data = torch.where(valid, data, torch.zeros((), dtype=data.dtype))
    logp = torch.log_softmax(data, dim=-1)
    if logp.dtype == torch.float16:
        logp = logp.float()
    loss = F.ctc_loss(
        logp,
        targets,
        il.cpu() if logp.device.type == "cpu" else il,
        tl.cpu() if logp.device.type == "cpu" else tl,
        blank=blank,
        reduction="none",
        zero_infinity=False,
    )
    return loss.to(data.dtype)


def _present(attrs: dict) -> tuple[str, ...]:
    names = ["data", "label"]
    if attrs.get("use_data_lengths"):
        names.append("data_lengths")
    if attrs.get("use_label_lengths"):
        names.append("label_lengths")
    return tuple(names)


def _ctc_infer(in_shapes, attrs, out_shapes=None):
    data, label = in_shapes[0], in_shapes[1]
    n = 0
    if data is not None:
        if len(data) != 3:
            raise ShapeError(
                f"Operator CTCLoss: data {fmt_shape(data)} must be (T, N, C)."
            )
        n = data[1]
    if label is not None:
        if len(label) != 2:
            raise ShapeError(
                f"Operator CTCLoss: label {fmt_shape(label)} must be (N, L)."
            )
        if n and label[0] and n != label[0]:
            raise ShapeError(
                f"Operator CTCLoss: label {fmt_shape(label)} and data "
                f"{fmt_shape(data)} disagree on the batch size."
            )
        n = n or label[0]
        label = (n, label[1])
    if data is not None:
        data = (data[0], n, data[2])
    rest = [(n,) for _ in in_shapes[2:]]
    return [data, label, *rest], [(n,) if n else None]


register(
    OpDef(
        "CTCLoss",
        _ctc_loss,
        inputs=("data", "label", "data_lengths", "label_lengths"),
        params=(
            P("use_data_lengths", "bool", False, "Use the data_lengths input."),
            P("use_label_lengths", "bool", False, "Use the label_lengths input."),
            P(
                "blank_label",
                "str",
                "first",
                "Class reserved for the blank.",
                ("first", "last"),
            ),
        ),
        present_inputs=_present,
        infer_shape=_ctc_infer,
        dtype_free_inputs=("label", "data_lengths", "label_lengths"),
        # MXNet keeps the gradient as a hidden second output.
        num_total_outputs=2,
        output_names=("output0",),
        aliases=("ctc_loss", "_contrib_CTCLoss", "_contrib_ctc_loss"),
        doc="CTC loss per batch element of (T, N, C) activations.",
    )
)
