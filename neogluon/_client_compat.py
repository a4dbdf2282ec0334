"""Import-time adjustments that let MXNet client libraries load on neogluon.

Installed together with the ``mxnet`` alias (:mod:`neogluon._mxnet_alias`). It
changes exactly one thing, documented in the README:

- **gluoncv** (0.10.x) probes for its own experimental PyTorch backend with
  ``gluoncv.check._require_pytorch_version('1.4.0', '2.0.0')`` and raises
  ``RuntimeError`` at ``import gluoncv`` whenever torch >= 2.0 is installed,
  which is always the case under neogluon. With the alias active, that probe
  reports "no PyTorch backend" (``ImportError``, the answer gluoncv expects
  when torch is absent), so gluoncv loads its MXNet path only, which neogluon
  serves. Nothing else in gluoncv is touched.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types

__all__ = ["PATCHED_MODULES", "ClientCompatFinder", "install", "uninstall"]

#: module name -> function that adjusts the freshly executed module.
PATCHED_MODULES: dict[str, str] = {
    "gluoncv.check": "gluoncv's torch<2.0 probe reports no torch backend",
}


def _no_torch_backend(torch_version: str, max_torch_version: str = "2.0.0") -> None:
    """Replacement for ``gluoncv.check._require_pytorch_version``.

    gluoncv's PyTorch backend needs torch < 2.0; under neogluon gluoncv runs on
    its MXNet backend (served by neogluon), so the probe answers as if torch
    were absent.
    """
    raise ImportError(
        f"gluoncv's PyTorch backend (torch>={torch_version},<{max_torch_version}) is disabled while `import mxnet` "
        "is aliased to neogluon; gluoncv runs on its MXNet backend"
    )


def _patch_gluoncv_check(module: types.ModuleType) -> None:
    if hasattr(module, "_require_pytorch_version"):
        module._require_pytorch_version = _no_torch_backend


_PATCHERS = {"gluoncv.check": _patch_gluoncv_check}


class _PatchingLoader(importlib.abc.Loader):
    def __init__(self, loader: importlib.abc.Loader, patch) -> None:
        self._loader = loader
        self._patch = patch

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        self._loader.exec_module(module)
        self._patch(module)


class ClientCompatFinder(importlib.abc.MetaPathFinder):
    """Finds the listed client modules with the normal finders, then patches them."""

    def find_spec(self, fullname, path=None, target=None):
        patch = _PATCHERS.get(fullname)
        if patch is None:
            return None
        for finder in sys.meta_path:
            if finder is self or isinstance(finder, ClientCompatFinder):
                continue
            find = getattr(finder, "find_spec", None)
            if find is None:
                continue
            spec = find(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _PatchingLoader(spec.loader, patch)
                return spec
        return None


_FINDER: ClientCompatFinder | None = None


def install() -> None:
    """Put the patching finder first on ``sys.meta_path`` (idempotent).

    A listed module imported before this call is patched in place.
    """
    global _FINDER
    if _FINDER is None or _FINDER not in sys.meta_path:
        _FINDER = ClientCompatFinder()
        sys.meta_path.insert(0, _FINDER)
    for name, patch in _PATCHERS.items():
        module = sys.modules.get(name)
        if module is not None:
            patch(module)


def uninstall() -> None:
    """Remove the patching finder (modules already patched stay patched)."""
    global _FINDER
    if _FINDER is not None:
        while _FINDER in sys.meta_path:
            sys.meta_path.remove(_FINDER)
        _FINDER = None
