"""What one annotator's files and gold's taught, per agreement shard and summed, kept between runs.

``.cache/suggestions/<key>/totals-<name digest>/`` (``suggestions/lexicon`` owns the folder):

- ``shard-NNN.parquet``: the (entry, label, count) of the entity spans of the shard's files, with
  the shard's fingerprint;
- ``sum.parquet``: their sum over the shards, with the fingerprint of each shard it sums.

A shard's fingerprint (:meth:`Totals.fingerprints`) digests the agreement cache's key (format,
versions, the guidelines' files) and each of the shard's files: annotator, doc_id, size,
mtime_ns, inode, and the corpus index's sha256 and length of its text. A file added, removed or
written, a text changed in the index or other guidelines make it another, and that shard alone
is counted again. A shard with a file modified within ``RACY_NS`` before it was stat'ed (or that
could not be stat'ed) is never kept: the file may still change within its mtime's resolution.

Every file is written whole (temp + rename) and says what it was counted from, so concurrent
runs cannot mislead each other: a sum is corrected by a shard's old totals only when that
shard's file has the fingerprint the sum recorded, else the sum is made again from the shards.
Missing, unreadable or foreign files are counted again. The folder is safe to delete.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    import polars as pl

FORMAT = 1
SUM = -1  # the shard of a sum's count rows (a sum's other rows name the shards it sums)


def schema() -> dict[str, pl.DataType]:
    import polars as pl

    return {
        "shard": pl.Int64(),
        "fingerprint": pl.String(),
        "entry": pl.String(),
        "label": pl.String(),
        "count": pl.Int64(),
    }


def empty() -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame(schema=schema())


def summed(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """entry, label, count: the counts of ``frames`` (entry, label, count) added up, nothing at zero."""
    import polars as pl

    if not frames:
        return empty().select("entry", "label", "count")
    both = pl.concat([f.select("entry", "label", pl.col("count").cast(pl.Int64)) for f in frames])
    return both.group_by("entry", "label").agg(pl.col("count").sum()).filter(pl.col("count") != 0)


class Totals:
    """One annotator's totals in ``folder``; ``salt``: what every fingerprint depends on besides the files."""

    def __init__(self, folder: Path, salt: str) -> None:
        self.folder = folder
        self.salt = f"{FORMAT} {salt}".encode()
        self.writable = True

    def fingerprints(self, listed: pl.DataFrame, checked_ns: int) -> dict[int, tuple[str, bool]]:
        """shard -> (fingerprint, trusted) of the shards of the ``listed`` files (annotator,
        doc_id, size, mtime_ns, ino, sha256, chars, shard; stat'ed at ``checked_ns``)."""
        import polars as pl

        from annotator.core.agreement.cache import RACY_NS

        parts = ("annotator", "doc_id", "size", "mtime_ns", "ino", "sha256", "chars")
        line = pl.concat_str([pl.col(c).cast(pl.String).fill_null("?") for c in parts], separator=" ")
        clean = (pl.col("mtime_ns") < checked_ns - RACY_NS).fill_null(False).all()
        per = (
            listed.sort("shard", "annotator", "doc_id")
            .group_by("shard", maintain_order=True)
            .agg(line=line.str.join("\n"), trusted=clean)
        )
        return {
            shard: (hashlib.sha256(self.salt + b"\n" + text.encode()).hexdigest()[:32], trusted)
            for shard, text, trusted in per.iter_rows()
        }

    def current(self, now: dict[int, tuple[str, bool]], count: Callable[[set[int]], pl.DataFrame]) -> pl.DataFrame:
        """entry, label, count over the shards of ``now`` (shard -> (fingerprint, trusted), from
        :meth:`fingerprints`): the sum as kept, corrected by the shards whose fingerprint changed,
        which ``count(shards)`` (shard, entry, label, count) counts again; their totals and the
        new sum kept (those of shards that are not trusted left out: counted again next time)."""
        import polars as pl

        summed_before, recorded = self.read_sum()
        if recorded == {shard: fingerprint for shard, (fingerprint, _) in now.items()}:
            return summed_before
        changed = {s for s in recorded.keys() | now.keys() if recorded.get(s) != now.get(s, ("",))[0]}
        before = [self.read_shard(s, recorded[s]) for s in changed if s in recorded]
        base = [summed_before, *(b.with_columns(-pl.col("count")) for b in before if b is not None)]
        if any(b is None for b in before):  # the sum cannot be corrected: made again from the shards
            base, recorded = [], {}
            for s, (fingerprint, _) in now.items():
                if (counts := self.read_shard(s, fingerprint)) is not None:
                    base.append(counts)
                    recorded[s] = fingerprint
        recount = {s for s in now if recorded.get(s) != now[s][0]}
        counted = count(recount)
        parts = counted.partition_by("shard", as_dict=True, include_key=False)
        by_shard = {s: parts.get((s,), counted.clear().drop("shard")) for s in recount}
        kept = {s: now[s][0] for s in now if s not in recount or now[s][1]}
        for s in recount:
            if s in kept:
                self.write_shard(s, kept[s], by_shard[s])
        keep = summed([*base, *(by_shard[s] for s in recount if s in kept)])
        self.write_sum(keep, kept)
        return summed([keep, *(by_shard[s] for s in recount if s not in kept)])

    def read_sum(self) -> tuple[pl.DataFrame, dict[int, str]]:
        """(entry, label, count, {shard: fingerprint}) of the sum as last written (none: empty)."""
        import polars as pl

        frame = self._read(self.folder / "sum.parquet")
        counts = frame.filter(pl.col("shard") == SUM).select("entry", "label", "count")
        return counts, dict(frame.filter(pl.col("shard") != SUM).select("shard", "fingerprint").iter_rows())

    def read_shard(self, shard: int, fingerprint: str) -> pl.DataFrame | None:
        """entry, label, count of ``shard`` if its file was counted from files of that ``fingerprint``."""
        import polars as pl

        frame = self._read(self._shard_path(shard))
        if not frame.height or frame["fingerprint"][0] != fingerprint or frame["shard"][0] != shard:
            return None
        return frame.filter(pl.col("entry").is_not_null()).select("entry", "label", "count")

    def write_shard(self, shard: int, fingerprint: str, counts: pl.DataFrame) -> None:
        """``counts`` (entry, label, count) of ``shard``, counted from files of ``fingerprint``."""
        import polars as pl

        mark = pl.DataFrame(
            {"shard": [shard], "fingerprint": [fingerprint]}, schema={"shard": pl.Int64, "fingerprint": pl.String}
        )
        rows = counts.select(
            shard=pl.lit(shard, pl.Int64), fingerprint=pl.lit(fingerprint), entry="entry", label="label", count="count"
        )
        self._write(self._shard_path(shard), pl.concat([mark, rows], how="diagonal_relaxed"))

    def write_sum(self, counts: pl.DataFrame, shards: dict[int, str]) -> None:
        """``counts`` (entry, label, count): the sum over ``shards`` (shard -> fingerprint)."""
        import polars as pl

        marks = pl.DataFrame(
            {"shard": list(shards), "fingerprint": list(shards.values())},
            schema={"shard": pl.Int64, "fingerprint": pl.String},
        )
        rows = counts.select(shard=pl.lit(SUM, pl.Int64), entry="entry", label="label", count="count")
        self._write(self.folder / "sum.parquet", pl.concat([marks, rows], how="diagonal_relaxed"))

    def _shard_path(self, shard: int) -> Path:
        return self.folder / f"shard-{shard:03d}.parquet"

    def _read(self, path: Path) -> pl.DataFrame:
        import polars as pl

        try:
            frame = pl.read_parquet(path)
        except Exception:  # missing, truncated or foreign: counted again
            return empty()
        return frame if frame.schema == pl.Schema(schema()) else empty()

    def _write(self, path: Path, frame: pl.DataFrame) -> None:
        import polars as pl

        from annotator.core.jsonio import atomic_write_bytes

        if not self.writable:
            return
        buffer = io.BytesIO()
        frame.select(empty().columns).cast(pl.Schema(schema())).write_parquet(
            buffer, compression="lz4", statistics=False
        )
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, buffer.getvalue())
        except OSError:  # read-only workspace, full disk: counted again next time
            self.writable = False
