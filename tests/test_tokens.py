"""Tokenization: seed documents, constructed cases, and properties on random text."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.text.tokens import INVISIBLE_SEPARATORS, token_texts, tokenize

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SEEDS = {path.stem: path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*.txt"))}

RLM, LRM, ALM, ZWNJ, ZWJ, NBSP = "\u200f", "\u200e", "\u061c", "\u200c", "\u200d", "\u00a0"

# Random text mixing everything the tokenizer has a rule for.
ALPHABET = (
    "ابتثجحخدذرزسشصضطظعغفقكلمنهويءأإآٱىةؤئ"
    "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670"  # harakat, shadda, sukun, U+0670
    "\u0640"  # tatweel
    "abcXYZ"
    "0123456789٠١٢٣٤٥٦٧٨٩۰۵"
    "٫٬.,"
    "،؛؟!?:;()[]-/«»“”\"'″‘’"
    f"  \t\n{NBSP}{ZWNJ}{ZWJ}{RLM}{LRM}{ALM}"
    "ﻻ"
)
random_text = st.text(alphabet=ALPHABET, max_size=80)


def reference_tokenize(text: str) -> list[tuple[int, int]]:
    """The token rules spelled out character by character (slow, obviously right)."""

    def in_word(char: str) -> bool:
        return unicodedata.category(char)[0] in "LMN" or char in (ZWNJ, ZWJ)

    spans = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace() or char in INVISIBLE_SEPARATORS:
            i += 1
            continue
        j = i + 1
        if in_word(char):
            while j < len(text):
                if in_word(text[j]):
                    j += 1
                elif (
                    text[j] in "٫٬.,"
                    and text[j - 1].isdecimal()
                    and j + 1 < len(text)
                    and text[j + 1].isdecimal()
                ):
                    j += 2
                else:
                    break
        spans.append((i, j))
        i = j
    return spans


def check_tokens(text: str, spans: list[tuple[int, int]]) -> None:
    """Ordered, disjoint, in range, no white space, and every visible char in one token."""
    covered = [0] * len(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        previous_end = end
        token = text[start:end]
        assert not any(c.isspace() or c in INVISIBLE_SEPARATORS for c in token), token
        for i in range(start, end):
            covered[i] += 1
    for i, char in enumerate(text):
        expected = 0 if char.isspace() or char in INVISIBLE_SEPARATORS else 1
        assert covered[i] == expected, (i, char)


def test_the_bidi_marks_are_separators() -> None:
    assert {RLM, LRM, ALM} <= INVISIBLE_SEPARATORS
    assert token_texts(f"كلمة{RLM}أخرى {ALM}ثالثة{LRM}") == ["كلمة", "أخرى", "ثالثة"]


@pytest.mark.parametrize("doc_id", SEEDS)
def test_seed_tokens_follow_the_rules(doc_id: str) -> None:
    text = SEEDS[doc_id]
    spans = tokenize(text)
    check_tokens(text, spans)
    assert spans == reference_tokenize(text)


def seed_tokens() -> set[str]:
    return {token for text in SEEDS.values() for token in token_texts(text)}


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("لـ”الحرس الثوري”", ["لـ", "”", "الحرس", "الثوري", "”"]),
        ("قتـ ـلى", ["قتـ", "ـلى"]),
        ("ديرالزور 24″،", ["ديرالزور", "24", "″", "،"]),
        ("لـ\"العربي الجديد\"", ["لـ", '"', "العربي", "الجديد", '"']),
        ("بـ(منظمة الأمن الخارجي)", ["بـ", "(", "منظمة", "الأمن", "الخارجي", ")"]),
        ("الجنود الأمريكيين.\\", ["الجنود", "الأمريكيين", ".", "\\"]),
        ("الخميس/الجمعة", ["الخميس", "/", "الجمعة"]),
        ("مقرات.. غارات", ["مقرات", ".", ".", "غارات"]),
    ],
)
def test_seed_fragments(fragment: str, expected: list[str]) -> None:
    assert any(fragment in text for text in SEEDS.values()), "fragment not in the seeds"
    assert token_texts(fragment) == expected


# The seeds hold no "بالبوكمال" (the reference's example) but "والبوكمال" and "بديرالزور".
@pytest.mark.parametrize(
    "word", ["والبوكمال", "بديرالزور", "2020", "900", "قتيلاً", "وعلُّق", "و2500"]
)
def test_seed_words_are_whole_tokens(word: str) -> None:
    assert word in seed_tokens()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("قصف بالبوكمال.", ["قصف", "بالبوكمال", "."]),
        ("٣٫٥", ["٣٫٥"]),
        ("٢٬٠٠٠ دينار", ["٢٬٠٠٠", "دينار"]),
        ("۱۲۳۴٫۵", ["۱۲۳۴٫۵"]),
        ("1,000.", ["1,000", "."]),
        ("3.5, 7,", ["3.5", ",", "7", ","]),
        ("1..2 ٣٫", ["1", ".", ".", "2", "٣", "٫"]),
        ("(2020)", ["(", "2020", ")"]),
        ("«كلمة»", ["«", "كلمة", "»"]),
        ("؟!", ["؟", "!"]),
        ("‘قال’ ، ؛", ["‘", "قال", "’", "،", "؛"]),
        (f"می{ZWNJ}خواهم {ZWJ}x", [f"می{ZWNJ}خواهم", f"{ZWJ}x"]),
        (f"كلمة{RLM} {RLM}أخرى", ["كلمة", "أخرى"]),
        (f"John\tفرات{NBSP}24\n", ["John", "فرات", "24"]),
        ("20% x_y", ["20", "%", "x", "_", "y"]),
        ("\u0651 ً", ["\u0651", "ً"]),
        ("", []),
    ],
)
def test_constructed_cases(text: str, expected: list[str]) -> None:
    assert token_texts(text) == expected
    assert [text[s:e] for s, e in tokenize(text)] == expected


@settings(max_examples=200, deadline=None)
@given(random_text)
def test_random_text_tokens(text: str) -> None:
    spans = tokenize(text)
    check_tokens(text, spans)
    assert spans == reference_tokenize(text)


@settings(max_examples=300, deadline=None)
@given(random_text)
def test_fast_bounds_equal_the_matches_of_the_token_pattern(text):
    from annotator.core.text.tokens import _TOKEN, token_bounds

    starts, ends = token_bounds(text)
    assert list(zip(starts, ends)) == [m.span() for m in _TOKEN.finditer(text)]
