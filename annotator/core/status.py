"""``annotator status``: where every annotator is, and the team as a whole, as plain data.

Computed from the agreement's parsed-table cache (:func:`annotator.core.agreement.input.load_rows`:
each annotation file read once through the loader, then reused while its size, mtime and
inode hold), so a second run on an unchanged workspace only lists and stats the files.

Per annotator (a folder of ``annotations/`` with a valid annotator name; ``gold`` is the
adjudicated set, reported on its own), over the documents of the corpus index, every
document is in exactly one of four buckets:

- ``not_started``: no file, or a file that is no annotation of the document (an untouched
  ``not_started`` file with nothing in it: :func:`~annotator.core.annotations.model.counts_as_annotated`);
- ``in_progress``: a file that counts as annotated and is not marked done (a ``not_started``
  file with annotations in it is here too);
- ``done``: a file whose status is ``done``;
- ``unreadable``: a file the loader refuses (what the app opens read-only or not at all: bad
  JSON, bad content, made for another text, not migratable), or whose document's stored text
  no longer matches the index. Never counted in another bucket.

Also per annotator: ``to_review_documents`` (readable files with annotations marked
needs_review, counted as opening counts them: migrated to the workspace's guidelines) and
``to_review`` (those annotations); ``adjudicated``: of the documents this annotator annotated,
how many have a gold file that counts as annotated; ``entities`` (label -> count) and
``events`` (event type -> count) over the readable files; ``last_edit``: the newest mtime of
the annotator's files of corpus documents, ISO 8601 UTC (``null``: no file).

Overall (the annotators together): ``documents`` in the corpus, ``touched`` (annotated by at
least one annotator), ``done_by_any``, ``done_by_all`` (every annotator listed; 0 without
annotators), ``adjudicated`` (documents whose gold file counts as annotated), ``unreadable``
(files), ``to_review_documents`` (documents where anyone has annotations to review),
``to_review``, ``entities``/``events`` summed, ``last_edit`` (annotators and gold).

JSON (:func:`to_json`, for scripts; keys stable, maps sorted by key)::

    {"format": 1, "guidelines": str, "documents": int,
     "overall": {"documents", "touched", "done_by_any", "done_by_all", "adjudicated", "unreadable",
                 "to_review_documents", "to_review", "entities": {label: n}, "events": {type: n},
                 "last_edit": str | null},
     "annotators": [{"name", "not_started", "in_progress", "done", "unreadable",
                     "to_review_documents", "to_review", "adjudicated", "entities", "events",
                     "last_edit"}, ...],  # by name
     "gold": null | {"adjudicated", "done", "unreadable", "to_review_documents", "to_review",
                     "entities", "events", "last_edit"},
     "left_out": [{"folder", "doc_id": str | null, "files": int, "reason"}, ...]}

``suggestions``: every annotator's decisions on suggestions (``suggestions/decisions/``), per
source and label: ``accepted``, ``rejected`` and ``rate`` (accepted of all decided; null when
none), whether a model helps or misleads; ``unreadable`` lists decision files counted nowhere::

    "suggestions": {"decisions": [{"source", "label", "accepted", "rejected", "rate"}, ...],
                    "unreadable": [str, ...]}

``left_out`` lists what is counted nowhere: folders of ``annotations/`` that are no annotator
(one entry each, with their number of ``*.json`` files) and files of documents the corpus
does not have (one entry each).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import orjson

from annotator.core.agreement.cache import EXCLUDED, KIND_EVENT, KIND_FILE, KIND_SPAN, KIND_TEXT, OK
from annotator.core.agreement.input import Progress, annotator_folders, load_rows, selection
from annotator.core.corpus import Corpus
from annotator.core.errors import AnnotatorError
from annotator.core.identity import GOLD
from annotator.core.suggestions.store import DecisionCount, decision_counts
from annotator.core.workspace import Workspace

if TYPE_CHECKING:
    import polars as pl

FORMAT = 1
DONE = "done"


@dataclass(frozen=True, slots=True)
class AnnotatorStatus:
    name: str
    not_started: int
    in_progress: int
    done: int
    unreadable: int
    to_review_documents: int
    to_review: int
    adjudicated: int
    entities: dict[str, int]
    events: dict[str, int]
    last_edit: str | None


@dataclass(frozen=True, slots=True)
class GoldStatus:
    adjudicated: int  # gold files that count as annotated
    done: int  # of them, marked done by a curator
    unreadable: int
    to_review_documents: int
    to_review: int
    entities: dict[str, int]
    events: dict[str, int]
    last_edit: str | None


@dataclass(frozen=True, slots=True)
class Overall:
    documents: int
    touched: int
    done_by_any: int
    done_by_all: int
    adjudicated: int
    unreadable: int
    to_review_documents: int
    to_review: int
    entities: dict[str, int]
    events: dict[str, int]
    last_edit: str | None


@dataclass(frozen=True, slots=True)
class LeftOut:
    folder: str
    doc_id: str | None  # None: the whole folder
    files: int
    reason: str


@dataclass(frozen=True, slots=True)
class StatusReport:
    guidelines: str
    documents: int
    overall: Overall
    annotators: tuple[AnnotatorStatus, ...]
    gold: GoldStatus | None
    left_out: tuple[LeftOut, ...]
    suggestions: tuple[DecisionCount, ...] = ()  # decisions on suggestions per source and label
    suggestions_unreadable: tuple[str, ...] = ()


def compute_status(
    workspace: Workspace,
    annotators: Iterable[str] | None = None,
    *,
    progress: Progress | None = None,
    workers: int | None = 1,
    use_cache: bool = True,
) -> StatusReport:
    """The status of ``annotators`` (default: every annotator folder) and of gold. Unknown
    annotator names raise AnnotatorError (one line each). Writes nothing but the cache."""
    import polars as pl

    corpus = Corpus(workspace.corpus_dir)
    names = None if annotators is None else tuple(annotators)
    chosen, _, problems = selection(workspace, names, corpus=corpus)
    if problems:
        raise AnnotatorError("\n".join(problems))
    _, others = annotator_folders(workspace)
    against = GOLD if GOLD in others else None
    files: list[pl.DataFrame] = []
    labels: list[pl.DataFrame] = []
    left_out: list[LeftOut] = []
    columns = ("kind", "annotator", "doc_id", "label", "outcome", "review", "reason", "mtime_ns")
    for rows, before in load_rows(
        workspace,
        annotators=names,
        against=against,
        progress=progress,
        workers=workers,
        use_cache=use_cache,
        columns=columns,
    ):
        left_out += [_left_out(x) for x in before]
        bad = _bad_texts(rows)
        files.append(_owned(_files(rows, bad)))
        labels.append(_owned(_labels(rows, bad)))
        del rows
    table = pl.concat(files) if files else _files(None, None)
    counts = pl.concat(labels) if labels else pl.DataFrame()
    documents = len(corpus)
    gold = _gold(table.filter(pl.col("annotator") == GOLD), counts) if against else None
    gold_docs = table.filter((pl.col("annotator") == GOLD) & pl.col("readable"))["doc_id"].implode()
    mine = table.filter(pl.col("annotator") != GOLD)
    people = tuple(_annotator(name, mine, counts, documents, gold_docs) for name in chosen)
    decided, unreadable = decision_counts(workspace.root)
    return StatusReport(
        guidelines=workspace.config.guidelines,
        documents=documents,
        overall=_overall(
            mine, people, documents, gold, [*(p.last_edit for p in people), gold.last_edit if gold else None]
        ),
        annotators=people,
        gold=gold,
        left_out=tuple(sorted(left_out, key=lambda x: (x.folder, x.doc_id or ""))),
        suggestions=tuple(decided),
        suggestions_unreadable=tuple(unreadable),
    )


def _files(rows: pl.DataFrame | None, bad_texts: pl.Series | None) -> pl.DataFrame:
    """One row per file: annotator, doc_id, readable (counts as annotated, kept), unreadable,
    done, review, mtime_ns. A readable file of a document whose text no longer matches the
    index (``bad_texts``) is unreadable, as the agreement leaves it out."""
    import polars as pl

    columns = {"annotator": pl.String, "doc_id": pl.String, "readable": pl.Boolean, "unreadable": pl.Boolean}
    columns |= {"done": pl.Boolean, "review": pl.Int64, "mtime_ns": pl.Int64}
    if rows is None or bad_texts is None:
        return pl.DataFrame(schema=columns)
    bad = (pl.col("outcome") == EXCLUDED) | ((pl.col("outcome") == OK) & pl.col("doc_id").is_in(bad_texts))
    return rows.filter(pl.col("kind") == KIND_FILE).select(
        "annotator",
        "doc_id",
        readable=(pl.col("outcome") == OK) & ~bad,
        unreadable=bad,
        done=(pl.col("outcome") == OK) & ~bad & (pl.col("label") == DONE),
        review=pl.when((pl.col("outcome") == OK) & ~bad).then(pl.col("review").fill_null(0)).otherwise(0),
        mtime_ns="mtime_ns",
    )


def _owned(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its strings copied: a polars string column cut from a part's rows is a view
    of their buffers, which would keep every part's rows alive to the end (100k cold: 2.9 -> 2.2 GB)."""
    import polars as pl

    strings = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(pl.Series(name, frame[name].to_list(), dtype=pl.String) for name in strings)


