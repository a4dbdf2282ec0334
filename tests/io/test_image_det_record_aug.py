"""mx.io.ImageDetRecordIter's random detection augmenter (crop samplers,
padding, mirror, colour, ``resize``, ``inter_method``, ``resize_mode``,
``mean_img``) against MXNet 1.9.1 (fixtures from
tools/fixtures/image_det_aug.py).

MXNet with ``preprocess_threads=1`` draws from one ``std::mt19937`` seeded
233, over the records in order and across epochs; fed that stream,
neogluon's augmenter must give MXNet's exact boxes (which are kept, clipped,
projected, flipped) and images. neogluon's own per-example streams must give
crops distributed as MXNet's (two-sample Kolmogorov-Smirnov tests over 600
crops)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from neogluon.io.image_det_record import _Engine
from tests.conftest import FIXTURES
from tests.conftest import load_fixture
from tools.fixtures import image_det_aug as F

pytest.importorskip("cv2")

DIR = FIXTURES / "image_det_aug"
# Pixels may differ by a few grey levels on a share of the pixels where
# ``inter_method=10`` draws OpenCV's bicubic / Lanczos / area resamplers:
# OpenCV 3.4 (linked into MXNet 1.9.1) and the OpenCV 4/5 that neogluon
# calls compute them slightly differently. The labels must still be exact.
_LOOSE = {"everything": 0.15}


def _replay(name: str, tmp_path):
    it = F.iterator(mx, {**F.BASE, **F.CASES[name]}, DIR, str(tmp_path / "mean.nd"))
    ex = it._examples
    eng = _Engine(np.random.RandomState(233))  # MXNet's thread-0 engine
    return it, [[ex.example(p, eng) for p in range(len(ex))] for _ in range(F.EPOCHS)]


@pytest.mark.parametrize("name", sorted(F.CASES))
def test_augmenter_fed_mxnets_stream_gives_mxnets_batches(name, tmp_path):
    ref = load_fixture("image_det_aug", name)
    _, epochs = _replay(name, tmp_path)
    kw = F.CASES[name]
    level = kw.get("scale", 1.0) / kw.get("std_r", 1.0)
    for e, examples in enumerate(epochs):
        for pos, (data, label) in enumerate(examples):
            k, j = divmod(pos, {**F.BASE, **kw}["batch_size"])
            rd = ref[f"data{e}_{k}"][j].astype(np.float32)
            rl = ref[f"label{e}_{k}"][j]
            where = f"{name} epoch {e} example {pos}"
            np.testing.assert_allclose(label, rl, rtol=0, atol=1e-6, err_msg=where)
            assert data.shape == rd.shape, where
            diff = np.abs(data - rd)
            if name in _LOOSE:
                assert diff.max() <= 4 * level + 1e-5, where
                assert (diff > 1e-5).mean() < _LOOSE[name], where
            else:
                np.testing.assert_allclose(
                    data, rd, rtol=1e-6, atol=1e-5, err_msg=where
                )


def test_replayed_cases_exercise_every_step(tmp_path):
    # The fixtures are only evidence if the augmentations happened: crops
    # dropped objects or moved boxes, pads and mirrors changed the boxes.
    plain = load_fixture("image_det_aug", "mean_img")
    base = np.concatenate([plain["label0_0"], plain["label0_1"], plain["label0_2"]])
    for name in ("crop_center_shrink", "crop_samplers_overlap", "crop_coverages"):
        ref = load_fixture("image_det_aug", name)
        rows = np.concatenate([ref[f"label0_{k}"] for k in range(3)])
        assert (rows[:, 3] < base[:, 3]).any(), name  # objects dropped
        assert not np.allclose(rows[:, 8:12], base[:, 8:12]), name
    ref = load_fixture("image_det_aug", "crop_center_shrink")
    sizes = np.concatenate([ref[f"label0_{k}"][:, 1:3] for k in range(3)])
    assert (sizes < 24).any()  # crops smaller than the smallest image


def test_mean_img_is_created_as_mxnet_and_reloaded(tmp_path):
    ref = load_fixture("image_det_aug", "mean_img")
    it, epochs = _replay("mean_img", tmp_path)
    saved = mx.nd.load(str(tmp_path / "mean.nd"))
    assert list(saved) == ["mean_img"]
    np.testing.assert_allclose(saved["mean_img"].asnumpy(), ref["mean"], rtol=1e-6)
    again = F.iterator(
        mx, {**F.BASE, **F.CASES["mean_img"]}, DIR, str(tmp_path / "mean.nd")
    )
    batch = next(again)
    np.testing.assert_allclose(batch.data[0].asnumpy(), ref["data0_0"], atol=1e-5)


def _ks(a: np.ndarray, b: np.ndarray) -> float:
    grid = np.union1d(a, b)
    fa = np.searchsorted(np.sort(a), grid, side="right") / a.size
    fb = np.searchsorted(np.sort(b), grid, side="right") / b.size
    return float(np.abs(fa - fb).max())


@pytest.mark.parametrize("name", sorted(F.STATS))
def test_crop_distribution_matches_mxnet(name):
    ref = load_fixture("image_det_aug", f"stats_{name}")["rows"]
    it = F.iterator(mx, {**F.STATS_BASE, **F.STATS[name], "seed_aug": 7}, DIR)
    rows = []
    for _ in range(F.STATS_EPOCHS):
        rows += [b.label[0].asnumpy() for b in it]
        it.reset()
    ours = np.concatenate(rows)
    assert ours.shape == ref.shape
    n = len(ours)
    crit = 1.95 * np.sqrt(2.0 / n)  # two-sample KS at the 0.1% level
    features = {
        "height": lambda r: r[:, 1],
        "width": lambda r: r[:, 2],
        "aspect": lambda r: r[:, 2] / r[:, 1],
        "n objects": lambda r: (r[:, 3] - 2) / 5,
        "first xmin": lambda r: r[:, 7],
        "first ymax": lambda r: r[:, 10],
    }
    for what, f in features.items():
        assert _ks(f(ours), f(ref)) < crit, (name, what)
    # Constraints every crop meets (MXNet's rows too: a check of the check).
    kw = F.STATS[name]
    for rows in (ours, ref):
        rel_area = rows[:, 1] * rows[:, 2] / (60.0 * 100.0)
        assert (rel_area >= kw["min_crop_scales"] ** 2 * 0.8).all()
        assert (rel_area <= kw.get("max_crop_scales", 1.0) ** 2 + 1e-6).all()
        # Not clipped by the image's border: the aspect ratio is in range.
        inside = (rows[:, 1] < 60) & (rows[:, 2] < 100)
        aspect = rows[inside, 2] / rows[inside, 1]
        assert (aspect >= kw["min_crop_aspect_ratios"] / 1.1).all()
        assert (aspect <= kw["max_crop_aspect_ratios"] * 1.1).all()
        boxes = rows[:, 6:].reshape(n, -1, 5)
        valid = boxes[:, :, 0] >= 0
        assert (boxes[valid][:, 1:] >= 0).all() and (boxes[valid][:, 1:] <= 1).all()
        assert ((rows[:, 3] - 2) % 5 == 0).all() and (rows[:, 3] >= 7).all()


def test_random_streams_do_not_depend_on_workers():
    kw = {**F.BASE, **F.CASES["everything"], "path_imgrec": str(DIR / "aug.rec")}
    one = mx.io.ImageDetRecordIter(**{**kw, "preprocess_threads": 1, "seed_aug": 3})
    two = mx.io.ImageDetRecordIter(**{**kw, "preprocess_threads": 2, "seed_aug": 3})
    other = mx.io.ImageDetRecordIter(**{**kw, "preprocess_threads": 1, "seed_aug": 4})
    a, b, c = next(one), next(two), next(other)
    np.testing.assert_array_equal(a.data[0].asnumpy(), b.data[0].asnumpy())
    np.testing.assert_array_equal(a.label[0].asnumpy(), b.label[0].asnumpy())
    assert not np.array_equal(a.label[0].asnumpy(), c.label[0].asnumpy())


_BAD = [
    ({"min_crop_scales": (0.3, 0.2)}, "min_crop_scales has 2 values .* give one value"),
    (
        {"num_crop_sampler": 2, "min_crop_scales": (0.3, 0.2, 0.1)},
        "num_crop_sampler=2: give one value or 2 values",
    ),
    ({"max_crop_trials": (3, 4)}, "max_crop_trials has 2 values"),
    ({"max_crop_trials": 0.5}, "max_crop_trials must be an integer"),
    ({"min_crop_scales": 1.0}, "sampler 0: max_crop_scales must be > min_crop_scales"),
    ({"max_crop_scales": 1.2}, "max_crop_scales must be <= 1"),
    ({"min_crop_scales": -0.1}, "min_crop_scales must be >= 0"),
    ({"min_crop_aspect_ratios": -1}, "min_crop_aspect_ratios must be >= 0"),
    (
        {"min_crop_aspect_ratios": 2, "max_crop_aspect_ratios": 1},
        "max_crop_aspect_ratios must be >= min_crop_aspect_ratios",
    ),
    (
        {"min_crop_overlaps": 0.5, "max_crop_overlaps": 0.1},
        "max_crop_overlaps must be >= min_crop_overlaps",
    ),
    (
        {
            "num_crop_sampler": 2,
            "min_crop_sample_coverages": (0, 0.9),
            "max_crop_sample_coverages": 0.5,
        },
        "sampler 1: max_crop_sample_coverages must be >= min_crop_sample_coverages",
    ),
    (
        {"min_crop_object_coverages": 0.7, "max_crop_object_coverages": 0.6},
        "max_crop_object_coverages must be >= min_crop_object_coverages",
    ),
    ({"min_crop_overlaps": "abc"}, "min_crop_overlaps must be a number or a tuple"),
    ({"emit_overlap_thresh": -1}, "emit_overlap_thresh must be >= 0"),
    ({"crop_emit_mode": 1}, "crop_emit_mode must be 'center' or 'overlap', got 1"),
    ({"crop_emit_mode": "bad"}, "crop_emit_mode must be 'center' or 'overlap'"),
    ({"inter_method": 5}, "invalid inter_method 5"),
    ({"resize_mode": "bad"}, "resize_mode must be 'force', 'shrink' or 'fit'"),
    ({"max_random_hue": 1.5}, "max_random_hue must be an integer"),
]


@pytest.mark.parametrize(("kw", "match"), _BAD)
def test_bad_parameters_raise_at_construction(kw, match):
    with pytest.raises(MXNetError, match=match):
        mx.io.ImageDetRecordIter(
            path_imgrec=str(DIR / "aug.rec"), data_shape=(3, 20, 20), batch_size=4, **kw
        )


def test_accepted_parameter_forms():
    # MXNet's tuples accept a scalar, a sequence or a "(a, b)" string; with
    # num_crop_sampler <= 0 the per-sampler lengths are not checked.
    base = {"path_imgrec": str(DIR / "aug.rec"), "data_shape": (3, 20, 20)}
    for kw in (
        {"min_crop_scales": 0.3},
        {"min_crop_scales": (0.3,)},
        {"min_crop_scales": "(0.3, 0.2)", "num_crop_sampler": 2},
        {"num_crop_sampler": 0, "min_crop_scales": (0.1, 0.2, 0.3)},
        {"rand_pad_prob": 1, "max_pad_scale": 0.5},
    ):
        it = mx.io.ImageDetRecordIter(batch_size=4, preprocess_threads=1, **base, **kw)
        assert next(it).data[0].shape == (4, 3, 20, 20)


def test_pad_below_threshold_and_no_crop_sampler_leave_the_image(tmp_path):
    # max_pad_scale 1.04 (every scale < 1.05) pads nothing; a sampler whose
    # trials all fail (a crop cannot hold half of an object's area when the
    # crop is at most 1% of the image) leaves image and boxes alone.
    base = {
        "path_imgrec": str(DIR / "aug.rec"),
        "data_shape": (3, 64, 64),
        "batch_size": 4,
        "resize_mode": "shrink",
        "preprocess_threads": 1,
    }
    plain = next(mx.io.ImageDetRecordIter(**base))
    for kw in (
        {"rand_pad_prob": 1, "max_pad_scale": 1.04},
        {
            "rand_crop_prob": 1,
            "max_crop_scales": 0.1,
            "min_crop_object_coverages": 0.5,
            "max_crop_trials": 5,
        },
    ):
        got = next(mx.io.ImageDetRecordIter(**base, **kw))
        np.testing.assert_array_equal(got.data[0].asnumpy(), plain.data[0].asnumpy())
        np.testing.assert_array_equal(got.label[0].asnumpy(), plain.label[0].asnumpy())


def test_colour_offsets_need_three_channels():
    # The first batch is read at construction (as MXNet's iterators do).
    with pytest.raises(MXNetError, match="record 0 .*need a 3-channel image, got 1"):
        mx.io.ImageDetRecordIter(
            path_imgrec=str(DIR / "aug.rec"),
            data_shape=(1, 20, 20),
            batch_size=4,
            random_hue_prob=1,
            max_random_hue=20,
            preprocess_threads=1,
        )


def test_hls_to_bgr_with_opencv_equals_opencv_34s_arithmetic():
    # The inverse conversion calls the installed OpenCV, whose bytes must be
    # those of OpenCV 3.4's float32 arithmetic (emulated in numpy, which the
    # fixtures check against MXNet): every hue, a grid of L and S.
    from neogluon.io import image_det_record as D

    h, ls = np.arange(181), np.r_[np.arange(0, 256, 3), 254, 255]
    grid = np.stack(np.meshgrid(h, ls, ls, indexing="ij"), -1).astype(np.uint8)
    hls = grid.reshape(181, -1, 3)
    np.testing.assert_array_equal(D._hls_to_bgr(hls), D._hls_to_bgr_numpy(hls))


def test_mxnet_ssd_example_configuration_runs():
    # example/ssd (MXNet 1.9.1) passes one list per crop-sampler parameter
    # (config_as_dict), the colour jitter and random padding.
    samplers = [0.1, 0.3, 0.5, 0.7, 0.9]
    n = len(samplers)
    kw = {
        "min_crop_scales": [0.3] * n,
        "max_crop_scales": [1.0] * n,
        "min_crop_aspect_ratios": [0.5] * n,
        "max_crop_aspect_ratios": [2.0] * n,
        "min_crop_overlaps": samplers,
        "max_crop_overlaps": [1.0] * n,
        "min_crop_sample_coverages": [0.0] * n,
        "max_crop_sample_coverages": [1.0] * n,
        "min_crop_object_coverages": [0.0] * n,
        "max_crop_object_coverages": [1.0] * n,
        "max_crop_trials": [25] * n,
        "num_crop_sampler": n,
        "rand_crop_prob": 1.0 / (n + 1) * n,
        "crop_emit_mode": "center",
        "rand_pad_prob": 0.5,
        "max_pad_scale": 4.0,
        "fill_value": 127,
        "random_hue_prob": 0.5,
        "max_random_hue": 18,
        "random_saturation_prob": 0.5,
        "max_random_saturation": 32,
        "random_illumination_prob": 0.5,
        "max_random_illumination": 32,
        "random_contrast_prob": 0.5,
        "max_random_contrast": 0.5,
        "inter_method": 10,
        "rand_mirror_prob": 0.5,
        "shuffle": True,
        "seed": 233,
        "preprocess_threads": 2,
        "label_pad_width": -1,
        "mean_r": 123.68,
        "mean_g": 116.779,
        "mean_b": 103.939,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no parameter is unknown
        it = mx.io.ImageDetRecordIter(
            path_imgrec=str(DIR / "aug.rec"), data_shape=(3, 30, 30), batch_size=4, **kw
        )
    labels = np.concatenate([b.label[0].asnumpy() for b in it])
    assert labels.shape[0] == 12 and (labels[:, 3] >= 9).all()
    with pytest.raises(MXNetError, match="dtype='float16': .*float32 batches only"):
        mx.io.ImageDetRecordIter(
            path_imgrec=str(DIR / "aug.rec"),
            data_shape=(3, 30, 30),
            batch_size=4,
            dtype="float16",
        )


def test_gray_images_pad_crop_mirror_and_contrast():
    it = mx.io.ImageDetRecordIter(
        path_imgrec=str(DIR / "aug.rec"),
        data_shape=(1, 40, 40),
        batch_size=4,
        rand_pad_prob=1,
        max_pad_scale=3,
        fill_value=300,  # saturates to 255 as OpenCV's border colour does
        rand_crop_prob=1,
        min_crop_scales=0.5,
        rand_mirror_prob=0.5,
        random_contrast_prob=1,
        max_random_contrast=0.3,
        resize_mode="shrink",
        preprocess_threads=1,
    )
    batch = next(it)
    data, label = batch.data[0].asnumpy(), batch.label[0].asnumpy()
    assert data.shape == (4, 1, 40, 40) and (label[:, 0] == 1).all()
    assert (data[:, :, 40:, :] == 0).all() and data.max() <= 255
    assert (data == 255).any()  # some padding was kept by the crops
    boxes = label[:, 7:].reshape(4, -1, 6)
    valid = boxes[:, :, 0] >= 0
    assert (boxes[valid][:, 1:5] >= 0).all() and (boxes[valid][:, 1:5] <= 1).all()


@pytest.mark.parametrize(("seed", "bs"), F.SHUFFLES)
def test_shuffle_gives_mxnets_order(seed, bs):
    # A .rec within one 8 MiB chunk: MXNet's std::shuffle orders, pass after
    # pass (round_batch wraps start the next pass, as MXNet's do).
    ref = load_fixture("image_det_aug", "shuffle")
    it = F.iterator(mx, F.shuffle_kwargs(seed, bs), DIR)
    for e in range(3):
        got = np.concatenate([b.label[0].asnumpy()[:, 6] - 100 for b in it])
        np.testing.assert_array_equal(got, ref[f"order{seed}_{bs}_{e}"], err_msg=str(e))
        it.reset()
