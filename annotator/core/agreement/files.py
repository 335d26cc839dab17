"""Reading annotation files into flat columns for the agreement tables (see agreement.input).

One chunk of files at a time, in the calling process or a worker process: each file is
read by :func:`annotator.core.annotations.loading.check`, the checks every reader of
annotation files applies (so the agreement refuses exactly what the store refuses, with
the same reason), compared with the corpus's text, migrated in memory to the
workspace's guidelines version if it declares another, and its spans, events and
arguments appended to plain arrays (strings as codes), so the tables are built
column-wise, never row by row.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.core.annotations.loading import Flat, check, flatten, migrate_to, read_bytes, same_text
from annotator.core.corpus import DocumentInfo
from annotator.core.errors import AnnotatorError
from annotator.core.guidelines.registry import registry

if TYPE_CHECKING:
    import polars as pl


class Columns:
    """The rows of some files as flat columns; ``f`` is the file's number. Lists while
    filling; :meth:`pack` makes arrays, strings as codes into ``words`` (cheap to pickle,
    and encoded once per chunk rather than per file)."""

    INTS = ("e_start", "e_end", "v_start", "v_end", "a_start", "a_end")
    FILES = ("e_f", "v_f", "a_f")
    TEXTS = ("e_label", "v_id", "v_type", "a_event", "a_role")

    def __init__(self) -> None:
        self.words: list[str] = []
        for name in self.INTS + self.FILES + self.TEXTS:
            setattr(self, name, [])
        self.review = 0  # entities and events marked needs_review
        self.packed = False

    def pack(self) -> Columns:
        if self.packed:
            return self
        index: dict[str, int] = {}
        for name in self.TEXTS:
            values = getattr(self, name)
            for value in set(values).difference(index):
                index[value] = len(index)
            setattr(self, name, array("i", map(index.__getitem__, values)))
        self.words = list(index)
        for name in self.INTS:
            setattr(self, name, array("q", getattr(self, name)))
        for name in self.FILES:
            setattr(self, name, array("i", getattr(self, name)))
        self.packed = True
        return self

    def frames(self) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        """spans (f, start, end, label), events (f, event_id, type, start, end),
        arguments (f, event_id, role, start, end)."""
        import polars as pl

        self.pack()
        words = pl.Series(self.words, dtype=pl.String)

        def ints(name: str) -> pl.Series:
            return series(getattr(self, name), pl.Int64)

        def number(name: str) -> pl.Series:
            return series(getattr(self, name), pl.Int32)

        def text(name: str) -> pl.Series:
            return words.gather(number(name))

        spans = pl.DataFrame({"f": number("e_f"), "start": ints("e_start"), "end": ints("e_end"),
                              "label": text("e_label")})
        events = pl.DataFrame({"f": number("v_f"), "event_id": text("v_id"), "type": text("v_type"),
                               "start": ints("v_start"), "end": ints("v_end")})
        arguments = pl.DataFrame({"f": number("a_f"), "event_id": text("a_event"), "role": text("a_role"),
                                  "start": ints("a_start"), "end": ints("a_end")})
        return spans, events, arguments


def series(values: list[int] | array, dtype: Any) -> pl.Series:
    """A polars Series of ``values`` (a list, or an array as pickled from a worker)."""
    import polars as pl

    if isinstance(values, array):
        try:  # numpy, when present, takes the buffer as is
            import numpy as np
        except ImportError:
            values = values.tolist()
        else:
            return pl.Series(np.frombuffer(values, dtype=np.int64 if values.typecode == "q" else np.int32)).cast(dtype)
    return pl.Series(values, dtype=dtype, strict=True)


def append(flat: Flat, f: int, out: Columns) -> None:
    """Append the rows of one checked file (file number ``f``) to ``out``; an argument's
    span is its entity's."""
    found = flat.argument_entities()
    out.review += flat.review
    out.e_f += [f] * len(flat.e_start)
    out.e_start += flat.e_start
    out.e_end += flat.e_end
    out.e_label += flat.e_label
    out.v_f += [f] * len(flat.v_start)
    out.v_id += flat.v_id
    out.v_type += flat.v_type
    out.v_start += flat.v_start
    out.v_end += flat.v_end
    out.a_f += [f] * len(found)
    out.a_event += flat.a_event
    out.a_role += flat.a_role
    out.a_start += map(flat.e_start.__getitem__, found)
    out.a_end += map(flat.e_end.__getitem__, found)


@dataclass(slots=True)
class Job:
    f: int  # the file's number
    annotator: str
    doc_id: str
    path: str
    text: DocumentInfo  # the document, from the corpus index


@dataclass
class ChunkResult:
    columns: Columns
    ok: list[int]  # file numbers read into columns
    excluded: list[tuple[int, str]]  # file number, the one-line reason (naming the file)
    migrated: list[tuple[int, str]]  # file number, the guidelines version it declares
    not_done: int


def read_files(jobs: Sequence[Job], guidelines_dir: Path, target: str, done_only: bool,
               pack: bool = False) -> ChunkResult:
    """Read, check, migrate and flatten annotation files (in a worker process for large
    jobs, which ``pack``s the columns for the trip back)."""
    guidelines = registry(guidelines_dir).snapshot()
    cols = Columns()
    result = ChunkResult(cols, [], [], [], 0)
    for job in jobs:
        try:
            raw = read_bytes(job.path)
            if raw is None:
                raise AnnotatorError("cannot read annotation file", job.path, "it is gone")
            checked = check(raw, job.path, doc_id=job.doc_id, guidelines=guidelines, text=job.text)
            same_text(checked.data["text_sha256"], job.text, job.path)
            if done_only and checked.data.get("status", "in_progress") != "done":
                result.not_done += 1
                continue
            flat, declared = checked.flat, checked.data["guidelines"]
            if declared != target:
                flat = flatten(migrate_to(checked.document(), guidelines, target, job.path)[0])
                result.migrated.append((job.f, declared))
        except AnnotatorError as exc:
            result.excluded.append((job.f, str(exc)))
            continue
        append(flat, job.f, cols)
        result.ok.append(job.f)
    if pack:
        cols.pack()
    return result
