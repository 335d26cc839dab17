"""The suggestions of one document for one annotator, every source together, and the decisions on them.

:func:`suggestions_for` gathers string matching (``lexicon`` + ``matching``: what the workspace
already annotated, the guidelines' examples) and every model source's predictions
(``store.read_model``), then:

- one suggestion per span and label: when several sources propose it, the best score is kept
  (a score beats none) and ``why`` names every source;
- less the spans the annotator already decided: any of their entities overlapping a suggestion
  removes it (accepting one suggestion therefore removes the others that overlap it);
- less the suggestions the annotator rejected in this document (same span and label);
- sorted by start (then end, label).

Overlapping suggestions of different spans are all kept: the reader draws them. Accepting or
rejecting is :func:`decide` (the TUI adds the entity through the editor itself, then records);
:func:`same_label` and :func:`same_text` pick "every suggestion of that label / that string".
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from annotator.core.suggestions.lexicon import Lexicon
from annotator.core.suggestions.matching import match
from annotator.core.suggestions.model import ACCEPTED, REJECTED, Decision, Suggestion, Verdict
from annotator.core.suggestions.store import DecisionStore, model_sources, read_model
from annotator.core.workspace import Workspace

if TYPE_CHECKING:
    from annotator.core.annotations.model import DocumentAnnotations


def suggestions_for(
    workspace: Workspace,
    annotator: str,
    doc_id: str,
    *,
    text: str | None = None,
    annotations: DocumentAnnotations | None = None,
    lexicon: Lexicon | None = None,
) -> list[Suggestion]:
    """What to propose to ``annotator`` in ``doc_id`` (see the module docstring). ``text`` and
    ``annotations`` (the annotator's document as the editor holds it) are read when not given;
    ``lexicon``: the string-matching index, built for the annotator when not given."""
    from annotator.core.corpus import sha256_text

    if text is None:
        from annotator.core.corpus import Corpus

        text = Corpus(workspace.corpus_dir).text(doc_id)
    if annotations is None:
        from annotator.core.annotations.store import AnnotationStore

        annotations = AnnotationStore(workspace.annotations_dir, annotator).read(doc_id)
    found = _strings(workspace, annotator, text, lexicon)
    sources = model_sources(workspace.root)
    sha = sha256_text(text) if sources else ""  # a long document's hash only when a model needs it
    for source in sources:
        found += read_model(workspace.root, source, doc_id, text, sha)
    rejected = DecisionStore(workspace, annotator).rejected(doc_id)
    decided = [(e.start, e.end) for e in annotations.entities] if annotations is not None else []
    return without(merge(found), decided, rejected)


def _strings(workspace: Workspace, annotator: str, text: str, lexicon: Lexicon | None) -> list[Suggestion]:
    """The string-matching source's suggestions."""
    if lexicon is None:
        lexicon = Lexicon.for_annotator(workspace, annotator)
    return list(match(text, lexicon))


def learn(lexicon: Lexicon, text: str, before: DocumentAnnotations, after: DocumentAnnotations) -> None:
    """Keep a session's ``lexicon`` current with one edit of a document whose text is ``text``:
    the entities ``after`` has and ``before`` had not are taught, those it lost are taken back
    (an undo, a delete, a relabel is both)."""
    old = Counter((e.start, e.end, e.label) for e in before.entities)
    new = Counter((e.start, e.end, e.label) for e in after.entities)
    for (start, end, label), count in (new - old).items():
        lexicon.add(text[start:end], label, count=count)
    for (start, end, label), count in (old - new).items():
        lexicon.remove(text[start:end], label, count=count)


def merge(suggestions: Iterable[Suggestion]) -> list[Suggestion]:
    """One suggestion per span and label: the best-scored source's (a score beats none, then the
    source's name decides), with every source that proposed it named in ``why``."""
    groups: dict[tuple[int, int, str], list[Suggestion]] = {}
    for s in suggestions:
        groups.setdefault(s.key, []).append(s)
    out = []
    for group in groups.values():
        if len(group) == 1:
            out.append(group[0])
            continue
        group.sort(key=lambda s: (s.score is None, -(s.score or 0.0), s.source))
        best = group[0]
        whys = "; ".join(dict.fromkeys(s.why or s.source for s in group))
        out.append(Suggestion(best.start, best.end, best.label, best.text, best.source, best.score, whys))
    return out


def without(
    suggestions: Iterable[Suggestion], annotated: Sequence[tuple[int, int]], rejected: set[tuple[int, int, str]]
) -> list[Suggestion]:
    """``suggestions`` less those overlapping an ``annotated`` span and those ``rejected``, sorted."""
    spans = sorted(annotated)
    starts = [s for s, _ in spans]
    reach: list[int] = []  # reach[i]: the furthest end among spans[: i + 1]
    for _, end in spans:
        reach.append(max(end, reach[-1]) if reach else end)
    kept = []
    for s in suggestions:
        if s.key in rejected:
            continue
        before = bisect_left(starts, s.end)  # the spans starting before the suggestion ends
        if before and reach[before - 1] > s.start:
            continue
        kept.append(s)
    return sorted(kept, key=lambda s: (s.start, s.end, s.label, s.source))


# --------------------------------------------------------------------------- decisions


def decide(store: DecisionStore, doc_id: str, suggestions: Iterable[Suggestion], verdict: Verdict) -> list[Decision]:
    """Record ``verdict`` on each of ``suggestions`` (one write, timestamped now, UTC); returns the
    decisions recorded. Accepting does not annotate: the caller adds the entity through its editor."""
    at = datetime.now(UTC).isoformat(timespec="milliseconds")
    made = [Decision(s.start, s.end, s.label, s.source, verdict, at) for s in suggestions]
    if made:
        store.record(doc_id, made)
    return made


def accept(store: DecisionStore, doc_id: str, suggestions: Iterable[Suggestion]) -> list[Decision]:
    return decide(store, doc_id, suggestions, ACCEPTED)


def reject(store: DecisionStore, doc_id: str, suggestions: Iterable[Suggestion]) -> list[Decision]:
    return decide(store, doc_id, suggestions, REJECTED)


def same_label(suggestions: Iterable[Suggestion], chosen: Suggestion) -> list[Suggestion]:
    """Every suggestion with ``chosen``'s label (``chosen`` among them), in order."""
    return [s for s in suggestions if s.label == chosen.label]


def same_text(suggestions: Iterable[Suggestion], chosen: Suggestion) -> list[Suggestion]:
    """Every suggestion of ``chosen``'s label whose text is ``chosen``'s on the search normalization
    (diacritics, tatweel, alef and hamza forms do not matter), in order."""
    from annotator.core.text.normalize import normalize

    want = normalize(chosen.text).text
    return [s for s in suggestions if s.label == chosen.label and normalize(s.text).text == want]
