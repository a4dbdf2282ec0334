"""The one client adjustment (neogluon/_client_compat.py), tested with a stand-in
gluoncv package so that it runs without the clients installed."""

from __future__ import annotations

import sys
import textwrap

import pytest

from neogluon import _client_compat
from neogluon import _mxnet_alias

CHECK = textwrap.dedent(
    """
    def _require_pytorch_version(torch_version, max_torch_version="2.0.0"):
        raise RuntimeError("Legacy torch detected")

    def _require_mxnet_version(mx_version, max_mx_version="2.0.0"):
        try:
            import mxnet
        except ImportError:
            return None
        return mxnet.__name__
    """
)
INIT = textwrap.dedent(
    """
    from .check import _require_mxnet_version, _require_pytorch_version
    backend = _require_mxnet_version("1.4.0")
    try:
        _require_pytorch_version("1.4.0", "2.0.0")
        torch_backend = True
    except ImportError as err:
        torch_backend = str(err)
    """
)


@pytest.fixture
def fake_gluoncv(tmp_path, monkeypatch):
    pkg = tmp_path / "gluoncv"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(INIT)
    (pkg / "check.py").write_text(CHECK)
    monkeypatch.syspath_prepend(str(tmp_path))
    was_installed = _mxnet_alias.installed()
    yield
    for name in ("gluoncv", "gluoncv.check"):
        sys.modules.pop(name, None)
    if not was_installed:
        _mxnet_alias.uninstall()


def test_gluoncv_torch_probe_reports_no_backend_under_alias(fake_gluoncv):
    _mxnet_alias.install()
    import gluoncv

    assert gluoncv.backend == "neogluon"
    assert (
        "disabled while `import mxnet` is aliased to neogluon" in gluoncv.torch_backend
    )
    assert "gluoncv.check" in _client_compat.PATCHED_MODULES


def test_probe_untouched_without_alias(fake_gluoncv):
    if _mxnet_alias.installed():
        pytest.skip("the alias is installed for this session (client tests ran first)")
    _client_compat.uninstall()
    # what gluoncv 0.10 does at import with torch >= 2 and no alias
    with pytest.raises(RuntimeError, match="Legacy torch"):
        import gluoncv  # noqa: F401
