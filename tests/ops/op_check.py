"""Differential op checks against MXNet 1.9.1 fixtures.

:func:`check_op` runs one operator through ``mx.nd`` eagerly, compares outputs
(shape, dtype, values) and, when expected input gradients are given, records
with ``autograd`` and compares the input gradients for a head gradient.
:func:`check_op_symbol` runs it as a bound ``mx.sym`` graph, and
:func:`check_op_hybrid` inside a hybridized HybridBlock (``F.<op>``), compared
with both the fixture and the eager result.

The fixtures written by ``tools/fixtures/ops_math.py`` pack every case of a family
into one ``.npz`` (a byte blob plus a JSON index); :func:`load_cases` unpacks
them into :class:`Case` records.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

import numpy as np

import neogluon as mx
from tests.conftest import load_fixture

FAMILY = "ops_math"


@dataclass
class Case:
    """One fixture case: call ``fn`` (a path under ``mx.nd``) on ``inputs``."""

    name: str
    fn: str
    attrs: dict
    inputs: list[np.ndarray]
    outputs: list[np.ndarray]
    multi: bool
    grad_inputs: list[int] = field(default_factory=list)
    head_grads: list[np.ndarray] = field(default_factory=list)
    grads: list[np.ndarray] = field(default_factory=list)


def unpack(data: dict) -> dict[str, np.ndarray]:
    """The arrays of a packed fixture (``index`` + ``blob``) by key."""
    blob = data["blob"].tobytes()
    out = {}
    for key, (offset, dtype, shape) in data["index"].items():
        dt = np.dtype(dtype)
        n = int(np.prod(shape, dtype=np.int64)) * dt.itemsize
        out[key] = (
            np.frombuffer(blob[offset : offset + n], dtype=dt).reshape(shape).copy()
        )
    return out


_CACHE: dict[str, list[Case]] = {}


def load_cases(name: str) -> list[Case]:
    """Every case of ``tests/fixtures/mxnet-1.9.1/ops_math/<name>.npz``."""
    if name in _CACHE:
        return _CACHE[name]
    data = load_fixture(FAMILY, name)
    arrays = unpack(data)
    cases = []
    for c in data["cases"]:
        n = c["name"]
        cases.append(
            Case(
                name=n,
                fn=c["fn"],
                attrs=c["attrs"],
                inputs=[arrays[f"{n}.in{i}"] for i in range(c["n_in"])],
                outputs=[arrays[f"{n}.out{i}"] for i in range(c["n_out"])],
                multi=c["multi"],
                grad_inputs=list(c["grad"]),
                head_grads=[arrays[f"{n}.hg{i}"] for i in range(c["n_out"])]
                if c["grad"]
                else [],
                grads=[arrays[f"{n}.grad{k}"] for k in range(len(c["grad"]))],
            )
        )
    _CACHE[name] = cases
    return cases


def resolve(path: str, root=None) -> Callable:
    """``'linalg.gemm2'`` -> ``mx.nd.linalg.gemm2`` (or under ``root``)."""
    obj = mx.nd if root is None else root
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _tol(dtype: np.dtype, rtol: float, atol: float) -> tuple[float, float]:
    # float16 keeps ~3 significant digits; float64 results come from the same
    # float64 math on both sides.
    if dtype == np.float16:
        return max(rtol, 1e-3), max(atol, 1e-3)
    return rtol, atol


def _compare(what: str, got: mx.nd.NDArray, want: np.ndarray, rtol, atol) -> None:
    assert got.shape == tuple(want.shape), f"{what}: shape {got.shape} != {want.shape}"
    assert np.dtype(got.dtype) == want.dtype, (
        f"{what}: dtype {got.dtype} != {want.dtype}"
    )
    rt, at = _tol(want.dtype, rtol, atol)
    g = got.asnumpy()
    if want.dtype.kind in "fc":
        np.testing.assert_allclose(g, want, rtol=rt, atol=at, err_msg=what)
    else:
        np.testing.assert_array_equal(g, want, err_msg=what)


def check_op(
    name_or_fn: str | Callable,
    inputs: Sequence[np.ndarray],
    attrs: dict | None,
    expected_outputs: Sequence[np.ndarray],
    expected_grads: Sequence[np.ndarray] | None = None,
    *,
    grad_inputs: Sequence[int] | None = None,
    head_grads: Sequence[np.ndarray] | None = None,
    multi: bool | None = None,
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> None:
    """Run an op eagerly through ``mx.nd`` and compare with MXNet's results.

    Parameters
    ----------
    name_or_fn : str or callable
        A path under ``mx.nd`` (``'broadcast_add'``, ``'_internal._plus_scalar'``,
        ``'linalg.gemm2'``) or a function of NDArrays.
    inputs, attrs : the op's array inputs (numpy, dtype kept) and attributes.
    expected_outputs : MXNet's outputs (shape, dtype and values are compared).
    expected_grads : MXNet's gradients of the inputs listed in ``grad_inputs``
        (default: every float input) for ``head_grads`` (default: ones).
    multi : whether the op returns a list (default: ``len(expected_outputs) > 1``).
    """
    fn = resolve(name_or_fn) if isinstance(name_or_fn, str) else name_or_fn
    attrs = attrs or {}
    grad_inputs, head_grads = _grad_setup(
        inputs, expected_outputs, expected_grads, grad_inputs, head_grads
    )
    out, grads = _run(
        lambda *xs: fn(*xs, **attrs),
        inputs,
        grad_inputs,
        head_grads,
        expected_grads is not None,
    )
    is_multi = len(expected_outputs) > 1 if multi is None else multi
    if is_multi:
        assert isinstance(out, (list, tuple)), (
            f"expected a list of outputs, got {out!r}"
        )
        outs = list(out)
    else:
        assert isinstance(out, mx.nd.NDArray), f"expected one NDArray, got {type(out)}"
        outs = [out]
    assert len(outs) == len(expected_outputs)
    for k, (o, e) in enumerate(zip(outs, expected_outputs, strict=True)):
        _compare(f"output {k}", o, e, rtol, atol)
    for k, i in enumerate(grad_inputs):
        _compare(f"gradient of input {i}", grads[k], expected_grads[k], rtol, atol)


def _grad_setup(inputs, expected_outputs, expected_grads, grad_inputs, head_grads):
    """``(grad_inputs, head_grads)`` with their defaults: every float input and
    ones; ``([], None)`` when no gradients are expected."""
    if expected_grads is None:
        return [], None
    if grad_inputs is None:
        grad_inputs = [i for i, x in enumerate(inputs) if x.dtype.kind == "f"]
    if head_grads is None:
        head_grads = [np.ones(e.shape, e.dtype) for e in expected_outputs]
    return list(grad_inputs), head_grads


def check_op_symbol(
    path: str,
    inputs: Sequence[np.ndarray],
    attrs: dict | None,
    expected_outputs: Sequence[np.ndarray],
    expected_grads: Sequence[np.ndarray] | None = None,
    *,
    grad_inputs: Sequence[int] | None = None,
    head_grads: Sequence[np.ndarray] | None = None,
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> None:
    """The graph path: ``mx.sym.<path>`` on variables, bound and executed."""
    names = [f"x{i}" for i in range(len(inputs))]
    fn = resolve(path, mx.sym)
    sym = fn(*[mx.sym.var(n) for n in names], **(attrs or {}))
    args = {
        n: mx.nd.array(x, dtype=x.dtype) for n, x in zip(names, inputs, strict=True)
    }
    want_grad = expected_grads is not None
    grad_inputs, head_grads = _grad_setup(
        inputs, expected_outputs, expected_grads, grad_inputs, head_grads
    )
    args_grad = {
        names[i]: mx.nd.zeros(inputs[i].shape, dtype=inputs[i].dtype)
        for i in grad_inputs
    }
    req = {n: ("write" if n in args_grad else "null") for n in names}
    ex = sym.bind(mx.cpu(), args=args, args_grad=args_grad or None, grad_req=req)
    outs = ex.forward(is_train=want_grad)
    assert len(outs) == len(expected_outputs)
    for k, (o, e) in enumerate(zip(outs, expected_outputs, strict=True)):
        _compare(f"symbol output {k}", o, e, rtol, atol)
    if not grad_inputs:
        return
    ex.backward([mx.nd.array(h, dtype=h.dtype) for h in head_grads])
    for k, i in enumerate(grad_inputs):
        got = ex.grad_dict[names[i]]
        _compare(f"symbol gradient of input {i}", got, expected_grads[k], rtol, atol)


class _OpBlock(mx.gluon.HybridBlock):
    """A parameter-free HybridBlock whose ``hybrid_forward`` is ``F.<path>``."""

    def __init__(self, path: str, attrs: dict) -> None:
        super().__init__()
        self._path = path
        self._attrs = attrs

    def hybrid_forward(self, F, x, *args):
        return resolve(self._path, F)(x, *args, **self._attrs)


def _outputs(out, n: int, what: str) -> list:
    if n > 1 or isinstance(out, (list, tuple)):
        assert isinstance(out, (list, tuple)), f"{what}: expected a list, got {out!r}"
        return list(out)
    assert isinstance(out, mx.nd.NDArray), f"{what}: expected one NDArray, got {out!r}"
    return [out]


def _run(fn, inputs, grad_inputs, head_grads, want_grad):
    """``fn`` on fresh NDArrays of ``inputs``; (outputs, input gradients)."""
    xs = [mx.nd.array(x, dtype=x.dtype) for x in inputs]
    if not want_grad:
        return fn(*xs), []
    for i in grad_inputs:
        xs[i].attach_grad()
    with mx.autograd.record():
        out = fn(*xs)
    outs = out if isinstance(out, (list, tuple)) else [out]
    hgs = [mx.nd.array(h, dtype=h.dtype) for h in head_grads]
    pairs = [
        (o, h) for o, h in zip(outs, hgs, strict=True) if o.to_torch().requires_grad
    ]
    if pairs:
        mx.autograd.backward([p[0] for p in pairs], [p[1] for p in pairs])
    return out, [xs[i].grad for i in grad_inputs]


def check_op_hybrid(
    path: str,
    inputs: Sequence[np.ndarray],
    attrs: dict | None,
    expected_outputs: Sequence[np.ndarray],
    expected_grads: Sequence[np.ndarray] | None = None,
    *,
    grad_inputs: Sequence[int] | None = None,
    head_grads: Sequence[np.ndarray] | None = None,
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> None:
    """The hybridized path: a HybridBlock calling ``F.<path>``, hybridized.

    Its outputs (and input gradients, recorded under ``autograd``) are
    compared with MXNet's and with the same op run eagerly through ``mx.nd``.
    The hybridized call traces ``hybrid_forward`` with ``F = mx.sym`` and runs
    the cached graph built from it.
    """
    attrs = attrs or {}
    want_grad = expected_grads is not None
    grad_inputs, head_grads = _grad_setup(
        inputs, expected_outputs, expected_grads, grad_inputs, head_grads
    )
    n = len(expected_outputs)
    fn = resolve(path)
    eager, eager_grads = _run(
        lambda *xs: fn(*xs, **attrs), inputs, grad_inputs, head_grads, want_grad
    )
    eager = _outputs(eager, n, "eager")
    block = _OpBlock(path, attrs)
    block.hybridize()
    out, grads = _run(block, inputs, grad_inputs, head_grads, want_grad)
    outs = _outputs(out, n, "hybridized")
    assert len(outs) == n, f"hybridized: {len(outs)} outputs, expected {n}"
    for k, (o, e, w) in enumerate(zip(outs, eager, expected_outputs, strict=True)):
        _compare(f"hybridized output {k}", o, w, rtol, atol)
        _compare(f"hybridized output {k} vs eager", o, e.asnumpy(), rtol, atol)
    for k, (g, e, w) in enumerate(
        zip(grads, eager_grads, expected_grads or [], strict=True)
    ):
        what = f"hybridized gradient of input {grad_inputs[k]}"
        _compare(what, g, w, rtol, atol)
        _compare(f"{what} vs eager", g, e.asnumpy(), rtol, atol)


def check_case(
    case: Case, rtol: float = 1e-5, atol: float = 1e-6, path: str = "nd"
) -> None:
    """:func:`check_op` (``path='nd'``); ``'sym'``: both graph paths,
    :func:`check_op_symbol` (bound executor) then :func:`check_op_hybrid`
    (hybridized HybridBlock); ``'hybrid'``: only the latter."""
    expected_grads = case.grads if case.grad_inputs else None
    if path in ("sym", "hybrid"):
        kwargs = {
            "grad_inputs": case.grad_inputs,
            "head_grads": case.head_grads or None,
            "rtol": rtol,
            "atol": atol,
        }
        args = (case.fn, case.inputs, case.attrs, case.outputs, expected_grads)
        if path == "sym":
            check_op_symbol(*args, **kwargs)
        check_op_hybrid(*args, **kwargs)
        return
    check_op(
        case.fn,
        case.inputs,
        case.attrs,
        case.outputs,
        expected_grads,
        grad_inputs=case.grad_inputs,
        head_grads=case.head_grads or None,
        multi=case.multi,
        rtol=rtol,
        atol=atol,
    )
