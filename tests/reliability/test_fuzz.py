"""Fuzzing every file reader with hypothesis (issue 10).

Each test starts from VALID files (written by neogluon, plus MXNet 1.9.1's
own fixtures), mutates them with the structure of the format in mind (the
lengths, counts, dtypes, shapes, indices and names the file declares; then
truncation, bit flips, inserted and deleted bytes) and feeds the result to a
reader. Every call must (checked by ``fuzz_support.guarded``):

- end with a result or with the documented exception type (``MXNetError``;
  ``AssertionError`` for ``load_parameters``' name/shape/dtype checks, as in
  MXNet; ``ValueError`` for ``recordio.unpack`` of fewer bytes than a
  header) and a message;
- allocate no more than ``fuzz_support.MEM_LIMIT`` (tracemalloc) and not
  grow the process's peak RSS by more than ``RSS_LIMIT``;
- return within ``TIME_LIMIT`` seconds.

``make test`` runs a few derandomized examples per reader (the same inputs
every run, a few seconds in all); ``make fuzz`` runs the long, random search
(``NEOGLUON_FUZZ=long``, ``NEOGLUON_FUZZ_EXAMPLES`` examples per reader).
"""

from __future__ import annotations

import atexit
import functools
import io
import json
import pickle
import pickletools
import shutil
import struct
import tempfile
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neogluon as mx
from neogluon._states_pickle import loads_states
from neogluon.base import MXNetError
from tests.conftest import FIXTURES
from tests.reliability import fuzz_support as fz

pytestmark = [
    pytest.mark.fuzz,
    pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning"),
]

_TMP = Path(tempfile.mkdtemp(prefix="neogluon-fuzz-"))
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)


def _tmpfile(name: str, data: bytes) -> str:
    path = _TMP / name
    path.write_bytes(data)
    return str(path)


def _file_bytes(write, name: str) -> bytes:
    path = _TMP / name
    write(str(path))
    return path.read_bytes()


# ===================================================================== .params
def _two_layer():
    net = mx.gluon.nn.HybridSequential()
    net.add(mx.gluon.nn.Dense(3, in_units=2), mx.gluon.nn.Dense(4, in_units=3))
    net.initialize(mx.init.Uniform())
    return net


@functools.cache
def params_seeds() -> tuple[bytes, ...]:
    """Valid ``.params`` files: ours (dense of every dtype, 0-d, empty,
    row_sparse, csr, a net's parameters) and MXNet 1.9.1's."""
    rs = np.random.RandomState(0)
    dense = {
        "f32": mx.nd.array(rs.rand(2, 3)),
        "f16": mx.nd.array(rs.rand(4), dtype="float16"),
        "f64": mx.nd.array(rs.rand(1, 2, 2), dtype="float64"),
        "i64": mx.nd.array([[1, 2], [3, 4]], dtype="int64"),
        "u8": mx.nd.array([1, 2, 3], dtype="uint8"),
        "i32": mx.nd.array([7], dtype="int32"),
        "scalar": mx.nd.array(5.0),
        "empty": mx.nd.zeros((0, 3)),
    }
    rsp = mx.nd.array(np.array([[0, 0, 0], [1, 2, 3], [0, 0, 0], [4, 5, 6]])).tostype(
        "row_sparse"
    )
    csr = mx.nd.array(np.array([[0, 1, 0, 0], [0, 0, 0, 2], [3, 0, 0, 0]])).tostype(
        "csr"
    )
    seeds = [
        _file_bytes(lambda f: mx.nd.save(f, dense), "dense.params"),
        _file_bytes(lambda f: mx.nd.save(f, [dense["f32"], dense["i64"]]), "l.params"),
        _file_bytes(lambda f: mx.nd.save(f, {"rsp": rsp, "csr": csr}), "sp.params"),
        _file_bytes(lambda f: mx.nd.save(f, [csr]), "csr.params"),
        _file_bytes(_two_layer().save_parameters, "net.params"),
    ]
    for path in sorted((FIXTURES / "params_files").glob("*.params")):
        seeds.append(path.read_bytes())
    for path in sorted((FIXTURES / "sparse").glob("*.params")):
        seeds.append(path.read_bytes())
    return tuple(seeds)


