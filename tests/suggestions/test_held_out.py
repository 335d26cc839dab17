"""Precision and recall of string matching on a held-out article (issue 14's "done means").

The first four seed articles, annotated by hand (tests/data/seed_entities, made without any
suggestion code), are one annotator's files; the fifth is held out and its suggestions are
compared with its reference annotations, exact span and label. "Recurring" names are the
reference entities of the fifth article whose normalized text the first four annotated.
Run with -s to see the numbers.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from annotator.core.annotations.model import DocumentAnnotations
from annotator.core.annotations.store import AnnotationStore
from annotator.core.corpus import Corpus
from annotator.core.suggestions.lexicon import Lexicon, entry_key
from annotator.core.suggestions.service import suggestions_for
from tests.conftest import SEED_IDS

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "seed_entities"
TAUGHT, HELD_OUT = SEED_IDS[:4], SEED_IDS[4]

# Measured when this test was written: 91 suggested, 71 right, 108 in the reference (62
# recurring): precision 0.780, recall 0.657, recall on recurring names 0.984 (the one miss is
# الميادين, GPE in 001 and MEDIA here). Thresholds keep a margin under those. Recurring names are
# what string matching is for, so nearly all must come back with their label. Precision is bounded
# by the nominals the reference marks only where they fill an event role (مواقع, الميليشيات, قواعد:
# 18 of the 20 wrong suggestions): the same word is a mention in one sentence and not in the next,
# which no string matcher can tell. Overall recall is bounded by the names new in the held-out
# article (46 of its 108 mentions).
MIN_RECURRING_RECALL = 0.9
MIN_PRECISION = 0.7
MIN_RECALL = 0.55


def reference(doc_id: str) -> DocumentAnnotations:
    path = REFERENCE / f"{doc_id}.json"
    if not path.exists():
        pytest.skip(f"no reference annotations yet: {path}")
    data = orjson.loads(path.read_bytes())
    return DocumentAnnotations.from_json(data)


def test_recurring_names_of_a_held_out_article_are_suggested_with_their_labels(workspace):
    store = AnnotationStore(workspace.annotations_dir, "amal")
    for doc_id in TAUGHT:
        doc = reference(doc_id)
        store.save(
            DocumentAnnotations(
                doc.doc_id, doc.text_sha256, doc.guidelines, "amal", doc.status, doc.entities, doc.events
            )
        )
    corpus = Corpus(workspace.corpus_dir)
    taught_keys = set()
    for doc_id in TAUGHT:
        text = corpus.text(doc_id)
        taught_keys |= {entry_key(text[e.start : e.end]) for e in reference(doc_id).entities}
    text = corpus.text(HELD_OUT)
    truth = {(e.start, e.end, e.label) for e in reference(HELD_OUT).entities}
    recurring = {t for t in truth if entry_key(text[t[0] : t[1]]) in taught_keys}

    lexicon = Lexicon.for_annotator(workspace, "amal")
    suggested = suggestions_for(workspace, "amal", HELD_OUT, text=text, lexicon=lexicon)
    found = {s.key for s in suggested}
    right = found & truth
    precision = len(right) / len(found)
    recall = len(right) / len(truth)
    recurring_recall = len(found & recurring) / len(recurring)
    print(
        f"\nheld-out {HELD_OUT}: {len(found)} suggested, {len(right)} right, {len(truth)} in the reference "
        f"({len(recurring)} recurring): precision {precision:.3f}, recall {recall:.3f}, "
        f"recall on recurring names {recurring_recall:.3f}"
    )
    for s in suggested:
        if s.key not in truth:
            print(f"  wrong: {s.text} {s.label} at {s.start} ({s.source}: {s.why})")
    for start, end, label in sorted(recurring - found):
        print(f"  missed recurring: {text[start:end]} {label} at {start}")
    assert recurring_recall >= MIN_RECURRING_RECALL
    assert precision >= MIN_PRECISION
    assert recall >= MIN_RECALL
