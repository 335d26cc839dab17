"""The agreement report over chunks of documents is the report over the whole: every
measure merges exactly, however the documents are cut (runs, every n-th, one per chunk,
empty chunks), with a reference, selected labels, done files only, a document only one
annotator did and chunks where an annotator did nothing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from annotator.core.agreement.input import AgreementInput, load_tables
from annotator.core.agreement.report import compute_report
from annotator.core.agreement.split import split_by_documents
from annotator.core.workspace import Workspace
from annotator.synthetic import annotator_names, generate

A1, A2, A3 = annotator_names(3)


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("chunks") / "ws"
    generate(root, docs=30, done=0.7, entities=10, events=3, seed=7)
    return Workspace.open(root)


def ws_docs(ws: Workspace) -> list[str]:
    return [p.stem for p in (ws.annotations_dir / A1).glob("*.json")]


def without(data: AgreementInput, keep: Any) -> AgreementInput:
    """``data`` without the rows that ``keep`` (an expression) rejects, in every table."""
    tables = ("spans", "coverage", "events", "arguments")
    return replace(data, **{name: getattr(data, name).filter(keep) for name in tables})


def same_over_chunks(data: AgreementInput, splits: tuple[int, ...] = (2, 3), **options: Any) -> dict[str, Any]:
    whole = compute_report(data, **options).to_dict()
    for n in (1, *splits):
        assert compute_report(split_by_documents(data, n), **options).to_dict() == whole, n
    assert compute_report(split_by_documents(data, 3, interleaved=True), **options).to_dict() == whole
    nothing = replace(without(data, pl.lit(False)), tokens=data.tokens.clear(), doc_lengths=data.doc_lengths.clear(),
                      texts={}, excluded=(), migrated={}, files=0, not_done=0, not_started=0, review=0)  # fmt: skip
    assert compute_report([nothing, *split_by_documents(data, 2), nothing], **options).to_dict() == whole
    return whole


def test_chunks_merge_exactly_one_document_per_chunk_and_empty_chunks(ws: Workspace) -> None:
    data = load_tables(ws, against="gold", docs=sorted(ws_docs(ws))[:6])
    whole = same_over_chunks(data, splits=(8,))  # one document each, two empty chunks
    assert whole["reference"] == "gold" and whole["against"] and whole["disagreements"]
    assert whole["unitizing_alpha"]["overall"] is not None and whole["documents_common"] == 6


def test_chunks_merge_exactly_with_labels_done_only_and_a_cap(ws: Workspace) -> None:
    data = load_tables(ws, done_only=True)
    assert data.not_done > 0
    labels = sorted(set(data.spans["label"].to_list()))[:2]
    whole = same_over_chunks(data, labels=labels, max_disagreements=7)
    assert whole["labels"] == labels
    assert len(whole["disagreements"]) == 7 < whole["disagreements_total"]


def test_chunks_merge_exactly_when_an_annotator_is_missing_from_some(ws: Workspace) -> None:
    data = load_tables(ws, against="gold")
    docs = sorted(data.texts)
    alone = pl.col("doc_id") != docs[4]
    # docs[4]: only A1; A3 did none of the first 12 documents (whole chunks lack A3)
    lacking = without(
        data, (alone | (pl.col("annotator") == A1)) & ((pl.col("annotator") != A3) | (pl.col("doc_id") >= docs[12]))
    )
    assert lacking.annotators == (A1, A2, A3)
    whole = same_over_chunks(lacking, splits=(3,))
    assert same_over_chunks(replace(lacking, annotators=None), splits=(3,)) == whole  # taken from every chunk
    assert whole["annotators"] == [A1, A2, A3]
    assert whole["documents_common"] == len(docs) - 12
    assert next(d for d in whole["per_document"] if d["id"] == docs[4])["pairs"] == 0


def test_chunks_merge_exactly_with_annotators_named(ws: Workspace) -> None:
    data = replace(load_tables(ws), annotators=(A3, A1))
    whole = same_over_chunks(data)
    assert whole["annotators"] == [A3, A1]


def test_no_chunk_is_an_error(ws: Workspace) -> None:
    from annotator.core.errors import AnnotatorError

    with pytest.raises(AnnotatorError, match="nothing to compare"):
        compute_report([])


def test_split_keeps_every_row_once(ws: Workspace, tmp_path: Path) -> None:
    data = load_tables(ws, against="gold")
    chunks = split_by_documents(data, 4)
    for name in ("spans", "coverage", "tokens", "doc_lengths", "events", "arguments"):
        assert sum(getattr(c, name).height for c in chunks) == getattr(data, name).height, name
    ids = [set(c.coverage["doc_id"].to_list()) for c in chunks]
    assert all(not (a & b) for k, a in enumerate(ids) for b in ids[k + 1 :])
    assert sum(c.files for c in chunks) == data.files


@pytest.mark.parametrize("cap", [0, 1, 5, 40, 10**6])
def test_a_capped_list_is_the_head_of_the_whole_list_however_cut(ws: Workspace, cap: int) -> None:
    """With a cap the rows of documents that can no longer be listed are dropped as chunks come:
    the list is still the head of the uncapped one, and the total counts every disagreement."""
    data = load_tables(ws, docs=sorted(ws_docs(ws))[:12])
    full = compute_report(data).to_dict()
    for parts in (split_by_documents(data, 12), split_by_documents(data, 4, interleaved=True)):
        capped = compute_report(parts, max_disagreements=cap).to_dict()
        assert capped["disagreements"] == full["disagreements"][:cap]
        assert capped["disagreements_total"] == full["disagreements_total"] == len(full["disagreements"])
