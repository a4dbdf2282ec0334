"""``ParameterDict``: the ordered, prefixed name -> Parameter mapping of Gluon.

Public path: ``neogluon.gluon.parameter.ParameterDict`` (as in MXNet).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from collections.abc import Mapping
from typing import Any

import numpy as np

from .. import ndarray as nd
from .._text import indent as _indent
from ..context import Context
from ..ndarray.ndarray import NDArray
from ..registry import AssertionValueError
from .parameter import _DEFAULT_INIT
from .parameter import Constant
from .parameter import Parameter
from .parameter import _brief_print_list
from .parameter import _dtype_str
from .parameter import _same_dtype

__all__ = ["ParameterDict"]


# ---------------------------------------------------------------- ParameterDict
# Constructor arguments MXNet keeps private: get() never compares them.
_UNCHECKED_KWARGS = ("allow_deferred_init", "differentiable", "stype", "grad_stype")


class ParameterDict:
    """An ordered ``full name -> Parameter`` mapping with a name prefix.

    Parameters
    ----------
    prefix : str, default ''
        Prepended to names passed to :meth:`get`.
    shared : ParameterDict, optional
        Looked up by :meth:`get` before creating a parameter (weight sharing).

    Examples
    --------
    >>> import neogluon as mx
    >>> pd = mx.gluon.ParameterDict("net_")
    >>> pd.get("w", shape=(2, 0)).shape
    (2, 0)
    >>> pd.get("w", shape=(0, 3)).shape
    (2, 3)
    >>> list(pd.keys())
    ['net_w']
    """

    def __init__(self, prefix: str = "", shared: ParameterDict | None = None) -> None:
        self._prefix = prefix
        self._params: OrderedDict[str, Parameter] = OrderedDict()
        self._shared = shared

    def __repr__(self) -> str:
        name = self._prefix + " " if self._prefix else ""
        content = "\n".join(_indent(f"  {v}", 2) for v in self.values())
        return f"{name}(\n{content}\n)"

    def __getitem__(self, key: str) -> Parameter:
        return self._params[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def __contains__(self, key) -> bool:
        return key in self._params

    def __len__(self) -> int:
        return len(self._params)

    def items(self):
        return self._params.items()

    def keys(self):
        return self._params.keys()

    def values(self):
        return self._params.values()

    @property
    def prefix(self) -> str:
        """Prefix prepended to the names given to :meth:`get`."""
        return self._prefix

    def _get_impl(self, name: str) -> Parameter | None:
        if name in self._params:
            return self._params[name]
        if self._shared is not None and name in self._shared._params:
            self._params[name] = self._shared._params[name]
            return self._shared._params[name]
        return None

    def get(self, name: str, **kwargs: Any) -> Parameter:
        """The Parameter ``prefix + name``: found here, in ``shared``, or created.

        For an existing parameter each keyword is reconciled: shapes of equal
        rank merge their unknown (0) dims, equivalent dtypes match, attributes
        that are None are set, anything else must be equal.
        """
        name = self.prefix + name
        param = self._get_impl(name)
        if param is None:
            param = Parameter(name, **kwargs)
            self._params[name] = param
            return param
        for k, v in kwargs.items():
            if k in _UNCHECKED_KWARGS:
                if k == "allow_deferred_init" and v:
                    param.allow_deferred_init = True
                continue
            existing = getattr(param, k, None)
            if existing is None:
                setattr(param, k, v)
                continue
            if k == "shape" and v is not None:
                if isinstance(v, (int, np.integer)):
                    v = (int(v),)
                v = tuple(v)
                if len(v) == len(existing):
                    merged = []
                    for d1, d2 in zip(v, existing, strict=True):
                        if d1 != d2 and d1 > 0 and d2 > 0:
                            break
                        merged.append(d2 if d1 in (0, -1) else d1)
                    else:
                        param._shape = tuple(merged)
                        continue
            elif k == "dtype" and _same_dtype(v, existing):
                continue
            if v is None or v == existing:
                continue
            shown_v = _dtype_str(v) if k == "dtype" else v
            shown_e = _dtype_str(existing) if k == "dtype" else existing
            raise AssertionValueError(
                f"Cannot retrieve Parameter '{name}' because desired attribute does "
                f"not match with stored for attribute '{k}': desired '{shown_v}' vs "
                f"stored '{shown_e}'."
            )
        return param

    def get_constant(self, name: str, value=None) -> Constant:
        """The Constant ``prefix + name``: found here, in ``shared``, or created."""
        name = self.prefix + name
        param = self._get_impl(name)
        if param is None:
            if value is None:
                raise KeyError(
                    f"No constant named '{name}'. Please specify value if you want to "
                    "create a new constant."
                )
            param = Constant(name, value)
            self._params[name] = param
        elif value is not None:
            if not isinstance(param, Constant):
                raise AssertionValueError(
                    f"Parameter '{name}' already exists but it is not a constant."
                )
            value = value.asnumpy() if isinstance(value, NDArray) else np.asarray(value)
            stored = param.value.asnumpy()
            if stored.shape != value.shape or not (stored == value).all():
                raise AssertionValueError(
                    f"Constant '{name}' already exists but it's value doesn't match new "
                    f"value (stored shape {stored.shape}, new shape {value.shape})"
                )
        return param

    def update(self, other: ParameterDict | Mapping[str, Parameter]) -> None:
        """Copy all Parameters of ``other`` into this dict."""
        for k, v in other.items():
            if k in self._params and self._params[k] is not v:
                raise AssertionValueError(
                    "Cannot update self with other because they have different "
                    f"Parameters with the same name '{k}'"
                )
        for k, v in other.items():
            self._params[k] = v

    def initialize(
        self,
        init=_DEFAULT_INIT,
        ctx=None,
        verbose: bool = False,
        force_reinit: bool = False,
    ) -> None:
        """Initialize every parameter; ``init`` is only the default for params
        without their own ``init``."""
        if verbose:
            init.set_verbosity(verbose=verbose)
        for v in self.values():
            v.initialize(None, ctx, init, force_reinit=force_reinit)

    def zero_grad(self) -> None:
        """Set every gradient buffer to 0."""
        for p in self.values():
            if p.grad_req == "null" or p._grad is None:
                continue
            for g in p.list_grad():
                g[:] = 0

    def reset_ctx(self, ctx) -> None:
        """Move every parameter to ``ctx``."""
        for p in self.values():
            p.reset_ctx(ctx)

    def list_ctx(self) -> list[Context]:
        """All contexts the parameters live on (first-seen order)."""
        out: list[Context] = []
        for p in self.values():
            for c in p.list_ctx():
                if c not in out:
                    out.append(c)
        return out

    def setattr(self, name: str, value) -> None:
        """Set attribute ``name`` of every parameter (e.g. ``'grad_req'``)."""
        for p in self.values():
            setattr(p, name, value)

    def save(self, filename: str, strip_prefix: str = "") -> None:
        """Write ``{name without strip_prefix: value}`` with ``nd.save``."""
        arg_dict = {}
        for param in self.values():
            if not param.name.startswith(strip_prefix):
                raise ValueError(
                    f"Prefix '{strip_prefix}' is to be striped before saving, but "
                    f"Parameter's name '{param.name}' does not start with "
                    f"'{strip_prefix}'. this may be due to your Block shares parameters "
                    "from other Blocks or you forgot to use 'with name_scope()' when "
                    "creating child blocks."
                )
            arg_dict[param.name[len(strip_prefix) :]] = param._reduce()
        nd.save(filename, arg_dict)

    def load(
        self,
        filename: str,
        ctx=None,
        allow_missing: bool = False,
        ignore_extra: bool = False,
        restore_prefix: str = "",
        cast_dtype: bool = False,
        dtype_source: str = "current",
    ) -> None:
        """Load parameters from a ``.params`` file (see :meth:`load_dict`)."""
        if restore_prefix:
            for name in self.keys():
                if not name.startswith(restore_prefix):
                    raise AssertionValueError(
                        f"restore_prefix is '{restore_prefix}' but Parameters name "
                        f"'{name}' does not start with '{restore_prefix}'."
                    )
        loaded = nd.serialization.load_any(filename)
        self.load_dict(
            loaded,
            ctx,
            allow_missing,
            ignore_extra,
            restore_prefix,
            filename,
            cast_dtype,
            dtype_source,
        )

    def load_dict(
        self,
        param_dict,
        ctx=None,
        allow_missing: bool = False,
        ignore_extra: bool = False,
        restore_prefix: str = "",
        filename: str | None = None,
        cast_dtype: bool = False,
        dtype_source: str = "current",
    ) -> None:
        """Load parameters from ``{name: NDArray}``.

        Leading ``arg:`` / ``aux:`` are stripped from keys, then
        ``restore_prefix`` is prepended and full names are matched.
        """
        lprefix = len(restore_prefix)
        if isinstance(param_dict, dict):
            loaded = [
                (k[4:] if k.startswith(("arg:", "aux:")) else k, v)
                for k, v in param_dict.items()
            ]
        else:
            loaded = param_dict
        arg_dict = {restore_prefix + k: v for k, v in loaded}
        error_str = f"file: {filename}" if filename else "param_dict"
        if not allow_missing:
            for name in self.keys():
                if name not in arg_dict:
                    raise AssertionValueError(
                        f"Parameter '{name[lprefix:]}' is missing in {error_str}, which "
                        f"contains parameters: {_brief_print_list(arg_dict.keys())}. "
                        "Please make sure source and target networks have the same "
                        "prefix. Set allow_missing=True to ignore missing parameters."
                    )
        # Check everything first, so that a failure leaves every parameter as
        # it was; then assign.
        for name, value in arg_dict.items():
            if name not in self._params:
                if not ignore_extra:
                    raise AssertionValueError(
                        f"Parameter '{name[lprefix:]}' loaded from {error_str} is not "
                        "present in ParameterDict, choices are: "
                        f"{_brief_print_list(self._params.keys())}. Set ignore_extra to "
                        "True to ignore. Please make sure source and target networks "
                        "have the same prefix."
                    )
                continue
            self[name]._check_load(value, ctx, cast_dtype, dtype_source)
        for name, value in arg_dict.items():
            if name in self._params:
                self[name]._load_init(
                    value, ctx, cast_dtype=cast_dtype, dtype_source=dtype_source
                )
