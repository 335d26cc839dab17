"""Sentence splitting: seed documents, constructed cases, and properties on random text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.text.sentences import CLOSERS, LINE_BREAKS, TERMINATORS, split_sentences
from annotator.core.text.tokens import INVISIBLE_SEPARATORS

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SEEDS = {path.stem: path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*.txt"))}
RLM = "\u200f"
ALPHABET = (
    "ابتسكلمنهويأةى\u064b\u064e\u0651\u0640abcX0123٠١٣٫٬.,"
    "..!!?؟،؛:()[]«»“”\"'″’"
    "   \t\n\r\u00a0\u200c\u200f\u200e\u061c\u2028"
)
random_text = st.text(alphabet=ALPHABET, max_size=80)


def blank(char: str) -> bool:
    return char.isspace() or char in INVISIBLE_SEPARATORS


def ends_sentence(text: str, end: int) -> bool:
    """Whether the rules split right before ``end``: terminators + closers, then blank."""
    if end < len(text) and not blank(text[end]):
        return False
    i = end
    while i > 0 and text[i - 1] in CLOSERS:
        i -= 1
    return i > 0 and text[i - 1] in TERMINATORS


def check_sentences(text: str, spans: list[tuple[int, int]]) -> None:
    """Ordered, disjoint, stripped, one line each, covering the visible text, split
    exactly where the rules say."""
    covered = [False] * len(text)
    previous_end = 0
    for number, (start, end) in enumerate(spans):
        assert previous_end <= start < end <= len(text)
        assert not blank(text[start]) and not blank(text[end - 1])
        assert not any(c in LINE_BREAKS for c in text[start:end])
        if number and not any(c in LINE_BREAKS for c in text[previous_end:start]):
            assert ends_sentence(text, previous_end), text[start:end]
        for i in range(start, end):
            covered[i] = True
            if i > start and blank(text[i]):
                assert not ends_sentence(text, i), (text[start:end], i - start)
        previous_end = end
    assert all(covered[i] or blank(c) for i, c in enumerate(text))


@pytest.mark.parametrize("doc_id", SEEDS)
def test_seed_sentences(doc_id: str) -> None:
    text = SEEDS[doc_id]
    spans = split_sentences(text)
    check_sentences(text, spans)
    assert len(spans) >= len([line for line in text.splitlines() if line.strip()])
    for _start, end in spans:
        assert text[end - 1] != "،"


@pytest.mark.parametrize("doc_id", SEEDS)
def test_the_first_line_ends_a_sentence(doc_id: str) -> None:
    text = SEEDS[doc_id]
    line_end = text.index("\n")
    ends = [end for _, end in split_sentences(text)]
    assert line_end in ends


def test_headlines_are_sentences_of_their_own() -> None:
    headline = "التحالف الدولي يقصف ميليشيات إيران شرقي سوريا"
    text = SEEDS["002_40b7e8ebcf7a331f"]
    start = text.index(headline)
    assert (start, start + len(headline)) in split_sentences(text)
    # ".." ends a sentence, so a headline holding one is two sentences.
    text = SEEDS["000_cc412d3027dac405"]
    assert [text[s:e] for s, e in split_sentences(text)[:2]] == [
        "التحالف يقصف أهدافاً للميليشيات الإيرانية في ديرالزور..",
        "هذه طبيعتها",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("قال: “انتهى.” ثم ذهب", ["قال: “انتهى.”", "ثم ذهب"]),
        ("قال «انتهى!» ثم (نعم.) بعد", ["قال «انتهى!»", "ثم (نعم.)", "بعد"]),
        ("بلغ 3.5 مليون. وبعد", ["بلغ 3.5 مليون.", "وبعد"]),
        ("هل؟ نعم!", ["هل؟", "نعم!"]),
        ("حقاً؟! لا... ربما?", ["حقاً؟!", "لا...", "ربما?"]),
        ("أولاً، ثانياً؛ ثالثاً: رابعاً", ["أولاً، ثانياً؛ ثالثاً: رابعاً"]),
        ("عنوان بلا نقطة\nجملة أولى. جملة ثانية", ["عنوان بلا نقطة", "جملة أولى.", "جملة ثانية"]),
        ("  سطر  \r\n\n  آخر.  ", ["سطر", "آخر."]),
        (f"{RLM}جملة.{RLM} أخرى{RLM}", ["جملة.", "أخرى"]),
        ("انتهى.”، ثم", ["انتهى.”، ثم"]),
        ("www.example.com هنا", ["www.example.com هنا"]),
        (" \n ", []),
        ("", []),
    ],
)
def test_constructed_cases(text: str, expected: list[str]) -> None:
    spans = split_sentences(text)
    check_sentences(text, spans)
    assert [text[s:e] for s, e in spans] == expected


@settings(max_examples=200, deadline=None)
@given(random_text)
def test_random_text_sentences(text: str) -> None:
    check_sentences(text, split_sentences(text))
