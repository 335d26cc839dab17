"""The export driver: selection, splits, output folder rules, manifest, workers, and the CLI around it."""

from __future__ import annotations

import hashlib
import re

import orjson
import pytest

from annotator.cli import main
from annotator.core.annotations.store import AnnotationStore
from annotator.core.errors import AnnotatorError
from annotator.core.export import ExportOptions, export, parse_split, split_documents
from annotator.core.export import render as render_module
from tests.export.seed_annotations import DOC0, DOC1, DOC2, annotated_workspace, write_seed_annotations


@pytest.fixture
def ws(tmp_path):
    return annotated_workspace(tmp_path / "ws")


def cli(ws, *args: str) -> int:
    return main(["--workspace", str(ws.root), "export", *args])


@pytest.mark.parametrize("text", ["80,10", "80,10,5", "80,-10,30", "a,b,c", "80,10,10,0", "100,0,1"])
def test_bad_splits_are_refused(text):
    with pytest.raises(AnnotatorError, match="--split"):
        parse_split(text)


def test_split_is_deterministic_and_by_document():
    ids = [f"doc{i:03d}" for i in range(101)]
    first = split_documents(ids, (80, 10, 10), seed=7)
    assert first == split_documents(list(reversed(ids)), (80, 10, 10), seed=7)
    assert sorted(first["train"] + first["dev"] + first["test"]) == ids
    assert first != split_documents(ids, (80, 10, 10), seed=8)
    assert split_documents(ids, (0, 0, 100), seed=1)["test"] == ids
    # sizes follow the percentages only approximately (see test_export_split for the rule and large n)


def test_split_files_and_the_same_seed_gives_the_same_split(ws, tmp_path, capsys):
    runs = []
    for name in ("a", "b"):
        assert cli(ws, "--format", "conll", "--split", "34,33,33", "--seed", "5", "--out", str(tmp_path / name)) == 0
        runs.append(orjson.loads((tmp_path / name / "manifest.json").read_bytes()))
        assert sorted(p.name for p in (tmp_path / name).iterdir()) == [
            "dev.conll",
            "manifest.json",
            "test.conll",
            "train.conll",
        ]
    assert runs[0]["documents"] == runs[1]["documents"]
    assert sorted(sum(runs[0]["documents"].values(), [])) == [DOC0, DOC1, DOC2]
    assert runs[0]["options"]["split"] == [34, 33, 33] and runs[0]["options"]["seed"] == 5


def test_manifest(ws, tmp_path):
    command = ["annotator", "export", "--format", "conll"]
    result = export(ws, ExportOptions(format="conll", out=tmp_path / "out", command=command))
    manifest = orjson.loads((result.out / "manifest.json").read_bytes())
    assert manifest == result.manifest
    assert manifest["command"] == command and manifest["guidelines"] == "2.0.0" and manifest["source"] == "gold"
    assert manifest["documents"] == {"all": [DOC0, DOC1, DOC2]}
    assert manifest["migrated"] == {DOC1: "1.0.0"}
    assert manifest["skipped"] == {"not_annotated": 2, "not_started": [], "not_done": []}
    assert manifest["counts"]["labels"]["TIMEX"] == 2 and "DATE" not in manifest["counts"]["labels"]
    assert manifest["dropped_nested"] == 3 and manifest["dropped_nested_labels"] == {"GPE": 3}
    assert manifest["counts"]["needs_review"] == 1  # 001's ORG, by the 2.0.0 split
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((result.out / name).read_bytes()).hexdigest() == digest
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", manifest["created"])


def test_selection_done_only_docs_and_source(ws, tmp_path, capsys):
    result = export(ws, ExportOptions(done_only=True, out=tmp_path / "a"))
    assert result.manifest["documents"] == {"all": [DOC0, DOC1]} and result.manifest["skipped"]["not_done"] == [DOC2]
    result = export(ws, ExportOptions(docs=(DOC2,), out=tmp_path / "b"))
    assert result.manifest["documents"] == {"all": [DOC2]}
    write_seed_annotations(ws, "alice")
    result = export(ws, ExportOptions(source="alice", docs=(DOC0,), out=tmp_path / "c"))
    line = orjson.loads((result.out / "all.jsonl").read_bytes())
    assert line["source"] == "alice" and line["id"] == DOC0
    assert cli(ws, "--docs", "nope,nada", "--out", str(tmp_path / "d")) == 2
    assert capsys.readouterr().err.splitlines() == [
        "annotator: error: --docs: no document 'nope' in the corpus",
        "annotator: error: --docs: no document 'nada' in the corpus",
    ]
    assert cli(ws, "--source", "nobody", "--out", str(tmp_path / "e")) == 2
    assert "no annotations by nobody" in capsys.readouterr().err
    assert not (tmp_path / "d").exists() and not (tmp_path / "e").exists()


