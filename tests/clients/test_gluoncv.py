"""gluoncv 0.10.5.post0 on neogluon against MXNet 1.9.1 (fixtures: clients/gluoncv_*)."""

from __future__ import annotations

import gzip
import json
import re

import numpy as np
import pytest

import neogluon as mx
from tests.conftest import FIXTURES
from tests.conftest import load_fixture
from tools.fixtures.clients_extra import MORE_MODELS
from tools.fixtures.clients_extra import more_input
from tools.fixtures.clients_int8 import GRAPH_INPUTS as INT8_GRAPHS
from tools.fixtures.clients_int8 import INT8_MODELS
from tools.fixtures.clients_int8 import model_input as int8_model_input
from tools.fixtures.clients_int8 import run_graph as int8_run_graph
from tools.fixtures.clients_int8 import run_model as int8_run_model
from tools.fixtures.clients_zoo import run_one as survey_run_one

from ._util import det_params
from ._util import flat_outputs
from ._util import import_client

MODELS = {
    "resnet18_v1b": {},
    "mobilenetv2_0.25": {},
    "cifar_resnet20_v1": {},
    "simple_pose_resnet18_v1b": {"pretrained_base": False},
    "yolo3_darknet53_voc": {"pretrained_base": False},
    "fcn_resnet50_voc": {"pretrained_base": False},
}


@pytest.fixture(scope="module")
def gluoncv():
    return import_client("gluoncv")


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_matches_mxnet(gluoncv, name):
    ref = load_fixture("clients", f"gluoncv_{name.replace('.', '_')}")
    net = gluoncv.model_zoo.get_model(name, pretrained=False, **MODELS[name])
    net.initialize()
    x = mx.nd.array(ref["x"])
    net(x)
    params = sorted(net._collect_params_with_prefix().items())
    assert [k for k, _ in params] == ref["names"]
    assert [list(p.shape) for _, p in params] == ref["shapes"]
    if "out0" not in ref:
        return
    det_params(net)
    outs = flat_outputs(net(x))
    for i, o in enumerate(outs):
        np.testing.assert_allclose(o, ref[f"out{i}"], rtol=1e-4, atol=1e-4)
    net.hybridize()
    for i, o in enumerate(flat_outputs(net(x))):
        np.testing.assert_allclose(o, ref[f"out{i}"], rtol=1e-4, atol=1e-4)


def test_export_and_reimport(gluoncv, tmp_path):
    net = gluoncv.model_zoo.get_model("cifar_resnet20_v1", pretrained=False)
    net.initialize()
    net.hybridize()
    x = mx.nd.random.uniform(shape=(1, 3, 32, 32))
    y = net(x)
    net.export(str(tmp_path / "m"))
    back = mx.gluon.SymbolBlock.imports(
        str(tmp_path / "m-symbol.json"), ["data"], str(tmp_path / "m-0000.params")
    )
    np.testing.assert_allclose(back(x).asnumpy(), y.asnumpy(), rtol=1e-5, atol=1e-6)


def test_presets_match_mxnet(gluoncv):
    from gluoncv.data.transforms import presets

    ref = load_fixture("clients", "gluoncv_presets")
    im = mx.nd.array(ref["img"], dtype="uint8")
    # neogluon's uint8 bilinear resize rounds a float interpolation; OpenCV
    # (MXNet) uses 11-bit fixed-point weights, so some pixels differ by one
    # intensity level: 1/255 before ImageNet normalization (std >= 0.224).
    level = 1 / 255 / 0.224 + 1e-5
    got = presets.imagenet.transform_eval(im, resize_short=40, crop_size=32)
    np.testing.assert_allclose(got.asnumpy(), ref["imagenet"], rtol=0, atol=level)
    x, img = presets.ssd.transform_test(im, short=48)
    np.testing.assert_allclose(x.asnumpy(), ref["ssd_x"], rtol=0, atol=level)
    np.testing.assert_allclose(img, ref["ssd_img"], rtol=0, atol=1)
    x, img = presets.yolo.transform_test(im, short=40)
    np.testing.assert_allclose(x.asnumpy(), ref["yolo_x"], rtol=0, atol=level)
    np.testing.assert_allclose(img, ref["yolo_img"], rtol=0, atol=1)


def test_train_steps(gluoncv):
    net = gluoncv.model_zoo.get_model("cifar_resnet20_v1", pretrained=False)
    net.initialize(mx.init.Xavier())
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.05})
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    x = mx.nd.random.uniform(shape=(8, 3, 32, 32))
    y = mx.nd.array(np.arange(8) % 10)
    losses = []
    for _ in range(5):
        with mx.autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        trainer.step(8)
        losses.append(float(loss.mean().asscalar()))
    assert losses[-1] < losses[0]


