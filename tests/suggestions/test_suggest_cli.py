"""`annotator suggest`: what the reader would propose, as JSON lines or a table; bad input one line."""

from __future__ import annotations

from types import SimpleNamespace

import orjson

from annotator.cli import main
from annotator.core.corpus import Corpus
from annotator.core.text.normalize import find_all
from tests.conftest import SEED_IDS, assert_one_error, write_done


def run(capsys, *argv: str) -> SimpleNamespace:
    code = main(list(argv))
    out = capsys.readouterr()
    return SimpleNamespace(code=code, out=out.out, err=out.err)


def test_suggestions_as_json_lines_cut_the_names_the_annotator_taught(workspace, capsys):
    corpus = Corpus(workspace.corpus_dir)
    first, second = SEED_IDS[0], SEED_IDS[1]
    taught = [(s, e, "ORG") for s, e in find_all(corpus.text(first), "فرات بوست")]
    write_done(workspace, "amal", first, taught)
    result = run(capsys, "--workspace", str(workspace.root), "suggest", second, "--annotator", "amal")
    assert result.code == 0, result.err
    rows = [orjson.loads(line) for line in result.out.splitlines()]
    text = corpus.text(second)
    assert rows, "the second article names places the guidelines give as examples"
    for row in rows:
        assert text[row["start"] : row["end"]] == row["text"]
        assert set(row) >= {"start", "end", "label", "text", "source", "score"}
    expected = {(s, e) for s, e in find_all(text, "فرات بوست")}
    got = {(r["start"], r["end"]) for r in rows if r["label"] == "ORG" and r["source"] == "annotations"}
    assert expected and expected <= got


def test_the_table_says_why(workspace, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    result = run(
        capsys, "--workspace", str(workspace.root), "suggest", SEED_IDS[0], "--annotator", "amal", "--format", "table"
    )
    assert result.code == 0, result.err
    assert "guidelines' examples" in result.out and "البوكمال" in result.out


def test_an_unknown_document_or_a_reserved_name_is_one_line(workspace, capsys):
    assert_one_error(run(capsys, "--workspace", str(workspace.root), "suggest", "nope", "--annotator", "amal"), "nope")
    assert_one_error(
        run(capsys, "--workspace", str(workspace.root), "suggest", SEED_IDS[0], "--annotator", "gold"), "gold"
    )
