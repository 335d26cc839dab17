"""CoNLL import reads BIOES and BILOU strictly and IOB1/IOB2 as IOB1, checked against seqeval,
an implementation we did not write: every BIOES (BILOU) sequence seqeval's strict mode does not
take whole (a tag it leaves out of every entity) is refused with its line; every sequence it
takes whole gives seqeval's entities. An IOB sequence that seqeval's strict IOB2 or IOB1 reader
takes whole gives that reader's entities, and every IOB tag lands in exactly one entity."""

from __future__ import annotations

from itertools import product

import pytest

from annotator.core.corpus import Corpus
from annotator.core.errors import AnnotatorError
from annotator.core.export import ExportOptions, export
from annotator.core.export.tagging import SCHEMES, decode
from annotator.core.interchange.conll import _read_strictly, read_conll
from annotator.core.text.tokens import tokenize
from tests.export.seed_annotations import DOC0, DOC1, annotated_workspace, gold

ORACLE = "seqeval is a reference implementation from the 'oracles' extra (make test installs it)"
scheme_module = pytest.importorskip("seqeval.scheme", reason=ORACLE)

LABELS = ("X", "Y")


def sequences(prefixes: str, longest: int = 4):
    """Every tag sequence of 1 to ``longest`` tags over ``prefixes`` and two labels."""
    alphabet = ["O", *(f"{p}-{label}" for p in prefixes for label in LABELS)]
    for n in range(1, longest + 1):
        yield from (list(seq) for seq in product(alphabet, repeat=n))


def seqeval_strict(tags: list[str], scheme) -> tuple[bool, list[tuple[int, int, str]]]:
    """seqeval's strict reading: whether it takes every tag into an entity, and its entities."""
    entities = [(e.start, e.end, e.tag) for e in scheme_module.Tokens(tags, scheme).entities]
    covered = {i for start, end, _ in entities for i in range(start, end)}
    return covered == {i for i, tag in enumerate(tags) if tag != "O"}, entities


@pytest.mark.parametrize(("name", "prefixes", "oracle"), [("BIOES", "BIES", "IOBES"), ("BILOU", "BILU", "BILOU")])
def test_strict_schemes_accept_and_refuse_exactly_what_seqeval_does(name, prefixes, oracle):
    scheme = getattr(scheme_module, oracle)
    tried = refused = 0
    for tags in sequences(prefixes):
        whole, expected = seqeval_strict(tags, scheme)
        spans, broken = _read_strictly(tags, name)
        tried += 1
        if whole:
            assert broken is None, tags
            assert spans == expected, tags
        else:
            assert broken is not None, tags
            refused += 1
    assert tried == 9 + 9**2 + 9**3 + 9**4 and refused > tried // 2


def test_iob_reads_as_seqevals_strict_iob2_or_iob1_whenever_they_take_the_sequence_whole():
    iob1, iob2 = scheme_module.IOB1, scheme_module.IOB2
    agreed = {"IOB1": 0, "IOB2": 0}
    for tags in sequences("BI", 5):
        spans = decode(tags)
        covered = [i for start, end, _ in spans for i in range(start, end)]
        assert covered == [i for i, tag in enumerate(tags) if tag != "O"], tags  # each tag in one entity
        for oracle_name, oracle in (("IOB1", iob1), ("IOB2", iob2)):
            whole, expected = seqeval_strict(tags, oracle)
            if whole:
                assert spans == expected, (oracle_name, tags)
                agreed[oracle_name] += 1
    assert min(agreed.values()) > 100


# --- through the import, with file and line ------------------------------------------------------


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return annotated_workspace(tmp_path_factory.mktemp("schemes") / "ws")


def words(ws) -> list[str]:
    text = Corpus(ws.corpus_dir).text(DOC0)
    return [text[s:e] for s, e in tokenize(text)]