def _bad_texts(rows: pl.DataFrame) -> pl.Series:
    """The documents whose stored text no longer matches the index (imploded, for is_in)."""
    import polars as pl

    return rows.filter((pl.col("kind") == KIND_TEXT) & pl.col("reason").is_not_null())["doc_id"].implode()


def _labels(rows: pl.DataFrame, bad_texts: pl.Series) -> pl.DataFrame:
    """annotator, kind, label, len: the entities and events of readable files (the cache holds
    the rows of files the loader passed only; those of documents whose text changed, ``bad_texts``,
    are dropped)."""
    import polars as pl

    marks = rows.lazy().filter(pl.col("kind").is_in([KIND_SPAN, KIND_EVENT]))
    if bad_texts.list.len()[0]:
        marks = marks.filter(~pl.col("doc_id").is_in(bad_texts))
    return marks.group_by("annotator", "kind", "label").len().collect()


def _label_maps(counts: pl.DataFrame, who: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    import polars as pl

    if not counts.height:
        return {}, {}
    mine = counts.filter(pl.col("annotator").is_in(who)).group_by("kind", "label").agg(pl.col("len").sum())
    maps: tuple[dict[str, int], dict[str, int]] = ({}, {})
    for kind, label, n in mine.sort("label").iter_rows():
        maps[0 if kind == KIND_SPAN else 1][label] = int(n)
    return maps


def _iso(mtime_ns: int | None) -> str | None:
    if mtime_ns is None:
        return None
    when = dt.datetime.fromtimestamp(mtime_ns / 1e9, tz=dt.UTC)
    return when.isoformat(timespec="seconds").replace("+00:00", "Z")


def _newest(files: pl.DataFrame) -> int | None:
    value = files["mtime_ns"].max()
    return None if value is None else int(value)  # type: ignore[arg-type]


def _annotator(
    name: str, files: pl.DataFrame, counts: pl.DataFrame, documents: int, gold: pl.Series
) -> AnnotatorStatus:
    import polars as pl

    own = files.filter(pl.col("annotator") == name)
    readable = own.filter(pl.col("readable"))
    done = int(own["done"].sum())
    unreadable = int(own["unreadable"].sum())
    entities, events = _label_maps(counts, [name])
    return AnnotatorStatus(
        name=name,
        not_started=documents - readable.height - unreadable,
        in_progress=readable.height - done,
        done=done,
        unreadable=unreadable,
        to_review_documents=int((own["review"] > 0).sum()),
        to_review=int(own["review"].sum()),
        adjudicated=readable.filter(pl.col("doc_id").is_in(gold)).height,
        entities=entities,
        events=events,
        last_edit=_iso(_newest(own)),
    )


def _gold(files: pl.DataFrame, counts: pl.DataFrame) -> GoldStatus:
    entities, events = _label_maps(counts, [GOLD])
    return GoldStatus(
        adjudicated=int(files["readable"].sum()),
        done=int(files["done"].sum()),
        unreadable=int(files["unreadable"].sum()),
        to_review_documents=int((files["review"] > 0).sum()),
        to_review=int(files["review"].sum()),
        entities=entities,
        events=events,
        last_edit=_iso(_newest(files)),
    )


def _overall(
    files: pl.DataFrame,
    people: tuple[AnnotatorStatus, ...],
    documents: int,
    gold: GoldStatus | None,
    edits: list[str | None],
) -> Overall:
    import polars as pl

    per_doc = files.group_by("doc_id").agg(
        touched=pl.col("readable").any(), done=pl.col("done").sum(), review=pl.col("review").sum()
    )
    entities: dict[str, int] = {}
    events: dict[str, int] = {}
    for p in people:
        for total, part in ((entities, p.entities), (events, p.events)):
            for label, n in part.items():
                total[label] = total.get(label, 0) + n
    return Overall(
        documents=documents,
        touched=int(per_doc["touched"].sum()),
        done_by_any=int((per_doc["done"] > 0).sum()),
        done_by_all=int((per_doc["done"] == len(people)).sum()) if people else 0,
        adjudicated=gold.adjudicated if gold else 0,
        unreadable=sum(p.unreadable for p in people),
        to_review_documents=int((per_doc["review"] > 0).sum()),
        to_review=sum(p.to_review for p in people),
        entities=dict(sorted(entities.items())),
        events=dict(sorted(events.items())),
        last_edit=max((e for e in edits if e), default=None),
    )


def _left_out(entry: dict[str, Any]) -> LeftOut:
    return LeftOut(entry["annotator"], entry["doc_id"], entry.get("files", 1), entry["reason"])


def to_dict(report: StatusReport) -> dict[str, Any]:
    """The JSON-ready dict (see the module docstring)."""
    out = asdict(report)
    annotators = out.pop("annotators")
    gold, left_out = out.pop("gold"), out.pop("left_out")
    del out["suggestions"]
    suggestions = {
        "decisions": [{**asdict(c), "rate": c.rate} for c in report.suggestions],
        "unreadable": list(out.pop("suggestions_unreadable")),
    }
    return {
        "format": FORMAT,
        **out,
        "annotators": annotators,
        "gold": gold,
        "left_out": left_out,
        "suggestions": suggestions,
    }


def to_json(report: StatusReport) -> bytes:
    return orjson.dumps(to_dict(report), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