def _check_loaded(loaded, nbytes: int) -> None:
    """A loaded file: names to arrays or a list of arrays, every dense array
    backed by bytes the file really holds."""
    arrays = list(loaded.values()) if isinstance(loaded, dict) else loaded
    assert isinstance(arrays, list)
    for a in arrays:
        assert isinstance(a, mx.nd.NDArray)
        if a.stype == "default":
            assert a.size <= nbytes, (
                f"dense array of {a.size} elements from {nbytes} bytes"
            )


@fz.settings_for(40)
@given(st.data())
def test_fuzz_nd_load_frombuffer(data):
    seed = data.draw(st.sampled_from(params_seeds()), label="seed")
    buf = data.draw(fz.mutated(seed, fz.params_fields), label="file")
    with fz.RssWatch():
        loaded, _ = fz.guarded(mx.nd.load_frombuffer, (MXNetError,), buf)
    if loaded is not None:
        _check_loaded(loaded, len(buf))


@fz.settings_for(15)
@given(st.data())
def test_fuzz_nd_load_file(data):
    seed = data.draw(st.sampled_from(params_seeds()), label="seed")
    buf = data.draw(fz.mutated(seed, fz.params_fields), label="file")
    path = _tmpfile("fuzz.params", buf)
    with fz.RssWatch():
        loaded, err = fz.guarded(mx.nd.load, (MXNetError,), path)
    if err is not None:
        assert path in str(err), f"the error does not name the file: {err}"
    else:
        _check_loaded(loaded, len(buf))


@functools.cache
def _net_seed() -> bytes:
    return params_seeds()[4]


@fz.settings_for(15)
@given(st.data())
def test_fuzz_load_parameters_changes_nothing_on_failure(data):
    buf = data.draw(fz.mutated(_net_seed(), fz.params_fields), label="file")
    path = _tmpfile("fuzz-net.params", buf)
    net = _two_layer()
    before = {k: p.data().asnumpy().copy() for k, p in net.collect_params().items()}
    with fz.RssWatch():
        # AssertionError (missing name, shape/dtype mismatch) and ValueError
        # (a name the block lacks, an unnamed list) are MXNet 1.9.1's types.
        _, err = fz.guarded(
            net.load_parameters, (MXNetError, AssertionError, ValueError), path
        )
    if err is not None:
        after = {k: p.data().asnumpy() for k, p in net.collect_params().items()}
        for k, v in before.items():
            np.testing.assert_array_equal(after[k], v)
        return
    for p in net.collect_params().values():
        assert p.data().shape == p.shape


@functools.cache
def record_seeds() -> tuple[bytes, ...]:
    from neogluon.ndarray.serialization import dumps_array

    loaded = mx.nd.load_frombuffer(params_seeds()[0])
    out = [dumps_array(v) for v in loaded.values()]
    loaded = mx.nd.load_frombuffer(params_seeds()[2])
    out += [dumps_array(v) for v in loaded.values()]
    return tuple(out)


@fz.settings_for(25)
@given(st.data())
def test_fuzz_loads_array_and_ndarray_pickle(data):
    from neogluon.ndarray.serialization import loads_array

    seed = data.draw(st.sampled_from(record_seeds()), label="seed")
    rec = data.draw(fz.mutated(seed, fz.record_fields), label="record")
    with fz.RssWatch():
        arr, _ = fz.guarded(loads_array, (MXNetError,), rec)
    if arr is not None and arr.stype == "default":
        assert arr.size <= len(rec)
    # The same bytes as the state of an unpickled NDArray.
    blob = pickle.dumps(_PickledNDArray(rec))
    fz.guarded(pickle.loads, (MXNetError,), blob)


class _PickledNDArray:
    """Pickles as an NDArray whose record is ``rec`` (MXNet's pickle form)."""

    def __init__(self, rec: bytes) -> None:
        self.rec = rec

    def __reduce__(self):
        return mx.nd.NDArray, (None,), {"handle": bytearray(self.rec)}


# ===================================================================== .states
def _trainer(opt: str, params: dict):
    net = mx.gluon.nn.Dense(3, in_units=4)
    net.initialize(mx.init.One())
    trainer = mx.gluon.Trainer(net.collect_params(), opt, params)
    with mx.autograd.record():
        loss = net(mx.nd.ones((2, 4))).sum()
    loss.backward()
    trainer.step(2)
    return net, trainer


def _strip_frames(blob: bytes) -> bytes:
    """The pickle without FRAME opcodes (still valid), so that mutations that
    change lengths do not also have to fix the frame sizes."""
    out = []
    ops = list(pickletools.genops(blob))
    for k, (op, _, pos) in enumerate(ops):
        end = ops[k + 1][2] if k + 1 < len(ops) else len(blob)
        if op.name != "FRAME":
            out.append(blob[pos:end])
    return b"".join(out)


