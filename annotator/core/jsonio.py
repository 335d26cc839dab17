"""JSON serialization with orjson, and crash-safe writing of files."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
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

    Every new content is first written beside its target as a ``*.tmp`` file and fsynced;
    only when all are on disk are they renamed into place, in the order given (put an index
    last). A target that existed is hard-linked to a ``*.tmp`` backup first, so a rename that
    fails part-way is rolled back. A kill part-way through the renames can leave some targets
    new and some old, each whole; the ``*.tmp`` files it leaves are what ``annotator validate
    --fix`` removes.
    """
    staged: list[tuple[Path, str, str | None]] = []  # target, new content's tmp, old content's backup
    done: list[tuple[Path, str, str | None]] = []
    try:
        for path, data in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = _write_tmp(path, data)
            staged.append((path, tmp, None))
            if path.exists():
                old = _tmp_name(path, "old")
                os.link(path, old)
                staged[-1] = (path, tmp, old)
        for entry in staged:
            os.replace(entry[1], entry[0])
            done.append(entry)
    except BaseException:
        for target, _, previous in reversed(done):  # put back what was replaced, remove what was new
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
        raise
    for _, _, previous in staged:
        if previous is not None:
            os.unlink(previous)
    for folder in dict.fromkeys(path.parent for path, _ in files):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _tmp_name(path: Path, what: str) -> str:
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.{what}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.unlink(name)  # only the unique name is wanted: os.link needs it free
    return name


def _write_tmp(path: Path, data: bytes) -> str:
    """``data`` in a fsynced temporary file beside ``path``, with ``path``'s mode (else 0644)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes 0600 files; keep the old file's mode, else the usual 0644 (team workspaces).
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o644
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return tmp
