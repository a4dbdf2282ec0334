"""Token counting and indexing used by the text datasets.

Same behaviour as MXNet 1.9.1's ``mx.contrib.text.utils.count_tokens_from_str``
and ``mx.contrib.text.vocab.Vocabulary`` (which neogluon has no ``mx.contrib``
package for yet): index 0 is the unknown token, then the reserved tokens, then
the counted tokens by decreasing frequency, ties in sorted order.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Hashable
from collections.abc import Iterable

__all__ = ["Vocabulary", "count_tokens_from_str"]

UNKNOWN_IDX = 0


def count_tokens_from_str(
    source_str: str,
    token_delim: str = " ",
    seq_delim: str = "\n",
    to_lower: bool = False,
    counter_to_update: collections.Counter | None = None,
) -> collections.Counter:
    """Count the tokens of ``source_str`` split on the regular expressions
    ``token_delim`` or ``seq_delim`` (empty pieces are skipped).

    Examples
    --------
    >>> count_tokens_from_str(" Life is great ! \\n life is good . \\n", to_lower=True)
    Counter({'life': 2, 'is': 2, 'great': 1, '!': 1, 'good': 1, '.': 1})
    """
    tokens: Iterable[str] = filter(
        None, re.split(f"{token_delim}|{seq_delim}", source_str)
    )
    if to_lower:
        tokens = [t.lower() for t in tokens]
    if counter_to_update is None:
        return collections.Counter(tokens)
    counter_to_update.update(tokens)
    return counter_to_update


class Vocabulary:
    """Indices for the unknown token, reserved tokens and counted tokens.

    Parameters
    ----------
    counter : collections.Counter, optional
        Token frequencies; its keys are indexed by decreasing frequency (ties
        in sorted order) subject to ``most_freq_count`` and ``min_freq``.
    most_freq_count : int, optional
        At most this many counted tokens (reserved ones not included).
    min_freq : int, default 1
        Minimum frequency of an indexed token.
    unknown_token : hashable, default '<unk>'
        Index 0; every unknown token maps to it.
    reserved_tokens : list, optional
        Always indexed, right after the unknown token.
    """

    def __init__(
        self,
        counter: collections.Counter | None = None,
        most_freq_count: int | None = None,
        min_freq: int = 1,
        unknown_token: Hashable = "<unk>",
        reserved_tokens: list | None = None,
    ) -> None:
        if min_freq <= 0:
            raise ValueError(f"Vocabulary: min_freq must be positive, got {min_freq}.")
        if reserved_tokens is not None:
            if unknown_token in reserved_tokens:
                raise ValueError(
                    f"Vocabulary: reserved_tokens {reserved_tokens!r} cannot contain "
                    f"the unknown token {unknown_token!r}."
                )
            if len(set(reserved_tokens)) != len(reserved_tokens):
                raise ValueError(
                    f"Vocabulary: reserved_tokens {reserved_tokens!r} has duplicates."
                )
        self._unknown_token = unknown_token
        self._reserved_tokens = (
            None if reserved_tokens is None else list(reserved_tokens)
        )
        self._idx_to_token = [unknown_token, *(reserved_tokens or [])]
        self._token_to_idx = {t: i for i, t in enumerate(self._idx_to_token)}
        if counter is not None:
            self._index_counter(counter, most_freq_count, min_freq)

    def _index_counter(self, counter, most_freq_count, min_freq) -> None:
        if not isinstance(counter, collections.Counter):
            raise TypeError(
                "Vocabulary: counter must be a collections.Counter, got "
                f"{type(counter).__name__}."
            )
        special = set(self._idx_to_token)
        by_freq = sorted(counter.items(), key=lambda kv: kv[0])
        by_freq.sort(key=lambda kv: kv[1], reverse=True)
        cap = len(special) + (
            len(counter) if most_freq_count is None else most_freq_count
        )
        for token, freq in by_freq:
            if freq < min_freq or len(self._idx_to_token) == cap:
                break
            if token not in special:
                self._token_to_idx[token] = len(self._idx_to_token)
                self._idx_to_token.append(token)

    def __len__(self) -> int:
        return len(self._idx_to_token)

    @property
    def token_to_idx(self) -> dict:
        """Token -> index."""
        return self._token_to_idx

    @property
    def idx_to_token(self) -> list:
        """Index -> token."""
        return self._idx_to_token

    @property
    def unknown_token(self) -> Hashable:
        return self._unknown_token

    @property
    def reserved_tokens(self) -> list | None:
        return self._reserved_tokens

    def to_indices(self, tokens):
        """Index of a token, or list of indices of a list (unknown -> 0)."""
        get = self._token_to_idx.get
        if not isinstance(tokens, list):
            return get(tokens, UNKNOWN_IDX)
        return [get(t, UNKNOWN_IDX) for t in tokens]

    def to_tokens(self, indices):
        """Token of an index, or list of tokens of a list of indices."""
        single = not isinstance(indices, list)
        out = []
        for idx in [indices] if single else indices:
            if not isinstance(idx, int) or not 0 <= idx < len(self._idx_to_token):
                raise ValueError(
                    f"Token index {idx!r} is invalid: expected an int in "
                    f"[0, {len(self._idx_to_token)})."
                )
            out.append(self._idx_to_token[idx])
        return out[0] if single else out
