"""gluon.utils: download through ``requests`` (mocked: no network), repo URLs, helpers."""

from __future__ import annotations

import builtins
import glob
import hashlib
import io
import multiprocessing as mp
import os
import warnings
from unittest import mock

import pytest
import requests

import neogluon as mx
from neogluon.base import MXNetError
from neogluon.gluon import utils as gutils


class MockResponse(requests.Response):
    """A real ``requests.Response`` with a body (MXNet's own test does the same)."""

    def __init__(self, status_code: int, content: bytes) -> None:
        super().__init__()
        self.status_code = status_code
        self.raw = io.BytesIO(content)


def _serve(content: bytes, status: int = 200):
    return mock.Mock(side_effect=lambda *a, **k: MockResponse(status, content))


def test_download_to_path_file_and_folder(tmp_path):
    body = b"MOCK CONTENT" * 100
    with mock.patch("requests.get", _serve(body)) as get:
        out = mx.gluon.utils.download(
            "https://h/x/README.md", path=str(tmp_path / "R.md")
        )
        assert out == str(tmp_path / "R.md")
        assert get.call_args.kwargs == {"stream": True, "verify": True}
        out2 = mx.gluon.utils.download("https://h/x/README.md", path=str(tmp_path))
        assert out2 == str(tmp_path / "README.md")
    assert (tmp_path / "R.md").read_bytes() == body
    # nothing but the two targets is left (no temporary files)
    assert sorted(os.listdir(tmp_path)) == ["R.md", "README.md"]


def test_download_default_name_and_empty_url_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with mock.patch("requests.get", _serve(b"abc")):
        assert gutils.download("https://h/dir/file.txt") == "file.txt"
    assert (tmp_path / "file.txt").read_bytes() == b"abc"
    with pytest.raises(ValueError, match="path"):
        gutils.download("https://h/dir/")


def test_download_retries_then_raises():
    get = mock.Mock(side_effect=requests.exceptions.ConnectionError)
    with mock.patch("requests.get", get):
        with pytest.raises(requests.exceptions.ConnectionError):
            mx.gluon.utils.download("http://doesnotexist.notfound", retries=3)
    assert get.call_count == 3
    get.reset_mock()
    with mock.patch("requests.get", get):
        with pytest.raises(requests.exceptions.ConnectionError):
            mx.gluon.utils.download("http://doesnotexist.notfound", retries=0)
    assert get.call_count == 1
    with pytest.raises(ValueError, match="retries"):
        gutils.download("http://h/x", retries=-1)


def test_download_http_error_status(tmp_path):
    with mock.patch("requests.get", _serve(b"", status=404)):
        with pytest.raises(RuntimeError, match="Failed downloading url .*404") as info:
            gutils.download("http://h/f", path=str(tmp_path / "f"), retries=2)
    assert isinstance(info.value, OSError)  # callers catching OSError see it too
    assert not os.listdir(tmp_path)


def test_download_sha1_rules(tmp_path):
    body = b"payload"
    good = hashlib.sha1(body).hexdigest()
    target = tmp_path / "f.bin"
    with mock.patch("requests.get", _serve(body)) as get:
        gutils.download("http://h/f.bin", path=str(target), sha1_hash=good)
        assert get.call_count == 1 and gutils.check_sha1(str(target), good)
        # a matching existing file is not fetched again
        gutils.download("http://h/f.bin", path=str(target), sha1_hash=good)
        assert get.call_count == 1
        # a corrupted one is
        target.write_bytes(b"corrupted")
        gutils.download("http://h/f.bin", path=str(target), sha1_hash=good)
        assert get.call_count == 2 and target.read_bytes() == body
        # an existing file without hash is kept unless overwrite
        target.write_bytes(b"local")
        gutils.download("http://h/f.bin", path=str(target))
        assert target.read_bytes() == b"local"
        gutils.download("http://h/f.bin", path=str(target), overwrite=True)
        assert target.read_bytes() == body
    # the server's content does not match: every attempt fails, then the error
    with mock.patch("requests.get", _serve(b"other")) as get:
        with pytest.raises(UserWarning, match="hash does not match"):
            gutils.download(
                "http://h/g.bin",
                path=str(tmp_path / "g.bin"),
                sha1_hash=good,
                retries=2,
            )
        assert get.call_count == 2


def test_download_ssl_verify_warns():
    with mock.patch("requests.get", _serve(b"MOCK CONTENT")) as get:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fname = mx.gluon.utils.download("https://h/index.html", verify_ssl=False)
        assert get.call_args.kwargs["verify"] is False
    os.remove(fname)
    assert any(str(w.message).startswith("Unverified HTTPS request") for w in caught)


def _download_in_child(target: str) -> None:
    # A process that loses the race warns that its copy was dropped (as MXNet).
    warnings.simplefilter("ignore")
    with mock.patch("requests.get", _serve(b"MOCK CONTENT" * 100)):
        gutils.download("https://h/x/README.md", path=target)


