"""One document in the export format, with its counts; many documents on several processes.

Reading and tokenizing are most of an export's time, so large exports (``PARALLEL_MIN``
documents or more, on a machine with several CPUs and ``fork``) render documents in worker
processes, in batches, and get them back in order. Each worker reads the annotation files
and the texts itself, selects, migrates and renders them in one pass, so no process holds
more than a batch of documents at a time.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from annotator.core.annotations.loading import migrate_to, same_text
from annotator.core.annotations.model import DocumentAnnotations, counts_as_annotated
from annotator.core.corpus import Corpus, sha256_text
from annotator.core.errors import AnnotatorError
from annotator.core.export import conll, docbin, hf, jsonl
from annotator.core.export.split import split_of
from annotator.core.export.tagging import Misaligned, tag_document

if TYPE_CHECKING:
    from annotator.core.annotations.store import AnnotationStore
    from annotator.core.guidelines.registry import Registry

PARALLEL_MIN = 400  # documents; fewer are rendered in this process
BATCH = 64
MAX_WORKERS = 8


@dataclass(slots=True)
class Rendered:
    data: bytes
    depth: int = 1  # entity tag columns (conll)
    labels: Counter = field(default_factory=Counter)
    event_types: Counter = field(default_factory=Counter)
    dropped: Counter = field(default_factory=Counter)
    counts: Counter = field(default_factory=Counter)
    first_misaligned: Misaligned | None = None


def render_document(doc: DocumentAnnotations, text: str, options: Any) -> Rendered:
    """``doc`` in ``options.format`` (conll without padding: ``depth`` says how many entity columns)."""
    review = sum(1 for x in doc.entities if x.needs_review) + sum(1 for x in doc.events if x.needs_review)
    if options.format == "jsonl":
        data, tokens, sentences = jsonl.render(doc, text, options.source, options.tokens)
        return Rendered(
            data,
            labels=Counter(e.label for e in doc.entities),
            event_types=Counter(v.type for v in doc.events),
            counts=Counter(tokens=tokens, sentences=sentences, needs_review=review),
        )
    tagged = tag_document(
        text,
        doc,
        tokens=options.tokens,
        scheme=options.scheme,
        nested=options.nested,
        events=options.events,
        misaligned=options.misaligned,
    )
    if options.format == "conll":
        data = conll.render(tagged).encode("utf-8")
    elif options.format == "spacy":
        data = docbin.render(tagged, text)
    else:
        data = hf.render(tagged)
    counts = Counter(
        tokens=len(tagged.words),
        sentences=len(tagged.sentences),
        needs_review=review,
        dropped_triggers=tagged.dropped_triggers,
        unaligned_spans=tagged.unaligned,
        widened_spans=tagged.widened,
        dropped_misaligned=tagged.dropped_misaligned,
        merged_sentence_breaks=tagged.merged_sentences,
    )
    return Rendered(
        data, len(tagged.columns), tagged.labels, tagged.event_types, tagged.dropped, counts, tagged.first_misaligned
    )


@dataclass(frozen=True, slots=True)
class Source:
    """Where an export reads its documents: the store of its source, the corpus, the guidelines."""

    store: AnnotationStore
    corpus: Corpus
    guidelines: Registry
    target: str  # the workspace's guidelines version, every document migrated to it

    def read(self, doc_id: str) -> DocumentAnnotations | None:
        """The stored document as the file declares it (None: no file); AnnotatorError if the loader refuses it."""
        return self.store.read(doc_id)

    def ready(self, doc: DocumentAnnotations) -> DocumentAnnotations:
        """``doc`` checked against the corpus's text and migrated to the target version."""
        where = str(self.store.path(doc.doc_id))
        same_text(doc.text_sha256, self.corpus.info(doc.doc_id), where)
        return migrate_to(doc, self.guidelines, self.target, where)[0]


