"""Dynamic loss scaling for AMP (``mx.contrib.amp.loss_scaler``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from ... import autograd
from ... import ndarray as nd

__all__ = ["LossScaler"]

#: Gradients checked per ``multi_all_finite`` call.
_CHUNK = 200


class LossScaler:
    """MXNet's dynamic loss scaler.

    The scale starts at 2**16. A step whose gradients hold an inf/NaN is
    skipped and halves the scale for the next step; after 2000 steps in a row
    without overflow the scale doubles, up to 2**24.
    """

    def __init__(self) -> None:
        self._loss_scale = 2.0**16
        self._next_loss_scale = self._loss_scale
        self._max_loss_scale = 2.0**24
        self._scale_seq_len = 2000
        self._unskipped = 0

    @property
    def loss_scale(self) -> float:
        """The loss scale in use for the current step."""
        return self._loss_scale

    def has_overflow(self, params: Iterable) -> bool:
        """True if a gradient of ``params`` is not finite; updates the scale."""
        grads = []
        for p in params:
            if getattr(p, "grad_req", "null") == "null":
                continue
            try:
                grads.extend(p.list_grad())
            except (RuntimeError, ValueError, AttributeError):
                # not initialized yet: no gradient to check
                continue
        finite = True
        with autograd.pause():
            for start in range(0, len(grads), _CHUNK):
                chunk = grads[start : start + _CHUNK]
                ok = nd.multi_all_finite(*chunk, num_arrays=len(chunk))
                if not bool(ok.asscalar()):
                    finite = False
                    break
        overflow = not finite
        self._loss_scale = self._next_loss_scale
        if overflow:
            self._next_loss_scale = self._loss_scale / 2.0
            self._unskipped = 0
            logging.info("AMP: decreasing loss scale to %f", self._next_loss_scale)
        else:
            self._unskipped += 1
        if self._unskipped == self._scale_seq_len:
            self._unskipped = 0
            self._next_loss_scale = min(self._max_loss_scale, self._loss_scale * 2.0)
            logging.info("AMP: increasing loss scale to %f", self._next_loss_scale)
        return overflow