@functools.cache
def states_seeds() -> tuple[bytes, ...]:
    seeds = []
    for opt, params in (
        ("sgd", {"learning_rate": 0.1, "momentum": 0.9}),
        ("adam", {"learning_rate": 0.01}),
        ("rmsprop", {"learning_rate": 0.01, "centered": True}),
    ):
        _, trainer = _trainer(opt, params)
        seeds.append(_file_bytes(trainer.save_states, f"{opt}.states"))
    for path in sorted((FIXTURES / "trainer_states").glob("*.states")):
        seeds.append(path.read_bytes())
    return tuple(_strip_frames(s) for s in seeds)


_PICKLE_NAMES = [
    "os",
    "system",
    "builtins",
    "eval",
    "getattr",
    "bytearray",
    "set",
    "frozenset",
    "complex",
    "numpy",
    "numpy.core.multiarray",
    "ndarray",
    "_reconstruct",
    "scalar",
    "dtype",
    "_frombuffer",
    "collections",
    "OrderedDict",
    "neogluon.optimizer",
    "neogluon.optimizer.optimizer",
    "Optimizer",
    "SGD",
    "mxnet.ndarray.ndarray",
    "NDArray",
    "mxnet.lr_scheduler",
    "FactorScheduler",
    "numpy.dtypes",
    "Float32DType",
    "handle",
    "__class__",
    "",
]


def _push_int(v: int) -> bytes:
    if -(1 << 31) <= v < (1 << 31):
        return b"J" + struct.pack("<i", v)
    raw = v.to_bytes((v.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(raw)]) + raw


def _push_value(draw) -> bytes:
    """Pickle opcodes that push one value of a different kind."""
    kind = draw(st.sampled_from(["int", "str", "bytes", "none", "tuple", "empty"]))
    if kind == "int":
        return _push_int(
            draw(st.sampled_from([0, -1, 1, 2**31, 2**40, 10**12, -(2**63)]))
        )
    if kind == "str":
        s = draw(st.sampled_from(_PICKLE_NAMES)).encode()
        return b"\x8c" + bytes([len(s)]) + s
    if kind == "bytes":
        b = draw(st.binary(max_size=40))
        return b"C" + bytes([len(b)]) + b
    if kind == "none":
        return b"N"
    if kind == "tuple":
        ints = draw(st.lists(st.sampled_from([0, 1, 2, 10**9, 2**40, -1]), max_size=4))
        return b"(" + b"".join(_push_int(i) for i in ints) + b"t"
    return b")"


@st.composite
def pickle_mutation(draw, blob: bytes) -> bytes:
    """One change to a pickle, aware of its opcodes: the ints, strings and
    bytes they carry (NDArray records inside are mutated as records), their
    length prefixes, the globals they name, the kind of value they push."""
    try:
        ops = list(pickletools.genops(blob))
    except Exception:  # noqa: BLE001 - an already broken stream
        return draw(fz.byte_mutation(blob))
    if draw(st.integers(0, 4)) == 0:
        return draw(fz.byte_mutation(blob))
    k = draw(st.integers(0, len(ops) - 1))
    op, arg, pos = ops[k]
    end = ops[k + 1][2] if k + 1 < len(ops) else len(blob)
    kind = draw(st.sampled_from(["value", "swap", "delete", "dup", "length"]))
    new = None
    if kind == "value" and isinstance(arg, int) and op.name != "PROTO":
        new = _push_int(draw(fz.field_value(fz.Field(0, "<q", "int"), arg)))
    elif kind == "value" and isinstance(arg, str):
        s = draw(st.sampled_from(_PICKLE_NAMES)).encode()
        new = b"\x8c" + bytes([len(s)]) + s
    elif kind == "value" and isinstance(arg, (bytes, bytearray)):
        payload = bytes(arg)
        if payload[:4] == struct.pack("<I", 0xF993FAC9):
            payload = draw(fz.mutated(payload, fz.record_fields, 2))
        else:
            payload = draw(fz.byte_mutation(payload))
        new = b"B" + struct.pack("<I", len(payload)) + payload
    elif kind == "swap" and op.name not in ("PROTO", "STOP", "MARK"):
        new = _push_value(draw)
    elif kind == "delete":
        new = b""
    elif kind == "dup":
        new = blob[pos:end] * 2
    elif kind == "length" and op.name in (
        "SHORT_BINUNICODE",
        "SHORT_BINBYTES",
        "BINUNICODE",
        "BINBYTES",
        "BYTEARRAY8",
        "BINUNICODE8",
        "BINBYTES8",
    ):
        width = {"SHORT": 1, "BIN": 4}[
            "SHORT" if op.name.startswith("SHORT") else "BIN"
        ]
        width = 8 if op.name.endswith("8") else width
        fmt = {1: "<B", 4: "<I", 8: "<Q"}[width]
        field = fz.Field(pos + 1, fmt, "length")
        (cur,) = struct.unpack_from(fmt, blob, pos + 1)
        return fz.set_field(blob, field, draw(fz.field_value(field, cur)))
    if new is None:
        return draw(fz.byte_mutation(blob))
    return blob[:pos] + new + blob[end:]


