"""The reference entity annotations of the seed articles (tests/data/seed_entities/): what the
suggestions of issue 14 are measured against, so they must be files the program reads, on
today's corpus texts, with clitics left outside as the guidelines say."""

from __future__ import annotations

import importlib.util
import shutil
from collections import defaultdict
from pathlib import Path

import orjson
import pytest

from annotator.core.annotations.model import DocumentAnnotations
from annotator.core.annotations.store import AnnotationStore
from annotator.core.corpus import Corpus
from annotator.core.text.clitics import peel
from annotator.core.workspace import Workspace
from tests.conftest import REPO, SEED_IDS, copy_workspace

REFERENCE = REPO / "tests" / "data" / "seed_entities"
EDGE = set(" \t\n،,.:;!?()\"“”″'")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> dict[str, DocumentAnnotations]:
    """Every reference file read by the store of a workspace holding them as annotator 'reference'."""
    root = copy_workspace(tmp_path_factory.mktemp("seedref") / "ws")
    target = root / "annotations" / "reference"
    target.mkdir()
    for doc_id in SEED_IDS:
        shutil.copy(REFERENCE / f"{doc_id}.json", target / f"{doc_id}.json")
    store = AnnotationStore.of(Workspace.open(root), "reference")
    docs = {doc_id: store.read(doc_id) for doc_id in SEED_IDS}
    return {doc_id: doc for doc_id, doc in docs.items() if doc is not None}


def test_every_seed_article_has_a_finished_reference_the_loader_accepts(loaded) -> None:
    assert sorted(loaded) == SEED_IDS
    for doc in loaded.values():
        assert (doc.guidelines, doc.annotator, doc.status) == ("2.0.0", "reference", "done")
        assert doc.entities and not doc.events


def test_each_reference_was_made_on_the_corpus_text(loaded) -> None:
    corpus = Corpus(REPO / "corpus")
    for doc_id, doc in loaded.items():
        assert doc.text_sha256 == corpus.info(doc_id).sha256, doc_id


def test_spans_are_inside_the_text_and_never_start_or_end_on_space_or_punctuation(loaded, seeds) -> None:
    for doc_id, doc in loaded.items():
        text = seeds[doc_id]
        for e in doc.entities:
            assert 0 <= e.start < e.end <= len(text), (doc_id, e)
            covered = text[e.start : e.end]
            # a quotation mark may close a span only when it also opens inside it (صواريخ "كاتيوشا")
            closes_inner_quote = covered[-1] == '"' and covered.count('"') == 2
            assert covered[0] not in EDGE and (covered[-1] not in EDGE or closes_inner_quote), (doc_id, covered)


def test_no_span_keeps_a_clitic_in_front_of_a_name_the_file_labels_without_it(loaded, seeds) -> None:
    for doc_id, doc in loaded.items():
        text = seeds[doc_id]
        names: dict[str, set[str]] = defaultdict(set)
        for e in doc.entities:
            names[e.label].add(text[e.start : e.end])
        for e in doc.entities:
            cut = peel(text, e.start, e.end)
            if cut is not None:
                assert text[cut : e.end] not in names[e.label], (doc_id, text[e.start : e.end], e.label)


def test_spans_nest_but_never_cross(loaded) -> None:
    for doc_id, doc in loaded.items():
        spans = sorted((e.start, e.end) for e in doc.entities)
        for a_start, a_end in spans:
            for b_start, b_end in spans:
                assert not (a_start < b_start < a_end < b_end), (doc_id, (a_start, a_end), (b_start, b_end))


def test_the_files_are_what_the_listed_anchors_build() -> None:
    """spans.py (readable anchors) and the JSON files say the same: neither was edited alone."""
    spec = importlib.util.spec_from_file_location("seed_reference_build", REFERENCE / "build.py")
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    corpus = Corpus(REPO / "corpus")
    for doc_id in SEED_IDS:
        on_disk = orjson.loads((REFERENCE / f"{doc_id}.json").read_bytes())
        assert build.build(doc_id, corpus).to_json() == on_disk, doc_id


def test_the_reference_folder_holds_one_file_per_seed_article() -> None:
    assert sorted(p.stem for p in Path(REFERENCE).glob("*.json")) == SEED_IDS