def test_ssd_detects_and_trains(gluoncv):
    # box_nms over all 1,917 x 20 candidates with topk=400 (failed for memory
    # before: the suppression now runs on the topk rows only, as in MXNet).
    from gluoncv.model_zoo.ssd.target import SSDTargetGenerator

    net = gluoncv.model_zoo.get_model(
        "ssd_300_mobilenet0.25_voc", pretrained=False, pretrained_base=False
    )
    net.initialize()
    x = mx.nd.random.uniform(shape=(2, 3, 300, 300))
    ids, scores, boxes = net(x)
    assert ids.shape == (2, 100, 1) and boxes.shape == (2, 100, 4)
    s = scores.asnumpy()[..., 0]
    assert (np.diff(s[s[:, 0] >= 0], axis=1) <= 1e-6).all()  # kept rows by score
    gt_boxes = mx.nd.array(
        [[[10, 20, 100, 150], [50, 60, 200, 250]], [[30, 30, 120, 120], [-1] * 4]]
    )
    gt_ids = mx.nd.array([[[1], [5]], [[3], [-1]]])
    with mx.autograd.train_mode():
        cls_preds, box_preds, anchors = net(x)
    cls_t, box_t, _ = SSDTargetGenerator(iou_thresh=0.5, stds=(0.1, 0.1, 0.2, 0.2))(
        anchors, cls_preds, gt_boxes, gt_ids
    )
    loss_fn = gluoncv.loss.SSDMultiBoxLoss()
    trainer = mx.gluon.Trainer(
        net.collect_params(), "sgd", {"learning_rate": 0.001, "momentum": 0.9}
    )
    losses = []
    for _ in range(3):
        with mx.autograd.record():
            cls_preds, box_preds, _ = net(x)
            sum_loss, _, _ = loss_fn(cls_preds, box_preds, cls_t, box_t)
            mx.autograd.backward(sum_loss)
        trainer.step(1)
        losses.append(sum(float(v.sum().asscalar()) for v in sum_loss))
    assert losses[-1] < losses[0]


def test_mxnet_params_file_loads(gluoncv):
    # Three parameters saved by MXNet 1.9.1 under their structural names, the
    # layout of the model zoo's published .params files (save_parameters).
    from ._util import det_values

    net = gluoncv.model_zoo.get_model("cifar_resnet20_v1", pretrained=False)
    net.initialize()
    net(mx.nd.zeros((1, 3, 32, 32)))
    path = FIXTURES / "clients_extra" / "gluoncv_cifar_resnet20_v1_part.params"
    net.load_parameters(str(path), allow_missing=True)
    items = sorted(net._collect_params_with_prefix().items())
    loaded = ("features.0.weight", "features.2.0.body.1.running_var", "output.weight")
    for k, (name, p) in enumerate(items):
        if name in loaded:
            np.testing.assert_array_equal(
                p.data().asnumpy(), det_values(name, p.shape, k), err_msg=name
            )
    with pytest.raises(AssertionError, match="missing"):
        net.load_parameters(str(path))  # the rest is missing


@pytest.mark.parametrize("name", sorted(MORE_MODELS))
def test_more_models_match_mxnet(gluoncv, name):
    # One network per further family (ResNeSt, ShuffleNet, MobileNetV3, SE,
    # HRNet, YOLOv3, Monodepth2, R(2+1)D video): names and outputs, eagerly and
    # hybridized (fixtures: clients_extra/gluoncv_more_*).
    ref = load_fixture("clients_extra", f"gluoncv_more_{name.replace('.', '_')}")
    shape, kwargs = MORE_MODELS[name]
    net = gluoncv.model_zoo.get_model(name, pretrained=False, **kwargs)
    net.initialize()
    x = mx.nd.array(more_input(shape))
    net(x)
    assert [k for k, _ in sorted(net._collect_params_with_prefix().items())] == ref[
        "names"
    ]
    det_params(net)
    want = [ref[f"out{i}"] for i in range(len([k for k in ref if k[:3] == "out"]))]
    for hybridize in (False, True):
        if hybridize:
            net.hybridize()
        got = flat_outputs(net(x))
        if "yolo" in name:
            # (ids, scores, boxes): boxes whose scores tie (the deterministic
            # parameters make many) may come in either order, as rows.
            got, want = _detection_rows(got), _detection_rows(want)
        for o, w in zip(got, want, strict=True):
            np.testing.assert_allclose(o, w, rtol=1e-4, atol=1e-4)


def _detection_rows(outs):
    rows = np.concatenate([o.reshape(-1, o.shape[-1]) for o in outs], axis=-1)
    return [rows[np.lexsort(np.round(rows, 3).T[::-1])]]


def _zoo_reference() -> dict:
    path = FIXTURES / "clients_zoo" / "gluoncv_zoo.json.gz"
    return json.loads(gzip.decompress(path.read_bytes())) if path.exists() else {}


#: tools/fixtures/clients_zoo.py: every name of get_model_list() under MXNet 1.9.1.
ZOO = _zoo_reference()


def test_zoo_reference_lists_every_model(gluoncv):
    assert sorted(ZOO) == sorted(gluoncv.model_zoo.get_model_list())


