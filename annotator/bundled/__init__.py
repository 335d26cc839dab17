"""What the program ships besides its code: the default guidelines and the seed corpus.

The repository is itself a workspace, so the files live once, in its top-level
``guidelines/`` and ``corpus/`` folders; here ``guidelines`` and ``corpus`` are symbolic
links to them. Building a wheel copies the files themselves into it
(``[tool.setuptools.package-data]`` in pyproject.toml), so an installed program carries
them. They are read through :mod:`importlib.resources`, which finds them wherever the
package was installed from (source tree, editable install, wheel, zip).
"""

from __future__ import annotations

import os
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path


def guidelines() -> Traversable:
    """The bundled guidelines: one folder per version holding schema.toml and guidelines.md."""
    return files(__name__) / "guidelines"


def seed_corpus() -> Traversable:
    """The seed corpus: five Arabic news articles (``*.txt``) and their ``index.jsonl``."""
    return files(__name__) / "corpus"


def copy_tree(source: Traversable, target: Path) -> None:
    """Copy a bundled folder into ``target`` (created if missing; its parent must exist), file by
    file, bytes unchanged, each file and folder fsynced: what ``init`` moves into place is on disk."""
    if not target.is_dir():
        os.mkdir(target)
    for item in source.iterdir():
        if item.is_dir():
            copy_tree(item, target / item.name)
        else:
            write_file(target / item.name, item.read_bytes())
    fsync_folder(target)


# The durable writes a copy (and init, which builds a workspace from these files) is made of.
# An OSError from either names the file or folder, which a write on a descriptor does not.


def write_file(path: Path, data: bytes) -> None:
    """``data`` written to ``path`` (0644 when new) and fsynced."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
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
    """The folder's entries (a file made in it, a rename into it) on disk."""
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
