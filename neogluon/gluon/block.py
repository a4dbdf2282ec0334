"""``mx.gluon.block``: MXNet's module path for the three Gluon block classes.

- :class:`Block` (``_base_block.py``): parameters, children, naming, hooks,
  parameter files, eager ``forward``; ``summary`` is in ``_summary.py``.
- :class:`HybridBlock` (``_hybrid_block.py``): ``hybrid_forward`` run eagerly or
  traced into a cached graph (``hybridize``), deferred shape inference, ``export``.
- :class:`SymbolBlock` (``_symbol_block.py``): a given Symbol graph as a block
  (``SymbolBlock.imports``); composes into a parent's graph on Symbols.

HybridBlock and SymbolBlock run graphs through one path, ``_graph_run.py``.
Each module imports only those listed above it, so this one imports them all.
MXNet's semi-private module names that code imports from here (``_BlockScope``,
``_flatten``, ``_regroup``) are re-exported too.
"""

from __future__ import annotations

from ._base_block import Block
from ._graph_run import flatten as _flatten  # noqa: F401 - MXNet name
from ._graph_run import regroup as _regroup  # noqa: F401 - MXNet name
from ._hybrid_block import HybridBlock
from ._naming import _BlockScope  # noqa: F401 - MXNet name
from ._symbol_block import SymbolBlock

__all__ = ["Block", "HybridBlock", "SymbolBlock"]
