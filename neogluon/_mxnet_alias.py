"""Make ``import mxnet`` resolve to neogluon (opt-in).

``neogluon run script.py`` installs this alias for the run of one script, so a
script written for MXNet runs unchanged: ``import mxnet as mx``,
``import mxnet.gluon.nn``, ``from mxnet import autograd, gluon`` and
``from mxnet.gluon.data.vision import transforms`` all give the matching
``neogluon`` module objects (``mxnet.gluon.nn is neogluon.gluon.nn``).

Outside ``neogluon run`` nothing changes unless the user opts in, either in
code::

    import neogluon._mxnet_alias as alias
    alias.install()          # also exposed as neogluon.install_mxnet_alias()
    import mxnet as mx       # -> neogluon

or with the environment variable ``NEOGLUON_MXNET_ALIAS=1``, honoured by
:func:`install_from_env` when neogluon is imported (and set by ``neogluon run``
so that subprocesses a script starts keep the alias).

A submodule of ``mxnet`` that neogluon does not have (``mxnet.contrib.tensorrt``,
``mxnet.tvmop``...) raises :class:`ModuleNotFoundError` (an ImportError, so
``try: import mxnet.x except ImportError`` keeps working) that names the
missing neogluon module.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import sys
import types

__all__ = [
    "ENV_VAR",
    "MxnetAliasFinder",
    "available_modules",
    "missing_modules",
    "install",
    "install_from_env",
    "installed",
    "uninstall",
]

#: Environment variable that opts a process into the alias (value ``1``).
ENV_VAR = "NEOGLUON_MXNET_ALIAS"
ALIAS = "mxnet"
TARGET = "neogluon"


def _target_name(fullname: str) -> str:
    return TARGET + fullname[len(ALIAS) :]


class _AliasLoader(importlib.abc.Loader):
    """Hands out an already imported neogluon module under an ``mxnet`` name."""

    def __init__(self, module: types.ModuleType) -> None:
        self._module = module
        self._spec = getattr(module, "__spec__", None)

    def create_module(self, spec):
        return self._module

    def exec_module(self, module) -> None:
        # The import system stamps the alias spec on the module it got from
        # create_module; the module keeps its own identity (relative imports
        # inside neogluon compare __package__ with __spec__.parent).
        if self._spec is not None:
            module.__spec__ = self._spec


class MxnetAliasFinder(importlib.abc.MetaPathFinder):
    """Meta-path finder mapping ``mxnet[.sub]`` to ``neogluon[.sub]``."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != ALIAS and not fullname.startswith(ALIAS + "."):
            return None
        name = _target_name(fullname)
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            missing = err.name or ""
            # Only a missing neogluon module on the requested path is "no
            # counterpart"; a missing third-party dependency surfaces as is.
            if missing == name or name.startswith(missing + "."):
                where = "" if missing == name else f" ({missing!r} does not exist)"
                raise ModuleNotFoundError(
                    f"No module named {fullname!r}: `import {ALIAS}` is aliased to "
                    f"neogluon, which has no counterpart {name!r}{where}. neogluon "
                    "implements the MXNet 1.9.1 Gluon API "
                    f"({', '.join(available_modules())}); port this import to one "
                    "of those, or run the script with the real MXNet.",
                    name=fullname,
                ) from None
            raise
        loader = _AliasLoader(module)
        is_pkg = hasattr(module, "__path__")
        spec = importlib.machinery.ModuleSpec(fullname, loader, is_package=is_pkg)
        if is_pkg:
            spec.submodule_search_locations = list(module.__path__)
        return spec


_FINDER: MxnetAliasFinder | None = None


def installed() -> bool:
    """True while the alias finder is on ``sys.meta_path``."""
    return _FINDER is not None and _FINDER in sys.meta_path


def install() -> None:
    """Make ``import mxnet`` (and its submodules) resolve to neogluon.

    Idempotent. Raises ImportError if a real ``mxnet`` is already imported in
    this process, since two libraries cannot share that name.
    """
    global _FINDER
    if installed():
        return
    loaded = sys.modules.get(ALIAS)
    if loaded is not None and not _is_neogluon(loaded):
        raise ImportError(
            f"Cannot alias 'mxnet' to neogluon: the real mxnet is already imported "
            f"from {getattr(loaded, '__file__', '?')}. Install the alias before "
            "anything imports mxnet (or run the script with `neogluon run`)."
        )
    _FINDER = MxnetAliasFinder()
    sys.meta_path.insert(0, _FINDER)
    from . import _client_compat

    _client_compat.install()


def uninstall() -> None:
    """Remove the alias and forget every ``mxnet`` module it handed out."""
    global _FINDER
    if _FINDER is not None:
        while _FINDER in sys.meta_path:
            sys.meta_path.remove(_FINDER)
        _FINDER = None
    from . import _client_compat

    _client_compat.uninstall()
    for key in [k for k in sys.modules if k == ALIAS or k.startswith(ALIAS + ".")]:
        if _is_neogluon(sys.modules[key]):
            del sys.modules[key]


def install_from_env() -> bool:
    """Install the alias if ``NEOGLUON_MXNET_ALIAS`` is ``1``/``true``/``yes``."""
    if os.environ.get(ENV_VAR, "").strip().lower() in ("1", "true", "yes", "on"):
        install()
        return True
    return False


#: MXNet 1.9.1's top-level modules (``mx.<name>``) that user code imports.
MXNET_MODULES = (
    "attribute autograd base callback context contrib engine gluon image init "
    "initializer io kv kvstore library lr_scheduler metric model module monitor "
    "name nd ndarray np npx optimizer profiler random recordio registry rnn "
    "sym symbol test_utils util viz visualization"
).split()


def missing_modules() -> list[str]:
    """MXNet top-level modules that neogluon does not provide (yet)."""
    have = set(available_modules())
    return [m for m in MXNET_MODULES if m not in have]


def available_modules() -> list[str]:
    """``mxnet.<name>`` top-level modules that have a neogluon counterpart."""
    import importlib.util

    pkg = importlib.import_module(TARGET)
    names = {"autograd", "base", "context", "ndarray", "nd"}
    for name, path in getattr(pkg, "_LAZY", {}).items():
        try:
            found = importlib.util.find_spec(path) is not None
        except (ImportError, ValueError):
            found = False
        if found:
            names.add(name)
    return sorted(names)


def _is_neogluon(module) -> bool:
    name = getattr(module, "__name__", "") or ""
    return name == TARGET or name.startswith(TARGET + ".")
