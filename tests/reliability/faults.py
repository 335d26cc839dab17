"""A full disk or a refused permission at the k-th write-ish call of a process.

``inject(fail_at, errno)`` replaces, for the duration of a ``with`` block, every call by
which Python changes a file system: ``os.open`` and ``open`` for writing (``io.open``, so
``Path.write_bytes``, ``os.fdopen`` and ``shutil`` too), writes to such files and
``os.write``, ``os.fsync``/``fdatasync``, ``os.ftruncate``, ``os.replace``/``rename``,
``os.link``/``symlink``, ``os.mkdir`` (so ``makedirs``), ``os.sendfile`` (``shutil``'s
copies). Each call is counted; the ``fail_at``-th raises ``OSError(errno)`` as the system
call would, naming its file. Removing files (``unlink``, ``rmdir``) is not faulted: that is
how a failed write cleans up, and a full disk does not refuse it. ``fail_at=None`` only
counts. The program's own code is not touched: these are the functions it calls.
"""

from __future__ import annotations

import builtins
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
PATCHED = ("open", "write", "fsync", "fdatasync", "ftruncate", "replace", "rename", "link", "symlink", "mkdir")


class Faults:
    def __init__(self, fail_at: int | None, errno: int):
        self.fail_at, self.errno = fail_at, errno
        self.calls = 0
        self.hit: str | None = None  # the call that failed, e.g. "os.fsync(3)"

    def tick(self, call: str, target: object) -> None:
        self.calls += 1
        if self.calls == self.fail_at:
            self.hit = f"{call}({_name(target)})"
            raise OSError(self.errno, os.strerror(self.errno), _name(target) if not isinstance(target, int) else None)


def _name(target: object) -> str:
    return os.fsdecode(target) if isinstance(target, (str, bytes, os.PathLike)) else str(target)


class _Written:
    """A file opened for writing whose every write is a counted call."""

    def __init__(self, inner: Any, faults: Faults, name: object):
        self._inner, self._faults, self._name = inner, faults, name

    def write(self, data: Any) -> int:
        self._faults.tick("write", self._name)
        return self._inner.write(data)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __enter__(self) -> _Written:
        return self

    def __exit__(self, *exc: object) -> None:
        self._inner.close()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._inner)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@contextmanager
def inject(fail_at: int | None, errno: int) -> Iterator[Faults]:
    faults = Faults(fail_at, errno)
    real = {name: getattr(os, name) for name in (*PATCHED, "sendfile")}
    real_open = io.open

    def os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & WRITE_FLAGS:
            faults.tick("os.open", path)
        return real["open"](path, flags, *args, **kwargs)

    def counted(name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            faults.tick(f"os.{name}", args[0] if args else "")
            return real[name](*args, **kwargs)

        return call

    def sendfile(out_fd: int, *args: Any) -> int:
        faults.tick("os.sendfile", out_fd)
        return real["sendfile"](out_fd, *args)

    def file_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if not any(c in mode for c in "wax+"):
            return real_open(file, mode, *args, **kwargs)
        if not isinstance(file, int):  # os.fdopen: the file is open already
            faults.tick("open", file)
        return _Written(real_open(file, mode, *args, **kwargs), faults, file)

    replaced = {name: counted(name) for name in PATCHED if name != "open"}
    replaced.update(open=os_open, sendfile=sendfile)
    try:
        for name, function in replaced.items():
            setattr(os, name, function)
        io.open = builtins.open = file_open
        yield faults
    finally:
        for name, function in real.items():
            setattr(os, name, function)
        io.open = builtins.open = real_open
