"""Argument binding shared by the ``nd`` and ``sym`` frontends.

Both frontends expose each operator with MXNet's calling convention: inputs
first (positionally or by name), then attributes (positionally in declaration
order, or by name), then ``out=None, name=None``.
"""

from __future__ import annotations

import inspect

from ..base import MXNetError
from ..base import _Null
from .registry import REQUIRED
from .registry import OpDef


def build_signature(op: OpDef) -> inspect.Signature:
    """A real ``inspect.Signature`` for editors and ``help()``."""
    params = []
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    if op.variadic:
        params.append(inspect.Parameter(op.inputs[0], inspect.Parameter.VAR_POSITIONAL))
        kind = inspect.Parameter.KEYWORD_ONLY
    else:
        for name in op.inputs:
            params.append(inspect.Parameter(name, kind, default=None))
    for p in op.params:
        default = _Null if p.default is REQUIRED else p.default
        params.append(inspect.Parameter(p.name, kind, default=default))
    params.append(
        inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None)
    )
    params.append(
        inspect.Parameter("name", inspect.Parameter.KEYWORD_ONLY, default=None)
    )
    return inspect.Signature(params)


def build_doc(op: OpDef) -> str:
    lines = [op.doc.strip() or f"The MXNet operator ``{op.name}``.", ""]
    if op.params:
        lines += ["Parameters", "----------"]
        if op.variadic:
            lines.append(f"*{op.inputs[0]} : arrays")
        else:
            lines += [f"{n} : array" for n in op.inputs]
        for p in op.params:
            req = "required" if p.default is REQUIRED else f"default {p.default!r}"
            choices = f", one of {list(p.choices)}" if p.choices else ""
            lines.append(f"{p.name} : {p.kind}, {req}{choices}")
            if p.doc:
                lines.append(f"    {p.doc}")
    if op.aliases:
        lines += ["", "Aliases: " + ", ".join(op.aliases)]
    return "\n".join(lines)


def bind(op: OpDef, args: tuple, kwargs: dict, is_input) -> tuple[list, dict]:
    """Split a call into ``(inputs, given_attrs)``.

    ``is_input(x)`` tells array-like inputs (NDArray or Symbol) from attribute
    values. Missing optional inputs are returned as ``None``.
    """
    if op.variadic:
        if len(args) == 1 and isinstance(args[0], (list, tuple)):
            args = tuple(args[0])
        for a in args:
            if not is_input(a):
                raise TypeError(
                    f"{op.name}: positional arguments must be arrays, got "
                    f"{type(a).__name__}; pass attributes by keyword."
                )
        inputs = list(args)
        given = kwargs
        if op.num_args_attr and op.num_args_attr not in given:
            given = dict(given)
            given[op.num_args_attr] = len(inputs)
        return inputs, given
    n_in = len(op.inputs)
    inputs = list(args[:n_in])
    while len(inputs) < n_in:
        inputs.append(None)
    extra = args[n_in:]
    given = kwargs
    if extra or any(k in kwargs for k in op.inputs):
        given = dict(kwargs)
        for i, name in enumerate(op.inputs):
            if name in given:
                if inputs[i] is not None:
                    raise TypeError(
                        f"{op.name}: got multiple values for input '{name}'"
                    )
                inputs[i] = given.pop(name)
        if len(extra) > len(op.params):
            raise TypeError(
                f"{op.name} takes at most {n_in + len(op.params)} positional "
                f"arguments ({n_in} inputs, then attributes), got {len(args)}"
            )
        for spec, value in zip(op.params, extra, strict=False):
            if spec.name in given:
                raise TypeError(f"{op.name}: got multiple values for '{spec.name}'")
            given[spec.name] = value
    for i, x in enumerate(inputs):
        if x is not None and not is_input(x):
            # Attributes given positionally where an input was expected.
            raise TypeError(
                f"{op.name}: input '{op.inputs[i]}' must be an array, got "
                f"{type(x).__name__} ({x!r:.40}). Pass attributes by keyword."
            )
    return inputs, given


def check_inputs(op: OpDef, inputs: list, attrs: dict) -> list:
    """The inputs to pass to the kernel, for the eager frontend.

    As MXNet's generated ``nd`` functions do, the arrays given (positionally or
    by name) are taken in declaration order with ``None`` skipped, and must be
    as many as the attributes make present: ``nd.CTCLoss(data, label, lengths,
    use_label_lengths=True)`` passes ``lengths`` as ``label_lengths``.
    """
    if op.variadic:
        return inputs
    present = [x for x in inputs if x is not None]
    names = op.input_names(attrs)
    if len(present) != len(names):
        given = [n for n, x in zip(op.inputs, inputs, strict=False) if x is not None]
        raise MXNetError(
            f"Operator {op.name}: with these attributes it takes {len(names)} "
            f"input(s) {list(names)}, but {len(present)} were given {given}."
        )
    return present


def namespace_of(name: str) -> tuple[str, str]:
    """MXNet's placement rule: ``('contrib', 'box_nms')`` for ``_contrib_box_nms``."""
    for prefix, ns in (
        ("_contrib_", "contrib"),
        ("_linalg_", "linalg"),
        ("_random_", "random"),
        ("_sparse_", "sparse"),
        ("_image_", "image"),
    ):
        if name.startswith(prefix):
            return ns, name[len(prefix) :]
    if name.startswith("_"):
        return "_internal", name
    return "", name
