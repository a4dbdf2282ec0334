"""``mx.registry``: name -> class registries behind the string factories.

One helper serves every factory that turns a name into an object:
``mx.init.create('xavier')``, ``mx.optimizer.create('sgd')``,
``mx.metric.create('acc')``. Each factory keeps one registry per base class,
keyed by lower-case name.

Examples
--------
>>> from neogluon import registry
>>> class Base:
...     pass
>>> register = registry.get_register_func(Base, "thing")
>>> create = registry.get_create_func(Base, "thing")
>>> @register
... class Foo(Base):
...     def __init__(self, x=1):
...         self.x = x
>>> create("FOO", x=3).x
3
>>> create('["foo", {"x": 5}]').x
5
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable

__all__ = [
    "AssertionTypeError",
    "AssertionValueError",
    "get_registry",
    "get_register_func",
    "get_alias_func",
    "get_create_func",
]

_REGISTRY: dict[type, dict[str, type]] = {}


class AssertionValueError(AssertionError, ValueError):
    """A ``ValueError`` raised where MXNet 1.9.1 raises ``AssertionError``.

    Subclassing both keeps old ``except AssertionError`` code working while
    the error reads as the input error it is.
    """


class AssertionTypeError(AssertionError, TypeError):
    """A ``TypeError`` raised where MXNet 1.9.1 raises ``AssertionError``."""


def _table(base_class: type) -> dict[str, type]:
    return _REGISTRY.setdefault(base_class, {})


def get_registry(base_class: type) -> dict[str, type]:
    """A copy of the registry of ``base_class`` (lower-case name -> class)."""
    return dict(_table(base_class))


def get_register_func(base_class: type, nickname: str) -> Callable:
    """A decorator ``register(klass, name=None)`` for subclasses of ``base_class``.

    The registry name is ``name`` or the class name, lower-cased. Registering
    a name twice warns and replaces the old entry (as MXNet does).
    """
    registry = _table(base_class)

    def register(klass: type, name: str | None = None) -> type:
        if not (isinstance(klass, type) and issubclass(klass, base_class)):
            raise AssertionTypeError(
                f"Can only register subclass of {base_class.__name__}, got {klass!r}."
            )
        key = (klass.__name__ if name is None else name).lower()
        old = registry.get(key)
        if old is not None and old is not klass:
            warnings.warn(
                f"New {nickname} {klass.__module__}.{klass.__name__} registered "
                f"with name {key} is overriding existing {nickname} "
                f"{old.__module__}.{old.__name__}",
                UserWarning,
                stacklevel=2,
            )
        registry[key] = klass
        return klass

    register.__doc__ = f"Register a {nickname} class to the {nickname} factory."
    return register


def get_alias_func(base_class: type, nickname: str) -> Callable:
    """A decorator factory ``alias(*names)`` registering a class under extra names."""
    register = get_register_func(base_class, nickname)

    def alias(*aliases: str) -> Callable[[type], type]:
        def reg(klass: type) -> type:
            for name in aliases:
                register(klass, name)
            return klass

        return reg

    alias.__doc__ = f"Register a {nickname} class under additional names."
    return alias


def get_create_func(base_class: type, nickname: str) -> Callable:
    """A factory ``create(spec, *args, **kwargs)`` for ``base_class`` objects.

    ``spec`` may be an instance (returned as is), a registered name
    (case-insensitive), a JSON string ``'["name", {kwargs}]'`` (as written by
    ``Initializer.dumps()``) or ``'{"<nickname>": name, ...}'``, or a dict of
    keyword arguments holding the name under ``nickname``.
    """
    registry = _table(base_class)

    def create(*args, **kwargs):
        if args:
            name, args = args[0], args[1:]
        else:
            if nickname not in kwargs:
                raise AssertionTypeError(
                    f"create() needs the {nickname} name as first argument or as "
                    f"{nickname}=...; got keyword arguments {sorted(kwargs)}."
                )
            name = kwargs.pop(nickname)

        if isinstance(name, base_class):
            if args or kwargs:
                raise AssertionValueError(
                    f"{nickname} is already an instance. Additional arguments are "
                    f"invalid (got args={args!r}, kwargs={kwargs!r})."
                )
            return name

        if isinstance(name, dict):
            return create(**name)

        if not isinstance(name, str):
            raise AssertionTypeError(
                f"{nickname} must be of string type: expected a registered name, a "
                f"JSON string or a {base_class.__name__} instance, got "
                f"{type(name).__name__} {name!r}."
            )

        if name.startswith("["):
            if args or kwargs:
                raise AssertionValueError(
                    f"create({name!r}): a JSON {nickname} spec takes no extra arguments."
                )
            name, kwargs = json.loads(name)
            return create(name, **kwargs)
        if name.startswith("{"):
            if args or kwargs:
                raise AssertionValueError(
                    f"create({name!r}): a JSON {nickname} spec takes no extra arguments."
                )
            return create(**json.loads(name))

        key = name.lower()
        if key not in registry:
            raise AssertionValueError(
                f"{key} is not registered. Please register with {nickname}.register "
                f"first. Registered names: {', '.join(sorted(registry))}."
            )
        return registry[key](*args, **kwargs)

    create.__doc__ = (
        f"Create a {nickname} instance from a name, JSON string, dict or instance."
    )
    return create
