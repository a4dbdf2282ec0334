"""gluon.model_zoo.vision vs MXNet 1.9.1 (fixtures from tools/fixtures/model_zoo.py).

Structure: for every model, ``collect_params()`` names and the ordered
``save_parameters`` keys/shapes after one forward at the smallest valid input.
Numbers: predict-mode outputs under deterministic weights, drawn here with
``numpy.random.RandomState`` by the same recipe as the generator (the stream is
frozen across numpy versions; stored checksums prove the draws are identical).
Pretrained files: MXNet's legacy layout loads through ``pretrained=True``.
"""

from __future__ import annotations

import hashlib
import logging
import lzma
import os
import zipfile

import numpy as np
import pytest

import neogluon as mx
from neogluon.gluon.model_zoo import model_store
from neogluon.gluon.model_zoo import vision
from tests.conftest import FIXTURES
from tests.conftest import load_fixture

ALL_MODELS = [
    *(f"resnet{n}_v{v}" for v in (1, 2) for n in (18, 34, 50, 101, 152)),
    *(f"vgg{n}{bn}" for bn in ("", "_bn") for n in (11, 13, 16, 19)),
    "alexnet",
    *(f"densenet{n}" for n in (121, 161, 169, 201)),
    "squeezenet1.0",
    "squeezenet1.1",
    "inceptionv3",
    *(f"mobilenet{m}" for m in ("1.0", "0.75", "0.5", "0.25")),
    *(f"mobilenetv2_{m}" for m in ("1.0", "0.75", "0.5", "0.25")),
]
FAST_MODELS = [
    "resnet18_v1",
    "resnet18_v2",
    "vgg11",
    "densenet121",
    "squeezenet1.1",
    "inceptionv3",
    "mobilenet0.25",
    "mobilenetv2_0.25",
]
OUTPUT_MODELS = ["resnet18_v1", "resnet18_v2", "mobilenetv2_0.25", "squeezenet1.1"]
# float32 through 20-50 layers, MXNet's kernels vs torch's: agreement to 1e-4
# relative. Logits here reach |y| ~ 50, and a logit near 0 is the difference of
# terms of that size, so its absolute error scales with the largest logit: atol
# is 1e-5 times max|y| (at least 1e-5).
RTOL = 1e-4


def assert_close(actual, desired) -> None:
    atol = 1e-5 * max(1.0, float(np.abs(desired).max()))
    np.testing.assert_allclose(actual, desired, rtol=RTOL, atol=atol)


@pytest.fixture(autouse=True)
def _fresh_names():
    """Fresh global name counters, like the generator's fresh process."""
    old = mx.name.NameManager.current
    mx.name.NameManager.current = mx.name.NameManager()
    yield
    mx.name.NameManager.current = old


def _fixture_name(model: str) -> str:
    return model.replace(".", "_")


def draw_weights(keys_shapes, seed: int = 0, grid: int | None = None) -> dict:
    """The generator's recipe (tools/fixtures/model_zoo.py: draw_weights)."""
    rs = np.random.RandomState(seed)
    out = {}
    for key, shape in sorted((k, tuple(s)) for k, s in keys_shapes):
        u = rs.uniform(-1.0, 1.0, shape)
        if key.endswith("weight"):
            fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
            w = u * np.sqrt(6.0 / fan_in)
        elif key.endswith(("gamma", "running_var")):
            w = 1.0 + 0.25 * u
        else:
            w = 0.1 * u
        if grid:
            w = np.round(w * grid) / grid
        out[key] = w.astype(np.float32)
    return out


def draw_input(shape, seed: int = 1) -> np.ndarray:
    return np.random.RandomState(seed).uniform(-1.0, 1.0, shape).astype(np.float32)


def _checksum(weights: dict) -> float:
    return float(sum(np.abs(w.astype(np.float64)).sum() for w in weights.values()))