def test_concurrent_downloads_leave_one_complete_file(tmp_path):
    target = str(tmp_path / "README.md")
    ctx = mp.get_context("fork")
    procs = [ctx.Process(target=_download_in_child, args=(target,)) for _ in range(6)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert os.path.getsize(target) == len(b"MOCK CONTENT" * 100)
    assert glob.glob(os.path.join(str(tmp_path), "README.md*")) == [target]


def test_download_without_requests_is_a_clear_error(tmp_path, monkeypatch):
    real_import = builtins.__import__

    def no_requests(name, *args, **kwargs):
        if name == "requests":
            raise ImportError("No module named 'requests'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_requests)
    with pytest.raises(MXNetError, match="pip install requests"):
        gutils.download("http://h/f", path=str(tmp_path / "f"))
    # an existing file needs no download, hence no requests
    (tmp_path / "have").write_bytes(b"x")
    assert gutils.download("http://h/have", path=str(tmp_path / "have")) == str(
        tmp_path / "have"
    )


def test_replace_file(tmp_path):
    src, dst = tmp_path / "a", tmp_path / "b"
    src.write_bytes(b"new")
    dst.write_bytes(b"old")
    gutils.replace_file(str(src), str(dst))
    assert dst.read_bytes() == b"new" and not src.exists()
    src.write_bytes(b"x")
    with pytest.raises(OSError, match="retry the download"):
        gutils.replace_file(str(src), str(tmp_path / "missing_dir" / "b"))
    assert not src.exists()


def test_repo_urls(monkeypatch):
    monkeypatch.delenv("MXNET_GLUON_REPO", raising=False)
    assert (
        gutils._get_repo_url()
        == "https://apache-mxnet.s3-accelerate.dualstack.amazonaws.com/"
    )
    monkeypatch.setenv("MXNET_GLUON_REPO", "http://mirror.example/repo")
    assert gutils._get_repo_url() == "http://mirror.example/repo/"
    assert (
        gutils._get_repo_file_url("gluon/dataset/mnist", "train.gz")
        == "http://mirror.example/repo/gluon/dataset/mnist/train.gz"
    )


def test_small_helpers():
    assert gutils._brief_print_list(range(3)) == "'0', '1', '2'"
    assert (
        gutils._brief_print_list(range(10)) == "'0', '1', '2', ..., '6', '7', '8', '9'"
    )
    assert gutils.shape_is_known((2, 3)) and not gutils.shape_is_known((2, 0))
    assert not gutils.shape_is_known(None) and not gutils.shape_is_known(())
    hooks: dict = {}
    h = gutils.HookHandle()
    h.attach(hooks, print)
    assert list(hooks.values()) == [print]
    with h:
        pass
    assert hooks == {}
    x = mx.nd.arange(10).reshape((5, 2))
    parts = gutils.split_data(x, 2, even_split=False)
    assert [p.shape for p in parts] == [(3, 2), (2, 2)]
    loaded = gutils.split_and_load(x, [mx.cpu(0), mx.cpu(1)], even_split=False)
    assert [p.context for p in loaded] == [mx.cpu(0), mx.cpu(1)]
    arrays = [mx.nd.ones((2,)) * 3, mx.nd.ones((2,)) * 4]
    norm = gutils.clip_global_norm(arrays, 1.0)
    assert abs(norm - (2 * 9 + 2 * 16) ** 0.5) < 1e-5
    assert abs(sum(float((a**2).sum().asscalar()) for a in arrays) ** 0.5 - 1.0) < 1e-4


def test_split_and_load_keeps_csr_and_slices_axis_0_as_views():
    # MXNet 1.9.1 slices along axis 0 with data[a:b] (test_gluon.py::
    # test_split_and_load): CSR stays CSR, a dense slice is a view.
    import numpy as np

    dense = np.zeros((6, 4), np.float32)
    dense[[0, 3, 5], [1, 2, 3]] = [1.0, 2.0, 3.0]
    csr = mx.nd.array(dense).tostype("csr")
    parts = gutils.split_and_load(csr, [mx.cpu(0), mx.cpu(1)])
    assert [p.stype for p in parts] == ["csr", "csr"]
    assert [p.context for p in parts] == [mx.cpu(0), mx.cpu(1)]
    np.testing.assert_array_equal(parts[0].asnumpy(), dense[:3])
    np.testing.assert_array_equal(parts[1].asnumpy(), dense[3:])
    x = mx.nd.arange(12).reshape((6, 2))
    first = gutils.split_data(x, 3)[0]
    first[:] = -1
    np.testing.assert_array_equal(x.asnumpy()[:2], -np.ones((2, 2)))
    cols = gutils.split_data(x, 2, batch_axis=1)
    assert [c.shape for c in cols] == [(6, 1), (6, 1)]


@pytest.mark.parametrize(
    ("num_slice", "axis", "even"), [(3, 1, True), (4, 1, False), (4, 0, False)]
)
def test_split_data_under_np_array_gives_np_arrays(num_slice, axis, even):
    # MXNet 1.9.1 test_gluon.py::test_split_data_np: mx.np.split under set_np,
    # numpy's array_split sections (the first slices take the extra rows).
    import numpy as np

    x = np.arange(10 * 6, dtype=np.float32).reshape(10, 6)
    with mx.util.np_array(True), mx.util.np_shape(True):
        parts = gutils.split_data(mx.np.array(x), num_slice, axis, even_split=even)
        assert all(isinstance(p, mx.np.ndarray) for p in parts)
        got = [p.asnumpy() for p in parts]
    want = np.array_split(x, num_slice, axis=axis)
    assert [g.shape for g in got] == [w.shape for w in want]
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