@st.composite
def mutated_pickle(draw, blob: bytes) -> bytes:
    for _ in range(draw(st.integers(1, 3))):
        blob = draw(pickle_mutation(blob))
    return blob


@fz.settings_for(40)
@given(st.data())
def test_fuzz_loads_states(data):
    seed = data.draw(st.sampled_from(states_seeds()), label="seed")
    blob = data.draw(mutated_pickle(seed), label="states")
    with fz.RssWatch():
        fz.guarded(loads_states, (MXNetError,), blob)


@functools.cache
def _states_trainer():
    return _trainer("sgd", {"learning_rate": 0.1, "momentum": 0.9})


def _trainer_snapshot(trainer) -> dict:
    out = {"lr": trainer.learning_rate, "opt": type(trainer._optimizer).__name__}
    for k, s in trainer._updaters[0].states.items():
        out[k] = None if s is None else s.asnumpy().copy()
    return out


@fz.settings_for(15)
@given(st.data())
def test_fuzz_trainer_load_states_changes_nothing_on_failure(data):
    seed = data.draw(st.sampled_from(states_seeds()[:1]), label="seed")
    blob = data.draw(mutated_pickle(seed), label="states")
    path = _tmpfile("fuzz.states", blob)
    _, trainer = _trainer("sgd", {"learning_rate": 0.1, "momentum": 0.9})
    before = _trainer_snapshot(trainer)
    with fz.RssWatch():
        _, err = fz.guarded(trainer.load_states, (MXNetError,), path)
    if err is not None:
        assert path in str(err)
        after = _trainer_snapshot(trainer)
        assert after.keys() == before.keys()
        for k, v in before.items():
            if isinstance(v, np.ndarray):
                np.testing.assert_array_equal(after[k], v)
            else:
                assert after[k] == v


# ================================================================= symbol JSON
@functools.cache
def json_seeds() -> tuple[tuple[str, dict], ...]:
    """(JSON text, input shapes) of valid graphs: ours and MXNet 1.9.1's."""
    data = mx.sym.var("data")
    fc = mx.sym.FullyConnected(data, num_hidden=3, name="fc")
    mlp = mx.sym.Activation(fc, act_type="relu")
    mlp = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(mlp, num_hidden=2), name="out")
    conv = mx.sym.Convolution(data, num_filter=2, kernel=(3, 3), name="conv")
    bn = mx.sym.BatchNorm(conv, name="bn")
    pool = mx.sym.Pooling(bn, kernel=(2, 2), pool_type="max")
    grouped = mx.sym.Group([mx.sym.flatten(pool), bn])
    out = [
        (fc.tojson(), {"data": (2, 4)}),
        (mlp.tojson(), {"data": (2, 4)}),
        (grouped.tojson(), {"data": (1, 1, 6, 6)}),
    ]
    for name, shape in (
        ("mlp", {"data": (2, 10)}),
        ("convnet", {"data": (1, 1, 12, 12)}),
        ("legacy", {"data": (2, 10)}),
    ):
        path = FIXTURES / "symbol" / f"{name}-symbol.json"
        if path.exists():
            out.append((path.read_text(), shape))
    return tuple(out)


