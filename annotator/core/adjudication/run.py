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

from dataclasses import dataclass, field

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
from annotator.core.workspace import Workspace

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
) -> AdjudicationRun:
    """Merge ``annotators`` (default: all) into gold for ``doc_ids`` (default: the corpus) by
    ``strategy`` (``min_agree``: the K of threshold).

    Bad arguments raise AnnotatorError before anything is written; problems with single
    documents are collected in the returned run, those documents left untouched.
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
    for doc_id in wanted:
        outcome = adjudicate_document(workspace, corpus, doc_id, chosen, names)
        if explicit or outcome.state != "not annotated":
            run.outcomes.append(outcome)
    return run


def adjudicate_document(
    workspace: Workspace, corpus: Corpus, doc_id: str, strategy: Strategy, annotators: list[str]
) -> DocOutcome:
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
    holder = lock.acquire()
    if holder is not None:
        problem = f"{doc_id}: gold is locked by {holder} - document skipped"
        return DocOutcome(doc_id, who, "skipped", problems=(problem,))
    try:
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
