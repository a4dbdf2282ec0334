"""``mx.contrib.text.vocab``: not implemented in neogluon yet (issue 9).

MXNet 1.9.1's public names of ``mxnet.contrib.text.vocab`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (gluonnlp/torchtext vocabularies).
"""

from __future__ import annotations

from ... import _missing

__neogluon_missing__ = True

_NAMES = {
    "Vocabulary": "class",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="contrib.text (vocabularies and embeddings)",
    planned="issue 9",
    instead="gluonnlp/torchtext vocabularies",
)
