"""Adjudication: merging the annotators' documents into gold (``annotations/gold/``).

``adjudicate(workspace, strategy, min_agree=K)`` reads, for each document, every selected
annotator's file, migrates it to the workspace's active guidelines and merges the
versions into the gold file (same format, annotator ``gold``); see
``merge.py`` for the units and rules. Policy:

- an annotator *annotated* a document when their file exists and counts
  (:func:`annotator.core.annotations.model.counts_as_annotated`: not an untouched
  ``not_started`` file with nothing in it). A document at least ``MIN_ANNOTATORS`` (2)
  annotated is merged by the strategy (``strategy.py``): a unit at least ``K`` of them
  gave is accepted, one that ``K`` of them answered otherwise is left out, the rest are
  conflicts; unanimous is ``K = n``, majority ``K = n // 2 + 1`` (with 2 annotators both
  need both), threshold the ``K`` of ``--min-agree``, at most the number of annotators
  merged. A document only one annotated is *unadjudicable*: reported, no gold written.
  Nobody: nothing happens;
- any problem with a document (an annotator or gold file the loader refuses, see
  :mod:`annotator.core.annotations.loading`; annotations of a different text, a failed
  migration, gold locked by the curation screen) skips that
  document, leaving its gold file untouched, and is listed in ``AdjudicationRun.problems``;
- finished gold (status ``done`` or ``adjudicated: true``) is never touched; a gold
  file whose merge would not change it is not rewritten.

Additions to the gold file (kept in ``DocumentAnnotations.extra``):

- ``conflicts``: open conflicts, in text order, each ``{"id": "C1", "kind": "entity" |
  "event" | "argument", "start", "end", "options": [...]}``. An option has ``label``
  (entity), ``type`` (event) or ``role`` (argument), its own ``start``/``end``, and
  ``annotators``. Event options list the ``arguments`` their annotators gave
  (``role, start, end, label, annotators``). Argument conflicts name their gold
  ``event`` and ``trigger`` (``start, end, type``); their options name the gold
  ``entity`` (null when that entity is not in gold). Gold items overlapping a conflict
  are listed among its options with ``gold_id``, so the alternatives are seen together;
- ``adjudicated``: false after a merge, true once the adjudicator finishes
  (``mark_adjudicated``);
- ``decided``: the units already settled (``["entity", start, end, label]``,
  ``["event", start, end, type]``, ``["argument", trigger start, end, type, role,
  start, end, label]``), never merged or raised again;
- ``adjudication``: ``{"strategy", "annotators"}`` of the last merge (and ``min_agree``
  for threshold).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from annotator.core.adjudication.curate import accept, conflicts, mark_adjudicated, reject
from annotator.core.adjudication.merge import MIN_ANNOTATORS, MergeStats, is_adjudicated, merge
from annotator.core.adjudication.strategy import STRATEGIES, Strategy
from annotator.core.annotations.loading import migrate_to, same_text
from annotator.core.annotations.model import DocumentAnnotations, counts_as_annotated
from annotator.core.annotations.store import AnnotationStore
from annotator.core.corpus import Corpus, DocumentInfo
from annotator.core.errors import AnnotatorError
from annotator.core.guidelines.registry import registry
from annotator.core.identity import GOLD, check_name
from annotator.core.jsonio import temp_target
from annotator.core.workspace import Workspace

PARALLEL_MIN = 400  # documents; fewer are merged in this process
BATCH = 200  # documents a worker process merges at a time
MAX_WORKERS = 8
WRITERS = 8  # threads per worker process, so that one document's fsync does not stop the others

__all__ = [
    "GOLD",
    "MIN_ANNOTATORS",
    "STRATEGIES",
    "AdjudicationRun",
    "Strategy",
    "DocOutcome",
    "accept",
    "adjudicate",
    "adjudicate_document",
    "conflicts",
    "default_annotators",
    "is_adjudicated",
    "mark_adjudicated",
    "merge",
    "progress",
    "reject",
    "resolve_annotators",
]


@dataclass(frozen=True, slots=True)
class DocOutcome:
    """What adjudication did with one document."""

    doc_id: str
    annotators: tuple[str, ...] = ()  # who annotated it
    state: str = "merged"  # created | updated | unchanged | adjudicated | unadjudicable | not annotated | skipped
    agreed_entities: int = 0
    agreed_events: int = 0
    conflicts: int = 0
    added: int = 0
    problems: tuple[str, ...] = ()


@dataclass(slots=True)
class AdjudicationRun:
    strategy: Strategy
    annotators: tuple[str, ...]
    outcomes: list[DocOutcome] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [p for o in self.outcomes for p in o.problems]

    @property
    def unadjudicable(self) -> list[str]:
        return [o.doc_id for o in self.outcomes if o.state == "unadjudicable"]


def default_annotators(workspace: Workspace) -> list[str]:
    """Every folder in annotations/ except gold and names that are not annotator names."""
    root = workspace.annotations_dir
    if not root.is_dir():
        return []
    names = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if folder.name == GOLD or folder.name.startswith("."):
            continue
        try:
            names.append(check_name(folder.name))
        except AnnotatorError:
            continue
    return names


def resolve_annotators(workspace: Workspace, names: list[str] | None) -> list[str]:
    """The annotators to merge: ``names`` checked (or the default), at least two."""
    if names is None:
        chosen = default_annotators(workspace)
    else:
        errors, chosen = [], []
        for name in names:
            try:
                check_name(name, "--annotators")
            except AnnotatorError as exc:
                errors.append(str(exc))
                continue
            if not workspace.annotator_dir(name).is_dir():
                errors.append(f"--annotators: no annotations by {name!r} ({workspace.annotator_dir(name)})")
            elif name not in chosen:
                chosen.append(name)
        if errors:
            raise AnnotatorError("\n".join(errors))
    if len(chosen) < MIN_ANNOTATORS:
        raise AnnotatorError(
            f"adjudication needs at least {MIN_ANNOTATORS} annotators",
            str(workspace.annotations_dir),
            f"found {', '.join(chosen) or 'none'}",
        )
    return sorted(chosen)


def adjudicate(
    workspace: Workspace,
    strategy: str,
    annotators: list[str] | None = None,
    doc_ids: list[str] | None = None,
    min_agree: int | None = None,
    workers: int = 0,
) -> AdjudicationRun:
    """Merge ``annotators`` (default: all) into gold for ``doc_ids`` (default: the corpus) by
    ``strategy`` (``min_agree``: the K of threshold).

    Bad arguments raise AnnotatorError before anything is written; problems with single
    documents are collected in the returned run, those documents left untouched. Large runs
    (``PARALLEL_MIN`` documents or more) merge batches of documents in ``workers`` spawned
    processes (0: one per CPU; 1: none); each document is merged and written the same way.
    """
    chosen = Strategy.of(strategy, min_agree)
    corpus = Corpus(workspace.corpus_dir)
    names = resolve_annotators(workspace, annotators)
    chosen.check_against(names)
    if doc_ids is not None:
        unknown = [d for d in doc_ids if d not in corpus]
        if unknown:
            raise AnnotatorError("\n".join(f"--docs: no document {d!r} in the corpus" for d in unknown))
        wanted, explicit = list(dict.fromkeys(doc_ids)), True
    else:
        wanted, explicit = corpus.ids, False
    run = AdjudicationRun(chosen, tuple(names))
    for outcome in _merged(workspace, corpus, wanted, chosen, names, workers):
        if explicit or outcome.state != "not annotated":
            run.outcomes.append(outcome)
    return run


def _merged(
    workspace: Workspace, corpus: Corpus, doc_ids: list[str], strategy: Strategy, annotators: list[str], workers: int
) -> Iterator[DocOutcome]:
    """The outcome of every document, in order. The gold folder is listed once for the stale temporary
    files its locks clean up (listing 100,000 files for each document would be quadratic)."""
    stale = _stale_temporary_files(AnnotationStore.of(workspace, GOLD, corpus).directory)
    n = workers or min(os.cpu_count() or 1, MAX_WORKERS)
    if len(doc_ids) < PARALLEL_MIN or n < 2:
        for doc_id in doc_ids:
            yield adjudicate_document(workspace, corpus, doc_id, strategy, annotators, stale.get(doc_id, ()))
        return
    from concurrent.futures import ProcessPoolExecutor

    batches = [doc_ids[i : i + BATCH] for i in range(0, len(doc_ids), BATCH)]
    # spawn, not fork: the caller may run polars' (or Textual's) threads
    with ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn")) as pool:
        jobs = [
            pool.submit(_merge_batch, workspace, b, strategy, annotators, {d: stale[d] for d in b if d in stale})
            for b in batches
        ]
        for job in jobs:
            yield from job.result()


_corpora: dict[Path, Corpus] = {}  # a worker's corpus, read once for all its batches


def _merge_batch(
    workspace: Workspace,
    doc_ids: list[str],
    strategy: Strategy,
    annotators: list[str],
    stale: dict[str, list[str]],
) -> list[DocOutcome]:
    from concurrent.futures import ThreadPoolExecutor

    corpus = _corpora.get(workspace.corpus_dir)
    if corpus is None:
        corpus = _corpora[workspace.corpus_dir] = Corpus(workspace.corpus_dir)

    def one(doc_id: str) -> DocOutcome:
        return adjudicate_document(workspace, corpus, doc_id, strategy, annotators, stale.get(doc_id, ()))

    # threads: each gold file is fsynced twice (file, folder); the waits overlap and the disk groups them
    with ThreadPoolExecutor(max_workers=WRITERS) as threads:
        return list(threads.map(one, doc_ids))


def _stale_temporary_files(folder: Path) -> dict[str, list[str]]:
    """Per document id, the names of the temporary files ``jsonio`` left in ``folder``."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return {}
    out: dict[str, list[str]] = {}
    for name in names:
        target = temp_target(name) if name.startswith(".") else None
        if target is not None and target.endswith(".json"):
            out.setdefault(target[: -len(".json")], []).append(name)
    return out


