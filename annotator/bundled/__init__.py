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

from annotator.core.jsonio import fsync_folder, write_synced


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
            write_synced(target / item.name, item.read_bytes())
    fsync_folder(target)


# The durable writes a copy (and init, which builds a workspace from these files) is made of.
# An OSError from either names the file or folder, which a write on a descriptor does not.
