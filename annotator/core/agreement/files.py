"""Reading annotation files into flat columns for the agreement tables (see agreement.input).

One chunk of files at a time, in the calling process or a worker process: each file is
parsed with orjson, checked as ``AnnotationStore.read`` would, migrated in memory to the
workspace's guidelines version, and its spans, events and arguments appended to plain
arrays (strings as codes), so the tables are built column-wise, never row by row.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from annotator.core.annotations.model import STATUSES, DocumentAnnotations
from annotator.core.errors import AnnotatorError

if TYPE_CHECKING:
    import polars as pl


class Columns:
    """The rows of some files as flat columns, strings as codes into ``words``; ``f`` is
    the file's number. Lists while filling; :meth:`pack` makes arrays (cheap to pickle)."""

    INTS = ("e_start", "e_end", "v_start", "v_end", "a_start", "a_end")
    CODES = ("e_f", "e_label", "v_f", "v_id", "v_type", "a_f", "a_event", "a_role")

    def __init__(self) -> None:
        self.words: dict[str, int] = {}
        for name in self.INTS + self.CODES:
            setattr(self, name, [])
        self.dangling = 0
        self.review = 0

    def codes(self, values: list[str]) -> list[int]:
        words = self.words
        for value in set(values).difference(words):
            words[value] = len(words)
        return list(map(words.__getitem__, values))

    def pack(self) -> Columns:
        for name in self.INTS:
            setattr(self, name, array("q", getattr(self, name)))
        for name in self.CODES:
            setattr(self, name, array("i", getattr(self, name)))
        return self

    def frames(self) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        """spans (f, start, end, label), events (f, event_id, type, start, end),
        arguments (f, event_id, role, start, end)."""
        import polars as pl

        words = pl.Series(list(self.words), dtype=pl.String)

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


OFFSET_LIMIT = 2**62  # offsets beyond this are nonsense (and would not fit the arrays)


def extract(data: dict[str, Any], f: int, out: Columns, review: bool = True) -> bool:
    """Append the rows of one file (a dict in the store's format) to ``out``.

    False, with nothing appended, when a value has a type the store would convert
    (e.g. a numeric string offset; such files go through :class:`DocumentAnnotations`)
    or an offset is out of all range. A bad structure raises KeyError, TypeError...
    before anything is appended. ``review=False``: the file is known to hold no
    ``needs_review`` (saves counting them).
    """
    ents = data.get("entities", ())
    e_start = [e["start"] for e in ents]
    e_end = [e["end"] for e in ents]
    e_label = [e["label"] for e in ents]
    e_ids = [e["id"] for e in ents]
    evs = data.get("events", ())
    v_id = [ev["id"] for ev in evs]
    v_type = [ev["type"] for ev in evs]
    triggers = [ev["trigger"] for ev in evs]
    v_start = [t["start"] for t in triggers]
    v_end = [t["end"] for t in triggers]
    arg_lists = [ev.get("arguments", ()) for ev in evs]
    a_role = [a["role"] for args in arg_lists for a in args]
    a_entity = [a["entity"] for args in arg_lists for a in args]
    a_event = [i for i, args in zip(v_id, arg_lists) for _ in args]
    flagged = 0
    if review:
        flagged = sum(1 for x in ents if x.get("needs_review")) + sum(1 for x in evs if x.get("needs_review"))
    offsets = e_start + e_end + v_start + v_end
    if (set(map(type, offsets)) - {int}
            or set(map(type, e_label + e_ids + v_id + v_type + a_role + a_entity)) - {str}
            or (offsets and (min(offsets) <= -OFFSET_LIMIT or max(offsets) >= OFFSET_LIMIT))):
        return False
    if any(":" in t for t in v_type):  # as DocumentAnnotations reads it
        v_type = [t.replace(":", ".") for t in v_type]
    where = dict(zip(e_ids, zip(e_start, e_end)))
    found = [where.get(x) for x in a_entity]
    if None in found:
        out.dangling += found.count(None)
        keep = [i for i, x in enumerate(found) if x is not None]
        a_role = [a_role[i] for i in keep]
        a_event = [a_event[i] for i in keep]
        found = [found[i] for i in keep]
    out.review += flagged
    out.e_f += [f] * len(e_start)
    out.e_start += e_start
    out.e_end += e_end
    out.e_label += out.codes(e_label)
    out.v_f += [f] * len(v_start)
    out.v_id += out.codes(v_id)
    out.v_type += out.codes(v_type)
    out.v_start += v_start
    out.v_end += v_end
    out.a_f += [f] * len(found)
    out.a_event += out.codes(a_event)
    out.a_role += out.codes(a_role)
    out.a_start += [s for s, _ in found]
    out.a_end += [e for _, e in found]
    return True


