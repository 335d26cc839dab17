"""Imported spans lie on whole characters of the text: none starts or ends inside a character
(on a combining mark that belongs to the letter before it), none is only white space; and every
annotator name an import meets (``--annotator``, ``agreed_by`` in the file) is checked, so
``Gold`` or ``GOLD`` never becomes an annotator's folder."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from types import SimpleNamespace

import orjson
import pytest

from annotator.cli import main
from annotator.core.corpus import Corpus, sha256_text
from annotator.core.errors import AnnotatorError
from annotator.core.interchange.conll import read_conll
from annotator.core.interchange.jsonl import read_jsonl, save_imported
from annotator.core.interchange.spans import span_problem
from annotator.core.text.characters import CONTINUING
from annotator.core.text.tokens import tokenize
from tests.conftest import assert_one_error
from tests.export.seed_annotations import DOC0, annotated_workspace

# DOC0 begins "التحالف يقصف أهدافاً": أهدافاً is 13-20, its tanween fath (U+064B) at 19.
WORD = (13, 20)
MARK = 19


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return annotated_workspace(tmp_path_factory.mktemp("spans") / "ws")


@pytest.fixture(scope="module")
def text(ws) -> str:
    text = Corpus(ws.corpus_dir).text(DOC0)
    assert text[WORD[0] : WORD[1]] == "أهدافاً" and unicodedata.category(text[MARK]) == "Mn"
    return text


def line(text: str, entities: list[tuple[int, int]], triggers: list[tuple[int, int]] = (), **extra) -> dict:
    return {
        "id": DOC0,
        "text_sha256": sha256_text(text),
        "guidelines": "2.0.0",
        "entities": [
            {"id": f"T{i}", "start": s, "end": e, "label": "ORG", **extra} for i, (s, e) in enumerate(entities)
        ],
        "events": [
            {"id": f"E{i}", "type": "Conflict.Attack", "trigger": {"start": s, "end": e}, "arguments": []}
            for i, (s, e) in enumerate(triggers)
        ],
    }


def write(path: Path, *lines: dict) -> Path:
    path.write_bytes(b"".join(orjson.dumps(x) + b"\n" for x in lines))
    return path


BAD_SPANS = {
    "ends-before-its-mark": ([(WORD[0], MARK)], [], "ends before U+064B ARABIC FATHATAN"),
    "starts-on-a-mark": ([(MARK, WORD[1])], [], "starts on U+064B ARABIC FATHATAN"),
    "only-white-space": ([(12, 13)], [], "holds only white space"),
    "trigger-on-a-mark": ([], [(MARK, WORD[1])], "event E0 trigger: span 19-20 starts on U+064B"),
}


@pytest.mark.parametrize(("entities", "triggers", "why"), BAD_SPANS.values(), ids=BAD_SPANS.keys())
def test_jsonl_spans_inside_a_character_or_of_white_space_are_refused(ws, text, tmp_path, entities, triggers, why):
    path = write(tmp_path / "x.jsonl", line(text, [WORD]), line(text, entities, triggers))
    with pytest.raises(AnnotatorError) as info:
        read_jsonl(path, ws, "bob")
    errors = str(info.value).splitlines()
    assert any(e.startswith(f"{path}:2: ") and why in e for e in errors), errors


def test_the_whole_word_with_its_mark_is_accepted(ws, text, tmp_path):
    (doc,) = read_jsonl(write(tmp_path / "ok.jsonl", line(text, [WORD, (0, 7)])), ws, "bob").docs
    assert [(e.start, e.end) for e in doc.entities] == [WORD, (0, 7)]


def test_a_span_may_start_on_a_modifier_letter(text):
    """Tatweel is a modifier letter (Lm) with a cell of its own, not a mark: a span may begin on it."""
    at = text.index("\u0640")
    assert unicodedata.category(text[at]) == "Lm" and text[at] not in CONTINUING
    end = at + 1
    while end < len(text) and text[end] in CONTINUING:
        end += 1
    assert span_problem(text, at, end) is None


@pytest.mark.parametrize(
    ("sample", "start", "end", "refused"),
    [
        ("a\u0301b", 1, 3, True),  # combining acute (Mn) cut from its a
        ("\u0915\u093e", 1, 2, True),  # Devanagari vowel sign AA (Mc)
        ("\U0001f44d\U0001f3fd", 1, 2, True),  # emoji skin-tone modifier (Sk, Extend)
        ("a\u200db", 1, 3, True),  # ZWJ goes with the character before it
        ("x \u0301y", 2, 4, False),  # a mark after white space sits on no letter: a cluster of its own
        ("\u0301y", 0, 2, False),  # ... as at the start of the text
        ("a\u02bfAli", 1, 5, False),  # modifier letter ʿ (Lm) stands alone
        ("a^b", 1, 2, False),  # modifier symbol ^ (Sk) stands alone
        ("a \u200f b", 1, 4, True),  # white space and a bidi mark only
    ],
)
def test_span_rule_by_character_kind(sample, start, end, refused):
    assert (span_problem(sample, start, end) is not None) is refused


def test_conll_spans_inside_a_character_are_refused_with_their_line(ws, text, tmp_path):
    words = [text[s:e] for s, e in tokenize(text)]
    assert words[2] == "أهدافاً"
    rows = [*words[:2], "أهدافا", "\u064b", *words[3:]]  # the mark as a token of its own
    for tagged, why in ((2, "ends before U+064B"), (3, "starts on U+064B")):
        tags = ["O"] * len(rows)
        tags[tagged] = "B-ORG"
        path = tmp_path / f"split{tagged}.conll"
        path.write_text("\n".join(f"{w}\t{t}" for w, t in zip(rows, tags)) + "\n", encoding="utf-8")
        with pytest.raises(AnnotatorError) as info:
            read_conll(path, ws, "bob", doc_ids=[DOC0])
        (error,) = str(info.value).splitlines()
        assert error.startswith(f"{path}:{tagged + 1}: ORG ") and why in error, error


def test_the_repository_s_own_gold_still_imports(ws, tmp_path):
    """The export of the seed gold annotations (every kind of span the app makes) passes the rule."""
    from annotator.core.export import ExportOptions, export

    result = export(ws, ExportOptions(format="jsonl", out=tmp_path / "out"))
    assert len(read_jsonl(result.out / "all.jsonl", ws, "bob").docs) == 3


# --- names ------------------------------------------------------------------------------------


def run(capsys, *argv: str) -> SimpleNamespace:
    code = main(list(argv))
    out = capsys.readouterr()
    return SimpleNamespace(code=code, out=out.out, err=out.err)


@pytest.mark.parametrize("name", ["Gold", "GOLD", "gOLD"])
def test_gold_in_another_case_is_refused_as_annotator(ws, text, tmp_path, capsys, name):
    path = write(tmp_path / "x.jsonl", line(text, [WORD]))
    result = run(capsys, "--workspace", str(ws.root), "import", "annotations", str(path), "--annotator", name)
    assert_one_error(result, "--annotator", "reserved")
    assert not (ws.annotations_dir / name).exists()
    with pytest.raises(AnnotatorError, match="reserved"):
        save_imported(ws, name, read_jsonl(path, ws, name))


def test_gold_spelt_exactly_is_still_the_gold_set(ws, text, tmp_path, capsys):
    path = write(tmp_path / "x.jsonl", line(text, [WORD]))
    result = run(capsys, "--workspace", str(ws.root), "import", "annotations", str(path), "--annotator", "gold")
    assert result.code == 2 and "--replace" in result.err  # gold has 000 already: the name itself passed


@pytest.mark.parametrize(("names", "refused"), [(["amal"], None), (["Gold"], "reserved"), (["../x"], "bad annotator")])
def test_names_in_agreed_by_are_annotator_names(ws, text, tmp_path, names, refused):
    path = write(tmp_path / "x.jsonl", line(text, [WORD], agreed_by=names))
    if refused is None:
        assert read_jsonl(path, ws, "bob").docs[0].entities[0].agreed_by == tuple(names)
        return
    with pytest.raises(AnnotatorError) as info:
        read_jsonl(path, ws, "bob")
    assert f"{path}:1: " in str(info.value) and "entity T0 agreed_by" in str(info.value) and refused in str(info.value)
