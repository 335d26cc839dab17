"""CoNLL exports read by seqeval, nested columns, trigger tags, and CoNLL imported back."""

from __future__ import annotations

import pytest

from annotator.cli import main
from annotator.core.annotations.store import AnnotationStore
from annotator.core.corpus import Corpus
from annotator.core.errors import AnnotatorError
from annotator.core.export import ExportOptions, export
from annotator.core.interchange.conll import read_conll as import_conll
from annotator.core.interchange.jsonl import save_imported
from annotator.core.text.tokens import tokenize
from tests.export.seed_annotations import DOC0, DOC1, annotated_workspace, gold, outermost, read_conll, token_spans


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return annotated_workspace(tmp_path_factory.mktemp("conll") / "ws")


ORACLE = "seqeval is a reference implementation from the 'oracles' extra (make test installs it)"


def seqeval():
    """seqeval's reader of tagged sequences (the oracle two tests compare against), or a skip."""
    return pytest.importorskip("seqeval.metrics.sequence_labeling", reason=ORACLE)


def file_tokens(doc):
    return [row for sentence in doc for row in sentence]


@pytest.mark.parametrize("scheme", ["iob2", "bioes", "bilou"])
def test_seqeval_reads_back_exactly_the_exported_entities(ws, tmp_path, scheme):
    get_entities = seqeval().get_entities
    from seqeval.scheme import BILOU, IOB2, IOBES, Entities

    result = export(ws, ExportOptions(format="conll", scheme=scheme, done_only=True, out=tmp_path / "out"))
    docs = read_conll(result.out / "all.conll")
    assert len(docs) == 2
    dropped = 0
    for doc_id, doc in zip([DOC0, DOC1], docs):
        text = Corpus(ws.corpus_dir).text(doc_id)
        rows = file_tokens(doc)
        assert [r[0] for r in rows] == [text[s:e] for s, e in tokenize(text)]
        expected = token_spans(text, gold(ws, doc_id).entities)
        outer = outermost(expected)
        dropped += len(expected) - len(outer)
        tag_seq = [r[1] for r in rows]
        if scheme != "bilou":  # seqeval's lenient reader knows B I E S, not L U
            assert set(get_entities(tag_seq)) == outer
        strict = Entities(
            [[r[1] for r in s] for s in doc], scheme={"iob2": IOB2, "bioes": IOBES, "bilou": BILOU}[scheme]
        )
        offsets = [0]
        for s in doc:
            offsets.append(offsets[-1] + len(s))
        assert {
            (e.tag, offsets[e.sent_id] + e.start, offsets[e.sent_id] + e.end - 1) for e in strict.entities for e in e
        } == outer
    assert result.manifest["dropped_nested"] == dropped == 3


def test_nested_columns_keep_every_entity_and_the_same_column_count(ws, tmp_path):
    get_entities = seqeval().get_entities
    result = export(
        ws, ExportOptions(format="conll", nested="columns", events=True, done_only=True, out=tmp_path / "out")
    )
    text = (result.out / "all.conll").read_text(encoding="utf-8")
    widths = {len(line.split("\t")) for line in text.split("\n") if line and line != "-DOCSTART- -X- O O"}
    assert widths == {4}  # token, two nesting levels, triggers
    assert text.startswith("-DOCSTART- -X- O O\n\n") and text.count("-DOCSTART-") == 2
    assert result.manifest["dropped_nested"] == 0 and result.manifest["entity_columns"] == 2
    assert result.manifest["columns"] == ["token", "ner", "ner_2", "trigger"]
    for doc_id, doc in zip([DOC0, DOC1], read_conll(result.out / "all.conll")):
        rows = file_tokens(doc)
        doc_text = Corpus(ws.corpus_dir).text(doc_id)
        annotations = gold(ws, doc_id)
        found = set()
        for column in (1, 2):
            found |= set(get_entities([r[column] for r in rows]))
        assert found == token_spans(doc_text, annotations.entities)
        triggers = set(get_entities([r[3] for r in rows]))
        assert triggers == {
            (label, a, b)
            for label, a, b in token_spans(
                doc_text, [type("T", (), {"start": v.start, "end": v.end, "label": v.type}) for v in annotations.events]
            )
        }
        assert {t[0] for t in triggers} == {"Conflict.Attack"}


