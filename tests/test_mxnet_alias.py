"""The opt-in ``import mxnet`` -> neogluon alias (neogluon/_mxnet_alias.py)."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types

import pytest

import neogluon
from neogluon import _mxnet_alias as alias


def _mxnet_keys() -> list[str]:
    return [k for k in sys.modules if k == "mxnet" or k.startswith("mxnet.")]


@pytest.fixture
def aliased():
    """Install the alias for one test; leave no ``mxnet`` module behind."""
    if _mxnet_keys():
        pytest.skip("an mxnet module is already imported in this process")
    alias.install()
    try:
        yield
    finally:
        alias.uninstall()
        for key in _mxnet_keys():
            del sys.modules[key]


def test_import_mxnet_gives_neogluon_modules(aliased):
    import mxnet as mx
    import mxnet.gluon.nn
    import mxnet.ndarray as nd_mod
    from mxnet import autograd
    from mxnet import gluon
    from mxnet.gluon.nn import Dense

    assert mx is neogluon
    assert mxnet.gluon.nn is neogluon.gluon.nn
    assert nd_mod is neogluon.ndarray
    assert autograd is neogluon.autograd
    assert gluon is neogluon.gluon
    assert Dense is neogluon.gluon.nn.Dense
    assert sys.modules["mxnet.gluon.nn"] is neogluon.gluon.nn


def test_aliased_modules_keep_their_own_spec(aliased):
    # Relative imports inside neogluon compare __package__ with __spec__.parent:
    # the alias must not relabel the module as 'mxnet.gluon'.
    import mxnet.gluon  # noqa: F401

    assert neogluon.gluon.__spec__.name == "neogluon.gluon"
    assert neogluon.gluon.__name__ == "neogluon.gluon"
    # A lazily imported submodule still works through the alias.
    from mxnet.gluon import loss

    assert loss.L2Loss is neogluon.gluon.loss.L2Loss


def test_missing_counterpart_is_a_clear_import_error(aliased):
    with pytest.raises(ImportError, match=r"no counterpart 'neogluon\.tvmop'") as info:
        import mxnet.tvmop  # noqa: F401
    assert isinstance(info.value, ModuleNotFoundError)
    assert info.value.name == "mxnet.tvmop"
    assert "gluon" in str(info.value)  # lists what exists
    # Scripts that guard optional imports keep working.
    try:
        import mxnet.contrib.tensorrt  # noqa: F401
    except ImportError as err:
        assert err.name == "mxnet.contrib.tensorrt"


def test_missing_third_party_dependency_passes_through(aliased, monkeypatch):
    def fake_import(name, package=None):
        raise ModuleNotFoundError("No module named 'PIL'", name="PIL")

    monkeypatch.setattr(alias.importlib, "import_module", fake_import)
    with pytest.raises(ModuleNotFoundError) as info:
        import mxnet.image  # noqa: F401
    assert info.value.name == "PIL"
    assert "counterpart" not in str(info.value)


def test_other_names_are_ignored():
    finder = alias.MxnetAliasFinder()
    assert finder.find_spec("numpy") is None
    assert finder.find_spec("mxnetfoo") is None
    assert finder.find_spec("neogluon.gluon") is None


def test_uninstall_restores_plain_import():
    if importlib.util.find_spec("mxnet") is not None:
        pytest.skip("a real mxnet is installed here")
    if _mxnet_keys():
        pytest.skip("an mxnet module is already imported in this process")
    alias.install()
    import mxnet  # noqa: F401

    alias.uninstall()
    assert not alias.installed()
    assert _mxnet_keys() == []
    with pytest.raises(ModuleNotFoundError, match="No module named 'mxnet'"):
        importlib.import_module("mxnet")


def test_install_is_idempotent(aliased):
    alias.install()
    assert sum(isinstance(f, alias.MxnetAliasFinder) for f in sys.meta_path) == 1


def test_install_refuses_when_real_mxnet_is_loaded(monkeypatch):
    fake = types.ModuleType("mxnet")
    fake.__file__ = "/site-packages/mxnet/__init__.py"
    monkeypatch.setitem(sys.modules, "mxnet", fake)
    with pytest.raises(ImportError, match="real mxnet is already imported"):
        alias.install()
    assert not alias.installed()


@pytest.mark.parametrize(
    ("value", "expected"), [("1", True), ("true", True), ("0", False), ("", False)]
)
def test_install_from_env(monkeypatch, value, expected):
    if _mxnet_keys():
        pytest.skip("an mxnet module is already imported in this process")
    monkeypatch.setenv(alias.ENV_VAR, value)
    try:
        assert alias.install_from_env() is expected
        assert alias.installed() is expected
    finally:
        alias.uninstall()
