"""The one way neogluon writes a file: all of it or none of it.

:func:`write_atomic` (and :func:`atomic_open` for writers that stream) write
to a temporary file in the target's directory, flush and ``fsync`` it, then
``os.replace`` it over the target. A failure at any point (disk full, a
read-only directory, an exception in the writer, Ctrl-C) leaves the previous
file untouched and removes the temporary file; the error names the target,
not the temporary file.

A process killed in the middle of a save (SIGKILL, power loss) cannot clean
up: its temporary file ``.<name>.~<pid>.<token>.tmp`` stays next to the
target. The next save of the same target removes such files when the process
that made them no longer runs.

An existing target keeps its permission bits; a new one gets the usual
``0o666 & ~umask``. A symbolic link is written through (the file it points to
is replaced, the link stays).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from typing import IO

__all__ = ["write_atomic", "atomic_open", "temp_name_prefix"]

_SUFFIX = ".tmp"


def temp_name_prefix(target: str) -> str:
    """The name prefix of the temporary files a save of ``target`` makes."""
    return f".{os.path.basename(target)}.~"


def _resolve(fname) -> str:
    fname = os.fspath(fname)
    if isinstance(fname, bytes):
        fname = os.fsdecode(fname)
    if not fname:
        raise FileNotFoundError(2, "Cannot save to an empty file name", fname)
    # Write through a symlink: replace the file it names, keep the link.
    return os.path.realpath(fname) if os.path.islink(fname) else fname


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _remove_stale(target: str) -> None:
    """Remove temporary files left by killed saves of ``target``."""
    directory = os.path.dirname(os.path.abspath(target))
    prefix = temp_name_prefix(target)
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        if not (name.startswith(prefix) and name.endswith(_SUFFIX)):
            continue
        pid_text = name[len(prefix) :].split(".", 1)[0]
        if not pid_text.isdigit() or _pid_alive(int(pid_text)):
            continue
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(directory, name))


def _target_error(err: OSError, target: str, step: str) -> OSError:
    """``err`` re-raised under its own type, naming ``target``."""
    reason = err.strerror or str(err)
    msg = (
        f"Could not save '{target}' ({step} failed: {reason}). The previous "
        "contents of the file, if it existed, are unchanged."
    )
    if err.errno is None:
        return OSError(msg)
    new = type(err)(err.errno, msg)
    new.filename = target
    return new


def _fsync_dir(directory: str) -> None:
    # Makes the rename itself durable; not every platform or file system
    # allows opening a directory, which only weakens durability.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_open(fname, mode: str = "wb", encoding: str | None = None) -> Iterator[IO]:
    """A file object for ``fname`` whose contents replace it on success only.

    ``mode`` is ``'wb'`` or ``'w'`` (text, ``encoding`` defaults to UTF-8).
    Nothing is visible under ``fname`` until the ``with`` block ends without
    an exception.

    Examples
    --------
    >>> import os, tempfile
    >>> from neogluon._atomic import atomic_open
    >>> path = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> with atomic_open(path, "w") as f:
    ...     _ = f.write("hello")
    >>> open(path).read()
    'hello'
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_open: mode must be 'wb' or 'w', got {mode!r}")
    target = _resolve(fname)
    _remove_stale(target)
    directory = os.path.dirname(os.path.abspath(target))
    tmp = os.path.join(
        directory,
        f"{temp_name_prefix(target)}{os.getpid()}.{secrets.token_hex(4)}{_SUFFIX}",
    )
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as err:
        raise _target_error(err, target, "creating a file in its directory") from None
    step = "writing"
    try:
        with contextlib.suppress(OSError):
            os.chmod(tmp, os.stat(target).st_mode & 0o7777)
        if mode == "wb":
            f = os.fdopen(fd, "wb")
        else:
            f = os.fdopen(fd, "w", encoding=encoding or "utf-8", newline="")
        with f:
            yield f
            f.flush()
            step = "flushing to disk"
            os.fsync(f.fileno())
        step = "renaming over the target"
        os.replace(tmp, target)
    except OSError as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise _target_error(err, target, step) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)


def write_atomic(fname, data: bytes | str, encoding: str = "utf-8") -> None:
    """Replace ``fname`` with ``data`` (bytes, or text written as ``encoding``)
    in one step: a failed write leaves the old file as it was.

    Examples
    --------
    >>> import os, tempfile
    >>> from neogluon._atomic import write_atomic
    >>> path = os.path.join(tempfile.mkdtemp(), "x.bin")
    >>> write_atomic(path, b"abc"); open(path, "rb").read()
    b'abc'
    """
    if isinstance(data, str):
        data = data.encode(encoding)
    elif not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(
            f"write_atomic: data must be bytes or str, got {type(data).__name__}"
        )
    with atomic_open(fname, "wb") as f:
        f.write(data)
