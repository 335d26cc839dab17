"""Spans that start or end inside a word token (البوكمال in والبوكمال): counted, warned about, and
widened, dropped or refused as ``--misaligned`` says; clitic tokens leave none."""

from __future__ import annotations

import orjson
import pytest

from annotator.cli import main
from annotator.core.corpus import Corpus
from annotator.core.text.tokens import tokenize
from tests.export.seed_annotations import DOC0, DOC1, annotated_workspace, gold


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return annotated_workspace(tmp_path_factory.mktemp("misaligned") / "ws")


def inside_words(ws, doc_id):
    """Independent of the exporter: the entities whose start or end falls strictly inside a word token."""
    text = Corpus(ws.corpus_dir).text(doc_id)
    doc = gold(ws, doc_id)
    cuts = {k for s, e in tokenize(text) for k in range(s + 1, e)}
    return [e for e in doc.entities if e.start in cuts or e.end in cuts]


def run(ws, tmp_path, capsys, name, *args):
    out = tmp_path / name
    code = main(["--workspace", str(ws.root), "export", "--done-only", "--format", "conll", "--out", str(out), *args])
    captured = capsys.readouterr()
    return code, out, captured.err.splitlines()


def test_widened_by_default_counted_in_the_manifest_and_warned(ws, tmp_path, capsys):
    expected = len(inside_words(ws, DOC0)) + len(inside_words(ws, DOC1))
    assert expected == 2  # ريف in بريف البوكمال, ريف in بريف دير الزور الشرقي
    code, out, err = run(ws, tmp_path, capsys, "widen")
    assert code == 0
    manifest = orjson.loads((out / "manifest.json").read_bytes())
    assert manifest["widened_spans"] == expected and manifest["dropped_misaligned"] == 0
    assert manifest["options"]["misaligned"] == "widen"
    assert err == [
        f"annotator: warning: {expected} span(s) start or end inside a token and were widened to whole tokens "
        "(manifest.json widened_spans; --tokens clitic cuts tokens at span boundaries)"
    ]


def test_dropped_spans_are_left_out_and_counted(ws, tmp_path, capsys):
    _, widened, _ = run(ws, tmp_path, capsys, "widen")
    code, out, err = run(ws, tmp_path, capsys, "drop", "--misaligned", "drop")
    assert code == 0 and len(err) == 1 and "2 span(s)" in err[0] and "left out" in err[0]
    kept = orjson.loads((widened / "manifest.json").read_bytes())
    manifest = orjson.loads((out / "manifest.json").read_bytes())
    assert manifest["dropped_misaligned"] == 2 and manifest["widened_spans"] == 0
    # widened, the two LOCs hid their nested GPEs (outermost); dropped, those GPEs come out instead
    assert manifest["counts"]["labels"]["LOC"] == kept["counts"]["labels"]["LOC"] - 2
    assert manifest["counts"]["labels"]["GPE"] == kept["counts"]["labels"]["GPE"] + 2


def test_error_names_the_first_span_and_the_count_and_writes_nothing(ws, tmp_path, capsys):
    code, out, err = run(ws, tmp_path, capsys, "error", "--misaligned", "error", "--split", "50,50,0")
    assert code == 2 and len(err) == 1
    first = inside_words(ws, DOC0)[0]
    text = Corpus(ws.corpus_dir).text(DOC0)
    assert err[0].startswith("annotator: error: --misaligned error: 2 span(s) start or end inside a token; the first: ")
    assert f"{DOC0} {first.id} {first.label} [{first.start}, {first.end}) {text[first.start : first.end]!r}" in err[0]
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_clitic_tokens_leave_nothing_misaligned(ws, tmp_path, capsys):
    code, out, err = run(ws, tmp_path, capsys, "clitic", "--tokens", "clitic", "--misaligned", "error")
    assert code == 0 and err == []
    manifest = orjson.loads((out / "manifest.json").read_bytes())
    assert manifest["widened_spans"] == 0 and manifest["dropped_misaligned"] == 0
