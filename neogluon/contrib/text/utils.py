"""``mx.contrib.text.utils``: :func:`count_tokens_from_str`."""

from __future__ import annotations

from ...gluon.contrib.data._vocab import count_tokens_from_str

__all__ = ["count_tokens_from_str"]