def adjudicate_document(
    workspace: Workspace,
    corpus: Corpus,
    doc_id: str,
    strategy: Strategy,
    annotators: list[str],
    stale: Sequence[str] | None = None,
) -> DocOutcome:
    """Merge one document into gold. ``stale``: the temporary files of its gold file, when the caller
    listed the folder (taking the lock removes them); None: the lock lists the folder itself."""
    text, version = corpus.info(doc_id), workspace.config.guidelines
    sources: dict[str, DocumentAnnotations] = {}
    problems: list[str] = []
    for name in annotators:
        try:
            source = AnnotationStore.of(workspace, name, corpus)
            doc = source.read(doc_id)
            if doc is None or not counts_as_annotated(doc):
                continue
            sources[name] = _ready(doc, text, workspace, str(source.path(doc_id)))
        except AnnotatorError as exc:
            problems.append(f"{doc_id}: {name}: {exc} - document skipped")
    who = tuple(sorted(sources))
    if problems:
        return DocOutcome(doc_id, who, "skipped", problems=tuple(problems))
    if not sources:
        return DocOutcome(doc_id, who, "not annotated")
    if len(sources) < MIN_ANNOTATORS:
        return DocOutcome(doc_id, who, "unadjudicable")
    store = AnnotationStore.of(workspace, GOLD, corpus)
    lock = store.lock(doc_id)
    if stale is not None:
        lock.document = None  # its stale files are known: no listing of the whole folder
    holder = lock.acquire()
    if holder is not None:
        problem = f"{doc_id}: gold is locked by {holder} - document skipped"
        return DocOutcome(doc_id, who, "skipped", problems=(problem,))
    try:
        for name in stale or ():  # as the lock would: every writer of the file holds it, so they are stale
            try:
                (store.directory / name).unlink(missing_ok=True)
            except OSError:  # housekeeping: a folder that cannot be written keeps them
                pass
        try:
            old = store.read(doc_id)
        except AnnotatorError as exc:
            return DocOutcome(
                doc_id, who, "skipped", problems=(f"{doc_id}: gold file unreadable, left untouched: {exc}",)
            )
        if old is not None and is_adjudicated(old):
            return DocOutcome(doc_id, who, "adjudicated", conflicts=len(old.extra.get("conflicts") or ()))
        try:
            gold = (
                _ready(old, text, workspace, str(store.path(doc_id)))
                if old is not None
                else DocumentAnnotations(doc_id=doc_id, text_sha256=text.sha256, guidelines=version, annotator=GOLD)
            )
            new, stats = merge(gold, sources, strategy)
        except AnnotatorError as exc:
            return DocOutcome(doc_id, who, "skipped", problems=(f"{doc_id}: {exc} - gold left untouched",))
        state = "created" if old is None else "updated"
        if old is not None and _content(new) == _content(old):
            state = "unchanged"
        else:
            store.save(new)
        return _outcome(doc_id, who, state, stats)
    finally:
        lock.release()


