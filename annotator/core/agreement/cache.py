"""The parsed-table cache of the agreement: what reading each annotation file gave, and each text's tokens.

Kept in ``<workspace>/.cache/agreement/<key>/`` (a ``CACHEDIR.TAG`` beside, ``.cache/`` in the
workspace's ``.gitignore``), where ``<key>`` digests :data:`FORMAT`, the annotator version, the
workspace's guidelines version and every file of its guidelines folder (what the loader checks
against): any change of them starts a new folder, and the old ones are removed.
``manifest.json`` there says what the key was made of.

The folder holds :data:`SHARDS` Parquet files, a document in shard :func:`shard_of` (its id's
stable hash), each holding every annotator's files of its documents in one long table
(:func:`schema`; one row per thing, ``kind`` saying which):

- ``KIND_FILE``: one annotation file: ``annotator``, ``doc_id``, its identity when read
  (``size``, ``mtime_ns``, ``ino``), ``checked_ns`` (when it was stat'ed), ``sha256`` (the index's
  sha256 of the text it was checked against), ``outcome`` (:data:`OK`, :data:`EXCLUDED` with the
  loader's one-line ``reason``, :data:`NOT_STARTED`), ``label`` (its status, so that
  ``done_only`` is a filter when asked), ``migrated`` (the version it declared, if migrated),
  ``review`` (its annotations marked needs_review);
- ``KIND_SPAN`` (start, end, label), ``KIND_EVENT`` (event_id, label: the type, start, end),
  ``KIND_ARGUMENT`` (event_id, label: the role, start, end): a file's rows, in file order;
- ``KIND_TEXT``: a document's text: ``sha256``, the text file's identity, ``end`` its length
  and its tokens (``starts``, ``ends``: lists), or ``reason`` why it cannot be used.

A row is reused only while its file's identity and the index's sha256 are unchanged and the file
was not modified within :data:`RACY_NS` before it was stat'ed (as git treats racily clean files).
Each shard is written whole (temporary file, rename), so concurrent runs cannot corrupt one
(the last writer wins, and whatever it wrote is checked again next time). A shard that cannot
be read or has another schema is ignored (rebuilt); a cache that cannot be written (read-only
workspace, full disk) is not written, and everything is read from the workspace as without it.
The whole folder is safe to delete.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from annotator.core.jsonio import atomic_write_bytes

if TYPE_CHECKING:
    import polars as pl

    from annotator.core.workspace import Workspace

FORMAT = 1
SHARDS = 128
RACY_NS = 2_000_000_000  # a file modified less than this before it was stat'ed is read again next time
STALE_TEMP_S = 600  # a temporary shard older than this was left by a killed run
FOLDER = Path(".cache") / "agreement"
TAG = b"Signature: 8a477f597d28d172789f06886806bc55\n# the agreement's parsed-table cache (annotator); safe to delete\n"

KIND_FILE, KIND_SPAN, KIND_EVENT, KIND_ARGUMENT, KIND_TEXT = range(5)
OK, EXCLUDED, NOT_STARTED = range(3)


def schema() -> dict[str, Any]:
    import polars as pl

    i64, s = pl.Int64, pl.String
    return {
        "kind": pl.Int8,
        "annotator": s,
        "doc_id": s,
        "start": i64,
        "end": i64,
        "label": s,
        "event_id": s,
        "reason": s,
        "migrated": s,
        "review": i64,
        "outcome": pl.Int8,
        "sha256": s,
        "size": i64,
        "mtime_ns": i64,
        "ino": i64,
        "checked_ns": i64,
        "starts": pl.List(i64),
        "ends": pl.List(i64),
    }


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every column of :func:`schema`, in its order (missing ones null)."""
    import polars as pl

    return frame.select(
        [
            pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype=dtype).alias(name)
            for name, dtype in schema().items()
        ]
    )


def empty() -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame(schema=schema())


def shard_of(doc_id: str) -> int:
    """The shard of a document: a hash of its id that never changes between runs or machines."""
    return int.from_bytes(hashlib.blake2b(doc_id.encode(), digest_size=4).digest(), "big") % SHARDS


def identity(st: os.stat_result) -> tuple[int, int, int]:
    return st.st_size, st.st_mtime_ns, st.st_ino


