"""Shape and dtype inference over a graph (a Symbol or any Graph), in both directions.

Every op node's ``OpDef.run_infer_shape`` is applied forward (graph order) and
backward (reverse order) until nothing changes. Shapes use ``0`` for an unknown
dim and ``None`` for an unknown rank; variables' ``__shape__``/``__dtype__``
attributes seed partial information. This resolves at least everything MXNet
1.9.1 resolves, and more (``dot(x, w, transpose_b=True)`` fills ``w``).

Public helpers for Gluon: :func:`infer_shapes`, :func:`infer_types`,
:func:`unknown_shape_message`.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._text import fmt_shape
from ..base import MXNetError
from ..ops import registry as _reg
from ..ops.registry import ShapeError
from ..util import is_np_shape
from .graph import Graph
from .graph import _Node
from .graph import flag_dtype
from .graph import topo_order

__all__ = [
    "infer_shapes",
    "infer_types",
    "infer_graph",
    "unknown_shape_message",
    "merge_shape",
    "ShapeError",
]

Shape = tuple[int, ...]


def merge_shape(a: Shape | None, b: Shape | None, where: str = "") -> Shape | None:
    """Combine two partial shapes (0 fills from the other); raise on conflict."""
    if a is None:
        return None if b is None else tuple(b)
    if b is None:
        return a
    if len(a) != len(b):
        raise ShapeError(
            f"{where}shape inconsistent: {tuple(a)} vs {tuple(b)} (different ranks)"
        )
    out = []
    for x, y in zip(a, b, strict=True):
        if x == 0:
            out.append(int(y))
        elif y == 0 or x == y:
            out.append(int(x))
        else:
            raise ShapeError(f"{where}shape inconsistent: {tuple(a)} vs {tuple(b)}")
    return tuple(out)


def _merge_type(a, b, where: str = ""):
    if a is None:
        return b
    if b is None or a == b:
        return a
    raise MXNetError(f"{where}dtype inconsistent: {a} vs {b}")


def _parse_shape_attr(s: str) -> Shape | None:
    v = _reg.parse_shape(s)
    if is_np_shape():
        return None if v is None else np_shape_in(v, "variable attribute __shape__")
    if v is None or len(v) == 0:
        # MXNet's legacy shape "()" means "unknown".
        return None
    return tuple(int(d) if d is not None and d >= 0 else 0 for d in v)


def np_shape_in(shape, where: str = "shape") -> Shape:
    """A user shape under numpy shape semantics -> the internal convention.

    ``-1`` (unknown dim) becomes the internal ``0``; ``()`` stays a scalar. A
    real zero-size dim cannot be represented by symbolic inference here (its
    ``0`` means "unknown"), so it raises instead of silently turning unknown.
    """
    dims = tuple(-1 if d is None else int(d) for d in shape)
    if any(d == 0 for d in dims):
        raise MXNetError(
            f"{where} {dims}: zero-size dims are not supported in symbolic shape "
            "inference under numpy shape semantics (mx.np_shape active); neogluon's "
            "symbolic inference uses 0 internally for an unknown dim. Use -1 for an "
            "unknown dim, or run the computation eagerly with mx.nd arrays, which "
            "support zero-size arrays."
        )
    if any(d < -1 for d in dims):
        raise MXNetError(
            f"{where} {dims}: dims must be positive, or -1 for an unknown dim "
            "(numpy shape semantics)."
        )
    return tuple(0 if d == -1 else d for d in dims)


def np_shape_out(shape: Shape | None) -> Shape | None:
    """An internal partial shape -> numpy shape semantics: unknown dims as
    ``-1``, unknown rank as ``None``."""
    return None if shape is None else tuple(-1 if d == 0 else int(d) for d in shape)


def infer_graph(
    symbol: Graph,
    known: dict[str, object],
    kind: str = "shape",
    outputs: list | None = None,
) -> dict[tuple[int, int], object]:
    """Infer every entry of the graph: ``{(id(node), out_index): value}``.

    ``kind`` is ``'shape'`` (values are partial shapes) or ``'type'`` (dtype
    names). ``known`` maps variable names to given values, which win over the
    variables' ``__shape__``/``__dtype__`` attributes. ``outputs`` optionally
    gives what is known of the symbol's outputs (None where unknown; control
    flow subgraphs are inferred from both ends).
    """
    nodes = topo_order(symbol._outputs)
    is_shape = kind == "shape"
    merge = merge_shape if is_shape else _merge_type
    vals: dict[tuple[int, int], object] = {}
    for n in nodes:
        if n.op is None:
            v = None
            if n.name in known and known[n.name] is not None:
                v = tuple(known[n.name]) if is_shape else known[n.name]
            elif is_shape and "__shape__" in n.attrs:
                v = _parse_shape_attr(n.attrs["__shape__"])
            elif not is_shape and "__dtype__" in n.attrs:
                v = flag_dtype(n.attrs["__dtype__"])
            vals[(id(n), 0)] = v
    for (n, i), v in zip(symbol._outputs, outputs or (), strict=False):
        if v is not None:
            key = (id(n), i)
            vals[key] = merge(vals.get(key), _norm(v, is_shape), "output ")
    ops = [n for n in nodes if n.op is not None]
    # Each sweep alternates direction; a fixed point needs at most a few sweeps
    # per node in practice, bounded to stay safe on pathological rules.
    for sweep in range(2 * len(ops) + 2):
        changed = False
        seq = ops if sweep % 2 == 0 else reversed(ops)
        for n in seq:
            changed |= _infer_node(n, vals, merge, is_shape)
        if not changed and sweep >= 1:
            break
    return vals


def _infer_node(n: _Node, vals: dict, merge, is_shape: bool) -> bool:
    in_keys = [(id(src), i) for src, i in n.inputs]
    ins = [vals.get(k) for k in in_keys]
    out_keys = [(id(n), i) for i in range(n.num_outputs())]
    outs_before = [vals.get(k) for k in out_keys]
    if (
        is_shape
        and all(v is None for v in ins)
        and n.inputs
        and all(v is None for v in outs_before)
    ):
        return False
    try:
        if is_shape:
            new_in, new_out = _run_shape(n, ins, outs_before)
        else:
            new_in, new_out = n.op.run_infer_type(list(ins), n.parsed)
    except ShapeError as err:
        raise _node_error(n, ins, err, ShapeError) from None
    except MXNetError as err:
        raise _node_error(n, ins, err, type(err)) from None
    except (
        TypeError,
        ValueError,
        IndexError,
        KeyError,
        AttributeError,
        RuntimeError,
    ) as err:
        if is_shape and not all(_reg.shape_known(s) for s in ins):
            # A rule that cannot cope with partial inputs: no information.
            return False
        raise _node_error(n, ins, err, MXNetError) from None
    changed = False
    where = f"Error in operator {n.name} ({n.op.name}): "
    in_names = n.input_names()
    for j, (k, old, new) in enumerate(zip(in_keys, ins, new_in, strict=False)):
        if new is None:
            continue
        label = in_names[j] if j < len(in_names) else f"input {j}"
        m = merge(old, _norm(new, is_shape), f"{where}input '{label}' ")
        if m != old:
            vals[k] = m
            changed = True
    for k, old, new in zip(out_keys, outs_before, new_out, strict=False):
        if new is None:
            continue
        m = merge(old, _norm(new, is_shape), f"{where}output ")
        if m != old:
            vals[k] = m
            changed = True
    return changed


def _run_shape(n: _Node, ins: list, outs: list):
    return n.op.run_infer_shape(list(ins), n.parsed, list(outs))


def _norm(v, is_shape: bool):
    if not is_shape:
        return v
    return tuple(int(d) if d is not None and d >= 0 else 0 for d in v)


def _node_error(n: _Node, ins: list, err: Exception, cls):
    names = n.input_names()
    desc = ", ".join(f"{nm}={fmt_shape(s)}" for nm, s in zip(names, ins, strict=False))
    msg = str(err)
    prefix = f"Error in operator {n.name} ({n.op.name})"
    if msg.startswith(prefix):
        msg = msg[len(prefix) :].lstrip(": ")
    return cls(f"{prefix}: {msg} [inputs: {desc}]")


# --------------------------------------------------------------------------- public
def infer_shapes(symbol: Graph, known: dict[str, Shape]) -> dict[str, Shape | None]:
    """Partial shapes of every variable and output, keyed by name.

    Variables are keyed by their names, outputs by ``symbol.list_outputs()``
    names. Unknown dims are 0, unknown rank None. Raises
    :class:`~neogluon.ops.registry.ShapeError` (naming the node, op and
    shapes) on a contradiction.
    """
    vals = infer_graph(symbol, known, "shape")
    return _collect(symbol, vals)


def infer_types(symbol: Graph, known: dict[str, object]) -> dict[str, str | None]:
    """dtype names (``'float32'``) of every variable and output, or None."""
    from .._dtypes import dtype_name

    k = {n: (None if t is None else dtype_name(t)) for n, t in known.items()}
    vals = infer_graph(symbol, k, "type")
    return _collect(symbol, vals)


def _collect(symbol: Graph, vals: dict) -> dict:
    out: dict = {}
    for n in topo_order(symbol._outputs):
        if n.op is None:
            out[n.name] = vals.get((id(n), 0))
    for name, (node, i) in zip(symbol.list_outputs(), symbol._outputs, strict=True):
        out[name] = vals.get((id(node), i))
    return out


def unknown_shape_message(shapes: dict[str, Shape | None], names=None) -> str:
    """MXNet's message listing variables whose shapes stay unknown.

    ``names`` restricts the listing (default: every name in ``shapes``).
    """
    names = list(shapes) if names is None else list(names)
    lines = [
        f"\t{nm}: {_legacy(shapes.get(nm))}"
        for nm in names
        if not _reg.shape_known(shapes.get(nm))
    ]
    return (
        "Cannot decide shape for the following arguments (0s in shape means "
        "unknown dimensions). Consider providing them as input:\n" + "\n".join(lines)
    )


def _legacy(shape) -> str:
    return "()" if shape is None else str(tuple(shape))


# --------------------------------------------------------------------------- Symbol API
def _known_from_call(symbol: Graph, args, kwargs, what: str) -> dict:
    arg_names = symbol.list_arguments()
    inputs = symbol.list_inputs()
    known: dict = {}
    if args and kwargs:
        raise ValueError(
            f"{what} can only accept input as positional or keyword arguments, not both"
        )
    if len(args) > len(arg_names):
        raise MXNetError(
            f"{what}: got {len(args)} positional shapes but the symbol has "
            f"{len(arg_names)} arguments {arg_names}."
        )
    for n, v in zip(arg_names, args, strict=False):
        if v is not None:
            known[n] = v
    for k, v in kwargs.items():
        if k not in inputs:
            cands = "\n".join(f"\t[{i}]{n}" for i, n in enumerate(arg_names))
            raise MXNetError(
                f"{what}: keyword argument name {k} not found.\nCandidate "
                f"arguments:\n{cands}"
            )
        if v is not None:
            known[k] = v
    return known


def _split(symbol: Graph, vals: dict):
    args, auxs = symbol._variables()
    arg_v = [vals.get((id(n), 0)) for n in args]
    out_v = [vals.get((id(n), i)) for n, i in symbol._outputs]
    aux_v = [vals.get((id(n), 0)) for n in auxs]
    return args, auxs, arg_v, out_v, aux_v


def symbol_infer_shape(symbol: Graph, args, kwargs, partial: bool):
    known = {
        k: ((int(v),) if isinstance(v, (int, np.integer)) else tuple(v))
        for k, v in _known_from_call(symbol, args, kwargs, "infer_shape").items()
    }
    np_mode = is_np_shape()
    if np_mode:
        known = {
            k: np_shape_in(v, f"infer_shape: shape of '{k}'") for k, v in known.items()
        }
    vals = infer_graph(symbol, known, "shape")
    arg_nodes, aux_nodes_, arg_v, out_v, aux_v = _split(symbol, vals)
    if partial and np_mode:
        return (
            [np_shape_out(s) for s in arg_v],
            [np_shape_out(s) for s in out_v],
            [np_shape_out(s) for s in aux_v],
        )
    if partial:
        return (
            [_legacy_t(s) for s in arg_v],
            [_legacy_t(s) for s in out_v],
            [_legacy_t(s) for s in aux_v],
        )
    if not all(_reg.shape_known(s) for s in arg_v + out_v + aux_v):
        lines = [
            f"\t{n.name}: {_legacy(s)}"
            for n, s in zip(arg_nodes + aux_nodes_, arg_v + aux_v, strict=True)
            if not _reg.shape_known(s)
        ]
        warnings.warn(
            "Cannot decide shape for the following arguments (0s in shape means "
            "unknown dimensions). Consider providing them as input:\n"
            + "\n".join(lines),
            stacklevel=3,
        )
        return None, None, None
    return list(arg_v), list(out_v), list(aux_v)


def _legacy_t(s):
    return () if s is None else tuple(s)


def symbol_infer_type(symbol: Graph, args, kwargs, partial: bool):
    from .._dtypes import dtype_name

    known = {
        k: dtype_name(v)
        for k, v in _known_from_call(symbol, args, kwargs, "infer_type").items()
    }
    vals = infer_graph(symbol, known, "type")
    arg_nodes, aux_nodes_, arg_v, out_v, aux_v = _split(symbol, vals)

    def np_t(t):
        return (
            None if t is None else (np.float32 if t == "bfloat16" else np.dtype(t).type)
        )

    if not partial and any(t is None for t in arg_v + out_v + aux_v):
        lines = [
            f"\t{n.name}: {t}"
            for n, t in zip(arg_nodes + aux_nodes_, arg_v + aux_v, strict=True)
            if t is None
        ]
        warnings.warn(
            "Cannot decide type for the following arguments. Consider providing "
            "them as input:\n" + "\n".join(lines),
            stacklevel=3,
        )
        return None, None, None
    return [np_t(t) for t in arg_v], [np_t(t) for t in out_v], [np_t(t) for t in aux_v]
