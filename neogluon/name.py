"""``mx.name``: automatic naming of symbols and blocks (MXNet's ``NameManager``).

``NameManager.current`` is the manager in effect (thread-local; threads that never
entered a ``with`` block share one process-wide default). ``get(name, hint)``
returns ``name`` when given, else ``f"{hint}{n}"`` with a per-hint counter.
"""

from __future__ import annotations

import threading

__all__ = ["NameManager", "Prefix"]


class _CurrentMeta(type):
    """Gives the class a ``current`` property (MXNet's ``classproperty``)."""

    @property
    def current(cls) -> NameManager:
        mgr = getattr(NameManager._local, "value", None)
        return NameManager._default if mgr is None else mgr

    @current.setter
    def current(cls, value: NameManager) -> None:
        NameManager._local.value = value


class NameManager(metaclass=_CurrentMeta):
    """Generates ``<hint><n>`` names with one counter per hint.

    Notes
    -----
    Differs from MXNet 1.9.1: reading ``NameManager.current`` does not emit a
    DeprecationWarning (Gluon uses it internally).

    Examples
    --------
    >>> from neogluon.name import NameManager
    >>> with NameManager() as nm:
    ...     nm.get(None, "dense"), nm.get(None, "dense"), nm.get("fc", "dense")
    ('dense0', 'dense1', 'fc')
    """

    _local = threading.local()
    _default: NameManager

    def __init__(self) -> None:
        self._counter: dict[str, int] = {}
        self._old_manager: NameManager | None = None

    def get(self, name: str | None, hint: str) -> str:
        """``name`` if given, else the next ``<hint><n>``."""
        if name:
            return name
        n = self._counter.get(hint, 0)
        self._counter[hint] = n + 1
        return f"{hint}{n}"

    def __enter__(self) -> NameManager:
        self._old_manager = type(self).current
        NameManager._local.value = self
        return self

    def __exit__(self, *exc) -> None:
        NameManager._local.value = self._old_manager
        self._old_manager = None


class Prefix(NameManager):
    """A NameManager that prepends ``prefix`` to every name it returns.

    Examples
    --------
    >>> import neogluon as mx
    >>> data = mx.sym.var("data")
    >>> with mx.name.Prefix("mynet_"):
    ...     net = mx.sym.FullyConnected(data, num_hidden=10, name="fc1")
    >>> net.list_arguments()
    ['data', 'mynet_fc1_weight', 'mynet_fc1_bias']
    """

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self._prefix = prefix

    def get(self, name: str | None, hint: str) -> str:
        return self._prefix + super().get(name, hint)


NameManager._default = NameManager()
