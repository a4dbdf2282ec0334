"""``mx.attribute``: attribute scopes attached to every symbol created inside."""

from __future__ import annotations

import threading
from collections import defaultdict

__all__ = ["AttrScope"]


class _CurrentMeta(type):
    @property
    def current(cls) -> AttrScope:
        scope = getattr(AttrScope._local, "value", None)
        return AttrScope._default if scope is None else scope

    @current.setter
    def current(cls, value: AttrScope) -> None:
        AttrScope._local.value = value


class AttrScope(metaclass=_CurrentMeta):
    """Attributes (string values) set on all symbols created in the scope.

    Examples
    --------
    >>> import neogluon as mx
    >>> with mx.attribute.AttrScope(ctx_group="dev1"):
    ...     x = mx.sym.var("x")
    >>> x.attr("ctx_group")
    'dev1'
    """

    _local = threading.local()
    _default: AttrScope
    #: How many control-flow subgraphs were named from each base name
    #: (``sym.contrib.foreach`` etc. number them ``foreach0``, ``foreach1``...).
    _subgraph_names: defaultdict = defaultdict(int)

    def __init__(self, **kwargs: str) -> None:
        for key, value in kwargs.items():
            if not isinstance(value, str):
                raise ValueError(
                    f"AttrScope: attribute {key}={value!r} must be a string "
                    f"(got {type(value).__name__})."
                )
        self._attr = kwargs
        self._old_scope: AttrScope | None = None

    def get(self, attr: dict | None) -> dict:
        """The scope's attributes updated with ``attr`` (``attr`` wins)."""
        if self._attr:
            ret = dict(self._attr)
            if attr:
                ret.update(attr)
            return ret
        return dict(attr) if attr else {}

    def __enter__(self) -> AttrScope:
        self._old_scope = type(self).current
        merged = dict(self._old_scope._attr)
        merged.update(self._attr)
        self._attr = merged
        AttrScope._local.value = self
        return self

    def __exit__(self, *exc) -> None:
        AttrScope._local.value = self._old_scope
        self._old_scope = None


AttrScope._default = AttrScope()
