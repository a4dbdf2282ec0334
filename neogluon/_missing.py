"""Names of MXNet's API that neogluon does not implement yet.

Some MXNet modules (``mx.module``, ``mx.numpy``, ``mx.contrib.amp``, sparse
storage...) are planned but not built. So that code importing them still
imports (``from mxnet.module import Module`` at the top of a script that never
uses it), their modules exist and every public name resolves; using one (calling
or instantiating it) raises :class:`~neogluon.base.MXNetError` saying what is
missing, which piece of work will provide it and what to use meanwhile::

    from .._missing import define

    define(globals(), {"Module": "class", "fit": "function"},
           area="mx.module (Module API)", planned="issue 12",
           instead="gluon.Block with gluon.Trainer")

Placeholder objects carry ``__neogluon_missing__ = True`` (the surface test
counts them separately from real implementations).
"""

from __future__ import annotations

from collections.abc import Mapping

from .base import MXNetError

__all__ = ["define", "message", "placeholder_class", "placeholder_function"]


def message(qualname: str, area: str, planned: str | None, instead: str) -> str:
    when = f" (planned: {planned})" if planned else ""
    return (
        f"{qualname} is not implemented in neogluon yet: {area}{when}. "
        f"Use {instead} instead."
    )


def placeholder_function(
    module: str, name: str, area: str, planned: str | None, instead: str
):
    """A function ``name`` that raises MXNetError when called."""
    text = message(f"{module}.{name}", area, planned, instead)

    def missing(*args, **kwargs):
        raise MXNetError(text)

    missing.__name__ = missing.__qualname__ = name
    missing.__module__ = module
    missing.__doc__ = f"Not implemented yet. {text}"
    missing.__neogluon_missing__ = True
    return missing


def placeholder_class(
    module: str, name: str, area: str, planned: str | None, instead: str
):
    """A class ``name`` whose instantiation (also through subclasses) raises."""
    text = message(f"{module}.{name}", area, planned, instead)

    def __new__(cls, *args, **kwargs):
        raise MXNetError(text)

    return type(
        name,
        (),
        {
            "__new__": __new__,
            "__module__": module,
            "__doc__": f"Not implemented yet. {text}",
            "__neogluon_missing__": True,
        },
    )


def define(
    namespace: dict,
    names: Mapping[str, str],
    *,
    area: str,
    planned: str | None,
    instead: str,
) -> list[str]:
    """Add placeholders for ``names`` (name -> ``"class"``/``"function"``/
    ``"value"``) to a module's ``namespace``; returns the names added.

    Names the module already defines are left alone, so a module can implement
    part of MXNet's API and declare the rest here. A ``"value"`` (a constant of
    MXNet's module) becomes a placeholder function too: it cannot be faked
    with a meaningful value.
    """
    module = namespace["__name__"]
    added = []
    for name, kind in names.items():
        if name in namespace:
            continue
        if kind not in ("class", "function", "value"):
            raise ValueError(f"{module}.{name}: unknown placeholder kind {kind!r}")
        make = placeholder_class if kind == "class" else placeholder_function
        namespace[name] = make(module, name, area, planned, instead)
        added.append(name)
    return added
