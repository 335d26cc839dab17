"""spaCy reads the exports as they are: ``spacy convert`` on the CoNLL export, DocBin files from
``--format spacy``, and ``spacy train`` on those files with a config spaCy generates itself."""

from __future__ import annotations

import subprocess
import sys

import orjson
import pytest

from annotator.cli import main
from annotator.core.corpus import Corpus
from annotator.core.export import ExportOptions, export
from annotator.core.export import docbin as docbin_module
from annotator.core.text.tokens import tokenize
from annotator.synthetic import generate
from tests.export.seed_annotations import DOC0, DOC1, DOC2, annotated_workspace, gold, outermost, token_spans

ORACLE = "spaCy is a reference reader from the 'oracles' extra (make test installs it)"


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return annotated_workspace(tmp_path_factory.mktemp("spacy") / "ws")


def spacy_run(*args: str, cwd) -> subprocess.CompletedProcess:
    """spaCy's own command line, as a user runs it."""
    result = subprocess.run(
        [sys.executable, "-m", "spacy", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def read_docbin(path, vocab):
    from spacy.tokens import DocBin

    return list(DocBin().from_disk(path).get_docs(vocab))


def test_spacy_convert_reads_documents_and_entities_of_the_conll_export(ws, tmp_path):
    spacy = pytest.importorskip("spacy", reason=ORACLE)
    source = tmp_path / "in"
    source.mkdir()
    for scheme in ("iob2", "bilou"):
        result = export(ws, ExportOptions(format="conll", scheme=scheme, out=tmp_path / scheme))
        # spacy convert takes a folder of files named for the converter; one run converts both
        (source / f"{scheme}.ner").write_bytes((result.out / "all.conll").read_bytes())
    (tmp_path / "out").mkdir()
    spacy_run("convert", str(source), str(tmp_path / "out"), "--converter", "ner", cwd=tmp_path)
    vocab = spacy.blank("ar").vocab
    for scheme in ("iob2", "bilou"):
        docs = read_docbin(tmp_path / "out" / f"{scheme}.spacy", vocab)
        assert len(docs) == 3, scheme  # -DOCSTART-\tO made one junk one-token sentence per document
        for doc_id, doc in zip([DOC0, DOC1, DOC2], docs):
            text = Corpus(ws.corpus_dir).text(doc_id)
            assert [t.text for t in doc] == [text[s:e] for s, e in tokenize(text)]
            found = {(e.label_, e.start, e.end - 1) for e in doc.ents}
            assert found == outermost(token_spans(text, gold(ws, doc_id).entities)), (scheme, doc_id)


def test_docbin_files_hold_the_text_the_entities_nested_spans_and_triggers(ws, tmp_path):
    spacy = pytest.importorskip("spacy", reason=ORACLE)
    result = export(ws, ExportOptions(format="spacy", events=True, split=(34, 33, 33), seed=10, out=tmp_path / "out"))
    assert result.manifest["documents"] == {"train": [DOC0], "dev": [DOC1], "test": [DOC2]}
    assert sorted(result.manifest["files"]) == ["dev.spacy", "test.spacy", "train.spacy"]
    vocab = spacy.blank("ar").vocab
    corpus = Corpus(ws.corpus_dir)
    for name, ids in result.manifest["documents"].items():
        (doc,) = read_docbin(result.out / f"{name}.spacy", vocab)
        (doc_id,) = ids
        text = corpus.text(doc_id)
        assert doc.text == text
        words = [(s, e) for s, e in tokenize(text)]
        annotations = gold(ws, doc_id)

        def chars(spans, words=words):
            return {(label, words[a][0], words[b][1]) for label, a, b in spans}

        expected = token_spans(text, annotations.entities)
        assert {(e.label_, e.start_char, e.end_char) for e in doc.ents} == chars(outermost(expected))
        assert {(e.label_, e.start_char, e.end_char) for e in doc.spans["sc"]} == chars(expected)
        triggers = {(v.type, v.start, v.end) for v in annotations.events}
        assert {(e.label_, e.start_char, e.end_char) for e in doc.spans["triggers"]} == triggers
        assert all(s.text.strip() for s in doc.sents)


def test_spacy_train_runs_on_the_export_unchanged(tmp_path, capsys):
    pytest.importorskip("spacy", reason=ORACLE)
    synth = generate(tmp_path / "ws", docs=12, annotators=1, entities=8, events=0)
    out = tmp_path / "data"
    code = main(
        [
            "--workspace",
            str(synth.workspace.root),
            "export",
            "--format",
            "spacy",
            "--split",
            "60,40,0",
            "--out",
            str(out),
        ]
    )
    assert code == 0, capsys.readouterr().err
    manifest = orjson.loads((out / "manifest.json").read_bytes())
    assert manifest["documents"]["train"] and manifest["documents"]["dev"]
    spacy_run("init", "config", "config.cfg", "--lang", "ar", "--pipeline", "ner", cwd=tmp_path)
    spacy_run(
        "train",
        "config.cfg",
        "--paths.train",
        "data/train.spacy",
        "--paths.dev",
        "data/dev.spacy",
        "--training.max_steps",
        "20",
        "--training.eval_frequency",
        "10",
        "--output",
        "model",
        cwd=tmp_path,
    )
    assert (tmp_path / "model" / "model-last" / "meta.json").is_file()


def test_without_spacy_one_line_says_how_to_install_it(ws, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "spacy.tokens", None)  # importing it raises ImportError
    docbin_module.spacy_tokens.cache_clear()
    try:
        code = main(["--workspace", str(ws.root), "export", "--format", "spacy", "--out", str(tmp_path / "out")])
    finally:
        docbin_module.spacy_tokens.cache_clear()
    assert code == 2
    assert capsys.readouterr().err.splitlines() == [
        "annotator: error: --format spacy needs spaCy, which is not installed (pip install 'annotator[spacy]')"
    ]
    assert list(tmp_path.iterdir()) == []


def test_nested_columns_are_refused_for_spacy(ws, tmp_path):
    from annotator.core.errors import AnnotatorError

    with pytest.raises(AnnotatorError, match="doc.spans"):
        export(ws, ExportOptions(format="spacy", nested="columns", out=tmp_path / "out"))
