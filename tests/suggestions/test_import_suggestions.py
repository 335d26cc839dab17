"""`annotator import annotations FILE --as-suggestions --source NAME`: a model's predictions become
suggestions, never annotations; bad input is one line, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from annotator.cli import main
from annotator.core.corpus import Corpus
from annotator.core.export import ExportOptions, export
from annotator.core.suggestions.store import read_model
from annotator.core.workspace import Workspace
from tests.conftest import CliResult, assert_one_error, copy_workspace
from tests.export.seed_annotations import DOC0, DOC1, annotated_workspace, find


def run(ws: Workspace, capsys: pytest.CaptureFixture[str], *args: str | Path) -> CliResult:
    code = main(["--workspace", str(ws.root), "import", "annotations", *map(str, args)])
    out, err = capsys.readouterr()
    return CliResult(code, out, err)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.open(copy_workspace(tmp_path / "ws"))


def model_line(ws: Workspace, doc_id: str, entities: list[dict], **extra) -> dict:
    text = Corpus(ws.corpus_dir).text(doc_id)
    return {"id": doc_id, "text": text, "guidelines": "2.0.0", "entities": entities, **extra}


def write(path: Path, lines: list[dict]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(x) + b"\n" for x in lines))
    return path


def entity(ws: Workspace, doc_id: str, needle: str, label: str, n: int, score: object = None) -> dict:
    start, end = find(Corpus(ws.corpus_dir).text(doc_id), needle)
    item: dict = {"id": f"T{n}", "start": start, "end": end, "label": label}
    if score is not None:
        item["score"] = score
    return item


def written(ws: Workspace) -> list[Path]:
    return sorted(p for p in (ws.root / "suggestions").rglob("*") if p.is_file())


def test_jsonl_with_scores_becomes_suggestions_and_no_annotation(ws, tmp_path, capsys):
    file = write(
        tmp_path / "model.jsonl",
        [
            model_line(
                ws, DOC0, [entity(ws, DOC0, "البوكمال", "GPE", 1, 0.75), entity(ws, DOC0, "فرات بوست", "MEDIA", 2)]
            ),
            model_line(ws, DOC1, [entity(ws, DOC1, "البوكمال", "GPE", 1, 1)]),
        ],
    )
    result = run(ws, capsys, file, "--as-suggestions", "--source", "ner-v1")
    assert result.code == 0, result.err
    assert "imported 3 suggestion(s) for 2 document(s)" in result.out
    assert list(ws.annotations_dir.iterdir()) == []  # never annotations
    text = Corpus(ws.corpus_dir).text(DOC0)
    info = Corpus(ws.corpus_dir).info(DOC0)
    got = read_model(ws.root, "ner-v1", DOC0, text, info.sha256)
    assert {(s.text, s.label, s.score, s.source) for s in got} == {
        ("البوكمال", "GPE", 0.75, "ner-v1"),
        ("فرات بوست", "MEDIA", None, "ner-v1"),
    }
    assert read_model(ws.root, "ner-v1", DOC0, text, "0" * 64) == []  # made on another text: ignored


def test_reimporting_a_source_replaces_its_files_for_those_documents(ws, tmp_path, capsys):
    first = write(tmp_path / "a.jsonl", [model_line(ws, DOC0, [entity(ws, DOC0, "البوكمال", "GPE", 1, 0.5)])])
    again = write(tmp_path / "b.jsonl", [model_line(ws, DOC0, [entity(ws, DOC0, "البوكمال", "LOC", 1, 0.5)])])
    assert run(ws, capsys, first, "--as-suggestions", "--source", "m").code == 0
    assert run(ws, capsys, again, "--as-suggestions", "--source", "m").code == 0
    text, sha = Corpus(ws.corpus_dir).text(DOC0), Corpus(ws.corpus_dir).info(DOC0).sha256
    assert [s.label for s in read_model(ws.root, "m", DOC0, text, sha)] == ["LOC"]


def test_conll_imports_as_suggestions_without_scores(tmp_path, capsys):
    source = annotated_workspace(tmp_path / "source")
    out = export(source, ExportOptions(format="conll", out=tmp_path / "out", docs=(DOC0,))).out
    [conll] = sorted(out.glob("*.conll"))
    ws = Workspace.open(copy_workspace(tmp_path / "ws"))
    result = run(ws, capsys, conll, "--as-suggestions", "--source", "tagger")
    assert result.code == 0, result.err
    text, sha = Corpus(ws.corpus_dir).text(DOC0), Corpus(ws.corpus_dir).info(DOC0).sha256
    got = read_model(ws.root, "tagger", DOC0, text, sha)
    assert ("البوكمال", "GPE") in {(s.text, s.label) for s in got}
    assert all(s.score is None and s.text == text[s.start : s.end] for s in got)
    assert list(ws.annotations_dir.iterdir()) == []


@pytest.mark.parametrize(
    ("change", "needles"),
    [
        (lambda line: line["entities"][0].update(label="NOPE"), ["NOPE"]),
        (lambda line: line.update(id="no-such-doc"), ["no-such-doc"]),
        (lambda line: line["entities"][0].update(score=1.5), ["score", "1.5"]),
        (lambda line: line["entities"][0].update(score="high"), ["score", "high"]),
        (lambda line: line["entities"][0].update(score=True), ["score", "True"]),
        (lambda line: line.update(text_sha256="0" * 64, text=None) or line.pop("text"), ["text_sha256"]),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(ws, tmp_path, capsys, change, needles):
    good = model_line(ws, DOC1, [entity(ws, DOC1, "البوكمال", "GPE", 1, 0.9)])
    bad = model_line(ws, DOC0, [entity(ws, DOC0, "البوكمال", "GPE", 1, 0.9)])
    change(bad)
    file = write(tmp_path / "model.jsonl", [good, bad])
    assert_one_error(run(ws, capsys, file, "--as-suggestions", "--source", "ner"), f"{file}:2", *needles)
    assert not (ws.root / "suggestions").exists()


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--source", "bad/name"], ["--source", "bad/name"]),
        (["--source", "gold"], ["--source", "reserved"]),
        (["--source", "annotations"], ["--source", "reserved"]),
        (["--source", "guidelines"], ["--source", "reserved"]),
        ([], ["--source"]),
        (["--source", "ner", "--annotator", "amal"], ["--annotator", "--as-suggestions"]),
    ],
)
def test_bad_options_are_one_line_and_write_nothing(ws, tmp_path, capsys, args, needles):
    file = write(tmp_path / "model.jsonl", [model_line(ws, DOC0, [entity(ws, DOC0, "البوكمال", "GPE", 1)])])
    assert_one_error(run(ws, capsys, file, "--as-suggestions", *args), *needles)
    assert not (ws.root / "suggestions").exists() and list(ws.annotations_dir.iterdir()) == []


def test_a_write_that_fails_leaves_every_file_as_it_was(ws, tmp_path, capsys, monkeypatch):
    import errno
    import os

    import annotator.core.jsonio as jsonio

    first = write(tmp_path / "a.jsonl", [model_line(ws, DOC0, [entity(ws, DOC0, "البوكمال", "GPE", 1)])])
    assert run(ws, capsys, first, "--as-suggestions", "--source", "m").code == 0
    before = {p: p.read_bytes() for p in written(ws)}
    both = write(
        tmp_path / "b.jsonl",
        [
            model_line(ws, DOC0, [entity(ws, DOC0, "البوكمال", "LOC", 1)]),
            model_line(ws, DOC1, [entity(ws, DOC1, "البوكمال", "GPE", 1)]),
        ],
    )
    renames = []
    real = os.replace

    def second_rename_fails(a, b):  # the disk fills up after DOC0's file is in place
        renames.append(b)
        if len(renames) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(a, b)

    monkeypatch.setattr(jsonio.os, "replace", second_rename_fails)
    assert_one_error(run(ws, capsys, both, "--as-suggestions", "--source", "m"), "nothing was imported")
    monkeypatch.undo()
    assert {p: p.read_bytes() for p in written(ws)} == before


def test_suggestions_and_decisions_reach_no_agreement_adjudication_export_or_validate(tmp_path, capsys):
    import shutil

    from annotator.core.annotations.store import AnnotationStore
    from annotator.core.identity import GOLD
    from annotator.core.suggestions.model import ACCEPTED, REJECTED, Decision
    from annotator.core.suggestions.store import DecisionStore
    from tests.conftest import REPO
    from tests.export.seed_annotations import write_seed_annotations

    def team(name: str) -> Workspace:  # two annotators who said the same, no gold yet
        ws = annotated_workspace(tmp_path / name, "amal")
        write_seed_annotations(ws, "omar")
        shutil.copy(REPO / ".gitignore", ws.root / ".gitignore")
        return ws

    def outputs(ws: Workspace) -> tuple:
        root = ["--workspace", str(ws.root)]
        report = tmp_path / f"{ws.root.name}.json"
        assert main([*root, "agreement", "--format", "json", "--out", str(report), "--no-cache"]) == 0
        assert main([*root, "adjudicate", "--strategy", "unanimous"]) == 0
        exported = tmp_path / f"{ws.root.name}-export"
        assert main([*root, "export", "--format", "jsonl", "--source", "amal", "--out", str(exported)]) == 0
        assert main([*root, "validate"]) == 0
        said = capsys.readouterr()
        data = orjson.loads(report.read_bytes())
        data.pop("generated", None)
        gold = AnnotationStore(ws.annotations_dir, GOLD)
        merged = {d: sorted((e.start, e.end, e.label) for e in gold.read(d).entities) for d in (DOC0, DOC1)}
        folders = sorted(p.name for p in ws.annotations_dir.iterdir())
        return data, merged, (exported / "all.jsonl").read_bytes(), folders, said.err.replace(str(ws.root), "WS")

    plain, with_suggestions = team("plain"), team("suggested")
    line = model_line(
        with_suggestions, DOC0, [entity(with_suggestions, DOC0, "البوكمال", "GPE", 1, 0.9)], text_sha256=None
    )
    line.pop("text_sha256")
    assert (
        run(with_suggestions, capsys, write(tmp_path / "m.jsonl", [line]), "--as-suggestions", "--source", "ner").code
        == 0
    )
    for who in ("amal", "omar", "zaid"):
        decided = [Decision(1, 4, "GPE", "ner", ACCEPTED, "t"), Decision(5, 9, "ORG", "ner", REJECTED, "t")]
        DecisionStore(with_suggestions, who).record(DOC0, decided)
    assert (with_suggestions.root / "suggestions" / "decisions" / "zaid").is_dir()
    expected, got = outputs(plain), outputs(with_suggestions)
    assert got == expected
    assert got[3] == ["amal", GOLD, "omar"] and got[4].startswith("ok: no problems")
    assert got[1][DOC0]  # adjudication merged something