def read_text(corpus: Corpus, doc: DocumentAnnotations) -> str:
    text = corpus.text(doc.doc_id)
    if sha256_text(text) != doc.text_sha256:
        raise AnnotatorError(
            f"the text of {doc.doc_id} is not the one annotated (sha256 differs)", str(corpus.path(doc.doc_id))
        )
    return text


@dataclass(slots=True)
class Totals:
    """Counts summed over documents, for the manifest."""

    labels: Counter = field(default_factory=Counter)
    event_types: Counter = field(default_factory=Counter)
    dropped: Counter = field(default_factory=Counter)
    counts: Counter = field(default_factory=Counter)
    first_misaligned: Misaligned | None = None  # the first in the order documents are written

    def add(self, item: Rendered | Totals) -> None:
        self.first_misaligned = self.first_misaligned or item.first_misaligned
        self.labels.update(item.labels)
        self.event_types.update(item.event_types)
        self.dropped.update(item.dropped)
        self.counts.update(item.counts)


@dataclass(slots=True)
class Outcome:
    """One document through the selection and, if taken, the renderer."""

    doc_id: str
    group: str = "all"  # the file it goes to: all, or its split
    skipped: str | None = None  # not_annotated, not_started or not_done
    problem: str | None = None  # the selection refuses it: the loader, the text, the migration
    failure: AnnotatorError | None = None  # taken, but rendering it failed
    migrated_from: str | None = None
    data: bytes = b""
    depth: int = 1  # entity tag columns (conll)


def process(source: Source, options: Any, doc_id: str, totals: dict[str, Totals]) -> Outcome:
    """Read, select, migrate and render one document; its counts go to ``totals`` of its group."""
    try:
        doc = source.read(doc_id)
    except AnnotatorError as exc:
        return Outcome(doc_id, problem=str(exc))
    if doc is None:
        return Outcome(doc_id, skipped="not_annotated")
    if not counts_as_annotated(doc):
        return Outcome(doc_id, skipped="not_started")
    if options.done_only and doc.status != "done":
        return Outcome(doc_id, skipped="not_done")
    try:
        ready = source.ready(doc)
    except AnnotatorError as exc:
        return Outcome(doc_id, problem=str(exc))
    group = split_of(doc_id, options.split, options.seed) if options.split else "all"
    outcome = Outcome(doc_id, group, migrated_from=doc.guidelines if doc.guidelines != source.target else None)
    try:
        item = render_document(ready, read_text(source.corpus, ready), options)
    except AnnotatorError as exc:
        outcome.failure = exc
        return outcome
    totals.setdefault(group, Totals()).add(item)
    outcome.data, outcome.depth = item.data, item.depth
    return outcome


# What the workers need, set before they are forked so it is inherited, never pickled.
_job: tuple[Source, Any, list[str]] | None = None


def _process_batch(bounds: tuple[int, int]) -> tuple[list[Outcome], dict[str, Totals]]:
    assert _job is not None
    source, options, ids = _job
    totals: dict[str, Totals] = {}
    return [process(source, options, doc_id, totals) for doc_id in ids[bounds[0] : bounds[1]]], totals


def process_all(ids: list[str], source: Source, options: Any, totals: dict[str, Totals]) -> Iterator[Outcome]:
    """The outcome of every document, in order; the counts of those rendered are added to ``totals``
    (per group, so that each split's are summed in the order its documents are written)."""
    global _job
    workers = getattr(options, "workers", 0) or min(os.cpu_count() or 1, MAX_WORKERS)
    if len(ids) < PARALLEL_MIN or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for doc_id in ids:
            yield process(source, options, doc_id, totals)
        return
    batches = [(i, min(i + BATCH, len(ids))) for i in range(0, len(ids), BATCH)]
    _job = (source, options, ids)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for outcomes, batch_totals in pool.imap(_process_batch, batches):
                for group, counted in batch_totals.items():
                    totals.setdefault(group, Totals()).add(counted)
                yield from outcomes
    finally:
        _job = None
