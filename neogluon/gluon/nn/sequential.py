"""Containers: ``Sequential``, ``HybridSequential``, ``Lambda``, ``HybridLambda``."""

from __future__ import annotations

import warnings

from ... import ndarray as nd
from ..._text import indent as _indent
from ...registry import AssertionValueError
from ..block import Block
from ..block import HybridBlock

__all__ = ["Sequential", "HybridSequential", "Lambda", "HybridLambda"]


class Sequential(Block):
    """Stack blocks; ``forward`` runs them in order.

    Examples
    --------
    >>> import neogluon as mx
    >>> net = mx.gluon.nn.Sequential()
    >>> with net.name_scope():
    ...     net.add(mx.gluon.nn.Dense(10, activation='relu'))
    ...     net.add(mx.gluon.nn.Dense(2))
    """

    _summary_row = False  # Block.summary lists the children, not the container

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)

    def add(self, *blocks: Block) -> None:
        """Append blocks."""
        for block in blocks:
            self.register_child(block)

    def forward(self, x, *args):
        for block in self._children.values():
            x = block(x, *args)
            args = []
            if isinstance(x, (tuple, list)):
                args = x[1:]
                x = x[0]
        if args:
            x = tuple([x] + list(args))
        return x

    def __repr__(self) -> str:
        modstr = "\n".join(
            f"  ({key}): {_indent(repr(block), 2)}"
            for key, block in self._children.items()
        )
        return f"{self.__class__.__name__}(\n{modstr}\n)"

    def __getitem__(self, key):
        layers = list(self._children.values())[key]
        if isinstance(layers, list):
            net = type(self)(prefix=self._prefix)
            with net.name_scope():
                net.add(*layers)
            return net
        return layers

    def __len__(self) -> int:
        return len(self._children)

    def hybridize(self, active: bool = True, **kwargs) -> None:
        if self._children and all(
            isinstance(c, HybridBlock) for c in self._children.values()
        ):
            warnings.warn(
                f"All children of this Sequential layer '{self.prefix}' are "
                "HybridBlocks. Consider using HybridSequential for the best "
                "performance.",
                stacklevel=2,
            )
        super().hybridize(active, **kwargs)


class HybridSequential(HybridBlock):
    """Stack HybridBlocks; hybridizes as one graph."""

    _summary_row = False  # Block.summary lists the children, not the container

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)

    def add(self, *blocks: HybridBlock) -> None:
        """Append blocks."""
        for block in blocks:
            self.register_child(block)

    def hybrid_forward(self, F, x, *args):
        for block in self._children.values():
            x = block(x, *args)
            args = []
            if isinstance(x, (tuple, list)):
                args = x[1:]
                x = x[0]
        if args:
            x = tuple([x] + list(args))
        return x

    __repr__ = Sequential.__repr__
    __getitem__ = Sequential.__getitem__
    __len__ = Sequential.__len__


class Lambda(Block):
    """Wrap a function (an ``nd`` op name or a callable) as a Block."""

    def __init__(self, function, prefix=None):
        super().__init__(prefix=prefix)
        if isinstance(function, str):
            if not hasattr(nd, function):
                raise AssertionValueError(
                    f"Function name {function} is not found in ndarray."
                )
            self._func_impl = getattr(nd, function)
        elif callable(function):
            self._func_impl = function
        else:
            raise ValueError(
                f"Unrecognized function in lambda: {function} of type {type(function)}"
            )

    def forward(self, *args):
        return self._func_impl(*args)

    def __repr__(self) -> str:
        name = getattr(self._func_impl, "__name__", repr(self._func_impl))
        return f"{self.__class__.__name__}({name})"


class HybridLambda(HybridBlock):
    """Wrap a function usable with both ``nd`` and ``sym`` as a HybridBlock."""

    def __init__(self, function, prefix=None):
        super().__init__(prefix=prefix)
        if isinstance(function, str):
            from ... import symbol

            if not (hasattr(nd, function) and hasattr(symbol, function)):
                raise AssertionValueError(
                    f"Function name {function} is not found in symbol/ndarray."
                )
            self._func = lambda F, *args: getattr(F, function)(*args)
            self._func_name = function
        elif callable(function):
            self._func = function
            self._func_name = getattr(function, "__name__", repr(function))
        else:
            raise ValueError(
                f"Unrecognized function in lambda: {function} of type {type(function)}"
            )

    def hybrid_forward(self, F, x, *args):
        return self._func(F, x, *args)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self._func_name})"
