"""The atomic writer and the files written through it: disk full, read-only,
killed mid-write. Faults are injected by monkeypatching ``os`` functions (the
tests run as any user on any file system, no tmpfs needed)."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

import neogluon as mx
from neogluon import _atomic
from neogluon._atomic import atomic_open
from neogluon._atomic import write_atomic

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _names(d):
    return sorted(p.name for p in d.iterdir())


def test_write_and_replace(tmp_path):
    path = tmp_path / "a.bin"
    write_atomic(path, b"one")
    write_atomic(str(path), b"two")
    assert path.read_bytes() == b"two"
    write_atomic(path, "text \u00e9")
    assert path.read_text(encoding="utf-8") == "text \u00e9"
    assert _names(tmp_path) == ["a.bin"]


def test_text_mode_and_context_manager(tmp_path):
    path = tmp_path / "a.json"
    with atomic_open(path, "w") as f:
        json.dump({"k": [1, 2]}, f)
        # Nothing is visible under the target until the block ends.
        assert not path.exists()
    assert json.loads(path.read_text()) == {"k": [1, 2]}


@pytest.mark.parametrize(
    "fault,step",
    [("fsync", "flushing to disk"), ("replace", "renaming over the target")],
)
def test_disk_full_keeps_old_file_and_names_target(tmp_path, monkeypatch, fault, step):
    path = tmp_path / "m.params"
    path.write_bytes(b"old contents")

    def boom(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, fault, boom)
    with pytest.raises(OSError) as info:
        write_atomic(path, b"new contents" * 1000)
    monkeypatch.undo()
    err = info.value
    assert err.errno == errno.ENOSPC
    assert err.filename == str(path)
    assert str(path) in str(err) and step in str(err)
    assert ".tmp" not in str(err)
    assert path.read_bytes() == b"old contents"
    assert _names(tmp_path) == ["m.params"]


def test_read_only_directory(tmp_path, monkeypatch):
    path = tmp_path / "x.states"
    real_open = os.open

    def ro_open(p, flags, *a, **k):
        if flags & os.O_CREAT:
            raise OSError(errno.EROFS, "Read-only file system")
        return real_open(p, flags, *a, **k)

    monkeypatch.setattr(os, "open", ro_open)
    with pytest.raises(OSError) as info:
        write_atomic(path, b"x")
    monkeypatch.undo()
    assert info.value.errno == errno.EROFS
    assert "Could not save" in str(info.value) and str(path) in str(info.value)
    assert not path.exists()


def test_permission_error_keeps_its_type(tmp_path, monkeypatch):
    def denied(*a, **k):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(PermissionError, match="Could not save"):
        write_atomic(tmp_path / "p", b"x")


def test_exception_inside_writer_removes_temp(tmp_path):
    path = tmp_path / "t.json"
    path.write_text("old")
    with pytest.raises(KeyError):
        with atomic_open(path, "w") as f:
            f.write("partial")
            raise KeyError("boom")
    assert path.read_text() == "old"
    assert _names(tmp_path) == ["t.json"]


def test_missing_directory_names_target(tmp_path):
    path = tmp_path / "no" / "such" / "dir" / "f.params"
    with pytest.raises(FileNotFoundError) as info:
        write_atomic(path, b"x")
    assert str(path) in str(info.value)


def test_empty_name_and_bad_data(tmp_path):
    with pytest.raises(FileNotFoundError, match="empty file name"):
        write_atomic("", b"x")
    with pytest.raises(TypeError, match="bytes or str"):
        write_atomic(tmp_path / "f", [1, 2])
    with pytest.raises(ValueError, match="mode must be"):
        with atomic_open(tmp_path / "f", "a"):
            pass


def test_keeps_permissions_of_existing_file(tmp_path):
    path = tmp_path / "keep"
    path.write_bytes(b"a")
    os.chmod(path, 0o640)
    write_atomic(path, b"b")
    assert (os.stat(path).st_mode & 0o777) == 0o640


def test_new_file_gets_umask_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new", b"b")
    finally:
        os.umask(old)
    assert (os.stat(tmp_path / "new").st_mode & 0o777) == 0o644


def test_symlink_is_written_through(tmp_path):
    real = tmp_path / "real.params"
    real.write_bytes(b"old")
    link = tmp_path / "link.params"
    link.symlink_to(real)
    write_atomic(link, b"new")
    assert link.is_symlink()
    assert real.read_bytes() == b"new"


_KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    from neogluon._atomic import atomic_open
    with atomic_open({path!r}, "wb") as f:
        f.write(b"half of a checkpoint")
        f.flush()
        print("writing", flush=True)
        time.sleep(60)
    """
)


def test_killed_mid_write_leaves_old_file_and_next_save_cleans_up(tmp_path):
    path = tmp_path / "ckpt.params"
    path.write_bytes(b"previous checkpoint")
    code = _KILLED_WRITER.format(root=ROOT, path=str(path))
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "writing"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(30)
        proc.stdout.close()
    assert path.read_bytes() == b"previous checkpoint"
    stale = [n for n in _names(tmp_path) if n != "ckpt.params"]
    assert len(stale) == 1 and stale[0].startswith(_atomic.temp_name_prefix(str(path)))
    write_atomic(path, b"next checkpoint")
    assert _names(tmp_path) == ["ckpt.params"]
    assert path.read_bytes() == b"next checkpoint"


def test_live_writers_temp_file_is_not_removed(tmp_path):
    # A temp file of a process that still runs (a concurrent save) stays.
    path = tmp_path / "f"
    other = tmp_path / f"{_atomic.temp_name_prefix(str(path))}1.abcd.tmp"
    other.write_bytes(b"in progress")  # pid 1 always exists
    write_atomic(path, b"x")
    assert other.exists()


def test_nd_save_leaves_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "w.params"
    mx.nd.save(str(path), {"a": mx.nd.ones((2,))})
    before = path.read_bytes()

    def boom(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        mx.nd.save(str(path), {"a": mx.nd.zeros((1000,))})
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert _names(tmp_path) == ["w.params"]


def test_profiler_dump_is_atomic(tmp_path, monkeypatch):
    from neogluon import profiler

    path = tmp_path / "prof.json"
    path.write_text('{"old": true}')
    profiler.set_config(filename=str(path))
    try:
        profiler.set_state("run")
        mx.nd.ones((3,)).sum().wait_to_read()
        profiler.set_state("stop")

        def boom(fd):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(os, "fsync", boom)
        with pytest.raises(OSError, match="prof.json"):
            profiler.dump()
        monkeypatch.undo()
        assert path.read_text() == '{"old": true}'
        assert _names(tmp_path) == ["prof.json"]
    finally:
        profiler._State.traces = []
        profiler._State.counters = []
        profiler.dumps(reset=True)
        profiler.set_config(filename="profile.json")
