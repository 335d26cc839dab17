"""JSON serialization with orjson, and crash-safe writing of files."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson

PRETTY = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE


def dumps(value: Any, pretty: bool = True) -> bytes:
    return orjson.dumps(value, option=PRETTY if pretty else orjson.OPT_SORT_KEYS)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` so that ``path`` holds either the old or the new content, never a mix.

    Temporary file in the same folder, fsync, atomic rename, then fsync of the folder
    so the rename itself survives a power cut.
    """
    atomic_write_many([(path, data)])


def atomic_write_many(files: Sequence[tuple[Path, bytes]]) -> None:
    """Write several files all or nothing: each target ends with its new content, or every
    target is as it was (a full disk, a folder that is not writable, a failed rename).

    Every new content is first written beside its target as a ``*.tmp`` file and fsynced
    (from ``SYNC_BATCH`` files on, where Linux's ``syncfs`` is there, one sync of each
    folder's file system instead of an fsync per file), and each folder is opened for its
    fsync; only when all that worked are the files renamed into place, in the order given
    (put an index last), and the folders fsynced. A target
    that existed is hard-linked to a ``*.tmp`` backup first, so a rename or a folder fsync
    that fails is rolled back. A kill part-way through the renames can leave some targets
    new and some old, each whole; the ``*.tmp`` files it leaves are what ``annotator
    validate --fix`` removes.

    An OSError names the target it was writing (``filename``: the file, or the folder it
    could not open), whatever call failed.
    """
    staged: list[tuple[Path, str, str | None]] = []  # target, new content's tmp, old content's backup
    done: list[tuple[Path, str, str | None]] = []
    folders: dict[Path, int] = {}  # each target's folder, open for its fsync once every rename is done
    target: Path | None = None
    syncfs = _syncfs() if len(files) >= SYNC_BATCH else None  # else one fsync per file
    try:
        for target, data in files:
            if target.parent not in folders:
                target.parent.mkdir(parents=True, exist_ok=True)
                folders[target.parent] = -1
            tmp = _write_tmp(target, data, sync=syncfs is None)
            staged.append((target, tmp, None))
            if target.exists():
                old = _tmp_name(target, "old")
                os.link(target, old)
                staged[-1] = (target, tmp, old)
        for folder in folders:
            target = folder
            folders[folder] = os.open(folder, os.O_RDONLY)
            if syncfs is not None:  # the tmp files in it on disk
                syncfs(folders[folder])
        for entry in staged:
            target = entry[0]
            os.replace(entry[1], entry[0])
            done.append(entry)
        for folder, fd in folders.items():  # the renames on disk too, or they are undone
            target = folder
            os.fsync(fd)
    except BaseException as exc:
        _roll_back(staged, done)
        if isinstance(exc, OSError) and exc.errno is not None and target is not None:
            raise type(exc)(exc.errno, exc.strerror, str(target)) from exc
        raise
    finally:
        for fd in folders.values():
            if fd >= 0:
                os.close(fd)
    for _, _, previous in staged:  # the backups (a leftover is a *.tmp that validate --fix removes)
        if previous is not None:
            with contextlib.suppress(OSError):
                os.unlink(previous)


SYNC_BATCH = 64  # files written at once from which one sync of their file system beats an fsync each


def _syncfs() -> Callable[[int], None] | None:
    """Linux's ``syncfs(fd)``: everything written to the file system holding ``fd`` put on
    disk, or an OSError; None where there is none (each file is then fsynced)."""
    import ctypes  # here: 10 ms that most commands never need

    try:
        call = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None

    def syncfs(fd: int) -> None:
        if call(fd) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, os.strerror(errno))

    return syncfs


def _roll_back(staged: list[tuple[Path, str, str | None]], done: list[tuple[Path, str, str | None]]) -> None:
    """Put back what was replaced, remove what was new, remove every temporary file."""
    for target, _, previous in reversed(done):
        try:
            if previous is not None:
                os.replace(previous, target)
            else:
                os.unlink(target)
        except OSError:
            pass
    for _, new, previous in staged:
        for name in (new, previous):
            if name is not None:
                try:
                    os.unlink(name)
                except FileNotFoundError:
                    pass


# The temporary files this module writes beside a target: ``.<target>.XXXXXXXX.tmp`` (new
# content) and ``.<target>.old.XXXXXXXX.tmp`` (a backup), XXXXXXXX from tempfile's alphabet.
_TEMP = re.compile(r"\.(.+?)\.(?:old\.)?[a-z0-9_]{8}\.tmp")


def temp_target(name: str) -> str | None:
    """The file name a temporary file of this module was written for; None if ``name`` is not one.
    A temporary file left behind is a write a crash cut short: the target itself is whole."""
    match = _TEMP.fullmatch(name)
    return match.group(1) if match else None


def _tmp_name(path: Path, what: str) -> str:
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.{what}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.unlink(name)  # only the unique name is wanted: os.link needs it free
    return name


def new_file_mode() -> int:
    """The mode ``open()`` gives a new file in this process: 0666 less the umask. A team sharing a
    workspace on one server sets ``umask 002`` so everyone's files stay group-writable."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:  # read without changing it (Linux)
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: read by setting it, at once set back
    os.umask(mask)
    return 0o666 & ~mask


def _write_tmp(path: Path, data: bytes, sync: bool = True) -> str:
    """``data`` in a temporary file beside ``path`` (fsynced if ``sync``), with ``path``'s mode
    (a new file: as ``open()`` would make it, :func:`new_file_mode`)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes 0600 files: keep the old file's mode, else the umask's
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = new_file_mode()
        os.fchmod(fd, mode)
        view = memoryview(data)
        while view:  # os.write may write less than asked
            view = view[os.write(fd, view) :]
        if sync:
            os.fsync(fd)
    except BaseException:
        os.close(fd)
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    os.close(fd)
    return tmp


def write_synced(path: Path, data: bytes) -> None:
    """``data`` written to ``path`` in place (a new file's mode from the umask) and fsynced: for files
    in a folder nobody reads yet (a staging folder); an OSError names ``path``."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    except OSError as exc:
        raise _named(exc, path) from exc
    try:
        view = memoryview(data)
        while view:  # os.write may write less than asked
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except OSError as exc:
        raise _named(exc, path) from exc
    finally:
        os.close(fd)


def fsync_folder(folder: Path) -> None:
    """The folder's entries (a file made in it, a rename into it) on disk; an OSError names the folder
    (an fsync's own error does not)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError as exc:
        raise _named(exc, folder) from exc
    try:
        os.fsync(fd)
    except OSError as exc:
        raise _named(exc, folder) from exc
    finally:
        os.close(fd)


def _named(exc: OSError, path: Path) -> OSError:
    return type(exc)(exc.errno, exc.strerror, str(path)) if exc.errno is not None else exc
