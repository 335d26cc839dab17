"""A small fixed set of annotations on the seed documents, shared by the export and import tests.

Gold annotations:
- 000 (guidelines 2.0.0, done): ORG, GPE, TIMEX, VEH, MEDIA, a LOC inside a clitic word
  (``بريف البوكمال``) with a GPE nested in it, an entity inside a clitic word
  (``لـ”الحرس الثوري”``) and a Conflict.Attack with arguments;
- 001 (guidelines 1.0.0, done): DATE (becomes TIMEX), ORG (kept, queued for review by the
  2.0.0 split), nested ``ريف دير الزور``/``دير الزور``, a clitic ``بريف``, an attack;
- 002 (2.0.0, in progress): two entities.
003 and 004 have no annotations.
"""

from __future__ import annotations

from pathlib import Path

from annotator.core.annotations.model import Argument, DocumentAnnotations, Entity, Event
from annotator.core.annotations.store import AnnotationStore
from annotator.core.corpus import Corpus, sha256_text
from annotator.core.guidelines.migration import migrate
from annotator.core.identity import GOLD
from annotator.core.text.tokens import tokenize
from annotator.core.workspace import Workspace

DOC0, DOC1, DOC2 = "000_cc412d3027dac405", "001_e759c1a521474da3", "002_40b7e8ebcf7a331f"


def find(text: str, needle: str, nth: int = 0, inner: str | None = None) -> tuple[int, int]:
    """The span of the ``nth`` occurrence of ``needle`` (or of ``inner`` inside that occurrence)."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    if inner is None:
        return at, at + len(needle)
    offset = needle.index(inner)
    return at + offset, at + offset + len(inner)


# (doc, needle, nth, inner, label); ids T1, T2... in this order
_ENTITIES = {
    DOC0: [
        ("التحالف يقصف", 0, "التحالف", "ORG"),
        ("ديرالزور", 0, None, "GPE"),
        ("اليوم الجمعة", 0, None, "TIMEX"),
        ("طائرات مجهولة الهوية", 0, None, "VEH"),
        ("البوكمال", 0, None, "GPE"),
        ("فرات بوست", 0, None, "MEDIA"),
        ("لـ”الحرس الثوري”", 0, "الحرس الثوري", "ORG"),
        ("بريف البوكمال", 0, "ريف البوكمال", "LOC"),
        ("بريف البوكمال", 0, "البوكمال", "GPE"),
        ("قرية السكرية", 0, "السكرية", "GPE"),
    ],
    DOC1: [
        ("مساء السبت", 0, None, "DATE"),
        ("البوكمال", 0, None, "GPE"),
        ("ريف دير الزور", 0, None, "LOC"),
        ("ريف دير الزور", 0, "دير الزور", "GPE"),
        ("إيرانية", 0, None, "NORP"),
        ("قاعدة الإمام علي", 0, None, "FAC"),
        ("بريف دير الزور الشرقي", 0, "ريف دير الزور الشرقي", "LOC"),
        ("بريف دير الزور الشرقي", 0, "دير الزور", "GPE"),
        ("فرات بوست", 0, None, "ORG"),
    ],
    DOC2: [
        ("البوكمال", 0, None, "GPE"),
        ("استهدف", 0, None, "CARDINAL"),  # wrong on purpose: in progress
    ],
}
# (doc, trigger needle, nth, type, [(role, entity index)])
_EVENTS = {
    DOC0: [("قصفت", 0, "Conflict.Attack", [("Instrument", 3), ("Time", 2)])],
    DOC1: [("استهدف قصف", 0, "Conflict.Attack", [("Time", 0), ("Place", 1)])],
    DOC2: [],
}
_STATE = {DOC0: ("2.0.0", "done"), DOC1: ("1.0.0", "done"), DOC2: ("2.0.0", "in_progress")}


def seed_annotations(corpus_dir: Path, annotator: str = "gold") -> list[DocumentAnnotations]:
    corpus = Corpus(corpus_dir)
    docs = []
    for doc_id, specs in _ENTITIES.items():
        text = corpus.text(doc_id)
        entities = []
        for index, (needle, nth, inner, label) in enumerate(specs, 1):
            start, end = find(text, needle, nth, inner)
            entities.append(Entity(f"T{index}", start, end, label))
        events = []
        for index, (needle, nth, kind, args) in enumerate(_EVENTS[doc_id], 1):
            start, end = find(text, needle, nth)
            if " " in needle:
                end = start + needle.index(" ")
            events.append(
                Event(f"E{index}", kind, start, end, tuple(Argument(role, entities[i].id) for role, i in args))
            )
        version, status = _STATE[doc_id]
        docs.append(
            DocumentAnnotations(
                doc_id=doc_id,
                text_sha256=sha256_text(text),
                guidelines=version,
                annotator=annotator,
                status=status,
                entities=tuple(entities),
                events=tuple(events),
                created="2026-01-01T00:00:00.000+00:00",
                modified="2026-01-01T00:00:00.000+00:00",
            )
        )
    return docs


def write_seed_annotations(ws: Workspace, annotator: str = "gold") -> list[DocumentAnnotations]:
    store = AnnotationStore(ws.annotations_dir, annotator)
    return [store.save(doc) for doc in seed_annotations(ws.corpus_dir, annotator)]


def annotated_workspace(root: Path, annotator: str = "gold") -> Workspace:
    """A private copy of the repository workspace with the annotations above."""
    from tests.conftest import copy_workspace

    ws = Workspace.open(copy_workspace(root))
    write_seed_annotations(ws, annotator)
    return ws


def gold(ws: Workspace, doc_id: str) -> DocumentAnnotations:
    """The gold annotations of a document, migrated to the workspace's guidelines."""
    doc = AnnotationStore(ws.annotations_dir, GOLD).read(doc_id)
    assert doc is not None
    return migrate(doc, ws.guidelines_dir, ws.config.guidelines)[0]


def token_spans(text: str, entities) -> set[tuple[str, int, int]]:
    """Independent of the exporter: each entity as (label, first token, last token) over word tokens."""
    tokens = tokenize(text)
    out = set()
    for e in entities:
        inside = [i for i, (s, t) in enumerate(tokens) if s < e.end and t > e.start]
        out.add((e.label, inside[0], inside[-1]))
    return out


def outermost(spans: set[tuple[str, int, int]]) -> set[tuple[str, int, int]]:
    """The (label, first, last) token spans that sit inside no other one."""
    return {x for x in spans if not any(y != x and y[1] <= x[1] and x[2] <= y[2] for y in spans)}


def read_conll(path: Path) -> list[list[list[list[str]]]]:
    """A CoNLL file as documents of sentences of rows (lists of fields)."""
    docs: list[list[list[list[str]]]] = []
    sentence: list[list[str]] = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("-DOCSTART-"):
            docs.append([])
        elif line:
            sentence.append(line.split("\t"))
        elif sentence:
            docs[-1].append(sentence)
            sentence = []
    return docs