def trusted(row_identity: tuple[int, int, int], checked_ns: int) -> bool:
    """Whether a row read from a file with ``row_identity`` (stat'ed at ``checked_ns``) still
    stands for a file of that identity: not racily clean."""
    return row_identity[1] < checked_ns - RACY_NS


def now_ns() -> int:
    return time.time_ns()


class Cache:
    """The shards of one workspace; ``folder`` None: no cache (nothing read, nothing written)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.writable = folder is not None

    @classmethod
    def of(cls, workspace: Workspace, enabled: bool = True) -> Cache:
        """The workspace's cache for its current guidelines, made if missing (else read-only or none)."""
        if not enabled:
            return cls(None)
        from annotator import __version__

        parts = {"format": FORMAT, "annotator": __version__, "guidelines": workspace.config.guidelines}
        parts["guidelines_digest"] = _digest(workspace.guidelines_dir)
        key = hashlib.sha256(orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]
        top = workspace.root / FOLDER
        cache = cls(top / key)
        try:
            if not (top / "CACHEDIR.TAG").exists():
                top.mkdir(parents=True, exist_ok=True)
                atomic_write_bytes(top / "CACHEDIR.TAG", TAG)
            if not (top / key / "manifest.json").exists():
                (top / key).mkdir(exist_ok=True)
                atomic_write_bytes(top / key / "manifest.json", orjson.dumps(parts, option=orjson.OPT_INDENT_2))
                for old in top.iterdir():  # other keys: other guidelines or versions, never read again
                    if old.name != key and old.is_dir():
                        shutil.rmtree(old, ignore_errors=True)
            for tmp in (top / key).glob(".*.tmp"):  # a write that was killed (one under way is younger)
                if tmp.stat().st_mtime < time.time() - STALE_TEMP_S:
                    tmp.unlink(missing_ok=True)
        except OSError:
            cache.writable = False
        return cache

    def path(self, shard: int) -> Path | None:
        return None if self.folder is None else self.folder / f"shard-{shard:03d}.parquet"

    def read(self, shard: int, columns: list[str] | None = None) -> pl.DataFrame | None:
        """The shard's table (``columns``: only these), or None (missing, unreadable, not ours: rebuilt)."""
        import polars as pl

        path = self.path(shard)
        if path is None:
            return None
        try:
            frame = pl.read_parquet(path, columns=columns)
        except FileNotFoundError:
            return None
        except Exception:  # truncated, corrupt or foreign: never trusted
            return None
        return frame if frame.schema == _expected(columns) else None

    def read_many(self, shards: list[int], columns: list[str] | None = None) -> pl.DataFrame:
        """The rows of ``shards`` (``columns``: only these), read together (one by one, the
        unusable ones left out, if any of them cannot be read)."""
        import polars as pl

        paths = [p for s in shards if (p := self.path(s)) is not None and p.exists()]
        if paths:
            try:
                frame = pl.read_parquet(paths, columns=columns)
            except Exception:  # one is truncated, corrupt or foreign
                pass
            else:
                if frame.schema == _expected(columns):
                    return frame
        none = empty() if columns is None else empty().select(columns)
        return pl.concat([none, *(rows for s in shards if (rows := self.read(s, columns)) is not None)])

    def write(self, shard: int, frame: pl.DataFrame) -> None:
        """Replace the shard whole; a failure (read-only, full disk) turns the cache off for this run."""
        path = self.path(shard)
        if path is None or not self.writable:
            return
        buffer = io.BytesIO()
        frame.write_parquet(buffer, compression="lz4", statistics=False)
        try:
            atomic_write_bytes(path, buffer.getvalue())
        except OSError:
            self.writable = False


def _expected(columns: list[str] | None) -> pl.Schema:
    """The schema a shard read with ``columns`` has (None: all)."""
    import polars as pl

    full = schema()
    return pl.Schema(full if columns is None else {name: full[name] for name in columns})


def _digest(folder: Path) -> str:
    """sha256 over every file of the guidelines folder (relative names and contents)."""
    digest = hashlib.sha256()
    for root, dirs, names in sorted(os.walk(folder)):
        dirs.sort()
        for name in sorted(names):
            path = Path(root) / name
            try:
                data = path.read_bytes()
            except OSError:
                data = b"\0unreadable"
            digest.update(orjson.dumps([str(path.relative_to(folder)), len(data)]))
            digest.update(data)
    return digest.hexdigest()
