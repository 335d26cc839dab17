"""Reading annotation files into flat columns for the agreement tables (see agreement.input).

One chunk of files at a time, in the calling process or a worker process: each file is
read by :func:`annotator.core.annotations.loading.check`, the checks every reader of
annotation files applies (so the agreement refuses exactly what the store refuses, with
the same reason), compared with the corpus's text, skipped (counted) when
:func:`annotator.core.annotations.model.counts_as_annotated` says it is no annotation of
the document (an untouched ``not_started`` file, as adjudication and export skip it),
migrated in memory to the workspace's guidelines version if it declares another, and its
spans, events and arguments appended to plain lists, from which the chunk's tables are
built column-wise, never row by row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.core.annotations.loading import Flat, check, flatten, migrate_to, read_bytes, same_text
from annotator.core.annotations.model import counts_as_annotated
from annotator.core.errors import AnnotatorError
from annotator.core.guidelines.registry import registry

if TYPE_CHECKING:
    import polars as pl


@dataclass(slots=True)
class Columns:
    """The rows of some files as flat columns (``f`` is the file's number), filled file by
    file; :meth:`frames` makes the chunk's three tables at once. File numbers and offsets
    are ints, labels, ids, types and roles strings."""

    e_f: list[int] = field(default_factory=list)
    e_start: list[int] = field(default_factory=list)
    e_end: list[int] = field(default_factory=list)
    e_label: list[str] = field(default_factory=list)
    v_f: list[int] = field(default_factory=list)
    v_id: list[str] = field(default_factory=list)
    v_type: list[str] = field(default_factory=list)
    v_start: list[int] = field(default_factory=list)
    v_end: list[int] = field(default_factory=list)
    a_f: list[int] = field(default_factory=list)
    a_event: list[str] = field(default_factory=list)
    a_role: list[str] = field(default_factory=list)
    a_start: list[int] = field(default_factory=list)
    a_end: list[int] = field(default_factory=list)
    review: int = 0  # entities and events marked needs_review

    def frames(self) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        """spans (f, start, end, label), events (f, event_id, type, start, end),
        arguments (f, event_id, role, start, end). Built where the chunk was read: a worker
        sends Arrow columns back, cheaper to make and to pickle than Python lists."""
        import polars as pl

        def column(name: str) -> pl.Series:
            dtype = pl.Int32 if name.endswith("_f") else pl.Int64 if name.endswith(("start", "end")) else pl.String
            return pl.Series(getattr(self, name), dtype=dtype)

        spans = pl.DataFrame(
            {"f": column("e_f"), "start": column("e_start"), "end": column("e_end"), "label": column("e_label")}
        )
        events = pl.DataFrame(
            {
                "f": column("v_f"),
                "event_id": column("v_id"),
                "type": column("v_type"),
                "start": column("v_start"),
                "end": column("v_end"),
            }
        )
        arguments = pl.DataFrame(
            {
                "f": column("a_f"),
                "event_id": column("a_event"),
                "role": column("a_role"),
                "start": column("a_start"),
                "end": column("a_end"),
            }
        )
        return spans, events, arguments


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
    sha256: str  # of the document's text, from the corpus index
    chars: int  # its length: with sha256, the loader's Text (plain fields: cheap to send to a worker)


@dataclass
class ChunkResult:
    frames: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]  # see Columns.frames
    ok: list[int]  # file numbers read into the frames
    status: list[str]  # the status of each file of ``ok`` (done_only is a filter of the caller)
    review: list[int]  # its entities and events marked needs_review
    excluded: list[tuple[int, str]]  # file number, the one-line reason (naming the file)
    migrated: list[tuple[int, str]]  # file number, the guidelines version it declares
    not_started: list[int]  # untouched not_started files with nothing in them: no annotation of the document


def read_files(jobs: Sequence[Job], guidelines_dir: Path, target: str) -> ChunkResult:
    """Read, check, migrate and flatten annotation files into the chunk's tables (in a
    worker process for large jobs)."""
    guidelines = registry(guidelines_dir).snapshot()
    cols = Columns()
    out = ChunkResult((), [], [], [], [], [], [])  # type: ignore[arg-type]  # frames set at the end
    for job in jobs:
        try:
            raw = read_bytes(job.path)
            if raw is None:
                raise AnnotatorError("cannot read annotation file", job.path, "it is gone")
            checked = check(raw, job.path, doc_id=job.doc_id, guidelines=guidelines, text=job)
            same_text(checked.data["text_sha256"], job, job.path)
            if not counts_as_annotated(checked.data):
                out.not_started.append(job.f)
                continue
            flat, declared = checked.flat, checked.data["guidelines"]
            if declared != target:
                flat = flatten(migrate_to(checked.document(), guidelines, target, job.path)[0])
                out.migrated.append((job.f, declared))
        except AnnotatorError as exc:
            out.excluded.append((job.f, str(exc)))
            continue
        before = cols.review
        append(flat, job.f, cols)
        out.ok.append(job.f)
        out.status.append(str(checked.data.get("status", "in_progress")))
        out.review.append(cols.review - before)
    out.frames = cols.frames()
    return out
