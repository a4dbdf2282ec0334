"""A program that ends while ``mx.profiler`` runs exits 0 and writes its file.

Before the fix such a program died with SIGSEGV (exit 139) after its last line:
torch's profiler was still running at interpreter shutdown. MXNet 1.9.1 exits
0 and writes the profile (``Profiler::~Profiler`` dumps it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PROGRAMS = {
    "running at exit": """
        mx.profiler.set_config(profile_all=True, filename=FNAME)
        mx.profiler.set_state("run")
        a = mx.nd.ones((10, 10))
        (a * 2 + 1).sum().wait_to_read()
        print("last line")
    """,
    "paused at exit": """
        mx.profiler.set_config(profile_all=True, filename=FNAME)
        mx.profiler.set_state("run")
        mx.nd.ones((4,)).sum().wait_to_read()
        mx.profiler.pause()
        print("last line")
    """,
    "stopped, never dumped": """
        mx.profiler.set_config(filename=FNAME)
        mx.profiler.set_state("run")
        mx.nd.ones((4,)).sum().wait_to_read()
        mx.profiler.set_state("stop")
        print("last line")
    """,
    "exit via sys.exit(0)": """
        mx.profiler.set_config(filename=FNAME)
        mx.profiler.set_state("run")
        mx.nd.ones((4,)).sum().wait_to_read()
        print("last line")
        sys.exit(0)
    """,
}


def _run(tmp_path, body: str) -> tuple[subprocess.CompletedProcess, str]:
    fname = str(tmp_path / "profile.json")
    code = (
        "import sys\n"
        f"sys.path.insert(0, {ROOT!r})\n"
        "import neogluon as mx\n"
        f"FNAME = {fname!r}\n" + textwrap.dedent(body)
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=str(tmp_path),
    )
    return proc, fname


# Each case starts a Python process with torch: the case runs in the
# default suite, the variants with the slow tests.
@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=() if c == "running at exit" else pytest.mark.slow)
        for c in PROGRAMS
    ],
)
def test_program_ending_with_profiler_exits_zero(tmp_path, case):
    proc, fname = _run(tmp_path, PROGRAMS[case])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "last line" in proc.stdout
    with open(fname, encoding="utf-8") as f:
        trace = json.load(f)
    names = {ev.get("name") for ev in trace["traceEvents"]}
    assert "sum" in names, sorted(n for n in names if n)[:20]


@pytest.mark.slow
def test_dumped_profile_is_not_rewritten_at_exit(tmp_path):
    proc, fname = _run(
        tmp_path,
        """
        mx.profiler.set_config(filename=FNAME)
        mx.profiler.set_state("run")
        mx.nd.ones((4,)).sum().wait_to_read()
        mx.profiler.set_state("stop")
        mx.profiler.dump()
        import os
        os.remove(FNAME)
        print("last line")
        """,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    # Everything was dumped (and the file removed) before the end: nothing
    # is left to write at exit.
    assert not os.path.exists(fname)


def test_never_started_profiler_writes_nothing(tmp_path):
    proc, fname = _run(
        tmp_path,
        """
        mx.profiler.set_config(filename=FNAME)
        mx.nd.ones((4,)).sum().wait_to_read()
        print("last line")
        """,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not os.path.exists(fname)