def write(path, tokens: list[str], tags: dict[int, str]):
    path.write_text("\n".join(f"{w}\t{tags.get(i, 'O')}" for i, w in enumerate(tokens)) + "\n", encoding="utf-8")
    return path


ILL_FORMED = {
    "E-then-I": ({0: "B-ORG", 1: "E-ORG", 2: "I-ORG"}, 3, "'I-ORG' after 'E-ORG'"),
    "I-after-O": ({0: "S-ORG", 3: "I-GPE"}, 4, "'I-GPE' after 'O'"),
    "B-X-then-E-Y": ({5: "B-ORG", 6: "E-GPE"}, 7, "'E-GPE' after 'B-ORG'"),
    "S-inside": ({0: "B-ORG", 1: "S-GPE", 2: "E-ORG"}, 2, "'S-GPE' after 'B-ORG'"),
    "left-open": ({0: "S-ORG", 1: "B-GPE", 2: "I-GPE"}, 4, "'O' after 'I-GPE'"),
    "I-first": ({0: "I-ORG", 1: "E-ORG"}, 1, "'I-ORG' after the start of the sentence"),
}


@pytest.mark.parametrize(("tags", "line", "why"), ILL_FORMED.values(), ids=ILL_FORMED.keys())
def test_an_ill_formed_bioes_file_is_refused_with_its_line(ws, tmp_path, tags, line, why):
    path = write(tmp_path / "bad.conll", words(ws), tags)
    with pytest.raises(AnnotatorError) as info:
        read_conll(path, ws, "bob", doc_ids=[DOC0])
    (error,) = str(info.value).splitlines()
    assert error.startswith(f"{path}:{line}: ill-formed BIOES tag sequence: {why}"), error


def test_a_sentence_ending_inside_an_entity_is_refused_at_its_last_token(ws, tmp_path):
    tokens = words(ws)
    path = write(tmp_path / "open.conll", tokens, {0: "S-ORG", len(tokens) - 1: "B-GPE"})
    with pytest.raises(AnnotatorError, match=rf"{path}:{len(tokens)}: .*the end of the sentence after 'B-GPE'"):
        read_conll(path, ws, "bob", doc_ids=[DOC0])


def test_bioes_and_bilou_tags_in_one_file_are_refused(ws, tmp_path):
    path = write(tmp_path / "mixed.conll", words(ws), {0: "S-ORG", 3: "U-GPE"})
    with pytest.raises(AnnotatorError, match=rf"{path}:4: tags of two schemes in one file"):
        read_conll(path, ws, "bob", doc_ids=[DOC0])


def test_an_iob1_file_still_starts_entities_with_i(ws, tmp_path):
    tokens = words(ws)
    path = write(tmp_path / "iob1.conll", tokens, {0: "I-ORG", 3: "I-GPE", 4: "B-GPE"})
    (doc,) = read_conll(path, ws, "bob", doc_ids=[DOC0]).docs
    text = Corpus(ws.corpus_dir).text(DOC0)
    assert [(text[e.start : e.end], e.label) for e in doc.entities] == [
        (tokens[0], "ORG"),
        (tokens[3], "GPE"),
        (tokens[4], "GPE"),
    ]


@pytest.mark.parametrize("scheme", [s for s in SCHEMES if s != "iob2"])
@pytest.mark.parametrize("nested", ["outermost", "columns"])
def test_the_program_s_own_strict_exports_import_back(ws, tmp_path, scheme, nested):
    result = export(
        ws,
        ExportOptions(format="conll", scheme=scheme, nested=nested, tokens="clitic", events=True, out=tmp_path / "out"),
    )
    parsed = read_conll(result.out / "all.conll", ws, "bob")
    by_id = {doc.doc_id: doc for doc in parsed.docs}
    for doc_id in (DOC0, DOC1):
        expected = {(e.start, e.end, e.label) for e in gold(ws, doc_id).entities}
        got = {(e.start, e.end, e.label) for e in by_id[doc_id].entities}
        assert got <= expected and (nested == "outermost" or got == expected)
