"""Load the d2l book's MXNet library (``d2l_mxnet_v<version>.txt`` here) as a module.

Two releases are kept: 0.17.6, the last with the classic function API
(``train_ch3``, ``train_ch8``...), and 1.0.3, the class API (``d2l.Trainer``,
``d2l.Module``...) of the current book.

Used by tests/clients/test_d2l_book.py (``mxnet`` served by neogluon) and by
tools/fixtures/d2l_book.py (the real MXNet 1.9.1). Neither environment has the
book's plotting and notebook dependencies (pandas, IPython, matplotlib_inline,
sometimes matplotlib); the library imports them at module level but only its
plotting, display and CSV helpers use them. Where one is missing, :func:`load`
registers a placeholder module whose attributes raise ImportError naming the
missing package, so the helpers under test import and a plotting helper fails
loudly if something calls it. The two notebook calls the training loops make
through ``d2l.Animator`` get what they do in a plain terminal:
``IPython.display.display(fig)`` prints the figure's repr and
``clear_output`` has no screen to clear; ``backend_inline.set_matplotlib_formats``
records the format (there is no inline backend), and matplotlib draws with Agg.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
import types
from pathlib import Path

VERSIONS = ("0.17.6", "1.0.3")
MODULE_NAME = "d2l_mxnet_book"


def source(version: str = "0.17.6") -> Path:
    """The copied library of release ``version``."""
    if version not in VERSIONS:
        raise ValueError(f"no copy of d2l {version!r} here; have {VERSIONS}")
    return Path(__file__).with_name(f"d2l_mxnet_v{version}.txt")


def module_name(version: str = "0.17.6") -> str:
    return (
        MODULE_NAME
        if version == "0.17.6"
        else f"{MODULE_NAME}_{version.replace('.', '_')}"
    )


# package -> submodules the library imports with ``from package import sub``
_OPTIONAL = {
    "pandas": (),
    "IPython": ("display",),
    "matplotlib": ("pyplot",),
    "matplotlib_inline": ("backend_inline",),
}


class _Missing(types.ModuleType):
    def __getattr__(self, attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise ImportError(
            f"{self.__name__}.{attr} is not available: the package "
            f"{self.__name__.split('.')[0]!r} is not installed; install it to use "
            "the d2l plotting/display helpers"
        )


def _terminal_display(*objs, **kwargs) -> None:
    for obj in objs:
        print(repr(obj))


def _terminal_clear_output(wait: bool = False) -> None:
    """A terminal has no output area to clear (IPython prints nothing useful)."""


_FORMATS: list[str] = []


def _record_formats(*formats: str, **kwargs) -> None:
    _FORMATS[:] = formats


_TERMINAL = {
    "IPython.display": {
        "display": _terminal_display,
        "clear_output": _terminal_clear_output,
    },
    "matplotlib_inline.backend_inline": {"set_matplotlib_formats": _record_formats},
}


def _placeholder(name: str, subs: tuple[str, ...]) -> None:
    mod = _Missing(name)
    sys.modules[name] = mod
    for sub in subs:
        child = _Missing(f"{name}.{sub}")
        for attr, fn in _TERMINAL.get(f"{name}.{sub}", {}).items():
            setattr(child, attr, fn)
        sys.modules[f"{name}.{sub}"] = child
        setattr(mod, sub, child)


def load(version: str = "0.17.6") -> types.ModuleType:
    """Execute the d2l library of ``version`` once and return it (cached in sys.modules)."""
    name = module_name(version)
    if name in sys.modules:
        return sys.modules[name]
    for package, subs in _OPTIONAL.items():
        if importlib.util.find_spec(package) is None:
            _placeholder(package, subs)
    if not isinstance(sys.modules.get("matplotlib"), _Missing):
        import matplotlib

        matplotlib.use("Agg")
    loader = importlib.machinery.SourceFileLoader(name, str(source(version)))
    spec = importlib.util.spec_from_loader(name, loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    finally:
        # The library holds its references; other packages (matplotlib looks
        # for IPython in sys.modules) must not find the placeholders.
        for missing in [n for n, m in sys.modules.items() if isinstance(m, _Missing)]:
            del sys.modules[missing]
    return module
