"""The suggestions of one document for one annotator: every source merged, less what is annotated or
rejected; decisions recorded through the service; "every one of that label / that string"."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.core.annotations.model import DocumentAnnotations, Entity
from annotator.core.annotations.store import AnnotationStore
from annotator.core.corpus import Corpus
from annotator.core.suggestions import service
from annotator.core.suggestions.model import ACCEPTED, STRINGS, Suggestion
from annotator.core.suggestions.service import accept, reject, same_label, same_text, suggestions_for
from annotator.core.suggestions.store import DecisionStore, ModelDocument, write_models
from annotator.core.workspace import Workspace
from tests.conftest import copy_workspace
from tests.export.seed_annotations import DOC0, find

BOKAMAL = "البوكمال"


@pytest.fixture
def ws(tmp_path: Path, monkeypatch) -> Workspace:
    """A workspace where the string-matching source proposes what ``strings`` holds (set per test)."""
    monkeypatch.setattr(service, "_strings", lambda *args: list(STRINGS_FOUND))
    STRINGS_FOUND.clear()
    return Workspace.open(copy_workspace(tmp_path / "ws"))


STRINGS_FOUND: list[Suggestion] = []


def text_of(ws: Workspace) -> str:
    return Corpus(ws.corpus_dir).text(DOC0)


def span(ws: Workspace, needle: str, nth: int = 0) -> tuple[int, int]:
    return find(text_of(ws), needle, nth)


def model(ws: Workspace, source: str, *spans: tuple[tuple[int, int], str, float | None]) -> None:
    sha = Corpus(ws.corpus_dir).info(DOC0).sha256
    write_models(ws.root, source, [ModelDocument(DOC0, sha, tuple((s, e, label, p) for (s, e), label, p in spans))])


def strings(ws: Workspace, where: tuple[int, int], label: str, score: float) -> None:
    s, e = where
    STRINGS_FOUND.append(Suggestion(s, e, label, text_of(ws)[s:e], STRINGS, score, f"{label} (annotations)"))


def annotate(ws: Workspace, who: str, *spans: tuple[tuple[int, int], str]) -> None:
    sha = Corpus(ws.corpus_dir).info(DOC0).sha256
    entities = tuple(Entity(f"T{i}", s, e, label) for i, ((s, e), label) in enumerate(spans, 1))
    AnnotationStore(ws.annotations_dir, who).save(
        DocumentAnnotations(DOC0, sha, "2.0.0", who, "in_progress", entities, ())
    )


def listed(found: list[Suggestion]) -> list[tuple[str, str, str, float | None]]:
    return [(s.text, s.label, s.source, s.score) for s in found]


def test_every_source_together_sorted_by_start(ws):
    model(ws, "ner", (span(ws, "فرات بوست"), "MEDIA", 0.8), (span(ws, BOKAMAL), "GPE", None))
    strings(ws, span(ws, "ديرالزور"), "GPE", 1.0)
    found = suggestions_for(ws, "amal", DOC0)
    assert [s.start for s in found] == sorted(s.start for s in found)
    assert {(t, lab, src) for t, lab, src, _ in listed(found)} == {
        ("فرات بوست", "MEDIA", "ner"),
        (BOKAMAL, "GPE", "ner"),
        ("ديرالزور", "GPE", STRINGS),
    }
    assert all(s.text == text_of(ws)[s.start : s.end] for s in found)


def test_the_same_span_and_label_from_two_sources_is_one_with_the_better_score(ws):
    model(ws, "ner-a", (span(ws, BOKAMAL), "GPE", 0.6))
    model(ws, "ner-b", (span(ws, BOKAMAL), "GPE", 0.9))
    strings(ws, span(ws, BOKAMAL), "GPE", 0.75)
    [found] = suggestions_for(ws, "amal", DOC0)
    assert (found.source, found.score) == ("ner-b", 0.9)
    assert all(name in found.why for name in ("ner-a", "ner-b", "annotations"))


def test_a_score_beats_none(ws):
    model(ws, "ner-a", (span(ws, BOKAMAL), "GPE", None))
    model(ws, "ner-b", (span(ws, BOKAMAL), "GPE", 0.1))
    [found] = suggestions_for(ws, "amal", DOC0)
    assert (found.source, found.score) == ("ner-b", 0.1)


def test_overlapping_spans_from_different_sources_are_all_kept(ws):
    outer = span(ws, "بريف البوكمال")
    inner = (outer[0] + len("بريف "), outer[1])
    model(ws, "ner", ((outer[0] + 1, outer[1]), "LOC", 0.7))
    strings(ws, inner, "GPE", 1.0)
    assert listed(suggestions_for(ws, "amal", DOC0)) == [
        ("ريف البوكمال", "LOC", "ner", 0.7),
        (BOKAMAL, "GPE", STRINGS, 1.0),
    ]


def test_what_the_annotator_annotated_is_not_proposed_again(ws):
    first, second = span(ws, BOKAMAL, 0), span(ws, BOKAMAL, 1)
    model(ws, "ner", (first, "GPE", 0.9), (second, "GPE", 0.9), (span(ws, "فرات بوست"), "MEDIA", 0.9))
    annotate(ws, "amal", ((first[0] + 2, first[1] + 4), "LOC"))  # overlaps the first only, other label
    assert [s.start for s in suggestions_for(ws, "amal", DOC0)] == sorted([second[0], span(ws, "فرات بوست")[0]])
    assert len(suggestions_for(ws, "omar", DOC0)) == 3  # another annotator's file changes nothing for omar
    held = DocumentAnnotations(DOC0, "", "2.0.0", "amal", "in_progress", (Entity("T1", *second, "GPE"),), ())
    assert [s.start for s in suggestions_for(ws, "amal", DOC0, annotations=held)] == sorted(
        [first[0], span(ws, "فرات بوست")[0]]
    )  # the editor's document, not the file, when given


def test_a_rejected_suggestion_does_not_come_back_to_that_annotator(ws):
    where = span(ws, BOKAMAL)
    model(ws, "ner", (where, "GPE", 0.9), (where, "LOC", 0.4))
    store = DecisionStore(ws, "amal")
    gpe = next(s for s in suggestions_for(ws, "amal", DOC0) if s.label == "GPE")
    reject(store, DOC0, [gpe])
    assert listed(suggestions_for(ws, "amal", DOC0)) == [(BOKAMAL, "LOC", "ner", 0.4)]  # same span, other label
    assert len(suggestions_for(ws, "omar", DOC0)) == 2
    strings(ws, where, "GPE", 1.0)  # another source proposing the rejected span and label: still not shown
    assert [s.label for s in suggestions_for(ws, "amal", DOC0)] == ["LOC"]


def test_accepting_records_the_decision_and_the_annotation_removes_overlapping_ones(ws):
    where = span(ws, BOKAMAL)
    model(ws, "ner", (where, "GPE", 0.9), ((where[0] - 5, where[1]), "LOC", 0.4))
    store = DecisionStore(ws, "amal")
    gpe = next(s for s in suggestions_for(ws, "amal", DOC0) if s.label == "GPE")
    [made] = accept(store, DOC0, [gpe])
    assert (made.key, made.source, made.verdict) == (gpe.key, "ner", ACCEPTED) and made.at.endswith("+00:00")
    assert store.read(DOC0) == [made]
    annotate(ws, "amal", (where, "GPE"))  # what the reader does through its editor
    assert suggestions_for(ws, "amal", DOC0) == []


def test_every_one_of_that_label_or_that_string(ws):
    firsts = [span(ws, BOKAMAL, n) for n in range(2)]
    deir = span(ws, "ديرالزور")
    model(ws, "ner", *((w, "GPE", 0.9) for w in firsts), (deir, "GPE", 0.9), (firsts[0], "LOC", 0.2))
    found = suggestions_for(ws, "amal", DOC0)
    chosen = next(s for s in found if s.key == (*firsts[0], "GPE"))
    assert [s.key for s in same_label(found, chosen)] == sorted((*w, "GPE") for w in [*firsts, deir])
    assert [s.key for s in same_text(found, chosen)] == [(*w, "GPE") for w in firsts]


def test_same_text_reads_the_search_normalization():
    plain = Suggestion(0, 4, "PER", "احمد", "ner", 0.5)
    marked = Suggestion(10, 16, "PER", "أَحْمَد", "ner", 0.5)
    other = Suggestion(20, 24, "PER", "محمد", "ner", 0.5)
    assert same_text([plain, marked, other], plain) == [plain, marked]