#: Structural names that embed a process-wide name counter, and its pattern.
#: gluoncv's Mask R-CNN FPN on MobileNet registers the MobileNet it builds
#: under the block's prefix, ``mobilenet<N>_``, where N counts the MobileNets
#: the process built before (MXNet's global name counter): in the fixture's
#: survey, which built every model in one process, N is 10; alone it is 0.
#: The number records the survey's history, not the model, so both sides
#: compare with it replaced by ``#``; every other character of every name is
#: compared as is. (Building the model first in a fresh process on both sides
#: would also work, at the cost of a subprocess per run and a fixture that
#: must itself be surveyed alone.)
NAME_COUNTERS = {"mask_rcnn_fpn_syncbn_mobilenet1_0_coco": r"(?<=mobilenet)\d+_"}


def _params_without_counter(name: str, params: list) -> list:
    pattern = NAME_COUNTERS.get(name)
    if pattern is None:
        return [list(p) for p in params]
    return sorted([re.sub(pattern, "#_", k), list(shape)] for k, shape in params)


@pytest.mark.parametrize("name", sorted(n for n, r in ZOO.items() if r["built"]))
def test_zoo_model_builds_as_in_mxnet(gluoncv, name):
    # Structural parameter names and shapes, and output shapes, after one
    # forward on zeros of the input shape MXNet accepted. The *_int8 models
    # are SymbolBlocks of oneDNN-fused quantized nodes read from the JSON
    # files gluoncv ships (neogluon/symbol/mkldnn_ops.py).
    ref = ZOO[name]
    try:
        got = survey_run_one(mx, gluoncv, name, ref["shape"])
    except AttributeError as e:
        # gluoncv's R-CNN and hrnet_*_s code uses np.float / np.int.
        removed = ("attribute 'float'", "attribute 'int'", "attribute 'bool'")
        if any(r in str(e) for r in removed) and _numpy_at_least(1, 24):
            pytest.skip(f"needs numpy < 1.24 (gluoncv: {e})")
        raise
    got_params = _params_without_counter(name, got["params"])
    ref_params = _params_without_counter(name, ref["params"])
    assert [k for k, _ in got_params] == [k for k, _ in ref_params]
    assert got_params == ref_params
    assert got["outputs"] == ref["outputs"]


def test_name_counter_is_normalised_only_where_listed():
    # The normalisation must change the listed model's names (else it is
    # dead) and nothing else.
    ref = ZOO["mask_rcnn_fpn_syncbn_mobilenet1_0_coco"]["params"]
    norm = _params_without_counter("mask_rcnn_fpn_syncbn_mobilenet1_0_coco", ref)
    assert any("mobilenet10_" in k for k, _ in ref)
    assert any("mobilenet#_" in k for k, _ in norm)
    assert not any(re.search(r"mobilenet\d+_", k) for k, _ in norm)
    other = ZOO["mobilenet1.0"]["params"]
    assert _params_without_counter("mobilenet1.0", other) == other


@pytest.mark.parametrize("name", INT8_MODELS)
def test_int8_model_matches_mxnet(gluoncv, name):
    # tools/fixtures/clients_int8.py: the same parameter values (drawn from
    # the names), the same input, MXNet 1.9.1's oneDNN INT8 output. The
    # quantized layers are exact; a float layer before a requantization
    # (simple_pose's Deconvolution + BatchNorm, summed in another order than
    # oneDNN's) can move a value across a rounding boundary, so the output may
    # differ by one int8 level (range / 127.5) on at most 1% of its elements.
    ref = load_fixture("clients_int8", name.replace(".", "_"))
    np.testing.assert_array_equal(ref["data"], int8_model_input())
    _, out = int8_run_model(mx, gluoncv, name)
    want = ref["out"]
    assert out.shape == want.shape and out.dtype == want.dtype
    scale = float(np.abs(want).max())
    diff = np.abs(out - want)
    assert diff.max() <= scale / 127.5 * 1.01, diff.max()
    assert (diff > 1e-5 * scale).mean() <= 0.01


def _numpy_at_least(major: int, minor: int) -> bool:
    got = tuple(int(v) for v in np.__version__.split(".")[:2])
    return got >= (major, minor)


@pytest.mark.parametrize("name", sorted(INT8_GRAPHS))
def test_int8_shipped_graph_matches_mxnet(gluoncv, name, tmp_path):
    # The other quantized graphs gluoncv ships (FCN, TSN video models), whose
    # get_model needs a download: loaded with SymbolBlock.imports as gluoncv
    # does, same parameters and input as MXNet's run (clients_int8.py).
    ref = load_fixture("clients_int8", "graph_" + name.replace(".", "_"))
    out, step = int8_run_graph(mx, gluoncv, name, str(tmp_path))
    assert step == int(ref["step"])
    want = ref["out"]
    scale = float(np.abs(want).max())
    diff = np.abs(out - want)
    assert diff.max() <= scale / 127.5 * 1.01, diff.max()
    assert (diff > 1e-5 * scale).mean() <= 0.01