_JSON_VALUES = [
    0,
    1,
    -1,
    2,
    3,
    7,
    2**31,
    2**63,
    -(2**63),
    1e308,
    0.5,
    True,
    None,
    "",
    "null",
    "abc",
    "-1",
    "0",
    "1000000000000",
    "(0,)",
    "(1000000, 1000000)",
    "(-1, 3)",
    "((((",
    "1e400",
    "nan",
    "True",
    "FullyConnected",
    "Convolution",
    "Reshape",
    "_foreach",
    "Custom",
    [],
    {},
    [0, 0, 0],
    [-1, 0, 0],
    [0, 5, 0],
    [[0, 0, 0]],
    {"num_hidden": "3"},
]


def _json_paths(obj, path=()):
    yield path, obj
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _json_paths(v, (*path, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _json_paths(v, (*path, i))


@st.composite
def json_mutation(draw, obj):
    """One change to a parsed graph: a value replaced, a key or item deleted,
    an item duplicated, two items swapped."""
    paths = [p for p, _ in _json_paths(obj) if p]
    path = draw(st.sampled_from(paths))
    parent = obj
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    kind = draw(
        st.sampled_from(["replace", "replace", "neighbour", "delete", "dup", "swap"])
    )
    cur = parent[last]
    if kind == "neighbour" and isinstance(cur, int) and not isinstance(cur, bool):
        parent[last] = cur + draw(st.integers(-3, 3))
    elif kind == "delete":
        del parent[last]
    elif kind == "dup" and isinstance(parent, list):
        parent.insert(last, json.loads(json.dumps(cur)))
    elif kind == "swap" and isinstance(parent, list) and len(parent) > 1:
        j = draw(st.integers(0, len(parent) - 1))
        parent[last], parent[j] = parent[j], parent[last]
    else:
        # A copy: later mutations must not change the shared sample value.
        parent[last] = json.loads(json.dumps(draw(st.sampled_from(_JSON_VALUES))))
    return obj


@st.composite
def mutated_json(draw, text: str) -> str:
    if draw(st.integers(0, 4)) == 0:
        raw = draw(fz.byte_mutation(text.encode()))
        return raw.decode("utf-8", errors="replace")
    obj = json.loads(text)
    for _ in range(draw(st.integers(1, 3))):
        obj = draw(json_mutation(obj))
    return json.dumps(obj)


def _use_symbol(text: str, shapes: dict):
    sym = mx.sym.load_json(text)
    sym.list_arguments()
    sym.list_outputs()
    sym.list_auxiliary_states()
    again = mx.sym.load_json(sym.tojson())
    assert again.tojson() == sym.tojson()
    known = {k: v for k, v in shapes.items() if k in sym.list_arguments()}
    sym.infer_shape_partial(**known)
    return sym


@fz.settings_for(60)
@given(st.data())
def test_fuzz_symbol_load_json(data):
    text, shapes = data.draw(st.sampled_from(json_seeds()), label="seed")
    mutated = data.draw(mutated_json(text), label="json")
    with fz.RssWatch():
        fz.guarded(_use_symbol, (MXNetError,), mutated, shapes)


@fz.settings_for(10)
@given(st.data())
def test_fuzz_symbol_files_and_symbolblock_imports(data):
    text, shapes = json_seeds()[0]
    sym_path = _tmpfile("fuzz-symbol.json", b"")
    params_path = str(_TMP / "fuzz-0000.params")
    if not Path(params_path).exists():
        sym = mx.sym.load_json(text)
        arg_shapes, _, _ = sym.infer_shape(**shapes)
        rs = np.random.RandomState(1)
        mx.nd.save(
            params_path,
            {
                f"arg:{n}": mx.nd.array(rs.rand(*s))
                for n, s in zip(sym.list_arguments(), arg_shapes, strict=True)
                if n not in ("data", "out_label")
            },
        )
    raw = data.draw(fz.byte_mutation(text.encode()), label="file bytes")
    if data.draw(st.booleans(), label="structured"):
        raw = data.draw(mutated_json(text), label="json").encode()
    Path(sym_path).write_bytes(raw)
    with fz.RssWatch():
        fz.guarded(mx.sym.load, (MXNetError,), sym_path)
        # AssertionError: a parameter the graph needs is not in the file (MXNet's).
        fz.guarded(
            mx.gluon.SymbolBlock.imports,
            (MXNetError, AssertionError),
            sym_path,
            ["data"],
            params_path,
        )


# ==================================================================== RecordIO
def _png(shape=(5, 4, 3), seed=0) -> bytes:
    img = np.random.RandomState(seed).randint(0, 255, shape).astype(np.uint8)
    return mx.recordio.pack_img(mx.recordio.IRHeader(0, 1.0, 1, 0), img, img_fmt=".png")


def _jpg() -> bytes:
    img = np.random.RandomState(2).randint(0, 255, (8, 8, 3)).astype(np.uint8)
    return mx.recordio.pack_img(mx.recordio.IRHeader(0, [1.0, 2.0], 2, 0), img)


@functools.cache
def rec_seeds() -> tuple[tuple[bytes, bytes], ...]:
    """(.rec bytes, .idx bytes) of valid files: ours (records holding the
    magic, so split into chunks; packed images) and MXNet 1.9.1's."""
    magic = struct.pack("<I", 0xCED7230A)
    records = [
        b"",
        b"abc",
        b"x" * 9,
        magic + b"1234" + magic,
        mx.recordio.pack(mx.recordio.IRHeader(0, [1.0, 2.0, 3.0], 5, 0), b"payload"),
        _png(),
    ]
    rec = str(_TMP / "seed.rec")
    idx = str(_TMP / "seed.idx")
    w = mx.recordio.MXIndexedRecordIO(idx, rec, "w")
    for i, r in enumerate(records):
        w.write_idx(i, r)
    w.close()
    out = [(Path(rec).read_bytes(), Path(idx).read_bytes())]
    for name in ("indexed", "packed", "plain"):
        rpath = FIXTURES / "data" / f"{name}.rec"
        ipath = FIXTURES / "data" / f"{name}.idx"
        if rpath.exists():
            out.append(
                (rpath.read_bytes(), ipath.read_bytes() if ipath.exists() else b"")
            )
    return tuple(out)


def _read_all(path: str) -> list:
    r = mx.recordio.MXRecordIO(path, "r")
    out = []
    try:
        while True:
            rec = r.read()
            if rec is None:
                return out
            out.append(rec)
            assert len(out) < 100_000, "reader does not advance"
    finally:
        r.close()


@fz.settings_for(40)
@given(st.data())
def test_fuzz_recordio_read(data):
    rec, _ = data.draw(st.sampled_from(rec_seeds()), label="seed")
    buf = data.draw(fz.mutated(rec, fz.rec_fields), label="rec")
    path = _tmpfile("fuzz.rec", buf)
    with fz.RssWatch():
        records, _ = fz.guarded(_read_all, (MXNetError,), path)
    if records is not None:
        assert sum(len(r) for r in records) <= len(buf)


@st.composite
def mutated_idx(draw, text: bytes) -> bytes:
    lines = text.decode().splitlines()
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["offset", "key", "line", "bytes"]))
        if kind == "bytes" or not lines:
            return draw(fz.byte_mutation("\n".join(lines).encode()))
        i = draw(st.integers(0, len(lines) - 1))
        key, _, off = lines[i].partition("\t")
        if kind == "offset":
            new = draw(
                st.one_of(
                    st.integers(-(2**63), 2**70).map(str),
                    st.sampled_from(
                        ["", "x", "1e3", "9" * 400, " 8", "0x10", "-0", "٣"]
                    ),
                    st.integers(-3, 3).map(
                        lambda d, off=off: str(int(off) + d) if off.isdigit() else off
                    ),
                )
            )
            lines[i] = f"{key}\t{new}"
        elif kind == "key":
            new = draw(
                st.sampled_from(["", "x", "-1", "0", "1", "9" * 400, "1.5", "k k"])
            )
            lines[i] = f"{new}\t{off}"
        else:
            lines[i] = draw(st.sampled_from(["", "\t", "0", "0\t0\t0", "\t\t", "0 0"]))
    return ("\n".join(lines) + "\n").encode()


