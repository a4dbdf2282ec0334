"""``mx.contrib.text``: vocabularies and token embeddings, MXNet 1.9.1's API.

:mod:`.vocab` (``Vocabulary``), :mod:`.utils` (``count_tokens_from_str``) and
:mod:`.embedding` (``GloVe``, ``FastText``, ``CustomEmbedding``,
``CompositeEmbedding``, ``register``/``create``/``get_pretrained_file_names``).
Pre-trained files are read from ``$MXNET_HOME/embeddings``; downloading a
missing one needs a network.
"""

from __future__ import annotations

from . import embedding
from . import utils
from . import vocab

__all__ = ["embedding", "utils", "vocab"]