def test_a_not_started_file_counts_when_it_holds_annotations(ws, tmp_path):
    """The one rule (annotations.model.counts_as_annotated) that agreement and adjudication use too."""
    from dataclasses import replace

    from annotator.core.annotations.model import counts_as_annotated

    store = AnnotationStore(ws.annotations_dir, "gold")
    marked = replace(store.read(DOC2), status="not_started")
    store.save(marked)
    untouched = replace(store.read(DOC0), status="not_started", entities=(), events=())
    store.save(untouched)
    assert counts_as_annotated(marked) and not counts_as_annotated(untouched)
    result = export(ws, ExportOptions(out=tmp_path / "out"))
    assert result.manifest["documents"] == {"all": [DOC1, DOC2]}  # 002 was skipped as not_started
    assert result.manifest["skipped"]["not_started"] == [DOC0]


def test_out_is_never_overwritten(ws, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert cli(ws, "--out", str(out)) == 2
    (error,) = capsys.readouterr().err.splitlines()
    assert "output folder exists and is not empty" in error
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli(ws, "--out", str(empty)) == 0
    assert sorted(p.name for p in empty.iterdir()) == ["all.jsonl", "manifest.json"]


def test_default_out_is_named_by_format_source_and_time(ws, capsys):
    assert cli(ws, "--format", "hf") == 0
    assert cli(ws, "--format", "hf") == 0
    names = sorted(p.name for p in ws.exports_dir.iterdir())
    assert len(names) == 2 and all(re.fullmatch(r"hf-gold-\d{8}T\d{6}Z(-2)?", n) for n in names)


def test_a_failed_export_leaves_nothing(ws, tmp_path, monkeypatch):
    calls = []

    def failing(doc, text, options):
        calls.append(doc.doc_id)
        if len(calls) == 2:
            raise AnnotatorError("boom")
        return original(doc, text, options)

    original = render_module.render_document
    monkeypatch.setattr(render_module, "render_document", failing)
    with pytest.raises(AnnotatorError, match="boom"):
        export(ws, ExportOptions(format="conll", out=tmp_path / "x" / "out"))
    assert list((tmp_path / "x").iterdir()) == []


def test_changed_texts_and_unreadable_files_stop_the_export(ws, tmp_path):
    AnnotationStore(ws.annotations_dir, "gold").path(DOC2).write_bytes(b"{")
    path = AnnotationStore(ws.annotations_dir, "gold").path(DOC0)
    path.write_bytes(path.read_bytes().replace(b'"text_sha256": "f9', b'"text_sha256": "00'))
    with pytest.raises(AnnotatorError) as info:
        export(ws, ExportOptions(out=tmp_path / "out"))
    lines = str(info.value).splitlines()
    assert len(lines) == 2
    assert "annotations were made on another text" in lines[0] and "not valid JSON" in lines[1]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "options",
    [
        dict(format="jsonl"),
        dict(format="hf", events=True),
        dict(format="conll", nested="columns", events=True, split=(50, 25, 25)),
        dict(format="spacy", events=True, split=(50, 50, 0)),
    ],
)
def test_workers_write_the_same_bytes(ws, tmp_path, monkeypatch, options):
    if options["format"] == "spacy":
        pytest.importorskip("spacy", reason="spaCy is in the 'oracles' extra (make test installs it)")
    one = export(ws, ExportOptions(out=tmp_path / "one", **options))
    monkeypatch.setattr(render_module, "PARALLEL_MIN", 1)
    monkeypatch.setattr(render_module, "BATCH", 1)
    monkeypatch.setattr(render_module.os, "cpu_count", lambda: 2)
    many = export(ws, ExportOptions(out=tmp_path / "many", **options))
    assert many.manifest["files"] == one.manifest["files"]
    assert many.manifest["counts"] == one.manifest["counts"]
    for key in ("documents", "skipped", "migrated"):
        assert many.manifest[key] == one.manifest[key]