def _ready(doc: DocumentAnnotations, text: DocumentInfo, workspace: Workspace, where: str) -> DocumentAnnotations:
    """``doc`` (read from ``where``, checked) on the corpus's text, migrated to the active guidelines."""
    same_text(doc.text_sha256, text, where)
    return migrate_to(doc, registry(workspace.guidelines_dir), workspace.config.guidelines, where)[0]


def _content(doc: DocumentAnnotations) -> dict:
    data = doc.to_json()
    data.pop("created", None)
    data.pop("modified", None)
    return orjson.loads(orjson.dumps(data))


def _outcome(doc_id: str, who: tuple[str, ...], state: str, stats: MergeStats) -> DocOutcome:
    return DocOutcome(doc_id, who, state, stats.agreed_entities, stats.agreed_events, stats.conflicts, stats.added)


def progress(workspace: Workspace, doc_ids: list[str] | None = None, corpus: Corpus | None = None) -> dict[str, str]:
    """Per document: 'not started' (no gold), 'conflicts: N' (merged, N open), 'adjudicated' or 'unreadable'
    (a gold file the loader refuses). Pass the ``corpus`` when calling batch after batch."""
    corpus = corpus if corpus is not None else Corpus(workspace.corpus_dir)
    if doc_ids is None:
        doc_ids = corpus.ids
    store = AnnotationStore.of(workspace, GOLD, corpus)
    out: dict[str, str] = {}
    for doc_id in doc_ids:
        try:
            gold = store.read(doc_id)
        except AnnotatorError:
            out[doc_id] = "unreadable"
            continue
        if gold is None:
            out[doc_id] = "not started"
        elif is_adjudicated(gold):
            out[doc_id] = "adjudicated"
        else:
            open_ = gold.extra.get("conflicts")
            out[doc_id] = f"conflicts: {len(open_) if isinstance(open_, list) else 0}"
    return out