def _read_indexed(idx: str, rec: str) -> list:
    r = mx.recordio.MXIndexedRecordIO(idx, rec, "r")
    try:
        return [r.read_idx(k) for k in r.keys]
    finally:
        r.close()


@fz.settings_for(30)
@given(st.data())
def test_fuzz_indexed_recordio(data):
    rec, idx = data.draw(
        st.sampled_from([s for s in rec_seeds() if s[1]]), label="seed"
    )
    if data.draw(st.booleans(), label="mutate idx"):
        idx = data.draw(mutated_idx(idx), label="idx")
    else:
        rec = data.draw(fz.mutated(rec, fz.rec_fields), label="rec")
    rpath = _tmpfile("fuzz-i.rec", rec)
    ipath = _tmpfile("fuzz-i.idx", idx)
    with fz.RssWatch():
        fz.guarded(_read_indexed, (MXNetError,), ipath, rpath)


_IR = struct.Struct("<IfQQ")


def _ir_fields(buf: bytes) -> list:
    if len(buf) < _IR.size:
        return []
    return [
        fz.Field(0, "<I", "flag"),
        fz.Field(4, "<i", "label bits"),
        fz.Field(8, "<Q", "id"),
        fz.Field(16, "<Q", "id2"),
    ]


def _unpack_all(buf: bytes):
    header, payload = mx.recordio.unpack(buf)
    assert len(payload) <= len(buf)
    if header.flag > 0:
        assert len(header.label) == header.flag
    return header


