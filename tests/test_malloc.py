"""neogluon/_malloc.py: glibc malloc settings that keep large buffers mapped.

Each check runs in a fresh interpreter: the settings are process-wide and
applied once, when neogluon is imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from neogluon import _malloc

ROOT = Path(__file__).resolve().parent.parent

# Three 28 MiB buffers (a (700, 10000) float32 logits tensor each) allocated,
# written and freed per cycle: with glibc's defaults every cycle faults their
# pages in again (about 6,800 minor faults per buffer).
_SCRIPT = """
import resource, torch, neogluon
def cycle():
    bufs = [torch.ones(700, 10000) for _ in range(3)]
    del bufs
cycle()
f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    cycle()
print(neogluon._malloc.APPLIED, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
"""


def _run(**extra: str) -> tuple[str, int]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("NEOGLUON_MALLOC_TUNING", *_malloc._USER_SETTINGS)
    }
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["OMP_NUM_THREADS"] = "1"
    env.update(extra)
    res = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    applied, faults = res.stdout.split()
    return applied, int(faults)


def test_opt_out_and_user_settings_are_respected():
    assert _malloc.tune({"NEOGLUON_MALLOC_TUNING": "0"}) is False
    assert _malloc.tune({"MALLOC_TRIM_THRESHOLD_": "1000000"}) is False
    assert _malloc.tune({"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=1"}) is False


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or not os.confstr("CS_GNU_LIBC_VERSION"),
    reason="glibc only",
)
def test_large_buffers_are_not_faulted_in_every_step():
    applied, tuned = _run()
    assert applied == "True"
    off, untuned = _run(NEOGLUON_MALLOC_TUNING="0")
    assert off == "False"
    # 10 cycles x 3 buffers x ~6,800 pages: the defaults fault them in again
    # (about 143,000 faults; never fewer than 27,000 seen); tuned, the heap
    # keeps them (one buffer's worth, 6,836, in the first cycle).
    assert untuned > 20_000, untuned
    assert tuned < 15_000, tuned
