"""Block prefixes and name scopes: the one place Gluon names come from.

Reproduces MXNet 1.9.1's rules so ``.params`` names such as ``dense0_weight``
match: a top-level block takes ``<hint><n>_`` from the process-wide NameManager
(shared with symbol op naming); a block created inside ``parent.name_scope()``
takes ``parent.prefix + <hint><n>_`` with a per-parent counter; ``prefix=''``
makes ``name_scope()`` a no-op.
"""

from __future__ import annotations

import threading

from .. import name as _name
from .parameter import ParameterDict


def _current_name_manager():
    return _name.NameManager.current


class _BlockScope:
    """Scope that names the blocks and parameters created inside it."""

    _current = threading.local()

    def __init__(self, block) -> None:
        self._block = block
        self._counter: dict[str, int] = {}

    @staticmethod
    def create(prefix: str | None, params, hint: str):
        """``(prefix, ParameterDict)`` for a new block with name hint ``hint``."""
        current = getattr(_BlockScope._current, "value", None)
        if current is None:
            if prefix is None:
                prefix = _current_name_manager().get(None, hint) + "_"
            if params is None:
                params = ParameterDict(prefix)
            else:
                params = ParameterDict(params.prefix, params)
            return prefix, params

        if prefix is None:
            count = current._counter.get(hint, 0)
            prefix = f"{hint}{count}_"
            current._counter[hint] = count + 1
        if params is None:
            parent = current._block.params
            params = ParameterDict(parent.prefix + prefix, parent._shared)
        else:
            params = ParameterDict(params.prefix, params)
        return current._block.prefix + prefix, params

    def __enter__(self) -> _BlockScope:
        if self._block._empty_prefix:
            return self
        # What to restore on exit is kept per thread (not on this scope), so
        # threads running the same block do not undo each other's scopes.
        local = _BlockScope._current
        old_scope = getattr(local, "value", None)
        local.value = self
        name_scope = _name.Prefix(self._block.prefix)
        name_scope.__enter__()
        local.__dict__.setdefault("saved", []).append((old_scope, name_scope))
        return self

    def __exit__(self, ptype, value, trace) -> None:
        if self._block._empty_prefix:
            return
        local = _BlockScope._current
        old_scope, name_scope = local.saved.pop()
        name_scope.__exit__(ptype, value, trace)
        local.value = old_scope