@fz.settings_for(30)
@given(st.data())
def test_fuzz_recordio_unpack(data):
    seed = data.draw(
        st.sampled_from(
            [
                mx.recordio.pack(mx.recordio.IRHeader(0, 2.5, 1, 0), b"abcdef"),
                mx.recordio.pack(mx.recordio.IRHeader(0, [1.0, 2.0, 3.0], 5, 0), b"xy"),
            ]
        ),
        label="seed",
    )
    buf = data.draw(fz.mutated(seed, _ir_fields), label="record")
    fz.guarded(_unpack_all, (MXNetError, ValueError), buf)


def _png_fields(buf: bytes) -> list:
    """IRHeader fields, then the PNG IHDR width/height/bit depth/colour type
    (the CRC is fixed after the mutation by :func:`_fix_png_crc`), or a
    JPEG's SOF0 height/width."""
    fields = _ir_fields(buf)
    n = (
        _IR.size + 4 * struct.unpack_from("<I", buf, 0)[0]
        if len(buf) >= _IR.size
        else 0
    )
    img = buf[n:] if n <= len(buf) else b""
    if img[:8] == b"\x89PNG\r\n\x1a\n" and len(img) >= 33:
        fields += [
            fz.Field(n + 16, ">I", "png width"),
            fz.Field(n + 20, ">I", "png height"),
            fz.Field(n + 24, ">B", "png bit depth"),
            fz.Field(n + 25, ">B", "png colour type"),
        ]
    sof = img.find(b"\xff\xc0")
    if img[:2] == b"\xff\xd8" and sof > 0 and sof + 9 <= len(img):
        fields += [
            fz.Field(n + sof + 5, ">H", "jpeg height"),
            fz.Field(n + sof + 7, ">H", "jpeg width"),
            fz.Field(n + sof + 9, ">B", "jpeg components"),
        ]
    return fields


def _fix_png_crc(buf: bytes) -> bytes:
    at = buf.find(b"IHDR")
    if at < 4 or at + 21 > len(buf):
        return buf
    crc = zlib.crc32(buf[at : at + 17]) & 0xFFFFFFFF
    return buf[: at + 17] + struct.pack(">I", crc) + buf[at + 21 :]


@fz.settings_for(30)
@given(st.data())
def test_fuzz_recordio_unpack_img(data):
    from PIL import Image

    seed = data.draw(st.sampled_from([_png(), _png((6, 7), 1), _jpg()]), label="seed")
    buf = _fix_png_crc(data.draw(fz.mutated(seed, _png_fields), label="record"))
    iscolor = data.draw(st.sampled_from([-1, 0, 1]), label="iscolor")
    limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = 1 << 20  # the allocation bound of this test
    try:
        with fz.RssWatch(), warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            out, _ = fz.guarded(
                mx.recordio.unpack_img, (MXNetError, ValueError), buf, iscolor
            )
    finally:
        Image.MAX_IMAGE_PIXELS = limit
    if out is not None:
        header, img = out
        assert isinstance(img, np.ndarray) and img.dtype == np.uint8
        assert img.size <= 8 << 20


def test_fuzz_support_maps_valid_files():
    """The field maps see the declared fields of valid files (else the
    mutations above would be blind)."""
    roles = {f.role for f in fz.params_fields(params_seeds()[2])}
    assert {"array count", "stype", "storage shape dim", "aux shape dim"} <= roles
    assert {"type flag", "name length", "shape ndim"} <= roles
    assert len(fz.rec_fields(rec_seeds()[0][0])) >= 2 * 6
    assert {f.role for f in _png_fields(_png())} >= {"png width", "flag"}
    assert {f.role for f in _png_fields(_jpg())} >= {"jpeg width"}
    pickletools.dis(states_seeds()[0], out=io.StringIO())