@pytest.mark.parametrize("scheme", ["bioes", "bilou"])
def test_clitic_export_imports_back_to_the_same_spans(ws, tmp_path, scheme):
    result = export(
        ws,
        ExportOptions(
            format="conll", nested="columns", tokens="clitic", events=True, scheme=scheme, out=tmp_path / "out"
        ),
    )
    parsed = import_conll(result.out / "all.conll", ws, f"bob-{scheme}", status="done")
    assert [d.doc_id for d in parsed.docs] == result.manifest["documents"]["all"]
    for doc in parsed.docs:
        expected = gold(ws, doc.doc_id)
        assert {(e.start, e.end, e.label) for e in doc.entities} == {
            (e.start, e.end, e.label) for e in expected.entities
        }
        assert {(v.start, v.end, v.type) for v in doc.events} == {(v.start, v.end, v.type) for v in expected.events}
    save_imported(ws, f"bob-{scheme}", parsed)
    assert AnnotationStore(ws.annotations_dir, f"bob-{scheme}").read(DOC0).status == "done"


def test_import_without_docstart_with_doc_iob1_and_spaces(ws, tmp_path):
    text = Corpus(ws.corpus_dir).text(DOC0)
    words = [text[s:e] for s, e in tokenize(text)]
    tags = ["O"] * len(words)
    tags[0] = "I-ORG"  # IOB1: an entity may start with I-
    tags[6] = "I-GPE"
    path = tmp_path / "one.txt"
    path.write_text("\n".join(f"{w} {t}" for w, t in zip(words, tags)) + "\n", encoding="utf-8")
    (doc,) = import_conll(path, ws, "bob", doc_ids=[DOC0]).docs
    assert [(text[e.start : e.end], e.label) for e in doc.entities] == [("التحالف", "ORG"), ("ديرالزور", "GPE")]
    (matched,) = import_conll(path, ws, "bob").docs  # found by its text
    assert matched.doc_id == DOC0


def test_import_refuses_what_cannot_be_aligned_or_read_with_line_numbers(ws, tmp_path):
    text = Corpus(ws.corpus_dir).text(DOC0)
    words = [text[s:e] for s, e in tokenize(text)]
    lines = [f"{w}\tO" for w in words]
    lines[2] = "اهداف\tO"  # the text has أهدافاً
    lines[4] = "الإيرانية\tB-PERSON"
    lines[5] = "في\tO\tO"
    lines[6] = "ديرالزور\tX-GPE"
    path = tmp_path / "bad.conll"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(AnnotatorError) as info:
        import_conll(path, ws, "bob", doc_ids=[DOC0])
    assert str(info.value).splitlines() == [
        f"{path}:6: 2 tag columns where the file has 1",
        f"{path}:7: 'X-GPE' is not a tag (O, or B-, I-, E-, S- and a label)",
    ]
    lines[5], lines[6] = "في\tO", "ديرالزور\tB-GPE"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(AnnotatorError) as info:
        import_conll(path, ws, "bob", doc_ids=[DOC0])
    (error,) = str(info.value).splitlines()
    assert error == f"{path}:3: token 'اهداف' does not match the text at offset 13 ('أهدافاً لل')"
    lines[2] = "أهدافاً\tO"
    path.write_text("\n".join(lines[:-3]) + "\n", encoding="utf-8")
    with pytest.raises(AnnotatorError) as info:
        import_conll(path, ws, "bob", doc_ids=[DOC0])
    assert "the document goes on after the last token" in str(info.value)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(AnnotatorError, match=rf"{path}:5: no label 'PERSON' in guidelines 2.0.0"):
        import_conll(path, ws, "bob", doc_ids=[DOC0])
    path.write_text("\n".join(["-DOCSTART-\tO", "", "كلمة\tO"]) + "\n", encoding="utf-8")
    with pytest.raises(AnnotatorError, match=rf"{path}:1: no document in the corpus has these tokens"):
        import_conll(path, ws, "bob")


def test_cli_import_conll_by_extension(ws, tmp_path, capsys):
    result = export(ws, ExportOptions(format="conll", tokens="clitic", docs=(DOC1,), out=tmp_path / "out"))
    code = main(
        ["--workspace", str(ws.root), "import", "annotations", str(result.out / "all.conll"), "--annotator", "carol"]
    )
    assert code == 0, capsys.readouterr().err
    doc = AnnotationStore(ws.annotations_dir, "carol").read(DOC1)
    expected = gold(ws, DOC1)
    nested = {
        (e.start, e.end, e.label)
        for e in expected.entities
        if e.label == "GPE" and any(o.start <= e.start and e.end <= o.end and o is not e for o in expected.entities)
    }
    assert {(e.start, e.end, e.label) for e in doc.entities} == {
        (e.start, e.end, e.label) for e in expected.entities
    } - nested
    assert doc.status == "in_progress" and doc.events == ()
