"""The interchange JSON Lines: export then import gives the same annotations; bad files import nothing."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from annotator.cli import main
from annotator.core.annotations.model import DocumentAnnotations
from annotator.core.annotations.store import AnnotationStore
from annotator.core.corpus import Corpus
from annotator.core.errors import AnnotatorError
from annotator.core.export import ExportOptions, export
from annotator.core.guidelines.migration import migrate
from annotator.core.interchange.jsonl import build_line, read_jsonl, save_imported
from annotator.core.text.tokens import tokenize
from tests.export.seed_annotations import DOC0, DOC1, DOC2, annotated_workspace, seed_annotations


@pytest.fixture
def ws(tmp_path: Path):
    return annotated_workspace(tmp_path / "ws")


@pytest.fixture
def lines(ws, tmp_path: Path) -> list[dict]:
    """The gold annotations as exported JSON Lines (documents 000, 001, 002)."""
    result = export(ws, ExportOptions(format="jsonl", out=tmp_path / "out"))
    return [orjson.loads(x) for x in (result.out / "all.jsonl").read_bytes().splitlines()]


def write_lines(path: Path, lines: list[dict | str]) -> Path:
    path.write_bytes(b"".join((x.encode() if isinstance(x, str) else orjson.dumps(x)) + b"\n" for x in lines))
    return path


def comparable(doc: DocumentAnnotations) -> tuple:
    return (
        doc.doc_id,
        doc.guidelines,
        doc.status,
        doc.text_sha256,
        sorted((e.id, e.start, e.end, e.label, e.needs_review or "") for e in doc.entities),
        sorted(
            (v.id, v.type, v.start, v.end, tuple(sorted((a.role, a.entity) for a in v.arguments)), v.needs_review or "")
            for v in doc.events
        ),
    )


def test_line_slices_match_and_tokens_are_the_tokenizer_s(ws, lines):
    assert [x["id"] for x in lines] == [DOC0, DOC1, DOC2]
    corpus = Corpus(ws.corpus_dir)
    for line in lines:
        text = corpus.text(line["id"])
        assert line["text"] == text and line["source"] == "gold" and line["guidelines"] == "2.0.0"
        for e in line["entities"]:
            assert text[e["start"] : e["end"]] == e["text"]
        for v in line["events"]:
            assert text[v["trigger"]["start"] : v["trigger"]["end"]] == v["trigger"]["text"]
        assert [(t["start"], t["end"]) for t in line["tokens"]] == tokenize(text)
        assert all(text[t["start"] : t["end"]] == t["text"] for t in line["tokens"])
        assert line["sentences"] and all(s["start"] < s["end"] for s in line["sentences"])


def test_export_then_import_is_identical(ws, tmp_path):
    result = export(ws, ExportOptions(format="jsonl", out=tmp_path / "out"))
    parsed = read_jsonl(result.out / "all.jsonl", ws, "bob")
    assert parsed.migrated == []  # the export already migrated 001 to 2.0.0
    save_imported(ws, "bob", parsed)
    gold, bob = AnnotationStore(ws.annotations_dir, "gold"), AnnotationStore(ws.annotations_dir, "bob")
    for doc_id in (DOC0, DOC1, DOC2):
        expected = gold.read(doc_id)
        expected, _ = migrate(expected, ws.guidelines_dir, "2.0.0")
        imported = bob.read(doc_id)
        assert imported.annotator == "bob"
        assert comparable(imported) == comparable(expected)


def test_older_lines_are_migrated_and_colons_read_as_dots(ws, tmp_path):
    doc = next(d for d in seed_annotations(ws.corpus_dir) if d.doc_id == DOC1)
    text = Corpus(ws.corpus_dir).text(DOC1)
    line = build_line(doc, text, "elsewhere")
    line["events"][0]["type"] = "Conflict:Attack"
    parsed = read_jsonl(write_lines(tmp_path / "old.jsonl", [line]), ws, "bob")
    (imported,) = parsed.docs
    assert imported.guidelines == "2.0.0"
    assert imported.events[0].type == "Conflict.Attack"
    labels = {e.label for e in imported.entities}
    assert "TIMEX" in labels and "DATE" not in labels
    assert [e.label for e in imported.entities if e.needs_review] == ["ORG"]
    assert any("DATE → TIMEX" in m for m in parsed.migrated)


def _break(line: dict, how: str, text: str) -> dict:
    line = orjson.loads(orjson.dumps(line))
    if how == "unknown doc":
        line["id"] = "no_such_doc"
    elif how == "text":
        line["text"] = line["text"][:-1]
    elif how == "sha":
        line["text_sha256"] = "0" * 64
    elif how == "no text":
        del line["text"], line["text_sha256"]
    elif how == "label":
        line["entities"][0]["label"] = "PERSON"
    elif how == "label of another version":
        line["entities"][0]["label"] = "DATE"  # 1.0.0 only; the line says 2.0.0
    elif how == "event type":
        line["events"][0]["type"] = "Conflict.Demonstrate"
    elif how == "role":
        line["events"][0]["arguments"][0]["role"] = "Victim"
    elif how == "role label":
        line["events"][0]["arguments"] = [{"role": "Time", "entity": line["entities"][0]["id"]}]
    elif how == "argument id":
        line["events"][0]["arguments"][0]["entity"] = "T99"
    elif how == "range":
        line["entities"][0]["end"] = len(text) + 1
    elif how == "reversed":
        line["entities"][0]["start"], line["entities"][0]["end"] = (
            line["entities"][0]["end"],
            line["entities"][0]["start"],
        )
    elif how == "entity text":
        line["entities"][0]["text"] = "غلط"
    elif how == "trigger text":
        line["events"][0]["trigger"]["text"] = "غلط"
    elif how == "duplicate id":
        line["entities"][1]["id"] = line["entities"][0]["id"]
    elif how == "status":
        line["status"] = "finished"
    elif how == "guidelines":
        line["guidelines"] = "9.9.9"
    elif how == "offset type":
        line["entities"][0]["start"] = "3"
    return line


BREAKS = {
    "unknown doc": "no document 'no_such_doc'",
    "text": "'text' differs",
    "sha": "'text_sha256' differs",
    "no text": "needs 'text' or 'text_sha256'",
    "label": "no label 'PERSON' in guidelines 2.0.0",
    "label of another version": "no label 'DATE' in guidelines 2.0.0",
    "event type": "no event type 'Conflict.Demonstrate'",
    "role": "has no role 'Victim'",
    "role label": "role Time of Conflict.Attack does not accept T1 (ORG)",
    "argument id": "names no entity 'T99'",
    "range": "outside the text",
    "reversed": "empty, reversed or outside",
    "entity text": "'text' 'غلط' is not the text",
    "trigger text": "trigger: 'text' 'غلط' is not the text",
    "duplicate id": "ids used more than once: T1",
    "status": "unknown status 'finished'",
    "guidelines": "guidelines '9.9.9' cannot be used",
    "offset type": "'start' and 'end' must be integers",
}


@pytest.mark.parametrize("how", BREAKS)
def test_each_problem_is_named_with_file_and_line(ws, lines, tmp_path, how):
    text = Corpus(ws.corpus_dir).text(DOC0)
    path = write_lines(tmp_path / "bad.jsonl", [lines[1], _break(lines[0], how, text)])
    with pytest.raises(AnnotatorError) as info:
        read_jsonl(path, ws, "bob")
    (message,) = str(info.value).splitlines()
    assert message.startswith(f"{path}:2: ")
    assert BREAKS[how] in message


def test_three_bad_lines_three_errors_nothing_imported(ws, lines, tmp_path, capsys):
    text = Corpus(ws.corpus_dir).text(DOC0)
    bad = [_break(lines[0], "label", text), "{not json", _break(lines[0], "status", text)]
    path = write_lines(tmp_path / "bad.jsonl", [lines[1], bad[0], "", bad[1], lines[2], bad[2]])
    code = main(["--workspace", str(ws.root), "import", "annotations", str(path), "--annotator", "bob"])
    errors = capsys.readouterr().err.splitlines()
    assert code == 2
    assert len(errors) == 3, errors
    assert [e.split(": ")[2].rsplit(":", 1)[1] for e in errors] == ["2", "4", "6"]
    assert all(e.startswith(f"annotator: error: {path}:") for e in errors)
    assert not (ws.annotations_dir / "bob").exists() or not list((ws.annotations_dir / "bob").glob("*.json"))


def test_existing_files_need_replace_and_unreadable_ones_are_never_overwritten(ws, lines, tmp_path, capsys):
    path = write_lines(tmp_path / "gold.jsonl", lines)
    argv = ["--workspace", str(ws.root), "import", "annotations", str(path), "--annotator", "gold"]
    assert main(argv) == 2
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 3 and all("--replace" in e for e in errors)
    broken = AnnotationStore(ws.annotations_dir, "gold").path(DOC2)
    broken.write_bytes(b"{broken")
    assert main([*argv, "--replace"]) == 2
    (error,) = capsys.readouterr().err.splitlines()
    assert "cannot be read, so it is not overwritten" in error and DOC2 in error
    assert broken.read_bytes() == b"{broken"
    broken.unlink()
    assert main([*argv, "--replace"]) == 0
    assert "imported 3 document(s) for gold" in capsys.readouterr().out
    assert AnnotationStore(ws.annotations_dir, "gold").read(DOC2).status == "in_progress"


def test_annotator_name_is_checked_and_gold_must_be_explicit(ws, lines, tmp_path, capsys, monkeypatch):
    path = write_lines(tmp_path / "x.jsonl", lines[:1])
    base = ["--workspace", str(ws.root)]
    monkeypatch.setenv("ANNOTATOR", "gold")
    assert main([*base, "import", "annotations", str(path)]) == 2
    assert "--annotator" in capsys.readouterr().err
    assert main([*base, "import", "annotations", str(path), "--annotator", "../x"]) == 2
    assert "bad annotator name" in capsys.readouterr().err
    assert main([*base, "--annotator", "carol", "import", "annotations", str(path)]) == 0
    assert AnnotationStore(ws.annotations_dir, "carol").read(DOC0) is not None


def test_newer_guidelines_than_the_workspace_are_refused(ws, lines, tmp_path):
    import shutil

    shutil.copytree(ws.guidelines_dir / "2.0.0", ws.guidelines_dir / "3.0.0")
    schema = ws.guidelines_dir / "3.0.0" / "schema.toml"
    text = schema.read_text(encoding="utf-8").split("\n[[migrations]]")[0]
    schema.write_text(
        text.replace('version = "2.0.0"', 'version = "3.0.0"').replace('previous = "1.0.0"', 'previous = "2.0.0"'),
        encoding="utf-8",
    )
    path = write_lines(tmp_path / "new.jsonl", [lines[0] | {"guidelines": "3.0.0"}])
    with pytest.raises(AnnotatorError, match="guidelines 3.0.0 is newer than the workspace's 2.0.0"):
        read_jsonl(path, ws, "bob")


def test_save_imported_refuses_a_locked_document(ws, lines, tmp_path):
    from annotator.core.annotations.store import DocumentLock

    path = write_lines(tmp_path / "x.jsonl", lines[:1])
    parsed = read_jsonl(path, ws, "bob")
    lock = DocumentLock(ws.annotations_dir / "bob" / ".locks" / f"{DOC0}.lock")
    assert lock.acquire() is None
    try:
        with pytest.raises(AnnotatorError, match="is being edited"):
            save_imported(ws, "bob", parsed)
    finally:
        lock.release()
    assert not AnnotationStore(ws.annotations_dir, "bob").path(DOC0).exists()


def test_the_real_command_exits_2_with_one_line_per_bad_line(ws, lines, tmp_path):
    import subprocess
    import sys

    text = Corpus(ws.corpus_dir).text(DOC0)
    path = write_lines(tmp_path / "bad.jsonl", [_break(lines[0], how, text) for how in ("label", "range", "status")])
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "annotator",
            "--workspace",
            str(ws.root),
            "import",
            "annotations",
            str(path),
            "--annotator",
            "bob",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    errors = proc.stderr.splitlines()
    assert [e.split(f"{path}:")[1].split(":")[0] for e in errors] == ["1", "2", "3"]
    assert not (ws.annotations_dir / "bob").exists()
