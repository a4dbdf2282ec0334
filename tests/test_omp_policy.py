"""neogluon makes idle OpenMP threads sleep unless told otherwise."""

from __future__ import annotations

import os
import subprocess
import sys

CODE = "import os, neogluon; print(os.environ['OMP_WAIT_POLICY'])"


def _run(env_extra: dict) -> str:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    env.update(env_extra)
    out = subprocess.run(
        [sys.executable, "-c", CODE],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def test_default_is_passive():
    assert _run({}) == "PASSIVE"


def test_user_setting_is_kept():
    assert _run({"OMP_WAIT_POLICY": "ACTIVE"}) == "ACTIVE"