@dataclass(slots=True)
class Job:
    f: int  # the file's number
    annotator: str
    doc_id: str
    path: str
    sha256: str  # of the document's text, from the corpus index


@dataclass
class ChunkResult:
    columns: Columns
    ok: list[int]  # file numbers read into columns
    excluded: list[tuple[int, str]]
    migrate: list[tuple[int, dict[str, Any]]]  # files under another guidelines version
    not_done: int


def read_files(jobs: Sequence[Job], guidelines: str, done_only: bool, pack: bool = False) -> ChunkResult:
    """Read, check and flatten annotation files (in a worker process for large jobs, which
    ``pack``s the columns for the trip back)."""
    cols = Columns()
    result = ChunkResult(cols, [], [], [], 0)
    for job in jobs:
        try:
            with open(job.path, "rb") as handle:
                raw = handle.read()
        except OSError as exc:
            result.excluded.append((job.f, f"cannot read the file ({exc.strerror or exc})"))
            continue
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            result.excluded.append((job.f, f"not valid JSON ({exc})"))
            continue
        try:
            if not isinstance(data, dict):
                raise TypeError("the file holds no JSON object")
            if str(data["doc_id"]) != job.doc_id:
                result.excluded.append((job.f, f"the file is for document {data['doc_id']!r}"))
                continue
            status = str(data.get("status", "in_progress"))
            if status not in STATUSES:
                result.excluded.append((job.f, f"unknown status {status!r}"))
                continue
            if str(data["text_sha256"]) != job.sha256:
                result.excluded.append(
                    (job.f, "the document text changed since these annotations were made (text_sha256 differs)")
                )
                continue
            if done_only and status != "done":
                result.not_done += 1
                continue
            if str(data["guidelines"]) != guidelines:
                DocumentAnnotations.from_json(data)  # a bad structure shows here, not after migrating
                result.migrate.append((job.f, data))
                continue
            if not extract(data, job.f, cols, b'"needs_review"' in raw):  # odd types: read it as the store does
                if not extract(DocumentAnnotations.from_json(data).to_json(), job.f, cols):
                    raise ValueError("an offset is out of range")
            result.ok.append(job.f)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError) as exc:
            result.excluded.append((job.f, f"bad structure ({type(exc).__name__}: {exc})"))
    if pack:
        cols.pack()
    return result


class Migrator:
    """migrate() with the chain of schemas loaded once per starting version."""

    def __init__(self, guidelines_dir: Path, target: str):
        self.dir = guidelines_dir
        self.target = target
        self.chains: dict[str, list | None] = {}

    def __call__(self, doc: DocumentAnnotations) -> DocumentAnnotations:
        from annotator.core.guidelines import migration

        chain = self.chains.get(doc.guidelines, False)
        if chain is False:
            try:
                chain = migration._chain(doc, self.dir, self.target)
            except AnnotatorError:
                chain = None
            self.chains[doc.guidelines] = chain
        if chain is None:  # the public path, for the exact message about this document
            return migration.migrate(doc, self.dir, self.target)[0]
        for schema in chain:
            doc, _ = migration._step(doc, schema)
        return doc