def _saved_keys_shapes(net, path) -> list:
    net.save_parameters(str(path))
    return [[k, list(v.shape)] for k, v in mx.nd.load(str(path)).items()]


def _check_structure(model: str, tmp_path) -> None:
    fx = load_fixture("model_zoo", "structure_" + _fixture_name(model))
    net = vision.get_model(model)
    assert list(net.collect_params().keys()) == fx["param_names"]
    assert isinstance(net.features, mx.gluon.HybridBlock)
    assert isinstance(net.output, mx.gluon.HybridBlock)
    net.initialize()
    out = net(mx.nd.zeros(tuple(fx["input_shape"])))
    assert list(out.shape) == fx["output_shape"]
    assert _saved_keys_shapes(net, tmp_path / "s.params") == fx["keys_shapes"]


@pytest.mark.parametrize("model", FAST_MODELS)
def test_structure_matches_mxnet(model, tmp_path):
    _check_structure(model, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("model", [m for m in ALL_MODELS if m not in FAST_MODELS])
def test_structure_matches_mxnet_all(model, tmp_path):
    _check_structure(model, tmp_path)


def test_every_name_has_a_fixture_and_a_pretrained_hash():
    assert len(ALL_MODELS) == 34
    assert sorted(vision._models) == sorted(ALL_MODELS)
    assert sorted(model_store._model_sha1) == sorted(ALL_MODELS)
    for model in ALL_MODELS:
        assert (
            FIXTURES / "model_zoo" / f"structure_{_fixture_name(model)}.npz"
        ).exists()


def _with_recipe_weights(net, fx):
    shape = tuple(fx["input_shape"])
    net.initialize()
    net(mx.nd.zeros(shape))
    params = net._collect_params_with_prefix()
    weights = draw_weights([[k, p.shape] for k, p in params.items()])
    assert _checksum(weights) == pytest.approx(fx["weights_checksum"], rel=1e-12)
    for k, w in weights.items():
        params[k].set_data(mx.nd.array(w))
    x = draw_input(shape)
    assert float(x.astype(np.float64).sum()) == pytest.approx(
        fx["input_sum"], rel=1e-12
    )
    return mx.nd.array(x)


@pytest.mark.parametrize("hybridize", [False, True], ids=["eager", "hybrid"])
@pytest.mark.parametrize("model", OUTPUT_MODELS)
def test_predict_output_matches_mxnet(model, hybridize):
    fx = load_fixture("model_zoo", "output_" + _fixture_name(model))
    net = vision.get_model(model)
    x = _with_recipe_weights(net, fx)
    if hybridize:
        net.hybridize()
    y = net(x)
    assert_close(y.asnumpy(), fx["output"])
    if hybridize:  # second call runs the cached graph
        assert_close(net(x).asnumpy(), fx["output"])


def test_get_model_unknown_name_lists_options():
    with pytest.raises(ValueError) as err:
        vision.get_model("resnet19_v1")
    msg = str(err.value)
    assert msg.startswith(
        "Model resnet19_v1 is not supported. Available options are\n\t"
    )
    assert msg.split("\n\t")[1:] == sorted(ALL_MODELS)


def test_get_model_is_case_insensitive_and_passes_kwargs():
    net = vision.get_model("ResNet18_V1", classes=7, prefix="r_")
    assert net.prefix == "r_"
    assert net.output._units == 7
    net.initialize()
    assert net(mx.nd.zeros((1, 3, 32, 32))).shape == (1, 7)


def test_constructor_argument_errors():
    with pytest.raises(ValueError, match="Invalid number of layers: 20"):
        vision.get_resnet(1, 20)
    with pytest.raises(ValueError, match="Invalid resnet version: 3"):
        vision.get_resnet(3, 18)
    with pytest.raises(ValueError, match="Unsupported SqueezeNet version 2.0"):
        vision.SqueezeNet("2.0")
    with pytest.raises(ValueError, match="layers=\\[2, 2\\]"):
        vision.ResNetV1(vision.BasicBlockV1, [2, 2], [64, 64])


def test_thumbnail_resnet_and_class_constructors():
    net = vision.ResNetV2(
        vision.BottleneckV2, [1, 1], [16, 32, 64], classes=3, thumbnail=True
    )
    net.initialize()
    assert net(mx.nd.zeros((2, 3, 8, 8))).shape == (2, 3)
    assert vision.get_mobilenet(0.25, classes=4).output._units == 4


# --- model_store -----------------------------------------------------------


def _fake_model_file(root, name, payload: bytes, monkeypatch) -> str:
    """A file at ``root`` whose SHA-1 the store is told to expect for ``name``."""
    sha1 = hashlib.sha1(payload).hexdigest()
    monkeypatch.setitem(model_store._model_sha1, name, sha1)
    path = os.path.join(str(root), f"{name}-{sha1[:8]}.params")
    with open(path, "wb") as f:
        f.write(payload)
    return path


def _no_network(monkeypatch, calls=None):
    def fail(url, path=None, overwrite=False, **kwargs):
        if calls is not None:
            calls.append((url, path))
        raise OSError("network is unreachable")

    monkeypatch.setattr(model_store, "download", fail)


def test_get_model_file_finds_verified_file(tmp_path, monkeypatch):
    calls = []
    _no_network(monkeypatch, calls)
    path = _fake_model_file(tmp_path, "resnet18_v1", b"weights", monkeypatch)
    assert model_store.get_model_file("resnet18_v1", root=str(tmp_path)) == path
    assert calls == []


def test_get_model_file_real_table_names(tmp_path, monkeypatch):
    assert model_store.short_hash("resnet18_v1") == "a0666292"
    assert model_store.short_hash("mobilenetv2_0.25") == "ae8f9392"
    with pytest.raises(ValueError, match="Pretrained model for foo is not available"):
        model_store.get_model_file("foo", root=str(tmp_path))


def test_missing_file_without_network_is_a_clear_error(tmp_path, monkeypatch):
    calls = []
    _no_network(monkeypatch, calls)
    monkeypatch.delenv("MXNET_GLUON_REPO", raising=False)
    root = tmp_path / "models"
    with pytest.raises(OSError) as err:
        model_store.get_model_file("squeezenet1.1", root=str(root))
    msg = str(err.value)
    expected = os.path.join(str(root), "squeezenet1.1-33ba0f93.params")
    assert "squeezenet1.1" in msg and expected in msg
    assert "network is unreachable" in msg and "MXNET_GLUON_REPO" in msg
    url = calls[0][0]
    assert url == (
        "https://apache-mxnet.s3-accelerate.dualstack.amazonaws.com/"
        "gluon/models/squeezenet1.1-33ba0f93.zip"
    )
    assert root.is_dir() and list(root.iterdir()) == []  # no partial files left
    # Through the model constructor as well.
    with pytest.raises(OSError, match="squeezenet1.1"):
        vision.squeezenet1_1(pretrained=True, root=str(root))


def test_corrupted_file_is_downloaded_again(tmp_path, monkeypatch, caplog):
    calls = []
    _no_network(monkeypatch, calls)
    path = _fake_model_file(tmp_path, "alexnet", b"good", monkeypatch)
    with open(path, "wb") as f:
        f.write(b"corrupted")
    with caplog.at_level(logging.WARNING), pytest.raises(OSError):
        model_store.get_model_file("alexnet", root=str(tmp_path))
    assert "Mismatch in the content of model file detected" in caplog.text
    assert len(calls) == 1


def test_download_unzips_and_verifies(tmp_path, monkeypatch):
    payload = b"pretend parameters"
    sha1 = hashlib.sha1(payload).hexdigest()
    monkeypatch.setitem(model_store._model_sha1, "vgg11", sha1)
    monkeypatch.setenv("MXNET_GLUON_REPO", "https://mirror.example/repo")
    calls = []

    def fake_download(url, path=None, overwrite=False, **kwargs):
        calls.append(url)
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr(f"vgg11-{sha1[:8]}.params", payload)
        return path

    monkeypatch.setattr(model_store, "download", fake_download)
    root = tmp_path / "m"
    path = model_store.get_model_file("vgg11", root=str(root))
    assert calls == [f"https://mirror.example/repo/gluon/models/vgg11-{sha1[:8]}.zip"]
    assert path == os.path.join(str(root), f"vgg11-{sha1[:8]}.params")
    with open(path, "rb") as f:
        assert f.read() == payload
    assert sorted(p.name for p in root.iterdir()) == [f"vgg11-{sha1[:8]}.params"]

    # A download whose content does not match the table is refused.
    monkeypatch.setitem(model_store._model_sha1, "vgg13", "0" * 40)

    def bad_download(url, path=None, overwrite=False, **kwargs):
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("vgg13-00000000.params", b"other")
        return path

    monkeypatch.setattr(model_store, "download", bad_download)
    with pytest.raises(ValueError, match="Downloaded file has different hash"):
        model_store.get_model_file("vgg13", root=str(root))


def test_purge_removes_params_files_only(tmp_path):
    (tmp_path / "a-12345678.params").write_bytes(b"x")
    (tmp_path / "notes.txt").write_bytes(b"y")
    model_store.purge(str(tmp_path))
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


# --- pretrained files in MXNet's layouts -------------------------------------


def _mxnet_legacy_file() -> bytes:
    return lzma.decompress(
        (FIXTURES / "model_zoo" / "mobilenet0_25_legacy.params.xz").read_bytes()
    )


@pytest.mark.parametrize("hybridize", [False, True], ids=["eager", "hybrid"])
def test_pretrained_mxnet_legacy_file_loads(tmp_path, monkeypatch, hybridize):
    fx = load_fixture("model_zoo", "pretrained_mobilenet0_25")
    _no_network(monkeypatch)
    _fake_model_file(tmp_path, "mobilenet0.25", _mxnet_legacy_file(), monkeypatch)
    net = vision.get_model(
        "mobilenet0.25", pretrained=True, root=str(tmp_path), classes=10
    )
    # The file's keys are our parameter names with the net's prefix stripped.
    names = [n[len(net.prefix) :] for n in net.collect_params().keys()]
    assert names == fx["legacy_keys"]
    x = draw_input(tuple(fx["input_shape"]), seed=4)
    assert float(x.astype(np.float64).sum()) == pytest.approx(
        fx["input_sum"], rel=1e-12
    )
    if hybridize:
        net.hybridize()
    y = net(mx.nd.array(x))
    assert_close(y.asnumpy(), fx["output"])


def test_pretrained_structural_file_loads(tmp_path, monkeypatch):
    """Model-zoo files may also carry structural keys (``features.0.weight``)."""
    fx = load_fixture("model_zoo", "pretrained_mobilenet0_25")
    keys_shapes = load_fixture("model_zoo", "structure_mobilenet0_25")["keys_shapes"]
    # The structure fixture has 1000 classes; this file is for classes=10.
    keys_shapes = [
        [k, [10, s[1]] if k == "output.weight" else [10] if k == "output.bias" else s]
        for k, s in keys_shapes
    ]
    weights = draw_weights(keys_shapes, seed=3, grid=16)
    assert _checksum(weights) == pytest.approx(fx["weights_checksum"], rel=1e-12)
    src = tmp_path / "structural.params"
    mx.nd.save(str(src), {k: mx.nd.array(weights[k]) for k, _ in keys_shapes})
    _no_network(monkeypatch)
    _fake_model_file(tmp_path, "mobilenet0.25", src.read_bytes(), monkeypatch)
    net = vision.mobilenet0_25(pretrained=True, root=str(tmp_path), classes=10)
    y = net(mx.nd.array(draw_input(tuple(fx["input_shape"]), seed=4)))
    assert_close(y.asnumpy(), fx["output"])
