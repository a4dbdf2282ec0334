"""``mx.contrib.text``: not implemented in neogluon yet (issue 9).

MXNet 1.9.1's public names of ``mxnet.contrib.text`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (gluonnlp/torchtext vocabularies).
"""

from __future__ import annotations

from ... import _missing
from . import embedding  # noqa: F401
from . import utils  # noqa: F401
from . import vocab  # noqa: F401

__neogluon_missing__ = True

_NAMES = {}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="contrib.text (vocabularies and embeddings)",
    planned="issue 9",
    instead="gluonnlp/torchtext vocabularies",
)
__all__ += ["embedding", "utils", "vocab"]
