"""``mx.contrib.text.vocab``: :class:`Vocabulary`, MXNet 1.9.1's token indexer.

Index 0 is the unknown token, then the reserved tokens, then the counted
tokens by decreasing frequency (ties in sorted order).
"""

from __future__ import annotations

from ...gluon.contrib.data._vocab import Vocabulary

__all__ = ["Vocabulary"]
