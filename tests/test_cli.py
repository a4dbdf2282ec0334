"""The ``neogluon`` command line: run, info, inspect (demo: tests/test_demo.py)."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import neogluon as mx
from neogluon import cli
from neogluon.gluon import nn

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = Path(__file__).resolve().parent / "data_scripts"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "mxnet-1.9.1" / "symbol"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["OMP_NUM_THREADS"] = "1"
    env.pop("NEOGLUON_MXNET_ALIAS", None)
    return env


def _python(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


# ------------------------------------------------------------------------ run
def test_run_unchanged_mxnet_script(tmp_path):
    script = SCRIPTS / "mxnet_train_dense.py"
    res = _python(
        "-m", "neogluon", "run", str(script), "--foo", "1", "bar", cwd=tmp_path
    )
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    losses = [float(x.split()[-1]) for x in lines if x.startswith("step ")]
    assert len(losses) == 2 and all(math.isfinite(v) for v in losses)
    # 3 classes, small random init: the loss starts near ln(3) and SGD lowers it.
    assert abs(losses[0] - math.log(3)) < 0.5
    assert losses[1] < losses[0]
    assert "MXNET_IS neogluon 1.9.1 neogluon.ndarray.ndarray" in lines
    assert f"ARGS {[str(script), '--foo', '1', 'bar']}" in lines


def test_plain_import_mxnet_is_untouched(tmp_path):
    code = "import neogluon, mxnet; print(mxnet.__file__)"
    res = _python("-c", code, cwd=tmp_path)
    if importlib.util.find_spec("mxnet") is None:
        assert res.returncode != 0
        assert "No module named 'mxnet'" in res.stderr
    else:  # a real MXNet is installed: it must be the one imported
        assert res.returncode == 0, res.stderr
        assert "neogluon" not in res.stdout


def test_run_in_process_exit_status_and_cleanup(capsys):
    argv = sys.argv[:]
    status = cli.main(["run", str(SCRIPTS / "mxnet_exit_code.py"), "7"])
    assert status == 7
    # The env var is set during the run so that subprocesses keep the alias.
    assert "imported 1.9.1 alias env 1" in capsys.readouterr().out
    assert sys.argv == argv
    assert not any(k == "mxnet" or k.startswith("mxnet.") for k in sys.modules)
    assert "NEOGLUON_MXNET_ALIAS" not in os.environ


def test_run_missing_module_reports_user_traceback(capsys):
    status = cli.main(["run", str(SCRIPTS / "mxnet_missing_module.py")])
    assert status == 1
    err = capsys.readouterr().err
    assert "No module named 'mxnet.tvmop'" in err
    assert "mxnet_missing_module.py" in err
    assert "runpy" not in err and "cli.py" not in err


def test_run_module_flag(tmp_path, monkeypatch, capsys):
    (tmp_path / "mxnet_style_mod.py").write_text(
        "import sys\nimport mxnet\nprint('MOD', mxnet.__name__, sys.argv[1:])\n"
    )
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "-m", "mxnet_style_mod", "x"]) == 0
    assert "MOD neogluon ['x']" in capsys.readouterr().out
    sys.modules.pop("mxnet_style_mod", None)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run"], "usage: neogluon run"),
        (["run", "no_such_script.py"], "no such script"),
        (["run", "-x"], "unknown option"),
        (["run", "-m"], "-m needs a module name"),
    ],
)
def test_run_usage_errors(argv, message, capsys):
    assert cli.main(argv) == 2
    assert message in capsys.readouterr().err


# ----------------------------------------------------------------------- info
def test_info_text(capsys):
    from neogluon.ops import registry

    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    assert "MXNet API 1.9.1" in out
    assert f"operators    {len(registry.list_ops())} registered" in out
    assert "cpu(0)" in out and f"{os.cpu_count()} logical CPUs" in out
    assert "mx.gluon" in out and "gluon.nn" in out
    assert "numpy        " + np.__version__ in out


def test_info_json(capsys):
    assert cli.main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["mxnet_api"] == "1.9.1"
    assert info["devices"]["cpu_count"] == os.cpu_count()
    assert len(info["devices"]["gpus"]) == mx.context.num_gpus()
    for gpu in info["devices"]["gpus"]:
        assert gpu["name"] and gpu["total_bytes"] > 0
    have, missing = set(info["mxnet_modules"]), set(info["mxnet_modules_missing"])
    assert {"gluon", "nd", "autograd", "sym"} <= have
    assert not have & missing
    from neogluon._mxnet_alias import MXNET_MODULES

    assert set(MXNET_MODULES) <= have | missing


# -------------------------------------------------------------------- inspect
def _export_small_net(tmp_path: Path) -> Path:
    net = nn.HybridSequential()
    net.add(nn.Conv2D(4, 3), nn.BatchNorm(), nn.Activation("relu"), nn.Dense(5))
    net.initialize()
    net.hybridize()
    net(mx.nd.zeros((2, 1, 8, 8)))
    net.export(str(tmp_path / "small"), epoch=0)
    return tmp_path / "small"


def test_inspect_exported_model(tmp_path, capsys):
    base = _export_small_net(tmp_path)
    sym_file, params = f"{base}-symbol.json", f"{base}-0000.params"
    assert cli.main(["inspect", sym_file, params, "--shape", "data=2,1,8,8"]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[1]: line for line in out.splitlines() if "_fwd (" in line}
    conv = next(v for k, v in rows.items() if "conv" in k)
    bn = next(v for k, v in rows.items() if "batchnorm" in k)
    dense = next(v for k, v in rows.items() if "dense" in k)
    # Counted by hand: conv 4*1*3*3 + 4 = 40; BatchNorm gamma+beta 8 and the
    # running mean/var 8; Dense flattens 4*6*6 = 144 features: 144*5 + 5 = 725.
    assert "(2, 4, 6, 6)" in conv and " 40 " in conv
    assert "(2, 4, 6, 6)" in bn and " 16 " in bn
    assert "(2, 5)" in dense and " 725 " in dense
    assert "total params:     781" in out  # 40 + 16 + 725
    assert "trainable params: 773" in out
    assert "aux states:       8" in out


def test_inspect_real_mxnet_export_without_shapes(capsys):
    # convnet-{symbol.json,0000.params} were written by MXNet 1.9.1 itself:
    # Conv2D(4, 3, padding=1, in_channels=2), BatchNorm, relu, MaxPool2D,
    # Dense(3, in_units=16). Without --shape the params still fix C and counts.
    sym_file = FIXTURES / "convnet-symbol.json"
    params = FIXTURES / "convnet-0000.params"
    assert cli.main(["inspect", str(sym_file), str(params), "-v"]) == 0
    out = capsys.readouterr().out
    assert "inputs:  data (?, 2, ?, ?)" in out
    assert "(?, 4, ?, ?)" in out
    assert "hybridsequential1_conv0_weight (4, 2, 3, 3)" in out
    assert "hybridsequential1_batchnorm0_running_var (4,) (aux)" in out
    # 4*2*9 + 4 = 76, BN 16, Dense 16*3 + 3 = 51.
    assert "total params:     143" in out
    assert "trainable params: 135" in out
    assert "hint: give input shapes" in out


def test_inspect_real_mxnet_export_with_shape(capsys):
    sym_file = FIXTURES / "convnet-symbol.json"
    assert cli.main(["inspect", str(sym_file), "--shape", "data=(2,2,4,4)"]) == 0
    out = capsys.readouterr().out
    assert "(2, 4, 2, 2)" in out  # after the 2x2 max pooling
    assert "outputs: hybridsequential1_dense0_fwd_output (2, 3)" in out


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ("data=2,3,4,4", "shape inference failed.*Convolution"),
        ("data2,2,4,4", "expected NAME=D0,D1"),
        ("image=2,2,4,4", r"--shape names \['image'\]"),
    ],
)
def test_inspect_errors(shape, message, capsys):
    sym_file = FIXTURES / "convnet-symbol.json"
    assert cli.main(["inspect", str(sym_file), "--shape", shape]) == 1
    import re

    assert re.search(message, capsys.readouterr().err)


def test_inspect_missing_file(tmp_path, capsys):
    assert cli.main(["inspect", str(tmp_path / "nope-symbol.json")]) == 1
    assert "nope-symbol.json" in capsys.readouterr().err


def test_no_command_prints_help(capsys):
    assert cli.main([]) == 0
    out = capsys.readouterr().out
    for cmd in ("run", "demo", "info", "inspect"):
        assert cmd in out
